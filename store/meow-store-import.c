/* meow-store-import.c: the one-time import of a tasks.json written by an older Meow
 *
 * Until the store moved to SQLite it kept the list in one JSON file (docs/store.md,
 * "The JSON list of older versions"). The first start with an empty database reads that
 * file once with json-glib and turns each entry into a MeowStoredTask. json-glib is more
 * lenient than JSON (comments, several documents, raw control characters, numbers that
 * overflow), and the old store's own reader was not: a short grammar check runs first so
 * that what the old store refused is still refused, and moved aside.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <gio/gio.h>
#include <json-glib/json-glib.h>
#include <string.h>

#include "meow-enum-types.h"
#include "meow-error.h"
#include "meow-store-private.h"

#define LIST_VERSION 1
#define MAX_DEPTH 64

/* ------------------------------------------------------------------ */
/* The grammar check (RFC 8259), no tree                               */

typedef struct
{
  const char *start;
  const char *p;
  const char *end;
  const char *error;    /* what is wrong at p, or NULL */
  GArray     *overflow; /* gsize: offsets just past integers that do not fit in 64 bits */
} Check;

static gboolean
fail (Check *c, const char *what)
{
  if (c->error == NULL)
    c->error = what;
  return FALSE;
}

static void
skip_ws (Check *c)
{
  while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' || *c->p == '\n' || *c->p == '\r'))
    c->p++;
}

static int
hex4 (const char *p)
{
  int v = 0;

  for (int i = 0; i < 4; i++)
    {
      int d = g_ascii_xdigit_value (p[i]);

      if (d < 0)
        return -1;
      v = v * 16 + d;
    }
  return v;
}

static gboolean
check_string (Check *c)
{
  c->p++; /* the opening quote */
  for (;;)
    {
      guchar ch;

      if (c->p >= c->end)
        return fail (c, "a string does not end");
      ch = (guchar) *c->p;
      if (ch == '"')
        {
          c->p++;
          return TRUE;
        }
      if (ch < 0x20)
        return fail (c, "a control character in a string");
      if (ch != '\\')
        {
          c->p++;
          continue;
        }
      if (c->end - c->p < 2)
        return fail (c, "a string does not end");
      if (strchr ("\"\\/bfnrt", c->p[1]) != NULL && c->p[1] != '\0')
        {
          c->p += 2;
          continue;
        }
      if (c->p[1] != 'u')
        return fail (c, "a bad escape in a string");
      {
        int unit = c->end - c->p >= 6 ? hex4 (c->p + 2) : -1;

        if (unit < 0)
          return fail (c, "a bad \\u escape");
        if (unit >= 0xd800 && unit <= 0xdbff)
          {
            int low =
                c->end - c->p >= 12 && c->p[6] == '\\' && c->p[7] == 'u' ? hex4 (c->p + 8) : -1;

            if (low < 0xdc00 || low > 0xdfff)
              return fail (c, "a lone UTF-16 surrogate");
            c->p += 6;
          }
        else if (unit >= 0xdc00 && unit <= 0xdfff)
          return fail (c, "a lone UTF-16 surrogate");
        else if (unit == 0)
          return fail (c, "a NUL character in a string");
        c->p += 6;
      }
    }
}

static gboolean
check_number (Check *c)
{
  const char *start = c->p;
  gboolean    integer = TRUE;

  if (*c->p == '-')
    c->p++;
  if (c->p >= c->end || !g_ascii_isdigit (*c->p))
    return fail (c, "a bad number");
  if (*c->p == '0')
    c->p++;
  else
    while (c->p < c->end && g_ascii_isdigit (*c->p))
      c->p++;
  if (c->p < c->end && *c->p == '.')
    {
      integer = FALSE;
      c->p++;
      if (c->p >= c->end || !g_ascii_isdigit (*c->p))
        return fail (c, "a bad number");
      while (c->p < c->end && g_ascii_isdigit (*c->p))
        c->p++;
    }
  if (c->p < c->end && (*c->p == 'e' || *c->p == 'E'))
    {
      integer = FALSE;
      c->p++;
      if (c->p < c->end && (*c->p == '+' || *c->p == '-'))
        c->p++;
      if (c->p >= c->end || !g_ascii_isdigit (*c->p))
        return fail (c, "a bad number");
      while (c->p < c->end && g_ascii_isdigit (*c->p))
        c->p++;
    }
  if (c->p < c->end && g_ascii_isdigit (*c->p))
    return fail (c, "a bad number");
  if (integer)
    {
      /* json-glib would wrap it around: the importer makes it a fraction instead, which no
       * integer field accepts (the old store skipped such an entry, naming the field). */
      g_autofree char *digits = g_strndup (start, c->p - start);
      gint64           v;

      if (!g_ascii_string_to_signed (digits, 10, G_MININT64, G_MAXINT64, &v, NULL))
        {
          gsize offset = c->p - c->start;

          g_array_append_val (c->overflow, offset);
        }
    }
  return TRUE;
}

