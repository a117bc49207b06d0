/* meow-task-manager.c: the app's list of tasks over one MeowClient
 *
 * Owns the client and a MeowTaskList of MeowTaskItem, one per task, and keeps each item
 * up to date from the client's records (one listener for every task). Items outlive
 * their task in the client: a finished, canceled or restored task stays in the list as
 * history, and resuming or retrying a task the client no longer knows queues its
 * (immutable, same-id) MeowTask again.
 *
 * It is also where tasks are made from what the user gives (links with the Add
 * dialog's options, files dropped for upload) and where the download folder is
 * decided, from the GSettings it is given: widgets and the application call it, never
 * the other way round.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <errno.h>
#include <string.h>

#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "meow-folder-rules.h"
#include "meow-task-list.h"
#include "meow-task-manager.h"

#include "meow-secrets.h"

struct _MeowTaskManager
{
  GObject parent_instance;

  MeowClient   *client;
  MeowStore    *store; /* nullable: no persistence */
  GSettings    *settings;
  MeowTaskList *items;
  GHashTable   *by_id;  /* set of the MeowTaskItems (borrowed from items), by id: by_id_*() */
  GHashTable   *active; /* set of the items live in the client and Pending or Transmission */
  guint         listener_id;
  guint         n_active;
  guint         n_finished; /* items in the list that is_finished(): what Clear Finished takes */

  /* The load in idle batches (see meow_task_manager_load()): the store's tasks
   * [load_next, load_end) are still to come, at list position load_pos. */
  guint    load_source;
  guint    load_next;
  guint    load_end;
  guint    load_pos;
  guint    batch; /* how many the next batch or slice takes: sized to BATCH_BUDGET_US */
  gboolean load_resume;

  /* Clear Finished or its Undo in slices (see meow_task_manager_clear_finished()). */
  guint      slice_source;
  GPtrArray *clearing; /* Cleared, by position; [0, clear_left) are still in the list */
  guint      clear_left;
  guint      job_span;  /* positions from the job's first task to its last */
  GPtrArray *restoring; /* Cleared, by position; [restore_next, len) are still to go back */
  guint      restore_next;

  GNetworkMonitor *network; /* nullable: the network state is not watched */
  /* Ids of the items paused for a login that were given the keyring's once: a second
   * 401 then asks the user instead (the stored login was refused). */
  GHashTable   *keyring_tried;
  GCancellable *cancellable;     /* keyring lookups; cancelled at dispose */
  guint         secrets_storing; /* keyring stores of secret headers under way */

  /* Secret request headers (docs/store.md): id → GStrv of the "Name: value" lines the
   * store holds with an empty value, for the tasks of this run (given, or found in the
   * keyring); and the ids whose lines are being looked up. */
  GHashTable *secret_headers;
  GHashTable *secret_lookups;
  gboolean    said_no_keyring;
  /* "name\nurl" → GStrv: the upload targets' secret header lines this run knows (the
   * setting keeps their names with an empty value). */
  GHashTable *target_secrets;
};

G_DEFINE_FINAL_TYPE (MeowTaskManager, meow_task_manager, G_TYPE_OBJECT)

enum
{
  PROP_0,
  PROP_N_ACTIVE,
  PROP_DOWNLOAD_FOLDER,
  PROP_BUSY,
  N_PROPS
};

enum
{
  TASK_FINISHED,
  STATUS_CHANGED,
  LINK_DIFFERS,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint       signals[N_SIGNALS];

static void finish_jobs (MeowTaskManager *self);
static void migrate_upload_targets (MeowTaskManager *self);
static void load_batch (MeowTaskManager *self, guint max);

/* The first batch of a load, given to the list before the window's first frame: more
 * than a screenful however tall, and a list this short comes in one change. */
#define LOAD_FIRST 4096
/* What one later batch (or slice of Clear Finished and Undo) may hold the main thread:
 * building the items and the list view's share of the change, measured. */
#define BATCH_BUDGET_US (12 * 1000)
#define BATCH_MIN 256
#define BATCH_MAX 65536

/* The next batch's size, so that it takes about BATCH_BUDGET_US: @n took @elapsed_us. */
static guint
next_batch_size (guint n, gint64 elapsed_us)
{
  guint64 next = (guint64) n * BATCH_BUDGET_US / MAX (elapsed_us, 1);

  return CLAMP (next, BATCH_MIN, BATCH_MAX);
}

/* What "Clear Finished" takes: done with nothing left to do. Failed tasks stay (they need
 * attention: Retry or Remove), and so does anything live or paused. */
static gboolean
is_finished (MeowTaskItem *item)
{
  MeowStatus status = meow_task_item_get_status (item);

  return !meow_task_item_get_live (item) &&
         (status == MEOW_STATUS_COMPLETE || status == MEOW_STATUS_CANCELED);
}

/* by_id is a set of the items themselves, hashed and compared by their ids, not a map
 * from id to item: a set has no array of values beside its keys (8 B a slot, 1 MiB for
 * 100,000 items). A lookup by id passes an IdProbe, a GTypeInstance without a class
 * (every item has one) followed by the id, so that a key is either and by_id_key_id()
 * tells which. An item keeps its id for its life, so its key never changes. */
typedef struct
{
  GTypeInstance instance; /* g_class NULL */
  const char   *id;
} IdProbe;

static const char *
by_id_key_id (gconstpointer key)
{
  const IdProbe *probe = key;

  return probe->instance.g_class == NULL ? probe->id : meow_task_item_get_id ((MeowTaskItem *) key);
}

static guint
by_id_hash (gconstpointer key)
{
  return g_str_hash (by_id_key_id (key));
}

static gboolean
by_id_equal (gconstpointer a, gconstpointer b)
{
  return strcmp (by_id_key_id (a), by_id_key_id (b)) == 0;
}

/* The item with @id in the list (transfer none), or NULL. */
static MeowTaskItem *
by_id_lookup (MeowTaskManager *self, const char *id)
{
  IdProbe probe = { { NULL }, id };

  return g_hash_table_lookup (self->by_id, &probe);
}

/* Whether @item is the one the list holds under its id (by_id has exactly the items in
 * the list, once they are in it). */
static gboolean
in_list (MeowTaskManager *self, MeowTaskItem *item)
{
  return by_id_lookup (self, meow_task_item_get_id (item)) == item;
}

/* Call after any change of @item's status or liveness, or before dropping it, with
 * @was_finished = is_finished() before the change. Keeps n-active and n_finished without
 * walking a list that may hold 100,000 finished tasks. */
static void
track_active (MeowTaskManager *self, MeowTaskItem *item, gboolean was_finished)
{
  gboolean active = meow_task_item_get_live (item) && meow_task_item_is_active (item);
  guint    n_active;

  if (in_list (self, item))
    self->n_finished += (guint) is_finished (item) - (guint) was_finished;

  if (active)
    g_hash_table_add (self->active, item);
  else
    g_hash_table_remove (self->active, item);

  n_active = g_hash_table_size (self->active);
  if (n_active == self->n_active)
    return;
  self->n_active = n_active;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_ACTIVE]);
}

typedef struct
{
  MeowTaskManager *self; /* a ref */
  char            *id;
  MeowWaitReason   reason; /* MEOW_WAIT_SIGN_IN or MEOW_WAIT_PROXY_SIGN_IN */
  char            *proxy;  /* MEOW_WAIT_PROXY_SIGN_IN: the proxy asked about */
} SignInLookup;

static void
keyring_found_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  SignInLookup    *lookup = user_data;
  MeowTaskManager *self = lookup->self;
  g_autoptr (GError) error = NULL;
  g_autofree char *user = NULL;
  char            *password = NULL;
  MeowTaskItem    *item;

  if (!meow_secrets_lookup_finish (result, &user, &password, &error))
    {
      /* No keyring (no Secret Service on this session): the user is asked. */
      if (error != NULL && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_debug ("No stored login to look for: %s", error->message);
      goto out;
    }
  item = self->by_id != NULL ? by_id_lookup (self, lookup->id) : NULL;
  /* Still waiting for a login, and nobody gave one meanwhile. */
  if (item != NULL && meow_task_item_get_status (item) == MEOW_STATUS_PAUSED &&
      meow_task_item_get_wait_reason (item) == lookup->reason &&
      (lookup->reason != MEOW_WAIT_PROXY_SIGN_IN ||
       g_strcmp0 (meow_task_item_get_auth_proxy (item), lookup->proxy) == 0))
    {
      gboolean given =
          lookup->reason == MEOW_WAIT_PROXY_SIGN_IN
              ? meow_client_set_proxy_credentials (self->client, lookup->proxy, user, password,
                                                   &error)
              : meow_client_set_credentials (self->client, lookup->id, user, password, &error);

      if (!given || !meow_client_resume (self->client, lookup->id, &error))
        g_warning ("Cannot sign in “%s” with the stored login: %s", meow_task_item_get_name (item),
                   error->message);
    }
  meow_secrets_password_free (password);

out:
  g_object_unref (lookup->self);
  g_free (lookup->id);
  g_free (lookup->proxy);
  g_free (lookup);
}

/* @item was paused for a login: the keyring's for its server and realm (or, with
 * @proxy, for that proxy and realm: org.gnome.Meow.ProxyLogin), once; a second 401
 * or 407 (that one refused) leaves it to the user (the row's Sign In…). */
static void
sign_in_from_keyring (MeowTaskManager *self,
                      MeowTaskItem    *item,
                      const char      *realm,
                      const char      *proxy)
{
  g_autoptr (MeowLoginKey) key =
      proxy != NULL ? meow_login_key_new_for_proxy (proxy, realm)
                    : meow_login_key_new_for_url (meow_task_item_get_url (item), realm);
  SignInLookup *lookup;

  if (key == NULL ||
      !g_hash_table_add (self->keyring_tried, g_strdup (meow_task_item_get_id (item))))
    return;
  lookup = g_new0 (SignInLookup, 1);
  lookup->self = g_object_ref (self);
  lookup->id = g_strdup (meow_task_item_get_id (item));
  lookup->reason = proxy != NULL ? MEOW_WAIT_PROXY_SIGN_IN : MEOW_WAIT_SIGN_IN;
  lookup->proxy = g_strdup (proxy);
  meow_secrets_lookup_async (key, self->cancellable, keyring_found_cb, lookup);
}

static void
record_cb (MeowClient *client, const MeowTransferRecord *record, gpointer user_data)
{
  MeowTaskManager *self = user_data;
  MeowTaskItem    *item;
  MeowStatus       old_status;
  MeowStatus       status = meow_transfer_record_get_status (record);
  gboolean         was_finished;

  if (self->store != NULL)
    meow_store_update (self->store, record);

  item = by_id_lookup (self, meow_transfer_record_get_task_id (record));
  if (item == NULL)
    return; /* removed from the list while the client still ran it */

  old_status = meow_task_item_get_status (item);
  was_finished = is_finished (item);
  meow_task_item_apply_record (item, record);

  if (status == MEOW_STATUS_COMPLETE || status == MEOW_STATUS_FAILED ||
      status == MEOW_STATUS_CANCELED)
    meow_task_item_set_live (item, FALSE);
  track_active (self, item, was_finished);

  if (old_status != status)
    {
      g_signal_emit (self, signals[STATUS_CHANGED], 0, item);
      if (status == MEOW_STATUS_COMPLETE || status == MEOW_STATUS_FAILED)
        g_signal_emit (self, signals[TASK_FINISHED], 0, item);
    }
  if (status == MEOW_STATUS_PAUSED &&
      meow_transfer_record_get_wait_reason (record) == MEOW_WAIT_SIGN_IN)
    sign_in_from_keyring (self, item, meow_transfer_record_get_auth_realm (record), NULL);
  else if (status == MEOW_STATUS_PAUSED &&
           meow_transfer_record_get_wait_reason (record) == MEOW_WAIT_PROXY_SIGN_IN &&
           meow_transfer_record_get_auth_proxy (record) != NULL)
    sign_in_from_keyring (self, item, meow_transfer_record_get_auth_realm (record),
                          meow_transfer_record_get_auth_proxy (record));
  else if (status == MEOW_STATUS_COMPLETE || status == MEOW_STATUS_TRANSMISSION)
    g_hash_table_remove (self->keyring_tried, meow_transfer_record_get_task_id (record));
  /* A new link that does not continue the bytes: the user decides. */
  if (status == MEOW_STATUS_FAILED && g_error_matches (meow_transfer_record_get_error (record),
                                                       MEOW_ERROR, MEOW_ERROR_LINK_CONTENT_DIFFERS))
    g_signal_emit (self, signals[LINK_DIFFERS], 0, item);
}

static void
meow_task_manager_dispose (GObject *object)
{
  MeowTaskManager *self = MEOW_TASK_MANAGER (object);

  meow_task_manager_close (self);
  g_clear_handle_id (&self->load_source, g_source_remove);
  g_clear_handle_id (&self->slice_source, g_source_remove);
  g_clear_pointer (&self->clearing, g_ptr_array_unref);
  g_clear_pointer (&self->restoring, g_ptr_array_unref);
  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->keyring_tried, g_hash_table_unref);
  g_clear_pointer (&self->secret_headers, g_hash_table_unref);
  g_clear_pointer (&self->secret_lookups, g_hash_table_unref);
  g_clear_pointer (&self->target_secrets, g_hash_table_unref);
  g_clear_pointer (&self->by_id, g_hash_table_unref);
  g_clear_pointer (&self->active, g_hash_table_unref);
  g_clear_object (&self->items);
  g_clear_object (&self->client);
  g_clear_object (&self->store);
  g_clear_object (&self->settings);
  g_clear_object (&self->network);

  G_OBJECT_CLASS (meow_task_manager_parent_class)->dispose (object);
}

