/* test-task.c: the task builder's checks and defaults, no network
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gstdio.h>
#include <string.h>

#include "meow.h"

typedef struct
{
  char *dir;
  char *file; /* a 10-byte regular file in dir */
} Fixture;

static void
fixture_setup (Fixture *fx, gconstpointer data)
{
  g_autoptr (GError) error = NULL;

  fx->dir = g_dir_make_tmp ("meow-task-XXXXXX", &error);
  g_assert_no_error (error);
  fx->file = g_build_filename (fx->dir, "photo.jpg", NULL);
  g_file_set_contents (fx->file, "0123456789", 10, &error);
  g_assert_no_error (error);
}

static void
fixture_teardown (Fixture *fx, gconstpointer data)
{
  g_unlink (fx->file);
  g_rmdir (fx->dir);
  g_free (fx->file);
  g_free (fx->dir);
}

/* Builds and expects @code with a message containing @needle. */
static void
assert_build_fails (MeowTaskBuilder *builder, gint code, const char *needle)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (MeowTask) task = meow_task_builder_build (builder, &error);

  g_assert_null (task);
  g_assert_error (error, MEOW_ERROR, code);
  g_assert_nonnull (strstr (error->message, needle));
  meow_task_builder_free (builder);
}

static void
test_upload_file_defaults (Fixture *fx, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (MeowTaskBuilder) b = meow_task_builder_new_upload_file ("http://h/up", fx->file);
  g_autoptr (MeowTask) task = meow_task_builder_build (b, &error);

  g_assert_no_error (error);
  g_assert_cmpint (meow_task_get_direction (task), ==, MEOW_DIRECTION_UPLOAD);
  g_assert_cmpstr (meow_task_get_source_file (task), ==, fx->file);
  g_assert_null (meow_task_get_source_bytes (task));
  g_assert_cmpstr (meow_task_get_name (task), ==, "photo.jpg");
  g_assert_cmpint (meow_task_get_chunk_size (task), ==, 1024 * 1024);
  g_assert_cmpint (meow_task_get_upload_protocol (task), ==, MEOW_UPLOAD_PROTOCOL_MEOW);
  g_assert_null (meow_task_get_upload_url (task));
  g_assert_null (meow_task_get_category (task));
  g_assert_null (meow_task_get_output_dir (task));
  g_assert_null (meow_task_get_output_file (task));
}

static void
test_upload_file_relative_path (Fixture *fx, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *cwd = g_get_current_dir ();
  g_autoptr (MeowTaskBuilder) b = NULL;
  g_autoptr (MeowTask) task = NULL;

  g_assert_cmpint (g_chdir (fx->dir), ==, 0);
  b = meow_task_builder_new_upload_file ("https://h/up", "photo.jpg");
  task = meow_task_builder_build (b, &error);
  g_assert_cmpint (g_chdir (cwd), ==, 0);

  g_assert_no_error (error);
  g_assert_cmpstr (meow_task_get_source_file (task), ==, fx->file);
}

static void
test_upload_settings (Fixture *fx, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (MeowTaskBuilder) b = meow_task_builder_new_upload_file ("http://h/files/", fx->file);
  g_autoptr (MeowTask) task = NULL;

  meow_task_builder_set_chunk_size (b, 4096);
  meow_task_builder_set_category (b, "photos");
  meow_task_builder_set_upload_protocol (b, MEOW_UPLOAD_PROTOCOL_TUS);
  meow_task_builder_set_upload_url (b, "http://h/files/abc");
  meow_task_builder_set_retries (b, 7);
  meow_task_builder_set_prepare_retries (b, 0);
  meow_task_builder_add_header (b, "Authorization", "Bearer x");
  task = meow_task_builder_build (b, &error);

  g_assert_no_error (error);
  g_assert_cmpint (meow_task_get_chunk_size (task), ==, 4096);
  g_assert_cmpstr (meow_task_get_category (task), ==, "photos");
  g_assert_cmpint (meow_task_get_upload_protocol (task), ==, MEOW_UPLOAD_PROTOCOL_TUS);
  g_assert_cmpstr (meow_task_get_upload_url (task), ==, "http://h/files/abc");
  g_assert_cmpuint (meow_task_get_retries (task), ==, 7);
  g_assert_cmpuint (meow_task_get_prepare_retries (task), ==, 0);
  g_assert_cmpstr (meow_task_get_headers (task)[0], ==, "Authorization: Bearer x");
}

