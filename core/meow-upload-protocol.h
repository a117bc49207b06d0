/* meow-upload-protocol.h: pluggable upload protocols and the per-request hook
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib-object.h>

#include "meow-visibility.h"

G_BEGIN_DECLS

/**
 * MeowRequest:
 *
 * One HTTP request described as data: a method, an absolute URL, headers
 * and (for an upload) the range of the source sent as the body. An upload
 * protocol returns one for every step; the engine performs it. The request
 * hook (meow_task_builder_set_request_hook()) sees every request of a task
 * as one of these before it goes out, downloads included.
 *
 * Not thread-safe: one thread at a time.
 */
typedef struct _MeowRequest MeowRequest;

/**
 * MeowResponse:
 *
 * The server's answer to a #MeowRequest, as the engine received it: the
 * status, the headers (looked up by name, any case) and the body (replies
 * are kept up to 256 KiB). Read-only for a protocol.
 */
typedef struct _MeowResponse MeowResponse;

/**
 * MeowUploadState:
 *
 * One upload's state as a protocol sees it. The engine fills the inputs
 * (URL, method, file name, MD5, category, size, chunk size) and the resume
 * data it persisted; the protocol moves the offset, stores its resume data
 * and marks the upload complete.
 *
 * The engine owns it: a protocol gets it for the duration of one call,
 * on the engine's worker thread.
 */
typedef struct _MeowUploadState MeowUploadState;

/**
 * MeowUploadNext:
 * @MEOW_UPLOAD_NEXT_CHUNK: send the chunk at the state's offset (or finish
 *   when every byte is there)
 * @MEOW_UPLOAD_NEXT_PREPARE: run the prepare step again (the server's offset
 *   is unknown again, as after tus's 409); bounded by the engine
 *
 * What a parsed answer means for the engine's next request.
 */
typedef enum
{
  MEOW_UPLOAD_NEXT_CHUNK,
  MEOW_UPLOAD_NEXT_PREPARE,
} MeowUploadNext;

MEOW_AVAILABLE_IN_ALL
GType meow_request_get_type (void) G_GNUC_CONST;
#define MEOW_TYPE_REQUEST (meow_request_get_type ())
MEOW_AVAILABLE_IN_ALL
MeowRequest *meow_request_new (const char *method, const char *url);
MEOW_AVAILABLE_IN_ALL
MeowRequest *meow_request_copy (const MeowRequest *request);
MEOW_AVAILABLE_IN_ALL
void meow_request_free (MeowRequest *request);
MEOW_AVAILABLE_IN_ALL
const char *meow_request_get_method (const MeowRequest *request);
MEOW_AVAILABLE_IN_ALL
const char *meow_request_get_url (const MeowRequest *request);
MEOW_AVAILABLE_IN_ALL
const char *meow_request_get_header (const MeowRequest *request, const char *name);
MEOW_AVAILABLE_IN_ALL
void meow_request_set_header (MeowRequest *request, const char *name, const char *value);
MEOW_AVAILABLE_IN_ALL
void meow_request_set_body_range (MeowRequest *request, gint64 offset, gint64 length);
MEOW_AVAILABLE_IN_ALL
gint64 meow_request_get_body_offset (const MeowRequest *request);
MEOW_AVAILABLE_IN_ALL
gint64 meow_request_get_body_length (const MeowRequest *request);
MEOW_AVAILABLE_IN_ALL
void meow_request_add_form_field (MeowRequest *request, const char *name, const char *value);
MEOW_AVAILABLE_IN_ALL
void meow_request_set_form_file_part (MeowRequest *request, const char *name, const char *filename);

MEOW_AVAILABLE_IN_ALL
GType meow_response_get_type (void) G_GNUC_CONST;
#define MEOW_TYPE_RESPONSE (meow_response_get_type ())
MEOW_AVAILABLE_IN_ALL
MeowResponse *meow_response_new (guint status, GBytes *body);
MEOW_AVAILABLE_IN_ALL
MeowResponse *meow_response_copy (const MeowResponse *response);
MEOW_AVAILABLE_IN_ALL
void meow_response_free (MeowResponse *response);
MEOW_AVAILABLE_IN_ALL
void meow_response_set_header (MeowResponse *response, const char *name, const char *value);
MEOW_AVAILABLE_IN_ALL
guint meow_response_get_status (const MeowResponse *response);
MEOW_AVAILABLE_IN_ALL
const char *meow_response_get_header (const MeowResponse *response, const char *name);
MEOW_AVAILABLE_IN_ALL
GBytes *meow_response_get_body (const MeowResponse *response);

