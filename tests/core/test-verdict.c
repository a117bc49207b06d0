/* test-verdict.c: what a download does with a response, table-driven
 *
 * Every row is one request (what was asked, what is held) and one answer
 * (status and headers), and the verdict the engine must reach. No server,
 * no engine: _meow_download_verdict() is pure.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <string.h>

#include <glib.h>

#include "meow-download-verdict-private.h"
#include "meow-error.h"

#define URL "https://example.org/f.bin"
#define ETAG "\"v1\""
#define OTHER_ETAG "\"v2\""
#define WEAK_ETAG "W/\"v1\""
#define LM "Sun, 06 Nov 1994 08:49:37 GMT"
#define OTHER_LM "Mon, 07 Nov 1994 08:49:37 GMT"

/* What was asked. */
#define NEW                                                                                        \
  {                                                                                                \
    MEOW_ASK_FIRST, URL, 0, -1, TRUE, FALSE, TRUE, FALSE, -1, NULL, NULL                           \
  }
#define PLAIN(total)                                                                               \
  {                                                                                                \
    MEOW_ASK_FIRST, URL, 0, -1, FALSE, FALSE, FALSE, FALSE, total, NULL, NULL                      \
  }
#define RESUME(offset, total, etag, lm)                                                            \
  {                                                                                                \
    MEOW_ASK_FIRST, URL, offset, -1, TRUE, (etag) != NULL || (lm) != NULL, FALSE, FALSE, total,    \
        etag, lm                                                                                   \
  }
#define SPLIT_FIRST(offset, end, total, etag)                                                      \
  {                                                                                                \
    MEOW_ASK_FIRST, URL, offset, end, TRUE, (etag) != NULL, FALSE, TRUE, total, etag, NULL         \
  }
#define SEGMENT(offset, end, total, etag)                                                          \
  {                                                                                                \
    MEOW_ASK_SEGMENT, URL, offset, end, TRUE, (etag) != NULL, FALSE, TRUE, total, etag, NULL       \
  }
/* A resume that no strong validator guards: the range starts @overlap
 * bytes below the @held end, to compare them. */
#define OVERLAP(held, overlap, total)                                                              \
  {                                                                                                \
    MEOW_ASK_FIRST, URL, (held) - (overlap), -1, TRUE, FALSE, FALSE, FALSE, total, NULL, NULL,     \
        overlap                                                                                    \
  }
#define SEGMENT_OVERLAP(held, overlap, end, total)                                                 \
  {                                                                                                \
    MEOW_ASK_SEGMENT, URL, (held) - (overlap), end, TRUE, FALSE, FALSE, TRUE, total, NULL, NULL,   \
        overlap                                                                                    \
  }
#define PROBE                                                                                      \
  {                                                                                                \
    MEOW_ASK_PROBE, URL, 0, -1, FALSE, FALSE, FALSE, FALSE, -1, NULL, NULL                         \
  }

/* What came back: status, Content-Length (-1: none), Content-Range, ETag,
 * Last-Modified; Accept-Ranges: bytes; a Location. */
#define ANSWER(status, length, range, etag, lm)                                                    \
  {                                                                                                \
    status, length, range, etag, lm, NULL, FALSE, FALSE                                            \
  }
#define ANSWER_RANGES(status, length, etag)                                                        \
  {                                                                                                \
    status, length, NULL, etag, NULL, NULL, TRUE, FALSE                                            \
  }
/* A 200 web page (a captive portal's login page) with @etag (or none). */
#define HTML(etag)                                                                                 \
  {                                                                                                \
    200, 512, NULL, etag, NULL, "text/html; charset=utf-8", FALSE, FALSE                           \
  }
#define REDIRECT(status)                                                                           \
  {                                                                                                \
    status, 0, NULL, NULL, NULL, NULL, FALSE, TRUE                                                 \
  }

/* What the engine must do. */
#define ACCEPT(offset, total, take, ranges, reason)                                                \
  {                                                                                                \
    MEOW_VERDICT_ACCEPT, offset, total, take, ranges, reason, 0                                    \
  }
#define ACCEPT_COMPARE(offset, total, take, compare)                                               \
  {                                                                                                \
    MEOW_VERDICT_ACCEPT, offset, total, take, TRUE, MEOW_RESTART_NONE, 0, compare                  \
  }
#define COMPLETE(total)                                                                            \
  {                                                                                                \
    MEOW_VERDICT_COMPLETE, -1, total, FALSE, FALSE, MEOW_RESTART_NONE, 0                           \
  }
#define PROBED(total, ranges)                                                                      \
  {                                                                                                \
    MEOW_VERDICT_PROBED, -1, total, TRUE, ranges, MEOW_RESTART_NONE, 0                             \
  }
#define RESTART(reason)                                                                            \
  {                                                                                                \
    MEOW_VERDICT_RESTART, -1, -1, FALSE, FALSE, reason, 0                                          \
  }
#define ONLY(kind)                                                                                 \
  {                                                                                                \
    kind, -1, -1, FALSE, FALSE, MEOW_RESTART_NONE, 0                                               \
  }
