/* meow-store.c: the app's task list, persisted as JSON
 *
 * The whole list is one small JSON document rewritten with an atomic
 * replace (write a temporary file, fsync it, rename it over the old one),
 * so that a kill at any moment leaves the old or the new list, never a torn
 * one. The file is written by a thread of the store's own; the owner thread
 * only serialises. See docs/store.md for the format and the reasoning.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <errno.h>
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>

#include "meow-enum-types.h"
#include "meow-error.h"
#include "meow-store.h"
#include "meow-task.h"

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
  MeowStoredTask  *st;
  const char      *checksum_hex = NULL;
  MeowChecksumType checksum_type;

  g_return_val_if_fail (task != NULL, NULL);

  checksum_type = meow_task_get_checksum (task, &checksum_hex);

  st = g_new0 (MeowStoredTask, 1);
  st->id = g_strdup (meow_task_get_id (task));
  st->direction = meow_task_get_direction (task);
  st->url = g_strdup (meow_task_get_url (task));
  st->method = g_strdup (meow_task_get_method (task));
  st->headers = meow_task_get_headers (task) ? g_strdupv ((GStrv) meow_task_get_headers (task))
                                             : g_new0 (char *, 1);
  st->name = g_strdup (meow_task_get_name (task));
  st->output_file = g_strdup (meow_task_get_output_file (task));
  st->output_dir = g_strdup (meow_task_get_output_dir (task));
  st->source_file = g_strdup (meow_task_get_source_file (task));
  st->source_in_memory =
      st->direction == MEOW_DIRECTION_UPLOAD && meow_task_get_source_bytes (task) != NULL;
  st->checksum_type = checksum_hex ? checksum_type : MEOW_CHECKSUM_NONE;
  st->checksum_hex = g_strdup (checksum_hex);
  st->retries_set = meow_task_has_retries (task);
  st->retries = meow_task_get_retries (task);
  st->speed_limit = meow_task_get_speed_limit (task);
  st->segments = meow_task_get_segments (task);
  st->overwrite = meow_task_get_overwrite (task);
  st->keep_partial = meow_task_get_keep_partial (task);
  st->size_hint = meow_task_get_size_hint (task);
  st->protocol = meow_task_get_upload_protocol (task);
  st->chunk_size = meow_task_get_chunk_size (task);
  st->category = g_strdup (meow_task_get_category (task));
  st->upload_url = g_strdup (meow_task_get_upload_url (task));
  st->prepare_retries_set = meow_task_has_prepare_retries (task);
  st->prepare_retries = meow_task_get_prepare_retries (task);
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

/* ------------------------------------------------------------------ */
/* JSON                                                                */

/* Enums are written as their GType's value nicks ("download", "transmission",
 * "sha256", "tus"). A value the type does not know is written as the type's first value
 * (the store only ever holds values it read or was given by the engine). */
static const char *
enum_to_nick (GType type, int value)
{
  GEnumClass *klass = g_type_class_ref (type);
  GEnumValue *v = g_enum_get_value (klass, value);
  const char *nick = v != NULL ? v->value_nick : klass->values[0].value_nick;

  /* The class of a static enum type lives as long as the process: the nick stays valid. */
  g_type_class_unref (klass);
  return nick;
}

/* The writer: compact JSON, one task per line, built straight into a
 * GString. (json-glib's builder and generator made a node tree, hash table
 * per object, of the whole list on every write: 10,000 tasks took most of a
 * second.) The output is plain JSON; meow_store_load() reads it back. */

/* Appends @s as a JSON string. Bytes that are not UTF-8 (json-glib would
 * refuse to read them back, and with them the whole list) become U+FFFD. */
static void
json_append_string (GString *out, const char *s)
{
  g_autofree char *valid = NULL;
  const char      *run;
  const char      *p;

  if (!g_utf8_validate (s, -1, NULL))
    s = valid = g_utf8_make_valid (s, -1);

  g_string_append_c (out, '"');
  for (run = p = s; *p != '\0'; p++)
    {
      guchar c = (guchar) *p;

      if (c >= 0x20 && c != '"' && c != '\\')
        continue;
      g_string_append_len (out, run, p - run);
      switch (c)
        {
        case '"':
          g_string_append (out, "\\\"");
          break;
        case '\\':
          g_string_append (out, "\\\\");
          break;
        case '\n':
          g_string_append (out, "\\n");
          break;
        case '\r':
          g_string_append (out, "\\r");
          break;
        case '\t':
          g_string_append (out, "\\t");
          break;
        default:
          g_string_append_printf (out, "\\u%04x", c);
        }
      run = p + 1;
    }
  g_string_append_len (out, run, p - run);
  g_string_append_c (out, '"');
}

static void
json_append_member (GString *out, gboolean *first, const char *member)
{
  if (!*first)
    g_string_append_c (out, ',');
  *first = FALSE;
  g_string_append_c (out, '"');
  g_string_append (out, member);
  g_string_append (out, "\":");
}

static void
add_string (GString *out, gboolean *first, const char *member, const char *value)
{
  if (value == NULL)
    return;
  json_append_member (out, first, member);
  json_append_string (out, value);
}

static void
add_int (GString *out, gboolean *first, const char *member, gint64 value)
{
  char    digits[24];
  char   *d = digits + sizeof digits;
  guint64 magnitude = value < 0 ? -(guint64) value : (guint64) value;

  /* g_string_append_printf() is most of the cost of a list of numbers. */
  do
    *--d = (char) ('0' + magnitude % 10);
  while ((magnitude /= 10) != 0);
  if (value < 0)
    *--d = '-';
  json_append_member (out, first, member);
  g_string_append_len (out, d, digits + sizeof digits - d);
}

static void
add_bool (GString *out, gboolean *first, const char *member, gboolean value)
{
  json_append_member (out, first, member);
  g_string_append (out, value ? "true" : "false");
}

