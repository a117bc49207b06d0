/* meow-http.c: pure HTTP header parsers and file-name helpers
 *
 * Every function here reads hostile input (header values and URLs chosen by
 * a server). The parsers work on NUL-terminated copies and walk them with
 * pointers that stop at the NUL, so they never read past the end; numbers
 * are accumulated with an explicit overflow check and refused above
 * G_MAXINT64.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <string.h>

#include <glib/gstdio.h>

#include "meow-error.h"
#include "meow-http-private.h"
#include "meow-i18n-private.h"

/* Longest part of a hostile value we quote back in an error message. */
#define MAX_QUOTED_CHARS 80

/* Longest extension (with its dot) kept when a long name is truncated. */
#define MAX_KEPT_EXTENSION_BYTES 16

/* Most duplicates _meow_unique_path() tries before giving up. */
#define MAX_UNIQUE_SUFFIX 9999

/* Longest Retry-After delay we honour. */
#define MAX_RETRY_AFTER_SECONDS 3600

/* ------------------------------------------------------------------ */
/* Small helpers                                                       */

static gboolean
is_ows (char c)
{
  return c == ' ' || c == '\t';
}

/* Returns a copy of @value without leading and trailing ASCII whitespace. */
static char *
strip_copy (const char *value)
{
  return g_strstrip (g_strdup (value));
}

/* Returns @value made fit to quote in a message: valid UTF-8, control and
 * bidi characters replaced by U+FFFD, at most MAX_QUOTED_CHARS characters. */
char *
_meow_quote_for_message (const char *value)
{
  g_autofree char *valid = g_utf8_make_valid (value, -1);
  GString         *out = g_string_new (NULL);
  guint            n = 0;

  for (const char *p = valid; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (n++ == MAX_QUOTED_CHARS)
        {
          g_string_append (out, "…");
          break;
        }
      if (g_unichar_iscntrl (c) || (c >= 0x200E && c <= 0x200F) || (c >= 0x202A && c <= 0x202E) ||
          (c >= 0x2066 && c <= 0x2069))
        g_string_append_unichar (out, 0xFFFD);
      else
        g_string_append_unichar (out, c);
    }

  return g_string_free (out, FALSE);
}

/* ------------------------------------------------------------------ */
/* Responses                                                           */

void
_meow_http_head_init (MeowHttpHead *head)
{
  head->status = 0;
  head->reason = NULL;
  head->fields = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  head->only = NULL;
  head->values = NULL;
}

void
_meow_http_head_init_only (MeowHttpHead *head, const char *const *names)
{
  head->status = 0;
  head->reason = NULL;
  head->fields = NULL;
  head->only = names;
  head->values = g_new0 (char *, g_strv_length ((char **) names) + 1);
}

static void
head_forget_fields (MeowHttpHead *head)
{
  if (head->fields != NULL)
    g_hash_table_remove_all (head->fields);
  for (guint i = 0; head->only != NULL && head->only[i] != NULL; i++)
    g_clear_pointer (&head->values[i], g_free);
}

void
_meow_http_head_clear (MeowHttpHead *head)
{
  head_forget_fields (head);
  g_clear_pointer (&head->reason, g_free);
  g_clear_pointer (&head->fields, g_hash_table_unref);
  g_clear_pointer (&head->values, g_free);
  head->only = NULL;
  head->status = 0;
}

void
_meow_http_head_reset (MeowHttpHead *head)
{
  head->status = 0;
  g_clear_pointer (&head->reason, g_free);
  head_forget_fields (head);
}

/* The index of the field @name (@len bytes, any case) in head->only, or
 * -1 when it is not kept. */
static int
head_only_index (const MeowHttpHead *head, const char *name, gsize len)
{
  char first = g_ascii_tolower (*name);

  for (int i = 0; head->only[i] != NULL; i++)
    if (head->only[i][0] == first && strlen (head->only[i]) == len &&
        g_ascii_strncasecmp (head->only[i], name, len) == 0)
      return i;
  return -1;
}

/* @value of the field @name (lower case), kept: the last one sent, but
 * for the lists of challenges. Takes @value. */
static void
head_keep (MeowHttpHead *head, const char *name, char **slot, char *value)
{
  /* Each of these fields is a list of challenges: a server may send one
   * field per scheme (Negotiate, then Basic). */
  if (*slot != NULL &&
      (g_str_equal (name, "www-authenticate") || g_str_equal (name, "proxy-authenticate")) &&
      strlen (*slot) < 8192)
    {
      char *joined = g_strconcat (*slot, ", ", value, NULL);

      g_free (value);
      value = joined;
    }
  g_free (*slot);
  *slot = value;
}

