/* meow-download-target.c: a download's file name, its .part, the rename
 *
 * TARGET is the caller's file, or the folder plus a safe name from the
 * answer's Content-Disposition, the effective URL or "download"; never an
 * existing file (unless overwriting is allowed) nor another live job's
 * target: then "name (1).ext", numbered by _meow_unique_path_full(). Bytes
 * go to TARGET.part (never through a symlink), written with pwrite() at
 * each stream's position; complete, the .part is renamed onto TARGET
 * without replacing anything. Worker thread only.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "meow-download-private.h"
#include "meow-error.h"
#include "meow-i18n-private.h"

/* TRUE when @path exists in any form (a dangling symlink too). */
gboolean
_meow_download_path_taken (const char *path)
{
  GStatBuf st;
  return g_lstat (path, &st) == 0;
}

static gboolean
claimed_by_other_job (const char *path, gpointer job)
{
  return _meow_engine_target_claimed (((MeowJob *) job)->engine, job, path);
}

/* Picks TARGET (once): the caller's file, or the folder + a safe name from
 * @content_disposition, @effective_url, the task's URL or "download".
 * Never an existing file (unless overwriting is allowed) nor another live
 * job's target: then "name (1).ext". Sets the .part and control file paths
 * and the job's local path. A TARGET.part without TARGET is the caller's
 * to resume. */
gboolean
_meow_download_decide_target (MeowJob    *job,
                              const char *content_disposition,
                              const char *effective_url,
                              GError    **error)
{
  MeowDownload    *d = _meow_download_get (job);
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
      if (content_disposition)
        {
          g_autofree char *raw = _meow_content_disposition_filename (content_disposition);
          if (raw)
            name = _meow_sanitize_file_name (raw);
        }
      if (name == NULL && effective_url)
        name = _meow_file_name_from_url (effective_url);
      if (name == NULL)
        name = _meow_file_name_from_url (task->url);
      if (name == NULL)
        name = g_strdup ("download");
    }

  if (!g_file_test (dir, G_FILE_TEST_IS_DIR))
    {
      g_set_error (error, MEOW_ERROR, MEOW_ERROR_FILE_NOT_FOUND,
                   _ ("The folder “%s” does not exist."), dir);
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
                   _ ("Every name like “%s” in “%s” is taken."), name, dir);
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

/* TARGET was taken (by someone else) since it was decided: the next free
 * name like it, numbered as _meow_download_decide_target() numbers them.
 * FALSE: every one is taken. */
gboolean
_meow_download_renumber_target (MeowJob *job, GError **error)
{
  MeowDownload    *d = _meow_download_get (job);
  g_autofree char *dir = g_path_get_dirname (d->target);
  char            *next = _meow_unique_path_full (dir, d->name, claimed_by_other_job, job);

  if (next == NULL)
    {
      g_set_error (error, MEOW_ERROR, MEOW_ERROR_TARGET_EXISTS,
                   _ ("Every name like “%s” in “%s” is taken."), d->name, dir);
      return FALSE;
    }
  g_free (d->target);
  d->target = next;
  _meow_engine_set_local_path (job, d->target);
  return TRUE;
}

/* The messages of _meow_download_io_error(), one whole sentence per operation: when it
 * failed for a reason (%s: the path, then the system's reason) and when the disk is full
 * (%s: the path). */
static const struct
{
  const char *failed;
  const char *full;
} io_messages[] = {
  [MEOW_FILE_OP_CREATE] = {
    /* Translators: the first %s is a file's path, the second the system's reason. */
    /* xgettext:c-format */
    N_ ("Could not create “%s”: %s"),
    /* Translators: %s is a file's path. */
    /* xgettext:c-format */
    N_ ("The disk is full; could not create “%s”. The download can resume when there is "
        "space."),
  },
  [MEOW_FILE_OP_OPEN] = {
    /* Translators: the first %s is a file's path, the second the system's reason. */
    /* xgettext:c-format */
    N_ ("Could not open “%s”: %s"),
    /* Translators: %s is a file's path. */
    /* xgettext:c-format */
    N_ ("The disk is full; could not open “%s”. The download can resume when there is space."),
  },
  [MEOW_FILE_OP_TRUNCATE] = {
    /* Translators: the first %s is a file's path, the second the system's reason. */
    /* xgettext:c-format */
    N_ ("Could not truncate “%s”: %s"),
    /* Translators: %s is a file's path. */
    /* xgettext:c-format */
    N_ ("The disk is full; could not truncate “%s”. The download can resume when there is "
        "space."),
  },
  [MEOW_FILE_OP_WRITE] = {
    /* Translators: the first %s is a file's path, the second the system's reason. */
    /* xgettext:c-format */
    N_ ("Could not write “%s”: %s"),
    /* Translators: %s is a file's path. */
    /* xgettext:c-format */
    N_ ("The disk is full; could not write “%s”. The download can resume when there is space."),
  },
  [MEOW_FILE_OP_FLUSH] = {
    /* Translators: the first %s is a file's path, the second the system's reason. */
    /* xgettext:c-format */
    N_ ("Could not flush “%s” to the disk: %s"),
    /* Translators: %s is a file's path. */
    /* xgettext:c-format */
    N_ ("The disk is full; could not flush “%s” to the disk. The download can resume when "
        "there is space."),
  },
  [MEOW_FILE_OP_READ] = {
    /* Translators: the first %s is a file's path, the second the system's reason. */
    /* xgettext:c-format */
    N_ ("Could not read “%s”: %s"),
    /* Translators: %s is a file's path. */
    /* xgettext:c-format */
    N_ ("The disk is full; could not read “%s”. The download can resume when there is space."),
  },
  [MEOW_FILE_OP_RENAME] = {
    /* Translators: the first %s is a file's path, the second the system's reason. */
    /* xgettext:c-format */
    N_ ("Could not rename “%s”: %s"),
    /* Translators: %s is a file's path. */
    /* xgettext:c-format */
    N_ ("The disk is full; could not rename “%s”. The download can resume when there is "
        "space."),
  },
};

