/* meow-download.c: the download driver (worker thread only)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * One download is one streaming GET per attempt (no HEAD first): the
 * answer's own headers name the file (Content-Disposition, the URL) and
 * give its total and validators before the first body byte is kept. A new
 * download asks for "Range: bytes=0-", so a server that takes ranges
 * states the total in Content-Range, which is checked against
 * Content-Length; a resume asks for "bytes=N-" with If-Range. Then
 * (optionally) a checksum pass, then an atomic no-replace rename onto
 * TARGET. The files of the driver and what each does are listed in
 * meow-download-private.h; this one is the driver's vtable and the
 * attempts: what a start, a retry of the first stream or a restart from
 * zero sends first.
 *
 * TARGET.part.meow, the control file, records the validators (strong ETag
 * or Last-Modified), the total and a hash of the URL seen when the .part
 * was started, so a later resume can send If-Range and can tell that the
 * remote file changed. The .part's size is the truth for the offset. Only
 * a .part without a control file (not written by this engine), or one that
 * is already complete, is probed with a HEAD first.
 */
#include "config.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <unistd.h>

#include "meow-download-private.h"
#include "meow-error.h"
#include "meow-i18n-private.h"
#include "meow-log-private.h"

/* A failure: the bytes that arrived are kept (with the split's positions)
 * for a later resume, and the job ends Failed with @error (transfer full).
 * Finishes the job. */
void
_meow_download_fail (MeowJob *job, GError *error)
{
  MeowDownload *d = _meow_download_get (job);
  g_autoptr (GError) spill_error = NULL;

  _meow_stream_release (&d->main);
  if (!_meow_download_spill (job, &spill_error))
    _meow_job_debug (job, "Could not keep the bytes of %s: %s", _meow_download_url (job),
                     spill_error->message);
  _meow_download_segments_stop (job, TRUE);
  _meow_download_close_part (d);
  _meow_engine_finish (job, MEOW_STATUS_FAILED, error, NULL);
}

/* A stream now waits to retry: when no connection of the download is
 * moving bytes, the job waits without its slot until the earliest retry
 * is due (_meow_engine_wait() decides whether the wait is long enough). */
void
_meow_download_maybe_wait (MeowJob *job, MeowWaitReason reason, const char *detail)
{
  MeowDownload *d = _meow_download_get (job);
  gint64        wake = G_MAXINT64;

  if (d->commit != NULL || d->phase == MEOW_DOWNLOAD_VERIFY)
    return;
  if (d->main.easy != NULL)
    return;
  if (d->main.retry_at > 0)
    wake = d->main.retry_at;
  for (guint i = 0; d->segments && i < d->segments->len; i++)
    {
      MeowStream *seg = g_ptr_array_index (d->segments, i);

      if (seg->easy != NULL)
        return;
      if (seg->retry_at > 0)
        wake = MIN (wake, seg->retry_at);
    }
  if (wake < G_MAXINT64)
    _meow_engine_wait (job, wake, reason, detail);
}

/* The bytes held are of another file, or cannot be continued (@reason):
 * every stream stops, the .part starts over from zero and the whole file
 * is asked for without Range (a cache that sent another version's range
 * would do it again). At most MEOW_DOWNLOAD_MAX_RESTARTS times in a row
 * in a start; the next contradiction fails the download with a message
 * naming the URL. May finish the job. */
