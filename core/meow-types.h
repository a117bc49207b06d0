/* meow-types.h: enumerations shared by the public headers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

#include "meow-visibility.h"

G_BEGIN_DECLS

/**
 * MeowStatus:
 * @MEOW_STATUS_PENDING: queued, or waiting for its next attempt (see #MeowWaitReason)
 * @MEOW_STATUS_TRANSMISSION: transferring
 * @MEOW_STATUS_PAUSED: paused by meow_client_pause(); its bytes are kept
 * @MEOW_STATUS_COMPLETE: done; the record's payload is the result (terminal)
 * @MEOW_STATUS_FAILED: given up; the record's error says why (terminal)
 * @MEOW_STATUS_CANCELED: canceled by meow_client_cancel() (terminal)
 *
 * A task's status. The integer values are rusty-cat's and stay stable.
 */
typedef enum
{
  MEOW_STATUS_PENDING = 0,
  MEOW_STATUS_TRANSMISSION = 1,
  MEOW_STATUS_PAUSED = 2,
  MEOW_STATUS_COMPLETE = 3,
  MEOW_STATUS_FAILED = 4,
  MEOW_STATUS_CANCELED = 5,
} MeowStatus;

/**
 * MeowDirection:
 * @MEOW_DIRECTION_UPLOAD: an upload, from a file or bytes to a server
 * @MEOW_DIRECTION_DOWNLOAD: a download, from a server to a file
 *
 * Which way a task moves bytes.
 */
typedef enum
{
  MEOW_DIRECTION_UPLOAD = 0,
  MEOW_DIRECTION_DOWNLOAD = 1,
} MeowDirection;

/**
 * MeowChecksumType:
 * @MEOW_CHECKSUM_NONE: no verification
 * @MEOW_CHECKSUM_MD5: MD5
 * @MEOW_CHECKSUM_SHA1: SHA-1
 * @MEOW_CHECKSUM_SHA256: SHA-256
 *
 * Checksums a download can be verified against before it is renamed onto its
 * final name.
 */
typedef enum
{
  MEOW_CHECKSUM_NONE = 0,
  MEOW_CHECKSUM_MD5,
  MEOW_CHECKSUM_SHA1,
  MEOW_CHECKSUM_SHA256,
} MeowChecksumType;

/**
 * MeowRestartReason:
 * @MEOW_RESTART_NONE: the transfer did not restart
 * @MEOW_RESTART_REMOTE_CHANGED: the remote file changed (validator mismatch), so
 *   the partial bytes were discarded
 * @MEOW_RESTART_RANGE_IGNORED: the server ignored the Range request and sent the
 *   whole file, so the transfer started again from byte 0
 * @MEOW_RESTART_RANGE_NOT_SATISFIABLE: the server answered 416 and the local
 *   partial file did not have the remote size
 * @MEOW_RESTART_CONTENT_CHANGED: no strong validator guarded the resume, and the
 *   bytes the server sent again for the end of the partial file differ from the
 *   ones on disk: the file changed (same size or not), so the partial bytes were
 *   discarded
 *
 * Why a download that had partial bytes started again from zero.
 */
typedef enum
{
  MEOW_RESTART_NONE = 0,
  MEOW_RESTART_REMOTE_CHANGED,
  MEOW_RESTART_RANGE_IGNORED,
  MEOW_RESTART_RANGE_NOT_SATISFIABLE,
  MEOW_RESTART_CONTENT_CHANGED,
} MeowRestartReason;

/**
 * MeowUploadProtocolKind:
 * @MEOW_UPLOAD_PROTOCOL_MEOW: rusty-cat's chunk protocol (multipart/form-data
 *   chunks with `fileMd5`, `offset`, `partSize`; JSON `nextByte`/`fileId`
 *   answers), wire-compatible with servers written for rusty-cat
 * @MEOW_UPLOAD_PROTOCOL_TUS: tus 1.0 (creation, HEAD, PATCH, termination)
 *
 * The protocol an upload speaks.
 */
