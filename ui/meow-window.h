/* meow-window.h: the main window
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "meow-ui-types.h"

G_BEGIN_DECLS

#define MEOW_TYPE_WINDOW (meow_window_get_type ())

G_DECLARE_FINAL_TYPE (MeowWindow, meow_window, MEOW, WINDOW, AdwApplicationWindow)

MeowWindow      *
meow_window_new (GtkApplication *application, MeowTaskManager *manager, GSettings *settings);
void meow_window_add_text (MeowWindow *self, const char *text);
void meow_window_add_toast (MeowWindow *self, AdwToast *toast);
void meow_window_show_removed (MeowWindow *self, MeowTaskItem *item, guint position);
void meow_window_set_filter (MeowWindow *self, const char *filter);
gboolean meow_window_show_task (MeowWindow *self, const char *id);

/* For tests: the list as filtered now, and the widgets they drive. */
GListModel      *meow_window_get_visible_model (MeowWindow *self);
GtkWidget       *meow_window_get_list_view (MeowWindow *self);
const char      *meow_window_get_visible_page (MeowWindow *self);
AdwToast        *meow_window_get_last_toast (MeowWindow *self);
gboolean         meow_window_handle_drop (MeowWindow *self, const GValue *value);
GtkWidget       *meow_window_get_target_dialog (MeowWindow *self);
GtkWidget       *meow_window_get_restart_dialog (MeowWindow *self);
GtkNativeDialog *meow_window_get_upload_chooser (MeowWindow *self);

G_END_DECLS