static void
stored_task_to_json (const MeowStoredTask *st, GString *out)
{
  gboolean first = TRUE;

  g_string_append_c (out, '{');
  add_string (out, &first, "id", st->id);
  add_string (out, &first, "direction", enum_to_nick (MEOW_TYPE_DIRECTION, st->direction));
  add_string (out, &first, "url", st->url);
  add_string (out, &first, "method", st->method);
  json_append_member (out, &first, "headers");
  g_string_append_c (out, '[');
  for (guint i = 0; st->headers[i] != NULL; i++)
    {
      if (i > 0)
        g_string_append_c (out, ',');
      json_append_string (out, st->headers[i]);
    }
  g_string_append_c (out, ']');
  add_string (out, &first, "name", st->name);
  add_string (out, &first, "output_file", st->output_file);
  add_string (out, &first, "output_dir", st->output_dir);
  add_string (out, &first, "local_path", st->local_path);
  add_string (out, &first, "source_file", st->source_file);
  if (st->source_in_memory)
    add_bool (out, &first, "source_in_memory", TRUE);
  if (st->checksum_hex != NULL)
    {
      add_string (out, &first, "checksum_type",
                  enum_to_nick (MEOW_TYPE_CHECKSUM_TYPE, st->checksum_type));
      add_string (out, &first, "checksum", st->checksum_hex);
    }
  if (st->retries_set)
    add_int (out, &first, "retries", st->retries);
  add_int (out, &first, "speed_limit", (gint64) st->speed_limit);
  if (st->segments > 0)
    add_int (out, &first, "segments", st->segments);
  add_bool (out, &first, "overwrite", st->overwrite);
  add_bool (out, &first, "keep_partial", st->keep_partial);
  add_int (out, &first, "size_hint", st->size_hint);
  if (st->direction == MEOW_DIRECTION_UPLOAD)
    {
      add_string (out, &first, "upload_protocol",
                  enum_to_nick (MEOW_TYPE_UPLOAD_PROTOCOL_KIND, st->protocol));
      add_int (out, &first, "chunk_size", st->chunk_size);
      add_string (out, &first, "category", st->category);
      add_string (out, &first, "upload_url", st->upload_url);
      if (st->prepare_retries_set)
        add_int (out, &first, "prepare_retries", st->prepare_retries);
    }
  add_string (out, &first, "status", enum_to_nick (MEOW_TYPE_STATUS, st->status));
  add_int (out, &first, "transferred", (gint64) st->transferred);
  add_int (out, &first, "total", st->total);
  add_int (out, &first, "added", st->added);
  add_int (out, &first, "finished", st->finished);
  if (st->error_message != NULL || st->error_domain != 0)
    {
      add_string (out, &first, "error_domain", g_quark_to_string (st->error_domain));
      add_int (out, &first, "error_code", st->error_code);
      add_string (out, &first, "error_message", st->error_message);
    }
  add_string (out, &first, "payload", st->payload);
  g_string_append_c (out, '}');
}

/* The list is read by a small strict JSON (RFC 8259) reader of the store's own, one
 * task at a time: each entry is parsed into a scratch tree that is reused for the
 * next, and turned into a MeowStoredTask at once. (json-glib built a tree of the whole
 * file, some 300,000 nodes and hash tables for 10,000 tasks, in GSlice memory that
 * GLib keeps after it is freed: 40 MB and most of the start-up time of a long list.)
 * Any valid JSON is accepted where the format allows unknown members. */

#define JV_NONE G_MAXUINT
#define JV_DEPTH 64

typedef enum
{
  JV_NULL,
  JV_BOOL,
  JV_INT,
  JV_DOUBLE,
  JV_STRING,
  JV_ARRAY,
  JV_OBJECT,
} JvKind;

typedef struct
{
  JvKind kind;
  guint  key;   /* a member's name (offset in strings), else JV_NONE */
  guint  next;  /* the next element or member of the parent, or JV_NONE */
  guint  first; /* an array's or object's first child, or JV_NONE */
  guint  str;   /* JV_STRING: offset in strings */
  gint64 i;     /* JV_INT; JV_BOOL: 0 or 1 */
} Jv;

typedef struct
{
  const char *start;
  const char *p;
  const char *end;
  GArray     *nodes;   /* Jv: the scratch tree */
  GString    *strings; /* decoded strings and names, each ending in NUL */
  const char *error;   /* what is wrong at p, or NULL */
} JvReader;

static gboolean
jv_fail (JvReader *r, const char *what)
{
  if (r->error == NULL)
    r->error = what;
  return FALSE;
}

static void
jv_skip_ws (JvReader *r)
{
  while (r->p < r->end && (*r->p == ' ' || *r->p == '\n' || *r->p == '\r' || *r->p == '\t'))
    r->p++;
}

static gboolean
jv_peek (JvReader *r, char c)
{
  jv_skip_ws (r);
  return r->p < r->end && *r->p == c;
}

static gboolean
jv_expect (JvReader *r, char c, const char *what)
{
  if (!jv_peek (r, c))
    return jv_fail (r, what);
  r->p++;
  return TRUE;
}

static Jv *
jv_node (JvReader *r, guint index)
{
  return &g_array_index (r->nodes, Jv, index);
}

static const char *
jv_string (JvReader *r, guint offset)
{
  return r->strings->str + offset;
}

static int
jv_hex4 (const char *p)
{
  int value = 0;

  for (guint i = 0; i < 4; i++)
    {
      int d = g_ascii_xdigit_value (p[i]);

      if (d < 0)
        return -1;
      value = value * 16 + d;
    }
  return value;
}