MEOW_AVAILABLE_IN_ALL
GType meow_upload_state_get_type (void) G_GNUC_CONST;
#define MEOW_TYPE_UPLOAD_STATE (meow_upload_state_get_type ())
MEOW_AVAILABLE_IN_ALL
MeowUploadState *meow_upload_state_new (const char *url, gint64 total_size, gint64 chunk_size);
MEOW_AVAILABLE_IN_ALL
MeowUploadState *meow_upload_state_copy (const MeowUploadState *state);
MEOW_AVAILABLE_IN_ALL
void meow_upload_state_free (MeowUploadState *state);
MEOW_AVAILABLE_IN_ALL
const char *meow_upload_state_get_url (const MeowUploadState *state);
MEOW_AVAILABLE_IN_ALL
const char *meow_upload_state_get_method (const MeowUploadState *state);
MEOW_AVAILABLE_IN_ALL
const char *meow_upload_state_get_file_name (const MeowUploadState *state);
MEOW_AVAILABLE_IN_ALL
const char *meow_upload_state_get_file_md5 (const MeowUploadState *state);
MEOW_AVAILABLE_IN_ALL
const char *meow_upload_state_get_category (const MeowUploadState *state);
MEOW_AVAILABLE_IN_ALL
gint64 meow_upload_state_get_total_size (const MeowUploadState *state);
MEOW_AVAILABLE_IN_ALL
gint64 meow_upload_state_get_chunk_size (const MeowUploadState *state);
MEOW_AVAILABLE_IN_ALL
gint64 meow_upload_state_get_offset (const MeowUploadState *state);
MEOW_AVAILABLE_IN_ALL
void meow_upload_state_set_offset (MeowUploadState *state, gint64 offset);
MEOW_AVAILABLE_IN_ALL
const char *meow_upload_state_get_resume_data (const MeowUploadState *state);
MEOW_AVAILABLE_IN_ALL
void meow_upload_state_set_resume_data (MeowUploadState *state, const char *resume_data);
MEOW_AVAILABLE_IN_ALL
gboolean meow_upload_state_is_complete (const MeowUploadState *state);
MEOW_AVAILABLE_IN_ALL
const char *meow_upload_state_get_payload (const MeowUploadState *state);
MEOW_AVAILABLE_IN_ALL
void meow_upload_state_set_complete (MeowUploadState *state, const char *payload);

#define MEOW_TYPE_UPLOAD_PROTOCOL (meow_upload_protocol_get_type ())
MEOW_AVAILABLE_IN_ALL
G_DECLARE_INTERFACE (MeowUploadProtocol, meow_upload_protocol, MEOW, UPLOAD_PROTOCOL, GObject)

/**
 * MeowUploadProtocolInterface:
 * @g_iface: the parent interface
 * @prepare: the request that learns the server's offset (and creates the
 *   upload when needed); never %NULL
 * @parse_prepare: reads the prepare answer into the state: the offset, and
 *   complete when the server already has everything
 * @next_chunk: the request carrying @length bytes from the state's offset
 * @parse_chunk: reads a chunk's answer into the state
 * @complete: optional: the request that finishes the upload once the
 *   server has every byte (S3's "complete multipart upload"), or %NULL
 *   when there is none
 * @parse_complete: optional: reads the complete answer (the payload)
 * @abort: optional: the request that releases the server's state on
 *   cancel, or %NULL
 * @needs_file_md5: optional: %TRUE when the protocol reads
 *   meow_upload_state_get_file_md5(), so the engine hashes the source
 *   before the first request (default %FALSE)
 *
 * An upload protocol, sans-IO: every method builds a #MeowRequest or reads
 * a #MeowResponse into the #MeowUploadState; it never performs I/O. The
 * engine performs the requests, retries 408/429/5xx and transport failures
 * (and then runs @prepare again), paces to the speed limit, shrinks chunks
 * after a 413 and persists the resume data. All methods run on the engine's
 * worker thread, one at a time for a given upload; one protocol object may
 * serve several uploads at once, so keep per-upload state in the
 * #MeowUploadState (its resume data), not in the object.
 *
 * The parse methods return %FALSE with @error set (any domain; a
 * %MEOW_ERROR code is best) to fail the upload.
 */
