/* meow-store.c: MeowStore, the app's task list, kept in an SQLite database
 *
 * The owner thread keeps the list in memory and records what changed (rows added,
 * changed, given progress, removed); a thread of the store's own applies those changes
 * to the database, a burst of them as one transaction. A kill at any moment leaves the
 * database as of the last commit. See docs/store.md for the schema and the reasoning.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <errno.h>
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>

#include "meow-error.h"
#include "meow-store-private.h"
#include "meow-task.h"

/* Pure progress reaches the disk at most this often. */
#define PROGRESS_WRITE_INTERVAL_US (2 * G_USEC_PER_SEC)

/* What changed in a row since the last hand-over (bits). */
#define CHANGE_PROGRESS 1
#define CHANGE_LIFECYCLE 2
#define CHANGE_NEW 4
#define CHANGE_MOVE 8 /* seq: meow_store_move() */

typedef enum
{
  RESULT_OK,
  RESULT_FAILED,
  RESULT_NEEDS_FULL, /* the database was lost (deleted, replaced) or an earlier write failed:
                      * only a write of the whole list can bring it up to date */
} WriteResult;

static gboolean
status_is_finished (MeowStatus status)
{
  return status == MEOW_STATUS_COMPLETE || status == MEOW_STATUS_FAILED ||
         status == MEOW_STATUS_CANCELED;
}

struct _MeowStore
{
  GObject parent_instance;

  char         *path;      /* the database */
  char         *json_path; /* the JSON list of older Meows, beside it: imported once */
  GPtrArray    *tasks;     /* element-type MeowStoredTask, owned, list order */
  GHashTable   *by_id;     /* set of the MeowStoredTasks (borrowed from tasks), by id: by_id_*() */
  GMainContext *context;
  gint64        next_seq;
  gint64        first_seq; /* the lowest seq given or seen: a move to the top goes below it */

  /* Owner thread. */
  GSource    *flush_source; /* persistent, woken with a ready time: hands changes over */
  GSource    *done_source;  /* persistent, woken by the writer thread after each write */
  GHashTable *changed;      /* id (owned) -> CHANGE_* bits, not yet handed over */
  GPtrArray  *deleted;      /* removed MeowStoredTasks (owned), not yet handed over */
  gboolean    full;         /* the next hand-over writes the whole list */
  gboolean    urgent;       /* a pending change is a lifecycle change: write soon */
  guint64     handed;       /* the last ticket given to the writer */
  guint64     acked;        /* the last ticket whose outcome the owner thread handled */
  gint64      last_attempt; /* monotonic time of the last hand-over */
  GQueue      waiters;      /* GTask of the *_all_async() calls, oldest first */

  /* The writer thread and what it shares with the owner, under writer_mutex. The
   * connection belongs to the writer thread while it runs, to the owner otherwise. */
  sqlite3    *db;
  gboolean    db_known; /* db was open once: if it vanishes, the whole list must be written */
  dev_t       db_dev;
  ino_t       db_ino;
  GThread    *writer;
  GMutex      writer_mutex;
  GCond       writer_cond;
  GPtrArray  *queue;       /* MeowStoreBatch, handed over, not yet taken by the thread */
  guint64     next_ticket; /* the ticket of the newest batch in the queue */
  guint64     done_ticket; /* the last ticket the thread finished */
  WriteResult done_result;
  GError     *done_error; /* RESULT_FAILED: why */
  gboolean    quit;
};

enum
{
  PROP_0,
  PROP_PATH,
  N_PROPS
};

