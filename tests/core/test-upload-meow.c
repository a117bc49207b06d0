/* test-upload-meow.c: the default ("meow") upload protocol
 *
 * Pure request builders and reply parsers: each case builds a concrete
 * state and answer and checks the exact request fields, offsets, payloads
 * and error codes. No network, no engine.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <string.h>

#include <glib.h>

#include "meow-error.h"
#include "meow-upload-protocol-private.h"

#define TEST_URL "https://uploads.example.com/api/upload"
#define TEST_MD5 "9e107d9d372bb6826bd81d3542a419d6"
#define TEST_NAME "holiday photo.jpg"
#define TEST_CATEGORY "images"
#define TEST_TOTAL G_GINT64_CONSTANT (1000)

static const MeowUploadProtocolVTable *proto = &_meow_upload_protocol_meow;

/* ------------------------------------------------------------------ */
/* Helpers                                                             */

static void
state_init (
    MeowUploadState *state, const char *url, const char *method, const char *category, gint64 total)
{
  memset (state, 0, sizeof *state);
  state->url = g_strdup (url);
  state->method = g_strdup (method);
  state->file_name = g_strdup (TEST_NAME);
  state->file_md5 = g_strdup (TEST_MD5);
  state->category = g_strdup (category);
  state->total_size = total;
  state->chunk_size = 256;
}

static MeowUploadResponse *
response_new (guint status, const char *body)
{
  g_autoptr (GBytes) bytes = body ? g_bytes_new (body, strlen (body)) : NULL;

  return _meow_upload_response_new (status, bytes);
}

static void
assert_field (const MeowUploadRequest *request, guint index, const char *name, const char *value)
{
  const MeowFormField *field;

  g_assert_nonnull (request->form);
  g_assert_cmpuint (index, <, request->form->len);
  field = g_ptr_array_index (request->form, index);
  g_assert_cmpstr (field->name, ==, name);
  g_assert_cmpstr (field->value, ==, value);
}

/* ------------------------------------------------------------------ */
/* Requests                                                            */

static void
test_prepare_request (void)
{
  MeowUploadState state;
  g_autoptr (MeowUploadRequest) request = NULL;

  state_init (&state, TEST_URL, NULL, TEST_CATEGORY, TEST_TOTAL);
  state.offset = 300; /* not sent by prepare */
  request = proto->build_prepare (&state);

  g_assert_cmpstr (proto->name, ==, "meow");
  g_assert_nonnull (request);
  g_assert_cmpstr (request->method, ==, "POST");
  g_assert_cmpstr (request->url, ==, TEST_URL);
  g_assert_cmpuint (request->headers->len, ==, 0);
  g_assert_cmpuint (request->form->len, ==, 4);
  assert_field (request, 0, "fileMd5", TEST_MD5);
  assert_field (request, 1, "fileName", TEST_NAME);
  assert_field (request, 2, "category", TEST_CATEGORY);
  assert_field (request, 3, "totalSize", "1000");
  g_assert_null (request->file_part);
  g_assert_null (request->file_part_filename);
  g_assert_cmpint (request->body_length, ==, -1);

  _meow_upload_state_clear (&state);
}

static void
test_chunk_request (void)
{
  MeowUploadState state;
  g_autoptr (MeowUploadRequest) request = NULL;

  state_init (&state, TEST_URL, NULL, TEST_CATEGORY, G_GINT64_CONSTANT (5000000000));
  state.offset = G_GINT64_CONSTANT (4294967296);
  request = proto->build_chunk (&state, 262144);

  g_assert_cmpstr (request->method, ==, "POST");
  g_assert_cmpstr (request->url, ==, TEST_URL);
  g_assert_cmpuint (request->headers->len, ==, 0);
  g_assert_cmpuint (request->form->len, ==, 6);
  assert_field (request, 0, "fileMd5", TEST_MD5);
  assert_field (request, 1, "fileName", TEST_NAME);
  assert_field (request, 2, "category", TEST_CATEGORY);
  assert_field (request, 3, "totalSize", "5000000000");
  assert_field (request, 4, "offset", "4294967296");
  assert_field (request, 5, "partSize", "262144");
  g_assert_cmpstr (request->file_part, ==, "file");
  g_assert_cmpstr (request->file_part_filename, ==, "upload_chunk_data");
  g_assert_cmpint (request->body_offset, ==, G_GINT64_CONSTANT (4294967296));
  g_assert_cmpint (request->body_length, ==, 262144);

  _meow_upload_state_clear (&state);
}

