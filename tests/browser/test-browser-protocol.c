/* test-browser-protocol.c: the browser hand-off's messages, frames and manifests
 *
 * Table-driven: each row is a message the extension could send and what the host must
 * make of it. No process, no bus: browser/meow-browser-protocol.c and
 * meow-browser-install.c as pure units.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <string.h>
#include <sys/stat.h>

#include "meow-browser-install.h"
#include "meow-browser-protocol.h"

#define GOOD_URL "https://example.org/files/big.iso"

/* ------------------------------------------------------------------ */
/* Helpers                                                             */

static void
note (const char *what, const char *value)
{
  g_autofree char *escaped = g_strescape (value, NULL);

  g_test_message ("%s \"%s\"", what, escaped);
}

/* The promise every refusal keeps: one readable sentence, no control characters. */
static void
assert_sentence (const char *message)
{
  gsize len = strlen (message);

  g_assert_cmpuint (len, >, 10);
  g_assert_cmpuint (len, <, 200);
  g_assert_true (g_utf8_validate (message, -1, NULL));
  for (const char *p = message; *p != '\0'; p++)
    g_assert_cmpint ((guchar) *p, >=, 0x20);
  g_assert_true (g_str_has_suffix (message, "."));
}

static MeowBrowserRequest *
parse (const char *json, GError **error)
{
  note ("message", json);
  return meow_browser_request_parse (json, strlen (json), error);
}

static JsonObject *
parse_reply (const char *json, JsonNode **keep)
{
  g_autoptr (JsonParser) parser = json_parser_new ();

  g_assert_true (json_parser_load_from_data (parser, json, -1, NULL));
  *keep = json_node_ref (json_parser_get_root (parser));
  g_assert_true (JSON_NODE_HOLDS_OBJECT (*keep));
  return json_node_get_object (*keep);
}

/* ------------------------------------------------------------------ */
/* Requests                                                            */

static void
test_hello_and_list (void)
{
  g_autoptr (MeowBrowserRequest) hello = parse ("{\"type\":\"hello\"}", NULL);
  g_autoptr (MeowBrowserRequest) list = parse (" {\"type\": \"list\", \"extra\": [1, 2]}\n", NULL);

  g_assert_nonnull (hello);
  g_assert_cmpint (hello->type, ==, MEOW_BROWSER_REQUEST_HELLO);
  g_assert_null (hello->url);
  /* Fields a type does not use are ignored. */
  g_assert_nonnull (list);
  g_assert_cmpint (list->type, ==, MEOW_BROWSER_REQUEST_LIST);
}

static void
test_download_fields (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (MeowBrowserRequest) request =
      parse ("{\"type\":\"download\",\"url\":\"" GOOD_URL "\","
             "\"referrer\":\"https://example.org/page\",\"cookies\":\"a=1; b=two\","
             "\"userAgent\":\"Mozilla/5.0 (X11)\",\"filename\":\"Big file (1).iso\","
             "\"headers\":{\"X-Token\":\"t0k\",\"Accept-Language\":\"de\"},\"future\":true}",
             &error);
  g_auto (GStrv) http = NULL;

  g_assert_no_error (error);
  g_assert_cmpint (request->type, ==, MEOW_BROWSER_REQUEST_DOWNLOAD);
  g_assert_cmpstr (request->url, ==, GOOD_URL);
  g_assert_cmpstr (request->referrer, ==, "https://example.org/page");
  g_assert_cmpstr (request->cookies, ==, "a=1; b=two");
  g_assert_cmpstr (request->user_agent, ==, "Mozilla/5.0 (X11)");
  g_assert_cmpstr (request->filename, ==, "Big file (1).iso");
  g_assert_cmpuint (g_strv_length (request->headers), ==, 4);

  http = meow_browser_request_dup_http_headers (request);
  g_assert_cmpuint (g_strv_length (http), ==, 10);
  g_assert_cmpstr (http[0], ==, "Cookie");
  g_assert_cmpstr (http[1], ==, "a=1; b=two");
  g_assert_cmpstr (http[2], ==, "Referer");
  g_assert_cmpstr (http[4], ==, "User-Agent");
  g_assert_true (g_strv_contains ((const char *const *) http, "X-Token"));
  g_assert_true (g_strv_contains ((const char *const *) http, "t0k"));
}

static void
test_download_optional (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (MeowBrowserRequest) request =
      parse ("{\"type\":\"download\",\"url\":\"http://h/\",\"referrer\":\"\",\"cookies\":null,"
             "\"headers\":null}",
             &error);
  g_auto (GStrv) http = NULL;

  g_assert_no_error (error);
  g_assert_cmpstr (request->url, ==, "http://h/");
  /* "" and null are "not given". */
  g_assert_null (request->referrer);
  g_assert_null (request->cookies);
  g_assert_null (request->user_agent);
  g_assert_null (request->filename);
  g_assert_null (request->headers);
  http = meow_browser_request_dup_http_headers (request);
  g_assert_cmpuint (g_strv_length (http), ==, 0);
}

