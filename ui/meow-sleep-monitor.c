/* meow-sleep-monitor.c: logind's sleep, turned into the client's sleep and wake
 *
 * logind (`org.freedesktop.login1` on the system bus) announces a suspend with
 * `PrepareForSleep (true)` and the wake with `PrepareForSleep (false)`. It waits for the
 * holders of a *delay* inhibitor before it sleeps, up to `InhibitDelayMaxSec` (5 s by
 * default). So while logind is on the bus the monitor holds one delay inhibitor (a file
 * descriptor from `Manager.Inhibit`); on `PrepareForSleep (true)` it asks the client to
 * checkpoint every running transfer (meow_client_sleep_async()) and closes the
 * descriptor when that is done, or after 4 s, whichever comes first, so that a slow disk
 * never makes logind wait out its own limit. On `PrepareForSleep (false)` it wakes the
 * client (meow_client_wake()) and takes a new inhibitor for the next sleep.
 *
 * Without logind (no system bus, the name absent, the call refused) the monitor does
 * nothing and says so once at debug level; the network monitor's change after a wake
 * still restarts the transfers then (docs/engine.md).
 *
 * Everything runs in the thread-default main context of the thread that made the
 * monitor. The bus is the system bus, so tests point DBUS_SYSTEM_BUS_ADDRESS at a bus
 * of their own.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <gio/gunixfdlist.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "meow-sleep-monitor.h"

#define LOGIND_NAME "org.freedesktop.login1"
#define LOGIND_PATH "/org/freedesktop/login1"
#define LOGIND_MANAGER "org.freedesktop.login1.Manager"

/* Below logind's default InhibitDelayMaxSec (5 s): we let go before it gives up on us. */
#define RELEASE_AFTER_MS 4000

struct _MeowSleepMonitor
{
  GObject parent_instance;

  MeowClient   *client;
  GMainContext *context; /* the thread-default context at construction */

  guint            watch_id;
  GDBusConnection *bus;       /* while logind is on it */
  guint            signal_id; /* PrepareForSleep */

  int           inhibit_fd;          /* the delay inhibitor, -1: none */
  GCancellable *inhibit_cancellable; /* the Inhibit call in flight */
  GCancellable *sleep_cancellable;   /* the client's sleep in flight */
  GSource      *release_source;      /* lets the inhibitor go after RELEASE_AFTER_MS */
  gboolean      sleeping;

  gboolean said_absent;  /* "no logind" logged */
  gboolean said_refused; /* "Inhibit refused" logged */
};

G_DEFINE_FINAL_TYPE (MeowSleepMonitor, meow_sleep_monitor, G_TYPE_OBJECT)

enum
{
  PROP_0,
  PROP_CLIENT,
  PROP_INHIBITING,
  PROP_SLEEPING,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void take_inhibitor (MeowSleepMonitor *self);

/* ------------------------------------------------------------------ */
/* The inhibitor                                                       */

static void
set_inhibit_fd (MeowSleepMonitor *self, int fd)
{
  gboolean was = self->inhibit_fd >= 0;

  if (self->inhibit_fd >= 0)
    g_close (self->inhibit_fd, NULL);
  self->inhibit_fd = fd;
  if (was != (fd >= 0))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_INHIBITING]);
}

/* Closing the descriptor is what tells logind that we are ready for the sleep. */
static void
release_inhibitor (MeowSleepMonitor *self)
{
  if (self->release_source != NULL)
    {
      g_source_destroy (self->release_source);
      g_clear_pointer (&self->release_source, g_source_unref);
    }
  set_inhibit_fd (self, -1);
}

