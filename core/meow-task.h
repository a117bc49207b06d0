/* meow-task.h: immutable transfer requests and their builder
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib-object.h>

#include "meow-visibility.h"

#include "meow-types.h"
#include "meow-upload-protocol.h"

G_BEGIN_DECLS

#define MEOW_TYPE_TASK (meow_task_get_type ())
#define MEOW_TYPE_TASK_BUILDER (meow_task_builder_get_type ())

/**
 * MeowTask:
 *
 * An immutable transfer request, made by a #MeowTaskBuilder. Reference
 * counted; safe to share between threads.
 */
typedef struct _MeowTask MeowTask;

/**
 * MeowTaskBuilder:
 *
 * Collects the parameters of a #MeowTask. Not thread-safe.
 */
typedef struct _MeowTaskBuilder MeowTaskBuilder;

MEOW_AVAILABLE_IN_ALL
GType meow_task_get_type (void) G_GNUC_CONST;
MEOW_AVAILABLE_IN_ALL
MeowTask *meow_task_ref (MeowTask *task);
MEOW_AVAILABLE_IN_ALL
void meow_task_unref (MeowTask *task);

MEOW_AVAILABLE_IN_ALL
MeowDirection meow_task_get_direction (const MeowTask *task);
MEOW_AVAILABLE_IN_ALL
const char *meow_task_get_url (const MeowTask *task);
MEOW_AVAILABLE_IN_ALL
const char *meow_task_get_id (const MeowTask *task);
MEOW_AVAILABLE_IN_ALL
const char *meow_task_get_name (const MeowTask *task);
MEOW_AVAILABLE_IN_ALL
const char *meow_task_get_output_file (const MeowTask *task);
MEOW_AVAILABLE_IN_ALL
const char *meow_task_get_output_dir (const MeowTask *task);
MEOW_AVAILABLE_IN_ALL
const char *meow_task_get_method (const MeowTask *task);
MEOW_AVAILABLE_IN_ALL
const char *const *meow_task_get_headers (const MeowTask *task);
MEOW_AVAILABLE_IN_ALL
guint meow_task_get_retries (const MeowTask *task);
MEOW_AVAILABLE_IN_ALL
MeowRetryPolicy meow_task_get_retry_policy (const MeowTask *task, gboolean *is_set);
MEOW_AVAILABLE_IN_ALL
guint64 meow_task_get_speed_limit (const MeowTask *task);
MEOW_AVAILABLE_IN_ALL
MeowChecksumType meow_task_get_checksum (const MeowTask *task, const char **hex);
MEOW_AVAILABLE_IN_ALL
gboolean meow_task_get_overwrite (const MeowTask *task);
MEOW_AVAILABLE_IN_ALL
gboolean meow_task_get_keep_partial (const MeowTask *task);
MEOW_AVAILABLE_IN_ALL
gint64 meow_task_get_size_hint (const MeowTask *task);
MEOW_AVAILABLE_IN_ALL
guint meow_task_get_segments (const MeowTask *task);
MEOW_AVAILABLE_IN_ALL
MeowRelink meow_task_get_relink (const MeowTask *task);
MEOW_AVAILABLE_IN_ALL
char *meow_task_dup_redacted_url (const MeowTask *task);
MEOW_AVAILABLE_IN_ALL
MeowTask *meow_task_dup_with_url (const MeowTask *task,
                                  const char     *url,
                                  MeowRelink      relink,
                                  const char     *output_file,
                                  GError        **error);
MEOW_AVAILABLE_IN_ALL
MeowTask *meow_task_dup_with_settings (const MeowTask *task, guint64 speed_limit, guint segments);
MEOW_AVAILABLE_IN_ALL
const char *meow_task_get_user (const MeowTask *task);
MEOW_AVAILABLE_IN_ALL
const char *meow_task_get_tag (const MeowTask *task);

MEOW_AVAILABLE_IN_ALL
const char *meow_task_get_source_file (const MeowTask *task);
MEOW_AVAILABLE_IN_ALL
GBytes *meow_task_get_source_bytes (const MeowTask *task);
MEOW_AVAILABLE_IN_ALL
gint64 meow_task_get_chunk_size (const MeowTask *task);
MEOW_AVAILABLE_IN_ALL
const char *meow_task_get_category (const MeowTask *task);
MEOW_AVAILABLE_IN_ALL
MeowUploadProtocolKind meow_task_get_upload_protocol (const MeowTask *task);
MEOW_AVAILABLE_IN_ALL
const char *meow_task_get_upload_url (const MeowTask *task);
MEOW_AVAILABLE_IN_ALL
guint meow_task_get_prepare_retries (const MeowTask *task);

MEOW_AVAILABLE_IN_ALL
gboolean meow_task_has_retries (const MeowTask *task);
MEOW_AVAILABLE_IN_ALL
gboolean meow_task_has_prepare_retries (const MeowTask *task);

MEOW_AVAILABLE_IN_ALL
gboolean meow_download_target_is_complete (const char *target, gint64 size, gint64 not_before_us);
MEOW_AVAILABLE_IN_ALL
gboolean meow_download_part_is_from_other_url (const char *target, const char *url);

