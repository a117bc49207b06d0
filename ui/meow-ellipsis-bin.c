/* meow-ellipsis-bin.c: a middle-ellipsised label without a gap after its "…"
 *
 * Pango fills the width it was given when it ellipsises a line: what is left over
 * after it removed whole characters (up to one character's width) is added to the
 * advance of the "…" glyph (ellipsize.c, fixup_ellipsis_run()). At the end of a
 * left-aligned line that space is invisible; in the middle it shows as a gap
 * ("talk-r…  webm"). A GtkLabel gives its layout all of its allocation, so the gap
 * comes with every middle-ellipsised label that is narrower than its text.
 *
 * MeowEllipsisBin holds one such GtkLabel (its child in the .ui) and, once the label
 * has laid its text out at the width offered, allocates it again that much narrower:
 * the same characters fit exactly, and the left-over space goes where the label's
 * xalign puts it (after the text for xalign 0). Measuring is the label's own.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "meow-ellipsis-bin.h"

struct _MeowEllipsisBin
{
  GtkWidget parent_instance;
};

G_DEFINE_FINAL_TYPE (MeowEllipsisBin, meow_ellipsis_bin, GTK_TYPE_WIDGET)

/**
 * meow_ellipsis_bin_get_gap:
 * @label: a label that has been allocated
 *
 * The space Pango added after the "…" of @label's ellipsised text as it is laid out
 * now, in pixels (rounded down): 0 when the label is not ellipsised. Main thread.
 *
 * Returns: the gap, in pixels
 */
int
meow_ellipsis_bin_get_gap (GtkLabel *label)
{
  PangoLayout *layout;
  g_autoptr (PangoLayout) ellipsis = NULL;
  int natural = 0;
  int gap = 0;

  g_return_val_if_fail (GTK_IS_LABEL (label), 0);

  layout = gtk_label_get_layout (label);
  if (!pango_layout_is_ellipsized (layout))
    return 0;
  /* The "…" as Pango shapes it on its own, in the label's font. */
  ellipsis = gtk_widget_create_pango_layout (GTK_WIDGET (label), "…");
  pango_layout_get_size (ellipsis, &natural, NULL);
  for (GSList *l = pango_layout_get_lines_readonly (layout); l != NULL; l = l->next)
    for (GSList *r = ((PangoLayoutLine *) l->data)->runs; r != NULL; r = r->next)
      {
        PangoGlyphItem *run = r->data;

        if (run->item->analysis.flags & PANGO_ANALYSIS_FLAG_IS_ELLIPSIS)
          gap = MAX (gap, pango_glyph_string_get_width (run->glyphs) - natural);
      }
  return MAX (gap, 0) / PANGO_SCALE;
}

static void
meow_ellipsis_bin_measure (GtkWidget     *widget,
                           GtkOrientation orientation,
                           int            for_size,
                           int           *minimum,
                           int           *natural,
                           int           *minimum_baseline,
                           int           *natural_baseline)
{
  GtkWidget *child = gtk_widget_get_first_child (widget);

  if (child != NULL)
    gtk_widget_measure (child, orientation, for_size, minimum, natural, minimum_baseline,
                        natural_baseline);
}

static void
meow_ellipsis_bin_size_allocate (GtkWidget *widget, int width, int height, int baseline)
{
  GtkWidget *child = gtk_widget_get_first_child (widget);
  int        gap;
  float      xalign;

  if (child == NULL)
    return;
  gtk_widget_allocate (child, width, height, baseline, NULL);
  if (!GTK_IS_LABEL (child) || (gap = meow_ellipsis_bin_get_gap (GTK_LABEL (child))) <= 0)
    return;
  /* Narrower by the gap: the label lays out the same characters, now without it. */
  xalign = gtk_label_get_xalign (GTK_LABEL (child));
  if (gtk_widget_get_direction (child) == GTK_TEXT_DIR_RTL)
    xalign = 1 - xalign;
  gtk_widget_allocate (child, width - gap, height, baseline,
                       gsk_transform_translate (NULL, &GRAPHENE_POINT_INIT (gap * xalign, 0)));
}

static void
meow_ellipsis_bin_dispose (GObject *object)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (object))) != NULL)
    gtk_widget_unparent (child);
  G_OBJECT_CLASS (meow_ellipsis_bin_parent_class)->dispose (object);
}

static void
meow_ellipsis_bin_class_init (MeowEllipsisBinClass *klass)
{
  GObjectClass   *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = meow_ellipsis_bin_dispose;
  widget_class->measure = meow_ellipsis_bin_measure;
  widget_class->size_allocate = meow_ellipsis_bin_size_allocate;
}

static void
meow_ellipsis_bin_init (MeowEllipsisBin *self)
{
}
