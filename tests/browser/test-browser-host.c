/* test-browser-host.c: meow-browser-host driven through its stdin, as a browser does
 *
 * Each test starts the real host (G_TEST_BUILDDIR/../browser/meow-browser-host, or
 * MEOW_BROWSER_HOST) on a private session bus (GTestDBus) where this process plays the
 * app: it owns io.github.meow_transfer.Meow and answers the Browser interface's Download
 * and ListTransfers, recording every call. The test writes framed messages in the pieces
 * it wants and reads the framed replies; a refusal must reach the fake app never.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <json-glib/json-glib.h>
#include <string.h>

#include "meow-browser-protocol.h"

#define WAIT_S 30
#define COOKIE "session=s3cr3t-c00kie"

static GTestDBus       *bus;
static GDBusConnection *connection;

typedef struct
{
  /* the fake app */
  guint       owner_id;
  guint       object_id;
  gboolean    owned;
  GPtrArray  *calls;  /* GVariant: each Download's a{sv} */
  guint       lists;  /* ListTransfers calls */
  const char *refuse; /* Download answers with this error when set */

  /* the host */
  GSubprocess       *host;
  GOutputStream     *in;
  GInputStream      *out;
  MeowBrowserFramer *replies;
  gboolean           reading;
  gboolean           eof;
  gboolean           finished;
  GString           *stderr_text;
} Fixture;

/* ------------------------------------------------------------------ */
/* The fake app                                                        */

static void
method_call_cb (GDBusConnection       *conn,
                const char            *sender,
                const char            *path,
                const char            *interface,
                const char            *method,
                GVariant              *parameters,
                GDBusMethodInvocation *invocation,
                gpointer               user_data)
{
  Fixture *fx = user_data;

  if (g_str_equal (method, "Download"))
    {
      g_ptr_array_add (fx->calls, g_variant_get_child_value (parameters, 0));
      if (fx->refuse != NULL)
        g_dbus_method_invocation_return_error_literal (invocation, G_IO_ERROR, G_IO_ERROR_EXISTS,
                                                       fx->refuse);
      else
        g_dbus_method_invocation_return_value (invocation, g_variant_new ("(s)", "TASK-1"));
      return;
    }

  fx->lists++;
  g_dbus_method_invocation_return_value (
      invocation, g_variant_new_parsed ("([{'id': <'TASK-1'>, 'name': <'big.iso'>, "
                                        "'status': <'running'>, 'progress': <0.25>, "
                                        "'speed': <2048.0>, 'transferred': <uint64 256>, "
                                        "'total': <int64 1024>}],)"));
}

static const GDBusInterfaceVTable vtable = { method_call_cb, NULL, NULL, { 0 } };

static void
name_acquired_cb (GDBusConnection *conn, const char *name, gpointer user_data)
{
  Fixture *fx = user_data;
  fx->owned = TRUE;
}

static void
wait_for (gboolean *flag)
{
  gint64 deadline = g_get_monotonic_time () + WAIT_S * G_USEC_PER_SEC;

  while (!*flag)
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_main_context_iteration (NULL, TRUE);
    }
}

static gboolean
timeout_cb (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

static void
spin_ms (guint ms)
{
  gboolean done = FALSE;

  g_timeout_add (ms, timeout_cb, &done);
  while (!done)
    g_main_context_iteration (NULL, TRUE);
}

static void
app_up (Fixture *fx)
{
  g_autoptr (GError) error = NULL;

  fx->object_id =
      g_dbus_connection_register_object (connection, MEOW_BROWSER_DBUS_PATH,
                                         meow_browser_interface_info (), &vtable, fx, NULL, &error);
  g_assert_no_error (error);
  fx->owner_id =
      g_bus_own_name_on_connection (connection, MEOW_BROWSER_DBUS_NAME, G_BUS_NAME_OWNER_FLAGS_NONE,
                                    name_acquired_cb, NULL, fx, NULL);
  wait_for (&fx->owned);
}

static gboolean
name_has_owner (void)
{
  g_autoptr (GVariant) reply = g_dbus_connection_call_sync (
      connection, "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
      "NameHasOwner", g_variant_new ("(s)", MEOW_BROWSER_DBUS_NAME), G_VARIANT_TYPE ("(b)"),
      G_DBUS_CALL_FLAGS_NONE, -1, NULL, NULL);
  gboolean has = FALSE;

  g_assert_nonnull (reply);
  g_variant_get (reply, "(b)", &has);
  return has;
}

static void
app_down (Fixture *fx)
{
  gint64 deadline = g_get_monotonic_time () + WAIT_S * G_USEC_PER_SEC;

  if (fx->owner_id == 0)
    return;
  g_dbus_connection_unregister_object (connection, fx->object_id);
  g_bus_unown_name (fx->owner_id);
  fx->owner_id = 0;
  while (name_has_owner ())
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      spin_ms (10);
    }
}

