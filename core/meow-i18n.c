/* meow-i18n.c: libmeow's gettext domain, bound once
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "meow-i18n-private.h"

#include <libintl.h>

/**
 * _meow_i18n_init:
 *
 * Binds libmeow's gettext domain (MEOW_GETTEXT_PACKAGE) to LOCALEDIR with UTF-8 output,
 * once per process; later calls do nothing. Every lookup calls it first.
 *
 * A binding the process made itself before libmeow's first message stays in force: an
 * application that ships libmeow-1.mo elsewhere (a relocated bundle; the tests, with the
 * build tree's catalogue) calls `bindtextdomain ("libmeow-1", DIR)` at start. gettext has
 * no "is it bound" query: bindtextdomain (DOMAIN, NULL) answers the default folder for a
 * domain nobody bound, so the domain counts as unbound when its answer is the one for a
 * domain that no one can have bound.
 *
 * Thread: any; the first caller binds, concurrent callers wait for it.
 */
void
_meow_i18n_init (void)
{
  static gsize bound = 0;

  if (g_once_init_enter (&bound))
    {
      const char *current = bindtextdomain (MEOW_GETTEXT_PACKAGE, NULL);
      const char *unbound = bindtextdomain (MEOW_GETTEXT_PACKAGE "-never-bound", NULL);

      if (g_strcmp0 (current, unbound) == 0)
        bindtextdomain (MEOW_GETTEXT_PACKAGE, LOCALEDIR);
      bind_textdomain_codeset (MEOW_GETTEXT_PACKAGE, "UTF-8");
      g_once_init_leave (&bound, 1);
    }
}

/**
 * _meow_gettext:
 * @msgid: the English message, as marked with `_()`
 *
 * Translates @msgid in libmeow's domain, after binding it (see _meow_i18n_init()).
 *
 * Thread: any.
 *
 * Returns: (transfer none): the translation, or @msgid when there is none; a static string.
 */
const char *
_meow_gettext (const char *msgid)
{
  _meow_i18n_init ();
  return g_dgettext (MEOW_GETTEXT_PACKAGE, msgid);
}

/**
 * _meow_ngettext:
 * @msgid: the English singular
 * @msgid_plural: the English plural
 * @n: the number that picks the form
 *
 * Translates the plural form for @n in libmeow's domain, after binding it.
 *
 * Thread: any.
 *
 * Returns: (transfer none): the translation, or @msgid / @msgid_plural when there is none.
 */
const char *
_meow_ngettext (const char *msgid, const char *msgid_plural, gulong n)
{
  _meow_i18n_init ();
  return g_dngettext (MEOW_GETTEXT_PACKAGE, msgid, msgid_plural, n);
}