static void
meow_task_manager_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  MeowTaskManager *self = MEOW_TASK_MANAGER (object);

  switch (prop_id)
    {
    case PROP_N_ACTIVE:
      g_value_set_uint (value, self->n_active);
      break;
    case PROP_DOWNLOAD_FOLDER:
      g_value_take_string (value, meow_task_manager_dup_download_folder (self));
      break;
    case PROP_BUSY:
      g_value_set_boolean (value, meow_task_manager_get_busy (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
meow_task_manager_class_init (MeowTaskManagerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = meow_task_manager_dispose;
  object_class->get_property = meow_task_manager_get_property;

  /**
   * MeowTaskManager:n-active:
   *
   * How many tasks are queued or running in the client (not paused).
   */
  properties[PROP_N_ACTIVE] =
      g_param_spec_uint ("n-active", NULL, NULL, 0, G_MAXUINT, 0,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * MeowTaskManager:download-folder: (type filename)
   *
   * Where new downloads go when no folder is given: see
   * meow_task_manager_dup_download_folder(). Notified when the setting changes.
   */
  properties[PROP_DOWNLOAD_FOLDER] =
      g_param_spec_string ("download-folder", NULL, NULL, NULL,
                           G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * MeowTaskManager:busy:
   *
   * Whether the list is still changing in idle batches: the rest of a long saved list
   * being loaded (meow_task_manager_load()), or a long Clear Finished or its Undo being
   * carried out (meow_task_manager_clear_finished()).
   */
  properties[PROP_BUSY] =
      g_param_spec_boolean ("busy", NULL, NULL, FALSE,
                            G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * MeowTaskManager::task-finished:
   * @item: the item
   *
   * A task completed or failed (not emitted for a cancel, which the user did).
   */
  signals[TASK_FINISHED] =
      g_signal_new ("task-finished", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                    NULL, G_TYPE_NONE, 1, MEOW_TYPE_TASK_ITEM);

  /**
   * MeowTaskManager::status-changed:
   * @item: the item
   *
   * An item's status changed, from a record or from the manager itself (the window
   * filters on it).
   */
  signals[STATUS_CHANGED] =
      g_signal_new ("status-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                    NULL, G_TYPE_NONE, 1, MEOW_TYPE_TASK_ITEM);

  /**
   * MeowTaskManager::link-differs:
   * @item: the item
   *
   * A download given a new link failed with %MEOW_ERROR_LINK_CONTENT_DIFFERS: the link
   * gives another file than the bytes it holds, which were kept. Emitted after
   * #MeowTaskManager::task-finished; the window asks whether to start over
   * (meow_task_manager_change_url() with %MEOW_CHANGE_URL_RESTART).
   */
  signals[LINK_DIFFERS] =
      g_signal_new ("link-differs", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                    NULL, G_TYPE_NONE, 1, MEOW_TYPE_TASK_ITEM);
}

static void
meow_task_manager_init (MeowTaskManager *self)
{
  self->items = meow_task_list_new ();
  self->by_id = g_hash_table_new (by_id_hash, by_id_equal);
  self->active = g_hash_table_new (NULL, NULL);
  self->keyring_tried = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->cancellable = g_cancellable_new ();
  self->secret_headers =
      g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) g_strfreev);
  self->secret_lookups = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->target_secrets =
      g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) g_strfreev);
}

static void
download_folder_changed_cb (MeowTaskManager *self)
{
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DOWNLOAD_FOLDER]);
}

/**
 * meow_task_manager_new:
 * @client: (transfer none): the client; the manager keeps a reference and listens to
 *   every record
 * @store: (transfer none) (nullable): where the list is saved: every task is added to
 *   it before it is queued, and every record updates it
 * @settings: (transfer none): the application's settings (schema `APPLICATION_ID`):
 *   the download folder and the upload targets are read from them when a task is made
 *
 * Main thread: records are delivered in the client's context.
 *
 * Returns: (transfer full): a new manager
 */
MeowTaskManager *
meow_task_manager_new (MeowClient *client, MeowStore *store, GSettings *settings)
{
  MeowTaskManager *self;
  g_autoptr (GError) error = NULL;

  g_return_val_if_fail (MEOW_IS_CLIENT (client), NULL);
  g_return_val_if_fail (G_IS_SETTINGS (settings), NULL);

  self = g_object_new (MEOW_TYPE_TASK_MANAGER, NULL);
  self->client = g_object_ref (client);
  self->store = store ? g_object_ref (store) : NULL;
  self->settings = g_object_ref (settings);
  g_signal_connect_object (settings, "changed::download-folder",
                           G_CALLBACK (download_folder_changed_cb), self, G_CONNECT_SWAPPED);
  /* GSettings emits ::changed only for keys read since a handler was connected. */
  g_free (g_settings_get_string (settings, "download-folder"));
  self->listener_id = meow_client_add_listener (client, record_cb, self, NULL, &error);
  if (self->listener_id == 0)
    g_warning ("Cannot listen to the transfer engine: %s", error->message);
  migrate_upload_targets (self);
  return self;
}

/**
 * meow_task_manager_network_hold:
 * @available: #GNetworkMonitor:network-available
 * @connectivity: #GNetworkMonitor:connectivity
 * @metered: #GNetworkMonitor:network-metered
 * @pause_on_metered: the `pause-on-metered` setting
 *
 * What the network state holds transfers for (meow_client_set_network_hold()): no
 * network (no default route, or only the local one), a captive portal (a login page
 * answers in the server's place, so nothing starts until the user has signed in), a
 * metered connection when the user wants transfers to pause on one; else nothing. A
 * limited connectivity is not a hold: a server on the local network may still answer,
 * and a transfer that cannot get through waits like any other. Pure.
 *
 * Returns: the hold, %MEOW_WAIT_NONE when transfers may run
 */
MeowWaitReason
meow_task_manager_network_hold (gboolean             available,
                                GNetworkConnectivity connectivity,
                                gboolean             metered,
                                gboolean             pause_on_metered)
{
  if (!available || connectivity == G_NETWORK_CONNECTIVITY_LOCAL)
    return MEOW_WAIT_NETWORK;
  if (connectivity == G_NETWORK_CONNECTIVITY_PORTAL)
    return MEOW_WAIT_PORTAL;
  if (metered && pause_on_metered)
    return MEOW_WAIT_METERED;
  return MEOW_WAIT_NONE;
}

static void
network_changed_cb (MeowTaskManager *self)
{
  MeowWaitReason hold =
      meow_task_manager_network_hold (g_network_monitor_get_network_available (self->network),
                                      g_network_monitor_get_connectivity (self->network),
                                      g_network_monitor_get_network_metered (self->network),
                                      g_settings_get_boolean (self->settings, "pause-on-metered"));

  meow_client_set_network_hold (self->client, hold);
}

/**
 * meow_task_manager_watch_network:
 * @monitor: (transfer none): the monitor to follow, usually g_network_monitor_get_default()
 *   (in Flatpak it answers through the network portal)
 *
 * From now on the client's network hold follows @monitor and the `pause-on-metered`
 * setting (meow_task_manager_network_hold()). Call once. Main thread.
 */
void
meow_task_manager_watch_network (MeowTaskManager *self, GNetworkMonitor *monitor)
{
  g_return_if_fail (MEOW_IS_TASK_MANAGER (self));
  g_return_if_fail (G_IS_NETWORK_MONITOR (monitor));
  g_return_if_fail (self->network == NULL);

  self->network = g_object_ref (monitor);
  g_signal_connect_object (monitor, "notify::network-available", G_CALLBACK (network_changed_cb),
                           self, G_CONNECT_SWAPPED);
  g_signal_connect_object (monitor, "notify::connectivity", G_CALLBACK (network_changed_cb), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (monitor, "notify::network-metered", G_CALLBACK (network_changed_cb),
                           self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->settings, "changed::pause-on-metered",
                           G_CALLBACK (network_changed_cb), self, G_CONNECT_SWAPPED);
  network_changed_cb (self);
}

MeowClient *
meow_task_manager_get_client (MeowTaskManager *self)
{
  g_return_val_if_fail (MEOW_IS_TASK_MANAGER (self), NULL);
  return self->client;
}

/**
 * meow_task_manager_get_model:
 *
 * Returns: (transfer none): the items, oldest first
 */
GListModel *
meow_task_manager_get_model (MeowTaskManager *self)
{
  g_return_val_if_fail (MEOW_IS_TASK_MANAGER (self), NULL);
  return G_LIST_MODEL (self->items);
}

/**
 * meow_task_manager_lookup:
 *
 * Returns: (transfer none) (nullable): the item with @id
 */
MeowTaskItem *
meow_task_manager_lookup (MeowTaskManager *self, const char *id)
{
  g_return_val_if_fail (MEOW_IS_TASK_MANAGER (self), NULL);
  g_return_val_if_fail (id != NULL, NULL);
  finish_jobs (self);
  return by_id_lookup (self, id);
}

/**
 * meow_task_manager_get_busy:
 *
 * Returns: the #MeowTaskManager:busy property. Main thread.
 */
gboolean
meow_task_manager_get_busy (MeowTaskManager *self)
{
  g_return_val_if_fail (MEOW_IS_TASK_MANAGER (self), FALSE);
  return self->load_source != 0 || self->slice_source != 0;
}

guint
meow_task_manager_get_n_active (MeowTaskManager *self)
{
  g_return_val_if_fail (MEOW_IS_TASK_MANAGER (self), 0);
  return self->n_active;
}

/* ------------------------------------------------------------------ */
/* Secret request headers: in the keyring, not in the store            */

/* The lines of @headers that meow_secrets_is_secret_header(), or NULL when none. */
static GStrv
secret_lines (const char *const *headers)
{
  g_autoptr (GStrvBuilder) builder = g_strv_builder_new ();
  gboolean any = FALSE;

  for (guint i = 0; headers != NULL && headers[i] != NULL; i++)
    if (meow_secrets_is_secret_header (headers[i]))
      {
        g_strv_builder_add (builder, headers[i]);
        any = TRUE;
      }
  return any ? g_strv_builder_end (builder) : NULL;
}

/* @headers with each secret line's value taken out ("Cookie:"), or with @secret's lines
 * in their place when @secret is given. */
static GStrv
headers_with (const char *const *headers, const char *const *secret)
{
  g_autoptr (GStrvBuilder) builder = g_strv_builder_new ();

  for (guint i = 0; headers != NULL && headers[i] != NULL; i++)
    {
      if (!meow_secrets_is_secret_header (headers[i]))
        g_strv_builder_add (builder, headers[i]);
      else if (secret == NULL)
        {
          g_autofree char *name_only =
              g_strndup (headers[i], strchr (headers[i], ':') - headers[i] + 1);

          g_strv_builder_add (builder, name_only);
        }
    }
  if (secret != NULL)
    g_strv_builder_addv (builder, (const char **) secret);
  return g_strv_builder_end (builder);
}

/* Whether @task was rebuilt from the store without its secret values: a secret header
 * with an empty value is the store's reference to the keyring item. */
static gboolean
lines_have_reference (const char *const *headers)
{
  for (guint i = 0; headers != NULL && headers[i] != NULL; i++)
    {
      const char *value = strchr (headers[i], ':');

      if (meow_secrets_is_secret_header (headers[i]) &&
          value[1 + strspn (value + 1, " \t")] == '\0')
        return TRUE;
    }
  return FALSE;
}

typedef struct
{
  MeowTaskManager *self; /* a ref */
  char            *id;
  char            *name;
  MeowTask        *task; /* lookups: the task to queue with the headers found */
} SecretJob;

static SecretJob *
secret_job_new (MeowTaskManager *self, const char *id, const char *name, MeowTask *task)
{
  SecretJob *job = g_new0 (SecretJob, 1);

  job->self = g_object_ref (self);
  job->id = g_strdup (id);
  job->name = g_strdup (name);
  job->task = task != NULL ? meow_task_ref (task) : NULL;
  return job;
}

static void
secret_job_free (SecretJob *job)
{
  g_object_unref (job->self);
  g_free (job->id);
  g_free (job->name);
  g_clear_pointer (&job->task, meow_task_unref);
  g_free (job);
}

static void
secret_headers_stored_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  SecretJob *job = user_data;
  g_autoptr (GError) error = NULL;

  job->self->secrets_storing--;
  if (!meow_secrets_store_headers_finish (result, &error) &&
      !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) && !job->self->said_no_keyring)
    {
      /* Once per run: the values stay in memory (secret_headers), never on disk. */
      job->self->said_no_keyring = TRUE;
      g_message ("No keyring to keep the secret request headers (Authorization, Cookie) of "
                 "“%s” in: %s. They are kept for this run only; after a restart the transfer "
                 "waits for them.",
                 job->name, error->message);
    }
  secret_job_free (job);
}

static gboolean
has_secret_reference (MeowTask *task)
{
  return lines_have_reference (meow_task_get_headers (task));
}

/* Gives the keyring the secret header lines of @id this run knows (none: nothing). */
static void
keep_secret_headers (MeowTaskManager *self, const char *id, const char *name)
{
  const char *const *secret = g_hash_table_lookup (self->secret_headers, id);
  g_autofree char   *label = NULL;

  if (secret == NULL)
    return;
  label = g_strdup_printf (_ ("Request headers of the transfer “%s”"), name);
  self->secrets_storing++;
  meow_secrets_store_headers_async (id, label, secret, self->cancellable, secret_headers_stored_cb,
                                    secret_job_new (self, id, name, NULL));
}

/* The stored value of @task: its secret header lines go to the keyring (and to
 * secret_headers for this run), the store keeps them with an empty value. */
static MeowStoredTask *
stored_task_new (MeowTaskManager *self, MeowTask *task)
{
  MeowStoredTask    *st = meow_stored_task_new_from_task (task, 0);
  const char        *id = meow_task_get_id (task);
  const char *const *known = g_hash_table_lookup (self->secret_headers, id);
  g_auto (GStrv) secret = NULL;
  g_auto (GStrv) kept = NULL;
  g_autofree char *name = NULL;

  if (known != NULL)
    secret = g_strdupv ((GStrv) known);
  else if (!has_secret_reference (task))
    secret = secret_lines (meow_task_get_headers (task));
  /* else: a task rebuilt without its values (Undo of a removal after a restart) whose
   * values were never looked up: nothing to keep, its Resume waits for them. */
  kept = headers_with (meow_stored_task_get_headers (st), NULL);
  meow_stored_task_set_headers (st, (const char *const *) kept);
  if (secret == NULL)
    return st;

  g_hash_table_insert (self->secret_headers, g_strdup (id), g_strdupv (secret));
  /* Named by its name, else its link without credentials. */
  name = meow_task_get_name (task) != NULL ? g_strdup (meow_task_get_name (task))
                                           : meow_task_dup_redacted_url (task);
  keep_secret_headers (self, id, name);
  return st;
}

