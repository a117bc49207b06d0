/* meow-transfer-record.h: immutable progress/lifecycle records
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib-object.h>

#include "meow-visibility.h"

#include "meow-types.h"

G_BEGIN_DECLS

#define MEOW_TYPE_TRANSFER_RECORD (meow_transfer_record_get_type ())

/**
 * MeowTransferRecord:
 *
 * An immutable value describing one task at one moment. Reference counted,
 * safe to share between threads.
 */
typedef struct _MeowTransferRecord MeowTransferRecord;

/**
 * MeowSegment:
 * @start: the range's first byte
 * @end: the byte after its last; -1 when the file's size is not known
 * @done: bytes of the range written, from @start on
 * @active: whether a connection transfers this range now
 *
 * One byte range of a download's file (meow_transfer_record_get_segments()):
 * a plain value.
 */
typedef struct
{
  gint64   start;
  gint64   end;
  gint64   done;
  gboolean active;
} MeowSegment;

/**
 * MeowRequestInfo:
 *
 * One request a task made, as it ended (meow_transfer_record_get_requests()):
 * its method, redacted URL and Range, the answer's status and validators, a
 * redirect's target, and how it ended. Immutable, reference counted, safe to
 * share between threads.
 */
typedef struct _MeowRequestInfo MeowRequestInfo;

#define MEOW_TYPE_REQUEST_INFO (meow_request_info_get_type ())

MEOW_AVAILABLE_IN_ALL
GType meow_request_info_get_type (void) G_GNUC_CONST;
MEOW_AVAILABLE_IN_ALL
MeowRequestInfo *meow_request_info_ref (MeowRequestInfo *info);
MEOW_AVAILABLE_IN_ALL
void meow_request_info_unref (MeowRequestInfo *info);
MEOW_AVAILABLE_IN_ALL
const char *meow_request_info_get_method (const MeowRequestInfo *info);
MEOW_AVAILABLE_IN_ALL
const char *meow_request_info_get_url (const MeowRequestInfo *info);
MEOW_AVAILABLE_IN_ALL
const char *meow_request_info_get_range (const MeowRequestInfo *info);
MEOW_AVAILABLE_IN_ALL
guint meow_request_info_get_http_status (const MeowRequestInfo *info);
MEOW_AVAILABLE_IN_ALL
const char *meow_request_info_get_etag (const MeowRequestInfo *info);
MEOW_AVAILABLE_IN_ALL
const char *meow_request_info_get_last_modified (const MeowRequestInfo *info);
MEOW_AVAILABLE_IN_ALL
const char *meow_request_info_get_location (const MeowRequestInfo *info);
MEOW_AVAILABLE_IN_ALL
MeowRequestEnd meow_request_info_get_end (const MeowRequestInfo *info);
MEOW_AVAILABLE_IN_ALL
gint64 meow_request_info_get_timestamp (const MeowRequestInfo *info);

MEOW_AVAILABLE_IN_ALL
GType meow_transfer_record_get_type (void) G_GNUC_CONST;
MEOW_AVAILABLE_IN_ALL
MeowTransferRecord *meow_transfer_record_ref (MeowTransferRecord *record);
MEOW_AVAILABLE_IN_ALL
void meow_transfer_record_unref (MeowTransferRecord *record);

MEOW_AVAILABLE_IN_ALL
const char *meow_transfer_record_get_task_id (const MeowTransferRecord *record);
MEOW_AVAILABLE_IN_ALL
const char *meow_transfer_record_get_name (const MeowTransferRecord *record);
MEOW_AVAILABLE_IN_ALL
MeowDirection meow_transfer_record_get_direction (const MeowTransferRecord *record);
MEOW_AVAILABLE_IN_ALL
MeowStatus meow_transfer_record_get_status (const MeowTransferRecord *record);
MEOW_AVAILABLE_IN_ALL
gint64 meow_transfer_record_get_total (const MeowTransferRecord *record);
MEOW_AVAILABLE_IN_ALL
guint64 meow_transfer_record_get_transferred (const MeowTransferRecord *record);
MEOW_AVAILABLE_IN_ALL
double meow_transfer_record_get_progress (const MeowTransferRecord *record);
MEOW_AVAILABLE_IN_ALL
double meow_transfer_record_get_speed (const MeowTransferRecord *record);
MEOW_AVAILABLE_IN_ALL
gint64 meow_transfer_record_get_eta (const MeowTransferRecord *record);
MEOW_AVAILABLE_IN_ALL
const GError *meow_transfer_record_get_error (const MeowTransferRecord *record);
MEOW_AVAILABLE_IN_ALL
const char *meow_transfer_record_get_payload (const MeowTransferRecord *record);
MEOW_AVAILABLE_IN_ALL
const char *meow_transfer_record_get_local_path (const MeowTransferRecord *record);
MEOW_AVAILABLE_IN_ALL
MeowRestartReason meow_transfer_record_get_restart_reason (const MeowTransferRecord *record);
MEOW_AVAILABLE_IN_ALL
gint64 meow_transfer_record_get_timestamp (const MeowTransferRecord *record);
MEOW_AVAILABLE_IN_ALL
MeowPhase meow_transfer_record_get_phase (const MeowTransferRecord *record);
MEOW_AVAILABLE_IN_ALL
guint64 meow_transfer_record_get_hashed (const MeowTransferRecord *record);
MEOW_AVAILABLE_IN_ALL
const char *meow_transfer_record_get_url (const MeowTransferRecord *record);
MEOW_AVAILABLE_IN_ALL
const char *meow_transfer_record_get_upload_url (const MeowTransferRecord *record);
MEOW_AVAILABLE_IN_ALL
MeowWaitReason meow_transfer_record_get_wait_reason (const MeowTransferRecord *record);
MEOW_AVAILABLE_IN_ALL
gint64 meow_transfer_record_get_next_attempt (const MeowTransferRecord *record);
MEOW_AVAILABLE_IN_ALL
const char *meow_transfer_record_get_wait_detail (const MeowTransferRecord *record);
MEOW_AVAILABLE_IN_ALL
const char *meow_transfer_record_get_auth_scheme (const MeowTransferRecord *record);
MEOW_AVAILABLE_IN_ALL
const char *meow_transfer_record_get_auth_realm (const MeowTransferRecord *record);
MEOW_AVAILABLE_IN_ALL
const char *meow_transfer_record_get_tag (const MeowTransferRecord *record);
MEOW_AVAILABLE_IN_ALL
guint meow_transfer_record_get_http_status (const MeowTransferRecord *record);
MEOW_AVAILABLE_IN_ALL
const char *meow_transfer_record_get_auth_proxy (const MeowTransferRecord *record);
MEOW_AVAILABLE_IN_ALL
const MeowSegment *meow_transfer_record_get_segments (const MeowTransferRecord *record,
                                                      guint                    *n_segments);
MEOW_AVAILABLE_IN_ALL
MeowRequestInfo *const *meow_transfer_record_get_requests (const MeowTransferRecord *record,
                                                           guint                    *n_requests);
MEOW_AVAILABLE_IN_ALL
guint meow_transfer_record_get_dropped_requests (const MeowTransferRecord *record);
MEOW_AVAILABLE_IN_ALL
const char *meow_transfer_record_get_final_url (const MeowTransferRecord *record);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MeowTransferRecord, meow_transfer_record_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (MeowRequestInfo, meow_request_info_unref)

G_END_DECLS
