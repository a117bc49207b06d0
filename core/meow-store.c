/* meow-store.c: the app's task list, persisted as JSON
 *
 * The whole list is one small JSON document rewritten with an atomic
 * replace (write a temporary file, fsync it, rename it over the old one),
 * so that a kill at any moment leaves the old or the new list, never a torn
 * one. See docs/store.md for the format and the reasoning.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <errno.h>
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <string.h>

#include "meow-error.h"
#include "meow-store.h"
#include "meow-task-private.h"

#define STORE_VERSION 1

/* Pure progress reaches the disk at most this often. */
#define PROGRESS_WRITE_INTERVAL_US (2 * G_USEC_PER_SEC)

struct _MeowStoredTask
{
  char         *id;
  MeowDirection direction;
  char         *url;
  char         *method;  /* NULL: the default for the direction or protocol */
  GStrv         headers; /* "Name: value", never NULL */
  char         *name;
  char         *output_file;      /* as built: absolute, or NULL */
  char         *output_dir;       /* as built: absolute, or NULL */
  char         *local_path;       /* reported by records: a download's chosen target */
  char         *source_file;      /* upload of a file */
  gboolean      source_in_memory; /* upload of bytes: not restorable */

  MeowChecksumType checksum_type;
  char            *checksum_hex;
  gboolean         retries_set;
  guint            retries;
  guint64          speed_limit;
  guint            segments; /* download connections, 0 = the client's */
  gboolean         overwrite;
  gboolean         keep_partial;
  gint64           size_hint;

  MeowUploadProtocolKind protocol;
  gint64                 chunk_size;
  char                  *category;
  char                  *upload_url;
  gboolean               prepare_retries_set;
  guint                  prepare_retries;

  MeowStatus status;
  guint64    transferred;
  gint64     total;
  gint64     added;
  gint64     finished;
  GQuark     error_domain;
  int        error_code;
  char      *error_message;
  char      *payload;
};

G_DEFINE_BOXED_TYPE (MeowStoredTask, meow_stored_task, meow_stored_task_copy, meow_stored_task_free)

static gboolean
status_is_finished (MeowStatus status)
{
  return status == MEOW_STATUS_COMPLETE || status == MEOW_STATUS_FAILED ||
         status == MEOW_STATUS_CANCELED;
}

MeowStoredTask *
meow_stored_task_new_from_task (MeowTask *task, gint64 added_time_us)
{
  MeowStoredTask *st;

  g_return_val_if_fail (task != NULL, NULL);

  st = g_new0 (MeowStoredTask, 1);
  st->id = g_strdup (task->id);
  st->direction = task->direction;
  st->url = g_strdup (task->url);
  st->method = g_strdup (task->method);
  st->headers = task->headers ? g_strdupv (task->headers) : g_new0 (char *, 1);
  st->name = g_strdup (task->name);
  st->output_file = g_strdup (task->output_file);
  st->output_dir = g_strdup (task->output_dir);
  st->source_file = g_strdup (task->source_file);
  st->source_in_memory = task->direction == MEOW_DIRECTION_UPLOAD && task->source_bytes != NULL;
  st->checksum_type = task->checksum_hex ? task->checksum_type : MEOW_CHECKSUM_NONE;
  st->checksum_hex = g_strdup (task->checksum_hex);
  st->retries_set = task->retries_set;
  st->retries = task->retries;
  st->speed_limit = task->speed_limit;
  st->segments = task->segments;
  st->overwrite = task->overwrite;
  st->keep_partial = task->keep_partial;
  st->size_hint = task->size_hint;
  st->protocol = task->protocol;
  st->chunk_size = task->chunk_size;
  st->category = g_strdup (task->category);
  st->upload_url = g_strdup (task->upload_url);
  st->prepare_retries_set = task->prepare_retries_set;
  st->prepare_retries = task->prepare_retries;
  st->status = MEOW_STATUS_PENDING;
  st->total = -1;
  st->added = added_time_us > 0 ? added_time_us : g_get_real_time ();

  return st;
}

