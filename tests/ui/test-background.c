/* test-background.c: Meow without its window, the inhibit and When Done, under Xvfb
 *
 * The real MeowApplication and MeowWindow on tests/lib/with-xvfb.sh's session bus, with
 * python3-dbusmock on it for the Background portal (tests/ui/mock-background-portal.py),
 * the session manager (GtkApplication's inhibit outside a sandbox) and the notification
 * daemon, and logind on a system bus of the test's own:
 *
 * - closing the window during a download records RequestBackground with a reason, keeps
 *   the application and the download running, notifies once and sets the status line;
 *   the download's end lets the application go;
 * - the inhibit's flags include logout (and suspend), and it is released when idle;
 * - refused by the portal, the window comes back with a dialog and nothing stops;
 * - "Power Off when done" calls logind's PowerOff only after the last transfer completed;
 *   Nothing cancels one waiting out its delay;
 * - Start at Login asks for autostart with `meow --gapplication-service`; refused, the
 *   key goes back off;
 * - /ui/background/screenshot saves Preferences (Run in Background, Start at Login) and
 *   the When Done menu at 360 px: screenshot-background-{preferences,menu}[-LANGUAGE].png.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <locale.h>
#include <signal.h>

#include "meow-application.h"
#include "meow-background.h"
#include "meow-test-dbus.h"
#include "meow-test-fixture.h"
#include "meow-window.h"

#define MOCK_IFACE "org.freedesktop.DBus.Mock"
#define PORTAL_NAME "org.freedesktop.portal.Desktop"
#define PORTAL_PATH "/org/freedesktop/portal/desktop"
#define SM_NAME "org.gnome.SessionManager"
#define SM_PATH "/org/gnome/SessionManager"
#define NOTIFY_NAME "org.freedesktop.Notifications"
#define NOTIFY_PATH "/org/freedesktop/Notifications"
#define LOGIND_NAME "org.freedesktop.login1"
#define LOGIND_PATH "/org/freedesktop/login1"

/* GtkApplicationInhibitFlags as the session manager gets them. */
#define INHIBIT_LOGOUT 1
#define INHIBIT_SUSPEND 4

static char            *system_address; /* the test's system bus */
static GDBusConnection *session;        /* with-xvfb.sh's */
static GDBusConnection *system_conn;
static gboolean         mocks_ready;

typedef struct
{
  MeowTestServer  *server;
  MeowApplication *app;
  MeowWindow      *window;
  MeowTaskManager *manager;
  char            *dir;
} Fixture;

typedef void (*TestBody) (Fixture *fx);

/* ------------------------------------------------------------------ */
/* The buses and the mocks                                             */

/* `python3 -m dbusmock ARGS…`, logging to @log, up once @name is on @conn. */
static GSubprocess *
start_mock (GDBusConnection *conn, const char *name, const char *log, const char *const *args)
{
  g_autoptr (GStrvBuilder) builder = g_strv_builder_new ();
  g_auto (GStrv) argv = NULL;
  g_autoptr (GError) error = NULL;
  GSubprocess *mock;

  g_strv_builder_add_many (builder, MEOW_TEST_SYSTEM_PYTHON, "-m", "dbusmock", "-l", log, NULL);
  g_strv_builder_addv (builder, (const char **) args);
  argv = g_strv_builder_end (builder);
  mock = meow_test_spawn (G_SUBPROCESS_FLAGS_STDOUT_SILENCE, (const char *const *) argv, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < 3000 && !meow_test_name_has_owner (conn, name); i++)
    g_usleep (10000);
  g_assert_true (meow_test_name_has_owner (conn, name));
  return mock;
}

static void
mock_call (
    GDBusConnection *conn, const char *name, const char *path, const char *method, GVariant *args)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GVariant) reply = g_dbus_connection_call_sync (
      conn, name, path, MOCK_IFACE, method, args, NULL, G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error);

  g_assert_no_error (error);
}

/* The calls of @method the mock at @name saw, as their argument tuples (av). */
static GPtrArray *
calls_of (GDBusConnection *conn, const char *name, const char *path, const char *method)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GVariant) reply = NULL;
  g_autoptr (GVariant) calls = NULL;
  GPtrArray   *found = g_ptr_array_new_with_free_func ((GDestroyNotify) g_variant_unref);
  GVariantIter iter;
  const char  *called;
  GVariant    *args;

  reply = g_dbus_connection_call_sync (conn, name, path, MOCK_IFACE, "GetCalls", NULL,
                                       G_VARIANT_TYPE ("(a(tsav))"), G_DBUS_CALL_FLAGS_NONE, -1,
                                       NULL, &error);
  g_assert_no_error (error);
  calls = g_variant_get_child_value (reply, 0);
  g_variant_iter_init (&iter, calls);
  while (g_variant_iter_next (&iter, "(t&s@av)", NULL, &called, &args))
    {
      if (g_str_equal (called, method))
        g_ptr_array_add (found, args);
      else
        g_variant_unref (args);
    }
  return found;
}

