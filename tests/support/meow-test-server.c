/* meow-test-server.c: an in-process HTTP server for tests, with faults
 *
 * The server lives in its own thread with its own GMainContext, so a test
 * can block its own thread spinning the client's context while the server
 * keeps answering. Everything the test thread can touch (served files,
 * faults, the request log) sits behind one mutex.
 *
 * Well-formed answers go through SoupServer. Every answer says Connection:
 * close, and the server closes the connection after it: libsoup keeps a
 * connection alive only while it has a listener of its own, and we accept
 * connections ourselves (see server_thread()), so it closes each one after
 * its first answer whatever the headers say. Said or not, the close happens;
 * unsaid, a client that reuses the connection before the FIN arrives sends
 * its next request into a dead socket (see announce_close_cb()).
 *
 * The body is handed to libsoup in 2 KiB slices of the
 * served GBytes (never copied), one slice per write, and with a throttle the
 * next slice is only appended from a timeout source. The message's body does
 * not accumulate, which also turns off libsoup's own Range handling (it only
 * rewrites 200 answers whose complete body it holds), so a 200 stays a 200
 * with the full body and our 206 answers go out exactly as built.
 *
 * Broken HTTP (dropped connections, damaged Content-Range, short bodies,
 * stalls) cannot be expressed through SoupServer, so for those the handler
 * steals the connection and writes raw HTTP/1.1 bytes itself.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "meow-test-server.h"

#include <libsoup/soup.h>
#include <string.h>
#include <sys/socket.h>

#include "meow-test-server-private.h"

#define PIECE_SIZE 2048

struct _MeowTestServer
{
  GMutex           mutex;
  GCond            cond;
  GThread         *thread;
  GMainContext    *context; /* owned by the server thread */
  GMainLoop       *loop;
  SoupServer      *soup;
  GSocket         *listen_socket;
  GSource         *accept_source;
  guint16          port;
  char            *address;     /* IPv4 loopback address listened on */
  GTlsCertificate *certificate; /* HTTPS when not NULL */
  gboolean         ready;
  char            *startup_error;

  /* Server-thread only */
  GCancellable *cancellable;
  GList        *raw_conns;      /* RawConn */
  GList        *streams;        /* SoupStream */
  gboolean      next_raw_reset; /* the next raw_conn_start() ends with a RST */
  GList        *sockets;        /* GSocket, owned: plain connections not seen closed yet */

  /* Protected by mutex */
  GHashTable    *paths; /* path -> ServedPath */
  MeowTestFaults faults;
  char          *retry_after; /* owned copy of faults.retry_after */
  GBytes        *garbage;     /* owned copy of faults.garbage */
  GPtrArray     *log;         /* MeowTestRequest */
  guint          log_base;    /* entries dropped by meow_test_server_reset_log(): a request's
                               * log index counts them, so a request still running from
                               * before a reset never writes into a later one's entry */
  gboolean stall_limited;     /* faults.stall_gets counts down */
  guint    open_bodies;       /* GET bodies being sent (answer_normal) */
  guint64  generation;
  gint64   epoch_unix; /* Last-Modified of generation 0 */

  MeowTestUpload *upload; /* upload endpoints; own lock */

  /* meow_test_server_require_login(); protected by mutex */
  char    *login_user;
  char    *login_password;
  char    *login_realm;
  gboolean login_digest;
  gboolean login_added;   /* the auth domain is on the SoupServer */
  guint    login_refused; /* 401s the auth domain answered */

  /* meow_test_server_require_signature(); set before requests arrive */
  char            *sign_header;
  MeowTestSignFunc sign;
  gpointer         sign_data;
  gint             unsigned_refused; /* atomic */
};

typedef struct
{
  GBytes     *content;
  char       *etag;
  char       *last_modified;
  GHashTable *headers;  /* name -> value, extra response headers */
  GHashTable *required; /* lower-case name -> text its value must contain, or 403 */
  guint       redirect_status;
  char       *location;
} ServedPath;

/* What one GET/HEAD is answered with, decided under the lock. */
typedef enum
{
  ACTION_NORMAL,
  ACTION_NOT_FOUND,
  ACTION_FORBIDDEN,
  ACTION_METHOD_NOT_ALLOWED,
  ACTION_REDIRECT,
  ACTION_ERROR,
  ACTION_DROP,
  ACTION_HEAD_STATUS,
  ACTION_HEAD_NO_LENGTH,
  ACTION_DROP_MID_BODY,
  ACTION_STALL,
  ACTION_RANGE_FAULT,
  ACTION_GARBAGE,
  ACTION_LENGTH_LIE,
} Action;

typedef struct
{
  Action   action;
  guint    log_index;
  gboolean is_head;
  gboolean reset; /* end a dropped connection with a TCP RST */

  /* a copy of the served path */
  GBytes    *content;
  char      *etag;
  char      *last_modified;
  GPtrArray *extra_headers; /* name, value, name, value, ... */
  guint      redirect_status;
  char      *location;

  /* fault parameters */
  guint              error_status;
  char              *retry_after;
  gsize              error_body_size;
  gint64             limit_bytes; /* drop_after_bytes / stall_after_bytes */
  guint              stall_ms;
  guint              throttle;
  MeowTestRangeFault range_fault;
  GBytes            *garbage;
  gint64             length_delta;

  /* the answer */
  guint  status; /* 200, 206 or 416 */
  gint64 start;
  gint64 end; /* inclusive */
  gint64 total;
} Plan;

static void
plan_clear (Plan *plan)
{
  g_clear_pointer (&plan->content, g_bytes_unref);
  g_clear_pointer (&plan->etag, g_free);
  g_clear_pointer (&plan->last_modified, g_free);
  g_clear_pointer (&plan->extra_headers, g_ptr_array_unref);
  g_clear_pointer (&plan->location, g_free);
  g_clear_pointer (&plan->retry_after, g_free);
  g_clear_pointer (&plan->garbage, g_bytes_unref);
}

static void
served_path_free (gpointer data)
{
  ServedPath *sp = data;

  g_clear_pointer (&sp->content, g_bytes_unref);
  g_free (sp->etag);
  g_free (sp->last_modified);
  g_hash_table_unref (sp->headers);
  g_hash_table_unref (sp->required);
  g_free (sp->location);
  g_free (sp);
}

static ServedPath *
served_path_lookup_or_add (MeowTestServer *self, const char *path)
{
  ServedPath *sp = g_hash_table_lookup (self->paths, path);

  if (sp == NULL)
    {
      sp = g_new0 (ServedPath, 1);
      sp->headers = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
      sp->required = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
      g_hash_table_insert (self->paths, g_strdup (path), sp);
    }
  return sp;
}

static void
request_free (gpointer data)
{
  MeowTestRequest *req = data;

  g_free (req->method);
  g_free (req->path);
  g_free (req->range);
  g_free (req->if_range);
  g_clear_pointer (&req->headers, g_hash_table_unref);
  g_free (req);
}

static MeowTestRequest *
request_copy (const MeowTestRequest *src)
{
  MeowTestRequest *req = g_new0 (MeowTestRequest, 1);
  GHashTableIter   iter;
  gpointer         k, v;

  req->method = g_strdup (src->method);
  req->path = g_strdup (src->path);
  req->range = g_strdup (src->range);
  req->if_range = g_strdup (src->if_range);
  req->headers = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_hash_table_iter_init (&iter, src->headers);
  while (g_hash_table_iter_next (&iter, &k, &v))
    g_hash_table_insert (req->headers, g_strdup (k), g_strdup (v));
  req->status = src->status;
  req->body_bytes = src->body_bytes;
  req->time_us = src->time_us;
  return req;
}

static void
log_set_status (MeowTestServer *self, guint index, guint status)
{
  g_mutex_lock (&self->mutex);
  if (index >= self->log_base && index - self->log_base < self->log->len)
    ((MeowTestRequest *) g_ptr_array_index (self->log, index - self->log_base))->status = status;
  g_mutex_unlock (&self->mutex);
}

static void
log_add_body_bytes (MeowTestServer *self, guint index, gint64 n)
{
  g_mutex_lock (&self->mutex);
  if (index >= self->log_base && index - self->log_base < self->log->len)
    ((MeowTestRequest *) g_ptr_array_index (self->log, index - self->log_base))->body_bytes += n;
  g_mutex_unlock (&self->mutex);
}

/* ------------------------------------------------------------------ */
/* Range parsing                                                       */

/* Parses a single "bytes=N-", "bytes=N-M" or "bytes=-S". Returns FALSE when
 * the header is absent or not understood (then the full body is served).
 * Sets *satisfiable to FALSE when the range does not overlap the content. */
