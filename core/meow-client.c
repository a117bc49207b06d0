/* meow-client.c: the transfer engine's public face and its worker loop
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Threads (see docs/engine.md):
 *  - the owner thread: whatever thread's default GMainContext was current at
 *    meow_client_new(). Callbacks and listeners run there, from one
 *    coalescing GSource.
 *  - any thread: API calls. They check and update the shared task table
 *    under @lock, push a command and wake the worker with
 *    curl_multi_wakeup().
 *  - the worker thread: owns the CURLM, every CURL handle, every job and
 *    every file descriptor. It never calls user code.
 */
#include "config.h"

#include <string.h>

#include "meow-client-private.h"
#include "meow-engine-private.h"
#include "meow-error.h"
#include "meow-http-private.h"
#include "meow-transfer-record-private.h"

typedef enum
{
  CMD_ENQUEUE,
  CMD_PAUSE,
  CMD_RESUME,
  CMD_CANCEL,
  CMD_LIMITS,
  CMD_CLOSE,
} CommandKind;

typedef struct
{
  CommandKind kind;
  char       *id;
  MeowTask   *task;
} Command;

/* The shared view of a live task (under MeowClient.lock). Terminal tasks
 * are removed from the table. */
typedef enum
{
  ENTRY_PENDING,
  ENTRY_ACTIVE,
  ENTRY_PAUSED,
} EntryState;

typedef struct
{
  char         *id;
  char         *key;        /* duplicate-detection key */
  char         *target_key; /* "file:PATH" for explicit targets, or NULL */
  char         *active_key; /* "download:URL" (redacted) for snapshots */
  MeowDirection direction;
  EntryState    state;
} Entry;

/* Per-task callbacks; only touched in the owner context (and created by
 * enqueue in whatever thread calls it). */
typedef struct
{
  gatomicrefcount  ref_count;
  MeowRecordFunc   progress;
  MeowCompleteFunc complete;
  gpointer         user_data;
  GDestroyNotify   destroy;
} Callbacks;

typedef struct
{
  gatomicrefcount ref_count;
  guint           id;
  gboolean        removed;
  MeowRecordFunc  func;
  gpointer        user_data;
  GDestroyNotify  destroy;
} Listener;

struct _MeowEngine
{
  MeowClient *client;
  MeowConfig *config;
  CURLM      *multi;
  GHashTable *jobs;     /* id -> MeowJob, owned */
  GQueue      queue[2]; /* indexed by MeowDirection: queued jobs */
  guint       running[2];
  /* The jobs in MEOW_JOB_ACTIVE (borrowed, any order), so that the loop's
   * per-turn work (ticks, progress, limits) does not walk every queued
   * job: bench/many queues 1,000 and the app may hold 10,000. */
  GPtrArray *active;
  /* Download targets taken by live jobs: path -> count of the jobs' output
   * files and local paths (_meow_engine_target_claimed), kept by
   * claim()/unclaim(). */
  GHashTable *claims;
  guint64     limit[2]; /* global speed limits */
  gint64      next_progress;
  GHashTable *detached; /* CURL * -> struct curl_slist * (or NULL): requests of no job */
};

struct _MeowClient
{
  GObject parent_instance;

  MeowConfig   *config;
  GMainContext *owner_context;
  GThread      *owner_thread;
  GSource      *dispatch_source;
  GThread      *worker;
  MeowEngine    engine;

  /* Shared state (lock). */
  GMutex      lock;
  GHashTable *entries;   /* id -> Entry */
  GHashTable *keys;      /* dedupe key -> id (borrowed from entry) */
  GHashTable *callbacks; /* id -> Callbacks */
  GPtrArray  *listeners; /* Listener */
  guint       next_listener_id;
  gboolean    closed;
  gboolean    worker_held;
  guint       pending_enqueues;
  guint64     pending_limit[2];
  guint       pending_max[2]; /* concurrent transfers per direction */

  GAsyncQueue *commands;

  /* Records out (events_lock). */
  GMutex      events_lock;
  GQueue      events;           /* MeowTransferRecord */
  GHashTable *pending_progress; /* id -> GList link in events */
  GHashTable *latest;           /* id -> MeowTransferRecord */
};

G_DEFINE_FINAL_TYPE (MeowClient, meow_client, G_TYPE_OBJECT)
G_DEFINE_BOXED_TYPE (MeowSnapshot, meow_snapshot, meow_snapshot_copy, meow_snapshot_free)

static gpointer worker_main (gpointer data);
static void     dispatch_all (MeowClient *self);

/* ------------------------------------------------------------------ */
/* Small helpers                                                       */

static void
command_free (Command *cmd)
{
  g_free (cmd->id);
  g_clear_pointer (&cmd->task, meow_task_unref);
  g_free (cmd);
}

static void
entry_free (Entry *entry)
{
  g_free (entry->id);
  g_free (entry->key);
  g_free (entry->target_key);
  g_free (entry->active_key);
  g_free (entry);
}

static Callbacks *
callbacks_ref (Callbacks *cb)
{
  g_atomic_ref_count_inc (&cb->ref_count);
  return cb;
}

static void
callbacks_unref (Callbacks *cb)
{
  if (g_atomic_ref_count_dec (&cb->ref_count))
    {
      if (cb->destroy)
        cb->destroy (cb->user_data);
      g_free (cb);
    }
}

static Listener *
listener_ref (Listener *l)
{
  g_atomic_ref_count_inc (&l->ref_count);
  return l;
}

static void
listener_unref (Listener *l)
{
  if (g_atomic_ref_count_dec (&l->ref_count))
    {
      if (l->destroy)
        l->destroy (l->user_data);
      g_free (l);
    }
}

static gboolean
check_open_locked (MeowClient *self, GError **error)
{
  if (self->closed)
    {
      g_set_error_literal (error, MEOW_ERROR, MEOW_ERROR_CLIENT_CLOSED,
                           "The transfer client has been closed.");
      return FALSE;
    }
  return TRUE;
}

static void
push_command (MeowClient *self, CommandKind kind, const char *id, MeowTask *task)
{
  Command *cmd = g_new0 (Command, 1);

  cmd->kind = kind;
  cmd->id = g_strdup (id);
  cmd->task = task ? meow_task_ref (task) : NULL;
  g_async_queue_push (self->commands, cmd);
  curl_multi_wakeup (self->engine.multi);
}

/* ------------------------------------------------------------------ */
/* Records: worker -> owner context                                    */

static gboolean
dispatch_source_dispatch (GSource *source, GSourceFunc callback, gpointer user_data)
{
  MeowClient *self = user_data;

  g_source_set_ready_time (source, -1);
  g_object_ref (self);
  dispatch_all (self);
  g_object_unref (self);

  return G_SOURCE_CONTINUE;
}

static GSourceFuncs dispatch_source_funcs = {
  .dispatch = dispatch_source_dispatch,
};

/* Worker thread. Queues @record (transfer full) for the owner context.
 * Progress records coalesce: a newer one replaces an older one of the same
 * task that is still waiting, unless a lifecycle record came in between.
 * Lifecycle records are never dropped nor reordered. */