static guint
count_calls (GDBusConnection *conn, const char *name, const char *path, const char *method)
{
  g_autoptr (GPtrArray) calls = calls_of (conn, name, path, method);

  return calls->len;
}

/* The @i-th argument of a call, unboxed. */
static GVariant *
call_arg (GVariant *args, gsize i)
{
  g_autoptr (GVariant) boxed = g_variant_get_child_value (args, i);

  return g_variant_get_variant (boxed);
}

static void
clear_calls (void)
{
  mock_call (session, PORTAL_NAME, PORTAL_PATH, "ClearCalls", NULL);
  mock_call (session, SM_NAME, SM_PATH, "ClearCalls", NULL);
  mock_call (session, NOTIFY_NAME, NOTIFY_PATH, "ClearCalls", NULL);
  mock_call (system_conn, LOGIND_NAME, LOGIND_PATH, "ClearCalls", NULL);
  mock_call (session, PORTAL_NAME, PORTAL_PATH, "SetGrant", g_variant_new ("(b)", TRUE));
}

/* ------------------------------------------------------------------ */
/* The application                                                     */

static void
fixture_setup (Fixture *fx, gconstpointer data)
{
  g_autoptr (GSettings) settings = g_settings_new (APPLICATION_ID);
  g_autoptr (GError) error = NULL;
  g_autofree char *store = g_build_filename (g_get_user_data_dir (), "meow", "tasks.db", NULL);

  fx->server = meow_test_server_new ();
  fx->dir = g_dir_make_tmp ("meow-bg-XXXXXX", &error);
  g_assert_no_error (error);
  g_settings_set_string (settings, "download-folder", fx->dir);
  g_settings_set_boolean (settings, "notifications", FALSE);
  g_settings_set_boolean (settings, "resume-on-start", FALSE);
  g_settings_reset (settings, "run-in-background");
  g_settings_reset (settings, "start-at-login");
  g_unlink (store);
  if (mocks_ready)
    clear_calls ();
}

static void
fixture_teardown (Fixture *fx, gconstpointer data)
{
  g_clear_pointer (&fx->server, meow_test_server_free);
  meow_test_rm_rf (fx->dir);
  g_clear_pointer (&fx->dir, g_free);
}

typedef struct
{
  Fixture *fx;
  TestBody body;
} Run;

static void
activate_cb (GApplication *app, Run *run)
{
  Fixture *fx = run->fx;

  g_set_weak_pointer (&fx->window,
                      MEOW_WINDOW (gtk_application_get_active_window (GTK_APPLICATION (app))));
  g_assert_true (MEOW_IS_WINDOW (fx->window));
  fx->manager = meow_application_get_manager (fx->app);
  g_signal_handlers_disconnect_by_func (app, activate_cb, run);
  run->body (fx);
  g_application_quit (app);
}

static void
run_test (Fixture *fx, gconstpointer data)
{
  Run run = { fx, (TestBody) data };

  if (!mocks_ready)
    {
      g_test_skip ("python3-dbusmock or dbus-daemon is not installed");
      return;
    }
  fx->app = meow_application_new ();
  g_application_set_flags (G_APPLICATION (fx->app),
                           G_APPLICATION_HANDLES_OPEN | G_APPLICATION_NON_UNIQUE);
  g_signal_connect_after (fx->app, "activate", G_CALLBACK (activate_cb), &run);
  g_assert_cmpint (g_application_run (G_APPLICATION (fx->app), 0, NULL), ==, 0);
  if (fx->window != NULL)
    gtk_window_destroy (GTK_WINDOW (fx->window));
  g_clear_weak_pointer (&fx->window);
  meow_test_spin_ms (20);
  fx->manager = NULL;
  g_clear_object (&fx->app);
}

