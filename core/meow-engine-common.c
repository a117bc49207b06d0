/* meow-engine-common.c: request plumbing the transfer drivers share
 *
 * Common libcurl options, retry delays and the give-up message, and the
 * translation of libcurl's failures into MEOW_ERROR codes. Worker thread only.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "meow-engine-private.h"
#include "meow-error.h"
#include "meow-http-private.h"
#include "meow-i18n-private.h"
#include "meow-log-private.h"

CURL *
_meow_engine_new_easy (MeowEngine *engine, const char *url, char *error_buffer)
{
  const MeowConfig *config = _meow_engine_get_config (engine);
  CURL             *easy = _meow_engine_take_spare_easy (engine);
  guint             stall_s = MAX (1, (config->stall_timeout_ms + 999) / 1000);

  if (easy == NULL)
    easy = curl_easy_init ();
  if (error_buffer)
    {
      error_buffer[0] = '\0';
      curl_easy_setopt (easy, CURLOPT_ERRORBUFFER, error_buffer);
    }
  curl_easy_setopt (easy, CURLOPT_URL, url);
  curl_easy_setopt (easy, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt (easy, CURLOPT_MAXREDIRS, (long) config->max_redirects);
#if LIBCURL_VERSION_NUM >= 0x075500
  curl_easy_setopt (easy, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt (easy, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
#else
  curl_easy_setopt (easy, CURLOPT_PROTOCOLS, (long) (CURLPROTO_HTTP | CURLPROTO_HTTPS));
  curl_easy_setopt (easy, CURLOPT_REDIR_PROTOCOLS, (long) (CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
  /* HTTP/2 where TLS negotiates it (ALPN), HTTP/1.1 otherwise. Over TLS a
   * request waits for a connection being set up to the same host rather
   * than open its own, so that many small files share one connection
   * (CURLPIPE_MULTIPLEX is libcurl's default); plain http:// never
   * multiplexes, and does not wait. Segments ask for HTTP/1.1: their own
   * connections (meow-download-stream.c). */
  curl_easy_setopt (easy, CURLOPT_HTTP_VERSION, (long) CURL_HTTP_VERSION_2TLS);
  if (g_ascii_strncasecmp (url, "https://", 8) == 0)
    curl_easy_setopt (easy, CURLOPT_PIPEWAIT, 1L);
  curl_easy_setopt (easy, CURLOPT_SHARE, _meow_engine_get_share (engine));
  curl_easy_setopt (easy, CURLOPT_CONNECTTIMEOUT_MS, (long) config->connect_timeout_ms);
  curl_easy_setopt (easy, CURLOPT_LOW_SPEED_LIMIT, 1L);
  curl_easy_setopt (easy, CURLOPT_LOW_SPEED_TIME, (long) stall_s);
  curl_easy_setopt (easy, CURLOPT_USERAGENT, config->user_agent);
  curl_easy_setopt (easy, CURLOPT_TCP_KEEPALIVE, 1L);
  /* Just after a wake or the network's return, a kept connection may be
   * dead without a word (the server or a NAT forgot it while we slept):
   * a request on it would wait for the stall timeout. New ones for the
   * first seconds, and host names resolved again (a cache timeout of 0
   * takes no address from the shared cache): the new network's DNS may
   * answer differently. */
  if (_meow_engine_fresh_connect (engine))
    {
      curl_easy_setopt (easy, CURLOPT_FRESH_CONNECT, 1L);
      curl_easy_setopt (easy, CURLOPT_DNS_CACHE_TIMEOUT, 0L);
    }
  /* A proxy's "200 Connection established" must never be taken for the
   * server's answer. */
  curl_easy_setopt (easy, CURLOPT_SUPPRESS_CONNECT_HEADERS, 1L);
  if (config->ca_file)
    curl_easy_setopt (easy, CURLOPT_CAINFO, config->ca_file);
  return easy;
}

