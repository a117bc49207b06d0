/* meow-download-stream.c: one connection of a download (MeowStream)
 *
 * The first GET (or a HEAD before it) and every segment of a split
 * download are the same MeowStream, with one request builder (Range and
 * If-Range), one header callback (the answer's lines collected into a
 * MeowHttpHead; at their end the verdict is asked, and done, before the
 * first body byte), one body callback (paced, cut at the stream's end,
 * written at its position) and one place that turns the end of a
 * transfer into what comes next: done, ask for the rest, retry with
 * backoff, start over, fail. Worker thread (the callbacks run inside
 * curl_multi_perform).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "meow-download-private.h"
#include "meow-error.h"
#include "meow-i18n-private.h"
#include "meow-log-private.h"
#include "meow-upload-protocol-private.h"

/* ------------------------------------------------------------------ */
/* Writeback                                                           */

/* One range of a .part to start writing back: its own dup of the fd, so
 * that the download may close its own at any time. */
typedef struct
{
  int    fd;
  gint64 offset;
  gint64 length;
} Writeback;

static void
writeback_run (gpointer data, gpointer unused)
{
  Writeback *w = data;

  /* SYNC_FILE_RANGE_WRITE does not wait for the data to reach the disk,
   * but it does wait for room in the device's queue: with a fast network
   * and a slower disk that is most of its time, so it runs here rather
   * than in the worker's body callback. A failure costs nothing: the
   * fdatasync() before the rename writes what is left. */
  sync_file_range (w->fd, w->offset, w->length, SYNC_FILE_RANGE_WRITE);
  close (w->fd);
  g_free (w);
}

static gpointer
writeback_pool_new (gpointer data)
{
  /* One thread: the ranges of one disk, in the order they were written. */
  return g_thread_pool_new (writeback_run, NULL, 1, FALSE, NULL);
}

/* Starts writeback of [@offset, @offset + @length) of @fd without waiting
 * for it (worker thread). */
static void
writeback_start (int fd, gint64 offset, gint64 length)
{
  static GOnce pool_once = G_ONCE_INIT;
  Writeback   *w;
  int          copy = fcntl (fd, F_DUPFD_CLOEXEC, 0);

  if (copy < 0)
    return; /* out of descriptors: the final fdatasync() does it all */
  w = g_new (Writeback, 1);
  w->fd = copy;
  w->offset = offset;
  w->length = length;
  g_thread_pool_push (g_once (&pool_once, writeback_pool_new, NULL), w, NULL);
}

/* The fields of an answer a download reads: the verdict's
 * (_meow_download_answer_from_head()), the validators, the name, the
 * retry and sign-in, and the request history (_meow_engine_note_answer()).
 * The others are skipped without a copy. */
static const char *const head_fields[] = {
  "accept-ranges", "content-disposition", "content-length",
  "content-range", "content-type",        "date",
  "etag",          "last-modified",       "location",
  "retry-after",   "www-authenticate",    NULL,
};

void
_meow_stream_init (MeowStream *s, MeowJob *job, gint64 start, gint64 pos, gint64 end)
{
  memset (s, 0, sizeof *s);
  s->job = job;
  s->start = start;
  s->pos = pos;
  s->end = end;
  s->writeback_from = pos;
  s->high_water = pos;
  s->done = end >= 0 && pos >= end;
  _meow_http_head_init_only (&s->head, head_fields);
}

/* Stops the stream's transfer and frees what it holds. */
void
_meow_stream_clear (MeowStream *s)
{
  _meow_stream_release (s);
  _meow_http_head_clear (&s->head);
  if (s->error_body)
    g_string_free (g_steal_pointer (&s->error_body), TRUE);
  g_clear_error (&s->abort_error);
}

/* Returns: (transfer full): a segment's stream [start, end) at @pos. */
MeowStream *
_meow_stream_new (MeowJob *job, gint64 start, gint64 pos, gint64 end)
{
  MeowStream *s = g_new (MeowStream, 1);

  _meow_stream_init (s, job, start, pos, end);
  return s;
}

void
_meow_stream_free (MeowStream *s)
{
  _meow_stream_clear (s);
  g_free (s);
}

/* TRUE for the first stream (the one a HEAD goes out on). */
gboolean
_meow_stream_is_main (MeowStream *s)
{
  return s == &_meow_download_get (s->job)->main;
}

