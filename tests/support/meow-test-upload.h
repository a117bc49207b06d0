/* meow-test-upload.h: upload server sides for the in-process test server
 *
 * Two endpoints can be added to a MeowTestServer:
 *
 * - the default ("meow", rusty-cat) protocol: multipart/form-data requests
 *   with fileMd5, fileName, category, totalSize; a chunk adds offset,
 *   partSize and a binary part "file". Uploads are stored per fileMd5 (for
 *   the whole server, whatever the endpoint); when the stored length
 *   reaches totalSize the server checks the MD5 of what it holds.
 * - a minimal tus 1.0 server (creation, HEAD, PATCH, termination, OPTIONS).
 *   Like @tus/server, it stores a PATCH body as it arrives, so an
 *   interrupted PATCH keeps the bytes that reached it.
 *
 * Like the rest of the server, every function here is thread-safe.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "meow-test-server.h"

G_BEGIN_DECLS

/* Faults for the upload endpoints. Counters count down as they fire; zero
 * means "off". Set with meow_test_server_set_upload_faults(); the struct
 * (and its string) is copied, and setting it restarts the POST count of
 * fail_post_nth. */
typedef struct
{
  guint       prepare_error_count;  /* next N prepares answer prepare_error_status */
  guint       prepare_error_status; /* 0 means 500 */
  guint       prepare_not_json;     /* next N prepares answer 200 "not-json" */
  const char *prepare_file_id;      /* non-NULL: every prepare answers {"fileId": this}
                                       (the server "already has" the file) */
  guint fail_post_nth;              /* the Nth request (1-based, counted from now over
                                       every request to a meow endpoint) answers
                                       fail_post_status; fires once */
  guint    fail_post_status;        /* 0 means 500 */
  gboolean stalled;                 /* every chunk answer is {"nextByte": <its offset>}
                                       and nothing is stored */
  guint chunk_delay_ms;             /* chunk answers (meow chunks and tus PATCHes) wait
                                       this long; the bytes are stored on arrival */
  guint tus_conflict_patches;       /* next N tus PATCHes answer 409 without storing */
  guint tus_drop_patches;           /* next N tus PATCHes that are stored: the server
                                       closes the connection once tus_drop_after bytes
                                       of the body are stored (they are kept) */
  gint64 tus_drop_after;            /* bytes; 0 drops before the first byte */
  gint64 tus_max_body;              /* > 0: tus PATCH bodies longer than this answer 413
                                       and nothing of them is stored (a proxy's limit,
                                       like nginx's client_max_body_size) */
  guint tus_error_count;            /* next N tus requests (but OPTIONS) answer
                                       tus_error_status without doing anything */
  guint tus_error_status;           /* 0 means 500 */
} MeowTestUploadFaults;

/* One chunk request the meow endpoint received, in arrival order. */
typedef struct
{
  char    *file_md5;
  gint64   offset;    /* the offset field */
  gint64   part_size; /* the partSize field */
  gint64   length;    /* bytes in the "file" part */
  gboolean stored;    /* the bytes were appended */
  gint64   time_us;   /* g_get_monotonic_time () on arrival */
} MeowTestUploadChunk;

/* Default protocol. @path is matched exactly. */
void meow_test_server_add_upload_endpoint (MeowTestServer *server, const char *path);
/* tus 1.0: @base ends with '/' ("/files/"); POST @base creates, @base<id> is a
 * resource. */
void meow_test_server_add_tus_endpoint (MeowTestServer *server, const char *base);

void meow_test_server_set_upload_faults (MeowTestServer             *server,
                                         const MeowTestUploadFaults *faults);
void meow_test_server_clear_upload_faults (MeowTestServer *server);

/* Default protocol accessors; @file_md5 is lower-case hex. */
/* Returns: (transfer full) (nullable): the bytes stored for @file_md5. */
GBytes *meow_test_server_dup_upload_bytes (MeowTestServer *server, const char *file_md5);
/* The upload reached its total size and its MD5 matched fileMd5. */
gboolean meow_test_server_upload_completed (MeowTestServer *server, const char *file_md5);
/* The MD5 check ran (the upload reached its total) and matched. */
gboolean meow_test_server_upload_md5_ok (MeowTestServer *server, const char *file_md5);
/* The MD5 check ran and did not match (answered 422). */
gboolean meow_test_server_upload_md5_mismatch (MeowTestServer *server, const char *file_md5);
/* Returns: (transfer full) (nullable): the fileId given at completion,
 * "<md5>-<total size>". */
char *meow_test_server_dup_upload_file_id (MeowTestServer *server, const char *file_md5);
/* Seeds an upload as if an earlier session had sent @prefix of a
 * @total_size byte file whose MD5 is @file_md5. */
void  meow_test_server_set_upload_partial (MeowTestServer *server,
                                           const char     *file_md5,
                                           gint64          total_size,
                                           GBytes         *prefix);
guint meow_test_server_count_upload_prepares (MeowTestServer *server);
guint meow_test_server_count_upload_chunks (MeowTestServer *server);
/* Uploads prepared and not yet complete, now and at most at once. */
guint meow_test_server_get_open_uploads (MeowTestServer *server);
guint meow_test_server_get_peak_open_uploads (MeowTestServer *server);
/* Returns: (transfer full): MeowTestUploadChunk elements, in order. */
GPtrArray *meow_test_server_dup_upload_chunks (MeowTestServer *server);
void       meow_test_upload_chunk_free (MeowTestUploadChunk *chunk);

/* tus accessors. @url is the resource's absolute URL (as in Location) or
 * its path. */
/* Returns: (transfer full) (nullable): the bytes the resource holds (also
 * after it was deleted). */
GBytes  *meow_test_server_dup_tus_bytes (MeowTestServer *server, const char *url);
gboolean meow_test_server_tus_exists (MeowTestServer *server, const char *url);
gboolean meow_test_server_tus_deleted (MeowTestServer *server, const char *url);
/* Every resource answers 404 from now on, as after a restart that lost the
 * server's store (their bytes stay readable; no DELETE is counted). */
void  meow_test_server_lose_tus_resources (MeowTestServer *server);
guint meow_test_server_count_tus_deletes (MeowTestServer *server);
/* PATCHes that ended without a complete body (the client or a
 * tus_drop_patches fault broke them off); they are not in the request log. */
guint meow_test_server_count_tus_broken_patches (MeowTestServer *server);
/* Number of resources created (by POST or by meow_test_server_add_tus_resource). */
guint meow_test_server_count_tus_resources (MeowTestServer *server);
/* Creates a resource of @length bytes under @base holding @prefix (may be
 * NULL) as if an earlier session had sent it.
 * Returns: (transfer full): its absolute URL. */
char *meow_test_server_add_tus_resource (MeowTestServer *server,
                                         const char     *base,
                                         gint64          length,
                                         GBytes         *prefix);

/* Helpers. Returns: (transfer full): lower-case hex MD5. */
char *meow_test_md5_bytes (GBytes *bytes);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MeowTestUploadChunk, meow_test_upload_chunk_free)

G_END_DECLS
