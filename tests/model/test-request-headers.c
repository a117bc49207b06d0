/* test-request-headers.c: the Add dialog's request header lines (ui/meow-request-headers.c)
 *
 * Table-driven, no display: each row is what a user typed and the headers it gives, or
 * the line the message names.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <string.h>

#include <gio/gio.h>

#include "meow-request-headers.h"

typedef struct
{
  const char *text;
  const char *headers; /* the result joined with '|'; NULL: an error */
  const char *message; /* a part of the error's message */
} HeadersCase;

static const HeadersCase cases[] = {
  { "", "" },
  { "\n \n\t\n", "" },
  { "X-One: 1", "X-One: 1" },
  { "  X-One :   spaced out  \n", "X-One: spaced out" },
  { "A: 1\r\nB: 2\r\n", "A: 1|B: 2" }, /* pasted with CRLF */
  { "Accept: */*\n\nX-Empty:\n", "Accept: */*|X-Empty: " },
  { "X-Url: http://example.com:8080/a", "X-Url: http://example.com:8080/a" },
  { "X-Tab: a\tb", "X-Tab: a\tb" },
  { "X-Utf8: grüße", "X-Utf8: grüße" },
  /* the message names the line */
  { "A: 1\nno colon here", NULL, "line 2 " },
  { ": value", NULL, "line 1 " },
  { "A: 1\n\nBad Name: 1", NULL, "line 3 " },
  { "Bad(Name): 1", NULL, "line 1 " },
  { "X-Evil: a\rSet-Cookie: b", NULL, "line 1 (X-Evil)" },
  { "X-Bell: \a", NULL, "line 1 (X-Bell)" },
  { "X-Del: \x7f", NULL, "line 1 (X-Del)" },
  { "X-Bad: \xff", NULL, "line 1 (X-Bad)" },
};

static void
test_parse (void)
{
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GError) error = NULL;
      g_auto (GStrv) headers = meow_request_headers_parse (cases[i].text, &error);

      g_test_message ("case %" G_GSIZE_FORMAT ": %s", i, cases[i].text);
      if (cases[i].headers == NULL)
        {
          g_assert_null (headers);
          g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
          g_assert_nonnull (strstr (error->message, cases[i].message));
        }
      else
        {
          g_autofree char *joined = NULL;

          g_assert_no_error (error);
          g_assert_nonnull (headers);
          joined = g_strjoinv ("|", headers);
          g_assert_cmpstr (joined, ==, cases[i].headers);
        }
    }
}

static void
test_value (void)
{
  g_assert_true (meow_request_header_value_is_valid (""));
  g_assert_true (meow_request_header_value_is_valid ("Mozilla/5.0 (X11; Linux x86_64)"));
  g_assert_true (meow_request_header_value_is_valid ("a=1; b=2"));
  g_assert_false (meow_request_header_value_is_valid ("a=1\nb=2"));
  g_assert_false (meow_request_header_value_is_valid ("a=1\r"));
  g_assert_false (meow_request_header_value_is_valid ("\x1b[31m"));
  g_assert_false (meow_request_header_value_is_valid ("\xc3"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/model/request-headers/parse", test_parse);
  g_test_add_func ("/model/request-headers/value", test_value);
  return g_test_run ();
}
