/* test-request-hook.c: meow_task_builder_set_request_hook() and the
 * public request/response/state types of meow-upload-protocol.h
 *
 * The test server refuses (403) every request, uploads included, whose
 * X-Meow-Signature is not an HMAC-SHA256 of "METHOD PATH?QUERY": a task
 * signs its requests in the hook, so a segmented download, a tus upload
 * and a rusty-cat upload complete only when every single request (each
 * segment's GET, every PATCH and chunk POST) went through the hook.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "meow-test-fixture.h"
#include "meow-test-upload.h"
#include "meow.h"

#define SIGN_HEADER "X-Meow-Signature"
#define KEY "not-a-real-key"

static char *
sign (const char *method, const char *path_and_query)
{
  g_autofree char *text = g_strdup_printf ("%s %s", method, path_and_query);

  return g_compute_hmac_for_string (G_CHECKSUM_SHA256, (const guchar *) KEY, strlen (KEY), text,
                                    -1);
}

static char *
server_sign (const char *method, const char *path_and_query, gpointer data)
{
  return sign (method, path_and_query);
}

typedef struct
{
  gint calls;    /* atomic: hook calls */
  gint destroys; /* atomic */
} HookData;

/* The hook: signs from the request's own method and URL (as an app would:
 * no knowledge of the server) and replaces the task's X-Token. */
static void
sign_hook (MeowRequest *request, gpointer user_data)
{
  HookData *hook = user_data;
  g_autoptr (GUri) uri = g_uri_parse (meow_request_get_url (request), G_URI_FLAGS_ENCODED, NULL);
  g_autofree char *target = NULL;
  g_autofree char *signature = NULL;

  g_assert_nonnull (uri);
  target = g_uri_get_query (uri)
               ? g_strconcat (g_uri_get_path (uri), "?", g_uri_get_query (uri), NULL)
               : g_strdup (g_uri_get_path (uri));
  signature = sign (meow_request_get_method (request), target);
  meow_request_set_header (request, SIGN_HEADER, signature);
  if (meow_request_get_header (request, "X-Token") != NULL)
    meow_request_set_header (request, "x-token", "from-hook");
  g_atomic_int_inc (&hook->calls);
}

static void
hook_destroy (gpointer user_data)
{
  HookData *hook = user_data;

  g_atomic_int_inc (&hook->destroys);
}

static void
hook_setup (MeowTestFixture *fx, gconstpointer data)
{
  meow_test_fixture_setup (fx, data);
  meow_config_set_min_segment_size (fx->config, 256 * 1024);
  meow_config_set_retry_max_delay_ms (fx->config, 50);
  meow_test_server_add_upload_endpoint (fx->server, "/upload");
  meow_test_server_add_tus_endpoint (fx->server, "/files/");
  meow_test_server_require_signature (fx->server, SIGN_HEADER, server_sign, NULL);
}

/* Every logged request carries the right signature (the server checked it
 * too; this says the log saw what the hook set). Returns how many. */
static guint
assert_all_signed (MeowTestFixture *fx)
{
  g_autoptr (GPtrArray) log = meow_test_server_dup_requests (fx->server);

  for (guint i = 0; i < log->len; i++)
    {
      MeowTestRequest *r = g_ptr_array_index (log, i);
      g_autofree char *expected = sign (r->method, r->path);

      g_assert_cmpstr (g_hash_table_lookup (r->headers, "x-meow-signature"), ==, expected);
    }
  g_assert_cmpuint (meow_test_server_count_unsigned (fx->server), ==, 0);
  return log->len;
}

static void
test_download_segments_signed (MeowTestFixture *fx, gconstpointer data)
{
  g_autoptr (GBytes) payload = meow_test_make_payload (2 * 1024 * 1024 + 77, 41);
  g_autofree char *target = meow_test_fixture_path (fx, "signed.bin");
  g_autoptr (GPtrArray) log = NULL;
  HookData       hook = { 0 };
  MeowTestWatch *w;
  guint          ranged = 0;
  MeowTestFaults faults = { 0 };

  meow_test_server_set_file (fx->server, "/signed.bin", payload);
  faults.throttle_bytes_per_sec = 1024 * 1024;
  meow_test_server_set_faults (fx->server, &faults);
  {
    g_autoptr (MeowTaskBuilder) b = meow_test_builder_to_file (fx, "/signed.bin", target);

    meow_task_builder_set_segments (b, 4);
    meow_task_builder_add_header (b, "X-Token", "from-task");
    meow_task_builder_set_request_hook (b, sign_hook, &hook, hook_destroy);
    w = meow_test_start_download (fx, b);
  }
  MEOW_TEST_WAIT_UNTIL (meow_test_watch_done (w));

  meow_test_assert_completed (w, target, payload);
  g_assert_cmpuint (assert_all_signed (fx), >=, 4);
  log = meow_test_server_dup_requests (fx->server);
  for (guint i = 0; i < log->len; i++)
    {
      MeowTestRequest *r = g_ptr_array_index (log, i);

      /* replaced, not added: one value */
      g_assert_cmpstr (g_hash_table_lookup (r->headers, "x-token"), ==, "from-hook");
      if (r->range != NULL && !g_str_has_suffix (r->range, "-"))
        ranged++;
    }
  /* the segments' own GETs went through the hook too */
  g_assert_cmpuint (ranged, >=, 3);
  g_assert_cmpint (g_atomic_int_get (&hook.calls), >=, (gint) log->len);
  /* @hook lives on this stack: the worker frees the task (and runs the destroy) just
   * after its last record, so wait for that before returning. */
  MEOW_TEST_WAIT_UNTIL (g_atomic_int_get (&hook.destroys) == 1);
}

