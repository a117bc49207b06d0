/* test-client.c: the client's lifecycle: pause, resume, cancel, close,
 * concurrency, back-pressure, listeners, threads, duplicates, snapshots
 *
 * Each test gets a fresh server, a fresh temporary directory and a fresh
 * client. Downloads are throttled by the server where a test needs them
 * to be in flight for a while.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <glib/gstdio.h>
#include <string.h>

#include "meow-client-private.h"
#include "meow-test-server.h"
#include "meow.h"

/* ------------------------------------------------------------------ */
/* Shared test machinery (the same block is in test-client.c and test-download.c)             */

#define WAIT_SECONDS 20

typedef struct _Fixture Fixture;

typedef struct
{
  Fixture   *fx;
  char      *id;
  GPtrArray *records; /* MeowTransferRecord */
  guint      complete_calls;
  char      *payload;
  gboolean   complete_after_record; /* the Complete record came before complete_cb */
  guint      destroy_calls;
  GThread   *expected_thread;
  gboolean   wrong_thread;
  /* optional hook, run after the record is stored */
  void (*on_record) (MeowClient *, const MeowTransferRecord *, gpointer);
  gpointer on_record_data;
} Watch;

struct _Fixture
{
  MeowTestServer *server;
  char           *dir;
  MeowConfig     *config;
  MeowClient     *client;
  GThread        *main_thread;
  GPtrArray      *watches; /* Watch */
};

static gboolean timed_out;
static guint    guard_id;

static gboolean
guard_cb (gpointer data)
{
  timed_out = TRUE;
  guard_id = 0;
  return G_SOURCE_REMOVE;
}

static void
guard_start (guint seconds)
{
  timed_out = FALSE;
  g_clear_handle_id (&guard_id, g_source_remove);
  guard_id = g_timeout_add_seconds (seconds, guard_cb, NULL);
}

static void
guard_stop (void)
{
  g_clear_handle_id (&guard_id, g_source_remove);
}

/* Spins the default context until @cond holds; fails the test and returns
 * from it when it does not within WAIT_SECONDS. */
