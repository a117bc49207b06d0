/* test-store.c: MeowStore, the persisted task list
 *
 * Each case works in its own isolated data folder (G_TEST_OPTION_ISOLATE_DIRS)
 * and checks what a user would see after a restart: which tasks come back,
 * with which fields, and that the file on disk is whole. The kill test
 * re-runs this binary as a child (`--child-add PATH`) that adds tasks in a
 * loop, SIGKILLs it at random moments and checks no reported task is lost.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <utime.h>

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "meow-error.h"
#include "meow-store.h"
#include "meow-transfer-record-private.h"

#include <sqlite3.h>

#define TEST_URL "https://alice:s3cr3t@downloads.example.com/files/big.iso"
#define TEST_UPLOAD_URL "https://uploads.example.com/files/"
#define TEST_TUS_RESOURCE "https://uploads.example.com/files/abc123"
#define TEST_SHA256 "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"

/* ------------------------------------------------------------------ */
/* Helpers                                                             */

/* Warnings from the store (skipped entries) are expected in some cases:
 * capture them instead of letting them abort the test. */
static GPtrArray *captured_warnings;

static GLogWriterOutput
log_writer (GLogLevelFlags log_level, const GLogField *fields, gsize n_fields, gpointer user_data)
{
  if (captured_warnings != NULL && (log_level & G_LOG_LEVEL_WARNING))
    {
      for (gsize i = 0; i < n_fields; i++)
        if (g_strcmp0 (fields[i].key, "MESSAGE") == 0)
          g_ptr_array_add (captured_warnings, g_strdup (fields[i].value));
      return G_LOG_WRITER_HANDLED;
    }
  return g_log_writer_default (log_level, fields, n_fields, user_data);
}

static char *
store_path (void)
{
  return g_build_filename (g_get_user_data_dir (), "meow", "tasks.db", NULL);
}

/* Where older Meows kept the list, as JSON: imported by the first load of a new database. */
static char *
json_list_path (void)
{
  return g_build_filename (g_get_user_data_dir (), "meow", "tasks.json", NULL);
}

static MeowTask *
make_download (void)
{
  g_autoptr (MeowTaskBuilder) b = meow_task_builder_new_download (TEST_URL);
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = g_build_filename (g_get_user_cache_dir (), "Downloads", NULL);
  MeowTask        *task;

  meow_task_builder_set_output_dir (b, dir);
  meow_task_builder_add_header (b, "Authorization", "Bearer t0k3n");
  meow_task_builder_add_header (b, "X-Empty", "");
  meow_task_builder_set_checksum (b, MEOW_CHECKSUM_SHA256, TEST_SHA256);
  meow_task_builder_set_retries (b, 7);
  meow_task_builder_set_speed_limit (b, 12345);
  meow_task_builder_set_segments (b, 6);
  meow_task_builder_set_overwrite (b, TRUE);
  meow_task_builder_set_keep_partial (b, TRUE);
  meow_task_builder_set_size_hint (b, 4096);
  meow_task_builder_set_name (b, "naïve résumé.iso");
  task = meow_task_builder_build (b, &error);
  g_assert_no_error (error);
  return task;
}

static char *
make_source_file (void)
{
  g_autofree char *path = g_build_filename (g_get_user_cache_dir (), "source.bin", NULL);
  g_autoptr (GError) error = NULL;

  g_mkdir_with_parents (g_get_user_cache_dir (), 0700);
  g_file_set_contents (path, "0123456789", 10, &error);
  g_assert_no_error (error);
  return g_steal_pointer (&path);
}

static MeowTask *
make_upload (MeowUploadProtocolKind kind, const char *upload_url)
{
  g_autofree char *source = make_source_file ();
  g_autoptr (MeowTaskBuilder) b = meow_task_builder_new_upload_file (TEST_UPLOAD_URL, source);
  g_autoptr (GError) error = NULL;
  MeowTask *task;

  meow_task_builder_set_upload_protocol (b, kind);
  meow_task_builder_set_chunk_size (b, 65536);
  meow_task_builder_set_category (b, "photos");
  meow_task_builder_set_upload_url (b, upload_url);
  meow_task_builder_set_prepare_retries (b, 2);
  meow_task_builder_add_header (b, "X-Api-Key", "k");
  task = meow_task_builder_build (b, &error);
  g_assert_no_error (error);
  return task;
}

static MeowTransferRecord *
record_new (const char *id, MeowStatus status, guint64 transferred, gint64 total)
{
  MeowTransferRecord *r = _meow_transfer_record_new (id, MEOW_DIRECTION_DOWNLOAD, status);

  r->transferred = transferred;
  r->total = total;
  return r;
}

static void
assert_tasks_equal (MeowTask *a, MeowTask *b)
{
  const char        *hex_a = NULL, *hex_b = NULL;
  const char *const *ha = meow_task_get_headers (a);
  const char *const *hb = meow_task_get_headers (b);

  g_assert_cmpint (meow_task_get_direction (a), ==, meow_task_get_direction (b));
  g_assert_cmpstr (meow_task_get_id (a), ==, meow_task_get_id (b));
  g_assert_cmpstr (meow_task_get_url (a), ==, meow_task_get_url (b));
  g_assert_cmpstr (meow_task_get_name (a), ==, meow_task_get_name (b));
  g_assert_cmpstr (meow_task_get_output_file (a), ==, meow_task_get_output_file (b));
  g_assert_cmpstr (meow_task_get_output_dir (a), ==, meow_task_get_output_dir (b));
  g_assert_cmpstr (meow_task_get_method (a), ==, meow_task_get_method (b));
  g_assert_cmpuint (g_strv_length ((char **) ha), ==, g_strv_length ((char **) hb));
  for (guint i = 0; ha[i] != NULL; i++)
    g_assert_cmpstr (ha[i], ==, hb[i]);
  g_assert_cmpuint (meow_task_get_retries (a), ==, meow_task_get_retries (b));
  g_assert_cmpuint (meow_task_get_speed_limit (a), ==, meow_task_get_speed_limit (b));
  g_assert_cmpuint (meow_task_get_segments (a), ==, meow_task_get_segments (b));
  g_assert_cmpint (meow_task_get_checksum (a, &hex_a), ==, meow_task_get_checksum (b, &hex_b));
  g_assert_cmpstr (hex_a, ==, hex_b);
  g_assert_cmpint (meow_task_get_overwrite (a), ==, meow_task_get_overwrite (b));
  g_assert_cmpint (meow_task_get_keep_partial (a), ==, meow_task_get_keep_partial (b));
  g_assert_cmpint (meow_task_get_size_hint (a), ==, meow_task_get_size_hint (b));
  g_assert_cmpstr (meow_task_get_source_file (a), ==, meow_task_get_source_file (b));
  g_assert_cmpint (meow_task_get_chunk_size (a), ==, meow_task_get_chunk_size (b));
  g_assert_cmpstr (meow_task_get_category (a), ==, meow_task_get_category (b));
  g_assert_cmpint (meow_task_get_upload_protocol (a), ==, meow_task_get_upload_protocol (b));
  g_assert_cmpstr (meow_task_get_upload_url (a), ==, meow_task_get_upload_url (b));
  g_assert_cmpuint (meow_task_get_prepare_retries (a), ==, meow_task_get_prepare_retries (b));
}

static MeowStore *
reload (const char *path)
{
  g_autoptr (GError) error = NULL;
  MeowStore *store = meow_store_new (path);

  g_assert_true (meow_store_load (store, &error));
  g_assert_no_error (error);
  return store;
}

static void
add_task (MeowStore *store, MeowTask *task)
{
  g_autoptr (MeowStoredTask) st = meow_stored_task_new_from_task (task, 0);
  g_autoptr (GError) error = NULL;

  g_assert_true (meow_store_add (store, st, &error));
  g_assert_no_error (error);
}

/* Files in @dirname other than the database and its -wal and -shm. */
static guint
count_other_files (const char *dirname)
{
  g_autoptr (GDir) dir = g_dir_open (dirname, 0, NULL);
  const char *name;
  guint       n = 0;

  g_assert_nonnull (dir);
  while ((name = g_dir_read_name (dir)) != NULL)
    if (!g_str_equal (name, "tasks.db") && !g_str_equal (name, "tasks.db-wal") &&
        !g_str_equal (name, "tasks.db-shm"))
      {
        g_test_message ("other file: %s", name);
        n++;
      }
  return n;
}

static guint
count_files_with_prefix (const char *dirname, const char *prefix)
{
  g_autoptr (GDir) dir = g_dir_open (dirname, 0, NULL);
  const char *name;
  guint       n = 0;

  g_assert_nonnull (dir);
  while ((name = g_dir_read_name (dir)) != NULL)
    if (g_str_has_prefix (name, prefix))
      n++;
  return n;
}

/* Spins the default context until @cond holds or @timeout_s passes. */
#define SPIN_UNTIL(cond, timeout_s)                                                                \
  G_STMT_START                                                                                     \
  {                                                                                                \
    gint64 _deadline = g_get_monotonic_time () + (timeout_s) *G_USEC_PER_SEC;                      \
    while (!(cond) && g_get_monotonic_time () < _deadline)                                         \
      {                                                                                            \
        if (!g_main_context_iteration (NULL, FALSE))                                               \
          g_usleep (10000);                                                                        \
      }                                                                                            \
  }                                                                                                \
  G_STMT_END

static void
count_cb (MeowStore *store, guint *counter)
{
  (*counter)++;
}

static void
write_failed_cb (MeowStore *store, const GError *error, GError **out)
{
  g_clear_error (out);
  *out = g_error_copy (error);
}

/* ------------------------------------------------------------------ */
/* A list written by the JSON store (tests/data/legacy-tasks.json)     */

#define LEGACY_DIR "/tmp/meow-legacy"
#define LEGACY_ID(n) "00000000-0000-4000-8000-00000000000" #n

typedef struct
{
  const char   *id;
  MeowDirection direction;
  const char   *url;
  const char   *name;
  const char   *local_path;
  MeowStatus    status;
  guint64       transferred;
  gint64        total;
  gint64        added;
  gint64        finished;
  GQuark (*domain) (void);
  int         code;
  const char *message;
  const char *upload_url;
  const char *payload;
} LegacyRow;

static GQuark
no_domain (void)
{
  return 0;
}

#define T0 G_GINT64_CONSTANT (1764600000000000)
#define S(n) ((gint64) (n) *G_USEC_PER_SEC)

/* What the file holds, task by task (written by the JSON store of commit 004915a). */
static const LegacyRow legacy_rows[] = {
  { LEGACY_ID (0), MEOW_DIRECTION_DOWNLOAD,
    "https://alice:s3cr3t@downloads.example.com/files/big.iso", "naïve résumé \"quoted\"\t.iso",
    LEGACY_DIR "/Downloads", MEOW_STATUS_PENDING, 0, -1, T0, 0, no_domain, 0, NULL, NULL, NULL },
  { LEGACY_ID (1), MEOW_DIRECTION_DOWNLOAD, "https://downloads.example.com/video.mkv", "video.mkv",
    LEGACY_DIR "/Downloads/video.mkv", MEOW_STATUS_TRANSMISSION, 1048576, 8388608, T0 + S (1), 0,
    no_domain, 0, NULL, NULL, NULL },
  { LEGACY_ID (2), MEOW_DIRECTION_DOWNLOAD, "https://api.example.com/export?format=csv&x=1",
    "export.csv", LEGACY_DIR "/Downloads/export.csv", MEOW_STATUS_PAUSED, 1500, 2000, T0 + S (2), 0,
    no_domain, 0, NULL, NULL, NULL },
  { LEGACY_ID (3), MEOW_DIRECTION_DOWNLOAD, "https://downloads.example.com/small.txt", "small.txt",
    LEGACY_DIR "/Downloads/small.txt", MEOW_STATUS_COMPLETE, 10, 10, T0 + S (3), T0 + S (400),
    no_domain, 0, NULL, NULL, LEGACY_DIR "/Downloads/small.txt" },
  /* The domain under the name clang-format once gave it: read as MEOW_ERROR. */
  { LEGACY_ID (4), MEOW_DIRECTION_DOWNLOAD, "https://downloads.example.com/missing.zip",
    "missing.zip", LEGACY_DIR "/Downloads/missing.zip", MEOW_STATUS_FAILED, 0, -1, T0 + S (4),
    T0 + S (500), meow_error_quark, MEOW_ERROR_RESPONSE_STATUS,
    "The server answered 404 Not Found for “https://downloads.example.com/missing.zip”.", NULL,
    NULL },
  { LEGACY_ID (5), MEOW_DIRECTION_DOWNLOAD, "https://downloads.example.com/canceled.bin", NULL,
    LEGACY_DIR "/Downloads", MEOW_STATUS_CANCELED, 77, 1000, T0 + S (5), T0 + S (600), no_domain, 0,
    NULL, NULL, NULL },
  { LEGACY_ID (6), MEOW_DIRECTION_UPLOAD, "https://uploads.example.com/upload", "cat.png",
    LEGACY_DIR "/Pictures/cat.png", MEOW_STATUS_COMPLETE, 10, 10, T0 + S (6), T0 + S (700),
    no_domain, 0, NULL, NULL, "file-id-42" },
  { LEGACY_ID (7), MEOW_DIRECTION_UPLOAD, "https://tus.example.com/files/", "cat.png",
    LEGACY_DIR "/Pictures/cat.png", MEOW_STATUS_FAILED, 4, 10, T0 + S (7), T0 + S (800),
    g_io_error_quark, G_IO_ERROR_CONNECTION_REFUSED,
    "Could not connect to tus.example.com: Connection refused",
    "https://tus.example.com/files/def456", NULL },
  { LEGACY_ID (8), MEOW_DIRECTION_UPLOAD, "https://tus.example.com/files/", "cat renamed.png",
    LEGACY_DIR "/Pictures/cat.png", MEOW_STATUS_TRANSMISSION, 5, 10, T0 + S (8), 0, no_domain, 0,
    NULL, "https://tus.example.com/files/abc123", NULL },
  { LEGACY_ID (9), MEOW_DIRECTION_UPLOAD, "https://uploads.example.com/upload", "hello.txt", NULL,
    MEOW_STATUS_PAUSED, 0, -1, T0 + S (9), 0, no_domain, 0, NULL, NULL, NULL },
};

/* Puts tests/data/legacy-tasks.json where the store of this isolated test looks for it,
 * and the upload's source file where the list says it is (so it rebuilds). */
