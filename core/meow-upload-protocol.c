/* meow-upload-protocol.c: helpers shared by the upload protocols
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <string.h>

#include "meow-error.h"
#include "meow-i18n-private.h"
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

void
_meow_request_add_line (MeowRequest *request, const char *line)
{
  g_ptr_array_add (request->headers, g_strdup (line));
}

/* The index of @request's first header named @name (any case), or -1. */
static int
header_index (const MeowRequest *request, const char *name, guint from)
{
  gsize len = strlen (name);

  for (guint i = from; i < request->headers->len; i++)
    {
      const char *line = g_ptr_array_index (request->headers, i);

      if (g_ascii_strncasecmp (line, name, len) == 0 && line[len] == ':')
        return (int) i;
    }
  return -1;
}

/* ------------------------------------------------------------------ */
/* MeowRequest                                                         */

G_DEFINE_BOXED_TYPE (MeowRequest, meow_request, meow_request_copy, meow_request_free)

/**
 * meow_request_new:
 * @method: the HTTP method ("POST", "PUT", "PATCH", "HEAD", ...)
 * @url: the absolute URL
 *
 * A request without headers or body, for an upload protocol to return.
 * Any thread.
 *
 * Returns: (transfer full): the request
 */
MeowRequest *
meow_request_new (const char *method, const char *url)
{
  g_return_val_if_fail (method != NULL && *method != '\0', NULL);
  g_return_val_if_fail (url != NULL, NULL);
  return _meow_upload_request_new (method, url);
}

/**
 * meow_request_copy:
 * @request: a request
 *
 * A deep copy of @request. Any thread.
 *
 * Returns: (transfer full): the copy
 */
MeowRequest *
meow_request_copy (const MeowRequest *request)
{
  MeowRequest *copy;

  g_return_val_if_fail (request != NULL, NULL);
  copy = _meow_upload_request_new (request->method, request->url);
  for (guint i = 0; i < request->headers->len; i++)
    _meow_request_add_line (copy, g_ptr_array_index (request->headers, i));
  for (guint i = 0; request->form != NULL && i < request->form->len; i++)
    {
      const MeowFormField *field = g_ptr_array_index (request->form, i);

      _meow_upload_request_add_field (copy, field->name, field->value);
    }
  copy->file_part = g_strdup (request->file_part);
  copy->file_part_filename = g_strdup (request->file_part_filename);
  copy->body_offset = request->body_offset;
  copy->body_length = request->body_length;
  return copy;
}

/**
 * meow_request_free:
 * @request: (transfer full) (nullable): a request
 *
 * Frees @request (%NULL is ignored). Any thread.
 */
void
meow_request_free (MeowRequest *request)
{
  _meow_upload_request_free (request);
}

/**
 * meow_request_get_method:
 * @request: a request
 *
 * The request's HTTP method. Any thread.
 *
 * Returns: (transfer none): the method
 */
const char *
meow_request_get_method (const MeowRequest *request)
{
  g_return_val_if_fail (request != NULL, NULL);
  return request->method;
}

/**
 * meow_request_get_url:
 * @request: a request
 *
 * The request's absolute URL (with its query). Any thread.
 *
 * Returns: (transfer none): the URL
 */
const char *
meow_request_get_url (const MeowRequest *request)
{
  g_return_val_if_fail (request != NULL, NULL);
  return request->url;
}

/**
 * meow_request_get_header:
 * @request: a request
 * @name: a header name, any case
 *
 * The value of the first header named @name. Any thread.
 *
 * Returns: (transfer none) (nullable): its value, or %NULL without one
 */
const char *
meow_request_get_header (const MeowRequest *request, const char *name)
{
  int         i;
  const char *value;

  g_return_val_if_fail (request != NULL, NULL);
  g_return_val_if_fail (name != NULL, NULL);
  i = header_index (request, name, 0);
  if (i < 0)
    return NULL;
  value = (const char *) g_ptr_array_index (request->headers, i) + strlen (name) + 1;
  while (*value == ' ' || *value == '\t')
    value++;
  return value;
}

