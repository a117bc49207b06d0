/* legacy-tasks-gen.c: how tests/data/legacy-tasks.json was made (not built)
 *
 * The file is a task list written by the JSON MeowStore (store/meow-store.c at commit
 * 004915a, the last one that wrote JSON), kept so that the SQLite store's one-time import
 * is tested on what real installs hold: every status, both directions, both upload
 * protocols, the three checksum types, request headers with a cookie, an explicit 0 and an
 * unset retries, an upload of in-memory bytes, and an error domain under the name
 * clang-format once gave MEOW_ERROR ("meow - error - quark").
 *
 * It was compiled against that commit's build:
 *   gcc -o gen legacy-tasks-gen.c -I_build -Icore -Istore -I_build/core \
 *     $(pkg-config --cflags gio-2.0 libcurl json-glib-1.0) _build/store/libmeow-store.a \
 *     _build/core/libmeow.a $(pkg-config --libs gio-2.0 gio-unix-2.0 libcurl json-glib-1.0)
 *   ./gen tests/data/legacy-tasks.json
 * /core/store/legacy-file (tests/store/test-store.c) checks every field it wrote.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "meow-error.h"
#include "meow-store.h"
#include "meow-transfer-record-private.h"
#include <gio/gio.h>
#include <glib/gstdio.h>

static MeowTask *
finish (MeowTaskBuilder *b, const char *id)
{
  GError   *e = NULL;
  MeowTask *t;
  meow_task_builder_set_id (b, id);
  t = meow_task_builder_build (b, &e);
  g_assert_no_error (e);
  meow_task_builder_free (b);
  return t;
}

static void
rec (MeowStore    *s,
     const char   *id,
     MeowDirection dir,
     MeowStatus    st,
     guint64       done,
     gint64        total,
     const char   *name,
     const char   *local,
     const char   *upload_url,
     const char   *payload,
     GError       *err,
     gint64        ts)
{
  MeowTransferRecord *r = _meow_transfer_record_new (id, dir, st);
  r->transferred = done;
  r->total = total;
  r->name = g_strdup (name);
  r->local_path = g_strdup (local);
  r->upload_url = g_strdup (upload_url);
  r->payload = g_strdup (payload);
  r->error = err;
  r->timestamp = ts;
  meow_store_update (s, r);
  meow_transfer_record_unref (r);
}

int
main (int argc, char **argv)
{
  const char *out = argv[1];
  const char *src = "/tmp/meow-legacy/Pictures/cat.png";
  g_autoptr (MeowStore) s = NULL;
  MeowTask        *t[10];
  MeowStoredTask  *st[10];
  GError          *e = NULL;
  MeowTaskBuilder *b;
  gint64           t0 = 1764600000000000; /* 2025-12-01 */

  g_mkdir_with_parents ("/tmp/meow-legacy/Pictures", 0700);
  g_file_set_contents (src, "0123456789", 10, NULL);
  g_unlink (out);
  s = meow_store_new (out);
  g_assert (meow_store_load (s, &e));

  /* 0: pending download, everything set */
  b = meow_task_builder_new_download ("https://alice:s3cr3t@downloads.example.com/files/big.iso");
  meow_task_builder_set_output_dir (b, "/tmp/meow-legacy/Downloads");
  meow_task_builder_add_header (b, "Authorization", "Bearer t0k3n");
  meow_task_builder_add_header (b, "Cookie", "session=abc; theme=dark");
  meow_task_builder_add_header (b, "X-Empty", "");
  meow_task_builder_set_checksum (
      b, MEOW_CHECKSUM_SHA256, "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08");
  meow_task_builder_set_retries (b, 7);
  meow_task_builder_set_speed_limit (b, 12345);
  meow_task_builder_set_segments (b, 6);
  meow_task_builder_set_overwrite (b, TRUE);
  meow_task_builder_set_keep_partial (b, TRUE);
  meow_task_builder_set_size_hint (b, 4096);
  meow_task_builder_set_name (b, "naïve résumé \"quoted\"\t.iso");
  t[0] = finish (b, "00000000-0000-4000-8000-000000000000");
  /* 1: transmission, local path chosen, progress */
  b = meow_task_builder_new_download ("https://downloads.example.com/video.mkv");
  meow_task_builder_set_output_dir (b, "/tmp/meow-legacy/Downloads");
  t[1] = finish (b, "00000000-0000-4000-8000-000000000001");
  /* 2: paused, output file, POST, md5, explicit 0 retries */
  b = meow_task_builder_new_download ("https://api.example.com/export?format=csv&x=1");
  meow_task_builder_set_output_file (b, "/tmp/meow-legacy/Downloads/export.csv");
  meow_task_builder_set_method (b, "POST");
  meow_task_builder_set_checksum (b, MEOW_CHECKSUM_MD5, "d41d8cd98f00b204e9800998ecf8427e");
  meow_task_builder_set_retries (b, 0);
  t[2] = finish (b, "00000000-0000-4000-8000-000000000002");
  /* 3: complete, sha1 */
  b = meow_task_builder_new_download ("https://downloads.example.com/small.txt");
  meow_task_builder_set_output_dir (b, "/tmp/meow-legacy/Downloads");
  meow_task_builder_set_checksum (b, MEOW_CHECKSUM_SHA1,
                                  "da39a3ee5e6b4b0d3255bfef95601890afd80709");
  t[3] = finish (b, "00000000-0000-4000-8000-000000000003");
  /* 4: failed with MEOW_ERROR under the mangled name */
  b = meow_task_builder_new_download ("https://downloads.example.com/missing.zip");
  meow_task_builder_set_output_dir (b, "/tmp/meow-legacy/Downloads");
  t[4] = finish (b, "00000000-0000-4000-8000-000000000004");
  /* 5: canceled */
  b = meow_task_builder_new_download ("https://downloads.example.com/canceled.bin");
  meow_task_builder_set_output_dir (b, "/tmp/meow-legacy/Downloads");
  t[5] = finish (b, "00000000-0000-4000-8000-000000000005");
  /* 6: meow upload, complete */
  b = meow_task_builder_new_upload_file ("https://uploads.example.com/upload", src);
  meow_task_builder_set_upload_protocol (b, MEOW_UPLOAD_PROTOCOL_MEOW);
  meow_task_builder_set_chunk_size (b, 65536);
  meow_task_builder_set_category (b, "photos");
  meow_task_builder_set_prepare_retries (b, 2);
  meow_task_builder_add_header (b, "X-Api-Key", "k3y");
  t[6] = finish (b, "00000000-0000-4000-8000-000000000006");
  /* 7: tus upload, failed with a GIOError, upload URL known */
  b = meow_task_builder_new_upload_file ("https://tus.example.com/files/", src);
  meow_task_builder_set_upload_protocol (b, MEOW_UPLOAD_PROTOCOL_TUS);
  meow_task_builder_set_chunk_size (b, 1048576);
  t[7] = finish (b, "00000000-0000-4000-8000-000000000007");
  /* 8: tus upload, transmission, created resource resumed */
  b = meow_task_builder_new_upload_file ("https://tus.example.com/files/", src);
  meow_task_builder_set_upload_protocol (b, MEOW_UPLOAD_PROTOCOL_TUS);
  meow_task_builder_set_upload_url (b, "https://tus.example.com/files/abc123");
  meow_task_builder_set_name (b, "cat renamed.png");
  t[8] = finish (b, "00000000-0000-4000-8000-000000000008");
  /* 9: upload of in-memory bytes, paused */
  {
    g_autoptr (GBytes) bytes = g_bytes_new_static ("hello", 5);
    b = meow_task_builder_new_upload_bytes ("https://uploads.example.com/upload", bytes,
                                            "hello.txt");
    t[9] = finish (b, "00000000-0000-4000-8000-000000000009");
  }

  for (int i = 0; i < 10; i++)
    st[i] = meow_stored_task_new_from_task (t[i], t0 + i * G_USEC_PER_SEC);
  g_assert (meow_store_add_all (s, (const MeowStoredTask *const *) st, 10, &e));

  rec (s, meow_task_get_id (t[1]), MEOW_DIRECTION_DOWNLOAD, MEOW_STATUS_TRANSMISSION, 1048576,
       8388608, "video.mkv", "/tmp/meow-legacy/Downloads/video.mkv", NULL, NULL, NULL,
       t0 + 100 * G_USEC_PER_SEC);
  rec (s, meow_task_get_id (t[2]), MEOW_DIRECTION_DOWNLOAD, MEOW_STATUS_TRANSMISSION, 100, 2000,
       "export.csv", "/tmp/meow-legacy/Downloads/export.csv", NULL, NULL, NULL,
       t0 + 200 * G_USEC_PER_SEC);
  rec (s, meow_task_get_id (t[2]), MEOW_DIRECTION_DOWNLOAD, MEOW_STATUS_PAUSED, 1500, 2000, NULL,
       NULL, NULL, NULL, NULL, t0 + 300 * G_USEC_PER_SEC);
  rec (s, meow_task_get_id (t[3]), MEOW_DIRECTION_DOWNLOAD, MEOW_STATUS_COMPLETE, 10, 10,
       "small.txt", "/tmp/meow-legacy/Downloads/small.txt", NULL,
       "/tmp/meow-legacy/Downloads/small.txt", NULL, t0 + 400 * G_USEC_PER_SEC);
  rec (s, meow_task_get_id (t[4]), MEOW_DIRECTION_DOWNLOAD, MEOW_STATUS_FAILED, 0, -1,
       "missing.zip", "/tmp/meow-legacy/Downloads/missing.zip", NULL, NULL,
       g_error_new_literal (
           g_quark_from_static_string ("meow - error - quark"), MEOW_ERROR_RESPONSE_STATUS,
           "The server answered 404 Not Found for “https://downloads.example.com/missing.zip”."),
       t0 + 500 * G_USEC_PER_SEC);
  rec (s, meow_task_get_id (t[5]), MEOW_DIRECTION_DOWNLOAD, MEOW_STATUS_CANCELED, 77, 1000, NULL,
       NULL, NULL, NULL, NULL, t0 + 600 * G_USEC_PER_SEC);
  rec (s, meow_task_get_id (t[6]), MEOW_DIRECTION_UPLOAD, MEOW_STATUS_COMPLETE, 10, 10, "cat.png",
       NULL, NULL, "file-id-42", NULL, t0 + 700 * G_USEC_PER_SEC);
  rec (s, meow_task_get_id (t[7]), MEOW_DIRECTION_UPLOAD, MEOW_STATUS_FAILED, 4, 10, "cat.png",
       NULL, "https://tus.example.com/files/def456", NULL,
       g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED,
                            "Could not connect to tus.example.com: Connection refused"),
       t0 + 800 * G_USEC_PER_SEC);
  rec (s, meow_task_get_id (t[8]), MEOW_DIRECTION_UPLOAD, MEOW_STATUS_TRANSMISSION, 5, 10, NULL,
       NULL, "https://tus.example.com/files/abc123", NULL, NULL, t0 + 900 * G_USEC_PER_SEC);
  g_assert (meow_store_set_status (s, meow_task_get_id (t[9]), MEOW_STATUS_PAUSED, NULL, &e));
  g_assert (meow_store_flush (s, &e));
  return 0;
}
