/* meow-download-control.c: the control file beside a download's .part
 *
 * TARGET.part.meow (JSON) records what the bytes in TARGET.part belong
 * to: a hash of the URL, the validators (strong ETag, Last-Modified) and
 * the total seen when the .part was started (and whether the date is a
 * strong validator, whether the bytes still wait for an overlap to vouch
 * for them), a checksum they failed, and
 * for a split download the first stream's position and every segment's
 * [start, pos, end]. It is written after the .part exists and, for
 * positions, only after an fdatasync of the .part (checkpoint), so it
 * never claims bytes that are not on disk. Worker thread only.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <string.h>
#include <sys/stat.h>

#include "meow-download-private.h"
#include "meow-log-private.h"

/* Returns: (transfer full): the SHA-256 of the task's URL. */
char *
_meow_download_url_digest (MeowJob *job)
{
  return g_compute_checksum_for_string (G_CHECKSUM_SHA256, job->task->url, -1);
}

/* TRUE when @name is @ctl_name followed by "." and the six letters or
 * digits g_file_set_contents_full() puts in its temporary's name. */
static gboolean
is_control_temporary (const char *name, const char *ctl_name, gsize ctl_len)
{
  const char *tail;

  if (strncmp (name, ctl_name, ctl_len) != 0 || name[ctl_len] != '.')
    return FALSE;
  tail = name + ctl_len + 1;
  if (strlen (tail) != 6)
    return FALSE;
  for (const char *p = tail; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p))
      return FALSE;
  return TRUE;
}

/* Removes TARGET.part.meow.XXXXXX files beside the control file: the
 * temporaries of an atomic control write that a process killed between
 * creating and renaming one left behind. Only this download writes its
 * control file (the target is claimed), so any such file is stale. */
void
_meow_download_remove_control_temporaries (MeowDownload *d)
{
  g_autofree char *dir = NULL;
  g_autofree char *ctl_name = NULL;
  g_autoptr (GDir) listing = NULL;
  const char *name;
  gsize       ctl_len;

  if (d->ctl_path == NULL)
    return;
  dir = g_path_get_dirname (d->ctl_path);
  ctl_name = g_path_get_basename (d->ctl_path);
  ctl_len = strlen (ctl_name);
  listing = g_dir_open (dir, 0, NULL);
  if (listing == NULL)
    return;
  while ((name = g_dir_read_name (listing)) != NULL)
    if (is_control_temporary (name, ctl_name, ctl_len))
      {
        g_autofree char *path = g_build_filename (dir, name, NULL);

        if (g_unlink (path) == 0)
          _meow_engine_log (G_LOG_LEVEL_DEBUG, "Removed a stale control temporary %s", path);
      }
}

/* Writes the control file for what the download holds now (atomically,
 * flushed). A failure is only logged: the next write tries again. */
void
_meow_download_write_control (MeowJob *job)
{
  MeowDownload *d = _meow_download_get (job);
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (JsonGenerator) gen = json_generator_new ();
  g_autoptr (JsonNode) root = NULL;
  g_autofree char *data = NULL;
  g_autofree char *digest = _meow_download_url_digest (job);
  g_autoptr (GError) error = NULL;

  /* A new link not yet shown to give these bytes: they stay the old
   * URL's, so the next start checks again. */
  if (d->relink_pending && d->held_digest != NULL)
    {
      g_free (digest);
      digest = g_strdup (d->held_digest);
    }

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "version");
  json_builder_add_int_value (b, 1);
  json_builder_set_member_name (b, "url-sha256");
  json_builder_add_string_value (b, digest);
  json_builder_set_member_name (b, "etag");
  json_builder_add_string_value (b, d->etag);
  json_builder_set_member_name (b, "last-modified");
  json_builder_add_string_value (b, d->last_modified);
  if (d->last_modified_strong)
    {
      /* A second older than its answer's Date: good for If-Range. */
      json_builder_set_member_name (b, "last-modified-strong");
      json_builder_add_boolean_value (b, TRUE);
    }
  if (d->unverified)
    {
      /* The bytes came without a control file and no overlap matched yet:
       * the validators are the server's, not the bytes'. */
      json_builder_set_member_name (b, "unverified");
      json_builder_add_boolean_value (b, TRUE);
    }
  if (d->url_changed)
    {
      /* The bytes were started from another link, which this one continued. */
      json_builder_set_member_name (b, "url-changed");
      json_builder_add_boolean_value (b, TRUE);
    }
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
      /* Positions are written after a flush of the bytes (checkpoint). */
      json_builder_set_member_name (b, "main-pos");
      json_builder_add_int_value (b, d->main.pos);
      json_builder_set_member_name (b, "main-end");
      json_builder_add_int_value (b, d->main.end);
      json_builder_set_member_name (b, "segments");
      json_builder_begin_array (b);
      for (guint i = 0; i < d->segments->len; i++)
        {
          MeowStream *seg = g_ptr_array_index (d->segments, i);

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
    _meow_job_debug (job, "Could not write %s: %s", d->ctl_path, error->message);
}

