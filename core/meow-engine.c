/* meow-engine.c: the worker thread: its loop, commands and scheduler
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The engine is the worker's half of a MeowClient (see docs/engine.md):
 * one thread driving the curl multi handle, the command queue's consumer
 * side, the per-direction FIFO queues and concurrency limits, the running
 * job list, the download-target claims and the record sampling. The
 * client (meow-client.c) posts commands with the _meow_engine_*() calls of
 * meow-engine-private.h's client section; the worker answers only with
 * _meow_client_post_record() and _meow_client_task_started().
 */
#include "config.h"

#include "meow-client-private.h"
#include "meow-engine-private.h"
#include "meow-error.h"
#include "meow-http-private.h"
#include "meow-i18n-private.h"
#include "meow-log-private.h"
#include "meow-proxy-private.h"
#include "meow-transfer-record-private.h"

typedef enum
{
  CMD_ENQUEUE,
  CMD_PAUSE,
  CMD_RESUME,
  CMD_CANCEL,
  CMD_MOVE,
  CMD_START_NOW,
  CMD_MOVE_BESIDE,
  CMD_SPEED_LIMITS,
  CMD_MAX_TRANSFERS,
  CMD_NETWORK,
  CMD_CHANGE_URL,
  CMD_CREDENTIALS,
  CMD_TASK_SETTINGS,
  CMD_SLEEP,
  CMD_WAKE,
  CMD_HOLD_LOOPBACK,
  CMD_SCHEDULE,
  CMD_CLOSE,
} CommandKind;

typedef struct
{
  CommandKind kind;
  char       *id;
  char       *other_id; /* MOVE_BESIDE: the task it goes next to */
  MeowTask   *task;
  guint64     value[2]; /* by MeowDirection: bytes/s (SPEED_LIMITS), transfers (MAX_TRANSFERS);
                           [0]: the MeowWaitReason (NETWORK), the MeowChangeUrlFlags
                           (CHANGE_URL), the flag (HOLD_LOOPBACK), the
                           MeowQueuePosition (MOVE), paused (ENQUEUE), 1 for after
                           (MOVE_BESIDE) */
  GTask *async;         /* SLEEP: returned once every transfer is safe */
} Command;

struct _MeowEngine
{
  MeowClient  *client; /* borrowed: records go back to it */
  MeowConfig  *config; /* the worker's copy: MAX_TRANSFERS changes max_downloads/max_uploads */
  CURLM       *multi;
  CURLSH      *share;  /* TLS sessions and DNS answers, shared by every easy handle */
  MeowProxy   *proxy;  /* each request's proxy; its lookups run off the worker */
  GThread     *thread; /* the worker, until _meow_engine_close() joins it */
  GAsyncQueue *commands;
  gint         pending_enqueues; /* atomic: ENQUEUE commands not taken yet */
  gint         held;             /* atomic: test hook, take no command */

  /* Worker thread only from here on. */
  GHashTable *jobs;     /* id -> MeowJob, owned */
  GQueue      queue[2]; /* indexed by MeowDirection: queued jobs */
  /* How many of each queue's jobs are Start Now ones, so that schedule()
   * looks for them only when there are any (queue_push(), queue_unlink()). */
  guint start_now_queued[2];
  guint running[2];
  /* The jobs in MEOW_JOB_ACTIVE (borrowed, any order), so that the loop's
   * per-turn work (ticks, progress, limits) does not walk every queued
   * job: bench/many queues 1,000 and the app may hold 10,000. */
  GPtrArray *active;
  /* Download targets taken by live jobs: path -> count of the jobs' output
   * files and local paths (_meow_engine_target_claimed), kept by
   * claim()/unclaim(). */
  GHashTable *claims;
  guint64     limit[2]; /* global speed limits */
  gint64      next_progress;
  GHashTable *detached;     /* CURL * -> struct curl_slist * (or NULL): requests of no job */
  GPtrArray  *spare_easies; /* reset easy handles for the next requests (worker) */
  /* Jobs in MEOW_JOB_WAITING (borrowed, any order): between attempts,
   * without a slot, until their wake_at. */
  GPtrArray *waiting;
  /* The network state (CMD_NETWORK): while not NONE no attempt starts and
   * transport failures are not counted, but for loopback hosts (unless
   * hold_loopback, a test hook). */
  MeowWaitReason network;
  gboolean       hold_loopback;
  guint          loopback_jobs; /* live jobs with a loopback host */
  /* Between CMD_SLEEP and CMD_WAKE: every job is held (MEOW_WAIT_SUSPEND). */
  gboolean suspended;
  /* CMD_SCHEDULE: outside the queue's time window every job but a Start
   * Now one is held (MEOW_WAIT_SCHEDULE), loopback ones too. */
  gboolean scheduled;
  /* Until then (monotonic µs) new requests open new connections. */
  gint64 fresh_until;
};

/* A wait for the next attempt at least this long gives the slot away;
 * shorter ones (the first backoffs of a blip) keep it, so a task hit by a
 * 200 ms glitch does not queue behind the task that took its slot. */
#define YIELD_AFTER_US (1 * G_USEC_PER_SEC)
/* When the network returns, the waiting tasks try within this window. */
#define NETWORK_RETURN_JITTER_US (1 * G_USEC_PER_SEC)
/* After a wake, no connection kept from before is reused for this long
 * (the waiting tasks' first tries fall within it). */
#define WAKE_FRESH_CONNECT_US (5 * G_USEC_PER_SEC)

/* The engine whose worker is the calling thread, NULL on any other: the
 * thread rules are asserted at the boundary against it, as libsoup's
 * soup-session.c asserts its context. */
static GPrivate worker_engine;

#define assert_worker(engine) g_assert (g_private_get (&worker_engine) == (engine))

static gpointer worker_main (gpointer data);
static void     log_request (MeowJob *job, const char *url);

/* ------------------------------------------------------------------ */
/* Client side: commands in (any thread)                               */

static void
command_free (Command *cmd)
{
  /* A SLEEP the worker never took (it closed first). */
  if (cmd->async != NULL)
    {
      g_task_return_new_error (cmd->async, MEOW_ERROR, MEOW_ERROR_CLIENT_CLOSED,
                               "The client was closed.");
      g_clear_object (&cmd->async);
    }
  g_free (cmd->id);
  g_free (cmd->other_id);
  g_clear_pointer (&cmd->task, meow_task_unref);
  g_free (cmd);
}

static void
push_command (MeowEngine *engine, Command *cmd)
{
  g_async_queue_push (engine->commands, cmd);
  curl_multi_wakeup (engine->multi);
}

static void
push_task_command (MeowEngine *engine, CommandKind kind, const char *task_id)
{
  Command *cmd = g_new0 (Command, 1);

  cmd->kind = kind;
  cmd->id = g_strdup (task_id);
  push_command (engine, cmd);
}

static void
push_values_command (MeowEngine *engine, CommandKind kind, guint64 download, guint64 upload)
{
  Command *cmd = g_new0 (Command, 1);

  cmd->kind = kind;
  cmd->value[MEOW_DIRECTION_DOWNLOAD] = download;
  cmd->value[MEOW_DIRECTION_UPLOAD] = upload;
  push_command (engine, cmd);
}