typedef struct
{
  const char *json;
  int         code;     /* MeowBrowserError */
  const char *contains; /* in the sentence */
} Refusal;

static const Refusal refusals[] = {
  /* malformed */
  { "", MEOW_BROWSER_ERROR_MALFORMED, "empty" },
  { "   \n", MEOW_BROWSER_ERROR_MALFORMED, "empty" },
  { "{", MEOW_BROWSER_ERROR_MALFORMED, "not valid JSON" },
  { "{\"type\":\"hello\"", MEOW_BROWSER_ERROR_MALFORMED, "not valid JSON" },
  { "{\"type\":\"hello\",}", MEOW_BROWSER_ERROR_MALFORMED, "not valid JSON" },
  { "{\"type\":'hello'}", MEOW_BROWSER_ERROR_MALFORMED, "not valid JSON" },
  { "{\"type\":\"hello\",'{':1}{'}':2}", MEOW_BROWSER_ERROR_MALFORMED, "not valid JSON" },
  { "{\"type\":\"hello\" /* } { */}", MEOW_BROWSER_ERROR_MALFORMED, "not valid JSON" },
  { "{\"type\":\"hello\"} // x", MEOW_BROWSER_ERROR_MALFORMED, "goes on after" },
  { "{\"type\":\"hello\"]", MEOW_BROWSER_ERROR_MALFORMED, "not valid JSON" },
  { "{\"type\":\"hello\"}{\"type\":\"hello\"}", MEOW_BROWSER_ERROR_MALFORMED, "goes on after" },
  { "{\"type\":\"hello\"},{\"type\":\"hello\"}", MEOW_BROWSER_ERROR_MALFORMED, "goes on after" },
  { "{\"type\":\"hello\"}]", MEOW_BROWSER_ERROR_MALFORMED, "goes on after" },
  { "{\"type\":\"hello\"} x", MEOW_BROWSER_ERROR_MALFORMED, "goes on after" },
  { "[{\"type\":\"hello\"}]", MEOW_BROWSER_ERROR_MALFORMED, "not a JSON object" },
  { "[{\"type\":\"hello\"}][{\"type\":\"list\"}]", MEOW_BROWSER_ERROR_MALFORMED,
    "not a JSON object" },
  { "\"hello\"", MEOW_BROWSER_ERROR_MALFORMED, "not a JSON object" },
  { "null", MEOW_BROWSER_ERROR_MALFORMED, "not a JSON object" },
  { "]", MEOW_BROWSER_ERROR_MALFORMED, "not a JSON object" },
  { "{\"type\":\"h\xff\"}", MEOW_BROWSER_ERROR_MALFORMED, "UTF-8" },
  /* json-glib reads C's octal escapes, which JSON has not: this one is the byte 0x98 */
  { "{\"type\":\"download\",\"url\":\"http://h/\",\"cookies\":\"u\\230ab3\"}",
    MEOW_BROWSER_ERROR_MALFORMED, "not valid JSON" },
  { "{\"type\":\"hel\\lo\"}", MEOW_BROWSER_ERROR_MALFORMED, "not valid JSON" },
  { "{\"type\":\"hello\\u12\"}", MEOW_BROWSER_ERROR_MALFORMED, "not valid JSON" },
  { "{\"type\":\"hello\\", MEOW_BROWSER_ERROR_MALFORMED, "not valid JSON" },
  { "{\"type\":\"download\",\"url\":\"http://h/\",\"cookies\":\"a\\ud800b\"}",
    MEOW_BROWSER_ERROR_INVALID_FIELD, "“cookies” is not UTF-8" },
  { "{\"type\":\"download\",\"url\":\"http://h/\",\"headers\":{\"X-A\":\"\\ud800b\"}}",
    MEOW_BROWSER_ERROR_INVALID_FIELD, "“X-A” is not UTF-8" },
  /* json-glib takes a lone surrogate before the closing quote for the end of the text */
  { "{\"type\":\"download\",\"url\":\"http://h/\",\"referrer\":\"\\udc00\"}",
    MEOW_BROWSER_ERROR_MALFORMED, "not valid JSON" },
  { "{\"type\":\"download\",\"url\":\"http://h/\",\"cookies\":\"a=1\\u0000\\r\\nX: y\"}",
    MEOW_BROWSER_ERROR_MALFORMED, "NUL" },
  { "{\"type\":\"download\",\"url\":\"http://h/\\u0000.evil\"}", MEOW_BROWSER_ERROR_MALFORMED,
    "NUL" },
  /* types */
  { "{}", MEOW_BROWSER_ERROR_UNKNOWN_TYPE, "no “type”" },
  { "{\"url\":\"" GOOD_URL "\"}", MEOW_BROWSER_ERROR_UNKNOWN_TYPE, "no “type”" },
  { "{\"type\":\"upload\"}", MEOW_BROWSER_ERROR_UNKNOWN_TYPE, "“upload” is unknown" },
  { "{\"type\":\"HELLO\"}", MEOW_BROWSER_ERROR_UNKNOWN_TYPE, "unknown" },
  { "{\"type\":\"\\u001b[31mred\"}", MEOW_BROWSER_ERROR_UNKNOWN_TYPE, "“?[31mred”" },
  { "{\"type\":1}", MEOW_BROWSER_ERROR_INVALID_FIELD, "“type” must be a string" },
  { "{\"type\":null}", MEOW_BROWSER_ERROR_INVALID_FIELD, "“type” must be a string" },
  { "{\"type\":[\"hello\"]}", MEOW_BROWSER_ERROR_INVALID_FIELD, "“type” must be a string" },
  /* links */
  { "{\"type\":\"download\"}", MEOW_BROWSER_ERROR_INVALID_FIELD, "needs a “url”" },
  { "{\"type\":\"download\",\"url\":\"\"}", MEOW_BROWSER_ERROR_INVALID_FIELD, "needs a “url”" },
  { "{\"type\":\"download\",\"url\":42}", MEOW_BROWSER_ERROR_INVALID_FIELD,
    "“url” must be a string" },
  { "{\"type\":\"download\",\"url\":{\"href\":\"http://h/\"}}", MEOW_BROWSER_ERROR_INVALID_FIELD,
    "“url” must be a string" },
  { "{\"type\":\"download\",\"url\":\"ftp://example.org/a\"}", MEOW_BROWSER_ERROR_INVALID_FIELD,
    "not “ftp” links" },
  { "{\"type\":\"download\",\"url\":\"file:///etc/passwd\"}", MEOW_BROWSER_ERROR_INVALID_FIELD,
    "not “file” links" },
  { "{\"type\":\"download\",\"url\":\"javascript:alert(1)\"}", MEOW_BROWSER_ERROR_INVALID_FIELD,
    "not “javascript” links" },
  { "{\"type\":\"download\",\"url\":\"data:text/plain,hi\"}", MEOW_BROWSER_ERROR_INVALID_FIELD,
    "not “data” links" },
  { "{\"type\":\"download\",\"url\":\"blob:https://example.org/1\"}",
    MEOW_BROWSER_ERROR_INVALID_FIELD, "not “blob” links" },
  { "{\"type\":\"download\",\"url\":\"example.org/a.iso\"}", MEOW_BROWSER_ERROR_INVALID_FIELD,
    "not a valid link" },
  { "{\"type\":\"download\",\"url\":\"http:///a.iso\"}", MEOW_BROWSER_ERROR_INVALID_FIELD,
    "no host" },
  { "{\"type\":\"download\",\"url\":\"http://h/a\\r\\nX: y\"}", MEOW_BROWSER_ERROR_INVALID_FIELD,
    "line break" },
  /* line breaks in anything that becomes a header */
  { "{\"type\":\"download\",\"url\":\"http://h/\",\"cookies\":\"a=1\\r\\nX-Evil: 1\"}",
    MEOW_BROWSER_ERROR_INVALID_FIELD, "“cookies” contains a line break" },
  { "{\"type\":\"download\",\"url\":\"http://h/\",\"cookies\":\"a=1\\nb=2\"}",
    MEOW_BROWSER_ERROR_INVALID_FIELD, "“cookies” contains a line break" },
  { "{\"type\":\"download\",\"url\":\"http://h/\",\"referrer\":\"http://a/\\r\"}",
    MEOW_BROWSER_ERROR_INVALID_FIELD, "“referrer” contains a line break" },
  { "{\"type\":\"download\",\"url\":\"http://h/\",\"userAgent\":\"UA\\n\"}",
    MEOW_BROWSER_ERROR_INVALID_FIELD, "“userAgent” contains a line break" },
  { "{\"type\":\"download\",\"url\":\"http://h/\",\"headers\":{\"X-A\":\"1\\r\\nX-B: 2\"}}",
    MEOW_BROWSER_ERROR_INVALID_FIELD, "“X-A” contains a line break" },
  { "{\"type\":\"download\",\"url\":\"http://h/\",\"headers\":{\"X-A\\r\\nX-B\":\"1\"}}",
    MEOW_BROWSER_ERROR_INVALID_FIELD, "name “X-A??X-B” is not valid" },
  { "{\"type\":\"download\",\"url\":\"http://h/\",\"headers\":{\"X A\":\"1\"}}",
    MEOW_BROWSER_ERROR_INVALID_FIELD, "name “X A” is not valid" },
  { "{\"type\":\"download\",\"url\":\"http://h/\",\"headers\":{\"\":\"1\"}}",
    MEOW_BROWSER_ERROR_INVALID_FIELD, "is not valid" },
  { "{\"type\":\"download\",\"url\":\"http://h/\",\"headers\":{\"X:Y\":\"1\"}}",
    MEOW_BROWSER_ERROR_INVALID_FIELD, "is not valid" },
  /* wrong field types */
  { "{\"type\":\"download\",\"url\":\"http://h/\",\"cookies\":{\"a\":\"1\"}}",
    MEOW_BROWSER_ERROR_INVALID_FIELD, "“cookies” must be a string" },
  { "{\"type\":\"download\",\"url\":\"http://h/\",\"cookies\":[\"a=1\"]}",
    MEOW_BROWSER_ERROR_INVALID_FIELD, "“cookies” must be a string" },
  { "{\"type\":\"download\",\"url\":\"http://h/\",\"referrer\":true}",
    MEOW_BROWSER_ERROR_INVALID_FIELD, "“referrer” must be a string" },
  { "{\"type\":\"download\",\"url\":\"http://h/\",\"userAgent\":7}",
    MEOW_BROWSER_ERROR_INVALID_FIELD, "“userAgent” must be a string" },
  { "{\"type\":\"download\",\"url\":\"http://h/\",\"filename\":[]}",
    MEOW_BROWSER_ERROR_INVALID_FIELD, "“filename” must be a string" },
  { "{\"type\":\"download\",\"url\":\"http://h/\",\"headers\":[\"X-A: 1\"]}",
    MEOW_BROWSER_ERROR_INVALID_FIELD, "“headers” must be an object" },
  { "{\"type\":\"download\",\"url\":\"http://h/\",\"headers\":\"X-A: 1\"}",
    MEOW_BROWSER_ERROR_INVALID_FIELD, "“headers” must be an object" },
  { "{\"type\":\"download\",\"url\":\"http://h/\",\"headers\":{\"X-A\":1}}",
    MEOW_BROWSER_ERROR_INVALID_FIELD, "“X-A” must have a string value" },
  { "{\"type\":\"download\",\"url\":\"http://h/\",\"headers\":{\"X-A\":null}}",
    MEOW_BROWSER_ERROR_INVALID_FIELD, "“X-A” must have a string value" },
  /* headers Meow sets, or that have their own field */
  { "{\"type\":\"download\",\"url\":\"http://h/\",\"headers\":{\"cookie\":\"a=1\"}}",
    MEOW_BROWSER_ERROR_INVALID_FIELD, "“Cookie” goes in the field “cookies”" },
  { "{\"type\":\"download\",\"url\":\"http://h/\",\"headers\":{\"Range\":\"bytes=0-\"}}",
    MEOW_BROWSER_ERROR_INVALID_FIELD, "“Range” is Meow’s to set" },
  { "{\"type\":\"download\",\"url\":\"http://h/\",\"headers\":{\"HOST\":\"evil\"}}",
    MEOW_BROWSER_ERROR_INVALID_FIELD, "“Host” is Meow’s to set" },
  /* file names */
  { "{\"type\":\"download\",\"url\":\"http://h/\",\"filename\":\"../../.bashrc\"}",
    MEOW_BROWSER_ERROR_INVALID_FIELD, "plain file name" },
  { "{\"type\":\"download\",\"url\":\"http://h/\",\"filename\":\"/etc/passwd\"}",
    MEOW_BROWSER_ERROR_INVALID_FIELD, "plain file name" },
  { "{\"type\":\"download\",\"url\":\"http://h/\",\"filename\":\"a\\\\b\"}",
    MEOW_BROWSER_ERROR_INVALID_FIELD, "plain file name" },
  { "{\"type\":\"download\",\"url\":\"http://h/\",\"filename\":\".hidden\"}",
    MEOW_BROWSER_ERROR_INVALID_FIELD, "plain file name" },
  { "{\"type\":\"download\",\"url\":\"http://h/\",\"filename\":\"a\\tb\"}",
    MEOW_BROWSER_ERROR_INVALID_FIELD, "plain file name" },
};