static void
test_upload_prepare_retries_default (Fixture *fx, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (MeowTaskBuilder) b = meow_task_builder_new_upload_file ("http://h/up", fx->file);
  g_autoptr (MeowTask) task = NULL;

  meow_task_builder_set_retries (b, 3);
  task = meow_task_builder_build (b, &error);
  g_assert_no_error (error);
  /* Without its own setting, prepare gets the task's retries. */
  g_assert_cmpuint (meow_task_get_prepare_retries (task), ==, 3);
}

static void
test_upload_bytes (Fixture *fx, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) bytes = g_bytes_new_static ("hello", 5);
  g_autoptr (MeowTaskBuilder) b = meow_task_builder_new_upload_bytes ("http://h/up", bytes, NULL);
  g_autoptr (MeowTaskBuilder) named = NULL;
  g_autoptr (MeowTask) task = meow_task_builder_build (b, &error);
  g_autoptr (MeowTask) task2 = NULL;

  g_assert_no_error (error);
  g_assert_true (meow_task_get_source_bytes (task) == bytes);
  g_assert_null (meow_task_get_source_file (task));
  g_assert_cmpstr (meow_task_get_name (task), ==, "data");
  g_assert_cmpint (meow_task_get_size_hint (task), ==, 5);

  named = meow_task_builder_new_upload_bytes ("http://h/up", bytes, "notes.txt");
  task2 = meow_task_builder_build (named, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (meow_task_get_name (task2), ==, "notes.txt");
}

static void
test_upload_errors (Fixture *fx, gconstpointer data)
{
  g_autofree char *missing = g_build_filename (fx->dir, "nope.bin", NULL);
  MeowTaskBuilder *b;

  assert_build_fails (meow_task_builder_new_upload_file ("http://h/up", missing),
                      MEOW_ERROR_FILE_NOT_FOUND, "nope.bin");
  assert_build_fails (meow_task_builder_new_upload_file ("http://h/up", fx->dir),
                      MEOW_ERROR_PARAMETER_INVALID, "not a regular file");
  assert_build_fails (meow_task_builder_new_upload_file ("http://h/up", ""),
                      MEOW_ERROR_PARAMETER_INVALID, "no source");
  assert_build_fails (meow_task_builder_new_upload_bytes ("http://h/up", NULL, "x"),
                      MEOW_ERROR_PARAMETER_INVALID, "no source");
  assert_build_fails (meow_task_builder_new_upload_file ("ftp://h/up", fx->file),
                      MEOW_ERROR_PARAMETER_INVALID, "unsupported scheme");

  b = meow_task_builder_new_upload_file ("http://h/up", fx->file);
  meow_task_builder_set_chunk_size (b, -1);
  assert_build_fails (b, MEOW_ERROR_PARAMETER_INVALID, "negative");

  b = meow_task_builder_new_upload_file ("http://h/up", fx->file);
  meow_task_builder_set_upload_url (b, "file:///etc/passwd");
  assert_build_fails (b, MEOW_ERROR_PARAMETER_INVALID, "unsupported scheme");

  b = meow_task_builder_new_upload_file ("http://h/up", fx->file);
  meow_task_builder_set_method (b, "PO ST");
  assert_build_fails (b, MEOW_ERROR_PARAMETER_INVALID, "not a valid HTTP method");

  b = meow_task_builder_new_upload_file ("http://h/up", fx->file);
  meow_task_builder_set_upload_protocol (b, (MeowUploadProtocolKind) 42);
  assert_build_fails (b, MEOW_ERROR_PARAMETER_INVALID, "Unknown upload protocol");
}

/* Every public enum is a GType whose nicks are the names the task list stores, and the
 * error domain's quark has its real name (clang-format once spaced it out to
 * "meow - error - quark"). */
