/* meow-browser-protocol.c: native messaging frames, request checks, replies
 *
 * One set of rules for what the extension may ask, applied twice: by the host to the
 * JSON it reads (before anything reaches D-Bus) and by the app to the a{sv} it is called
 * with (any program on the session bus can call it). Both go through check_download() on
 * a JsonObject: the a{sv} is turned into JSON first.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <json-glib/json-glib.h>
#include <string.h>

#include "meow-browser-protocol.h"

/* A plain file name is at most this long (the usual NAME_MAX). */
#define MAX_FILENAME_BYTES 255

/* How much of a name or type an error quotes. */
#define MAX_QUOTED_CHARS 40

/* clang-format off */
G_DEFINE_QUARK (meow-browser-error-quark, meow_browser_error)
/* clang-format on */

/* The app's interface; docs/browser.md describes it. */
static const char interface_xml[] = "<node>"
                                    "  <interface name='" MEOW_BROWSER_DBUS_INTERFACE "'>"
                                    "    <method name='Download'>"
                                    "      <arg type='a{sv}' name='download' direction='in'/>"
                                    "      <arg type='s' name='id' direction='out'/>"
                                    "    </method>"
                                    "    <method name='ListTransfers'>"
                                    "      <arg type='aa{sv}' name='transfers' direction='out'/>"
                                    "    </method>"
                                    "  </interface>"
                                    "</node>";

/**
 * meow_browser_interface_info:
 *
 * The app's `io.github.meow_transfer.Meow.Browser` interface:
 *
 * - `Download (a{sv} download) → (s id)`: adds the download (keys as
 *   meow_browser_request_to_variant() makes them) and returns the new task's id;
 * - `ListTransfers () → (aa{sv} transfers)`: the transfers that are not finished, each with
 *   "id", "name", "status" ("pending", "running" or "paused") as `s`, "progress" (0 to 1)
 *   and "speed" (bytes a second) as `d`, "transferred" as `t` and "total" (-1: unknown)
 *   as `x`, "wait_reason" (the nick of #MeowWaitReason: "none" unless the transfer waits)
 *   and "status_line" (the row's status text, translated, e.g. "Retrying in 12 s —
 *   connection refused") as `s`.
 *
 * Returns: (transfer none): the interface's description, parsed once. Any thread.
 */
GDBusInterfaceInfo *
meow_browser_interface_info (void)
{
  static GDBusNodeInfo *node;

  if (g_once_init_enter (&node))
    {
      GDBusNodeInfo *parsed = g_dbus_node_info_new_for_xml (interface_xml, NULL);

      g_assert (parsed != NULL);
      g_once_init_leave (&node, parsed);
    }
  return node->interfaces[0];
}

/* ------------------------------------------------------------------ */
/* Framing                                                             */

struct _MeowBrowserFramer
{
  GByteArray *buffer; /* bytes read and not yet taken as a message */
};

/**
 * meow_browser_framer_new:
 *
 * Returns: (transfer full): a framer with nothing in it. Any thread; one at a time.
 */
MeowBrowserFramer *
meow_browser_framer_new (void)
{
  MeowBrowserFramer *framer = g_new0 (MeowBrowserFramer, 1);

  framer->buffer = g_byte_array_new ();
  return framer;
}

/** meow_browser_framer_free: @framer: (transfer full) (nullable): a framer */
void
meow_browser_framer_free (MeowBrowserFramer *framer)
{
  if (framer == NULL)
    return;
  g_byte_array_unref (framer->buffer);
  g_free (framer);
}

/**
 * meow_browser_framer_push:
 * @data: (array length=size): bytes as they were read, in any pieces
 *
 * Adds bytes read from the stream.
 */
void
meow_browser_framer_push (MeowBrowserFramer *framer, const guint8 *data, gsize size)
{
  g_return_if_fail (framer != NULL);
  g_return_if_fail (data != NULL || size == 0);

  g_byte_array_append (framer->buffer, data, (guint) size);
}

