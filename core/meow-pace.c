/* meow-pace.c: one connection's speed-limit pacing window (see the header)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "meow-pace-private.h"

/* Least a window allows at once, and the smallest wait: below these,
 * libcurl would be paused and woken for every few bytes. */
#define MIN_BURST (16 * 1024)
#define MIN_WAIT_US 1000
/* A read callback hands over part of what libcurl asked for only when at
 * least this much of the budget is left; less, and it waits. */
#define MIN_PART 1024

void
_meow_pace_reset (MeowPace *pace)
{
  pace->start = 0;
  pace->bytes = 0;
}

gsize
_meow_pace_allow (
    MeowPace *pace, guint64 limit, gsize len, gboolean whole, gint64 now, gint64 *until)
{
  guint64 burst;
  double  allowed;
  double  need;

  if (limit == 0)
    return len;

  burst = MAX (MIN_BURST, limit / 20);
  if (pace->start == 0 || now - pace->start > MEOW_PACE_WINDOW)
    {
      pace->start = now;
      pace->bytes = 0;
    }
  allowed = (double) limit * (now - pace->start) / G_USEC_PER_SEC + burst;
  if ((double) (pace->bytes + len) <= allowed)
    return len;

  if (whole)
    {
      if (pace->bytes == 0)
        return len;
      need = len;
    }
  else
    {
      if (allowed > (double) pace->bytes + MIN_PART)
        return (gsize) (allowed - (double) pace->bytes);
      /* Wait for a burst's worth, not for all libcurl asked for. */
      need = MIN (len, burst);
    }
  *until = now + MAX (MIN_WAIT_US, (gint64) (((double) pace->bytes + need - allowed) /
                                             (double) limit * G_USEC_PER_SEC));
  return 0;
}

void
_meow_pace_count (MeowPace *pace, gsize n)
{
  pace->bytes += n;
}
