/* meow-client.c: the transfer engine's public face and its task table
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Threads (see docs/engine.md):
 *  - the owner thread: whatever thread's default GMainContext was current at
 *    meow_client_new(). Callbacks and listeners run there, from one
 *    coalescing GSource.
 *  - any thread: API calls. They check and update the shared task table
 *    under @lock and post a command to the engine (meow-engine.c), which
 *    wakes the worker.
 *  - the worker thread (meow-engine.c): owns the CURLM, every CURL handle,
 *    every job and every file descriptor. It never calls user code; it
 *    talks back only through _meow_client_post_record() and
 *    _meow_client_task_started().
 */
#include "config.h"

#include "meow-client-private.h"
#include "meow-engine-private.h"
#include "meow-error.h"
#include "meow-http-private.h"
#include "meow-i18n-private.h"
#include "meow-log-private.h"
#include "meow-transfer-record-private.h"

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
  MeowTask     *task; /* the task as it is now (meow_client_change_url() replaces it) */
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

/* The debug-log listener (meow_client_set_log_func()). */
typedef struct
{
  gatomicrefcount ref_count;
  MeowLogFunc     func;
  gpointer        user_data;
  GDestroyNotify  destroy;
} LogSink;

typedef struct
{
  GLogLevelFlags level;
  char          *task_id;
  char          *message;
} LogLine;

struct _MeowClient
{
  GObject parent_instance;

  MeowConfig   *config;
  GMainContext *owner_context;
  GThread      *owner_thread;
  GSource      *dispatch_source;
  MeowEngine   *engine; /* the worker's half */

  /* Shared state (lock). */
  GMutex      lock;
  GHashTable *entries;   /* id -> Entry */
  GHashTable *keys;      /* dedupe key -> id (borrowed from entry) */
  GHashTable *callbacks; /* id -> Callbacks */
  GPtrArray  *listeners; /* Listener */
  guint       next_listener_id;
  gboolean    closed;

  /* Records out (events_lock). */
  GMutex      events_lock;
  GQueue      events;           /* MeowTransferRecord */
  GHashTable *pending_progress; /* id -> GList link in events */
  GHashTable *latest;           /* id -> MeowTransferRecord */
  GQueue      logs;             /* LogLine, at most MEOW_LOG_QUEUE_MAX */
  guint       logs_dropped;     /* since the last delivery */
  gboolean    wake_owner;       /* records went into an empty queue since the last flush */

  LogSink *log_sink; /* (lock); NULL: none */
  gint     log_on;   /* atomic: log_sink != NULL, read without the lock */
};

G_DEFINE_FINAL_TYPE (MeowClient, meow_client, G_TYPE_OBJECT)
G_DEFINE_BOXED_TYPE (MeowSnapshot, meow_snapshot, meow_snapshot_copy, meow_snapshot_free)

static void dispatch_all (MeowClient *self);

static LogSink *
log_sink_ref (LogSink *sink)
{
  g_atomic_ref_count_inc (&sink->ref_count);
  return sink;
}

static void
log_sink_unref (LogSink *sink)
{
  if (!g_atomic_ref_count_dec (&sink->ref_count))
    return;
  if (sink->destroy)
    sink->destroy (sink->user_data);
  g_free (sink);
}

static void
log_line_free (LogLine *line)
{
  g_free (line->task_id);
  g_free (line->message);
  g_free (line);
}

/* ------------------------------------------------------------------ */
/* Small helpers                                                       */

