/* meow-store.h: the app's task list, persisted in SQLite
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "meow-task.h"
#include "meow-transfer-record.h"
#include "meow-types.h"

G_BEGIN_DECLS

#define MEOW_TYPE_STORED_TASK (meow_stored_task_get_type ())
#define MEOW_TYPE_STORE (meow_store_get_type ())

/**
 * MeowStoredTask:
 *
 * One persisted task: the request that made it (everything needed to build
 * the same #MeowTask again, with the same id) plus its last known state
 * (status, bytes, times, error, tus upload URL).
 *
 * An opaque value owned by whoever holds it; copy it with
 * meow_stored_task_copy(), free it with meow_stored_task_free(). A
 * #MeowStoredTask is never shared with a #MeowStore: the store copies what
 * it is given and hands out copies, so a caller's value never changes under
 * it. The functions on a #MeowStoredTask are safe from any thread (it is a
 * plain value); the #MeowStore is not.
 */
typedef struct _MeowStoredTask MeowStoredTask;

GType meow_stored_task_get_type (void) G_GNUC_CONST;

/**
 * meow_stored_task_new_from_task:
 * @task: (transfer none): a built task, typically the one about to be enqueued
 * @added_time_us: when the user added it, in g_get_real_time() microseconds;
 *   0 or less means now
 *
 * Captures everything needed to build @task again after a restart: id,
 * direction, URL, method, headers, name, output file or folder (or an
 * upload's source file), checksum, retries, speed limit, overwrite, keep
 * partial, size hint, and for uploads the protocol, chunk size, category,
 * tus upload URL and prepare retries. Status starts as Pending with 0 bytes.
 *
 * An upload made with meow_task_builder_new_upload_bytes() keeps its
 * metadata but not its bytes (they lived in memory only):
 * meow_stored_task_build() then fails for it.
 *
 * Returns: (transfer full): a new stored task. Any thread.
 */
MeowStoredTask *meow_stored_task_new_from_task (MeowTask *task, gint64 added_time_us);

/**
 * meow_stored_task_build:
 * @st: a stored task
 * @error: return location for an error
 *
 * Builds the #MeowTask that @st describes, with the same id, ready for
 * meow_client_enqueue(). A download whose target file was already chosen
 * (a record reported its local path) is rebuilt to that exact file so the
 * engine finds its `.part` and resumes (with %MEOW_RELINK_VERIFY: a `.part`
 * another link started is continued only when the URL gives the same
 * file); a tus upload is rebuilt with the
 * upload URL the server created, so it resumes instead of starting over.
 *
 * Fails with the errors of meow_task_builder_build() (for example
 * %MEOW_ERROR_FILE_NOT_FOUND when an upload's source file is gone), or
 * %MEOW_ERROR_PARAMETER_INVALID for an upload whose bytes were in memory.
 *
 * Returns: (transfer full): the task, or %NULL with @error set. Any thread.
 */
MeowTask *meow_stored_task_build (const MeowStoredTask *st, GError **error);

/**
 * meow_stored_task_copy:
 * @st: a stored task
 *
 * Returns: (transfer full): a deep copy of @st. Any thread.
 */
MeowStoredTask *meow_stored_task_copy (const MeowStoredTask *st);

/**
 * meow_stored_task_ref:
 * @st: a stored task, typically the store's own (meow_store_peek_task())
 *
 * Keeps @st alive after its owner lets it go (the store drops a removed task): the
 * holder drops it with meow_stored_task_free(). Not a copy: while the store has @st it
 * may still change its fields, on the store's thread, so a holder on another thread
 * takes a copy instead. A history item of the window shares its store's task this way
 * instead of copying its strings (bench/ui 100000). Any thread.
 *
 * Returns: (transfer full): @st
 */
const MeowStoredTask *meow_stored_task_ref (const MeowStoredTask *st);

/**
 * meow_stored_task_free:
 * @st: (transfer full) (nullable): a stored task
 *
 * Drops a reference to @st (meow_stored_task_ref()); frees it with the last one. Any
 * thread.
 */
void meow_stored_task_free (MeowStoredTask *st);

/* Getters: borrowed values that live as long as @st. Any thread. */

