/* meow-scheduler.c: the settings that shape the running queue, applied live
 *
 * One place turns the settings into what the engine runs with, at once and while
 * transfers run: the concurrency (max-downloads, max-uploads), the speed limits, or the
 * alternative ones ("turtle", alt-speed-enabled) with their optional schedule, and the
 * queue's time window (queue-window-*), which holds the queue outside it
 * (meow_client_set_schedule_hold()).
 *
 * Times are minutes after local midnight. A window whose start is after its end runs
 * across midnight; start == end means all day. The clock is read every few seconds,
 * never trusted to run evenly: a clock set forward or back, a change of time zone or of
 * summer time, or a suspend through the window's edge is seen at the next reading.
 *
 * The alternative speed follows Transmission: the header's toggle switches it by hand,
 * and its schedule switches it at the schedule's edges only, so a hand switch holds
 * until the next edge. A schedule that is turned on, or edited, applies at once.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "meow-scheduler.h"

/* How often the wall clock is read (seconds). */
#define CLOCK_INTERVAL_S 5

struct _MeowScheduler
{
  GObject parent_instance;

  MeowClient        *client;
  GSettings         *settings;
  MeowSchedulerClock clock;
  gpointer           clock_data;
  guint              timer;
  gboolean           queue_open;
  /* The alternative speed's schedule as last read: -1 unknown (not read since it was
   * turned on or edited), else whether now is inside it. */
  int alt_scheduled;
};

enum
{
  PROP_0,
  PROP_QUEUE_OPEN,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (MeowScheduler, meow_scheduler, G_TYPE_OBJECT)

/**
 * meow_scheduler_in_window:
 * @start: the window's first minute after midnight (0–1439)
 * @end: the minute it closes (0–1439); before @start for a window across midnight
 * @minute: the minute of the day to test
 *
 * Whether @minute is inside [@start, @end); @start == @end is all day. Pure.
 */
gboolean
meow_scheduler_in_window (guint start, guint end, guint minute)
{
  if (start == end)
    return TRUE;
  if (start < end)
    return minute >= start && minute < end;
  return minute >= start || minute < end;
}

/**
 * meow_scheduler_in_schedule:
 * @days: the days the schedule runs on: bit 0 Sunday … bit 6 Saturday (as Transmission)
 * @start: see meow_scheduler_in_window()
 * @end: see meow_scheduler_in_window()
 * @now: the local time
 *
 * Whether @now is inside the schedule. A window across midnight belongs to the day it
 * starts on: Friday's 22:00–06:00 is still on early Saturday. Pure.
 */
gboolean
meow_scheduler_in_schedule (guint days, guint start, guint end, GDateTime *now)
{
  guint minute = g_date_time_get_hour (now) * 60 + g_date_time_get_minute (now);
  guint weekday = g_date_time_get_day_of_week (now) % 7; /* 0 Sunday … 6 Saturday */

  if (!meow_scheduler_in_window (start, end, minute))
    return FALSE;
  /* After midnight in a window that began the day before. */
  if (start > end && minute < end)
    weekday = (weekday + 6) % 7;
  return (days & (1u << weekday)) != 0;
}

static GDateTime *
system_clock (gpointer user_data)
{
  return g_date_time_new_now_local ();
}

static void
apply_limits (MeowScheduler *self)
{
  gboolean alt = g_settings_get_boolean (self->settings, "alt-speed-enabled");

  meow_client_set_speed_limits (
      self->client,
      g_settings_get_uint64 (self->settings, alt ? "alt-download-limit" : "download-limit"),
      g_settings_get_uint64 (self->settings, alt ? "alt-upload-limit" : "upload-limit"));
}

static void
apply_max_transfers (MeowScheduler *self)
{
  g_autoptr (GError) error = NULL;

  /* The settings' ranges match the engine's, so only a closed client refuses. */
  if (!meow_client_set_max_transfers (self->client,
                                      g_settings_get_uint (self->settings, "max-downloads"),
                                      g_settings_get_uint (self->settings, "max-uploads"), &error))
    g_debug ("Concurrency limits not applied: %s", error->message);
}

/**
 * meow_scheduler_update:
 *
 * Reads the clock and follows it: the queue's hold, and the alternative speed at its
 * schedule's edges. The timer calls it; so may a test after changing its clock. Main
 * thread.
 */
void
meow_scheduler_update (MeowScheduler *self)
{
  g_autoptr (GDateTime) now = NULL;
  gboolean open = TRUE;

  g_return_if_fail (MEOW_IS_SCHEDULER (self));

  now = self->clock (self->clock_data);
  if (g_settings_get_boolean (self->settings, "queue-window-enabled"))
    {
      guint minute = g_date_time_get_hour (now) * 60 + g_date_time_get_minute (now);

      open = meow_scheduler_in_window (g_settings_get_uint (self->settings, "queue-window-start"),
                                       g_settings_get_uint (self->settings, "queue-window-end"),
                                       minute);
    }
  if (open != self->queue_open)
    {
      self->queue_open = open;
      meow_client_set_schedule_hold (self->client, !open);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_QUEUE_OPEN]);
    }

  if (g_settings_get_boolean (self->settings, "alt-speed-scheduled"))
    {
      int inside =
          meow_scheduler_in_schedule (g_settings_get_uint (self->settings, "alt-speed-days"),
                                      g_settings_get_uint (self->settings, "alt-speed-start"),
                                      g_settings_get_uint (self->settings, "alt-speed-end"), now);

      if (inside != self->alt_scheduled)
        {
          self->alt_scheduled = inside;
          /* Through the setting, so that the header's toggle shows it; apply_limits()
           * follows from its ::changed. */
          g_settings_set_boolean (self->settings, "alt-speed-enabled", inside);
        }
    }
}

