/* meow-client.h: the transfer engine
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gio/gio.h>

#include "meow-visibility.h"

#include "meow-config.h"
#include "meow-task.h"
#include "meow-transfer-record.h"

G_BEGIN_DECLS

#define MEOW_TYPE_CLIENT (meow_client_get_type ())
#define MEOW_TYPE_SNAPSHOT (meow_snapshot_get_type ())

/**
 * MeowClient:
 *
 * The transfer engine: it queues downloads and uploads (#MeowTask), runs them
 * on a worker thread of its own and reports on each with #MeowTransferRecord
 * values, delivered to callbacks and listeners in the owner context (the
 * thread-default main context of meow_client_new()'s caller). Its API may be
 * called from any thread. Close it with meow_client_close() before dropping
 * the last reference.
 */
MEOW_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (MeowClient, meow_client, MEOW, CLIENT, GObject)

/**
 * MeowRecordFunc:
 * @client: the client
 * @record: (transfer none): the record; ref it to keep it
 * @user_data: user data
 *
 * Receives records. Always called in the client's owner context.
 */
typedef void (*MeowRecordFunc) (MeowClient               *client,
                                const MeowTransferRecord *record,
                                gpointer                  user_data);

/**
 * MeowCompleteFunc:
 * @client: the client
 * @task_id: the task's id
 * @payload: (nullable): the completion payload (a download's final path, an
 *   upload protocol's file id or URL)
 * @user_data: user data
 *
 * Called exactly once when a task completes, after its Complete record, in
 * the client's owner context.
 */
typedef void (*MeowCompleteFunc) (MeowClient *client,
                                  const char *task_id,
                                  const char *payload,
                                  gpointer    user_data);

/**
 * MeowLogFunc:
 * @client: the client
 * @level: the line's level (%G_LOG_LEVEL_DEBUG for the engine's debug lines)
 * @task_id: (nullable): the id of the task the line is about, or %NULL
 * @message: the line, with secrets replaced by `***`
 * @user_data: user data
 *
 * Receives the engine's debug log (meow_client_set_log_func()). Always
 * called in the client's owner context.
 */
typedef void (*MeowLogFunc) (MeowClient    *client,
                             GLogLevelFlags level,
                             const char    *task_id,
                             const char    *message,
                             gpointer       user_data);

/**
 * MeowSnapshot:
 * @queued: tasks waiting for a slot
 * @active: tasks transferring
 * @paused: paused tasks
 * @active_keys: (element-type utf8): the active tasks' keys, `download:URL` or
 *   `upload:URL`
 *
 * Counts of the client's tasks at one moment. A plain value owned by the
 * caller; free it with meow_snapshot_free().
 */
typedef struct _MeowSnapshot MeowSnapshot;

struct _MeowSnapshot
{
  guint      queued;
  guint      active;
  guint      paused;
  GPtrArray *active_keys; /* element-type utf8: "download:URL" or "upload:URL" */
};

MEOW_AVAILABLE_IN_ALL
GType meow_snapshot_get_type (void) G_GNUC_CONST;
MEOW_AVAILABLE_IN_ALL
MeowSnapshot *meow_snapshot_copy (const MeowSnapshot *snapshot);
MEOW_AVAILABLE_IN_ALL
void meow_snapshot_free (MeowSnapshot *snapshot);

MEOW_AVAILABLE_IN_ALL
MeowClient *meow_client_new (const MeowConfig *config, GError **error);
MEOW_AVAILABLE_IN_ALL
char *meow_client_enqueue (MeowClient      *client,
                           MeowTask        *task,
                           MeowRecordFunc   progress,
                           MeowCompleteFunc complete,
                           gpointer         user_data,
                           GDestroyNotify   destroy,
                           GError         **error);
MEOW_AVAILABLE_IN_ALL
char *meow_client_enqueue_with_callback (MeowClient    *client,
                                         MeowTask      *task,
                                         MeowRecordFunc callback,
                                         gpointer       user_data,
                                         GDestroyNotify destroy,
                                         GError       **error);
MEOW_AVAILABLE_IN_ALL
char *meow_client_enqueue_paused (MeowClient    *client,
                                  MeowTask      *task,
                                  MeowRecordFunc callback,
                                  gpointer       user_data,
                                  GDestroyNotify destroy,
                                  GError       **error);
MEOW_AVAILABLE_IN_ALL
void meow_client_enqueue_and_wait_async (MeowClient         *client,
                                         MeowTask           *task,
                                         GCancellable       *cancellable,
                                         GAsyncReadyCallback callback,
                                         gpointer            user_data);
MEOW_AVAILABLE_IN_ALL
char *
meow_client_enqueue_and_wait_finish (MeowClient *client, GAsyncResult *result, GError **error);
MEOW_AVAILABLE_IN_ALL
gboolean meow_client_pause (MeowClient *client, const char *task_id, GError **error);
MEOW_AVAILABLE_IN_ALL
gboolean meow_client_resume (MeowClient *client, const char *task_id, GError **error);
MEOW_AVAILABLE_IN_ALL
gboolean meow_client_cancel (MeowClient *client, const char *task_id, GError **error);
MEOW_AVAILABLE_IN_ALL
gboolean meow_client_move (MeowClient       *client,
                           const char       *task_id,
                           MeowQueuePosition position,
                           GError          **error);