static char *
install_legacy_file (void)
{
  g_autofree char *src = g_test_build_filename (G_TEST_DIST, "data", "legacy-tasks.json", NULL);
  g_autofree char *dest = g_build_filename (g_get_user_data_dir (), "meow", "tasks.json", NULL);
  g_autofree char *meow_dir = g_path_get_dirname (dest);
  g_autofree char *contents = NULL;
  gsize            length = 0;
  g_autoptr (GError) error = NULL;

  g_assert_true (g_file_get_contents (src, &contents, &length, &error));
  g_assert_no_error (error);
  g_assert_cmpint (g_mkdir_with_parents (LEGACY_DIR "/Pictures", 0700), ==, 0);
  g_assert_cmpint (g_mkdir_with_parents (LEGACY_DIR "/Downloads", 0700), ==, 0);
  g_assert_true (g_file_set_contents (LEGACY_DIR "/Pictures/cat.png", "0123456789", 10, &error));
  g_assert_no_error (error);
  g_assert_cmpint (g_mkdir_with_parents (meow_dir, 0700), ==, 0);
  g_assert_true (g_file_set_contents (dest, contents, length, &error));
  g_assert_no_error (error);
  return g_steal_pointer (&dest);
}

static void
assert_legacy_tasks (MeowStore *store)
{
  g_autoptr (GPtrArray) all = meow_store_dup_tasks (store);
  g_autoptr (GError) error = NULL;

  g_assert_cmpuint (all->len, ==, G_N_ELEMENTS (legacy_rows));
  g_assert_cmpuint (meow_store_get_n_tasks (store), ==, all->len);
  for (guint i = 0; i < all->len; i++)
    {
      const MeowStoredTask *st = all->pdata[i];
      const LegacyRow      *row = &legacy_rows[i];

      g_test_message ("task %u", i);
      /* The borrowed view the app's load reads: the same tasks in the same order. */
      g_assert_true (meow_store_peek_task (store, i) != st);
      g_assert_cmpstr (meow_stored_task_get_id (meow_store_peek_task (store, i)), ==, row->id);
      g_assert_cmpstr (meow_stored_task_get_url (meow_store_peek_task (store, i)), ==, row->url);
      g_assert_cmpstr (meow_stored_task_get_id (st), ==, row->id); /* and the order */
      g_assert_cmpint (meow_stored_task_get_direction (st), ==, row->direction);
      g_assert_cmpstr (meow_stored_task_get_url (st), ==, row->url);
      g_assert_cmpstr (meow_stored_task_get_name (st), ==, row->name);
      g_assert_cmpstr (meow_stored_task_get_local_path (st), ==, row->local_path);
      g_assert_cmpint (meow_stored_task_get_status (st), ==, row->status);
      g_assert_cmpuint (meow_stored_task_get_transferred (st), ==, row->transferred);
      g_assert_cmpint (meow_stored_task_get_total (st), ==, row->total);
      g_assert_cmpint (meow_stored_task_get_added (st), ==, row->added);
      g_assert_cmpint (meow_stored_task_get_finished (st), ==, row->finished);
      g_assert_cmpuint (meow_stored_task_get_error_domain (st), ==, row->domain ());
      g_assert_cmpint (meow_stored_task_get_error_code (st), ==, row->code);
      g_assert_cmpstr (meow_stored_task_get_error_message (st), ==, row->message);
      g_assert_cmpstr (meow_stored_task_get_upload_url (st), ==, row->upload_url);
      g_assert_cmpstr (meow_stored_task_get_payload (st), ==, row->payload);
    }

  /* The request fields, through the tasks they rebuild. */
  {
    g_autoptr (MeowTask) t = meow_stored_task_build (all->pdata[0], &error);
    const char        *hex = NULL;
    const char *const *h;

    g_assert_no_error (error);
    h = meow_task_get_headers (t);
    g_assert_cmpstr (meow_task_get_id (t), ==, LEGACY_ID (0));
    g_assert_cmpstr (meow_task_get_method (t), ==, "GET");
    g_assert_cmpuint (g_strv_length ((char **) h), ==, 3);
    g_assert_cmpstr (h[0], ==, "Authorization: Bearer t0k3n");
    g_assert_cmpstr (h[1], ==, "Cookie: session=abc; theme=dark");
    g_assert_cmpstr (h[2], ==, "X-Empty: ");
    g_assert_cmpstr (meow_task_get_output_dir (t), ==, LEGACY_DIR "/Downloads");
    g_assert_null (meow_task_get_output_file (t));
    g_assert_cmpint (meow_task_get_checksum (t, &hex), ==, MEOW_CHECKSUM_SHA256);
    g_assert_cmpstr (hex, ==, "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08");
    g_assert_true (meow_task_has_retries (t));
    g_assert_cmpuint (meow_task_get_retries (t), ==, 7);
    g_assert_cmpuint (meow_task_get_speed_limit (t), ==, 12345);
    g_assert_cmpuint (meow_task_get_segments (t), ==, 6);
    g_assert_true (meow_task_get_overwrite (t));
    g_assert_true (meow_task_get_keep_partial (t));
    g_assert_cmpint (meow_task_get_size_hint (t), ==, 4096);
    g_assert_cmpstr (meow_task_get_name (t), ==, "naïve résumé \"quoted\"\t.iso");
  }
  {
    g_autoptr (MeowTask) t = meow_stored_task_build (all->pdata[1], &error);

    g_assert_no_error (error);
    /* Resumed into the target the engine chose. */
    g_assert_cmpstr (meow_task_get_output_file (t), ==, LEGACY_DIR "/Downloads/video.mkv");
    g_assert_false (meow_task_has_retries (t));
    g_assert_cmpuint (meow_task_get_segments (t), ==, 0);
    g_assert_false (meow_task_get_overwrite (t));
    g_assert_cmpint (meow_task_get_size_hint (t), ==, -1);
  }
  {
    g_autoptr (MeowTask) t = meow_stored_task_build (all->pdata[2], &error);
    const char *hex = NULL;

    g_assert_no_error (error);
    g_assert_cmpstr (meow_task_get_method (t), ==, "POST");
    g_assert_cmpint (meow_task_get_checksum (t, &hex), ==, MEOW_CHECKSUM_MD5);
    g_assert_cmpstr (hex, ==, "d41d8cd98f00b204e9800998ecf8427e");
    g_assert_true (meow_task_has_retries (t)); /* an explicit 0 */
    g_assert_cmpuint (meow_task_get_retries (t), ==, 0);
  }
  {
    g_autoptr (MeowTask) t = meow_stored_task_build (all->pdata[3], &error);
    const char *hex = NULL;

    g_assert_no_error (error);
    g_assert_cmpint (meow_task_get_checksum (t, &hex), ==, MEOW_CHECKSUM_SHA1);
    g_assert_cmpstr (hex, ==, "da39a3ee5e6b4b0d3255bfef95601890afd80709");
  }
  {
    g_autoptr (MeowTask) t = meow_stored_task_build (all->pdata[6], &error);
    const char *const *h;

    g_assert_no_error (error);
    h = meow_task_get_headers (t);
    g_assert_cmpint (meow_task_get_upload_protocol (t), ==, MEOW_UPLOAD_PROTOCOL_MEOW);
    g_assert_cmpstr (meow_task_get_source_file (t), ==, LEGACY_DIR "/Pictures/cat.png");
    g_assert_cmpint (meow_task_get_chunk_size (t), ==, 65536);
    g_assert_cmpstr (meow_task_get_category (t), ==, "photos");
    g_assert_true (meow_task_has_prepare_retries (t));
    g_assert_cmpuint (meow_task_get_prepare_retries (t), ==, 2);
    g_assert_cmpuint (g_strv_length ((char **) h), ==, 1);
    g_assert_cmpstr (h[0], ==, "X-Api-Key: k3y");
  }
  {
    g_autoptr (MeowTask) t = meow_stored_task_build (all->pdata[7], &error);

    g_assert_no_error (error);
    g_assert_cmpint (meow_task_get_upload_protocol (t), ==, MEOW_UPLOAD_PROTOCOL_TUS);
    g_assert_cmpint (meow_task_get_chunk_size (t), ==, 1048576);
    g_assert_cmpstr (meow_task_get_upload_url (t), ==, "https://tus.example.com/files/def456");
    g_assert_false (meow_task_has_prepare_retries (t));
  }
  {
    g_autoptr (MeowTask) t = meow_stored_task_build (all->pdata[8], &error);

    g_assert_no_error (error);
    g_assert_cmpint (meow_task_get_upload_protocol (t), ==, MEOW_UPLOAD_PROTOCOL_TUS);
    g_assert_cmpint (meow_task_get_chunk_size (t), ==, G_MAXINT64); /* tus: one request */
    g_assert_cmpstr (meow_task_get_upload_url (t), ==, "https://tus.example.com/files/abc123");
    g_assert_cmpstr (meow_task_get_name (t), ==, "cat renamed.png");
  }
  /* The upload of in-memory bytes kept its metadata, not its bytes. */
  g_assert_null (meow_stored_task_build (all->pdata[9], &error));
  g_assert_error (error, MEOW_ERROR, MEOW_ERROR_PARAMETER_INVALID);
}

static void
test_legacy_file (void)
{
  g_autofree char *legacy = install_legacy_file ();
  g_autoptr (MeowStore) store = reload (NULL);

  assert_legacy_tasks (store);
}

static MeowStatus
status_on_disk (const char *path, const char *id)
{
  g_autoptr (MeowStore) peek = reload (path);
  g_autoptr (MeowStoredTask) st = meow_store_dup_task (peek, id);

  g_assert_nonnull (st);
  return meow_stored_task_get_status (st);
}

static gint64
transferred_on_disk (const char *path, const char *id)
{
  g_autoptr (MeowStore) peek = reload (path);
  g_autoptr (MeowStoredTask) st = meow_store_dup_task (peek, id);

  g_assert_nonnull (st);
  return (gint64) meow_stored_task_get_transferred (st);
}

/* ------------------------------------------------------------------ */
/* The database                                                        */

