/* meow-download.c: the download driver (worker thread only)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One download is one streaming GET per attempt (no HEAD first): the
 * response's own headers name the file (Content-Disposition, the URL) and
 * give its total and validators before the first body byte is kept. A
 * fresh download asks for "Range: bytes=0-", so a server that takes ranges
 * states the total in Content-Range, which is checked against
 * Content-Length; a resume asks for "bytes=N-" with If-Range. Then
 * (optionally) a checksum pass, then an atomic no-replace rename onto
 * TARGET.
 *
 * TARGET.part.meow, the control file, records the validators (strong ETag
 * or Last-Modified), the total and a hash of the URL seen when the .part
 * was started, so a later resume can send If-Range and can tell that the
 * remote file changed. The .part's size is the truth for the offset. Only
 * a .part without a control file (not written by this engine), or one that
 * is already complete, is probed with a HEAD first.
 *
 * A small file (at most MEMORY_MAX bytes, known from the headers) that
 * arrives within MEMORY_SPILL_AFTER is held in memory and written once, to
 * an unnamed O_TMPFILE that is flushed and then linked onto TARGET: no
 * .part, no control file, one inode per file. Anything else — pause, a
 * failure, a slow body — first "spills" it to the usual .part and control
 * file, in the usual order.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "meow-download-verdict-private.h"
#include "meow-engine-private.h"
#include "meow-error.h"
#include "meow-http-private.h"
#include "meow-pace-private.h"

#define HASH_STEP (4 * 1024 * 1024)
#define RECV_BUFFER_SIZE (512 * 1024)
#define MAX_RESTARTS 1
#define WRITEBACK_STEP (8 * 1024 * 1024)
/* Names taken by someone else between our look and our rename or link,
 * one after the other, before the download gives up. */
#define MAX_RENAME_RACES 100
/* How often a segmented download records its positions (with a flush). */
#define CHECKPOINT_INTERVAL (2 * G_USEC_PER_SEC)
/* Unless the task asks for a number of connections, one stream runs first
 * and is split only when that helps: when it is slower than
 * SPLIT_MAX_SPEED (faster than that, the disk and CPU are the limit — on
 * loopback at ~800 MB/s four connections were 30 % slower than one) and at
 * least SPLIT_MIN_SECONDS of transfer are left. Judged first after
 * SPLIT_FIRST_CHECK, then every SPLIT_RECHECK. See bench/README.md. */
#define STEAL_MIN (4 * 1024 * 1024)
#define SPLIT_MAX_SPEED (64.0 * 1024 * 1024)
#define SPLIT_MIN_SECONDS 2.0
#define SPLIT_FIRST_CHECK (150 * 1000)
#define SPLIT_RECHECK G_USEC_PER_SEC
/* Small files are kept in memory until complete (see the top of the file):
 * bench/many (1,000 files of 64 KiB) spent most of its time in ext4 inode
 * allocation for the .part and control files. A crash loses at most this
 * much, and at most this long, of a download; progress records show the
 * bytes once they are on disk. */
#define MEMORY_MAX (1024 * 1024)
#define MEMORY_SPILL_AFTER (250 * 1000)
/* Threads that create, write and flush small files (see Commit). */
#define COMMIT_THREADS 4

typedef enum
{
  PHASE_IDLE,
  PHASE_PROBE,
  PHASE_GET,
  PHASE_WAIT_RETRY,
  PHASE_VERIFY,
  PHASE_COMMIT, /* a small file's bytes are being written off the worker thread */
} Phase;

/* What the end of a GET's headers decided. */
typedef enum
{
  ACTION_NONE,
  ACTION_WRITE,        /* 200/206 accepted: body goes to the .part */
  ACTION_ERROR_BODY,   /* error status: collect the body for the message */
  ACTION_COMPLETE_416, /* 416 and the .part already has the whole file */
  ACTION_RESTART,      /* 416 not matching the .part, or a 206 of another version */
  ACTION_REISSUE,      /* drop this answer and ask again (the target's .part turned up, or
                        * a fresh range answer without a total) */
} Action;

typedef struct
{
  Phase              phase;
  CURL              *easy;
  struct curl_slist *req_headers;
  char               curl_error[CURL_ERROR_SIZE];

  char *name;   /* the file name decided, before any " (N)" */
  char *target; /* final path */
  char *part_path;
  char *ctl_path;
  int   fd;

  guint64  limit;        /* receive speed limit, bytes/s, 0 = none */
  MeowPace pace;         /* the first stream's pacing window */
  gint64   paused_until; /* > 0: the handle is paused for pacing */
  char    *effective_url;

  gint64   offset;         /* bytes in the .part (== job->transferred) */
  gint64   writeback_from; /* writeback was started for the bytes before this */
  gint64   request_offset;
  gboolean request_ranged; /* the request in flight carries a Range */
  gboolean fresh_range;    /* the request in flight is "bytes=0-" for a new file */
  gboolean plain_get;      /* requests from zero ask for the whole file, without Range */
  char    *etag;           /* strong validator, or NULL */
  char    *last_modified;
  gboolean trusted_total; /* job->total is the server's (a response, the control file or a
                           * probe), not a caller's hint */
  gboolean probed;        /* a HEAD was tried in this start */
  gboolean have_probe;    /* ... and answered with a length */

  /* A small new file held in memory until complete; NULL otherwise. */
  GByteArray    *mem;
  gint64         spill_at; /* when it goes to a .part if not complete by then */
  struct Commit *commit;   /* complete: being written to an unnamed file */

  /* Per response (reset at each status line). */
  MeowHttpHead head;
  GString     *error_body;
  Action       action;
  MeowVerdict  verdict; /* of the last answer's headers (its error moved out) */
  GError  *abort_error;
  gboolean abort_retryable; /* abort_error is a broken answer worth another try */
  gint64   received;        /* body bytes of this response written */

  /* Retry state. */
  guint             failures;
  gint64            retry_at;
  guint             restarts;
  MeowRestartReason restart_pending;
  gint64            high_water; /* furthest offset reached: progress means passing it */

  /* Verification. */
  char      *bad_checksum; /* the expected checksum these bytes failed, or NULL */
  GChecksum *checksum;
  int        verify_fd;

  /* Segmented download: the first stream (above) covers [0, main_end), the
   * segments the rest; main_end == -1 means one stream to the end. */
  gint64     main_end;
  gboolean   main_cut;  /* write_cb stopped the first stream at main_end */
  gboolean   main_done; /* the first stream has all of [0, main_end) */
  gboolean   ranges_ok; /* the server said Accept-Ranges: bytes */
  gboolean   want_segments;
  gint64     split_check_at; /* > 0: when to judge whether to split */
  gint64     split_base_time;
  gint64     split_base_offset;
  GPtrArray *segments; /* Segment, owned; NULL when not segmented */
  gint64     next_checkpoint;
} Download;

/* One extra connection of a segmented download: bytes [start, end). */
typedef struct
{
  MeowJob           *job;
  gint64             start;
  gint64             end;
  gint64             pos;     /* next byte to write */
  gint64             req_end; /* the end the request in flight asked for */
  CURL              *easy;
  struct curl_slist *headers;
  char               curl_error[CURL_ERROR_SIZE];
  MeowHttpHead       head;
  gboolean           writing;       /* the 206 was accepted */
  gboolean           cut;           /* stopped at end on purpose */
  gboolean           range_ignored; /* a 200: the server ignores Range */
  gboolean           other_version; /* a restart from zero: restart_reason */
  MeowRestartReason  restart_reason;
  GError            *abort_error;
  gboolean           abort_retryable;
  guint              failures;
  gint64             retry_at; /* > 0: waiting to retry */
  gint64             paused_until;
  MeowPace           pace;
  gint64             high_water;
  gboolean           done;
} Segment;

/* A small file's bytes on their way to disk, off the worker thread: a
 * commit thread creates an unnamed file (O_TMPFILE) in the target folder,
 * writes @mem and flushes it — the slow part, inode allocation and the
 * device's flush — while the worker drives the other transfers. The worker
 * alone links the file onto its name (commit_done), so nothing becomes
 * visible behind its back: a pause or close meanwhile waits for the thread
 * (a bounded write of at most MEMORY_MAX bytes) and drops the unnamed
 * file. Everything after `done` is set is under @lock; the worker frees it
 * once it has seen `done`. */
typedef struct Commit
{
  MeowEngine *engine;
  char       *dir;
  GByteArray *mem; /* a reference; not changed while the thread runs */
  GMutex      lock;
  GCond       cond;
  gboolean    done;
  int         fd;          /* the unnamed file, written and flushed, or -1 */
  const char *failed;      /* "create", "write", "flush" or NULL */
  int         saved_errno; /* of the step that failed */
} Commit;

static Segment *segment_new (MeowJob *job, gint64 start, gint64 pos, gint64 end);
static void     segments_drop (MeowJob *job);

static void   start_get (MeowJob *job);
static void   fail (MeowJob *job, GError *error);
static gint64 main_tick (MeowJob *job, gint64 now);
static void   start_probe (MeowJob *job);

static Download *
dl (MeowJob *job)
{
  return job->driver_data;
}

static const char *
url_of (MeowJob *job)
{
  return job->task->redacted_url;
}

/* ------------------------------------------------------------------ */
/* Request plumbing                                                    */

static void
reset_response (Download *d)
{
  if (d->error_body)
    g_string_truncate (d->error_body, 0);
  d->action = ACTION_NONE;
  d->received = 0;
}

static void
release_handle (MeowJob *job)
{
  Download *d = dl (job);

  if (d->easy)
    {
      curl_multi_remove_handle (_meow_engine_get_multi (job->engine), d->easy);
      curl_easy_cleanup (d->easy);
      d->easy = NULL;
    }
  d->paused_until = 0;
  g_clear_pointer (&d->req_headers, curl_slist_free_all);
}

static void
close_part (Download *d)
{
  if (d->fd >= 0)
    {
      close (d->fd);
      d->fd = -1;
    }
}

/* The field @name of @head (lower case), or NULL. */
#define field(head, name) _meow_http_head_get (head, name)

static void
set_abort_error (Download *d, GError *error)
{
  if (d->abort_error == NULL)
    d->abort_error = error;
  else
    g_error_free (error);
}

static void
take_validators_from_response (Download *d)
{
  g_clear_pointer (&d->etag, g_free);
  g_clear_pointer (&d->last_modified, g_free);
  if (field (&d->head, "etag") && _meow_etag_is_strong (field (&d->head, "etag")))
    d->etag = g_strdup (field (&d->head, "etag"));
  d->last_modified = g_strdup (field (&d->head, "last-modified"));
}

/* ------------------------------------------------------------------ */
/* The control file                                                    */

static char *
url_digest (MeowJob *job)
{
  return g_compute_checksum_for_string (G_CHECKSUM_SHA256, job->task->url, -1);
}

