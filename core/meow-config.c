/* meow-config.c: settings a MeowClient is created from
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "meow-config-private.h"
#include "meow-error.h"

G_DEFINE_BOXED_TYPE (MeowConfig, meow_config, meow_config_copy, meow_config_free)

/**
 * meow_config_new:
 *
 * Creates settings with the defaults: 2 concurrent downloads and uploads
 * (rusty-cat's), a command queue of 128, 3 retries with a 200 ms base
 * delay capped at 5 s (60 s for failures of the network), counted for
 * every failure (%MEOW_RETRY_POLICY_COUNTED), a 15 s connect timeout, a 30 s stall timeout, no
 * total-request timeout, progress every 100 ms, no speed limits.
 *
 * Returns: (transfer full): new settings. Any thread.
 */
MeowConfig *
meow_config_new (void)
{
  MeowConfig *config = g_new0 (MeowConfig, 1);

  config->max_downloads = 2;
  config->max_uploads = 2;
  config->command_queue_capacity = 128;
  config->connect_timeout_ms = 15000;
  config->stall_timeout_ms = 30000;
  config->retries = 3;
  config->retry_base_delay_ms = 200;
  config->retry_max_delay_ms = 5000;
  config->progress_interval_ms = 100;
  config->max_redirects = 10;
  config->max_segments = MEOW_DEFAULT_SEGMENTS;
  config->min_segment_size = 4 * 1024 * 1024;
  config->user_agent = g_strdup ("Meow/" PACKAGE_VERSION);
  config->host_not_found_window_ms = 120000;

  return config;
}

void
_meow_config_set_host_not_found_window (MeowConfig *config, guint ms)
{
  g_return_if_fail (config != NULL);
  config->host_not_found_window_ms = MAX (1, ms);
}

/**
 * meow_config_copy:
 * @config: settings
 *
 * Returns: (transfer full): a deep copy of @config. Any thread.
 */
MeowConfig *
meow_config_copy (const MeowConfig *config)
{
  MeowConfig *copy;

  g_return_val_if_fail (config != NULL, NULL);

  copy = g_memdup2 (config, sizeof *config);
  copy->user_agent = g_strdup (config->user_agent);
  copy->ca_file = g_strdup (config->ca_file);

  return copy;
}

/**
 * meow_config_free:
 * @config: (transfer full) (nullable): settings
 *
 * Frees @config. Any thread.
 */
void
meow_config_free (MeowConfig *config)
{
  if (config == NULL)
    return;

  g_free (config->user_agent);
  g_free (config->ca_file);
  g_free (config);
}

#define DEFINE_UINT_FIELD(field, type)                                                             \
  void meow_config_set_##field (MeowConfig *config, type value)                                    \
  {                                                                                                \
    g_return_if_fail (config != NULL);                                                             \
    config->field = value;                                                                         \
  }                                                                                                \
  type meow_config_get_##field (const MeowConfig *config)                                          \
  {                                                                                                \
    g_return_val_if_fail (config != NULL, 0);                                                      \
    return config->field;                                                                          \
  }

/* Setters and getters: plain field access, no validation (that happens
 * in meow_config_validate() and meow_client_new()). Any thread, but one
 * thread at a time. */
DEFINE_UINT_FIELD (max_downloads, guint)
DEFINE_UINT_FIELD (max_uploads, guint)
DEFINE_UINT_FIELD (command_queue_capacity, guint)
DEFINE_UINT_FIELD (connect_timeout_ms, guint)
DEFINE_UINT_FIELD (stall_timeout_ms, guint)
DEFINE_UINT_FIELD (retries, guint)
DEFINE_UINT_FIELD (retry_base_delay_ms, guint)
DEFINE_UINT_FIELD (retry_max_delay_ms, guint)
DEFINE_UINT_FIELD (progress_interval_ms, guint)
DEFINE_UINT_FIELD (max_redirects, guint)
/* meow_config_set_max_segments: connections per download (a segmented
 * download splits a large file whose server accepts ranges into up to @n
 * byte ranges fetched at once; 1 = never split). Default %MEOW_DEFAULT_SEGMENTS. */
DEFINE_UINT_FIELD (max_segments, guint)
/* meow_config_set_min_segment_size: a download is split only into segments
 * of at least this many bytes (default 8 MiB). */
DEFINE_UINT_FIELD (min_segment_size, guint64)
DEFINE_UINT_FIELD (download_limit, guint64)
DEFINE_UINT_FIELD (upload_limit, guint64)

/**
 * meow_config_set_retry_policy:
 * @config: settings
 * @policy: how failures count against the retries
 *
 * With %MEOW_RETRY_POLICY_UNLIMITED_TRANSPORT, a transfer whose network
 * fails (connection refused or reset, DNS, a cut TLS handshake, a stall)
 * tries again for as long as it takes, waiting up to 60 s between tries;
 * the retries of meow_config_set_retries() then count only the server's
 * answers worth another try (408, 429, 5xx). The default is
 * %MEOW_RETRY_POLICY_COUNTED. A task's own policy
 * (meow_task_builder_set_retry_policy()) wins. Any thread, one at a time.
 */
