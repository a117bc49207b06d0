/* test-network.c: never fail because the network did (issue 13)
 *
 * The classification of failures into the network's and the server's
 * (a table, no network), the unlimited policy for transport failures, the
 * slot a waiting task gives to a queued one, the wait reason and next
 * attempt in the records, and the network state as an input
 * (meow_client_set_network_available(), _set_network_hold()). Against the
 * in-process test server and a closed loopback port; no real network.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <gio/gio.h>
#include <glib/gstdio.h>

#include "meow-client-private.h"
#include "meow-engine-private.h"
#include "meow-test-fixture.h"
#include "meow.h"

/* ------------------------------------------------------------------ */
/* The classification (pure)                                           */

static const struct
{
  CURLcode        result;
  long            status;
  MeowFailureKind kind;
} classify_cases[] = {
  /* The network's failures: retried, unlimited under the policy. */
  { CURLE_COULDNT_CONNECT, 0, MEOW_FAILURE_TRANSPORT },
  { CURLE_COULDNT_RESOLVE_HOST, 0, MEOW_FAILURE_TRANSPORT },
  { CURLE_COULDNT_RESOLVE_PROXY, 0, MEOW_FAILURE_TRANSPORT },
  { CURLE_RECV_ERROR, 0, MEOW_FAILURE_TRANSPORT },
  { CURLE_SEND_ERROR, 0, MEOW_FAILURE_TRANSPORT },
  { CURLE_SSL_CONNECT_ERROR, 0, MEOW_FAILURE_TRANSPORT },
  { CURLE_OPERATION_TIMEDOUT, 0, MEOW_FAILURE_TRANSPORT },
  { CURLE_PARTIAL_FILE, 0, MEOW_FAILURE_TRANSPORT },
  { CURLE_GOT_NOTHING, 0, MEOW_FAILURE_TRANSPORT },
  { CURLE_HTTP2, 0, MEOW_FAILURE_TRANSPORT },
  { CURLE_HTTP2_STREAM, 0, MEOW_FAILURE_TRANSPORT },
  /* The status of a transport failure is never looked at. */
  { CURLE_RECV_ERROR, 404, MEOW_FAILURE_TRANSPORT },
  /* Server answers worth another try, counted. */
  { CURLE_OK, 408, MEOW_FAILURE_SERVER },
  { CURLE_OK, 429, MEOW_FAILURE_SERVER },
  { CURLE_OK, 500, MEOW_FAILURE_SERVER },
  { CURLE_OK, 503, MEOW_FAILURE_SERVER },
  { CURLE_OK, 599, MEOW_FAILURE_SERVER },
  { CURLE_UNSUPPORTED_PROTOCOL, 0, MEOW_FAILURE_SERVER }, /* a reply that is not HTTP */
  { CURLE_WEIRD_SERVER_REPLY, 0, MEOW_FAILURE_SERVER },
  /* Answers that fail at once. */
  { CURLE_OK, 400, MEOW_FAILURE_FATAL },
  { CURLE_OK, 403, MEOW_FAILURE_FATAL },
  { CURLE_OK, 404, MEOW_FAILURE_FATAL },
  { CURLE_OK, 410, MEOW_FAILURE_FATAL },
  { CURLE_OK, 416, MEOW_FAILURE_FATAL },
  { CURLE_URL_MALFORMAT, 0, MEOW_FAILURE_FATAL },
  { CURLE_TOO_MANY_REDIRECTS, 0, MEOW_FAILURE_FATAL },
  { CURLE_PEER_FAILED_VERIFICATION, 0, MEOW_FAILURE_FATAL },
  { CURLE_SSL_CACERT_BADFILE, 0, MEOW_FAILURE_FATAL },
  /* Not failures: the verdict judges them. */
  { CURLE_OK, 200, MEOW_FAILURE_NONE },
  { CURLE_OK, 206, MEOW_FAILURE_NONE },
  { CURLE_OK, 304, MEOW_FAILURE_NONE },
};

static void
test_classify_table (void)
{
  for (gsize i = 0; i < G_N_ELEMENTS (classify_cases); i++)
    {
      MeowFailureKind got =
          _meow_failure_classify (classify_cases[i].result, classify_cases[i].status);

      if (got != classify_cases[i].kind)
        g_error ("case %" G_GSIZE_FORMAT ": %s (%d), status %ld: kind %d, expected %d", i,
                 curl_easy_strerror (classify_cases[i].result), classify_cases[i].result,
                 classify_cases[i].status, got, classify_cases[i].kind);
    }
}

static void
test_failure_detail (void)
{
  g_autofree char *refused = _meow_failure_detail (CURLE_COULDNT_CONNECT, 0);
  g_autofree char *status = _meow_failure_detail (CURLE_OK, 503);

  g_assert_cmpstr (refused, ==, curl_easy_strerror (CURLE_COULDNT_CONNECT));
  g_assert_cmpstr (status, ==, "HTTP 503");
}

/* ------------------------------------------------------------------ */
/* Helpers                                                             */

/* The first record of @w with @reason, or NULL. */
static const MeowTransferRecord *
find_wait (MeowTestWatch *w, MeowWaitReason reason)
{
  for (guint i = 0; i < w->records->len; i++)
    {
      const MeowTransferRecord *r = g_ptr_array_index (w->records, i);

      if (meow_transfer_record_get_wait_reason (r) == reason)
        return r;
    }
  return NULL;
}

/* Every record with a wait reason is a Pending one, and only those carry a
 * next attempt or a detail. */
static void
assert_waits_sane (MeowTestWatch *w)
{
  for (guint i = 0; i < w->records->len; i++)
    {
      const MeowTransferRecord *r = g_ptr_array_index (w->records, i);

      if (meow_transfer_record_get_wait_reason (r) != MEOW_WAIT_NONE)
        g_assert_cmpint (meow_transfer_record_get_status (r), ==, MEOW_STATUS_PENDING);
      else
        {
          g_assert_cmpint (meow_transfer_record_get_next_attempt (r), ==, 0);
          g_assert_null (meow_transfer_record_get_wait_detail (r));
        }
    }
}

/* ------------------------------------------------------------------ */
/* The policy                                                          */

/* Eight dropped connections in a row (GOT_NOTHING: the network's failure)
 * are more than the 3 retries the counted policy allows, and do not fail a
 * task under the unlimited policy. */
