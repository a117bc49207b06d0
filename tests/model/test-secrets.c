/* test-secrets.c: logins in the keyring (ui/meow-secrets.c)
 *
 * Runs under run-with-keyring.sh: a private session bus with its own
 * unlocked gnome-keyring-daemon. A stored login is found by its scheme,
 * host, port and realm, replaces the one before it, is not found for
 * another realm or port, and is gone after a clear.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <string.h>

#include "meow-secrets.h"

typedef struct
{
  GAsyncResult *result;
} Wait;

static void
done_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Wait *w = user_data;

  w->result = g_object_ref (result);
}

/* Spins the default context until @w has its result (bounded). */
static GAsyncResult *
wait_result (Wait *w)
{
  gint64 deadline = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;

  while (w->result == NULL && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, FALSE) || (g_usleep (1000), TRUE);
  g_assert_nonnull (w->result);
  return w->result;
}

static void
store (const MeowLoginKey *key, const char *user, const char *password)
{
  Wait w = { NULL };
  g_autoptr (GError) error = NULL;

  meow_secrets_store_async (key, user, password, NULL, done_cb, &w);
  g_assert_true (meow_secrets_store_finish (wait_result (&w), &error));
  g_assert_no_error (error);
  g_object_unref (w.result);
}

/* The login stored for @key, "user:password", or NULL. */
static char *
lookup (const MeowLoginKey *key)
{
  Wait w = { NULL };
  g_autoptr (GError) error = NULL;
  g_autofree char *user = NULL;
  char            *password = NULL;
  gboolean         found;
  char            *both;

  meow_secrets_lookup_async (key, NULL, done_cb, &w);
  found = meow_secrets_lookup_finish (wait_result (&w), &user, &password, &error);
  g_assert_no_error (error);
  g_object_unref (w.result);
  if (!found)
    return NULL;
  both = g_strconcat (user, ":", password, NULL);
  meow_secrets_password_free (password);
  return both;
}

static void
clear (const MeowLoginKey *key)
{
  Wait w = { NULL };
  g_autoptr (GError) error = NULL;

  meow_secrets_clear_async (key, NULL, done_cb, &w);
  g_assert_true (meow_secrets_clear_finish (wait_result (&w), &error));
  g_assert_no_error (error);
  g_object_unref (w.result);
}

static void
test_key_for_url (void)
{
  g_autoptr (MeowLoginKey) a =
      meow_login_key_new_for_url ("https://u:p@Files.Example.ORG/x?y", "R");
  g_autoptr (MeowLoginKey) b = meow_login_key_new_for_url ("http://127.0.0.1:8080/f", NULL);
  g_autoptr (MeowLoginKey) c = meow_login_key_new_for_url ("http://example.org", NULL);

  g_assert_cmpstr (a->scheme, ==, "https");
  g_assert_cmpstr (a->host, ==, "files.example.org");
  g_assert_cmpuint (a->port, ==, 443);
  g_assert_cmpstr (a->realm, ==, "R");
  g_assert_cmpstr (b->host, ==, "127.0.0.1");
  g_assert_cmpuint (b->port, ==, 8080);
  g_assert_null (b->realm);
  g_assert_cmpuint (c->port, ==, 80);
  g_assert_null (meow_login_key_new_for_url ("ftp://example.org/f", NULL));
  g_assert_null (meow_login_key_new_for_url ("not a url", NULL));
}

static void
test_store_lookup_clear (void)
{
  g_autoptr (MeowLoginKey) key = meow_login_key_new_for_url ("https://files.example.org/a", "Meow");
  g_autoptr (MeowLoginKey) other_realm =
      meow_login_key_new_for_url ("https://files.example.org/a", "Other");
  g_autoptr (MeowLoginKey) other_port =
      meow_login_key_new_for_url ("https://files.example.org:8443/a", "Meow");
  g_autoptr (MeowLoginKey) same_server =
      meow_login_key_new_for_url ("https://FILES.example.org/b/c.iso", "Meow");
  char *found;

  g_assert_null (lookup (key));
  store (key, "alice", "first-pw");
  found = lookup (same_server);
  g_assert_cmpstr (found, ==, "alice:first-pw");
  g_free (found);
  g_assert_null (lookup (other_realm));
  g_assert_null (lookup (other_port));

  /* One login per server and realm: the last one chosen. */
  store (key, "bob", "second-pw");
  found = lookup (key);
  g_assert_cmpstr (found, ==, "bob:second-pw");
  g_free (found);

  clear (key);
  g_assert_null (lookup (key));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/secrets/key-for-url", test_key_for_url);
  g_test_add_func ("/secrets/store-lookup-clear", test_store_lookup_clear);
  return g_test_run ();
}