MeowEngine *
_meow_engine_new (MeowClient *client, const MeowConfig *config)
{
  MeowEngine *engine = g_new0 (MeowEngine, 1);

  engine->client = client;
  engine->config = meow_config_copy (config);
  engine->multi = curl_multi_init ();
  /* A new connection to a host seen before resumes its TLS session (one
   * round trip less). Only the worker thread uses the handles: no locks. */
  engine->share = curl_share_init ();
  curl_share_setopt (engine->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
  curl_share_setopt (engine->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
  engine->proxy = _meow_proxy_new (engine->multi);
  engine->commands = g_async_queue_new ();
  engine->jobs = g_hash_table_new (g_str_hash, g_str_equal);
  engine->active = g_ptr_array_new ();
  engine->claims = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  engine->detached = g_hash_table_new (NULL, NULL);
  engine->spare_easies = g_ptr_array_new_with_free_func ((GDestroyNotify) curl_easy_cleanup);
  engine->waiting = g_ptr_array_new ();
  g_queue_init (&engine->queue[0]);
  g_queue_init (&engine->queue[1]);
  engine->limit[MEOW_DIRECTION_DOWNLOAD] = config->download_limit;
  engine->limit[MEOW_DIRECTION_UPLOAD] = config->upload_limit;

  engine->thread = g_thread_new ("meow-worker", worker_main, engine);

  return engine;
}

void
_meow_engine_enqueue (MeowEngine *engine, MeowTask *task, gboolean paused)
{
  Command *cmd = g_new0 (Command, 1);

  cmd->kind = CMD_ENQUEUE;
  cmd->value[0] = paused;
  cmd->id = g_strdup (task->id);
  cmd->task = meow_task_ref (task);
  g_atomic_int_inc (&engine->pending_enqueues);
  push_command (engine, cmd);
}

guint
_meow_engine_get_pending_enqueues (MeowEngine *engine)
{
  return (guint) g_atomic_int_get (&engine->pending_enqueues);
}

void
_meow_engine_pause (MeowEngine *engine, const char *task_id)
{
  push_task_command (engine, CMD_PAUSE, task_id);
}

void
_meow_engine_resume (MeowEngine *engine, const char *task_id)
{
  push_task_command (engine, CMD_RESUME, task_id);
}

void
_meow_engine_cancel (MeowEngine *engine, const char *task_id)
{
  push_task_command (engine, CMD_CANCEL, task_id);
}

void
_meow_engine_move (MeowEngine *engine, const char *task_id, MeowQueuePosition position)
{
  Command *cmd = g_new0 (Command, 1);

  cmd->kind = CMD_MOVE;
  cmd->id = g_strdup (task_id);
  cmd->value[0] = (guint64) position;
  push_command (engine, cmd);
}

void
_meow_engine_move_beside (MeowEngine *engine,
                          const char *task_id,
                          const char *other_id,
                          gboolean    after)
{
  Command *cmd = g_new0 (Command, 1);

  cmd->kind = CMD_MOVE_BESIDE;
  cmd->id = g_strdup (task_id);
  cmd->other_id = g_strdup (other_id);
  cmd->value[0] = after ? 1 : 0;
  push_command (engine, cmd);
}

void
_meow_engine_start_now (MeowEngine *engine, const char *task_id)
{
  push_task_command (engine, CMD_START_NOW, task_id);
}

void
_meow_engine_set_speed_limits (MeowEngine *engine, guint64 download, guint64 upload)
{
  push_values_command (engine, CMD_SPEED_LIMITS, download, upload);
}

void
_meow_engine_set_max_transfers (MeowEngine *engine, guint downloads, guint uploads)
{
  push_values_command (engine, CMD_MAX_TRANSFERS, downloads, uploads);
}

void
_meow_engine_set_network_hold (MeowEngine *engine, MeowWaitReason hold)
{
  Command *cmd = g_new0 (Command, 1);

  cmd->kind = CMD_NETWORK;
  cmd->value[0] = (guint64) hold;
  push_command (engine, cmd);
}

void
_meow_engine_change_url (MeowEngine *engine, MeowTask *task, MeowChangeUrlFlags flags)
{
  Command *cmd = g_new0 (Command, 1);

  cmd->kind = CMD_CHANGE_URL;
  cmd->id = g_strdup (task->id);
  cmd->task = meow_task_ref (task);
  cmd->value[0] = flags;
  push_command (engine, cmd);
}

void
_meow_engine_set_credentials (MeowEngine *engine, MeowTask *task)
{
  Command *cmd = g_new0 (Command, 1);

  cmd->kind = CMD_CREDENTIALS;
  cmd->id = g_strdup (task->id);
  cmd->task = meow_task_ref (task);
  push_command (engine, cmd);
}

void
_meow_engine_set_task_settings (MeowEngine *engine, MeowTask *task)
{
  Command *cmd = g_new0 (Command, 1);

  cmd->kind = CMD_TASK_SETTINGS;
  cmd->id = g_strdup (task->id);
  cmd->task = meow_task_ref (task);
  push_command (engine, cmd);
}

void
_meow_engine_sleep (MeowEngine *engine, GTask *task)
{
  Command *cmd = g_new0 (Command, 1);

  cmd->kind = CMD_SLEEP;
  cmd->async = g_object_ref (task);
  push_command (engine, cmd);
}

void
_meow_engine_wake (MeowEngine *engine)
{
  Command *cmd = g_new0 (Command, 1);

  cmd->kind = CMD_WAKE;
  push_command (engine, cmd);
}

void
_meow_engine_set_schedule_hold (MeowEngine *engine, gboolean hold)
{
  Command *cmd = g_new0 (Command, 1);

  cmd->kind = CMD_SCHEDULE;
  cmd->value[0] = hold ? 1 : 0;
  push_command (engine, cmd);
}

void
_meow_engine_set_hold_loopback (MeowEngine *engine, gboolean hold)
{
  Command *cmd = g_new0 (Command, 1);

  cmd->kind = CMD_HOLD_LOOPBACK;
  cmd->value[0] = hold ? 1 : 0;
  push_command (engine, cmd);
}

void
_meow_engine_set_proxy (MeowEngine *engine, const char *proxy)
{
  _meow_proxy_set_override (engine->proxy, proxy);
  curl_multi_wakeup (engine->multi);
}

MeowProxy *
_meow_engine_get_proxy (MeowEngine *engine)
{
  return engine->proxy;
}

void
_meow_engine_set_proxy_resolver (MeowEngine *engine, GProxyResolver *resolver)
{
  _meow_proxy_set_resolver (engine->proxy, resolver);
}

void
_meow_engine_set_held (MeowEngine *engine, gboolean held)
{
  g_atomic_int_set (&engine->held, held);
  curl_multi_wakeup (engine->multi);
}

void
_meow_engine_close (MeowEngine *engine)
{
  Command *cmd;

  g_assert (g_private_get (&worker_engine) != engine);
  g_return_if_fail (engine->thread != NULL);

  g_atomic_int_set (&engine->held, FALSE);
  cmd = g_new0 (Command, 1);
  cmd->kind = CMD_CLOSE;
  push_command (engine, cmd);
  g_thread_join (g_steal_pointer (&engine->thread));
}

void
_meow_engine_free (MeowEngine *engine)
{
  Command *cmd;

  g_return_if_fail (engine->thread == NULL);

  while ((cmd = g_async_queue_try_pop (engine->commands)) != NULL)
    command_free (cmd);
  g_async_queue_unref (engine->commands);
  _meow_proxy_close (engine->proxy);
  g_clear_pointer (&engine->proxy, _meow_proxy_unref);
  /* Before the share: a reset handle still holds it. */
  g_ptr_array_unref (engine->spare_easies);
  curl_multi_cleanup (engine->multi);
  curl_share_cleanup (engine->share);
  g_hash_table_unref (engine->detached);
  g_ptr_array_unref (engine->waiting);
  g_hash_table_unref (engine->jobs);
  g_ptr_array_unref (engine->active);
  g_hash_table_unref (engine->claims);
  meow_config_free (engine->config);
  g_free (engine);
}

/* ------------------------------------------------------------------ */
/* Driver services (worker thread)                                     */

CURLM *
_meow_engine_get_multi (MeowEngine *engine)
{
  return engine->multi;
}

CURLSH *
_meow_engine_get_share (MeowEngine *engine)
{
  return engine->share;
}

/* At most this many reset handles wait for the next requests. */
#define SPARE_EASIES_MAX 16

CURL *
_meow_engine_take_spare_easy (MeowEngine *engine)
{
  assert_worker (engine);
  if (engine->spare_easies->len == 0)
    return NULL;
  return g_ptr_array_steal_index_fast (engine->spare_easies, engine->spare_easies->len - 1);
}

void
_meow_engine_free_easy (MeowEngine *engine, CURL *easy)
{
  if (easy == NULL)
    return;
  assert_worker (engine);
  /* Before libcurl 7.77 nothing frees a handle's list of cookie files
   * short of curl_easy_cleanup(): no reuse there. */
  if (engine->spare_easies->len >= SPARE_EASIES_MAX || LIBCURL_VERSION_NUM < 0x074d00)
    {
      curl_easy_cleanup (easy);
      return;
    }
  /* curl_easy_reset() keeps the cookies and the list of cookie files
   * (its memset drops that list's head, leaking it): a task's cookies
   * (and those its server set) must never reach another task's requests.
   * A NULL file erases both and turns the cookie engine off (libcurl
   * 7.77); _meow_engine_add_task_headers() turns it on again. */
  curl_easy_setopt (easy, CURLOPT_COOKIEFILE, NULL);
  curl_easy_reset (easy);
  g_ptr_array_add (engine->spare_easies, easy);
}

const MeowConfig *
_meow_engine_get_config (MeowEngine *engine)
{
  return engine->config;
}

/* ------------------------------------------------------------------ */
/* The request history (meow_transfer_record_get_requests())           */

/* One easy handle in flight: what it asked for and the answers libcurl
 * followed so far (MeowRequestInfo, not shared yet). */
typedef struct
{
  char      *url;   /* as asked, not redacted */
  char      *range; /* nullable */
  GPtrArray *answers;
  gboolean   cut; /* the driver ended it, having what it wanted */
} OpenRequest;

static void
open_request_free (gpointer data)
{
  OpenRequest *open = data;

  g_free (open->url);
  g_free (open->range);
  g_ptr_array_unref (open->answers);
  g_free (open);
}

/* Keeps @info (transfer full) for the next record, the newest
 * MEOW_RECORD_REQUESTS_MAX of them. */
static void
history_push (MeowJob *job, MeowRequestInfo *info)
{
  if (job->ended_requests == NULL)
    job->ended_requests = g_ptr_array_new_with_free_func ((GDestroyNotify) meow_request_info_unref);
  if (job->ended_requests->len >= MEOW_RECORD_REQUESTS_MAX)
    {
      g_ptr_array_remove_index (job->ended_requests, 0);
      job->dropped_requests++;
    }
  g_ptr_array_add (job->ended_requests, info);
}

static MeowRequestInfo *
history_info (MeowJob *job, const char *url, const char *range, guint status)
{
  MeowRequestInfo *info = _meow_request_info_new ();

  info->url = _meow_log_redact (url ? url : "", job->task);
  info->range = g_strdup (range);
  info->http_status = status;
  return info;
}

/* A Location resolved against @base, redacted; NULL for none. */
static char *
history_location (MeowJob *job, const char *base, const char *location)
{
  g_autofree char *resolved = NULL;

  if (location == NULL || *location == '\0')
    return NULL;
  resolved = g_uri_resolve_relative (base, location, G_URI_FLAGS_NONE, NULL);
  return _meow_log_redact (resolved ? resolved : location, job->task);
}

/* The job of @easy, when a job's driver made it. */
static MeowJob *
easy_job (CURL *easy)
{
  char *priv = NULL;

  curl_easy_getinfo (easy, CURLINFO_PRIVATE, &priv);
  return (MeowJob *) priv;
}

static void
history_open (MeowJob *job, CURL *easy, const char *url, const char *range)
{
  OpenRequest *open = g_new0 (OpenRequest, 1);

  open->url = g_strdup (url);
  open->range = g_strdup (range);
  open->answers = g_ptr_array_new_with_free_func ((GDestroyNotify) meow_request_info_unref);
  if (job->open_requests == NULL)
    job->open_requests = g_hash_table_new_full (NULL, NULL, NULL, open_request_free);
  g_hash_table_replace (job->open_requests, easy, open);
}

void
_meow_engine_note_answer (MeowEngine *engine, CURL *easy, const MeowHttpHead *head)
{
  MeowJob         *job = easy_job (easy);
  OpenRequest     *open;
  MeowRequestInfo *info;
  const char      *url;

  assert_worker (engine);
  if (job == NULL || job->open_requests == NULL || head->status < 200 || head->status >= 1000)
    return; /* 1xx: an interim answer, not the request's */
  open = g_hash_table_lookup (job->open_requests, easy);
  if (open == NULL)
    return;
  /* Each answer libcurl followed was to the previous one's Location. */
  url = open->answers->len == 0
            ? open->url
            : ((MeowRequestInfo *) g_ptr_array_index (open->answers, open->answers->len - 1))
                  ->location;
  /* (A redacted URL redacts to itself.) */
  info = history_info (job, url, open->range, (guint) head->status);
  info->etag = g_strdup (_meow_http_head_get (head, "etag"));
  info->last_modified = g_strdup (_meow_http_head_get (head, "last-modified"));
  info->location = history_location (job, url, _meow_http_head_get (head, "location"));
  g_ptr_array_add (open->answers, info);
}

void
_meow_engine_note_cut (MeowEngine *engine, CURL *easy)
{
  MeowJob     *job = easy_job (easy);
  OpenRequest *open;

  assert_worker (engine);
  if (job == NULL || job->open_requests == NULL)
    return;
  open = g_hash_table_lookup (job->open_requests, easy);
  if (open != NULL)
    open->cut = TRUE;
}

/* @easy ended (@result) or was taken away (@stopped): its answers join the
 * history, each with its method; the last one's end is settled by the next
 * record (make_record()) when it failed. */
static void
history_close (MeowJob *job, CURL *easy, CURLcode result, guint status, gboolean stopped)
{
  OpenRequest *open;
  char        *method = NULL;
  char        *effective = NULL;

  if (job->open_requests == NULL)
    return;
  open = g_hash_table_lookup (job->open_requests, easy);
  if (open == NULL)
    return;
  /* A cut is the driver's write error, not the request's. */
  if (open->cut && result == CURLE_WRITE_ERROR)
    result = CURLE_OK;
  curl_easy_getinfo (easy, CURLINFO_EFFECTIVE_METHOD, &method);
  curl_easy_getinfo (easy, CURLINFO_EFFECTIVE_URL, &effective);
  /* No head seen (an upload, a transport failure): the one answer is
   * libcurl's, its fields from its header store. */
  if (open->answers->len == 0 || (status != 0 && ((MeowRequestInfo *) g_ptr_array_index (
                                                      open->answers, open->answers->len - 1))
                                                         ->http_status != status))
    {
      MeowRequestInfo *info =
          history_info (job, effective ? effective : open->url, open->range, status);
      struct curl_header *header = NULL;

      if (status != 0)
        {
          if (curl_easy_header (easy, "ETag", 0, CURLH_HEADER, -1, &header) == CURLHE_OK)
            info->etag = g_strdup (header->value);
          if (curl_easy_header (easy, "Last-Modified", 0, CURLH_HEADER, -1, &header) == CURLHE_OK)
            info->last_modified = g_strdup (header->value);
          if (curl_easy_header (easy, "Location", 0, CURLH_HEADER, -1, &header) == CURLHE_OK)
            info->location =
                history_location (job, effective ? effective : open->url, header->value);
        }
      g_ptr_array_add (open->answers, info);
    }
  if (status != 0 && effective != NULL)
    {
      MeowRequestInfo *only = open->answers->len == 1 ? g_ptr_array_index (open->answers, 0) : NULL;

      g_free (job->final_url);
      /* Not redirected: the one answer's URL is the request's, redacted
       * already. */
      if (only != NULL && g_strcmp0 (effective, open->url) == 0)
        job->final_url = g_strdup (only->url);
      else
        job->final_url = _meow_log_redact (effective, job->task);
    }
  for (guint i = 0; i < open->answers->len; i++)
    {
      MeowRequestInfo *info = g_ptr_array_index (open->answers, i);
      gboolean         last = i + 1 == open->answers->len;

      info->method = g_strdup (method ? method : "GET");
      if (last && stopped)
        info->end = MEOW_REQUEST_END_STOPPED;
      else if (last && (result != CURLE_OK || status == 0 || status >= 400))
        info->failed = TRUE;
      history_push (job, meow_request_info_ref (info));
    }
  g_hash_table_remove (job->open_requests, easy);
}

/* The job ends (a terminal record is about to be made) with requests still
 * in flight: a driver frees its handles only after the record
 * (job_free()), too late for the history. They end here, stopped, so the
 * terminal record carries them; the later _meow_engine_remove_handle()
 * finds them closed. */
static void
history_close_open (MeowJob *job)
{
  g_autofree gpointer *easies = NULL;
  guint                n = 0;

  if (job->open_requests == NULL)
    return;
  easies = g_hash_table_get_keys_as_array (job->open_requests, &n);
  for (guint i = 0; i < n; i++)
    history_close (job, easies[i], CURLE_OK, 0, TRUE);
}

/* Settles the ends still open (a failed request: retried, restarted, the
 * task's failure) by the record about to be made (@status), and moves the
 * history into @record. */
static void
history_flush (MeowJob *job, MeowTransferRecord *record, MeowStatus status)
{
  GPtrArray *ended = job->ended_requests;
  gboolean   restarted = FALSE;
  guint      mark = 0;

  if (job->restart_reason == MEOW_RESTART_NONE)
    job->requests_restart = MEOW_RESTART_NONE;
  else if (job->restart_reason != job->requests_restart)
    {
      restarted = TRUE;
      job->requests_restart = job->restart_reason;
    }
  record->final_url = g_strdup (job->final_url);
  record->dropped_requests = job->dropped_requests;
  job->dropped_requests = 0;
  if (ended == NULL || ended->len == 0)
    return;
  /* The restart followed the last request that failed (an answer it had
   * to abort counts), else the last one. */
  mark = ended->len - 1;
  for (guint i = ended->len; i > 0; i--)
    if (((MeowRequestInfo *) g_ptr_array_index (ended, i - 1))->failed)
      {
        mark = i - 1;
        break;
      }
  for (guint i = 0; i < ended->len; i++)
    {
      MeowRequestInfo *info = g_ptr_array_index (ended, i);

      if (restarted && i == mark)
        info->end = MEOW_REQUEST_END_RESTART;
      else if (info->failed && status == MEOW_STATUS_FAILED)
        info->end = MEOW_REQUEST_END_FAILURE;
      else if (info->failed && (status == MEOW_STATUS_CANCELED || status == MEOW_STATUS_PAUSED))
        info->end = MEOW_REQUEST_END_STOPPED;
      else if (info->failed)
        info->end = MEOW_REQUEST_END_RETRY;
      info->failed = FALSE;
    }
  record->requests = g_steal_pointer (&job->ended_requests);
}

static void
history_free (MeowJob *job)
{
  g_clear_pointer (&job->open_requests, g_hash_table_unref);
  g_clear_pointer (&job->ended_requests, g_ptr_array_unref);
  g_clear_pointer (&job->final_url, g_free);
}

void
_meow_engine_add_ranged_handle (MeowEngine *engine, CURL *easy, const char *url, const char *range)
{
  MeowJob *job;

  assert_worker (engine);
  job = easy_job (easy);
  if (job != NULL)
    {
      log_request (job, url);
      history_open (job, easy, url, range);
    }
  _meow_proxy_add_handle (engine->proxy, easy, url);
}

void
_meow_engine_add_handle (MeowEngine *engine, CURL *easy, const char *url)
{
  _meow_engine_add_ranged_handle (engine, easy, url, NULL);
}

void
_meow_engine_remove_handle (MeowEngine *engine, CURL *easy)
{
  MeowJob *job;

  assert_worker (engine);
  /* Taken away before it ended (a pause, a cancel, a segment stopped):
   * still a request of the history. */
  job = easy_job (easy);
  if (job != NULL)
    history_close (job, easy, CURLE_OK, 0, TRUE);
  _meow_proxy_remove_handle (engine->proxy, easy);
}

char *
_meow_engine_dup_proxy_for_url (MeowEngine *engine, const char *url)
{
  assert_worker (engine);
  return _meow_proxy_dup_for_url (engine->proxy, url);
}

void
_meow_engine_wakeup (MeowEngine *engine)
{
  curl_multi_wakeup (engine->multi);
}

static void
claim (MeowEngine *engine, MeowJob *job, const char *path)
{
  guint n;

  if (path == NULL || job->task->direction != MEOW_DIRECTION_DOWNLOAD)
    return;
  n = GPOINTER_TO_UINT (g_hash_table_lookup (engine->claims, path));
  g_hash_table_replace (engine->claims, g_strdup (path), GUINT_TO_POINTER (n + 1));
}

static void
unclaim (MeowEngine *engine, MeowJob *job, const char *path)
{
  guint n;

  if (path == NULL || job->task->direction != MEOW_DIRECTION_DOWNLOAD)
    return;
  n = GPOINTER_TO_UINT (g_hash_table_lookup (engine->claims, path));
  g_return_if_fail (n > 0);
  if (n == 1)
    g_hash_table_remove (engine->claims, path);
  else
    g_hash_table_replace (engine->claims, g_strdup (path), GUINT_TO_POINTER (n - 1));
}

gboolean
_meow_engine_target_claimed (MeowEngine *engine, MeowJob *job, const char *path)
{
  gint64 n;

  assert_worker (engine);
  n = GPOINTER_TO_UINT (g_hash_table_lookup (engine->claims, path));

  /* Not counting @job's own claims. */
  if (job->task->direction == MEOW_DIRECTION_DOWNLOAD)
    {
      if (g_strcmp0 (job->task->output_file, path) == 0)
        n--;
      if (g_strcmp0 (job->local_path, path) == 0)
        n--;
    }
  return n > 0;
}

void
_meow_engine_set_local_path (MeowJob *job, const char *path)
{
  char *old;

  assert_worker (job->engine);
  old = g_steal_pointer (&job->local_path);
  job->local_path = g_strdup (path);
  claim (job->engine, job, job->local_path);
  unclaim (job->engine, job, old);
  g_free (old);
}

void
_meow_engine_foreach_job (MeowEngine *engine,
                          MeowJob    *except,
                          void (*func) (MeowJob *job, gpointer data),
                          gpointer data)
{
  GHashTableIter iter;
  MeowJob       *other;

  assert_worker (engine);
  g_hash_table_iter_init (&iter, engine->jobs);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &other))
    if (other != except)
      func (other, data);
}

