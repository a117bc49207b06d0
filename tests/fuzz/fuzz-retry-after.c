/* fuzz-retry-after.c: _meow_parse_retry_after() and the HTTP-date parser
 *
 * Input: 8 bytes of "now" (seconds since the epoch, any gint64, so clock
 * extremes are covered), then the header value. Promises checked: the delay
 * is -1 (invalid) or within [0, 3600 s]; a delay from a date agrees with
 * _meow_parse_http_date(); a date is a real day of years 1 to 9999.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "fuzz-common.h"
#include "meow-http-private.h"

#define MAX_DELAY_MS G_GINT64_CONSTANT (3600000)

/* 0001-01-01T00:00:00Z and 9999-12-31T23:59:60Z */
#define FIRST_DATE G_GINT64_CONSTANT (-62135596800)
#define LAST_DATE G_GINT64_CONSTANT (253402300800)

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  gint64           now = fuzz_take_int64 (&data, &size);
  g_autofree char *value = fuzz_input_string (data, size);
  gint64           delay = _meow_parse_retry_after (value, now);
  gint64           date = _meow_parse_http_date (value);

  FUZZ_CHECK (delay == -1 || (delay >= 0 && delay <= MAX_DELAY_MS),
              "delay %" G_GINT64_FORMAT " for “%s”", delay, value);
  FUZZ_CHECK (delay == -1 || delay % 1000 == 0, "delay %" G_GINT64_FORMAT " is not whole seconds",
              delay);
  FUZZ_CHECK (date == -1 || (date >= FIRST_DATE && date <= LAST_DATE),
              "date %" G_GINT64_FORMAT " for “%s”", date, value);

  if (date >= 0 && delay >= 0)
    {
      /* The value was a date (a number is never a date): the delay is the
       * clamped distance to it. */
      gint64 expected;

      if (date <= now)
        expected = 0;
      else if (now < date - MAX_DELAY_MS / 1000)
        expected = MAX_DELAY_MS;
      else
        expected = (date - now) * 1000;
      FUZZ_CHECK (delay == expected,
                  "delay %" G_GINT64_FORMAT " for date %" G_GINT64_FORMAT " at %" G_GINT64_FORMAT,
                  delay, date, now);
    }
  if (date >= 0)
    FUZZ_CHECK (delay >= 0, "a valid date %" G_GINT64_FORMAT " gave no delay", date);

  return 0;
}