/**
 * meow_request_set_header:
 * @request: a request
 * @name: a header name (a token: no colon, space or line break)
 * @value: (nullable): its value (no line break), or %NULL to remove it
 *
 * Replaces every header named @name (any case) with one `@name: @value`
 * line, or removes them all. Any thread; in a #MeowRequestHook, the
 * engine's worker thread.
 */
void
meow_request_set_header (MeowRequest *request, const char *name, const char *value)
{
  int i;

  g_return_if_fail (request != NULL);
  g_return_if_fail (name != NULL && *name != '\0' && strpbrk (name, ": \t\r\n") == NULL);
  g_return_if_fail (value == NULL || strpbrk (value, "\r\n") == NULL);

  while ((i = header_index (request, name, 0)) >= 0)
    g_ptr_array_remove_index (request->headers, (guint) i);
  if (value != NULL)
    _meow_upload_request_add_header (request, name, value);
}

/**
 * meow_request_set_body_range:
 * @request: a request
 * @offset: the first byte of the upload's source to send
 * @length: how many bytes, or -1 for a request without a body
 *
 * Makes bytes [@offset, @offset + @length) of the source the request's body
 * (or its file part, with meow_request_set_form_file_part()); the engine
 * streams them from the file or bytes. Any thread.
 */
void
meow_request_set_body_range (MeowRequest *request, gint64 offset, gint64 length)
{
  g_return_if_fail (request != NULL);
  g_return_if_fail (offset >= 0 && length >= -1);
  request->body_offset = offset;
  request->body_length = length;
}

/**
 * meow_request_get_body_offset:
 * @request: a request
 *
 * The offset of the body in the source (meow_request_set_body_range()).
 * Any thread.
 *
 * Returns: the offset
 */
gint64
meow_request_get_body_offset (const MeowRequest *request)
{
  g_return_val_if_fail (request != NULL, 0);
  return request->body_offset;
}

/**
 * meow_request_get_body_length:
 * @request: a request
 *
 * The length of the body (meow_request_set_body_range()). Any thread.
 *
 * Returns: the length in bytes, or -1 for a request without a body
 */
gint64
meow_request_get_body_length (const MeowRequest *request)
{
  g_return_val_if_fail (request != NULL, -1);
  return request->body_length;
}

/**
 * meow_request_add_form_field:
 * @request: a request
 * @name: the field's name
 * @value: (nullable): its text (%NULL: empty)
 *
 * Appends a text field, making the request multipart/form-data (fields in
 * the order added). Any thread.
 */
void
meow_request_add_form_field (MeowRequest *request, const char *name, const char *value)
{
  g_return_if_fail (request != NULL);
  g_return_if_fail (name != NULL);
  _meow_upload_request_add_field (request, name, value);
}

/**
 * meow_request_set_form_file_part:
 * @request: a request with form fields
 * @name: the binary part's field name ("file")
 * @filename: the part's filename
 *
 * Sends the body range (meow_request_set_body_range()) as a binary part
 * after the form's fields instead of as the raw body. Any thread.
 */
void
meow_request_set_form_file_part (MeowRequest *request, const char *name, const char *filename)
{
  g_return_if_fail (request != NULL);
  g_return_if_fail (name != NULL && filename != NULL);
  if (request->form == NULL)
    request->form = g_ptr_array_new_with_free_func ((GDestroyNotify) form_field_free);
  g_free (request->file_part);
  g_free (request->file_part_filename);
  request->file_part = g_strdup (name);
  request->file_part_filename = g_strdup (filename);
}

/* ------------------------------------------------------------------ */
/* MeowResponse                                                        */

G_DEFINE_BOXED_TYPE (MeowResponse, meow_response, meow_response_copy, meow_response_free)

/**
 * meow_response_new:
 * @status: the HTTP status
 * @body: (nullable): the body
 *
 * A response without headers: the engine makes them; a protocol's own
 * tests may too. Any thread.
 *
 * Returns: (transfer full): the response
 */
MeowResponse *
meow_response_new (guint status, GBytes *body)
{
  return _meow_upload_response_new (status, body);
}

