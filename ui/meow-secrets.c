/* meow-secrets.c: logins kept in the keyring (libsecret)
 *
 * A server's login (user and password for a 401) is a keyring item of the
 * schema org.gnome.Meow.Login with the attributes scheme, host, port,
 * realm and user; the password is its secret. A proxy's login (for a 407)
 * is the same with the schema org.gnome.Meow.ProxyLogin, scheme being the
 * proxy's (http, https, socks5h…). Everything goes through
 * libsecret's asynchronous calls (the Secret Service on the desktop, the
 * Secret portal's local file inside Flatpak), so nothing here blocks the
 * main loop. GLib and libsecret only: the model's library, tested without
 * a display (tests/model/test-secrets.c).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "meow-secrets.h"

#include <libsecret/secret.h>
#include <string.h>

/* A server's and a proxy's logins: the same attributes, two schemas, so that
 * neither's lookups find the other's items. */
/* clang-format off */
#define LOGIN_SCHEMA(name)                                     \
  {                                                            \
    name, SECRET_SCHEMA_NONE,                                  \
    {                                                          \
      { "scheme", SECRET_SCHEMA_ATTRIBUTE_STRING },            \
      { "host", SECRET_SCHEMA_ATTRIBUTE_STRING },              \
      { "port", SECRET_SCHEMA_ATTRIBUTE_INTEGER },             \
      { "realm", SECRET_SCHEMA_ATTRIBUTE_STRING },             \
      { "user", SECRET_SCHEMA_ATTRIBUTE_STRING },              \
      { NULL, 0 },                                             \
    },                                                         \
  }
/* clang-format on */

static const SecretSchema *
key_schema (const MeowLoginKey *key)
{
  static const SecretSchema schemas[] = {
    LOGIN_SCHEMA (MEOW_SECRETS_SCHEMA_NAME),
    LOGIN_SCHEMA (MEOW_SECRETS_PROXY_SCHEMA_NAME),
  };

  return &schemas[key->proxy ? 1 : 0];
}

/**
 * meow_login_key_new_for_proxy:
 * @proxy: a proxy's URL as meow_transfer_record_get_auth_proxy() names it
 *   (http, https, socks4, socks4a, socks5 or socks5h; userinfo ignored)
 * @realm: (nullable): the realm the proxy named
 *
 * The key of @proxy's login for @realm (schema org.gnome.Meow.ProxyLogin).
 * Any thread.
 *
 * Returns: (transfer full) (nullable): the key, or %NULL when @proxy is
 *   not a proxy URL with a host.
 */
MeowLoginKey *
meow_login_key_new_for_proxy (const char *proxy, const char *realm)
{
  static const char *const schemes[] = { "http",   "https",   "socks4", "socks4a",
                                         "socks5", "socks5h", NULL };
  g_autoptr (GUri) uri = g_uri_parse (proxy, G_URI_FLAGS_NONE, NULL);
  MeowLoginKey *key;
  gint          port;

  if (uri == NULL || g_uri_get_host (uri) == NULL || g_uri_get_host (uri)[0] == '\0')
    return NULL;
  for (guint i = 0; schemes[i] != NULL; i++)
    if (g_ascii_strcasecmp (g_uri_get_scheme (uri), schemes[i]) == 0)
      {
        key = g_new0 (MeowLoginKey, 1);
        key->proxy = TRUE;
        key->scheme = g_ascii_strdown (schemes[i], -1);
        key->host = g_ascii_strdown (g_uri_get_host (uri), -1);
        port = g_uri_get_port (uri);
        key->port = port > 0 ? (guint) port : g_str_has_prefix (key->scheme, "socks") ? 1080 : 3128;
        key->realm = g_strdup (realm);
        return key;
      }
  return NULL;
}

/**
 * meow_login_key_new_for_url:
 * @url: an http or https URL (its userinfo, path and query are ignored)
 * @realm: (nullable): the realm the server named
 *
 * The key of @url's server's login for @realm. Any thread.
 *
 * Returns: (transfer full) (nullable): the key, or %NULL when @url is not
 *   an http(s) URL with a host.
 */