/* The task id (a UUID), the same as meow_task_get_id(). (transfer none) */
const char   *meow_stored_task_get_id (const MeowStoredTask *st);
MeowDirection meow_stored_task_get_direction (const MeowStoredTask *st);
/* The URL, credentials included (use for requests, not for display). (transfer none) */
const char *meow_stored_task_get_url (const MeowStoredTask *st);
/* The display name, or NULL until known. (transfer none) (nullable) */
const char *meow_stored_task_get_name (const MeowStoredTask *st);
/* The best known local path: a download's target file once chosen (else
 * its output file, else its output folder), an upload's source file; NULL
 * for an upload of bytes. (transfer none) (nullable) */
const char *meow_stored_task_get_local_path (const MeowStoredTask *st);
/* The last status the store heard of. */
MeowStatus meow_stored_task_get_status (const MeowStoredTask *st);
/* Bytes done at the last write (display only: for a download the .part file
 * is the truth, for an upload the server). */
guint64 meow_stored_task_get_transferred (const MeowStoredTask *st);
/* Total bytes, -1 when unknown. */
gint64 meow_stored_task_get_total (const MeowStoredTask *st);
/* When the task was added, g_get_real_time() microseconds. */
gint64 meow_stored_task_get_added (const MeowStoredTask *st);
/* When it reached Complete, Failed or Canceled (the record's timestamp),
 * 0 while it is live. */
gint64 meow_stored_task_get_finished (const MeowStoredTask *st);
/* Why it failed, or NULL. (transfer none) (nullable) */
const char *meow_stored_task_get_error_message (const MeowStoredTask *st);
/* The error's code (a #MeowError in %MEOW_ERROR, or a #GIOErrorEnum), 0 when none. */
int meow_stored_task_get_error_code (const MeowStoredTask *st);
/* The error's domain, 0 when none. */
GQuark meow_stored_task_get_error_domain (const MeowStoredTask *st);
/* A tus upload's resource URL once created, or NULL. (transfer none) (nullable) */
const char *meow_stored_task_get_upload_url (const MeowStoredTask *st);
/* The completion payload (a download's final path, an upload's file id or
 * URL), or NULL. (transfer none) (nullable) */
const char *meow_stored_task_get_payload (const MeowStoredTask *st);

/* The request headers, "Name: value" lines, as saved. (transfer none) */
const char *const *meow_stored_task_get_headers (const MeowStoredTask *st);

/**
 * meow_stored_task_set_headers:
 * @st: a stored task
 * @headers: (array zero-terminated=1) (nullable): "Name: value" lines; %NULL for none
 *
 * Replaces the request headers @st saves and builds with (copied). The app keeps the
 * values of secret headers out of the list this way (docs/store.md): the store saves
 * what it is given. Any thread.
 */
void meow_stored_task_set_headers (MeowStoredTask *st, const char *const *headers);

/**
 * meow_stored_task_finished_on_disk:
 * @st: a stored task
 *
 * Whether a download the store still lists as running (Pending or Transmission) in
 * fact finished before the app stopped: the engine renamed its `.part` into place, but
 * the Complete record never reached the store (a kill or a crash in between). Restoring
 * such a task would download the file again under another name, since its target is
 * taken.
 *
 * %TRUE when the target the engine chose (meow_stored_task_get_local_path()) is a
 * regular file (not a symbolic link) of exactly the total size the records reported,
 * last modified no earlier than the task was added, and neither `TARGET.part` nor
 * `TARGET.part.meow` exists. %FALSE for anything else, uploads and tasks of unknown
 * size included: those are restored and resumed as usual.
 *
 * Looks at the file system (a few lstat() calls). Any thread.
 */
gboolean meow_stored_task_finished_on_disk (const MeowStoredTask *st);