gboolean
_meow_engine_identity_claimed (MeowEngine *engine, MeowJob *job, const char *identity)
{
  GHashTableIter iter;
  MeowJob       *other;

  assert_worker (engine);
  g_hash_table_iter_init (&iter, engine->jobs);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &other))
    if (other != job && g_strcmp0 (other->identity, identity) == 0)
      return TRUE;
  return FALSE;
}

void
_meow_engine_send_detached (MeowEngine *engine, CURL *easy, struct curl_slist *headers)
{
  char *url = NULL;

  assert_worker (engine);
  g_hash_table_insert (engine->detached, easy, headers);
  curl_easy_getinfo (easy, CURLINFO_EFFECTIVE_URL, &url);
  _meow_proxy_add_handle (engine->proxy, easy, url);
}

static void
detached_done (MeowEngine *engine, CURL *easy, CURLcode result)
{
  struct curl_slist *headers = g_hash_table_lookup (engine->detached, easy);
  long               status = 0;
  char              *url = NULL;

  curl_easy_getinfo (easy, CURLINFO_RESPONSE_CODE, &status);
  curl_easy_getinfo (easy, CURLINFO_EFFECTIVE_URL, &url);
  if (result != CURLE_OK || status < 200 || status > 299)
    {
      g_autofree char *redacted = _meow_redact_url (url ? url : "");
      _meow_engine_log (G_LOG_LEVEL_DEBUG,
                        "A request to %s after cancel did not succeed: %s, status %ld", redacted,
                        curl_easy_strerror (result), status);
    }
  g_hash_table_remove (engine->detached, easy);
  _meow_proxy_remove_handle (engine->proxy, easy);
  curl_easy_cleanup (easy);
  curl_slist_free_all (headers);
}