MeowLoginKey *
meow_login_key_new_for_url (const char *url, const char *realm)
{
  g_autoptr (GUri) uri = g_uri_parse (url, G_URI_FLAGS_NONE, NULL);
  MeowLoginKey *key;
  const char   *scheme;
  gint          port;

  if (uri == NULL || g_uri_get_host (uri) == NULL || g_uri_get_host (uri)[0] == '\0')
    return NULL;
  scheme = g_uri_get_scheme (uri);
  if (g_ascii_strcasecmp (scheme, "http") != 0 && g_ascii_strcasecmp (scheme, "https") != 0)
    return NULL;

  key = g_new0 (MeowLoginKey, 1);
  key->scheme = g_ascii_strdown (scheme, -1);
  key->host = g_ascii_strdown (g_uri_get_host (uri), -1);
  port = g_uri_get_port (uri);
  key->port = port > 0 ? (guint) port : g_str_equal (key->scheme, "https") ? 443 : 80;
  key->realm = g_strdup (realm);
  return key;
}

/**
 * meow_login_key_free:
 * @key: (transfer full) (nullable): a key
 *
 * Frees @key. Any thread.
 */
void
meow_login_key_free (MeowLoginKey *key)
{
  if (key == NULL)
    return;
  g_free (key->scheme);
  g_free (key->host);
  g_free (key->realm);
  g_free (key);
}

/* The attributes that find @key's items (@user: NULL for any user). */
static GHashTable *
key_attributes (const MeowLoginKey *key, const char *user)
{
  GHashTable *attributes = secret_attributes_build (key_schema (key), "scheme", key->scheme, "host",
                                                    key->host, "port", (int) key->port, "realm",
                                                    key->realm != NULL ? key->realm : "", NULL);

  if (user != NULL)
    g_hash_table_insert (attributes, g_strdup ("user"), g_strdup (user));
  return attributes;
}

/**
 * meow_secrets_password_free:
 * @password: (transfer full) (nullable): a password from meow_secrets_lookup_finish()
 *
 * Zeroes and frees @password. Any thread.
 */
void
meow_secrets_password_free (char *password)
{
  secret_password_free (password);
}

