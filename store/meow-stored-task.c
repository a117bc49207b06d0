/* meow-stored-task.c: MeowStoredTask, one persisted task as a plain value
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "meow-error.h"
#include "meow-store-private.h"
#include "meow-task.h"

G_DEFINE_BOXED_TYPE (MeowStoredTask, meow_stored_task, meow_stored_task_copy, meow_stored_task_free)

static const MeowStoredTaskExtra extra_defaults = { .size_hint = -1 };

MeowStoredTask *
_meow_stored_task_new_empty (void)
{
  MeowStoredTask *st = g_new0 (MeowStoredTask, 1);

  g_atomic_ref_count_init (&st->ref_count);
  st->total = -1;
  return st;
}

const MeowStoredTaskExtra *
_meow_stored_task_get_extra (const MeowStoredTask *st)
{
  return st->extra != NULL ? st->extra : &extra_defaults;
}

MeowStoredTaskExtra *
_meow_stored_task_edit_extra (MeowStoredTask *st)
{
  if (st->extra == NULL)
    st->extra = g_memdup2 (&extra_defaults, sizeof extra_defaults);
  return st->extra;
}

static gboolean
extra_is_default (const MeowStoredTaskExtra *x)
{
  /* Field by field: a block on the stack may differ from the defaults in its padding. */
  return x->headers == NULL && x->output_file == NULL && x->source_file == NULL &&
         x->checksum_hex == NULL && x->category == NULL && x->upload_url == NULL &&
         x->error_message == NULL && x->speed_limit == 0 && x->size_hint == -1 &&
         x->chunk_size == 0 && x->error_domain == 0 && x->error_code == 0 && x->retries == 0 &&
         x->prepare_retries == 0 && x->segments == 0 && x->checksum_type == 0 && x->protocol == 0 &&
         !x->source_in_memory && !x->retries_set && !x->overwrite && !x->keep_partial &&
         !x->prepare_retries_set;
}

static void
extra_clear (MeowStoredTaskExtra *x)
{
  g_strfreev (x->headers);
  g_free (x->output_file);
  g_free (x->source_file);
  g_free (x->checksum_hex);
  g_free (x->upload_url);
  g_free (x->error_message);
}

void
_meow_stored_task_trim_extra (MeowStoredTask *st)
{
  if (st->extra != NULL && extra_is_default (st->extra))
    g_clear_pointer (&st->extra, g_free); /* at the defaults: it owns no string */
}

MeowStoredTask *
meow_stored_task_new_from_task (MeowTask *task, gint64 added_time_us)
{
  MeowStoredTask      *st;
  MeowStoredTaskExtra *x;
  const char          *checksum_hex = NULL;
  MeowChecksumType     checksum_type;

  g_return_val_if_fail (task != NULL, NULL);

  checksum_type = meow_task_get_checksum (task, &checksum_hex);

  st = g_new0 (MeowStoredTask, 1);
  g_atomic_ref_count_init (&st->ref_count);
  st->id = g_strdup (meow_task_get_id (task));
  st->direction = meow_task_get_direction (task);
  st->url = g_strdup (meow_task_get_url (task));
  st->method = g_intern_string (meow_task_get_method (task));
  st->name = g_strdup (meow_task_get_name (task));
  st->output_dir = g_intern_string (meow_task_get_output_dir (task));
  x = _meow_stored_task_edit_extra (st);
  x->output_file = g_strdup (meow_task_get_output_file (task));
  x->source_file = g_strdup (meow_task_get_source_file (task));
  x->source_in_memory =
      st->direction == MEOW_DIRECTION_UPLOAD && meow_task_get_source_bytes (task) != NULL;
  x->checksum_type = checksum_hex ? checksum_type : MEOW_CHECKSUM_NONE;
  x->checksum_hex = g_strdup (checksum_hex);
  x->retries_set = meow_task_has_retries (task) != FALSE;
  x->retries = meow_task_get_retries (task);
  x->speed_limit = meow_task_get_speed_limit (task);
  x->segments = meow_task_get_segments (task);
  x->overwrite = meow_task_get_overwrite (task) != FALSE;
  x->keep_partial = meow_task_get_keep_partial (task) != FALSE;
  x->size_hint = meow_task_get_size_hint (task);
  x->protocol = meow_task_get_upload_protocol (task);
  x->chunk_size = meow_task_get_chunk_size (task);
  x->category = g_intern_string (meow_task_get_category (task));
  x->upload_url = g_strdup (meow_task_get_upload_url (task));
  x->prepare_retries_set = meow_task_has_prepare_retries (task) != FALSE;
  x->prepare_retries = meow_task_get_prepare_retries (task);
  _meow_stored_task_trim_extra (st);
  meow_stored_task_set_headers (st, meow_task_get_headers (task));
  st->status = MEOW_STATUS_PENDING;
  st->total = -1;
  st->added = added_time_us > 0 ? added_time_us : g_get_real_time ();

  return st;
}