static void
test_custom_method_and_null_category (void)
{
  MeowUploadState state;
  g_autoptr (MeowUploadRequest) prepare = NULL;
  g_autoptr (MeowUploadRequest) chunk = NULL;

  state_init (&state, TEST_URL, "PUT", NULL, 0);
  prepare = proto->build_prepare (&state);
  chunk = proto->build_chunk (&state, 0);

  g_assert_cmpstr (prepare->method, ==, "PUT");
  g_assert_cmpstr (chunk->method, ==, "PUT");
  assert_field (prepare, 2, "category", "");
  assert_field (prepare, 3, "totalSize", "0");
  assert_field (chunk, 2, "category", "");
  assert_field (chunk, 4, "offset", "0");
  assert_field (chunk, 5, "partSize", "0");
  g_assert_cmpint (chunk->body_offset, ==, 0);
  g_assert_cmpint (chunk->body_length, ==, 0);

  _meow_upload_state_clear (&state);
}

static void
test_abort_request (void)
{
  MeowUploadState state;

  state_init (&state, TEST_URL, NULL, TEST_CATEGORY, TEST_TOTAL);
  g_assert_nonnull (proto->build_abort);
  g_assert_null (proto->build_abort (&state));
  _meow_upload_state_clear (&state);
}

/* ------------------------------------------------------------------ */
/* Replies                                                             */

typedef struct
{
  const char *what;
  gboolean    chunk;       /* parse_chunk (else parse_prepare) */
  gint64      old_offset;  /* state->offset before the answer */
  gint64      sent_length; /* chunk only */
  guint       status;
  const char *body; /* NULL = no body */
  /* Expected. */
  gint        error_code; /* 0 = success */
  gint64      offset;
  gboolean    complete;
  const char *payload;
  guint       stalled_rounds;
} ReplyCase;