static void
test_refusals (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (refusals); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (MeowBrowserRequest) request = parse (refusals[i].json, &error);

      g_assert_null (request);
      g_assert_error (error, MEOW_BROWSER_ERROR, refusals[i].code);
      note ("error", error->message);
      assert_sentence (error->message);
      g_assert_nonnull (strstr (error->message, refusals[i].contains));
      /* A value never reaches the sentence. */
      g_assert_null (strstr (error->message, "X-Evil"));
      g_assert_null (strstr (error->message, "a=1"));
    }
}

static void
test_raw_bytes (void)
{
  /* A NUL byte or invalid UTF-8 in the message itself, not escaped. */
  const char nul[] = "{\"type\":\"hello\"}\0";
  g_autoptr (GError) error = NULL;
  g_autoptr (GError) too_long = NULL;
  g_autoptr (MeowBrowserRequest) request = meow_browser_request_parse (nul, sizeof nul, &error);
  g_autofree char *name = g_strnfill (300, 'a');
  g_autofree char *json =
      g_strdup_printf ("{\"type\":\"download\",\"url\":\"http://h/\",\"filename\":\"%s\"}", name);
  g_autoptr (MeowBrowserRequest) long_name = parse (json, &too_long);

  g_assert_null (request);
  g_assert_error (error, MEOW_BROWSER_ERROR, MEOW_BROWSER_ERROR_MALFORMED);
  g_assert_null (long_name);
  g_assert_error (too_long, MEOW_BROWSER_ERROR, MEOW_BROWSER_ERROR_INVALID_FIELD);
}

