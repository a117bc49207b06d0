/* test-upload.c: uploads end to end against the in-process test server,
 * with the default (rusty-cat) protocol and with tus 1.0
 *
 * The first two tests drive the server's upload endpoints directly with
 * libsoup, so the server side is checked on its own; the rest run the
 * client's upload engine against it and assert what a user would see: the
 * bytes the server holds, its MD5 check, the completion payload, request
 * counts and error codes.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <fcntl.h>
#include <glib/gstdio.h>
#include <libsoup/soup.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "meow-client-private.h"
#include "meow-test-fixture.h"
#include "meow.h"

#define MEOW_PATH "/upload"
#define TUS_BASE "/files/"

/* ------------------------------------------------------------------ */
/* Helpers for this file                                               */

static void
upload_setup (MeowTestFixture *fx, gconstpointer data)
{
  meow_test_fixture_setup (fx, data);
  meow_test_server_add_upload_endpoint (fx->server, MEOW_PATH);
  meow_test_server_add_tus_endpoint (fx->server, TUS_BASE);
  meow_config_set_retry_max_delay_ms (fx->config, 50);
}

static void
set_upload_faults (MeowTestFixture *fx, const MeowTestUploadFaults *faults)
{
  meow_test_server_set_upload_faults (fx->server, faults);
}

/* Writes @payload to DIR/@name; returns the path. */
static char *
write_source (MeowTestFixture *fx, const char *name, GBytes *payload)
{
  char         *path = meow_test_fixture_path (fx, name);
  gsize         len;
  gconstpointer data = g_bytes_get_data (payload, &len);

  meow_test_write_file (path, (const char *) data, len);
  return path;
}

static char *
file_id_for (GBytes *payload)
{
  g_autofree char *md5 = meow_test_md5_bytes (payload);

  return g_strdup_printf ("%s-%" G_GSIZE_FORMAT, md5, g_bytes_get_size (payload));
}

/* Requests to @path in the server's log. */
static guint
count_requests_to (MeowTestFixture *fx, const char *path_prefix, const char *method)
{
  g_autoptr (GPtrArray) log = meow_test_server_dup_requests (fx->server);
  guint n = 0;

  for (guint i = 0; i < log->len; i++)
    {
      MeowTestRequest *req = g_ptr_array_index (log, i);

      if (g_str_has_prefix (req->path, path_prefix) &&
          (method == NULL || g_str_equal (req->method, method)))
        n++;
    }
  return n;
}

static guint
count_status (MeowTestFixture *fx, guint status)
{
  g_autoptr (GPtrArray) log = meow_test_server_dup_requests (fx->server);
  guint n = 0;

  for (guint i = 0; i < log->len; i++)
    if (((MeowTestRequest *) g_ptr_array_index (log, i))->status == status)
      n++;
  return n;
}

static guint
ceil_div (gsize a, gsize b)
{
  return (guint) ((a + b - 1) / b);
}

/* ------------------------------------------------------------------ */
/* The server sides on their own (no client engine)                    */

/* A session that does not ask GSettings for a proxy (there are no schemas
 * in the isolated test environment). */
static SoupSession *
direct_session_new (void)
{
  g_autoptr (GProxyResolver) direct = g_simple_proxy_resolver_new (NULL, NULL);

  return soup_session_new_with_options ("proxy-resolver", direct, NULL);
}

static GBytes *
soup_send (SoupSession *session, SoupMessage *msg)
{
  g_autoptr (GError) error = NULL;
  GBytes *body = soup_session_send_and_read (session, msg, NULL, &error);

  g_assert_no_error (error);
  return body;
}

static SoupMessage *
meow_form (MeowTestFixture *fx,
           const char      *md5,
           gint64           total,
           gint64           offset,
           GBytes          *part,
           gint64           part_size)
{
  g_autofree char *url = meow_test_server_dup_url (fx->server, MEOW_PATH);
  SoupMultipart   *mp = soup_multipart_new ("multipart/form-data");
  g_autofree char *total_s = g_strdup_printf ("%" G_GINT64_FORMAT, total);
  SoupMessage     *msg;

  soup_multipart_append_form_string (mp, "fileMd5", md5);
  soup_multipart_append_form_string (mp, "fileName", "x.bin");
  soup_multipart_append_form_string (mp, "category", "");
  soup_multipart_append_form_string (mp, "totalSize", total_s);
  if (part != NULL)
    {
      g_autofree char *off = g_strdup_printf ("%" G_GINT64_FORMAT, offset);
      g_autofree char *size = g_strdup_printf ("%" G_GINT64_FORMAT, part_size);

      soup_multipart_append_form_string (mp, "offset", off);
      soup_multipart_append_form_string (mp, "partSize", size);
      soup_multipart_append_form_file (mp, "file", "upload_chunk_data", "application/octet-stream",
                                       part);
    }
  msg = soup_message_new_from_multipart (url, mp);
  soup_multipart_free (mp);
  return msg;
}

/* Sends a prepare (@part NULL) or chunk; returns the body as a string. */
static char *
meow_send (MeowTestFixture *fx,
           SoupSession     *session,
           const char      *md5,
           gint64           total,
           gint64           offset,
           GBytes          *part,
           gint64           part_size,
           guint           *status)
{
  g_autoptr (SoupMessage) msg = meow_form (fx, md5, total, offset, part, part_size);
  g_autoptr (GBytes) body = soup_send (session, msg);
  gsize       len;
  const char *data = g_bytes_get_data (body, &len);

  *status = soup_message_get_status (msg);
  return g_strndup (data ? data : "", len);
}

static void
test_server_meow_wire (MeowTestFixture *fx, gconstpointer data)
{
  g_autoptr (SoupSession) session = direct_session_new ();
  g_autoptr (GBytes) payload = meow_test_make_payload (10000, 7);
  g_autoptr (GBytes) first = g_bytes_new_from_bytes (payload, 0, 4000);
  g_autoptr (GBytes) rest = g_bytes_new_from_bytes (payload, 4000, 6000);
  g_autofree char *md5 = meow_test_md5_bytes (payload);
  g_autofree char *file_id = file_id_for (payload);
  g_autofree char *expect = NULL;
  g_autoptr (GPtrArray) chunks = NULL;
  MeowTestUploadFaults faults = {
    0,
  };
  guint status = 0;
  char *body;

  /* prepare opens the upload at 0 */
  body = meow_send (fx, session, md5, 10000, 0, NULL, 0, &status);
  g_assert_cmpuint (status, ==, 200);
  g_assert_cmpstr (body, ==, "{\"nextByte\": 0}");
  g_free (body);
  g_assert_cmpuint (meow_test_server_get_open_uploads (fx->server), ==, 1);

  body = meow_send (fx, session, md5, 10000, 0, first, 4000, &status);
  g_assert_cmpuint (status, ==, 200);
  g_assert_cmpstr (body, ==, "{\"nextByte\": 4000}");
  g_free (body);

  /* a wrong offset re-syncs, stores nothing */
  body = meow_send (fx, session, md5, 10000, 0, first, 4000, &status);
  g_assert_cmpstr (body, ==, "{\"nextByte\": 4000}");
  g_free (body);
  /* partSize must match the part */
  body = meow_send (fx, session, md5, 10000, 4000, rest, 5999, &status);
  g_assert_cmpuint (status, ==, 400);
  g_free (body);
  /* a resumed prepare continues */
  body = meow_send (fx, session, md5, 10000, 0, NULL, 0, &status);
  g_assert_cmpstr (body, ==, "{\"nextByte\": 4000}");
  g_free (body);

  body = meow_send (fx, session, md5, 10000, 4000, rest, 6000, &status);
  expect = g_strdup_printf ("{\"fileId\": \"%s\"}", file_id);
  g_assert_cmpuint (status, ==, 200);
  g_assert_cmpstr (body, ==, expect);
  g_free (body);
  meow_test_assert_server_upload_equals (fx->server, payload);
  g_assert_cmpuint (meow_test_server_get_open_uploads (fx->server), ==, 0);
  g_assert_cmpuint (meow_test_server_get_peak_open_uploads (fx->server), ==, 1);
  g_assert_cmpuint (meow_test_server_count_upload_prepares (fx->server), ==, 2);
  g_assert_cmpuint (meow_test_server_count_upload_chunks (fx->server), ==, 4);
  chunks = meow_test_server_dup_upload_chunks (fx->server);
  g_assert_cmpuint (chunks->len, ==, 4);
  g_assert_true (((MeowTestUploadChunk *) g_ptr_array_index (chunks, 0))->stored);
  g_assert_false (((MeowTestUploadChunk *) g_ptr_array_index (chunks, 1))->stored);
  g_assert_cmpint (((MeowTestUploadChunk *) g_ptr_array_index (chunks, 3))->offset, ==, 4000);

  /* complete: prepare answers the fileId */
  body = meow_send (fx, session, md5, 10000, 0, NULL, 0, &status);
  g_assert_cmpstr (body, ==, expect);
  g_free (body);

  /* a lying fileMd5 is caught at the end */
  body = meow_send (fx, session, "00000000000000000000000000000000", 4000, 0, first, 4000, &status);
  g_assert_cmpuint (status, ==, 422);
  g_assert_nonnull (strstr (body, "MD5 mismatch"));
  g_free (body);
  g_assert_true (
      meow_test_server_upload_md5_mismatch (fx->server, "00000000000000000000000000000000"));
  g_assert_false (
      meow_test_server_upload_completed (fx->server, "00000000000000000000000000000000"));

  /* fault knobs */
  faults.prepare_error_count = 1;
  faults.prepare_error_status = 503;
  faults.prepare_not_json = 1;
  faults.fail_post_nth = 3;
  set_upload_faults (fx, &faults);
  body = meow_send (fx, session, "aa", 5, 0, NULL, 0, &status);
  g_assert_cmpuint (status, ==, 503);
  g_free (body);
  body = meow_send (fx, session, "aa", 5, 0, NULL, 0, &status);
  g_assert_cmpuint (status, ==, 200);
  g_assert_cmpstr (body, ==, "not-json");
  g_free (body);
  body = meow_send (fx, session, "aa", 5, 0, NULL, 0, &status);
  g_assert_cmpuint (status, ==, 500);
  g_free (body);
  body = meow_send (fx, session, "aa", 5, 0, NULL, 0, &status);
  g_assert_cmpuint (status, ==, 200);
  g_assert_cmpstr (body, ==, "{\"nextByte\": 0}");
  g_free (body);

  memset (&faults, 0, sizeof faults);
  faults.stalled = TRUE;
  set_upload_faults (fx, &faults);
  body = meow_send (fx, session, "aa", 5, 0, first, 4000, &status);
  g_assert_cmpstr (body, ==, "{\"nextByte\": 0}");
  g_free (body);
  {
    g_autoptr (GBytes) held = meow_test_server_dup_upload_bytes (fx->server, "aa");

    g_assert_cmpuint (g_bytes_get_size (held), ==, 0);
  }

  memset (&faults, 0, sizeof faults);
  faults.prepare_file_id = "already-\"there\"";
  set_upload_faults (fx, &faults);
  body = meow_send (fx, session, "bb", 5, 0, NULL, 0, &status);
  g_assert_cmpstr (body, ==, "{\"fileId\": \"already-\\\"there\\\"\"}");
  g_free (body);
  meow_test_server_clear_upload_faults (fx->server);
}

static SoupMessage *
tus_message (const char *method, const char *url, gboolean resumable)
{
  SoupMessage *msg = soup_message_new (method, url);

  if (resumable)
    soup_message_headers_replace (soup_message_get_request_headers (msg), "Tus-Resumable", "1.0.0");
  return msg;
}

static guint
tus_patch (SoupSession *session,
           const char  *url,
           const char  *type,
           gint64       offset,
           GBytes      *bytes,
           gint64      *new_offset)
{
  g_autoptr (SoupMessage) msg = tus_message ("PATCH", url, TRUE);
  g_autofree char *off = g_strdup_printf ("%" G_GINT64_FORMAT, offset);
  g_autoptr (GBytes) body = NULL;
  const char *reply;

  soup_message_headers_replace (soup_message_get_request_headers (msg), "Upload-Offset", off);
  soup_message_set_request_body_from_bytes (msg, type, bytes);
  body = soup_send (session, msg);
  reply = soup_message_headers_get_one (soup_message_get_response_headers (msg), "Upload-Offset");
  *new_offset = reply ? g_ascii_strtoll (reply, NULL, 10) : -1;
  return soup_message_get_status (msg);
}

