/* tus-cancel.c: cancelling a tus upload terminates it on the server
 *
 *   tus-cancel ENDPOINT FILE
 *
 * A helper of test-tus-upload.sh, using libmeow directly because meow-cli
 * has no cancel. Enqueues FILE as a slow (speed-limited) tus upload to
 * ENDPOINT, waits until a record reports the upload URL the server created
 * and at least 512 KiB sent, then calls meow_client_cancel() with the client still open and polls
 * `HEAD upload-URL` until the server answers 404 (tus termination: the
 * engine sends DELETE). Every wait is bounded.
 *
 * Prints on stdout, one per line:
 *   upload-url URL
 *   canceled-at BYTES      (bytes transferred in the last record before cancel)
 *   status CODE            (the Canceled record's status, 5)
 *   head-status CODE       (the last HEAD answer, 404 when terminated)
 *   head-seconds SECONDS   (from cancel to the first 404)
 * Exit status: 0 terminated (404), 1 something else happened (said on
 * stderr), 2 usage.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <stdio.h>

#include <curl/curl.h>
#include <glib.h>

#include "meow.h"

#define UPLOAD_URL_TIMEOUT_S 30
#define CANCELED_TIMEOUT_S 10
#define HEAD_TIMEOUT_S 10

/* Cancel in the middle of a PATCH, not between creation and the first one. */
#define CANCEL_AFTER (512 * 1024)

/* Slow enough that a 64 MiB file is far from done when the URL appears. */
#define SPEED_LIMIT (2 * 1024 * 1024)

typedef struct
{
  GMainLoop *loop;
  gboolean   ready; /* the upload URL is known and CANCEL_AFTER bytes went */
  char      *upload_url;
  guint64    transferred;
  MeowStatus last_status;
  gboolean   finished; /* a terminal record arrived */
  gboolean   timed_out;
} State;

static void
progress_cb (MeowClient *client, const MeowTransferRecord *record, gpointer user_data)
{
  State      *state = user_data;
  const char *upload_url = meow_transfer_record_get_upload_url (record);
  MeowStatus  status = meow_transfer_record_get_status (record);

  state->last_status = status;
  if (!state->ready && upload_url != NULL && status == MEOW_STATUS_TRANSMISSION &&
      meow_transfer_record_get_transferred (record) >= CANCEL_AFTER)
    {
      state->ready = TRUE;
      state->upload_url = g_strdup (upload_url);
      state->transferred = meow_transfer_record_get_transferred (record);
      g_main_loop_quit (state->loop);
    }
  if (status == MEOW_STATUS_COMPLETE || status == MEOW_STATUS_FAILED ||
      status == MEOW_STATUS_CANCELED)
    {
      state->finished = TRUE;
      if (status == MEOW_STATUS_FAILED)
        g_printerr ("tus-cancel: the upload failed: %s\n",
                    meow_transfer_record_get_error (record)
                        ? meow_transfer_record_get_error (record)->message
                        : "(no error)");
      g_main_loop_quit (state->loop);
    }
}

static gboolean
timeout_cb (gpointer user_data)
{
  State *state = user_data;

  state->timed_out = TRUE;
  g_main_loop_quit (state->loop);
  return G_SOURCE_REMOVE;
}

/* Spins until the callback quits the loop or @seconds pass. */
static gboolean
spin (State *state, guint seconds)
{
  guint id;

  state->timed_out = FALSE;
  id = g_timeout_add_seconds (seconds, timeout_cb, state);
  g_main_loop_run (state->loop);
  if (!state->timed_out)
    g_source_remove (id);
  return !state->timed_out;
}

static size_t
discard_cb (char *ptr, size_t size, size_t nmemb, void *userdata)
{
  return size * nmemb;
}

