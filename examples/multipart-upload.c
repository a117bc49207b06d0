/* multipart-upload.c: an upload protocol written outside libmeow
 *
 * multipart-upload URL FILE [CHUNK_BYTES] uploads FILE to URL with a small
 * S3-multipart-like protocol implemented here, against libmeow's public
 * API only (<meow.h>): libmeow performs the requests, retries, paces and
 * resumes; this file only says what each request is and what each answer
 * means. The protocol:
 *
 *     POST   URL?uploads                       -> 200, "Upload-Id: ID"
 *     GET    URL?uploadId=ID                   -> 200, "Received: BYTES" (resume)
 *     PUT    URL?uploadId=ID&part=N  (chunk N) -> 200
 *     POST   URL?uploadId=ID&complete          -> 200, the object's location
 *     DELETE URL?uploadId=ID                   (on cancel)
 *
 * Parts are numbered from 1 by offset / chunk size, so the chunk size stays
 * fixed. The upload id is the protocol's resume data: libmeow reports it in
 * the task's records (meow_transfer_record_get_upload_url()) so an
 * application can persist it and give it back with
 * meow_task_builder_set_upload_url() to go on after a restart.
 *
 * With MEOW_EXAMPLE_KEY set, every request (all of the above) is signed
 * through the task's request hook: "X-Example-Signature:
 * HMAC-SHA256(key, METHOD SP PATH?QUERY)" in hex.
 *
 * Build it against an installed libmeow with
 *
 *     cc multipart-upload.c $(pkg-config --cflags --libs meow-1) -o multipart-upload
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <meow.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------ */
/* The protocol: a GObject implementing MeowUploadProtocol             */

#define EXAMPLE_TYPE_MULTIPART (example_multipart_get_type ())
G_DECLARE_FINAL_TYPE (ExampleMultipart, example_multipart, EXAMPLE, MULTIPART, GObject)

/* Stateless: everything an upload needs is in its MeowUploadState, so one
 * object could serve any number of uploads (the engine's worker thread
 * calls it). */
struct _ExampleMultipart
{
  GObject parent_instance;
};