void
_meow_engine_set_login (CURL *easy, const MeowJob *job)
{
  const MeowTask *task = job->task;

  if (task->user != NULL)
    {
      curl_easy_setopt (easy, CURLOPT_USERNAME, task->user);
      curl_easy_setopt (easy, CURLOPT_PASSWORD, task->password);
    }
  else if (task->netrc)
    {
      /* libcurl's own netrc reader: curl's --netrc semantics, one parser
       * of that file kept by its maintainers (and fuzzed by them). */
      curl_easy_setopt (easy, CURLOPT_NETRC, (long) CURL_NETRC_OPTIONAL);
      if (task->netrc_file != NULL)
        curl_easy_setopt (easy, CURLOPT_NETRC_FILE, task->netrc_file);
    }
  else
    return;
  /* Whatever the server's 401 asks for (Basic, Digest, Negotiate and NTLM
   * where this libcurl has them): the first request goes without a login,
   * and the answer's challenge picks the scheme; once the server is known
   * to ask for Basic alone, the login goes up front (libcurl sends Basic
   * without waiting for a challenge when it is the only scheme allowed).
   * Only to the task's host: CURLOPT_UNRESTRICTED_AUTH stays off across
   * redirects. */
  curl_easy_setopt (easy, CURLOPT_HTTPAUTH,
                    (long) (job->login_basic ? CURLAUTH_BASIC : CURLAUTH_ANY));
}

void
_meow_engine_learn_login (MeowJob *job, CURL *easy, long status)
{
  long avail = 0;

  if (job->login_basic || status == 401 || status == 0 ||
      (job->task->user == NULL && !job->task->netrc))
    return;
  /* The methods the last challenge of this transfer offered: none when the
   * server never asked. */
  if (curl_easy_getinfo (easy, CURLINFO_HTTPAUTH_AVAIL, &avail) == CURLE_OK &&
      avail == (long) CURLAUTH_BASIC)
    {
      job->login_basic = TRUE;
      _meow_job_debug (job, "the server asks for Basic alone: the login goes up front from now on");
    }
}

GError *
_meow_engine_auth_error (const MeowTask *task,
                         const char     *redacted_url,
                         const char     *challenge,
                         char          **scheme,
                         char          **realm)
{
  if (!_meow_parse_www_authenticate (challenge, scheme, realm))
    {
      *scheme = NULL;
      *realm = NULL;
    }
  if (task->user != NULL && *realm != NULL)
    /* Translators: the user name, the realm the server named, the address. */
    return g_error_new (MEOW_ERROR, MEOW_ERROR_AUTH_REQUIRED,
                        _ ("The server refused the login of “%s” for “%s” at %s."), task->user,
                        *realm, redacted_url);
  if (task->user != NULL)
    /* Translators: the user name, the address. */
    return g_error_new (MEOW_ERROR, MEOW_ERROR_AUTH_REQUIRED,
                        _ ("The server refused the login of “%s” for %s."), task->user,
                        redacted_url);
  if (*realm != NULL)
    /* Translators: the address, the realm the server named. */
    return g_error_new (MEOW_ERROR, MEOW_ERROR_AUTH_REQUIRED, _ ("%s requires a login for “%s”."),
                        redacted_url, *realm);
  /* Translators: the address. */
  return g_error_new (MEOW_ERROR, MEOW_ERROR_AUTH_REQUIRED, _ ("%s requires a login."),
                      redacted_url);
}

/* Gives libcurl's cookie engine on @easy the "name=value" pairs of one Cookie
 * header @value as cookies of @host only (path "/", not secure, for the session),
 * so that a redirect to another host does not carry them, as a browser would not.
 * The pairs it cannot give that way (not name=value, no @host) are appended to
 * @rest, for CURLOPT_COOKIE, which goes to every host. */
static void
add_host_cookies (CURL *easy, const char *host, const char *value, GString *rest)
{
  g_auto (GStrv) pairs = g_strsplit (value, ";", -1);

  for (guint i = 0; pairs[i] != NULL; i++)
    {
      char       *pair = g_strstrip (pairs[i]);
      const char *eq = strchr (pair, '=');

      if (pair[0] == '\0')
        continue;
      if (host != NULL && eq != NULL && eq != pair && strpbrk (pair, "\t\r\n") == NULL)
        {
          g_autofree char *name = g_strndup (pair, eq - pair);
          g_autofree char *line =
              g_strdup_printf ("%s\tFALSE\t/\tFALSE\t0\t%s\t%s", host, name, eq + 1);

          if (curl_easy_setopt (easy, CURLOPT_COOKIELIST, line) == CURLE_OK)
            continue;
        }
      if (rest->len > 0)
        g_string_append (rest, "; ");
      g_string_append (rest, pair);
    }
}