static MeowTaskItem *
add_download (Fixture *fx, const char *path, gsize size, guint32 seed)
{
  g_autoptr (GBytes) payload = meow_test_make_payload (size, seed);
  g_autofree char *url = NULL;
  GListModel      *model = meow_task_manager_get_model (fx->manager);
  guint            before = g_list_model_get_n_items (model);
  g_autoptr (MeowTaskItem) item = NULL;

  meow_test_server_set_file (fx->server, path, payload);
  url = meow_test_server_dup_url (fx->server, path);
  g_action_group_activate_action (G_ACTION_GROUP (fx->app), "add-urls", g_variant_new_string (url));
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, before + 1);
  item = g_list_model_get_item (model, before);
  return item; /* the list keeps it */
}

static void
throttle (Fixture *fx, guint bytes_per_sec)
{
  MeowTestFaults faults = { 0 };

  faults.throttle_bytes_per_sec = bytes_per_sec;
  meow_test_server_set_faults (fx->server, &faults);
}

static gboolean
item_is (MeowTaskItem *item, MeowStatus status)
{
  return meow_task_item_get_status (item) == status;
}

static MeowWindow *
find_main_window (Fixture *fx)
{
  for (GList *l = gtk_application_get_windows (GTK_APPLICATION (fx->app)); l != NULL; l = l->next)
    if (MEOW_IS_WINDOW (l->data))
      return l->data;
  return NULL;
}

/* Whether an Inhibit call (app id, window, reason, flags) had all of @flags and a
 * reason. */
static gboolean
inhibited_with (guint flags)
{
  g_autoptr (GPtrArray) calls = calls_of (session, SM_NAME, SM_PATH, "Inhibit");

  for (guint i = 0; i < calls->len; i++)
    {
      g_autoptr (GVariant) reason = call_arg (calls->pdata[i], 2);
      g_autoptr (GVariant) got = call_arg (calls->pdata[i], 3);

      if ((g_variant_get_uint32 (got) & flags) == flags &&
          g_variant_get_string (reason, NULL)[0] != '\0')
        return TRUE;
    }
  return FALSE;
}

/* The reason of the only RequestBackground call, or NULL. */
static char *
request_reason (guint *n_calls)
{
  g_autoptr (GPtrArray) calls = calls_of (session, PORTAL_NAME, PORTAL_PATH, "RequestBackground");
  g_autoptr (GVariant) options = NULL;
  const char *reason = NULL;

  *n_calls = calls->len;
  if (calls->len != 1)
    return NULL;
  options = call_arg (calls->pdata[0], 1);
  if (!g_variant_lookup (options, "reason", "&s", &reason))
    return NULL;
  return g_strdup (reason);
}

static char *
last_status (void)
{
  g_autoptr (GPtrArray) calls = calls_of (session, PORTAL_NAME, PORTAL_PATH, "SetStatus");
  g_autoptr (GVariant) options = NULL;
  const char *message = NULL;

  if (calls->len == 0)
    return NULL;
  options = call_arg (calls->pdata[calls->len - 1], 0);
  if (!g_variant_lookup (options, "message", "&s", &message))
    return NULL;
  return g_strdup (message);
}

/* The summaries of the notifications shown. */
static guint
count_notifications (const char *summary)
{
  g_autoptr (GPtrArray) calls = calls_of (session, NOTIFY_NAME, NOTIFY_PATH, "Notify");
  guint n = 0;

  for (guint i = 0; i < calls->len; i++)
    {
      g_autoptr (GVariant) got = call_arg (calls->pdata[i], 3);

      n += g_str_equal (g_variant_get_string (got, NULL), summary);
    }
  return n;
}

/* ------------------------------------------------------------------ */
/* Tests                                                               */

