/* test-http.c: the pure HTTP header parsers and file-name helpers
 *
 * Table-driven: each table row is a concrete input and its expected
 * output, hostile inputs included. No network, no engine.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <glib.h>
#include <glib/gstdio.h>

#include "meow-error.h"
#include "meow-http-private.h"

/* Sun, 06 Nov 1994 08:49:37 GMT, the example date of RFC 9110 */
#define EXAMPLE_UNIX G_GINT64_CONSTANT (784111777)

/* ------------------------------------------------------------------ */
/* Helpers                                                             */

static gboolean
has_bidi_control (const char *s)
{
  for (const char *p = s; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (c == 0x061C || c == 0x200E || c == 0x200F || (c >= 0x202A && c <= 0x202E) ||
          (c >= 0x2066 && c <= 0x2069))
        return TRUE;
    }
  return FALSE;
}

static gboolean
has_control_char (const char *s)
{
  for (const char *p = s; *p != '\0'; p = g_utf8_next_char (p))
    if (g_unichar_iscntrl (g_utf8_get_char (p)))
      return TRUE;
  return FALSE;
}

/* Logs which table row is being checked, escaped so that hostile bytes
 * do not break the TAP output. */
static void
note (const char *what, const char *value)
{
  g_autofree char *escaped = value ? g_strescape (value, NULL) : g_strdup ("(null)");

  g_test_message ("%s \"%s\"", what, escaped);
}

/* Checks every property the header promises for a sanitised name. */
static void
assert_safe_name (const char *name)
{
  gsize len;

  g_assert_nonnull (name);
  len = strlen (name);
  g_assert_cmpuint (len, >, 0);
  g_assert_cmpuint (len, <=, MEOW_MAX_NAME_BYTES);
  g_assert_true (g_utf8_validate (name, -1, NULL));
  g_assert_null (strchr (name, '/'));
  g_assert_null (strchr (name, '\\'));
  g_assert_null (strpbrk (name, "<>:\"|?*"));
  g_assert_false (has_control_char (name));
  g_assert_false (has_bidi_control (name));
  g_assert_cmpstr (name, !=, ".");
  g_assert_cmpstr (name, !=, "..");
  g_assert_true (name[0] != '.' && name[0] != ' ');
  g_assert_true (name[len - 1] != '.' && name[len - 1] != ' ');
}

/* Returns @unit repeated @n times. */
static char *
repeat (const char *unit, guint n)
{
  GString *s = g_string_new (NULL);

  for (guint i = 0; i < n; i++)
    g_string_append (s, unit);
  return g_string_free (s, FALSE);
}

static void
touch (const char *dir, const char *name)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  int              fd = g_open (path, O_WRONLY | O_CREAT | O_EXCL, 0644);

  g_assert_cmpint (fd, >=, 0);
  g_close (fd, NULL);
}

static void
remove_tree (const char *dir)
{
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;

  g_assert_nonnull (d);
  while ((name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);

      if (g_file_test (path, G_FILE_TEST_IS_DIR) && !g_file_test (path, G_FILE_TEST_IS_SYMLINK))
        remove_tree (path);
      else
        g_assert_cmpint (g_unlink (path), ==, 0);
    }
  g_assert_cmpint (g_rmdir (dir), ==, 0);
}

/* ------------------------------------------------------------------ */
/* Content-Range                                                       */

static void
test_content_range_valid (void)
{
  static const struct
  {
    const char *value;
    gint64      start, end, total;
  } cases[] = {
    { "bytes 0-3/8", 0, 3, 8 },
    { "bytes 0-0/1", 0, 0, 1 },
    { "bytes 7-7/8", 7, 7, 8 },
    { "bytes 0-7/8", 0, 7, 8 },
    { "bytes 100-199/*", 100, 199, -1 },
    { "Bytes 0-3/*", 0, 3, -1 },
    { "BYTES 0-3/8", 0, 3, 8 },
    { "  bytes 0-3/8  ", 0, 3, 8 },
    { "\tbytes 0-3/8\r\n", 0, 3, 8 },
    { "bytes  0-3/8", 0, 3, 8 },
    { "bytes\t0-3/8", 0, 3, 8 },
    { "bytes 00-03/08", 0, 3, 8 },
    { "bytes 1048576-2097151/10485760", 1048576, 2097151, 10485760 },
    { "bytes 0-9223372036854775806/9223372036854775807", 0, G_GINT64_CONSTANT (9223372036854775806),
      G_MAXINT64 },
    { "bytes 9223372036854775807-9223372036854775807/*", G_MAXINT64, G_MAXINT64, -1 },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      MeowContentRange cr = { -2, -2, -2 };
      g_autoptr (GError) error = NULL;

      note ("Content-Range", cases[i].value);
      g_assert_true (_meow_parse_content_range (cases[i].value, &cr, &error));
      g_assert_no_error (error);
      g_assert_cmpint (cr.start, ==, cases[i].start);
      g_assert_cmpint (cr.end, ==, cases[i].end);
      g_assert_cmpint (cr.total, ==, cases[i].total);
    }

  /* @out may be NULL when only validity matters */
  g_assert_true (_meow_parse_content_range ("bytes 0-3/8", NULL, NULL));
}

static void
test_content_range_unsatisfied (void)
{
  static const struct
  {
    const char *value;
    gint64      total;
  } cases[] = {
    { "bytes */8", 8 },
    { "bytes */0", 0 },
    { " bytes  */1234 ", 1234 },
    { "BYTES */9223372036854775807", G_MAXINT64 },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      MeowContentRange cr = { -2, -2, -2 };
      g_autoptr (GError) error = NULL;

      note ("Content-Range", cases[i].value);
      g_assert_true (_meow_parse_content_range (cases[i].value, &cr, &error));
      g_assert_no_error (error);
      g_assert_cmpint (cr.start, ==, -1);
      g_assert_cmpint (cr.end, ==, -1);
      g_assert_cmpint (cr.total, ==, cases[i].total);
    }
}