static gboolean
check_literal (Check *c, const char *word)
{
  gsize len = strlen (word);

  if ((gsize) (c->end - c->p) < len || memcmp (c->p, word, len) != 0)
    return fail (c, "an unknown literal");
  c->p += len;
  return TRUE;
}

static gboolean
check_value (Check *c, guint depth)
{
  skip_ws (c);
  if (c->p >= c->end)
    return fail (c, "a value was expected");
  switch (*c->p)
    {
    case '{':
    case '[':
      {
        char close = *c->p == '{' ? '}' : ']';

        if (depth >= MAX_DEPTH)
          return fail (c, "nested deeper than 64 levels");
        c->p++;
        skip_ws (c);
        if (c->p < c->end && *c->p == close)
          {
            c->p++;
            return TRUE;
          }
        for (;;)
          {
            if (close == '}')
              {
                skip_ws (c);
                if (c->p >= c->end || *c->p != '"')
                  return fail (c, "a member name was expected");
                if (!check_string (c))
                  return FALSE;
                skip_ws (c);
                if (c->p >= c->end || *c->p != ':')
                  return fail (c, "“:” was expected");
                c->p++;
              }
            if (!check_value (c, depth + 1))
              return FALSE;
            skip_ws (c);
            if (c->p < c->end && *c->p == ',')
              {
                c->p++;
                continue;
              }
            if (c->p < c->end && *c->p == close)
              {
                c->p++;
                return TRUE;
              }
            return fail (c, close == '}' ? "“,” or “}” was expected" : "“,” or “]” was expected");
          }
      }
    case '"':
      return check_string (c);
    case 't':
      return check_literal (c, "true");
    case 'f':
      return check_literal (c, "false");
    case 'n':
      return check_literal (c, "null");
    default:
      return check_number (c);
    }
}

/* "line L, column C: what" for where the check stopped. */
static char *
describe_error (const Check *c)
{
  guint       line = 1;
  const char *line_start = c->start;

  for (const char *p = c->start; p < c->p && p < c->end; p++)
    if (*p == '\n')
      {
        line++;
        line_start = p + 1;
      }
  return g_strdup_printf ("line %u, column %u: %s", line, (guint) (c->p - line_start) + 1,
                          c->error ? c->error : "unexpected data");
}

/* ------------------------------------------------------------------ */
/* Entries                                                             */

/* The member's node, NULL when absent or null. *@ok FALSE when present with another type. */
static JsonNode *
member (JsonObject *o, const char *name)
{
  JsonNode *node = json_object_get_member (o, name);

  return node != NULL && !JSON_NODE_HOLDS_NULL (node) ? node : NULL;
}

static gboolean
read_string (JsonObject *o, const char *name, gboolean required, char **out)
{
  JsonNode *node = member (o, name);

  if (node == NULL)
    return !required;
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return FALSE;
  g_free (*out);
  *out = g_strdup (json_node_get_string (node));
  return TRUE;
}

/* A string most tasks share (a method, a folder): interned, as MeowStoredTask keeps it. */
static gboolean
read_interned (JsonObject *o, const char *name, const char **out)
{
  g_autofree char *value = NULL;

  if (!read_string (o, name, FALSE, &value))
    return FALSE;
  if (value != NULL)
    *out = g_intern_string (value);
  return TRUE;
}

/* A flag of MeowStoredTask (a bit field: no address to give read_bool()). */
#define READ_FLAG(o, name, field)                                                                  \
  (flag = (field), read_bool ((o), (name), &flag) ? ((field) = flag != FALSE, TRUE) : FALSE)

static gboolean
read_int (JsonObject *o, const char *name, gint64 min, gint64 *out, gboolean *present)
{
  JsonNode *node = member (o, name);

  if (present != NULL)
    *present = node != NULL;
  if (node == NULL)
    return TRUE;
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_INT64 ||
      json_node_get_int (node) < min)
    return FALSE;
  *out = json_node_get_int (node);
  return TRUE;
}

static gboolean
read_uint (JsonObject *o, const char *name, guint *out, gboolean *present)
{
  gint64 v = 0;

  if (!read_int (o, name, 0, &v, present) || v > G_MAXUINT)
    return FALSE;
  *out = (guint) v;
  return TRUE;
}

static gboolean
read_bool (JsonObject *o, const char *name, gboolean *out)
{
  JsonNode *node = member (o, name);

  if (node == NULL)
    return TRUE;
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_BOOLEAN)
    return FALSE;
  *out = json_node_get_boolean (node);
  return TRUE;
}