static void
test_unlimited_transport (MeowTestFixture *fx, gconstpointer data)
{
  g_autoptr (GBytes) payload = meow_test_make_payload (30000, 1301);
  g_autofree char *target = meow_test_fixture_path (fx, "u.bin");
  g_autoptr (MeowTaskBuilder) b = NULL;
  MeowTestFaults faults = { 0 };
  MeowTestWatch *w;

  faults.drop_gets = 8;
  meow_test_server_set_faults (fx->server, &faults);
  meow_test_server_set_file (fx->server, "/u.bin", payload);
  meow_config_set_retry_policy (fx->config, MEOW_RETRY_POLICY_UNLIMITED_TRANSPORT);
  b = meow_test_builder_to_file (fx, "/u.bin", target);
  w = meow_test_start_download (fx, b);
  MEOW_TEST_WAIT_UNTIL (meow_test_watch_done (w));

  meow_test_assert_completed (w, target, payload);
  g_assert_cmpuint (meow_test_server_count (fx->server, "GET"), ==, 9);
  assert_waits_sane (w);
}

/* The same drops under the default, counted policy: 1 + 3 attempts, then a
 * clear failure that says how many. */
static void
test_counted_transport (MeowTestFixture *fx, gconstpointer data)
{
  g_autoptr (GBytes) payload = meow_test_make_payload (30000, 1302);
  g_autofree char *target = meow_test_fixture_path (fx, "c.bin");
  g_autoptr (MeowTaskBuilder) b = NULL;
  MeowTestFaults faults = { 0 };
  MeowTestWatch *w;

  faults.drop_gets = 8;
  meow_test_server_set_faults (fx->server, &faults);
  meow_test_server_set_file (fx->server, "/c.bin", payload);
  b = meow_test_builder_to_file (fx, "/c.bin", target);
  w = meow_test_start_download (fx, b);
  MEOW_TEST_WAIT_UNTIL (meow_test_watch_done (w));

  meow_test_assert_failed (w, MEOW_ERROR_HTTP_TRANSPORT, "Gave up after 4 attempts", NULL);
  g_assert_cmpuint (meow_test_server_count (fx->server, "GET"), ==, 4);
  meow_test_assert_no_file (target);
}

/* Under the unlimited policy the server's answers still count: a 503
 * storm fails after 1 + retries GETs. */
static void
test_unlimited_counts_server (MeowTestFixture *fx, gconstpointer data)
{
  g_autoptr (GBytes) payload = meow_test_make_payload (30000, 1303);
  g_autofree char *target = meow_test_fixture_path (fx, "s.bin");
  g_autoptr (MeowTaskBuilder) b = NULL;
  MeowTestFaults faults = { 0 };
  MeowTestWatch *w;

  faults.error_count = 1000;
  faults.error_status = 503;
  faults.errors_get_only = TRUE;
  meow_test_server_set_faults (fx->server, &faults);
  meow_test_server_set_file (fx->server, "/s.bin", payload);
  b = meow_test_builder_to_file (fx, "/s.bin", target);
  meow_task_builder_set_retry_policy (b, MEOW_RETRY_POLICY_UNLIMITED_TRANSPORT);
  meow_task_builder_set_retries (b, 2);
  w = meow_test_start_download (fx, b);
  MEOW_TEST_WAIT_UNTIL (meow_test_watch_done (w));

  meow_test_assert_failed (w, MEOW_ERROR_RESPONSE_STATUS, "503", NULL);
  g_assert_cmpuint (meow_test_server_count (fx->server, "GET"), ==, 3);
}

/* ------------------------------------------------------------------ */
/* Waiting: the records and the slot                                   */

/* A 503 with Retry-After: 2 makes the task wait two seconds: its Pending
 * record says why (retry-after), until when (about 2 s on the monotonic
 * clock) and what failed ("HTTP 503"); then it completes. */
static void
test_wait_record_retry_after (MeowTestFixture *fx, gconstpointer data)
{
  g_autoptr (GBytes) payload = meow_test_make_payload (30000, 1304);
  g_autofree char *target = meow_test_fixture_path (fx, "ra.bin");
  g_autoptr (MeowTaskBuilder) b = NULL;
  MeowTestFaults            faults = { 0 };
  const MeowTransferRecord *r;
  MeowTestWatch            *w;
  gint64                    before = g_get_monotonic_time ();
  gint64                    next;

  faults.error_count = 1;
  faults.error_status = 503;
  faults.retry_after = "2";
  faults.errors_get_only = TRUE;
  meow_test_server_set_faults (fx->server, &faults);
  meow_test_server_set_file (fx->server, "/ra.bin", payload);
  b = meow_test_builder_to_file (fx, "/ra.bin", target);
  w = meow_test_start_download (fx, b);
  MEOW_TEST_WAIT_UNTIL (meow_test_watch_done (w));

  meow_test_assert_completed (w, target, payload);
  r = find_wait (w, MEOW_WAIT_RETRY_AFTER);
  g_assert_nonnull (r);
  g_assert_cmpint (meow_transfer_record_get_status (r), ==, MEOW_STATUS_PENDING);
  g_assert_cmpstr (meow_transfer_record_get_wait_detail (r), ==, "HTTP 503");
  next = meow_transfer_record_get_next_attempt (r);
  g_assert_cmpint (next, >=, before + 2 * G_USEC_PER_SEC - 50000);
  g_assert_cmpint (next, <=, g_get_monotonic_time ());
  assert_waits_sane (w);
}

/* One download slot; task A's server refuses every connection, B's
 * works. A, first in line, waits between its attempts without its slot,
 * so B runs and completes while A still waits (reason: server
 * unreachable, with libcurl's words for it). */
