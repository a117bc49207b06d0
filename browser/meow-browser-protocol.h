/* meow-browser-protocol.h: the browser hand-off's messages, as a pure unit
 *
 * The extension talks to `meow-browser-host` with native messaging: each message is a
 * 4-byte length in the host's byte order, then that many bytes of UTF-8 JSON; replies
 * are framed the same way. The host turns a download request into a call on the app's
 * D-Bus interface (MEOW_BROWSER_DBUS_INTERFACE), whose a{sv} argument the app checks with
 * the same rules. Nothing here does I/O: bytes in, a request or an error sentence out.
 * docs/browser.md describes protocol version 1.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* The protocol version the host speaks (the "protocol" of its hello reply). */
#define MEOW_BROWSER_PROTOCOL_VERSION 1

/* The largest message the host reads (the length prefix excluded). A longer one is
 * refused and the host exits: it cannot find the next message without reading it. */
#define MEOW_BROWSER_MAX_MESSAGE (1024 * 1024)

/* The native messaging host's name, as the extension asks for it and the host manifests
 * are called (browsers allow only lower-case letters, digits, '_' and '.'). */
#define MEOW_BROWSER_HOST_NAME "io.github.meow_transfer.meow"

/* Where the app listens: its GApplication name and object path, and the interface. */
#define MEOW_BROWSER_DBUS_NAME "io.github.meow_transfer.Meow"
#define MEOW_BROWSER_DBUS_PATH "/io/github/meow_transfer/Meow"
#define MEOW_BROWSER_DBUS_INTERFACE "io.github.meow_transfer.Meow.Browser"

GDBusInterfaceInfo *meow_browser_interface_info (void);

#define MEOW_BROWSER_ERROR (meow_browser_error_quark ())

/**
 * MeowBrowserError:
 * @MEOW_BROWSER_ERROR_TOO_LARGE: the length prefix announces more than
 *   %MEOW_BROWSER_MAX_MESSAGE bytes
 * @MEOW_BROWSER_ERROR_MALFORMED: not one JSON object in UTF-8 (empty, truncated, several
 *   documents, a NUL character)
 * @MEOW_BROWSER_ERROR_UNKNOWN_TYPE: no "type", or one this protocol does not have
 * @MEOW_BROWSER_ERROR_INVALID_FIELD: a field of the wrong JSON type, or a value that may
 *   not be sent (a link that is not http or https, a line break in a header or cookie)
 *
 * Why a message was refused. Every error's message is one sentence a person can read,
 * without control characters, that never quotes a cookie or header value.
 */
typedef enum
{
  MEOW_BROWSER_ERROR_TOO_LARGE,
  MEOW_BROWSER_ERROR_MALFORMED,
  MEOW_BROWSER_ERROR_UNKNOWN_TYPE,
  MEOW_BROWSER_ERROR_INVALID_FIELD,
} MeowBrowserError;

GQuark meow_browser_error_quark (void);

/* ------------------------------------------------------------------ */
/* Framing                                                             */

typedef struct _MeowBrowserFramer MeowBrowserFramer;

/**
 * MeowBrowserFrame:
 * @MEOW_BROWSER_FRAME_NEED_MORE: no whole message yet
 * @MEOW_BROWSER_FRAME_MESSAGE: a message was taken out
 * @MEOW_BROWSER_FRAME_TOO_LARGE: the next message is too large; the stream is unusable
 */
typedef enum
{
  MEOW_BROWSER_FRAME_NEED_MORE,
  MEOW_BROWSER_FRAME_MESSAGE,
  MEOW_BROWSER_FRAME_TOO_LARGE,
} MeowBrowserFrame;

MeowBrowserFramer *meow_browser_framer_new (void);
void               meow_browser_framer_free (MeowBrowserFramer *framer);
void meow_browser_framer_push (MeowBrowserFramer *framer, const guint8 *data, gsize size);
MeowBrowserFrame
         meow_browser_framer_next (MeowBrowserFramer *framer, GBytes **message, GError **error);
gboolean meow_browser_framer_is_idle (MeowBrowserFramer *framer);
GBytes  *meow_browser_frame (const char *json);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MeowBrowserFramer, meow_browser_framer_free)

/* ------------------------------------------------------------------ */
/* Requests                                                            */

/**
 * MeowBrowserRequestType:
 * @MEOW_BROWSER_REQUEST_HELLO: `{"type":"hello"}`: which protocol and version
 * @MEOW_BROWSER_REQUEST_DOWNLOAD: `{"type":"download","url":…}`: hand a link to Meow
 * @MEOW_BROWSER_REQUEST_LIST: `{"type":"list"}`: Meow's running transfers
 */
typedef enum
{
  MEOW_BROWSER_REQUEST_HELLO,
  MEOW_BROWSER_REQUEST_DOWNLOAD,
  MEOW_BROWSER_REQUEST_LIST,
} MeowBrowserRequestType;

/**
 * MeowBrowserRequest:
 * @type: what is asked
 * @url: (nullable): the link (downloads): http or https with a host
 * @referrer: (nullable): the page the link was on, sent as `Referer`
 * @cookies: (nullable): the browser's cookies for @url, as a `Cookie` header value
 * @user_agent: (nullable): the browser's user agent, sent as `User-Agent`
 * @filename: (nullable): the file name the browser suggested: one plain name
 * @headers: (nullable): more request headers: "Name", "value", … pairs, %NULL-terminated
 *
 * A checked request: every string is valid UTF-8 without CR, LF or NUL, and header
 * names are HTTP tokens. Empty optional strings are %NULL.
 */
typedef struct
{
  MeowBrowserRequestType type;
  char                  *url;
  char                  *referrer;
  char                  *cookies;
  char                  *user_agent;
  char                  *filename;
  char                 **headers;
} MeowBrowserRequest;

MeowBrowserRequest *meow_browser_request_parse (const char *data, gsize size, GError **error);
MeowBrowserRequest *meow_browser_request_from_variant (GVariant *download, GError **error);
GVariant           *meow_browser_request_to_variant (const MeowBrowserRequest *request);
char              **meow_browser_request_dup_http_headers (const MeowBrowserRequest *request);
void                meow_browser_request_free (MeowBrowserRequest *request);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MeowBrowserRequest, meow_browser_request_free)

/* ------------------------------------------------------------------ */
/* Replies                                                             */

char *meow_browser_reply_error (const char *message);
char *meow_browser_reply_hello (const char *version);
char *meow_browser_reply_download (const char *id);
char *meow_browser_reply_list (GVariant *transfers, gboolean running);

G_END_DECLS
