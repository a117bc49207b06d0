/* meow-links.c: web links in the text a user types, pastes, drops or opens
 *
 * Pure functions on strings (GLib only, no GTK, no I/O), so that the rules for what
 * counts as a link are one place for the window, the Add dialog, the application's
 * actions and Preferences, and are tested without a display (tests/model).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "meow-links.h"

/**
 * meow_parse_url:
 * @text: (nullable): a string
 *
 * Any thread.
 *
 * Returns: whether @text is an http or https URL with a host
 */
gboolean
meow_parse_url (const char *text)
{
  g_autoptr (GUri) uri = NULL;
  const char *scheme;

  if (text == NULL)
    return FALSE;
  uri = g_uri_parse (text, G_URI_FLAGS_ENCODED, NULL);
  if (uri == NULL)
    return FALSE;
  scheme = g_uri_get_scheme (uri);
  if (g_ascii_strcasecmp (scheme, "http") != 0 && g_ascii_strcasecmp (scheme, "https") != 0)
    return FALSE;
  return g_uri_get_host (uri) != NULL && g_uri_get_host (uri)[0] != '\0';
}

/**
 * meow_split_urls:
 * @text: lines of text (`\n` or `\r\n`)
 * @junk: (out) (optional) (transfer full): the lines that are not web links
 *
 * Splits @text into lines, drops blank lines and text/uri-list comments, and sorts
 * the rest into web links and everything else, each line stripped of surrounding
 * white space. Any thread.
 *
 * Returns: (transfer full): the web links, in order
 */
char **
meow_split_urls (const char *text, char ***junk)
{
  g_auto (GStrv) lines = NULL;
  g_autoptr (GStrvBuilder) urls = g_strv_builder_new ();
  g_autoptr (GStrvBuilder) rest = g_strv_builder_new ();

  g_return_val_if_fail (text != NULL, NULL);

  lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      char *line = g_strstrip (lines[i]);

      if (line[0] == '\0' || line[0] == '#')
        continue;
      if (meow_parse_url (line))
        g_strv_builder_add (urls, line);
      else
        g_strv_builder_add (rest, line);
    }

  if (junk != NULL)
    *junk = g_strv_builder_end (rest);
  return g_strv_builder_end (urls);
}
