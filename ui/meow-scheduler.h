/* meow-scheduler.h: the settings that shape the running queue, applied live
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>
#include <meow.h>

G_BEGIN_DECLS

#define MEOW_TYPE_SCHEDULER (meow_scheduler_get_type ())

G_DECLARE_FINAL_TYPE (MeowScheduler, meow_scheduler, MEOW, SCHEDULER, GObject)

/* The wall clock in the local time zone, as the schedule reads it: (transfer full). */
typedef GDateTime *(*MeowSchedulerClock) (gpointer user_data);

MeowScheduler *meow_scheduler_new (MeowClient *client, GSettings *settings);
void meow_scheduler_set_clock (MeowScheduler *self, MeowSchedulerClock clock, gpointer user_data);
void meow_scheduler_update (MeowScheduler *self);
gboolean meow_scheduler_get_queue_open (MeowScheduler *self);
void     meow_scheduler_stop (MeowScheduler *self);

gboolean meow_scheduler_in_window (guint start, guint end, guint minute);
gboolean meow_scheduler_in_schedule (guint days, guint start, guint end, GDateTime *now);

G_END_DECLS
