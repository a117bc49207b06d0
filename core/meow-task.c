/* meow-task.c: immutable transfer requests and their builder
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <errno.h>
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>

#include "meow-error.h"
#include "meow-http-private.h"
#include "meow-i18n-private.h"
#include "meow-task-private.h"

/* Longest header value we let a caller send: curl and most servers refuse
 * header lines over 8 KiB anyway, and this gives a clear error instead. */
#define MAX_HEADER_BYTES 8192

struct _MeowTaskBuilder
{
  MeowTask *task;
};

G_DEFINE_BOXED_TYPE (MeowTask, meow_task, meow_task_ref, meow_task_unref)
G_DEFINE_BOXED_TYPE (MeowTaskBuilder,
                     meow_task_builder,
                     meow_task_builder_copy,
                     meow_task_builder_free)

/* A new task (reference count 1) with @task's fields, each owned string, string vector
 * and the source bytes copied (or referenced): for meow_task_dup_with_url() and a
 * builder's copy, whose draft is a MeowTask too. */
static MeowTask *
task_dup (const MeowTask *task)
{
  MeowTask *copy = g_new0 (MeowTask, 1);

  *copy = *task;
  g_atomic_ref_count_init (&copy->ref_count);
  copy->id = g_strdup (task->id);
  copy->url = g_strdup (task->url);
  copy->redacted_url = g_strdup (task->redacted_url);
  copy->name = g_strdup (task->name);
  copy->output_file = g_strdup (task->output_file);
  copy->output_dir = g_strdup (task->output_dir);
  copy->method = g_strdup (task->method);
  copy->headers = g_strdupv (task->headers);
  copy->checksum_hex = g_strdup (task->checksum_hex);
  copy->source_file = g_strdup (task->source_file);
  copy->source_bytes = task->source_bytes ? g_bytes_ref (task->source_bytes) : NULL;
  copy->category = g_strdup (task->category);
  copy->upload_url = g_strdup (task->upload_url);
  copy->user = g_strdup (task->user);
  copy->password = g_strdup (task->password);
  copy->netrc_file = g_strdup (task->netrc_file);
  copy->tag = g_strdup (task->tag);
  if (task->protocol_impl)
    g_object_ref (task->protocol_impl);
  if (task->request_hook)
    _meow_request_hook_ref (task->request_hook);
  return copy;
}

/**
 * meow_task_ref:
 * @task: a task
 *
 * Takes a reference to @task.
 *
 * Returns: (transfer full): @task. Any thread.
 */
MeowTask *
meow_task_ref (MeowTask *task)
{
  g_return_val_if_fail (task != NULL, NULL);
  g_atomic_ref_count_inc (&task->ref_count);
  return task;
}

static void
meow_task_free (MeowTask *task)
{
  g_free (task->id);
  g_free (task->url);
  g_free (task->redacted_url);
  g_free (task->name);
  g_free (task->output_file);
  g_free (task->output_dir);
  g_free (task->method);
  g_strfreev (task->headers);
  g_free (task->checksum_hex);
  g_free (task->source_file);
  g_clear_pointer (&task->source_bytes, g_bytes_unref);
  g_free (task->category);
  g_free (task->upload_url);
  g_free (task->user);
  _meow_secret_free (task->password);
  g_free (task->netrc_file);
  g_free (task->tag);
  g_clear_object (&task->protocol_impl);
  g_clear_pointer (&task->request_hook, _meow_request_hook_unref);
  g_free (task);
}

void
_meow_secret_free (char *secret)
{
  if (secret == NULL)
    return;
  explicit_bzero (secret, strlen (secret));
  g_free (secret);
}

/**
 * meow_task_unref:
 * @task: (transfer full): a task
 *
 * Drops a reference. Any thread.
 */
void
meow_task_unref (MeowTask *task)
{
  g_return_if_fail (task != NULL);
  if (g_atomic_ref_count_dec (&task->ref_count))
    meow_task_free (task);
}

/* Getters: borrowed values that live as long as @task. Any thread. */

/**
 * meow_task_get_direction:
 * @task: a task
 *
 * Any thread (a task is immutable).
 *
 * Returns: the direction.
 */
MeowDirection
meow_task_get_direction (const MeowTask *task)
{
  return task->direction;
}

/**
 * meow_task_get_url:
 * @task: a task
 *
 * Any thread (a task is immutable).
 *
 * Returns: (transfer none): the URL, credentials included.
 */
const char *
meow_task_get_url (const MeowTask *task)
{
  return task->url;
}

/**
 * meow_task_get_id:
 * @task: a task
 *
 * Any thread (a task is immutable).
 *
 * Returns: (transfer none): the id (a UUID).
 */
const char *
meow_task_get_id (const MeowTask *task)
{
  return task->id;
}

/**
 * meow_task_get_name:
 * @task: a task
 *
 * Any thread (a task is immutable).
 *
 * Returns: (transfer none) (nullable): the display name.
 */
const char *
meow_task_get_name (const MeowTask *task)
{
  return task->name;
}

/**
 * meow_task_get_output_file:
 * @task: a task
 *
 * Any thread (a task is immutable).
 *
 * Returns: (transfer none) (nullable): the target path.
 */
const char *
meow_task_get_output_file (const MeowTask *task)
{
  return task->output_file;
}

/**
 * meow_task_get_output_dir:
 * @task: a task
 *
 * Any thread (a task is immutable).
 *
 * Returns: (transfer none) (nullable): the target folder.
 */
const char *
meow_task_get_output_dir (const MeowTask *task)
{
  return task->output_dir;
}

/**
 * meow_task_get_method:
 * @task: a task
 *
 * Any thread (a task is immutable).
 *
 * Returns: (transfer none): the HTTP method.
 */
const char *
meow_task_get_method (const MeowTask *task)
{
  return task->method;
}

/**
 * meow_task_get_headers:
 * @task: a task
 *
 * Any thread (a task is immutable).
 *
 * Returns: (transfer none): "Name: value" strings.
 */
const char *const *
meow_task_get_headers (const MeowTask *task)
{
  return (const char *const *) task->headers;
}

/**
 * meow_task_get_retry_policy:
 * @task: a task
 * @is_set: (out) (optional): whether the task has its own policy (else the
 *   client's applies)
 *
 * The task's retry policy.
 *
 * Returns: the task's retry policy. Any thread.
 */