static void
write_control (MeowJob *job)
{
  Download *d = dl (job);
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (JsonGenerator) gen = json_generator_new ();
  g_autoptr (JsonNode) root = NULL;
  g_autofree char *data = NULL;
  g_autofree char *digest = url_digest (job);
  g_autoptr (GError) error = NULL;

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "version");
  json_builder_add_int_value (b, 1);
  json_builder_set_member_name (b, "url-sha256");
  json_builder_add_string_value (b, digest);
  json_builder_set_member_name (b, "etag");
  json_builder_add_string_value (b, d->etag);
  json_builder_set_member_name (b, "last-modified");
  json_builder_add_string_value (b, d->last_modified);
  json_builder_set_member_name (b, "total");
  json_builder_add_int_value (b, job->total);
  if (d->bad_checksum)
    {
      /* These bytes failed this checksum: a retry with it fetches them again. */
      json_builder_set_member_name (b, "failed-checksum");
      json_builder_add_string_value (b, d->bad_checksum);
    }
  if (d->segments)
    {
      /* Positions are written after a flush of the bytes (checkpoint()). */
      json_builder_set_member_name (b, "main-pos");
      json_builder_add_int_value (b, d->offset);
      json_builder_set_member_name (b, "main-end");
      json_builder_add_int_value (b, d->main_end);
      json_builder_set_member_name (b, "segments");
      json_builder_begin_array (b);
      for (guint i = 0; i < d->segments->len; i++)
        {
          Segment *seg = g_ptr_array_index (d->segments, i);

          json_builder_begin_array (b);
          json_builder_add_int_value (b, seg->start);
          json_builder_add_int_value (b, seg->pos);
          json_builder_add_int_value (b, seg->end);
          json_builder_end_array (b);
        }
      json_builder_end_array (b);
    }
  json_builder_end_object (b);

  root = json_builder_get_root (b);
  json_generator_set_root (gen, root);
  data = json_generator_to_data (gen, NULL);

  if (!g_file_set_contents_full (d->ctl_path, data, -1, G_FILE_SET_CONTENTS_CONSISTENT, 0600,
                                 &error))
    g_debug ("Could not write %s: %s", d->ctl_path, error->message);
}

/* A segment as the control file records it. */
typedef struct
{
  gint64 start;
  gint64 pos;
  gint64 end;
} Triple;

typedef struct
{
  char   *url_digest;
  char   *etag;
  char   *last_modified;
  gint64  total;
  char   *failed_checksum; /* the bytes failed this expected checksum */
  gint64  main_pos;        /* segmented: -1 when not */
  gint64  main_end;
  GArray *segments; /* Triple */
} Control;

static void
control_clear (Control *c)
{
  g_free (c->url_digest);
  g_free (c->etag);
  g_free (c->last_modified);
  g_free (c->failed_checksum);
  g_clear_pointer (&c->segments, g_array_unref);
}

static gboolean
read_control (const char *path, Control *out)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  JsonObject *obj;
  JsonNode   *root;

  memset (out, 0, sizeof *out);
  out->total = -1;
  out->main_pos = -1;
  out->main_end = -1;

  if (!json_parser_load_from_file (parser, path, NULL))
    return FALSE;
  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    return FALSE;
  obj = json_node_get_object (root);
  out->url_digest = g_strdup (json_object_get_string_member_with_default (obj, "url-sha256", NULL));
  out->etag = g_strdup (json_object_get_string_member_with_default (obj, "etag", NULL));
  out->last_modified =
      g_strdup (json_object_get_string_member_with_default (obj, "last-modified", NULL));
  out->total = json_object_get_int_member_with_default (obj, "total", -1);
  out->main_pos = json_object_get_int_member_with_default (obj, "main-pos", -1);
  out->main_end = json_object_get_int_member_with_default (obj, "main-end", -1);
  out->failed_checksum =
      g_strdup (json_object_get_string_member_with_default (obj, "failed-checksum", NULL));
  if (json_object_has_member (obj, "segments"))
    {
      JsonArray *arr = json_object_get_array_member (obj, "segments");

      out->segments = g_array_new (FALSE, FALSE, sizeof (Triple));
      for (guint i = 0; arr && i < json_array_get_length (arr); i++)
        {
          JsonNode  *node = json_array_get_element (arr, i);
          JsonArray *triple;
          Triple     t;

          if (!JSON_NODE_HOLDS_ARRAY (node) ||
              json_array_get_length (triple = json_node_get_array (node)) != 3)
            {
              /* Unreadable: the split is unknown, so are the bytes. */
              out->main_pos = -2;
              break;
            }
          t.start = json_array_get_int_element (triple, 0);
          t.pos = json_array_get_int_element (triple, 1);
          t.end = json_array_get_int_element (triple, 2);
          g_array_append_val (out->segments, t);
        }
    }
  return TRUE;
}

/* ------------------------------------------------------------------ */
/* curl callbacks (worker thread, inside curl_multi_perform)           */

static guint wanted_segments (MeowJob *job);

/* Inside a curl callback: note that the file should be split; the tick
 * does it (handles cannot be added to the multi from a callback). */
static void
maybe_want_segments (MeowJob *job)
{
  Download *d = dl (job);
  guint64   min = _meow_engine_get_config (job->engine)->min_segment_size;

  if (d->segments == NULL && d->main_end < 0 && d->ranges_ok && job->total > 0 &&
      wanted_segments (job) > 1 && job->total - d->offset >= (gint64) (2 * min))
    {
      if (job->task->segments > 0)
        d->want_segments = TRUE; /* asked for: split at once */
      else
        {
          d->split_base_time = g_get_monotonic_time ();
          d->split_base_offset = d->offset;
          d->split_check_at = d->split_base_time + SPLIT_FIRST_CHECK;
        }
      _meow_engine_wakeup (job->engine);
    }
}

static gboolean decide_target (MeowJob *job, GError **error);
static gboolean open_part (MeowJob *job, gboolean truncate_it, GError **error);
static gboolean path_taken (const char *path);
static void     update_transferred (MeowJob *job);

/* A new file small enough to be held in memory until it is complete. */
static gboolean
memory_eligible (MeowJob *job)
{
  Download *d = dl (job);
  guint64   min = _meow_engine_get_config (job->engine)->min_segment_size;

  return d->trusted_total && job->total >= 0 && job->total <= MEMORY_MAX &&
         d->request_offset == 0 && d->fd < 0 && d->segments == NULL && d->main_end < 0 &&
         !job->task->overwrite && meow_task_get_checksum (job->task, NULL) == MEOW_CHECKSUM_NONE &&
         !(wanted_segments (job) > 1 && job->total >= (gint64) (2 * min));
}

/* The headers of an answer whose body is the file (or its rest) were
 * accepted: make sure the body has somewhere to go before its first byte.
 * Names the file when the response decides it; a new small file goes to
 * memory, anything else to the .part with its control file written first.
 * FALSE: d->action or d->abort_error says what happens instead. */
static gboolean
accept_body (MeowJob *job)
{
  Download *d = dl (job);
  g_autoptr (GError) error = NULL;

  if (d->target == NULL)
    {
      char *effective = NULL;

      if (curl_easy_getinfo (d->easy, CURLINFO_EFFECTIVE_URL, &effective) == CURLE_OK && effective)
        {
          g_free (d->effective_url);
          d->effective_url = g_strdup (effective);
        }
      if (!decide_target (job, &error))
        {
          set_abort_error (d, g_steal_pointer (&error));
          return FALSE;
        }
      /* A TARGET.part without TARGET is ours to resume (an earlier run of
       * this download named the same file): ask again from its end. */
      if (path_taken (d->part_path))
        {
          d->action = ACTION_REISSUE;
          return FALSE;
        }
    }

  if (d->fd < 0)
    {
      if (memory_eligible (job))
        {
          d->mem = g_byte_array_sized_new ((guint) job->total);
          /* Inside a curl callback: the tick after this pass sees it. */
          d->spill_at = g_get_monotonic_time () + MEMORY_SPILL_AFTER;
          return TRUE;
        }
      if (!open_part (job, TRUE, &error))
        {
          set_abort_error (d, g_steal_pointer (&error));
          return FALSE;
        }
    }
  write_control (job);
  return TRUE;
}

/* The first stream's request, as the verdict reads it. */
static void
first_ask (MeowJob *job, MeowDownloadAsk *ask)
{
  Download *d = dl (job);

  ask->kind = d->phase == PHASE_PROBE ? MEOW_ASK_PROBE : MEOW_ASK_FIRST;
  ask->url = url_of (job);
  ask->offset = d->request_offset;
  ask->end = d->main_end > 0 ? d->main_end : -1;
  ask->ranged = d->request_ranged;
  ask->fresh = d->fresh_range;
  ask->conditional = d->request_ranged && !d->fresh_range && (d->etag || d->last_modified);
  ask->split = d->segments != NULL;
  ask->total = d->trusted_total ? job->total : -1;
  ask->etag = d->etag;
  ask->last_modified = d->last_modified;
}

/* The headers of the first stream's answer are in: do what the verdict
 * says (meow-download-verdict.c). */
static void
end_of_headers (MeowJob *job)
{
  Download          *d = dl (job);
  MeowDownloadAsk    ask;
  MeowDownloadAnswer answer;
  MeowVerdict        v;

  first_ask (job, &ask);
  _meow_download_answer_from_head (&answer, &d->head);
  _meow_download_verdict (&ask, &answer, &v);

  if (v.error != NULL)
    {
      set_abort_error (d, g_steal_pointer (&v.error));
      d->abort_retryable = v.kind == MEOW_VERDICT_RETRY;
    }
  d->verdict = v;

  switch (v.kind)
    {
    case MEOW_VERDICT_NEXT:
    case MEOW_VERDICT_PROBED: /* a HEAD is judged when it is done */
    case MEOW_VERDICT_UNPROBED:
    case MEOW_VERDICT_RETRY:
    case MEOW_VERDICT_FAIL:
      return;
    case MEOW_VERDICT_REISSUE:
      d->plain_get = TRUE;
      d->action = ACTION_REISSUE;
      return;
    case MEOW_VERDICT_RESTART:
    case MEOW_VERDICT_DROP_SEGMENTS: /* only for segments */
      d->restart_pending = v.reason;
      d->action = ACTION_RESTART;
      return;
    case MEOW_VERDICT_COMPLETE:
      job->total = v.total;
      d->trusted_total = TRUE;
      /* "bytes=0-" of an empty file: it still needs a name and a file. */
      if (d->request_offset == 0 && d->fd < 0 && !accept_body (job))
        return;
      d->action = ACTION_COMPLETE_416;
      return;
    case MEOW_VERDICT_STATUS:
      d->action = ACTION_ERROR_BODY;
      if (d->error_body == NULL)
        d->error_body = g_string_new (NULL);
      return;
    case MEOW_VERDICT_ACCEPT:
      break;
    }

  if (v.offset < d->request_offset)
    {
      /* The whole file instead of the range: the held bytes go. */
      job->restart_reason = v.reason;
      if (ftruncate (d->fd, 0) != 0 || lseek (d->fd, 0, SEEK_SET) != 0)
        {
          int saved = errno;
          set_abort_error (d, g_error_new (G_IO_ERROR, g_io_error_from_errno (saved),
                                           "Could not truncate “%s”: %s", d->part_path,
                                           g_strerror (saved)));
          return;
        }
      d->offset = 0;
      d->writeback_from = 0;
      d->request_offset = 0;
      job->transferred = 0;
    }
  if (v.take_validators)
    take_validators_from_response (d);
  job->total = v.total;
  d->trusted_total = job->total >= 0;
  d->ranges_ok = d->ranges_ok || v.ranges;
  if (!accept_body (job))
    return;
  d->action = ACTION_WRITE;
  maybe_want_segments (job);
  update_transferred (job);
  _meow_engine_report_progress (job);
}

static size_t
header_cb (char *buffer, size_t size, size_t nitems, void *userdata)
{
  MeowJob  *job = userdata;
  Download *d = dl (job);
  gsize     len = size * nitems;

  switch (_meow_http_head_feed (&d->head, buffer, len))
    {
    case MEOW_HTTP_LINE_STATUS:
      reset_response (d);
      return len;
    case MEOW_HTTP_LINE_END:
      end_of_headers (job);
      /* A restart does not need the rest of this body. */
      return d->abort_error || d->action == ACTION_REISSUE ||
                     (d->action == ACTION_RESTART &&
                      (d->head.status == 206 || d->head.status == 200))
                 ? 0
                 : len;
    default:
      return len;
    }
}