#define RETRY(code)                                                                                \
  {                                                                                                \
    MEOW_VERDICT_RETRY, -1, -1, FALSE, FALSE, MEOW_RESTART_NONE, code                              \
  }
#define FAIL(code)                                                                                 \
  {                                                                                                \
    MEOW_VERDICT_FAIL, -1, -1, FALSE, FALSE, MEOW_RESTART_NONE, code                               \
  }

#define NONE MEOW_RESTART_NONE
#define CHANGED MEOW_RESTART_REMOTE_CHANGED
#define IGNORED MEOW_RESTART_RANGE_IGNORED
#define UNSATISFIABLE MEOW_RESTART_RANGE_NOT_SATISFIABLE
#define BAD_RANGE MEOW_ERROR_INVALID_RANGE
#define BAD_LENGTH MEOW_ERROR_INVALID_CONTENT_LENGTH
#define PORTAL MEOW_ERROR_REMOTE_CHANGED

typedef struct
{
  MeowVerdictKind   kind;
  gint64            offset; /* ACCEPT */
  gint64            total;  /* ACCEPT, COMPLETE, PROBED */
  gboolean          take_validators;
  gboolean          ranges;
  MeowRestartReason reason;
  gint              code;    /* RETRY, FAIL: the MEOW_ERROR code */
  gint64            compare; /* ACCEPT: the overlap bytes to compare first */
} Want;

typedef struct
{
  const char        *name;
  MeowDownloadAsk    ask;
  MeowDownloadAnswer answer;
  Want               want;
} Case;

