/* meow-download-segments.c: a download split over several connections
 *
 * Once the first stream's headers are accepted with a known total from a
 * server that takes ranges, the rest of the file may be split: at once
 * when the task asked for N connections or the answer came over HTTP/1.x,
 * otherwise (HTTP/2) only when one stream is slow (judged after
 * SPLIT_FIRST_CHECK, then every SPLIT_RECHECK). The
 * first stream then covers [0, main.end) and each segment, a MeowStream
 * like it, [start, end) with its own bounded Range. When a connection
 * finishes and another range is large enough, that range is cut in half
 * for a new segment (work stealing). Positions go to the control file
 * only after a flush of the .part (checkpoints), so a crash loses at most
 * the unsynced tail of each segment. Worker thread only.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <errno.h>
#include <unistd.h>

#include "meow-download-private.h"
#include "meow-error.h"
#include "meow-log-private.h"

/* How often a split download records its positions (with a flush). */
#define CHECKPOINT_INTERVAL (2 * G_USEC_PER_SEC)
/* Unless the task asks for a number of connections, a download whose first
 * answer came over HTTP/1.x is split at once, as aria2c's -x/-s do: each
 * connection a server throttles (nginx limit_rate) is worth as much as the
 * first, and a judgment costs the time it takes (150 ms of one connection
 * instead of four was 0.93x aria2c -x4 in bench/throttled). Over HTTP/2
 * the one connection stays alone while it is fast: the split is judged,
 * after SPLIT_FIRST_CHECK and then every SPLIT_RECHECK, and made only when
 * the stream is slower than SPLIT_MAX_SPEED with at least SPLIT_MIN_SECONDS
 * of transfer left. See bench/README.md. */
#define SPLIT_MAX_SPEED (64.0 * 1024 * 1024)
#define SPLIT_MIN_SECONDS 2.0
#define SPLIT_FIRST_CHECK (150 * 1000)
#define SPLIT_RECHECK G_USEC_PER_SEC
/* Work stealing cuts no range smaller than twice this: cutting a running
 * request throws away what the connection already had in flight (on
 * loopback, several MiB of socket buffers). */
#define STEAL_MIN (4 * 1024 * 1024)

/* How many connections the task wants (the configured maximum unless it
 * asked for a number). */
guint
_meow_download_wanted_segments (MeowJob *job)
{
  guint n = job->task->segments;

  return n ? n : _meow_engine_get_config (job->engine)->max_segments;
}

/* Inside a curl callback, the first stream's headers accepted: note that
 * the file should be split (at once, or when judged slow); the tick does
 * it, since handles cannot be added to the multi from a callback. */
void
_meow_download_maybe_split (MeowJob *job)
{
  MeowDownload *d = _meow_download_get (job);
  guint64       min = _meow_engine_get_config (job->engine)->min_segment_size;

  if (d->segments == NULL && d->main.end < 0 && d->ranges_ok && job->total > 0 &&
      _meow_download_wanted_segments (job) > 1 && job->total - d->main.pos >= (gint64) (2 * min))
    {
      long version = CURL_HTTP_VERSION_NONE;

      if (d->main.easy != NULL)
        curl_easy_getinfo (d->main.easy, CURLINFO_HTTP_VERSION, &version);
      /* Asked for, or HTTP/1.x: split at once. */
      if (job->task->segments > 0 ||
          (version != CURL_HTTP_VERSION_NONE && version < CURL_HTTP_VERSION_2_0))
        d->want_segments = TRUE;
      else
        {
          d->split_base_time = g_get_monotonic_time ();
          d->split_base_offset = d->main.pos;
          d->split_check_at = d->split_base_time + SPLIT_FIRST_CHECK;
        }
      _meow_engine_wakeup (job->engine);
    }
}