static guint active_streams (Download *d);

/* Speed limit (meow-pace-private.h): a job's connections share its limit
 * evenly, each with a window of its own. TRUE: take @len bytes now (they
 * are counted); FALSE: pause until *@until. */
static gboolean
pace (MeowJob *job, MeowPace *p, gsize len, gint64 *until)
{
  Download *d = dl (job);
  guint64   limit;

  if (d->limit == 0)
    return TRUE;
  limit = MAX (1, d->limit / MAX (1, active_streams (d)));
  if (_meow_pace_allow (p, limit, len, TRUE, g_get_monotonic_time (), until) == 0)
    {
      _meow_engine_wakeup (job->engine);
      return FALSE;
    }
  _meow_pace_count (p, len);
  return TRUE;
}

static size_t
write_cb (char *ptr, size_t size, size_t nmemb, void *userdata)
{
  MeowJob  *job = userdata;
  Download *d = dl (job);
  gsize     len = size * nmemb;
  gsize     done = 0;

  if (d->abort_error)
    return 0;

  if (d->action == ACTION_ERROR_BODY || d->action == ACTION_RESTART ||
      d->action == ACTION_COMPLETE_416)
    {
      if (d->error_body && d->error_body->len < MEOW_HTTP_ERROR_BODY_MAX)
        g_string_append_len (d->error_body, ptr,
                             MIN (len, MEOW_HTTP_ERROR_BODY_MAX - d->error_body->len));
      return len;
    }

  if (d->action != ACTION_WRITE)
    return len; /* body of a redirect or 1xx */

  if (!pace (job, &d->pace, len, &d->paused_until))
    return CURL_WRITEFUNC_PAUSE;

  if (job->total >= 0 && d->offset + (gint64) len > job->total)
    {
      set_abort_error (d, g_error_new (MEOW_ERROR, MEOW_ERROR_INVALID_RANGE,
                                       "The server sent more than the %" G_GINT64_FORMAT
                                       " bytes of %s.",
                                       job->total, url_of (job)));
      return 0;
    }

  if (d->mem)
    {
      /* A small new file: kept until it is complete (commit_memory) or
       * goes to a .part (spill). Progress shows it once it is on disk. */
      g_byte_array_append (d->mem, (const guint8 *) ptr, (guint) len);
      d->offset += len;
      d->received += len;
      return len;
    }

  /* Segmented: the first stream stops where the next segment begins. */
  if (d->main_end >= 0 && d->offset + (gint64) len > d->main_end)
    {
      d->main_cut = TRUE;
      len = (gsize) MAX (0, d->main_end - d->offset);
    }

  while (done < len)
    {
      ssize_t n = write (d->fd, ptr + done, len - done);

      if (n < 0)
        {
          int saved = errno;

          if (saved == EINTR)
            continue;
          if (saved == ENOSPC || saved == EDQUOT)
            set_abort_error (d, g_error_new (MEOW_ERROR, MEOW_ERROR_DISK_FULL,
                                             "The disk is full; “%s” is kept and the download "
                                             "can resume when there is space.",
                                             d->part_path));
          else
            set_abort_error (d, g_error_new (MEOW_ERROR, MEOW_ERROR_IO, "Could not write “%s”: %s",
                                             d->part_path, g_strerror (saved)));
          /* What was written is on disk and counted. */
          return 0;
        }
      done += n;
      d->offset += n;
      d->received += n;
    }
  update_transferred (job);

  /* Start writing back what has piled up, without waiting for it: the
   * fdatasync() before the rename then finds little left to do, instead of
   * the whole file (crash safety stays; the wait moves off the end). */
  if (d->offset - d->writeback_from >= WRITEBACK_STEP)
    {
      sync_file_range (d->fd, d->writeback_from, d->offset - d->writeback_from,
                       SYNC_FILE_RANGE_WRITE);
      d->writeback_from = d->offset;
    }

  /* Fewer bytes than offered (a cut) makes libcurl end the transfer. */
  return d->main_cut ? len : size * nmemb;
}

/* ------------------------------------------------------------------ */
/* Target and .part                                                    */

static gboolean
path_taken (const char *path)
{
  GStatBuf st;
  return g_lstat (path, &st) == 0;
}

static gboolean
claimed_by_other_job (const char *path, gpointer job)
{
  return _meow_engine_target_claimed (((MeowJob *) job)->engine, job, path);
}

/* TARGET was taken (by someone else) since it was decided: the next free
 * name like it, as decide_target() numbers them. FALSE: every one is
 * taken. */
static gboolean
renumber_target (MeowJob *job, GError **error)
{
  Download        *d = dl (job);
  g_autofree char *dir = g_path_get_dirname (d->target);
  char            *next = _meow_unique_path_full (dir, d->name, claimed_by_other_job, job);

  if (next == NULL)
    {
      g_set_error (error, MEOW_ERROR, MEOW_ERROR_TARGET_EXISTS,
                   "Every name like “%s” in “%s” is taken.", d->name, dir);
      return FALSE;
    }
  g_free (d->target);
  d->target = next;
  _meow_engine_set_local_path (job, d->target);
  return TRUE;
}

/* Picks TARGET: the caller's file, or the folder + a safe name from
 * Content-Disposition, the URL or "download". Never an existing file
 * (unless overwriting is allowed) nor another live job's target: then
 * "name (1).ext". A TARGET.part without TARGET is ours to resume. */
static gboolean
decide_target (MeowJob *job, GError **error)
{
  Download        *d = dl (job);
  MeowTask        *task = job->task;
  g_autofree char *dir = NULL;
  g_autofree char *name = NULL;
  g_autofree char *first = NULL;

  if (d->target != NULL)
    return TRUE;

  if (task->output_file)
    {
      dir = g_path_get_dirname (task->output_file);
      name = g_path_get_basename (task->output_file);
    }
  else
    {
      dir = g_strdup (task->output_dir);
      if (field (&d->head, "content-disposition"))
        {
          g_autofree char *raw =
              _meow_content_disposition_filename (field (&d->head, "content-disposition"));
          if (raw)
            name = _meow_sanitize_file_name (raw);
        }
      if (name == NULL && d->effective_url)
        name = _meow_file_name_from_url (d->effective_url);
      if (name == NULL)
        name = _meow_file_name_from_url (task->url);
      if (name == NULL)
        name = g_strdup ("download");
    }

  if (!g_file_test (dir, G_FILE_TEST_IS_DIR))
    {
      g_set_error (error, MEOW_ERROR, MEOW_ERROR_FILE_NOT_FOUND, "The folder “%s” does not exist.",
                   dir);
      return FALSE;
    }

  first = g_build_filename (dir, name, NULL);
  if (task->overwrite && !claimed_by_other_job (first, job))
    d->target = g_steal_pointer (&first);
  else
    d->target = _meow_unique_path_full (dir, name, claimed_by_other_job, job);
  if (d->target == NULL)
    {
      g_set_error (error, MEOW_ERROR, MEOW_ERROR_TARGET_EXISTS,
                   "Every name like “%s” in “%s” is taken.", name, dir);
      return FALSE;
    }
  d->name = g_steal_pointer (&name);

  d->part_path = g_strconcat (d->target, MEOW_PART_SUFFIX, NULL);
  d->ctl_path = g_strconcat (d->target, MEOW_CONTROL_SUFFIX, NULL);
  _meow_engine_set_local_path (job, d->target);
  if (task->name == NULL)
    {
      g_free (job->name);
      job->name = g_path_get_basename (d->target);
    }
  return TRUE;
}

static GError *
io_error (int saved, const char *what, const char *path)
{
  if (saved == ENOSPC || saved == EDQUOT)
    return g_error_new (MEOW_ERROR, MEOW_ERROR_DISK_FULL, "The disk is full; could not %s “%s”.",
                        what, path);
  return g_error_new (G_IO_ERROR, g_io_error_from_errno (saved), "Could not %s “%s”: %s", what,
                      path, g_strerror (saved));
}