/* Takes the stream's handle out of the multi and frees it. */
void
_meow_stream_release (MeowStream *s)
{
  if (s->easy)
    {
      _meow_engine_remove_handle (s->job->engine, s->easy);
      _meow_engine_free_easy (s->job->engine, g_steal_pointer (&s->easy));
    }
  s->paused_until = 0;
  g_clear_pointer (&s->req_headers, curl_slist_free_all);
}

static void
set_abort_error (MeowStream *s, GError *error)
{
  if (s->abort_error == NULL)
    s->abort_error = error;
  else
    g_error_free (error);
}

/* A new answer begins (a status line): forget the last one's verdict. */
static void
reset_answer (MeowStream *s)
{
  memset (&s->verdict, 0, sizeof s->verdict); /* MEOW_VERDICT_NEXT */
  if (s->error_body)
    g_string_truncate (s->error_body, 0);
}

/* The held bytes' validators become the answer's (a strong ETag only;
 * the Last-Modified with whether its Date makes it strong). */
void
_meow_download_take_validators (MeowDownload *d, const MeowHttpHead *head)
{
  const char *etag = _meow_http_head_get (head, "etag");

  g_clear_pointer (&d->etag, g_free);
  g_clear_pointer (&d->last_modified, g_free);
  if (etag && _meow_etag_is_strong (etag))
    d->etag = g_strdup (etag);
  d->last_modified = g_strdup (_meow_http_head_get (head, "last-modified"));
  d->last_modified_strong =
      _meow_last_modified_is_strong (d->last_modified, _meow_http_head_get (head, "date"));
}

/* ------------------------------------------------------------------ */
/* The answer's headers                                                */

/* The request in flight, as the verdict reads it. */
static void
stream_ask (MeowStream *s, MeowDownloadAsk *ask)
{
  MeowJob      *job = s->job;
  MeowDownload *d = _meow_download_get (job);

  ask->kind = s->probe                   ? MEOW_ASK_PROBE
              : _meow_stream_is_main (s) ? MEOW_ASK_FIRST
                                         : MEOW_ASK_SEGMENT;
  ask->url = _meow_download_url (job);
  ask->offset = s->req_offset;
  ask->end = s->req_end > 0 ? s->req_end : -1;
  ask->ranged = s->ranged;
  ask->conditional = s->conditional;
  ask->fresh = s->fresh;
  ask->split = d->segments != NULL;
  ask->total = d->trusted_total ? job->total : -1;
  ask->etag = d->etag;
  ask->last_modified = d->last_modified;
  ask->overlap = s->req_overlap;
}

/* The first stream's answer is the file (or its rest): make sure its body
 * has somewhere to go before its first byte. Names the file when the
 * answer decides it; a new small file goes to memory, anything else to
 * the .part with its control file written first. FALSE: the transfer
 * stops (an abort error, or REISSUE: the target's .part turned up). */
static gboolean
accept_body (MeowStream *s)
{
  MeowJob      *job = s->job;
  MeowDownload *d = _meow_download_get (job);
  g_autoptr (GError) error = NULL;

  if (d->target == NULL)
    {
      char *effective = NULL;

      curl_easy_getinfo (s->easy, CURLINFO_EFFECTIVE_URL, &effective);
      if (!_meow_download_decide_target (job, _meow_http_head_get (&s->head, "content-disposition"),
                                         effective, &error))
        {
          set_abort_error (s, g_steal_pointer (&error));
          return FALSE;
        }
      /* A TARGET.part without TARGET is ours to resume (an earlier run of
       * this download named the same file): ask again from its end. */
      if (_meow_download_path_taken (d->part_path))
        {
          s->verdict.kind = MEOW_VERDICT_REISSUE;
          return FALSE;
        }
    }

  if (d->fd < 0)
    {
      if (_meow_download_hold_in_memory (job))
        return TRUE;
      if (!_meow_download_open_part (job, TRUE, &error))
        {
          set_abort_error (s, g_steal_pointer (&error));
          return FALSE;
        }
    }
  _meow_download_write_control (job);
  return TRUE;
}

/* ACCEPT: the body is the file's bytes from verdict.offset. A segment
 * just writes them; the first stream's answer may also drop the held
 * bytes, give the total, the validators and the file's name. */