/* The task left the list: its keyring item goes (the values stay in memory for Undo). */
static void
clear_secret_headers (MeowTaskManager *self, const char *id, const char *const *headers)
{
  g_auto (GStrv) secret = secret_lines (headers);

  if (secret != NULL || g_hash_table_contains (self->secret_headers, id))
    meow_secrets_clear_headers_async (id, NULL, NULL, NULL);
}

/* ------------------------------------------------------------------ */
/* Upload targets' secret headers: in the keyring, not in GSettings    */

static char *
target_key (const char *name, const char *url)
{
  return g_strconcat (name, "\n", url, NULL);
}

typedef struct
{
  MeowTaskManager *self; /* a ref */
  char            *name;
  char            *url;
  char            *headers; /* the setting's value when the job started */
} TargetJob;

static TargetJob *
target_job_new (MeowTaskManager *self, const char *name, const char *url, const char *headers)
{
  TargetJob *job = g_new0 (TargetJob, 1);

  job->self = g_object_ref (self);
  job->name = g_strdup (name);
  job->url = g_strdup (url);
  job->headers = g_strdup (headers);
  return job;
}

static void
target_job_free (TargetJob *job)
{
  g_object_unref (job->self);
  g_free (job->name);
  g_free (job->url);
  g_free (job->headers);
  g_free (job);
}

/* The setting's header text of a target with its secret values taken out. */
static char *
redacted_header_text (const char *const *lines)
{
  g_auto (GStrv) kept = headers_with (lines, NULL);

  return g_strjoinv ("\n", kept);
}

static void
target_moved_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  TargetJob       *job = user_data;
  MeowTaskManager *self = job->self;
  g_autoptr (GError) error = NULL;
  g_autoptr (GVariant) targets = NULL;
  GVariantBuilder builder;

  if (!meow_secrets_store_target_headers_finish (result, &error))
    {
      /* Left in the setting: moving them nowhere would lose them. */
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_message ("No keyring to move the secret request headers of the upload target “%s” "
                   "into: %s. They stay in the settings.",
                   job->name, error->message);
      target_job_free (job);
      return;
    }
  /* The keyring has them: the setting keeps the names, if the target is as it was. */
  targets = g_settings_get_value (self->settings, "upload-targets");
  g_variant_builder_init (&builder, G_VARIANT_TYPE ("a(ssss)"));
  for (gsize i = 0; i < g_variant_n_children (targets); i++)
    {
      const char *name, *protocol, *url, *headers;

      g_variant_get_child (targets, i, "(&s&s&s&s)", &name, &protocol, &url, &headers);
      if (g_str_equal (name, job->name) && g_str_equal (url, job->url) &&
          g_str_equal (headers, job->headers))
        {
          g_auto (GStrv) lines = g_strsplit (headers, "\n", -1);
          g_autofree char *redacted = redacted_header_text ((const char *const *) lines);

          g_variant_builder_add (&builder, "(ssss)", name, protocol, url, redacted);
        }
      else
        g_variant_builder_add_value (&builder, g_variant_get_child_value (targets, i));
    }
  g_settings_set_value (self->settings, "upload-targets", g_variant_builder_end (&builder));
  target_job_free (job);
}

static void
target_found_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  TargetJob *job = user_data;
  g_autoptr (GError) error = NULL;
  g_auto (GStrv) secret = meow_secrets_lookup_headers_finish (result, &error);

  if (secret != NULL && job->self->target_secrets != NULL)
    g_hash_table_insert (job->self->target_secrets, target_key (job->name, job->url),
                         g_steal_pointer (&secret));
  else if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_message ("The keyring has no secret request headers for the upload target “%s”%s%s",
               job->name, error != NULL ? ": " : ".", error != NULL ? error->message : "");
  target_job_free (job);
}

/* At start: an upload target's secret header values move from the setting to the
 * keyring (the setting is rewritten once the keyring has them); those already moved
 * are looked up, for the uploads of this run. */
static void
migrate_upload_targets (MeowTaskManager *self)
{
  g_autoptr (GVariant) targets = g_settings_get_value (self->settings, "upload-targets");

  for (gsize i = 0; i < g_variant_n_children (targets); i++)
    {
      const char *name, *protocol, *url, *headers;
      g_auto (GStrv) lines = NULL;
      g_auto (GStrv) secret = NULL;

      g_variant_get_child (targets, i, "(&s&s&s&s)", &name, &protocol, &url, &headers);
      lines = g_strsplit (headers, "\n", -1);
      if ((secret = secret_lines ((const char *const *) lines)) == NULL)
        continue;
      if (lines_have_reference ((const char *const *) lines))
        {
          meow_secrets_lookup_target_headers_async (name, url, self->cancellable, target_found_cb,
                                                    target_job_new (self, name, url, headers));
          continue;
        }
      g_hash_table_insert (self->target_secrets, target_key (name, url), g_strdupv (secret));
      meow_secrets_store_target_headers_async (name, url, (const char *const *) secret,
                                               self->cancellable, target_moved_cb,
                                               target_job_new (self, name, url, headers));
    }
}

static void
target_stored_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  TargetJob *job = user_data;
  g_autoptr (GError) error = NULL;

  if (!meow_secrets_store_target_headers_finish (result, &error) &&
      !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_message ("No keyring to keep the secret request headers of the upload target “%s” in: "
               "%s. They are kept for this run only.",
               job->name, error->message);
  target_job_free (job);
}

/**
 * meow_task_manager_add_upload_target:
 * @self: a manager
 * @name: the target's name
 * @protocol: "tus" or "meow"
 * @url: its URL
 * @headers: its request headers, "Name: value" lines joined by line feeds
 *
 * Adds an upload target at the end of the `upload-targets` setting: what Preferences'
 * Add Target does. The values of its `Authorization`, `Proxy-Authorization` and `Cookie`
 * headers go to the keyring (schema org.gnome.Meow.UploadTarget, by name and URL;
 * asynchronously) and are kept in memory for this run; the setting keeps the names with
 * an empty value. Main thread.
 */
void
meow_task_manager_add_upload_target (MeowTaskManager *self,
                                     const char      *name,
                                     const char      *protocol,
                                     const char      *url,
                                     const char      *headers)
{
  g_autoptr (GVariant) targets = NULL;
  g_auto (GStrv) lines = NULL;
  g_auto (GStrv) secret = NULL;
  g_autofree char *kept = NULL;
  GVariantBuilder  builder;

  g_return_if_fail (MEOW_IS_TASK_MANAGER (self));
  g_return_if_fail (name != NULL && protocol != NULL && url != NULL && headers != NULL);

  lines = g_strsplit (headers, "\n", -1);
  secret = secret_lines ((const char *const *) lines);
  kept = secret != NULL ? redacted_header_text ((const char *const *) lines) : g_strdup (headers);
  if (secret != NULL)
    {
      g_hash_table_insert (self->target_secrets, target_key (name, url), g_strdupv (secret));
      meow_secrets_store_target_headers_async (name, url, (const char *const *) secret,
                                               self->cancellable, target_stored_cb,
                                               target_job_new (self, name, url, kept));
    }

  targets = g_settings_get_value (self->settings, "upload-targets");
  g_variant_builder_init (&builder, G_VARIANT_TYPE ("a(ssss)"));
  for (gsize i = 0; i < g_variant_n_children (targets); i++)
    g_variant_builder_add_value (&builder, g_variant_get_child_value (targets, i));
  g_variant_builder_add (&builder, "(ssss)", name, protocol, url, kept);
  g_settings_set_value (self->settings, "upload-targets", g_variant_builder_end (&builder));
}

/**
 * meow_task_manager_remove_upload_target:
 * @self: a manager
 * @index: the target's position in the `upload-targets` setting
 *
 * Removes the upload target at @index from the setting, and its secret headers from
 * the keyring. Main thread.
 */
void
meow_task_manager_remove_upload_target (MeowTaskManager *self, guint index)
{
  g_autoptr (GVariant) targets = NULL;
  GVariantBuilder builder;

  g_return_if_fail (MEOW_IS_TASK_MANAGER (self));

  targets = g_settings_get_value (self->settings, "upload-targets");
  g_variant_builder_init (&builder, G_VARIANT_TYPE ("a(ssss)"));
  for (gsize i = 0; i < g_variant_n_children (targets); i++)
    {
      const char *name, *url, *headers;
      g_auto (GStrv) lines = NULL;
      g_auto (GStrv) secret = NULL;

      if (i != index)
        {
          g_variant_builder_add_value (&builder, g_variant_get_child_value (targets, i));
          continue;
        }
      g_variant_get_child (targets, i, "(&s&s&s&s)", &name, NULL, &url, &headers);
      lines = g_strsplit (headers, "\n", -1);
      if ((secret = secret_lines ((const char *const *) lines)) != NULL)
        {
          g_autofree char *key = target_key (name, url);

          g_hash_table_remove (self->target_secrets, key);
          meow_secrets_clear_target_headers_async (name, url, NULL, NULL, NULL);
        }
    }
  g_settings_set_value (self->settings, "upload-targets", g_variant_builder_end (&builder));
}

/* For changes no record reports (a task kept paused or canceled outside the client). */
static void
store_set_status (MeowTaskManager *self, MeowTaskItem *item)
{
  g_autoptr (GError) error = NULL;

  if (self->store != NULL &&
      !meow_store_set_status (self->store, meow_task_item_get_id (item),
                              meow_task_item_get_status (item), NULL, &error))
    g_warning ("Cannot save the state of “%s”: %s", meow_task_item_get_name (item), error->message);
}

/* The item's task (a saved item builds it now), or NULL with @error. */
static MeowTask *
task_or_error (MeowTaskItem *item, GError **error)
{
  MeowTask *task = meow_task_item_get_task (item);

  if (task == NULL)
    g_set_error (error, MEOW_ERROR, MEOW_ERROR_INVALID_TASK_STATE,
                 _ ("“%s” cannot be rebuilt from the list of transfers."),
                 meow_task_item_get_name (item));
  return task;
}

/* Written to disk before it returns, so a task is never queued unsaved. */
static gboolean
store_add (MeowTaskManager *self, MeowTaskItem *item, GError **error)
{
  g_autoptr (MeowStoredTask) st = NULL;
  MeowTask *task;

  if (self->store == NULL)
    return TRUE;
  if ((task = task_or_error (item, error)) == NULL)
    return FALSE;
  st = stored_task_new (self, task);
  return meow_store_add (self->store, st, error);
}

static gboolean
enqueue_item_task (MeowTaskManager *self, MeowTaskItem *item, MeowTask *task, GError **error);

/* @task as it was given: its secret header lines back in place of the empty values. */
static MeowTask *
task_with_secrets (MeowTask *task, const char *const *secret, GError **error)
{
  g_autoptr (MeowStoredTask) st = meow_stored_task_new_from_task (task, 0);
  g_auto (GStrv) headers = headers_with (meow_stored_task_get_headers (st), secret);

  meow_stored_task_set_headers (st, (const char *const *) headers);
  return meow_stored_task_build (st, error);
}

/* The secret headers of a task rebuilt from the store could not be found: it waits,
 * Paused, with the reason (Resume looks again); it never runs without them. */
static void
hold_for_secrets (MeowTaskManager *self, MeowTaskItem *item, const GError *why)
{
  g_autoptr (GError) error = NULL;
  gboolean was_finished = is_finished (item);

  if (why != NULL)
    error = g_error_new (MEOW_ERROR, MEOW_ERROR_INVALID_TASK_STATE,
                         _ ("“%s” waits for its secret request headers (Authorization, Cookie): "
                            "the keyring cannot give them (%s). Unlock it, then resume."),
                         meow_task_item_get_name (item), why->message);
  else
    error = g_error_new (MEOW_ERROR, MEOW_ERROR_INVALID_TASK_STATE,
                         _ ("“%s” waits for its secret request headers (Authorization, Cookie): "
                            "they are not in the keyring. Add the transfer again with them."),
                         meow_task_item_get_name (item));
  g_message ("%s", error->message);
  meow_task_item_set_status (item, MEOW_STATUS_PAUSED);
  meow_task_item_set_error_message (item, error->message);
  track_active (self, item, was_finished);
  if (self->store != NULL)
    meow_store_set_status (self->store, meow_task_item_get_id (item), MEOW_STATUS_PAUSED, error,
                           NULL);
  g_signal_emit (self, signals[STATUS_CHANGED], 0, item);
}

static void
secret_headers_found_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  SecretJob       *job = user_data;
  MeowTaskManager *self = job->self;
  g_autoptr (GError) error = NULL;
  g_auto (GStrv) secret = meow_secrets_lookup_headers_finish (result, &error);
  MeowTaskItem *item;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) || self->by_id == NULL)
    goto out;
  g_hash_table_remove (self->secret_lookups, job->id);
  item = by_id_lookup (self, job->id);
  /* Removed meanwhile, or queued by other means. */
  if (item == NULL || meow_task_item_get_live (item))
    goto out;
  if (secret == NULL)
    {
      hold_for_secrets (self, item, error);
      goto out;
    }
  g_hash_table_insert (self->secret_headers, g_strdup (job->id), g_strdupv (secret));
  /* A reason hold_for_secrets() gave before (the keyring was locked) is over. */
  meow_task_item_set_error_message (item, NULL);
  if (!enqueue_item_task (self, item, job->task, &error))
    g_warning ("Cannot queue “%s”: %s", meow_task_item_get_name (item), error->message);

out:
  secret_job_free (job);
}

/* Queues @task (the item's, or another build of it) for @item. A task rebuilt from the
 * store gets its secret headers first: from this run's memory, else from the keyring
 * (asynchronously: the item is queued when they come, or held Paused with the reason). */