MeowHttpLine
_meow_http_head_feed (MeowHttpHead *head, const char *line, gsize len)
{
  const char *end = line + len;
  const char *colon;

  while (end > line && (end[-1] == '\r' || end[-1] == '\n'))
    end--;
  if (end == line)
    return len > 0 ? MEOW_HTTP_LINE_END : MEOW_HTTP_LINE_OTHER;

  if (end - line >= 5 && g_ascii_strncasecmp (line, "HTTP/", 5) == 0)
    {
      /* "HTTP/1.1 206 Partial Content", "HTTP/2 200" */
      const char *p = memchr (line, ' ', (gsize) (end - line));
      gint64      status = 0;

      _meow_http_head_reset (head);
      if (p != NULL)
        {
          const char *digits = ++p;

          while (p < end && g_ascii_isdigit (*p) && p - digits < 3)
            status = status * 10 + (*p++ - '0');
          while (p < end && (*p == ' ' || *p == '\t'))
            p++;
          if (p < end)
            head->reason = g_strstrip (g_strndup (p, (gsize) (end - p)));
          if (head->reason != NULL && *head->reason == '\0')
            g_clear_pointer (&head->reason, g_free);
        }
      head->status = (long) status;
      return MEOW_HTTP_LINE_STATUS;
    }

  /* An obsolete folded continuation (it starts with white space) is not a
   * field of its own. */
  if (*line == ' ' || *line == '\t')
    return MEOW_HTTP_LINE_OTHER;
  colon = memchr (line, ':', (gsize) (end - line));
  if (colon == NULL || colon == line)
    return MEOW_HTTP_LINE_OTHER;
  {
    const char *name_end = colon;
    const char *v = colon + 1;
    const char *v_end = end;

    while (name_end > line && g_ascii_isspace (name_end[-1]))
      name_end--;
    while (v < v_end && g_ascii_isspace (*v))
      v++;
    while (v_end > v && g_ascii_isspace (v_end[-1]))
      v_end--;
    if (head->only != NULL)
      {
        int i = head_only_index (head, line, (gsize) (name_end - line));

        /* Not kept: nothing copied. */
        if (i >= 0)
          head_keep (head, head->only[i], &head->values[i], g_strndup (v, (gsize) (v_end - v)));
      }
    else
      {
        char *name = g_ascii_strdown (line, name_end - line);
        char *value = g_hash_table_lookup (head->fields, name);

        value = value ? g_strdup (value) : NULL;
        head_keep (head, name, &value, g_strndup (v, (gsize) (v_end - v)));
        g_hash_table_replace (head->fields, name, value);
      }
  }
  return MEOW_HTTP_LINE_FIELD;
}

const char *
_meow_http_head_get (const MeowHttpHead *head, const char *lower_name)
{
  if (head->only == NULL)
    return g_hash_table_lookup (head->fields, lower_name);
  for (guint i = 0; head->only[i] != NULL; i++)
    if (strcmp (head->only[i], lower_name) == 0)
      return head->values[i];
  g_return_val_if_reached (NULL); /* not a kept field */
}

gint64
_meow_http_head_get_length (const MeowHttpHead *head)
{
  const char *value = _meow_http_head_get (head, "content-length");
  guint64     n;

  if (value == NULL || !g_ascii_string_to_unsigned (value, 10, 0, G_MAXINT64, &n, NULL))
    return -1;
  return (gint64) n;
}

/* @body as one readable line: valid UTF-8, HTML tags dropped (servers
 * mostly send an HTML page), control characters and runs of white space
 * folded to one space. */
static char *
body_excerpt (const char *body, gsize len)
{
  g_autofree char *valid = g_utf8_make_valid (body, (gssize) len);
  GString         *out = g_string_sized_new (len);
  gboolean         html = g_str_has_prefix (g_strchug (valid), "<");
  gboolean         in_tag = FALSE;
  gboolean         space = FALSE;

  for (const char *p = valid; *p; p++)
    {
      char c = *p;

      if (html && c == '<')
        {
          in_tag = TRUE;
          space = out->len > 0;
          continue;
        }
      if (in_tag)
        {
          in_tag = c != '>';
          continue;
        }
      if (g_ascii_isspace (c) || g_ascii_iscntrl (c))
        {
          space = out->len > 0;
          continue;
        }
      if (space)
        g_string_append_c (out, ' ');
      space = FALSE;
      g_string_append_c (out, c);
    }

  return g_string_free (out, FALSE);
}

GError *
_meow_http_status_error (
    long status, const char *reason, const char *redacted_url, const char *body, gsize body_len)
{
  g_autofree char *excerpt = NULL;
  gboolean         has_reason = reason != NULL && *reason != '\0';

  if (body != NULL && body_len > 0)
    excerpt = body_excerpt (body, MIN (body_len, MEOW_HTTP_ERROR_BODY_MAX));
  if (excerpt != NULL && *excerpt != '\0')
    {
      if (has_reason)
        /* Translators: %ld is the HTTP status code, the first %s the server's reason
         * phrase (English, e.g. “Not Found”), the second a URL, the third the start of
         * the page the server sent. */
        return g_error_new (MEOW_ERROR, MEOW_ERROR_RESPONSE_STATUS,
                            _ ("The server answered %ld %s for %s: %s"), status, reason,
                            redacted_url, excerpt);
      /* Translators: %ld is the HTTP status code, the first %s a URL, the second the start
       * of the page the server sent. */
      return g_error_new (MEOW_ERROR, MEOW_ERROR_RESPONSE_STATUS,
                          _ ("The server answered %ld for %s: %s"), status, redacted_url, excerpt);
    }
  if (has_reason)
    /* Translators: %ld is the HTTP status code, the first %s the server's reason phrase
     * (English, e.g. “Not Found”), the second a URL. */
    return g_error_new (MEOW_ERROR, MEOW_ERROR_RESPONSE_STATUS,
                        _ ("The server answered %ld %s for %s."), status, reason, redacted_url);
  /* Translators: %ld is the HTTP status code, %s a URL. */
  return g_error_new (MEOW_ERROR, MEOW_ERROR_RESPONSE_STATUS, _ ("The server answered %ld for %s."),
                      status, redacted_url);
}

typedef enum
{
  NUMBER_OK,
  NUMBER_MISSING,
  NUMBER_TOO_LARGE,
} NumberResult;

/* Reads a run of ASCII digits at *@pp into @out and moves *@pp past it.
 * The whole run is consumed even when its value exceeds G_MAXINT64. */
static NumberResult
read_number (const char **pp, gint64 *out)
{
  const char *p = *pp;
  guint64     value = 0;
  gboolean    too_large = FALSE;

  if (!g_ascii_isdigit (*p))
    return NUMBER_MISSING;

  for (; g_ascii_isdigit (*p); p++)
    {
      guint digit = (guint) (*p - '0');

      if (too_large || value > ((guint64) G_MAXINT64 - digit) / 10)
        too_large = TRUE;
      else
        value = value * 10 + digit;
    }

  *pp = p;
  if (too_large)
    return NUMBER_TOO_LARGE;
  *out = (gint64) value;
  return NUMBER_OK;
}