/* ------------------------------------------------------------------ */
/* The host                                                            */

static char *
host_path (void)
{
  const char *env = g_getenv ("MEOW_BROWSER_HOST");

  if (env != NULL)
    return g_strdup (env);
  /* G_TEST_BUILDDIR is the build tree's tests/ (tests/meson.build). */
  return g_test_build_filename (G_TEST_BUILT, "..", "browser", "meow-browser-host", NULL);
}

/* Starts the host with @args after its path (what a browser gives it). */
static void
host_start_with (Fixture *fx, const char *const *args)
{
  g_autoptr (GSubprocessLauncher) launcher =
      g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                 G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_autoptr (GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GError) error = NULL;

  g_ptr_array_add (argv, host_path ());
  for (guint i = 0; args != NULL && args[i] != NULL; i++)
    g_ptr_array_add (argv, g_strdup (args[i]));
  g_ptr_array_add (argv, NULL);

  /* Everything GLib could log, to show that none of it reaches stdout or names a cookie. */
  g_subprocess_launcher_setenv (launcher, "G_MESSAGES_DEBUG", "all", TRUE);
  fx->host = g_subprocess_launcher_spawnv (launcher, (const char *const *) argv->pdata, &error);
  g_assert_no_error (error);
  fx->in = g_subprocess_get_stdin_pipe (fx->host);
  fx->out = g_subprocess_get_stdout_pipe (fx->host);
  fx->replies = meow_browser_framer_new ();
}

static void
host_start (Fixture *fx)
{
  const char *chromium[] = { "chrome-extension://" MEOW_CHROMIUM_ID "/", "--parent-window=0",
                             NULL };
  host_start_with (fx, chromium);
}

static void
host_write (Fixture *fx, const void *data, gsize size)
{
  g_autoptr (GError) error = NULL;

  g_output_stream_write_all (fx->in, data, size, NULL, NULL, &error);
  g_assert_no_error (error);
  g_output_stream_flush (fx->in, NULL, &error);
  g_assert_no_error (error);
}

static void
host_send (Fixture *fx, const char *json)
{
  g_autoptr (GBytes) frame = meow_browser_frame (json);

  host_write (fx, g_bytes_get_data (frame, NULL), g_bytes_get_size (frame));
}

static void
read_done_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Fixture *fx = user_data;
  g_autoptr (GBytes) bytes =
      g_input_stream_read_bytes_finish (G_INPUT_STREAM (source), result, NULL);

  fx->reading = FALSE;
  if (bytes == NULL || g_bytes_get_size (bytes) == 0)
    fx->eof = TRUE;
  else
    meow_browser_framer_push (fx->replies, g_bytes_get_data (bytes, NULL),
                              g_bytes_get_size (bytes));
}

/* The next reply, or NULL when the host closed stdout first. The fake app answers calls
 * meanwhile. */
static char *
host_reply (Fixture *fx)
{
  gint64 deadline = g_get_monotonic_time () + WAIT_S * G_USEC_PER_SEC;

  for (;;)
    {
      g_autoptr (GBytes) message = NULL;

      if (meow_browser_framer_next (fx->replies, &message, NULL) == MEOW_BROWSER_FRAME_MESSAGE)
        return g_strndup (g_bytes_get_data (message, NULL), g_bytes_get_size (message));
      if (fx->eof)
        return NULL;
      if (!fx->reading)
        {
          fx->reading = TRUE;
          g_input_stream_read_bytes_async (fx->out, 65536, G_PRIORITY_DEFAULT, NULL, read_done_cb,
                                           fx);
        }
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_main_context_iteration (NULL, TRUE);
    }
}

static void
wait_done_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_subprocess_wait_finish (G_SUBPROCESS (source), result, NULL);
  *(gboolean *) user_data = TRUE;
}

/* Closes stdin (unless @close_stdin is FALSE), waits for the host to end and returns its
 * exit status. */