/* Appends the task's "Name: value" @headers to @list for @easy (a request
 * to @url that follows redirects), a Referer without its userinfo. The
 * Cookie headers go instead to libcurl's in-memory cookie engine, as
 * cookies of @url's host: the cookies a server sets along a redirect
 * chain (a login's 302 with Set-Cookie) join them on the next hop, in one
 * Cookie header, and a redirect to another host gets none of the task's
 * (an IPv6 literal host, or a pair that is not name=value, falls back to
 * CURLOPT_COOKIE, which goes everywhere, as curl's -b does). The engine's
 * cookies live as long as @easy's request: _meow_engine_free_easy() erases
 * them before the handle serves another, so nothing is kept between
 * requests or tasks. Returns: the new list head. */
struct curl_slist *
_meow_engine_add_task_headers (CURL              *easy,
                               struct curl_slist *list,
                               const char        *url,
                               const char *const *headers)
{
  g_autoptr (GString) cookies = g_string_new (NULL);
  g_autoptr (GUri) uri = g_uri_parse (url, G_URI_FLAGS_ENCODED, NULL);
  g_autofree char *host = NULL;

  if (uri != NULL && g_uri_get_host (uri) != NULL && g_uri_get_host (uri)[0] != '\0' &&
      strchr (g_uri_get_host (uri), ':') == NULL)
    host = g_ascii_strdown (g_uri_get_host (uri), -1);
  /* On before any cookie is given to it. */
  curl_easy_setopt (easy, CURLOPT_COOKIEFILE, "");
  for (gsize i = 0; headers != NULL && headers[i] != NULL; i++)
    {
      const char *referer = _meow_header_line_value (headers[i], "Referer");
      const char *cookie = _meow_header_line_value (headers[i], "Cookie");

      if (referer != NULL)
        {
          /* RFC 9110 §10.1.3: a Referer never carries userinfo. */
          g_autofree char *bare = _meow_url_without_userinfo (referer);
          g_autofree char *line = g_strconcat ("Referer: ", bare, NULL);

          list = curl_slist_append (list, line);
        }
      else if (cookie == NULL)
        list = curl_slist_append (list, headers[i]);
      else
        add_host_cookies (easy, host, cookie, cookies);
    }
  if (cookies->len > 0)
    curl_easy_setopt (easy, CURLOPT_COOKIE, cookies->str);
  return list;
}

gint64
_meow_engine_backoff_us (MeowEngine *engine, guint failures)
{
  const MeowConfig *config = _meow_engine_get_config (engine);
  double            delay = config->retry_base_delay_ms;

  for (guint i = 1; i < failures && delay < config->retry_max_delay_ms; i++)
    delay *= 2;
  delay = MIN (delay, (double) config->retry_max_delay_ms);
  /* ±20 % jitter, so many clients hit by the same outage do not come back
   * in lockstep. */
  delay *= g_random_double_range (0.8, 1.2);
  return (gint64) (delay * 1000);
}

gint64
_meow_engine_retry_delay_us (MeowEngine *engine, guint failures, const char *retry_after)
{
  gint64 delay = _meow_engine_backoff_us (engine, failures);

  if (retry_after)
    {
      gint64 ra = _meow_parse_retry_after (retry_after, g_get_real_time () / G_USEC_PER_SEC);
      if (ra >= 0)
        delay = MAX (delay, ra * 1000);
    }
  return delay;
}

void
_meow_engine_give_up (GError **error, guint failures)
{
  g_autofree char *reason = NULL;

  if ((*error)->domain != MEOW_ERROR || (*error)->code != MEOW_ERROR_HTTP_TRANSPORT)
    return;
  reason = g_steal_pointer (&(*error)->message);

  /* Translators: %u is the number of attempts, %s the last one's message (a whole
   * sentence). */
  (*error)->message = g_strdup_printf (
      _meow_ngettext ("Gave up after %u attempt: %s", "Gave up after %u attempts: %s", failures),
      failures, reason);
}

