/* meow-store-db.c: the task list's SQLite database (schema, migrations, rows)
 *
 * One row per task in `tasks`, in list order by `seq`; enums as their GType nicks, as the
 * JSON list had them. The schema is versioned with PRAGMA user_version: migrations[v]
 * takes a database from version v to v + 1, all pending ones in one transaction. See
 * docs/store.md.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#include "meow-enum-types.h"
#include "meow-error.h"
#include "meow-store-private.h"

/* Append only: a released Meow's database is at one of these versions. */
static const char *const migrations[] = {
  /* 0 → 1: the list, and the store's own notes (the JSON import's progress). */
  "CREATE TABLE tasks ("
  " seq INTEGER PRIMARY KEY,"
  " id TEXT NOT NULL UNIQUE,"
  " direction TEXT NOT NULL,"
  " url TEXT NOT NULL,"
  " method TEXT,"
  " headers TEXT," /* "Name: value" lines joined by \n (a header has no line break) */
  " name TEXT,"
  " output_file TEXT,"
  " output_dir TEXT,"
  " local_path TEXT,"
  " source_file TEXT,"
  " source_in_memory INTEGER NOT NULL DEFAULT 0,"
  " checksum_type TEXT,"
  " checksum TEXT,"
  " retries INTEGER," /* NULL: the client's default */
  " speed_limit INTEGER NOT NULL DEFAULT 0,"
  " segments INTEGER," /* NULL: the client's */
  " overwrite INTEGER NOT NULL DEFAULT 0,"
  " keep_partial INTEGER NOT NULL DEFAULT 0,"
  " size_hint INTEGER NOT NULL DEFAULT -1,"
  " upload_protocol TEXT,"
  " chunk_size INTEGER NOT NULL DEFAULT 0,"
  " category TEXT,"
  " upload_url TEXT,"
  " prepare_retries INTEGER,"
  " status TEXT NOT NULL,"
  " transferred INTEGER NOT NULL DEFAULT 0,"
  " total INTEGER NOT NULL DEFAULT -1,"
  " added INTEGER NOT NULL DEFAULT 0,"
  " finished INTEGER NOT NULL DEFAULT 0,"
  " error_domain TEXT,"
  " error_code INTEGER NOT NULL DEFAULT 0,"
  " error_message TEXT,"
  " payload TEXT);"
  "CREATE TABLE meta (key TEXT PRIMARY KEY NOT NULL, value TEXT) WITHOUT ROWID;"
  "INSERT INTO meta (key, value) VALUES ('json_import', 'todo');",
};

#define SCHEMA_VERSION ((int) G_N_ELEMENTS (migrations))

/* Columns in the order of the INSERT and of the SELECT. */
#define COLUMNS                                                                                    \
  "seq, id, direction, url, method, headers, name, output_file, output_dir, local_path, "          \
  "source_file, source_in_memory, checksum_type, checksum, retries, speed_limit, segments, "       \
  "overwrite, keep_partial, size_hint, upload_protocol, chunk_size, category, upload_url, "        \
  "prepare_retries, status, transferred, total, added, finished, error_domain, error_code, "       \
  "error_message, payload"
#define N_COLUMNS 34

static gboolean
is_corruption (int rc)
{
  rc &= 0xff;
  return rc == SQLITE_CORRUPT || rc == SQLITE_NOTADB || rc == SQLITE_FORMAT;
}

/* A GIOErrorEnum for what SQLite (and the system call under it) said. */
static int
io_error_code (sqlite3 *db, int rc)
{
  int errsv = db != NULL ? sqlite3_system_errno (db) : 0;

  if (is_corruption (rc))
    return G_IO_ERROR_INVALID_DATA;
  switch (rc & 0xff)
    {
    case SQLITE_FULL:
      return G_IO_ERROR_NO_SPACE;
    case SQLITE_READONLY:
    case SQLITE_PERM:
      return G_IO_ERROR_PERMISSION_DENIED;
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return G_IO_ERROR_BUSY;
    default:
      return errsv != 0 ? g_io_error_from_errno (errsv) : G_IO_ERROR_FAILED;
    }
}

