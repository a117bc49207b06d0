/* test-secret-headers.c: a task's Authorization and Cookie headers kept in the keyring
 *
 * Issue 14: the task list keeps a reference, never the value. Under run-with-keyring.sh
 * (a private session bus and gnome-keyring-daemon), with the task list in SQLite and
 * every log message captured: a download added with `Cookie:` and `Authorization:`
 * headers leaves neither value in the SQLite files, `secret-tool search` finds them;
 * a new manager on the same store (a restart) resumes it and the server (which answers
 * 403 without them) gets both, the file exact; removing the task clears the keyring item.
 *
 * Upload targets: a GSettings keyfile whose target has an Authorization header is
 * migrated at start (the keyfile keeps the name, the keyring the value), an upload to
 * it sends the value, after a restart too, and removing the target clears the item.
 *
 * With MEOW_TEST_NO_KEYRING set (the session bus is then one that does not exist): the
 * value is not on disk either, the download still runs with it in this session, and
 * after a restart the task waits Paused with the reason instead of running without it.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#define G_SETTINGS_ENABLE_BACKEND
#include <gio/gsettingsbackend.h>

#include "meow-task-manager.h"
#include "meow-test-fixture.h"
#include "meow-test-upload.h"

#define COOKIE "session=c00kie-5ecret-81"
#define BEARER "Bearer t0ken-5ecret-82"

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
  char            *dir;
  char            *db;
  MeowStore       *store;
  MeowClient      *client;
  MeowTaskManager *manager;
  GSettings       *settings;
} App;

/* A manager over the store in @app->db, as the app starts. */
static void
app_start (App *app)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (MeowConfig) config = meow_config_new ();

  /* As the app's client (ui/meow-application.c): a server that cannot be reached is
   * waited for, never counted against the retries. With the engine's default the task
   * waiting for the server that is down gave up after 3 refused connections (0.7 s on
   * average, 1.4 s at most) and was Failed, not resumed, when the stop came later. */
  meow_config_set_retry_policy (config, MEOW_RETRY_POLICY_UNLIMITED_TRANSPORT);
  app->store = meow_store_new (app->db);
  g_assert_true (meow_store_load (app->store, &error));
  g_assert_no_error (error);
  app->client = meow_client_new (config, &error);
  g_assert_no_error (error);
  app->manager = meow_task_manager_new (app->client, app->store, app->settings);
  meow_task_manager_load (app->manager, TRUE);
}

static void
app_stop (App *app)
{
  meow_task_manager_close (app->manager);
  g_clear_object (&app->manager);
  g_clear_object (&app->client);
  g_clear_object (&app->store);
}

static MeowTaskItem *
add_download (App *app, const char *url, gboolean start_paused)
{
  g_autoptr (MeowTaskBuilder) builder = meow_task_builder_new_download (url);
  g_autoptr (MeowTask) task = NULL;
  g_autoptr (GError) error = NULL;
  MeowTaskItem *item;

  meow_task_builder_set_output_dir (builder, app->dir);
  meow_task_builder_add_header (builder, "Cookie", COOKIE);
  meow_task_builder_add_header (builder, "Authorization", BEARER);
  meow_task_builder_add_header (builder, "X-Plain", "kept-as-is");
  task = meow_task_builder_build (builder, &error);
  g_assert_no_error (error);
  item = meow_task_manager_add (app->manager, task, start_paused, &error);
  g_assert_no_error (error);
  g_assert_nonnull (item);
  return item;
}

static gboolean
is (MeowTaskItem *item, MeowStatus status)
{
  return meow_task_item_get_status (item) == status;
}

/* What `secret-tool search` prints for @id's secret headers. */
static char *
secret_tool_search (const char *id)
{
  const char *argv[] = { "secret-tool", "search", "--all", "xdg:schema", "org.gnome.Meow.Headers",
                         "task",        id,       NULL };
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autoptr (GError) error = NULL;
  int status = 0;

  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &out, &err, &status,
                &error);
  g_assert_no_error (error);
  return g_strconcat (out, err, NULL);
}