void
_meow_download_restart (MeowJob *job, MeowRestartReason reason)
{
  MeowDownload *d = _meow_download_get (job);
  g_autoptr (GError) error = NULL;

  _meow_download_segments_drop (job);
  _meow_stream_release (&d->main);
  if (d->relink_pending)
    {
      /* A new link that does not continue the held bytes: never drop them
       * unasked (meow_client_change_url() with MEOW_CHANGE_URL_RESTART). */
      _meow_download_fail (job, _meow_download_link_differs (job, reason));
      return;
    }
  if (d->restarts++ >= MEOW_DOWNLOAD_MAX_RESTARTS)
    {
      if (reason == MEOW_RESTART_CONTENT_CHANGED)
        error = g_error_new (MEOW_ERROR, MEOW_ERROR_REMOTE_CHANGED,
                             _ ("The server keeps contradicting itself about %s: its bytes changed "
                                "again after %u restarts from zero. Try again later."),
                             _meow_download_url (job), d->restarts - 1);
      else if (reason == MEOW_RESTART_REMOTE_CHANGED)
        error =
            g_error_new (MEOW_ERROR, MEOW_ERROR_REMOTE_CHANGED,
                         _ ("The server keeps contradicting itself about %s: its size or version "
                            "changed again after %u restarts from zero. Try again later."),
                         _meow_download_url (job), d->restarts - 1);
      else if (reason == MEOW_RESTART_RANGE_NOT_SATISFIABLE)
        error =
            g_error_new (MEOW_ERROR, MEOW_ERROR_INVALID_RANGE,
                         _ ("The server keeps contradicting itself about %s: it refused the range "
                            "asked for (416) again after %u restarts from zero. Try again later."),
                         _meow_download_url (job), d->restarts - 1);
      else
        error = g_error_new (MEOW_ERROR, MEOW_ERROR_INVALID_RANGE,
                             _ ("The server ignores the range requests for %s."),
                             _meow_download_url (job));
      _meow_download_fail (job, g_steal_pointer (&error));
      return;
    }
  job->restart_reason = reason;
  d->main.high_water = 0;
  if (!_meow_download_open_part (job, TRUE, &error))
    {
      _meow_download_fail (job, g_steal_pointer (&error));
      return;
    }
  g_clear_pointer (&d->etag, g_free);
  g_clear_pointer (&d->last_modified, g_free);
  d->last_modified_strong = FALSE;
  d->unverified = FALSE;
  d->have_probe = FALSE;
  d->trusted_total = FALSE;
  d->plain_get = TRUE;
  job->total = -1;
  /* No Transmission record until the new answer states the total (or
   * starts a body of unknown length): a sample in between would show the
   * bytes gone and the total unknown. */
  job->transmission_started = FALSE;
  _meow_download_write_control (job);
  _meow_download_start_get (job);
}

void
_meow_download_relink_confirmed (MeowJob *job)
{
  MeowDownload *d = _meow_download_get (job);

  if (!d->relink_pending)
    return;
  _meow_job_debug (job, "%s answers for the bytes of %s: continuing from byte %" G_GINT64_FORMAT,
                   _meow_download_url (job), d->part_path, d->main.pos);
  d->relink_pending = FALSE;
  g_clear_pointer (&d->held_digest, g_free);
  d->url_changed = TRUE;
  /* Positions go into the control file only after a flush (checkpoint). */
  if (d->segments != NULL)
    _meow_download_checkpoint (job);
  else
    _meow_download_write_control (job);
}

GError *
_meow_download_link_differs (MeowJob *job, MeowRestartReason reason)
{
  MeowDownload *d = _meow_download_get (job);
  const char   *file = d->part_path;

  switch (reason)
    {
    case MEOW_RESTART_RANGE_IGNORED:
      return g_error_new (
          MEOW_ERROR, MEOW_ERROR_LINK_CONTENT_DIFFERS,
          _ ("The new link %s cannot continue “%s”: its server sends the whole file "
             "instead of the rest. The bytes received so far were kept; start over "
             "to download the file again from the new link."),
          _meow_download_url (job), file);
    case MEOW_RESTART_CONTENT_CHANGED:
      return g_error_new (
          MEOW_ERROR, MEOW_ERROR_LINK_CONTENT_DIFFERS,
          _ ("The new link %s gives another file than the one “%s” holds: the bytes "
             "at the end of the partial file differ. They were kept; start over to "
             "download the file from the new link."),
          _meow_download_url (job), file);
    case MEOW_RESTART_NONE:
      return g_error_new (MEOW_ERROR, MEOW_ERROR_LINK_CONTENT_DIFFERS,
                          _ ("The new link %s could not be checked against the bytes “%s” holds "
                             "(it states no strong ETag or date for them). They were kept; start "
                             "over to download the file from the new link."),
                          _meow_download_url (job), file);
    case MEOW_RESTART_REMOTE_CHANGED:
    case MEOW_RESTART_RANGE_NOT_SATISFIABLE:
    default:
      return g_error_new (
          MEOW_ERROR, MEOW_ERROR_LINK_CONTENT_DIFFERS,
          _ ("The new link %s gives another file than the one “%s” holds: its ETag, "
             "date or size differ. The bytes received so far were kept; start over "
             "to download the file from the new link."),
          _meow_download_url (job), file);
    }
}