/**
 * meow_browser_framer_next:
 * @message: (out) (transfer full): the message's bytes (without the length), on
 *   %MEOW_BROWSER_FRAME_MESSAGE
 * @error: a %MEOW_BROWSER_ERROR_TOO_LARGE error, on %MEOW_BROWSER_FRAME_TOO_LARGE
 *
 * Takes the next whole message out, if there is one. Call it until it returns
 * %MEOW_BROWSER_FRAME_NEED_MORE: one push may hold several messages.
 *
 * Returns: what came out
 */
MeowBrowserFrame
meow_browser_framer_next (MeowBrowserFramer *framer, GBytes **message, GError **error)
{
  guint32 length;

  g_return_val_if_fail (framer != NULL, MEOW_BROWSER_FRAME_NEED_MORE);
  g_return_val_if_fail (message != NULL && *message == NULL, MEOW_BROWSER_FRAME_NEED_MORE);

  if (framer->buffer->len < sizeof length)
    return MEOW_BROWSER_FRAME_NEED_MORE;
  memcpy (&length, framer->buffer->data, sizeof length); /* native byte order */
  if (length > MEOW_BROWSER_MAX_MESSAGE)
    {
      g_set_error (error, MEOW_BROWSER_ERROR, MEOW_BROWSER_ERROR_TOO_LARGE,
                   "The message is %u bytes long; at most %d bytes are accepted.", length,
                   MEOW_BROWSER_MAX_MESSAGE);
      return MEOW_BROWSER_FRAME_TOO_LARGE;
    }
  if (framer->buffer->len - sizeof length < length)
    return MEOW_BROWSER_FRAME_NEED_MORE;

  *message = g_bytes_new (framer->buffer->data + sizeof length, length);
  g_byte_array_remove_range (framer->buffer, 0, (guint) (sizeof length + length));
  return MEOW_BROWSER_FRAME_MESSAGE;
}

/**
 * meow_browser_framer_is_idle:
 *
 * Returns: whether no part of a message is waiting (end of input is clean here)
 */
gboolean
meow_browser_framer_is_idle (MeowBrowserFramer *framer)
{
  g_return_val_if_fail (framer != NULL, TRUE);
  return framer->buffer->len == 0;
}

/**
 * meow_browser_frame:
 * @json: a reply
 *
 * Returns: (transfer full): @json with its length in front, ready to write
 */
GBytes *
meow_browser_frame (const char *json)
{
  gsize       size = strlen (json);
  guint32     length = (guint32) size;
  GByteArray *frame;

  g_return_val_if_fail (size <= G_MAXUINT32 - sizeof length, NULL);

  frame = g_byte_array_sized_new ((guint) (sizeof length + size));
  g_byte_array_append (frame, (const guint8 *) &length, sizeof length);
  g_byte_array_append (frame, (const guint8 *) json, (guint) size);
  return g_byte_array_free_to_bytes (frame);
}

/* ------------------------------------------------------------------ */
/* Checks                                                              */

/* @text cut to a few characters, with every control character replaced: safe to put
 * in an error sentence. Only for names and types, never for values. */
static char *
quote (const char *text)
{
  g_autofree char *valid = g_utf8_make_valid (text, -1);
  GString         *out = g_string_new (NULL);
  guint            n = 0;

  for (const char *p = valid; *p != '\0'; p = g_utf8_next_char (p), n++)
    {
      gunichar c = g_utf8_get_char (p);

      if (n == MAX_QUOTED_CHARS)
        {
          g_string_append (out, "…");
          break;
        }
      if (c < 0x20 || c == 0x7F || (c >= 0x80 && c <= 0x9F))
        g_string_append_c (out, '?');
      else
        g_string_append_unichar (out, c);
    }
  return g_string_free (out, FALSE);
}

static gboolean
has_line_break (const char *text)
{
  return strpbrk (text, "\r\n") != NULL;
}

/* RFC 9110 token characters. */
static gboolean
is_token (const char *text)
{
  if (text[0] == '\0')
    return FALSE;
  for (const char *p = text; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p) && strchr ("!#$%&'*+-.^_`|~", *p) == NULL)
      return FALSE;
  return TRUE;
}

/* One path component a folder can hold: what the browser would have saved. */
static gboolean
is_plain_file_name (const char *name)
{
  if (strlen (name) > MAX_FILENAME_BYTES || name[0] == '.')
    return FALSE;
  for (const char *p = name; *p != '\0'; p++)
    if ((guchar) *p < 0x20 || *p == 0x7F || *p == '/' || *p == '\\')
      return FALSE;
  return TRUE;
}

