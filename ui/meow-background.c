/* meow-background.c: Meow without its window, and When Done
 *
 * While transfers run (the manager's n-active above 0) Meow inhibits logout and suspend
 * through GtkApplication (the session manager, or the Inhibit portal in a sandbox) and
 * lets go when they end; logind's *delay* inhibitor for checkpoints is
 * ui/meow-sleep-monitor.c's.
 *
 * Closing the main window while transfers run, with "run-in-background" on, keeps the
 * application (g_application_hold()) and asks the Background portal for permission
 * (xdp_portal_request_background() with a reason naming the number of transfers). Granted,
 * or no portal on the bus (not sandboxed): Meow notifies once per run that it goes on,
 * with a button that reopens the window, and sets the portal's status line ("3 downloads,
 * 45 %", every STATUS_INTERVAL_S, where the portal's Background interface is version 2).
 * Refused: the window comes back with a dialog that says so and offers to quit (the
 * transfers keep their bytes and resume at the next start); the transfers are never
 * stopped behind the user's back. The hold goes when the queue is done (the application
 * then quits, having no window) or when the window is opened again. Started as a service
 * (`meow --gapplication-service`, what "Start at Login" registers) with transfers to
 * resume, Meow goes to the background in the same way.
 *
 * "Start at Login" (the start-at-login key) asks the portal for autostart (the
 * autostart flag of RequestBackground) and gives it `meow --gapplication-service`
 * to run; refused, or without a portal, the key goes back off and the window says so.
 *
 * When Done (the app.when-done action, state "nothing", "suspend" or "power-off") is for
 * the current queue: once the last transfer finished (a task-finished that leaves
 * n-active at 0; pausing does not count), Meow shows a notification with Cancel, waits
 * the delay (WHEN_DONE_DELAY_MS) and calls logind's Suspend or PowerOff (interactive,
 * so polkit may ask) on the system bus, then goes back to Nothing. A transfer that
 * starts meanwhile puts it off until the queue is done again.
 *
 * Everything runs in the main thread. The asynchronous calls hold a reference; the
 * application runs the object's dispose in `shutdown`, after which their callbacks do
 * nothing.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>

#if HAVE_LIBPORTAL
#include <libportal/portal.h>
#endif

#include "meow-background.h"
#include "meow-task-item.h"
#include "meow-window.h"

#define PORTAL_NAME "org.freedesktop.portal.Desktop"
#define PORTAL_PATH "/org/freedesktop/portal/desktop"
#define BACKGROUND_IFACE "org.freedesktop.portal.Background"

#define LOGIND_NAME "org.freedesktop.login1"
#define LOGIND_PATH "/org/freedesktop/login1"
#define LOGIND_MANAGER "org.freedesktop.login1.Manager"

/* The status line changes at most this often (the shell shows it on demand). */
#define STATUS_INTERVAL_S 5
/* The portal cuts longer status messages. */
#define STATUS_MAX_CHARS 96
/* Time to cancel When Done after the queue is done. */
#define WHEN_DONE_DELAY_MS 60000

struct _MeowBackground
{
  GObject parent_instance;

  GtkApplication  *application; /* not a ref: the application owns the object */
  MeowTaskManager *manager;
  GSettings       *settings;
  GCancellable    *cancellable; /* the portal and logind calls; cancelled in dispose */

#if HAVE_LIBPORTAL
  XdpPortal *portal;
#endif

  guint    inhibit_cookie; /* logout and suspend, while transfers run */
  gboolean running;        /* held without a window */
  gboolean notified;       /* "goes on in the background": once per run */
  guint    status_id;      /* the status line's timer */
  char    *status;         /* the last status line sent */
  int      status_version; /* the Background interface's version; -1: not asked yet */

  gboolean     autostart_reverting; /* start-at-login set back by us */
  MeowWhenDone when_done;
  MeowWhenDone firing; /* what the logind call in flight does */
  guint        when_done_delay_ms;
  guint        when_done_id; /* the delay before Suspend/PowerOff */
  guint        idle_check_id;
};