/* A database file that is not one is moved aside (with its journal), never deleted. */
static void
test_db_corrupt (gconstpointer data)
{
  const char      *contents = data;
  g_autofree char *path = store_path ();
  g_autofree char *dirname = g_path_get_dirname (path);
  g_autofree char *wal = g_strconcat (path, "-wal", NULL);
  g_autoptr (MeowStore) store = NULL;
  g_autoptr (MeowStore) again = NULL;
  g_autoptr (GPtrArray) tasks = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GDir) dir = NULL;
  g_autoptr (MeowTask) task = make_download ();
  g_autofree char *aside = NULL;
  g_autofree char *aside_contents = NULL;
  gsize            aside_length = 0;
  const char      *name;

  g_mkdir_with_parents (dirname, 0700);
  g_assert_true (g_file_set_contents (path, contents, -1, NULL));
  g_assert_true (g_file_set_contents (wal, "a journal", -1, NULL));

  store = meow_store_new (path);
  g_assert_false (meow_store_load (store, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
  g_test_message ("%s", error->message);

  dir = g_dir_open (dirname, 0, NULL);
  while ((name = g_dir_read_name (dir)) != NULL)
    if (g_str_has_prefix (name, "tasks.db.corrupt-") && !g_str_has_suffix (name, "-wal") &&
        !g_str_has_suffix (name, "-shm"))
      aside = g_build_filename (dirname, name, NULL);
  g_assert_nonnull (aside);
  g_assert_true (g_file_get_contents (aside, &aside_contents, &aside_length, NULL));
  g_assert_cmpmem (aside_contents, aside_length, contents, strlen (contents));
  g_assert_cmpuint (count_files_with_prefix (dirname, "tasks.db.corrupt-"), >=, 2); /* + -wal */
  g_assert_nonnull (strstr (error->message, path));
  g_assert_nonnull (strstr (error->message, aside));

  tasks = meow_store_dup_tasks (store);
  g_assert_cmpuint (tasks->len, ==, 0);
  add_task (store, task);
  again = reload (path);
  g_clear_pointer (&tasks, g_ptr_array_unref);
  tasks = meow_store_dup_tasks (again);
  g_assert_cmpuint (tasks->len, ==, 1);
  g_assert_true (g_file_test (aside, G_FILE_TEST_EXISTS));
}

/* Runs @sql on the database at @path, outside the store. */
static void
db_exec (const char *path, const char *sql)
{
  sqlite3 *db = NULL;
  char    *message = NULL;

  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  if (sqlite3_exec (db, sql, NULL, NULL, &message) != SQLITE_OK)
    g_error ("%s: %s", sql, message);
  sqlite3_close (db);
}

/* A database of a newer schema (a newer Meow) is kept intact for that Meow. */
static void
test_db_newer_schema (void)
{
  g_autofree char *path = store_path ();
  g_autofree char *dirname = g_path_get_dirname (path);
  g_autoptr (MeowStore) store = NULL;
  g_autoptr (GError) error = NULL;

  g_mkdir_with_parents (dirname, 0700);
  db_exec (path, "CREATE TABLE future (x); PRAGMA user_version = 99;");
  store = meow_store_new (path);
  g_assert_false (meow_store_load (store, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
  g_assert_nonnull (strstr (error->message, "99"));
  g_assert_nonnull (strstr (error->message, path));
  g_assert_cmpuint (count_files_with_prefix (dirname, "tasks.db.corrupt-"), >=, 1);
}

/* A row that is not a valid task (someone edited the database) is skipped, named. */
static void
test_db_bad_row_skipped (void)
{
  g_autofree char *path = store_path ();
  g_autoptr (MeowStore) store = reload (NULL);
  g_autoptr (MeowStore) again = NULL;
  g_autoptr (MeowTask) t1 = make_download ();
  g_autoptr (MeowTask) t2 = make_download ();
  g_autoptr (GPtrArray) tasks = NULL;
  g_autofree char *sql = NULL;

  add_task (store, t1);
  add_task (store, t2);
  g_clear_object (&store);
  sql = g_strdup_printf ("UPDATE tasks SET status = 'sleeping' WHERE id = '%s'",
                         meow_task_get_id (t1));
  db_exec (path, sql);

  captured_warnings = g_ptr_array_new_with_free_func (g_free);
  again = reload (path);
  tasks = meow_store_dup_tasks (again);
  g_assert_cmpuint (tasks->len, ==, 1);
  g_assert_cmpstr (meow_stored_task_get_id (tasks->pdata[0]), ==, meow_task_get_id (t2));
  g_assert_cmpuint (captured_warnings->len, ==, 1);
  g_assert_nonnull (strstr (captured_warnings->pdata[0], meow_task_get_id (t1)));
  g_assert_nonnull (strstr (captured_warnings->pdata[0], "“status”"));
  g_clear_pointer (&captured_warnings, g_ptr_array_unref);
}

/* Progress is one UPDATE of one row: the other rows' pages are not written again. */
static void
test_db_progress_one_row (void)
{
  g_autofree char *path = store_path ();
  g_autofree char *wal = g_strconcat (path, "-wal", NULL);
  g_autoptr (MeowStore) store = reload (NULL);
  g_autoptr (GPtrArray) stored =
      g_ptr_array_new_with_free_func ((GDestroyNotify) meow_stored_task_free);
  g_autoptr (GError) error = NULL;
  GStatBuf before, after;
  char     id[64];

  for (guint i = 0; i < 2000; i++)
    {
      g_autoptr (MeowTask) task = make_download ();

      g_ptr_array_add (stored, meow_stored_task_new_from_task (task, 0));
    }
  g_strlcpy (id, meow_stored_task_get_id (stored->pdata[1000]), sizeof id);
  g_assert_true (meow_store_add_all (store, (const MeowStoredTask *const *) stored->pdata,
                                     stored->len, &error));
  g_assert_no_error (error);
  g_assert_cmpint (g_stat (wal, &before), ==, 0);

  for (guint i = 1; i <= 3; i++)
    {
      g_autoptr (MeowTransferRecord) r = record_new (id, MEOW_STATUS_PENDING, i * 4096, -1);

      meow_store_update (store, r);
      g_assert_true (meow_store_flush (store, &error));
      g_assert_no_error (error);
    }
  g_assert_cmpint (g_stat (wal, &after), ==, 0);
  /* Three commits of one page each (4 KiB + a frame header), not of the list (~1 MB). */
  g_test_message ("WAL grew by %" G_GINT64_FORMAT " bytes",
                  (gint64) (after.st_size - before.st_size));
  g_assert_cmpint (after.st_size - before.st_size, <=, 3 * 2 * (4096 + 24));
  g_assert_cmpint (transferred_on_disk (path, id), ==, 3 * 4096);
}

/* ------------------------------------------------------------------ */
/* The one-time import                                                 */

static void
test_import_once (void)
{
  g_autofree char *json = install_legacy_file ();
  g_autofree char *imported = g_strconcat (json, ".imported", NULL);
  g_autofree char *original = NULL;
  g_autofree char *renamed = NULL;
  g_autoptr (MeowStore) store = NULL;
  g_autoptr (MeowStore) again = NULL;
  g_autoptr (GPtrArray) tasks = NULL;

  g_assert_true (g_file_get_contents (json, &original, NULL, NULL));
  store = reload (NULL);
  assert_legacy_tasks (store);

  /* Renamed, never deleted, byte for byte. */
  g_assert_false (g_file_test (json, G_FILE_TEST_EXISTS));
  g_assert_true (g_file_get_contents (imported, &renamed, NULL, NULL));
  g_assert_cmpstr (renamed, ==, original);

  /* The database is the list now: a tasks.json that shows up again is not imported. */
  g_assert_true (g_file_set_contents (json, original, -1, NULL));
  g_clear_object (&store);
  again = reload (NULL);
  assert_legacy_tasks (again);
  g_assert_true (g_file_test (json, G_FILE_TEST_EXISTS));
}

/* Killed after the import's commit, before the rename: the next start renames. */
static void
test_import_rename_resumed (void)
{
  g_autofree char *json = install_legacy_file ();
  g_autofree char *imported = g_strconcat (json, ".imported", NULL);
  g_autofree char *path = store_path ();
  g_autoptr (MeowStore) store = reload (NULL);
  g_autoptr (MeowStore) again = NULL;

  g_clear_object (&store);
  g_assert_cmpint (g_rename (imported, json), ==, 0);
  db_exec (path, "UPDATE meta SET value = 'imported' WHERE key = 'json_import'");

  again = reload (NULL);
  assert_legacy_tasks (again); /* once, not twice */
  g_assert_false (g_file_test (json, G_FILE_TEST_EXISTS));
  g_assert_true (g_file_test (imported, G_FILE_TEST_EXISTS));
}

/* A tasks.json written while the database was missing: a later import renames it beside
 * the first, never over it. */
static void
test_import_keeps_older_imported (void)
{
  g_autofree char *json = install_legacy_file ();
  g_autofree char *imported = g_strconcat (json, ".imported", NULL);
  g_autoptr (MeowStore) store = NULL;

  g_assert_true (g_file_set_contents (imported, "an earlier import", -1, NULL));
  store = reload (NULL);
  assert_legacy_tasks (store);
  {
    g_autofree char *kept = NULL;
    g_autofree char *dirname = g_path_get_dirname (json);

    g_assert_true (g_file_get_contents (imported, &kept, NULL, NULL));
    g_assert_cmpstr (kept, ==, "an earlier import");
    g_assert_cmpuint (count_files_with_prefix (dirname, "tasks.json.imported"), ==, 2);
  }
}

/* remove_all_async: gone from memory at once, from the database when it calls back. */
static void
remove_all_done_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GError **out = user_data;
  gboolean ok = meow_store_remove_all_finish (MEOW_STORE (source), result, out);

  g_assert_true (ok == (*out == NULL));
  if (ok)
    *out = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_EXISTS, "done"); /* a marker */
}

static void
test_remove_all_async (void)
{
  g_autoptr (MeowStore) store = reload (NULL);
  g_autoptr (MeowStore) again = NULL;
  g_autoptr (GPtrArray) tasks = NULL;
  g_autoptr (GError) result = NULL;
  MeowTask   *t[4];
  const char *ids[3];
  guint       saved = 0;

  for (guint i = 0; i < 4; i++)
    {
      t[i] = make_download ();
      add_task (store, t[i]);
    }
  g_signal_connect (store, "saved", G_CALLBACK (count_cb), &saved);
  ids[0] = meow_task_get_id (t[2]);
  ids[1] = "no-such-task";
  ids[2] = meow_task_get_id (t[0]);
  meow_store_remove_all_async (store, ids, 3, NULL, remove_all_done_cb, &result);
  /* The list in memory has changed already; the disk follows. */
  g_assert_null (meow_store_dup_task (store, meow_task_get_id (t[0])));
  g_assert_null (meow_store_dup_task (store, meow_task_get_id (t[2])));
  g_assert_true (meow_store_has_pending_changes (store));
  SPIN_UNTIL (result != NULL, 10);
  g_assert_error (result, G_IO_ERROR, G_IO_ERROR_EXISTS);
  g_assert_cmpuint (saved, ==, 1);
  g_assert_false (meow_store_has_pending_changes (store));

  again = reload (NULL);
  tasks = meow_store_dup_tasks (again);
  g_assert_cmpuint (tasks->len, ==, 2);
  g_assert_cmpstr (meow_stored_task_get_id (tasks->pdata[0]), ==, meow_task_get_id (t[1]));
  g_assert_cmpstr (meow_stored_task_get_id (tasks->pdata[1]), ==, meow_task_get_id (t[3]));

  /* Nothing to remove: done at once, no write. */
  g_clear_error (&result);
  meow_store_remove_all_async (store, ids, 3, NULL, remove_all_done_cb, &result);
  SPIN_UNTIL (result != NULL, 10);
  g_assert_error (result, G_IO_ERROR, G_IO_ERROR_EXISTS);
  g_assert_cmpuint (saved, ==, 1);

  for (guint i = 0; i < 4; i++)
    meow_task_unref (t[i]);
}

/* add_all_async (Undo of Clear Finished): in memory at once, in the given order and with
 * the saved values, on disk when it calls back; a task the list has is left out. */
static void
add_all_done_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GError **out = user_data;
  gboolean ok = meow_store_add_all_finish (MEOW_STORE (source), result, out);

  g_assert_true (ok == (*out == NULL));
  if (ok)
    *out = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_EXISTS, "done"); /* a marker */
}

static void
test_add_all_async (void)
{
  g_autoptr (MeowStore) store = reload (NULL);
  g_autoptr (MeowStore) again = NULL;
  g_autoptr (GPtrArray) tasks = NULL;
  g_autoptr (GPtrArray) back = NULL;
  g_autoptr (GError) result = NULL;
  g_autoptr (GError) error = NULL;
  MeowTask   *t[4];
  const char *ids[3];
  guint       saved = 0;

  for (guint i = 0; i < 4; i++)
    {
      t[i] = make_download ();
      add_task (store, t[i]);
    }
  g_assert_true (
      meow_store_set_status (store, meow_task_get_id (t[2]), MEOW_STATUS_COMPLETE, NULL, &error));
  g_assert_no_error (error);
  /* Taken out (as Clear Finished does), then given back with t[1] still in the list. */
  back = g_ptr_array_new_with_free_func ((GDestroyNotify) meow_stored_task_free);
  g_ptr_array_add (back, meow_store_dup_task (store, meow_task_get_id (t[2])));
  g_ptr_array_add (back, meow_store_dup_task (store, meow_task_get_id (t[0])));
  g_ptr_array_add (back, meow_store_dup_task (store, meow_task_get_id (t[1])));
  ids[0] = meow_task_get_id (t[2]);
  ids[1] = meow_task_get_id (t[0]);
  g_assert_true (meow_store_remove_all (store, ids, 2, &error));
  g_assert_no_error (error);

  g_signal_connect (store, "saved", G_CALLBACK (count_cb), &saved);
  meow_store_add_all_async (store, g_steal_pointer (&back), NULL, add_all_done_cb, &result);
  /* The list in memory has them already (t[1] once), the disk follows. */
  tasks = meow_store_dup_tasks (store);
  g_assert_cmpuint (tasks->len, ==, 4);
  g_assert_cmpstr (meow_stored_task_get_id (tasks->pdata[0]), ==, meow_task_get_id (t[1]));
  g_assert_cmpstr (meow_stored_task_get_id (tasks->pdata[1]), ==, meow_task_get_id (t[3]));
  g_assert_cmpstr (meow_stored_task_get_id (tasks->pdata[2]), ==, meow_task_get_id (t[2]));
  g_assert_cmpstr (meow_stored_task_get_id (tasks->pdata[3]), ==, meow_task_get_id (t[0]));
  g_clear_pointer (&tasks, g_ptr_array_unref);
  g_assert_true (meow_store_has_pending_changes (store));
  SPIN_UNTIL (result != NULL, 10);
  g_assert_error (result, G_IO_ERROR, G_IO_ERROR_EXISTS);
  g_assert_cmpuint (saved, ==, 1);
  g_assert_false (meow_store_has_pending_changes (store));

  again = reload (NULL);
  tasks = meow_store_dup_tasks (again);
  g_assert_cmpuint (tasks->len, ==, 4);
  g_assert_cmpstr (meow_stored_task_get_id (tasks->pdata[2]), ==, meow_task_get_id (t[2]));
  g_assert_cmpint (meow_stored_task_get_status (tasks->pdata[2]), ==, MEOW_STATUS_COMPLETE);
  g_assert_cmpstr (meow_stored_task_get_id (tasks->pdata[3]), ==, meow_task_get_id (t[0]));
  g_assert_cmpint (meow_stored_task_get_status (tasks->pdata[3]), ==, MEOW_STATUS_PENDING);

  /* Nothing new to add: done at once, no write. */
  g_clear_error (&result);
  back = g_ptr_array_new_with_free_func ((GDestroyNotify) meow_stored_task_free);
  g_ptr_array_add (back, meow_store_dup_task (store, meow_task_get_id (t[3])));
  meow_store_add_all_async (store, g_steal_pointer (&back), NULL, add_all_done_cb, &result);
  SPIN_UNTIL (result != NULL, 10);
  g_assert_error (result, G_IO_ERROR, G_IO_ERROR_EXISTS);
  g_assert_cmpuint (saved, ==, 1);
  g_assert_cmpuint (meow_store_get_n_tasks (store), ==, 4);

  for (guint i = 0; i < 4; i++)
    meow_task_unref (t[i]);
}

/* ------------------------------------------------------------------ */
/* SIGKILL during the import and during a large Clear Finished         */

#define KILL_TASKS 10000

/* Child: loads (importing tasks.json on a new database), says so, waits to be killed. */
static int
child_import (const char *path)
{
  g_autoptr (MeowStore) store = meow_store_new (path);
  g_autoptr (GPtrArray) tasks = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *line = NULL;

  if (!meow_store_load (store, &error))
    {
      g_printerr ("child: %s\n", error->message);
      return 2;
    }
  tasks = meow_store_dup_tasks (store);
  line = g_strdup_printf ("loaded %u\n", tasks->len);
  if (write (STDOUT_FILENO, line, strlen (line)) != (ssize_t) strlen (line))
    return 5;
  for (;;)
    pause ();
  return 0;
}

static void
child_cleared_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GError) error = NULL;

  if (!meow_store_remove_all_finish (MEOW_STORE (source), result, &error))
    {
      g_printerr ("child: %s\n", error->message);
      _exit (4);
    }
  if (write (STDOUT_FILENO, "cleared\n", 8) != 8)
    _exit (5);
}

/* Child: loads, clears every Complete task without waiting, says when it is written. */
static int
child_clear (const char *path)
{
  g_autoptr (MeowStore) store = meow_store_new (path);
  g_autoptr (GPtrArray) tasks = NULL;
  g_autoptr (GPtrArray) ids = g_ptr_array_new ();
  g_autoptr (GError) error = NULL;

  if (!meow_store_load (store, &error))
    {
      g_printerr ("child: %s\n", error->message);
      return 2;
    }
  tasks = meow_store_dup_tasks (store);
  for (guint i = 0; i < tasks->len; i++)
    if (meow_stored_task_get_status (tasks->pdata[i]) == MEOW_STATUS_COMPLETE)
      g_ptr_array_add (ids, (gpointer) meow_stored_task_get_id (tasks->pdata[i]));
  if (write (STDOUT_FILENO, "clearing\n", 9) != 9)
    return 5;
  meow_store_remove_all_async (store, (const char *const *) ids->pdata, ids->len, NULL,
                               child_cleared_cb, NULL);
  for (;;)
    g_main_context_iteration (NULL, TRUE);
  return 0;
}

/* Rows in the database at @path (read outside the store: a store would finish an import),
 * and how many of them are Complete; -1 when it has no table yet. */
static gint64
db_count (const char *path, const char *where)
{
  sqlite3         *db = NULL;
  sqlite3_stmt    *stmt = NULL;
  g_autofree char *sql = g_strdup_printf ("SELECT count(*) FROM tasks%s", where);
  gint64           n = -1;

  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    return -1;
  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  sqlite3_busy_timeout (db, 10000);
  if (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL) == SQLITE_OK &&
      sqlite3_step (stmt) == SQLITE_ROW)
    n = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  return n;
}

static void
remove_db_files (const char *path)
{
  for (guint i = 0; i < 3; i++)
    {
      g_autofree char *file = g_strconcat (path, i == 0 ? "" : i == 1 ? "-wal" : "-shm", NULL);

      g_unlink (file);
    }
}

/* Spawns this binary as a child (@mode @path), reads its lines for @lines_before, waits a
 * random time up to @max_delay_us, SIGKILLs it; returns all it printed. */