static gboolean
parse_range (const char *value, gint64 total, gint64 *start, gint64 *end, gboolean *satisfiable)
{
  const char *p;
  char       *endp;
  gint64      a = -1, b = -1;

  if (value == NULL)
    return FALSE;
  p = value;
  while (*p == ' ')
    p++;
  if (g_ascii_strncasecmp (p, "bytes", 5) != 0)
    return FALSE;
  p += 5;
  while (*p == ' ')
    p++;
  if (*p != '=')
    return FALSE;
  p++;
  while (*p == ' ')
    p++;
  if (strchr (p, ',') != NULL)
    return FALSE; /* multiple ranges: serve the whole thing */

  if (*p == '-')
    {
      /* suffix range */
      p++;
      if (!g_ascii_isdigit (*p))
        return FALSE;
      b = g_ascii_strtoll (p, &endp, 10);
      while (*endp == ' ')
        endp++;
      if (*endp != '\0')
        return FALSE;
      if (b == 0 || total == 0)
        {
          *satisfiable = FALSE;
          return TRUE;
        }
      *start = MAX (0, total - b);
      *end = total - 1;
      *satisfiable = TRUE;
      return TRUE;
    }

  if (!g_ascii_isdigit (*p))
    return FALSE;
  a = g_ascii_strtoll (p, &endp, 10);
  p = endp;
  while (*p == ' ')
    p++;
  if (*p != '-')
    return FALSE;
  p++;
  while (*p == ' ')
    p++;
  if (*p != '\0')
    {
      if (!g_ascii_isdigit (*p))
        return FALSE;
      b = g_ascii_strtoll (p, &endp, 10);
      while (*endp == ' ')
        endp++;
      if (*endp != '\0')
        return FALSE;
      if (b < a)
        return FALSE; /* syntactically invalid: ignore the header */
    }

  if (a >= total)
    {
      *satisfiable = FALSE;
      return TRUE;
    }
  *start = a;
  *end = (b < 0 || b >= total) ? total - 1 : b;
  *satisfiable = TRUE;
  return TRUE;
}

/* If-Range holds when it names the current strong ETag, or the exact
 * Last-Modified date. */
static gboolean
if_range_matches (const char *if_range, const char *etag, const char *last_modified)
{
  const char *v = if_range;

  while (*v == ' ')
    v++;
  if (*v == '"' || g_str_has_prefix (v, "W/"))
    return etag != NULL && g_str_equal (v, etag);

  {
    g_autoptr (GDateTime) a = soup_date_time_new_from_http_string (v);
    g_autoptr (GDateTime) b =
        last_modified ? soup_date_time_new_from_http_string (last_modified) : NULL;

    return a != NULL && b != NULL && g_date_time_equal (a, b);
  }
}

/* ------------------------------------------------------------------ */
/* Raw answers on a stolen connection                                 */

typedef struct
{
  MeowTestServer *server;
  GIOStream      *stream;
  GBytes         *head; /* header block, or NULL for a plain drop */
  GBytes         *body; /* may be NULL */
  gsize           body_off;
  gsize           body_end; /* exclusive */
  guint           throttle;
  guint           stall_ms;
  guint           log_index;
  GSource        *timeout;
  GBytes         *in_flight;        /* the piece being written */
  gboolean        pending;          /* an async write is running */
  gboolean        wait_before_next; /* throttled: pause before the next piece */
  gboolean        reset;            /* close with a TCP RST (SO_LINGER 0) */
} RawConn;

/* Makes the next close of @stream's socket send a RST instead of a FIN. */
static void
stream_set_reset_on_close (GIOStream *stream)
{
  GIOStream *base = stream;

  if (G_IS_TLS_CONNECTION (base))
    g_object_get (base, "base-io-stream", &base, NULL);
  else
    g_object_ref (base);
  if (G_IS_SOCKET_CONNECTION (base))
    {
      GSocket      *socket = g_socket_connection_get_socket (G_SOCKET_CONNECTION (base));
      struct linger lg = { .l_onoff = 1, .l_linger = 0 };

      if (setsockopt (g_socket_get_fd (socket), SOL_SOCKET, SO_LINGER, &lg, sizeof lg) != 0)
        g_warning ("meow-test-server: SO_LINGER failed");
    }
  g_object_unref (base);
}

static void raw_conn_step (RawConn *rc);

static void
raw_conn_finish (RawConn *rc)
{
  MeowTestServer *self = rc->server;

  g_assert (!rc->pending);
  if (rc->timeout != NULL)
    {
      g_source_destroy (rc->timeout);
      g_clear_pointer (&rc->timeout, g_source_unref);
    }
  /* An abortive close is what a crashing server does; errors do not matter. */
  if (rc->reset)
    stream_set_reset_on_close (rc->stream);
  g_io_stream_close (rc->stream, NULL, NULL);
  g_clear_object (&rc->stream);
  g_clear_pointer (&rc->head, g_bytes_unref);
  g_clear_pointer (&rc->body, g_bytes_unref);
  g_clear_pointer (&rc->in_flight, g_bytes_unref);
  self->raw_conns = g_list_remove (self->raw_conns, rc);
  g_free (rc);
}

static void
raw_conn_wrote_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  RawConn *rc = user_data;
  gsize    written = 0;
  gboolean ok;
  gboolean was_body;

  ok = g_output_stream_write_all_finish (G_OUTPUT_STREAM (source), result, &written, NULL);
  rc->pending = FALSE;
  was_body = rc->head == NULL;
  g_clear_pointer (&rc->in_flight, g_bytes_unref);

  if (was_body && written > 0)
    log_add_body_bytes (rc->server, rc->log_index, written);

  if (!ok || g_cancellable_is_cancelled (rc->server->cancellable))
    {
      raw_conn_finish (rc);
      return;
    }
  if (!was_body)
    g_clear_pointer (&rc->head, g_bytes_unref);
  else
    rc->body_off += written;

  raw_conn_step (rc);
}

static gboolean
raw_conn_timeout_cb (gpointer user_data)
{
  RawConn *rc = user_data;

  g_clear_pointer (&rc->timeout, g_source_unref);
  if (rc->body_off >= rc->body_end && rc->head == NULL)
    {
      /* end of the stall */
      raw_conn_finish (rc);
      return G_SOURCE_REMOVE;
    }
  raw_conn_step (rc);
  return G_SOURCE_REMOVE;
}

static void
raw_conn_schedule (RawConn *rc, guint ms)
{
  rc->timeout = g_timeout_source_new (ms);
  g_source_set_callback (rc->timeout, raw_conn_timeout_cb, rc, NULL);
  g_source_attach (rc->timeout, rc->server->context);
}

static void
raw_conn_write (RawConn *rc, GBytes *piece)
{
  gsize         len;
  const guint8 *data = g_bytes_get_data (piece, &len);

  rc->in_flight = piece;
  rc->pending = TRUE;
  g_output_stream_write_all_async (g_io_stream_get_output_stream (rc->stream), data, len,
                                   G_PRIORITY_DEFAULT, rc->server->cancellable, raw_conn_wrote_cb,
                                   rc);
}

static guint
piece_size_for (guint throttle)
{
  if (throttle == 0)
    return PIECE_SIZE;
  return CLAMP (throttle / 20, 1, PIECE_SIZE);
}

static guint
piece_interval_ms (guint throttle, gsize piece)
{
  return MAX (1, (guint) ((guint64) piece * 1000 / throttle));
}

static void
raw_conn_step (RawConn *rc)
{
  if (rc->head != NULL)
    {
      raw_conn_write (rc, g_bytes_ref (rc->head));
      return;
    }

  if (rc->body != NULL && rc->body_off < rc->body_end)
    {
      gsize piece = MIN (piece_size_for (rc->throttle), rc->body_end - rc->body_off);

      /* A throttled connection waits before each piece but the first. */
      if (rc->throttle > 0 && rc->wait_before_next)
        {
          rc->wait_before_next = FALSE;
          raw_conn_schedule (rc, piece_interval_ms (rc->throttle, piece));
          return;
        }
      rc->wait_before_next = rc->throttle > 0;
      raw_conn_write (rc, g_bytes_new_from_bytes (rc->body, rc->body_off, piece));
      return;
    }

  if (rc->stall_ms > 0)
    {
      guint ms = rc->stall_ms;

      rc->stall_ms = 0;
      raw_conn_schedule (rc, ms);
      return;
    }

  raw_conn_finish (rc);
}

/* Takes over @msg's connection and writes @head (may be NULL: just close),
 * then @body[@off, @off + @len), then keeps the connection open @stall_ms,
 * then closes it. */
static void
raw_conn_start (MeowTestServer    *self,
                SoupServerMessage *msg,
                guint              log_index,
                GString           *head,
                GBytes            *body,
                gsize              off,
                gsize              len,
                guint              throttle,
                guint              stall_ms)
{
  RawConn *rc = g_new0 (RawConn, 1);

  rc->server = self;
  rc->stream = soup_server_message_steal_connection (msg);
  rc->head = head ? g_string_free_to_bytes (head) : NULL;
  rc->body = body ? g_bytes_ref (body) : NULL;
  rc->body_off = off;
  rc->body_end = off + len;
  rc->throttle = throttle;
  rc->stall_ms = stall_ms;
  rc->log_index = log_index;
  rc->reset = self->next_raw_reset;
  self->next_raw_reset = FALSE;
  self->raw_conns = g_list_prepend (self->raw_conns, rc);

  if (rc->stream == NULL)
    {
      /* cannot happen with HTTP/1.1; keep the books straight anyway */
      self->raw_conns = g_list_remove (self->raw_conns, rc);
      g_clear_pointer (&rc->head, g_bytes_unref);
      g_clear_pointer (&rc->body, g_bytes_unref);
      g_free (rc);
      return;
    }

  raw_conn_step (rc);
}

static GString *
raw_head_new (guint status)
{
  GString *s = g_string_new (NULL);

  g_string_append_printf (s, "HTTP/1.1 %u %s\r\n", status, soup_status_get_phrase (status));
  g_string_append (s, "Connection: close\r\n");
  return s;
}