/* Neither value in the task list's files (the database, its journal, its index). */
static void
assert_not_on_disk (const char *db)
{
  const char *const suffixes[] = { "", "-wal", "-shm", "-journal" };

  g_assert_true (g_file_test (db, G_FILE_TEST_EXISTS));
  for (gsize i = 0; i < G_N_ELEMENTS (suffixes); i++)
    {
      g_autofree char *path = g_strconcat (db, suffixes[i], NULL);

      g_assert_false (meow_test_file_holds (path, "c00kie-5ecret"));
      g_assert_false (meow_test_file_holds (path, "t0ken-5ecret"));
    }
  /* The header names and the plain header are kept: the check can see the list. */
  {
    g_autofree char *wal = g_strconcat (db, "-wal", NULL);

    g_assert_true (meow_test_file_holds (db, "kept-as-is") ||
                   meow_test_file_holds (wal, "kept-as-is"));
  }
}

/* Every request of @method to @path sent @name: @value; returns how many there were. */
static guint
assert_all_sent (MeowTestServer *server,
                 const char     *method,
                 const char     *path,
                 const char     *name,
                 const char     *value)
{
  g_autoptr (GPtrArray) requests = meow_test_server_dup_requests (server);
  guint n = 0;

  for (guint i = 0; i < requests->len; i++)
    {
      const MeowTestRequest *r = g_ptr_array_index (requests, i);

      if (g_str_equal (r->method, method) && g_str_equal (r->path, path))
        {
          g_assert_cmpstr (g_hash_table_lookup (r->headers, name), ==, value);
          n++;
        }
    }
  return n;
}

/* The last GET of @path sent both secret headers. */
static void
assert_sent_secrets (MeowTestServer *server, const char *path)
{
  g_autoptr (GPtrArray) requests = meow_test_server_dup_requests (server);
  const MeowTestRequest *last = NULL;

  for (guint i = 0; i < requests->len; i++)
    {
      const MeowTestRequest *r = g_ptr_array_index (requests, i);

      if (g_str_equal (r->method, "GET") && g_str_equal (r->path, path))
        last = r;
    }
  g_assert_nonnull (last);
  g_assert_cmpstr (g_hash_table_lookup (last->headers, "cookie"), ==, COOKIE);
  g_assert_cmpstr (g_hash_table_lookup (last->headers, "authorization"), ==, BEARER);
  g_assert_cmpstr (g_hash_table_lookup (last->headers, "x-plain"), ==, "kept-as-is");
}

static void
app_init (App *app, const char *template)
{
  g_autoptr (GError) error = NULL;

  app->dir = g_dir_make_tmp (template, &error);
  g_assert_no_error (error);
  app->db = g_build_filename (app->dir, "tasks.db", NULL);
  app->settings = g_settings_new (APPLICATION_ID);
}

static void
app_clear (App *app)
{
  meow_test_rm_rf (app->dir);
  g_free (app->dir);
  g_free (app->db);
  g_clear_object (&app->settings);
}

