/* test-folder-rules.c: rules that send file types to folders
 *
 * Matching (a table), the folder check, and the task manager's add path: an `.iso`
 * link lands in its rule's folder, others in the download folder, a folder chosen for
 * the links is stronger than the rules, and a rule whose folder cannot be used refuses
 * the links with a message naming the rule and the folder, adding nothing. Against the
 * in-process test server; the memory GSettings backend.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gstdio.h>

#include "meow-folder-rules.h"
#include "meow-task-manager.h"
#include "meow-test-fixture.h"
#include "meow-test-server.h"

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
  g_autofree char *downloads = NULL;

  fx->server = meow_test_server_new ();
  fx->dir = g_dir_make_tmp ("meow-rules-XXXXXX", &error);
  g_assert_no_error (error);

  /* The memory backend is per process: start every test from the defaults. */
  fx->settings = g_settings_new (APPLICATION_ID);
  g_settings_reset (fx->settings, "folder-rules");
  downloads = g_build_filename (fx->dir, "Downloads", NULL);
  g_settings_set_string (fx->settings, "download-folder", downloads);

  fx->client = meow_client_new (config, &error);
  g_assert_no_error (error);
  fx->manager = meow_task_manager_new (fx->client, NULL, fx->settings);
}

static void
fixture_teardown (Fixture *fx, gconstpointer data)
{
  meow_task_manager_close (fx->manager);
  g_clear_object (&fx->manager);
  g_clear_object (&fx->client);
  g_settings_reset (fx->settings, "download-folder");
  g_settings_reset (fx->settings, "folder-rules");
  g_clear_object (&fx->settings);
  g_clear_pointer (&fx->server, meow_test_server_free);
  meow_test_rm_rf (fx->dir);
  g_clear_pointer (&fx->dir, g_free);
}

static void
set_rules (
    Fixture *fx, const char *exts, const char *folder, const char *exts2, const char *folder2)
{
  GVariantBuilder builder;

  g_variant_builder_init (&builder, G_VARIANT_TYPE ("a(ss)"));
  g_variant_builder_add (&builder, "(ss)", exts, folder);
  if (exts2 != NULL)
    g_variant_builder_add (&builder, "(ss)", exts2, folder2);
  g_settings_set_value (fx->settings, "folder-rules", g_variant_builder_end (&builder));
}

static guint
n_items (Fixture *fx)
{
  return g_list_model_get_n_items (meow_task_manager_get_model (fx->manager));
}

static MeowTaskItem *
item_at (Fixture *fx, guint i)
{
  MeowTaskItem *item = g_list_model_get_item (meow_task_manager_get_model (fx->manager), i);

  g_object_unref (item); /* the model keeps it */
  return item;
}

/* ------------------------------------------------------------------ */

static void
test_match_table (void)
{
  static const struct
  {
    const char *name, *expected, *extension;
  } rows[] = {
    { "debian-12.4.0-amd64-netinst.iso", "~/Images", "iso" },
    { "DEBIAN.ISO", "~/Images", "iso" }, /* any case */
    { "disk.img", "~/Images", "img" },   /* a second extension of the rule */
    { "src.tar.gz", "/srv/Archives", "tar.gz" },
    { "photo.iso.jpg", NULL, NULL }, /* the last extension counts */
    { "iso", NULL, NULL },           /* a name that is only the extension */
    { ".iso", NULL, NULL },
    { "file.isox", NULL, NULL },
    { "notes.txt", NULL, NULL },
    { "", NULL, NULL },
  };
  GVariantBuilder builder;
  g_autoptr (GVariant) rules = NULL;

  g_variant_builder_init (&builder, G_VARIANT_TYPE ("a(ss)"));
  g_variant_builder_add (&builder, "(ss)", "*.iso, .IMG", "~/Images");
  g_variant_builder_add (&builder, "(ss)", "tar.gz zip", "/srv/Archives");
  g_variant_builder_add (&builder, "(ss)", "iso", "/never"); /* the first rule wins */
  rules = g_variant_ref_sink (g_variant_builder_end (&builder));

  for (guint i = 0; i < G_N_ELEMENTS (rows); i++)
    {
      g_autofree char *extension = NULL;
      g_autofree char *folder = meow_folder_rules_match (rules, rows[i].name, &extension);

      g_assert_cmpstr (folder, ==, rows[i].expected);
      g_assert_cmpstr (extension, ==, rows[i].extension);
    }
}

