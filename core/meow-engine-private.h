/* meow-engine-private.h: the engine's interfaces (meow-engine.c)
 *
 * Two audiences: the client (meow-client.c), which creates the engine and
 * posts it commands, and the transfer drivers (meow-download*.c,
 * meow-upload.c), which the engine runs on its worker thread. Each
 * function says its thread; the worker-only ones assert it.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <curl/curl.h>

#include "meow-client.h"
#include "meow-config-private.h"
#include "meow-http-private.h"
#include "meow-proxy-private.h"
#include "meow-task-private.h"

G_BEGIN_DECLS

typedef struct _MeowJob    MeowJob;
typedef struct _MeowEngine MeowEngine;

/* The client's side of the boundary (meow-client.c).
 *
 * The client keeps the task table and decides every API call from it; the
 * engine is told only what to do. Each call below but new, close and free
 * pushes one command onto the engine's queue and wakes the worker
 * (curl_multi_wakeup()); the worker takes them in order at the top of its
 * loop. The worker answers only with _meow_client_post_record() and
 * _meow_client_task_started() (meow-client-private.h). */

/* Copies @config, makes the multi handle and starts the worker thread
 * ("meow-worker"). @client is borrowed and outlives the engine. The
 * owner's thread, in meow_client_new(). */
MeowEngine *_meow_engine_new (MeowClient *client, const MeowConfig *config);
/* Queues @task (a ref is taken) at the back of its direction; Pending is
 * its first record. With @paused the job is made Paused instead (its first
 * record), does nothing until a resume queues it, and counts for the
 * duplicate checks all the same. Any thread. */
void _meow_engine_enqueue (MeowEngine *engine, MeowTask *task, gboolean paused);
/* How many enqueued tasks the worker has not taken yet (the client's
 * command_queue_capacity check; control commands are not counted). Any
 * thread. */
guint _meow_engine_get_pending_enqueues (MeowEngine *engine);
/* Stop a queued or running task, keeping its bytes; Paused follows. A task
 * unknown to the worker (finished meanwhile) is ignored. Any thread. */
void _meow_engine_pause (MeowEngine *engine, const char *task_id);
/* A paused task goes to the back of its queue; Pending follows. Any thread. */
void _meow_engine_resume (MeowEngine *engine, const char *task_id);
/* Stop a task and remove its partial state; Canceled follows. Any thread. */
void _meow_engine_cancel (MeowEngine *engine, const char *task_id);
/* A queued task goes to the front or the back of its direction's queue; a
 * task in any other state (running, waiting between attempts, paused,
 * unknown) is left alone. Any thread. */
void _meow_engine_move (MeowEngine *engine, const char *task_id, MeowQueuePosition position);
/* A queued task goes just before (or @after) @other_id in its direction's queue, or
 * to the front when @other_id is no longer queued there; a task not queued is left
 * alone. Any thread. */
void _meow_engine_move_beside (MeowEngine *engine,
                               const char *task_id,
                               const char *other_id,
                               gboolean    after);
/* A queued or waiting task starts at once, even when its direction's slots
 * are full (it runs one over the limit until it ends, waits or pauses; a
 * hold, the network's or a suspend, still holds it). Any thread. */
void _meow_engine_start_now (MeowEngine *engine, const char *task_id);
/* New global speed limits (bytes/s, 0 = none), shared by each direction's
 * running jobs. Any thread. */
void _meow_engine_set_speed_limits (MeowEngine *engine, guint64 download, guint64 upload);
/* New concurrency limits; nothing running is interrupted. Any thread. */
void _meow_engine_set_max_transfers (MeowEngine *engine, guint downloads, guint uploads);
/* The network state (MEOW_WAIT_NONE, NETWORK, PORTAL or METERED): while
 * not NONE no attempt starts and transport failures are not counted; a
 * METERED hold also stops the running transfers. Any thread. */
void _meow_engine_set_network_hold (MeowEngine *engine, MeowWaitReason hold);
/* Outside the queue's time window (@hold): no job starts but a Start Now
 * one, and running ones stop (bytes kept) and wait with
 * MEOW_WAIT_SCHEDULE, loopback ones too. Any thread. */
void _meow_engine_set_schedule_hold (MeowEngine *engine, gboolean hold);
/* Gives the job of @task's id @task (a ref is taken), whose URL changed:
 * a running transfer stops and starts again on it (bytes kept unless
 * @flags say MEOW_CHANGE_URL_RESTART); a queued, waiting or paused one
 * uses it when it starts. A task unknown to the worker (finished
 * meanwhile) is ignored. Any thread. */
