/* meow-download-verdict-private.h: what a download does with a response
 *
 * The verdict never performs I/O: it reads what was asked (the range, the
 * known total, the validators of the bytes held) and what the server
 * answered (its status and headers) and says what to do: write the body
 * at an offset, start over from zero and why, ask again, drop the
 * segments, retry, fail. The download driver (meow-download*.c) asks it
 * once per response, at the end of the headers, for the first stream, for
 * every segment and for a HEAD alike, and does what it says. So "what
 * does Meow do with a 206 whose Content-Range disagrees" is answered in
 * one function, _meow_download_verdict(), with its own table-driven test
 * (tests/core/test-verdict.c) and a fuzz target (fuzz-download-verdict).
 * Plain data, usable from any one thread at a time.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

#include "meow-http-private.h"
#include "meow-types.h"

G_BEGIN_DECLS

/* Which request of a download a response answers. */
typedef enum
{
  MEOW_ASK_FIRST,   /* the first stream: a GET from the .part's end (or of a new file) */
  MEOW_ASK_SEGMENT, /* a further connection of a split download: "bytes=POS-END" */
  MEOW_ASK_PROBE,   /* a HEAD before the GET, for the length and validators */
} MeowAskKind;

/* Bytes held before the held end that a resume asks for again, to compare
 * with the disk before anything is appended, when no strong validator
 * guards the resume (clamped to what the stream holds). */
#define MEOW_DOWNLOAD_OVERLAP_WINDOW (64 * 1024)

/* What a stream holds, to plan its next GET from. */
typedef struct
{
  MeowAskKind kind;                 /* FIRST or SEGMENT */
  gint64      start;                /* the stream's range [start, end) */
  gint64      pos;                  /* the bytes before this are held: the next byte to write */
  gint64      end;                  /* -1: to the end of the file */
  gboolean    plain;                /* a restart from zero: the whole file, without Range */
  const char *etag;                 /* the held bytes' strong ETag, or NULL */
  const char *last_modified;        /* ... their Last-Modified, or NULL */
  gboolean    last_modified_strong; /* ... and it is a strong validator (RFC 9110 8.8.2.2) */
  gboolean    unverified;           /* held bytes of unknown origin (a .part without its control
                                     * file): no validator vouches for them */
} MeowDownloadHeld;

/* The GET to send. */
typedef struct
{
  gboolean ranged;      /* send Range: bytes=OFFSET- or bytes=OFFSET-(END-1) */
  gboolean fresh;       /* a new file's "bytes=0-": nothing held */
  gint64   offset;      /* the Range start */
  gint64   end;         /* one past the last byte asked for, or -1 */
  gint64   overlap;     /* held bytes asked for again, compared before anything is
                         * written: offset + overlap is the stream's pos */
  const char *if_range; /* the If-Range value (borrowed from the held), or NULL */
} MeowDownloadPlan;

/* What was asked, and what the bytes already held are. */
typedef struct
{
  MeowAskKind kind;
  const char *url;           /* redacted, for messages */
  gint64      offset;        /* the first byte asked for (the Range start; 0 without Range) */
  gint64      end;           /* one past the last byte asked for, or -1: to the end */
  gboolean    ranged;        /* the request carried a Range */
  gboolean    conditional;   /* ... and an If-Range with the held validator */
  gboolean    fresh;         /* a new file's "bytes=0-": nothing held, nothing to be
                              * conditional on */
  gboolean    split;         /* the download has segments beyond this stream's range */
  gint64      total;         /* the total the held bytes belong to (the server's), or -1 */
  const char *etag;          /* the held bytes' strong ETag, or NULL */
  const char *last_modified; /* ... their Last-Modified, or NULL */
  gint64      overlap;       /* held bytes from offset on asked for again, to compare
                              * (MeowDownloadPlan.overlap): offset + overlap are held */
} MeowDownloadAsk;

/* What the server answered, as far as the verdict looks. */
typedef struct
{
  long        status;
  gint64      content_length; /* -1: none (or not a length) */
  const char *content_range;
  const char *etag;
  const char *last_modified;
  const char *content_type;
  gboolean    accept_ranges; /* "Accept-Ranges: bytes" */
  gboolean    has_location;  /* a non-empty Location (libcurl follows a redirect with one) */
} MeowDownloadAnswer;

