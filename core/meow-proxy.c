/* meow-proxy.c: each request's proxy, looked up off the transfer loop
 *
 * The override, the environment or the system's GProxyResolver decide
 * (meow-proxy-private.h). Resolver lookups run on a process-wide pool of
 * LOOKUP_THREADS threads with the blocking g_proxy_resolver_lookup(): the
 * worker has no GMainContext to take an async answer in. A finished lookup
 * is queued under MeowProxy.lock and wakes the worker with
 * curl_multi_wakeup(); the worker's loop (_meow_proxy_dispatch()) then adds
 * the handles that waited for it. The cache and the waiting handles are the
 * worker's alone.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "meow-engine-private.h"
#include "meow-error.h"
#include "meow-http-private.h"
#include "meow-i18n-private.h"
#include "meow-proxy-private.h"
#include "meow-task-private.h"

#define LOOKUP_THREADS 2
/* More cached hosts than this and the answers are dropped (each is cheap
 * to ask again; a list of 10,000 links may name many hosts). */
#define CACHE_MAX 512

typedef struct
{
  char      *answer;  /* CURLOPT_PROXY's value; NULL until the first lookup ends */
  gint64     expires; /* monotonic µs */
  gint       generation;
  gboolean   pending; /* a lookup for it runs */
  GPtrArray *waiting; /* CURL *: handles that wait for this answer */
} CacheEntry;

/* A login for a proxy (meow_client_set_proxy_credentials()). */
typedef struct
{
  char *user;
  char *password; /* zeroed on free */
} Login;

typedef struct
{
  MeowProxy      *proxy;
  GProxyResolver *resolver; /* NULL: the default one */
  char           *key;
  gint            generation;
  char           *answer;
} Lookup;

struct _MeowProxy
{
  gatomicrefcount ref_count;
  gint            generation; /* atomic: bumped when cached answers go stale */
  gboolean        from_environment;

  /* lock: */
  GMutex          lock;
  CURLM          *multi; /* NULL after close */
  char           *override;
  GProxyResolver *resolver; /* NULL: the default resolver */
  GQueue          done;     /* Lookup: ended, for the worker */
  GHashTable     *logins;   /* proxy key ("" for any proxy) -> Login */
  gint            n_done;   /* atomic: done's length, so the loop need not lock */

  /* Worker thread only: */
  gint        worker_generation;
  char       *worker_override;
  GHashTable *cache;    /* key -> CacheEntry */
  GHashTable *deferred; /* CURL * -> key (borrowed from cache) */

  /* Owner thread: change notifications. */
  GNetworkMonitor *monitor;
  gulong           monitor_id;
  GPtrArray       *settings; /* GSettings: org.gnome.system.proxy and its children */
};

static void
cache_entry_free (CacheEntry *entry)
{
  g_free (entry->answer);
  g_ptr_array_unref (entry->waiting);
  g_free (entry);
}

static void
login_free (Login *login)
{
  g_free (login->user);
  _meow_secret_free (login->password);
  g_free (login);
}

static void
lookup_free (Lookup *lookup)
{
  _meow_proxy_unref (lookup->proxy);
  g_clear_object (&lookup->resolver);
  g_free (lookup->key);
  g_free (lookup->answer);
  g_free (lookup);
}

static MeowProxy *
proxy_ref (MeowProxy *proxy)
{
  g_atomic_ref_count_inc (&proxy->ref_count);
  return proxy;
}

/* ------------------------------------------------------------------ */
/* Pure parts                                                          */

static gboolean
scheme_supported (const char *scheme)
{
  static const char *const schemes[] = { "http",   "https",   "socks4", "socks4a",
                                         "socks5", "socks5h", "socks",  NULL };

  for (guint i = 0; schemes[i] != NULL; i++)
    if (g_ascii_strcasecmp (scheme, schemes[i]) == 0)
      return TRUE;
  return FALSE;
}