G_DEFINE_FINAL_TYPE (MeowBackground, meow_background, G_TYPE_OBJECT)

static const char *const when_done_names[] = { "nothing", "suspend", "power-off" };

static void leave_background (MeowBackground *self);

/* ------------------------------------------------------------------ */
/* Helpers                                                             */

static GtkWindow *
main_window (MeowBackground *self)
{
  if (self->application == NULL)
    return NULL;
  for (GList *l = gtk_application_get_windows (self->application); l != NULL; l = l->next)
    if (MEOW_IS_WINDOW (l->data))
      return l->data;
  return NULL;
}

static void
toast (MeowBackground *self,
       const char     *message,
       const char     *action,
       GVariant       *target,
       const char     *button)
{
  GtkWindow *window = main_window (self);
  AdwToast  *toast;

  if (window == NULL)
    {
      g_message ("%s", message);
      if (target != NULL)
        g_variant_unref (g_variant_ref_sink (target));
      return;
    }
  toast = adw_toast_new (message);
  if (action != NULL)
    {
      adw_toast_set_button_label (toast, button);
      adw_toast_set_action_name (toast, action);
      adw_toast_set_action_target_value (toast, target);
    }
  meow_window_add_toast (MEOW_WINDOW (window), toast);
}

/* ------------------------------------------------------------------ */
/* The status line                                                     */

/**
 * meow_background_dup_status:
 * @self: the background
 *
 * What the portal's status line says: the running (or queued) downloads and uploads and
 * how far they are together ("3 downloads, 45 %"; without the percentage while a size is
 * unknown). Main thread.
 *
 * Returns: (transfer full): the status line
 */
char *
meow_background_dup_status (MeowBackground *self)
{
  GListModel *model = meow_task_manager_get_model (self->manager);
  guint       n = g_list_model_get_n_items (model);
  guint       downloads = 0, uploads = 0;
  guint64     done = 0, total = 0;
  gboolean    sized = TRUE;
  GString    *line = g_string_new (NULL);

  for (guint i = 0; i < n; i++)
    {
      g_autoptr (MeowTaskItem) item = g_list_model_get_item (model, i);

      if (!meow_task_item_get_live (item) || !meow_task_item_is_active (item))
        continue;
      if (meow_task_item_get_direction (item) == MEOW_DIRECTION_DOWNLOAD)
        downloads++;
      else
        uploads++;
      if (meow_task_item_get_total (item) > 0)
        {
          total += (guint64) meow_task_item_get_total (item);
          done += MIN (meow_task_item_get_transferred (item),
                       (guint64) meow_task_item_get_total (item));
        }
      else
        sized = FALSE;
    }

  if (downloads > 0)
    /* Translators: the background status line, e.g. "3 downloads, 45 %" */
    g_string_append_printf (line, ngettext ("%u download", "%u downloads", downloads), downloads);
  if (uploads > 0)
    {
      if (line->len > 0)
        g_string_append (line, ", ");
      g_string_append_printf (line, ngettext ("%u upload", "%u uploads", uploads), uploads);
    }
  if (line->len == 0)
    g_string_append (line, _ ("No transfers"));
  else if (sized && total > 0)
    /* Translators: appended to "3 downloads": how far they are together */
    g_string_append_printf (line, _ (", %u %%"), (guint) (done * 100 / total));
  return g_string_free (line, FALSE);
}

static void
status_done_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GError) error = NULL;

#if HAVE_XDP_SET_BACKGROUND_STATUS
  if (!xdp_portal_set_background_status_finish (XDP_PORTAL (source), result, &error))
#else
  g_autoptr (GVariant) reply =
      g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result, &error);

  if (reply == NULL)
#endif
    if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
      g_debug ("The background status line was not set: %s", error->message);
}