gboolean
_meow_engine_status_retryable (long status)
{
  return status == 408 || status == 429 || (status >= 500 && status <= 599);
}

GError *
_meow_engine_transport_error (MeowEngine   *engine,
                              MeowDirection direction,
                              const char   *redacted_url,
                              CURLcode      result,
                              const char   *error_buffer)
{
  const char *detail = error_buffer && error_buffer[0] ? error_buffer : curl_easy_strerror (result);

  switch (result)
    {
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
      return g_error_new (MEOW_ERROR, MEOW_ERROR_TLS,
                          _ ("The secure connection for %s could not be verified: %s"),
                          redacted_url, detail);
    case CURLE_SSL_CONNECT_ERROR:
      return g_error_new (MEOW_ERROR, MEOW_ERROR_TLS,
                          _ ("The secure connection to %s could not be set up: %s"), redacted_url,
                          detail);
    case CURLE_TOO_MANY_REDIRECTS:
      return g_error_new (MEOW_ERROR, MEOW_ERROR_TOO_MANY_REDIRECTS,
                          _ ("%s redirects too many times (more than %u)."), redacted_url,
                          _meow_engine_get_config (engine)->max_redirects);
    case CURLE_UNSUPPORTED_PROTOCOL:
      /* Only http(s) URLs get here, so this is the server's answer: libcurl
       * says so for replies that are not HTTP ("Received HTTP/0.9 when not
       * allowed", "Unsupported response code"). A bad answer, worth
       * another try, not the caller's mistake. */
      return g_error_new (MEOW_ERROR, MEOW_ERROR_HTTP_TRANSPORT,
                          _ ("The server at %s did not answer in HTTP: %s"), redacted_url, detail);
    case CURLE_URL_MALFORMAT:
      if (direction == MEOW_DIRECTION_UPLOAD)
        /* Translators: the first %s is a URL, the second libcurl's reason (English). */
        return g_error_new (MEOW_ERROR, MEOW_ERROR_PARAMETER_INVALID, _ ("Cannot upload to %s: %s"),
                            redacted_url, detail);
      /* Translators: the first %s is a URL, the second libcurl's reason (English). */
      return g_error_new (MEOW_ERROR, MEOW_ERROR_PARAMETER_INVALID, _ ("Cannot download %s: %s"),
                          redacted_url, detail);
    case CURLE_OPERATION_TIMEDOUT:
      return g_error_new (MEOW_ERROR, MEOW_ERROR_STALLED, _ ("The connection for %s stalled: %s"),
                          redacted_url, detail);
    case CURLE_COULDNT_RESOLVE_HOST:
      return g_error_new (MEOW_ERROR, MEOW_ERROR_HTTP_TRANSPORT,
                          _ ("The host name of %s was not found (%s); check the address."),
                          redacted_url, detail);
    default:
      return g_error_new (MEOW_ERROR, MEOW_ERROR_HTTP_TRANSPORT,
                          _ ("The connection for %s failed: %s"), redacted_url, detail);
    }
}

MeowFailureKind
_meow_failure_classify (CURLcode result, long status)
{
  switch (result)
    {
    case CURLE_OK:
      if (_meow_engine_status_retryable (status))
        return MEOW_FAILURE_SERVER;
      if (status >= 400)
        return MEOW_FAILURE_FATAL;
      return MEOW_FAILURE_NONE;

    /* The network between us and the server: nothing the server said. */
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_CONNECT:
    case CURLE_PARTIAL_FILE:
    case CURLE_OPERATION_TIMEDOUT: /* a stall (low-speed limit) or a connect timeout */
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_SSL_CONNECT_ERROR: /* a TLS handshake cut (not a certificate refused) */
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
#if LIBCURL_VERSION_NUM >= 0x074200
    case CURLE_HTTP3:
#endif
#if LIBCURL_VERSION_NUM >= 0x074500
    case CURLE_QUIC_CONNECT_ERROR:
#endif
#if LIBCURL_VERSION_NUM >= 0x075000
    case CURLE_PROXY:
#endif
      return MEOW_FAILURE_TRANSPORT;

    /* Retrying cannot help: the caller's URL, a certificate we refuse. */
    case CURLE_URL_MALFORMAT:
    case CURLE_TOO_MANY_REDIRECTS:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_OUT_OF_MEMORY:
    case CURLE_FAILED_INIT:
    case CURLE_NOT_BUILT_IN:
      return MEOW_FAILURE_FATAL;

    default:
      /* A reply that is not HTTP (UNSUPPORTED_PROTOCOL for http(s) URLs),
       * WEIRD_SERVER_REPLY and the rest: worth another try, counted, as
       * before the split into transport and server failures. */
      return MEOW_FAILURE_SERVER;
    }
}