void _meow_engine_change_url (MeowEngine *engine, MeowTask *task, MeowChangeUrlFlags flags);
/* Gives the job of @task's id @task (a ref is taken), whose login
 * changed: a running transfer stops (bytes kept) and starts again with
 * it; a queued, waiting or paused one uses it when it starts. A task
 * unknown to the worker is ignored. Any thread. */
void _meow_engine_set_credentials (MeowEngine *engine, MeowTask *task);
/* Gives the job of @task's id @task (a ref is taken), whose own speed
 * limit or connection count changed: nothing stops; a running transfer
 * takes the new limit and opens or parks connections at once. A task
 * unknown to the worker is ignored. Any thread. */
void _meow_engine_set_task_settings (MeowEngine *engine, MeowTask *task);
/* The system goes to sleep: every running transfer is stopped as by a
 * pause (the .part flushed and its control file written, uploads' requests
 * aborted; bytes kept) and waits with MEOW_WAIT_SUSPEND, nothing starts,
 * and @task (a ref is taken) returns TRUE once all of that is done, or
 * G_IO_ERROR_CANCELLED (nothing stopped) when its cancellable was
 * cancelled first. Any thread. */
void _meow_engine_sleep (MeowEngine *engine, GTask *task);
/* The system woke: whatever runs is stopped the same way (its connection
 * may have died during the sleep), the suspend ends, and every waiting
 * task tries within a second, on new connections (for a few seconds no
 * connection is reused). Any thread. */
void _meow_engine_wake (MeowEngine *engine);
/* Test hook: whether the network state holds loopback hosts too (by
 * default it does not: 127.0.0.1 and localhost need no network). Any
 * thread. */
void _meow_engine_set_hold_loopback (MeowEngine *engine, gboolean hold);
/* The proxy override (as _meow_proxy_normalize() gives it: "" for none), or
 * NULL for the system's; requests added from now on use it. Any thread. */
void _meow_engine_set_proxy (MeowEngine *engine, const char *proxy);
/* The engine's proxy state (meow-proxy-private.h), borrowed: it lives as
 * long as the engine. Any thread. */
MeowProxy *_meow_engine_get_proxy (MeowEngine *engine);
/* Test hook (_meow_client_set_proxy_resolver()): proxy lookups ask
 * @resolver. Any thread. */
void _meow_engine_set_proxy_resolver (MeowEngine *engine, GProxyResolver *resolver);
/* Test hook (_meow_client_set_worker_held()): while held, the worker takes
 * no command. Any thread. */
void _meow_engine_set_held (MeowEngine *engine, gboolean held);
/* Posts CLOSE (releasing a hold) and joins the worker, which first stops
 * every job (bytes kept), emits Paused for each one not paused yet and
 * gives detached requests up to two seconds. The caller must post no
 * command after it. Any thread but the worker's; the client's lock must
 * not be held (the worker takes it). */
void _meow_engine_close (MeowEngine *engine);
/* Frees a closed engine and any command left in its queue. Any thread. */
void _meow_engine_free (MeowEngine *engine);

/* The drivers' side: everything from here runs on the worker thread unless
 * a comment says otherwise. */

/* Why a driver is asked to stop a job. */
typedef enum
{
  MEOW_STOP_PAUSE,
  MEOW_STOP_CANCEL,
  MEOW_STOP_CLOSE,
} MeowStopReason;

/* Worker-side state of a job in the scheduler. WAITING: between attempts
 * (a retry's backoff, or held by the network state), without a slot: it is
 * in MeowEngine.waiting and goes back to the head of its queue when its
 * time comes (docs/engine.md). */
typedef enum
{
  MEOW_JOB_QUEUED,
  MEOW_JOB_ACTIVE,
  MEOW_JOB_PAUSED,
  MEOW_JOB_WAITING,
} MeowJobState;

/* A transfer driver: the engine calls these; the driver performs requests on
 * the shared multi handle and reports back with _meow_engine_emit() and
 * _meow_engine_finish(). */
