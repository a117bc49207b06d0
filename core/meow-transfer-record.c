/* meow-transfer-record.c: immutable progress/lifecycle records
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "meow-transfer-record-private.h"

G_DEFINE_BOXED_TYPE (MeowTransferRecord,
                     meow_transfer_record,
                     meow_transfer_record_ref,
                     meow_transfer_record_unref)

G_DEFINE_BOXED_TYPE (MeowRequestInfo,
                     meow_request_info,
                     meow_request_info_ref,
                     meow_request_info_unref)

MeowRequestInfo *
_meow_request_info_new (void)
{
  MeowRequestInfo *info = g_new0 (MeowRequestInfo, 1);

  g_atomic_ref_count_init (&info->ref_count);
  info->end = MEOW_REQUEST_END_DONE;
  info->timestamp = g_get_real_time ();
  return info;
}

/**
 * meow_request_info_ref:
 * @info: a request info
 *
 * Takes a reference to @info.
 *
 * Returns: (transfer full): @info. Any thread.
 */
MeowRequestInfo *
meow_request_info_ref (MeowRequestInfo *info)
{
  g_return_val_if_fail (info != NULL, NULL);
  g_atomic_ref_count_inc (&info->ref_count);
  return info;
}

/**
 * meow_request_info_unref:
 * @info: (transfer full): a request info
 *
 * Drops a reference to @info, freeing it with the last one. Any thread.
 */
void
meow_request_info_unref (MeowRequestInfo *info)
{
  g_return_if_fail (info != NULL);

  if (!g_atomic_ref_count_dec (&info->ref_count))
    return;
  g_free (info->method);
  g_free (info->url);
  g_free (info->range);
  g_free (info->etag);
  g_free (info->last_modified);
  g_free (info->location);
  g_free (info);
}

/**
 * meow_request_info_get_method:
 * @info: a request info
 *
 * The request's method: "GET", "HEAD", or an upload's "POST", "PATCH"…
 *
 * Returns: (transfer none): the method, owned by @info. Any thread.
 */
const char *
meow_request_info_get_method (const MeowRequestInfo *info)
{
  g_return_val_if_fail (info != NULL, NULL);
  return info->method;
}

/**
 * meow_request_info_get_url:
 * @info: a request info
 *
 * The URL the request went to, redacted as the debug log redacts it (a
 * password in it, the values of token and signature parameters and the
 * task's own secrets as "***"). Each redirect is a request of its own,
 * with the URL it was sent to.
 *
 * Returns: (transfer none): the URL, owned by @info. Any thread.
 */
const char *
meow_request_info_get_url (const MeowRequestInfo *info)
{
  g_return_val_if_fail (info != NULL, NULL);
  return info->url;
}

/**
 * meow_request_info_get_range:
 * @info: a request info
 *
 * The value of the request's Range header, such as "bytes=0-" or
 * "bytes=1048576-2097151".
 *
 * Returns: (transfer none) (nullable): the range, owned by @info, or %NULL
 *   when the request asked for the whole resource. Any thread.
 */
const char *
meow_request_info_get_range (const MeowRequestInfo *info)
{
  g_return_val_if_fail (info != NULL, NULL);
  return info->range;
}

/**
 * meow_request_info_get_http_status:
 * @info: a request info
 *
 * The status of the answer (200, 206, 302, 503…).
 *
 * Returns: the status, or 0 when no answer came (a refused connection, a
 *   reset, DNS, TLS, a stall). Any thread.
 */
guint
meow_request_info_get_http_status (const MeowRequestInfo *info)
{
  g_return_val_if_fail (info != NULL, 0);
  return info->http_status;
}

/**
 * meow_request_info_get_etag:
 * @info: a request info
 *
 * The answer's ETag, as the server sent it (quotes and "W/" kept).
 *
 * Returns: (transfer none) (nullable): the validator, owned by @info, or
 *   %NULL when the answer had none. Any thread.
 */
const char *
meow_request_info_get_etag (const MeowRequestInfo *info)
{
  g_return_val_if_fail (info != NULL, NULL);
  return info->etag;
}