typedef enum
{
  MEOW_VERDICT_NEXT,          /* a 1xx or a redirect libcurl follows: the answer that
                               * counts comes next (also: no answer yet) */
  MEOW_VERDICT_ACCEPT,        /* the body is the file's bytes from .offset: write them */
  MEOW_VERDICT_COMPLETE,      /* a 416 that proves the held bytes are the whole file */
  MEOW_VERDICT_REISSUE,       /* drop this answer and ask again, for the whole file
                               * without Range */
  MEOW_VERDICT_RESTART,       /* the held bytes are of another file (or cannot be
                               * continued): start over from zero, .reason */
  MEOW_VERDICT_DROP_SEGMENTS, /* a 200 to a segment's range from the same file: the
                               * server ignores ranges; the first stream goes on alone */
  MEOW_VERDICT_STATUS,        /* an error status: the body is for the message; retried
                               * when the status is (408, 429, 5xx) */
  MEOW_VERDICT_RETRY,         /* a broken answer worth another try: .error */
  MEOW_VERDICT_FAIL,          /* an answer that cannot be used: .error */
  MEOW_VERDICT_PROBED,        /* a HEAD that gave the length (.total) and validators */
  MEOW_VERDICT_UNPROBED,      /* a HEAD that gave nothing to go on: learn from the GET */
} MeowVerdictKind;

/* The verdict. .offset: for ACCEPT, the file offset of the body's first
 * byte; .compare: for ACCEPT, how many of the first body bytes are held
 * ones asked for again (the overlap), to compare with the disk before
 * anything is written (a mismatch restarts, MEOW_RESTART_CONTENT_CHANGED);
 * when offset + compare is below what is held (0, after a 200 to a
 * resume) the held bytes are dropped first, for .reason. .total: for ACCEPT, COMPLETE and PROBED,
 * the total from now on, or -1 (a whole-file answer without a length).
 * .take_validators: for ACCEPT and PROBED, the answer's validators are the
 * held bytes' from now on. .ranges: the server takes byte ranges. */
typedef struct
{
  MeowVerdictKind   kind;
  gint64            offset;
  gint64            total;
  gint64            compare;
  gboolean          take_validators;
  gboolean          ranges;
  MeowRestartReason reason; /* RESTART, and ACCEPT below the offset asked for */
  GError           *error;  /* RETRY, FAIL: (transfer full); NULL otherwise */
} MeowVerdict;

/* How the validators of an answer compare with the held ones. The held
 * strong ETag is compared when there is one, else the held Last-Modified. */
typedef enum
{
  MEOW_VALIDATORS_NONE_HELD,  /* nothing held to compare */
  MEOW_VALIDATORS_SAME,       /* the answer states the held validator */
  MEOW_VALIDATORS_DIFFER,     /* the answer states another: another version */
  MEOW_VALIDATORS_NOT_STATED, /* the answer does not state it */
} MeowValidators;

/* Compares the answer's @etag / @last_modified with the held ones (each
 * may be NULL). Pure, any thread. */
MeowValidators _meow_validators_compare (const char *held_etag,
                                         const char *held_last_modified,
                                         const char *etag,
                                         const char *last_modified);

/* TRUE when @last_modified is a strong validator by RFC 9110 8.8.2.2: a
 * valid HTTP-date at least one second before the answer's @date (also
 * valid). Without a Date, or a date that does not parse, it is weak: the
 * file may have changed again within the same second. Pure, any thread. */
gboolean _meow_last_modified_is_strong (const char *last_modified, const char *date);

/* Plans the GET of a stream holding @held: its Range, its If-Range (the
 * strong ETag, else a strong Last-Modified) and, when no strong validator
 * vouches for the held bytes, the overlap asked for again to compare.
 * Pure, any thread. */
void _meow_download_plan (const MeowDownloadHeld *held, MeowDownloadPlan *plan);

/* Fills @answer from the collected @head (borrowing its strings: valid
 * while @head is unchanged). */
void _meow_download_answer_from_head (MeowDownloadAnswer *answer, const MeowHttpHead *head);

/* Decides what the download does with @answer to @ask; fills @verdict
 * (its .error is the caller's to free). Pure, any thread. */
void _meow_download_verdict (const MeowDownloadAsk    *ask,
                             const MeowDownloadAnswer *answer,
                             MeowVerdict              *verdict);

G_END_DECLS