static void
entry_free (Entry *entry)
{
  g_free (entry->id);
  g_free (entry->key);
  g_free (entry->target_key);
  g_free (entry->active_key);
  g_clear_pointer (&entry->task, meow_task_unref);
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

static void
remove_entry_locked (MeowClient *self, Entry *entry)
{
  g_hash_table_remove (self->keys, entry->key);
  if (entry->target_key)
    g_hash_table_remove (self->keys, entry->target_key);
  g_hash_table_remove (self->entries, entry->id);
}

static gboolean
check_open_locked (MeowClient *self, GError **error)
{
  if (self->closed)
    {
      g_set_error_literal (error, MEOW_ERROR, MEOW_ERROR_CLIENT_CLOSED,
                           _ ("The transfer client has been closed."));
      return FALSE;
    }
  return TRUE;
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

void
_meow_client_task_started (MeowClient *self, const char *task_id)
{
  Entry *entry;

  g_mutex_lock (&self->lock);
  entry = g_hash_table_lookup (self->entries, task_id);
  /* Not when a pause or cancel is already on its way to the worker. */
  if (entry && entry->state == ENTRY_PENDING)
    entry->state = ENTRY_ACTIVE;
  g_mutex_unlock (&self->lock);
}

void
_meow_client_task_waiting (MeowClient *self, const char *task_id)
{
  Entry *entry;

  g_mutex_lock (&self->lock);
  entry = g_hash_table_lookup (self->entries, task_id);
  if (entry && entry->state == ENTRY_ACTIVE)
    entry->state = ENTRY_PENDING;
  g_mutex_unlock (&self->lock);
}

void
_meow_client_task_paused (MeowClient *self, const char *task_id)
{
  Entry *entry;

  g_mutex_lock (&self->lock);
  entry = g_hash_table_lookup (self->entries, task_id);
  if (entry && entry->state == ENTRY_ACTIVE)
    entry->state = ENTRY_PAUSED;
  g_mutex_unlock (&self->lock);
}

/* Progress records coalesce: a newer one replaces an older one of the same
 * task that is still waiting, unless a lifecycle record came in between.
 * Lifecycle records are never dropped nor reordered. */
void
_meow_client_post_record (MeowClient *self, MeowTransferRecord *record)
{
  gboolean was_empty;

  if (_meow_status_is_terminal (record->status))
    {
      Entry *entry;

      g_mutex_lock (&self->lock);
      entry = g_hash_table_lookup (self->entries, record->task_id);
      if (entry != NULL)
        remove_entry_locked (self, entry);
      g_mutex_unlock (&self->lock);
    }

  g_mutex_lock (&self->events_lock);

  if (record->status == MEOW_STATUS_TRANSMISSION)
    {
      GList *link = g_hash_table_lookup (self->pending_progress, record->task_id);

      /* The one that replaces a waiting one carries its requests: nobody
       * has seen @record yet, so it may still change. */
      if (link != NULL && ((MeowTransferRecord *) link->data)->phase == record->phase)
        _meow_transfer_record_take_requests (record, link->data);
    }
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

  /* The owner is woken once per worker loop turn, for every record of
   * that turn (_meow_client_flush_records()), not once per record. */
  self->wake_owner = self->wake_owner || was_empty;
  g_mutex_unlock (&self->events_lock);
}

void
_meow_client_flush_records (MeowClient *self)
{
  gboolean wake;

  g_mutex_lock (&self->events_lock);
  wake = self->wake_owner;
  self->wake_owner = FALSE;
  g_mutex_unlock (&self->events_lock);
  if (wake)
    g_source_set_ready_time (self->dispatch_source, 0);
}

gboolean
_meow_client_wants_log (MeowClient *self)
{
  return g_atomic_int_get (&self->log_on) ||
         !g_log_writer_default_would_drop (G_LOG_LEVEL_DEBUG, G_LOG_DOMAIN);
}

void
_meow_client_post_log (MeowClient    *self,
                       GLogLevelFlags level,
                       const char    *task_id,
                       const char    *message)
{
  LogLine *line;
  gboolean was_empty;

  if (!g_atomic_int_get (&self->log_on))
    return;

  line = g_new0 (LogLine, 1);
  line->level = level;
  line->task_id = g_strdup (task_id);
  line->message = g_strdup (message);

  g_mutex_lock (&self->events_lock);
  was_empty = g_queue_is_empty (&self->logs) && g_queue_is_empty (&self->events);
  g_queue_push_tail (&self->logs, line);
  while (self->logs.length > MEOW_LOG_QUEUE_MAX)
    {
      log_line_free (g_queue_pop_head (&self->logs));
      self->logs_dropped++;
    }
  g_mutex_unlock (&self->events_lock);

  if (was_empty)
    g_source_set_ready_time (self->dispatch_source, 0);
}

/* Owner context: every waiting log line to the listener. */
static void
deliver_logs (MeowClient *self)
{
  for (;;)
    {
      LogLine *line;
      LogSink *sink = NULL;
      guint    dropped;

      g_mutex_lock (&self->events_lock);
      line = g_queue_pop_head (&self->logs);
      dropped = self->logs_dropped;
      self->logs_dropped = 0;
      g_mutex_unlock (&self->events_lock);

      if (line == NULL)
        return;

      g_mutex_lock (&self->lock);
      if (self->log_sink != NULL)
        sink = log_sink_ref (self->log_sink);
      g_mutex_unlock (&self->lock);

      if (sink != NULL)
        {
          if (dropped > 0)
            {
              g_autofree char *note = g_strdup_printf (
                  "%u debug lines were dropped: the listener fell behind", dropped);

              sink->func (self, G_LOG_LEVEL_DEBUG, NULL, note, sink->user_data);
            }
          sink->func (self, line->level, line->task_id, line->message, sink->user_data);
          log_sink_unref (sink);
        }
      log_line_free (line);
    }
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
      if (_meow_status_is_terminal (record->status))
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

      deliver_logs (self);

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

  if (self->engine != NULL && !self->closed)
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

  if (self->dispatch_source)
    {
      g_source_destroy (self->dispatch_source);
      g_clear_pointer (&self->dispatch_source, g_source_unref);
    }

  g_queue_clear_full (&self->events, (GDestroyNotify) meow_transfer_record_unref);
  g_queue_clear_full (&self->logs, (GDestroyNotify) log_line_free);
  g_clear_pointer (&self->log_sink, log_sink_unref);
  g_hash_table_unref (self->pending_progress);
  g_hash_table_unref (self->latest);
  g_hash_table_unref (self->entries);
  g_hash_table_unref (self->keys);
  g_hash_table_unref (self->callbacks);
  g_ptr_array_unref (self->listeners);

  g_clear_pointer (&self->engine, _meow_engine_free);

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
  g_queue_init (&self->events);
  g_queue_init (&self->logs);
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

  self->engine = _meow_engine_new (self, self->config);

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

static char *enqueue (MeowClient      *client,
                      MeowTask        *task,
                      gboolean         paused,
                      MeowRecordFunc   progress,
                      MeowCompleteFunc complete,
                      gpointer         user_data,
                      GDestroyNotify   destroy,
                      GError         **error);

/**
 * meow_client_enqueue:
 * @client: a client
 * @task: (transfer none): the task
 * @progress: (nullable) (scope notified): called with every record of the task
 * @complete: (nullable) (scope notified): called once when it completes
 * @user_data: (closure): data for the callbacks
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
 * the owner context. Any thread. Bindings call
 * meow_client_enqueue_with_callback() instead, whose one callback gets every record.
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
  return enqueue (client, task, FALSE, progress, complete, user_data, destroy, error);
}

/**
 * meow_client_enqueue_paused:
 * @client: a client
 * @task: (transfer none): the task
 * @callback: (nullable) (scope notified): called with every record of the task
 * @user_data: (closure): data for @callback
 * @destroy: (nullable): frees @user_data after the task's terminal record
 *   was delivered (or when the client is finalized); not called when this
 *   function fails
 * @error: return location for an error
 *
 * Adds @task paused (rusty-cat's `try_enqueue_paused`): the client knows
 * it from now on (meow_client_snapshot() counts it paused, its first record
 * says %MEOW_STATUS_PAUSED, a second task for the same URL and target is a
 * duplicate) but it does no I/O at all, no request, no file opened, no
 * upload source read or hashed, until meow_client_resume() puts it at the
 * back of its queue. meow_client_cancel() ends it as any paused task. The
 * same checks and errors as meow_client_enqueue(). Any thread.
 *
 * Returns: (transfer full) (nullable): the task id, or %NULL with @error set.
 */
char *
meow_client_enqueue_paused (MeowClient    *client,
                            MeowTask      *task,
                            MeowRecordFunc callback,
                            gpointer       user_data,
                            GDestroyNotify destroy,
                            GError       **error)
{
  return enqueue (client, task, TRUE, callback, NULL, user_data, destroy, error);
}

static char *
enqueue (MeowClient      *client,
         MeowTask        *task,
         gboolean         paused,
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
                   _ ("A task with the id %s is already queued."), task->id);
      goto fail;
    }

  if (g_hash_table_contains (client->keys, key) ||
      (target_key && g_hash_table_contains (client->keys, target_key)))
    {
      if (task->direction == MEOW_DIRECTION_UPLOAD)
        g_set_error (error, MEOW_ERROR, MEOW_ERROR_DUPLICATE_TASK,
                     _ ("“%s” is already being uploaded to %s."),
                     task->source_file ? task->source_file : task->name, task->redacted_url);
      else if (task->output_file)
        g_set_error (error, MEOW_ERROR, MEOW_ERROR_DUPLICATE_TASK,
                     _ ("Another transfer is already writing “%s”."), task->output_file);
      else
        g_set_error (error, MEOW_ERROR, MEOW_ERROR_DUPLICATE_TASK,
                     _ ("%s is already being downloaded to “%s”."), task->redacted_url,
                     task->output_dir);
      goto fail;
    }

  if (_meow_engine_get_pending_enqueues (client->engine) >= client->config->command_queue_capacity)
    {
      g_set_error (
          error, MEOW_ERROR, MEOW_ERROR_COMMAND_SEND_FAILED,
          _ ("Too many transfers are being added at once (the queue holds %u); try again."),
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
  entry->state = paused ? ENTRY_PAUSED : ENTRY_PENDING;
  entry->task = meow_task_ref (task);
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

  _meow_engine_enqueue (client->engine, task, paused);

  g_mutex_unlock (&client->lock);

  return g_strdup (task->id);

fail:
  g_mutex_unlock (&client->lock);
  return NULL;
}

/* One meow_client_enqueue_and_wait_async() call: its GTask, returned once, from the
 * task's terminal record or, when the client drops the callbacks before one (it was
 * finalized), from the destroy notify. The GTask has no source object: a reference to
 * the client from it would keep the client, and so these callbacks, alive forever. */
typedef struct
{
  GTask        *gtask;
  GWeakRef      client;
  GCancellable *cancellable;
  gulong        cancel_id;
  char         *task_id;
  gboolean      returned;
} Wait;

static void
wait_record_cb (MeowClient *client, const MeowTransferRecord *record, gpointer user_data)
{
  Wait         *wait = user_data;
  const GError *error;

  if (wait->returned)
    return;
  switch (meow_transfer_record_get_status (record))
    {
    case MEOW_STATUS_COMPLETE:
      g_task_return_pointer (wait->gtask, g_strdup (meow_transfer_record_get_payload (record)),
                             g_free);
      break;
    case MEOW_STATUS_FAILED:
      error = meow_transfer_record_get_error (record);
      if (error != NULL)
        g_task_return_error (wait->gtask, g_error_copy (error));
      else
        g_task_return_new_error (wait->gtask, MEOW_ERROR, MEOW_ERROR_INVALID_TASK_STATE,
                                 "The transfer failed without an error.");
      break;
    case MEOW_STATUS_CANCELED:
      g_task_return_new_error (wait->gtask, MEOW_ERROR, MEOW_ERROR_CANCELED,
                               "The transfer was canceled.");
      break;
    default:
      return;
    }
  wait->returned = TRUE;
}

static void
wait_free (gpointer data)
{
  Wait *wait = data;

  if (wait->cancel_id != 0)
    g_cancellable_disconnect (wait->cancellable, wait->cancel_id);
  if (!wait->returned)
    g_task_return_new_error (wait->gtask, MEOW_ERROR, MEOW_ERROR_CLIENT_CLOSED,
                             "The client went away before the transfer ended.");
  g_weak_ref_clear (&wait->client);
  g_clear_object (&wait->cancellable);
  g_clear_object (&wait->gtask);
  g_free (wait->task_id);
  g_free (wait);
}

/* GCancellable::cancelled, in the canceling thread: cancel the task (any thread); its
 * Canceled record then returns MEOW_ERROR_CANCELED. */
static void
wait_cancelled_cb (GCancellable *cancellable, gpointer user_data)
{
  Wait *wait = user_data;
  g_autoptr (MeowClient) client = g_weak_ref_get (&wait->client);

  if (client != NULL)
    meow_client_cancel (client, wait->task_id, NULL);
}

/**
 * meow_client_enqueue_and_wait_async:
 * @client: a client
 * @task: (transfer none): the task
 * @cancellable: (nullable): cancels the task (meow_client_cancel())
 * @callback: (scope async) (closure user_data): called in the thread-default main
 *   context of the caller when the task ended
 * @user_data: data for @callback
 *
 * Queues @task, as meow_client_enqueue() does, and completes when it ends: with its
 * payload on Complete, the record's error on Failed, %MEOW_ERROR_CANCELED on Canceled
 * (also when @cancellable was triggered), %MEOW_ERROR_CLIENT_CLOSED when the client
 * is finalized first (a closed client's paused tasks end no other way). Enqueue
 * errors (a duplicate, a closed client) complete it too. Listeners still get every
 * record. The result has no source object. Finish with
 * meow_client_enqueue_and_wait_finish(). In the owner context (where the client's
 * callbacks run); @callback runs in the caller's thread-default main context.
 */
void
meow_client_enqueue_and_wait_async (MeowClient         *client,
                                    MeowTask           *task,
                                    GCancellable       *cancellable,
                                    GAsyncReadyCallback callback,
                                    gpointer            user_data)
{
  g_autoptr (GTask) gtask = NULL;
  g_autoptr (GError) error = NULL;
  Wait *wait;
  char *task_id;

  g_return_if_fail (MEOW_IS_CLIENT (client));
  g_return_if_fail (task != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  gtask = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (gtask, meow_client_enqueue_and_wait_async);
  /* Canceled is the task's own answer (MEOW_ERROR_CANCELED), not G_IO_ERROR_CANCELLED. */
  g_task_set_check_cancellable (gtask, FALSE);
  if (cancellable != NULL && g_cancellable_is_cancelled (cancellable))
    {
      g_task_return_new_error (gtask, MEOW_ERROR, MEOW_ERROR_CANCELED,
                               "The transfer was canceled before it was queued.");
      return;
    }

  wait = g_new0 (Wait, 1);
  wait->gtask = g_object_ref (gtask);
  g_weak_ref_init (&wait->client, client);
  task_id = meow_client_enqueue (client, task, wait_record_cb, NULL, wait, wait_free, &error);
  if (task_id == NULL)
    {
      wait->returned = TRUE;
      g_task_return_error (gtask, g_steal_pointer (&error));
      wait_free (wait);
      return;
    }
  /* The record callback and wait_free run in the owner context, after this returns. */
  wait->task_id = task_id;
  if (cancellable != NULL)
    {
      wait->cancellable = g_object_ref (cancellable);
      wait->cancel_id =
          g_cancellable_connect (cancellable, G_CALLBACK (wait_cancelled_cb), wait, NULL);
    }
}

/**
 * meow_client_enqueue_and_wait_finish:
 * @client: a client
 * @result: the result given to the callback
 * @error: return location for the task's error
 *
 * Finishes meow_client_enqueue_and_wait_async(). In the callback's thread.
 * The error is the Failed record's; the rest of that record (the HTTP status
 * that ended the task, meow_transfer_record_get_http_status(), its tag) is
 * meow_client_dup_record() for the task's id, which keeps the terminal
 * record.
 *
 * Returns: (transfer full) (nullable): the completion payload (a download's final path,
 *   an upload protocol's file id or URL), or %NULL with @error set (%NULL without one
 *   when the task completed with no payload)
 */
char *
meow_client_enqueue_and_wait_finish (MeowClient *client, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (MEOW_IS_CLIENT (client), NULL);
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  g_return_val_if_fail (
      g_task_get_source_tag (G_TASK (result)) == meow_client_enqueue_and_wait_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/**
 * meow_client_enqueue_with_callback: (rename-to meow_client_enqueue)
 * @client: a client
 * @task: (transfer none): the task
 * @callback: (nullable) (scope notified) (closure user_data) (destroy destroy): called
 *   with every record of the task in the owner context; its terminal record (Complete,
 *   whose meow_transfer_record_get_payload() is the payload; Failed; Canceled) is the last
 * @user_data: data for @callback
 * @destroy: (nullable): frees @user_data after the task's terminal record was delivered
 *   (or when the client is finalized); not called when this function fails
 * @error: return location for an error
 *
 * meow_client_enqueue() with one callback instead of two sharing @user_data: the form
 * language bindings call (as `enqueue`). The same checks and errors. Any thread.
 *
 * Returns: (transfer full) (nullable): the task id, or %NULL with @error set.
 */
char *
meow_client_enqueue_with_callback (MeowClient    *client,
                                   MeowTask      *task,
                                   MeowRecordFunc callback,
                                   gpointer       user_data,
                                   GDestroyNotify destroy,
                                   GError       **error)
{
  return meow_client_enqueue (client, task, callback, NULL, user_data, destroy, error);
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
                 _ ("No queued or running transfer has the id %s."), task_id ? task_id : "(null)");
  return entry;
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
                   _ ("The transfer %s is already paused."), task_id);
      goto fail;
    }
  entry->state = ENTRY_PAUSED;
  _meow_engine_pause (client->engine, task_id);
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
                   _ ("The transfer %s is not paused."), task_id);
      goto fail;
    }
  entry->state = ENTRY_PENDING;
  _meow_engine_resume (client->engine, task_id);
  g_mutex_unlock (&client->lock);
  return TRUE;

fail:
  g_mutex_unlock (&client->lock);
  return FALSE;
}

/* The entry of @task_id when it is Pending (queued, or waiting for its next
 * attempt), else NULL with an error that says why. */
static Entry *
lookup_pending_locked (MeowClient *self, const char *task_id, GError **error)
{
  Entry *entry = lookup_entry_locked (self, task_id, error);

  if (entry == NULL)
    return NULL;
  if (entry->state == ENTRY_ACTIVE)
    {
      g_set_error (error, MEOW_ERROR, MEOW_ERROR_INVALID_TASK_STATE,
                   _ ("The transfer %s is already running."), task_id);
      return NULL;
    }
  if (entry->state == ENTRY_PAUSED)
    {
      g_set_error (error, MEOW_ERROR, MEOW_ERROR_INVALID_TASK_STATE,
                   _ ("The transfer %s is paused; resume it first."), task_id);
      return NULL;
    }
  return entry;
}

/**
 * meow_client_move:
 * @client: a client
 * @task_id: a queued task's id
 * @position: where it goes in its direction's queue
 * @error: return location for an error
 *
 * Moves a queued task to the front of its direction's queue (it is the
 * next to start when a slot frees) or to the back. Queued tasks start in
 * queue order: the order of enqueue and resume calls, changed by this
 * call. A task waiting for its next attempt keeps its place (it goes to
 * the front when its time comes, as it had a slot before). No record
 * follows: the status stays Pending. Any thread.
 *
 * Returns: %TRUE, or %FALSE with %MEOW_ERROR_TASK_NOT_FOUND,
 *   %MEOW_ERROR_INVALID_TASK_STATE (running or paused) or
 *   %MEOW_ERROR_CLIENT_CLOSED.
 */
gboolean
meow_client_move (MeowClient       *client,
                  const char       *task_id,
                  MeowQueuePosition position,
                  GError          **error)
{
  g_return_val_if_fail (MEOW_IS_CLIENT (client), FALSE);
  g_return_val_if_fail (
      position == MEOW_QUEUE_POSITION_FRONT || position == MEOW_QUEUE_POSITION_BACK, FALSE);

  g_mutex_lock (&client->lock);
  if (lookup_pending_locked (client, task_id, error) == NULL)
    {
      g_mutex_unlock (&client->lock);
      return FALSE;
    }
  _meow_engine_move (client->engine, task_id, position);
  g_mutex_unlock (&client->lock);
  return TRUE;
}

static gboolean
move_beside (
    MeowClient *client, const char *task_id, const char *other_id, gboolean after, GError **error)
{
  Entry *entry;
  Entry *other;

  g_return_val_if_fail (MEOW_IS_CLIENT (client), FALSE);
  g_return_val_if_fail (task_id != NULL, FALSE);
  g_return_val_if_fail (other_id != NULL, FALSE);

  g_mutex_lock (&client->lock);
  if ((entry = lookup_pending_locked (client, task_id, error)) == NULL ||
      (other = lookup_pending_locked (client, other_id, error)) == NULL)
    {
      g_mutex_unlock (&client->lock);
      return FALSE;
    }
  if (entry->direction != other->direction)
    {
      g_mutex_unlock (&client->lock);
      /* Translators: two transfers' ids; a download and an upload wait in queues of
       * their own */
      g_set_error (error, MEOW_ERROR, MEOW_ERROR_PARAMETER_INVALID,
                   _ ("The transfers %s and %s do not wait in the same queue."), task_id, other_id);
      return FALSE;
    }
  if (!g_str_equal (task_id, other_id))
    _meow_engine_move_beside (client->engine, task_id, other_id, after);
  g_mutex_unlock (&client->lock);
  return TRUE;
}

/**
 * meow_client_move_before:
 * @client: a client
 * @task_id: a queued task's id
 * @other_id: the id of another queued task of the same direction
 * @error: return location for an error
 *
 * Moves a queued task just before another one in their direction's queue, so
 * that it starts before it (drag and drop in a list). When @other_id leaves
 * the queue before the move is made (it started meanwhile), the task goes to
 * the front. As meow_client_move(), no record follows. Any thread.
 *
 * Returns: %TRUE, or %FALSE with %MEOW_ERROR_TASK_NOT_FOUND,
 *   %MEOW_ERROR_INVALID_TASK_STATE (either task running or paused),
 *   %MEOW_ERROR_PARAMETER_INVALID (a download and an upload) or
 *   %MEOW_ERROR_CLIENT_CLOSED.
 */
gboolean
meow_client_move_before (MeowClient *client,
                         const char *task_id,
                         const char *other_id,
                         GError    **error)
{
  return move_beside (client, task_id, other_id, FALSE, error);
}

/**
 * meow_client_move_after:
 * @client: a client
 * @task_id: a queued task's id
 * @other_id: the id of another queued task of the same direction
 * @error: return location for an error
 *
 * Moves a queued task just behind another one in their direction's queue, so
 * that it starts right after it; otherwise as meow_client_move_before(). Any
 * thread.
 *
 * Returns: %TRUE, or %FALSE with an error as meow_client_move_before()
 */
gboolean
meow_client_move_after (MeowClient *client,
                        const char *task_id,
                        const char *other_id,
                        GError    **error)
{
  return move_beside (client, task_id, other_id, TRUE, error);
}

/**
 * meow_client_start_now:
 * @client: a client
 * @task_id: a queued task's id
 * @error: return location for an error
 *
 * Starts a queued task at once, even when its direction already runs as
 * many transfers as meow_client_set_max_transfers() allows: it runs one
 * over that limit (nothing running is stopped for it), and no other
 * queued task starts until the running count is below the limit again. A
 * task waiting for its next attempt tries now. It keeps the right through
 * its retries until it ends or is paused. While the network is held or the
 * system sleeps it is the first to start when that ends. Any thread.
 *
 * Returns: %TRUE, or %FALSE with %MEOW_ERROR_TASK_NOT_FOUND,
 *   %MEOW_ERROR_INVALID_TASK_STATE (running or paused) or
 *   %MEOW_ERROR_CLIENT_CLOSED.
 */
gboolean
meow_client_start_now (MeowClient *client, const char *task_id, GError **error)
{
  g_return_val_if_fail (MEOW_IS_CLIENT (client), FALSE);

  g_mutex_lock (&client->lock);
  if (lookup_pending_locked (client, task_id, error) == NULL)
    {
      g_mutex_unlock (&client->lock);
      return FALSE;
    }
  _meow_engine_start_now (client->engine, task_id);
  g_mutex_unlock (&client->lock);
  return TRUE;
}

/**
 * meow_client_change_url:
 * @client: a client
 * @task_id: a live transfer's id
 * @url: the download's new link (http or https)
 * @flags: what to do with the bytes it holds
 * @error: return location for an error
 *
 * Gives a download a new link, e.g. when its link expired (a 403, 404 or
 * 410, a presigned URL past its time) or for a mirror of the same file; in
 * any live state. A running transfer stops and starts again on @url at
 * once; a queued, waiting or paused one uses @url when it starts. The
 * target's name stays.
 *
 * With %MEOW_CHANGE_URL_NONE the bytes held are kept only when @url gives
 * the same file (the strong ETag, or the Last-Modified and the size, the
 * `.part`'s control file recorded; without a strong validator the bytes
 * asked for again at the end of the `.part`): the download continues from
 * there, and the control file records that the URL changed. Otherwise the
 * task fails with %MEOW_ERROR_LINK_CONTENT_DIFFERS and keeps its bytes:
 * nothing starts over unasked. %MEOW_CHANGE_URL_RESTART starts the
 * download over from zero on @url, under the same name.
 *
 * Records made afterwards carry @url (meow_transfer_record_get_url()). A
 * failed task is no longer the client's: enqueue it again with the new URL
 * and meow_task_builder_set_relink() instead. Any thread.
 *
 * Returns: %TRUE, or %FALSE with %MEOW_ERROR_PARAMETER_INVALID (not an
 *   http(s) URL, or the task is an upload), %MEOW_ERROR_DUPLICATE_TASK
 *   (another task downloads @url to the same place),
 *   %MEOW_ERROR_TASK_NOT_FOUND or %MEOW_ERROR_CLIENT_CLOSED.
 */
gboolean
meow_client_change_url (MeowClient        *client,
                        const char        *task_id,
                        const char        *url,
                        MeowChangeUrlFlags flags,
                        GError           **error)
{
  Entry *entry;
  g_autoptr (MeowTask) task = NULL;
  g_autofree char *key = NULL;

  g_return_val_if_fail (MEOW_IS_CLIENT (client), FALSE);
  g_return_val_if_fail (url != NULL, FALSE);
  g_return_val_if_fail ((flags & ~MEOW_CHANGE_URL_RESTART) == 0, FALSE);

  g_mutex_lock (&client->lock);
  entry = lookup_entry_locked (client, task_id, error);
  if (entry == NULL)
    goto fail;
  if (entry->direction != MEOW_DIRECTION_DOWNLOAD)
    {
      g_set_error (error, MEOW_ERROR, MEOW_ERROR_PARAMETER_INVALID,
                   _ ("The transfer %s is an upload; only a download's link can be changed."),
                   task_id);
      goto fail;
    }
  task = meow_task_dup_with_url (entry->task, url, MEOW_RELINK_VERIFY, NULL, error);
  if (task == NULL)
    goto fail;
  key = make_key (task);
  if (!g_str_equal (key, entry->key) && g_hash_table_contains (client->keys, key))
    {
      g_set_error (error, MEOW_ERROR, MEOW_ERROR_DUPLICATE_TASK,
                   _ ("%s is already being downloaded to the same place."), task->redacted_url);
      goto fail;
    }

  g_hash_table_remove (client->keys, entry->key);
  g_free (entry->key);
  entry->key = g_steal_pointer (&key);
  g_hash_table_insert (client->keys, entry->key, entry->id);
  g_free (entry->active_key);
  entry->active_key = g_strdup_printf ("download:%s", task->redacted_url);
  g_clear_pointer (&entry->task, meow_task_unref);
  entry->task = meow_task_ref (task);
  _meow_engine_change_url (client->engine, task, flags);
  g_mutex_unlock (&client->lock);
  return TRUE;

fail:
  g_mutex_unlock (&client->lock);
  return FALSE;
}

/**
 * meow_client_set_credentials:
 * @client: a client
 * @task_id: a live transfer's id
 * @user: (nullable): the user name, or %NULL to drop the task's login
 * @password: (nullable): the password (%NULL: empty)
 * @error: return location for an error
 *
 * Gives a download or an upload the login its server asked for: the
 * answer to a %MEOW_WAIT_SIGN_IN pause (%MEOW_ERROR_AUTH_REQUIRED), which
 * meow_client_resume() then starts again with it (an upload goes on from
 * where the server says it is); a running transfer
 * stops and starts again with it at once, a queued or waiting one uses it
 * when it starts. The strings are copied; the client zeroes its copy of
 * @password when the task no longer needs it, and never logs it, stores it
 * nor puts it in a record (see meow_task_builder_set_credentials()). Any
 * thread.
 *
 * Returns: %TRUE, or %FALSE with %MEOW_ERROR_TASK_NOT_FOUND or
 *   %MEOW_ERROR_CLIENT_CLOSED.
 */
gboolean
meow_client_set_credentials (
    MeowClient *client, const char *task_id, const char *user, const char *password, GError **error)
{
  Entry *entry;
  g_autoptr (MeowTask) task = NULL;

  g_return_val_if_fail (MEOW_IS_CLIENT (client), FALSE);

  g_mutex_lock (&client->lock);
  entry = lookup_entry_locked (client, task_id, error);
  if (entry == NULL)
    goto fail;
  task = _meow_task_dup_with_credentials (entry->task, user, password);
  g_clear_pointer (&entry->task, meow_task_unref);
  entry->task = meow_task_ref (task);
  _meow_engine_set_credentials (client->engine, task);
  g_mutex_unlock (&client->lock);
  return TRUE;

fail:
  g_mutex_unlock (&client->lock);
  return FALSE;
}

/* Replaces @task_id's task with a copy of its own speed limit and
 * connection count: the limit when @speed, else the count. */
static gboolean
set_task_settings (MeowClient *client,
                   const char *task_id,
                   gboolean    speed,
                   guint64     speed_limit,
                   guint       segments,
                   GError    **error)
{
  Entry *entry;
  g_autoptr (MeowTask) task = NULL;

  g_mutex_lock (&client->lock);
  entry = lookup_entry_locked (client, task_id, error);
  if (entry == NULL)
    goto fail;
  if (!speed && entry->direction != MEOW_DIRECTION_DOWNLOAD)
    {
      g_set_error (error, MEOW_ERROR, MEOW_ERROR_PARAMETER_INVALID,
                   /* Translators: the transfer's id. */
                   _ ("The transfer %s is an upload; only a download uses several connections."),
                   task_id);
      goto fail;
    }
  task = meow_task_dup_with_settings (entry->task, speed ? speed_limit : entry->task->speed_limit,
                                      speed ? entry->task->segments : segments);
  g_clear_pointer (&entry->task, meow_task_unref);
  entry->task = meow_task_ref (task);
  _meow_engine_set_task_settings (client->engine, task);
  g_mutex_unlock (&client->lock);
  return TRUE;

fail:
  g_mutex_unlock (&client->lock);
  return FALSE;
}

/**
 * meow_client_set_task_speed_limit:
 * @client: a client
 * @task_id: a live task's id
 * @bytes_per_second: the task's own cap, bytes per second; 0 for none
 * @error: return location for an error
 *
 * Changes a task's own speed limit (meow_task_builder_set_speed_limit())
 * in any live state. A running transfer goes on without a stop, at the
 * new rate from the next pacing window on; the lower of this limit and
 * the task's share of the client's meow_client_set_speed_limits() holds.
 * Any thread.
 *
 * Returns: %TRUE, or %FALSE with %MEOW_ERROR_TASK_NOT_FOUND or
 *   %MEOW_ERROR_CLIENT_CLOSED.
 */
gboolean
meow_client_set_task_speed_limit (MeowClient *client,
                                  const char *task_id,
                                  guint64     bytes_per_second,
                                  GError    **error)
{
  g_return_val_if_fail (MEOW_IS_CLIENT (client), FALSE);

  return set_task_settings (client, task_id, TRUE, bytes_per_second, 0, error);
}

/**
 * meow_client_set_task_segments:
 * @client: a client
 * @task_id: a live download's id
 * @segments: connections the download may use at once (1 = one stream,
 *   0 = the client's meow_config_set_max_segments(); at most 16)
 * @error: return location for an error
 *
 * Changes how many connections a download uses
 * (meow_task_builder_set_segments()) in any live state. A running
 * transfer changes without a stop: with fewer, the last segments' requests
 * end and their ranges wait (nothing written is lost) until a connection
 * is free; with more, waiting ranges go on and the biggest ranges left
 * are cut in half for new connections (none smaller than 8 MiB, or twice
 * the client's minimum segment size when that is smaller); a download not
 * split yet splits at once when its server takes ranges. Any thread.
 *
 * Returns: %TRUE, or %FALSE with %MEOW_ERROR_PARAMETER_INVALID (more than
 *   16, or the task is an upload), %MEOW_ERROR_TASK_NOT_FOUND or
 *   %MEOW_ERROR_CLIENT_CLOSED.
 */
gboolean
meow_client_set_task_segments (MeowClient *client,
                               const char *task_id,
                               guint       segments,
                               GError    **error)
{
  g_return_val_if_fail (MEOW_IS_CLIENT (client), FALSE);

  if (segments > 16)
    {
      g_set_error (error, MEOW_ERROR, MEOW_ERROR_PARAMETER_INVALID,
                   _ ("Downloads may use 1 to 16 connections, not %u."), segments);
      return FALSE;
    }
  return set_task_settings (client, task_id, FALSE, 0, segments, error);
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
  _meow_engine_cancel (client->engine, task_id);
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
 * @snapshot: a snapshot
 *
 * Copies @snapshot: the copy is the caller's. Any thread.
 *
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
 *
 * Frees @snapshot (%NULL is ignored). Any thread.
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
  g_return_val_if_fail (MEOW_IS_CLIENT (client), FALSE);

  g_mutex_lock (&client->lock);
  if (!check_open_locked (client, error))
    {
      g_mutex_unlock (&client->lock);
      return FALSE;
    }
  client->closed = TRUE;
  g_mutex_unlock (&client->lock);

  g_object_ref (client);

  /* Outside the lock: the worker takes it until it ends. No command can
   * follow CLOSE, since every API call checks `closed` first. */
  _meow_engine_close (client->engine);

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
 * Whether meow_client_close() was called.
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
      g_set_error (error, MEOW_ERROR, MEOW_ERROR_PARAMETER_INVALID,
                   _ ("No listener has the id %u."), listener_id);
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
    _meow_engine_set_speed_limits (client->engine, download_bytes_per_second,
                                   upload_bytes_per_second);
  g_mutex_unlock (&client->lock);
}

/**
 * meow_client_set_network_hold:
 * @client: a client
 * @hold: %MEOW_WAIT_NONE when transfers may use the network, else why they
 *   may not: %MEOW_WAIT_NETWORK (none is available), %MEOW_WAIT_PORTAL (a
 *   captive portal is in the way) or %MEOW_WAIT_METERED (the connection is
 *   metered and the user wants transfers to pause on such connections)
 *
 * Tells the client the state of the network, e.g. from #GNetworkMonitor.
 * While held, no attempt starts: queued tasks stay queued and a task whose
 * transfer fails in the network waits (its records say @hold, with no next
 * attempt time) without counting the failure against its retries. Running
 * transfers go on, but for %MEOW_WAIT_METERED, which stops them (their bytes
 * kept) until the hold ends. When it ends, every waiting task tries again
 * within a second (spread at random, so a server is not hit by all of them
 * at once). Queued tasks get a Pending record with @hold (and one without
 * a reason when it ends). Transfers to loopback hosts (`localhost`,
 * 127.0.0.0/8, `::1`) need no network and are never held. The default is
 * %MEOW_WAIT_NONE. Any thread; ignored after close.
 */
void
meow_client_set_network_hold (MeowClient *client, MeowWaitReason hold)
{
  g_return_if_fail (MEOW_IS_CLIENT (client));
  g_return_if_fail (hold == MEOW_WAIT_NONE || hold == MEOW_WAIT_NETWORK ||
                    hold == MEOW_WAIT_PORTAL || hold == MEOW_WAIT_METERED);

  g_mutex_lock (&client->lock);
  if (!client->closed)
    _meow_engine_set_network_hold (client->engine, hold);
  g_mutex_unlock (&client->lock);
}

/**
 * meow_client_set_network_available:
 * @client: a client
 * @available: whether a network is available
 *
 * Shorthand for meow_client_set_network_hold() with %MEOW_WAIT_NONE or
 * %MEOW_WAIT_NETWORK. Any thread; ignored after close.
 */
void
meow_client_set_network_available (MeowClient *client, gboolean available)
{
  meow_client_set_network_hold (client, available ? MEOW_WAIT_NONE : MEOW_WAIT_NETWORK);
}

/**
 * meow_client_set_schedule_hold:
 * @client: a client
 * @hold: %TRUE outside the time window in which the queue may run
 *
 * Holds the queue for a schedule (an application's "only between 01:00 and
 * 07:00"), which the application keeps by the clock: while held, no queued
 * task starts and running transfers stop with their bytes kept, as uGet's
 * scheduler does, so that the bandwidth is free outside the window. Their
 * records are Pending with %MEOW_WAIT_SCHEDULE. A task asked to start with
 * meow_client_start_now() is not held: it starts and runs on. When the hold
 * ends, every held task tries again within a second, in the queue's order
 * and its limits. Unlike a network hold this holds loopback hosts too. The
 * default is %FALSE. Any thread; ignored after close.
 */
void
meow_client_set_schedule_hold (MeowClient *client, gboolean hold)
{
  g_return_if_fail (MEOW_IS_CLIENT (client));

  g_mutex_lock (&client->lock);
  if (!client->closed)
    _meow_engine_set_schedule_hold (client->engine, hold);
  g_mutex_unlock (&client->lock);
}

/**
 * meow_client_sleep_async:
 * @client: a client
 * @cancellable: (nullable): a #GCancellable
 * @callback: called in the thread-default #GMainContext of the caller when
 *   every transfer is safe
 * @user_data: data for @callback
 *
 * Prepares for the system's sleep (e.g. on logind's `PrepareForSleep`):
 * every running transfer is stopped as by a pause — a download's `.part`
 * flushed and its control file written, an upload's request aborted (the
 * server keeps its offset) — and waits with %MEOW_WAIT_SUSPEND in its
 * Pending record; nothing starts until meow_client_wake(). Tasks keep
 * their state for the API (Pending, not Paused). @callback runs once all
 * of that is done; call meow_client_sleep_finish() there, then let the
 * system sleep. Cancelled before the worker got to it, nothing is stopped.
 * Any thread.
 */
void
meow_client_sleep_async (MeowClient         *client,
                         GCancellable       *cancellable,
                         GAsyncReadyCallback callback,
                         gpointer            user_data)
{
  g_autoptr (GTask) task = NULL;
  g_autoptr (GError) error = NULL;

  g_return_if_fail (MEOW_IS_CLIENT (client));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (client, cancellable, callback, user_data);
  g_task_set_source_tag (task, meow_client_sleep_async);

  g_mutex_lock (&client->lock);
  if (!check_open_locked (client, &error))
    {
      g_mutex_unlock (&client->lock);
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  _meow_engine_sleep (client->engine, task);
  g_mutex_unlock (&client->lock);
}

/**
 * meow_client_sleep_finish:
 * @client: a client
 * @result: the #GAsyncResult given to the callback
 * @error: return location for a %MEOW_ERROR_CLIENT_CLOSED or
 *   %G_IO_ERROR_CANCELLED error
 *
 * Finishes meow_client_sleep_async(). In the callback's context.
 *
 * Returns: %TRUE when every transfer is stopped with its bytes safe
 */
gboolean
meow_client_sleep_finish (MeowClient *client, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (MEOW_IS_CLIENT (client), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, client), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == meow_client_sleep_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/**
 * meow_client_wake:
 * @client: a client
 *
 * The system woke (logind's `PrepareForSleep (false)`): the suspend of
 * meow_client_sleep_async() ends and every waiting task tries again within
 * a second (spread at random), on new connections, since those kept from
 * before the sleep may have died without a word (they would otherwise be
 * noticed only by the stall timeout). A transfer that runs (a wake without
 * a sleep) is stopped and started again the same way, its bytes kept. A
 * network hold (meow_client_set_network_hold()) still applies. Any
 * thread; ignored after close.
 */
void
meow_client_wake (MeowClient *client)
{
  g_return_if_fail (MEOW_IS_CLIENT (client));

  g_mutex_lock (&client->lock);
  if (!client->closed)
    _meow_engine_wake (client->engine);
  g_mutex_unlock (&client->lock);
}

/**
 * meow_client_set_log_func:
 * @client: a client
 * @func: (nullable) (scope notified): receives the engine's debug lines, or
 *   %NULL to stop
 * @user_data: (closure): data for @func
 * @destroy: (nullable): frees @user_data once: in the thread of the call
 *   that replaces or removes @func (in the owner context, right after it,
 *   when a call of @func is in progress then), or when the client is
 *   finalized; with a %NULL @func at once
 *
 * Hands the engine's debug log to the embedding app (rusty-cat's debug log
 * listener) without touching GLib's log writer: each line the engine logs
 * from now on (requests, answers, retries, restarts, file system fallbacks)
 * reaches @func with its level, the id of the task it is about (%NULL for
 * the client's own lines) and the message, in the client's owner context
 * (the thread-default main context of meow_client_new()'s caller), in the
 * order they were logged. Secrets never reach it: passwords in URLs, the
 * task's login, the values of `Authorization`, `Proxy-Authorization` and
 * `Cookie` headers and of headers and query parameters that carry tokens,
 * keys or signatures (a tus server's upload token among them) are replaced
 * by `***` before the line leaves the worker; of the task's other headers
 * only harmless ones (`Accept`, `Range`, `User-Agent`…) show their values.
 * The same redacted lines still go to GLib's log (domain `Meow`,
 * %G_LOG_LEVEL_DEBUG, shown with `G_MESSAGES_DEBUG=Meow`). At most 1024
 * lines wait for delivery; when the owner context falls further behind the
 * oldest are dropped and a line says how many. One listener per client: a
 * second call replaces the first. Any thread.
 */
void
meow_client_set_log_func (MeowClient    *client,
                          MeowLogFunc    func,
                          gpointer       user_data,
                          GDestroyNotify destroy)
{
  LogSink *old;
  LogSink *sink = NULL;

  g_return_if_fail (MEOW_IS_CLIENT (client));

  if (func != NULL)
    {
      sink = g_new0 (LogSink, 1);
      g_atomic_ref_count_init (&sink->ref_count);
      sink->func = func;
      sink->user_data = user_data;
      sink->destroy = destroy;
    }
  else if (destroy != NULL)
    destroy (user_data);

  g_mutex_lock (&client->lock);
  old = client->log_sink;
  client->log_sink = sink;
  g_atomic_int_set (&client->log_on, sink != NULL);
  g_mutex_unlock (&client->lock);

  if (old != NULL)
    log_sink_unref (old);
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
                   _ ("Between 1 and 64 transfers per direction may run at a time, not %u "
                      "downloads and %u uploads."),
                   max_downloads, max_uploads);
      return FALSE;
    }

  g_mutex_lock (&client->lock);
  if (!check_open_locked (client, error))
    {
      g_mutex_unlock (&client->lock);
      return FALSE;
    }
  _meow_engine_set_max_transfers (client->engine, max_downloads, max_uploads);
  g_mutex_unlock (&client->lock);
  return TRUE;
}

void
_meow_client_set_worker_held (MeowClient *client, gboolean held)
{
  _meow_engine_set_held (client->engine, held);
}

void
_meow_client_set_hold_loopback (MeowClient *client, gboolean hold)
{
  _meow_engine_set_hold_loopback (client->engine, hold);
}

/**
 * meow_client_set_proxy:
 * @client: a client
 * @proxy: (nullable): %NULL for the system's proxy settings, "direct://"
 *   for no proxy, or the proxy every request goes through: a URL with the
 *   scheme http, https, socks4, socks4a or socks5 ("host:port" means
 *   http://host:port)
 * @error: return location for a %MEOW_ERROR_PARAMETER_INVALID error
 *
 * Overrides the proxy the client's requests use. By default (%NULL) each
 * request's proxy comes from the environment when it names one
 * (`http_proxy`, `https_proxy`, `all_proxy`, with `no_proxy`, as curl
 * reads them), else from the default #GProxyResolver (GNOME's proxy
 * settings or PAC, the proxy portal inside Flatpak), asked per scheme,
 * host and port off the transfer thread and kept for 30 seconds, or until
 * the network or GNOME's proxy settings change. A SOCKS5 proxy resolves
 * the host names. Requests started from now on follow; running ones keep
 * their connection. A proxy that asks for a login (a 407) pauses the task
 * with %MEOW_ERROR_PROXY_AUTH_REQUIRED and %MEOW_WAIT_PROXY_SIGN_IN until
 * meow_client_set_proxy_credentials() and meow_client_resume(). Any
 * thread; ignored after close.
 *
 * Returns: %TRUE, or %FALSE with @error set when @proxy is not a proxy
 *   address libmeow can use (the setting is then unchanged).
 */
gboolean
meow_client_set_proxy (MeowClient *client, const char *proxy, GError **error)
{
  g_autofree char *normalized = NULL;

  g_return_val_if_fail (MEOW_IS_CLIENT (client), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (proxy != NULL && !_meow_proxy_normalize (proxy, &normalized, error))
    return FALSE;
  g_mutex_lock (&client->lock);
  if (!client->closed)
    _meow_engine_set_proxy (client->engine, normalized);
  g_mutex_unlock (&client->lock);
  return TRUE;
}

/**
 * meow_client_set_proxy_credentials:
 * @client: a client
 * @proxy: (nullable): the proxy the login is for, as
 *   meow_transfer_record_get_auth_proxy() names it or as
 *   meow_client_set_proxy() takes it (its user name and password, if any,
 *   are ignored); %NULL for any proxy that has no login of its own
 * @user: (nullable): the user name, or %NULL to forget the login
 * @password: (nullable): the password (%NULL: empty)
 * @error: return location for a %MEOW_ERROR_PARAMETER_INVALID error
 *
 * Gives the client a login for a proxy: the answer to a
 * %MEOW_WAIT_PROXY_SIGN_IN pause (%MEOW_ERROR_PROXY_AUTH_REQUIRED), which
 * meow_client_resume() then starts again with it. Every request that goes
 * through that proxy from now on, of every task, sends it when the proxy
 * asks (Basic, Digest, NTLM or Negotiate, whichever the proxy's 407 names).
 * The login is kept by the proxy's scheme, host and port until the client
 * is closed or another replaces it. The strings are copied; the client
 * zeroes its copy of @password when it is replaced or freed, and never
 * logs it, stores it nor puts it in a record. Any thread.
 *
 * Returns: %TRUE, or %FALSE with @error set when @proxy is not a proxy
 *   address (the logins are then unchanged).
 */
gboolean
meow_client_set_proxy_credentials (
    MeowClient *client, const char *proxy, const char *user, const char *password, GError **error)
{
  g_autofree char *normalized = NULL;
  g_autofree char *key = NULL;

  g_return_val_if_fail (MEOW_IS_CLIENT (client), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (proxy != NULL)
    {
      if (!_meow_proxy_normalize (proxy, &normalized, error))
        return FALSE;
      key = _meow_proxy_login_key (normalized);
      if (key == NULL || *key == '\0')
        {
          g_set_error (error, MEOW_ERROR, MEOW_ERROR_PARAMETER_INVALID,
                       /* Translators: what was given as a proxy address. */
                       _ ("“%s” names no proxy to log in to."), proxy);
          return FALSE;
        }
    }
  else
    key = _meow_proxy_login_key (NULL);
  g_mutex_lock (&client->lock);
  if (!client->closed)
    _meow_proxy_set_login (_meow_engine_get_proxy (client->engine), key, user, password);
  g_mutex_unlock (&client->lock);
  return TRUE;
}

static void
lookup_proxy_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  MeowProxy       *proxy = task_data;
  const char      *url = g_object_get_data (G_OBJECT (task), "meow-url");
  g_autofree char *answer = _meow_proxy_lookup_sync (proxy, url, cancellable);

  if (g_task_return_error_if_cancelled (task))
    return;
  if (*answer == '\0')
    g_task_return_pointer (task, g_strdup ("direct://"), g_free);
  else
    g_task_return_pointer (task, _meow_url_without_userinfo (answer), g_free);
}

/**
 * meow_client_lookup_proxy_async:
 * @client: a client
 * @url: an http or https URL
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called in the thread-default context of the
 *   caller when the answer is known
 * @user_data: data for @callback
 *
 * Finds out which proxy a request for @url would go through now, asked
 * exactly as the client's requests ask it (meow_client_set_proxy()), e.g.
 * for a settings page that shows what is in use. The lookup may block on
 * the resolver, so it runs in a thread of its own. Any thread, also after
 * close.
 */
void
meow_client_lookup_proxy_async (MeowClient         *client,
                                const char         *url,
                                GCancellable       *cancellable,
                                GAsyncReadyCallback callback,
                                gpointer            user_data)
{
  g_autoptr (GTask) task = NULL;

  g_return_if_fail (MEOW_IS_CLIENT (client));
  g_return_if_fail (url != NULL);

  task = g_task_new (client, cancellable, callback, user_data);
  g_task_set_source_tag (task, meow_client_lookup_proxy_async);
  g_object_set_data_full (G_OBJECT (task), "meow-url", g_strdup (url), g_free);
  g_task_set_task_data (task, _meow_proxy_ref (_meow_engine_get_proxy (client->engine)),
                        (GDestroyNotify) _meow_proxy_unref);
  g_task_run_in_thread (task, lookup_proxy_thread);
}

/**
 * meow_client_lookup_proxy_finish:
 * @client: a client
 * @result: the #GAsyncResult given to the callback
 * @error: return location for a %G_IO_ERROR_CANCELLED error
 *
 * Completes meow_client_lookup_proxy_async(). The thread of the callback.
 *
 * Returns: (transfer full) (nullable): the proxy's URL without its
 *   userinfo (socks5 as "socks5h://", meaning the proxy resolves names),
 *   or "direct://" for none; %NULL with @error set when cancelled.
 */
char *
meow_client_lookup_proxy_finish (MeowClient *client, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, client), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == meow_client_lookup_proxy_async,
                        NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

void
_meow_client_set_proxy_resolver (MeowClient *client, GProxyResolver *resolver)
{
  g_return_if_fail (MEOW_IS_CLIENT (client));

  _meow_engine_set_proxy_resolver (client->engine, resolver);
}