/* Headers another field carries, or that the engine sets itself for ranges and
 * connections: an extension may not send them as extra headers. */
static const char *const own_headers[][2] = {
  { "Cookie", "cookies" },
  { "Referer", "referrer" },
  { "User-Agent", "userAgent" },
  { "Host", NULL },
  { "Range", NULL },
  { "If-Range", NULL },
  { "Content-Length", NULL },
  { "Transfer-Encoding", NULL },
  { "Connection", NULL },
  { "Expect", NULL },
};

static gboolean
check_header (const char *name, JsonNode *value, GError **error)
{
  g_autofree char *quoted = quote (name);

  if (!is_token (name))
    {
      g_set_error (error, MEOW_BROWSER_ERROR, MEOW_BROWSER_ERROR_INVALID_FIELD,
                   "The header name “%s” is not valid.", quoted);
      return FALSE;
    }
  for (guint i = 0; i < G_N_ELEMENTS (own_headers); i++)
    {
      if (g_ascii_strcasecmp (name, own_headers[i][0]) != 0)
        continue;
      if (own_headers[i][1] != NULL)
        g_set_error (error, MEOW_BROWSER_ERROR, MEOW_BROWSER_ERROR_INVALID_FIELD,
                     "The header “%s” goes in the field “%s”.", own_headers[i][0],
                     own_headers[i][1]);
      else
        g_set_error (error, MEOW_BROWSER_ERROR, MEOW_BROWSER_ERROR_INVALID_FIELD,
                     "The header “%s” is Meow’s to set.", own_headers[i][0]);
      return FALSE;
    }
  if (!JSON_NODE_HOLDS_VALUE (value) || json_node_get_value_type (value) != G_TYPE_STRING)
    {
      g_set_error (error, MEOW_BROWSER_ERROR, MEOW_BROWSER_ERROR_INVALID_FIELD,
                   "The header “%s” must have a string value.", quoted);
      return FALSE;
    }
  if (has_line_break (json_node_get_string (value)))
    {
      g_set_error (error, MEOW_BROWSER_ERROR, MEOW_BROWSER_ERROR_INVALID_FIELD,
                   "The header “%s” contains a line break.", quoted);
      return FALSE;
    }
  if (!g_utf8_validate (json_node_get_string (value), -1, NULL))
    {
      g_set_error (error, MEOW_BROWSER_ERROR, MEOW_BROWSER_ERROR_INVALID_FIELD,
                   "The header “%s” is not UTF-8 text.", quoted);
      return FALSE;
    }
  return TRUE;
}

static gboolean
check_headers (JsonObject *object, char ***headers, GError **error)
{
  JsonNode *node = json_object_get_member (object, "headers");
  g_autoptr (GStrvBuilder) builder = g_strv_builder_new ();
  g_autoptr (GList) names = NULL;
  JsonObject *members;

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return TRUE;
  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      g_set_error_literal (error, MEOW_BROWSER_ERROR, MEOW_BROWSER_ERROR_INVALID_FIELD,
                           "“headers” must be an object of names and string values.");
      return FALSE;
    }

  members = json_node_get_object (node);
  names = json_object_get_members (members);
  for (GList *l = names; l != NULL; l = l->next)
    {
      JsonNode *value = json_object_get_member (members, l->data);

      if (!check_header (l->data, value, error))
        return FALSE;
      g_strv_builder_add (builder, l->data);
      g_strv_builder_add (builder, json_node_get_string (value));
    }
  *headers = g_strv_builder_end (builder);
  return TRUE;
}

/* An optional string field: absent, null and "" are all %NULL in @out. */
static gboolean
take_string (JsonObject *object, const char *field, char **out, GError **error)
{
  JsonNode   *node = json_object_get_member (object, field);
  const char *value;

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return TRUE;
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    {
      g_set_error (error, MEOW_BROWSER_ERROR, MEOW_BROWSER_ERROR_INVALID_FIELD,
                   "“%s” must be a string.", field);
      return FALSE;
    }
  value = json_node_get_string (node);
  if (has_line_break (value))
    {
      g_set_error (error, MEOW_BROWSER_ERROR, MEOW_BROWSER_ERROR_INVALID_FIELD,
                   "“%s” contains a line break.", field);
      return FALSE;
    }
  if (!g_utf8_validate (value, -1, NULL))
    {
      g_set_error (error, MEOW_BROWSER_ERROR, MEOW_BROWSER_ERROR_INVALID_FIELD,
                   "“%s” is not UTF-8 text.", field);
      return FALSE;
    }
  *out = value[0] != '\0' ? g_strdup (value) : NULL;
  return TRUE;
}

