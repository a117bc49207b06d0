/* meow-secrets.h: logins kept in the keyring (libsecret)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* The libsecret schema of a server's login: "org.gnome.Meow.Login". */
#define MEOW_SECRETS_SCHEMA_NAME "org.gnome.Meow.Login"

/**
 * MeowLoginKey:
 * @scheme: the URL's scheme ("http", "https")
 * @host: the server's host name, lower case
 * @port: its port (the scheme's default when the URL has none)
 * @realm: (nullable): the realm of the server's challenge
 *
 * What a stored login is found by: the attributes of its keyring item
 * (with `user`). Holds no secret.
 */
typedef struct
{
  char *scheme;
  char *host;
  guint port;
  char *realm;
} MeowLoginKey;

MeowLoginKey *meow_login_key_new_for_url (const char *url, const char *realm);
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

G_END_DECLS