static void
test_content_range_invalid (void)
{
  static const char syntax[] = "is not of the form “bytes START-END/TOTAL”.";
  static const char too_large[] = "has a number too large to be a file size.";
  static const struct
  {
    const char *value;
    const char *message; /* complete expected message */
  } cases[] = {
    { "items 0-3/8", "The server's Content-Range “items 0-3/8” uses the unit “items”, not bytes." },
    { "byte 0-3/8", "The server's Content-Range “byte 0-3/8” uses the unit “byte”, not bytes." },
    { "bytes 5-3/8",
      "The server's Content-Range “bytes 5-3/8” ends (at byte 3) before it starts (at byte 5)." },
    { "bytes 8-7/*",
      "The server's Content-Range “bytes 8-7/*” ends (at byte 7) before it starts (at byte 8)." },
    { "bytes 0-8/8",
      "The server's Content-Range “bytes 0-8/8” ends at byte 8, past the end of the 8-byte file." },
    { "bytes 0-9/8",
      "The server's Content-Range “bytes 0-9/8” ends at byte 9, past the end of the 8-byte file." },
    { "bytes 0-0/0",
      "The server's Content-Range “bytes 0-0/0” ends at byte 0, past the end of the 0-byte file." },
    { "  bytes 0-3  ", NULL }, /* syntax; value quoted stripped */
    { NULL, "The server sent an empty Content-Range." },
    { "", "The server sent an empty Content-Range." },
    { " \t ", "The server sent an empty Content-Range." },
  };
  static const char *const syntax_cases[] = {
    "bytes */*",
    "bytes 0-3",
    "bytes 0-/8",
    "bytes -3/8",
    "bytes 0-3/",
    "bytes -1-3/8",
    "bytes 0--3/8",
    "bytes 0-3/-8",
    "bytes",
    "garbage",
    "bytes=0-3/8",
    "bytes 0-3/8 extra",
    "bytes 0 - 3 / 8",
    "bytes 0-3/8/9",
    "bytes a-b/c",
    "bytes 1.5-3/8",
    "bytes 0x0-3/8",
    "bytes +0-3/8",
    "bytes */",
    "bytes *",
    "bytes 0-3/8,4-5/8",
    "bytes 0-3/8;",
    "bytes  ",
    "bytes 0-3 /8",
    "bytes 0-3/ 8",
    "bytes 0-3/8\x01",
    "bytes */8-9",
    "bytes 0/8",
    "-",
    "bytes ０-３/８", /* fullwidth digits */
  };
  static const char *const too_large_cases[] = {
    "bytes 99999999999999999999-3/8", "bytes 0-99999999999999999999/*",
    "bytes 0-3/9223372036854775808",  "bytes 9223372036854775808-9223372036854775809/*",
    "bytes */18446744073709551616",   "bytes 0-3/184467440737095516160000000000000000000000000000",
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      MeowContentRange cr = { -2, -2, -2 };
      g_autoptr (GError) error = NULL;

      note ("Content-Range", cases[i].value);
      g_assert_false (_meow_parse_content_range (cases[i].value, &cr, &error));
      g_assert_error (error, MEOW_ERROR, MEOW_ERROR_INVALID_RANGE);
      if (cases[i].message != NULL)
        g_assert_cmpstr (error->message, ==, cases[i].message);
      else
        g_assert_cmpstr (error->message, ==,
                         "The server's Content-Range “bytes 0-3” is not of the form "
                         "“bytes START-END/TOTAL”.");
      /* @out is left alone on failure */
      g_assert_cmpint (cr.start, ==, -2);
      g_assert_cmpint (cr.end, ==, -2);
      g_assert_cmpint (cr.total, ==, -2);
    }

  for (gsize i = 0; i < G_N_ELEMENTS (syntax_cases); i++)
    {
      g_autoptr (GError) error = NULL;

      note ("Content-Range", syntax_cases[i]);
      g_assert_false (_meow_parse_content_range (syntax_cases[i], NULL, &error));
      g_assert_error (error, MEOW_ERROR, MEOW_ERROR_INVALID_RANGE);
      g_assert_true (g_str_has_prefix (error->message, "The server's Content-Range “"));
      g_assert_true (g_str_has_suffix (error->message, syntax));
      g_assert_true (g_utf8_validate (error->message, -1, NULL));
    }

  for (gsize i = 0; i < G_N_ELEMENTS (too_large_cases); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autofree char *expected =
          g_strdup_printf ("The server's Content-Range “%s” %s", too_large_cases[i], too_large);

      note ("Content-Range", too_large_cases[i]);
      g_assert_false (_meow_parse_content_range (too_large_cases[i], NULL, &error));
      g_assert_error (error, MEOW_ERROR, MEOW_ERROR_INVALID_RANGE);
      g_assert_cmpstr (error->message, ==, expected);
    }

  /* A NULL error is allowed */
  g_assert_false (_meow_parse_content_range ("items 0-3/8", NULL, NULL));
}

/* Hostile values are quoted safely: valid UTF-8, no control characters,
 * no bidi controls, and bounded in length. */
static void
test_content_range_hostile_message (void)
{
  g_autofree char  *long_unit = repeat ("x", 100000);
  g_autofree char  *long_value = g_strconcat (long_unit, " 0-3/8", NULL);
  const char *const values[] = {
    "it\xff\xfems 0-3/8",
    "items\x1b[31m 0-3/8",
    "it\xe2\x80\xaems 0-3/8",
    long_value,
  };

  for (gsize i = 0; i < G_N_ELEMENTS (values); i++)
    {
      g_autoptr (GError) error = NULL;

      g_assert_false (_meow_parse_content_range (values[i], NULL, &error));
      g_assert_error (error, MEOW_ERROR, MEOW_ERROR_INVALID_RANGE);
      g_assert_true (g_utf8_validate (error->message, -1, NULL));
      g_assert_false (has_control_char (error->message));
      g_assert_false (has_bidi_control (error->message));
      g_assert_cmpuint (strlen (error->message), <, 1000);
      g_assert_true (g_str_has_suffix (error->message, ", not bytes."));
    }
}

/* ------------------------------------------------------------------ */
/* HTTP dates and Retry-After                                          */

static void
test_http_date_valid (void)
{
  static const struct
  {
    const char *value;
    gint64      expected;
  } cases[] = {
    { "Sun, 06 Nov 1994 08:49:37 GMT", EXAMPLE_UNIX },
    { "Sunday, 06-Nov-94 08:49:37 GMT", EXAMPLE_UNIX },
    { "Sun Nov  6 08:49:37 1994", EXAMPLE_UNIX },
    { "Sun Nov 06 08:49:37 1994", EXAMPLE_UNIX },
    { "sun, 06 nov 1994 08:49:37 gmt", EXAMPLE_UNIX },
    { "SUN, 06 NOV 1994 08:49:37 GMT", EXAMPLE_UNIX },
    { "Sun, 6 Nov 1994 08:49:37 GMT", EXAMPLE_UNIX },
    { "Sun, 06 Nov 1994 08:49:37 UTC", EXAMPLE_UNIX },
    { "  Sun, 06 Nov 1994 08:49:37 GMT \r\n", EXAMPLE_UNIX },
    { "Sunday, 06-Nov-1994 08:49:37 GMT", EXAMPLE_UNIX },
    { "Mon, 06 Nov 1994 08:49:37 GMT", EXAMPLE_UNIX }, /* day name not checked */
    { "Thu, 01 Jan 1970 00:00:00 GMT", 0 },
    { "Thursday, 01-Jan-70 00:00:00 GMT", 0 },
    { "Saturday, 01-Jan-00 00:00:00 GMT", 946684800 },
    { "Friday, 31-Dec-99 23:59:59 GMT", 946684799 },
    { "Saturday, 01-Jan-69 00:00:00 GMT", G_GINT64_CONSTANT (3124224000) },
    { "Tue, 29 Feb 2000 12:00:00 GMT", 951825600 },
    { "Sat, 31 Dec 2016 23:59:60 GMT", 1483228800 }, /* leap second */
    { "Fri, 31 Dec 9999 23:59:59 GMT", G_GINT64_CONSTANT (253402300799) },
    { "Thu Jan  1 00:00:00 1970", 0 },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      note ("date", cases[i].value);
      g_assert_cmpint (_meow_parse_http_date (cases[i].value), ==, cases[i].expected);
    }
}

