/* meow-cookies.c: the Netscape cookies.txt reader
 *
 * The format is the one curl (`-c`), wget (`--save-cookies`) and the
 * browsers' "cookies.txt" exporters write: one cookie a line, seven fields
 * separated by tabs. It holds secrets: nothing here logs a value, and the
 * result is only ever handed to the caller, who keeps it as a Cookie header
 * (the app puts those in the keyring).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <string.h>

#include "meow-cookies-private.h"
#include "meow-cookies.h"

#define HTTP_ONLY_PREFIX "#HttpOnly_"

void
_meow_cookie_free (MeowCookie *cookie)
{
  if (cookie == NULL)
    return;
  g_free (cookie->domain);
  g_free (cookie->path);
  g_free (cookie->name);
  g_free (cookie->value);
  g_free (cookie);
}

static gboolean
parse_bool (const char *field, gboolean *out)
{
  if (g_ascii_strcasecmp (field, "TRUE") == 0)
    *out = TRUE;
  else if (g_ascii_strcasecmp (field, "FALSE") == 0)
    *out = FALSE;
  else
    return FALSE;
  return TRUE;
}

/* Seconds since the epoch: digits, with a fractional part some exporters
 * write ("1767225600.5"), which is dropped. */
static gboolean
parse_expiry (const char *field, gint64 *out)
{
  gsize            digits = strspn (field, "0123456789");
  g_autofree char *whole = NULL;
  guint64          value;

  if (digits == 0 || digits > 19)
    return FALSE;
  if (field[digits] == '.')
    {
      if (strspn (field + digits + 1, "0123456789") != strlen (field + digits + 1))
        return FALSE;
    }
  else if (field[digits] != '\0')
    return FALSE;
  whole = g_strndup (field, digits);
  if (!g_ascii_string_to_unsigned (whole, 10, 0, G_MAXINT64, &value, NULL))
    return FALSE;
  *out = (gint64) value;
  return TRUE;
}

/* A host name or an IP address literal as it may stand in a cookie's domain. */
static gboolean
is_domain (const char *domain)
{
  if (domain[0] == '\0')
    return FALSE;
  for (const char *p = domain; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p) && strchr ("-._:[]", *p) == NULL)
      return FALSE;
  return TRUE;
}

/* What a Cookie header can carry between its separators. */
static gboolean
is_cookie_text (const char *text, gboolean is_name)
{
  for (const guchar *p = (const guchar *) text; *p != '\0'; p++)
    {
      if (*p < 0x20 || *p == 0x7F || *p == ';')
        return FALSE;
      if (is_name && (*p == '=' || *p == ' ' || *p == ','))
        return FALSE;
    }
  return TRUE;
}

/* One line without its end of line; NULL when it is not a cookie. */
static MeowCookie *
parse_line (const char *line)
{
  g_autoptr (MeowCookie) cookie = g_new0 (MeowCookie, 1);
  g_auto (GStrv) fields = NULL;
  const char *domain;

  if (g_str_has_prefix (line, HTTP_ONLY_PREFIX))
    {
      cookie->http_only = TRUE;
      line += strlen (HTTP_ONLY_PREFIX);
    }
  fields = g_strsplit (line, "\t", 8);
  if (g_strv_length (fields) != 7)
    return NULL;
  if (!g_utf8_validate (line, -1, NULL))
    return NULL;

  domain = fields[0];
  if (domain[0] == '.')
    {
      cookie->subdomains = TRUE;
      domain++;
    }
  if (!is_domain (domain) || domain[0] == '.')
    return NULL;
  cookie->domain = g_ascii_strdown (domain, -1);

  {
    gboolean subdomains;

    if (!parse_bool (fields[1], &subdomains))
      return NULL;
    cookie->subdomains = cookie->subdomains || subdomains;
  }
  if (fields[2][0] != '/' || !is_cookie_text (fields[2], FALSE))
    return NULL;
  if (!parse_bool (fields[3], &cookie->secure) || !parse_expiry (fields[4], &cookie->expires))
    return NULL;
  if (fields[5][0] == '\0' || !is_cookie_text (fields[5], TRUE) ||
      !is_cookie_text (fields[6], FALSE))
    return NULL;

  cookie->path = g_strdup (fields[2]);
  cookie->name = g_strdup (fields[5]);
  cookie->value = g_strdup (fields[6]);
  return g_steal_pointer (&cookie);
}

GPtrArray *
_meow_cookies_txt_parse (const char *text, gsize length, guint *n_skipped)
{
  GPtrArray  *cookies = g_ptr_array_new_with_free_func ((GDestroyNotify) _meow_cookie_free);
  const char *end = text + length;
  guint       skipped = 0;

  for (const char *start = text; start < end;)
    {
      const char      *nl = memchr (start, '\n', end - start);
      const char      *line_end = nl != NULL ? nl : end;
      gsize            len = line_end - start;
      g_autofree char *line = NULL;
      MeowCookie      *cookie;

      if (len > 0 && start[len - 1] == '\r')
        len--;
      if (memchr (start, '\0', len) != NULL)
        skipped++;
      else
        {
          line = g_strndup (start, len);
          if (line[strspn (line, " \t")] == '\0')
            ; /* blank */
          else if (line[0] == '#' && !g_str_has_prefix (line, HTTP_ONLY_PREFIX))
            ; /* a comment */
          else if ((cookie = parse_line (line)) != NULL)
            g_ptr_array_add (cookies, cookie);
          else
            skipped++;
        }
      start = line_end + 1;
    }

  if (n_skipped != NULL)
    *n_skipped = skipped;
  return cookies;
}

static gboolean
is_ip_address (const char *host)
{
  return strchr (host, ':') != NULL || g_hostname_is_ip_address (host);
}