static void example_multipart_protocol_init (MeowUploadProtocolInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (ExampleMultipart,
                               example_multipart,
                               G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (MEOW_TYPE_UPLOAD_PROTOCOL,
                                                      example_multipart_protocol_init))

/* URL?QUERY (the task's URL has no query of its own here). */
static char *
url_with (MeowUploadState *state, const char *query)
{
  return g_strconcat (meow_upload_state_get_url (state), "?", query, NULL);
}

static GError *
status_error (const MeowResponse *response, const char *what)
{
  return g_error_new (MEOW_ERROR, MEOW_ERROR_RESPONSE_STATUS, "%s: the server answered %u", what,
                      meow_response_get_status (response));
}

static MeowRequest *
multipart_prepare (MeowUploadProtocol *self, MeowUploadState *state)
{
  const char      *id = meow_upload_state_get_resume_data (state);
  g_autofree char *query = NULL;
  g_autofree char *url = NULL;

  if (id == NULL)
    {
      /* A new upload: create it. */
      url = url_with (state, "uploads");
      return meow_request_new ("POST", url);
    }
  /* Resuming (after a pause, a failure or a restart): ask what arrived. */
  query = g_strdup_printf ("uploadId=%s", id);
  url = url_with (state, query);
  return meow_request_new ("GET", url);
}

static gboolean
multipart_parse_prepare (MeowUploadProtocol *self,
                         MeowUploadState    *state,
                         const MeowResponse *response,
                         MeowUploadNext     *next,
                         GError            **error)
{
  const char *id = meow_upload_state_get_resume_data (state);

  *next = MEOW_UPLOAD_NEXT_CHUNK;
  if (id == NULL)
    {
      const char *new_id = meow_response_get_header (response, "Upload-Id");

      if (meow_response_get_status (response) != 200 || new_id == NULL || *new_id == '\0')
        {
          g_propagate_error (error, status_error (response, "creating the upload"));
          return FALSE;
        }
      meow_upload_state_set_resume_data (state, new_id);
      meow_upload_state_set_offset (state, 0);
      return TRUE;
    }

  if (meow_response_get_status (response) == 404)
    {
      /* The server forgot the upload: start a new one. */
      meow_upload_state_set_resume_data (state, NULL);
      *next = MEOW_UPLOAD_NEXT_PREPARE;
      return TRUE;
    }
  if (meow_response_get_status (response) != 200)
    {
      g_propagate_error (error, status_error (response, "asking for the upload's parts"));
      return FALSE;
    }
  {
    const char *received = meow_response_get_header (response, "Received");
    char       *end = NULL;
    gint64      offset = received ? g_ascii_strtoll (received, &end, 10) : -1;
    gint64      chunk = meow_upload_state_get_chunk_size (state);

    if (received == NULL || end == received || *end != '\0' || offset < 0 ||
        offset > meow_upload_state_get_total_size (state))
      {
        g_set_error (error, MEOW_ERROR, MEOW_ERROR_RESPONSE_STATUS,
                     "the server's Received header is missing or wrong: %s",
                     received ? received : "(none)");
        return FALSE;
      }
    /* Whole parts only: a part that arrived in part is sent again. */
    if (offset < meow_upload_state_get_total_size (state))
      offset -= offset % chunk;
    meow_upload_state_set_offset (state, offset);
  }
  return TRUE;
}

static MeowRequest *
multipart_next_chunk (MeowUploadProtocol *self, MeowUploadState *state, gint64 length)
{
  gint64           offset = meow_upload_state_get_offset (state);
  gint64           part = offset / meow_upload_state_get_chunk_size (state) + 1;
  g_autofree char *query = g_strdup_printf ("uploadId=%s&part=%" G_GINT64_FORMAT,
                                            meow_upload_state_get_resume_data (state), part);
  g_autofree char *url = url_with (state, query);
  MeowRequest     *request = meow_request_new ("PUT", url);

  meow_request_set_header (request, "Content-Type", "application/octet-stream");
  meow_request_set_body_range (request, offset, length);
  return request;
}

static gboolean
multipart_parse_chunk (MeowUploadProtocol *self,
                       MeowUploadState    *state,
                       const MeowResponse *response,
                       gint64              sent_length,
                       MeowUploadNext     *next,
                       GError            **error)
{
  *next = MEOW_UPLOAD_NEXT_CHUNK;
  if (meow_response_get_status (response) != 200)
    {
      g_propagate_error (error, status_error (response, "sending a part"));
      return FALSE;
    }
  meow_upload_state_set_offset (state, meow_upload_state_get_offset (state) + sent_length);
  return TRUE;
}

static MeowRequest *
multipart_complete (MeowUploadProtocol *self, MeowUploadState *state)
{
  g_autofree char *query =
      g_strdup_printf ("uploadId=%s&complete", meow_upload_state_get_resume_data (state));
  g_autofree char *url = url_with (state, query);

  return meow_request_new ("POST", url);
}

static gboolean
multipart_parse_complete (MeowUploadProtocol *self,
                          MeowUploadState    *state,
                          const MeowResponse *response,
                          GError            **error)
{
  GBytes          *body = meow_response_get_body (response);
  g_autofree char *location = NULL;

  if (meow_response_get_status (response) != 200 || body == NULL)
    {
      g_propagate_error (error, status_error (response, "completing the upload"));
      return FALSE;
    }
  location = g_strndup (g_bytes_get_data (body, NULL), g_bytes_get_size (body));
  meow_upload_state_set_complete (state, g_strstrip (location));
  return TRUE;
}

static MeowRequest *
multipart_abort (MeowUploadProtocol *self, MeowUploadState *state)
{
  g_autofree char *query = NULL;
  g_autofree char *url = NULL;

  if (meow_upload_state_get_resume_data (state) == NULL)
    return NULL;
  query = g_strdup_printf ("uploadId=%s", meow_upload_state_get_resume_data (state));
  url = url_with (state, query);
  return meow_request_new ("DELETE", url);
}

static void
example_multipart_protocol_init (MeowUploadProtocolInterface *iface)
{
  iface->prepare = multipart_prepare;
  iface->parse_prepare = multipart_parse_prepare;
  iface->next_chunk = multipart_next_chunk;
  iface->parse_chunk = multipart_parse_chunk;
  iface->complete = multipart_complete;
  iface->parse_complete = multipart_parse_complete;
  iface->abort = multipart_abort;
  /* no needs_file_md5: the upload starts at once, without hashing */
}

static void
example_multipart_class_init (ExampleMultipartClass *klass)
{
}

static void
example_multipart_init (ExampleMultipart *self)
{
}

/* ------------------------------------------------------------------ */
/* Signing every request: the request hook                             */

/* On the engine's worker thread; @user_data (the key) lives as long as
 * the task (freed by the destroy notify). */
static void
sign_request (MeowRequest *request, gpointer user_data)
{
  const char *key = user_data;
  g_autoptr (GUri) uri = g_uri_parse (meow_request_get_url (request), G_URI_FLAGS_ENCODED, NULL);
  g_autofree char *text = NULL;
  g_autofree char *signature = NULL;

  if (uri == NULL)
    return;
  text = g_strdup_printf ("%s %s%s%s", meow_request_get_method (request), g_uri_get_path (uri),
                          g_uri_get_query (uri) ? "?" : "",
                          g_uri_get_query (uri) ? g_uri_get_query (uri) : "");
  signature =
      g_compute_hmac_for_string (G_CHECKSUM_SHA256, (const guchar *) key, strlen (key), text, -1);
  meow_request_set_header (request, "X-Example-Signature", signature);
}

/* ------------------------------------------------------------------ */
/* The program                                                         */

typedef struct
{
  GMainLoop  *loop;
  MeowClient *client;
  char       *payload;
  GError     *error;
} Example;

static void
record_cb (MeowClient *client, const MeowTransferRecord *record, gpointer user_data)
{
  if (meow_transfer_record_get_status (record) == MEOW_STATUS_TRANSMISSION)
    printf ("progress %" G_GUINT64_FORMAT " of %" G_GINT64_FORMAT "\n",
            meow_transfer_record_get_transferred (record), meow_transfer_record_get_total (record));
  if (meow_transfer_record_get_upload_url (record) != NULL)
    printf ("resume data %s\n", meow_transfer_record_get_upload_url (record));
}

static void
done_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Example *ex = user_data;

  ex->payload = meow_client_enqueue_and_wait_finish (ex->client, result, &ex->error);
  g_main_loop_quit (ex->loop);
}