#define WAIT_UNTIL(cond)                                                                           \
  G_STMT_START                                                                                     \
  {                                                                                                \
    guard_start (WAIT_SECONDS);                                                                    \
    while (!(cond) && !timed_out)                                                                  \
      g_main_context_iteration (NULL, TRUE);                                                       \
    guard_stop ();                                                                                 \
    if (!(cond))                                                                                   \
      {                                                                                            \
        g_test_fail_printf ("%s:%d: timed out after %d s waiting for %s", __FILE__, __LINE__,      \
                            WAIT_SECONDS, #cond);                                                  \
        return;                                                                                    \
      }                                                                                            \
  }                                                                                                \
  G_STMT_END

static gboolean
flag_cb (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

/* Spins the default context for @ms milliseconds. */
G_GNUC_UNUSED static void
spin_ms (guint ms)
{
  gboolean done = FALSE;

  g_timeout_add (ms, flag_cb, &done);
  while (!done)
    g_main_context_iteration (NULL, TRUE);
}

static void
fixture_setup (Fixture *fx, gconstpointer data)
{
  g_autoptr (GError) error = NULL;

  fx->server = meow_test_server_new ();
  fx->dir = g_dir_make_tmp ("meow-test-XXXXXX", &error);
  g_assert_no_error (error);
  fx->config = meow_config_new ();
  meow_config_set_retry_base_delay_ms (fx->config, 10);
  fx->main_thread = g_thread_self ();
  fx->watches = g_ptr_array_new ();
}

static void
rm_rf (const char *path)
{
  GDir *dir = g_dir_open (path, 0, NULL);

  if (dir != NULL)
    {
      const char *name;

      while ((name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *child = g_build_filename (path, name, NULL);

          if (g_file_test (child, G_FILE_TEST_IS_DIR) &&
              !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
            rm_rf (child);
          else
            g_unlink (child);
        }
      g_dir_close (dir);
    }
  g_rmdir (path);
}

static void
watch_free (Watch *w)
{
  g_free (w->id);
  g_ptr_array_unref (w->records);
  g_free (w->payload);
  g_free (w);
}

/* The server's log as TAP comments, so a failure report shows the wire. */
static void
print_request_log (Fixture *fx)
{
  g_autoptr (GPtrArray) log = meow_test_server_dup_requests (fx->server);

  for (guint i = 0; i < log->len; i++)
    {
      MeowTestRequest *req = g_ptr_array_index (log, i);

      g_test_message ("server: %s %s Range=%s If-Range=%s -> %u, %" G_GINT64_FORMAT " body bytes",
                      req->method, req->path, req->range ? req->range : "-",
                      req->if_range ? req->if_range : "-", req->status, req->body_bytes);
    }
}

static void
fixture_teardown (Fixture *fx, gconstpointer data)
{
  guard_stop ();
  if (fx->client != NULL)
    {
      if (!meow_client_is_closed (fx->client))
        {
          g_autoptr (GError) error = NULL;

          meow_client_close (fx->client, &error);
          g_assert_no_error (error);
        }
      /* the client must not outlive its last reference */
      g_object_add_weak_pointer (G_OBJECT (fx->client), (gpointer *) &fx->client);
      g_object_unref (fx->client);
      g_assert_null (fx->client);
    }
  /* drain whatever the client left behind in the default context */
  while (g_main_context_iteration (NULL, FALSE))
    ;
  for (guint i = 0; i < fx->watches->len; i++)
    {
      Watch *w = g_ptr_array_index (fx->watches, i);

      g_assert_false (w->wrong_thread);
      /* user_data is released exactly once, at the latest with the client */
      if (fx->client == NULL)
        g_assert_cmpuint (w->destroy_calls, ==, 1);
      watch_free (w);
    }
  g_ptr_array_unref (fx->watches);
  meow_config_free (fx->config);
  print_request_log (fx);
  meow_test_server_free (fx->server);
  rm_rf (fx->dir);
  g_free (fx->dir);
}

/* The client, created on first use from fx->config (tests may change the
 * config before that). */
static MeowClient *
fx_client (Fixture *fx)
{
  if (fx->client == NULL)
    {
      g_autoptr (GError) error = NULL;

      fx->client = meow_client_new (fx->config, &error);
      g_assert_no_error (error);
      g_assert_nonnull (fx->client);
    }
  return fx->client;
}

static char *
fx_path (Fixture *fx, const char *name)
{
  return g_build_filename (fx->dir, name, NULL);
}

static void
watch_record_cb (MeowClient *client, const MeowTransferRecord *record, gpointer user_data)
{
  Watch *w = user_data;

  if (g_thread_self () != w->expected_thread)
    w->wrong_thread = TRUE;
  g_ptr_array_add (w->records, meow_transfer_record_ref ((MeowTransferRecord *) record));
  if (w->on_record != NULL)
    w->on_record (client, record, w->on_record_data);
}

static void
watch_complete_cb (MeowClient *client, const char *task_id, const char *payload, gpointer user_data)
{
  Watch *w = user_data;

  if (g_thread_self () != w->expected_thread)
    w->wrong_thread = TRUE;
  w->complete_calls++;
  g_free (w->payload);
  w->payload = g_strdup (payload);
  w->complete_after_record =
      w->records->len > 0 &&
      meow_transfer_record_get_status (g_ptr_array_index (w->records, w->records->len - 1)) ==
          MEOW_STATUS_COMPLETE;
  if (w->id != NULL)
    g_assert_cmpstr (task_id, ==, w->id);
}

static void
watch_destroy_cb (gpointer user_data)
{
  Watch *w = user_data;

  w->destroy_calls++;
}

static Watch *
watch_new (Fixture *fx)
{
  Watch *w = g_new0 (Watch, 1);

  w->fx = fx;
  w->records = g_ptr_array_new_with_free_func ((GDestroyNotify) meow_transfer_record_unref);
  w->expected_thread = fx->main_thread;
  g_ptr_array_add (fx->watches, w);
  return w;
}

/* Builds @builder's task and enqueues it; the task must be accepted. */
static Watch *
start_download (Fixture *fx, MeowTaskBuilder *builder)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (MeowTask) task = meow_task_builder_build (builder, &error);
  Watch *w;

  g_assert_no_error (error);
  g_assert_nonnull (task);
  w = watch_new (fx);
  w->id = meow_client_enqueue (fx_client (fx), task, watch_record_cb, watch_complete_cb, w,
                               watch_destroy_cb, &error);
  g_assert_no_error (error);
  g_assert_nonnull (w->id);
  return w;
}

/* Enqueues @builder's task expecting a synchronous error. */
G_GNUC_UNUSED static void
enqueue_expect_error (Fixture *fx, MeowTaskBuilder *builder, gint code)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (MeowTask) task = meow_task_builder_build (builder, &error);
  g_autofree char *id = NULL;

  g_assert_no_error (error);
  id = meow_client_enqueue (fx_client (fx), task, NULL, NULL, NULL, NULL, &error);
  g_assert_error (error, MEOW_ERROR, code);
  g_assert_null (id);
}

static MeowTaskBuilder *
builder_to_file (Fixture *fx, const char *url_path, const char *target)
{
  g_autofree char *url = meow_test_server_dup_url (fx->server, url_path);
  MeowTaskBuilder *b = meow_task_builder_new_download (url);

  meow_task_builder_set_output_file (b, target);
  return b;
}

static const MeowTransferRecord *
watch_last (Watch *w)
{
  return w->records->len ? g_ptr_array_index (w->records, w->records->len - 1) : NULL;
}

static gint
watch_last_status (Watch *w)
{
  const MeowTransferRecord *r = watch_last (w);

  return r ? (gint) meow_transfer_record_get_status (r) : -1;
}

static gboolean
watch_done (Watch *w)
{
  gint s = watch_last_status (w);

  return s == MEOW_STATUS_COMPLETE || s == MEOW_STATUS_FAILED || s == MEOW_STATUS_CANCELED;
}

static gboolean
watch_has_status (Watch *w, MeowStatus status)
{
  for (guint i = 0; i < w->records->len; i++)
    if (meow_transfer_record_get_status (g_ptr_array_index (w->records, i)) == status)
      return TRUE;
  return FALSE;
}

/* A Transmission record that reports some bytes. */
G_GNUC_UNUSED static gboolean
watch_has_progress (Watch *w)
{
  for (guint i = 0; i < w->records->len; i++)
    {
      const MeowTransferRecord *r = g_ptr_array_index (w->records, i);

      if (meow_transfer_record_get_status (r) == MEOW_STATUS_TRANSMISSION &&
          meow_transfer_record_get_transferred (r) > 0)
        return TRUE;
    }
  return FALSE;
}

static gboolean
watch_has_restart_reason (Watch *w, MeowRestartReason reason)
{
  for (guint i = 0; i < w->records->len; i++)
    if (meow_transfer_record_get_restart_reason (g_ptr_array_index (w->records, i)) == reason)
      return TRUE;
  return FALSE;
}

static const char *
status_name (MeowStatus s)
{
  static const char *names[] = { "Pending",  "Transmission", "Paused",
                                 "Complete", "Failed",       "Canceled" };

  return (guint) s < G_N_ELEMENTS (names) ? names[s] : "?";
}

/* "Pending,Transmission,Complete": the statuses with runs of Transmission
 * collapsed into one. */
static char *
watch_sequence (Watch *w)
{
  GString *s = g_string_new (NULL);
  gint     prev = -1;

  for (guint i = 0; i < w->records->len; i++)
    {
      MeowStatus st = meow_transfer_record_get_status (g_ptr_array_index (w->records, i));

      if (st == MEOW_STATUS_TRANSMISSION && prev == MEOW_STATUS_TRANSMISSION)
        continue;
      if (s->len)
        g_string_append_c (s, ',');
      g_string_append (s, status_name (st));
      prev = st;
    }
  return g_string_free (s, FALSE);
}

static gboolean
match_tokens (char **have, char **want)
{
  if (*want == NULL)
    return *have == NULL;
  if (g_str_has_suffix (*want, "?"))
    {
      g_autofree char *bare = g_strndup (*want, strlen (*want) - 1);

      if (*have != NULL && g_str_equal (*have, bare) && match_tokens (have + 1, want + 1))
        return TRUE;
      return match_tokens (have, want + 1);
    }
  return *have != NULL && g_str_equal (*have, *want) && match_tokens (have + 1, want + 1);
}

/* Compares the collapsed status sequence with @pattern; a token ending in
 * '?' is optional ("Transmission?" for sub-100 ms transfers). */
static void
assert_sequence (Watch *w, const char *pattern)
{
  g_autofree char *seq = watch_sequence (w);
  g_auto (GStrv) have = g_strsplit (seq, ",", -1);
  g_auto (GStrv) want = g_strsplit (pattern, ",", -1);

  if (!match_tokens (have, want))
    g_error ("status sequence “%s” does not match “%s”", seq, pattern);
}

/* Invariants every task's records keep. */
static void
assert_records_sane (Watch *w, gint64 expected_total)
{
  guint terminals = 0;

  g_assert_cmpuint (w->records->len, >, 0);
  g_assert_cmpint (meow_transfer_record_get_status (g_ptr_array_index (w->records, 0)), ==,
                   MEOW_STATUS_PENDING);
  for (guint i = 0; i < w->records->len; i++)
    {
      const MeowTransferRecord *r = g_ptr_array_index (w->records, i);
      MeowStatus                st = meow_transfer_record_get_status (r);

      g_assert_cmpstr (meow_transfer_record_get_task_id (r), ==, w->id);
      g_assert_cmpint (meow_transfer_record_get_direction (r), ==, MEOW_DIRECTION_DOWNLOAD);
      if (st == MEOW_STATUS_TRANSMISSION)
        {
          /* the server always tells the length here */
          if (expected_total >= 0)
            g_assert_cmpint (meow_transfer_record_get_total (r), ==, expected_total);
          if (meow_transfer_record_get_total (r) >= 0)
            g_assert_cmpuint (meow_transfer_record_get_transferred (r), <=,
                              (guint64) meow_transfer_record_get_total (r));
        }
      if (st == MEOW_STATUS_COMPLETE || st == MEOW_STATUS_FAILED || st == MEOW_STATUS_CANCELED)
        {
          terminals++;
          g_assert_cmpuint (i, ==, w->records->len - 1);
        }
      if (st == MEOW_STATUS_FAILED)
        g_assert_nonnull (meow_transfer_record_get_error (r));
      if (st == MEOW_STATUS_COMPLETE)
        {
          g_assert_cmpfloat (meow_transfer_record_get_progress (r), ==, 1.0);
          if (expected_total >= 0)
            {
              g_assert_cmpint (meow_transfer_record_get_total (r), ==, expected_total);
              g_assert_cmpuint (meow_transfer_record_get_transferred (r), ==,
                                (guint64) expected_total);
            }
        }
    }
  g_assert_cmpuint (terminals, <=, 1);
}

static void
assert_file_bytes (const char *path, const void *data, gsize len)
{
  g_autofree char *contents = NULL;
  gsize            got = 0;
  g_autoptr (GError) error = NULL;

  g_file_get_contents (path, &contents, &got, &error);
  g_assert_no_error (error);
  g_assert_cmpmem (contents, got, data, len);
}

static void
assert_file_equals (const char *path, GBytes *expected)
{
  gsize       len;
  const void *data = g_bytes_get_data (expected, &len);

  assert_file_bytes (path, data, len);
}

static void
assert_no_file (const char *path)
{
  if (g_file_test (path, G_FILE_TEST_EXISTS))
    g_error ("“%s” should not exist", path);
}

/* The task failed with @code and a message containing @needle (may be NULL). */
G_GNUC_UNUSED static void
assert_failed (Watch *w, gint code, const char *needle, const char *needle2)
{
  const MeowTransferRecord *r = watch_last (w);
  const GError             *error;

  g_assert_nonnull (r);
  g_assert_cmpint (meow_transfer_record_get_status (r), ==, MEOW_STATUS_FAILED);
  error = meow_transfer_record_get_error (r);
  g_assert_nonnull (error);
  g_test_message ("failure message: %s", error->message);
  g_assert_error ((GError *) error, MEOW_ERROR, code);
  if (needle)
    g_assert_nonnull (strstr (error->message, needle));
  if (needle2)
    g_assert_nonnull (strstr (error->message, needle2));
  g_assert_cmpuint (w->complete_calls, ==, 0);
}

/* The task completed into @target, and the books agree. */
static void
assert_completed (Watch *w, const char *target, GBytes *content)
{
  const MeowTransferRecord *r = watch_last (w);
  g_autofree char          *part = g_strconcat (target, ".part", NULL);
  g_autofree char          *control = g_strconcat (target, ".part.meow", NULL);

  g_assert_nonnull (r);
  if (meow_transfer_record_get_status (r) == MEOW_STATUS_FAILED)
    g_error ("task failed: %s", meow_transfer_record_get_error (r)->message);
  g_assert_cmpint (meow_transfer_record_get_status (r), ==, MEOW_STATUS_COMPLETE);
  g_assert_cmpuint (w->complete_calls, ==, 1);
  g_assert_true (w->complete_after_record);
  g_assert_cmpstr (w->payload, ==, target);
  g_assert_cmpstr (meow_transfer_record_get_local_path (r), ==, target);
  assert_records_sane (w, g_bytes_get_size (content));
  assert_file_equals (target, content);
  assert_no_file (part);
  assert_no_file (control);
}

static MeowTestRequest *
nth_request (GPtrArray *log, const char *method, guint n)
{
  for (guint i = 0; i < log->len; i++)
    {
      MeowTestRequest *req = g_ptr_array_index (log, i);

      if (g_str_equal (req->method, method) && n-- == 0)
        return req;
    }
  return NULL;
}

G_GNUC_UNUSED static void
write_file (const char *path, const char *contents, gssize len)
{
  g_autoptr (GError) error = NULL;

  g_file_set_contents (path, contents, len, &error);
  g_assert_no_error (error);
}

static gint64
range_start (const char *range)
{
  g_assert_nonnull (range);
  g_assert_true (g_str_has_prefix (range, "bytes="));
  return g_ascii_strtoll (range + strlen ("bytes="), NULL, 10);
}

/* ------------------------------------------------------------------ */
/* Helpers for this file                                               */

static void
throttle_server (Fixture *fx, guint bytes_per_sec)
{
  MeowTestFaults faults = {
    0,
  };

  faults.throttle_bytes_per_sec = bytes_per_sec;
  meow_test_server_set_faults (fx->server, &faults);
}

/* Serves a payload at /NAME and starts downloading it to DIR/NAME. */
static Watch *
start_named (Fixture *fx, const char *name, GBytes *payload)
{
  g_autofree char *url_path = g_strconcat ("/", name, NULL);
  g_autofree char *target = fx_path (fx, name);
  g_autoptr (MeowTaskBuilder) b = NULL;

  meow_test_server_set_file (fx->server, url_path, payload);
  b = builder_to_file (fx, url_path, target);
  return start_download (fx, b);
}

static void
assert_error_code (GError *error, gint code)
{
  g_assert_error (error, MEOW_ERROR, code);
}

/* ------------------------------------------------------------------ */
/* Config validation                                                   */

static void
test_config_zero_queue (Fixture *fx, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GError) error2 = NULL;
  MeowClient *client;

  meow_config_set_command_queue_capacity (fx->config, 0);
  g_assert_false (meow_config_validate (fx->config, &error2));
  assert_error_code (error2, MEOW_ERROR_PARAMETER_INVALID);
  client = meow_client_new (fx->config, &error);
  g_assert_null (client);
  assert_error_code (error, MEOW_ERROR_PARAMETER_INVALID);
}

static void
test_config_zero_downloads (Fixture *fx, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  MeowClient *client;

  meow_config_set_max_downloads (fx->config, 0);
  client = meow_client_new (fx->config, &error);
  g_assert_null (client);
  assert_error_code (error, MEOW_ERROR_PARAMETER_INVALID);
}

/* ------------------------------------------------------------------ */
/* Threads                                                             */

typedef struct
{
  MeowConfig *config;
  char       *url;
  char       *target;
  GThread    *thread;
  gboolean    wrong_thread;
  gint        last_status;
  guint       records;
  guint       complete_calls;
  gboolean    timed_out;
} ThreadRun;

static void
thread_record_cb (MeowClient *client, const MeowTransferRecord *record, gpointer user_data)
{
  ThreadRun *run = user_data;

  if (g_thread_self () != run->thread)
    run->wrong_thread = TRUE;
  run->records++;
  run->last_status = meow_transfer_record_get_status (record);
}

static void
thread_complete_cb (MeowClient *client,
                    const char *task_id,
                    const char *payload,
                    gpointer    user_data)
{
  ThreadRun *run = user_data;

  if (g_thread_self () != run->thread)
    run->wrong_thread = TRUE;
  run->complete_calls++;
}

static gboolean
tick_cb (gpointer data)
{
  return G_SOURCE_CONTINUE;
}

static gpointer
client_thread (gpointer data)
{
  ThreadRun    *run = data;
  GMainContext *context = g_main_context_new ();
  g_autoptr (GError) error = NULL;
  g_autoptr (MeowTaskBuilder) b = NULL;
  g_autoptr (MeowTask) task = NULL;
  g_autofree char *id = NULL;
  GSource         *tick;
  MeowClient      *client;
  gint64           deadline = g_get_monotonic_time () + WAIT_SECONDS * G_USEC_PER_SEC;

  run->thread = g_thread_self ();
  g_main_context_push_thread_default (context);

  /* wake up now and then, so the deadline is checked */
  tick = g_timeout_source_new (100);
  g_source_set_callback (tick, tick_cb, NULL, NULL);
  g_source_attach (tick, context);

  client = meow_client_new (run->config, &error);
  g_assert_no_error (error);
  b = meow_task_builder_new_download (run->url);
  meow_task_builder_set_output_file (b, run->target);
  task = meow_task_builder_build (b, &error);
  g_assert_no_error (error);
  id = meow_client_enqueue (client, task, thread_record_cb, thread_complete_cb, run, NULL, &error);
  g_assert_no_error (error);

  while (run->last_status != MEOW_STATUS_COMPLETE && run->last_status != MEOW_STATUS_FAILED &&
         run->last_status != MEOW_STATUS_CANCELED)
    {
      if (g_get_monotonic_time () > deadline)
        {
          run->timed_out = TRUE;
          break;
        }
      g_main_context_iteration (context, TRUE);
    }

  meow_client_close (client, NULL);
  g_object_unref (client);
  g_source_destroy (tick);
  g_source_unref (tick);
  while (g_main_context_iteration (context, FALSE))
    ;
  g_main_context_pop_thread_default (context);
  g_main_context_unref (context);
  return NULL;
}

/* A client made in another thread delivers everything in that thread's
 * context, never in the main thread. */
static void
test_thread_owner_context (Fixture *fx, gconstpointer data)
{
  g_autoptr (GBytes) payload = meow_test_make_payload (40000, 31);
  ThreadRun run = {
    0,
  };
  GThread *thread;

  meow_test_server_set_file (fx->server, "/t.bin", payload);
  run.config = fx->config;
  run.url = meow_test_server_dup_url (fx->server, "/t.bin");
  run.target = fx_path (fx, "t.bin");
  run.last_status = -1;

  thread = g_thread_new ("test-client-owner", client_thread, &run);
  g_thread_join (thread);

  g_assert_false (run.timed_out);
  g_assert_false (run.wrong_thread);
  g_assert_cmpint (run.last_status, ==, MEOW_STATUS_COMPLETE);
  g_assert_cmpuint (run.complete_calls, ==, 1);
  g_assert_cmpuint (run.records, >=, 2);
  assert_file_equals (run.target, payload);
  g_free (run.url);
  g_free (run.target);
}

/* ------------------------------------------------------------------ */
/* Pause, resume, cancel                                               */

static void
test_pause_resume (Fixture *fx, gconstpointer data)
{
  g_autoptr (GBytes) payload = meow_test_make_payload (256 * 1024, 32);
  g_autofree char *target = fx_path (fx, "pr.bin");
  g_autofree char *part = g_strconcat (target, ".part", NULL);
  g_autoptr (GPtrArray) log = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (MeowSnapshot) snap = NULL;
  MeowTestRequest *first, *second;
  guint            n;
  Watch           *w;

  throttle_server (fx, 64 * 1024);
  w = start_named (fx, "pr.bin", payload);
  WAIT_UNTIL (watch_has_progress (w));

  g_assert_true (meow_client_pause (fx->client, w->id, &error));
  g_assert_no_error (error);
  WAIT_UNTIL (watch_last_status (w) == MEOW_STATUS_PAUSED);

  /* nothing moves while paused */
  n = w->records->len;
  spin_ms (500);
  g_assert_cmpuint (w->records->len, ==, n);
  g_assert_true (g_file_test (part, G_FILE_TEST_EXISTS));
  assert_no_file (target);
  snap = meow_client_snapshot (fx->client, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (snap->paused, ==, 1);
  g_assert_cmpuint (snap->active, ==, 0);
  g_assert_cmpuint (snap->queued, ==, 0);

  meow_test_server_clear_faults (fx->server);
  g_assert_true (meow_client_resume (fx->client, w->id, &error));
  g_assert_no_error (error);
  WAIT_UNTIL (watch_done (w));

  assert_completed (w, target, payload);
  assert_sequence (w, "Pending,Transmission,Paused,Pending,Transmission?,Complete");
  g_assert_false (watch_has_restart_reason (w, MEOW_RESTART_REMOTE_CHANGED));

  log = meow_test_server_dup_requests (fx->server);
  first = nth_request (log, "GET", 0);
  second = nth_request (log, "GET", 1);
  g_assert_nonnull (first);
  g_assert_nonnull (second);
  g_assert_null (first->range);
  g_assert_nonnull (second->range);
  g_assert_cmpint (range_start (second->range), >, 0);
  g_assert_cmpuint (second->status, ==, 206);
}

static void
test_pause_resume_invalid_state (Fixture *fx, gconstpointer data)
{
  g_autoptr (GBytes) payload = meow_test_make_payload (256 * 1024, 33);
  g_autoptr (GError) error = NULL;
  Watch *w;

  throttle_server (fx, 64 * 1024);
  w = start_named (fx, "st.bin", payload);
  WAIT_UNTIL (watch_has_progress (w));

  /* resume of a running task */
  g_assert_false (meow_client_resume (fx->client, w->id, &error));
  assert_error_code (error, MEOW_ERROR_INVALID_TASK_STATE);
  g_clear_error (&error);

  g_assert_true (meow_client_pause (fx->client, w->id, &error));
  g_assert_no_error (error);
  /* pause of a paused task */
  g_assert_false (meow_client_pause (fx->client, w->id, &error));
  assert_error_code (error, MEOW_ERROR_INVALID_TASK_STATE);
  g_clear_error (&error);
  WAIT_UNTIL (watch_last_status (w) == MEOW_STATUS_PAUSED);

  /* unknown ids */
  g_assert_false (meow_client_pause (fx->client, "no-such-task", &error));
  assert_error_code (error, MEOW_ERROR_TASK_NOT_FOUND);
  g_clear_error (&error);
  g_assert_false (meow_client_resume (fx->client, "no-such-task", &error));
  assert_error_code (error, MEOW_ERROR_TASK_NOT_FOUND);
  g_clear_error (&error);
  g_assert_false (meow_client_cancel (fx->client, "no-such-task", &error));
  assert_error_code (error, MEOW_ERROR_TASK_NOT_FOUND);
}

static void
test_cancel_running (Fixture *fx, gconstpointer data)
{
  g_autoptr (GBytes) payload = meow_test_make_payload (256 * 1024, 34);
  g_autofree char *target = fx_path (fx, "cancel.bin");
  g_autofree char *part = g_strconcat (target, ".part", NULL);
  g_autofree char *control = g_strconcat (target, ".part.meow", NULL);
  g_autoptr (GError) error = NULL;
  Watch *w;

  throttle_server (fx, 64 * 1024);
  w = start_named (fx, "cancel.bin", payload);
  WAIT_UNTIL (watch_has_progress (w));

  g_assert_true (meow_client_cancel (fx->client, w->id, &error));
  g_assert_no_error (error);
  /* the id is gone at once */
  g_assert_false (meow_client_cancel (fx->client, w->id, &error));
  assert_error_code (error, MEOW_ERROR_TASK_NOT_FOUND);
  g_clear_error (&error);

  WAIT_UNTIL (watch_done (w));
  g_assert_cmpint (watch_last_status (w), ==, MEOW_STATUS_CANCELED);
  assert_records_sane (w, g_bytes_get_size (payload));
  assert_sequence (w, "Pending,Transmission,Canceled");
  g_assert_cmpuint (w->complete_calls, ==, 0);
  assert_no_file (target);
  assert_no_file (part);
  assert_no_file (control);
  WAIT_UNTIL (w->destroy_calls == 1);

  g_assert_false (meow_client_cancel (fx->client, w->id, &error));
  assert_error_code (error, MEOW_ERROR_TASK_NOT_FOUND);
}

static void
test_cancel_paused (Fixture *fx, gconstpointer data)
{
  g_autoptr (GBytes) payload = meow_test_make_payload (256 * 1024, 35);
  g_autofree char *target = fx_path (fx, "cp.bin");
  g_autofree char *part = g_strconcat (target, ".part", NULL);
  g_autofree char *control = g_strconcat (target, ".part.meow", NULL);
  g_autoptr (GError) error = NULL;
  Watch *w;

  throttle_server (fx, 64 * 1024);
  w = start_named (fx, "cp.bin", payload);
  WAIT_UNTIL (watch_has_progress (w));
  g_assert_true (meow_client_pause (fx->client, w->id, &error));
  WAIT_UNTIL (watch_last_status (w) == MEOW_STATUS_PAUSED);
  g_assert_true (g_file_test (part, G_FILE_TEST_EXISTS));

  g_assert_true (meow_client_cancel (fx->client, w->id, &error));
  g_assert_no_error (error);
  WAIT_UNTIL (watch_done (w));
  g_assert_cmpint (watch_last_status (w), ==, MEOW_STATUS_CANCELED);
  assert_sequence (w, "Pending,Transmission,Paused,Canceled");
  assert_no_file (target);
  assert_no_file (part);
  assert_no_file (control);
}

static void
test_finished_task_not_found (Fixture *fx, gconstpointer data)
{
  g_autoptr (GBytes) payload = meow_test_make_payload (5000, 36);
  g_autofree char *target = fx_path (fx, "done.bin");
  g_autoptr (GError) error = NULL;
  g_autoptr (MeowTransferRecord) latest = NULL;
  Watch *w;

  w = start_named (fx, "done.bin", payload);
  WAIT_UNTIL (watch_done (w));
  assert_completed (w, target, payload);

  g_assert_false (meow_client_pause (fx->client, w->id, &error));
  assert_error_code (error, MEOW_ERROR_TASK_NOT_FOUND);
  g_clear_error (&error);
  g_assert_false (meow_client_resume (fx->client, w->id, &error));
  assert_error_code (error, MEOW_ERROR_TASK_NOT_FOUND);
  g_clear_error (&error);
  g_assert_false (meow_client_cancel (fx->client, w->id, &error));
  assert_error_code (error, MEOW_ERROR_TASK_NOT_FOUND);
  g_clear_error (&error);

  /* the per-task lookup keeps the terminal record */
  latest = meow_client_dup_record (fx->client, w->id);
  g_assert_nonnull (latest);
  g_assert_cmpint (meow_transfer_record_get_status (latest), ==, MEOW_STATUS_COMPLETE);
  g_assert_null (meow_client_dup_record (fx->client, "no-such-task"));

  /* the file is still the download's, untouched by the calls above */
  assert_file_equals (target, payload);
}

/* ------------------------------------------------------------------ */
/* Close                                                               */

static void
noop_record_cb (MeowClient *client, const MeowTransferRecord *record, gpointer user_data)
{
}

static void
test_close_pauses_everything (Fixture *fx, gconstpointer data)
{
  g_autoptr (GBytes) p1 = meow_test_make_payload (256 * 1024, 37);
  g_autoptr (GBytes) p2 = meow_test_make_payload (256 * 1024, 38);
  g_autoptr (GBytes) p3 = meow_test_make_payload (256 * 1024, 39);
  g_autofree char *part1 = fx_path (fx, "c1.bin.part");
  g_autofree char *part2 = fx_path (fx, "c2.bin.part");
  g_autofree char *late_target = fx_path (fx, "late.bin");
  g_autoptr (GError) error = NULL;
  g_autoptr (MeowTaskBuilder) b = NULL;
  g_autoptr (MeowTask) task = NULL;
  g_autofree char *id = NULL;
  Watch           *w1, *w2, *w3;
  guint            n1, n2, n3;

  meow_config_set_max_downloads (fx->config, 2);
  throttle_server (fx, 32 * 1024);
  w1 = start_named (fx, "c1.bin", p1);
  w2 = start_named (fx, "c2.bin", p2);
  w3 = start_named (fx, "c3.bin", p3); /* stays queued */
  WAIT_UNTIL (watch_has_progress (w1) && watch_has_progress (w2) &&
              watch_has_status (w3, MEOW_STATUS_PENDING));

  g_assert_true (meow_client_close (fx->client, &error));
  g_assert_no_error (error);

  /* without spinning: close delivered everything already */
  g_assert_cmpint (watch_last_status (w1), ==, MEOW_STATUS_PAUSED);
  g_assert_cmpint (watch_last_status (w2), ==, MEOW_STATUS_PAUSED);
  g_assert_cmpint (watch_last_status (w3), ==, MEOW_STATUS_PAUSED);
  g_assert_true (meow_client_is_closed (fx->client));
  /* partial bytes are kept for a later session */
  g_assert_true (g_file_test (part1, G_FILE_TEST_EXISTS));
  g_assert_true (g_file_test (part2, G_FILE_TEST_EXISTS));

  /* nothing arrives later either */
  n1 = w1->records->len;
  n2 = w2->records->len;
  n3 = w3->records->len;
  spin_ms (300);
  g_assert_cmpuint (w1->records->len, ==, n1);
  g_assert_cmpuint (w2->records->len, ==, n2);
  g_assert_cmpuint (w3->records->len, ==, n3);

  /* every later call is refused */
  b = builder_to_file (fx, "/c1.bin", late_target);
  task = meow_task_builder_build (b, &error);
  g_assert_no_error (error);
  id = meow_client_enqueue (fx->client, task, NULL, NULL, NULL, NULL, &error);
  g_assert_null (id);
  assert_error_code (error, MEOW_ERROR_CLIENT_CLOSED);
  g_clear_error (&error);

  g_assert_false (meow_client_pause (fx->client, w1->id, &error));
  assert_error_code (error, MEOW_ERROR_CLIENT_CLOSED);
  g_clear_error (&error);
  g_assert_false (meow_client_resume (fx->client, w1->id, &error));
  assert_error_code (error, MEOW_ERROR_CLIENT_CLOSED);
  g_clear_error (&error);
  g_assert_false (meow_client_cancel (fx->client, w1->id, &error));
  assert_error_code (error, MEOW_ERROR_CLIENT_CLOSED);
  g_clear_error (&error);
  g_assert_null (meow_client_snapshot (fx->client, &error));
  assert_error_code (error, MEOW_ERROR_CLIENT_CLOSED);
  g_clear_error (&error);
  g_assert_cmpuint (meow_client_add_listener (fx->client, noop_record_cb, NULL, NULL, &error), ==,
                    0);
  assert_error_code (error, MEOW_ERROR_CLIENT_CLOSED);
  g_clear_error (&error);
  g_assert_false (meow_client_remove_listener (fx->client, 1, &error));
  assert_error_code (error, MEOW_ERROR_CLIENT_CLOSED);
  g_clear_error (&error);
  g_assert_false (meow_client_clear_listeners (fx->client, &error));
  assert_error_code (error, MEOW_ERROR_CLIENT_CLOSED);
  g_clear_error (&error);
  g_assert_false (meow_client_close (fx->client, &error));
  assert_error_code (error, MEOW_ERROR_CLIENT_CLOSED);
  g_assert_true (meow_client_is_closed (fx->client));

  g_assert_cmpuint (w1->complete_calls + w2->complete_calls + w3->complete_calls, ==, 0);
}

static void
close_from_callback (MeowClient *client, const MeowTransferRecord *record, gpointer user_data)
{
  gboolean *closed = user_data;

  if (*closed || meow_transfer_record_get_status (record) != MEOW_STATUS_TRANSMISSION ||
      meow_transfer_record_get_transferred (record) == 0)
    return;
  *closed = TRUE;
  g_assert_true (meow_client_close (client, NULL));
}

static void
test_close_from_callback (Fixture *fx, gconstpointer data)
{
  g_autoptr (GBytes) payload = meow_test_make_payload (256 * 1024, 40);
  gboolean closed = FALSE;
  Watch   *w;

  throttle_server (fx, 64 * 1024);
  w = start_named (fx, "cfc.bin", payload);
  w->on_record = close_from_callback;
  w->on_record_data = &closed;
  WAIT_UNTIL (closed);

  g_assert_true (meow_client_is_closed (fx->client));
  g_assert_cmpint (watch_last_status (w), ==, MEOW_STATUS_PAUSED);
  spin_ms (200);
  g_assert_cmpint (watch_last_status (w), ==, MEOW_STATUS_PAUSED);
}

/* ------------------------------------------------------------------ */
/* Concurrency and back-pressure                                       */

typedef struct
{
  GHashTable *latest; /* id -> status */
  guint       max_transmitting;
  guint       max_snapshot_active;
  guint       records;
  GThread    *thread;
  gboolean    wrong_thread;
} Census;

static void
census_cb (MeowClient *client, const MeowTransferRecord *record, gpointer user_data)
{
  Census        *c = user_data;
  GHashTableIter iter;
  gpointer       value;
  guint          n = 0;
  g_autoptr (MeowSnapshot) snap = NULL;

  if (g_thread_self () != c->thread)
    c->wrong_thread = TRUE;
  c->records++;
  g_hash_table_replace (c->latest, g_strdup (meow_transfer_record_get_task_id (record)),
                        GINT_TO_POINTER (meow_transfer_record_get_status (record)));
  g_hash_table_iter_init (&iter, c->latest);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    if (GPOINTER_TO_INT (value) == MEOW_STATUS_TRANSMISSION)
      n++;
  c->max_transmitting = MAX (c->max_transmitting, n);

  snap = meow_client_snapshot (client, NULL);
  if (snap != NULL)
    c->max_snapshot_active = MAX (c->max_snapshot_active, snap->active);
}

static gboolean
all_done (Watch **ws, guint n)
{
  for (guint i = 0; i < n; i++)
    if (!watch_done (ws[i]))
      return FALSE;
  return TRUE;
}

static void
test_concurrency_limit (Fixture *fx, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  GBytes *payloads[7];
  Watch  *ws[7];
  Census  census = {
     0,
  };
  guint listener;

  census.latest = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  census.thread = g_thread_self ();
  meow_config_set_max_downloads (fx->config, 3);
  throttle_server (fx, 32 * 1024);
  listener = meow_client_add_listener (fx_client (fx), census_cb, &census, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (listener, >, 0);

  for (guint i = 0; i < G_N_ELEMENTS (ws); i++)
    {
      g_autofree char *name = g_strdup_printf ("cc%u.bin", i);

      payloads[i] = meow_test_make_payload (40 * 1024, 100 + i);
      ws[i] = start_named (fx, name, payloads[i]);
    }

  {
    /* WAIT_UNTIL returns from the test on timeout; free first */
    gboolean done;

    guard_start (40);
    while (!(done = all_done (ws, G_N_ELEMENTS (ws))) && !timed_out)
      g_main_context_iteration (NULL, TRUE);
    guard_stop ();
    if (!done)
      {
        g_test_fail_printf ("timed out waiting for 7 downloads");
        for (guint i = 0; i < G_N_ELEMENTS (ws); i++)
          g_bytes_unref (payloads[i]);
        g_hash_table_unref (census.latest);
        return;
      }
  }

  for (guint i = 0; i < G_N_ELEMENTS (ws); i++)
    {
      g_autofree char *name = g_strdup_printf ("cc%u.bin", i);
      g_autofree char *target = fx_path (fx, name);

      assert_completed (ws[i], target, payloads[i]);
      g_bytes_unref (payloads[i]);
    }
  g_test_message ("at most %u transmitting, snapshot active at most %u", census.max_transmitting,
                  census.max_snapshot_active);
  g_assert_false (census.wrong_thread);
  g_assert_cmpuint (census.max_transmitting, ==, 3);
  g_assert_cmpuint (census.max_snapshot_active, <=, 3);
  g_assert_true (meow_client_remove_listener (fx->client, listener, &error));
  g_assert_no_error (error);
  g_hash_table_unref (census.latest);
}

static void
test_backpressure (Fixture *fx, gconstpointer data)
{
  g_autoptr (GBytes) payload = meow_test_make_payload (4000, 41);
  g_autofree char *late_target = fx_path (fx, "bp-late.bin");
  g_autoptr (MeowTaskBuilder) late = NULL;
  Watch *first, *second;
  gint64 t0, elapsed;

  meow_config_set_command_queue_capacity (fx->config, 1);
  meow_test_server_set_file (fx->server, "/bp.bin", payload);
  _meow_client_set_worker_held (fx_client (fx), TRUE);

  t0 = g_get_monotonic_time ();
  for (guint i = 0; i < 32; i++)
    {
      g_autofree char *name = g_strdup_printf ("bp-%u.bin", i);
      g_autofree char *target = fx_path (fx, name);
      g_autoptr (MeowTaskBuilder) b = builder_to_file (fx, "/bp.bin", target);

      if (i == 0)
        first = start_download (fx, b);
      else
        enqueue_expect_error (fx, b, MEOW_ERROR_COMMAND_SEND_FAILED);
    }
  elapsed = g_get_monotonic_time () - t0;
  /* enqueue never blocks */
  g_assert_cmpint (elapsed, <, G_USEC_PER_SEC);

  _meow_client_set_worker_held (fx->client, FALSE);
  WAIT_UNTIL (watch_has_status (first, MEOW_STATUS_PENDING));

  late = builder_to_file (fx, "/bp.bin", late_target);
  second = start_download (fx, late);
  WAIT_UNTIL (watch_done (first) && watch_done (second));
  {
    g_autofree char *t0path = fx_path (fx, "bp-0.bin");

    assert_completed (first, t0path, payload);
  }
  assert_completed (second, late_target, payload);
  for (guint i = 1; i < 32; i++)
    {
      g_autofree char *name = g_strdup_printf ("bp-%u.bin", i);
      g_autofree char *target = fx_path (fx, name);

      assert_no_file (target);
    }
}

/* ------------------------------------------------------------------ */
/* Listeners                                                           */

typedef struct
{
  MeowClient *client;
  guint       id;
  GPtrArray  *records;
  gboolean    remove_self;
  guint       destroyed;
  GThread    *thread;
  gboolean    wrong_thread;
} Listener;

static void
listener_cb (MeowClient *client, const MeowTransferRecord *record, gpointer user_data)
{
  Listener *l = user_data;

  if (g_thread_self () != l->thread)
    l->wrong_thread = TRUE;
  g_assert_cmpuint (l->destroyed, ==, 0);
  g_ptr_array_add (l->records, meow_transfer_record_ref ((MeowTransferRecord *) record));
  if (l->remove_self)
    {
      g_autoptr (GError) error = NULL;

      l->remove_self = FALSE;
      g_assert_true (meow_client_remove_listener (client, l->id, &error));
      g_assert_no_error (error);
    }
}

static void
listener_destroy (gpointer user_data)
{
  Listener *l = user_data;

  l->destroyed++;
}

static void
listener_init (Listener *l, MeowClient *client, gboolean remove_self)
{
  g_autoptr (GError) error = NULL;

  l->client = client;
  l->records = g_ptr_array_new_with_free_func ((GDestroyNotify) meow_transfer_record_unref);
  l->remove_self = remove_self;
  l->thread = g_thread_self ();
  l->id = meow_client_add_listener (client, listener_cb, l, listener_destroy, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (l->id, >, 0);
}

static guint
count_for_task (GPtrArray *records, const char *id)
{
  guint n = 0;

  for (guint i = 0; i < records->len; i++)
    if (g_str_equal (meow_transfer_record_get_task_id (g_ptr_array_index (records, i)), id))
      n++;
  return n;
}

static void
test_listener_all_records (Fixture *fx, gconstpointer data)
{
  g_autoptr (GBytes) p1 = meow_test_make_payload (60000, 42);
  g_autoptr (GBytes) p2 = meow_test_make_payload (70000, 43);
  Listener l = {
    0,
  };
  Watch *w1, *w2;

  listener_init (&l, fx_client (fx), FALSE);
  w1 = start_named (fx, "l1.bin", p1);
  w2 = start_named (fx, "l2.bin", p2);
  WAIT_UNTIL (watch_done (w1) && watch_done (w2));

  g_assert_false (l.wrong_thread);
  g_assert_cmpint (watch_last_status (w1), ==, MEOW_STATUS_COMPLETE);
  g_assert_cmpint (watch_last_status (w2), ==, MEOW_STATUS_COMPLETE);
  g_assert_cmpuint (l.records->len, ==, w1->records->len + w2->records->len);
  g_assert_cmpuint (count_for_task (l.records, w1->id), ==, w1->records->len);
  g_assert_cmpuint (count_for_task (l.records, w2->id), ==, w2->records->len);

  /* the listener saw the same records, in the same order, per task */
  for (guint k = 0; k < 2; k++)
    {
      Watch *w = k ? w2 : w1;
      guint  j = 0;

      for (guint i = 0; i < l.records->len; i++)
        {
          const MeowTransferRecord *r = g_ptr_array_index (l.records, i);
          const MeowTransferRecord *mine;

          if (!g_str_equal (meow_transfer_record_get_task_id (r), w->id))
            continue;
          mine = g_ptr_array_index (w->records, j++);
          g_assert_cmpint (meow_transfer_record_get_status (r), ==,
                           meow_transfer_record_get_status (mine));
          g_assert_cmpuint (meow_transfer_record_get_transferred (r), ==,
                            meow_transfer_record_get_transferred (mine));
        }
    }

  g_assert_true (meow_client_clear_listeners (fx->client, NULL));
  g_assert_cmpuint (l.destroyed, ==, 1);
  g_ptr_array_unref (l.records);
}

static void
test_listener_remove_inside_callback (Fixture *fx, gconstpointer data)
{
  g_autoptr (GBytes) payload = meow_test_make_payload (60000, 44);
  Listener once = {
    0,
  };
  Listener all = {
    0,
  };
  Watch *w;

  listener_init (&once, fx_client (fx), TRUE);
  listener_init (&all, fx->client, FALSE);
  w = start_named (fx, "rm.bin", payload);
  WAIT_UNTIL (watch_done (w));

  g_assert_cmpint (watch_last_status (w), ==, MEOW_STATUS_COMPLETE);
  g_assert_cmpuint (once.records->len, ==, 1);
  g_assert_cmpuint (once.destroyed, ==, 1);
  g_assert_cmpuint (all.records->len, ==, w->records->len);
  g_assert_cmpuint (all.destroyed, ==, 0);
  g_assert_false (once.wrong_thread);
  g_assert_false (all.wrong_thread);

  /* removing it again is an error, not a crash */
  g_assert_false (meow_client_remove_listener (fx->client, once.id, NULL));

  g_assert_true (meow_client_remove_listener (fx->client, all.id, NULL));
  g_assert_cmpuint (all.destroyed, ==, 1);
  g_ptr_array_unref (once.records);
  g_ptr_array_unref (all.records);
}

static void
pause_then_cancel_cb (MeowClient *client, const MeowTransferRecord *record, gpointer user_data)
{
  Watch     *w = user_data;
  MeowStatus st = meow_transfer_record_get_status (record);
  g_autoptr (GError) error = NULL;

  if (st == MEOW_STATUS_TRANSMISSION && meow_transfer_record_get_transferred (record) > 0 &&
      !watch_has_status (w, MEOW_STATUS_PAUSED))
    {
      g_assert_true (meow_client_pause (client, w->id, &error));
      g_assert_no_error (error);
    }
  else if (st == MEOW_STATUS_PAUSED)
    {
      g_assert_true (meow_client_cancel (client, w->id, &error));
      g_assert_no_error (error);
    }
}

static void
test_callback_controls_own_task (Fixture *fx, gconstpointer data)
{
  g_autoptr (GBytes) payload = meow_test_make_payload (256 * 1024, 45);
  g_autofree char *target = fx_path (fx, "self.bin");
  g_autofree char *part = g_strconcat (target, ".part", NULL);
  Watch           *w;

  throttle_server (fx, 64 * 1024);
  w = start_named (fx, "self.bin", payload);
  w->on_record = pause_then_cancel_cb;
  w->on_record_data = w;
  WAIT_UNTIL (watch_done (w));

  g_assert_cmpint (watch_last_status (w), ==, MEOW_STATUS_CANCELED);
  assert_sequence (w, "Pending,Transmission,Paused,Canceled");
  assert_no_file (target);
  assert_no_file (part);
}

/* ------------------------------------------------------------------ */
/* Duplicates                                                          */

static void
test_duplicate_same_file (Fixture *fx, gconstpointer data)
{
  g_autoptr (GBytes) payload = meow_test_make_payload (128 * 1024, 46);
  g_autofree char *target = fx_path (fx, "dup.bin");
  g_autoptr (MeowTaskBuilder) again = NULL;
  Watch *w;

  throttle_server (fx, 256 * 1024);
  w = start_named (fx, "dup.bin", payload);
  again = builder_to_file (fx, "/dup.bin", target);
  enqueue_expect_error (fx, again, MEOW_ERROR_DUPLICATE_TASK);
  WAIT_UNTIL (watch_done (w));
  assert_completed (w, target, payload);
}

static void
test_duplicate_same_dir (Fixture *fx, gconstpointer data)
{
  g_autoptr (GBytes) payload = meow_test_make_payload (128 * 1024, 47);
  g_autofree char *url = NULL;
  g_autoptr (MeowTaskBuilder) b1 = NULL;
  g_autoptr (MeowTaskBuilder) b2 = NULL;
  Watch *w;

  throttle_server (fx, 256 * 1024);
  meow_test_server_set_file (fx->server, "/dd.bin", payload);
  url = meow_test_server_dup_url (fx->server, "/dd.bin");
  b1 = meow_task_builder_new_download (url);
  meow_task_builder_set_output_dir (b1, fx->dir);
  w = start_download (fx, b1);
  b2 = meow_task_builder_new_download (url);
  meow_task_builder_set_output_dir (b2, fx->dir);
  enqueue_expect_error (fx, b2, MEOW_ERROR_DUPLICATE_TASK);
  WAIT_UNTIL (watch_done (w));
  g_assert_cmpint (watch_last_status (w), ==, MEOW_STATUS_COMPLETE);
}

static void
test_duplicate_same_target (Fixture *fx, gconstpointer data)
{
  g_autoptr (GBytes) payload = meow_test_make_payload (128 * 1024, 48);
  g_autoptr (GBytes) other = meow_test_make_payload (1000, 49);
  g_autofree char *target = fx_path (fx, "one.bin");
  g_autoptr (MeowTaskBuilder) b = NULL;
  Watch *w;

  throttle_server (fx, 256 * 1024);
  meow_test_server_set_file (fx->server, "/one.bin", payload);
  meow_test_server_set_file (fx->server, "/two.bin", other);
  b = builder_to_file (fx, "/one.bin", target);
  w = start_download (fx, b);
  {
    g_autoptr (MeowTaskBuilder) b2 = builder_to_file (fx, "/two.bin", target);

    enqueue_expect_error (fx, b2, MEOW_ERROR_DUPLICATE_TASK);
  }
  WAIT_UNTIL (watch_done (w));
  assert_completed (w, target, payload);
}

/* ------------------------------------------------------------------ */
/* Snapshot                                                            */

static gboolean
keys_contain (GPtrArray *keys, const char *key)
{
  for (guint i = 0; i < keys->len; i++)
    if (g_str_equal (g_ptr_array_index (keys, i), key))
      return TRUE;
  return FALSE;
}

static void
test_snapshot_counts (Fixture *fx, gconstpointer data)
{
  g_autoptr (GBytes) payload = meow_test_make_payload (256 * 1024, 50);
  g_autoptr (GError) error = NULL;
  g_autoptr (MeowSnapshot) s1 = NULL;
  g_autoptr (MeowSnapshot) s2 = NULL;
  g_autoptr (MeowSnapshot) copy = NULL;
  g_autofree char *url1 = meow_test_server_dup_url (fx->server, "/s1.bin");
  g_autofree char *key1 = g_strconcat ("download:", url1, NULL);
  Watch           *w1, *w2, *w3;

  meow_config_set_max_downloads (fx->config, 1);
  throttle_server (fx, 32 * 1024);
  w1 = start_named (fx, "s1.bin", payload);
  w2 = start_named (fx, "s2.bin", payload);
  w3 = start_named (fx, "s3.bin", payload);
  WAIT_UNTIL (watch_has_progress (w1) && watch_has_status (w2, MEOW_STATUS_PENDING) &&
              watch_has_status (w3, MEOW_STATUS_PENDING));

  s1 = meow_client_snapshot (fx->client, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (s1->active, ==, 1);
  g_assert_cmpuint (s1->queued, ==, 2);
  g_assert_cmpuint (s1->paused, ==, 0);
  g_assert_cmpuint (s1->active_keys->len, ==, 1);
  g_assert_true (keys_contain (s1->active_keys, key1));

  copy = meow_snapshot_copy (s1);
  g_assert_cmpuint (copy->active, ==, 1);
  g_assert_cmpuint (copy->active_keys->len, ==, 1);

  g_assert_true (meow_client_pause (fx->client, w3->id, &error));
  g_assert_no_error (error);
  WAIT_UNTIL (watch_last_status (w3) == MEOW_STATUS_PAUSED);
  s2 = meow_client_snapshot (fx->client, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (s2->active, ==, 1);
  g_assert_cmpuint (s2->queued, ==, 1);
  g_assert_cmpuint (s2->paused, ==, 1);
  /* a task paused while queued never transmitted */
  assert_sequence (w3, "Pending,Paused");
}

/* ------------------------------------------------------------------ */

#define ADD(path, fn) g_test_add (path, Fixture, NULL, fixture_setup, fn, fixture_teardown)

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  ADD ("/core/client/config/zero-queue-capacity", test_config_zero_queue);
  ADD ("/core/client/config/zero-max-downloads", test_config_zero_downloads);
  ADD ("/core/client/thread/owner-context", test_thread_owner_context);

  ADD ("/core/client/pause-resume/byte-identical", test_pause_resume);
  ADD ("/core/client/pause-resume/invalid-state", test_pause_resume_invalid_state);
  ADD ("/core/client/cancel/running", test_cancel_running);
  ADD ("/core/client/cancel/paused", test_cancel_paused);
  ADD ("/core/client/finished/not-found", test_finished_task_not_found);

  ADD ("/core/client/close/pauses-everything", test_close_pauses_everything);
  ADD ("/core/client/close/from-callback", test_close_from_callback);

  ADD ("/core/client/concurrency/max-downloads", test_concurrency_limit);
  ADD ("/core/client/backpressure/command-queue-full", test_backpressure);

  ADD ("/core/client/listeners/all-records", test_listener_all_records);
  ADD ("/core/client/listeners/remove-inside-callback", test_listener_remove_inside_callback);
  ADD ("/core/client/listeners/callback-controls-own-task", test_callback_controls_own_task);

  ADD ("/core/client/duplicates/same-url-same-file", test_duplicate_same_file);
  ADD ("/core/client/duplicates/same-url-same-dir", test_duplicate_same_dir);
  ADD ("/core/client/duplicates/same-target", test_duplicate_same_target);

  ADD ("/core/client/snapshot/counts", test_snapshot_counts);

  return g_test_run ();
}
