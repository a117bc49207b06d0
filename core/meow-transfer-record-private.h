/* meow-transfer-record-private.h
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "meow-transfer-record.h"

G_BEGIN_DECLS

/* At most this many requests per record; older ones past it are counted
 * in dropped_requests. */
#define MEOW_RECORD_REQUESTS_MAX 32

struct _MeowRequestInfo
{
  gatomicrefcount ref_count;
  char           *method;
  char           *url; /* redacted */
  char           *range;
  guint           http_status;
  char           *etag;
  char           *last_modified;
  char           *location; /* redacted */
  MeowRequestEnd  end;
  gint64          timestamp; /* wall clock µs, when it ended */
  gboolean        failed;    /* worker only, until the next record: end undecided */
};

struct _MeowTransferRecord
{
  gatomicrefcount   ref_count;
  char             *task_id;
  char             *name;
  MeowDirection     direction;
  MeowStatus        status;
  gint64            total;
  guint64           transferred;
  double            speed;
  gint64            eta;
  GError           *error;
  char             *payload;
  char             *local_path;
  MeowRestartReason restart_reason;
  gint64            timestamp;
  MeowPhase         phase;
  guint64           hashed;
  char             *upload_url;
  char             *url; /* the task's URL now (meow_client_change_url()) */
  MeowWaitReason    wait_reason;
  gint64            next_attempt; /* monotonic µs, 0: none planned */
  char             *wait_detail;
  char             *auth_scheme; /* MEOW_WAIT_SIGN_IN: what the server asked for */
  char             *auth_realm;
  char             *tag;         /* the task's (meow_task_builder_set_tag()) */
  guint             http_status; /* Complete/Failed: the ending answer's, 0: none */
  char             *auth_proxy;  /* MEOW_WAIT_PROXY_SIGN_IN: the proxy that asked */
  MeowSegment      *segments;    /* a download's byte ranges, or NULL */
  guint             n_segments;
  GPtrArray        *requests; /* MeowRequestInfo that ended since the last record, or NULL */
  guint             dropped_requests;
  char             *final_url; /* redacted: the last answer's URL after redirects */
};

/* Complete, Failed and Canceled end a task: no record follows them. */
static inline gboolean
_meow_status_is_terminal (MeowStatus status)
{
  return status == MEOW_STATUS_COMPLETE || status == MEOW_STATUS_FAILED ||
         status == MEOW_STATUS_CANCELED;
}

/* Makes an empty record; the caller fills the fields before sharing it.
 * Strings are owned by the record. */
MeowTransferRecord *
_meow_transfer_record_new (const char *task_id, MeowDirection direction, MeowStatus status);

/* Makes an empty request info (end DONE, timestamp now); the caller
 * fills it before sharing it. */
MeowRequestInfo *_meow_request_info_new (void);

/* Appends @more's requests (in order, its own refs) to @into's, keeping
 * the newest MEOW_RECORD_REQUESTS_MAX and counting the rest as dropped:
 * for progress records that coalesce before anyone saw @into. */
void _meow_transfer_record_take_requests (MeowTransferRecord       *into,
                                          const MeowTransferRecord *older);

G_END_DECLS