typedef enum
{
  MEOW_UPLOAD_PROTOCOL_MEOW = 0,
  MEOW_UPLOAD_PROTOCOL_TUS,
} MeowUploadProtocolKind;

/**
 * MeowPhase:
 * @MEOW_PHASE_TRANSFER: bytes are moving (or waiting to)
 * @MEOW_PHASE_HASHING: an upload is reading its source to compute its MD5
 *   identity; meow_transfer_record_get_hashed() tells how far it got
 *
 * What an active task is doing.
 */
typedef enum
{
  MEOW_PHASE_TRANSFER = 0,
  MEOW_PHASE_HASHING,
} MeowPhase;

/**
 * MeowWaitReason:
 * @MEOW_WAIT_NONE: the task is not waiting for anything but its turn
 * @MEOW_WAIT_NETWORK: the network is unavailable (meow_client_set_network_available());
 *   no attempt starts and none is counted until it returns
 * @MEOW_WAIT_SERVER_UNREACHABLE: the last attempt failed in the network (connection
 *   refused or reset, no DNS answer, a TLS handshake cut, a stall); the next one is
 *   at meow_transfer_record_get_next_attempt()
 * @MEOW_WAIT_RETRY_AFTER: the server answered 408, 429 or 5xx; the next attempt is
 *   after the backoff or the answer's `Retry-After`, whichever is later
 * @MEOW_WAIT_METERED: the connection is metered and transfers pause on metered
 *   connections (meow_client_set_network_hold())
 * @MEOW_WAIT_PORTAL: the network is behind a captive portal (a login page); nothing
 *   starts until it is passed
 * @MEOW_WAIT_SUSPEND: the system is going to sleep (meow_client_sleep_async()); the
 *   transfer was stopped with its bytes kept and goes on after meow_client_wake()
 * @MEOW_WAIT_HOST_NOT_FOUND: the network is up but the server's host name could not
 *   be found (a typo, or a name that no longer exists); after a few tries over about
 *   two minutes the task fails instead of waiting forever
 * @MEOW_WAIT_SIGN_IN: the server asked for a login (401,
 *   %MEOW_ERROR_AUTH_REQUIRED): the task is %MEOW_STATUS_PAUSED ("Sign in
 *   required") until meow_client_set_credentials() and meow_client_resume();
 *   the only wait reason a Paused record carries besides
 *   %MEOW_WAIT_PROXY_SIGN_IN
 * @MEOW_WAIT_PROXY_SIGN_IN: the proxy asked for a login (407,
 *   %MEOW_ERROR_PROXY_AUTH_REQUIRED): the task is %MEOW_STATUS_PAUSED
 *   until meow_client_set_proxy_credentials() and meow_client_resume();
 *   meow_transfer_record_get_auth_proxy() names the proxy
 * @MEOW_WAIT_SCHEDULE: the queue's time window is closed
 *   (meow_client_set_schedule_hold()): nothing starts but what was asked to
 *   start now, until it opens
 *
 * Why a task waits instead of transferring (additive to its #MeowStatus, which is
 * %MEOW_STATUS_PENDING meanwhile): meow_transfer_record_get_wait_reason().
 */
typedef enum
{
  MEOW_WAIT_NONE = 0,
  MEOW_WAIT_NETWORK,
  MEOW_WAIT_SERVER_UNREACHABLE,
  MEOW_WAIT_RETRY_AFTER,
  MEOW_WAIT_METERED,
  MEOW_WAIT_PORTAL,
  MEOW_WAIT_SUSPEND,
  MEOW_WAIT_HOST_NOT_FOUND,
  MEOW_WAIT_SIGN_IN,
  MEOW_WAIT_PROXY_SIGN_IN,
  MEOW_WAIT_SCHEDULE,
} MeowWaitReason;

