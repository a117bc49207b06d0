/* meow-links.h: web links in the text a user types, pastes, drops or opens
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

gboolean meow_parse_url (const char *text);
char   **meow_split_urls (const char *text, char ***junk);

G_END_DECLS
