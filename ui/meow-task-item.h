/* meow-task-item.h: one task as the window sees it
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "meow-store.h"
#include "meow.h"

G_BEGIN_DECLS

#define MEOW_TYPE_TASK_ITEM (meow_task_item_get_type ())

G_DECLARE_FINAL_TYPE (MeowTaskItem, meow_task_item, MEOW, TASK_ITEM, GObject)

/* One point of a task's speed history: a record's timestamp (real time, µs)
 * and its speed in bytes per second. */
typedef struct
{
  gint64 time;
  double speed;
} MeowSpeedSample;

/* One entry of a task's history (meow_task_item_get_events()): when (a record's
 * timestamp, real time µs), the status, wait and restart reasons, and a detail — the
 * failure's message, the wait's short text, or the new link when @relinked. */
typedef struct
{
  gint64            time;
  MeowStatus        status;
  MeowWaitReason    wait_reason;
  MeowRestartReason restart_reason;
  gboolean          relinked;
  char             *detail;
} MeowTaskEvent;

MeowTaskItem *meow_task_item_new (MeowTask *task);
MeowTaskItem *meow_task_item_new_saved (MeowStore *store, const MeowStoredTask *st);
gboolean      meow_task_item_can_be_saved (const MeowStoredTask *st);
MeowTask     *meow_task_item_get_task (MeowTaskItem *self);
void          meow_task_item_set_task (MeowTaskItem *self, MeowTask *task);
const char   *meow_task_item_get_id (MeowTaskItem *self);
const char   *meow_task_item_get_name (MeowTaskItem *self);
const char   *meow_task_item_get_url (MeowTaskItem *self);
MeowDirection meow_task_item_get_direction (MeowTaskItem *self);
MeowStatus    meow_task_item_get_status (MeowTaskItem *self);
guint64       meow_task_item_get_transferred (MeowTaskItem *self);
gint64        meow_task_item_get_total (MeowTaskItem *self);
double        meow_task_item_get_speed (MeowTaskItem *self);
gint64        meow_task_item_get_eta (MeowTaskItem *self);
const char   *meow_task_item_get_error_message (MeowTaskItem *self);
const char   *meow_task_item_get_local_path (MeowTaskItem *self);
const char   *meow_task_item_get_payload (MeowTaskItem *self);
gboolean      meow_task_item_get_live (MeowTaskItem *self);
MeowPhase     meow_task_item_get_phase (MeowTaskItem *self);
guint64       meow_task_item_get_hashed (MeowTaskItem *self);
gboolean      meow_task_item_get_restorable (MeowTaskItem *self);

MeowWaitReason meow_task_item_get_wait_reason (MeowTaskItem *self);
gint64         meow_task_item_get_next_attempt (MeowTaskItem *self);
const char    *meow_task_item_get_wait_detail (MeowTaskItem *self);
const char    *meow_task_item_get_final_url (MeowTaskItem *self);
const char    *meow_task_item_get_auth_realm (MeowTaskItem *self);
const char    *meow_task_item_get_auth_proxy (MeowTaskItem *self);
gboolean       meow_task_item_needs_sign_in (MeowTaskItem *self);

gboolean meow_task_item_is_active (MeowTaskItem *self);
gboolean meow_task_item_is_finished (MeowTaskItem *self);
GFile   *meow_task_item_dup_file (MeowTaskItem *self);

const MeowSpeedSample  *meow_task_item_get_speed_history (MeowTaskItem *self, guint *n_samples);
const MeowSegment      *meow_task_item_get_segments (MeowTaskItem *self, guint *n_segments);
const MeowTaskEvent    *meow_task_item_get_events (MeowTaskItem *self, guint *n_events);
MeowRequestInfo *const *meow_task_item_get_requests (MeowTaskItem *self, guint *n_requests);

void meow_task_item_apply_record (MeowTaskItem *self, const MeowTransferRecord *record);
void meow_task_item_set_status (MeowTaskItem *self, MeowStatus status);
void meow_task_item_set_live (MeowTaskItem *self, gboolean live);
void meow_task_item_set_progress (MeowTaskItem *self, guint64 transferred, gint64 total);
void meow_task_item_set_error_message (MeowTaskItem *self, const char *message);
void meow_task_item_set_local_path (MeowTaskItem *self, const char *path);
void meow_task_item_set_payload (MeowTaskItem *self, const char *payload);
void meow_task_item_set_unrestorable (MeowTaskItem *self, const char *reason);

G_END_DECLS
