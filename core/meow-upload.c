/* meow-upload.c: the upload driver
 *
 * One upload, on the worker thread:
 *
 *   HASH     read the source in steps from the tick, computing its MD5 (the
 *            upload's identity and rusty-cat's fileMd5) with progress;
 *   PREPARE  the protocol's prepare request: learn the server's offset
 *            (and create the upload when needed);
 *   CHUNK    send the next chunk, streamed from the source: each block is
 *            read straight into libcurl's buffer and the source checked
 *            unchanged before libcurl gets it; let the protocol read the
 *            answer; repeat;
 *   RETRY    a retryable failure waits here, then goes back to PREPARE, so
 *            the server's offset is always re-read after a failure.
 *
 *   COMPLETE the protocol's complete request, once the server has every
 *            byte, when it has one (S3's "complete multipart upload").
 *
 * The protocol, a MeowUploadProtocol object (tus and rusty-cat's built in,
 * meow-upload-tus.c and meow-upload-meow.c, or the application's), builds
 * requests and parses answers; this file performs them, so retries, pause,
 * progress, speed limits and concurrency are the same for every protocol.
 * Every request passes the task's request hook just before it goes out.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "meow-client-private.h"
#include "meow-engine-private.h"
#include "meow-error.h"
#include "meow-http-private.h"
#include "meow-i18n-private.h"
#include "meow-log-private.h"
#include "meow-pace-private.h"
#include "meow-upload-protocol-private.h"

#define HASH_STEP (4 * 1024 * 1024)
/* libcurl's upload buffer: how much of the source one read callback reads
 * and checks (libcurl 7.88 takes 16 KiB to 2 MiB; its default is 64 KiB). */
#define UPLOAD_BUFFER_SIZE (1024 * 1024)
/* Replies are small JSON documents or empty; more is kept only up to this. */
#define MAX_REPLY_BYTES (256 * 1024)
/* Prepare answers that ask for another prepare (tus 409, a vanished
 * resource) without any byte moving, before the upload fails as stalled. */
#define MAX_PREPARE_LOOPS 5

/* After a 413 (a limit on request bodies between us and the server: nginx allows 1 MiB
 * by default), requests shrink to a quarter, down to this. */
#define MIN_CHUNK_SIZE (64 * 1024)
/* How long a termination request after cancel may take. */
#define ABORT_TIMEOUT_MS 10000

typedef enum
{
  UP_IDLE,
  UP_HASH,
  UP_PREPARE,
  UP_CHUNK,
  UP_COMPLETE,
  UP_WAIT_RETRY,
} UpPhase;

/* The MD5 of the source, computed in a thread of its own so the worker
 * loop keeps moving bytes (and a tus upload can send while it hashes). */
typedef struct
{
  GThread    *thread;
  MeowEngine *engine; /* for the wakeup when done */
  int         fd;     /* a dup of the source's, or -1 for bytes */
  GBytes     *bytes;
  gint64      size;
  char       *name;   /* for messages */
  gint        cancel; /* atomic */
  gint        done;   /* atomic: the thread has finished */
  gpointer    hashed; /* atomic, a gsize: bytes hashed so far */
  char       *md5;    /* the result, written before done is set */
  GError     *error;  /* or this */
} HashRun;

typedef struct
{
  UpPhase             phase;
  MeowUploadProtocol *proto;
  MeowUploadState     state;
  gboolean            state_ready; /* state's inputs are filled: requests may go */
  char               *md5;         /* the source's MD5, once known */

  /* Source. */
  int             fd; /* the file, or -1 for bytes */
  gint64          size;
  struct timespec mtime;
  dev_t           dev;
  ino_t           ino;

  /* Hashing. */
  HashRun *hash;

  /* The request in flight. */
  CURL              *easy;
  struct curl_slist *req_headers;
  curl_mime         *mime;
  char               curl_error[CURL_ERROR_SIZE];
  UpPhase            request_phase;
  const guchar      *chunk; /* a GBytes source: the chunk's bytes; a file: NULL */
  gint64             chunk_len;
  gint64             chunk_pos; /* bytes handed to libcurl */
  gint64             chunk_offset;
  gboolean           sent_empty_chunk;
  GError            *read_error; /* why read_cb aborted the request */

  /* The answer. */
  long         status;
  MeowHttpHead head; /* the answer's headers */
  GString     *resp_body;

  /* Pacing (speed limit). */
  guint64  limit;
  MeowPace pace;
  gint64   paused_until;

  /* Retry state. */
  MeowRetries retries;
  gint64      progress_mark; /* the server's offset when failures was last reset */
  gint64      retry_at;
  guint       prepare_loops;
  guint       chunk_stalls; /* chunk answers in a row that moved no byte */
} Upload;

static void start_prepare (MeowJob *job);
static void start_chunk (MeowJob *job);
static void send_abort (MeowJob *job);

static Upload *
up (MeowJob *job)
{
  return job->driver_data;
}

static const char *
url_of (MeowJob *job)
{
  return job->task->redacted_url;
}

static const char *
source_name (MeowJob *job)
{
  return job->task->source_file ? job->task->source_file : job->task->name;
}

static void
release_handle (MeowJob *job)
{
  Upload *u = up (job);

  if (u->easy)
    {
      _meow_engine_remove_handle (job->engine, u->easy);
      _meow_engine_free_easy (job->engine, g_steal_pointer (&u->easy));
    }
  g_clear_pointer (&u->mime, curl_mime_free);
  g_clear_pointer (&u->req_headers, curl_slist_free_all);
  u->paused_until = 0;
}

static void
close_source (Upload *u)
{
  if (u->fd >= 0)
    {
      close (u->fd);
      u->fd = -1;
    }
}

static void hash_stop (Upload *u);