static void
test_close_goes_on (Fixture *fx)
{
  MeowBackground  *background = meow_application_get_background (fx->app);
  g_autofree char *reason = NULL;
  g_autofree char *status = NULL;
  MeowTaskItem    *item;
  guint            n_requests = 0;

  throttle (fx, 100 * 1024);
  item = add_download (fx, "/debian-12-netinst.iso", 600 * 1024, 71);
  MEOW_TEST_WAIT_UNTIL (item_is (item, MEOW_STATUS_TRANSMISSION) &&
                        meow_task_item_get_transferred (item) > 0);

  /* Logout as well as suspend, with a reason. */
  MEOW_TEST_WAIT_UNTIL (inhibited_with (INHIBIT_LOGOUT | INHIBIT_SUSPEND));
  g_assert_cmpuint (count_calls (session, SM_NAME, SM_PATH, "Uninhibit"), ==, 0);

  gtk_window_close (GTK_WINDOW (fx->window));
  MEOW_TEST_WAIT_UNTIL (fx->window == NULL);
  MEOW_TEST_WAIT_UNTIL ((reason = request_reason (&n_requests)) != NULL || n_requests > 1);
  g_assert_cmpstr (reason, ==, "Meow goes on with 1 transfer after its window is closed.");
  g_assert_true (meow_background_get_running (background));

  /* Once, with the status line. */
  MEOW_TEST_WAIT_UNTIL (count_notifications ("Meow Goes On in the Background") == 1);
  MEOW_TEST_WAIT_UNTIL ((status = last_status ()) != NULL);
  g_assert_true (g_str_has_prefix (status, "1 download, "));
  g_assert_true (g_str_has_suffix (status, " %"));

  /* Still going, with no window. */
  meow_test_spin_ms (300);
  g_assert_null (find_main_window (fx));
  g_assert_true (item_is (item, MEOW_STATUS_TRANSMISSION));
  g_assert_false (meow_client_is_closed (meow_task_manager_get_client (fx->manager)));

  /* Done: nothing holds the application, nothing inhibits. */
  meow_test_server_clear_faults (fx->server);
  MEOW_TEST_WAIT_UNTIL (item_is (item, MEOW_STATUS_COMPLETE));
  MEOW_TEST_WAIT_UNTIL (!meow_background_get_running (background));
  MEOW_TEST_WAIT_UNTIL (count_calls (session, SM_NAME, SM_PATH, "Uninhibit") == 1);
  g_assert_cmpuint (count_notifications ("Meow Goes On in the Background"), ==, 1);
  g_assert_cmpuint (n_requests, ==, 1);
}

/* Nothing runs: closing quits, the portal is not asked. */
static void
test_close_idle (Fixture *fx)
{
  MeowBackground *background = meow_application_get_background (fx->app);

  gtk_window_close (GTK_WINDOW (fx->window));
  MEOW_TEST_WAIT_UNTIL (fx->window == NULL);
  meow_test_spin_ms (200);
  g_assert_false (meow_background_get_running (background));
  g_assert_cmpuint (count_calls (session, PORTAL_NAME, PORTAL_PATH, "RequestBackground"), ==, 0);
  g_assert_cmpuint (count_calls (session, SM_NAME, SM_PATH, "Inhibit"), ==, 0);
}

static AdwMessageDialog *
find_dialog (GtkWindow *parent)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr (GtkWindow) window = g_list_model_get_item (toplevels, i);

      if (ADW_IS_MESSAGE_DIALOG (window) && gtk_window_get_transient_for (window) == parent &&
          gtk_widget_get_visible (GTK_WIDGET (window)))
        return ADW_MESSAGE_DIALOG (window);
    }
  return NULL;
}

/* Refused: the window comes back and asks; keeping it open keeps the transfer going. */
static void
test_refused (Fixture *fx)
{
  MeowBackground   *background = meow_application_get_background (fx->app);
  AdwMessageDialog *dialog = NULL;
  MeowWindow       *window = NULL;
  MeowTaskItem     *item;

  mock_call (session, PORTAL_NAME, PORTAL_PATH, "SetGrant", g_variant_new ("(b)", FALSE));
  throttle (fx, 100 * 1024);
  item = add_download (fx, "/refused.iso", 600 * 1024, 72);
  MEOW_TEST_WAIT_UNTIL (item_is (item, MEOW_STATUS_TRANSMISSION));

  gtk_window_close (GTK_WINDOW (fx->window));
  MEOW_TEST_WAIT_UNTIL (count_calls (session, PORTAL_NAME, PORTAL_PATH, "RequestBackground") == 1);
  MEOW_TEST_WAIT_UNTIL ((window = find_main_window (fx)) != NULL &&
                        (dialog = find_dialog (GTK_WINDOW (window))) != NULL);
  g_assert_false (meow_background_get_running (background));
  g_assert_true (item_is (item, MEOW_STATUS_TRANSMISSION));
  g_assert_cmpuint (count_notifications ("Meow Goes On in the Background"), ==, 0);
  g_assert_cmpstr (adw_message_dialog_get_default_response (dialog), ==, "keep");

  adw_message_dialog_response (dialog, "keep");
  meow_test_spin_ms (300);
  g_assert_true (find_main_window (fx) == window);
  g_assert_true (item_is (item, MEOW_STATUS_TRANSMISSION));
  g_set_weak_pointer (&fx->window, window);
}