static gboolean
enqueue_item_task (MeowTaskManager *self, MeowTaskItem *item, MeowTask *task, GError **error)
{
  g_autofree char *id = NULL;
  g_autoptr (MeowTask) full = NULL;
  gboolean was_finished = is_finished (item);

  if (has_secret_reference (task))
    {
      const char *const *secret =
          g_hash_table_lookup (self->secret_headers, meow_task_item_get_id (item));

      if (secret == NULL)
        {
          if (g_hash_table_add (self->secret_lookups, g_strdup (meow_task_item_get_id (item))))
            meow_secrets_lookup_headers_async (
                meow_task_item_get_id (item), self->cancellable, secret_headers_found_cb,
                secret_job_new (self, meow_task_item_get_id (item), meow_task_item_get_name (item),
                                task));
          return TRUE;
        }
      if ((full = task_with_secrets (task, secret, error)) == NULL)
        return FALSE;
      if (task == meow_task_item_get_task (item))
        meow_task_item_set_task (item, full);
      task = full;
    }

  id = meow_client_enqueue (self->client, task, NULL, NULL, NULL, NULL, error);
  if (id == NULL)
    return FALSE;

  meow_task_item_set_live (item, TRUE);
  meow_task_item_set_status (item, MEOW_STATUS_PENDING);
  track_active (self, item, was_finished);
  g_signal_emit (self, signals[STATUS_CHANGED], 0, item);
  return TRUE;
}

static gboolean
enqueue_item (MeowTaskManager *self, MeowTaskItem *item, GError **error)
{
  MeowTask *task = task_or_error (item, error);

  return task != NULL && enqueue_item_task (self, item, task, error);
}

static void
insert_item (MeowTaskManager *self, MeowTaskItem *item, guint position)
{
  g_hash_table_add (self->by_id, item);
  self->n_finished += is_finished (item);
  meow_task_list_insert (
      self->items, MIN (position, g_list_model_get_n_items (G_LIST_MODEL (self->items))), item);
}

/**
 * meow_task_manager_add_all:
 * @tasks: (element-type MeowTask) (transfer none): new tasks
 * @start_paused: keep them in the list as Paused; Resume queues them
 *
 * Adds @tasks at the end of the list, in order, and queues them: what
 * meow_task_manager_add() does for one, with one write of the store for all of them (a
 * drop of a thousand links must not rewrite the list a thousand times). A task already
 * in the list, or twice in @tasks, is left out; one the client refuses is taken out of
 * the store again. When the store cannot be written, none is added.
 *
 * Returns: how many were added; @error says why, when not all of them were
 */
