/* meow-sleep-monitor.h: logind's sleep, turned into the client's sleep and wake
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "meow.h"

G_BEGIN_DECLS

#define MEOW_TYPE_SLEEP_MONITOR (meow_sleep_monitor_get_type ())

G_DECLARE_FINAL_TYPE (MeowSleepMonitor, meow_sleep_monitor, MEOW, SLEEP_MONITOR, GObject)

MeowSleepMonitor *meow_sleep_monitor_new (MeowClient *client);
MeowClient       *meow_sleep_monitor_get_client (MeowSleepMonitor *self);
gboolean          meow_sleep_monitor_get_inhibiting (MeowSleepMonitor *self);
gboolean          meow_sleep_monitor_get_sleeping (MeowSleepMonitor *self);

G_END_DECLS