static void
test_http_date_invalid (void)
{
  static const char *const cases[] = {
    "",
    "   ",
    "garbage",
    "784111777",
    "Sun, 06 Nov 1994 08:49:37",
    "Sun, 06 Nov 1994 08:49:37 PST",
    "Sun, 06 Nov 1994 08:49:37 GMTX",
    "Sun, 06 Nov 1994 08:49:37 GMT extra",
    "Sun, 06 Nov 1994 08:49:37 GMT\x01",
    "Sun, 06 Foo 1994 08:49:37 GMT",
    "Xyz, 06 Nov 1994 08:49:37 GMT",
    "Sun, 31 Nov 1994 08:49:37 GMT",
    "Sun, 29 Feb 1900 08:49:37 GMT",
    "Sun, 00 Nov 1994 08:49:37 GMT",
    "Sun, 32 Nov 1994 08:49:37 GMT",
    "Sun, 06 Nov 1994 24:00:00 GMT",
    "Sun, 06 Nov 1994 08:60:00 GMT",
    "Sun, 06 Nov 1994 08:49:61 GMT",
    "Sun, 06 Nov 0000 08:49:37 GMT",
    "Sun, 06 Nov 99999 08:49:37 GMT",
    "Sun, 06 Nov 94 08:49:37 GMT",
    "Sun, 006 Nov 1994 08:49:37 GMT",
    "Sun, -6 Nov 1994 08:49:37 GMT",
    "Sun, 06 Nov 1994 8:49:37 GMT",
    "Sun, 06 Nov 1994 08:49 GMT",
    "Sun, 06 Nov 1994 08-49-37 GMT",
    "Sun,06 Nov 1994 08:49:37 GMT",
    "Sun 06 Nov 1994 08:49:37 GMT",
    "Sunday, 06-Nov-4 08:49:37 GMT",
    "Sunday, 06-Nov-994 08:49:37 GMT",
    "Sunday, 06 Nov-94 08:49:37 GMT",
    "Sun Nov  6 08:49:37 1994 GMT",
    "Sun Nov  6 08:49:37 94",
    "Sun Nov 6",
    "Sun, 06 Nov 1994 08:49:37 GMT GMT",
    "Sun, 999999999999999999999999 Nov 1994 08:49:37 GMT",
    "Sun, 06 Nov 1994 99999999999999999999:49:37 GMT",
    "Sundayyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy, 06 Nov 1994 08:49:37 GMT",
    "Sun, 06 Novembre 1994 08:49:37 GMT",
    ",",
    "Sun,",
    "Sun, ",
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      note ("date", cases[i]);
      g_assert_cmpint (_meow_parse_http_date (cases[i]), ==, -1);
    }
  g_assert_cmpint (_meow_parse_http_date (NULL), ==, -1);
}

static void
test_retry_after_seconds (void)
{
  static const struct
  {
    const char *value;
    gint64      expected_ms;
  } cases[] = {
    { "0", 0 },
    { "1", 1000 },
    { "120", 120000 },
    { "007", 7000 },
    { " 30 ", 30000 },
    { "\t45\r\n", 45000 },
    { "3599", 3599000 },
    { "3600", 3600000 },
    { "3601", 3600000 },
    { "86400", 3600000 },
    { "9223372036854775807", 3600000 },
    { "9223372036854775808", 3600000 },
    { "99999999999999999999999999999999999999", 3600000 },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      note ("Retry-After", cases[i].value);
      g_assert_cmpint (_meow_parse_retry_after (cases[i].value, EXAMPLE_UNIX), ==,
                       cases[i].expected_ms);
    }
}

static void
test_retry_after_date (void)
{
  static const struct
  {
    const char *value;
    gint64      expected_ms;
  } cases[] = {
    { "Sun, 06 Nov 1994 08:49:37 GMT", 0 },       /* now */
    { "Sun, 06 Nov 1994 08:49:36 GMT", 0 },       /* one second ago */
    { "Thu, 01 Jan 1970 00:00:00 GMT", 0 },       /* long ago */
    { "Sun, 06 Nov 1994 08:49:38 GMT", 1000 },    /* one second ahead */
    { "Sun, 06 Nov 1994 08:50:37 GMT", 60000 },   /* one minute ahead */
    { "Sunday, 06-Nov-94 08:51:37 GMT", 120000 }, /* RFC 850 */
    { "Sun Nov  6 08:54:37 1994", 300000 },       /* asctime */
    { "Sun, 06 Nov 1994 09:49:37 GMT", 3600000 }, /* exactly the limit */
    { "Sun, 06 Nov 1994 09:49:38 GMT", 3600000 }, /* clamped */
    { "Fri, 31 Dec 9999 23:59:59 GMT", 3600000 }, /* far future, clamped */
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      note ("Retry-After", cases[i].value);
      g_assert_cmpint (_meow_parse_retry_after (cases[i].value, EXAMPLE_UNIX), ==,
                       cases[i].expected_ms);
    }

  /* Extreme clocks do not overflow */
  g_assert_cmpint (_meow_parse_retry_after ("Sun, 06 Nov 1994 08:49:37 GMT", G_MININT64), ==,
                   3600000);
  g_assert_cmpint (_meow_parse_retry_after ("Sun, 06 Nov 1994 08:49:37 GMT", G_MAXINT64), ==, 0);
}

static void
test_retry_after_invalid (void)
{
  static const char *const cases[] = {
    "",
    "   ",
    "-1",
    "-0",
    "+5",
    "1.5",
    "5s",
    "5 s",
    "1e3",
    "soon",
    "0x10",
    "١٢",
    "12 34",
    "Sun, 06 Nov 1994 08:49:37",
    "Sun, 32 Nov 1994 08:49:37 GMT",
    "tomorrow",
    "\x01",
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      note ("Retry-After", cases[i]);
      g_assert_cmpint (_meow_parse_retry_after (cases[i], EXAMPLE_UNIX), ==, -1);
    }
  g_assert_cmpint (_meow_parse_retry_after (NULL, EXAMPLE_UNIX), ==, -1);
}

/* ------------------------------------------------------------------ */
/* Content-Disposition                                                 */