static void
test_server_tus_wire (MeowTestFixture *fx, gconstpointer data)
{
  g_autoptr (SoupSession) session = direct_session_new ();
  g_autoptr (GBytes) payload = meow_test_make_payload (10, 8);
  g_autoptr (GBytes) head4 = g_bytes_new_from_bytes (payload, 0, 4);
  g_autoptr (GBytes) tail6 = g_bytes_new_from_bytes (payload, 4, 6);
  g_autofree char    *base = meow_test_server_dup_url (fx->server, TUS_BASE);
  g_autofree char    *location = NULL;
  gint64              offset = -1;
  SoupMessageHeaders *rh;

  {
    g_autoptr (SoupMessage) msg = tus_message ("OPTIONS", base, FALSE);
    g_autoptr (GBytes) body = soup_send (session, msg);

    g_assert_cmpuint (soup_message_get_status (msg), ==, 204);
    rh = soup_message_get_response_headers (msg);
    g_assert_cmpstr (soup_message_headers_get_one (rh, "Tus-Version"), ==, "1.0.0");
    g_assert_nonnull (strstr (soup_message_headers_get_one (rh, "Tus-Extension"), "termination"));
  }
  {
    g_autoptr (SoupMessage) msg = tus_message ("POST", base, FALSE);
    g_autoptr (GBytes) body = NULL;

    soup_message_headers_replace (soup_message_get_request_headers (msg), "Upload-Length", "10");
    body = soup_send (session, msg);
    g_assert_cmpuint (soup_message_get_status (msg), ==, 412);
  }
  {
    g_autoptr (SoupMessage) msg = tus_message ("POST", base, TRUE);
    g_autoptr (GBytes) body = NULL;

    soup_message_headers_replace (soup_message_get_request_headers (msg), "Upload-Length", "10");
    soup_message_headers_replace (soup_message_get_request_headers (msg), "Upload-Metadata",
                                  "filename eC5iaW4=");
    body = soup_send (session, msg);
    g_assert_cmpuint (soup_message_get_status (msg), ==, 201);
    location = g_strdup (
        soup_message_headers_get_one (soup_message_get_response_headers (msg), "Location"));
    g_assert_true (g_str_has_prefix (location, base));
    g_assert_true (meow_test_server_tus_exists (fx->server, location));
  }
  {
    g_autoptr (SoupMessage) msg = tus_message ("HEAD", location, TRUE);
    g_autoptr (GBytes) body = soup_send (session, msg);

    g_assert_cmpuint (soup_message_get_status (msg), ==, 200);
    rh = soup_message_get_response_headers (msg);
    g_assert_cmpstr (soup_message_headers_get_one (rh, "Upload-Offset"), ==, "0");
    g_assert_cmpstr (soup_message_headers_get_one (rh, "Upload-Length"), ==, "10");
    g_assert_cmpstr (soup_message_headers_get_one (rh, "Cache-Control"), ==, "no-store");
    g_assert_cmpstr (soup_message_headers_get_one (rh, "Tus-Resumable"), ==, "1.0.0");
  }

  g_assert_cmpuint (tus_patch (session, location, "application/octet-stream", 0, head4, &offset),
                    ==, 415);
  g_assert_cmpuint (
      tus_patch (session, location, "application/offset+octet-stream", 3, head4, &offset), ==, 409);
  g_assert_cmpuint (
      tus_patch (session, location, "application/offset+octet-stream", 0, head4, &offset), ==, 204);
  g_assert_cmpint (offset, ==, 4);
  {
    MeowTestUploadFaults faults = {
      0,
    };

    faults.tus_conflict_patches = 1;
    set_upload_faults (fx, &faults);
  }
  g_assert_cmpuint (
      tus_patch (session, location, "application/offset+octet-stream", 4, tail6, &offset), ==, 409);
  g_assert_cmpuint (
      tus_patch (session, location, "application/offset+octet-stream", 4, tail6, &offset), ==, 204);
  g_assert_cmpint (offset, ==, 10);
  meow_test_assert_tus_upload_equals (fx->server, location, payload);

  {
    g_autoptr (SoupMessage) msg = tus_message ("DELETE", location, TRUE);
    g_autoptr (GBytes) body = soup_send (session, msg);

    g_assert_cmpuint (soup_message_get_status (msg), ==, 204);
  }
  {
    g_autoptr (SoupMessage) msg = tus_message ("HEAD", location, TRUE);
    g_autoptr (GBytes) body = soup_send (session, msg);

    g_assert_cmpuint (soup_message_get_status (msg), ==, 404);
  }
  g_assert_true (meow_test_server_tus_deleted (fx->server, location));
  g_assert_cmpuint (meow_test_server_count_tus_deletes (fx->server), ==, 1);

  /* zero-length uploads */
  {
    g_autoptr (SoupMessage) msg = tus_message ("POST", base, TRUE);
    g_autoptr (SoupMessage) head = NULL;
    g_autoptr (GBytes) body = NULL;
    g_autoptr (GBytes) body2 = NULL;

    soup_message_headers_replace (soup_message_get_request_headers (msg), "Upload-Length", "0");
    body = soup_send (session, msg);
    g_assert_cmpuint (soup_message_get_status (msg), ==, 201);
    head = tus_message (
        "HEAD", soup_message_headers_get_one (soup_message_get_response_headers (msg), "Location"),
        TRUE);
    body2 = soup_send (session, head);
    rh = soup_message_get_response_headers (head);
    g_assert_cmpuint (soup_message_get_status (head), ==, 200);
    g_assert_cmpstr (soup_message_headers_get_one (rh, "Upload-Offset"), ==, "0");
    g_assert_cmpstr (soup_message_headers_get_one (rh, "Upload-Length"), ==, "0");
  }
  g_assert_cmpuint (meow_test_server_count_tus_resources (fx->server), ==, 2);
}

/* ------------------------------------------------------------------ */
/* Default protocol through the client                                 */

static void
assert_upload_record_fields (MeowTestWatch *w, const char *name, const char *local_path)
{
  const MeowTransferRecord *r = meow_test_watch_last (w);

  g_assert_nonnull (r);
  g_assert_cmpint (meow_transfer_record_get_direction (r), ==, MEOW_DIRECTION_UPLOAD);
  g_assert_cmpstr (meow_transfer_record_get_name (r), ==, name);
  g_assert_cmpstr (meow_transfer_record_get_local_path (r), ==, local_path);
}

/* Every chunk the server got was stored, in order, @chunk bytes each
 * (the last one shorter). */
static void
assert_chunks_in_order (MeowTestFixture *fx, gsize total, gsize chunk)
{
  g_autoptr (GPtrArray) chunks = meow_test_server_dup_upload_chunks (fx->server);
  gint64 expect = 0;

  g_assert_cmpuint (chunks->len, ==, ceil_div (total, chunk));
  for (guint i = 0; i < chunks->len; i++)
    {
      MeowTestUploadChunk *c = g_ptr_array_index (chunks, i);

      g_assert_true (c->stored);
      g_assert_cmpint (c->offset, ==, expect);
      g_assert_cmpint (c->length, ==, MIN (chunk, total - expect));
      expect += c->length;
    }
  g_assert_cmpint (expect, ==, total);
}

static void
test_meow_file (MeowTestFixture *fx, gconstpointer data)
{
  g_autoptr (GBytes) payload = meow_test_make_payload (90 * 1024 + 123, 11);
  g_autofree char *source = write_source (fx, "ninety.bin", payload);
  g_autofree char *file_id = file_id_for (payload);
  g_autoptr (MeowTaskBuilder) b = meow_test_builder_upload_file (fx, MEOW_PATH, source);
  MeowTestWatch *w;

  meow_task_builder_set_chunk_size (b, 2048);
  w = meow_test_start_upload (fx, b);
  MEOW_TEST_WAIT_UNTIL (meow_test_watch_done (w));

  meow_test_assert_upload_completed (w, file_id, payload);
  assert_upload_record_fields (w, "ninety.bin", source);
  meow_test_assert_server_upload_equals (fx->server, payload);
  g_assert_cmpuint (meow_test_server_count_upload_prepares (fx->server), ==, 1);
  assert_chunks_in_order (fx, g_bytes_get_size (payload), 2048);
  /* the source is left alone */
  meow_test_assert_file_equals (source, payload);
}

static void
test_meow_bytes (MeowTestFixture *fx, gconstpointer data)
{
  g_autoptr (GBytes) payload = meow_test_make_payload (90 * 1024 + 7, 12);
  g_autofree char *url = meow_test_server_dup_url (fx->server, MEOW_PATH);
  g_autofree char *file_id = file_id_for (payload);
  g_autoptr (MeowTaskBuilder) b = meow_task_builder_new_upload_bytes (url, payload, "memory.bin");
  MeowTestWatch *w;

  meow_task_builder_set_chunk_size (b, 2048);
  w = meow_test_start_upload (fx, b);
  MEOW_TEST_WAIT_UNTIL (meow_test_watch_done (w));

  meow_test_assert_upload_completed (w, file_id, payload);
  g_assert_cmpstr (meow_transfer_record_get_name (meow_test_watch_last (w)), ==, "memory.bin");
  meow_test_assert_server_upload_equals (fx->server, payload);
  assert_chunks_in_order (fx, g_bytes_get_size (payload), 2048);
}

static void
test_meow_one_chunk (MeowTestFixture *fx, gconstpointer data)
{
  g_autoptr (GBytes) payload = meow_test_make_payload (30000, 13);
  g_autofree char *source = write_source (fx, "small.bin", payload);
  g_autofree char *file_id = file_id_for (payload);
  g_autoptr (MeowTaskBuilder) b = meow_test_builder_upload_file (fx, MEOW_PATH, source);
  MeowTestWatch *w;

  meow_task_builder_set_chunk_size (b, 4 * 30000);
  w = meow_test_start_upload (fx, b);
  MEOW_TEST_WAIT_UNTIL (meow_test_watch_done (w));

  meow_test_assert_upload_completed (w, file_id, payload);
  meow_test_assert_server_upload_equals (fx->server, payload);
  g_assert_cmpuint (meow_test_server_count_upload_chunks (fx->server), ==, 1);
  assert_chunks_in_order (fx, 30000, 30000);
}

static void
test_meow_prepare_500 (MeowTestFixture *fx, gconstpointer data)
{
  g_autoptr (GBytes) payload = meow_test_make_payload (5000, 14);
  g_autofree char *source = write_source (fx, "p500.bin", payload);
  g_autoptr (MeowTaskBuilder) b = meow_test_builder_upload_file (fx, MEOW_PATH, source);
  MeowTestUploadFaults faults = {
    0,
  };
  MeowTestWatch *w;

  faults.prepare_error_count = 100;
  faults.prepare_error_status = 500;
  set_upload_faults (fx, &faults);
  meow_task_builder_set_prepare_retries (b, 0);
  w = meow_test_start_upload (fx, b);
  MEOW_TEST_WAIT_UNTIL (meow_test_watch_done (w));

  meow_test_assert_failed (w, MEOW_ERROR_RESPONSE_STATUS, "500", NULL);
  g_assert_cmpuint (meow_test_server_count_upload_prepares (fx->server), ==, 1);
  g_assert_cmpuint (meow_test_server_count_upload_chunks (fx->server), ==, 0);
}

static void
test_meow_prepare_not_json (MeowTestFixture *fx, gconstpointer data)
{
  g_autoptr (GBytes) payload = meow_test_make_payload (5000, 15);
  g_autofree char *source = write_source (fx, "nj.bin", payload);
  g_autoptr (MeowTaskBuilder) b = meow_test_builder_upload_file (fx, MEOW_PATH, source);
  MeowTestUploadFaults faults = {
    0,
  };
  MeowTestWatch *w;

  faults.prepare_not_json = 100;
  set_upload_faults (fx, &faults);
  w = meow_test_start_upload (fx, b);
  MEOW_TEST_WAIT_UNTIL (meow_test_watch_done (w));

  meow_test_assert_failed (w, MEOW_ERROR_RESPONSE_PARSE, "not-json", NULL);
  /* a parse error is not retried */
  g_assert_cmpuint (count_requests_to (fx, MEOW_PATH, NULL), ==, 1);
  g_assert_cmpuint (meow_test_server_count_upload_prepares (fx->server), ==, 1);
}

static void
test_meow_prepare_file_id (MeowTestFixture *fx, gconstpointer data)
{
  g_autoptr (GBytes) payload = meow_test_make_payload (50000, 16);
  g_autofree char *source = write_source (fx, "known.bin", payload);
  g_autoptr (MeowTaskBuilder) b = meow_test_builder_upload_file (fx, MEOW_PATH, source);
  MeowTestUploadFaults faults = {
    0,
  };
  MeowTestWatch *w;

  faults.prepare_file_id = "already-here-42";
  set_upload_faults (fx, &faults);
  meow_task_builder_set_chunk_size (b, 4096);
  w = meow_test_start_upload (fx, b);
  MEOW_TEST_WAIT_UNTIL (meow_test_watch_done (w));

  meow_test_assert_upload_completed (w, "already-here-42", payload);
  g_assert_cmpuint (meow_test_server_count_upload_prepares (fx->server), ==, 1);
  g_assert_cmpuint (meow_test_server_count_upload_chunks (fx->server), ==, 0);
}

