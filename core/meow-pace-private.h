/* meow-pace-private.h: one connection's speed-limit pacing window
 *
 * libcurl 7.88's own limiters (CURLOPT_MAX_RECV_SPEED_LARGE and its send
 * twin) read or send up to 100 buffers per pass and overshoot by 2× on
 * loopback, so the engine paces every connection itself, in both
 * directions, the way curl's lib/ratelimit.c does: a window that opens at
 * the first byte allows `limit × elapsed + burst` bytes and starts over
 * after MEOW_PACE_WINDOW, so an idle spell is not saved up for a burst
 * later. A libcurl callback asks how much may go now; when nothing may, it
 * pauses its handle (CURL_WRITEFUNC_PAUSE, CURL_READFUNC_PAUSE) until the
 * time it was given and the driver's tick unpauses it
 * (curl_easy_pause (CURLPAUSE_CONT)); libcurl then offers the same bytes
 * again. A job's connections share its limit evenly, each with a window of
 * its own, so none starves the others.
 *
 * Pure: no I/O, no clock (the caller passes the time). One window is used
 * by one thread at a time (the worker's).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* How long a window runs before it starts over (µs). */
#define MEOW_PACE_WINDOW (2 * G_USEC_PER_SEC)

typedef struct
{
  gint64  start; /* monotonic µs the window opened, 0 = not yet */
  guint64 bytes; /* counted since */
} MeowPace;

/* Forgets the window: the next byte opens a new one (a new request, a new
 * limit). */
void _meow_pace_reset (MeowPace *pace);

/* How many of the @len bytes offered at @now (monotonic µs) may go under
 * @limit bytes/s; 0 means no limit (all of them). With @whole, all or
 * nothing: a write callback must take everything libcurl offers (the
 * first bytes of a window always go, or a buffer larger than a window's
 * budget would never fit); without, a read callback may hand over part.
 * Returns 0 when nothing may go now, with *@until set to the monotonic
 * time to offer them again. Counts nothing: _meow_pace_count() does, with
 * what really went. */
gsize _meow_pace_allow (
    MeowPace *pace, guint64 limit, gsize len, gboolean whole, gint64 now, gint64 *until);

/* Counts @n bytes that went in the current window. */
void _meow_pace_count (MeowPace *pace, gsize n);

G_END_DECLS