/* A strong validator vouches for the held bytes: the plan of the first
 * stream asks for no overlap. */
static gboolean
guarded (MeowDownload *d)
{
  MeowDownloadHeld held = {
    .kind = MEOW_ASK_FIRST,
    .start = 0,
    .pos = d->main.pos,
    .end = -1,
    .etag = d->etag,
    .last_modified = d->last_modified,
    .last_modified_strong = d->last_modified_strong,
    .unverified = d->unverified,
  };
  MeowDownloadPlan plan;

  _meow_download_plan (&held, &plan);
  return plan.overlap == 0;
}

/* The first stream's next request: from the .part's end (checked against
 * its control file), a split restored, a HEAD first when the bytes are of
 * unknown origin or all there, or nothing left to ask. May finish the
 * job. */
void
_meow_download_start_get (MeowJob *job)
{
  MeowDownload *d = _meow_download_get (job);
  g_autoptr (GError) error = NULL;
  MeowControl      ctl;
  gboolean         have_ctl;
  gboolean         refetch = FALSE;
  g_autofree char *digest = NULL;
  GStatBuf         st;

  _meow_stream_release (&d->main);

  /* Bytes still in memory go on from the disk, like any others. */
  if (!_meow_download_spill (job, &error))
    {
      _meow_download_fail (job, g_steal_pointer (&error));
      return;
    }

  if (d->segments != NULL)
    {
      /* Split in this session (a retry of the first stream). */
      if (d->main.pos >= d->main.end)
        {
          d->main.done = TRUE;
          _meow_download_check_all_done (job);
          return;
        }
      _meow_stream_send (&d->main, FALSE);
      return;
    }

  if (d->target == NULL && job->task->output_file != NULL &&
      !_meow_download_decide_target (job, NULL, NULL, &error))
    {
      _meow_download_fail (job, g_steal_pointer (&error));
      return;
    }
  if (d->target == NULL)
    {
      /* The answer names the file (accept_body). */
      if (!g_file_test (job->task->output_dir, G_FILE_TEST_IS_DIR))
        {
          _meow_download_fail (job, g_error_new (MEOW_ERROR, MEOW_ERROR_FILE_NOT_FOUND,
                                                 _ ("The folder “%s” does not exist."),
                                                 job->task->output_dir));
          return;
        }
      d->main.pos = 0;
      job->transferred = 0;
      d->start_over = FALSE; /* nothing held to drop */
      _meow_stream_send (&d->main, FALSE);
      return;
    }

  /* No .part: a new file, created when the answer's headers are accepted
   * (or never, for a small one). Otherwise resume from its end. */
  if (d->fd < 0 && g_lstat (d->part_path, &st) != 0 && errno == ENOENT)
    {
      d->main.pos = 0;
      job->transferred = 0;
      d->start_over = FALSE; /* nothing held to drop */
      _meow_stream_send (&d->main, FALSE);
      return;
    }
  if (!_meow_download_open_part (job, FALSE, &error))
    {
      _meow_download_fail (job, g_steal_pointer (&error));
      return;
    }

  /* What we knew when the .part was started: a different URL (or, after a
   * probe, validator or size) means those bytes belong to another file. */
  digest = _meow_download_url_digest (job);
  d->relink_pending = FALSE;
  g_clear_pointer (&d->held_digest, g_free);
  have_ctl = _meow_download_read_control (job, &ctl);
  if (d->main.pos > 0 && !d->probed && !d->start_over &&
      (!have_ctl ||
       ((g_strcmp0 (ctl.url_digest, digest) == 0 || job->task->relink == MEOW_RELINK_VERIFY) &&
        ctl.main_pos == -1 && ctl.total >= 0 && d->main.pos >= ctl.total)))
    {
      /* Bytes we have no record of (no control file: not ours), or all of
       * them already (nothing to GET): a HEAD says what the file is now,
       * as before a GET-first engine. */
      if (have_ctl)
        _meow_control_clear (&ctl);
      _meow_stream_send (&d->main, TRUE);
      return;
    }
  if (d->main.pos > 0)
    {
      gboolean changed = FALSE;

      if (have_ctl && !d->start_over)
        {
          if (g_strcmp0 (ctl.url_digest, digest) != 0 && job->task->relink == MEOW_RELINK_VERIFY)
            {
              /* Another link's bytes: this one has to show they are its
               * file (a probe here, else its first answer) before any is
               * kept or dropped. */
              d->relink_pending = TRUE;
              d->held_digest = g_strdup (ctl.url_digest);
            }
          if (g_strcmp0 (ctl.url_digest, digest) != 0 && !d->relink_pending)
            changed = TRUE;
          else if (d->have_probe &&
                   _meow_validators_compare (ctl.etag, ctl.last_modified, d->etag,
                                             d->last_modified) == MEOW_VALIDATORS_DIFFER)
            changed = TRUE;
          else if (d->have_probe && ctl.total >= 0 && job->total >= 0 && ctl.total != job->total)
            changed = TRUE;

          if (changed && d->relink_pending)
            {
              _meow_control_clear (&ctl);
              _meow_download_fail (job,
                                   _meow_download_link_differs (job, MEOW_RESTART_REMOTE_CHANGED));
              return;
            }
          if (!changed)
            {
              /* Resume with the validators (and the total) of the bytes
               * we hold; If-Range makes the server check them. */
              d->url_changed = ctl.url_changed;
              g_free (d->etag);
              d->etag = g_strdup (ctl.etag);
              g_free (d->last_modified);
              d->last_modified = g_strdup (ctl.last_modified);
              d->last_modified_strong = ctl.last_modified_strong;
              d->unverified = ctl.unverified;
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
                  _meow_job_debug (job, "%s failed its checksum before; downloading it again",
                                   d->part_path);
                  refetch = TRUE;
                }
            }
          if (!changed && !refetch && ctl.main_pos != -1 &&
              !_meow_download_restore_segments (job, &ctl, d->main.pos))
            {
              /* A split we cannot account for: its bytes are unknown. */
              _meow_job_debug (job, "The segment record of %s is inconsistent; starting over",
                               d->part_path);
              changed = TRUE;
            }
        }
      if (!changed && d->segments == NULL && job->total >= 0 && d->main.pos > job->total)
        changed = TRUE;
      if (changed && d->relink_pending)
        {
          if (have_ctl)
            _meow_control_clear (&ctl);
          _meow_download_fail (job, _meow_download_link_differs (job, MEOW_RESTART_REMOTE_CHANGED));
          return;
        }

      if (changed || refetch || d->start_over)
        {
          /* Bytes that failed a checksum are not "the remote changed", nor
           * are bytes the caller asked to drop (MEOW_CHANGE_URL_RESTART). */
          if (changed && !d->start_over)
            job->restart_reason = MEOW_RESTART_REMOTE_CHANGED;
          if (!_meow_download_open_part (job, TRUE, &error))
            {
              if (have_ctl)
                _meow_control_clear (&ctl);
              _meow_download_fail (job, g_steal_pointer (&error));
              return;
            }
        }
    }
  if (d->start_over)
    {
      /* Nothing of the old file is held any more: a new file on the new
       * link (its answer writes the control file). */
      d->start_over = FALSE;
      d->url_changed = FALSE;
      g_clear_pointer (&d->etag, g_free);
      g_clear_pointer (&d->last_modified, g_free);
      d->last_modified_strong = FALSE;
      d->unverified = FALSE;
      d->trusted_total = FALSE;
      job->total = -1;
      if (have_ctl)
        _meow_control_clear (&ctl);
      if (d->main.pos == 0)
        g_unlink (d->ctl_path);
      _meow_stream_send (&d->main, FALSE);
      return;
    }
  if (have_ctl)
    _meow_control_clear (&ctl);

  /* A .part without a control file gets one now (after the probe). An
   * empty .part needs none yet: the GET's headers write it, with the
   * validators and the total (one write per file, not two: bench/many
   * showed the extra temporary files and fsyncs costing more than the
   * bytes of 64 KiB files). */
  if (d->main.pos > 0 && !have_ctl)
    {
      /* The probe's validators are the file's now, not necessarily the
       * held bytes': an overlap has to vouch for those first. */
      d->unverified = TRUE;
      _meow_download_write_control (job);
    }

  if (d->segments != NULL)
    {
      _meow_download_segments_resume (job);
      return;
    }

  if (job->total >= 0 && d->main.pos == job->total && d->have_probe && guarded (d))
    {
      /* Everything is already here (and a strong validator agrees; else
       * the GET of the overlap compares the end of the file first). */
      _meow_download_relink_confirmed (job);
      _meow_engine_report_progress (job);
      _meow_download_finish (job);
      return;
    }

  _meow_stream_send (&d->main, FALSE);
}