static const ReplyCase reply_cases[] = {
  /* prepare */
  { "prepare, no body", FALSE, 0, 0, 200, NULL, 0, 0, FALSE, NULL, 0 },
  { "prepare, empty body", FALSE, 0, 0, 200, "", 0, 0, FALSE, NULL, 0 },
  { "prepare, whitespace", FALSE, 0, 0, 200, " \r\n\t ", 0, 0, FALSE, NULL, 0 },
  { "prepare, {}", FALSE, 0, 0, 200, "{}", 0, 0, FALSE, NULL, 0 },
  { "prepare, 201 nextByte", FALSE, 0, 0, 201, "{\"nextByte\": 512}", 0, 512, FALSE, NULL, 0 },
  { "prepare, integral double", FALSE, 0, 0, 200, "{\"nextByte\": 256.0}", 0, 256, FALSE, NULL, 0 },
  { "prepare, negative nextByte", FALSE, 0, 0, 200, "{\"nextByte\": -7}", 0, 0, FALSE, NULL, 0 },
  { "prepare, nextByte beyond total", FALSE, 0, 0, 200, "{\"nextByte\": 99999}", 0, TEST_TOTAL,
    FALSE, NULL, 0 },
  { "prepare, null members", FALSE, 0, 0, 200, "{\"nextByte\": null, \"fileId\": null}", 0, 0,
    FALSE, NULL, 0 },
  { "prepare, empty fileId", FALSE, 0, 0, 200, "{\"nextByte\": 10, \"fileId\": \"\"}", 0, 10, FALSE,
    NULL, 0 },
  { "prepare, fileId", FALSE, 0, 0, 200, "{\"fileId\": \"f-42\", \"nextByte\": 3}", 0, TEST_TOTAL,
    TRUE, "f-42", 0 },
  { "prepare, extra members", FALSE, 0, 0, 200, "{\"ok\": true, \"nextByte\": 1}", 0, 1, FALSE,
    NULL, 0 },
  { "prepare, not-json", FALSE, 0, 0, 200, "not-json", MEOW_ERROR_RESPONSE_PARSE, 0, FALSE, NULL,
    0 },
  { "prepare, array", FALSE, 0, 0, 200, "[1]", MEOW_ERROR_RESPONSE_PARSE, 0, FALSE, NULL, 0 },
  { "prepare, number", FALSE, 0, 0, 200, "42", MEOW_ERROR_RESPONSE_PARSE, 0, FALSE, NULL, 0 },
  { "prepare, nextByte string", FALSE, 0, 0, 200, "{\"nextByte\":\"x\"}", MEOW_ERROR_RESPONSE_PARSE,
    0, FALSE, NULL, 0 },
  { "prepare, nextByte fraction", FALSE, 0, 0, 200, "{\"nextByte\": 1.5}",
    MEOW_ERROR_RESPONSE_PARSE, 0, FALSE, NULL, 0 },
  { "prepare, nextByte bool", FALSE, 0, 0, 200, "{\"nextByte\": true}", MEOW_ERROR_RESPONSE_PARSE,
    0, FALSE, NULL, 0 },
  { "prepare, fileId number", FALSE, 0, 0, 200, "{\"fileId\": 5}", MEOW_ERROR_RESPONSE_PARSE, 0,
    FALSE, NULL, 0 },
  { "prepare, fileId object", FALSE, 0, 0, 200, "{\"fileId\": {}}", MEOW_ERROR_RESPONSE_PARSE, 0,
    FALSE, NULL, 0 },
  { "prepare, 404", FALSE, 0, 0, 404, "{\"fileId\": \"f\"}", MEOW_ERROR_RESPONSE_STATUS, 0, FALSE,
    NULL, 0 },
  { "prepare, 302", FALSE, 0, 0, 302, NULL, MEOW_ERROR_RESPONSE_STATUS, 0, FALSE, NULL, 0 },
  /* chunk */
  { "chunk, empty body advances by sent", TRUE, 200, 100, 200, "", 0, 300, FALSE, NULL, 0 },
  { "chunk, {} advances by sent", TRUE, 200, 100, 200, "{}", 0, 300, FALSE, NULL, 0 },
  { "chunk, nextByte", TRUE, 200, 100, 200, "{\"nextByte\": 250}", 0, 250, FALSE, NULL, 0 },
  { "chunk, nextByte beyond total", TRUE, 900, 100, 200, "{\"nextByte\": 5000}", 0, TEST_TOTAL,
    TRUE, NULL, 0 },
  { "chunk, reaching total completes", TRUE, 900, 100, 200, "", 0, TEST_TOTAL, TRUE, NULL, 0 },
  { "chunk, fileId", TRUE, 200, 100, 200, "{\"fileId\": \"abc\"}", 0, TEST_TOTAL, TRUE, "abc", 0 },
  { "chunk, same nextByte stalls", TRUE, 200, 100, 200, "{\"nextByte\": 200}", 0, 200, FALSE, NULL,
    1 },
  { "chunk, negative nextByte stalls at 0", TRUE, 200, 100, 200, "{\"nextByte\": -1}", 0, 0, FALSE,
    NULL, 1 },
  { "chunk, not-json", TRUE, 200, 100, 200, "not-json", MEOW_ERROR_RESPONSE_PARSE, 200, FALSE, NULL,
    0 },
  { "chunk, 503", TRUE, 200, 100, 503, "busy", MEOW_ERROR_RESPONSE_STATUS, 200, FALSE, NULL, 0 },
};

static void
test_replies (void)
{
  for (gsize i = 0; i < G_N_ELEMENTS (reply_cases); i++)
    {
      const ReplyCase *c = &reply_cases[i];
      MeowUploadState  state;
      g_autoptr (MeowUploadResponse) response = response_new (c->status, c->body);
      g_autoptr (GError) error = NULL;
      MeowUploadNext next = MEOW_UPLOAD_NEXT_PREPARE;
      gboolean       ok;

      g_test_message ("case: %s", c->what);
      state_init (&state, TEST_URL, NULL, TEST_CATEGORY, TEST_TOTAL);
      state.offset = c->old_offset;
      if (c->chunk)
        ok = proto->parse_chunk (&state, response, c->sent_length, &next, &error);
      else
        ok = proto->parse_prepare (&state, response, &next, &error);

      if (c->error_code != 0)
        {
          g_assert_false (ok);
          g_assert_error (error, MEOW_ERROR, c->error_code);
          g_assert_nonnull (strstr (error->message, TEST_URL));
        }
      else
        {
          g_assert_no_error (error);
          g_assert_true (ok);
          g_assert_cmpint (next, ==, MEOW_UPLOAD_NEXT_CHUNK);
        }
      g_assert_cmpint (state.offset, ==, c->offset);
      g_assert_cmpint (state.complete, ==, c->complete);
      g_assert_cmpstr (state.payload, ==, c->payload);
      g_assert_cmpuint (state.stalled_rounds, ==, c->stalled_rounds);
      _meow_upload_state_clear (&state);
    }
}