guint
meow_task_manager_add_all (MeowTaskManager *self,
                           GPtrArray       *tasks,
                           gboolean         start_paused,
                           GError         **error)
{
  g_autoptr (GPtrArray) items = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr (GPtrArray) stored =
      g_ptr_array_new_with_free_func ((GDestroyNotify) meow_stored_task_free);
  g_autoptr (GPtrArray) added = g_ptr_array_new ();
  g_autoptr (GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr (GError) first_error = NULL;

  g_return_val_if_fail (MEOW_IS_TASK_MANAGER (self), 0);
  g_return_val_if_fail (tasks != NULL, 0);
  g_return_val_if_fail (error == NULL || *error == NULL, 0);

  for (guint i = 0; i < tasks->len; i++)
    {
      MeowTask   *task = g_ptr_array_index (tasks, i);
      const char *id = meow_task_get_id (task);

      if (by_id_lookup (self, id) != NULL || !g_hash_table_add (seen, (gpointer) id))
        {
          if (first_error == NULL)
            first_error = g_error_new (MEOW_ERROR, MEOW_ERROR_DUPLICATE_TASK,
                                       _ ("The transfer %s is already in the list."), id);
          continue;
        }
      g_ptr_array_add (items, meow_task_item_new (task));
      if (self->store != NULL)
        g_ptr_array_add (stored, stored_task_new (self, task));
    }

  /* Saved before any is queued, so that a kill loses none of them. */
  if (self->store != NULL &&
      !meow_store_add_all (self->store, (const MeowStoredTask *const *) stored->pdata, stored->len,
                           error))
    return 0;

  for (guint i = 0; i < items->len; i++)
    {
      MeowTaskItem *item = g_ptr_array_index (items, i);
      g_autoptr (GError) local_error = NULL;

      if (start_paused)
        {
          meow_task_item_set_status (item, MEOW_STATUS_PAUSED);
          store_set_status (self, item);
        }
      else if (!enqueue_item (self, item, &local_error))
        {
          if (self->store != NULL)
            meow_store_remove (self->store, meow_task_item_get_id (item), NULL);
          if (first_error == NULL)
            first_error = g_steal_pointer (&local_error);
          continue;
        }
      g_hash_table_add (self->by_id, item);
      g_ptr_array_add (added, item);
    }

  /* One items-changed for the lot. */
  meow_task_list_splice (self->items, g_list_model_get_n_items (G_LIST_MODEL (self->items)), 0,
                         added->pdata, added->len);
  if (first_error != NULL)
    g_propagate_error (error, g_steal_pointer (&first_error));
  return added->len;
}

/**
 * meow_task_manager_add:
 * @task: (transfer none): a new task
 * @start_paused: keep it in the list as Paused; Resume queues it
 *
 * Adds @task at the end of the list and queues it (see meow_task_manager_add_all()).
 *
 * Returns: (transfer none) (nullable): the new item, or %NULL with @error set (the list
 *   is then unchanged)
 */
MeowTaskItem *
meow_task_manager_add (MeowTaskManager *self, MeowTask *task, gboolean start_paused, GError **error)
{
  g_autoptr (GPtrArray) one = g_ptr_array_new ();

  g_return_val_if_fail (MEOW_IS_TASK_MANAGER (self), NULL);
  g_return_val_if_fail (task != NULL, NULL);

  g_ptr_array_add (one, task);
  if (meow_task_manager_add_all (self, one, start_paused, error) == 0)
    return NULL;
  return by_id_lookup (self, meow_task_get_id (task));
}

/* ------------------------------------------------------------------ */
/* Making tasks from what the user gives                               */

/**
 * meow_task_manager_dup_download_folder:
 *
 * Main thread.
 *
 * Returns: (transfer full) (type filename): the folder new downloads go to: the
 *   `download-folder` setting, else the XDG Downloads folder, else the home folder
 */
char *
meow_task_manager_dup_download_folder (MeowTaskManager *self)
{
  g_autofree char *folder = NULL;
  const char      *xdg;

  g_return_val_if_fail (MEOW_IS_TASK_MANAGER (self), NULL);

  folder = g_settings_get_string (self->settings, "download-folder");
  if (folder[0] != '\0')
    return g_steal_pointer (&folder);
  xdg = g_get_user_special_dir (G_USER_DIRECTORY_DOWNLOAD);
  return g_strdup (xdg ? xdg : g_get_home_dir ());
}

/**
 * meow_task_manager_dup_ready_download_folder:
 * @folder: (nullable) (type filename): where to save; %NULL for the download folder
 * @error: why it cannot be created
 *
 * Creates @folder (or the download folder of meow_task_manager_dup_download_folder()) if
 * it is missing, with its parents: where new downloads are made, by
 * meow_task_manager_add_urls() and the browser hand-off. Main thread.
 *
 * Returns: (transfer full) (type filename) (nullable): @folder or the download folder,
 *   which exists; %NULL with @error set when it cannot be created
 */
char *
meow_task_manager_dup_ready_download_folder (MeowTaskManager *self,
                                             const char      *folder,
                                             GError         **error)
{
  g_autofree char *path = NULL;

  g_return_val_if_fail (MEOW_IS_TASK_MANAGER (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  path = folder != NULL ? g_strdup (folder) : meow_task_manager_dup_download_folder (self);
  if (g_mkdir_with_parents (path, 0755) != 0)
    {
      int              saved_errno = errno;
      g_autofree char *display = g_filename_display_name (path);

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                   _ ("Cannot create the folder “%s”: %s"), display, g_strerror (saved_errno));
      return NULL;
    }
  return g_steal_pointer (&path);
}

/* Adds "Name: value" @lines (nullable; name and value trimmed, a line without a colon
 * skipped) to @builder. */
static void
add_header_lines (MeowTaskBuilder *builder, const char *const *lines)
{
  for (gsize i = 0; lines != NULL && lines[i] != NULL; i++)
    {
      const char      *colon = strchr (lines[i], ':');
      g_autofree char *name = NULL;
      g_autofree char *value = NULL;

      if (colon == NULL)
        continue;
      name = g_strstrip (g_strndup (lines[i], colon - lines[i]));
      value = g_strstrip (g_strdup (colon + 1));
      meow_task_builder_add_header (builder, name, value);
    }
}

/**
 * meow_task_manager_dup_folder_for_name:
 * @name: (nullable) (type filename): the download's file name as known when it is added
 *   (the browser's, else the link's last path segment)
 * @error: why the folder cannot be used
 *
 * Where a download added without a folder of its own goes: the folder of the first
 * `folder-rules` rule that matches @name (meow_folder_rules_match()), else the download
 * folder; made if missing (meow_task_manager_dup_ready_download_folder()). Main thread.
 *
 * Returns: (transfer full) (type filename) (nullable): the folder, which exists; %NULL
 *   with @error naming the rule and the folder when it cannot be used
 */
char *
meow_task_manager_dup_folder_for_name (MeowTaskManager *self, const char *name, GError **error)
{
  g_autoptr (GVariant) rules = NULL;
  g_autoptr (GError) local_error = NULL;
  g_autofree char *extension = NULL;
  g_autofree char *rule_folder = NULL;
  g_autofree char *path = NULL;

  g_return_val_if_fail (MEOW_IS_TASK_MANAGER (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  rules = g_settings_get_value (self->settings, "folder-rules");
  rule_folder = meow_folder_rules_match (rules, name, &extension);
  if (rule_folder == NULL)
    return meow_task_manager_dup_ready_download_folder (self, NULL, error);

  if (meow_folder_rules_check_folder (rule_folder, &local_error))
    {
      g_autofree char *expanded = meow_folder_rules_expand (rule_folder);

      path = meow_task_manager_dup_ready_download_folder (self, expanded, &local_error);
    }
  if (path == NULL)
    {
      g_set_error (error, local_error->domain, local_error->code,
                   /* Translators: the first %s is a file name extension (“iso”), the second
                    * why its folder cannot be used; the rule is edited in Preferences */
                   _ ("The folder rule for “.%s” cannot be followed: %s Change the rule in "
                      "Preferences."),
                   extension, local_error->message);
      return NULL;
    }
  return g_steal_pointer (&path);
}

/**
 * meow_task_manager_add_urls:
 * @urls: (array zero-terminated=1): web links (see meow_split_urls())
 * @folder: (nullable) (type filename): where to save; %NULL for the download folder
 * @sha256: (nullable): a checksum, for a single link
 * @start_paused: keep them in the list as Paused; Resume queues them
 *
 * Adds one download per link, made into @folder, which is created if needed: what the
 * Add dialog, a paste, a drop and `meow URL` do. Without @folder each link goes where
 * the folder rules send its name (meow_task_manager_dup_folder_for_name()), which a
 * rule's unusable folder refuses with nothing added. Every link is checked before any is
 * added, so on a bad link nothing is; a link the engine refuses (already in the list)
 * is reported after the others were added (see meow_task_manager_add_all()). Main
 * thread.
 *
 * Returns: whether all of them were added; @error says why not
 */
gboolean
meow_task_manager_add_urls (MeowTaskManager   *self,
                            const char *const *urls,
                            const char        *folder,
                            const char        *sha256,
                            gboolean           start_paused,
                            GError           **error)
{
  return meow_task_manager_add_urls_full (self, urls, folder, sha256, NULL, NULL, start_paused,
                                          error);
}

/**
 * meow_task_manager_add_urls_full:
 * @urls: (array zero-terminated=1): web links (see meow_split_urls())
 * @folder: (nullable) (type filename): where to save; %NULL for the download folder
 * @sha256: (nullable): a checksum, for a single link
 * @headers: (nullable) (array zero-terminated=1): "Name: value" request headers for
 *   every link (the Add dialog's Advanced part: its headers, Referer, User-Agent, Cookie)
 * @cookies_txt: (nullable): the contents of a cookies.txt file (Netscape format): each
 *   link gets the cookies of it that go with that link, as one more `Cookie` header
 * @start_paused: keep them in the list as Paused; Resume queues them
 *
 * meow_task_manager_add_urls() with request headers. The headers ride along on every
 * request of the tasks, across redirects and restarts; the secret ones (`Cookie`,
 * `Authorization`) are kept in the keyring, never in the task list. Main thread.
 *
 * Returns: whether all of them were added; @error says why not
 */
gboolean
meow_task_manager_add_urls_full (MeowTaskManager   *self,
                                 const char *const *urls,
                                 const char        *folder,
                                 const char        *sha256,
                                 const char *const *headers,
                                 GBytes            *cookies_txt,
                                 gboolean           start_paused,
                                 GError           **error)
{
  g_autoptr (GPtrArray) tasks = g_ptr_array_new_with_free_func ((GDestroyNotify) meow_task_unref);
  g_autofree char *ready_folder = NULL;

  g_return_val_if_fail (MEOW_IS_TASK_MANAGER (self), FALSE);
  g_return_val_if_fail (urls != NULL, FALSE);

  /* A folder chosen for these links is stronger than the folder rules. */
  if (folder != NULL)
    {
      ready_folder = meow_task_manager_dup_ready_download_folder (self, folder, error);
      if (ready_folder == NULL)
        return FALSE;
    }

  for (guint i = 0; urls[i] != NULL; i++)
    {
      g_autoptr (MeowTaskBuilder) builder = meow_task_builder_new_download (urls[i]);
      g_autofree char *name = NULL;
      g_autofree char *rule_folder = NULL;
      MeowTask        *task;

      if (ready_folder == NULL)
        {
          name = meow_folder_rules_name_from_url (urls[i]);
          rule_folder = meow_task_manager_dup_folder_for_name (self, name, error);
          if (rule_folder == NULL)
            return FALSE;
        }
      meow_task_builder_set_output_dir (builder, ready_folder ? ready_folder : rule_folder);
      if (sha256 != NULL)
        meow_task_builder_set_checksum (builder, MEOW_CHECKSUM_SHA256, sha256);
      add_header_lines (builder, headers);
      if (cookies_txt != NULL)
        {
          gsize            len = 0;
          const char      *text = g_bytes_get_data (cookies_txt, &len);
          g_autofree char *cookies =
              meow_cookies_txt_lookup (text ? text : "", (gssize) len, urls[i], NULL);

          /* The engine joins it with a Cookie header of @headers into one. */
          if (cookies != NULL)
            meow_task_builder_add_header (builder, "Cookie", cookies);
        }
      task = meow_task_builder_build (builder, error);
      if (task == NULL)
        return FALSE;
      g_ptr_array_add (tasks, task);
    }

  return meow_task_manager_add_all (self, tasks, start_paused, error) == tasks->len;
}

/**
 * meow_task_manager_upload_files:
 * @files: (element-type GFile): local files
 *
 * Uploads @files to the first upload target of the settings (`upload-targets`), with
 * its protocol and headers. Main thread.
 *
 * Returns: how many uploads were added; @error says why some or all were not
 */
guint
meow_task_manager_upload_files (MeowTaskManager *self, GSList *files, GError **error)
{
  return meow_task_manager_upload_files_to (self, files, 0, error);
}

/**
 * meow_task_manager_count_upload_targets:
 *
 * Main thread.
 *
 * Returns: how many upload targets the settings have (`upload-targets`)
 */
guint
meow_task_manager_count_upload_targets (MeowTaskManager *self)
{
  g_autoptr (GVariant) targets = NULL;

  g_return_val_if_fail (MEOW_IS_TASK_MANAGER (self), 0);

  targets = g_settings_get_value (self->settings, "upload-targets");
  return g_variant_n_children (targets);
}

/**
 * meow_task_manager_dup_upload_target_names:
 *
 * Main thread.
 *
 * Returns: (transfer full): the upload targets' names, in the settings' order
 */
char **
meow_task_manager_dup_upload_target_names (MeowTaskManager *self)
{
  g_autoptr (GVariant) targets = NULL;
  GStrvBuilder *names = g_strv_builder_new ();
  char        **result;

  g_return_val_if_fail (MEOW_IS_TASK_MANAGER (self), NULL);

  targets = g_settings_get_value (self->settings, "upload-targets");
  for (gsize i = 0; i < g_variant_n_children (targets); i++)
    {
      const char *name;

      g_variant_get_child (targets, i, "(&s&s&s&s)", &name, NULL, NULL, NULL);
      g_strv_builder_add (names, name);
    }
  result = g_strv_builder_end (names);
  g_strv_builder_unref (names);
  return result;
}

/**
 * meow_task_manager_upload_files_to:
 * @files: (element-type GFile): local files
 * @target: the index of the upload target in the settings (`upload-targets`)
 *
 * Uploads @files to upload target @target, with its protocol and headers: what the
 * Upload Files dialog, a drop or a paste of files does. Main thread.
 *
 * Returns: how many uploads were added; @error says why some or all were not
 */
guint
meow_task_manager_upload_files_to (MeowTaskManager *self,
                                   GSList          *files,
                                   guint            target,
                                   GError         **error)
{
  g_autoptr (GVariant) targets = NULL;
  const char *name, *protocol, *url, *headers;
  g_auto (GStrv) header_lines = NULL;
  g_autoptr (GPtrArray) tasks = g_ptr_array_new_with_free_func ((GDestroyNotify) meow_task_unref);
  g_autoptr (GError) first_error = NULL;
  guint n_added;

  g_return_val_if_fail (MEOW_IS_TASK_MANAGER (self), 0);

  targets = g_settings_get_value (self->settings, "upload-targets");
  if (g_variant_n_children (targets) == 0)
    {
      g_set_error_literal (error, MEOW_ERROR, MEOW_ERROR_PARAMETER_INVALID,
                           _ ("To upload files, add an upload target in Preferences."));
      return 0;
    }
  if (target >= g_variant_n_children (targets))
    {
      g_set_error_literal (error, MEOW_ERROR, MEOW_ERROR_PARAMETER_INVALID,
                           _ ("That upload target is no longer in Preferences."));
      return 0;
    }
  g_variant_get_child (targets, target, "(&s&s&s&s)", &name, &protocol, &url, &headers);
  header_lines = g_strsplit (headers, "\n", -1);
  if (lines_have_reference ((const char *const *) header_lines))
    {
      g_autofree char   *key = target_key (name, url);
      const char *const *secret = g_hash_table_lookup (self->target_secrets, key);

      /* Never sent without them. */
      if (secret == NULL)
        {
          g_set_error (error, MEOW_ERROR, MEOW_ERROR_PARAMETER_INVALID,
                       _ ("The keyring has not given the secret request headers of the upload "
                          "target “%s”: unlock it, or add the target again."),
                       name);
          return 0;
        }
      g_auto (GStrv) given = g_steal_pointer (&header_lines);

      header_lines = headers_with ((const char *const *) given, secret);
    }

  for (GSList *l = files; l != NULL; l = l->next)
    {
      g_autofree char *path = g_file_get_path (l->data);
      g_autoptr (MeowTaskBuilder) builder = NULL;
      g_autoptr (MeowTask) task = NULL;
      g_autoptr (GError) local_error = NULL;

      if (path == NULL)
        {
          g_autofree char *uri = g_file_get_uri (l->data);

          if (first_error == NULL)
            first_error = g_error_new (G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                                       _ ("Only local files can be uploaded, not “%s”."), uri);
          continue;
        }

      builder = meow_task_builder_new_upload_file (url, path);
      meow_task_builder_set_upload_protocol (builder, g_str_equal (protocol, "meow")
                                                          ? MEOW_UPLOAD_PROTOCOL_MEOW
                                                          : MEOW_UPLOAD_PROTOCOL_TUS);
      add_header_lines (builder, (const char *const *) header_lines);

      task = meow_task_builder_build (builder, &local_error);
      if (task != NULL)
        g_ptr_array_add (tasks, g_steal_pointer (&task));
      else if (first_error == NULL)
        first_error = g_steal_pointer (&local_error);
    }

  n_added = meow_task_manager_add_all (self, tasks, FALSE, first_error == NULL ? error : NULL);
  if (first_error != NULL)
    g_propagate_error (error, g_steal_pointer (&first_error));
  return n_added;
}

/* ------------------------------------------------------------------ */
/* Operations on one task                                              */

static MeowTaskItem *
lookup_or_error (MeowTaskManager *self, const char *id, GError **error)
{
  MeowTaskItem *item;

  finish_jobs (self);
  item = by_id_lookup (self, id);
  if (item == NULL)
    g_set_error (error, MEOW_ERROR, MEOW_ERROR_TASK_NOT_FOUND,
                 _ ("The transfer %s is not in the list."), id);
  return item;
}

gboolean
meow_task_manager_pause (MeowTaskManager *self, const char *id, GError **error)
{
  MeowTaskItem *item;

  g_return_val_if_fail (MEOW_IS_TASK_MANAGER (self), FALSE);

  if ((item = lookup_or_error (self, id, error)) == NULL)
    return FALSE;
  if (!meow_task_item_get_live (item))
    {
      g_set_error (error, MEOW_ERROR, MEOW_ERROR_INVALID_TASK_STATE, _ ("“%s” is not running."),
                   meow_task_item_get_name (item));
      return FALSE;
    }
  return meow_client_pause (self->client, id, error);
}

/**
 * meow_task_manager_resume:
 *
 * Resumes a paused task, or queues again one the client does not know any more (a
 * failed, canceled or restored one): this is also Retry.
 */
gboolean
meow_task_manager_resume (MeowTaskManager *self, const char *id, GError **error)
{
  MeowTaskItem *item;

  g_return_val_if_fail (MEOW_IS_TASK_MANAGER (self), FALSE);

  if ((item = lookup_or_error (self, id, error)) == NULL)
    return FALSE;
  if (meow_task_item_get_live (item))
    return meow_client_resume (self->client, id, error);
  if (!meow_task_item_get_restorable (item))
    {
      g_set_error (error, MEOW_ERROR, MEOW_ERROR_INVALID_TASK_STATE,
                   _ ("“%s” cannot be retried: %s"), meow_task_item_get_name (item),
                   meow_task_item_get_error_message (item));
      return FALSE;
    }
  if (meow_task_item_get_status (item) == MEOW_STATUS_COMPLETE)
    {
      g_set_error (error, MEOW_ERROR, MEOW_ERROR_INVALID_TASK_STATE,
                   _ ("“%s” is already complete."), meow_task_item_get_name (item));
      return FALSE;
    }
  return enqueue_item (self, item, error);
}

/**
 * meow_task_manager_change_url:
 * @self: a manager
 * @id: a download's id
 * @url: its new link (http or https)
 * @flags: %MEOW_CHANGE_URL_RESTART to start over from @url under the same name
 * @error: return location for an error
 *
 * Gives a download a new link, in any state but complete: a queued, running or paused
 * one goes on from @url (meow_client_change_url(): its bytes are kept when @url gives the
 * same file, else it fails with %MEOW_ERROR_LINK_CONTENT_DIFFERS and
 * #MeowTaskManager::link-differs is emitted); a failed or canceled one is queued again
 * on @url, as Retry would; one paused outside the client (restored paused) keeps @url
 * for its Resume. The store and the item follow. Main thread.
 *
 * Returns: %TRUE, or %FALSE with @error (an upload, a complete task, a URL that is not
 *   http(s), or the client's errors)
 */
gboolean
meow_task_manager_change_url (MeowTaskManager   *self,
                              const char        *id,
                              const char        *url,
                              MeowChangeUrlFlags flags,
                              GError           **error)
{
  g_autoptr (MeowTask) task = NULL;
  g_autoptr (GError) store_error = NULL;
  MeowTaskItem *item;
  MeowTask     *old;
  MeowStatus    status;

  g_return_val_if_fail (MEOW_IS_TASK_MANAGER (self), FALSE);
  g_return_val_if_fail (url != NULL, FALSE);

  if ((item = lookup_or_error (self, id, error)) == NULL)
    return FALSE;
  if (meow_task_item_get_direction (item) != MEOW_DIRECTION_DOWNLOAD)
    {
      g_set_error (error, MEOW_ERROR, MEOW_ERROR_PARAMETER_INVALID,
                   _ ("“%s” is an upload; only a download’s link can be changed."),
                   meow_task_item_get_name (item));
      return FALSE;
    }
  status = meow_task_item_get_status (item);
  if (status == MEOW_STATUS_COMPLETE)
    {
      g_set_error (error, MEOW_ERROR, MEOW_ERROR_INVALID_TASK_STATE,
                   _ ("“%s” is already complete."), meow_task_item_get_name (item));
      return FALSE;
    }
  if ((old = task_or_error (item, error)) == NULL)
    return FALSE;
  /* The item keeps a task that verifies a .part of another link: a later Retry never
   * starts over unasked. */
  /* Under the name it has (a folder's download was named by the old link's answer). */
  task = meow_task_dup_with_url (old, url, MEOW_RELINK_VERIFY, meow_task_item_get_local_path (item),
                                 error);
  if (task == NULL)
    return FALSE;

  if (meow_task_item_get_live (item))
    {
      if (!meow_client_change_url (self->client, id, url, flags, error))
        return FALSE;
    }
  else if (status == MEOW_STATUS_FAILED || status == MEOW_STATUS_CANCELED)
    {
      g_autoptr (MeowTask) now = NULL;

      now = (flags & MEOW_CHANGE_URL_RESTART) != 0
                ? meow_task_dup_with_url (old, url, MEOW_RELINK_RESTART,
                                          meow_task_item_get_local_path (item), error)
                : meow_task_ref (task);
      if (now == NULL || !enqueue_item_task (self, item, now, error))
        return FALSE;
    }

  meow_task_item_set_task (item, task);
  if (self->store != NULL &&
      !meow_store_set_url (self->store, meow_task_get_id (task), url, &store_error))
    g_warning ("Cannot save the new link of “%s”: %s", meow_task_item_get_name (item),
               store_error->message);
  return TRUE;
}

/**
 * meow_task_manager_set_limits:
 * @self: a manager
 * @id: a task's id
 * @speed_limit: its own speed limit, bytes per second; 0 for none
 * @segments: a download's connections (0: the preference's, at most 16); an
 *   upload's must be 0
 * @error: return location for an error
 *
 * Changes a task's own speed limit and connection count, in any state: a
 * running transfer takes them at once without a stop
 * (meow_client_set_task_speed_limit(), meow_client_set_task_segments()),
 * and the item and the store keep them for later starts. Main thread.
 *
 * Returns: %TRUE, or %FALSE with @error (an upload given connections, or the
 *   client's errors)
 */
gboolean
meow_task_manager_set_limits (
    MeowTaskManager *self, const char *id, guint64 speed_limit, guint segments, GError **error)
{
  g_autoptr (MeowTask) task = NULL;
  g_autoptr (GError) store_error = NULL;
  MeowTaskItem *item;
  MeowTask     *old;

  g_return_val_if_fail (MEOW_IS_TASK_MANAGER (self), FALSE);

  if ((item = lookup_or_error (self, id, error)) == NULL)
    return FALSE;
  if (segments > 0 && meow_task_item_get_direction (item) != MEOW_DIRECTION_DOWNLOAD)
    {
      g_set_error (error, MEOW_ERROR, MEOW_ERROR_PARAMETER_INVALID,
                   _ ("“%s” is an upload; only a download uses several connections."),
                   meow_task_item_get_name (item));
      return FALSE;
    }
  if ((old = task_or_error (item, error)) == NULL)
    return FALSE;
  if (meow_task_get_speed_limit (old) == speed_limit && meow_task_get_segments (old) == segments)
    return TRUE;
  if (meow_task_item_get_live (item))
    {
      if (!meow_client_set_task_speed_limit (self->client, id, speed_limit, error))
        return FALSE;
      if (meow_task_item_get_direction (item) == MEOW_DIRECTION_DOWNLOAD &&
          !meow_client_set_task_segments (self->client, id, segments, error))
        return FALSE;
    }
  task = meow_task_dup_with_settings (old, speed_limit, segments);
  meow_task_item_set_task (item, task);
  if (self->store != NULL && !meow_store_set_limits (self->store, meow_task_get_id (task),
                                                     speed_limit, segments, &store_error))
    g_warning ("Cannot save the limits of “%s”: %s", meow_task_item_get_name (item),
               store_error->message);
  return TRUE;
}

static void
login_stored_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GError) error = NULL;

  if (!meow_secrets_store_finish (result, &error) &&
      !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_warning ("Cannot keep the login in the keyring: %s", error->message);
}

/* @item waits for its proxy's login: the client keeps it for that proxy (every task
 * through it uses it from now on), @item and the others paused for the same proxy
 * resume, and with @remember it goes to the keyring (org.gnome.Meow.ProxyLogin, by the
 * proxy's scheme, host, port and realm). */
static gboolean
sign_in_proxy (MeowTaskManager *self,
               MeowTaskItem    *item,
               const char      *user,
               const char      *password,
               gboolean         remember,
               GError         **error)
{
  g_autofree char *proxy = g_strdup (meow_task_item_get_auth_proxy (item));
  g_autofree char *realm = g_strdup (meow_task_item_get_auth_realm (item));
  g_autoptr (GPtrArray) waiting = g_ptr_array_new_with_free_func (g_free);
  GHashTableIter iter;
  MeowTaskItem  *other;

  if (proxy == NULL)
    {
      g_set_error (error, MEOW_ERROR, MEOW_ERROR_INVALID_TASK_STATE,
                   _ ("“%s” is not waiting for a login."), meow_task_item_get_name (item));
      return FALSE;
    }
  if (!meow_client_set_proxy_credentials (self->client, proxy, user, password, error) ||
      !meow_client_resume (self->client, meow_task_item_get_id (item), error))
    return FALSE;
  g_hash_table_iter_init (&iter, self->by_id);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &other))
    if (other != item && meow_task_item_get_live (other) &&
        meow_task_item_get_status (other) == MEOW_STATUS_PAUSED &&
        meow_task_item_get_wait_reason (other) == MEOW_WAIT_PROXY_SIGN_IN &&
        g_strcmp0 (meow_task_item_get_auth_proxy (other), proxy) == 0)
      g_ptr_array_add (waiting, g_strdup (meow_task_item_get_id (other)));
  for (guint i = 0; i < waiting->len; i++)
    {
      g_autoptr (GError) local_error = NULL;

      if (!meow_client_resume (self->client, g_ptr_array_index (waiting, i), &local_error))
        g_debug ("Cannot resume a task after the proxy login: %s", local_error->message);
    }
  if (remember)
    {
      g_autoptr (MeowLoginKey) key = meow_login_key_new_for_proxy (proxy, realm);

      if (key != NULL)
        meow_secrets_store_async (key, user, password, self->cancellable, login_stored_cb, NULL);
    }
  return TRUE;
}

/**
 * meow_task_manager_sign_in:
 * @self: a manager
 * @id: the id of a download paused for a login (%MEOW_WAIT_SIGN_IN), or for its
 *   proxy's (%MEOW_WAIT_PROXY_SIGN_IN)
 * @user: the user name
 * @password: the password (copied, never logged nor stored in the list)
 * @remember: whether to keep the login in the keyring for the server and realm (or
 *   the proxy and realm), so that later downloads from it (or through it) sign in
 *   without asking
 * @error: return location for an error
 *
 * Gives the download the login and resumes it. Main thread.
 *
 * Returns: %TRUE, or %FALSE with @error (not a download waiting for a login, or the
 *   client's errors)
 */
gboolean
meow_task_manager_sign_in (MeowTaskManager *self,
                           const char      *id,
                           const char      *user,
                           const char      *password,
                           gboolean         remember,
                           GError         **error)
{
  MeowTaskItem *item;

  g_return_val_if_fail (MEOW_IS_TASK_MANAGER (self), FALSE);
  g_return_val_if_fail (user != NULL && password != NULL, FALSE);

  if ((item = lookup_or_error (self, id, error)) == NULL)
    return FALSE;
  if (!meow_task_item_get_live (item) || !meow_task_item_needs_sign_in (item))
    {
      g_set_error (error, MEOW_ERROR, MEOW_ERROR_INVALID_TASK_STATE,
                   _ ("“%s” is not waiting for a login."), meow_task_item_get_name (item));
      return FALSE;
    }
  if (meow_task_item_get_wait_reason (item) == MEOW_WAIT_PROXY_SIGN_IN)
    return sign_in_proxy (self, item, user, password, remember, error);
  if (!meow_client_set_credentials (self->client, id, user, password, error) ||
      !meow_client_resume (self->client, id, error))
    return FALSE;
  if (remember)
    {
      g_autoptr (MeowLoginKey) key = meow_login_key_new_for_url (
          meow_task_item_get_url (item), meow_task_item_get_auth_realm (item));

      if (key != NULL)
        meow_secrets_store_async (key, user, password, self->cancellable, login_stored_cb, NULL);
    }
  return TRUE;
}

gboolean
meow_task_manager_cancel (MeowTaskManager *self, const char *id, GError **error)
{
  MeowTaskItem *item;

  g_return_val_if_fail (MEOW_IS_TASK_MANAGER (self), FALSE);

  if ((item = lookup_or_error (self, id, error)) == NULL)
    return FALSE;
  if (!meow_task_item_get_live (item))
    {
      if (meow_task_item_is_finished (item))
        {
          g_set_error (error, MEOW_ERROR, MEOW_ERROR_INVALID_TASK_STATE,
                       _ ("“%s” has already finished."), meow_task_item_get_name (item));
          return FALSE;
        }
      /* Paused and not in the client (added paused, or restored): nothing to stop. */
      gboolean was_finished = is_finished (item);

      meow_task_item_set_status (item, MEOW_STATUS_CANCELED);
      track_active (self, item, was_finished);
      store_set_status (self, item);
      g_signal_emit (self, signals[STATUS_CHANGED], 0, item);
      return TRUE;
    }
  return meow_client_cancel (self->client, id, error);
}

/* The item of @id when it is queued in the client (live and Pending), else NULL with
 * an error that names it. */
static MeowTaskItem *
lookup_queued_or_error (MeowTaskManager *self, const char *id, GError **error)
{
  MeowTaskItem *item = lookup_or_error (self, id, error);

  if (item == NULL)
    return NULL;
  if (!meow_task_item_get_live (item) || meow_task_item_get_status (item) != MEOW_STATUS_PENDING)
    {
      g_set_error (error, MEOW_ERROR, MEOW_ERROR_INVALID_TASK_STATE, _ ("“%s” is not queued."),
                   meow_task_item_get_name (item));
      return NULL;
    }
  return item;
}

/* @item goes to the top or the end of the list, in the store too (the next start queues
 * the unfinished tasks again in the list's order). */
static void
move_item (MeowTaskManager *self, MeowTaskItem *item, MeowQueuePosition position)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->items));
  guint pos;

  if (!meow_task_list_find (self->items, item, &pos))
    g_assert_not_reached ();
  if (position == MEOW_QUEUE_POSITION_FRONT ? pos != 0 : pos != n - 1)
    {
      g_autoptr (MeowTaskItem) held = g_object_ref (item);

      meow_task_list_remove (self->items, pos);
      meow_task_list_insert (self->items, position == MEOW_QUEUE_POSITION_FRONT ? 0 : n - 1, held);
    }
  if (self->store != NULL)
    {
      g_autoptr (GError) error = NULL;

      if (!meow_store_move (self->store, meow_task_item_get_id (item), position, &error))
        g_warning ("Cannot save the list’s order: %s", error->message);
    }
}