static char *
run_and_kill (const char *mode, const char *path, const char *line_before, guint max_delay_us)
{
  g_autofree char *self = g_file_read_link ("/proc/self/exe", NULL);
  char            *argv[] = { self, (char *) mode, (char *) path, NULL };
  g_autoptr (GString) out = g_string_new (NULL);
  g_autoptr (GError) error = NULL;
  GPid  pid;
  int   out_fd;
  FILE *f;
  char  line[128];
  int   wstatus = 0;

  g_assert_true (g_spawn_async_with_pipes (NULL, argv, NULL, G_SPAWN_DO_NOT_REAP_CHILD, NULL, NULL,
                                           &pid, NULL, &out_fd, NULL, &error));
  g_assert_no_error (error);
  f = fdopen (out_fd, "r");
  while (line_before != NULL && fgets (line, sizeof line, f) != NULL)
    {
      g_string_append (out, line);
      if (g_str_has_prefix (line, line_before))
        break;
    }
  g_usleep (g_test_rand_int_range (0, max_delay_us));
  kill (pid, SIGKILL);
  while (fgets (line, sizeof line, f) != NULL)
    g_string_append (out, line);
  fclose (f);
  g_assert_cmpint (waitpid (pid, &wstatus, 0), ==, pid);
  g_spawn_close_pid (pid);
  g_assert_true (WIFSIGNALED (wstatus)); /* killed, not stopped by an error of its own */
  return g_string_free (g_steal_pointer (&out), FALSE);
}

static void
test_kill_during_import (void)
{
  g_autofree char *path = store_path ();
  g_autofree char *json = json_list_path ();
  g_autofree char *dirname = g_path_get_dirname (path);
  g_autofree char *imported = g_strconcat (json, ".imported", NULL);
  g_autoptr (GString) list = g_string_new ("{\"version\": 1, \"tasks\": [\n");
  guint rounds = g_test_slow () ? 50 : 15;
  guint none = 0, all = 0;

  for (guint i = 0; i < KILL_TASKS; i++)
    g_string_append_printf (list,
                            "%s{\"id\": \"task-%05u\", \"direction\": \"download\", "
                            "\"url\": \"https://e.com/%05u.bin\", \"output_dir\": \"/tmp\", "
                            "\"headers\": [\"Cookie: a=b\"], \"status\": \"complete\", "
                            "\"transferred\": 10, \"total\": 10, \"added\": 1, \"finished\": 2}\n",
                            i > 0 ? "," : "", i, i);
  g_string_append (list, "]}\n");
  g_assert_cmpint (g_mkdir_with_parents (dirname, 0700), ==, 0);

  for (guint round = 0; round < rounds; round++)
    {
      g_autofree char *out = NULL;
      gint64           n;

      remove_db_files (path);
      g_unlink (imported);
      g_assert_true (g_file_set_contents (json, list->str, list->len, NULL));
      out = run_and_kill ("--child-import", path, NULL, 800000);
      n = db_count (path, "");
      g_test_message ("round %u: %" G_GINT64_FORMAT " rows; child said: %s", round, n, out);
      /* All or nothing, and the list is never lost: while not imported it is still there. */
      if (n == KILL_TASKS)
        all++;
      else
        {
          g_assert_cmpint (n, <=, 0);
          g_assert_null (strstr (out, "loaded"));
          g_assert_true (g_file_test (json, G_FILE_TEST_EXISTS));
          none++;
        }
      g_assert_true (g_file_test (json, G_FILE_TEST_EXISTS) ||
                     g_file_test (imported, G_FILE_TEST_EXISTS));
      if (strstr (out, "loaded") != NULL)
        g_assert_nonnull (strstr (out, "loaded " G_STRINGIFY (KILL_TASKS)));

      /* The next start finishes the job: every task, once, and the file renamed. */
      {
        g_autoptr (MeowStore) store = reload (path);
        g_autoptr (GPtrArray) tasks = meow_store_dup_tasks (store);

        g_assert_cmpuint (tasks->len, ==, KILL_TASKS);
        g_assert_false (g_file_test (json, G_FILE_TEST_EXISTS));
        g_assert_true (g_file_test (imported, G_FILE_TEST_EXISTS));
      }
    }
  g_test_message ("killed before the commit %u times, after it %u times", none, all);
}

static void
test_kill_during_clear (void)
{
  g_autofree char *path = store_path ();
  g_autofree char *template = g_strconcat (path, ".template", NULL);
  guint rounds = g_test_slow () ? 50 : 15;
  guint none = 0, all = 0;

  /* A history: every other task Complete. */
  {
    g_autoptr (MeowStore) store = reload (path);
    g_autoptr (GPtrArray) stored =
        g_ptr_array_new_with_free_func ((GDestroyNotify) meow_stored_task_free);
    g_autoptr (GError) error = NULL;

    for (guint i = 0; i < KILL_TASKS; i++)
      {
        g_autoptr (MeowTaskBuilder) b = meow_task_builder_new_download (TEST_URL);
        g_autoptr (MeowTask) task = NULL;

        meow_task_builder_set_output_dir (b, "/tmp");
        task = meow_task_builder_build (b, &error);
        g_assert_no_error (error);
        g_ptr_array_add (stored, meow_stored_task_new_from_task (task, 0));
      }
    g_assert_true (meow_store_add_all (store, (const MeowStoredTask *const *) stored->pdata,
                                       stored->len, &error));
    for (guint i = 0; i < KILL_TASKS; i += 2)
      g_assert_true (meow_store_set_status (store, meow_stored_task_get_id (stored->pdata[i]),
                                            MEOW_STATUS_COMPLETE, NULL, &error));
    g_assert_true (meow_store_flush (store, &error));
    g_assert_no_error (error);
  }
  /* Closed: its journal is checkpointed into the file. */
  g_assert_cmpint (db_count (path, " WHERE status = 'complete'"), ==, KILL_TASKS / 2);
  {
    g_autofree char *bytes = NULL;
    gsize            length = 0;

    g_assert_true (g_file_get_contents (path, &bytes, &length, NULL));
    g_assert_true (g_file_set_contents (template, bytes, length, NULL));
  }

  for (guint round = 0; round < rounds; round++)
    {
      g_autofree char *bytes = NULL;
      g_autofree char *out = NULL;
      gsize            length = 0;
      gint64           n, complete;

      remove_db_files (path);
      g_assert_true (g_file_get_contents (template, &bytes, &length, NULL));
      g_assert_true (g_file_set_contents (path, bytes, length, NULL));
      out = run_and_kill ("--child-clear", path, "clearing", 150000);
      n = db_count (path, "");
      complete = db_count (path, " WHERE status = 'complete'");
      g_test_message ("round %u: %" G_GINT64_FORMAT " rows, %" G_GINT64_FORMAT " complete; child "
                      "said: %s",
                      round, n, complete, out);
      if (complete == 0)
        {
          g_assert_cmpint (n, ==, KILL_TASKS / 2); /* all of it, and only that */
          all++;
        }
      else
        {
          g_assert_cmpint (n, ==, KILL_TASKS); /* none of it */
          g_assert_cmpint (complete, ==, KILL_TASKS / 2);
          g_assert_null (strstr (out, "cleared")); /* it said so only once committed */
          none++;
        }
    }
  g_test_message ("killed before the commit %u times, after it %u times", none, all);
}

/* ------------------------------------------------------------------ */
/* Round trips                                                         */

