/* meow-speed-graph.c: a task's speed over the last minutes
 *
 * One bar per sample of the item's speed history (meow_task_item_get_speed_history()),
 * the newest on the right, scaled to the peak of what is shown; drawn with GtkSnapshot
 * rectangles only (no cairo), in the widget's colour, with a faint line at the peak.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "meow-speed-graph.h"
#include "meow-widget-color.h"

/* The graph spans this much time (the history keeps 5 minutes). */
#define SPAN_US (3 * 60 * G_USEC_PER_SEC)
#define BAR_US (G_USEC_PER_SEC / 2)

struct _MeowSpeedGraph
{
  GtkWidget parent_instance;

  GArray *samples; /* MeowSpeedSample, oldest first */
  double  peak;
};

G_DEFINE_FINAL_TYPE (MeowSpeedGraph, meow_speed_graph, GTK_TYPE_WIDGET)

static void
meow_speed_graph_snapshot (GtkWidget *widget, GtkSnapshot *snapshot)
{
  MeowSpeedGraph *self = MEOW_SPEED_GRAPH (widget);
  float           width = gtk_widget_get_width (widget);
  float           height = gtk_widget_get_height (widget);
  GdkRGBA         color, faint;
  gint64          newest;
  float           bar_width;

  meow_widget_get_fg_color (widget, &color);
  faint = color;
  faint.alpha *= 0.12f;
  gtk_snapshot_append_color (snapshot, &faint, &GRAPHENE_RECT_INIT (0, height - 1, width, 1));
  if (self->samples->len == 0 || self->peak <= 0)
    return;

  newest = g_array_index (self->samples, MeowSpeedSample, self->samples->len - 1).time;
  bar_width = MAX (1.0f, width * BAR_US / (float) SPAN_US);
  color.alpha *= 0.55f;
  for (guint i = 0; i < self->samples->len; i++)
    {
      const MeowSpeedSample *s = &g_array_index (self->samples, MeowSpeedSample, i);
      float                  x = width - (float) (newest - s->time) * width / SPAN_US - bar_width;
      float                  h = (float) (s->speed / self->peak) * (height - 2);

      if (x + bar_width < 0 || h <= 0)
        continue;
      gtk_snapshot_append_color (snapshot, &color,
                                 &GRAPHENE_RECT_INIT (MAX (0, x), height - 1 - h, bar_width, h));
    }
  gtk_snapshot_append_color (snapshot, &faint, &GRAPHENE_RECT_INIT (0, 1, width, 1));
}

static void
meow_speed_graph_finalize (GObject *object)
{
  MeowSpeedGraph *self = MEOW_SPEED_GRAPH (object);

  g_array_unref (self->samples);
  G_OBJECT_CLASS (meow_speed_graph_parent_class)->finalize (object);
}

static void
meow_speed_graph_class_init (MeowSpeedGraphClass *klass)
{
  GObjectClass   *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->finalize = meow_speed_graph_finalize;
  widget_class->snapshot = meow_speed_graph_snapshot;
  gtk_widget_class_set_css_name (widget_class, "speedgraph");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
meow_speed_graph_init (MeowSpeedGraph *self)
{
  gtk_widget_set_size_request (GTK_WIDGET (self), 120, 96);
  self->samples = g_array_new (FALSE, FALSE, sizeof (MeowSpeedSample));
}

GtkWidget *
meow_speed_graph_new (void)
{
  return g_object_new (MEOW_TYPE_SPEED_GRAPH, NULL);
}

/**
 * meow_speed_graph_set_samples:
 * @samples: (array length=n_samples) (nullable): oldest first; copied
 *
 * Shows @samples: those of the last three minutes before the newest. Main thread.
 */
void
meow_speed_graph_set_samples (MeowSpeedGraph *self, const MeowSpeedSample *samples, guint n_samples)
{
  g_return_if_fail (MEOW_IS_SPEED_GRAPH (self));

  g_array_set_size (self->samples, 0);
  self->peak = 0;
  if (n_samples > 0)
    {
      gint64 newest = samples[n_samples - 1].time;

      for (guint i = 0; i < n_samples; i++)
        if (samples[i].time >= newest - SPAN_US)
          {
            g_array_append_val (self->samples, samples[i]);
            self->peak = MAX (self->peak, samples[i].speed);
          }
    }
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

/* The samples shown (for tests). */
guint
meow_speed_graph_get_n_points (MeowSpeedGraph *self)
{
  g_return_val_if_fail (MEOW_IS_SPEED_GRAPH (self), 0);
  return self->samples->len;
}

/* The highest speed shown, bytes per second (the graph's top). */
double
meow_speed_graph_get_peak (MeowSpeedGraph *self)
{
  g_return_val_if_fail (MEOW_IS_SPEED_GRAPH (self), 0);
  return self->peak;
}
