/* meow-upload-protocol-private.h: upload protocols as pure request
 * builders and response parsers
 *
 * A protocol never performs I/O: it turns the upload's state into the next
 * request and reads the server's answer back into the state. The engine
 * (worker thread) performs the requests with libcurl, so retry, pause,
 * progress, speed limits and concurrency apply to every protocol alike.
 * Everything here is plain data, usable from any one thread at a time and
 * unit-tested without a network.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

#include "meow-http-private.h"
#include "meow-upload-protocol.h"

G_BEGIN_DECLS

/* One multipart/form-data text field. */
typedef struct
{
  char *name;
  char *value;
} MeowFormField;

/* A request for the engine to perform (the public MeowRequest). */
struct _MeowRequest
{
  char      *method;         /* "POST", "PATCH", "HEAD", "DELETE", or the task's method */
  char      *url;            /* absolute URL */
  GPtrArray *headers;        /* element-type utf8 "Name: value"; protocol headers only
                                (the engine adds the task's own headers) */
  GPtrArray *form;           /* element-type MeowFormField, or NULL: when set, the request
                                is multipart/form-data with these text fields, in order */
  char  *file_part;          /* with form: name of the binary part ("file"), or NULL */
  char  *file_part_filename; /* its filename ("upload_chunk_data") */
  gint64 body_offset;        /* bytes of the source sent (as the raw body, or as the */
  gint64 body_length;        /*   file part): offset and length; length -1 = no body  */
};
typedef MeowRequest MeowUploadRequest;

/* What came back (the public MeowResponse). */
struct _MeowResponse
{
  guint       status;
  GHashTable *headers; /* lower-case name -> value (last one wins) */
  GBytes     *body;    /* may be NULL or empty */
};
typedef MeowResponse MeowUploadResponse;

/* The upload's protocol state (the public MeowUploadState). The engine
 * fills the inputs; the protocol updates the outputs. */
struct _MeowUploadState
{
  /* Inputs (fixed for the upload). */
  char  *url;        /* the task's URL */
  char  *method;     /* the task's method, or NULL for the protocol's default */
  char  *file_name;  /* display name sent to the server */
  char  *file_md5;   /* lower-case hex MD5 of the whole source */
  char  *category;   /* may be NULL (sent as "") */
  gint64 total_size; /* bytes */
  gint64 chunk_size; /* bytes per chunk request, > 0 */

  /* Outputs. */
  gint64   offset;      /* next byte the server wants */
  gboolean complete;    /* the server has the whole file */
  char    *payload;     /* completion payload (file id, upload URL), or NULL */
  char    *upload_url;  /* the protocol's resume data (tus: the upload resource);
                           persisted by the engine so an upload resumes after a
                           restart (meow_upload_state_get_resume_data()) */
  guint stalled_rounds; /* consecutive chunk answers that did not advance */
};

/* After this many chunk answers in a row that do not advance the offset, a
 * protocol fails with MEOW_ERROR_STALLED instead of looping forever. */
#define MEOW_UPLOAD_MAX_STALLED_ROUNDS 5

/* Longest part of a server's error body quoted in an error message. */
#define MEOW_UPLOAD_ERROR_BODY_MAX MEOW_HTTP_ERROR_BODY_MAX

/* A built-in protocol's functions; meow_upload_protocol_new_tus() and
 * _new_meow() wrap them in a MeowUploadProtocol object, which is what the
 * engine calls. */
typedef struct
{
  const char *name; /* "meow" or "tus" */

  /* The request that learns where to start (and creates the upload when
   * needed). Never NULL. */
  MeowUploadRequest *(*build_prepare) (const MeowUploadState *state);
  /* Reads the prepare answer: sets offset, and complete/payload when the
   * server already has the file. FALSE + @error (MEOW_ERROR domain) on a
   * failure; the engine decides about retries from the response status
   * (408/429/5xx are retried by the engine, so only parse here). */
  gboolean (*parse_prepare) (MeowUploadState          *state,
                             const MeowUploadResponse *response,
                             MeowUploadNext           *next,
                             GError                  **error);
  /* The request carrying bytes [state->offset, state->offset + length). */
  MeowUploadRequest *(*build_chunk) (const MeowUploadState *state, gint64 length);
  gboolean (*parse_chunk) (MeowUploadState          *state,
                           const MeowUploadResponse *response,
                           gint64                    sent_length,
                           MeowUploadNext           *next,
                           GError                  **error);
  /* The request that releases server-side state on cancel, or NULL when
   * the protocol has none. */
  MeowUploadRequest *(*build_abort) (const MeowUploadState *state);
} MeowUploadProtocolVTable;

extern const MeowUploadProtocolVTable _meow_upload_protocol_meow;
extern const MeowUploadProtocolVTable _meow_upload_protocol_tus;

/* Shared helpers (meow-upload-protocol.c). */
MeowUploadRequest *_meow_upload_request_new (const char *method, const char *url);
void
_meow_upload_request_add_header (MeowUploadRequest *request, const char *name, const char *value);
/* Appends a "Name: value" @line as it is. */
void _meow_request_add_line (MeowRequest *request, const char *line);
void
_meow_upload_request_add_field (MeowUploadRequest *request, const char *name, const char *value);
void                _meow_upload_request_free (MeowUploadRequest *request);
MeowUploadResponse *_meow_upload_response_new (guint status, GBytes *body);
void                _meow_upload_response_set_header (MeowUploadResponse *response,
                                                      const char         *name,
                                                      const char         *value);
void                _meow_upload_response_free (MeowUploadResponse *response);
void                _meow_upload_state_clear (MeowUploadState *state);
/* _meow_http_status_error() for @response's status and body. */
GError *_meow_upload_status_error (const MeowUploadResponse *response, const char *redacted_url);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MeowUploadRequest, _meow_upload_request_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (MeowUploadResponse, _meow_upload_response_free)

G_END_DECLS