/**
 * MeowStore:
 *
 * The persistent list of the app's tasks: an SQLite database (WAL journal, one row per
 * task, schema versioned with `PRAGMA user_version`), so that a crash or a kill at any
 * moment leaves the list as of the last committed write, never a torn one, and never
 * loses a task that meow_store_add() returned for.
 *
 * The owner thread keeps the list in memory and notes what changed; a thread of the
 * store's own ("meow-store") applies the changes, each burst as one transaction: a new
 * row per added task, the changed row per lifecycle change, two columns per progress
 * update, a deleted row per removed task. meow_store_add(), meow_store_remove(),
 * meow_store_remove_all() and meow_store_flush() wait for their write; lifecycle changes
 * (meow_store_update(), meow_store_set_status()) are handed to the writer as soon as the
 * current burst of main-loop work is over, all changes of the burst in one transaction;
 * pure progress at most once every 2 seconds; meow_store_remove_all_async() at once,
 * without waiting.
 *
 * The first meow_store_load() of a new database imports the JSON list older Meows kept
 * beside it (`tasks.json`), once, and renames that file to `tasks.json.imported`.
 *
 * Threading: a #MeowStore belongs to the thread that created it and must be
 * used from that thread only (in the app, the GTK main thread). Its
 * debounce timer and the writer's completions run in the thread-default
 * #GMainContext of that thread at creation, which must therefore be
 * iterated for changes other than adds and removes to reach the disk (or
 * call meow_store_flush()). Disposing of the store writes what is pending
 * and joins the writer thread.
 *
 * Nothing in the store changes a task's status on load: the app decides
 * what to do with tasks that were running (Pending or Transmission) when
 * the app stopped.
 */
G_DECLARE_FINAL_TYPE (MeowStore, meow_store, MEOW, STORE, GObject)

/**
 * MeowStore::write-failed:
 * @store: the store
 * @error: (transfer none): why the database could not be written, naming it
 *
 * Emitted (in the owner thread) when a write that no caller waits for fails:
 * one for meow_store_update(), meow_store_set_status(), meow_store_remove_all_async()
 * or the debounce timer. The changes stay pending and the next write (2 s later, of the
 * whole list) tries again. Worth a toast: until a write succeeds, a crash loses those
 * changes.
 */

/**
 * MeowStore::saved:
 * @store: the store
 *
 * Emitted (in the owner thread) after each successful write (one transaction).
 */

/**
 * MeowStore:path: (type filename)
 *
 * The database file, construct-only. %NULL at construction means
 * `g_get_user_data_dir()/meow/tasks.db`. The JSON list of older Meows is looked for
 * beside it, as `tasks.json`.
 */

/**
 * meow_store_new:
 * @path: (nullable) (type filename): the database file; %NULL for
 *   `g_get_user_data_dir()/meow/tasks.db`
 *
 * Makes a store for @path. Reads nothing: call meow_store_load() next. The
 * calling thread becomes the store's owner and its thread-default main
 * context runs the store's debounce timer.
 *
 * Returns: (transfer full): a new store. Owner thread only.
 */
MeowStore *meow_store_new (const char *path);

/**
 * meow_store_get_path:
 *
 * Returns: (transfer none) (type filename): the database file the store writes.
 *   Owner thread only.
 */
const char *meow_store_get_path (MeowStore *store);

/**
 * meow_store_load:
 * @store: a store
 * @error: return location for an error
 *
 * Opens the database (creating it, 0600 in a 0700 folder, when missing) and reads the
 * list, replacing what the store holds in memory (call it once, right after
 * meow_store_new()). A row with a missing or ill-typed column is skipped with a
 * g_warning() naming it, and the others are loaded.
 *
 * A new database first imports, once, the `tasks.json` an older Meow kept in the same
 * folder: every entry in one transaction (entries with a missing or ill-typed field, or
 * a duplicate id, are skipped with a g_warning() naming them), then the JSON file is
 * renamed to `tasks.json.imported` (never deleted). A kill during the import leaves the
 * database empty and the file in place: the next start imports again. Leftover
 * temporary files of a JSON write killed midway are removed.
 *
 * A database that is not one (or damaged, or of a schema version newer than this build
 * knows), and a JSON file that cannot be read or parsed, is not a JSON object with a
 * `tasks` array or has an unknown version, is moved aside to `<file>.corrupt-<unix time>`
 * (a database with its `-wal` and `-shm`) so that it is neither lost nor overwritten; the
 * store is then empty and usable, and the function returns %FALSE with a %G_IO_ERROR
 * (%G_IO_ERROR_INVALID_DATA for bad content) whose message names both paths.
 *
 * Synchronous: opens and reads the database (and imports the JSON list once). Owner
 * thread only.
 *
 * Returns: %TRUE when the list was loaded (or is new and empty).
 */
gboolean meow_store_load (MeowStore *store, GError **error);

/**
 * meow_store_dup_tasks:
 *
 * Returns: (transfer full) (element-type MeowStoredTask): copies of every
 *   task, in the order they were added; the array frees its elements.
 *   Owner thread only.
 */
GPtrArray *meow_store_dup_tasks (MeowStore *store);

/**
 * meow_store_get_n_tasks:
 *
 * Returns: how many tasks the store holds. Owner thread only.
 */