/* The parse error quotes the body, folded to one line and cut. */
static void
test_parse_error_message (void)
{
  MeowUploadState state;
  GString        *body = g_string_new ("<html>\n  <body>");
  g_autoptr (MeowUploadResponse) response = NULL;
  g_autoptr (GError) error = NULL;
  MeowUploadNext next;

  for (guint i = 0; i < 100; i++)
    g_string_append (body, "abcdefghij");
  response = response_new (200, body->str);
  state_init (&state, TEST_URL, NULL, TEST_CATEGORY, TEST_TOTAL);

  g_assert_false (proto->parse_prepare (&state, response, &next, &error));
  g_assert_error (error, MEOW_ERROR, MEOW_ERROR_RESPONSE_PARSE);
  g_assert_nonnull (strstr (error->message, "“<html> <body>abcdefghij"));
  g_assert_null (strchr (error->message, '\n'));
  g_assert_nonnull (strstr (error->message, "…”"));
  g_assert_cmpuint (strlen (error->message), <, 200 + strlen (TEST_URL) + 120);
  g_assert_cmpint (state.offset, ==, 0);

  g_string_free (body, TRUE);
  _meow_upload_state_clear (&state);
}

/* A 500 with a 10,000-byte body quotes at most 4096 bytes of it. */
static void
test_status_error_truncated (void)
{
  MeowUploadState  state;
  g_autofree char *body = g_malloc (10001);
  g_autoptr (MeowUploadResponse) response = NULL;
  g_autoptr (GError) error = NULL;
  MeowUploadNext next;
  gsize          x_count = 0;

  memset (body, 'x', 10000);
  body[10000] = '\0';
  response = response_new (500, body);
  state_init (&state, TEST_URL, NULL, TEST_CATEGORY, TEST_TOTAL);
  state.offset = 100;

  g_assert_false (proto->parse_chunk (&state, response, 50, &next, &error));
  g_assert_error (error, MEOW_ERROR, MEOW_ERROR_RESPONSE_STATUS);
  g_assert_true (g_str_has_prefix (error->message, "The server answered 500 for " TEST_URL ":"));
  /* Count after the prefix: the URL has an 'x' of its own. */
  for (const char *p = error->message + strlen ("The server answered 500 for " TEST_URL ":"); *p;
       p++)
    if (*p == 'x')
      x_count++;
  g_assert_cmpuint (x_count, ==, MEOW_UPLOAD_ERROR_BODY_MAX);
  g_assert_cmpint (state.offset, ==, 100);
  g_assert_false (state.complete);

  _meow_upload_state_clear (&state);
}

/* A server repeating the same nextByte fails after exactly
 * MEOW_UPLOAD_MAX_STALLED_ROUNDS answers; progress resets the count. */
static void
test_stalled (void)
{
  MeowUploadState state;
  g_autoptr (GError) error = NULL;
  MeowUploadNext next;

  state_init (&state, TEST_URL, NULL, TEST_CATEGORY, TEST_TOTAL);
  state.offset = 300;

  /* Two stalls, then progress: the count starts over. */
  for (guint i = 0; i < 2; i++)
    {
      g_autoptr (MeowUploadResponse) r = response_new (200, "{\"nextByte\": 300}");

      g_assert_true (proto->parse_chunk (&state, r, 100, &next, &error));
      g_assert_no_error (error);
      g_assert_cmpuint (state.stalled_rounds, ==, i + 1);
    }
  {
    g_autoptr (MeowUploadResponse) r = response_new (200, "{\"nextByte\": 400}");

    g_assert_true (proto->parse_chunk (&state, r, 100, &next, &error));
    g_assert_cmpint (state.offset, ==, 400);
    g_assert_cmpuint (state.stalled_rounds, ==, 0);
  }

  for (guint round = 1; round <= MEOW_UPLOAD_MAX_STALLED_ROUNDS; round++)
    {
      g_autoptr (MeowUploadResponse) r = response_new (200, "{\"nextByte\": 400}");
      gboolean ok = proto->parse_chunk (&state, r, 100, &next, &error);

      g_assert_cmpuint (state.stalled_rounds, ==, round);
      g_assert_cmpint (state.offset, ==, 400);
      if (round < MEOW_UPLOAD_MAX_STALLED_ROUNDS)
        {
          g_assert_no_error (error);
          g_assert_true (ok);
        }
      else
        {
          g_autofree char *expected = g_strdup_printf (
              "The server at " TEST_URL " keeps asking for byte 400; giving up after %u rounds.",
              (guint) MEOW_UPLOAD_MAX_STALLED_ROUNDS);

          g_assert_false (ok);
          g_assert_error (error, MEOW_ERROR, MEOW_ERROR_STALLED);
          g_assert_cmpstr (error->message, ==, expected);
        }
    }
  g_assert_false (state.complete);
  _meow_upload_state_clear (&state);
}