MeowRetryPolicy
meow_task_get_retry_policy (const MeowTask *task, gboolean *is_set)
{
  g_return_val_if_fail (task != NULL, MEOW_RETRY_POLICY_COUNTED);
  if (is_set)
    *is_set = task->retry_policy_set;
  return task->retry_policy;
}

/**
 * meow_task_get_retries:
 * @task: a task
 *
 * Any thread (a task is immutable).
 *
 * Returns: retries after the first attempt.
 */
guint
meow_task_get_retries (const MeowTask *task)
{
  return task->retries;
}

/**
 * meow_task_get_speed_limit:
 * @task: a task
 *
 * Any thread (a task is immutable).
 *
 * Returns: bytes per second, 0 for none.
 */
guint64
meow_task_get_speed_limit (const MeowTask *task)
{
  return task->speed_limit;
}

/**
 * meow_task_get_checksum:
 * @task: a task
 * @hex: (out) (optional) (transfer none): the expected digest in lower-case hex
 *
 * The checksum type, %MEOW_CHECKSUM_NONE when none was set. Any thread (a task is immutable).
 *
 * Returns: the checksum type, %MEOW_CHECKSUM_NONE when none was set.
 */
MeowChecksumType
meow_task_get_checksum (const MeowTask *task, const char **hex)
{
  if (hex)
    *hex = task->checksum_hex;
  return task->checksum_type;
}

/**
 * meow_task_get_overwrite:
 * @task: a task
 *
 * Any thread (a task is immutable).
 *
 * Returns: whether an existing target may be replaced.
 */
gboolean
meow_task_get_overwrite (const MeowTask *task)
{
  return task->overwrite;
}

/**
 * meow_task_get_keep_partial:
 * @task: a task
 *
 * Any thread (a task is immutable).
 *
 * Returns: whether cancel keeps the partial file.
 */
gboolean
meow_task_get_keep_partial (const MeowTask *task)
{
  return task->keep_partial;
}

/**
 * meow_task_get_size_hint:
 * @task: a task
 *
 * Any thread (a task is immutable).
 *
 * Returns: the expected size, -1 when unknown.
 */
gint64
meow_task_get_size_hint (const MeowTask *task)
{
  return task->size_hint;
}

/**
 * meow_task_get_segments:
 * @task: a task
 *
 * Any thread (a task is immutable).
 *
 * Returns: connections for a download, 0 for the client's setting.
 */
guint
meow_task_get_segments (const MeowTask *task)
{
  return task->segments;
}

/**
 * meow_task_get_relink:
 * @task: a task
 *
 * What the download does with a `.part` of another URL (meow_task_builder_set_relink()).
 *
 * Returns: what the download does with a `.part` of another URL
 *   (meow_task_builder_set_relink()). Any thread.
 */
MeowRelink
meow_task_get_relink (const MeowTask *task)
{
  return task->relink;
}

/**
 * meow_task_dup_redacted_url:
 * @task: a task
 *
 * The URL with any password replaced, for display and logs.
 *
 * Returns: (transfer full): the URL with any password replaced, for display
 *   and logs. Any thread.
 */
char *
meow_task_dup_redacted_url (const MeowTask *task)
{
  return g_strdup (task->redacted_url);
}

/**
 * meow_task_get_source_file:
 * @task: a task
 *
 * Any thread (a task is immutable).
 *
 * Returns: (transfer none) (nullable): an upload's source file.
 */
const char *
meow_task_get_source_file (const MeowTask *task)
{
  return task->source_file;
}

/**
 * meow_task_get_source_bytes:
 * @task: a task
 *
 * Any thread (a task is immutable).
 *
 * Returns: (transfer none) (nullable): an upload's bytes.
 */
GBytes *
meow_task_get_source_bytes (const MeowTask *task)
{
  return task->source_bytes;
}

/**
 * meow_task_get_chunk_size:
 * @task: a task
 *
 * Any thread (a task is immutable).
 *
 * Returns: bytes per upload chunk request.
 */
gint64
meow_task_get_chunk_size (const MeowTask *task)
{
  return task->chunk_size;
}

/**
 * meow_task_get_tag:
 * @task: a task
 *
 * The task's opaque tag (meow_task_builder_set_tag()). Any thread (a task
 * is immutable).
 *
 * Returns: (transfer none) (nullable): the tag, or %NULL when none was set.
 */
const char *
meow_task_get_tag (const MeowTask *task)
{
  g_return_val_if_fail (task != NULL, NULL);
  return task->tag;
}

/**
 * meow_task_get_category:
 * @task: a task
 *
 * Any thread (a task is immutable).
 *
 * Returns: (transfer none) (nullable): the upload category.
 */
const char *
meow_task_get_category (const MeowTask *task)
{
  return task->category;
}

/**
 * meow_task_get_upload_protocol:
 * @task: a task
 *
 * Any thread (a task is immutable).
 *
 * Returns: the upload protocol.
 */
MeowUploadProtocolKind
meow_task_get_upload_protocol (const MeowTask *task)
{
  return task->protocol;
}

/**
 * meow_task_get_upload_url:
 * @task: a task
 *
 * The resume data this upload starts from (tus: its upload resource), as set
 * with meow_task_builder_set_upload_url(). Any thread (a task is immutable).
 *
 * Returns: (transfer none) (nullable): the resume data, as set with
 *   meow_task_builder_set_upload_url().
 */
const char *
meow_task_get_upload_url (const MeowTask *task)
{
  return task->upload_url;
}

/**
 * meow_task_get_prepare_retries:
 * @task: a task
 *
 * Any thread (a task is immutable).
 *
 * Returns: retries of an upload's prepare request.
 */
guint
meow_task_get_prepare_retries (const MeowTask *task)
{
  return task->prepare_retries;
}

/**
 * meow_task_has_retries:
 * @task: a task
 *
 * Whether the task's retries were set with meow_task_builder_set_retries(), as opposed
 * to left to the client's default (meow_task_get_retries() cannot tell an explicit 0
 * from "not set"). A rebuilt task sets them only when this is %TRUE.
 *
 * Returns: %TRUE when set explicitly. Any thread.
 */
gboolean
meow_task_has_retries (const MeowTask *task)
{
  g_return_val_if_fail (task != NULL, FALSE);
  return task->retries_set;
}

/**
 * meow_task_has_prepare_retries:
 * @task: a task
 *
 * Whether an upload's prepare retries were set with
 * meow_task_builder_set_prepare_retries() rather than left to the client's default.
 *
 * Returns: %TRUE when set explicitly. Any thread.
 */