static void
test_keyring (void)
{
  App             app = { 0 };
  MeowTestServer *server = meow_test_server_new ();
  g_autoptr (GBytes) payload = meow_test_make_payload (300 * 1024, 83);
  g_autoptr (GError) error = NULL;
  g_autofree char *url = NULL;
  g_autofree char *running_url = NULL;
  g_autofree char *id = NULL;
  g_autofree char *running_id = NULL;
  g_autofree char *found = NULL;
  g_autofree char *path = NULL;
  g_autoptr (MeowTaskItem) removed = NULL;
  MeowTaskItem *item;
  MeowTaskItem *running;

  for (guint i = 0; i < 2; i++)
    {
      const char *file = i == 0 ? "/private.bin" : "/running.bin";

      meow_test_server_set_file (server, file, payload);
      meow_test_server_require_header (server, file, "Cookie", COOKIE);
      meow_test_server_require_header (server, file, "Authorization", BEARER);
    }
  url = meow_test_server_dup_url (server, "/private.bin");
  running_url = meow_test_server_dup_url (server, "/running.bin");
  app_init (&app, "meow-secret-headers-XXXXXX");

  /* Added paused: saved, with its secrets given to the keyring. And one that is
   * running (waiting for the server, down) when the app stops: resumed on start. */
  app_start (&app);
  item = add_download (&app, url, TRUE);
  id = g_strdup (meow_task_item_get_id (item));
  meow_test_server_set_down (server, TRUE);
  running = add_download (&app, running_url, FALSE);
  running_id = g_strdup (meow_task_item_get_id (running));
  g_assert_true (meow_task_item_get_live (running));
  for (guint i = 0; i < 100; i++)
    {
      g_free (found);
      found = secret_tool_search (id);
      if (strstr (found, "c00kie-5ecret") != NULL)
        break;
      meow_test_spin_ms (50);
    }
  g_assert_nonnull (strstr (found, "secret = Cookie: " COOKIE "\nAuthorization: " BEARER "\n"));
  g_assert_nonnull (strstr (found, "attribute.task = "));
  g_assert_true (meow_store_flush (app.store, &error));
  g_assert_no_error (error);
  assert_not_on_disk (app.db);
  /* Still waiting for the server, however long the above took. */
  g_assert_true (meow_task_item_get_live (running));
  g_assert_false (is (running, MEOW_STATUS_FAILED));
  app_stop (&app);
  g_assert_cmpuint (meow_test_server_count (server, NULL), ==, 0);
  meow_test_server_set_down (server, FALSE);

  /* A restart: the task comes back from the store without the values, and Resume finds
   * them in the keyring before the task is queued. */
  app_start (&app);
  item = meow_task_manager_lookup (app.manager, id);
  g_assert_nonnull (item);
  g_assert_true (is (item, MEOW_STATUS_PAUSED));
  running = meow_task_manager_lookup (app.manager, running_id);
  g_assert_nonnull (running);
  MEOW_TEST_WAIT_OR_ABORT (is (running, MEOW_STATUS_COMPLETE) || is (running, MEOW_STATUS_FAILED));
  g_assert_true (is (running, MEOW_STATUS_COMPLETE));
  assert_sent_secrets (server, "/running.bin");
  {
    g_autofree char *running_path = g_build_filename (app.dir, "running.bin", NULL);

    meow_test_assert_file_equals (running_path, payload);
  }
  g_assert_true (meow_task_manager_resume (app.manager, id, &error));
  g_assert_no_error (error);
  MEOW_TEST_WAIT_OR_ABORT (is (item, MEOW_STATUS_COMPLETE) || is (item, MEOW_STATUS_FAILED));
  g_assert_cmpstr (meow_task_item_get_error_message (item), ==, NULL);
  g_assert_true (is (item, MEOW_STATUS_COMPLETE));
  assert_sent_secrets (server, "/private.bin");
  path = g_build_filename (app.dir, "private.bin", NULL);
  meow_test_assert_file_equals (path, payload);
  g_assert_true (meow_store_flush (app.store, &error));
  assert_not_on_disk (app.db);

  /* Removing the task clears its keyring item. */
  removed = meow_task_manager_remove (app.manager, id, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (removed);
  for (guint i = 0; i < 100; i++)
    {
      g_free (found);
      found = secret_tool_search (id);
      if (strstr (found, "attribute.task") == NULL)
        break;
      meow_test_spin_ms (50);
    }
  g_assert_null (strstr (found, "c00kie-5ecret"));
  g_assert_null (strstr (found, "attribute.task"));
  app_stop (&app);

  g_assert_cmpuint (log_text->len, >, 0); /* the capture works: debug messages came */
  g_assert_null (strstr (log_text->str, "c00kie-5ecret"));
  g_assert_null (strstr (log_text->str, "t0ken-5ecret"));
  meow_test_server_free (server);
  app_clear (&app);
}

static void
test_no_keyring (void)
{
  App             app = { 0 };
  MeowTestServer *server = meow_test_server_new ();
  g_autoptr (GBytes) payload = meow_test_make_payload (200 * 1024, 84);
  g_autoptr (GError) error = NULL;
  g_autofree char *url = NULL;
  g_autofree char *later_url = NULL;
  g_autofree char *later_id = NULL;
  g_autofree char *path = NULL;
  MeowTaskItem    *item;
  guint            requests;

  for (guint i = 0; i < 2; i++)
    {
      const char *file = i == 0 ? "/private.bin" : "/later.bin";

      meow_test_server_set_file (server, file, payload);
      meow_test_server_require_header (server, file, "Cookie", COOKIE);
      meow_test_server_require_header (server, file, "Authorization", BEARER);
    }
  url = meow_test_server_dup_url (server, "/private.bin");
  later_url = meow_test_server_dup_url (server, "/later.bin");
  app_init (&app, "meow-secret-headers-nokr-XXXXXX");

  /* No keyring: the download runs in this session with its headers. */
  app_start (&app);
  later_id = g_strdup (meow_task_item_get_id (add_download (&app, later_url, TRUE)));
  item = add_download (&app, url, FALSE);
  MEOW_TEST_WAIT_OR_ABORT (is (item, MEOW_STATUS_COMPLETE) || is (item, MEOW_STATUS_FAILED));
  g_assert_true (is (item, MEOW_STATUS_COMPLETE));
  assert_sent_secrets (server, "/private.bin");
  path = g_build_filename (app.dir, "private.bin", NULL);
  meow_test_assert_file_equals (path, payload);
  /* Said once, naming the task, not the secret. */
  MEOW_TEST_WAIT_OR_ABORT (strstr (log_text->str, "No keyring") != NULL);
  g_assert_true (meow_store_flush (app.store, &error));
  g_assert_no_error (error);
  assert_not_on_disk (app.db);

  /* After a restart the task added paused cannot get them: Resume leaves it Paused
   * with the reason, and the server sees no request. */
  app_stop (&app);
  app_start (&app);
  item = meow_task_manager_lookup (app.manager, later_id);
  g_assert_nonnull (item);
  g_assert_true (is (item, MEOW_STATUS_PAUSED));
  requests = meow_test_server_count (server, NULL);
  g_assert_true (meow_task_manager_resume (app.manager, later_id, &error));
  g_assert_no_error (error);
  MEOW_TEST_WAIT_OR_ABORT (meow_task_item_get_error_message (item) != NULL);
  g_assert_true (is (item, MEOW_STATUS_PAUSED));
  g_assert_nonnull (strstr (meow_task_item_get_error_message (item), "keyring"));
  meow_test_spin_ms (200);
  g_assert_true (is (item, MEOW_STATUS_PAUSED));
  g_assert_false (meow_task_item_get_live (item));
  g_assert_cmpuint (meow_test_server_count (server, NULL), ==, requests);
  g_assert_nonnull (meow_task_manager_lookup (app.manager, later_id)); /* never lost */
  app_stop (&app);

  g_assert_null (strstr (log_text->str, "c00kie-5ecret"));
  g_assert_null (strstr (log_text->str, "t0ken-5ecret"));
  meow_test_server_free (server);
  app_clear (&app);
}

/* What `secret-tool search` prints for the upload target @name's secret headers. */
static char *
secret_tool_search_target (const char *name)
{
  const char *argv[] = {
    "secret-tool", "search", "--all", "xdg:schema", "org.gnome.Meow.UploadTarget",
    "name",        name,     NULL
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

/* Uploads a new file of @size bytes to target 0, once the manager has its headers (the
 * keyring's answer is asynchronous: bounded retries), and waits for it to complete. */
static void
upload_one (App *app, const char *file_name, gsize size, guint32 seed)
{
  g_autofree char *path = g_build_filename (app->dir, file_name, NULL);
  g_autoptr (GBytes) payload = meow_test_make_payload (size, seed);
  g_autoptr (GFile) file = g_file_new_for_path (path);
  GSList       *files = g_slist_prepend (NULL, file);
  GListModel   *model = meow_task_manager_get_model (app->manager);
  guint         added = 0;
  MeowTaskItem *item;

  meow_test_write_file (path, g_bytes_get_data (payload, NULL), g_bytes_get_size (payload));
  for (guint i = 0; i < 100 && added == 0; i++)
    {
      g_autoptr (GError) error = NULL;

      added = meow_task_manager_upload_files_to (app->manager, files, 0, &error);
      if (added == 0)
        {
          g_test_message ("%s", error->message);
          meow_test_spin_ms (50);
        }
    }
  g_slist_free (files);
  g_assert_cmpuint (added, ==, 1);
  item = g_list_model_get_item (model, g_list_model_get_n_items (model) - 1);
  g_object_unref (item); /* the list keeps it */
  MEOW_TEST_WAIT_OR_ABORT (is (item, MEOW_STATUS_COMPLETE) || is (item, MEOW_STATUS_FAILED));
  g_assert_cmpstr (meow_task_item_get_error_message (item), ==, NULL);
  g_assert_true (is (item, MEOW_STATUS_COMPLETE));
}

static void
test_upload_target (void)
{
  App             app = { 0 };
  MeowTestServer *server = meow_test_server_new ();
  g_autoptr (GSettingsBackend) backend = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *keyfile = NULL;
  g_autofree char *url = NULL;
  g_autofree char *found = NULL;
  GVariantBuilder  builder;
  guint            n;

  meow_test_server_add_upload_endpoint (server, "/upload");
  url = meow_test_server_dup_url (server, "/upload");
  app_init (&app, "meow-secret-target-XXXXXX");
  keyfile = g_build_filename (app.dir, "settings.ini", NULL);
  backend = g_keyfile_settings_backend_new (keyfile, "/", NULL);
  g_clear_object (&app.settings);
  app.settings = g_settings_new_with_backend (APPLICATION_ID, backend);

  /* As an older Meow left it: the token in the settings. */
  g_variant_builder_init (&builder, G_VARIANT_TYPE ("a(ssss)"));
  g_variant_builder_add (&builder, "(ssss)", "Files", "meow", url,
                         "Authorization: " BEARER "\nX-Plain: kept-as-is");
  g_settings_set_value (app.settings, "upload-targets", g_variant_builder_end (&builder));
  g_settings_sync ();
  MEOW_TEST_WAIT_OR_ABORT (meow_test_file_holds (keyfile, "t0ken-5ecret"));

  /* The first start moves it to the keyring; the keyfile keeps the header's name. */
  app_start (&app);
  MEOW_TEST_WAIT_OR_ABORT ((g_settings_sync (), !meow_test_file_holds (keyfile, "t0ken-5ecret")));
  g_assert_true (meow_test_file_holds (keyfile, "Authorization:"));
  g_assert_true (meow_test_file_holds (keyfile, "kept-as-is"));
  found = secret_tool_search_target ("Files");
  g_assert_nonnull (strstr (found, "secret = Authorization: " BEARER "\n"));
  g_assert_nonnull (strstr (found, "attribute.url = "));

  /* An upload to the target sends it. */
  upload_one (&app, "first.bin", 100 * 1024, 91);
  n = assert_all_sent (server, "POST", "/upload", "authorization", BEARER);
  g_assert_cmpuint (n, >, 0);
  g_assert_cmpuint (assert_all_sent (server, "POST", "/upload", "x-plain", "kept-as-is"), ==, n);
  app_stop (&app);

  /* After a restart it comes from the keyring. */
  meow_test_server_reset_log (server);
  app_start (&app);
  upload_one (&app, "second.bin", 80 * 1024, 92);
  g_assert_cmpuint (assert_all_sent (server, "POST", "/upload", "authorization", BEARER), >, 0);
  g_assert_true (meow_store_flush (app.store, &error));
  g_assert_no_error (error);
  assert_not_on_disk (app.db);
  g_assert_false (meow_test_file_holds (keyfile, "t0ken-5ecret"));

  /* Removing the target clears its keyring item. */
  meow_task_manager_remove_upload_target (app.manager, 0);
  g_assert_cmpuint (meow_task_manager_count_upload_targets (app.manager), ==, 0);
  for (guint i = 0; i < 100; i++)
    {
      g_free (found);
      found = secret_tool_search_target ("Files");
      if (strstr (found, "t0ken-5ecret") == NULL)
        break;
      meow_test_spin_ms (50);
    }
  g_assert_null (strstr (found, "t0ken-5ecret"));
  app_stop (&app);

  g_assert_null (strstr (log_text->str, "t0ken-5ecret"));
  meow_test_server_free (server);
  app_clear (&app);
}

int
main (int argc, char **argv)
{
  g_setenv ("G_MESSAGES_DEBUG", "all", TRUE);
  log_text = g_string_new (NULL);
  g_log_set_writer_func (capture_writer, NULL, NULL);
  g_test_init (&argc, &argv, NULL);

  if (g_getenv ("MEOW_TEST_NO_KEYRING") != NULL)
    g_test_add_func ("/secret-headers/no-keyring", test_no_keyring);
  else
    {
      g_test_add_func ("/secret-headers/keyring", test_keyring);
      g_test_add_func ("/secret-headers/upload-target", test_upload_target);
    }
  return g_test_run ();
}