static gboolean
set_db_error (GError **error, sqlite3 *db, int rc, const char *what, const char *path)
{
  g_set_error (error, G_IO_ERROR, io_error_code (db, rc), "Could not %s the task list “%s”: %s.",
               what, path, db != NULL ? sqlite3_errmsg (db) : sqlite3_errstr (rc));
  return FALSE;
}

static int
exec (sqlite3 *db, const char *sql)
{
  return sqlite3_exec (db, sql, NULL, NULL, NULL);
}

static int
user_version (sqlite3 *db, int *version)
{
  sqlite3_stmt *stmt = NULL;
  int           rc = sqlite3_prepare_v2 (db, "PRAGMA user_version", -1, &stmt, NULL);

  if (rc == SQLITE_OK && (rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      *version = sqlite3_column_int (stmt, 0);
      rc = SQLITE_OK;
    }
  sqlite3_finalize (stmt);
  return rc;
}

sqlite3 *
_meow_store_db_open (const char *path, gboolean *fresh, gboolean *corrupt, GError **error)
{
  g_autofree char *dirname = g_path_get_dirname (path);
  sqlite3         *db = NULL;
  int              rc;
  int              version = 0;

  *fresh = FALSE;
  *corrupt = FALSE;

  if (g_mkdir_with_parents (dirname, 0700) != 0)
    {
      int errsv = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errsv),
                   "Could not open the task list: cannot create the folder “%s”: %s.", dirname,
                   g_strerror (errsv));
      return NULL;
    }
  /* It holds URLs with credentials and request headers: owner only. SQLite gives its
   * -wal and -shm files the database's mode. */
  {
    int fd = g_open (path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);

    if (fd < 0)
      {
        int errsv = errno;

        g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errsv),
                     "Could not open the task list “%s”: %s.", path, g_strerror (errsv));
        return NULL;
      }
    close (fd);
  }

  /* Not a database at all: say so before SQLite opens it (and discards its -wal). */
  {
    g_autoptr (GFile) file = g_file_new_for_path (path);
    g_autoptr (GFileInputStream) in = g_file_read (file, NULL, NULL);
    char  header[16] = { 0 };
    gsize got = 0;

    if (in != NULL &&
        g_input_stream_read_all (G_INPUT_STREAM (in), header, sizeof header, &got, NULL, NULL) &&
        got > 0 && (got < sizeof header || memcmp (header, "SQLite format 3", 16) != 0))
      {
        g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "not an SQLite database");
        *corrupt = TRUE;
        return NULL;
      }
  }

  rc = sqlite3_open_v2 (path, &db, SQLITE_OPEN_READWRITE, NULL);
  if (rc != SQLITE_OK)
    {
      set_db_error (error, db, rc, "open", path);
      sqlite3_close (db);
      return NULL;
    }
  sqlite3_extended_result_codes (db, 1);
  sqlite3_busy_timeout (db, 5000);

  /* WAL: a commit appends the changed pages to the -wal file, so a progress update writes
   * one page, not the list. NORMAL: no fsync per commit (only at checkpoints); a killed
   * process loses nothing committed, a power cut may lose the last commits but leaves a
   * whole database (docs/store.md). */
  rc = sqlite3_exec (db, "PRAGMA journal_mode=WAL", NULL, NULL, NULL);
  if (rc == SQLITE_OK)
    rc = exec (db, "PRAGMA synchronous=NORMAL");
  if (rc == SQLITE_OK)
    rc = user_version (db, &version);
  if (rc != SQLITE_OK)
    goto failed;

  if (version > SCHEMA_VERSION)
    {
      /* Most likely written by a newer Meow: keep it intact for that one. */
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   "schema version %d is unknown to this Meow, which knows up to version %d",
                   version, SCHEMA_VERSION);
      *corrupt = TRUE;
      sqlite3_close (db);
      return NULL;
    }
  if (version < SCHEMA_VERSION)
    {
      rc = exec (db, "BEGIN IMMEDIATE");
      /* Another connection may have migrated it meanwhile. */
      if (rc == SQLITE_OK)
        rc = user_version (db, &version);
      for (int v = version; rc == SQLITE_OK && v < SCHEMA_VERSION; v++)
        rc = exec (db, migrations[v]);
      if (rc == SQLITE_OK)
        {
          g_autofree char *set = g_strdup_printf ("PRAGMA user_version=%d", SCHEMA_VERSION);

          rc = exec (db, set);
        }
      if (rc == SQLITE_OK)
        rc = exec (db, "COMMIT");
      if (rc != SQLITE_OK)
        {
          exec (db, "ROLLBACK");
          goto failed;
        }
      *fresh = version == 0;
    }
  return db;