/* Reads a string at p (on its opening quote) into strings; *offset is where it went. */
static gboolean
jv_read_string (JvReader *r, guint *offset)
{
  const char *run;

  if (!jv_expect (r, '"', "a string was expected"))
    return FALSE;
  *offset = r->strings->len;
  run = r->p;
  for (;;)
    {
      guchar c;

      if (r->p >= r->end)
        return jv_fail (r, "a string does not end");
      c = (guchar) *r->p;
      if (c != '"' && c != '\\' && c >= 0x20)
        {
          r->p++;
          continue;
        }
      g_string_append_len (r->strings, run, r->p - run);
      if (c == '"')
        {
          r->p++;
          break;
        }
      if (c < 0x20)
        return jv_fail (r, "a control character in a string");

      /* A backslash. */
      if (r->end - r->p < 2)
        return jv_fail (r, "a string does not end");
      switch (r->p[1])
        {
        case '"':
        case '\\':
        case '/':
          g_string_append_c (r->strings, r->p[1]);
          break;
        case 'b':
          g_string_append_c (r->strings, '\b');
          break;
        case 'f':
          g_string_append_c (r->strings, '\f');
          break;
        case 'n':
          g_string_append_c (r->strings, '\n');
          break;
        case 'r':
          g_string_append_c (r->strings, '\r');
          break;
        case 't':
          g_string_append_c (r->strings, '\t');
          break;
        case 'u':
          {
            int      unit = r->end - r->p >= 6 ? jv_hex4 (r->p + 2) : -1;
            gunichar ch;
            char     utf8[6];

            if (unit < 0)
              return jv_fail (r, "a bad \\u escape");
            ch = (gunichar) unit;
            if (unit >= 0xd800 && unit <= 0xdbff)
              {
                int low = r->end - r->p >= 12 && r->p[6] == '\\' && r->p[7] == 'u'
                              ? jv_hex4 (r->p + 8)
                              : -1;

                if (low < 0xdc00 || low > 0xdfff)
                  return jv_fail (r, "a lone UTF-16 surrogate");
                ch = 0x10000 + (((gunichar) unit - 0xd800) << 10) + ((gunichar) low - 0xdc00);
                r->p += 6;
              }
            else if (unit >= 0xdc00 && unit <= 0xdfff)
              return jv_fail (r, "a lone UTF-16 surrogate");
            else if (unit == 0)
              return jv_fail (r, "a NUL character in a string");
            g_string_append_len (r->strings, utf8, g_unichar_to_utf8 (ch, utf8));
            r->p += 4;
          }
          break;
        default:
          return jv_fail (r, "a bad escape in a string");
        }
      r->p += 2;
      run = r->p;
    }
  g_string_append_c (r->strings, '\0');
  return TRUE;
}

static gboolean
jv_read_number (JvReader *r, Jv *node)
{
  const char *begin = r->p;
  gboolean    integer = TRUE;
  char        buf[32];
  char       *endptr = NULL;

#define DIGITS(p) ((p) < r->end && g_ascii_isdigit (*(p)))
  if (r->p < r->end && *r->p == '-')
    r->p++;
  if (!DIGITS (r->p))
    return jv_fail (r, "a bad number");
  if (*r->p == '0')
    r->p++;
  else
    while (DIGITS (r->p))
      r->p++;
  if (r->p < r->end && *r->p == '.')
    {
      integer = FALSE;
      r->p++;
      if (!DIGITS (r->p))
        return jv_fail (r, "a bad number");
      while (DIGITS (r->p))
        r->p++;
    }
  if (r->p < r->end && (*r->p == 'e' || *r->p == 'E'))
    {
      integer = FALSE;
      r->p++;
      if (r->p < r->end && (*r->p == '+' || *r->p == '-'))
        r->p++;
      if (!DIGITS (r->p))
        return jv_fail (r, "a bad number");
      while (DIGITS (r->p))
        r->p++;
    }
#undef DIGITS

  node->kind = JV_DOUBLE;
  if (integer && (gsize) (r->p - begin) < sizeof buf)
    {
      memcpy (buf, begin, r->p - begin);
      buf[r->p - begin] = '\0';
      errno = 0;
      node->i = g_ascii_strtoll (buf, &endptr, 10);
      /* Too big for an integer: a number of another kind, as json-glib had it. */
      if (errno == 0 && *endptr == '\0')
        node->kind = JV_INT;
    }
  return TRUE;
}

static gboolean
jv_literal (JvReader *r, const char *word)
{
  gsize len = strlen (word);

  if ((gsize) (r->end - r->p) < len || memcmp (r->p, word, len) != 0)
    return jv_fail (r, "an unexpected character");
  r->p += len;
  return TRUE;
}

/* Reads one value into the scratch tree; *index is its node. */
static gboolean
jv_read_value (JvReader *r, guint depth, guint *index)
{
  Jv node = { .key = JV_NONE, .next = JV_NONE, .first = JV_NONE, .str = JV_NONE };

  if (depth > JV_DEPTH)
    return jv_fail (r, "values nested too deeply");
  jv_skip_ws (r);
  if (r->p >= r->end)
    return jv_fail (r, "a value was expected");

  *index = r->nodes->len;
  switch (*r->p)
    {
    case '{':
    case '[':
      {
        gboolean object = *r->p == '{';
        char     close = object ? '}' : ']';
        guint    last = JV_NONE;

        node.kind = object ? JV_OBJECT : JV_ARRAY;
        g_array_append_val (r->nodes, node);
        r->p++;
        if (jv_peek (r, close))
          {
            r->p++;
            return TRUE;
          }
        for (;;)
          {
            guint key = JV_NONE;
            guint child;

            if (object && (!jv_read_string (r, &key) || !jv_expect (r, ':', "“:” was expected")))
              return FALSE;
            if (!jv_read_value (r, depth + 1, &child))
              return FALSE;
            jv_node (r, child)->key = key;
            if (last == JV_NONE)
              jv_node (r, *index)->first = child;
            else
              jv_node (r, last)->next = child;
            last = child;
            if (jv_peek (r, ','))
              {
                r->p++;
                continue;
              }
            return jv_expect (r, close,
                              object ? "“,” or “}” was expected" : "“,” or “]” was expected");
          }
      }
    case '"':
      node.kind = JV_STRING;
      if (!jv_read_string (r, &node.str))
        return FALSE;
      break;
    case 't':
      node.kind = JV_BOOL;
      node.i = 1;
      if (!jv_literal (r, "true"))
        return FALSE;
      break;
    case 'f':
      node.kind = JV_BOOL;
      if (!jv_literal (r, "false"))
        return FALSE;
      break;
    case 'n':
      node.kind = JV_NULL;
      if (!jv_literal (r, "null"))
        return FALSE;
      break;
    default:
      if (!jv_read_number (r, &node))
        return FALSE;
    }
  g_array_append_val (r->nodes, node);
  return TRUE;
}

/* The scratch tree is emptied before each top-level member and each task. */
static void
jv_reset (JvReader *r)
{
  g_array_set_size (r->nodes, 0);
  g_string_truncate (r->strings, 0);
}