static void
post_record (MeowClient *self, MeowTransferRecord *record)
{
  gboolean was_empty;

  g_mutex_lock (&self->events_lock);

  g_hash_table_replace (self->latest, g_strdup (record->task_id),
                        meow_transfer_record_ref (record));

  was_empty = g_queue_is_empty (&self->events);

  if (record->status == MEOW_STATUS_TRANSMISSION)
    {
      GList *link = g_hash_table_lookup (self->pending_progress, record->task_id);

      /* Latest wins, within a phase: the owner sees at least one record of
       * an upload's hashing before its first transfer record. */
      if (link != NULL && ((MeowTransferRecord *) link->data)->phase == record->phase)
        {
          meow_transfer_record_unref (link->data);
          link->data = record;
        }
      else
        {
          g_queue_push_tail (&self->events, record);
          g_hash_table_replace (self->pending_progress, g_strdup (record->task_id),
                                self->events.tail);
        }
    }
  else
    {
      g_hash_table_remove (self->pending_progress, record->task_id);
      g_queue_push_tail (&self->events, record);
    }

  g_mutex_unlock (&self->events_lock);

  if (was_empty)
    g_source_set_ready_time (self->dispatch_source, 0);
}

static gboolean
status_is_terminal (MeowStatus status)
{
  return status == MEOW_STATUS_COMPLETE || status == MEOW_STATUS_FAILED ||
         status == MEOW_STATUS_CANCELED;
}

static void
deliver (MeowClient *self, MeowTransferRecord *record)
{
  Callbacks *cb;
  g_autoptr (GPtrArray) listeners = NULL;

  g_mutex_lock (&self->lock);
  cb = g_hash_table_lookup (self->callbacks, record->task_id);
  if (cb)
    {
      if (status_is_terminal (record->status))
        {
          char *key = NULL;
          g_hash_table_steal_extended (self->callbacks, record->task_id, (gpointer *) &key, NULL);
          g_free (key);
        }
      else
        callbacks_ref (cb);
    }
  listeners = g_ptr_array_new_with_free_func ((GDestroyNotify) listener_unref);
  for (guint i = 0; i < self->listeners->len; i++)
    g_ptr_array_add (listeners, listener_ref (g_ptr_array_index (self->listeners, i)));
  g_mutex_unlock (&self->lock);

  if (cb && cb->progress)
    cb->progress (self, record, cb->user_data);

  for (guint i = 0; i < listeners->len; i++)
    {
      Listener *l = g_ptr_array_index (listeners, i);
      gboolean  removed;

      g_mutex_lock (&self->lock);
      removed = l->removed;
      g_mutex_unlock (&self->lock);

      if (!removed)
        l->func (self, record, l->user_data);
    }

  if (cb && record->status == MEOW_STATUS_COMPLETE && cb->complete)
    cb->complete (self, record->task_id, record->payload, cb->user_data);

  if (cb)
    callbacks_unref (cb);
}

/* Owner context. Re-entrant: a callback may call anything, including
 * meow_client_close(), which dispatches the rest from inside. */
static void
dispatch_all (MeowClient *self)
{
  for (;;)
    {
      MeowTransferRecord *record;

      GList *head;

      g_mutex_lock (&self->events_lock);
      head = g_queue_peek_head_link (&self->events);
      record = head ? head->data : NULL;
      /* The link is about to go: forget it so the next progress appends. */
      if (record && record->status == MEOW_STATUS_TRANSMISSION &&
          g_hash_table_lookup (self->pending_progress, record->task_id) == head)
        g_hash_table_remove (self->pending_progress, record->task_id);
      if (head)
        g_queue_pop_head (&self->events);
      g_mutex_unlock (&self->events_lock);

      if (record == NULL)
        break;

      deliver (self, record);
      meow_transfer_record_unref (record);
    }
}

/* ------------------------------------------------------------------ */
/* GObject                                                             */

static void
meow_client_dispose (GObject *object)
{
  MeowClient *self = MEOW_CLIENT (object);

  if (self->worker != NULL)
    {
      g_warning ("MeowClient %p disposed without meow_client_close(); closing it now", self);
      meow_client_close (self, NULL);
    }

  G_OBJECT_CLASS (meow_client_parent_class)->dispose (object);
}

static void
meow_client_finalize (GObject *object)
{
  MeowClient *self = MEOW_CLIENT (object);
  Command    *cmd;

  if (self->dispatch_source)
    {
      g_source_destroy (self->dispatch_source);
      g_clear_pointer (&self->dispatch_source, g_source_unref);
    }

  while ((cmd = g_async_queue_try_pop (self->commands)) != NULL)
    command_free (cmd);
  g_async_queue_unref (self->commands);

  g_queue_clear_full (&self->events, (GDestroyNotify) meow_transfer_record_unref);
  g_hash_table_unref (self->pending_progress);
  g_hash_table_unref (self->latest);
  g_hash_table_unref (self->entries);
  g_hash_table_unref (self->keys);
  g_hash_table_unref (self->callbacks);
  g_ptr_array_unref (self->listeners);

  if (self->engine.multi)
    curl_multi_cleanup (self->engine.multi);
  g_clear_pointer (&self->engine.detached, g_hash_table_unref);
  g_clear_pointer (&self->engine.jobs, g_hash_table_unref);
  g_clear_pointer (&self->engine.active, g_ptr_array_unref);
  g_clear_pointer (&self->engine.claims, g_hash_table_unref);

  g_clear_pointer (&self->owner_context, g_main_context_unref);
  meow_config_free (self->config);
  g_mutex_clear (&self->lock);
  g_mutex_clear (&self->events_lock);

  G_OBJECT_CLASS (meow_client_parent_class)->finalize (object);
}

static void
meow_client_class_init (MeowClientClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = meow_client_dispose;
  object_class->finalize = meow_client_finalize;
}

static void
meow_client_init (MeowClient *self)
{
  g_mutex_init (&self->lock);
  g_mutex_init (&self->events_lock);
  self->entries =
      g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify) entry_free);
  self->keys = g_hash_table_new (g_str_hash, g_str_equal);
  self->callbacks =
      g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) callbacks_unref);
  self->listeners = g_ptr_array_new_with_free_func ((GDestroyNotify) listener_unref);
  self->next_listener_id = 1;
  self->commands = g_async_queue_new ();
  g_queue_init (&self->events);
  self->pending_progress = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->latest = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                        (GDestroyNotify) meow_transfer_record_unref);
}

static gsize curl_initialized;

/**
 * meow_client_new:
 * @config: settings; validated and copied
 * @error: return location for a %MEOW_ERROR_PARAMETER_INVALID error
 *
 * Creates a client and starts its worker thread. The thread-default
 * #GMainContext of the calling thread becomes the client's owner context:
 * every callback and listener runs there.
 *
 * Returns: (transfer full) (nullable): the client, or %NULL with @error set.
 *   Call meow_client_close() before dropping the last reference.
 */
