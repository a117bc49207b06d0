/* meow-widget-color.h: a widget's foreground colour, on GTK 4.8 and later
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* The colour the widget's CSS gives its text, for what it draws itself (the details
 * window's graph and segment map). Main thread. */
static inline void
meow_widget_get_fg_color (GtkWidget *widget, GdkRGBA *color)
{
#if GTK_CHECK_VERSION(4, 10, 0)
  gtk_widget_get_color (widget, color);
#else
  gtk_style_context_get_color (gtk_widget_get_style_context (widget), color);
#endif
}

G_END_DECLS
