/* test-login.c: the task manager's logins, end to end, with a keyring of its own
 *
 * Runs under run-with-keyring.sh (a private session bus and gnome-keyring-daemon),
 * against the test server behind a Basic login, with the task list in SQLite and every
 * log message captured (G_MESSAGES_DEBUG=all): the first download is paused for a
 * login and signed in with "Remember" (as the Sign In dialog does); `secret-tool
 * search` finds the keyring item; a second download from the same server completes
 * without being given a login; and neither the password nor the Authorization value
 * is in the SQLite files or in any log message. The same for an upload's 401, and for
 * a real proxy's 407 (tinyproxy) with its login under org.gnome.Meow.ProxyLogin.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "meow-task-manager.h"
#include "meow-test-fixture.h"
#include "meow-test-tinyproxy.h"

#define REALM "Meow Files"
#define USER "alice"
#define PASSWORD "kr-5ecret-Pw"
#define PROXY_USER "proxyuser"
#define PROXY_PASSWORD "px-5ecret-Pw"

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
  const char    *id;
  guint          sign_in; /* Paused records with @reason */
  MeowWaitReason reason;  /* MEOW_WAIT_SIGN_IN or MEOW_WAIT_PROXY_SIGN_IN */
} Watch;

static void
record_cb (MeowClient *client, const MeowTransferRecord *record, gpointer user_data)
{
  Watch *w = user_data;

  if (w->id != NULL && g_str_equal (meow_transfer_record_get_task_id (record), w->id) &&
      meow_transfer_record_get_status (record) == MEOW_STATUS_PAUSED &&
      meow_transfer_record_get_wait_reason (record) == w->reason)
    w->sign_in++;
}

static MeowTaskItem *
add (MeowTaskManager *manager, const char *url, const char *folder)
{
  const char *const urls[] = { url, NULL };
  GListModel       *model = meow_task_manager_get_model (manager);
  g_autoptr (GError) error = NULL;
  g_autoptr (MeowTaskItem) item = NULL;

  g_assert_true (meow_task_manager_add_urls (manager, urls, folder, NULL, FALSE, &error));
  g_assert_no_error (error);
  item = g_list_model_get_item (model, g_list_model_get_n_items (model) - 1);
  return item; /* the list keeps it */
}

static gboolean
is (MeowTaskItem *item, MeowStatus status)
{
  return meow_task_item_get_status (item) == status;
}

/* What `secret-tool search` prints for the logins of @schema on 127.0.0.1. */
static char *
secret_tool_search (const char *schema)
{
  const char      *argv[] = { "secret-tool", "search", "--all",     "xdg:schema",
                              schema,        "host",   "127.0.0.1", NULL };
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autoptr (GError) error = NULL;
  int status = 0;

  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &out, &err, &status,
                &error);
  g_assert_no_error (error);
  return g_strconcat (out, err, NULL);
}

/* No secret in the task list's files (@db and its -wal, -shm, -journal): neither
 * @password, nor @basic (its base64), nor the @header's name; nor in any message
 * logged. */
static void
assert_no_secret (const char *db, const char *password, const char *basic, const char *header)
{
  const char *const suffixes[] = { "", "-wal", "-shm", "-journal" };

  for (gsize i = 0; i < G_N_ELEMENTS (suffixes); i++)
    {
      g_autofree char *path = g_strconcat (db, suffixes[i], NULL);

      g_assert_false (meow_test_file_holds (path, password));
      g_assert_false (meow_test_file_holds (path, basic));
      g_assert_false (meow_test_file_holds (path, header));
    }
  g_assert_true (g_file_test (db, G_FILE_TEST_EXISTS));
  g_assert_cmpuint (log_text->len, >, 0); /* the capture works: debug messages came */
  g_assert_null (strstr (log_text->str, password));
  g_assert_null (strstr (log_text->str, basic));
}