/* @uri with socks5:// and socks:// as socks5h://. */
static char *
curl_form (const char *uri)
{
  if (g_ascii_strncasecmp (uri, "socks5://", 9) == 0)
    return g_strconcat ("socks5h://", uri + 9, NULL);
  if (g_ascii_strncasecmp (uri, "socks://", 8) == 0)
    return g_strconcat ("socks5h://", uri + 8, NULL);
  return g_strdup (uri);
}

char *
_meow_proxy_key (const char *url)
{
  g_autofree char *scheme = NULL;
  g_autofree char *host = NULL;
  gint             port = -1;

  if (url == NULL ||
      !g_uri_split_network (url, G_URI_FLAGS_PARSE_RELAXED, &scheme, &host, &port, NULL) ||
      host == NULL || *host == '\0')
    return NULL;
  {
    g_autofree char *lower_scheme = g_ascii_strdown (scheme, -1);
    g_autofree char *lower_host = g_ascii_strdown (host, -1);

    if (port < 0)
      port = g_str_equal (lower_scheme, "https") ? 443 : 80;
    return g_uri_join (G_URI_FLAGS_NONE, lower_scheme, NULL, lower_host, port, "/", NULL, NULL);
  }
}

char *
_meow_proxy_from_answers (const char *const *answers)
{
  for (guint i = 0; answers != NULL && answers[i] != NULL; i++)
    {
      const char      *answer = answers[i];
      const char      *colon = strstr (answer, "://");
      g_autofree char *scheme = NULL;

      if (g_ascii_strcasecmp (answer, "direct://") == 0)
        return g_strdup ("");
      if (colon == NULL)
        continue;
      scheme = g_strndup (answer, (gsize) (colon - answer));
      if (scheme_supported (scheme) && colon[3] != '\0')
        return curl_form (answer);
    }
  return g_strdup ("");
}

/* No blank, control character or delimiter a host name cannot hold. */
static gboolean
host_is_plain (const char *host)
{
  for (const char *p = host; *p != '\0'; p++)
    if ((guchar) *p <= 0x20 || (guchar) *p == 0x7f || strchr ("\"<>\\^`{|}", *p) != NULL)
      return FALSE;
  return TRUE;
}

gboolean
_meow_proxy_normalize (const char *proxy, char **normalized, GError **error)
{
  g_autofree char *uri = NULL;
  g_autofree char *scheme = NULL;
  g_autofree char *host = NULL;
  gint             port = -1;

  g_return_val_if_fail (normalized != NULL, FALSE);

  if (proxy == NULL || *proxy == '\0' || g_ascii_strcasecmp (proxy, "direct://") == 0)
    {
      *normalized = g_strdup ("");
      return TRUE;
    }
  uri = strstr (proxy, "://") ? g_strdup (proxy) : g_strconcat ("http://", proxy, NULL);
  if (!g_uri_split_network (uri, G_URI_FLAGS_NONE, &scheme, &host, &port, NULL) || host == NULL ||
      *host == '\0' || !host_is_plain (host))
    {
      g_set_error (error, MEOW_ERROR, MEOW_ERROR_PARAMETER_INVALID,
                   _ ("“%s” is not a proxy address: give one like http://proxy.example:3128."),
                   proxy);
      return FALSE;
    }
  if (!scheme_supported (scheme))
    {
      g_set_error (error, MEOW_ERROR, MEOW_ERROR_PARAMETER_INVALID,
                   _ ("The proxy “%s” speaks %s, which is not supported: use http, https, socks4, "
                      "socks4a or socks5."),
                   proxy, scheme);
      return FALSE;
    }
  *normalized = curl_form (uri);
  return TRUE;
}

char *
_meow_proxy_resolve (GProxyResolver *resolver, const char *url, GCancellable *cancellable)
{
  g_autoptr (GError) error = NULL;
  g_auto (GStrv) answers = NULL;

  if (resolver == NULL)
    resolver = g_proxy_resolver_get_default ();
  answers = g_proxy_resolver_lookup (resolver, url, cancellable, &error);
  if (answers == NULL)
    {
      _meow_engine_log (G_LOG_LEVEL_DEBUG,
                        "No proxy for %s: the proxy settings could not be read: %s", url,
                        error->message);
      return g_strdup ("");
    }
  return _meow_proxy_from_answers ((const char *const *) answers);
}

