/* meow-folder-rules.c: rules that send file types to folders
 *
 * The `folder-rules` setting: pairs of extensions ("iso img") and a folder
 * ("~/Downloads/Images"), first match wins, as uGet's categories. They decide where a
 * download goes when it is added without a folder of its own, by the name known then:
 * the browser's file name, else the link's last path segment. A server that names the
 * file otherwise later (Content-Disposition) names the file inside that folder, but does
 * not move it: the partial file lives there from the first byte, and a download never
 * changes folder while it runs. Pure but for meow_folder_rules_check_folder().
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "meow-folder-rules.h"

#define SEPARATORS " ,;"

/* @ext without the dots and stars people write before it ("*.iso", ".iso"). */
static const char *
bare_extension (const char *ext)
{
  while (*ext == '*' || *ext == '.')
    ext++;
  return ext;
}

/**
 * meow_folder_rules_normalize_extensions:
 * @text: extensions as typed: "ISO, .img *.tar.gz"
 *
 * Returns: (transfer full) (nullable): them lower case without dots, separated by
 *   spaces ("iso img tar.gz"); %NULL when there are none
 */
char *
meow_folder_rules_normalize_extensions (const char *text)
{
  g_auto (GStrv) parts = g_strsplit_set (text, SEPARATORS, -1);
  g_autoptr (GString) out = g_string_new (NULL);

  for (guint i = 0; parts[i] != NULL; i++)
    {
      const char      *ext = bare_extension (parts[i]);
      g_autofree char *lower = NULL;

      if (ext[0] == '\0')
        continue;
      lower = g_utf8_strdown (ext, -1);
      if (out->len > 0)
        g_string_append_c (out, ' ');
      g_string_append (out, lower);
    }
  return out->len > 0 ? g_string_free (g_steal_pointer (&out), FALSE) : NULL;
}

/**
 * meow_folder_rules_match:
 * @rules: the `folder-rules` value, `a(ss)`
 * @name: (type filename): a file name
 * @extension: (out) (optional) (transfer full): the extension that matched
 *
 * The first rule with an extension that ends @name (after a dot; any case).
 *
 * Returns: (transfer full) (nullable): its folder as written in the rule, or %NULL
 */
char *
meow_folder_rules_match (GVariant *rules, const char *name, char **extension)
{
  g_autofree char *lower = NULL;
  GVariantIter     iter;
  const char      *exts, *folder;

  if (name == NULL || name[0] == '\0')
    return NULL;
  lower = g_utf8_strdown (name, -1);
  g_variant_iter_init (&iter, rules);
  while (g_variant_iter_next (&iter, "(&s&s)", &exts, &folder))
    {
      g_auto (GStrv) parts = g_strsplit_set (exts, SEPARATORS, -1);

      for (guint i = 0; parts[i] != NULL; i++)
        {
          g_autofree char *ext = g_utf8_strdown (bare_extension (parts[i]), -1);
          gsize            len = strlen (ext), name_len = strlen (lower);

          if (len == 0 || name_len <= len + 1)
            continue;
          if (lower[name_len - len - 1] == '.' && strcmp (lower + name_len - len, ext) == 0)
            {
              if (extension != NULL)
                *extension = g_steal_pointer (&ext);
              return g_strdup (folder);
            }
        }
    }
  return NULL;
}

/**
 * meow_folder_rules_expand:
 * @folder: a rule's folder: absolute, or starting with `~/`
 *
 * Returns: (transfer full) (nullable) (type filename): the absolute path, or %NULL for
 *   a relative one
 */
char *
meow_folder_rules_expand (const char *folder)
{
  if (folder == NULL)
    return NULL;
  if (g_str_equal (folder, "~"))
    return g_strdup (g_get_home_dir ());
  if (g_str_has_prefix (folder, "~/"))
    return g_build_filename (g_get_home_dir (), folder + 2, NULL);
  if (g_path_is_absolute (folder))
    return g_canonicalize_filename (folder, NULL);
  return NULL;
}

/**
 * meow_folder_rules_display:
 * @path: (type filename): an absolute path
 *
 * The way back from meow_folder_rules_expand(), for labels: a path inside the home
 * folder as `~/…` (as GNOME's apps show it), any other as it is; in UTF-8 either way.
 *
 * Returns: (transfer full): the text to show
 */
char *
meow_folder_rules_display (const char *path)
{
  const char *home = g_get_home_dir ();
  gsize       n = strlen (home);

  while (n > 1 && home[n - 1] == G_DIR_SEPARATOR)
    n--;
  if (n > 1 && strncmp (path, home, n) == 0 && (path[n] == '\0' || path[n] == G_DIR_SEPARATOR))
    {
      g_autofree char *rest = g_filename_display_name (path + n);

      return g_strconcat ("~", rest, NULL);
    }
  return g_filename_display_name (path);
}

/**
 * meow_folder_rules_name_from_url:
 * @url: a web link
 *
 * Returns: (transfer full) (nullable): its last path segment, unescaped, or %NULL
 */
char *
meow_folder_rules_name_from_url (const char *url)
{
  g_autoptr (GUri) uri = g_uri_parse (url, G_URI_FLAGS_ENCODED | G_URI_FLAGS_PARSE_RELAXED, NULL);
  const char *path = uri ? g_uri_get_path (uri) : NULL;
  const char *slash;

  if (path == NULL)
    return NULL;
  slash = strrchr (path, '/');
  if (slash != NULL)
    path = slash + 1;
  if (path[0] == '\0')
    return NULL;
  return g_uri_unescape_string (path, NULL);
}

/**
 * meow_folder_rules_check_folder:
 * @folder: a rule's folder as written
 * @error: why downloads cannot go there
 *
 * Whether downloads can be saved in @folder: an absolute path or one under `~/`, not a
 * file, writable if it exists (a missing one is made when a download needs it).
 *
 * Returns: whether it can be used
 */
gboolean
meow_folder_rules_check_folder (const char *folder, GError **error)
{
  g_autofree char *path = meow_folder_rules_expand (folder);
  g_autofree char *display = NULL;

  if (path == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_FILENAME,
                   /* Translators: %s is the folder typed in */
                   _ ("“%s” is not a folder Meow can use: write a full path, such as "
                      "~/Downloads/Images or /media/disk/Images."),
                   folder ? folder : "");
      return FALSE;
    }
  display = g_filename_display_name (path);
  if (g_file_test (path, G_FILE_TEST_EXISTS) && !g_file_test (path, G_FILE_TEST_IS_DIR))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_DIRECTORY, _ ("“%s” is a file, not a folder."),
                   display);
      return FALSE;
    }
  if (g_file_test (path, G_FILE_TEST_IS_DIR) && g_access (path, W_OK) != 0)
    {
      int saved_errno = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                   _ ("Cannot save in the folder “%s”: %s"), display, g_strerror (saved_errno));
      return FALSE;
    }
  return TRUE;
}