#if !HAVE_XDP_SET_BACKGROUND_STATUS
static void send_status (MeowBackground *self);

/* libportal before 0.7 has no xdp_portal_set_background_status(): the same call, made
 * here, after the same version check (SetStatus is new in version 2). */
static void
version_done_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (MeowBackground) self = user_data; /* a ref */
  g_autoptr (GVariant) reply = NULL;
  g_autoptr (GVariant) version = NULL;
  g_autoptr (GError) error = NULL;

  reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result, &error);
  if (self->application == NULL)
    return; /* disposed */
  self->status_version = 0;
  if (reply != NULL)
    {
      g_variant_get (reply, "(v)", &version);
      if (g_variant_is_of_type (version, G_VARIANT_TYPE_UINT32))
        self->status_version = (int) g_variant_get_uint32 (version);
    }
  if (self->status_version < 2)
    g_debug ("The Background portal has no status line (version %d)", self->status_version);
  send_status (self);
}
#endif

static void
send_status (MeowBackground *self)
{
#if HAVE_XDP_SET_BACKGROUND_STATUS
  if (self->portal != NULL)
    xdp_portal_set_background_status (self->portal, self->status, self->cancellable, status_done_cb,
                                      NULL);
#else
  GDBusConnection *bus = g_application_get_dbus_connection (G_APPLICATION (self->application));
  GVariantBuilder  options;

  if (bus == NULL || self->status_version == 0 || self->status_version == 1)
    return;
  if (self->status_version < 0)
    {
      self->status_version = 0; /* asking */
      g_dbus_connection_call (bus, PORTAL_NAME, PORTAL_PATH, "org.freedesktop.DBus.Properties",
                              "Get", g_variant_new ("(ss)", BACKGROUND_IFACE, "version"),
                              G_VARIANT_TYPE ("(v)"), G_DBUS_CALL_FLAGS_NONE, -1, self->cancellable,
                              version_done_cb, g_object_ref (self));
      return;
    }
  g_variant_builder_init (&options, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&options, "{sv}", "message", g_variant_new_string (self->status));
  g_dbus_connection_call (bus, PORTAL_NAME, PORTAL_PATH, BACKGROUND_IFACE, "SetStatus",
                          g_variant_new ("(a{sv})", &options), NULL, G_DBUS_CALL_FLAGS_NONE, -1,
                          self->cancellable, status_done_cb, NULL);
#endif
}

static gboolean
update_status (gpointer user_data)
{
  MeowBackground  *self = MEOW_BACKGROUND (user_data);
  g_autofree char *status = meow_background_dup_status (self);

  if (g_utf8_strlen (status, -1) > STATUS_MAX_CHARS)
    {
      char *end = g_utf8_offset_to_pointer (status, STATUS_MAX_CHARS);

      *end = '\0';
    }
  if (g_strcmp0 (status, self->status) != 0)
    {
      g_free (self->status);
      self->status = g_steal_pointer (&status);
      send_status (self);
    }
  return G_SOURCE_CONTINUE;
}

/* ------------------------------------------------------------------ */
/* Going on without the window                                         */

static void
notify_background (MeowBackground *self)
{
  g_autoptr (GNotification) notification = NULL;
  g_autofree char *body = NULL;
  guint            n = meow_task_manager_get_n_active (self->manager);

  if (self->notified)
    return;
  self->notified = TRUE;
  notification = g_notification_new (_ ("Meow Goes On in the Background"));
  body = g_strdup_printf (ngettext ("%u transfer is running. Meow quits when it is done.",
                                    "%u transfers are running. Meow quits when they are done.", n),
                          n);
  g_notification_set_body (notification, body);
  g_notification_set_default_action (notification, "app.show-window");
  g_notification_add_button (notification, _ ("Show Window"), "app.show-window");
  g_application_send_notification (G_APPLICATION (self->application), "background", notification);
}

