/* meow-application.h: the Meow GUI application
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "meow-task-manager.h"

G_BEGIN_DECLS

#define MEOW_TYPE_APPLICATION (meow_application_get_type ())

G_DECLARE_FINAL_TYPE (MeowApplication, meow_application, MEOW, APPLICATION, AdwApplication)

MeowApplication *meow_application_new (void);
GSettings       *meow_application_get_settings (MeowApplication *self);
MeowTaskManager *meow_application_get_manager (MeowApplication *self);
MeowStore       *meow_application_get_store (MeowApplication *self);
char            *meow_application_dup_download_folder (MeowApplication *self);
char            *meow_application_dup_ready_download_folder (MeowApplication *self,
                                                             const char      *folder,
                                                             GError         **error);

gboolean meow_application_add_urls (MeowApplication   *self,
                                    const char *const *urls,
                                    const char        *folder,
                                    const char        *sha256,
                                    gboolean           start_paused,
                                    GError           **error);
guint    meow_application_upload_files (MeowApplication *self, GSList *files, GError **error);

gboolean meow_parse_url (const char *text);
char   **meow_split_urls (const char *text, char ***junk);

G_END_DECLS