static gboolean
check_url (const char *url, GError **error)
{
  g_autoptr (GUri) uri = g_uri_parse (url, G_URI_FLAGS_ENCODED, NULL);
  const char *scheme;

  if (uri == NULL)
    {
      g_set_error_literal (error, MEOW_BROWSER_ERROR, MEOW_BROWSER_ERROR_INVALID_FIELD,
                           "“url” is not a valid link.");
      return FALSE;
    }
  scheme = g_uri_get_scheme (uri);
  if (g_ascii_strcasecmp (scheme, "http") != 0 && g_ascii_strcasecmp (scheme, "https") != 0)
    {
      g_autofree char *quoted = quote (scheme);

      g_set_error (error, MEOW_BROWSER_ERROR, MEOW_BROWSER_ERROR_INVALID_FIELD,
                   "Only http and https links can be handed to Meow, not “%s” links.", quoted);
      return FALSE;
    }
  if (g_uri_get_host (uri) == NULL || g_uri_get_host (uri)[0] == '\0')
    {
      g_set_error_literal (error, MEOW_BROWSER_ERROR, MEOW_BROWSER_ERROR_INVALID_FIELD,
                           "“url” has no host.");
      return FALSE;
    }
  return TRUE;
}

static gboolean
check_download (JsonObject *object, MeowBrowserRequest *request, GError **error)
{
  if (!take_string (object, "url", &request->url, error))
    return FALSE;
  if (request->url == NULL)
    {
      g_set_error_literal (error, MEOW_BROWSER_ERROR, MEOW_BROWSER_ERROR_INVALID_FIELD,
                           "A download needs a “url”.");
      return FALSE;
    }
  if (!check_url (request->url, error))
    return FALSE;

  if (!take_string (object, "referrer", &request->referrer, error) ||
      !take_string (object, "cookies", &request->cookies, error) ||
      !take_string (object, "userAgent", &request->user_agent, error) ||
      !take_string (object, "filename", &request->filename, error))
    return FALSE;
  if (request->filename != NULL && !is_plain_file_name (request->filename))
    {
      g_set_error_literal (error, MEOW_BROWSER_ERROR, MEOW_BROWSER_ERROR_INVALID_FIELD,
                           "“filename” must be a plain file name, without a folder.");
      return FALSE;
    }

  return check_headers (object, &request->headers, error);
}

/* ------------------------------------------------------------------ */
/* Requests                                                            */

static const struct
{
  const char            *name;
  MeowBrowserRequestType type;
} request_types[] = {
  { "hello", MEOW_BROWSER_REQUEST_HELLO },
  { "download", MEOW_BROWSER_REQUEST_DOWNLOAD },
  { "list", MEOW_BROWSER_REQUEST_LIST },
};

/* Where the JSON object that @data starts with (after white space) ends, so that json-glib
 * parses exactly one: json-glib 1.6 takes "{…}{…}" or "[…][…]" as its first document and
 * leaks the others. Also finds the escape for U+0000, where json-glib would end the string
 * (a value could look clean after parsing and not be). This is not a parser: json-glib
 * checks the syntax of what lies between @start and the returned end. Outside strings
 * only JSON's characters may appear, so that json-glib's leniencies (comments, strings in
 * single quotes) cannot hide a brace from this count. Returns 0 when there is no
 * balanced object. */