/* PowerOff after the last transfer, not after the first. */
static void
test_power_off_when_done (Fixture *fx)
{
  MeowBackground *background = meow_application_get_background (fx->app);
  g_autoptr (GPtrArray) calls = NULL;
  g_autoptr (GVariant) interactive = NULL;
  g_autoptr (GVariant) state = NULL;
  MeowTaskItem *small, *large;

  meow_background_set_when_done_delay (background, 200);
  g_action_group_activate_action (G_ACTION_GROUP (fx->app), "when-done",
                                  g_variant_new_string ("power-off"));
  g_assert_cmpint (meow_background_get_when_done (background), ==, MEOW_WHEN_DONE_POWER_OFF);

  throttle (fx, 100 * 1024);
  small = add_download (fx, "/notes.pdf", 10 * 1024, 73);
  large = add_download (fx, "/talk-recording.webm", 600 * 1024, 74);
  MEOW_TEST_WAIT_UNTIL (item_is (small, MEOW_STATUS_COMPLETE));
  g_assert_false (item_is (large, MEOW_STATUS_COMPLETE));
  meow_test_spin_ms (800); /* four times the delay */
  g_assert_false (item_is (large, MEOW_STATUS_COMPLETE));
  g_assert_cmpuint (count_calls (system_conn, LOGIND_NAME, LOGIND_PATH, "PowerOff"), ==, 0);

  meow_test_server_clear_faults (fx->server);
  MEOW_TEST_WAIT_UNTIL (item_is (large, MEOW_STATUS_COMPLETE));
  MEOW_TEST_WAIT_UNTIL (count_calls (system_conn, LOGIND_NAME, LOGIND_PATH, "PowerOff") == 1);
  calls = calls_of (system_conn, LOGIND_NAME, LOGIND_PATH, "PowerOff");
  interactive = call_arg (calls->pdata[0], 0);
  g_assert_true (g_variant_get_boolean (interactive));
  g_assert_cmpuint (count_calls (system_conn, LOGIND_NAME, LOGIND_PATH, "Suspend"), ==, 0);

  /* For this queue only. */
  g_assert_cmpint (meow_background_get_when_done (background), ==, MEOW_WHEN_DONE_NOTHING);
  state = g_action_group_get_action_state (G_ACTION_GROUP (fx->app), "when-done");
  g_assert_cmpstr (g_variant_get_string (state, NULL), ==, "nothing");
  meow_test_spin_ms (400);
  g_assert_cmpuint (count_calls (system_conn, LOGIND_NAME, LOGIND_PATH, "PowerOff"), ==, 1);
}

/* Nothing cancels a power-off waiting out its delay. */
static void
test_when_done_cancel (Fixture *fx)
{
  MeowBackground *background = meow_application_get_background (fx->app);
  MeowTaskItem   *item;

  meow_background_set_when_done_delay (background, 1500);
  g_action_group_activate_action (G_ACTION_GROUP (fx->app), "when-done",
                                  g_variant_new_string ("suspend"));
  item = add_download (fx, "/short.bin", 10 * 1024, 75);
  MEOW_TEST_WAIT_UNTIL (item_is (item, MEOW_STATUS_COMPLETE));
  MEOW_TEST_WAIT_UNTIL (count_notifications ("All Transfers Done: Suspending Soon") == 1);
  g_action_group_activate_action (G_ACTION_GROUP (fx->app), "when-done",
                                  g_variant_new_string ("nothing"));
  meow_test_spin_ms (2500);
  g_assert_cmpuint (count_calls (system_conn, LOGIND_NAME, LOGIND_PATH, "Suspend"), ==, 0);
  g_assert_cmpuint (count_calls (system_conn, LOGIND_NAME, LOGIND_PATH, "PowerOff"), ==, 0);
}

/* The options of the last RequestBackground call. */
static GVariant *
last_request_options (guint *n_calls)
{
  g_autoptr (GPtrArray) calls = calls_of (session, PORTAL_NAME, PORTAL_PATH, "RequestBackground");

  *n_calls = calls->len;
  return calls->len > 0 ? call_arg (calls->pdata[calls->len - 1], 1) : NULL;
}

/* Start at Login asks the portal for autostart with the service command line; refused,
 * the key goes back off. */
