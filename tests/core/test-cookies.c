/* test-cookies.c: the Netscape cookies.txt reader
 *
 * Table-driven: each row is a line (or a file) and what the parser keeps,
 * then a URL and the Cookie header value the selection gives for it. No
 * network, no engine.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <string.h>

#include <glib.h>

#include "meow-cookies-private.h"
#include "meow-cookies.h"

/* 2026-12-03 00:00:00 UTC; the files' expiries are around it. */
#define NOW G_GINT64_CONSTANT (1796256000)

/* ------------------------------------------------------------------ */
/* Lines                                                               */

typedef struct
{
  const char *line;
  gboolean    is_cookie;
  const char *domain;
  gboolean    subdomains;
  const char *path;
  gboolean    secure;
  gboolean    http_only;
  gint64      expires;
  const char *name;
  const char *value;
} LineCase;

static const LineCase line_cases[] = {
  { "example.com\tFALSE\t/\tFALSE\t0\tsid\tabc", TRUE, "example.com", FALSE, "/", FALSE, FALSE, 0,
    "sid", "abc" },
  { ".Example.COM\tTRUE\t/dl\tTRUE\t1893456000\tsid\ta=b", TRUE, "example.com", TRUE, "/dl", TRUE,
    FALSE, 1893456000, "sid", "a=b" },
  /* a leading dot means subdomains whatever the flag says (as curl reads it) */
  { ".example.com\tFALSE\t/\tFALSE\t0\tn\tv", TRUE, "example.com", TRUE, "/", FALSE, FALSE, 0, "n",
    "v" },
  { "#HttpOnly_example.org\tFALSE\t/\ttrue\t1893456000\tsession\tx y", TRUE, "example.org", FALSE,
    "/", TRUE, TRUE, 1893456000, "session", "x y" },
  /* an empty value, a fractional expiry (some exporters) */
  { "example.com\tFALSE\t/\tFALSE\t1893456000.75\tflag\t", TRUE, "example.com", FALSE, "/", FALSE,
    FALSE, 1893456000, "flag", "" },
  { "127.0.0.1\tFALSE\t/\tFALSE\t0\tn\tv", TRUE, "127.0.0.1", FALSE, "/", FALSE, FALSE, 0, "n",
    "v" },
  /* not cookies */
  { "example.com\tFALSE\t/\tFALSE\t0\tsid", FALSE },           /* six fields */
  { "example.com\tFALSE\t/\tFALSE\t0\tsid\tv\textra", FALSE }, /* eight */
  { "example.com FALSE / FALSE 0 sid v", FALSE },              /* spaces, not tabs */
  { "\tFALSE\t/\tFALSE\t0\tsid\tv", FALSE },                   /* no domain */
  { ".\tTRUE\t/\tFALSE\t0\tsid\tv", FALSE },                   /* only a dot */
  { "..example.com\tTRUE\t/\tFALSE\t0\tsid\tv", FALSE },
  { "exa mple.com\tFALSE\t/\tFALSE\t0\tsid\tv", FALSE },
  { "example.com\tyes\t/\tFALSE\t0\tsid\tv", FALSE },    /* not TRUE/FALSE */
  { "example.com\tFALSE\tdl\tFALSE\t0\tsid\tv", FALSE }, /* path without '/' */
  { "example.com\tFALSE\t/\tmaybe\t0\tsid\tv", FALSE },
  { "example.com\tFALSE\t/\tFALSE\t-1\tsid\tv", FALSE }, /* negative expiry */
  { "example.com\tFALSE\t/\tFALSE\tsoon\tsid\tv", FALSE },
  { "example.com\tFALSE\t/\tFALSE\t99999999999999999999\tsid\tv", FALSE }, /* > gint64 */
  { "example.com\tFALSE\t/\tFALSE\t0\t\tv", FALSE },                       /* no name */
  { "example.com\tFALSE\t/\tFALSE\t0\ts=d\tv", FALSE },                    /* '=' in the name */
  { "example.com\tFALSE\t/\tFALSE\t0\tsid\tv;evil=1", FALSE },             /* ';' in the value */
  { "example.com\tFALSE\t/\tFALSE\t0\tsid\tv\rX-Evil: 1", FALSE },         /* CR inside the line */
  { "example.com\tFALSE\t/\tFALSE\t0\tsid\t\xff\xfe", FALSE },             /* not UTF-8 */
  { "#HttpOnly_", FALSE },
};

