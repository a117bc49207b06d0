/* meow-download-verdict.c: what a download does with a response (pure)
 *
 * One function per status the engine reads (200, 206, 416, a HEAD's
 * answer); every other status is an error status. The rules, in the order
 * they are checked, are in docs/engine.md ("The download driver").
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <string.h>

#include "meow-download-verdict-private.h"
#include "meow-error.h"
#include "meow-i18n-private.h"

MeowValidators
_meow_validators_compare (const char *held_etag,
                          const char *held_last_modified,
                          const char *etag,
                          const char *last_modified)
{
  const char *held = held_etag ? held_etag : held_last_modified;
  const char *seen = held_etag ? etag : last_modified;

  if (held == NULL)
    return MEOW_VALIDATORS_NONE_HELD;
  if (seen == NULL)
    return MEOW_VALIDATORS_NOT_STATED;
  return g_str_equal (held, seen) ? MEOW_VALIDATORS_SAME : MEOW_VALIDATORS_DIFFER;
}

gboolean
_meow_last_modified_is_strong (const char *last_modified, const char *date)
{
  gint64 lm = _meow_parse_http_date (last_modified);
  gint64 now = _meow_parse_http_date (date);

  /* A date the server gives for a file changed within its own second may
   * name two versions; one a second older than the answer cannot. */
  return lm >= 0 && now >= 0 && now - lm >= 1;
}

void
_meow_download_plan (const MeowDownloadHeld *held, MeowDownloadPlan *plan)
{
  gint64 held_bytes = held->pos - held->start;

  memset (plan, 0, sizeof *plan);
  plan->fresh = held->kind == MEOW_ASK_FIRST && held->pos == 0 && held->end < 0 && !held->plain;
  plan->ranged = held->pos > 0 || held->end > 0 || plan->fresh;
  plan->offset = plan->ranged ? held->pos : 0;
  plan->end = held->end;
  if (!plan->ranged || plan->fresh)
    return;

  /* libcurl has no If-Range option: the header is ours. RFC 9110 13.1.5:
   * an entity tag, else a date only when it is a strong validator. */
  if (held->etag != NULL)
    plan->if_range = held->etag;
  else if (held->last_modified != NULL && held->last_modified_strong)
    plan->if_range = held->last_modified;

  /* Nothing vouches for the held bytes: ask for the last of them again
   * and let the stream compare them with the disk (curl -C and wget -c
   * append blindly, and save a mixed file when it changed). */
  if ((plan->if_range == NULL || held->unverified) && held_bytes > 0)
    {
      plan->overlap = MIN ((gint64) MEOW_DOWNLOAD_OVERLAP_WINDOW, held_bytes);
      plan->offset = held->pos - plan->overlap;
    }
}

void
_meow_download_answer_from_head (MeowDownloadAnswer *answer, const MeowHttpHead *head)
{
  const char *location = _meow_http_head_get (head, "location");
  const char *ranges = _meow_http_head_get (head, "accept-ranges");

  answer->status = head->status;
  answer->content_length = _meow_http_head_get_length (head);
  answer->content_range = _meow_http_head_get (head, "content-range");
  answer->etag = _meow_http_head_get (head, "etag");
  answer->last_modified = _meow_http_head_get (head, "last-modified");
  answer->content_type = _meow_http_head_get (head, "content-type");
  answer->accept_ranges = ranges != NULL && g_ascii_strcasecmp (ranges, "bytes") == 0;
  answer->has_location = location != NULL && *location != '\0';
}