static void
raw_head_add_validators (GString *s, const Plan *plan)
{
  g_string_append (s, "Accept-Ranges: bytes\r\n");
  g_string_append (s, "Content-Type: application/octet-stream\r\n");
  if (plan->etag)
    g_string_append_printf (s, "ETag: %s\r\n", plan->etag);
  if (plan->last_modified)
    g_string_append_printf (s, "Last-Modified: %s\r\n", plan->last_modified);
  if (plan->extra_headers)
    for (guint i = 0; i + 1 < plan->extra_headers->len; i += 2)
      g_string_append_printf (s, "%s: %s\r\n", (char *) g_ptr_array_index (plan->extra_headers, i),
                              (char *) g_ptr_array_index (plan->extra_headers, i + 1));
}

/* ------------------------------------------------------------------ */
/* Well-formed answers through SoupServer                              */

typedef struct
{
  MeowTestServer    *server;
  SoupServerMessage *msg; /* not owned; valid until "finished" */
  GBytes            *body;
  gsize              off;
  gsize              end; /* exclusive */
  guint              throttle;
  guint              log_index;
  GSource           *timeout;
  gboolean           finished;
} SoupStream;

static void
soup_stream_free (gpointer data)
{
  SoupStream *st = data;

  if (st->timeout != NULL)
    {
      g_source_destroy (st->timeout);
      g_source_unref (st->timeout);
    }
  st->server->streams = g_list_remove (st->server->streams, st);
  g_clear_pointer (&st->body, g_bytes_unref);
  g_free (st);
}

static void
soup_stream_append_piece (SoupStream *st)
{
  SoupMessageBody *body = soup_server_message_get_response_body (st->msg);
  gsize            piece = MIN (piece_size_for (st->throttle), st->end - st->off);
  g_autoptr (GBytes) slice = g_bytes_new_from_bytes (st->body, st->off, piece);

  soup_message_body_append_bytes (body, slice);
  st->off += piece;
  if (st->off >= st->end)
    soup_message_body_complete (body);
}

static gboolean
soup_stream_timeout_cb (gpointer user_data)
{
  SoupStream *st = user_data;

  g_clear_pointer (&st->timeout, g_source_unref);
  if (st->finished)
    return G_SOURCE_REMOVE;
  soup_stream_append_piece (st);
  soup_server_message_unpause (st->msg);
  return G_SOURCE_REMOVE;
}

static void
soup_stream_wrote_chunk_cb (SoupServerMessage *msg, gpointer user_data)
{
  SoupStream *st = user_data;

  if (st->throttle == 0 || st->off >= st->end || st->finished)
    return;
  soup_server_message_pause (msg);
  st->timeout = g_timeout_source_new (
      piece_interval_ms (st->throttle, MIN (piece_size_for (st->throttle), st->end - st->off)));
  g_source_set_callback (st->timeout, soup_stream_timeout_cb, st, NULL);
  g_source_attach (st->timeout, st->server->context);
}

static void
soup_stream_wrote_body_data_cb (SoupServerMessage *msg, guint chunk_size, gpointer user_data)
{
  SoupStream *st = user_data;

  log_add_body_bytes (st->server, st->log_index, chunk_size);
}

static void
soup_stream_finished_cb (SoupServerMessage *msg, gpointer user_data)
{
  SoupStream *st = user_data;

  st->finished = TRUE;
  g_mutex_lock (&st->server->mutex);
  st->server->open_bodies--;
  g_mutex_unlock (&st->server->mutex);
  if (st->timeout != NULL)
    {
      g_source_destroy (st->timeout);
      g_clear_pointer (&st->timeout, g_source_unref);
    }
  g_signal_handlers_disconnect_by_data (msg, st);
}

static void
add_validators (SoupMessageHeaders *h, const Plan *plan)
{
  soup_message_headers_replace (h, "Accept-Ranges", "bytes");
  soup_message_headers_replace (h, "Content-Type", "application/octet-stream");
  if (plan->etag)
    soup_message_headers_replace (h, "ETag", plan->etag);
  if (plan->last_modified)
    soup_message_headers_replace (h, "Last-Modified", plan->last_modified);
  if (plan->extra_headers)
    for (guint i = 0; i + 1 < plan->extra_headers->len; i += 2)
      soup_message_headers_replace (h, g_ptr_array_index (plan->extra_headers, i),
                                    g_ptr_array_index (plan->extra_headers, i + 1));
}

/* Serves plan->content[start..end] with status 200/206 (or HEAD's headers),
 * in 2 KiB pieces, throttled if asked. */
static void
answer_normal (MeowTestServer *self, SoupServerMessage *msg, Plan *plan)
{
  SoupMessageHeaders *h = soup_server_message_get_response_headers (msg);
  SoupMessageBody    *body = soup_server_message_get_response_body (msg);
  gint64              len;
  SoupStream         *st;

  /* Not accumulating keeps memory flat for big payloads and stops
   * libsoup from rewriting 200 answers to Range requests itself. */
  soup_message_body_set_accumulate (body, FALSE);
  add_validators (h, plan);

  if (plan->status == SOUP_STATUS_REQUESTED_RANGE_NOT_SATISFIABLE)
    {
      g_autofree char *cr = g_strdup_printf ("bytes */%" G_GINT64_FORMAT, plan->total);

      soup_server_message_set_status (msg, plan->status, NULL);
      soup_message_headers_replace (h, "Content-Range", cr);
      soup_message_headers_set_content_length (h, 0);
      soup_message_body_complete (body);
      log_set_status (self, plan->log_index, plan->status);
      return;
    }

  soup_server_message_set_status (msg, plan->status, NULL);
  log_set_status (self, plan->log_index, plan->status);
  len = plan->total == 0 ? 0 : plan->end - plan->start + 1;
  if (plan->status == SOUP_STATUS_PARTIAL_CONTENT)
    soup_message_headers_set_content_range (h, plan->start, plan->end, plan->total);
  soup_message_headers_set_content_length (h, len);

  if (plan->is_head || len == 0)
    {
      soup_message_body_complete (body);
      return;
    }

  st = g_new0 (SoupStream, 1);
  st->server = self;
  st->msg = msg;
  st->body = g_bytes_ref (plan->content);
  st->off = plan->start;
  st->end = plan->start + len;
  st->throttle = plan->throttle;
  st->log_index = plan->log_index;
  self->streams = g_list_prepend (self->streams, st);
  g_mutex_lock (&self->mutex);
  self->open_bodies++;
  g_mutex_unlock (&self->mutex);
  g_object_set_data_full (G_OBJECT (msg), "meow-test-stream", st, soup_stream_free);
  g_signal_connect (msg, "wrote-chunk", G_CALLBACK (soup_stream_wrote_chunk_cb), st);
  g_signal_connect (msg, "wrote-body-data", G_CALLBACK (soup_stream_wrote_body_data_cb), st);
  g_signal_connect (msg, "finished", G_CALLBACK (soup_stream_finished_cb), st);

  if (st->throttle == 0)
    {
      while (st->off < st->end)
        soup_stream_append_piece (st);
    }
  else
    soup_stream_append_piece (st);
}

static void
answer_simple (MeowTestServer    *self,
               SoupServerMessage *msg,
               Plan              *plan,
               guint              status,
               const char        *body,
               gsize              body_len)
{
  SoupMessageHeaders *h = soup_server_message_get_response_headers (msg);

  soup_message_body_set_accumulate (soup_server_message_get_response_body (msg), FALSE);
  soup_server_message_set_status (msg, status, NULL);
  if (body_len > 0)
    {
      soup_server_message_set_response (msg, "text/plain", SOUP_MEMORY_COPY, body, body_len);
      if (!plan->is_head)
        log_add_body_bytes (self, plan->log_index, body_len);
    }
  else
    soup_message_headers_set_content_length (h, 0);
  log_set_status (self, plan->log_index, status);
}

/* ------------------------------------------------------------------ */
/* The handler                                                         */

static void
collect_header_cb (const char *name, const char *value, gpointer user_data)
{
  GHashTable      *headers = user_data;
  g_autofree char *key = g_ascii_strdown (name, -1);
  const char      *old = g_hash_table_lookup (headers, key);

  if (old != NULL)
    g_hash_table_replace (headers, g_steal_pointer (&key), g_strconcat (old, ", ", value, NULL));
  else
    g_hash_table_replace (headers, g_steal_pointer (&key), g_strdup (value));
}

