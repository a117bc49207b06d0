/* test-proxy-login.c: the task manager's proxy logins, end to end, with a keyring of
 * its own
 *
 * Runs under run-with-keyring.sh (a private session bus and gnome-keyring-daemon),
 * with a real tinyproxy behind a Basic login (tests/support/meow-test-tinyproxy.c) in
 * front of the test server, the task list in SQLite and every log message captured
 * (G_MESSAGES_DEBUG=all). The first download is paused for the proxy's login
 * (MEOW_WAIT_PROXY_SIGN_IN, the proxy named) and signed in with "Remember" (as the
 * Sign In dialog does); `secret-tool search` finds the org.gnome.Meow.ProxyLogin item;
 * a second download in the same session is not even paused (the client keeps the
 * login for that proxy); after a "restart" (a new client, manager and store) a third
 * download is paused once and signed in from the keyring by itself. Neither the password nor its
 * base64 is in the SQLite files or in any log message.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "meow-task-manager.h"
#include "meow-test-fixture.h"
#include "meow-test-tinyproxy.h"

#define USER "proxyuser"
#define PASSWORD "px-5ecret-Pw"

static GString *log_text; /* every message logged, for the leak check */

static GLogWriterOutput
capture_writer (GLogLevelFlags level, const GLogField *fields, gsize n_fields, gpointer user_data)
{
  for (gsize i = 0; i < n_fields; i++)
    if (g_str_equal (fields[i].key, "MESSAGE") && fields[i].length < 0)
      {
        g_string_append (log_text, fields[i].value);
        g_string_append_c (log_text, '\n');
      }
  return g_log_writer_default (level, fields, n_fields, user_data);
}

typedef struct
{
  char *id;
  guint sign_in; /* Paused records with MEOW_WAIT_PROXY_SIGN_IN */
} Watch;

static void
record_cb (MeowClient *client, const MeowTransferRecord *record, gpointer user_data)
{
  Watch *w = user_data;

  if (w->id != NULL && g_str_equal (meow_transfer_record_get_task_id (record), w->id) &&
      meow_transfer_record_get_status (record) == MEOW_STATUS_PAUSED &&
      meow_transfer_record_get_wait_reason (record) == MEOW_WAIT_PROXY_SIGN_IN)
    w->sign_in++;
}

typedef struct
{
  MeowStore       *store;
  MeowClient      *client;
  MeowTaskManager *manager;
  guint            listener;
} Session;

static void
session_open (Session *s, const char *db, const char *proxy, Watch *w)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (MeowConfig) config = meow_config_new ();
  g_autoptr (GSettings) settings = g_settings_new (APPLICATION_ID);

  s->store = meow_store_new (db);
  g_assert_true (meow_store_load (s->store, &error));
  g_assert_no_error (error);
  s->client = meow_client_new (config, &error);
  g_assert_no_error (error);
  g_assert_true (meow_client_set_proxy (s->client, proxy, &error));
  g_assert_no_error (error);
  s->manager = meow_task_manager_new (s->client, s->store, settings);
  s->listener = meow_client_add_listener (s->client, record_cb, w, NULL, &error);
  g_assert_no_error (error);
}

static void
session_close (Session *s)
{
  g_assert_true (meow_client_remove_listener (s->client, s->listener, NULL));
  meow_task_manager_close (s->manager);
  g_clear_object (&s->manager);
  g_clear_object (&s->client);
  g_clear_object (&s->store);
}

static MeowTaskItem *
add (MeowTaskManager *manager, const char *url, const char *folder, Watch *w)
{
  const char *const urls[] = { url, NULL };
  GListModel       *model = meow_task_manager_get_model (manager);
  g_autoptr (GError) error = NULL;
  g_autoptr (MeowTaskItem) item = NULL;

  g_assert_true (meow_task_manager_add_urls (manager, urls, folder, NULL, FALSE, &error));
  g_assert_no_error (error);
  item = g_list_model_get_item (model, g_list_model_get_n_items (model) - 1);
  g_free (w->id);
  w->id = g_strdup (meow_task_item_get_id (item));
  w->sign_in = 0;
  return item; /* the list keeps it */
}

static gboolean
is (MeowTaskItem *item, MeowStatus status)
{
  return meow_task_item_get_status (item) == status;
}

/* What `secret-tool search` prints for the proxy logins. */
static char *
secret_tool_search (void)
{
  const char *argv[] = {
    "secret-tool", "search",    "--all", "xdg:schema", "org.gnome.Meow.ProxyLogin",
    "host",        "127.0.0.1", NULL
  };
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autoptr (GError) error = NULL;
  int status = 0;

  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &out, &err, &status,
                &error);
  g_assert_no_error (error);
  return g_strconcat (out, err, NULL);
}

static gboolean
file_holds (const char *path, const char *needle)
{
  g_autofree char *contents = NULL;
  gsize            length = 0;

  if (!g_file_get_contents (path, &contents, &length, NULL))
    return FALSE;
  return memmem (contents, length, needle, strlen (needle)) != NULL;
}

static void
assert_file (const char *dir, const char *name, GBytes *content)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);

  meow_test_assert_file_equals (path, content);
}