gboolean
meow_task_has_prepare_retries (const MeowTask *task)
{
  g_return_val_if_fail (task != NULL, FALSE);
  return task->prepare_retries_set;
}

/**
 * meow_download_target_is_complete:
 * @target: (type filename): the target file a download's records reported
 *   (meow_transfer_record_get_local_path())
 * @size: the download's total size in bytes, as its records reported it
 * @not_before_us: when the download was added, g_get_real_time() microseconds
 *
 * Whether a download to @target finished on disk: the engine renamed its partial file
 * into place. %TRUE when @target is a regular file (not a symbolic link) of exactly
 * @size bytes, last modified no earlier than @not_before_us (a second of slack for file
 * systems with coarse times), and neither the engine's partial file nor its control file
 * for @target exists. %FALSE for anything else, a negative @size included.
 *
 * For an app that lost the Complete record (a kill between the rename and its record)
 * and must not download the file again under another name. The names of the partial
 * files stay the engine's business.
 *
 * Looks at the file system (a few lstat() calls), nothing else. Any thread.
 *
 * Returns: whether @target is the finished download.
 */
gboolean
meow_download_target_is_complete (const char *target, gint64 size, gint64 not_before_us)
{
  g_autofree char *part = NULL;
  g_autofree char *ctl = NULL;
  GStatBuf         buf;
  gint64           mtime_us;

  g_return_val_if_fail (target != NULL, FALSE);

  if (size < 0)
    return FALSE;
  part = g_strconcat (target, MEOW_PART_SUFFIX, NULL);
  ctl = g_strconcat (target, MEOW_CONTROL_SUFFIX, NULL);
  if (g_lstat (part, &buf) == 0 || g_lstat (ctl, &buf) == 0)
    return FALSE;
  if (g_lstat (target, &buf) != 0 || !S_ISREG (buf.st_mode) ||
      (guint64) buf.st_size != (guint64) size)
    return FALSE;

  /* Written after the task was added: not an older file of that name that an
   * overwriting task had not replaced. */
  mtime_us = (gint64) buf.st_mtime * G_USEC_PER_SEC;
  return mtime_us + G_USEC_PER_SEC >= not_before_us;
}

/**
 * meow_task_builder_new_download:
 * @url: an http:// or https:// URL
 *
 * Starts describing a download. Nothing is checked until
 * meow_task_builder_build().
 *
 * Returns: (transfer full): a new builder. Any thread.
 */
MeowTaskBuilder *
meow_task_builder_new_download (const char *url)
{
  MeowTaskBuilder *builder = g_new0 (MeowTaskBuilder, 1);

  builder->task = g_new0 (MeowTask, 1);
  g_atomic_ref_count_init (&builder->task->ref_count);
  builder->task->direction = MEOW_DIRECTION_DOWNLOAD;
  builder->task->url = g_strdup (url ? url : "");
  builder->task->method = g_strdup ("GET");
  builder->task->headers = g_new0 (char *, 1);
  builder->task->size_hint = -1;

  return builder;
}

static MeowTaskBuilder *
builder_new_upload (const char *url)
{
  MeowTaskBuilder *builder = g_new0 (MeowTaskBuilder, 1);

  builder->task = g_new0 (MeowTask, 1);
  g_atomic_ref_count_init (&builder->task->ref_count);
  builder->task->direction = MEOW_DIRECTION_UPLOAD;
  builder->task->url = g_strdup (url ? url : "");
  builder->task->headers = g_new0 (char *, 1);
  builder->task->size_hint = -1;
  builder->task->protocol = MEOW_UPLOAD_PROTOCOL_MEOW;
  return builder;
}

/**
 * meow_task_builder_new_upload_file:
 * @url: an http:// or https:// URL (the protocol's endpoint: the chunk URL
 *   for %MEOW_UPLOAD_PROTOCOL_MEOW, the tus creation URL for
 *   %MEOW_UPLOAD_PROTOCOL_TUS)
 * @path: (type filename): the file to send
 *
 * Starts describing an upload of a local file with rusty-cat's protocol.
 * The file is read by the worker when the upload runs; its MD5 (the
 * upload's identity) is computed there too, never on the caller's thread.
 * If the file changes size or modification time while it is being sent,
 * the upload fails with %MEOW_ERROR_LOCAL_FILE_REMOVED.
 *
 * Returns: (transfer full): a new builder. Any thread.
 */
MeowTaskBuilder *
meow_task_builder_new_upload_file (const char *url, const char *path)
{
  MeowTaskBuilder *builder = builder_new_upload (url);

  builder->task->source_file = g_strdup (path ? path : "");
  return builder;
}

/**
 * meow_task_builder_new_upload_bytes:
 * @url: an http:// or https:// URL
 * @bytes: (transfer none): the content to send; referenced, not copied
 * @name: (nullable): the file name the server is told, default "data"
 *
 * Starts describing an upload of bytes in memory.
 *
 * Returns: (transfer full): a new builder. Any thread.
 */
MeowTaskBuilder *
meow_task_builder_new_upload_bytes (const char *url, GBytes *bytes, const char *name)
{
  MeowTaskBuilder *builder = builder_new_upload (url);

  builder->task->source_bytes = bytes ? g_bytes_ref (bytes) : NULL;
  builder->task->name = g_strdup (name ? name : "data");
  return builder;
}

/**
 * meow_task_builder_set_chunk_size:
 * @builder: a builder
 * @bytes: bytes per chunk request; 0 means the default: the rest of the
 *   source in one request for tus, 1 MiB for the meow protocol
 *
 * Upload only. A chunk is streamed from the source file: each block is
 * checked against the source's inode, size and modification time after it
 * is read and before it is sent, so the size costs no memory (G_MAXINT64
 * sends the rest of the source in one request).
 */
void
meow_task_builder_set_chunk_size (MeowTaskBuilder *builder, gint64 bytes)
{
  g_return_if_fail (builder != NULL);
  builder->task->chunk_size = bytes;
}

/**
 * meow_task_builder_set_tag:
 * @builder: a builder
 * @tag: (nullable): an opaque string of the caller's, or %NULL for none
 *
 * Gives the task an opaque tag (rusty-cat's `client_file_sign`): the
 * engine never reads it, sends it nowhere and stores it nowhere, and every
 * #MeowTransferRecord of the task carries it
 * (meow_transfer_record_get_tag()), so a listener can tell the caller's
 * tasks apart without a table of ids. @tag is copied. Not thread-safe: the
 * builder's thread.
 */