/**
 * meow_request_info_get_last_modified:
 * @info: a request info
 *
 * The answer's Last-Modified, as the server sent it.
 *
 * Returns: (transfer none) (nullable): the validator, owned by @info, or
 *   %NULL when the answer had none. Any thread.
 */
const char *
meow_request_info_get_last_modified (const MeowRequestInfo *info)
{
  g_return_val_if_fail (info != NULL, NULL);
  return info->last_modified;
}

/**
 * meow_request_info_get_location:
 * @info: a request info
 *
 * A redirect's target: the answer's Location, resolved against the
 * request's URL and redacted as meow_request_info_get_url() is.
 *
 * Returns: (transfer none) (nullable): the URL, owned by @info, or %NULL
 *   when the answer had no Location. Any thread.
 */
const char *
meow_request_info_get_location (const MeowRequestInfo *info)
{
  g_return_val_if_fail (info != NULL, NULL);
  return info->location;
}

/**
 * meow_request_info_get_end:
 * @info: a request info
 *
 * How the request ended: done (the task went on with its answer), retried,
 * restarted from zero, failed or stopped.
 *
 * Returns: the way it ended. Any thread.
 */
MeowRequestEnd
meow_request_info_get_end (const MeowRequestInfo *info)
{
  g_return_val_if_fail (info != NULL, MEOW_REQUEST_END_DONE);
  return info->end;
}

/**
 * meow_request_info_get_timestamp:
 * @info: a request info
 *
 * When the request ended, in wall-clock microseconds (g_get_real_time()).
 *
 * Returns: the time. Any thread.
 */
gint64
meow_request_info_get_timestamp (const MeowRequestInfo *info)
{
  g_return_val_if_fail (info != NULL, 0);
  return info->timestamp;
}

void
_meow_transfer_record_take_requests (MeowTransferRecord *into, const MeowTransferRecord *older)
{
  GPtrArray *merged;
  guint      n;
  guint      skip;

  into->dropped_requests += older->dropped_requests;
  if (older->requests == NULL || older->requests->len == 0)
    return;
  merged = g_ptr_array_new_with_free_func ((GDestroyNotify) meow_request_info_unref);
  for (guint i = 0; i < older->requests->len; i++)
    g_ptr_array_add (merged, meow_request_info_ref (g_ptr_array_index (older->requests, i)));
  for (guint i = 0; into->requests != NULL && i < into->requests->len; i++)
    g_ptr_array_add (merged, meow_request_info_ref (g_ptr_array_index (into->requests, i)));
  n = merged->len;
  skip = n > MEOW_RECORD_REQUESTS_MAX ? n - MEOW_RECORD_REQUESTS_MAX : 0;
  g_ptr_array_remove_range (merged, 0, skip);
  into->dropped_requests += skip;
  g_clear_pointer (&into->requests, g_ptr_array_unref);
  into->requests = merged;
}

MeowTransferRecord *
_meow_transfer_record_new (const char *task_id, MeowDirection direction, MeowStatus status)
{
  MeowTransferRecord *record = g_new0 (MeowTransferRecord, 1);

  g_atomic_ref_count_init (&record->ref_count);
  record->task_id = g_strdup (task_id);
  record->direction = direction;
  record->status = status;
  record->total = -1;
  record->eta = -1;
  record->timestamp = g_get_real_time ();

  return record;
}

/**
 * meow_transfer_record_ref:
 * @record: a record
 *
 * Takes a reference to @record.
 *
 * Returns: (transfer full): @record. Any thread.
 */
MeowTransferRecord *
meow_transfer_record_ref (MeowTransferRecord *record)
{
  g_return_val_if_fail (record != NULL, NULL);
  g_atomic_ref_count_inc (&record->ref_count);
  return record;
}

/**
 * meow_transfer_record_unref:
 * @record: (transfer full): a record
 *
 * Any thread.
 */