MeowClient *
meow_client_new (const MeowConfig *config, GError **error)
{
  MeowClient *self;

  g_return_val_if_fail (config != NULL, NULL);

  if (!meow_config_validate (config, error))
    return NULL;

  if (g_once_init_enter (&curl_initialized))
    {
      curl_global_init (CURL_GLOBAL_DEFAULT);
      g_once_init_leave (&curl_initialized, 1);
    }

  self = g_object_new (MEOW_TYPE_CLIENT, NULL);
  self->config = meow_config_copy (config);
  self->owner_context = g_main_context_ref_thread_default ();
  self->owner_thread = g_thread_self ();

  self->dispatch_source = g_source_new (&dispatch_source_funcs, sizeof (GSource));
  g_source_set_callback (self->dispatch_source, NULL, self, NULL);
  g_source_set_name (self->dispatch_source, "[meow] client records");
  g_source_set_priority (self->dispatch_source, G_PRIORITY_DEFAULT);
  g_source_set_ready_time (self->dispatch_source, -1);
  g_source_attach (self->dispatch_source, self->owner_context);

  self->engine.client = self;
  self->engine.config = self->config;
  self->engine.multi = curl_multi_init ();
  self->engine.jobs = g_hash_table_new (g_str_hash, g_str_equal);
  self->engine.active = g_ptr_array_new ();
  self->engine.claims = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->engine.detached = g_hash_table_new (NULL, NULL);
  g_queue_init (&self->engine.queue[0]);
  g_queue_init (&self->engine.queue[1]);
  self->engine.limit[MEOW_DIRECTION_DOWNLOAD] = config->download_limit;
  self->engine.limit[MEOW_DIRECTION_UPLOAD] = config->upload_limit;
  self->pending_limit[MEOW_DIRECTION_DOWNLOAD] = config->download_limit;
  self->pending_limit[MEOW_DIRECTION_UPLOAD] = config->upload_limit;
  self->pending_max[MEOW_DIRECTION_DOWNLOAD] = config->max_downloads;
  self->pending_max[MEOW_DIRECTION_UPLOAD] = config->max_uploads;

  self->worker = g_thread_new ("meow-worker", worker_main, self);

  return self;
}

/* The source dispatch callback reads user_data from the callback slot. */

/* ------------------------------------------------------------------ */
/* Public API                                                          */

static char *
make_key (MeowTask *task)
{
  /* Uploads: the same source to the same URL. Content identity (the same
   * bytes from another file) is checked by the worker once the MD5 is
   * known, without blocking here. */
  if (task->direction == MEOW_DIRECTION_UPLOAD && task->source_file)
    return g_strdup_printf ("%d\nsource\n%s\n%s", task->direction, task->url, task->source_file);
  if (task->direction == MEOW_DIRECTION_UPLOAD)
    return g_strdup_printf ("%d\nbytes\n%s\n%p:%" G_GSIZE_FORMAT, task->direction, task->url,
                            g_bytes_get_data (task->source_bytes, NULL),
                            g_bytes_get_size (task->source_bytes));
  if (task->output_file)
    return g_strdup_printf ("%d\nfile\n%s\n%s", task->direction, task->url, task->output_file);
  return g_strdup_printf ("%d\ndir\n%s\n%s", task->direction, task->url, task->output_dir);
}

/**
 * meow_client_enqueue:
 * @client: a client
 * @task: (transfer none): the task
 * @progress: (nullable) (scope notified): called with every record of the task
 * @complete: (nullable) (scope notified): called once when it completes
 * @user_data: data for the callbacks
 * @destroy: (nullable): frees @user_data after the task's terminal record
 *   was delivered (or when the client is finalized); not called when this
 *   function fails
 * @error: return location for an error
 *
 * Queues @task. Never blocks: duplicates (the same URL to the same target,
 * or two tasks writing the same file) fail at once with
 * %MEOW_ERROR_DUPLICATE_TASK, a full command queue with
 * %MEOW_ERROR_COMMAND_SEND_FAILED, a closed client with
 * %MEOW_ERROR_CLIENT_CLOSED. The first record (Pending) arrives later in
 * the owner context. Any thread.
 *
 * Returns: (transfer full) (nullable): the task id, or %NULL with @error set.
 */
char *
meow_client_enqueue (MeowClient      *client,
                     MeowTask        *task,
                     MeowRecordFunc   progress,
                     MeowCompleteFunc complete,
                     gpointer         user_data,
                     GDestroyNotify   destroy,
                     GError         **error)
{
  g_autofree char *key = NULL;
  g_autofree char *target_key = NULL;
  Entry           *entry;
  Callbacks       *cb;

  g_return_val_if_fail (MEOW_IS_CLIENT (client), NULL);
  g_return_val_if_fail (task != NULL, NULL);

  key = make_key (task);
  if (task->output_file)
    target_key = g_strdup_printf ("file:%s", task->output_file);

  g_mutex_lock (&client->lock);

  if (!check_open_locked (client, error))
    goto fail;

  /* An id whose previous task's last record is still on its way would mix
   * the two tasks' callbacks and records. */
  if (g_hash_table_contains (client->entries, task->id) ||
      g_hash_table_contains (client->callbacks, task->id))
    {
      g_set_error (error, MEOW_ERROR, MEOW_ERROR_DUPLICATE_TASK,
                   "A task with the id %s is already queued.", task->id);
      goto fail;
    }

  if (g_hash_table_contains (client->keys, key) ||
      (target_key && g_hash_table_contains (client->keys, target_key)))
    {
      if (task->direction == MEOW_DIRECTION_UPLOAD)
        g_set_error (error, MEOW_ERROR, MEOW_ERROR_DUPLICATE_TASK,
                     "“%s” is already being uploaded to %s.",
                     task->source_file ? task->source_file : task->name, task->redacted_url);
      else if (task->output_file)
        g_set_error (error, MEOW_ERROR, MEOW_ERROR_DUPLICATE_TASK,
                     "Another transfer is already writing “%s”.", task->output_file);
      else
        g_set_error (error, MEOW_ERROR, MEOW_ERROR_DUPLICATE_TASK,
                     "%s is already being downloaded to “%s”.", task->redacted_url,
                     task->output_dir);
      goto fail;
    }

  if (client->pending_enqueues >= client->config->command_queue_capacity)
    {
      g_set_error (error, MEOW_ERROR, MEOW_ERROR_COMMAND_SEND_FAILED,
                   "Too many transfers are being added at once (the queue holds %u); try again.",
                   client->config->command_queue_capacity);
      goto fail;
    }

  entry = g_new0 (Entry, 1);
  entry->id = g_strdup (task->id);
  entry->key = g_steal_pointer (&key);
  entry->target_key = g_steal_pointer (&target_key);
  entry->active_key =
      g_strdup_printf ("%s:%s", task->direction == MEOW_DIRECTION_DOWNLOAD ? "download" : "upload",
                       task->redacted_url);
  entry->direction = task->direction;
  entry->state = ENTRY_PENDING;
  g_hash_table_insert (client->entries, entry->id, entry);
  g_hash_table_insert (client->keys, entry->key, entry->id);
  if (entry->target_key)
    g_hash_table_insert (client->keys, entry->target_key, entry->id);

  cb = g_new0 (Callbacks, 1);
  g_atomic_ref_count_init (&cb->ref_count);
  cb->progress = progress;
  cb->complete = complete;
  cb->user_data = user_data;
  cb->destroy = destroy;
  g_hash_table_replace (client->callbacks, g_strdup (task->id), cb);

  client->pending_enqueues++;
  push_command (client, CMD_ENQUEUE, task->id, task);

  g_mutex_unlock (&client->lock);

  return g_strdup (task->id);

fail:
  g_mutex_unlock (&client->lock);
  return NULL;
}