/* Appends the bytes of @s[0..@len) to @out with %XX sequences decoded.
 * A decoded NUL byte becomes '_' so the result stays a whole C string;
 * a '%' not followed by two hex digits is kept as it is. */
static void
append_percent_decoded (GString *out, const char *s, gsize len)
{
  for (gsize i = 0; i < len; i++)
    {
      if (s[i] == '%' && i + 2 < len && g_ascii_isxdigit (s[i + 1]) && g_ascii_isxdigit (s[i + 2]))
        {
          guchar byte =
              (guchar) (g_ascii_xdigit_value (s[i + 1]) * 16 + g_ascii_xdigit_value (s[i + 2]));

          g_string_append_c (out, byte == 0 ? '_' : (char) byte);
          i += 2;
        }
      else
        g_string_append_c (out, s[i]);
    }
}

/* ------------------------------------------------------------------ */
/* Content-Range                                                       */

typedef enum
{
  RANGE_NOT_THE_FORM,
  RANGE_OTHER_UNIT,
  RANGE_TOO_LARGE,
  RANGE_ENDS_BEFORE_START,
  RANGE_ENDS_PAST_TOTAL,
} RangeProblem;

/* Sets a MEOW_ERROR_INVALID_RANGE error about the Content-Range @value, one whole
 * sentence per @problem: @unit is the unit of RANGE_OTHER_UNIT, @a and @b the numbers
 * of RANGE_ENDS_BEFORE_START (end, start) and RANGE_ENDS_PAST_TOTAL (end, total).
 * Always returns FALSE. */
static gboolean
content_range_error (
    GError **error, const char *value, RangeProblem problem, const char *unit, gint64 a, gint64 b)
{
  g_autofree char *quoted = _meow_quote_for_message (value);
  g_autofree char *quoted_unit = unit ? _meow_quote_for_message (unit) : NULL;

  switch (problem)
    {
    case RANGE_NOT_THE_FORM:
      /* Translators: %s is the server's Content-Range header value. Keep “bytes
       * START-END/TOTAL” as it is: it is the header's syntax. */
      g_set_error (error, MEOW_ERROR, MEOW_ERROR_INVALID_RANGE,
                   _ ("The server's Content-Range “%s” is not of the form “bytes "
                      "START-END/TOTAL”."),
                   quoted);
      break;
    case RANGE_OTHER_UNIT:
      /* Translators: the first %s is the server's Content-Range header value, the
       * second the unit it names instead of bytes. */
      g_set_error (error, MEOW_ERROR, MEOW_ERROR_INVALID_RANGE,
                   _ ("The server's Content-Range “%s” uses the unit “%s”, not bytes."), quoted,
                   quoted_unit);
      break;
    case RANGE_TOO_LARGE:
      /* Translators: %s is the server's Content-Range header value. */
      g_set_error (error, MEOW_ERROR, MEOW_ERROR_INVALID_RANGE,
                   _ ("The server's Content-Range “%s” has a number too large to be a file "
                      "size."),
                   quoted);
      break;
    case RANGE_ENDS_BEFORE_START:
      /* Translators: %s is the server's Content-Range header value; the numbers are
       * byte offsets, the last byte and the first. */
      g_set_error (error, MEOW_ERROR, MEOW_ERROR_INVALID_RANGE,
                   _ ("The server's Content-Range “%s” ends (at byte %lld) before it starts (at "
                      "byte %lld)."),
                   quoted, (long long) a, (long long) b);
      break;
    case RANGE_ENDS_PAST_TOTAL:
      /* Translators: %s is the server's Content-Range header value; the first number
       * is the offset of its last byte, the second the file's size in bytes. */
      g_set_error (error, MEOW_ERROR, MEOW_ERROR_INVALID_RANGE,
                   _ ("The server's Content-Range “%s” ends at byte %lld, past the end of the "
                      "%lld-byte file."),
                   quoted, (long long) a, (long long) b);
      break;
    }
  return FALSE;
}

gboolean
_meow_parse_content_range (const char *value, MeowContentRange *out, GError **error)
{
  g_autofree char *copy = NULL;
  g_autofree char *unit = NULL;
  const char      *p;
  const char      *unit_end;
  gint64           start = -1;
  gint64           end = -1;
  gint64           total = -1;
  NumberResult     r;

  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (value == NULL || *(copy = strip_copy (value)) == '\0')
    {
      g_set_error_literal (error, MEOW_ERROR, MEOW_ERROR_INVALID_RANGE,
                           _ ("The server sent an empty Content-Range."));
      return FALSE;
    }

  /* The unit: everything up to the first whitespace. */
  for (unit_end = copy; *unit_end != '\0' && !g_ascii_isspace (*unit_end); unit_end++)
    ;
  if (*unit_end == '\0')
    return content_range_error (error, copy, RANGE_NOT_THE_FORM, NULL, 0, 0);
  unit = g_strndup (copy, (gsize) (unit_end - copy));
  if (g_ascii_strcasecmp (unit, "bytes") != 0)
    return content_range_error (error, copy, RANGE_OTHER_UNIT, unit, 0, 0);

  p = unit_end;
  while (is_ows (*p))
    p++;

  /* "START-END" or "*" (the 416 form) */
  if (*p == '*')
    p++;
  else
    {
      r = read_number (&p, &start);
      if (r == NUMBER_OK && *p == '-')
        {
          p++;
          r = read_number (&p, &end);
        }
      else if (r == NUMBER_OK)
        r = NUMBER_MISSING;
      if (r == NUMBER_TOO_LARGE)
        return content_range_error (error, copy, RANGE_TOO_LARGE, NULL, 0, 0);
      if (r != NUMBER_OK)
        return content_range_error (error, copy, RANGE_NOT_THE_FORM, NULL, 0, 0);
    }

  if (*p != '/')
    return content_range_error (error, copy, RANGE_NOT_THE_FORM, NULL, 0, 0);
  p++;

  /* "TOTAL" or "*" (not allowed in the 416 form) */
  if (*p == '*' && start >= 0)
    p++;
  else
    {
      r = read_number (&p, &total);
      if (r == NUMBER_TOO_LARGE)
        return content_range_error (error, copy, RANGE_TOO_LARGE, NULL, 0, 0);
      if (r != NUMBER_OK)
        return content_range_error (error, copy, RANGE_NOT_THE_FORM, NULL, 0, 0);
    }

  if (*p != '\0')
    return content_range_error (error, copy, RANGE_NOT_THE_FORM, NULL, 0, 0);

  if (start >= 0 && end < start)
    return content_range_error (error, copy, RANGE_ENDS_BEFORE_START, NULL, end, start);
  if (start >= 0 && total >= 0 && end >= total)
    return content_range_error (error, copy, RANGE_ENDS_PAST_TOTAL, NULL, end, total);

  if (out != NULL)
    {
      out->start = start;
      out->end = end;
      out->total = total;
    }
  return TRUE;
}