/* Credentials in the task URL never reach an error message. */
static void
test_credentials_redacted (void)
{
  const char *url = "https://alice:s3cr3t@uploads.example.com/up";
  struct
  {
    guint       status;
    const char *body;
    gint        code;
  } cases[] = {
    { 500, "boom", MEOW_ERROR_RESPONSE_STATUS },
    { 200, "not-json", MEOW_ERROR_RESPONSE_PARSE },
    { 200, "{\"nextByte\": 0}", MEOW_ERROR_STALLED },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      MeowUploadState state;
      g_autoptr (GError) error = NULL;
      MeowUploadNext next;
      gboolean       ok = TRUE;

      state_init (&state, url, NULL, TEST_CATEGORY, TEST_TOTAL);
      for (guint round = 0; ok && round < MEOW_UPLOAD_MAX_STALLED_ROUNDS; round++)
        {
          g_autoptr (MeowUploadResponse) r = response_new (cases[i].status, cases[i].body);

          ok = proto->parse_chunk (&state, r, 10, &next, &error);
        }
      g_assert_false (ok);
      g_assert_error (error, MEOW_ERROR, cases[i].code);
      g_assert_null (strstr (error->message, "s3cr3t"));
      g_assert_nonnull (strstr (error->message, "https://alice:***@uploads.example.com/up"));
      _meow_upload_state_clear (&state);
    }
}

/* A fileId replaces an older payload; parse leaves next set even when
 * the upload is complete. */
static void
test_file_id_after_chunks (void)
{
  MeowUploadState state;
  g_autoptr (GError) error = NULL;
  MeowUploadNext next = MEOW_UPLOAD_NEXT_PREPARE;
  g_autoptr (MeowUploadResponse) first = response_new (200, "");
  g_autoptr (MeowUploadResponse) second = response_new (200, "{\"fileId\":\"id-7\"}");

  state_init (&state, TEST_URL, NULL, TEST_CATEGORY, TEST_TOTAL);
  g_assert_true (proto->parse_prepare (&state, first, &next, &error));
  g_assert_cmpint (state.offset, ==, 0);
  g_assert_true (proto->parse_chunk (&state, first, 400, &next, &error));
  g_assert_cmpint (state.offset, ==, 400);
  g_assert_false (state.complete);
  g_assert_true (proto->parse_chunk (&state, second, 400, &next, &error));
  g_assert_no_error (error);
  g_assert_cmpint (next, ==, MEOW_UPLOAD_NEXT_CHUNK);
  g_assert_true (state.complete);
  g_assert_cmpstr (state.payload, ==, "id-7");
  g_assert_cmpint (state.offset, ==, TEST_TOTAL);
  _meow_upload_state_clear (&state);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/core/upload/meow/prepare-request", test_prepare_request);
  g_test_add_func ("/core/upload/meow/chunk-request", test_chunk_request);
  g_test_add_func ("/core/upload/meow/custom-method-null-category",
                   test_custom_method_and_null_category);
  g_test_add_func ("/core/upload/meow/abort-request", test_abort_request);
  g_test_add_func ("/core/upload/meow/replies", test_replies);
  g_test_add_func ("/core/upload/meow/parse-error-message", test_parse_error_message);
  g_test_add_func ("/core/upload/meow/status-error-truncated", test_status_error_truncated);
  g_test_add_func ("/core/upload/meow/stalled", test_stalled);
  g_test_add_func ("/core/upload/meow/credentials-redacted", test_credentials_redacted);
  g_test_add_func ("/core/upload/meow/file-id-after-chunks", test_file_id_after_chunks);

  return g_test_run ();
}
