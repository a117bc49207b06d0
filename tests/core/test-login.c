/* test-login.c: a server's 401 pauses a download for a login
 *
 * The WWW-Authenticate parser on its own, then downloads against the test
 * server behind libsoup's Basic and Digest auth domains: a 401 pauses the
 * task ("Sign in required", MEOW_ERROR_AUTH_REQUIRED with the realm and
 * scheme), a refused login asks again, the right one completes the exact
 * bytes, and the password is in no record.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <string.h>

#include "meow-http-private.h"
#include "meow-test-fixture.h"
#include "meow.h"

#define REALM "Meow Files"
#define USER "alice"
#define PASSWORD "s3cret-Pw"

static void
test_parse_challenge (void)
{
  static const struct
  {
    const char *value;
    const char *scheme;
    const char *realm;
  } cases[] = {
    { "Basic realm=\"Meow Files\"", "Basic", "Meow Files" },
    { "basic REALM=files", "Basic", "files" },
    { "Basic realm=\"a \\\"quoted\\\" one\", charset=\"UTF-8\"", "Basic", "a \"quoted\" one" },
    { "Digest realm=\"d\", qop=\"auth,auth-int\", nonce=\"abc==\", algorithm=MD5", "Digest", "d" },
    /* several challenges: Digest before Basic before Negotiate */
    { "Negotiate, Basic realm=\"b\"", "Basic", "b" },
    { "Basic realm=\"b\", Digest realm=\"d\", nonce=\"x\"", "Digest", "d" },
    { "Negotiate abc/+x==, Basic realm=b", "Basic", "b" },
    { "Negotiate", "Negotiate", NULL },
    { "Bearer realm=\"api\", error=\"invalid_token\"", "Bearer", "api" },
    { "  ,, Basic   realm = \"spaced\"", "Basic", "spaced" },
    /* an unterminated quote ends with the value */
    { "Basic realm=\"open", "Basic", "open" },
    /* control characters never reach a message */
    { "Basic realm=\"a\tb\"", "Basic",
      "a\xef\xbf\xbd"
      "b" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *scheme = NULL;
      g_autofree char *realm = NULL;

      g_test_message ("%s", cases[i].value);
      g_assert_true (_meow_parse_www_authenticate (cases[i].value, &scheme, &realm));
      g_assert_cmpstr (scheme, ==, cases[i].scheme);
      g_assert_cmpstr (realm, ==, cases[i].realm);
    }

  {
    static const char *const none[] = { "", "   ", ",,,", "=\"x\"", "\x01\x02" };

    for (gsize i = 0; i < G_N_ELEMENTS (none); i++)
      {
        char *scheme = (char *) "unset";
        char *realm = (char *) "unset";

        g_assert_false (_meow_parse_www_authenticate (none[i], &scheme, &realm));
        g_assert_null (scheme);
        g_assert_null (realm);
      }
  }
}

static const MeowTransferRecord *
last_record (MeowTestWatch *w)
{
  g_assert_cmpuint (w->records->len, >, 0);
  return g_ptr_array_index (w->records, w->records->len - 1);
}

/* No record of @w holds @secret. */
static void
assert_no_secret_in_records (MeowTestWatch *w, const char *secret)
{
  for (guint i = 0; i < w->records->len; i++)
    {
      const MeowTransferRecord *r = g_ptr_array_index (w->records, i);
      const GError             *e = meow_transfer_record_get_error (r);

      if (e != NULL)
        g_assert_null (strstr (e->message, secret));
      g_assert_true (meow_transfer_record_get_url (r) == NULL ||
                     strstr (meow_transfer_record_get_url (r), secret) == NULL);
      g_assert_true (meow_transfer_record_get_wait_detail (r) == NULL ||
                     strstr (meow_transfer_record_get_wait_detail (r), secret) == NULL);
    }
}