static const Case cases[] = {
  /* Issue 13: a portal's 200 text/html never replaces known bytes. */
  { "portal/resume-etag-html-other", RESUME (4, 8, ETAG, NULL), HTML (OTHER_ETAG), RETRY (PORTAL) },
  { "portal/resume-etag-html-none", RESUME (4, 8, ETAG, NULL), HTML (NULL), RETRY (PORTAL) },
  { "portal/resume-lm-html-none", RESUME (4, 8, NULL, LM), HTML (NULL), RETRY (PORTAL) },
  { "portal/split-html-none", SPLIT_FIRST (0, 4, 8, ETAG), HTML (NULL), RETRY (PORTAL) },
  { "portal/segment-html-none", SEGMENT (4, 8, 8, ETAG), HTML (NULL), RETRY (PORTAL) },
  /* Nothing held to protect: a web page may be the file asked for. */
  { "portal/new-file-html-is-the-file", NEW, HTML (NULL), ACCEPT (0, 512, TRUE, FALSE, NONE) },
  /* A new file asks for "bytes=0-". */
  { "new/206-states-the-total", NEW, ANSWER (206, 8, "bytes 0-7/8", ETAG, LM),
    ACCEPT (0, 8, TRUE, TRUE, NONE) },
  { "new/206-length-disagrees-with-range", NEW, ANSWER (206, 4, "bytes 0-7/8", ETAG, NULL),
    RETRY (BAD_RANGE) },
  { "new/206-unknown-total-asks-again", NEW, ANSWER (206, 8, "bytes 0-7/*", ETAG, NULL),
    ONLY (MEOW_VERDICT_REISSUE) },
  { "new/206-wrong-start", NEW, ANSWER (206, 7, "bytes 1-7/8", NULL, NULL), FAIL (BAD_RANGE) },
  { "new/206-no-content-range", NEW, ANSWER (206, 8, NULL, NULL, NULL), FAIL (BAD_RANGE) },
  { "new/206-wrong-unit", NEW, ANSWER (206, 8, "items 0-7/8", NULL, NULL), FAIL (BAD_RANGE) },
  { "new/206-reversed", NEW, ANSWER (206, 8, "bytes 7-0/8", NULL, NULL), FAIL (BAD_RANGE) },
  { "new/200-server-without-ranges", NEW, ANSWER_RANGES (200, 8, ETAG),
    ACCEPT (0, 8, TRUE, TRUE, NONE) },
  { "new/200-unknown-length", NEW, ANSWER (200, -1, NULL, NULL, NULL),
    ACCEPT (0, -1, TRUE, FALSE, NONE) },
  { "new/416-empty-file", NEW, ANSWER (416, 0, "bytes */0", NULL, NULL), COMPLETE (0) },
  { "new/416-not-empty", NEW, ANSWER (416, 0, "bytes */5", NULL, NULL), RESTART (UNSATISFIABLE) },
  { "new/204-is-no-empty-file", NEW, ANSWER (204, -1, NULL, NULL, NULL),
    ONLY (MEOW_VERDICT_STATUS) },
  { "new/404", NEW, ANSWER (404, 10, NULL, NULL, NULL), ONLY (MEOW_VERDICT_STATUS) },
  { "new/503", NEW, ANSWER (503, 10, NULL, NULL, NULL), ONLY (MEOW_VERDICT_STATUS) },
  { "new/100-continue", NEW, ANSWER (100, -1, NULL, NULL, NULL), ONLY (MEOW_VERDICT_NEXT) },
  { "new/302-followed", NEW, REDIRECT (302), ONLY (MEOW_VERDICT_NEXT) },
  { "new/307-followed", NEW, REDIRECT (307), ONLY (MEOW_VERDICT_NEXT) },
  { "new/302-without-location", NEW, ANSWER (302, 0, NULL, NULL, NULL),
    ONLY (MEOW_VERDICT_STATUS) },
  { "new/304", NEW, ANSWER (304, -1, NULL, NULL, NULL), ONLY (MEOW_VERDICT_STATUS) },

  /* A resume: "bytes=4-" with If-Range of the strong ETag held. */
  { "resume/206-exact", RESUME (4, 8, ETAG, LM), ANSWER (206, 4, "bytes 4-7/8", ETAG, LM),
    ACCEPT (4, 8, FALSE, TRUE, NONE) },
  { "resume/206-states-no-validator", RESUME (4, 8, ETAG, NULL),
    ANSWER (206, 4, "bytes 4-7/8", NULL, NULL), ACCEPT (4, 8, FALSE, TRUE, NONE) },
  { "resume/206-unknown-total", RESUME (4, 8, ETAG, NULL),
    ANSWER (206, 4, "bytes 4-7/*", ETAG, NULL), ACCEPT (4, 8, FALSE, TRUE, NONE) },
  { "resume/206-shorter-than-asked", RESUME (4, 8, ETAG, NULL),
    ANSWER (206, 2, "bytes 4-5/8", ETAG, NULL), ACCEPT (4, 8, FALSE, TRUE, NONE) },
  { "resume/206-other-version", RESUME (4, 8, ETAG, NULL),
    ANSWER (206, 4, "bytes 4-7/8", OTHER_ETAG, NULL), RESTART (CHANGED) },
  { "resume/206-weak-etag-is-another", RESUME (4, 8, ETAG, NULL),
    ANSWER (206, 4, "bytes 4-7/8", WEAK_ETAG, NULL), RESTART (CHANGED) },
  { "resume/206-wrong-start", RESUME (4, 8, ETAG, NULL), ANSWER (206, 3, "bytes 5-7/8", ETAG, NULL),
    FAIL (BAD_RANGE) },
  { "resume/206-wrong-total", RESUME (4, 8, ETAG, NULL), ANSWER (206, 5, "bytes 4-8/9", ETAG, NULL),
    RESTART (CHANGED) },
  { "resume/206-file-shrank-same-etag", RESUME (4, 8, ETAG, NULL),
    ANSWER (206, 2, "bytes 4-5/6", ETAG, NULL), RESTART (CHANGED) },
  { "resume/206-file-shrank-same-date", RESUME (4, 8, NULL, LM),
    ANSWER (206, 2, "bytes 4-5/6", NULL, LM), RESTART (CHANGED) },
  { "resume/206-file-shrank-no-validator", RESUME (4, 8, NULL, NULL),
    ANSWER (206, 2, "bytes 4-5/6", NULL, NULL), RESTART (CHANGED) },
  { "resume/206-length-disagrees-with-range", RESUME (4, 8, ETAG, NULL),
    ANSWER (206, 2, "bytes 4-7/8", ETAG, NULL), RETRY (BAD_RANGE) },
  { "resume/206-empty-body", RESUME (4, 8, ETAG, NULL), ANSWER (206, 0, "bytes 4-7/8", ETAG, NULL),
    RETRY (BAD_RANGE) },
  { "resume/206-unsatisfied-form", RESUME (4, 8, ETAG, NULL),
    ANSWER (206, 0, "bytes */8", ETAG, NULL), FAIL (BAD_RANGE) },
  { "resume/200-same-version-ignores-range", RESUME (4, 8, ETAG, NULL),
    ANSWER (200, 8, NULL, ETAG, NULL), ACCEPT (0, 8, TRUE, FALSE, IGNORED) },
  { "resume/200-other-version", RESUME (4, 8, ETAG, NULL), ANSWER (200, 9, NULL, OTHER_ETAG, NULL),
    ACCEPT (0, 9, TRUE, FALSE, CHANGED) },
  { "resume/200-without-validator", RESUME (4, 8, ETAG, NULL), ANSWER (200, 8, NULL, NULL, NULL),
    ACCEPT (0, 8, TRUE, FALSE, CHANGED) },
  { "resume/200-same-version-length-lies", RESUME (4, 8, ETAG, NULL),
    ANSWER (200, 7, NULL, ETAG, NULL), RETRY (BAD_LENGTH) },
  { "resume/416-proves-complete", RESUME (8, 8, ETAG, NULL),
    ANSWER (416, 0, "bytes */8", NULL, NULL), COMPLETE (8) },
  { "resume/416-file-shrank", RESUME (8, 8, ETAG, NULL), ANSWER (416, 0, "bytes */5", NULL, NULL),
    RESTART (UNSATISFIABLE) },
  { "resume/416-without-content-range", RESUME (8, 8, ETAG, NULL),
    ANSWER (416, 0, NULL, NULL, NULL), RESTART (UNSATISFIABLE) },
  { "resume/416-other-total", RESUME (8, 9, ETAG, NULL), ANSWER (416, 0, "bytes */8", NULL, NULL),
    RESTART (UNSATISFIABLE) },
  { "resume/416-total-unknown", RESUME (8, -1, ETAG, NULL),
    ANSWER (416, 0, "bytes */8", NULL, NULL), COMPLETE (8) },
  { "resume/206-total-unknown-on-both-sides", RESUME (4, -1, ETAG, NULL),
    ANSWER (206, 4, "bytes 4-7/*", ETAG, NULL), FAIL (BAD_RANGE) },
  { "resume/206-total-learnt", RESUME (4, -1, ETAG, NULL),
    ANSWER (206, 4, "bytes 4-7/8", ETAG, NULL), ACCEPT (4, 8, FALSE, TRUE, NONE) },

  /* Held bytes with only a Last-Modified. */
  { "last-modified/206-other-date", RESUME (4, 8, NULL, LM),
    ANSWER (206, 4, "bytes 4-7/8", NULL, OTHER_LM), RESTART (CHANGED) },
  { "last-modified/206-same-date", RESUME (4, 8, NULL, LM),
    ANSWER (206, 4, "bytes 4-7/8", ETAG, LM), ACCEPT (4, 8, FALSE, TRUE, NONE) },
  { "last-modified/200-same-date", RESUME (4, 8, NULL, LM), ANSWER (200, 8, NULL, NULL, LM),
    ACCEPT (0, 8, TRUE, FALSE, IGNORED) },
  { "last-modified/200-other-date", RESUME (4, 8, NULL, LM), ANSWER (200, 8, NULL, NULL, OTHER_LM),
    ACCEPT (0, 8, TRUE, FALSE, CHANGED) },

  /* Held bytes without any validator: the Range goes unconditionally. */
  { "no-validator/206", RESUME (4, 8, NULL, NULL), ANSWER (206, 4, "bytes 4-7/8", ETAG, LM),
    ACCEPT (4, 8, TRUE, TRUE, NONE) },
  { "no-validator/206-other-total-is-another-file", RESUME (4, 8, NULL, NULL),
    ANSWER (206, 5, "bytes 4-8/9", NULL, NULL), RESTART (CHANGED) },
  { "no-validator/200", RESUME (4, 8, NULL, NULL), ANSWER (200, 8, NULL, NULL, NULL),
    ACCEPT (0, 8, TRUE, FALSE, IGNORED) },

  /* Held bytes no strong validator guards: "bytes=(HELD-OVERLAP)-", the
   * overlap compared before anything is written. */
  { "overlap/206-compares-then-appends", OVERLAP (100, 64, 400),
    ANSWER (206, 364, "bytes 36-399/400", NULL, NULL), ACCEPT_COMPARE (36, 400, TRUE, 64) },
  { "overlap/206-clamped-to-the-held-from-zero", OVERLAP (4, 4, 8),
    ANSWER (206, 8, "bytes 0-7/8", NULL, NULL), ACCEPT_COMPARE (0, 8, TRUE, 4) },
  { "overlap/206-all-held-compares-only", OVERLAP (400, 64, 400),
    ANSWER (206, 64, "bytes 336-399/400", NULL, NULL), ACCEPT_COMPARE (336, 400, TRUE, 64) },
  { "overlap/206-states-validators-takes-them", OVERLAP (100, 64, 400),
    ANSWER (206, 364, "bytes 36-399/400", ETAG, LM), ACCEPT_COMPARE (36, 400, TRUE, 64) },
  { "overlap/206-other-total", OVERLAP (100, 64, 400),
    ANSWER (206, 364, "bytes 36-399/500", NULL, NULL), RESTART (CHANGED) },
  { "overlap/206-wrong-start-is-not-the-held-end", OVERLAP (100, 64, 400),
    ANSWER (206, 300, "bytes 100-399/400", NULL, NULL), FAIL (BAD_RANGE) },
  { "overlap/416-shrank-below-the-overlap", OVERLAP (100, 64, 400),
    ANSWER (416, 0, "bytes */30", NULL, NULL), RESTART (UNSATISFIABLE) },
  { "overlap/416-never-proves-complete", OVERLAP (100, 64, 100),
    ANSWER (416, 0, "bytes */36", NULL, NULL), RESTART (UNSATISFIABLE) },
  { "overlap/200-from-zero-drops-the-held", OVERLAP (4, 4, 8), ANSWER (200, 8, NULL, NULL, NULL),
    ACCEPT (0, 8, TRUE, FALSE, IGNORED) },
  { "overlap/200-other-length", OVERLAP (100, 64, 400), ANSWER (200, 300, NULL, NULL, NULL),
    RETRY (BAD_LENGTH) },
  { "overlap/segment-206", SEGMENT_OVERLAP (250, 50, 300, 400),
    ANSWER (206, 100, "bytes 200-299/400", NULL, NULL), ACCEPT_COMPARE (200, 400, FALSE, 50) },
  { "overlap/segment-206-other-total", SEGMENT_OVERLAP (250, 50, 300, 400),
    ANSWER (206, 100, "bytes 200-299/500", NULL, NULL), RESTART (CHANGED) },
  { "overlap/segment-200", SEGMENT_OVERLAP (250, 50, 300, 400), ANSWER (200, 400, NULL, NULL, NULL),
    ONLY (MEOW_VERDICT_DROP_SEGMENTS) },

  /* A request without Range (a restart from zero asks for the whole file). */
  { "whole/200", PLAIN (-1), ANSWER (200, 8, NULL, ETAG, NULL), ACCEPT (0, 8, TRUE, FALSE, NONE) },
  { "whole/200-length-lies", PLAIN (8), ANSWER (200, 9, NULL, NULL, NULL), RETRY (BAD_LENGTH) },
  { "whole/206", PLAIN (-1), ANSWER (206, 8, "bytes 0-7/8", NULL, NULL), FAIL (BAD_RANGE) },
  { "whole/416", PLAIN (-1), ANSWER (416, 0, "bytes */8", NULL, NULL), FAIL (BAD_RANGE) },

  /* The first stream of a split download: [100, 200) of 400. */
  { "split-first/206", SPLIT_FIRST (100, 200, 400, ETAG),
    ANSWER (206, 100, "bytes 100-199/400", ETAG, NULL), ACCEPT (100, 400, FALSE, TRUE, NONE) },
  { "split-first/206-past-its-end", SPLIT_FIRST (100, 200, 400, ETAG),
    ANSWER (206, 300, "bytes 100-399/400", ETAG, NULL), FAIL (BAD_RANGE) },
  { "split-first/206-other-total", SPLIT_FIRST (100, 200, 400, NULL),
    ANSWER (206, 100, "bytes 100-199/500", NULL, NULL), RESTART (CHANGED) },
  { "split-first/206-other-total-same-etag", SPLIT_FIRST (100, 200, 400, ETAG),
    ANSWER (206, 100, "bytes 100-199/300", ETAG, NULL), RESTART (CHANGED) },
  { "split-first/200-same-version", SPLIT_FIRST (100, 200, 400, ETAG),
    ANSWER (200, 400, NULL, ETAG, NULL), RESTART (IGNORED) },
  { "split-first/200-other-version", SPLIT_FIRST (100, 200, 400, ETAG),
    ANSWER (200, 400, NULL, OTHER_ETAG, NULL), RESTART (CHANGED) },
  { "split-first/200-from-zero-other-version", SPLIT_FIRST (0, 200, 400, ETAG),
    ANSWER (200, 400, NULL, OTHER_ETAG, NULL), RESTART (CHANGED) },
  { "split-first/200-from-zero-same-version", SPLIT_FIRST (0, 200, 400, ETAG),
    ANSWER (200, 400, NULL, ETAG, NULL), ACCEPT (0, 400, TRUE, FALSE, NONE) },
  { "split-first/416", SPLIT_FIRST (100, 200, 400, ETAG),
    ANSWER (416, 0, "bytes */100", NULL, NULL), RESTART (UNSATISFIABLE) },

  /* A segment: "bytes=200-299" of 400. */
  { "segment/206", SEGMENT (200, 300, 400, ETAG),
    ANSWER (206, 100, "bytes 200-299/400", ETAG, NULL), ACCEPT (200, 400, FALSE, TRUE, NONE) },
  { "segment/206-shorter-than-asked", SEGMENT (200, 300, 400, ETAG),
    ANSWER (206, 50, "bytes 200-249/400", ETAG, NULL), ACCEPT (200, 400, FALSE, TRUE, NONE) },
  { "segment/206-unknown-total", SEGMENT (200, 300, 400, ETAG),
    ANSWER (206, 100, "bytes 200-299/*", ETAG, NULL), ACCEPT (200, 400, FALSE, TRUE, NONE) },
  { "segment/206-states-validators-held-has-none", SEGMENT (200, 300, 400, NULL),
    ANSWER (206, 100, "bytes 200-299/400", ETAG, LM), ACCEPT (200, 400, FALSE, TRUE, NONE) },
  { "segment/206-past-its-end", SEGMENT (200, 300, 400, ETAG),
    ANSWER (206, 200, "bytes 200-399/400", ETAG, NULL), FAIL (BAD_RANGE) },
  { "segment/206-one-byte-past-its-end", SEGMENT (200, 300, 400, ETAG),
    ANSWER (206, 101, "bytes 200-300/400", ETAG, NULL), FAIL (BAD_RANGE) },
  { "segment/206-wrong-start", SEGMENT (200, 300, 400, ETAG),
    ANSWER (206, 100, "bytes 100-199/400", ETAG, NULL), FAIL (BAD_RANGE) },
  { "segment/206-other-total", SEGMENT (200, 300, 400, ETAG),
    ANSWER (206, 100, "bytes 200-299/500", ETAG, NULL), RESTART (CHANGED) },
  { "segment/206-file-shrank", SEGMENT (200, 300, 400, ETAG),
    ANSWER (206, 50, "bytes 200-249/250", ETAG, NULL), RESTART (CHANGED) },
  { "segment/206-other-total-no-validators", SEGMENT (200, 300, 400, NULL),
    ANSWER (206, 100, "bytes 200-299/500", NULL, NULL), RESTART (CHANGED) },
  { "segment/206-length-disagrees-with-range", SEGMENT (200, 300, 400, ETAG),
    ANSWER (206, 10, "bytes 200-299/400", ETAG, NULL), RETRY (BAD_RANGE) },
  { "segment/206-other-version", SEGMENT (200, 300, 400, ETAG),
    ANSWER (206, 100, "bytes 200-299/400", OTHER_ETAG, NULL), RESTART (CHANGED) },
  { "segment/200-same-version-drops-segments", SEGMENT (200, 300, 400, ETAG),
    ANSWER (200, 400, NULL, ETAG, NULL), ONLY (MEOW_VERDICT_DROP_SEGMENTS) },
  { "segment/200-nothing-to-compare-drops-segments", SEGMENT (200, 300, 400, NULL),
    ANSWER (200, 400, NULL, ETAG, NULL), ONLY (MEOW_VERDICT_DROP_SEGMENTS) },
  { "segment/200-other-version", SEGMENT (200, 300, 400, ETAG),
    ANSWER (200, 400, NULL, OTHER_ETAG, NULL), RESTART (CHANGED) },
  /* sent before the first stream learnt the validator: no If-Range, so a 200
   * without one proves nothing but that ranges are ignored */
  { "segment/200-unconditional-without-validator",
    { MEOW_ASK_SEGMENT, URL, 200, 300, TRUE, FALSE, FALSE, TRUE, 400, ETAG, NULL },
    ANSWER (200, 400, NULL, NULL, NULL),
    ONLY (MEOW_VERDICT_DROP_SEGMENTS) },
  { "segment/200-unconditional-other-version",
    { MEOW_ASK_SEGMENT, URL, 200, 300, TRUE, FALSE, FALSE, TRUE, 400, ETAG, NULL },
    ANSWER (200, 400, NULL, OTHER_ETAG, NULL),
    RESTART (CHANGED) },
  { "segment/200-without-validator", SEGMENT (200, 300, 400, ETAG),
    ANSWER (200, 400, NULL, NULL, NULL), RESTART (CHANGED) },
  { "segment/416-file-shrank", SEGMENT (200, 300, 400, ETAG),
    ANSWER (416, 0, "bytes */150", NULL, NULL), RESTART (UNSATISFIABLE) },
  { "segment/503", SEGMENT (200, 300, 400, ETAG), ANSWER (503, 0, NULL, NULL, NULL),
    ONLY (MEOW_VERDICT_STATUS) },
  { "segment/302-followed", SEGMENT (200, 300, 400, ETAG), REDIRECT (302),
    ONLY (MEOW_VERDICT_NEXT) },

  /* A HEAD before the GET. */
  { "probe/200-with-length", PROBE, ANSWER_RANGES (200, 8, ETAG), PROBED (8, TRUE) },
  { "probe/200-without-ranges", PROBE, ANSWER (200, 8, NULL, ETAG, NULL), PROBED (8, FALSE) },
  { "probe/200-without-length", PROBE, ANSWER (200, -1, NULL, ETAG, NULL),
    ONLY (MEOW_VERDICT_UNPROBED) },
  { "probe/403-refused", PROBE, ANSWER (403, 0, NULL, NULL, NULL), ONLY (MEOW_VERDICT_UNPROBED) },
  { "probe/405-not-allowed", PROBE, ANSWER (405, 0, NULL, NULL, NULL),
    ONLY (MEOW_VERDICT_UNPROBED) },
  { "probe/301-followed", PROBE, REDIRECT (301), ONLY (MEOW_VERDICT_NEXT) },
};