void
meow_task_builder_set_tag (MeowTaskBuilder *builder, const char *tag)
{
  g_return_if_fail (builder != NULL);
  g_free (builder->task->tag);
  builder->task->tag = g_strdup (tag);
}

/**
 * meow_task_builder_set_category:
 * @builder: a builder
 * @category: (nullable): sent as `category` (meow protocol)
 *
 * Sets the upload category, sent as the `category` field of the meow protocol; %NULL for none. Not
 * thread-safe: the builder's thread.
 */
void
meow_task_builder_set_category (MeowTaskBuilder *builder, const char *category)
{
  g_return_if_fail (builder != NULL);
  g_free (builder->task->category);
  builder->task->category = g_strdup (category);
}

/**
 * meow_task_builder_set_upload_protocol:
 * @builder: a builder
 * @kind: the protocol an upload speaks
 *
 * Sets the protocol the upload speaks (%MEOW_UPLOAD_PROTOCOL_MEOW by default). Not thread-safe: the
 * builder's thread.
 */
void
meow_task_builder_set_upload_protocol (MeowTaskBuilder *builder, MeowUploadProtocolKind kind)
{
  g_return_if_fail (builder != NULL);
  builder->task->protocol = kind;
}

/**
 * meow_task_builder_set_upload_protocol_impl:
 * @builder: a builder
 * @protocol: (nullable): the protocol the upload speaks, or %NULL for the one
 *   meow_task_builder_set_upload_protocol() names
 *
 * Makes the upload speak @protocol, an implementation of
 * #MeowUploadProtocol (meow_upload_protocol_new_tus(), or one of the
 * application's: see "Writing an upload protocol"); the builder and the
 * tasks it builds take a reference. The engine calls it on its worker
 * thread. A task list does not store the object: an owner that restores
 * such a task builds it again with the object. Not thread-safe: the
 * builder's thread.
 */
void
meow_task_builder_set_upload_protocol_impl (MeowTaskBuilder *builder, MeowUploadProtocol *protocol)
{
  g_return_if_fail (builder != NULL);
  g_return_if_fail (protocol == NULL || MEOW_IS_UPLOAD_PROTOCOL (protocol));
  g_set_object (&builder->task->protocol_impl, protocol);
}

/**
 * meow_task_builder_set_request_hook:
 * @builder: a builder
 * @hook: (nullable) (scope notified) (closure user_data) (destroy destroy): called
 *   for every request of the task, or %NULL for none
 * @user_data: data for @hook
 * @destroy: (nullable): frees @user_data when the builder and every task
 *   built from it are gone
 *
 * Lets @hook add or replace headers on every request of the task before it
 * goes out: a download's GET (or HEAD) and each segment's GET, every upload
 * request of any protocol, a tus termination; the place to sign requests
 * (rusty-cat's header merge). @hook runs on the engine's worker thread,
 * while tasks may be built and freed on others: @user_data must be safe to
 * use there. A request that follows a redirect keeps the headers the hook
 * gave the first. Replaces an earlier hook. Not thread-safe: the builder's
 * thread.
 */
void
meow_task_builder_set_request_hook (MeowTaskBuilder *builder,
                                    MeowRequestHook  hook,
                                    gpointer         user_data,
                                    GDestroyNotify   destroy)
{
  g_return_if_fail (builder != NULL);
  g_clear_pointer (&builder->task->request_hook, _meow_request_hook_unref);
  if (hook != NULL)
    builder->task->request_hook = _meow_request_hook_new (hook, user_data, destroy);
  else if (destroy != NULL)
    destroy (user_data);
}

/**
 * meow_task_builder_set_upload_url:
 * @builder: a builder
 * @upload_url: (nullable): the resume data of an upload started earlier for the
 *   same content, as reported by meow_transfer_record_get_upload_url(): a tus
 *   upload resource, or what the task's #MeowUploadProtocol stored
 *
 * Resumes that upload instead of starting a new one: tus goes on with the
 * resource (when the server no longer knows it, 404/410, a new one is
 * created); another protocol finds the string in
 * meow_upload_state_get_resume_data(). Without a protocol object
 * (meow_task_builder_set_upload_protocol_impl()) meow_task_builder_build()
 * checks it as a URL. Not thread-safe: the builder's thread.
 */
void
meow_task_builder_set_upload_url (MeowTaskBuilder *builder, const char *upload_url)
{
  g_return_if_fail (builder != NULL);
  g_free (builder->task->upload_url);
  builder->task->upload_url = g_strdup (upload_url);
}

/**
 * meow_task_builder_set_prepare_retries:
 * @builder: a builder
 * @retries: retries of the prepare request (creation or offset query) after
 *   the first attempt; without a call, the task's or the client's retries
 *
 * Sets retries of the prepare request (creation or offset query) after. Not thread-safe: the
 * builder's thread.
 */
void
meow_task_builder_set_prepare_retries (MeowTaskBuilder *builder, guint retries)
{
  g_return_if_fail (builder != NULL);
  builder->task->prepare_retries = retries;
  builder->task->prepare_retries_set = TRUE;
}

/**
 * meow_task_builder_copy:
 * @builder: a builder
 *
 * A new builder with everything @builder was given so far; the two then change
 * independently. For bindings (the boxed type's copy); C code rarely needs it. Any
 * thread (builders are not thread-safe: not while another thread changes @builder).
 *
 * Returns: (transfer full): the copy
 */
MeowTaskBuilder *
meow_task_builder_copy (const MeowTaskBuilder *builder)
{
  MeowTaskBuilder *copy;

  g_return_val_if_fail (builder != NULL, NULL);

  copy = g_new0 (MeowTaskBuilder, 1);
  copy->task = task_dup (builder->task);
  return copy;
}

/**
 * meow_task_builder_free:
 * @builder: (transfer full) (nullable): a builder
 *
 * Frees @builder (%NULL is ignored). Not thread-safe: the builder's thread.
 */
void
meow_task_builder_free (MeowTaskBuilder *builder)
{
  if (builder == NULL)
    return;
  g_clear_pointer (&builder->task, meow_task_unref);
  g_free (builder);
}

static void
replace_string (char **field, const char *value)
{
  g_free (*field);
  *field = g_strdup (value);
}