gboolean
_meow_cookie_matches (
    const MeowCookie *cookie, const char *scheme, const char *host, const char *path, gint64 now)
{
  gsize host_len = strlen (host);
  gsize domain_len = strlen (cookie->domain);
  gsize cookie_path_len = strlen (cookie->path);

  /* RFC 6265 §5.1.3: the same host, or a subdomain of the cookie's domain. */
  if (g_strcmp0 (host, cookie->domain) != 0)
    {
      if (!cookie->subdomains || is_ip_address (host) || host_len <= domain_len ||
          host[host_len - domain_len - 1] != '.' ||
          strcmp (host + host_len - domain_len, cookie->domain) != 0)
        return FALSE;
    }
  /* §5.1.4: the same path, or a prefix that ends at a '/'. */
  if (strncmp (path, cookie->path, cookie_path_len) != 0 ||
      (path[cookie_path_len] != '\0' && cookie->path[cookie_path_len - 1] != '/' &&
       path[cookie_path_len] != '/'))
    return FALSE;
  if (cookie->secure && g_ascii_strcasecmp (scheme, "https") != 0)
    return FALSE;
  return cookie->expires == 0 || cookie->expires > now;
}

static gint
longer_path_first (gconstpointer a, gconstpointer b)
{
  const MeowCookie *ca = *(const MeowCookie *const *) a;
  const MeowCookie *cb = *(const MeowCookie *const *) b;
  gsize             la = strlen (ca->path);
  gsize             lb = strlen (cb->path);

  return la == lb ? 0 : (la > lb ? -1 : 1);
}

char *
_meow_cookies_txt_select (
    const char *text, gsize length, const char *url, gint64 now, guint *n_skipped)
{
  g_autoptr (GPtrArray) cookies = _meow_cookies_txt_parse (text, length, n_skipped);
  g_autoptr (GPtrArray) chosen = g_ptr_array_new ();
  g_autoptr (GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr (GUri) uri = g_uri_parse (url, G_URI_FLAGS_ENCODED, NULL);
  g_autoptr (GString) header = NULL;
  g_autofree char *host = NULL;
  const char      *scheme;
  const char      *path;

  if (uri == NULL || g_uri_get_host (uri) == NULL || g_uri_get_host (uri)[0] == '\0')
    return NULL;
  scheme = g_uri_get_scheme (uri);
  if (g_ascii_strcasecmp (scheme, "http") != 0 && g_ascii_strcasecmp (scheme, "https") != 0)
    return NULL;
  host = g_ascii_strdown (g_uri_get_host (uri), -1);
  path = g_uri_get_path (uri)[0] == '/' ? g_uri_get_path (uri) : "/";

  for (guint i = 0; i < cookies->len; i++)
    {
      MeowCookie *cookie = g_ptr_array_index (cookies, i);
      char       *key;
      gpointer    index;

      if (!_meow_cookie_matches (cookie, scheme, host, path, now))
        continue;
      key = g_strconcat (cookie->domain, "\t", cookie->path, "\t", cookie->name, NULL);
      if (g_hash_table_lookup_extended (seen, key, NULL, &index))
        {
          /* A later line for the same cookie replaces the earlier one. */
          g_ptr_array_index (chosen, GPOINTER_TO_UINT (index)) = cookie;
          g_free (key);
          continue;
        }
      g_hash_table_insert (seen, key, GUINT_TO_POINTER (chosen->len));
      g_ptr_array_add (chosen, cookie);
    }
  if (chosen->len == 0)
    return NULL;

  /* RFC 6265 §5.4: longer paths first; GLib's sort is stable, so file order
   * stays among equal lengths. */
  g_ptr_array_sort (chosen, longer_path_first);
  header = g_string_new (NULL);
  for (guint i = 0; i < chosen->len; i++)
    {
      MeowCookie *cookie = g_ptr_array_index (chosen, i);

      if (header->len > 0)
        g_string_append (header, "; ");
      g_string_append_printf (header, "%s=%s", cookie->name, cookie->value);
    }
  return g_string_free (g_steal_pointer (&header), FALSE);
}

/**
 * meow_cookies_txt_lookup:
 * @text: the contents of a cookies.txt file in the Netscape format (as curl,
 *   wget and browser extensions write it)
 * @length: the length of @text in bytes, or -1 when it ends with a NUL
 * @url: the address the request goes to
 * @n_skipped: (out) (optional): the number of lines that were neither cookies
 *   nor comments, and were skipped
 *
 * Picks the cookies of @text that a browser would send to @url: the domain
 * matches (a subdomain too when the cookie's include-subdomains flag is TRUE
 * or its domain starts with a dot), the path is the cookie's or below it,
 * secure cookies only over https, expired ones left out. Lines marked
 * `#HttpOnly_` count as cookies, other `#` lines are comments, and lines with
 * CRLF endings are read as well. A malformed line never fails the lookup: it
 * is skipped and counted. The result is a value for a `Cookie` request header,
 * for meow_task_builder_add_header(); it is a secret, so keep it as one.
 *
 * Pure and thread-safe: any thread.
 *
 * Returns: (transfer full) (nullable): `name=value` pairs joined with `"; "`
 *   (longer paths first), or %NULL when no cookie of @text goes with @url
 */
char *
meow_cookies_txt_lookup (const char *text, gssize length, const char *url, guint *n_skipped)
{
  g_return_val_if_fail (text != NULL || length == 0, NULL);
  g_return_val_if_fail (url != NULL, NULL);

  if (length < 0)
    length = (gssize) strlen (text);
  return _meow_cookies_txt_select (text, (gsize) length, url, g_get_real_time () / G_USEC_PER_SEC,
                                   n_skipped);
}
