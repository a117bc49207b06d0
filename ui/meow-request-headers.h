/* meow-request-headers.h: the request headers a user types for a download
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

char   **meow_request_headers_parse (const char *text, GError **error);
gboolean meow_request_header_value_is_valid (const char *value);

G_END_DECLS
