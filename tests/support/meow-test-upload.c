/* meow-test-upload.c: upload server sides of the in-process test server
 *
 * The server thread hands every request to _meow_test_upload_handle()
 * first; requests to an upload endpoint are answered here through
 * SoupServer (uploads need no broken HTTP), everything else goes on to the
 * file server. State lives behind this module's own mutex, so tests on
 * their own thread can read it at any time. The request log stays the
 * server's: upload requests appear there with their headers and status.
 *
 * A tus PATCH that can be stored (its offset matches, no fault says
 * otherwise) is stored as its body streams in (got-chunk), like
 * @tus/server: a PATCH broken off by the client, or by the tus_drop_patches
 * fault, keeps the bytes that arrived.
 *
 * A delayed chunk answer stores its bytes on arrival and only holds back
 * the reply (a paused SoupServerMessage, resumed from a timeout on the
 * server's context): that is what a slow real server looks like, and it
 * keeps "what the server holds" independent of when the client gives up.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "meow-test-upload.h"

#include <libsoup/soup.h>
#include <string.h>

#include "meow-test-server-private.h"

#define TUS_VERSION "1.0.0"

typedef enum
{
  ENDPOINT_MEOW,
  ENDPOINT_TUS,
} EndpointKind;

typedef struct
{
  char        *path;
  EndpointKind kind;
} Endpoint;

/* One default-protocol upload, keyed by fileMd5. */
typedef struct
{
  GByteArray *data;
  gint64      total;
  char       *file_id; /* set when complete */
  gboolean    open;    /* prepared, not complete */
  gboolean    md5_checked;
  gboolean    md5_ok;
} StoredUpload;

typedef struct
{
  char       *path; /* "/files/u1" */
  GByteArray *data;
  gint64      length;
  char       *metadata;
  gboolean    deleted;
} TusResource;

struct _MeowTestUpload
{
  GMutex               mutex;
  GPtrArray           *endpoints; /* Endpoint */
  GHashTable          *uploads;   /* md5 -> StoredUpload */
  GHashTable          *tus;       /* path -> TusResource */
  MeowTestUploadFaults faults;
  char                *prepare_file_id; /* owned copy of faults.prepare_file_id */
  guint                posts;           /* requests to meow endpoints since the faults were set */
  guint                prepares;
  guint                chunks;
  guint                open;
  guint                peak_open;
  GPtrArray           *chunk_log; /* MeowTestUploadChunk */
  guint                tus_deletes;
  guint                tus_created;
  guint                tus_broken_patches;
};

/* A tus PATCH being stored as it arrives; data of its SoupServerMessage. */
typedef struct
{
  MeowTestServer *server;
  char           *path;
  gint64          next;       /* the resource's length after this PATCH's last byte */
  gint64          stored;     /* bytes of the body stored */
  gint64          drop_after; /* >= 0: close the connection once this many are stored */
  gboolean        broken;     /* the resource changed under it: nothing more is stored */
  gboolean        dropped;
  gboolean        answered; /* the handler ran: the body was complete */
  gboolean        counted;  /* counted as broken off */
} StreamedPatch;

#define STREAMED_PATCH_KEY "meow-test-streamed-patch"

/* What one upload request is answered with. */
typedef struct
{
  guint      status;
  GString   *body; /* NULL: no body */
  gboolean   json;
  GPtrArray *headers; /* name, value, name, value, ... */
  guint      delay_ms;
} Reply;

/* ------------------------------------------------------------------ */
/* Lifetime                                                            */

static void
endpoint_free (gpointer data)
{
  Endpoint *ep = data;

  g_free (ep->path);
  g_free (ep);
}

static void
stored_upload_free (gpointer data)
{
  StoredUpload *su = data;

  g_byte_array_unref (su->data);
  g_free (su->file_id);
  g_free (su);
}

static void
tus_resource_free (gpointer data)
{
  TusResource *r = data;

  g_free (r->path);
  g_byte_array_unref (r->data);
  g_free (r->metadata);
  g_free (r);
}

void
meow_test_upload_chunk_free (MeowTestUploadChunk *chunk)
{
  if (chunk == NULL)
    return;
  g_free (chunk->file_md5);
  g_free (chunk);
}

MeowTestUpload *
_meow_test_upload_new (void)
{
  MeowTestUpload *self = g_new0 (MeowTestUpload, 1);

  g_mutex_init (&self->mutex);
  self->endpoints = g_ptr_array_new_with_free_func (endpoint_free);
  self->uploads = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, stored_upload_free);
  self->tus = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, tus_resource_free);
  self->chunk_log = g_ptr_array_new_with_free_func ((GDestroyNotify) meow_test_upload_chunk_free);
  return self;
}

void
_meow_test_upload_free (MeowTestUpload *self)
{
  if (self == NULL)
    return;
  g_ptr_array_unref (self->endpoints);
  g_hash_table_unref (self->uploads);
  g_hash_table_unref (self->tus);
  g_ptr_array_unref (self->chunk_log);
  g_free (self->prepare_file_id);
  g_mutex_clear (&self->mutex);
  g_free (self);
}

/* ------------------------------------------------------------------ */
/* Replies                                                             */

static void
reply_clear (Reply *reply)
{
  if (reply->body != NULL)
    g_string_free (reply->body, TRUE);
  g_clear_pointer (&reply->headers, g_ptr_array_unref);
}

static void
reply_header (Reply *reply, const char *name, const char *value)
{
  if (reply->headers == NULL)
    reply->headers = g_ptr_array_new_with_free_func (g_free);
  g_ptr_array_add (reply->headers, g_strdup (name));
  g_ptr_array_add (reply->headers, g_strdup (value));
}