#if HAVE_LIBPORTAL
static void
refused_response_cb (AdwMessageDialog *dialog, const char *response, MeowBackground *self)
{
  if (g_str_equal (response, "quit"))
    g_application_quit (G_APPLICATION (self->application));
}

/* The portal said no: the window comes back and says so; the user decides. */
static void
background_refused (MeowBackground *self)
{
  GtkWindow *window;
  GtkWidget *dialog;

  g_application_activate (G_APPLICATION (self->application));
  window = main_window (self);
  leave_background (self);
  if (window == NULL)
    return;

  dialog = adw_message_dialog_new (window, _ ("Meow Cannot Run in the Background"),
                                   _ ("The system does not allow Meow to go on without its "
                                      "window. Keep the window open for the transfers to go on, "
                                      "or quit: they pause and resume when Meow starts again."));
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog), "quit", _ ("_Quit"), "keep",
                                    _ ("_Keep Open"), NULL);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "keep");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "keep");
  g_signal_connect_object (dialog, "response", G_CALLBACK (refused_response_cb), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}
#endif

static void
background_granted (MeowBackground *self)
{
  if (!self->running)
    return;
  notify_background (self);
  update_status (self);
  if (self->status_id == 0)
    self->status_id = g_timeout_add_seconds (STATUS_INTERVAL_S, update_status, self);
}

#if HAVE_LIBPORTAL
static GPtrArray *
autostart_commandline (void)
{
  GPtrArray *argv = g_ptr_array_new_with_free_func (g_free);

  g_ptr_array_add (argv, g_strdup ("meow"));
  g_ptr_array_add (argv, g_strdup ("--gapplication-service"));
  return argv;
}

/* Asks the portal for background (and autostart when start-at-login is on: a request
 * without it would take a granted autostart back). No parent window, so no
 * libportal-gtk4: the window is closing, and exporting a closing Wayland surface may
 * never answer; a dialog the portal shows stands on its own. */
static gboolean
request_background (MeowBackground *self, const char *reason, GAsyncReadyCallback callback)
{
  g_autoptr (GPtrArray) argv = NULL;
  XdpBackgroundFlags flags = XDP_BACKGROUND_FLAG_NONE;

  if (self->portal == NULL)
    return FALSE;
  if (g_settings_get_boolean (self->settings, "start-at-login"))
    {
      flags |= XDP_BACKGROUND_FLAG_AUTOSTART | XDP_BACKGROUND_FLAG_ACTIVATABLE;
      argv = autostart_commandline ();
    }
  xdp_portal_request_background (self->portal, NULL, (char *) reason, argv, flags,
                                 self->cancellable, callback, g_object_ref (self));
  return TRUE;
}

/* Whether @error says there is no portal to ask (not sandboxed, no xdg-desktop-portal):
 * nobody to refuse, then. */
static gboolean
no_portal (const GError *error)
{
  return error != NULL && error->domain == G_DBUS_ERROR;
}

/* The portal's answer to request_background(): FALSE when the object was disposed
 * meanwhile (the answer is then for nobody). */
static gboolean
request_finish (
    MeowBackground *self, GObject *source, GAsyncResult *result, gboolean *granted, GError **error)
{
  *granted = xdp_portal_request_background_finish (XDP_PORTAL (source), result, error);
  return self->application != NULL;
}

static void
background_done_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (MeowBackground) self = user_data; /* a ref */
  g_autoptr (GError) error = NULL;
  gboolean granted;

  if (!request_finish (self, source, result, &granted, &error))
    return;
  if (no_portal (error))
    {
      g_debug ("No Background portal (%s): going on in the background", error->message);
      granted = TRUE;
    }
  else if (error != NULL)
    g_debug ("The Background portal refused: %s", error->message);

  if (!self->running)
    return; /* the window came back, or the queue is done */
  if (granted)
    background_granted (self);
  else
    background_refused (self);
}
#endif

