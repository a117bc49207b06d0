/* meow-task-manager.h: the app's list of tasks over one MeowClient
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "meow-store.h"
#include "meow-task-item.h"
#include "meow.h"

G_BEGIN_DECLS

#define MEOW_TYPE_TASK_MANAGER (meow_task_manager_get_type ())

G_DECLARE_FINAL_TYPE (MeowTaskManager, meow_task_manager, MEOW, TASK_MANAGER, GObject)

MeowTaskManager *meow_task_manager_new (MeowClient *client, MeowStore *store, GSettings *settings);
MeowClient      *meow_task_manager_get_client (MeowTaskManager *self);
void             meow_task_manager_watch_network (MeowTaskManager *self, GNetworkMonitor *monitor);
MeowWaitReason   meow_task_manager_network_hold (gboolean             available,
                                                 GNetworkConnectivity connectivity,
                                                 gboolean             metered,
                                                 gboolean             pause_on_metered);
GListModel      *meow_task_manager_get_model (MeowTaskManager *self);
MeowTaskItem    *meow_task_manager_lookup (MeowTaskManager *self, const char *id);
guint            meow_task_manager_get_n_active (MeowTaskManager *self);
char            *meow_task_manager_dup_download_folder (MeowTaskManager *self);
char            *meow_task_manager_dup_ready_download_folder (MeowTaskManager *self,
                                                              const char      *folder,
                                                              GError         **error);

char *
meow_task_manager_dup_folder_for_name (MeowTaskManager *self, const char *name, GError **error);
MeowTaskItem *meow_task_manager_add (MeowTaskManager *self,
                                     MeowTask        *task,
                                     gboolean         start_paused,
                                     GError         **error);
guint         meow_task_manager_add_all (MeowTaskManager *self,
                                         GPtrArray       *tasks,
                                         gboolean         start_paused,
                                         GError         **error);
gboolean      meow_task_manager_add_urls (MeowTaskManager   *self,
                                          const char *const *urls,
                                          const char        *folder,
                                          const char        *sha256,
                                          gboolean           start_paused,
                                          GError           **error);
gboolean      meow_task_manager_add_urls_full (MeowTaskManager   *self,
                                               const char *const *urls,
                                               const char        *folder,
                                               const char        *sha256,
                                               const char *const *headers,
                                               GBytes            *cookies_txt,
                                               gboolean           start_paused,
                                               GError           **error);
guint         meow_task_manager_upload_files (MeowTaskManager *self, GSList *files, GError **error);
guint         meow_task_manager_upload_files_to (MeowTaskManager *self,
                                                 GSList          *files,
                                                 guint            target,
                                                 GError         **error);
guint         meow_task_manager_count_upload_targets (MeowTaskManager *self);
void          meow_task_manager_add_upload_target (MeowTaskManager *self,
                                                   const char      *name,
                                                   const char      *protocol,
                                                   const char      *url,
                                                   const char      *headers);
void          meow_task_manager_remove_upload_target (MeowTaskManager *self, guint index);
char        **meow_task_manager_dup_upload_target_names (MeowTaskManager *self);
gboolean      meow_task_manager_pause (MeowTaskManager *self, const char *id, GError **error);
gboolean      meow_task_manager_resume (MeowTaskManager *self, const char *id, GError **error);
gboolean      meow_task_manager_cancel (MeowTaskManager *self, const char *id, GError **error);
gboolean      meow_task_manager_sign_in (MeowTaskManager *self,
                                         const char      *id,
                                         const char      *user,
                                         const char      *password,
                                         gboolean         remember,
                                         GError         **error);
gboolean      meow_task_manager_change_url (MeowTaskManager   *self,
                                            const char        *id,
                                            const char        *url,
                                            MeowChangeUrlFlags flags,
                                            GError           **error);
gboolean      meow_task_manager_set_limits (
         MeowTaskManager *self, const char *id, guint64 speed_limit, guint segments, GError **error);
MeowTaskItem *
meow_task_manager_remove (MeowTaskManager *self, const char *id, guint *position, GError **error);
gboolean meow_task_manager_restore (MeowTaskManager *self,
                                    MeowTaskItem    *item,
                                    guint            position,
                                    GError         **error);
void     meow_task_manager_pause_all (MeowTaskManager *self);
void     meow_task_manager_resume_all (MeowTaskManager *self);
void     meow_task_manager_load (MeowTaskManager *self, gboolean resume);
gboolean meow_task_manager_get_busy (MeowTaskManager *self);
void     meow_task_manager_close (MeowTaskManager *self);

/* Clear Finished, and its Undo */
gboolean   meow_task_manager_has_finished (MeowTaskManager *self);
GPtrArray *meow_task_manager_clear_finished (MeowTaskManager *self, GError **error);
gboolean
meow_task_manager_restore_cleared (MeowTaskManager *self, GPtrArray *cleared, GError **error);

/* The queue's order: Move to Top, Move to Bottom, Start Now */
gboolean meow_task_manager_move_to_top (MeowTaskManager *self, const char *id, GError **error);
gboolean meow_task_manager_move_to_bottom (MeowTaskManager *self, const char *id, GError **error);
gboolean meow_task_manager_move_beside (MeowTaskManager  *self,
                                        const char       *id,
                                        const char       *other_id,
                                        MeowQueuePosition position,
                                        GError          **error);
gboolean meow_task_manager_start_now (MeowTaskManager *self, const char *id, GError **error);

G_END_DECLS