static gboolean
accept_answer (MeowStream *s)
{
  MeowJob           *job = s->job;
  MeowDownload      *d = _meow_download_get (job);
  const MeowVerdict *v = &s->verdict;
  char              *effective = NULL;

  /* The overlap is compared first (body_cb); the validators of a first
   * stream's answer vouch for the held bytes only once it matched. */
  s->compare_at = v->offset;
  s->compare_left = v->compare;
  s->take_after_compare = v->compare > 0 && v->take_validators;

  if (d->relink_pending && v->offset + v->compare < s->pos)
    {
      /* A new link whose answer would drop the held bytes: not unasked. */
      set_abort_error (s, _meow_download_link_differs (job, v->reason));
      return FALSE;
    }
  /* A range of the held version (If-Range held, the total agreed): the new
   * link gives the same file. With an overlap, its bytes decide first. */
  if (d->relink_pending && v->compare == 0)
    _meow_download_relink_confirmed (job);

  if (!_meow_stream_is_main (s))
    return TRUE;

  /* For the file's origin attribute (meow-download-finish.c). */
  curl_easy_getinfo (s->easy, CURLINFO_EFFECTIVE_URL, &effective);
  g_free (d->effective_url);
  d->effective_url = g_strdup (effective);

  if (v->offset + v->compare < s->pos)
    {
      /* The whole file instead of the range: the held bytes go. */
      job->restart_reason = v->reason;
      if (ftruncate (d->fd, 0) != 0)
        {
          set_abort_error (s, _meow_download_io_error (errno, MEOW_FILE_OP_TRUNCATE, d->part_path));
          return FALSE;
        }
      s->pos = 0;
      s->writeback_from = 0;
      s->req_offset = 0;
      job->transferred = 0;
    }
  if (v->take_validators && !s->take_after_compare)
    _meow_download_take_validators (d, &s->head);
  job->total = v->total;
  d->trusted_total = job->total >= 0;
  d->ranges_ok = d->ranges_ok || v->ranges;
  if (!accept_body (s))
    return FALSE;
  _meow_download_maybe_split (job);
  _meow_download_update_transferred (job);
  _meow_engine_report_progress (job);
  return TRUE;
}

/* The headers of an answer are in: ask the verdict (meow-download-
 * verdict.c) and do what it says before any of the body is kept. FALSE:
 * the transfer stops here; what comes next is decided when it is done. */
static gboolean
end_of_headers (MeowStream *s)
{
  MeowDownloadAsk    ask;
  MeowDownloadAnswer answer;
  MeowDownload      *d = _meow_download_get (s->job);

  stream_ask (s, &ask);
  _meow_download_answer_from_head (&answer, &s->head);
  _meow_download_verdict (&ask, &answer, &s->verdict);
  if (s->verdict.error != NULL)
    {
      set_abort_error (s, g_steal_pointer (&s->verdict.error));
      s->abort_retryable = s->verdict.kind == MEOW_VERDICT_RETRY;
      return FALSE;
    }

  switch (s->verdict.kind)
    {
    case MEOW_VERDICT_ACCEPT:
      return accept_answer (s);
    case MEOW_VERDICT_COMPLETE:
      s->job->total = s->verdict.total;
      d->trusted_total = TRUE;
      /* "bytes=0-" of an empty file: it still needs a name and a file. */
      return !(s->req_offset == 0 && d->fd < 0) || accept_body (s);
    case MEOW_VERDICT_REISSUE:
      d->plain_get = TRUE;
      return FALSE;
    case MEOW_VERDICT_RESTART:
      /* A 416's body is short: read it and keep the connection. Nothing
       * of a 200's or a 206's is needed. */
      return answer.status == 416;
    case MEOW_VERDICT_DROP_SEGMENTS:
      return FALSE;
    case MEOW_VERDICT_STATUS:
      if (s->error_body == NULL)
        s->error_body = g_string_new (NULL);
      return TRUE;
    case MEOW_VERDICT_NEXT:
    case MEOW_VERDICT_PROBED: /* a HEAD is judged when it is done */
    case MEOW_VERDICT_UNPROBED:
    case MEOW_VERDICT_RETRY:
    case MEOW_VERDICT_FAIL:
      break;
    }
  return TRUE;
}

static size_t
header_cb (char *buffer, size_t size, size_t nitems, void *userdata)
{
  MeowStream *s = userdata;
  gsize       len = size * nitems;

  switch (_meow_http_head_feed (&s->head, buffer, len))
    {
    case MEOW_HTTP_LINE_STATUS:
      reset_answer (s);
      return len;
    case MEOW_HTTP_LINE_END:
      _meow_engine_note_answer (s->job->engine, s->easy, &s->head);
      _meow_engine_learn_login (s->job, s->easy, (long) s->head.status);
      return end_of_headers (s) ? len : 0;
    case MEOW_HTTP_LINE_FIELD:
    case MEOW_HTTP_LINE_OTHER:
      break;
    }
  return len;
}