/* Decides what @msg gets. Called with the mutex held. */
static void
plan_request (MeowTestServer *self, SoupServerMessage *msg, const char *path, Plan *plan)
{
  SoupMessageHeaders *req = soup_server_message_get_request_headers (msg);
  const char         *method = soup_server_message_get_method (msg);
  MeowTestFaults     *f = &self->faults;
  ServedPath         *sp = g_hash_table_lookup (self->paths, path);
  const char         *range = soup_message_headers_get_one (req, "Range");
  const char         *if_range = soup_message_headers_get_one (req, "If-Range");
  gboolean            is_get = g_str_equal (method, "GET");
  gboolean            stalling;

  plan->is_head = g_str_equal (method, "HEAD");
  plan->reset = f->reset_connections;
  plan->throttle = f->throttle_bytes_per_sec;

  if (sp != NULL)
    {
      plan->content = sp->content ? g_bytes_ref (sp->content) : NULL;
      if (!f->no_validators)
        {
          plan->etag = g_strdup (sp->etag);
          plan->last_modified = g_strdup (sp->last_modified);
        }
      plan->redirect_status = sp->redirect_status;
      plan->location = g_strdup (sp->location);
      if (g_hash_table_size (sp->headers) > 0)
        {
          GHashTableIter iter;
          gpointer       k, v;

          plan->extra_headers = g_ptr_array_new_with_free_func (g_free);
          g_hash_table_iter_init (&iter, sp->headers);
          while (g_hash_table_iter_next (&iter, &k, &v))
            {
              g_ptr_array_add (plan->extra_headers, g_strdup (k));
              g_ptr_array_add (plan->extra_headers, g_strdup (v));
            }
        }
    }

  if (!is_get && !plan->is_head)
    {
      plan->action = ACTION_METHOD_NOT_ALLOWED;
      return;
    }

  if (f->garbage_count > 0)
    {
      f->garbage_count--;
      plan->action = ACTION_GARBAGE;
      plan->garbage = g_bytes_ref (self->garbage);
      return;
    }

  if (sp != NULL && sp->redirect_status != 0)
    {
      plan->action = ACTION_REDIRECT;
      return;
    }

  if (sp != NULL && g_hash_table_size (sp->required) > 0)
    {
      GHashTableIter iter;
      gpointer       name, text;

      g_hash_table_iter_init (&iter, sp->required);
      while (g_hash_table_iter_next (&iter, &name, &text))
        {
          const char *value = soup_message_headers_get_list (req, name);

          if (value == NULL || strstr (value, text) == NULL)
            {
              plan->action = ACTION_FORBIDDEN;
              return;
            }
        }
    }

  if (f->error_count > 0 && (is_get || !f->errors_get_only))
    {
      f->error_count--;
      plan->action = ACTION_ERROR;
      plan->error_status = f->error_status ? f->error_status : 500;
      plan->retry_after = g_strdup (self->retry_after);
      plan->error_body_size = f->error_body_size;
      return;
    }

  if (plan->is_head)
    {
      if (f->drop_heads > 0)
        {
          f->drop_heads--;
          plan->action = ACTION_DROP;
          return;
        }
      if (f->head_status != 0)
        {
          plan->action = ACTION_HEAD_STATUS;
          plan->error_status = f->head_status;
          return;
        }
    }
  else if (f->drop_gets > 0)
    {
      f->drop_gets--;
      plan->action = ACTION_DROP;
      return;
    }

  if (plan->content == NULL)
    {
      plan->action = ACTION_NOT_FOUND;
      return;
    }

  /* What a correct server would answer. */
  plan->total = g_bytes_get_size (plan->content);
  plan->status = SOUP_STATUS_OK;
  plan->start = 0;
  plan->end = plan->total - 1;
  if (range != NULL && !f->ignore_range &&
      (if_range == NULL || if_range_matches (if_range, plan->etag, plan->last_modified)))
    {
      gint64   s = 0, e = 0;
      gboolean satisfiable = FALSE;

      if (parse_range (range, plan->total, &s, &e, &satisfiable))
        {
          if (!satisfiable)
            plan->status = SOUP_STATUS_REQUESTED_RANGE_NOT_SATISFIABLE;
          else
            {
              plan->status = SOUP_STATUS_PARTIAL_CONTENT;
              plan->start = s;
              plan->end = e;
            }
        }
    }

  if (plan->is_head)
    {
      /* HEAD describes the whole entity. */
      plan->status = SOUP_STATUS_OK;
      plan->start = 0;
      plan->end = plan->total - 1;
      plan->action = f->head_no_length ? ACTION_HEAD_NO_LENGTH : ACTION_NORMAL;
      return;
    }

  /* A damaged 206 wins over the drops and stalls below: with both armed,
   * those hit the whole-file answers. */
  if (plan->status == SOUP_STATUS_PARTIAL_CONTENT && f->range_fault != MEOW_TEST_RANGE_OK)
    {
      plan->action = ACTION_RANGE_FAULT;
      plan->range_fault = f->range_fault;
      return;
    }

  if (f->drop_mid_body > 0 && plan->status != SOUP_STATUS_REQUESTED_RANGE_NOT_SATISFIABLE)
    {
      f->drop_mid_body--;
      plan->action = ACTION_DROP_MID_BODY;
      plan->limit_bytes = f->drop_after_bytes;
      return;
    }

  stalling =
      f->stall_after_bytes >= 0 && f->stall_ms > 0 && (!self->stall_limited || f->stall_gets > 0);
  if (stalling && plan->status != SOUP_STATUS_REQUESTED_RANGE_NOT_SATISFIABLE)
    {
      if (self->stall_limited)
        f->stall_gets--;
      plan->action = ACTION_STALL;
      plan->limit_bytes = f->stall_after_bytes;
      plan->stall_ms = f->stall_ms;
      return;
    }

  if (f->length_lie_gets > 0 && plan->status != SOUP_STATUS_REQUESTED_RANGE_NOT_SATISFIABLE)
    {
      f->length_lie_gets--;
      plan->action = ACTION_LENGTH_LIE;
      plan->length_delta = f->length_lie_delta;
      return;
    }

  plan->action = ACTION_NORMAL;
}