/* The proxy's @name challenges (Proxy-Authenticate) in @easy's last answer
 * (a CONNECT's or the proxy's own), joined as one list, or NULL. */
static char *
dup_proxy_challenge (CURL *easy, const char *name)
{
  GString            *value = NULL;
  struct curl_header *header = NULL;
  const unsigned int  origin = CURLH_HEADER | CURLH_CONNECT;

  for (size_t i = 0; i < 16; i++)
    {
      if (curl_easy_header (easy, name, i, origin, -1, &header) != CURLHE_OK)
        break;
      if (value == NULL)
        value = g_string_new (header->value);
      else
        g_string_append_printf (value, ", %s", header->value);
      if (i + 1 >= header->amount)
        break;
    }
  return value != NULL ? g_string_free (value, FALSE) : NULL;
}

GError *
_meow_engine_proxy_auth_error (MeowEngine *engine,
                               CURL       *easy,
                               const char *url,
                               const char *redacted_url,
                               char      **scheme,
                               char      **realm,
                               char      **proxy_out)
{
  long             connect_status = 0;
  long             status = 0;
  g_autofree char *proxy = NULL;
  g_autofree char *challenge = NULL;
  g_autofree char *user = NULL;

  *scheme = NULL;
  *realm = NULL;
  *proxy_out = NULL;
  /* A CONNECT tunnel's answer (https:// through the proxy), or the
   * proxy's own answer to a plain http:// request. */
  curl_easy_getinfo (easy, CURLINFO_HTTP_CONNECTCODE, &connect_status);
  curl_easy_getinfo (easy, CURLINFO_RESPONSE_CODE, &status);
  /* tinyproxy answers a CONNECT with a wrong login 401 (and
   * WWW-Authenticate): a CONNECT's answer is the proxy's either way. */
  if (connect_status == 401)
    challenge = dup_proxy_challenge (easy, "WWW-Authenticate");
  else if (connect_status == 407 || status == 407)
    challenge = dup_proxy_challenge (easy, "Proxy-Authenticate");
  else
    return NULL;

  if (!_meow_parse_www_authenticate (challenge, scheme, realm))
    {
      *scheme = NULL;
      *realm = NULL;
    }
  proxy = _meow_engine_dup_proxy_for_url (engine, url);
  if (proxy == NULL)
    return g_error_new (MEOW_ERROR, MEOW_ERROR_PROXY_AUTH_REQUIRED,
                        _ ("The proxy for %s requires a login."), redacted_url);
  user = _meow_proxy_dup_login_user (_meow_engine_get_proxy (engine), proxy);
  *proxy_out = g_strdup (proxy);
  if (user != NULL)
    /* Translators: the proxy's address, the user name. */
    return g_error_new (MEOW_ERROR, MEOW_ERROR_PROXY_AUTH_REQUIRED,
                        _ ("The proxy %s refused the login of “%s”."), proxy, user);
  return g_error_new (MEOW_ERROR, MEOW_ERROR_PROXY_AUTH_REQUIRED,
                      _ ("The proxy %s requires a login to reach %s."), proxy, redacted_url);
}