static void
go_background (MeowBackground *self)
{
  guint n = meow_task_manager_get_n_active (self->manager);

  if (self->running)
    return;
  self->running = TRUE;
  g_application_hold (G_APPLICATION (self->application));

#if HAVE_LIBPORTAL
  {
    g_autofree char *reason =
        g_strdup_printf (ngettext ("Meow goes on with %u transfer after its window is closed.",
                                   "Meow goes on with %u transfers after its window is closed.", n),
                         n);

    if (request_background (self, reason, background_done_cb))
      return;
  }
#else
  (void) n;
#endif
  background_granted (self);
}

static void
leave_background (MeowBackground *self)
{
  if (!self->running)
    return;
  g_clear_handle_id (&self->status_id, g_source_remove);
  g_clear_pointer (&self->status, g_free);
  self->running = FALSE;
  /* Last: without a window, this may end the application. */
  g_application_release (G_APPLICATION (self->application));
}

/**
 * meow_background_window_closing:
 * @self: the background
 * @window: the main window, about to close
 *
 * Call from the main window's close-request: with transfers running and
 * "run-in-background" on, Meow goes on without the window (the portal asked, a
 * notification, the status line); otherwise closing the last window quits as usual.
 * The window closes either way. Main thread.
 *
 * Returns: %FALSE (the close goes on), for a close-request handler to return
 */
gboolean
meow_background_window_closing (MeowBackground *self, GtkWindow *window)
{
  g_return_val_if_fail (MEOW_IS_BACKGROUND (self), FALSE);

  if (meow_task_manager_get_n_active (self->manager) > 0 &&
      g_settings_get_boolean (self->settings, "run-in-background"))
    go_background (self);
  return FALSE;
}

/**
 * meow_background_get_running:
 * @self: the background
 *
 * Main thread.
 *
 * Returns: whether Meow holds itself without a window, for transfers still running
 */
gboolean
meow_background_get_running (MeowBackground *self)
{
  g_return_val_if_fail (MEOW_IS_BACKGROUND (self), FALSE);
  return self->running;
}

static void
window_added_cb (MeowBackground *self, GtkWindow *window)
{
  if (MEOW_IS_WINDOW (window))
    leave_background (self);
}

/* ------------------------------------------------------------------ */
/* Start at Login                                                      */

/* Puts start-at-login back off (without asking the portal again) and says why. */
static void
refuse_start_at_login (MeowBackground *self, const char *message)
{
  if (!g_settings_get_boolean (self->settings, "start-at-login"))
    return;
  self->autostart_reverting = TRUE;
  g_settings_set_boolean (self->settings, "start-at-login", FALSE);
  self->autostart_reverting = FALSE;
  toast (self, message, NULL, NULL, NULL);
}

#if HAVE_LIBPORTAL
static void
autostart_done_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (MeowBackground) self = user_data; /* a ref */
  g_autoptr (GError) error = NULL;
  gboolean granted;

  if (!request_finish (self, source, result, &granted, &error) || granted)
    return;
  if (no_portal (error))
    g_debug ("No Background portal for autostart: %s", error->message);
  refuse_start_at_login (self, no_portal (error)
                                   ? _ ("Start at Login needs the desktop’s Background portal")
                                   : _ ("The system does not allow Meow to start at login"));
}
#endif

static void
start_at_login_changed_cb (MeowBackground *self)
{
  if (self->autostart_reverting)
    return;
#if HAVE_LIBPORTAL
  if (request_background (self, _ ("Meow starts at login to go on with unfinished transfers."),
                          autostart_done_cb))
    return;
#endif
  refuse_start_at_login (self, _ ("Start at Login needs the desktop’s Background portal"));
}

/* ------------------------------------------------------------------ */
/* Inhibit, and the queue's end                                        */