static void
test_meow_retry_second_post (MeowTestFixture *fx, gconstpointer data)
{
  g_autoptr (GBytes) payload = meow_test_make_payload (20000, 17);
  g_autofree char *source = write_source (fx, "retry.bin", payload);
  g_autofree char *file_id = file_id_for (payload);
  g_autoptr (MeowTaskBuilder) b = meow_test_builder_upload_file (fx, MEOW_PATH, source);
  MeowTestUploadFaults faults = {
    0,
  };
  MeowTestWatch *w;

  faults.fail_post_nth = 2;
  faults.fail_post_status = 500;
  set_upload_faults (fx, &faults);
  meow_task_builder_set_chunk_size (b, 4096);
  w = meow_test_start_upload (fx, b);
  MEOW_TEST_WAIT_UNTIL (meow_test_watch_done (w));
  /* nothing more arrives after the end */
  meow_test_spin_ms (200);

  meow_test_assert_upload_completed (w, file_id, payload);
  meow_test_assert_server_upload_equals (fx->server, payload);
  g_assert_cmpuint (count_status (fx, 500), ==, 1);
  /* the failed chunk was sent again: one more chunk request than chunks */
  g_assert_cmpuint (meow_test_server_count_upload_chunks (fx->server), ==,
                    ceil_div (20000, 4096) + 1);
}

/* The server took only the rest of @payload after @start, in @chunk_size chunks, in
 * order, each stored. */
static void
assert_chunks_from (MeowTestFixture *fx, GBytes *payload, gint64 start, gsize chunk_size)
{
  g_autoptr (GPtrArray) chunks = meow_test_server_dup_upload_chunks (fx->server);
  gint64 expect = start;

  g_assert_cmpuint (chunks->len, ==, ceil_div (g_bytes_get_size (payload) - start, chunk_size));
  for (guint i = 0; i < chunks->len; i++)
    {
      MeowTestUploadChunk *c = g_ptr_array_index (chunks, i);

      g_assert_true (c->stored);
      g_assert_cmpint (c->offset, ==, expect);
      expect += c->length;
    }
  g_assert_cmpint (expect, ==, g_bytes_get_size (payload));
}

static void
test_meow_resume_server_offset (MeowTestFixture *fx, gconstpointer data)
{
  g_autoptr (GBytes) payload = meow_test_make_payload (90 * 1024, 28);
  g_autoptr (GBytes) prefix = g_bytes_new_from_bytes (payload, 0, 40000);
  g_autofree char *source = write_source (fx, "earlier.bin", payload);
  g_autofree char *md5 = meow_test_md5_bytes (payload);
  g_autofree char *file_id = file_id_for (payload);
  g_autoptr (MeowTaskBuilder) b = meow_test_builder_upload_file (fx, MEOW_PATH, source);
  MeowTestWatch *w;

  /* an earlier session sent the first 40000 bytes */
  meow_test_server_set_upload_partial (fx->server, md5, g_bytes_get_size (payload), prefix);
  meow_task_builder_set_chunk_size (b, 4096);
  w = meow_test_start_upload (fx, b);
  MEOW_TEST_WAIT_UNTIL (meow_test_watch_done (w));

  meow_test_assert_upload_completed (w, file_id, payload);
  meow_test_assert_server_upload_equals (fx->server, payload);
  /* only the rest was sent, in order, starting where the server was */
  assert_chunks_from (fx, payload, 40000, 4096);
}

/* ------------------------------------------------------------------ */
/* Concurrency: upload and download limits at the same time            */

typedef struct
{
  GHashTable *latest; /* task id -> status, downloads only */
  guint       max_downloading;
  gboolean    upload_seen;
} Census;

static void
census_cb (MeowClient *client, const MeowTransferRecord *record, gpointer user_data)
{
  Census        *c = user_data;
  GHashTableIter iter;
  gpointer       value;
  guint          n = 0;

  if (meow_transfer_record_get_direction (record) != MEOW_DIRECTION_DOWNLOAD)
    {
      c->upload_seen = TRUE;
      return;
    }
  g_hash_table_replace (c->latest, g_strdup (meow_transfer_record_get_task_id (record)),
                        GINT_TO_POINTER (meow_transfer_record_get_status (record)));
  g_hash_table_iter_init (&iter, c->latest);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    if (GPOINTER_TO_INT (value) == MEOW_STATUS_TRANSMISSION)
      n++;
  c->max_downloading = MAX (c->max_downloading, n);
}

static gboolean
all_done (MeowTestWatch **ws, guint n)
{
  for (guint i = 0; i < n; i++)
    if (!meow_test_watch_done (ws[i]))
      return FALSE;
  return TRUE;
}

static void
test_concurrency (MeowTestFixture *fx, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  GBytes        *up[5], *down[7];
  MeowTestWatch *uw[5], *dw[7];
  MeowTestFaults faults = {
    0,
  };
  MeowTestUploadFaults ufaults = {
    0,
  };
  Census census = {
    0,
  };
  gboolean done;
  guint    listener;

  census.latest = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  meow_config_set_max_uploads (fx->config, 2);
  meow_config_set_max_downloads (fx->config, 3);
  faults.throttle_bytes_per_sec = 32 * 1024;
  meow_test_server_set_faults (fx->server, &faults);
  ufaults.chunk_delay_ms = 40;
  set_upload_faults (fx, &ufaults);
  listener =
      meow_client_add_listener (meow_test_fixture_client (fx), census_cb, &census, NULL, &error);
  g_assert_no_error (error);

  for (guint i = 0; i < G_N_ELEMENTS (uw); i++)
    {
      g_autofree char *name = g_strdup_printf ("up%u.bin", i);
      g_autofree char *source = NULL;
      g_autoptr (MeowTaskBuilder) b = NULL;

      up[i] = meow_test_make_payload (24 * 1024, 200 + i);
      source = write_source (fx, name, up[i]);
      b = meow_test_builder_upload_file (fx, MEOW_PATH, source);
      meow_task_builder_set_chunk_size (b, 4096);
      uw[i] = meow_test_start_upload (fx, b);
    }
  for (guint i = 0; i < G_N_ELEMENTS (dw); i++)
    {
      g_autofree char *name = g_strdup_printf ("down%u.bin", i);
      g_autofree char *url_path = g_strconcat ("/", name, NULL);
      g_autofree char *target = meow_test_fixture_path (fx, name);
      g_autoptr (MeowTaskBuilder) b = NULL;

      down[i] = meow_test_make_payload (40 * 1024, 300 + i);
      meow_test_server_set_file (fx->server, url_path, down[i]);
      b = meow_test_builder_to_file (fx, url_path, target);
      dw[i] = meow_test_start_download (fx, b);
    }

  meow_test_guard_start (60);
  while (!(done = all_done (uw, 5) && all_done (dw, 7)) && !meow_test_guard_timed_out ())
    g_main_context_iteration (NULL, TRUE);
  meow_test_guard_stop ();

  if (done)
    {
      for (guint i = 0; i < G_N_ELEMENTS (uw); i++)
        {
          g_autofree char *file_id = file_id_for (up[i]);

          meow_test_assert_upload_completed (uw[i], file_id, up[i]);
          meow_test_assert_server_upload_equals (fx->server, up[i]);
        }
      for (guint i = 0; i < G_N_ELEMENTS (dw); i++)
        {
          g_autofree char *name = g_strdup_printf ("down%u.bin", i);
          g_autofree char *target = meow_test_fixture_path (fx, name);

          meow_test_assert_completed (dw[i], target, down[i]);
        }
      g_test_message ("peak open uploads %u, peak downloads %u",
                      meow_test_server_get_peak_open_uploads (fx->server), census.max_downloading);
      g_assert_cmpuint (meow_test_server_get_peak_open_uploads (fx->server), ==, 2);
      g_assert_cmpuint (census.max_downloading, ==, 3);
      g_assert_true (census.upload_seen);
      g_assert_true (meow_client_remove_listener (fx->client, listener, &error));
      g_assert_no_error (error);
    }
  else
    g_test_fail_printf ("timed out waiting for 5 uploads and 7 downloads");

  for (guint i = 0; i < G_N_ELEMENTS (uw); i++)
    g_bytes_unref (up[i]);
  for (guint i = 0; i < G_N_ELEMENTS (dw); i++)
    g_bytes_unref (down[i]);
  g_hash_table_unref (census.latest);
}

/* ------------------------------------------------------------------ */
/* Duplicates and headers                                              */

static void
test_duplicate (MeowTestFixture *fx, gconstpointer data)
{
  g_autoptr (GBytes) payload = meow_test_make_payload (40000, 18);
  g_autofree char *source = write_source (fx, "dup.bin", payload);
  g_autofree char *file_id = file_id_for (payload);
  g_autoptr (MeowTaskBuilder) b1 = meow_test_builder_upload_file (fx, MEOW_PATH, source);
  g_autoptr (MeowTaskBuilder) b2 = meow_test_builder_upload_file (fx, MEOW_PATH, source);
  MeowTestUploadFaults faults = {
    0,
  };
  MeowTestWatch *w;

  faults.chunk_delay_ms = 20;
  set_upload_faults (fx, &faults);
  meow_task_builder_set_chunk_size (b1, 8192);
  meow_task_builder_set_chunk_size (b2, 8192);
  w = meow_test_start_upload (fx, b1);
  meow_test_enqueue_expect_error (fx, b2, MEOW_ERROR_DUPLICATE_TASK);
  MEOW_TEST_WAIT_UNTIL (meow_test_watch_done (w));

  meow_test_assert_upload_completed (w, file_id, payload);
  meow_test_assert_server_upload_equals (fx->server, payload);
  /* only the first one ever reached the server */
  g_assert_cmpuint (meow_test_server_count_upload_prepares (fx->server), ==, 1);
}

/* The same bytes from two different files to the same URL: enqueue cannot
 * know without reading them, so whichever finishes hashing second fails
 * with 103, and only the other reaches the server's chunk endpoint. */
static void
test_duplicate_content (MeowTestFixture *fx, gconstpointer data)
{
  g_autoptr (GBytes) payload = meow_test_make_payload (40000, 21);
  g_autofree char *source1 = write_source (fx, "one.bin", payload);
  g_autofree char *source2 = write_source (fx, "two.bin", payload);
  g_autofree char *file_id = file_id_for (payload);
  g_autoptr (MeowTaskBuilder) b1 = meow_test_builder_upload_file (fx, MEOW_PATH, source1);
  g_autoptr (MeowTaskBuilder) b2 = meow_test_builder_upload_file (fx, MEOW_PATH, source2);
  MeowTestUploadFaults faults = {
    0,
  };
  MeowTestWatch *w1;
  MeowTestWatch *w2;
  MeowTestWatch *winner;
  MeowTestWatch *loser;

  faults.chunk_delay_ms = 20;
  set_upload_faults (fx, &faults);
  meow_task_builder_set_chunk_size (b1, 8192);
  meow_task_builder_set_chunk_size (b2, 8192);
  w1 = meow_test_start_upload (fx, b1);
  w2 = meow_test_start_upload (fx, b2);
  MEOW_TEST_WAIT_UNTIL (meow_test_watch_done (w1) && meow_test_watch_done (w2));

  winner = meow_test_watch_last_status (w1) == MEOW_STATUS_COMPLETE ? w1 : w2;
  loser = winner == w1 ? w2 : w1;
  meow_test_assert_upload_completed (winner, file_id, payload);
  meow_test_assert_failed (loser, MEOW_ERROR_DUPLICATE_TASK, loser == w1 ? "one.bin" : "two.bin",
                           "already being uploaded");
  g_assert_cmpuint (loser->complete_calls, ==, 0);
  meow_test_assert_server_upload_equals (fx->server, payload);
  g_assert_cmpuint (meow_test_server_count_upload_prepares (fx->server), ==, 1);
}

/* The first Transmission record of an upload is the hashing phase, with the
 * bytes hashed; bytes move only in the transfer phase. */
static void
test_hashing_phase (MeowTestFixture *fx, gconstpointer data)
{
  g_autoptr (GBytes) payload = meow_test_make_payload (300000, 22);
  g_autofree char *source = write_source (fx, "hash.bin", payload);
  g_autofree char *file_id = file_id_for (payload);
  g_autoptr (MeowTaskBuilder) b = meow_test_builder_upload_file (fx, MEOW_PATH, source);
  MeowTestWatch *w;
  gboolean       saw_hashing = FALSE;
  gboolean       saw_transfer = FALSE;

  meow_task_builder_set_chunk_size (b, 65536);
  w = meow_test_start_upload (fx, b);
  MEOW_TEST_WAIT_UNTIL (meow_test_watch_done (w));
  meow_test_assert_upload_completed (w, file_id, payload);

  for (guint i = 0; i < w->records->len; i++)
    {
      const MeowTransferRecord *r = g_ptr_array_index (w->records, i);

      if (meow_transfer_record_get_status (r) != MEOW_STATUS_TRANSMISSION)
        continue;
      if (meow_transfer_record_get_phase (r) == MEOW_PHASE_HASHING)
        {
          /* hashing comes first, moves no bytes */
          g_assert_false (saw_transfer);
          g_assert_cmpuint (meow_transfer_record_get_transferred (r), ==, 0);
          g_assert_cmpuint (meow_transfer_record_get_hashed (r), <=, 300000);
          g_assert_cmpint (meow_transfer_record_get_total (r), ==, 300000);
          saw_hashing = TRUE;
        }
      else
        {
          g_assert_cmpuint (meow_transfer_record_get_hashed (r), ==, 300000);
          saw_transfer = TRUE;
        }
    }
  g_assert_true (saw_hashing);
  g_assert_true (saw_transfer);
}