static void
test_enum_types (void)
{
  static const struct
  {
    GType (*get_type) (void);
    int         value;
    const char *nick;
  } cases[] = {
    { meow_status_get_type, MEOW_STATUS_PENDING, "pending" },
    { meow_status_get_type, MEOW_STATUS_TRANSMISSION, "transmission" },
    { meow_status_get_type, MEOW_STATUS_CANCELED, "canceled" },
    { meow_direction_get_type, MEOW_DIRECTION_UPLOAD, "upload" },
    { meow_direction_get_type, MEOW_DIRECTION_DOWNLOAD, "download" },
    { meow_checksum_type_get_type, MEOW_CHECKSUM_SHA256, "sha256" },
    { meow_restart_reason_get_type, MEOW_RESTART_RANGE_IGNORED, "range-ignored" },
    { meow_restart_reason_get_type, MEOW_RESTART_CONTENT_CHANGED, "content-changed" },
    { meow_upload_protocol_kind_get_type, MEOW_UPLOAD_PROTOCOL_MEOW, "meow" },
    { meow_upload_protocol_kind_get_type, MEOW_UPLOAD_PROTOCOL_TUS, "tus" },
    { meow_phase_get_type, MEOW_PHASE_HASHING, "hashing" },
    { meow_error_get_type, MEOW_ERROR_REMOTE_CHANGED, "remote-changed" },
    { meow_error_get_type, MEOW_ERROR_DISK_FULL, "disk-full" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      GType type = cases[i].get_type ();
      g_autoptr (GEnumClass) klass = NULL;
      GEnumValue *v;

      g_assert_true (G_TYPE_IS_ENUM (type));
      klass = g_type_class_ref (type);
      v = g_enum_get_value (klass, cases[i].value);
      g_assert_nonnull (v);
      g_assert_cmpstr (v->value_nick, ==, cases[i].nick);
    }
  g_assert_cmpstr (g_type_name (MEOW_TYPE_STATUS), ==, "MeowStatus");
  g_assert_cmpstr (g_quark_to_string (MEOW_ERROR), ==, "meow-error-quark");
}

/* A download's copy with a new link: the same id and request, the new URL (checked), the
 * relink mode asked for, and the output file when one is given. */
static void
test_dup_with_url (void)
{
  g_autoptr (MeowTaskBuilder) b = meow_task_builder_new_download ("https://a.example/f.iso");
  g_autoptr (MeowTask) task = NULL;
  g_autoptr (MeowTask) copy = NULL;
  g_autoptr (MeowTask) pinned = NULL;
  g_autoptr (MeowTask) bad = NULL;
  g_autoptr (GError) error = NULL;

  meow_task_builder_set_output_dir (b, "/tmp");
  meow_task_builder_add_header (b, "Referer", "https://a.example/");
  meow_task_builder_set_retries (b, 7);
  task = meow_task_builder_build (b, &error);
  g_assert_no_error (error);
  {
    g_autoptr (GEnumClass) relink = g_type_class_ref (MEOW_TYPE_RELINK);
    g_autoptr (GFlagsClass) flags = g_type_class_ref (MEOW_TYPE_CHANGE_URL_FLAGS);

    g_assert_cmpstr (g_enum_get_value (relink, MEOW_RELINK_VERIFY)->value_nick, ==, "verify");
    g_assert_cmpstr (g_flags_get_first_value (flags, MEOW_CHANGE_URL_RESTART)->value_nick, ==,
                     "restart");
  }

  copy = meow_task_dup_with_url (task, "https://b.example/f.iso?sig=1", MEOW_RELINK_VERIFY, NULL,
                                 &error);
  g_assert_no_error (error);
  g_assert_cmpstr (meow_task_get_id (copy), ==, meow_task_get_id (task));
  g_assert_cmpstr (meow_task_get_url (copy), ==, "https://b.example/f.iso?sig=1");
  g_assert_cmpstr (meow_task_get_url (task), ==, "https://a.example/f.iso");
  g_assert_cmpint (meow_task_get_relink (copy), ==, MEOW_RELINK_VERIFY);
  g_assert_cmpint (meow_task_get_relink (task), ==, MEOW_RELINK_RESTART);
  g_assert_cmpstr (meow_task_get_output_dir (copy), ==, "/tmp");
  g_assert_null (meow_task_get_output_file (copy));
  g_assert_cmpstr (meow_task_get_headers (copy)[0], ==, "Referer: https://a.example/");
  g_assert_cmpuint (meow_task_get_retries (copy), ==, 7);

  pinned = meow_task_dup_with_url (task, "https://b.example/f.iso", MEOW_RELINK_RESTART,
                                   "/tmp/f.iso", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (meow_task_get_output_file (pinned), ==, "/tmp/f.iso");
  g_assert_null (meow_task_get_output_dir (pinned));
  g_assert_cmpint (meow_task_get_relink (pinned), ==, MEOW_RELINK_RESTART);

  bad = meow_task_dup_with_url (task, "ftp://b.example/f.iso", MEOW_RELINK_VERIFY, NULL, &error);
  g_assert_null (bad);
  g_assert_error (error, MEOW_ERROR, MEOW_ERROR_PARAMETER_INVALID);
  g_assert_nonnull (strstr (error->message, "ftp"));
}

/* The builder is a boxed type with a real copy (bindings copy it): the copy has what the
 * builder had and the two then change independently. */
static void
test_builder_copy (void)
{
  g_autoptr (MeowTaskBuilder) b = meow_task_builder_new_download ("https://a.example/f.iso");
  g_autoptr (MeowTaskBuilder) copy = NULL;
  g_autoptr (MeowTaskBuilder) boxed = NULL;
  g_autoptr (MeowTask) from_b = NULL;
  g_autoptr (MeowTask) from_copy = NULL;
  g_autoptr (MeowTask) from_boxed = NULL;
  g_autoptr (GError) error = NULL;

  g_assert_true (G_TYPE_IS_BOXED (MEOW_TYPE_TASK_BUILDER));
  meow_task_builder_set_output_file (b, "/tmp/a.iso");
  meow_task_builder_add_header (b, "Referer", "https://a.example/");
  meow_task_builder_set_retries (b, 3);

  copy = meow_task_builder_copy (b);
  boxed = g_boxed_copy (MEOW_TYPE_TASK_BUILDER, b);
  meow_task_builder_set_output_file (b, "/tmp/b.iso");
  meow_task_builder_add_header (b, "Cookie", "k=v");
  meow_task_builder_set_retries (copy, 9);

  from_b = meow_task_builder_build (b, &error);
  g_assert_no_error (error);
  from_copy = meow_task_builder_build (copy, &error);
  g_assert_no_error (error);
  from_boxed = meow_task_builder_build (boxed, &error);
  g_assert_no_error (error);

  g_assert_cmpstr (meow_task_get_output_file (from_b), ==, "/tmp/b.iso");
  g_assert_cmpstr (meow_task_get_output_file (from_copy), ==, "/tmp/a.iso");
  g_assert_cmpstr (meow_task_get_output_file (from_boxed), ==, "/tmp/a.iso");
  g_assert_cmpuint (g_strv_length ((char **) meow_task_get_headers (from_b)), ==, 2);
  g_assert_cmpuint (g_strv_length ((char **) meow_task_get_headers (from_copy)), ==, 1);
  g_assert_cmpstr (meow_task_get_headers (from_copy)[0], ==, "Referer: https://a.example/");
  g_assert_cmpuint (meow_task_get_retries (from_b), ==, 3);
  g_assert_cmpuint (meow_task_get_retries (from_copy), ==, 9);
  g_assert_cmpuint (meow_task_get_retries (from_boxed), ==, 3);
  /* Each built task has an id of its own: the draft had none to share. */
  g_assert_cmpstr (meow_task_get_id (from_b), !=, meow_task_get_id (from_copy));
}

/* meow_redact_url() masks what the records mask, and nothing else: a link's password,
 * percent-encoded too, and a token parameter; a redacted URL stays as it is. */
static void
test_redact_url (void)
{
  static const struct
  {
    const char *url;
    const char *shown;
  } cases[] = {
    { "https://user:secret@example.org/a.iso", "https://user:***@example.org/a.iso" },
    { "https://user:se%40cret@example.org:8443/a.iso?x=1",
      "https://user:***@example.org:8443/a.iso?x=1" },
    { "https://example.org/a.iso?token=abc123&x=1", "https://example.org/a.iso?token=***&x=1" },
    { "https://user@example.org/a.iso", "https://user@example.org/a.iso" },
    { "https://example.org/a.iso", "https://example.org/a.iso" },
  };

  g_assert_null (meow_redact_url (NULL));
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *shown = meow_redact_url (cases[i].url);
      g_autofree char *again = meow_redact_url (shown);

      g_assert_cmpstr (shown, ==, cases[i].shown);
      g_assert_cmpstr (again, ==, shown);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/task/enum-types", test_enum_types);
  g_test_add_func ("/task/download/dup-with-url", test_dup_with_url);
  g_test_add_func ("/task/builder-copy", test_builder_copy);
  g_test_add_func ("/task/redact-url", test_redact_url);
  g_test_add ("/task/upload/file-defaults", Fixture, NULL, fixture_setup, test_upload_file_defaults,
              fixture_teardown);
  g_test_add ("/task/upload/relative-path", Fixture, NULL, fixture_setup,
              test_upload_file_relative_path, fixture_teardown);
  g_test_add ("/task/upload/settings", Fixture, NULL, fixture_setup, test_upload_settings,
              fixture_teardown);
  g_test_add ("/task/upload/prepare-retries-default", Fixture, NULL, fixture_setup,
              test_upload_prepare_retries_default, fixture_teardown);
  g_test_add ("/task/upload/bytes", Fixture, NULL, fixture_setup, test_upload_bytes,
              fixture_teardown);
  g_test_add ("/task/upload/errors", Fixture, NULL, fixture_setup, test_upload_errors,
              fixture_teardown);

  return g_test_run ();
}
