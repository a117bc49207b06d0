/* meow-test-tinyproxy.h: a real forward proxy (tinyproxy) for the tests
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef struct
{
  GSubprocess *process;
  guint        port;
  char        *url; /* "http://127.0.0.1:PORT" */
  char        *log; /* its log file: one "Request (file descriptor N): LINE" per request */
} MeowTestTinyproxy;

/* Starts tinyproxy (Debian package tinyproxy-bin) on a free 127.0.0.1 port, its config
 * and log in @dir, with "BasicAuth @user @password" when @user is given (a 407 for a
 * request without that login); waits (bounded) until it accepts connections. FALSE when
 * tinyproxy is not installed (the caller skips). */
gboolean meow_test_tinyproxy_start (MeowTestTinyproxy *tp,
                                    const char        *dir,
                                    const char        *user,
                                    const char        *password);
/* Stops it and clears @tp. */
void meow_test_tinyproxy_stop (MeowTestTinyproxy *tp);
/* How many of its logged request lines hold @needle ("GET http://…/f.bin HTTP"). */
guint meow_test_tinyproxy_count (MeowTestTinyproxy *tp, const char *needle);

G_END_DECLS