static void
test_escaped_backslash_is_not_nul (void)
{
  /* "\\u0000" is a backslash followed by "u0000", not a NUL character. */
  g_autoptr (GError) error = NULL;
  g_autoptr (MeowBrowserRequest) request =
      parse ("{\"type\":\"download\",\"url\":\"http://h/\",\"cookies\":\"a=\\\\u0000\"}", &error);

  g_assert_no_error (error);
  g_assert_cmpstr (request->cookies, ==, "a=\\u0000");
}

/* ------------------------------------------------------------------ */
/* The same rules over D-Bus                                           */

static void
test_variant_round_trip (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (MeowBrowserRequest) request =
      parse ("{\"type\":\"download\",\"url\":\"" GOOD_URL "\",\"cookies\":\"s=1\","
             "\"userAgent\":\"UA\",\"headers\":{\"X-A\":\"b\"}}",
             &error);
  g_autoptr (GVariant) variant = g_variant_ref_sink (meow_browser_request_to_variant (request));
  g_autoptr (MeowBrowserRequest) back = meow_browser_request_from_variant (variant, &error);
  g_autoptr (GVariant) headers = NULL;

  g_assert_no_error (error);
  g_assert_true (g_variant_is_of_type (variant, G_VARIANT_TYPE_VARDICT));
  g_assert_false (g_variant_lookup (variant, "referrer", "&s", NULL));
  headers = g_variant_lookup_value (variant, "headers", G_VARIANT_TYPE ("a{ss}"));
  g_assert_nonnull (headers);
  g_assert_cmpstr (back->url, ==, GOOD_URL);
  g_assert_cmpstr (back->cookies, ==, "s=1");
  g_assert_cmpstr (back->user_agent, ==, "UA");
  g_assert_null (back->referrer);
  g_assert_cmpstr (back->headers[0], ==, "X-A");
  g_assert_cmpstr (back->headers[1], ==, "b");
}