static Entry *
lookup_entry_locked (MeowClient *self, const char *task_id, GError **error)
{
  Entry *entry;

  if (!check_open_locked (self, error))
    return NULL;

  entry = task_id ? g_hash_table_lookup (self->entries, task_id) : NULL;
  if (entry == NULL)
    g_set_error (error, MEOW_ERROR, MEOW_ERROR_TASK_NOT_FOUND,
                 "No queued or running transfer has the id %s.", task_id ? task_id : "(null)");
  return entry;
}

static void
remove_entry_locked (MeowClient *self, Entry *entry)
{
  g_hash_table_remove (self->keys, entry->key);
  if (entry->target_key)
    g_hash_table_remove (self->keys, entry->target_key);
  g_hash_table_remove (self->entries, entry->id);
}

/**
 * meow_client_pause:
 * @client: a client
 * @task_id: a live task's id
 * @error: return location for an error
 *
 * Pauses a queued or running task. The request in flight is aborted at
 * once; partial bytes are kept. A Paused record follows, and no
 * Transmission record after it until meow_client_resume(). Any thread.
 *
 * Returns: %TRUE, or %FALSE with %MEOW_ERROR_TASK_NOT_FOUND,
 *   %MEOW_ERROR_INVALID_TASK_STATE (already paused) or
 *   %MEOW_ERROR_CLIENT_CLOSED.
 */
gboolean
meow_client_pause (MeowClient *client, const char *task_id, GError **error)
{
  Entry *entry;

  g_return_val_if_fail (MEOW_IS_CLIENT (client), FALSE);

  g_mutex_lock (&client->lock);
  entry = lookup_entry_locked (client, task_id, error);
  if (entry == NULL)
    goto fail;
  if (entry->state == ENTRY_PAUSED)
    {
      g_set_error (error, MEOW_ERROR, MEOW_ERROR_INVALID_TASK_STATE,
                   "The transfer %s is already paused.", task_id);
      goto fail;
    }
  entry->state = ENTRY_PAUSED;
  push_command (client, CMD_PAUSE, task_id, NULL);
  g_mutex_unlock (&client->lock);
  return TRUE;

fail:
  g_mutex_unlock (&client->lock);
  return FALSE;
}

/**
 * meow_client_resume:
 * @client: a client
 * @task_id: a paused task's id
 * @error: return location for an error
 *
 * Puts a paused task at the back of its direction's queue (Pending, then
 * Transmission when it gets a slot). Any thread.
 *
 * Returns: %TRUE, or %FALSE with %MEOW_ERROR_TASK_NOT_FOUND,
 *   %MEOW_ERROR_INVALID_TASK_STATE (not paused) or %MEOW_ERROR_CLIENT_CLOSED.
 */
gboolean
meow_client_resume (MeowClient *client, const char *task_id, GError **error)
{
  Entry *entry;

  g_return_val_if_fail (MEOW_IS_CLIENT (client), FALSE);

  g_mutex_lock (&client->lock);
  entry = lookup_entry_locked (client, task_id, error);
  if (entry == NULL)
    goto fail;
  if (entry->state != ENTRY_PAUSED)
    {
      g_set_error (error, MEOW_ERROR, MEOW_ERROR_INVALID_TASK_STATE,
                   "The transfer %s is not paused.", task_id);
      goto fail;
    }
  entry->state = ENTRY_PENDING;
  push_command (client, CMD_RESUME, task_id, NULL);
  g_mutex_unlock (&client->lock);
  return TRUE;

fail:
  g_mutex_unlock (&client->lock);
  return FALSE;
}

/**
 * meow_client_cancel:
 * @client: a client
 * @task_id: a live task's id
 * @error: return location for an error
 *
 * Cancels a task in any live state: the request is aborted, the partial
 * file removed (unless the task keeps it), and a Canceled record follows.
 * The id is forgotten at once: a second cancel fails with
 * %MEOW_ERROR_TASK_NOT_FOUND. Any thread.
 *
 * Returns: %TRUE, or %FALSE with an error.
 */
gboolean
meow_client_cancel (MeowClient *client, const char *task_id, GError **error)
{
  Entry *entry;

  g_return_val_if_fail (MEOW_IS_CLIENT (client), FALSE);

  g_mutex_lock (&client->lock);
  entry = lookup_entry_locked (client, task_id, error);
  if (entry == NULL)
    {
      g_mutex_unlock (&client->lock);
      return FALSE;
    }
  push_command (client, CMD_CANCEL, task_id, NULL);
  remove_entry_locked (client, entry);
  g_mutex_unlock (&client->lock);

  return TRUE;
}

/**
 * meow_client_snapshot:
 * @client: a client
 * @error: return location for %MEOW_ERROR_CLIENT_CLOSED
 *
 * Counts the live tasks as the API sees them now. Any thread.
 *
 * Returns: (transfer full) (nullable): the snapshot.
 */
MeowSnapshot *
meow_client_snapshot (MeowClient *client, GError **error)
{
  MeowSnapshot  *snapshot;
  GHashTableIter iter;
  Entry         *entry;

  g_return_val_if_fail (MEOW_IS_CLIENT (client), NULL);

  g_mutex_lock (&client->lock);
  if (!check_open_locked (client, error))
    {
      g_mutex_unlock (&client->lock);
      return NULL;
    }

  snapshot = g_new0 (MeowSnapshot, 1);
  snapshot->active_keys = g_ptr_array_new_with_free_func (g_free);
  g_hash_table_iter_init (&iter, client->entries);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &entry))
    {
      switch (entry->state)
        {
        case ENTRY_PENDING:
          snapshot->queued++;
          break;
        case ENTRY_ACTIVE:
          snapshot->active++;
          g_ptr_array_add (snapshot->active_keys, g_strdup (entry->active_key));
          break;
        case ENTRY_PAUSED:
          snapshot->paused++;
          break;
        default:
          g_assert_not_reached ();
        }
    }
  g_mutex_unlock (&client->lock);

  return snapshot;
}

/**
 * meow_snapshot_copy:
 * Returns: (transfer full): a deep copy.
 */
MeowSnapshot *
meow_snapshot_copy (const MeowSnapshot *snapshot)
{
  MeowSnapshot *copy = g_new0 (MeowSnapshot, 1);

  copy->queued = snapshot->queued;
  copy->active = snapshot->active;
  copy->paused = snapshot->paused;
  copy->active_keys = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; i < snapshot->active_keys->len; i++)
    g_ptr_array_add (copy->active_keys, g_strdup (g_ptr_array_index (snapshot->active_keys, i)));
  return copy;
}

/**
 * meow_snapshot_free:
 * @snapshot: (transfer full) (nullable): a snapshot
 */
void
meow_snapshot_free (MeowSnapshot *snapshot)
{
  if (snapshot == NULL)
    return;
  g_ptr_array_unref (snapshot->active_keys);
  g_free (snapshot);
}

