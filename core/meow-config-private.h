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
};

G_END_DECLS