static void
test_normalize_and_check (void)
{
  g_autofree char *normal = meow_folder_rules_normalize_extensions (" *.ISO, .img;;tar.gz ");
  g_autofree char *none = meow_folder_rules_normalize_extensions (" , . *");
  g_autofree char *home = meow_folder_rules_expand ("~/Downloads/Images");
  g_autofree char *expected = g_build_filename (g_get_home_dir (), "Downloads", "Images", NULL);
  g_autofree char *dir = g_dir_make_tmp ("meow-rules-XXXXXX", NULL);
  g_autofree char *file = g_build_filename (dir, "a-file", NULL);
  g_autoptr (GError) error = NULL;

  g_assert_cmpstr (normal, ==, "iso img tar.gz");
  g_assert_null (none);
  g_assert_cmpstr (home, ==, expected);
  g_assert_null (meow_folder_rules_expand ("Images"));
  /* Shown the way back: inside home with ~, elsewhere (and a name that only starts
   * like home) as it is. */
  {
    g_autofree char *home_dir = g_strdup (g_get_home_dir ());
    g_autofree char *shown = meow_folder_rules_display (expected);
    g_autofree char *shown_home = meow_folder_rules_display (home_dir);
    g_autofree char *lookalike = g_strconcat (home_dir, "-other/Images", NULL);
    g_autofree char *shown_lookalike = meow_folder_rules_display (lookalike);
    g_autofree char *shown_other = meow_folder_rules_display ("/srv/Images");

    g_assert_cmpstr (shown, ==, "~/Downloads/Images");
    g_assert_cmpstr (shown_home, ==, "~");
    g_assert_cmpstr (shown_lookalike, ==, lookalike);
    g_assert_cmpstr (shown_other, ==, "/srv/Images");
  }

  g_assert_true (meow_folder_rules_check_folder (dir, &error));
  g_assert_no_error (error);
  g_assert_true (meow_folder_rules_check_folder ("~/Not/Yet/There", &error)); /* made later */
  g_assert_no_error (error);
  g_assert_false (meow_folder_rules_check_folder ("Images", &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_FILENAME);
  g_assert_nonnull (strstr (error->message, "“Images”"));
  g_clear_error (&error);
  g_assert_true (g_file_set_contents (file, "x", -1, NULL));
  g_assert_false (meow_folder_rules_check_folder (file, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_DIRECTORY);
  g_clear_error (&error);
  meow_test_rm_rf (dir);
}

/* An .iso link goes to its rule's folder (made on demand), a .txt link to the download
 * folder; both arrive whole. */
static void
test_iso_into_its_folder (Fixture *fx, gconstpointer data)
{
  g_autoptr (GBytes) iso = meow_test_make_payload (70000, 1501);
  g_autoptr (GBytes) txt = meow_test_make_payload (3000, 1502);
  g_autofree char *images = g_build_filename (fx->dir, "Images", NULL);
  g_autofree char *iso_url = meow_test_server_dup_url (fx->server, "/debian-12.iso");
  g_autofree char *txt_url = meow_test_server_dup_url (fx->server, "/notes.txt");
  g_autofree char *iso_path = g_build_filename (images, "debian-12.iso", NULL);
  g_autofree char *txt_path = g_build_filename (fx->dir, "Downloads", "notes.txt", NULL);
  const char      *urls[] = { iso_url, txt_url, NULL };
  g_autoptr (GError) error = NULL;
  g_autofree char *want_iso = NULL, *want_txt = NULL, *got_iso = NULL, *got_txt = NULL;

  meow_test_server_set_file (fx->server, "/debian-12.iso", iso);
  meow_test_server_set_file (fx->server, "/notes.txt", txt);
  set_rules (fx, "iso img", images, "zip", "/nonexistent-never-used");
  g_assert_false (g_file_test (images, G_FILE_TEST_EXISTS));

  g_assert_true (meow_task_manager_add_urls (fx->manager, urls, NULL, NULL, FALSE, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (n_items (fx), ==, 2);
  MEOW_TEST_WAIT_UNTIL (meow_task_item_is_finished (item_at (fx, 0)) &&
                        meow_task_item_is_finished (item_at (fx, 1)));
  g_assert_cmpint (meow_task_item_get_status (item_at (fx, 0)), ==, MEOW_STATUS_COMPLETE);
  g_assert_cmpint (meow_task_item_get_status (item_at (fx, 1)), ==, MEOW_STATUS_COMPLETE);

  want_iso = g_compute_checksum_for_bytes (G_CHECKSUM_SHA256, iso);
  want_txt = g_compute_checksum_for_bytes (G_CHECKSUM_SHA256, txt);
  got_iso = meow_test_sha256_file (iso_path);
  got_txt = meow_test_sha256_file (txt_path);
  g_assert_cmpstr (got_iso, ==, want_iso);
  g_assert_cmpstr (got_txt, ==, want_txt);
}

/* A folder chosen for the links (the Add dialog's Choose…) is stronger than the rules. */
static void
test_chosen_folder_wins (Fixture *fx, gconstpointer data)
{
  g_autoptr (GBytes) iso = meow_test_make_payload (20000, 1503);
  g_autofree char *images = g_build_filename (fx->dir, "Images", NULL);
  g_autofree char *chosen = g_build_filename (fx->dir, "Chosen", NULL);
  g_autofree char *url = meow_test_server_dup_url (fx->server, "/x.iso");
  g_autofree char *path = g_build_filename (chosen, "x.iso", NULL);
  const char      *urls[] = { url, NULL };
  g_autoptr (GError) error = NULL;

  meow_test_server_set_file (fx->server, "/x.iso", iso);
  set_rules (fx, "iso", images, NULL, NULL);
  g_assert_true (meow_task_manager_add_urls (fx->manager, urls, chosen, NULL, FALSE, &error));
  g_assert_no_error (error);
  MEOW_TEST_WAIT_UNTIL (meow_task_item_is_finished (item_at (fx, 0)));
  g_assert_cmpint (meow_task_item_get_status (item_at (fx, 0)), ==, MEOW_STATUS_COMPLETE);
  g_assert_true (g_file_test (path, G_FILE_TEST_IS_REGULAR));
  g_assert_false (g_file_test (images, G_FILE_TEST_EXISTS));
}

/* A rule whose folder is a file: the links are refused, nothing is added, and the
 * message names the rule's extension and the folder. */
static void
test_unusable_folder (Fixture *fx, gconstpointer data)
{
  g_autofree char *file = g_build_filename (fx->dir, "Images", NULL);
  g_autofree char *url = meow_test_server_dup_url (fx->server, "/y.iso");
  g_autofree char *other = meow_test_server_dup_url (fx->server, "/z.txt");
  const char      *urls[] = { other, url, NULL };
  g_autoptr (GError) error = NULL;

  g_assert_true (g_file_set_contents (file, "not a folder", -1, NULL));
  set_rules (fx, "iso", file, NULL, NULL);
  g_assert_false (meow_task_manager_add_urls (fx->manager, urls, NULL, NULL, FALSE, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_DIRECTORY);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "“.iso”"));
  g_assert_nonnull (strstr (error->message, file));
  g_assert_cmpuint (n_items (fx), ==, 0);
  g_assert_cmpuint (meow_test_server_count (fx->server, "GET"), ==, 0);
}

#define ADD(path, fn) g_test_add (path, Fixture, NULL, fixture_setup, fn, fixture_teardown)

int
main (int argc, char **argv)
{
  g_setenv ("GIO_USE_PROXY_RESOLVER", "dummy", TRUE);
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/model/folder-rules/match", test_match_table);
  g_test_add_func ("/model/folder-rules/normalize-and-check", test_normalize_and_check);
  ADD ("/model/folder-rules/iso-into-its-folder", test_iso_into_its_folder);
  ADD ("/model/folder-rules/chosen-folder-wins", test_chosen_folder_wins);
  ADD ("/model/folder-rules/unusable-folder", test_unusable_folder);

  return g_test_run ();
}