MEOW_AVAILABLE_IN_ALL
GType meow_task_builder_get_type (void) G_GNUC_CONST;
MEOW_AVAILABLE_IN_ALL
MeowTaskBuilder *meow_task_builder_new_download (const char *url);
MEOW_AVAILABLE_IN_ALL
MeowTaskBuilder *meow_task_builder_new_upload_file (const char *url, const char *path);
MEOW_AVAILABLE_IN_ALL
MeowTaskBuilder *
meow_task_builder_new_upload_bytes (const char *url, GBytes *bytes, const char *name);
MEOW_AVAILABLE_IN_ALL
MeowTaskBuilder *meow_task_builder_copy (const MeowTaskBuilder *builder);
MEOW_AVAILABLE_IN_ALL
void meow_task_builder_free (MeowTaskBuilder *builder);
MEOW_AVAILABLE_IN_ALL
void meow_task_builder_set_chunk_size (MeowTaskBuilder *builder, gint64 bytes);
MEOW_AVAILABLE_IN_ALL
void meow_task_builder_set_category (MeowTaskBuilder *builder, const char *category);
MEOW_AVAILABLE_IN_ALL
void meow_task_builder_set_upload_protocol (MeowTaskBuilder *builder, MeowUploadProtocolKind kind);
MEOW_AVAILABLE_IN_ALL
void meow_task_builder_set_upload_protocol_impl (MeowTaskBuilder    *builder,
                                                 MeowUploadProtocol *protocol);
MEOW_AVAILABLE_IN_ALL
void meow_task_builder_set_request_hook (MeowTaskBuilder *builder,
                                         MeowRequestHook  hook,
                                         gpointer         user_data,
                                         GDestroyNotify   destroy);
MEOW_AVAILABLE_IN_ALL
void meow_task_builder_set_upload_url (MeowTaskBuilder *builder, const char *upload_url);
MEOW_AVAILABLE_IN_ALL
void meow_task_builder_set_prepare_retries (MeowTaskBuilder *builder, guint retries);
MEOW_AVAILABLE_IN_ALL
void meow_task_builder_set_output_file (MeowTaskBuilder *builder, const char *path);
MEOW_AVAILABLE_IN_ALL
void meow_task_builder_set_output_dir (MeowTaskBuilder *builder, const char *dir);
MEOW_AVAILABLE_IN_ALL
void meow_task_builder_set_name (MeowTaskBuilder *builder, const char *name);
MEOW_AVAILABLE_IN_ALL
void meow_task_builder_set_id (MeowTaskBuilder *builder, const char *id);
MEOW_AVAILABLE_IN_ALL
void meow_task_builder_set_method (MeowTaskBuilder *builder, const char *method);
MEOW_AVAILABLE_IN_ALL
void meow_task_builder_add_header (MeowTaskBuilder *builder, const char *name, const char *value);
MEOW_AVAILABLE_IN_ALL
void meow_task_builder_set_retries (MeowTaskBuilder *builder, guint retries);
MEOW_AVAILABLE_IN_ALL
void meow_task_builder_set_retry_policy (MeowTaskBuilder *builder, MeowRetryPolicy policy);
MEOW_AVAILABLE_IN_ALL
void meow_task_builder_set_speed_limit (MeowTaskBuilder *builder, guint64 bytes_per_second);
MEOW_AVAILABLE_IN_ALL
void
meow_task_builder_set_checksum (MeowTaskBuilder *builder, MeowChecksumType type, const char *hex);
MEOW_AVAILABLE_IN_ALL
void meow_task_builder_set_overwrite (MeowTaskBuilder *builder, gboolean overwrite);
MEOW_AVAILABLE_IN_ALL
void meow_task_builder_set_keep_partial (MeowTaskBuilder *builder, gboolean keep);
MEOW_AVAILABLE_IN_ALL
void meow_task_builder_set_size_hint (MeowTaskBuilder *builder, gint64 size);
MEOW_AVAILABLE_IN_ALL
void meow_task_builder_set_segments (MeowTaskBuilder *builder, guint segments);
MEOW_AVAILABLE_IN_ALL
void meow_task_builder_set_relink (MeowTaskBuilder *builder, MeowRelink relink);
MEOW_AVAILABLE_IN_ALL
void meow_task_builder_set_credentials (MeowTaskBuilder *builder,
                                        const char      *user,
                                        const char      *password);
MEOW_AVAILABLE_IN_ALL
void meow_task_builder_set_netrc (MeowTaskBuilder *builder, gboolean netrc, const char *file);
MEOW_AVAILABLE_IN_ALL
void meow_task_builder_set_tag (MeowTaskBuilder *builder, const char *tag);
MEOW_AVAILABLE_IN_ALL
MeowTask *meow_task_builder_build (MeowTaskBuilder *builder, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MeowTask, meow_task_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (MeowTaskBuilder, meow_task_builder_free)

G_END_DECLS