static gboolean
move_queued (MeowTaskManager *self, const char *id, MeowQueuePosition position, GError **error)
{
  MeowTaskItem *item;

  g_return_val_if_fail (MEOW_IS_TASK_MANAGER (self), FALSE);
  g_return_val_if_fail (id != NULL, FALSE);

  if ((item = lookup_queued_or_error (self, id, error)) == NULL)
    return FALSE;
  if (!meow_client_move (self->client, id, position, error))
    return FALSE;
  move_item (self, item, position);
  return TRUE;
}

/**
 * meow_task_manager_move_to_top:
 * @self: a manager
 * @id: a queued task's id
 * @error: return location for an error
 *
 * Makes a queued task the next of its direction to start (meow_client_move()) and puts
 * it at the top of the list, in the store too: the next start queues the unfinished
 * tasks again in the list's order. Main thread.
 *
 * Returns: %TRUE, or %FALSE with @error (%MEOW_ERROR_INVALID_TASK_STATE when the task
 *   is not queued: running, paused or finished)
 */
gboolean
meow_task_manager_move_to_top (MeowTaskManager *self, const char *id, GError **error)
{
  return move_queued (self, id, MEOW_QUEUE_POSITION_FRONT, error);
}

/**
 * meow_task_manager_move_to_bottom:
 * @self: a manager
 * @id: a queued task's id
 * @error: return location for an error
 *
 * Puts a queued task behind every other queued one of its direction and at the end of
 * the list, in the store too. Main thread.
 *
 * Returns: %TRUE, or %FALSE with @error (as meow_task_manager_move_to_top())
 */
gboolean
meow_task_manager_move_to_bottom (MeowTaskManager *self, const char *id, GError **error)
{
  return move_queued (self, id, MEOW_QUEUE_POSITION_BACK, error);
}

/**
 * meow_task_manager_move_beside:
 * @self: a manager
 * @id: a queued task's id
 * @other_id: another queued task's id, of the same direction
 * @position: %MEOW_QUEUE_POSITION_FRONT: just before @other_id (it starts before it);
 *   %MEOW_QUEUE_POSITION_BACK: just after it
 * @error: return location for an error
 *
 * Drag and drop: puts a queued task next to another queued one in the client's queue
 * (meow_client_move_before() or _after()), in the list and in the store. Main thread.
 *
 * Returns: %TRUE, or %FALSE with @error (%MEOW_ERROR_INVALID_TASK_STATE when either
 *   task is not queued; %MEOW_ERROR_PARAMETER_INVALID for a download and an upload)
 */
gboolean
meow_task_manager_move_beside (MeowTaskManager  *self,
                               const char       *id,
                               const char       *other_id,
                               MeowQueuePosition position,
                               GError          **error)
{
  MeowTaskItem *item;
  MeowTaskItem *other;
  guint         pos;

  g_return_val_if_fail (MEOW_IS_TASK_MANAGER (self), FALSE);
  g_return_val_if_fail (id != NULL, FALSE);
  g_return_val_if_fail (other_id != NULL, FALSE);

  if ((item = lookup_queued_or_error (self, id, error)) == NULL ||
      (other = lookup_queued_or_error (self, other_id, error)) == NULL)
    return FALSE;
  if (item == other)
    return TRUE;
  if (!(position == MEOW_QUEUE_POSITION_FRONT
            ? meow_client_move_before (self->client, id, other_id, error)
            : meow_client_move_after (self->client, id, other_id, error)))
    return FALSE;

  {
    g_autoptr (MeowTaskItem) held = g_object_ref (item);

    if (!meow_task_list_find (self->items, item, &pos))
      g_assert_not_reached ();
    meow_task_list_remove (self->items, pos);
    if (!meow_task_list_find (self->items, other, &pos))
      g_assert_not_reached ();
    meow_task_list_insert (self->items, position == MEOW_QUEUE_POSITION_FRONT ? pos : pos + 1,
                           held);
  }
  if (self->store != NULL)
    {
      g_autoptr (GError) local = NULL;

      if (!meow_store_move_beside (self->store, id, other_id, position, &local))
        g_warning ("Cannot save the list’s order: %s", local->message);
    }
  return TRUE;
}

/**
 * meow_task_manager_start_now:
 * @self: a manager
 * @id: a queued task's id
 * @error: return location for an error
 *
 * Starts a queued task at once, one over the concurrency limit while it runs
 * (meow_client_start_now(): nothing running is stopped for it). The list's order stays.
 * Main thread.
 *
 * Returns: %TRUE, or %FALSE with @error (as meow_task_manager_move_to_top())
 */
gboolean
meow_task_manager_start_now (MeowTaskManager *self, const char *id, GError **error)
{
  g_return_val_if_fail (MEOW_IS_TASK_MANAGER (self), FALSE);
  g_return_val_if_fail (id != NULL, FALSE);

  if (lookup_queued_or_error (self, id, error) == NULL)
    return FALSE;
  return meow_client_start_now (self->client, id, error);
}

/**
 * meow_task_manager_remove:
 * @position: (out) (optional): where the item was, for meow_task_manager_restore()
 *
 * Removes a task from the list, canceling it first when it is live.
 *
 * Returns: (transfer full) (nullable): the removed item
 */
MeowTaskItem *
meow_task_manager_remove (MeowTaskManager *self, const char *id, guint *position, GError **error)
{
  MeowTaskItem *item;
  guint         pos = 0;

  g_return_val_if_fail (MEOW_IS_TASK_MANAGER (self), NULL);

  if ((item = lookup_or_error (self, id, error)) == NULL)
    return NULL;
  g_object_ref (item);
  /* Out of the count as it is now; the changes below happen outside the list. */
  self->n_finished -= is_finished (item);
  /* A saved item builds its task from the store: now, while the store has it, for Undo
   * (meow_task_manager_restore() saves the task again). */
  (void) meow_task_item_get_task (item);

  if (meow_task_item_get_live (item))
    {
      g_autoptr (GError) local_error = NULL;

      /* The Canceled record will find no item; say it here. */
      if (!meow_client_cancel (self->client, id, &local_error))
        g_debug ("Removing %s: %s", id, local_error->message);
      meow_task_item_set_live (item, FALSE);
      meow_task_item_set_status (item, MEOW_STATUS_CANCELED);
    }

  g_hash_table_remove (self->by_id, item);
  if (meow_task_list_find (self->items, item, &pos))
    meow_task_list_remove (self->items, pos);
  track_active (self, item, FALSE);
  if (self->store != NULL)
    {
      g_autoptr (GError) local_error = NULL;

      if (!meow_store_remove (self->store, id, &local_error))
        g_warning ("Cannot save the list: %s", local_error->message);
    }
  if (meow_task_item_get_task (item) != NULL)
    clear_secret_headers (self, meow_task_item_get_id (item),
                          meow_task_get_headers (meow_task_item_get_task (item)));

  if (position)
    *position = pos;
  return item;
}

/**
 * meow_task_manager_restore:
 *
 * Puts back an item that meow_task_manager_remove() returned (Undo). A task that was
 * canceled by the removal comes back canceled; Retry queues it again.
 */
gboolean
meow_task_manager_restore (MeowTaskManager *self,
                           MeowTaskItem    *item,
                           guint            position,
                           GError         **error)
{
  g_return_val_if_fail (MEOW_IS_TASK_MANAGER (self), FALSE);
  g_return_val_if_fail (MEOW_IS_TASK_ITEM (item), FALSE);

  finish_jobs (self);
  if (by_id_lookup (self, meow_task_item_get_id (item)) != NULL)
    {
      g_set_error (error, MEOW_ERROR, MEOW_ERROR_DUPLICATE_TASK, _ ("“%s” is already in the list."),
                   meow_task_item_get_name (item));
      return FALSE;
    }
  if (!store_add (self, item, error))
    return FALSE;
  store_set_status (self, item);
  insert_item (self, item, position);
  return TRUE;
}

