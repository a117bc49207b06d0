/* test-upload-tus.c: the tus 1.0 upload protocol
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

#define TEST_URL "https://uploads.example.com/files/"
#define TEST_UPLOAD_URL "https://uploads.example.com/files/abc123"
#define TEST_SECRET_URL "https://alice:s3cr3t@uploads.example.com/files/"
#define TEST_SECRET_UPLOAD_URL "https://alice:s3cr3t@uploads.example.com/files/abc123"
#define TEST_REDACTED_UPLOAD_URL "https://alice:***@uploads.example.com/files/abc123"
#define TEST_NAME "naïve résumé.txt"
#define TEST_NAME_BASE64 "bmHDr3ZlIHLDqXN1bcOpLnR4dA=="
#define TEST_TOTAL G_GINT64_CONSTANT (1000)

static const MeowUploadProtocolVTable *proto = &_meow_upload_protocol_tus;

/* ------------------------------------------------------------------ */
/* Helpers                                                             */

static void
state_init (MeowUploadState *state, const char *url, const char *upload_url, gint64 total)
{
  memset (state, 0, sizeof *state);
  state->url = g_strdup (url);
  state->file_name = g_strdup (TEST_NAME);
  state->file_md5 = g_strdup ("9e107d9d372bb6826bd81d3542a419d6");
  state->upload_url = g_strdup (upload_url);
  state->total_size = total;
  state->chunk_size = 256;
}

static MeowUploadResponse *
response_new (guint status, const char *body)
{
  g_autoptr (GBytes) bytes = body ? g_bytes_new (body, strlen (body)) : NULL;

  return _meow_upload_response_new (status, bytes);
}

static MeowUploadResponse *
response_with_header (guint status, const char *name, const char *value)
{
  MeowUploadResponse *response = response_new (status, NULL);

  if (name != NULL)
    _meow_upload_response_set_header (response, name, value);
  return response;
}

static void
assert_headers (const MeowUploadRequest *request, const char *const *expected)
{
  guint n = g_strv_length ((char **) expected);

  g_assert_cmpuint (request->headers->len, ==, n);
  for (guint i = 0; i < n; i++)
    g_assert_cmpstr (g_ptr_array_index (request->headers, i), ==, expected[i]);
  g_assert_null (request->form);
  g_assert_null (request->file_part);
  g_assert_null (request->file_part_filename);
}

/* ------------------------------------------------------------------ */
/* Requests                                                            */

static void
test_creation_request (void)
{
  MeowUploadState state;
  g_autoptr (MeowUploadRequest) request = NULL;
  static const char *const expected[] = {
    "Tus-Resumable: 1.0.0",
    "Upload-Length: 1000",
    "Upload-Metadata: filename " TEST_NAME_BASE64,
    NULL,
  };

  state_init (&state, TEST_URL, NULL, TEST_TOTAL);
  request = proto->build_prepare (&state);

  g_assert_cmpstr (proto->name, ==, "tus");
  g_assert_nonnull (request);
  g_assert_cmpstr (request->method, ==, "POST");
  g_assert_cmpstr (request->url, ==, TEST_URL);
  assert_headers (request, expected);
  g_assert_cmpint (request->body_length, ==, -1);
  _meow_upload_state_clear (&state);
}

static void
test_creation_request_large (void)
{
  MeowUploadState state;
  g_autoptr (MeowUploadRequest) request = NULL;

  state_init (&state, TEST_URL, NULL, G_GINT64_CONSTANT (5000000000));
  request = proto->build_prepare (&state);
  g_assert_cmpstr (g_ptr_array_index (request->headers, 1), ==, "Upload-Length: 5000000000");
  _meow_upload_state_clear (&state);
}

static void
test_head_request (void)
{
  MeowUploadState state;
  g_autoptr (MeowUploadRequest) request = NULL;
  static const char *const expected[] = { "Tus-Resumable: 1.0.0", NULL };

  state_init (&state, TEST_URL, TEST_UPLOAD_URL, TEST_TOTAL);
  state.offset = 300;
  request = proto->build_prepare (&state);

  g_assert_cmpstr (request->method, ==, "HEAD");
  g_assert_cmpstr (request->url, ==, TEST_UPLOAD_URL);
  assert_headers (request, expected);
  g_assert_cmpint (request->body_length, ==, -1);
  _meow_upload_state_clear (&state);
}