/* What holds @job in the state (@suspended, @network, @scheduled) of the
 * engine. */
static MeowWaitReason
hold_for (MeowJob *job, gboolean suspended, MeowWaitReason network, gboolean scheduled)
{
  if (suspended)
    return MEOW_WAIT_SUSPEND;
  if (scheduled && !job->start_now)
    return MEOW_WAIT_SCHEDULE;
  if (job->loopback && !job->engine->hold_loopback)
    return MEOW_WAIT_NONE;
  return network;
}

static MeowWaitReason
job_hold (MeowJob *job)
{
  return hold_for (job, job->engine->suspended, job->engine->network, job->engine->scheduled);
}

MeowWaitReason
_meow_engine_get_job_hold (MeowJob *job)
{
  assert_worker (job->engine);
  return job_hold (job);
}

gboolean
_meow_engine_fresh_connect (MeowEngine *engine)
{
  return engine->fresh_until > 0 && g_get_monotonic_time () < engine->fresh_until;
}

/* Whether @url's host is a loopback one, which no network state holds. */
static gboolean
url_is_loopback (const char *url)
{
  g_autoptr (GUri) uri = g_uri_parse (url, G_URI_FLAGS_ENCODED | G_URI_FLAGS_PARSE_RELAXED, NULL);
  const char *host = uri ? g_uri_get_host (uri) : NULL;
  g_autoptr (GInetAddress) address = NULL;

  if (host == NULL)
    return FALSE;
  if (g_ascii_strcasecmp (host, "localhost") == 0 || g_str_has_suffix (host, ".localhost"))
    return TRUE;
  address = g_inet_address_new_from_string (host);
  return address != NULL && g_inet_address_get_is_loopback (address);
}

/* Headers whose values a debug line shows; any other's value is "***"
 * before the log path's redaction even sees it (meow-log.c), so that a
 * secret in a header of a name nobody thought of stays out of logs too. */
static gboolean
header_value_is_loggable (const char *line)
{
  static const char *const names[] = { "accept",        "accept-language",   "accept-encoding",
                                       "range",         "if-range",          "if-match",
                                       "if-none-match", "if-modified-since", "user-agent",
                                       "referer",       "content-type",      "origin",
                                       "cache-control" };
  const char              *colon = strchr (line, ':');

  for (guint i = 0; colon != NULL && i < G_N_ELEMENTS (names); i++)
    if ((gsize) (colon - line) == strlen (names[i]) &&
        g_ascii_strncasecmp (line, names[i], strlen (names[i])) == 0)
      return TRUE;
  return FALSE;
}

/* The debug line of every request a job makes (_meow_engine_add_handle()):
 * the URL (the log path redacts its password) and the task's own headers,
 * their values only for the harmless ones. */
static void
log_request (MeowJob *job, const char *url)
{
  GString *line;

  if (!_meow_client_wants_log (job->engine->client))
    return;
  line = g_string_new (NULL);
  g_string_append_printf (line, "Request to %s", url);
  for (guint i = 0; job->task->headers != NULL && job->task->headers[i] != NULL; i++)
    {
      const char *header = job->task->headers[i];
      const char *colon = strchr (header, ':');

      if (colon == NULL)
        continue;
      if (header_value_is_loggable (header))
        g_string_append_printf (line, "\n  %s", header);
      else
        g_string_append_printf (line, "\n  %.*s: ***", (int) (colon - header), header);
    }
  _meow_job_debug (job, "%s", line->str);
  g_string_free (line, TRUE);
}

/* Every request of a job ends here before its driver hears of it: the
 * status of its answer, which a terminal record reports when this was the
 * last request (meow_transfer_record_get_http_status()). A transport
 * failure is no answer (0), even after a status line came; a driver's own
 * abort (a write or progress callback refused more) keeps the answer's. */
static void
note_http_status (MeowJob *job, CURL *easy, CURLcode result)
{
  long  status = 0;
  char *url = NULL;

  if (result == CURLE_OK || result == CURLE_WRITE_ERROR || result == CURLE_ABORTED_BY_CALLBACK)
    curl_easy_getinfo (easy, CURLINFO_RESPONSE_CODE, &status);
  job->http_status = status > 0 && status < 1000 ? (guint) status : 0;
  history_close (job, easy, result, job->http_status, FALSE);
  if (_meow_client_wants_log (job->engine->client))
    {
      curl_easy_getinfo (easy, CURLINFO_EFFECTIVE_URL, &url);
      _meow_job_debug (job, "Done with %s: %s, HTTP status %u", url ? url : "",
                       curl_easy_strerror (result), job->http_status);
    }
}

