/* meow-browser-host.c: the native messaging host the browser extension talks to
 *
 * The browser starts it with the extension's origin (Chromium) or the manifest's path and
 * the extension's id (Firefox) as arguments, which it ignores, and talks to it through
 * stdin and stdout: one framed JSON message in, one framed reply out, until stdin ends.
 * A download is handed to the app over D-Bus (the session bus starts Meow when it is not
 * running), never on a command line, where `ps` would show its cookies. Nothing a message
 * holds is logged.
 *
 *   meow-browser-host --manifest=firefox|chromium [--path=PATH]
 *
 * prints a host manifest instead (the build installs them; PATH defaults to this
 * program's installed path).
 *
 * Exit status: 0 at the end of stdin (also inside a message), 1 after a message too large
 * to read or when stdout is gone, 2 for a usage error.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "meow-browser-install.h"
#include "meow-browser-protocol.h"

/* The app may have to start first; on a loaded machine that takes seconds. */
#define DOWNLOAD_TIMEOUT_MS (60 * 1000)
#define LIST_TIMEOUT_MS (10 * 1000)

typedef struct
{
  int              out_fd; /* the browser's end: only frames are written here */
  GDBusConnection *bus;    /* connected on the first call that needs it */
} Host;

static gboolean
write_all (int fd, const guint8 *data, gsize size)
{
  while (size > 0)
    {
      ssize_t n = write (fd, data, size);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        return FALSE;
      data += n;
      size -= (gsize) n;
    }
  return TRUE;
}

static gboolean
reply (Host *host, const char *json)
{
  g_autoptr (GBytes) frame = meow_browser_frame (json);
  gsize         size;
  const guint8 *data = g_bytes_get_data (frame, &size);

  return write_all (host->out_fd, data, size);
}

static gboolean
reply_error (Host *host, const char *message)
{
  g_autofree char *json = meow_browser_reply_error (message);
  return reply (host, json);
}

/* The sentence for a failed call: the app's own, or what is wrong with reaching it. */
static char *
call_error_message (GError *error)
{
  if (g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_SERVICE_UNKNOWN) ||
      g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_NAME_HAS_NO_OWNER) ||
      g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_SPAWN_EXEC_FAILED) ||
      g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_SPAWN_CHILD_EXITED))
    return g_strdup ("Meow is not running and could not be started.");
  if (g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_METHOD) ||
      g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_INTERFACE) ||
      g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_OBJECT))
    return g_strdup ("The running Meow is too old to take downloads from the browser.");
  if (g_dbus_error_is_remote_error (error))
    g_dbus_error_strip_remote_error (error);
  return g_strdup (error->message);
}

static GVariant *
call_app (Host       *host,
          const char *method,
          GVariant   *args,
          const char *reply_type,
          gboolean    start,
          int         timeout_ms,
          GError    **error)
{
  if (host->bus == NULL)
    {
      host->bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, error);
      if (host->bus == NULL)
        {
          g_prefix_error (error, "Meow cannot be reached without a session bus: ");
          return NULL;
        }
    }
  return g_dbus_connection_call_sync (
      host->bus, MEOW_BROWSER_DBUS_NAME, MEOW_BROWSER_DBUS_PATH, MEOW_BROWSER_DBUS_INTERFACE,
      method, args, G_VARIANT_TYPE (reply_type),
      start ? G_DBUS_CALL_FLAGS_NONE : G_DBUS_CALL_FLAGS_NO_AUTO_START, timeout_ms, NULL, error);
}

static gboolean
handle_download (Host *host, const MeowBrowserRequest *request)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GVariant) result = NULL;
  g_autofree char *json = NULL;
  const char      *id;

  result = call_app (
      host, "Download",
      g_variant_new_tuple ((GVariant *[]){ meow_browser_request_to_variant (request) }, 1), "(s)",
      TRUE, DOWNLOAD_TIMEOUT_MS, &error);
  if (result == NULL)
    {
      g_autofree char *message = call_error_message (error);
      return reply_error (host, message);
    }
  g_variant_get (result, "(&s)", &id);
  json = meow_browser_reply_download (id);
  return reply (host, json);
}