static int
host_finish (Fixture *fx, gboolean close_stdin)
{
  g_autoptr (GBytes) err = NULL;
  gboolean done = FALSE;

  if (close_stdin)
    g_output_stream_close (fx->in, NULL, NULL);
  g_subprocess_wait_async (fx->host, NULL, wait_done_cb, &done);
  wait_for (&done);
  err = g_input_stream_read_bytes (g_subprocess_get_stderr_pipe (fx->host), 1 << 20, NULL, NULL);
  g_string_append_len (fx->stderr_text, g_bytes_get_data (err, NULL), g_bytes_get_size (err));
  fx->finished = TRUE;
  g_assert_true (g_subprocess_get_if_exited (fx->host));
  return g_subprocess_get_exit_status (fx->host);
}

/* ------------------------------------------------------------------ */
/* Replies                                                             */

static JsonObject *
parse_json (const char *json, JsonNode **keep)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) error = NULL;

  g_assert_nonnull (json);
  g_test_message ("reply %s", json);
  json_parser_load_from_data (parser, json, -1, &error);
  g_assert_no_error (error);
  *keep = json_node_ref (json_parser_get_root (parser));
  g_assert_true (JSON_NODE_HOLDS_OBJECT (*keep));
  return json_node_get_object (*keep);
}

/* Reads a reply and checks that it is a refusal saying @contains. */
static void
assert_refused (Fixture *fx, const char *contains)
{
  g_autofree char *json = host_reply (fx);
  g_autoptr (JsonNode) node = NULL;
  JsonObject *reply = parse_json (json, &node);

  g_assert_false (json_object_get_boolean_member (reply, "ok"));
  g_assert_nonnull (strstr (json_object_get_string_member (reply, "error"), contains));
}

/* ------------------------------------------------------------------ */
/* Fixture                                                             */

static void
fixture_setup (Fixture *fx, gconstpointer data)
{
  fx->calls = g_ptr_array_new_with_free_func ((GDestroyNotify) g_variant_unref);
  fx->stderr_text = g_string_new (NULL);
  if (data == NULL)
    app_up (fx);
}

static void
fixture_teardown (Fixture *fx, gconstpointer data)
{
  if (fx->host != NULL && !fx->finished)
    {
      g_subprocess_force_exit (fx->host);
      host_finish (fx, FALSE);
    }
  /* Whatever the host said on stderr, it never named a cookie. */
  g_assert_null (strstr (fx->stderr_text->str, COOKIE));
  g_string_free (fx->stderr_text, TRUE);
  g_clear_object (&fx->host);
  g_clear_pointer (&fx->replies, meow_browser_framer_free);
  app_down (fx);
  g_ptr_array_unref (fx->calls);
}

#define NO_APP ((gconstpointer) 1)

/* ------------------------------------------------------------------ */
/* Tests                                                               */

static void
test_hello (Fixture *fx, gconstpointer data)
{
  g_autofree char *json = NULL;
  g_autoptr (JsonNode) node = NULL;
  JsonObject *reply;

  host_start (fx);
  host_send (fx, "{\"type\":\"hello\"}");
  json = host_reply (fx);
  reply = parse_json (json, &node);
  g_assert_true (json_object_get_boolean_member (reply, "ok"));
  g_assert_cmpint (json_object_get_int_member (reply, "protocol"), ==, 1);
  g_assert_cmpstr (json_object_get_string_member (reply, "version"), ==, PACKAGE_VERSION);
  g_assert_cmpint (host_finish (fx, TRUE), ==, 0);
  g_assert_cmpuint (fx->calls->len, ==, 0);
}

