/* test-task-manager.c: making tasks in the model (ui/meow-task-manager.c), no display
 *
 * What the Add dialog, a paste, a drop of files, `meow URL` and the browser turn into:
 * the download folder from the settings, the folder made on demand, the dialog's options,
 * the first upload target with its protocol and headers, and the errors a user is shown.
 * The manager runs over a real client; downloads are added paused (nothing to fetch) and
 * uploads go to the in-process test server.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include <glib/gstdio.h>

#include "meow-task-manager.h"
#include "meow-test-fixture.h"

#define UPLOAD_PATH "/upload"

typedef struct
{
  MeowTestServer  *server;
  GSettings       *settings;
  MeowClient      *client;
  MeowTaskManager *manager;
  char            *dir;
} Fixture;

static void
fixture_setup (Fixture *fx, gconstpointer data)
{
  g_autoptr (MeowConfig) config = meow_config_new ();
  g_autoptr (GError) error = NULL;

  fx->server = meow_test_server_new ();
  meow_test_server_add_upload_endpoint (fx->server, UPLOAD_PATH);
  fx->dir = g_dir_make_tmp ("meow-model-XXXXXX", &error);
  g_assert_no_error (error);

  /* The memory backend is per process: start every test from the defaults. */
  fx->settings = g_settings_new (APPLICATION_ID);
  g_settings_reset (fx->settings, "download-folder");
  g_settings_reset (fx->settings, "upload-targets");

  fx->client = meow_client_new (config, &error);
  g_assert_no_error (error);
  fx->manager = meow_task_manager_new (fx->client, NULL, fx->settings);
  g_object_add_weak_pointer (G_OBJECT (fx->manager), (gpointer *) &fx->manager);
}

static void
fixture_teardown (Fixture *fx, gconstpointer data)
{
  meow_task_manager_close (fx->manager);
  g_object_unref (fx->manager);
  g_assert_null (fx->manager); /* nothing else keeps the model alive */
  g_clear_object (&fx->client);
  g_clear_object (&fx->settings);
  g_clear_pointer (&fx->server, meow_test_server_free);
  meow_test_rm_rf (fx->dir);
  g_clear_pointer (&fx->dir, g_free);
}

static guint
n_items (Fixture *fx)
{
  return g_list_model_get_n_items (meow_task_manager_get_model (fx->manager));
}

/* The task of the item at @position (the list keeps it). */
static MeowTask *
task_at (Fixture *fx, guint position)
{
  g_autoptr (MeowTaskItem) item =
      g_list_model_get_item (meow_task_manager_get_model (fx->manager), position);

  g_assert_nonnull (item);
  return meow_task_item_get_task (item);
}

static void
count_notify_cb (GObject *object, GParamSpec *pspec, guint *count)
{
  (*count)++;
}

/* The setting, else XDG_DOWNLOAD_DIR, else the home folder; the property follows the
 * setting. */
static void
test_download_folder (Fixture *fx, gconstpointer data)
{
  g_autofree char *user_dirs = g_build_filename (g_get_user_config_dir (), "user-dirs.dirs", NULL);
  g_autofree char *fetched = g_build_filename (g_get_home_dir (), "Fetched", NULL);
  g_autofree char *chosen = g_build_filename (fx->dir, "Chosen", NULL);
  g_autofree char *folder = NULL;
  g_autofree char *property = NULL;
  guint            notified = 0;

  /* No XDG Downloads folder: the home folder. */
  g_unlink (user_dirs);
  g_reload_user_special_dirs_cache ();
  folder = meow_task_manager_dup_download_folder (fx->manager);
  g_assert_cmpstr (folder, ==, g_get_home_dir ());
  g_clear_pointer (&folder, g_free);

  /* The XDG Downloads folder of the user's user-dirs.dirs. */
  g_assert_cmpint (g_mkdir_with_parents (g_get_user_config_dir (), 0700), ==, 0);
  g_assert_true (g_file_set_contents (user_dirs, "XDG_DOWNLOAD_DIR=\"$HOME/Fetched\"\n", -1, NULL));
  g_reload_user_special_dirs_cache ();
  folder = meow_task_manager_dup_download_folder (fx->manager);
  g_assert_cmpstr (folder, ==, fetched);
  g_clear_pointer (&folder, g_free);

  /* The setting wins, and the property says so when it changes. */
  g_signal_connect (fx->manager, "notify::download-folder", G_CALLBACK (count_notify_cb),
                    &notified);
  g_settings_set_string (fx->settings, "download-folder", chosen);
  g_assert_cmpuint (notified, ==, 1);
  folder = meow_task_manager_dup_download_folder (fx->manager);
  g_assert_cmpstr (folder, ==, chosen);
  g_object_get (fx->manager, "download-folder", &property, NULL);
  g_assert_cmpstr (property, ==, chosen);

  g_settings_reset (fx->settings, "download-folder");
  g_assert_cmpuint (notified, ==, 2);
  g_clear_pointer (&property, g_free);
  g_object_get (fx->manager, "download-folder", &property, NULL);
  g_assert_cmpstr (property, ==, fetched);
  g_signal_handlers_disconnect_by_func (fx->manager, count_notify_cb, &notified);

  g_unlink (user_dirs);
  g_reload_user_special_dirs_cache ();
}

/* The folder a download is made in, created with its parents: the one given, else the
 * download folder; what cannot be created is an error naming it. */
