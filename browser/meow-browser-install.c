/* meow-browser-install.c: native messaging host manifests, system-wide and per user
 *
 * A browser starts a native messaging host it finds a manifest for: a small JSON file
 * named after the host, giving the program's absolute path and the extensions allowed to
 * start it. `meson install` puts one where each browser looks system-wide (made by
 * `meow-browser-host --manifest=…`, which calls meow_browser_manifest_new()). Inside
 * Flatpak those folders are not the host system's, so the app writes per-user manifests
 * instead (`meow --install-browser-support`, Preferences › Browser Integration), pointing
 * at a wrapper beside them that runs the host in the sandbox with `flatpak run`.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "meow-browser-install.h"
#include "meow-browser-protocol.h"

#define HOST_DESCRIPTION "Hands links and downloads from the browser to Meow"
#define WRAPPER_NAME MEOW_BROWSER_HOST_NAME ".sh"

/**
 * meow_browser_manifest_new:
 * @family: the browser family the manifest is for
 * @host_path: the host program's absolute path
 *
 * Returns: (transfer full): the host manifest, as JSON text ending in a newline
 */
char *
meow_browser_manifest_new (MeowBrowserFamily family, const char *host_path)
{
  g_autoptr (JsonBuilder) builder = json_builder_new ();
  g_autoptr (JsonGenerator) generator = json_generator_new ();
  g_autoptr (JsonNode) root = NULL;
  g_autofree char *text = NULL;

  g_return_val_if_fail (host_path != NULL && g_path_is_absolute (host_path), NULL);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "name");
  json_builder_add_string_value (builder, MEOW_BROWSER_HOST_NAME);
  json_builder_set_member_name (builder, "description");
  json_builder_add_string_value (builder, HOST_DESCRIPTION);
  json_builder_set_member_name (builder, "path");
  json_builder_add_string_value (builder, host_path);
  json_builder_set_member_name (builder, "type");
  json_builder_add_string_value (builder, "stdio");
  if (family == MEOW_BROWSER_FIREFOX)
    {
      json_builder_set_member_name (builder, "allowed_extensions");
      json_builder_begin_array (builder);
      json_builder_add_string_value (builder, MEOW_GECKO_ID);
    }
  else
    {
      json_builder_set_member_name (builder, "allowed_origins");
      json_builder_begin_array (builder);
      json_builder_add_string_value (builder, "chrome-extension://" MEOW_CHROMIUM_ID "/");
    }
  json_builder_end_array (builder);
  json_builder_end_object (builder);

  root = json_builder_get_root (builder);
  json_generator_set_root (generator, root);
  json_generator_set_pretty (generator, TRUE);
  text = json_generator_to_data (generator, NULL);
  return g_strconcat (text, "\n", NULL);
}

/**
 * meow_browser_is_sandboxed:
 *
 * Returns: whether this process runs inside Flatpak
 */
gboolean
meow_browser_is_sandboxed (void)
{
  return g_file_test ("/.flatpak-info", G_FILE_TEST_EXISTS);
}

/**
 * meow_browser_find_host:
 *
 * Finds `meow-browser-host` for the program that is running: beside it (installed), in
 * the build tree's `browser/` (an uninstalled build), else in the configured bindir.
 *
 * Returns: (transfer full): the host's absolute path
 */
char *
meow_browser_find_host (void)
{
  g_autofree char *exe = g_file_read_link ("/proc/self/exe", NULL);
  g_autofree char *dir = exe != NULL ? g_path_get_dirname (exe) : NULL;

  if (dir != NULL)
    {
      g_autofree char *beside = g_build_filename (dir, "meow-browser-host", NULL);
      g_autofree char *built = g_build_filename (dir, "..", "browser", "meow-browser-host", NULL);

      if (g_file_test (beside, G_FILE_TEST_IS_EXECUTABLE))
        return g_steal_pointer (&beside);
      if (g_file_test (built, G_FILE_TEST_IS_EXECUTABLE))
        {
          g_autoptr (GFile) file = g_file_new_for_path (built); /* without the ".." */
          return g_file_get_path (file);
        }
    }
  return g_build_filename (MEOW_BINDIR, "meow-browser-host", NULL);
}