static void
fail (MeowJob *job, GError *error)
{
  release_handle (job);
  hash_stop (up (job));
  close_source (up (job));
  job->phase = MEOW_PHASE_TRANSFER;
  _meow_engine_finish (job, MEOW_STATUS_FAILED, error, NULL);
}

static void
complete (MeowJob *job)
{
  Upload          *u = up (job);
  g_autofree char *payload = g_strdup (u->state.payload);

  release_handle (job);
  /* A tus upload may finish before its MD5 does; nothing needs it then. */
  hash_stop (u);
  close_source (u);
  job->transferred = (guint64) u->size;
  _meow_engine_finish (job, MEOW_STATUS_COMPLETE, NULL, payload);
}

/* ------------------------------------------------------------------ */
/* The source                                                          */

/* How the source changed under a running upload. */
typedef enum
{
  SOURCE_REMOVED,
  SOURCE_REPLACED,
  SOURCE_SHRANK,
  SOURCE_GREW,
  SOURCE_MODIFIED,
} SourceChange;

static GError *
source_changed_error (MeowJob *job, SourceChange how)
{
  /* Translators: %s is the file being uploaded, in the five messages below. */
  static const char *const formats[] = {
    [SOURCE_REMOVED] = N_ ("“%s” was removed while it was being uploaded; nothing more was sent. "
                           "Start the upload again to send the new content."),
    [SOURCE_REPLACED] = N_ ("“%s” was replaced by another file while it was being uploaded; "
                            "nothing more was sent. Start the upload again to send the new "
                            "content."),
    [SOURCE_SHRANK] = N_ ("“%s” shrank while it was being uploaded; nothing more was sent. Start "
                          "the upload again to send the new content."),
    [SOURCE_GREW] = N_ ("“%s” grew while it was being uploaded; nothing more was sent. Start the "
                        "upload again to send the new content."),
    [SOURCE_MODIFIED] = N_ ("“%s” was modified while it was being uploaded; nothing more was "
                            "sent. Start the upload again to send the new content."),
  };

  return g_error_new (MEOW_ERROR, MEOW_ERROR_LOCAL_FILE_REMOVED, _ (formats[how]),
                      source_name (job));
}

/* Opens the source the first time the upload runs. */
static gboolean
open_source (MeowJob *job, GError **error)
{
  Upload     *u = up (job);
  const char *path = job->task->source_file;
  struct stat st;

  if (path == NULL)
    {
      u->size = (gint64) g_bytes_get_size (job->task->source_bytes);
      return TRUE;
    }

  u->fd = open (path, O_RDONLY | O_CLOEXEC);
  if (u->fd < 0 || fstat (u->fd, &st) != 0)
    {
      int saved = errno;

      close_source (u);
      g_set_error (error, MEOW_ERROR, saved == ENOENT ? MEOW_ERROR_FILE_NOT_FOUND : MEOW_ERROR_IO,
                   _ ("Cannot read “%s”: %s."), path, g_strerror (saved));
      return FALSE;
    }
  if (!S_ISREG (st.st_mode))
    {
      close_source (u);
      g_set_error (error, MEOW_ERROR, MEOW_ERROR_PARAMETER_INVALID,
                   _ ("Cannot upload “%s”: it is not a regular file."), path);
      return FALSE;
    }
  u->size = st.st_size;
  u->mtime = st.st_mtim;
  u->dev = st.st_dev;
  u->ino = st.st_ino;
  return TRUE;
}

/* The source is still the file we hashed: same inode at the same path,
 * same size, same modification time. */
static gboolean
check_source (MeowJob *job, GError **error)
{
  Upload     *u = up (job);
  const char *path = job->task->source_file;
  struct stat st;

  if (path == NULL)
    return TRUE;

  if (g_stat (path, &st) != 0)
    {
      int saved = errno;

      if (saved == ENOENT)
        g_propagate_error (error, source_changed_error (job, SOURCE_REMOVED));
      else
        g_set_error (error, MEOW_ERROR, MEOW_ERROR_IO, _ ("Cannot read “%s”: %s."), path,
                     g_strerror (saved));
      return FALSE;
    }
  if (st.st_dev != u->dev || st.st_ino != u->ino)
    {
      g_propagate_error (error, source_changed_error (job, SOURCE_REPLACED));
      return FALSE;
    }
  if (fstat (u->fd, &st) != 0)
    {
      int saved = errno;

      g_set_error (error, MEOW_ERROR, MEOW_ERROR_IO, _ ("Cannot read “%s”: %s."), path,
                   g_strerror (saved));
      return FALSE;
    }
  if (st.st_size != u->size || st.st_mtim.tv_sec != u->mtime.tv_sec ||
      st.st_mtim.tv_nsec != u->mtime.tv_nsec)
    {
      g_propagate_error (error,
                         source_changed_error (job, st.st_size < u->size   ? SOURCE_SHRANK
                                                    : st.st_size > u->size ? SOURCE_GREW
                                                                           : SOURCE_MODIFIED));
      return FALSE;
    }
  return TRUE;
}

/* Test hook (meow-client-private.h). */
static MeowUploadReadHook read_hook;
static gpointer           read_hook_data;

void
_meow_upload_set_read_hook (MeowUploadReadHook hook, gpointer user_data)
{
  read_hook_data = user_data;
  read_hook = hook;
}

/* Reads up to @len bytes of the file at @offset into @buf and checks that
 * the source is unchanged after the read: a write that raced the read
 * shows in the size or the modification time, and then none of the bytes
 * may be sent. Returns the bytes read (> 0), or -1 with @error. */