static void
test_waiting_yields_slot (MeowTestFixture *fx, gconstpointer data)
{
  g_autoptr (GBytes) payload = meow_test_make_payload (30000, 1305);
  g_autofree char *target_a = meow_test_fixture_path (fx, "a.bin");
  g_autofree char *target_b = meow_test_fixture_path (fx, "b.bin");
  g_autoptr (GSocket) sock = NULL;
  g_autofree char *url_a = NULL;
  g_autoptr (MeowTaskBuilder) ba = NULL;
  g_autoptr (MeowTaskBuilder) bb = NULL;
  const MeowTransferRecord *r;
  MeowTestWatch            *wa, *wb;

  /* Bound, never listening: connections are refused, and the port stays
   * ours for the test. */
  url_a = meow_test_refused_url ("/a.bin", &sock);

  meow_config_set_max_downloads (fx->config, 1);
  /* Waits of up to 1, 2, 4 s...: one of a second or more comes soon. */
  meow_config_set_retry_base_delay_ms (fx->config, 1000);
  meow_config_set_retry_policy (fx->config, MEOW_RETRY_POLICY_UNLIMITED_TRANSPORT);
  meow_test_server_set_file (fx->server, "/b.bin", payload);

  ba = meow_task_builder_new_download (url_a);
  meow_task_builder_set_output_file (ba, target_a);
  wa = meow_test_start_download (fx, ba);
  bb = meow_test_builder_to_file (fx, "/b.bin", target_b);
  wb = meow_test_start_download (fx, bb);

  MEOW_TEST_WAIT_UNTIL (meow_test_watch_done (wb));
  meow_test_assert_completed (wb, target_b, payload);
  g_assert_false (meow_test_watch_done (wa));
  r = find_wait (wa, MEOW_WAIT_SERVER_UNREACHABLE);
  g_assert_nonnull (r);
  g_assert_cmpstr (meow_transfer_record_get_wait_detail (r), ==,
                   curl_easy_strerror (CURLE_COULDNT_CONNECT));
  g_assert_cmpint (meow_transfer_record_get_next_attempt (r), >, 0);
  assert_waits_sane (wa);

  g_assert_true (meow_client_cancel (fx->client, wa->id, NULL));
  MEOW_TEST_WAIT_UNTIL (meow_test_watch_done (wa));
  g_assert_cmpint (meow_test_watch_last_status (wa), ==, MEOW_STATUS_CANCELED);
  meow_test_assert_no_file (target_a);
}

/* ------------------------------------------------------------------ */
/* The network state                                                   */

/* While the network is unavailable no request is made (2 s); when it
 * returns, the task runs and completes. */
static void
test_network_unavailable (MeowTestFixture *fx, gconstpointer data)
{
  g_autoptr (GBytes) payload = meow_test_make_payload (30000, 1306);
  g_autofree char *target = meow_test_fixture_path (fx, "n.bin");
  g_autoptr (MeowTaskBuilder) b = NULL;
  MeowClient    *client = meow_test_fixture_client (fx);
  MeowTestWatch *w;

  /* The test server is on 127.0.0.1, which the network state does not hold
   * unless told to: the network monitor is faked here. */
  _meow_client_set_hold_loopback (client, TRUE);
  meow_test_server_set_file (fx->server, "/n.bin", payload);
  meow_client_set_network_available (client, FALSE);
  b = meow_test_builder_to_file (fx, "/n.bin", target);
  w = meow_test_start_download (fx, b);

  meow_test_spin_ms (2000);
  g_assert_cmpuint (meow_test_server_count (fx->server, "GET"), ==, 0);
  g_assert_cmpuint (meow_test_server_count (fx->server, "HEAD"), ==, 0);
  g_assert_false (meow_test_watch_done (w));
  g_assert_cmpint (meow_test_watch_last_status (w), ==, MEOW_STATUS_PENDING);

  meow_client_set_network_available (client, TRUE);
  MEOW_TEST_WAIT_UNTIL (meow_test_watch_done (w));
  meow_test_assert_completed (w, target, payload);
  g_assert_cmpuint (meow_test_server_count (fx->server, "GET"), ==, 1);
}

/* The network goes away while a task waits for its next try after
 * dropped connections, and the connections keep failing meanwhile: with
 * the counted policy and no retries left to spend, the failures while the
 * network is gone are not counted, the records say "network", and the task
 * completes when the network returns. */
static void
test_network_hold_not_counted (MeowTestFixture *fx, gconstpointer data)
{
  g_autoptr (GBytes) payload = meow_test_make_payload (30000, 1307);
  g_autofree char *target = meow_test_fixture_path (fx, "h.bin");
  g_autoptr (MeowTaskBuilder) b = NULL;
  MeowTestFaults            faults = { 0 };
  MeowClient               *client = meow_test_fixture_client (fx);
  const MeowTransferRecord *r;
  MeowTestWatch            *w;
  guint                     gets;
  gint64                    returned;
  g_autoptr (GPtrArray) log = NULL;

  /* Each answer stalls for a second, then the connection drops. */
  faults.stall_after_bytes = 0;
  faults.stall_ms = 1000;
  faults.stall_gets = 3;
  meow_test_server_set_faults (fx->server, &faults);
  /* The test server is on 127.0.0.1, which the network state does not hold
   * unless told to: the network monitor is faked here. */
  _meow_client_set_hold_loopback (client, TRUE);
  meow_test_server_set_file (fx->server, "/h.bin", payload);
  b = meow_test_builder_to_file (fx, "/h.bin", target);
  meow_task_builder_set_retries (b, 0);
  w = meow_test_start_download (fx, b);
  /* The first GET is in flight when the network goes. */
  MEOW_TEST_WAIT_UNTIL (meow_test_server_count (fx->server, "GET") >= 1);
  meow_client_set_network_available (client, FALSE);

  MEOW_TEST_WAIT_UNTIL (find_wait (w, MEOW_WAIT_NETWORK) != NULL);
  r = find_wait (w, MEOW_WAIT_NETWORK);
  g_assert_cmpint (meow_transfer_record_get_next_attempt (r), ==, 0);
  gets = meow_test_server_count (fx->server, "GET");
  meow_test_spin_ms (1500);
  /* No attempt while the network is gone. */
  g_assert_cmpuint (meow_test_server_count (fx->server, "GET"), ==, gets);
  g_assert_false (meow_test_watch_done (w));

  meow_test_server_clear_faults (fx->server);
  returned = g_get_monotonic_time ();
  meow_client_set_network_available (client, TRUE);
  MEOW_TEST_WAIT_UNTIL (meow_test_watch_done (w));
  meow_test_assert_completed (w, target, payload);
  assert_waits_sane (w);
  /* It tried at once (within the 1 s jitter; 2.5 s leaves room for a loaded
   * machine), not after a backoff. */
  log = meow_test_server_dup_requests (fx->server);
  g_assert_cmpint (meow_test_nth_request (log, "GET", gets)->time_us - returned, <,
                   5 * G_USEC_PER_SEC / 2);
}

