/* meow-log-private.h: the engine's one debug-log path (meow-log.c)
 *
 * Every debug line of the engine goes through _meow_log_line(): it redacts
 * the line, hands it to GLib's log (domain "Meow", as g_debug() did) and,
 * when the client has a listener (meow_client_set_log_func()), posts it to
 * the owner context with its task id. Drivers call _meow_job_debug().
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "meow-client.h"
#include "meow-task.h"

G_BEGIN_DECLS

/* @message with every secret replaced by "***": @task's own (its login's
 * password, the password in its URL, the values of its Authorization,
 * Proxy-Authorization, Cookie and token/key/secret/signature headers; any
 * length, so a short one may mask more than itself), and by their shape
 * any URL's password ("scheme://user:***@host"), the rest of a line after
 * "Authorization:", "Proxy-Authorization:", "Cookie:" or "Set-Cookie:", and
 * the value of query parameters that carry tokens or signatures (token,
 * access_token, sig, signature, X-Amz-Signature, X-Amz-Credential,
 * X-Amz-Security-Token, password). @task may be NULL. Pure; any thread.
 * Returns: (transfer full). */
char *_meow_log_redact (const char *message, const MeowTask *task);

/* Logs @message (redacted here) at @level: to GLib's log, and to
 * @client's listener, if it has one, with @task_id (nullable). @client and
 * @task may be NULL (then GLib's log only, redacted by shape). Any thread. */
void _meow_log_line (MeowClient     *client,
                     const char     *task_id,
                     const MeowTask *task,
                     GLogLevelFlags  level,
                     const char     *message);

/* printf-style _meow_log_line() for one job (meow-engine.c): its client,
 * id and task. Worker thread. */
#define _meow_job_debug(job, ...) _meow_engine_job_log ((job), G_LOG_LEVEL_DEBUG, __VA_ARGS__)

G_END_DECLS
