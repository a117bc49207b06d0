/* meow-upload-tus.c: the tus 1.0 resumable upload protocol (tus.io)
 *
 * Creation (POST with Upload-Length and Upload-Metadata), HEAD to learn the
 * server's Upload-Offset, PATCH with application/offset+octet-stream bodies
 * and termination (DELETE) on cancel. Every request carries
 * "Tus-Resumable: 1.0.0". Pure request builders and response parsers: the
 * engine performs the requests.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <string.h>

#include "meow-error.h"
#include "meow-http-private.h"
#include "meow-i18n-private.h"
#include "meow-upload-protocol-private.h"

#define TUS_VERSION "1.0.0"

static gboolean
status_is_success (guint status)
{
  return status >= 200 && status < 300;
}

static MeowUploadRequest *
tus_request_new (const char *method, const char *url)
{
  MeowUploadRequest *request = _meow_upload_request_new (method, url);

  _meow_upload_request_add_header (request, "Tus-Resumable", TUS_VERSION);
  return request;
}

/* Reads the Upload-Offset header: a non-negative decimal no greater than
 * the total size. FALSE + MEOW_ERROR_RESPONSE_PARSE otherwise. */
static gboolean
read_upload_offset (const MeowUploadState    *state,
                    const MeowUploadResponse *response,
                    const char               *url,
                    gint64                   *offset,
                    GError                  **error)
{
  const char      *value = g_hash_table_lookup (response->headers, "upload-offset");
  g_autofree char *redacted = NULL;
  g_autofree char *stripped = NULL;
  guint64          number = 0;

  if (value == NULL)
    {
      redacted = _meow_redact_url (url);
      g_set_error (error, MEOW_ERROR, MEOW_ERROR_RESPONSE_PARSE,
                   _ ("The tus server's answer for %s has no Upload-Offset header."), redacted);
      return FALSE;
    }

  stripped = g_strstrip (g_strdup (value));
  if (stripped[0] == '\0' || strspn (stripped, "0123456789") != strlen (stripped) ||
      !g_ascii_string_to_unsigned (stripped, 10, 0, (guint64) G_MAXINT64, &number, NULL) ||
      (gint64) number > state->total_size)
    {
      g_autofree char *quoted = _meow_quote_for_message (stripped);

      redacted = _meow_redact_url (url);
      g_set_error (error, MEOW_ERROR, MEOW_ERROR_RESPONSE_PARSE,
                   _ ("The tus server's answer for %s has an invalid Upload-Offset “%s” (the "
                      "upload has %lld bytes)."),
                   redacted, quoted, (long long) state->total_size);
      return FALSE;
    }

  *offset = (gint64) number;
  return TRUE;
}

static void
set_complete (MeowUploadState *state)
{
  state->complete = TRUE;
  state->offset = state->total_size;
  state->stalled_rounds = 0;
  g_free (state->payload);
  state->payload = g_strdup (state->upload_url);
}

/* The server answered 404 or 410 for our upload resource: it lost the
 * upload (restarted without its store, expired or removed it). Creating
 * it again would be a second upload of the same file that nobody asked
 * for, and the server may still hold the first one somewhere: fail,
 * clearly, and let the user decide. */
static void
set_upload_lost (const MeowUploadState *state, const MeowUploadResponse *response, GError **error)
{
  g_autofree char *redacted = _meow_redact_url (state->upload_url);

  /* Translators: the first %s is the upload's URL, %u the HTTP status (404 or 410), the
   * second %s its English reason phrase (“Not Found” or “Gone”). */
  g_set_error (error, MEOW_ERROR, MEOW_ERROR_UPLOAD_LOST,
               _ ("The upload server no longer has the upload %s (it answered %u %s), so the "
                  "file was not sent again by itself; add the file again to start a new upload."),
               redacted, response->status, response->status == 404 ? "Not Found" : "Gone");
}

static MeowUploadRequest *
tus_build_prepare (const MeowUploadState *state)
{
  MeowUploadRequest *request;
  char               length[G_ASCII_DTOSTR_BUF_SIZE];

  if (state->upload_url != NULL)
    return tus_request_new ("HEAD", state->upload_url);

  request = tus_request_new ("POST", state->url);
  g_snprintf (length, sizeof length, "%" G_GINT64_FORMAT, state->total_size);
  _meow_upload_request_add_header (request, "Upload-Length", length);
  if (state->file_name != NULL && state->file_name[0] != '\0')
    {
      g_autofree char *encoded =
          g_base64_encode ((const guchar *) state->file_name, strlen (state->file_name));
      g_autofree char *metadata = g_strconcat ("filename ", encoded, NULL);

      _meow_upload_request_add_header (request, "Upload-Metadata", metadata);
    }
  return request;
}

