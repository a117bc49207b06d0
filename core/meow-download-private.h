/* meow-download-private.h: what the files of the download driver share
 *
 * The download driver (_meow_download_driver) is one job type over a few
 * files, each doing one job:
 *
 *   meow-download.c           the driver: its vtable, attempts, restarts
 *   meow-download-stream.c    one connection (MeowStream): its request, its
 *                             header and body callbacks, its outcome
 *   meow-download-verdict.c   what an answer means (pure; its own header)
 *   meow-download-control.c   the control file beside the .part
 *   meow-download-target.c    the file's name, the .part, the rename
 *   meow-download-commit.c    small files held in memory, written off-thread
 *   meow-download-segments.c  the split, work stealing, checkpoints
 *   meow-download-finish.c    checksum and completion
 *
 * A download is the first stream (MeowDownload.main: the first GET, or a
 * HEAD before it) and, when split, further streams (segments) over the
 * same .part; every stream is the same MeowStream, asked the same verdict.
 * Worker thread only, but for MeowCommit (see meow-download-commit.c).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "meow-download-verdict-private.h"
#include "meow-engine-private.h"
#include "meow-http-private.h"
#include "meow-pace-private.h"

G_BEGIN_DECLS

/* libcurl's receive buffer for every stream: 512 KiB halves the CPU of a
 * fast download against the default (FIELD-NOTES). */
#define MEOW_DOWNLOAD_RECV_BUFFER (512 * 1024)
/* Restarts from zero (another version, a 416, a Content-Range total
 * other than the recorded one) in a row in one start: the next
 * contradiction, the third, fails the download. */
#define MEOW_DOWNLOAD_MAX_RESTARTS 2
/* Every this many bytes a stream starts writeback of what it wrote. */
#define MEOW_DOWNLOAD_WRITEBACK_STEP (8 * 1024 * 1024)
/* Names taken by someone else between our look and our rename or link,
 * one after the other, before the download gives up. */
#define MEOW_DOWNLOAD_MAX_RENAME_RACES 100
/* A small new file is held in memory up to this size (see
 * meow-download-commit.c). */
#define MEOW_DOWNLOAD_MEMORY_MAX (1024 * 1024)

typedef enum
{
  MEOW_DOWNLOAD_IDLE,
  MEOW_DOWNLOAD_PROBE,      /* the first stream is a HEAD */
  MEOW_DOWNLOAD_GET,        /* the first stream is a GET (or done, with segments left) */
  MEOW_DOWNLOAD_WAIT_RETRY, /* the first stream waits to ask again (main.retry_at) */
  MEOW_DOWNLOAD_VERIFY,     /* hashing the .part, a step per tick */
  MEOW_DOWNLOAD_COMMIT,     /* a small file's bytes are being written off the worker */
} MeowDownloadPhase;

/* One connection of a download: the first GET (or a HEAD) and every
 * segment alike — only what is this connection's (libcurl's SingleRequest
 * in spirit). It covers bytes [start, end) of the file (end -1: to the end,
 * the first stream of a download not split) and writes them at pos. */
typedef struct
{
  MeowJob           *job;
  CURL              *easy;
  struct curl_slist *req_headers;
  char               curl_error[CURL_ERROR_SIZE];

  gint64   start;
  gint64   pos; /* next byte to write */
  gint64   end;
  gint64   writeback_from; /* writeback was started for the bytes before this */
  gboolean cut;            /* the body reached end: stopped there on purpose */
  gboolean done;           /* all of [start, end) is written */
  gboolean parked;         /* a segment stopped for a lower connection count
                            * (meow_client_set_task_segments()): its range
                            * waits for a connection to be free */

  /* The request in flight, as the verdict is asked about it. */
  gboolean probe; /* a HEAD */
  gint64   req_offset;
  gint64   req_end;
  gboolean ranged;
  gboolean conditional;
  gboolean fresh;       /* "bytes=0-" for a new file */
  gint64   req_overlap; /* held bytes from req_offset on, asked for again to compare */

  /* The overlap of an accepted answer: its first compare_left body bytes
   * are compared with the .part from compare_at on before anything is
   * written; a mismatch restarts the download (CONTENT_CHANGED). */
  gint64   compare_at;
  gint64   compare_left;
  gboolean take_after_compare; /* the answer's validators become the held ones once the
                                * overlap matched */

  /* Its answer. */
  MeowHttpHead head;
  MeowVerdict  verdict; /* at the end of its headers; the error moved to abort_error */
  GString     *error_body;
  GError      *abort_error; /* why the callbacks stopped the transfer */
  gboolean     abort_retryable;

  /* Pacing and retries. */
  MeowPace pace;
  gint64   paused_until; /* > 0: paused for pacing until then */
  gint64   retry_at;     /* > 0: waiting to ask again */
  gint64   high_water;   /* furthest pos reached: progress means passing it */

  MeowRetries retries; /* failures in a row */
} MeowStream;