/* HEAD with Tus-Resumable; the status, or 0 on a transport error. */
static long
head_status (const char *url)
{
  CURL              *easy = curl_easy_init ();
  struct curl_slist *headers = curl_slist_append (NULL, "Tus-Resumable: 1.0.0");
  long               code = 0;

  curl_easy_setopt (easy, CURLOPT_URL, url);
  curl_easy_setopt (easy, CURLOPT_NOBODY, 1L);
  curl_easy_setopt (easy, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt (easy, CURLOPT_WRITEFUNCTION, discard_cb);
  curl_easy_setopt (easy, CURLOPT_TIMEOUT, 5L);
  curl_easy_setopt (easy, CURLOPT_NOPROXY, "*");
  if (curl_easy_perform (easy) == CURLE_OK)
    curl_easy_getinfo (easy, CURLINFO_RESPONSE_CODE, &code);
  curl_slist_free_all (headers);
  curl_easy_cleanup (easy);
  return code;
}

int
main (int argc, char **argv)
{
  g_autoptr (MeowTaskBuilder) builder = NULL;
  g_autoptr (MeowTask) task = NULL;
  g_autoptr (MeowConfig) config = NULL;
  g_autoptr (MeowClient) client = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *task_id = NULL;
  State            state = { 0 };
  gint64           cancel_time;
  gint64           deadline;
  long             code = 0;
  int              status = 1;

  if (argc != 3)
    {
      g_printerr ("usage: %s ENDPOINT FILE\n", argv[0]);
      return 2;
    }

  curl_global_init (CURL_GLOBAL_DEFAULT);
  state.loop = g_main_loop_new (NULL, FALSE);

  builder = meow_task_builder_new_upload_file (argv[1], argv[2]);
  meow_task_builder_set_upload_protocol (builder, MEOW_UPLOAD_PROTOCOL_TUS);
  meow_task_builder_set_chunk_size (builder, 256 * 1024);
  meow_task_builder_set_speed_limit (builder, SPEED_LIMIT);
  task = meow_task_builder_build (builder, &error);
  if (task == NULL)
    {
      g_printerr ("tus-cancel: %s\n", error->message);
      goto out;
    }

  config = meow_config_new ();
  client = meow_client_new (config, &error);
  if (client == NULL)
    {
      g_printerr ("tus-cancel: %s\n", error->message);
      goto out;
    }

  task_id = meow_client_enqueue (client, task, progress_cb, NULL, &state, NULL, &error);
  if (task_id == NULL)
    {
      g_printerr ("tus-cancel: %s\n", error->message);
      goto out;
    }

  while (!state.ready && !state.finished)
    if (!spin (&state, UPLOAD_URL_TIMEOUT_S))
      break;
  if (!state.ready)
    {
      g_printerr ("tus-cancel: no record reported an upload URL and progress within %d s "
                  "(finished: %d)\n",
                  UPLOAD_URL_TIMEOUT_S, state.finished);
      goto out;
    }
  printf ("upload-url %s\n", state.upload_url);
  printf ("canceled-at %" G_GUINT64_FORMAT "\n", state.transferred);
  fflush (stdout);

  cancel_time = g_get_monotonic_time ();
  if (!meow_client_cancel (client, task_id, &error))
    {
      g_printerr ("tus-cancel: meow_client_cancel: %s\n", error->message);
      goto out;
    }
  while (!state.finished)
    if (!spin (&state, CANCELED_TIMEOUT_S))
      {
        g_printerr ("tus-cancel: no Canceled record within %d s\n", CANCELED_TIMEOUT_S);
        goto out;
      }
  printf ("status %d\n", (int) state.last_status);

  /* The DELETE is a detached request the engine sends on its own; the
   * client stays open meanwhile, so close's grace period does not hide a
   * DELETE that is never sent. */
  deadline = cancel_time + HEAD_TIMEOUT_S * G_USEC_PER_SEC;
  do
    {
      code = head_status (state.upload_url);
      if (code == 404)
        break;
      g_usleep (G_USEC_PER_SEC / 20);
    }
  while (g_get_monotonic_time () < deadline);
  printf ("head-status %ld\n", code);
  if (code == 404)
    printf ("head-seconds %.2f\n",
            (g_get_monotonic_time () - cancel_time) / (double) G_USEC_PER_SEC);
  else
    g_printerr ("tus-cancel: HEAD %s still answered %ld %d s after cancel\n", state.upload_url,
                code, HEAD_TIMEOUT_S);
  status = state.last_status == MEOW_STATUS_CANCELED && code == 404 ? 0 : 1;

out:
  if (client != NULL && !meow_client_is_closed (client))
    meow_client_close (client, NULL);
  g_free (state.upload_url);
  g_main_loop_unref (state.loop);
  curl_global_cleanup ();
  return status;
}