MeowTask *
meow_stored_task_build (const MeowStoredTask *st, GError **error)
{
  g_autoptr (MeowTaskBuilder) builder = NULL;
  const MeowStoredTaskExtra *x;

  g_return_val_if_fail (st != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  x = _meow_stored_task_get_extra (st);

  if (st->direction == MEOW_DIRECTION_DOWNLOAD)
    {
      builder = meow_task_builder_new_download (st->url);
      /* Once the engine chose the target file, resume into exactly that
       * file: its .part lives beside it, and choosing a name again could
       * pick "name (1).ext" and start over. */
      if (st->local_path != NULL)
        meow_task_builder_set_output_file (builder, st->local_path);
      else if (x->output_file != NULL)
        meow_task_builder_set_output_file (builder, x->output_file);
      else if (st->output_dir != NULL)
        meow_task_builder_set_output_dir (builder, st->output_dir);
      /* A .part another link started (the URL was changed, e.g. after a
       * failure, and the app quit before the task ran again) goes on only
       * when this link gives the same file: the app never starts over
       * unasked (MEOW_ERROR_LINK_CONTENT_DIFFERS asks). */
      meow_task_builder_set_relink (builder, MEOW_RELINK_VERIFY);
    }
  else
    {
      if (x->source_in_memory || x->source_file == NULL)
        {
          g_set_error (error, MEOW_ERROR, MEOW_ERROR_PARAMETER_INVALID,
                       "The upload “%s” sent data from memory, which is gone: add it again.",
                       st->name ? st->name : st->id);
          return NULL;
        }
      builder = meow_task_builder_new_upload_file (st->url, x->source_file);
      meow_task_builder_set_upload_protocol (builder, x->protocol);
      meow_task_builder_set_chunk_size (builder, x->chunk_size);
      meow_task_builder_set_category (builder, x->category);
      meow_task_builder_set_upload_url (builder, x->upload_url);
      if (x->prepare_retries_set)
        meow_task_builder_set_prepare_retries (builder, x->prepare_retries);
      if (x->output_file != NULL)
        meow_task_builder_set_output_file (builder, x->output_file);
    }

  meow_task_builder_set_id (builder, st->id);
  if (st->name != NULL)
    meow_task_builder_set_name (builder, st->name);
  if (st->method != NULL)
    meow_task_builder_set_method (builder, st->method);
  for (guint i = 0; x->headers != NULL && x->headers[i] != NULL; i++)
    {
      const char      *colon = strchr (x->headers[i], ':');
      g_autofree char *name = NULL;
      const char      *value;

      if (colon == NULL)
        continue; /* never stored: headers are checked at build time */
      name = g_strndup (x->headers[i], colon - x->headers[i]);
      value = colon + 1;
      while (*value == ' ')
        value++;
      meow_task_builder_add_header (builder, name, value);
    }
  if (x->retries_set)
    meow_task_builder_set_retries (builder, x->retries);
  meow_task_builder_set_speed_limit (builder, x->speed_limit);
  if (x->segments > 0)
    meow_task_builder_set_segments (builder, x->segments);
  if (x->checksum_hex != NULL)
    meow_task_builder_set_checksum (builder, x->checksum_type, x->checksum_hex);
  meow_task_builder_set_overwrite (builder, x->overwrite);
  meow_task_builder_set_keep_partial (builder, x->keep_partial);
  meow_task_builder_set_size_hint (builder, x->size_hint);

  return meow_task_builder_build (builder, error);
}

MeowStoredTask *
meow_stored_task_copy (const MeowStoredTask *st)
{
  MeowStoredTask *copy;

  g_return_val_if_fail (st != NULL, NULL);

  copy = g_memdup2 (st, sizeof *st);
  g_atomic_ref_count_init (&copy->ref_count);
  copy->id = g_strdup (st->id);
  copy->url = g_strdup (st->url);
  copy->name = g_strdup (st->name);
  copy->local_path = g_strdup (st->local_path);
  if (st->extra != NULL)
    {
      MeowStoredTaskExtra *x = g_memdup2 (st->extra, sizeof *st->extra);

      x->headers = g_strdupv (st->extra->headers);
      x->output_file = g_strdup (st->extra->output_file);
      x->source_file = g_strdup (st->extra->source_file);
      x->checksum_hex = g_strdup (st->extra->checksum_hex);
      x->upload_url = g_strdup (st->extra->upload_url);
      x->error_message = g_strdup (st->extra->error_message);
      copy->extra = x;
    }
  copy->payload = st->payload == st->local_path ? copy->local_path : g_strdup (st->payload);
  return copy;
}

static void
stored_task_clear (MeowStoredTask *st)
{
  g_free (st->id);
  g_free (st->url);
  g_free (st->name);
  if (st->extra != NULL)
    {
      extra_clear (st->extra);
      g_free (st->extra);
    }
  if (st->payload != st->local_path)
    g_free (st->payload);
  g_free (st->local_path);
}

void
_meow_stored_task_share_payload (MeowStoredTask *st)
{
  if (st->payload == NULL || st->payload == st->local_path ||
      g_strcmp0 (st->payload, st->local_path) != 0)
    return;
  g_free (st->payload);
  st->payload = st->local_path;
}

gboolean
_meow_stored_task_set_path (MeowStoredTask *st, MeowStoredPath which, const char *value)
{
  char **field = which == MEOW_STORED_PATH_LOCAL ? &st->local_path : &st->payload;

  if (g_strcmp0 (*field, value) == 0)
    return FALSE;
  /* Unshare first: the string is about to go for one of the two. */
  if (st->payload != NULL && st->payload == st->local_path)
    st->payload = g_strdup (st->local_path);
  g_free (*field);
  *field = g_strdup (value);
  _meow_stored_task_share_payload (st);
  return TRUE;
}

const MeowStoredTask *
meow_stored_task_ref (const MeowStoredTask *st)
{
  g_return_val_if_fail (st != NULL, NULL);
  g_atomic_ref_count_inc (&((MeowStoredTask *) st)->ref_count);
  return st;
}

void
meow_stored_task_free (MeowStoredTask *st)
{
  if (st != NULL && g_atomic_ref_count_dec (&st->ref_count))
    {
      stored_task_clear (st);
      g_free (st);
    }
}

const char *
meow_stored_task_get_id (const MeowStoredTask *st)
{
  return st->id;
}

MeowDirection
meow_stored_task_get_direction (const MeowStoredTask *st)
{
  return st->direction;
}

const char *
meow_stored_task_get_url (const MeowStoredTask *st)
{
  return st->url;
}

const char *
meow_stored_task_get_name (const MeowStoredTask *st)
{
  return st->name;
}

const char *
meow_stored_task_get_local_path (const MeowStoredTask *st)
{
  const MeowStoredTaskExtra *x = _meow_stored_task_get_extra (st);

  if (st->direction == MEOW_DIRECTION_UPLOAD)
    return x->source_file;
  if (st->local_path != NULL)
    return st->local_path;
  if (x->output_file != NULL)
    return x->output_file;
  return st->output_dir;
}

MeowStatus
meow_stored_task_get_status (const MeowStoredTask *st)
{
  return st->status;
}

guint64
meow_stored_task_get_transferred (const MeowStoredTask *st)
{
  return st->transferred;
}

gint64
meow_stored_task_get_total (const MeowStoredTask *st)
{
  return st->total;
}

gint64
meow_stored_task_get_added (const MeowStoredTask *st)
{
  return st->added;
}

gint64
meow_stored_task_get_finished (const MeowStoredTask *st)
{
  return st->finished;
}

const char *
meow_stored_task_get_error_message (const MeowStoredTask *st)
{
  return _meow_stored_task_get_extra (st)->error_message;
}

int
meow_stored_task_get_error_code (const MeowStoredTask *st)
{
  return _meow_stored_task_get_extra (st)->error_code;
}

GQuark
meow_stored_task_get_error_domain (const MeowStoredTask *st)
{
  return _meow_stored_task_get_extra (st)->error_domain;
}

const char *
meow_stored_task_get_upload_url (const MeowStoredTask *st)
{
  return _meow_stored_task_get_extra (st)->upload_url;
}

const char *
meow_stored_task_get_payload (const MeowStoredTask *st)
{
  return st->payload;
}

const char *const *
meow_stored_task_get_headers (const MeowStoredTask *st)
{
  static const char *const   none[] = { NULL };
  const MeowStoredTaskExtra *x = _meow_stored_task_get_extra (st);

  return x->headers != NULL ? (const char *const *) x->headers : none;
}

void
meow_stored_task_set_headers (MeowStoredTask *st, const char *const *headers)
{
  MeowStoredTaskExtra *x;

  g_return_if_fail (st != NULL);

  /* No headers (nearly every task) are no allocation, nor a block for them. */
  if (headers == NULL || headers[0] == NULL)
    {
      if (st->extra != NULL)
        {
          g_clear_pointer (&st->extra->headers, g_strfreev);
          _meow_stored_task_trim_extra (st);
        }
      return;
    }
  x = _meow_stored_task_edit_extra (st);
  g_strfreev (x->headers);
  x->headers = g_strdupv ((GStrv) headers);
}

gboolean
meow_stored_task_finished_on_disk (const MeowStoredTask *st)
{
  g_return_val_if_fail (st != NULL, FALSE);

  if (st->direction != MEOW_DIRECTION_DOWNLOAD ||
      (st->status != MEOW_STATUS_PENDING && st->status != MEOW_STATUS_TRANSMISSION) ||
      st->local_path == NULL || st->total < 0)
    return FALSE;
  /* The engine knows what its partial files are called. */
  return meow_download_target_is_complete (st->local_path, st->total, st->added);
}