/* The HEAD before a GET ended: what it said (a length and validators), or
 * nothing (refused, broken, silent about the length: presigned URLs often
 * answer HEAD with 403), is what the GET goes on from. */
static void
probe_done (MeowJob *job, CURLcode result)
{
  MeowDownload *d = _meow_download_get (job);

  d->probed = TRUE;
  if (result == CURLE_OK && d->main.verdict.kind == MEOW_VERDICT_PROBED)
    {
      d->have_probe = TRUE;
      d->ranges_ok = d->main.verdict.ranges;
      job->total = d->main.verdict.total;
      d->trusted_total = TRUE;
      _meow_download_take_validators (d, &d->main.head);
      _meow_download_start_get (job);
      return;
    }

  if (result != CURLE_OK)
    {
      g_autoptr (GError) error =
          _meow_engine_transport_error (job->engine, MEOW_DIRECTION_DOWNLOAD,
                                        _meow_download_url (job), result, d->main.curl_error);

      if (_meow_failure_classify (result, 0) == MEOW_FAILURE_FATAL)
        {
          _meow_download_fail (job, g_steal_pointer (&error));
          return;
        }
    }

  d->have_probe = FALSE;
  _meow_download_start_get (job);
}

/* ------------------------------------------------------------------ */
/* Driver entry points                                                 */