failed:
  *corrupt = is_corruption (rc);
  if (*corrupt)
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "not an SQLite database (%s)",
                 sqlite3_errmsg (db));
  else
    set_db_error (error, db, rc, "open", path);
  sqlite3_close (db);
  return NULL;
}

void
_meow_store_db_close (sqlite3 *db)
{
  if (db != NULL)
    sqlite3_close (db);
}

/* Binding and reading columns. */

static void
bind_text (sqlite3_stmt *stmt, int i, const char *s)
{
  if (s != NULL)
    sqlite3_bind_text (stmt, i, s, -1, SQLITE_TRANSIENT);
  else
    sqlite3_bind_null (stmt, i);
}

static const char *
enum_to_nick (GType type, int value)
{
  GEnumClass *klass = g_type_class_ref (type);
  GEnumValue *v = g_enum_get_value (klass, value);
  const char *nick = v != NULL ? v->value_nick : klass->values[0].value_nick;

  /* The class of a static enum type lives as long as the process: the nick stays valid. */
  g_type_class_unref (klass);
  return nick;
}

gboolean
_meow_store_nick_to_enum (GType type, const char *nick, int *out)
{
  GEnumClass *klass;
  GEnumValue *v;

  if (nick == NULL)
    return FALSE;
  klass = g_type_class_ref (type);
  v = g_enum_get_value_by_nick (klass, nick);
  if (v != NULL)
    *out = v->value;
  g_type_class_unref (klass);
  return v != NULL;
}

/* Binds every column of @st, from parameter 1, in COLUMNS' order. */
static void
bind_row (sqlite3_stmt *stmt, const MeowStoredTask *st)
{
  const MeowStoredTaskExtra *x = _meow_stored_task_get_extra (st);
  g_autofree char           *headers = x->headers != NULL ? g_strjoinv ("\n", x->headers) : NULL;
  int                        i = 1;

  sqlite3_bind_int64 (stmt, i++, st->seq);
  bind_text (stmt, i++, st->id);
  bind_text (stmt, i++, enum_to_nick (MEOW_TYPE_DIRECTION, st->direction));
  bind_text (stmt, i++, st->url);
  bind_text (stmt, i++, st->method);
  bind_text (stmt, i++, headers);
  bind_text (stmt, i++, st->name);
  bind_text (stmt, i++, x->output_file);
  bind_text (stmt, i++, st->output_dir);
  bind_text (stmt, i++, st->local_path);
  bind_text (stmt, i++, x->source_file);
  sqlite3_bind_int (stmt, i++, x->source_in_memory ? 1 : 0);
  bind_text (stmt, i++,
             x->checksum_hex ? enum_to_nick (MEOW_TYPE_CHECKSUM_TYPE, x->checksum_type) : NULL);
  bind_text (stmt, i++, x->checksum_hex);
  if (x->retries_set)
    sqlite3_bind_int64 (stmt, i++, x->retries);
  else
    sqlite3_bind_null (stmt, i++);
  sqlite3_bind_int64 (stmt, i++, (sqlite3_int64) x->speed_limit);
  if (x->segments > 0)
    sqlite3_bind_int64 (stmt, i++, x->segments);
  else
    sqlite3_bind_null (stmt, i++);
  sqlite3_bind_int (stmt, i++, x->overwrite ? 1 : 0);
  sqlite3_bind_int (stmt, i++, x->keep_partial ? 1 : 0);
  sqlite3_bind_int64 (stmt, i++, x->size_hint);
  bind_text (stmt, i++,
             st->direction == MEOW_DIRECTION_UPLOAD
                 ? enum_to_nick (MEOW_TYPE_UPLOAD_PROTOCOL_KIND, x->protocol)
                 : NULL);
  sqlite3_bind_int64 (stmt, i++, x->chunk_size);
  bind_text (stmt, i++, x->category);
  bind_text (stmt, i++, x->upload_url);
  if (x->prepare_retries_set)
    sqlite3_bind_int64 (stmt, i++, x->prepare_retries);
  else
    sqlite3_bind_null (stmt, i++);
  bind_text (stmt, i++, enum_to_nick (MEOW_TYPE_STATUS, st->status));
  sqlite3_bind_int64 (stmt, i++, (sqlite3_int64) st->transferred);
  sqlite3_bind_int64 (stmt, i++, st->total);
  sqlite3_bind_int64 (stmt, i++, st->added);
  sqlite3_bind_int64 (stmt, i++, st->finished);
  bind_text (stmt, i++, x->error_domain ? g_quark_to_string (x->error_domain) : NULL);
  sqlite3_bind_int (stmt, i++, x->error_code);
  bind_text (stmt, i++, x->error_message);
  bind_text (stmt, i++, st->payload);
  g_assert (i == N_COLUMNS + 1);
}