static MeowTransferRecord *
make_record (MeowJob *job, MeowStatus status)
{
  MeowTransferRecord *record = _meow_transfer_record_new (job->id, job->task->direction, status);

  record->name = g_strdup (job->name);
  record->local_path = g_strdup (job->local_path);
  record->total = job->total;
  record->transferred = job->transferred;
  record->restart_reason = job->restart_reason;
  record->upload_url = g_strdup (job->upload_url);
  record->url = g_strdup (job->task->url);
  record->hashed = job->hashed;
  record->tag = g_strdup (job->task->tag);
  if (_meow_status_is_terminal (status))
    history_close_open (job);
  history_flush (job, record, status);
  if (_meow_status_is_terminal (status))
    record->http_status = job->http_status;
  if (job->state == MEOW_JOB_WAITING && status == MEOW_STATUS_PENDING)
    {
      record->wait_reason = job->wait_reason;
      record->next_attempt = job->wake_at == G_MAXINT64 ? 0 : job->wake_at;
      record->wait_detail = g_strdup (job->wait_detail);
    }
  else if (job->state == MEOW_JOB_QUEUED && status == MEOW_STATUS_PENDING)
    record->wait_reason = job_hold (job); /* queued, and held: nothing starts */
  else if (status == MEOW_STATUS_PAUSED && job->sign_in_error != NULL)
    {
      record->wait_reason =
          g_error_matches (job->sign_in_error, MEOW_ERROR, MEOW_ERROR_PROXY_AUTH_REQUIRED)
              ? MEOW_WAIT_PROXY_SIGN_IN
              : MEOW_WAIT_SIGN_IN;
      record->error = g_error_copy (job->sign_in_error);
      record->auth_scheme = g_strdup (job->auth_scheme);
      record->auth_realm = g_strdup (job->auth_realm);
      record->auth_proxy = g_strdup (job->auth_proxy);
    }
  if (status == MEOW_STATUS_TRANSMISSION)
    record->phase = job->phase;
  if (job->driver->segments != NULL && !_meow_status_is_terminal (status))
    {
      g_autoptr (GArray) segments = g_array_new (FALSE, FALSE, sizeof (MeowSegment));

      job->driver->segments (job, segments);
      if (segments->len > 0)
        {
          record->n_segments = segments->len;
          record->segments =
              (MeowSegment *) (gpointer) g_array_free (g_steal_pointer (&segments), FALSE);
        }
    }
  if (status == MEOW_STATUS_TRANSMISSION && job->phase == MEOW_PHASE_TRANSFER)
    {
      record->speed = job->speed;
      if (job->total >= 0 && job->speed > 1.0)
        record->eta = (gint64) ((double) ((guint64) job->total -
                                          MIN ((guint64) job->total, job->transferred)) /
                                    job->speed +
                                0.5);
    }
  return record;
}

void
_meow_engine_job_log (MeowJob *job, GLogLevelFlags level, const char *format, ...)
{
  g_autofree char *message = NULL;
  va_list          args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  _meow_log_line (job->engine->client, job->id, job->task, level, message);
}

void
_meow_engine_log (GLogLevelFlags level, const char *format, ...)
{
  MeowEngine      *engine = g_private_get (&worker_engine);
  g_autofree char *message = NULL;
  va_list          args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  _meow_log_line (engine ? engine->client : NULL, NULL, NULL, level, message);
}

static void
emit (MeowJob *job, MeowStatus status)
{
  _meow_client_post_record (job->engine->client, make_record (job, status));
}

void
_meow_engine_report_progress (MeowJob *job)
{
  assert_worker (job->engine);
  job->transmission_started = TRUE;
  job->reported_bytes = job->transferred;
  job->reported_hashed = job->hashed;
  job->reported_once = TRUE;
  emit (job, MEOW_STATUS_TRANSMISSION);
}

static void
clear_sign_in (MeowJob *job)
{
  g_clear_error (&job->sign_in_error);
  g_clear_pointer (&job->auth_scheme, g_free);
  g_clear_pointer (&job->auth_realm, g_free);
  g_clear_pointer (&job->auth_proxy, g_free);
}

static void
job_free (MeowJob *job)
{
  if (job->driver->free)
    job->driver->free (job);
  unclaim (job->engine, job, job->task->output_file);
  unclaim (job->engine, job, job->local_path);
  if (job->loopback)
    job->engine->loopback_jobs--;
  meow_task_unref (job->task);
  g_free (job->id);
  g_free (job->name);
  g_free (job->local_path);
  g_free (job->upload_url);
  g_free (job->identity);
  g_free (job->wait_detail);
  clear_sign_in (job);
  history_free (job);
  g_free (job);
}

static void
apply_limits (MeowEngine *engine)
{
  for (guint i = 0; i < engine->active->len; i++)
    {
      MeowJob      *job = g_ptr_array_index (engine->active, i);
      MeowDirection dir = job->task->direction;
      guint64       global = engine->limit[dir];
      guint64       share = 0;
      guint64       own = job->task->speed_limit;

      if (job->state != MEOW_JOB_ACTIVE || job->driver->limit == NULL)
        continue;
      if (global > 0)
        share = MAX (1, global / MAX (1, engine->running[dir]));
      if (own > 0 && (share == 0 || own < share))
        share = own;
      job->driver->limit (job, share);
    }
}

/* @job joins its direction's queue at the head or the tail. Every job
 * enters a queue here and leaves it through queue_unlink(), which keeps
 * start_now_queued right. */
static void
queue_push (MeowEngine *engine, MeowJob *job, gboolean head)
{
  MeowDirection dir = job->task->direction;

  if (head)
    g_queue_push_head (&engine->queue[dir], job);
  else
    g_queue_push_tail (&engine->queue[dir], job);
  if (job->start_now)
    engine->start_now_queued[dir]++;
}

/* @job joins its direction's queue just before or after @other. When @other is no
 * longer in that queue (it started, waits for its next attempt, was paused or ended
 * since the client checked it), the place next to it is the front: @other was ahead of
 * every queued job of its direction. */
static void
queue_push_beside (MeowEngine *engine, MeowJob *job, MeowJob *other, gboolean after)
{
  MeowDirection dir = job->task->direction;
  GList        *link = NULL;

  if (other != NULL && other->state == MEOW_JOB_QUEUED && other->task->direction == dir)
    link = g_queue_find (&engine->queue[dir], other);
  if (link == NULL)
    {
      queue_push (engine, job, TRUE);
      return;
    }
  if (after)
    g_queue_insert_after (&engine->queue[dir], link, job);
  else
    g_queue_insert_before (&engine->queue[dir], link, job);
  if (job->start_now)
    engine->start_now_queued[dir]++;
}

/* @link (of @job's queue, or NULL to look it up) leaves the queue. */
static void
queue_unlink (MeowEngine *engine, MeowJob *job, GList *link)
{
  MeowDirection dir = job->task->direction;

  if (link == NULL)
    link = g_queue_find (&engine->queue[dir], job);
  g_assert (link != NULL);
  g_queue_delete_link (&engine->queue[dir], link);
  if (job->start_now)
    {
      g_assert (engine->start_now_queued[dir] > 0);
      engine->start_now_queued[dir]--;
    }
}

/* Drop a job from the scheduler's view (queue, waiting list or running
 * count). */
static void
unschedule (MeowEngine *engine, MeowJob *job)
{
  MeowDirection dir = job->task->direction;

  if (job->state == MEOW_JOB_QUEUED)
    queue_unlink (engine, job, NULL);
  else if (job->state == MEOW_JOB_WAITING)
    g_ptr_array_remove_fast (engine->waiting, job);
  else if (job->state == MEOW_JOB_ACTIVE)
    {
      g_assert (engine->running[dir] > 0);
      engine->running[dir]--;
      g_ptr_array_remove_fast (engine->active, job);
    }
}

/* The driver holds state of a started attempt: running, or waiting
 * between attempts (not after a stop for a metered hold). */
static gboolean
job_started (MeowJob *job)
{
  if (job->state == MEOW_JOB_ACTIVE)
    return TRUE;
  if (job->restart_on_wake)
    return FALSE;
  return job->state == MEOW_JOB_WAITING || (job->state == MEOW_JOB_QUEUED && job->wait_resume);
}

static void
clear_wait (MeowJob *job)
{
  job->wait_reason = MEOW_WAIT_NONE;
  job->wake_at = 0;
  job->due_at = 0;
  g_clear_pointer (&job->wait_detail, g_free);
  job->wait_resume = FALSE;
  job->restart_on_wake = FALSE;
}

/* @job (ACTIVE) leaves its slot and waits until @wake_at; a Pending record
 * says why. */
static void
enter_wait (MeowJob *job, gint64 wake_at, MeowWaitReason reason, const char *detail)
{
  MeowEngine *engine = job->engine;

  unschedule (engine, job);
  job->state = MEOW_JOB_WAITING;
  job->wait_resume = FALSE;
  job->wait_reason = reason;
  job->wake_at = wake_at;
  if (detail != job->wait_detail)
    {
      g_free (job->wait_detail);
      job->wait_detail = g_strdup (detail);
    }
  job->speed = 0;
  g_ptr_array_add (engine->waiting, job);
  _meow_client_task_waiting (engine->client, job->id);
  emit (job, MEOW_STATUS_PENDING);
}