MeowTask *
meow_stored_task_build (const MeowStoredTask *st, GError **error)
{
  g_autoptr (MeowTaskBuilder) builder = NULL;

  g_return_val_if_fail (st != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (st->direction == MEOW_DIRECTION_DOWNLOAD)
    {
      builder = meow_task_builder_new_download (st->url);
      /* Once the engine chose the target file, resume into exactly that
       * file: its .part lives beside it, and choosing a name again could
       * pick "name (1).ext" and start over. */
      if (st->local_path != NULL)
        meow_task_builder_set_output_file (builder, st->local_path);
      else if (st->output_file != NULL)
        meow_task_builder_set_output_file (builder, st->output_file);
      else if (st->output_dir != NULL)
        meow_task_builder_set_output_dir (builder, st->output_dir);
    }
  else
    {
      if (st->source_in_memory || st->source_file == NULL)
        {
          g_set_error (error, MEOW_ERROR, MEOW_ERROR_PARAMETER_INVALID,
                       "The upload “%s” sent data from memory, which is gone: add it again.",
                       st->name ? st->name : st->id);
          return NULL;
        }
      builder = meow_task_builder_new_upload_file (st->url, st->source_file);
      meow_task_builder_set_upload_protocol (builder, st->protocol);
      meow_task_builder_set_chunk_size (builder, st->chunk_size);
      meow_task_builder_set_category (builder, st->category);
      meow_task_builder_set_upload_url (builder, st->upload_url);
      if (st->prepare_retries_set)
        meow_task_builder_set_prepare_retries (builder, st->prepare_retries);
      if (st->output_file != NULL)
        meow_task_builder_set_output_file (builder, st->output_file);
    }

  meow_task_builder_set_id (builder, st->id);
  if (st->name != NULL)
    meow_task_builder_set_name (builder, st->name);
  if (st->method != NULL)
    meow_task_builder_set_method (builder, st->method);
  for (guint i = 0; st->headers[i] != NULL; i++)
    {
      const char      *colon = strchr (st->headers[i], ':');
      g_autofree char *name = NULL;
      const char      *value;

      if (colon == NULL)
        continue; /* never stored: headers are checked at build time */
      name = g_strndup (st->headers[i], colon - st->headers[i]);
      value = colon + 1;
      while (*value == ' ')
        value++;
      meow_task_builder_add_header (builder, name, value);
    }
  if (st->retries_set)
    meow_task_builder_set_retries (builder, st->retries);
  meow_task_builder_set_speed_limit (builder, st->speed_limit);
  if (st->segments > 0)
    meow_task_builder_set_segments (builder, st->segments);
  if (st->checksum_hex != NULL)
    meow_task_builder_set_checksum (builder, st->checksum_type, st->checksum_hex);
  meow_task_builder_set_overwrite (builder, st->overwrite);
  meow_task_builder_set_keep_partial (builder, st->keep_partial);
  meow_task_builder_set_size_hint (builder, st->size_hint);

  return meow_task_builder_build (builder, error);
}

MeowStoredTask *
meow_stored_task_copy (const MeowStoredTask *st)
{
  MeowStoredTask *copy;

  g_return_val_if_fail (st != NULL, NULL);

  copy = g_memdup2 (st, sizeof *st);
  copy->id = g_strdup (st->id);
  copy->url = g_strdup (st->url);
  copy->method = g_strdup (st->method);
  copy->headers = g_strdupv (st->headers);
  copy->name = g_strdup (st->name);
  copy->output_file = g_strdup (st->output_file);
  copy->output_dir = g_strdup (st->output_dir);
  copy->local_path = g_strdup (st->local_path);
  copy->source_file = g_strdup (st->source_file);
  copy->checksum_hex = g_strdup (st->checksum_hex);
  copy->category = g_strdup (st->category);
  copy->upload_url = g_strdup (st->upload_url);
  copy->error_message = g_strdup (st->error_message);
  copy->payload = g_strdup (st->payload);
  return copy;
}

void
meow_stored_task_free (MeowStoredTask *st)
{
  if (st == NULL)
    return;
  g_free (st->id);
  g_free (st->url);
  g_free (st->method);
  g_strfreev (st->headers);
  g_free (st->name);
  g_free (st->output_file);
  g_free (st->output_dir);
  g_free (st->local_path);
  g_free (st->source_file);
  g_free (st->checksum_hex);
  g_free (st->category);
  g_free (st->upload_url);
  g_free (st->error_message);
  g_free (st->payload);
  g_free (st);
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
  if (st->direction == MEOW_DIRECTION_UPLOAD)
    return st->source_file;
  if (st->local_path != NULL)
    return st->local_path;
  if (st->output_file != NULL)
    return st->output_file;
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
  return st->error_message;
}

int
meow_stored_task_get_error_code (const MeowStoredTask *st)
{
  return st->error_code;
}

GQuark
meow_stored_task_get_error_domain (const MeowStoredTask *st)
{
  return st->error_domain;
}

const char *
meow_stored_task_get_upload_url (const MeowStoredTask *st)
{
  return st->upload_url;
}

const char *
meow_stored_task_get_payload (const MeowStoredTask *st)
{
  return st->payload;
}

/* ------------------------------------------------------------------ */
/* JSON                                                                */

typedef struct
{
  int         value;
  const char *nick;
} EnumNick;

static const EnumNick direction_nicks[] = {
  { MEOW_DIRECTION_DOWNLOAD, "download" },
  { MEOW_DIRECTION_UPLOAD, "upload" },
  { 0, NULL },
};

static const EnumNick status_nicks[] = {
  { MEOW_STATUS_PENDING, "pending" },
  { MEOW_STATUS_TRANSMISSION, "transmission" },
  { MEOW_STATUS_PAUSED, "paused" },
  { MEOW_STATUS_COMPLETE, "complete" },
  { MEOW_STATUS_FAILED, "failed" },
  { MEOW_STATUS_CANCELED, "canceled" },
  { 0, NULL },
};

static const EnumNick checksum_nicks[] = {
  { MEOW_CHECKSUM_NONE, "none" },
  { MEOW_CHECKSUM_MD5, "md5" },
  { MEOW_CHECKSUM_SHA1, "sha1" },
  { MEOW_CHECKSUM_SHA256, "sha256" },
  { 0, NULL },
};

static const EnumNick protocol_nicks[] = {
  { MEOW_UPLOAD_PROTOCOL_MEOW, "meow" },
  { MEOW_UPLOAD_PROTOCOL_TUS, "tus" },
  { 0, NULL },
};

static const char *
enum_to_nick (const EnumNick *nicks, int value)
{
  for (guint i = 0; nicks[i].nick != NULL; i++)
    if (nicks[i].value == value)
      return nicks[i].nick;
  return nicks[0].nick;
}

static void
add_string (JsonBuilder *b, const char *member, const char *value)
{
  if (value == NULL)
    return;
  json_builder_set_member_name (b, member);
  json_builder_add_string_value (b, value);
}

static void
add_int (JsonBuilder *b, const char *member, gint64 value)
{
  json_builder_set_member_name (b, member);
  json_builder_add_int_value (b, value);
}

static void
add_bool (JsonBuilder *b, const char *member, gboolean value)
{
  json_builder_set_member_name (b, member);
  json_builder_add_boolean_value (b, value);
}

static void
stored_task_to_json (const MeowStoredTask *st, JsonBuilder *b)
{
  json_builder_begin_object (b);
  add_string (b, "id", st->id);
  add_string (b, "direction", enum_to_nick (direction_nicks, st->direction));
  add_string (b, "url", st->url);
  add_string (b, "method", st->method);
  json_builder_set_member_name (b, "headers");
  json_builder_begin_array (b);
  for (guint i = 0; st->headers[i] != NULL; i++)
    json_builder_add_string_value (b, st->headers[i]);
  json_builder_end_array (b);
  add_string (b, "name", st->name);
  add_string (b, "output_file", st->output_file);
  add_string (b, "output_dir", st->output_dir);
  add_string (b, "local_path", st->local_path);
  add_string (b, "source_file", st->source_file);
  if (st->source_in_memory)
    add_bool (b, "source_in_memory", TRUE);
  if (st->checksum_hex != NULL)
    {
      add_string (b, "checksum_type", enum_to_nick (checksum_nicks, st->checksum_type));
      add_string (b, "checksum", st->checksum_hex);
    }
  if (st->retries_set)
    add_int (b, "retries", st->retries);
  add_int (b, "speed_limit", (gint64) st->speed_limit);
  if (st->segments > 0)
    add_int (b, "segments", st->segments);
  add_bool (b, "overwrite", st->overwrite);
  add_bool (b, "keep_partial", st->keep_partial);
  add_int (b, "size_hint", st->size_hint);
  if (st->direction == MEOW_DIRECTION_UPLOAD)
    {
      add_string (b, "upload_protocol", enum_to_nick (protocol_nicks, st->protocol));
      add_int (b, "chunk_size", st->chunk_size);
      add_string (b, "category", st->category);
      add_string (b, "upload_url", st->upload_url);
      if (st->prepare_retries_set)
        add_int (b, "prepare_retries", st->prepare_retries);
    }
  add_string (b, "status", enum_to_nick (status_nicks, st->status));
  add_int (b, "transferred", (gint64) st->transferred);
  add_int (b, "total", st->total);
  add_int (b, "added", st->added);
  add_int (b, "finished", st->finished);
  if (st->error_message != NULL || st->error_domain != 0)
    {
      add_string (b, "error_domain", g_quark_to_string (st->error_domain));
      add_int (b, "error_code", st->error_code);
      add_string (b, "error_message", st->error_message);
    }
  add_string (b, "payload", st->payload);
  json_builder_end_object (b);
}

/* Field readers. Absent or null members give the default; a member of the
 * wrong type makes the entry invalid (the reader returns FALSE). */

static JsonNode *
member_value (JsonObject *o, const char *member, GType type, gboolean *ok)
{
  JsonNode *node = json_object_get_member (o, member);

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return NULL;
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != type)
    {
      *ok = FALSE;
      return NULL;
    }
  return node;
}