static void
test_content_disposition_forms (void)
{
  static const struct
  {
    const char *value;
    const char *expected;
  } cases[] = {
    /* quoted-string and token */
    { "attachment; filename=\"a \\\"b\\\".txt\"", "a \"b\".txt" },
    { "attachment; filename=plain.txt", "plain.txt" },
    { "attachment; filename=\"quoted.txt\"", "quoted.txt" },
    { "attachment;filename=tight.txt", "tight.txt" },
    { "attachment; filename = spaced.txt ", "spaced.txt" },
    { "attachment; filename=\"  inner spaces  \"", "  inner spaces  " },
    { "attachment; filename=\"back\\\\slash.txt\"", "back\\slash.txt" },
    { "attachment; filename=\"esc\\aped.txt\"", "escaped.txt" },
    { "filename=nodisp.txt", "nodisp.txt" },
    { "inline; filename=inline.pdf", "inline.pdf" },
    /* case-insensitive names */
    { "attachment; FILENAME=\"upper.txt\"", "upper.txt" },
    { "ATTACHMENT; FileName*=utf-8''mixed.txt", "mixed.txt" },
    /* RFC 5987 / 6266 extended form */
    { "attachment; filename*=UTF-8''na%C3%AFve%20file.txt", "na\xc3\xafve file.txt" },
    { "attachment; filename*=UTF-8'en-us'lang.txt", "lang.txt" },
    { "attachment; filename*=iso-8859-1'en'%A3%20rates", "\xc2\xa3 rates" },
    { "attachment; filename*=ISO-8859-1''caf%E9.txt", "caf\xc3\xa9.txt" },
    { "attachment; filename*=\"UTF-8''quoted%20star.txt\"", "quoted star.txt" },
    { "attachment; filename*=UTF-8''bad%zzpct%4", "bad%zzpct%4" },
    { "attachment; filename*=UTF-8''%41%42%43.txt", "ABC.txt" },
    /* filename* wins wherever it is */
    { "attachment; filename*=UTF-8''star.txt; filename=\"plain.txt\"", "star.txt" },
    { "attachment; filename=\"plain.txt\"; filename*=UTF-8''star.txt", "star.txt" },
    /* unusable filename* falls back to filename= */
    { "attachment; filename*=KOI8-R''%C1; filename=\"fb.txt\"", "fb.txt" },
    { "attachment; filename*=no-quotes.txt; filename=fb.txt", "fb.txt" },
    { "attachment; filename*=UTF-8'only-one-quote; filename=fb.txt", "fb.txt" },
    { "attachment; filename*=UTF-8''; filename=fb.txt", "fb.txt" },
    { "attachment; filename*=; filename=fb.txt", "fb.txt" },
    /* semicolons inside quoted strings */
    { "attachment; filename=\"semi;colon.txt\"; size=3", "semi;colon.txt" },
    { "attachment; foo=\"bar; filename=evil.txt\"; filename=good.txt", "good.txt" },
    { "attachment; foo=\"a\\\"; filename=evil.txt\"; filename=good.txt", "good.txt" },
    /* first of several */
    { "attachment; filename=\"first.txt\"; filename=\"second.txt\"", "first.txt" },
    /* lenient with broken quoting */
    { "attachment; filename=\"unterminated.txt", "unterminated.txt" },
    { "attachment; filename=\"trailing\\", "trailing" },
    { "attachment; filename=\"a\"junk; other=1", "a" },
    /* missing values */
    { "attachment; filename=", NULL },
    { "attachment; filename=;", NULL },
    { "attachment; filename", NULL },
    { "attachment; filename;", NULL },
    { "attachment; filename=\"\"", NULL },
    { "attachment; filename*=", NULL },
    { "attachment", NULL },
    { "inline", NULL },
    { "attachment; name=\"field\"", NULL },
    { "attachment; filenames=x.txt", NULL },
    { "attachment; xfilename=x.txt", NULL },
    { "", NULL },
    { ";;;;", NULL },
    { "=", NULL },
    { "=;=;", NULL },
    { "\"", NULL },
    /* hostile names are returned raw */
    { "attachment; filename=\"../../etc/passwd\"", "../../etc/passwd" },
    { "attachment; filename=\"/etc/passwd\"", "/etc/passwd" },
    { "attachment; filename=..\\..\\win.ini", "..\\..\\win.ini" },
    { "attachment; filename*=UTF-8''..%2F..%2Fx", "../../x" },
    { "attachment; filename*=UTF-8''%00evil.txt", "_evil.txt" },
    { "attachment; filename*=UTF-8''a%00b%00", "a_b_" },
    { "attachment; filename*=UTF-8''invoice%E2%80%AEfdp.exe", "invoice\xe2\x80\xae"
                                                              "fdp.exe" },
    { "attachment; filename=\"\xff\xfe"
      "bad.txt\"",
      "\xff\xfe"
      "bad.txt" },
    { "attachment; filename*=UTF-8''%FF%FEbad.txt", "\xff\xfe"
                                                    "bad.txt" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *name = NULL;

      note ("Content-Disposition", cases[i].value);
      name = _meow_content_disposition_filename (cases[i].value);
      g_assert_cmpstr (name, ==, cases[i].expected);
    }
  g_assert_null (_meow_content_disposition_filename (NULL));
}

/* Content-Disposition followed by sanitising, as the engine does it. */
static void
test_content_disposition_hostile (void)
{
  static const struct
  {
    const char *value;
    const char *expected;
  } cases[] = {
    { "attachment; filename=\"../../etc/passwd\"", "etc_passwd" },
    { "attachment; filename=\"/etc/passwd\"", "etc_passwd" },
    { "attachment; filename=\"/\"", NULL },
    { "attachment; filename=\"..\"", NULL },
    { "attachment; filename=..\\..\\win.ini", "win.ini" },
    { "attachment; filename=\"C:\\\\Windows\\\\evil.dll\"", "C__Windows_evil.dll" },
    { "attachment; filename*=UTF-8''..%2F..%2F.bashrc", "bashrc" },
    { "attachment; filename*=UTF-8''%00evil.txt", "_evil.txt" },
    { "attachment; filename*=UTF-8''invoice%E2%80%AEfdp.exe", "invoicefdp.exe" },
    { "attachment; filename*=UTF-8''%E2%80%8Fx%E2%81%A6y%E2%81%A9.txt", "xy.txt" },
    { "attachment; filename=\"\xff\xfe"
      "bad.txt\"",
      "\xef\xbf\xbd\xef\xbf\xbd"
      "bad.txt" },
    { "attachment; filename*=UTF-8''new%0Aline%0D.txt", "new_line_.txt" },
    { "attachment; filename=\"what?.txt\"", "what_.txt" },
  };
  g_autofree char *long_stem = repeat ("a", 4000);
  g_autofree char *long_value = g_strdup_printf ("attachment; filename=\"%s.txt\"", long_stem);
  g_autofree char *long_raw = NULL;
  g_autofree char *long_safe = NULL;

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *raw = _meow_content_disposition_filename (cases[i].value);
      g_autofree char *safe = NULL;

      note ("Content-Disposition", cases[i].value);
      g_assert_nonnull (raw);
      safe = _meow_sanitize_file_name (raw);
      g_assert_cmpstr (safe, ==, cases[i].expected);
      if (safe != NULL)
        assert_safe_name (safe);
    }

  /* A 4000-byte name keeps its extension and fits */
  long_raw = _meow_content_disposition_filename (long_value);
  g_assert_cmpuint (strlen (long_raw), ==, 4004);
  long_safe = _meow_sanitize_file_name (long_raw);
  assert_safe_name (long_safe);
  g_assert_cmpuint (strlen (long_safe), ==, MEOW_MAX_NAME_BYTES);
  g_assert_true (g_str_has_suffix (long_safe, "aaaa.txt"));
}

/* ------------------------------------------------------------------ */
/* Sanitising                                                          */