void
_meow_engine_wait (MeowJob *job, gint64 wake_at, MeowWaitReason reason, const char *detail)
{
  MeowEngine *engine = job->engine;

  MeowWaitReason hold;

  assert_worker (engine);
  if (job->state != MEOW_JOB_ACTIVE)
    return;
  hold = job_hold (job);
  if (hold == MEOW_WAIT_NONE && wake_at - g_get_monotonic_time () < YIELD_AFTER_US)
    return;
  if (hold != MEOW_WAIT_NONE)
    {
      enter_wait (job, G_MAXINT64, hold, detail);
      job->due_at = wake_at;
      job->due_reason = reason;
    }
  else
    enter_wait (job, wake_at, reason, detail);
  apply_limits (engine);
}

/* Waiting jobs whose time has come go to the head of their queue (they
 * had a slot before the queued ones); *@next_wake: the earliest other. */
static void
wake_due (MeowEngine *engine, gint64 now, gint64 *next_wake)
{
  for (guint i = 0; i < engine->waiting->len;)
    {
      MeowJob *job = g_ptr_array_index (engine->waiting, i);

      if (job->wake_at > now || job_hold (job) != MEOW_WAIT_NONE)
        {
          *next_wake = MIN (*next_wake, job->wake_at);
          i++;
          continue;
        }
      g_ptr_array_remove_index_fast (engine->waiting, i);
      job->state = MEOW_JOB_QUEUED;
      job->wait_resume = TRUE;
      queue_push (engine, job, TRUE);
    }
}

/* A new state of the holds (CMD_NETWORK, CMD_SLEEP, CMD_WAKE, CMD_SCHEDULE):
 * @suspended, the @network state and @scheduled. Each job whose hold changes
 * follows: while held nothing of it starts and a waiting one waits for the
 * hold's end; a metered hold, a suspend or the schedule also stops a
 * running transfer (as a pause,
 * bytes kept) into the waiting state; a queued one gets a Pending record
 * with the new reason. When a job's hold ends it tries within
 * NETWORK_RETURN_JITTER_US, unless it had a later try planned; when the
 * network returns, a transfer that ran through its loss starts again on
 * a new connection, and for WAKE_FRESH_CONNECT_US every request connects
 * and resolves anew. */
static void
set_holds (MeowEngine *engine, gboolean suspended, MeowWaitReason network, gboolean scheduled)
{
  gint64         now = g_get_monotonic_time ();
  gboolean       old_suspended = engine->suspended;
  MeowWaitReason old_network = engine->network;
  gboolean       old_scheduled = engine->scheduled;
  gboolean       network_returned =
      !suspended && old_network != MEOW_WAIT_NONE && network == MEOW_WAIT_NONE;
  GHashTableIter iter;
  MeowJob       *job;
  g_autoptr (GPtrArray) changed = g_ptr_array_new ();

  if (suspended == old_suspended && network == old_network && scheduled == old_scheduled)
    return;
  engine->suspended = suspended;
  engine->network = network;
  engine->scheduled = scheduled;
  /* Kept connections and cached addresses are from the old network. */
  if (network_returned)
    engine->fresh_until = now + WAKE_FRESH_CONNECT_US;

  /* Collected first: stopping a job changes the engine's lists. */
  g_hash_table_iter_init (&iter, engine->jobs);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &job))
    if (hold_for (job, old_suspended, old_network, old_scheduled) !=
        hold_for (job, suspended, network, scheduled))
      g_ptr_array_add (changed, job);

  for (guint i = 0; i < changed->len; i++)
    {
      MeowWaitReason hold;

      job = g_ptr_array_index (changed, i);
      hold = job_hold (job);
      switch (job->state)
        {
        case MEOW_JOB_QUEUED:
          emit (job, MEOW_STATUS_PENDING);
          break;

        case MEOW_JOB_ACTIVE:
          /* The network's loss alone lets a running transfer go on: it may
           * still get through, and if not its failure is not counted. */
          if (hold == MEOW_WAIT_METERED || hold == MEOW_WAIT_SUSPEND || hold == MEOW_WAIT_SCHEDULE)
            {
              job->driver->stop (job, MEOW_STOP_PAUSE);
              enter_wait (job, G_MAXINT64, hold, NULL);
              job->restart_on_wake = TRUE;
            }
          /* It ran through the loss: its connection may have died with the
           * old network (another Wi-Fi, a new address) without a word, and
           * would only be noticed at the stall timeout. It starts again
           * from its bytes within the jitter, on a new connection. */
          else if (hold == MEOW_WAIT_NONE && network_returned)
            {
              job->driver->stop (job, MEOW_STOP_PAUSE);
              enter_wait (job, now + g_random_int_range (0, NETWORK_RETURN_JITTER_US),
                          MEOW_WAIT_NETWORK, NULL);
              job->restart_on_wake = TRUE;
            }
          break;

        case MEOW_JOB_WAITING:
          if (hold == MEOW_WAIT_NONE)
            {
              job->wake_at = now + g_random_int_range (0, NETWORK_RETURN_JITTER_US);
              /* A try the server put off (Retry-After) or a backoff stays
               * where it was: the hold's end only ends the hold. */
              if (job->due_at > job->wake_at)
                {
                  job->wake_at = job->due_at;
                  job->wait_reason = job->due_reason;
                  emit (job, MEOW_STATUS_PENDING);
                }
              job->due_at = 0;
              break;
            }
          if (job->wait_reason == hold && job->wake_at == G_MAXINT64)
            break;
          if (job->wake_at != G_MAXINT64 && job->due_at == 0)
            {
              job->due_at = job->wake_at;
              job->due_reason = job->wait_reason;
            }
          job->wait_reason = hold;
          job->wake_at = G_MAXINT64;
          emit (job, MEOW_STATUS_PENDING);
          break;

        case MEOW_JOB_PAUSED:
        default:
          break;
        }
    }
  apply_limits (engine);
}

/* CMD_SLEEP: every transfer stopped with its bytes safe (a driver's stop
 * flushes and writes before it returns), then @task returns. */
static void
engine_sleep (MeowEngine *engine, GTask *task)
{
  if (g_task_return_error_if_cancelled (task))
    return;
  set_holds (engine, TRUE, engine->network, engine->scheduled);
  /* The records of the stops reach the owner before the GTask's answer
   * (the dispatch source was attached first: same priority, dispatched
   * first). */
  _meow_client_flush_records (engine->client);
  g_task_return_boolean (task, TRUE);
}

/* CMD_WAKE: whatever ran (a wake without a sleep, or a transfer started
 * meanwhile) stops the same way, since its connection may have died;
 * then the suspend ends and everything tries within a second, on new
 * connections. */
static void
engine_wake (MeowEngine *engine)
{
  set_holds (engine, TRUE, engine->network, engine->scheduled);
  engine->fresh_until = g_get_monotonic_time () + WAKE_FRESH_CONNECT_US;
  set_holds (engine, FALSE, engine->network, engine->scheduled);
}

void
_meow_engine_sign_in (MeowJob *job, GError *error, char *scheme, char *realm, char *proxy)
{
  MeowEngine *engine = job->engine;

  assert_worker (engine);
  g_assert (job->state == MEOW_JOB_ACTIVE);

  job->driver->stop (job, MEOW_STOP_PAUSE);
  unschedule (engine, job);
  clear_wait (job);
  clear_sign_in (job);
  job->start_now = FALSE;
  job->sign_in_error = error;
  job->auth_scheme = scheme;
  job->auth_realm = realm;
  job->auth_proxy = proxy;
  job->state = MEOW_JOB_PAUSED;
  job->speed = 0;
  _meow_client_task_paused (engine->client, job->id);
  emit (job, MEOW_STATUS_PAUSED);
  apply_limits (engine);
}

void
_meow_engine_finish (MeowJob *job, MeowStatus status, GError *error, const char *payload)
{
  MeowEngine         *engine = job->engine;
  MeowTransferRecord *record;

  assert_worker (engine);
  g_assert (_meow_status_is_terminal (status));

  unschedule (engine, job);
  g_hash_table_remove (engine->jobs, job->id);

  if (status == MEOW_STATUS_COMPLETE)
    job->transferred = job->total >= 0 ? (guint64) job->total : job->transferred;

  record = make_record (job, status);
  record->error = error;
  record->payload = g_strdup (payload);
  /* Also ends the task in the client's table. */
  _meow_client_post_record (engine->client, record);

  job_free (job);
  apply_limits (engine);
}

/* The first job of @dir's queue that nothing holds, taken off the queue,
 * or NULL. While the network is held only loopback jobs may start: the
 * queue is searched for them only when there are any. Outside the
 * schedule's window only Start Now jobs may, and start_forced() starts
 * those. */