/**
 * meow_task_manager_has_finished:
 *
 * Returns: whether meow_task_manager_clear_finished() would clear anything. Main thread.
 */
gboolean
meow_task_manager_has_finished (MeowTaskManager *self)
{
  g_return_val_if_fail (MEOW_IS_TASK_MANAGER (self), FALSE);

  /* A count kept as items change (track_active()): the window asks on every status
   * change, and a scan of a long history with nothing finished in it costs milliseconds. */
  return self->n_finished > 0;
}

/* One cleared task: the item, where it was, and what the store had of it. */
typedef struct
{
  MeowTaskItem   *item;
  guint           position;
  MeowStoredTask *stored; /* nullable: no store, or the store did not have it */
} Cleared;

static void
cleared_free (Cleared *c)
{
  g_clear_object (&c->item);
  g_clear_pointer (&c->stored, meow_stored_task_free);
  g_free (c);
}

static void
clear_finished_written_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GError) error = NULL;

  /* A failure was emitted as MeowStore::write-failed too (the app shows it). */
  if (!meow_store_remove_all_finish (MEOW_STORE (source), result, &error))
    g_debug ("Clear Finished: %s", error->message);
}

static void
restore_written_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GError) error = NULL;

  /* A failure was emitted as MeowStore::write-failed too (the app shows it). */
  if (!meow_store_add_all_finish (MEOW_STORE (source), result, &error))
    g_debug ("Undo of Clear Finished: %s", error->message);
}

/* A slice of Clear Finished or Undo covers at most this many positions of the list: a
 * list this short changes in one items-changed, as it always did. */
#define SLICE_POSITIONS 4096
/* The list view binds rows for the first TOP_ROWS positions or so (GTK 4.8 builds 200 up
 * front, see ui/README.md): a change there binds and unbinds a row per position moved
 * into or out of them, some 1 ms each. A job longer than one slice changes those
 * positions TOP_SLICE at a time. */
#define TOP_ROWS 256
#define TOP_SLICE 24

/* How many positions a slice from @position may span, in a job that spans @span. */
static guint
slice_positions (guint position, guint span)
{
  if (span < SLICE_POSITIONS)
    return SLICE_POSITIONS; /* one slice: a short list changes once */
  if (position < TOP_ROWS)
    return TOP_SLICE;
  return MIN (SLICE_POSITIONS, position - TOP_ROWS + 1); /* down to TOP_ROWS, not into it */
}

/* Takes the last slice of clearing (at most @max of them, within SLICE_POSITIONS
 * positions) out of the list in one splice over the range from its first to its last.
 * The slices go from the end of the list to its start, so that the positions of those
 * still to go do not move: only adds (at the end) can happen meanwhile. */
static void
clear_slice (MeowTaskManager *self, guint max)
{
  g_autoptr (GPtrArray) kept = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr (GPtrArray) ids = g_ptr_array_new ();
  GListModel *model = G_LIST_MODEL (self->items);
  Cleared    *last_c = g_ptr_array_index (self->clearing, self->clear_left - 1);
  guint       first, last = last_c->position, lo = self->clear_left - 1, next;
  guint       span = slice_positions (last, self->job_span);

  while (lo > 0 && self->clear_left - lo < max &&
         last - ((Cleared *) g_ptr_array_index (self->clearing, lo - 1))->position < span)
    lo--;
  first = ((Cleared *) g_ptr_array_index (self->clearing, lo))->position;

  /* What lies between the cleared ones of the slice stays, in its order. */
  next = lo;
  for (guint i = first; i <= last; i++)
    {
      Cleared *c = g_ptr_array_index (self->clearing, next);

      if (c->position == i)
        {
          g_autoptr (MeowTaskItem) here = g_list_model_get_item (model, i);

          g_assert (here == c->item);
          g_hash_table_remove (self->by_id, c->item);
          /* What the store has of it, for Undo: taken before the store lets it go. */
          if (self->store != NULL)
            c->stored = meow_store_dup_task (self->store, meow_task_item_get_id (c->item));
          if (c->stored != NULL)
            clear_secret_headers (self, meow_task_item_get_id (c->item),
                                  meow_stored_task_get_headers (c->stored));
          g_ptr_array_add (ids, (gpointer) meow_task_item_get_id (c->item));
          next++;
        }
      else
        g_ptr_array_add (kept, g_list_model_get_item (model, i));
    }
  g_assert (next == self->clear_left);
  self->clear_left = lo;
  meow_task_list_splice (self->items, first, last - first + 1, kept->pdata, kept->len);
  /* The store takes the slice out of its table (a few ms for 4,096; 100,000 at once held
   * the main thread 90 ms) and its thread deletes the rows: the slices that come while it
   * writes make one transaction. */
  if (self->store != NULL)
    meow_store_remove_all_async (self->store, (const char *const *) ids->pdata, ids->len, NULL,
                                 clear_finished_written_cb, NULL);
  if (self->clear_left == 0)
    g_clear_pointer (&self->clearing, g_ptr_array_unref);
}

static Cleared *
cleared_at (MeowTaskManager *self, guint index)
{
  return g_ptr_array_index (self->restoring, index);
}

/* Puts the next slice of restoring (at most @max, within SLICE_POSITIONS positions) back
 * in the list, in one splice: each where it was, as far as the list still has as many
 * before it. From the start of the list to its end, so that the places of the earlier
 * ones stay right. */
static void
restore_slice (MeowTaskManager *self, guint max)
{
  g_autoptr (GPtrArray) merged = NULL;
  g_autoptr (GPtrArray) stored = NULL;
  GListModel *model = G_LIST_MODEL (self->items);
  guint       n = g_list_model_get_n_items (model);
  guint       begin = self->restore_next, end, start, span, i;

  /* Those back in the list already (Undo twice, or added again) are left out. */
  while (begin < self->restoring->len &&
         by_id_lookup (self, meow_task_item_get_id (cleared_at (self, begin)->item)) != NULL)
    begin++;
  if (begin == self->restoring->len)
    {
      g_clear_pointer (&self->restoring, g_ptr_array_unref);
      return;
    }
  end = begin;
  start = MIN (cleared_at (self, begin)->position, n);
  span = start < TOP_ROWS && self->job_span >= SLICE_POSITIONS ? MIN (TOP_SLICE, TOP_ROWS - start)
                                                               : SLICE_POSITIONS;
  while (end < self->restoring->len && end - begin < max &&
         cleared_at (self, end)->position - start < span)
    end++;

  /* Merge by the old positions (ascending); the splice replaces the list from the first
   * one put back to the last one's place (or the end of the list, if it is nearer). */
  merged = g_ptr_array_new_full (end - begin + 64, g_object_unref);
  stored = g_ptr_array_new_with_free_func ((GDestroyNotify) meow_stored_task_free);
  i = start;
  for (guint next = begin; next < end;)
    {
      Cleared *c = g_ptr_array_index (self->restoring, next);

      if (by_id_lookup (self, meow_task_item_get_id (c->item)) != NULL)
        next++;
      else if (i >= n || c->position <= start + merged->len)
        {
          g_ptr_array_add (merged, g_object_ref (c->item));
          g_hash_table_add (self->by_id, c->item);
          self->n_finished += is_finished (c->item);
          if (c->stored != NULL)
            {
              /* Clear Finished took its keyring item: what this run knows goes back. */
              keep_secret_headers (self, meow_task_item_get_id (c->item),
                                   meow_task_item_get_name (c->item));
              g_ptr_array_add (stored, g_steal_pointer (&c->stored));
            }
          next++;
        }
      else
        g_ptr_array_add (merged, g_list_model_get_item (model, i++));
    }
  /* The last slice takes the tail of a short list along (one change to its end, as
   * Undo always made); a long tail is left as it is. */
  if (end == self->restoring->len && n - start <= SLICE_POSITIONS)
    while (i < n)
      g_ptr_array_add (merged, g_list_model_get_item (model, i++));
  self->restore_next = end;
  meow_task_list_splice (self->items, start, i - start, merged->pdata, merged->len);
  /* The store takes the slice's saved values back (no copy), written by its thread
   * without waiting (transactions of slices that come while one is written are one). */
  if (self->store != NULL)
    meow_store_add_all_async (self->store, g_steal_pointer (&stored), NULL, restore_written_cb,
                              NULL);
  if (self->restore_next == self->restoring->len)
    g_clear_pointer (&self->restoring, g_ptr_array_unref);
}

/* The Clear Finished or Undo under way, one slice (or, with @all, everything left). */
static gboolean
slice_step (MeowTaskManager *self, gboolean all)
{
  if (self->clearing != NULL)
    clear_slice (self, all ? G_MAXUINT : self->batch);
  else if (self->restoring != NULL)
    restore_slice (self, all ? G_MAXUINT : self->batch);
  return self->clearing != NULL || self->restoring != NULL;
}

static gboolean
slice_idle_cb (gpointer user_data)
{
  MeowTaskManager *self = user_data;
  gint64           started = g_get_monotonic_time ();
  guint            n = self->batch;
  gboolean         more = slice_step (self, FALSE);

  self->batch = next_batch_size (n, g_get_monotonic_time () - started);
  if (more)
    return G_SOURCE_CONTINUE;
  self->slice_source = 0;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BUSY]);
  return G_SOURCE_REMOVE;
}

/* Carries out a job that spans less than SLICE_POSITIONS now, in one change (as a short
 * list always changed), a longer one in slices from an idle callback. */
static void
slices_start (MeowTaskManager *self)
{
  GSource *source;

  self->batch = BATCH_MIN;
  /* A longer job starts in the next main-loop iteration: the action's own work (the
   * scan of the list) and the first slice are then two stalls, not one. */
  if (self->job_span < SLICE_POSITIONS && !slice_step (self, TRUE))
    return;
  source = g_idle_source_new ();
  g_source_set_callback (source, slice_idle_cb, self, NULL);
  g_source_set_static_name (source, "[meow] Clear Finished");
  self->slice_source = g_source_attach (source, g_main_context_get_thread_default ());
  g_source_unref (source);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BUSY]);
}

/* Finishes what runs in idle batches (the load, a Clear Finished, its Undo) before a
 * change that could move what they have still to do: a removal, an Undo, a status the
 * user sets, a lookup by id that should find every task. */
static void
finish_jobs (MeowTaskManager *self)
{
  gboolean was_busy = meow_task_manager_get_busy (self);

  if (self->load_source != 0)
    {
      g_clear_handle_id (&self->load_source, g_source_remove);
      load_batch (self, G_MAXUINT);
    }
  if (self->slice_source != 0)
    {
      g_clear_handle_id (&self->slice_source, g_source_remove);
      while (slice_step (self, TRUE))
        ;
    }
  if (was_busy)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BUSY]);
}

/**
 * meow_task_manager_clear_finished:
 * @error: return location for an error writing the store
 *
 * "Clear Finished": takes every Complete and Canceled task that is not live out of the
 * list and the store. Failed tasks stay: they need attention (Retry or Remove). A task
 * that finishes after the call stays too: only what was finished when it ran is taken.
 *
 * The list changes in slices of at most 4,096 positions, each one
 * meow_task_list_splice() (one #GListModel::items-changed, however many it clears, over
 * the range from its first cleared task to its last: what lies outside it is not
 * touched); a list that short changes before this returns, a longer one from its end to
 * its start in slices from an idle callback, each sized to hold the main thread about
 * 12 ms (#MeowTaskManager:busy is %TRUE meanwhile; whatever would remove a task, change
 * one, look one up by id or Undo carries out the rest first). The store removes each
 * slice's tasks with it, without waiting (meow_store_remove_all_async(): the main thread
 * never waits for the disk; its writer thread makes one transaction of the slices that
 * come while it writes, so a kill can leave the later slices' finished tasks on disk, to
 * come back at the next start). When the store cannot be written the tasks
 * are cleared anyway (the next write removes them on disk) and the store's
 * #MeowStore::write-failed says so; @error is kept for the API and is not set.
 *
 * Returns: (transfer full): what meow_task_manager_restore_cleared() needs for Undo, an
 *   opaque array whose length is the number of tasks cleared (0 when nothing was
 *   finished). Main thread.
 */
GPtrArray *
meow_task_manager_clear_finished (MeowTaskManager *self, GError **error)
{
  g_autoptr (GPtrArray) cleared = NULL;
  GListModel *model;
  guint       n;

  g_return_val_if_fail (MEOW_IS_TASK_MANAGER (self), NULL);

  finish_jobs (self);
  cleared = g_ptr_array_new_full (self->n_finished, (GDestroyNotify) cleared_free);
  if (self->n_finished == 0)
    return g_steal_pointer (&cleared);

  model = G_LIST_MODEL (self->items);
  n = g_list_model_get_n_items (model);
  for (guint i = 0; i < n; i++)
    {
      MeowTaskItem *item = g_list_model_get_item (model, i);
      Cleared      *c;

      if (!is_finished (item))
        {
          g_object_unref (item);
          continue;
        }
      c = g_new0 (Cleared, 1);
      c->item = item;
      c->position = i;
      g_ptr_array_add (cleared, c);
    }
  g_assert (cleared->len > 0);
  self->n_finished -= cleared->len;
  self->clearing = g_ptr_array_ref (cleared);
  self->clear_left = cleared->len;
  self->job_span = ((Cleared *) g_ptr_array_index (cleared, cleared->len - 1))->position -
                   ((Cleared *) g_ptr_array_index (cleared, 0))->position;
  slices_start (self);
  return g_steal_pointer (&cleared);
}

/**
 * meow_task_manager_restore_cleared:
 * @cleared: (transfer none): what meow_task_manager_clear_finished() returned
 * @error: return location for an error
 *
 * Undo for meow_task_manager_clear_finished(): puts the tasks back in the list where they
 * were (as far as the list still has as many before them) and into the store as they were
 * saved, without waiting for the store (meow_store_add_all_async(): 100,000 rows take
 * seconds to insert). The list changes in slices as for the clear, from its start to its
 * end, and the store takes each slice's tasks with it (the writer thread makes one
 * transaction of the slices that come while it writes). A task added again since (same id)
 * is left out. The restored tasks go to the end of the store's order; the list's order is
 * the one the user sees. When the store cannot be written the tasks are restored anyway
 * (the next write inserts them) and the store's #MeowStore::write-failed says so; @error
 * is kept for the API and is not set.
 *
 * Returns: %TRUE. Main thread.
 */