/**
 * meow_task_builder_set_output_file:
 * @builder: a builder
 * @path: (type filename): the exact target path
 *
 * Sets the exact file a download goes to (taken against the current folder when relative); it
 * replaces the output folder. Not thread-safe: the builder's thread.
 */
void
meow_task_builder_set_output_file (MeowTaskBuilder *builder, const char *path)
{
  g_return_if_fail (builder != NULL);
  replace_string (&builder->task->output_file, path);
}

/**
 * meow_task_builder_set_output_dir:
 * @builder: a builder
 * @dir: (type filename): the folder; the name comes from the server or URL
 *
 * Sets the folder a download goes to, under the name the server or the URL gives (the current
 * folder by default). Not thread-safe: the builder's thread.
 */
void
meow_task_builder_set_output_dir (MeowTaskBuilder *builder, const char *dir)
{
  g_return_if_fail (builder != NULL);
  replace_string (&builder->task->output_dir, dir);
}

/**
 * meow_task_builder_set_name:
 * @builder: a builder
 * @name: (nullable): the display name
 *
 * Sets the name records show for the task (by default the file's name). Not thread-safe: the
 * builder's thread.
 */
void
meow_task_builder_set_name (MeowTaskBuilder *builder, const char *name)
{
  g_return_if_fail (builder != NULL);
  replace_string (&builder->task->name, name);
}

/**
 * meow_task_builder_set_id:
 * @builder: a builder
 * @id: (nullable): a UUID to reuse (when restoring a saved task)
 *
 * Sets the task's id, for a saved task restored; by default meow_task_builder_build() makes a new
 * UUID. Not thread-safe: the builder's thread.
 */
void
meow_task_builder_set_id (MeowTaskBuilder *builder, const char *id)
{
  g_return_if_fail (builder != NULL);
  replace_string (&builder->task->id, id);
}

/**
 * meow_task_builder_set_method:
 * @builder: a builder
 * @method: the HTTP method
 *
 * Sets the HTTP method of a download's requests (`GET` by default). Not thread-safe: the builder's
 * thread.
 */
void
meow_task_builder_set_method (MeowTaskBuilder *builder, const char *method)
{
  g_return_if_fail (builder != NULL);
  replace_string (&builder->task->method, method);
}

/**
 * meow_task_builder_add_header:
 * @builder: a builder
 * @name: a header name
 * @value: its value
 *
 * Adds a request header sent with every request of the task. Checked in
 * meow_task_builder_build().
 */
void
meow_task_builder_add_header (MeowTaskBuilder *builder, const char *name, const char *value)
{
  guint len;

  g_return_if_fail (builder != NULL);
  g_return_if_fail (name != NULL);

  len = g_strv_length (builder->task->headers);
  builder->task->headers = g_renew (char *, builder->task->headers, len + 2);
  builder->task->headers[len] = g_strdup_printf ("%s: %s", name, value ? value : "");
  builder->task->headers[len + 1] = NULL;
}

/**
 * meow_task_builder_set_retries:
 * @builder: a builder
 * @retries: retries after the first attempt
 *
 * Sets how many failed attempts are retried for this task, instead of the client's
 * meow_config_set_retries(). Not thread-safe: the builder's thread.
 */
void
meow_task_builder_set_retries (MeowTaskBuilder *builder, guint retries)
{
  g_return_if_fail (builder != NULL);
  builder->task->retries = retries;
  builder->task->retries_set = TRUE;
}

/**
 * meow_task_builder_set_retry_policy:
 * @builder: a builder
 * @policy: how this task's failures count against its retries
 *
 * Overrides the client's meow_config_set_retry_policy() for this task.
 * Not thread-safe (the builder's thread).
 */
void
meow_task_builder_set_retry_policy (MeowTaskBuilder *builder, MeowRetryPolicy policy)
{
  g_return_if_fail (builder != NULL);
  g_return_if_fail (policy == MEOW_RETRY_POLICY_COUNTED ||
                    policy == MEOW_RETRY_POLICY_UNLIMITED_TRANSPORT);
  builder->task->retry_policy = policy;
  builder->task->retry_policy_set = TRUE;
}

/**
 * meow_task_builder_set_speed_limit:
 * @builder: a builder
 * @bytes_per_second: 0 for none
 *
 * Caps this task's transfer rate, in bytes per second; 0 (the default) for no cap of its own. Not
 * thread-safe: the builder's thread.
 */
void
meow_task_builder_set_speed_limit (MeowTaskBuilder *builder, guint64 bytes_per_second)
{
  g_return_if_fail (builder != NULL);
  builder->task->speed_limit = bytes_per_second;
}

/**
 * meow_task_builder_set_checksum:
 * @builder: a builder
 * @type: the digest type
 * @hex: (nullable): the expected digest in hex (either case)
 *
 * The download is verified against this digest before it gets its final
 * name; a mismatch fails the task with %MEOW_ERROR_CHECKSUM_MISMATCH.
 */
void
meow_task_builder_set_checksum (MeowTaskBuilder *builder, MeowChecksumType type, const char *hex)
{
  g_return_if_fail (builder != NULL);
  builder->task->checksum_type = hex ? type : MEOW_CHECKSUM_NONE;
  g_free (builder->task->checksum_hex);
  builder->task->checksum_hex = hex ? g_ascii_strdown (hex, -1) : NULL;
}

/**
 * meow_task_builder_set_overwrite:
 * @builder: a builder
 * @overwrite: replace an existing target
 *
 * Whether a download may replace an existing file of its target name (by default it fails with
 * %MEOW_ERROR_TARGET_EXISTS). Not thread-safe: the builder's thread.
 */
void
meow_task_builder_set_overwrite (MeowTaskBuilder *builder, gboolean overwrite)
{
  g_return_if_fail (builder != NULL);
  builder->task->overwrite = !!overwrite;
}

/**
 * meow_task_builder_set_keep_partial:
 * @builder: a builder
 * @keep: cancel keeps the .part file
 *
 * Whether canceling the download keeps its `.part` file (by default it is deleted). Not
 * thread-safe: the builder's thread.
 */
void
meow_task_builder_set_keep_partial (MeowTaskBuilder *builder, gboolean keep)
{
  g_return_if_fail (builder != NULL);
  builder->task->keep_partial = !!keep;
}