static void
test_lines (void)
{
  for (gsize i = 0; i < G_N_ELEMENTS (line_cases); i++)
    {
      const LineCase *c = &line_cases[i];
      guint           skipped = 99;
      g_autoptr (GPtrArray) cookies = _meow_cookies_txt_parse (c->line, strlen (c->line), &skipped);
      MeowCookie *cookie;

      g_test_message ("line %" G_GSIZE_FORMAT ": %s", i, c->line);
      if (!c->is_cookie)
        {
          g_assert_cmpuint (cookies->len, ==, 0);
          g_assert_cmpuint (skipped, ==, 1);
          continue;
        }
      g_assert_cmpuint (cookies->len, ==, 1);
      g_assert_cmpuint (skipped, ==, 0);
      cookie = g_ptr_array_index (cookies, 0);
      g_assert_cmpstr (cookie->domain, ==, c->domain);
      g_assert_cmpint (cookie->subdomains, ==, c->subdomains);
      g_assert_cmpstr (cookie->path, ==, c->path);
      g_assert_cmpint (cookie->secure, ==, c->secure);
      g_assert_cmpint (cookie->http_only, ==, c->http_only);
      g_assert_cmpint (cookie->expires, ==, c->expires);
      g_assert_cmpstr (cookie->name, ==, c->name);
      g_assert_cmpstr (cookie->value, ==, c->value);
    }
}

/* A whole file: comments, blank lines, CRLF, a NUL byte, a last line
 * without an end of line; bad lines are counted, good ones all kept. */
static void
test_file (void)
{
  static const char text[] = "# Netscape HTTP Cookie File\r\n"
                             "# https://curl.se/docs/http-cookies.html\r\n"
                             "\r\n"
                             "example.com\tFALSE\t/\tFALSE\t0\ta\t1\r\n"
                             "   \t  \n"
                             "garbage\n"
                             "example.com\tFALSE\t/\tFALSE\t0\tb\t2\0hidden\n"
                             "#HttpOnly_example.com\tFALSE\t/\tFALSE\t0\tc\t3\r\n"
                             "example.com\tFALSE\t/\tFALSE\t0\td\t4";
  guint             skipped = 0;
  g_autoptr (GPtrArray) cookies = _meow_cookies_txt_parse (text, sizeof text - 1, &skipped);

  g_assert_cmpuint (cookies->len, ==, 3);
  g_assert_cmpuint (skipped, ==, 2);
  g_assert_cmpstr (((MeowCookie *) g_ptr_array_index (cookies, 0))->value, ==, "1");
  g_assert_cmpstr (((MeowCookie *) g_ptr_array_index (cookies, 1))->name, ==, "c");
  g_assert_cmpstr (((MeowCookie *) g_ptr_array_index (cookies, 2))->value, ==, "4");

  /* nothing at all, and only an end of line */
  g_clear_pointer (&cookies, g_ptr_array_unref);
  cookies = _meow_cookies_txt_parse ("", 0, &skipped);
  g_assert_cmpuint (cookies->len, ==, 0);
  g_assert_cmpuint (skipped, ==, 0);
  g_clear_pointer (&cookies, g_ptr_array_unref);
  cookies = _meow_cookies_txt_parse ("\n\r\n", 3, NULL);
  g_assert_cmpuint (cookies->len, ==, 0);
}

/* ------------------------------------------------------------------ */
/* Selection                                                           */