static char *
column_dup (sqlite3_stmt *stmt, int i)
{
  const unsigned char *s = sqlite3_column_text (stmt, i);

  if (s == NULL)
    return NULL;
  /* Text written by someone else may not be UTF-8; what the store hands out always is. */
  if (!g_utf8_validate ((const char *) s, -1, NULL))
    return g_utf8_make_valid ((const char *) s, -1);
  return g_strdup ((const char *) s);
}

/* A column most tasks share (a method, a folder): interned, as MeowStoredTask keeps it. */
static const char *
column_intern (sqlite3_stmt *stmt, int i)
{
  g_autofree char *s = column_dup (stmt, i);

  return g_intern_string (s);
}

static gboolean
column_is_null (sqlite3_stmt *stmt, int i)
{
  return sqlite3_column_type (stmt, i) == SQLITE_NULL;
}

/* Reads the row at @stmt; NULL with *@bad naming the column when it is not a valid task. */
static MeowStoredTask *
read_row (sqlite3_stmt *stmt, const char **bad)
{
  g_autoptr (MeowStoredTask) st = _meow_stored_task_new_empty ();
  MeowStoredTaskExtra *x = _meow_stored_task_edit_extra (st); /* trimmed at the end */
  g_autofree char     *headers = NULL;
  const char          *domain;
  int                  e;
  int                  i = 0;

#define CHECK(expr, field)                                                                         \
  G_STMT_START                                                                                     \
  {                                                                                                \
    if (!(expr))                                                                                   \
      {                                                                                            \
        *bad = field;                                                                              \
        return NULL;                                                                               \
      }                                                                                            \
  }                                                                                                \
  G_STMT_END

  st->seq = sqlite3_column_int64 (stmt, i++);
  st->id = column_dup (stmt, i++);
  CHECK (st->id != NULL && *st->id != '\0', "id");
  CHECK (_meow_store_nick_to_enum (MEOW_TYPE_DIRECTION,
                                   (const char *) sqlite3_column_text (stmt, i++), &e),
         "direction");
  st->direction = e;
  st->url = column_dup (stmt, i++);
  CHECK (st->url != NULL, "url");
  st->method = column_intern (stmt, i++);
  headers = column_dup (stmt, i++);
  if (headers != NULL && *headers != '\0')
    x->headers = g_strsplit (headers, "\n", -1);
  st->name = column_dup (stmt, i++);
  x->output_file = column_dup (stmt, i++);
  st->output_dir = column_intern (stmt, i++);
  st->local_path = column_dup (stmt, i++);
  x->source_file = column_dup (stmt, i++);
  x->source_in_memory = sqlite3_column_int (stmt, i++) != 0;
  e = MEOW_CHECKSUM_NONE;
  if (!column_is_null (stmt, i))
    CHECK (_meow_store_nick_to_enum (MEOW_TYPE_CHECKSUM_TYPE,
                                     (const char *) sqlite3_column_text (stmt, i), &e),
           "checksum_type");
  i++;
  x->checksum_type = e;
  x->checksum_hex = column_dup (stmt, i++);
  CHECK (x->checksum_hex == NULL || x->checksum_type != MEOW_CHECKSUM_NONE, "checksum_type");
  x->retries_set = !column_is_null (stmt, i);
  CHECK (sqlite3_column_int64 (stmt, i) >= 0 && sqlite3_column_int64 (stmt, i) <= G_MAXUINT,
         "retries");
  x->retries = (guint) sqlite3_column_int64 (stmt, i++);
  CHECK (sqlite3_column_int64 (stmt, i) >= 0, "speed_limit");
  x->speed_limit = (guint64) sqlite3_column_int64 (stmt, i++);
  CHECK (sqlite3_column_int64 (stmt, i) >= 0 && sqlite3_column_int64 (stmt, i) <= 16, "segments");
  x->segments = (guint) sqlite3_column_int64 (stmt, i++);
  x->overwrite = sqlite3_column_int (stmt, i++) != 0;
  x->keep_partial = sqlite3_column_int (stmt, i++) != 0;
  x->size_hint = sqlite3_column_int64 (stmt, i++);
  CHECK (x->size_hint >= -1, "size_hint");
  e = MEOW_UPLOAD_PROTOCOL_MEOW;
  if (!column_is_null (stmt, i))
    CHECK (_meow_store_nick_to_enum (MEOW_TYPE_UPLOAD_PROTOCOL_KIND,
                                     (const char *) sqlite3_column_text (stmt, i), &e),
           "upload_protocol");
  i++;
  x->protocol = e;
  x->chunk_size = sqlite3_column_int64 (stmt, i++);
  CHECK (x->chunk_size >= 0, "chunk_size");
  x->category = column_intern (stmt, i++);
  x->upload_url = column_dup (stmt, i++);
  x->prepare_retries_set = !column_is_null (stmt, i);
  CHECK (sqlite3_column_int64 (stmt, i) >= 0 && sqlite3_column_int64 (stmt, i) <= G_MAXUINT,
         "prepare_retries");
  x->prepare_retries = (guint) sqlite3_column_int64 (stmt, i++);
  CHECK (_meow_store_nick_to_enum (MEOW_TYPE_STATUS, (const char *) sqlite3_column_text (stmt, i++),
                                   &e),
         "status");
  st->status = e;
  CHECK (sqlite3_column_int64 (stmt, i) >= 0, "transferred");
  st->transferred = (guint64) sqlite3_column_int64 (stmt, i++);
  st->total = sqlite3_column_int64 (stmt, i++);
  CHECK (st->total >= -1, "total");
  st->added = sqlite3_column_int64 (stmt, i++);
  st->finished = sqlite3_column_int64 (stmt, i++);
  domain = (const char *) sqlite3_column_text (stmt, i++);
  x->error_domain = domain ? g_quark_from_string (domain) : 0;
  x->error_code = sqlite3_column_int (stmt, i++);
  x->error_message = column_dup (stmt, i++);
  st->payload = column_dup (stmt, i++);
  _meow_stored_task_share_payload (st);
  g_assert (i == N_COLUMNS);

  /* A download goes somewhere; an upload comes from somewhere. */
  if (st->direction == MEOW_DIRECTION_UPLOAD)
    CHECK (x->source_file != NULL || x->source_in_memory, "source_file");
#undef CHECK

  _meow_stored_task_trim_extra (st);

  return g_steal_pointer (&st);
}