static void
test_patch_request (void)
{
  MeowUploadState state;
  g_autoptr (MeowUploadRequest) request = NULL;
  static const char *const expected[] = {
    "Tus-Resumable: 1.0.0",
    "Content-Type: application/offset+octet-stream",
    "Upload-Offset: 300",
    NULL,
  };

  state_init (&state, TEST_URL, TEST_UPLOAD_URL, TEST_TOTAL);
  state.offset = 300;
  request = proto->build_chunk (&state, 256);

  g_assert_cmpstr (request->method, ==, "PATCH");
  g_assert_cmpstr (request->url, ==, TEST_UPLOAD_URL);
  assert_headers (request, expected);
  g_assert_cmpint (request->body_offset, ==, 300);
  g_assert_cmpint (request->body_length, ==, 256);
  _meow_upload_state_clear (&state);
}

static void
test_termination_request (void)
{
  MeowUploadState state;
  g_autoptr (MeowUploadRequest) request = NULL;
  static const char *const expected[] = { "Tus-Resumable: 1.0.0", NULL };

  state_init (&state, TEST_URL, NULL, TEST_TOTAL);
  g_assert_null (proto->build_abort (&state));

  state.upload_url = g_strdup (TEST_UPLOAD_URL);
  request = proto->build_abort (&state);
  g_assert_cmpstr (request->method, ==, "DELETE");
  g_assert_cmpstr (request->url, ==, TEST_UPLOAD_URL);
  assert_headers (request, expected);
  g_assert_cmpint (request->body_length, ==, -1);
  _meow_upload_state_clear (&state);
}

static void
test_tus_resumable_everywhere (void)
{
  MeowUploadState    state;
  MeowUploadRequest *requests[4];

  state_init (&state, TEST_URL, NULL, TEST_TOTAL);
  requests[0] = proto->build_prepare (&state);
  state.upload_url = g_strdup (TEST_UPLOAD_URL);
  requests[1] = proto->build_prepare (&state);
  requests[2] = proto->build_chunk (&state, 10);
  requests[3] = proto->build_abort (&state);

  for (guint i = 0; i < G_N_ELEMENTS (requests); i++)
    {
      guint found = 0;

      g_assert_nonnull (requests[i]);
      for (guint j = 0; j < requests[i]->headers->len; j++)
        if (g_strcmp0 (g_ptr_array_index (requests[i]->headers, j), "Tus-Resumable: 1.0.0") == 0)
          found++;
      g_assert_cmpuint (found, ==, 1);
      _meow_upload_request_free (requests[i]);
    }
  _meow_upload_state_clear (&state);
}

/* ------------------------------------------------------------------ */
/* Creation answers                                                    */

static void
test_location (void)
{
  static const struct
  {
    const char *url;
    const char *location;
    const char *expected;
  } cases[] = {
    { TEST_URL, "https://uploads.example.com/files/abc123", TEST_UPLOAD_URL },
    { TEST_URL, "https://store.example.net/u/1", "https://store.example.net/u/1" },
    { TEST_URL, "/files/abc123", TEST_UPLOAD_URL },
    { TEST_URL, "abc123", TEST_UPLOAD_URL },
    { "https://uploads.example.com/api/tus", "/files/abc123", TEST_UPLOAD_URL },
    { "https://uploads.example.com/api/tus", "//cdn.example.org/x", "https://cdn.example.org/x" },
    { "http://127.0.0.1:1080/files", "/files/0f%20e", "http://127.0.0.1:1080/files/0f%20e" },
    { TEST_URL, "  /files/abc123 ", TEST_UPLOAD_URL },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      MeowUploadState state;
      MeowUploadNext  next = MEOW_UPLOAD_NEXT_PREPARE;
      g_autoptr (MeowUploadResponse) response =
          response_with_header (201, "Location", cases[i].location);
      g_autoptr (GError) error = NULL;

      g_test_message ("Location %s against %s", cases[i].location, cases[i].url);
      state_init (&state, cases[i].url, NULL, TEST_TOTAL);
      state.offset = 77;
      g_assert_true (proto->parse_prepare (&state, response, &next, &error));
      g_assert_no_error (error);
      g_assert_cmpstr (state.upload_url, ==, cases[i].expected);
      g_assert_cmpint (state.offset, ==, 0);
      g_assert_false (state.complete);
      g_assert_null (state.payload);
      g_assert_cmpint (next, ==, MEOW_UPLOAD_NEXT_CHUNK);
      _meow_upload_state_clear (&state);
    }
}

