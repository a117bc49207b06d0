/* meow-test-server.h: an in-process HTTP server for tests, with faults
 *
 * The server runs its own GMainContext in its own thread, bound to
 * 127.0.0.1 on a random port, so the test's thread is free to spin the
 * client's context. Every function here is thread-safe.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef struct _MeowTestServer MeowTestServer;

/* How a 206 answer's Content-Range / body is damaged. */
typedef enum
{
  MEOW_TEST_RANGE_OK = 0,
  MEOW_TEST_RANGE_MISSING,       /* 206 without Content-Range */
  MEOW_TEST_RANGE_WRONG_START,   /* start = requested start + 1 */
  MEOW_TEST_RANGE_WRONG_TOTAL,   /* total = real total + 1 */
  MEOW_TEST_RANGE_WRONG_UNIT,    /* "items START-END/TOTAL" */
  MEOW_TEST_RANGE_REVERSED,      /* "bytes END-START/TOTAL" */
  MEOW_TEST_RANGE_EMPTY_BODY,    /* correct headers, Content-Length: 0, no body */
  MEOW_TEST_RANGE_SHORT_BODY,    /* correct Content-Range, Content-Length = half, half the body */
  MEOW_TEST_RANGE_OTHER_VERSION, /* correct Content-Range, but the ETag of another version:
                                    a server or cache that ignored If-Range */
} MeowTestRangeFault;

/* Faults applied to the following requests. Counters count down as they
 * fire; zero means "off". Set with meow_test_server_set_faults(); the
 * struct is copied. */
typedef struct
{
  guint       drop_gets;     /* close the next N GETs without any reply */
  guint       drop_heads;    /* close the next N HEADs without any reply */
  guint       drop_mid_body; /* next N GETs: headers + drop_after_bytes body bytes, then close */
  gint64      drop_after_bytes;
  gboolean    ignore_range;       /* answer Range requests with 200 + full body */
  guint       head_status;        /* non-zero: HEAD answers this status, empty body */
  gboolean    head_no_length;     /* HEAD answers 200 without Content-Length */
  guint       error_count;        /* next N requests (any method) answer error_status */
  guint       error_status;       /* e.g. 503, 500, 403, 404 */
  const char *retry_after;        /* Retry-After value sent with error_status, or NULL */
  gsize       error_body_size;    /* size of the error body ('E' bytes) */
  MeowTestRangeFault range_fault; /* applied to every 206 while set */
  gint64
      stall_after_bytes; /* >= 0 with stall_ms > 0: GETs send this many body bytes then go silent */
  guint stall_ms;        /* how long the stalled connection stays open before closing */
  guint throttle_bytes_per_sec; /* 0 = unthrottled: body bytes per second per connection */
  /* Added after the first version: */
  guint    stall_gets;        /* non-zero: only the next N GETs stall, then the stall is off */
  gboolean close_connections; /* no effect: every answer says Connection: close (see
                               * meow-test-server.c), so curl never reuses a connection */
  gboolean errors_get_only;   /* error_count counts and answers GETs only (HEADs pass) */
  /* Added for the fault matrix (tests/core/test-faults.c): */
  gboolean reset_connections; /* drop_gets, drop_heads and drop_mid_body end the connection
                               * with a TCP RST (SO_LINGER 0) instead of an orderly FIN */
  guint length_lie_gets;      /* next N GETs answered normally (200/206) but with
                               * Content-Length = real length + length_lie_delta; the real body
                               * follows in full, then the connection is closed */
  gint64 length_lie_delta;    /* < 0: Content-Length shorter than the body; > 0: longer */
  guint  garbage_count;       /* next N requests (HEAD or GET) get garbage_len raw bytes of
                               * garbage instead of an HTTP answer, then the connection closes */
  const char *garbage;        /* copied; NULL means "HELLO\r\n\r\n" */
  gsize       garbage_len;    /* 0 with a garbage string: strlen (garbage) */
  /* Added for GET-first downloads: */
  gboolean no_validators; /* answers carry neither ETag nor Last-Modified */
  /* Added for live speed limits: */
  guint send_buffer; /* > 0: SO_SNDBUF of the connections accepted from now on (no send
                      * buffer autotuning: the rate the server sees follows the reader's) */
} MeowTestFaults;

/* One logged request. */
typedef struct
{
  char       *method;
  char       *path;
  char       *range;      /* Range header or NULL */
  char       *if_range;   /* If-Range header or NULL */
  GHashTable *headers;    /* all request headers, lower-cased name -> value */
  guint       status;     /* status sent, 0 when the connection was dropped */
  gint64      body_bytes; /* body bytes written */
  gint64      time_us;    /* g_get_monotonic_time () when the request arrived */
} MeowTestRequest;

MeowTestServer *meow_test_server_new (void);
/* A server listening on the IPv4 loopback @address (NULL: "127.0.0.1";
 * "127.0.0.2" is another host on the same machine), speaking HTTPS with
 * @certificate when it is not NULL. dup_url() then gives https://ADDRESS:PORT. */
