/* meow-error.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "meow-error.h"

G_DEFINE_QUARK (meow - error - quark, meow_error)