static void
inhibit_done_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GUnixFDList) fds = NULL;
  g_autoptr (GVariant) reply = NULL;
  g_autoptr (GError) error = NULL;
  MeowSleepMonitor *self;
  gint32            handle;
  int               fd;

  reply = g_dbus_connection_call_with_unix_fd_list_finish (G_DBUS_CONNECTION (source), &fds, result,
                                                           &error);
  /* Cancelled: the monitor let logind go or was disposed; it must not be touched. */
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  self = MEOW_SLEEP_MONITOR (user_data);
  g_clear_object (&self->inhibit_cancellable);

  if (reply == NULL)
    {
      if (!self->said_refused)
        g_debug ("logind refused Meow a delay inhibitor, so transfers are not checkpointed "
                 "before sleep: %s",
                 error->message);
      self->said_refused = TRUE;
      return;
    }

  g_variant_get (reply, "(h)", &handle);
  fd = fds != NULL ? g_unix_fd_list_get (fds, handle, &error) : -1;
  if (fd < 0)
    {
      if (!self->said_refused)
        g_debug ("logind's Inhibit reply carried no file descriptor: %s",
                 error != NULL ? error->message : "no list");
      self->said_refused = TRUE;
      return;
    }

  /* A sleep announced while the call was on its way needs no inhibitor any more. */
  if (self->sleeping)
    g_close (fd, NULL);
  else
    set_inhibit_fd (self, fd);
}

static void
take_inhibitor (MeowSleepMonitor *self)
{
  /* Asleep (logind came back mid-sleep), the wake takes it. */
  if (self->bus == NULL || self->sleeping || self->inhibit_fd >= 0 ||
      self->inhibit_cancellable != NULL)
    return;

  self->inhibit_cancellable = g_cancellable_new ();
  g_dbus_connection_call_with_unix_fd_list (
      self->bus, LOGIND_NAME, LOGIND_PATH, LOGIND_MANAGER, "Inhibit",
      g_variant_new ("(ssss)", "sleep", "Meow", _ ("Saving transfer checkpoints"), "delay"),
      G_VARIANT_TYPE ("(h)"), G_DBUS_CALL_FLAGS_NONE, -1, NULL, self->inhibit_cancellable,
      inhibit_done_cb, self);
}

static void
cancel_inhibit_call (MeowSleepMonitor *self)
{
  if (self->inhibit_cancellable != NULL)
    g_cancellable_cancel (self->inhibit_cancellable);
  g_clear_object (&self->inhibit_cancellable);
}

/* ------------------------------------------------------------------ */
/* Sleep and wake                                                      */

static void
set_sleeping (MeowSleepMonitor *self, gboolean sleeping)
{
  if (self->sleeping == sleeping)
    return;
  self->sleeping = sleeping;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SLEEPING]);
}

static void
sleep_done_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GError) error = NULL;
  MeowSleepMonitor *self;

  /* Cancelled by a wake or the monitor's dispose: the monitor must not be touched. */
  if (!meow_client_sleep_finish (MEOW_CLIENT (source), result, &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      g_debug ("The transfers could not be checkpointed before sleep: %s", error->message);
    }

  self = MEOW_SLEEP_MONITOR (user_data);
  g_clear_object (&self->sleep_cancellable);
  release_inhibitor (self);
}

static gboolean
release_timeout_cb (gpointer user_data)
{
  MeowSleepMonitor *self = MEOW_SLEEP_MONITOR (user_data);

  g_debug ("The transfers' checkpoints took longer than %d ms; letting the system sleep",
           RELEASE_AFTER_MS);
  g_clear_pointer (&self->release_source, g_source_unref);
  set_inhibit_fd (self, -1);
  return G_SOURCE_REMOVE;
}

static void
prepare_for_sleep (MeowSleepMonitor *self)
{
  if (self->sleeping)
    return;
  set_sleeping (self, TRUE);
  cancel_inhibit_call (self);

  self->sleep_cancellable = g_cancellable_new ();
  meow_client_sleep_async (self->client, self->sleep_cancellable, sleep_done_cb, self);

  if (self->inhibit_fd >= 0 && self->release_source == NULL)
    {
      self->release_source = g_timeout_source_new (RELEASE_AFTER_MS);
      g_source_set_callback (self->release_source, release_timeout_cb, self, NULL);
      g_source_attach (self->release_source, self->context);
    }
}

/* Also without a sleep seen first: the connections may have died all the same. */
static void
woke (MeowSleepMonitor *self)
{
  if (self->sleep_cancellable != NULL)
    g_cancellable_cancel (self->sleep_cancellable);
  g_clear_object (&self->sleep_cancellable);
  release_inhibitor (self);
  meow_client_wake (self->client);
  set_sleeping (self, FALSE);
  take_inhibitor (self);
}