/**
 * meow_response_copy:
 * @response: a response
 *
 * A copy of @response (the body shared). Any thread.
 *
 * Returns: (transfer full): the copy
 */
MeowResponse *
meow_response_copy (const MeowResponse *response)
{
  MeowResponse  *copy;
  GHashTableIter iter;
  gpointer       name, value;

  g_return_val_if_fail (response != NULL, NULL);
  copy = _meow_upload_response_new (response->status, response->body);
  g_hash_table_iter_init (&iter, response->headers);
  while (g_hash_table_iter_next (&iter, &name, &value))
    _meow_upload_response_set_header (copy, name, value);
  return copy;
}

/**
 * meow_response_free:
 * @response: (transfer full) (nullable): a response
 *
 * Frees @response (%NULL is ignored). Any thread.
 */
void
meow_response_free (MeowResponse *response)
{
  _meow_upload_response_free (response);
}

/**
 * meow_response_set_header:
 * @response: a response
 * @name: a header name, any case
 * @value: its value
 *
 * Sets a header (the last one of a name wins, as in the engine's).
 * Any thread.
 */
void
meow_response_set_header (MeowResponse *response, const char *name, const char *value)
{
  g_return_if_fail (response != NULL);
  g_return_if_fail (name != NULL && value != NULL);
  _meow_upload_response_set_header (response, name, value);
}

/**
 * meow_response_get_status:
 * @response: a response
 *
 * The HTTP status of the answer. Any thread.
 *
 * Returns: the status
 */
guint
meow_response_get_status (const MeowResponse *response)
{
  g_return_val_if_fail (response != NULL, 0);
  return response->status;
}

/**
 * meow_response_get_header:
 * @response: a response
 * @name: a header name, any case
 *
 * The value of the header named @name. Any thread.
 *
 * Returns: (transfer none) (nullable): its value, or %NULL without one
 */
const char *
meow_response_get_header (const MeowResponse *response, const char *name)
{
  g_autofree char *lower = NULL;

  g_return_val_if_fail (response != NULL, NULL);
  g_return_val_if_fail (name != NULL, NULL);
  lower = g_ascii_strdown (name, -1);
  return g_hash_table_lookup (response->headers, lower);
}

/**
 * meow_response_get_body:
 * @response: a response
 *
 * The body of the answer (the engine keeps up to 256 KiB of it). Any thread.
 *
 * Returns: (transfer none) (nullable): the body, or %NULL
 */
GBytes *
meow_response_get_body (const MeowResponse *response)
{
  g_return_val_if_fail (response != NULL, NULL);
  return response->body;
}

/* ------------------------------------------------------------------ */
/* MeowUploadState                                                     */

G_DEFINE_BOXED_TYPE (MeowUploadState,
                     meow_upload_state,
                     meow_upload_state_copy,
                     meow_upload_state_free)

/**
 * meow_upload_state_new:
 * @url: the upload's URL
 * @total_size: the size of the source in bytes
 * @chunk_size: bytes per chunk request, > 0
 *
 * A state as the engine makes one, without file name, MD5 or resume data:
 * for testing a protocol without a server. Any thread.
 *
 * Returns: (transfer full): the state
 */
MeowUploadState *
meow_upload_state_new (const char *url, gint64 total_size, gint64 chunk_size)
{
  MeowUploadState *state;

  g_return_val_if_fail (url != NULL, NULL);
  g_return_val_if_fail (total_size >= 0 && chunk_size > 0, NULL);
  state = g_new0 (MeowUploadState, 1);
  state->url = g_strdup (url);
  state->file_name = g_strdup ("");
  state->file_md5 = g_strdup ("");
  state->total_size = total_size;
  state->chunk_size = chunk_size;
  return state;
}

/**
 * meow_upload_state_copy:
 * @state: a state
 *
 * A deep copy of @state. Any thread.
 *
 * Returns: (transfer full): the copy
 */