/* 512 KiB at 256 KiB/s in 16 KiB chunks: ideally 2 s. Each chunk is
 * smaller than the pacing burst, so it must not get a fresh allowance per
 * request: allow twice the rate on average, no more. (A lower bound only:
 * a slow machine cannot make it pass wrongly.) */
static void
test_speed_limit (MeowTestFixture *fx, gconstpointer data)
{
  g_autoptr (GBytes) payload = meow_test_make_payload (512 * 1024, 23);
  g_autofree char *source = write_source (fx, "slow.bin", payload);
  g_autofree char *file_id = file_id_for (payload);
  g_autoptr (MeowTaskBuilder) b = meow_test_builder_upload_file (fx, MEOW_PATH, source);
  gint64         t0, elapsed;
  MeowTestWatch *w;

  meow_task_builder_set_chunk_size (b, 16 * 1024);
  meow_task_builder_set_speed_limit (b, 256 * 1024);
  t0 = g_get_monotonic_time ();
  w = meow_test_start_upload (fx, b);
  MEOW_TEST_WAIT_UNTIL (meow_test_watch_done (w));
  elapsed = g_get_monotonic_time () - t0;

  meow_test_assert_upload_completed (w, file_id, payload);
  meow_test_assert_server_upload_equals (fx->server, payload);
  g_test_message ("512 KiB at a 256 KiB/s limit took %.2f s", elapsed / 1e6);
  if (elapsed < G_USEC_PER_SEC)
    g_test_fail_printf ("512 KiB at a 256 KiB/s limit took only %.2f s (average %.0f KiB/s)",
                        elapsed / 1e6, 512.0 / (elapsed / 1e6));
}

static void
test_headers (MeowTestFixture *fx, gconstpointer data)
{
  g_autoptr (GBytes) payload = meow_test_make_payload (20000, 19);
  g_autofree char *source = write_source (fx, "hdr.bin", payload);
  g_autofree char *file_id = file_id_for (payload);
  g_autoptr (MeowTaskBuilder) b = meow_test_builder_upload_file (fx, MEOW_PATH, source);
  g_autoptr (GPtrArray) log = NULL;
  MeowTestUploadFaults faults = {
    0,
  };
  MeowTestWatch *w;
  guint          seen = 0;

  /* a retried request carries them too */
  faults.fail_post_nth = 3;
  set_upload_faults (fx, &faults);
  meow_task_builder_add_header (b, "X-Meow-Test", "1");
  meow_task_builder_set_chunk_size (b, 4096);
  w = meow_test_start_upload (fx, b);
  MEOW_TEST_WAIT_UNTIL (meow_test_watch_done (w));
  meow_test_assert_upload_completed (w, file_id, payload);

  log = meow_test_server_dup_requests (fx->server);
  for (guint i = 0; i < log->len; i++)
    {
      MeowTestRequest *req = g_ptr_array_index (log, i);
      const char      *type = g_hash_table_lookup (req->headers, "content-type");

      g_assert_cmpstr (req->path, ==, MEOW_PATH);
      g_assert_cmpstr (g_hash_table_lookup (req->headers, "x-meow-test"), ==, "1");
      g_assert_nonnull (type);
      g_assert_true (g_str_has_prefix (type, "multipart/form-data"));
      seen++;
    }
  /* every request was one of these (and the retried one is among them) */
  g_assert_cmpuint (seen, ==,
                    meow_test_server_count_upload_prepares (fx->server) +
                        meow_test_server_count_upload_chunks (fx->server));
  g_assert_cmpuint (seen, >=, 1 + ceil_div (20000, 4096) + 1);
  g_assert_cmpuint (count_status (fx, 500), ==, 1);
}

/* ------------------------------------------------------------------ */
/* Pause, resume, cancel                                               */

static void
test_pause_resume (MeowTestFixture *fx, gconstpointer data)
{
  g_autoptr (GBytes) payload = meow_test_make_payload (64 * 1024, 20);
  g_autofree char *source = write_source (fx, "pause.bin", payload);
  g_autofree char *md5 = meow_test_md5_bytes (payload);
  g_autofree char *file_id = file_id_for (payload);
  g_autoptr (MeowTaskBuilder) b = meow_test_builder_upload_file (fx, MEOW_PATH, source);
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) held = NULL;
  g_autoptr (GPtrArray) chunks = NULL;
  MeowTestUploadFaults faults = {
    0,
  };
  MeowTestWatch *w;
  guint          requests, chunks_before, records;
  gsize          held_len;

  faults.chunk_delay_ms = 100;
  set_upload_faults (fx, &faults);
  meow_task_builder_set_chunk_size (b, 4096);
  w = meow_test_start_upload (fx, b);
  MEOW_TEST_WAIT_UNTIL (meow_test_watch_has_progress (w) &&
                        meow_test_server_count_upload_chunks (fx->server) >= 2);

  g_assert_true (meow_client_pause (fx->client, w->id, &error));
  g_assert_no_error (error);
  MEOW_TEST_WAIT_UNTIL (meow_test_watch_last_status (w) == MEOW_STATUS_PAUSED);

  /* nothing moves while paused */
  meow_test_spin_ms (300);
  requests = meow_test_server_count (fx->server, NULL);
  records = w->records->len;
  meow_test_spin_ms (400);
  g_assert_cmpuint (meow_test_server_count (fx->server, NULL), ==, requests);
  g_assert_cmpuint (w->records->len, ==, records);
  held = meow_test_server_dup_upload_bytes (fx->server, md5);
  held_len = g_bytes_get_size (held);
  g_assert_cmpuint (held_len, >, 0);
  g_assert_cmpuint (held_len, <, g_bytes_get_size (payload));
  meow_test_assert_bytes_prefix (held, payload);
  chunks_before = meow_test_server_count_upload_chunks (fx->server);

  meow_test_server_clear_upload_faults (fx->server);
  g_assert_true (meow_client_resume (fx->client, w->id, &error));
  g_assert_no_error (error);
  MEOW_TEST_WAIT_UNTIL (meow_test_watch_done (w));

  meow_test_assert_upload_completed (w, file_id, payload);
  meow_test_assert_sequence (w, "Pending,Transmission,Paused,Pending,Transmission?,Complete");
  meow_test_assert_server_upload_equals (fx->server, payload);
  /* resume asked the server where to go on, and went on from there */
  g_assert_cmpuint (meow_test_server_count_upload_prepares (fx->server), ==, 2);
  chunks = meow_test_server_dup_upload_chunks (fx->server);
  g_assert_cmpuint (chunks->len, >, chunks_before);
  g_assert_cmpint (((MeowTestUploadChunk *) g_ptr_array_index (chunks, chunks_before))->offset, ==,
                   held_len);
  /* and sent only the rest */
  g_assert_cmpuint (chunks->len - chunks_before, ==,
                    ceil_div (g_bytes_get_size (payload) - held_len, 4096));
}

static void
test_cancel (MeowTestFixture *fx, gconstpointer data)
{
  g_autoptr (GBytes) payload = meow_test_make_payload (64 * 1024, 21);
  g_autofree char *source = write_source (fx, "cancel.bin", payload);
  g_autofree char *md5 = meow_test_md5_bytes (payload);
  g_autoptr (MeowTaskBuilder) b = meow_test_builder_upload_file (fx, MEOW_PATH, source);
  g_autoptr (GError) error = NULL;
  MeowTestUploadFaults faults = {
    0,
  };
  MeowTestWatch *w;
  guint          requests;

  faults.chunk_delay_ms = 100;
  set_upload_faults (fx, &faults);
  meow_task_builder_set_chunk_size (b, 4096);
  w = meow_test_start_upload (fx, b);
  MEOW_TEST_WAIT_UNTIL (meow_test_watch_has_progress (w));

  g_assert_true (meow_client_cancel (fx->client, w->id, &error));
  g_assert_no_error (error);
  MEOW_TEST_WAIT_UNTIL (meow_test_watch_done (w));
  g_assert_cmpint (meow_test_watch_last_status (w), ==, MEOW_STATUS_CANCELED);
  g_assert_cmpuint (w->complete_calls, ==, 0);
  meow_test_assert_upload_records_sane (w, g_bytes_get_size (payload));

  /* no further requests */
  meow_test_spin_ms (200);
  requests = meow_test_server_count (fx->server, NULL);
  meow_test_spin_ms (400);
  g_assert_cmpuint (meow_test_server_count (fx->server, NULL), ==, requests);
  g_assert_false (meow_test_server_upload_completed (fx->server, md5));
  /* the source is the user's: never touched */
  meow_test_assert_file_equals (source, payload);
  /* the id is gone */
  g_assert_false (meow_client_resume (fx->client, w->id, &error));
  g_assert_error (error, MEOW_ERROR, MEOW_ERROR_TASK_NOT_FOUND);
}

/* ------------------------------------------------------------------ */
/* tus                                                                 */

static MeowTaskBuilder *
tus_builder (MeowTestFixture *fx, const char *source)
{
  MeowTaskBuilder *b = meow_test_builder_upload_file (fx, TUS_BASE, source);

  meow_task_builder_set_upload_protocol (b, MEOW_UPLOAD_PROTOCOL_TUS);
  return b;
}

/* Every request to the tus endpoint says Tus-Resumable: 1.0.0. */
static void
assert_tus_resumable_everywhere (MeowTestFixture *fx)
{
  g_autoptr (GPtrArray) log = meow_test_server_dup_requests (fx->server);

  for (guint i = 0; i < log->len; i++)
    {
      MeowTestRequest *req = g_ptr_array_index (log, i);

      if (g_str_has_prefix (req->path, TUS_BASE))
        g_assert_cmpstr (g_hash_table_lookup (req->headers, "tus-resumable"), ==, "1.0.0");
    }
}

static void
test_tus_file (MeowTestFixture *fx, gconstpointer data)
{
  g_autoptr (GBytes) payload = meow_test_make_payload (90 * 1024 + 5, 22);
  g_autofree char *source = write_source (fx, "tus.bin", payload);
  g_autofree char *url = meow_test_server_dup_url (fx->server, TUS_BASE "u1");
  g_autoptr (MeowTaskBuilder) b = tus_builder (fx, source);
  g_autoptr (GPtrArray) log = NULL;
  MeowTestRequest *post;
  g_autofree char *length = g_strdup_printf ("%" G_GSIZE_FORMAT, g_bytes_get_size (payload));
  MeowTestWatch   *w;

  meow_task_builder_set_chunk_size (b, 8192);
  w = meow_test_start_upload (fx, b);
  MEOW_TEST_WAIT_UNTIL (meow_test_watch_done (w));

  meow_test_assert_upload_completed (w, url, payload);
  assert_upload_record_fields (w, "tus.bin", source);
  meow_test_assert_tus_upload_equals (fx->server, url, payload);
  g_assert_cmpuint (meow_test_server_count_tus_resources (fx->server), ==, 1);
  g_assert_cmpuint (count_requests_to (fx, TUS_BASE, "POST"), ==, 1);
  g_assert_cmpuint (count_requests_to (fx, TUS_BASE, "PATCH"), ==,
                    ceil_div (g_bytes_get_size (payload), 8192));
  g_assert_cmpuint (count_requests_to (fx, TUS_BASE, "DELETE"), ==, 0);
  log = meow_test_server_dup_requests (fx->server);
  post = meow_test_nth_request (log, "POST", 0);
  g_assert_cmpstr (g_hash_table_lookup (post->headers, "upload-length"), ==, length);
  assert_tus_resumable_everywhere (fx);
}

/* Two tus uploads of the same bytes from different files to one URL: a
 * running peer of the same size makes both compute their MD5; the second
 * to know it fails with 103 and removes the resource it created. A lone
 * tus upload never hashes (no hashing records). */