int
main (int argc, char **argv)
{
  g_autoptr (MeowConfig) config = meow_config_new ();
  g_autoptr (MeowClient) client = NULL;
  g_autoptr (MeowTaskBuilder) builder = NULL;
  g_autoptr (MeowUploadProtocol) protocol = NULL;
  g_autoptr (MeowTask) task = NULL;
  g_autoptr (GError) error = NULL;
  const char *key = g_getenv ("MEOW_EXAMPLE_KEY");
  Example     ex = { 0 };
  int         status = 1;

  if (argc != 3 && argc != 4)
    {
      fprintf (stderr, "usage: %s URL FILE [CHUNK_BYTES]\n", argv[0]);
      return 2;
    }

  client = meow_client_new (config, &error);
  if (client == NULL)
    {
      fprintf (stderr, "meow_client_new: %s\n", error->message);
      return 1;
    }
  meow_client_add_listener (client, record_cb, NULL, NULL, NULL);

  protocol = g_object_new (EXAMPLE_TYPE_MULTIPART, NULL);
  builder = meow_task_builder_new_upload_file (argv[1], argv[2]);
  meow_task_builder_set_upload_protocol_impl (builder, protocol);
  if (argc == 4)
    meow_task_builder_set_chunk_size (builder, g_ascii_strtoll (argv[3], NULL, 10));
  if (key != NULL)
    meow_task_builder_set_request_hook (builder, sign_request, g_strdup (key), g_free);
  task = meow_task_builder_build (builder, &error);
  if (task == NULL)
    {
      fprintf (stderr, "build: %s\n", error->message);
      return 1;
    }

  ex.loop = g_main_loop_new (NULL, FALSE);
  ex.client = client;
  meow_client_enqueue_and_wait_async (client, task, NULL, done_cb, &ex);
  g_main_loop_run (ex.loop);

  if (ex.error == NULL)
    {
      printf ("complete: %s\n", ex.payload);
      status = 0;
    }
  else
    fprintf (stderr, "failed: %s\n", ex.error->message);

  meow_client_close (client, NULL);
  g_main_loop_unref (ex.loop);
  g_clear_error (&ex.error);
  g_free (ex.payload);
  return status;
}