struct _MeowUploadProtocolInterface
{
  GTypeInterface g_iface;

  MeowRequest *(*prepare) (MeowUploadProtocol *self, MeowUploadState *state);
  gboolean (*parse_prepare) (MeowUploadProtocol *self,
                             MeowUploadState    *state,
                             const MeowResponse *response,
                             MeowUploadNext     *next,
                             GError            **error);
  MeowRequest *(*next_chunk) (MeowUploadProtocol *self, MeowUploadState *state, gint64 length);
  gboolean (*parse_chunk) (MeowUploadProtocol *self,
                           MeowUploadState    *state,
                           const MeowResponse *response,
                           gint64              sent_length,
                           MeowUploadNext     *next,
                           GError            **error);
  MeowRequest *(*complete) (MeowUploadProtocol *self, MeowUploadState *state);
  gboolean (*parse_complete) (MeowUploadProtocol *self,
                              MeowUploadState    *state,
                              const MeowResponse *response,
                              GError            **error);
  MeowRequest *(*abort) (MeowUploadProtocol *self, MeowUploadState *state);
  gboolean (*needs_file_md5) (MeowUploadProtocol *self);

  /*< private >*/
  gpointer padding[8];
};

MEOW_AVAILABLE_IN_ALL
MeowUploadProtocol *meow_upload_protocol_new_tus (void);
MEOW_AVAILABLE_IN_ALL
MeowUploadProtocol *meow_upload_protocol_new_meow (void);
MEOW_AVAILABLE_IN_ALL
MeowRequest *meow_upload_protocol_prepare (MeowUploadProtocol *self, MeowUploadState *state);
MEOW_AVAILABLE_IN_ALL
gboolean meow_upload_protocol_parse_prepare (MeowUploadProtocol *self,
                                             MeowUploadState    *state,
                                             const MeowResponse *response,
                                             MeowUploadNext     *next,
                                             GError            **error);
MEOW_AVAILABLE_IN_ALL
MeowRequest *
meow_upload_protocol_next_chunk (MeowUploadProtocol *self, MeowUploadState *state, gint64 length);
MEOW_AVAILABLE_IN_ALL
gboolean meow_upload_protocol_parse_chunk (MeowUploadProtocol *self,
                                           MeowUploadState    *state,
                                           const MeowResponse *response,
                                           gint64              sent_length,
                                           MeowUploadNext     *next,
                                           GError            **error);
MEOW_AVAILABLE_IN_ALL
MeowRequest *meow_upload_protocol_complete (MeowUploadProtocol *self, MeowUploadState *state);
MEOW_AVAILABLE_IN_ALL
gboolean meow_upload_protocol_parse_complete (MeowUploadProtocol *self,
                                              MeowUploadState    *state,
                                              const MeowResponse *response,
                                              GError            **error);
MEOW_AVAILABLE_IN_ALL
MeowRequest *meow_upload_protocol_abort (MeowUploadProtocol *self, MeowUploadState *state);
MEOW_AVAILABLE_IN_ALL
gboolean meow_upload_protocol_needs_file_md5 (MeowUploadProtocol *self);

/**
 * MeowRequestHook:
 * @request: the request about to go out: read its method and URL, add or
 *   replace headers with meow_request_set_header()
 * @user_data: (closure): the data given with the hook
 *
 * Called on the engine's worker thread for every request of a task (a
 * download's GET or HEAD and each segment's GET, every upload request, a
 * tus termination) just before it is sent, with the task's own headers
 * and the engine's (Range, If-Range, the protocol's) already in @request:
 * the place to sign requests. Must not block for long: it holds up every
 * transfer of the client.
 */
typedef void (*MeowRequestHook) (MeowRequest *request, gpointer user_data);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MeowRequest, meow_request_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (MeowResponse, meow_response_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (MeowUploadState, meow_upload_state_free)

G_END_DECLS