typedef struct
{
  /* Start (or restart after resume) the job. The driver owns the job's easy
   * handle from here until stop/finish. */
  void (*start) (MeowJob *job);
  /* @easy, a handle the driver added (with CURLOPT_PRIVATE = the job),
   * finished with @result. */
  void (*done) (MeowJob *job, CURL *easy, CURLcode result);
  /* Periodic call; do timed work (retry timers, hashing). Returns the
   * monotonic time (µs) the driver next wants a tick, or G_MAXINT64. */
  gint64 (*tick) (MeowJob *job, gint64 now);
  /* Abort whatever is in flight at once; for CANCEL also remove partial
   * local state; the engine emits the record and frees the job after. */
  void (*stop) (MeowJob *job, MeowStopReason reason);
  /* Free driver data. */
  void (*free) (MeowJob *job);
  /* Apply a new receive/send speed limit (bytes/s, 0 = none). */
  void (*limit) (MeowJob *job, guint64 bytes_per_second);
  /* A job that waited for a retry (_meow_engine_wait()) has its slot back:
   * make every retry that is pending due now (the next tick sends it). */
  void (*wake) (MeowJob *job);
  /* job->task was replaced by one with another URL (meow_client_change_url();
   * a started job was stopped with MEOW_STOP_PAUSE first and is started
   * again if it runs). MEOW_CHANGE_URL_RESTART: the next start drops the
   * bytes held. NULL: the driver's tasks cannot change their URL. */
  void (*relink) (MeowJob *job, MeowChangeUrlFlags flags);
  /* job->task was replaced by one with another connection count
   * (meow_client_set_task_segments()); nothing was stopped: a running
   * transfer opens or parks connections to match. NULL: one connection. */
  void (*retune) (MeowJob *job);
  /* Appends the byte ranges of the job's file (MeowSegment) to @out for
   * its records; nothing when it has none now. NULL: none. */
  void (*segments) (MeowJob *job, GArray *out);
} MeowDriver;

struct _MeowJob
{
  MeowEngine       *engine;
  const MeowDriver *driver;
  MeowTask         *task;
  char             *id;
  MeowJobState      state;
  gboolean          dirty_for_progress;

  /* What records say; updated by the driver. */
  char             *name;
  char             *local_path;
  gint64            total; /* -1 unknown */
  guint64           transferred;
  MeowRestartReason restart_reason;
  gboolean          transmission_started; /* total known, Transmission may be reported */
  MeowPhase         phase;                /* hashing or transferring */
  guint64           hashed;               /* upload: source bytes hashed so far */
  guint64           reported_hashed;
  char             *upload_url; /* upload: the tus resource, once known */
  char             *identity;   /* upload: "URL\nMD5" once hashed, for duplicates */
  /* The status of the answer to the job's last request that ended (0: a
   * transport failure, or none yet), for the terminal record. */
  guint http_status;
  /* The request history (meow_transfer_record_get_requests()): each easy
   * handle in flight -> its OpenRequest (the URL, Range and the answers
   * seen so far), and the MeowRequestInfo that ended since the last record
   * (at most MEOW_RECORD_REQUESTS_MAX, the rest counted). */
  GHashTable       *open_requests;
  GPtrArray        *ended_requests;
  guint             dropped_requests;
  MeowRestartReason requests_restart; /* the restart the history has marked */
  char             *final_url;        /* redacted, the last answer's */

  /* Waiting (engine): why, until when (monotonic µs, G_MAXINT64 while the
   * network is held) and the failure's short text; restart_on_wake: it was
   * stopped (a metered hold), so it starts again rather than wakes. */
  MeowWaitReason wait_reason;
  gint64         wake_at;
  /* While the network holds a waiting job: the time and reason of the try it
   * had planned (a Retry-After, a backoff), which the network's return must
   * not bring forward; 0 when none. */
  gint64         due_at;
  MeowWaitReason due_reason;
  char          *wait_detail;
  gboolean       wait_resume;
  gboolean       restart_on_wake;
  /* Start Now (_meow_engine_start_now()): the job takes a slot whether or
   * not one is free, now and after each wait, until a pause. */
  gboolean start_now;
  /* The task's host is a loopback one (localhost, 127.0.0.0/8, ::1): the
   * network state does not hold it (a suspend does). */
  gboolean loopback;

  /* Progress sampling (engine). */
  gint64   sample_time;
  guint64  sample_bytes;
  double   speed;
  guint64  reported_bytes;
  gboolean reported_once;