/* A task told to come back later (503, Retry-After: 30) keeps that time
 * through a network drop: the network's return does not bring its try
 * forward, and its records say Retry-After again. */
static void
test_network_return_keeps_retry_after (MeowTestFixture *fx, gconstpointer data)
{
  g_autoptr (GBytes) payload = meow_test_make_payload (30000, 1309);
  g_autofree char *target = meow_test_fixture_path (fx, "later.bin");
  g_autoptr (MeowTaskBuilder) b = NULL;
  MeowTestFaults            faults = { 0 };
  MeowClient               *client = meow_test_fixture_client (fx);
  const MeowTransferRecord *first, *last;
  MeowTestWatch            *w;

  faults.error_count = 1;
  faults.error_status = 503;
  faults.retry_after = "30";
  faults.errors_get_only = TRUE;
  meow_test_server_set_faults (fx->server, &faults);
  /* The test server is on 127.0.0.1, which the network state does not hold
   * unless told to: the network monitor is faked here. */
  _meow_client_set_hold_loopback (client, TRUE);
  meow_test_server_set_file (fx->server, "/later.bin", payload);
  b = meow_test_builder_to_file (fx, "/later.bin", target);
  w = meow_test_start_download (fx, b);
  MEOW_TEST_WAIT_UNTIL (find_wait (w, MEOW_WAIT_RETRY_AFTER) != NULL);
  first = find_wait (w, MEOW_WAIT_RETRY_AFTER);

  meow_client_set_network_available (client, FALSE);
  MEOW_TEST_WAIT_UNTIL (find_wait (w, MEOW_WAIT_NETWORK) != NULL);
  meow_client_set_network_available (client, TRUE);
  MEOW_TEST_WAIT_UNTIL (meow_transfer_record_get_wait_reason (meow_test_watch_last (w)) ==
                        MEOW_WAIT_RETRY_AFTER);
  last = meow_test_watch_last (w);
  g_assert_cmpint (meow_transfer_record_get_next_attempt (last), ==,
                   meow_transfer_record_get_next_attempt (first));
  meow_test_spin_ms (2500);
  g_assert_cmpuint (meow_test_server_count (fx->server, "GET"), ==, 1);
  g_assert_false (meow_test_watch_done (w));
  assert_waits_sane (w);
}

/* A metered hold stops a running transfer (bytes kept), says "metered",
 * and the transfer goes on from its bytes when the hold ends. */
static void
test_metered_hold (MeowTestFixture *fx, gconstpointer data)
{
  g_autoptr (GBytes) payload = meow_test_make_payload (400000, 1308);
  g_autofree char *target = meow_test_fixture_path (fx, "m.bin");
  g_autoptr (MeowTaskBuilder) b = NULL;
  g_autoptr (GPtrArray) log = NULL;
  MeowTestFaults            faults = { 0 };
  MeowClient               *client = meow_test_fixture_client (fx);
  const MeowTransferRecord *r;
  MeowTestWatch            *w;
  guint                     gets;

  faults.throttle_bytes_per_sec = 100000;
  meow_test_server_set_faults (fx->server, &faults);
  /* The test server is on 127.0.0.1, which the network state does not hold
   * unless told to: the network monitor is faked here. */
  _meow_client_set_hold_loopback (client, TRUE);
  meow_test_server_set_file (fx->server, "/m.bin", payload);
  b = meow_test_builder_to_file (fx, "/m.bin", target);
  w = meow_test_start_download (fx, b);
  MEOW_TEST_WAIT_UNTIL (meow_test_watch_has_progress (w) &&
                        meow_transfer_record_get_transferred (meow_test_watch_last (w)) > 0);

  meow_client_set_network_hold (client, MEOW_WAIT_METERED);
  MEOW_TEST_WAIT_UNTIL (find_wait (w, MEOW_WAIT_METERED) != NULL);
  r = find_wait (w, MEOW_WAIT_METERED);
  g_assert_cmpint (meow_transfer_record_get_next_attempt (r), ==, 0);
  gets = meow_test_server_count (fx->server, "GET");
  meow_test_spin_ms (1000);
  g_assert_cmpuint (meow_test_server_count (fx->server, "GET"), ==, gets);
  g_assert_false (meow_test_watch_done (w));

  meow_test_server_clear_faults (fx->server);
  meow_client_set_network_hold (client, MEOW_WAIT_NONE);
  MEOW_TEST_WAIT_UNTIL (meow_test_watch_done (w));
  meow_test_assert_completed (w, target, payload);
  /* The bytes were kept: the next GET asked for the rest. */
  log = meow_test_server_dup_requests (fx->server);
  g_assert_nonnull (meow_test_nth_request (log, "GET", gets)->range);
  g_assert_false (g_str_has_prefix (meow_test_nth_request (log, "GET", gets)->range, "bytes=0-"));
  assert_waits_sane (w);
}

/* ------------------------------------------------------------------ */
/* Loopback hosts and queued tasks under a hold                        */

/* The network state never holds a loopback host: with the network
 * "unavailable" (and no test hook), a download from 127.0.0.1 runs. */
static void
test_loopback_not_held (MeowTestFixture *fx, gconstpointer data)
{
  g_autoptr (GBytes) payload = meow_test_make_payload (30000, 1310);
  g_autofree char *target = meow_test_fixture_path (fx, "lo.bin");
  g_autoptr (MeowTaskBuilder) b = NULL;
  MeowClient    *client = meow_test_fixture_client (fx);
  MeowTestWatch *w;

  meow_test_server_set_file (fx->server, "/lo.bin", payload);
  meow_client_set_network_available (client, FALSE);
  b = meow_test_builder_to_file (fx, "/lo.bin", target);
  w = meow_test_start_download (fx, b);
  MEOW_TEST_WAIT_UNTIL (meow_test_watch_done (w));

  meow_test_assert_completed (w, target, payload);
  g_assert_null (find_wait (w, MEOW_WAIT_NETWORK));
  g_assert_cmpuint (meow_test_server_count (fx->server, "GET"), ==, 1);
}

/* One slot: A runs (throttled), B is queued. The network goes: B, queued,
 * gets a Pending record saying "network"; A runs on (the hold stops no
 * running transfer) and completes; B does not start until the network
 * returns, then gets a Pending record without a reason and completes. */