static gboolean
read_string (JsonObject *o, const char *member, gboolean required, char **out)
{
  gboolean  ok = TRUE;
  JsonNode *node = member_value (o, member, G_TYPE_STRING, &ok);

  if (!ok || (required && (node == NULL || json_node_get_string (node)[0] == '\0')))
    return FALSE;
  g_free (*out);
  *out = node ? json_node_dup_string (node) : NULL;
  return TRUE;
}

static gboolean
read_int (JsonObject *o, const char *member, gint64 min, gint64 *out, gboolean *present)
{
  gboolean  ok = TRUE;
  JsonNode *node = member_value (o, member, G_TYPE_INT64, &ok);

  if (present)
    *present = node != NULL;
  if (!ok)
    return FALSE;
  if (node == NULL)
    return TRUE;
  if (json_node_get_int (node) < min)
    return FALSE;
  *out = json_node_get_int (node);
  return TRUE;
}

static gboolean
read_uint (JsonObject *o, const char *member, guint *out, gboolean *present)
{
  gint64 v = *out;

  if (!read_int (o, member, 0, &v, present) || v > G_MAXUINT)
    return FALSE;
  *out = (guint) v;
  return TRUE;
}

static gboolean
read_bool (JsonObject *o, const char *member, gboolean *out)
{
  gboolean  ok = TRUE;
  JsonNode *node = member_value (o, member, G_TYPE_BOOLEAN, &ok);

  if (!ok)
    return FALSE;
  if (node != NULL)
    *out = json_node_get_boolean (node);
  return TRUE;
}