  /* Paused for a login (_meow_engine_sign_in()): what the Paused records
   * say, until a resume. */
  GError *sign_in_error;
  char   *auth_scheme;
  char   *auth_realm;
  char   *auth_proxy; /* a proxy's 407: the proxy, without userinfo */
  /* The server answered a request of this job after a challenge that named
   * Basic alone (_meow_engine_learn_login()): later requests send the login
   * up front rather than each going out once without it for a 401. */
  gboolean login_basic;

  gpointer driver_data;
};

/* Engine services for drivers (worker thread; the ones that look at other
 * jobs or change the engine's state assert it). */
CURLM             *_meow_engine_get_multi (MeowEngine *engine);
const MeowConfig  *_meow_engine_get_config (MeowEngine *engine);
CURLSH            *_meow_engine_get_share (MeowEngine *engine);
struct curl_slist *_meow_engine_add_task_headers (CURL              *easy,
                                                  struct curl_slist *list,
                                                  const char        *url,
                                                  const char *const *headers);
/* TRUE when @path is the target of another live job of this engine (its
 * output file or its local path). */
gboolean _meow_engine_target_claimed (MeowEngine *engine, MeowJob *job, const char *path);
/* Sets @job's local path (copied), which then counts as claimed. */
void _meow_engine_set_local_path (MeowJob *job, const char *path);
/* Calls @func for every live job of this engine but @except (in no
 * particular order); @func must not finish or free jobs. */
void _meow_engine_foreach_job (MeowEngine *engine,
                               MeowJob    *except,
                               void (*func) (MeowJob *job, gpointer data),
                               gpointer data);
/* TRUE when another live job of this engine has the upload @identity. */
gboolean _meow_engine_identity_claimed (MeowEngine *engine, MeowJob *job, const char *identity);
/* Hands @easy (not yet added to the multi) to the engine as a request that
 * belongs to no job, e.g. a tus termination after cancel: the engine adds
 * it, frees @easy and @headers when it ends, and gives such requests up to
 * two seconds at close. @easy's CURLOPT_PRIVATE must not be set. */
void _meow_engine_send_detached (MeowEngine *engine, CURL *easy, struct curl_slist *headers);
/* A debug line about @job (printf-style) through the engine's one log
 * path, meow-log-private.h's _meow_log_line(): redacted with the job's
 * task, to GLib's log and the client's listener with the job's id.
 * Drivers use the _meow_job_debug() macro. Worker thread. */
void _meow_engine_job_log (MeowJob *job, GLogLevelFlags level, const char *format, ...)
    G_GNUC_PRINTF (3, 4);
/* The same for a line about no job: to the client of the worker that
 * calls it (none on any other thread: GLib's log only). Any thread. */
void _meow_engine_log (GLogLevelFlags level, const char *format, ...) G_GNUC_PRINTF (2, 3);
/* Report a Transmission record now (e.g. the total just became known). */
void _meow_engine_report_progress (MeowJob *job);
/* The server asked for a login (a 401), or with @proxy (non-NULL) that
 * proxy did (a 407): the driver's in-flight work is stopped as for a pause
 * (bytes kept), and the job is paused with a record that carries @error
 * (MEOW_ERROR_AUTH_REQUIRED or MEOW_ERROR_PROXY_AUTH_REQUIRED, transfer
 * full), MEOW_WAIT_SIGN_IN or MEOW_WAIT_PROXY_SIGN_IN and @scheme, @realm
 * and @proxy (transfer full, nullable). It starts again only on a resume,
 * after meow_client_set_credentials() or _set_proxy_credentials():
 * nothing retries by itself, so a refused login asks again rather than
 * loop. */
void _meow_engine_sign_in (MeowJob *job, GError *error, char *scheme, char *realm, char *proxy);
/* Terminal: Complete (with @payload), Failed (@error, transfer full). The
 * job is removed and freed; do not touch it afterwards. */
void _meow_engine_finish (MeowJob *job, MeowStatus status, GError *error, const char *payload);
/* Wake the worker loop so it recomputes timers (worker thread or any). */
void _meow_engine_wakeup (MeowEngine *engine);
/* Every request goes to the multi handle through these two, never with
 * curl_multi_add_handle() itself: @easy (for @url) gets its proxy first,
 * which may mean waiting for a lookup off the worker (meow-proxy.c). A
 * handle added is "in flight" for its driver either way, and comes back
 * through driver->done(); remove it with _meow_engine_remove_handle(). */
void _meow_engine_add_handle (MeowEngine *engine, CURL *easy, const char *url);
/* _meow_engine_add_handle() for a request with a Range header (@range, its
 * value, for the request history; nullable). */