/* A new segment [start, end) at @pos, added to the split (not started). */
MeowStream *
_meow_download_segment_new (MeowJob *job, gint64 start, gint64 pos, gint64 end)
{
  MeowDownload *d = _meow_download_get (job);
  MeowStream   *seg = _meow_stream_new (job, start, pos, end);

  if (d->segments == NULL)
    d->segments = g_ptr_array_new_with_free_func ((GDestroyNotify) _meow_stream_free);
  g_ptr_array_add (d->segments, seg);
  return seg;
}

static int
segment_cmp (gconstpointer a, gconstpointer b)
{
  const MeowControlSegment *x = a;
  const MeowControlSegment *y = b;

  return x->start < y->start ? -1 : x->start > y->start;
}

static int
segment_order (gconstpointer a, gconstpointer b)
{
  const MeowSegment *x = a;
  const MeowSegment *y = b;

  return x->start < y->start ? -1 : x->start > y->start;
}

/* Takes a control file's split if it is consistent with itself and with
 * the .part (@part_size bytes): the first stream and every segment go on
 * from their positions. FALSE: it is not (nothing changed). */
gboolean
_meow_download_restore_segments (MeowJob *job, MeowControl *control, gint64 part_size)
{
  MeowDownload *d = _meow_download_get (job);
  gint64        prev_end = control->main_end;

  if (control->segments == NULL || control->segments->len == 0 || control->main_pos < 0 ||
      control->main_end <= 0 || control->main_pos > control->main_end ||
      control->main_pos > part_size || job->total <= 0)
    return FALSE;
  /* Stolen ranges are recorded where they were made: put them in order. */
  g_array_sort (control->segments, segment_cmp);
  for (guint i = 0; i < control->segments->len; i++)
    {
      const MeowControlSegment *t = &g_array_index (control->segments, MeowControlSegment, i);

      if (t->start != prev_end || t->pos < t->start || t->pos > t->end || t->end <= t->start ||
          t->pos > part_size)
        return FALSE;
      prev_end = t->end;
    }
  if (prev_end != job->total)
    return FALSE;

  d->main.end = control->main_end;
  d->main.pos = control->main_pos;
  d->main.done = d->main.pos >= d->main.end;
  for (guint i = 0; i < control->segments->len; i++)
    {
      const MeowControlSegment *t = &g_array_index (control->segments, MeowControlSegment, i);
      _meow_download_segment_new (job, t->start, t->pos, t->end);
    }
  _meow_download_update_transferred (job);
  return TRUE;
}

/* Stops every segment's connection and forgets the split: one stream again. */
void
_meow_download_segments_drop (MeowJob *job)
{
  MeowDownload *d = _meow_download_get (job);

  g_clear_pointer (&d->segments, g_ptr_array_unref); /* releases their handles */
  d->main.end = -1;
  d->main.cut = FALSE;
  d->main.done = FALSE;
  d->want_segments = FALSE;
  d->split_check_at = 0;
}

/* Stops every segment's connection; with @keep_positions, first records
 * the positions (with a flush) so a later run resumes every segment. */
void
_meow_download_segments_stop (MeowJob *job, gboolean keep_positions)
{
  MeowDownload *d = _meow_download_get (job);

  if (d->segments == NULL)
    return;
  for (guint i = 0; i < d->segments->len; i++)
    _meow_stream_release (g_ptr_array_index (d->segments, i));
  if (keep_positions)
    _meow_download_checkpoint (job);
  _meow_download_segments_drop (job);
}

/* Connections moving bytes: the first stream and the running segments. */
guint
_meow_download_active_streams (MeowDownload *d)
{
  guint n = d->main.easy != NULL ? 1 : 0;

  for (guint i = 0; d->segments && i < d->segments->len; i++)
    if (((MeowStream *) g_ptr_array_index (d->segments, i))->easy != NULL)
      n++;
  return n;
}

/* The job's progress: the first stream's position and every segment's
 * bytes — counted once they are in a file, so a record never shows bytes
 * that have no .part (and control file) to resume from. */