/* ------------------------------------------------------------------ */
/* HTTP dates                                                          */

static const char *const month_names[] = {
  "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
};

static const char *const day_names[] = {
  "Mon",    "Tue",     "Wed",       "Thu",      "Fri",    "Sat",      "Sun",
  "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday",
};

/* Reads a run of 1 to @size - 1 ASCII letters into @buf. */
static gboolean
read_word (const char **pp, char *buf, gsize size)
{
  const char *p = *pp;
  gsize       n = 0;

  while (g_ascii_isalpha (*p))
    {
      if (n + 1 >= size)
        return FALSE;
      buf[n++] = *p++;
    }
  buf[n] = '\0';
  *pp = p;
  return n > 0;
}

/* Reads a run of @min to @max ASCII digits as a number. */
static gboolean
read_digits (const char **pp, guint min, guint max, int *out)
{
  const char *p = *pp;
  guint       n = 0;
  int         value = 0;

  while (g_ascii_isdigit (*p))
    {
      if (++n > max)
        return FALSE;
      value = value * 10 + (*p++ - '0');
    }
  if (n < min)
    return FALSE;
  *out = value;
  *pp = p;
  return TRUE;
}

static gboolean
expect_char (const char **pp, char c)
{
  if (**pp != c)
    return FALSE;
  (*pp)++;
  return TRUE;
}

/* Skips one or more spaces. */
static gboolean
expect_spaces (const char **pp)
{
  if (**pp != ' ')
    return FALSE;
  while (**pp == ' ')
    (*pp)++;
  return TRUE;
}

static gboolean
is_day_name (const char *word)
{
  for (gsize i = 0; i < G_N_ELEMENTS (day_names); i++)
    if (g_ascii_strcasecmp (word, day_names[i]) == 0)
      return TRUE;
  return FALSE;
}

static gboolean
read_month (const char **pp, int *month)
{
  char word[4];

  if (!read_word (pp, word, sizeof word))
    return FALSE;
  for (gsize i = 0; i < G_N_ELEMENTS (month_names); i++)
    if (g_ascii_strcasecmp (word, month_names[i]) == 0)
      {
        *month = (int) i + 1;
        return TRUE;
      }
  return FALSE;
}

/* "HH:MM:SS" */
static gboolean
read_time (const char **pp, int *hour, int *minute, int *second)
{
  return read_digits (pp, 2, 2, hour) && expect_char (pp, ':') && read_digits (pp, 2, 2, minute) &&
         expect_char (pp, ':') && read_digits (pp, 2, 2, second);
}

/* "GMT" ("UTC" is tolerated) */
static gboolean
read_zone (const char **pp)
{
  char word[4];

  return read_word (pp, word, sizeof word) &&
         (g_ascii_strcasecmp (word, "GMT") == 0 || g_ascii_strcasecmp (word, "UTC") == 0);
}

/* Parses the three forms of RFC 9110 section 5.6.7:
 *
 *   IMF-fixdate  "Sun, 06 Nov 1994 08:49:37 GMT"
 *   RFC 850      "Sunday, 06-Nov-94 08:49:37 GMT"
 *   asctime      "Sun Nov  6 08:49:37 1994"
 *
 * Names are matched case-insensitively and the day name is not checked
 * against the date. A two-digit RFC 850 year 70-99 is 19xx, 00-69 is 20xx
 * (a fixed rule, so the result does not depend on the current time).
 * A leap second (:60) is accepted as the first second of the next minute. */
