/* fuzz-cookies-txt.c: the cookies.txt reader on any file
 *
 * The input: the first line is the URL to select for, the rest the file.
 * Promises checked: every kept cookie is one a Cookie header can carry (a
 * non-empty name without '=', ';', space, ',' or control characters; a value
 * without ';' or control characters; both valid UTF-8), its domain is lower
 * case and has no leading dot, its path starts with '/'; kept plus skipped
 * is at most the number of lines; the selection is deterministic, has no CR,
 * LF or NUL, and is made only of the kept cookies' "name=value" pairs, each
 * of which matches the URL.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <string.h>

#include "fuzz-common.h"
#include "meow-cookies-private.h"

#define NOW G_GINT64_CONSTANT (1796256000)

static void
check_cookie (const MeowCookie *cookie)
{
  FUZZ_CHECK (cookie->domain[0] != '\0' && cookie->domain[0] != '.', "domain “%s”", cookie->domain);
  for (const char *p = cookie->domain; *p != '\0'; p++)
    FUZZ_CHECK (!g_ascii_isupper (*p), "domain “%s” not lower case", cookie->domain);
  FUZZ_CHECK (cookie->path[0] == '/', "path “%s”", cookie->path);
  FUZZ_CHECK (cookie->expires >= 0, "expires %" G_GINT64_FORMAT, cookie->expires);
  FUZZ_CHECK (cookie->name[0] != '\0', "empty name");
  FUZZ_CHECK (g_utf8_validate (cookie->name, -1, NULL), "name not UTF-8");
  FUZZ_CHECK (g_utf8_validate (cookie->value, -1, NULL), "value not UTF-8");
  for (const guchar *p = (const guchar *) cookie->name; *p != '\0'; p++)
    FUZZ_CHECK (*p >= 0x20 && *p != 0x7F && strchr ("=; ,", *p) == NULL, "byte 0x%02x in the name",
                *p);
  for (const guchar *p = (const guchar *) cookie->value; *p != '\0'; p++)
    FUZZ_CHECK (*p >= 0x20 && *p != 0x7F && *p != ';', "byte 0x%02x in the value", *p);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  const char      *text = (const char *) data;
  const char      *nl = memchr (text, '\n', size);
  g_autofree char *url = g_strndup (text, nl != NULL ? (gsize) (nl - text) : size);
  const char      *file = nl != NULL ? nl + 1 : text + size;
  gsize            file_len = size - (file - text);
  guint            lines = 1;
  guint            skipped = 0;
  guint            skipped2 = 0;
  g_autoptr (GPtrArray) cookies = _meow_cookies_txt_parse (file, file_len, &skipped);
  g_autofree char *header = _meow_cookies_txt_select (file, file_len, url, NOW, &skipped2);
  g_autofree char *header2 = _meow_cookies_txt_select (file, file_len, url, NOW, NULL);
  g_autoptr (GUri) uri = NULL;

  for (gsize i = 0; i < file_len; i++)
    lines += file[i] == '\n';
  FUZZ_CHECK (cookies->len + skipped <= lines, "%u cookies + %u skipped of %u lines", cookies->len,
              skipped, lines);
  FUZZ_CHECK (skipped == skipped2, "skipped %u, then %u", skipped, skipped2);
  FUZZ_CHECK (g_strcmp0 (header, header2) == 0, "not deterministic");
  for (guint i = 0; i < cookies->len; i++)
    check_cookie (g_ptr_array_index (cookies, i));

  if (header == NULL)
    return 0;
  FUZZ_CHECK (header[0] != '\0', "an empty header instead of NULL");
  FUZZ_CHECK (strpbrk (header, "\r\n") == NULL, "CR or LF in the header");
  uri = g_uri_parse (url, G_URI_FLAGS_ENCODED, NULL);
  FUZZ_CHECK (uri != NULL && g_uri_get_host (uri) != NULL, "a header for the URL “%s”", url);
  {
    g_auto (GStrv) pairs = g_strsplit (header, "; ", -1);
    g_autofree char *host = g_ascii_strdown (g_uri_get_host (uri), -1);
    const char      *path = g_uri_get_path (uri)[0] == '/' ? g_uri_get_path (uri) : "/";

    for (guint i = 0; pairs[i] != NULL; i++)
      {
        gboolean found = FALSE;

        for (guint j = 0; j < cookies->len && !found; j++)
          {
            const MeowCookie *cookie = g_ptr_array_index (cookies, j);
            g_autofree char  *pair = g_strconcat (cookie->name, "=", cookie->value, NULL);

            found = strcmp (pair, pairs[i]) == 0 &&
                    _meow_cookie_matches (cookie, g_uri_get_scheme (uri), host, path, NOW);
          }
        FUZZ_CHECK (found, "“%s” is not a matching cookie", pairs[i]);
      }
  }
  return 0;
}
