/* meow-client.h: the transfer engine
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "meow-config.h"
#include "meow-task.h"
#include "meow-transfer-record.h"

G_BEGIN_DECLS

#define MEOW_TYPE_CLIENT (meow_client_get_type ())
#define MEOW_TYPE_SNAPSHOT (meow_snapshot_get_type ())

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
 * MeowSnapshot:
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

GType         meow_snapshot_get_type (void) G_GNUC_CONST;
MeowSnapshot *meow_snapshot_copy (const MeowSnapshot *snapshot);
void          meow_snapshot_free (MeowSnapshot *snapshot);

MeowClient         *meow_client_new (const MeowConfig *config, GError **error);
char               *meow_client_enqueue (MeowClient      *client,
                                         MeowTask        *task,
                                         MeowRecordFunc   progress,
                                         MeowCompleteFunc complete,
                                         gpointer         user_data,
                                         GDestroyNotify   destroy,
                                         GError         **error);
gboolean            meow_client_pause (MeowClient *client, const char *task_id, GError **error);
gboolean            meow_client_resume (MeowClient *client, const char *task_id, GError **error);
gboolean            meow_client_cancel (MeowClient *client, const char *task_id, GError **error);
gboolean            meow_client_change_url (MeowClient        *client,
                                            const char        *task_id,
                                            const char        *url,
                                            MeowChangeUrlFlags flags,
                                            GError           **error);
MeowSnapshot       *meow_client_snapshot (MeowClient *client, GError **error);
MeowTransferRecord *meow_client_dup_record (MeowClient *client, const char *task_id);
gboolean            meow_client_close (MeowClient *client, GError **error);
gboolean            meow_client_is_closed (MeowClient *client);
guint               meow_client_add_listener (MeowClient    *client,
                                              MeowRecordFunc func,
                                              gpointer       user_data,
                                              GDestroyNotify destroy,
                                              GError       **error);
gboolean meow_client_remove_listener (MeowClient *client, guint listener_id, GError **error);
gboolean meow_client_clear_listeners (MeowClient *client, GError **error);
gboolean meow_client_set_max_transfers (MeowClient *client,
                                        guint       max_downloads,
                                        guint       max_uploads,
                                        GError    **error);
void     meow_client_set_network_hold (MeowClient *client, MeowWaitReason hold);
void     meow_client_set_network_available (MeowClient *client, gboolean available);
void     meow_client_sleep_async (MeowClient         *client,
                                  GCancellable       *cancellable,
                                  GAsyncReadyCallback callback,
                                  gpointer            user_data);
gboolean meow_client_sleep_finish (MeowClient *client, GAsyncResult *result, GError **error);
void     meow_client_wake (MeowClient *client);
void     meow_client_set_speed_limits (MeowClient *client,
                                       guint64     download_bytes_per_second,
                                       guint64     upload_bytes_per_second);
gboolean meow_client_set_proxy (MeowClient *client, const char *proxy, GError **error);
void     meow_client_lookup_proxy_async (MeowClient         *client,
                                         const char         *url,
                                         GCancellable       *cancellable,
                                         GAsyncReadyCallback callback,
                                         gpointer            user_data);
char    *meow_client_lookup_proxy_finish (MeowClient *client, GAsyncResult *result, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MeowSnapshot, meow_snapshot_free)

G_END_DECLS