/* Without the hook the same server refuses: the signature is what passes. */
static void
test_download_unsigned_refused (MeowTestFixture *fx, gconstpointer data)
{
  g_autoptr (GBytes) payload = meow_test_make_payload (4096, 42);
  g_autofree char *target = meow_test_fixture_path (fx, "plain.bin");
  g_autoptr (MeowTaskBuilder) b = NULL;
  MeowTestWatch *w;

  meow_test_server_set_file (fx->server, "/plain.bin", payload);
  b = meow_test_builder_to_file (fx, "/plain.bin", target);
  w = meow_test_start_download (fx, b);
  MEOW_TEST_WAIT_UNTIL (meow_test_watch_done (w));

  meow_test_assert_failed (w, MEOW_ERROR_RESPONSE_STATUS, "403", NULL);
  g_assert_cmpuint (meow_test_server_count_unsigned (fx->server), >=, 1);
}

static void
test_upload_signed (MeowTestFixture *fx, gconstpointer data)
{
  gboolean tus = GPOINTER_TO_INT (data);
  g_autoptr (GBytes) payload = meow_test_make_payload (40 * 1024 + 3, 43);
  g_autofree char *source = meow_test_fixture_path (fx, "up.bin");
  HookData         hook = { 0 };
  MeowTestWatch   *w;
  guint            requests;

  meow_test_write_file (source, g_bytes_get_data (payload, NULL), g_bytes_get_size (payload));
  {
    g_autoptr (MeowTaskBuilder) b =
        meow_test_builder_upload_file (fx, tus ? "/files/" : "/upload", source);

    if (tus)
      meow_task_builder_set_upload_protocol (b, MEOW_UPLOAD_PROTOCOL_TUS);
    meow_task_builder_set_chunk_size (b, 8192);
    meow_task_builder_set_request_hook (b, sign_hook, &hook, hook_destroy);
    w = meow_test_start_upload (fx, b);
  }
  MEOW_TEST_WAIT_UNTIL (meow_test_watch_done (w));

  g_assert_cmpint (meow_test_watch_last_status (w), ==, MEOW_STATUS_COMPLETE);
  if (tus)
    meow_test_assert_tus_upload_equals (
        fx->server, meow_transfer_record_get_payload (meow_test_watch_last (w)), payload);
  else
    meow_test_assert_server_upload_equals (fx->server, payload);
  requests = assert_all_signed (fx);
  /* a prepare (tus: POST) and six chunks of 8 KiB at least */
  g_assert_cmpuint (requests, >=, 1 + 6);
  g_assert_cmpint (g_atomic_int_get (&hook.calls), >=, (gint) requests);
  /* As above: the destroy comes from the worker after the last record. */
  MEOW_TEST_WAIT_UNTIL (g_atomic_int_get (&hook.destroys) == 1);
}

/* The data's destroy runs once, when the builder and every task (the
 * client's copy included) are gone. */
static void
test_hook_destroy_once (MeowTestFixture *fx, gconstpointer data)
{
  HookData hook = { 0 };
  g_autoptr (GError) error = NULL;
  MeowTaskBuilder *b = meow_task_builder_new_download ("http://127.0.0.1:9/x");
  MeowTaskBuilder *copy;
  MeowTask        *task;

  meow_task_builder_set_request_hook (b, sign_hook, &hook, hook_destroy);
  copy = meow_task_builder_copy (b);
  task = meow_task_builder_build (b, &error);
  g_assert_no_error (error);
  meow_task_builder_free (b);
  meow_task_builder_free (copy);
  g_assert_cmpint (hook.destroys, ==, 0);
  meow_task_unref (task);
  g_assert_cmpint (hook.destroys, ==, 1);

  /* Replaced and cleared: each data destroyed once. */
  b = meow_task_builder_new_download ("http://127.0.0.1:9/x");
  meow_task_builder_set_request_hook (b, sign_hook, &hook, hook_destroy);
  meow_task_builder_set_request_hook (b, NULL, NULL, NULL);
  g_assert_cmpint (hook.destroys, ==, 2);
  meow_task_builder_free (b);
  g_assert_cmpint (hook.destroys, ==, 2);
  g_assert_cmpint (hook.calls, ==, 0);
}