static void
server_cb (SoupServer        *soup,
           SoupServerMessage *msg,
           const char        *path,
           GHashTable        *query,
           gpointer           user_data)
{
  MeowTestServer     *self = user_data;
  SoupMessageHeaders *req = soup_server_message_get_request_headers (msg);
  MeowTestRequest    *entry;
  Plan                plan = {
                   0,
  };

  entry = g_new0 (MeowTestRequest, 1);
  entry->method = g_strdup (soup_server_message_get_method (msg));
  entry->path = g_strdup (path);
  entry->range = g_strdup (soup_message_headers_get_one (req, "Range"));
  entry->if_range = g_strdup (soup_message_headers_get_one (req, "If-Range"));
  entry->headers = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  soup_message_headers_foreach (req, collect_header_cb, entry->headers);
  entry->time_us = g_get_monotonic_time ();

  g_mutex_lock (&self->mutex);
  plan.log_index = self->log_base + self->log->len;
  g_ptr_array_add (self->log, entry);
  g_mutex_unlock (&self->mutex);

  if (_meow_test_upload_handle (self, msg, path, plan.log_index))
    return;

  g_mutex_lock (&self->mutex);
  plan_request (self, msg, path, &plan);
  g_mutex_unlock (&self->mutex);

  switch (plan.action)
    {
    case ACTION_METHOD_NOT_ALLOWED:
      answer_simple (self, msg, &plan, SOUP_STATUS_METHOD_NOT_ALLOWED, NULL, 0);
      break;

    case ACTION_NOT_FOUND:
      {
        static const char text[] = "Not found\n";

        answer_simple (self, msg, &plan, SOUP_STATUS_NOT_FOUND, text, strlen (text));
      }
      break;

    case ACTION_FORBIDDEN:
      {
        static const char text[] = "Forbidden without the required headers\n";

        answer_simple (self, msg, &plan, SOUP_STATUS_FORBIDDEN, text, strlen (text));
      }
      break;

    case ACTION_REDIRECT:
      soup_message_body_set_accumulate (soup_server_message_get_response_body (msg), FALSE);
      soup_server_message_set_redirect (msg, plan.redirect_status, plan.location);
      /* meow_test_server_set_header() on a redirect: a Set-Cookie, say. */
      for (guint i = 0; plan.extra_headers && i + 1 < plan.extra_headers->len; i += 2)
        soup_message_headers_append (soup_server_message_get_response_headers (msg),
                                     g_ptr_array_index (plan.extra_headers, i),
                                     g_ptr_array_index (plan.extra_headers, i + 1));
      /* an empty, delimited body */
      soup_message_headers_set_content_length (soup_server_message_get_response_headers (msg), 0);
      soup_message_body_complete (soup_server_message_get_response_body (msg));
      log_set_status (self, plan.log_index, plan.redirect_status);
      break;

    case ACTION_ERROR:
      {
        g_autofree char *body = g_malloc (plan.error_body_size + 1);

        memset (body, 'E', plan.error_body_size);
        answer_simple (self, msg, &plan, plan.error_status, body, plan.error_body_size);
        if (plan.retry_after)
          soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                        "Retry-After", plan.retry_after);
      }
      break;

    case ACTION_HEAD_STATUS:
      answer_simple (self, msg, &plan, plan.error_status, NULL, 0);
      break;

    case ACTION_DROP:
      log_set_status (self, plan.log_index, 0);
      self->next_raw_reset = plan.reset;
      raw_conn_start (self, msg, plan.log_index, NULL, NULL, 0, 0, 0, 0);
      break;

    case ACTION_GARBAGE:
      {
        gsize         glen;
        const guint8 *gdata = g_bytes_get_data (plan.garbage, &glen);
        GString      *head = g_string_new_len ((const char *) gdata, glen);

        log_set_status (self, plan.log_index, 0);
        raw_conn_start (self, msg, plan.log_index, head, NULL, 0, 0, 0, 0);
      }
      break;

    case ACTION_LENGTH_LIE:
      {
        GString *head = raw_head_new (plan.status);
        gint64   len = plan.total == 0 ? 0 : plan.end - plan.start + 1;

        raw_head_add_validators (head, &plan);
        if (plan.status == SOUP_STATUS_PARTIAL_CONTENT)
          g_string_append_printf (head,
                                  "Content-Range: bytes %" G_GINT64_FORMAT "-%" G_GINT64_FORMAT
                                  "/%" G_GINT64_FORMAT "\r\n",
                                  plan.start, plan.end, plan.total);
        g_string_append_printf (head, "Content-Length: %" G_GINT64_FORMAT "\r\n\r\n",
                                MAX (0, len + plan.length_delta));
        log_set_status (self, plan.log_index, plan.status);
        raw_conn_start (self, msg, plan.log_index, head, plan.content, plan.start, len,
                        plan.throttle, 0);
      }
      break;

    case ACTION_HEAD_NO_LENGTH:
      {
        GString *head = raw_head_new (SOUP_STATUS_OK);

        raw_head_add_validators (head, &plan);
        g_string_append (head, "\r\n");
        log_set_status (self, plan.log_index, SOUP_STATUS_OK);
        raw_conn_start (self, msg, plan.log_index, head, NULL, 0, 0, 0, 0);
      }
      break;

    case ACTION_DROP_MID_BODY:
    case ACTION_STALL:
      {
        GString *head = raw_head_new (plan.status);
        gint64   len = plan.total == 0 ? 0 : plan.end - plan.start + 1;
        gint64   send = CLAMP (plan.limit_bytes, 0, len);

        raw_head_add_validators (head, &plan);
        if (plan.status == SOUP_STATUS_PARTIAL_CONTENT)
          g_string_append_printf (head,
                                  "Content-Range: bytes %" G_GINT64_FORMAT "-%" G_GINT64_FORMAT
                                  "/%" G_GINT64_FORMAT "\r\n",
                                  plan.start, plan.end, plan.total);
        g_string_append_printf (head, "Content-Length: %" G_GINT64_FORMAT "\r\n\r\n", len);
        log_set_status (self, plan.log_index, plan.status);
        self->next_raw_reset = plan.reset && plan.action == ACTION_DROP_MID_BODY;
        raw_conn_start (self, msg, plan.log_index, head, plan.content, plan.start, send,
                        plan.throttle, plan.action == ACTION_STALL ? plan.stall_ms : 0);
      }
      break;

    case ACTION_RANGE_FAULT:
      {
        GString *head = raw_head_new (SOUP_STATUS_PARTIAL_CONTENT);
        gint64   len = plan.end - plan.start + 1;
        gint64   send = len;

        if (plan.range_fault == MEOW_TEST_RANGE_OTHER_VERSION)
          g_string_append (head, "Accept-Ranges: bytes\r\nETag: \"other-version\"\r\n");
        else
          raw_head_add_validators (head, &plan);
        switch (plan.range_fault)
          {
          case MEOW_TEST_RANGE_OTHER_VERSION:
            g_string_append_printf (head,
                                    "Content-Range: bytes %" G_GINT64_FORMAT "-%" G_GINT64_FORMAT
                                    "/%" G_GINT64_FORMAT "\r\n",
                                    plan.start, plan.end, plan.total);
            break;
          case MEOW_TEST_RANGE_MISSING:
            break;
          case MEOW_TEST_RANGE_WRONG_START:
            g_string_append_printf (head,
                                    "Content-Range: bytes %" G_GINT64_FORMAT "-%" G_GINT64_FORMAT
                                    "/%" G_GINT64_FORMAT "\r\n",
                                    plan.start + 1, plan.end, plan.total);
            send = len - 1;
            break;
          case MEOW_TEST_RANGE_WRONG_TOTAL:
            g_string_append_printf (head,
                                    "Content-Range: bytes %" G_GINT64_FORMAT "-%" G_GINT64_FORMAT
                                    "/%" G_GINT64_FORMAT "\r\n",
                                    plan.start, plan.end, plan.total + 1);
            break;
          case MEOW_TEST_RANGE_WRONG_UNIT:
            g_string_append_printf (head,
                                    "Content-Range: items %" G_GINT64_FORMAT "-%" G_GINT64_FORMAT
                                    "/%" G_GINT64_FORMAT "\r\n",
                                    plan.start, plan.end, plan.total);
            break;
          case MEOW_TEST_RANGE_REVERSED:
            g_string_append_printf (head,
                                    "Content-Range: bytes %" G_GINT64_FORMAT "-%" G_GINT64_FORMAT
                                    "/%" G_GINT64_FORMAT "\r\n",
                                    plan.end, plan.start, plan.total);
            break;
          case MEOW_TEST_RANGE_EMPTY_BODY:
            g_string_append_printf (head,
                                    "Content-Range: bytes %" G_GINT64_FORMAT "-%" G_GINT64_FORMAT
                                    "/%" G_GINT64_FORMAT "\r\n",
                                    plan.start, plan.end, plan.total);
            send = 0;
            break;
          case MEOW_TEST_RANGE_SHORT_BODY:
            g_string_append_printf (head,
                                    "Content-Range: bytes %" G_GINT64_FORMAT "-%" G_GINT64_FORMAT
                                    "/%" G_GINT64_FORMAT "\r\n",
                                    plan.start, plan.end, plan.total);
            send = len / 2;
            break;
          case MEOW_TEST_RANGE_OK:
          default:
            g_assert_not_reached ();
          }
        g_string_append_printf (head, "Content-Length: %" G_GINT64_FORMAT "\r\n\r\n", send);
        log_set_status (self, plan.log_index, SOUP_STATUS_PARTIAL_CONTENT);
        raw_conn_start (self, msg, plan.log_index, head, plan.content,
                        plan.range_fault == MEOW_TEST_RANGE_WRONG_START ? plan.start + 1
                                                                        : plan.start,
                        send, plan.throttle, 0);
      }
      break;

    case ACTION_NORMAL:
    default:
      answer_normal (self, msg, &plan);
      break;
    }

  plan_clear (&plan);
}

/* ------------------------------------------------------------------ */
/* Thread and lifetime                                                 */

static guint16
port_of (GSocketAddress *address)
{
  return G_IS_INET_SOCKET_ADDRESS (address)
             ? g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (address))
             : 0;
}

void
_meow_test_server_drop_connection (MeowTestServer *server, SoupServerMessage *msg)
{
  guint16 port = port_of (soup_server_message_get_remote_address (msg));

  for (GList *l = server->sockets; l != NULL && port != 0; l = l->next)
    {
      g_autoptr (GSocketAddress) remote = g_socket_get_remote_address (l->data, NULL);

      if (remote != NULL && port_of (remote) == port)
        {
          g_socket_shutdown (l->data, TRUE, TRUE, NULL);
          return;
        }
    }
  g_warning ("the test server found no connection to drop");
}

/* Every answer, the ones libsoup makes itself (400, 404) included, says
 * Connection: close, because libsoup closes the connection after it anyway
 * (see the opening comment). Unannounced, that close races the client:
 * libcurl checks a pooled connection for a FIN before reusing it, and under
 * load the FIN arrives after the check. The next request then meets a reset
 * or a broken pipe: a redirect chain or a retried GET fails with "Connection
 * reset by peer", an upload streaming its body fails and prepares again, and
 * a drop fault armed for "the next GET" hits a request that libcurl silently
 * re-sends. Announced, libcurl never reuses a connection of this server. */
static void
announce_close_cb (SoupServer *soup, SoupServerMessage *msg, gpointer user_data)
{
  soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Connection",
                                "close");
}

static gboolean
accept_cb (GSocket *listen_socket, GIOCondition condition, gpointer user_data)
{
  MeowTestServer *self = user_data;

  for (;;)
    {
      g_autoptr (GSocket) socket = g_socket_accept (listen_socket, NULL, NULL);
      g_autoptr (GSocketConnection) conn = NULL;
      g_autoptr (GSocketAddress) local = NULL;
      g_autoptr (GSocketAddress) remote = NULL;
      g_autoptr (GError) error = NULL;

      if (socket == NULL)
        break; /* EAGAIN: no more pending connections */
      {
        int send_buffer;

        g_mutex_lock (&self->mutex);
        send_buffer = (int) self->faults.send_buffer;
        g_mutex_unlock (&self->mutex);
        if (send_buffer > 0 && setsockopt (g_socket_get_fd (socket), SOL_SOCKET, SO_SNDBUF,
                                           &send_buffer, sizeof send_buffer) != 0)
          g_warning ("meow-test-server: SO_SNDBUF failed");
      }
      conn = g_socket_connection_factory_create_connection (socket);
      local = g_socket_get_local_address (socket, NULL);
      remote = g_socket_get_remote_address (socket, NULL);
      if (local == NULL || remote == NULL)
        {
          g_io_stream_close (G_IO_STREAM (conn), NULL, NULL);
          continue;
        }
      /* soup_server_accept_iostream() takes the stream as it is, so HTTPS
       * means wrapping it ourselves; the handshake runs on the first read. */
      if (self->certificate != NULL)
        {
          g_autoptr (GIOStream) tls =
              g_tls_server_connection_new (G_IO_STREAM (conn), self->certificate, &error);

          if (tls == NULL || !soup_server_accept_iostream (self->soup, tls, local, remote, &error))
            g_io_stream_close (G_IO_STREAM (conn), NULL, NULL);
          continue;
        }
      /* For _meow_test_server_drop_connection(), before libsoup sees the
       * connection: it may read a request at once. libsoup closes the
       * sockets it is done with, so closed ones are forgotten here. */
      for (GList *l = self->sockets; l != NULL;)
        {
          GList *next = l->next;

          if (g_socket_is_closed (l->data))
            {
              g_object_unref (l->data);
              self->sockets = g_list_delete_link (self->sockets, l);
            }
          l = next;
        }
      self->sockets = g_list_prepend (self->sockets, g_object_ref (socket));
      if (!soup_server_accept_iostream (self->soup, G_IO_STREAM (conn), local, remote, &error))
        g_io_stream_close (G_IO_STREAM (conn), NULL, NULL);
    }
  return G_SOURCE_CONTINUE;
}

