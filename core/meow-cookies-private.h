/* meow-cookies-private.h: the Netscape cookies.txt reader
 *
 * Pure (no I/O, no global state, any thread), and it sees hostile input: a
 * file is split into lines (LF or CRLF), each line of seven tab-separated
 * fields (domain, include-subdomains, path, secure, expiry, name, value)
 * becomes a cookie; "#HttpOnly_" before the domain marks an HttpOnly cookie
 * (curl and browsers write it), other lines starting with '#' and blank
 * lines are comments; every other line is skipped and counted. A cookie
 * that is kept is safe to put in a Cookie request header: no control
 * character, no ';', valid UTF-8.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct
{
  char    *domain;     /* lower case, without a leading dot; never empty */
  gboolean subdomains; /* the flag was TRUE or the domain had a leading dot */
  char    *path;       /* starts with '/' */
  gboolean secure;     /* only sent over https */
  gboolean http_only;  /* "#HttpOnly_": informative, HTTP is all we speak */
  gint64   expires;    /* seconds since the epoch; 0: a session cookie */
  char    *name;       /* non-empty, no '=', ';', space or control character */
  char    *value;      /* may be empty; no ';' or control character */
} MeowCookie;

void _meow_cookie_free (MeowCookie *cookie);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (MeowCookie, _meow_cookie_free)

/* Reads the cookies of @text (@length bytes, NUL bytes included: a line
 * holding one is skipped). Returns: (transfer full) (element-type MeowCookie):
 * the cookies in file order; @n_skipped (optional) gets the number of lines
 * that were neither cookies nor comments. */
GPtrArray *_meow_cookies_txt_parse (const char *text, gsize length, guint *n_skipped);

/* Whether @cookie goes with a request over @scheme ("http" or "https") to
 * @host (lower case) and @path at @now (seconds since the epoch), as RFC 6265
 * §5.4 says: the domain matches (the same host, or a subdomain when
 * @cookie->subdomains and @host is not an IP address), the path matches
 * (equal, or a prefix ending at '/'), secure only over https, not expired. */
gboolean _meow_cookie_matches (
    const MeowCookie *cookie, const char *scheme, const char *host, const char *path, gint64 now);

/* The Cookie header value ("a=1; b=2") for @url from the cookies of @text at
 * @now: those _meow_cookie_matches(), longer paths first, then in file order;
 * of several with the same domain, path and name the last line wins.
 * Returns: (transfer full) (nullable): NULL when no cookie applies or @url is
 * not an http(s) URL with a host. */
char *_meow_cookies_txt_select (
    const char *text, gsize length, const char *url, gint64 now, guint *n_skipped);

G_END_DECLS