MEOW_AVAILABLE_IN_ALL
gboolean meow_client_move_before (MeowClient *client,
                                  const char *task_id,
                                  const char *other_id,
                                  GError    **error);
MEOW_AVAILABLE_IN_ALL
gboolean meow_client_move_after (MeowClient *client,
                                 const char *task_id,
                                 const char *other_id,
                                 GError    **error);
MEOW_AVAILABLE_IN_ALL
gboolean meow_client_start_now (MeowClient *client, const char *task_id, GError **error);
MEOW_AVAILABLE_IN_ALL
gboolean meow_client_change_url (MeowClient        *client,
                                 const char        *task_id,
                                 const char        *url,
                                 MeowChangeUrlFlags flags,
                                 GError           **error);
MEOW_AVAILABLE_IN_ALL
MeowSnapshot *meow_client_snapshot (MeowClient *client, GError **error);
MEOW_AVAILABLE_IN_ALL
gboolean meow_client_set_credentials (MeowClient *client,
                                      const char *task_id,
                                      const char *user,
                                      const char *password,
                                      GError    **error);
MEOW_AVAILABLE_IN_ALL
gboolean meow_client_set_task_speed_limit (MeowClient *client,
                                           const char *task_id,
                                           guint64     bytes_per_second,
                                           GError    **error);
MEOW_AVAILABLE_IN_ALL
gboolean meow_client_set_task_segments (MeowClient *client,
                                        const char *task_id,
                                        guint       segments,
                                        GError    **error);
MEOW_AVAILABLE_IN_ALL
MeowTransferRecord *meow_client_dup_record (MeowClient *client, const char *task_id);
MEOW_AVAILABLE_IN_ALL
gboolean meow_client_close (MeowClient *client, GError **error);
MEOW_AVAILABLE_IN_ALL
gboolean meow_client_is_closed (MeowClient *client);
MEOW_AVAILABLE_IN_ALL
guint meow_client_add_listener (MeowClient    *client,
                                MeowRecordFunc func,
                                gpointer       user_data,
                                GDestroyNotify destroy,
                                GError       **error);
MEOW_AVAILABLE_IN_ALL
gboolean meow_client_remove_listener (MeowClient *client, guint listener_id, GError **error);
MEOW_AVAILABLE_IN_ALL
gboolean meow_client_clear_listeners (MeowClient *client, GError **error);
MEOW_AVAILABLE_IN_ALL
void meow_client_set_log_func (MeowClient    *client,
                               MeowLogFunc    func,
                               gpointer       user_data,
                               GDestroyNotify destroy);
MEOW_AVAILABLE_IN_ALL
gboolean meow_client_set_max_transfers (MeowClient *client,
                                        guint       max_downloads,
                                        guint       max_uploads,
                                        GError    **error);
MEOW_AVAILABLE_IN_ALL
void meow_client_set_network_hold (MeowClient *client, MeowWaitReason hold);
MEOW_AVAILABLE_IN_ALL
void meow_client_set_network_available (MeowClient *client, gboolean available);
MEOW_AVAILABLE_IN_ALL
void meow_client_set_schedule_hold (MeowClient *client, gboolean hold);
MEOW_AVAILABLE_IN_ALL
void meow_client_sleep_async (MeowClient         *client,
                              GCancellable       *cancellable,
                              GAsyncReadyCallback callback,
                              gpointer            user_data);
MEOW_AVAILABLE_IN_ALL
gboolean meow_client_sleep_finish (MeowClient *client, GAsyncResult *result, GError **error);
MEOW_AVAILABLE_IN_ALL
void meow_client_wake (MeowClient *client);
MEOW_AVAILABLE_IN_ALL
void meow_client_set_speed_limits (MeowClient *client,
                                   guint64     download_bytes_per_second,
                                   guint64     upload_bytes_per_second);
MEOW_AVAILABLE_IN_ALL
gboolean meow_client_set_proxy (MeowClient *client, const char *proxy, GError **error);
MEOW_AVAILABLE_IN_ALL
gboolean meow_client_set_proxy_credentials (
    MeowClient *client, const char *proxy, const char *user, const char *password, GError **error);
MEOW_AVAILABLE_IN_ALL
void meow_client_lookup_proxy_async (MeowClient         *client,
                                     const char         *url,
                                     GCancellable       *cancellable,
                                     GAsyncReadyCallback callback,
                                     gpointer            user_data);
MEOW_AVAILABLE_IN_ALL
char *meow_client_lookup_proxy_finish (MeowClient *client, GAsyncResult *result, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MeowSnapshot, meow_snapshot_free)

G_END_DECLS