static void
prepare_for_sleep_cb (GDBusConnection *connection,
                      const char      *sender_name,
                      const char      *object_path,
                      const char      *interface_name,
                      const char      *signal_name,
                      GVariant        *parameters,
                      gpointer         user_data)
{
  MeowSleepMonitor *self = MEOW_SLEEP_MONITOR (user_data);
  gboolean          start;

  if (!g_variant_is_of_type (parameters, G_VARIANT_TYPE ("(b)")))
    return;
  g_variant_get (parameters, "(b)", &start);
  if (start)
    prepare_for_sleep (self);
  else
    woke (self);
}

/* ------------------------------------------------------------------ */
/* logind on the bus                                                   */

static void
forget_bus (MeowSleepMonitor *self)
{
  if (self->signal_id != 0)
    g_dbus_connection_signal_unsubscribe (self->bus, self->signal_id);
  self->signal_id = 0;
  cancel_inhibit_call (self);
  g_clear_object (&self->bus);
}

static void
name_appeared_cb (GDBusConnection *connection,
                  const char      *name,
                  const char      *name_owner,
                  gpointer         user_data)
{
  MeowSleepMonitor *self = MEOW_SLEEP_MONITOR (user_data);

  forget_bus (self);
  self->bus = g_object_ref (connection);
  self->signal_id = g_dbus_connection_signal_subscribe (
      connection, LOGIND_NAME, LOGIND_MANAGER, "PrepareForSleep", LOGIND_PATH, NULL,
      G_DBUS_SIGNAL_FLAGS_NONE, prepare_for_sleep_cb, self, NULL);
  take_inhibitor (self);
}

static void
name_vanished_cb (GDBusConnection *connection, const char *name, gpointer user_data)
{
  MeowSleepMonitor *self = MEOW_SLEEP_MONITOR (user_data);

  if (!self->said_absent)
    g_debug ("%s, so transfers are not checkpointed before sleep",
             connection == NULL ? "No system bus" : "No logind on the system bus");
  self->said_absent = TRUE;

  forget_bus (self);
  release_inhibitor (self);
  /* logind gone between PrepareForSleep (true) and (false): no wake will come. */
  if (self->sleeping)
    woke (self);
}

/* ------------------------------------------------------------------ */
/* GObject                                                             */

static void
meow_sleep_monitor_constructed (GObject *object)
{
  MeowSleepMonitor *self = MEOW_SLEEP_MONITOR (object);

  G_OBJECT_CLASS (meow_sleep_monitor_parent_class)->constructed (object);

  g_return_if_fail (self->client != NULL);
  self->watch_id = g_bus_watch_name (G_BUS_TYPE_SYSTEM, LOGIND_NAME, G_BUS_NAME_WATCHER_FLAGS_NONE,
                                     name_appeared_cb, name_vanished_cb, self, NULL);
}

static void
meow_sleep_monitor_dispose (GObject *object)
{
  MeowSleepMonitor *self = MEOW_SLEEP_MONITOR (object);

  g_clear_handle_id (&self->watch_id, g_bus_unwatch_name);
  forget_bus (self);
  if (self->sleep_cancellable != NULL)
    g_cancellable_cancel (self->sleep_cancellable);
  g_clear_object (&self->sleep_cancellable);
  release_inhibitor (self);
  g_clear_object (&self->client);

  G_OBJECT_CLASS (meow_sleep_monitor_parent_class)->dispose (object);
}

static void
meow_sleep_monitor_finalize (GObject *object)
{
  MeowSleepMonitor *self = MEOW_SLEEP_MONITOR (object);

  g_main_context_unref (self->context);

  G_OBJECT_CLASS (meow_sleep_monitor_parent_class)->finalize (object);
}