static gboolean
read_enum (JsonObject *o, const char *name, GType type, gboolean required, int *out)
{
  g_autofree char *nick = NULL;

  if (!read_string (o, name, required, &nick))
    return FALSE;
  if (nick == NULL)
    return TRUE;
  return _meow_store_nick_to_enum (type, nick, out);
}

static gboolean
read_headers (JsonObject *o, GStrv *out)
{
  JsonNode  *node = member (o, "headers");
  JsonArray *array;
  guint      n;

  if (node == NULL)
    return TRUE;
  if (!JSON_NODE_HOLDS_ARRAY (node))
    return FALSE;
  array = json_node_get_array (node);
  n = json_array_get_length (array);
  g_clear_pointer (out, g_strfreev);
  if (n == 0)
    return TRUE; /* none: NULL, as MeowStoredTask keeps it */
  *out = g_new0 (char *, n + 1);
  for (guint i = 0; i < n; i++)
    {
      JsonNode   *h = json_array_get_element (array, i);
      const char *s;

      if (!JSON_NODE_HOLDS_VALUE (h) || json_node_get_value_type (h) != G_TYPE_STRING)
        return FALSE;
      s = json_node_get_string (h);
      /* A header never has a line break (the builder refuses one); the database keeps
       * them one a line. */
      if (*s == '\0' || strpbrk (s, "\r\n") != NULL)
        return FALSE;
      (*out)[i] = g_strdup (s);
    }
  return TRUE;
}

static MeowStoredTask *
entry_to_task (JsonObject *o, const char **bad)
{
  g_autoptr (MeowStoredTask) st = _meow_stored_task_new_empty ();
  MeowStoredTaskExtra *x = _meow_stored_task_edit_extra (st); /* trimmed at the end */
  g_autofree char     *domain = NULL;
  int                  e;
  gint64               v;
  gboolean             flag;

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

  CHECK (read_string (o, "id", TRUE, &st->id) && *st->id != '\0', "id");
  e = -1;
  CHECK (read_enum (o, "direction", MEOW_TYPE_DIRECTION, TRUE, &e), "direction");
  st->direction = e;
  CHECK (read_string (o, "url", TRUE, &st->url), "url");
  CHECK (read_interned (o, "method", &st->method), "method");
  CHECK (read_headers (o, &x->headers), "headers");
  CHECK (read_string (o, "name", FALSE, &st->name), "name");
  CHECK (read_string (o, "output_file", FALSE, &x->output_file), "output_file");
  CHECK (read_interned (o, "output_dir", &st->output_dir), "output_dir");
  CHECK (read_string (o, "local_path", FALSE, &st->local_path), "local_path");
  CHECK (read_string (o, "source_file", FALSE, &x->source_file), "source_file");
  CHECK (READ_FLAG (o, "source_in_memory", x->source_in_memory), "source_in_memory");
  CHECK (read_string (o, "checksum", FALSE, &x->checksum_hex), "checksum");
  e = MEOW_CHECKSUM_NONE;
  CHECK (read_enum (o, "checksum_type", MEOW_TYPE_CHECKSUM_TYPE, x->checksum_hex != NULL, &e),
         "checksum_type");
  x->checksum_type = e;
  flag = FALSE;
  CHECK (read_uint (o, "retries", &x->retries, &flag), "retries");
  x->retries_set = flag;
  v = 0;
  CHECK (read_int (o, "speed_limit", 0, &v, NULL), "speed_limit");
  x->speed_limit = (guint64) v;
  CHECK (read_uint (o, "segments", &x->segments, NULL) && x->segments <= 16, "segments");
  CHECK (READ_FLAG (o, "overwrite", x->overwrite), "overwrite");
  CHECK (READ_FLAG (o, "keep_partial", x->keep_partial), "keep_partial");
  CHECK (read_int (o, "size_hint", -1, &x->size_hint, NULL), "size_hint");
  e = MEOW_UPLOAD_PROTOCOL_MEOW;
  CHECK (read_enum (o, "upload_protocol", MEOW_TYPE_UPLOAD_PROTOCOL_KIND, FALSE, &e),
         "upload_protocol");
  x->protocol = e;
  CHECK (read_int (o, "chunk_size", 0, &x->chunk_size, NULL), "chunk_size");
  CHECK (read_interned (o, "category", &x->category), "category");
  CHECK (read_string (o, "upload_url", FALSE, &x->upload_url), "upload_url");
  flag = FALSE;
  CHECK (read_uint (o, "prepare_retries", &x->prepare_retries, &flag), "prepare_retries");
  x->prepare_retries_set = flag;
  e = -1;
  CHECK (read_enum (o, "status", MEOW_TYPE_STATUS, TRUE, &e), "status");
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
  x->error_code = (int) v;
  CHECK (read_string (o, "error_message", FALSE, &x->error_message), "error_message");
  CHECK (read_string (o, "payload", FALSE, &st->payload), "payload");
  _meow_stored_task_share_payload (st);

  /* A download goes somewhere; an upload comes from somewhere. */
  if (st->direction == MEOW_DIRECTION_UPLOAD)
    CHECK (x->source_file != NULL || x->source_in_memory, "source_file");
#undef CHECK

  /* Lists written before the quark's name was fixed call MEOW_ERROR
   * "meow - error - quark" (clang-format had spaced out its hyphens). */
  if (g_strcmp0 (domain, "meow - error - quark") == 0)
    x->error_domain = MEOW_ERROR;
  else
    x->error_domain = domain ? g_quark_from_string (domain) : 0;
  _meow_stored_task_trim_extra (st);
  return g_steal_pointer (&st);
}

