/* meow-test-fixture.h: the per-test fixture and helpers shared by the core
 * tests: a fresh server, temporary directory and client per test, record
 * collection per task, waiting with a timeout guard, and assertions on the
 * records, the files on disk and the server's request log.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "meow-test-server.h"
#include "meow-test-upload.h"
#include "meow.h"

G_BEGIN_DECLS

#define MEOW_TEST_WAIT_SECONDS 20

typedef struct _MeowTestFixture MeowTestFixture;

/* What one task's callbacks saw. */
typedef struct
{
  MeowTestFixture *fx;
  char            *id;
  GPtrArray       *records; /* MeowTransferRecord */
  guint            complete_calls;
  char            *payload;
  gboolean         complete_after_record; /* the Complete record came before complete_cb */
  guint            destroy_calls;
  GThread         *expected_thread;
  gboolean         wrong_thread;
  /* optional hook, run after the record is stored */
  void (*on_record) (MeowClient *, const MeowTransferRecord *, gpointer);
  gpointer on_record_data;
} MeowTestWatch;

struct _MeowTestFixture
{
  MeowTestServer *server;
  char           *dir;
  MeowConfig     *config;
  MeowClient     *client;
  GThread        *main_thread;
  GPtrArray      *watches; /* MeowTestWatch */
};

/* The timeout guard behind MEOW_TEST_WAIT_UNTIL(): a source on the default
 * context that sets the timed-out flag after @seconds, and one that wakes
 * the context every 10 ms so conditions on the test server's state (which
 * changes on its own thread) are seen at once. */
void     meow_test_guard_start (guint seconds);
void     meow_test_guard_stop (void);
gboolean meow_test_guard_timed_out (void);

/* Spins the default context until @cond holds; fails the test and returns
 * from it when it does not within @seconds. */