static void
test_case (gconstpointer data)
{
  const Case *c = data;
  MeowVerdict v;

  _meow_download_verdict (&c->ask, &c->answer, &v);

  g_assert_cmpint (v.kind, ==, c->want.kind);
  g_assert_cmpint (v.reason, ==, c->want.reason);
  if (c->want.kind == MEOW_VERDICT_RETRY || c->want.kind == MEOW_VERDICT_FAIL)
    {
      g_test_message ("%s", v.error->message);
      g_assert_error (v.error, MEOW_ERROR, c->want.code);
      /* a sentence a person can act on: it names the file's URL */
      g_assert_nonnull (strstr (v.error->message, URL));
      g_clear_error (&v.error);
      return;
    }
  g_assert_null (v.error);
  if (c->want.kind == MEOW_VERDICT_ACCEPT)
    {
      g_assert_cmpint (v.offset, ==, c->want.offset);
      g_assert_cmpint (v.compare, ==, c->want.compare);
    }
  if (c->want.kind == MEOW_VERDICT_ACCEPT || c->want.kind == MEOW_VERDICT_COMPLETE ||
      c->want.kind == MEOW_VERDICT_PROBED)
    {
      g_assert_cmpint (v.total, ==, c->want.total);
      g_assert_cmpint (v.take_validators, ==, c->want.take_validators);
      g_assert_cmpint (v.ranges, ==, c->want.ranges);
    }
}