static void
test_start_at_login (Fixture *fx)
{
  g_autoptr (GSettings) settings = g_settings_new (APPLICATION_ID);
  g_autoptr (GVariant) options = NULL;
  g_autofree const char **argv = NULL;
  const char             *reason = NULL;
  gboolean                autostart = FALSE;
  guint                   n = 0;

  g_settings_set_boolean (settings, "start-at-login", TRUE);
  MEOW_TEST_WAIT_UNTIL ((options = last_request_options (&n)) != NULL);
  g_assert_cmpuint (n, ==, 1);
  g_assert_true (g_variant_lookup (options, "autostart", "b", &autostart));
  g_assert_true (autostart);
  g_assert_true (g_variant_lookup (options, "commandline", "^a&s", &argv));
  g_assert_cmpuint (g_strv_length ((char **) argv), ==, 2);
  g_assert_cmpstr (argv[0], ==, "meow");
  g_assert_cmpstr (argv[1], ==, "--gapplication-service");
  g_assert_true (g_variant_lookup (options, "reason", "&s", &reason));
  g_assert_cmpstr (reason, !=, "");
  meow_test_spin_ms (300); /* the answer (50 ms) came: granted, it stays on */
  g_assert_true (g_settings_get_boolean (settings, "start-at-login"));

  /* Off: asked without autostart (which takes it back). */
  g_settings_set_boolean (settings, "start-at-login", FALSE);
  g_clear_pointer (&options, g_variant_unref);
  MEOW_TEST_WAIT_UNTIL ((options = last_request_options (&n)) != NULL && n == 2);
  g_assert_true (g_variant_lookup (options, "autostart", "b", &autostart));
  g_assert_false (autostart);

  /* Refused: back off. */
  mock_call (session, PORTAL_NAME, PORTAL_PATH, "SetGrant", g_variant_new ("(b)", FALSE));
  g_settings_set_boolean (settings, "start-at-login", TRUE);
  MEOW_TEST_WAIT_UNTIL (!g_settings_get_boolean (settings, "start-at-login"));
  g_assert_cmpuint (count_calls (session, PORTAL_NAME, PORTAL_PATH, "RequestBackground"), ==, 3);
  meow_test_spin_ms (300);
  g_assert_cmpuint (count_calls (session, PORTAL_NAME, PORTAL_PATH, "RequestBackground"), ==, 3);
}

/* ------------------------------------------------------------------ */
/* Screenshots                                                         */

static char *
screenshot_path (const char *name)
{
  const char      *language = g_getenv ("LANGUAGE");
  g_autofree char *file = language && language[0] ? g_strdup_printf ("%s-%s.png", name, language)
                                                  : g_strdup_printf ("%s.png", name);

  return g_build_filename (g_test_get_dir (G_TEST_BUILT), file, NULL);
}

static GskRenderNode *
snapshot_widget (GtkWidget *widget)
{
  GtkSnapshot *snapshot = gtk_snapshot_new ();

  GTK_WIDGET_GET_CLASS (widget)->snapshot (widget, snapshot);
  return gtk_snapshot_free_to_node (snapshot);
}

static void
save_screenshot (GtkWidget *widget, const char *path)
{
  g_autoptr (GskRenderNode) node = NULL;
  g_autoptr (GdkTexture) texture = NULL;
  GskRenderer *renderer = gtk_native_get_renderer (gtk_widget_get_native (widget));

  MEOW_TEST_WAIT_UNTIL (gtk_widget_get_mapped (widget) && gtk_widget_get_width (widget) > 0 &&
                        (node != NULL || (node = snapshot_widget (widget)) != NULL));
  texture = gsk_renderer_render_texture (
      renderer, node,
      &GRAPHENE_RECT_INIT (0, 0, gtk_widget_get_width (widget), gtk_widget_get_height (widget)));
  g_assert_true (gdk_texture_save_to_png (texture, path));
  g_test_message ("saved %s", path);
}

static GtkWidget *
find_widget (GtkWidget *widget, gboolean (*match) (GtkWidget *, gconstpointer), gconstpointer data)
{
  if (match (widget, data))
    return widget;
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_widget (child, match, data);

      if (found != NULL)
        return found;
    }
  return NULL;
}

static gboolean
is_primary_menu (GtkWidget *widget, gconstpointer data)
{
  return GTK_IS_MENU_BUTTON (widget) &&
         g_strcmp0 (gtk_menu_button_get_icon_name (GTK_MENU_BUTTON (widget)),
                    "open-menu-symbolic") == 0;
}

/* @label without its mnemonic underline, as a menu item shows it. */
static char *
without_mnemonic (const char *label)
{
  GString *text = g_string_new (NULL);

  for (const char *p = label; *p != '\0'; p++)
    if (*p != '_')
      g_string_append_c (text, *p);
  return g_string_free (text, FALSE);
}

/* A menu item (GtkModelButton, private: by its "text" property). */
static gboolean
has_text (GtkWidget *widget, gconstpointer text)
{
  g_autofree char *got = NULL;

  if (g_object_class_find_property (G_OBJECT_GET_CLASS (widget), "text") == NULL ||
      !gtk_widget_get_mapped (widget))
    return FALSE;
  g_object_get (widget, "text", &got, NULL);
  return g_strcmp0 (got, text) == 0;
}