/* ------------------------------------------------------------------ */
/* The body                                                            */

/* The speed limit (meow-pace-private.h): a job's connections share its
 * limit evenly, each with a window of its own. TRUE: take @len bytes now
 * (they are counted); FALSE: paused until s->paused_until. */
static gboolean
pace (MeowStream *s, gsize len)
{
  MeowDownload *d = _meow_download_get (s->job);
  guint64       limit;

  if (d->limit == 0)
    return TRUE;
  limit = MAX (1, d->limit / MAX (1, _meow_download_active_streams (d)));
  if (_meow_pace_allow (&s->pace, limit, len, TRUE, g_get_monotonic_time (), &s->paused_until) == 0)
    {
      _meow_engine_wakeup (s->job->engine);
      return FALSE;
    }
  _meow_pace_count (&s->pace, len);
  return TRUE;
}

/* The overlap: the first body bytes are held ones, asked for again
 * because no strong validator vouches for the held bytes. Compares up to
 * @len of them with the .part (a bounded buffer at a time, nothing kept)
 * and says how many it used in *@used. FALSE: they differ — the file
 * changed, the transfer stops and the download restarts from zero
 * (_meow_stream_done) — or the .part could not be read (abort_error). */
static gboolean
compare_overlap (MeowStream *s, const char *ptr, gsize len, gsize *used)
{
  MeowJob      *job = s->job;
  MeowDownload *d = _meow_download_get (job);
  guint8        disk[16 * 1024];
  gsize         n = (gsize) MIN ((gint64) len, s->compare_left);
  gsize         done = 0;

  while (done < n)
    {
      gsize   want = MIN (n - done, sizeof disk);
      ssize_t got = pread (d->fd, disk, want, s->compare_at);

      if (got < 0 && errno == EINTR)
        continue;
      if (got < 0)
        {
          set_abort_error (s, _meow_download_io_error (errno, MEOW_FILE_OP_READ, d->part_path));
          return FALSE;
        }
      if (got == 0 || memcmp (disk, ptr + done, (gsize) got) != 0)
        {
          _meow_job_debug (job,
                           "%s differs from the server's bytes near %" G_GINT64_FORMAT
                           ": the file changed; starting over",
                           d->part_path, s->compare_at);
          s->verdict.kind = MEOW_VERDICT_RESTART;
          s->verdict.reason = MEOW_RESTART_CONTENT_CHANGED;
          return FALSE;
        }
      done += (gsize) got;
      s->compare_at += got;
      s->compare_left -= got;
    }
  *used = n;

  if (s->compare_left == 0 && d->relink_pending)
    {
      /* The new link's bytes at the end of the .part are the held ones. */
      if (s->take_after_compare)
        _meow_download_take_validators (d, &s->head);
      s->take_after_compare = FALSE;
      d->unverified = FALSE;
      _meow_download_relink_confirmed (job);
    }
  if (s->compare_left == 0 && (s->take_after_compare || d->unverified))
    {
      /* The held bytes are the server's: from now on the answer's
       * validators (if any) vouch for them. Recorded as any positions are,
       * after a flush of the bytes. */
      if (s->take_after_compare)
        _meow_download_take_validators (d, &s->head);
      s->take_after_compare = FALSE;
      d->unverified = FALSE;
      if (d->segments != NULL)
        _meow_download_checkpoint (job);
      else
        _meow_download_write_control (job);
    }
  return TRUE;
}