void
_meow_engine_add_ranged_handle (MeowEngine *engine, CURL *easy, const char *url, const char *range);
/* A driver's header callback saw the whole head of one of @easy's answers
 * (a redirect libcurl follows, or the last): the history keeps its status,
 * validators and Location. Worker thread. */
void _meow_engine_note_answer (MeowEngine *engine, CURL *easy, const MeowHttpHead *head);
/* A driver's body callback ends @easy on purpose: it has all the bytes it
 * wanted (a split stream reached the next range). libcurl then reports a
 * write error, but the history ends the request as done. Worker thread. */
void _meow_engine_note_cut (MeowEngine *engine, CURL *easy);
void _meow_engine_remove_handle (MeowEngine *engine, CURL *easy);
/* The proxy (without userinfo) requests for @url go through, or NULL for
 * none, for messages. (transfer full) */
char *_meow_engine_dup_proxy_for_url (MeowEngine *engine, const char *url);

/* The driver's job has nothing in flight and waits for its next attempt at
 * @wake_at (monotonic µs) because of @reason (@detail: the failure's short
 * text, or NULL). A wait of a second or more, or any wait while the
 * network is held, gives the job's slot to a queued task: the job goes to
 * MEOW_JOB_WAITING (a Pending record says why and until when) and later
 * back to the head of its queue; with its slot again, driver->wake() runs.
 * Shorter waits keep the slot (the driver's own timer). */
void _meow_engine_wait (MeowJob *job, gint64 wake_at, MeowWaitReason reason, const char *detail);
/* What holds @job now: MEOW_WAIT_SUSPEND while the client sleeps, else the
 * network state (MEOW_WAIT_NONE: nothing), which a loopback host ignores. */
MeowWaitReason _meow_engine_get_job_hold (MeowJob *job);
/* TRUE for a few seconds after a wake: new requests open new connections
 * (CURLOPT_FRESH_CONNECT), since those kept from before the sleep may be
 * dead without saying so. */
gboolean _meow_engine_fresh_connect (MeowEngine *engine);

/* Shared request plumbing (meow-engine-common.c). */

/* What a failed request was, for the retry rules. */
typedef enum
{
  MEOW_FAILURE_NONE,      /* no failure: an answer for the verdict (1xx-3xx) */
  MEOW_FAILURE_TRANSPORT, /* the network failed: refused, reset, DNS, TLS handshake, stall */
  MEOW_FAILURE_SERVER,    /* the server's answer worth another try: 408, 429, 5xx, not HTTP */
  MEOW_FAILURE_FATAL,     /* another try cannot help: other 4xx, bad URL, certificate */
} MeowFailureKind;

/* The one classification of a request's end: libcurl's @result, or when it
 * is CURLE_OK the answer's @status. Pure; table-tested in test-faults. */
MeowFailureKind _meow_failure_classify (CURLcode result, long status);

/* A stream's or upload's failures in a row: all of them (the backoff's
 * exponent, the attempts in a give-up message) and those counted against
 * the retries (all but transport failures under
 * MEOW_RETRY_POLICY_UNLIMITED_TRANSPORT). Progress resets both. */
typedef struct
{
  guint failures;
  guint counted;
  guint host_not_found; /* host names not found in a row, with the network up */
} MeowRetries;

/* After a failure of @kind (TRANSPORT or SERVER; @result: libcurl's, or
 * CURLE_OK for an answer): the wait in µs before the next attempt, or -1
 * when the retries (@max) are used up. Sets *@reason. A transport failure
 * while the network is held is not counted (the job waits for the
 * network). A host name not found while the network is up waits with
 * MEOW_WAIT_HOST_NOT_FOUND and gives up at the MEOW_HOST_NOT_FOUND_TRIES-th
 * in a row, about the config's host-not-found window after the first, even
 * under the unlimited policy. @retry_after: the answer's header or NULL. */
gint64 _meow_engine_retry_next (MeowJob        *job,
                                MeowRetries    *retries,
                                MeowFailureKind kind,
                                CURLcode        result,
                                guint           max,
                                const char     *retry_after,
                                MeowWaitReason *reason);
/* A proxy's 407 for @easy (a request for @url): the error the task pauses
 * with ("The proxy … requires a login …", MEOW_ERROR_PROXY_AUTH_REQUIRED;
 * _meow_engine_sign_in() with *@proxy), or NULL when the request got no
 * 407. Retrying cannot help until a login is given. *@scheme and *@realm:
 * what the proxy's Proxy-Authenticate asked for, *@proxy: the proxy's URL
 * without userinfo (transfer full, NULL when unknown). (transfer full) */