static void
assert_sign_in (MeowTestWatch *w, const char *scheme, const char *needle)
{
  const MeowTransferRecord *r = last_record (w);
  const GError             *e = meow_transfer_record_get_error (r);

  g_assert_cmpint (meow_transfer_record_get_status (r), ==, MEOW_STATUS_PAUSED);
  g_assert_cmpint (meow_transfer_record_get_wait_reason (r), ==, MEOW_WAIT_SIGN_IN);
  g_assert_error (e, MEOW_ERROR, MEOW_ERROR_AUTH_REQUIRED);
  g_assert_cmpint (MEOW_ERROR_AUTH_REQUIRED, ==, 139);
  g_assert_nonnull (strstr (e->message, REALM));
  g_assert_nonnull (strstr (e->message, needle));
  g_assert_cmpstr (meow_transfer_record_get_auth_scheme (r), ==, scheme);
  g_assert_cmpstr (meow_transfer_record_get_auth_realm (r), ==, REALM);
  g_assert_false (meow_test_watch_done (w));
}

/* No login: paused, asked for one; a wrong one: asked again, once, and
 * nothing more goes to the server meanwhile; the right one: the bytes. */
static void
test_sign_in (MeowTestFixture *fx, gconstpointer data)
{
  gboolean    digest = GPOINTER_TO_INT (data);
  const char *scheme = digest ? "Digest" : "Basic";
  g_autoptr (GBytes) payload = meow_test_make_payload (300 * 1024, 14);
  g_autofree char *target = meow_test_fixture_path (fx, "secret.bin");
  g_autoptr (MeowTaskBuilder) b = NULL;
  g_autoptr (GError) error = NULL;
  MeowClient    *client;
  MeowTestWatch *w;
  guint          requests;

  meow_test_server_set_file (fx->server, "/secret.bin", payload);
  meow_test_server_require_login (fx->server, digest, REALM, USER, PASSWORD);
  b = meow_test_builder_to_file (fx, "/secret.bin", target);
  w = meow_test_start_download (fx, b);
  client = meow_test_fixture_client (fx);

  MEOW_TEST_WAIT_UNTIL (meow_test_watch_count_sign_in (w, MEOW_WAIT_SIGN_IN) == 1);
  assert_sign_in (w, scheme, "requires a login");
  /* Paused: it waits for the user, it does not retry. (The server counts
   * a 401 once it wrote it, which may be after the client read it.) */
  meow_test_spin_ms (200);
  requests = meow_test_server_count_refused (fx->server);
  g_assert_cmpuint (requests, >=, 1);
  meow_test_spin_ms (300);
  g_assert_cmpuint (meow_test_server_count_refused (fx->server), ==, requests);
  g_assert_cmpuint (meow_test_server_count (fx->server, NULL), ==, 0);
  g_assert_cmpuint (meow_test_watch_count_sign_in (w, MEOW_WAIT_SIGN_IN), ==, 1);

  g_assert_true (meow_client_set_credentials (client, w->id, USER, "wrong", &error));
  g_assert_no_error (error);
  g_assert_true (meow_client_resume (client, w->id, &error));
  g_assert_no_error (error);
  MEOW_TEST_WAIT_UNTIL (meow_test_watch_count_sign_in (w, MEOW_WAIT_SIGN_IN) == 2);
  assert_sign_in (w, scheme, "refused the login of “" USER "”");
  /* The wrong login was tried (a 401 more), and not again. */
  meow_test_spin_ms (200);
  g_assert_cmpuint (meow_test_server_count_refused (fx->server), >, requests);
  requests = meow_test_server_count_refused (fx->server);
  meow_test_spin_ms (300);
  g_assert_cmpuint (meow_test_server_count_refused (fx->server), ==, requests);
  g_assert_cmpuint (meow_test_server_count (fx->server, NULL), ==, 0);

  g_assert_true (meow_client_set_credentials (client, w->id, USER, PASSWORD, &error));
  g_assert_true (meow_client_resume (client, w->id, &error));
  g_assert_no_error (error);
  MEOW_TEST_WAIT_UNTIL (meow_test_watch_done (w));

  meow_test_assert_completed (w, target, payload);
  g_assert_cmpuint (meow_test_watch_count_sign_in (w, MEOW_WAIT_SIGN_IN), ==, 2);
  assert_no_secret_in_records (w, PASSWORD);
  assert_no_secret_in_records (w, "wrong");
}