static gboolean
handle_list (Host *host)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GVariant) result = NULL;
  g_autoptr (GVariant) transfers = NULL;
  g_autofree char *json = NULL;

  /* The popup asks every second: it never starts Meow. */
  result = call_app (host, "ListTransfers", NULL, "(aa{sv})", FALSE, LIST_TIMEOUT_MS, &error);
  if (result == NULL && (g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_NAME_HAS_NO_OWNER) ||
                         g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_SERVICE_UNKNOWN)))
    json = meow_browser_reply_list (NULL, FALSE);
  else if (result == NULL)
    {
      g_autofree char *message = call_error_message (error);
      return reply_error (host, message);
    }
  else
    {
      transfers = g_variant_get_child_value (result, 0);
      json = meow_browser_reply_list (transfers, TRUE);
    }
  return reply (host, json);
}

/* Answers one message. Returns FALSE when the reply could not be written. */
static gboolean
handle (Host *host, GBytes *message)
{
  g_autoptr (MeowBrowserRequest) request = NULL;
  g_autoptr (GError) error = NULL;
  gsize       size;
  const char *data = g_bytes_get_data (message, &size);

  request = meow_browser_request_parse (data, size, &error);
  if (request == NULL)
    return reply_error (host, error->message);

  switch (request->type)
    {
    case MEOW_BROWSER_REQUEST_HELLO:
      {
        g_autofree char *json = meow_browser_reply_hello (PACKAGE_VERSION);
        return reply (host, json);
      }
    case MEOW_BROWSER_REQUEST_DOWNLOAD:
      return handle_download (host, request);
    case MEOW_BROWSER_REQUEST_LIST:
      return handle_list (host);
    default:
      g_assert_not_reached ();
    }
}

static int
run (Host *host)
{
  g_autoptr (MeowBrowserFramer) framer = meow_browser_framer_new ();
  guint8 buffer[64 * 1024];

  for (;;)
    {
      ssize_t n = read (STDIN_FILENO, buffer, sizeof buffer);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        return 0; /* the browser closed the stream; a half message goes with it */
      meow_browser_framer_push (framer, buffer, (gsize) n);

      for (;;)
        {
          g_autoptr (GBytes) message = NULL;
          g_autoptr (GError) error = NULL;
          MeowBrowserFrame frame = meow_browser_framer_next (framer, &message, &error);

          if (frame == MEOW_BROWSER_FRAME_NEED_MORE)
            break;
          if (frame == MEOW_BROWSER_FRAME_TOO_LARGE)
            {
              reply_error (host, error->message);
              return 1;
            }
          if (!handle (host, message))
            return 1;
        }
    }
}

static int
print_manifest (const char *family, const char *path)
{
  g_autofree char *host =
      path ? g_strdup (path) : g_build_filename (MEOW_BINDIR, "meow-browser-host", NULL);
  g_autofree char *manifest = NULL;

  if (!g_path_is_absolute (host))
    {
      g_printerr ("meow-browser-host: --path must be absolute, not “%s”\n", host);
      return 2;
    }
  if (g_strcmp0 (family, "firefox") == 0)
    manifest = meow_browser_manifest_new (MEOW_BROWSER_FIREFOX, host);
  else if (g_strcmp0 (family, "chromium") == 0)
    manifest = meow_browser_manifest_new (MEOW_BROWSER_CHROMIUM, host);
  else
    {
      g_printerr ("meow-browser-host: --manifest takes firefox or chromium\n");
      return 2;
    }
  g_print ("%s", manifest);
  return 0;
}

int
main (int argc, char *argv[])
{
  Host host = { -1, NULL };
  int  status;

  if (argc > 1 && g_str_has_prefix (argv[1], "--manifest="))
    {
      const char *path = argc > 2 && g_str_has_prefix (argv[2], "--path=") ? argv[2] + 7 : NULL;

      if (argc > (path ? 3 : 2))
        {
          g_printerr ("usage: meow-browser-host --manifest=firefox|chromium [--path=PATH]\n");
          return 2;
        }
      return print_manifest (argv[1] + strlen ("--manifest="), path);
    }

  /* Whatever a library might print must not corrupt the stream: the frames get their own
   * descriptor and stdout becomes stderr. */
  host.out_fd = dup (STDOUT_FILENO);
  if (host.out_fd < 0 || dup2 (STDERR_FILENO, STDOUT_FILENO) < 0)
    return 1;
  g_log_writer_default_set_use_stderr (TRUE);
  signal (SIGPIPE, SIG_IGN);

  status = run (&host);

  g_clear_object (&host.bus);
  close (host.out_fd);
  return status;
}