void
meow_transfer_record_unref (MeowTransferRecord *record)
{
  g_return_if_fail (record != NULL);

  if (!g_atomic_ref_count_dec (&record->ref_count))
    return;

  g_free (record->task_id);
  g_free (record->name);
  g_clear_error (&record->error);
  g_free (record->payload);
  g_free (record->local_path);
  g_free (record->upload_url);
  g_free (record->url);
  g_free (record->wait_detail);
  g_free (record->auth_scheme);
  g_free (record->auth_realm);
  g_free (record->tag);
  g_free (record->auth_proxy);
  g_free (record->segments);
  g_clear_pointer (&record->requests, g_ptr_array_unref);
  g_free (record->final_url);
  g_free (record);
}

/* Getters: borrowed values that live as long as the record. Any thread. */

/**
 * meow_transfer_record_get_task_id:
 * @record: a record
 *
 * Any thread (a record is immutable).
 *
 * Returns: (transfer none): the task id.
 */
const char *
meow_transfer_record_get_task_id (const MeowTransferRecord *record)
{
  return record->task_id;
}

/**
 * meow_transfer_record_get_name:
 * @record: a record
 *
 * Any thread (a record is immutable).
 *
 * Returns: (transfer none) (nullable): the display name.
 */
const char *
meow_transfer_record_get_name (const MeowTransferRecord *record)
{
  return record->name;
}

/**
 * meow_transfer_record_get_direction:
 * @record: a record
 *
 * Any thread (a record is immutable).
 *
 * Returns: the direction.
 */
MeowDirection
meow_transfer_record_get_direction (const MeowTransferRecord *record)
{
  return record->direction;
}

/**
 * meow_transfer_record_get_status:
 * @record: a record
 *
 * Any thread (a record is immutable).
 *
 * Returns: the status.
 */
MeowStatus
meow_transfer_record_get_status (const MeowTransferRecord *record)
{
  return record->status;
}

/**
 * meow_transfer_record_get_total:
 * @record: a record
 *
 * Any thread (a record is immutable).
 *
 * Returns: the total in bytes, -1 when unknown.
 */
gint64
meow_transfer_record_get_total (const MeowTransferRecord *record)
{
  return record->total;
}

/**
 * meow_transfer_record_get_transferred:
 * @record: a record
 *
 * Any thread (a record is immutable).
 *
 * Returns: the bytes done (on disk or acknowledged).
 */
guint64
meow_transfer_record_get_transferred (const MeowTransferRecord *record)
{
  return record->transferred;
}

/**
 * meow_transfer_record_get_progress:
 * @record: a record
 *
 * 0..1; 1.0 for Complete; 0 while the total is unknown. Any thread (a record is immutable).
 *
 * Returns: 0..1; 1.0 for Complete; 0 while the total is unknown.
 */
double
meow_transfer_record_get_progress (const MeowTransferRecord *record)
{
  if (record->status == MEOW_STATUS_COMPLETE)
    return 1.0;
  if (record->total <= 0)
    return 0.0;
  return MIN (1.0, (double) record->transferred / (double) record->total);
}

/**
 * meow_transfer_record_get_speed:
 * @record: a record
 *
 * Any thread (a record is immutable).
 *
 * Returns: bytes per second, smoothed.
 */
double
meow_transfer_record_get_speed (const MeowTransferRecord *record)
{
  return record->speed;
}

/**
 * meow_transfer_record_get_eta:
 * @record: a record
 *
 * Any thread (a record is immutable).
 *
 * Returns: seconds left, -1 when unknown.
 */
gint64
meow_transfer_record_get_eta (const MeowTransferRecord *record)
{
  return record->eta;
}

/**
 * meow_transfer_record_get_error:
 * @record: a record
 *
 * Any thread (a record is immutable).
 *
 * Returns: (transfer none) (nullable): why it failed.
 */
const GError *
meow_transfer_record_get_error (const MeowTransferRecord *record)
{
  return record->error;
}

/**
 * meow_transfer_record_get_payload:
 * @record: a record
 *
 * Any thread (a record is immutable).
 *
 * Returns: (transfer none) (nullable): the completion payload.
 */
const char *
meow_transfer_record_get_payload (const MeowTransferRecord *record)
{
  return record->payload;
}

