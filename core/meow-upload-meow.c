/* meow-upload-meow.c: the default ("meow") upload protocol
 *
 * Wire-compatible with rusty-cat's default protocol: every request is a
 * multipart/form-data request (POST unless the task sets a method) to the
 * task's URL with the text fields fileMd5, fileName, category and
 * totalSize; a chunk adds offset, partSize and a binary part "file"
 * (filename "upload_chunk_data"). Every 2xx answer is JSON
 * {"nextByte": n?, "fileId": s?}; an empty body means {}. A "fileId" means
 * the server has the whole file and becomes the completion payload.
 *
 * Pure: no I/O. The server's body is hostile input: it is parsed with
 * json-glib from its exact length and only quoted back (folded, truncated)
 * in error messages.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <json-glib/json-glib.h>
#include <math.h> /* isnan */
#include <string.h>

#include "meow-error.h"
#include "meow-http-private.h"
#include "meow-i18n-private.h"
#include "meow-upload-protocol-private.h"

/* Longest part of a server's unparsable body quoted in an error message. */
#define MAX_QUOTED_CHARS 200

/* What a 2xx answer said. */
typedef struct
{
  gboolean has_next_byte;
  gint64   next_byte; /* clamped to >= 0 */
  char    *file_id;   /* non-empty, or NULL */
} MeowReply;

static const char *
request_method (const MeowUploadState *state)
{
  return state->method != NULL && state->method[0] != '\0' ? state->method : "POST";
}

static void
add_common_fields (MeowUploadRequest *request, const MeowUploadState *state)
{
  char total[32];

  g_snprintf (total, sizeof total, "%" G_GINT64_FORMAT, state->total_size);
  _meow_upload_request_add_field (request, "fileMd5", state->file_md5);
  _meow_upload_request_add_field (request, "fileName", state->file_name);
  _meow_upload_request_add_field (request, "category", state->category);
  _meow_upload_request_add_field (request, "totalSize", total);
}

static MeowUploadRequest *
meow_build_prepare (const MeowUploadState *state)
{
  MeowUploadRequest *request;

  g_return_val_if_fail (state != NULL, NULL);

  request = _meow_upload_request_new (request_method (state), state->url);
  add_common_fields (request, state);
  return request;
}

static MeowUploadRequest *
meow_build_chunk (const MeowUploadState *state, gint64 length)
{
  MeowUploadRequest *request;
  char               number[32];

  g_return_val_if_fail (state != NULL, NULL);
  g_return_val_if_fail (length >= 0, NULL);

  request = _meow_upload_request_new (request_method (state), state->url);
  add_common_fields (request, state);
  g_snprintf (number, sizeof number, "%" G_GINT64_FORMAT, state->offset);
  _meow_upload_request_add_field (request, "offset", number);
  g_snprintf (number, sizeof number, "%" G_GINT64_FORMAT, length);
  _meow_upload_request_add_field (request, "partSize", number);
  request->file_part = g_strdup ("file");
  request->file_part_filename = g_strdup ("upload_chunk_data");
  request->body_offset = state->offset;
  request->body_length = length;
  return request;
}

static MeowUploadRequest *
meow_build_abort (const MeowUploadState *state)
{
  /* The default protocol has no abort request. */
  return NULL;
}

/* Returns: (transfer full): @data folded to one line of valid UTF-8, at
 * most MAX_QUOTED_CHARS characters, "…" marking a cut. */
static char *
quote_body (const char *data, gsize len)
{
  g_autofree char *valid = g_utf8_make_valid (data, (gssize) len);
  GString         *out = g_string_new (NULL);
  gboolean         space = FALSE;
  guint            chars = 0;

  for (const char *p = valid; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (g_unichar_isspace (c) || g_unichar_iscntrl (c))
        {
          space = out->len > 0;
          continue;
        }
      if (chars + (space ? 1 : 0) >= MAX_QUOTED_CHARS)
        {
          g_string_append (out, "…");
          break;
        }
      if (space)
        {
          g_string_append_c (out, ' ');
          chars++;
        }
      space = FALSE;
      g_string_append_unichar (out, c);
      chars++;
    }
  return g_string_free (out, FALSE);
}

static gboolean
parse_error (const MeowUploadState    *state,
             const MeowUploadResponse *response,
             const char               *why,
             GError                  **error)
{
  g_autofree char *url = _meow_redact_url (state->url);
  g_autofree char *quoted = NULL;
  const char      *data = NULL;
  gsize            len = 0;

  if (response->body != NULL)
    data = g_bytes_get_data (response->body, &len);
  quoted = quote_body (data != NULL ? data : "", data != NULL ? len : 0);
  /* Translators: the first %s is a URL, the second what is wrong with the reply (“not
   * JSON”, “nextByte is not an integer”), the third the reply itself. */
  g_set_error (error, MEOW_ERROR, MEOW_ERROR_RESPONSE_PARSE,
               _ ("The server at %s sent a reply that could not be read (%s): “%s”."), url, why,
               quoted);
  return FALSE;
}

/* Reads "nextByte": an integer, or a double with an integral value
 * (clamped to 0 .. G_MAXINT64). FALSE for anything else. */
static gboolean
read_next_byte (JsonNode *node, gint64 *out)
{
  GType type;

  if (JSON_NODE_TYPE (node) != JSON_NODE_VALUE)
    return FALSE;
  type = json_node_get_value_type (node);
  if (type == G_TYPE_INT64)
    {
      *out = MAX (json_node_get_int (node), 0);
      return TRUE;
    }
  if (type == G_TYPE_DOUBLE)
    {
      double d = json_node_get_double (node);

      /* Every double this large is integral; clamp it. */
      if (isnan (d))
        return FALSE;
      if (d >= 9223372036854775807.0)
        *out = G_MAXINT64;
      else if (d <= 0)
        {
          if (d > -9223372036854775807.0 && (double) (gint64) d != d)
            return FALSE;
          *out = 0;
        }
      else if ((double) (gint64) d != d)
        return FALSE;
      else
        *out = (gint64) d;
      return TRUE;
    }
  return FALSE;
}

