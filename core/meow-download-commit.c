/* meow-download-commit.c: small files, held in memory and written off-thread
 *
 * A new file whose total (from the headers) is at most MEMORY_MAX, with no
 * checksum to verify, no overwrite and no split to make, is held in
 * memory. Complete, a commit thread writes it once to an unnamed file in
 * the target folder (O_TMPFILE) and flushes it while the worker drives the
 * other transfers; woken, the worker links it onto TARGET with linkat(),
 * which never replaces: no .part, no control file, one inode per file
 * (bench/many: ext4's inode allocation for the .part and control files was
 * most of the CPU). Anything else — pause, close, a failure, a body still
 * arriving after MEMORY_SPILL_AFTER, a file system without O_TMPFILE —
 * first spills it to the usual .part and control file, in the usual order.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <unistd.h>

#include "meow-download-private.h"
#include "meow-error.h"
#include "meow-i18n-private.h"
#include "meow-log-private.h"

/* A crash loses at most this long of such a download; progress records
 * show its bytes once they are on disk. */
#define MEMORY_SPILL_AFTER (250 * 1000)
/* Threads that create, write and flush small files. */
#define COMMIT_THREADS 4

/* A small file's bytes on their way to disk, off the worker thread: a
 * commit thread creates an unnamed file (O_TMPFILE) in the target folder,
 * writes @mem and flushes it — the slow part, inode allocation and the
 * device's flush — while the worker drives the other transfers. The worker
 * alone links the file onto its name (commit_done), so nothing becomes
 * visible behind its back: a pause or close meanwhile waits for the thread
 * (a bounded write of at most MEMORY_MAX bytes) and drops the unnamed
 * file. Everything after `done` is set is under @lock; the worker frees it
 * once it has seen `done`. */
struct _MeowCommit
{
  MeowEngine *engine;
  char       *dir;
  GByteArray *mem; /* a reference; not changed while the thread runs */
  GMutex      lock;
  GCond       cond;
  gboolean    done;
  int         fd;          /* the unnamed file, written and flushed, or -1 */
  MeowFileOp  failed;      /* CREATE, WRITE, FLUSH or NONE */
  int         saved_errno; /* of the step that failed */
  char       *origin;      /* the origin attributes' values (or NULL) */
  char       *referrer;
};

/* Holds the body of a new file in memory (d->mem) when it is small enough
 * to be kept until it is complete (the tick spills it at
 * MEMORY_SPILL_AFTER). FALSE: it is not; it goes to the .part. */
gboolean
_meow_download_hold_in_memory (MeowJob *job)
{
  MeowDownload *d = _meow_download_get (job);
  guint64       min = _meow_engine_get_config (job->engine)->min_segment_size;

  if (!(d->trusted_total && job->total >= 0 && job->total <= MEOW_DOWNLOAD_MEMORY_MAX &&
        d->main.req_offset == 0 && d->fd < 0 && d->segments == NULL && d->main.end < 0 &&
        !job->task->overwrite && meow_task_get_checksum (job->task, NULL) == MEOW_CHECKSUM_NONE &&
        !(_meow_download_wanted_segments (job) > 1 && job->total >= (gint64) (2 * min))))
    return FALSE;
  d->mem = g_byte_array_sized_new ((guint) job->total);
  /* Inside a curl callback: the tick after this pass sees it. */
  d->spill_at = g_get_monotonic_time () + MEMORY_SPILL_AFTER;
  return TRUE;
}

/* A small file held in memory goes to its .part after all (paused, failed,
 * slower than MEMORY_SPILL_AFTER): the .part is created, the control file
 * written, then the bytes — the same order as for any download, so a
 * non-empty .part always has its control file. The buffer is freed either
 * way; without one, nothing to do. */