/* The one error for the local file operation @op on @path that failed with
 * @saved_errno: DISK_FULL when the disk is full, else G_IO_ERROR ("Could not write
 * “PATH”: reason"). Returns: (transfer full). */
GError *
_meow_download_io_error (int saved_errno, MeowFileOp op, const char *path)
{
  g_return_val_if_fail (op > MEOW_FILE_OP_NONE && op < G_N_ELEMENTS (io_messages), NULL);

  if (saved_errno == ENOSPC || saved_errno == EDQUOT)
    return g_error_new (MEOW_ERROR, MEOW_ERROR_DISK_FULL, _ (io_messages[op].full), path);
  return g_error_new (G_IO_ERROR, g_io_error_from_errno (saved_errno), _ (io_messages[op].failed),
                      path, g_strerror (saved_errno));
}

/* Opens the .part for writing and reading (the overlap of a resume is
 * compared with it; never through a symlink), emptied with
 * @truncate_it; the first stream then goes on from its end. */
gboolean
_meow_download_open_part (MeowJob *job, gboolean truncate_it, GError **error)
{
  MeowDownload *d = _meow_download_get (job);
  struct stat   st;
  int           fd;

  _meow_download_close_part (d);

  fd = open (d->part_path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
  if (fd < 0)
    {
      int saved = errno;
      if (saved == ELOOP)
        {
          g_set_error (error, MEOW_ERROR, MEOW_ERROR_IO,
                       _ ("“%s” is a symbolic link; refusing to write through it. Remove it to "
                          "download the file again."),
                       d->part_path);
          return FALSE;
        }
      if (saved == EISDIR)
        {
          g_set_error (error, MEOW_ERROR, MEOW_ERROR_IO,
                       _ ("“%s” is in the way of the partial download: it is a folder. Remove it, "
                          "or save the download under another name."),
                       d->part_path);
          return FALSE;
        }
      g_propagate_error (error, _meow_download_io_error (saved, MEOW_FILE_OP_OPEN, d->part_path));
      return FALSE;
    }
  if (fstat (fd, &st) != 0 || !S_ISREG (st.st_mode))
    {
      close (fd);
      g_set_error (
          error, MEOW_ERROR, MEOW_ERROR_IO,
          _ ("“%s” is in the way of the partial download: it is not a regular file. Remove "
             "it, or save the download under another name."),
          d->part_path);
      return FALSE;
    }
  if (truncate_it && st.st_size > 0)
    {
      if (ftruncate (fd, 0) != 0)
        {
          int saved = errno;
          close (fd);
          g_propagate_error (error,
                             _meow_download_io_error (saved, MEOW_FILE_OP_TRUNCATE, d->part_path));
          return FALSE;
        }
      st.st_size = 0;
    }

  d->fd = fd;
  d->main.pos = st.st_size;
  d->main.writeback_from = d->main.pos;
  job->transferred = d->main.pos;
  return TRUE;
}

void
_meow_download_close_part (MeowDownload *d)
{
  if (d->fd >= 0)
    {
      close (d->fd);
      d->fd = -1;
    }
}

/* Writes @len bytes of @data into the .part at @at; *@written says how
 * many went (what did is on disk, and the caller counts it). */
gboolean
_meow_download_write_part (
    MeowDownload *d, const char *data, gsize len, gint64 at, gsize *written, GError **error)
{
  gsize done = 0;

  while (done < len)
    {
      ssize_t n = pwrite (d->fd, data + done, len - done, at + (gint64) done);

      if (n <= 0)
        {
          int saved = n < 0 ? errno : EIO;

          if (saved == EINTR)
            continue;
          *written = done;
          g_propagate_error (error,
                             _meow_download_io_error (saved, MEOW_FILE_OP_WRITE, d->part_path));
          return FALSE;
        }
      done += (gsize) n;
    }
  *written = done;
  return TRUE;
}

/* Renames the .part onto TARGET, never replacing a file (unless the task
 * overwrites): a name taken meanwhile becomes "name (1).ext". */
gboolean
_meow_download_rename_into_place (MeowJob *job, GError **error)
{
  MeowDownload *d = _meow_download_get (job);

  for (guint n = 0; n < MEOW_DOWNLOAD_MAX_RENAME_RACES; n++)
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
          if (!_meow_download_renumber_target (job, error))
            return FALSE;
          continue;
        }

      g_propagate_error (error, _meow_download_io_error (errno, MEOW_FILE_OP_RENAME, d->part_path));
      return FALSE;
    }

  g_set_error (error, MEOW_ERROR, MEOW_ERROR_TARGET_EXISTS, _ ("Every name like “%s” is taken."),
               d->target);
  return FALSE;
}