static void
test_remembered_login (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (MeowConfig) config = meow_config_new ();
  g_autofree char *dir = g_dir_make_tmp ("meow-login-XXXXXX", &error);
  g_autofree char *db = g_build_filename (dir, "tasks.db", NULL);
  g_autofree char *first_url = NULL;
  g_autofree char *second_url = NULL;
  g_autofree char *found = NULL;
  g_autofree char *basic =
      g_base64_encode ((const guchar *) USER ":" PASSWORD, strlen (USER ":" PASSWORD));
  g_autoptr (GBytes) first = meow_test_make_payload (200 * 1024, 81);
  g_autoptr (GBytes) second = meow_test_make_payload (100 * 1024, 82);
  g_autoptr (GSettings) settings = g_settings_new (APPLICATION_ID);
  MeowTestServer  *server = meow_test_server_new ();
  MeowStore       *store = meow_store_new (db);
  MeowClient      *client;
  MeowTaskManager *manager;
  MeowTaskItem    *item;
  Watch            w = { NULL, 0, MEOW_WAIT_SIGN_IN };
  guint            listener;

  g_assert_no_error (error);
  meow_test_server_set_file (server, "/first.bin", first);
  meow_test_server_set_file (server, "/second.bin", second);
  meow_test_server_require_login (server, FALSE, REALM, USER, PASSWORD);
  first_url = meow_test_server_dup_url (server, "/first.bin");
  second_url = meow_test_server_dup_url (server, "/second.bin");

  g_assert_true (meow_store_load (store, &error));
  g_assert_no_error (error);
  client = meow_client_new (config, &error);
  g_assert_no_error (error);
  manager = meow_task_manager_new (client, store, settings);
  listener = meow_client_add_listener (client, record_cb, &w, NULL, &error);
  g_assert_no_error (error);

  /* The first download: nothing stored, so it waits for the user. */
  item = add (manager, first_url, dir);
  w.id = meow_task_item_get_id (item);
  MEOW_TEST_WAIT_OR_ABORT (is (item, MEOW_STATUS_PAUSED) &&
                           meow_task_item_get_wait_reason (item) == MEOW_WAIT_SIGN_IN);
  meow_test_spin_ms (300); /* the keyring's answer (none) came; still waiting */
  g_assert_true (is (item, MEOW_STATUS_PAUSED));
  g_assert_cmpstr (meow_task_item_get_auth_realm (item), ==, REALM);
  g_assert_true (meow_task_manager_sign_in (manager, meow_task_item_get_id (item), USER, PASSWORD,
                                            TRUE, &error));
  g_assert_no_error (error);
  MEOW_TEST_WAIT_OR_ABORT (is (item, MEOW_STATUS_COMPLETE));
  g_assert_cmpuint (w.sign_in, ==, 1);

  /* The keyring has it (stored asynchronously: bounded wait). */
  for (guint i = 0; i < 100; i++)
    {
      g_free (found);
      found = secret_tool_search ("org.gnome.Meow.Login");
      if (strstr (found, "attribute.user = " USER) != NULL)
        break;
      meow_test_spin_ms (50);
    }
  /* The keyring is the one place the password is: secret-tool shows it. */
  g_assert_nonnull (strstr (found, "secret = " PASSWORD "\n"));
  {
    g_auto (GStrv) lines = g_strsplit (found, "\n", -1);

    for (guint i = 0; lines[i] != NULL; i++)
      if (g_str_has_prefix (lines[i], "attribute.") || g_str_has_prefix (lines[i], "label"))
        g_test_message ("%s", lines[i]);
  }
  g_assert_nonnull (strstr (found, "attribute.user = " USER));
  g_assert_nonnull (strstr (found, "attribute.realm = " REALM));
  g_assert_nonnull (strstr (found, "attribute.scheme = http"));

  /* The second download from the same server signs in from the keyring by itself. */
  item = add (manager, second_url, dir);
  w.id = meow_task_item_get_id (item);
  w.sign_in = 0;
  MEOW_TEST_WAIT_OR_ABORT (is (item, MEOW_STATUS_COMPLETE));
  g_assert_cmpuint (w.sign_in, <=, 1);
  {
    g_autofree char *path = g_build_filename (dir, "second.bin", NULL);

    meow_test_assert_file_equals (path, second);
  }

  g_assert_true (meow_client_remove_listener (client, listener, NULL));
  meow_task_manager_close (manager);
  g_object_unref (manager);
  g_object_unref (client);
  g_object_unref (store);
  meow_test_server_free (server);

  assert_no_secret (db, PASSWORD, basic, "Authorization");

  meow_test_rm_rf (dir);
}

/* An upload's 401 (the meow protocol's prepare) pauses the row for a login like a
 * download's; the manager's sign-in (Remember) resumes it, the server gets the exact
 * bytes with the login on every request, and a second upload to the same server signs in
 * from the keyring by itself. */