static void
reply_header_int (Reply *reply, const char *name, gint64 value)
{
  char buf[32];

  g_snprintf (buf, sizeof buf, "%" G_GINT64_FORMAT, value);
  reply_header (reply, name, buf);
}

G_GNUC_PRINTF (3, 4)
static void
reply_text (Reply *reply, guint status, const char *format, ...)
{
  va_list args;

  reply->status = status;
  reply->json = FALSE;
  if (reply->body == NULL)
    reply->body = g_string_new (NULL);
  g_string_truncate (reply->body, 0);
  va_start (args, format);
  g_string_append_vprintf (reply->body, format, args);
  va_end (args);
}

static void
reply_next_byte (Reply *reply, gint64 next_byte)
{
  reply_text (reply, SOUP_STATUS_OK, "{\"nextByte\": %" G_GINT64_FORMAT "}", next_byte);
  reply->json = TRUE;
}

static void
reply_file_id (Reply *reply, const char *file_id)
{
  reply_text (reply, SOUP_STATUS_OK, "{\"fileId\": \"");
  for (const char *p = file_id; *p != '\0'; p++)
    {
      if (*p == '"' || *p == '\\')
        g_string_append_c (reply->body, '\\');
      if ((guchar) *p < 0x20)
        g_string_append_printf (reply->body, "\\u%04x", (guint) (guchar) *p);
      else
        g_string_append_c (reply->body, *p);
    }
  g_string_append (reply->body, "\"}");
  reply->json = TRUE;
}

/* A delayed answer: the message is paused until a timeout on the server's
 * context, or until the client goes away. */
typedef struct
{
  SoupServerMessage *msg; /* not owned; carries this struct as data */
  GSource           *timeout;
  gboolean           finished;
} Delayed;

static void
delayed_free (gpointer data)
{
  Delayed *d = data;

  if (d->timeout != NULL)
    {
      g_source_destroy (d->timeout);
      g_source_unref (d->timeout);
    }
  g_free (d);
}

static gboolean
delayed_timeout_cb (gpointer user_data)
{
  Delayed *d = user_data;

  g_clear_pointer (&d->timeout, g_source_unref);
  if (!d->finished)
    soup_server_message_unpause (d->msg);
  return G_SOURCE_REMOVE;
}

static void
delayed_finished_cb (SoupServerMessage *msg, gpointer user_data)
{
  Delayed *d = user_data;

  d->finished = TRUE;
  if (d->timeout != NULL)
    {
      g_source_destroy (d->timeout);
      g_clear_pointer (&d->timeout, g_source_unref);
    }
  g_signal_handlers_disconnect_by_data (msg, d);
}

static void
reply_send (MeowTestServer *server, SoupServerMessage *msg, guint log_index, Reply *reply)
{
  SoupMessageHeaders *h = soup_server_message_get_response_headers (msg);
  gboolean            is_head = g_str_equal (soup_server_message_get_method (msg), "HEAD");

  soup_server_message_set_status (msg, reply->status, NULL);
  if (reply->headers != NULL)
    for (guint i = 0; i + 1 < reply->headers->len; i += 2)
      soup_message_headers_replace (h, g_ptr_array_index (reply->headers, i),
                                    g_ptr_array_index (reply->headers, i + 1));
  if (reply->body != NULL && reply->body->len > 0)
    soup_server_message_set_response (msg, reply->json ? "application/json" : "text/plain",
                                      SOUP_MEMORY_COPY, reply->body->str, reply->body->len);
  else if (!is_head && reply->status != SOUP_STATUS_NO_CONTENT)
    soup_message_headers_set_content_length (h, 0);
  _meow_test_server_log_set_status (server, log_index, reply->status);

  if (reply->delay_ms > 0)
    {
      Delayed *d = g_new0 (Delayed, 1);

      d->msg = msg;
      g_object_set_data_full (G_OBJECT (msg), "meow-test-delay", d, delayed_free);
      g_signal_connect (msg, "finished", G_CALLBACK (delayed_finished_cb), d);
      soup_server_message_pause (msg);
      d->timeout = g_timeout_source_new (reply->delay_ms);
      g_source_set_callback (d->timeout, delayed_timeout_cb, d, NULL);
      g_source_attach (d->timeout, _meow_test_server_get_context (server));
    }
}

/* ------------------------------------------------------------------ */
/* Default ("meow") protocol                                           */

static gboolean
parse_int64 (const char *text, gint64 *out)
{
  guint64 v = 0;

  if (text == NULL || text[0] == '\0' || strspn (text, "0123456789") != strlen (text))
    return FALSE;
  if (!g_ascii_string_to_unsigned (text, 10, 0, G_MAXINT64, &v, NULL))
    return FALSE;
  *out = (gint64) v;
  return TRUE;
}

static void
upload_open (MeowTestUpload *self, StoredUpload *su)
{
  if (su->open || su->file_id != NULL)
    return;
  su->open = TRUE;
  self->open++;
  self->peak_open = MAX (self->peak_open, self->open);
}

static void
upload_close (MeowTestUpload *self, StoredUpload *su)
{
  if (!su->open)
    return;
  su->open = FALSE;
  self->open--;
}

static StoredUpload *
upload_lookup_or_add (MeowTestUpload *self, const char *md5, gint64 total)
{
  StoredUpload *su = g_hash_table_lookup (self->uploads, md5);

  if (su == NULL)
    {
      su = g_new0 (StoredUpload, 1);
      su->data = g_byte_array_new ();
      su->total = total;
      g_hash_table_insert (self->uploads, g_strdup (md5), su);
    }
  return su;
}

/* Reads the form; fills @fields (name -> value) and the file part.
 * FALSE with an answer in @reply when the request is not a form. */
