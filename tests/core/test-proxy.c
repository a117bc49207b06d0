/* test-proxy.c: each request's proxy (core/meow-proxy.c)
 *
 * The pure parts (cache keys, a resolver's answers, a person's proxy
 * address, the environment's rules) by table; then the engine against a
 * fake GProxyResolver whose answers name the in-process test server as an
 * HTTP proxy for hosts that do not exist ("origin.invalid"): a download
 * of such a host completes only through the proxy. The fake counts its
 * lookups (the cache) and can block one host (lookups run off the
 * transfer loop: other hosts go on meanwhile).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <gio/gio.h>

#include "meow-client-private.h"
#include "meow-config-private.h"
#include "meow-proxy-private.h"
#include "meow-test-fixture.h"
#include "meow-test-tinyproxy.h"
#include "meow.h"

/* ------------------------------------------------------------------ */
/* A fake resolver                                                      */

#define TEST_TYPE_RESOLVER (test_resolver_get_type ())
G_DECLARE_FINAL_TYPE (TestResolver, test_resolver, TEST, RESOLVER, GObject)

struct _TestResolver
{
  GObject parent_instance;

  GMutex      lock;
  GCond       cond;
  GHashTable *answers; /* key URL -> answer ("http://127.0.0.1:PORT", "direct://") */
  GHashTable *lookups; /* key URL -> count */
  char       *block;   /* while set, a lookup of this key URL waits */
  gboolean    blocked; /* a lookup is waiting on block */
};

static void test_resolver_iface_init (GProxyResolverInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (TestResolver,
                               test_resolver,
                               G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_PROXY_RESOLVER,
                                                      test_resolver_iface_init))

static char **
test_resolver_lookup (GProxyResolver *resolver,
                      const char     *uri,
                      GCancellable   *cancellable,
                      GError        **error)
{
  TestResolver *self = TEST_RESOLVER (resolver);
  const char   *answer;
  char        **result;

  g_mutex_lock (&self->lock);
  g_hash_table_insert (
      self->lookups, g_strdup (uri),
      GUINT_TO_POINTER (GPOINTER_TO_UINT (g_hash_table_lookup (self->lookups, uri)) + 1));
  while (self->block != NULL && g_str_equal (self->block, uri))
    {
      self->blocked = TRUE;
      g_cond_wait (&self->cond, &self->lock);
    }
  self->blocked = FALSE;
  answer = g_hash_table_lookup (self->answers, uri);
  result = g_new0 (char *, 2);
  result[0] = g_strdup (answer ? answer : "direct://");
  g_mutex_unlock (&self->lock);
  return result;
}

static void
lookup_thread (GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
  g_task_return_pointer (task, test_resolver_lookup (source, data, cancellable, NULL),
                         (GDestroyNotify) g_strfreev);
}

static void
test_resolver_lookup_async (GProxyResolver     *resolver,
                            const char         *uri,
                            GCancellable       *cancellable,
                            GAsyncReadyCallback callback,
                            gpointer            user_data)
{
  g_autoptr (GTask) task = g_task_new (resolver, cancellable, callback, user_data);

  g_task_set_task_data (task, g_strdup (uri), g_free);
  g_task_run_in_thread (task, lookup_thread);
}

static char **
test_resolver_lookup_finish (GProxyResolver *resolver, GAsyncResult *result, GError **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
test_resolver_iface_init (GProxyResolverInterface *iface)
{
  iface->lookup = test_resolver_lookup;
  iface->lookup_async = test_resolver_lookup_async;
  iface->lookup_finish = test_resolver_lookup_finish;
}

static void
test_resolver_finalize (GObject *object)
{
  TestResolver *self = TEST_RESOLVER (object);

  g_hash_table_unref (self->answers);
  g_hash_table_unref (self->lookups);
  g_free (self->block);
  g_mutex_clear (&self->lock);
  g_cond_clear (&self->cond);
  G_OBJECT_CLASS (test_resolver_parent_class)->finalize (object);
}

static void
test_resolver_class_init (TestResolverClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = test_resolver_finalize;
}

static void
test_resolver_init (TestResolver *self)
{
  g_mutex_init (&self->lock);
  g_cond_init (&self->cond);
  self->answers = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->lookups = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
}

static void
resolver_answer (TestResolver *self, const char *key, const char *answer)
{
  g_mutex_lock (&self->lock);
  g_hash_table_insert (self->answers, g_strdup (key), g_strdup (answer));
  g_mutex_unlock (&self->lock);
}

static guint
resolver_lookups (TestResolver *self, const char *key)
{
  guint n;

  g_mutex_lock (&self->lock);
  n = GPOINTER_TO_UINT (g_hash_table_lookup (self->lookups, key));
  g_mutex_unlock (&self->lock);
  return n;
}

static void
resolver_block (TestResolver *self, const char *key)
{
  g_mutex_lock (&self->lock);
  g_free (self->block);
  self->block = g_strdup (key);
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->lock);
}

