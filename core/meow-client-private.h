/* meow-client-private.h: internals shared between core files and tests
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "meow-client.h"

G_BEGIN_DECLS

/* Test hook: while held, the worker takes no command from its queue, so a
 * test can fill the queue deterministically. Any thread. */
void _meow_client_set_worker_held (MeowClient *client, gboolean held);

G_END_DECLS