static gssize
read_source_block (MeowJob *job, guchar *buf, gint64 offset, gsize len, GError **error)
{
  Upload *u = up (job);
  ssize_t n;

  do
    n = pread (u->fd, buf, len, offset);
  while (n < 0 && errno == EINTR);
  if (n < 0)
    {
      int saved = errno;

      g_set_error (error, MEOW_ERROR, MEOW_ERROR_IO, _ ("Cannot read “%s”: %s."),
                   job->task->source_file, g_strerror (saved));
      return -1;
    }
  if (read_hook != NULL)
    read_hook (job->task->source_file, offset, (gsize) n, read_hook_data);
  if (!check_source (job, error))
    return -1;
  if (n == 0)
    {
      /* Unchanged, yet shorter than it was: not a file we can trust. */
      g_propagate_error (error, source_changed_error (job, SOURCE_SHRANK));
      return -1;
    }
  return n;
}

/* ------------------------------------------------------------------ */
/* Hashing                                                             */

static gpointer
hash_thread_main (gpointer data)
{
  HashRun           *h = data;
  GChecksum         *md5 = g_checksum_new (G_CHECKSUM_MD5);
  g_autofree guchar *buf = h->fd >= 0 ? g_malloc (HASH_STEP) : NULL;
  const guchar      *bytes = h->bytes ? g_bytes_get_data (h->bytes, NULL) : NULL;
  gint64             pos = 0;

#ifdef __linux__
  /* The transfers come first: on Linux, nice applies to this thread alone.
   * A tus upload does not wait for the hash; rusty-cat's protocol does,
   * and on an idle machine the priority changes nothing for it. */
  setpriority (PRIO_PROCESS, (id_t) gettid (), 10);
#endif

  while (pos < h->size && !g_atomic_int_get (&h->cancel))
    {
      gint64 len = MIN ((gint64) HASH_STEP, h->size - pos);

      if (bytes != NULL)
        g_checksum_update (md5, bytes + pos, len);
      else
        {
          gint64 got = 0;

          while (got < len)
            {
              ssize_t n = pread (h->fd, buf + got, (size_t) (len - got), pos + got);

              if (n < 0 && errno == EINTR)
                continue;
              if (n < 0)
                {
                  int saved = errno;
                  h->error = g_error_new (MEOW_ERROR, MEOW_ERROR_IO, _ ("Cannot read “%s”: %s."),
                                          h->name, g_strerror (saved));
                  break;
                }
              if (n == 0)
                {
                  h->error = g_error_new (MEOW_ERROR, MEOW_ERROR_LOCAL_FILE_REMOVED,
                                          _ ("“%s” shrank while it was being read; nothing more "
                                             "was sent. Start the upload again to send the new "
                                             "content."),
                                          h->name);
                  break;
                }
              got += n;
            }
          if (h->error)
            break;
          g_checksum_update (md5, buf, len);
        }
      pos += len;
      g_atomic_pointer_set (&h->hashed, GSIZE_TO_POINTER ((gsize) pos));
    }

  if (h->error == NULL && pos >= h->size)
    h->md5 = g_strdup (g_checksum_get_string (md5));
  g_checksum_free (md5);
  g_atomic_int_set (&h->done, 1);
  _meow_engine_wakeup (h->engine);
  return NULL;
}

static void
hash_start (MeowJob *job)
{
  Upload  *u = up (job);
  HashRun *h = g_new0 (HashRun, 1);

  h->engine = job->engine;
  h->size = u->size;
  h->name = g_strdup (source_name (job));
  h->fd = u->fd >= 0 ? fcntl (u->fd, F_DUPFD_CLOEXEC, 0) : -1;
  if (job->task->source_bytes)
    h->bytes = g_bytes_ref (job->task->source_bytes);
  job->hashed = 0;
  u->hash = h;
  h->thread = g_thread_new ("meow-hash", hash_thread_main, h);
}

/* Stops a running hash (at its next 4 MiB step) and forgets it. */
static void
hash_stop (Upload *u)
{
  HashRun *h = u->hash;

  if (h == NULL)
    return;
  g_atomic_int_set (&h->cancel, 1);
  g_thread_join (h->thread);
  if (h->fd >= 0)
    close (h->fd);
  g_clear_pointer (&h->bytes, g_bytes_unref);
  g_clear_error (&h->error);
  g_free (h->md5);
  g_free (h->name);
  g_free (h);
  u->hash = NULL;
}

typedef struct
{
  MeowJob *job;
  gboolean found;
} PeerSearch;

/* Another running upload to the same URL with the same size might be the
 * same content: both need their MD5 to tell. */
static void
start_peer_hash (MeowJob *other, gpointer data)
{
  PeerSearch *search = data;
  MeowJob    *job = search->job;
  Upload     *ou = other->driver_data;

  if (other->driver != &_meow_upload_driver || ou == NULL || other->state != MEOW_JOB_ACTIVE ||
      ou->size != up (job)->size || g_strcmp0 (other->task->url, job->task->url) != 0)
    return;
  search->found = TRUE;
  if (ou->md5 == NULL && ou->hash == NULL && (ou->fd >= 0 || other->task->source_bytes != NULL))
    hash_start (other);
}

/* tus does not send the MD5, and content can only be a duplicate of a
 * source of the same size: hash only when a running upload to the same
 * URL has this size (and then that one too). Saves reading and hashing
 * every tus upload (bench/upload: 0.70x of curl's throughput with the
 * hash, 0.88x without). */
static void
hash_if_peers (MeowJob *job)
{
  Upload    *u = up (job);
  PeerSearch search = { job, FALSE };

  _meow_engine_foreach_job (job->engine, job, start_peer_hash, &search);
  if (search.found && u->md5 == NULL && u->hash == NULL)
    hash_start (job);
}

/* The protocol state's inputs; file_md5 may come later (tus needs none). */
static void
fill_state (MeowJob *job)
{
  Upload          *u = up (job);
  MeowUploadState *state = &u->state;

  if (u->state_ready)
    return;
  state->url = g_strdup (job->task->url);
  state->method = g_strdup (job->task->method);
  state->file_name = g_strdup (job->task->name ? job->task->name : "");
  state->file_md5 = g_strdup (u->md5 ? u->md5 : "");
  state->category = g_strdup (job->task->category);
  state->total_size = u->size;
  state->chunk_size = job->task->chunk_size;
  state->upload_url = g_strdup (job->task->upload_url);
  u->state_ready = TRUE;
}