static gboolean
is_row_titled (GtkWidget *widget, gconstpointer title)
{
  return ADW_IS_ACTION_ROW (widget) &&
         g_strcmp0 (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (widget)), title) == 0;
}

static void
test_screenshot (Fixture *fx)
{
  g_autofree char *prefs_path = screenshot_path ("screenshot-background-preferences");
  g_autofree char *menu_path = screenshot_path ("screenshot-background-menu");
  g_autofree char *when_done = without_mnemonic (_ ("When _Done"));
  g_autofree char *power_off = without_mnemonic (_ ("_Power Off"));
  GtkWidget       *button, *popover, *item, *row, *prefs = NULL;
  graphene_rect_t  bounds;

  /* Pictures of where the transitions end (the menu's slide to its submenu). */
  g_object_set (gtk_settings_get_default (), "gtk-enable-animations", FALSE, NULL);

  /* The When Done submenu of the primary menu, Power Off chosen. */
  g_action_group_activate_action (G_ACTION_GROUP (fx->app), "when-done",
                                  g_variant_new_string ("power-off"));
  gtk_window_set_default_size (GTK_WINDOW (fx->window), 360, 640);
  button = find_widget (GTK_WIDGET (fx->window), is_primary_menu, NULL);
  g_assert_nonnull (button);
  popover = GTK_WIDGET (gtk_menu_button_get_popover (GTK_MENU_BUTTON (button)));
  /* Without a window manager the window may not be the active one: no autohide. */
  gtk_popover_set_autohide (GTK_POPOVER (popover), FALSE);
  gtk_menu_button_popup (GTK_MENU_BUTTON (button));
  MEOW_TEST_WAIT_UNTIL (gtk_widget_get_mapped (popover));
  MEOW_TEST_WAIT_UNTIL ((item = find_widget (popover, has_text, when_done)) != NULL);
  g_assert_true (gtk_widget_activate (item));
  MEOW_TEST_WAIT_UNTIL (find_widget (popover, has_text, power_off) != NULL);
  meow_test_spin_ms (800);
  save_screenshot (popover, menu_path);
  gtk_popover_popdown (GTK_POPOVER (popover));
  g_action_group_activate_action (G_ACTION_GROUP (fx->app), "when-done",
                                  g_variant_new_string ("nothing"));

  /* Preferences at 360 px, scrolled to the two switches. */
  g_action_group_activate_action (G_ACTION_GROUP (fx->app), "preferences", NULL);
  for (GList *l = gtk_application_get_windows (GTK_APPLICATION (fx->app)); l != NULL; l = l->next)
    if (ADW_IS_PREFERENCES_WINDOW (l->data))
      prefs = l->data;
  g_assert_nonnull (prefs);
  MEOW_TEST_WAIT_UNTIL (gtk_widget_get_mapped (prefs));
  meow_test_spin_ms (200);
  /* (Under Xvfb a window takes its new default size from the second change on.) */
  gtk_window_set_default_size (GTK_WINDOW (prefs), 360, 1000);
  MEOW_TEST_WAIT_UNTIL (gtk_widget_get_width (prefs) <= 380);
  MEOW_TEST_WAIT_UNTIL ((row = find_widget (prefs, is_row_titled, _ ("Start at Login"))) != NULL);
  g_assert_nonnull (find_widget (prefs, is_row_titled, _ ("Run in Background")));
  gtk_widget_grab_focus (row);
  meow_test_spin_ms (800);
  g_assert_true (gtk_widget_compute_bounds (row, prefs, &bounds));
  g_assert_cmpfloat (bounds.origin.x + bounds.size.width, <=, gtk_widget_get_width (prefs));
  save_screenshot (prefs, prefs_path);
  gtk_window_destroy (GTK_WINDOW (prefs));
  g_object_set (gtk_settings_get_default (), "gtk-enable-animations", TRUE, NULL);
}

/* ------------------------------------------------------------------ */