static gboolean
tus_parse_creation (MeowUploadState *state, const MeowUploadResponse *response, GError **error)
{
  const char      *location;
  g_autofree char *stripped = NULL;
  g_autofree char *resolved = NULL;
  g_autoptr (GError) local_error = NULL;

  if (!status_is_success (response->status))
    {
      g_autofree char *redacted = _meow_redact_url (state->url);

      g_propagate_error (error, _meow_upload_status_error (response, redacted));
      return FALSE;
    }

  location = g_hash_table_lookup (response->headers, "location");
  if (location != NULL)
    stripped = g_strstrip (g_strdup (location));
  if (stripped == NULL || stripped[0] == '\0')
    {
      g_autofree char *redacted = _meow_redact_url (state->url);

      g_set_error (error, MEOW_ERROR, MEOW_ERROR_RESPONSE_PARSE,
                   _ ("The tus server at %s created the upload without a Location header."),
                   redacted);
      return FALSE;
    }

  resolved = g_uri_resolve_relative (state->url, stripped, G_URI_FLAGS_ENCODED, &local_error);
  if (resolved != NULL && g_ascii_strncasecmp (resolved, "http://", 7) != 0 &&
      g_ascii_strncasecmp (resolved, "https://", 8) != 0)
    g_clear_pointer (&resolved, g_free); /* an upload resource is http(s), nothing else */
  if (resolved == NULL)
    {
      g_autofree char *redacted = _meow_redact_url (state->url);
      g_autofree char *location_redacted = _meow_redact_url (stripped);
      g_autofree char *quoted = _meow_quote_for_message (location_redacted);

      /* Not GUri's message: it quotes the server's bytes as they are. */
      g_set_error (error, MEOW_ERROR, MEOW_ERROR_RESPONSE_PARSE,
                   _ ("The tus server at %s answered with an unusable Location “%s”."), redacted,
                   quoted);
      return FALSE;
    }

  g_free (state->upload_url);
  state->upload_url = g_steal_pointer (&resolved);
  state->offset = 0;
  state->complete = FALSE;
  if (state->total_size == 0)
    set_complete (state);
  return TRUE;
}

static gboolean
tus_parse_head (MeowUploadState          *state,
                const MeowUploadResponse *response,
                MeowUploadNext           *next,
                GError                  **error)
{
  gint64 offset = 0;

  if (response->status == 404 || response->status == 410)
    {
      set_upload_lost (state, response, error);
      return FALSE;
    }

  if (!status_is_success (response->status))
    {
      g_autofree char *redacted = _meow_redact_url (state->upload_url);

      g_propagate_error (error, _meow_upload_status_error (response, redacted));
      return FALSE;
    }

  if (!read_upload_offset (state, response, state->upload_url, &offset, error))
    return FALSE;

  state->offset = offset;
  state->complete = FALSE;
  if (offset == state->total_size)
    set_complete (state);
  return TRUE;
}

static gboolean
tus_parse_prepare (MeowUploadState          *state,
                   const MeowUploadResponse *response,
                   MeowUploadNext           *next,
                   GError                  **error)
{
  *next = MEOW_UPLOAD_NEXT_CHUNK;

  /* No upload resource yet: this answers the creation POST. */
  if (state->upload_url == NULL)
    return tus_parse_creation (state, response, error);
  return tus_parse_head (state, response, next, error);
}

static MeowUploadRequest *
tus_build_chunk (const MeowUploadState *state, gint64 length)
{
  MeowUploadRequest *request;
  char               offset[G_ASCII_DTOSTR_BUF_SIZE];

  g_return_val_if_fail (state->upload_url != NULL, NULL);

  request = tus_request_new ("PATCH", state->upload_url);
  g_snprintf (offset, sizeof offset, "%" G_GINT64_FORMAT, state->offset);
  _meow_upload_request_add_header (request, "Content-Type", "application/offset+octet-stream");
  _meow_upload_request_add_header (request, "Upload-Offset", offset);
  request->body_offset = state->offset;
  request->body_length = length;
  return request;
}

static gboolean
tus_parse_chunk (MeowUploadState          *state,
                 const MeowUploadResponse *response,
                 gint64                    sent_length,
                 MeowUploadNext           *next,
                 GError                  **error)
{
  gint64 new_offset = 0;
  gint64 old_offset = state->offset;

  *next = MEOW_UPLOAD_NEXT_CHUNK;

  if (response->status == 409)
    {
      /* Offset mismatch: re-read the server's offset with HEAD. */
      *next = MEOW_UPLOAD_NEXT_PREPARE;
      return TRUE;
    }

  if (response->status == 404 || response->status == 410)
    {
      set_upload_lost (state, response, error);
      return FALSE;
    }

  if (!status_is_success (response->status))
    {
      g_autofree char *redacted = _meow_redact_url (state->upload_url);

      g_propagate_error (error, _meow_upload_status_error (response, redacted));
      return FALSE;
    }

  if (!read_upload_offset (state, response, state->upload_url, &new_offset, error))
    return FALSE;

  if (new_offset > old_offset)
    {
      state->offset = new_offset;
      state->stalled_rounds = 0;
      if (new_offset == state->total_size)
        set_complete (state);
      return TRUE;
    }

  /* The server did not take any byte (or went back: its offset is
   * authoritative, so resend from there). */
  state->stalled_rounds++;
  if (state->stalled_rounds >= MEOW_UPLOAD_MAX_STALLED_ROUNDS)
    {
      g_autofree char *redacted = _meow_redact_url (state->upload_url);

      g_set_error (error, MEOW_ERROR, MEOW_ERROR_STALLED,
                   _ ("The tus server at %s keeps answering Upload-Offset %lld; giving up after "
                      "%u rounds."),
                   redacted, (long long) new_offset, state->stalled_rounds);
      return FALSE;
    }
  state->offset = new_offset;
  return TRUE;
}

static MeowUploadRequest *
tus_build_abort (const MeowUploadState *state)
{
  if (state->upload_url == NULL)
    return NULL;
  return tus_request_new ("DELETE", state->upload_url);
}

const MeowUploadProtocolVTable _meow_upload_protocol_tus = {
  .name = "tus",
  .build_prepare = tus_build_prepare,
  .parse_prepare = tus_parse_prepare,
  .build_chunk = tus_build_chunk,
  .parse_chunk = tus_parse_chunk,
  .build_abort = tus_build_abort,
};