gint64
_meow_parse_http_date (const char *value)
{
  g_autofree char *copy = NULL;
  g_autoptr (GDateTime) dt = NULL;
  const char *p;
  char        word[16];
  int         year, month, day, hour, minute, second;

  if (value == NULL)
    return -1;
  copy = strip_copy (value);
  p = copy;

  if (!read_word (&p, word, sizeof word) || !is_day_name (word))
    return -1;

  if (expect_char (&p, ','))
    {
      if (!expect_spaces (&p) || !read_digits (&p, 1, 2, &day))
        return -1;
      if (expect_char (&p, '-'))
        {
          /* RFC 850 */
          if (!read_month (&p, &month) || !expect_char (&p, '-'))
            return -1;
          if (read_digits (&p, 2, 2, &year))
            year += year < 70 ? 2000 : 1900;
          else if (!read_digits (&p, 4, 4, &year))
            return -1;
        }
      else
        {
          /* IMF-fixdate */
          if (!expect_spaces (&p) || !read_month (&p, &month) || !expect_spaces (&p) ||
              !read_digits (&p, 4, 4, &year))
            return -1;
        }
      if (!expect_spaces (&p) || !read_time (&p, &hour, &minute, &second) || !expect_spaces (&p) ||
          !read_zone (&p))
        return -1;
    }
  else
    {
      /* asctime */
      if (!expect_spaces (&p) || !read_month (&p, &month) || !expect_spaces (&p) ||
          !read_digits (&p, 1, 2, &day) || !expect_spaces (&p) ||
          !read_time (&p, &hour, &minute, &second) || !expect_spaces (&p) ||
          !read_digits (&p, 4, 4, &year))
        return -1;
    }

  if (*p != '\0')
    return -1;
  if (year < 1 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60)
    return -1;

  dt = g_date_time_new_utc (year, month, day, hour, minute, MIN (second, 59));
  if (dt == NULL)
    return -1;
  return g_date_time_to_unix (dt) + (second == 60 ? 1 : 0);
}

/* ------------------------------------------------------------------ */
/* Retry-After                                                         */

gint64
_meow_parse_retry_after (const char *value, gint64 now_unix)
{
  g_autofree char *copy = NULL;
  const char      *p;
  gint64           seconds;
  gint64           date;

  if (value == NULL)
    return -1;
  copy = strip_copy (value);
  p = copy;

  if (g_ascii_isdigit (*p))
    {
      switch (read_number (&p, &seconds))
        {
        case NUMBER_OK:
          break;
        case NUMBER_TOO_LARGE:
          seconds = MAX_RETRY_AFTER_SECONDS;
          break;
        case NUMBER_MISSING:
        default:
          return -1;
        }
      if (*p != '\0')
        return -1;
      return MIN (seconds, MAX_RETRY_AFTER_SECONDS) * 1000;
    }

  date = _meow_parse_http_date (copy);
  if (date < 0)
    return -1;
  if (date <= now_unix)
    return 0;
  /* date is small (year <= 9999), so date - MAX cannot overflow, while
   * date - now_unix could for an absurd now_unix. */
  if (now_unix < date - MAX_RETRY_AFTER_SECONDS)
    return (gint64) MAX_RETRY_AFTER_SECONDS * 1000;
  return (date - now_unix) * 1000;
}

/* ------------------------------------------------------------------ */
/* Content-Disposition                                                 */

/* Decodes an RFC 8187 ext-value "charset'language'percent-encoded" into
 * UTF-8 (or the raw decoded bytes for UTF-8, which may be invalid).
 * Only UTF-8, ISO-8859-1 and US-ASCII are understood; anything else
 * returns NULL so the caller falls back to filename=. */
static char *
decode_ext_value (const char *value)
{
  const char      *quote1 = strchr (value, '\'');
  const char      *quote2;
  const char      *encoded;
  g_autofree char *charset = NULL;
  g_autoptr (GString) bytes = g_string_new (NULL);

  if (quote1 == NULL)
    return NULL;
  quote2 = strchr (quote1 + 1, '\'');
  if (quote2 == NULL)
    return NULL;
  encoded = quote2 + 1;
  charset = g_strndup (value, (gsize) (quote1 - value));
  g_strstrip (charset);

  append_percent_decoded (bytes, encoded, strlen (encoded));

  if (g_ascii_strcasecmp (charset, "UTF-8") == 0 || g_ascii_strcasecmp (charset, "UTF8") == 0 ||
      g_ascii_strcasecmp (charset, "US-ASCII") == 0)
    return g_strdup (bytes->str);

  if (g_ascii_strcasecmp (charset, "ISO-8859-1") == 0 ||
      g_ascii_strcasecmp (charset, "ISO8859-1") == 0 || g_ascii_strcasecmp (charset, "latin1") == 0)
    {
      GString *utf8 = g_string_sized_new (bytes->len * 2);

      for (gsize i = 0; i < bytes->len; i++)
        g_string_append_unichar (utf8, (guchar) bytes->str[i]);
      return g_string_free (utf8, FALSE);
    }

  return NULL;
}

/* Reads one parameter value at *@pp: a quoted-string (backslash escapes
 * removed; an unterminated one runs to the end) or a token (up to ';',
 * trailing whitespace removed). Leaves *@pp at the next ';' or the end. */
static char *
read_param_value (const char **pp)
{
  const char *p = *pp;
  GString    *out = g_string_new (NULL);

  if (*p == '"')
    {
      for (p++; *p != '\0' && *p != '"'; p++)
        {
          if (*p == '\\')
            {
              p++;
              if (*p == '\0')
                break;
            }
          g_string_append_c (out, *p);
        }
      /* Skip the closing quote and anything up to the next parameter. */
      while (*p != '\0' && *p != ';')
        p++;
    }
  else
    {
      const char *start = p;
      const char *stop;

      while (*p != '\0' && *p != ';')
        p++;
      stop = p;
      while (stop > start && g_ascii_isspace (stop[-1]))
        stop--;
      g_string_append_len (out, start, stop - start);
    }

  *pp = p;
  return g_string_free (out, FALSE);
}