typedef struct _MeowCommit MeowCommit;

typedef struct
{
  MeowDownloadPhase phase;
  MeowStream        main;     /* the first stream: [0, main.end) */
  GPtrArray        *segments; /* MeowStream *, owned: the rest; NULL when not split */

  /* The file. */
  char *name;   /* the file name decided, before any " (N)" */
  char *target; /* the final path */
  char *part_path;
  char *ctl_path;
  int   fd;            /* the .part, written with pwrite() at each stream's pos */
  char *effective_url; /* the URL the first stream's bytes came from (after
                        * redirects, as libcurl gives it), or NULL */

  /* What the bytes held belong to. */
  char    *etag; /* strong validator, or NULL */
  char    *last_modified;
  gboolean last_modified_strong; /* a date a second before its answer's Date: If-Range may
                                  * use it (RFC 9110 8.8.2.2) */
  gboolean unverified;           /* the held bytes came without their control file: no
                                  * validator vouches for them until an overlap matched */
  gboolean trusted_total;        /* job->total is the server's (an answer, the control file or
                                  * a probe), not a caller's hint */
  gboolean ranges_ok;            /* the server takes byte ranges */

  /* A new link (meow_client_change_url(), or a .part of another URL under
   * MEOW_RELINK_VERIFY): the held bytes were fetched from another URL.
   * Until an answer of this one vouches for them (relink_pending), nothing
   * starts over: a restart fails with LINK_CONTENT_DIFFERS, and the control
   * file goes on naming the old URL (held_digest), so a later start checks
   * again. */
  gboolean relink_pending;
  char    *held_digest;
  gboolean url_changed; /* the bytes came (partly) from an earlier URL: "url-changed" */
  gboolean start_over;  /* MEOW_CHANGE_URL_RESTART: the next start drops the held bytes */

  /* This start. */
  gboolean plain_get;  /* requests from zero ask for the whole file, without Range */
  gboolean probed;     /* a HEAD was tried */
  gboolean have_probe; /* ... and answered with a length */
  guint    restarts;

  guint64 limit; /* receive speed limit, bytes/s, 0 = none */

  /* A small new file held in memory until complete; NULL otherwise. */
  GByteArray *mem;
  gint64      spill_at; /* when it goes to a .part if not complete by then */
  MeowCommit *commit;   /* complete: being written to an unnamed file */

  /* Verification. */
  char      *bad_checksum; /* the expected checksum these bytes failed, or NULL */
  GChecksum *checksum;
  int        verify_fd;

  /* Splitting. */
  gboolean want_segments;
  gint64   split_check_at; /* > 0: when to judge whether to split */
  gint64   split_base_time;
  gint64   split_base_offset;
  gint64   next_checkpoint;
} MeowDownload;

/* A segment as the control file records it. */
typedef struct
{
  gint64 start;
  gint64 pos;
  gint64 end;
} MeowControlSegment;

/* What the control file says about the bytes in the .part. */
typedef struct
{
  char    *url_digest;
  char    *etag;
  char    *last_modified;
  gboolean last_modified_strong;
  gboolean unverified;
  gint64   total;
  char    *failed_checksum; /* the bytes failed this expected checksum */
  gboolean url_changed;     /* the task's URL changed since the .part was started */
  gint64   main_pos;        /* split: the first stream's position; -1 not split, -2 unreadable */
  gint64   main_end;
  GArray  *segments; /* MeowControlSegment */
} MeowControl;

static inline MeowDownload *
_meow_download_get (MeowJob *job)
{
  return job->driver_data;
}

/* The URL for messages (redacted). */
static inline const char *
_meow_download_url (MeowJob *job)
{
  return job->task->redacted_url;
}

/* meow-download.c: the driver. */
void _meow_download_start_get (MeowJob *job);
void _meow_download_fail (MeowJob *job, GError *error);
void _meow_download_restart (MeowJob *job, MeowRestartReason reason);
void _meow_download_maybe_wait (MeowJob *job, MeowWaitReason reason, const char *detail);
/* The new link's answer vouches for the held bytes (relink_pending ends):
 * the control file names this URL from now on, and that it changed. */
void _meow_download_relink_confirmed (MeowJob *job);
/* Returns: (transfer full): LINK_CONTENT_DIFFERS for a new link that does
 * not continue the held bytes (@reason: what the answer showed). */
GError *_meow_download_link_differs (MeowJob *job, MeowRestartReason reason);