static gboolean
read_form (SoupServerMessage *msg,
           GHashTable        *fields,
           GBytes           **file,
           char             **file_name,
           char             **file_type,
           Reply             *reply)
{
  SoupMessageHeaders *req = soup_server_message_get_request_headers (msg);
  g_autoptr (GBytes) flat = soup_message_body_flatten (soup_server_message_get_request_body (msg));
  SoupMultipart *multipart = soup_multipart_new_from_message (req, flat);

  if (multipart == NULL)
    {
      reply_text (reply, SOUP_STATUS_BAD_REQUEST,
                  "The request is not multipart/form-data (Content-Type: %s).",
                  soup_message_headers_get_one (req, "Content-Type") ?: "none");
      return FALSE;
    }

  for (int i = 0; i < soup_multipart_get_length (multipart); i++)
    {
      SoupMessageHeaders *ph = NULL;
      GBytes             *pb = NULL;
      g_autofree char    *disposition = NULL;
      GHashTable         *params = NULL;
      const char         *name;

      if (!soup_multipart_get_part (multipart, i, &ph, &pb))
        continue;
      if (!soup_message_headers_get_content_disposition (ph, &disposition, &params))
        continue;
      name = g_hash_table_lookup (params, "name");
      if (name != NULL && g_str_equal (name, "file"))
        {
          g_clear_pointer (file, g_bytes_unref);
          *file = g_bytes_ref (pb);
          g_free (*file_name);
          *file_name = g_strdup (g_hash_table_lookup (params, "filename"));
          g_free (*file_type);
          *file_type = g_strdup (soup_message_headers_get_content_type (ph, NULL));
        }
      else if (name != NULL)
        {
          gsize       len;
          const char *data = g_bytes_get_data (pb, &len);

          g_hash_table_replace (fields, g_strdup (name), g_strndup (data ? data : "", len));
        }
      g_hash_table_destroy (params);
    }
  soup_multipart_free (multipart);
  return TRUE;
}

/* Called with the mutex held. */
static void
meow_prepare (MeowTestUpload *self, const char *md5, gint64 total, Reply *reply)
{
  MeowTestUploadFaults *f = &self->faults;
  StoredUpload         *su;

  self->prepares++;
  if (f->prepare_error_count > 0)
    {
      f->prepare_error_count--;
      reply_text (reply, f->prepare_error_status ? f->prepare_error_status : 500,
                  "Prepare refused by the test server's fault knob.");
      return;
    }
  if (f->prepare_not_json > 0)
    {
      f->prepare_not_json--;
      reply_text (reply, SOUP_STATUS_OK, "not-json");
      return;
    }
  if (f->prepare_file_id != NULL)
    {
      reply_file_id (reply, f->prepare_file_id);
      return;
    }

  su = upload_lookup_or_add (self, md5, total);
  if (su->file_id != NULL)
    {
      reply_file_id (reply, su->file_id);
      return;
    }
  if (su->total != total)
    {
      /* Another size under the same hash: start over. */
      g_byte_array_set_size (su->data, 0);
      su->total = total;
      su->md5_checked = FALSE;
      su->md5_ok = FALSE;
    }
  upload_open (self, su);
  reply_next_byte (reply, su->data->len);
}

/* Called with the mutex held. */
static void
meow_chunk (MeowTestUpload *self,
            const char     *md5,
            gint64          total,
            GHashTable     *fields,
            GBytes         *file,
            const char     *file_name,
            const char     *file_type,
            Reply          *reply)
{
  MeowTestUploadChunk *entry = g_new0 (MeowTestUploadChunk, 1);
  StoredUpload        *su;
  gint64               offset = -1, part_size = -1;
  gsize                len = file ? g_bytes_get_size (file) : 0;
  gint64               stored;

  self->chunks++;
  entry->file_md5 = g_strdup (md5);
  entry->time_us = g_get_monotonic_time ();
  entry->length = len;
  g_ptr_array_add (self->chunk_log, entry);
  reply->delay_ms = self->faults.chunk_delay_ms;

  if (!parse_int64 (g_hash_table_lookup (fields, "offset"), &offset) ||
      !parse_int64 (g_hash_table_lookup (fields, "partSize"), &part_size))
    {
      reply_text (reply, SOUP_STATUS_BAD_REQUEST, "A chunk needs numeric offset and partSize.");
      return;
    }
  entry->offset = offset;
  entry->part_size = part_size;
  if (file == NULL)
    {
      reply_text (reply, SOUP_STATUS_BAD_REQUEST, "A chunk needs a \"file\" part.");
      return;
    }
  if (g_strcmp0 (file_name, "upload_chunk_data") != 0 ||
      g_strcmp0 (file_type, "application/octet-stream") != 0)
    {
      reply_text (reply, SOUP_STATUS_BAD_REQUEST,
                  "The file part must be upload_chunk_data, application/octet-stream (got %s, %s).",
                  file_name ?: "no filename", file_type ?: "no type");
      return;
    }
  if (part_size != (gint64) len)
    {
      reply_text (reply, SOUP_STATUS_BAD_REQUEST,
                  "partSize %" G_GINT64_FORMAT " does not match the %" G_GSIZE_FORMAT
                  " bytes sent.",
                  part_size, len);
      return;
    }

  su = upload_lookup_or_add (self, md5, total);
  if (su->file_id != NULL)
    {
      reply_file_id (reply, su->file_id);
      return;
    }
  upload_open (self, su);
  stored = su->data->len;
  if (self->faults.stalled)
    {
      reply_next_byte (reply, offset);
      return;
    }
  if (offset != stored)
    {
      reply_next_byte (reply, stored);
      return;
    }
  if (stored + (gint64) len > su->total)
    {
      reply_text (reply, SOUP_STATUS_BAD_REQUEST,
                  "The chunk at %" G_GINT64_FORMAT " with %" G_GSIZE_FORMAT
                  " bytes runs past totalSize %" G_GINT64_FORMAT ".",
                  offset, len, su->total);
      return;
    }

  g_byte_array_append (su->data, g_bytes_get_data (file, NULL), len);
  entry->stored = TRUE;
  stored = su->data->len;

  if (stored == su->total)
    {
      g_autofree char *got = g_compute_checksum_for_data (G_CHECKSUM_MD5, su->data->data, stored);

      su->md5_checked = TRUE;
      su->md5_ok = g_ascii_strcasecmp (got, md5) == 0;
      upload_close (self, su);
      if (!su->md5_ok)
        {
          reply_text (reply, 422,
                      "MD5 mismatch: fileMd5 is %s but the %" G_GINT64_FORMAT
                      " bytes received hash to %s.",
                      md5, stored, got);
          return;
        }
      su->file_id = g_strdup_printf ("%s-%" G_GINT64_FORMAT, got, stored);
      reply_file_id (reply, su->file_id);
      return;
    }
  reply_next_byte (reply, stored);
}