static gboolean
write_file (const char *path, const char *contents, int mode, GError **error)
{
  g_autofree char *dir = g_path_get_dirname (path);

  if (g_mkdir_with_parents (dir, 0755) != 0)
    {
      int saved_errno = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                   "Cannot create the folder “%s”: %s", dir, g_strerror (saved_errno));
      return FALSE;
    }
  return g_file_set_contents_full (path, contents, -1, G_FILE_SET_CONTENTS_CONSISTENT, mode, error);
}

/**
 * meow_browser_install_user:
 * @home: the home folder (Firefox reads `~/.mozilla/native-messaging-hosts/`)
 * @config_dir: the host system's `$XDG_CONFIG_HOME` (Chromium reads
 *   `chromium/NativeMessagingHosts/` there, Google Chrome `google-chrome/…`)
 * @host_path: (nullable): the host program; %NULL inside Flatpak, where each manifest
 *   points at a wrapper beside it that runs
 *   `flatpak run --command=meow-browser-host io.github.meow_transfer.Meow`
 * @error: a %G_IO_ERROR or %G_FILE_ERROR
 *
 * Writes the per-user host manifests for Firefox, Chromium and Google Chrome, replacing
 * earlier ones. Stops at the first file that cannot be written.
 *
 * Returns: (transfer full): the manifests written, or %NULL with @error set
 */
char **
meow_browser_install_user (const char *home,
                           const char *config_dir,
                           const char *host_path,
                           GError    **error)
{
  const struct
  {
    MeowBrowserFamily family;
    const char       *base;
    const char       *folder;
  } targets[] = {
    { MEOW_BROWSER_FIREFOX, home, ".mozilla/native-messaging-hosts" },
    { MEOW_BROWSER_CHROMIUM, config_dir, "chromium/NativeMessagingHosts" },
    { MEOW_BROWSER_CHROMIUM, config_dir, "google-chrome/NativeMessagingHosts" },
  };
  g_autoptr (GStrvBuilder) written = g_strv_builder_new ();

  g_return_val_if_fail (home != NULL && config_dir != NULL, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (targets); i++)
    {
      g_autofree char *dir = g_build_filename (targets[i].base, targets[i].folder, NULL);
      g_autofree char *path = g_build_filename (dir, MEOW_BROWSER_HOST_NAME ".json", NULL);
      g_autofree char *wrapper = NULL;
      g_autofree char *manifest = NULL;

      if (host_path == NULL)
        {
          g_autofree char *script = g_strdup_printf (
              "#!/bin/sh\n"
              "# Written by Meow (Preferences, Browser Integration): runs its native\n"
              "# messaging host inside the %s Flatpak.\n"
              "exec flatpak run --command=meow-browser-host %s \"$@\"\n",
              APPLICATION_ID, APPLICATION_ID);

          wrapper = g_build_filename (dir, WRAPPER_NAME, NULL);
          if (!write_file (wrapper, script, 0755, error))
            return NULL;
        }
      manifest = meow_browser_manifest_new (targets[i].family, host_path ? host_path : wrapper);
      if (!write_file (path, manifest, 0644, error))
        return NULL;
      g_strv_builder_add (written, path);
    }
  return g_strv_builder_end (written);
}

/**
 * meow_browser_install_for_this_user:
 * @error: a %G_IO_ERROR or %G_FILE_ERROR
 *
 * meow_browser_install_user() for the user running this program: inside Flatpak with the
 * wrapper and the host system's config folder (`$HOST_XDG_CONFIG_HOME`, else
 * `~/.config`), outside with meow_browser_find_host() and `$XDG_CONFIG_HOME`.
 *
 * Returns: (transfer full): the manifests written, or %NULL with @error set
 */
char **
meow_browser_install_for_this_user (GError **error)
{
  const char      *home = g_get_home_dir ();
  g_autofree char *config_dir = NULL;
  g_autofree char *host = NULL;

  if (meow_browser_is_sandboxed ())
    {
      const char *host_config = g_getenv ("HOST_XDG_CONFIG_HOME");

      config_dir = host_config != NULL && g_path_is_absolute (host_config)
                       ? g_strdup (host_config)
                       : g_build_filename (home, ".config", NULL);
    }
  else
    {
      config_dir = g_strdup (g_get_user_config_dir ());
      host = meow_browser_find_host ();
    }
  return meow_browser_install_user (home, config_dir, host, error);
}