void
_meow_download_update_transferred (MeowJob *job)
{
  MeowDownload *d = _meow_download_get (job);
  gint64        sum = d->main.pos;

  if (d->mem)
    {
      job->transferred = 0;
      return;
    }
  for (guint i = 0; d->segments && i < d->segments->len; i++)
    {
      MeowStream *seg = g_ptr_array_index (d->segments, i);
      sum += seg->pos - seg->start;
    }
  job->transferred = (guint64) sum;
}

/* Makes the control file match what is durable: the bytes first, then the
 * positions, so a crash never claims bytes that are not on disk. */
void
_meow_download_checkpoint (MeowJob *job)
{
  MeowDownload *d = _meow_download_get (job);

  if (d->fd >= 0 && fdatasync (d->fd) != 0)
    _meow_job_debug (job, "Could not flush %s: %s", d->part_path, g_strerror (errno));
  _meow_download_write_control (job);
  d->next_checkpoint = g_get_monotonic_time () + CHECKPOINT_INTERVAL;
}

/* The first stream's headers were accepted: split the rest of the file. */
static void
segments_begin (MeowJob *job)
{
  MeowDownload *d = _meow_download_get (job);
  guint64       min = _meow_engine_get_config (job->engine)->min_segment_size;
  gint64        remaining = job->total - d->main.pos;
  guint         n = _meow_download_wanted_segments (job);
  gint64        part;

  d->want_segments = FALSE;
  if (d->segments || n < 2 || job->total < 0 || remaining <= 0)
    return;
  n = (guint) MIN ((gint64) n, remaining / (gint64) min);
  if (n < 2)
    return;

  part = remaining / n;
  d->main.end = d->main.pos + part;
  d->main.cut = FALSE;
  d->main.done = FALSE;
  for (guint i = 1; i < n; i++)
    {
      gint64 start = d->main.pos + i * part;
      gint64 end = i == n - 1 ? job->total : start + part;

      _meow_download_segment_new (job, start, start, end);
    }
  /* Record the split before any segment writes. */
  _meow_download_checkpoint (job);
  for (guint i = 0; i < d->segments->len; i++)
    _meow_stream_send (g_ptr_array_index (d->segments, i), FALSE);
  _meow_job_debug (job, "Downloading %s in %u segments", _meow_download_url (job), n);
}

/* A segment got a 200 to its range request: the server does not do
 * ranges after all. The first stream carries on alone to the end. */
void
_meow_download_segments_abandon (MeowJob *job)
{
  MeowDownload *d = _meow_download_get (job);
  gboolean      main_running = d->main.easy != NULL && !d->main.cut;

  _meow_download_segments_drop (job);
  /* Segment bytes past the first stream are not ours to trust as a
   * single-stream .part: cut them off. */
  if (d->fd >= 0 && ftruncate (d->fd, d->main.pos) != 0)
    _meow_job_debug (job, "Could not truncate %s: %s", d->part_path, g_strerror (errno));
  _meow_download_write_control (job);
  _meow_download_update_transferred (job);
  if (!main_running)
    _meow_download_start_get (job);
}

/* A parked range (of a lower connection count) goes on. FALSE: none. */
static gboolean
unpark_one (MeowDownload *d)
{
  for (guint i = 0; d->segments && i < d->segments->len; i++)
    {
      MeowStream *seg = g_ptr_array_index (d->segments, i);

      if (seg->parked && !seg->done)
        {
          seg->parked = FALSE;
          _meow_stream_send (seg, FALSE);
          return TRUE;
        }
    }
  return FALSE;
}

/* Work stealing, so one slow connection does not hold up the end: a new
 * segment takes the larger half of the biggest range still running, if
 * any range of at least 2 × STEAL_MIN is left (the minimum segment size
 * only governs the first split). FALSE: nothing worth cutting. */