static void
test_upload_login (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (MeowConfig) config = meow_config_new ();
  g_autofree char *dir = g_dir_make_tmp ("meow-upload-login-XXXXXX", &error);
  g_autofree char *db = g_build_filename (dir, "tasks.db", NULL);
  g_autofree char *first_path = g_build_filename (dir, "first-up.bin", NULL);
  g_autofree char *second_path = g_build_filename (dir, "second-up.bin", NULL);
  g_autofree char *url = NULL;
  g_autoptr (GBytes) first = meow_test_make_payload (120 * 1024, 83);
  g_autoptr (GBytes) second = meow_test_make_payload (60 * 1024, 84);
  g_autoptr (GSettings) settings = g_settings_new (APPLICATION_ID);
  g_autoptr (GFile) first_file = NULL;
  g_autoptr (GFile) second_file = NULL;
  MeowTestServer  *server = meow_test_server_new ();
  MeowStore       *store = meow_store_new (db);
  MeowClient      *client;
  MeowTaskManager *manager;
  MeowTaskItem    *item;
  GListModel      *model;
  GSList          *files;
  GVariantBuilder  targets;

  g_assert_no_error (error);
  meow_test_server_add_upload_endpoint (server, "/upload");
  meow_test_server_require_login (server, FALSE, REALM, USER, PASSWORD);
  url = meow_test_server_dup_url (server, "/upload");
  g_variant_builder_init (&targets, G_VARIANT_TYPE ("a(ssss)"));
  g_variant_builder_add (&targets, "(ssss)", "Behind a login", "meow", url, "");
  g_settings_set_value (settings, "upload-targets", g_variant_builder_end (&targets));
  meow_test_write_file (first_path, g_bytes_get_data (first, NULL), g_bytes_get_size (first));
  meow_test_write_file (second_path, g_bytes_get_data (second, NULL), g_bytes_get_size (second));
  first_file = g_file_new_for_path (first_path);
  second_file = g_file_new_for_path (second_path);

  g_assert_true (meow_store_load (store, &error));
  g_assert_no_error (error);
  client = meow_client_new (config, &error);
  g_assert_no_error (error);
  manager = meow_task_manager_new (client, store, settings);
  model = meow_task_manager_get_model (manager);

  files = g_slist_prepend (NULL, first_file);
  g_assert_cmpuint (meow_task_manager_upload_files (manager, files, &error), ==, 1);
  g_assert_no_error (error);
  g_slist_free (files);
  item = g_list_model_get_item (model, g_list_model_get_n_items (model) - 1);
  g_object_unref (item); /* the list keeps it */
  MEOW_TEST_WAIT_OR_ABORT (meow_task_item_needs_sign_in (item));
  g_assert_cmpint (meow_task_item_get_wait_reason (item), ==, MEOW_WAIT_SIGN_IN);
  meow_test_spin_ms (300); /* the keyring's answer (none) came; still waiting */
  g_assert_true (is (item, MEOW_STATUS_PAUSED));
  g_assert_cmpstr (meow_task_item_get_auth_realm (item), ==, REALM);
  g_assert_true (meow_task_manager_sign_in (manager, meow_task_item_get_id (item), USER, PASSWORD,
                                            TRUE, &error));
  g_assert_no_error (error);
  MEOW_TEST_WAIT_OR_ABORT (is (item, MEOW_STATUS_COMPLETE));
  meow_test_assert_server_upload_equals (server, first);

  /* The second upload to that server: the keyring answers its 401. */
  files = g_slist_prepend (NULL, second_file);
  g_assert_cmpuint (meow_task_manager_upload_files (manager, files, &error), ==, 1);
  g_assert_no_error (error);
  g_slist_free (files);
  item = g_list_model_get_item (model, g_list_model_get_n_items (model) - 1);
  g_object_unref (item);
  MEOW_TEST_WAIT_OR_ABORT (is (item, MEOW_STATUS_COMPLETE));
  {
    g_autofree char *md5 = meow_test_md5_bytes (second);
    g_autoptr (GBytes) stored = meow_test_server_dup_upload_bytes (server, md5);

    g_assert_nonnull (stored);
    g_assert_true (g_bytes_equal (stored, second));
  }
  /* Every request the server took carried the login (the 401s are not logged). */
  {
    g_autoptr (GPtrArray) log = meow_test_server_dup_requests (server);

    g_assert_cmpuint (log->len, >, 0);
    for (guint i = 0; i < log->len; i++)
      {
        MeowTestRequest *r = g_ptr_array_index (log, i);

        g_assert_nonnull (g_hash_table_lookup (r->headers, "authorization"));
      }
  }

  meow_task_manager_close (manager);
  g_object_unref (manager);
  g_object_unref (client);
  g_object_unref (store);
  meow_test_server_free (server);
  g_settings_reset (settings, "upload-targets");
  g_assert_null (strstr (log_text->str, PASSWORD));
  meow_test_rm_rf (dir);
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

/* A proxy's login (issue 14): a real tinyproxy with BasicAuth in front of the test
 * server. The first download is paused for the proxy's login (MEOW_WAIT_PROXY_SIGN_IN,
 * the proxy named) and signed in with "Remember"; `secret-tool search` finds the
 * org.gnome.Meow.ProxyLogin item; a second download in the same session is not even
 * paused (the client keeps the login for that proxy); after a "restart" (a new client,
 * manager and store) a third download is paused once and signed in from the keyring by
 * itself. Neither the password nor its base64 is in the SQLite files or in any log. */
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
  g_autofree char *basic = g_base64_encode ((const guchar *) PROXY_USER ":" PROXY_PASSWORD,
                                            strlen (PROXY_USER ":" PROXY_PASSWORD));
  g_autoptr (GBytes) first = meow_test_make_payload (200 * 1024, 91);
  g_autoptr (GBytes) second = meow_test_make_payload (100 * 1024, 92);
  g_autoptr (GBytes) third = meow_test_make_payload (150 * 1024, 93);
  MeowTestTinyproxy tp = { 0 };
  MeowTestServer   *server;
  Session           s = { 0 };
  MeowTaskItem     *item;
  Watch             w = { NULL, 0, MEOW_WAIT_PROXY_SIGN_IN };

  g_assert_no_error (error);
  if (!meow_test_tinyproxy_start (&tp, tp_dir, PROXY_USER, PROXY_PASSWORD))
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

    item = add (s.manager, url, dir);
    w.id = meow_task_item_get_id (item);
    w.sign_in = 0;
  }
  MEOW_TEST_WAIT_OR_ABORT (is (item, MEOW_STATUS_PAUSED) &&
                           meow_task_item_get_wait_reason (item) == MEOW_WAIT_PROXY_SIGN_IN);
  g_assert_true (meow_task_item_needs_sign_in (item));
  meow_test_spin_ms (300); /* the keyring's answer (none) came; still waiting */
  g_assert_true (is (item, MEOW_STATUS_PAUSED));
  g_assert_cmpstr (meow_task_item_get_auth_proxy (item), ==, tp.url);
  g_assert_cmpstr (meow_task_item_get_auth_realm (item), ==, "Tinyproxy");
  g_assert_true (meow_task_manager_sign_in (s.manager, meow_task_item_get_id (item), PROXY_USER,
                                            PROXY_PASSWORD, TRUE, &error));
  g_assert_no_error (error);
  MEOW_TEST_WAIT_OR_ABORT (is (item, MEOW_STATUS_COMPLETE));
  g_assert_cmpuint (w.sign_in, ==, 1);
  assert_file (dir, "first.bin", first);

  /* The keyring has it (stored asynchronously: bounded wait). */
  for (guint i = 0; i < 100; i++)
    {
      g_free (found);
      found = secret_tool_search ("org.gnome.Meow.ProxyLogin");
      if (strstr (found, "attribute.user = " PROXY_USER) != NULL)
        break;
      meow_test_spin_ms (50);
    }
  g_assert_nonnull (strstr (found, "secret = " PROXY_PASSWORD "\n"));
  g_assert_nonnull (strstr (found, "attribute.user = " PROXY_USER));
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

    item = add (s.manager, url, dir);
    w.id = meow_task_item_get_id (item);
    w.sign_in = 0;
  }
  MEOW_TEST_WAIT_OR_ABORT (is (item, MEOW_STATUS_COMPLETE));
  g_assert_cmpuint (w.sign_in, ==, 0);
  assert_file (dir, "second.bin", second);
  session_close (&s);

  /* After a restart, the first 407 is answered from the keyring without asking. */
  session_open (&s, db, tp.url, &w);
  {
    g_autofree char *url = meow_test_server_dup_url (server, "/third.bin");

    item = add (s.manager, url, dir);
    w.id = meow_task_item_get_id (item);
    w.sign_in = 0;
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

  assert_no_secret (db, PROXY_PASSWORD, basic, "Proxy-Authorization");

  meow_test_rm_rf (dir);
}

int
main (int argc, char **argv)
{
  g_setenv ("G_MESSAGES_DEBUG", "all", TRUE);
  log_text = g_string_new (NULL);
  g_log_set_writer_func (capture_writer, NULL, NULL);
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/login/remembered", test_remembered_login);
  g_test_add_func ("/login/upload", test_upload_login);
  g_test_add_func ("/login/proxy-remembered", test_remembered_proxy_login);
  return g_test_run ();
}