/* meow-download-stream.c: one connection. */
void        _meow_stream_init (MeowStream *s, MeowJob *job, gint64 start, gint64 pos, gint64 end);
void        _meow_stream_clear (MeowStream *s);
MeowStream *_meow_stream_new (MeowJob *job, gint64 start, gint64 pos, gint64 end);
void        _meow_stream_free (MeowStream *s);
gboolean    _meow_stream_is_main (MeowStream *s);
void        _meow_stream_release (MeowStream *s);
void        _meow_stream_send (MeowStream *s, gboolean probe);
void        _meow_stream_done (MeowStream *s, CURLcode result);
gboolean    _meow_stream_tick (MeowStream *s, gint64 now, gint64 *next);
void        _meow_stream_limit_changed (MeowStream *s);
void        _meow_download_take_validators (MeowDownload *d, const MeowHttpHead *head);
/* @detail: transfer full, nullable. */
void _meow_stream_retry_or_fail (MeowStream     *s,
                                 GError         *error,
                                 MeowFailureKind kind,
                                 CURLcode        result,
                                 char           *detail,
                                 gboolean        progress);

/* meow-download-control.c: the control file. */
char    *_meow_download_url_digest (MeowJob *job);
void     _meow_download_write_control (MeowJob *job);
gboolean _meow_download_read_control (MeowJob *job, MeowControl *out);
void     _meow_download_remove_control_temporaries (MeowDownload *d);
void     _meow_control_clear (MeowControl *control);

/* meow-download-target.c: names, the .part, the rename. */
gboolean _meow_download_path_taken (const char *path);
gboolean _meow_download_decide_target (MeowJob    *job,
                                       const char *content_disposition,
                                       const char *effective_url,
                                       GError    **error);
gboolean _meow_download_renumber_target (MeowJob *job, GError **error);
/* A local file operation, for the message of _meow_download_io_error(). */
typedef enum
{
  MEOW_FILE_OP_NONE, /* nothing failed */
  MEOW_FILE_OP_CREATE,
  MEOW_FILE_OP_OPEN,
  MEOW_FILE_OP_TRUNCATE,
  MEOW_FILE_OP_WRITE,
  MEOW_FILE_OP_FLUSH,
  MEOW_FILE_OP_READ,
  MEOW_FILE_OP_RENAME,
} MeowFileOp;

GError  *_meow_download_io_error (int saved_errno, MeowFileOp op, const char *path);
gboolean _meow_download_open_part (MeowJob *job, gboolean truncate_it, GError **error);
void     _meow_download_close_part (MeowDownload *d);
gboolean _meow_download_write_part (
    MeowDownload *d, const char *data, gsize len, gint64 at, gsize *written, GError **error);
gboolean _meow_download_rename_into_place (MeowJob *job, GError **error);

/* meow-download-commit.c: small files. */
gboolean _meow_download_hold_in_memory (MeowJob *job);
gboolean _meow_download_spill (MeowJob *job, GError **error);
void     _meow_download_commit_start (MeowJob *job);
void     _meow_download_commit_tick (MeowJob *job);
void     _meow_download_commit_abandon (MeowDownload *d);

/* meow-download-segments.c: the split. */
guint       _meow_download_wanted_segments (MeowJob *job);
void        _meow_download_maybe_split (MeowJob *job);
MeowStream *_meow_download_segment_new (MeowJob *job, gint64 start, gint64 pos, gint64 end);
gboolean    _meow_download_restore_segments (MeowJob *job, MeowControl *control, gint64 part_size);
void        _meow_download_segments_drop (MeowJob *job);
void        _meow_download_segments_stop (MeowJob *job, gboolean keep_positions);
void        _meow_download_segments_abandon (MeowJob *job);
void        _meow_download_segments_resume (MeowJob *job);
void        _meow_download_check_all_done (MeowJob *job);
gboolean    _meow_download_segments_tick (MeowJob *job, gint64 now, gint64 *next);
MeowStream *_meow_download_stream_for_easy (MeowDownload *d, CURL *easy);
guint       _meow_download_active_streams (MeowDownload *d);
void        _meow_download_update_transferred (MeowJob *job);
void        _meow_download_checkpoint (MeowJob *job);
void        _meow_download_segments_retune (MeowJob *job);
void        _meow_download_segments_map (MeowJob *job, GArray *out);

/* meow-download-finish.c: verify and complete. */
void  _meow_download_finish (MeowJob *job);
void  _meow_download_verify_step (MeowJob *job);
char *_meow_download_origin_url (MeowJob *job);
char *_meow_download_referrer_url (MeowJob *job);
void  _meow_download_write_origin (int fd, const char *origin, const char *referrer);

G_END_DECLS
