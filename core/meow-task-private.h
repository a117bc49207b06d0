/* meow-task-private.h
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "meow-task.h"

G_BEGIN_DECLS

struct _MeowTask
{
  gatomicrefcount  ref_count;
  MeowDirection    direction;
  char            *id;
  char            *url;
  char            *redacted_url;
  char            *name;
  char            *output_file; /* absolute, or NULL */
  char            *output_dir;  /* absolute, or NULL */
  char            *method;
  GStrv            headers; /* "Name: value" */
  guint            retries;
  gboolean         retries_set;
  MeowRetryPolicy  retry_policy;
  gboolean         retry_policy_set;
  guint64          speed_limit;
  MeowChecksumType checksum_type;
  char            *checksum_hex; /* lower-case */
  gboolean         overwrite;
  gboolean         keep_partial;
  gint64           size_hint;
  guint            segments; /* download connections, 0 = the client's */
  MeowRelink       relink;   /* a .part of another URL: start over or verify */
  /* A login for the server's 401 (CURLOPT_USERNAME/PASSWORD with any
   * scheme libcurl has); the password is zeroed when the task is freed and
   * never logged, stored or put in a record. NULL: none. */
  char *user;
  char *password;
  /* Logins from a netrc file (libcurl's CURLOPT_NETRC) when there is no
   * user: @netrc_file, or ~/.netrc when NULL. */
  gboolean netrc;
  char    *netrc_file;

  /* Uploads. */
  char                  *source_file;  /* absolute, or NULL */
  GBytes                *source_bytes; /* or NULL */
  gint64                 chunk_size;   /* > 0 after build */
  char                  *category;
  MeowUploadProtocolKind protocol;
  char                  *upload_url; /* tus resource to resume, or NULL */
  guint                  prepare_retries;
  gboolean               prepare_retries_set;
};

/* A copy of @task with the login @user and @password (NULL for none) and
 * everything else the same, the id included (meow_client_set_credentials()).
 * Any thread. Returns: (transfer full). */
MeowTask *
_meow_task_dup_with_credentials (const MeowTask *task, const char *user, const char *password);

/* Zeroes @secret's bytes and frees it (NULL is fine): for passwords, so
 * that a freed one does not stay in the heap. Any thread. */
void _meow_secret_free (char *secret);

/* A download's partial file and its control file are named after its target:
 * TARGET.part, TARGET.part.meow (the engine writes them;
 * meow_download_target_is_complete() looks for them). */
#define MEOW_PART_SUFFIX ".part"
#define MEOW_CONTROL_SUFFIX ".part.meow"

/* Default bytes per upload chunk request. */
#define MEOW_DEFAULT_CHUNK_SIZE (1024 * 1024)

G_END_DECLS
