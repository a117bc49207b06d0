/* meow-error.h: the MEOW_ERROR domain
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

#include "meow-visibility.h"

G_BEGIN_DECLS

/**
 * MEOW_ERROR:
 *
 * Error domain for libmeow. Errors in this domain are from the #MeowError
 * enumeration. Local file errors may also come in the %G_IO_ERROR domain.
 */
#define MEOW_ERROR (meow_error_quark ())

/**
 * MeowError:
 * @MEOW_ERROR_PARAMETER_INVALID: a parameter is empty or invalid (rusty-cat 102)
 * @MEOW_ERROR_DUPLICATE_TASK: the same transfer is already queued (103)
 * @MEOW_ERROR_IO: a local I/O error (105)
 * @MEOW_ERROR_HTTP_TRANSPORT: a network/transport failure, retryable (106)
 * @MEOW_ERROR_CLIENT_CLOSED: the client was closed (107)
 * @MEOW_ERROR_TASK_NOT_FOUND: no live task has this id (108)
 * @MEOW_ERROR_RESPONSE_STATUS: the server answered with an error status (109)
 * @MEOW_ERROR_INVALID_CONTENT_LENGTH: missing or invalid Content-Length (110)
 * @MEOW_ERROR_COMMAND_SEND_FAILED: the command queue is full (111)
 * @MEOW_ERROR_RESPONSE_PARSE: the server's reply could not be parsed (113)
 * @MEOW_ERROR_INVALID_RANGE: the server's Content-Range does not match the request (114)
 * @MEOW_ERROR_FILE_NOT_FOUND: a local file does not exist (115)
 * @MEOW_ERROR_CHECKSUM_MISMATCH: the downloaded bytes do not match the expected checksum (116)
 * @MEOW_ERROR_INVALID_TASK_STATE: the task's state forbids this operation (117)
 * @MEOW_ERROR_CANCELED: the task was canceled (120)
 * @MEOW_ERROR_DISK_FULL: no space left on the device (121)
 * @MEOW_ERROR_LOCAL_FILE_REMOVED: a local file was removed or changed under us (122)
 * @MEOW_ERROR_REMOTE_CHANGED: the remote file changed and cannot be resumed (130)
 * @MEOW_ERROR_TLS: TLS verification failed (131)
 * @MEOW_ERROR_TOO_MANY_REDIRECTS: the redirect limit was reached (132)
 * @MEOW_ERROR_STALLED: the transfer made no progress (133)
 * @MEOW_ERROR_UNSAFE_FILE_NAME: no safe file name could be derived (134)
 * @MEOW_ERROR_TARGET_EXISTS: the target file exists and may not be replaced (135)
 * @MEOW_ERROR_LINK_CONTENT_DIFFERS: a download was given a new link (a changed
 *   URL, or a `.part` whose control file names another URL) whose validators
 *   (strong ETag, or Last-Modified and size) or bytes do not match what the
 *   `.part` holds; the bytes are kept and nothing starts over unless asked
 *   (%MEOW_CHANGE_URL_RESTART, %MEOW_RELINK_RESTART) (136)
 * @MEOW_ERROR_UPLOAD_LOST: the upload server no longer has the upload this task was
 *   sending (a tus server answered 404 or 410 for its upload URL); the file is not
 *   sent again by itself, since that would make a second upload (137)
 * @MEOW_ERROR_PROXY_AUTH_REQUIRED: the proxy asks for a login (407): none was
 *   given, or it refused the one given. A download is paused, not failed
 *   (%MEOW_WAIT_PROXY_SIGN_IN; meow_transfer_record_get_auth_proxy() names
 *   the proxy, meow_client_set_proxy_credentials() then meow_client_resume()
 *   answer); an upload fails (138)
 * @MEOW_ERROR_AUTH_REQUIRED: the server asks for a login (401): none was
 *   given, or it refused the one given. The task is paused, not failed
 *   (%MEOW_WAIT_SIGN_IN); meow_transfer_record_get_auth_scheme() and
 *   meow_transfer_record_get_auth_realm() say what was asked, and
 *   meow_client_set_credentials() then meow_client_resume() answer (139)
 * @MEOW_ERROR_UPLOAD_PROTOCOL: an upload protocol (#MeowUploadProtocol) broke its
 *   contract: it gave no request where one is needed, or failed a step without
 *   saying why (142)
 *
 * Error codes. The numbers below 130 are rusty-cat's and stay stable.
 */
typedef enum
{
  MEOW_ERROR_PARAMETER_INVALID = 102,
  MEOW_ERROR_DUPLICATE_TASK = 103,
  MEOW_ERROR_IO = 105,
  MEOW_ERROR_HTTP_TRANSPORT = 106,
  MEOW_ERROR_CLIENT_CLOSED = 107,
  MEOW_ERROR_TASK_NOT_FOUND = 108,
  MEOW_ERROR_RESPONSE_STATUS = 109,
  MEOW_ERROR_INVALID_CONTENT_LENGTH = 110,
  MEOW_ERROR_COMMAND_SEND_FAILED = 111,
  MEOW_ERROR_RESPONSE_PARSE = 113,
  MEOW_ERROR_INVALID_RANGE = 114,
  MEOW_ERROR_FILE_NOT_FOUND = 115,
  MEOW_ERROR_CHECKSUM_MISMATCH = 116,
  MEOW_ERROR_INVALID_TASK_STATE = 117,
  MEOW_ERROR_CANCELED = 120,
  MEOW_ERROR_DISK_FULL = 121,
  MEOW_ERROR_LOCAL_FILE_REMOVED = 122,
  MEOW_ERROR_REMOTE_CHANGED = 130,
  MEOW_ERROR_TLS = 131,
  MEOW_ERROR_TOO_MANY_REDIRECTS = 132,
  MEOW_ERROR_STALLED = 133,
  MEOW_ERROR_UNSAFE_FILE_NAME = 134,
  MEOW_ERROR_TARGET_EXISTS = 135,
  MEOW_ERROR_LINK_CONTENT_DIFFERS = 136,
  MEOW_ERROR_UPLOAD_LOST = 137,
  MEOW_ERROR_PROXY_AUTH_REQUIRED = 138,
  MEOW_ERROR_AUTH_REQUIRED = 139,
  MEOW_ERROR_UPLOAD_PROTOCOL = 142,
} MeowError;

/**
 * meow_error_quark:
 *
 * The quark of libmeow's error domain; use %MEOW_ERROR.
 *
 * Returns: the #GQuark of the %MEOW_ERROR domain. Any thread.
 */
MEOW_AVAILABLE_IN_ALL
GQuark meow_error_quark (void);

G_END_DECLS
