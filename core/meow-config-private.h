/* meow-config-private.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "meow-config.h"
#include "meow-types.h"

G_BEGIN_DECLS

/* Connections per download unless configured (chosen by bench/download and
 * bench/throttled, see bench/README.md). */
#define MEOW_DEFAULT_SEGMENTS 4

struct _MeowConfig
{
  guint   max_downloads;
  guint   max_uploads;
  guint   command_queue_capacity;
  guint   connect_timeout_ms;
  guint   stall_timeout_ms;
  guint   retries;
  guint   retry_base_delay_ms;
  guint   retry_max_delay_ms;
  guint   progress_interval_ms;
  guint   max_redirects;
  guint   max_segments;     /* connections per download, >= 1 */
  guint64 min_segment_size; /* no segment is smaller */
  guint64 download_limit;
  guint64 upload_limit;
  char   *user_agent;
  char   *ca_file;

  MeowRetryPolicy retry_policy;
  /* A host name that is not found while the network is up is tried
   * MEOW_HOST_NOT_FOUND_TRIES times over about this long, then the task
   * fails (120 s; tests make it shorter). */
  guint host_not_found_window_ms;
};

/* Tries of a host name that is not found before the task fails. */
#define MEOW_HOST_NOT_FOUND_TRIES 5

/* Test hook: the window of host-not-found tries (see above). Any thread,
 * before the client is made. */
void _meow_config_set_host_not_found_window (MeowConfig *config, guint ms);

G_END_DECLS
