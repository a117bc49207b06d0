/* meow-speed-graph.h: a task's speed over the last minutes
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "meow-task-item.h"

G_BEGIN_DECLS

#define MEOW_TYPE_SPEED_GRAPH (meow_speed_graph_get_type ())

G_DECLARE_FINAL_TYPE (MeowSpeedGraph, meow_speed_graph, MEOW, SPEED_GRAPH, GtkWidget)

GtkWidget *meow_speed_graph_new (void);
void       meow_speed_graph_set_samples (MeowSpeedGraph        *self,
                                         const MeowSpeedSample *samples,
                                         guint                  n_samples);
guint      meow_speed_graph_get_n_points (MeowSpeedGraph *self);
double     meow_speed_graph_get_peak (MeowSpeedGraph *self);

G_END_DECLS