/**
 * MeowRetryPolicy:
 * @MEOW_RETRY_POLICY_COUNTED: every failure worth another try counts against the
 *   retries (meow_config_set_retries(), meow_task_builder_set_retries())
 * @MEOW_RETRY_POLICY_UNLIMITED_TRANSPORT: failures of the network (see
 *   #MEOW_WAIT_SERVER_UNREACHABLE) are retried for as long as it takes, with a
 *   backoff capped at 60 s; only the server's answers (408, 429, 5xx) count
 *   against the retries. The user stops a transfer, the network does not.
 *
 * How many times a task tries again after failures.
 */
typedef enum
{
  MEOW_RETRY_POLICY_COUNTED = 0,
  MEOW_RETRY_POLICY_UNLIMITED_TRANSPORT,
} MeowRetryPolicy;

/**
 * MeowRelink:
 * @MEOW_RELINK_RESTART: a `.part` whose control file names another URL is
 *   started over from zero (its bytes are taken to be another file's)
 * @MEOW_RELINK_VERIFY: such a `.part` is continued from its end when the
 *   task's URL answers with the same file: its strong ETag, or its
 *   Last-Modified and size, agree with the control file's (or, without a
 *   strong validator, the bytes asked for again at the end of the `.part`
 *   agree); otherwise the task fails with %MEOW_ERROR_LINK_CONTENT_DIFFERS
 *   and the bytes stay
 *
 * What a download does with partial bytes that another link fetched
 * (meow_task_builder_set_relink()): an expired link replaced by a new one,
 * a mirror of the same file.
 */
typedef enum
{
  MEOW_RELINK_RESTART = 0,
  MEOW_RELINK_VERIFY,
} MeowRelink;

/**
 * MeowChangeUrlFlags:
 * @MEOW_CHANGE_URL_NONE: keep the bytes: the new link must give the same
 *   file (as %MEOW_RELINK_VERIFY), else the task fails with
 *   %MEOW_ERROR_LINK_CONTENT_DIFFERS and keeps them
 * @MEOW_CHANGE_URL_RESTART: start the download over from zero on the new
 *   link, under the same name
 *
 * How meow_client_change_url() treats the bytes a download already holds.
 */
typedef enum /*< flags >*/
{
  MEOW_CHANGE_URL_NONE = 0,
  MEOW_CHANGE_URL_RESTART = 1 << 0,
} MeowChangeUrlFlags;

/**
 * MeowQueuePosition:
 * @MEOW_QUEUE_POSITION_FRONT: the front: the task is the next to start
 * @MEOW_QUEUE_POSITION_BACK: the back: every task queued now starts first
 *
 * Where meow_client_move() puts a queued task in its direction's queue.
 */
typedef enum
{
  MEOW_QUEUE_POSITION_FRONT = 0,
  MEOW_QUEUE_POSITION_BACK,
} MeowQueuePosition;

/**
 * MeowRequestEnd:
 * @MEOW_REQUEST_END_DONE: the answer came and the task went on with it (a
 *   redirect's, too)
 * @MEOW_REQUEST_END_RETRY: the request failed (no answer, or an error
 *   status) and the task tries again
 * @MEOW_REQUEST_END_RESTART: the task starts again from zero after it (the
 *   file on the server changed, or the bytes held could not be used)
 * @MEOW_REQUEST_END_FAILURE: the task failed on it
 * @MEOW_REQUEST_END_STOPPED: the task was paused or canceled while it ran
 *
 * How one request of a task ended (meow_request_info_get_end()).
 */
typedef enum
{
  MEOW_REQUEST_END_DONE = 0,
  MEOW_REQUEST_END_RETRY,
  MEOW_REQUEST_END_RESTART,
  MEOW_REQUEST_END_FAILURE,
  MEOW_REQUEST_END_STOPPED,
} MeowRequestEnd;

MEOW_AVAILABLE_IN_ALL
const char *meow_status_to_string (MeowStatus status);

MEOW_AVAILABLE_IN_ALL
char *meow_redact_url (const char *url);

G_END_DECLS