MeowTestServer *meow_test_server_new_full (const char *address, GTlsCertificate *certificate);
void            meow_test_server_free (MeowTestServer *server);
guint16         meow_test_server_get_port (MeowTestServer *server);
/* Returns http://127.0.0.1:PORT@path (@path starts with '/'); https and the
 * server's own address for a server made with meow_test_server_new_full(). */
char *meow_test_server_dup_url (MeowTestServer *server, const char *path);

/* Serves @content at @path with GET/HEAD, byte ranges, If-Range, a strong
 * ETag ("<generation>-<size>", quoted) and Last-Modified. Replacing an
 * existing path bumps the ETag and Last-Modified. */
void meow_test_server_set_file (MeowTestServer *server, const char *path, GBytes *content);
/* Serves at @path of @server the file @src serves at @src_path, with the
 * same content, ETag and Last-Modified: another link to the same file (a
 * mirror, a new presigned URL). @src may be @server. */
void meow_test_server_copy_file (MeowTestServer *server,
                                 const char     *path,
                                 MeowTestServer *src,
                                 const char     *src_path);
/* Extra response header for @path (e.g. Content-Disposition); NULL value removes. */
void meow_test_server_set_header (MeowTestServer *server,
                                  const char     *path,
                                  const char     *name,
                                  const char     *value);
/* Makes @path answer 403 unless the request has a header @name whose value
 * (all of its lines, comma-joined) contains @text. */
void meow_test_server_require_header (MeowTestServer *server,
                                      const char     *path,
                                      const char     *name,
                                      const char     *text);
/* Makes @path answer a redirect (@status 301/302/307/308) to @location, with
 * the extra headers meow_test_server_set_header() gives @path. */
void meow_test_server_set_redirect (MeowTestServer *server,
                                    const char     *path,
                                    guint           status,
                                    const char     *location);
/* Every path answers 401 with a Basic (or, @digest, a Digest) challenge
 * for @realm unless the request logs in as @user with @password
 * (libsoup's auth domains). Once, before the requests. */
void meow_test_server_require_login (MeowTestServer *server,
                                     gboolean        digest,
                                     const char     *realm,
                                     const char     *user,
                                     const char     *password);
/* How many requests the login of meow_test_server_require_login() answered
 * 401 so far (they are not in the request log). */
guint meow_test_server_count_refused (MeowTestServer *server);
/* The value a request with @method to @path_and_query must carry in the
 * signature header (transfer full). Called on the server's thread. */
typedef char *(*MeowTestSignFunc) (const char *method, const char *path_and_query, gpointer data);
/* Every request to any path (uploads included) answers 403 unless its
 * header @name equals @sign's value for its method and path (with the
 * query); meow_test_server_count_unsigned() counts the refused ones. */
void  meow_test_server_require_signature (MeowTestServer  *server,
                                          const char      *name,
                                          MeowTestSignFunc sign,
                                          gpointer         data);
guint meow_test_server_count_unsigned (MeowTestServer *server);
/* Stops (@down) or starts again the server on the same port, keeping its
 * files and stores: a restart. Connections are refused meanwhile. */
void meow_test_server_set_down (MeowTestServer *server, gboolean down);
void meow_test_server_set_faults (MeowTestServer *server, const MeowTestFaults *faults);
void meow_test_server_clear_faults (MeowTestServer *server);

/* Requests seen so far, in order (element-type MeowTestRequest, owned by
 * the returned array). */
GPtrArray *meow_test_server_dup_requests (MeowTestServer *server);
/* The paths of the logged requests, each once, in the order of its first request,
 * joined by commas ("/a.bin,/c.bin,/b.bin"): with one transfer at a time, the order
 * in which the tasks started. Free with g_free(). */
char *meow_test_server_dup_path_order (MeowTestServer *server);
/* Number of logged requests with @method (NULL: all requests). */
guint meow_test_server_count (MeowTestServer *server, const char *method);
void  meow_test_server_reset_log (MeowTestServer *server);
/* GET bodies the server is sending at this moment (normal answers, from
 * their headers until the last byte or the client's hang-up): the
 * connections a download uses now. */
guint meow_test_server_count_open_bodies (MeowTestServer *server);
/* Body bytes sent for the logged requests so far (not counting requests
 * dropped by meow_test_server_reset_log()). */
gint64 meow_test_server_sum_body_bytes (MeowTestServer *server);

/* Helpers for tests. */
GBytes *meow_test_make_payload (gsize size, guint32 seed);
char   *meow_test_sha256_file (const char *path);
/* A self-signed certificate for @san (e.g. "IP:127.0.0.1") made by the openssl tool in
 * @dir, for meow_test_server_new_full(); its path in *@cert_path_out. NULL after a
 * g_test_skip() when openssl or a TLS backend is missing. */
GTlsCertificate *
meow_test_make_certificate (const char *dir, const char *san, char **cert_path_out);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MeowTestServer, meow_test_server_free)

G_END_DECLS