static size_t
body_cb (char *ptr, size_t size, size_t nmemb, void *userdata)
{
  MeowStream   *s = userdata;
  MeowJob      *job = s->job;
  MeowDownload *d = _meow_download_get (job);
  gsize         len = size * nmemb;
  gsize         want;
  gsize         written = 0;
  gsize         compared = 0;
  g_autoptr (GError) error = NULL;

  if (s->abort_error)
    return 0;

  if (s->verdict.kind != MEOW_VERDICT_ACCEPT)
    {
      /* An error status's body is for its message; a redirect's, a 1xx's,
       * a 416's is nobody's. */
      if (s->verdict.kind == MEOW_VERDICT_STATUS && s->error_body->len < MEOW_HTTP_ERROR_BODY_MAX)
        g_string_append_len (s->error_body, ptr,
                             MIN (len, MEOW_HTTP_ERROR_BODY_MAX - s->error_body->len));
      return len;
    }

  if (!pace (s, len))
    return CURL_WRITEFUNC_PAUSE;

  if (s->compare_left > 0)
    {
      if (!compare_overlap (s, ptr, len, &compared))
        return 0;
      ptr += compared;
      len -= compared;
      if (len == 0)
        return compared;
    }
  want = len;

  /* A split stream stops where the next range begins (its end may have
   * moved down: its tail went to a new segment). */
  if (s->end >= 0 && s->pos + (gint64) len > s->end)
    {
      s->cut = TRUE;
      _meow_engine_note_cut (job->engine, s->easy);
      want = (gsize) MAX (0, s->end - s->pos);
    }
  if (job->total >= 0 && s->pos + (gint64) want > job->total)
    {
      set_abort_error (s, g_error_new (MEOW_ERROR, MEOW_ERROR_INVALID_RANGE,
                                       _ ("The server sent more than the %lld bytes of %s."),
                                       (long long) job->total, _meow_download_url (job)));
      return 0;
    }

  if (d->mem)
    {
      /* A small new file: kept until it is complete (the commit) or goes
       * to a .part (spill). Progress shows it once it is on disk. */
      g_byte_array_append (d->mem, (const guint8 *) ptr, (guint) len);
      s->pos += len;
      return compared + len;
    }

  if (!_meow_download_write_part (d, ptr, want, s->pos, &written, &error))
    {
      /* What was written is on disk and counted. */
      s->pos += written;
      _meow_download_update_transferred (job);
      set_abort_error (s, g_steal_pointer (&error));
      return 0;
    }
  s->pos += written;
  _meow_download_update_transferred (job);

  /* Start writing back what has piled up, without waiting for it: the
   * fdatasync() before the rename then finds little left to do, instead of
   * the whole file (crash safety stays; the wait moves off the end). */
  if (s->pos - s->writeback_from >= MEOW_DOWNLOAD_WRITEBACK_STEP)
    {
      writeback_start (d->fd, s->writeback_from, s->pos - s->writeback_from);
      s->writeback_from = s->pos;
    }

  /* Fewer bytes than offered (a cut) make libcurl end the transfer. */
  return compared + (s->cut ? want : len);
}

/* ------------------------------------------------------------------ */
/* The request and its outcome                                         */

/* Sends the stream's request: a HEAD (@probe, the first stream only), or
 * a GET of [pos, end) — "Range: bytes=POS-" or "bytes=POS-LAST", with
 * If-Range when bytes are held and have a strong validator, else starting
 * up to MEOW_DOWNLOAD_OVERLAP_WINDOW below pos (the overlap, compared
 * before anything is written: _meow_download_plan()). A new file's first
 * GET asks for "bytes=0-" (unless a restart asks for the whole file
 * plainly): a server that takes ranges then states the total in
 * Content-Range, checked against Content-Length. */