static gboolean
steal_one (MeowJob *job)
{
  MeowDownload *d = _meow_download_get (job);
  guint64       min = _meow_engine_get_config (job->engine)->min_segment_size;
  MeowStream   *biggest = NULL;
  gint64        biggest_left = 0;
  gint64        main_left = d->main.done ? 0 : d->main.end - d->main.pos;
  gint64        split;
  gint64        old_end;

  for (guint i = 0; d->segments && i < d->segments->len; i++)
    {
      MeowStream *seg = g_ptr_array_index (d->segments, i);
      gint64      left = seg->end - seg->pos;

      if (!seg->done && !seg->parked && seg->easy != NULL && left > biggest_left)
        {
          biggest = seg;
          biggest_left = left;
        }
    }
  if (d->main.easy == NULL)
    main_left = 0;
  if (MAX (biggest_left, main_left) < 2 * MIN ((gint64) min, STEAL_MIN))
    return FALSE;
  if (main_left > biggest_left)
    {
      split = d->main.pos + main_left / 2;
      old_end = d->main.end;
      d->main.end = split;
    }
  else
    {
      split = biggest->pos + biggest_left / 2;
      old_end = biggest->end;
      biggest->end = split;
    }
  _meow_stream_send (_meow_download_segment_new (job, split, split, old_end), FALSE);
  return TRUE;
}

/* All bytes in? Then verify and rename. Otherwise a connection is free:
 * a parked range goes on, or it takes half of the biggest range left. */
void
_meow_download_check_all_done (MeowJob *job)
{
  MeowDownload *d = _meow_download_get (job);
  gboolean      left = !d->main.done;

  for (guint i = 0; !left && d->segments && i < d->segments->len; i++)
    left = !((MeowStream *) g_ptr_array_index (d->segments, i))->done;
  if (!left)
    {
      _meow_download_segments_drop (job);
      d->main.pos = job->total;
      _meow_stream_release (&d->main);
      _meow_download_finish (job);
      return;
    }
  if (_meow_download_active_streams (d) >= _meow_download_wanted_segments (job))
    return;
  if (unpark_one (d) || steal_one (job))
    _meow_download_checkpoint (job);
}

/* The task's connection count changed while it runs: park running
 * segments (the last first; never the first stream) down to it, or
 * take parked ranges up again and cut new ones up to it. An unsplit
 * download splits at the next tick. */
void
_meow_download_segments_retune (MeowJob *job)
{
  MeowDownload *d = _meow_download_get (job);
  guint         n = _meow_download_wanted_segments (job);
  guint         active;
  gboolean      changed = FALSE;

  if (d == NULL || d->phase != MEOW_DOWNLOAD_GET || d->mem != NULL)
    return;
  if (d->segments == NULL)
    {
      if (n >= 2 && d->ranges_ok && job->total > 0 && d->main.easy != NULL &&
          d->main.verdict.kind == MEOW_VERDICT_ACCEPT)
        {
          d->want_segments = TRUE;
          _meow_engine_wakeup (job->engine);
        }
      return;
    }
  active = _meow_download_active_streams (d);
  for (guint i = d->segments->len; i-- > 0 && active > n;)
    {
      MeowStream *seg = g_ptr_array_index (d->segments, i);

      if (seg->easy != NULL && !seg->done)
        {
          _meow_stream_release (seg);
          seg->parked = TRUE;
          active--;
          changed = TRUE;
        }
    }
  while (active < n && (unpark_one (d) || steal_one (job)))
    {
      active++;
      changed = TRUE;
    }
  if (changed)
    {
      _meow_download_checkpoint (job);
      g_debug ("%s now on %u connections", _meow_download_url (job), active);
    }
}

/* The segment map for a record: the first stream's range, then each
 * segment's, in file order. */