static void
test_roundtrip_download (void)
{
  g_autofree char *path = store_path ();
  g_autoptr (MeowTask) task = make_download ();
  g_autoptr (MeowStore) store = meow_store_new (NULL);
  g_autoptr (MeowStore) again = NULL;
  g_autoptr (MeowStoredTask) st = NULL;
  g_autoptr (MeowTask) rebuilt = NULL;
  g_autoptr (MeowTransferRecord) r = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *target = NULL;

  g_assert_cmpstr (meow_store_get_path (store), ==, path);
  g_assert_true (meow_store_load (store, &error));
  g_assert_no_error (error);
  add_task (store, task);

  /* The engine picked the target and failed: every field must come back. */
  target = g_build_filename (meow_task_get_output_dir (task), "big.iso", NULL);
  r = record_new (meow_task_get_id (task), MEOW_STATUS_FAILED, 1000, 4096);
  r->local_path = g_strdup (target);
  r->name = g_strdup ("big.iso");
  r->error = g_error_new_literal (MEOW_ERROR, MEOW_ERROR_CHECKSUM_MISMATCH, "Checksum is wrong.");
  r->timestamp = 1700000000000000;
  meow_store_update (store, r);
  SPIN_UNTIL (!meow_store_has_pending_changes (store), 5);
  g_assert_false (meow_store_has_pending_changes (store));

  again = reload (NULL);
  st = meow_store_dup_task (again, meow_task_get_id (task));
  g_assert_nonnull (st);
  g_assert_cmpstr (meow_stored_task_get_id (st), ==, meow_task_get_id (task));
  g_assert_cmpint (meow_stored_task_get_direction (st), ==, MEOW_DIRECTION_DOWNLOAD);
  g_assert_cmpstr (meow_stored_task_get_url (st), ==, TEST_URL);
  g_assert_cmpstr (meow_stored_task_get_name (st), ==, "big.iso");
  g_assert_cmpstr (meow_stored_task_get_local_path (st), ==, target);
  g_assert_cmpint (meow_stored_task_get_status (st), ==, MEOW_STATUS_FAILED);
  g_assert_cmpuint (meow_stored_task_get_transferred (st), ==, 1000);
  g_assert_cmpint (meow_stored_task_get_total (st), ==, 4096);
  g_assert_cmpint (meow_stored_task_get_added (st), >, 0);
  g_assert_cmpint (meow_stored_task_get_finished (st), ==, 1700000000000000);
  g_assert_cmpstr (meow_stored_task_get_error_message (st), ==, "Checksum is wrong.");
  g_assert_cmpint (meow_stored_task_get_error_code (st), ==, MEOW_ERROR_CHECKSUM_MISMATCH);
  g_assert_cmpuint (meow_stored_task_get_error_domain (st), ==, MEOW_ERROR);
  g_assert_null (meow_stored_task_get_upload_url (st));

  /* Rebuilt: same request, resumed into the file the engine chose. */
  rebuilt = meow_stored_task_build (st, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (meow_task_get_output_file (rebuilt), ==, target);
  g_assert_null (meow_task_get_output_dir (rebuilt));
  {
    const char        *hex = NULL;
    const char *const *headers = meow_task_get_headers (rebuilt);

    g_assert_cmpstr (meow_task_get_id (rebuilt), ==, meow_task_get_id (task));
    g_assert_cmpstr (meow_task_get_url (rebuilt), ==, TEST_URL);
    g_assert_cmpstr (meow_task_get_method (rebuilt), ==, "GET");
    g_assert_cmpuint (g_strv_length ((char **) headers), ==, 2);
    g_assert_cmpstr (headers[0], ==, "Authorization: Bearer t0k3n");
    g_assert_cmpstr (headers[1], ==, "X-Empty: ");
    g_assert_cmpuint (meow_task_get_retries (rebuilt), ==, 7);
    g_assert_cmpuint (meow_task_get_speed_limit (rebuilt), ==, 12345);
    g_assert_cmpuint (meow_task_get_segments (rebuilt), ==, 6);
    g_assert_cmpint (meow_task_get_checksum (rebuilt, &hex), ==, MEOW_CHECKSUM_SHA256);
    g_assert_cmpstr (hex, ==, TEST_SHA256);
    g_assert_true (meow_task_get_overwrite (rebuilt));
    g_assert_true (meow_task_get_keep_partial (rebuilt));
    g_assert_cmpint (meow_task_get_size_hint (rebuilt), ==, 4096);
  }

  /* Before the engine chose a file, the task rebuilds exactly as it was. */
  {
    g_autoptr (MeowStoredTask) fresh = meow_stored_task_new_from_task (task, 42);
    g_autoptr (MeowTask) same = meow_stored_task_build (fresh, &error);

    g_assert_no_error (error);
    assert_tasks_equal (task, same);
    g_assert_cmpint (meow_stored_task_get_added (fresh), ==, 42);
    g_assert_cmpint (meow_stored_task_get_status (fresh), ==, MEOW_STATUS_PENDING);
    g_assert_cmpint (meow_stored_task_get_total (fresh), ==, -1);
  }
}

static void
test_roundtrip_upload (gconstpointer data)
{
  MeowUploadProtocolKind kind = GPOINTER_TO_INT (data);
  g_autoptr (MeowTask) task = make_upload (kind, NULL);
  g_autoptr (MeowStore) store = reload (NULL);
  g_autoptr (MeowStore) again = NULL;
  g_autoptr (MeowStoredTask) st = NULL;
  g_autoptr (MeowTask) rebuilt = NULL;
  g_autoptr (MeowTransferRecord) r = NULL;
  g_autoptr (MeowTransferRecord) done = NULL;
  g_autoptr (GError) error = NULL;

  add_task (store, task);

  r = record_new (meow_task_get_id (task), MEOW_STATUS_TRANSMISSION, 4, 10);
  r->direction = MEOW_DIRECTION_UPLOAD;
  if (kind == MEOW_UPLOAD_PROTOCOL_TUS)
    r->upload_url = g_strdup (TEST_TUS_RESOURCE);
  meow_store_update (store, r);
  SPIN_UNTIL (!meow_store_has_pending_changes (store), 5); /* lifecycle: written soon */
  g_assert_false (meow_store_has_pending_changes (store));

  again = reload (NULL);
  st = meow_store_dup_task (again, meow_task_get_id (task));
  g_assert_nonnull (st);
  g_assert_cmpint (meow_stored_task_get_direction (st), ==, MEOW_DIRECTION_UPLOAD);
  g_assert_cmpstr (meow_stored_task_get_url (st), ==, TEST_UPLOAD_URL);
  g_assert_cmpstr (meow_stored_task_get_local_path (st), ==, meow_task_get_source_file (task));
  g_assert_cmpstr (meow_stored_task_get_name (st), ==, "source.bin");
  g_assert_cmpint (meow_stored_task_get_status (st), ==, MEOW_STATUS_TRANSMISSION);
  g_assert_cmpuint (meow_stored_task_get_transferred (st), ==, 4);
  g_assert_cmpint (meow_stored_task_get_total (st), ==, 10);
  g_assert_cmpint (meow_stored_task_get_finished (st), ==, 0);
  g_assert_null (meow_stored_task_get_error_message (st));
  g_assert_cmpint (meow_stored_task_get_error_code (st), ==, 0);

  rebuilt = meow_stored_task_build (st, &error);
  g_assert_no_error (error);
  if (kind == MEOW_UPLOAD_PROTOCOL_TUS)
    {
      g_assert_cmpstr (meow_stored_task_get_upload_url (st), ==, TEST_TUS_RESOURCE);
      g_assert_cmpstr (meow_task_get_upload_url (rebuilt), ==, TEST_TUS_RESOURCE);
    }
  else
    {
      g_assert_null (meow_stored_task_get_upload_url (st));
      assert_tasks_equal (task, rebuilt);
    }
  g_assert_cmpstr (meow_task_get_id (rebuilt), ==, meow_task_get_id (task));
  g_assert_cmpint (meow_task_get_upload_protocol (rebuilt), ==, kind);
  g_assert_cmpint (meow_task_get_chunk_size (rebuilt), ==, 65536);
  g_assert_cmpstr (meow_task_get_category (rebuilt), ==, "photos");
  g_assert_cmpuint (meow_task_get_prepare_retries (rebuilt), ==, 2);
  g_assert_cmpstr (meow_task_get_headers (rebuilt)[0], ==, "X-Api-Key: k");

  /* Complete: finished time and payload kept. */
  done = record_new (meow_task_get_id (task), MEOW_STATUS_COMPLETE, 10, 10);
  done->payload = g_strdup ("file-77");
  done->timestamp = 1700000000000001;
  meow_store_update (again, done);
  g_clear_pointer (&st, meow_stored_task_free);
  g_clear_object (&again);
  again = reload (NULL);
  st = meow_store_dup_task (again, meow_task_get_id (task));
  g_assert_cmpint (meow_stored_task_get_status (st), ==, MEOW_STATUS_COMPLETE);
  g_assert_cmpint (meow_stored_task_get_finished (st), ==, 1700000000000001);
  g_assert_cmpstr (meow_stored_task_get_payload (st), ==, "file-77");
  g_assert_cmpuint (meow_stored_task_get_transferred (st), ==, 10);
}

static void
test_upload_bytes_not_rebuildable (void)
{
  g_autoptr (GBytes) bytes = g_bytes_new_static ("abc", 3);
  g_autoptr (MeowTaskBuilder) b =
      meow_task_builder_new_upload_bytes (TEST_UPLOAD_URL, bytes, "a.txt");
  g_autoptr (MeowTask) task = meow_task_builder_build (b, NULL);
  g_autoptr (MeowStore) store = reload (NULL);
  g_autoptr (MeowStore) again = NULL;
  g_autoptr (MeowStoredTask) st = NULL;
  g_autoptr (MeowTask) rebuilt = NULL;
  g_autoptr (GError) error = NULL;

  add_task (store, task);
  again = reload (NULL);
  st = meow_store_dup_task (again, meow_task_get_id (task));
  g_assert_nonnull (st);
  g_assert_cmpstr (meow_stored_task_get_name (st), ==, "a.txt");
  g_assert_null (meow_stored_task_get_local_path (st));
  rebuilt = meow_stored_task_build (st, &error);
  g_assert_error (error, MEOW_ERROR, MEOW_ERROR_PARAMETER_INVALID);
  g_assert_null (rebuilt);
  g_assert_nonnull (strstr (error->message, "a.txt"));
}

/* ------------------------------------------------------------------ */
/* Add, remove, order, files                                           */

/* Several ids, one write: the rest keep their order, unknown ids are skipped, nothing to
 * remove writes nothing. */
static void
test_remove_all (void)
{
  g_autoptr (MeowStore) store = reload (NULL);
  g_autoptr (MeowStore) again = NULL;
  g_autoptr (GPtrArray) tasks = NULL;
  g_autoptr (GError) error = NULL;
  MeowTask   *t[5];
  const char *ids[4];
  guint       saved = 0;

  for (guint i = 0; i < 5; i++)
    {
      t[i] = make_download ();
      add_task (store, t[i]);
    }
  g_signal_connect (store, "saved", G_CALLBACK (count_cb), &saved);
  ids[0] = meow_task_get_id (t[3]);
  ids[1] = "no-such-task";
  ids[2] = meow_task_get_id (t[0]);
  ids[3] = meow_task_get_id (t[4]);
  g_assert_true (meow_store_remove_all (store, ids, 4, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (saved, ==, 1);
  g_assert_null (meow_store_dup_task (store, meow_task_get_id (t[0])));
  g_assert_false (meow_store_has_pending_changes (store));

  again = reload (NULL);
  tasks = meow_store_dup_tasks (again);
  g_assert_cmpuint (tasks->len, ==, 2);
  g_assert_cmpstr (meow_stored_task_get_id (g_ptr_array_index (tasks, 0)), ==,
                   meow_task_get_id (t[1]));
  g_assert_cmpstr (meow_stored_task_get_id (g_ptr_array_index (tasks, 1)), ==,
                   meow_task_get_id (t[2]));

  /* Gone already, or none: no write. */
  g_assert_true (meow_store_remove_all (store, ids, 4, &error));
  g_assert_true (meow_store_remove_all (store, NULL, 0, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (saved, ==, 1);

  for (guint i = 0; i < 5; i++)
    meow_task_unref (t[i]);
}

static void
test_add_reload_remove (void)
{
  g_autofree char *path = store_path ();
  g_autofree char *dirname = g_path_get_dirname (path);
  g_autofree char *wal = g_strconcat (path, "-wal", NULL);
  g_autoptr (MeowStore) store = reload (NULL);
  g_autoptr (MeowStore) again = NULL;
  g_autoptr (GPtrArray) tasks = NULL;
  g_autoptr (GError) error = NULL;
  MeowTask *t[3];
  GStatBuf  sb;

  /* The folder does not exist yet: the first add makes it, private. */
  g_assert_false (g_file_test (dirname, G_FILE_TEST_EXISTS));
  for (guint i = 0; i < 3; i++)
    {
      t[i] = make_download ();
      add_task (store, t[i]);
    }

  g_assert_cmpint (g_stat (dirname, &sb), ==, 0);
  g_assert_cmpint (sb.st_mode & 0777, ==, 0700);
  g_assert_cmpint (g_stat (path, &sb), ==, 0);
  g_assert_cmpint (sb.st_mode & 0777, ==, 0600);
  /* The journal holds the same URLs and headers. */
  g_assert_cmpint (g_stat (wal, &sb), ==, 0);
  g_assert_cmpint (sb.st_mode & 0777, ==, 0600);

  /* A duplicate id is refused and does not change the file. */
  {
    g_autoptr (MeowStoredTask) dup = meow_stored_task_new_from_task (t[1], 0);

    g_assert_false (meow_store_add (store, dup, &error));
    g_assert_error (error, MEOW_ERROR, MEOW_ERROR_DUPLICATE_TASK);
    g_clear_error (&error);
  }

  again = reload (NULL);
  tasks = meow_store_dup_tasks (again);
  g_assert_cmpuint (tasks->len, ==, 3);
  for (guint i = 0; i < 3; i++)
    g_assert_cmpstr (meow_stored_task_get_id (g_ptr_array_index (tasks, i)), ==,
                     meow_task_get_id (t[i]));

  g_assert_true (meow_store_remove (again, meow_task_get_id (t[1]), &error));
  g_assert_no_error (error);
  g_assert_false (meow_store_remove (again, meow_task_get_id (t[1]), &error));
  g_assert_error (error, MEOW_ERROR, MEOW_ERROR_TASK_NOT_FOUND);
  g_clear_error (&error);
  g_assert_null (meow_store_dup_task (again, meow_task_get_id (t[1])));

  g_clear_object (&again);
  g_clear_pointer (&tasks, g_ptr_array_unref);
  again = reload (NULL);
  tasks = meow_store_dup_tasks (again);
  g_assert_cmpuint (tasks->len, ==, 2);
  g_assert_cmpstr (meow_stored_task_get_id (g_ptr_array_index (tasks, 0)), ==,
                   meow_task_get_id (t[0]));
  g_assert_cmpstr (meow_stored_task_get_id (g_ptr_array_index (tasks, 1)), ==,
                   meow_task_get_id (t[2]));

  /* Only the database (and its journal): no temporary file left. */
  g_assert_cmpuint (count_other_files (dirname), ==, 0);

  for (guint i = 0; i < 3; i++)
    meow_task_unref (t[i]);
}

static void
test_missing_file_is_empty (void)
{
  g_autoptr (MeowStore) store = reload (NULL);
  g_autoptr (GPtrArray) tasks = meow_store_dup_tasks (store);
  g_autofree char *path = store_path ();

  g_assert_cmpuint (tasks->len, ==, 0);
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS)); /* loading writes nothing */
}

static void
test_stale_temp_files_removed (void)
{
  g_autofree char *path = json_list_path ();
  g_autofree char *dirname = g_path_get_dirname (path);
  g_autofree char *stale = g_strconcat (path, ".Ab12Z9", NULL);
  g_autofree char *other = g_strconcat (path, ".keep-me", NULL);
  g_autoptr (MeowStore) store = NULL;

  g_mkdir_with_parents (dirname, 0700);
  g_assert_true (g_file_set_contents (stale, "{\"vers", -1, NULL));
  g_assert_true (g_file_set_contents (other, "x", -1, NULL));
  store = reload (NULL);
  g_assert_false (g_file_test (stale, G_FILE_TEST_EXISTS));
  g_assert_true (g_file_test (other, G_FILE_TEST_EXISTS));
}

/* ------------------------------------------------------------------ */
/* Corrupt files and bad entries                                       */

static void
test_corrupt (gconstpointer data)
{
  const char      *contents = data;
  g_autofree char *db_path = store_path ();
  g_autofree char *path = json_list_path ();
  g_autofree char *dirname = g_path_get_dirname (path);
  g_autoptr (MeowStore) store = NULL;
  g_autoptr (MeowStore) again = NULL;
  g_autoptr (GPtrArray) tasks = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GDir) dir = NULL;
  g_autoptr (MeowTask) task = make_download ();
  g_autofree char *aside = NULL;
  g_autofree char *aside_contents = NULL;
  const char      *name;

  g_mkdir_with_parents (dirname, 0700);
  g_assert_true (g_file_set_contents (path, contents, -1, NULL));

  store = meow_store_new (db_path);
  g_assert_false (meow_store_load (store, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);

  /* Moved aside, not deleted, and the message names both files. */
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
  dir = g_dir_open (dirname, 0, NULL);
  while ((name = g_dir_read_name (dir)) != NULL)
    if (g_str_has_prefix (name, "tasks.json.corrupt-"))
      aside = g_build_filename (dirname, name, NULL);
  g_assert_nonnull (aside);
  g_assert_true (g_file_get_contents (aside, &aside_contents, NULL, NULL));
  g_assert_cmpstr (aside_contents, ==, contents);
  g_assert_nonnull (strstr (error->message, path));
  g_assert_nonnull (strstr (error->message, aside));

  /* The store is empty and works; a new store sees what it wrote. */
  tasks = meow_store_dup_tasks (store);
  g_assert_cmpuint (tasks->len, ==, 0);
  add_task (store, task);
  again = reload (db_path);
  g_clear_pointer (&tasks, g_ptr_array_unref);
  tasks = meow_store_dup_tasks (again);
  g_assert_cmpuint (tasks->len, ==, 1);
  g_assert_true (g_file_test (aside, G_FILE_TEST_EXISTS));
}

/* Writes @json as the store's file and loads it; the warnings about skipped entries go
 * to captured_warnings (the caller frees it). */
static MeowStore *
load_capturing_warnings (const char *json)
{
  g_autofree char *path = json_list_path ();
  g_autofree char *dirname = g_path_get_dirname (path);
  g_autoptr (GError) error = NULL;
  MeowStore *store;

  g_mkdir_with_parents (dirname, 0700);
  g_assert_true (g_file_set_contents (path, json, -1, NULL));
  captured_warnings = g_ptr_array_new_with_free_func (g_free);
  store = meow_store_new (NULL);
  g_assert_true (meow_store_load (store, &error));
  g_assert_no_error (error);
  return store;
}

static void
test_bad_entries_skipped (void)
{
  g_autofree char *path = json_list_path ();
  g_autoptr (MeowStore) store = NULL;
  g_autoptr (GPtrArray) tasks = NULL;
  const char *json =
      "{\"version\": 1, \"future\": {\"x\": 1}, \"tasks\": ["
      "{\"id\": \"good-1\", \"direction\": \"download\", \"url\": \"https://e.com/a\","
      " \"output_dir\": \"/tmp\", \"status\": \"paused\", \"transferred\": 5, \"total\": 9,"
      " \"added\": 100, \"something_new\": [1, 2]},"
      "{\"id\": \"bad-status\", \"direction\": \"download\", \"url\": \"https://e.com/b\","
      " \"status\": 42},"
      "{\"id\": \"bad-url\", \"direction\": \"download\", \"url\": 5, \"status\": \"pending\"},"
      "{\"id\": \"bad-bytes\", \"direction\": \"download\", \"url\": \"https://e.com/c\","
      " \"status\": \"pending\", \"transferred\": \"lots\"},"
      "{\"id\": \"bad-upload\", \"direction\": \"upload\", \"url\": \"https://e.com/u\","
      " \"status\": \"pending\"},"
      "{\"direction\": \"download\", \"url\": \"https://e.com/d\", \"status\": \"pending\"},"
      "17,"
      "{\"id\": \"good-1\", \"direction\": \"download\", \"url\": \"https://e.com/dup\","
      " \"status\": \"pending\"},"
      "{\"id\": \"good-2\", \"direction\": \"upload\", \"url\": \"https://e.com/u\","
      " \"source_file\": \"/tmp/x\", \"upload_protocol\": \"tus\", \"status\": \"complete\","
      " \"finished\": 200, \"upload_url\": \"https://e.com/u/1\"}"
      "]}";

  store = load_capturing_warnings (json);

  tasks = meow_store_dup_tasks (store);
  g_assert_cmpuint (tasks->len, ==, 2);
  g_assert_cmpstr (meow_stored_task_get_id (g_ptr_array_index (tasks, 0)), ==, "good-1");
  g_assert_cmpstr (meow_stored_task_get_url (g_ptr_array_index (tasks, 0)), ==, "https://e.com/a");
  g_assert_cmpint (meow_stored_task_get_status (g_ptr_array_index (tasks, 0)), ==,
                   MEOW_STATUS_PAUSED);
  g_assert_cmpuint (meow_stored_task_get_transferred (g_ptr_array_index (tasks, 0)), ==, 5);
  g_assert_cmpstr (meow_stored_task_get_id (g_ptr_array_index (tasks, 1)), ==, "good-2");
  g_assert_cmpstr (meow_stored_task_get_upload_url (g_ptr_array_index (tasks, 1)), ==,
                   "https://e.com/u/1");

  /* One warning per skipped entry, naming it and the field. */
  g_assert_cmpuint (captured_warnings->len, ==, 7);
  {
    const char *expect[][2] = {
      { "bad-status", "status" },      { "bad-url", "url" }, { "bad-bytes", "transferred" },
      { "bad-upload", "source_file" }, { "“?”", "id" },      { "task 6", "not a JSON object" },
      { "good-1", "earlier task" },
    };

    for (guint i = 0; i < G_N_ELEMENTS (expect); i++)
      {
        const char *msg = g_ptr_array_index (captured_warnings, i);

        g_test_message ("warning: %s", msg);
        g_assert_nonnull (strstr (msg, expect[i][0]));
        g_assert_nonnull (strstr (msg, expect[i][1]));
        g_assert_nonnull (strstr (msg, path));
      }
  }
  g_clear_pointer (&captured_warnings, g_ptr_array_unref);
}

/* ------------------------------------------------------------------ */
/* Writes: lifecycle at once, progress debounced                       */

/* The store's own JSON reader: what json-glib's generator wrote (earlier Meows) and
 * every corner of the grammar a hand edit may bring. */
static void
test_reader_grammar (void)
{
  g_autofree char *path = json_list_path ();
  g_autoptr (MeowStore) store = NULL;
  g_autoptr (GPtrArray) tasks = NULL;
  const char *json =
      " \n\t{ \"tasks\" : [ ] ,\r\n \"version\" : 1 , \"tasks\" : [\n"
      "  {\n    \"id\" : \"esc\",\n    \"direction\" : \"download\",\n"
      "    \"url\" : \"https:\\/\\/e.com\\/a\",\n"
      "    \"name\" : \"caf\\u00e9 \\ud83d\\ude00 \\\"q\\\" \\\\ \\t\\n\\b\\f\\r end\",\n"
      "    \"status\" : \"failed\",\n"
      "    \"extra\" : { \"a\" : [ 1, 2.5, -3e2, 0, -0, 1E+2, true, false, null,"
      " { \"b\" : [ [ ] , { } ] } ] },\n"
      "    \"output_dir\" : null,\n"
      "    \"status\" : \"paused\",\n"
      "    \"total\" : -1, \"transferred\" : 0, \"added\" : 9007199254740993\n  },\n"
      "  {\"id\": \"float\", \"direction\": \"download\", \"url\": \"https://e.com/b\","
      " \"status\": \"paused\", \"retries\": 2.0},\n"
      "  {\"id\": \"huge\", \"direction\": \"download\", \"url\": \"https://e.com/c\","
      " \"status\": \"paused\", \"total\": 99999999999999999999},\n"
      "  {\"id\": \"exp\", \"direction\": \"download\", \"url\": \"https://e.com/d\","
      " \"status\": \"paused\", \"total\": 1e3}\n"
      "] }\n";

  store = load_capturing_warnings (json);

  tasks = meow_store_dup_tasks (store);
  g_assert_cmpuint (tasks->len, ==, 1);
  g_assert_cmpstr (meow_stored_task_get_id (tasks->pdata[0]), ==, "esc");
  g_assert_cmpstr (meow_stored_task_get_url (tasks->pdata[0]), ==, "https://e.com/a");
  g_assert_cmpstr (meow_stored_task_get_name (tasks->pdata[0]), ==,
                   "café 😀 \"q\" \\ \t\n\b\f\r end");
  /* The last of two members of one name counts. */
  g_assert_cmpint (meow_stored_task_get_status (tasks->pdata[0]), ==, MEOW_STATUS_PAUSED);
  g_assert_cmpint (meow_stored_task_get_added (tasks->pdata[0]), ==, 9007199254740993);

  /* Numbers that are not integers where integers belong skip their entry. */
  g_assert_cmpuint (captured_warnings->len, ==, 3);
  g_assert_nonnull (strstr (captured_warnings->pdata[0], "“float”"));
  g_assert_nonnull (strstr (captured_warnings->pdata[0], "“retries”"));
  g_assert_nonnull (strstr (captured_warnings->pdata[1], "“huge”"));
  g_assert_nonnull (strstr (captured_warnings->pdata[1], "“total”"));
  g_assert_nonnull (strstr (captured_warnings->pdata[2], "“exp”"));
  g_clear_pointer (&captured_warnings, g_ptr_array_unref);
}

/* A list written by json-glib's generator, as Meow wrote it before its own writer,
 * loads the same. */
static void
test_reader_reads_json_glib (void)
{
  g_autofree char *path = json_list_path ();
  g_autofree char *dirname = g_path_get_dirname (path);
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (JsonGenerator) gen = json_generator_new ();
  g_autoptr (JsonNode) root = NULL;
  g_autoptr (MeowStore) store = NULL;
  g_autoptr (MeowStoredTask) st = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *data = NULL;
  const char      *nasty = "tab\there \"quoted\" back\\slash \x01 ünï ✓";

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "version");
  json_builder_add_int_value (b, 1);
  json_builder_set_member_name (b, "tasks");
  json_builder_begin_array (b);
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "id");
  json_builder_add_string_value (b, "from-json-glib");
  json_builder_set_member_name (b, "direction");
  json_builder_add_string_value (b, "upload");
  json_builder_set_member_name (b, "url");
  json_builder_add_string_value (b, "https://e.com/files/");
  json_builder_set_member_name (b, "headers");
  json_builder_begin_array (b);
  json_builder_add_string_value (b, "X-Key: v");
  json_builder_end_array (b);
  json_builder_set_member_name (b, "source_file");
  json_builder_add_string_value (b, "/tmp/x");
  json_builder_set_member_name (b, "name");
  json_builder_add_string_value (b, nasty);
  json_builder_set_member_name (b, "status");
  json_builder_add_string_value (b, "transmission");
  json_builder_set_member_name (b, "transferred");
  json_builder_add_int_value (b, G_MAXINT64);
  json_builder_set_member_name (b, "keep_partial");
  json_builder_add_boolean_value (b, TRUE);
  json_builder_end_object (b);
  json_builder_end_array (b);
  json_builder_end_object (b);
  root = json_builder_get_root (b);
  json_generator_set_root (gen, root);
  json_generator_set_pretty (gen, TRUE);
  data = json_generator_to_data (gen, NULL);

  g_mkdir_with_parents (dirname, 0700);
  g_assert_true (g_file_set_contents (path, data, -1, NULL));
  store = meow_store_new (NULL);
  g_assert_true (meow_store_load (store, &error));
  g_assert_no_error (error);
  st = meow_store_dup_task (store, "from-json-glib");
  g_assert_nonnull (st);
  g_assert_cmpstr (meow_stored_task_get_name (st), ==, nasty);
  g_assert_cmpuint (meow_stored_task_get_transferred (st), ==, G_MAXINT64);
  g_assert_cmpint (meow_stored_task_get_status (st), ==, MEOW_STATUS_TRANSMISSION);
}

/* A list written while the error quark was mangled by the formatter names the domain
 * "meow - error - quark": it still reads as MEOW_ERROR. */
static void
test_old_error_domain_name (void)
{
  g_autofree char *path = json_list_path ();
  g_autofree char *dirname = g_path_get_dirname (path);
  g_autoptr (MeowStore) store = NULL;
  g_autoptr (MeowStoredTask) st = NULL;
  const char *data = "{\"version\": 1, \"tasks\": [{\"id\": \"old-domain\", "
                     "\"direction\": \"download\", \"url\": \"https://e.com/a\", "
                     "\"output_dir\": \"/tmp\", \"status\": \"failed\", "
                     "\"error_domain\": \"meow - error - quark\", \"error_code\": 109, "
                     "\"error_message\": \"The server answered 404\"}]}";

  g_mkdir_with_parents (dirname, 0700);
  g_assert_true (g_file_set_contents (path, data, -1, NULL));
  store = reload (NULL);
  st = meow_store_dup_task (store, "old-domain");
  g_assert_nonnull (st);
  g_assert_cmpuint (meow_stored_task_get_error_domain (st), ==, MEOW_ERROR);
  g_assert_cmpint (meow_stored_task_get_error_code (st), ==, MEOW_ERROR_RESPONSE_STATUS);
}

static void
test_progress_debounced (void)
{
  g_autofree char *path = store_path ();
  g_autoptr (MeowStore) store = reload (NULL);
  g_autoptr (MeowTask) task = make_download ();
  const char *id = meow_task_get_id (task);
  guint       saved = 0;
  gint64      start;
  gint64      elapsed;

  add_task (store, task);
  {
    g_autoptr (MeowTransferRecord) r = record_new (id, MEOW_STATUS_TRANSMISSION, 0, 1000);
    meow_store_update (store, r); /* lifecycle: written soon */
  }
  SPIN_UNTIL (!meow_store_has_pending_changes (store), 5);
  g_assert_false (meow_store_has_pending_changes (store));
  start = g_get_monotonic_time ();
  g_signal_connect (store, "saved", G_CALLBACK (count_cb), &saved);

  for (guint i = 1; i <= 5; i++)
    {
      g_autoptr (MeowTransferRecord) r = record_new (id, MEOW_STATUS_TRANSMISSION, i * 100, 1000);
      meow_store_update (store, r);
    }
  /* Nothing written yet: progress waits for the timer. */
  g_assert_true (meow_store_has_pending_changes (store));
  g_assert_cmpint (transferred_on_disk (path, id), ==, 0);
  g_assert_cmpuint (saved, ==, 0);

  SPIN_UNTIL (saved > 0, 10);
  elapsed = g_get_monotonic_time () - start;
  g_assert_cmpuint (saved, ==, 1);
  g_assert_cmpint (elapsed, >=, 2 * G_USEC_PER_SEC - 100000);
  g_assert_false (meow_store_has_pending_changes (store));
  g_assert_cmpint (transferred_on_disk (path, id), ==, 500);

  /* Nothing pending: spinning longer writes nothing more. */
  SPIN_UNTIL (FALSE, 1);
  g_assert_cmpuint (saved, ==, 1);

  /* A lifecycle change right after is written soon (not after the 2 s
   * debounce), with the progress. */
  {
    g_autoptr (MeowTransferRecord) r = record_new (id, MEOW_STATUS_TRANSMISSION, 600, 1000);
    g_autoptr (MeowTransferRecord) p = record_new (id, MEOW_STATUS_PAUSED, 700, 1000);

    meow_store_update (store, r);
    g_assert_cmpuint (saved, ==, 1);
    start = g_get_monotonic_time ();
    meow_store_update (store, p);
    SPIN_UNTIL (saved == 2, 5);
    g_assert_cmpuint (saved, ==, 2);
    g_assert_cmpint (g_get_monotonic_time () - start, <, G_USEC_PER_SEC);
    g_assert_false (meow_store_has_pending_changes (store));
    g_assert_cmpint (status_on_disk (path, id), ==, MEOW_STATUS_PAUSED);
    g_assert_cmpint (transferred_on_disk (path, id), ==, 700);
  }

  /* Flush writes pending progress at once. */
  {
    g_autoptr (MeowTransferRecord) r = record_new (id, MEOW_STATUS_PAUSED, 800, 1000);
    g_autoptr (GError) error = NULL;

    meow_store_update (store, r);
    g_assert_true (meow_store_has_pending_changes (store));
    g_assert_true (meow_store_flush (store, &error));
    g_assert_no_error (error);
    g_assert_cmpuint (saved, ==, 3);
    g_assert_cmpint (transferred_on_disk (path, id), ==, 800);
    g_assert_true (meow_store_flush (store, &error)); /* nothing pending: no write */
    g_assert_cmpuint (saved, ==, 3);
  }
}

/* A finished download's payload is its file: the store keeps the two paths as one string
 * (a long history need not hold it twice), and changing one of them leaves the other as
 * it was, in memory, in a copy and after a reload. */
static void
test_payload_shares_local_path (void)
{
  g_autoptr (MeowStore) store = reload (NULL);
  g_autoptr (MeowTask) task = make_download ();
  g_autoptr (MeowTransferRecord) done = NULL;
  g_autoptr (MeowTransferRecord) moved = NULL;
  g_autoptr (MeowTransferRecord) paid = NULL;
  const char *id = meow_task_get_id (task);
  const char *file = "/tmp/meow-test/file.iso";
  const char *other = "/tmp/meow-test/file (1).iso";

  add_task (store, task);
  done = record_new (id, MEOW_STATUS_COMPLETE, 10, 10);
  done->local_path = g_strdup (file);
  done->payload = g_strdup (file);
  meow_store_update (store, done);
  g_clear_object (&store);

  for (guint pass = 0; pass < 2; pass++)
    {
      g_autoptr (MeowStoredTask) copy = NULL;
      const MeowStoredTask *st;

      store = reload (NULL);
      st = meow_store_peek_task (store, 0);
      g_assert_cmpstr (meow_stored_task_get_id (st), ==, id);
      g_assert_cmpstr (meow_stored_task_get_local_path (st), ==, pass == 0 ? file : other);
      g_assert_cmpstr (meow_stored_task_get_payload (st), ==, file);
      if (pass == 1)
        break;

      /* The engine chose another file: the payload stays the first one. */
      moved = record_new (id, MEOW_STATUS_COMPLETE, 10, 10);
      moved->local_path = g_strdup (other);
      meow_store_update (store, moved);
      g_assert_cmpstr (meow_stored_task_get_local_path (st), ==, other);
      g_assert_cmpstr (meow_stored_task_get_payload (st), ==, file);
      copy = meow_store_dup_task (store, id);
      g_assert_cmpstr (meow_stored_task_get_local_path (copy), ==, other);
      g_assert_cmpstr (meow_stored_task_get_payload (copy), ==, file);
      g_clear_object (&store);
    }

  /* And the payload follows to the new file: one string again, both right. */
  paid = record_new (id, MEOW_STATUS_COMPLETE, 10, 10);
  paid->payload = g_strdup (other);
  meow_store_update (store, paid);
  {
    g_autoptr (MeowStoredTask) copy = meow_store_dup_task (store, id);

    g_assert_cmpstr (meow_stored_task_get_local_path (copy), ==, other);
    g_assert_cmpstr (meow_stored_task_get_payload (copy), ==, other);
  }
  g_clear_object (&store);
  store = reload (NULL);
  g_assert_cmpstr (meow_stored_task_get_payload (meow_store_peek_task (store, 0)), ==, other);
}

/* A changed link is the task's: meow_store_set_url() writes it soon, a
 * rebuilt task asks it (and verifies a .part of another link), and a record
 * with another URL is followed the same way. */
static void
test_set_url (void)
{
  g_autofree char *path = store_path ();
  g_autoptr (MeowStore) store = reload (NULL);
  g_autoptr (MeowTask) task = make_download ();
  g_autoptr (GError) error = NULL;
  const char *id = meow_task_get_id (task);
  const char *new_url = "https://mirror.example.org/files/new.iso?sig=2";
  const char *newer_url = "https://mirror.example.org/files/new.iso?sig=3";
  guint       saved = 0;

  add_task (store, task);
  g_signal_connect (store, "saved", G_CALLBACK (count_cb), &saved);

  g_assert_true (meow_store_set_url (store, id, new_url, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (saved, ==, 0);
  g_assert_true (meow_store_has_pending_changes (store));
  SPIN_UNTIL (saved == 1, 5);
  g_assert_cmpuint (saved, ==, 1);
  {
    g_autoptr (MeowStore) peek = reload (path);
    g_autoptr (MeowStoredTask) st = meow_store_dup_task (peek, id);
    g_autoptr (MeowTask) rebuilt = meow_stored_task_build (st, &error);

    g_assert_no_error (error);
    g_assert_cmpstr (meow_stored_task_get_url (st), ==, new_url);
    g_assert_cmpstr (meow_task_get_url (rebuilt), ==, new_url);
    g_assert_cmpstr (meow_task_get_id (rebuilt), ==, id);
    g_assert_cmpint (meow_task_get_relink (rebuilt), ==, MEOW_RELINK_VERIFY);
  }

  /* the same URL again writes nothing */
  g_assert_true (meow_store_set_url (store, id, new_url, &error));
  g_assert_false (meow_store_has_pending_changes (store));

  /* a record of the task with its URL now */
  {
    g_autoptr (MeowTransferRecord) r = record_new (id, MEOW_STATUS_PENDING, 0, 10);
    g_autoptr (MeowStore) peek = NULL;
    g_autoptr (MeowStoredTask) st = NULL;

    r->url = g_strdup (newer_url);
    meow_store_update (store, r);
    SPIN_UNTIL (saved == 2, 5);
    g_assert_cmpuint (saved, ==, 2);
    peek = reload (path);
    st = meow_store_dup_task (peek, id);
    g_assert_cmpstr (meow_stored_task_get_url (st), ==, newer_url);
  }

  g_assert_false (meow_store_set_url (store, "no-such-id", new_url, &error));
  g_assert_error (error, MEOW_ERROR, MEOW_ERROR_TASK_NOT_FOUND);
  g_assert_nonnull (strstr (error->message, "no-such-id"));
}

static void
test_lifecycle_written_soon (void)
{
  g_autofree char *path = store_path ();
  g_autoptr (MeowStore) store = reload (NULL);
  g_autoptr (MeowTask) task = make_upload (MEOW_UPLOAD_PROTOCOL_TUS, NULL);
  const char *id = meow_task_get_id (task);
  guint       saved = 0;

  add_task (store, task);
  g_signal_connect (store, "saved", G_CALLBACK (count_cb), &saved);

  /* The tus resource appears: written as soon as the context runs, not
   * inside the call. */
  {
    g_autoptr (MeowTransferRecord) r = record_new (id, MEOW_STATUS_PENDING, 0, 10);
    g_autoptr (MeowStore) peek = NULL;
    g_autoptr (MeowStoredTask) st = NULL;

    r->upload_url = g_strdup (TEST_TUS_RESOURCE);
    meow_store_update (store, r);
    g_assert_cmpuint (saved, ==, 0);
    g_assert_true (meow_store_has_pending_changes (store));
    SPIN_UNTIL (saved == 1, 5);
    g_assert_cmpuint (saved, ==, 1);
    peek = reload (path);
    st = meow_store_dup_task (peek, id);
    g_assert_cmpstr (meow_stored_task_get_upload_url (st), ==, TEST_TUS_RESOURCE);
  }

  /* Failed, then retried: the error goes away with the live status. */
  {
    g_autoptr (MeowTransferRecord) f = record_new (id, MEOW_STATUS_FAILED, 3, 10);
    g_autoptr (MeowTransferRecord) p = record_new (id, MEOW_STATUS_PENDING, 3, 10);
    g_autoptr (MeowStore) peek = NULL;
    g_autoptr (MeowStoredTask) st = NULL;

    f->error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_NO_SPACE, "Disk full.");
    meow_store_update (store, f);
    SPIN_UNTIL (saved == 2, 5);
    g_assert_cmpuint (saved, ==, 2);
    peek = reload (path);
    st = meow_store_dup_task (peek, id);
    g_assert_cmpuint (meow_stored_task_get_error_domain (st), ==, G_IO_ERROR);
    g_assert_cmpint (meow_stored_task_get_error_code (st), ==, G_IO_ERROR_NO_SPACE);
    g_assert_cmpint (meow_stored_task_get_finished (st), >, 0);

    meow_store_update (store, p);
    SPIN_UNTIL (saved == 3, 5);
    g_assert_cmpuint (saved, ==, 3);
    g_clear_pointer (&st, meow_stored_task_free);
    st = meow_store_dup_task (store, id);
    g_assert_null (meow_stored_task_get_error_message (st));
    g_assert_cmpint (meow_stored_task_get_finished (st), ==, 0);
  }

  /* The same record twice writes nothing; unknown ids are ignored. */
  {
    g_autoptr (MeowTransferRecord) p = record_new (id, MEOW_STATUS_PENDING, 3, 10);
    g_autoptr (MeowTransferRecord) x = record_new ("no-such-id", MEOW_STATUS_PAUSED, 3, 10);

    meow_store_update (store, p);
    meow_store_update (store, x);
    SPIN_UNTIL (FALSE, 1);
    g_assert_cmpuint (saved, ==, 3);
    g_assert_false (meow_store_has_pending_changes (store));
  }

  /* set_status, for a task restored without enqueueing. */
  {
    g_autoptr (GError) reason =
        g_error_new_literal (MEOW_ERROR, MEOW_ERROR_FILE_NOT_FOUND, "Cannot upload “x”: gone.");
    g_autoptr (GError) error = NULL;
    g_autoptr (MeowStore) peek = NULL;
    g_autoptr (MeowStoredTask) st = NULL;

    g_assert_true (meow_store_set_status (store, id, MEOW_STATUS_FAILED, reason, &error));
    g_assert_no_error (error);
    SPIN_UNTIL (saved == 4, 5);
    g_assert_cmpuint (saved, ==, 4);
    peek = reload (path);
    st = meow_store_dup_task (peek, id);
    g_assert_cmpint (meow_stored_task_get_status (st), ==, MEOW_STATUS_FAILED);
    g_assert_cmpint (meow_stored_task_get_error_code (st), ==, MEOW_ERROR_FILE_NOT_FOUND);
    g_assert_false (meow_store_set_status (store, "nope", MEOW_STATUS_PAUSED, NULL, &error));
    g_assert_error (error, MEOW_ERROR, MEOW_ERROR_TASK_NOT_FOUND);
  }
}

/* A burst of lifecycle records (a restart resuming 100 transfers, say) is
 * one write of the list, not one per record; and flush waits for a write
 * the writer thread is still doing. */
static void
test_lifecycle_burst_one_write (void)
{
  g_autofree char *path = store_path ();
  g_autoptr (MeowStore) store = reload (NULL);
  g_autoptr (GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GError) error = NULL;
  guint saved = 0;

  for (guint i = 0; i < 100; i++)
    {
      g_autoptr (MeowTask) task = make_download ();

      add_task (store, task);
      g_ptr_array_add (ids, g_strdup (meow_task_get_id (task)));
    }
  g_signal_connect (store, "saved", G_CALLBACK (count_cb), &saved);

  for (guint i = 0; i < ids->len; i++)
    {
      g_autoptr (MeowTransferRecord) r =
          record_new (ids->pdata[i], MEOW_STATUS_TRANSMISSION, 0, 1000);

      meow_store_update (store, r);
    }
  g_assert_cmpuint (saved, ==, 0);
  SPIN_UNTIL (!meow_store_has_pending_changes (store), 5);
  g_assert_cmpuint (saved, ==, 1);
  {
    g_autoptr (MeowStore) peek = reload (path);
    g_autoptr (GPtrArray) back = meow_store_dup_tasks (peek);

    g_assert_cmpuint (back->len, ==, 100);
    for (guint i = 0; i < back->len; i++)
      g_assert_cmpint (meow_stored_task_get_status (back->pdata[i]), ==, MEOW_STATUS_TRANSMISSION);
  }

  /* Handed to the writer (one iteration), then flushed before it is
   * acknowledged: flush waits and the file has the change. */
  {
    g_autoptr (MeowTransferRecord) r = record_new (ids->pdata[7], MEOW_STATUS_PAUSED, 10, 1000);
    g_autoptr (MeowStore) peek = NULL;
    g_autoptr (MeowStoredTask) st = NULL;

    meow_store_update (store, r);
    g_main_context_iteration (NULL, FALSE);
    g_assert_true (meow_store_flush (store, &error));
    g_assert_no_error (error);
    g_assert_false (meow_store_has_pending_changes (store));
    peek = reload (path);
    st = meow_store_dup_task (peek, ids->pdata[7]);
    g_assert_cmpint (meow_stored_task_get_status (st), ==, MEOW_STATUS_PAUSED);
  }
}

/* Many tasks at once: one write, all or nothing. */
static void
test_add_all (void)
{
  g_autofree char *path = store_path ();
  g_autoptr (MeowStore) store = reload (NULL);
  g_autoptr (GPtrArray) batch =
      g_ptr_array_new_with_free_func ((GDestroyNotify) meow_stored_task_free);
  g_autoptr (GError) error = NULL;
  g_autoptr (MeowTask) existing = make_download ();
  guint saved = 0;

  add_task (store, existing);
  for (guint i = 0; i < 500; i++)
    {
      g_autoptr (MeowTask) task = make_download ();

      g_ptr_array_add (batch, meow_stored_task_new_from_task (task, 0));
    }
  g_signal_connect (store, "saved", G_CALLBACK (count_cb), &saved);

  g_assert_true (
      meow_store_add_all (store, (const MeowStoredTask *const *) batch->pdata, batch->len, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (saved, ==, 1);
  {
    g_autoptr (MeowStore) peek = reload (path);
    g_autoptr (GPtrArray) back = meow_store_dup_tasks (peek);

    g_assert_cmpuint (back->len, ==, 501);
    g_assert_cmpstr (meow_stored_task_get_id (back->pdata[500]), ==,
                     meow_stored_task_get_id (batch->pdata[499]));
  }

  /* One id already there (here, the last): none of the batch is added. */
  {
    g_autoptr (GPtrArray) again =
        g_ptr_array_new_with_free_func ((GDestroyNotify) meow_stored_task_free);
    g_autoptr (GPtrArray) now = NULL;

    for (guint i = 0; i < 3; i++)
      {
        g_autoptr (MeowTask) task = make_download ();

        g_ptr_array_add (again, meow_stored_task_new_from_task (task, 0));
      }
    g_ptr_array_add (again, meow_stored_task_new_from_task (existing, 0));
    g_assert_false (meow_store_add_all (store, (const MeowStoredTask *const *) again->pdata,
                                        again->len, &error));
    g_assert_error (error, MEOW_ERROR, MEOW_ERROR_DUPLICATE_TASK);
    g_assert_nonnull (strstr (error->message, meow_task_get_id (existing)));
    g_clear_error (&error);
    now = meow_store_dup_tasks (store);
    g_assert_cmpuint (now->len, ==, 501);
    g_assert_null (meow_store_dup_task (store, meow_stored_task_get_id (again->pdata[0])));
    g_assert_cmpuint (saved, ==, 1);
  }

  /* Nothing to add writes nothing. */
  g_assert_true (meow_store_add_all (store, NULL, 0, &error));
  g_assert_cmpuint (saved, ==, 1);
}

/* A download whose file the engine put in place, but whose Complete record was never
 * saved (a kill in between), is found complete; anything less is not. */
static void
test_finished_on_disk (void)
{
  g_autofree char *path = store_path ();
  g_autoptr (MeowStore) store = reload (NULL);
  g_autoptr (MeowTask) task = make_download ();
  const char      *id = meow_task_get_id (task);
  g_autofree char *target = g_build_filename (meow_task_get_output_dir (task), "done.bin", NULL);
  g_autofree char *part = g_strconcat (target, ".part", NULL);
  g_autofree char *ctl = g_strconcat (target, ".part.meow", NULL);
  g_autoptr (MeowTransferRecord) r = record_new (id, MEOW_STATUS_TRANSMISSION, 4, 10);
  g_autoptr (GError) error = NULL;

#define FINISHED()                                                                                 \
  ({                                                                                               \
    g_autoptr (MeowStoredTask) _st = meow_store_dup_task (store, id);                              \
    meow_stored_task_finished_on_disk (_st);                                                       \
  })

  g_assert_cmpint (g_mkdir_with_parents (meow_task_get_output_dir (task), 0700), ==, 0);
  add_task (store, task);
  r->local_path = g_strdup (target);
  meow_store_update (store, r);

  /* Not there yet; then still downloading. */
  g_assert_false (FINISHED ());
  g_assert_true (g_file_set_contents (part, "0123", -1, NULL));
  g_assert_true (g_file_set_contents (ctl, "{}", -1, NULL));
  g_assert_false (FINISHED ());

  /* Renamed into place, the control file not yet removed: not yet. */
  g_assert_cmpint (g_rename (part, target), ==, 0);
  g_assert_false (FINISHED ());
  g_assert_cmpint (g_unlink (ctl), ==, 0);

  /* The wrong size (4 bytes of 10), then the right one. */
  g_assert_false (FINISHED ());
  g_assert_true (g_file_set_contents (target, "0123456789", -1, NULL));
  g_assert_true (FINISHED ());

  /* An old file of that name (an overwriting task that had not replaced it yet). */
  {
    struct utimbuf old = { .actime = 1000000000, .modtime = 1000000000 };

    g_assert_cmpint (g_utime (target, &old), ==, 0);
    g_assert_false (FINISHED ());
    g_assert_true (g_file_set_contents (target, "0123456789", -1, NULL));
  }

  /* A symbolic link there is not the engine's file. */
  {
    g_autofree char *elsewhere = g_strconcat (target, ".real", NULL);

    g_assert_cmpint (g_rename (target, elsewhere), ==, 0);
    g_assert_cmpint (symlink (elsewhere, target), ==, 0);
    g_assert_false (FINISHED ());
    g_assert_cmpint (g_unlink (target), ==, 0);
    g_assert_cmpint (g_rename (elsewhere, target), ==, 0);
    g_assert_true (FINISHED ());
  }

  /* Marked Complete without a record: the file is the payload, and it is history now. */
  g_assert_true (meow_store_set_status (store, id, MEOW_STATUS_COMPLETE, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (meow_store_flush (store, &error));
  {
    g_autoptr (MeowStore) peek = reload (path);
    g_autoptr (MeowStoredTask) st = meow_store_dup_task (peek, id);

    g_assert_cmpint (meow_stored_task_get_status (st), ==, MEOW_STATUS_COMPLETE);
    g_assert_cmpstr (meow_stored_task_get_payload (st), ==, target);
    g_assert_cmpint (meow_stored_task_get_finished (st), >, 0);
    g_assert_false (meow_stored_task_finished_on_disk (st));
  }
  g_unlink (target);
#undef FINISHED
}

/* Strings the writer must escape come back the same; bytes that are not
 * UTF-8 do not make the list unreadable. */
static void
test_strings_escaped (void)
{
  g_autofree char *path = store_path ();
  g_autoptr (MeowStore) store = reload (NULL);
  g_autoptr (MeowTask) task = make_download ();
  g_autoptr (MeowTransferRecord) r =
      record_new (meow_task_get_id (task), MEOW_STATUS_FAILED, 0, 10);
  const char *nasty = "quote \" back\\slash\n\r\t\x01\x1f ünï ✓ \xe2\x80\xa8 end";
  g_autoptr (GError) error = NULL;
  g_autoptr (MeowStore) peek = NULL;
  g_autoptr (MeowStoredTask) st = NULL;

  add_task (store, task);
  r->name = g_strdup (nasty);
  r->error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_FAILED, "bad \xff\xfe bytes");
  meow_store_update (store, r);
  g_assert_true (meow_store_flush (store, &error));
  g_assert_no_error (error);

  peek = reload (path);
  st = meow_store_dup_task (peek, meow_task_get_id (task));
  g_assert_nonnull (st);
  g_assert_cmpstr (meow_stored_task_get_name (st), ==, nasty);
  g_assert_true (g_utf8_validate (meow_stored_task_get_error_message (st), -1, NULL));
  g_assert_true (g_str_has_prefix (meow_stored_task_get_error_message (st), "bad "));
  g_assert_true (g_str_has_suffix (meow_stored_task_get_error_message (st), " bytes"));
}

static void
test_write_failure (void)
{
  g_autofree char *dirname = g_build_filename (g_get_user_data_dir (), "meow", NULL);
  g_autofree char *path = g_build_filename (dirname, "tasks.db", NULL);
  g_autofree char *wal = g_strconcat (path, "-wal", NULL);
  g_autofree char *shm = g_strconcat (path, "-shm", NULL);
  g_autoptr (MeowStore) store = reload (NULL);
  g_autoptr (MeowTask) task = make_download ();
  g_autoptr (MeowTask) other = make_download ();
  g_autoptr (MeowStoredTask) st = meow_stored_task_new_from_task (task, 0);
  g_autoptr (MeowStoredTask) st2 = meow_stored_task_new_from_task (other, 0);
  g_autoptr (MeowTransferRecord) r = record_new (meow_task_get_id (task), MEOW_STATUS_PAUSED, 1, 2);
  g_autoptr (GError) error = NULL;
  g_autoptr (GError) signalled = NULL;
  g_autoptr (GPtrArray) tasks = NULL;
  guint saved = 0;

  g_assert_true (meow_store_add (store, st, &error));
  g_signal_connect (store, "saved", G_CALLBACK (count_cb), &saved);
  g_signal_connect (store, "write-failed", G_CALLBACK (write_failed_cb), &signalled);

  /* A file where the folder should be: works even as root. The store notices that its
   * database is gone (an open SQLite connection would go on writing to the deleted file). */
  g_assert_cmpint (g_unlink (path), ==, 0);
  g_unlink (wal);
  g_unlink (shm);
  g_assert_cmpint (g_rmdir (dirname), ==, 0);
  g_assert_true (g_file_set_contents (dirname, "in the way", -1, NULL));

  /* add reports the failure and does not keep the task. */
  g_assert_false (meow_store_add (store, st2, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_DIRECTORY);
  g_assert_nonnull (strstr (error->message, dirname));
  g_assert_null (meow_store_dup_task (store, meow_task_get_id (other)));

  /* update has nobody to return an error to: the write it causes signals,
   * and the change is kept. */
  meow_store_update (store, r);
  SPIN_UNTIL (signalled != NULL, 5);
  g_assert_nonnull (signalled);
  g_assert_error (signalled, G_IO_ERROR, G_IO_ERROR_NOT_DIRECTORY);
  g_assert_true (meow_store_has_pending_changes (store));

  /* Once the way is clear, the timer writes the pending change. */
  g_assert_cmpint (g_unlink (dirname), ==, 0);
  SPIN_UNTIL (saved > 0, 10);
  g_assert_cmpuint (saved, ==, 1);
  g_assert_false (meow_store_has_pending_changes (store));
  {
    g_autoptr (MeowStore) peek = reload (path);
    g_autoptr (MeowStoredTask) back = NULL;

    back = meow_store_dup_task (peek, meow_task_get_id (task));
    g_assert_cmpint (meow_stored_task_get_status (back), ==, MEOW_STATUS_PAUSED);
    tasks = meow_store_dup_tasks (peek);
    g_assert_cmpuint (tasks->len, ==, 1);
  }
}

/* ------------------------------------------------------------------ */
/* A kill at any moment loses no task                                  */

static int
child_add_loop (const char *path)
{
  g_autoptr (MeowStore) store = meow_store_new (path);
  g_autoptr (GError) error = NULL;

  if (!meow_store_load (store, &error))
    {
      g_printerr ("child: %s\n", error->message);
      return 2;
    }
  for (guint i = 0; i < 400; i++)
    {
      g_autoptr (MeowTaskBuilder) b = meow_task_builder_new_download (TEST_URL);
      g_autoptr (MeowTask) task = NULL;
      g_autoptr (MeowStoredTask) st = NULL;
      g_autofree char *line = NULL;

      meow_task_builder_set_output_dir (b, "/tmp");
      task = meow_task_builder_build (b, &error);
      if (task == NULL)
        return 3;
      st = meow_stored_task_new_from_task (task, 0);
      if (!meow_store_add (store, st, &error))
        {
          g_printerr ("child: %s\n", error->message);
          return 4;
        }
      /* Reported only once meow_store_add() returned. Unbuffered. */
      line = g_strdup_printf ("%s\n", meow_task_get_id (task));
      if (write (STDOUT_FILENO, line, strlen (line)) != (ssize_t) strlen (line))
        return 5;
    }
  for (;;)
    pause ();
  return 0;
}

static void
test_kill_loses_nothing (void)
{
  g_autofree char *path = store_path ();
  g_autofree char *dirname = g_path_get_dirname (path);
  g_autofree char *self = g_file_read_link ("/proc/self/exe", NULL);
  g_autoptr (GHashTable) reported = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr (MeowStore) store = NULL;
  guint rounds = g_test_slow () ? 50 : 20;

  g_assert_nonnull (self);
  for (guint round = 0; round < rounds; round++)
    {
      char *argv[] = { self, (char *) "--child-add", path, NULL };
      GPid  pid;
      int   out_fd;
      FILE *out;
      char  line[128];
      guint wait_for = g_test_rand_int_range (0, 40);
      guint seen = 0;
      int   wstatus = 0;
      g_autoptr (GError) error = NULL;

      g_assert_true (g_spawn_async_with_pipes (NULL, argv, NULL, G_SPAWN_DO_NOT_REAP_CHILD, NULL,
                                               NULL, &pid, NULL, &out_fd, NULL, &error));
      g_assert_no_error (error);
      out = fdopen (out_fd, "r");

      /* Let it add a random number of tasks, then kill it mid-flight. */
      while (seen < wait_for && fgets (line, sizeof line, out) != NULL)
        {
          g_strchomp (line);
          g_hash_table_add (reported, g_strdup (line));
          seen++;
        }
      g_usleep (g_test_rand_int_range (0, 3000));
      kill (pid, SIGKILL);
      while (fgets (line, sizeof line, out) != NULL)
        {
          g_strchomp (line);
          g_hash_table_add (reported, g_strdup (line));
          seen++;
        }
      fclose (out);
      g_assert_cmpint (waitpid (pid, &wstatus, 0), ==, pid);
      g_spawn_close_pid (pid);
      /* It was killed, not stopped by an error of its own. */
      g_assert_true (WIFSIGNALED (wstatus));
      g_test_message ("round %u: child reported %u tasks", round, seen);
    }

  g_assert_cmpuint (g_hash_table_size (reported), >, 0);

  /* The file parses and every reported task is there. */
  store = reload (path);
  {
    GHashTableIter iter;
    const char    *id;
    g_autoptr (GPtrArray) tasks = meow_store_dup_tasks (store);

    g_assert_cmpuint (tasks->len, >=, g_hash_table_size (reported));
    g_hash_table_iter_init (&iter, reported);
    while (g_hash_table_iter_next (&iter, (gpointer *) &id, NULL))
      {
        g_autoptr (MeowStoredTask) st = meow_store_dup_task (store, id);

        if (st == NULL)
          g_error ("task %s was reported added but is lost", id);
      }
  }
  /* Nothing but the database and its journal. */
  g_assert_cmpuint (count_other_files (dirname), ==, 0);
}

int
main (int argc, char *argv[])
{
  if (argc == 3 && strcmp (argv[1], "--child-add") == 0)
    return child_add_loop (argv[2]);
  if (argc == 3 && strcmp (argv[1], "--child-import") == 0)
    return child_import (argv[2]);
  if (argc == 3 && strcmp (argv[1], "--child-clear") == 0)
    return child_clear (argv[2]);

  g_log_set_writer_func (log_writer, NULL, NULL);
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/core/store/roundtrip/download", test_roundtrip_download);
  g_test_add_data_func ("/core/store/roundtrip/upload-meow",
                        GINT_TO_POINTER (MEOW_UPLOAD_PROTOCOL_MEOW), test_roundtrip_upload);
  g_test_add_data_func ("/core/store/roundtrip/upload-tus",
                        GINT_TO_POINTER (MEOW_UPLOAD_PROTOCOL_TUS), test_roundtrip_upload);
  g_test_add_func ("/core/store/roundtrip/upload-bytes-not-rebuildable",
                   test_upload_bytes_not_rebuildable);
  g_test_add_func ("/core/store/add-reload-remove", test_add_reload_remove);
  g_test_add_func ("/core/store/remove-all", test_remove_all);
  g_test_add_func ("/core/store/missing-file-is-empty", test_missing_file_is_empty);
  g_test_add_func ("/core/store/stale-temp-files-removed", test_stale_temp_files_removed);
  g_test_add_data_func ("/core/store/corrupt/truncated",
                        "{\"version\": 1, \"tasks\": [{\"id\": ", test_corrupt);
  g_test_add_data_func ("/core/store/corrupt/wrong-types", "{\"version\": \"1\", \"tasks\": {}}",
                        test_corrupt);
  g_test_add_data_func ("/core/store/corrupt/tasks-not-array", "{\"version\": 1, \"tasks\": 3}",
                        test_corrupt);
  g_test_add_data_func ("/core/store/corrupt/not-an-object", "[1, 2, 3]", test_corrupt);
  g_test_add_data_func ("/core/store/corrupt/empty", "", test_corrupt);
  g_test_add_data_func ("/core/store/corrupt/newer-version", "{\"version\": 2, \"tasks\": []}",
                        test_corrupt);
  g_test_add_func ("/core/store/bad-entries-skipped", test_bad_entries_skipped);
  g_test_add_func ("/core/store/old-error-domain-name", test_old_error_domain_name);
  g_test_add_data_func ("/core/store/corrupt/trailing-data", "{\"version\": 1, \"tasks\": []} x",
                        test_corrupt);
  g_test_add_data_func ("/core/store/corrupt/trailing-comma",
                        "{\"version\": 1, \"tasks\": [{\"id\": \"a\"},]}", test_corrupt);
  g_test_add_data_func ("/core/store/corrupt/raw-control-character",
                        "{\"version\": 1, \"tasks\": [{\"id\": \"a\tb\"}]}", test_corrupt);
  g_test_add_data_func ("/core/store/corrupt/lone-surrogate",
                        "{\"version\": 1, \"tasks\": [{\"id\": \"\\ud800\"}]}", test_corrupt);
  g_test_add_data_func ("/core/store/corrupt/bad-escape",
                        "{\"version\": 1, \"tasks\": [{\"id\": \"\\x41\"}]}", test_corrupt);
  g_test_add_data_func ("/core/store/corrupt/not-utf8",
                        "{\"version\": 1, \"tasks\": [{\"id\": \"\xff\"}]}", test_corrupt);
  g_test_add_data_func ("/core/store/corrupt/unterminated-string",
                        "{\"version\": 1, \"tasks\": [{\"id", test_corrupt);
  g_test_add_data_func ("/core/store/corrupt/bad-literal", "{\"version\": 1, \"tasks\": [tru]}",
                        test_corrupt);
  g_test_add_data_func ("/core/store/corrupt/bad-number", "{\"version\": 1, \"tasks\": [01]}",
                        test_corrupt);
  g_test_add_data_func ("/core/store/corrupt/float-version", "{\"version\": 1.0, \"tasks\": []}",
                        test_corrupt);
  g_test_add_data_func ("/core/store/corrupt/nested-too-deep",
                        "{\"version\": 1, \"tasks\": "
                        "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]"
                        "]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}",
                        test_corrupt);
  g_test_add_data_func ("/core/store/corrupt/tasks-last-not-array",
                        "{\"version\": 1, \"tasks\": [], \"tasks\": {}}", test_corrupt);
  g_test_add_func ("/core/store/reader/grammar", test_reader_grammar);
  g_test_add_func ("/core/store/reader/reads-json-glib", test_reader_reads_json_glib);
  g_test_add_func ("/core/store/progress-debounced", test_progress_debounced);
  g_test_add_func ("/core/store/lifecycle-written-soon", test_lifecycle_written_soon);
  g_test_add_func ("/core/store/set-url", test_set_url);
  g_test_add_func ("/store/payload-shares-local-path", test_payload_shares_local_path);
  g_test_add_func ("/core/store/lifecycle-burst-one-write", test_lifecycle_burst_one_write);
  g_test_add_func ("/core/store/strings-escaped", test_strings_escaped);
  g_test_add_func ("/core/store/add-all", test_add_all);
  g_test_add_func ("/core/store/finished-on-disk", test_finished_on_disk);
  g_test_add_func ("/core/store/write-failure", test_write_failure);
  g_test_add_func ("/core/store/kill-loses-nothing", test_kill_loses_nothing);
  g_test_add_func ("/core/store/legacy-file", test_legacy_file);
  g_test_add_data_func ("/store/db/corrupt/garbage", "this is not a database, it is text\n",
                        test_db_corrupt);
  g_test_add_data_func ("/store/db/corrupt/json",
                        "{\"version\": 1, \"tasks\": []}                                  "
                        "                                                                    ",
                        test_db_corrupt);
  g_test_add_func ("/store/db/newer-schema", test_db_newer_schema);
  g_test_add_func ("/store/db/bad-row-skipped", test_db_bad_row_skipped);
  g_test_add_func ("/store/db/progress-one-row", test_db_progress_one_row);
  g_test_add_func ("/store/import/once", test_import_once);
  g_test_add_func ("/store/import/rename-resumed", test_import_rename_resumed);
  g_test_add_func ("/store/import/keeps-older-imported", test_import_keeps_older_imported);
  g_test_add_func ("/store/remove-all-async", test_remove_all_async);
  g_test_add_func ("/store/add-all-async", test_add_all_async);
  g_test_add_func ("/store/kill/during-import", test_kill_during_import);
  g_test_add_func ("/store/kill/during-clear-finished", test_kill_during_clear);

  return g_test_run ();
}