enum
{
  SIGNAL_SAVED,
  SIGNAL_WRITE_FAILED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint       signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (MeowStore, meow_store, G_TYPE_OBJECT)

static void     store_kick (MeowStore *self);
static void     store_write_async (MeowStore *self);
static gboolean store_write_sync (MeowStore *self, GError **error);

static gboolean
ready_time_source_dispatch (GSource *source, GSourceFunc callback, gpointer user_data)
{
  g_source_set_ready_time (source, -1);
  return callback (user_data);
}

static GSourceFuncs ready_time_source_funcs = {
  .dispatch = ready_time_source_dispatch,
};

static GSource *
ready_time_source_new (MeowStore *self, const char *name, GSourceFunc callback)
{
  GSource *source = g_source_new (&ready_time_source_funcs, sizeof (GSource));

  g_source_set_static_name (source, name);
  /* After the burst of records that made the change, not between them. */
  g_source_set_priority (source, G_PRIORITY_DEFAULT_IDLE);
  g_source_set_callback (source, callback, self, NULL);
  g_source_attach (source, self->context);
  return source;
}

/* ------------------------------------------------------------------ */
/* The writer thread                                                   */

static void
remember_db_file (MeowStore *self)
{
  GStatBuf buf;

  if (g_stat (self->path, &buf) == 0)
    {
      self->db_dev = buf.st_dev;
      self->db_ino = buf.st_ino;
      self->db_known = TRUE;
    }
}

/* Whether the database file is still the one the connection has open: a list deleted or
 * replaced under a running app is written again, whole, where it belongs. */
static gboolean
db_file_is_ours (MeowStore *self)
{
  GStatBuf buf;

  return g_stat (self->path, &buf) == 0 && buf.st_dev == self->db_dev && buf.st_ino == self->db_ino;
}

/* Applies @batches in one transaction. Writer thread. */
static WriteResult
writer_apply (MeowStore *self, GPtrArray *batches, gboolean *need_full, GError **error)
{
  const MeowStoreBatch *first = batches->pdata[0];

  if (self->db != NULL && !db_file_is_ours (self))
    {
      g_debug ("The task list “%s” was removed or replaced: writing it again", self->path);
      g_clear_pointer (&self->db, _meow_store_db_close);
      *need_full = TRUE;
    }
  if (self->db == NULL)
    {
      gboolean fresh, corrupt;

      if (self->db_known)
        *need_full = TRUE;
      self->db = _meow_store_db_open (self->path, &fresh, &corrupt, error);
      if (self->db == NULL)
        {
          *need_full = TRUE;
          return RESULT_FAILED;
        }
      remember_db_file (self);
      if (fresh)
        {
          /* Made by the writer: the list in memory is newer than any JSON file. */
          sqlite3_exec (self->db, "UPDATE meta SET value = 'done' WHERE key = 'json_import'", NULL,
                        NULL, NULL);
        }
    }
  /* After a failure or a lost file only the whole list brings the database up to date. */
  if (*need_full && !first->replace_all)
    return RESULT_NEEDS_FULL;
  if (!_meow_store_db_apply (self->db, self->path, batches, error))
    {
      *need_full = TRUE;
      return RESULT_FAILED;
    }
  *need_full = FALSE;
  return RESULT_OK;
}

/* The writer thread: applies what the owner handed over, everything queued at once in one
 * transaction, until told to quit with nothing left. */
static gpointer
writer_thread (gpointer user_data)
{
  MeowStore *self = user_data;
  gboolean   need_full = FALSE;

  g_mutex_lock (&self->writer_mutex);
  for (;;)
    {
      g_autoptr (GPtrArray) batches = NULL;
      GError     *error = NULL;
      guint64     ticket;
      WriteResult result;

      while (self->queue->len == 0 && !self->quit)
        g_cond_wait (&self->writer_cond, &self->writer_mutex);
      if (self->queue->len == 0)
        break;
      batches = g_steal_pointer (&self->queue);
      self->queue = g_ptr_array_new_with_free_func ((GDestroyNotify) _meow_store_batch_free);
      ticket = self->next_ticket;
      g_mutex_unlock (&self->writer_mutex);

      result = writer_apply (self, batches, &need_full, &error);
      /* The removed tasks of a large Clear Finished are freed here, not in the owner. */
      g_clear_pointer (&batches, g_ptr_array_unref);

      g_mutex_lock (&self->writer_mutex);
      self->done_ticket = ticket;
      self->done_result = result;
      g_clear_error (&self->done_error);
      self->done_error = error;
      g_cond_broadcast (&self->writer_cond);
      g_source_set_ready_time (self->done_source, 0);
    }
  g_mutex_unlock (&self->writer_mutex);
  return NULL;
}

/* Gives the writer thread a batch; returns its ticket. Owner thread. */
static guint64
writer_submit (MeowStore *self, MeowStoreBatch *batch)
{
  guint64 ticket;

  if (self->writer == NULL)
    self->writer = g_thread_new ("meow-store", writer_thread, self);

  g_mutex_lock (&self->writer_mutex);
  g_ptr_array_add (self->queue, batch);
  ticket = ++self->next_ticket;
  g_cond_broadcast (&self->writer_cond);
  g_mutex_unlock (&self->writer_mutex);

  self->handed = ticket;
  self->last_attempt = g_get_monotonic_time ();
  return ticket;
}

/* Blocks until the thread finished @ticket; returns how it went. Owner thread. */
static WriteResult
writer_wait (MeowStore *self, guint64 ticket, GError **error)
{
  WriteResult result;

  g_mutex_lock (&self->writer_mutex);
  while (self->done_ticket < ticket)
    g_cond_wait (&self->writer_cond, &self->writer_mutex);
  result = self->done_result;
  if (result == RESULT_FAILED)
    g_propagate_error (error, g_error_copy (self->done_error));
  self->acked = MAX (self->acked, self->done_ticket);
  g_mutex_unlock (&self->writer_mutex);
  return result;
}

static void
writer_stop (MeowStore *self)
{
  if (self->writer == NULL)
    return;
  g_mutex_lock (&self->writer_mutex);
  self->quit = TRUE;
  g_cond_broadcast (&self->writer_cond);
  g_mutex_unlock (&self->writer_mutex);
  g_thread_join (g_steal_pointer (&self->writer));
  self->quit = FALSE;
}

static gboolean
write_in_flight (MeowStore *self)
{
  return self->handed > self->acked;
}

static gboolean
store_dirty (MeowStore *self)
{
  return self->full || g_hash_table_size (self->changed) > 0 || self->deleted->len > 0;
}

/* Completes the Clear Finished writes that @ticket covered. */
static void
resolve_waiters (MeowStore *self, guint64 ticket, const GError *error)
{
  while (!g_queue_is_empty (&self->waiters))
    {
      GTask  *task = g_queue_peek_head (&self->waiters);
      guint64 wanted = GPOINTER_TO_SIZE (g_task_get_task_data (task));

      if (wanted > ticket)
        break;
      g_queue_pop_head (&self->waiters);
      if (error != NULL)
        g_task_return_error (task, g_error_copy (error));
      else
        g_task_return_boolean (task, TRUE);
      g_object_unref (task);
    }
}

/* The debounce source: hands the pending changes to the writer when due. */
static gboolean
flush_source_cb (gpointer user_data)
{
  MeowStore *self = user_data;

  if (store_dirty (self))
    store_write_async (self);
  return G_SOURCE_CONTINUE;
}

/* The writer finished something: tell the app, retry or write what came since. */
static gboolean
done_source_cb (gpointer user_data)
{
  MeowStore *self = user_data;
  g_autoptr (GError) error = NULL;
  guint64     ticket;
  WriteResult result;

  g_mutex_lock (&self->writer_mutex);
  ticket = self->done_ticket;
  result = self->done_result;
  if (self->done_error != NULL)
    error = g_error_copy (self->done_error);
  g_mutex_unlock (&self->writer_mutex);

  /* Seen already (a synchronous write waited for it). */
  if (ticket <= self->acked)
    return G_SOURCE_CONTINUE;
  self->acked = ticket;

  switch (result)
    {
    case RESULT_OK:
      resolve_waiters (self, ticket, NULL);
      g_signal_emit (self, signals[SIGNAL_SAVED], 0);
      break;
    case RESULT_FAILED:
      /* Still only in memory: the timer tries again, with the whole list. */
      self->full = TRUE;
      resolve_waiters (self, ticket, error);
      g_signal_emit (self, signals[SIGNAL_WRITE_FAILED], 0, error);
      break;
    case RESULT_NEEDS_FULL:
      /* Not a failure: write the whole list now; the waiters wait for it. */
      self->full = TRUE;
      self->urgent = TRUE;
      break;
    }

  store_kick (self);
  return G_SOURCE_CONTINUE;
}

/* ------------------------------------------------------------------ */
/* MeowStore                                                           */

static void
meow_store_dispose (GObject *object)
{
  MeowStore *self = MEOW_STORE (object);

  /* Dropping the store is a last chance not to lose debounced progress. */
  if (self->changed != NULL && (store_dirty (self) || write_in_flight (self)) && self->path != NULL)
    {
      g_autoptr (GError) error = NULL;

      if (!meow_store_flush (self, &error))
        g_warning ("%s", error->message);
    }

  writer_stop (self);
  g_clear_pointer (&self->db, _meow_store_db_close);

  if (self->flush_source != NULL)
    {
      g_source_destroy (self->flush_source);
      g_clear_pointer (&self->flush_source, g_source_unref);
    }
  if (self->done_source != NULL)
    {
      g_source_destroy (self->done_source);
      g_clear_pointer (&self->done_source, g_source_unref);
    }
  g_clear_pointer (&self->context, g_main_context_unref);

  G_OBJECT_CLASS (meow_store_parent_class)->dispose (object);
}

static void
meow_store_finalize (GObject *object)
{
  MeowStore *self = MEOW_STORE (object);

  g_assert (g_queue_is_empty (&self->waiters)); /* each holds a reference */
  g_clear_pointer (&self->by_id, g_hash_table_unref);
  g_clear_pointer (&self->tasks, g_ptr_array_unref);
  g_clear_pointer (&self->changed, g_hash_table_unref);
  g_clear_pointer (&self->deleted, g_ptr_array_unref);
  g_clear_pointer (&self->queue, g_ptr_array_unref);
  g_clear_error (&self->done_error);
  g_mutex_clear (&self->writer_mutex);
  g_cond_clear (&self->writer_cond);
  g_free (self->path);
  g_free (self->json_path);

  G_OBJECT_CLASS (meow_store_parent_class)->finalize (object);
}

static void
meow_store_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  MeowStore *self = MEOW_STORE (object);