gboolean
meow_task_manager_restore_cleared (MeowTaskManager *self, GPtrArray *cleared, GError **error)
{
  g_return_val_if_fail (MEOW_IS_TASK_MANAGER (self), FALSE);
  g_return_val_if_fail (cleared != NULL, FALSE);

  finish_jobs (self);
  if (cleared->len == 0)
    return TRUE;
  /* Each slice skips the tasks the list has again (nothing else changes the list by id
   * while it runs: see finish_jobs()). */
  self->restoring = g_ptr_array_ref (cleared);
  self->restore_next = 0;
  self->job_span = cleared_at (self, cleared->len - 1)->position - cleared_at (self, 0)->position;
  slices_start (self);
  return TRUE;
}

/* A saved task that cannot be rebuilt (an upload whose file is gone) stays in the list
 * as Failed with the reason, over a placeholder task with its id, name and URL that is
 * never queued: Remove drops it from the list and the store. Returns the item, or NULL
 * when there is not even a URL to show. */
static MeowTaskItem *
unrestorable_item (MeowTaskManager *self, const MeowStoredTask *st, const GError *error)
{
  g_autoptr (GBytes) nothing = g_bytes_new_static ("", 0);
  g_autoptr (MeowTaskBuilder) builder = NULL;
  g_autoptr (MeowTask) placeholder = NULL;
  g_autoptr (MeowTaskItem) item = NULL;
  g_autoptr (GError) local_error = NULL;
  g_autofree char *name = NULL;

  if (meow_stored_task_get_name (st) != NULL)
    name = g_strdup (meow_stored_task_get_name (st));
  else if (meow_stored_task_get_local_path (st) != NULL)
    name = g_path_get_basename (meow_stored_task_get_local_path (st));
  else
    name = g_strdup (meow_stored_task_get_url (st));

  builder = meow_task_builder_new_upload_bytes (meow_stored_task_get_url (st), nothing, name);
  meow_task_builder_set_id (builder, meow_stored_task_get_id (st));
  meow_task_builder_set_name (builder, name);
  placeholder = meow_task_builder_build (builder, &local_error);
  if (placeholder == NULL)
    {
      /* Not even a URL to show: only the log can say it, by the task's id (its URL may
       * hold a password, user:password@host). */
      g_message ("Cannot restore the transfer %s: %s (%s)", meow_stored_task_get_id (st),
                 error->message, local_error->message);
      return NULL;
    }

  item = meow_task_item_new (placeholder);
  meow_task_item_set_progress (item, meow_stored_task_get_transferred (st),
                               meow_stored_task_get_total (st));
  meow_task_item_set_unrestorable (item, error->message);
  if (self->store != NULL)
    meow_store_set_status (self->store, meow_stored_task_get_id (st), MEOW_STATUS_FAILED, error,
                           NULL);
  return g_steal_pointer (&item);
}

/* The item for a saved task, as it was saved (see meow_task_manager_load()); NULL when
 * it cannot be shown at all. */
static MeowTaskItem *
load_item (MeowTaskManager *self, const MeowStoredTask *st)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (MeowTask) task = NULL;
  MeowTaskItem *item;
  MeowStatus    status = meow_stored_task_get_status (st);

  /* The history (most of a long list) gets its task when it is asked for, and shows what
   * @st holds without a copy (status, progress, file, error). */
  if (meow_task_item_can_be_saved (st))
    return meow_task_item_new_saved (self->store, st);
  if ((task = meow_stored_task_build (st, &error)) != NULL)
    item = meow_task_item_new (task);
  else
    return unrestorable_item (self, st, error);

  if (meow_stored_task_finished_on_disk (st))
    {
      /* Stopped after the engine put the file in place but before its Complete
       * record was saved: done, not to be fetched again under another name. */
      g_debug ("“%s” was complete on disk", meow_stored_task_get_local_path (st));
      status = MEOW_STATUS_COMPLETE;
      meow_task_item_set_progress (item, meow_stored_task_get_total (st),
                                   meow_stored_task_get_total (st));
      meow_task_item_set_local_path (item, meow_stored_task_get_local_path (st));
      meow_task_item_set_payload (item, meow_stored_task_get_local_path (st));
      meow_task_item_set_status (item, status);
      store_set_status (self, item);
      return item;
    }
  meow_task_item_set_progress (item, meow_stored_task_get_transferred (st),
                               meow_stored_task_get_total (st));
  if (meow_stored_task_get_direction (st) == MEOW_DIRECTION_DOWNLOAD &&
      (status == MEOW_STATUS_COMPLETE || meow_stored_task_get_payload (st) != NULL))
    meow_task_item_set_local_path (item, meow_stored_task_get_payload (st)
                                             ? meow_stored_task_get_payload (st)
                                             : meow_stored_task_get_local_path (st));
  meow_task_item_set_payload (item, meow_stored_task_get_payload (st));
  meow_task_item_set_status (item, status);
  if (status == MEOW_STATUS_FAILED)
    meow_task_item_set_error_message (item, meow_stored_task_get_error_message (st));
  return item;
}

/* Loads up to @max of the store's tasks still to come into the list, in one change at
 * load_pos, then queues again those of them that were running. */
static void
load_batch (MeowTaskManager *self, guint max)
{
  g_autoptr (GPtrArray) loaded = g_ptr_array_new_full (MIN (max, 4096), g_object_unref);
  guint end = MIN (self->load_end, self->load_next + MIN (max, G_MAXUINT - self->load_next));

  /* The store is read in place, not copied (a copy of 100,000 tasks costs time, and its
   * freed memory stays in the heap): its first load_end tasks keep their places until the
   * load is over, since whatever would remove one finishes the load first
   * (finish_jobs()); what is added meanwhile comes after them. */
  g_assert (meow_store_get_n_tasks (self->store) >= self->load_end);
  for (; self->load_next < end; self->load_next++)
    {
      const MeowStoredTask *st = meow_store_peek_task (self->store, self->load_next);
      MeowTaskItem         *item;

      if (by_id_lookup (self, meow_stored_task_get_id (st)) != NULL)
        continue;
      item = load_item (self, st);
      if (item == NULL)
        continue;
      g_hash_table_add (self->by_id, item);
      self->n_finished += is_finished (item);
      g_ptr_array_add (loaded, item);
    }

  /* One items-changed for the batch (100,000 tasks are 100,000 signals otherwise), then
   * the ones that were running are queued again, in the list's order. */
  meow_task_list_splice (self->items, self->load_pos, 0, loaded->pdata, loaded->len);
  self->load_pos += loaded->len;
  for (guint i = 0; i < loaded->len; i++)
    {
      MeowTaskItem *item = g_ptr_array_index (loaded, i);
      MeowStatus    status = meow_task_item_get_status (item);
      g_autoptr (GError) error = NULL;

      if (status != MEOW_STATUS_PENDING && status != MEOW_STATUS_TRANSMISSION)
        continue;
      if (!self->load_resume || !enqueue_item (self, item, &error))
        {
          if (error != NULL)
            g_warning ("Cannot resume “%s”: %s", meow_task_item_get_name (item), error->message);
          meow_task_item_set_status (item, MEOW_STATUS_PAUSED);
          store_set_status (self, item);
        }
    }
}

static gboolean
load_idle_cb (gpointer user_data)
{
  MeowTaskManager *self = user_data;
  gint64           started = g_get_monotonic_time ();
  guint            n = MIN (self->batch, self->load_end - self->load_next);

  load_batch (self, n);
  self->batch = next_batch_size (n, g_get_monotonic_time () - started);
  if (self->load_next < self->load_end)
    return G_SOURCE_CONTINUE;
  self->load_source = 0;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BUSY]);
  return G_SOURCE_REMOVE;
}

/**
 * meow_task_manager_load:
 * @resume: queue again the tasks that were queued or running when the app stopped
 *
 * Rebuilds the list from the store. Finished tasks come back as history. Tasks that
 * were running are queued again when @resume is set, else they come back Paused. Paused
 * tasks come back Paused but are not given to the client: Resume queues them (and the
 * engine resumes from the `.part`). A task that cannot be rebuilt (an upload whose
 * source file is gone) is listed as Failed with the reason, and cannot be retried.
 *
 * The first 4,096 tasks are in the list when this returns, in one #GListModel::items-changed
 * (a list that short is then complete); the rest follow in batches from an idle callback of
 * the thread-default main context, each as one items-changed at the end of what was loaded
 * and each sized to hold the main thread about 12 ms (a 100,000-task list is on screen
 * before it is all loaded). Tasks that were running are queued again with their batch.
 * A task added meanwhile stays after the loaded ones. #MeowTaskManager:busy is %TRUE
 * until the last batch; whatever would remove a task, change one or look one up by id
 * loads the rest first. Main thread.
 */
void
meow_task_manager_load (MeowTaskManager *self, gboolean resume)
{
  g_return_if_fail (MEOW_IS_TASK_MANAGER (self));
  g_return_if_fail (self->load_source == 0);

  if (self->store == NULL)
    return;

  self->load_next = 0;
  self->load_end = meow_store_get_n_tasks (self->store);
  self->load_pos = g_list_model_get_n_items (G_LIST_MODEL (self->items));
  self->load_resume = resume;
  self->batch = BATCH_MIN;
  load_batch (self, LOAD_FIRST);
  if (self->load_next < self->load_end)
    {
      GSource *source = g_idle_source_new ();

      g_source_set_callback (source, load_idle_cb, self, NULL);
      g_source_set_static_name (source, "[meow] load the task list");
      self->load_source = g_source_attach (source, g_main_context_get_thread_default ());
      g_source_unref (source);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BUSY]);
    }
}

void
meow_task_manager_pause_all (MeowTaskManager *self)
{
  guint n_items;

  g_return_if_fail (MEOW_IS_TASK_MANAGER (self));
  finish_jobs (self);

  n_items = g_list_model_get_n_items (G_LIST_MODEL (self->items));
  for (guint i = 0; i < n_items; i++)
    {
      g_autoptr (MeowTaskItem) item = g_list_model_get_item (G_LIST_MODEL (self->items), i);

      if (meow_task_item_get_live (item) && meow_task_item_is_active (item))
        meow_client_pause (self->client, meow_task_item_get_id (item), NULL);
    }
}

void
meow_task_manager_resume_all (MeowTaskManager *self)
{
  guint n_items;

  g_return_if_fail (MEOW_IS_TASK_MANAGER (self));
  finish_jobs (self);

  n_items = g_list_model_get_n_items (G_LIST_MODEL (self->items));
  for (guint i = 0; i < n_items; i++)
    {
      g_autoptr (MeowTaskItem) item = g_list_model_get_item (G_LIST_MODEL (self->items), i);

      if (meow_task_item_get_status (item) == MEOW_STATUS_PAUSED)
        meow_task_manager_resume (self, meow_task_item_get_id (item), NULL);
    }
}

static gboolean
tick_cb (gpointer user_data)
{
  return G_SOURCE_CONTINUE;
}

/* A task added just before the app stops has its secret headers on their way to the
 * keyring (several D-Bus round trips, answered only while the main context runs): without
 * them the saved task could not run after a restart. Runs the context until they are
 * kept, for SECRETS_WAIT_US at most (a keyring that does not answer: the task then waits
 * for its headers after the restart, as it says). */
#define SECRETS_WAIT_US (3 * G_USEC_PER_SEC)

static void
wait_for_secrets (MeowTaskManager *self)
{
  gint64 until = g_get_monotonic_time () + SECRETS_WAIT_US;
  guint  tick;

  if (self->secrets_storing == 0)
    return;
  tick = g_timeout_add (50, tick_cb, NULL);
  while (self->secrets_storing > 0 && g_get_monotonic_time () < until)
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (tick);
}

/**
 * meow_task_manager_close:
 *
 * Closes the client: running tasks stop with their partial bytes kept, and their last
 * (Paused) records are applied before this returns; secret headers on their way to the
 * keyring are waited for (3 s at most). Idempotent. Main thread.
 */
void
meow_task_manager_close (MeowTaskManager *self)
{
  g_return_if_fail (MEOW_IS_TASK_MANAGER (self));

  /* What is not loaded yet stays in the store as it is; a clear or an Undo under way is
   * carried out, so that the store has it. */
  g_clear_handle_id (&self->load_source, g_source_remove);
  finish_jobs (self);
  wait_for_secrets (self);
  if (self->client == NULL || meow_client_is_closed (self->client))
    return;
  g_autoptr (GPtrArray) running = g_ptr_array_new_with_free_func (g_free);
  guint n_items = g_list_model_get_n_items (G_LIST_MODEL (self->items));

  for (guint i = 0; i < n_items; i++)
    {
      g_autoptr (MeowTaskItem) item = g_list_model_get_item (G_LIST_MODEL (self->items), i);

      if (meow_task_item_get_live (item) && meow_task_item_is_active (item))
        g_ptr_array_add (running, g_strdup (meow_task_item_get_id (item)));
    }

  /* Close delivers the last (Paused) records, which the listener saves. */
  meow_client_close (self->client, NULL);
  if (self->listener_id != 0)
    meow_client_remove_listener (self->client, self->listener_id, NULL);
  self->listener_id = 0;

  /* The engine paused them because the app stopped, not the user: save them as queued
   * so that the next start resumes them (with resume-on-start). */
  for (guint i = 0; self->store != NULL && i < running->len; i++)
    {
      MeowTaskItem *item = by_id_lookup (self, running->pdata[i]);

      if (item != NULL && meow_task_item_get_status (item) == MEOW_STATUS_PAUSED)
        meow_store_set_status (self->store, running->pdata[i], MEOW_STATUS_PENDING, NULL, NULL);
    }

  if (self->store != NULL)
    {
      g_autoptr (GError) error = NULL;

      if (!meow_store_flush (self->store, &error))
        g_warning ("Cannot save the list of transfers: %s", error->message);
    }
}