gboolean
_meow_proxy_environment_set (void)
{
  static const char *const names[] = { "http_proxy", "https_proxy", "HTTPS_PROXY",
                                       "all_proxy",  "ALL_PROXY",   NULL };

  for (guint i = 0; names[i] != NULL; i++)
    {
      const char *value = g_getenv (names[i]);

      if (value != NULL && *value != '\0')
        return TRUE;
    }
  return FALSE;
}

static const char *
getenv_either (const char *lower, const char *upper)
{
  const char *value = g_getenv (lower);

  if ((value == NULL || *value == '\0') && upper != NULL)
    value = g_getenv (upper);
  return value != NULL && *value != '\0' ? value : NULL;
}

/* curl's check_noproxy() for names: "*" is every host; an entry is a host
 * name that matches itself and its subdomains (a leading dot ignored). */
static gboolean
no_proxy_matches (const char *no_proxy, const char *host)
{
  g_auto (GStrv) entries = g_strsplit_set (no_proxy, ", ", -1);
  gsize host_len = strlen (host);

  for (guint i = 0; entries[i] != NULL; i++)
    {
      const char *entry = entries[i];
      gsize       len;

      if (*entry == '.')
        entry++;
      len = strlen (entry);
      if (len == 0)
        continue;
      if (g_str_equal (entry, "*"))
        return TRUE;
      if (len == host_len && g_ascii_strcasecmp (entry, host) == 0)
        return TRUE;
      if (host_len > len && host[host_len - len - 1] == '.' &&
          g_ascii_strcasecmp (host + host_len - len, entry) == 0)
        return TRUE;
    }
  return FALSE;
}

char *
_meow_proxy_from_environment (const char *url)
{
  g_autofree char *scheme = NULL;
  g_autofree char *host = NULL;
  const char      *proxy = NULL;
  const char      *no_proxy = getenv_either ("no_proxy", "NO_PROXY");

  if (!g_uri_split_network (url, G_URI_FLAGS_PARSE_RELAXED, &scheme, &host, NULL, NULL) ||
      host == NULL)
    return g_strdup ("");
  if (no_proxy != NULL && no_proxy_matches (no_proxy, host))
    return g_strdup ("");
  /* libcurl reads http_proxy in lower case only (HTTP_PROXY could come
   * from a CGI request). */
  if (g_ascii_strcasecmp (scheme, "https") == 0)
    proxy = getenv_either ("https_proxy", "HTTPS_PROXY");
  else
    proxy = getenv_either ("http_proxy", NULL);
  if (proxy == NULL)
    proxy = getenv_either ("all_proxy", "ALL_PROXY");
  return proxy != NULL ? _meow_url_without_userinfo (proxy) : g_strdup ("");
}

/* ------------------------------------------------------------------ */
/* Lookups (the pool's threads)                                        */

static void
lookup_run (gpointer data, gpointer user_data)
{
  Lookup    *lookup = data;
  MeowProxy *proxy = lookup->proxy;

  lookup->answer = _meow_proxy_resolve (lookup->resolver, lookup->key, NULL);

  g_mutex_lock (&proxy->lock);
  if (proxy->multi != NULL)
    {
      g_queue_push_tail (&proxy->done, lookup);
      g_atomic_int_inc (&proxy->n_done);
      curl_multi_wakeup (proxy->multi);
      lookup = NULL;
    }
  g_mutex_unlock (&proxy->lock);
  if (lookup != NULL)
    lookup_free (lookup);
}

static gpointer
lookup_pool_new (gpointer data)
{
  return g_thread_pool_new (lookup_run, NULL, LOOKUP_THREADS, FALSE, NULL);
}

