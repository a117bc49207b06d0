/* meow-segment-map.c: which byte ranges of a download are done
 *
 * A bar the width of the file: each range (meow_transfer_record_get_segments()) is a
 * cell, its written bytes filled from its start, a range a connection works on now in
 * the accent colour, a parked or finished one in the widget's colour, with a gap
 * between cells. GtkSnapshot rectangles only.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <adwaita.h>

#include "meow-segment-map.h"
#include "meow-widget-color.h"

struct _MeowSegmentMap
{
  GtkWidget parent_instance;

  GArray  *segments; /* MeowSegment */
  gboolean complete;
};

G_DEFINE_FINAL_TYPE (MeowSegmentMap, meow_segment_map, GTK_TYPE_WIDGET)

static void
meow_segment_map_snapshot (GtkWidget *widget, GtkSnapshot *snapshot)
{
  MeowSegmentMap *self = MEOW_SEGMENT_MAP (widget);
  float           width = gtk_widget_get_width (widget);
  float           height = gtk_widget_get_height (widget);
  GdkRGBA         fg, trough, accent = { 0.21f, 0.52f, 0.89f, 1.0f }; /* Adwaita blue 3 */
  gint64          total = 0;

  meow_widget_get_fg_color (widget, &fg);
  trough = fg;
  trough.alpha *= 0.1f;
  fg.alpha *= 0.45f;
  if (adw_style_manager_get_dark (adw_style_manager_get_default ()))
    accent = (GdkRGBA){ 0.47f, 0.68f, 0.93f, 1.0f }; /* the dark style's accent */

  gtk_snapshot_append_color (snapshot, &trough, &GRAPHENE_RECT_INIT (0, 0, width, height));
  if (self->complete)
    {
      gtk_snapshot_append_color (snapshot, &fg, &GRAPHENE_RECT_INIT (0, 0, width, height));
      return;
    }
  for (guint i = 0; i < self->segments->len; i++)
    total = MAX (total, g_array_index (self->segments, MeowSegment, i).end);
  if (total <= 0)
    return;
  for (guint i = 0; i < self->segments->len; i++)
    {
      const MeowSegment *s = &g_array_index (self->segments, MeowSegment, i);
      float              x = (float) ((double) s->start * width / (double) total);
      float              w = (float) ((double) s->done * width / (double) total);

      if (i > 0)
        gtk_snapshot_append_color (snapshot, &trough, &GRAPHENE_RECT_INIT (x, 0, 1, height));
      if (w > 0)
        gtk_snapshot_append_color (snapshot, s->active ? &accent : &fg,
                                   &GRAPHENE_RECT_INIT (x + (i > 0 ? 1 : 0), 0, w, height));
    }
}

static void
meow_segment_map_finalize (GObject *object)
{
  MeowSegmentMap *self = MEOW_SEGMENT_MAP (object);

  g_array_unref (self->segments);
  G_OBJECT_CLASS (meow_segment_map_parent_class)->finalize (object);
}

static void
meow_segment_map_class_init (MeowSegmentMapClass *klass)
{
  GObjectClass   *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->finalize = meow_segment_map_finalize;
  widget_class->snapshot = meow_segment_map_snapshot;
  gtk_widget_class_set_css_name (widget_class, "segmentmap");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
meow_segment_map_init (MeowSegmentMap *self)
{
  gtk_widget_set_size_request (GTK_WIDGET (self), 120, 18);
  self->segments = g_array_new (FALSE, FALSE, sizeof (MeowSegment));
  gtk_widget_set_overflow (GTK_WIDGET (self), GTK_OVERFLOW_HIDDEN);
}

GtkWidget *
meow_segment_map_new (void)
{
  return g_object_new (MEOW_TYPE_SEGMENT_MAP, NULL);
}

/**
 * meow_segment_map_set_segments:
 * @segments: (array length=n_segments) (nullable): in file order; copied
 * @complete: the file is whole (the map shows it full, whatever @segments say)
 *
 * Shows @segments. Main thread.
 */
void
meow_segment_map_set_segments (MeowSegmentMap    *self,
                               const MeowSegment *segments,
                               guint              n_segments,
                               gboolean           complete)
{
  g_return_if_fail (MEOW_IS_SEGMENT_MAP (self));

  g_array_set_size (self->segments, 0);
  if (n_segments > 0)
    g_array_append_vals (self->segments, segments, n_segments);
  self->complete = complete;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

guint
meow_segment_map_get_n_segments (MeowSegmentMap *self)
{
  g_return_val_if_fail (MEOW_IS_SEGMENT_MAP (self), 0);
  return self->segments->len;
}

/* Ranges a connection works on now. */
guint
meow_segment_map_get_n_active (MeowSegmentMap *self)
{
  guint n = 0;

  g_return_val_if_fail (MEOW_IS_SEGMENT_MAP (self), 0);
  for (guint i = 0; i < self->segments->len; i++)
    n += g_array_index (self->segments, MeowSegment, i).active ? 1 : 0;
  return n;
}

/* Bytes written over all ranges. */
gint64
meow_segment_map_get_done (MeowSegmentMap *self)
{
  gint64 done = 0;

  g_return_val_if_fail (MEOW_IS_SEGMENT_MAP (self), 0);
  for (guint i = 0; i < self->segments->len; i++)
    done += g_array_index (self->segments, MeowSegment, i).done;
  return done;
}