/* The hash thread ended: take its MD5 as the upload's identity. */
static void
hash_finished (MeowJob *job)
{
  Upload *u = up (job);
  g_autoptr (GError) error = NULL;
  gboolean waiting = u->phase == UP_HASH;

  job->hashed = (guint64) u->size;
  if (u->hash->error)
    {
      error = g_steal_pointer (&u->hash->error);
      hash_stop (u);
      fail (job, g_steal_pointer (&error));
      return;
    }
  u->md5 = g_steal_pointer (&u->hash->md5);
  hash_stop (u);

  /* Hashed bytes that changed under the reader are not an identity. */
  if (!check_source (job, &error))
    {
      fail (job, g_steal_pointer (&error));
      return;
    }

  g_free (job->identity);
  job->identity = g_strdup_printf ("%s\n%s", job->task->url, u->md5);
  if (_meow_engine_identity_claimed (job->engine, job, job->identity))
    {
      /* A tus upload that already created its resource removes it. */
      if (u->state_ready && u->state.upload_url)
        send_abort (job);
      fail (job, g_error_new (MEOW_ERROR, MEOW_ERROR_DUPLICATE_TASK,
                              _ ("The same content as “%s” is already being uploaded to %s."),
                              source_name (job), url_of (job)));
      return;
    }

  if (u->state_ready)
    {
      g_free (u->state.file_md5);
      u->state.file_md5 = g_strdup (u->md5);
    }
  if (waiting)
    {
      fill_state (job);
      job->phase = MEOW_PHASE_TRANSFER;
      start_prepare (job);
    }
}

/* ------------------------------------------------------------------ */
/* Requests                                                            */

static size_t
header_cb (char *buffer, size_t size, size_t nitems, void *userdata)
{
  MeowJob *job = userdata;
  Upload  *u = up (job);
  gsize    len = size * nitems;

  /* A new response (after a 1xx): forget the previous body. */
  if (_meow_http_head_feed (&u->head, buffer, len) == MEOW_HTTP_LINE_STATUS)
    g_string_truncate (u->resp_body, 0);
  return len;
}

static size_t
write_cb (char *ptr, size_t size, size_t nmemb, void *userdata)
{
  MeowJob *job = userdata;
  Upload  *u = up (job);
  gsize    len = size * nmemb;

  if (u->resp_body->len < MAX_REPLY_BYTES)
    g_string_append_len (u->resp_body, ptr, MIN (len, MAX_REPLY_BYTES - u->resp_body->len));
  return len;
}

/* Hands libcurl the chunk's bytes, paced to the speed limit the same way
 * the download driver paces what it accepts (meow-pace-private.h). A
 * file's bytes are read straight into libcurl's buffer, a block at a time,
 * and handed over only when the source is unchanged after the read;
 * otherwise the request is aborted (the reason kept for request_done()),
 * so no byte read while the source was changing is ever sent. */
static size_t
read_cb (char *buffer, size_t size, size_t nitems, void *userdata)
{
  MeowJob *job = userdata;
  Upload  *u = up (job);
  gsize    len = MIN ((gsize) (u->chunk_len - u->chunk_pos), size * nitems);

  if (len == 0)
    return 0;
  if (u->read_error != NULL)
    return CURL_READFUNC_ABORT;

  /* Never more than the budget at a time, also on the first call:
   * libcurl asks for up to UPLOAD_BUFFER_SIZE at once. */
  len =
      _meow_pace_allow (&u->pace, u->limit, len, FALSE, g_get_monotonic_time (), &u->paused_until);
  if (len == 0)
    {
      _meow_engine_wakeup (job->engine);
      return CURL_READFUNC_PAUSE;
    }

  if (u->chunk != NULL)
    memcpy (buffer, u->chunk + u->chunk_pos, len);
  else
    {
      gssize n = read_source_block (job, (guchar *) buffer, u->chunk_offset + u->chunk_pos, len,
                                    &u->read_error);

      if (n < 0)
        return CURL_READFUNC_ABORT;
      len = (gsize) n;
    }
  _meow_pace_count (&u->pace, len);
  u->chunk_pos += len;
  job->transferred = (guint64) (u->chunk_offset + u->chunk_pos);
  return len;
}

static int
seek_cb (void *userdata, curl_off_t offset, int origin)
{
  MeowJob *job = userdata;
  Upload  *u = up (job);

  if (origin != SEEK_SET || offset < 0 || offset > u->chunk_len)
    return CURL_SEEKFUNC_CANTSEEK;
  u->chunk_pos = offset;
  job->transferred = (guint64) (u->chunk_offset + u->chunk_pos);
  return CURL_SEEKFUNC_OK;
}

/* The protocol's headers, then the task's own, as the task's request hook
 * leaves them in @request. */
static struct curl_slist *
request_headers (MeowJob *job, MeowUploadRequest *request)
{
  struct curl_slist *list = NULL;

  for (guint i = 0; job->task->headers != NULL && job->task->headers[i] != NULL; i++)
    _meow_request_add_line (request, job->task->headers[i]);
  _meow_task_run_request_hook (job->task, request);
  for (guint i = 0; i < request->headers->len; i++)
    list = curl_slist_append (list, g_ptr_array_index (request->headers, i));
  /* No "Expect: 100-continue" round trip before every chunk. */
  list = curl_slist_append (list, "Expect:");
  if (request->form == NULL && request->body_length < 0)
    list = curl_slist_append (list, "Content-Type:");
  return list;
}

/* Sets the method and body of @easy for @request. Without a body
 * callback (@job NULL) only body-less requests are supported. */
