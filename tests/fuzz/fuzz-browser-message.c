/* fuzz-browser-message.c: what a browser extension may send meow-browser-host
 *
 * The input is a byte stream as the host reads it from stdin, cut into pieces whose sizes
 * the input's first byte chooses (the framer must not care), then taken apart by the
 * framer and every message checked; the input as one message is checked too. Promises:
 * no crash or leak on anything; a refusal is a MEOW_BROWSER_ERROR with a readable,
 * bounded sentence that does not quote a cookie; an accepted download has an http(s)
 * URL, no CR or LF in any string that becomes a header, a plain file name, header names
 * that are tokens, and survives the trip through D-Bus (a{sv}) with the same fields.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "fuzz-common.h"
#include "meow-browser-protocol.h"

#define MAX_MESSAGE 200

static void
check_clean (const char *what, const char *value)
{
  if (value == NULL)
    return;
  FUZZ_CHECK (value[0] != '\0', "empty %s kept", what);
  FUZZ_CHECK (strpbrk (value, "\r\n") == NULL, "line break in %s: %s", what, value);
  FUZZ_CHECK (g_utf8_validate (value, -1, NULL), "%s not UTF-8", what);
}

static void
check_token (const char *name)
{
  FUZZ_CHECK (name[0] != '\0', "empty header name");
  for (const char *p = name; *p != '\0'; p++)
    FUZZ_CHECK (g_ascii_isalnum (*p) || strchr ("!#$%&'*+-.^_`|~", *p) != NULL,
                "header name “%s” is not a token", name);
}

static void
check_same (const MeowBrowserRequest *a, const MeowBrowserRequest *b)
{
  FUZZ_CHECK (g_strcmp0 (a->url, b->url) == 0, "url changed over D-Bus");
  FUZZ_CHECK (g_strcmp0 (a->referrer, b->referrer) == 0, "referrer changed over D-Bus");
  FUZZ_CHECK (g_strcmp0 (a->cookies, b->cookies) == 0, "cookies changed over D-Bus");
  FUZZ_CHECK (g_strcmp0 (a->user_agent, b->user_agent) == 0, "user agent changed over D-Bus");
  FUZZ_CHECK (g_strcmp0 (a->filename, b->filename) == 0, "file name changed over D-Bus");
  FUZZ_CHECK ((a->headers == NULL || a->headers[0] == NULL) ==
                  (b->headers == NULL || b->headers[0] == NULL),
              "headers lost over D-Bus");
  if (a->headers != NULL && b->headers != NULL)
    FUZZ_CHECK (g_strv_equal ((const char *const *) a->headers, (const char *const *) b->headers),
                "headers changed over D-Bus");
}

static void
check_download (const MeowBrowserRequest *request)
{
  g_autoptr (GVariant) variant = NULL;
  g_autoptr (MeowBrowserRequest) back = NULL;
  g_autoptr (GError) error = NULL;
  g_auto (GStrv) http = NULL;

  FUZZ_CHECK (request->url != NULL, "download without a url");
  FUZZ_CHECK (g_ascii_strncasecmp (request->url, "http://", 7) == 0 ||
                  g_ascii_strncasecmp (request->url, "https://", 8) == 0,
              "url “%s” is not http(s)", request->url);
  check_clean ("url", request->url);
  check_clean ("referrer", request->referrer);
  check_clean ("cookies", request->cookies);
  check_clean ("userAgent", request->user_agent);
  check_clean ("filename", request->filename);
  if (request->filename != NULL)
    FUZZ_CHECK (strchr (request->filename, '/') == NULL && request->filename[0] != '.',
                "file name “%s” is not plain", request->filename);
  for (guint i = 0; request->headers != NULL && request->headers[i] != NULL; i += 2)
    {
      FUZZ_CHECK (request->headers[i + 1] != NULL, "header without a value");
      check_token (request->headers[i]);
      FUZZ_CHECK (strpbrk (request->headers[i + 1], "\r\n") == NULL, "line break in header %s",
                  request->headers[i]);
    }

  http = meow_browser_request_dup_http_headers (request);
  FUZZ_CHECK (g_strv_length (http) % 2 == 0, "odd header list");

  /* What the host sends the app, checked again by the app. */
  variant = g_variant_ref_sink (meow_browser_request_to_variant (request));
  back = meow_browser_request_from_variant (variant, &error);
  FUZZ_CHECK (back != NULL, "the app refuses what the host accepted: %s", error->message);
  check_same (request, back);
}

static void
check_message (const char *data, gsize size)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (MeowBrowserRequest) request = meow_browser_request_parse (data, size, &error);

  if (request == NULL)
    {
      fuzz_check_error (error, MEOW_BROWSER_ERROR, -1, MAX_MESSAGE);
      return;
    }
  FUZZ_CHECK (error == NULL, "error set on success");
  FUZZ_CHECK (request->type == MEOW_BROWSER_REQUEST_HELLO ||
                  request->type == MEOW_BROWSER_REQUEST_DOWNLOAD ||
                  request->type == MEOW_BROWSER_REQUEST_LIST,
              "type %d", request->type);
  if (request->type == MEOW_BROWSER_REQUEST_DOWNLOAD)
    check_download (request);
  else
    FUZZ_CHECK (request->url == NULL && request->headers == NULL, "fields on a non-download");
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr (MeowBrowserFramer) framer = meow_browser_framer_new ();
  gsize piece;
  gsize offset = 1;

  check_message ((const char *) data, size);
  if (size == 0)
    return 0;

  piece = (data[0] % 16) + 1;
  while (offset < size)
    {
      gsize n = MIN (piece, size - offset);

      meow_browser_framer_push (framer, data + offset, n);
      offset += n;
      for (;;)
        {
          g_autoptr (GBytes) message = NULL;
          g_autoptr (GError) error = NULL;
          MeowBrowserFrame frame = meow_browser_framer_next (framer, &message, &error);

          if (frame == MEOW_BROWSER_FRAME_NEED_MORE)
            break;
          if (frame == MEOW_BROWSER_FRAME_TOO_LARGE)
            {
              fuzz_check_error (error, MEOW_BROWSER_ERROR, MEOW_BROWSER_ERROR_TOO_LARGE,
                                MAX_MESSAGE);
              return 0;
            }
          check_message (g_bytes_get_data (message, NULL), g_bytes_get_size (message));
        }
    }
  return 0;
}
