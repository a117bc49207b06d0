/* meow-http-private.h: pure HTTP header parsers and file-name helpers
 *
 * Everything here is pure (no network, no global state) and safe to call
 * from any thread. These parsers see hostile input: they never read past
 * the string they are given and never return a name that escapes a folder.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Longest file name (in bytes, UTF-8) a sanitised name may have. */
#define MEOW_MAX_NAME_BYTES 200

typedef struct
{
  gint64 start; /* first byte position */
  gint64 end;   /* last byte position, inclusive */
  gint64 total; /* complete length, or -1 for "*" */
} MeowContentRange;

/* Parses a Content-Range value of the form "bytes START-END/TOTAL" (TOTAL may
 * be "*"). Fails with MEOW_ERROR_INVALID_RANGE and a sentence naming the
 * problem when the unit is not "bytes", the range is reversed (END < START),
 * END >= TOTAL, or the syntax is wrong. "bytes *\/TOTAL" (the 416 form) is
 * accepted with start = end = -1. */
gboolean _meow_parse_content_range (const char *value, MeowContentRange *out, GError **error);

/* Parses Retry-After: delta-seconds or an HTTP-date (IMF-fixdate, RFC 850,
 * asctime). Returns the delay in milliseconds relative to @now_unix
 * (seconds since the epoch), clamped to [0, 3600 s], or -1 when the value
 * is not valid. */
gint64 _meow_parse_retry_after (const char *value, gint64 now_unix);

/* Extracts the file name from a Content-Disposition value. Prefers the
 * RFC 5987/6266 `filename*=UTF-8''percent-encoded` form over `filename=`
 * (quoted-string with backslash escapes, or token). Returns the decoded raw
 * name (NOT sanitised; it may contain anything), or NULL when there is none. */
char *_meow_content_disposition_filename (const char *value);

/* Returns a safe file name derived from @name, or NULL when nothing usable
 * remains. A safe name: valid UTF-8 (invalid bytes replaced), no '/' or '\\',
 * no NUL or control characters (C0, DEL, C1), no Unicode bidi controls
 * (U+200E/F, U+202A-202E, U+2066-2069), not "." or "..", no leading dots or
 * spaces, no trailing dots or spaces, at most MEOW_MAX_NAME_BYTES bytes
 * (truncated on a character boundary, keeping the extension when short). */
char *_meow_sanitize_file_name (const char *name);

/* Returns the sanitised, percent-decoded last path segment of @url (query
 * and fragment ignored), or NULL when it has none. */
char *_meow_file_name_from_url (const char *url);

/* Returns @dir/@name when no file (or symlink, even dangling) of that name
 * exists, else @dir/"stem (1).ext", "(2)" ... up to 9999; NULL when all are
 * taken. "archive.tar.gz" becomes "archive (1).tar.gz". */
char *_meow_unique_path (const char *dir, const char *name);

/* Says whether @path is taken by something the file system does not show
 * (e.g. the target of another live download). */
typedef gboolean (*MeowPathTakenFunc) (const char *path, gpointer user_data);

/* _meow_unique_path() that also skips every path @taken (when not NULL)
 * says is taken: the one numbering rule of the engine's file names. */
char *_meow_unique_path_full (const char       *dir,
                              const char       *name,
                              MeowPathTakenFunc taken,
                              gpointer          user_data);

/* Returns @url with any password in its userinfo replaced by "***" (and the
 * user name kept), for logs, records and stores. Other URLs are returned
 * unchanged (a copy). */
char *_meow_redact_url (const char *url);

/* Returns @url without its userinfo ("user:password@" goes entirely), for
 * what leaves the engine for good, such as a file's origin attribute.
 * Other URLs are returned unchanged (a copy). */
char *_meow_url_without_userinfo (const char *url);

/* For a request header line "Name: value" (a task's headers): its value,
 * leading blanks skipped, when its name is @name (case-insensitive), else
 * NULL. Borrowed from @line. */
const char *_meow_header_line_value (const char *line, const char *name);

/* TRUE when @etag is a strong entity tag (quoted, no W/ prefix). */
gboolean _meow_etag_is_strong (const char *etag);