static void
start_lookup (MeowProxy *proxy, const char *key, CacheEntry *entry)
{
  static GOnce pool_once = G_ONCE_INIT;
  Lookup      *lookup = g_new0 (Lookup, 1);

  lookup->proxy = proxy_ref (proxy);
  lookup->key = g_strdup (key);
  lookup->generation = proxy->worker_generation;
  g_mutex_lock (&proxy->lock);
  lookup->resolver = proxy->resolver ? g_object_ref (proxy->resolver) : NULL;
  g_mutex_unlock (&proxy->lock);
  entry->pending = TRUE;
  entry->generation = proxy->worker_generation;
  g_thread_pool_push (g_once (&pool_once, lookup_pool_new, NULL), lookup, NULL);
}

/* ------------------------------------------------------------------ */
/* Owner side                                                          */

static void
network_changed_cb (GNetworkMonitor *monitor, gboolean available, MeowProxy *proxy)
{
  _meow_proxy_invalidate (proxy);
}

static void
settings_changed_cb (GSettings *settings, const char *key, MeowProxy *proxy)
{
  _meow_proxy_invalidate (proxy);
}

static void
proxy_unref_closure (gpointer data, GClosure *closure)
{
  _meow_proxy_unref (data);
}

/* GNOME's proxy settings, when their schemas are installed: the GNOME
 * resolver reads them again on change, so must we. */
static void
watch_settings (MeowProxy *proxy)
{
  static const char *const ids[] = { "org.gnome.system.proxy", "org.gnome.system.proxy.http",
                                     "org.gnome.system.proxy.https", "org.gnome.system.proxy.socks",
                                     NULL };
  GSettingsSchemaSource   *source = g_settings_schema_source_get_default ();

  proxy->settings = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; source != NULL && ids[i] != NULL; i++)
    {
      g_autoptr (GSettingsSchema) schema = g_settings_schema_source_lookup (source, ids[i], TRUE);
      GSettings *settings;

      if (schema == NULL)
        continue;
      settings = g_settings_new_full (schema, NULL, NULL);
      g_signal_connect_data (settings, "changed", G_CALLBACK (settings_changed_cb),
                             proxy_ref (proxy), proxy_unref_closure, 0);
      g_ptr_array_add (proxy->settings, settings);
    }
}

MeowProxy *
_meow_proxy_new (CURLM *multi)
{
  MeowProxy *proxy = g_new0 (MeowProxy, 1);

  g_atomic_ref_count_init (&proxy->ref_count);
  g_mutex_init (&proxy->lock);
  g_queue_init (&proxy->done);
  proxy->multi = multi;
  proxy->from_environment = _meow_proxy_environment_set ();
  proxy->cache =
      g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) cache_entry_free);
  proxy->deferred = g_hash_table_new (NULL, NULL);
  proxy->logins =
      g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) login_free);

  if (!proxy->from_environment)
    {
      /* Made here, on the owner's thread: the default resolver (a
       * singleton) connects to its settings in the thread-default context,
       * which runs; the worker's thread has none. */
      (void) g_proxy_resolver_get_default ();
      watch_settings (proxy);
      proxy->monitor = g_object_ref (g_network_monitor_get_default ());
      proxy->monitor_id =
          g_signal_connect_data (proxy->monitor, "network-changed", G_CALLBACK (network_changed_cb),
                                 proxy_ref (proxy), proxy_unref_closure, 0);
    }
  return proxy;
}

void
_meow_proxy_close (MeowProxy *proxy)
{
  GQueue done = G_QUEUE_INIT;

  /* A lookup that ended after the worker's last turn waits in done and holds a
   * reference on @proxy: freed here, or the two would keep each other. One that
   * ends from now on sees no multi and frees itself. */
  g_mutex_lock (&proxy->lock);
  proxy->multi = NULL;
  done = proxy->done;
  g_queue_init (&proxy->done);
  g_atomic_int_set (&proxy->n_done, 0);
  g_mutex_unlock (&proxy->lock);
  g_queue_clear_full (&done, (GDestroyNotify) lookup_free);
  g_hash_table_remove_all (proxy->deferred);
  g_hash_table_remove_all (proxy->cache);
  if (proxy->monitor != NULL)
    {
      g_clear_signal_handler (&proxy->monitor_id, proxy->monitor);
      g_clear_object (&proxy->monitor);
    }
  for (guint i = 0; proxy->settings != NULL && i < proxy->settings->len; i++)
    g_signal_handlers_disconnect_by_func (g_ptr_array_index (proxy->settings, i),
                                          settings_changed_cb, proxy);
  g_clear_pointer (&proxy->settings, g_ptr_array_unref);
}