static void
test_download (Fixture *fx, gconstpointer data)
{
  /* Firefox's arguments: the manifest's path and the extension's id. */
  const char *firefox[] = { "/usr/lib/mozilla/native-messaging-hosts/x.json", MEOW_GECKO_ID, NULL };
  g_autofree char *json = NULL;
  g_autoptr (JsonNode) node = NULL;
  g_autoptr (GVariant) headers = NULL;
  JsonObject *reply;
  GVariant   *call;
  const char *value;

  host_start_with (fx, firefox);
  host_send (fx, "{\"type\":\"download\",\"url\":\"https://example.org/big.iso\","
                 "\"referrer\":\"https://example.org/page\",\"cookies\":\"" COOKIE "\","
                 "\"userAgent\":\"Mozilla/5.0 Test\",\"filename\":\"big.iso\","
                 "\"headers\":{\"X-Extra\":\"1\"}}");
  json = host_reply (fx);
  reply = parse_json (json, &node);
  g_assert_true (json_object_get_boolean_member (reply, "ok"));
  g_assert_cmpstr (json_object_get_string_member (reply, "id"), ==, "TASK-1");

  /* The app got exactly what the extension sent. */
  g_assert_cmpuint (fx->calls->len, ==, 1);
  call = g_ptr_array_index (fx->calls, 0);
  g_assert_true (g_variant_lookup (call, "url", "&s", &value));
  g_assert_cmpstr (value, ==, "https://example.org/big.iso");
  g_assert_true (g_variant_lookup (call, "referrer", "&s", &value));
  g_assert_cmpstr (value, ==, "https://example.org/page");
  g_assert_true (g_variant_lookup (call, "cookies", "&s", &value));
  g_assert_cmpstr (value, ==, COOKIE);
  g_assert_true (g_variant_lookup (call, "userAgent", "&s", &value));
  g_assert_cmpstr (value, ==, "Mozilla/5.0 Test");
  g_assert_true (g_variant_lookup (call, "filename", "&s", &value));
  g_assert_cmpstr (value, ==, "big.iso");
  headers = g_variant_lookup_value (call, "headers", G_VARIANT_TYPE ("a{ss}"));
  g_assert_true (g_variant_lookup (headers, "X-Extra", "&s", &value));
  g_assert_cmpstr (value, ==, "1");
  g_assert_cmpuint (g_variant_n_children (call), ==, 6);
  g_assert_cmpint (host_finish (fx, TRUE), ==, 0);
}

static void
test_refusals (Fixture *fx, gconstpointer data)
{
  const struct
  {
    const char *json;
    const char *contains;
  } rows[] = {
    { "{\"type\":\"download\",\"url\":\"ftp://example.org/a\"}", "not “ftp” links" },
    { "{\"type\":\"download\",\"url\":\"file:///etc/shadow\"}", "not “file” links" },
    { "{\"type\":\"download\",\"url\":\"javascript:alert(1)\"}", "not “javascript” links" },
    { "{\"type\":\"download\",\"url\":\"http://h/\",\"cookies\":\"a=1\\r\\nX-Evil: 1\"}",
      "“cookies” contains a line break" },
    { "{\"type\":\"download\",\"url\":\"http://h/\",\"cookies\":\"a=1\\nb\"}",
      "“cookies” contains a line break" },
    { "{\"type\":\"download\",\"url\":\"http://h/\",\"referrer\":\"http://a/\\r\"}",
      "“referrer” contains a line break" },
    { "{\"type\":\"download\",\"url\":\"http://h/\",\"userAgent\":\"UA\\r\\n\"}",
      "“userAgent” contains a line break" },
    { "{\"type\":\"download\",\"url\":\"http://h/\",\"headers\":{\"X-A\":\"1\\r\\nX-B: 2\"}}",
      "“X-A” contains a line break" },
    { "{\"type\":\"download\",\"url\":\"http://h/\",\"headers\":{\"X-A\\nX-B\":\"1\"}}",
      "is not valid" },
    { "{\"type\":\"download\",\"url\":\"http://h/\",\"cookies\":\"a=1\\u0000b\"}", "NUL" },
    { "{\"type\":\"download\",\"url\":\"http://h/\",\"headers\":{\"X-A\":\"\\u0000\"}}", "NUL" },
    { "{\"type\":\"upload\",\"url\":\"http://h/\"}", "“upload” is unknown" },
    { "{\"url\":\"http://h/\"}", "no “type”" },
    { "{\"type\":\"download\",\"url\":7}", "“url” must be a string" },
    { "{\"type\":\"download\",\"url\":\"http://h/\",\"cookies\":[\"a\"]}",
      "“cookies” must be a string" },
    { "{\"type\":\"download\",\"url\":\"http://h/\",\"headers\":[]}", "must be an object" },
    { "{\"type\":\"download\",\"url\":\"http://h/\",\"headers\":{\"X-A\":false}}",
      "must have a string value" },
    { "{\"type\":\"download\",\"url\":\"http://h/\"", "not valid JSON" },
    { "{\"type\":\"download\",\"url\":\"http://h/\"}{\"type\":\"hello\"}", "goes on after" },
    { "[\"download\"]", "not a JSON object" },
    { "", "empty" },
  };

  host_start (fx);
  for (guint i = 0; i < G_N_ELEMENTS (rows); i++)
    {
      g_test_message ("sending %s", rows[i].json);
      host_send (fx, rows[i].json);
      assert_refused (fx, rows[i].contains);
    }
  /* Still answering after all that, and nothing reached the app. */
  host_send (fx, "{\"type\":\"hello\"}");
  g_free (host_reply (fx));
  g_assert_cmpint (host_finish (fx, TRUE), ==, 0);
  g_assert_cmpuint (fx->calls->len, ==, 0);
}