guint meow_store_get_n_tasks (MeowStore *store);

/**
 * meow_store_peek_task:
 * @index: a position below meow_store_get_n_tasks()
 *
 * The task at @index in the order they were added, without a copy: what
 * meow_store_dup_tasks() gives for one position, for reading a long list without copying
 * it (the app's load of 100,000 tasks). Valid until the store next adds or removes a task.
 *
 * Returns: (transfer none): the store's own task. Owner thread only.
 */
const MeowStoredTask *meow_store_peek_task (MeowStore *store, guint index);

/**
 * meow_store_dup_task:
 * @id: a task id
 *
 * Returns: (transfer full) (nullable): a copy of the task with @id, or
 *   %NULL when the store has none. Owner thread only.
 */
MeowStoredTask *meow_store_dup_task (MeowStore *store, const char *id);

/**
 * meow_store_add:
 * @store: a store
 * @st: (transfer none): the task to add; the store keeps a copy
 * @error: return location for an error
 *
 * Adds a task at the end of the list and commits it (with any other
 * pending change) before returning, so that once this returns %TRUE a kill
 * loses nothing: add first, then enqueue. A task whose id the store
 * already has is refused with %MEOW_ERROR_DUPLICATE_TASK. When the write
 * fails, the task is not added and @error (a %G_IO_ERROR naming the file)
 * says why.
 *
 * Synchronous: waits for one transaction of the writer thread. Owner thread only.
 *
 * Returns: %TRUE when the task was added and written.
 */
gboolean meow_store_add (MeowStore *store, const MeowStoredTask *st, GError **error);

/**
 * meow_store_add_all:
 * @store: a store
 * @tasks: (array length=n_tasks) (transfer none): the tasks to add; the store keeps copies
 * @n_tasks: how many
 * @error: return location for an error
 *
 * Adds several tasks at the end of the list, in order, in one transaction:
 * what meow_store_add() does for one, for a drop of a thousand links
 * at the cost of one. All or nothing: when one of the ids is already in the
 * list (%MEOW_ERROR_DUPLICATE_TASK) or the write fails (a %G_IO_ERROR
 * naming the file), none is added. Adding no task writes nothing.
 *
 * Synchronous: waits for one transaction. Owner thread only.
 *
 * Returns: %TRUE when every task was added and written.
 */
gboolean meow_store_add_all (MeowStore                   *store,
                             const MeowStoredTask *const *tasks,
                             guint                        n_tasks,
                             GError                     **error);

/**
 * meow_store_add_all_async:
 * @store: a store
 * @tasks: (transfer full) (element-type MeowStoredTask): the tasks to add, in order; the
 *   store takes them out of the array (it keeps them, no copy) and unrefs the array
 * @cancellable: (nullable): ignored for the addition itself (it always happens); present
 *   for the usual shape
 * @callback: (scope async) (nullable): called when the rows are written, or the write
 *   failed
 * @user_data: for @callback
 *
 * meow_store_add_all() without waiting, for Undo of a large "Clear Finished": the tasks
 * are at the end of the list in memory before this returns (meow_store_dup_task() has
 * them), and one transaction of the writer thread inserts their rows. A task whose id
 * the list already has is left out (freed), not an error. A kill before the transaction
 * commits leaves none of them on disk, after it all. A failed write is also emitted as
 * #MeowStore::write-failed; the rows stay pending and the next write retries them.
 * Adding nothing completes at once with %TRUE.
 *
 * Owner thread only; @callback runs in the store's main context.
 */
void meow_store_add_all_async (MeowStore          *store,
                               GPtrArray          *tasks,
                               GCancellable       *cancellable,
                               GAsyncReadyCallback callback,
                               gpointer            user_data);

/**
 * meow_store_add_all_finish:
 * @store: a store
 * @result: the result given to the callback
 * @error: return location for an error
 *
 * Returns: %TRUE when the rows were written (or nothing was added); %FALSE with a
 *   %G_IO_ERROR naming the database when the write failed. Owner thread only.
 */
gboolean meow_store_add_all_finish (MeowStore *store, GAsyncResult *result, GError **error);

