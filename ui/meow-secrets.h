/* meow-secrets.h: logins kept in the keyring (libsecret)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* The libsecret schema of a server's login: "org.gnome.Meow.Login". */
#define MEOW_SECRETS_SCHEMA_NAME "org.gnome.Meow.Login"
/* The libsecret schema of a proxy's login (the same attributes, the
 * proxy's scheme, host and port): "org.gnome.Meow.ProxyLogin". */
#define MEOW_SECRETS_PROXY_SCHEMA_NAME "org.gnome.Meow.ProxyLogin"

/**
 * MeowLoginKey:
 * @scheme: the URL's scheme ("http", "https")
 * @host: the server's host name, lower case
 * @port: its port (the scheme's default when the URL has none)
 * @realm: (nullable): the realm of the server's challenge
 * @proxy: a proxy's login (org.gnome.Meow.ProxyLogin), not a server's
 *
 * What a stored login is found by: the attributes of its keyring item
 * (with `user`). Holds no secret.
 */
typedef struct
{
  char    *scheme;
  char    *host;
  guint    port;
  char    *realm;
  gboolean proxy;
} MeowLoginKey;

MeowLoginKey *meow_login_key_new_for_url (const char *url, const char *realm);
MeowLoginKey *meow_login_key_new_for_proxy (const char *proxy, const char *realm);
void          meow_login_key_free (MeowLoginKey *key);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (MeowLoginKey, meow_login_key_free)

void     meow_secrets_store_async (const MeowLoginKey *key,
                                   const char         *user,
                                   const char         *password,
                                   GCancellable       *cancellable,
                                   GAsyncReadyCallback callback,
                                   gpointer            user_data);
gboolean meow_secrets_store_finish (GAsyncResult *result, GError **error);

void meow_secrets_lookup_async (const MeowLoginKey *key,
                                GCancellable       *cancellable,
                                GAsyncReadyCallback callback,
                                gpointer            user_data);
gboolean
meow_secrets_lookup_finish (GAsyncResult *result, char **user, char **password, GError **error);

void     meow_secrets_clear_async (const MeowLoginKey *key,
                                   GCancellable       *cancellable,
                                   GAsyncReadyCallback callback,
                                   gpointer            user_data);
gboolean meow_secrets_clear_finish (GAsyncResult *result, GError **error);

void meow_secrets_password_free (char *password);

/* The libsecret schema of a task's secret request headers: "org.gnome.Meow.Headers",
 * keyed by the task's id ("task"); the secret is the "Name: value" lines. */
#define MEOW_SECRETS_HEADERS_SCHEMA_NAME "org.gnome.Meow.Headers"

gboolean meow_secrets_is_secret_header (const char *line);

void     meow_secrets_store_headers_async (const char         *task_id,
                                           const char         *label,
                                           const char *const  *lines,
                                           GCancellable       *cancellable,
                                           GAsyncReadyCallback callback,
                                           gpointer            user_data);
gboolean meow_secrets_store_headers_finish (GAsyncResult *result, GError **error);

void  meow_secrets_lookup_headers_async (const char         *task_id,
                                         GCancellable       *cancellable,
                                         GAsyncReadyCallback callback,
                                         gpointer            user_data);
GStrv meow_secrets_lookup_headers_finish (GAsyncResult *result, GError **error);

void     meow_secrets_clear_headers_async (const char         *task_id,
                                           GCancellable       *cancellable,
                                           GAsyncReadyCallback callback,
                                           gpointer            user_data);
gboolean meow_secrets_clear_headers_finish (GAsyncResult *result, GError **error);

/* The libsecret schema of an upload target's secret request headers:
 * "org.gnome.Meow.UploadTarget", keyed by the target's "name" and "url". */
#define MEOW_SECRETS_TARGET_SCHEMA_NAME "org.gnome.Meow.UploadTarget"

void     meow_secrets_store_target_headers_async (const char         *name,
                                                  const char         *url,
                                                  const char *const  *lines,
                                                  GCancellable       *cancellable,
                                                  GAsyncReadyCallback callback,
                                                  gpointer            user_data);
gboolean meow_secrets_store_target_headers_finish (GAsyncResult *result, GError **error);
void     meow_secrets_lookup_target_headers_async (const char         *name,
                                                   const char         *url,
                                                   GCancellable       *cancellable,
                                                   GAsyncReadyCallback callback,
                                                   gpointer            user_data);
void     meow_secrets_clear_target_headers_async (const char         *name,
                                                  const char         *url,
                                                  GCancellable       *cancellable,
                                                  GAsyncReadyCallback callback,
                                                  gpointer            user_data);

G_END_DECLS