gboolean
_meow_store_parse_json (const char *contents,
                        gsize       length,
                        const char *path,
                        GPtrArray  *out,
                        GPtrArray  *warnings,
                        GError    **error)
{
  g_autoptr (GArray) overflow = g_array_new (FALSE, FALSE, sizeof (gsize));
  g_autoptr (GString) patched = NULL;
  g_autoptr (JsonParser) parser = NULL;
  g_autoptr (GHashTable) seen = NULL;
  g_autoptr (GError) local_error = NULL;
  Check       c = { contents, contents, contents + length, NULL, overflow };
  JsonObject *root;
  JsonNode   *node;
  JsonArray  *tasks;

  if (!g_utf8_validate_len (contents, length, NULL))
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                           "not valid JSON: not UTF-8 text");
      return FALSE;
    }
  if (check_value (&c, 0))
    {
      skip_ws (&c);
      if (c.p != c.end)
        fail (&c, "data after the end of the list");
    }
  if (c.error != NULL)
    {
      g_autofree char *where = describe_error (&c);

      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "not valid JSON: %s", where);
      return FALSE;
    }
  if (overflow->len > 0)
    {
      gsize from = 0;

      patched = g_string_sized_new (length + 2 * overflow->len);
      for (guint i = 0; i < overflow->len; i++)
        {
          gsize at = g_array_index (overflow, gsize, i);

          g_string_append_len (patched, contents + from, at - from);
          g_string_append (patched, ".0");
          from = at;
        }
      g_string_append_len (patched, contents + from, length - from);
      contents = patched->str;
      length = patched->len;
    }

  parser = json_parser_new_immutable ();
  if (!json_parser_load_from_data (parser, contents, length, &local_error))
    {
      /* The check above let it through: a json-glib limit. */
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "not valid JSON: %s",
                   local_error->message);
      return FALSE;
    }
  node = json_parser_get_root (parser);
  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "not a JSON object");
      return FALSE;
    }
  root = json_node_get_object (node);
  node = json_object_get_member (root, "version");
  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_INT64)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "no integer “version”");
      return FALSE;
    }
  if (json_node_get_int (node) != LIST_VERSION)
    {
      /* Written by a Meow this one does not know. */
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   "version %" G_GINT64_FORMAT " is unknown to this Meow, which reads version %d",
                   json_node_get_int (node), LIST_VERSION);
      return FALSE;
    }
  node = json_object_get_member (root, "tasks");
  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node))
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "no “tasks” array");
      return FALSE;
    }
  tasks = json_node_get_array (node);

  seen = g_hash_table_new (g_str_hash, g_str_equal);
  for (guint i = 0; i < json_array_get_length (tasks); i++)
    {
      JsonNode       *entry = json_array_get_element (tasks, i);
      const char     *bad = NULL;
      MeowStoredTask *st;

      if (!JSON_NODE_HOLDS_OBJECT (entry))
        {
          g_ptr_array_add (
              warnings,
              g_strdup_printf ("Skipping task %u of “%s”: it is not a JSON object", i, path));
          continue;
        }
      st = entry_to_task (json_node_get_object (entry), &bad);
      if (st == NULL)
        {
          JsonNode *id = json_object_get_member (json_node_get_object (entry), "id");

          g_ptr_array_add (
              warnings,
              g_strdup_printf ("Skipping task %u (id “%s”) of “%s”: its field “%s” is missing or "
                               "invalid",
                               i,
                               id != NULL && JSON_NODE_HOLDS_VALUE (id) &&
                                       json_node_get_value_type (id) == G_TYPE_STRING
                                   ? json_node_get_string (id)
                                   : "?",
                               path, bad));
          continue;
        }
      if (g_hash_table_contains (seen, st->id))
        {
          g_ptr_array_add (warnings,
                           g_strdup_printf ("Skipping task %u of “%s”: its id “%s” is used by an "
                                            "earlier task",
                                            i, path, st->id));
          meow_stored_task_free (st);
          continue;
        }
      g_ptr_array_add (out, st);
      g_hash_table_add (seen, st->id);
    }
  return TRUE;
}
