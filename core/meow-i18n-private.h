/* meow-i18n-private.h: libmeow's own gettext domain
 *
 * libmeow is embedded by other applications, so its messages live in a gettext domain of
 * their own, MEOW_GETTEXT_PACKAGE ("libmeow-1", catalogue libmeow-1.mo under LOCALEDIR),
 * the way GNOME libraries keep theirs: the embedding application's textdomain() does not
 * matter. An application may bind the domain to another folder before libmeow's first
 * message (see _meow_i18n_init()). Core files include this header instead of <glib/gi18n.h> (which
 * would look the messages up in the application's domain).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define _(String) _meow_gettext (String)
#define N_(String) (String)

void        _meow_i18n_init (void);
const char *_meow_gettext (const char *msgid) G_GNUC_FORMAT (1);
const char *_meow_ngettext (const char *msgid, const char *msgid_plural, gulong n) G_GNUC_FORMAT (1)
    G_GNUC_FORMAT (2);

G_END_DECLS