static void
set_method (CURL *easy, const MeowUploadRequest *request, curl_mime *mime, MeowJob *job)
{
  const char *method = request->method;

  if (g_ascii_strcasecmp (method, "HEAD") == 0)
    {
      curl_easy_setopt (easy, CURLOPT_NOBODY, 1L);
      return;
    }

  if (mime != NULL)
    curl_easy_setopt (easy, CURLOPT_MIMEPOST, mime);
  else if (job != NULL && request->body_length >= 0)
    {
      curl_easy_setopt (easy, CURLOPT_POST, 1L);
      curl_easy_setopt (easy, CURLOPT_READFUNCTION, read_cb);
      curl_easy_setopt (easy, CURLOPT_READDATA, job);
      curl_easy_setopt (easy, CURLOPT_SEEKFUNCTION, seek_cb);
      curl_easy_setopt (easy, CURLOPT_SEEKDATA, job);
      curl_easy_setopt (easy, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t) request->body_length);
    }
  else if (g_ascii_strcasecmp (method, "POST") == 0)
    {
      /* An empty body (tus creation); request_headers() drops the form
       * Content-Type libcurl would add. */
      curl_easy_setopt (easy, CURLOPT_POSTFIELDS, "");
      curl_easy_setopt (easy, CURLOPT_POSTFIELDSIZE, 0L);
    }

  if (g_ascii_strcasecmp (method, "POST") != 0 && g_ascii_strcasecmp (method, "GET") != 0)
    curl_easy_setopt (easy, CURLOPT_CUSTOMREQUEST, method);
}

static curl_mime *
build_mime (MeowJob *job, CURL *easy, const MeowUploadRequest *request)
{
  curl_mime *mime = curl_mime_init (easy);

  for (guint i = 0; i < request->form->len; i++)
    {
      MeowFormField *field = g_ptr_array_index (request->form, i);
      curl_mimepart *part = curl_mime_addpart (mime);

      curl_mime_name (part, field->name);
      curl_mime_data (part, field->value ? field->value : "", CURL_ZERO_TERMINATED);
    }
  if (request->file_part != NULL && request->body_length >= 0)
    {
      curl_mimepart *part = curl_mime_addpart (mime);

      curl_mime_name (part, request->file_part);
      curl_mime_filename (part, request->file_part_filename);
      curl_mime_type (part, "application/octet-stream");
      curl_mime_data_cb (part, (curl_off_t) request->body_length, read_cb, seek_cb, NULL, job);
    }
  return mime;
}

/* Performs @request (consumed) for @phase; the chunk, if any, is loaded.
 * A protocol that gave no request fails the upload. */