void
_meow_download_segments_map (MeowJob *job, GArray *out)
{
  MeowDownload *d = _meow_download_get (job);
  MeowSegment   main_range;

  if (d == NULL || d->phase == MEOW_DOWNLOAD_IDLE || d->phase == MEOW_DOWNLOAD_PROBE)
    return;
  main_range.start = d->main.start;
  main_range.end = d->main.end >= 0 ? d->main.end : job->total;
  main_range.done = d->main.done && main_range.end >= 0 ? main_range.end - d->main.start
                                                        : d->main.pos - d->main.start;
  main_range.active = d->main.easy != NULL && job->state == MEOW_JOB_ACTIVE;
  g_array_append_val (out, main_range);
  for (guint i = 0; d->segments && i < d->segments->len; i++)
    {
      MeowStream *seg = g_ptr_array_index (d->segments, i);
      MeowSegment range = {
        .start = seg->start,
        .end = seg->end,
        .done = seg->pos - seg->start,
        .active = seg->easy != NULL && job->state == MEOW_JOB_ACTIVE,
      };

      g_array_append_val (out, range);
    }
  g_array_sort (out, segment_order);
}

/* A split restored from the control file: start what is left. */
void
_meow_download_segments_resume (MeowJob *job)
{
  MeowDownload *d = _meow_download_get (job);

  _meow_engine_report_progress (job);
  d->next_checkpoint = g_get_monotonic_time () + CHECKPOINT_INTERVAL;
  for (guint i = 0; i < d->segments->len; i++)
    {
      MeowStream *seg = g_ptr_array_index (d->segments, i);
      if (!seg->done)
        _meow_stream_send (seg, FALSE);
    }
  if (d->main.done)
    {
      d->phase = MEOW_DOWNLOAD_GET;
      _meow_download_check_all_done (job);
    }
  else
    _meow_stream_send (&d->main, FALSE);
}

/* The stream whose handle is @easy, or NULL. */
MeowStream *
_meow_download_stream_for_easy (MeowDownload *d, CURL *easy)
{
  if (d->main.easy == easy)
    return &d->main;
  for (guint i = 0; d->segments && i < d->segments->len; i++)
    {
      MeowStream *seg = g_ptr_array_index (d->segments, i);
      if (seg->easy == easy)
        return seg;
    }
  return NULL;
}

/* Whether one stream is slow enough to split: judged at split_check_at. */
static void
judge_split (MeowJob *job, gint64 now, gint64 *next)
{
  MeowDownload *d = _meow_download_get (job);

  if (d->phase != MEOW_DOWNLOAD_GET || d->main.verdict.kind != MEOW_VERDICT_ACCEPT ||
      d->main.easy == NULL)
    d->split_check_at = 0;
  else if (now >= d->split_check_at)
    {
      double seconds = (now - d->split_base_time) / (double) G_USEC_PER_SEC;
      double speed = (d->main.pos - d->split_base_offset) / MAX (seconds, 0.001);
      double left = speed > 0 ? (job->total - d->main.pos) / speed : G_MAXDOUBLE;

      if (speed < SPLIT_MAX_SPEED && left >= SPLIT_MIN_SECONDS)
        {
          d->split_check_at = 0;
          d->want_segments = TRUE;
        }
      else
        {
          d->split_base_time = now;
          d->split_base_offset = d->main.pos;
          d->split_check_at = now + SPLIT_RECHECK;
        }
    }
  if (d->split_check_at > 0)
    *next = MIN (*next, d->split_check_at);
}

/* The split's timers: whether to split, the segments' retries and pacing
 * pauses, checkpoints; *@next becomes the earliest still due. FALSE: the
 * job finished (do not touch it). */
gboolean
_meow_download_segments_tick (MeowJob *job, gint64 now, gint64 *next)
{
  MeowDownload *d = _meow_download_get (job);

  if (d->split_check_at > 0 && d->segments == NULL)
    judge_split (job, now, next);
  if (d->want_segments && d->phase == MEOW_DOWNLOAD_GET &&
      d->main.verdict.kind == MEOW_VERDICT_ACCEPT)
    segments_begin (job);
  if (d->segments == NULL)
    return TRUE;

  for (guint i = 0; i < d->segments->len; i++)
    if (!_meow_stream_tick (g_ptr_array_index (d->segments, i), now, next))
      return FALSE;
  if (now >= d->next_checkpoint)
    _meow_download_checkpoint (job);
  *next = MIN (*next, d->next_checkpoint);
  return TRUE;
}