MeowUploadState *
meow_upload_state_copy (const MeowUploadState *state)
{
  MeowUploadState *copy;

  g_return_val_if_fail (state != NULL, NULL);
  copy = g_new0 (MeowUploadState, 1);
  *copy = *state;
  copy->url = g_strdup (state->url);
  copy->method = g_strdup (state->method);
  copy->file_name = g_strdup (state->file_name);
  copy->file_md5 = g_strdup (state->file_md5);
  copy->category = g_strdup (state->category);
  copy->payload = g_strdup (state->payload);
  copy->upload_url = g_strdup (state->upload_url);
  return copy;
}

/**
 * meow_upload_state_free:
 * @state: (transfer full) (nullable): a state
 *
 * Frees a state made by meow_upload_state_new() or _copy() (%NULL is
 * ignored); never the one the engine hands a protocol. Any thread.
 */
void
meow_upload_state_free (MeowUploadState *state)
{
  if (state == NULL)
    return;
  _meow_upload_state_clear (state);
  g_free (state);
}

/**
 * meow_upload_state_get_url:
 * @state: a state
 *
 * The task's URL. Any thread.
 *
 * Returns: (transfer none): the URL
 */
const char *
meow_upload_state_get_url (const MeowUploadState *state)
{
  g_return_val_if_fail (state != NULL, NULL);
  return state->url;
}

/**
 * meow_upload_state_get_method:
 * @state: a state
 *
 * The task's method (meow_task_builder_set_method()). Any thread.
 *
 * Returns: (transfer none) (nullable): the method, or %NULL for the
 *   protocol's default
 */
const char *
meow_upload_state_get_method (const MeowUploadState *state)
{
  g_return_val_if_fail (state != NULL, NULL);
  return state->method;
}

/**
 * meow_upload_state_get_file_name:
 * @state: a state
 *
 * The name to give the server for the file (the task's name). Any thread.
 *
 * Returns: (transfer none): the name, maybe empty
 */
const char *
meow_upload_state_get_file_name (const MeowUploadState *state)
{
  g_return_val_if_fail (state != NULL, NULL);
  return state->file_name;
}

/**
 * meow_upload_state_get_file_md5:
 * @state: a state
 *
 * The lower-case hex MD5 of the whole source; known from the first request
 * on only when the protocol's needs_file_md5 says so. Any thread.
 *
 * Returns: (transfer none): the MD5, or an empty string when not known yet
 */
const char *
meow_upload_state_get_file_md5 (const MeowUploadState *state)
{
  g_return_val_if_fail (state != NULL, NULL);
  return state->file_md5 ? state->file_md5 : "";
}

/**
 * meow_upload_state_get_category:
 * @state: a state
 *
 * The task's category (meow_task_builder_set_category()). Any thread.
 *
 * Returns: (transfer none) (nullable): the category
 */
const char *
meow_upload_state_get_category (const MeowUploadState *state)
{
  g_return_val_if_fail (state != NULL, NULL);
  return state->category;
}

/**
 * meow_upload_state_get_total_size:
 * @state: a state
 *
 * The size of the source. Any thread.
 *
 * Returns: the size in bytes
 */
gint64
meow_upload_state_get_total_size (const MeowUploadState *state)
{
  g_return_val_if_fail (state != NULL, 0);
  return state->total_size;
}

/**
 * meow_upload_state_get_chunk_size:
 * @state: a state
 *
 * The bytes per chunk request the engine asks for (smaller after a 413).
 * Any thread.
 *
 * Returns: the chunk size, > 0
 */
gint64
meow_upload_state_get_chunk_size (const MeowUploadState *state)
{
  g_return_val_if_fail (state != NULL, 0);
  return state->chunk_size;
}

/**
 * meow_upload_state_get_offset:
 * @state: a state
 *
 * The next byte the server wants. Any thread.
 *
 * Returns: the offset
 */
gint64
meow_upload_state_get_offset (const MeowUploadState *state)
{
  g_return_val_if_fail (state != NULL, 0);
  return state->offset;
}

/**
 * meow_upload_state_set_offset:
 * @state: a state
 * @offset: the next byte the server wants, 0 to the total size
 *
 * Sets the offset, as read from a prepare or chunk answer; the engine's
 * progress follows it. Any thread (a protocol: the worker thread).
 */
