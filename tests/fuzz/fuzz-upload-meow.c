/* fuzz-upload-meow.c: the default upload protocol's JSON replies
 *
 * The input is the body of a server's answer. It goes through parse_prepare
 * and parse_chunk of the "meow" protocol on a few upload states (empty file,
 * middle of a file, a file at the top of the gint64 range, a state about to
 * count as stalled), with a 200 and with a 500 status. Promises checked:
 * the offset stays within [0, total] (never negative, never past the end),
 * a complete upload sits at the total, a chunk answer never moves the
 * offset past what the server may ask for, and a refusal is a
 * RESPONSE_PARSE / RESPONSE_STATUS / STALLED error with a readable,
 * bounded message.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "fuzz-common.h"
#include "meow-upload-protocol-private.h"

typedef struct
{
  gint64 total;
  gint64 offset;
  gint64 sent;
  guint  stalled_rounds;
} Start;

static const Start starts[] = {
  { 0, 0, 0, 0 },
  { 1000, 400, 100, 0 },
  { 1000, 900, 100, 0 },
  { 1000, 400, 100, MEOW_UPLOAD_MAX_STALLED_ROUNDS - 1 },
  { G_MAXINT64, G_MAXINT64 - 10, 10, 0 },
};

/* Longest message: a 4 KiB body quoted at up to 3 bytes per byte, plus the sentence. */
#define MAX_MESSAGE (3 * MEOW_UPLOAD_ERROR_BODY_MAX + 1024)

static void
state_init (MeowUploadState *state, const Start *start)
{
  memset (state, 0, sizeof *state);
  state->url = g_strdup ("http://user:" FUZZ_PASSWORD "@127.0.0.1:8080/upload");
  state->file_name = g_strdup ("photo.jpg");
  state->file_md5 = g_strdup ("d41d8cd98f00b204e9800998ecf8427e");
  state->total_size = start->total;
  state->chunk_size = 1024 * 1024;
  state->offset = start->offset;
  state->stalled_rounds = start->stalled_rounds;
}

static void
check_state (const MeowUploadState *state, gboolean ok, const GError *error)
{
  FUZZ_CHECK (state->offset >= 0 && state->offset <= state->total_size,
              "offset %" G_GINT64_FORMAT " outside [0, %" G_GINT64_FORMAT "]", state->offset,
              state->total_size);
  FUZZ_CHECK (!state->complete || state->offset == state->total_size,
              "complete at %" G_GINT64_FORMAT " of %" G_GINT64_FORMAT, state->offset,
              state->total_size);
  FUZZ_CHECK (state->payload == NULL || (state->complete && state->payload[0] != '\0'),
              "payload “%s” without completion", state->payload);
  if (ok)
    FUZZ_CHECK (error == NULL, "error set on success");
  else
    {
      fuzz_check_error (error, MEOW_ERROR, -1, MAX_MESSAGE);
      FUZZ_CHECK (error->code == MEOW_ERROR_RESPONSE_PARSE ||
                      error->code == MEOW_ERROR_RESPONSE_STATUS ||
                      error->code == MEOW_ERROR_STALLED,
                  "code %d", error->code);
      FUZZ_CHECK (strstr (error->message, FUZZ_PASSWORD) == NULL, "password in “%s”",
                  error->message);
    }
}

static void
run (const Start *start, guint status, GBytes *body)
{
  const MeowUploadProtocolVTable *meow = &_meow_upload_protocol_meow;
  g_autoptr (MeowUploadResponse) response = _meow_upload_response_new (status, body);

  /* prepare */
  {
    MeowUploadState state;
    MeowUploadNext  next = MEOW_UPLOAD_NEXT_PREPARE;
    g_autoptr (GError) error = NULL;
    gboolean ok;

    state_init (&state, start);
    ok = meow->parse_prepare (&state, response, &next, &error);
    check_state (&state, ok, error);
    if (ok)
      FUZZ_CHECK (next == MEOW_UPLOAD_NEXT_CHUNK, "next %d", next);
    _meow_upload_state_clear (&state);
  }

  /* chunk */
  {
    MeowUploadState state;
    MeowUploadNext  next = MEOW_UPLOAD_NEXT_PREPARE;
    g_autoptr (GError) error = NULL;
    gboolean ok;

    state_init (&state, start);
    ok = meow->parse_chunk (&state, response, start->sent, &next, &error);
    check_state (&state, ok, error);
    if (ok)
      FUZZ_CHECK (next == MEOW_UPLOAD_NEXT_CHUNK, "next %d", next);
    else
      FUZZ_CHECK (state.offset <= start->offset + start->sent, "moved on failure");
    _meow_upload_state_clear (&state);
  }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr (GBytes) body = g_bytes_new (data, size);

  for (gsize i = 0; i < G_N_ELEMENTS (starts); i++)
    run (&starts[i], 200, body);
  run (&starts[1], 500, body);
  return 0;
}