static gboolean
resolver_blocked (TestResolver *self)
{
  gboolean blocked;

  g_mutex_lock (&self->lock);
  blocked = self->blocked;
  g_mutex_unlock (&self->lock);
  return blocked;
}

/* ------------------------------------------------------------------ */
/* The pure parts                                                      */

static void
test_key (void)
{
  static const struct
  {
    const char *url;
    const char *key;
  } cases[] = {
    { "http://Example.ORG/a/b?c=d", "http://example.org:80/" },
    { "https://example.org/file.iso", "https://example.org:443/" },
    { "HTTPS://user:secret@example.org:8443/x", "https://example.org:8443/" },
    { "http://[::1]:8080/x", "http://[::1]:8080/" },
    { "http://127.0.0.1:3128", "http://127.0.0.1:3128/" },
    { "not a url", NULL },
    { "file:///etc/passwd", NULL },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *key = _meow_proxy_key (cases[i].url);

      g_assert_cmpstr (key, ==, cases[i].key);
    }
}

static void
test_answers (void)
{
  static const struct
  {
    const char *answers[4];
    const char *proxy;
  } cases[] = {
    { { "direct://", NULL }, "" },
    { { NULL }, "" },
    { { "http://proxy:3128", "direct://", NULL }, "http://proxy:3128" },
    { { "https://proxy:443", NULL }, "https://proxy:443" },
    /* GNOME's SOCKS answer: the proxy resolves the names. */
    { { "socks5://s:1080", "socks4a://s:1080", "socks4://s:1080", NULL }, "socks5h://s:1080" },
    { { "socks://s:1080", NULL }, "socks5h://s:1080" },
    { { "socks4a://s:1080", NULL }, "socks4a://s:1080" },
    /* What libcurl cannot use is skipped. */
    { { "ftp://p:21", "http://p:8080", NULL }, "http://p:8080" },
    { { "gopher://p:70", NULL }, "" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *proxy = _meow_proxy_from_answers (cases[i].answers);

      g_assert_cmpstr (proxy, ==, cases[i].proxy);
    }
}

static void
test_normalize (void)
{
  static const struct
  {
    const char *in;
    const char *out; /* NULL: refused */
  } cases[] = {
    { "direct://", "" },
    { "", "" },
    { "proxy.example:3128", "http://proxy.example:3128" },
    { "http://proxy.example:3128", "http://proxy.example:3128" },
    { "socks5://127.0.0.1:1080", "socks5h://127.0.0.1:1080" },
    { "socks4a://s:1080", "socks4a://s:1080" },
    { "https://p", "https://p" },
    { "ftp://p:21", NULL },
    { "http://", NULL },
    { "http://exa mple:80", NULL },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autofree char *out = NULL;
      gboolean         ok = _meow_proxy_normalize (cases[i].in, &out, &error);

      if (cases[i].out == NULL)
        {
          if (ok)
            g_error ("“%s” was taken as “%s”", cases[i].in, out);
          g_assert_error (error, MEOW_ERROR, MEOW_ERROR_PARAMETER_INVALID);
          g_assert_nonnull (strstr (error->message, cases[i].in));
        }
      else
        {
          g_assert_no_error (error);
          g_assert_true (ok);
          g_assert_cmpstr (out, ==, cases[i].out);
        }
    }
}

/* curl's rules, in a subprocess (the environment is process-wide). */
static void
test_environment (void)
{
  if (g_test_subprocess ())
    {
      g_autofree char *plain = NULL;
      g_autofree char *secure = NULL;
      g_autofree char *listed = NULL;
      g_autofree char *sub = NULL;
      g_autofree char *suffix_only = NULL;
      g_autofree char *all = NULL;

      g_assert_false (_meow_proxy_environment_set ());
      g_setenv ("http_proxy", "http://user:pw@hp:3128", TRUE);
      g_setenv ("https_proxy", "http://sp:3129", TRUE);
      g_setenv ("no_proxy", "internal.example, .corp", TRUE);
      g_assert_true (_meow_proxy_environment_set ());

      plain = _meow_proxy_from_environment ("http://example.org/a");
      secure = _meow_proxy_from_environment ("https://example.org/a");
      listed = _meow_proxy_from_environment ("http://internal.example/a");
      sub = _meow_proxy_from_environment ("https://www.corp/a");
      suffix_only = _meow_proxy_from_environment ("http://notcorp/a");
      g_assert_cmpstr (plain, ==, "http://hp:3128");
      g_assert_cmpstr (secure, ==, "http://sp:3129");
      g_assert_cmpstr (listed, ==, "");
      g_assert_cmpstr (sub, ==, "");
      g_assert_cmpstr (suffix_only, ==, "http://hp:3128");

      g_setenv ("no_proxy", "*", TRUE);
      all = _meow_proxy_from_environment ("http://example.org/a");
      g_assert_cmpstr (all, ==, "");
      return;
    }
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
}

/* ------------------------------------------------------------------ */
/* The engine with a fake resolver                                      */

typedef struct
{
  MeowTestFixture fx;
  TestResolver   *resolver;
  char           *proxy; /* http://127.0.0.1:PORT: the test server as a proxy */
} ProxyFixture;

static void
proxy_setup (ProxyFixture *pf, gconstpointer data)
{
  meow_test_fixture_setup (&pf->fx, data);
  meow_config_set_retry_policy (pf->fx.config, MEOW_RETRY_POLICY_COUNTED);
  meow_config_set_retries (pf->fx.config, 2);
  /* The made-up hosts are not found: a host name that is not found is
   * tried for 2 minutes (MEOW_WAIT_HOST_NOT_FOUND) before the task fails;
   * here within a second. */
  _meow_config_set_host_not_found_window (pf->fx.config, 1000);
  pf->resolver = g_object_new (TEST_TYPE_RESOLVER, NULL);
  pf->proxy = g_strdup_printf ("http://127.0.0.1:%u", meow_test_server_get_port (pf->fx.server));
  _meow_client_set_proxy_resolver (meow_test_fixture_client (&pf->fx),
                                   G_PROXY_RESOLVER (pf->resolver));
}

static void
proxy_teardown (ProxyFixture *pf, gconstpointer data)
{
  resolver_block (pf->resolver, NULL);
  meow_test_fixture_teardown (&pf->fx, data);
  g_clear_object (&pf->resolver);
  g_free (pf->proxy);
}

static MeowTestWatch *
start_url (ProxyFixture *pf, const char *url, const char *name)
{
  g_autofree char *target = meow_test_fixture_path (&pf->fx, name);
  g_autoptr (MeowTaskBuilder) b = meow_task_builder_new_download (url);

  meow_task_builder_set_output_file (b, target);
  return meow_test_start_download (&pf->fx, b);
}

/* The requests the server saw for @path, and how many had @host as their
 * Host (a proxied request names the origin). */
static guint
count_requests (ProxyFixture *pf, const char *path, const char *host, guint *with_host)
{
  g_autoptr (GPtrArray) log = meow_test_server_dup_requests (pf->fx.server);
  guint n = 0;

  *with_host = 0;
  for (guint i = 0; i < log->len; i++)
    {
      MeowTestRequest *r = g_ptr_array_index (log, i);

      if (g_strcmp0 (r->path, path) != 0)
        continue;
      n++;
      if (g_strcmp0 (g_hash_table_lookup (r->headers, "host"), host) == 0)
        (*with_host)++;
    }
  return n;
}

/* Two downloads of a host that does not exist arrive through the proxy
 * the resolver names, with one lookup for both (the cache); a host the
 * resolver answers direct:// for is reached directly. */
static void
test_through_resolver (ProxyFixture *pf, gconstpointer data)
{
  g_autoptr (GBytes) payload = meow_test_make_payload (70000, 1401);
  g_autofree char *direct_url = meow_test_server_dup_url (pf->fx.server, "/d.bin");
  g_autofree char *direct_key = _meow_proxy_key (direct_url);
  g_autofree char *a = meow_test_fixture_path (&pf->fx, "a.bin");
  g_autofree char *b = meow_test_fixture_path (&pf->fx, "b.bin");
  g_autofree char *d = meow_test_fixture_path (&pf->fx, "d.bin");
  MeowTestWatch   *wa, *wb, *wd;
  guint            with_host;

  meow_test_server_set_file (pf->fx.server, "/f.bin", payload);
  meow_test_server_set_file (pf->fx.server, "/d.bin", payload);
  resolver_answer (pf->resolver, "http://origin.invalid:80/", pf->proxy);

  wa = start_url (pf, "http://origin.invalid/f.bin", "a.bin");
  MEOW_TEST_WAIT_UNTIL (meow_test_watch_done (wa));
  wb = start_url (pf, "http://origin.invalid/f.bin?second", "b.bin");
  wd = start_url (pf, direct_url, "d.bin");
  MEOW_TEST_WAIT_UNTIL (meow_test_watch_done (wb) && meow_test_watch_done (wd));

  meow_test_assert_completed (wa, a, payload);
  meow_test_assert_completed (wb, b, payload);
  meow_test_assert_completed (wd, d, payload);
  g_assert_cmpuint (count_requests (pf, "/f.bin", "origin.invalid", &with_host), ==, 2);
  g_assert_cmpuint (with_host, ==, 2);
  g_assert_cmpuint (resolver_lookups (pf->resolver, "http://origin.invalid:80/"), ==, 1);
  g_assert_cmpuint (resolver_lookups (pf->resolver, direct_key), ==, 1);
  /* The resolver is asked about the scheme and host only. */
  g_assert_cmpuint (g_hash_table_size (pf->resolver->lookups), ==, 2);
}

/* Lookups whose GTask is not finalized yet: the task holds the client (its
 * source object) until the pool thread that ran it drops its reference,
 * which may come after the callback; a test waits for it before its
 * teardown checks that the client is gone. */
static guint lookups_alive;

static void
lookup_finalized_cb (gpointer data, GObject *where_the_task_was)
{
  lookups_alive--;
}

static void
lookup_done_cb (GObject *source, GAsyncResult *result, gpointer data)
{
  char **out = data;
  g_autoptr (GError) error = NULL;

  lookups_alive++;
  g_object_weak_ref (G_OBJECT (result), lookup_finalized_cb, NULL);

  *out = meow_client_lookup_proxy_finish (MEOW_CLIENT (source), result, &error);
  g_assert_no_error (error);
}

/* "direct://" overrides the resolver (the host does not exist: the
 * download fails), a URL overrides it the other way, and NULL goes back to
 * the resolver, which is asked again (the change dropped the cache).
 * meow_client_lookup_proxy_async() says the same as the requests do. */
static void
test_override (ProxyFixture *pf, gconstpointer data)
{
  g_autoptr (GBytes) payload = meow_test_make_payload (5000, 1402);
  g_autoptr (GError) error = NULL;
  g_autofree char *shown = NULL;
  g_autofree char *shown_none = NULL;
  MeowClient      *client = meow_test_fixture_client (&pf->fx);
  MeowTestWatch   *w;
  guint            with_host;

  meow_test_server_set_file (pf->fx.server, "/o.bin", payload);
  resolver_answer (pf->resolver, "http://origin.invalid:80/", pf->proxy);

  g_assert_true (meow_client_set_proxy (client, "direct://", &error));
  g_assert_no_error (error);
  w = start_url (pf, "http://origin.invalid/o.bin", "none.bin");
  MEOW_TEST_WAIT_UNTIL (meow_test_watch_done (w));
  meow_test_assert_failed (w, MEOW_ERROR_HTTP_TRANSPORT, "origin.invalid", NULL);
  g_assert_cmpuint (resolver_lookups (pf->resolver, "http://origin.invalid:80/"), ==, 0);

  meow_client_lookup_proxy_async (client, "http://origin.invalid/x", NULL, lookup_done_cb,
                                  &shown_none);
  MEOW_TEST_WAIT_UNTIL (shown_none != NULL && lookups_alive == 0);
  g_assert_cmpstr (shown_none, ==, "direct://");

  /* Every request through this proxy, whatever the resolver says. */
  g_assert_true (meow_client_set_proxy (client, pf->proxy, &error));
  w = start_url (pf, "http://elsewhere.invalid/o.bin", "manual.bin");
  MEOW_TEST_WAIT_UNTIL (meow_test_watch_done (w));
  {
    g_autofree char *path = meow_test_fixture_path (&pf->fx, "manual.bin");
    meow_test_assert_completed (w, path, payload);
  }
  g_assert_cmpuint (count_requests (pf, "/o.bin", "elsewhere.invalid", &with_host), ==, 1);
  g_assert_cmpuint (with_host, ==, 1);

  g_assert_true (meow_client_set_proxy (client, NULL, &error));
  w = start_url (pf, "http://origin.invalid/o.bin", "system.bin");
  MEOW_TEST_WAIT_UNTIL (meow_test_watch_done (w));
  {
    g_autofree char *path = meow_test_fixture_path (&pf->fx, "system.bin");
    meow_test_assert_completed (w, path, payload);
  }
  g_assert_cmpuint (resolver_lookups (pf->resolver, "http://origin.invalid:80/"), ==, 1);

  meow_client_lookup_proxy_async (client, "http://origin.invalid/x", NULL, lookup_done_cb, &shown);
  MEOW_TEST_WAIT_UNTIL (shown != NULL && lookups_alive == 0);
  g_assert_cmpstr (shown, ==, pf->proxy);

  /* A proxy address that cannot be used changes nothing. */
  g_assert_false (meow_client_set_proxy (client, "ftp://p:21", &error));
  g_assert_error (error, MEOW_ERROR, MEOW_ERROR_PARAMETER_INVALID);
}

/* A lookup that blocks holds up only its own host's request: another
 * host's download completes meanwhile, a pause while the lookup runs
 * keeps the task paused, and after resume it completes through the proxy
 * the resolver finally names. */
static void
test_lookup_off_loop (ProxyFixture *pf, gconstpointer data)
{
  g_autoptr (GBytes) payload = meow_test_make_payload (40000, 1403);
  g_autoptr (GError) error = NULL;
  g_autofree char *direct_url = meow_test_server_dup_url (pf->fx.server, "/q.bin");
  g_autofree char *slow = meow_test_fixture_path (&pf->fx, "slow.bin");
  g_autofree char *quick = meow_test_fixture_path (&pf->fx, "quick.bin");
  MeowClient      *client = meow_test_fixture_client (&pf->fx);
  MeowTestWatch   *ws, *wq;
  guint            with_host;

  meow_test_server_set_file (pf->fx.server, "/s.bin", payload);
  meow_test_server_set_file (pf->fx.server, "/q.bin", payload);
  resolver_answer (pf->resolver, "http://slow.invalid:80/", pf->proxy);
  resolver_block (pf->resolver, "http://slow.invalid:80/");

  ws = start_url (pf, "http://slow.invalid/s.bin", "slow.bin");
  MEOW_TEST_WAIT_UNTIL (resolver_blocked (pf->resolver));
  wq = start_url (pf, direct_url, "quick.bin");
  MEOW_TEST_WAIT_UNTIL (meow_test_watch_done (wq));
  meow_test_assert_completed (wq, quick, payload);
  g_assert_false (meow_test_watch_done (ws));

  g_assert_true (meow_client_pause (client, ws->id, &error));
  g_assert_no_error (error);
  MEOW_TEST_WAIT_UNTIL (meow_test_watch_last_status (ws) == MEOW_STATUS_PAUSED);
  resolver_block (pf->resolver, NULL);
  /* The answer arrives for a paused task: nothing may be sent. */
  meow_test_spin_ms (200);
  g_assert_cmpuint (count_requests (pf, "/s.bin", "slow.invalid", &with_host), ==, 0);
  g_assert_cmpint (meow_test_watch_last_status (ws), ==, MEOW_STATUS_PAUSED);

  g_assert_true (meow_client_resume (client, ws->id, &error));
  MEOW_TEST_WAIT_UNTIL (meow_test_watch_done (ws));
  meow_test_assert_completed (ws, slow, payload);
  g_assert_cmpuint (count_requests (pf, "/s.bin", "slow.invalid", &with_host), ==, 1);
  g_assert_cmpuint (with_host, ==, 1);
}

/* A 407 pauses the task at once (no retry can log in) with
 * MEOW_WAIT_PROXY_SIGN_IN, says which proxy wants a login, without the
 * proxy's password, and names it on the record. */
static void
test_proxy_auth_required (ProxyFixture *pf, gconstpointer data)
{
  g_autoptr (GBytes) payload = meow_test_make_payload (1000, 1404);
  g_autofree char          *with_login = g_strdup_printf ("http://someone:s3cret@127.0.0.1:%u",
                                                          meow_test_server_get_port (pf->fx.server));
  MeowTestFaults            faults = { 0 };
  MeowTestWatch            *w;
  const MeowTransferRecord *r;
  guint                     with_host;

  meow_test_server_set_file (pf->fx.server, "/p.bin", payload);
  resolver_answer (pf->resolver, "http://origin.invalid:80/", with_login);
  faults.error_count = 5;
  faults.error_status = 407;
  meow_test_server_set_faults (pf->fx.server, &faults);

  w = start_url (pf, "http://origin.invalid/p.bin", "p.bin");
  MEOW_TEST_WAIT_UNTIL (meow_test_watch_count_sign_in (w, MEOW_WAIT_PROXY_SIGN_IN) == 1);
  r = meow_test_watch_last (w);
  g_assert_cmpint (meow_transfer_record_get_status (r), ==, MEOW_STATUS_PAUSED);
  g_assert_error (meow_transfer_record_get_error (r), MEOW_ERROR, MEOW_ERROR_PROXY_AUTH_REQUIRED);
  g_assert_nonnull (strstr (meow_transfer_record_get_error (r)->message, "requires a login"));
  g_assert_nonnull (strstr (meow_transfer_record_get_error (r)->message, pf->proxy));
  g_assert_null (strstr (meow_transfer_record_get_error (r)->message, "s3cret"));
  g_assert_cmpstr (meow_transfer_record_get_auth_proxy (r), ==, pf->proxy);
  /* The test server's 407 names no scheme. */
  g_assert_null (meow_transfer_record_get_auth_scheme (r));
  meow_test_spin_ms (200);
  g_assert_cmpuint (count_requests (pf, "/p.bin", "origin.invalid", &with_host), ==, 1);
  g_assert_cmpuint (meow_test_watch_count_sign_in (w, MEOW_WAIT_PROXY_SIGN_IN), ==, 1);
}

/* A real proxy that wants a login (tinyproxy's BasicAuth): the download
 * pauses with MEOW_WAIT_PROXY_SIGN_IN, the proxy's scheme and realm and
 * the proxy named; meow_client_set_proxy_credentials() and a resume finish
 * it exact through the proxy, and a second download through it asks
 * nothing. The password is in no record. */
static void
test_proxy_login_tinyproxy (ProxyFixture *pf, gconstpointer data)
{
  g_autoptr (GBytes) payload = meow_test_make_payload (300000, 1405);
  g_autoptr (GError) error = NULL;
  g_autofree char          *dir = meow_test_fixture_path (&pf->fx, "tp");
  g_autofree char          *url = meow_test_server_dup_url (pf->fx.server, "/t.bin");
  g_autofree char          *first = meow_test_fixture_path (&pf->fx, "first.bin");
  g_autofree char          *second = meow_test_fixture_path (&pf->fx, "second.bin");
  g_autofree char          *log = NULL;
  MeowClient               *client = meow_test_fixture_client (&pf->fx);
  MeowTestTinyproxy         tp = { 0 };
  MeowTestWatch            *w;
  const MeowTransferRecord *r;

  if (!meow_test_tinyproxy_start (&tp, dir, "meow", "s3cret-pw"))
    {
      g_test_skip ("tinyproxy is not installed (Debian package tinyproxy-bin)");
      return;
    }
  meow_test_server_set_file (pf->fx.server, "/t.bin", payload);
  g_assert_true (meow_client_set_proxy (client, tp.url, &error));
  g_assert_no_error (error);

  w = start_url (pf, url, "first.bin");
  MEOW_TEST_WAIT_UNTIL (meow_test_watch_count_sign_in (w, MEOW_WAIT_PROXY_SIGN_IN) == 1);
  r = meow_test_watch_last (w);
  g_assert_error (meow_transfer_record_get_error (r), MEOW_ERROR, MEOW_ERROR_PROXY_AUTH_REQUIRED);
  g_assert_cmpstr (meow_transfer_record_get_auth_proxy (r), ==, tp.url);
  g_assert_cmpstr (meow_transfer_record_get_auth_scheme (r), ==, "Basic");
  g_assert_cmpstr (meow_transfer_record_get_auth_realm (r), ==, "Tinyproxy");

  /* Not a proxy address: refused, nothing changes. */
  g_assert_false (meow_client_set_proxy_credentials (client, "ftp://x:21", "meow", "x", &error));
  g_assert_error (error, MEOW_ERROR, MEOW_ERROR_PARAMETER_INVALID);
  g_clear_error (&error);

  g_assert_true (meow_client_set_proxy_credentials (client, meow_transfer_record_get_auth_proxy (r),
                                                    "meow", "s3cret-pw", &error));
  g_assert_no_error (error);
  g_assert_true (meow_client_resume (client, w->id, &error));
  g_assert_no_error (error);
  MEOW_TEST_WAIT_UNTIL (meow_test_watch_done (w));
  meow_test_assert_completed (w, first, payload);
  g_assert_cmpuint (meow_test_watch_count_sign_in (w, MEOW_WAIT_PROXY_SIGN_IN), ==, 1);

  w = start_url (pf, url, "second.bin");
  MEOW_TEST_WAIT_UNTIL (meow_test_watch_done (w));
  meow_test_assert_completed (w, second, payload);
  g_assert_cmpuint (meow_test_watch_count_sign_in (w, MEOW_WAIT_PROXY_SIGN_IN), ==, 0);

  for (guint i = 0; i < w->records->len; i++)
    {
      const GError *e = meow_transfer_record_get_error (g_ptr_array_index (w->records, i));

      g_assert_true (e == NULL || strstr (e->message, "s3cret") == NULL);
    }
  /* Both went through the proxy. */
  {
    g_autofree char *line = g_strdup_printf ("GET %s HTTP", url);

    g_assert_cmpuint (meow_test_tinyproxy_count (&tp, line), >=, 2);
  }
  meow_test_tinyproxy_stop (&tp);
}

#define ADD(path, fn) g_test_add (path, ProxyFixture, NULL, proxy_setup, fn, proxy_teardown)

int
main (int argc, char **argv)
{
  /* Requests go where the tests' resolver says, never where an
   * environment variable would send them. */
  g_unsetenv ("http_proxy");
  g_unsetenv ("https_proxy");
  g_unsetenv ("HTTPS_PROXY");
  g_unsetenv ("all_proxy");
  g_unsetenv ("ALL_PROXY");
  g_unsetenv ("no_proxy");
  g_unsetenv ("NO_PROXY");
  g_setenv ("GIO_USE_PROXY_RESOLVER", "dummy", TRUE);
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/core/proxy/pure/key", test_key);
  g_test_add_func ("/core/proxy/pure/answers", test_answers);
  g_test_add_func ("/core/proxy/pure/normalize", test_normalize);
  g_test_add_func ("/core/proxy/pure/environment", test_environment);
  ADD ("/core/proxy/resolver/cached-per-host", test_through_resolver);
  ADD ("/core/proxy/override", test_override);
  ADD ("/core/proxy/resolver/off-the-loop", test_lookup_off_loop);
  ADD ("/core/proxy/auth-required", test_proxy_auth_required);
  ADD ("/core/proxy/login/tinyproxy", test_proxy_login_tinyproxy);

  return g_test_run ();
}