static void
meow_sleep_monitor_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  MeowSleepMonitor *self = MEOW_SLEEP_MONITOR (object);

  switch (prop_id)
    {
    case PROP_CLIENT:
      g_value_set_object (value, self->client);
      break;
    case PROP_INHIBITING:
      g_value_set_boolean (value, meow_sleep_monitor_get_inhibiting (self));
      break;
    case PROP_SLEEPING:
      g_value_set_boolean (value, self->sleeping);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
meow_sleep_monitor_set_property (GObject      *object,
                                 guint         prop_id,
                                 const GValue *value,
                                 GParamSpec   *pspec)
{
  MeowSleepMonitor *self = MEOW_SLEEP_MONITOR (object);

  switch (prop_id)
    {
    case PROP_CLIENT:
      self->client = g_value_dup_object (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
meow_sleep_monitor_class_init (MeowSleepMonitorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->constructed = meow_sleep_monitor_constructed;
  object_class->dispose = meow_sleep_monitor_dispose;
  object_class->finalize = meow_sleep_monitor_finalize;
  object_class->get_property = meow_sleep_monitor_get_property;
  object_class->set_property = meow_sleep_monitor_set_property;

  /**
   * MeowSleepMonitor:client:
   *
   * The client whose transfers are checkpointed before sleep and woken after.
   */
  properties[PROP_CLIENT] =
      g_param_spec_object ("client", NULL, NULL, MEOW_TYPE_CLIENT,
                           G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  /**
   * MeowSleepMonitor:inhibiting:
   *
   * Whether the monitor holds logind's delay inhibitor (logind waits for it before
   * the system sleeps).
   */
  properties[PROP_INHIBITING] =
      g_param_spec_boolean ("inhibiting", NULL, NULL, FALSE,
                            G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * MeowSleepMonitor:sleeping:
   *
   * Whether logind announced a sleep (`PrepareForSleep (true)`) and no wake yet.
   */
  properties[PROP_SLEEPING] =
      g_param_spec_boolean ("sleeping", NULL, NULL, FALSE,
                            G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
meow_sleep_monitor_init (MeowSleepMonitor *self)
{
  self->inhibit_fd = -1;
  self->context = g_main_context_ref_thread_default ();
}

/* ------------------------------------------------------------------ */
/* API                                                                 */

/**
 * meow_sleep_monitor_new:
 * @client: the client to put to sleep and wake
 *
 * Watches logind on the system bus (DBUS_SYSTEM_BUS_ADDRESS when set) and, while it is
 * there, holds a delay inhibitor, checkpoints @client's transfers on
 * `PrepareForSleep (true)` and wakes them on `PrepareForSleep (false)`. Without logind
 * it does nothing. Dispose it before closing @client (disposed between a sleep and its
 * wake, it leaves @client suspended until meow_client_wake()). Main thread, or any
 * thread: it runs in the thread-default main context of the thread that calls this.
 *
 * Returns: (transfer full): a new monitor
 */
MeowSleepMonitor *
meow_sleep_monitor_new (MeowClient *client)
{
  g_return_val_if_fail (MEOW_IS_CLIENT (client), NULL);

  return g_object_new (MEOW_TYPE_SLEEP_MONITOR, "client", client, NULL);
}

/**
 * meow_sleep_monitor_get_client:
 * @self: a monitor
 *
 * The monitor's thread.
 *
 * Returns: (transfer none): the client it was made for
 */
MeowClient *
meow_sleep_monitor_get_client (MeowSleepMonitor *self)
{
  g_return_val_if_fail (MEOW_IS_SLEEP_MONITOR (self), NULL);

  return self->client;
}

/**
 * meow_sleep_monitor_get_inhibiting:
 * @self: a monitor
 *
 * The #MeowSleepMonitor:inhibiting property. The monitor's thread.
 *
 * Returns: whether the monitor holds logind's delay inhibitor
 */
gboolean
meow_sleep_monitor_get_inhibiting (MeowSleepMonitor *self)
{
  g_return_val_if_fail (MEOW_IS_SLEEP_MONITOR (self), FALSE);

  return self->inhibit_fd >= 0;
}

/**
 * meow_sleep_monitor_get_sleeping:
 * @self: a monitor
 *
 * The #MeowSleepMonitor:sleeping property. The monitor's thread.
 *
 * Returns: whether logind announced a sleep and no wake yet
 */
gboolean
meow_sleep_monitor_get_sleeping (MeowSleepMonitor *self)
{
  g_return_val_if_fail (MEOW_IS_SLEEP_MONITOR (self), FALSE);

  return self->sleeping;
}
