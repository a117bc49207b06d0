/* meow-config-private.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "meow-config.h"

G_BEGIN_DECLS

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
  guint64 download_limit;
  guint64 upload_limit;
  char   *user_agent;
  char   *ca_file;
};

G_END_DECLS
