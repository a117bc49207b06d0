/* meow-proxy-private.h: each request's proxy (meow-proxy.c)
 *
 * Where a request goes through comes from one of three places, in this
 * order: the client's override (meow_client_set_proxy()), the environment
 * (http_proxy, https_proxy, all_proxy: libcurl reads them itself, with its
 * no_proxy rules, as curl does), or the system's GProxyResolver (GNOME's
 * settings and PAC through glib-networking, the proxy portal inside
 * Flatpak, libproxy elsewhere). A resolver may block (a PAC script, a
 * D-Bus call), so its lookups run on a small thread pool and never on the
 * worker's transfer loop; the answers are cached per scheme, host and port
 * for MEOW_PROXY_CACHE_TTL_US, and dropped at once when the override, the
 * network or GNOME's proxy settings change. docs/engine.md ("Proxies").
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <curl/curl.h>
#include <gio/gio.h>

G_BEGIN_DECLS

/* How long a resolver's answer for one scheme, host and port is used. */
#define MEOW_PROXY_CACHE_TTL_US (30 * G_USEC_PER_SEC)

typedef struct _MeowProxy MeowProxy;

/* Makes the engine's proxy state for @multi (borrowed; woken when a lookup
 * ends) with the default GProxyResolver, and watches the network and
 * GNOME's proxy settings. The owner's thread (its thread-default context
 * gets their change notifications), in _meow_engine_new(). */
MeowProxy *_meow_proxy_new (CURLM *multi);
/* No lookup wakes the multi handle after this (call it before
 * curl_multi_cleanup()); lookups still running end on their own. Drops
 * every deferred handle (their owners freed them). Any thread. */
void       _meow_proxy_close (MeowProxy *proxy);
MeowProxy *_meow_proxy_ref (MeowProxy *proxy);
void       _meow_proxy_unref (MeowProxy *proxy);
/* What a request for @url would go through now, asked the way
 * _meow_proxy_add_handle() asks (blocking, no cache): "" for none.
 * (transfer full). Any thread but the worker's. */
char *_meow_proxy_lookup_sync (MeowProxy *proxy, const char *url, GCancellable *cancellable);

/* The override: NULL (the system's), "" (none) or a proxy URL as
 * _meow_proxy_normalize() returns it; the cache is dropped. Any thread. */
void _meow_proxy_set_override (MeowProxy *proxy, const char *override);
/* Test hook: lookups ask @resolver (a ref is taken) instead of the
 * default one; the cache is dropped. Any thread. */
void _meow_proxy_set_resolver (MeowProxy *proxy, GProxyResolver *resolver);
/* Drops every cached answer (the next request asks again). Any thread. */
void _meow_proxy_invalidate (MeowProxy *proxy);
/* The key a proxy login is kept by for @proxy_url (a proxy URL as
 * _meow_proxy_normalize() or a resolver gives it): "scheme://host:port/",
 * socks5 as socks5h; "" for NULL (any proxy); NULL when it has no host.
 * (transfer full) Pure, any thread. */
char *_meow_proxy_login_key (const char *proxy_url);
/* Keeps @user and @password (copied; the password zeroed when replaced or
 * freed) for the proxy with the login @key, or forgets it when @user is
 * NULL. Requests given their proxy from now on send it when the proxy asks
 * (CURLOPT_PROXYAUTH any). Any thread. */
void
_meow_proxy_set_login (MeowProxy *proxy, const char *key, const char *user, const char *password);
/* The user name of the login requests through @proxy_url would send, or
 * NULL. (transfer full) Any thread. */
char *_meow_proxy_dup_login_user (MeowProxy *proxy, const char *proxy_url);

/* Worker thread from here to the pure functions. */

/* Adds @easy (for @url, its first request) to the multi handle with its
 * proxy: at once when the answer is known, else once the lookup it starts
 * (or waits for) ends. Either way its owner treats it as added. */
void _meow_proxy_add_handle (MeowProxy *proxy, CURL *easy, const char *url);
/* Removes @easy from the multi handle, or from the handles still waiting
 * for their proxy. */
void _meow_proxy_remove_handle (MeowProxy *proxy, CURL *easy);
/* The worker loop's turn: handles whose lookup ended go to the multi. */
void _meow_proxy_dispatch (MeowProxy *proxy);
/* The proxy requests for @url go through, as last applied (without its
 * userinfo), or NULL when none or unknown (the environment's). (transfer
 * full) */
char *_meow_proxy_dup_for_url (MeowProxy *proxy, const char *url);

/* Pure, any thread. */

/* The cache key and the URL a resolver is asked about for @url:
 * "scheme://host:port/" (no userinfo, path or query). NULL for a URL
 * without a host. (transfer full) */
char *_meow_proxy_key (const char *url);
/* The first answer of a resolver's list that libcurl can use, as
 * CURLOPT_PROXY takes it: "" for "direct://" (or nothing usable),
 * socks5:// and socks:// as socks5h:// (the proxy resolves the name, as
 * GLib's own SOCKS5 client does). (transfer full) */
char *_meow_proxy_from_answers (const char *const *answers);
/* Checks a proxy given by a person or a caller: "direct://" or "" mean
 * none (""), "host:port" means http://host:port; the scheme must be http,
 * https, socks4, socks4a, socks5 or socks5h and there must be a host.
 * *@normalized: what CURLOPT_PROXY gets. FALSE with
 * MEOW_ERROR_PARAMETER_INVALID naming the problem. */
gboolean _meow_proxy_normalize (const char *proxy, char **normalized, GError **error);
/* Asks @resolver (blocking) about @url, or NULL for the default; returns
 * what CURLOPT_PROXY gets ("" for none). A resolver's error means no proxy
 * (it is logged). (transfer full) */
char *_meow_proxy_resolve (GProxyResolver *resolver, const char *url, GCancellable *cancellable);
/* TRUE when the environment names a proxy libcurl reads (http_proxy,
 * https_proxy, HTTPS_PROXY, all_proxy, ALL_PROXY). */
gboolean _meow_proxy_environment_set (void);
/* What libcurl takes from the environment for @url (as curl decides it,
 * with no_proxy's host and domain entries and "*"): the proxy, or "" for
 * none. (transfer full) */
char *_meow_proxy_from_environment (const char *url);

G_END_DECLS