static void
test_queued_records_hold (MeowTestFixture *fx, gconstpointer data)
{
  g_autoptr (GBytes) payload = meow_test_make_payload (150000, 1311);
  g_autofree char *target_a = meow_test_fixture_path (fx, "qa.bin");
  g_autofree char *target_b = meow_test_fixture_path (fx, "qb.bin");
  g_autoptr (MeowTaskBuilder) ba = NULL;
  g_autoptr (MeowTaskBuilder) bb = NULL;
  MeowTestFaults            faults = { 0 };
  MeowClient               *client;
  const MeowTransferRecord *held, *last;
  MeowTestWatch            *wa, *wb;

  meow_config_set_max_downloads (fx->config, 1);
  client = meow_test_fixture_client (fx);
  _meow_client_set_hold_loopback (client, TRUE);
  faults.throttle_bytes_per_sec = 200000;
  meow_test_server_set_faults (fx->server, &faults);
  meow_test_server_set_file (fx->server, "/q.bin", payload);
  ba = meow_test_builder_to_file (fx, "/q.bin", target_a);
  wa = meow_test_start_download (fx, ba);
  bb = meow_test_builder_to_file (fx, "/q.bin", target_b);
  wb = meow_test_start_download (fx, bb);
  MEOW_TEST_WAIT_UNTIL (meow_test_watch_has_progress (wa));
  g_assert_null (find_wait (wb, MEOW_WAIT_NETWORK));

  meow_client_set_network_available (client, FALSE);
  MEOW_TEST_WAIT_UNTIL (find_wait (wb, MEOW_WAIT_NETWORK) != NULL);
  held = find_wait (wb, MEOW_WAIT_NETWORK);
  g_assert_cmpint (meow_transfer_record_get_status (held), ==, MEOW_STATUS_PENDING);
  g_assert_cmpint (meow_transfer_record_get_next_attempt (held), ==, 0);
  MEOW_TEST_WAIT_UNTIL (meow_test_watch_done (wa));
  meow_test_assert_completed (wa, target_a, payload);
  meow_test_spin_ms (500);
  g_assert_cmpuint (meow_test_server_count (fx->server, "GET"), ==, 1);
  g_assert_false (meow_test_watch_has_progress (wb));

  meow_client_set_network_available (client, TRUE);
  MEOW_TEST_WAIT_UNTIL (meow_test_watch_done (wb));
  meow_test_assert_completed (wb, target_b, payload);
  /* The hold's end was said before the transfer. */
  last = NULL;
  for (guint i = 0; i < wb->records->len; i++)
    {
      const MeowTransferRecord *r = g_ptr_array_index (wb->records, i);

      if (meow_transfer_record_get_status (r) == MEOW_STATUS_TRANSMISSION)
        break;
      last = r;
    }
  g_assert_nonnull (last);
  g_assert_cmpint (meow_transfer_record_get_status (last), ==, MEOW_STATUS_PENDING);
  g_assert_cmpint (meow_transfer_record_get_wait_reason (last), ==, MEOW_WAIT_NONE);
  assert_waits_sane (wb);
}

/* ------------------------------------------------------------------ */
/* A host name that does not exist                                     */

/* The network is up and the name is not found (a typo): the task waits
 * with "host not found" between tries, and fails after
 * MEOW_HOST_NOT_FOUND_TRIES of them over the window, under the unlimited
 * policy too, with a message that names the URL. */
static void
test_host_not_found (MeowTestFixture *fx, gconstpointer data)
{
  g_autofree char *target = meow_test_fixture_path (fx, "typo.bin");
  g_autoptr (MeowTaskBuilder) b = NULL;
  const MeowTransferRecord *r;
  MeowTestWatch            *w;
  gint64                    start = g_get_monotonic_time ();
  guint                     waits = 0;

  meow_config_set_retry_policy (fx->config, MEOW_RETRY_POLICY_UNLIMITED_TRANSPORT);
  /* 4 waits of 1.5 s ± 20 %: each gives the slot away and says why. */
  _meow_config_set_host_not_found_window (fx->config, 6000);
  b = meow_task_builder_new_download ("http://meow-no-such-host.invalid/typo.bin");
  meow_task_builder_set_output_file (b, target);
  w = meow_test_start_download (fx, b);
  MEOW_TEST_WAIT_UNTIL (meow_test_watch_done (w));

  meow_test_assert_failed (w, MEOW_ERROR_HTTP_TRANSPORT, "Gave up after 5 attempts",
                           "The host name of http://meow-no-such-host.invalid/typo.bin was not "
                           "found");
  g_assert_cmpint (g_get_monotonic_time () - start, >=, 4 * 1200 * 1000);
  r = find_wait (w, MEOW_WAIT_HOST_NOT_FOUND);
  g_assert_nonnull (r);
  g_assert_cmpint (meow_transfer_record_get_next_attempt (r), >, 0);
  g_assert_cmpstr (meow_transfer_record_get_wait_detail (r), ==,
                   curl_easy_strerror (CURLE_COULDNT_RESOLVE_HOST));
  for (guint i = 0; i < w->records->len; i++)
    if (meow_transfer_record_get_wait_reason (g_ptr_array_index (w->records, i)) ==
        MEOW_WAIT_HOST_NOT_FOUND)
      waits++;
  g_assert_cmpuint (waits, ==, MEOW_HOST_NOT_FOUND_TRIES - 1);
  assert_waits_sane (w);
  meow_test_assert_no_file (target);
}

/* ------------------------------------------------------------------ */
/* Suspend and resume                                                  */

typedef struct
{
  gboolean done;
  gboolean ok;
  GError  *error;
} SleepResult;

static void
sleep_done_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  SleepResult *sr = user_data;

  sr->ok = meow_client_sleep_finish (MEOW_CLIENT (source), result, &sr->error);
  sr->done = TRUE;
}

static gint64
file_size (const char *path)
{
  GStatBuf st;

  return g_stat (path, &st) == 0 ? (gint64) st.st_size : -1;
}

/* Before sleep every running transfer stops with its bytes safe, says
 * "suspend", and nothing starts (a task added meanwhile waits too); on
 * wake they go on within a second from those bytes, exact. */