/* An object's member, the last of that name as in json-glib, or JV_NONE. */
static guint
jv_member (JvReader *r, guint object, const char *name)
{
  guint found = JV_NONE;

  for (guint i = jv_node (r, object)->first; i != JV_NONE; i = jv_node (r, i)->next)
    if (strcmp (jv_string (r, jv_node (r, i)->key), name) == 0)
      found = i;
  return found;
}

/* Field readers. Absent or null members give the default; a member of the
 * wrong type makes the entry invalid (the reader returns FALSE). */

static Jv *
member_value (JvReader *r, guint o, const char *member, JvKind kind, gboolean *ok)
{
  guint index = jv_member (r, o, member);
  Jv   *node;

  if (index == JV_NONE || jv_node (r, index)->kind == JV_NULL)
    return NULL;
  node = jv_node (r, index);
  if (node->kind != kind)
    {
      *ok = FALSE;
      return NULL;
    }
  return node;
}

static gboolean
read_string (JvReader *r, guint o, const char *member, gboolean required, char **out)
{
  gboolean ok = TRUE;
  Jv      *node = member_value (r, o, member, JV_STRING, &ok);

  if (!ok || (required && (node == NULL || jv_string (r, node->str)[0] == '\0')))
    return FALSE;
  g_free (*out);
  *out = node ? g_strdup (jv_string (r, node->str)) : NULL;
  return TRUE;
}

static gboolean
read_int (JvReader *r, guint o, const char *member, gint64 min, gint64 *out, gboolean *present)
{
  gboolean ok = TRUE;
  Jv      *node = member_value (r, o, member, JV_INT, &ok);

  if (present)
    *present = node != NULL;
  if (!ok)
    return FALSE;
  if (node == NULL)
    return TRUE;
  if (node->i < min)
    return FALSE;
  *out = node->i;
  return TRUE;
}

static gboolean
read_uint (JvReader *r, guint o, const char *member, guint *out, gboolean *present)
{
  gint64 v = *out;

  if (!read_int (r, o, member, 0, &v, present) || v > G_MAXUINT)
    return FALSE;
  *out = (guint) v;
  return TRUE;
}

static gboolean
read_bool (JvReader *r, guint o, const char *member, gboolean *out)
{
  gboolean ok = TRUE;
  Jv      *node = member_value (r, o, member, JV_BOOL, &ok);

  if (!ok)
    return FALSE;
  if (node != NULL)
    *out = node->i != 0;
  return TRUE;
}

static gboolean
read_enum (JvReader *r, guint o, const char *member, GType type, gboolean required, int *out)
{
  g_autofree char *nick = NULL;
  g_autoptr (GEnumClass) klass = NULL;
  GEnumValue *v;

  if (!read_string (r, o, member, required, &nick))
    return FALSE;
  if (nick == NULL)
    return TRUE;
  klass = g_type_class_ref (type);
  v = g_enum_get_value_by_nick (klass, nick);
  if (v == NULL)
    return FALSE;
  *out = v->value;
  return TRUE;
}

static gboolean
read_headers (JvReader *r, guint o, GStrv *out)
{
  guint index = jv_member (r, o, "headers");
  g_autoptr (GStrvBuilder) sb = g_strv_builder_new ();

  if (index != JV_NONE && jv_node (r, index)->kind != JV_NULL)
    {
      if (jv_node (r, index)->kind != JV_ARRAY)
        return FALSE;
      for (guint i = jv_node (r, index)->first; i != JV_NONE; i = jv_node (r, i)->next)
        {
          Jv *h = jv_node (r, i);

          if (h->kind != JV_STRING || strchr (jv_string (r, h->str), ':') == NULL)
            return FALSE;
          g_strv_builder_add (sb, jv_string (r, h->str));
        }
    }
  g_strfreev (*out);
  *out = g_strv_builder_end (sb);
  return TRUE;
}