char *
_meow_content_disposition_filename (const char *value)
{
  g_autofree char *plain = NULL;
  g_autofree char *extended = NULL;
  const char      *p = value;

  if (value == NULL)
    return NULL;

  /* Every ';'-separated part of the form name=value is a parameter; the
   * disposition type (and any other part without '=') is skipped. This
   * also accepts a bare "filename=x" without a type, as browsers do. */
  while (*p != '\0')
    {
      const char      *name_start;
      const char      *name_end;
      g_autofree char *name = NULL;
      g_autofree char *param = NULL;

      while (g_ascii_isspace (*p))
        p++;
      name_start = p;
      while (*p != '\0' && *p != '=' && *p != ';')
        p++;
      name_end = p;
      while (name_end > name_start && g_ascii_isspace (name_end[-1]))
        name_end--;

      if (*p != '=')
        {
          if (*p == ';')
            p++;
          continue;
        }

      name = g_strndup (name_start, (gsize) (name_end - name_start));
      p++;
      while (g_ascii_isspace (*p))
        p++;
      param = read_param_value (&p);
      if (*p == ';')
        p++;

      if (g_ascii_strcasecmp (name, "filename*") == 0 && extended == NULL)
        {
          g_autofree char *decoded = decode_ext_value (param);

          if (decoded != NULL && *decoded != '\0')
            extended = g_steal_pointer (&decoded);
        }
      else if (g_ascii_strcasecmp (name, "filename") == 0 && plain == NULL && *param != '\0')
        plain = g_steal_pointer (&param);
    }

  if (extended != NULL)
    return g_steal_pointer (&extended);
  return g_steal_pointer (&plain);
}

/* ------------------------------------------------------------------ */
/* File names                                                          */

static gboolean
is_bidi_control (gunichar c)
{
  return c == 0x061C || c == 0x200E || c == 0x200F || (c >= 0x202A && c <= 0x202E) ||
         (c >= 0x2066 && c <= 0x2069);
}

/* Characters replaced by '_': C0, DEL, C1, and those Windows (FAT, NTFS,
 * exFAT) refuses in names, since downloads are often copied there. */
static gboolean
is_forbidden_char (gunichar c)
{
  if (c < 0x20 || c == 0x7F || (c >= 0x80 && c <= 0x9F))
    return TRUE;
  return c < 0x80 && strchr ("<>:\"|?*", (int) c) != NULL;
}

static gboolean
is_dot_or_space (char c)
{
  return c == '.' || c == ' ';
}

/* Appends @segment to @out, joined by '_', unless it is a path component
 * that only navigates ("", "." or ".."). */
static void
flush_segment (GString *out, GString *segment)
{
  if (segment->len > 0 && strcmp (segment->str, ".") != 0 && strcmp (segment->str, "..") != 0)
    {
      if (out->len > 0)
        g_string_append_c (out, '_');
      g_string_append_len (out, segment->str, segment->len);
    }
  g_string_truncate (segment, 0);
}

/* Largest UTF-8 character boundary <= @pos in @s (which is longer than @pos). */
static gsize
utf8_floor (const char *s, gsize pos)
{
  while (pos > 0 && ((guchar) s[pos] & 0xC0) == 0x80)
    pos--;
  return pos;
}

/* Truncates the valid UTF-8 @name (longer than MEOW_MAX_NAME_BYTES, no
 * leading or trailing dots or spaces) on a character boundary, keeping
 * its extension when that is at most MAX_KEPT_EXTENSION_BYTES long. */
static char *
truncate_name (const char *name)
{
  gsize       len = strlen (name);
  const char *dot = strrchr (name, '.');
  gsize       ext_len = 0;
  gsize       cut;
  GString    *out;

  if (dot != NULL && dot != name && len - (gsize) (dot - name) <= MAX_KEPT_EXTENSION_BYTES)
    ext_len = len - (gsize) (dot - name);

  cut = utf8_floor (name, MEOW_MAX_NAME_BYTES - ext_len);
  while (cut > 0 && is_dot_or_space (name[cut - 1]))
    cut--;
  if (cut == 0)
    return NULL;

  out = g_string_new_len (name, (gssize) cut);
  g_string_append_len (out, name + len - ext_len, (gssize) ext_len);
  return g_string_free (out, FALSE);
}

/* The sanitising rule, in order:
 *
 *  1. Invalid UTF-8 bytes become U+FFFD.
 *  2. Bidi controls are dropped (they make "txt.exe" display as
 *     "exe.txt"); control characters (C0, DEL, C1) and the characters
 *     Windows forbids (< > : " | ? *) become '_'.
 *  3. The name is split at '/' and '\\' as if it were a path; components
 *     that only navigate ("", "." and "..") are dropped and the rest are
 *     joined with '_'. So "../../etc/passwd" becomes "etc_passwd" and
 *     "a/b.txt" becomes "a_b.txt".
 *  4. Leading and trailing dots and spaces are removed (no hidden files, no
 *     names Windows would silently change).
 *  5. A name longer than MEOW_MAX_NAME_BYTES is cut on a character boundary,
 *     keeping an extension of at most 16 bytes ("….txt").
 *
 * NULL when nothing remains. */
char *
_meow_sanitize_file_name (const char *name)
{
  g_autofree char *valid = NULL;
  g_autoptr (GString) out = NULL;
  g_autoptr (GString) segment = NULL;
  gsize first;
  gsize last;

  if (name == NULL)
    return NULL;

  valid = g_utf8_make_valid (name, -1);
  out = g_string_sized_new (strlen (valid));
  segment = g_string_new (NULL);

  for (const char *p = valid; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (is_bidi_control (c))
        continue;
      if (c == '/' || c == '\\')
        flush_segment (out, segment);
      else if (is_forbidden_char (c))
        g_string_append_c (segment, '_');
      else
        g_string_append_unichar (segment, c);
    }
  flush_segment (out, segment);

  for (first = 0; first < out->len && is_dot_or_space (out->str[first]); first++)
    ;
  for (last = out->len; last > first && is_dot_or_space (out->str[last - 1]); last--)
    ;
  g_string_truncate (out, last);
  g_string_erase (out, 0, (gssize) first);

  if (out->len == 0 || strcmp (out->str, ".") == 0 || strcmp (out->str, "..") == 0)
    return NULL;
  if (out->len > MEOW_MAX_NAME_BYTES)
    return truncate_name (out->str);
  return g_string_free (g_steal_pointer (&out), FALSE);
}