static void
n_active_changed_cb (MeowBackground *self)
{
  gboolean busy = meow_task_manager_get_n_active (self->manager) > 0;

  if (busy && self->inhibit_cookie == 0)
    self->inhibit_cookie =
        gtk_application_inhibit (self->application, main_window (self),
                                 GTK_APPLICATION_INHIBIT_LOGOUT | GTK_APPLICATION_INHIBIT_SUSPEND,
                                 _ ("Transfers are running"));
  else if (!busy && self->inhibit_cookie != 0)
    {
      gtk_application_uninhibit (self->application, self->inhibit_cookie);
      self->inhibit_cookie = 0;
    }

  /* A transfer started in the delay: When Done waits for the queue again. */
  if (busy)
    g_clear_handle_id (&self->when_done_id, g_source_remove);

  /* Started at login (a service, no window) with transfers to resume. */
  if (busy && main_window (self) == NULL &&
      (g_application_get_flags (G_APPLICATION (self->application)) & G_APPLICATION_IS_SERVICE) &&
      g_settings_get_boolean (self->settings, "run-in-background"))
    go_background (self);

  if (!busy && self->when_done_id == 0)
    leave_background (self);
}

/* ------------------------------------------------------------------ */
/* When Done                                                           */

static void
when_done_state_changed (MeowBackground *self)
{
  GAction *action = g_action_map_lookup_action (G_ACTION_MAP (self->application), "when-done");

  if (action != NULL)
    g_simple_action_set_state (G_SIMPLE_ACTION (action),
                               g_variant_new_string (when_done_names[self->when_done]));
}

static void
logind_done_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (MeowBackground) self = user_data; /* a ref */
  g_autoptr (GVariant) reply = NULL;
  g_autoptr (GError) error = NULL;

  reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result, &error);
  if (reply == NULL && self->application != NULL)
    {
      g_autofree char *message = NULL;

      g_dbus_error_strip_remote_error (error);
      /* Translators: %s says why */
      message = g_strdup_printf (_ ("The computer could not be suspended or powered off: %s"),
                                 error->message);
      toast (self, message, NULL, NULL, NULL);
    }
}

static void
system_bus_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (MeowBackground) self = user_data; /* a ref */
  g_autoptr (GError) error = NULL;
  g_autoptr (GDBusConnection) bus = g_bus_get_finish (result, &error);

  if (self->application == NULL)
    return; /* disposed */
  if (bus == NULL)
    {
      g_autofree char *message = NULL;

      message = g_strdup_printf (_ ("The computer could not be suspended or powered off: %s"),
                                 error->message);
      toast (self, message, NULL, NULL, NULL);
      return;
    }
  /* interactive: polkit may ask for a password. */
  g_dbus_connection_call (bus, LOGIND_NAME, LOGIND_PATH, LOGIND_MANAGER,
                          self->firing == MEOW_WHEN_DONE_POWER_OFF ? "PowerOff" : "Suspend",
                          g_variant_new ("(b)", TRUE), NULL, G_DBUS_CALL_FLAGS_NONE, -1,
                          self->cancellable, logind_done_cb, g_object_ref (self));
}

static gboolean
when_done_fire (gpointer user_data)
{
  MeowBackground *self = MEOW_BACKGROUND (user_data);
  MeowWhenDone    what = self->when_done;

  self->when_done_id = 0;
  g_application_withdraw_notification (G_APPLICATION (self->application), "when-done");
  /* For the current queue only. */
  self->when_done = MEOW_WHEN_DONE_NOTHING;
  when_done_state_changed (self);
  if (what != MEOW_WHEN_DONE_NOTHING && meow_task_manager_get_n_active (self->manager) == 0)
    {
      self->firing = what;
      g_bus_get (G_BUS_TYPE_SYSTEM, self->cancellable, system_bus_cb, g_object_ref (self));
    }
  if (meow_task_manager_get_n_active (self->manager) == 0)
    leave_background (self);
  return G_SOURCE_REMOVE;
}