typedef struct
{
  MeowTestServer *server;
  gboolean        down;
  gboolean        done;
  char           *error;
} SetDown;

/* Server thread: stop listening and cut every connection, or listen again
 * on the same port. */
static gboolean
set_down_cb (gpointer user_data)
{
  SetDown        *sd = user_data;
  MeowTestServer *self = sd->server;
  g_autoptr (GError) error = NULL;

  if (sd->down && self->listen_socket != NULL)
    {
      g_source_destroy (self->accept_source);
      g_clear_pointer (&self->accept_source, g_source_unref);
      g_socket_close (self->listen_socket, NULL);
      g_clear_object (&self->listen_socket);
      for (GList *l = self->sockets; l != NULL; l = l->next)
        if (!g_socket_is_closed (l->data))
          g_socket_shutdown (l->data, TRUE, TRUE, NULL);
    }
  else if (!sd->down && self->listen_socket == NULL)
    {
      g_autoptr (GInetAddress) loopback = g_inet_address_new_from_string (self->address);
      g_autoptr (GSocketAddress) same_port = g_inet_socket_address_new (loopback, self->port);

      self->listen_socket =
          g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, &error);
      if (self->listen_socket == NULL ||
          !g_socket_bind (self->listen_socket, same_port, TRUE, &error) ||
          !g_socket_listen (self->listen_socket, &error))
        {
          g_clear_object (&self->listen_socket);
          sd->error = g_strdup (error->message);
        }
      else
        {
          g_socket_set_blocking (self->listen_socket, FALSE);
          self->accept_source = g_socket_create_source (self->listen_socket, G_IO_IN, NULL);
          g_source_set_callback (self->accept_source, (GSourceFunc) (GCallback) accept_cb, self,
                                 NULL);
          g_source_attach (self->accept_source, self->context);
        }
    }

  g_mutex_lock (&self->mutex);
  sd->done = TRUE;
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->mutex);
  return G_SOURCE_REMOVE;
}

/**
 * meow_test_server_set_down:
 * @server: a server
 * @down: %TRUE to stop it, %FALSE to start it again
 *
 * Plays a server restart: stopped, it listens no more (connections are
 * refused) and every open connection is cut; started again, it listens on
 * the same port, with everything it served and stored kept. Returns once
 * done. Aborts the test if the port cannot be had again.
 */
void
meow_test_server_set_down (MeowTestServer *server, gboolean down)
{
  SetDown sd = { server, down, FALSE, NULL };

  g_main_context_invoke (server->context, set_down_cb, &sd);
  g_mutex_lock (&server->mutex);
  while (!sd.done)
    g_cond_wait (&server->cond, &server->mutex);
  g_mutex_unlock (&server->mutex);
  if (sd.error != NULL)
    g_error ("The test server cannot listen on port %u again: %s", server->port, sd.error);
}

static gpointer
server_thread (gpointer user_data)
{
  MeowTestServer *self = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GSocketAddress) bound = NULL;

  g_main_context_push_thread_default (self->context);

  self->soup = soup_server_new ("server-header", "MeowTestServer", NULL);
  soup_server_add_handler (self->soup, NULL, server_cb, self, NULL);
  g_signal_connect (self->soup, "request-started", G_CALLBACK (announce_close_cb), NULL);
  _meow_test_upload_attach (self, self->soup);

  /* We listen and accept ourselves and hand each connection to
   * soup_server_accept_iostream(): libsoup 3.2's own listener leaks the
   * accepted GSocket of every connection and its cached local address,
   * which the sanitizer build would count against every test. Without a
   * listener libsoup keeps no connection alive (announce_close_cb()). */
  self->listen_socket =
      g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, &error);
  if (self->listen_socket != NULL)
    {
      g_autoptr (GInetAddress) loopback = g_inet_address_new_from_string (self->address);
      g_autoptr (GSocketAddress) any_port = g_inet_socket_address_new (loopback, 0);

      if (!g_socket_bind (self->listen_socket, any_port, TRUE, &error) ||
          !g_socket_listen (self->listen_socket, &error) ||
          (bound = g_socket_get_local_address (self->listen_socket, &error)) == NULL)
        g_clear_object (&self->listen_socket);
    }
  if (self->listen_socket == NULL)
    {
      g_mutex_lock (&self->mutex);
      self->startup_error = g_strdup (error->message);
      self->ready = TRUE;
      g_cond_signal (&self->cond);
      g_mutex_unlock (&self->mutex);
      g_clear_object (&self->soup);
      g_main_context_pop_thread_default (self->context);
      return NULL;
    }
  g_socket_set_blocking (self->listen_socket, FALSE);
  self->accept_source = g_socket_create_source (self->listen_socket, G_IO_IN, NULL);
  g_source_set_callback (self->accept_source, (GSourceFunc) (GCallback) accept_cb, self, NULL);
  g_source_attach (self->accept_source, self->context);

  g_mutex_lock (&self->mutex);
  self->port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  self->ready = TRUE;
  g_cond_signal (&self->cond);
  g_mutex_unlock (&self->mutex);

  g_main_loop_run (self->loop);

  /* Shut down: abort raw writers, end stalls, close every connection, and
   * let the callbacks that this triggers run before the context goes. */
  if (self->accept_source != NULL)
    {
      g_source_destroy (self->accept_source);
      g_clear_pointer (&self->accept_source, g_source_unref);
    }
  if (self->listen_socket != NULL)
    g_socket_close (self->listen_socket, NULL);
  g_clear_object (&self->listen_socket);
  g_cancellable_cancel (self->cancellable);
  for (GList *l = self->raw_conns; l != NULL;)
    {
      RawConn *rc = l->data;

      l = l->next;
      if (!rc->pending)
        raw_conn_finish (rc);
    }
  soup_server_disconnect (self->soup);
  g_list_free_full (g_steal_pointer (&self->sockets), g_object_unref);
  for (guint i = 0; i < 1000 && (self->raw_conns != NULL || self->streams != NULL); i++)
    g_main_context_iteration (self->context, FALSE);
  for (GList *l = self->streams; l != NULL; l = l->next)
    {
      SoupStream *st = l->data;

      st->finished = TRUE;
      if (st->timeout != NULL)
        {
          g_source_destroy (st->timeout);
          g_clear_pointer (&st->timeout, g_source_unref);
        }
    }
  g_clear_object (&self->soup);
  while (g_main_context_iteration (self->context, FALSE))
    ;

  g_main_context_pop_thread_default (self->context);
  return NULL;
}

static gboolean
quit_loop_cb (gpointer user_data)
{
  MeowTestServer *self = user_data;

  g_main_loop_quit (self->loop);
  return G_SOURCE_REMOVE;
}

/**
 * meow_test_server_new:
 *
 * Starts a server on 127.0.0.1 on a random port, in its own thread. Aborts
 * the test if it cannot listen.
 */
MeowTestServer *
meow_test_server_new (void)
{
  return meow_test_server_new_full (NULL, NULL);
}

/**
 * meow_test_server_new_full:
 * @address: (nullable): an IPv4 loopback address, "127.0.0.1" when NULL
 * @certificate: (nullable): serve HTTPS with this certificate (and its key)
 *
 * Starts a server on @address on a random port, in its own thread.
 */
MeowTestServer *
meow_test_server_new_full (const char *address, GTlsCertificate *certificate)
{
  MeowTestServer *self = g_new0 (MeowTestServer, 1);

  self->address = g_strdup (address ? address : "127.0.0.1");
  self->certificate = certificate ? g_object_ref (certificate) : NULL;

  g_mutex_init (&self->mutex);
  g_cond_init (&self->cond);
  self->context = g_main_context_new ();
  self->loop = g_main_loop_new (self->context, FALSE);
  self->cancellable = g_cancellable_new ();
  self->paths = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, served_path_free);
  self->log = g_ptr_array_new_with_free_func (request_free);
  self->faults.stall_after_bytes = -1;
  self->upload = _meow_test_upload_new ();
  self->epoch_unix = g_get_real_time () / G_USEC_PER_SEC - 1000000;

  self->thread = g_thread_new ("meow-test-server", server_thread, self);

  g_mutex_lock (&self->mutex);
  while (!self->ready)
    g_cond_wait (&self->cond, &self->mutex);
  g_mutex_unlock (&self->mutex);

  if (self->startup_error != NULL)
    g_error ("meow-test-server: cannot listen on %s: %s", self->address, self->startup_error);

  return self;
}