void
_meow_stream_send (MeowStream *s, gboolean probe)
{
  MeowJob         *job = s->job;
  MeowDownload    *d = _meow_download_get (job);
  gboolean         main = _meow_stream_is_main (s);
  MeowDownloadPlan plan = { 0 };
  g_autoptr (MeowUploadRequest) request = NULL;
  g_autofree char *range = NULL;

  _meow_stream_release (s);
  _meow_http_head_reset (&s->head);
  reset_answer (s);
  g_clear_error (&s->abort_error);
  s->abort_retryable = FALSE;
  s->cut = FALSE;
  s->retry_at = 0;
  _meow_pace_reset (&s->pace);

  s->probe = probe;
  if (probe)
    {
      s->req_offset = 0;
      s->req_end = -1;
      s->req_overlap = 0;
      s->fresh = s->ranged = s->conditional = FALSE;
    }
  else
    {
      /* What to ask for is the plan's (meow-download-verdict.c): the Range,
       * the If-Range, and the overlap when nothing vouches for the bytes. */
      MeowDownloadHeld held = {
        .kind = main ? MEOW_ASK_FIRST : MEOW_ASK_SEGMENT,
        .start = s->start,
        .pos = s->pos,
        .end = s->end,
        .plain = d->plain_get,
        .etag = d->etag,
        .last_modified = d->last_modified,
        .last_modified_strong = d->last_modified_strong,
        .unverified = d->unverified,
      };

      _meow_download_plan (&held, &plan);
      s->req_offset = plan.offset;
      s->req_end = plan.end;
      s->req_overlap = plan.overlap;
      s->fresh = plan.fresh;
      s->ranged = plan.ranged;
      s->conditional = plan.if_range != NULL;
    }
  s->compare_left = 0;
  s->take_after_compare = FALSE;
  s->writeback_from = s->pos;
  if (main)
    d->phase = probe ? MEOW_DOWNLOAD_PROBE : MEOW_DOWNLOAD_GET;

  s->easy = _meow_engine_new_easy (job->engine, job->task->url, s->curl_error);
  _meow_engine_set_login (s->easy, job);
  if (!main)
    {
      /* A segment exists to get a connection of its own (servers limit
       * each connection's speed): not a stream multiplexed on the first
       * one's HTTP/2 connection. */
      curl_easy_setopt (s->easy, CURLOPT_HTTP_VERSION, (long) CURL_HTTP_VERSION_1_1);
      curl_easy_setopt (s->easy, CURLOPT_PIPEWAIT, 0L);
    }
  curl_easy_setopt (s->easy, CURLOPT_PRIVATE, job);
  curl_easy_setopt (s->easy, CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt (s->easy, CURLOPT_BUFFERSIZE, (long) MEOW_DOWNLOAD_RECV_BUFFER);
  curl_easy_setopt (s->easy, CURLOPT_HEADERFUNCTION, header_cb);
  curl_easy_setopt (s->easy, CURLOPT_HEADERDATA, s);
  curl_easy_setopt (s->easy, CURLOPT_WRITEFUNCTION, body_cb);
  curl_easy_setopt (s->easy, CURLOPT_WRITEDATA, s);
  if (probe)
    curl_easy_setopt (s->easy, CURLOPT_NOBODY, 1L);

  request = _meow_upload_request_new (probe ? "HEAD" : "GET", job->task->url);
  for (guint i = 0; job->task->headers != NULL && job->task->headers[i] != NULL; i++)
    _meow_request_add_line (request, job->task->headers[i]);
  if (s->ranged)
    {
      range = s->req_end > 0 ? g_strdup_printf ("bytes=%" G_GINT64_FORMAT "-%" G_GINT64_FORMAT,
                                                s->req_offset, s->req_end - 1)
                             : g_strdup_printf ("bytes=%" G_GINT64_FORMAT "-", s->req_offset);

      _meow_upload_request_add_header (request, "Range", range);
      if (plan.if_range != NULL)
        _meow_upload_request_add_header (request, "If-Range", plan.if_range);
    }
  /* The task's hook signs or adds headers (meow_task_builder_set_request_hook()). */
  _meow_task_run_request_hook (job->task, request);
  g_ptr_array_add (request->headers, NULL);
  s->req_headers = _meow_engine_add_task_headers (s->easy, s->req_headers, job->task->url,
                                                  (const char *const *) request->headers->pdata);
  curl_easy_setopt (s->easy, CURLOPT_HTTPHEADER, s->req_headers);
  _meow_engine_add_ranged_handle (job->engine, s->easy, job->task->url, range);
}

/* A retryable failure of the stream (@kind: TRANSPORT or SERVER, @result
 * libcurl's or CURLE_OK for an answer): wait
 * and ask again, or give up with @error (transfer full). @detail (transfer
 * full, nullable): its short text for the waiting record. @progress: the
 * attempt got further into its range than any before it, so it does not
 * count against the retries (a flaky network must not fail a long
 * download). May finish the job. */
void
_meow_stream_retry_or_fail (MeowStream     *s,
                            GError         *error,
                            MeowFailureKind kind,
                            CURLcode        result,
                            char           *detail,
                            gboolean        progress)
{
  MeowJob         *job = s->job;
  MeowDownload    *d = _meow_download_get (job);
  gint64           delay;
  MeowWaitReason   reason = MEOW_WAIT_NONE;
  g_autofree char *detail_owned = detail;
  g_autoptr (GError) spill_error = NULL;

  _meow_stream_release (s);
  /* The retry goes on from the disk. */
  if (_meow_stream_is_main (s) && !_meow_download_spill (job, &spill_error))
    {
      g_error_free (error);
      _meow_download_fail (job, g_steal_pointer (&spill_error));
      return;
    }

  if (progress)
    s->retries = (MeowRetries){ 0 };
  delay = _meow_engine_retry_next (job, &s->retries, kind, result, _meow_engine_max_retries (job),
                                   _meow_http_head_get (&s->head, "retry-after"), &reason);
  if (delay < 0)
    {
      _meow_engine_give_up (&error, s->retries.failures);
      _meow_download_fail (job, error);
      return;
    }

  _meow_job_debug (job, "Retrying %s from byte %" G_GINT64_FORMAT " in %" G_GINT64_FORMAT " ms: %s",
                   _meow_download_url (job), s->pos, delay / 1000, error->message);
  g_error_free (error);

  s->retry_at = g_get_monotonic_time () + delay;
  if (_meow_stream_is_main (s))
    d->phase = MEOW_DOWNLOAD_WAIT_RETRY;
  _meow_download_maybe_wait (job, reason, detail_owned);
  _meow_engine_wakeup (job->engine);
}

static GError *
status_error (MeowStream *s)
{
  return _meow_http_status_error (s->head.status, s->head.reason, _meow_download_url (s->job),
                                  s->error_body ? s->error_body->str : NULL,
                                  s->error_body ? s->error_body->len : 0);
}

/* The stream's request ended with @result (libcurl's): what comes next.
 * May finish the job, and may free @s (a segment). */
void
_meow_stream_done (MeowStream *s, CURLcode result)
{
  MeowJob *job = s->job;
  /* Progress means getting further than ever before, so a server that
   * drops every connection after restarting from zero still runs out of
   * retries. */
  gboolean progress = s->pos > s->high_water;
  gint64   end;

  s->high_water = MAX (s->high_water, s->pos);

  if (s->abort_error)
    {
      GError *error = g_steal_pointer (&s->abort_error);

      /* A length that contradicts the known total or the Content-Range is
       * a glitch worth another try. */
      if (s->abort_retryable)
        _meow_stream_retry_or_fail (s, error, MEOW_FAILURE_SERVER, CURLE_OK,
                                    _meow_failure_detail (CURLE_OK, s->head.status), FALSE);
      else
        _meow_download_fail (job, error);
      return;
    }

  switch (s->verdict.kind)
    {
    case MEOW_VERDICT_RESTART:
      _meow_download_restart (job, s->verdict.reason);
      return;
    case MEOW_VERDICT_DROP_SEGMENTS:
      _meow_download_segments_abandon (job);
      return;
    case MEOW_VERDICT_REISSUE:
      /* Not an attempt that failed: ask again, now knowing more. */
      _meow_stream_release (s);
      _meow_download_start_get (job);
      return;
    case MEOW_VERDICT_COMPLETE:
      _meow_stream_release (s);
      if (_meow_download_get (job)->relink_pending)
        {
          /* A 416 proves the size, not that the new link is this file. */
          _meow_download_fail (job, _meow_download_link_differs (job, MEOW_RESTART_NONE));
          return;
        }
      _meow_download_finish (job);
      return;
    default:
      break;
    }

  if (s->end >= 0 && (s->cut || s->pos >= s->end))
    {
      /* A split stream has its whole range (the first stream reached the
       * first segment). */
      _meow_stream_release (s);
      s->cut = FALSE;
      s->done = TRUE;
      _meow_download_check_all_done (job);
      return;
    }

  /* A proxy that wants a login (or refused the one given): the task waits
   * for the user's, paused, as for a server's 401 below. */
  if (s->easy != NULL)
    {
      char   *scheme = NULL;
      char   *realm = NULL;
      char   *proxy = NULL;
      GError *proxy_error = _meow_engine_proxy_auth_error (
          job->engine, s->easy, job->task->url, _meow_download_url (job), &scheme, &realm, &proxy);

      if (proxy_error != NULL)
        {
          _meow_engine_sign_in (job, proxy_error, scheme, realm, proxy);
          return;
        }
    }

  /* The server wants a login (or refused the one given): the task waits
   * for the user's, paused; no retry can help until then. */
  if (result == CURLE_OK && s->head.status == 401)
    {
      char   *scheme = NULL;
      char   *realm = NULL;
      GError *error = _meow_engine_auth_error (job->task, _meow_download_url (job),
                                               _meow_http_head_get (&s->head, "www-authenticate"),
                                               &scheme, &realm);

      _meow_engine_sign_in (job, error, scheme, realm, NULL);
      return;
    }

  if (result != CURLE_OK)
    {
      GError *error = _meow_engine_transport_error (
          job->engine, MEOW_DIRECTION_DOWNLOAD, _meow_download_url (job), result, s->curl_error);

      MeowFailureKind kind = _meow_failure_classify (result, 0);

      if (kind != MEOW_FAILURE_FATAL)
        _meow_stream_retry_or_fail (s, error, kind, result, _meow_failure_detail (result, 0),
                                    progress);
      else
        _meow_download_fail (job, error);
      return;
    }

  if (s->verdict.kind == MEOW_VERDICT_STATUS)
    {
      GError *error = status_error (s);

      if (_meow_failure_classify (CURLE_OK, s->head.status) == MEOW_FAILURE_SERVER)
        _meow_stream_retry_or_fail (s, error, MEOW_FAILURE_SERVER, CURLE_OK,
                                    _meow_failure_detail (CURLE_OK, s->head.status), progress);
      else
        _meow_download_fail (job, error);
      return;
    }

  if (s->verdict.kind != MEOW_VERDICT_ACCEPT)
    {
      _meow_download_fail (job,
                           g_error_new (MEOW_ERROR, MEOW_ERROR_RESPONSE_PARSE,
                                        _ ("The server's answer for %s could not be understood."),
                                        _meow_download_url (job)));
      return;
    }

  _meow_stream_release (s);
  end = s->end >= 0 ? s->end : job->total;
  if (end < 0)
    {
      /* Unknown length, ended cleanly: that was the whole file. */
      job->total = s->pos;
      _meow_download_finish (job);
    }
  else if (s->pos == end)
    _meow_download_finish (job);
  else if (s->pos < end)
    {
      /* A shorter range than asked for (allowed), or a short body libcurl
       * did not flag: continue from where the stream is. */
      if (!progress)
        _meow_stream_retry_or_fail (s,
                                    g_error_new (MEOW_ERROR, MEOW_ERROR_HTTP_TRANSPORT,
                                                 _ ("The server ended %s early."),
                                                 _meow_download_url (job)),
                                    MEOW_FAILURE_TRANSPORT, CURLE_PARTIAL_FILE,
                                    _meow_failure_detail (CURLE_PARTIAL_FILE, 0), FALSE);
      else if (_meow_stream_is_main (s))
        _meow_download_start_get (job);
      else
        _meow_stream_send (s, FALSE);
    }
  else
    _meow_download_fail (job, g_error_new (MEOW_ERROR, MEOW_ERROR_INVALID_RANGE,
                                           _ ("%s is longer than the server said."),
                                           _meow_download_url (job)));
}

/* The stream's timers: a retry that is due asks again; a pacing pause
 * that is over ends. *@next becomes the earliest still due. FALSE: the job
 * may have finished (do not touch it). */
gboolean
_meow_stream_tick (MeowStream *s, gint64 now, gint64 *next)
{
  MeowJob *job = s->job;
  gboolean resumed;

  if (s->retry_at > 0)
    {
      if (now < s->retry_at)
        {
          *next = MIN (*next, s->retry_at);
          return TRUE;
        }
      s->retry_at = 0;
      if (!_meow_stream_is_main (s))
        {
          _meow_stream_send (s, FALSE);
          return TRUE;
        }
      _meow_download_start_get (job);
      return FALSE;
    }

  if (s->paused_until > 0 && s->easy != NULL)
    {
      if (now < s->paused_until)
        {
          *next = MIN (*next, s->paused_until);
          return TRUE;
        }
      s->paused_until = 0;
      /* May call the body callback at once, which may pause again, fail,
       * cut the stream at its end (then done follows, as for any cut) or
       * find that the overlap differs (then the download starts over). */
      resumed = curl_easy_pause (s->easy, CURLPAUSE_CONT) == CURLE_OK;
      if (s->verdict.kind == MEOW_VERDICT_RESTART && s->abort_error == NULL)
        {
          _meow_download_restart (job, s->verdict.reason);
          return FALSE;
        }
      if ((!resumed && !s->cut) || s->abort_error)
        {
          GError *error = g_steal_pointer (&s->abort_error);

          if (error == NULL)
            error = g_error_new (MEOW_ERROR, MEOW_ERROR_HTTP_TRANSPORT,
                                 _ ("The transfer of %s could not be resumed after pacing."),
                                 _meow_download_url (job));
          _meow_download_fail (job, error);
          return FALSE;
        }
      if (s->paused_until > 0)
        *next = MIN (*next, s->paused_until);
    }
  return TRUE;
}

/* The speed limit changed: a new window, and a paused handle is woken by
 * the next tick. */
void
_meow_stream_limit_changed (MeowStream *s)
{
  _meow_pace_reset (&s->pace);
  if (s->paused_until > 0)
    s->paused_until = g_get_monotonic_time ();
}