static MeowJob *
pop_startable (MeowEngine *engine, int dir)
{
  GQueue *queue = &engine->queue[dir];

  if (engine->suspended || engine->scheduled || queue->head == NULL)
    return NULL;
  if (engine->network == MEOW_WAIT_NONE)
    {
      MeowJob *job = queue->head->data;

      queue_unlink (engine, job, queue->head);
      return job;
    }
  if (engine->loopback_jobs == 0 || engine->hold_loopback)
    return NULL;
  for (GList *l = queue->head; l != NULL; l = l->next)
    {
      MeowJob *job = l->data;

      if (job_hold (job) == MEOW_WAIT_NONE)
        {
          queue_unlink (engine, job, l);
          return job;
        }
    }
  return NULL;
}

/* @job (just taken off its queue) gets a slot: it starts, or, back from a
 * wait, its retry is due now. */
static void
start_job (MeowEngine *engine, MeowJob *job)
{
  MeowDirection dir = job->task->direction;
  gboolean      wake = job->wait_resume && !job->restart_on_wake;

  clear_wait (job);
  job->state = MEOW_JOB_ACTIVE;
  engine->running[dir]++;
  g_ptr_array_add (engine->active, job);
  _meow_client_task_started (engine->client, job->id);
  job->sample_time = g_get_monotonic_time ();
  job->sample_bytes = job->transferred;
  job->speed = 0;
  job->transmission_started = FALSE;
  if (wake)
    job->driver->wake (job);
  else
    job->driver->start (job);
}

/* The Start Now jobs of @dir's queue that nothing holds start, slot or no
 * slot. Returns whether any did. */
static gboolean
start_forced (MeowEngine *engine, int dir)
{
  GQueue  *queue = &engine->queue[dir];
  gboolean started = FALSE;

  if (engine->start_now_queued[dir] == 0 || engine->suspended)
    return FALSE;
  for (GList *l = queue->head; l != NULL && engine->start_now_queued[dir] > 0;)
    {
      MeowJob *job = l->data;
      GList   *next = l->next;

      if (job->start_now && job_hold (job) == MEOW_WAIT_NONE)
        {
          queue_unlink (engine, job, l);
          start_job (engine, job);
          started = TRUE;
        }
      l = next;
    }
  return started;
}

static void
schedule (MeowEngine *engine)
{
  gboolean changed = FALSE;

  for (int dir = 0; dir < 2; dir++)
    {
      guint    limit = dir == MEOW_DIRECTION_DOWNLOAD ? engine->config->max_downloads
                                                      : engine->config->max_uploads;
      MeowJob *job;

      /* Start Now: over the limit (a running count above it then keeps
       * the queue waiting until the count is below it again). */
      if (start_forced (engine, dir))
        changed = TRUE;
      /* Held (the network state, a suspend): no attempt starts. */
      while (engine->running[dir] < limit && (job = pop_startable (engine, dir)) != NULL)
        {
          start_job (engine, job);
          changed = TRUE;
        }
    }

  if (changed)
    apply_limits (engine);
}

/* CMD_CHANGE_URL (@relink: the driver is told, with @flags) and
 * CMD_CREDENTIALS: the job goes on with @task (the same but for its URL or
 * its login).
 * A running one stops (bytes kept) and starts again at once, keeping its
 * slot; a waiting one starts again (not wakes) when its time comes, which
 * is now unless the network is held; queued and paused ones just start
 * with it later. */
static void
replace_task (MeowJob *job, MeowTask *task, gboolean relink, MeowChangeUrlFlags flags)
{
  if (relink && job->driver->relink == NULL)
    return;
  if (job_started (job))
    job->driver->stop (job, MEOW_STOP_PAUSE);
  meow_task_unref (job->task);
  job->task = meow_task_ref (task);
  if (relink)
    job->driver->relink (job, flags);

  switch (job->state)
    {
    case MEOW_JOB_ACTIVE:
      job->restart_reason = MEOW_RESTART_NONE;
      job->transmission_started = FALSE;
      job->speed = 0;
      job->driver->start (job);
      break;
    case MEOW_JOB_WAITING:
      job->restart_on_wake = TRUE;
      if (job_hold (job) == MEOW_WAIT_NONE)
        job->wake_at = g_get_monotonic_time ();
      break;
    case MEOW_JOB_QUEUED:
      /* Woken from a wait and back in the queue: start, not wake. */
      if (job->wait_resume)
        job->restart_on_wake = TRUE;
      break;
    case MEOW_JOB_PAUSED:
    default:
      break;
    }
}

static void
handle_command (MeowEngine *engine, Command *cmd, gboolean *quit)
{
  MeowJob *job = cmd->id ? g_hash_table_lookup (engine->jobs, cmd->id) : NULL;

  switch (cmd->kind)
    {
    case CMD_ENQUEUE:
      g_atomic_int_add (&engine->pending_enqueues, -1);

      job = g_new0 (MeowJob, 1);
      job->engine = engine;
      job->driver = cmd->task->direction == MEOW_DIRECTION_UPLOAD ? &_meow_upload_driver
                                                                  : &_meow_download_driver;
      job->task = meow_task_ref (cmd->task);
      job->id = g_strdup (cmd->id);
      job->name = g_strdup (cmd->task->name);
      job->local_path =
          g_strdup (cmd->task->direction == MEOW_DIRECTION_UPLOAD ? cmd->task->source_file
                                                                  : cmd->task->output_file);
      job->upload_url = g_strdup (cmd->task->upload_url);
      job->total = cmd->task->size_hint;
      job->loopback = url_is_loopback (cmd->task->url);
      if (job->loopback)
        engine->loopback_jobs++;
      claim (engine, job, job->task->output_file);
      claim (engine, job, job->local_path);
      g_hash_table_insert (engine->jobs, job->id, job);
      if (cmd->value[0])
        {
          /* meow_client_enqueue_paused(): known, claimed, and nothing
           * more until a resume queues it. */
          job->state = MEOW_JOB_PAUSED;
          emit (job, MEOW_STATUS_PAUSED);
          break;
        }
      job->state = MEOW_JOB_QUEUED;
      queue_push (engine, job, FALSE);
      emit (job, MEOW_STATUS_PENDING);
      break;

    case CMD_PAUSE:
      if (job == NULL || job->state == MEOW_JOB_PAUSED)
        break;
      if (job_started (job))
        job->driver->stop (job, MEOW_STOP_PAUSE);
      unschedule (engine, job);
      clear_wait (job);
      job->start_now = FALSE;
      job->state = MEOW_JOB_PAUSED;
      job->speed = 0;
      emit (job, MEOW_STATUS_PAUSED);
      apply_limits (engine);
      break;

    case CMD_RESUME:
      if (job == NULL || job->state != MEOW_JOB_PAUSED)
        break;
      clear_sign_in (job);
      job->state = MEOW_JOB_QUEUED;
      queue_push (engine, job, FALSE);
      emit (job, MEOW_STATUS_PENDING);
      break;

    case CMD_MOVE:
      /* Only the queue's order changes: no record. */
      if (job == NULL || job->state != MEOW_JOB_QUEUED)
        break;
      queue_unlink (engine, job, NULL);
      queue_push (engine, job, (MeowQueuePosition) cmd->value[0] == MEOW_QUEUE_POSITION_FRONT);
      break;

    case CMD_MOVE_BESIDE:
      if (job == NULL || job->state != MEOW_JOB_QUEUED || g_strcmp0 (cmd->id, cmd->other_id) == 0)
        break;
      queue_unlink (engine, job, NULL);
      queue_push_beside (engine, job, g_hash_table_lookup (engine->jobs, cmd->other_id),
                         cmd->value[0] != 0);
      break;

    case CMD_START_NOW:
      if (job == NULL || job->start_now)
        break;
      if (job->state == MEOW_JOB_QUEUED)
        {
          /* At the front too, so that it is next should a hold keep it. */
          queue_unlink (engine, job, NULL);
          job->start_now = TRUE;
          queue_push (engine, job, TRUE);
        }
      else if (job->state == MEOW_JOB_WAITING)
        {
          /* Its next attempt is due now (wake_due() queues it), unless a
           * hold keeps it until the hold ends. */
          job->start_now = TRUE;
          if (job_hold (job) == MEOW_WAIT_NONE)
            job->wake_at = g_get_monotonic_time ();
        }
      break;

    case CMD_CANCEL:
      if (job == NULL)
        break;
      job->driver->stop (job, MEOW_STOP_CANCEL);
      _meow_engine_finish (
          job, MEOW_STATUS_CANCELED,
          g_error_new (MEOW_ERROR, MEOW_ERROR_CANCELED, _ ("The transfer was canceled.")), NULL);
      break;

    case CMD_SPEED_LIMITS:
      engine->limit[MEOW_DIRECTION_DOWNLOAD] = cmd->value[MEOW_DIRECTION_DOWNLOAD];
      engine->limit[MEOW_DIRECTION_UPLOAD] = cmd->value[MEOW_DIRECTION_UPLOAD];
      apply_limits (engine);
      break;

    case CMD_NETWORK:
      set_holds (engine, engine->suspended, (MeowWaitReason) cmd->value[0], engine->scheduled);
      break;

    case CMD_SLEEP:
      {
        g_autoptr (GTask) task = g_steal_pointer (&cmd->async);

        engine_sleep (engine, task);
      }
      break;

    case CMD_WAKE:
      engine_wake (engine);
      break;

    case CMD_SCHEDULE:
      set_holds (engine, engine->suspended, engine->network, cmd->value[0] != 0);
      break;

    case CMD_HOLD_LOOPBACK:
      /* A test hook, set before any task: it changes what starts and
       * waits from now on. */
      engine->hold_loopback = cmd->value[0] != 0;
      break;

    case CMD_CHANGE_URL:
      if (job != NULL)
        replace_task (job, cmd->task, TRUE, (MeowChangeUrlFlags) cmd->value[0]);
      break;

    case CMD_CREDENTIALS:
      if (job != NULL)
        replace_task (job, cmd->task, FALSE, MEOW_CHANGE_URL_NONE);
      break;

    case CMD_TASK_SETTINGS:
      /* Unlike CHANGE_URL and CREDENTIALS nothing stops: the limit is
       * shared out again and the driver matches the connection count. */
      if (job == NULL)
        break;
      meow_task_unref (job->task);
      job->task = meow_task_ref (cmd->task);
      apply_limits (engine);
      if (job->state == MEOW_JOB_ACTIVE && job->driver->retune != NULL)
        job->driver->retune (job);
      break;

    case CMD_MAX_TRANSFERS:
      /* The engine's own copy of the config: only the worker reads it. */
      engine->config->max_downloads = (guint) cmd->value[MEOW_DIRECTION_DOWNLOAD];
      engine->config->max_uploads = (guint) cmd->value[MEOW_DIRECTION_UPLOAD];
      apply_limits (engine);
      break;

    case CMD_CLOSE:
      *quit = TRUE;
      break;

    default:
      g_assert_not_reached ();
    }
}

