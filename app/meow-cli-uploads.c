/* meow-cli-uploads.c: the saved tus upload URLs, $XDG_DATA_HOME/meow/cli-uploads.json
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <errno.h>

#include <json-glib/json-glib.h>

#include "meow-cli-private.h"

/* A tus upload resumes only through the URL of the resource the server
 * created for it, so meow-cli saves that URL as soon as the engine reports
 * it, in $XDG_DATA_HOME/meow/cli-uploads.json:
 *
 *   { "version": 1,
 *     "uploads": [ { "protocol": "tus", "url": ENDPOINT, "path": ABSOLUTE-PATH,
 *                    "size": BYTES, "mtime-usec": MICROSECONDS,
 *                    "upload-url": URL }, … ] }
 *
 * An entry matches only the same protocol, endpoint, file, size and
 * modification time, so a file changed since the interruption starts a fresh
 * upload (and its old entry is dropped). An entry is removed when its upload
 * completes. The file is replaced atomically, readable by the user only:
 * an upload URL may work as a credential. Two meow-cli processes saving at
 * the same moment may lose one entry; that upload then starts afresh, which
 * is safe. (The meow protocol needs none of this: its server answers the
 * next byte for the file's MD5.) */

#define UPLOAD_STORE_VERSION 1

static char *
upload_store_path (void)
{
  return g_build_filename (g_get_user_data_dir (), "meow", "cli-uploads.json", NULL);
}

/* The store's list of uploads, or a new empty list. A missing file is
 * normal; an unreadable or invalid one is ignored, with a warning when
 * @warn (the next save replaces it). */
static JsonArray *
upload_store_load (const char *path, gboolean warn)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) error = NULL;
  g_autofree char *problem = NULL;
  JsonNode        *root;
  JsonNode        *uploads = NULL;

  if (!json_parser_load_from_file (parser, path, &error))
    {
      if (g_error_matches (error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        return json_array_new ();
      problem = g_strdup (error->message);
    }
  else
    {
      root = json_parser_get_root (parser);
      if (root != NULL && JSON_NODE_HOLDS_OBJECT (root))
        uploads = json_object_get_member (json_node_get_object (root), "uploads");
      if (uploads == NULL || !JSON_NODE_HOLDS_ARRAY (uploads))
        problem = g_strdup (_ ("it has no list of uploads"));
    }

  if (problem != NULL)
    {
      if (warn)
        cli_warning_message (
            _ ("Ignoring the saved uploads in “%s” (%s); tus uploads start afresh."), path,
            problem);
      return json_array_new ();
    }
  return json_array_ref (json_node_get_array (uploads));
}

static gboolean
upload_entry_is_same_file (JsonNode *node, const UploadKey *key)
{
  JsonObject *entry;

  if (!JSON_NODE_HOLDS_OBJECT (node))
    return FALSE;
  entry = json_node_get_object (node);
  return g_strcmp0 (json_object_get_string_member_with_default (entry, "protocol", NULL),
                    key->protocol) == 0 &&
         g_strcmp0 (json_object_get_string_member_with_default (entry, "url", NULL), key->url) ==
             0 &&
         g_strcmp0 (json_object_get_string_member_with_default (entry, "path", NULL), key->path) ==
             0;
}

static gboolean
upload_entry_matches (JsonNode *node, const UploadKey *key)
{
  JsonObject *entry;

  if (!upload_entry_is_same_file (node, key))
    return FALSE;
  entry = json_node_get_object (node);
  return json_object_get_int_member_with_default (entry, "size", -1) == key->size &&
         json_object_get_int_member_with_default (entry, "mtime-usec", -1) == key->mtime_usec;
}

/* The saved upload URL for @key, or NULL. */
char *
cli_upload_store_lookup (const UploadKey *key)
{
  g_autofree char *path = upload_store_path ();
  g_autoptr (JsonArray) uploads = upload_store_load (path, TRUE);

  for (guint i = 0; i < json_array_get_length (uploads); i++)
    {
      JsonNode   *node = json_array_get_element (uploads, i);
      const char *upload_url;

      if (!upload_entry_matches (node, key))
        continue;
      upload_url = json_object_get_string_member_with_default (json_node_get_object (node),
                                                               "upload-url", NULL);
      if (upload_url != NULL && upload_url[0] != '\0')
        return g_strdup (upload_url);
    }
  return NULL;
}

/* Saves @upload_url for @key, or removes the file's entry when it is NULL.
 * Any other entry for the same file (an older version of it) goes too. */
gboolean
cli_upload_store_save (const UploadKey *key, const char *upload_url, GError **error)
{
  g_autofree char *path = upload_store_path ();
  g_autofree char *dir = g_path_get_dirname (path);
  g_autoptr (JsonArray) old = upload_store_load (path, FALSE);
  g_autoptr (JsonArray) uploads = json_array_new ();
  g_autoptr (JsonBuilder) builder = json_builder_new ();
  g_autoptr (JsonGenerator) generator = json_generator_new ();
  g_autoptr (JsonNode) root = NULL;
  g_autofree char *data = NULL;
  gsize            length;

  for (guint i = 0; i < json_array_get_length (old); i++)
    {
      JsonNode *node = json_array_get_element (old, i);

      if (!upload_entry_is_same_file (node, key))
        json_array_add_element (uploads, json_node_copy (node));
    }

  if (upload_url != NULL)
    {
      g_autoptr (GDateTime) now = g_date_time_new_now_utc ();
      g_autofree char *saved = g_date_time_format_iso8601 (now);
      JsonObject      *entry = json_object_new ();

      json_object_set_string_member (entry, "protocol", key->protocol);
      json_object_set_string_member (entry, "url", key->url);
      json_object_set_string_member (entry, "path", key->path);
      json_object_set_int_member (entry, "size", key->size);
      json_object_set_int_member (entry, "mtime-usec", key->mtime_usec);
      json_object_set_string_member (entry, "upload-url", upload_url);
      json_object_set_string_member (entry, "saved", saved);
      json_array_add_object_element (uploads, entry);
    }

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "version");
  json_builder_add_int_value (builder, UPLOAD_STORE_VERSION);
  json_builder_set_member_name (builder, "uploads");
  json_builder_add_value (builder, json_node_init_array (json_node_alloc (), uploads));
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);

  json_generator_set_root (generator, root);
  json_generator_set_pretty (generator, TRUE);
  data = json_generator_to_data (generator, &length);

  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      int saved_errno = errno;

      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved_errno),
                   _ ("Cannot create the folder “%s”: %s"), dir, g_strerror (saved_errno));
      return FALSE;
    }
  return g_file_set_contents_full (path, data, (gssize) length, G_FILE_SET_CONTENTS_CONSISTENT,
                                   0600, error);
}