gboolean
_meow_store_db_read (
    sqlite3 *db, const char *path, GPtrArray *out, gboolean *corrupt, GError **error)
{
  sqlite3_stmt *stmt = NULL;
  int           rc;
  guint         index = 0;

  *corrupt = FALSE;
  rc = sqlite3_prepare_v2 (db, "SELECT " COLUMNS " FROM tasks ORDER BY seq", -1, &stmt, NULL);
  while (rc == SQLITE_OK && (rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      const char     *bad = NULL;
      MeowStoredTask *st = read_row (stmt, &bad);

      if (st != NULL)
        g_ptr_array_add (out, st);
      else
        g_warning (
            "Skipping task %u (id “%s”) of “%s”: its field “%s” is missing or invalid", index,
            sqlite3_column_text (stmt, 1) ? (const char *) sqlite3_column_text (stmt, 1) : "?",
            path, bad);
      index++;
      rc = SQLITE_OK;
    }
  sqlite3_finalize (stmt);
  if (rc == SQLITE_DONE)
    return TRUE;
  *corrupt = is_corruption (rc);
  if (*corrupt)
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "damaged: %s", sqlite3_errmsg (db));
  else
    set_db_error (error, db, rc, "read", path);
  return FALSE;
}

char *
_meow_store_db_get_meta (sqlite3 *db, const char *key)
{
  sqlite3_stmt *stmt = NULL;
  char         *value = NULL;

  if (sqlite3_prepare_v2 (db, "SELECT value FROM meta WHERE key = ?", -1, &stmt, NULL) == SQLITE_OK)
    {
      bind_text (stmt, 1, key);
      if (sqlite3_step (stmt) == SQLITE_ROW)
        value = column_dup (stmt, 0);
    }
  sqlite3_finalize (stmt);
  return value;
}