/* MeowRequest's headers: replace any case, remove, read back; copy is deep. */
static void
test_request_headers (void)
{
  g_autoptr (MeowRequest) r = meow_request_new ("PUT", "http://127.0.0.1/a?part=1");
  g_autoptr (MeowRequest) copy = NULL;
  g_autoptr (MeowResponse) response = NULL;
  g_autoptr (GBytes) body = g_bytes_new_static ("ok", 2);

  g_assert_cmpstr (meow_request_get_method (r), ==, "PUT");
  g_assert_cmpstr (meow_request_get_url (r), ==, "http://127.0.0.1/a?part=1");
  g_assert_cmpint (meow_request_get_body_length (r), ==, -1);
  g_assert_null (meow_request_get_header (r, "X-A"));
  meow_request_set_header (r, "X-A", "1");
  meow_request_set_header (r, "x-a", "2");
  g_assert_cmpstr (meow_request_get_header (r, "X-a"), ==, "2");
  /* a name that only starts like another is another */
  meow_request_set_header (r, "X-AB", "3");
  g_assert_cmpstr (meow_request_get_header (r, "X-A"), ==, "2");
  meow_request_set_body_range (r, 10, 20);
  copy = meow_request_copy (r);
  meow_request_set_header (r, "X-A", NULL);
  g_assert_null (meow_request_get_header (r, "X-A"));
  g_assert_cmpstr (meow_request_get_header (copy, "X-A"), ==, "2");
  g_assert_cmpstr (meow_request_get_header (copy, "X-AB"), ==, "3");
  g_assert_cmpint (meow_request_get_body_offset (copy), ==, 10);
  g_assert_cmpint (meow_request_get_body_length (copy), ==, 20);

  response = meow_response_new (201, body);
  meow_response_set_header (response, "ETag", "\"p1\"");
  g_assert_cmpuint (meow_response_get_status (response), ==, 201);
  g_assert_cmpstr (meow_response_get_header (response, "etag"), ==, "\"p1\"");
  g_assert_true (meow_response_get_body (response) == body);
}

/* The built-in protocols through the public interface: tus's prepare is
 * its creation POST, its resume data its Location; rusty-cat's needs the
 * MD5, tus's does not. */
static void
test_builtin_through_interface (void)
{
  g_autoptr (MeowUploadProtocol) tus = meow_upload_protocol_new_tus ();
  g_autoptr (MeowUploadProtocol) meow = meow_upload_protocol_new_meow ();
  g_autoptr (MeowUploadState) state = meow_upload_state_new ("http://127.0.0.1/files/", 10, 4);
  g_autoptr (MeowRequest) prepare = NULL;
  g_autoptr (MeowResponse) created = meow_response_new (201, NULL);
  g_autoptr (GError) error = NULL;
  MeowUploadNext next = MEOW_UPLOAD_NEXT_PREPARE;

  g_assert_true (meow_upload_protocol_needs_file_md5 (meow));
  g_assert_false (meow_upload_protocol_needs_file_md5 (tus));
  g_assert_null (meow_upload_protocol_complete (tus, state));

  prepare = meow_upload_protocol_prepare (tus, state);
  g_assert_cmpstr (meow_request_get_method (prepare), ==, "POST");
  g_assert_cmpstr (meow_request_get_header (prepare, "Upload-Length"), ==, "10");
  meow_response_set_header (created, "Location", "/files/abc");
  g_assert_true (meow_upload_protocol_parse_prepare (tus, state, created, &next, &error));
  g_assert_no_error (error);
  g_assert_cmpint (next, ==, MEOW_UPLOAD_NEXT_CHUNK);
  g_assert_cmpstr (meow_upload_state_get_resume_data (state), ==, "http://127.0.0.1/files/abc");
  g_assert_cmpint (meow_upload_state_get_offset (state), ==, 0);
  g_assert_false (meow_upload_state_is_complete (state));
}

/* A protocol that breaks its contract: no chunk request, a parse_prepare
 * that fails without saying why, or a chunk request for other bytes. */
typedef enum
{
  BROKEN_NO_REQUEST,
  BROKEN_SILENT,
  BROKEN_RANGE,
} BrokenMode;