/* A login given with the task answers the first 401: no pause. */
static void
test_builder_credentials (MeowTestFixture *fx, gconstpointer data)
{
  gboolean digest = GPOINTER_TO_INT (data);
  g_autoptr (GBytes) payload = meow_test_make_payload (50 * 1024, 15);
  g_autofree char *target = meow_test_fixture_path (fx, "given.bin");
  g_autoptr (MeowTaskBuilder) b = NULL;
  MeowTestWatch *w;

  meow_test_server_set_file (fx->server, "/given.bin", payload);
  meow_test_server_require_login (fx->server, digest, REALM, USER, PASSWORD);
  b = meow_test_builder_to_file (fx, "/given.bin", target);
  meow_task_builder_set_credentials (b, USER, PASSWORD);
  w = meow_test_start_download (fx, b);
  MEOW_TEST_WAIT_UNTIL (meow_test_watch_done (w));

  meow_test_assert_completed (w, target, payload);
  g_assert_cmpuint (meow_test_watch_count_sign_in (w, MEOW_WAIT_SIGN_IN), ==, 0);
  assert_no_secret_in_records (w, PASSWORD);
}

/* A paused task for a login can be canceled like any paused one, and
 * set_credentials() refuses a task the client does not have. */
static void
test_sign_in_cancel (MeowTestFixture *fx, gconstpointer data)
{
  g_autoptr (GBytes) payload = meow_test_make_payload (1000, 16);
  g_autofree char *target = meow_test_fixture_path (fx, "c.bin");
  g_autoptr (MeowTaskBuilder) b = NULL;
  g_autoptr (GError) error = NULL;
  MeowClient    *client;
  MeowTestWatch *w;

  meow_test_server_set_file (fx->server, "/c.bin", payload);
  meow_test_server_require_login (fx->server, FALSE, REALM, USER, PASSWORD);
  b = meow_test_builder_to_file (fx, "/c.bin", target);
  w = meow_test_start_download (fx, b);
  client = meow_test_fixture_client (fx);
  MEOW_TEST_WAIT_UNTIL (meow_test_watch_count_sign_in (w, MEOW_WAIT_SIGN_IN) == 1);

  g_assert_true (meow_client_cancel (client, w->id, &error));
  g_assert_no_error (error);
  MEOW_TEST_WAIT_UNTIL (meow_test_watch_done (w));
  g_assert_cmpint (meow_transfer_record_get_status (last_record (w)), ==, MEOW_STATUS_CANCELED);
  g_assert_false (meow_client_set_credentials (client, w->id, USER, PASSWORD, &error));
  g_assert_error (error, MEOW_ERROR, MEOW_ERROR_TASK_NOT_FOUND);
  meow_test_assert_no_file (target);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/login/parse-challenge", test_parse_challenge);
  g_test_add ("/login/basic", MeowTestFixture, GINT_TO_POINTER (FALSE), meow_test_fixture_setup,
              test_sign_in, meow_test_fixture_teardown);
  g_test_add ("/login/digest", MeowTestFixture, GINT_TO_POINTER (TRUE), meow_test_fixture_setup,
              test_sign_in, meow_test_fixture_teardown);
  g_test_add ("/login/builder-basic", MeowTestFixture, GINT_TO_POINTER (FALSE),
              meow_test_fixture_setup, test_builder_credentials, meow_test_fixture_teardown);
  g_test_add ("/login/builder-digest", MeowTestFixture, GINT_TO_POINTER (TRUE),
              meow_test_fixture_setup, test_builder_credentials, meow_test_fixture_teardown);
  g_test_add ("/login/cancel", MeowTestFixture, NULL, meow_test_fixture_setup, test_sign_in_cancel,
              meow_test_fixture_teardown);
  return g_test_run ();
}