static GVariant *
vardict (const char *text)
{
  g_autoptr (GError) error = NULL;
  GVariant *variant = g_variant_parse (G_VARIANT_TYPE_VARDICT, text, NULL, NULL, &error);

  g_assert_no_error (error);
  return variant;
}

static void
test_variant_refusals (void)
{
  const struct
  {
    const char *variant;
    const char *contains;
  } rows[] = {
    { "@a{sv} {}", "needs a “url”" },
    { "{'url': <'ftp://h/a'>}", "not “ftp” links" },
    { "{'url': <42>}", "“url” must be a string" },
    { "{'url': <'http://h/'>, 'cookies': <'a=1\r\nX: 1'>}", "“cookies” contains a line break" },
    { "{'url': <'http://h/'>, 'headers': <{'X-A': 'b\\n'}>}", "“X-A” contains a line break" },
    { "{'url': <'http://h/'>, 'headers': <{'X-A': <1>}>}", "“X-A” must have a string value" },
    { "{'url': <'http://h/'>, 'headers': <['X-A: b']>}", "“headers” must be an object" },
    { "{'url': <'http://h/'>, 'filename': <'../x'>}", "plain file name" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (rows); i++)
    {
      g_autoptr (GVariant) variant = g_variant_ref_sink (vardict (rows[i].variant));
      g_autoptr (GError) error = NULL;
      g_autoptr (MeowBrowserRequest) request = NULL;

      note ("variant", rows[i].variant);
      request = meow_browser_request_from_variant (variant, &error);
      g_assert_null (request);
      g_assert_error (error, MEOW_BROWSER_ERROR, MEOW_BROWSER_ERROR_INVALID_FIELD);
      g_assert_nonnull (strstr (error->message, rows[i].contains));
    }
}

/* ------------------------------------------------------------------ */
/* Framing                                                             */

static GBytes *
next_message (MeowBrowserFramer *framer, MeowBrowserFrame want)
{
  g_autoptr (GError) error = NULL;
  GBytes          *message = NULL;
  MeowBrowserFrame got = meow_browser_framer_next (framer, &message, &error);

  g_assert_cmpint (got, ==, want);
  if (want == MEOW_BROWSER_FRAME_TOO_LARGE)
    g_assert_error (error, MEOW_BROWSER_ERROR, MEOW_BROWSER_ERROR_TOO_LARGE);
  else
    g_assert_no_error (error);
  g_assert_true ((message != NULL) == (want == MEOW_BROWSER_FRAME_MESSAGE));
  return message;
}

static void
assert_bytes (GBytes *bytes, const char *text)
{
  gsize         size;
  const guint8 *data = g_bytes_get_data (bytes, &size);

  g_assert_cmpmem (data, size, text, strlen (text));
}

static void
test_frame_split (void)
{
  g_autoptr (MeowBrowserFramer) framer = meow_browser_framer_new ();
  g_autoptr (GBytes) frame = meow_browser_frame ("{\"type\":\"hello\"}");
  g_autoptr (GBytes) message = NULL;
  gsize         size;
  const guint8 *data = g_bytes_get_data (frame, &size);
  guint32       length;

  /* The length is in the host's byte order. */
  memcpy (&length, data, sizeof length);
  g_assert_cmpuint (length, ==, 16);
  g_assert_cmpuint (size, ==, 20);

  /* One byte at a time: nothing until the last one. */
  g_assert_true (meow_browser_framer_is_idle (framer));
  for (gsize i = 0; i + 1 < size; i++)
    {
      meow_browser_framer_push (framer, data + i, 1);
      g_assert_null (next_message (framer, MEOW_BROWSER_FRAME_NEED_MORE));
      g_assert_false (meow_browser_framer_is_idle (framer));
    }
  meow_browser_framer_push (framer, data + size - 1, 1);
  message = next_message (framer, MEOW_BROWSER_FRAME_MESSAGE);
  assert_bytes (message, "{\"type\":\"hello\"}");
  g_assert_null (next_message (framer, MEOW_BROWSER_FRAME_NEED_MORE));
  g_assert_true (meow_browser_framer_is_idle (framer));
}

static void
test_frame_several (void)
{
  g_autoptr (MeowBrowserFramer) framer = meow_browser_framer_new ();
  g_autoptr (GByteArray) all = g_byte_array_new ();
  const char *texts[] = { "{\"type\":\"hello\"}", "", "{\"type\":\"list\"}" };
  g_autoptr (GBytes) half = meow_browser_frame ("{\"type\":\"list\"}");

  /* Two messages, one of length 0, and half of a fourth in one write. */
  for (guint i = 0; i < G_N_ELEMENTS (texts); i++)
    {
      g_autoptr (GBytes) frame = meow_browser_frame (texts[i]);
      g_byte_array_append (all, g_bytes_get_data (frame, NULL), (guint) g_bytes_get_size (frame));
    }
  g_byte_array_append (all, g_bytes_get_data (half, NULL), 6);
  meow_browser_framer_push (framer, all->data, all->len);

  for (guint i = 0; i < G_N_ELEMENTS (texts); i++)
    {
      g_autoptr (GBytes) message = next_message (framer, MEOW_BROWSER_FRAME_MESSAGE);
      assert_bytes (message, texts[i]);
    }
  g_assert_null (next_message (framer, MEOW_BROWSER_FRAME_NEED_MORE));
  g_assert_false (meow_browser_framer_is_idle (framer));
}

static void
test_frame_too_large (void)
{
  g_autoptr (MeowBrowserFramer) framer = meow_browser_framer_new ();
  guint32 at_limit = MEOW_BROWSER_MAX_MESSAGE;
  guint32 over = MEOW_BROWSER_MAX_MESSAGE + 1;
  g_autoptr (MeowBrowserFramer) second = meow_browser_framer_new ();

  /* Exactly 1 MiB is waited for; one byte more is refused by the length alone. */
  meow_browser_framer_push (framer, (const guint8 *) &at_limit, sizeof at_limit);
  g_assert_null (next_message (framer, MEOW_BROWSER_FRAME_NEED_MORE));
  meow_browser_framer_push (second, (const guint8 *) &over, sizeof over);
  g_assert_null (next_message (second, MEOW_BROWSER_FRAME_TOO_LARGE));
}

/* ------------------------------------------------------------------ */
/* Replies                                                             */

static void
test_replies (void)
{
  g_autofree char *hello = meow_browser_reply_hello ("9.8.7");
  g_autofree char *download = meow_browser_reply_download ("0e9f-42");
  g_autofree char *error = meow_browser_reply_error ("Meow said “no”.\n");
  g_autoptr (GVariant) transfers = g_variant_ref_sink (
      g_variant_parse (G_VARIANT_TYPE ("aa{sv}"),
                       "[{'id': <'t1'>, 'name': <'a.iso'>, 'status': <'running'>, "
                       "'progress': <0.5>, 'speed': <1000.0>, 'transferred': <uint64 5>, "
                       "'total': <int64 10>}]",
                       NULL, NULL, NULL));
  g_autofree char *list = meow_browser_reply_list (transfers, TRUE);
  g_autofree char *none = meow_browser_reply_list (NULL, FALSE);
  g_autoptr (JsonNode) n1 = NULL;
  g_autoptr (JsonNode) n2 = NULL;
  g_autoptr (JsonNode) n3 = NULL;
  g_autoptr (JsonNode) n4 = NULL;
  g_autoptr (JsonNode) n5 = NULL;
  JsonObject *o;
  JsonObject *t;

  o = parse_reply (hello, &n1);
  g_assert_true (json_object_get_boolean_member (o, "ok"));
  g_assert_cmpint (json_object_get_int_member (o, "protocol"), ==, 1);
  g_assert_cmpstr (json_object_get_string_member (o, "version"), ==, "9.8.7");

  o = parse_reply (download, &n2);
  g_assert_true (json_object_get_boolean_member (o, "ok"));
  g_assert_cmpstr (json_object_get_string_member (o, "id"), ==, "0e9f-42");

  o = parse_reply (error, &n3);
  g_assert_false (json_object_get_boolean_member (o, "ok"));
  g_assert_cmpstr (json_object_get_string_member (o, "error"), ==, "Meow said “no”.\n");
  g_assert_null (strchr (error, '\n')); /* escaped in the JSON */

  o = parse_reply (list, &n4);
  g_assert_true (json_object_get_boolean_member (o, "running"));
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (o, "transfers")), ==, 1);
  t = json_array_get_object_element (json_object_get_array_member (o, "transfers"), 0);
  g_assert_cmpstr (json_object_get_string_member (t, "name"), ==, "a.iso");
  g_assert_cmpfloat (json_object_get_double_member (t, "progress"), ==, 0.5);
  g_assert_cmpint (json_object_get_int_member (t, "total"), ==, 10);

  o = parse_reply (none, &n5);
  g_assert_true (json_object_get_boolean_member (o, "ok"));
  g_assert_false (json_object_get_boolean_member (o, "running"));
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (o, "transfers")), ==, 0);
}