/**
 * meow_client_dup_record:
 * @client: a client
 * @task_id: a task id
 *
 * Looks up the latest record the worker produced for @task_id, which may
 * not have been delivered to callbacks yet. Finished tasks keep their
 * terminal record. Works after close. Any thread.
 *
 * Returns: (transfer full) (nullable): the record, or %NULL if unknown.
 */
MeowTransferRecord *
meow_client_dup_record (MeowClient *client, const char *task_id)
{
  MeowTransferRecord *record;

  g_return_val_if_fail (MEOW_IS_CLIENT (client), NULL);
  g_return_val_if_fail (task_id != NULL, NULL);

  g_mutex_lock (&client->events_lock);
  record = g_hash_table_lookup (client->latest, task_id);
  if (record)
    meow_transfer_record_ref (record);
  g_mutex_unlock (&client->events_lock);

  return record;
}

/**
 * meow_client_close:
 * @client: a client
 * @error: return location for %MEOW_ERROR_CLIENT_CLOSED
 *
 * Stops every transfer (partial bytes kept), emits Paused for every live
 * task that was not paused already, and joins the worker thread. When
 * called in the owner context (for example from a GApplication's shutdown
 * handler, or from inside a callback) the remaining records are delivered
 * before it returns. Every later call fails with %MEOW_ERROR_CLIENT_CLOSED.
 * Any thread but the worker's.
 *
 * Returns: %TRUE, or %FALSE when already closed.
 */
gboolean
meow_client_close (MeowClient *client, GError **error)
{
  GThread *worker;

  g_return_val_if_fail (MEOW_IS_CLIENT (client), FALSE);

  g_mutex_lock (&client->lock);
  if (!check_open_locked (client, error))
    {
      g_mutex_unlock (&client->lock);
      return FALSE;
    }
  client->closed = TRUE;
  client->worker_held = FALSE;
  push_command (client, CMD_CLOSE, NULL, NULL);
  worker = g_steal_pointer (&client->worker);
  g_mutex_unlock (&client->lock);

  g_object_ref (client);

  g_thread_join (worker);

  g_mutex_lock (&client->lock);
  g_hash_table_remove_all (client->keys);
  g_hash_table_remove_all (client->entries);
  g_mutex_unlock (&client->lock);

  /* Deliver inline only on the owner thread: another thread can acquire
   * the context between two iterations of the owner's loop, and callbacks
   * must never run there. */
  if (g_thread_self () == client->owner_thread && g_main_context_acquire (client->owner_context))
    {
      dispatch_all (client);
      g_main_context_release (client->owner_context);
    }

  g_object_unref (client);

  return TRUE;
}

/**
 * meow_client_is_closed:
 * @client: a client
 *
 * Returns: whether meow_client_close() was called. Any thread.
 */
gboolean
meow_client_is_closed (MeowClient *client)
{
  gboolean closed;

  g_return_val_if_fail (MEOW_IS_CLIENT (client), TRUE);

  g_mutex_lock (&client->lock);
  closed = client->closed;
  g_mutex_unlock (&client->lock);

  return closed;
}

/**
 * meow_client_add_listener:
 * @client: a client
 * @func: (scope notified): receives every record of every task
 * @user_data: data for @func
 * @destroy: (nullable): frees @user_data when the listener is removed
 * @error: return location for %MEOW_ERROR_CLIENT_CLOSED
 *
 * Registers a global listener; it runs in the owner context after the
 * task's own progress callback. Any thread.
 *
 * Returns: a listener id > 0, or 0 with @error set.
 */
guint
meow_client_add_listener (MeowClient    *client,
                          MeowRecordFunc func,
                          gpointer       user_data,
                          GDestroyNotify destroy,
                          GError       **error)
{
  Listener *l;
  guint     id;

  g_return_val_if_fail (MEOW_IS_CLIENT (client), 0);
  g_return_val_if_fail (func != NULL, 0);

  g_mutex_lock (&client->lock);
  if (!check_open_locked (client, error))
    {
      g_mutex_unlock (&client->lock);
      return 0;
    }
  l = g_new0 (Listener, 1);
  g_atomic_ref_count_init (&l->ref_count);
  l->id = id = client->next_listener_id++;
  l->func = func;
  l->user_data = user_data;
  l->destroy = destroy;
  g_ptr_array_add (client->listeners, l);
  g_mutex_unlock (&client->lock);

  return id;
}

/**
 * meow_client_remove_listener:
 * @client: a client
 * @listener_id: an id from meow_client_add_listener()
 * @error: return location for an error
 *
 * Unregisters a listener; it gets no record after this returns, even from
 * the dispatch in progress. Safe inside a callback. Any thread.
 *
 * Returns: %TRUE, or %FALSE with %MEOW_ERROR_PARAMETER_INVALID for an
 *   unknown id or %MEOW_ERROR_CLIENT_CLOSED.
 */
gboolean
meow_client_remove_listener (MeowClient *client, guint listener_id, GError **error)
{
  Listener *found = NULL;

  g_return_val_if_fail (MEOW_IS_CLIENT (client), FALSE);

  g_mutex_lock (&client->lock);
  if (!check_open_locked (client, error))
    {
      g_mutex_unlock (&client->lock);
      return FALSE;
    }
  for (guint i = 0; i < client->listeners->len; i++)
    {
      Listener *l = g_ptr_array_index (client->listeners, i);
      if (l->id == listener_id)
        {
          l->removed = TRUE;
          found = g_ptr_array_steal_index (client->listeners, i);
          break;
        }
    }
  g_mutex_unlock (&client->lock);

  if (found == NULL)
    {
      g_set_error (error, MEOW_ERROR, MEOW_ERROR_PARAMETER_INVALID, "No listener has the id %u.",
                   listener_id);
      return FALSE;
    }

  listener_unref (found);
  return TRUE;
}

/**
 * meow_client_clear_listeners:
 * @client: a client
 * @error: return location for %MEOW_ERROR_CLIENT_CLOSED
 *
 * Unregisters every listener. Any thread.
 *
 * Returns: %TRUE on success.
 */
gboolean
meow_client_clear_listeners (MeowClient *client, GError **error)
{
  g_autoptr (GPtrArray) old = NULL;

  g_return_val_if_fail (MEOW_IS_CLIENT (client), FALSE);

  g_mutex_lock (&client->lock);
  if (!check_open_locked (client, error))
    {
      g_mutex_unlock (&client->lock);
      return FALSE;
    }
  old = g_steal_pointer (&client->listeners);
  client->listeners = g_ptr_array_new_with_free_func ((GDestroyNotify) listener_unref);
  for (guint i = 0; i < old->len; i++)
    ((Listener *) g_ptr_array_index (old, i))->removed = TRUE;
  g_mutex_unlock (&client->lock);

  return TRUE;
}

/**
 * meow_client_set_speed_limits:
 * @client: a client
 * @download_bytes_per_second: global download limit, 0 for none
 * @upload_bytes_per_second: global upload limit, 0 for none
 *
 * Changes the global speed limits; running transfers follow at once. The
 * limit is shared evenly among the running transfers of a direction (a
 * task's own limit still applies when lower). Any thread; ignored after
 * close.
 */