char *
_meow_failure_detail (CURLcode result, long status)
{
  /* The waits' reasons a user sees most (a network between us and the server): libcurl's
   * own words for them (curl_easy_strerror()'s English, exactly), translated. */
  switch (result)
    {
    case CURLE_OK:
      return g_strdup_printf ("HTTP %ld", status);
    case CURLE_COULDNT_RESOLVE_PROXY:
      return g_strdup (_ ("Couldn't resolve proxy name"));
    case CURLE_COULDNT_RESOLVE_HOST:
      return g_strdup (_ ("Couldn't resolve host name"));
    case CURLE_COULDNT_CONNECT:
      return g_strdup (_ ("Couldn't connect to server"));
    case CURLE_PARTIAL_FILE:
      return g_strdup (_ ("Transferred a partial file"));
    case CURLE_OPERATION_TIMEDOUT:
      return g_strdup (_ ("Timeout was reached"));
    case CURLE_SEND_ERROR:
      return g_strdup (_ ("Failed sending data to the peer"));
    case CURLE_RECV_ERROR:
      return g_strdup (_ ("Failure when receiving data from the peer"));
    case CURLE_GOT_NOTHING:
      return g_strdup (_ ("Server returned nothing (no headers, no data)"));
    case CURLE_SSL_CONNECT_ERROR:
      return g_strdup (_ ("SSL connect error"));
    default:
      return g_strdup (curl_easy_strerror (result));
    }
}

guint
_meow_engine_max_retries (MeowJob *job)
{
  if (job->task->retries_set)
    return job->task->retries;
  return _meow_engine_get_config (job->engine)->retries;
}

MeowRetryPolicy
_meow_engine_retry_policy (MeowJob *job)
{
  if (job->task->retry_policy_set)
    return job->task->retry_policy;
  return _meow_engine_get_config (job->engine)->retry_policy;
}

gint64
_meow_engine_transport_backoff_us (MeowEngine *engine, guint failures)
{
  const MeowConfig *config = _meow_engine_get_config (engine);
  double            cap = MEOW_TRANSPORT_MAX_DELAY_MS;
  double            delay = MAX (1, config->retry_base_delay_ms);

  for (guint i = 1; i < failures && delay < cap; i++)
    delay *= 2;
  delay = MIN (delay, cap);
  /* Full jitter (uniform from zero): after an outage, the clients and the
   * tasks it stopped come back spread over the whole window, not in a
   * burst at its end. */
  return (gint64) (g_random_double_range (0, delay) * 1000);
}

/* The wait between two tries of a host name not found: the window spread
 * over the tries, ±20 % jitter. */
static gint64
host_not_found_delay_us (MeowEngine *engine)
{
  const MeowConfig *config = _meow_engine_get_config (engine);
  double delay = (double) config->host_not_found_window_ms / (MEOW_HOST_NOT_FOUND_TRIES - 1);

  return (gint64) (delay * g_random_double_range (0.8, 1.2) * 1000);
}

gint64
_meow_engine_retry_next (MeowJob        *job,
                         MeowRetries    *retries,
                         MeowFailureKind kind,
                         CURLcode        result,
                         guint           max,
                         const char     *retry_after,
                         MeowWaitReason *reason)
{
  MeowWaitReason hold = _meow_engine_get_job_hold (job);

  g_return_val_if_fail (kind == MEOW_FAILURE_TRANSPORT || kind == MEOW_FAILURE_SERVER, -1);

  if (kind == MEOW_FAILURE_TRANSPORT)
    {
      if (hold != MEOW_WAIT_NONE)
        {
          /* The network is gone (or not ours to use): this failure says
           * nothing about the server and is not counted. The job waits for
           * the network to return. */
          *reason = hold;
          return 0;
        }
      retries->failures++;
      if (_meow_engine_retry_policy (job) != MEOW_RETRY_POLICY_UNLIMITED_TRANSPORT &&
          ++retries->counted > max)
        return -1;
      if (result == CURLE_COULDNT_RESOLVE_HOST)
        {
          /* The network is up and the name is not found: most likely a
           * typo. Not a wait without end: a few tries (a resolver coming
           * back after a wake gets them), then a clear failure. */
          if (++retries->host_not_found >= MEOW_HOST_NOT_FOUND_TRIES)
            return -1;
          *reason = MEOW_WAIT_HOST_NOT_FOUND;
          return host_not_found_delay_us (job->engine);
        }
      retries->host_not_found = 0;
      *reason = MEOW_WAIT_SERVER_UNREACHABLE;
      return _meow_engine_transport_backoff_us (job->engine, retries->failures);
    }

  retries->host_not_found = 0;
  retries->failures++;
  if (++retries->counted > max)
    return -1;
  *reason = MEOW_WAIT_RETRY_AFTER;
  return _meow_engine_retry_delay_us (job->engine, retries->failures, retry_after);
}