static const char jar[] =
    "# Netscape HTTP Cookie File\n"
    "example.com\tFALSE\t/\tFALSE\t0\thost_only\th\n"
    ".example.com\tTRUE\t/\tFALSE\t0\tall\ta\n"
    "example.com\tFALSE\t/dl\tFALSE\t0\tdl\td\n"
    "example.com\tFALSE\t/dl/\tFALSE\t0\tdl_slash\ts\n"
    "example.com\tFALSE\t/\tTRUE\t0\tsecure\tx\n"
    "example.com\tFALSE\t/\tFALSE\t1796255999\texpired\te\n"
    "example.com\tFALSE\t/\tFALSE\t1796256001\tfresh\tf\n"
    "#HttpOnly_files.example.com\tFALSE\t/\tFALSE\t0\tfiles\tF\n"
    "other.org\tTRUE\t/\tFALSE\t0\tother\to\n"
    "notexample.com\tFALSE\t/\tFALSE\t0\tlookalike\tl\n"
    "127.0.0.1\tTRUE\t/\tFALSE\t0\tip\ti\n"
    "0.1\tTRUE\t/\tFALSE\t0\tip_suffix\tbad\n"
    "example.com\tFALSE\t/\tFALSE\t0\thost_only\th2\n"; /* replaces the first line */

typedef struct
{
  const char *url;
  const char *header; /* NULL: nothing applies */
} SelectCase;

static const SelectCase select_cases[] = {
  { "http://example.com/", "host_only=h2; all=a; fresh=f" },
  { "https://example.com/", "host_only=h2; all=a; secure=x; fresh=f" },
  { "HTTPS://EXAMPLE.com/index.html", "host_only=h2; all=a; secure=x; fresh=f" },
  { "http://example.com", "host_only=h2; all=a; fresh=f" }, /* no path is "/" */
  /* longer paths first */
  { "http://example.com/dl", "dl=d; host_only=h2; all=a; fresh=f" },
  { "http://example.com/dl/file.iso", "dl_slash=s; dl=d; host_only=h2; all=a; fresh=f" },
  { "http://example.com/dl?x=1", "dl=d; host_only=h2; all=a; fresh=f" },
  { "http://example.com/dlx", "host_only=h2; all=a; fresh=f" },   /* not a path prefix */
  { "http://example.com:8080/", "host_only=h2; all=a; fresh=f" }, /* ports do not count */
  { "http://user:pw@example.com/", "host_only=h2; all=a; fresh=f" },
  /* subdomains: only the cookies that allow them, and the subdomain's own */
  { "http://files.example.com/", "all=a; files=F" },
  { "http://a.b.example.com/", "all=a" },
  { "http://other.org/x", "other=o" },
  { "http://www.other.org/x", "other=o" },
  { "http://notexample.com/", "lookalike=l" },
  { "http://example.com.evil.net/", NULL },
  { "http://xample.com/", NULL },
  /* an IP address is only ever its own domain */
  { "http://127.0.0.1/", "ip=i" },
  { "http://10.0.0.1/", NULL },
  { "ftp://example.com/", NULL },
  { "not a url", NULL },
  { "file:///etc/passwd", NULL },
};

static void
test_select (void)
{
  for (gsize i = 0; i < G_N_ELEMENTS (select_cases); i++)
    {
      const SelectCase *c = &select_cases[i];
      guint             skipped = 99;
      g_autofree char  *header =
          _meow_cookies_txt_select (jar, sizeof jar - 1, c->url, NOW, &skipped);

      g_test_message ("%s", c->url);
      g_assert_cmpstr (header, ==, c->header);
      g_assert_cmpuint (skipped, ==, 0);
    }
}

/* The public function: the current time, -1 for a NUL-terminated text. */
static void
test_public (void)
{
  guint            skipped = 0;
  g_autofree char *header = meow_cookies_txt_lookup ("example.com\tFALSE\t/\tFALSE\t1\told\to\n"
                                                     "example.com\tFALSE\t/\tFALSE\t0\tnew\tn\n"
                                                     "bad line\n",
                                                     -1, "http://example.com/f", &skipped);
  g_autofree char *none = meow_cookies_txt_lookup ("", 0, "http://example.com/", NULL);

  g_assert_cmpstr (header, ==, "new=n");
  g_assert_cmpuint (skipped, ==, 1);
  g_assert_null (none);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/core/cookies/lines", test_lines);
  g_test_add_func ("/core/cookies/file", test_file);
  g_test_add_func ("/core/cookies/select", test_select);
  g_test_add_func ("/core/cookies/public", test_public);
  return g_test_run ();
}