/**
 * meow_task_builder_set_size_hint:
 * @builder: a builder
 * @size: expected size, -1 when unknown
 *
 * Sets the size the transfer is expected to have, for progress before the server answers; -1 (the
 * default) when unknown. Not thread-safe: the builder's thread.
 */
void
meow_task_builder_set_size_hint (MeowTaskBuilder *builder, gint64 size)
{
  g_return_if_fail (builder != NULL);
  builder->task->size_hint = size;
}

/**
 * meow_task_builder_set_relink:
 * @builder: a download builder
 * @relink: what to do with a `.part` whose control file names another URL
 *
 * A download whose target's `.part` was fetched from another link (an
 * expired one, a mirror) starts it over (%MEOW_RELINK_RESTART, the
 * default) or continues it when this link gives the same file
 * (%MEOW_RELINK_VERIFY; else the task fails with
 * %MEOW_ERROR_LINK_CONTENT_DIFFERS and the bytes stay). A `.part` of this
 * very URL always resumes. Not thread-safe (the builder's thread).
 */
void
meow_task_builder_set_relink (MeowTaskBuilder *builder, MeowRelink relink)
{
  g_return_if_fail (builder != NULL);
  g_return_if_fail (relink == MEOW_RELINK_RESTART || relink == MEOW_RELINK_VERIFY);
  builder->task->relink = relink;
}

/**
 * meow_task_builder_set_credentials:
 * @builder: a builder
 * @user: (nullable): the user name, or %NULL for no login
 * @password: (nullable): the password (%NULL: empty)
 *
 * A login for a server that asks for one (401): the task's requests answer
 * a Basic, Digest or (where libcurl has it) Negotiate challenge with it,
 * and send it to the task's host only (not to another host a redirect goes
 * to). Without one, a 401 pauses the task with %MEOW_ERROR_AUTH_REQUIRED
 * (meow_client_set_credentials() answers it later). Both strings are
 * copied; the task zeroes its copy of @password when it is freed, and
 * never logs it, stores it nor puts it in a record. Not thread-safe (the
 * builder's thread).
 */
void
meow_task_builder_set_credentials (MeowTaskBuilder *builder, const char *user, const char *password)
{
  g_return_if_fail (builder != NULL);
  g_free (builder->task->user);
  _meow_secret_free (builder->task->password);
  builder->task->user = g_strdup (user);
  builder->task->password = user != NULL ? g_strdup (password != NULL ? password : "") : NULL;
}

/**
 * meow_task_builder_set_netrc:
 * @builder: a builder
 * @netrc: whether to take logins from a netrc file
 * @file: (nullable) (type filename): the netrc file; %NULL for `~/.netrc`
 *
 * Without a login of its own (meow_task_builder_set_credentials()), the
 * task answers a 401 with the netrc file's login for its host, read by
 * libcurl (its `machine`, `login`, `password` and `default` entries, as
 * `curl --netrc`); a host the file does not name gets the 401's pause as
 * without a login. Not thread-safe (the builder's thread).
 */
void
meow_task_builder_set_netrc (MeowTaskBuilder *builder, gboolean netrc, const char *file)
{
  g_return_if_fail (builder != NULL);
  builder->task->netrc = !!netrc;
  g_free (builder->task->netrc_file);
  builder->task->netrc_file = netrc ? g_strdup (file) : NULL;
}

/**
 * meow_task_get_user:
 * @task: a task
 *
 * The user name the task logs in with, when a server asks for a login.
 *
 * Returns: (transfer none) (nullable): the user name of the task's login
 *   (meow_task_builder_set_credentials()), or %NULL. The password has no
 *   getter. Any thread.
 */
const char *
meow_task_get_user (const MeowTask *task)
{
  return task->user;
}

static gboolean
check_url (const char *url, GError **error)
{
  g_autoptr (GUri) uri = NULL;
  g_autoptr (GError) local_error = NULL;
  const char      *scheme;
  g_autofree char *redacted = _meow_redact_url (url);

  if (url[0] == '\0')
    {
      g_set_error_literal (error, MEOW_ERROR, MEOW_ERROR_PARAMETER_INVALID,
                           _ ("The URL is empty."));
      return FALSE;
    }

  uri = g_uri_parse (url, G_URI_FLAGS_ENCODED | G_URI_FLAGS_HAS_PASSWORD, &local_error);
  if (uri == NULL)
    {
      g_set_error (error, MEOW_ERROR, MEOW_ERROR_PARAMETER_INVALID, _ ("“%s” is not a valid URL."),
                   redacted);
      return FALSE;
    }

  scheme = g_uri_get_scheme (uri);
  if (g_ascii_strcasecmp (scheme, "http") != 0 && g_ascii_strcasecmp (scheme, "https") != 0)
    {
      g_set_error (error, MEOW_ERROR, MEOW_ERROR_PARAMETER_INVALID,
                   _ ("“%s” uses the unsupported scheme “%s”; only http and https are supported."),
                   redacted, scheme);
      return FALSE;
    }

  if (g_uri_get_host (uri) == NULL || g_uri_get_host (uri)[0] == '\0')
    {
      g_set_error (error, MEOW_ERROR, MEOW_ERROR_PARAMETER_INVALID, _ ("“%s” has no host name."),
                   redacted);
      return FALSE;
    }

  /* libcurl rejects these anyway; say so before a request is made. */
  if (strpbrk (url, " \t\r\n") != NULL)
    {
      g_set_error (error, MEOW_ERROR, MEOW_ERROR_PARAMETER_INVALID,
                   _ ("“%s” contains white space; encode it as %%20."), redacted);
      return FALSE;
    }

  return TRUE;
}

static gboolean
check_headers (const char *const *headers, GError **error)
{
  for (guint i = 0; headers[i]; i++)
    {
      const char *h = headers[i];
      const char *colon = strchr (h, ':');

      if (colon == NULL || colon == h)
        {
          g_set_error (error, MEOW_ERROR, MEOW_ERROR_PARAMETER_INVALID,
                       _ ("The header “%s” has no name."), h);
          return FALSE;
        }
      for (const char *p = h; p < colon; p++)
        {
          if (!g_ascii_isgraph (*p) || strchr ("()<>@,;:\\\"/[]?={}", *p) != NULL)
            {
              g_set_error (error, MEOW_ERROR, MEOW_ERROR_PARAMETER_INVALID,
                           _ ("The header name “%.*s” contains invalid characters."),
                           (int) (colon - h), h);
              return FALSE;
            }
        }
      if (strpbrk (h, "\r\n") != NULL)
        {
          g_set_error (error, MEOW_ERROR, MEOW_ERROR_PARAMETER_INVALID,
                       _ ("The header “%.*s” contains a line break."), (int) (colon - h), h);
          return FALSE;
        }
      if (strlen (h) > MAX_HEADER_BYTES)
        {
          g_set_error (error, MEOW_ERROR, MEOW_ERROR_PARAMETER_INVALID,
                       _ ("The header “%.*s” is longer than %d bytes."), (int) (colon - h), h,
                       MAX_HEADER_BYTES);
          return FALSE;
        }
    }

  return TRUE;
}