static void
stored_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  GError *error = NULL;

  if (secret_password_store_finish (result, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

static void
cleared_for_store_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  GError             *error = NULL;
  const char *const  *data = g_task_get_task_data (task);
  const MeowLoginKey *key = g_object_get_data (G_OBJECT (task), "key");
  g_autoptr (GHashTable) attributes = NULL;
  g_autofree char *label = NULL;

  secret_password_clear_finish (result, &error);
  if (error != NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  attributes = key_attributes (key, data[0]);
  if (key->proxy)
    label = g_strdup_printf ("%s on the proxy %s:%u", data[0], key->host, key->port);
  else if (key->realm != NULL && key->realm[0] != '\0')
    label = g_strdup_printf ("%s on %s (%s)", data[0], key->host, key->realm);
  else
    label = g_strdup_printf ("%s on %s", data[0], key->host);
  secret_password_storev (key_schema (key), attributes, SECRET_COLLECTION_DEFAULT, label, data[1],
                          g_task_get_cancellable (task), stored_cb, g_object_ref (task));
}

static void
login_data_free (gpointer data)
{
  char **strv = data;

  g_free (strv[0]);
  secret_password_free (strv[1]);
  g_free (strv);
}

/**
 * meow_secrets_store_async:
 * @key: what the login is for
 * @user: the user name
 * @password: the password (copied; the copy is zeroed when done)
 * @cancellable: (nullable): a cancellable
 * @callback: called in the thread-default context of the caller
 * @user_data: for @callback
 *
 * Keeps @user's @password for @key in the default keyring collection, in
 * place of any login stored for @key before (one login per server and
 * realm: the last one the user chose). The owner's thread.
 */
void
meow_secrets_store_async (const MeowLoginKey *key,
                          const char         *user,
                          const char         *password,
                          GCancellable       *cancellable,
                          GAsyncReadyCallback callback,
                          gpointer            user_data)
{
  g_autoptr (GTask) task = g_task_new (NULL, cancellable, callback, user_data);
  g_autoptr (GHashTable) attributes = NULL;
  char        **data = g_new0 (char *, 3);
  MeowLoginKey *copy = g_new0 (MeowLoginKey, 1);

  g_return_if_fail (key != NULL && user != NULL && password != NULL);

  g_task_set_source_tag (task, meow_secrets_store_async);
  data[0] = g_strdup (user);
  data[1] = g_strdup (password);
  g_task_set_task_data (task, data, login_data_free);
  copy->scheme = g_strdup (key->scheme);
  copy->host = g_strdup (key->host);
  copy->proxy = key->proxy;
  copy->port = key->port;
  copy->realm = g_strdup (key->realm);
  g_object_set_data_full (G_OBJECT (task), "key", copy, (GDestroyNotify) meow_login_key_free);

  attributes = key_attributes (key, NULL);
  secret_password_clearv (key_schema (key), attributes, cancellable, cleared_for_store_cb,
                          g_steal_pointer (&task));
}

/**
 * meow_secrets_store_finish:
 * @result: the result
 * @error: return location for the keyring's error
 *
 * Returns: %TRUE when the login is stored. The owner's thread.
 */
gboolean
meow_secrets_store_finish (GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

typedef struct
{
  char *user;
  char *password;
} FoundLogin;

static void
found_login_free (FoundLogin *found)
{
  g_free (found->user);
  secret_password_free (found->password);
  g_free (found);
}

static void
retrieved_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  GError *error = NULL;
  g_autoptr (SecretValue) value =
      secret_retrievable_retrieve_secret_finish (SECRET_RETRIEVABLE (source), result, &error);
  g_autoptr (GHashTable) attributes = NULL;
  FoundLogin *found;

  if (error != NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  found = g_new0 (FoundLogin, 1);
  attributes = secret_retrievable_get_attributes (SECRET_RETRIEVABLE (source));
  found->user = g_strdup (g_hash_table_lookup (attributes, "user"));
  if (value != NULL)
    {
      gsize length = 0;

      found->password = secret_value_unref_to_password (g_steal_pointer (&value), &length);
    }
  g_task_return_pointer (task, found, (GDestroyNotify) found_login_free);
}

static void
searched_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  GError *error = NULL;
  GList  *items = secret_password_search_finish (result, &error);

  if (error != NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  if (items == NULL)
    {
      g_task_return_pointer (task, NULL, NULL);
      return;
    }
  secret_retrievable_retrieve_secret (items->data, g_task_get_cancellable (task), retrieved_cb,
                                      g_object_ref (task));
  g_list_free_full (items, g_object_unref);
}

/**
 * meow_secrets_lookup_async:
 * @key: what the login is for
 * @cancellable: (nullable): a cancellable
 * @callback: called in the thread-default context of the caller
 * @user_data: for @callback
 *
 * Looks for the login stored for @key (the keyring is unlocked if it must
 * be, which may ask the user). The owner's thread.
 */
void
meow_secrets_lookup_async (const MeowLoginKey *key,
                           GCancellable       *cancellable,
                           GAsyncReadyCallback callback,
                           gpointer            user_data)
{
  g_autoptr (GTask) task = g_task_new (NULL, cancellable, callback, user_data);
  g_autoptr (GHashTable) attributes = key_attributes (key, NULL);

  g_task_set_source_tag (task, meow_secrets_lookup_async);
  secret_password_searchv (key_schema (key), attributes, SECRET_SEARCH_UNLOCK, cancellable,
                           searched_cb, g_steal_pointer (&task));
}

/**
 * meow_secrets_lookup_finish:
 * @result: the result
 * @user: (out) (transfer full) (optional): the stored user name
 * @password: (out) (transfer full) (optional): the stored password; free
 *   it with meow_secrets_password_free()
 * @error: return location for the keyring's error
 *
 * Returns: %TRUE with the login when one is stored; %FALSE without @error
 *   set when none is, or with @error. The owner's thread.
 */
gboolean
meow_secrets_lookup_finish (GAsyncResult *result, char **user, char **password, GError **error)
{
  FoundLogin *found;

  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);
  found = g_task_propagate_pointer (G_TASK (result), error);
  if (found == NULL)
    return FALSE;
  if (user != NULL)
    *user = g_steal_pointer (&found->user);
  if (password != NULL)
    *password = g_steal_pointer (&found->password);
  found_login_free (found);
  return TRUE;
}

static void
cleared_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  GError *error = NULL;

  secret_password_clear_finish (result, &error);
  if (error != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

/**
 * meow_secrets_clear_async:
 * @key: what the login is for
 * @cancellable: (nullable): a cancellable
 * @callback: called in the thread-default context of the caller
 * @user_data: for @callback
 *
 * Removes the logins stored for @key (a refused one, say). The owner's
 * thread.
 */
void
meow_secrets_clear_async (const MeowLoginKey *key,
                          GCancellable       *cancellable,
                          GAsyncReadyCallback callback,
                          gpointer            user_data)
{
  g_autoptr (GTask) task = g_task_new (NULL, cancellable, callback, user_data);
  g_autoptr (GHashTable) attributes = key_attributes (key, NULL);

  g_task_set_source_tag (task, meow_secrets_clear_async);
  secret_password_clearv (key_schema (key), attributes, cancellable, cleared_cb,
                          g_steal_pointer (&task));
}

/**
 * meow_secrets_clear_finish:
 * @result: the result
 * @error: return location for the keyring's error
 *
 * Returns: %TRUE when nothing is stored for the key any more. The owner's
 *   thread.
 */
gboolean
meow_secrets_clear_finish (GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* ------------------------------------------------------------------ */
/* A task's secret request headers                                     */

static const SecretSchema *
headers_schema (void)
{
  static const SecretSchema schema = {
    MEOW_SECRETS_HEADERS_SCHEMA_NAME,
    SECRET_SCHEMA_NONE,
    {
        { "task", SECRET_SCHEMA_ATTRIBUTE_STRING },
        { NULL, 0 },
    },
  };

  return &schema;
}

/**
 * meow_secrets_is_secret_header:
 * @line: a "Name: value" request header line
 *
 * Whether @line is one the task list must not hold the value of: `Authorization`,
 * `Proxy-Authorization` or `Cookie` (the name in any case). Any thread.
 *
 * Returns: %TRUE for a secret header.
 */
gboolean
meow_secrets_is_secret_header (const char *line)
{
  static const char *const names[] = { "Authorization", "Proxy-Authorization", "Cookie" };
  const char              *colon;

  g_return_val_if_fail (line != NULL, FALSE);

  if ((colon = strchr (line, ':')) == NULL)
    return FALSE;
  for (gsize i = 0; i < G_N_ELEMENTS (names); i++)
    if ((gsize) (colon - line) == strlen (names[i]) &&
        g_ascii_strncasecmp (line, names[i], colon - line) == 0)
      return TRUE;
  return FALSE;
}

static void
boolean_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  GError *error = NULL;

  if (g_task_get_source_tag (task) == meow_secrets_store_headers_async)
    secret_password_store_finish (result, &error);
  else
    secret_password_clear_finish (result, &error);
  if (error != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

/**
 * meow_secrets_store_headers_async:
 * @task_id: the task the headers belong to
 * @label: the keyring item's label (names the task, not the secret)
 * @lines: (array zero-terminated=1): the secret "Name: value" header lines (copied)
 * @cancellable: (nullable): a cancellable
 * @callback: called in the thread-default context of the caller
 * @user_data: for @callback
 *
 * Keeps @lines in the default keyring collection as the item of schema
 * org.gnome.Meow.Headers for @task_id (the lines joined by a line feed: a header has
 * none), in place of the one stored before. The owner's thread.
 */
void
meow_secrets_store_headers_async (const char         *task_id,
                                  const char         *label,
                                  const char *const  *lines,
                                  GCancellable       *cancellable,
                                  GAsyncReadyCallback callback,
                                  gpointer            user_data)
{
  g_autoptr (GTask) task = g_task_new (NULL, cancellable, callback, user_data);
  char *joined;

  g_return_if_fail (task_id != NULL && label != NULL && lines != NULL);

  g_task_set_source_tag (task, meow_secrets_store_headers_async);
  joined = g_strjoinv ("\n", (GStrv) lines);
  secret_password_store (headers_schema (), SECRET_COLLECTION_DEFAULT, label, joined, cancellable,
                         boolean_cb, g_steal_pointer (&task), "task", task_id, NULL);
  secret_password_free (joined);
}

/**
 * meow_secrets_store_headers_finish:
 * @result: the result
 * @error: return location for the keyring's error
 *
 * Returns: %TRUE when the headers are stored. The owner's thread.
 */
gboolean
meow_secrets_store_headers_finish (GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
headers_found_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  GError *error = NULL;
  char   *joined = secret_password_lookup_finish (result, &error);

  if (error != NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  if (joined == NULL)
    {
      g_task_return_pointer (task, NULL, NULL);
      return;
    }
  g_task_return_pointer (task, g_strsplit (joined, "\n", -1), (GDestroyNotify) g_strfreev);
  secret_password_free (joined);
}

/**
 * meow_secrets_lookup_headers_async:
 * @task_id: a task's id
 * @cancellable: (nullable): a cancellable
 * @callback: called in the thread-default context of the caller
 * @user_data: for @callback
 *
 * Looks for the secret header lines stored for @task_id (the keyring is unlocked if it
 * must be, which may ask the user). The owner's thread.
 */
void
meow_secrets_lookup_headers_async (const char         *task_id,
                                   GCancellable       *cancellable,
                                   GAsyncReadyCallback callback,
                                   gpointer            user_data)
{
  GTask *task = g_task_new (NULL, cancellable, callback, user_data);

  g_return_if_fail (task_id != NULL);

  g_task_set_source_tag (task, meow_secrets_lookup_headers_async);
  secret_password_lookup (headers_schema (), cancellable, headers_found_cb, task, "task", task_id,
                          NULL);
}

/**
 * meow_secrets_lookup_headers_finish:
 * @result: the result
 * @error: return location for the keyring's error
 *
 * Returns: (transfer full) (nullable): the "Name: value" lines; %NULL without @error
 *   set when none are stored, or with @error (no keyring, a locked one the user did not
 *   unlock). The owner's thread.
 */
GStrv
meow_secrets_lookup_headers_finish (GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/**
 * meow_secrets_clear_headers_async:
 * @task_id: a task's id
 * @cancellable: (nullable): a cancellable
 * @callback: (nullable): called in the thread-default context of the caller
 * @user_data: for @callback
 *
 * Removes the secret headers stored for @task_id (the task left the list). The owner's
 * thread.
 */
void
meow_secrets_clear_headers_async (const char         *task_id,
                                  GCancellable       *cancellable,
                                  GAsyncReadyCallback callback,
                                  gpointer            user_data)
{
  GTask *task = g_task_new (NULL, cancellable, callback, user_data);

  g_return_if_fail (task_id != NULL);

  g_task_set_source_tag (task, meow_secrets_clear_headers_async);
  secret_password_clear (headers_schema (), cancellable, boolean_cb, task, "task", task_id, NULL);
}

/**
 * meow_secrets_clear_headers_finish:
 * @result: the result
 * @error: return location for the keyring's error
 *
 * Returns: %TRUE when nothing is stored for the task any more. The owner's thread.
 */
gboolean
meow_secrets_clear_headers_finish (GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* ------------------------------------------------------------------ */
/* An upload target's secret request headers                           */

static const SecretSchema *
target_schema (void)
{
  static const SecretSchema schema = {
    MEOW_SECRETS_TARGET_SCHEMA_NAME,
    SECRET_SCHEMA_NONE,
    {
        { "name", SECRET_SCHEMA_ATTRIBUTE_STRING },
        { "url", SECRET_SCHEMA_ATTRIBUTE_STRING },
        { NULL, 0 },
    },
  };

  return &schema;
}

static void
target_stored_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  GError *error = NULL;

  if (secret_password_store_finish (result, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

/**
 * meow_secrets_store_target_headers_async:
 * @name: the upload target's name
 * @url: its URL
 * @lines: (array zero-terminated=1): the secret "Name: value" header lines (copied)
 * @cancellable: (nullable): a cancellable
 * @callback: called in the thread-default context of the caller
 * @user_data: for @callback
 *
 * Keeps @lines as the keyring item of schema org.gnome.Meow.UploadTarget for the target
 * @name at @url, in place of the one stored before. The owner's thread.
 */
void
meow_secrets_store_target_headers_async (const char         *name,
                                         const char         *url,
                                         const char *const  *lines,
                                         GCancellable       *cancellable,
                                         GAsyncReadyCallback callback,
                                         gpointer            user_data)
{
  GTask           *task = g_task_new (NULL, cancellable, callback, user_data);
  g_autofree char *label = NULL;
  char            *joined;

  g_return_if_fail (name != NULL && url != NULL && lines != NULL);

  g_task_set_source_tag (task, meow_secrets_store_target_headers_async);
  label = g_strdup_printf ("Request headers of the upload target %s", name);
  joined = g_strjoinv ("\n", (GStrv) lines);
  secret_password_store (target_schema (), SECRET_COLLECTION_DEFAULT, label, joined, cancellable,
                         target_stored_cb, task, "name", name, "url", url, NULL);
  secret_password_free (joined);
}

/**
 * meow_secrets_store_target_headers_finish:
 * @result: the result
 * @error: return location for the keyring's error
 *
 * Returns: %TRUE when the headers are stored. The owner's thread.
 */
gboolean
meow_secrets_store_target_headers_finish (GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

/**
 * meow_secrets_lookup_target_headers_async:
 * @name: the upload target's name
 * @url: its URL
 * @cancellable: (nullable): a cancellable
 * @callback: called in the thread-default context of the caller
 * @user_data: for @callback
 *
 * Looks for the secret header lines stored for the target; finish with
 * meow_secrets_lookup_headers_finish(). The owner's thread.
 */
void
meow_secrets_lookup_target_headers_async (const char         *name,
                                          const char         *url,
                                          GCancellable       *cancellable,
                                          GAsyncReadyCallback callback,
                                          gpointer            user_data)
{
  GTask *task = g_task_new (NULL, cancellable, callback, user_data);

  g_return_if_fail (name != NULL && url != NULL);

  g_task_set_source_tag (task, meow_secrets_lookup_headers_async);
  secret_password_lookup (target_schema (), cancellable, headers_found_cb, task, "name", name,
                          "url", url, NULL);
}

/**
 * meow_secrets_clear_target_headers_async:
 * @name: the upload target's name
 * @url: its URL
 * @cancellable: (nullable): a cancellable
 * @callback: (nullable): called in the thread-default context of the caller
 * @user_data: for @callback
 *
 * Removes the secret headers stored for the target (it left Preferences); finish with
 * meow_secrets_clear_headers_finish(). The owner's thread.
 */
void
meow_secrets_clear_target_headers_async (const char         *name,
                                         const char         *url,
                                         GCancellable       *cancellable,
                                         GAsyncReadyCallback callback,
                                         gpointer            user_data)
{
  GTask *task = g_task_new (NULL, cancellable, callback, user_data);

  g_return_if_fail (name != NULL && url != NULL);

  g_task_set_source_tag (task, meow_secrets_clear_headers_async);
  secret_password_clear (target_schema (), cancellable, boolean_cb, task, "name", name, "url", url,
                         NULL);
}