char *
_meow_file_name_from_url (const char *url)
{
  g_autoptr (GString) decoded = NULL;
  const char *path;
  const char *path_end;
  const char *segment;
  const char *scheme_end;

  if (url == NULL)
    return NULL;

  /* The path ends at the query or the fragment. */
  path_end = url + strcspn (url, "?#");

  /* Skip "scheme://authority"; without a path there is no name. */
  path = url;
  scheme_end = strstr (url, "://");
  if (scheme_end != NULL && scheme_end < path_end)
    {
      path = scheme_end + 3;
      while (path < path_end && *path != '/')
        path++;
      if (path == path_end)
        return NULL;
    }

  segment = path_end;
  while (segment > path && segment[-1] != '/')
    segment--;
  if (segment == path_end)
    return NULL;

  decoded = g_string_new (NULL);
  append_percent_decoded (decoded, segment, (gsize) (path_end - segment));
  return _meow_sanitize_file_name (decoded->str);
}

/* Double extensions kept whole by _meow_unique_path(). */
static const char *const compound_extensions[] = {
  ".tar.gz",
  ".tar.xz",
  ".tar.bz2",
  ".tar.zst",
};

/* Returns the length of the extension of @name: a compound one from the
 * list above, else from the last '.', or 0. A leading dot (".bashrc")
 * never starts an extension, and the stem is never empty. */
static gsize
extension_length (const char *name)
{
  gsize       len = strlen (name);
  const char *dot;

  for (gsize i = 0; i < G_N_ELEMENTS (compound_extensions); i++)
    {
      gsize ext_len = strlen (compound_extensions[i]);

      if (len > ext_len && g_ascii_strcasecmp (name + len - ext_len, compound_extensions[i]) == 0)
        return ext_len;
    }

  dot = strrchr (name, '.');
  if (dot == NULL || dot == name)
    return 0;
  return len - (gsize) (dot - name);
}

static gboolean
path_is_taken (const char *path)
{
  GStatBuf buf;

  /* g_lstat(), not g_stat(): a dangling symlink is taken too, and
   * opening it for writing would create its target elsewhere. */
  return g_lstat (path, &buf) == 0;
}

char *
_meow_unique_path (const char *dir, const char *name)
{
  return _meow_unique_path_full (dir, name, NULL, NULL);
}

char *
_meow_unique_path_full (const char       *dir,
                        const char       *name,
                        MeowPathTakenFunc taken,
                        gpointer          user_data)
{
  g_autofree char *path = NULL;
  g_autofree char *stem = NULL;
  const char      *ext;
  gsize            name_len;

  g_return_val_if_fail (dir != NULL, NULL);
  g_return_val_if_fail (name != NULL && *name != '\0', NULL);

  path = g_build_filename (dir, name, NULL);
  if (!path_is_taken (path) && !(taken && taken (path, user_data)))
    return g_steal_pointer (&path);

  name_len = strlen (name);
  ext = name + name_len - extension_length (name);
  stem = g_strndup (name, (gsize) (ext - name));

  for (guint i = 1; i <= MAX_UNIQUE_SUFFIX; i++)
    {
      g_autofree char *candidate = g_strdup_printf ("%s (%u)%s", stem, i, ext);

      g_free (path);
      path = g_build_filename (dir, candidate, NULL);
      if (!path_is_taken (path) && !(taken && taken (path, user_data)))
        return g_steal_pointer (&path);
    }

  return NULL;
}

/* ------------------------------------------------------------------ */
/* URLs and validators                                                 */

/* The authority is what follows "scheme://" up to the first '/', '?' or
 * '#'; its userinfo is what precedes the last '@' in it (a password may
 * contain a raw '@', and everything before the last one is hidden).
 * TRUE: @url has a userinfo, from *@start to *@at (the last '@'). */
static gboolean
find_userinfo (const char *url, const char **start, const char **at)
{
  const char *authority;
  const char *authority_end;
  const char *sep;

  *at = NULL;
  sep = strstr (url, "://");
  if (sep == NULL || sep == url || strcspn (url, "/?#") < (gsize) (sep - url))
    return FALSE;

  authority = sep + 3;
  authority_end = authority + strcspn (authority, "/?#");
  for (const char *p = authority; p < authority_end; p++)
    if (*p == '@')
      *at = p;
  *start = authority;
  return *at != NULL;
}

char *
_meow_redact_url (const char *url)
{
  const char *start;
  const char *at;
  const char *colon;

  if (url == NULL)
    return NULL;
  if (!find_userinfo (url, &start, &at))
    return g_strdup (url);

  colon = memchr (start, ':', (gsize) (at - start));
  if (colon == NULL)
    return g_strdup (url);

  return g_strdup_printf ("%.*s***%s", (int) (colon + 1 - url), url, at);
}

const char *
_meow_header_line_value (const char *line, const char *name)
{
  gsize len = strlen (name);

  if (g_ascii_strncasecmp (line, name, len) != 0 || line[len] != ':')
    return NULL;
  line += len + 1;
  while (*line == ' ' || *line == '\t')
    line++;
  return line;
}

char *
_meow_url_without_userinfo (const char *url)
{
  const char *start;
  const char *at;

  if (url == NULL)
    return NULL;
  if (!find_userinfo (url, &start, &at))
    return g_strdup (url);

  return g_strdup_printf ("%.*s%s", (int) (start - url), url, at + 1);
}