static void
test_tus_duplicate_content (MeowTestFixture *fx, gconstpointer data)
{
  g_autoptr (GBytes) payload = meow_test_make_payload (200 * 1024, 24);
  g_autofree char *source1 = write_source (fx, "a.bin", payload);
  g_autofree char *source2 = write_source (fx, "b.bin", payload);
  g_autoptr (MeowTaskBuilder) b1 = tus_builder (fx, source1);
  g_autoptr (MeowTaskBuilder) b2 = tus_builder (fx, source2);
  MeowTestUploadFaults faults = {
    0,
  };
  MeowTestWatch *w1;
  MeowTestWatch *w2;
  MeowTestWatch *loser;

  faults.chunk_delay_ms = 30;
  set_upload_faults (fx, &faults);
  meow_task_builder_set_chunk_size (b1, 8192);
  meow_task_builder_set_chunk_size (b2, 8192);
  w1 = meow_test_start_upload (fx, b1);
  w2 = meow_test_start_upload (fx, b2);
  MEOW_TEST_WAIT_UNTIL (meow_test_watch_done (w1) && meow_test_watch_done (w2));

  loser = meow_test_watch_last_status (w1) == MEOW_STATUS_COMPLETE ? w2 : w1;
  g_assert_cmpint (meow_test_watch_last_status (loser == w1 ? w2 : w1), ==, MEOW_STATUS_COMPLETE);
  meow_test_assert_failed (loser, MEOW_ERROR_DUPLICATE_TASK, "already being uploaded", NULL);
  /* the loser's resource, when it knew one, is terminated (a creation
   * still in flight when the duplicate shows is left to the server's
   * expiry: its URL never reached us) */
  {
    const char *loser_url = meow_transfer_record_get_upload_url (meow_test_watch_last (loser));

    g_test_message ("the duplicate had %s", loser_url ? loser_url : "no upload URL yet");
    if (loser_url != NULL)
      MEOW_TEST_WAIT_UNTIL (meow_test_server_tus_deleted (fx->server, loser_url));
  }
}

static void
test_tus_no_hash_alone (MeowTestFixture *fx, gconstpointer data)
{
  g_autoptr (GBytes) payload = meow_test_make_payload (300 * 1024, 25);
  g_autofree char *source = write_source (fx, "alone.bin", payload);
  g_autofree char *url = meow_test_server_dup_url (fx->server, TUS_BASE "u1");
  g_autoptr (MeowTaskBuilder) b = tus_builder (fx, source);
  MeowTestWatch *w;

  meow_task_builder_set_chunk_size (b, 65536);
  w = meow_test_start_upload (fx, b);
  MEOW_TEST_WAIT_UNTIL (meow_test_watch_done (w));
  meow_test_assert_upload_completed (w, url, payload);
  for (guint i = 0; i < w->records->len; i++)
    {
      const MeowTransferRecord *r = g_ptr_array_index (w->records, i);

      g_assert_cmpint (meow_transfer_record_get_phase (r), ==, MEOW_PHASE_TRANSFER);
      g_assert_cmpuint (meow_transfer_record_get_hashed (r), ==, 0);
    }
}

static void
test_tus_zero_bytes (MeowTestFixture *fx, gconstpointer data)
{
  g_autoptr (GBytes) payload = g_bytes_new (NULL, 0);
  g_autofree char *source = write_source (fx, "empty.bin", payload);
  g_autofree char *url = meow_test_server_dup_url (fx->server, TUS_BASE "u1");
  g_autoptr (MeowTaskBuilder) b = tus_builder (fx, source);
  MeowTestWatch *w;

  w = meow_test_start_upload (fx, b);
  MEOW_TEST_WAIT_UNTIL (meow_test_watch_done (w));

  meow_test_assert_upload_completed (w, url, payload);
  meow_test_assert_tus_upload_equals (fx->server, url, payload);
  g_assert_true (meow_test_server_tus_exists (fx->server, url));
  g_assert_cmpuint (count_requests_to (fx, TUS_BASE, "POST"), ==, 1);
  /* nothing to send: at most one empty PATCH */
  g_assert_cmpuint (count_requests_to (fx, TUS_BASE, "PATCH"), <=, 1);
  g_assert_cmpuint (count_status (fx, 400) + count_status (fx, 409) + count_status (fx, 415), ==,
                    0);
}

static void
test_tus_conflict (MeowTestFixture *fx, gconstpointer data)
{
  g_autoptr (GBytes) payload = meow_test_make_payload (40000, 23);
  g_autofree char *source = write_source (fx, "conflict.bin", payload);
  g_autofree char *url = meow_test_server_dup_url (fx->server, TUS_BASE "u1");
  g_autoptr (MeowTaskBuilder) b = tus_builder (fx, source);
  g_autoptr (GPtrArray) log = NULL;
  MeowTestUploadFaults faults = {
    0,
  };
  MeowTestWatch *w;
  gboolean       head_after_409 = FALSE;

  faults.tus_conflict_patches = 1;
  set_upload_faults (fx, &faults);
  meow_task_builder_set_chunk_size (b, 8192);
  w = meow_test_start_upload (fx, b);
  MEOW_TEST_WAIT_UNTIL (meow_test_watch_done (w));

  meow_test_assert_upload_completed (w, url, payload);
  meow_test_assert_tus_upload_equals (fx->server, url, payload);
  g_assert_cmpuint (count_status (fx, 409), ==, 1);
  log = meow_test_server_dup_requests (fx->server);
  for (guint i = 0; i + 1 < log->len; i++)
    {
      MeowTestRequest *req = g_ptr_array_index (log, i);
      MeowTestRequest *next = g_ptr_array_index (log, i + 1);

      if (req->status == 409)
        head_after_409 = g_str_equal (next->method, "HEAD");
    }
  g_assert_true (head_after_409);
  g_assert_cmpuint (count_requests_to (fx, TUS_BASE, "PATCH"), ==, ceil_div (40000, 8192) + 1);
  assert_tus_resumable_everywhere (fx);
}

static void
test_tus_resume_upload_url (MeowTestFixture *fx, gconstpointer data)
{
  g_autoptr (GBytes) payload = meow_test_make_payload (90 * 1024, 24);
  g_autoptr (GBytes) prefix = g_bytes_new_from_bytes (payload, 0, 40960);
  g_autofree char *source = write_source (fx, "resume.bin", payload);
  g_autofree char *url = NULL;
  g_autoptr (MeowTaskBuilder) b = tus_builder (fx, source);
  g_autoptr (GPtrArray) log = NULL;
  MeowTestRequest *first_patch;
  MeowTestWatch   *w;

  url =
      meow_test_server_add_tus_resource (fx->server, TUS_BASE, g_bytes_get_size (payload), prefix);
  meow_task_builder_set_upload_url (b, url);
  meow_task_builder_set_chunk_size (b, 8192);
  w = meow_test_start_upload (fx, b);
  MEOW_TEST_WAIT_UNTIL (meow_test_watch_done (w));

  meow_test_assert_upload_completed (w, url, payload);
  meow_test_assert_tus_upload_equals (fx->server, url, payload);
  /* no new resource; asked for the offset first; sent only the rest */
  g_assert_cmpuint (count_requests_to (fx, TUS_BASE, "POST"), ==, 0);
  g_assert_cmpuint (meow_test_server_count_tus_resources (fx->server), ==, 1);
  log = meow_test_server_dup_requests (fx->server);
  g_assert_cmpstr (((MeowTestRequest *) g_ptr_array_index (log, 0))->method, ==, "HEAD");
  first_patch = meow_test_nth_request (log, "PATCH", 0);
  g_assert_nonnull (first_patch);
  g_assert_cmpstr (g_hash_table_lookup (first_patch->headers, "upload-offset"), ==, "40960");
  g_assert_cmpuint (count_requests_to (fx, TUS_BASE, "PATCH"), ==,
                    ceil_div (g_bytes_get_size (payload) - 40960, 8192));
}

/* ------------------------------------------------------------------ */
/* Logins: an upload's 401 pauses it like a download's                 */

#define LOGIN_REALM "Meow Uploads"
#define LOGIN_USER "uploader"
#define LOGIN_PASSWORD "up-5ecret"

static void
assert_upload_sign_in (MeowTestWatch *w, const char *needle)
{
  const MeowTransferRecord *r = meow_test_watch_last (w);
  const GError             *e = meow_transfer_record_get_error (r);

  g_assert_cmpint (meow_transfer_record_get_status (r), ==, MEOW_STATUS_PAUSED);
  g_assert_cmpint (meow_transfer_record_get_wait_reason (r), ==, MEOW_WAIT_SIGN_IN);
  g_assert_error (e, MEOW_ERROR, MEOW_ERROR_AUTH_REQUIRED);
  g_assert_nonnull (strstr (e->message, needle));
  g_assert_null (strstr (e->message, LOGIN_PASSWORD));
  g_assert_cmpstr (meow_transfer_record_get_auth_scheme (r), ==, "Basic");
  g_assert_cmpstr (meow_transfer_record_get_auth_realm (r), ==, LOGIN_REALM);
}

/* Every request the server took (the 401s are not in its log) carried the
 * login. */
static void
assert_all_logged_in (MeowTestFixture *fx)
{
  g_autoptr (GPtrArray) log = meow_test_server_dup_requests (fx->server);

  g_assert_cmpuint (log->len, >, 0);
  for (guint i = 0; i < log->len; i++)
    {
      MeowTestRequest *r = g_ptr_array_index (log, i);

      g_assert_true (
          g_str_has_prefix (g_hash_table_lookup (r->headers, "authorization"), "Basic "));
    }
}

/* A tus upload to a resource the server already holds 40960 bytes of, behind a login:
 * the HEAD's 401 pauses it ("Sign in required"), nothing retries; a wrong login pauses
 * again; the right one asks the server where it is (HEAD) and sends only the rest, every
 * request with the login; the resource is exact. */
static void
test_tus_sign_in (MeowTestFixture *fx, gconstpointer data)
{
  g_autoptr (GBytes) payload = meow_test_make_payload (90 * 1024, 31);
  g_autoptr (GBytes) prefix = g_bytes_new_from_bytes (payload, 0, 40960);
  g_autofree char *source = write_source (fx, "login.bin", payload);
  g_autofree char *url = NULL;
  g_autoptr (MeowTaskBuilder) b = tus_builder (fx, source);
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) log = NULL;
  MeowClient      *client = meow_test_fixture_client (fx);
  MeowTestRequest *first_patch;
  MeowTestWatch   *w;
  guint            refused;

  url =
      meow_test_server_add_tus_resource (fx->server, TUS_BASE, g_bytes_get_size (payload), prefix);
  meow_test_server_require_login (fx->server, FALSE, LOGIN_REALM, LOGIN_USER, LOGIN_PASSWORD);
  meow_task_builder_set_upload_url (b, url);
  meow_task_builder_set_chunk_size (b, 8192);
  w = meow_test_start_upload (fx, b);

  MEOW_TEST_WAIT_UNTIL (meow_test_watch_count_sign_in (w, MEOW_WAIT_SIGN_IN) == 1);
  assert_upload_sign_in (w, "requires a login");
  meow_test_spin_ms (200);
  refused = meow_test_server_count_refused (fx->server);
  g_assert_cmpuint (refused, >=, 1);
  meow_test_spin_ms (300);
  g_assert_cmpuint (meow_test_server_count_refused (fx->server), ==, refused);
  g_assert_cmpuint (meow_test_server_count (fx->server, NULL), ==, 0);

  g_assert_true (meow_client_set_credentials (client, w->id, LOGIN_USER, "wrong", &error));
  g_assert_no_error (error);
  g_assert_true (meow_client_resume (client, w->id, &error));
  g_assert_no_error (error);
  MEOW_TEST_WAIT_UNTIL (meow_test_watch_count_sign_in (w, MEOW_WAIT_SIGN_IN) == 2);
  assert_upload_sign_in (w, "refused the login of “" LOGIN_USER "”");
  g_assert_cmpuint (meow_test_server_count (fx->server, NULL), ==, 0);

  g_assert_true (meow_client_set_credentials (client, w->id, LOGIN_USER, LOGIN_PASSWORD, &error));
  g_assert_true (meow_client_resume (client, w->id, &error));
  g_assert_no_error (error);
  MEOW_TEST_WAIT_UNTIL (meow_test_watch_done (w));

  meow_test_assert_upload_completed (w, url, payload);
  meow_test_assert_tus_upload_equals (fx->server, url, payload);
  g_assert_cmpuint (meow_test_watch_count_sign_in (w, MEOW_WAIT_SIGN_IN), ==, 2);
  assert_all_logged_in (fx);
  log = meow_test_server_dup_requests (fx->server);
  g_assert_cmpstr (((MeowTestRequest *) g_ptr_array_index (log, 0))->method, ==, "HEAD");
  first_patch = meow_test_nth_request (log, "PATCH", 0);
  g_assert_nonnull (first_patch);
  g_assert_cmpstr (g_hash_table_lookup (first_patch->headers, "upload-offset"), ==, "40960");
  g_assert_cmpuint (count_requests_to (fx, TUS_BASE, "PATCH"), ==,
                    ceil_div (g_bytes_get_size (payload) - 40960, 8192));
}

/* The meow protocol behind a login, the server holding the first 40000 bytes: the
 * prepare's 401 pauses it; the login and a resume send only the rest, from the
 * server's offset, every request with the login; a login given with the task (a
 * second upload) needs no pause at all. */
