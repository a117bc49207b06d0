/* meow-task.h: immutable transfer requests and their builder
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib-object.h>

#include "meow-types.h"

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

GType     meow_task_get_type (void) G_GNUC_CONST;
MeowTask *meow_task_ref (MeowTask *task);
void      meow_task_unref (MeowTask *task);

MeowDirection      meow_task_get_direction (const MeowTask *task);
const char        *meow_task_get_url (const MeowTask *task);
const char        *meow_task_get_id (const MeowTask *task);
const char        *meow_task_get_name (const MeowTask *task);
const char        *meow_task_get_output_file (const MeowTask *task);
const char        *meow_task_get_output_dir (const MeowTask *task);
const char        *meow_task_get_method (const MeowTask *task);
const char *const *meow_task_get_headers (const MeowTask *task);
guint              meow_task_get_retries (const MeowTask *task);
MeowRetryPolicy    meow_task_get_retry_policy (const MeowTask *task, gboolean *is_set);
guint64            meow_task_get_speed_limit (const MeowTask *task);
MeowChecksumType   meow_task_get_checksum (const MeowTask *task, const char **hex);
gboolean           meow_task_get_overwrite (const MeowTask *task);
gboolean           meow_task_get_keep_partial (const MeowTask *task);
gint64             meow_task_get_size_hint (const MeowTask *task);
guint              meow_task_get_segments (const MeowTask *task);
MeowRelink         meow_task_get_relink (const MeowTask *task);
const char        *meow_task_get_user (const MeowTask *task);
char              *meow_task_dup_redacted_url (const MeowTask *task);
MeowTask          *meow_task_dup_with_url (const MeowTask *task,
                                           const char     *url,
                                           MeowRelink      relink,
                                           const char     *output_file,
                                           GError        **error);

const char            *meow_task_get_source_file (const MeowTask *task);
GBytes                *meow_task_get_source_bytes (const MeowTask *task);
gint64                 meow_task_get_chunk_size (const MeowTask *task);
const char            *meow_task_get_category (const MeowTask *task);
MeowUploadProtocolKind meow_task_get_upload_protocol (const MeowTask *task);
const char            *meow_task_get_upload_url (const MeowTask *task);
guint                  meow_task_get_prepare_retries (const MeowTask *task);

gboolean meow_task_has_retries (const MeowTask *task);
gboolean meow_task_has_prepare_retries (const MeowTask *task);

gboolean meow_download_target_is_complete (const char *target, gint64 size, gint64 not_before_us);
gboolean meow_download_part_is_from_other_url (const char *target, const char *url);

GType            meow_task_builder_get_type (void) G_GNUC_CONST;
MeowTaskBuilder *meow_task_builder_new_download (const char *url);
MeowTaskBuilder *meow_task_builder_new_upload_file (const char *url, const char *path);
MeowTaskBuilder      *
meow_task_builder_new_upload_bytes (const char *url, GBytes *bytes, const char *name);
void meow_task_builder_free (MeowTaskBuilder *builder);
void meow_task_builder_set_chunk_size (MeowTaskBuilder *builder, gint64 bytes);
void meow_task_builder_set_category (MeowTaskBuilder *builder, const char *category);
void meow_task_builder_set_upload_protocol (MeowTaskBuilder *builder, MeowUploadProtocolKind kind);
void meow_task_builder_set_upload_url (MeowTaskBuilder *builder, const char *upload_url);
void meow_task_builder_set_prepare_retries (MeowTaskBuilder *builder, guint retries);
void meow_task_builder_set_output_file (MeowTaskBuilder *builder, const char *path);
void meow_task_builder_set_output_dir (MeowTaskBuilder *builder, const char *dir);
void meow_task_builder_set_name (MeowTaskBuilder *builder, const char *name);
void meow_task_builder_set_id (MeowTaskBuilder *builder, const char *id);
void meow_task_builder_set_method (MeowTaskBuilder *builder, const char *method);
void meow_task_builder_add_header (MeowTaskBuilder *builder, const char *name, const char *value);
void meow_task_builder_set_retries (MeowTaskBuilder *builder, guint retries);
void meow_task_builder_set_retry_policy (MeowTaskBuilder *builder, MeowRetryPolicy policy);
void meow_task_builder_set_speed_limit (MeowTaskBuilder *builder, guint64 bytes_per_second);
void
meow_task_builder_set_checksum (MeowTaskBuilder *builder, MeowChecksumType type, const char *hex);
void      meow_task_builder_set_overwrite (MeowTaskBuilder *builder, gboolean overwrite);
void      meow_task_builder_set_keep_partial (MeowTaskBuilder *builder, gboolean keep);
void      meow_task_builder_set_size_hint (MeowTaskBuilder *builder, gint64 size);
void      meow_task_builder_set_segments (MeowTaskBuilder *builder, guint segments);
void      meow_task_builder_set_relink (MeowTaskBuilder *builder, MeowRelink relink);
void      meow_task_builder_set_credentials (MeowTaskBuilder *builder,
                                             const char      *user,
                                             const char      *password);
void      meow_task_builder_set_netrc (MeowTaskBuilder *builder, gboolean netrc, const char *file);
MeowTask *meow_task_builder_build (MeowTaskBuilder *builder, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MeowTask, meow_task_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (MeowTaskBuilder, meow_task_builder_free)

G_END_DECLS
