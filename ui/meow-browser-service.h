/* meow-browser-service.h: the app's D-Bus interface for the browser hand-off
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "meow-ui-types.h"

G_BEGIN_DECLS

#define MEOW_TYPE_BROWSER_SERVICE (meow_browser_service_get_type ())

G_DECLARE_FINAL_TYPE (MeowBrowserService, meow_browser_service, MEOW, BROWSER_SERVICE, GObject)

MeowBrowserService *meow_browser_service_new (void);
void     meow_browser_service_set_manager (MeowBrowserService *self, MeowTaskManager *manager);
gboolean meow_browser_service_register (MeowBrowserService *self,
                                        GDBusConnection    *connection,
                                        const char         *object_path,
                                        GError            **error);
void     meow_browser_service_unregister (MeowBrowserService *self);

G_END_DECLS