static void
handle_meow (MeowTestUpload *self, SoupServerMessage *msg, Reply *reply)
{
  g_autoptr (GHashTable) fields = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_autoptr (GBytes) file = NULL;
  g_autofree char *file_name = NULL;
  g_autofree char *file_type = NULL;
  gboolean         is_form;
  const char      *md5;
  gint64           total = -1;

  is_form = read_form (msg, fields, &file, &file_name, &file_type, reply);

  g_mutex_lock (&self->mutex);
  self->posts++;
  if (self->faults.fail_post_nth > 0 && self->posts == self->faults.fail_post_nth)
    {
      self->faults.fail_post_nth = 0;
      if (is_form && file != NULL)
        self->chunks++;
      else if (is_form)
        self->prepares++;
      reply_text (reply, self->faults.fail_post_status ? self->faults.fail_post_status : 500,
                  "Request %u refused by the test server's fault knob.", self->posts);
      g_mutex_unlock (&self->mutex);
      return;
    }
  if (!is_form)
    {
      g_mutex_unlock (&self->mutex);
      return;
    }

  md5 = g_hash_table_lookup (fields, "fileMd5");
  if (md5 == NULL || md5[0] == '\0' || g_hash_table_lookup (fields, "fileName") == NULL ||
      g_hash_table_lookup (fields, "category") == NULL ||
      !parse_int64 (g_hash_table_lookup (fields, "totalSize"), &total))
    {
      reply_text (reply, SOUP_STATUS_BAD_REQUEST,
                  "fileMd5, fileName, category and a numeric totalSize are required.");
      if (file != NULL)
        self->chunks++;
      else
        self->prepares++;
    }
  else if (file == NULL && g_hash_table_lookup (fields, "offset") == NULL)
    meow_prepare (self, md5, total, reply);
  else
    meow_chunk (self, md5, total, fields, file, file_name, file_type, reply);
  g_mutex_unlock (&self->mutex);
}

/* ------------------------------------------------------------------ */
/* tus 1.0                                                             */

static const char *
path_of (const char *url)
{
  const char *p = strstr (url, "://");

  if (p == NULL)
    return url;
  p = strchr (p + 3, '/');
  return p != NULL ? p : "/";
}

/* Called with the mutex held. */
static TusResource *
tus_create (MeowTestUpload *self, const char *base, gint64 length, const char *metadata)
{
  TusResource *r = g_new0 (TusResource, 1);

  self->tus_created++;
  r->path = g_strdup_printf ("%su%u", base, self->tus_created);
  r->data = g_byte_array_new ();
  r->length = length;
  r->metadata = g_strdup (metadata);
  g_hash_table_insert (self->tus, r->path, r);
  return r;
}

