/* meow-upload-protocol.c: helpers shared by the upload protocols
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "meow-error.h"
#include "meow-upload-protocol-private.h"

static void
form_field_free (MeowFormField *field)
{
  g_free (field->name);
  g_free (field->value);
  g_free (field);
}

/* Returns: (transfer full): an empty request without a body. */
MeowUploadRequest *
_meow_upload_request_new (const char *method, const char *url)
{
  MeowUploadRequest *request = g_new0 (MeowUploadRequest, 1);

  request->method = g_strdup (method);
  request->url = g_strdup (url);
  request->headers = g_ptr_array_new_with_free_func (g_free);
  request->body_offset = 0;
  request->body_length = -1;
  return request;
}

void
_meow_upload_request_add_header (MeowUploadRequest *request, const char *name, const char *value)
{
  g_ptr_array_add (request->headers, g_strdup_printf ("%s: %s", name, value));
}

/* Adds a multipart text field, turning the request into a form. */
void
_meow_upload_request_add_field (MeowUploadRequest *request, const char *name, const char *value)
{
  MeowFormField *field = g_new0 (MeowFormField, 1);

  if (request->form == NULL)
    request->form = g_ptr_array_new_with_free_func ((GDestroyNotify) form_field_free);
  field->name = g_strdup (name);
  field->value = g_strdup (value ? value : "");
  g_ptr_array_add (request->form, field);
}

void
_meow_upload_request_free (MeowUploadRequest *request)
{
  if (request == NULL)
    return;
  g_free (request->method);
  g_free (request->url);
  g_ptr_array_unref (request->headers);
  g_clear_pointer (&request->form, g_ptr_array_unref);
  g_free (request->file_part);
  g_free (request->file_part_filename);
  g_free (request);
}

/* Returns: (transfer full): a response; @body may be NULL (not consumed:
 * the response takes its own reference). */
MeowUploadResponse *
_meow_upload_response_new (guint status, GBytes *body)
{
  MeowUploadResponse *response = g_new0 (MeowUploadResponse, 1);

  response->status = status;
  response->headers = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  response->body = body ? g_bytes_ref (body) : NULL;
  return response;
}

void
_meow_upload_response_set_header (MeowUploadResponse *response, const char *name, const char *value)
{
  g_hash_table_replace (response->headers, g_ascii_strdown (name, -1), g_strdup (value));
}

void
_meow_upload_response_free (MeowUploadResponse *response)
{
  if (response == NULL)
    return;
  g_hash_table_unref (response->headers);
  g_clear_pointer (&response->body, g_bytes_unref);
  g_free (response);
}

void
_meow_upload_state_clear (MeowUploadState *state)
{
  g_clear_pointer (&state->url, g_free);
  g_clear_pointer (&state->method, g_free);
  g_clear_pointer (&state->file_name, g_free);
  g_clear_pointer (&state->file_md5, g_free);
  g_clear_pointer (&state->category, g_free);
  g_clear_pointer (&state->payload, g_free);
  g_clear_pointer (&state->upload_url, g_free);
}

GError *
_meow_upload_status_error (const MeowUploadResponse *response, const char *redacted_url)
{
  const char *body = NULL;
  gsize       len = 0;

  if (response->body)
    body = g_bytes_get_data (response->body, &len);
  return _meow_http_status_error (response->status, NULL, redacted_url, body, len);
}