static void
test_too_large (Fixture *fx, gconstpointer data)
{
  guint32          length = MEOW_BROWSER_MAX_MESSAGE + 1;
  g_autofree char *frame = g_strnfill (sizeof length + 1000, ' ');

  /* One write: the host refuses on the length alone and exits, so a second
   * write of the body could meet a closed pipe (EPIPE), as it did once on a
   * loaded machine. */
  memcpy (frame, &length, sizeof length);
  host_start (fx);
  host_write (fx, frame, sizeof length + 1000);
  assert_refused (fx, "at most 1048576 bytes");
  /* Then it exits: the rest of the stream cannot be framed. */
  g_assert_null (host_reply (fx));
  g_assert_cmpint (host_finish (fx, FALSE), ==, 1);
  g_assert_cmpuint (fx->calls->len, ==, 0);
}

static void
test_largest (Fixture *fx, gconstpointer data)
{
  /* A message of exactly 1 MiB is read and answered. */
  const char *head = "{\"type\":\"hello\",\"padding\":\"";
  g_autoptr (GString) json = g_string_new (head);
  g_autofree char *reply = NULL;

  while (json->len < MEOW_BROWSER_MAX_MESSAGE - 2)
    g_string_append_c (json, 'x');
  g_string_append (json, "\"}");
  g_assert_cmpuint (json->len, ==, MEOW_BROWSER_MAX_MESSAGE);

  host_start (fx);
  host_send (fx, json->str);
  reply = host_reply (fx);
  g_assert_nonnull (strstr (reply, "\"protocol\":1"));
  g_assert_cmpint (host_finish (fx, TRUE), ==, 0);
}

static void
test_split_writes (Fixture *fx, gconstpointer data)
{
  g_autoptr (GBytes) frame = meow_browser_frame ("{\"type\":\"hello\"}");
  gsize            size;
  const guint8    *bytes = g_bytes_get_data (frame, &size);
  g_autofree char *reply = NULL;

  /* One byte at a time, with pauses: the host waits for the rest. */
  host_start (fx);
  for (gsize i = 0; i < size; i++)
    {
      host_write (fx, bytes + i, 1);
      spin_ms (5);
    }
  reply = host_reply (fx);
  g_assert_nonnull (strstr (reply, "\"protocol\":1"));
  g_assert_cmpint (host_finish (fx, TRUE), ==, 0);
}

static void
test_one_write (Fixture *fx, gconstpointer data)
{
  g_autoptr (GByteArray) all = g_byte_array_new ();
  const char      *messages[] = { "{\"type\":\"hello\"}", "",
                                  "{\"type\":\"download\",\"url\":\"http://h/a\"}" };
  g_autofree char *first = NULL;
  g_autofree char *third = NULL;

  /* Three messages in one write, the second of length 0: three replies, in order. */
  for (guint i = 0; i < G_N_ELEMENTS (messages); i++)
    {
      g_autoptr (GBytes) frame = meow_browser_frame (messages[i]);
      g_byte_array_append (all, g_bytes_get_data (frame, NULL), (guint) g_bytes_get_size (frame));
    }
  host_start (fx);
  host_write (fx, all->data, all->len);
  first = host_reply (fx);
  g_assert_nonnull (strstr (first, "\"protocol\":1"));
  assert_refused (fx, "empty");
  third = host_reply (fx);
  g_assert_cmpstr (third, ==, "{\"ok\":true,\"id\":\"TASK-1\"}");
  g_assert_cmpint (host_finish (fx, TRUE), ==, 0);
  g_assert_cmpuint (fx->calls->len, ==, 1);
}