/* Reads the download's control file into @out (cleared first; free it
 * with _meow_control_clear() after a TRUE). FALSE: there is none, or it is
 * not one. */
static gboolean
read_control_file (const char *ctl_path, MeowControl *out)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  JsonObject *obj;
  JsonNode   *root;

  memset (out, 0, sizeof *out);
  out->total = -1;
  out->main_pos = -1;
  out->main_end = -1;

  if (!json_parser_load_from_file (parser, ctl_path, NULL))
    return FALSE;
  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    return FALSE;
  obj = json_node_get_object (root);
  out->url_digest = g_strdup (json_object_get_string_member_with_default (obj, "url-sha256", NULL));
  out->etag = g_strdup (json_object_get_string_member_with_default (obj, "etag", NULL));
  out->last_modified =
      g_strdup (json_object_get_string_member_with_default (obj, "last-modified", NULL));
  out->last_modified_strong =
      json_object_get_boolean_member_with_default (obj, "last-modified-strong", FALSE);
  out->unverified = json_object_get_boolean_member_with_default (obj, "unverified", FALSE);
  out->url_changed = json_object_get_boolean_member_with_default (obj, "url-changed", FALSE);
  out->total = json_object_get_int_member_with_default (obj, "total", -1);
  out->main_pos = json_object_get_int_member_with_default (obj, "main-pos", -1);
  out->main_end = json_object_get_int_member_with_default (obj, "main-end", -1);
  out->failed_checksum =
      g_strdup (json_object_get_string_member_with_default (obj, "failed-checksum", NULL));
  if (json_object_has_member (obj, "segments"))
    {
      JsonArray *arr = json_object_get_array_member (obj, "segments");

      out->segments = g_array_new (FALSE, FALSE, sizeof (MeowControlSegment));
      for (guint i = 0; arr && i < json_array_get_length (arr); i++)
        {
          JsonNode          *node = json_array_get_element (arr, i);
          JsonArray         *triple;
          MeowControlSegment t;

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

gboolean
_meow_download_read_control (MeowJob *job, MeowControl *out)
{
  MeowDownload *d = _meow_download_get (job);

  /* A download opening its .part goes on from here: no temporary of an
   * earlier, killed run stays beside it. */
  _meow_download_remove_control_temporaries (d);
  return read_control_file (d->ctl_path, out);
}

/**
 * meow_download_part_is_from_other_url:
 * @target: (type filename): a download's final path
 * @url: the URL it is to be downloaded from
 *
 * Whether the partial bytes the engine keeps for @target (a non-empty
 * partial file with its control file) were fetched from another URL
 * than @url (an expired link, a mirror). A download of @url to @target then
 * continues them only under %MEOW_RELINK_VERIFY when @url gives the same
 * file, and starts over under %MEOW_RELINK_RESTART
 * (meow_task_builder_set_relink()). For a front end that says so before it
 * starts; the names and format of the partial files stay the engine's.
 *
 * Reads the control file, nothing else. Any thread.
 *
 * Returns: %TRUE when such bytes are there and name another URL.
 */
gboolean
meow_download_part_is_from_other_url (const char *target, const char *url)
{
  g_autofree char *part = NULL;
  g_autofree char *ctl = NULL;
  g_autofree char *digest = NULL;
  MeowControl      control;
  GStatBuf         st;
  gboolean         other;

  g_return_val_if_fail (target != NULL, FALSE);
  g_return_val_if_fail (url != NULL, FALSE);

  part = g_strconcat (target, MEOW_PART_SUFFIX, NULL);
  ctl = g_strconcat (target, MEOW_CONTROL_SUFFIX, NULL);
  if (g_lstat (part, &st) != 0 || !S_ISREG (st.st_mode) || st.st_size == 0)
    return FALSE;
  if (!read_control_file (ctl, &control))
    return FALSE;
  digest = g_compute_checksum_for_string (G_CHECKSUM_SHA256, url, -1);
  other = g_strcmp0 (control.url_digest, digest) != 0;
  _meow_control_clear (&control);
  return other;
}

void
_meow_control_clear (MeowControl *control)
{
  g_clear_pointer (&control->url_digest, g_free);
  g_clear_pointer (&control->etag, g_free);
  g_clear_pointer (&control->last_modified, g_free);
  g_clear_pointer (&control->failed_checksum, g_free);
  g_clear_pointer (&control->segments, g_array_unref);
}