void
_meow_proxy_unref (MeowProxy *proxy)
{
  if (!g_atomic_ref_count_dec (&proxy->ref_count))
    return;
  g_queue_clear_full (&proxy->done, (GDestroyNotify) lookup_free);
  g_hash_table_unref (proxy->deferred);
  g_hash_table_unref (proxy->cache);
  g_hash_table_unref (proxy->logins);
  g_clear_object (&proxy->resolver);
  g_free (proxy->override);
  g_free (proxy->worker_override);
  g_mutex_clear (&proxy->lock);
  g_free (proxy);
}

void
_meow_proxy_invalidate (MeowProxy *proxy)
{
  g_atomic_int_inc (&proxy->generation);
}

void
_meow_proxy_set_override (MeowProxy *proxy, const char *override)
{
  g_mutex_lock (&proxy->lock);
  g_free (proxy->override);
  proxy->override = g_strdup (override);
  g_mutex_unlock (&proxy->lock);
  _meow_proxy_invalidate (proxy);
}

void
_meow_proxy_set_resolver (MeowProxy *proxy, GProxyResolver *resolver)
{
  g_mutex_lock (&proxy->lock);
  g_set_object (&proxy->resolver, resolver);
  g_mutex_unlock (&proxy->lock);
  _meow_proxy_invalidate (proxy);
}

char *
_meow_proxy_login_key (const char *proxy_url)
{
  g_autofree char *curl_url = NULL;

  if (proxy_url == NULL)
    return g_strdup ("");
  /* The form CURLOPT_PROXY gets (socks5:// as socks5h://), so that a
   * login given for the resolver's answer and one given for the same
   * proxy as a person writes it meet. */
  curl_url = curl_form (proxy_url);
  return _meow_proxy_key (curl_url);
}

void
_meow_proxy_set_login (MeowProxy *proxy, const char *key, const char *user, const char *password)
{
  g_mutex_lock (&proxy->lock);
  if (user == NULL)
    g_hash_table_remove (proxy->logins, key);
  else
    {
      Login *login = g_new0 (Login, 1);

      login->user = g_strdup (user);
      login->password = g_strdup (password != NULL ? password : "");
      g_hash_table_replace (proxy->logins, g_strdup (key), login);
    }
  g_mutex_unlock (&proxy->lock);
}

/* ------------------------------------------------------------------ */
/* Worker side                                                         */

/* A new generation: the override is read again, and answers of the old
 * one are no longer used (a lookup of the old one still running is asked
 * again when it ends). */
static void
sync_generation (MeowProxy *proxy)
{
  gint           generation = g_atomic_int_get (&proxy->generation);
  GHashTableIter iter;
  CacheEntry    *entry;

  if (generation == proxy->worker_generation)
    return;
  proxy->worker_generation = generation;
  g_mutex_lock (&proxy->lock);
  g_free (proxy->worker_override);
  proxy->worker_override = g_strdup (proxy->override);
  g_mutex_unlock (&proxy->lock);

  g_hash_table_iter_init (&iter, proxy->cache);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &entry))
    if (!entry->pending)
      g_hash_table_iter_remove (&iter);
}

/* The login for @proxy_url, under the lock. */
static Login *
find_login_locked (MeowProxy *proxy, const char *proxy_url)
{
  g_autofree char *key = NULL;
  Login           *login = NULL;

  if (proxy_url == NULL || *proxy_url == '\0' || g_hash_table_size (proxy->logins) == 0)
    return NULL;
  key = _meow_proxy_login_key (proxy_url);
  if (key != NULL)
    login = g_hash_table_lookup (proxy->logins, key);
  if (login == NULL)
    login = g_hash_table_lookup (proxy->logins, "");
  return login;
}