static gboolean
read_enum (JsonObject *o, const char *member, const EnumNick *nicks, gboolean required, int *out)
{
  g_autofree char *nick = NULL;

  if (!read_string (o, member, required, &nick))
    return FALSE;
  if (nick == NULL)
    return TRUE;
  for (guint i = 0; nicks[i].nick != NULL; i++)
    if (strcmp (nicks[i].nick, nick) == 0)
      {
        *out = nicks[i].value;
        return TRUE;
      }
  return FALSE;
}

static gboolean
read_headers (JsonObject *o, GStrv *out)
{
  JsonNode  *node = json_object_get_member (o, "headers");
  JsonArray *array;
  g_autoptr (GStrvBuilder) sb = g_strv_builder_new ();

  if (node != NULL && !JSON_NODE_HOLDS_NULL (node))
    {
      if (!JSON_NODE_HOLDS_ARRAY (node))
        return FALSE;
      array = json_node_get_array (node);
      for (guint i = 0; i < json_array_get_length (array); i++)
        {
          JsonNode *h = json_array_get_element (array, i);

          if (!JSON_NODE_HOLDS_VALUE (h) || json_node_get_value_type (h) != G_TYPE_STRING ||
              strchr (json_node_get_string (h), ':') == NULL)
            return FALSE;
          g_strv_builder_add (sb, json_node_get_string (h));
        }
    }
  g_strfreev (*out);
  *out = g_strv_builder_end (sb);
  return TRUE;
}

/* Returns the entry, or NULL with *bad naming the first invalid field. */
static MeowStoredTask *
stored_task_from_json (JsonNode *node, const char **bad)
{
  g_autoptr (MeowStoredTask) st = g_new0 (MeowStoredTask, 1);
  JsonObject      *o;
  g_autofree char *domain = NULL;
  int              e;
  gint64           v;

  st->headers = g_new0 (char *, 1);
  st->total = -1;
  st->size_hint = -1;

  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      *bad = "(entry is not an object)";
      return NULL;
    }
  o = json_node_get_object (node);

#define CHECK(expr, field)                                                                         \
  G_STMT_START                                                                                     \
  {                                                                                                \
    if (!(expr))                                                                                   \
      {                                                                                            \
        *bad = field;                                                                              \
        return NULL;                                                                               \
      }                                                                                            \
  }                                                                                                \
  G_STMT_END

  CHECK (read_string (o, "id", TRUE, &st->id), "id");
  e = -1;
  CHECK (read_enum (o, "direction", direction_nicks, TRUE, &e), "direction");
  st->direction = e;
  CHECK (read_string (o, "url", TRUE, &st->url), "url");
  CHECK (read_string (o, "method", FALSE, &st->method), "method");
  CHECK (read_headers (o, &st->headers), "headers");
  CHECK (read_string (o, "name", FALSE, &st->name), "name");
  CHECK (read_string (o, "output_file", FALSE, &st->output_file), "output_file");
  CHECK (read_string (o, "output_dir", FALSE, &st->output_dir), "output_dir");
  CHECK (read_string (o, "local_path", FALSE, &st->local_path), "local_path");
  CHECK (read_string (o, "source_file", FALSE, &st->source_file), "source_file");
  CHECK (read_bool (o, "source_in_memory", &st->source_in_memory), "source_in_memory");
  CHECK (read_string (o, "checksum", FALSE, &st->checksum_hex), "checksum");
  e = MEOW_CHECKSUM_NONE;
  CHECK (read_enum (o, "checksum_type", checksum_nicks, st->checksum_hex != NULL, &e),
         "checksum_type");
  st->checksum_type = e;
  CHECK (read_uint (o, "retries", &st->retries, &st->retries_set), "retries");
  v = 0;
  CHECK (read_int (o, "speed_limit", 0, &v, NULL), "speed_limit");
  st->speed_limit = (guint64) v;
  CHECK (read_uint (o, "segments", &st->segments, NULL) && st->segments <= 16, "segments");
  CHECK (read_bool (o, "overwrite", &st->overwrite), "overwrite");
  CHECK (read_bool (o, "keep_partial", &st->keep_partial), "keep_partial");
  CHECK (read_int (o, "size_hint", -1, &st->size_hint, NULL), "size_hint");
  e = MEOW_UPLOAD_PROTOCOL_MEOW;
  CHECK (read_enum (o, "upload_protocol", protocol_nicks, FALSE, &e), "upload_protocol");
  st->protocol = e;
  CHECK (read_int (o, "chunk_size", 0, &st->chunk_size, NULL), "chunk_size");
  CHECK (read_string (o, "category", FALSE, &st->category), "category");
  CHECK (read_string (o, "upload_url", FALSE, &st->upload_url), "upload_url");
  CHECK (read_uint (o, "prepare_retries", &st->prepare_retries, &st->prepare_retries_set),
         "prepare_retries");
  e = -1;
  CHECK (read_enum (o, "status", status_nicks, TRUE, &e), "status");
  st->status = e;
  v = 0;
  CHECK (read_int (o, "transferred", 0, &v, NULL), "transferred");
  st->transferred = (guint64) v;
  CHECK (read_int (o, "total", -1, &st->total, NULL), "total");
  CHECK (read_int (o, "added", 0, &st->added, NULL), "added");
  CHECK (read_int (o, "finished", 0, &st->finished, NULL), "finished");
  CHECK (read_string (o, "error_domain", FALSE, &domain), "error_domain");
  v = 0;
  CHECK (read_int (o, "error_code", G_MININT, &v, NULL) && v <= G_MAXINT, "error_code");
  st->error_code = (int) v;
  CHECK (read_string (o, "error_message", FALSE, &st->error_message), "error_message");
  CHECK (read_string (o, "payload", FALSE, &st->payload), "payload");

  /* A download goes somewhere; an upload comes from somewhere. */
  if (st->direction == MEOW_DIRECTION_UPLOAD)
    CHECK (st->source_file != NULL || st->source_in_memory, "source_file");