static void
handle_tus (MeowTestUpload    *self,
            MeowTestServer    *server,
            SoupServerMessage *msg,
            const char        *base,
            const char        *path,
            Reply             *reply)
{
  SoupMessageHeaders *req = soup_server_message_get_request_headers (msg);
  const char         *method = soup_server_message_get_method (msg);
  const char         *resumable = soup_message_headers_get_one (req, "Tus-Resumable");
  gboolean            collection;
  TusResource        *r;

  reply_header (reply, "Tus-Resumable", TUS_VERSION);
  collection = g_str_equal (path, base) ||
               (strlen (path) + 1 == strlen (base) && strncmp (path, base, strlen (path)) == 0);

  if (g_str_equal (method, "OPTIONS"))
    {
      reply->status = SOUP_STATUS_NO_CONTENT;
      reply_header (reply, "Tus-Version", TUS_VERSION);
      reply_header (reply, "Tus-Extension", "creation,termination");
      return;
    }
  if (g_strcmp0 (resumable, TUS_VERSION) != 0)
    {
      reply_header (reply, "Tus-Version", TUS_VERSION);
      reply_text (reply, SOUP_STATUS_PRECONDITION_FAILED, "Tus-Resumable: %s is required.",
                  TUS_VERSION);
      return;
    }

  if (self->faults.tus_error_count > 0)
    {
      self->faults.tus_error_count--;
      reply_text (reply, self->faults.tus_error_status ? self->faults.tus_error_status : 500,
                  "Error forced by the test server's fault knob.");
      return;
    }

  if (collection)
    {
      gint64 length = -1;

      if (!g_str_equal (method, "POST"))
        {
          reply_text (reply, SOUP_STATUS_METHOD_NOT_ALLOWED, "Create uploads with POST.");
          return;
        }
      if (!parse_int64 (soup_message_headers_get_one (req, "Upload-Length"), &length))
        {
          reply_text (reply, SOUP_STATUS_BAD_REQUEST, "A numeric Upload-Length is required.");
          return;
        }
      g_mutex_lock (&self->mutex);
      r = tus_create (self, base, length, soup_message_headers_get_one (req, "Upload-Metadata"));
      {
        g_autofree char *location = meow_test_server_dup_url (server, r->path);

        reply_header (reply, "Location", location);
      }
      reply_header_int (reply, "Upload-Offset", 0);
      g_mutex_unlock (&self->mutex);
      reply->status = SOUP_STATUS_CREATED;
      /* Like every answer it says Connection: close (the server's
       * announce_close_cb()): otherwise the first PATCH sometimes finds
       * this connection reset before the server reads a byte, and a test
       * of what the server received from a broken-off PATCH would see
       * nothing. */
      return;
    }

  g_mutex_lock (&self->mutex);
  r = g_hash_table_lookup (self->tus, path);
  if (r == NULL || r->deleted)
    {
      g_mutex_unlock (&self->mutex);
      reply_text (reply, SOUP_STATUS_NOT_FOUND, "No upload at %s.", path);
      return;
    }

  if (g_str_equal (method, "HEAD"))
    {
      reply->status = SOUP_STATUS_OK;
      reply_header_int (reply, "Upload-Offset", r->data->len);
      reply_header_int (reply, "Upload-Length", r->length);
      reply_header (reply, "Cache-Control", "no-store");
      if (r->metadata != NULL)
        reply_header (reply, "Upload-Metadata", r->metadata);
    }
  else if (g_str_equal (method, "PATCH"))
    {
      const char *type = soup_message_headers_get_content_type (req, NULL);
      gint64      offset = -1;
      g_autoptr (GBytes) body = NULL;
      gsize len;

      StreamedPatch *sp = g_object_get_data (G_OBJECT (msg), STREAMED_PATCH_KEY);

      reply->delay_ms = self->faults.chunk_delay_ms;
      if (sp != NULL)
        {
          /* Checked when its headers came, stored as it arrived. (A
           * dropped one can get here when libsoup had read its whole body
           * already; the answer goes nowhere.) */
          sp->answered = !sp->dropped;
          if (sp->broken || sp->dropped)
            reply_text (reply, SOUP_STATUS_CONFLICT,
                        "The upload changed while this PATCH was being stored.");
          else
            {
              reply->status = SOUP_STATUS_NO_CONTENT;
              reply_header_int (reply, "Upload-Offset", r->data->len);
            }
        }
      else if (g_strcmp0 (type, "application/offset+octet-stream") != 0)
        reply_text (reply, SOUP_STATUS_UNSUPPORTED_MEDIA_TYPE,
                    "PATCH needs Content-Type: application/offset+octet-stream (got %s).",
                    type ?: "none");
      else if (!parse_int64 (soup_message_headers_get_one (req, "Upload-Offset"), &offset))
        reply_text (reply, SOUP_STATUS_BAD_REQUEST, "A numeric Upload-Offset is required.");
      else if (self->faults.tus_max_body > 0 &&
               soup_message_headers_get_content_length (req) > self->faults.tus_max_body)
        reply_text (reply, SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE,
                    "Request bodies may be %" G_GINT64_FORMAT " bytes at most.",
                    self->faults.tus_max_body);
      else if (self->faults.tus_conflict_patches > 0)
        {
          self->faults.tus_conflict_patches--;
          reply_text (reply, SOUP_STATUS_CONFLICT,
                      "Conflict forced by the test server's fault knob.");
        }
      else if (offset != (gint64) r->data->len)
        reply_text (reply, SOUP_STATUS_CONFLICT,
                    "Upload-Offset %" G_GINT64_FORMAT " but the upload holds %u bytes.", offset,
                    r->data->len);
      else
        {
          body = soup_message_body_flatten (soup_server_message_get_request_body (msg));
          len = g_bytes_get_size (body);
          if (offset + (gint64) len > r->length)
            reply_text (reply, SOUP_STATUS_BAD_REQUEST,
                        "%" G_GSIZE_FORMAT " bytes at %" G_GINT64_FORMAT
                        " run past Upload-Length %" G_GINT64_FORMAT ".",
                        len, offset, r->length);
          else
            {
              g_byte_array_append (r->data, g_bytes_get_data (body, NULL), len);
              reply->status = SOUP_STATUS_NO_CONTENT;
              reply_header_int (reply, "Upload-Offset", r->data->len);
            }
        }
    }
  else if (g_str_equal (method, "DELETE"))
    {
      r->deleted = TRUE;
      self->tus_deletes++;
      reply->status = SOUP_STATUS_NO_CONTENT;
    }
  else
    reply_text (reply, SOUP_STATUS_METHOD_NOT_ALLOWED, "%s is not a tus method.", method);
  g_mutex_unlock (&self->mutex);
}

/* ------------------------------------------------------------------ */
/* Dispatch                                                            */