static void
test_remembered_proxy_login (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("meow-proxy-login-XXXXXX", &error);
  g_autofree char *tp_dir = g_build_filename (dir, "tinyproxy", NULL);
  g_autofree char *db = g_build_filename (dir, "tasks.db", NULL);
  g_autofree char *found = NULL;
  g_autofree char *basic =
      g_base64_encode ((const guchar *) USER ":" PASSWORD, strlen (USER ":" PASSWORD));
  g_autoptr (GBytes) first = meow_test_make_payload (200 * 1024, 91);
  g_autoptr (GBytes) second = meow_test_make_payload (100 * 1024, 92);
  g_autoptr (GBytes) third = meow_test_make_payload (150 * 1024, 93);
  MeowTestTinyproxy tp = { 0 };
  MeowTestServer   *server;
  Session           s = { 0 };
  MeowTaskItem     *item;
  Watch             w = { NULL, 0 };

  g_assert_no_error (error);
  if (!meow_test_tinyproxy_start (&tp, tp_dir, USER, PASSWORD))
    {
      g_test_skip ("tinyproxy is not installed (Debian package tinyproxy-bin)");
      meow_test_rm_rf (dir);
      return;
    }
  server = meow_test_server_new ();
  meow_test_server_set_file (server, "/first.bin", first);
  meow_test_server_set_file (server, "/second.bin", second);
  meow_test_server_set_file (server, "/third.bin", third);

  session_open (&s, db, tp.url, &w);

  /* The first download: nothing stored, so it waits for the user, the proxy named. */
  {
    g_autofree char *url = meow_test_server_dup_url (server, "/first.bin");

    item = add (s.manager, url, dir, &w);
  }
  MEOW_TEST_WAIT_OR_ABORT (is (item, MEOW_STATUS_PAUSED) &&
                           meow_task_item_get_wait_reason (item) == MEOW_WAIT_PROXY_SIGN_IN);
  g_assert_true (meow_task_item_needs_sign_in (item));
  meow_test_spin_ms (300); /* the keyring's answer (none) came; still waiting */
  g_assert_true (is (item, MEOW_STATUS_PAUSED));
  g_assert_cmpstr (meow_task_item_get_auth_proxy (item), ==, tp.url);
  g_assert_cmpstr (meow_task_item_get_auth_realm (item), ==, "Tinyproxy");
  g_assert_true (meow_task_manager_sign_in (s.manager, meow_task_item_get_id (item), USER, PASSWORD,
                                            TRUE, &error));
  g_assert_no_error (error);
  MEOW_TEST_WAIT_OR_ABORT (is (item, MEOW_STATUS_COMPLETE));
  g_assert_cmpuint (w.sign_in, ==, 1);
  assert_file (dir, "first.bin", first);

  /* The keyring has it (stored asynchronously: bounded wait). */
  for (guint i = 0; i < 100; i++)
    {
      g_free (found);
      found = secret_tool_search ();
      if (strstr (found, "attribute.user = " USER) != NULL)
        break;
      meow_test_spin_ms (50);
    }
  g_assert_nonnull (strstr (found, "secret = " PASSWORD "\n"));
  g_assert_nonnull (strstr (found, "attribute.user = " USER));
  g_assert_nonnull (strstr (found, "attribute.scheme = http"));
  {
    g_autofree char *port = g_strdup_printf ("attribute.port = %u", tp.port);

    g_assert_nonnull (strstr (found, port));
  }
  g_assert_nonnull (strstr (found, "attribute.realm = Tinyproxy"));

  /* The second download in this session is not even paused: the client keeps the
   * login for that proxy. */
  {
    g_autofree char *url = meow_test_server_dup_url (server, "/second.bin");

    item = add (s.manager, url, dir, &w);
  }
  MEOW_TEST_WAIT_OR_ABORT (is (item, MEOW_STATUS_COMPLETE));
  g_assert_cmpuint (w.sign_in, ==, 0);
  assert_file (dir, "second.bin", second);
  session_close (&s);

  /* After a restart, the first 407 is answered from the keyring without asking. */
  session_open (&s, db, tp.url, &w);
  {
    g_autofree char *url = meow_test_server_dup_url (server, "/third.bin");

    item = add (s.manager, url, dir, &w);
  }
  MEOW_TEST_WAIT_OR_ABORT (is (item, MEOW_STATUS_COMPLETE));
  /* Paused once (the new client had no login), answered from the keyring. */
  g_assert_cmpuint (w.sign_in, ==, 1);
  assert_file (dir, "third.bin", third);
  {
    g_autofree char *url = meow_test_server_dup_url (server, "/third.bin");
    g_autofree char *line = g_strdup_printf ("GET %s HTTP", url);

    g_assert_cmpuint (meow_test_tinyproxy_count (&tp, line), >=, 1);
  }
  session_close (&s);
  meow_test_server_free (server);
  meow_test_tinyproxy_stop (&tp);

  /* No secret in the task list's files, nor in any message logged. */
  {
    const char *const suffixes[] = { "", "-wal", "-shm", "-journal" };

    for (gsize i = 0; i < G_N_ELEMENTS (suffixes); i++)
      {
        g_autofree char *path = g_strconcat (db, suffixes[i], NULL);

        g_assert_false (file_holds (path, PASSWORD));
        g_assert_false (file_holds (path, basic));
        g_assert_false (file_holds (path, "Proxy-Authorization"));
      }
    g_assert_true (g_file_test (db, G_FILE_TEST_EXISTS));
  }
  g_assert_cmpuint (log_text->len, >, 0); /* the capture works: debug messages came */
  g_assert_null (strstr (log_text->str, PASSWORD));
  g_assert_null (strstr (log_text->str, basic));

  g_free (w.id);
  meow_test_rm_rf (dir);
}

int
main (int argc, char **argv)
{
  g_setenv ("G_MESSAGES_DEBUG", "all", TRUE);
  log_text = g_string_new (NULL);
  g_log_set_writer_func (capture_writer, NULL, NULL);
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/proxy-login/remembered", test_remembered_proxy_login);
  return g_test_run ();
}