/* ------------------------------------------------------------------ */
/* Manifests                                                           */

static JsonObject *
load_manifest (const char *path, JsonNode **keep)
{
  g_autofree char *text = NULL;

  g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
  return parse_reply (text, keep);
}

static void
assert_manifest (JsonObject *manifest, MeowBrowserFamily family, const char *path)
{
  JsonArray *allowed;

  g_assert_cmpstr (json_object_get_string_member (manifest, "name"), ==, MEOW_BROWSER_HOST_NAME);
  g_assert_cmpstr (json_object_get_string_member (manifest, "type"), ==, "stdio");
  g_assert_cmpstr (json_object_get_string_member (manifest, "path"), ==, path);
  if (family == MEOW_BROWSER_FIREFOX)
    {
      allowed = json_object_get_array_member (manifest, "allowed_extensions");
      g_assert_cmpstr (json_array_get_string_element (allowed, 0), ==, MEOW_GECKO_ID);
      g_assert_false (json_object_has_member (manifest, "allowed_origins"));
    }
  else
    {
      allowed = json_object_get_array_member (manifest, "allowed_origins");
      g_assert_cmpstr (json_array_get_string_element (allowed, 0), ==,
                       "chrome-extension://" MEOW_CHROMIUM_ID "/");
      g_assert_false (json_object_has_member (manifest, "allowed_extensions"));
    }
  g_assert_cmpuint (json_array_get_length (allowed), ==, 1);
}