gboolean
_meow_test_upload_handle (MeowTestServer    *server,
                          SoupServerMessage *msg,
                          const char        *path,
                          guint              log_index)
{
  MeowTestUpload  *self = _meow_test_server_get_upload (server);
  g_autofree char *base = NULL;
  EndpointKind     kind = ENDPOINT_MEOW;
  Reply            reply = {
               0,
  };

  g_mutex_lock (&self->mutex);
  for (guint i = 0; i < self->endpoints->len && base == NULL; i++)
    {
      Endpoint *ep = g_ptr_array_index (self->endpoints, i);
      gsize     n = strlen (ep->path);

      if (ep->kind == ENDPOINT_MEOW && g_str_equal (path, ep->path))
        base = g_strdup (ep->path);
      else if (ep->kind == ENDPOINT_TUS &&
               (g_str_has_prefix (path, ep->path) ||
                (strlen (path) + 1 == n && strncmp (path, ep->path, n - 1) == 0)))
        base = g_strdup (ep->path);
      if (base != NULL)
        kind = ep->kind;
    }
  g_mutex_unlock (&self->mutex);
  if (base == NULL)
    return FALSE;

  if (kind == ENDPOINT_MEOW)
    handle_meow (self, msg, &reply);
  else
    handle_tus (self, server, msg, base, path, &reply);
  if (reply.status == 0)
    reply_text (&reply, SOUP_STATUS_INTERNAL_SERVER_ERROR, "The test server did not answer.");
  reply_send (server, msg, log_index, &reply);
  reply_clear (&reply);
  return TRUE;
}

/* ------------------------------------------------------------------ */
/* tus PATCH bodies as they arrive                                     */

/* Counts @sp as broken off once, if it was never answered. */
static void
streamed_patch_count_broken (StreamedPatch *sp)
{
  MeowTestUpload *self = _meow_test_server_get_upload (sp->server);

  if (sp->answered || sp->counted)
    return;
  sp->counted = TRUE;
  g_mutex_lock (&self->mutex);
  self->tus_broken_patches++;
  g_mutex_unlock (&self->mutex);
}

static void
streamed_patch_free (gpointer data)
{
  StreamedPatch *sp = data;

  /* a message libsoup dropped without finishing it */
  streamed_patch_count_broken (sp);
  g_free (sp->path);
  g_free (sp);
}

/* The message's I/O ended: answered, or broken off without a whole body. */
static void
patch_finished_cb (SoupServerMessage *msg, gpointer user_data)
{
  StreamedPatch *sp = g_object_get_data (G_OBJECT (msg), STREAMED_PATCH_KEY);

  if (sp != NULL)
    streamed_patch_count_broken (sp);
}

/* Server thread: a PATCH to a tus resource that the handler would store
 * (same checks, same order) is stored from here on as it arrives. */
static void
patch_got_headers_cb (SoupServerMessage *msg, gpointer user_data)
{
  MeowTestServer     *server = user_data;
  MeowTestUpload     *self = _meow_test_server_get_upload (server);
  SoupMessageHeaders *req = soup_server_message_get_request_headers (msg);
  const char         *path = g_uri_get_path (soup_server_message_get_uri (msg));
  const char         *type = soup_message_headers_get_content_type (req, NULL);
  gint64              offset = -1;
  gint64              length = soup_message_headers_get_content_length (req);
  gboolean            tus = FALSE;
  TusResource        *r;

  if (!g_str_equal (soup_server_message_get_method (msg), "PATCH") ||
      g_strcmp0 (soup_message_headers_get_one (req, "Tus-Resumable"), TUS_VERSION) != 0 ||
      g_strcmp0 (type, "application/offset+octet-stream") != 0 ||
      !parse_int64 (soup_message_headers_get_one (req, "Upload-Offset"), &offset))
    return;

  g_mutex_lock (&self->mutex);
  for (guint i = 0; i < self->endpoints->len && !tus; i++)
    {
      Endpoint *ep = g_ptr_array_index (self->endpoints, i);

      tus = ep->kind == ENDPOINT_TUS && g_str_has_prefix (path, ep->path) &&
            !g_str_equal (path, ep->path);
    }
  r = tus ? g_hash_table_lookup (self->tus, path) : NULL;
  if (r != NULL && !r->deleted && self->faults.tus_conflict_patches == 0 &&
      (self->faults.tus_max_body <= 0 || length <= self->faults.tus_max_body) &&
      offset == (gint64) r->data->len && offset + length <= r->length)
    {
      StreamedPatch *sp = g_new0 (StreamedPatch, 1);

      sp->server = server;
      sp->path = g_strdup (path);
      sp->next = offset;
      sp->drop_after = -1;
      if (self->faults.tus_drop_patches > 0)
        {
          self->faults.tus_drop_patches--;
          sp->drop_after = self->faults.tus_drop_after;
        }
      g_object_set_data_full (G_OBJECT (msg), STREAMED_PATCH_KEY, sp, streamed_patch_free);
    }
  g_mutex_unlock (&self->mutex);
}

static void
patch_got_chunk_cb (SoupServerMessage *msg, GBytes *chunk, gpointer user_data)
{
  MeowTestUpload *self = _meow_test_server_get_upload (user_data);
  StreamedPatch  *sp = g_object_get_data (G_OBJECT (msg), STREAMED_PATCH_KEY);
  gsize           len;
  const guint8   *data = g_bytes_get_data (chunk, &len);
  TusResource    *r;

  if (sp == NULL || sp->broken || sp->dropped)
    return;
  if (sp->drop_after >= 0)
    len = (gsize) MIN ((gint64) len, sp->drop_after - sp->stored);

  g_mutex_lock (&self->mutex);
  r = g_hash_table_lookup (self->tus, sp->path);
  if (r == NULL || r->deleted || (gint64) r->data->len != sp->next)
    sp->broken = TRUE;
  else
    {
      g_byte_array_append (r->data, data, (guint) len);
      sp->next += (gint64) len;
      sp->stored += (gint64) len;
    }
  g_mutex_unlock (&self->mutex);

  if (sp->drop_after >= 0 && sp->stored >= sp->drop_after)
    {
      /* Like a server that dies mid-request: no answer, the connection
       * goes away (libsoup sees the end of the body missing). */
      sp->dropped = TRUE;
      streamed_patch_count_broken (sp);
      _meow_test_server_drop_connection (sp->server, msg);
    }
}