/* Opens the .part for writing at its end (never through a symlink). */
static gboolean
open_part (MeowJob *job, gboolean truncate_it, GError **error)
{
  Download   *d = dl (job);
  struct stat st;
  int         fd;

  close_part (d);

  fd = open (d->part_path, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
  if (fd < 0)
    {
      int saved = errno;
      if (saved == ELOOP)
        {
          g_set_error (error, MEOW_ERROR, MEOW_ERROR_IO,
                       "“%s” is a symbolic link; refusing to write through it.", d->part_path);
          return FALSE;
        }
      g_propagate_error (error, io_error (saved, "create", d->part_path));
      return FALSE;
    }
  if (fstat (fd, &st) != 0 || !S_ISREG (st.st_mode))
    {
      close (fd);
      g_set_error (error, MEOW_ERROR, MEOW_ERROR_IO, "“%s” is not a regular file.", d->part_path);
      return FALSE;
    }
  if (truncate_it && st.st_size > 0)
    {
      if (ftruncate (fd, 0) != 0)
        {
          int saved = errno;
          close (fd);
          g_propagate_error (error, io_error (saved, "truncate", d->part_path));
          return FALSE;
        }
      st.st_size = 0;
    }
  if (lseek (fd, st.st_size, SEEK_SET) < 0)
    {
      int saved = errno;
      close (fd);
      g_propagate_error (error, io_error (saved, "seek in", d->part_path));
      return FALSE;
    }

  d->fd = fd;
  d->offset = st.st_size;
  d->writeback_from = d->offset;
  job->transferred = d->offset;
  return TRUE;
}

static gboolean
write_all (int fd, const guint8 *data, gsize len, const char *path, GError **error)
{
  gsize done = 0;

  while (done < len)
    {
      ssize_t n = write (fd, data + done, len - done);

      if (n < 0)
        {
          if (errno == EINTR)
            continue;
          g_propagate_error (error, io_error (errno, "write", path));
          return FALSE;
        }
      done += n;
    }
  return TRUE;
}

/* A small file held in memory goes to its .part after all (paused, failed,
 * slower than MEMORY_SPILL_AFTER): the .part is created, the control file
 * written, then the bytes — the same order as for any download, so a
 * non-empty .part always has its control file. Worker thread; the buffer
 * is freed either way. */
static gboolean
spill (MeowJob *job, GError **error)
{
  Download *d = dl (job);
  g_autoptr (GByteArray) mem = g_steal_pointer (&d->mem);
  gboolean ok;

  d->spill_at = 0;
  if (mem == NULL || mem->len == 0)
    {
      /* Nothing arrived: nothing to keep, and no file to make. */
      d->offset = 0;
      return TRUE;
    }
  if (!open_part (job, TRUE, error))
    return FALSE;
  write_control (job);
  ok = write_all (d->fd, mem->data, mem->len, d->part_path, error);
  {
    /* What was written is on disk (a prefix), and counted. */
    off_t end = lseek (d->fd, 0, SEEK_END);

    d->offset = end > 0 ? end : 0;
  }
  update_transferred (job);
  return ok;
}

/* Links the unnamed file @fd onto @path; never replaces an existing file
 * (EEXIST). */
static int
link_unnamed (int fd, const char *path)
{
  char proc[64];

  g_snprintf (proc, sizeof proc, "/proc/self/fd/%d", fd);
  if (linkat (AT_FDCWD, proc, AT_FDCWD, path, AT_SYMLINK_FOLLOW) == 0)
    return 0;
  if (errno == ENOENT && !g_file_test ("/proc/self/fd", G_FILE_TEST_IS_DIR))
    return linkat (fd, "", AT_FDCWD, path, AT_EMPTY_PATH); /* needs CAP_DAC_READ_SEARCH */
  return -1;
}

/* Commit thread: create, write and flush the unnamed file. */
static void
commit_run (gpointer data, gpointer user_data)
{
  Commit     *c = data;
  const char *failed = NULL;
  int         saved = 0;
  int         fd = open (c->dir, O_TMPFILE | O_WRONLY | O_CLOEXEC, 0644);

  if (fd < 0)
    {
      failed = "create";
      saved = errno;
    }
  else
    {
      gsize done = 0;

      while (failed == NULL && done < c->mem->len)
        {
          ssize_t n = write (fd, c->mem->data + done, c->mem->len - done);

          if (n >= 0)
            done += n;
          else if (errno != EINTR)
            {
              failed = "write";
              saved = errno;
            }
        }
      /* The final name must never show half-written bytes, even after a
       * power cut: flush before the link. */
      if (failed == NULL && fdatasync (fd) != 0)
        {
          failed = "flush";
          saved = errno;
        }
      if (failed != NULL)
        {
          close (fd);
          fd = -1;
        }
    }

  g_mutex_lock (&c->lock);
  c->fd = fd;
  c->failed = failed;
  c->saved_errno = saved;
  c->done = TRUE;
  /* Under the lock: the worker cannot have seen `done`, so the engine it
   * wakes is still there. */
  _meow_engine_wakeup (c->engine);
  g_cond_signal (&c->cond);
  g_mutex_unlock (&c->lock);
}

static gpointer
commit_pool_new (gpointer data)
{
  return g_thread_pool_new (commit_run, NULL, COMMIT_THREADS, FALSE, NULL);
}

/* Hands the complete small file to a commit thread (finish_download). */
static void
commit_start (MeowJob *job)
{
  static GOnce pool_once = G_ONCE_INIT;
  Download    *d = dl (job);
  Commit      *c = g_new0 (Commit, 1);

  c->engine = job->engine;
  c->dir = g_path_get_dirname (d->target);
  c->mem = g_byte_array_ref (d->mem);
  c->fd = -1;
  g_mutex_init (&c->lock);
  g_cond_init (&c->cond);
  d->commit = c;
  d->phase = PHASE_COMMIT;
  g_thread_pool_push (g_once (&pool_once, commit_pool_new, NULL), c, NULL);
}

static gboolean
commit_is_done (Commit *c, gboolean wait)
{
  gboolean done;

  g_mutex_lock (&c->lock);
  while (wait && !c->done)
    g_cond_wait (&c->cond, &c->lock);
  done = c->done;
  g_mutex_unlock (&c->lock);
  return done;
}

static void
commit_free (Commit *c)
{
  if (c->fd >= 0)
    close (c->fd); /* unnamed and never linked: the file system drops it */
  g_byte_array_unref (c->mem);
  g_free (c->dir);
  g_mutex_clear (&c->lock);
  g_cond_clear (&c->cond);
  g_free (c);
}

/* Stop, free: waits for the commit thread and drops its unnamed file; the
 * bytes stay in d->mem (a pause spills them). */
static void
commit_abandon (Download *d)
{
  if (d->commit == NULL)
    return;
  commit_is_done (d->commit, TRUE);
  g_clear_pointer (&d->commit, commit_free);
  d->phase = PHASE_IDLE;
}

/* Links the commit thread's file onto TARGET — or "name (1).ext" when
 * TARGET was taken meanwhile; link() never replaces. FALSE: *@error is set,
 * or @fallback says to finish through a .part (no O_TMPFILE or linkat
 * here). */
static gboolean
commit_link (MeowJob *job, Commit *c, gboolean *fallback, GError **error)
{
  Download *d = dl (job);

  *fallback = FALSE;
  if (c->failed != NULL && g_str_equal (c->failed, "create"))
    {
      g_debug ("No unnamed file in %s (%s); writing a .part", c->dir, g_strerror (c->saved_errno));
      *fallback = TRUE;
      return FALSE;
    }
  if (c->failed != NULL)
    {
      g_propagate_error (error, io_error (c->saved_errno, c->failed, d->target));
      return FALSE;
    }
  for (guint n = 0; n < MAX_RENAME_RACES; n++)
    {
      if (link_unnamed (c->fd, d->target) == 0)
        return TRUE;
      if (errno != EEXIST)
        {
          g_debug ("Could not link %s (%s); writing a .part", d->target, g_strerror (errno));
          *fallback = TRUE;
          return FALSE;
        }
      /* Someone created TARGET meanwhile: keep theirs, take a new name. */
      if (!renumber_target (job, error))
        return FALSE;
    }
  g_set_error (error, MEOW_ERROR, MEOW_ERROR_TARGET_EXISTS, "Every name like “%s” is taken.",
               d->target);
  return FALSE;
}

static void finish_download (MeowJob *job);

/* Tick: the commit thread is done; link, or fall back, or fail. */
static void
commit_done (MeowJob *job)
{
  Download *d = dl (job);
  Commit   *c = g_steal_pointer (&d->commit);
  g_autoptr (GError) error = NULL;
  gboolean fallback = FALSE;
  gboolean linked = commit_link (job, c, &fallback, &error);

  commit_free (c);
  d->phase = PHASE_IDLE;
  if (linked)
    {
      g_autofree char *payload = g_strdup (d->target);
      g_autofree char *ctl = g_strconcat (d->target, MEOW_CONTROL_SUFFIX, NULL);

      /* A control file left without its .part (the .part removed by hand
       * after a pause) is not left beside the finished file. */
      if (g_str_equal (ctl, d->ctl_path))
        g_unlink (d->ctl_path);

      g_clear_pointer (&d->mem, g_byte_array_unref);
      update_transferred (job);
      _meow_engine_finish (job, MEOW_STATUS_COMPLETE, NULL, payload);
      return;
    }
  /* Through a .part and a rename, as usual (spill keeps the bytes of a
   * failure too). */
  if (!fallback || !spill (job, &error))
    {
      fail (job, g_steal_pointer (&error));
      return;
    }
  finish_download (job);
}

/* ------------------------------------------------------------------ */
/* Attempts, retries, errors                                           */

static void segments_stop (MeowJob *job, gboolean keep_positions);
static void checkpoint (MeowJob *job);

static void
fail (MeowJob *job, GError *error)
{
  Download *d = dl (job);
  g_autoptr (GError) spill_error = NULL;

  release_handle (job);
  /* The bytes that did arrive are kept for a later resume. */
  if (!spill (job, &spill_error))
    g_debug ("Could not keep the bytes of %s: %s", url_of (job), spill_error->message);
  /* A failed segmented download keeps its positions for a later resume. */
  segments_stop (job, TRUE);
  close_part (d);
  _meow_engine_finish (job, MEOW_STATUS_FAILED, error, NULL);
}

static guint
max_retries (MeowJob *job)
{
  if (job->task->retries_set)
    return job->task->retries;
  return _meow_engine_get_config (job->engine)->retries;
}

/* A retryable failure: wait and try again, or give up with @error. */
static void
retry_or_fail (MeowJob *job, GError *error, gboolean made_progress)
{
  Download *d = dl (job);
  gint64    delay;
  g_autoptr (GError) spill_error = NULL;

  release_handle (job);
  /* The retry goes on from the disk. */
  if (!spill (job, &spill_error))
    {
      g_error_free (error);
      fail (job, g_steal_pointer (&spill_error));
      return;
    }

  /* A connection that moved bytes before it broke is not a failed attempt
   * in the user's eyes: a flaky network must not fail a long download. */
  if (made_progress)
    d->failures = 0;
  d->failures++;

  if (d->failures > max_retries (job))
    {
      if (error->domain == MEOW_ERROR && error->code == MEOW_ERROR_HTTP_TRANSPORT)
        {
          if (d->failures == 1)
            g_prefix_error (&error, "Gave up after one attempt: ");
          else
            g_prefix_error (&error, "Gave up after %u attempts: ", d->failures);
        }
      fail (job, error);
      return;
    }

  delay = _meow_engine_backoff_us (job->engine, d->failures);
  if (field (&d->head, "retry-after"))
    {
      gint64 ra = _meow_parse_retry_after (field (&d->head, "retry-after"),
                                           g_get_real_time () / G_USEC_PER_SEC);
      if (ra >= 0)
        delay = MAX (delay, ra * 1000);
    }

  g_debug ("Retrying %s in %" G_GINT64_FORMAT " ms: %s", url_of (job), delay / 1000,
           error->message);
  g_error_free (error);

  d->phase = PHASE_WAIT_RETRY;
  d->retry_at = g_get_monotonic_time () + delay;
}

static GError *
status_error (MeowJob *job)
{
  Download *d = dl (job);

  return _meow_http_status_error (d->head.status, d->head.reason, url_of (job),
                                  d->error_body ? d->error_body->str : NULL,
                                  d->error_body ? d->error_body->len : 0);
}

/* ------------------------------------------------------------------ */
/* Requests                                                            */

static CURL *
new_easy (MeowJob *job)
{
  Download *d = dl (job);
  CURL     *easy = _meow_engine_new_easy (job->engine, job->task->url, d->curl_error);

  curl_easy_setopt (easy, CURLOPT_PRIVATE, job);
  curl_easy_setopt (easy, CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt (easy, CURLOPT_BUFFERSIZE, (long) RECV_BUFFER_SIZE);
  curl_easy_setopt (easy, CURLOPT_HEADERFUNCTION, header_cb);
  curl_easy_setopt (easy, CURLOPT_HEADERDATA, job);
  curl_easy_setopt (easy, CURLOPT_WRITEFUNCTION, write_cb);
  curl_easy_setopt (easy, CURLOPT_WRITEDATA, job);
  d->paused_until = 0;
  _meow_pace_reset (&d->pace);

  g_clear_pointer (&d->req_headers, curl_slist_free_all);
  for (guint i = 0; job->task->headers[i]; i++)
    d->req_headers = curl_slist_append (d->req_headers, job->task->headers[i]);

  return easy;
}

static void
submit (MeowJob *job)
{
  Download *d = dl (job);

  _meow_http_head_reset (&d->head);
  reset_response (d);
  g_clear_error (&d->abort_error);
  d->abort_retryable = FALSE;
  curl_easy_setopt (d->easy, CURLOPT_HTTPHEADER, d->req_headers);
  curl_multi_add_handle (_meow_engine_get_multi (job->engine), d->easy);
}

static void
start_probe (MeowJob *job)
{
  Download *d = dl (job);

  release_handle (job);
  d->phase = PHASE_PROBE;
  d->easy = new_easy (job);
  curl_easy_setopt (d->easy, CURLOPT_NOBODY, 1L);
  submit (job);
}

/* Finishes a download whose bytes are all in the .part: verify, rename. */
static void finish_download (MeowJob *job);

static void segments_resume (MeowJob *job);
static void check_all_done (MeowJob *job);

/* The first stream's GET from d->offset. A new file asks for
 * "bytes=0-" (unless a restart asks for the whole file plainly): a server
 * that takes ranges then states the total in Content-Range, checked
 * against Content-Length, and says it takes ranges. */
static void
send_get (MeowJob *job)
{
  Download *d = dl (job);

  d->phase = PHASE_GET;
  d->request_offset = d->offset;
  d->fresh_range = d->offset == 0 && d->main_end <= 0 && !d->plain_get;
  d->request_ranged = d->offset > 0 || d->main_end > 0 || d->fresh_range;
  d->easy = new_easy (job);
  if (d->request_ranged)
    {
      /* Segmented (a resumed split): only the first stream's own range,
       * so nothing past it is sent and thrown away. */
      g_autofree char *range =
          d->main_end > 0 ? g_strdup_printf ("Range: bytes=%" G_GINT64_FORMAT "-%" G_GINT64_FORMAT,
                                             d->offset, d->main_end - 1)
                          : g_strdup_printf ("Range: bytes=%" G_GINT64_FORMAT "-", d->offset);
      d->req_headers = curl_slist_append (d->req_headers, range);
      /* libcurl has no If-Range option; without a validator the range is
       * sent unconditionally, as curl -C and wget -c do. A new file has
       * nothing to be conditional on. */
      if (!d->fresh_range && (d->etag || d->last_modified))
        {
          g_autofree char *if_range =
              g_strdup_printf ("If-Range: %s", d->etag ? d->etag : d->last_modified);
          d->req_headers = curl_slist_append (d->req_headers, if_range);
        }
    }
  submit (job);
}

/* Takes a segmented control file's split if it is consistent with itself
 * and with the .part (@part_size bytes). */
static int
triple_cmp (gconstpointer a, gconstpointer b)
{
  const Triple *x = a;
  const Triple *y = b;

  return x->start < y->start ? -1 : x->start > y->start;
}

static gboolean
restore_segments (MeowJob *job, const Control *ctl, gint64 part_size)
{
  Download *d = dl (job);
  gint64    prev_end = ctl->main_end;

  if (ctl->segments == NULL || ctl->segments->len == 0 || ctl->main_pos < 0 || ctl->main_end <= 0 ||
      ctl->main_pos > ctl->main_end || ctl->main_pos > part_size || job->total <= 0)
    return FALSE;
  /* Stolen ranges are recorded where they were made: put them in order. */
  g_array_sort (ctl->segments, triple_cmp);
  for (guint i = 0; i < ctl->segments->len; i++)
    {
      const Triple *t = &g_array_index (ctl->segments, Triple, i);

      if (t->start != prev_end || t->pos < t->start || t->pos > t->end || t->end <= t->start ||
          t->pos > part_size)
        return FALSE;
      prev_end = t->end;
    }
  if (prev_end != job->total)
    return FALSE;

  d->main_end = ctl->main_end;
  d->offset = ctl->main_pos;
  d->main_done = d->offset >= d->main_end;
  for (guint i = 0; i < ctl->segments->len; i++)
    {
      const Triple *t = &g_array_index (ctl->segments, Triple, i);
      segment_new (job, t->start, t->pos, t->end);
    }
  if (lseek (d->fd, d->offset, SEEK_SET) < 0)
    {
      segments_drop (job);
      return FALSE;
    }
  update_transferred (job);
  return TRUE;
}

static void
start_get (MeowJob *job)
{
  Download *d = dl (job);
  g_autoptr (GError) error = NULL;
  Control          ctl;
  gboolean         have_ctl;
  gboolean         refetch = FALSE;
  g_autofree char *digest = NULL;
  GStatBuf         st;

  release_handle (job);

  /* Bytes still in memory go on from the disk, like any others. */
  if (!spill (job, &error))
    {
      fail (job, g_steal_pointer (&error));
      return;
    }

  if (d->segments != NULL)
    {
      /* Segmented in this session (a retry of the first stream). */
      if (d->offset >= d->main_end)
        {
          d->main_done = TRUE;
          check_all_done (job);
          return;
        }
      if (lseek (d->fd, d->offset, SEEK_SET) < 0)
        {
          fail (job, io_error (errno, "seek in", d->part_path));
          return;
        }
      send_get (job);
      return;
    }

  if (d->target == NULL && job->task->output_file != NULL && !decide_target (job, &error))
    {
      fail (job, g_steal_pointer (&error));
      return;
    }
  if (d->target == NULL)
    {
      /* The answer names the file (accept_body). */
      if (!g_file_test (job->task->output_dir, G_FILE_TEST_IS_DIR))
        {
          fail (job, g_error_new (MEOW_ERROR, MEOW_ERROR_FILE_NOT_FOUND,
                                  "The folder “%s” does not exist.", job->task->output_dir));
          return;
        }
      d->offset = 0;
      job->transferred = 0;
      send_get (job);
      return;
    }

  /* No .part: a new file, created when the answer's headers are accepted
   * (or never, for a small one). Otherwise resume from its end. */
  if (d->fd < 0 && g_lstat (d->part_path, &st) != 0 && errno == ENOENT)
    {
      d->offset = 0;
      d->writeback_from = 0;
      job->transferred = 0;
      send_get (job);
      return;
    }
  if (!open_part (job, FALSE, &error))
    {
      fail (job, g_steal_pointer (&error));
      return;
    }

  /* What we knew when the .part was started: a different URL (or, after a
   * probe, validator or size) means those bytes belong to another file. */
  digest = url_digest (job);
  have_ctl = read_control (d->ctl_path, &ctl);
  if (d->offset > 0 && !d->probed &&
      (!have_ctl || (g_strcmp0 (ctl.url_digest, digest) == 0 && ctl.main_pos == -1 &&
                     ctl.total >= 0 && d->offset >= ctl.total)))
    {
      /* Bytes we have no record of (no control file: not ours), or all of
       * them already (nothing to GET): a HEAD says what the file is now,
       * as before a GET-first engine. */
      if (have_ctl)
        control_clear (&ctl);
      start_probe (job);
      return;
    }
  if (d->offset > 0)
    {
      gboolean changed = FALSE;

      if (have_ctl)
        {
          if (g_strcmp0 (ctl.url_digest, digest) != 0)
            changed = TRUE;
          else if (d->have_probe && ctl.etag && d->etag && g_strcmp0 (ctl.etag, d->etag) != 0)
            changed = TRUE;
          else if (d->have_probe && !ctl.etag && ctl.last_modified && d->last_modified &&
                   g_strcmp0 (ctl.last_modified, d->last_modified) != 0)
            changed = TRUE;
          else if (d->have_probe && ctl.total >= 0 && job->total >= 0 && ctl.total != job->total)
            changed = TRUE;

          if (!changed)
            {
              /* Resume with the validators (and the total) of the bytes
               * we hold; If-Range makes the server check them. */
              g_free (d->etag);
              d->etag = g_strdup (ctl.etag);
              g_free (d->last_modified);
              d->last_modified = g_strdup (ctl.last_modified);
              if (ctl.total >= 0)
                {
                  job->total = ctl.total;
                  d->trusted_total = TRUE;
                }
            }
          if (!changed && ctl.failed_checksum != NULL)
            {
              const char *want = NULL;

              meow_task_get_checksum (job->task, &want);
              if (g_strcmp0 (want, ctl.failed_checksum) == 0)
                {
                  g_debug ("%s failed its checksum before; downloading it again", d->part_path);
                  refetch = TRUE;
                }
            }
          if (!changed && !refetch && ctl.main_pos != -1 &&
              !restore_segments (job, &ctl, d->offset))
            {
              /* A split we cannot account for: its bytes are unknown. */
              g_debug ("The segment record of %s is inconsistent; starting over", d->part_path);
              changed = TRUE;
            }
        }
      if (!changed && d->segments == NULL && job->total >= 0 && d->offset > job->total)
        changed = TRUE;

      if (changed || refetch)
        {
          /* Bytes that failed a checksum are not "the remote changed". */
          if (changed)
            job->restart_reason = MEOW_RESTART_REMOTE_CHANGED;
          if (!open_part (job, TRUE, &error))
            {
              control_clear (&ctl);
              fail (job, g_steal_pointer (&error));
              return;
            }
        }
    }
  if (have_ctl)
    control_clear (&ctl);

  /* A .part without a control file gets one now (after the probe). An
   * empty .part needs none yet: the GET's headers write it, with the
   * validators and the total (one write per file, not two: bench/many
   * showed the extra temporary files and fsyncs costing more than the
   * bytes of 64 KiB files). */
  if (d->offset > 0 && !have_ctl)
    write_control (job);

  if (d->segments != NULL)
    {
      segments_resume (job);
      return;
    }

  if (job->total >= 0 && d->offset == job->total && d->have_probe)
    {
      /* Everything is already here (and the validators agree). */
      _meow_engine_report_progress (job);
      finish_download (job);
      return;
    }

  send_get (job);
}

static void
probe_done (MeowJob *job, CURLcode result)
{
  Download *d = dl (job);

  d->probed = TRUE;
  if (result == CURLE_OK && d->verdict.kind == MEOW_VERDICT_PROBED)
    {
      d->have_probe = TRUE;
      d->ranges_ok = d->verdict.ranges;
      job->total = d->verdict.total;
      d->trusted_total = TRUE;
      take_validators_from_response (d);
      start_get (job);
      return;
    }

  if (result != CURLE_OK)
    {
      g_autoptr (GError) error = _meow_engine_transport_error (job->engine, "download",
                                                               url_of (job), result, d->curl_error);

      if (!_meow_engine_error_retryable (error))
        {
          fail (job, g_steal_pointer (&error));
          return;
        }
    }

  /* HEAD refused, broken, or silent about the length: learn from the GET.
   * (Presigned URLs, for one, often answer HEAD with 403.) */
  d->have_probe = FALSE;
  start_get (job);
}

static void
get_done (MeowJob *job, CURLcode result)
{
  Download *d = dl (job);
  /* Progress means getting further than ever before, so a server that
   * drops every connection after restarting from zero still runs out of
   * retries. */
  gboolean progress = d->offset > d->high_water;

  d->high_water = MAX (d->high_water, d->offset);

  if (d->abort_error)
    {
      GError *error = g_steal_pointer (&d->abort_error);

      /* A length that contradicts the known total or the Content-Range
       * is a glitch worth another try. */
      if (d->abort_retryable ||
          g_error_matches (error, MEOW_ERROR, MEOW_ERROR_INVALID_CONTENT_LENGTH))
        retry_or_fail (job, error, FALSE);
      else
        fail (job, error);
      return;
    }

  if (d->segments && (d->main_cut || d->offset >= d->main_end))
    {
      /* The first stream reached the first segment. */
      release_handle (job);
      d->main_cut = FALSE;
      d->main_done = TRUE;
      check_all_done (job);
      return;
    }

  if (d->action == ACTION_RESTART)
    {
      g_autoptr (GError) error = NULL;

      segments_drop (job);
      if (d->restarts++ >= MAX_RESTARTS || !d->request_ranged)
        {
          if (d->restart_pending == MEOW_RESTART_REMOTE_CHANGED)
            fail (job, g_error_new (MEOW_ERROR, MEOW_ERROR_REMOTE_CHANGED,
                                    "%s keeps changing while it is downloaded.", url_of (job)));
          else
            fail (job, g_error_new (MEOW_ERROR, MEOW_ERROR_INVALID_RANGE,
                                    "The server refuses the range request for %s (416) and the "
                                    "partial file does not match its size.",
                                    url_of (job)));
          return;
        }
      job->restart_reason = d->restart_pending;
      d->high_water = 0;
      if (!open_part (job, TRUE, &error))
        {
          fail (job, g_steal_pointer (&error));
          return;
        }
      g_clear_pointer (&d->etag, g_free);
      g_clear_pointer (&d->last_modified, g_free);
      d->have_probe = FALSE;
      d->trusted_total = FALSE;
      /* Ask for the whole file: a cache that sent another version's range
       * would do it again. */
      d->plain_get = TRUE;
      job->total = -1;
      start_get (job);
      return;
    }

  if (d->action == ACTION_REISSUE)
    {
      /* Not an attempt that failed: ask again, now knowing more. */
      release_handle (job);
      start_get (job);
      return;
    }

  if (d->action == ACTION_COMPLETE_416)
    {
      release_handle (job);
      finish_download (job);
      return;
    }

  if (result != CURLE_OK)
    {
      GError *error = _meow_engine_transport_error (job->engine, "download", url_of (job), result,
                                                    d->curl_error);

      if (_meow_engine_error_retryable (error))
        retry_or_fail (job, error, progress);
      else
        fail (job, error);
      return;
    }

  if (d->action == ACTION_ERROR_BODY)
    {
      GError *error = status_error (job);

      if (_meow_engine_status_retryable (d->head.status))
        retry_or_fail (job, error, FALSE);
      else
        fail (job, error);
      return;
    }

  if (d->action != ACTION_WRITE)
    {
      fail (job, g_error_new (MEOW_ERROR, MEOW_ERROR_RESPONSE_PARSE,
                              "The server's answer for %s could not be understood.", url_of (job)));
      return;
    }

  release_handle (job);

  if (job->total < 0)
    {
      /* Unknown length, ended cleanly: that was the whole file. */
      job->total = d->offset;
      finish_download (job);
    }
  else if (d->offset == job->total)
    finish_download (job);
  else if (d->offset < job->total)
    {
      /* A shorter range than asked for (allowed), or a short body curl did
       * not flag: continue from where we are. */
      if (!progress)
        retry_or_fail (job,
                       g_error_new (MEOW_ERROR, MEOW_ERROR_HTTP_TRANSPORT,
                                    "The server ended %s early.", url_of (job)),
                       FALSE);
      else
        start_get (job);
    }
  else
    fail (job, g_error_new (MEOW_ERROR, MEOW_ERROR_INVALID_RANGE,
                            "%s is longer than the server said.", url_of (job)));
}

/* ------------------------------------------------------------------ */
/* Finishing                                                           */

static gboolean
part_still_ours (MeowJob *job, GError **error)
{
  Download   *d = dl (job);
  struct stat fst, pst;

  if (d->fd < 0)
    return TRUE;
  if (fstat (d->fd, &fst) != 0 || fst.st_nlink == 0 || lstat (d->part_path, &pst) != 0 ||
      fst.st_ino != pst.st_ino || fst.st_dev != pst.st_dev)
    {
      g_set_error (error, MEOW_ERROR, MEOW_ERROR_LOCAL_FILE_REMOVED,
                   "The partial file “%s” was removed or replaced during the download.",
                   d->part_path);
      return FALSE;
    }
  return TRUE;
}

static gboolean
rename_into_place (MeowJob *job, GError **error)
{
  Download *d = dl (job);

  for (guint n = 0; n < MAX_RENAME_RACES; n++)
    {
      int r;

      if (job->task->overwrite)
        r = rename (d->part_path, d->target);
      else
        {
          r = renameat2 (AT_FDCWD, d->part_path, AT_FDCWD, d->target, RENAME_NOREPLACE);
          if (r != 0 && errno == EINVAL)
            {
              /* Filesystem without RENAME_NOREPLACE: link() never replaces. */
              r = link (d->part_path, d->target);
              if (r == 0)
                unlink (d->part_path);
            }
        }

      if (r == 0)
        return TRUE;

      if (errno == EEXIST)
        {
          /* Someone created TARGET meanwhile: keep theirs, take a new name. */
          if (!renumber_target (job, error))
            return FALSE;
          continue;
        }

      g_propagate_error (error, io_error (errno, "rename", d->part_path));
      return FALSE;
    }

  g_set_error (error, MEOW_ERROR, MEOW_ERROR_TARGET_EXISTS, "Every name like “%s” is taken.",
               d->target);
  return FALSE;
}

static void
complete (MeowJob *job)
{
  Download *d = dl (job);
  g_autoptr (GError) error = NULL;
  g_autofree char *payload = NULL;

  if (!part_still_ours (job, &error))
    {
      fail (job, g_steal_pointer (&error));
      return;
    }

  /* The final name must never show half-written bytes, even after a power
   * cut: flush before the rename. */
  if (d->fd >= 0 && fdatasync (d->fd) != 0)
    {
      fail (job, io_error (errno, "flush", d->part_path));
      return;
    }
  close_part (d);

  if (!rename_into_place (job, &error))
    {
      fail (job, g_steal_pointer (&error));
      return;
    }
  g_unlink (d->ctl_path);

  payload = g_strdup (d->target);
  d->phase = PHASE_IDLE;
  _meow_engine_finish (job, MEOW_STATUS_COMPLETE, NULL, payload);
}

static void
finish_download (MeowJob *job)
{
  Download        *d = dl (job);
  MeowChecksumType type;
  const char      *hex;
  GChecksumType    gtype;
  g_autoptr (GError) error = NULL;

  if (d->mem)
    {
      /* Written and flushed off the worker thread; commit_done() links it. */
      commit_start (job);
      return;
    }

  type = meow_task_get_checksum (job->task, &hex);
  update_transferred (job);

  if (type == MEOW_CHECKSUM_NONE)
    {
      complete (job);
      return;
    }

  if (!part_still_ours (job, &error))
    {
      fail (job, g_steal_pointer (&error));
      return;
    }

  gtype = type == MEOW_CHECKSUM_MD5    ? G_CHECKSUM_MD5
          : type == MEOW_CHECKSUM_SHA1 ? G_CHECKSUM_SHA1
                                       : G_CHECKSUM_SHA256;
  g_clear_pointer (&d->checksum, g_checksum_free);
  d->checksum = g_checksum_new (gtype);
  if (d->verify_fd >= 0)
    close (d->verify_fd);
  d->verify_fd = open (d->part_path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (d->verify_fd < 0)
    {
      fail (job, io_error (errno, "read", d->part_path));
      return;
    }
  d->phase = PHASE_VERIFY;
  _meow_engine_wakeup (job->engine);
}

/* One step of hashing per tick, so other transfers keep flowing. */
static void
verify_step (MeowJob *job)
{
  Download          *d = dl (job);
  g_autofree guchar *buf = g_malloc (HASH_STEP);
  ssize_t            n = read (d->verify_fd, buf, HASH_STEP);
  const char        *want;
  const char        *got;

  if (n < 0)
    {
      int saved = errno;
      close (d->verify_fd);
      d->verify_fd = -1;
      fail (job, io_error (saved, "read", d->part_path));
      return;
    }
  if (n > 0)
    {
      g_checksum_update (d->checksum, buf, n);
      return;
    }

  close (d->verify_fd);
  d->verify_fd = -1;
  meow_task_get_checksum (job->task, &want);
  got = g_checksum_get_string (d->checksum);
  if (g_strcmp0 (want, got) != 0)
    {
      gsize       want_len = strlen (want);
      const char *kind = want_len == 32 ? "MD5" : want_len == 40 ? "SHA-1" : "SHA-256";
      /* Kept for inspection; the control file remembers the verdict so a
       * retry expecting the same checksum downloads again instead of
       * failing on the same bytes forever. */
      g_free (d->bad_checksum);
      d->bad_checksum = g_strdup (want);
      write_control (job);
      fail (job, g_error_new (MEOW_ERROR, MEOW_ERROR_CHECKSUM_MISMATCH,
                              "The downloaded file does not match the expected %s checksum "
                              "(expected %s, got %s); it was kept as “%s”. Retrying downloads "
                              "it again.",
                              kind, want, got, d->part_path));
      return;
    }

  complete (job);
}

/* ------------------------------------------------------------------ */
/* Segments                                                            */

static void
segment_release (MeowJob *job, Segment *seg)
{
  if (seg->easy)
    {
      curl_multi_remove_handle (_meow_engine_get_multi (job->engine), seg->easy);
      curl_easy_cleanup (seg->easy);
      seg->easy = NULL;
    }
  g_clear_pointer (&seg->headers, curl_slist_free_all);
  seg->paused_until = 0;
}

static void
segment_reset_response (Segment *seg)
{
  seg->writing = FALSE;
}

static void
segment_free (Segment *seg)
{
  _meow_http_head_clear (&seg->head);
  g_clear_error (&seg->abort_error);
  g_free (seg);
}

/* Stops every segment's connection and forgets the split: one stream again. */
static void
segments_drop (MeowJob *job)
{
  Download *d = dl (job);

  if (d->segments)
    {
      for (guint i = 0; i < d->segments->len; i++)
        segment_release (job, g_ptr_array_index (d->segments, i));
      g_clear_pointer (&d->segments, g_ptr_array_unref);
    }
  d->main_end = -1;
  d->main_cut = FALSE;
  d->main_done = FALSE;
  d->want_segments = FALSE;
  d->split_check_at = 0;
}

/* Stops every segment's connection; with @keep_positions, first records
 * the positions (with a flush) so a later run resumes every segment. */
static void
segments_stop (MeowJob *job, gboolean keep_positions)
{
  Download *d = dl (job);

  if (d->segments == NULL)
    return;
  for (guint i = 0; i < d->segments->len; i++)
    segment_release (job, g_ptr_array_index (d->segments, i));
  if (keep_positions)
    checkpoint (job);
  segments_drop (job);
}

/* Connections moving bytes: the first stream and the running segments. */
static guint
active_streams (Download *d)
{
  guint n = d->easy != NULL ? 1 : 0;

  for (guint i = 0; d->segments && i < d->segments->len; i++)
    if (((Segment *) g_ptr_array_index (d->segments, i))->easy != NULL)
      n++;
  return n;
}

static void
update_transferred (MeowJob *job)
{
  Download *d = dl (job);
  gint64    sum = d->offset;

  if (d->mem)
    {
      /* Counted once they are in a file: a record never shows bytes
       * that have no .part (and control file) to resume from. */
      job->transferred = 0;
      return;
    }
  if (d->segments)
    for (guint i = 0; i < d->segments->len; i++)
      {
        Segment *seg = g_ptr_array_index (d->segments, i);
        sum += seg->pos - seg->start;
      }
  job->transferred = (guint64) sum;
}

/* Makes the control file match what is durable: the bytes first, then the
 * positions, so a crash never claims bytes that are not on disk. */
static void
checkpoint (MeowJob *job)
{
  Download *d = dl (job);

  if (d->fd >= 0 && fdatasync (d->fd) != 0)
    g_debug ("Could not flush %s: %s", d->part_path, g_strerror (errno));
  write_control (job);
  d->next_checkpoint = g_get_monotonic_time () + CHECKPOINT_INTERVAL;
}

static void
segment_end_of_headers (Segment *seg)
{
  MeowJob        *job = seg->job;
  Download       *d = dl (job);
  MeowDownloadAsk ask = {
    .kind = MEOW_ASK_SEGMENT,
    .url = url_of (job),
    .offset = seg->pos,
    .end = seg->req_end,
    .ranged = TRUE,
    .conditional = d->etag || d->last_modified,
    .split = TRUE,
    .total = job->total,
    .etag = d->etag,
    .last_modified = d->last_modified,
  };
  MeowDownloadAnswer answer;
  MeowVerdict        v;

  _meow_download_answer_from_head (&answer, &seg->head);
  _meow_download_verdict (&ask, &answer, &v);
  switch (v.kind)
    {
    case MEOW_VERDICT_ACCEPT:
      seg->writing = TRUE;
      break;
    case MEOW_VERDICT_RESTART:
      seg->other_version = TRUE;
      seg->restart_reason = v.reason;
      break;
    case MEOW_VERDICT_DROP_SEGMENTS:
      seg->range_ignored = TRUE;
      break;
    case MEOW_VERDICT_RETRY:
    case MEOW_VERDICT_FAIL:
      seg->abort_error = g_steal_pointer (&v.error);
      seg->abort_retryable = v.kind == MEOW_VERDICT_RETRY;
      break;
    default:
      break; /* 1xx, a redirect: the next answer; an error status: judged in done */
    }
}

static size_t
segment_header_cb (char *buffer, size_t size, size_t nitems, void *userdata)
{
  Segment *seg = userdata;
  gsize    len = size * nitems;

  switch (_meow_http_head_feed (&seg->head, buffer, len))
    {
    case MEOW_HTTP_LINE_STATUS:
      segment_reset_response (seg);
      return len;
    case MEOW_HTTP_LINE_END:
      segment_end_of_headers (seg);
      return seg->abort_error || seg->range_ignored || seg->other_version ? 0 : len;
    default:
      return len;
    }
}

static size_t
segment_write_cb (char *ptr, size_t size, size_t nmemb, void *userdata)
{
  Segment  *seg = userdata;
  MeowJob  *job = seg->job;
  Download *d = dl (job);
  gsize     len = size * nmemb;
  gsize     want;
  gsize     done = 0;

  if (!seg->writing)
    return len; /* an error or redirect body */
  if (seg->abort_error)
    return 0;
  if (!pace (job, &seg->pace, len, &seg->paused_until))
    return CURL_WRITEFUNC_PAUSE;

  /* The end may have moved down (its tail went to a new segment). */
  want = (gsize) MIN ((gint64) len, MAX (0, seg->end - seg->pos));
  while (done < want)
    {
      ssize_t n = pwrite (d->fd, ptr + done, want - done, seg->pos);

      if (n < 0)
        {
          int saved = errno;

          if (saved == EINTR)
            continue;
          seg->abort_error = io_error (saved, "write", d->part_path);
          update_transferred (job);
          return 0;
        }
      done += n;
      seg->pos += n;
    }
  update_transferred (job);
  if (want < len)
    {
      seg->cut = TRUE;
      return want;
    }
  return len;
}

static void
segment_start (MeowJob *job, Segment *seg)
{
  Download        *d = dl (job);
  g_autofree char *range = NULL;

  segment_release (job, seg);
  _meow_http_head_reset (&seg->head);
  segment_reset_response (seg);
  g_clear_error (&seg->abort_error);
  seg->cut = FALSE;
  seg->range_ignored = FALSE;
  seg->other_version = FALSE;
  seg->abort_retryable = FALSE;
  seg->retry_at = 0;

  seg->easy = _meow_engine_new_easy (job->engine, job->task->url, seg->curl_error);
  curl_easy_setopt (seg->easy, CURLOPT_PRIVATE, job);
  curl_easy_setopt (seg->easy, CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt (seg->easy, CURLOPT_BUFFERSIZE, (long) RECV_BUFFER_SIZE);
  curl_easy_setopt (seg->easy, CURLOPT_HEADERFUNCTION, segment_header_cb);
  curl_easy_setopt (seg->easy, CURLOPT_HEADERDATA, seg);
  curl_easy_setopt (seg->easy, CURLOPT_WRITEFUNCTION, segment_write_cb);
  curl_easy_setopt (seg->easy, CURLOPT_WRITEDATA, seg);

  for (guint i = 0; job->task->headers[i]; i++)
    seg->headers = curl_slist_append (seg->headers, job->task->headers[i]);
  seg->req_end = seg->end;
  range = g_strdup_printf ("Range: bytes=%" G_GINT64_FORMAT "-%" G_GINT64_FORMAT, seg->pos,
                           seg->end - 1);
  seg->headers = curl_slist_append (seg->headers, range);
  if (d->etag || d->last_modified)
    {
      g_autofree char *if_range =
          g_strdup_printf ("If-Range: %s", d->etag ? d->etag : d->last_modified);
      seg->headers = curl_slist_append (seg->headers, if_range);
    }
  curl_easy_setopt (seg->easy, CURLOPT_HTTPHEADER, seg->headers);
  curl_multi_add_handle (_meow_engine_get_multi (job->engine), seg->easy);
}

static Segment *
segment_new (MeowJob *job, gint64 start, gint64 pos, gint64 end)
{
  Download *d = dl (job);
  Segment  *seg = g_new0 (Segment, 1);

  seg->job = job;
  seg->start = start;
  seg->pos = pos;
  seg->end = end;
  seg->high_water = pos;
  _meow_http_head_init (&seg->head);
  seg->done = pos >= end;
  if (d->segments == NULL)
    d->segments = g_ptr_array_new_with_free_func ((GDestroyNotify) segment_free);
  g_ptr_array_add (d->segments, seg);
  return seg;
}

static guint
wanted_segments (MeowJob *job)
{
  guint n = job->task->segments;

  return n ? n : _meow_engine_get_config (job->engine)->max_segments;
}

/* The first stream's headers were accepted: split the rest of the file. */
static void
segments_begin (MeowJob *job)
{
  Download *d = dl (job);
  guint64   min = _meow_engine_get_config (job->engine)->min_segment_size;
  gint64    remaining = job->total - d->offset;
  guint     n = wanted_segments (job);
  gint64    part;

  d->want_segments = FALSE;
  if (d->segments || n < 2 || job->total < 0 || remaining <= 0)
    return;
  n = (guint) MIN ((gint64) n, remaining / (gint64) min);
  if (n < 2)
    return;

  part = remaining / n;
  d->main_end = d->offset + part;
  d->main_cut = FALSE;
  d->main_done = FALSE;
  for (guint i = 1; i < n; i++)
    {
      gint64 start = d->offset + i * part;
      gint64 end = i == n - 1 ? job->total : start + part;

      segment_new (job, start, start, end);
    }
  /* Record the split before any segment writes. */
  checkpoint (job);
  for (guint i = 0; i < d->segments->len; i++)
    segment_start (job, g_ptr_array_index (d->segments, i));
  g_debug ("Downloading %s in %u segments", url_of (job), n);
}

/* A segment got a 200 to its range request: the server does not do
 * ranges after all. The first stream carries on alone to the end. */
static void
segments_abandon (MeowJob *job)
{
  Download *d = dl (job);
  gboolean  main_running = d->easy != NULL && !d->main_cut;

  segments_drop (job);
  /* Segment bytes past the first stream are not ours to trust as a
   * single-stream .part: cut them off. */
  if (d->fd >= 0 && ftruncate (d->fd, d->offset) != 0)
    g_debug ("Could not truncate %s: %s", d->part_path, g_strerror (errno));
  write_control (job);
  update_transferred (job);
  if (!main_running)
    start_get (job);
}

/* Another version of the file showed up in a segment: drop every byte and
 * start again with one stream (once; a second time fails). */
static void
restart_from_zero (MeowJob *job, MeowRestartReason reason)
{
  Download *d = dl (job);
  g_autoptr (GError) error = NULL;

  segments_drop (job);
  release_handle (job);
  if (d->restarts++ >= MAX_RESTARTS)
    {
      fail (job, g_error_new (MEOW_ERROR, MEOW_ERROR_REMOTE_CHANGED,
                              "%s keeps changing while it is downloaded.", url_of (job)));
      return;
    }
  job->restart_reason = reason;
  d->high_water = 0;
  if (!open_part (job, TRUE, &error))
    {
      fail (job, g_steal_pointer (&error));
      return;
    }
  g_clear_pointer (&d->etag, g_free);
  g_clear_pointer (&d->last_modified, g_free);
  d->have_probe = FALSE;
  d->trusted_total = FALSE;
  d->plain_get = TRUE;
  job->total = -1;
  write_control (job);
  start_get (job);
}

/* All bytes in? Then verify and rename. Otherwise give an idle
 * connection the larger half of the biggest remaining range. */
static void
check_all_done (MeowJob *job)
{
  Download *d = dl (job);
  guint64   min = _meow_engine_get_config (job->engine)->min_segment_size;
  Segment  *biggest = NULL;
  gint64    biggest_left = 0;
  gint64    main_left;

  for (guint i = 0; d->segments && i < d->segments->len; i++)
    {
      Segment *seg = g_ptr_array_index (d->segments, i);
      gint64   left = seg->end - seg->pos;

      if (!seg->done && left > biggest_left && seg->retry_at == 0)
        {
          biggest = seg;
          biggest_left = left;
        }
    }
  main_left = d->main_done ? 0 : d->main_end - d->offset;

  if (d->main_done && biggest == NULL)
    {
      gboolean all = TRUE;

      for (guint i = 0; d->segments && i < d->segments->len; i++)
        all = all && ((Segment *) g_ptr_array_index (d->segments, i))->done;
      if (all)
        {
          segments_drop (job);
          d->offset = job->total;
          release_handle (job);
          finish_download (job);
        }
      return;
    }

  /* Work stealing, so one slow connection does not hold up the end: any
   * range of at least 2 × STEAL_MIN is worth another connection (the
   * minimum segment size only governs the first split). Cutting a running
   * request throws away what the connection already had in flight (on
   * loopback, several MiB of socket buffers), hence not smaller. */
  if (MAX (biggest_left, main_left) >= 2 * MIN ((gint64) min, STEAL_MIN))
    {
      gint64 split;
      gint64 old_end;

      if (main_left > biggest_left && d->easy != NULL)
        {
          split = d->offset + main_left / 2;
          old_end = d->main_end;
          d->main_end = split;
        }
      else if (biggest != NULL && biggest->easy != NULL)
        {
          split = biggest->pos + biggest_left / 2;
          old_end = biggest->end;
          biggest->end = split;
        }
      else
        return;
      segment_start (job, segment_new (job, split, split, old_end));
      checkpoint (job);
    }
}

/* A split restored from the control file: start what is left. */
static void
segments_resume (MeowJob *job)
{
  Download *d = dl (job);

  _meow_engine_report_progress (job);
  d->next_checkpoint = g_get_monotonic_time () + CHECKPOINT_INTERVAL;
  for (guint i = 0; i < d->segments->len; i++)
    {
      Segment *seg = g_ptr_array_index (d->segments, i);
      if (!seg->done)
        segment_start (job, seg);
    }
  if (d->main_done)
    {
      d->phase = PHASE_GET;
      d->action = ACTION_WRITE;
      check_all_done (job);
    }
  else
    send_get (job);
}

static void
segment_retry (MeowJob *job, Segment *seg, GError *error)
{
  gboolean progress = seg->pos > seg->high_water;
  gint64   delay;

  segment_release (job, seg);
  seg->high_water = MAX (seg->high_water, seg->pos);
  if (progress)
    seg->failures = 0;
  seg->failures++;
  if (seg->failures > max_retries (job))
    {
      if (error->domain == MEOW_ERROR && error->code == MEOW_ERROR_HTTP_TRANSPORT)
        g_prefix_error (&error, "Gave up after %u attempts: ", seg->failures);
      fail (job, error);
      return;
    }
  delay = _meow_engine_backoff_us (job->engine, seg->failures);
  if (field (&seg->head, "retry-after"))
    {
      gint64 ra = _meow_parse_retry_after (field (&seg->head, "retry-after"),
                                           g_get_real_time () / G_USEC_PER_SEC);
      if (ra >= 0)
        delay = MAX (delay, ra * 1000);
    }
  g_debug ("Retrying segment %" G_GINT64_FORMAT "-%" G_GINT64_FORMAT " of %s in %" G_GINT64_FORMAT
           " ms: %s",
           seg->pos, seg->end - 1, url_of (job), delay / 1000, error->message);
  g_error_free (error);
  seg->retry_at = g_get_monotonic_time () + delay;
  _meow_engine_wakeup (job->engine);
}

static void
segment_done (MeowJob *job, Segment *seg, CURLcode result)
{
  if (seg->abort_error)
    {
      GError *error = g_steal_pointer (&seg->abort_error);

      if (seg->abort_retryable)
        segment_retry (job, seg, error);
      else
        fail (job, error);
      return;
    }
  if (seg->other_version)
    {
      restart_from_zero (job, seg->restart_reason);
      return;
    }
  if (seg->range_ignored)
    {
      segments_abandon (job);
      return;
    }

  if (seg->cut || seg->pos >= seg->end)
    {
      segment_release (job, seg);
      seg->done = TRUE;
      check_all_done (job);
      return;
    }

  if (result != CURLE_OK)
    {
      GError *error = _meow_engine_transport_error (job->engine, "download", url_of (job), result,
                                                    seg->curl_error);

      if (_meow_engine_error_retryable (error))
        segment_retry (job, seg, error);
      else
        fail (job, error);
      return;
    }

  if (!seg->writing)
    {
      GError *error = g_error_new (MEOW_ERROR, MEOW_ERROR_RESPONSE_STATUS,
                                   "The server answered %ld for bytes %" G_GINT64_FORMAT
                                   "-%" G_GINT64_FORMAT " of %s.",
                                   seg->head.status, seg->pos, seg->end - 1, url_of (job));

      if (_meow_engine_status_retryable (seg->head.status))
        segment_retry (job, seg, error);
      else
        fail (job, error);
      return;
    }

  /* Ended cleanly but short of the end: ask for the rest. */
  if (seg->pos > seg->high_water)
    {
      seg->high_water = seg->pos;
      segment_start (job, seg);
    }
  else
    segment_retry (job, seg,
                   g_error_new (MEOW_ERROR, MEOW_ERROR_HTTP_TRANSPORT,
                                "The server ended a range of %s early.", url_of (job)));
}

static Segment *
segment_for_easy (Download *d, CURL *easy)
{
  for (guint i = 0; d->segments && i < d->segments->len; i++)
    {
      Segment *seg = g_ptr_array_index (d->segments, i);
      if (seg->easy == easy)
        return seg;
    }
  return NULL;
}

/* Timers of the segments: pacing pauses, retries, checkpoints. Returns
 * when the next one is due. */
static gint64
segments_tick (MeowJob *job, gint64 now)
{
  Download *d = dl (job);
  gint64    next = G_MAXINT64;

  if (d->split_check_at > 0 && d->segments == NULL)
    {
      if (d->phase != PHASE_GET || d->action != ACTION_WRITE || d->easy == NULL)
        d->split_check_at = 0;
      else if (now >= d->split_check_at)
        {
          double seconds = (now - d->split_base_time) / (double) G_USEC_PER_SEC;
          double speed = (d->offset - d->split_base_offset) / MAX (seconds, 0.001);
          double left = speed > 0 ? (job->total - d->offset) / speed : G_MAXDOUBLE;

          if (speed < SPLIT_MAX_SPEED && left >= SPLIT_MIN_SECONDS)
            {
              d->split_check_at = 0;
              d->want_segments = TRUE;
            }
          else
            {
              d->split_base_time = now;
              d->split_base_offset = d->offset;
              d->split_check_at = now + SPLIT_RECHECK;
            }
        }
      if (d->split_check_at > 0)
        next = MIN (next, d->split_check_at);
    }
  if (d->want_segments && d->phase == PHASE_GET && d->action == ACTION_WRITE)
    segments_begin (job);
  if (d->segments == NULL)
    return next;

  for (guint i = 0; d->segments && i < d->segments->len; i++)
    {
      Segment *seg = g_ptr_array_index (d->segments, i);

      if (seg->retry_at > 0)
        {
          if (now < seg->retry_at)
            next = MIN (next, seg->retry_at);
          else
            segment_start (job, seg);
        }
      else if (seg->paused_until > 0 && seg->easy != NULL)
        {
          if (now < seg->paused_until)
            next = MIN (next, seg->paused_until);
          else
            {
              seg->paused_until = 0;
              curl_easy_pause (seg->easy, CURLPAUSE_CONT);
            }
        }
    }
  if (d->segments)
    {
      if (now >= d->next_checkpoint)
        checkpoint (job);
      next = MIN (next, d->next_checkpoint);
    }
  return next;
}

/* ------------------------------------------------------------------ */
/* Driver entry points                                                 */

static void
download_start (MeowJob *job)
{
  Download *d = dl (job);

  if (d == NULL)
    {
      d = g_new0 (Download, 1);
      d->fd = -1;
      d->verify_fd = -1;
      _meow_http_head_init (&d->head);
      d->main_end = -1;
      job->driver_data = d;
    }

  d->failures = 0;
  d->restarts = 0;
  d->high_water = 0;
  d->probed = FALSE;
  d->have_probe = FALSE;
  d->plain_get = FALSE;
  /* A caller's size hint is for the records until the server says. */
  if (!d->trusted_total)
    job->total = -1;
  job->restart_reason = MEOW_RESTART_NONE;
  start_get (job);
}

static void
download_done (MeowJob *job, CURL *easy, CURLcode result)
{
  Download *d = dl (job);
  char     *effective = NULL;

  if (easy != d->easy)
    {
      Segment *seg = segment_for_easy (d, easy);

      if (seg != NULL)
        segment_done (job, seg, result);
      else
        g_warn_if_reached ();
      return;
    }

  curl_multi_remove_handle (_meow_engine_get_multi (job->engine), d->easy);
  if (curl_easy_getinfo (d->easy, CURLINFO_EFFECTIVE_URL, &effective) == CURLE_OK && effective)
    {
      g_free (d->effective_url);
      d->effective_url = g_strdup (effective);
    }

  if (d->phase == PHASE_PROBE)
    probe_done (job, result);
  else if (d->phase == PHASE_GET)
    get_done (job, result);
  else
    g_warn_if_reached ();
}

static gint64
download_tick (MeowJob *job, gint64 now)
{
  Download *d = dl (job);
  gint64    seg_next;
  gint64    spill_next;
  gint64    next;

  if (d == NULL)
    return G_MAXINT64;

  if (d->commit != NULL)
    {
      /* Woken by the commit thread when it is done. */
      if (commit_is_done (d->commit, FALSE))
        commit_done (job);
      return G_MAXINT64;
    }

  /* A small file still in memory after MEMORY_SPILL_AFTER goes to disk. */
  if (d->mem != NULL && now >= d->spill_at)
    {
      g_autoptr (GError) error = NULL;

      if (!spill (job, &error))
        {
          fail (job, g_steal_pointer (&error));
          return G_MAXINT64;
        }
      _meow_engine_report_progress (job);
    }
  spill_next = d->mem != NULL ? d->spill_at : G_MAXINT64;

  /* Never finishes the job, so d stays valid. */
  seg_next = segments_tick (job, now);
  next = main_tick (job, now);
  return MIN (MIN (seg_next, next), spill_next);
}

/* The first stream's timers. May finish the job. */
static gint64
main_tick (MeowJob *job, gint64 now)
{
  Download *d = dl (job);

  if (d->phase == PHASE_WAIT_RETRY)
    {
      if (now < d->retry_at)
        return d->retry_at;
      start_get (job);
      return G_MAXINT64;
    }

  if (d->paused_until > 0 && d->easy != NULL)
    {
      if (now < d->paused_until)
        return d->paused_until;
      d->paused_until = 0;
      /* May call write_cb at once, which may pause again, fail, or cut the
       * first stream at the segments (then done() follows, as for any
       * cut). */
      if ((curl_easy_pause (d->easy, CURLPAUSE_CONT) != CURLE_OK && !d->main_cut) || d->abort_error)
        {
          GError *error = g_steal_pointer (&d->abort_error);

          if (error == NULL)
            error =
                g_error_new (MEOW_ERROR, MEOW_ERROR_HTTP_TRANSPORT,
                             "The transfer of %s could not be resumed after pacing.", url_of (job));
          fail (job, error);
          return G_MAXINT64;
        }
      return d->paused_until > 0 ? d->paused_until : G_MAXINT64;
    }

  if (d->phase == PHASE_VERIFY)
    {
      verify_step (job);
      return now; /* more to hash: come back at once */
    }

  return G_MAXINT64;
}

static void
download_stop (MeowJob *job, MeowStopReason reason)
{
  Download *d = dl (job);

  if (d != NULL)
    {
      g_autoptr (GError) error = NULL;

      segments_stop (job, reason != MEOW_STOP_CANCEL);
      /* A file being committed is not linked: its bytes are still here. */
      commit_abandon (d);
      /* Paused or closed: what arrived is kept, as for any download. */
      if (reason == MEOW_STOP_CANCEL)
        g_clear_pointer (&d->mem, g_byte_array_unref);
      else if (!spill (job, &error))
        g_debug ("Could not keep the bytes of %s: %s", url_of (job), error->message);
    }

  if (d == NULL || d->part_path == NULL)
    {
      /* Never started in this session: a partial file left by an earlier
       * one for this exact target is still this task's to remove. */
      const char *file = job->task->output_file;

      if (reason == MEOW_STOP_CANCEL && !job->task->keep_partial && file != NULL &&
          !path_taken (file))
        {
          g_autofree char *part = g_strconcat (file, MEOW_PART_SUFFIX, NULL);
          g_autofree char *ctl = g_strconcat (file, MEOW_CONTROL_SUFFIX, NULL);

          g_unlink (part);
          g_unlink (ctl);
        }
      if (d == NULL)
        return;
    }

  release_handle (job);
  close_part (d);
  if (d->verify_fd >= 0)
    {
      close (d->verify_fd);
      d->verify_fd = -1;
    }
  d->phase = PHASE_IDLE;

  if (reason == MEOW_STOP_CANCEL && !job->task->keep_partial && d->part_path)
    {
      g_unlink (d->part_path);
      g_unlink (d->ctl_path);
    }
}

static void
download_free (MeowJob *job)
{
  Download *d = dl (job);

  if (d == NULL)
    return;

  segments_drop (job);
  release_handle (job);
  close_part (d);
  commit_abandon (d);
  g_clear_pointer (&d->mem, g_byte_array_unref);
  if (d->verify_fd >= 0)
    close (d->verify_fd);
  _meow_http_head_clear (&d->head);
  if (d->error_body)
    g_string_free (d->error_body, TRUE);
  g_clear_error (&d->abort_error);
  g_clear_pointer (&d->checksum, g_checksum_free);
  g_free (d->name);
  g_free (d->target);
  g_free (d->part_path);
  g_free (d->ctl_path);
  g_free (d->etag);
  g_free (d->last_modified);
  g_free (d->effective_url);
  g_free (d->bad_checksum);
  g_free (d);
  job->driver_data = NULL;
}

static void
download_limit (MeowJob *job, guint64 bytes_per_second)
{
  Download *d = dl (job);

  if (d == NULL)
    return;
  if (d->limit != bytes_per_second)
    {
      d->limit = bytes_per_second;
      _meow_pace_reset (&d->pace);
      /* A paused handle is woken by the next tick. */
      if (d->paused_until > 0)
        d->paused_until = g_get_monotonic_time ();
      for (guint i = 0; d->segments && i < d->segments->len; i++)
        {
          Segment *seg = g_ptr_array_index (d->segments, i);
          if (seg->paused_until > 0)
            seg->paused_until = g_get_monotonic_time ();
        }
    }
}

const MeowDriver _meow_download_driver = {
  .start = download_start,
  .done = download_done,
  .tick = download_tick,
  .stop = download_stop,
  .free = download_free,
  .limit = download_limit,
};
