/* meow-segment-map.h: which byte ranges of a download are done
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "meow.h"

G_BEGIN_DECLS

#define MEOW_TYPE_SEGMENT_MAP (meow_segment_map_get_type ())

G_DECLARE_FINAL_TYPE (MeowSegmentMap, meow_segment_map, MEOW, SEGMENT_MAP, GtkWidget)

GtkWidget *meow_segment_map_new (void);
void       meow_segment_map_set_segments (MeowSegmentMap    *self,
                                          const MeowSegment *segments,
                                          guint              n_segments,
                                          gboolean           complete);
guint      meow_segment_map_get_n_segments (MeowSegmentMap *self);
guint      meow_segment_map_get_n_active (MeowSegmentMap *self);
gint64     meow_segment_map_get_done (MeowSegmentMap *self);

G_END_DECLS
