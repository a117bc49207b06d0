/* meow-download-finish.c: a download's checksum and completion
 *
 * All the bytes are in: a small file held in memory goes to its commit
 * thread; anything else is verified against the task's checksum (if any,
 * 4 MiB a tick, so other transfers keep flowing), checked still to be the
 * .part we wrote, flushed and renamed onto TARGET. Worker thread only.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "meow-download-private.h"
#include "meow-error.h"
#include "meow-http-private.h"
#include "meow-i18n-private.h"

#define HASH_STEP (4 * 1024 * 1024)

/* The .part must still be the file we wrote: same inode, still linked. */
static gboolean
part_still_ours (MeowJob *job, GError **error)
{
  MeowDownload *d = _meow_download_get (job);
  struct stat   fst, pst;

  if (d->fd < 0)
    return TRUE;
  if (fstat (d->fd, &fst) != 0 || fst.st_nlink == 0 || lstat (d->part_path, &pst) != 0 ||
      fst.st_ino != pst.st_ino || fst.st_dev != pst.st_dev)
    {
      g_set_error (error, MEOW_ERROR, MEOW_ERROR_LOCAL_FILE_REMOVED,
                   _ ("The partial file “%s” was removed or replaced during the download."),
                   d->part_path);
      return FALSE;
    }
  return TRUE;
}

/* The URL the bytes came from, for the origin attribute: the first
 * stream's effective URL (after redirects, as curl --xattr and Chromium
 * record it), else the task's; without credentials. */
char *
_meow_download_origin_url (MeowJob *job)
{
  MeowDownload *d = _meow_download_get (job);

  return _meow_url_without_userinfo (d->effective_url ? d->effective_url : job->task->url);
}

/* The task's Referer header, without credentials, or NULL. */
char *
_meow_download_referrer_url (MeowJob *job)
{
  const char *const *headers = meow_task_get_headers (job->task);

  for (gsize i = 0; headers && headers[i]; i++)
    {
      const char *value = _meow_header_line_value (headers[i], "Referer");

      if (value != NULL)
        return *value ? _meow_url_without_userinfo (value) : NULL;
    }
  return NULL;
}

static void
set_attribute (int fd, const char *name, const char *value)
{
  /* Not every file system takes user attributes (or one this long): the
   * file is still complete without them. */
  if (fsetxattr (fd, name, value, strlen (value), 0) != 0)
    _meow_engine_log (G_LOG_LEVEL_DEBUG, "Could not set %s on a finished download: %s", name,
                      g_strerror (errno));
}

/* Writes the freedesktop origin attributes (user.xdg.origin.url and, when
 * @referrer is not NULL, user.xdg.referrer.url) on @fd, as Chromium, wget
 * --xattr and curl --xattr do. A file system that refuses them is not an
 * error. Any thread. */
void
_meow_download_write_origin (int fd, const char *origin, const char *referrer)
{
  if (origin != NULL)
    set_attribute (fd, "user.xdg.origin.url", origin);
  if (referrer != NULL)
    set_attribute (fd, "user.xdg.referrer.url", referrer);
}

static void
complete (MeowJob *job)
{
  MeowDownload *d = _meow_download_get (job);
  g_autoptr (GError) error = NULL;
  g_autofree char *payload = NULL;

  if (!part_still_ours (job, &error))
    {
      _meow_download_fail (job, g_steal_pointer (&error));
      return;
    }

  if (d->fd >= 0)
    {
      g_autofree char *origin = _meow_download_origin_url (job);
      g_autofree char *referrer = _meow_download_referrer_url (job);

      _meow_download_write_origin (d->fd, origin, referrer);
    }

  /* The final name must never show half-written bytes, even after a power
   * cut: flush before the rename. (fdatasync may leave the attributes to
   * the file system's next commit: a power cut can lose them, never the
   * bytes.) */
  if (d->fd >= 0 && fdatasync (d->fd) != 0)
    {
      _meow_download_fail (job, _meow_download_io_error (errno, MEOW_FILE_OP_FLUSH, d->part_path));
      return;
    }
  _meow_download_close_part (d);

  if (!_meow_download_rename_into_place (job, &error))
    {
      _meow_download_fail (job, g_steal_pointer (&error));
      return;
    }
  g_unlink (d->ctl_path);
  _meow_download_remove_control_temporaries (d);

  payload = g_strdup (d->target);
  d->phase = MEOW_DOWNLOAD_IDLE;
  _meow_engine_finish (job, MEOW_STATUS_COMPLETE, NULL, payload);
}

/* Finishes a download whose bytes are all in: commit (held in memory),
 * verify, or complete. May finish the job. */
void
_meow_download_finish (MeowJob *job)
{
  MeowDownload    *d = _meow_download_get (job);
  MeowChecksumType type;
  const char      *hex;
  GChecksumType    gtype;
  g_autoptr (GError) error = NULL;

  if (d->mem)
    {
      /* Written and flushed off the worker thread; the tick links it. */
      _meow_download_commit_start (job);
      return;
    }

  type = meow_task_get_checksum (job->task, &hex);
  _meow_download_update_transferred (job);

  if (type == MEOW_CHECKSUM_NONE)
    {
      complete (job);
      return;
    }

  if (!part_still_ours (job, &error))
    {
      _meow_download_fail (job, g_steal_pointer (&error));
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
      _meow_download_fail (job, _meow_download_io_error (errno, MEOW_FILE_OP_READ, d->part_path));
      return;
    }
  d->phase = MEOW_DOWNLOAD_VERIFY;
  _meow_engine_wakeup (job->engine);
}

/* One step of hashing (a tick's worth), then the verdict on the bytes.
 * May finish the job. */
void
_meow_download_verify_step (MeowJob *job)
{
  MeowDownload      *d = _meow_download_get (job);
  g_autofree guchar *buf = g_malloc (HASH_STEP);
  ssize_t            n = read (d->verify_fd, buf, HASH_STEP);
  const char        *want;
  const char        *got;

  if (n < 0)
    {
      int saved = errno;
      close (d->verify_fd);
      d->verify_fd = -1;
      _meow_download_fail (job, _meow_download_io_error (saved, MEOW_FILE_OP_READ, d->part_path));
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
      _meow_download_write_control (job);
      _meow_download_fail (
          job, g_error_new (MEOW_ERROR, MEOW_ERROR_CHECKSUM_MISMATCH,
                            _ ("The downloaded file does not match the expected %s checksum "
                               "(expected %s, got %s); it was kept as “%s”. Retrying downloads "
                               "it again."),
                            kind, want, got, d->part_path));
      return;
    }

  complete (job);
}