static void
test_sleep_and_wake (MeowTestFixture *fx, gconstpointer data)
{
  g_autoptr (GBytes) payload = meow_test_make_payload (400000, 1312);
  g_autoptr (GBytes) small = meow_test_make_payload (20000, 1313);
  g_autofree char *target = meow_test_fixture_path (fx, "s.bin");
  g_autofree char *part = g_strconcat (target, ".part", NULL);
  g_autofree char *control = g_strconcat (target, ".part.meow", NULL);
  g_autofree char *target_late = meow_test_fixture_path (fx, "late.bin");
  g_autoptr (MeowTaskBuilder) b = NULL;
  g_autoptr (MeowTaskBuilder) bl = NULL;
  g_autoptr (GPtrArray) log = NULL;
  MeowTestFaults            faults = { 0 };
  MeowClient               *client = meow_test_fixture_client (fx);
  const MeowTransferRecord *r;
  MeowTestRequest          *resumed;
  SleepResult               sr = { 0 };
  MeowTestWatch            *w, *wl;
  guint                     gets;
  gint64                    held, woke;

  faults.throttle_bytes_per_sec = 100000;
  meow_test_server_set_faults (fx->server, &faults);
  meow_test_server_set_file (fx->server, "/s.bin", payload);
  meow_test_server_set_file (fx->server, "/late.bin", small);
  b = meow_test_builder_to_file (fx, "/s.bin", target);
  /* One connection, so the resume is one Range request. */
  meow_task_builder_set_segments (b, 1);
  w = meow_test_start_download (fx, b);
  MEOW_TEST_WAIT_UNTIL (meow_test_watch_has_progress (w) &&
                        meow_transfer_record_get_transferred (meow_test_watch_last (w)) > 0);

  meow_client_sleep_async (client, NULL, sleep_done_cb, &sr);
  MEOW_TEST_WAIT_UNTIL (sr.done);
  g_assert_no_error (sr.error);
  g_assert_true (sr.ok);
  /* Safe when the call finishes: the bytes and their control file are on
   * disk, and the record says so. */
  MEOW_TEST_WAIT_UNTIL (find_wait (w, MEOW_WAIT_SUSPEND) != NULL);
  r = find_wait (w, MEOW_WAIT_SUSPEND);
  g_assert_cmpint (meow_transfer_record_get_status (r), ==, MEOW_STATUS_PENDING);
  g_assert_cmpint (meow_transfer_record_get_next_attempt (r), ==, 0);
  held = file_size (part);
  g_assert_cmpint (held, >, 0);
  g_assert_cmpint (held, <, 400000);
  g_assert_cmpint ((gint64) meow_transfer_record_get_transferred (r), ==, held);
  g_assert_true (g_file_test (control, G_FILE_TEST_IS_REGULAR));
  g_assert_false (meow_test_watch_has_status (w, MEOW_STATUS_PAUSED));

  /* Nothing starts while suspended, not even a new task. */
  gets = meow_test_server_count (fx->server, "GET");
  bl = meow_test_builder_to_file (fx, "/late.bin", target_late);
  wl = meow_test_start_download (fx, bl);
  MEOW_TEST_WAIT_UNTIL (find_wait (wl, MEOW_WAIT_SUSPEND) != NULL);
  meow_test_spin_ms (1000);
  g_assert_cmpuint (meow_test_server_count (fx->server, "GET"), ==, gets);
  g_assert_cmpint (file_size (part), ==, held);

  meow_test_server_clear_faults (fx->server);
  woke = g_get_monotonic_time ();
  meow_client_wake (client);
  MEOW_TEST_WAIT_UNTIL (meow_test_watch_done (w) && meow_test_watch_done (wl));
  meow_test_assert_completed (w, target, payload);
  meow_test_assert_completed (wl, target_late, small);
  meow_test_assert_sequence (w, "Pending,Transmission,Pending,Transmission,Complete");

  /* It went on from the bytes it had, at once (1 s of jitter; room for a
   * loaded machine), not after a backoff. */
  log = meow_test_server_dup_requests (fx->server);
  resumed = NULL;
  for (guint i = 0; i < log->len && resumed == NULL; i++)
    {
      MeowTestRequest *req = g_ptr_array_index (log, i);

      if (req->time_us >= woke && g_str_equal (req->path, "/s.bin"))
        resumed = req;
    }
  g_assert_nonnull (resumed);
  g_assert_cmpuint (meow_test_server_count (fx->server, "GET"), ==, gets + 2);
  g_assert_nonnull (resumed->range);
  g_assert_cmpint (meow_test_range_start (resumed->range), ==, held);
  g_assert_cmpint (resumed->time_us - woke, <, 5 * G_USEC_PER_SEC / 2);
  assert_waits_sane (w);
  assert_waits_sane (wl);
}

/* A connection that went silent (as one does across a sleep, when the
 * server or a NAT forgot it) is not waited out for the stall timeout
 * after a wake: the transfer starts again at once from its bytes. */
static void
test_wake_restarts_dead_connection (MeowTestFixture *fx, gconstpointer data)
{
  g_autoptr (GBytes) payload = meow_test_make_payload (300000, 1314);
  g_autofree char *target = meow_test_fixture_path (fx, "dead.bin");
  g_autoptr (MeowTaskBuilder) b = NULL;
  g_autoptr (GPtrArray) log = NULL;
  MeowTestFaults faults = { 0 };
  MeowClient    *client = meow_test_fixture_client (fx);
  MeowTestWatch *w;
  gint64         woke;

  /* Silent after 100,000 bytes for 20 s, far longer than the test waits;
   * the stall timeout is the default 30 s. */
  faults.stall_after_bytes = 100000;
  faults.stall_ms = 20000;
  faults.stall_gets = 1;
  meow_test_server_set_faults (fx->server, &faults);
  meow_test_server_set_file (fx->server, "/dead.bin", payload);
  b = meow_test_builder_to_file (fx, "/dead.bin", target);
  meow_task_builder_set_segments (b, 1);
  w = meow_test_start_download (fx, b);
  MEOW_TEST_WAIT_UNTIL (meow_test_watch_has_progress (w) &&
                        meow_transfer_record_get_transferred (meow_test_watch_last (w)) >= 100000);

  woke = g_get_monotonic_time ();
  meow_client_wake (client);
  MEOW_TEST_WAIT_UNTIL_S (meow_test_watch_done (w), 10);
  meow_test_assert_completed (w, target, payload);
  g_assert_nonnull (find_wait (w, MEOW_WAIT_SUSPEND));
  g_assert_cmpint (g_get_monotonic_time () - woke, <, 5 * G_USEC_PER_SEC);
  log = meow_test_server_dup_requests (fx->server);
  g_assert_cmpuint (meow_test_server_count (fx->server, "GET"), ==, 2);
  g_assert_cmpint (meow_test_range_start (meow_test_nth_request (log, "GET", 1)->range), ==,
                   100000);
  assert_waits_sane (w);
}