/* Returns the entry, or NULL with *bad naming the first invalid field. */
static MeowStoredTask *
stored_task_from_json (JvReader *r, guint o, const char **bad)
{
  g_autoptr (MeowStoredTask) st = g_new0 (MeowStoredTask, 1);
  g_autofree char *domain = NULL;
  int              e;
  gint64           v;

  st->headers = g_new0 (char *, 1);
  st->total = -1;
  st->size_hint = -1;

  if (jv_node (r, o)->kind != JV_OBJECT)
    {
      *bad = "(entry is not an object)";
      return NULL;
    }

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

  CHECK (read_string (r, o, "id", TRUE, &st->id), "id");
  e = -1;
  CHECK (read_enum (r, o, "direction", MEOW_TYPE_DIRECTION, TRUE, &e), "direction");
  st->direction = e;
  CHECK (read_string (r, o, "url", TRUE, &st->url), "url");
  CHECK (read_string (r, o, "method", FALSE, &st->method), "method");
  CHECK (read_headers (r, o, &st->headers), "headers");
  CHECK (read_string (r, o, "name", FALSE, &st->name), "name");
  CHECK (read_string (r, o, "output_file", FALSE, &st->output_file), "output_file");
  CHECK (read_string (r, o, "output_dir", FALSE, &st->output_dir), "output_dir");
  CHECK (read_string (r, o, "local_path", FALSE, &st->local_path), "local_path");
  CHECK (read_string (r, o, "source_file", FALSE, &st->source_file), "source_file");
  CHECK (read_bool (r, o, "source_in_memory", &st->source_in_memory), "source_in_memory");
  CHECK (read_string (r, o, "checksum", FALSE, &st->checksum_hex), "checksum");
  e = MEOW_CHECKSUM_NONE;
  CHECK (read_enum (r, o, "checksum_type", MEOW_TYPE_CHECKSUM_TYPE, st->checksum_hex != NULL, &e),
         "checksum_type");
  st->checksum_type = e;
  CHECK (read_uint (r, o, "retries", &st->retries, &st->retries_set), "retries");
  v = 0;
  CHECK (read_int (r, o, "speed_limit", 0, &v, NULL), "speed_limit");
  st->speed_limit = (guint64) v;
  CHECK (read_uint (r, o, "segments", &st->segments, NULL) && st->segments <= 16, "segments");
  CHECK (read_bool (r, o, "overwrite", &st->overwrite), "overwrite");
  CHECK (read_bool (r, o, "keep_partial", &st->keep_partial), "keep_partial");
  CHECK (read_int (r, o, "size_hint", -1, &st->size_hint, NULL), "size_hint");
  e = MEOW_UPLOAD_PROTOCOL_MEOW;
  CHECK (read_enum (r, o, "upload_protocol", MEOW_TYPE_UPLOAD_PROTOCOL_KIND, FALSE, &e),
         "upload_protocol");
  st->protocol = e;
  CHECK (read_int (r, o, "chunk_size", 0, &st->chunk_size, NULL), "chunk_size");
  CHECK (read_string (r, o, "category", FALSE, &st->category), "category");
  CHECK (read_string (r, o, "upload_url", FALSE, &st->upload_url), "upload_url");
  CHECK (read_uint (r, o, "prepare_retries", &st->prepare_retries, &st->prepare_retries_set),
         "prepare_retries");
  e = -1;
  CHECK (read_enum (r, o, "status", MEOW_TYPE_STATUS, TRUE, &e), "status");
  st->status = e;
  v = 0;
  CHECK (read_int (r, o, "transferred", 0, &v, NULL), "transferred");
  st->transferred = (guint64) v;
  CHECK (read_int (r, o, "total", -1, &st->total, NULL), "total");
  CHECK (read_int (r, o, "added", 0, &st->added, NULL), "added");
  CHECK (read_int (r, o, "finished", 0, &st->finished, NULL), "finished");
  CHECK (read_string (r, o, "error_domain", FALSE, &domain), "error_domain");
  v = 0;
  CHECK (read_int (r, o, "error_code", G_MININT, &v, NULL) && v <= G_MAXINT, "error_code");
  st->error_code = (int) v;
  CHECK (read_string (r, o, "error_message", FALSE, &st->error_message), "error_message");
  CHECK (read_string (r, o, "payload", FALSE, &st->payload), "payload");

  /* A download goes somewhere; an upload comes from somewhere. */
  if (st->direction == MEOW_DIRECTION_UPLOAD)
    CHECK (st->source_file != NULL || st->source_in_memory, "source_file");
#undef CHECK

  /* Lists written before the quark's name was fixed call MEOW_ERROR
   * "meow - error - quark" (clang-format had spaced out its hyphens). */
  if (g_strcmp0 (domain, "meow - error - quark") == 0)
    st->error_domain = MEOW_ERROR;
  else
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

  /* Owner thread. */
  GSource *flush_source; /* persistent, woken with a ready time: hands a snapshot over */
  GSource *done_source;  /* persistent, woken by the writer thread after each write */
  gboolean dirty;        /* changes that no snapshot handed to the writer holds */
  gboolean urgent;       /* ...and one of them is a lifecycle change: write soon */
  guint64  handed;       /* the last snapshot ticket given to the writer */
  guint64  acked;        /* the last ticket whose outcome the owner thread handled */
  gint64   last_attempt; /* monotonic time of the last snapshot handed over */

  /* The writer thread and what it shares with the owner, under writer_mutex. */
  GThread *writer;
  GMutex   writer_mutex;
  GCond    writer_cond;
  GBytes  *next;        /* the newest snapshot not yet taken by the thread, or NULL */
  guint64  next_ticket; /* its ticket (tickets only grow; a newer snapshot replaces an older) */
  guint64  done_ticket; /* the last ticket the thread finished */
  GError  *done_error;  /* how it failed, or NULL */
  gboolean quit;
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

static void     store_kick (MeowStore *self);
static void     store_write_async (MeowStore *self);
static gboolean store_write_sync (MeowStore *self, GError **error);

static gboolean
ready_time_source_dispatch (GSource *source, GSourceFunc callback, gpointer user_data)
{
  g_source_set_ready_time (source, -1);
  return callback (user_data);
}

static GSourceFuncs ready_time_source_funcs = {
  .dispatch = ready_time_source_dispatch,
};

static GSource *
ready_time_source_new (MeowStore *self, const char *name, GSourceFunc callback)
{
  GSource *source = g_source_new (&ready_time_source_funcs, sizeof (GSource));

  g_source_set_static_name (source, name);
  /* After the burst of records that made the change, not between them. */
  g_source_set_priority (source, G_PRIORITY_DEFAULT_IDLE);
  g_source_set_callback (source, callback, self, NULL);
  g_source_attach (source, self->context);
  return source;
}

/* Writes @bytes over the file atomically. Writer thread (or any thread). */
static gboolean
write_file (const char *path, GBytes *bytes, GError **error)
{
  g_autofree char *dirname = g_path_get_dirname (path);
  gsize            length = 0;
  const char      *data = g_bytes_get_data (bytes, &length);
  g_autoptr (GError) local_error = NULL;

  if (g_mkdir_with_parents (dirname, 0700) != 0)
    {
      int errsv = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errsv),
                   "Could not save the task list: cannot create the folder “%s”: %s.", dirname,
                   g_strerror (errsv));
      return FALSE;
    }

  /* CONSISTENT: the new contents are fsynced before the rename, so after a
   * crash the file holds the old list or the new one, never a mix. The file
   * holds URLs with credentials and request headers: owner only. */
  if (!g_file_set_contents_full (path, data, length, G_FILE_SET_CONTENTS_CONSISTENT, 0600,
                                 &local_error))
    {
      g_set_error (error, G_IO_ERROR, g_io_error_from_file_error (local_error->code),
                   "Could not save the task list to “%s”: %s", path, local_error->message);
      return FALSE;
    }
  return TRUE;
}

/* The writer thread: writes the newest snapshot, one at a time, in ticket
 * order, until told to quit with nothing left to write. */
static gpointer
writer_thread (gpointer user_data)
{
  MeowStore *self = user_data;

  g_mutex_lock (&self->writer_mutex);
  for (;;)
    {
      g_autoptr (GBytes) bytes = NULL;
      GError *error = NULL;
      guint64 ticket;

      while (self->next == NULL && !self->quit)
        g_cond_wait (&self->writer_cond, &self->writer_mutex);
      if (self->next == NULL)
        break;
      bytes = g_steal_pointer (&self->next);
      ticket = self->next_ticket;
      g_mutex_unlock (&self->writer_mutex);

      write_file (self->path, bytes, &error);

      g_mutex_lock (&self->writer_mutex);
      self->done_ticket = ticket;
      g_clear_error (&self->done_error);
      self->done_error = error;
      g_cond_broadcast (&self->writer_cond);
      g_source_set_ready_time (self->done_source, 0);
    }
  g_mutex_unlock (&self->writer_mutex);
  return NULL;
}

