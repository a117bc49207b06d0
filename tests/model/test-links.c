/* test-links.c: which text is a web link (ui/meow-links.c)
 *
 * Table-driven, no display, no network: each row is a concrete input and what the
 * window, the Add dialog and `meow URL` make of it.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <glib.h>

#include "meow-links.h"

typedef struct
{
  const char *text;
  gboolean    is_link;
} UrlCase;

static const UrlCase url_cases[] = {
  { "http://example.com/file.iso", TRUE },
  { "https://example.com/", TRUE },
  { "https://example.com", TRUE },
  { "HTTPS://EXAMPLE.COM/A", TRUE }, /* schemes are case-insensitive */
  { "http://127.0.0.1:8080/a%20b.bin", TRUE },
  { "http://[::1]:9/x", TRUE },
  { "https://user:secret@example.com/private.zip", TRUE },
  { "https://example.com/search?q=meow#top", TRUE },
  { "ftp://example.com/x", FALSE },
  { "file:///etc/passwd", FALSE },
  { "mailto:someone@example.com", FALSE },
  { "javascript:alert(1)", FALSE },
  { "http://", FALSE },           /* no host */
  { "http:///path", FALSE },      /* empty host */
  { "https:example.com", FALSE }, /* no authority */
  { "example.com/file.iso", FALSE },
  { "/home/me/file.iso", FALSE },
  { "", FALSE },
  { "this is not a link", FALSE },
};

static void
test_parse_url (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (url_cases); i++)
    {
      g_test_message ("\"%s\"", url_cases[i].text);
      g_assert_cmpint (meow_parse_url (url_cases[i].text), ==, url_cases[i].is_link);
    }
  g_assert_false (meow_parse_url (NULL));
}

typedef struct
{
  const char       *text;
  const char *const urls[4];
  const char *const junk[4];
} SplitCase;

static const SplitCase split_cases[] = {
  { "", { NULL }, { NULL } },
  { "\n\n  \n\t\n", { NULL }, { NULL } },
  { "http://a.example/1", { "http://a.example/1", NULL }, { NULL } },
  /* What a browser drops: CRLF, blank lines, a line that is not a link. */
  { "http://a.example/1\r\n\nthis is not a link\nhttp://b.example/2\n",
    { "http://a.example/1", "http://b.example/2", NULL },
    { "this is not a link", NULL } },
  /* text/uri-list: comments are not lines to report. */
  { "# dragged from Files\r\nhttps://a.example/x\r\n", { "https://a.example/x", NULL }, { NULL } },
  /* White space around a line goes; order is kept. */
  { "  https://b.example/2  \n\thttp://a.example/1\t",
    { "https://b.example/2", "http://a.example/1", NULL },
    { NULL } },
  { "ftp://example.com/x\nexample.com\n",
    { NULL },
    { "ftp://example.com/x", "example.com", NULL } },
  /* A "#" inside a line is part of it (a fragment), not a comment. */
  { "https://a.example/page#part", { "https://a.example/page#part", NULL }, { NULL } },
};

static void
assert_strv (char **actual, const char *const *expected)
{
  guint n = 0;

  while (expected[n] != NULL)
    n++;
  g_assert_cmpuint (g_strv_length (actual), ==, n);
  for (guint i = 0; i < n; i++)
    g_assert_cmpstr (actual[i], ==, expected[i]);
}

static void
test_split_urls (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (split_cases); i++)
    {
      g_autofree char *escaped = g_strescape (split_cases[i].text, NULL);
      g_auto (GStrv) junk = NULL;
      g_auto (GStrv) urls = meow_split_urls (split_cases[i].text, &junk);
      g_auto (GStrv) urls_only = meow_split_urls (split_cases[i].text, NULL);

      g_test_message ("\"%s\"", escaped);
      assert_strv (urls, split_cases[i].urls);
      assert_strv (junk, split_cases[i].junk);
      /* Not asking for the rest gives the same links. */
      assert_strv (urls_only, split_cases[i].urls);
    }
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/model/links/parse-url", test_parse_url);
  g_test_add_func ("/model/links/split-urls", test_split_urls);

  return g_test_run ();
}