  switch (prop_id)
    {
    case PROP_PATH:
      g_value_set_string (value, self->path);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
meow_store_set_property (GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  MeowStore *self = MEOW_STORE (object);

  switch (prop_id)
    {
    case PROP_PATH:
      {
        g_autofree char *dirname = NULL;

        g_free (self->path);
        if (g_value_get_string (value) != NULL)
          self->path = g_value_dup_string (value);
        else
          self->path = g_build_filename (g_get_user_data_dir (), "meow", "tasks.db", NULL);
        dirname = g_path_get_dirname (self->path);
        g_free (self->json_path);
        self->json_path = g_build_filename (dirname, "tasks.json", NULL);
        /* A database called tasks.json imports nothing (it would be itself). */
        if (g_str_equal (self->json_path, self->path))
          g_clear_pointer (&self->json_path, g_free);
      }
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
meow_store_class_init (MeowStoreClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = meow_store_dispose;
  object_class->finalize = meow_store_finalize;
  object_class->get_property = meow_store_get_property;
  object_class->set_property = meow_store_set_property;

  /**
   * MeowStore:path: (type filename)
   *
   * The database file. %NULL at construction means the default,
   * `g_get_user_data_dir()/meow/tasks.db`.
   */
  properties[PROP_PATH] =
      g_param_spec_string ("path", NULL, NULL, NULL,
                           G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * MeowStore::saved:
   *
   * Emitted in the owner thread after each successful write of the database.
   */
  signals[SIGNAL_SAVED] = g_signal_new ("saved", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                        NULL, NULL, NULL, G_TYPE_NONE, 0);

  signals[SIGNAL_WRITE_FAILED] =
      g_signal_new ("write-failed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                    NULL, G_TYPE_NONE, 1, G_TYPE_ERROR | G_SIGNAL_TYPE_STATIC_SCOPE);
}

/* by_id is a set of the tasks themselves, not a map from their ids: a task starts with its
 * id, so a pointer to a task is a pointer to an id string, and so is &id for a lookup. A set
 * has no array of values beside its keys (8 B a slot: ~1-2 MiB for 100,000 tasks). */
G_STATIC_ASSERT (G_STRUCT_OFFSET (MeowStoredTask, id) == 0);

static guint
by_id_hash (gconstpointer key)
{
  return g_str_hash (*(const char *const *) key);
}

static gboolean
by_id_equal (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const char *const *) a, *(const char *const *) b) == 0;
}

/* The task with @id in @by_id (transfer none), or NULL. */
static MeowStoredTask *
by_id_lookup (GHashTable *by_id, const char *id)
{
  return g_hash_table_lookup (by_id, &id);
}

static void
meow_store_init (MeowStore *self)
{
  self->tasks = g_ptr_array_new_with_free_func ((GDestroyNotify) meow_stored_task_free);
  self->by_id = g_hash_table_new (by_id_hash, by_id_equal);
  self->changed = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->deleted = g_ptr_array_new_with_free_func ((GDestroyNotify) meow_stored_task_free);
  self->queue = g_ptr_array_new_with_free_func ((GDestroyNotify) _meow_store_batch_free);
  self->next_seq = 1;
  self->first_seq = 1;
  self->context = g_main_context_ref_thread_default ();
  g_queue_init (&self->waiters);
  g_mutex_init (&self->writer_mutex);
  g_cond_init (&self->writer_cond);
  self->flush_source = ready_time_source_new (self, "[meow] store debounce", flush_source_cb);
  self->done_source = ready_time_source_new (self, "[meow] store written", done_source_cb);
}

MeowStore *
meow_store_new (const char *path)
{
  return g_object_new (MEOW_TYPE_STORE, "path", path, NULL);
}

const char *
meow_store_get_path (MeowStore *store)
{
  g_return_val_if_fail (MEOW_IS_STORE (store), NULL);
  return store->path;
}

static void
store_clear (MeowStore *self)
{
  g_hash_table_remove_all (self->by_id);
  g_ptr_array_set_size (self->tasks, 0);
  g_hash_table_remove_all (self->changed);
  g_ptr_array_set_size (self->deleted, 0);
  self->full = FALSE;
  self->urgent = FALSE;
  g_source_set_ready_time (self->flush_source, -1);
}

/* Takes @st into the list (a new row when @is_new); FALSE (and frees it) for a known id. */
static gboolean
store_insert (MeowStore *self, MeowStoredTask *st, gboolean is_new)
{
  if (g_hash_table_contains (self->by_id, st))
    {
      meow_stored_task_free (st);
      return FALSE;
    }
  if (is_new)
    {
      st->seq = self->next_seq++;
      g_hash_table_insert (self->changed, g_strdup (st->id), GINT_TO_POINTER (CHANGE_NEW));
    }
  else
    {
      self->next_seq = MAX (self->next_seq, st->seq + 1);
      self->first_seq = MIN (self->first_seq, st->seq);
    }
  g_ptr_array_add (self->tasks, st);
  g_hash_table_add (self->by_id, st);
  return TRUE;
}

/* Marks a change of @st pending. A lifecycle change is written as soon as the current
 * burst of records is over; progress waits for the debounce. */
static void
store_changed (MeowStore *self, MeowStoredTask *st, int change)
{
  gpointer old = NULL;

  if (g_hash_table_lookup_extended (self->changed, st->id, NULL, &old))
    g_hash_table_insert (self->changed, g_strdup (st->id),
                         GINT_TO_POINTER (GPOINTER_TO_INT (old) | change));
  else
    g_hash_table_insert (self->changed, g_strdup (st->id), GINT_TO_POINTER (change));
  self->urgent |= (change & (CHANGE_LIFECYCLE | CHANGE_MOVE)) != 0;
  store_kick (self);
}

/* Keeps @st (out of the list and of by_id already) for the DELETE. */
static void
store_take_out (MeowStore *self, MeowStoredTask *st)
{
  int change = 0;

  if (g_hash_table_size (self->changed) > 0)
    {
      change = GPOINTER_TO_INT (g_hash_table_lookup (self->changed, st->id));
      g_hash_table_remove (self->changed, st->id);
    }
  if (change & CHANGE_NEW)
    {
      /* Never handed over: nothing to delete. */
      meow_stored_task_free (st);
      return;
    }
  g_ptr_array_add (self->deleted, st);
}

/* Turns the pending changes into one batch for the writer and clears them. */
static MeowStoreBatch *
store_take_batch (MeowStore *self)
{
  MeowStoreBatch *batch = _meow_store_batch_new ();
  GHashTableIter  iter;
  gpointer        key, value;

  if (self->full)
    {
      batch->replace_all = TRUE;
      for (guint i = 0; i < self->tasks->len; i++)
        _meow_store_batch_add (batch, MEOW_STORE_OP_INSERT,
                               meow_stored_task_copy (self->tasks->pdata[i]));
      g_ptr_array_set_size (self->deleted, 0);
    }
  else
    {
      for (guint i = 0; i < self->deleted->len; i++)
        _meow_store_batch_add (batch, MEOW_STORE_OP_DELETE,
                               g_steal_pointer (&self->deleted->pdata[i]));
      g_ptr_array_set_size (self->deleted, 0);
      g_hash_table_iter_init (&iter, self->changed);
      while (g_hash_table_iter_next (&iter, &key, &value))
        {
          MeowStoredTask *st = by_id_lookup (self->by_id, key);
          int             change = GPOINTER_TO_INT (value);

          if (st == NULL)
            continue;
          /* A new row has its place already. */
          if ((change & CHANGE_MOVE) && !(change & CHANGE_NEW))
            {
              _meow_store_batch_add (batch, MEOW_STORE_OP_MOVE, meow_stored_task_copy (st));
              if (change == CHANGE_MOVE)
                continue;
            }
          _meow_store_batch_add (batch,
                                 change & CHANGE_NEW         ? MEOW_STORE_OP_INSERT
                                 : change & CHANGE_LIFECYCLE ? MEOW_STORE_OP_UPDATE
                                                             : MEOW_STORE_OP_PROGRESS,
                                 meow_stored_task_copy (st));
        }
    }
  g_hash_table_remove_all (self->changed);
  self->full = FALSE;
  self->urgent = FALSE;
  return batch;
}

/* Decides when the debounce source hands the next batch over: soon after a lifecycle
 * change, else PROGRESS_WRITE_INTERVAL_US after the last one. */
static void
store_kick (MeowStore *self)
{
  gint64 when;
  gint64 current;

  if (!store_dirty (self))
    return;
  if (self->urgent)
    when = 0;
  else
    when = MAX (g_get_monotonic_time (), self->last_attempt + PROGRESS_WRITE_INTERVAL_US);
  current = g_source_get_ready_time (self->flush_source);
  if (current == -1 || current > when)
    g_source_set_ready_time (self->flush_source, when);
}

/* Hands the pending changes to the writer thread; the outcome comes back through
 * done_source. */
static void
store_write_async (MeowStore *self)
{
  writer_submit (self, store_take_batch (self));
}

/* Writes the pending changes and waits for them. On failure the whole list is written
 * again later (the timer retries). */
static gboolean
store_write_sync (MeowStore *self, GError **error)
{
  g_autoptr (GError) local_error = NULL;
  WriteResult result =
      writer_wait (self, writer_submit (self, store_take_batch (self)), &local_error);

  if (result == RESULT_NEEDS_FULL)
    {
      self->full = TRUE;
      result = writer_wait (self, writer_submit (self, store_take_batch (self)), &local_error);
    }
  if (result != RESULT_OK)
    {
      if (local_error == NULL)
        local_error = g_error_new (G_IO_ERROR, G_IO_ERROR_FAILED,
                                   "Could not save the task list “%s”.", self->path);
      self->full = TRUE;
      resolve_waiters (self, self->acked, local_error);
      store_kick (self);
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  resolve_waiters (self, self->acked, NULL);
  if (!store_dirty (self))
    g_source_set_ready_time (self->flush_source, -1);
  g_signal_emit (self, signals[SIGNAL_SAVED], 0);
  return TRUE;
}

/* ------------------------------------------------------------------ */
/* Loading                                                             */

/* Removes temporary files that a JSON write killed between creating and renaming left
 * behind: g_file_set_contents_full() named them "tasks.json." plus six random characters. */
static void
remove_stale_temp_files (MeowStore *self)
{
  g_autofree char *dirname = NULL;
  g_autofree char *basename = NULL;
  g_autoptr (GDir) dir = NULL;
  gsize       len;
  const char *name;

  if (self->json_path == NULL)
    return;
  dirname = g_path_get_dirname (self->json_path);
  basename = g_path_get_basename (self->json_path);
  dir = g_dir_open (dirname, 0, NULL);
  len = strlen (basename);
  if (dir == NULL)
    return;
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      gboolean temp =
          strncmp (name, basename, len) == 0 && name[len] == '.' && strlen (name + len + 1) == 6;

      for (guint i = 0; temp && i < 6; i++)
        temp = g_ascii_isalnum (name[len + 1 + i]);
      if (temp)
        {
          g_autofree char *full = g_build_filename (dirname, name, NULL);

          g_debug ("Removing “%s”, left by an interrupted write", full);
          g_unlink (full);
        }
    }
}

/* A name beside @path that nothing has: PATH.SUFFIX-<unix time>[-N]. */
static char *
unused_name (const char *path, const char *suffix)
{
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  char  *name = g_strdup_printf ("%s.%s-%" G_GINT64_FORMAT, path, suffix, now);

  /* Two in the same second: do not overwrite the first. */
  for (guint i = 1; g_file_test (name, G_FILE_TEST_EXISTS) && i < 1000; i++)
    {
      g_free (name);
      name = g_strdup_printf ("%s.%s-%" G_GINT64_FORMAT "-%u", path, suffix, now, i);
    }
  return name;
}

/* Moves an unusable file (and, for the database, its -wal and -shm) aside so that it is
 * neither lost nor overwritten; @error says so, naming both paths. */
static void
move_aside (const char *path, gboolean with_wal, int code, const char *why, GError **error)
{
  g_autofree char *aside = unused_name (path, "corrupt");

  if (g_rename (path, aside) != 0)
    {
      int errsv = errno;

      g_set_error (error, G_IO_ERROR, code,
                   "The task list “%s” is unusable (%s) and could not be moved aside to “%s”: %s. "
                   "Move or delete it to start with an empty list.",
                   path, why, aside, g_strerror (errsv));
      return;
    }
  if (with_wal)
    for (guint i = 0; i < 2; i++)
      {
        const char      *ext = i == 0 ? "-wal" : "-shm";
        g_autofree char *from = g_strconcat (path, ext, NULL);
        g_autofree char *to = g_strconcat (aside, ext, NULL);

        if (g_file_test (from, G_FILE_TEST_EXISTS))
          g_rename (from, to);
      }
  g_set_error (error, G_IO_ERROR, code,
               "The task list “%s” is unusable (%s); it was moved aside to “%s” and Meow starts "
               "with an empty list.",
               path, why, aside);
}

/* Opens the database, moving an unusable one aside (@error set, a new one opened). NULL
 * when no database can be opened at all. */
static sqlite3 *
open_db (MeowStore *self, gboolean *fresh, GError **error)
{
  g_autoptr (GError) local_error = NULL;
  gboolean corrupt = FALSE;
  sqlite3 *db = _meow_store_db_open (self->path, fresh, &corrupt, &local_error);

  if (db != NULL || !corrupt)
    {
      if (local_error != NULL)
        g_propagate_error (error, g_steal_pointer (&local_error));
      return db;
    }
  move_aside (self->path, TRUE, G_IO_ERROR_INVALID_DATA, local_error->message, error);
  return _meow_store_db_open (self->path, fresh, &corrupt, NULL);
}

static gboolean
set_meta (MeowStore *self, const char *key, const char *value, GError **error)
{
  g_autoptr (GPtrArray) one =
      g_ptr_array_new_with_free_func ((GDestroyNotify) _meow_store_batch_free);
  MeowStoreBatch *batch = _meow_store_batch_new ();

  batch->meta_key = g_strdup (key);
  batch->meta_value = g_strdup (value);
  g_ptr_array_add (one, batch);
  return _meow_store_db_apply (self->db, self->path, one, error);
}

/* The one-time import of an older Meow's tasks.json into the empty database: all of it in
 * one transaction (a kill midway leaves "todo", and the next start imports again). FALSE
 * with @error when the file is unusable (it is moved aside) or cannot be written. */
static gboolean
import_json (MeowStore *self, GError **error)
{
  g_autofree char *contents = NULL;
  gsize            length = 0;
  g_autoptr (GError) local_error = NULL;
  g_autoptr (GPtrArray) loaded =
      g_ptr_array_new_with_free_func ((GDestroyNotify) meow_stored_task_free);
  g_autoptr (GPtrArray) warnings = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GPtrArray) one =
      g_ptr_array_new_with_free_func ((GDestroyNotify) _meow_store_batch_free);
  MeowStoreBatch *batch;

  if (!g_file_get_contents (self->json_path, &contents, &length, &local_error))
    {
      if (g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        return set_meta (self, "json_import", "done", error);
      move_aside (self->json_path, FALSE, g_io_error_from_file_error (local_error->code),
                  local_error->message, error);
      set_meta (self, "json_import", "done", NULL);
      return FALSE;
    }
  if (!_meow_store_parse_json (contents, length, self->json_path, loaded, warnings, &local_error))
    {
      move_aside (self->json_path, FALSE, local_error->code, local_error->message, error);
      set_meta (self, "json_import", "done", NULL);
      return FALSE;
    }
  for (guint i = 0; i < warnings->len; i++)
    g_warning ("%s", (const char *) warnings->pdata[i]);

  batch = _meow_store_batch_new ();
  batch->meta_key = g_strdup ("json_import");
  batch->meta_value = g_strdup ("imported");
  for (guint i = 0; i < loaded->len; i++)
    {
      MeowStoredTask *st = loaded->pdata[i];

      st->seq = (gint64) i + 1;
      _meow_store_batch_add (batch, MEOW_STORE_OP_INSERT, meow_stored_task_copy (st));
    }
  g_ptr_array_add (one, batch);
  if (!_meow_store_db_apply (self->db, self->path, one, error))
    return FALSE;
  for (guint i = 0; i < loaded->len; i++)
    store_insert (self, g_steal_pointer (&loaded->pdata[i]), FALSE);
  g_message ("Imported %u tasks from “%s” into “%s”", loaded->len, self->json_path, self->path);
  return TRUE;
}

/* After an import: the JSON file is renamed, never deleted. */
static void
retire_json (MeowStore *self)
{
  if (g_file_test (self->json_path, G_FILE_TEST_EXISTS))
    {
      g_autofree char *imported = g_strconcat (self->json_path, ".imported", NULL);

      if (g_file_test (imported, G_FILE_TEST_EXISTS))
        {
          g_free (imported);
          imported = unused_name (self->json_path, "imported");
        }
      if (g_rename (self->json_path, imported) != 0)
        {
          int errsv = errno;

          g_warning ("Could not rename the imported task list “%s” to “%s”: %s", self->json_path,
                     imported, g_strerror (errsv));
          return;
        }
    }
  set_meta (self, "json_import", "done", NULL);
}

gboolean
meow_store_load (MeowStore *store, GError **error)
{
  g_autoptr (GError) open_error = NULL;
  g_autoptr (GError) import_error = NULL;
  g_autoptr (GPtrArray) rows = NULL;
  g_autofree char *import_state = NULL;
  gboolean         fresh = FALSE;
  gboolean         corrupt = FALSE;

  g_return_val_if_fail (MEOW_IS_STORE (store), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  /* The connection is the owner's again while it reads. */
  writer_stop (store);
  store_clear (store);
  remove_stale_temp_files (store);

  /* A new list: loading writes nothing, the first write creates the database. */
  if (store->db == NULL && !g_file_test (store->path, G_FILE_TEST_EXISTS) &&
      (store->json_path == NULL || !g_file_test (store->json_path, G_FILE_TEST_EXISTS)))
    return TRUE;

  if (store->db == NULL)
    {
      store->db = open_db (store, &fresh, &open_error);
      if (store->db == NULL)
        {
          g_propagate_error (error, g_steal_pointer (&open_error));
          return FALSE;
        }
      remember_db_file (store);
    }

  rows = g_ptr_array_new_with_free_func ((GDestroyNotify) meow_stored_task_free);
  if (!_meow_store_db_read (store->db, store->path, rows, &corrupt, &import_error))
    {
      if (!corrupt)
        {
          g_propagate_error (error, g_steal_pointer (&import_error));
          return FALSE;
        }
      g_clear_pointer (&store->db, _meow_store_db_close);
      g_clear_error (&open_error);
      move_aside (store->path, TRUE, G_IO_ERROR_INVALID_DATA, import_error->message, &open_error);
      g_clear_error (&import_error);
      store->db = _meow_store_db_open (store->path, &fresh, &corrupt, error);
      if (store->db == NULL)
        return FALSE;
      remember_db_file (store);
      g_ptr_array_set_size (rows, 0);
    }
  for (guint i = 0; i < rows->len; i++)
    store_insert (store, g_steal_pointer (&rows->pdata[i]), FALSE);

  import_state = _meow_store_db_get_meta (store->db, "json_import");
  if (g_strcmp0 (import_state, "todo") == 0 && store->json_path == NULL)
    set_meta (store, "json_import", "done", NULL);
  else if (g_strcmp0 (import_state, "todo") == 0 && store->tasks->len == 0)
    {
      if (import_json (store, &import_error))
        retire_json (store);
    }
  else if (g_strcmp0 (import_state, "imported") == 0 && store->json_path != NULL)
    retire_json (store); /* killed between the import and the rename */

  if (open_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&open_error));
      return FALSE;
    }
  if (import_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&import_error));
      return FALSE;
    }
  return TRUE;
}

/* ------------------------------------------------------------------ */
/* The list                                                            */

GPtrArray *
meow_store_dup_tasks (MeowStore *store)
{
  GPtrArray *copy;

  g_return_val_if_fail (MEOW_IS_STORE (store), NULL);

  copy = g_ptr_array_new_full (store->tasks->len, (GDestroyNotify) meow_stored_task_free);
  for (guint i = 0; i < store->tasks->len; i++)
    g_ptr_array_add (copy, meow_stored_task_copy (g_ptr_array_index (store->tasks, i)));
  return copy;
}

guint
meow_store_get_n_tasks (MeowStore *store)
{
  g_return_val_if_fail (MEOW_IS_STORE (store), 0);

  return store->tasks->len;
}

const MeowStoredTask *
meow_store_peek_task (MeowStore *store, guint index)
{
  g_return_val_if_fail (MEOW_IS_STORE (store), NULL);
  g_return_val_if_fail (index < store->tasks->len, NULL);

  return g_ptr_array_index (store->tasks, index);
}

MeowStoredTask *
meow_store_dup_task (MeowStore *store, const char *id)
{
  MeowStoredTask *st;

  g_return_val_if_fail (MEOW_IS_STORE (store), NULL);
  g_return_val_if_fail (id != NULL, NULL);

  st = by_id_lookup (store->by_id, id);
  return st ? meow_stored_task_copy (st) : NULL;
}

gboolean
meow_store_add (MeowStore *store, const MeowStoredTask *st, GError **error)
{
  const MeowStoredTask *one[] = { st };

  g_return_val_if_fail (MEOW_IS_STORE (store), FALSE);
  g_return_val_if_fail (st != NULL && st->id != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return meow_store_add_all (store, one, 1, error);
}

/* Takes the last @n tasks off the list again (an add_all that did not go through). */
static void
store_drop_last (MeowStore *self, guint n)
{
  for (; n > 0; n--)
    {
      MeowStoredTask *st = g_ptr_array_index (self->tasks, self->tasks->len - 1);

      g_hash_table_remove (self->by_id, st);
      g_hash_table_remove (self->changed, st->id);
      g_ptr_array_remove_index (self->tasks, self->tasks->len - 1);
    }
}

gboolean
meow_store_add_all (MeowStore                   *store,
                    const MeowStoredTask *const *tasks,
                    guint                        n_tasks,
                    GError                     **error)
{
  g_return_val_if_fail (MEOW_IS_STORE (store), FALSE);
  g_return_val_if_fail (tasks != NULL || n_tasks == 0, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  for (guint i = 0; i < n_tasks; i++)
    {
      g_return_val_if_fail (tasks[i] != NULL && tasks[i]->id != NULL, FALSE);
      if (g_hash_table_contains (store->by_id, tasks[i]))
        {
          g_set_error (error, MEOW_ERROR, MEOW_ERROR_DUPLICATE_TASK,
                       "The task list already has a task with id “%s”.", tasks[i]->id);
          store_drop_last (store, i); /* all or nothing */
          return FALSE;
        }
      store_insert (store, meow_stored_task_copy (tasks[i]), TRUE);
    }
  if (n_tasks == 0)
    return TRUE;

  if (!store_write_sync (store, error))
    {
      store_drop_last (store, n_tasks);
      return FALSE;
    }
  return TRUE;
}

void
meow_store_add_all_async (MeowStore          *store,
                          GPtrArray          *tasks,
                          GCancellable       *cancellable,
                          GAsyncReadyCallback callback,
                          gpointer            user_data)
{
  g_autoptr (GPtrArray) owned = tasks;
  g_autoptr (GTask) task = NULL;
  guint n_added = 0;

  g_return_if_fail (MEOW_IS_STORE (store));
  g_return_if_fail (tasks != NULL);
  for (guint i = 0; i < tasks->len; i++)
    g_return_if_fail (tasks->pdata[i] != NULL && ((MeowStoredTask *) tasks->pdata[i])->id != NULL);

  task = g_task_new (store, cancellable, callback, user_data);
  g_task_set_source_tag (task, meow_store_add_all_async);
  g_task_set_check_cancellable (task, FALSE); /* the tasks are in the list at once */

  /* Taken out of the array (whatever its free function), so that unreffing it frees
   * nothing the list keeps. */
  for (guint i = 0; i < owned->len; i++)
    {
      MeowStoredTask *st = g_steal_pointer (&owned->pdata[i]);

      n_added += store_insert (store, st, TRUE); /* frees a task the list already has */
    }
  if (n_added == 0)
    {
      g_task_return_boolean (task, TRUE);
      return;
    }
  store_write_async (store);
  g_task_set_task_data (task, GSIZE_TO_POINTER (store->handed), NULL);
  g_queue_push_tail (&store->waiters, g_steal_pointer (&task));
}

gboolean
meow_store_add_all_finish (MeowStore *store, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, store), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == meow_store_add_all_async, FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

static gboolean
replace_if_changed (char **field, const char *value)
{
  if (value == NULL || g_strcmp0 (*field, value) == 0)
    return FALSE;
  g_free (*field);
  *field = g_strdup (value);
  return TRUE;
}

/* Applies a status change; returns whether anything changed. */
static gboolean
apply_status (MeowStoredTask *st, MeowStatus status, const GError *reason, gint64 when)
{
  const MeowStoredTaskExtra *x;
  gboolean                   changed = FALSE;

  if (st->status != status)
    {
      st->status = status;
      st->finished = status_is_finished (status) ? when : 0;
      changed = TRUE;
    }

  x = _meow_stored_task_get_extra (st);
  if (status == MEOW_STATUS_FAILED && reason != NULL)
    {
      if (x->error_domain != reason->domain || x->error_code != reason->code ||
          g_strcmp0 (x->error_message, reason->message) != 0)
        {
          MeowStoredTaskExtra *edit = _meow_stored_task_edit_extra (st);

          edit->error_domain = reason->domain;
          edit->error_code = reason->code;
          g_free (edit->error_message);
          edit->error_message = g_strdup (reason->message);
          changed = TRUE;
        }
    }
  else if (status != MEOW_STATUS_FAILED && x->error_message != NULL)
    {
      MeowStoredTaskExtra *edit = _meow_stored_task_edit_extra (st);

      /* A retried task is live again: the old error no longer applies. */
      edit->error_domain = 0;
      edit->error_code = 0;
      g_clear_pointer (&edit->error_message, g_free);
      _meow_stored_task_trim_extra (st);
      changed = TRUE;
    }

  return changed;
}

void
meow_store_update (MeowStore *store, const MeowTransferRecord *record)
{
  MeowStoredTask *st;
  const char     *upload_url;
  gboolean        lifecycle;
  gboolean        progress = FALSE;
  gint64          total;

  g_return_if_fail (MEOW_IS_STORE (store));
  g_return_if_fail (record != NULL);

  st = by_id_lookup (store->by_id, meow_transfer_record_get_task_id (record));
  if (st == NULL)
    return;

  lifecycle = apply_status (st, meow_transfer_record_get_status (record),
                            meow_transfer_record_get_error (record),
                            meow_transfer_record_get_timestamp (record));
  lifecycle |= replace_if_changed (&st->name, meow_transfer_record_get_name (record));
  if (st->direction == MEOW_DIRECTION_DOWNLOAD)
    lifecycle |= meow_transfer_record_get_local_path (record) != NULL &&
                 _meow_stored_task_set_path (st, MEOW_STORED_PATH_LOCAL,
                                             meow_transfer_record_get_local_path (record));
  upload_url = meow_transfer_record_get_upload_url (record);
  if (upload_url != NULL &&
      g_strcmp0 (_meow_stored_task_get_extra (st)->upload_url, upload_url) != 0)
    lifecycle |= replace_if_changed (&_meow_stored_task_edit_extra (st)->upload_url, upload_url);
  /* A changed link (meow_client_change_url()) is the task's from now on. */
  if (meow_transfer_record_get_url (record) != NULL)
    lifecycle |= replace_if_changed (&st->url, meow_transfer_record_get_url (record));
  /* The server lost the upload (UPLOAD_LOST): Retry, the user's choice,
   * starts a new one instead of asking for the lost resource again. */
  if (meow_transfer_record_get_status (record) == MEOW_STATUS_FAILED &&
      g_error_matches (meow_transfer_record_get_error (record), MEOW_ERROR,
                       MEOW_ERROR_UPLOAD_LOST) &&
      _meow_stored_task_get_extra (st)->upload_url != NULL)
    {
      g_clear_pointer (&st->extra->upload_url, g_free);
      _meow_stored_task_trim_extra (st);
      lifecycle = TRUE;
    }
  lifecycle |= meow_transfer_record_get_payload (record) != NULL &&
               _meow_stored_task_set_path (st, MEOW_STORED_PATH_PAYLOAD,
                                           meow_transfer_record_get_payload (record));

  if (st->transferred != meow_transfer_record_get_transferred (record))
    {
      st->transferred = meow_transfer_record_get_transferred (record);
      progress = TRUE;
    }
  /* A record that does not know the total does not forget ours. */
  total = meow_transfer_record_get_total (record);
  if (total >= 0 && st->total != total)
    {
      st->total = total;
      progress = TRUE;
    }

  if (lifecycle || progress)
    store_changed (store, st, lifecycle ? CHANGE_LIFECYCLE : CHANGE_PROGRESS);
}

/* The stored task of @id, or NULL with a TASK_NOT_FOUND error. */
static MeowStoredTask *
find_task (MeowStore *store, const char *id, GError **error)
{
  MeowStoredTask *st = by_id_lookup (store->by_id, id);

  if (st == NULL)
    g_set_error (error, MEOW_ERROR, MEOW_ERROR_TASK_NOT_FOUND,
                 "The task list has no task with id “%s”.", id);
  return st;
}

gboolean
meow_store_set_url (MeowStore *store, const char *id, const char *url, GError **error)
{
  MeowStoredTask *st;

  g_return_val_if_fail (MEOW_IS_STORE (store), FALSE);
  g_return_val_if_fail (id != NULL, FALSE);
  g_return_val_if_fail (url != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  st = find_task (store, id, error);
  if (st == NULL)
    return FALSE;
  if (replace_if_changed (&st->url, url))
    store_changed (store, st, CHANGE_LIFECYCLE);
  return TRUE;
}

gboolean
meow_store_set_limits (
    MeowStore *store, const char *id, guint64 speed_limit, guint segments, GError **error)
{
  MeowStoredTask            *st;
  const MeowStoredTaskExtra *x;
  MeowStoredTaskExtra       *edit;

  g_return_val_if_fail (MEOW_IS_STORE (store), FALSE);
  g_return_val_if_fail (id != NULL, FALSE);
  g_return_val_if_fail (segments <= 16, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  st = find_task (store, id, error);
  if (st == NULL)
    return FALSE;
  x = _meow_stored_task_get_extra (st);
  if (x->speed_limit == speed_limit && x->segments == segments)
    return TRUE;
  edit = _meow_stored_task_edit_extra (st);
  edit->speed_limit = speed_limit;
  edit->segments = segments;
  _meow_stored_task_trim_extra (st); /* back to the client's defaults */
  store_changed (store, st, CHANGE_LIFECYCLE);
  return TRUE;
}

gboolean
meow_store_move (MeowStore *store, const char *id, MeowQueuePosition position, GError **error)
{
  MeowStoredTask *st;
  guint           index;

  g_return_val_if_fail (MEOW_IS_STORE (store), FALSE);
  g_return_val_if_fail (id != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  st = find_task (store, id, error);
  if (st == NULL)
    return FALSE;
  if (!g_ptr_array_find (store->tasks, st, &index))
    g_assert_not_reached ();
  if (position == MEOW_QUEUE_POSITION_FRONT ? index == 0 : index == store->tasks->len - 1)
    return TRUE;

  g_ptr_array_steal_index (store->tasks, index);
  if (position == MEOW_QUEUE_POSITION_FRONT)
    {
      g_ptr_array_insert (store->tasks, 0, st);
      /* Fresh numbers only, never one a row had (a row cleared and put back by Undo
       * comes back with its own); 0 means "not stored". */
      st->seq = --store->first_seq;
      if (st->seq == 0)
        st->seq = --store->first_seq;
    }
  else
    {
      g_ptr_array_add (store->tasks, st);
      st->seq = store->next_seq++;
    }
  store_changed (store, st, CHANGE_MOVE);
  return TRUE;
}

static int
compare_seq (gconstpointer a, gconstpointer b)
{
  gint64 x = *(const gint64 *) a;
  gint64 y = *(const gint64 *) b;

  return x < y ? -1 : x > y;
}

gboolean
meow_store_move_beside (MeowStore        *store,
                        const char       *id,
                        const char       *other_id,
                        MeowQueuePosition position,
                        GError          **error)
{
  MeowStoredTask *st;
  MeowStoredTask *other;
  guint           from;
  guint           to;
  guint           lo;
  guint           hi;
  g_autoptr (GArray) seqs = NULL;

  g_return_val_if_fail (MEOW_IS_STORE (store), FALSE);
  g_return_val_if_fail (id != NULL, FALSE);
  g_return_val_if_fail (other_id != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if ((st = find_task (store, id, error)) == NULL ||
      (other = find_task (store, other_id, error)) == NULL)
    return FALSE;
  if (st == other)
    return TRUE;
  if (!g_ptr_array_find (store->tasks, st, &from))
    g_assert_not_reached ();
  g_ptr_array_steal_index (store->tasks, from);
  if (!g_ptr_array_find (store->tasks, other, &to))
    g_assert_not_reached ();
  if (position == MEOW_QUEUE_POSITION_BACK)
    to++;
  g_ptr_array_insert (store->tasks, to, st);

  /* Only the rows between the old place and the new one change: they take the same
   * numbers as before, in their new order (sorted, so that the range reads in list
   * order even after an Undo appended a row with its old number). */
  lo = MIN (from, to);
  hi = MAX (from, to);
  seqs = g_array_sized_new (FALSE, FALSE, sizeof (gint64), hi - lo + 1);
  for (guint i = lo; i <= hi; i++)
    g_array_append_val (seqs, ((MeowStoredTask *) store->tasks->pdata[i])->seq);
  g_array_sort (seqs, compare_seq);
  for (guint i = lo; i <= hi; i++)
    {
      MeowStoredTask *row = store->tasks->pdata[i];
      gint64          seq = g_array_index (seqs, gint64, i - lo);

      if (row->seq != seq)
        {
          row->seq = seq;
          store_changed (store, row, CHANGE_MOVE);
        }
    }
  return TRUE;
}

gboolean
meow_store_set_status (
    MeowStore *store, const char *id, MeowStatus status, const GError *reason, GError **error)
{
  MeowStoredTask *st;

  g_return_val_if_fail (MEOW_IS_STORE (store), FALSE);
  g_return_val_if_fail (id != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  st = find_task (store, id, error);
  if (st == NULL)
    return FALSE;
  if (apply_status (st, status, reason, g_get_real_time ()))
    {
      /* A download found complete without its record: the file is its result. */
      if (status == MEOW_STATUS_COMPLETE && st->direction == MEOW_DIRECTION_DOWNLOAD &&
          st->payload == NULL && st->local_path != NULL)
        _meow_stored_task_set_path (st, MEOW_STORED_PATH_PAYLOAD, st->local_path);
      store_changed (store, st, CHANGE_LIFECYCLE);
    }
  return TRUE;
}

gboolean
meow_store_remove (MeowStore *store, const char *id, GError **error)
{
  MeowStoredTask *st;

  g_return_val_if_fail (MEOW_IS_STORE (store), FALSE);
  g_return_val_if_fail (id != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  st = find_task (store, id, error);
  if (st == NULL)
    return FALSE;
  {
    guint index = 0;

    if (g_ptr_array_find (store->tasks, st, &index))
      g_ptr_array_steal_index (store->tasks, index);
  }
  g_hash_table_remove (store->by_id, st);
  store_take_out (store, st);

  return store_write_sync (store, error);
}

/* Takes the tasks with @ids out of the list in memory (one pass over it); returns how
 * many. Their rows are deleted by the next write. A Clear Finished of 100,000 tasks runs
 * here in the main thread: one lookup per id, a flag instead of a set, and by_id rebuilt
 * from what stays when that is less work than removing what goes. */
static guint
store_take_out_all (MeowStore *self, const char *const *ids, guint n_ids)
{
  GPtrArray *old;
  guint      n_gone = 0;

  for (guint i = 0; i < n_ids; i++)
    {
      MeowStoredTask *st = by_id_lookup (self->by_id, ids[i]);

      if (st != NULL && !st->gone)
        {
          st->gone = TRUE;
          n_gone++;
        }
    }
  if (n_gone == 0)
    return 0;

  old = self->tasks;
  self->tasks = g_ptr_array_new_full (old->len - n_gone, (GDestroyNotify) meow_stored_task_free);
  g_ptr_array_set_free_func (old, NULL);
  for (guint i = 0; i < old->len; i++)
    {
      MeowStoredTask *st = g_ptr_array_index (old, i);

      if (!st->gone)
        g_ptr_array_add (self->tasks, st);
    }
  if (n_gone > self->tasks->len)
    {
      g_hash_table_remove_all (self->by_id);
      for (guint i = 0; i < self->tasks->len; i++)
        {
          MeowStoredTask *st = self->tasks->pdata[i];

          g_hash_table_add (self->by_id, st);
        }
    }
  /* by_id's keys are the tasks' own ids: out of it before they can be freed. */
  for (guint i = 0; i < old->len; i++)
    {
      MeowStoredTask *st = g_ptr_array_index (old, i);

      if (!st->gone)
        continue;
      if (n_gone <= self->tasks->len)
        g_hash_table_remove (self->by_id, st);
      st->gone = FALSE;
      store_take_out (self, st);
    }
  g_ptr_array_unref (old);
  return n_gone;
}

gboolean
meow_store_remove_all (MeowStore *store, const char *const *ids, guint n_ids, GError **error)
{
  g_return_val_if_fail (MEOW_IS_STORE (store), FALSE);
  g_return_val_if_fail (ids != NULL || n_ids == 0, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (store_take_out_all (store, ids, n_ids) == 0)
    return TRUE;
  return store_write_sync (store, error);
}

void
meow_store_remove_all_async (MeowStore          *store,
                             const char *const  *ids,
                             guint               n_ids,
                             GCancellable       *cancellable,
                             GAsyncReadyCallback callback,
                             gpointer            user_data)
{
  g_autoptr (GTask) task = NULL;

  g_return_if_fail (MEOW_IS_STORE (store));
  g_return_if_fail (ids != NULL || n_ids == 0);

  task = g_task_new (store, cancellable, callback, user_data);
  g_task_set_source_tag (task, meow_store_remove_all_async);
  g_task_set_check_cancellable (task, FALSE); /* the removal happens whatever the caller wants */

  if (store_take_out_all (store, ids, n_ids) == 0)
    {
      g_task_return_boolean (task, TRUE);
      return;
    }
  store_write_async (store);
  g_task_set_task_data (task, GSIZE_TO_POINTER (store->handed), NULL);
  g_queue_push_tail (&store->waiters, g_steal_pointer (&task));
}

gboolean
meow_store_remove_all_finish (MeowStore *store, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, store), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == meow_store_remove_all_async,
                        FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

gboolean
meow_store_flush (MeowStore *store, GError **error)
{
  g_return_val_if_fail (MEOW_IS_STORE (store), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (store_dirty (store))
    return store_write_sync (store, error);
  if (!write_in_flight (store))
    return TRUE;
  /* Nothing new, but the last batch is still on its way: wait for it, and write again
   * (the whole list) if it did not go through. */
  if (writer_wait (store, store->handed, NULL) == RESULT_OK)
    {
      resolve_waiters (store, store->acked, NULL);
      g_signal_emit (store, signals[SIGNAL_SAVED], 0);
      return TRUE;
    }
  store->full = TRUE;
  return store_write_sync (store, error);
}

gboolean
meow_store_has_pending_changes (MeowStore *store)
{
  g_return_val_if_fail (MEOW_IS_STORE (store), FALSE);
  return store_dirty (store) || write_in_flight (store);
}