static void
perform (MeowJob *job, MeowUploadRequest *request, UpPhase phase)
{
  Upload *u = up (job);

  release_handle (job);
  if (request == NULL)
    {
      /* Translators: a type name (MyS3Protocol), then the address. */
      fail (job, g_error_new (MEOW_ERROR, MEOW_ERROR_UPLOAD_PROTOCOL,
                              _ ("The upload protocol %s gave no request to send to %s."),
                              G_OBJECT_TYPE_NAME (u->proto), url_of (job)));
      return;
    }
  /* The body is the chunk the engine loaded, or none: read_cb() streams
   * exactly those bytes. */
  if (phase == UP_CHUNK
          ? request->body_offset != u->chunk_offset || request->body_length != u->chunk_len
          : request->body_length >= 0)
    {
      /* Translators: a type name (MyS3Protocol), then the address. */
      fail (job, g_error_new (MEOW_ERROR, MEOW_ERROR_UPLOAD_PROTOCOL,
                              _ ("The upload protocol %s asked to send other bytes to %s than "
                                 "the chunk the engine loaded."),
                              G_OBJECT_TYPE_NAME (u->proto), url_of (job)));
      _meow_upload_request_free (request);
      return;
    }

  u->easy = _meow_engine_new_easy (job->engine, request->url, u->curl_error);
  curl_easy_setopt (u->easy, CURLOPT_PRIVATE, job);
  /* A redirected POST or PATCH would lose its body: uploads do not follow
   * redirects; a 3xx fails with the status and the body. */
  curl_easy_setopt (u->easy, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt (u->easy, CURLOPT_HEADERFUNCTION, header_cb);
  curl_easy_setopt (u->easy, CURLOPT_HEADERDATA, job);
  curl_easy_setopt (u->easy, CURLOPT_WRITEFUNCTION, write_cb);
  curl_easy_setopt (u->easy, CURLOPT_WRITEDATA, job);

  if (request->form != NULL)
    u->mime = build_mime (job, u->easy, request);
  set_method (u->easy, request, u->mime, job);

  u->req_headers = request_headers (job, request);
  curl_easy_setopt (u->easy, CURLOPT_HTTPHEADER, u->req_headers);
  /* The task's login on every request (creation, offset, chunk), for the
   * scheme a 401 names; seek_cb() rewinds a body sent before the challenge. */
  _meow_engine_set_login (u->easy, job);
  if (request->body_length > 0 && u->chunk == NULL)
    {
      /* Fewer, larger reads (each one is also a check of the source). */
      curl_easy_setopt (u->easy, CURLOPT_UPLOAD_BUFFERSIZE, (long) UPLOAD_BUFFER_SIZE);
    }

  _meow_http_head_reset (&u->head);
  g_string_truncate (u->resp_body, 0);
  u->status = 0;
  u->chunk_pos = 0;
  g_clear_error (&u->read_error);
  /* The pacing window spans requests: each chunk must not start with a
   * fresh allowance (upload_limit and upload_start reset it). */
  u->phase = phase;
  u->request_phase = phase;
  _meow_engine_add_handle (job->engine, u->easy, request->url);
  _meow_upload_request_free (request);
}

/* ------------------------------------------------------------------ */
/* Retry                                                               */

/* A failure of @kind (TRANSPORT or SERVER; @detail its short text,
 * transfer full): wait and prepare again, or give up with @error
 * (transfer full). May finish the job. */
static void
retry_or_fail (MeowJob        *job,
               GError         *error,
               MeowFailureKind kind,
               CURLcode        result,
               char           *detail,
               const char     *retry_after)
{
  Upload          *u = up (job);
  guint            max;
  gint64           delay;
  MeowWaitReason   reason = MEOW_WAIT_NONE;
  g_autofree char *detail_owned = detail;

  release_handle (job);
  job->transferred = (guint64) u->state.offset;

  if (u->request_phase == UP_PREPARE && job->task->prepare_retries_set)
    max = job->task->prepare_retries;
  else
    max = _meow_engine_max_retries (job);

  delay = _meow_engine_retry_next (job, &u->retries, kind, result, max, retry_after, &reason);
  if (delay < 0)
    {
      _meow_engine_give_up (&error, u->retries.failures);
      fail (job, error);
      return;
    }

  _meow_job_debug (job, "Retrying upload to %s in %" G_GINT64_FORMAT " ms: %s", url_of (job),
                   delay / 1000, error->message);
  g_error_free (error);

  u->phase = UP_WAIT_RETRY;
  u->retry_at = g_get_monotonic_time () + delay;
  _meow_engine_wait (job, u->retry_at, reason, detail_owned);
}

/* ------------------------------------------------------------------ */
/* Steps                                                               */

static void
start_prepare (MeowJob *job)
{
  Upload *u = up (job);

  perform (job, meow_upload_protocol_prepare (u->proto, &u->state), UP_PREPARE);
}

/* Every byte is on the server: the protocol's complete step, if it has
 * one and has not marked the upload complete, then the task completes. */
static void
finish (MeowJob *job)
{
  Upload      *u = up (job);
  MeowRequest *request = NULL;

  if (!u->state.complete)
    request = meow_upload_protocol_complete (u->proto, &u->state);
  if (request == NULL)
    {
      complete (job);
      return;
    }
  perform (job, request, UP_COMPLETE);
}

/* Points the chunk at bytes [offset, offset + len) of the source: inside
 * the GBytes, or (a file) to be read by read_cb() as libcurl sends. The
 * source is checked here too, so a change since the last request fails
 * before a request goes out. */
static gboolean
load_chunk (MeowJob *job, gint64 offset, gint64 len, GError **error)
{
  Upload *u = up (job);

  u->chunk_offset = offset;
  u->chunk_len = len;
  u->chunk_pos = 0;
  u->chunk = NULL;

  if (job->task->source_bytes)
    {
      const guchar *data = g_bytes_get_data (job->task->source_bytes, NULL);

      u->chunk = data ? data + offset : (const guchar *) "";
      return TRUE;
    }
  return check_source (job, error);
}

static void
start_chunk (MeowJob *job)
{
  Upload          *u = up (job);
  MeowUploadState *state = &u->state;
  gint64           remaining = state->total_size - state->offset;
  gint64           len;
  g_autoptr (GError) error = NULL;

  if (state->complete)
    {
      complete (job);
      return;
    }
  if (remaining <= 0)
    {
      /* The server has every byte. An empty upload still sends one empty
       * chunk, so the server learns about the file. */
      if (state->total_size > 0 || u->sent_empty_chunk)
        {
          finish (job);
          return;
        }
      u->sent_empty_chunk = TRUE;
    }

  len = MIN (state->chunk_size, MAX (remaining, 0));
  if (!load_chunk (job, state->offset, len, &error))
    {
      fail (job, g_steal_pointer (&error));
      return;
    }
  perform (job, meow_upload_protocol_next_chunk (u->proto, state, len), UP_CHUNK);
}

static void
report_upload_url (MeowJob *job)
{
  Upload *u = up (job);

  if (g_strcmp0 (job->upload_url, u->state.upload_url) != 0)
    {
      g_free (job->upload_url);
      job->upload_url = g_strdup (u->state.upload_url);
      /* Owners persist it now, so a crash right after can resume. */
      _meow_engine_report_progress (job);
    }
}

static void
request_done (MeowJob *job, CURLcode result)
{
  Upload          *u = up (job);
  UpPhase          phase = u->request_phase;
  MeowUploadState *state = &u->state;
  gint64           before = state->offset;
  MeowUploadNext   next = MEOW_UPLOAD_NEXT_CHUNK;
  gboolean         ok;
  GError          *error = NULL;
  g_autoptr (MeowUploadResponse) response = NULL;
  g_autoptr (GBytes) body = NULL;
  GHashTableIter iter;
  const char    *name, *value;

  curl_easy_getinfo (u->easy, CURLINFO_RESPONSE_CODE, &u->status);
  _meow_engine_learn_login (job, u->easy, u->status);

  if (u->read_error != NULL)
    {
      /* read_cb() stopped the request: the source changed or cannot be
       * read. What was sent before is intact; the server keeps it or not. */
      job->transferred = (guint64) state->offset;
      fail (job, g_steal_pointer (&u->read_error));
      return;
    }
  {
    char            *request_url = NULL;
    g_autofree char *scheme = NULL;
    g_autofree char *realm = NULL;
    g_autofree char *proxy = NULL;

    /* Uploads follow no redirect: the effective URL is the request's. */
    curl_easy_getinfo (u->easy, CURLINFO_EFFECTIVE_URL, &request_url);
    error = _meow_engine_proxy_auth_error (job->engine, u->easy, request_url, url_of (job), &scheme,
                                           &realm, &proxy);
    if (error != NULL)
      {
        /* The proxy wants a login: paused until one is given, as a
         * download; the resume asks the server where to go on from. */
        job->transferred = (guint64) state->offset;
        _meow_engine_sign_in (job, error, g_steal_pointer (&scheme), g_steal_pointer (&realm),
                              g_steal_pointer (&proxy));
        return;
      }
  }
  if (result != CURLE_OK)
    {
      error = _meow_engine_transport_error (job->engine, MEOW_DIRECTION_UPLOAD, url_of (job),
                                            result, u->curl_error);
      MeowFailureKind kind = _meow_failure_classify (result, 0);

      if (kind != MEOW_FAILURE_FATAL)
        retry_or_fail (job, error, kind, result, _meow_failure_detail (result, 0), NULL);
      else
        fail (job, error);
      return;
    }

  if (u->status == 401)
    {
      /* The server wants a login (or refused the task's), on any of the
       * protocol's requests: paused until one is given, as a download; the
       * resume asks the server where to go on from (the prepare). */
      char *scheme = NULL;
      char *realm = NULL;

      error = _meow_engine_auth_error (job->task, url_of (job),
                                       _meow_http_head_get (&u->head, "www-authenticate"), &scheme,
                                       &realm);
      job->transferred = (guint64) state->offset;
      _meow_engine_sign_in (job, error, scheme, realm, NULL);
      return;
    }

  body = g_bytes_new (u->resp_body->str, u->resp_body->len);
  response = _meow_upload_response_new ((guint) u->status, body);
  g_hash_table_iter_init (&iter, u->head.fields);
  while (g_hash_table_iter_next (&iter, (gpointer *) &name, (gpointer *) &value))
    _meow_upload_response_set_header (response, name, value);

  release_handle (job);

  if (_meow_engine_status_retryable (u->status))
    {
      const char *retry_after = g_hash_table_lookup (response->headers, "retry-after");

      retry_or_fail (job, _meow_upload_status_error (response, url_of (job)), MEOW_FAILURE_SERVER,
                     CURLE_OK, _meow_failure_detail (CURLE_OK, u->status), retry_after);
      return;
    }

  if (phase == UP_CHUNK && u->status == 413 && u->chunk_len > MIN_CHUNK_SIZE)
    {
      /* Too large for something on the way, not a refusal of the upload: smaller
       * requests from here on, after asking the server where it is (a server may
       * have kept part of the body before refusing). */
      state->chunk_size = MAX (MIN_CHUNK_SIZE, u->chunk_len / 4);
      _meow_job_debug (job,
                       "%s answered 413 to %" G_GINT64_FORMAT " bytes; sending %" G_GINT64_FORMAT
                       " at a time",
                       url_of (job), u->chunk_len, state->chunk_size);
      start_prepare (job);
      return;
    }

  if (phase == UP_PREPARE)
    ok = meow_upload_protocol_parse_prepare (u->proto, state, response, &next, &error);
  else if (phase == UP_COMPLETE)
    {
      ok = meow_upload_protocol_parse_complete (u->proto, state, response, &error);
      /* The complete step ran: done, whether or not the protocol said so. */
      state->complete = ok;
    }
  else
    ok = meow_upload_protocol_parse_chunk (u->proto, state, response, u->chunk_len, &next, &error);
  if (!ok)
    {
      job->transferred = (guint64) MIN (state->offset, before);
      fail (job, error);
      return;
    }

  job->transferred = (guint64) state->offset;
  if (!job->transmission_started)
    _meow_engine_report_progress (job);
  report_upload_url (job);

  if (state->offset > u->progress_mark)
    {
      /* Bytes moved: a chunk went through, or (a prepare after a failure)
       * the server kept part of an interrupted one. Earlier failures do
       * not count against this stretch, so a long request that keeps
       * breaking still completes as long as each attempt moves bytes. */
      u->progress_mark = state->offset;
      u->retries = (MeowRetries){ 0 };
      u->prepare_loops = 0;
    }
  if (phase != UP_CHUNK || state->offset > before || state->complete)
    u->chunk_stalls = 0;
  else if (++u->chunk_stalls > 2 * MEOW_UPLOAD_MAX_STALLED_ROUNDS)
    {
      /* A protocol that keeps accepting answers that move nothing (the
       * built-in ones give up earlier, with their own message). */
      fail (job, g_error_new (MEOW_ERROR, MEOW_ERROR_STALLED,
                              _ ("The upload to %s stopped moving at byte %lld after %u "
                                 "answers in a row."),
                              url_of (job), (long long) state->offset, u->chunk_stalls));
      return;
    }

  if (state->complete)
    {
      complete (job);
      return;
    }

  if (next == MEOW_UPLOAD_NEXT_PREPARE)
    {
      if (++u->prepare_loops > MAX_PREPARE_LOOPS)
        {
          fail (job, g_error_new (MEOW_ERROR, MEOW_ERROR_STALLED,
                                  _ ("The server at %s keeps refusing the upload's offset; "
                                     "gave up after %u attempts to re-read it."),
                                  url_of (job), MAX_PREPARE_LOOPS));
          return;
        }
      start_prepare (job);
      return;
    }

  start_chunk (job);
}

/* Sends the protocol's abort request (tus termination) on its own, after
 * the job is gone. */
static void
send_abort (MeowJob *job)
{
  Upload            *u = up (job);
  MeowUploadRequest *request;
  CURL              *easy;
  struct curl_slist *headers;

  if (!u->state_ready)
    return;
  request = meow_upload_protocol_abort (u->proto, &u->state);
  if (request == NULL)
    return;

  easy = _meow_engine_new_easy (job->engine, request->url, NULL);
  curl_easy_setopt (easy, CURLOPT_TIMEOUT_MS, (long) ABORT_TIMEOUT_MS);
  set_method (easy, request, NULL, NULL);
  headers = request_headers (job, request);
  curl_easy_setopt (easy, CURLOPT_HTTPHEADER, headers);
  _meow_upload_request_free (request);
  _meow_engine_send_detached (job->engine, easy, headers);
}

/* ------------------------------------------------------------------ */
/* Driver entry points                                                 */

static void
upload_start (MeowJob *job)
{
  Upload *u = up (job);
  g_autoptr (GError) error = NULL;

  if (u == NULL)
    {
      u = g_new0 (Upload, 1);
      u->fd = -1;
      if (job->task->protocol_impl != NULL)
        u->proto = g_object_ref (job->task->protocol_impl);
      else if (job->task->protocol == MEOW_UPLOAD_PROTOCOL_TUS)
        u->proto = meow_upload_protocol_new_tus ();
      else
        u->proto = meow_upload_protocol_new_meow ();
      _meow_http_head_init (&u->head);
      u->resp_body = g_string_new (NULL);
      job->driver_data = u;
    }

  u->retries = (MeowRetries){ 0 };
  u->prepare_loops = 0;
  u->chunk_stalls = 0;
  _meow_pace_reset (&u->pace);

  if (u->state_ready)
    {
      /* Resumed after a pause: the server says where to go on from, as long
       * as the source is still what was hashed (or, for tus, sent). */
      if (!check_source (job, &error))
        {
          fail (job, g_steal_pointer (&error));
          return;
        }
      if (u->md5 == NULL)
        hash_if_peers (job);
      start_prepare (job);
      return;
    }

  /* Nothing sent yet: (re)open, so a pause during hashing starts over on
   * the file as it is now. */
  close_source (u);
  if (!open_source (job, &error))
    {
      fail (job, g_steal_pointer (&error));
      return;
    }
  job->total = u->size;

  if (!meow_upload_protocol_needs_file_md5 (u->proto))
    {
      /* tus (and a protocol that does not send the MD5): upload at once,
       * and hash only when another upload could be the same content. */
      hash_if_peers (job);
      fill_state (job);
      job->phase = MEOW_PHASE_TRANSFER;
      start_prepare (job);
      return;
    }

  /* rusty-cat's protocol names the file by its MD5: wait for it. */
  hash_start (job);
  u->phase = UP_HASH;
  job->phase = MEOW_PHASE_HASHING;
  _meow_engine_report_progress (job);
  job->transmission_started = FALSE;
}

static void
upload_done (MeowJob *job, CURL *easy, CURLcode result)
{
  Upload *u = up (job);

  if (u->phase == UP_PREPARE || u->phase == UP_CHUNK || u->phase == UP_COMPLETE)
    request_done (job, result);
  else
    g_warn_if_reached ();
}

static gint64
upload_tick (MeowJob *job, gint64 now)
{
  Upload *u = up (job);

  if (u == NULL)
    return G_MAXINT64;

  if (u->hash != NULL)
    {
      job->hashed = GPOINTER_TO_SIZE (g_atomic_pointer_get (&u->hash->hashed));
      if (g_atomic_int_get (&u->hash->done))
        {
          /* May fail the job, or start the prepare request. */
          hash_finished (job);
          return now;
        }
    }

  switch (u->phase)
    {
    case UP_HASH:
      return G_MAXINT64; /* the hash thread wakes the loop when done */

    case UP_WAIT_RETRY:
      if (now < u->retry_at)
        return u->retry_at;
      start_prepare (job);
      return G_MAXINT64;

    case UP_CHUNK:
      if (u->paused_until > 0 && u->easy != NULL)
        {
          if (now < u->paused_until)
            return u->paused_until;
          u->paused_until = 0;
          /* May call read_cb at once, which may pause again. */
          if (curl_easy_pause (u->easy, CURLPAUSE_CONT) != CURLE_OK)
            {
              fail (job, g_error_new (MEOW_ERROR, MEOW_ERROR_HTTP_TRANSPORT,
                                      _ ("The upload to %s could not be resumed after pacing."),
                                      url_of (job)));
              return G_MAXINT64;
            }
          return u->paused_until > 0 ? u->paused_until : G_MAXINT64;
        }
      return G_MAXINT64;

    case UP_IDLE:
    case UP_PREPARE:
    case UP_COMPLETE:
    default:
      return G_MAXINT64;
    }
}

static void
upload_stop (MeowJob *job, MeowStopReason reason)
{
  Upload *u = up (job);

  if (u == NULL)
    return;

  release_handle (job);
  if (u->phase == UP_HASH)
    job->phase = MEOW_PHASE_TRANSFER;
  /* Hashing starts over after a pause only if it had not finished. */
  hash_stop (u);
  if (u->md5 == NULL)
    job->hashed = 0;
  u->phase = UP_IDLE;
  job->transferred = (guint64) u->state.offset;

  if (reason == MEOW_STOP_CANCEL)
    send_abort (job);
}

static void
upload_free (MeowJob *job)
{
  Upload *u = up (job);

  if (u == NULL)
    return;

  release_handle (job);
  hash_stop (u);
  close_source (u);
  g_free (u->md5);
  _meow_upload_state_clear (&u->state);
  g_clear_object (&u->proto);
  _meow_http_head_clear (&u->head);
  g_string_free (u->resp_body, TRUE);
  g_clear_error (&u->read_error);
  g_free (u);
  job->driver_data = NULL;
}

static void
upload_wake (MeowJob *job)
{
  Upload *u = up (job);

  /* Due at once: the next tick prepares again. */
  if (u != NULL && u->phase == UP_WAIT_RETRY)
    u->retry_at = 1;
}

static void
upload_limit (MeowJob *job, guint64 bytes_per_second)
{
  Upload *u = up (job);

  if (u == NULL || u->limit == bytes_per_second)
    return;
  u->limit = bytes_per_second;
  _meow_pace_reset (&u->pace);
  if (u->paused_until > 0)
    u->paused_until = g_get_monotonic_time ();
}

const MeowDriver _meow_upload_driver = {
  .start = upload_start,
  .done = upload_done,
  .tick = upload_tick,
  .stop = upload_stop,
  .free = upload_free,
  .limit = upload_limit,
  .wake = upload_wake,
};