static void
test_creation_any_2xx (void)
{
  MeowUploadState state;
  MeowUploadNext  next;
  g_autoptr (MeowUploadResponse) response = response_with_header (200, "Location", "/files/abc123");
  g_autoptr (GError) error = NULL;

  state_init (&state, TEST_URL, NULL, TEST_TOTAL);
  g_assert_true (proto->parse_prepare (&state, response, &next, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (state.upload_url, ==, TEST_UPLOAD_URL);
  _meow_upload_state_clear (&state);
}

static void
test_missing_location (void)
{
  const char *locations[] = { NULL, "", "   " };

  for (gsize i = 0; i < G_N_ELEMENTS (locations); i++)
    {
      MeowUploadState state;
      MeowUploadNext  next;
      g_autoptr (MeowUploadResponse) response =
          response_with_header (201, locations[i] ? "Location" : NULL, locations[i]);
      g_autoptr (GError) error = NULL;

      state_init (&state, TEST_SECRET_URL, NULL, TEST_TOTAL);
      g_assert_false (proto->parse_prepare (&state, response, &next, &error));
      g_assert_error (error, MEOW_ERROR, MEOW_ERROR_RESPONSE_PARSE);
      g_assert_nonnull (strstr (error->message, "https://alice:***@uploads.example.com/files/"));
      g_assert_nonnull (strstr (error->message, "Location"));
      g_assert_null (strstr (error->message, "s3cr3t"));
      g_assert_null (state.upload_url);
      _meow_upload_state_clear (&state);
    }
}

static void
test_creation_error_status (void)
{
  MeowUploadState state;
  MeowUploadNext  next;
  g_autoptr (MeowUploadResponse) response = response_new (413, "too\nbig");
  g_autoptr (GError) error = NULL;

  _meow_upload_response_set_header (response, "Location", "/files/abc123");
  state_init (&state, TEST_SECRET_URL, NULL, TEST_TOTAL);
  g_assert_false (proto->parse_prepare (&state, response, &next, &error));
  g_assert_error (error, MEOW_ERROR, MEOW_ERROR_RESPONSE_STATUS);
  g_assert_cmpstr (error->message, ==,
                   "The server answered 413 for https://alice:***@uploads.example.com/files/: "
                   "too big");
  g_assert_null (state.upload_url);
  _meow_upload_state_clear (&state);
}

static void
test_zero_byte_upload (void)
{
  MeowUploadState state;
  MeowUploadNext  next;
  g_autoptr (MeowUploadRequest) request = NULL;
  g_autoptr (MeowUploadResponse) response = response_with_header (201, "Location", "abc123");
  g_autoptr (GError) error = NULL;

  state_init (&state, TEST_URL, NULL, 0);
  request = proto->build_prepare (&state);
  g_assert_cmpstr (g_ptr_array_index (request->headers, 1), ==, "Upload-Length: 0");

  g_assert_true (proto->parse_prepare (&state, response, &next, &error));
  g_assert_no_error (error);
  g_assert_true (state.complete);
  g_assert_cmpint (state.offset, ==, 0);
  g_assert_cmpstr (state.upload_url, ==, TEST_UPLOAD_URL);
  g_assert_cmpstr (state.payload, ==, TEST_UPLOAD_URL);
  g_assert_cmpint (next, ==, MEOW_UPLOAD_NEXT_CHUNK);
  _meow_upload_state_clear (&state);
}

/* ------------------------------------------------------------------ */
/* Upload-Offset                                                       */

typedef struct
{
  const char *value;      /* NULL: no header */
  gint        error_code; /* 0: success */
  gint64      offset;
  gboolean    complete;
} OffsetCase;

static const OffsetCase head_cases[] = {
  { "0", 0, 0, FALSE },
  { "300", 0, 300, FALSE },
  { " 512 ", 0, 512, FALSE },
  { "999", 0, 999, FALSE },
  { "1000", 0, 1000, TRUE },
  { "1001", MEOW_ERROR_RESPONSE_PARSE, 42, FALSE },
  { "99999999999999999999999", MEOW_ERROR_RESPONSE_PARSE, 42, FALSE },
  { "-1", MEOW_ERROR_RESPONSE_PARSE, 42, FALSE },
  { "+5", MEOW_ERROR_RESPONSE_PARSE, 42, FALSE },
  { "12abc", MEOW_ERROR_RESPONSE_PARSE, 42, FALSE },
  { "1.5", MEOW_ERROR_RESPONSE_PARSE, 42, FALSE },
  { "0x10", MEOW_ERROR_RESPONSE_PARSE, 42, FALSE },
  { "garbage", MEOW_ERROR_RESPONSE_PARSE, 42, FALSE },
  { "", MEOW_ERROR_RESPONSE_PARSE, 42, FALSE },
  { NULL, MEOW_ERROR_RESPONSE_PARSE, 42, FALSE },
};

static void
test_head_offset (void)
{
  for (gsize i = 0; i < G_N_ELEMENTS (head_cases); i++)
    {
      const OffsetCase *c = &head_cases[i];
      MeowUploadState   state;
      MeowUploadNext    next = MEOW_UPLOAD_NEXT_PREPARE;
      g_autoptr (MeowUploadResponse) response =
          response_with_header (200, c->value ? "Upload-Offset" : NULL, c->value);
      g_autoptr (GError) error = NULL;
      gboolean ok;

      g_test_message ("Upload-Offset: %s", c->value ? c->value : "(none)");
      state_init (&state, TEST_URL, TEST_SECRET_UPLOAD_URL, TEST_TOTAL);
      state.offset = 42;
      ok = proto->parse_prepare (&state, response, &next, &error);
      if (c->error_code == 0)
        {
          g_assert_no_error (error);
          g_assert_true (ok);
          g_assert_cmpint (next, ==, MEOW_UPLOAD_NEXT_CHUNK);
        }
      else
        {
          g_assert_error (error, MEOW_ERROR, c->error_code);
          g_assert_false (ok);
          g_assert_nonnull (strstr (error->message, TEST_REDACTED_UPLOAD_URL));
          g_assert_null (strstr (error->message, "s3cr3t"));
        }
      g_assert_cmpint (state.offset, ==, c->offset);
      g_assert_cmpint (state.complete, ==, c->complete);
      g_assert_cmpstr (state.payload, ==, c->complete ? TEST_SECRET_UPLOAD_URL : NULL);
      g_assert_cmpstr (state.upload_url, ==, TEST_SECRET_UPLOAD_URL);
      _meow_upload_state_clear (&state);
    }
}

/* 404 or 410 to the HEAD after an interruption: the server lost our upload.
 * Never a second upload by itself (a new POST): UPLOAD_LOST, naming the
 * resource (without its credentials) and what to do. */
static void
test_head_gone (void)
{
  const guint statuses[] = { 404, 410 };

  for (gsize i = 0; i < G_N_ELEMENTS (statuses); i++)
    {
      MeowUploadState state;
      MeowUploadNext  next = MEOW_UPLOAD_NEXT_CHUNK;
      g_autoptr (MeowUploadResponse) response = response_new (statuses[i], "gone");
      g_autoptr (GError) error = NULL;

      state_init (&state, TEST_URL, TEST_SECRET_UPLOAD_URL, TEST_TOTAL);
      state.offset = 300;
      g_assert_false (proto->parse_prepare (&state, response, &next, &error));
      g_assert_error (error, MEOW_ERROR, MEOW_ERROR_UPLOAD_LOST);
      g_assert_cmpint (MEOW_ERROR_UPLOAD_LOST, ==, 137);
      g_assert_nonnull (
          strstr (error->message, "no longer has the upload " TEST_REDACTED_UPLOAD_URL));
      g_assert_nonnull (strstr (error->message, statuses[i] == 404 ? "404 Not Found" : "410 Gone"));
      g_assert_nonnull (strstr (error->message, "start a new upload"));
      g_assert_null (strstr (error->message, "s3cr3t"));
      /* The resource is kept: nothing here creates another one. */
      g_assert_cmpstr (state.upload_url, ==, TEST_SECRET_UPLOAD_URL);
      g_assert_false (state.complete);
      _meow_upload_state_clear (&state);
    }
}

static void
test_head_error_status (void)
{
  MeowUploadState state;
  MeowUploadNext  next;
  g_autoptr (MeowUploadResponse) response = response_new (403, "forbidden");
  g_autoptr (GError) error = NULL;

  state_init (&state, TEST_URL, TEST_SECRET_UPLOAD_URL, TEST_TOTAL);
  state.offset = 300;
  g_assert_false (proto->parse_prepare (&state, response, &next, &error));
  g_assert_error (error, MEOW_ERROR, MEOW_ERROR_RESPONSE_STATUS);
  g_assert_cmpstr (error->message, ==,
                   "The server answered 403 for " TEST_REDACTED_UPLOAD_URL ": forbidden");
  g_assert_cmpstr (state.upload_url, ==, TEST_SECRET_UPLOAD_URL);
  g_assert_cmpint (state.offset, ==, 300);
  _meow_upload_state_clear (&state);
}

/* ------------------------------------------------------------------ */
/* PATCH answers                                                       */

static const OffsetCase chunk_cases[] = {
  /* the state's offset is 200 */
  { "456", 0, 456, FALSE },
  { "201", 0, 201, FALSE },
  { "1000", 0, 1000, TRUE },
  { "1001", MEOW_ERROR_RESPONSE_PARSE, 200, FALSE },
  { "-1", MEOW_ERROR_RESPONSE_PARSE, 200, FALSE },
  { "abc", MEOW_ERROR_RESPONSE_PARSE, 200, FALSE },
  { "", MEOW_ERROR_RESPONSE_PARSE, 200, FALSE },
  { NULL, MEOW_ERROR_RESPONSE_PARSE, 200, FALSE },
};

/* The server's bytes never reach a message raw: escape sequences, invalid
 * UTF-8 and any length become a short, valid, printable quote (found by
 * fuzz-upload-tus), and a Location that is not http(s) is refused. */
static void
assert_printable (const char *message)
{
  g_assert_true (g_utf8_validate (message, -1, NULL));
  for (const char *p = message; *p; p = g_utf8_next_char (p))
    g_assert_false (g_unichar_iscntrl (g_utf8_get_char (p)));
  g_assert_cmpuint (strlen (message), <, 1024);
}

static void
test_hostile_values_quoted (void)
{
  g_autofree char *long_value = g_strnfill (5000, '7');
  const char      *offsets[] = { "\x1b[2J\xff 5", long_value, "12\r\nX-Evil: 1" };
  const char *locations[] = { "http://[\xff\x1b[2J", "file:///etc/passwd", "javascript:alert(1)" };

  for (gsize i = 0; i < G_N_ELEMENTS (offsets); i++)
    {
      MeowUploadState state;
      MeowUploadNext  next;
      g_autoptr (MeowUploadResponse) response =
          response_with_header (204, "Upload-Offset", offsets[i]);
      g_autoptr (GError) error = NULL;

      state_init (&state, TEST_URL, TEST_SECRET_UPLOAD_URL, TEST_TOTAL);
      g_assert_false (proto->parse_chunk (&state, response, 100, &next, &error));
      g_assert_error (error, MEOW_ERROR, MEOW_ERROR_RESPONSE_PARSE);
      assert_printable (error->message);
      _meow_upload_state_clear (&state);
    }
  for (gsize i = 0; i < G_N_ELEMENTS (locations); i++)
    {
      MeowUploadState state;
      MeowUploadNext  next;
      g_autoptr (MeowUploadResponse) response =
          response_with_header (201, "Location", locations[i]);
      g_autoptr (GError) error = NULL;

      state_init (&state, TEST_URL, NULL, TEST_TOTAL);
      g_assert_false (proto->parse_prepare (&state, response, &next, &error));
      g_assert_error (error, MEOW_ERROR, MEOW_ERROR_RESPONSE_PARSE);
      assert_printable (error->message);
      g_assert_null (state.upload_url);
      _meow_upload_state_clear (&state);
    }
}

static void
test_chunk_offset (void)
{
  for (gsize i = 0; i < G_N_ELEMENTS (chunk_cases); i++)
    {
      const OffsetCase *c = &chunk_cases[i];
      MeowUploadState   state;
      MeowUploadNext    next = MEOW_UPLOAD_NEXT_PREPARE;
      g_autoptr (MeowUploadResponse) response =
          response_with_header (204, c->value ? "Upload-Offset" : NULL, c->value);
      g_autoptr (GError) error = NULL;
      gboolean ok;

      g_test_message ("PATCH answer Upload-Offset: %s", c->value ? c->value : "(none)");
      state_init (&state, TEST_URL, TEST_SECRET_UPLOAD_URL, TEST_TOTAL);
      state.offset = 200;
      state.stalled_rounds = 2;
      ok = proto->parse_chunk (&state, response, 256, &next, &error);
      if (c->error_code == 0)
        {
          g_assert_no_error (error);
          g_assert_true (ok);
          g_assert_cmpint (next, ==, MEOW_UPLOAD_NEXT_CHUNK);
          g_assert_cmpuint (state.stalled_rounds, ==, 0);
        }
      else
        {
          g_assert_error (error, MEOW_ERROR, c->error_code);
          g_assert_false (ok);
          g_assert_nonnull (strstr (error->message, TEST_REDACTED_UPLOAD_URL));
          g_assert_null (strstr (error->message, "s3cr3t"));
        }
      g_assert_cmpint (state.offset, ==, c->offset);
      g_assert_cmpint (state.complete, ==, c->complete);
      g_assert_cmpstr (state.payload, ==, c->complete ? TEST_SECRET_UPLOAD_URL : NULL);
      _meow_upload_state_clear (&state);
    }
}

static void
test_chunk_conflict (void)
{
  MeowUploadState state;
  MeowUploadNext  next = MEOW_UPLOAD_NEXT_CHUNK;
  g_autoptr (MeowUploadResponse) response = response_new (409, "offset mismatch");
  g_autoptr (MeowUploadRequest) request = NULL;
  g_autoptr (GError) error = NULL;

  state_init (&state, TEST_URL, TEST_UPLOAD_URL, TEST_TOTAL);
  state.offset = 200;
  g_assert_true (proto->parse_chunk (&state, response, 256, &next, &error));
  g_assert_no_error (error);
  g_assert_cmpint (next, ==, MEOW_UPLOAD_NEXT_PREPARE);
  g_assert_cmpstr (state.upload_url, ==, TEST_UPLOAD_URL);
  g_assert_false (state.complete);

  /* Prepare re-reads the offset with HEAD. */
  request = proto->build_prepare (&state);
  g_assert_cmpstr (request->method, ==, "HEAD");
  g_assert_cmpstr (request->url, ==, TEST_UPLOAD_URL);
  _meow_upload_state_clear (&state);
}

/* The same answer to a PATCH: UPLOAD_LOST, never a new POST. */
static void
test_chunk_gone (void)
{
  const guint statuses[] = { 404, 410 };

  for (gsize i = 0; i < G_N_ELEMENTS (statuses); i++)
    {
      MeowUploadState state;
      MeowUploadNext  next = MEOW_UPLOAD_NEXT_CHUNK;
      g_autoptr (MeowUploadResponse) response = response_new (statuses[i], NULL);
      g_autoptr (GError) error = NULL;

      state_init (&state, TEST_URL, TEST_UPLOAD_URL, TEST_TOTAL);
      state.offset = 200;
      g_assert_false (proto->parse_chunk (&state, response, 256, &next, &error));
      g_assert_error (error, MEOW_ERROR, MEOW_ERROR_UPLOAD_LOST);
      g_assert_nonnull (strstr (error->message, TEST_UPLOAD_URL));
      g_assert_cmpstr (state.upload_url, ==, TEST_UPLOAD_URL);
      g_assert_cmpint (state.offset, ==, 200);
      _meow_upload_state_clear (&state);
    }
}

static void
test_chunk_stall (void)
{
  MeowUploadState state;
  g_autoptr (MeowUploadResponse) response = response_with_header (204, "Upload-Offset", "200");
  g_autoptr (MeowUploadResponse) advance = response_with_header (204, "Upload-Offset", "300");
  g_autoptr (GError) error = NULL;
  MeowUploadNext next;

  state_init (&state, TEST_URL, TEST_SECRET_UPLOAD_URL, TEST_TOTAL);
  state.offset = 200;

  /* An advancing answer in between resets the count. */
  for (guint i = 1; i < MEOW_UPLOAD_MAX_STALLED_ROUNDS; i++)
    {
      g_assert_true (proto->parse_chunk (&state, response, 256, &next, &error));
      g_assert_no_error (error);
      g_assert_cmpuint (state.stalled_rounds, ==, i);
    }
  g_assert_true (proto->parse_chunk (&state, advance, 256, &next, &error));
  g_assert_cmpuint (state.stalled_rounds, ==, 0);
  g_assert_cmpint (state.offset, ==, 300);
  _meow_upload_response_set_header (response, "Upload-Offset", "300");

  for (guint i = 1; i < MEOW_UPLOAD_MAX_STALLED_ROUNDS; i++)
    {
      g_assert_true (proto->parse_chunk (&state, response, 256, &next, &error));
      g_assert_no_error (error);
      g_assert_cmpint (next, ==, MEOW_UPLOAD_NEXT_CHUNK);
      g_assert_cmpint (state.offset, ==, 300);
      g_assert_cmpuint (state.stalled_rounds, ==, i);
    }
  g_assert_false (proto->parse_chunk (&state, response, 256, &next, &error));
  g_assert_error (error, MEOW_ERROR, MEOW_ERROR_STALLED);
  g_assert_cmpuint (state.stalled_rounds, ==, MEOW_UPLOAD_MAX_STALLED_ROUNDS);
  g_assert_nonnull (strstr (error->message, TEST_REDACTED_UPLOAD_URL));
  g_assert_null (strstr (error->message, "s3cr3t"));
  g_assert_false (state.complete);
  _meow_upload_state_clear (&state);
}

static void
test_chunk_backwards (void)
{
  MeowUploadState state;
  MeowUploadNext  next;
  g_autoptr (MeowUploadResponse) response = response_with_header (204, "Upload-Offset", "100");
  g_autoptr (GError) error = NULL;

  /* The server's offset is authoritative: resend from there, counted as a
   * round that did not advance. */
  state_init (&state, TEST_URL, TEST_UPLOAD_URL, TEST_TOTAL);
  state.offset = 200;
  g_assert_true (proto->parse_chunk (&state, response, 256, &next, &error));
  g_assert_no_error (error);
  g_assert_cmpint (state.offset, ==, 100);
  g_assert_cmpuint (state.stalled_rounds, ==, 1);
  _meow_upload_state_clear (&state);
}

static void
test_chunk_error_body_truncated (void)
{
  MeowUploadState  state;
  MeowUploadNext   next;
  g_autofree char *body = g_strnfill (MEOW_UPLOAD_ERROR_BODY_MAX + 500, 'x');
  g_autofree char *expected = NULL;
  g_autofree char *quoted = g_strnfill (MEOW_UPLOAD_ERROR_BODY_MAX, 'x');
  g_autoptr (MeowUploadResponse) response = response_new (500, body);
  g_autoptr (GError) error = NULL;

  state_init (&state, TEST_URL, TEST_SECRET_UPLOAD_URL, TEST_TOTAL);
  state.offset = 200;
  g_assert_false (proto->parse_chunk (&state, response, 256, &next, &error));
  g_assert_error (error, MEOW_ERROR, MEOW_ERROR_RESPONSE_STATUS);
  expected =
      g_strdup_printf ("The server answered 500 for %s: %s", TEST_REDACTED_UPLOAD_URL, quoted);
  g_assert_cmpstr (error->message, ==, expected);
  g_assert_cmpint (state.offset, ==, 200);
  g_assert_cmpstr (state.upload_url, ==, TEST_SECRET_UPLOAD_URL);
  _meow_upload_state_clear (&state);
}

/* A whole upload: create, two PATCHes, done. */
static void
test_round_trip (void)
{
  MeowUploadState state;
  MeowUploadNext  next;
  g_autoptr (GError) error = NULL;
  g_autoptr (MeowUploadResponse) created = response_with_header (201, "Location", "/files/abc123");
  g_autoptr (MeowUploadResponse) first = response_with_header (204, "Upload-Offset", "600");
  g_autoptr (MeowUploadResponse) last = response_with_header (204, "Upload-Offset", "1000");
  g_autoptr (MeowUploadRequest) patch = NULL;

  state_init (&state, TEST_URL, NULL, TEST_TOTAL);
  g_assert_true (proto->parse_prepare (&state, created, &next, &error));
  patch = proto->build_chunk (&state, 600);
  g_assert_cmpint (patch->body_offset, ==, 0);
  g_assert_cmpstr (g_ptr_array_index (patch->headers, 2), ==, "Upload-Offset: 0");
  g_assert_true (proto->parse_chunk (&state, first, 600, &next, &error));
  g_clear_pointer (&patch, _meow_upload_request_free);
  patch = proto->build_chunk (&state, 400);
  g_assert_cmpint (patch->body_offset, ==, 600);
  g_assert_cmpint (patch->body_length, ==, 400);
  g_assert_cmpstr (g_ptr_array_index (patch->headers, 2), ==, "Upload-Offset: 600");
  g_assert_true (proto->parse_chunk (&state, last, 400, &next, &error));
  g_assert_no_error (error);
  g_assert_true (state.complete);
  g_assert_cmpint (state.offset, ==, TEST_TOTAL);
  g_assert_cmpstr (state.payload, ==, TEST_UPLOAD_URL);
  _meow_upload_state_clear (&state);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/core/upload/tus/request/creation", test_creation_request);
  g_test_add_func ("/core/upload/tus/request/creation-large", test_creation_request_large);
  g_test_add_func ("/core/upload/tus/request/head", test_head_request);
  g_test_add_func ("/core/upload/tus/request/patch", test_patch_request);
  g_test_add_func ("/core/upload/tus/request/termination", test_termination_request);
  g_test_add_func ("/core/upload/tus/request/tus-resumable", test_tus_resumable_everywhere);
  g_test_add_func ("/core/upload/tus/creation/location", test_location);
  g_test_add_func ("/core/upload/tus/creation/any-2xx", test_creation_any_2xx);
  g_test_add_func ("/core/upload/tus/creation/missing-location", test_missing_location);
  g_test_add_func ("/core/upload/tus/creation/error-status", test_creation_error_status);
  g_test_add_func ("/core/upload/tus/creation/zero-bytes", test_zero_byte_upload);
  g_test_add_func ("/core/upload/tus/head/offset", test_head_offset);
  g_test_add_func ("/core/upload/tus/head/gone", test_head_gone);
  g_test_add_func ("/core/upload/tus/head/error-status", test_head_error_status);
  g_test_add_func ("/core/upload/tus/chunk/offset", test_chunk_offset);
  g_test_add_func ("/core/upload/tus/chunk/conflict", test_chunk_conflict);
  g_test_add_func ("/core/upload/tus/chunk/gone", test_chunk_gone);
  g_test_add_func ("/core/upload/tus/chunk/stall", test_chunk_stall);
  g_test_add_func ("/core/upload/tus/chunk/backwards", test_chunk_backwards);
  g_test_add_func ("/core/upload/tus/chunk/error-body-truncated", test_chunk_error_body_truncated);
  g_test_add_func ("/core/upload/tus/round-trip", test_round_trip);
  g_test_add_func ("/core/upload/tus/hostile-values-quoted", test_hostile_values_quoted);

  return g_test_run ();
}