char *
_meow_proxy_dup_login_user (MeowProxy *proxy, const char *proxy_url)
{
  Login *login;
  char  *user = NULL;

  g_mutex_lock (&proxy->lock);
  login = find_login_locked (proxy, proxy_url);
  if (login != NULL)
    user = g_strdup (login->user);
  g_mutex_unlock (&proxy->lock);
  return user;
}

/* Gives @easy the login for @proxy_url (the proxy it goes through, "" for
 * none): the one given for that proxy, else the one given for any proxy.
 * libcurl copies the strings. */
static void
apply_login (MeowProxy *proxy, CURL *easy, const char *proxy_url)
{
  Login *login;

  g_mutex_lock (&proxy->lock);
  login = find_login_locked (proxy, proxy_url);
  if (login != NULL)
    {
      curl_easy_setopt (easy, CURLOPT_PROXYUSERNAME, login->user);
      curl_easy_setopt (easy, CURLOPT_PROXYPASSWORD, login->password);
      /* Whatever the proxy's 407 asks for (Basic, Digest, NTLM, Negotiate
       * where libcurl has them). */
      curl_easy_setopt (easy, CURLOPT_PROXYAUTH, (long) CURLAUTH_ANY);
    }
  g_mutex_unlock (&proxy->lock);
}

static void
apply (MeowProxy *proxy, CURL *easy, const char *answer)
{
  /* An empty string is libcurl's "no proxy, whatever the environment
   * says". */
  curl_easy_setopt (easy, CURLOPT_PROXY, answer);
  apply_login (proxy, easy, answer);
}

static void
add_now (MeowProxy *proxy, CURL *easy)
{
  curl_multi_add_handle (proxy->multi, easy);
}

void
_meow_proxy_add_handle (MeowProxy *proxy, CURL *easy, const char *url)
{
  g_autofree char *key = NULL;
  CacheEntry      *entry;

  sync_generation (proxy);
  if (proxy->worker_override != NULL)
    {
      apply (proxy, easy, proxy->worker_override);
      add_now (proxy, easy);
      return;
    }
  /* libcurl reads the environment itself, with its no_proxy rules; the
   * login is the one for what it will pick. */
  if (proxy->from_environment || (key = _meow_proxy_key (url)) == NULL)
    {
      g_autofree char *from_environment = _meow_proxy_from_environment (url);

      apply_login (proxy, easy, from_environment);
      add_now (proxy, easy);
      return;
    }

  entry = g_hash_table_lookup (proxy->cache, key);
  if (entry != NULL && entry->answer != NULL && !entry->pending &&
      entry->generation == proxy->worker_generation && entry->expires > g_get_monotonic_time ())
    {
      apply (proxy, easy, entry->answer);
      add_now (proxy, easy);
      return;
    }

  if (entry == NULL)
    {
      if (g_hash_table_size (proxy->cache) >= CACHE_MAX)
        {
          GHashTableIter iter;
          CacheEntry    *old;

          g_hash_table_iter_init (&iter, proxy->cache);
          while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &old))
            if (!old->pending)
              g_hash_table_iter_remove (&iter);
        }
      entry = g_new0 (CacheEntry, 1);
      entry->waiting = g_ptr_array_new ();
      g_hash_table_insert (proxy->cache, g_strdup (key), entry);
    }
  if (!entry->pending)
    start_lookup (proxy, key, entry);
  g_ptr_array_add (entry->waiting, easy);
  {
    gpointer stored_key = NULL;

    /* The cache's copy of the key: it outlives the handle's wait. */
    g_hash_table_lookup_extended (proxy->cache, key, &stored_key, NULL);
    g_hash_table_insert (proxy->deferred, easy, stored_key);
  }
}