gboolean
_meow_etag_is_strong (const char *etag)
{
  g_autofree char *copy = NULL;
  gsize            len;

  if (etag == NULL)
    return FALSE;
  copy = strip_copy (etag);
  len = strlen (copy);

  /* entity-tag = [ "W/" ] DQUOTE *etagc DQUOTE;
   * etagc = %x21 / %x23-7E / obs-text */
  if (len < 2 || copy[0] != '"' || copy[len - 1] != '"')
    return FALSE;
  for (gsize i = 1; i < len - 1; i++)
    {
      guchar c = (guchar) copy[i];

      if (c <= 0x20 || c == '"' || c == 0x7F)
        return FALSE;
    }
  return TRUE;
}

/* RFC 9110 §5.6.2: tchar. */
static gboolean
is_tchar (guchar c)
{
  return c != '\0' && (g_ascii_isalnum (c) || strchr ("!#$%&'*+-.^_`|~", c) != NULL);
}

/* RFC 9110 §11.2: token68's characters but its trailing "=". */
static gboolean
is_token68_char (guchar c)
{
  return c != '\0' && (g_ascii_isalnum (c) || strchr ("-._~+/", c) != NULL);
}

static const char *
skip_blanks (const char *p)
{
  while (*p == ' ' || *p == '\t')
    p++;
  return p;
}

/* A token at @p: *@out is a copy (NULL when there is none). Returns the
 * position after it. */
static const char *
read_token (const char *p, char **out)
{
  const char *start = p;

  while (is_tchar ((guchar) *p))
    p++;
  *out = p > start ? g_strndup (start, (gsize) (p - start)) : NULL;
  return p;
}

/* A quoted-string at @p (its opening quote): *@out unescaped; an
 * unterminated one ends with the string. Returns the position after it. */
static const char *
read_quoted (const char *p, char **out)
{
  GString *s = g_string_new (NULL);

  for (p++; *p != '\0' && *p != '"'; p++)
    {
      if (*p == '\\' && p[1] != '\0')
        p++;
      g_string_append_c (s, *p);
    }
  if (*p == '"')
    p++;
  *out = g_string_free (s, FALSE);
  return p;
}

static int
auth_scheme_rank (const char *scheme, const char **canonical)
{
  static const char *const known[] = { "Negotiate", "Basic", "Digest" };

  for (int i = G_N_ELEMENTS (known) - 1; i >= 0; i--)
    if (g_ascii_strcasecmp (scheme, known[i]) == 0)
      {
        *canonical = known[i];
        return i + 1;
      }
  *canonical = scheme;
  return 0;
}

/* Reads the parameters of one challenge after its scheme at @p, keeping
 * the first realm in *@realm. Returns where the next challenge (or the
 * end) is; it may be @p itself, never before it. */
static const char *
read_challenge_params (const char *p, char **realm)
{
  gboolean first = TRUE;

  for (;;)
    {
      const char      *item;
      const char      *after;
      const char      *eq;
      g_autofree char *name = NULL;

      if (first)
        {
          if (*p != ' ' && *p != '\t')
            return p;
          p = skip_blanks (p);
        }
      else
        {
          p = skip_blanks (p);
          if (*p != ',')
            return p;
          while (*p == ',' || *p == ' ' || *p == '\t')
            p++;
        }
      item = p;
      after = read_token (p, &name);
      eq = skip_blanks (after);
      if (name != NULL && *eq == '=')
        {
          const char *v = skip_blanks (eq + 1);

          if (*v == '"' || is_tchar ((guchar) *v))
            {
              /* auth-param = token BWS "=" BWS ( token / quoted-string ) */
              g_autofree char *value = NULL;

              p = *v == '"' ? read_quoted (v, &value) : read_token (v, &value);
              if (*realm == NULL && g_ascii_strcasecmp (name, "realm") == 0)
                *realm = g_steal_pointer (&value);
            }
          else
            {
              /* token68's padding ("abc==") */
              p = eq;
              while (*p == '=')
                p++;
            }
        }
      else if (first && is_token68_char ((guchar) *p))
        {
          while (is_token68_char ((guchar) *p))
            p++;
          while (*p == '=')
            p++;
        }
      else
        /* Another challenge's scheme, or nothing that can be read. */
        return item;
      first = FALSE;
    }
}

gboolean
_meow_parse_www_authenticate (const char *value, char **scheme, char **realm)
{
  const char      *p = value;
  int              best_rank = -1;
  g_autofree char *best_scheme = NULL;
  g_autofree char *best_realm = NULL;

  g_return_val_if_fail (scheme != NULL && realm != NULL, FALSE);
  *scheme = NULL;
  *realm = NULL;
  if (value == NULL)
    return FALSE;

  while (*p != '\0')
    {
      g_autofree char *name = NULL;
      g_autofree char *challenge_realm = NULL;
      const char      *canonical;
      int              rank;

      while (*p == ',' || *p == ' ' || *p == '\t')
        p++;
      if (*p == '\0')
        break;
      p = read_token (p, &name);
      if (name == NULL)
        {
          /* Junk, not a scheme: a quoted string goes whole. */
          if (*p == '"')
            {
              g_autofree char *junk = NULL;

              p = read_quoted (p, &junk);
            }
          else
            p++;
          continue;
        }
      p = read_challenge_params (p, &challenge_realm);
      rank = auth_scheme_rank (name, &canonical);
      if (rank > best_rank)
        {
          best_rank = rank;
          g_free (best_scheme);
          best_scheme = g_strdup (canonical);
          g_free (best_realm);
          best_realm = g_steal_pointer (&challenge_realm);
        }
    }

  if (best_scheme == NULL)
    return FALSE;
  *scheme = g_steal_pointer (&best_scheme);
  *realm = best_realm != NULL ? _meow_quote_for_message (best_realm) : NULL;
  return TRUE;
}
