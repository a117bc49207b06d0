/* meow-client-private.h: internals shared between core files and tests
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "meow-client.h"

G_BEGIN_DECLS

/* What the worker posts back to its client (meow-engine.c calls these, on
 * the worker thread; the other direction is meow-engine-private.h's
 * client section). Both take the client's locks briefly and never call
 * user code. */

/* Queues @record (transfer full) for delivery in the owner context. A
 * terminal record (Complete, Failed, Canceled) first removes the task from
 * the task table, so API calls after it find no task. Worker thread. */
void _meow_client_post_record (MeowClient *client, MeowTransferRecord *record);
/* Wakes the owner context when records were queued since the last call:
 * the worker calls it at the end of each loop turn (and before it exits),
 * so a turn's records cost the owner one wake-up, not one each. Worker
 * thread. */
void _meow_client_flush_records (MeowClient *client);
/* The worker gave @task_id a slot: the table shows it Active, unless a
 * pause or cancel got there first. Worker thread. */
void _meow_client_task_started (MeowClient *client, const char *task_id);
/* The worker took @task_id's slot away while it waits for its next
 * attempt: the table shows it Pending again (unless a pause or cancel got
 * there first). Worker thread. */
void _meow_client_task_waiting (MeowClient *client, const char *task_id);
/* The worker paused @task_id by itself (the server asked for a login):
 * the table shows it Paused, so that meow_client_resume() takes it, unless
 * a pause or cancel got there first. Worker thread. */
void _meow_client_task_paused (MeowClient *client, const char *task_id);

/* Queues a debug line (@message already redacted, copied; @task_id
 * nullable) for the listener of meow_client_set_log_func() in the owner
 * context; nothing when there is none. At most MEOW_LOG_QUEUE_MAX lines
 * wait: past that the oldest go (one line says how many). Any thread. */
#define MEOW_LOG_QUEUE_MAX 1024
/* TRUE when a debug line would be seen: the client has a log listener, or
 * GLib's default writer shows the domain's debug lines. The lines made
 * only for this (each request's) are not made otherwise. Any thread. */
gboolean _meow_client_wants_log (MeowClient *client);
void     _meow_client_post_log (MeowClient    *client,
                                GLogLevelFlags level,
                                const char    *task_id,
                                const char    *message);

/* Test hook: the client's proxy lookups ask @resolver (a ref is taken)
 * instead of the default GProxyResolver. Any thread. */
void _meow_client_set_proxy_resolver (MeowClient *client, GProxyResolver *resolver);

/* Test hook: while held, the worker takes no command from its queue, so a
 * test can fill the queue deterministically. Any thread. */
void _meow_client_set_worker_held (MeowClient *client, gboolean held);

/* Test hook: the network state holds loopback hosts too, so tests against
 * the loopback test server can fake the network monitor. Set it before
 * the first task. Any thread. */
void _meow_client_set_hold_loopback (MeowClient *client, gboolean hold);

/* Called on a worker thread after each read of an upload's source file
 * (@path, @length bytes read at @offset), before the source is checked and
 * the bytes handed to libcurl. */
typedef void (*MeowUploadReadHook) (const char *path,
                                    gint64      offset,
                                    gsize       length,
                                    gpointer    user_data);

/* Test hook: sets (or with NULL, removes) the one process-wide
 * MeowUploadReadHook. @user_data stays the caller's. Set it while no upload
 * runs; any thread. */
void _meow_upload_set_read_hook (MeowUploadReadHook hook, gpointer user_data);

G_END_DECLS