/**
 * meow_store_update:
 * @store: a store
 * @record: (transfer none): a record from the client, for any task
 *
 * Applies a record to the task with the same id (records of tasks the
 * store does not have are ignored): status, bytes done, total, name,
 * local path, URL, tus upload URL, completion payload, error (set on Failed,
 * cleared on a live status) and finished time (the record's timestamp on
 * Complete, Failed or Canceled; 0 again when a task goes live).
 *
 * A lifecycle change (status, local path, URL, upload URL, name, payload) is
 * written as soon as the owner's main context has dispatched what is ready
 * now (so a burst of records makes one write), by the writer thread; pure
 * progress (bytes, total) is written at most once every 2 seconds (an UPDATE of two
 * columns of the row). Meant to
 * be called from a client listener. A failed write emits
 * #MeowStore::write-failed. Owner thread only.
 */
void meow_store_update (MeowStore *store, const MeowTransferRecord *record);

/**
 * meow_store_set_url:
 * @store: a store
 * @id: a download's id
 * @url: its new link
 * @error: return location for an error
 *
 * Gives a stored download a new URL (meow_client_change_url()): the task is
 * built with it from now on, also after a restart of the app. Records of
 * the task carry its URL too (meow_transfer_record_get_url()), which
 * meow_store_update() follows; this is for a task that gets no record
 * meanwhile (a failed one enqueued again later, a paused one). Written as
 * a lifecycle change (see meow_store_update()). Owner thread only.
 *
 * Returns: %TRUE on success; %FALSE with %MEOW_ERROR_TASK_NOT_FOUND for an
 *   unknown id.
 */
gboolean meow_store_set_url (MeowStore *store, const char *id, const char *url, GError **error);

/**
 * meow_store_set_limits:
 * @store: a store
 * @id: a task id
 * @speed_limit: the task's own speed limit, bytes per second; 0 for none
 * @segments: a download's connection count; 0 for the client's
 *
 * Saves a task's own speed limit and connection count
 * (meow_client_set_task_speed_limit(), meow_client_set_task_segments()): the
 * task is built with them from now on, also after a restart of the app.
 * Written as a lifecycle change. Owner thread only.
 *
 * Returns: %TRUE, or %FALSE with %MEOW_ERROR_TASK_NOT_FOUND
 */
gboolean meow_store_set_limits (
    MeowStore *store, const char *id, guint64 speed_limit, guint segments, GError **error);

/**
 * meow_store_move:
 * @store: a store
 * @id: a task id
 * @position: %MEOW_QUEUE_POSITION_FRONT: the top of the list;
 *   %MEOW_QUEUE_POSITION_BACK: its end
 * @error: return location for an error
 *
 * Moves a task to the top or the end of the list (meow_store_peek_task() and the
 * next meow_store_load() see it there): the order in which the app queues its
 * unfinished tasks again at the next start. Written as soon as the owner's main
 * context has dispatched what is ready now, as a lifecycle change is (one column of
 * the row). Owner thread only.
 *
 * Returns: %TRUE, or %FALSE with %MEOW_ERROR_TASK_NOT_FOUND
 */
gboolean
meow_store_move (MeowStore *store, const char *id, MeowQueuePosition position, GError **error);

/**
 * meow_store_move_beside:
 * @store: a store
 * @id: a task id
 * @other_id: another task's id
 * @position: %MEOW_QUEUE_POSITION_FRONT: just before @other_id;
 *   %MEOW_QUEUE_POSITION_BACK: just after it
 * @error: return location for an error
 *
 * Moves a task next to another one in the list (drag and drop), as
 * meow_store_move() does to the top or the end. Only the rows between its old
 * place and the new one are written (their position column). Owner thread only.
 *
 * Returns: %TRUE, or %FALSE with %MEOW_ERROR_TASK_NOT_FOUND
 */
gboolean meow_store_move_beside (MeowStore        *store,
                                 const char       *id,
                                 const char       *other_id,
                                 MeowQueuePosition position,
                                 GError          **error);

/**
 * meow_store_set_status:
 * @store: a store
 * @id: a task id
 * @status: the new status
 * @reason: (nullable): for %MEOW_STATUS_FAILED, why (kept as the task's error)
 * @error: return location for an error
 *
 * Changes a stored task's status without a record from the client, for a
 * task the app restores without enqueueing: for example Paused when
 * "resume on start" is off, or Failed when meow_stored_task_build() fails.
 * Finished time and error follow the same rules as meow_store_update(). A
 * download set Complete this way (see meow_stored_task_finished_on_disk())
 * gets its local path as its payload, as its Complete record would have
 * given it. The write follows meow_store_update()'s rules too: soon, without waiting for it (a
 * failure emits #MeowStore::write-failed). Owner thread only.
 *
 * Returns: %TRUE on success; %FALSE with %MEOW_ERROR_TASK_NOT_FOUND for an
 *   unknown id.
 */