/**
 * meow_transfer_record_get_local_path:
 * @record: a record
 *
 * Any thread (a record is immutable).
 *
 * Returns: (transfer none) (nullable): the local file.
 */
const char *
meow_transfer_record_get_local_path (const MeowTransferRecord *record)
{
  return record->local_path;
}

/**
 * meow_transfer_record_get_restart_reason:
 * @record: a record
 *
 * Any thread (a record is immutable).
 *
 * Returns: why the transfer restarted from zero.
 */
MeowRestartReason
meow_transfer_record_get_restart_reason (const MeowTransferRecord *record)
{
  return record->restart_reason;
}

/**
 * meow_transfer_record_get_phase:
 * @record: a record
 *
 * What the task is doing: %MEOW_PHASE_HASHING while an upload computes its identity, else
 * %MEOW_PHASE_TRANSFER. Any thread (a record is immutable).
 *
 * Returns: what the task is doing: %MEOW_PHASE_HASHING while an upload
 *   computes its identity, else %MEOW_PHASE_TRANSFER.
 */
MeowPhase
meow_transfer_record_get_phase (const MeowTransferRecord *record)
{
  return record->phase;
}

/**
 * meow_transfer_record_get_hashed:
 * @record: a record
 *
 * Bytes of an upload's source hashed so far (of meow_transfer_record_get_total()). Any thread (a
 * record is immutable).
 *
 * Returns: bytes of an upload's source hashed so far (of
 *   meow_transfer_record_get_total()).
 */
guint64
meow_transfer_record_get_hashed (const MeowTransferRecord *record)
{
  return record->hashed;
}

/**
 * meow_transfer_record_get_url:
 * @record: a record
 *
 * The task's URL when the record was made: the one it was enqueued with,
 * or the one meow_client_change_url() gave it since (credentials included,
 * like meow_task_get_url()). Owners that persist tasks keep it, so a
 * download goes on from its new link after a restart. Any thread.
 *
 * Returns: (transfer none) (nullable): the URL; %NULL only for a record
 *   not made by a client.
 */
const char *
meow_transfer_record_get_url (const MeowTransferRecord *record)
{
  return record->url;
}

/**
 * meow_transfer_record_get_upload_url:
 * @record: a record
 *
 * A tus upload's resource URL once the server created it. Keep it (with the task) and pass it to
 * meow_task_builder_set_upload_url() to resume after a restart. Any thread (a record is immutable).
 *
 * Returns: (transfer none) (nullable): a tus upload's resource URL once the
 *   server created it. Keep it (with the task) and pass it to
 *   meow_task_builder_set_upload_url() to resume after a restart.
 */
const char *
meow_transfer_record_get_upload_url (const MeowTransferRecord *record)
{
  return record->upload_url;
}

/**
 * meow_transfer_record_get_wait_reason:
 * @record: a record
 *
 * Why a task waits between attempts, in a %MEOW_STATUS_PENDING record made
 * while it waits (it has no slot meanwhile), or %MEOW_WAIT_SIGN_IN in the
 * %MEOW_STATUS_PAUSED record of a task the server asked for a login;
 * %MEOW_WAIT_NONE in every other record, also a Pending one of a task
 * merely queued. Any thread.
 *
 * Returns: the reason.
 */
MeowWaitReason
meow_transfer_record_get_wait_reason (const MeowTransferRecord *record)
{
  return record->wait_reason;
}

/**
 * meow_transfer_record_get_next_attempt:
 * @record: a record
 *
 * When a waiting task tries next, on the monotonic clock
 * (g_get_monotonic_time(), µs), so `(next - g_get_monotonic_time ())` is
 * the time left in this process; 0 when no time is planned (waiting for
 * the network, a portal or an unmetered connection). Any thread.
 *
 * Returns: the time, or 0.
 */
gint64
meow_transfer_record_get_next_attempt (const MeowTransferRecord *record)
{
  return record->next_attempt;
}