static gsize
scan_object (const char *data, gsize size, gsize *start, gboolean *nul_escape)
{
  gsize    depth = 0;
  gboolean in_string = FALSE;
  gsize    i = 0;

  while (i < size && g_ascii_isspace (data[i]))
    i++;
  *start = i;
  *nul_escape = FALSE;
  if (i == size || data[i] != '{')
    return 0;

  for (; i < size; i++)
    {
      char c = data[i];

      if (in_string && c == '\\')
        {
          /* JSON's escapes only: json-glib also takes C's octal ones, which can make
           * bytes that are not UTF-8. */
          if (i + 1 >= size || strchr ("\"\\/bfnrtu", data[i + 1]) == NULL)
            return 0;
          if (data[i + 1] == 'u')
            {
              if (i + 5 >= size || !g_ascii_isxdigit (data[i + 2]) ||
                  !g_ascii_isxdigit (data[i + 3]) || !g_ascii_isxdigit (data[i + 4]) ||
                  !g_ascii_isxdigit (data[i + 5]))
                return 0;
              if (memcmp (data + i + 2, "0000", 4) == 0)
                *nul_escape = TRUE;
            }
          i++; /* the escaped character */
        }
      else if (c == '"')
        in_string = !in_string;
      else if (!in_string && !g_ascii_isalnum (c) && strchr (" \t\r\n{}[],:-+.", c) == NULL)
        return 0; /* json-glib's comments and 'strings' are not JSON */
      else if (!in_string && (c == '{' || c == '['))
        depth++;
      else if (!in_string && (c == '}' || c == ']') && --depth == 0)
        return i + 1;
    }
  return 0;
}

static gboolean
only_space (const char *data, gsize size)
{
  for (gsize i = 0; i < size; i++)
    if (!g_ascii_isspace (data[i]))
      return FALSE;
  return TRUE;
}

static gboolean
malformed (GError **error, const char *message)
{
  g_set_error_literal (error, MEOW_BROWSER_ERROR, MEOW_BROWSER_ERROR_MALFORMED, message);
  return FALSE;
}

/* The one JSON object @data holds, or %NULL. */
static JsonNode *
parse_object (const char *data, gsize size, GError **error)
{
  g_autoptr (JsonParser) parser = json_parser_new_immutable ();
  gsize    start, end;
  gboolean nul_escape;

  if (size == 0)
    {
      malformed (error, "The message is empty.");
      return NULL;
    }
  if (memchr (data, '\0', size) != NULL || !g_utf8_validate_len (data, size, NULL))
    {
      malformed (error, "The message is not UTF-8 text.");
      return NULL;
    }
  end = scan_object (data, size, &start, &nul_escape);
  if (start == size)
    malformed (error, "The message is empty.");
  else if (data[start] != '{')
    malformed (error, "The message is not a JSON object.");
  else if (end == 0)
    malformed (error, "The message is not valid JSON.");
  else if (nul_escape)
    malformed (error, "The message contains a NUL character, which no field may hold.");
  else if (!only_space (data + end, size - end))
    malformed (error, "The message goes on after its JSON object.");
  else if (!json_parser_load_from_data (parser, data, (gssize) end, NULL))
    malformed (error, "The message is not valid JSON.");
  else
    return json_node_ref (json_parser_get_root (parser));
  return NULL;
}

/**
 * meow_browser_request_parse:
 * @data: (array length=size): one message, as the framer gave it
 * @error: a %MEOW_BROWSER_ERROR
 *
 * Reads and checks one message from the extension. Fields a type does not use are
 * ignored, so that a newer extension can talk to this host.
 *
 * Returns: (transfer full): the request, or %NULL with @error set. Any thread.
 */
MeowBrowserRequest *
meow_browser_request_parse (const char *data, gsize size, GError **error)
{
  g_autoptr (JsonNode) node = NULL;
  g_autoptr (MeowBrowserRequest) request = NULL;
  JsonObject *object;
  JsonNode   *type;
  const char *name;

  g_return_val_if_fail (data != NULL || size == 0, NULL);

  node = parse_object (data, size, error);
  if (node == NULL)
    return NULL;
  object = json_node_get_object (node);

  type = json_object_get_member (object, "type");
  if (type == NULL)
    {
      g_set_error_literal (error, MEOW_BROWSER_ERROR, MEOW_BROWSER_ERROR_UNKNOWN_TYPE,
                           "The message has no “type”.");
      return NULL;
    }
  if (!JSON_NODE_HOLDS_VALUE (type) || json_node_get_value_type (type) != G_TYPE_STRING)
    {
      g_set_error_literal (error, MEOW_BROWSER_ERROR, MEOW_BROWSER_ERROR_INVALID_FIELD,
                           "“type” must be a string.");
      return NULL;
    }

  name = json_node_get_string (type);
  request = g_new0 (MeowBrowserRequest, 1);
  for (guint i = 0; i < G_N_ELEMENTS (request_types); i++)
    {
      if (strcmp (name, request_types[i].name) != 0)
        continue;
      request->type = request_types[i].type;
      if (request->type == MEOW_BROWSER_REQUEST_DOWNLOAD &&
          !check_download (object, request, error))
        return NULL;
      return g_steal_pointer (&request);
    }

  {
    g_autofree char *quoted = quote (name);

    g_set_error (error, MEOW_BROWSER_ERROR, MEOW_BROWSER_ERROR_UNKNOWN_TYPE,
                 "The message type “%s” is unknown; this host knows hello, download and list.",
                 quoted);
  }
  return NULL;
}

