/* fuzz-content-range.c: _meow_parse_content_range() on any header value
 *
 * Promises checked: a parsed range is one the download driver can trust
 * (0 <= START <= END, END < TOTAL when TOTAL is known; the 416 form
 * "bytes *\/TOTAL" has START = END = -1 and a TOTAL); a refusal is an
 * INVALID_RANGE error whose message quotes the value safely and briefly.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "fuzz-common.h"
#include "meow-http-private.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autofree char *value = fuzz_input_string (data, size);
  g_autoptr (GError) error = NULL;
  MeowContentRange range = { 42, 42, 42 };

  if (_meow_parse_content_range (value, &range, &error))
    {
      FUZZ_CHECK (error == NULL, "error set on success");
      FUZZ_CHECK (range.total >= -1, "total %" G_GINT64_FORMAT, range.total);
      if (range.start < 0)
        {
          /* the 416 form: no range, a known total */
          FUZZ_CHECK (range.start == -1 && range.end == -1 && range.total >= 0,
                      "%" G_GINT64_FORMAT "-%" G_GINT64_FORMAT "/%" G_GINT64_FORMAT, range.start,
                      range.end, range.total);
        }
      else
        {
          FUZZ_CHECK (range.end >= range.start,
                      "end %" G_GINT64_FORMAT " < start %" G_GINT64_FORMAT, range.end, range.start);
          FUZZ_CHECK (range.total < 0 || range.end < range.total,
                      "end %" G_GINT64_FORMAT " >= total %" G_GINT64_FORMAT, range.end,
                      range.total);
        }
    }
  else
    {
      /* At most 80 quoted characters (4 bytes each) plus the sentence. */
      fuzz_check_error (error, MEOW_ERROR, MEOW_ERROR_INVALID_RANGE, 1024);
      FUZZ_CHECK (range.start == 42 && range.end == 42 && range.total == 42,
                  "output written on failure");
    }

  /* A NULL output is allowed. */
  g_clear_error (&error);
  (void) _meow_parse_content_range (value, NULL, &error);
  return 0;
}