/* Gives the writer thread a snapshot; returns its ticket. Owner thread. */
static guint64
writer_submit (MeowStore *self, GBytes *bytes)
{
  guint64 ticket;

  if (self->writer == NULL)
    self->writer = g_thread_new ("meow-store", writer_thread, self);

  g_mutex_lock (&self->writer_mutex);
  g_clear_pointer (&self->next, g_bytes_unref); /* older: the new one holds all of it */
  self->next = g_bytes_ref (bytes);
  ticket = ++self->next_ticket;
  g_cond_broadcast (&self->writer_cond);
  g_mutex_unlock (&self->writer_mutex);

  self->handed = ticket;
  self->last_attempt = g_get_monotonic_time ();
  return ticket;
}

/* Blocks until the thread finished @ticket (or a later one); returns how it
 * went. Owner thread. */
static gboolean
writer_wait (MeowStore *self, guint64 ticket, GError **error)
{
  gboolean ok;

  g_mutex_lock (&self->writer_mutex);
  while (self->done_ticket < ticket)
    g_cond_wait (&self->writer_cond, &self->writer_mutex);
  ok = self->done_error == NULL;
  if (!ok)
    g_propagate_error (error, g_error_copy (self->done_error));
  self->acked = MAX (self->acked, self->done_ticket);
  g_mutex_unlock (&self->writer_mutex);
  return ok;
}

static gboolean
write_in_flight (MeowStore *self)
{
  return self->handed > self->acked;
}

/* The debounce source: hands the newest list to the writer when due. */
static gboolean
flush_source_cb (gpointer user_data)
{
  MeowStore *self = user_data;

  /* While a write runs, its completion decides (and coalesces what came meanwhile). */
  if (self->dirty && !write_in_flight (self))
    store_write_async (self);
  return G_SOURCE_CONTINUE;
}

/* The writer finished something: tell the app, retry or write what came since. */
static gboolean
done_source_cb (gpointer user_data)
{
  MeowStore *self = user_data;
  g_autoptr (GError) error = NULL;
  guint64 ticket;

  g_mutex_lock (&self->writer_mutex);
  ticket = self->done_ticket;
  if (self->done_error != NULL)
    error = g_error_copy (self->done_error);
  g_mutex_unlock (&self->writer_mutex);

  /* Seen already (a synchronous write waited for it), or an older ticket
   * whose newer snapshot is still being written. */
  if (ticket <= self->acked || ticket < self->handed)
    return G_SOURCE_CONTINUE;
  self->acked = ticket;

  if (error != NULL)
    {
      /* Still only in memory: the timer tries again. */
      self->dirty = TRUE;
      g_signal_emit (self, signals[SIGNAL_WRITE_FAILED], 0, error);
    }
  else
    g_signal_emit (self, signals[SIGNAL_SAVED], 0);

  store_kick (self);
  return G_SOURCE_CONTINUE;
}