#undef CHECK

  st->error_domain = domain ? g_quark_from_string (domain) : 0;
  return g_steal_pointer (&st);
}

/* ------------------------------------------------------------------ */
/* MeowStore                                                           */

struct _MeowStore
{
  GObject parent_instance;

  char         *path;
  GPtrArray    *tasks; /* element-type MeowStoredTask, owned, insertion order */
  GHashTable   *by_id; /* id -> MeowStoredTask, borrowed from tasks */
  GMainContext *context;
  GSource      *flush_source; /* one persistent source, woken with a ready time */
  gboolean      dirty;
  gint64        last_write; /* monotonic */
};

enum
{
  PROP_0,
  PROP_PATH,
  N_PROPS
};

enum
{
  SIGNAL_SAVED,
  SIGNAL_WRITE_FAILED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint       signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (MeowStore, meow_store, G_TYPE_OBJECT)

static gboolean store_write (MeowStore *self, GError **error);

static gboolean
flush_source_dispatch (GSource *source, GSourceFunc callback, gpointer user_data)
{
  g_source_set_ready_time (source, -1);
  return callback (user_data);
}

static GSourceFuncs flush_source_funcs = {
  .dispatch = flush_source_dispatch,
};

static gboolean
flush_source_cb (gpointer user_data)
{
  MeowStore *self = user_data;
  g_autoptr (GError) error = NULL;

  if (self->dirty && !store_write (self, &error))
    g_signal_emit (self, signals[SIGNAL_WRITE_FAILED], 0, error);
  return G_SOURCE_CONTINUE;
}

static void
meow_store_dispose (GObject *object)
{
  MeowStore *self = MEOW_STORE (object);

  /* Dropping the store is a last chance not to lose debounced progress. */
  if (self->dirty && self->path != NULL)
    {
      g_autoptr (GError) error = NULL;

      if (!store_write (self, &error))
        g_warning ("%s", error->message);
    }

  if (self->flush_source != NULL)
    {
      g_source_destroy (self->flush_source);
      g_clear_pointer (&self->flush_source, g_source_unref);
    }
  g_clear_pointer (&self->context, g_main_context_unref);

  G_OBJECT_CLASS (meow_store_parent_class)->dispose (object);
}

static void
meow_store_finalize (GObject *object)
{
  MeowStore *self = MEOW_STORE (object);

  g_clear_pointer (&self->by_id, g_hash_table_unref);
  g_clear_pointer (&self->tasks, g_ptr_array_unref);
  g_free (self->path);

  G_OBJECT_CLASS (meow_store_parent_class)->finalize (object);
}

static void
meow_store_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  MeowStore *self = MEOW_STORE (object);