static MeowDownload *
download_data (MeowJob *job)
{
  MeowDownload *d = _meow_download_get (job);

  if (d == NULL)
    {
      d = g_new0 (MeowDownload, 1);
      d->fd = -1;
      d->verify_fd = -1;
      _meow_stream_init (&d->main, job, 0, 0, -1);
      job->driver_data = d;
    }
  return d;
}

static void
download_start (MeowJob *job)
{
  MeowDownload *d = download_data (job);

  d->main.retries = (MeowRetries){ 0 };
  d->main.high_water = 0;
  d->restarts = 0;
  d->probed = FALSE;
  d->have_probe = FALSE;
  d->plain_get = FALSE;
  /* A caller's size hint is for the records until the server says. */
  if (!d->trusted_total)
    job->total = -1;
  job->restart_reason = MEOW_RESTART_NONE;
  _meow_download_start_get (job);
}

static void
download_done (MeowJob *job, CURL *easy, CURLcode result)
{
  MeowDownload *d = _meow_download_get (job);
  MeowStream   *s = _meow_download_stream_for_easy (d, easy);

  if (s == NULL)
    g_warn_if_reached ();
  else if (s == &d->main && d->phase == MEOW_DOWNLOAD_PROBE)
    probe_done (job, result);
  else if (s == &d->main && d->phase != MEOW_DOWNLOAD_GET)
    g_warn_if_reached ();
  else
    _meow_stream_done (s, result);
}

static gint64
download_tick (MeowJob *job, gint64 now)
{
  MeowDownload *d = _meow_download_get (job);
  gint64        next = G_MAXINT64;

  if (d == NULL)
    return G_MAXINT64;

  if (d->commit != NULL)
    {
      /* Woken by the commit thread when it is done. */
      _meow_download_commit_tick (job);
      return G_MAXINT64;
    }

  /* A small file still in memory after its time goes to disk. */
  if (d->mem != NULL && now >= d->spill_at)
    {
      g_autoptr (GError) error = NULL;

      if (!_meow_download_spill (job, &error))
        {
          _meow_download_fail (job, g_steal_pointer (&error));
          return G_MAXINT64;
        }
      _meow_engine_report_progress (job);
    }
  if (d->mem != NULL)
    next = d->spill_at;

  /* Each may finish the job; then d is gone. */
  if (!_meow_download_segments_tick (job, now, &next) || !_meow_stream_tick (&d->main, now, &next))
    return G_MAXINT64;

  if (d->phase == MEOW_DOWNLOAD_VERIFY)
    {
      _meow_download_verify_step (job);
      return now; /* more to hash: come back at once */
    }
  return next;
}