static void
when_done_arm (MeowBackground *self)
{
  g_autoptr (GNotification) notification = NULL;
  const char *title;

  if (self->when_done == MEOW_WHEN_DONE_NOTHING || self->when_done_id != 0)
    return;
  title = self->when_done == MEOW_WHEN_DONE_POWER_OFF ? _ ("All Transfers Done: Powering Off Soon")
                                                      : _ ("All Transfers Done: Suspending Soon");
  notification = g_notification_new (title);
  g_notification_set_body (notification, _ ("Cancel to keep the computer running."));
  g_notification_set_priority (notification, G_NOTIFICATION_PRIORITY_HIGH);
  g_notification_add_button_with_target (notification, _ ("Cancel"), "app.when-done", "s",
                                         "nothing");
  g_application_send_notification (G_APPLICATION (self->application), "when-done", notification);
  toast (self, title, "app.when-done", g_variant_new_string ("nothing"), _ ("Cancel"));
  self->when_done_id = g_timeout_add (self->when_done_delay_ms, when_done_fire, self);
}

static gboolean
check_queue_done (gpointer user_data)
{
  MeowBackground *self = MEOW_BACKGROUND (user_data);

  self->idle_check_id = 0;
  if (meow_task_manager_get_n_active (self->manager) == 0)
    when_done_arm (self);
  return G_SOURCE_REMOVE;
}

/* The last transfer's end, not a pause: a task-finished that leaves nothing queued
 * (looked at once the manager's counts follow it). */
static void
task_finished_cb (MeowBackground *self, MeowTaskItem *item)
{
  if (self->when_done != MEOW_WHEN_DONE_NOTHING && self->idle_check_id == 0)
    self->idle_check_id = g_idle_add (check_queue_done, self);
}

/**
 * meow_background_get_when_done:
 * @self: the background
 *
 * Main thread.
 *
 * Returns: what happens after the current queue
 */
MeowWhenDone
meow_background_get_when_done (MeowBackground *self)
{
  g_return_val_if_fail (MEOW_IS_BACKGROUND (self), MEOW_WHEN_DONE_NOTHING);
  return self->when_done;
}

/**
 * meow_background_set_when_done:
 * @self: the background
 * @when_done: what happens after the current queue
 *
 * What the app.when-done action sets. %MEOW_WHEN_DONE_NOTHING also cancels a suspend or
 * power-off already waiting out its delay. Main thread.
 */
void
meow_background_set_when_done (MeowBackground *self, MeowWhenDone when_done)
{
  g_return_if_fail (MEOW_IS_BACKGROUND (self));
  g_return_if_fail (when_done <= MEOW_WHEN_DONE_POWER_OFF);

  self->when_done = when_done;
  when_done_state_changed (self);
  if (when_done == MEOW_WHEN_DONE_NOTHING && self->when_done_id != 0)
    {
      g_clear_handle_id (&self->when_done_id, g_source_remove);
      g_application_withdraw_notification (G_APPLICATION (self->application), "when-done");
      if (meow_task_manager_get_n_active (self->manager) == 0)
        leave_background (self);
    }
}

/**
 * meow_background_set_when_done_delay:
 * @self: the background
 * @delay_ms: how long to wait, once the queue is done, before suspending or powering off
 *
 * The time to cancel (60 s unless set; tests shorten it). Main thread.
 */
void
meow_background_set_when_done_delay (MeowBackground *self, guint delay_ms)
{
  g_return_if_fail (MEOW_IS_BACKGROUND (self));
  self->when_done_delay_ms = delay_ms;
}

static void
when_done_change_state (GSimpleAction *action, GVariant *value, gpointer user_data)
{
  MeowBackground *self = MEOW_BACKGROUND (user_data);
  const char     *name = g_variant_get_string (value, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (when_done_names); i++)
    if (g_str_equal (name, when_done_names[i]))
      {
        meow_background_set_when_done (self, (MeowWhenDone) i);
        return;
      }
}

static void
show_window_activated (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  MeowBackground *self = MEOW_BACKGROUND (user_data);

  g_application_activate (G_APPLICATION (self->application));
}