gboolean
_meow_download_spill (MeowJob *job, GError **error)
{
  MeowDownload *d = _meow_download_get (job);
  g_autoptr (GByteArray) mem = g_steal_pointer (&d->mem);
  gsize    written = 0;
  gboolean ok;

  d->spill_at = 0;
  if (mem == NULL)
    return TRUE;
  if (mem->len == 0)
    {
      /* Nothing arrived: nothing to keep, and no file to make. */
      d->main.pos = 0;
      return TRUE;
    }
  if (!_meow_download_open_part (job, TRUE, error))
    return FALSE;
  _meow_download_write_control (job);
  ok = _meow_download_write_part (d, (const char *) mem->data, mem->len, 0, &written, error);
  /* What was written is on disk (a prefix), and counted. */
  d->main.pos = (gint64) written;
  _meow_download_update_transferred (job);
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
  MeowCommit *c = data;
  MeowFileOp  failed = MEOW_FILE_OP_NONE;
  int         saved = 0;
  int         fd = open (c->dir, O_TMPFILE | O_WRONLY | O_CLOEXEC, 0644);

  if (fd < 0)
    {
      failed = MEOW_FILE_OP_CREATE;
      saved = errno;
    }
  else
    {
      gsize done = 0;

      while (failed == MEOW_FILE_OP_NONE && done < c->mem->len)
        {
          ssize_t n = write (fd, c->mem->data + done, c->mem->len - done);

          if (n >= 0)
            done += n;
          else if (errno != EINTR)
            {
              failed = MEOW_FILE_OP_WRITE;
              saved = errno;
            }
        }
      if (failed == MEOW_FILE_OP_NONE)
        _meow_download_write_origin (fd, c->origin, c->referrer);
      /* The final name must never show half-written bytes, even after a
       * power cut: flush before the link. */
      if (failed == MEOW_FILE_OP_NONE && fdatasync (fd) != 0)
        {
          failed = MEOW_FILE_OP_FLUSH;
          saved = errno;
        }
      if (failed != MEOW_FILE_OP_NONE)
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

/* Hands the complete small file to a commit thread; the tick links it. */
void
_meow_download_commit_start (MeowJob *job)
{
  static GOnce  pool_once = G_ONCE_INIT;
  MeowDownload *d = _meow_download_get (job);
  MeowCommit   *c = g_new0 (MeowCommit, 1);

  c->engine = job->engine;
  c->dir = g_path_get_dirname (d->target);
  c->mem = g_byte_array_ref (d->mem);
  c->origin = _meow_download_origin_url (job);
  c->referrer = _meow_download_referrer_url (job);
  c->fd = -1;
  g_mutex_init (&c->lock);
  g_cond_init (&c->cond);
  d->commit = c;
  d->phase = MEOW_DOWNLOAD_COMMIT;
  g_thread_pool_push (g_once (&pool_once, commit_pool_new, NULL), c, NULL);
}

static gboolean
commit_is_done (MeowCommit *c, gboolean wait)
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
commit_free (MeowCommit *c)
{
  if (c->fd >= 0)
    close (c->fd); /* unnamed and never linked: the file system drops it */
  g_byte_array_unref (c->mem);
  g_free (c->origin);
  g_free (c->referrer);
  g_free (c->dir);
  g_mutex_clear (&c->lock);
  g_cond_clear (&c->cond);
  g_free (c);
}

/* Stop, free: waits for the commit thread and drops its unnamed file; the
 * bytes stay in d->mem (a pause spills them). */
void
_meow_download_commit_abandon (MeowDownload *d)
{
  if (d->commit == NULL)
    return;
  commit_is_done (d->commit, TRUE);
  g_clear_pointer (&d->commit, commit_free);
  d->phase = MEOW_DOWNLOAD_IDLE;
}

/* Links the commit thread's file onto TARGET — or "name (1).ext" when
 * TARGET was taken meanwhile; link() never replaces. FALSE: *@error is set,
 * or @fallback says to finish through a .part (no O_TMPFILE or linkat
 * here). */
static gboolean
commit_link (MeowJob *job, MeowCommit *c, gboolean *fallback, GError **error)
{
  MeowDownload *d = _meow_download_get (job);

  *fallback = FALSE;
  if (c->failed == MEOW_FILE_OP_CREATE)
    {
      _meow_job_debug (job, "No unnamed file in %s (%s); writing a .part", c->dir,
                       g_strerror (c->saved_errno));
      *fallback = TRUE;
      return FALSE;
    }
  if (c->failed != MEOW_FILE_OP_NONE)
    {
      g_propagate_error (error, _meow_download_io_error (c->saved_errno, c->failed, d->target));
      return FALSE;
    }
  for (guint n = 0; n < MEOW_DOWNLOAD_MAX_RENAME_RACES; n++)
    {
      if (link_unnamed (c->fd, d->target) == 0)
        return TRUE;
      if (errno != EEXIST)
        {
          _meow_job_debug (job, "Could not link %s (%s); writing a .part", d->target,
                           g_strerror (errno));
          *fallback = TRUE;
          return FALSE;
        }
      /* Someone created TARGET meanwhile: keep theirs, take a new name. */
      if (!_meow_download_renumber_target (job, error))
        return FALSE;
    }
  g_set_error (error, MEOW_ERROR, MEOW_ERROR_TARGET_EXISTS, _ ("Every name like “%s” is taken."),
               d->target);
  return FALSE;
}

/* The commit thread is done: link, or fall back, or fail. */
static void
commit_done (MeowJob *job)
{
  MeowDownload *d = _meow_download_get (job);
  MeowCommit   *c = g_steal_pointer (&d->commit);
  g_autoptr (GError) error = NULL;
  gboolean fallback = FALSE;
  gboolean linked = commit_link (job, c, &fallback, &error);

  commit_free (c);
  d->phase = MEOW_DOWNLOAD_IDLE;
  if (linked)
    {
      g_autofree char *payload = g_strdup (d->target);
      g_autofree char *ctl = g_strconcat (d->target, MEOW_CONTROL_SUFFIX, NULL);

      /* A control file left without its .part (the .part removed by hand
       * after a pause) is not left beside the finished file, nor are the
       * temporaries of its writes. Without one there is nothing to sweep
       * but the first write's of a run killed inside it: listing the
       * folder for every small file made each completion cost as much as
       * the folder is large (a quarter of meow-cli's CPU for 1,000 files
       * into one folder, bench/https). */
      if (g_str_equal (ctl, d->ctl_path) && g_unlink (d->ctl_path) == 0)
        _meow_download_remove_control_temporaries (d);

      g_clear_pointer (&d->mem, g_byte_array_unref);
      _meow_download_update_transferred (job);
      _meow_engine_finish (job, MEOW_STATUS_COMPLETE, NULL, payload);
      return;
    }
  /* Through a .part and a rename, as usual (spill keeps the bytes of a
   * failure too). */
  if (!fallback || !_meow_download_spill (job, &error))
    {
      _meow_download_fail (job, g_steal_pointer (&error));
      return;
    }
  _meow_download_finish (job);
}

/* The tick while a commit is under way: when the thread is done (it wakes
 * the worker), finish. May finish the job. */
void
_meow_download_commit_tick (MeowJob *job)
{
  MeowDownload *d = _meow_download_get (job);

  if (commit_is_done (d->commit, FALSE))
    commit_done (job);
}