void
meow_test_server_free (MeowTestServer *self)
{
  if (self == NULL)
    return;

  /* A source, not g_main_loop_quit(): the thread may not have entered
   * g_main_loop_run() yet, and a quit before the run would be lost. */
  {
    GSource *quit = g_idle_source_new ();

    g_source_set_callback (quit, quit_loop_cb, self, NULL);
    g_source_attach (quit, self->context);
    g_source_unref (quit);
  }
  g_thread_join (self->thread);

  g_main_loop_unref (self->loop);
  g_main_context_unref (self->context);
  g_object_unref (self->cancellable);
  g_hash_table_unref (self->paths);
  g_ptr_array_unref (self->log);
  _meow_test_upload_free (self->upload);
  g_free (self->retry_after);
  g_clear_pointer (&self->garbage, g_bytes_unref);
  g_free (self->address);
  g_clear_object (&self->certificate);
  g_free (self->startup_error);
  g_free (self->login_user);
  g_free (self->login_password);
  g_free (self->login_realm);
  g_free (self->sign_header);
  g_mutex_clear (&self->mutex);
  g_cond_clear (&self->cond);
  g_free (self);
}

GMainContext *
_meow_test_server_get_context (MeowTestServer *self)
{
  return self->context;
}

MeowTestUpload *
_meow_test_server_get_upload (MeowTestServer *self)
{
  return self->upload;
}

void
_meow_test_server_log_set_status (MeowTestServer *self, guint index, guint status)
{
  log_set_status (self, index, status);
}

guint16
meow_test_server_get_port (MeowTestServer *self)
{
  return self->port;
}

char *
meow_test_server_dup_url (MeowTestServer *self, const char *path)
{
  g_return_val_if_fail (path != NULL && path[0] == '/', NULL);

  return g_strdup_printf ("%s://%s:%u%s", self->certificate ? "https" : "http", self->address,
                          self->port, path);
}

void
meow_test_server_set_file (MeowTestServer *self, const char *path, GBytes *content)
{
  ServedPath *sp;
  g_autoptr (GDateTime) lm = NULL;

  g_return_if_fail (path != NULL && path[0] == '/');
  g_return_if_fail (content != NULL);

  g_mutex_lock (&self->mutex);
  sp = served_path_lookup_or_add (self, path);
  self->generation++;
  g_clear_pointer (&sp->content, g_bytes_unref);
  sp->content = g_bytes_ref (content);
  g_free (sp->etag);
  sp->etag = g_strdup_printf ("\"%" G_GUINT64_FORMAT "-%" G_GSIZE_FORMAT "\"", self->generation,
                              g_bytes_get_size (content));
  /* One second per generation, so a replacement always changes the date. */
  lm = g_date_time_new_from_unix_utc (self->epoch_unix + (gint64) self->generation);
  g_free (sp->last_modified);
  sp->last_modified = soup_date_time_to_string (lm, SOUP_DATE_HTTP);
  sp->redirect_status = 0;
  g_clear_pointer (&sp->location, g_free);
  g_mutex_unlock (&self->mutex);
}

void
meow_test_server_copy_file (MeowTestServer *self,
                            const char     *path,
                            MeowTestServer *src,
                            const char     *src_path)
{
  ServedPath *from;
  ServedPath *sp;
  g_autoptr (GBytes) content = NULL;
  g_autofree char *etag = NULL;
  g_autofree char *last_modified = NULL;

  g_return_if_fail (path != NULL && path[0] == '/');

  g_mutex_lock (&src->mutex);
  from = g_hash_table_lookup (src->paths, src_path);
  g_assert_nonnull (from);
  g_assert_nonnull (from->content);
  content = g_bytes_ref (from->content);
  etag = g_strdup (from->etag);
  last_modified = g_strdup (from->last_modified);
  g_mutex_unlock (&src->mutex);

  g_mutex_lock (&self->mutex);
  sp = served_path_lookup_or_add (self, path);
  g_clear_pointer (&sp->content, g_bytes_unref);
  sp->content = g_steal_pointer (&content);
  g_free (sp->etag);
  sp->etag = g_steal_pointer (&etag);
  g_free (sp->last_modified);
  sp->last_modified = g_steal_pointer (&last_modified);
  sp->redirect_status = 0;
  g_clear_pointer (&sp->location, g_free);
  g_mutex_unlock (&self->mutex);
}

void
meow_test_server_set_header (MeowTestServer *self,
                             const char     *path,
                             const char     *name,
                             const char     *value)
{
  ServedPath *sp;

  g_return_if_fail (path != NULL && path[0] == '/');
  g_return_if_fail (name != NULL);

  g_mutex_lock (&self->mutex);
  sp = served_path_lookup_or_add (self, path);
  if (value != NULL)
    g_hash_table_replace (sp->headers, g_strdup (name), g_strdup (value));
  else
    g_hash_table_remove (sp->headers, name);
  g_mutex_unlock (&self->mutex);
}

/* An early handler: a request without the right signature is answered 403
 * before its body is read, whatever handler the path has. */
static void
signature_cb (SoupServer        *soup,
              SoupServerMessage *msg,
              const char        *path,
              GHashTable        *query,
              gpointer           user_data)
{
  MeowTestServer *self = user_data;
  GUri           *uri = soup_server_message_get_uri (msg);
  const char *given = soup_message_headers_get_one (soup_server_message_get_request_headers (msg),
                                                    self->sign_header);
  g_autofree char *target =
      g_uri_get_query (uri) ? g_strconcat (g_uri_get_path (uri), "?", g_uri_get_query (uri), NULL)
                            : g_strdup (g_uri_get_path (uri));
  g_autofree char *expected =
      self->sign (soup_server_message_get_method (msg), target, self->sign_data);

  if (g_strcmp0 (given, expected) == 0)
    return;
  g_atomic_int_inc (&self->unsigned_refused);
  soup_server_message_set_status (msg, SOUP_STATUS_FORBIDDEN, NULL);
  soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Connection",
                                "close");
}

void
meow_test_server_require_signature (MeowTestServer  *self,
                                    const char      *name,
                                    MeowTestSignFunc sign,
                                    gpointer         data)
{
  g_return_if_fail (self->sign == NULL);
  self->sign_header = g_strdup (name);
  self->sign = sign;
  self->sign_data = data;
  soup_server_add_early_handler (self->soup, NULL, signature_cb, self, NULL);
}

guint
meow_test_server_count_unsigned (MeowTestServer *self)
{
  return (guint) g_atomic_int_get (&self->unsigned_refused);
}

void
meow_test_server_require_header (MeowTestServer *self,
                                 const char     *path,
                                 const char     *name,
                                 const char     *text)
{
  ServedPath *sp;

  g_return_if_fail (path != NULL && path[0] == '/');
  g_return_if_fail (name != NULL && text != NULL);

  g_mutex_lock (&self->mutex);
  sp = served_path_lookup_or_add (self, path);
  g_hash_table_replace (sp->required, g_ascii_strdown (name, -1), g_strdup (text));
  g_mutex_unlock (&self->mutex);
}

void
meow_test_server_set_redirect (MeowTestServer *self,
                               const char     *path,
                               guint           status,
                               const char     *location)
{
  ServedPath *sp;

  g_return_if_fail (path != NULL && path[0] == '/');
  g_return_if_fail (status >= 300 && status < 400);
  g_return_if_fail (location != NULL);

  g_mutex_lock (&self->mutex);
  sp = served_path_lookup_or_add (self, path);
  g_clear_pointer (&sp->content, g_bytes_unref);
  sp->redirect_status = status;
  g_free (sp->location);
  sp->location = g_strdup (location);
  g_mutex_unlock (&self->mutex);
}

/* Server thread: SoupAuthDomainBasic's check of a user and password. */
static gboolean
basic_auth_cb (SoupAuthDomain    *domain,
               SoupServerMessage *msg,
               const char        *user,
               const char        *password,
               gpointer           user_data)
{
  MeowTestServer *self = user_data;
  gboolean        ok;

  g_mutex_lock (&self->mutex);
  ok = g_strcmp0 (user, self->login_user) == 0 && g_strcmp0 (password, self->login_password) == 0;
  g_mutex_unlock (&self->mutex);
  return ok;
}

/* Server thread: SoupAuthDomainDigest's hashed password of @user. */
static char *
digest_auth_cb (SoupAuthDomain    *domain,
                SoupServerMessage *msg,
                const char        *user,
                gpointer           user_data)
{
  MeowTestServer *self = user_data;
  char           *encoded = NULL;

  g_mutex_lock (&self->mutex);
  if (g_strcmp0 (user, self->login_user) == 0)
    encoded =
        soup_auth_domain_digest_encode_password (user, self->login_realm, self->login_password);
  g_mutex_unlock (&self->mutex);
  return encoded;
}

/* Server thread: a request the auth domain answered 401 (it never reaches
 * the handler, so the request log does not show it). */
static void
count_refused_cb (SoupServerMessage *msg, gpointer user_data)
{
  MeowTestServer *self = user_data;

  if (soup_server_message_get_status (msg) == SOUP_STATUS_UNAUTHORIZED)
    {
      g_mutex_lock (&self->mutex);
      self->login_refused++;
      g_mutex_unlock (&self->mutex);
    }
}

static void
login_request_started_cb (SoupServer *soup, SoupServerMessage *msg, gpointer user_data)
{
  g_signal_connect (msg, "wrote-headers", G_CALLBACK (count_refused_cb), user_data);
}

guint
meow_test_server_count_refused (MeowTestServer *self)
{
  guint n;

  g_mutex_lock (&self->mutex);
  n = self->login_refused;
  g_mutex_unlock (&self->mutex);
  return n;
}