/**
 * meow_browser_request_from_variant:
 * @download: an `a{sv}`, as meow_browser_request_to_variant() makes it
 * @error: a %MEOW_BROWSER_ERROR
 *
 * Checks a download handed over D-Bus with the rules meow_browser_request_parse() applies
 * to the extension's JSON.
 *
 * Returns: (transfer full): a %MEOW_BROWSER_REQUEST_DOWNLOAD request, or %NULL with @error
 *   set. Any thread.
 */
MeowBrowserRequest *
meow_browser_request_from_variant (GVariant *download, GError **error)
{
  g_autoptr (JsonNode) node = NULL;
  g_autoptr (MeowBrowserRequest) request = NULL;

  g_return_val_if_fail (g_variant_is_of_type (download, G_VARIANT_TYPE_VARDICT), NULL);

  node = json_gvariant_serialize (download);
  request = g_new0 (MeowBrowserRequest, 1);
  request->type = MEOW_BROWSER_REQUEST_DOWNLOAD;
  if (!JSON_NODE_HOLDS_OBJECT (node) ||
      !check_download (json_node_get_object (node), request, error))
    return NULL;
  return g_steal_pointer (&request);
}

/**
 * meow_browser_request_to_variant:
 * @request: a %MEOW_BROWSER_REQUEST_DOWNLOAD request
 *
 * Returns: (transfer floating): the download as the app's `Download` method takes it:
 *   an `a{sv}` with "url", and "referrer", "cookies", "userAgent", "filename" (`s`) and
 *   "headers" (`a{ss}`) when they are set
 */
GVariant *
meow_browser_request_to_variant (const MeowBrowserRequest *request)
{
  GVariantBuilder builder;
  const struct
  {
    const char *key;
    const char *value;
  } strings[] = {
    { "url", request->url },           { "referrer", request->referrer },
    { "cookies", request->cookies },   { "userAgent", request->user_agent },
    { "filename", request->filename },
  };

  g_return_val_if_fail (request->type == MEOW_BROWSER_REQUEST_DOWNLOAD, NULL);

  g_variant_builder_init (&builder, G_VARIANT_TYPE_VARDICT);
  for (guint i = 0; i < G_N_ELEMENTS (strings); i++)
    if (strings[i].value != NULL)
      g_variant_builder_add (&builder, "{sv}", strings[i].key,
                             g_variant_new_string (strings[i].value));
  if (request->headers != NULL && request->headers[0] != NULL)
    {
      GVariantBuilder headers;

      g_variant_builder_init (&headers, G_VARIANT_TYPE ("a{ss}"));
      for (guint i = 0; request->headers[i] != NULL; i += 2)
        g_variant_builder_add (&headers, "{ss}", request->headers[i], request->headers[i + 1]);
      g_variant_builder_add (&builder, "{sv}", "headers", g_variant_builder_end (&headers));
    }
  return g_variant_builder_end (&builder);
}

/**
 * meow_browser_request_dup_http_headers:
 * @request: a %MEOW_BROWSER_REQUEST_DOWNLOAD request
 *
 * Returns: (transfer full): every request header the download is to send: `Cookie`,
 *   `Referer` and `User-Agent` from their fields, then the extra ones, as "Name",
 *   "value", … pairs
 */