static void
test_eof (Fixture *fx, gconstpointer data)
{
  const struct
  {
    const char *what;
    gsize       bytes; /* of a framed {"type":"download",…} */
  } cuts[] = {
    { "nothing", 0 },
    { "half of the length", 2 },
    { "the length only", 4 },
    { "half of the message", 20 },
  };
  g_autoptr (GBytes) frame = meow_browser_frame ("{\"type\":\"download\",\"url\":\"http://h/a\"}");

  for (guint i = 0; i < G_N_ELEMENTS (cuts); i++)
    {
      g_test_message ("end of input after %s", cuts[i].what);
      host_start (fx);
      if (cuts[i].bytes > 0)
        host_write (fx, g_bytes_get_data (frame, NULL), cuts[i].bytes);
      g_assert_cmpint (host_finish (fx, TRUE), ==, 0);
      g_assert_null (host_reply (fx));
      g_clear_object (&fx->host);
      g_clear_pointer (&fx->replies, meow_browser_framer_free);
      fx->eof = fx->finished = FALSE;
    }
  g_assert_cmpuint (fx->calls->len, ==, 0);
}

static void
test_app_refuses (Fixture *fx, gconstpointer data)
{
  fx->refuse = "“a.iso” is already in the list.";
  host_start (fx);
  host_send (fx, "{\"type\":\"download\",\"url\":\"http://h/a.iso\"}");
  /* The app's own sentence, without D-Bus's error name. */
  {
    g_autofree char *json = host_reply (fx);
    g_assert_cmpstr (json, ==, "{\"ok\":false,\"error\":\"“a.iso” is already in the list.\"}");
  }
  g_assert_cmpint (host_finish (fx, TRUE), ==, 0);
  g_assert_cmpuint (fx->calls->len, ==, 1);
}

static void
test_list (Fixture *fx, gconstpointer data)
{
  g_autofree char *json = NULL;
  g_autoptr (JsonNode) node = NULL;
  JsonObject *reply;
  JsonObject *transfer;

  host_start (fx);
  host_send (fx, "{\"type\":\"list\"}");
  json = host_reply (fx);
  reply = parse_json (json, &node);
  g_assert_true (json_object_get_boolean_member (reply, "ok"));
  g_assert_true (json_object_get_boolean_member (reply, "running"));
  transfer = json_array_get_object_element (json_object_get_array_member (reply, "transfers"), 0);
  g_assert_cmpstr (json_object_get_string_member (transfer, "name"), ==, "big.iso");
  g_assert_cmpfloat (json_object_get_double_member (transfer, "progress"), ==, 0.25);
  g_assert_cmpint (json_object_get_int_member (transfer, "transferred"), ==, 256);
  g_assert_cmpint (fx->lists, ==, 1);
  g_assert_cmpint (host_finish (fx, TRUE), ==, 0);
}

static void
test_no_app (Fixture *fx, gconstpointer data)
{
  g_autofree char *json = NULL;

  /* Nothing owns the name and no service file can start it. */
  g_assert_false (name_has_owner ());
  host_start (fx);
  host_send (fx, "{\"type\":\"download\",\"url\":\"http://h/a.iso\",\"cookies\":\"" COOKIE "\"}");
  assert_refused (fx, "Meow is not running and could not be started.");
  /* The popup's list does not start Meow; it says Meow is not running. */
  host_send (fx, "{\"type\":\"list\"}");
  json = host_reply (fx);
  g_assert_cmpstr (json, ==, "{\"ok\":true,\"running\":false,\"transfers\":[]}");
  g_assert_cmpint (host_finish (fx, TRUE), ==, 0);
}

int
main (int argc, char *argv[])
{
  int status;

  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  bus = g_test_dbus_new (G_TEST_DBUS_NONE);
  g_test_dbus_up (bus);
  connection = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, NULL);
  g_assert_nonnull (connection);

#define ADD(path, fn, data) g_test_add (path, Fixture, data, fixture_setup, fn, fixture_teardown)
  ADD ("/browser/host/hello", test_hello, NULL);
  ADD ("/browser/host/download", test_download, NULL);
  ADD ("/browser/host/refusals", test_refusals, NULL);
  ADD ("/browser/host/too-large", test_too_large, NULL);
  ADD ("/browser/host/largest", test_largest, NULL);
  ADD ("/browser/host/split-writes", test_split_writes, NULL);
  ADD ("/browser/host/one-write", test_one_write, NULL);
  ADD ("/browser/host/eof", test_eof, NULL);
  ADD ("/browser/host/app-refuses", test_app_refuses, NULL);
  ADD ("/browser/host/list", test_list, NULL);
  ADD ("/browser/host/no-app", test_no_app, NO_APP);
#undef ADD

  status = g_test_run ();

  g_clear_object (&connection);
  g_test_dbus_down (bus);
  g_clear_object (&bus);
  return status;
}