static gboolean
add_auth_domain_cb (gpointer data)
{
  MeowTestServer *self = data;
  SoupAuthDomain *domain;

  g_mutex_lock (&self->mutex);
  if (self->login_digest)
    {
      domain = soup_auth_domain_digest_new ("realm", self->login_realm, NULL);
      soup_auth_domain_digest_set_auth_callback (domain, digest_auth_cb, self, NULL);
    }
  else
    {
      domain = soup_auth_domain_basic_new ("realm", self->login_realm, NULL);
      soup_auth_domain_basic_set_auth_callback (domain, basic_auth_cb, self, NULL);
    }
  g_mutex_unlock (&self->mutex);
  soup_auth_domain_add_path (domain, "/");
  soup_server_add_auth_domain (self->soup, domain);
  g_object_unref (domain);
  g_signal_connect (self->soup, "request-started", G_CALLBACK (login_request_started_cb), self);

  g_mutex_lock (&self->mutex);
  self->login_added = TRUE;
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->mutex);
  return G_SOURCE_REMOVE;
}

/**
 * meow_test_server_require_login:
 *
 * Every path of @server answers 401 (a Basic or, with @digest, a Digest
 * challenge for @realm) unless the request logs in as @user with
 * @password, through libsoup's SoupAuthDomainBasic / SoupAuthDomainDigest.
 * Call it once, before the requests; the test's thread.
 */
void
meow_test_server_require_login (MeowTestServer *self,
                                gboolean        digest,
                                const char     *realm,
                                const char     *user,
                                const char     *password)
{
  g_mutex_lock (&self->mutex);
  g_assert (!self->login_added);
  self->login_digest = digest;
  self->login_realm = g_strdup (realm);
  self->login_user = g_strdup (user);
  self->login_password = g_strdup (password);
  g_mutex_unlock (&self->mutex);

  g_main_context_invoke (self->context, add_auth_domain_cb, self);

  g_mutex_lock (&self->mutex);
  while (!self->login_added)
    g_cond_wait (&self->cond, &self->mutex);
  g_mutex_unlock (&self->mutex);
}

void
meow_test_server_set_faults (MeowTestServer *self, const MeowTestFaults *faults)
{
  g_return_if_fail (faults != NULL);

  g_mutex_lock (&self->mutex);
  self->faults = *faults;
  g_free (self->retry_after);
  self->retry_after = g_strdup (faults->retry_after);
  self->faults.retry_after = self->retry_after;
  g_clear_pointer (&self->garbage, g_bytes_unref);
  if (faults->garbage != NULL)
    self->garbage = g_bytes_new (faults->garbage, faults->garbage_len ? faults->garbage_len
                                                                      : strlen (faults->garbage));
  else
    self->garbage = g_bytes_new_static ("HELLO\r\n\r\n", 9);
  self->faults.garbage = NULL;
  /* An all-zero struct means "no stall", not "stall after 0 bytes". */
  if (self->faults.stall_ms == 0)
    self->faults.stall_after_bytes = -1;
  self->stall_limited = faults->stall_gets > 0;
  g_mutex_unlock (&self->mutex);
}

void
meow_test_server_clear_faults (MeowTestServer *self)
{
  g_mutex_lock (&self->mutex);
  memset (&self->faults, 0, sizeof self->faults);
  self->stall_limited = FALSE;
  self->faults.stall_after_bytes = -1;
  g_clear_pointer (&self->retry_after, g_free);
  g_clear_pointer (&self->garbage, g_bytes_unref);
  g_mutex_unlock (&self->mutex);
}

GPtrArray *
meow_test_server_dup_requests (MeowTestServer *self)
{
  GPtrArray *out = g_ptr_array_new_with_free_func (request_free);

  g_mutex_lock (&self->mutex);
  for (guint i = 0; i < self->log->len; i++)
    g_ptr_array_add (out, request_copy (g_ptr_array_index (self->log, i)));
  g_mutex_unlock (&self->mutex);
  return out;
}

char *
meow_test_server_dup_path_order (MeowTestServer *self)
{
  g_autoptr (GPtrArray) order = g_ptr_array_new ();
  char *joined;

  g_mutex_lock (&self->mutex);
  for (guint i = 0; i < self->log->len; i++)
    {
      MeowTestRequest *req = g_ptr_array_index (self->log, i);

      if (!g_ptr_array_find_with_equal_func (order, req->path, g_str_equal, NULL))
        g_ptr_array_add (order, req->path);
    }
  g_ptr_array_add (order, NULL);
  joined = g_strjoinv (",", (char **) order->pdata);
  g_mutex_unlock (&self->mutex);
  return joined;
}

guint
meow_test_server_count (MeowTestServer *self, const char *method)
{
  guint n = 0;

  g_mutex_lock (&self->mutex);
  for (guint i = 0; i < self->log->len; i++)
    {
      MeowTestRequest *req = g_ptr_array_index (self->log, i);

      if (method == NULL || g_ascii_strcasecmp (req->method, method) == 0)
        n++;
    }
  g_mutex_unlock (&self->mutex);
  return n;
}

void
meow_test_server_reset_log (MeowTestServer *self)
{
  g_mutex_lock (&self->mutex);
  self->log_base += self->log->len;
  g_ptr_array_set_size (self->log, 0);
  g_mutex_unlock (&self->mutex);
}

/**
 * meow_test_make_certificate:
 * @dir: the folder for cert.pem and key.pem
 * @san: the subjectAltName, e.g. "IP:127.0.0.1,DNS:localhost"
 * @cert_path_out: (out) (transfer full): the certificate's path (for a CA file)
 *
 * Makes a self-signed certificate for @san with the openssl tool, for
 * meow_test_server_new_full(). Runs on the test's thread.
 *
 * Returns: (transfer full) (nullable): the certificate with its key; NULL, after
 *   g_test_skip(), when the openssl tool or GIO's TLS backend is missing.
 */
GTlsCertificate *
meow_test_make_certificate (const char *dir, const char *san, char **cert_path_out)
{
  g_autofree char *cert = g_build_filename (dir, "cert.pem", NULL);
  g_autofree char *key = g_build_filename (dir, "key.pem", NULL);
  g_autofree char *ext = g_strdup_printf ("subjectAltName=%s", san);
  g_autoptr (GError) error = NULL;
  g_autofree char *err = NULL;
  g_autofree char *openssl = g_find_program_in_path ("openssl");
  GTlsCertificate *certificate;
  int              status = 0;
  const char      *argv[] = { NULL,
                              "req",
                              "-x509",
                              "-newkey",
                              "ec",
                              "-pkeyopt",
                              "ec_paramgen_curve:prime256v1",
                              "-nodes",
                              "-keyout",
                              key,
                              "-out",
                              cert,
                              "-days",
                              "2",
                              "-subj",
                              "/CN=meow-test",
                              "-addext",
                              ext,
                              NULL };

  if (openssl == NULL)
    {
      g_test_skip ("the openssl tool is not installed");
      return NULL;
    }
  if (!g_tls_backend_supports_tls (g_tls_backend_get_default ()))
    {
      g_test_skip ("GIO has no TLS backend (glib-networking)");
      return NULL;
    }
  argv[0] = openssl;
  if (!g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL, NULL, &err,
                     &status, &error) ||
      !g_spawn_check_wait_status (status, &error))
    g_error ("openssl req failed: %s %s", error->message, err ? err : "");
  certificate = g_tls_certificate_new_from_files (cert, key, &error);
  g_assert_no_error (error);
  *cert_path_out = g_steal_pointer (&cert);
  return certificate;
}

GBytes *
meow_test_make_payload (gsize size, guint32 seed)
{
  guint8 *data = g_malloc (size ? size : 1);
  guint32 x = seed ? seed : 0x9e3779b9u;
  gsize   i = 0;

  /* xorshift32: fast, deterministic, and not compressible by accident */
  while (i < size)
    {
      x ^= x << 13;
      x ^= x >> 17;
      x ^= x << 5;
      for (guint b = 0; b < 4 && i < size; b++, i++)
        data[i] = (guint8) (x >> (8 * b));
    }
  return g_bytes_new_take (data, size);
}

char *
meow_test_sha256_file (const char *path)
{
  g_autoptr (GChecksum) sum = g_checksum_new (G_CHECKSUM_SHA256);
  g_autoptr (GFile) file = g_file_new_for_path (path);
  g_autoptr (GFileInputStream) in = NULL;
  g_autofree guint8 *buf = g_malloc (64 * 1024);
  gssize             n;

  in = g_file_read (file, NULL, NULL);
  if (in == NULL)
    return NULL;
  while ((n = g_input_stream_read (G_INPUT_STREAM (in), buf, 64 * 1024, NULL, NULL)) > 0)
    g_checksum_update (sum, buf, n);
  if (n < 0)
    return NULL;
  return g_strdup (g_checksum_get_string (sum));
}

guint
meow_test_server_count_open_bodies (MeowTestServer *server)
{
  guint n;

  g_mutex_lock (&server->mutex);
  n = server->open_bodies;
  g_mutex_unlock (&server->mutex);
  return n;
}

gint64
meow_test_server_sum_body_bytes (MeowTestServer *server)
{
  gint64 sum = 0;

  g_mutex_lock (&server->mutex);
  for (guint i = 0; i < server->log->len; i++)
    sum += ((MeowTestRequest *) g_ptr_array_index (server->log, i))->body_bytes;
  g_mutex_unlock (&server->mutex);
  return sum;
}
