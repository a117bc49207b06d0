/* meow-config.h: settings a MeowClient is created from
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib-object.h>

#include "meow-visibility.h"

#include "meow-types.h"

G_BEGIN_DECLS

#define MEOW_TYPE_CONFIG (meow_config_get_type ())

/**
 * MeowConfig:
 *
 * Settings for a #MeowClient. A plain mutable value: create it, set what you
 * need, pass it to meow_client_new(), which validates it and keeps a copy.
 * Not thread-safe; use it from one thread.
 */
typedef struct _MeowConfig MeowConfig;

MEOW_AVAILABLE_IN_ALL
GType meow_config_get_type (void) G_GNUC_CONST;
MEOW_AVAILABLE_IN_ALL
MeowConfig *meow_config_new (void);
MEOW_AVAILABLE_IN_ALL
MeowConfig *meow_config_copy (const MeowConfig *config);
MEOW_AVAILABLE_IN_ALL
void meow_config_free (MeowConfig *config);

MEOW_AVAILABLE_IN_ALL
void meow_config_set_max_downloads (MeowConfig *config, guint n);
MEOW_AVAILABLE_IN_ALL
guint meow_config_get_max_downloads (const MeowConfig *config);
MEOW_AVAILABLE_IN_ALL
void meow_config_set_max_uploads (MeowConfig *config, guint n);
MEOW_AVAILABLE_IN_ALL
guint meow_config_get_max_uploads (const MeowConfig *config);
MEOW_AVAILABLE_IN_ALL
void meow_config_set_command_queue_capacity (MeowConfig *config, guint capacity);
MEOW_AVAILABLE_IN_ALL
guint meow_config_get_command_queue_capacity (const MeowConfig *config);
MEOW_AVAILABLE_IN_ALL
void meow_config_set_connect_timeout_ms (MeowConfig *config, guint ms);
MEOW_AVAILABLE_IN_ALL
guint meow_config_get_connect_timeout_ms (const MeowConfig *config);
MEOW_AVAILABLE_IN_ALL
void meow_config_set_stall_timeout_ms (MeowConfig *config, guint ms);
MEOW_AVAILABLE_IN_ALL
guint meow_config_get_stall_timeout_ms (const MeowConfig *config);
MEOW_AVAILABLE_IN_ALL
void meow_config_set_retries (MeowConfig *config, guint retries);
MEOW_AVAILABLE_IN_ALL
guint meow_config_get_retries (const MeowConfig *config);
MEOW_AVAILABLE_IN_ALL
void meow_config_set_retry_base_delay_ms (MeowConfig *config, guint ms);
MEOW_AVAILABLE_IN_ALL
guint meow_config_get_retry_base_delay_ms (const MeowConfig *config);
MEOW_AVAILABLE_IN_ALL
void meow_config_set_retry_max_delay_ms (MeowConfig *config, guint ms);
MEOW_AVAILABLE_IN_ALL
guint meow_config_get_retry_max_delay_ms (const MeowConfig *config);
MEOW_AVAILABLE_IN_ALL
void meow_config_set_progress_interval_ms (MeowConfig *config, guint ms);
MEOW_AVAILABLE_IN_ALL
guint meow_config_get_progress_interval_ms (const MeowConfig *config);
MEOW_AVAILABLE_IN_ALL
void meow_config_set_download_limit (MeowConfig *config, guint64 bytes_per_second);
MEOW_AVAILABLE_IN_ALL
guint64 meow_config_get_download_limit (const MeowConfig *config);
MEOW_AVAILABLE_IN_ALL
void meow_config_set_upload_limit (MeowConfig *config, guint64 bytes_per_second);
MEOW_AVAILABLE_IN_ALL
guint64 meow_config_get_upload_limit (const MeowConfig *config);
MEOW_AVAILABLE_IN_ALL
void meow_config_set_user_agent (MeowConfig *config, const char *user_agent);
MEOW_AVAILABLE_IN_ALL
const char *meow_config_get_user_agent (const MeowConfig *config);
MEOW_AVAILABLE_IN_ALL
void meow_config_set_ca_file (MeowConfig *config, const char *path);
MEOW_AVAILABLE_IN_ALL
const char *meow_config_get_ca_file (const MeowConfig *config);
MEOW_AVAILABLE_IN_ALL
void meow_config_set_max_redirects (MeowConfig *config, guint n);
MEOW_AVAILABLE_IN_ALL
guint meow_config_get_max_redirects (const MeowConfig *config);
MEOW_AVAILABLE_IN_ALL
void meow_config_set_max_segments (MeowConfig *config, guint n);
MEOW_AVAILABLE_IN_ALL
guint meow_config_get_max_segments (const MeowConfig *config);
MEOW_AVAILABLE_IN_ALL
void meow_config_set_min_segment_size (MeowConfig *config, guint64 bytes);
MEOW_AVAILABLE_IN_ALL
guint64 meow_config_get_min_segment_size (const MeowConfig *config);

MEOW_AVAILABLE_IN_ALL
void meow_config_set_retry_policy (MeowConfig *config, MeowRetryPolicy policy);
MEOW_AVAILABLE_IN_ALL
MeowRetryPolicy meow_config_get_retry_policy (const MeowConfig *config);

MEOW_AVAILABLE_IN_ALL
gboolean meow_config_validate (const MeowConfig *config, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MeowConfig, meow_config_free)

G_END_DECLS