static void
meow_store_dispose (GObject *object)
{
  MeowStore *self = MEOW_STORE (object);

  /* Dropping the store is a last chance not to lose debounced progress. */
  if ((self->dirty || write_in_flight (self)) && self->path != NULL)
    {
      g_autoptr (GError) error = NULL;

      if (!meow_store_flush (self, &error))
        g_warning ("%s", error->message);
    }

  if (self->writer != NULL)
    {
      g_mutex_lock (&self->writer_mutex);
      self->quit = TRUE;
      g_cond_broadcast (&self->writer_cond);
      g_mutex_unlock (&self->writer_mutex);
      g_thread_join (g_steal_pointer (&self->writer));
    }

  if (self->flush_source != NULL)
    {
      g_source_destroy (self->flush_source);
      g_clear_pointer (&self->flush_source, g_source_unref);
    }
  if (self->done_source != NULL)
    {
      g_source_destroy (self->done_source);
      g_clear_pointer (&self->done_source, g_source_unref);
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
  g_clear_pointer (&self->next, g_bytes_unref);
  g_clear_error (&self->done_error);
  g_mutex_clear (&self->writer_mutex);
  g_cond_clear (&self->writer_cond);
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
  g_mutex_init (&self->writer_mutex);
  g_cond_init (&self->writer_cond);
  self->flush_source = ready_time_source_new (self, "[meow] store debounce", flush_source_cb);
  self->done_source = ready_time_source_new (self, "[meow] store written", done_source_cb);
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

/* Reads the elements of the "tasks" array at r->p (on its "["), one at a time. Entries
 * that are not valid tasks are skipped with a warning in @warnings; the others go to
 * @loaded, with their index in the array in @indices. */
static gboolean
read_tasks (JvReader *r, const char *path, GPtrArray *loaded, GArray *indices, GPtrArray *warnings)
{
  if (!jv_expect (r, '[', "an array was expected"))
    return FALSE;
  if (jv_peek (r, ']'))
    {
      r->p++;
      return TRUE;
    }
  for (guint i = 0;; i++)
    {
      const char     *bad = NULL;
      MeowStoredTask *st;
      guint           node;

      jv_reset (r);
      if (!jv_read_value (r, 2, &node))
        return FALSE;
      if (jv_node (r, node)->kind != JV_OBJECT)
        g_ptr_array_add (warnings, g_strdup_printf ("Skipping task %u of “%s”: it is not a JSON "
                                                    "object",
                                                    i, path));
      else if ((st = stored_task_from_json (r, node, &bad)) == NULL)
        {
          guint id = jv_member (r, node, "id");

          g_ptr_array_add (
              warnings,
              g_strdup_printf ("Skipping task %u (id “%s”) of “%s”: its field “%s” is missing or "
                               "invalid",
                               i,
                               id != JV_NONE && jv_node (r, id)->kind == JV_STRING
                                   ? jv_string (r, jv_node (r, id)->str)
                                   : "?",
                               path, bad));
        }
      else
        {
          g_ptr_array_add (loaded, st);
          g_array_append_val (indices, i);
        }

      if (jv_peek (r, ','))
        {
          r->p++;
          continue;
        }
      return jv_expect (r, ']', "“,” or “]” was expected");
    }
}

/* "line L, column C: what" for where the reader stopped. */
static char *
jv_describe_error (JvReader *r)
{
  guint       line = 1;
  const char *line_start = r->start;

  for (const char *p = r->start; p < r->p && p < r->end; p++)
    if (*p == '\n')
      {
        line++;
        line_start = p + 1;
      }
  return g_strdup_printf ("line %u, column %u: %s", line, (guint) (r->p - line_start) + 1,
                          r->error ? r->error : "unexpected data");
}

gboolean
meow_store_load (MeowStore *store, GError **error)
{
  g_autofree char *contents = NULL;
  gsize            length = 0;
  g_autoptr (GError) local_error = NULL;
  g_autoptr (GArray) nodes = g_array_sized_new (FALSE, FALSE, sizeof (Jv), 64);
  g_autoptr (GString) strings = g_string_sized_new (4096);
  g_autoptr (GPtrArray) loaded =
      g_ptr_array_new_with_free_func ((GDestroyNotify) meow_stored_task_free);
  g_autoptr (GArray) indices = g_array_new (FALSE, FALSE, sizeof (guint));
  g_autoptr (GPtrArray) warnings = g_ptr_array_new_with_free_func (g_free);
  JvReader r = { 0 };
  gboolean have_version = FALSE;
  gboolean version_is_int = FALSE;
  gint64   version = 0;
  gboolean have_tasks_array = FALSE;

  g_return_val_if_fail (MEOW_IS_STORE (store), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  store_clear (store);
  store->dirty = FALSE;
  store->urgent = FALSE;
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

  if (!g_utf8_validate_len (contents, length, NULL))
    {
      move_aside (store, G_IO_ERROR_INVALID_DATA, "not valid JSON: not UTF-8 text", error);
      return FALSE;
    }

  r.start = r.p = contents;
  r.end = contents + length;
  r.nodes = nodes;
  r.strings = strings;

  if (!jv_peek (&r, '{'))
    {
      guint root;

      if (jv_read_value (&r, 0, &root) && (jv_skip_ws (&r), r.p == r.end))
        move_aside (store, G_IO_ERROR_INVALID_DATA, "not a JSON object", error);
      else
        goto invalid;
      return FALSE;
    }
  r.p++;
  if (jv_peek (&r, '}'))
    r.p++;
  else
    for (;;)
      {
        guint       key;
        guint       value;
        const char *name;

        jv_reset (&r);
        if (!jv_read_string (&r, &key) || !jv_expect (&r, ':', "“:” was expected"))
          goto invalid;
        /* As in json-glib, the last member of a name counts. */
        name = jv_string (&r, key);
        if (strcmp (name, "tasks") == 0 && jv_peek (&r, '['))
          {
            g_ptr_array_set_size (loaded, 0);
            g_array_set_size (indices, 0);
            g_ptr_array_set_size (warnings, 0);
            if (!read_tasks (&r, store->path, loaded, indices, warnings))
              goto invalid;
            have_tasks_array = TRUE;
          }
        else
          {
            gboolean is_tasks = strcmp (name, "tasks") == 0;
            gboolean is_version = strcmp (name, "version") == 0;

            if (!jv_read_value (&r, 1, &value))
              goto invalid;
            if (is_tasks)
              {
                g_ptr_array_set_size (loaded, 0);
                g_array_set_size (indices, 0);
                g_ptr_array_set_size (warnings, 0);
                have_tasks_array = FALSE;
              }
            if (is_version)
              {
                have_version = TRUE;
                version_is_int = jv_node (&r, value)->kind == JV_INT;
                version = jv_node (&r, value)->i;
              }
          }
        if (jv_peek (&r, ','))
          {
            r.p++;
            continue;
          }
        if (!jv_expect (&r, '}', "“,” or “}” was expected"))
          goto invalid;
        break;
      }
  jv_skip_ws (&r);
  if (r.p != r.end)
    {
      jv_fail (&r, "data after the end of the list");
      goto invalid;
    }

  if (!have_version || !version_is_int)
    {
      move_aside (store, G_IO_ERROR_INVALID_DATA, "no integer “version”", error);
      return FALSE;
    }
  if (version != STORE_VERSION)
    {
      /* Most likely written by a newer Meow: keep it intact for that one. */
      g_autofree char *why =
          g_strdup_printf ("version %" G_GINT64_FORMAT " is unknown to this Meow, which reads "
                           "version %d",
                           version, STORE_VERSION);

      move_aside (store, G_IO_ERROR_INVALID_DATA, why, error);
      return FALSE;
    }
  if (!have_tasks_array)
    {
      move_aside (store, G_IO_ERROR_INVALID_DATA, "no “tasks” array", error);
      return FALSE;
    }

  for (guint i = 0; i < warnings->len; i++)
    g_warning ("%s", (const char *) warnings->pdata[i]);
  for (guint i = 0; i < loaded->len; i++)
    {
      MeowStoredTask  *st = g_steal_pointer (&loaded->pdata[i]);
      g_autofree char *id = g_strdup (st->id);

      if (!store_insert (store, st))
        g_warning ("Skipping task %u of “%s”: its id “%s” is used by an earlier task",
                   g_array_index (indices, guint, i), store->path, id);
    }
  return TRUE;

invalid:
  {
    g_autofree char *where = jv_describe_error (&r);
    g_autofree char *why = g_strdup_printf ("not valid JSON: %s", where);

    move_aside (store, G_IO_ERROR_INVALID_DATA, why, error);
    return FALSE;
  }
}

static GBytes *
store_serialize (MeowStore *self)
{
  GString *out = g_string_sized_new (512 * (self->tasks->len + 1));

  g_string_append_printf (out, "{\"version\":%d,\"tasks\":[", STORE_VERSION);
  for (guint i = 0; i < self->tasks->len; i++)
    {
      g_string_append (out, i > 0 ? ",\n" : "\n");
      stored_task_to_json (g_ptr_array_index (self->tasks, i), out);
    }
  g_string_append (out, "\n]}\n");
  return g_string_free_to_bytes (out);
}

/* Decides when the debounce source hands the next snapshot over: soon after
 * a lifecycle change, else PROGRESS_WRITE_INTERVAL_US after the last one. */
static void
store_kick (MeowStore *self)
{
  gint64 when;
  gint64 current;

  if (!self->dirty)
    return;
  if (self->urgent)
    when = 0;
  else
    when = MAX (g_get_monotonic_time (), self->last_attempt + PROGRESS_WRITE_INTERVAL_US);
  current = g_source_get_ready_time (self->flush_source);
  if (current == -1 || current > when)
    g_source_set_ready_time (self->flush_source, when);
}

/* Marks a change pending. A lifecycle change is written as soon as the
 * current burst of records is over; progress waits for the debounce. */
static void
store_schedule (MeowStore *self, gboolean lifecycle)
{
  self->dirty = TRUE;
  self->urgent |= lifecycle;
  store_kick (self);
}

/* Serialises the list now and hands it to the writer thread; the outcome
 * comes back through done_source. */
static void
store_write_async (MeowStore *self)
{
  g_autoptr (GBytes) bytes = store_serialize (self);

  self->dirty = FALSE;
  self->urgent = FALSE;
  writer_submit (self, bytes);
}

/* Writes the whole list and waits for it. Clears the pending state on
 * success; on failure the changes stay pending and the timer retries. */
static gboolean
store_write_sync (MeowStore *self, GError **error)
{
  g_autoptr (GBytes) bytes = store_serialize (self);

  self->dirty = FALSE;
  self->urgent = FALSE;
  if (!writer_wait (self, writer_submit (self, bytes), error))
    {
      self->dirty = TRUE;
      store_kick (self);
      return FALSE;
    }
  if (!self->dirty)
    g_source_set_ready_time (self->flush_source, -1);
  g_signal_emit (self, signals[SIGNAL_SAVED], 0);
  return TRUE;
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
  const MeowStoredTask *one[] = { st };

  g_return_val_if_fail (MEOW_IS_STORE (store), FALSE);
  g_return_val_if_fail (st != NULL && st->id != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return meow_store_add_all (store, one, 1, error);
}

/* Takes the last @n tasks off the list again (an add_all that did not go through). */
static void
store_drop_last (MeowStore *self, guint n)
{
  for (; n > 0; n--)
    {
      MeowStoredTask *st = g_ptr_array_index (self->tasks, self->tasks->len - 1);

      g_hash_table_remove (self->by_id, st->id);
      g_ptr_array_remove_index (self->tasks, self->tasks->len - 1);
    }
}

gboolean
meow_store_add_all (MeowStore                   *store,
                    const MeowStoredTask *const *tasks,
                    guint                        n_tasks,
                    GError                     **error)
{
  g_return_val_if_fail (MEOW_IS_STORE (store), FALSE);
  g_return_val_if_fail (tasks != NULL || n_tasks == 0, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  for (guint i = 0; i < n_tasks; i++)
    {
      g_return_val_if_fail (tasks[i] != NULL && tasks[i]->id != NULL, FALSE);
      if (g_hash_table_contains (store->by_id, tasks[i]->id))
        {
          g_set_error (error, MEOW_ERROR, MEOW_ERROR_DUPLICATE_TASK,
                       "The task list already has a task with id “%s”.", tasks[i]->id);
          store_drop_last (store, i); /* all or nothing */
          return FALSE;
        }
      store_insert (store, meow_stored_task_copy (tasks[i]));
    }
  if (n_tasks == 0)
    return TRUE;

  if (!store_write_sync (store, error))
    {
      store_drop_last (store, n_tasks);
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

  if (lifecycle || progress)
    store_schedule (store, lifecycle);
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
  if (apply_status (st, status, reason, g_get_real_time ()))
    {
      /* A download found complete without its record: the file is its result. */
      if (status == MEOW_STATUS_COMPLETE && st->direction == MEOW_DIRECTION_DOWNLOAD &&
          st->payload == NULL && st->local_path != NULL)
        st->payload = g_strdup (st->local_path);
      store_schedule (store, TRUE);
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

  return store_write_sync (store, error);
}

gboolean
meow_store_remove_all (MeowStore *store, const char *const *ids, guint n_ids, GError **error)
{
  g_autoptr (GHashTable) gone = NULL;
  GPtrArray *old;

  g_return_val_if_fail (MEOW_IS_STORE (store), FALSE);
  g_return_val_if_fail (ids != NULL || n_ids == 0, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  gone = g_hash_table_new (NULL, NULL);
  for (guint i = 0; i < n_ids; i++)
    {
      MeowStoredTask *st = g_hash_table_lookup (store->by_id, ids[i]);

      if (st != NULL)
        g_hash_table_add (gone, st);
    }
  if (g_hash_table_size (gone) == 0)
    return TRUE;

  /* by_id's keys are the tasks' own ids: out of it before they are freed. */
  for (guint i = 0; i < n_ids; i++)
    g_hash_table_remove (store->by_id, ids[i]);

  /* One pass over the list, not one g_ptr_array_remove() (a linear search) per id. */
  old = store->tasks;
  store->tasks = g_ptr_array_new_full (old->len - g_hash_table_size (gone),
                                       (GDestroyNotify) meow_stored_task_free);
  for (guint i = 0; i < old->len; i++)
    {
      MeowStoredTask *st = g_ptr_array_index (old, i);

      if (g_hash_table_contains (gone, st))
        meow_stored_task_free (st);
      else
        g_ptr_array_add (store->tasks, st);
    }
  g_ptr_array_set_free_func (old, NULL);
  g_ptr_array_unref (old);

  return store_write_sync (store, error);
}

gboolean
meow_store_flush (MeowStore *store, GError **error)
{
  g_return_val_if_fail (MEOW_IS_STORE (store), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (store->dirty)
    return store_write_sync (store, error);
  if (!write_in_flight (store))
    return TRUE;
  /* Nothing new, but the last snapshot is still on its way: wait for it,
   * and write again if it failed. */
  if (writer_wait (store, store->handed, NULL))
    {
      g_signal_emit (store, signals[SIGNAL_SAVED], 0);
      return TRUE;
    }
  return store_write_sync (store, error);
}

gboolean
meow_store_has_pending_changes (MeowStore *store)
{
  g_return_val_if_fail (MEOW_IS_STORE (store), FALSE);
  return store->dirty || write_in_flight (store);
}