gboolean meow_store_set_status (
    MeowStore *store, const char *id, MeowStatus status, const GError *reason, GError **error);

/**
 * meow_store_remove:
 * @store: a store
 * @id: a task id
 * @error: return location for an error
 *
 * Removes a task and deletes its row, waiting for the write. Removing an id the store
 * does not have fails with %MEOW_ERROR_TASK_NOT_FOUND. When the write fails
 * the task stays removed in memory and the next write removes it on disk.
 * Owner thread only.
 *
 * Returns: %TRUE when the task was removed and the row deleted.
 */
gboolean meow_store_remove (MeowStore *store, const char *id, GError **error);

/**
 * meow_store_remove_all:
 * @store: a store
 * @ids: (array length=n_ids) (transfer none): the ids of the tasks to remove
 * @n_ids: how many
 * @error: return location for an error
 *
 * Removes several tasks in one transaction: what meow_store_remove() does for one, for
 * "Clear Finished" over a long history at the cost of one write. Ids the store does not
 * have are skipped. When the write fails the tasks stay removed in memory and the next
 * write removes them on disk. Removing nothing writes nothing.
 *
 * Synchronous: waits for the transaction (100,000 rows take a few hundred milliseconds:
 * the app uses meow_store_remove_all_async()). Owner thread only.
 *
 * Returns: %TRUE when the rows were deleted (or nothing was removed).
 */
gboolean
meow_store_remove_all (MeowStore *store, const char *const *ids, guint n_ids, GError **error);

/**
 * meow_store_remove_all_async:
 * @store: a store
 * @ids: (array length=n_ids) (transfer none): the ids of the tasks to remove
 * @n_ids: how many
 * @cancellable: (nullable): ignored for the removal itself (it always happens); present
 *   for the usual shape
 * @callback: (scope async) (nullable): called when the rows are deleted, or the write
 *   failed
 * @user_data: for @callback
 *
 * meow_store_remove_all() without waiting: the tasks leave the list in memory before
 * this returns (meow_store_dup_tasks() no longer has them), and one transaction of the
 * writer thread deletes their rows; the owner thread only takes them out of its table
 * (the removed values are freed by the writer thread). A kill before the transaction
 * commits leaves all of them on disk, after it none: a transaction is all or nothing.
 * A failed write is also emitted as #MeowStore::write-failed; the removal stays pending
 * and the next write retries it. Removing nothing completes at once with %TRUE.
 *
 * Owner thread only; @callback runs in the store's main context.
 */
void meow_store_remove_all_async (MeowStore          *store,
                                  const char *const  *ids,
                                  guint               n_ids,
                                  GCancellable       *cancellable,
                                  GAsyncReadyCallback callback,
                                  gpointer            user_data);

/**
 * meow_store_remove_all_finish:
 * @store: a store
 * @result: the result given to the callback
 * @error: return location for an error
 *
 * Returns: %TRUE when the rows were deleted (or nothing was removed); %FALSE with a
 *   %G_IO_ERROR naming the database when the write failed. Owner thread only.
 */
gboolean meow_store_remove_all_finish (MeowStore *store, GAsyncResult *result, GError **error);

/**
 * meow_store_flush:
 * @store: a store
 * @error: return location for an error
 *
 * Writes pending changes (debounced progress, lifecycle changes not yet
 * handed over) now, and waits for them and for writes already under way;
 * call it at shutdown, after meow_client_close() has delivered its last
 * records. Dropping the last reference to the store also writes pending
 * changes (warning on failure). Synchronous.
 * Owner thread only.
 *
 * Returns: %TRUE when nothing was pending or the write succeeded.
 */
gboolean meow_store_flush (MeowStore *store, GError **error);

/**
 * meow_store_has_pending_changes:
 *
 * Returns: whether some change is not known to be on disk yet: waiting for
 *   the debounce timer, being written by the writer thread, or waiting for a
 *   retry after a failed write. Owner thread only.
 */
gboolean meow_store_has_pending_changes (MeowStore *store);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MeowStoredTask, meow_stored_task_free)

G_END_DECLS