static void
test_validators (void)
{
  static const struct
  {
    const char    *held_etag, *held_lm, *etag, *lm;
    MeowValidators want;
  } rows[] = {
    { NULL, NULL, ETAG, LM, MEOW_VALIDATORS_NONE_HELD },
    { ETAG, NULL, ETAG, NULL, MEOW_VALIDATORS_SAME },
    { ETAG, LM, ETAG, OTHER_LM, MEOW_VALIDATORS_SAME }, /* the ETag decides */
    { ETAG, NULL, OTHER_ETAG, NULL, MEOW_VALIDATORS_DIFFER },
    { ETAG, NULL, WEAK_ETAG, NULL, MEOW_VALIDATORS_DIFFER },
    { ETAG, LM, NULL, LM, MEOW_VALIDATORS_NOT_STATED },
    { NULL, LM, ETAG, LM, MEOW_VALIDATORS_SAME },
    { NULL, LM, NULL, OTHER_LM, MEOW_VALIDATORS_DIFFER },
    { NULL, LM, ETAG, NULL, MEOW_VALIDATORS_NOT_STATED },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (rows); i++)
    g_assert_cmpint (
        _meow_validators_compare (rows[i].held_etag, rows[i].held_lm, rows[i].etag, rows[i].lm), ==,
        rows[i].want);
}