GError *_meow_engine_proxy_auth_error (MeowEngine *engine,
                                       CURL       *easy,
                                       const char *url,
                                       const char *redacted_url,
                                       char      **scheme,
                                       char      **realm,
                                       char      **proxy);
/* Gives @easy @job's task's login (meow_task_builder_set_credentials(),
 * else its netrc file's), if it has one: for any scheme the server asks
 * for, or Basic up front once the job has learnt that the server asks for
 * Basic alone. */
void _meow_engine_set_login (CURL *easy, const MeowJob *job);
/* After a request of @job on @easy ended with HTTP @status: when the task
 * has a login, the answer is not a 401 and the challenge libcurl answered
 * named Basic alone, marks the job so that _meow_engine_set_login() sends
 * the login up front from now on (no body sent twice, one round trip
 * less per request). */
void _meow_engine_learn_login (MeowJob *job, CURL *easy, long status);
/* A 401 for @task: the MEOW_ERROR_AUTH_REQUIRED error it pauses with
 * (a login asked for, or the one given refused), and from @challenge (the
 * answer's WWW-Authenticate, or NULL) the *@scheme and *@realm asked for
 * (transfer full, NULL when unknown). The message names the user, never
 * the password. (transfer full) */
GError *_meow_engine_auth_error (const MeowTask *task,
                                 const char     *redacted_url,
                                 const char     *challenge,
                                 char          **scheme,
                                 char          **realm);
/* The short text of a failure for a waiting record ("Couldn't connect to
 * server", "HTTP 503"): libcurl's words, translated for the common network
 * failures. Returns: (transfer full). */
char *_meow_failure_detail (CURLcode result, long status);
/* A new easy handle for @url with the options every request shares
 * (protocols, timeouts, user agent, CA file, NOSIGNAL); @error_buffer, if
 * given, is CURL_ERROR_SIZE bytes that outlive the handle. */
CURL *_meow_engine_new_easy (MeowEngine *engine, const char *url, char *error_buffer);
/* Done with @easy (out of the multi handle; nullable): it is reset, its
 * cookies erased, and kept for _meow_engine_new_easy() (a handle made anew
 * for each request was a tenth of the instructions of a small file), or
 * freed when enough are kept. Worker thread. */
void _meow_engine_free_easy (MeowEngine *engine, CURL *easy);
/* A handle _meow_engine_free_easy() kept (reset: no option set), or NULL.
 * Worker thread. */
CURL *_meow_engine_take_spare_easy (MeowEngine *engine);
/* A transport failure's backoff: base × 2ⁿ capped at
 * MEOW_TRANSPORT_MAX_DELAY_MS, with full jitter (uniform from 0). */
#define MEOW_TRANSPORT_MAX_DELAY_MS 60000
gint64 _meow_engine_transport_backoff_us (MeowEngine *engine, guint failures);
/* Exponential backoff with ±20 % jitter for the @failures-th failure. */
gint64 _meow_engine_backoff_us (MeowEngine *engine, guint failures);
/* The wait before retrying after the @failures-th failure: the backoff,
 * and at least what @retry_after (the answer's Retry-After, or NULL) asks. */
gint64 _meow_engine_retry_delay_us (MeowEngine *engine, guint failures, const char *retry_after);
/* The retries are used up after @failures attempts: a transport *@error
 * says how many there were ("Gave up after 4 attempts: …"). */
void     _meow_engine_give_up (GError **error, guint failures);
gboolean _meow_engine_status_retryable (long status);
/* libcurl's @result as a MEOW_ERROR (TLS, redirects, stall, transport) for a
 * transfer in @direction ("Cannot download URL", "Cannot upload to URL"). */
GError *_meow_engine_transport_error (MeowEngine   *engine,
                                      MeowDirection direction,
                                      const char   *redacted_url,
                                      CURLcode      result,
                                      const char   *error_buffer);
/* The retries of @job's attempts (the task's, else the client's) and its
 * policy. */
guint           _meow_engine_max_retries (MeowJob *job);
MeowRetryPolicy _meow_engine_retry_policy (MeowJob *job);

extern const MeowDriver _meow_download_driver;
extern const MeowDriver _meow_upload_driver;

G_END_DECLS