void
_meow_proxy_remove_handle (MeowProxy *proxy, CURL *easy)
{
  const char *key;

  if (g_hash_table_lookup_extended (proxy->deferred, easy, NULL, (gpointer *) &key))
    {
      CacheEntry *entry = g_hash_table_lookup (proxy->cache, key);

      g_hash_table_remove (proxy->deferred, easy);
      if (entry != NULL)
        g_ptr_array_remove_fast (entry->waiting, easy);
      return;
    }
  curl_multi_remove_handle (proxy->multi, easy);
}

void
_meow_proxy_dispatch (MeowProxy *proxy)
{
  if (g_atomic_int_get (&proxy->n_done) == 0)
    return;
  sync_generation (proxy);

  for (;;)
    {
      Lookup     *lookup;
      CacheEntry *entry;

      g_mutex_lock (&proxy->lock);
      lookup = g_queue_pop_head (&proxy->done);
      if (lookup != NULL)
        g_atomic_int_add (&proxy->n_done, -1);
      g_mutex_unlock (&proxy->lock);
      if (lookup == NULL)
        break;

      entry = g_hash_table_lookup (proxy->cache, lookup->key);
      if (entry == NULL)
        {
          lookup_free (lookup);
          continue;
        }
      entry->pending = FALSE;
      if (lookup->generation != proxy->worker_generation)
        {
          /* The settings changed while it ran: ask again for the handles
           * that wait; forget it when none does. */
          if (entry->waiting->len > 0)
            start_lookup (proxy, lookup->key, entry);
          else
            g_hash_table_remove (proxy->cache, lookup->key);
          lookup_free (lookup);
          continue;
        }
      g_free (entry->answer);
      entry->answer = g_steal_pointer (&lookup->answer);
      entry->expires = g_get_monotonic_time () + MEOW_PROXY_CACHE_TTL_US;
      if (*entry->answer != '\0')
        {
          g_autofree char *shown = _meow_url_without_userinfo (entry->answer);
          _meow_engine_log (G_LOG_LEVEL_DEBUG, "Requests to %s go through the proxy %s",
                            lookup->key, shown);
        }
      for (guint i = 0; i < entry->waiting->len; i++)
        {
          CURL *easy = g_ptr_array_index (entry->waiting, i);

          g_hash_table_remove (proxy->deferred, easy);
          apply (proxy, easy, entry->answer);
          add_now (proxy, easy);
        }
      g_ptr_array_set_size (entry->waiting, 0);
      lookup_free (lookup);
    }
}

char *
_meow_proxy_dup_for_url (MeowProxy *proxy, const char *url)
{
  g_autofree char *key = NULL;
  const char      *answer = NULL;
  CacheEntry      *entry;

  if (proxy->worker_override != NULL)
    answer = proxy->worker_override;
  else if (!proxy->from_environment && (key = _meow_proxy_key (url)) != NULL &&
           (entry = g_hash_table_lookup (proxy->cache, key)) != NULL)
    answer = entry->answer;
  else if (proxy->from_environment)
    {
      char *from_environment = _meow_proxy_from_environment (url);

      if (*from_environment != '\0')
        return from_environment;
      g_free (from_environment);
      return NULL;
    }
  if (answer == NULL || *answer == '\0')
    return NULL;
  return _meow_url_without_userinfo (answer);
}

MeowProxy *
_meow_proxy_ref (MeowProxy *proxy)
{
  return proxy_ref (proxy);
}

char *
_meow_proxy_lookup_sync (MeowProxy *proxy, const char *url, GCancellable *cancellable)
{
  g_autoptr (GProxyResolver) resolver = NULL;
  g_autofree char *override = NULL;
  g_autofree char *key = NULL;

  g_mutex_lock (&proxy->lock);
  override = g_strdup (proxy->override);
  resolver = proxy->resolver ? g_object_ref (proxy->resolver) : NULL;
  g_mutex_unlock (&proxy->lock);

  /* The order of _meow_proxy_add_handle(). */
  if (override != NULL)
    return g_steal_pointer (&override);
  if (proxy->from_environment)
    return _meow_proxy_from_environment (url);
  if ((key = _meow_proxy_key (url)) == NULL)
    return g_strdup ("");
  return _meow_proxy_resolve (resolver, key, cancellable);
}