/**
 * meow_transfer_record_get_wait_detail:
 * @record: a record
 *
 * For a task waiting after a failure, libcurl's short text of it ("Couldn't connect to server") or
 * the status ("HTTP 503"), untranslated; %NULL otherwise.
 *
 * Returns: (transfer none) (nullable): for a task waiting after a failure,
 *   libcurl's short text of it ("Couldn't connect to server") or the
 *   status ("HTTP 503"), untranslated; %NULL otherwise. Any thread.
 */
const char *
meow_transfer_record_get_wait_detail (const MeowTransferRecord *record)
{
  return record->wait_detail;
}

/**
 * meow_transfer_record_get_auth_scheme:
 * @record: a record
 *
 * The login scheme a server asked for, on a task paused for a login.
 *
 * Returns: (transfer none) (nullable): in a record with %MEOW_WAIT_SIGN_IN
 *   or %MEOW_WAIT_PROXY_SIGN_IN, the scheme the server asked a login for ("Basic", "Digest",
 *   "Negotiate", or another as the server spelt it), from its
 *   `WWW-Authenticate` (the proxy's `Proxy-Authenticate`); %NULL when it named none, and in other
 * records. Any thread.
 */
const char *
meow_transfer_record_get_auth_scheme (const MeowTransferRecord *record)
{
  return record->auth_scheme;
}

/**
 * meow_transfer_record_get_auth_realm:
 * @record: a record
 *
 * The realm a server named when it asked for a login.
 *
 * Returns: (transfer none) (nullable): in a record with %MEOW_WAIT_SIGN_IN
 *   or %MEOW_WAIT_PROXY_SIGN_IN, the realm the server (or proxy) named (the server's text, valid
 * UTF-8 without control characters, to show the user and to key a stored login by); %NULL when it
 * named none, and in other records. Any thread.
 */
const char *
meow_transfer_record_get_auth_realm (const MeowTransferRecord *record)
{
  return record->auth_realm;
}

/**
 * meow_transfer_record_get_auth_proxy:
 * @record: a record
 *
 * The proxy that asked for a login, on a task paused for one.
 *
 * Returns: (transfer none) (nullable): in a record with
 *   %MEOW_WAIT_PROXY_SIGN_IN, the proxy's URL without any user name or
 *   password ("http://proxy.example:3128"), as
 *   meow_client_set_proxy_credentials() takes it; %NULL in other records.
 *   Any thread.
 */
const char *
meow_transfer_record_get_auth_proxy (const MeowTransferRecord *record)
{
  return record->auth_proxy;
}

/**
 * meow_transfer_record_get_timestamp:
 * @record: a record
 *
 * Any thread (a record is immutable).
 *
 * Returns: when it was made (g_get_real_time()).
 */
gint64
meow_transfer_record_get_timestamp (const MeowTransferRecord *record)
{
  return record->timestamp;
}

/**
 * meow_status_to_string:
 * @status: a status
 *
 * Rusty-cat's name of @status, untranslated, for logs. Any thread.
 *
 * Returns: (transfer none): rusty-cat's name of @status, untranslated, for logs.
 */
const char *
meow_status_to_string (MeowStatus status)
{
  switch (status)
    {
    case MEOW_STATUS_PENDING:
      return "Pending";
    case MEOW_STATUS_TRANSMISSION:
      return "Transmission";
    case MEOW_STATUS_PAUSED:
      return "Paused";
    case MEOW_STATUS_COMPLETE:
      return "Complete";
    case MEOW_STATUS_FAILED:
      return "Failed";
    case MEOW_STATUS_CANCELED:
      return "Canceled";
    default:
      return "Unknown";
    }
}

/**
 * meow_transfer_record_get_tag:
 * @record: a record
 *
 * The opaque tag its task was given with meow_task_builder_set_tag(),
 * carried by every record of the task. Any thread.
 *
 * Returns: (transfer none) (nullable): the tag, or %NULL when the task has
 *   none.
 */
const char *
meow_transfer_record_get_tag (const MeowTransferRecord *record)
{
  g_return_val_if_fail (record != NULL, NULL);
  return record->tag;
}