/* Checks the status and reads the JSON body into @reply. A JSON null
 * member counts as absent (as rusty-cat's serde Option does). */
static gboolean
read_reply (const MeowUploadState    *state,
            const MeowUploadResponse *response,
            MeowReply                *reply,
            GError                  **error)
{
  g_autoptr (JsonParser) parser = NULL;
  const char *data = NULL;
  gsize       len = 0;
  gboolean    blank = TRUE;
  JsonNode   *root;
  JsonObject *object;
  JsonNode   *member;

  memset (reply, 0, sizeof *reply);

  if (response->status < 200 || response->status > 299)
    {
      g_autofree char *url = _meow_redact_url (state->url);

      g_propagate_error (error, _meow_upload_status_error (response, url));
      return FALSE;
    }

  if (response->body != NULL)
    data = g_bytes_get_data (response->body, &len);
  for (gsize i = 0; i < len; i++)
    if (!g_ascii_isspace (data[i]))
      {
        blank = FALSE;
        break;
      }
  if (blank)
    return TRUE;

  parser = json_parser_new_immutable ();
  if (!json_parser_load_from_data (parser, data, (gssize) len, NULL))
    /* Translators: this and the next three complete “could not be read (%s)”: what is
     * wrong with the server's reply. Keep nextByte and fileId (JSON member names). */
    return parse_error (state, response, _ ("not JSON"), error);
  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    return parse_error (state, response, _ ("not a JSON object"), error);
  object = json_node_get_object (root);

  member = json_object_get_member (object, "nextByte");
  if (member != NULL && !JSON_NODE_HOLDS_NULL (member))
    {
      if (!read_next_byte (member, &reply->next_byte))
        return parse_error (state, response, _ ("nextByte is not an integer"), error);
      reply->has_next_byte = TRUE;
    }

  member = json_object_get_member (object, "fileId");
  if (member != NULL && !JSON_NODE_HOLDS_NULL (member))
    {
      const char *id;

      if (JSON_NODE_TYPE (member) != JSON_NODE_VALUE ||
          json_node_get_value_type (member) != G_TYPE_STRING)
        return parse_error (state, response, _ ("fileId is not a string"), error);
      id = json_node_get_string (member);
      if (id != NULL && id[0] != '\0')
        reply->file_id = g_strdup (id);
    }
  return TRUE;
}

static void
set_complete (MeowUploadState *state, char *payload)
{
  state->complete = TRUE;
  state->offset = state->total_size;
  state->stalled_rounds = 0;
  g_free (state->payload);
  state->payload = payload;
}

static gboolean
meow_parse_prepare (MeowUploadState          *state,
                    const MeowUploadResponse *response,
                    MeowUploadNext           *next,
                    GError                  **error)
{
  MeowReply reply;

  g_return_val_if_fail (state != NULL, FALSE);
  g_return_val_if_fail (response != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!read_reply (state, response, &reply, error))
    return FALSE;

  if (reply.file_id != NULL)
    set_complete (state, reply.file_id);
  else
    state->offset = MIN (state->total_size, reply.has_next_byte ? reply.next_byte : 0);

  if (next != NULL)
    *next = MEOW_UPLOAD_NEXT_CHUNK;
  return TRUE;
}

static gboolean
meow_parse_chunk (MeowUploadState          *state,
                  const MeowUploadResponse *response,
                  gint64                    sent_length,
                  MeowUploadNext           *next,
                  GError                  **error)
{
  MeowReply reply;
  gint64    old_offset;
  gint64    new_offset;

  g_return_val_if_fail (state != NULL, FALSE);
  g_return_val_if_fail (response != NULL, FALSE);
  g_return_val_if_fail (sent_length >= 0, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!read_reply (state, response, &reply, error))
    return FALSE;

  if (next != NULL)
    *next = MEOW_UPLOAD_NEXT_CHUNK;

  if (reply.file_id != NULL)
    {
      set_complete (state, reply.file_id);
      return TRUE;
    }

  old_offset = state->offset;
  if (reply.has_next_byte)
    new_offset = reply.next_byte;
  else if (sent_length > G_MAXINT64 - old_offset)
    new_offset = G_MAXINT64;
  else
    new_offset = old_offset + sent_length;
  new_offset = MIN (state->total_size, new_offset);
  state->offset = new_offset;

  /* rusty-cat treats reaching the total as done. */
  if (new_offset >= state->total_size)
    {
      set_complete (state, NULL);
      return TRUE;
    }

  if (new_offset > old_offset)
    {
      state->stalled_rounds = 0;
      return TRUE;
    }

  state->stalled_rounds++;
  if (state->stalled_rounds >= MEOW_UPLOAD_MAX_STALLED_ROUNDS)
    {
      g_autofree char *url = _meow_redact_url (state->url);

      g_set_error (error, MEOW_ERROR, MEOW_ERROR_STALLED,
                   _ ("The server at %s keeps asking for byte %lld; giving up after %u rounds."),
                   url, (long long) new_offset, state->stalled_rounds);
      return FALSE;
    }
  return TRUE;
}

const MeowUploadProtocolVTable _meow_upload_protocol_meow = {
  .name = "meow",
  .build_prepare = meow_build_prepare,
  .parse_prepare = meow_parse_prepare,
  .build_chunk = meow_build_chunk,
  .parse_chunk = meow_parse_chunk,
  .build_abort = meow_build_abort,
};