#define TEST_TYPE_BROKEN (test_broken_get_type ())
G_DECLARE_FINAL_TYPE (TestBroken, test_broken, TEST, BROKEN, GObject)

struct _TestBroken
{
  GObject    parent_instance;
  BrokenMode mode;
};

static MeowRequest *
broken_prepare (MeowUploadProtocol *self, MeowUploadState *state)
{
  return meow_request_new ("POST", meow_upload_state_get_url (state));
}

static gboolean
broken_parse_prepare (MeowUploadProtocol *self,
                      MeowUploadState    *state,
                      const MeowResponse *response,
                      MeowUploadNext     *next,
                      GError            **error)
{
  *next = MEOW_UPLOAD_NEXT_CHUNK;
  return TEST_BROKEN (self)->mode != BROKEN_SILENT;
}

static MeowRequest *
broken_next_chunk (MeowUploadProtocol *self, MeowUploadState *state, gint64 length)
{
  MeowRequest *request;

  if (TEST_BROKEN (self)->mode == BROKEN_NO_REQUEST)
    return NULL;
  request = meow_request_new ("PUT", meow_upload_state_get_url (state));
  meow_request_set_body_range (request, meow_upload_state_get_offset (state) + 1, length);
  return request;
}

static void
broken_iface_init (MeowUploadProtocolInterface *iface)
{
  iface->prepare = broken_prepare;
  iface->parse_prepare = broken_parse_prepare;
  iface->next_chunk = broken_next_chunk;
  /* no parse_chunk at all */
}

G_DEFINE_FINAL_TYPE_WITH_CODE (TestBroken,
                               test_broken,
                               G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (MEOW_TYPE_UPLOAD_PROTOCOL, broken_iface_init))

static void
test_broken_class_init (TestBrokenClass *klass)
{
}

static void
test_broken_init (TestBroken *self)
{
}

/* A broken protocol fails the upload with UPLOAD_PROTOCOL (142) naming it;
 * nothing crashes. */
static void
test_broken_protocol (MeowTestFixture *fx, gconstpointer data)
{
  BrokenMode  mode = GPOINTER_TO_INT (data);
  const char *why[] = { "no request", "parse_prepare", "other bytes" };
  g_autoptr (GBytes) payload = meow_test_make_payload (1000, 44);
  g_autoptr (TestBroken) protocol = g_object_new (TEST_TYPE_BROKEN, NULL);
  g_autofree char *url = meow_test_server_dup_url (fx->server, "/upload");
  g_autoptr (MeowTaskBuilder) b = meow_task_builder_new_upload_bytes (url, payload, "b.bin");
  HookData       hook = { 0 };
  MeowTestWatch *w;

  protocol->mode = mode;
  meow_task_builder_set_upload_protocol_impl (b, MEOW_UPLOAD_PROTOCOL (protocol));
  meow_task_builder_set_request_hook (b, sign_hook, &hook, NULL);
  w = meow_test_start_upload (fx, b);
  MEOW_TEST_WAIT_UNTIL (meow_test_watch_done (w));

  meow_test_assert_failed (w, MEOW_ERROR_UPLOAD_PROTOCOL, "TestBroken", why[mode]);
  g_assert_cmpint (MEOW_ERROR_UPLOAD_PROTOCOL, ==, 142);
}

#define ADD(path, fn, data)                                                                        \
  g_test_add (path, MeowTestFixture, data, hook_setup, fn, meow_test_fixture_teardown)

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  ADD ("/core/request-hook/download-segments-signed", test_download_segments_signed, NULL);
  ADD ("/core/request-hook/download-unsigned-refused", test_download_unsigned_refused, NULL);
  ADD ("/core/request-hook/upload-meow-signed", test_upload_signed, GINT_TO_POINTER (FALSE));
  ADD ("/core/request-hook/upload-tus-signed", test_upload_signed, GINT_TO_POINTER (TRUE));
  ADD ("/core/request-hook/destroy-once", test_hook_destroy_once, NULL);
  ADD ("/core/request-hook/broken-protocol-no-request", test_broken_protocol,
       GINT_TO_POINTER (BROKEN_NO_REQUEST));
  ADD ("/core/request-hook/broken-protocol-silent-failure", test_broken_protocol,
       GINT_TO_POINTER (BROKEN_SILENT));
  ADD ("/core/request-hook/broken-protocol-other-bytes", test_broken_protocol,
       GINT_TO_POINTER (BROKEN_RANGE));
  g_test_add_func ("/core/request-hook/request-headers", test_request_headers);
  g_test_add_func ("/core/request-hook/builtin-through-interface", test_builtin_through_interface);

  return g_test_run ();
}