void
meow_client_set_speed_limits (MeowClient *client,
                              guint64     download_bytes_per_second,
                              guint64     upload_bytes_per_second)
{
  g_return_if_fail (MEOW_IS_CLIENT (client));

  g_mutex_lock (&client->lock);
  if (!client->closed)
    {
      client->pending_limit[MEOW_DIRECTION_DOWNLOAD] = download_bytes_per_second;
      client->pending_limit[MEOW_DIRECTION_UPLOAD] = upload_bytes_per_second;
      push_command (client, CMD_LIMITS, NULL, NULL);
    }
  g_mutex_unlock (&client->lock);
}

/**
 * meow_client_set_max_transfers:
 * @client: a client
 * @max_downloads: downloads that may run at once, 1 to 64
 * @max_uploads: uploads that may run at once, 1 to 64
 * @error: return location for a %MEOW_ERROR_PARAMETER_INVALID or
 *   %MEOW_ERROR_CLIENT_CLOSED error
 *
 * Changes the concurrency limits of a running client. A higher limit
 * starts queued tasks at once; a lower one lets the running transfers
 * finish and starts no more until fewer run than the limit (nothing is
 * interrupted). Any thread.
 *
 * Returns: %TRUE when the change was queued
 */
gboolean
meow_client_set_max_transfers (MeowClient *client,
                               guint       max_downloads,
                               guint       max_uploads,
                               GError    **error)
{
  g_return_val_if_fail (MEOW_IS_CLIENT (client), FALSE);

  if (max_downloads < 1 || max_downloads > 64 || max_uploads < 1 || max_uploads > 64)
    {
      g_set_error (error, MEOW_ERROR, MEOW_ERROR_PARAMETER_INVALID,
                   "Between 1 and 64 transfers per direction may run at a time, not %u "
                   "downloads and %u uploads.",
                   max_downloads, max_uploads);
      return FALSE;
    }

  g_mutex_lock (&client->lock);
  if (!check_open_locked (client, error))
    {
      g_mutex_unlock (&client->lock);
      return FALSE;
    }
  client->pending_max[MEOW_DIRECTION_DOWNLOAD] = max_downloads;
  client->pending_max[MEOW_DIRECTION_UPLOAD] = max_uploads;
  push_command (client, CMD_LIMITS, NULL, NULL);
  g_mutex_unlock (&client->lock);
  return TRUE;
}

void
_meow_client_set_worker_held (MeowClient *client, gboolean held)
{
  g_mutex_lock (&client->lock);
  client->worker_held = held;
  g_mutex_unlock (&client->lock);
  curl_multi_wakeup (client->engine.multi);
}

/* ------------------------------------------------------------------ */
/* Worker thread                                                       */

CURLM *
_meow_engine_get_multi (MeowEngine *engine)
{
  return engine->multi;
}

const MeowConfig *
_meow_engine_get_config (MeowEngine *engine)
{
  return engine->config;
}

void
_meow_engine_wakeup (MeowEngine *engine)
{
  curl_multi_wakeup (engine->multi);
}

static void
claim (MeowEngine *engine, MeowJob *job, const char *path)
{
  guint n;

  if (path == NULL || job->task->direction != MEOW_DIRECTION_DOWNLOAD)
    return;
  n = GPOINTER_TO_UINT (g_hash_table_lookup (engine->claims, path));
  g_hash_table_replace (engine->claims, g_strdup (path), GUINT_TO_POINTER (n + 1));
}

static void
unclaim (MeowEngine *engine, MeowJob *job, const char *path)
{
  guint n;

  if (path == NULL || job->task->direction != MEOW_DIRECTION_DOWNLOAD)
    return;
  n = GPOINTER_TO_UINT (g_hash_table_lookup (engine->claims, path));
  g_return_if_fail (n > 0);
  if (n == 1)
    g_hash_table_remove (engine->claims, path);
  else
    g_hash_table_replace (engine->claims, g_strdup (path), GUINT_TO_POINTER (n - 1));
}

gboolean
_meow_engine_target_claimed (MeowEngine *engine, MeowJob *job, const char *path)
{
  gint64 n = GPOINTER_TO_UINT (g_hash_table_lookup (engine->claims, path));

  /* Not counting @job's own claims. */
  if (job->task->direction == MEOW_DIRECTION_DOWNLOAD)
    {
      if (g_strcmp0 (job->task->output_file, path) == 0)
        n--;
      if (g_strcmp0 (job->local_path, path) == 0)
        n--;
    }
  return n > 0;
}

void
_meow_engine_set_local_path (MeowJob *job, const char *path)
{
  char *old = g_steal_pointer (&job->local_path);

  job->local_path = g_strdup (path);
  claim (job->engine, job, job->local_path);
  unclaim (job->engine, job, old);
  g_free (old);
}

void
_meow_engine_foreach_job (MeowEngine *engine,
                          MeowJob    *except,
                          void (*func) (MeowJob *job, gpointer data),
                          gpointer data)
{
  GHashTableIter iter;
  MeowJob       *other;

  g_hash_table_iter_init (&iter, engine->jobs);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &other))
    if (other != except)
      func (other, data);
}

gboolean
_meow_engine_identity_claimed (MeowEngine *engine, MeowJob *job, const char *identity)
{
  GHashTableIter iter;
  MeowJob       *other;

  g_hash_table_iter_init (&iter, engine->jobs);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &other))
    if (other != job && g_strcmp0 (other->identity, identity) == 0)
      return TRUE;
  return FALSE;
}

void
_meow_engine_send_detached (MeowEngine *engine, CURL *easy, struct curl_slist *headers)
{
  g_hash_table_insert (engine->detached, easy, headers);
  curl_multi_add_handle (engine->multi, easy);
}

static void
detached_done (MeowEngine *engine, CURL *easy, CURLcode result)
{
  struct curl_slist *headers = g_hash_table_lookup (engine->detached, easy);
  long               status = 0;
  char              *url = NULL;

  curl_easy_getinfo (easy, CURLINFO_RESPONSE_CODE, &status);
  curl_easy_getinfo (easy, CURLINFO_EFFECTIVE_URL, &url);
  if (result != CURLE_OK || status < 200 || status > 299)
    {
      g_autofree char *redacted = _meow_redact_url (url ? url : "");
      g_debug ("A request to %s after cancel did not succeed: %s, status %ld", redacted,
               curl_easy_strerror (result), status);
    }
  g_hash_table_remove (engine->detached, easy);
  curl_multi_remove_handle (engine->multi, easy);
  curl_easy_cleanup (easy);
  curl_slist_free_all (headers);
}

static MeowTransferRecord *
make_record (MeowJob *job, MeowStatus status)
{
  MeowTransferRecord *record = _meow_transfer_record_new (job->id, job->task->direction, status);

  record->name = g_strdup (job->name);
  record->local_path = g_strdup (job->local_path);
  record->total = job->total;
  record->transferred = job->transferred;
  record->restart_reason = job->restart_reason;
  record->upload_url = g_strdup (job->upload_url);
  record->hashed = job->hashed;
  if (status == MEOW_STATUS_TRANSMISSION)
    record->phase = job->phase;
  if (status == MEOW_STATUS_TRANSMISSION && job->phase == MEOW_PHASE_TRANSFER)
    {
      record->speed = job->speed;
      if (job->total >= 0 && job->speed > 1.0)
        record->eta = (gint64) ((double) ((guint64) job->total -
                                          MIN ((guint64) job->total, job->transferred)) /
                                    job->speed +
                                0.5);
    }
  return record;
}