void
meow_upload_state_set_offset (MeowUploadState *state, gint64 offset)
{
  g_return_if_fail (state != NULL);
  g_return_if_fail (offset >= 0 && offset <= state->total_size);
  state->offset = offset;
}

/**
 * meow_upload_state_get_resume_data:
 * @state: a state
 *
 * The protocol's resume data: what it set with
 * meow_upload_state_set_resume_data(), also after a restart (the engine
 * persisted it), or what meow_task_builder_set_upload_url() gave. Any thread.
 *
 * Returns: (transfer none) (nullable): the data, or %NULL for a new upload
 */
const char *
meow_upload_state_get_resume_data (const MeowUploadState *state)
{
  g_return_val_if_fail (state != NULL, NULL);
  return state->upload_url;
}

/**
 * meow_upload_state_set_resume_data:
 * @state: a state
 * @resume_data: (nullable): an opaque string (tus: its upload URL), or
 *   %NULL to forget it
 *
 * Stores what the protocol needs to resume this upload later, in another
 * process too: the engine reports it at once in the task's records
 * (meow_transfer_record_get_upload_url()), an owner persists it and gives
 * it back with meow_task_builder_set_upload_url(). Keep it short and free
 * of secrets: it is stored in plain text. Any thread (a protocol: the
 * worker thread).
 */
void
meow_upload_state_set_resume_data (MeowUploadState *state, const char *resume_data)
{
  g_return_if_fail (state != NULL);
  g_free (state->upload_url);
  state->upload_url = g_strdup (resume_data);
}

/**
 * meow_upload_state_is_complete:
 * @state: a state
 *
 * Whether the protocol marked the upload complete. Any thread.
 *
 * Returns: %TRUE when complete
 */
gboolean
meow_upload_state_is_complete (const MeowUploadState *state)
{
  g_return_val_if_fail (state != NULL, FALSE);
  return state->complete;
}

/**
 * meow_upload_state_get_payload:
 * @state: a state
 *
 * The completion payload meow_upload_state_set_complete() gave. Any thread.
 *
 * Returns: (transfer none) (nullable): the payload
 */
const char *
meow_upload_state_get_payload (const MeowUploadState *state)
{
  g_return_val_if_fail (state != NULL, NULL);
  return state->payload;
}

/**
 * meow_upload_state_set_complete:
 * @state: a state
 * @payload: (nullable): what the server answered for the finished upload
 *   (a file id, a URL); it becomes the task's payload
 *
 * Marks the upload complete: the engine sends no further request and the
 * task completes (without the protocol's complete step when set before
 * it). Any thread (a protocol: the worker thread).
 */
void
meow_upload_state_set_complete (MeowUploadState *state, const char *payload)
{
  g_return_if_fail (state != NULL);
  state->complete = TRUE;
  g_free (state->payload);
  state->payload = g_strdup (payload);
}

/* ------------------------------------------------------------------ */
/* MeowUploadProtocol                                                  */

/**
 * MeowUploadProtocol:
 *
 * A pluggable upload protocol (meow_task_builder_set_upload_protocol_impl()):
 * see #MeowUploadProtocolInterface and the "Writing an upload protocol"
 * page. tus and rusty-cat's protocol are two implementations
 * (meow_upload_protocol_new_tus(), meow_upload_protocol_new_meow()).
 */
G_DEFINE_INTERFACE (MeowUploadProtocol, meow_upload_protocol, G_TYPE_OBJECT)

static void
meow_upload_protocol_default_init (MeowUploadProtocolInterface *iface)
{
}

/* A protocol that broke its contract (no request, FALSE without an error). */
static GError *
contract_error (MeowUploadProtocol *self, const char *step)
{
  /* Translators: the first %s is a type name (MyS3Protocol), the second a
   * function name (parse_chunk). */
  return g_error_new (MEOW_ERROR, MEOW_ERROR_UPLOAD_PROTOCOL,
                      _ ("The upload protocol %s failed in %s without saying why."),
                      G_OBJECT_TYPE_NAME (self), step);
}

/**
 * meow_upload_protocol_prepare:
 * @self: a protocol
 * @state: the upload's state
 *
 * The request that learns where the upload starts, creating it on the
 * server when needed. The engine's worker thread.
 *
 * Returns: (transfer full) (nullable): the request; %NULL only from a
 *   broken protocol (the engine then fails the upload)
 */
