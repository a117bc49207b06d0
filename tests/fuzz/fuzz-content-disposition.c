/* fuzz-content-disposition.c: file names a server chooses
 *
 * Content-Disposition → _meow_content_disposition_filename() →
 * _meow_sanitize_file_name(), the same pipeline the download driver uses,
 * plus the input as a raw name and as a URL (_meow_file_name_from_url()).
 * Every name that comes out must be a safe single path component (see
 * fuzz_check_safe_name()), sanitising must be idempotent, and
 * _meow_unique_path() must keep it inside the folder it was given.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <glib/gstdio.h>

#include "fuzz-common.h"
#include "meow-http-private.h"

/* An empty folder for _meow_unique_path(); nothing is ever created in it. */
static char *folder;

static void
remove_folder (void)
{
  g_rmdir (folder);
}

static void
check_name (const char *name)
{
  g_autofree char *again = NULL;
  g_autofree char *path = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *base = NULL;

  if (name == NULL)
    return;
  fuzz_check_safe_name (name, MEOW_MAX_NAME_BYTES);

  again = _meow_sanitize_file_name (name);
  FUZZ_CHECK (g_strcmp0 (again, name) == 0, "not idempotent: “%s” → “%s”", name, again);

  path = _meow_unique_path (folder, name);
  FUZZ_CHECK (path != NULL, "no unique path for %s", name);
  dir = g_path_get_dirname (path);
  base = g_path_get_basename (path);
  FUZZ_CHECK (strcmp (dir, folder) == 0, "“%s” left the folder: %s", name, path);
  FUZZ_CHECK (strcmp (base, name) == 0, "“%s” renamed in an empty folder: %s", name, path);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autofree char *value = fuzz_input_string (data, size);
  g_autofree char *raw = NULL;
  g_autofree char *from_header = NULL;
  g_autofree char *from_value = NULL;
  g_autofree char *from_url = NULL;

  if (folder == NULL)
    {
      folder = g_dir_make_tmp ("meow-fuzz-XXXXXX", NULL);
      g_assert (folder != NULL);
      atexit (remove_folder);
    }

  raw = _meow_content_disposition_filename (value);
  if (raw != NULL)
    {
      FUZZ_CHECK (raw[0] != '\0', "empty name from “%s”", value);
      from_header = _meow_sanitize_file_name (raw);
      check_name (from_header);
    }

  from_value = _meow_sanitize_file_name (value);
  check_name (from_value);

  from_url = _meow_file_name_from_url (value);
  check_name (from_url);

  return 0;
}