static gboolean
check_checksum (MeowChecksumType type, const char *hex, GError **error)
{
  gsize want;

  switch (type)
    {
    case MEOW_CHECKSUM_NONE:
      return TRUE;
    case MEOW_CHECKSUM_MD5:
      want = 32;
      break;
    case MEOW_CHECKSUM_SHA1:
      want = 40;
      break;
    case MEOW_CHECKSUM_SHA256:
      want = 64;
      break;
    default:
      g_set_error_literal (error, MEOW_ERROR, MEOW_ERROR_PARAMETER_INVALID,
                           _ ("Unknown checksum type."));
      return FALSE;
    }

  if (strlen (hex) != want || strspn (hex, "0123456789abcdef") != want)
    {
      g_set_error (error, MEOW_ERROR, MEOW_ERROR_PARAMETER_INVALID,
                   _ ("The expected checksum “%s” is not %zu hexadecimal digits."), hex, want);
      return FALSE;
    }

  return TRUE;
}

static gboolean
check_upload (const MeowTask *t, GError **error)
{
  if (t->source_bytes == NULL && (t->source_file == NULL || t->source_file[0] == '\0'))
    {
      g_set_error_literal (error, MEOW_ERROR, MEOW_ERROR_PARAMETER_INVALID,
                           _ ("The upload has no source: name a file or give bytes."));
      return FALSE;
    }
  if (t->source_bytes == NULL)
    {
      GStatBuf st;

      if (g_stat (t->source_file, &st) != 0)
        {
          int errsv = errno;

          g_set_error (error, MEOW_ERROR,
                       errsv == ENOENT ? MEOW_ERROR_FILE_NOT_FOUND : MEOW_ERROR_IO,
                       _ ("Cannot upload “%s”: %s."), t->source_file, g_strerror (errsv));
          return FALSE;
        }
      if (!S_ISREG (st.st_mode))
        {
          g_set_error (error, MEOW_ERROR, MEOW_ERROR_PARAMETER_INVALID,
                       _ ("Cannot upload “%s”: it is not a regular file."), t->source_file);
          return FALSE;
        }
    }
  if (t->chunk_size < 0)
    {
      g_set_error (error, MEOW_ERROR, MEOW_ERROR_PARAMETER_INVALID,
                   _ ("The chunk size %lld is negative."), (long long) t->chunk_size);
      return FALSE;
    }
  if (t->protocol != MEOW_UPLOAD_PROTOCOL_MEOW && t->protocol != MEOW_UPLOAD_PROTOCOL_TUS)
    {
      g_set_error (error, MEOW_ERROR, MEOW_ERROR_PARAMETER_INVALID,
                   _ ("Unknown upload protocol %d."), (int) t->protocol);
      return FALSE;
    }
  /* A protocol object's resume data is its own, opaque; the built-ins' is a URL. */
  if (t->upload_url != NULL && t->protocol_impl == NULL && !check_url (t->upload_url, error))
    return FALSE;
  if (t->method != NULL && (t->method[0] == '\0' || strpbrk (t->method, " \t\r\n:") != NULL))
    {
      g_set_error (error, MEOW_ERROR, MEOW_ERROR_PARAMETER_INVALID,
                   _ ("“%s” is not a valid HTTP method."), t->method);
      return FALSE;
    }
  return TRUE;
}

static char *
absolute_path (const char *path)
{
  g_autoptr (GFile) file = g_file_new_for_commandline_arg (path);
  return g_file_get_path (file);
}

/**
 * meow_task_builder_set_segments:
 * @builder: a builder
 * @segments: connections this download may use at once (1 = one stream,
 *   0 = the client's meow_config_set_max_segments(); at most 16)
 *
 * Sets connections this download may use at once (1 = one stream,. Not thread-safe: the builder's
 * thread.
 */
void
meow_task_builder_set_segments (MeowTaskBuilder *builder, guint segments)
{
  g_return_if_fail (builder != NULL);
  builder->task->segments = segments;
}

/**
 * meow_task_builder_build:
 * @builder: a builder
 * @error: return location for a %MEOW_ERROR_PARAMETER_INVALID error
 *
 * Checks the parameters and makes the task: the URL must be http(s) with a
 * host, headers well-formed, a checksum the right length. A download with
 * neither an output file nor a folder goes to the current folder. Relative
 * paths are made absolute against the current folder now. A task without
 * an id gets a random UUID.
 *
 * The builder can be used again afterwards (it then builds a new task with
 * the same parameters and a new id).
 *
 * Returns: (transfer full): the task, or %NULL with @error set. Any thread.
 */