/* The network returns while a transfer that ran through its loss waits on
 * a connection that died with it: the transfer starts again from its bytes
 * on a new connection within seconds, not at the 30 s stall timeout. */
static void
test_network_return_restarts_dead_connection (MeowTestFixture *fx, gconstpointer data)
{
  g_autoptr (GBytes) payload = meow_test_make_payload (300000, 1316);
  g_autofree char *target = meow_test_fixture_path (fx, "back.bin");
  g_autoptr (MeowTaskBuilder) b = NULL;
  g_autoptr (GPtrArray) log = NULL;
  MeowTestFaults faults = { 0 };
  MeowClient    *client = meow_test_fixture_client (fx);
  MeowTestWatch *w;
  gint64         returned;

  /* Silent after 100,000 bytes for 20 s, far longer than the test waits;
   * the stall timeout is the default 30 s. */
  faults.stall_after_bytes = 100000;
  faults.stall_ms = 20000;
  faults.stall_gets = 1;
  meow_test_server_set_faults (fx->server, &faults);
  /* The test server is on 127.0.0.1, which the network state does not hold
   * unless told to: the network monitor is faked here. */
  _meow_client_set_hold_loopback (client, TRUE);
  meow_test_server_set_file (fx->server, "/back.bin", payload);
  b = meow_test_builder_to_file (fx, "/back.bin", target);
  meow_task_builder_set_segments (b, 1);
  w = meow_test_start_download (fx, b);
  MEOW_TEST_WAIT_UNTIL (meow_test_watch_has_progress (w) &&
                        meow_transfer_record_get_transferred (meow_test_watch_last (w)) >= 100000);

  meow_client_set_network_available (client, FALSE);
  meow_test_spin_ms (300);
  /* The loss alone stops nothing. */
  g_assert_cmpuint (meow_test_server_count (fx->server, "GET"), ==, 1);
  returned = g_get_monotonic_time ();
  meow_client_set_network_available (client, TRUE);
  MEOW_TEST_WAIT_UNTIL_S (meow_test_watch_done (w), 10);
  meow_test_assert_completed (w, target, payload);
  g_assert_nonnull (find_wait (w, MEOW_WAIT_NETWORK));
  g_assert_cmpint (g_get_monotonic_time () - returned, <, 5 * G_USEC_PER_SEC);
  log = meow_test_server_dup_requests (fx->server);
  g_assert_cmpuint (meow_test_server_count (fx->server, "GET"), ==, 2);
  g_assert_cmpint (meow_test_range_start (meow_test_nth_request (log, "GET", 1)->range), ==,
                   100000);
  assert_waits_sane (w);
}

/* A cancelled sleep stops nothing; a closed client refuses it. */
static void
test_sleep_cancelled_and_closed (MeowTestFixture *fx, gconstpointer data)
{
  g_autoptr (GBytes) payload = meow_test_make_payload (30000, 1315);
  g_autofree char *target = meow_test_fixture_path (fx, "c.bin");
  g_autoptr (MeowTaskBuilder) b = NULL;
  g_autoptr (GCancellable) cancellable = g_cancellable_new ();
  MeowClient    *client = meow_test_fixture_client (fx);
  SleepResult    cancelled = { 0 }, closed = { 0 };
  MeowTestWatch *w;

  meow_test_server_set_file (fx->server, "/c.bin", payload);
  /* The worker takes no command until released: the cancel comes first. */
  _meow_client_set_worker_held (client, TRUE);
  meow_client_sleep_async (client, cancellable, sleep_done_cb, &cancelled);
  g_cancellable_cancel (cancellable);
  _meow_client_set_worker_held (client, FALSE);
  MEOW_TEST_WAIT_UNTIL (cancelled.done);
  g_assert_error (cancelled.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&cancelled.error);
  g_assert_false (cancelled.ok);

  b = meow_test_builder_to_file (fx, "/c.bin", target);
  w = meow_test_start_download (fx, b);
  MEOW_TEST_WAIT_UNTIL (meow_test_watch_done (w));
  meow_test_assert_completed (w, target, payload);
  g_assert_null (find_wait (w, MEOW_WAIT_SUSPEND));

  g_assert_true (meow_client_close (client, NULL));
  meow_client_sleep_async (client, NULL, sleep_done_cb, &closed);
  MEOW_TEST_WAIT_UNTIL (closed.done);
  g_assert_error (closed.error, MEOW_ERROR, MEOW_ERROR_CLIENT_CLOSED);
  g_clear_error (&closed.error);
  meow_client_wake (client); /* ignored after close */
}

/* ------------------------------------------------------------------ */
/* The schedule's hold (meow_client_set_schedule_hold())                */

/* Outside the window nothing starts, loopback hosts too, and the queued
 * task says why; when the window opens it runs and completes. */
static void
test_schedule_hold (MeowTestFixture *fx, gconstpointer data)
{
  g_autoptr (GBytes) payload = meow_test_make_payload (30000, 1320);
  g_autofree char *target = meow_test_fixture_path (fx, "s.bin");
  g_autoptr (MeowTaskBuilder) b = NULL;
  MeowClient    *client = meow_test_fixture_client (fx);
  MeowTestWatch *w;

  meow_test_server_set_file (fx->server, "/s.bin", payload);
  meow_client_set_schedule_hold (client, TRUE);
  b = meow_test_builder_to_file (fx, "/s.bin", target);
  w = meow_test_start_download (fx, b);

  MEOW_TEST_WAIT_UNTIL (find_wait (w, MEOW_WAIT_SCHEDULE) != NULL);
  meow_test_spin_ms (1500);
  g_assert_cmpuint (meow_test_server_count (fx->server, "GET"), ==, 0);
  g_assert_cmpuint (meow_test_server_count (fx->server, "HEAD"), ==, 0);
  g_assert_false (meow_test_watch_done (w));
  g_assert_cmpint (meow_test_watch_last_status (w), ==, MEOW_STATUS_PENDING);
  g_assert_cmpint (meow_transfer_record_get_wait_reason (meow_test_watch_last (w)), ==,
                   MEOW_WAIT_SCHEDULE);

  meow_client_set_schedule_hold (client, FALSE);
  MEOW_TEST_WAIT_UNTIL (meow_test_watch_done (w));
  meow_test_assert_completed (w, target, payload);
  g_assert_cmpuint (meow_test_server_count (fx->server, "GET"), ==, 1);
  assert_waits_sane (w);
}