/* RFC 9110 8.8.2.2: a Last-Modified is strong only when it is at least a
 * second before the answer's Date. */
static void
test_last_modified_strength (void)
{
  static const struct
  {
    const char *lm, *date;
    gboolean    strong;
  } rows[] = {
    { LM, "Sun, 06 Nov 1994 08:49:38 GMT", TRUE },    /* one second later */
    { LM, "Mon, 07 Nov 1994 08:49:37 GMT", TRUE },    /* a day later */
    { LM, LM, FALSE },                                /* the same second */
    { LM, "Sun, 06 Nov 1994 08:49:36 GMT", FALSE },   /* Date before the file's date */
    { LM, NULL, FALSE },                              /* no Date: weak */
    { LM, "yesterday", FALSE },                       /* a Date that does not parse */
    { NULL, "Sun, 06 Nov 1994 08:49:38 GMT", FALSE }, /* no Last-Modified */
    { "not a date", "Sun, 06 Nov 1994 08:49:38 GMT", FALSE },
    { "Sunday, 06-Nov-94 08:49:37 GMT", "Sun, 06 Nov 1994 08:49:39 GMT", TRUE }, /* RFC 850 */
    { "Sun Nov  6 08:49:37 1994", "Sun, 06 Nov 1994 08:49:39 GMT", TRUE },       /* asctime */
  };

  for (gsize i = 0; i < G_N_ELEMENTS (rows); i++)
    {
      g_test_message ("%s / %s", rows[i].lm, rows[i].date);
      g_assert_cmpint (_meow_last_modified_is_strong (rows[i].lm, rows[i].date), ==,
                       rows[i].strong);
    }
}