static gboolean
timer_cb (gpointer user_data)
{
  meow_scheduler_update (user_data);
  return G_SOURCE_CONTINUE;
}

/* The schedule was turned on or edited: it applies at once. */
static void
alt_schedule_changed_cb (MeowScheduler *self)
{
  self->alt_scheduled = -1;
  meow_scheduler_update (self);
}

/**
 * meow_scheduler_set_clock:
 * @clock: (nullable): the clock to read from now on; %NULL for the system's
 *
 * A test's clock, so that a window of hours is tested without waiting for them. Reads
 * it at once (meow_scheduler_update()). Main thread.
 */
void
meow_scheduler_set_clock (MeowScheduler *self, MeowSchedulerClock clock, gpointer user_data)
{
  g_return_if_fail (MEOW_IS_SCHEDULER (self));

  self->clock = clock ? clock : system_clock;
  self->clock_data = clock ? user_data : NULL;
  meow_scheduler_update (self);
}

/**
 * meow_scheduler_get_queue_open:
 *
 * Returns: whether the queue may run now (inside its time window, or no window set)
 */
gboolean
meow_scheduler_get_queue_open (MeowScheduler *self)
{
  g_return_val_if_fail (MEOW_IS_SCHEDULER (self), FALSE);
  return self->queue_open;
}

/**
 * meow_scheduler_stop:
 *
 * Stops following the clock and the settings (the application shuts down). Main thread.
 */
void
meow_scheduler_stop (MeowScheduler *self)
{
  g_return_if_fail (MEOW_IS_SCHEDULER (self));

  g_clear_handle_id (&self->timer, g_source_remove);
  if (self->settings != NULL)
    g_signal_handlers_disconnect_by_data (self->settings, self);
}

static void
meow_scheduler_dispose (GObject *object)
{
  MeowScheduler *self = MEOW_SCHEDULER (object);

  meow_scheduler_stop (self);
  g_clear_object (&self->settings);
  g_clear_object (&self->client);

  G_OBJECT_CLASS (meow_scheduler_parent_class)->dispose (object);
}

static void
meow_scheduler_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  MeowScheduler *self = MEOW_SCHEDULER (object);

  switch (prop_id)
    {
    case PROP_QUEUE_OPEN:
      g_value_set_boolean (value, self->queue_open);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
meow_scheduler_class_init (MeowSchedulerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = meow_scheduler_dispose;
  object_class->get_property = meow_scheduler_get_property;

  /**
   * MeowScheduler:queue-open:
   *
   * Whether the queue may run now (meow_scheduler_get_queue_open()).
   */
  properties[PROP_QUEUE_OPEN] =
      g_param_spec_boolean ("queue-open", NULL, NULL, TRUE,
                            G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
meow_scheduler_init (MeowScheduler *self)
{
  self->clock = system_clock;
  self->queue_open = TRUE;
  self->alt_scheduled = -1;
}

static void
connect_changed (MeowScheduler *self, const char *const *keys, GCallback callback)
{
  for (guint i = 0; keys[i] != NULL; i++)
    {
      g_autofree char *signal = g_strconcat ("changed::", keys[i], NULL);
      g_autoptr (GVariant) value = NULL;

      g_signal_connect_object (self->settings, signal, callback, self, G_CONNECT_SWAPPED);
      /* GSettings emits ::changed only for keys read since a handler was connected. */
      value = g_settings_get_value (self->settings, keys[i]);
    }
}

/**
 * meow_scheduler_new:
 * @client: (transfer none): the engine to apply the settings to
 * @settings: (transfer none): the application's settings
 *
 * Applies the concurrency, the speed limits and the schedules of @settings to @client
 * now and whenever they, or the time, change, until meow_scheduler_stop(). Main thread.
 *
 * Returns: (transfer full): the scheduler
 */
MeowScheduler *
meow_scheduler_new (MeowClient *client, GSettings *settings)
{
  static const char *const limit_keys[] = { "download-limit",     "upload-limit",
                                            "alt-download-limit", "alt-upload-limit",
                                            "alt-speed-enabled",  NULL };
  static const char *const max_keys[] = { "max-downloads", "max-uploads", NULL };
  static const char *const window_keys[] = { "queue-window-enabled", "queue-window-start",
                                             "queue-window-end", NULL };
  static const char *const alt_schedule_keys[] = { "alt-speed-scheduled", "alt-speed-days",
                                                   "alt-speed-start", "alt-speed-end", NULL };
  MeowScheduler           *self;

  g_return_val_if_fail (MEOW_IS_CLIENT (client), NULL);
  g_return_val_if_fail (G_IS_SETTINGS (settings), NULL);

  self = g_object_new (MEOW_TYPE_SCHEDULER, NULL);
  self->client = g_object_ref (client);
  self->settings = g_object_ref (settings);
  connect_changed (self, limit_keys, G_CALLBACK (apply_limits));
  connect_changed (self, max_keys, G_CALLBACK (apply_max_transfers));
  connect_changed (self, window_keys, G_CALLBACK (meow_scheduler_update));
  connect_changed (self, alt_schedule_keys, G_CALLBACK (alt_schedule_changed_cb));

  apply_max_transfers (self);
  meow_scheduler_update (self);
  apply_limits (self);
  self->timer = g_timeout_add_seconds (CLOCK_INTERVAL_S, timer_cb, self);
  return self;
}