static void
emit (MeowJob *job, MeowStatus status)
{
  post_record (job->engine->client, make_record (job, status));
}

void
_meow_engine_report_progress (MeowJob *job)
{
  job->transmission_started = TRUE;
  job->reported_bytes = job->transferred;
  job->reported_hashed = job->hashed;
  job->reported_once = TRUE;
  emit (job, MEOW_STATUS_TRANSMISSION);
}

static void
job_free (MeowJob *job)
{
  if (job->driver->free)
    job->driver->free (job);
  unclaim (job->engine, job, job->task->output_file);
  unclaim (job->engine, job, job->local_path);
  meow_task_unref (job->task);
  g_free (job->id);
  g_free (job->name);
  g_free (job->local_path);
  g_free (job->upload_url);
  g_free (job->identity);
  g_free (job);
}

static void
apply_limits (MeowEngine *engine)
{
  for (guint i = 0; i < engine->active->len; i++)
    {
      MeowJob      *job = g_ptr_array_index (engine->active, i);
      MeowDirection dir = job->task->direction;
      guint64       global = engine->limit[dir];
      guint64       share = 0;
      guint64       own = job->task->speed_limit;

      if (job->state != MEOW_JOB_ACTIVE || job->driver->limit == NULL)
        continue;
      if (global > 0)
        share = MAX (1, global / MAX (1, engine->running[dir]));
      if (own > 0 && (share == 0 || own < share))
        share = own;
      job->driver->limit (job, share);
    }
}

static void
set_entry_state (MeowEngine *engine, const char *id, EntryState from, EntryState to)
{
  MeowClient *client = engine->client;
  Entry      *entry;

  g_mutex_lock (&client->lock);
  entry = g_hash_table_lookup (client->entries, id);
  if (entry && entry->state == from)
    entry->state = to;
  g_mutex_unlock (&client->lock);
}

/* Drop a job from the scheduler's view (queue or running count). */
static void
unschedule (MeowEngine *engine, MeowJob *job)
{
  MeowDirection dir = job->task->direction;

  if (job->state == MEOW_JOB_QUEUED)
    g_queue_remove (&engine->queue[dir], job);
  else if (job->state == MEOW_JOB_ACTIVE)
    {
      g_assert (engine->running[dir] > 0);
      engine->running[dir]--;
      g_ptr_array_remove_fast (engine->active, job);
    }
}

void
_meow_engine_finish (MeowJob *job, MeowStatus status, GError *error, const char *payload)
{
  MeowEngine         *engine = job->engine;
  MeowClient         *client = engine->client;
  MeowTransferRecord *record;
  Entry              *entry;

  g_assert (status_is_terminal (status));

  g_mutex_lock (&client->lock);
  entry = g_hash_table_lookup (client->entries, job->id);
  if (entry != NULL)
    remove_entry_locked (client, entry);
  g_mutex_unlock (&client->lock);

  unschedule (engine, job);
  g_hash_table_remove (engine->jobs, job->id);

  if (status == MEOW_STATUS_COMPLETE)
    job->transferred = job->total >= 0 ? (guint64) job->total : job->transferred;

  record = make_record (job, status);
  record->error = error;
  record->payload = g_strdup (payload);
  post_record (client, record);

  job_free (job);
  apply_limits (engine);
}

static void
schedule (MeowEngine *engine)
{
  gboolean changed = FALSE;

  for (int dir = 0; dir < 2; dir++)
    {
      guint limit = dir == MEOW_DIRECTION_DOWNLOAD ? engine->config->max_downloads
                                                   : engine->config->max_uploads;

      while (engine->running[dir] < limit && !g_queue_is_empty (&engine->queue[dir]))
        {
          MeowJob *job = g_queue_pop_head (&engine->queue[dir]);

          job->state = MEOW_JOB_ACTIVE;
          engine->running[dir]++;
          g_ptr_array_add (engine->active, job);
          set_entry_state (engine, job->id, ENTRY_PENDING, ENTRY_ACTIVE);
          job->sample_time = g_get_monotonic_time ();
          job->sample_bytes = job->transferred;
          job->speed = 0;
          job->transmission_started = FALSE;
          job->driver->start (job);
          changed = TRUE;
        }
    }

  if (changed)
    apply_limits (engine);
}

static void
handle_command (MeowEngine *engine, Command *cmd, gboolean *quit)
{
  MeowClient *client = engine->client;
  MeowJob    *job = cmd->id ? g_hash_table_lookup (engine->jobs, cmd->id) : NULL;

  switch (cmd->kind)
    {
    case CMD_ENQUEUE:
      g_mutex_lock (&client->lock);
      client->pending_enqueues--;
      g_mutex_unlock (&client->lock);

      job = g_new0 (MeowJob, 1);
      job->engine = engine;
      job->driver = cmd->task->direction == MEOW_DIRECTION_UPLOAD ? &_meow_upload_driver
                                                                  : &_meow_download_driver;
      job->task = meow_task_ref (cmd->task);
      job->id = g_strdup (cmd->id);
      job->name = g_strdup (cmd->task->name);
      job->local_path =
          g_strdup (cmd->task->direction == MEOW_DIRECTION_UPLOAD ? cmd->task->source_file
                                                                  : cmd->task->output_file);
      job->upload_url = g_strdup (cmd->task->upload_url);
      job->total = cmd->task->size_hint;
      claim (engine, job, job->task->output_file);
      claim (engine, job, job->local_path);
      job->state = MEOW_JOB_QUEUED;
      g_hash_table_insert (engine->jobs, job->id, job);
      g_queue_push_tail (&engine->queue[job->task->direction], job);
      emit (job, MEOW_STATUS_PENDING);
      break;

    case CMD_PAUSE:
      if (job == NULL || job->state == MEOW_JOB_PAUSED)
        break;
      if (job->state == MEOW_JOB_ACTIVE)
        job->driver->stop (job, MEOW_STOP_PAUSE);
      unschedule (engine, job);
      job->state = MEOW_JOB_PAUSED;
      job->speed = 0;
      emit (job, MEOW_STATUS_PAUSED);
      apply_limits (engine);
      break;

    case CMD_RESUME:
      if (job == NULL || job->state != MEOW_JOB_PAUSED)
        break;
      job->state = MEOW_JOB_QUEUED;
      g_queue_push_tail (&engine->queue[job->task->direction], job);
      emit (job, MEOW_STATUS_PENDING);
      break;

    case CMD_CANCEL:
      if (job == NULL)
        break;
      job->driver->stop (job, MEOW_STOP_CANCEL);
      _meow_engine_finish (
          job, MEOW_STATUS_CANCELED,
          g_error_new (MEOW_ERROR, MEOW_ERROR_CANCELED, "The transfer was canceled."), NULL);
      break;

    case CMD_LIMITS:
      g_mutex_lock (&client->lock);
      engine->limit[0] = client->pending_limit[0];
      engine->limit[1] = client->pending_limit[1];
      /* The engine's own copy of the config: only the worker reads it. */
      engine->config->max_downloads = client->pending_max[MEOW_DIRECTION_DOWNLOAD];
      engine->config->max_uploads = client->pending_max[MEOW_DIRECTION_UPLOAD];
      g_mutex_unlock (&client->lock);
      apply_limits (engine);
      break;

    case CMD_CLOSE:
      *quit = TRUE;
      break;

    default:
      g_assert_not_reached ();
    }
}

