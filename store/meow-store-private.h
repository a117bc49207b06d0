/* meow-store-private.h: what the store's files share (store/ only)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <sqlite3.h>

#include "meow-store.h"

G_BEGIN_DECLS

/* What few tasks set: an upload's fields, a download's own file, headers, checksum,
 * limits, retries, the last error. A task with all of them at their defaults (a long
 * history is nearly all such tasks) has no block: MeowStoredTask.extra is NULL, and
 * _meow_stored_task_get_extra() then gives one shared block of the defaults. */
typedef struct
{
  GStrv       headers;     /* "Name: value"; NULL: none */
  char       *output_file; /* as built: absolute, or NULL */
  char       *source_file; /* upload of a file */
  char       *checksum_hex;
  const char *category; /* interned */
  char       *upload_url;
  char       *error_message;

  guint64 speed_limit;
  gint64  size_hint; /* -1: none */
  gint64  chunk_size;

  GQuark error_domain;
  int    error_code;
  guint  retries;
  guint  prepare_retries;
  guint  segments; /* download connections, 0 = the client's */

  MeowChecksumType       checksum_type : 8;
  MeowUploadProtocolKind protocol : 8;
  guint                  source_in_memory : 1; /* upload of bytes: not restorable */
  guint                  retries_set : 1;
  guint                  overwrite : 1;
  guint                  keep_partial : 1;
  guint                  prepare_retries_set : 1;
} MeowStoredTaskExtra;

struct _MeowStoredTask
{
  /* Laid out for size, not by meaning: a long history keeps 100,000 of these in memory
   * (pointers and 64-bit numbers first, then the rest). 112 B: glibc's 128 B class. */
  char       *id;
  char       *url;
  const char *method; /* interned (g_intern_string()); NULL: the default for the
                       * direction or protocol */
  char       *name;
  const char *output_dir; /* as built: absolute, or NULL; interned (a list has few) */
  char       *local_path; /* reported by records: a download's chosen target */
  /* May be local_path itself (the same string: a finished download's payload is its file,
   * and a long history need not keep it twice); change the two with
   * _meow_stored_task_set_path() only. */
  char *payload;
  /* Nullable: every field at its default. Read it with _meow_stored_task_get_extra(),
   * change it through _meow_stored_task_edit_extra(). */
  MeowStoredTaskExtra *extra;

  guint64 transferred;
  gint64  total;
  gint64  added;
  gint64  finished;
  gint64  seq; /* the row's place in the list (meow_store_move(): may be < 0); 0: not stored */

  gatomicrefcount ref_count; /* meow_stored_task_ref(): a history item shares it */
  MeowDirection   direction : 8;
  MeowStatus      status : 8;
  guint           gone : 1; /* MeowStore only: being taken out of the list */
};

MeowStoredTask *_meow_stored_task_new_empty (void);

/* @st's rare fields: its block, or a shared block of the defaults (never NULL; not to be
 * changed). */
const MeowStoredTaskExtra *_meow_stored_task_get_extra (const MeowStoredTask *st);

/* @st's block to change, made (at the defaults) when @st has none. */
MeowStoredTaskExtra *_meow_stored_task_edit_extra (MeowStoredTask *st);

/* Frees @st's block when every field in it is at its default (after reading a task into
 * it, or clearing a field). */
void _meow_stored_task_trim_extra (MeowStoredTask *st);

/* Which of a stored task's two paths _meow_stored_task_set_path() changes. */
typedef enum
{
  MEOW_STORED_PATH_LOCAL,
  MEOW_STORED_PATH_PAYLOAD,
} MeowStoredPath;

/* Sets @st's local path or payload to a copy of @value (NULL: none), keeping the payload
 * the local path's string when the two are equal. Returns whether the value changed. */
gboolean _meow_stored_task_set_path (MeowStoredTask *st, MeowStoredPath which, const char *value);

/* After reading both paths as copies: one string when they are equal. */
void _meow_stored_task_share_payload (MeowStoredTask *st);

/* The database (meow-store-db.c). One connection, used by one thread at a time. */

/* Opens (creating, 0600, in a 0700 folder) the database at @path, WAL, synchronous=NORMAL,
 * and brings its schema up to date. *@fresh is TRUE when it had no schema (a new list:
 * the caller may import). An unusable file fails with G_IO_ERROR_INVALID_DATA; *@corrupt
 * then says the file is what is wrong (move it aside), not the folder or the disk. */
sqlite3 *_meow_store_db_open (const char *path, gboolean *fresh, gboolean *corrupt, GError **error);
void     _meow_store_db_close (sqlite3 *db);

/* Reads every row in list order into @out (element-type MeowStoredTask); rows that are not
 * valid tasks are skipped with a warning naming @path. */
gboolean _meow_store_db_read (
    sqlite3 *db, const char *path, GPtrArray *out, gboolean *corrupt, GError **error);

/* One transaction's worth of changes, applied in order by _meow_store_db_apply(). */
typedef enum
{
  MEOW_STORE_OP_INSERT,   /* a new row: every column */
  MEOW_STORE_OP_UPDATE,   /* a lifecycle change: every column of the row */
  MEOW_STORE_OP_PROGRESS, /* only transferred and total */
  MEOW_STORE_OP_MOVE,     /* only seq: the row's place in the list */
  MEOW_STORE_OP_DELETE,
} MeowStoreOpKind;

typedef struct
{
  MeowStoreOpKind kind;
  MeowStoredTask *st; /* owned: a copy (DELETE: the removed task itself, for its id) */
} MeowStoreOp;

typedef struct
{
  gboolean replace_all; /* delete every row first (the ops then insert the whole list) */
  GArray  *ops;         /* MeowStoreOp */
  char    *meta_key;    /* nullable: a meta row to set in the same transaction */
  char    *meta_value;
} MeowStoreBatch;

MeowStoreBatch *_meow_store_batch_new (void);
void            _meow_store_batch_free (MeowStoreBatch *batch);
void _meow_store_batch_add (MeowStoreBatch *batch, MeowStoreOpKind kind, MeowStoredTask *st);

/* Applies @batches (in order) in ONE transaction: all of it or nothing. */
gboolean _meow_store_db_apply (sqlite3 *db, const char *path, GPtrArray *batches, GError **error);

/* Reads a meta value (transfer full, nullable). */
char *_meow_store_db_get_meta (sqlite3 *db, const char *key);

/* The value of @type's enum nick @nick into *@out; FALSE (and *@out
 * untouched) when @nick is NULL or not one of @type's nicks. Any thread.
 * (meow-store-db.c; the import reads the same nicks.) */
gboolean _meow_store_nick_to_enum (GType type, const char *nick, int *out);

/* The one-time import of a JSON list (meow-store-import.c). */

/* Parses the contents of a tasks.json written by an older Meow into @out (element-type
 * MeowStoredTask, file order, ids unique); entries that are not valid tasks are skipped
 * with a message in @warnings naming @path, index, id and field. FALSE with
 * G_IO_ERROR_INVALID_DATA (a message saying what is wrong) when the file as a whole is not
 * a version-1 list. Any thread; no I/O. */
gboolean _meow_store_parse_json (const char *contents,
                                 gsize       length,
                                 const char *path,
                                 GPtrArray  *out,
                                 GPtrArray  *warnings,
                                 GError    **error);

G_END_DECLS