MeowTask *
meow_task_builder_build (MeowTaskBuilder *builder, GError **error)
{
  MeowTask *t;
  MeowTask *task;

  g_return_val_if_fail (builder != NULL, NULL);

  t = builder->task;

  if (!check_url (t->url, error) || !check_headers ((const char *const *) t->headers, error) ||
      !check_checksum (t->checksum_type, t->checksum_hex, error))
    return NULL;

  if (t->direction == MEOW_DIRECTION_UPLOAD && !check_upload (t, error))
    return NULL;
  if (t->segments > 16)
    {
      g_set_error (error, MEOW_ERROR, MEOW_ERROR_PARAMETER_INVALID,
                   _ ("A download may use at most 16 connections, not %u."), t->segments);
      return NULL;
    }

  if (t->output_file != NULL && t->output_file[0] == '\0')
    {
      g_set_error_literal (error, MEOW_ERROR, MEOW_ERROR_PARAMETER_INVALID,
                           _ ("The output file name is empty."));
      return NULL;
    }
  if (t->output_file != NULL && g_str_has_suffix (t->output_file, G_DIR_SEPARATOR_S))
    {
      g_set_error (error, MEOW_ERROR, MEOW_ERROR_PARAMETER_INVALID,
                   _ ("The output file “%s” names a folder."), t->output_file);
      return NULL;
    }

  task = g_new0 (MeowTask, 1);
  g_atomic_ref_count_init (&task->ref_count);
  task->direction = t->direction;
  task->id = t->id ? g_strdup (t->id) : g_uuid_string_random ();
  task->url = g_strdup (t->url);
  task->redacted_url = _meow_redact_url (t->url);
  task->name = g_strdup (t->name);
  if (t->output_file)
    task->output_file = absolute_path (t->output_file);
  else if (t->direction == MEOW_DIRECTION_DOWNLOAD)
    task->output_dir = absolute_path (t->output_dir ? t->output_dir : ".");
  task->method = g_strdup (t->method);
  task->headers = g_strdupv (t->headers);
  task->user = g_strdup (t->user);
  task->password = g_strdup (t->password);
  task->netrc = t->netrc;
  task->netrc_file = t->netrc_file ? absolute_path (t->netrc_file) : NULL;
  task->tag = g_strdup (t->tag);
  task->retries = t->retries;
  task->retries_set = t->retries_set;
  task->retry_policy = t->retry_policy;
  task->retry_policy_set = t->retry_policy_set;
  task->speed_limit = t->speed_limit;
  task->checksum_type = t->checksum_type;
  task->checksum_hex = g_strdup (t->checksum_hex);
  task->overwrite = t->overwrite;
  task->keep_partial = t->keep_partial;
  task->size_hint = t->size_hint;
  task->segments = t->segments;
  task->relink = t->relink;
  task->request_hook = t->request_hook ? _meow_request_hook_ref (t->request_hook) : NULL;
  if (t->direction == MEOW_DIRECTION_UPLOAD)
    {
      if (t->source_file)
        task->source_file = absolute_path (t->source_file);
      task->source_bytes = t->source_bytes ? g_bytes_ref (t->source_bytes) : NULL;
      /* tus: the rest of the file in one request (the server keeps what an
       * interrupted request delivered, and a 413 makes the engine send smaller
       * ones); rusty-cat's protocol: its 1 MiB chunks. */
      if (t->chunk_size > 0)
        task->chunk_size = t->chunk_size;
      else if (t->protocol == MEOW_UPLOAD_PROTOCOL_TUS)
        task->chunk_size = G_MAXINT64;
      else
        task->chunk_size = MEOW_DEFAULT_CHUNK_SIZE;
      task->category = g_strdup (t->category);
      task->protocol = t->protocol;
      task->upload_url = g_strdup (t->upload_url);
      task->protocol_impl = t->protocol_impl ? g_object_ref (t->protocol_impl) : NULL;
      task->prepare_retries_set = t->prepare_retries_set;
      task->prepare_retries = t->prepare_retries_set ? t->prepare_retries : t->retries;
      if (task->source_bytes)
        task->size_hint = (gint64) g_bytes_get_size (task->source_bytes);
      if (task->name == NULL && task->source_file != NULL)
        task->name = g_path_get_basename (task->source_file);
    }

  if (task->name == NULL && task->output_file != NULL)
    task->name = g_path_get_basename (task->output_file);

  return task;
}

/**
 * meow_task_dup_with_url:
 * @task: a download task
 * @url: another http or https URL for the same download
 * @relink: what the copy does with a `.part` of another URL
 *   (meow_task_builder_set_relink())
 * @output_file: (nullable) (type filename): the file the download goes to
 *   now (the local path its records gave: the name chosen from an answer
 *   of the old link), so that it goes on under that name; %NULL keeps the
 *   task's output file or folder
 * @error: return location for a %MEOW_ERROR_PARAMETER_INVALID error
 *
 * A copy of @task with @url, @relink (and @output_file) and everything
 * else the same, the id included: for a download given a new link
 * (meow_client_change_url() does this for a live task, whose target stays;
 * an owner enqueues the copy again for a task the client no longer has, a
 * failed one). @url is checked as by meow_task_builder_build(); a relative
 * @output_file is taken against the current folder. Any thread.
 *
 * Returns: (transfer full) (nullable): the copy, or %NULL with @error set.
 */
MeowTask *
meow_task_dup_with_url (const MeowTask *task,
                        const char     *url,
                        MeowRelink      relink,
                        const char     *output_file,
                        GError        **error)
{
  MeowTask *copy;

  g_return_val_if_fail (task != NULL, NULL);
  g_return_val_if_fail (url != NULL, NULL);
  g_return_val_if_fail (relink == MEOW_RELINK_RESTART || relink == MEOW_RELINK_VERIFY, NULL);

  if (!check_url (url, error))
    return NULL;

  copy = task_dup (task);
  g_free (copy->url);
  copy->url = g_strdup (url);
  g_free (copy->redacted_url);
  copy->redacted_url = _meow_redact_url (url);
  if (output_file != NULL && output_file[0] != '\0')
    {
      g_free (copy->output_file);
      copy->output_file = absolute_path (output_file);
      g_clear_pointer (&copy->output_dir, g_free);
    }
  copy->relink = relink;
  return copy;
}

MeowTask *
_meow_task_dup_with_credentials (const MeowTask *task, const char *user, const char *password)
{
  MeowTask *copy = task_dup (task);

  g_free (copy->user);
  _meow_secret_free (copy->password);
  copy->user = g_strdup (user);
  copy->password = user != NULL ? g_strdup (password != NULL ? password : "") : NULL;
  return copy;
}

/**
 * meow_task_dup_with_settings:
 * @task: a task
 * @speed_limit: the copy's own speed limit, bytes per second; 0 for none
 * @segments: the copy's connection count (a download's; 1 = one stream,
 *   0 = the client's meow_config_set_max_segments(); at most 16)
 *
 * A copy of @task with its own speed limit and connection count and
 * everything else the same, the id included: what an owner keeps and
 * stores for a task whose settings it changed with
 * meow_client_set_task_speed_limit() and meow_client_set_task_segments().
 * Any thread.
 *
 * Returns: (transfer full): the copy.
 */
MeowTask *
meow_task_dup_with_settings (const MeowTask *task, guint64 speed_limit, guint segments)
{
  MeowTask *copy;

  g_return_val_if_fail (task != NULL, NULL);
  g_return_val_if_fail (segments <= 16, NULL);

  copy = task_dup (task);

  copy->speed_limit = speed_limit;
  copy->segments = segments;
  return copy;
}
