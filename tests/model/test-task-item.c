/* test-task-item.c: what a task item stands for (ui/meow-task-item.c), no display
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

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

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/model/task-item/file", test_file);

  return g_test_run ();
}