static void
test_meow_sign_in (MeowTestFixture *fx, gconstpointer data)
{
  g_autoptr (GBytes) payload = meow_test_make_payload (90 * 1024, 32);
  g_autoptr (GBytes) prefix = g_bytes_new_from_bytes (payload, 0, 40000);
  g_autofree char *source = write_source (fx, "meow-login.bin", payload);
  g_autofree char *md5 = meow_test_md5_bytes (payload);
  g_autofree char *file_id = file_id_for (payload);
  g_autoptr (MeowTaskBuilder) b = meow_test_builder_upload_file (fx, MEOW_PATH, source);
  g_autoptr (GError) error = NULL;
  MeowClient    *client = meow_test_fixture_client (fx);
  MeowTestWatch *w;

  meow_test_server_set_upload_partial (fx->server, md5, g_bytes_get_size (payload), prefix);
  meow_test_server_require_login (fx->server, FALSE, LOGIN_REALM, LOGIN_USER, LOGIN_PASSWORD);
  meow_task_builder_set_chunk_size (b, 4096);
  w = meow_test_start_upload (fx, b);

  MEOW_TEST_WAIT_UNTIL (meow_test_watch_count_sign_in (w, MEOW_WAIT_SIGN_IN) == 1);
  assert_upload_sign_in (w, "requires a login");
  meow_test_spin_ms (300);
  g_assert_cmpuint (meow_test_watch_count_sign_in (w, MEOW_WAIT_SIGN_IN), ==, 1);
  g_assert_cmpuint (meow_test_server_count_upload_prepares (fx->server), ==, 0);

  g_assert_true (meow_client_set_credentials (client, w->id, LOGIN_USER, LOGIN_PASSWORD, &error));
  g_assert_no_error (error);
  g_assert_true (meow_client_resume (client, w->id, &error));
  g_assert_no_error (error);
  MEOW_TEST_WAIT_UNTIL (meow_test_watch_done (w));

  meow_test_assert_upload_completed (w, file_id, payload);
  meow_test_assert_server_upload_equals (fx->server, payload);
  assert_all_logged_in (fx);
  assert_chunks_from (fx, payload, 40000, 4096);

  /* With the login from the start: no pause. */
  {
    g_autoptr (GBytes) other = meow_test_make_payload (20 * 1024, 33);
    g_autofree char *other_source = write_source (fx, "meow-login-2.bin", other);
    g_autofree char *other_id = file_id_for (other);
    g_autoptr (MeowTaskBuilder) b2 = meow_test_builder_upload_file (fx, MEOW_PATH, other_source);

    meow_task_builder_set_credentials (b2, LOGIN_USER, LOGIN_PASSWORD);
    w = meow_test_start_upload (fx, b2);
    MEOW_TEST_WAIT_UNTIL (meow_test_watch_done (w));
    meow_test_assert_upload_completed (w, other_id, other);
    g_assert_cmpuint (meow_test_watch_count_sign_in (w, MEOW_WAIT_SIGN_IN), ==, 0);
  }
  assert_all_logged_in (fx);
}

static void
test_tus_cancel_deletes (MeowTestFixture *fx, gconstpointer data)
{
  g_autoptr (GBytes) payload = meow_test_make_payload (64 * 1024, 25);
  g_autofree char *source = write_source (fx, "tuscancel.bin", payload);
  g_autofree char *url = meow_test_server_dup_url (fx->server, TUS_BASE "u1");
  g_autoptr (MeowTaskBuilder) b = tus_builder (fx, source);
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) held = NULL;
  MeowTestUploadFaults faults = {
    0,
  };
  MeowTestWatch *w;
  guint          requests;

  faults.chunk_delay_ms = 100;
  set_upload_faults (fx, &faults);
  meow_task_builder_set_chunk_size (b, 4096);
  w = meow_test_start_upload (fx, b);
  MEOW_TEST_WAIT_UNTIL (meow_test_watch_has_progress (w));

  g_assert_true (meow_client_cancel (fx->client, w->id, &error));
  g_assert_no_error (error);
  MEOW_TEST_WAIT_UNTIL (meow_test_watch_done (w));
  g_assert_cmpint (meow_test_watch_last_status (w), ==, MEOW_STATUS_CANCELED);
  g_assert_cmpuint (w->complete_calls, ==, 0);
  MEOW_TEST_WAIT_UNTIL (meow_test_server_count_tus_deletes (fx->server) == 1);
  g_assert_true (meow_test_server_tus_deleted (fx->server, url));
  g_assert_false (meow_test_server_tus_exists (fx->server, url));
  held = meow_test_server_dup_tus_bytes (fx->server, url);
  meow_test_assert_bytes_prefix (held, payload);

  meow_test_spin_ms (200);
  requests = meow_test_server_count (fx->server, NULL);
  meow_test_spin_ms (400);
  g_assert_cmpuint (meow_test_server_count (fx->server, NULL), ==, requests);
  g_assert_cmpuint (count_requests_to (fx, TUS_BASE, "DELETE"), ==, 1);
}

/* ------------------------------------------------------------------ */
/* Broken servers and broken sources                                   */

static void
test_stalled (MeowTestFixture *fx, gconstpointer data)
{
  g_autoptr (GBytes) payload = meow_test_make_payload (20000, 26);
  g_autofree char *source = write_source (fx, "stall.bin", payload);
  g_autoptr (MeowTaskBuilder) b = meow_test_builder_upload_file (fx, MEOW_PATH, source);
  MeowTestUploadFaults faults = {
    0,
  };
  MeowTestWatch *w;
  guint          chunks;

  faults.stalled = TRUE;
  set_upload_faults (fx, &faults);
  meow_task_builder_set_chunk_size (b, 4096);
  w = meow_test_start_upload (fx, b);
  MEOW_TEST_WAIT_UNTIL (meow_test_watch_done (w));

  meow_test_assert_failed (w, MEOW_ERROR_STALLED, NULL, NULL);
  chunks = meow_test_server_count_upload_chunks (fx->server);
  g_test_message ("%u chunk requests before giving up", chunks);
  g_assert_cmpuint (chunks, >=, 2);
  g_assert_cmpuint (chunks, <=, 10);
  /* and then nothing */
  meow_test_spin_ms (300);
  g_assert_cmpuint (meow_test_server_count_upload_chunks (fx->server), ==, chunks);
}

typedef struct
{
  char    *path;
  gsize    keep;
  gboolean done;
} Truncator;

static void
truncate_on_progress (MeowClient *client, const MeowTransferRecord *record, gpointer user_data)
{
  Truncator *t = user_data;

  if (t->done || meow_transfer_record_get_status (record) != MEOW_STATUS_TRANSMISSION ||
      meow_transfer_record_get_transferred (record) == 0)
    return;
  g_assert_cmpint (truncate (t->path, t->keep), ==, 0);
  t->done = TRUE;
}

static void
test_source_truncated (MeowTestFixture *fx, gconstpointer data)
{
  g_autoptr (GBytes) payload = meow_test_make_payload (64 * 1024, 27);
  g_autofree char *source = write_source (fx, "shrink.bin", payload);
  g_autofree char *md5 = meow_test_md5_bytes (payload);
  g_autoptr (MeowTaskBuilder) b = meow_test_builder_upload_file (fx, MEOW_PATH, source);
  g_autoptr (GBytes) held = NULL;
  MeowTestUploadFaults faults = {
    0,
  };
  Truncator      t = { source, 20000, FALSE };
  MeowTestWatch *w;

  faults.chunk_delay_ms = 50;
  set_upload_faults (fx, &faults);
  meow_task_builder_set_chunk_size (b, 4096);
  w = meow_test_start_upload (fx, b);
  w->on_record = truncate_on_progress;
  w->on_record_data = &t;
  MEOW_TEST_WAIT_UNTIL (meow_test_watch_done (w));

  g_assert_true (t.done);
  meow_test_assert_failed (w, MEOW_ERROR_LOCAL_FILE_REMOVED, NULL, NULL);
  g_assert_false (meow_test_server_upload_completed (fx->server, md5));
  held = meow_test_server_dup_upload_bytes (fx->server, md5);
  g_assert_nonnull (held);
  /* nothing from after the cut, nothing mixed in */
  meow_test_assert_bytes_prefix (held, payload);
  g_assert_cmpuint (g_bytes_get_size (held), <, g_bytes_get_size (payload));
}

/* ------------------------------------------------------------------ */
/* Streamed requests                                                   */

/* A whole file: one request body, read from the file block by block. */
#define WHOLE_FILE G_MAXINT64

/* The source's mtime an hour back, so any write now shows in it whatever
 * the file system's timestamp granularity. */
static void
age_source (const char *path)
{
  struct timespec times[2] = { { 0, UTIME_OMIT }, { time (NULL) - 3600, 0 } };

  g_assert_cmpint (utimensat (AT_FDCWD, path, times, 0), ==, 0);
}

typedef struct
{
  guint  reads;
  guint  rewinds;
  gsize  max_read;
  gint64 next; /* reads are contiguous, or start over (libcurl rewinds the
                  body when it resends a request on a fresh connection) */
} ReadCounter;

static void
count_reads_hook (const char *path, gint64 offset, gsize length, gpointer user_data)
{
  ReadCounter *c = user_data;

  if (offset != c->next)
    {
      g_assert_cmpint (offset, <, c->next);
      c->rewinds++;
    }
  c->next = offset + (gint64) length;
  c->reads++;
  c->max_read = MAX (c->max_read, length);
}

/* The whole file in one PATCH: streamed in bounded reads, byte-identical. */
static void
test_tus_streamed_one_patch (MeowTestFixture *fx, gconstpointer data)
{
  gsize size = 8 * 1024 * 1024 + 12345;
  g_autoptr (GBytes) payload = meow_test_make_payload (size, 31);
  g_autofree char *source = write_source (fx, "big.bin", payload);
  g_autofree char *url = meow_test_server_dup_url (fx->server, TUS_BASE "u1");
  g_autoptr (MeowTaskBuilder) b = tus_builder (fx, source);
  ReadCounter    counter = { 0 };
  MeowTestWatch *w;

  _meow_upload_set_read_hook (count_reads_hook, &counter);
  meow_task_builder_set_chunk_size (b, WHOLE_FILE);
  w = meow_test_start_upload (fx, b);
  MEOW_TEST_WAIT_UNTIL (meow_test_watch_done (w));
  _meow_upload_set_read_hook (NULL, NULL);

  meow_test_assert_upload_completed (w, url, payload);
  meow_test_assert_tus_upload_equals (fx->server, url, payload);
  g_assert_cmpuint (count_requests_to (fx, TUS_BASE, "PATCH"), ==, 1);
  g_assert_cmpuint (meow_test_server_count_tus_broken_patches (fx->server), ==, 0);
  g_test_message ("%u reads (%u rewinds), the largest %" G_GSIZE_FORMAT " bytes", counter.reads,
                  counter.rewinds, counter.max_read);
  /* never the whole file in memory: libcurl's buffer at a time */
  g_assert_cmpint (counter.next, ==, size);
  g_assert_cmpuint (counter.max_read, <=, 1024 * 1024);
  g_assert_cmpuint (counter.reads, >=, size / (1024 * 1024));
}

/* The default request for tus is the rest of the file; a limit on request bodies on
 * the way (413) makes the engine send smaller ones instead of failing. */
static void
test_tus_body_limit_shrinks_requests (MeowTestFixture *fx, gconstpointer data)
{
  gsize size = 3 * 1024 * 1024 + 777;
  g_autoptr (GBytes) payload = meow_test_make_payload (size, 37);
  g_autofree char *source = write_source (fx, "limited.bin", payload);
  g_autofree char *url = meow_test_server_dup_url (fx->server, TUS_BASE "u1");
  g_autoptr (MeowTaskBuilder) b = tus_builder (fx, source);
  MeowTestUploadFaults faults = { 0 };
  g_autoptr (GPtrArray) log = NULL;
  guint          patches = 0;
  guint          refused = 0;
  MeowTestWatch *w;

  faults.tus_max_body = 1024 * 1024;
  meow_test_server_set_upload_faults (fx->server, &faults);
  w = meow_test_start_upload (fx, b); /* no chunk size: the engine's default */
  MEOW_TEST_WAIT_UNTIL (meow_test_watch_done (w));

  meow_test_assert_upload_completed (w, url, payload);
  meow_test_assert_tus_upload_equals (fx->server, url, payload);
  log = meow_test_server_dup_requests (fx->server);
  for (guint i = 0; i < log->len; i++)
    {
      MeowTestRequest *req = g_ptr_array_index (log, i);
      const char      *length = g_hash_table_lookup (req->headers, "content-length");
      gint64           bytes = length ? g_ascii_strtoll (length, NULL, 10) : -1;

      if (g_strcmp0 (req->method, "PATCH") != 0)
        continue;
      patches++;
      refused += req->status == 413;
      g_test_message ("PATCH of %" G_GINT64_FORMAT " bytes: %u", bytes, req->status);
      if (req->status != 413)
        g_assert_cmpint (bytes, <=, faults.tus_max_body);
    }
  /* The whole file first, then a quarter of it at a time: below the limit. */
  g_assert_cmpuint (refused, >=, 1);
  g_assert_cmpuint (patches - refused, >=, 4);
}