/* What a stream holding bytes asks for: the Range, the If-Range and the
 * overlap. */
#define W MEOW_DOWNLOAD_OVERLAP_WINDOW

typedef struct
{
  const char      *name;
  MeowDownloadHeld held;
  gboolean         ranged, fresh;
  gint64           offset, end, overlap;
  const char      *if_range;
} PlanCase;

static const PlanCase plans[] = {
  { "new-file",
    { MEOW_ASK_FIRST, 0, 0, -1, FALSE, NULL, NULL, FALSE, FALSE },
    TRUE,
    TRUE,
    0,
    -1,
    0,
    NULL },
  { "restart-asks-plainly",
    { MEOW_ASK_FIRST, 0, 0, -1, TRUE, NULL, NULL, FALSE, FALSE },
    FALSE,
    FALSE,
    0,
    -1,
    0,
    NULL },
  { "strong-etag-guards",
    { MEOW_ASK_FIRST, 0, 5 * W, -1, FALSE, ETAG, LM, FALSE, FALSE },
    TRUE,
    FALSE,
    5 * W,
    -1,
    0,
    ETAG },
  { "strong-date-guards",
    { MEOW_ASK_FIRST, 0, 5 * W, -1, FALSE, NULL, LM, TRUE, FALSE },
    TRUE,
    FALSE,
    5 * W,
    -1,
    0,
    LM },
  { "weak-date-overlaps",
    { MEOW_ASK_FIRST, 0, 5 * W, -1, FALSE, NULL, LM, FALSE, FALSE },
    TRUE,
    FALSE,
    4 * W,
    -1,
    W,
    NULL },
  { "no-validator-overlaps",
    { MEOW_ASK_FIRST, 0, 5 * W, -1, FALSE, NULL, NULL, FALSE, FALSE },
    TRUE,
    FALSE,
    4 * W,
    -1,
    W,
    NULL },
  { "overlap-clamped-to-held",
    { MEOW_ASK_FIRST, 0, 100, -1, FALSE, NULL, NULL, FALSE, FALSE },
    TRUE,
    FALSE,
    0,
    -1,
    100,
    NULL },
  { "unverified-overlaps-with-if-range",
    { MEOW_ASK_FIRST, 0, 5 * W, -1, FALSE, ETAG, NULL, FALSE, TRUE },
    TRUE,
    FALSE,
    4 * W,
    -1,
    W,
    ETAG },
  { "split-first-no-validator",
    { MEOW_ASK_FIRST, 0, 2 * W, 8 * W, FALSE, NULL, NULL, FALSE, FALSE },
    TRUE,
    FALSE,
    W,
    8 * W,
    W,
    NULL },
  { "segment-no-validator",
    { MEOW_ASK_SEGMENT, 8 * W, 8 * W + 10, 16 * W, FALSE, NULL, NULL, FALSE, FALSE },
    TRUE,
    FALSE,
    8 * W,
    16 * W,
    10,
    NULL },
  { "segment-nothing-held-yet",
    { MEOW_ASK_SEGMENT, 8 * W, 8 * W, 16 * W, FALSE, NULL, NULL, FALSE, FALSE },
    TRUE,
    FALSE,
    8 * W,
    16 * W,
    0,
    NULL },
  { "segment-etag",
    { MEOW_ASK_SEGMENT, 8 * W, 9 * W, 16 * W, FALSE, ETAG, NULL, FALSE, FALSE },
    TRUE,
    FALSE,
    9 * W,
    16 * W,
    0,
    ETAG },
};