/**
 * meow_transfer_record_get_http_status:
 * @record: a record
 *
 * The HTTP status of the server's answer that ended the task: on a Complete
 * record the answer that delivered the last bytes (200, 206, or a tus
 * `PATCH`'s 204; a 416 when it proved that a `.part` held them all), on a
 * Failed record the answer the task failed on (404, or the 500 of the last
 * attempt once the retries are used up), also when
 * the failure was a local one after that answer. 0 when no answer ended it:
 * a transport failure (refused connection, reset, DNS, TLS, stall), a
 * download already complete on disk, and in every other record. This is
 * also where the status of a Failed record's error (meow_transfer_record_get_error())
 * is read: the #GError itself carries only the code and the message (which
 * names the status). After meow_client_enqueue_and_wait_finish() failed,
 * meow_client_dup_record() for the task's id gives that record. Any thread.
 *
 * Returns: the status, or 0.
 */
guint
meow_transfer_record_get_http_status (const MeowTransferRecord *record)
{
  g_return_val_if_fail (record != NULL, 0);
  return record->http_status;
}

/**
 * meow_transfer_record_get_segments:
 * @record: a record
 * @n_segments: (out): return location for the number of ranges
 *
 * The segment map of a download: the byte ranges its file is split into
 * and how much of each is written, in file order, with the ranges that a
 * connection transfers now marked active. A download not split has one
 * range, the whole file. The map is the worker's at the moment the record
 * was made (Pending, Transmission and Paused records of a started
 * download); Complete, Failed and Canceled records and uploads carry none.
 *
 * Returns: (transfer none) (array length=n_segments) (nullable): the
 *   ranges, owned by @record, or %NULL (and 0 in @n_segments) when the
 *   record has none. Any thread.
 */
const MeowSegment *
meow_transfer_record_get_segments (const MeowTransferRecord *record, guint *n_segments)
{
  g_return_val_if_fail (record != NULL, NULL);
  g_return_val_if_fail (n_segments != NULL, NULL);

  *n_segments = record->n_segments;
  return record->segments;
}

/**
 * meow_transfer_record_get_requests:
 * @record: a record
 * @n_requests: (out): return location for the number of requests
 *
 * The requests of the task that ended since its previous record, oldest
 * first: each redirect, each retry, each connection of a split download.
 * Together a task's records carry every request once; when progress
 * records coalesce, the one that stays carries the requests of those it
 * replaced. At most 32 per record: older ones past that are counted in
 * meow_transfer_record_get_dropped_requests(). Made on the engine's worker
 * when the request ended, redacted as the debug log is.
 *
 * Returns: (transfer none) (array length=n_requests) (nullable): the
 *   requests, owned by @record, or %NULL (and 0 in @n_requests) when none
 *   ended. Any thread.
 */
MeowRequestInfo *const *
meow_transfer_record_get_requests (const MeowTransferRecord *record, guint *n_requests)
{
  g_return_val_if_fail (record != NULL, NULL);
  g_return_val_if_fail (n_requests != NULL, NULL);

  if (record->requests == NULL || record->requests->len == 0)
    {
      *n_requests = 0;
      return NULL;
    }
  *n_requests = record->requests->len;
  return (MeowRequestInfo *const *) record->requests->pdata;
}

/**
 * meow_transfer_record_get_dropped_requests:
 * @record: a record
 *
 * How many requests that ended since the task's previous record are not in
 * meow_transfer_record_get_requests() because there were more than it
 * keeps.
 *
 * Returns: the count, usually 0. Any thread.
 */
guint
meow_transfer_record_get_dropped_requests (const MeowTransferRecord *record)
{
  g_return_val_if_fail (record != NULL, 0);
  return record->dropped_requests;
}

/**
 * meow_transfer_record_get_final_url:
 * @record: a record
 *
 * The URL of the task's last answer, after redirects, redacted as the
 * debug log is: where the bytes came from (or went to).
 *
 * Returns: (transfer none) (nullable): the URL, owned by @record, or %NULL
 *   before the task's first answer. Any thread.
 */
const char *
meow_transfer_record_get_final_url (const MeowTransferRecord *record)
{
  g_return_val_if_fail (record != NULL, NULL);
  return record->final_url;
}
