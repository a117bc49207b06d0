/* fuzz-download-verdict.c: a download's verdict on any response
 *
 * The first bytes of the input say what was asked (which request, the
 * offset, the end, the known total, which validators are held); the rest
 * are header lines, fed one by one to a MeowHttpHead as libcurl would, and
 * the answer read from it goes to _meow_download_verdict().
 *
 * Promises checked: an error is set exactly for RETRY and FAIL, in the
 * MEOW_ERROR domain, a sane sentence; bytes are accepted only where they
 * belong (at the offset asked for, or at 0 for a whole-file 200 that drops
 * the held bytes, and then with a reason); a 206 accepted for held bytes
 * keeps their total; a segment never takes new validators, never asks
 * again, never completes; only a segment drops segments; only a HEAD is
 * PROBED or UNPROBED; a restart has a reason; a 416 completes only a
 * file whose held bytes are its total, never to an overlap request; a 206
 * accepted for an overlap compares exactly the overlap first.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "fuzz-common.h"
#include "meow-download-verdict-private.h"

#define URL "https://example.org/f.bin"

static void
check (const MeowDownloadAsk *ask, const MeowDownloadAnswer *answer, MeowVerdict *v)
{
  gboolean errs = v->kind == MEOW_VERDICT_RETRY || v->kind == MEOW_VERDICT_FAIL;

  FUZZ_CHECK ((v->error != NULL) == errs, "kind %d, error %p", v->kind, (void *) v->error);
  if (errs)
    fuzz_check_error (v->error, MEOW_ERROR, -1, 2048);

  switch (v->kind)
    {
    case MEOW_VERDICT_ACCEPT:
      FUZZ_CHECK (ask->kind != MEOW_ASK_PROBE, "a HEAD's answer accepted");
      FUZZ_CHECK (v->offset == ask->offset || (v->offset == 0 && answer->status == 200),
                  "bytes at %" G_GINT64_FORMAT " for a request from %" G_GINT64_FORMAT, v->offset,
                  ask->offset);
      FUZZ_CHECK (v->offset + v->compare >= ask->offset + ask->overlap ||
                      v->reason != MEOW_RESTART_NONE,
                  "held bytes dropped without a reason");
      FUZZ_CHECK (v->compare == (answer->status == 206 ? ask->overlap : 0),
                  "compares %" G_GINT64_FORMAT " bytes of an overlap of %" G_GINT64_FORMAT,
                  v->compare, ask->overlap);
      if (answer->status == 206)
        {
          FUZZ_CHECK (ask->ranged, "a 206 accepted for a request without Range");
          FUZZ_CHECK (v->total >= 0, "a 206 accepted without a total");
          FUZZ_CHECK (ask->fresh || ask->total < 0 || v->total == ask->total,
                      "total %" G_GINT64_FORMAT " for held bytes of %" G_GINT64_FORMAT, v->total,
                      ask->total);
          FUZZ_CHECK (ask->end < 0 || v->offset < ask->end, "accepted past the end asked for");
        }
      else
        FUZZ_CHECK (answer->status == 200, "status %ld accepted", answer->status);
      FUZZ_CHECK (ask->kind != MEOW_ASK_SEGMENT || !v->take_validators,
                  "a segment took new validators");
      break;
    case MEOW_VERDICT_COMPLETE:
      FUZZ_CHECK (ask->kind == MEOW_ASK_FIRST && answer->status == 416, "kind %d, status %ld",
                  ask->kind, answer->status);
      FUZZ_CHECK (v->total == ask->offset, "complete at %" G_GINT64_FORMAT " of %" G_GINT64_FORMAT,
                  ask->offset, v->total);
      FUZZ_CHECK (ask->overlap == 0, "an overlap request completes");
      break;
    case MEOW_VERDICT_REISSUE:
      FUZZ_CHECK (ask->kind == MEOW_ASK_FIRST && ask->fresh, "asked again for kind %d", ask->kind);
      break;
    case MEOW_VERDICT_RESTART:
      FUZZ_CHECK (ask->kind != MEOW_ASK_PROBE, "a HEAD restarts");
      FUZZ_CHECK (v->reason != MEOW_RESTART_NONE, "a restart without a reason");
      FUZZ_CHECK (ask->ranged, "a restart for a request without Range");
      break;
    case MEOW_VERDICT_DROP_SEGMENTS:
      FUZZ_CHECK (ask->kind == MEOW_ASK_SEGMENT && answer->status == 200, "kind %d, status %ld",
                  ask->kind, answer->status);
      break;
    case MEOW_VERDICT_PROBED:
      FUZZ_CHECK (v->total >= 0, "probed without a length");
      G_GNUC_FALLTHROUGH;
    case MEOW_VERDICT_UNPROBED:
      FUZZ_CHECK (ask->kind == MEOW_ASK_PROBE, "kind %d probed", ask->kind);
      break;
    case MEOW_VERDICT_STATUS:
      FUZZ_CHECK (answer->status != 200 && answer->status != 206 && answer->status != 416,
                  "status %ld is an error", answer->status);
      break;
    case MEOW_VERDICT_NEXT:
      FUZZ_CHECK (answer->status < 200 || (answer->status >= 300 && answer->status < 400),
                  "status %ld skipped", answer->status);
      break;
    case MEOW_VERDICT_RETRY:
    case MEOW_VERDICT_FAIL:
      break;
    }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  static const char *const etags[] = { NULL, "\"v1\"", "W/\"v1\"" };
  static const char *const dates[] = { NULL, "Sun, 06 Nov 1994 08:49:37 GMT" };
  MeowDownloadAsk          ask = { 0 };
  MeowDownloadAnswer       answer;
  MeowHttpHead             head;
  MeowVerdict              v;
  guint8                   flags;
  const char              *p, *end;

  if (size < 1)
    return 0;
  flags = data[0];
  data++, size--;

  ask.kind = (MeowAskKind) (flags % 3);
  ask.url = URL;
  /* Small numbers, so they meet the ones in the header lines. */
  ask.offset = (fuzz_take_int64 (&data, &size) & 0xFFFF);
  ask.total = (flags & 0x08) ? ask.offset + (fuzz_take_int64 (&data, &size) & 0xFFFF) : -1;
  ask.end = (flags & 0x10) ? ask.offset + 1 + (fuzz_take_int64 (&data, &size) & 0xFFFF) : -1;
  ask.etag = etags[((flags >> 5) & 3) % 3];
  ask.last_modified = dates[(flags >> 7) & 1];
  switch (ask.kind)
    {
    case MEOW_ASK_PROBE:
      ask.offset = 0;
      ask.end = -1;
      break;
    case MEOW_ASK_SEGMENT:
      /* Segments of a split download: a bounded range of a known total. */
      ask.split = TRUE;
      ask.ranged = TRUE;
      if (ask.total < 0)
        ask.total = ask.offset + 1 + 0xFFFF;
      if (ask.end < 0 || ask.end > ask.total)
        ask.end = ask.total;
      if (ask.offset >= ask.end)
        ask.offset = ask.end - 1;
      break;
    case MEOW_ASK_FIRST:
      ask.split = ask.end >= 0;
      ask.fresh = !ask.split && ask.offset == 0 && (flags & 0x04);
      ask.ranged = ask.fresh || ask.offset > 0 || ask.split || (flags & 0x40);
      if (ask.fresh)
        {
          ask.total = -1;
          ask.etag = NULL;
          ask.last_modified = NULL;
        }
      break;
    }
  ask.conditional = ask.ranged && !ask.fresh && (ask.etag || ask.last_modified);
  /* Held bytes nothing vouches for (flag 0x04 on a resume or a segment):
   * the range starts an overlap below the held end, to compare. */
  if (ask.kind != MEOW_ASK_PROBE && ask.ranged && !ask.fresh && (flags & 0x04))
    {
      ask.overlap = MIN (ask.offset, (gint64) (ask.offset & 0xFF) + 1);
      ask.offset -= ask.overlap;
    }

  _meow_http_head_init (&head);
  p = (const char *) data;
  end = p + size;
  while (p < end)
    {
      const char *nl = memchr (p, '\n', (gsize) (end - p));
      const char *next = nl ? nl + 1 : end;

      _meow_http_head_feed (&head, p, (gsize) (next - p));
      p = next;
    }
  _meow_download_answer_from_head (&answer, &head);
  FUZZ_CHECK (answer.content_length >= -1, "length %" G_GINT64_FORMAT, answer.content_length);

  _meow_download_verdict (&ask, &answer, &v);
  check (&ask, &answer, &v);
  g_clear_error (&v.error);
  _meow_http_head_clear (&head);
  return 0;
}