MeowStoreBatch *
_meow_store_batch_new (void)
{
  MeowStoreBatch *batch = g_new0 (MeowStoreBatch, 1);

  batch->ops = g_array_new (FALSE, FALSE, sizeof (MeowStoreOp));
  return batch;
}

void
_meow_store_batch_free (MeowStoreBatch *batch)
{
  if (batch == NULL)
    return;
  for (guint i = 0; i < batch->ops->len; i++)
    meow_stored_task_free (g_array_index (batch->ops, MeowStoreOp, i).st);
  g_array_unref (batch->ops);
  g_free (batch->meta_key);
  g_free (batch->meta_value);
  g_free (batch);
}

void
_meow_store_batch_add (MeowStoreBatch *batch, MeowStoreOpKind kind, MeowStoredTask *st)
{
  MeowStoreOp op = { kind, st };

  g_array_append_val (batch->ops, op);
}

/* The statements of one transaction, prepared when first needed. */
typedef struct
{
  sqlite3      *db;
  sqlite3_stmt *insert;
  sqlite3_stmt *update;
  sqlite3_stmt *progress;
  sqlite3_stmt *move;
  sqlite3_stmt *delete;
} Statements;

static int
prepare (Statements *s, sqlite3_stmt **stmt, const char *sql)
{
  if (*stmt != NULL)
    {
      sqlite3_reset (*stmt);
      sqlite3_clear_bindings (*stmt);
      return SQLITE_OK;
    }
  return sqlite3_prepare_v2 (s->db, sql, -1, stmt, NULL);
}