static void
shutdown_jobs (MeowEngine *engine)
{
  GHashTableIter iter;
  MeowJob       *job;
  GList         *jobs, *l;

  /* Paused records in enqueue order would be nicer; any order is valid. */
  jobs = g_hash_table_get_values (engine->jobs);
  for (l = jobs; l; l = l->next)
    {
      job = l->data;
      if (job->state == MEOW_JOB_ACTIVE)
        job->driver->stop (job, MEOW_STOP_CLOSE);
      if (job->state != MEOW_JOB_PAUSED)
        {
          job->speed = 0;
          emit (job, MEOW_STATUS_PAUSED);
        }
    }
  g_list_free (jobs);

  g_hash_table_iter_init (&iter, engine->jobs);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &job))
    {
      g_hash_table_iter_steal (&iter);
      job_free (job);
    }
  g_queue_clear (&engine->queue[0]);
  g_queue_clear (&engine->queue[1]);
  g_ptr_array_set_size (engine->active, 0);
  engine->running[0] = engine->running[1] = 0;
}

/* Requests of no job (a tus termination after cancel) get up to two
 * seconds to reach the server before the worker ends. */
static void
finish_detached (MeowEngine *engine)
{
  gint64 deadline = g_get_monotonic_time () + 2 * G_USEC_PER_SEC;

  while (g_hash_table_size (engine->detached) > 0 && g_get_monotonic_time () < deadline)
    {
      int      running;
      int      left;
      CURLMsg *msg;

      curl_multi_perform (engine->multi, &running);
      while ((msg = curl_multi_info_read (engine->multi, &left)) != NULL)
        if (msg->msg == CURLMSG_DONE && g_hash_table_contains (engine->detached, msg->easy_handle))
          detached_done (engine, msg->easy_handle, msg->data.result);
      if (g_hash_table_size (engine->detached) > 0)
        curl_multi_poll (engine->multi, NULL, 0, 100, NULL);
    }

  {
    GHashTableIter     iter;
    CURL              *easy;
    struct curl_slist *headers;

    g_hash_table_iter_init (&iter, engine->detached);
    while (g_hash_table_iter_next (&iter, (gpointer *) &easy, (gpointer *) &headers))
      {
        curl_multi_remove_handle (engine->multi, easy);
        curl_easy_cleanup (easy);
        curl_slist_free_all (headers);
        g_hash_table_iter_remove (&iter);
      }
  }
}

static void
sample_progress (MeowEngine *engine, gint64 now)
{
  for (guint i = 0; i < engine->active->len; i++)
    {
      MeowJob *job = g_ptr_array_index (engine->active, i);
      double   dt;

      if (job->state != MEOW_JOB_ACTIVE)
        continue;
      if (job->phase == MEOW_PHASE_HASHING)
        {
          if (job->hashed != job->reported_hashed)
            _meow_engine_report_progress (job);
          continue;
        }
      if (!job->transmission_started)
        continue;

      dt = (now - job->sample_time) / (double) G_USEC_PER_SEC;
      if (dt > 0)
        {
          double instant =
              (double) (job->transferred - MIN (job->transferred, job->sample_bytes)) / dt;
          /* Exponential smoothing over ~1 s keeps the speed and the time
           * left readable without hiding real changes for long. */
          double alpha = MIN (1.0, dt / 1.0);
          job->speed = job->speed <= 0 ? instant : job->speed + alpha * (instant - job->speed);
        }
      job->sample_time = now;
      job->sample_bytes = job->transferred;

      if (!job->reported_once || job->transferred != job->reported_bytes)
        _meow_engine_report_progress (job);
    }
}

static gpointer
worker_main (gpointer data)
{
  MeowClient *client = data;
  MeowEngine *engine = &client->engine;
  gboolean    quit = FALSE;
  gint64      interval = (gint64) engine->config->progress_interval_ms * 1000;

  engine->next_progress = g_get_monotonic_time () + interval;

  while (!quit)
    {
      Command *cmd;
      gboolean held;
      int      running_handles;
      CURLMsg *msg;
      int      msgs_left;
      gint64   now, next_wake;
      long     curl_timeout = -1;
      int      timeout_ms;
      MeowJob *job;

      g_mutex_lock (&client->lock);
      held = client->worker_held;
      g_mutex_unlock (&client->lock);

      while (!quit && !held && (cmd = g_async_queue_try_pop (client->commands)) != NULL)
        {
          handle_command (engine, cmd, &quit);
          command_free (cmd);
        }
      if (quit)
        break;

      schedule (engine);

      curl_multi_perform (engine->multi, &running_handles);

      while ((msg = curl_multi_info_read (engine->multi, &msgs_left)) != NULL)
        {
          if (msg->msg == CURLMSG_DONE)
            {
              CURL    *easy = msg->easy_handle;
              CURLcode result = msg->data.result;
              char    *priv = NULL;

              if (g_hash_table_contains (engine->detached, easy))
                {
                  detached_done (engine, easy, result);
                  continue;
                }
              curl_easy_getinfo (easy, CURLINFO_PRIVATE, &priv);
              job = (MeowJob *) priv;
              /* The driver removes the handle from the multi. */
              job->driver->done (job, easy, result);
            }
        }

      now = g_get_monotonic_time ();
      next_wake = G_MAXINT64;

      /* Drivers' timers (retries, hashing). Over a copy: a tick may
       * finish its job (no job starts meanwhile, so a job still in
       * engine->active is one of the copy's, not a new one at a freed
       * address). */
      {
        g_autoptr (GPtrArray) active = g_ptr_array_copy (engine->active, NULL, NULL);

        for (guint i = 0; i < active->len; i++)
          {
            job = g_ptr_array_index (active, i);
            if (job->driver->tick && g_ptr_array_find (engine->active, job, NULL))
              {
                /* Not inside MIN(): that would call the tick twice. */
                gint64 wake = job->driver->tick (job, now);
                next_wake = MIN (next_wake, wake);
              }
          }
      }

      if (now >= engine->next_progress)
        {
          sample_progress (engine, now);
          engine->next_progress = now + interval;
        }
      next_wake = MIN (next_wake, engine->next_progress);

      /* Jobs may have been queued or finished by the steps above. */
      schedule (engine);

      curl_multi_timeout (engine->multi, &curl_timeout);
      now = g_get_monotonic_time ();
      timeout_ms = (int) CLAMP ((next_wake - now + 999) / 1000, 0, 1000);
      if (curl_timeout >= 0 && curl_timeout < timeout_ms)
        timeout_ms = (int) curl_timeout;
      if (!g_async_queue_length (client->commands) || held)
        curl_multi_poll (engine->multi, NULL, 0, timeout_ms, NULL);
    }

  shutdown_jobs (engine);
  finish_detached (engine);

  return NULL;
}