/* Reads a WWW-Authenticate (or Proxy-Authenticate) value, one or more
 * challenges (RFC 9110 §11.6.1; several fields joined with ", "), and picks
 * the one a user name and password answer best: Digest, then Basic, then
 * Negotiate, then the first other. *@scheme: its scheme ("Basic", "Digest",
 * "Negotiate" spelt so; another as sent), *@realm: its realm made fit for
 * a message (_meow_quote_for_message()), or NULL when it has none. Both
 * (transfer full). FALSE (both NULL) when @value holds no challenge. */
gboolean _meow_parse_www_authenticate (const char *value, char **scheme, char **realm);

/* Parses an HTTP-date into seconds since the epoch; -1 when invalid. */
gint64 _meow_parse_http_date (const char *value);

/* One response's status line and header fields, collected from the lines
 * libcurl hands a header callback (CURLOPT_HEADERFUNCTION): the status
 * line, the fields, the empty line that ends them. After a 1xx or a
 * redirect libcurl follows, the next response's status line starts the
 * collection over. The one header collector of the engine's drivers. */
typedef struct
{
  long        status; /* 0 until a status line was seen */
  char       *reason; /* the status line's reason phrase, or NULL */
  GHashTable *fields; /* lower-case name -> value, without surrounding white space; of a
                       * field sent twice, the last, but WWW-Authenticate's and
                       * Proxy-Authenticate's challenges, joined with ", "; NULL
                       * when only some fields are kept (below) */
  /* _meow_http_head_init_only(): the fields kept (lower case, borrowed,
   * NULL-terminated) and their values in the same order (NULL: not sent). */
  const char *const *only;
  char             **values;
} MeowHttpHead;

/* What a line fed to a MeowHttpHead was. */
typedef enum
{
  MEOW_HTTP_LINE_STATUS, /* "HTTP/…": a new response; earlier fields forgotten */
  MEOW_HTTP_LINE_FIELD,  /* "Name: value", kept */
  MEOW_HTTP_LINE_END,    /* the empty line after the fields */
  MEOW_HTTP_LINE_OTHER,  /* anything else (a folded continuation, junk): ignored */
} MeowHttpLine;

void _meow_http_head_init (MeowHttpHead *head);
/* As _meow_http_head_init(), but keeps only the fields named in @names
 * (lower case, NULL-terminated, static: it is borrowed) and skips the
 * others without copying them: a download reads a dozen fields of an
 * answer, and copying, lower-casing and hashing every line cost more than
 * the rest of the header callback. Asking it for a field not in @names is
 * a programmer error. */
void _meow_http_head_init_only (MeowHttpHead *head, const char *const *names);
/* Frees what @head holds; it can be initialised again. */
void _meow_http_head_clear (MeowHttpHead *head);
/* Forgets the status and fields (before a new request). */
void _meow_http_head_reset (MeowHttpHead *head);
/* Reads one header line of @len bytes (not NUL-terminated, with or
 * without its CR LF) into @head; says what it was. */
MeowHttpLine _meow_http_head_feed (MeowHttpHead *head, const char *line, gsize len);
/* The value of the field @lower_name (lower case), or NULL. Borrowed. */
const char *_meow_http_head_get (const MeowHttpHead *head, const char *lower_name);
/* Content-Length as a number, or -1 when absent or not a valid length. */
gint64 _meow_http_head_get_length (const MeowHttpHead *head);

/* Longest part of a server's error body quoted in a status error. */
#define MEOW_HTTP_ERROR_BODY_MAX 4096

/* The error for an answer with a failing status, MEOW_ERROR_RESPONSE_STATUS:
 * "The server answered 404 Not Found for URL: <body>", where the body is
 * at most MEOW_HTTP_ERROR_BODY_MAX of its @body_len bytes, made valid
 * UTF-8 and folded to one line (HTML tags dropped when it is a page,
 * control characters and runs of white space as one space), or "… for
 * URL." when nothing of it is left. @reason (the status line's reason
 * phrase) and @body may be NULL. The one status text of downloads and
 * uploads alike. Returns: (transfer full). Any thread. */
GError *_meow_http_status_error (
    long status, const char *reason, const char *redacted_url, const char *body, gsize body_len);

/* @value (a server's header, a name) made fit to quote in a message: valid
 * UTF-8, control and bidi characters replaced by U+FFFD, length bounded.
 * Returns: (transfer full). Any thread. */
char *_meow_quote_for_message (const char *value);

G_END_DECLS
