/* meow-request-headers.c: the request headers a user types for a download
 *
 * The Add dialog's Advanced part takes headers as "Name: value" lines. Pure (GLib only,
 * no GTK, no I/O), so the rules are tested without a display (tests/model). A message
 * names the line to fix; a value is never shown in it, since it may be a secret.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include <gio/gio.h>
#include <glib/gi18n.h>

#include "meow-request-headers.h"

/* RFC 9110 §5.6.2: a header name is a token. */
static gboolean
is_token (const char *start, gsize len)
{
  if (len == 0)
    return FALSE;
  for (gsize i = 0; i < len; i++)
    if (!g_ascii_isalnum (start[i]) && strchr ("!#$%&'*+-.^_`|~", start[i]) == NULL)
      return FALSE;
  return TRUE;
}

/**
 * meow_request_header_value_is_valid:
 * @value: a header value (or a Referer, User-Agent or Cookie field)
 *
 * Any thread.
 *
 * Returns: whether @value can be sent in a request header: valid UTF-8 without a control
 *   character (CR, LF, NUL and the rest of C0 but tab, or DEL)
 */
gboolean
meow_request_header_value_is_valid (const char *value)
{
  g_return_val_if_fail (value != NULL, FALSE);

  if (!g_utf8_validate (value, -1, NULL))
    return FALSE;
  for (const guchar *p = (const guchar *) value; *p != '\0'; p++)
    if ((*p < 0x20 && *p != '\t') || *p == 0x7F)
      return FALSE;
  return TRUE;
}

/**
 * meow_request_headers_parse:
 * @text: "Name: value" lines (LF or CRLF); blank lines are ignored
 * @error: names the first line that is not a header
 *
 * Any thread.
 *
 * Returns: (transfer full) (nullable): the headers as "Name: value" lines, the name and
 *   value trimmed; %NULL with @error set (G_IO_ERROR_INVALID_DATA) when a line has no
 *   colon, a name that is not a token, or a control character
 */
char **
meow_request_headers_parse (const char *text, GError **error)
{
  g_autoptr (GStrvBuilder) builder = g_strv_builder_new ();
  g_auto (GStrv) lines = NULL;

  g_return_val_if_fail (text != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      char            *line = lines[i];
      gsize            len = strlen (line);
      const char      *colon;
      g_autofree char *name = NULL;
      g_autofree char *value = NULL;

      if (len > 0 && line[len - 1] == '\r')
        line[--len] = '\0';
      if (g_strstrip (line)[0] == '\0')
        continue;
      colon = strchr (line, ':');
      if (colon == NULL)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                       /* Translators: %u is a line number. */
                       _ ("Header line %u has no colon; write it as “Name: value”."), i + 1);
          return NULL;
        }
      name = g_strstrip (g_strndup (line, colon - line));
      if (!is_token (name, strlen (name)))
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                       /* Translators: %u is a line number. */
                       _ ("Header line %u needs a name of letters, digits or “-” before the "
                          "colon."),
                       i + 1);
          return NULL;
        }
      value = g_strstrip (g_strdup (colon + 1));
      if (!meow_request_header_value_is_valid (value))
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                       /* Translators: %u is a line number, %s the header's name. */
                       _ ("Header line %u (%s) contains a control character or a line break."),
                       i + 1, name);
          return NULL;
        }
      {
        g_autofree char *header = g_strdup_printf ("%s: %s", name, value);

        g_strv_builder_add (builder, header);
      }
    }
  return g_strv_builder_end (builder);
}