/* The window closes while A runs: A stops (bytes kept) and waits for the
 * schedule; B, queued, does not start until it is asked to start now, and
 * then runs to the end while the window is closed. When the window opens
 * A goes on from its bytes. */
static void
test_schedule_stops_running (MeowTestFixture *fx, gconstpointer data)
{
  g_autoptr (GBytes) payload = meow_test_make_payload (400000, 1321);
  g_autoptr (GBytes) small = meow_test_make_payload (20000, 1322);
  g_autofree char *target_a = meow_test_fixture_path (fx, "sa.bin");
  g_autofree char *target_b = meow_test_fixture_path (fx, "sb.bin");
  g_autoptr (MeowTaskBuilder) ba = NULL;
  g_autoptr (MeowTaskBuilder) bb = NULL;
  g_autoptr (GPtrArray) log = NULL;
  g_autoptr (GError) error = NULL;
  MeowTestFaults faults = { 0 };
  MeowClient    *client = meow_test_fixture_client (fx);
  MeowTestWatch *wa, *wb;
  guint          gets;

  faults.throttle_bytes_per_sec = 100000;
  meow_test_server_set_faults (fx->server, &faults);
  meow_test_server_set_file (fx->server, "/sa.bin", payload);
  meow_test_server_set_file (fx->server, "/sb.bin", small);
  ba = meow_test_builder_to_file (fx, "/sa.bin", target_a);
  wa = meow_test_start_download (fx, ba);
  MEOW_TEST_WAIT_UNTIL (meow_test_watch_has_progress (wa) &&
                        meow_transfer_record_get_transferred (meow_test_watch_last (wa)) > 0);

  meow_client_set_schedule_hold (client, TRUE);
  MEOW_TEST_WAIT_UNTIL (find_wait (wa, MEOW_WAIT_SCHEDULE) != NULL);
  g_assert_cmpint (meow_transfer_record_get_next_attempt (find_wait (wa, MEOW_WAIT_SCHEDULE)), ==,
                   0);
  bb = meow_test_builder_to_file (fx, "/sb.bin", target_b);
  wb = meow_test_start_download (fx, bb);
  MEOW_TEST_WAIT_UNTIL (find_wait (wb, MEOW_WAIT_SCHEDULE) != NULL);
  gets = meow_test_server_count (fx->server, "GET");
  meow_test_spin_ms (1000);
  g_assert_cmpuint (meow_test_server_count (fx->server, "GET"), ==, gets);
  g_assert_false (meow_test_watch_done (wa));
  g_assert_false (meow_test_watch_done (wb));

  /* Start Now is stronger than the schedule. */
  meow_test_server_clear_faults (fx->server);
  g_assert_true (meow_client_start_now (client, wb->id, &error));
  g_assert_no_error (error);
  MEOW_TEST_WAIT_UNTIL (meow_test_watch_done (wb));
  meow_test_assert_completed (wb, target_b, small);
  g_assert_false (meow_test_watch_done (wa));
  g_assert_cmpint (meow_transfer_record_get_wait_reason (meow_test_watch_last (wa)), ==,
                   MEOW_WAIT_SCHEDULE);

  gets = meow_test_server_count (fx->server, "GET");
  meow_client_set_schedule_hold (client, FALSE);
  MEOW_TEST_WAIT_UNTIL (meow_test_watch_done (wa));
  meow_test_assert_completed (wa, target_a, payload);
  /* The bytes were kept: the next GET of A asked for the rest. */
  log = meow_test_server_dup_requests (fx->server);
  g_assert_nonnull (meow_test_nth_request (log, "GET", gets)->range);
  g_assert_false (g_str_has_prefix (meow_test_nth_request (log, "GET", gets)->range, "bytes=0-"));
  assert_waits_sane (wa);
  assert_waits_sane (wb);
}

#define ADD(path, fn)                                                                              \
  g_test_add (path, MeowTestFixture, NULL, meow_test_fixture_setup, fn, meow_test_fixture_teardown)

int
main (int argc, char **argv)
{
  g_setenv ("GIO_USE_PROXY_RESOLVER", "dummy", TRUE);
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/core/network/classify/table", test_classify_table);
  g_test_add_func ("/core/network/classify/detail", test_failure_detail);
  ADD ("/core/network/policy/unlimited-transport", test_unlimited_transport);
  ADD ("/core/network/policy/counted-transport", test_counted_transport);
  ADD ("/core/network/policy/unlimited-counts-server", test_unlimited_counts_server);
  ADD ("/core/network/wait/record-retry-after", test_wait_record_retry_after);
  ADD ("/core/network/wait/yields-slot", test_waiting_yields_slot);
  ADD ("/core/network/state/unavailable", test_network_unavailable);
  ADD ("/core/network/state/hold-not-counted", test_network_hold_not_counted);
  ADD ("/core/network/state/metered", test_metered_hold);
  ADD ("/core/network/state/return-keeps-retry-after", test_network_return_keeps_retry_after);
  ADD ("/core/network/state/loopback-not-held", test_loopback_not_held);
  ADD ("/core/network/state/queued-records", test_queued_records_hold);
  ADD ("/core/network/dns/host-not-found", test_host_not_found);
  ADD ("/core/network/sleep/checkpoint-and-resume", test_sleep_and_wake);
  ADD ("/core/network/sleep/wake-restarts-dead-connection", test_wake_restarts_dead_connection);
  ADD ("/core/network/state/return-restarts-dead-connection",
       test_network_return_restarts_dead_connection);
  ADD ("/core/network/sleep/cancelled-and-closed", test_sleep_cancelled_and_closed);
  ADD ("/core/network/schedule/hold", test_schedule_hold);
  ADD ("/core/network/schedule/stops-running", test_schedule_stops_running);

  return g_test_run ();
}
