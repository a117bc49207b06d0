/* meow-browser-install.h: native messaging host manifests, system-wide and per user
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/**
 * MeowBrowserFamily:
 * @MEOW_BROWSER_FIREFOX: Firefox: the manifest names the extension's gecko id
 * @MEOW_BROWSER_CHROMIUM: Chromium and Google Chrome: the manifest names the extension's
 *   origin
 *
 * Which form of host manifest a browser reads.
 */
typedef enum
{
  MEOW_BROWSER_FIREFOX,
  MEOW_BROWSER_CHROMIUM,
} MeowBrowserFamily;

char    *meow_browser_manifest_new (MeowBrowserFamily family, const char *host_path);
gboolean meow_browser_is_sandboxed (void);
char    *meow_browser_find_host (void);
char   **meow_browser_install_user (const char *home,
                                    const char *config_dir,
                                    const char *host_path,
                                    GError    **error);
char   **meow_browser_install_for_this_user (GError **error);

G_END_DECLS
