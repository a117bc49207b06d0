/* test-task-item.c: what a task item stands for (ui/meow-task-item.c), no display
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "meow-error.h"
#include "meow-task-item.h"

static MeowTaskItem *
new_item (MeowTaskBuilder *builder)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (MeowTask) task = meow_task_builder_build (builder, &error);

  g_assert_no_error (error);
  meow_task_builder_free (builder);
  return meow_task_item_new (task);
}

static void
assert_file (MeowTaskItem *item, const char *expected)
{
  g_autoptr (GFile) file = meow_task_item_dup_file (item);
  g_autofree char *path = file ? g_file_get_path (file) : NULL;

  g_assert_cmpstr (path, ==, expected);
}

/* Open and Show in Folder: a download's file once it has one, the saved one first; an
 * upload's source. */
static void
test_file (void)
{
  g_autofree char *photo = g_build_filename (g_get_user_data_dir (), "photo.jpg", NULL);
  g_autoptr (MeowTaskItem) download = NULL;
  g_autoptr (MeowTaskItem) upload = NULL;
  MeowTaskBuilder *builder;

  builder = meow_task_builder_new_download ("http://127.0.0.1:9/report.pdf");
  meow_task_builder_set_output_dir (builder, "/srv/Downloads");
  download = new_item (builder);
  assert_file (download, NULL);
  meow_task_item_set_local_path (download, "/srv/Downloads/report.pdf");
  assert_file (download, "/srv/Downloads/report.pdf");
  meow_task_item_set_payload (download, "/srv/Downloads/report (1).pdf");
  assert_file (download, "/srv/Downloads/report (1).pdf");

  /* An upload's file must exist when its task is built. */
  g_assert_cmpint (g_mkdir_with_parents (g_get_user_data_dir (), 0700), ==, 0);
  g_assert_true (g_file_set_contents (photo, "meow", -1, NULL));
  upload = new_item (meow_task_builder_new_upload_file ("http://127.0.0.1:9/files/", photo));
  assert_file (upload, photo);
  /* An upload's payload is a link, not a file. */
  meow_task_item_set_payload (upload, "http://127.0.0.1:9/files/1234");
  assert_file (upload, photo);
}

/* A history item shares its store's task instead of copying its strings: it shows the
 * same, goes on showing it when the store lets the task go, and what changes on the item
 * stays the item's. */
static void
test_saved_shares_store (void)
{
  g_autofree char *path = g_build_filename (g_get_user_data_dir (), "tasks.db", NULL);
  g_autoptr (MeowStore) store = NULL;
  g_autoptr (MeowStoredTask) st = NULL;
  g_autoptr (MeowStoredTask) before = NULL;
  g_autoptr (MeowStoredTask) after = NULL;
  g_autoptr (MeowTask) task = NULL;
  g_autoptr (MeowTaskItem) item = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GError) reason =
      g_error_new_literal (MEOW_ERROR, MEOW_ERROR_RESPONSE_STATUS, "The server answered 404");
  g_autofree char *id = NULL;
  MeowTaskBuilder *builder;

  g_assert_cmpint (g_mkdir_with_parents (g_get_user_data_dir (), 0700), ==, 0);
  store = meow_store_new (path);
  builder = meow_task_builder_new_download ("http://127.0.0.1:9/report.pdf");
  meow_task_builder_set_output_dir (builder, "/srv/Downloads");
  meow_task_builder_set_name (builder, "report.pdf");
  task = meow_task_builder_build (builder, &error);
  g_assert_no_error (error);
  meow_task_builder_free (builder);
  id = g_strdup (meow_task_get_id (task));
  st = meow_stored_task_new_from_task (task, 0);
  g_assert_true (meow_store_add (store, st, &error));
  g_assert_no_error (error);
  g_assert_true (meow_store_set_status (store, id, MEOW_STATUS_FAILED, reason, &error));
  g_assert_no_error (error);

  item = meow_task_item_new_saved (store, meow_store_peek_task (store, 0));
  g_assert_cmpstr (meow_task_item_get_id (item), ==, id);
  g_assert_cmpstr (meow_task_item_get_name (item), ==, "report.pdf");
  g_assert_cmpstr (meow_task_item_get_url (item), ==, "http://127.0.0.1:9/report.pdf");
  g_assert_cmpint (meow_task_item_get_status (item), ==, MEOW_STATUS_FAILED);
  g_assert_cmpstr (meow_task_item_get_error_message (item), ==, "The server answered 404");
  g_assert_null (meow_task_item_get_local_path (item));

  /* Changed on the item: the item's own from now on, the store keeps its copy. */
  before = meow_store_dup_task (store, id);
  g_assert_cmpstr (meow_stored_task_get_local_path (before), !=, "/srv/Downloads/report.pdf");
  meow_task_item_set_status (item, MEOW_STATUS_PENDING);
  g_assert_null (meow_task_item_get_error_message (item));
  g_assert_cmpstr (meow_task_item_get_name (item), ==, "report.pdf");
  meow_task_item_set_local_path (item, "/srv/Downloads/report.pdf");
  after = meow_store_dup_task (store, id);
  g_assert_cmpstr (meow_stored_task_get_error_message (after), ==, "The server answered 404");
  g_assert_cmpstr (meow_stored_task_get_local_path (after), ==,
                   meow_stored_task_get_local_path (before));
  g_assert_cmpstr (meow_task_item_get_local_path (item), ==, "/srv/Downloads/report.pdf");

  /* Gone from the store (and its writer): the item still shows what it was. */
  g_clear_object (&item);
  item = meow_task_item_new_saved (store, meow_store_peek_task (store, 0));
  g_assert_true (meow_store_remove (store, id, &error));
  g_assert_no_error (error);
  g_assert_true (meow_store_flush (store, &error));
  g_assert_no_error (error);
  g_clear_object (&store);
  g_assert_cmpstr (meow_task_item_get_id (item), ==, id);
  g_assert_cmpstr (meow_task_item_get_name (item), ==, "report.pdf");
  g_assert_cmpstr (meow_task_item_get_error_message (item), ==, "The server answered 404");
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/model/task-item/file", test_file);
  g_test_add_func ("/model/task-item/saved-shares-store", test_saved_shares_store);

  return g_test_run ();
}