static void
test_install_user (void)
{
  const char      *home = g_get_home_dir ();
  g_autofree char *config = g_build_filename (home, "cfg", NULL);
  g_autoptr (GError) error = NULL;
  g_auto (GStrv) written = meow_browser_install_user (home, config, "/opt/meow/bin/host", &error);
  g_autofree char *firefox = g_build_filename (home, ".mozilla", "native-messaging-hosts",
                                               MEOW_BROWSER_HOST_NAME ".json", NULL);
  g_autofree char *chrome = g_build_filename (config, "google-chrome", "NativeMessagingHosts",
                                              MEOW_BROWSER_HOST_NAME ".json", NULL);
  g_autoptr (JsonNode) n1 = NULL;
  g_autoptr (JsonNode) n2 = NULL;

  g_assert_no_error (error);
  g_assert_cmpuint (g_strv_length (written), ==, 3);
  g_assert_cmpstr (written[0], ==, firefox);
  g_assert_cmpstr (written[2], ==, chrome);
  assert_manifest (load_manifest (written[0], &n1), MEOW_BROWSER_FIREFOX, "/opt/meow/bin/host");
  assert_manifest (load_manifest (written[1], &n2), MEOW_BROWSER_CHROMIUM, "/opt/meow/bin/host");
  g_assert_true (g_str_has_suffix (
      written[1], "/cfg/chromium/NativeMessagingHosts/" MEOW_BROWSER_HOST_NAME ".json"));
}