static void
download_stop (MeowJob *job, MeowStopReason reason)
{
  MeowDownload *d = _meow_download_get (job);

  if (d != NULL)
    {
      g_autoptr (GError) error = NULL;

      _meow_download_segments_stop (job, reason != MEOW_STOP_CANCEL);
      /* A file being committed is not linked: its bytes are still here. */
      _meow_download_commit_abandon (d);
      /* Paused or closed: what arrived is kept, as for any download. */
      if (reason == MEOW_STOP_CANCEL)
        g_clear_pointer (&d->mem, g_byte_array_unref);
      else if (!_meow_download_spill (job, &error))
        _meow_job_debug (job, "Could not keep the bytes of %s: %s", _meow_download_url (job),
                         error->message);
    }

  if (d == NULL || d->part_path == NULL)
    {
      /* Never started in this session: a partial file left by an earlier
       * one for this exact target is still this task's to remove. */
      const char *file = job->task->output_file;

      if (reason == MEOW_STOP_CANCEL && !job->task->keep_partial && file != NULL &&
          !_meow_download_path_taken (file))
        {
          g_autofree char *part = g_strconcat (file, MEOW_PART_SUFFIX, NULL);
          g_autofree char *ctl = g_strconcat (file, MEOW_CONTROL_SUFFIX, NULL);

          g_unlink (part);
          g_unlink (ctl);
        }
      if (d == NULL)
        return;
    }

  _meow_stream_release (&d->main);
  _meow_download_close_part (d);
  if (d->verify_fd >= 0)
    {
      close (d->verify_fd);
      d->verify_fd = -1;
    }
  d->phase = MEOW_DOWNLOAD_IDLE;

  if (reason == MEOW_STOP_CANCEL && !job->task->keep_partial && d->part_path)
    {
      g_unlink (d->part_path);
      g_unlink (d->ctl_path);
      _meow_download_remove_control_temporaries (d);
    }
}

static void
download_free (MeowJob *job)
{
  MeowDownload *d = _meow_download_get (job);

  if (d == NULL)
    return;

  _meow_download_segments_drop (job);
  _meow_stream_clear (&d->main);
  _meow_download_close_part (d);
  _meow_download_commit_abandon (d);
  g_clear_pointer (&d->mem, g_byte_array_unref);
  if (d->verify_fd >= 0)
    close (d->verify_fd);
  g_clear_pointer (&d->checksum, g_checksum_free);
  g_free (d->name);
  g_free (d->target);
  g_free (d->part_path);
  g_free (d->ctl_path);
  g_free (d->effective_url);
  g_free (d->etag);
  g_free (d->last_modified);
  g_free (d->bad_checksum);
  g_free (d->held_digest);
  g_free (d);
  job->driver_data = NULL;
}

static void
download_wake (MeowJob *job)
{
  MeowDownload *d = _meow_download_get (job);

  /* Due at once: the next tick sends them (1 is before any "now"). */
  if (d->main.retry_at > 0)
    d->main.retry_at = 1;
  for (guint i = 0; d->segments && i < d->segments->len; i++)
    {
      MeowStream *seg = g_ptr_array_index (d->segments, i);

      if (seg->retry_at > 0)
        seg->retry_at = 1;
    }
}

static void
download_limit (MeowJob *job, guint64 bytes_per_second)
{
  MeowDownload *d = _meow_download_get (job);

  if (d == NULL || d->limit == bytes_per_second)
    return;
  d->limit = bytes_per_second;
  _meow_stream_limit_changed (&d->main);
  for (guint i = 0; d->segments && i < d->segments->len; i++)
    _meow_stream_limit_changed (g_ptr_array_index (d->segments, i));
}

static void
download_relink (MeowJob *job, MeowChangeUrlFlags flags)
{
  MeowDownload *d = download_data (job);

  /* The next start reads the control file again: its URL is the old
   * one, so the new link has to vouch for the bytes (job->task->relink is
   * MEOW_RELINK_VERIFY), unless they are to go. */
  d->start_over = (flags & MEOW_CHANGE_URL_RESTART) != 0;
  g_clear_pointer (&d->effective_url, g_free);
}

const MeowDriver _meow_download_driver = {
  .start = download_start,
  .done = download_done,
  .tick = download_tick,
  .stop = download_stop,
  .free = download_free,
  .limit = download_limit,
  .wake = download_wake,
  .relink = download_relink,
  .retune = _meow_download_segments_retune,
  .segments = _meow_download_segments_map,
};