  switch (prop_id)
    {
    case PROP_PATH:
      g_value_set_string (value, self->path);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
meow_store_set_property (GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  MeowStore *self = MEOW_STORE (object);

  switch (prop_id)
    {
    case PROP_PATH:
      g_free (self->path);
      if (g_value_get_string (value) != NULL)
        self->path = g_value_dup_string (value);
      else
        self->path = g_build_filename (g_get_user_data_dir (), "meow", "tasks.json", NULL);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
meow_store_class_init (MeowStoreClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = meow_store_dispose;
  object_class->finalize = meow_store_finalize;
  object_class->get_property = meow_store_get_property;
  object_class->set_property = meow_store_set_property;

  /**
   * MeowStore:path: (type filename)
   *
   * The JSON file. %NULL at construction means the default,
   * `g_get_user_data_dir()/meow/tasks.json`.
   */
  properties[PROP_PATH] =
      g_param_spec_string ("path", NULL, NULL, NULL,
                           G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * MeowStore::saved:
   *
   * Emitted in the owner thread after each successful write of the file.
   */
  signals[SIGNAL_SAVED] = g_signal_new ("saved", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                        NULL, NULL, NULL, G_TYPE_NONE, 0);

  signals[SIGNAL_WRITE_FAILED] =
      g_signal_new ("write-failed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                    NULL, G_TYPE_NONE, 1, G_TYPE_ERROR | G_SIGNAL_TYPE_STATIC_SCOPE);
}

static void
meow_store_init (MeowStore *self)
{
  self->tasks = g_ptr_array_new_with_free_func ((GDestroyNotify) meow_stored_task_free);
  self->by_id = g_hash_table_new (g_str_hash, g_str_equal);
  self->context = g_main_context_ref_thread_default ();
  self->flush_source = g_source_new (&flush_source_funcs, sizeof (GSource));
  g_source_set_static_name (self->flush_source, "[meow] store debounce");
  g_source_set_callback (self->flush_source, flush_source_cb, self, NULL);
  g_source_attach (self->flush_source, self->context);
}

MeowStore *
meow_store_new (const char *path)
{
  return g_object_new (MEOW_TYPE_STORE, "path", path, NULL);
}

const char *
meow_store_get_path (MeowStore *store)
{
  g_return_val_if_fail (MEOW_IS_STORE (store), NULL);
  return store->path;
}

static void
store_clear (MeowStore *self)
{
  g_hash_table_remove_all (self->by_id);
  g_ptr_array_set_size (self->tasks, 0);
}

static gboolean
store_insert (MeowStore *self, MeowStoredTask *st)
{
  if (g_hash_table_contains (self->by_id, st->id))
    {
      meow_stored_task_free (st);
      return FALSE;
    }
  g_ptr_array_add (self->tasks, st);
  g_hash_table_insert (self->by_id, st->id, st);
  return TRUE;
}

/* Removes temporary files that a write killed between creating and renaming
 * left behind: g_file_set_contents_full() names them "<basename>." plus six random characters. */
static void
remove_stale_temp_files (MeowStore *self)
{
  g_autofree char *dirname = g_path_get_dirname (self->path);
  g_autofree char *basename = g_path_get_basename (self->path);
  g_autoptr (GDir) dir = g_dir_open (dirname, 0, NULL);
  gsize       len = strlen (basename);
  const char *name;

  if (dir == NULL)
    return;
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      gboolean temp =
          strncmp (name, basename, len) == 0 && name[len] == '.' && strlen (name + len + 1) == 6;

      for (guint i = 0; temp && i < 6; i++)
        temp = g_ascii_isalnum (name[len + 1 + i]);
      if (temp)
        {
          g_autofree char *full = g_build_filename (dirname, name, NULL);

          g_debug ("Removing “%s”, left by an interrupted write", full);
          g_unlink (full);
        }
    }
}

/* Moves an unusable file aside so it is neither lost nor overwritten. */
static void
move_aside (MeowStore *self, int code, const char *why, GError **error)
{
  g_autofree char *aside = g_strdup_printf ("%s.corrupt-%" G_GINT64_FORMAT, self->path,
                                            g_get_real_time () / G_USEC_PER_SEC);

  /* Two failures in the same second: do not overwrite the first. */
  for (guint i = 1; g_file_test (aside, G_FILE_TEST_EXISTS) && i < 100; i++)
    {
      g_free (aside);
      aside = g_strdup_printf ("%s.corrupt-%" G_GINT64_FORMAT "-%u", self->path,
                               g_get_real_time () / G_USEC_PER_SEC, i);
    }

  if (g_rename (self->path, aside) != 0)
    {
      int errsv = errno;

      g_set_error (error, G_IO_ERROR, code,
                   "The task list “%s” is unusable (%s) and could not be moved aside to “%s”: %s. "
                   "Move or delete it to start with an empty list.",
                   self->path, why, aside, g_strerror (errsv));
      return;
    }
  g_set_error (error, G_IO_ERROR, code,
               "The task list “%s” is unusable (%s); it was moved aside to “%s” and Meow starts "
               "with an empty list.",
               self->path, why, aside);
}

gboolean
meow_store_load (MeowStore *store, GError **error)
{
  g_autofree char *contents = NULL;
  gsize            length = 0;
  g_autoptr (GError) local_error = NULL;
  g_autoptr (JsonParser) parser = NULL;
  JsonNode   *root;
  JsonObject *object;
  JsonNode   *version;
  JsonNode   *tasks;
  JsonArray  *array;

  g_return_val_if_fail (MEOW_IS_STORE (store), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  store_clear (store);
  store->dirty = FALSE;
  g_source_set_ready_time (store->flush_source, -1);
  remove_stale_temp_files (store);

  if (!g_file_get_contents (store->path, &contents, &length, &local_error))
    {
      if (g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        return TRUE;
      move_aside (store, g_io_error_from_file_error (local_error->code), local_error->message,
                  error);
      return FALSE;
    }

  parser = json_parser_new_immutable ();
  if (!json_parser_load_from_data (parser, contents, length, &local_error))
    {
      g_autofree char *why = g_strdup_printf ("not valid JSON: %s", local_error->message);

      move_aside (store, G_IO_ERROR_INVALID_DATA, why, error);
      return FALSE;
    }

  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      move_aside (store, G_IO_ERROR_INVALID_DATA, "not a JSON object", error);
      return FALSE;
    }
  object = json_node_get_object (root);
  version = json_object_get_member (object, "version");
  if (version == NULL || !JSON_NODE_HOLDS_VALUE (version) ||
      json_node_get_value_type (version) != G_TYPE_INT64)
    {
      move_aside (store, G_IO_ERROR_INVALID_DATA, "no integer “version”", error);
      return FALSE;
    }
  if (json_node_get_int (version) != STORE_VERSION)
    {
      /* Most likely written by a newer Meow: keep it intact for that one. */
      g_autofree char *why =
          g_strdup_printf ("version %" G_GINT64_FORMAT " is unknown to this Meow, which reads "
                           "version %d",
                           json_node_get_int (version), STORE_VERSION);

      move_aside (store, G_IO_ERROR_INVALID_DATA, why, error);
      return FALSE;
    }
  tasks = json_object_get_member (object, "tasks");
  if (tasks == NULL || !JSON_NODE_HOLDS_ARRAY (tasks))
    {
      move_aside (store, G_IO_ERROR_INVALID_DATA, "no “tasks” array", error);
      return FALSE;
    }

  array = json_node_get_array (tasks);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode       *element = json_array_get_element (array, i);
      const char     *bad = NULL;
      MeowStoredTask *st = stored_task_from_json (element, &bad);
      const char     *id = NULL;

      if (JSON_NODE_HOLDS_OBJECT (element))
        {
          JsonNode *id_node = json_object_get_member (json_node_get_object (element), "id");

          if (id_node != NULL && JSON_NODE_HOLDS_VALUE (id_node) &&
              json_node_get_value_type (id_node) == G_TYPE_STRING)
            id = json_node_get_string (id_node);
        }
      if (!JSON_NODE_HOLDS_OBJECT (element))
        {
          g_warning ("Skipping task %u of “%s”: it is not a JSON object", i, store->path);
          continue;
        }
      if (st == NULL)
        {
          g_warning ("Skipping task %u (id “%s”) of “%s”: its field “%s” is missing or invalid", i,
                     id ? id : "?", store->path, bad);
          continue;
        }
      if (!store_insert (store, st))
        g_warning ("Skipping task %u of “%s”: its id “%s” is used by an earlier task", i,
                   store->path, id);
    }

  return TRUE;
}

static char *
store_serialize (MeowStore *self, gsize *length)
{
  g_autoptr (JsonBuilder) b = json_builder_new_immutable ();
  g_autoptr (JsonGenerator) gen = json_generator_new ();
  g_autoptr (JsonNode) root = NULL;

  json_builder_begin_object (b);
  add_int (b, "version", STORE_VERSION);
  json_builder_set_member_name (b, "tasks");
  json_builder_begin_array (b);
  for (guint i = 0; i < self->tasks->len; i++)
    stored_task_to_json (g_ptr_array_index (self->tasks, i), b);
  json_builder_end_array (b);
  json_builder_end_object (b);

  root = json_builder_get_root (b);
  json_generator_set_root (gen, root);
  json_generator_set_pretty (gen, TRUE);
  return json_generator_to_data (gen, length);
}

/* Writes the whole list now. Clears the pending state on success. */
static gboolean
store_write (MeowStore *self, GError **error)
{
  g_autofree char *dirname = g_path_get_dirname (self->path);
  g_autofree char *data = NULL;
  gsize            length = 0;
  g_autoptr (GError) local_error = NULL;

  if (g_mkdir_with_parents (dirname, 0700) != 0)
    {
      int errsv = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errsv),
                   "Could not save the task list: cannot create the folder “%s”: %s.", dirname,
                   g_strerror (errsv));
      return FALSE;
    }

  data = store_serialize (self, &length);
  /* CONSISTENT: the new contents are fsynced before the rename, so after a
   * crash the file holds the old list or the new one, never a mix. The file
   * holds URLs with credentials and request headers: owner only. */
  if (!g_file_set_contents_full (self->path, data, length, G_FILE_SET_CONTENTS_CONSISTENT, 0600,
                                 &local_error))
    {
      g_set_error (error, G_IO_ERROR, g_io_error_from_file_error (local_error->code),
                   "Could not save the task list to “%s”: %s", self->path, local_error->message);
      return FALSE;
    }

  self->dirty = FALSE;
  self->last_write = g_get_monotonic_time ();
  g_source_set_ready_time (self->flush_source, -1);
  g_signal_emit (self, signals[SIGNAL_SAVED], 0);
  return TRUE;
}

/* Marks a change pending; the debounce timer writes it at most once per
 * PROGRESS_WRITE_INTERVAL_US. */
static void
store_schedule (MeowStore *self)
{
  gint64 when = MAX (g_get_monotonic_time (), self->last_write + PROGRESS_WRITE_INTERVAL_US);
  gint64 current = g_source_get_ready_time (self->flush_source);

  self->dirty = TRUE;
  if (current == -1 || current > when)
    g_source_set_ready_time (self->flush_source, when);
}

static void
store_write_now (MeowStore *self)
{
  g_autoptr (GError) error = NULL;

  self->dirty = TRUE;
  if (!store_write (self, &error))
    {
      g_signal_emit (self, signals[SIGNAL_WRITE_FAILED], 0, error);
      /* Try again later rather than only at the next lifecycle change. */
      store_schedule (self);
    }
}

GPtrArray *
meow_store_dup_tasks (MeowStore *store)
{
  GPtrArray *copy;

  g_return_val_if_fail (MEOW_IS_STORE (store), NULL);

  copy = g_ptr_array_new_full (store->tasks->len, (GDestroyNotify) meow_stored_task_free);
  for (guint i = 0; i < store->tasks->len; i++)
    g_ptr_array_add (copy, meow_stored_task_copy (g_ptr_array_index (store->tasks, i)));
  return copy;
}

MeowStoredTask *
meow_store_dup_task (MeowStore *store, const char *id)
{
  MeowStoredTask *st;

  g_return_val_if_fail (MEOW_IS_STORE (store), NULL);
  g_return_val_if_fail (id != NULL, NULL);

  st = g_hash_table_lookup (store->by_id, id);
  return st ? meow_stored_task_copy (st) : NULL;
}

gboolean
meow_store_add (MeowStore *store, const MeowStoredTask *st, GError **error)
{
  MeowStoredTask *copy;

  g_return_val_if_fail (MEOW_IS_STORE (store), FALSE);
  g_return_val_if_fail (st != NULL && st->id != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (g_hash_table_contains (store->by_id, st->id))
    {
      g_set_error (error, MEOW_ERROR, MEOW_ERROR_DUPLICATE_TASK,
                   "The task list already has a task with id “%s”.", st->id);
      return FALSE;
    }

  copy = meow_stored_task_copy (st);
  store_insert (store, copy);
  if (!store_write (store, error))
    {
      g_hash_table_remove (store->by_id, copy->id);
      g_ptr_array_remove_index (store->tasks, store->tasks->len - 1);
      return FALSE;
    }
  return TRUE;
}

static gboolean
replace_if_changed (char **field, const char *value)
{
  if (value == NULL || g_strcmp0 (*field, value) == 0)
    return FALSE;
  g_free (*field);
  *field = g_strdup (value);
  return TRUE;
}

/* Applies a status change; returns whether anything changed. */
static gboolean
apply_status (MeowStoredTask *st, MeowStatus status, const GError *reason, gint64 when)
{
  gboolean changed = FALSE;

  if (st->status != status)
    {
      st->status = status;
      st->finished = status_is_finished (status) ? when : 0;
      changed = TRUE;
    }

  if (status == MEOW_STATUS_FAILED && reason != NULL)
    {
      if (st->error_domain != reason->domain || st->error_code != reason->code ||
          g_strcmp0 (st->error_message, reason->message) != 0)
        {
          st->error_domain = reason->domain;
          st->error_code = reason->code;
          g_free (st->error_message);
          st->error_message = g_strdup (reason->message);
          changed = TRUE;
        }
    }
  else if (status != MEOW_STATUS_FAILED && st->error_message != NULL)
    {
      /* A retried task is live again: the old error no longer applies. */
      st->error_domain = 0;
      st->error_code = 0;
      g_clear_pointer (&st->error_message, g_free);
      changed = TRUE;
    }

  return changed;
}

void
meow_store_update (MeowStore *store, const MeowTransferRecord *record)
{
  MeowStoredTask *st;
  gboolean        lifecycle;
  gboolean        progress = FALSE;
  gint64          total;

  g_return_if_fail (MEOW_IS_STORE (store));
  g_return_if_fail (record != NULL);

  st = g_hash_table_lookup (store->by_id, meow_transfer_record_get_task_id (record));
  if (st == NULL)
    return;

  lifecycle = apply_status (st, meow_transfer_record_get_status (record),
                            meow_transfer_record_get_error (record),
                            meow_transfer_record_get_timestamp (record));
  lifecycle |= replace_if_changed (&st->name, meow_transfer_record_get_name (record));
  if (st->direction == MEOW_DIRECTION_DOWNLOAD)
    lifecycle |= replace_if_changed (&st->local_path, meow_transfer_record_get_local_path (record));
  lifecycle |= replace_if_changed (&st->upload_url, meow_transfer_record_get_upload_url (record));
  lifecycle |= replace_if_changed (&st->payload, meow_transfer_record_get_payload (record));

  if (st->transferred != meow_transfer_record_get_transferred (record))
    {
      st->transferred = meow_transfer_record_get_transferred (record);
      progress = TRUE;
    }
  /* A record that does not know the total does not forget ours. */
  total = meow_transfer_record_get_total (record);
  if (total >= 0 && st->total != total)
    {
      st->total = total;
      progress = TRUE;
    }

  if (lifecycle)
    store_write_now (store);
  else if (progress)
    store_schedule (store);
}

gboolean
meow_store_set_status (
    MeowStore *store, const char *id, MeowStatus status, const GError *reason, GError **error)
{
  MeowStoredTask *st;

  g_return_val_if_fail (MEOW_IS_STORE (store), FALSE);
  g_return_val_if_fail (id != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  st = g_hash_table_lookup (store->by_id, id);
  if (st == NULL)
    {
      g_set_error (error, MEOW_ERROR, MEOW_ERROR_TASK_NOT_FOUND,
                   "The task list has no task with id “%s”.", id);
      return FALSE;
    }
  if (!apply_status (st, status, reason, g_get_real_time ()) && !store->dirty)
    return TRUE;
  store->dirty = TRUE;
  if (!store_write (store, error))
    {
      store_schedule (store);
      return FALSE;
    }
  return TRUE;
}

gboolean
meow_store_remove (MeowStore *store, const char *id, GError **error)
{
  MeowStoredTask *st;

  g_return_val_if_fail (MEOW_IS_STORE (store), FALSE);
  g_return_val_if_fail (id != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  st = g_hash_table_lookup (store->by_id, id);
  if (st == NULL)
    {
      g_set_error (error, MEOW_ERROR, MEOW_ERROR_TASK_NOT_FOUND,
                   "The task list has no task with id “%s”.", id);
      return FALSE;
    }
  g_hash_table_remove (store->by_id, id);
  g_ptr_array_remove (store->tasks, st);

  store->dirty = TRUE;
  if (!store_write (store, error))
    {
      store_schedule (store);
      return FALSE;
    }
  return TRUE;
}

gboolean
meow_store_flush (MeowStore *store, GError **error)
{
  g_return_val_if_fail (MEOW_IS_STORE (store), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!store->dirty)
    return TRUE;
  return store_write (store, error);
}

gboolean
meow_store_has_pending_changes (MeowStore *store)
{
  g_return_val_if_fail (MEOW_IS_STORE (store), FALSE);
  return store->dirty;
}