static void
test_install_user_sandboxed (void)
{
  const char *home = g_get_home_dir ();
  g_autoptr (GError) error = NULL;
  g_auto (GStrv) written = meow_browser_install_user (home, home, NULL, &error);

  g_assert_no_error (error);
  g_assert_cmpuint (g_strv_length (written), ==, 3);
  for (guint i = 0; i < 3; i++)
    {
      g_autofree char *dir = g_path_get_dirname (written[i]);
      g_autofree char *wrapper = g_build_filename (dir, MEOW_BROWSER_HOST_NAME ".sh", NULL);
      g_autofree char *script = NULL;
      g_autoptr (JsonNode) node = NULL;
      struct stat st;

      /* Each manifest points at a wrapper beside it, in the same folder the Flatpak may
       * write. */
      assert_manifest (load_manifest (written[i], &node),
                       i == 0 ? MEOW_BROWSER_FIREFOX : MEOW_BROWSER_CHROMIUM, wrapper);
      g_assert_true (g_file_get_contents (wrapper, &script, NULL, NULL));
      g_assert_true (g_str_has_prefix (script, "#!/bin/sh\n"));
      g_assert_nonnull (strstr (
          script, "\nexec flatpak run --command=meow-browser-host " APPLICATION_ID " \"$@\"\n"));
      g_assert_cmpint (g_stat (wrapper, &st), ==, 0);
      g_assert_cmpint (st.st_mode & 0777, ==, 0755);
    }
}

static void
test_install_user_fails (void)
{
  const char      *home = g_get_home_dir ();
  g_autofree char *blocker = g_build_filename (home, ".mozilla", NULL);
  g_autoptr (GError) error = NULL;
  g_auto (GStrv) written = NULL;

  /* A file where the folder must go. */
  g_assert_cmpint (g_mkdir_with_parents (home, 0700), ==, 0);
  g_assert_true (g_file_set_contents (blocker, "", 0, NULL));
  written = meow_browser_install_user (home, home, "/usr/bin/meow-browser-host", &error);
  g_assert_null (written);
  g_assert_nonnull (error);
  g_assert_nonnull (strstr (error->message, ".mozilla"));
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/browser/protocol/hello-and-list", test_hello_and_list);
  g_test_add_func ("/browser/protocol/download-fields", test_download_fields);
  g_test_add_func ("/browser/protocol/download-optional", test_download_optional);
  g_test_add_func ("/browser/protocol/refusals", test_refusals);
  g_test_add_func ("/browser/protocol/raw-bytes", test_raw_bytes);
  g_test_add_func ("/browser/protocol/escaped-backslash", test_escaped_backslash_is_not_nul);
  g_test_add_func ("/browser/protocol/variant-round-trip", test_variant_round_trip);
  g_test_add_func ("/browser/protocol/variant-refusals", test_variant_refusals);
  g_test_add_func ("/browser/frame/split", test_frame_split);
  g_test_add_func ("/browser/frame/several", test_frame_several);
  g_test_add_func ("/browser/frame/too-large", test_frame_too_large);
  g_test_add_func ("/browser/replies", test_replies);
  g_test_add_func ("/browser/install/user", test_install_user);
  g_test_add_func ("/browser/install/user-sandboxed", test_install_user_sandboxed);
  g_test_add_func ("/browser/install/user-fails", test_install_user_fails);
  return g_test_run ();
}