typedef enum
{
  CHANGE_MODIFY,   /* the same inode and size, other bytes */
  CHANGE_REPLACE,  /* another file renamed over the path */
  CHANGE_TRUNCATE, /* shorter */
} ChangeKind;

typedef struct
{
  const char *path;
  GBytes     *payload;
  ChangeKind  kind;
  gint64      at;        /* change during the first read at or past this offset */
  gint64      change_at; /* that read's offset, -1 until then */
  gint64      reads_after;
} SourceChanger;

/* Runs on the worker, after the read and before the check: the block just
 * read holds the old bytes, the file already the new ones. The new bytes
 * differ from the old at every position, so the server's copy shows any
 * byte read after the change. */
static void
change_source_hook (const char *path, gint64 offset, gsize length, gpointer user_data)
{
  SourceChanger     *c = user_data;
  gsize              size;
  const guint8      *old = g_bytes_get_data (c->payload, &size);
  g_autofree guint8 *inverted = NULL;
  g_autofree char   *tmp = NULL;

  g_assert_cmpstr (path, ==, c->path);
  if (c->change_at >= 0)
    {
      c->reads_after++;
      return;
    }
  if (offset < c->at)
    return;
  c->change_at = offset;

  inverted = g_malloc (size);
  for (gsize i = 0; i < size; i++)
    inverted[i] = old[i] ^ 0xff;
  switch (c->kind)
    {
    case CHANGE_MODIFY:
      {
        int fd = open (path, O_WRONLY | O_CLOEXEC);

        g_assert_cmpint (fd, >=, 0);
        g_assert_cmpint (pwrite (fd, inverted, size, 0), ==, (gssize) size);
        close (fd);
        break;
      }
    case CHANGE_REPLACE:
      tmp = g_strconcat (path, ".new", NULL);
      meow_test_write_file (tmp, (const char *) inverted, size);
      g_assert_cmpint (g_rename (tmp, path), ==, 0);
      break;
    case CHANGE_TRUNCATE:
      g_assert_cmpint (truncate (path, (off_t) (size / 4)), ==, 0);
      break;
    }
}

/* The source changes in the middle of a streamed PATCH: the upload fails
 * with 122, and the server holds exactly the bytes read before the change,
 * none from after it (the block read as the change happened is not sent
 * either). */
static void
test_tus_source_changed_mid_patch (MeowTestFixture *fx, gconstpointer data)
{
  ChangeKind kind = GPOINTER_TO_INT (data);
  g_autoptr (GBytes) payload = meow_test_make_payload (4 * 1024 * 1024, 32);
  g_autofree char *source = write_source (fx, "changing.bin", payload);
  g_autofree char *url = meow_test_server_dup_url (fx->server, TUS_BASE "u1");
  g_autoptr (MeowTaskBuilder) b = tus_builder (fx, source);
  g_autoptr (GBytes) held = NULL;
  SourceChanger            c = { source, payload, kind, 2 * 1024 * 1024, -1, 0 };
  MeowTestWatch           *w;
  static const char *const how[] = { "was modified", "was replaced", "shrank" };

  age_source (source);
  _meow_upload_set_read_hook (change_source_hook, &c);
  meow_task_builder_set_chunk_size (b, WHOLE_FILE);
  w = meow_test_start_upload (fx, b);
  MEOW_TEST_WAIT_UNTIL (meow_test_watch_done (w));
  _meow_upload_set_read_hook (NULL, NULL);

  g_assert_cmpint (c.change_at, >=, c.at);
  g_assert_cmpint (c.reads_after, ==, 0);
  meow_test_assert_failed (w, MEOW_ERROR_LOCAL_FILE_REMOVED, how[kind], NULL);
  /* the server kept what the broken-off PATCH delivered: bytes read
   * before the change (all of them, unless libcurl had to resend on a
   * fresh connection), and not one from the block read as it happened or
   * after; every byte of the new content differs from the old */
  MEOW_TEST_WAIT_UNTIL (meow_test_server_count_tus_broken_patches (fx->server) >= 1);
  held = meow_test_server_dup_tus_bytes (fx->server, url);
  g_assert_nonnull (held);
  g_test_message ("changed during the read at %" G_GINT64_FORMAT
                  "; the server holds %" G_GSIZE_FORMAT " bytes",
                  c.change_at, g_bytes_get_size (held));
  meow_test_assert_bytes_prefix (held, payload);
  g_assert_cmpuint (g_bytes_get_size (held), >, 0);
  g_assert_cmpint ((gint64) g_bytes_get_size (held), <=, c.change_at);
  g_assert_cmpuint (meow_transfer_record_get_transferred (meow_test_watch_last (w)), <=,
                    (guint64) c.change_at);
}

/* rusty-cat's protocol streams its multipart chunks the same way: a change
 * inside a chunk fails the upload, and the server stores nothing of it. */
static void
test_meow_source_changed_mid_chunk (MeowTestFixture *fx, gconstpointer data)
{
  g_autoptr (GBytes) payload = meow_test_make_payload (3 * 1024 * 1024, 33);
  g_autofree char *source = write_source (fx, "changing.bin", payload);
  g_autofree char *md5 = meow_test_md5_bytes (payload);
  g_autoptr (MeowTaskBuilder) b = meow_test_builder_upload_file (fx, MEOW_PATH, source);
  g_autoptr (GBytes) held = NULL;
  SourceChanger  c = { source, payload, CHANGE_MODIFY, 1024 * 1024 + 1, -1, 0 };
  MeowTestWatch *w;

  age_source (source);
  /* (the hash thread reads the file on its own, without the hook) */
  _meow_upload_set_read_hook (change_source_hook, &c);
  meow_task_builder_set_chunk_size (b, 2 * 1024 * 1024);
  w = meow_test_start_upload (fx, b);
  MEOW_TEST_WAIT_UNTIL (meow_test_watch_done (w));
  _meow_upload_set_read_hook (NULL, NULL);

  g_assert_cmpint (c.change_at, >=, c.at);
  g_assert_cmpint (c.change_at, <, 2 * 1024 * 1024);
  meow_test_assert_failed (w, MEOW_ERROR_LOCAL_FILE_REMOVED, "was modified", NULL);
  held = meow_test_server_dup_upload_bytes (fx->server, md5);
  g_assert_true (held == NULL || g_bytes_get_size (held) == 0);
  g_assert_false (meow_test_server_upload_completed (fx->server, md5));
}

/* PATCH requests in @log before index @end. */
static guint
count_patches_before (GPtrArray *log, guint end)
{
  guint n = 0;

  for (guint i = 0; i < end; i++)
    if (g_str_equal (((MeowTestRequest *) g_ptr_array_index (log, i))->method, "PATCH"))
      n++;
  return n;
}

/* The server drops the connection in the middle of the one PATCH: the
 * retry asks it (HEAD) and goes on from what it kept. */
static void
test_tus_interrupted_patch_resumes (MeowTestFixture *fx, gconstpointer data)
{
  g_autoptr (GBytes) payload = meow_test_make_payload (3 * 1024 * 1024, 34);
  g_autofree char *source = write_source (fx, "dropped.bin", payload);
  g_autofree char *url = meow_test_server_dup_url (fx->server, TUS_BASE "u1");
  g_autoptr (MeowTaskBuilder) b = tus_builder (fx, source);
  g_autoptr (GPtrArray) log = NULL;
  MeowTestUploadFaults faults = {
    0,
  };
  MeowTestRequest *patch;
  MeowTestWatch   *w;

  faults.tus_drop_patches = 1;
  faults.tus_drop_after = 1000000;
  set_upload_faults (fx, &faults);
  meow_task_builder_set_chunk_size (b, WHOLE_FILE);
  w = meow_test_start_upload (fx, b);
  MEOW_TEST_WAIT_UNTIL (meow_test_watch_done (w));

  meow_test_assert_upload_completed (w, url, payload);
  meow_test_assert_tus_upload_equals (fx->server, url, payload);
  g_assert_cmpuint (count_requests_to (fx, TUS_BASE, "POST"), ==, 1);
  g_assert_cmpuint (count_requests_to (fx, TUS_BASE, "HEAD"), ==, 1);
  g_assert_cmpuint (meow_test_server_count_tus_broken_patches (fx->server), ==, 1);
  /* the PATCH after the HEAD went on from what the server kept */
  log = meow_test_server_dup_requests (fx->server);
  patch = NULL;
  for (guint i = 0; i < log->len; i++)
    {
      MeowTestRequest *req = g_ptr_array_index (log, i);

      if (g_str_equal (req->method, "HEAD"))
        patch = meow_test_nth_request (log, "PATCH", count_patches_before (log, i));
    }
  g_assert_nonnull (patch);
  g_assert_cmpstr (g_hash_table_lookup (patch->headers, "upload-offset"), ==, "1000000");
}

/* Every attempt breaks off, but each one moves the server's offset: the
 * retries count per stretch without progress, so four breaks complete
 * with two retries allowed. Without progress the same retries run out. */
static void
test_tus_interrupted_patches_progress (MeowTestFixture *fx, gconstpointer data)
{
  gboolean progress = GPOINTER_TO_INT (data);
  g_autoptr (GBytes) payload = meow_test_make_payload (2 * 1024 * 1024, 35);
  g_autofree char *source = write_source (fx, "flaky.bin", payload);
  g_autofree char *url = meow_test_server_dup_url (fx->server, TUS_BASE "u1");
  g_autoptr (MeowTaskBuilder) b = tus_builder (fx, source);
  MeowTestUploadFaults faults = {
    0,
  };
  MeowTestWatch *w;

  faults.tus_drop_patches = progress ? 4 : 100;
  faults.tus_drop_after = progress ? 400 * 1024 : 0;
  set_upload_faults (fx, &faults);
  meow_task_builder_set_chunk_size (b, WHOLE_FILE);
  meow_task_builder_set_retries (b, 2);
  w = meow_test_start_upload (fx, b);
  MEOW_TEST_WAIT_UNTIL (meow_test_watch_done (w));

  if (progress)
    {
      meow_test_assert_upload_completed (w, url, payload);
      meow_test_assert_tus_upload_equals (fx->server, url, payload);
      /* every break was followed by a HEAD */
      g_assert_cmpuint (meow_test_server_count_tus_broken_patches (fx->server), ==, 4);
      g_assert_cmpuint (count_requests_to (fx, TUS_BASE, "HEAD"), >=, 4);
    }
  else
    {
      meow_test_assert_failed (w, MEOW_ERROR_HTTP_TRANSPORT, "Gave up after 3 attempts", NULL);
      g_assert_cmpuint (meow_test_server_count_tus_broken_patches (fx->server), >=, 1);
      g_assert_cmpuint (meow_test_server_count_tus_broken_patches (fx->server), <=, 3);
    }
}

/* Issue 13: eight PATCHes in a row broken off before a byte (the network's
 * failure, no progress) are more than the two retries, and do not fail an
 * upload under MEOW_RETRY_POLICY_UNLIMITED_TRANSPORT: after each, the
 * upload asks the server for its offset and goes on, on the one resource
 * it created (never a second upload of the same file). */
static void
test_tus_unlimited_transport (MeowTestFixture *fx, gconstpointer data)
{
  g_autoptr (GBytes) payload = meow_test_make_payload (512 * 1024, 1309);
  g_autofree char *source = write_source (fx, "outage.bin", payload);
  g_autofree char *url = meow_test_server_dup_url (fx->server, TUS_BASE "u1");
  g_autoptr (MeowTaskBuilder) b = tus_builder (fx, source);
  MeowTestUploadFaults faults = {
    0,
  };
  MeowTestWatch *w;

  faults.tus_drop_patches = 8;
  faults.tus_drop_after = 0;
  set_upload_faults (fx, &faults);
  meow_task_builder_set_chunk_size (b, WHOLE_FILE);
  meow_task_builder_set_retries (b, 2);
  meow_task_builder_set_retry_policy (b, MEOW_RETRY_POLICY_UNLIMITED_TRANSPORT);
  w = meow_test_start_upload (fx, b);
  MEOW_TEST_WAIT_UNTIL (meow_test_watch_done (w));

  meow_test_assert_upload_completed (w, url, payload);
  meow_test_assert_tus_upload_equals (fx->server, url, payload);
  g_assert_cmpuint (meow_test_server_count_tus_broken_patches (fx->server), ==, 8);
  g_assert_cmpuint (count_requests_to (fx, TUS_BASE, "POST"), ==, 1);
  g_assert_cmpuint (count_requests_to (fx, TUS_BASE, "HEAD"), >=, 8);
}

/* A throttled PATCH of the whole file reports progress byte by byte, and
 * a pause in its middle resumes from what the server kept. */
