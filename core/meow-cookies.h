/* meow-cookies.h: cookies from a Netscape cookies.txt file
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

#include "meow-visibility.h"

G_BEGIN_DECLS

MEOW_AVAILABLE_IN_ALL
char *meow_cookies_txt_lookup (const char *text, gssize length, const char *url, guint *n_skipped);

G_END_DECLS