static void
test_plan (gconstpointer data)
{
  const PlanCase  *c = data;
  MeowDownloadPlan plan;

  _meow_download_plan (&c->held, &plan);
  g_assert_cmpint (plan.ranged, ==, c->ranged);
  g_assert_cmpint (plan.fresh, ==, c->fresh);
  g_assert_cmpint (plan.offset, ==, c->offset);
  g_assert_cmpint (plan.end, ==, c->end);
  g_assert_cmpint (plan.overlap, ==, c->overlap);
  g_assert_cmpstr (plan.if_range, ==, c->if_range);
  /* the overlap ends where the held bytes do */
  if (plan.ranged && !plan.fresh)
    g_assert_cmpint (plan.offset + plan.overlap, ==, c->held.pos);
}

/* The answer is read from the collected header lines. */
static void
test_answer_from_head (void)
{
  static const char *const lines[] = {
    "HTTP/1.1 301 Moved Permanently\r\n",
    "Location: /other\r\n",
    "\r\n",
    "HTTP/1.1 206 Partial Content\r\n",
    "Content-Range: bytes 4-7/8\r\n",
    "Content-Length: 4\r\n",
    "ETag: " ETAG "\r\n",
    "Last-Modified: " LM "\r\n",
    "Accept-Ranges: Bytes\r\n",
    "Content-Type: application/octet-stream\r\n",
    "\r\n",
  };
  MeowDownloadAsk    ask = RESUME (4, 8, ETAG, NULL);
  MeowDownloadAnswer answer;
  MeowHttpHead       head;
  MeowVerdict        v;

  _meow_http_head_init (&head);
  for (gsize i = 0; i < G_N_ELEMENTS (lines); i++)
    _meow_http_head_feed (&head, lines[i], strlen (lines[i]));
  _meow_download_answer_from_head (&answer, &head);

  g_assert_cmpint (answer.status, ==, 206);
  g_assert_cmpint (answer.content_length, ==, 4);
  g_assert_cmpstr (answer.content_range, ==, "bytes 4-7/8");
  g_assert_cmpstr (answer.etag, ==, ETAG);
  g_assert_cmpstr (answer.last_modified, ==, LM);
  g_assert_cmpstr (answer.content_type, ==, "application/octet-stream");
  g_assert_true (answer.accept_ranges);
  g_assert_false (answer.has_location); /* the redirect's Location is forgotten */

  _meow_download_verdict (&ask, &answer, &v);
  g_assert_cmpint (v.kind, ==, MEOW_VERDICT_ACCEPT);
  g_assert_cmpint (v.offset, ==, 4);
  _meow_http_head_clear (&head);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/core/verdict/%s", cases[i].name);

      g_test_add_data_func (path, &cases[i], test_case);
    }
  g_test_add_func ("/core/verdict/validators", test_validators);
  g_test_add_func ("/core/verdict/last-modified-strength", test_last_modified_strength);
  for (gsize i = 0; i < G_N_ELEMENTS (plans); i++)
    {
      g_autofree char *path = g_strdup_printf ("/core/verdict/plan/%s", plans[i].name);

      g_test_add_data_func (path, &plans[i], test_plan);
    }
  g_test_add_func ("/core/verdict/answer-from-head", test_answer_from_head);

  return g_test_run ();
}
