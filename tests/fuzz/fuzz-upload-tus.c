/* fuzz-upload-tus.c: tus 1.0 answers (Upload-Offset, Location, status)
 *
 * The input is a server's answer written as text:
 *
 *   204                          status (or "HTTP/1.1 204 No Content")
 *   Upload-Offset: 300           headers, one a line, "Name: value"
 *   Location: /files/1
 *                                an empty line, then the body
 *
 * It goes through parse_prepare (as the answer to the creation POST and to
 * the HEAD) and parse_chunk on a few upload states, the way the engine
 * calls them. Promises checked: the offset stays within [0, total]; a
 * complete upload sits at the total with the upload URL as its payload;
 * the engine is never told to send a chunk without an upload URL; a chunk
 * answer that moves the offset moves it forward; a refusal is a MEOW_ERROR
 * with a readable, bounded message that never shows the password.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "fuzz-common.h"
#include "meow-upload-protocol-private.h"

#define TASK_URL "http://user:" FUZZ_PASSWORD "@127.0.0.1:1080/files/"
#define UPLOAD_URL "http://user:" FUZZ_PASSWORD "@127.0.0.1:1080/files/abc"

typedef struct
{
  gboolean has_upload_url; /* FALSE: the answer to the creation POST */
  gint64   total;
  gint64   offset;
  gint64   sent;
  guint    stalled_rounds;
} Start;

static const Start starts[] = {
  { FALSE, 1000, 0, 0, 0 },
  { FALSE, 0, 0, 0, 0 },
  { TRUE, 1000, 0, 0, 0 },
  { TRUE, 1000, 400, 100, 0 },
  { TRUE, 1000, 400, 100, MEOW_UPLOAD_MAX_STALLED_ROUNDS - 1 },
  { TRUE, 0, 0, 0, 0 },
  { TRUE, G_MAXINT64, G_MAXINT64 - 10, 10, 0 },
};

/* A quoted body of 4 KiB (up to 3 bytes a byte), a header value of up to
 * 64 KiB, and a sentence. */
#define MAX_MESSAGE (3 * MEOW_UPLOAD_ERROR_BODY_MAX + 65536 + 1024)

/* Parses the input into a response. Lines end at '\n' (a '\r' before it
 * is dropped); a header line without ':' is skipped. */
static MeowUploadResponse *
parse_response (const char *data, gsize size)
{
  const char         *p = data;
  const char         *end = data + size;
  guint               status = 0;
  GBytes             *body;
  MeowUploadResponse *response;
  GPtrArray          *lines = g_ptr_array_new_with_free_func (g_free);
  gboolean            first = TRUE;

  while (p < end)
    {
      const char *nl = memchr (p, '\n', (gsize) (end - p));
      const char *line_end = nl != NULL ? nl : end;
      char       *line;

      if (line_end > p && line_end[-1] == '\r')
        line_end--;
      line = g_strndup (p, (gsize) (line_end - p));
      p = nl != NULL ? nl + 1 : end;

      if (first)
        {
          const char *s = line;

          if (g_str_has_prefix (s, "HTTP/"))
            s += strcspn (s, " ");
          status = (guint) g_ascii_strtoull (s, NULL, 10);
          first = FALSE;
          g_free (line);
          continue;
        }
      if (line[0] == '\0')
        {
          g_free (line);
          break;
        }
      g_ptr_array_add (lines, line);
    }

  body = g_bytes_new (p, (gsize) (end - p));
  response = _meow_upload_response_new (status, body);
  g_bytes_unref (body);

  for (guint i = 0; i < lines->len; i++)
    {
      char *line = g_ptr_array_index (lines, i);
      char *colon = strchr (line, ':');

      if (colon == NULL)
        continue;
      *colon = '\0';
      _meow_upload_response_set_header (response, line, colon + 1);
    }
  g_ptr_array_unref (lines);
  return response;
}

static void
state_init (MeowUploadState *state, const Start *start)
{
  memset (state, 0, sizeof *state);
  state->url = g_strdup (TASK_URL);
  state->file_name = g_strdup ("photo.jpg");
  state->file_md5 = g_strdup ("d41d8cd98f00b204e9800998ecf8427e");
  state->total_size = start->total;
  state->chunk_size = 1024 * 1024;
  state->offset = start->offset;
  state->stalled_rounds = start->stalled_rounds;
  if (start->has_upload_url)
    state->upload_url = g_strdup (UPLOAD_URL);
}

static void
check_state (const MeowUploadState *state, gboolean ok, MeowUploadNext next, const GError *error)
{
  FUZZ_CHECK (state->offset >= 0 && state->offset <= state->total_size,
              "offset %" G_GINT64_FORMAT " outside [0, %" G_GINT64_FORMAT "]", state->offset,
              state->total_size);
  FUZZ_CHECK (!state->complete || state->offset == state->total_size,
              "complete at %" G_GINT64_FORMAT " of %" G_GINT64_FORMAT, state->offset,
              state->total_size);
  FUZZ_CHECK (!state->complete || g_strcmp0 (state->payload, state->upload_url) == 0,
              "payload “%s”, upload URL “%s”", state->payload, state->upload_url);
  if (ok)
    {
      FUZZ_CHECK (error == NULL, "error set on success");
      FUZZ_CHECK (next != MEOW_UPLOAD_NEXT_CHUNK || state->upload_url != NULL,
                  "a chunk is due but there is no upload URL");
      if (state->upload_url != NULL && next == MEOW_UPLOAD_NEXT_CHUNK && !state->complete)
        {
          /* The engine builds the next request from this state. */
          g_autoptr (MeowUploadRequest) request = _meow_upload_protocol_tus.build_chunk (
              state, MIN (state->chunk_size, state->total_size - state->offset));

          FUZZ_CHECK (request != NULL, "no chunk request");
          FUZZ_CHECK (request->body_offset == state->offset, "body offset");
        }
    }
  else
    {
      fuzz_check_error (error, MEOW_ERROR, -1, MAX_MESSAGE);
      FUZZ_CHECK (strstr (error->message, FUZZ_PASSWORD) == NULL, "password in “%s”",
                  error->message);
    }
}

static void
run (const Start *start, const MeowUploadResponse *response)
{
  const MeowUploadProtocolVTable *tus = &_meow_upload_protocol_tus;

  /* What the engine does first (creation POST or HEAD), and after a failure. */
  {
    MeowUploadState state;
    MeowUploadNext  next = MEOW_UPLOAD_NEXT_CHUNK;
    g_autoptr (GError) error = NULL;
    gboolean ok;

    state_init (&state, start);
    ok = tus->parse_prepare (&state, response, &next, &error);
    check_state (&state, ok, next, error);
    _meow_upload_state_clear (&state);
  }

  /* A PATCH's answer (the engine only sends one with an upload URL). */
  if (start->has_upload_url)
    {
      MeowUploadState state;
      MeowUploadNext  next = MEOW_UPLOAD_NEXT_CHUNK;
      g_autoptr (GError) error = NULL;
      gboolean ok;

      state_init (&state, start);
      ok = tus->parse_chunk (&state, response, start->sent, &next, &error);
      check_state (&state, ok, next, error);
      if (ok && next == MEOW_UPLOAD_NEXT_CHUNK && state.stalled_rounds == 0)
        FUZZ_CHECK (state.offset > start->offset, "progress without moving forward");
      _meow_upload_state_clear (&state);
    }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr (MeowUploadResponse) response = parse_response ((const char *) data, size);

  for (gsize i = 0; i < G_N_ELEMENTS (starts); i++)
    run (&starts[i], response);
  return 0;
}