static void
request_started_cb (SoupServer *soup, SoupServerMessage *msg, gpointer user_data)
{
  g_signal_connect (msg, "got-headers", G_CALLBACK (patch_got_headers_cb), user_data);
  g_signal_connect (msg, "got-chunk", G_CALLBACK (patch_got_chunk_cb), user_data);
  g_signal_connect (msg, "finished", G_CALLBACK (patch_finished_cb), user_data);
}

void
_meow_test_upload_attach (MeowTestServer *server, SoupServer *soup)
{
  g_signal_connect (soup, "request-started", G_CALLBACK (request_started_cb), server);
}

/* ------------------------------------------------------------------ */
/* Public API                                                          */

static void
add_endpoint (MeowTestServer *server, const char *path, EndpointKind kind)
{
  MeowTestUpload *self = _meow_test_server_get_upload (server);
  Endpoint       *ep = g_new0 (Endpoint, 1);

  ep->path = g_strdup (path);
  ep->kind = kind;
  g_mutex_lock (&self->mutex);
  g_ptr_array_add (self->endpoints, ep);
  g_mutex_unlock (&self->mutex);
}

void
meow_test_server_add_upload_endpoint (MeowTestServer *server, const char *path)
{
  g_return_if_fail (path != NULL && path[0] == '/');

  add_endpoint (server, path, ENDPOINT_MEOW);
}

void
meow_test_server_add_tus_endpoint (MeowTestServer *server, const char *base)
{
  g_return_if_fail (base != NULL && base[0] == '/' && g_str_has_suffix (base, "/"));

  add_endpoint (server, base, ENDPOINT_TUS);
}

void
meow_test_server_set_upload_faults (MeowTestServer *server, const MeowTestUploadFaults *faults)
{
  MeowTestUpload *self = _meow_test_server_get_upload (server);

  g_return_if_fail (faults != NULL);

  g_mutex_lock (&self->mutex);
  self->faults = *faults;
  g_free (self->prepare_file_id);
  self->prepare_file_id = g_strdup (faults->prepare_file_id);
  self->faults.prepare_file_id = self->prepare_file_id;
  self->posts = 0;
  g_mutex_unlock (&self->mutex);
}

void
meow_test_server_clear_upload_faults (MeowTestServer *server)
{
  MeowTestUploadFaults none = {
    0,
  };

  meow_test_server_set_upload_faults (server, &none);
}

GBytes *
meow_test_server_dup_upload_bytes (MeowTestServer *server, const char *file_md5)
{
  MeowTestUpload *self = _meow_test_server_get_upload (server);
  StoredUpload   *su;
  GBytes         *out = NULL;

  g_mutex_lock (&self->mutex);
  su = g_hash_table_lookup (self->uploads, file_md5);
  if (su != NULL)
    out = g_bytes_new (su->data->data, su->data->len);
  g_mutex_unlock (&self->mutex);
  return out;
}

gboolean
meow_test_server_upload_completed (MeowTestServer *server, const char *file_md5)
{
  MeowTestUpload *self = _meow_test_server_get_upload (server);
  StoredUpload   *su;
  gboolean        out;

  g_mutex_lock (&self->mutex);
  su = g_hash_table_lookup (self->uploads, file_md5);
  out = su != NULL && su->file_id != NULL && su->md5_ok;
  g_mutex_unlock (&self->mutex);
  return out;
}

gboolean
meow_test_server_upload_md5_ok (MeowTestServer *server, const char *file_md5)
{
  MeowTestUpload *self = _meow_test_server_get_upload (server);
  StoredUpload   *su;
  gboolean        out;

  g_mutex_lock (&self->mutex);
  su = g_hash_table_lookup (self->uploads, file_md5);
  out = su != NULL && su->md5_checked && su->md5_ok;
  g_mutex_unlock (&self->mutex);
  return out;
}

gboolean
meow_test_server_upload_md5_mismatch (MeowTestServer *server, const char *file_md5)
{
  MeowTestUpload *self = _meow_test_server_get_upload (server);
  StoredUpload   *su;
  gboolean        out;

  g_mutex_lock (&self->mutex);
  su = g_hash_table_lookup (self->uploads, file_md5);
  out = su != NULL && su->md5_checked && !su->md5_ok;
  g_mutex_unlock (&self->mutex);
  return out;
}

char *
meow_test_server_dup_upload_file_id (MeowTestServer *server, const char *file_md5)
{
  MeowTestUpload *self = _meow_test_server_get_upload (server);
  StoredUpload   *su;
  char           *out = NULL;

  g_mutex_lock (&self->mutex);
  su = g_hash_table_lookup (self->uploads, file_md5);
  if (su != NULL)
    out = g_strdup (su->file_id);
  g_mutex_unlock (&self->mutex);
  return out;
}

void
meow_test_server_set_upload_partial (MeowTestServer *server,
                                     const char     *file_md5,
                                     gint64          total_size,
                                     GBytes         *prefix)
{
  MeowTestUpload *self = _meow_test_server_get_upload (server);
  StoredUpload   *su;
  gsize           len = prefix ? g_bytes_get_size (prefix) : 0;

  g_return_if_fail (file_md5 != NULL);
  g_return_if_fail ((gint64) len <= total_size);

  g_mutex_lock (&self->mutex);
  su = upload_lookup_or_add (self, file_md5, total_size);
  su->total = total_size;
  g_byte_array_set_size (su->data, 0);
  if (len > 0)
    g_byte_array_append (su->data, g_bytes_get_data (prefix, NULL), len);
  g_mutex_unlock (&self->mutex);
}