static void
test_tus_pause_mid_patch (MeowTestFixture *fx, gconstpointer data)
{
  gsize size = 1024 * 1024;
  g_autoptr (GBytes) payload = meow_test_make_payload (size, 36);
  g_autofree char *source = write_source (fx, "paused.bin", payload);
  g_autofree char *url = meow_test_server_dup_url (fx->server, TUS_BASE "u1");
  g_autoptr (MeowTaskBuilder) b = tus_builder (fx, source);
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) held = NULL;
  g_autoptr (GPtrArray) log = NULL;
  g_autofree char *held_text = NULL;
  MeowTestRequest *patch;
  MeowTestWatch   *w;
  guint            partial = 0;

  meow_task_builder_set_chunk_size (b, WHOLE_FILE);
  meow_task_builder_set_speed_limit (b, 1024 * 1024);
  w = meow_test_start_upload (fx, b);
  MEOW_TEST_WAIT_UNTIL (meow_test_watch_done (w) || (meow_test_watch_last (w) != NULL &&
                                                     meow_transfer_record_get_transferred (
                                                         meow_test_watch_last (w)) >= size / 4));
  g_assert_false (meow_test_watch_done (w));
  g_assert_true (meow_client_pause (fx->client, w->id, &error));
  g_assert_no_error (error);
  MEOW_TEST_WAIT_UNTIL (meow_test_watch_last_status (w) == MEOW_STATUS_PAUSED);
  MEOW_TEST_WAIT_UNTIL (meow_test_server_count_tus_broken_patches (fx->server) == 1);

  held = meow_test_server_dup_tus_bytes (fx->server, url);
  g_assert_cmpuint (g_bytes_get_size (held), >, 0);
  g_assert_cmpuint (g_bytes_get_size (held), <, size);
  meow_test_assert_bytes_prefix (held, payload);
  held_text = g_strdup_printf ("%" G_GSIZE_FORMAT, g_bytes_get_size (held));

  g_assert_true (meow_client_resume (fx->client, w->id, &error));
  g_assert_no_error (error);
  MEOW_TEST_WAIT_UNTIL (meow_test_watch_done (w));
  meow_test_assert_upload_completed (w, url, payload);
  meow_test_assert_tus_upload_equals (fx->server, url, payload);

  /* the only PATCH answered started where the server stood */
  log = meow_test_server_dup_requests (fx->server);
  g_assert_cmpuint (count_requests_to (fx, TUS_BASE, "PATCH"), ==, 1);
  patch = meow_test_nth_request (log, "PATCH", 0);
  g_assert_cmpstr (g_hash_table_lookup (patch->headers, "upload-offset"), ==, held_text);

  /* progress inside the one request, not per request */
  for (guint i = 0; i < w->records->len; i++)
    {
      guint64 t = meow_transfer_record_get_transferred (g_ptr_array_index (w->records, i));

      if (t > 0 && t < size)
        partial++;
    }
  g_test_message ("%u records with partial progress", partial);
  g_assert_cmpuint (partial, >=, 2);
}

/* ------------------------------------------------------------------ */

/* ------------------------------------------------------------------ */
/* The upload server restarts (issue 13)                               */

/* Runs @b (an upload at 1 MiB/s) until the server holds at least 400,000
 * bytes, then plays a restart of the server: down 1.5 s (connections
 * refused, the one in flight cut), then up again on the same port with
 * its store, or (@lose) without its tus resources. */
static void
upload_across_restart (MeowTestFixture *fx, MeowTaskBuilder *b, gboolean lose, MeowTestWatch **out)
{
  MeowTestWatch *w;

  meow_config_set_retry_policy (fx->config, MEOW_RETRY_POLICY_UNLIMITED_TRANSPORT);
  meow_task_builder_set_speed_limit (b, 1024 * 1024);
  w = *out = meow_test_start_upload (fx, b);
  MEOW_TEST_WAIT_UNTIL (meow_test_watch_has_progress (w) &&
                        meow_transfer_record_get_transferred (meow_test_watch_last (w)) >= 400000);
  meow_test_server_set_down (fx->server, TRUE);
  if (lose)
    meow_test_server_lose_tus_resources (fx->server);
  meow_test_spin_ms (1500);
  g_assert_false (meow_test_watch_done (w));
  meow_test_server_set_down (fx->server, FALSE);
  MEOW_TEST_WAIT_UNTIL (meow_test_watch_done (w));
}

/* tus: after the restart the upload asks the server's offset (HEAD) and
 * goes on from it on the same resource: one POST, byte-identical. */
static void
test_tus_server_restart (MeowTestFixture *fx, gconstpointer data)
{
  g_autoptr (GBytes) payload = meow_test_make_payload (2 * 1024 * 1024, 36);
  g_autofree char *source = write_source (fx, "restart.bin", payload);
  g_autofree char *url = meow_test_server_dup_url (fx->server, TUS_BASE "u1");
  g_autoptr (MeowTaskBuilder) b = tus_builder (fx, source);
  MeowTestWatch *w = NULL;

  meow_task_builder_set_chunk_size (b, WHOLE_FILE);
  upload_across_restart (fx, b, FALSE, &w);
  if (!meow_test_watch_done (w))
    return; /* timed out, failed already */

  meow_test_assert_upload_completed (w, url, payload);
  meow_test_assert_tus_upload_equals (fx->server, url, payload);
  g_assert_cmpuint (meow_test_server_count_tus_resources (fx->server), ==, 1);
  g_assert_cmpuint (count_requests_to (fx, TUS_BASE, "POST"), ==, 1);
  g_assert_cmpuint (count_requests_to (fx, TUS_BASE, "HEAD"), >=, 1);
  g_assert_cmpuint (count_requests_to (fx, TUS_BASE, "DELETE"), ==, 0);
}

/* tus: the server came back without our upload (404 to the HEAD): the
 * task fails with UPLOAD_LOST (137) and a clear message; no second POST. */
static void
test_tus_upload_lost (MeowTestFixture *fx, gconstpointer data)
{
  g_autoptr (GBytes) payload = meow_test_make_payload (2 * 1024 * 1024, 37);
  g_autofree char *source = write_source (fx, "lost.bin", payload);
  g_autofree char *url = meow_test_server_dup_url (fx->server, TUS_BASE "u1");
  g_autoptr (MeowTaskBuilder) b = tus_builder (fx, source);
  const GError  *error;
  MeowTestWatch *w = NULL;

  meow_task_builder_set_chunk_size (b, WHOLE_FILE);
  upload_across_restart (fx, b, TRUE, &w);
  if (!meow_test_watch_done (w))
    return; /* timed out, failed already */

  meow_test_assert_failed (w, MEOW_ERROR_UPLOAD_LOST, "no longer has the upload", url);
  error = meow_transfer_record_get_error (meow_test_watch_last (w));
  g_assert_cmpint (error->code, ==, 137);
  g_assert_nonnull (strstr (error->message, "404 Not Found"));
  g_assert_cmpuint (count_requests_to (fx, TUS_BASE, "POST"), ==, 1);
  g_assert_cmpuint (meow_test_server_count_tus_resources (fx->server), ==, 1);
  g_assert_cmpuint (count_requests_to (fx, TUS_BASE, "DELETE"), ==, 0);
}

/* rusty-cat's protocol: after the restart it prepares again and goes on
 * from the server's nextByte; the server's MD5 check passes. */
static void
test_meow_server_restart (MeowTestFixture *fx, gconstpointer data)
{
  g_autoptr (GBytes) payload = meow_test_make_payload (2 * 1024 * 1024, 38);
  g_autofree char *source = write_source (fx, "restart.bin", payload);
  g_autofree char *file_id = file_id_for (payload);
  g_autofree char *md5 = meow_test_md5_bytes (payload);
  g_autoptr (MeowTaskBuilder) b = meow_test_builder_upload_file (fx, MEOW_PATH, source);
  MeowTestWatch *w = NULL;

  meow_task_builder_set_chunk_size (b, 64 * 1024);
  upload_across_restart (fx, b, FALSE, &w);
  if (!meow_test_watch_done (w))
    return; /* timed out, failed already */

  meow_test_assert_upload_completed (w, file_id, payload);
  meow_test_assert_server_upload_equals (fx->server, payload);
  g_assert_true (meow_test_server_upload_md5_ok (fx->server, md5));
  g_assert_cmpuint (meow_test_server_count_upload_prepares (fx->server), >=, 2);
}

#define ADD(path, fn)                                                                              \
  g_test_add (path, MeowTestFixture, NULL, upload_setup, fn, meow_test_fixture_teardown)

int
main (int argc, char **argv)
{
  /* SoupSession asks for the default proxy resolver at construction; the
   * GNOME one needs GSettings schemas the isolated environment lacks. */
  g_setenv ("GIO_USE_PROXY_RESOLVER", "dummy", TRUE);
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  ADD ("/core/upload/server/meow-wire", test_server_meow_wire);
  ADD ("/core/upload/server/tus-wire", test_server_tus_wire);

  ADD ("/core/upload/meow/file-byte-identical", test_meow_file);
  ADD ("/core/upload/login/tus", test_tus_sign_in);
  ADD ("/core/upload/login/meow", test_meow_sign_in);
  ADD ("/core/upload/tus/unlimited-transport", test_tus_unlimited_transport);
  ADD ("/core/upload/meow/bytes-byte-identical", test_meow_bytes);
  ADD ("/core/upload/meow/one-chunk", test_meow_one_chunk);
  ADD ("/core/upload/meow/prepare-500-no-retries", test_meow_prepare_500);
  ADD ("/core/upload/meow/prepare-not-json", test_meow_prepare_not_json);
  ADD ("/core/upload/meow/prepare-file-id", test_meow_prepare_file_id);
  ADD ("/core/upload/meow/retry-second-post", test_meow_retry_second_post);
  ADD ("/core/upload/meow/resume-from-server-offset", test_meow_resume_server_offset);

  ADD ("/core/upload/concurrency/uploads-and-downloads", test_concurrency);
  ADD ("/core/upload/duplicates/same-file-same-url", test_duplicate);
  ADD ("/core/upload/duplicates/same-content-other-file", test_duplicate_content);
  ADD ("/core/upload/hashing/records-come-first", test_hashing_phase);
  ADD ("/core/upload/speed-limit/across-chunks", test_speed_limit);
  ADD ("/core/upload/headers/every-request", test_headers);

  ADD ("/core/upload/pause-resume/continues-from-server-offset", test_pause_resume);
  ADD ("/core/upload/cancel/running", test_cancel);

  ADD ("/core/upload/tus/byte-identical", test_tus_file);
  ADD ("/core/upload/tus/zero-bytes", test_tus_zero_bytes);
  ADD ("/core/upload/tus/duplicate-content", test_tus_duplicate_content);
  ADD ("/core/upload/tus/no-hash-alone", test_tus_no_hash_alone);
  ADD ("/core/upload/tus/conflict-rereads-offset", test_tus_conflict);
  ADD ("/core/upload/tus/resume-upload-url", test_tus_resume_upload_url);
  ADD ("/core/upload/tus/cancel-deletes", test_tus_cancel_deletes);
  ADD ("/core/upload/tus/server-restart-continues", test_tus_server_restart);
  ADD ("/core/upload/tus/lost-after-restart", test_tus_upload_lost);
  ADD ("/core/upload/meow/server-restart-continues", test_meow_server_restart);

  ADD ("/core/upload/tus/streamed/one-patch-byte-identical", test_tus_streamed_one_patch);
  ADD ("/core/upload/tus/body-limit-shrinks-requests", test_tus_body_limit_shrinks_requests);
  g_test_add ("/core/upload/tus/streamed/source-modified-mid-patch", MeowTestFixture,
              GINT_TO_POINTER (CHANGE_MODIFY), upload_setup, test_tus_source_changed_mid_patch,
              meow_test_fixture_teardown);
  g_test_add ("/core/upload/tus/streamed/source-replaced-mid-patch", MeowTestFixture,
              GINT_TO_POINTER (CHANGE_REPLACE), upload_setup, test_tus_source_changed_mid_patch,
              meow_test_fixture_teardown);
  g_test_add ("/core/upload/tus/streamed/source-truncated-mid-patch", MeowTestFixture,
              GINT_TO_POINTER (CHANGE_TRUNCATE), upload_setup, test_tus_source_changed_mid_patch,
              meow_test_fixture_teardown);
  ADD ("/core/upload/tus/streamed/interrupted-resumes-from-server-offset",
       test_tus_interrupted_patch_resumes);
  g_test_add ("/core/upload/tus/streamed/interruptions-with-progress-keep-going", MeowTestFixture,
              GINT_TO_POINTER (TRUE), upload_setup, test_tus_interrupted_patches_progress,
              meow_test_fixture_teardown);
  g_test_add ("/core/upload/tus/streamed/interruptions-without-progress-give-up", MeowTestFixture,
              GINT_TO_POINTER (FALSE), upload_setup, test_tus_interrupted_patches_progress,
              meow_test_fixture_teardown);
  ADD ("/core/upload/tus/streamed/pause-mid-patch", test_tus_pause_mid_patch);
  ADD ("/core/upload/meow/source-modified-mid-chunk", test_meow_source_changed_mid_chunk);

  ADD ("/core/upload/stalled/fails", test_stalled);
  ADD ("/core/upload/source/truncated-mid-upload", test_source_truncated);

  return g_test_run ();
}