MeowRequest *
meow_upload_protocol_prepare (MeowUploadProtocol *self, MeowUploadState *state)
{
  MeowUploadProtocolInterface *iface;

  g_return_val_if_fail (MEOW_IS_UPLOAD_PROTOCOL (self), NULL);
  iface = MEOW_UPLOAD_PROTOCOL_GET_IFACE (self);
  return iface->prepare ? iface->prepare (self, state) : NULL;
}

/**
 * meow_upload_protocol_parse_prepare:
 * @self: a protocol
 * @state: the upload's state
 * @response: the prepare request's answer
 * @next: (out): what to send next
 * @error: return location for the upload's failure
 *
 * Reads the prepare answer into @state: the offset, and complete when the
 * server already has the file. The engine retries 408, 429 and 5xx itself,
 * without asking. The engine's worker thread.
 *
 * Returns: %TRUE, or %FALSE with @error set to fail the upload
 */
gboolean
meow_upload_protocol_parse_prepare (MeowUploadProtocol *self,
                                    MeowUploadState    *state,
                                    const MeowResponse *response,
                                    MeowUploadNext     *next,
                                    GError            **error)
{
  MeowUploadProtocolInterface *iface;
  MeowUploadNext               local = MEOW_UPLOAD_NEXT_CHUNK;
  GError                      *local_error = NULL;

  g_return_val_if_fail (MEOW_IS_UPLOAD_PROTOCOL (self), FALSE);
  iface = MEOW_UPLOAD_PROTOCOL_GET_IFACE (self);
  /* A missing method is a broken protocol, as is FALSE without an error. */
  if (iface->parse_prepare != NULL &&
      iface->parse_prepare (self, state, response, &local, &local_error))
    {
      if (next != NULL)
        *next = local;
      return TRUE;
    }
  g_propagate_error (error, local_error ? local_error : contract_error (self, "parse_prepare"));
  return FALSE;
}

/**
 * meow_upload_protocol_next_chunk:
 * @self: a protocol
 * @state: the upload's state
 * @length: how many bytes from the state's offset the request carries
 *   (0 only for an empty source)
 *
 * The request carrying the next chunk: it sets the body range
 * [offset, offset + @length) with meow_request_set_body_range(). The
 * engine's worker thread.
 *
 * Returns: (transfer full) (nullable): the request; %NULL only from a
 *   broken protocol
 */
MeowRequest *
meow_upload_protocol_next_chunk (MeowUploadProtocol *self, MeowUploadState *state, gint64 length)
{
  MeowUploadProtocolInterface *iface;

  g_return_val_if_fail (MEOW_IS_UPLOAD_PROTOCOL (self), NULL);
  iface = MEOW_UPLOAD_PROTOCOL_GET_IFACE (self);
  return iface->next_chunk ? iface->next_chunk (self, state, length) : NULL;
}

/**
 * meow_upload_protocol_parse_chunk:
 * @self: a protocol
 * @state: the upload's state
 * @response: the chunk request's answer
 * @sent_length: the chunk's length
 * @next: (out): what to send next
 * @error: return location for the upload's failure
 *
 * Reads a chunk's answer into @state (usually: the offset moves by
 * @sent_length). The engine fails an upload whose offset stops moving.
 * The engine's worker thread.
 *
 * Returns: %TRUE, or %FALSE with @error set to fail the upload
 */
gboolean
meow_upload_protocol_parse_chunk (MeowUploadProtocol *self,
                                  MeowUploadState    *state,
                                  const MeowResponse *response,
                                  gint64              sent_length,
                                  MeowUploadNext     *next,
                                  GError            **error)
{
  MeowUploadProtocolInterface *iface;
  MeowUploadNext               local = MEOW_UPLOAD_NEXT_CHUNK;
  GError                      *local_error = NULL;

  g_return_val_if_fail (MEOW_IS_UPLOAD_PROTOCOL (self), FALSE);
  iface = MEOW_UPLOAD_PROTOCOL_GET_IFACE (self);
  if (iface->parse_chunk != NULL &&
      iface->parse_chunk (self, state, response, sent_length, &local, &local_error))
    {
      if (next != NULL)
        *next = local;
      return TRUE;
    }
  g_propagate_error (error, local_error ? local_error : contract_error (self, "parse_chunk"));
  return FALSE;
}