static void
test_sanitize_table (void)
{
  static const struct
  {
    const char *name;
    const char *expected;
  } cases[] = {
    { "plain.txt", "plain.txt" },
    { "na\xc3\xafve file.txt", "na\xc3\xafve file.txt" },
    { "__init__.py", "__init__.py" },
    { "archive.tar.gz", "archive.tar.gz" },
    { "a..b.txt", "a..b.txt" },
    /* path separators: navigating components dropped, the rest joined by '_' */
    { "a/b.txt", "a_b.txt" },
    { "../../x", "x" },
    { "../../etc/passwd", "etc_passwd" },
    { "/etc/passwd", "etc_passwd" },
    { "..\\..\\win.ini", "win.ini" },
    { "a\\b", "a_b" },
    { "a//b", "a_b" },
    { "a/./b", "a_b" },
    { "a/../b", "a_b" },
    { "dir/", "dir" },
    { "..././x", "_x" }, /* "..." stays a component, then leading dots go */
    { "C:\\Windows\\evil.dll", "C__Windows_evil.dll" },
    /* leading and trailing dots and spaces */
    { ".bashrc", "bashrc" },
    { "...hidden", "hidden" },
    { "  spaced name.txt  ", "spaced name.txt" },
    { " . .x", "x" },
    { "trailing.", "trailing" },
    { "name. . .", "name" },
    { "../ .x", "x" },
    /* control characters */
    { "tab\tname", "tab_name" },
    { "new\nline\r", "new_line_" },
    { "esc\x1b[31m.txt", "esc_[31m.txt" },
    { "del\x7f.txt", "del_.txt" },
    { "a\xc2\x85"
      "b",
      "a_b" }, /* U+0085 NEL (C1) */
    { "a\xc2\x9f"
      "b",
      "a_b" }, /* U+009F (C1) */
    { "a\xc2\xa0"
      "b",
      "a\xc2\xa0"
      "b" }, /* U+00A0 is not a control */
    /* bidi controls dropped */
    { "invoice\xe2\x80\xae"
      "fdp.exe",
      "invoicefdp.exe" },
    { "\xe2\x80\x8f"
      "x.txt",
      "x.txt" },
    { "\xe2\x80\x8e"
      "x\xe2\x80\xaa"
      "y\xe2\x80\xac.txt",
      "xy.txt" },
    { "\xe2\x81\xa6"
      "x\xe2\x81\xa9",
      "x" },
    { "\xe2\x80\xae.\xe2\x80\xae.\xe2\x80\xae/x", "x" },
    { "\xd8\x9c"
      "ar.txt",
      "ar.txt" }, /* U+061C ARABIC LETTER MARK */
    /* Windows-reserved characters */
    { "what?.txt", "what_.txt" },
    { "a<b>c:d\"e|f?g*h", "a_b_c_d_e_f_g_h" },
    /* invalid UTF-8 */
    { "\xff.txt", "\xef\xbf\xbd.txt" },
    { "a\xc3(b", "a\xef\xbf\xbd(b" },
    { "\xed\xa0\x80.txt", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd.txt" }, /* UTF-16 surrogate */
    /* nothing usable */
    { "", NULL },
    { ".", NULL },
    { "..", NULL },
    { "...", NULL },
    { "/", NULL },
    { "//", NULL },
    { "../", NULL },
    { "./..", NULL },
    { "\\..\\", NULL },
    { " . ", NULL },
    { "   ", NULL },
    { "\xe2\x80\xae", NULL },
    { "\xe2\x80\xae.\xe2\x80\xae", NULL },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *safe = NULL;

      note ("name", cases[i].name);
      safe = _meow_sanitize_file_name (cases[i].name);
      g_assert_cmpstr (safe, ==, cases[i].expected);
      if (safe != NULL)
        assert_safe_name (safe);
    }
  g_assert_null (_meow_sanitize_file_name (NULL));
}

/* Every byte value, alone and in context, gives a safe name or NULL. */
static void
test_sanitize_every_byte (void)
{
  for (guint b = 1; b < 256; b++)
    {
      char             alone[2] = { (char) b, '\0' };
      char             around[8] = { '.', '.', (char) b, 'x', (char) b, '.', (char) b, '\0' };
      g_autofree char *safe_alone = _meow_sanitize_file_name (alone);
      g_autofree char *safe_around = _meow_sanitize_file_name (around);

      if (safe_alone != NULL)
        assert_safe_name (safe_alone);
      assert_safe_name (safe_around);
    }
}

static void
test_sanitize_long (void)
{
  g_autofree char *a4000 = repeat ("a", 4000);
  g_autofree char *e300 = repeat ("\xc3\xa9", 300);        /* é, 2 bytes */
  g_autofree char *euro300 = repeat ("\xe2\x82\xac", 300); /* €, 3 bytes */
  g_autofree char *b20 = repeat ("b", 20);
  g_autofree char *a195 = repeat ("a", 195);
  g_autofree char *a200 = repeat ("a", 200);
  g_autofree char *a201 = repeat ("a", 201);
  g_autofree char *a196 = repeat ("a", 196);
  g_autofree char *a184 = repeat ("a", 184);
  g_autofree char *e98 = repeat ("\xc3\xa9", 98);
  g_autofree char *euro65 = repeat ("\xe2\x82\xac", 65);
  g_autofree char *ext15 = repeat ("e", 15);
  g_autofree char *ext16 = repeat ("e", 16);
  struct
  {
    char *name;
    char *expected;
  } cases[] = {
    { g_strconcat (a4000, ".txt", NULL), g_strconcat (a196, ".txt", NULL) },
    { g_strdup (a4000), g_strdup (a200) },
    { g_strdup (a200), g_strdup (a200) },
    { g_strdup (a201), g_strdup (a200) },
    { g_strconcat (e300, ".txt", NULL), g_strconcat (e98, ".txt", NULL) },
    { g_strconcat (euro300, ".txt", NULL), g_strconcat (euro65, ".txt", NULL) },
    { g_strdup (euro300), g_strndup (euro300, 198) },
    /* an extension over 16 bytes is not kept */
    { g_strconcat (a4000, ".", b20, NULL), g_strdup (a200) },
    /* ".eee…" of exactly 16 bytes is kept, 17 is not */
    { g_strconcat (a4000, ".", ext15, NULL), g_strconcat (a184, ".", ext15, NULL) },
    { g_strconcat (a4000, ".", ext16, NULL), g_strdup (a200) },
    /* the cut does not leave a trailing space or dot before the extension */
    { g_strconcat (a195, "          b.txt", NULL), g_strconcat (a195, ".txt", NULL) },
    { g_strconcat (a195, ". . . . . b.txt", NULL), g_strconcat (a195, ".txt", NULL) },
    /* leading junk is stripped before measuring */
    { g_strconcat ("../../", a200, NULL), g_strdup (a200) },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *safe = _meow_sanitize_file_name (cases[i].name);

      g_test_message ("long case %" G_GSIZE_FORMAT, i);
      assert_safe_name (safe);
      g_assert_cmpstr (safe, ==, cases[i].expected);
      g_free (cases[i].name);
      g_free (cases[i].expected);
    }
}

/* ------------------------------------------------------------------ */
/* File name from URL                                                  */

static void
test_file_name_from_url (void)
{
  static const struct
  {
    const char *url;
    const char *expected;
  } cases[] = {
    { "http://h/file.txt", "file.txt" },
    { "https://example.com/dir/sub/file.tar.gz", "file.tar.gz" },
    { "https://h/dir/file.tar.gz?x=1#frag", "file.tar.gz" },
    { "https://h/file.iso?download=1/2/evil.sh", "file.iso" },
    { "https://h/file.iso#/../evil.sh", "file.iso" },
    { "https://h/a?b#c/d.txt", "a" },
    { "http://h/a%20b.txt", "a b.txt" },
    { "http://h/na%C3%AFve.txt", "na\xc3\xafve.txt" },
    { "http://h/%41%42%43", "ABC" },
    { "http://h/100%25", "100%" },
    { "http://h/50%", "50%" },
    { "http://h/bad%zz", "bad%zz" },
    { "http://h/a%2Fb.txt", "a_b.txt" },
    { "http://h/a%5Cb.txt", "a_b.txt" },
    { "http://h/%00x", "_x" },
    { "http://h/%2e%2e", NULL },
    { "http://h/%2E", NULL },
    { "http://h/.hidden", "hidden" },
    { "http://h/a%E2%80%AEb", "ab" },
    { "http://h/%FF.bin", "\xef\xbf\xbd.bin" },
    { "http://user:pass@h/f.bin", "f.bin" },
    { "http://h:8080/f.bin", "f.bin" },
    { "http://[::1]:8080/f.bin", "f.bin" },
    { "ftp://h/pub/readme", "readme" },
    { "file:///tmp/x.txt", "x.txt" },
    { "HTTP://H/UPPER.TXT", "UPPER.TXT" },
    /* no last segment */
    { "http://h/dir/", NULL },
    { "http://h/", NULL },
    { "http://h", NULL },
    { "http://h?x=/y.txt", NULL },
    { "http://h#/y.txt", NULL },
    { "http://h/?q=1", NULL },
    { "http://h/#f", NULL },
    { "http://user:pa/ss@h", "ss@h" },
    { "", NULL },
    { "http://", NULL },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *name = NULL;

      note ("URL", cases[i].url);
      name = _meow_file_name_from_url (cases[i].url);
      g_assert_cmpstr (name, ==, cases[i].expected);
      if (name != NULL)
        assert_safe_name (name);
    }
  g_assert_null (_meow_file_name_from_url (NULL));
}

/* ------------------------------------------------------------------ */
/* Unique paths                                                        */

static void
check_unique (const char *dir, const char *name, const char *expected_name)
{
  g_autofree char *path = _meow_unique_path (dir, name);
  g_autofree char *expected = g_build_filename (dir, expected_name, NULL);

  note ("unique path for", name);
  g_assert_cmpstr (path, ==, expected);
}

static void
test_unique_path (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("meow-test-http-XXXXXX", &error);
  g_autofree char *link_path = NULL;
  g_autofree char *sub = NULL;

  g_assert_no_error (error);
  g_assert_nonnull (dir);

  /* free name */
  check_unique (dir, "file.txt", "file.txt");

  /* (1), (2) */
  touch (dir, "file.txt");
  check_unique (dir, "file.txt", "file (1).txt");
  touch (dir, "file (1).txt");
  check_unique (dir, "file.txt", "file (2).txt");
  /* a gap is reused */
  touch (dir, "file (3).txt");
  check_unique (dir, "file.txt", "file (2).txt");

  /* no extension */
  touch (dir, "README");
  check_unique (dir, "README", "README (1)");
  touch (dir, "README (1)");
  check_unique (dir, "README", "README (2)");

  /* hidden file: the leading dot is not an extension */
  touch (dir, ".bashrc");
  check_unique (dir, ".bashrc", ".bashrc (1)");

  /* only the last extension normally */
  touch (dir, "a.b.c");
  check_unique (dir, "a.b.c", "a.b (1).c");

  /* double extensions */
  touch (dir, "archive.tar.gz");
  check_unique (dir, "archive.tar.gz", "archive (1).tar.gz");
  touch (dir, "archive (1).tar.gz");
  check_unique (dir, "archive.tar.gz", "archive (2).tar.gz");
  touch (dir, "linux.tar.xz");
  check_unique (dir, "linux.tar.xz", "linux (1).tar.xz");
  touch (dir, "src.tar.bz2");
  check_unique (dir, "src.tar.bz2", "src (1).tar.bz2");
  touch (dir, "ROOT.TAR.ZST");
  check_unique (dir, "ROOT.TAR.ZST", "ROOT (1).TAR.ZST");
  touch (dir, "notes.tar");
  check_unique (dir, "notes.tar", "notes (1).tar");
  touch (dir, "x.gz");
  check_unique (dir, "x.gz", "x (1).gz");
  touch (dir, ".tar.gz");
  check_unique (dir, ".tar.gz", ".tar (1).gz");

  /* a dangling symlink counts as taken */
  link_path = g_build_filename (dir, "link.txt", NULL);
  g_assert_cmpint (symlink ("does-not-exist", link_path), ==, 0);
  g_assert_false (g_file_test (link_path, G_FILE_TEST_EXISTS));
  check_unique (dir, "link.txt", "link (1).txt");

  /* a directory counts as taken */
  sub = g_build_filename (dir, "d.iso", NULL);
  g_assert_cmpint (g_mkdir (sub, 0755), ==, 0);
  check_unique (dir, "d.iso", "d (1).iso");

  /* all 9999 taken */
  touch (dir, "full.bin");
  for (guint i = 1; i <= 9999; i++)
    {
      g_autofree char *name = g_strdup_printf ("full (%u).bin", i);

      if (i == 9999)
        check_unique (dir, "full.bin", "full (9999).bin");
      touch (dir, name);
    }
  {
    g_autofree char *none = _meow_unique_path (dir, "full.bin");
    g_assert_null (none);
  }

  remove_tree (dir);
}

/* ------------------------------------------------------------------ */
/* Redaction and ETags                                                 */

static void
test_url_without_userinfo (void)
{
  static const struct
  {
    const char *url;
    const char *expected;
  } cases[] = {
    { "https://user:secret@example.com/path", "https://example.com/path" },
    { "https://user@example.com/", "https://example.com/" },
    { "https://user:secret@example.com:8443/a?b=c#d", "https://example.com:8443/a?b=c#d" },
    { "ftp://u:p@ss@host/x", "ftp://host/x" },
    { "https://:secret@example.com/", "https://example.com/" },
    { "http://u:secret@host?x=@y", "http://host?x=@y" },
    { "http://u:secret@[::1]:80/", "http://[::1]:80/" },
    /* unchanged */
    { "https://example.com/a?b=c", "https://example.com/a?b=c" },
    { "http://host/path@x:y", "http://host/path@x:y" },
    { "http://host/?u=a:b@c", "http://host/?u=a:b@c" },
    { "/relative/a:b@c", "/relative/a:b@c" },
    { "mailto:user:pw@example.com", "mailto:user:pw@example.com" },
    { "", "" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *stripped = NULL;

      note ("URL", cases[i].url);
      stripped = _meow_url_without_userinfo (cases[i].url);
      g_assert_cmpstr (stripped, ==, cases[i].expected);
    }
  g_assert_null (_meow_url_without_userinfo (NULL));
}

static void
test_header_line_value (void)
{
  static const struct
  {
    const char *line;
    const char *name;
    const char *value; /* NULL: not that header */
  } cases[] = {
    { "Referer: https://example.org/", "Referer", "https://example.org/" },
    { "referer:\t  https://example.org/", "Referer", "https://example.org/" },
    { "Cookie:", "Cookie", "" },
    { "Cookie: a=1; b=2", "Cookie", "a=1; b=2" },
    { "Cookies: a=1", "Cookie", NULL },
    { "X-Cookie: a=1", "Cookie", NULL },
    { "Cookie a=1", "Cookie", NULL },
    { "", "Cookie", NULL },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      note ("line", cases[i].line);
      g_assert_cmpstr (_meow_header_line_value (cases[i].line, cases[i].name), ==, cases[i].value);
    }
}

static void
test_redact_url (void)
{
  static const struct
  {
    const char *url;
    const char *expected;
  } cases[] = {
    { "https://user:secret@example.com/path", "https://user:***@example.com/path" },
    { "https://user:secret@example.com", "https://user:***@example.com" },
    { "https://user:secret@example.com:8443/a?b=c#d", "https://user:***@example.com:8443/a?b=c#d" },
    { "ftp://anonymous:me%40example.org@ftp.example.org/pub/",
      "ftp://anonymous:***@ftp.example.org/pub/" },
    { "ftp://u:p@ss@host/x", "ftp://u:***@host/x" },
    { "http://u:p:q@host/", "http://u:***@host/" },
    { "https://:secret@example.com/", "https://:***@example.com/" },
    { "https://user:@example.com/", "https://user:***@example.com/" },
    { "http://u:secret@host?x=@y", "http://u:***@host?x=@y" },
    { "http://u:secret@host#@y", "http://u:***@host#@y" },
    { "http://u:secret@[::1]:80/", "http://u:***@[::1]:80/" },
    { "HTTPS://U:SECRET@H/", "HTTPS://U:***@H/" },
    /* unchanged */
    { "https://user@example.com/", "https://user@example.com/" },
    { "https://example.com/a?b=c", "https://example.com/a?b=c" },
    { "http://host/path@x:y", "http://host/path@x:y" },
    { "http://host/?u=a:b@c", "http://host/?u=a:b@c" },
    { "http://[::1]:8080/x", "http://[::1]:8080/x" },
    { "http://host:8080/x", "http://host:8080/x" },
    { "/relative/a:b@c", "/relative/a:b@c" },
    { "not a url", "not a url" },
    { "mailto:user:pw@example.com", "mailto:user:pw@example.com" },
    { "://a:b@c", "://a:b@c" },
    { "", "" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *redacted = NULL;

      note ("URL", cases[i].url);
      redacted = _meow_redact_url (cases[i].url);
      g_assert_cmpstr (redacted, ==, cases[i].expected);
      g_assert_null (strstr (redacted, "secret"));
      g_assert_true (redacted != cases[i].url);
    }
  g_assert_null (_meow_redact_url (NULL));
}

static void
test_etag (void)
{
  static const struct
  {
    const char *etag;
    gboolean    strong;
  } cases[] = {
    { "\"abc\"", TRUE },    { "\"\"", TRUE },
    { " \"abc\" ", TRUE },  { "\"33a64df551425fcc55e4d42a148795d9f25f89d4\"", TRUE },
    { "\"x\x80y\"", TRUE }, /* obs-text */
    { "W/\"abc\"", FALSE }, { "w/\"abc\"", FALSE },
    { "W/\"\"", FALSE },    { "abc", FALSE },
    { "\"abc", FALSE },     { "abc\"", FALSE },
    { "\"", FALSE },        { "\"a\"b\"", FALSE },
    { "\"a b\"", FALSE },   { "\"a\tb\"", FALSE },
    { "\"a\x7f\"", FALSE }, { "'abc'", FALSE },
    { "", FALSE },          { "   ", FALSE },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      note ("ETag", cases[i].etag);
      g_assert_cmpint (_meow_etag_is_strong (cases[i].etag), ==, cases[i].strong);
    }
  g_assert_false (_meow_etag_is_strong (NULL));
}

/* Paths listed in @data (a NULL-terminated array) count as taken. */
static gboolean
listed_as_taken (const char *path, gpointer data)
{
  const char *const *claimed = data;

  for (guint i = 0; claimed[i]; i++)
    if (g_str_has_suffix (path, claimed[i]) && path[strlen (path) - strlen (claimed[i]) - 1] == '/')
      return TRUE;
  return FALSE;
}

/* What another live download claims is skipped like an existing file. */
static void
test_unique_path_claimed (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("meow-test-http-XXXXXX", &error);
  const char      *claimed[] = { "song.ogg", "song (2).ogg", "x (1).tar.gz", NULL };
  const char      *none[] = { NULL };

  g_assert_no_error (error);

  {
    g_autofree char *path = _meow_unique_path_full (dir, "song.ogg", listed_as_taken, claimed);
    g_autofree char *expected = g_build_filename (dir, "song (1).ogg", NULL);

    g_assert_cmpstr (path, ==, expected);
  }
  touch (dir, "song (1).ogg");
  {
    /* (1) exists, (2) is claimed */
    g_autofree char *path = _meow_unique_path_full (dir, "song.ogg", listed_as_taken, claimed);
    g_autofree char *expected = g_build_filename (dir, "song (3).ogg", NULL);

    g_assert_cmpstr (path, ==, expected);
  }
  {
    /* an unclaimed, free name is itself */
    g_autofree char *path = _meow_unique_path_full (dir, "x.tar.gz", listed_as_taken, none);
    g_autofree char *expected = g_build_filename (dir, "x.tar.gz", NULL);

    g_assert_cmpstr (path, ==, expected);
  }
  touch (dir, "x.tar.gz");
  {
    g_autofree char *path = _meow_unique_path_full (dir, "x.tar.gz", listed_as_taken, claimed);
    g_autofree char *expected = g_build_filename (dir, "x (2).tar.gz", NULL);

    g_assert_cmpstr (path, ==, expected);
  }
  {
    /* without a predicate it is _meow_unique_path () */
    g_autofree char *path = _meow_unique_path_full (dir, "x.tar.gz", NULL, NULL);
    g_autofree char *expected = _meow_unique_path (dir, "x.tar.gz");

    g_assert_cmpstr (path, ==, expected);
  }

  remove_tree (dir);
}

/* ------------------------------------------------------------------ */
/* Response heads                                                      */

static void
feed (MeowHttpHead *head, const char *line, MeowHttpLine expected)
{
  note ("header line", line);
  g_assert_cmpint (_meow_http_head_feed (head, line, strlen (line)), ==, expected);
}

static void
test_head (void)
{
  MeowHttpHead head;

  _meow_http_head_init (&head);
  g_assert_cmpint (head.status, ==, 0);

  /* a redirect, then the answer that counts: its fields only */
  feed (&head, "HTTP/1.1 302 Found\r\n", MEOW_HTTP_LINE_STATUS);
  feed (&head, "Location: /elsewhere\r\n", MEOW_HTTP_LINE_FIELD);
  feed (&head, "\r\n", MEOW_HTTP_LINE_END);
  g_assert_cmpint (head.status, ==, 302);
  g_assert_cmpstr (_meow_http_head_get (&head, "location"), ==, "/elsewhere");

  feed (&head, "HTTP/1.1 206 Partial Content\r\n", MEOW_HTTP_LINE_STATUS);
  g_assert_cmpint (head.status, ==, 206);
  g_assert_cmpstr (head.reason, ==, "Partial Content");
  g_assert_null (_meow_http_head_get (&head, "location"));
  feed (&head, "Content-Range:  bytes 4-7/8 \t\r\n", MEOW_HTTP_LINE_FIELD);
  feed (&head, "content-length: 4\r\n", MEOW_HTTP_LINE_FIELD);
  feed (&head, "ETag: \"a\"\r\n", MEOW_HTTP_LINE_FIELD);
  feed (&head, "ETAG: \"b\"\n", MEOW_HTTP_LINE_FIELD); /* the last one wins */
  feed (&head, " folded: continuation\r\n", MEOW_HTTP_LINE_OTHER);
  feed (&head, "no colon here\r\n", MEOW_HTTP_LINE_OTHER);
  feed (&head, ": no name\r\n", MEOW_HTTP_LINE_OTHER);
  feed (&head, "Empty:\r\n", MEOW_HTTP_LINE_FIELD);
  feed (&head, "\n", MEOW_HTTP_LINE_END);
  g_assert_cmpstr (_meow_http_head_get (&head, "content-range"), ==, "bytes 4-7/8");
  g_assert_cmpstr (_meow_http_head_get (&head, "etag"), ==, "\"b\"");
  g_assert_cmpstr (_meow_http_head_get (&head, "empty"), ==, "");
  g_assert_null (_meow_http_head_get (&head, "folded"));
  g_assert_cmpint (_meow_http_head_get_length (&head), ==, 4);
  g_assert_cmpuint (g_hash_table_size (head.fields), ==, 4);

  /* HTTP/2 has no reason phrase; lengths that are not lengths */
  feed (&head, "HTTP/2 200 \r\n", MEOW_HTTP_LINE_STATUS);
  g_assert_cmpint (head.status, ==, 200);
  g_assert_null (head.reason);
  g_assert_cmpint (_meow_http_head_get_length (&head), ==, -1);
  feed (&head, "Content-Length: -5\r\n", MEOW_HTTP_LINE_FIELD);
  g_assert_cmpint (_meow_http_head_get_length (&head), ==, -1);
  feed (&head, "Content-Length: 99999999999999999999\r\n", MEOW_HTTP_LINE_FIELD);
  g_assert_cmpint (_meow_http_head_get_length (&head), ==, -1);
  feed (&head, "Content-Length: 0\r\n", MEOW_HTTP_LINE_FIELD);
  g_assert_cmpint (_meow_http_head_get_length (&head), ==, 0);

  /* a status line that is not one */
  feed (&head, "HTTP/1.1\r\n", MEOW_HTTP_LINE_STATUS);
  g_assert_cmpint (head.status, ==, 0);
  feed (&head, "http/1.0 2OO OK\r\n", MEOW_HTTP_LINE_STATUS);
  g_assert_cmpint (head.status, ==, 2);
  g_assert_null (_meow_http_head_get (&head, "content-length"));

  _meow_http_head_reset (&head);
  g_assert_cmpint (head.status, ==, 0);
  g_assert_cmpuint (g_hash_table_size (head.fields), ==, 0);
  g_assert_cmpint (_meow_http_head_feed (&head, "", 0), ==, MEOW_HTTP_LINE_OTHER);
  _meow_http_head_clear (&head);
}

/* A head that keeps only some fields: the same values as a full one for
 * those (case, white space, the last one sent, challenges joined), nothing
 * of the others, and a new status line forgets them. */
static void
test_head_only (void)
{
  static const char *const names[] = { "etag", "content-length", "www-authenticate", NULL };
  MeowHttpHead             head;

  _meow_http_head_init_only (&head, names);
  feed (&head, "HTTP/1.1 401 Unauthorized\r\n", MEOW_HTTP_LINE_STATUS);
  feed (&head, "Server: nginx\r\n", MEOW_HTTP_LINE_FIELD);
  feed (&head, "ETag: \"a\"\r\n", MEOW_HTTP_LINE_FIELD);
  feed (&head, "ETAG \t:  \"b\" \r\n", MEOW_HTTP_LINE_FIELD); /* the last one wins */
  feed (&head, "Et: \"c\"\r\n", MEOW_HTTP_LINE_FIELD);        /* a prefix of a kept name */
  feed (&head, "ETagX: \"d\"\r\n", MEOW_HTTP_LINE_FIELD);     /* a kept name is a prefix */
  feed (&head, "WWW-Authenticate: Negotiate\r\n", MEOW_HTTP_LINE_FIELD);
  feed (&head, "www-authenticate: Basic realm=\"x\"\r\n", MEOW_HTTP_LINE_FIELD);
  feed (&head, "Content-Length: 12\r\n", MEOW_HTTP_LINE_FIELD);
  feed (&head, "\r\n", MEOW_HTTP_LINE_END);
  g_assert_cmpint (head.status, ==, 401);
  g_assert_cmpstr (head.reason, ==, "Unauthorized");
  g_assert_cmpstr (_meow_http_head_get (&head, "etag"), ==, "\"b\"");
  g_assert_cmpstr (_meow_http_head_get (&head, "www-authenticate"), ==,
                   "Negotiate, Basic realm=\"x\"");
  g_assert_cmpint (_meow_http_head_get_length (&head), ==, 12);

  feed (&head, "HTTP/2 200\r\n", MEOW_HTTP_LINE_STATUS);
  g_assert_null (_meow_http_head_get (&head, "etag"));
  g_assert_null (_meow_http_head_get (&head, "www-authenticate"));
  g_assert_cmpint (_meow_http_head_get_length (&head), ==, -1);
  feed (&head, "content-length:0\r\n", MEOW_HTTP_LINE_FIELD);
  g_assert_cmpint (_meow_http_head_get_length (&head), ==, 0);
  _meow_http_head_clear (&head);
}

/* ------------------------------------------------------------------ */
/* Status errors                                                       */

static void
test_status_error (void)
{
  static const struct
  {
    long        status;
    const char *reason;
    const char *body;
    const char *message;
  } cases[] = {
    { 404, "Not Found", NULL, "The server answered 404 Not Found for URL." },
    { 413, NULL, "too\nbig", "The server answered 413 for URL: too big" },
    { 500, "", "  \r\n\t ", "The server answered 500 for URL." },
    { 403, "Forbidden", "<html>\n<body><h1>Forbidden</h1>\n<p>Go away</p></body></html>",
      "The server answered 403 Forbidden for URL: Forbidden Go away" },
    { 503, "Service Unavailable", "a < b and c > d",
      "The server answered 503 Service Unavailable for URL: a < b and c > d" },
    { 400, "Bad Request", "bad \xff\xfe bytes",
      "The server answered 400 Bad Request for URL: bad \xef\xbf\xbd\xef\xbf\xbd bytes" },
  };
  g_autofree char *long_body = g_strnfill (MEOW_HTTP_ERROR_BODY_MAX + 100, 'x');
  g_autoptr (GError) cut = NULL;

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GError) error =
          _meow_http_status_error (cases[i].status, cases[i].reason, "URL", cases[i].body,
                                   cases[i].body ? strlen (cases[i].body) : 0);

      note ("status error for", cases[i].message);
      g_assert_error (error, MEOW_ERROR, MEOW_ERROR_RESPONSE_STATUS);
      g_assert_cmpstr (error->message, ==, cases[i].message);
    }

  /* a long body is quoted up to MEOW_HTTP_ERROR_BODY_MAX bytes */
  cut = _meow_http_status_error (500, NULL, "URL", long_body, strlen (long_body));
  g_assert_cmpuint (strlen (cut->message), ==,
                    strlen ("The server answered 500 for URL: ") + MEOW_HTTP_ERROR_BODY_MAX);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/core/http/content-range/valid", test_content_range_valid);
  g_test_add_func ("/core/http/content-range/unsatisfied", test_content_range_unsatisfied);
  g_test_add_func ("/core/http/content-range/invalid", test_content_range_invalid);
  g_test_add_func ("/core/http/content-range/hostile-message", test_content_range_hostile_message);
  g_test_add_func ("/core/http/date/valid", test_http_date_valid);
  g_test_add_func ("/core/http/date/invalid", test_http_date_invalid);
  g_test_add_func ("/core/http/retry-after/seconds", test_retry_after_seconds);
  g_test_add_func ("/core/http/retry-after/date", test_retry_after_date);
  g_test_add_func ("/core/http/retry-after/invalid", test_retry_after_invalid);
  g_test_add_func ("/core/http/content-disposition/forms", test_content_disposition_forms);
  g_test_add_func ("/core/http/content-disposition/hostile", test_content_disposition_hostile);
  g_test_add_func ("/core/http/sanitize/table", test_sanitize_table);
  g_test_add_func ("/core/http/sanitize/every-byte", test_sanitize_every_byte);
  g_test_add_func ("/core/http/sanitize/long", test_sanitize_long);
  g_test_add_func ("/core/http/file-name-from-url", test_file_name_from_url);
  g_test_add_func ("/core/http/unique-path", test_unique_path);
  g_test_add_func ("/core/http/unique-path-claimed", test_unique_path_claimed);
  g_test_add_func ("/core/http/redact-url", test_redact_url);
  g_test_add_func ("/core/http/url-without-userinfo", test_url_without_userinfo);
  g_test_add_func ("/core/http/header-line-value", test_header_line_value);
  g_test_add_func ("/core/http/etag", test_etag);
  g_test_add_func ("/core/http/head", test_head);
  g_test_add_func ("/core/http/head-only", test_head_only);
  g_test_add_func ("/core/http/status-error", test_status_error);

  return g_test_run ();
}