static void
shutdown_jobs (MeowEngine *engine)
{
  GHashTableIter iter;
  MeowJob       *job;
  GList         *jobs, *l;

  /* Paused records in enqueue order would be nicer; any order is valid. */
  jobs = g_hash_table_get_values (engine->jobs);
  for (l = jobs; l; l = l->next)
    {
      job = l->data;
      if (job_started (job))
        job->driver->stop (job, MEOW_STOP_CLOSE);
      if (job->state != MEOW_JOB_PAUSED)
        {
          job->speed = 0;
          job->state = MEOW_JOB_PAUSED; /* no wait in the record */
          emit (job, MEOW_STATUS_PAUSED);
        }
    }
  g_list_free (jobs);

  g_hash_table_iter_init (&iter, engine->jobs);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &job))
    {
      g_hash_table_iter_steal (&iter);
      job_free (job);
    }
  g_queue_clear (&engine->queue[0]);
  g_queue_clear (&engine->queue[1]);
  engine->start_now_queued[0] = engine->start_now_queued[1] = 0;
  g_ptr_array_set_size (engine->active, 0);
  g_ptr_array_set_size (engine->waiting, 0);
  engine->running[0] = engine->running[1] = 0;
}

/* Requests of no job (a tus termination after cancel) get up to two
 * seconds to reach the server before the worker ends. */
static void
finish_detached (MeowEngine *engine)
{
  gint64 deadline = g_get_monotonic_time () + 2 * G_USEC_PER_SEC;

  while (g_hash_table_size (engine->detached) > 0 && g_get_monotonic_time () < deadline)
    {
      int      running;
      int      left;
      CURLMsg *msg;

      _meow_proxy_dispatch (engine->proxy);
      curl_multi_perform (engine->multi, &running);
      while ((msg = curl_multi_info_read (engine->multi, &left)) != NULL)
        if (msg->msg == CURLMSG_DONE && g_hash_table_contains (engine->detached, msg->easy_handle))
          detached_done (engine, msg->easy_handle, msg->data.result);
      if (g_hash_table_size (engine->detached) > 0)
        curl_multi_poll (engine->multi, NULL, 0, 100, NULL);
    }

  {
    GHashTableIter     iter;
    CURL              *easy;
    struct curl_slist *headers;

    g_hash_table_iter_init (&iter, engine->detached);
    while (g_hash_table_iter_next (&iter, (gpointer *) &easy, (gpointer *) &headers))
      {
        _meow_proxy_remove_handle (engine->proxy, easy);
        curl_easy_cleanup (easy);
        curl_slist_free_all (headers);
        g_hash_table_iter_remove (&iter);
      }
  }
}

static void
sample_progress (MeowEngine *engine, gint64 now)
{
  for (guint i = 0; i < engine->active->len; i++)
    {
      MeowJob *job = g_ptr_array_index (engine->active, i);
      double   dt;

      if (job->state != MEOW_JOB_ACTIVE)
        continue;
      if (job->phase == MEOW_PHASE_HASHING)
        {
          if (job->hashed != job->reported_hashed)
            _meow_engine_report_progress (job);
          continue;
        }
      if (!job->transmission_started)
        continue;

      dt = (now - job->sample_time) / (double) G_USEC_PER_SEC;
      if (dt > 0)
        {
          double instant =
              (double) (job->transferred - MIN (job->transferred, job->sample_bytes)) / dt;
          /* Exponential smoothing over ~1 s keeps the speed and the time
           * left readable without hiding real changes for long. */
          double alpha = MIN (1.0, dt / 1.0);
          job->speed = job->speed <= 0 ? instant : job->speed + alpha * (instant - job->speed);
        }
      job->sample_time = now;
      job->sample_bytes = job->transferred;

      if (!job->reported_once || job->transferred != job->reported_bytes)
        _meow_engine_report_progress (job);
    }
}

static gpointer
worker_main (gpointer data)
{
  MeowEngine *engine = data;
  gboolean    quit = FALSE;
  gint64      interval = (gint64) engine->config->progress_interval_ms * 1000;

  g_private_set (&worker_engine, engine);
  engine->next_progress = g_get_monotonic_time () + interval;

  while (!quit)
    {
      Command *cmd;
      gboolean held;
      int      running_handles;
      CURLMsg *msg;
      int      msgs_left;
      gint64   now, next_wake;
      long     curl_timeout = -1;
      int      timeout_ms;
      MeowJob *job;

      held = g_atomic_int_get (&engine->held);

      while (!quit && !held && (cmd = g_async_queue_try_pop (engine->commands)) != NULL)
        {
          handle_command (engine, cmd, &quit);
          command_free (cmd);
        }
      if (quit)
        break;

      now = g_get_monotonic_time ();
      next_wake = G_MAXINT64;
      wake_due (engine, now, &next_wake);
      schedule (engine);

      /* Requests whose proxy lookup ended join the multi handle. */
      _meow_proxy_dispatch (engine->proxy);
      curl_multi_perform (engine->multi, &running_handles);

      while ((msg = curl_multi_info_read (engine->multi, &msgs_left)) != NULL)
        {
          if (msg->msg == CURLMSG_DONE)
            {
              CURL    *easy = msg->easy_handle;
              CURLcode result = msg->data.result;
              char    *priv = NULL;

              if (g_hash_table_contains (engine->detached, easy))
                {
                  detached_done (engine, easy, result);
                  continue;
                }
              curl_easy_getinfo (easy, CURLINFO_PRIVATE, &priv);
              job = (MeowJob *) priv;
              note_http_status (job, easy, result);
              /* The driver removes the handle from the multi. */
              job->driver->done (job, easy, result);
            }
        }

      now = g_get_monotonic_time ();

      /* Drivers' timers (retries, hashing). Over a copy: a tick may
       * finish its job (no job starts meanwhile, so a job still in
       * engine->active is one of the copy's, not a new one at a freed
       * address). */
      {
        g_autoptr (GPtrArray) active = g_ptr_array_copy (engine->active, NULL, NULL);

        for (guint i = 0; i < active->len; i++)
          {
            job = g_ptr_array_index (active, i);
            if (job->driver->tick && g_ptr_array_find (engine->active, job, NULL))
              {
                /* Not inside MIN(): that would call the tick twice. */
                gint64 wake = job->driver->tick (job, now);
                next_wake = MIN (next_wake, wake);
              }
          }
      }

      if (now >= engine->next_progress)
        {
          sample_progress (engine, now);
          engine->next_progress = now + interval;
        }
      next_wake = MIN (next_wake, engine->next_progress);
      /* Also the jobs that began to wait during this turn. */
      for (guint i = 0; i < engine->waiting->len; i++)
        next_wake = MIN (next_wake, ((MeowJob *) g_ptr_array_index (engine->waiting, i))->wake_at);

      /* Jobs may have been queued or finished by the steps above. */
      schedule (engine);

      curl_multi_timeout (engine->multi, &curl_timeout);
      now = g_get_monotonic_time ();
      timeout_ms = (int) CLAMP ((next_wake - now + 999) / 1000, 0, 1000);
      if (curl_timeout >= 0 && curl_timeout < timeout_ms)
        timeout_ms = (int) curl_timeout;
      _meow_client_flush_records (engine->client);
      if (!g_async_queue_length (engine->commands) || held)
        curl_multi_poll (engine->multi, NULL, 0, timeout_ms, NULL);
    }

  shutdown_jobs (engine);
  finish_detached (engine);
  _meow_client_flush_records (engine->client);
  g_private_set (&worker_engine, NULL);

  return NULL;
}