/**
 * meow_upload_protocol_complete:
 * @self: a protocol
 * @state: the upload's state, every byte acknowledged
 *
 * The request that finishes the upload once the server has every byte (S3's
 * "complete multipart upload"), when the protocol has such a step and has
 * not marked the state complete. The engine's worker thread.
 *
 * Returns: (transfer full) (nullable): the request, or %NULL for none
 */
MeowRequest *
meow_upload_protocol_complete (MeowUploadProtocol *self, MeowUploadState *state)
{
  MeowUploadProtocolInterface *iface;

  g_return_val_if_fail (MEOW_IS_UPLOAD_PROTOCOL (self), NULL);
  iface = MEOW_UPLOAD_PROTOCOL_GET_IFACE (self);
  return iface->complete ? iface->complete (self, state) : NULL;
}

/**
 * meow_upload_protocol_parse_complete:
 * @self: a protocol
 * @state: the upload's state
 * @response: the complete request's answer
 * @error: return location for the upload's failure
 *
 * Reads the complete answer (the payload, with
 * meow_upload_state_set_complete()); after %TRUE the task completes. The
 * engine's worker thread.
 *
 * Returns: %TRUE, or %FALSE with @error set to fail the upload
 */
gboolean
meow_upload_protocol_parse_complete (MeowUploadProtocol *self,
                                     MeowUploadState    *state,
                                     const MeowResponse *response,
                                     GError            **error)
{
  MeowUploadProtocolInterface *iface;
  GError                      *local_error = NULL;

  g_return_val_if_fail (MEOW_IS_UPLOAD_PROTOCOL (self), FALSE);
  iface = MEOW_UPLOAD_PROTOCOL_GET_IFACE (self);
  if (iface->parse_complete == NULL)
    {
      if (response->status >= 200 && response->status < 300)
        return TRUE;
      g_propagate_error (error, _meow_upload_status_error (response, state->url));
      return FALSE;
    }
  if (iface->parse_complete (self, state, response, &local_error))
    return TRUE;
  g_propagate_error (error, local_error ? local_error : contract_error (self, "parse_complete"));
  return FALSE;
}

/**
 * meow_upload_protocol_abort:
 * @self: a protocol
 * @state: the upload's state
 *
 * The request that releases the server's state of a canceled upload (tus
 * termination); the engine sends it once, without retries, after the task
 * is gone. The engine's worker thread.
 *
 * Returns: (transfer full) (nullable): the request, or %NULL for none
 */
MeowRequest *
meow_upload_protocol_abort (MeowUploadProtocol *self, MeowUploadState *state)
{
  MeowUploadProtocolInterface *iface;

  g_return_val_if_fail (MEOW_IS_UPLOAD_PROTOCOL (self), NULL);
  iface = MEOW_UPLOAD_PROTOCOL_GET_IFACE (self);
  return iface->abort ? iface->abort (self, state) : NULL;
}

/**
 * meow_upload_protocol_needs_file_md5:
 * @self: a protocol
 *
 * Whether the protocol reads the source's MD5 (rusty-cat's does; tus does
 * not): the engine then hashes the whole source before the first request.
 * Any thread.
 *
 * Returns: %TRUE when the MD5 must be known first
 */
gboolean
meow_upload_protocol_needs_file_md5 (MeowUploadProtocol *self)
{
  MeowUploadProtocolInterface *iface;

  g_return_val_if_fail (MEOW_IS_UPLOAD_PROTOCOL (self), FALSE);
  iface = MEOW_UPLOAD_PROTOCOL_GET_IFACE (self);
  return iface->needs_file_md5 ? iface->needs_file_md5 (self) : FALSE;
}

/* ------------------------------------------------------------------ */
/* The built-in protocols as MeowUploadProtocol objects                */