void
meow_config_set_retry_policy (MeowConfig *config, MeowRetryPolicy policy)
{
  g_return_if_fail (config != NULL);
  config->retry_policy = policy;
}

/**
 * meow_config_get_retry_policy:
 * @config: settings
 *
 * Returns: how failures count against the retries. Any thread.
 */
MeowRetryPolicy
meow_config_get_retry_policy (const MeowConfig *config)
{
  g_return_val_if_fail (config != NULL, MEOW_RETRY_POLICY_COUNTED);
  return config->retry_policy;
}

/**
 * meow_config_set_user_agent:
 * @config: settings
 * @user_agent: (nullable): the User-Agent header, or %NULL for the default
 */
void
meow_config_set_user_agent (MeowConfig *config, const char *user_agent)
{
  g_return_if_fail (config != NULL);

  g_free (config->user_agent);
  config->user_agent = g_strdup (user_agent ? user_agent : "Meow/" PACKAGE_VERSION);
}

/**
 * meow_config_get_user_agent:
 *
 * Returns: (transfer none): the User-Agent.
 */
const char *
meow_config_get_user_agent (const MeowConfig *config)
{
  g_return_val_if_fail (config != NULL, NULL);
  return config->user_agent;
}

/**
 * meow_config_set_ca_file:
 * @config: settings
 * @path: (nullable): a PEM file of trusted certificate authorities used in
 *   place of the system store (for self-signed servers), or %NULL for the system store
 */
void
meow_config_set_ca_file (MeowConfig *config, const char *path)
{
  g_return_if_fail (config != NULL);

  g_free (config->ca_file);
  config->ca_file = g_strdup (path);
}

/**
 * meow_config_get_ca_file:
 *
 * Returns: (transfer none) (nullable): the CA file.
 */
const char *
meow_config_get_ca_file (const MeowConfig *config)
{
  g_return_val_if_fail (config != NULL, NULL);
  return config->ca_file;
}

/**
 * meow_config_validate:
 * @config: settings
 * @error: return location for a %MEOW_ERROR_PARAMETER_INVALID error
 *
 * Checks that @config describes a client that can run: a command queue
 * that holds at least one command and at least one transfer per direction.
 *
 * Returns: %TRUE when valid. Any thread.
 */
gboolean
meow_config_validate (const MeowConfig *config, GError **error)
{
  g_return_val_if_fail (config != NULL, FALSE);

  if (config->command_queue_capacity == 0)
    {
      g_set_error_literal (error, MEOW_ERROR, MEOW_ERROR_PARAMETER_INVALID,
                           "The command queue capacity must be at least 1.");
      return FALSE;
    }
  if (config->max_downloads == 0 || config->max_uploads == 0)
    {
      g_set_error_literal (error, MEOW_ERROR, MEOW_ERROR_PARAMETER_INVALID,
                           "At least one download and one upload must be allowed at a time.");
      return FALSE;
    }
  if (config->max_downloads > 64 || config->max_uploads > 64)
    {
      g_set_error_literal (error, MEOW_ERROR, MEOW_ERROR_PARAMETER_INVALID,
                           "At most 64 transfers per direction may run at a time.");
      return FALSE;
    }
  if (config->max_segments == 0 || config->max_segments > 16)
    {
      g_set_error (error, MEOW_ERROR, MEOW_ERROR_PARAMETER_INVALID,
                   "Downloads may use 1 to 16 connections, not %u.", config->max_segments);
      return FALSE;
    }
  if (config->min_segment_size < 64 * 1024)
    {
      g_set_error_literal (error, MEOW_ERROR, MEOW_ERROR_PARAMETER_INVALID,
                           "A download segment must be at least 64 KiB.");
      return FALSE;
    }
  if (config->progress_interval_ms == 0)
    {
      g_set_error_literal (error, MEOW_ERROR, MEOW_ERROR_PARAMETER_INVALID,
                           "The progress interval must be at least 1 ms.");
      return FALSE;
    }
  if (config->retry_policy != MEOW_RETRY_POLICY_COUNTED &&
      config->retry_policy != MEOW_RETRY_POLICY_UNLIMITED_TRANSPORT)
    {
      g_set_error (error, MEOW_ERROR, MEOW_ERROR_PARAMETER_INVALID,
                   "The retry policy %d is not one of MeowRetryPolicy.",
                   (int) config->retry_policy);
      return FALSE;
    }
  if (config->retry_max_delay_ms < config->retry_base_delay_ms)
    {
      g_set_error_literal (error, MEOW_ERROR, MEOW_ERROR_PARAMETER_INVALID,
                           "The maximum retry delay is shorter than the base retry delay.");
      return FALSE;
    }

  return TRUE;
}