static gboolean
is_redirect (long status)
{
  return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

static void verdict_error (MeowVerdict *v, MeowVerdictKind kind, gint code, const char *format, ...)
    G_GNUC_PRINTF (4, 5);

static void
verdict_error (MeowVerdict *v, MeowVerdictKind kind, gint code, const char *format, ...)
{
  va_list args;

  va_start (args, format);
  v->kind = kind;
  v->error = g_error_new_valist (MEOW_ERROR, code, format, args);
  va_end (args);
}

static MeowValidators
compare (const MeowDownloadAsk *ask, const MeowDownloadAnswer *answer)
{
  return _meow_validators_compare (ask->etag, ask->last_modified, answer->etag,
                                   answer->last_modified);
}

/* A HEAD: only its length and validators count. */
static void
probe_answer (const MeowDownloadAnswer *answer, MeowVerdict *v)
{
  if (answer->status >= 200 && answer->status < 300 && answer->content_length >= 0)
    {
      v->kind = MEOW_VERDICT_PROBED;
      v->total = answer->content_length;
      v->take_validators = TRUE;
      v->ranges = answer->accept_ranges;
    }
  else
    v->kind = MEOW_VERDICT_UNPROBED; /* refused (presigned URLs often answer 403), or silent */
}

/* 200: the whole file instead of (or as) the range asked for. */
static void
whole_answer (const MeowDownloadAsk *ask, const MeowDownloadAnswer *answer, MeowVerdict *v)
{
  MeowValidators validators = compare (ask, answer);
  gint64         held = ask->offset + ask->overlap;
  /* Another version when the answer names another, or, to a request with
   * If-Range, names none: If-Range failed (or a cache ignored it). The
   * same one: the server ignores Range. */
  MeowRestartReason reason = validators == MEOW_VALIDATORS_DIFFER ||
                                     (validators == MEOW_VALIDATORS_NOT_STATED && ask->conditional)
                                 ? MEOW_RESTART_REMOTE_CHANGED
                                 : MEOW_RESTART_RANGE_IGNORED;

  /* Bytes are held and known, and a web page that does not say it is them
   * answers: a captive portal's login page (or an error page) in the
   * server's place. It never replaces the bytes; it is tried again. */
  if ((ask->offset > 0 || ask->split) && (ask->etag || ask->last_modified) &&
      validators != MEOW_VALIDATORS_SAME && answer->content_type != NULL &&
      g_ascii_strncasecmp (answer->content_type, "text/html", 9) == 0)
    {
      verdict_error (v, MEOW_VERDICT_RETRY, MEOW_ERROR_REMOTE_CHANGED,
                     _ ("A web page answered for %s instead of the file (a network login page?); "
                        "the bytes already downloaded are kept."),
                     ask->url);
      return;
    }

  if (ask->kind == MEOW_ASK_SEGMENT)
    {
      /* A segment's bytes are worth nothing now: of another version, the
       * whole download starts over; of the same, the first stream goes on
       * alone to the end. */
      if (reason == MEOW_RESTART_REMOTE_CHANGED)
        {
          v->kind = MEOW_VERDICT_RESTART;
          v->reason = reason;
        }
      else
        v->kind = MEOW_VERDICT_DROP_SEGMENTS;
      return;
    }

  if (ask->split && (held > 0 || reason == MEOW_RESTART_REMOTE_CHANGED))
    {
      /* The segments' bytes cannot be joined to this body: one stream,
       * from zero. */
      v->kind = MEOW_VERDICT_RESTART;
      v->reason = reason;
      return;
    }

  if (held > 0 && reason == MEOW_RESTART_REMOTE_CHANGED)
    {
      /* Another version: its whole body replaces the held bytes, and its
       * length is its own. */
      v->kind = MEOW_VERDICT_ACCEPT;
      v->offset = 0;
      v->reason = reason;
      v->total = answer->content_length;
      v->take_validators = TRUE;
      v->ranges = answer->accept_ranges;
      return;
    }

  /* The same version (or none to tell): its length is known, and a 200
   * that announces another is a broken answer, not the file: a shorter
   * Content-Length would end the body early and rename a truncated file
   * into place. */
  if (ask->total >= 0 && answer->content_length >= 0 && answer->content_length != ask->total)
    {
      verdict_error (
          v, MEOW_VERDICT_RETRY, MEOW_ERROR_INVALID_CONTENT_LENGTH,
          _ ("The server said %s is %lld bytes long, then sent a Content-Length of %lld."),
          ask->url, (long long) ask->total, (long long) answer->content_length);
      return;
    }

  v->kind = MEOW_VERDICT_ACCEPT;
  v->offset = 0;
  if (held > 0)
    v->reason = reason; /* RANGE_IGNORED: the held bytes go, the body has them again */
  v->total = answer->content_length;
  v->take_validators = TRUE;
  v->ranges = answer->accept_ranges;
}

/* 206: the range asked for, exactly, of the version held. */
static void
partial_answer (const MeowDownloadAsk *ask, const MeowDownloadAnswer *answer, MeowVerdict *v)
{
  MeowContentRange cr;
  g_autoptr (GError) error = NULL;
  g_autofree char *quoted = NULL;

  if (!ask->ranged)
    {
      verdict_error (v, MEOW_VERDICT_FAIL, MEOW_ERROR_INVALID_RANGE,
                     _ ("The server sent a partial answer to a request for the whole file %s."),
                     ask->url);
      return;
    }
  if (answer->content_range == NULL)
    {
      verdict_error (v, MEOW_VERDICT_FAIL, MEOW_ERROR_INVALID_RANGE,
                     _ ("The server sent a partial answer without a Content-Range for %s."),
                     ask->url);
      return;
    }
  if (!_meow_parse_content_range (answer->content_range, &cr, &error))
    {
      /* Translators: the first %s is a message about the server's Content-Range, the
       * second the URL it came from. */
      verdict_error (v, MEOW_VERDICT_FAIL, MEOW_ERROR_INVALID_RANGE, _ ("%s (%s)"), error->message,
                     ask->url);
      return;
    }
  if (cr.start != ask->offset)
    {
      verdict_error (v, MEOW_VERDICT_FAIL, MEOW_ERROR_INVALID_RANGE,
                     _ ("The server sent bytes from %lld when asked for bytes from %lld of %s."),
                     (long long) cr.start, (long long) ask->offset, ask->url);
      return;
    }
  if (ask->end >= 0 && cr.end >= ask->end)
    {
      verdict_error (v, MEOW_VERDICT_FAIL, MEOW_ERROR_INVALID_RANGE,
                     _ ("The server sent bytes up to %lld when asked for bytes up to %lld of %s."),
                     (long long) cr.end, (long long) (ask->end - 1), ask->url);
      return;
    }
  quoted = _meow_quote_for_message (answer->content_range);
  if (answer->content_length >= 0 && answer->content_length != cr.end - cr.start + 1)
    {
      /* One of the two lies; which one, we cannot tell. Like a
       * Content-Length that contradicts the known total, worth another
       * try: a shorter one would end the body early. */
      verdict_error (v, MEOW_VERDICT_RETRY, MEOW_ERROR_INVALID_RANGE,
                     _ ("The server's Content-Length (%lld) does not match its Content-Range (%s) "
                        "for %s."),
                     (long long) answer->content_length, quoted, ask->url);
      return;
    }
  if (!ask->fresh && cr.total >= 0 && ask->total >= 0 && cr.total != ask->total)
    {
      /* The size changed under the held bytes (or the server contradicts
       * what it said before), on the first stream or on a segment, with
       * validators or without: the held bytes cannot be trusted to be of
       * this file. Start over from zero rather than fail for good; the
       * driver gives up after MEOW_DOWNLOAD_MAX_RESTARTS in a row. */
      v->kind = MEOW_VERDICT_RESTART;
      v->reason = MEOW_RESTART_REMOTE_CHANGED;
      return;
    }
  if (cr.total < 0 && ask->fresh)
    {
      /* A total of "*" (unknown): ask for the whole file as one stream
       * instead, as for a server without ranges. */
      v->kind = MEOW_VERDICT_REISSUE;
      return;
    }
  if (cr.total < 0 && ask->total < 0)
    {
      /* Without a size we could not tell a short range from the end. */
      verdict_error (
          v, MEOW_VERDICT_FAIL, MEOW_ERROR_INVALID_RANGE,
          _ ("The server's Content-Range (%s) for %s does not say how long the file is."), quoted,
          ask->url);
      return;
    }
  if (!ask->fresh && compare (ask, answer) == MEOW_VALIDATORS_DIFFER)
    {
      /* The server (or a cache) ignored If-Range: these bytes are from
       * another version of the file. Do not append them. */
      v->kind = MEOW_VERDICT_RESTART;
      v->reason = MEOW_RESTART_REMOTE_CHANGED;
      return;
    }

  v->kind = MEOW_VERDICT_ACCEPT;
  v->offset = ask->offset;
  /* The overlap is compared before anything is written. */
  v->compare = ask->overlap;
  v->total = cr.total >= 0 ? cr.total : ask->total;
  /* A new file's validators are its answer's; held bytes without any take
   * the first the server states. A segment's never change them. */
  v->take_validators = ask->kind == MEOW_ASK_FIRST &&
                       (ask->fresh || (ask->etag == NULL && ask->last_modified == NULL));
  v->ranges = TRUE;
}

/* 416: nothing at or after the offset asked for. */
static void
unsatisfiable_answer (const MeowDownloadAsk *ask, const MeowDownloadAnswer *answer, MeowVerdict *v)
{
  MeowContentRange cr;

  if (!ask->ranged)
    {
      verdict_error (
          v, MEOW_VERDICT_FAIL, MEOW_ERROR_INVALID_RANGE,
          _ ("The server answered 416 (range not satisfiable) to a request for the whole "
             "file %s."),
          ask->url);
      return;
    }
  /* Complete only when the sizes prove it: "bytes * /TOTAL" equal to what
   * is held, and to the total known. Never with an overlap asked for: its
   * range starts below what is held, so the file is shorter than that. */
  if (ask->kind == MEOW_ASK_FIRST && !ask->split && ask->overlap == 0 && answer->content_range &&
      _meow_parse_content_range (answer->content_range, &cr, NULL) && cr.total >= 0 &&
      cr.total == ask->offset && (ask->total < 0 || ask->total == cr.total))
    {
      v->kind = MEOW_VERDICT_COMPLETE;
      v->total = cr.total;
      return;
    }
  /* The file is shorter than what is held, or than where a segment
   * starts: not the file we hold. */
  v->kind = MEOW_VERDICT_RESTART;
  v->reason = MEOW_RESTART_RANGE_NOT_SATISFIABLE;
}

void
_meow_download_verdict (const MeowDownloadAsk    *ask,
                        const MeowDownloadAnswer *answer,
                        MeowVerdict              *verdict)
{
  long status = answer->status;

  memset (verdict, 0, sizeof *verdict);
  verdict->offset = ask->offset;
  verdict->total = ask->total;
  verdict->reason = MEOW_RESTART_NONE;

  if (status >= 100 && status < 200)
    verdict->kind = MEOW_VERDICT_NEXT;
  else if (is_redirect (status) && answer->has_location)
    verdict->kind = MEOW_VERDICT_NEXT; /* libcurl follows it */
  else if (ask->kind == MEOW_ASK_PROBE)
    probe_answer (answer, verdict);
  else if (status == 200)
    whole_answer (ask, answer, verdict);
  else if (status == 206)
    partial_answer (ask, answer, verdict);
  else if (status == 416)
    unsatisfiable_answer (ask, answer, verdict);
  else
    verdict->kind = MEOW_VERDICT_STATUS; /* 204 too: never an empty file */
}