int
main (int argc, char *argv[])
{
  g_autofree char *home = meow_test_make_private_home ("meow-bg-home-XXXXXX");
  g_autofree char *bus_dir = NULL;
  g_autofree char *template = NULL;
  g_autoptr (GSubprocess) system_bus = NULL;
  GSubprocess *mocks[4] = { NULL };
  g_autoptr (GError) error = NULL;
  int status;

  g_setenv ("GSETTINGS_BACKEND", "memory", TRUE);
  g_setenv ("GTK_A11Y", "none", TRUE);
  g_unsetenv ("http_proxy");
  g_unsetenv ("https_proxy");
  g_unsetenv ("all_proxy");
  g_test_init (&argc, &argv, NULL);
  gtk_disable_setlocale ();
  if (g_getenv ("MEOW_TEST_LOCALEDIR") != NULL)
    {
      setlocale (LC_ALL, "");
      bindtextdomain (GETTEXT_PACKAGE, g_getenv ("MEOW_TEST_LOCALEDIR"));
      bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
      textdomain (GETTEXT_PACKAGE);
    }

  /* Before GTK and any thread: the system bus for logind, and the mocks, which
   * GtkApplication's startup (the session manager) must find. */
  if (g_getenv ("DBUS_SESSION_BUS_ADDRESS") != NULL && meow_test_dbusmock_installed () &&
      g_find_program_in_path ("dbus-daemon") != NULL)
    {
      const char      *sm_args[] = { SM_NAME, SM_PATH, SM_NAME, NULL };
      const char      *notify_args[] = { "--template", "notification_daemon", NULL };
      const char      *logind_args[] = { "--system", "--template", "logind", NULL };
      g_autofree char *portal_log = NULL, *sm_log = NULL, *notify_log = NULL, *logind_log = NULL;

      system_bus = meow_test_start_bus (&system_address, &bus_dir);
      g_assert_nonnull (system_bus);
      g_setenv ("DBUS_SYSTEM_BUS_ADDRESS", system_address, TRUE);
      session = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, &error);
      g_assert_no_error (error);
      system_conn = meow_test_connect_bus (system_address);

      template = g_test_build_filename (G_TEST_DIST, "mock-background-portal.py", NULL);
      portal_log = g_build_filename (bus_dir, "portal.log", NULL);
      sm_log = g_build_filename (bus_dir, "session-manager.log", NULL);
      notify_log = g_build_filename (bus_dir, "notifications.log", NULL);
      logind_log = g_build_filename (bus_dir, "logind.log", NULL);
      {
        const char *portal_args[] = { "--template", template, NULL };

        mocks[0] = start_mock (session, PORTAL_NAME, portal_log, portal_args);
      }
      mocks[1] = start_mock (session, SM_NAME, sm_log, sm_args);
      mock_call (session, SM_NAME, SM_PATH, "AddMethods",
                 g_variant_new_parsed ("(%s, [('Inhibit', 'susu', 'u', 'ret = dbus.UInt32(42)'),"
                                       " ('Uninhibit', 'u', '', ''),"
                                       " ('IsInhibited', 'u', 'b', 'ret = False')])",
                                       SM_NAME));
      mocks[2] = start_mock (session, NOTIFY_NAME, notify_log, notify_args);
      mocks[3] = start_mock (system_conn, LOGIND_NAME, logind_log, logind_args);
      mocks_ready = TRUE;
    }
  adw_init ();

#define ADD(path, body)                                                                            \
  g_test_add (path, Fixture, (gconstpointer) body, fixture_setup, run_test, fixture_teardown)
  ADD ("/ui/background/close-goes-on", test_close_goes_on);
  ADD ("/ui/background/close-idle", test_close_idle);
  ADD ("/ui/background/refused", test_refused);
  ADD ("/ui/background/power-off-when-done", test_power_off_when_done);
  ADD ("/ui/background/when-done-cancel", test_when_done_cancel);
  ADD ("/ui/background/start-at-login", test_start_at_login);
  ADD ("/ui/background/screenshot", test_screenshot);

  status = g_test_run ();

  for (guint i = 0; i < G_N_ELEMENTS (mocks); i++)
    if (mocks[i] != NULL)
      {
        g_subprocess_send_signal (mocks[i], SIGTERM);
        g_subprocess_wait (mocks[i], NULL, NULL);
        g_object_unref (mocks[i]);
      }
  if (system_bus != NULL)
    {
      g_autoptr (GDBusConnection) bus = g_bus_get_sync (G_BUS_TYPE_SYSTEM, NULL, NULL);

      /* The sleep monitor's singleton connection must not end the test with the bus. */
      if (bus != NULL)
        g_dbus_connection_set_exit_on_close (bus, FALSE);
      g_subprocess_force_exit (system_bus);
      g_subprocess_wait (system_bus, NULL, NULL);
    }
  g_clear_object (&system_conn);
  g_clear_object (&session);
  if (bus_dir != NULL)
    meow_test_rm_rf (bus_dir);
  meow_test_rm_rf (home);
  g_free (system_address);
  return status;
}