char **
meow_browser_request_dup_http_headers (const MeowBrowserRequest *request)
{
  g_autoptr (GStrvBuilder) builder = g_strv_builder_new ();
  const char *const fields[][2] = {
    { "Cookie", request->cookies },
    { "Referer", request->referrer },
    { "User-Agent", request->user_agent },
  };

  for (guint i = 0; i < G_N_ELEMENTS (fields); i++)
    if (fields[i][1] != NULL)
      {
        g_strv_builder_add (builder, fields[i][0]);
        g_strv_builder_add (builder, fields[i][1]);
      }
  if (request->headers != NULL)
    g_strv_builder_addv (builder, (const char **) request->headers);
  return g_strv_builder_end (builder);
}

/** meow_browser_request_free: @request: (transfer full) (nullable): a request */
void
meow_browser_request_free (MeowBrowserRequest *request)
{
  if (request == NULL)
    return;
  g_free (request->url);
  g_free (request->referrer);
  g_free (request->cookies);
  g_free (request->user_agent);
  g_free (request->filename);
  g_strfreev (request->headers);
  g_free (request);
}

/* ------------------------------------------------------------------ */
/* Replies                                                             */

static char *
reply_end (JsonBuilder *builder)
{
  g_autoptr (JsonGenerator) generator = json_generator_new ();
  g_autoptr (JsonNode) root = NULL;

  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  json_generator_set_root (generator, root);
  return json_generator_to_data (generator, NULL);
}

static JsonBuilder *
reply_begin (gboolean ok)
{
  JsonBuilder *builder = json_builder_new ();

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "ok");
  json_builder_add_boolean_value (builder, ok);
  return builder;
}

/**
 * meow_browser_reply_error:
 * @message: why, as one sentence
 *
 * Returns: (transfer full): `{"ok":false,"error":message}`
 */
char *
meow_browser_reply_error (const char *message)
{
  g_autoptr (JsonBuilder) builder = reply_begin (FALSE);

  json_builder_set_member_name (builder, "error");
  json_builder_add_string_value (builder, message);
  return reply_end (builder);
}

/**
 * meow_browser_reply_hello:
 * @version: the host's version
 *
 * Returns: (transfer full): `{"ok":true,"protocol":1,"version":version}`
 */
char *
meow_browser_reply_hello (const char *version)
{
  g_autoptr (JsonBuilder) builder = reply_begin (TRUE);

  json_builder_set_member_name (builder, "protocol");
  json_builder_add_int_value (builder, MEOW_BROWSER_PROTOCOL_VERSION);
  json_builder_set_member_name (builder, "version");
  json_builder_add_string_value (builder, version);
  return reply_end (builder);
}

/**
 * meow_browser_reply_download:
 * @id: the new task's id
 *
 * Returns: (transfer full): `{"ok":true,"id":id}`
 */
char *
meow_browser_reply_download (const char *id)
{
  g_autoptr (JsonBuilder) builder = reply_begin (TRUE);

  json_builder_set_member_name (builder, "id");
  json_builder_add_string_value (builder, id);
  return reply_end (builder);
}

/**
 * meow_browser_reply_list:
 * @transfers: (nullable): the app's `aa{sv}`, one dictionary a transfer; %NULL for none
 * @running: whether Meow is running
 *
 * Returns: (transfer full): `{"ok":true,"running":running,"transfers":[{…},…]}`, each
 *   transfer's dictionary as a JSON object
 */
char *
meow_browser_reply_list (GVariant *transfers, gboolean running)
{
  g_autoptr (JsonBuilder) builder = reply_begin (TRUE);

  g_return_val_if_fail (
      transfers == NULL || g_variant_is_of_type (transfers, G_VARIANT_TYPE ("aa{sv}")), NULL);

  json_builder_set_member_name (builder, "running");
  json_builder_add_boolean_value (builder, running);
  json_builder_set_member_name (builder, "transfers");
  json_builder_begin_array (builder);
  for (gsize i = 0; transfers != NULL && i < g_variant_n_children (transfers); i++)
    {
      g_autoptr (GVariant) transfer = g_variant_get_child_value (transfers, i);

      json_builder_add_value (builder, json_gvariant_serialize (transfer));
    }
  json_builder_end_array (builder);
  return reply_end (builder);
}