static int
step_done (sqlite3_stmt *stmt)
{
  int rc = sqlite3_step (stmt);

  return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

static int
apply_op (Statements *s, const MeowStoreOp *op)
{
  int rc;

  switch (op->kind)
    {
    case MEOW_STORE_OP_INSERT:
      rc = prepare (s, &s->insert,
                    "INSERT INTO tasks (" COLUMNS
                    ") VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,"
                    "?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
      if (rc != SQLITE_OK)
        return rc;
      bind_row (s->insert, op->st);
      return step_done (s->insert);
    case MEOW_STORE_OP_UPDATE:
      /* Every column but seq and id (the row found by its id): one row's page changes. */
      rc = prepare (s, &s->update,
                    "UPDATE tasks SET "
                    "direction = ?3, url = ?4, method = ?5, headers = ?6, name = ?7, "
                    "output_file = ?8, output_dir = ?9, local_path = ?10, "
                    "source_file = ?11, source_in_memory = ?12, checksum_type = ?13, "
                    "checksum = ?14, retries = ?15, speed_limit = ?16, segments = ?17, "
                    "overwrite = ?18, keep_partial = ?19, size_hint = ?20, "
                    "upload_protocol = ?21, chunk_size = ?22, category = ?23, "
                    "upload_url = ?24, prepare_retries = ?25, status = ?26, "
                    "transferred = ?27, total = ?28, added = ?29, finished = ?30, "
                    "error_domain = ?31, error_code = ?32, error_message = ?33, "
                    "payload = ?34"
                    " WHERE id = ?2");
      if (rc != SQLITE_OK)
        return rc;
      bind_row (s->update, op->st);
      return step_done (s->update);
    case MEOW_STORE_OP_PROGRESS:
      rc = prepare (s, &s->progress, "UPDATE tasks SET transferred = ?, total = ? WHERE id = ?");
      if (rc != SQLITE_OK)
        return rc;
      sqlite3_bind_int64 (s->progress, 1, (sqlite3_int64) op->st->transferred);
      sqlite3_bind_int64 (s->progress, 2, op->st->total);
      bind_text (s->progress, 3, op->st->id);
      return step_done (s->progress);
    case MEOW_STORE_OP_MOVE:
      rc = prepare (s, &s->move, "UPDATE tasks SET seq = ? WHERE id = ?");
      if (rc != SQLITE_OK)
        return rc;
      sqlite3_bind_int64 (s->move, 1, op->st->seq);
      bind_text (s->move, 2, op->st->id);
      return step_done (s->move);
    case MEOW_STORE_OP_DELETE:
      rc = prepare (s, &s->delete, "DELETE FROM tasks WHERE id = ?");
      if (rc != SQLITE_OK)
        return rc;
      bind_text (s->delete, 1, op->st->id);
      return step_done (s->delete);
    default:
      g_assert_not_reached ();
    }
}

gboolean
_meow_store_db_apply (sqlite3 *db, const char *path, GPtrArray *batches, GError **error)
{
  Statements s = { db };
  int        rc = exec (db, "BEGIN IMMEDIATE");

  for (guint b = 0; rc == SQLITE_OK && b < batches->len; b++)
    {
      const MeowStoreBatch *batch = batches->pdata[b];

      if (batch->replace_all)
        rc = exec (db, "DELETE FROM tasks");
      /* seq is the key, and a drag and drop hands the numbers of the rows it passed
       * round among them (meow_store_move_beside()): the moved rows first leave their
       * numbers for ones far below any given, so that no UPDATE meets a number
       * another moved row still holds. */
      for (guint i = 0; rc == SQLITE_OK && i < batch->ops->len; i++)
        {
          const MeowStoreOp *op = &g_array_index (batch->ops, MeowStoreOp, i);

          if (op->kind != MEOW_STORE_OP_MOVE)
            continue;
          rc = prepare (&s, &s.move, "UPDATE tasks SET seq = ? WHERE id = ?");
          if (rc != SQLITE_OK)
            break;
          sqlite3_bind_int64 (s.move, 1, G_MININT64 / 2 - (gint64) i);
          bind_text (s.move, 2, op->st->id);
          rc = step_done (s.move);
        }
      for (guint i = 0; rc == SQLITE_OK && i < batch->ops->len; i++)
        rc = apply_op (&s, &g_array_index (batch->ops, MeowStoreOp, i));
      if (rc == SQLITE_OK && batch->meta_key != NULL)
        {
          sqlite3_stmt *stmt = NULL;

          rc = sqlite3_prepare_v2 (db, "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", -1,
                                   &stmt, NULL);
          if (rc == SQLITE_OK)
            {
              bind_text (stmt, 1, batch->meta_key);
              bind_text (stmt, 2, batch->meta_value);
              rc = step_done (stmt);
            }
          sqlite3_finalize (stmt);
        }
    }
  sqlite3_finalize (s.insert);
  sqlite3_finalize (s.update);
  sqlite3_finalize (s.progress);
  sqlite3_finalize (s.move);
  sqlite3_finalize (s.delete);
  if (rc == SQLITE_OK)
    rc = exec (db, "COMMIT");
  if (rc != SQLITE_OK)
    {
      set_db_error (error, db, rc, "save", path);
      exec (db, "ROLLBACK");
      return FALSE;
    }
  return TRUE;
}