static void
test_ready_download_folder (Fixture *fx, gconstpointer data)
{
  g_autofree char *given = g_build_filename (fx->dir, "given", "deeper", NULL);
  g_autofree char *setting = g_build_filename (fx->dir, "Setting", "Downloads", NULL);
  g_autofree char *file = g_build_filename (fx->dir, "a-file", NULL);
  g_autofree char *under_file = g_build_filename (file, "sub", NULL);
  g_autofree char *folder = NULL;
  g_autoptr (GError) error = NULL;

  folder = meow_task_manager_dup_ready_download_folder (fx->manager, given, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (folder, ==, given);
  g_assert_true (g_file_test (given, G_FILE_TEST_IS_DIR));
  g_clear_pointer (&folder, g_free);

  /* An existing folder is fine as it is. */
  folder = meow_task_manager_dup_ready_download_folder (fx->manager, given, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (folder, ==, given);
  g_clear_pointer (&folder, g_free);

  g_settings_set_string (fx->settings, "download-folder", setting);
  g_assert_false (g_file_test (setting, G_FILE_TEST_EXISTS));
  folder = meow_task_manager_dup_ready_download_folder (fx->manager, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (folder, ==, setting);
  g_assert_true (g_file_test (setting, G_FILE_TEST_IS_DIR));
  g_clear_pointer (&folder, g_free);

  meow_test_write_file (file, "not a folder", -1);
  g_settings_set_string (fx->settings, "download-folder", under_file);
  folder = meow_task_manager_dup_ready_download_folder (fx->manager, NULL, &error);
  g_assert_null (folder);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_DIRECTORY);
  g_assert_true (g_str_has_prefix (error->message, "Cannot create the folder “"));
  g_assert_nonnull (strstr (error->message, under_file));
  g_assert_cmpuint (n_items (fx), ==, 0);
}

/* Links with the Add dialog's options: into the folder (made for them), paused,
 * with a checksum; the download folder when none is given. */
static void
test_add_urls (Fixture *fx, gconstpointer data)
{
  g_autofree char *folder = g_build_filename (fx->dir, "new", "deeper", NULL);
  g_autofree char *default_folder = g_build_filename (fx->dir, "Downloads", NULL);
  const char      *two[] = { "http://127.0.0.1:9/a.iso", "https://127.0.0.1:9/b.zip", NULL };
  const char      *one[] = { "http://127.0.0.1:9/c.bin", NULL };
  const char      *sha256 = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
  const char      *hex = NULL;
  g_autoptr (GError) error = NULL;

  g_assert_true (meow_task_manager_add_urls (fx->manager, two, folder, NULL, TRUE, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_test (folder, G_FILE_TEST_IS_DIR));
  g_assert_cmpuint (n_items (fx), ==, 2);
  for (guint i = 0; i < 2; i++)
    {
      g_autoptr (MeowTaskItem) item =
          g_list_model_get_item (meow_task_manager_get_model (fx->manager), i);

      g_assert_cmpstr (meow_task_item_get_url (item), ==, two[i]);
      g_assert_cmpint (meow_task_item_get_direction (item), ==, MEOW_DIRECTION_DOWNLOAD);
      g_assert_cmpint (meow_task_item_get_status (item), ==, MEOW_STATUS_PAUSED);
      g_assert_cmpstr (meow_task_get_output_dir (meow_task_item_get_task (item)), ==, folder);
      g_assert_cmpint (meow_task_get_checksum (meow_task_item_get_task (item), NULL), ==,
                       MEOW_CHECKSUM_NONE);
    }
  g_assert_cmpuint (meow_task_manager_get_n_active (fx->manager), ==, 0);

  /* No folder: the download folder, made too; a checksum for a single link. */
  g_settings_set_string (fx->settings, "download-folder", default_folder);
  g_assert_true (meow_task_manager_add_urls (fx->manager, one, NULL, sha256, TRUE, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_test (default_folder, G_FILE_TEST_IS_DIR));
  g_assert_cmpuint (n_items (fx), ==, 3);
  g_assert_cmpstr (meow_task_get_output_dir (task_at (fx, 2)), ==, default_folder);
  g_assert_cmpint (meow_task_get_checksum (task_at (fx, 2), &hex), ==, MEOW_CHECKSUM_SHA256);
  g_assert_cmpstr (hex, ==, sha256);
}

/* A folder that cannot be made, or one link the engine refuses: nothing is added, and
 * the message names the folder. */
static void
test_add_urls_errors (Fixture *fx, gconstpointer data)
{
  g_autofree char *file = g_build_filename (fx->dir, "a-file", NULL);
  g_autofree char *under_file = g_build_filename (file, "sub", NULL);
  const char      *good[] = { "http://127.0.0.1:9/a.iso", NULL };
  const char      *mixed[] = { "http://127.0.0.1:9/a.iso", "http://", NULL };
  g_autoptr (GError) error = NULL;

  meow_test_write_file (file, "not a folder", -1);
  g_assert_false (meow_task_manager_add_urls (fx->manager, good, under_file, NULL, TRUE, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_DIRECTORY);
  g_test_message ("%s", error->message);
  g_assert_true (g_str_has_prefix (error->message, "Cannot create the folder “"));
  g_assert_nonnull (strstr (error->message, under_file));
  g_assert_cmpuint (n_items (fx), ==, 0);
  g_clear_error (&error);

  g_assert_false (meow_task_manager_add_urls (fx->manager, mixed, fx->dir, NULL, TRUE, &error));
  g_assert_nonnull (error);
  g_test_message ("%s", error->message);
  g_assert_cmpuint (n_items (fx), ==, 0);
}

static void
set_upload_target (Fixture *fx, const char *protocol, const char *headers)
{
  g_autofree char *url = meow_test_server_dup_url (fx->server, UPLOAD_PATH);
  GVariantBuilder  builder;

  g_variant_builder_init (&builder, G_VARIANT_TYPE ("a(ssss)"));
  g_variant_builder_add (&builder, "(ssss)", "First", protocol, url, headers);
  g_variant_builder_add (&builder, "(ssss)", "Second", "tus", "http://127.0.0.1:9/files/", "");
  g_settings_set_value (fx->settings, "upload-targets", g_variant_builder_end (&builder));
}

/* Files dropped for upload go to the first target, with its protocol and its headers
 * (one "Name: value" per line, lines without a colon skipped). */
static void
test_upload_files (Fixture *fx, gconstpointer data)
{
  g_autofree char *path = g_build_filename (fx->dir, "photo.jpg", NULL);
  g_autofree char *url = meow_test_server_dup_url (fx->server, UPLOAD_PATH);
  g_autoptr (GBytes) payload = meow_test_make_payload (64 * 1024 + 3, 17);
  g_autoptr (GFile) file = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (MeowTaskItem) item = NULL;
  GSList            *files = NULL;
  const char *const *headers;
  MeowTask          *task;

  /* No target yet: nothing added, and the message says where to add one. */
  meow_test_write_file (path, g_bytes_get_data (payload, NULL), g_bytes_get_size (payload));
  file = g_file_new_for_path (path);
  files = g_slist_prepend (NULL, file);
  g_assert_cmpuint (meow_task_manager_upload_files (fx->manager, files, &error), ==, 0);
  g_assert_error (error, MEOW_ERROR, MEOW_ERROR_PARAMETER_INVALID);
  g_assert_cmpstr (error->message, ==, "To upload files, add an upload target in Preferences.");
  g_assert_cmpuint (n_items (fx), ==, 0);
  g_clear_error (&error);

  set_upload_target (fx, "meow", "X-Meow-Test: 1\nno colon here\n  X-Other :  two words  \n");
  g_assert_cmpuint (meow_task_manager_count_upload_targets (fx->manager), ==, 2);
  {
    g_auto (GStrv) names = meow_task_manager_dup_upload_target_names (fx->manager);

    g_assert_cmpuint (g_strv_length (names), ==, 2);
    g_assert_cmpstr (names[0], ==, "First");
    g_assert_cmpstr (names[1], ==, "Second");
  }
  /* A target that is gone (the settings changed while a dialog was open). */
  g_assert_cmpuint (meow_task_manager_upload_files_to (fx->manager, files, 2, &error), ==, 0);
  g_assert_error (error, MEOW_ERROR, MEOW_ERROR_PARAMETER_INVALID);
  g_assert_cmpuint (n_items (fx), ==, 0);
  g_clear_error (&error);
  g_assert_cmpuint (meow_task_manager_upload_files (fx->manager, files, &error), ==, 1);
  g_assert_no_error (error);
  g_slist_free (files);

  g_assert_cmpuint (n_items (fx), ==, 1);
  item = g_list_model_get_item (meow_task_manager_get_model (fx->manager), 0);
  task = meow_task_item_get_task (item);
  g_assert_cmpint (meow_task_get_direction (task), ==, MEOW_DIRECTION_UPLOAD);
  g_assert_cmpstr (meow_task_get_url (task), ==, url);
  g_assert_cmpstr (meow_task_get_source_file (task), ==, path);
  g_assert_cmpint (meow_task_get_upload_protocol (task), ==, MEOW_UPLOAD_PROTOCOL_MEOW);
  headers = meow_task_get_headers (task);
  g_assert_nonnull (headers);
  g_assert_cmpuint (g_strv_length ((char **) headers), ==, 2);
  g_assert_cmpstr (headers[0], ==, "X-Meow-Test: 1");
  g_assert_cmpstr (headers[1], ==, "X-Other: two words");

  /* Queued at once, and the server receives the file. */
  MEOW_TEST_WAIT_UNTIL (meow_task_item_is_finished (item));
  g_assert_cmpint (meow_task_item_get_status (item), ==, MEOW_STATUS_COMPLETE);
  meow_test_assert_server_upload_equals (fx->server, payload);
}

/* A file that is not local is reported; the others are still uploaded. */
static void
test_upload_files_not_local (Fixture *fx, gconstpointer data)
{
  g_autofree char *path = g_build_filename (fx->dir, "notes.txt", NULL);
  g_autoptr (GFile) local = NULL;
  g_autoptr (GFile) remote = g_file_new_for_uri ("https://example.com/notes.txt");
  g_autoptr (GError) error = NULL;
  g_autoptr (MeowTaskItem) item = NULL;
  GSList *files = NULL;

  meow_test_write_file (path, "meow", -1);
  local = g_file_new_for_path (path);
  files = g_slist_append (files, remote);
  files = g_slist_append (files, local);
  set_upload_target (fx, "tus", "");

  g_assert_cmpuint (meow_task_manager_upload_files (fx->manager, files, &error), ==, 1);
  g_slist_free (files);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED);
  g_assert_cmpstr (error->message, ==,
                   "Only local files can be uploaded, not “https://example.com/notes.txt”.");
  g_assert_cmpuint (n_items (fx), ==, 1);
  item = g_list_model_get_item (meow_task_manager_get_model (fx->manager), 0);
  g_assert_cmpstr (meow_task_get_source_file (meow_task_item_get_task (item)), ==, path);
  g_assert_cmpint (meow_task_get_upload_protocol (meow_task_item_get_task (item)), ==,
                   MEOW_UPLOAD_PROTOCOL_TUS);
}

/* ------------------------------------------------------------------ */
/* Clear Finished and its Undo                                         */

#define SPIN_UNTIL(cond, timeout_s)                                                                \
  G_STMT_START                                                                                     \
  {                                                                                                \
    gint64 _deadline = g_get_monotonic_time () + (timeout_s) *G_USEC_PER_SEC;                      \
    while (!(cond) && g_get_monotonic_time () < _deadline)                                         \
      g_main_context_iteration (NULL, TRUE);                                                       \
  }                                                                                                \
  G_STMT_END

/* The saved list: one task a letter of @statuses (C complete, F failed, X canceled,
 * P paused), named 0.bin, 1.bin, … in order (as the task's name, so that the finished
 * ones come back as saved items that build their task when asked). Replaces the fixture's manager
 * with one over that store, loaded without resuming. */
static MeowStore *
load_statuses (Fixture *fx, const char *statuses)
{
  g_autofree char *path = g_build_filename (fx->dir, "tasks.db", NULL);
  g_autoptr (MeowConfig) config = meow_config_new ();
  g_autoptr (GError) error = NULL;
  MeowStore *store = meow_store_new (path);

  g_assert_true (meow_store_load (store, &error));
  g_assert_no_error (error);
  for (guint i = 0; statuses[i] != '\0'; i++)
    {
      g_autofree char *url = g_strdup_printf ("http://127.0.0.1:9/%u.bin", i);
      g_autofree char *name = g_strdup_printf ("%u.bin", i);
      g_autoptr (MeowTaskBuilder) b = meow_task_builder_new_download (url);
      g_autoptr (MeowTask) task = NULL;
      g_autoptr (MeowStoredTask) st = NULL;
      g_autoptr (GError) reason =
          g_error_new_literal (MEOW_ERROR, MEOW_ERROR_RESPONSE_STATUS, "404");
      MeowStatus status = statuses[i] == 'C'   ? MEOW_STATUS_COMPLETE
                          : statuses[i] == 'F' ? MEOW_STATUS_FAILED
                          : statuses[i] == 'X' ? MEOW_STATUS_CANCELED
                                               : MEOW_STATUS_PAUSED;

      meow_task_builder_set_output_dir (b, fx->dir);
      meow_task_builder_set_name (b, name);
      task = meow_task_builder_build (b, &error);
      g_assert_no_error (error);
      st = meow_stored_task_new_from_task (task, 0);
      g_assert_true (meow_store_add (store, st, &error));
      g_assert_no_error (error);
      g_assert_true (meow_store_set_status (store, meow_task_get_id (task), status,
                                            status == MEOW_STATUS_FAILED ? reason : NULL, &error));
      g_assert_no_error (error);
    }

  meow_task_manager_close (fx->manager);
  g_object_unref (fx->manager);
  g_assert_null (fx->manager);
  /* Closing the manager closed its client: a new one for the new manager. */
  g_clear_object (&fx->client);
  fx->client = meow_client_new (config, &error);
  g_assert_no_error (error);
  fx->manager = meow_task_manager_new (fx->client, store, fx->settings);
  g_object_add_weak_pointer (G_OBJECT (fx->manager), (gpointer *) &fx->manager);
  meow_task_manager_load (fx->manager, FALSE);
  g_assert_cmpuint (n_items (fx), ==, strlen (statuses));
  return store;
}

/* The list's tasks by their URLs' names, "0 1 3": what the user sees, in order. */
static char *
list_names (Fixture *fx)
{
  GListModel *model = meow_task_manager_get_model (fx->manager);
  GString    *s = g_string_new (NULL);

  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr (MeowTaskItem) item = g_list_model_get_item (model, i);
      const char *name = strrchr (meow_task_item_get_url (item), '/') + 1;

      g_string_append_printf (s, "%s%.*s", i ? " " : "", (int) strcspn (name, "."), name);
    }
  return g_string_free (s, FALSE);
}

/* The same for the store's file, read back by a new store: what the next start shows. */
static char *
stored_names (Fixture *fx)
{
  g_autofree char *path = g_build_filename (fx->dir, "tasks.db", NULL);
  g_autoptr (MeowStore) store = meow_store_new (path);
  g_autoptr (GPtrArray) tasks = NULL;
  g_autoptr (GError) error = NULL;
  GString *s = g_string_new (NULL);

  g_assert_true (meow_store_load (store, &error));
  g_assert_no_error (error);
  tasks = meow_store_dup_tasks (store);
  for (guint i = 0; i < tasks->len; i++)
    {
      const char *url = meow_stored_task_get_url (g_ptr_array_index (tasks, i));
      const char *name = strrchr (url, '/') + 1;

      g_string_append_printf (s, "%s%.*s", i ? " " : "", (int) strcspn (name, "."), name);
    }
  return g_string_free (s, FALSE);
}

static gboolean
names_are (char *got, const char *expected)
{
  gboolean same = g_strcmp0 (got, expected) == 0;

  if (!same)
    g_test_message ("got “%s”, expected “%s”", got, expected);
  g_free (got);
  return same;
}

static void
count_items_changed_cb (GListModel *model, guint pos, guint removed, guint added, guint *count)
{
  (*count)++;
}

/* Complete and Canceled go, Failed and Paused stay; one change of the list; the store
 * follows on disk; Undo puts every task back where it was, in the list and the store,
 * with its status and error. */
static void
test_clear_finished (Fixture *fx, gconstpointer data)
{
  g_autoptr (MeowStore) store = load_statuses (fx, "CFXPCCFX");
  g_autoptr (GPtrArray) cleared = NULL;
  g_autoptr (GPtrArray) nothing = NULL;
  g_autoptr (GError) error = NULL;
  guint changes = 0;

  g_assert_true (meow_task_manager_has_finished (fx->manager));
  g_signal_connect (meow_task_manager_get_model (fx->manager), "items-changed",
                    G_CALLBACK (count_items_changed_cb), &changes);

  cleared = meow_task_manager_clear_finished (fx->manager, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (cleared->len, ==, 5);
  g_assert_cmpuint (changes, ==, 1);
  g_assert_true (names_are (list_names (fx), "1 3 6"));
  /* The removal is written without waiting (meow_store_remove_all_async()): a flush, as
   * at shutdown, waits for it. */
  g_assert_true (meow_store_flush (store, &error));
  g_assert_no_error (error);
  g_assert_true (names_are (stored_names (fx), "1 3 6"));
  g_assert_false (meow_task_manager_has_finished (fx->manager));
  for (guint i = 0; i < n_items (fx); i++)
    g_assert_nonnull (meow_task_manager_lookup (fx->manager, meow_task_get_id (task_at (fx, i))));

  /* Nothing left to clear: nothing changes. */
  nothing = meow_task_manager_clear_finished (fx->manager, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (nothing->len, ==, 0);
  g_assert_cmpuint (changes, ==, 1);

  g_assert_true (meow_task_manager_restore_cleared (fx->manager, cleared, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (changes, ==, 2);
  g_assert_true (names_are (list_names (fx), "0 1 2 3 4 5 6 7"));
  /* In the store they come back after the ones that stayed (the list's order is the
   * one the user sees; see meow_task_manager_restore_cleared()). They are written without
   * waiting (meow_store_add_all_async()): a flush waits for them. */
  g_assert_true (meow_store_flush (store, &error));
  g_assert_no_error (error);
  g_assert_true (names_are (stored_names (fx), "1 3 6 0 2 4 5 7"));
  for (guint i = 0; i < n_items (fx); i++)
    {
      g_autoptr (MeowTaskItem) item =
          g_list_model_get_item (meow_task_manager_get_model (fx->manager), i);
      g_autoptr (MeowStoredTask) st = meow_store_dup_task (store, meow_task_item_get_id (item));
      MeowStatus expected = "CFXPCCFX"[i] == 'C'   ? MEOW_STATUS_COMPLETE
                            : "CFXPCCFX"[i] == 'F' ? MEOW_STATUS_FAILED
                            : "CFXPCCFX"[i] == 'X' ? MEOW_STATUS_CANCELED
                                                   : MEOW_STATUS_PAUSED;

      g_assert_cmpint (meow_task_item_get_status (item), ==, expected);
      g_assert_nonnull (st);
      g_assert_cmpint (meow_stored_task_get_status (st), ==, expected);
      g_assert_true (meow_task_manager_lookup (fx->manager, meow_task_item_get_id (item)) == item);
    }
  g_assert_true (meow_task_manager_has_finished (fx->manager));

  /* Undo twice: every task is already back, nothing changes. */
  g_assert_true (meow_task_manager_restore_cleared (fx->manager, cleared, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (changes, ==, 2);
  g_assert_cmpuint (n_items (fx), ==, 8);
  g_signal_handlers_disconnect_by_data (meow_task_manager_get_model (fx->manager), &changes);
}

/* Undo after a task was added: the cleared ones go back in their places, the new one
 * stays at the end. */
static void
test_clear_finished_undo_after_change (Fixture *fx, gconstpointer data)
{
  g_autoptr (MeowStore) store = load_statuses (fx, "PCPC");
  g_autoptr (GPtrArray) cleared = NULL;
  g_autoptr (GError) error = NULL;
  const char *urls[] = { "http://127.0.0.1:9/9.bin", NULL };

  cleared = meow_task_manager_clear_finished (fx->manager, &error);
  g_assert_no_error (error);
  g_assert_true (names_are (list_names (fx), "0 2"));
  g_assert_true (meow_task_manager_add_urls (fx->manager, urls, fx->dir, NULL, TRUE, &error));
  g_assert_no_error (error);
  g_assert_true (meow_task_manager_restore_cleared (fx->manager, cleared, &error));
  g_assert_no_error (error);
  g_assert_true (names_are (list_names (fx), "0 1 2 3 9"));
  g_assert_true (meow_store_flush (store, &error)); /* Undo is written without waiting */
  g_assert_no_error (error);
  g_assert_true (names_are (stored_names (fx), "0 2 9 1 3"));
}

/* A task running when Clear Finished runs stays, and still stays once it has finished
 * (its Complete record comes after the clear); the next clear takes it. */
static void
test_clear_finished_while_running (Fixture *fx, gconstpointer data)
{
  g_autoptr (MeowStore) store = load_statuses (fx, "C");
  g_autoptr (GBytes) body = g_bytes_new_static ("meow meow meow", 14);
  g_autofree char *url = NULL;
  g_autoptr (MeowTaskBuilder) b = NULL;
  g_autoptr (MeowTask) task = NULL;
  g_autoptr (GPtrArray) cleared = NULL;
  g_autoptr (GPtrArray) again = NULL;
  g_autoptr (GError) error = NULL;
  MeowTaskItem *item;

  meow_test_server_set_file (fx->server, "/late.bin", body);
  url = meow_test_server_dup_url (fx->server, "/late.bin");
  b = meow_task_builder_new_download (url);
  meow_task_builder_set_output_dir (b, fx->dir);
  task = meow_task_builder_build (b, &error);
  g_assert_no_error (error);
  item = meow_task_manager_add (fx->manager, task, FALSE, &error);
  g_assert_no_error (error);
  g_assert_nonnull (item);
  g_assert_true (meow_task_item_get_live (item));

  cleared = meow_task_manager_clear_finished (fx->manager, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (cleared->len, ==, 1);
  g_assert_cmpuint (n_items (fx), ==, 1);

  SPIN_UNTIL (meow_task_item_get_status (item) == MEOW_STATUS_COMPLETE, 20);
  g_assert_cmpint (meow_task_item_get_status (item), ==, MEOW_STATUS_COMPLETE);
  g_assert_cmpuint (n_items (fx), ==, 1);
  g_assert_true (meow_task_manager_lookup (fx->manager, meow_task_get_id (task)) == item);
  g_assert_true (meow_store_flush (store, &error));
  g_assert_no_error (error);
  {
    g_autoptr (MeowStoredTask) st = meow_store_dup_task (store, meow_task_get_id (task));

    g_assert_nonnull (st);
    g_assert_cmpint (meow_stored_task_get_status (st), ==, MEOW_STATUS_COMPLETE);
  }

  again = meow_task_manager_clear_finished (fx->manager, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (again->len, ==, 1);
  g_assert_cmpuint (n_items (fx), ==, 0);
  g_assert_true (meow_store_flush (store, &error)); /* the removal is written without waiting */
  g_assert_no_error (error);
  g_assert_true (names_are (stored_names (fx), ""));
}

/* A download of @payload, served at /@name.bin, added to the manager and started. */
static MeowTaskItem *
add_download (Fixture *fx, const char *name, GBytes *payload)
{
  g_autofree char *path = g_strdup_printf ("/%s.bin", name);
  g_autofree char *url = meow_test_server_dup_url (fx->server, path);
  g_autoptr (MeowTaskBuilder) b = meow_task_builder_new_download (url);
  g_autoptr (MeowTask) task = NULL;
  g_autoptr (GError) error = NULL;
  MeowTaskItem *item;

  meow_test_server_set_file (fx->server, path, payload);
  meow_task_builder_set_output_dir (b, fx->dir);
  task = meow_task_builder_build (b, &error);
  g_assert_no_error (error);
  item = meow_task_manager_add (fx->manager, task, FALSE, &error);
  g_assert_no_error (error);
  g_assert_nonnull (item);
  return item;
}

/* One download slot, held by a slow download ("busy"; the test cancels it) that has
 * started. */
static MeowTaskItem *
add_busy (Fixture *fx)
{
  g_autoptr (GBytes) payload = meow_test_make_payload (4 * 1024 * 1024, 95);
  g_autoptr (GError) error = NULL;
  MeowTestFaults faults = {
    0,
  };
  MeowTaskItem *busy;

  g_assert_true (meow_client_set_max_transfers (fx->client, 1, 2, &error));
  g_assert_no_error (error);
  faults.throttle_bytes_per_sec = 64 * 1024;
  meow_test_server_set_faults (fx->server, &faults);
  busy = add_download (fx, "busy", payload);
  SPIN_UNTIL (meow_task_item_get_status (busy) == MEOW_STATUS_TRANSMISSION, 20);
  g_assert_cmpint (meow_task_item_get_status (busy), ==, MEOW_STATUS_TRANSMISSION);
  return busy;
}

/* add_busy(), and @n small downloads queued behind it (q1, q2, …) into @q. */
static MeowTaskItem *
add_busy_and_queued (Fixture *fx, MeowTaskItem **q, guint n, guint32 seed)
{
  MeowTaskItem *busy = add_busy (fx);

  for (guint i = 0; i < n; i++)
    {
      g_autofree char *name = g_strdup_printf ("q%u", i + 1);
      g_autoptr (GBytes) payload = meow_test_make_payload (4096, seed + i);

      q[i] = add_download (fx, name, payload);
    }
  return busy;
}

/* Move to Top / Bottom (issue 17): the queued tasks start in the new order (the server
 * sees them so), the list shows it, and the store keeps it for the next start. */
static void
test_queue_move (Fixture *fx, gconstpointer data)
{
  g_autoptr (MeowStore) store = load_statuses (fx, "");
  g_autoptr (GError) error = NULL;
  g_autofree char *order = NULL;
  MeowTaskItem    *busy, *q[3];

  busy = add_busy_and_queued (fx, q, G_N_ELEMENTS (q), 96);

  g_assert_true (meow_task_manager_move_to_top (fx->manager, meow_task_item_get_id (q[2]), &error));
  g_assert_no_error (error);
  g_assert_true (
      meow_task_manager_move_to_bottom (fx->manager, meow_task_item_get_id (q[0]), &error));
  g_assert_no_error (error);
  g_assert_true (names_are (list_names (fx), "q3 busy q2 q1"));
  g_assert_true (meow_store_flush (store, &error));
  g_assert_no_error (error);
  g_assert_true (names_are (stored_names (fx), "q3 busy q2 q1"));
  /* Rows already written move too (q2 above busy, q3 above it again). */
  g_assert_true (meow_task_manager_move_to_top (fx->manager, meow_task_item_get_id (q[1]), &error));
  g_assert_no_error (error);
  g_assert_true (meow_task_manager_move_to_top (fx->manager, meow_task_item_get_id (q[2]), &error));
  g_assert_no_error (error);
  g_assert_true (meow_store_flush (store, &error));
  g_assert_no_error (error);
  g_assert_true (names_are (stored_names (fx), "q3 q2 busy q1"));
  g_assert_true (names_are (list_names (fx), "q3 q2 busy q1"));

  /* Only queued tasks move or start now. */
  g_assert_false (
      meow_task_manager_move_to_top (fx->manager, meow_task_item_get_id (busy), &error));
  g_assert_error (error, MEOW_ERROR, MEOW_ERROR_INVALID_TASK_STATE);
  g_clear_error (&error);
  g_assert_false (meow_task_manager_start_now (fx->manager, meow_task_item_get_id (busy), &error));
  g_assert_error (error, MEOW_ERROR, MEOW_ERROR_INVALID_TASK_STATE);
  g_clear_error (&error);

  g_assert_true (meow_task_manager_cancel (fx->manager, meow_task_item_get_id (busy), &error));
  g_assert_no_error (error);
  for (guint i = 0; i < G_N_ELEMENTS (q); i++)
    {
      SPIN_UNTIL (meow_task_item_get_status (q[i]) == MEOW_STATUS_COMPLETE, 20);
      g_assert_cmpint (meow_task_item_get_status (q[i]), ==, MEOW_STATUS_COMPLETE);
    }
  order = meow_test_server_dup_path_order (fx->server);
  g_assert_cmpstr (order, ==, "/busy.bin,/q3.bin,/q2.bin,/q1.bin");
}

/* The details page's limits: a running and a queued task take them (the item's task
 * too), and a fresh store builds both with them. */
static void
test_limits (Fixture *fx, gconstpointer data)
{
  g_autoptr (GBytes) payload = meow_test_make_payload (4096, 97);
  g_autoptr (MeowStore) store = load_statuses (fx, "");
  g_autofree char *path = g_build_filename (fx->dir, "tasks.db", NULL);
  g_autoptr (MeowStore) fresh = meow_store_new (path);
  g_autoptr (GError) error = NULL;
  MeowTaskItem *busy, *queued;
  char         *ids[2];

  busy = add_busy (fx);
  queued = add_download (fx, "queued", payload);
  /* Copies: the item's id may live in the task it replaces. */
  ids[0] = g_strdup (meow_task_item_get_id (busy));
  ids[1] = g_strdup (meow_task_item_get_id (queued));
  g_assert_true (meow_task_manager_set_limits (fx->manager, ids[0], 32 * 1024, 2, &error));
  g_assert_no_error (error);
  g_assert_true (meow_task_manager_set_limits (fx->manager, ids[1], 0, 5, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (meow_task_get_speed_limit (meow_task_item_get_task (busy)), ==, 32 * 1024);
  g_assert_cmpuint (meow_task_get_segments (meow_task_item_get_task (busy)), ==, 2);
  g_assert_cmpuint (meow_task_get_segments (meow_task_item_get_task (queued)), ==, 5);
  g_assert_true (meow_task_manager_lookup (fx->manager, ids[0]) == busy);
  g_assert_false (meow_task_manager_set_limits (fx->manager, "no-such-id", 0, 0, &error));
  g_assert_error (error, MEOW_ERROR, MEOW_ERROR_TASK_NOT_FOUND);
  g_clear_error (&error);

  g_assert_true (meow_store_flush (store, &error));
  g_assert_no_error (error);
  g_assert_true (meow_store_load (fresh, &error));
  g_assert_no_error (error);
  for (guint i = 0; i < 2; i++)
    {
      g_autoptr (MeowStoredTask) st = meow_store_dup_task (fresh, ids[i]);
      g_autoptr (MeowTask) task = NULL;

      g_assert_nonnull (st);
      task = meow_stored_task_build (st, &error);
      g_assert_no_error (error);
      g_assert_cmpuint (meow_task_get_speed_limit (task), ==, i == 0 ? 32 * 1024 : 0);
      g_assert_cmpuint (meow_task_get_segments (task), ==, i == 0 ? 2 : 5);
    }

  g_assert_true (meow_task_manager_cancel (fx->manager, ids[0], &error));
  g_assert_no_error (error);
  SPIN_UNTIL (meow_task_item_get_status (queued) == MEOW_STATUS_COMPLETE, 20);
  g_assert_cmpint (meow_task_item_get_status (queued), ==, MEOW_STATUS_COMPLETE);
  g_free (ids[0]);
  g_free (ids[1]);
}

/* Drag and drop (issue 17): a queued task next to another one — the server sees the
 * new start order, the list shows it and the store keeps it. */
static void
test_queue_move_beside (Fixture *fx, gconstpointer data)
{
  g_autoptr (MeowStore) store = load_statuses (fx, "");
  g_autoptr (GError) error = NULL;
  g_autofree char *order = NULL;
  MeowTaskItem    *busy, *q[4];

  busy = add_busy_and_queued (fx, q, G_N_ELEMENTS (q), 110);
  g_assert_true (meow_store_flush (store, &error));
  g_assert_no_error (error);

  /* q4 before q1, then q2 after q3: q4 q1 q3 q2. */
  g_assert_true (meow_task_manager_move_beside (fx->manager, meow_task_item_get_id (q[3]),
                                                meow_task_item_get_id (q[0]),
                                                MEOW_QUEUE_POSITION_FRONT, &error));
  g_assert_no_error (error);
  g_assert_true (meow_task_manager_move_beside (fx->manager, meow_task_item_get_id (q[1]),
                                                meow_task_item_get_id (q[2]),
                                                MEOW_QUEUE_POSITION_BACK, &error));
  g_assert_no_error (error);
  g_assert_true (names_are (list_names (fx), "busy q4 q1 q3 q2"));
  g_assert_true (meow_store_flush (store, &error));
  g_assert_no_error (error);
  g_assert_true (names_are (stored_names (fx), "busy q4 q1 q3 q2"));

  /* Not next to a running task, and not a running one. */
  g_assert_false (meow_task_manager_move_beside (fx->manager, meow_task_item_get_id (q[0]),
                                                 meow_task_item_get_id (busy),
                                                 MEOW_QUEUE_POSITION_FRONT, &error));
  g_assert_error (error, MEOW_ERROR, MEOW_ERROR_INVALID_TASK_STATE);
  g_clear_error (&error);
  g_assert_false (meow_task_manager_move_beside (fx->manager, meow_task_item_get_id (busy),
                                                 meow_task_item_get_id (q[0]),
                                                 MEOW_QUEUE_POSITION_BACK, &error));
  g_assert_error (error, MEOW_ERROR, MEOW_ERROR_INVALID_TASK_STATE);
  g_clear_error (&error);
  g_assert_true (names_are (list_names (fx), "busy q4 q1 q3 q2"));

  g_assert_true (meow_task_manager_cancel (fx->manager, meow_task_item_get_id (busy), &error));
  g_assert_no_error (error);
  for (guint i = 0; i < G_N_ELEMENTS (q); i++)
    {
      SPIN_UNTIL (meow_task_item_get_status (q[i]) == MEOW_STATUS_COMPLETE, 20);
      g_assert_cmpint (meow_task_item_get_status (q[i]), ==, MEOW_STATUS_COMPLETE);
    }
  order = meow_test_server_dup_path_order (fx->server);
  g_assert_cmpstr (order, ==, "/busy.bin,/q4.bin,/q1.bin,/q3.bin,/q2.bin");
}

/* Start Now: the task runs beside the one holding the only slot, which goes on; the
 * list's order stays. */
static void
test_queue_start_now (Fixture *fx, gconstpointer data)
{
  g_autoptr (GBytes) p1 = meow_test_make_payload (4096, 99);
  g_autoptr (GBytes) p2 = meow_test_make_payload (4096, 100);
  g_autoptr (MeowStore) store = load_statuses (fx, "");
  g_autoptr (GError) error = NULL;
  g_autofree char *order = NULL;
  MeowTaskItem    *busy, *first, *now;

  busy = add_busy (fx);
  first = add_download (fx, "first", p1);
  now = add_download (fx, "now", p2);

  g_assert_true (meow_task_manager_start_now (fx->manager, meow_task_item_get_id (now), &error));
  g_assert_no_error (error);
  SPIN_UNTIL (meow_task_item_get_status (now) == MEOW_STATUS_COMPLETE, 20);
  g_assert_cmpint (meow_task_item_get_status (now), ==, MEOW_STATUS_COMPLETE);
  g_assert_cmpint (meow_task_item_get_status (busy), ==, MEOW_STATUS_TRANSMISSION);
  g_assert_cmpint (meow_task_item_get_status (first), ==, MEOW_STATUS_PENDING);
  g_assert_true (names_are (list_names (fx), "busy first now"));

  g_assert_true (meow_task_manager_cancel (fx->manager, meow_task_item_get_id (busy), &error));
  g_assert_no_error (error);
  SPIN_UNTIL (meow_task_item_get_status (first) == MEOW_STATUS_COMPLETE, 20);
  g_assert_cmpint (meow_task_item_get_status (first), ==, MEOW_STATUS_COMPLETE);
  order = meow_test_server_dup_path_order (fx->server);
  g_assert_cmpstr (order, ==, "/busy.bin,/now.bin,/first.bin");
}

static void
count_item_cb (MeowTaskManager *manager, MeowTaskItem *item, guint *count)
{
  (*count)++;
}

/* A download of /a.bin (slowed) to @target, paused once bytes are on disk. */
static MeowTaskItem *
add_and_pause (Fixture *fx, const char *target)
{
  g_autofree char *url = meow_test_server_dup_url (fx->server, "/a.bin");
  g_autofree char *part = g_strconcat (target, ".part", NULL);
  g_autoptr (MeowTaskBuilder) b = meow_task_builder_new_download (url);
  g_autoptr (MeowTask) task = NULL;
  g_autoptr (GError) error = NULL;
  MeowTestFaults faults = {
    0,
  };
  MeowTaskItem *item;
  GStatBuf      st;

  faults.throttle_bytes_per_sec = 128 * 1024;
  meow_test_server_set_faults (fx->server, &faults);
  meow_task_builder_set_output_file (b, target);
  task = meow_task_builder_build (b, &error);
  g_assert_no_error (error);
  item = meow_task_manager_add (fx->manager, task, FALSE, &error);
  g_assert_no_error (error);
  SPIN_UNTIL (g_stat (part, &st) == 0 && st.st_size > 0, 20);
  g_assert_true (meow_task_manager_pause (fx->manager, meow_task_item_get_id (item), &error));
  g_assert_no_error (error);
  SPIN_UNTIL (meow_task_item_get_status (item) == MEOW_STATUS_PAUSED, 20);
  g_assert_cmpint (meow_task_item_get_status (item), ==, MEOW_STATUS_PAUSED);
  meow_test_server_clear_faults (fx->server);
  return item;
}

static char *
stored_url (MeowStore *store, const char *id)
{
  g_autoptr (MeowStoredTask) st = NULL;
  g_autoptr (GError) error = NULL;

  g_assert_true (meow_store_flush (store, &error));
  g_assert_no_error (error);
  st = meow_store_dup_task (store, id);
  g_assert_nonnull (st);
  return g_strdup (meow_stored_task_get_url (st));
}

/* "Change Link…" in the model (issue 13): a paused download goes on from a link to the
 * same file; a link to another file fails with link-differs and keeps the bytes; Start
 * Over (RESTART) on that failed item queues it again and fetches the new file. The item,
 * its Retry and the store follow the new link. */
static void
test_change_url (Fixture *fx, gconstpointer data)
{
  g_autoptr (MeowStore) store = load_statuses (fx, "");
  g_autoptr (GBytes) content = meow_test_make_payload (512 * 1024, 91);
  g_autoptr (GBytes) other = meow_test_make_payload (512 * 1024, 92);
  g_autofree char *same = g_build_filename (fx->dir, "same.bin", NULL);
  g_autofree char *diff = g_build_filename (fx->dir, "differs.bin", NULL);
  g_autofree char *b_url = meow_test_server_dup_url (fx->server, "/b.bin");
  g_autofree char *c_url = meow_test_server_dup_url (fx->server, "/c.bin");
  g_autofree char *got = NULL;
  g_autoptr (GError) error = NULL;
  guint            link_differs = 0;
  guint            url_notified = 0;
  MeowTaskItem    *item;
  g_autofree char *id = NULL;

  meow_test_server_set_file (fx->server, "/a.bin", content);
  meow_test_server_copy_file (fx->server, "/b.bin", fx->server, "/a.bin");
  meow_test_server_set_file (fx->server, "/c.bin", other);
  g_signal_connect (fx->manager, "link-differs", G_CALLBACK (count_item_cb), &link_differs);

  /* the same file under another link */
  item = add_and_pause (fx, same);
  id = g_strdup (meow_task_item_get_id (item));
  g_signal_connect (item, "notify::url", G_CALLBACK (count_notify_cb), &url_notified);
  g_assert_true (
      meow_task_manager_change_url (fx->manager, id, b_url, MEOW_CHANGE_URL_NONE, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (meow_task_item_get_url (item), ==, b_url);
  g_assert_cmpuint (url_notified, ==, 1);
  g_assert_true (meow_task_manager_lookup (fx->manager, id) == item);
  got = stored_url (store, id);
  g_assert_cmpstr (got, ==, b_url);
  g_assert_true (meow_task_manager_resume (fx->manager, id, &error));
  g_assert_no_error (error);
  SPIN_UNTIL (meow_task_item_is_finished (item), 20);
  g_assert_cmpint (meow_task_item_get_status (item), ==, MEOW_STATUS_COMPLETE);
  meow_test_assert_file_equals (same, content);
  g_assert_cmpuint (link_differs, ==, 0);

  /* another file: Failed, link-differs, bytes kept */
  item = add_and_pause (fx, diff);
  g_free (id);
  id = g_strdup (meow_task_item_get_id (item));
  g_assert_true (
      meow_task_manager_change_url (fx->manager, id, c_url, MEOW_CHANGE_URL_NONE, &error));
  g_assert_no_error (error);
  g_assert_true (meow_task_manager_resume (fx->manager, id, &error));
  g_assert_no_error (error);
  SPIN_UNTIL (link_differs == 1, 20);
  g_assert_cmpuint (link_differs, ==, 1);
  g_assert_cmpint (meow_task_item_get_status (item), ==, MEOW_STATUS_FAILED);
  g_assert_nonnull (strstr (meow_task_item_get_error_message (item), c_url));
  g_assert_false (g_file_test (diff, G_FILE_TEST_EXISTS));
  {
    g_autofree char *part = g_strconcat (diff, ".part", NULL);
    GStatBuf         st;

    g_assert_cmpint (g_stat (part, &st), ==, 0);
    g_assert_cmpint (st.st_size, >, 0);
  }

  /* Start Over: queued again from the new link, whole */
  g_assert_true (
      meow_task_manager_change_url (fx->manager, id, c_url, MEOW_CHANGE_URL_RESTART, &error));
  g_assert_no_error (error);
  g_assert_true (meow_task_item_get_live (item));
  SPIN_UNTIL (meow_task_item_is_finished (item), 20);
  g_assert_cmpint (meow_task_item_get_status (item), ==, MEOW_STATUS_COMPLETE);
  meow_test_assert_file_equals (diff, other);
  g_clear_pointer (&got, g_free);
  got = stored_url (store, id);
  g_assert_cmpstr (got, ==, c_url);
  g_assert_cmpstr (meow_task_get_url (meow_task_item_get_task (item)), ==, c_url);
  g_assert_cmpint (meow_task_get_relink (meow_task_item_get_task (item)), ==, MEOW_RELINK_VERIFY);

  /* a complete task, or an unknown one: refused */
  g_assert_false (
      meow_task_manager_change_url (fx->manager, id, b_url, MEOW_CHANGE_URL_NONE, &error));
  g_assert_error (error, MEOW_ERROR, MEOW_ERROR_INVALID_TASK_STATE);
  g_clear_error (&error);
  g_assert_false (meow_task_manager_change_url (fx->manager, "no-such-id", b_url,
                                                MEOW_CHANGE_URL_NONE, &error));
  g_assert_error (error, MEOW_ERROR, MEOW_ERROR_TASK_NOT_FOUND);
}

/* What the network monitor's state holds transfers for (issue 13). */
static void
test_network_hold (void)
{
  static const struct
  {
    gboolean             available;
    GNetworkConnectivity connectivity;
    gboolean             metered;
    gboolean             pause_on_metered;
    MeowWaitReason       hold;
  } cases[] = {
    { TRUE, G_NETWORK_CONNECTIVITY_FULL, FALSE, FALSE, MEOW_WAIT_NONE },
    { TRUE, G_NETWORK_CONNECTIVITY_FULL, TRUE, FALSE, MEOW_WAIT_NONE },
    { TRUE, G_NETWORK_CONNECTIVITY_FULL, TRUE, TRUE, MEOW_WAIT_METERED },
    { TRUE, G_NETWORK_CONNECTIVITY_FULL, FALSE, TRUE, MEOW_WAIT_NONE },
    { TRUE, G_NETWORK_CONNECTIVITY_LIMITED, FALSE, FALSE, MEOW_WAIT_NONE },
    { TRUE, G_NETWORK_CONNECTIVITY_PORTAL, FALSE, FALSE, MEOW_WAIT_PORTAL },
    { TRUE, G_NETWORK_CONNECTIVITY_PORTAL, TRUE, TRUE, MEOW_WAIT_PORTAL },
    { TRUE, G_NETWORK_CONNECTIVITY_LOCAL, FALSE, FALSE, MEOW_WAIT_NETWORK },
    { FALSE, G_NETWORK_CONNECTIVITY_LOCAL, FALSE, FALSE, MEOW_WAIT_NETWORK },
    { FALSE, G_NETWORK_CONNECTIVITY_FULL, TRUE, TRUE, MEOW_WAIT_NETWORK },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      MeowWaitReason got = meow_task_manager_network_hold (
          cases[i].available, cases[i].connectivity, cases[i].metered, cases[i].pause_on_metered);

      if (got != cases[i].hold)
        g_error ("case %" G_GSIZE_FORMAT ": hold %d, expected %d", i, got, cases[i].hold);
    }
}

static void
record_items_changed_cb (GListModel *model, guint pos, guint removed, guint added, guint *last)
{
  last[0] = pos;
  last[1] = removed;
  last[2] = added;
}

/* has_finished() as a scan of the list would say: what the count it keeps must match. */
static gboolean
scan_has_finished (Fixture *fx)
{
  GListModel *model = meow_task_manager_get_model (fx->manager);

  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr (MeowTaskItem) item = g_list_model_get_item (model, i);
      MeowStatus status = meow_task_item_get_status (item);

      if (!meow_task_item_get_live (item) &&
          (status == MEOW_STATUS_COMPLETE || status == MEOW_STATUS_CANCELED))
        return TRUE;
    }
  return FALSE;
}

#define ASSERT_HAS_FINISHED(fx, expected)                                                          \
  G_STMT_START                                                                                     \
  {                                                                                                \
    g_assert_cmpint (scan_has_finished (fx), ==, (expected));                                      \
    g_assert_cmpint (meow_task_manager_has_finished ((fx)->manager), ==, (expected));              \
  }                                                                                                \
  G_STMT_END

/* The id of the task at @position. */
static const char *
id_at (Fixture *fx, guint position)
{
  return meow_task_get_id (task_at (fx, position));
}

/* has_finished() is a count kept as the list changes, not a scan: it follows a remove and
 * its Undo, a cancel, a retry, a clear and its Undo, an add, and a download that
 * completes. */
static void
test_has_finished_follows_changes (Fixture *fx, gconstpointer data)
{
  g_autoptr (MeowStore) store = load_statuses (fx, "CPF");
  g_autoptr (GBytes) body = g_bytes_new_static ("meow", 4);
  g_autoptr (GPtrArray) cleared = NULL;
  g_autoptr (MeowTaskItem) removed = NULL;
  g_autoptr (MeowTaskBuilder) b = NULL;
  g_autoptr (MeowTask) task = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *url = NULL;
  const char      *paused_urls[] = { "http://127.0.0.1:9/8.bin", NULL };
  MeowTaskItem    *item;
  guint            position = 0;

  ASSERT_HAS_FINISHED (fx, TRUE);

  /* The only finished one removed, then put back. */
  removed = meow_task_manager_remove (fx->manager, id_at (fx, 0), &position, &error);
  g_assert_no_error (error);
  g_assert_nonnull (removed);
  ASSERT_HAS_FINISHED (fx, FALSE);
  g_assert_true (meow_task_manager_restore (fx->manager, removed, position, &error));
  g_assert_no_error (error);
  ASSERT_HAS_FINISHED (fx, TRUE);

  /* Cleared: nothing finished is left; a paused one canceled is finished; its Retry
   * makes it live again. */
  cleared = meow_task_manager_clear_finished (fx->manager, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (cleared->len, ==, 1);
  ASSERT_HAS_FINISHED (fx, FALSE);
  g_assert_true (names_are (list_names (fx), "1 2"));
  g_assert_true (meow_task_manager_cancel (fx->manager, id_at (fx, 0), &error));
  g_assert_no_error (error);
  ASSERT_HAS_FINISHED (fx, TRUE);
  g_assert_true (meow_task_manager_resume (fx->manager, id_at (fx, 0), &error));
  g_assert_no_error (error);
  g_assert_true (meow_task_item_get_live (meow_task_manager_lookup (fx->manager, id_at (fx, 0))));
  ASSERT_HAS_FINISHED (fx, FALSE);

  /* Undo of the clear brings the complete one back. */
  g_assert_true (meow_task_manager_restore_cleared (fx->manager, cleared, &error));
  g_assert_no_error (error);
  ASSERT_HAS_FINISHED (fx, TRUE);

  /* A paused add is not finished; a second clear takes the complete one again, and what
   * was retried and is still live stays. */
  g_assert_true (
      meow_task_manager_add_urls (fx->manager, paused_urls, fx->dir, NULL, TRUE, &error));
  g_assert_no_error (error);
  g_clear_pointer (&cleared, g_ptr_array_unref);
  cleared = meow_task_manager_clear_finished (fx->manager, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (cleared->len, ==, 1);
  ASSERT_HAS_FINISHED (fx, FALSE);

  /* A download that runs to Complete is finished once its record says so. */
  meow_test_server_set_file (fx->server, "/done.bin", body);
  url = meow_test_server_dup_url (fx->server, "/done.bin");
  b = meow_task_builder_new_download (url);
  meow_task_builder_set_output_dir (b, fx->dir);
  task = meow_task_builder_build (b, &error);
  g_assert_no_error (error);
  item = meow_task_manager_add (fx->manager, task, FALSE, &error);
  g_assert_no_error (error);
  g_assert_nonnull (item);
  SPIN_UNTIL (meow_task_item_get_status (item) == MEOW_STATUS_COMPLETE &&
                  meow_task_manager_has_finished (fx->manager),
              20);
  g_assert_cmpint (meow_task_item_get_status (item), ==, MEOW_STATUS_COMPLETE);
  ASSERT_HAS_FINISHED (fx, TRUE);
}

/* A saved list of @n tasks, all complete but every @paused_every-th one paused, saved
 * with one write, then loaded by a new manager: the list arrives in ONE items-changed,
 * in the store's order. */
static void
test_load_one_change (Fixture *fx, gconstpointer data)
{
  const guint      n = 2000;
  g_autofree char *path = g_build_filename (fx->dir, "tasks.json", NULL);
  g_autoptr (MeowStore) store = meow_store_new (path);
  g_autoptr (GPtrArray) stored =
      g_ptr_array_new_with_free_func ((GDestroyNotify) meow_stored_task_free);
  g_autoptr (GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (MeowConfig) config = meow_config_new ();
  g_autoptr (GError) error = NULL;
  GListModel *model;
  guint       changes = 0;

  g_assert_true (meow_store_load (store, &error));
  g_assert_no_error (error);
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *url = g_strdup_printf ("http://127.0.0.1:9/%u.bin", i);
      g_autoptr (MeowTaskBuilder) b = meow_task_builder_new_download (url);
      g_autoptr (MeowTask) task = NULL;

      meow_task_builder_set_output_dir (b, fx->dir);
      task = meow_task_builder_build (b, &error);
      g_assert_no_error (error);
      g_ptr_array_add (stored, meow_stored_task_new_from_task (task, 0));
      g_ptr_array_add (ids, g_strdup (meow_task_get_id (task)));
    }
  g_assert_true (meow_store_add_all (store, (const MeowStoredTask *const *) stored->pdata,
                                     stored->len, &error));
  g_assert_no_error (error);
  for (guint i = 0; i < n; i++)
    {
      g_assert_true (meow_store_set_status (store, ids->pdata[i],
                                            i % 7 == 3 ? MEOW_STATUS_PAUSED : MEOW_STATUS_COMPLETE,
                                            NULL, &error));
      g_assert_no_error (error);
    }

  meow_task_manager_close (fx->manager);
  g_object_unref (fx->manager);
  g_assert_null (fx->manager);
  g_clear_object (&fx->client);
  fx->client = meow_client_new (config, &error);
  g_assert_no_error (error);
  fx->manager = meow_task_manager_new (fx->client, store, fx->settings);
  g_object_add_weak_pointer (G_OBJECT (fx->manager), (gpointer *) &fx->manager);
  model = meow_task_manager_get_model (fx->manager);
  g_signal_connect (model, "items-changed", G_CALLBACK (count_items_changed_cb), &changes);

  meow_task_manager_load (fx->manager, FALSE);
  g_assert_cmpuint (changes, ==, 1);
  g_assert_cmpuint (n_items (fx), ==, n);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr (MeowTaskItem) item = g_list_model_get_item (model, i);

      g_assert_cmpstr (meow_task_item_get_id (item), ==, ids->pdata[i]);
      g_assert_cmpint (meow_task_item_get_status (item), ==,
                       i % 7 == 3 ? MEOW_STATUS_PAUSED : MEOW_STATUS_COMPLETE);
      g_assert_true (meow_task_manager_lookup (fx->manager, ids->pdata[i]) == item);
    }
  ASSERT_HAS_FINISHED (fx, TRUE);

  /* The clear takes the complete ones in one change, and Undo puts them back in one. */
  {
    g_autoptr (GPtrArray) cleared = meow_task_manager_clear_finished (fx->manager, &error);

    g_assert_no_error (error);
    g_assert_cmpuint (cleared->len, ==, n - (n + 3) / 7);
    g_assert_cmpuint (n_items (fx), ==, (n + 3) / 7);
    g_assert_cmpuint (changes, ==, 2);
    ASSERT_HAS_FINISHED (fx, FALSE);
    g_assert_true (meow_task_manager_restore_cleared (fx->manager, cleared, &error));
    g_assert_no_error (error);
    g_assert_cmpuint (changes, ==, 3);
    g_assert_cmpuint (n_items (fx), ==, n);
    for (guint i = 0; i < n; i++)
      g_assert_cmpstr (id_at (fx, i), ==, ids->pdata[i]);
    ASSERT_HAS_FINISHED (fx, TRUE);
  }
  g_signal_handlers_disconnect_by_data (model, &changes);
}

/* The ids of the list, in order, each once (asserted). */
static GPtrArray *
list_ids (Fixture *fx)
{
  GListModel *model = meow_task_manager_get_model (fx->manager);
  g_autoptr (GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  GPtrArray *ids = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr (MeowTaskItem) item = g_list_model_get_item (model, i);

      g_assert_true (g_hash_table_add (seen, (gpointer) meow_task_item_get_id (item)));
      g_ptr_array_add (ids, g_strdup (meow_task_item_get_id (item)));
    }
  return ids;
}

/* A list longer than the first batch: the load, Clear Finished and its Undo go in idle
 * batches and slices (MeowTaskManager:busy meanwhile). Every task shows exactly once, in
 * the store's order; one added during the load or the clear is not lost and stays at the
 * end; Undo puts every cleared task back in its place, in the list and the store. */
static void
test_load_clear_in_slices (Fixture *fx, gconstpointer data)
{
  const guint      n = 20000;
  g_autofree char *path = g_build_filename (fx->dir, "tasks.db", NULL);
  g_autoptr (MeowStore) store = meow_store_new (path);
  g_autoptr (GPtrArray) stored =
      g_ptr_array_new_with_free_func ((GDestroyNotify) meow_stored_task_free);
  g_autoptr (GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GPtrArray) seen = NULL;
  g_autoptr (GPtrArray) cleared = NULL;
  g_autoptr (MeowConfig) config = meow_config_new ();
  g_autoptr (GError) error = NULL;
  const char *during_load[] = { "http://127.0.0.1:9/during-load.bin", NULL };
  const char *during_clear[] = { "http://127.0.0.1:9/during-clear.bin", NULL };
  guint       changes = 0, n_paused = 0;

  g_assert_true (meow_store_load (store, &error));
  g_assert_no_error (error);
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *url = g_strdup_printf ("http://127.0.0.1:9/%u.bin", i);
      g_autoptr (MeowTaskBuilder) b = meow_task_builder_new_download (url);
      g_autoptr (MeowTask) task = NULL;

      meow_task_builder_set_output_dir (b, fx->dir);
      task = meow_task_builder_build (b, &error);
      g_assert_no_error (error);
      g_ptr_array_add (stored, meow_stored_task_new_from_task (task, 0));
      g_ptr_array_add (ids, g_strdup (meow_task_get_id (task)));
    }
  g_assert_true (meow_store_add_all (store, (const MeowStoredTask *const *) stored->pdata,
                                     stored->len, &error));
  g_assert_no_error (error);
  for (guint i = 0; i < n; i++)
    {
      g_assert_true (meow_store_set_status (store, ids->pdata[i],
                                            i % 7 == 3 ? MEOW_STATUS_PAUSED : MEOW_STATUS_COMPLETE,
                                            NULL, &error));
      g_assert_no_error (error);
      n_paused += i % 7 == 3;
    }

  meow_task_manager_close (fx->manager);
  g_object_unref (fx->manager);
  g_assert_null (fx->manager);
  g_clear_object (&fx->client);
  fx->client = meow_client_new (config, &error);
  g_assert_no_error (error);
  fx->manager = meow_task_manager_new (fx->client, store, fx->settings);
  g_object_add_weak_pointer (G_OBJECT (fx->manager), (gpointer *) &fx->manager);
  g_signal_connect (meow_task_manager_get_model (fx->manager), "items-changed",
                    G_CALLBACK (count_items_changed_cb), &changes);

  /* The first batch now, the rest from the main loop; a task added meanwhile comes
   * after the loaded ones. */
  meow_task_manager_load (fx->manager, FALSE);
  g_assert_true (meow_task_manager_get_busy (fx->manager));
  g_assert_cmpuint (changes, ==, 1);
  g_assert_cmpuint (n_items (fx), <, n);
  g_assert_true (
      meow_task_manager_add_urls (fx->manager, during_load, fx->dir, NULL, TRUE, &error));
  g_assert_no_error (error);
  SPIN_UNTIL (!meow_task_manager_get_busy (fx->manager), 30);
  g_assert_false (meow_task_manager_get_busy (fx->manager));
  g_assert_cmpuint (changes, >, 2);
  seen = list_ids (fx);
  g_assert_cmpuint (seen->len, ==, n + 1);
  for (guint i = 0; i < n; i++)
    g_assert_cmpstr (seen->pdata[i], ==, ids->pdata[i]);
  g_assert_cmpstr (meow_task_item_get_url (meow_task_manager_lookup (fx->manager, seen->pdata[n])),
                   ==, during_load[0]);
  g_ptr_array_add (ids, g_strdup (seen->pdata[n]));
  g_clear_pointer (&seen, g_ptr_array_unref);

  /* Clear Finished in slices: gone from the list when it is no longer busy, and from
   * the store; one added meanwhile stays. */
  changes = 0;
  cleared = meow_task_manager_clear_finished (fx->manager, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (cleared->len, ==, n - n_paused);
  g_assert_false (meow_task_manager_has_finished (fx->manager));
  g_assert_true (meow_task_manager_get_busy (fx->manager));
  g_assert_true (
      meow_task_manager_add_urls (fx->manager, during_clear, fx->dir, NULL, TRUE, &error));
  g_assert_no_error (error);
  SPIN_UNTIL (!meow_task_manager_get_busy (fx->manager), 30);
  g_assert_false (meow_task_manager_get_busy (fx->manager));
  g_assert_cmpuint (changes, >, 1);
  g_assert_cmpuint (n_items (fx), ==, n_paused + 2);
  for (guint i = 0, k = 0; i < n; i++)
    if (i % 7 == 3)
      g_assert_cmpstr (id_at (fx, k++), ==, ids->pdata[i]);
  g_assert_cmpstr (id_at (fx, n_paused), ==, ids->pdata[n]);
  g_assert_cmpstr (
      meow_task_item_get_url (meow_task_manager_lookup (fx->manager, id_at (fx, n_paused + 1))), ==,
      during_clear[0]);
  g_ptr_array_add (ids, g_strdup (id_at (fx, n_paused + 1)));
  g_assert_true (meow_store_flush (store, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (meow_store_get_n_tasks (store), ==, n_paused + 2);
  {
    g_autoptr (MeowStore) on_disk = meow_store_new (path);

    g_assert_true (meow_store_load (on_disk, &error));
    g_assert_no_error (error);
    g_assert_cmpuint (meow_store_get_n_tasks (on_disk), ==, n_paused + 2);
  }

  /* Undo in slices: every task back in its place, the two added ones at the end, each
   * in the store with its status. */
  g_assert_true (meow_task_manager_restore_cleared (fx->manager, cleared, &error));
  g_assert_no_error (error);
  g_assert_true (meow_task_manager_get_busy (fx->manager));
  SPIN_UNTIL (!meow_task_manager_get_busy (fx->manager), 30);
  g_assert_false (meow_task_manager_get_busy (fx->manager));
  seen = list_ids (fx);
  g_assert_cmpuint (seen->len, ==, n + 2);
  for (guint i = 0; i < n + 2; i++)
    g_assert_cmpstr (seen->pdata[i], ==, ids->pdata[i]);
  ASSERT_HAS_FINISHED (fx, TRUE);
  g_assert_true (meow_store_flush (store, &error));
  g_assert_no_error (error);
  {
    g_autoptr (MeowStore) on_disk = meow_store_new (path);

    g_assert_true (meow_store_load (on_disk, &error));
    g_assert_no_error (error);
    g_assert_cmpuint (meow_store_get_n_tasks (on_disk), ==, n + 2);
    for (guint i = 0; i < n; i++)
      {
        g_autoptr (MeowStoredTask) st = meow_store_dup_task (on_disk, ids->pdata[i]);

        g_assert_nonnull (st);
        g_assert_cmpint (meow_stored_task_get_status (st), ==,
                         i % 7 == 3 ? MEOW_STATUS_PAUSED : MEOW_STATUS_COMPLETE);
      }
  }
  g_signal_handlers_disconnect_by_data (meow_task_manager_get_model (fx->manager), &changes);
}

/* A lookup by id during the load finds a task of its last batch: the rest is loaded
 * first. */
static void
test_lookup_during_load (Fixture *fx, gconstpointer data)
{
  const guint      n = 6000;
  g_autofree char *path = g_build_filename (fx->dir, "tasks.db", NULL);
  g_autoptr (MeowStore) store = meow_store_new (path);
  g_autoptr (GPtrArray) stored =
      g_ptr_array_new_with_free_func ((GDestroyNotify) meow_stored_task_free);
  g_autoptr (MeowConfig) config = meow_config_new ();
  g_autoptr (GError) error = NULL;
  g_autofree char *last_id = NULL;

  g_assert_true (meow_store_load (store, &error));
  g_assert_no_error (error);
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *url = g_strdup_printf ("http://127.0.0.1:9/%u.bin", i);
      g_autoptr (MeowTaskBuilder) b = meow_task_builder_new_download (url);
      g_autoptr (MeowTask) task = NULL;

      meow_task_builder_set_output_dir (b, fx->dir);
      task = meow_task_builder_build (b, &error);
      g_assert_no_error (error);
      g_ptr_array_add (stored, meow_stored_task_new_from_task (task, 0));
      g_free (last_id);
      last_id = g_strdup (meow_task_get_id (task));
    }
  g_assert_true (meow_store_add_all (store, (const MeowStoredTask *const *) stored->pdata,
                                     stored->len, &error));
  g_assert_no_error (error);

  meow_task_manager_close (fx->manager);
  g_object_unref (fx->manager);
  g_assert_null (fx->manager);
  g_clear_object (&fx->client);
  fx->client = meow_client_new (config, &error);
  g_assert_no_error (error);
  fx->manager = meow_task_manager_new (fx->client, store, fx->settings);
  g_object_add_weak_pointer (G_OBJECT (fx->manager), (gpointer *) &fx->manager);

  meow_task_manager_load (fx->manager, FALSE);
  g_assert_true (meow_task_manager_get_busy (fx->manager));
  g_assert_cmpuint (n_items (fx), <, n);
  g_assert_nonnull (meow_task_manager_lookup (fx->manager, last_id));
  g_assert_false (meow_task_manager_get_busy (fx->manager));
  g_assert_cmpuint (n_items (fx), ==, n);
  g_assert_cmpstr (id_at (fx, n - 1), ==, last_id);
}

/* The splice covers only the range between the first and the last cleared task: the tasks
 * before and after it keep their places, and Undo restores the order. */
static void
test_clear_finished_range (Fixture *fx, gconstpointer data)
{
  g_autoptr (MeowStore) store = load_statuses (fx, "PPCPXCPP");
  g_autoptr (GPtrArray) cleared = NULL;
  g_autoptr (GError) error = NULL;
  GListModel *model = meow_task_manager_get_model (fx->manager);
  guint       changes = 0;
  guint       last[3] = { 0 };

  g_signal_connect (model, "items-changed", G_CALLBACK (count_items_changed_cb), &changes);
  g_signal_connect (model, "items-changed", G_CALLBACK (record_items_changed_cb), last);

  cleared = meow_task_manager_clear_finished (fx->manager, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (cleared->len, ==, 3);
  g_assert_cmpuint (changes, ==, 1);
  /* From 2 (the first complete) to 5 (the last), with the paused 3 put back. */
  g_assert_cmpuint (last[0], ==, 2);
  g_assert_cmpuint (last[1], ==, 4);
  g_assert_cmpuint (last[2], ==, 1);
  g_assert_true (names_are (list_names (fx), "0 1 3 6 7"));
  /* The removal is written without waiting: a flush waits for it. */
  g_assert_true (meow_store_flush (store, &error));
  g_assert_no_error (error);
  g_assert_true (names_are (stored_names (fx), "0 1 3 6 7"));

  g_assert_true (meow_task_manager_restore_cleared (fx->manager, cleared, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (changes, ==, 2);
  /* From 2 (the first put back) to the end. */
  g_assert_cmpuint (last[0], ==, 2);
  g_assert_cmpuint (last[1], ==, 3);
  g_assert_cmpuint (last[2], ==, 6);
  g_assert_true (names_are (list_names (fx), "0 1 2 3 4 5 6 7"));
  g_signal_handlers_disconnect_by_data (model, &changes);
  g_signal_handlers_disconnect_by_data (model, last);
}

/* A finished download of the saved list comes back without its task, which it builds
 * from the store when asked: the same task (id, URL, name, folder); Retry of a canceled
 * one queues it; Remove and Undo keep it. */
static void
test_saved_item_builds_task (Fixture *fx, gconstpointer data)
{
  g_autoptr (MeowStore) store = load_statuses (fx, "CXF");
  g_autoptr (MeowTaskItem) removed = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *first_id = NULL;
  guint            position = 0;

  /* Remove and Undo of the complete one, before its task was asked for. */
  {
    g_autoptr (MeowTaskItem) item =
        g_list_model_get_item (meow_task_manager_get_model (fx->manager), 0);

    first_id = g_strdup (meow_task_item_get_id (item));
  }
  removed = meow_task_manager_remove (fx->manager, first_id, &position, &error);
  g_assert_no_error (error);
  g_assert_nonnull (removed);
  g_assert_true (names_are (stored_names (fx), "1 2"));
  g_assert_true (meow_task_manager_restore (fx->manager, removed, position, &error));
  g_assert_no_error (error);
  g_assert_true (names_are (list_names (fx), "0 1 2"));
  g_assert_true (names_are (stored_names (fx), "1 2 0"));
  g_assert_cmpstr (meow_task_item_get_id (removed), ==, first_id);

  for (guint i = 0; i < 3; i++)
    {
      g_autoptr (MeowTaskItem) item =
          g_list_model_get_item (meow_task_manager_get_model (fx->manager), i);
      g_autofree char *url = g_strdup_printf ("http://127.0.0.1:9/%u.bin", i);
      g_autofree char *name = g_strdup_printf ("%u.bin", i);
      g_autoptr (MeowStoredTask) st = meow_store_dup_task (store, meow_task_item_get_id (item));
      MeowTask *task;

      g_assert_nonnull (st);
      g_assert_cmpstr (meow_task_item_get_url (item), ==, url);
      g_assert_cmpstr (meow_task_item_get_name (item), ==, name);
      g_assert_cmpint (meow_task_item_get_direction (item), ==, MEOW_DIRECTION_DOWNLOAD);
      task = meow_task_item_get_task (item);
      g_assert_nonnull (task);
      g_assert_true (meow_task_item_get_task (item) == task);
      g_assert_cmpstr (meow_task_get_id (task), ==, meow_stored_task_get_id (st));
      g_assert_cmpstr (meow_task_item_get_id (item), ==, meow_stored_task_get_id (st));
      g_assert_true (meow_task_manager_lookup (fx->manager, meow_task_get_id (task)) == item);
      g_assert_cmpstr (meow_task_get_url (task), ==, url);
      g_assert_cmpstr (meow_task_get_name (task), ==, name);
      g_assert_cmpstr (meow_task_get_output_dir (task), ==, fx->dir);
    }

  /* The canceled one: Retry queues its task (built from the store). */
  {
    g_autoptr (MeowTaskItem) item =
        g_list_model_get_item (meow_task_manager_get_model (fx->manager), 1);

    g_assert_true (meow_task_manager_resume (fx->manager, meow_task_item_get_id (item), &error));
    g_assert_no_error (error);
    g_assert_true (meow_task_item_get_live (item));
  }
}

/* While not NULL, log messages go here instead of out, and warnings do not abort. */
static GPtrArray *caught_log;

static GLogWriterOutput
catch_writer (GLogLevelFlags level, const GLogField *fields, gsize n_fields, gpointer data)
{
  if (caught_log == NULL)
    return g_log_writer_default (level, fields, n_fields, data);
  for (gsize i = 0; i < n_fields; i++)
    if (strcmp (fields[i].key, "MESSAGE") == 0)
      g_ptr_array_add (caught_log, fields[i].length < 0
                                       ? g_strdup (fields[i].value)
                                       : g_strndup (fields[i].value, fields[i].length));
  return G_LOG_WRITER_HANDLED;
}

/* A saved item whose task left the store has no task, and the warning names the item
 * (name and id) without its URL's password. */
static void
test_saved_item_gone (Fixture *fx, gconstpointer data)
{
  g_autofree char *path = g_build_filename (fx->dir, "tasks.json", NULL);
  g_autoptr (MeowStore) store = meow_store_new (path);
  g_autoptr (MeowTaskBuilder) b =
      meow_task_builder_new_download ("http://alice:s3cret@127.0.0.1:9/gone.bin");
  g_autoptr (MeowTask) task = NULL;
  g_autoptr (MeowStoredTask) st = NULL;
  g_autoptr (MeowTaskItem) item = NULL;
  g_autoptr (GPtrArray) caught = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GError) error = NULL;

  g_assert_true (meow_store_load (store, &error));
  g_assert_no_error (error);
  meow_task_builder_set_output_dir (b, fx->dir);
  meow_task_builder_set_name (b, "gone.bin");
  task = meow_task_builder_build (b, &error);
  g_assert_no_error (error);
  st = meow_stored_task_new_from_task (task, 0);
  g_assert_true (meow_store_add (store, st, &error));
  g_assert_no_error (error);
  g_assert_true (
      meow_store_set_status (store, meow_task_get_id (task), MEOW_STATUS_CANCELED, NULL, &error));
  g_assert_no_error (error);
  g_clear_pointer (&st, meow_stored_task_free);
  st = meow_store_dup_task (store, meow_task_get_id (task));
  g_assert_nonnull (st);
  g_assert_true (meow_task_item_can_be_saved (st));

  item = meow_task_item_new_saved (store, st);
  g_assert_true (meow_store_remove (store, meow_task_get_id (task), &error));
  g_assert_no_error (error);

  {
    GLogLevelFlags fatal = g_log_set_always_fatal (G_LOG_FATAL_MASK);

    caught_log = caught;
    g_assert_null (meow_task_item_get_task (item));
    caught_log = NULL;
    g_log_set_always_fatal (fatal);
  }

  g_assert_cmpuint (caught->len, ==, 1);
  g_test_message ("warned: %s", (const char *) caught->pdata[0]);
  g_assert_nonnull (strstr (caught->pdata[0], "gone.bin"));
  g_assert_nonnull (strstr (caught->pdata[0], meow_task_get_id (task)));
  g_assert_null (strstr (caught->pdata[0], "s3cret"));
  /* The item still shows what it was. */
  g_assert_cmpstr (meow_task_item_get_id (item), ==, meow_task_get_id (task));
  g_assert_cmpstr (meow_task_item_get_name (item), ==, "gone.bin");
}

int
main (int argc, char *argv[])
{
  /* Not G_TEST_OPTION_ISOLATE_DIRS: GLib then reads user-dirs.dirs from elsewhere. */
  g_autofree char *home = meow_test_make_private_home ("meow-model-home-XXXXXX");
  int              status;

  g_log_set_writer_func (catch_writer, NULL, NULL);
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/model/task-manager/download-folder", Fixture, NULL, fixture_setup,
              test_download_folder, fixture_teardown);
  g_test_add ("/model/task-manager/ready-download-folder", Fixture, NULL, fixture_setup,
              test_ready_download_folder, fixture_teardown);
  g_test_add ("/model/task-manager/add-urls", Fixture, NULL, fixture_setup, test_add_urls,
              fixture_teardown);
  g_test_add ("/model/task-manager/add-urls-errors", Fixture, NULL, fixture_setup,
              test_add_urls_errors, fixture_teardown);
  g_test_add ("/model/task-manager/upload-files", Fixture, NULL, fixture_setup, test_upload_files,
              fixture_teardown);
  g_test_add ("/model/task-manager/upload-files-not-local", Fixture, NULL, fixture_setup,
              test_upload_files_not_local, fixture_teardown);

  g_test_add ("/model/task-manager/clear-finished", Fixture, NULL, fixture_setup,
              test_clear_finished, fixture_teardown);
  g_test_add ("/model/task-manager/clear-finished-undo-after-change", Fixture, NULL, fixture_setup,
              test_clear_finished_undo_after_change, fixture_teardown);
  g_test_add ("/model/task-manager/clear-finished-while-running", Fixture, NULL, fixture_setup,
              test_clear_finished_while_running, fixture_teardown);
  g_test_add ("/model/task-manager/clear-finished-range", Fixture, NULL, fixture_setup,
              test_clear_finished_range, fixture_teardown);
  g_test_add ("/model/task-manager/has-finished-follows-changes", Fixture, NULL, fixture_setup,
              test_has_finished_follows_changes, fixture_teardown);
  g_test_add ("/model/task-manager/load-one-change", Fixture, NULL, fixture_setup,
              test_load_one_change, fixture_teardown);
  g_test_add ("/model/task-manager/load-clear-in-slices", Fixture, NULL, fixture_setup,
              test_load_clear_in_slices, fixture_teardown);
  g_test_add ("/model/task-manager/lookup-during-load", Fixture, NULL, fixture_setup,
              test_lookup_during_load, fixture_teardown);
  g_test_add ("/model/task-manager/saved-item-builds-task", Fixture, NULL, fixture_setup,
              test_saved_item_builds_task, fixture_teardown);
  g_test_add ("/model/task-manager/saved-item-gone", Fixture, NULL, fixture_setup,
              test_saved_item_gone, fixture_teardown);

  g_test_add ("/model/task-manager/limits", Fixture, NULL, fixture_setup, test_limits,
              fixture_teardown);
  g_test_add ("/model/task-manager/queue-move", Fixture, NULL, fixture_setup, test_queue_move,
              fixture_teardown);
  g_test_add ("/model/task-manager/queue-move-beside", Fixture, NULL, fixture_setup,
              test_queue_move_beside, fixture_teardown);
  g_test_add ("/model/task-manager/queue-start-now", Fixture, NULL, fixture_setup,
              test_queue_start_now, fixture_teardown);
  g_test_add_func ("/model/task-manager/network-hold", test_network_hold);
  g_test_add ("/model/task-manager/change-url", Fixture, NULL, fixture_setup, test_change_url,
              fixture_teardown);

  status = g_test_run ();
  meow_test_rm_rf (home);
  return status;
}
