/* meow-error.c
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "meow-error.h"

/* The quark's string is written into saved task lists: keep the formatter from spacing
 * out the hyphens (it once made it "meow - error - quark", which old lists still hold;
 * the store reads that name as this domain too). */
/* clang-format off */
G_DEFINE_QUARK (meow-error-quark, meow_error)
/* clang-format on */