static const GActionEntry actions[] = {
  { "show-window", show_window_activated },
  { "when-done", NULL, "s", "'nothing'", when_done_change_state },
};

/* ------------------------------------------------------------------ */
/* GObject                                                             */

static void
meow_background_dispose (GObject *object)
{
  MeowBackground *self = MEOW_BACKGROUND (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_handle_id (&self->status_id, g_source_remove);
  g_clear_handle_id (&self->when_done_id, g_source_remove);
  g_clear_handle_id (&self->idle_check_id, g_source_remove);
  if (self->application != NULL)
    {
      for (guint i = 0; i < G_N_ELEMENTS (actions); i++)
        g_action_map_remove_action (G_ACTION_MAP (self->application), actions[i].name);
      g_signal_handlers_disconnect_by_data (self->application, self);
      if (self->inhibit_cookie != 0)
        gtk_application_uninhibit (self->application, self->inhibit_cookie);
      self->inhibit_cookie = 0;
      /* The application is going (shutdown): a hold left would be a leak. */
      if (self->running)
        g_application_release (G_APPLICATION (self->application));
      self->running = FALSE;
      self->application = NULL;
    }
  if (self->manager != NULL)
    g_signal_handlers_disconnect_by_data (self->manager, self);
  if (self->settings != NULL)
    g_signal_handlers_disconnect_by_data (self->settings, self);
#if HAVE_LIBPORTAL
  g_clear_object (&self->portal);
#endif
  g_clear_object (&self->manager);
  g_clear_object (&self->settings);
  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->status, g_free);

  G_OBJECT_CLASS (meow_background_parent_class)->dispose (object);
}

static void
meow_background_class_init (MeowBackgroundClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = meow_background_dispose;
}

static void
meow_background_init (MeowBackground *self)
{
  self->cancellable = g_cancellable_new ();
  self->status_version = -1;
  self->when_done_delay_ms = WHEN_DONE_DELAY_MS;
}

/**
 * meow_background_new:
 * @application: the application (not kept alive by the object: dispose the object in
 *   `shutdown`)
 * @manager: its task manager
 * @settings: its settings (run-in-background, start-at-login)
 *
 * Inhibits logout and suspend while @manager's transfers run, adds the app.show-window
 * and app.when-done actions and waits for meow_background_window_closing(). Main thread,
 * after `startup`.
 *
 * Returns: (transfer full): the background
 */
MeowBackground *
meow_background_new (GtkApplication *application, MeowTaskManager *manager, GSettings *settings)
{
  MeowBackground *self;

  g_return_val_if_fail (GTK_IS_APPLICATION (application), NULL);
  g_return_val_if_fail (MEOW_IS_TASK_MANAGER (manager), NULL);
  g_return_val_if_fail (G_IS_SETTINGS (settings), NULL);

  self = g_object_new (MEOW_TYPE_BACKGROUND, NULL);
  self->application = application;
  self->manager = g_object_ref (manager);
  self->settings = g_object_ref (settings);
#if HAVE_LIBPORTAL
  /* libportal 0.6 takes the session bus for granted. */
  if (g_application_get_dbus_connection (G_APPLICATION (application)) != NULL)
    self->portal = xdp_portal_new ();
  else
    g_debug ("No session bus: Meow asks nobody before it goes on in the background");
#endif

  g_action_map_add_action_entries (G_ACTION_MAP (application), actions, G_N_ELEMENTS (actions),
                                   self);
  g_signal_connect_object (manager, "notify::n-active", G_CALLBACK (n_active_changed_cb), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (manager, "task-finished", G_CALLBACK (task_finished_cb), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (settings, "changed::start-at-login",
                           G_CALLBACK (start_at_login_changed_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (application, "window-added", G_CALLBACK (window_added_cb), self,
                           G_CONNECT_SWAPPED);
  n_active_changed_cb (self);
  return self;
}