#define MEOW_TYPE_BUILTIN_PROTOCOL (meow_builtin_protocol_get_type ())
G_DECLARE_FINAL_TYPE (MeowBuiltinProtocol, meow_builtin_protocol, MEOW, BUILTIN_PROTOCOL, GObject)

struct _MeowBuiltinProtocol
{
  GObject                         parent_instance;
  const MeowUploadProtocolVTable *vtable;
};

static void builtin_iface_init (MeowUploadProtocolInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (MeowBuiltinProtocol,
                               meow_builtin_protocol,
                               G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (MEOW_TYPE_UPLOAD_PROTOCOL,
                                                      builtin_iface_init))

static const MeowUploadProtocolVTable *
vtable_of (MeowUploadProtocol *self)
{
  return MEOW_BUILTIN_PROTOCOL (self)->vtable;
}

static MeowRequest *
builtin_prepare (MeowUploadProtocol *self, MeowUploadState *state)
{
  return vtable_of (self)->build_prepare (state);
}

static gboolean
builtin_parse_prepare (MeowUploadProtocol *self,
                       MeowUploadState    *state,
                       const MeowResponse *response,
                       MeowUploadNext     *next,
                       GError            **error)
{
  return vtable_of (self)->parse_prepare (state, response, next, error);
}

static MeowRequest *
builtin_next_chunk (MeowUploadProtocol *self, MeowUploadState *state, gint64 length)
{
  return vtable_of (self)->build_chunk (state, length);
}

static gboolean
builtin_parse_chunk (MeowUploadProtocol *self,
                     MeowUploadState    *state,
                     const MeowResponse *response,
                     gint64              sent_length,
                     MeowUploadNext     *next,
                     GError            **error)
{
  return vtable_of (self)->parse_chunk (state, response, sent_length, next, error);
}

static MeowRequest *
builtin_abort (MeowUploadProtocol *self, MeowUploadState *state)
{
  return vtable_of (self)->build_abort ? vtable_of (self)->build_abort (state) : NULL;
}

static gboolean
builtin_needs_file_md5 (MeowUploadProtocol *self)
{
  /* rusty-cat's protocol names the file by its MD5. */
  return vtable_of (self) == &_meow_upload_protocol_meow;
}

static void
builtin_iface_init (MeowUploadProtocolInterface *iface)
{
  iface->prepare = builtin_prepare;
  iface->parse_prepare = builtin_parse_prepare;
  iface->next_chunk = builtin_next_chunk;
  iface->parse_chunk = builtin_parse_chunk;
  iface->abort = builtin_abort;
  iface->needs_file_md5 = builtin_needs_file_md5;
}

static void
meow_builtin_protocol_class_init (MeowBuiltinProtocolClass *klass)
{
}

static void
meow_builtin_protocol_init (MeowBuiltinProtocol *self)
{
}

static MeowUploadProtocol *
builtin_new (const MeowUploadProtocolVTable *vtable)
{
  MeowBuiltinProtocol *self = g_object_new (MEOW_TYPE_BUILTIN_PROTOCOL, NULL);

  self->vtable = vtable;
  return MEOW_UPLOAD_PROTOCOL (self);
}

/**
 * meow_upload_protocol_new_tus:
 *
 * The tus 1.0 protocol (creation, termination, offset query), as
 * %MEOW_UPLOAD_PROTOCOL_TUS selects it. Stateless: one object may serve
 * any number of uploads. Any thread.
 *
 * Returns: (transfer full): the protocol
 */
MeowUploadProtocol *
meow_upload_protocol_new_tus (void)
{
  return builtin_new (&_meow_upload_protocol_tus);
}

/**
 * meow_upload_protocol_new_meow:
 *
 * rusty-cat's chunked multipart protocol, as %MEOW_UPLOAD_PROTOCOL_MEOW
 * selects it. Stateless: one object may serve any number of uploads. Any
 * thread.
 *
 * Returns: (transfer full): the protocol
 */
MeowUploadProtocol *
meow_upload_protocol_new_meow (void)
{
  return builtin_new (&_meow_upload_protocol_meow);
}
