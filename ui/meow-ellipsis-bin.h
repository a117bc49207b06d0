/* meow-ellipsis-bin.h: a middle-ellipsised label without a gap after its "…"
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define MEOW_TYPE_ELLIPSIS_BIN (meow_ellipsis_bin_get_type ())

G_DECLARE_FINAL_TYPE (MeowEllipsisBin, meow_ellipsis_bin, MEOW, ELLIPSIS_BIN, GtkWidget)

int meow_ellipsis_bin_get_gap (GtkLabel *label);

G_END_DECLS