guint
meow_test_server_count_upload_prepares (MeowTestServer *server)
{
  MeowTestUpload *self = _meow_test_server_get_upload (server);
  guint           n;

  g_mutex_lock (&self->mutex);
  n = self->prepares;
  g_mutex_unlock (&self->mutex);
  return n;
}

guint
meow_test_server_count_upload_chunks (MeowTestServer *server)
{
  MeowTestUpload *self = _meow_test_server_get_upload (server);
  guint           n;

  g_mutex_lock (&self->mutex);
  n = self->chunks;
  g_mutex_unlock (&self->mutex);
  return n;
}

guint
meow_test_server_get_open_uploads (MeowTestServer *server)
{
  MeowTestUpload *self = _meow_test_server_get_upload (server);
  guint           n;

  g_mutex_lock (&self->mutex);
  n = self->open;
  g_mutex_unlock (&self->mutex);
  return n;
}

guint
meow_test_server_get_peak_open_uploads (MeowTestServer *server)
{
  MeowTestUpload *self = _meow_test_server_get_upload (server);
  guint           n;

  g_mutex_lock (&self->mutex);
  n = self->peak_open;
  g_mutex_unlock (&self->mutex);
  return n;
}

GPtrArray *
meow_test_server_dup_upload_chunks (MeowTestServer *server)
{
  MeowTestUpload *self = _meow_test_server_get_upload (server);
  GPtrArray *out = g_ptr_array_new_with_free_func ((GDestroyNotify) meow_test_upload_chunk_free);

  g_mutex_lock (&self->mutex);
  for (guint i = 0; i < self->chunk_log->len; i++)
    {
      MeowTestUploadChunk *src = g_ptr_array_index (self->chunk_log, i);
      MeowTestUploadChunk *c = g_memdup2 (src, sizeof *src);

      c->file_md5 = g_strdup (src->file_md5);
      g_ptr_array_add (out, c);
    }
  g_mutex_unlock (&self->mutex);
  return out;
}

GBytes *
meow_test_server_dup_tus_bytes (MeowTestServer *server, const char *url)
{
  MeowTestUpload *self = _meow_test_server_get_upload (server);
  TusResource    *r;
  GBytes         *out = NULL;

  g_mutex_lock (&self->mutex);
  r = g_hash_table_lookup (self->tus, path_of (url));
  if (r != NULL)
    out = g_bytes_new (r->data->data, r->data->len);
  g_mutex_unlock (&self->mutex);
  return out;
}

gboolean
meow_test_server_tus_exists (MeowTestServer *server, const char *url)
{
  MeowTestUpload *self = _meow_test_server_get_upload (server);
  TusResource    *r;
  gboolean        out;

  g_mutex_lock (&self->mutex);
  r = g_hash_table_lookup (self->tus, path_of (url));
  out = r != NULL && !r->deleted;
  g_mutex_unlock (&self->mutex);
  return out;
}

void
meow_test_server_lose_tus_resources (MeowTestServer *server)
{
  MeowTestUpload *self = _meow_test_server_get_upload (server);
  GHashTableIter  iter;
  TusResource    *r;

  g_mutex_lock (&self->mutex);
  g_hash_table_iter_init (&iter, self->tus);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &r))
    r->deleted = TRUE;
  g_mutex_unlock (&self->mutex);
}

gboolean
meow_test_server_tus_deleted (MeowTestServer *server, const char *url)
{
  MeowTestUpload *self = _meow_test_server_get_upload (server);
  TusResource    *r;
  gboolean        out;

  g_mutex_lock (&self->mutex);
  r = g_hash_table_lookup (self->tus, path_of (url));
  out = r != NULL && r->deleted;
  g_mutex_unlock (&self->mutex);
  return out;
}

guint
meow_test_server_count_tus_deletes (MeowTestServer *server)
{
  MeowTestUpload *self = _meow_test_server_get_upload (server);
  guint           n;

  g_mutex_lock (&self->mutex);
  n = self->tus_deletes;
  g_mutex_unlock (&self->mutex);
  return n;
}

guint
meow_test_server_count_tus_broken_patches (MeowTestServer *server)
{
  MeowTestUpload *self = _meow_test_server_get_upload (server);
  guint           n;

  g_mutex_lock (&self->mutex);
  n = self->tus_broken_patches;
  g_mutex_unlock (&self->mutex);
  return n;
}

guint
meow_test_server_count_tus_resources (MeowTestServer *server)
{
  MeowTestUpload *self = _meow_test_server_get_upload (server);
  guint           n;

  g_mutex_lock (&self->mutex);
  n = self->tus_created;
  g_mutex_unlock (&self->mutex);
  return n;
}

char *
meow_test_server_add_tus_resource (MeowTestServer *server,
                                   const char     *base,
                                   gint64          length,
                                   GBytes         *prefix)
{
  MeowTestUpload  *self = _meow_test_server_get_upload (server);
  TusResource     *r;
  gsize            len = prefix ? g_bytes_get_size (prefix) : 0;
  g_autofree char *path = NULL;

  g_return_val_if_fail (base != NULL && g_str_has_suffix (base, "/"), NULL);
  g_return_val_if_fail ((gint64) len <= length, NULL);

  g_mutex_lock (&self->mutex);
  r = tus_create (self, base, length, NULL);
  if (len > 0)
    g_byte_array_append (r->data, g_bytes_get_data (prefix, NULL), len);
  path = g_strdup (r->path);
  g_mutex_unlock (&self->mutex);
  return meow_test_server_dup_url (server, path);
}

char *
meow_test_md5_bytes (GBytes *bytes)
{
  return g_compute_checksum_for_bytes (G_CHECKSUM_MD5, bytes);
}