#define MEOW_TEST_WAIT_UNTIL_S(cond, seconds)                                                      \
  G_STMT_START                                                                                     \
  {                                                                                                \
    meow_test_guard_start (seconds);                                                               \
    while (!(cond) && !meow_test_guard_timed_out ())                                               \
      g_main_context_iteration (NULL, TRUE);                                                       \
    meow_test_guard_stop ();                                                                       \
    if (!(cond))                                                                                   \
      {                                                                                            \
        g_test_fail_printf ("%s:%d: timed out after %d s waiting for %s", __FILE__, __LINE__,      \
                            seconds, #cond);                                                       \
        return;                                                                                    \
      }                                                                                            \
  }                                                                                                \
  G_STMT_END

/* The same within MEOW_TEST_WAIT_SECONDS. */
#define MEOW_TEST_WAIT_UNTIL(cond) MEOW_TEST_WAIT_UNTIL_S (cond, MEOW_TEST_WAIT_SECONDS)

/* MEOW_TEST_WAIT_UNTIL() for helpers that return a value: a timeout aborts
 * the test (g_assert_true) instead of returning from it. */
#define MEOW_TEST_WAIT_OR_ABORT(cond)                                                              \
  G_STMT_START                                                                                     \
  {                                                                                                \
    meow_test_guard_start (MEOW_TEST_WAIT_SECONDS);                                                \
    while (!(cond) && !meow_test_guard_timed_out ())                                               \
      g_main_context_iteration (NULL, TRUE);                                                       \
    meow_test_guard_stop ();                                                                       \
    g_assert_true (cond);                                                                          \
  }                                                                                                \
  G_STMT_END

/* Spins the default context for @ms milliseconds. */
void meow_test_spin_ms (guint ms);
/* Spins the default context for @ms milliseconds and returns the body bytes @server
 * sent meanwhile (the rate on the wire). */
gint64 meow_test_server_bytes_over (MeowTestServer *server, guint ms);

/* GTest fixture functions, for g_test_add (..., MeowTestFixture, ...). */
void meow_test_fixture_setup (MeowTestFixture *fx, gconstpointer data);
void meow_test_fixture_teardown (MeowTestFixture *fx, gconstpointer data);

void meow_test_rm_rf (const char *path);
/* Makes a temporary folder from @tmpl (as g_dir_make_tmp()) and points HOME at it and
 * XDG_DATA_HOME, XDG_CONFIG_HOME, XDG_CACHE_HOME at its data/, config/ and cache/.
 * Call before GLib reads them (before g_test_init()). Unlike G_TEST_OPTION_ISOLATE_DIRS
 * it leaves XDG_DATA_DIRS (icon themes, schemas) alone, and user-dirs.dirs in config/
 * is read. Returns: (transfer full): the folder, for meow_test_rm_rf() at exit. */
char *meow_test_make_private_home (const char *tmpl);
/* The server's log as TAP comments, so a failure report shows the wire. */
void meow_test_print_request_log (MeowTestFixture *fx);

/* The client, created on first use from fx->config (tests may change the
 * config before that). */
MeowClient *meow_test_fixture_client (MeowTestFixture *fx);
/* DIR/@name in the fixture's temporary directory; free with g_free(). */
char *meow_test_fixture_path (MeowTestFixture *fx, const char *name);

MeowTestWatch *meow_test_watch_new (MeowTestFixture *fx);
/* Builds @builder's task and enqueues it; the task must be accepted. */
MeowTestWatch *meow_test_start_download (MeowTestFixture *fx, MeowTaskBuilder *builder);
/* The same for an upload task (any task, really: the name says what the
 * test means). */
MeowTestWatch *meow_test_start_upload (MeowTestFixture *fx, MeowTaskBuilder *builder);
/* The same with meow_client_enqueue_paused(): the watch sees every record
 * (its complete_calls stay 0: the paused form has one callback). */
MeowTestWatch *meow_test_start_paused (MeowTestFixture *fx, MeowTaskBuilder *builder);
/* An upload of the file @source to the server's @url_path. */
MeowTaskBuilder *
meow_test_builder_upload_file (MeowTestFixture *fx, const char *url_path, const char *source);
/* Enqueues @builder's task expecting a synchronous error. */
void meow_test_enqueue_expect_error (MeowTestFixture *fx, MeowTaskBuilder *builder, gint code);
MeowTaskBuilder *
meow_test_builder_to_file (MeowTestFixture *fx, const char *url_path, const char *target);

const MeowTransferRecord *meow_test_watch_last (MeowTestWatch *w);
gint                      meow_test_watch_last_status (MeowTestWatch *w);
gboolean                  meow_test_watch_done (MeowTestWatch *w);
gboolean                  meow_test_watch_has_status (MeowTestWatch *w, MeowStatus status);
/* The Paused records of @w that wait for a login: MEOW_WAIT_SIGN_IN (the server's) or
 * MEOW_WAIT_PROXY_SIGN_IN (the proxy's), as @reason says. */
guint meow_test_watch_count_sign_in (MeowTestWatch *w, MeowWaitReason reason);
/* A Transmission record that reports some bytes. */
gboolean    meow_test_watch_has_progress (MeowTestWatch *w);
gboolean    meow_test_watch_has_restart_reason (MeowTestWatch *w, MeowRestartReason reason);
const char *meow_test_status_name (MeowStatus s);
/* "Pending,Transmission,Complete": the statuses with runs of Transmission
 * collapsed into one. */
char *meow_test_watch_sequence (MeowTestWatch *w);

/* Compares the collapsed status sequence with @pattern; a token ending in
 * '?' is optional ("Transmission?" for sub-100 ms transfers). */
void meow_test_assert_sequence (MeowTestWatch *w, const char *pattern);
/* Invariants every task's records keep. */
void meow_test_assert_records_sane (MeowTestWatch *w, gint64 expected_total);
void meow_test_assert_file_bytes (const char *path, const void *data, gsize len);
void meow_test_assert_file_equals (const char *path, GBytes *expected);
void meow_test_assert_no_file (const char *path);
/* The task failed with @code and a message containing @needle (may be NULL). */
void meow_test_assert_failed (MeowTestWatch *w, gint code, const char *needle, const char *needle2);
/* The task completed into @target, and the books agree. */
void meow_test_assert_completed (MeowTestWatch *w, const char *target, GBytes *content);

/* Uploads. */
/* Invariants every upload task's records keep (direction UPLOAD, totals). */
void meow_test_assert_upload_records_sane (MeowTestWatch *w, gint64 expected_total);
/* The upload completed once, with @payload, after its Complete record. */
void meow_test_assert_upload_completed (MeowTestWatch *w, const char *payload, GBytes *content);
/* The default-protocol server holds exactly @expected for its MD5 and its
 * MD5 check passed. */
void meow_test_assert_server_upload_equals (MeowTestServer *server, GBytes *expected);
/* The tus resource at @url holds exactly @expected. */
void meow_test_assert_tus_upload_equals (MeowTestServer *server, const char *url, GBytes *expected);
/* @prefix is a prefix of @whole. */
void meow_test_assert_bytes_prefix (GBytes *prefix, GBytes *whole);

MeowTestRequest *meow_test_nth_request (GPtrArray *log, const char *method, guint n);
void             meow_test_write_file (const char *path, const char *contents, gssize len);
/* Whether the file at @path (a missing one holds nothing) contains the bytes of @needle:
 * the check that a secret did not reach a file. */
gboolean meow_test_file_holds (const char *path, const char *needle);
/* The start offset of a "bytes=START-" Range header. */
gint64 meow_test_range_start (const char *range);

/* Only faults.throttle_bytes_per_sec = @bytes_per_sec on the server's
 * following requests (the other faults cleared). */
void meow_test_throttle (MeowTestFixture *fx, guint bytes_per_sec);
/* An http://127.0.0.1:PORT/@path URL whose connections are refused: PORT is
 * bound by *@sock (a new socket for the caller to unref at the end of the
 * test) and never listened on, so it stays the test's. */
char *meow_test_refused_url (const char *path, GSocket **sock);

G_END_DECLS
