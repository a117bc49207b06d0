/* meow-task-item.c: one task as the window sees it
 *
 * A main-thread GObject per task, fed from the client's records. Every field is a
 * property with EXPLICIT_NOTIFY that notifies only when its value changes, so a row
 * bound to an item repaints just what moved on each progress tick.
 *
 * An item of the saved history (meow_task_item_new_saved()) holds no #MeowTask until
 * one is asked for: it builds the task from the store on demand. Building 100,000 tasks
 * at start-up cost a third of the load and 490 bytes a task (bench/ui 100000) for tasks
 * that are almost never queued again. Nor does it copy the strings it shows: it shares
 * the store's #MeowStoredTask (meow_stored_task_ref()) and reads id, URL, name, paths
 * and error from there until anything about it changes (materialize()), which a
 * finished download seldom does.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "meow-task-item.h"

/* What only the records of this session set: the live transfer's state and what the
 * details page shows, in one block made on the first record (a pointer per item instead
 * of a field each: most of a long history never has a record). */
typedef struct
{
  double         speed;
  gint64         eta;
  guint64        hashed;
  gint64         next_attempt; /* monotonic µs, 0: none planned */
  char          *wait_detail;  /* waiting between attempts (a Pending record with a reason) */
  char          *auth_realm;   /* MEOW_WAIT_SIGN_IN: the realm the server named */
  char          *auth_proxy;   /* MEOW_WAIT_PROXY_SIGN_IN: the proxy that asked */
  MeowPhase      phase;
  MeowWaitReason wait_reason;

  /* The speed of the last minutes (MeowSpeedSample, one per SAMPLE_US at most) and the
   * latest record with a segment map. */
  GArray             *speed_history;
  MeowTransferRecord *map_record;
  GArray             *events;     /* MeowTaskEvent, oldest first, at most MAX_EVENTS */
  char               *events_url; /* the link of the latest event's record */
  GPtrArray          *requests;   /* MeowRequestInfo, oldest first, at most MAX_EVENTS */
  char               *final_url;  /* meow_transfer_record_get_final_url(), redacted */
} Details;

/* An item's own strings: a saved item of a long history has none (it reads its stored
 * task's) until something but its progress changes, so they are one pointer in the item,
 * not six. */
typedef struct
{
  char *id;  /* a built item's once it changed task (set_task()) */
  char *url; /* the saved or changed link, when not the task's */
  char *name;
  char *error_message;
  char *local_path;
  char *payload; /* NULL while payload_is_path: a finished download's payload is its local
                  * path, and a long history need not keep it twice */
} Strings;

static void
strings_free (Strings *strings)
{
  g_free (strings->id);
  g_free (strings->url);
  g_free (strings->name);
  g_free (strings->error_message);
  g_free (strings->local_path);
  g_free (strings->payload);
  g_free (strings);
}

static Details *
details_new (void)
{
  Details *details = g_new0 (Details, 1);

  details->eta = -1;
  return details;
}

static void
details_free (Details *details)
{
  g_clear_pointer (&details->wait_detail, g_free);
  g_clear_pointer (&details->auth_realm, g_free);
  g_clear_pointer (&details->auth_proxy, g_free);
  g_clear_pointer (&details->speed_history, g_array_unref);
  g_clear_pointer (&details->map_record, meow_transfer_record_unref);
  g_clear_pointer (&details->events, g_array_unref);
  g_clear_pointer (&details->events_url, g_free);
  g_clear_pointer (&details->requests, g_ptr_array_unref);
  g_clear_pointer (&details->final_url, g_free);
  g_free (details);
}

struct _MeowTaskItem
{
  GObject parent_instance;

  /* Laid out for size: a long history keeps 100,000 of these (bench/ui 100000), 80 B
   * each. */

  /* The task (has_task), else a saved item's store to build it from: an item never needs
   * both, since it lets the store go once its task is built. Read through task_of() and
   * store_of(). */
  union
  {
    MeowTask  *task;
    MeowStore *store;
  } u;
  /* A saved item's stored task, shared with the store for the item's life: until the
   * item has strings of its own, the getters read them from there (and the id always:
   * the manager's table finds the item by it). */
  const MeowStoredTask *saved;
  Strings              *own; /* NULL until materialize() (a saved item) or made (a new one) */

  guint64 transferred;
  gint64  total;

  /* Speed, waiting, the details page: NULL until the item's first record in this
   * session (a saved item of a long history seldom has one). */
  Details *details;

  MeowDirection direction : 8;
  MeowStatus    status : 8;
  guint         has_task : 1;
  guint         live : 1;
  guint         unrestorable : 1;
  guint         payload_is_path : 1;
};

/* @self's task: NULL until built, for a saved item. */
static inline MeowTask *
task_of (MeowTaskItem *self)
{
  return self->has_task ? self->u.task : NULL;
}

/* A saved item's store, until its task is built; else NULL. */
static inline MeowStore *
store_of (MeowTaskItem *self)
{
  return self->has_task ? NULL : self->u.store;
}

/* Lets @self's task or store go, whichever it has. */
static void
clear_task_or_store (MeowTaskItem *self)
{
  if (self->has_task)
    g_clear_pointer (&self->u.task, meow_task_unref);
  else
    g_clear_object (&self->u.store);
}

/* @self's task from now on (@task transfer full): lets the store or the old task go. */
static void
take_task (MeowTaskItem *self, MeowTask *task)
{
  clear_task_or_store (self);
  self->u.task = task;
  self->has_task = TRUE;
}

/* Whether the getters read @self's strings from its stored task. */
#define SHARES_SAVED(self) ((self)->saved != NULL && (self)->own == NULL)

static const Strings no_strings;

/* @self's own strings to read: all NULL while it has none. */
#define OWN(self) ((const Strings *) ((self)->own != NULL ? (self)->own : &no_strings))

/* @self's own strings to change, made (all NULL) when it has none. */
static Strings *
own_edit (MeowTaskItem *self)
{
  if (self->own == NULL)
    self->own = g_new0 (Strings, 1);
  return self->own;
}

/* What a saved item shows as its file (as the manager's load used to set it): the
 * payload or the chosen target of a complete one, or of one whose result is known. */
static const char *
saved_local_path (const MeowStoredTask *st)
{
  if (meow_stored_task_get_direction (st) != MEOW_DIRECTION_DOWNLOAD ||
      (meow_stored_task_get_status (st) != MEOW_STATUS_COMPLETE &&
       meow_stored_task_get_payload (st) == NULL))
    return NULL;
  return meow_stored_task_get_payload (st) ? meow_stored_task_get_payload (st)
                                           : meow_stored_task_get_local_path (st);
}

static const char *
saved_error_message (const MeowStoredTask *st)
{
  return meow_stored_task_get_status (st) == MEOW_STATUS_FAILED
             ? meow_stored_task_get_error_message (st)
             : NULL;
}

/* The payload, wherever it is kept. */
static const char *
payload_of (MeowTaskItem *self)
{
  if (SHARES_SAVED (self))
    return meow_stored_task_get_payload (self->saved);
  return self->payload_is_path ? OWN (self)->local_path : OWN (self)->payload;
}

/* Before anything of a saved item changes: its strings become its own (the store's task
 * may change or go from now on without the item following). */
static void
materialize (MeowTaskItem *self)
{
  const char *payload;
  Strings    *own;

  if (!SHARES_SAVED (self))
    return;
  own = own_edit (self);
  own->url = g_strdup (meow_stored_task_get_url (self->saved));
  own->name = g_strdup (meow_stored_task_get_name (self->saved));
  own->error_message = g_strdup (saved_error_message (self->saved));
  own->local_path = g_strdup (saved_local_path (self->saved));
  payload = meow_stored_task_get_payload (self->saved);
  self->payload_is_path = payload != NULL && g_strcmp0 (payload, own->local_path) == 0;
  own->payload = self->payload_is_path ? NULL : g_strdup (payload);
}

/* The details page's history keeps the last this many changes. */
#define MAX_EVENTS 64

/* The speed graph's samples: one each half second, over the last 5 minutes. */
#define SAMPLE_US (G_USEC_PER_SEC / 2)
#define HISTORY_US (5 * 60 * G_USEC_PER_SEC)

G_DEFINE_FINAL_TYPE (MeowTaskItem, meow_task_item, G_TYPE_OBJECT)

enum
{
  PROP_0,
  PROP_ID,
  PROP_NAME,
  PROP_URL,
  PROP_DIRECTION,
  PROP_STATUS,
  PROP_TRANSFERRED,
  PROP_TOTAL,
  PROP_SPEED,
  PROP_ETA,
  PROP_ERROR_MESSAGE,
  PROP_LOCAL_PATH,
  PROP_PAYLOAD,
  PROP_LIVE,
  PROP_PHASE,
  PROP_HASHED,
  PROP_RESTORABLE,
  PROP_WAIT_REASON,
  PROP_NEXT_ATTEMPT,
  PROP_WAIT_DETAIL,
  PROP_FINAL_URL,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* A name for people: the task's own, else the file we write, else the URL's last
 * path segment, else its host. */
static char *
guess_name (MeowTask *task, const char *local_path)
{
  const char *url = meow_task_get_url (task);
  g_autoptr (GUri) uri = NULL;
  const char      *path;
  const char      *slash;
  g_autofree char *segment = NULL;

  if (meow_task_get_name (task) != NULL)
    return g_strdup (meow_task_get_name (task));
  if (local_path != NULL)
    return g_path_get_basename (local_path);
  if (meow_task_get_direction (task) == MEOW_DIRECTION_UPLOAD &&
      meow_task_get_source_file (task) != NULL)
    return g_path_get_basename (meow_task_get_source_file (task));
  if (meow_task_get_output_file (task) != NULL)
    return g_path_get_basename (meow_task_get_output_file (task));

  uri = g_uri_parse (url, G_URI_FLAGS_NONE, NULL);
  if (uri == NULL)
    return g_strdup (url);
  path = g_uri_get_path (uri);
  slash = strrchr (path, '/');
  segment = g_uri_unescape_string (slash ? slash + 1 : path, NULL);
  if (segment != NULL && segment[0] != '\0')
    return g_steal_pointer (&segment);
  return g_strdup (g_uri_get_host (uri) ? g_uri_get_host (uri) : url);
}

static void
meow_task_item_finalize (GObject *object)
{
  MeowTaskItem *self = MEOW_TASK_ITEM (object);

  clear_task_or_store (self);
  g_clear_pointer ((MeowStoredTask **) &self->saved, meow_stored_task_free);
  g_clear_pointer (&self->own, strings_free);
  g_clear_pointer (&self->details, details_free);

  G_OBJECT_CLASS (meow_task_item_parent_class)->finalize (object);
}

static void
meow_task_item_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  MeowTaskItem *self = MEOW_TASK_ITEM (object);

  switch (prop_id)
    {
    case PROP_ID:
      g_value_set_string (value, meow_task_item_get_id (self));
      break;
    case PROP_NAME:
      g_value_set_string (value, meow_task_item_get_name (self));
      break;
    case PROP_URL:
      g_value_set_string (value, meow_task_item_get_url (self));
      break;
    case PROP_DIRECTION:
      g_value_set_enum (value, meow_task_item_get_direction (self));
      break;
    case PROP_STATUS:
      g_value_set_enum (value, self->status);
      break;
    case PROP_TRANSFERRED:
      g_value_set_uint64 (value, self->transferred);
      break;
    case PROP_TOTAL:
      g_value_set_int64 (value, self->total);
      break;
    case PROP_SPEED:
      g_value_set_double (value, meow_task_item_get_speed (self));
      break;
    case PROP_ETA:
      g_value_set_int64 (value, meow_task_item_get_eta (self));
      break;
    case PROP_ERROR_MESSAGE:
      g_value_set_string (value, meow_task_item_get_error_message (self));
      break;
    case PROP_LOCAL_PATH:
      g_value_set_string (value, meow_task_item_get_local_path (self));
      break;
    case PROP_PAYLOAD:
      g_value_set_string (value, payload_of (self));
      break;
    case PROP_LIVE:
      g_value_set_boolean (value, self->live);
      break;
    case PROP_PHASE:
      g_value_set_enum (value, meow_task_item_get_phase (self));
      break;
    case PROP_HASHED:
      g_value_set_uint64 (value, meow_task_item_get_hashed (self));
      break;
    case PROP_RESTORABLE:
      g_value_set_boolean (value, !self->unrestorable);
      break;
    case PROP_WAIT_REASON:
      g_value_set_enum (value, meow_task_item_get_wait_reason (self));
      break;
    case PROP_NEXT_ATTEMPT:
      g_value_set_int64 (value, meow_task_item_get_next_attempt (self));
      break;
    case PROP_WAIT_DETAIL:
      g_value_set_string (value, meow_task_item_get_wait_detail (self));
      break;
    case PROP_FINAL_URL:
      g_value_set_string (value, meow_task_item_get_final_url (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
meow_task_item_class_init (MeowTaskItemClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags   flags = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY;

  object_class->finalize = meow_task_item_finalize;
  object_class->get_property = meow_task_item_get_property;

  properties[PROP_ID] = g_param_spec_string ("id", NULL, NULL, NULL, flags);
  properties[PROP_NAME] = g_param_spec_string ("name", NULL, NULL, NULL, flags);
  properties[PROP_URL] = g_param_spec_string ("url", NULL, NULL, NULL, flags);
  properties[PROP_DIRECTION] = g_param_spec_enum ("direction", NULL, NULL, MEOW_TYPE_DIRECTION,
                                                  MEOW_DIRECTION_DOWNLOAD, flags);
  properties[PROP_STATUS] =
      g_param_spec_enum ("status", NULL, NULL, MEOW_TYPE_STATUS, MEOW_STATUS_PENDING, flags);
  properties[PROP_TRANSFERRED] =
      g_param_spec_uint64 ("transferred", NULL, NULL, 0, G_MAXUINT64, 0, flags);
  properties[PROP_TOTAL] = g_param_spec_int64 ("total", NULL, NULL, -1, G_MAXINT64, -1, flags);
  properties[PROP_SPEED] = g_param_spec_double ("speed", NULL, NULL, 0, G_MAXDOUBLE, 0, flags);
  properties[PROP_ETA] = g_param_spec_int64 ("eta", NULL, NULL, -1, G_MAXINT64, -1, flags);
  properties[PROP_ERROR_MESSAGE] = g_param_spec_string ("error-message", NULL, NULL, NULL, flags);
  properties[PROP_LOCAL_PATH] = g_param_spec_string ("local-path", NULL, NULL, NULL, flags);
  properties[PROP_PAYLOAD] = g_param_spec_string ("payload", NULL, NULL, NULL, flags);
  properties[PROP_LIVE] = g_param_spec_boolean ("live", NULL, NULL, FALSE, flags);
  properties[PROP_PHASE] =
      g_param_spec_enum ("phase", NULL, NULL, MEOW_TYPE_PHASE, MEOW_PHASE_TRANSFER, flags);
  properties[PROP_HASHED] = g_param_spec_uint64 ("hashed", NULL, NULL, 0, G_MAXUINT64, 0, flags);
  /* FALSE for a saved task the store could not rebuild: it is shown as failed with
   * its reason, and cannot be retried, only removed. */
  properties[PROP_RESTORABLE] = g_param_spec_boolean ("restorable", NULL, NULL, TRUE, flags);
  /* Why a Pending task waits between attempts, when it tries next (monotonic µs, 0: no
   * time planned) and the failure's short text (meow_transfer_record_get_wait_*()). */
  properties[PROP_WAIT_REASON] =
      g_param_spec_enum ("wait-reason", NULL, NULL, MEOW_TYPE_WAIT_REASON, MEOW_WAIT_NONE, flags);
  properties[PROP_NEXT_ATTEMPT] =
      g_param_spec_int64 ("next-attempt", NULL, NULL, 0, G_MAXINT64, 0, flags);
  properties[PROP_WAIT_DETAIL] = g_param_spec_string ("wait-detail", NULL, NULL, NULL, flags);
  /* Where the last answer came from, after redirects, redacted
   * (meow_transfer_record_get_final_url()); NULL before one in this session. */
  properties[PROP_FINAL_URL] = g_param_spec_string ("final-url", NULL, NULL, NULL, flags);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
meow_task_item_init (MeowTaskItem *self)
{
  self->total = -1;
}

/**
 * meow_task_item_new:
 * @task: (transfer none): the task; the item keeps a reference, so that a failed or
 *   restored task can be queued again
 */
MeowTaskItem *
meow_task_item_new (MeowTask *task)
{
  MeowTaskItem *self;

  g_return_val_if_fail (task != NULL, NULL);

  self = g_object_new (MEOW_TYPE_TASK_ITEM, NULL);
  take_task (self, meow_task_ref (task));
  self->direction = meow_task_get_direction (task);
  own_edit (self)->name = guess_name (task, NULL);
  self->total = meow_task_get_size_hint (task) > 0 ? meow_task_get_size_hint (task) : -1;
  return self;
}

/**
 * meow_task_item_can_be_saved:
 * @st: a saved task
 *
 * Whether meow_task_item_new_saved() takes @st: a finished download (Complete,
 * Canceled or Failed) with a name, whose item shows the same without its task (the
 * task's name is the saved name; see guess_name()). Any thread.
 */
gboolean
meow_task_item_can_be_saved (const MeowStoredTask *st)
{
  MeowStatus status;

  g_return_val_if_fail (st != NULL, FALSE);

  status = meow_stored_task_get_status (st);
  return meow_stored_task_get_direction (st) == MEOW_DIRECTION_DOWNLOAD &&
         meow_stored_task_get_name (st) != NULL &&
         (status == MEOW_STATUS_COMPLETE || status == MEOW_STATUS_CANCELED ||
          status == MEOW_STATUS_FAILED);
}

/**
 * meow_task_item_new_saved:
 * @store: (transfer none): the store that has @st; the item keeps a reference until it
 *   builds its task
 * @st: (transfer none): a saved task for which meow_task_item_can_be_saved() holds
 *
 * An item for a task of the saved history that builds its #MeowTask (with
 * meow_stored_task_build() over the store's copy) only when
 * meow_task_item_get_task() is first called. Its status, progress, paths and error are
 * @st's; the item shares @st (meow_stored_task_ref()) instead of copying its strings
 * until one of them changes. Main thread (the store's).
 *
 * Returns: (transfer full): a new item
 */
MeowTaskItem *
meow_task_item_new_saved (MeowStore *store, const MeowStoredTask *st)
{
  MeowTaskItem *self;

  g_return_val_if_fail (MEOW_IS_STORE (store), NULL);
  g_return_val_if_fail (st != NULL && meow_task_item_can_be_saved (st), NULL);

  self = g_object_new (MEOW_TYPE_TASK_ITEM, NULL);
  self->u.store = g_object_ref (store);
  self->saved = meow_stored_task_ref (st);
  self->direction = meow_stored_task_get_direction (st);
  self->status = meow_stored_task_get_status (st);
  self->transferred = meow_stored_task_get_transferred (st);
  self->total = meow_stored_task_get_total (st);
  return self;
}

/**
 * meow_task_item_get_task:
 * @self: an item
 *
 * The task, built now from the store for an item of meow_task_item_new_saved() that had
 * none yet. Main thread.
 *
 * Returns: (transfer none) (nullable): the task; %NULL (with a warning) only for a saved
 *   item whose task is no longer in its store, or can no longer be built, and was never
 *   built before
 */
MeowTask *
meow_task_item_get_task (MeowTaskItem *self)
{
  g_return_val_if_fail (MEOW_IS_TASK_ITEM (self), NULL);

  if (store_of (self) != NULL)
    {
      const char *id = meow_task_item_get_id (self);
      g_autoptr (MeowStoredTask) st = meow_store_dup_task (store_of (self), id);
      MeowTask *task;
      g_autoptr (GError) error = NULL;

      /* A task that may run again: what it shows is its own from now on. */
      materialize (self);
      /* Named by its name and id, not its URL: a URL may hold a password
       * (user:password@host), and warnings end up in the journal. */
      if (st == NULL)
        g_warning ("The transfer “%s” (%s) is no longer in the list of transfers", OWN (self)->name,
                   id);
      else if ((task = meow_stored_task_build (st, &error)) == NULL)
        g_warning ("Cannot rebuild the transfer “%s” (%s): %s", OWN (self)->name, id,
                   error->message);
      else
        take_task (self, task);
    }
  return task_of (self);
}

/**
 * meow_task_item_set_task:
 * @self: an item
 * @task: (transfer none): the item's task as it is now (the same id), e.g. with the new
 *   URL of meow_task_dup_with_url()
 *
 * Replaces the item's task: Retry and the URL the row shows follow it. Notifies
 * #MeowTaskItem:url when it changed. The string meow_task_item_get_id() returned before
 * may be freed (it may have been the old task's): look it up again. Main thread.
 */
void
meow_task_item_set_task (MeowTaskItem *self, MeowTask *task)
{
  gboolean url_changed;

  g_return_if_fail (MEOW_IS_TASK_ITEM (self));
  g_return_if_fail (task != NULL);
  g_return_if_fail (g_strcmp0 (meow_task_get_id (task), meow_task_item_get_id (self)) == 0);

  url_changed = g_strcmp0 (meow_task_item_get_url (self), meow_task_get_url (task)) != 0;
  materialize (self);
  /* The id outlives the task it came from: from now on it is the item's own string
   * (a table keyed by meow_task_item_get_id() must take it again). A saved item's
   * stays its stored task's. */
  if (OWN (self)->id == NULL && self->saved == NULL)
    own_edit (self)->id = g_strdup (meow_task_get_id (task_of (self)));
  take_task (self, meow_task_ref (task));
  g_clear_pointer (&own_edit (self)->url, g_free);
  if (url_changed)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_URL]);
}

const char *
meow_task_item_get_id (MeowTaskItem *self)
{
  g_return_val_if_fail (MEOW_IS_TASK_ITEM (self), NULL);
  /* A saved item's id stays: the manager's table finds the item by it. */
  if (self->saved != NULL)
    return meow_stored_task_get_id (self->saved);
  return OWN (self)->id ? OWN (self)->id : meow_task_get_id (task_of (self));
}

const char *
meow_task_item_get_name (MeowTaskItem *self)
{
  g_return_val_if_fail (MEOW_IS_TASK_ITEM (self), NULL);
  return SHARES_SAVED (self) ? meow_stored_task_get_name (self->saved) : OWN (self)->name;
}

const char *
meow_task_item_get_url (MeowTaskItem *self)
{
  g_return_val_if_fail (MEOW_IS_TASK_ITEM (self), NULL);
  if (OWN (self)->url != NULL)
    return OWN (self)->url;
  if (SHARES_SAVED (self) || !self->has_task)
    return meow_stored_task_get_url (self->saved);
  return meow_task_get_url (self->u.task);
}

MeowDirection
meow_task_item_get_direction (MeowTaskItem *self)
{
  g_return_val_if_fail (MEOW_IS_TASK_ITEM (self), MEOW_DIRECTION_DOWNLOAD);
  return self->direction;
}

MeowStatus
meow_task_item_get_status (MeowTaskItem *self)
{
  g_return_val_if_fail (MEOW_IS_TASK_ITEM (self), MEOW_STATUS_PENDING);
  return self->status;
}

guint64
meow_task_item_get_transferred (MeowTaskItem *self)
{
  g_return_val_if_fail (MEOW_IS_TASK_ITEM (self), 0);
  return self->transferred;
}

gint64
meow_task_item_get_total (MeowTaskItem *self)
{
  g_return_val_if_fail (MEOW_IS_TASK_ITEM (self), -1);
  return self->total;
}

double
meow_task_item_get_speed (MeowTaskItem *self)
{
  g_return_val_if_fail (MEOW_IS_TASK_ITEM (self), 0);
  return self->details ? self->details->speed : 0;
}

gint64
meow_task_item_get_eta (MeowTaskItem *self)
{
  g_return_val_if_fail (MEOW_IS_TASK_ITEM (self), -1);
  return self->details ? self->details->eta : -1;
}

const char *
meow_task_item_get_error_message (MeowTaskItem *self)
{
  g_return_val_if_fail (MEOW_IS_TASK_ITEM (self), NULL);
  return SHARES_SAVED (self) ? saved_error_message (self->saved) : OWN (self)->error_message;
}

const char *
meow_task_item_get_local_path (MeowTaskItem *self)
{
  g_return_val_if_fail (MEOW_IS_TASK_ITEM (self), NULL);
  return SHARES_SAVED (self) ? saved_local_path (self->saved) : OWN (self)->local_path;
}

const char *
meow_task_item_get_payload (MeowTaskItem *self)
{
  g_return_val_if_fail (MEOW_IS_TASK_ITEM (self), NULL);
  return payload_of (self);
}

/* Whether the client knows the task (queued, running or paused there). A restored or
 * finished task is not live: resuming or retrying it queues its task again. */
gboolean
meow_task_item_get_live (MeowTaskItem *self)
{
  g_return_val_if_fail (MEOW_IS_TASK_ITEM (self), FALSE);
  return self->live;
}

/* What the task is doing while active: moving bytes, or (an upload) reading its
 * source to compute its identity first. */
MeowPhase
meow_task_item_get_phase (MeowTaskItem *self)
{
  g_return_val_if_fail (MEOW_IS_TASK_ITEM (self), MEOW_PHASE_TRANSFER);
  return self->details ? self->details->phase : MEOW_PHASE_TRANSFER;
}

/* Why the task waits between attempts (MEOW_WAIT_NONE: it does not). */
MeowWaitReason
meow_task_item_get_wait_reason (MeowTaskItem *self)
{
  g_return_val_if_fail (MEOW_IS_TASK_ITEM (self), MEOW_WAIT_NONE);
  return self->details ? self->details->wait_reason : MEOW_WAIT_NONE;
}

/* When a waiting task tries next, on the monotonic clock (µs); 0 when no time is
 * planned. */
gint64
meow_task_item_get_next_attempt (MeowTaskItem *self)
{
  g_return_val_if_fail (MEOW_IS_TASK_ITEM (self), 0);
  return self->details ? self->details->next_attempt : 0;
}

/**
 * meow_task_item_get_auth_realm:
 * @self: an item
 *
 * Returns: (transfer none) (nullable): while the item waits for a login
 *   (%MEOW_WAIT_SIGN_IN, %MEOW_WAIT_PROXY_SIGN_IN), the realm the server
 *   (or proxy) named, or %NULL. Main thread.
 */
const char *
meow_task_item_get_auth_realm (MeowTaskItem *self)
{
  g_return_val_if_fail (MEOW_IS_TASK_ITEM (self), NULL);
  return self->details ? self->details->auth_realm : NULL;
}

/**
 * meow_task_item_get_auth_proxy:
 * @self: an item
 *
 * Returns: (transfer none) (nullable): while the item waits for a proxy's
 *   login (%MEOW_WAIT_PROXY_SIGN_IN), the proxy's URL without userinfo, or
 *   %NULL. Main thread.
 */
const char *
meow_task_item_get_auth_proxy (MeowTaskItem *self)
{
  g_return_val_if_fail (MEOW_IS_TASK_ITEM (self), NULL);
  return self->details ? self->details->auth_proxy : NULL;
}

/**
 * meow_task_item_needs_sign_in:
 * @self: an item
 *
 * Returns: %TRUE when the item is paused for a login, its server's or its
 *   proxy's (the row's Sign In…). Main thread.
 */
gboolean
meow_task_item_needs_sign_in (MeowTaskItem *self)
{
  g_return_val_if_fail (MEOW_IS_TASK_ITEM (self), FALSE);
  return self->status == MEOW_STATUS_PAUSED && self->details != NULL &&
         (self->details->wait_reason == MEOW_WAIT_SIGN_IN ||
          self->details->wait_reason == MEOW_WAIT_PROXY_SIGN_IN);
}

/* The short text of the failure a task waits after ("Couldn't connect to server"),
 * untranslated, or NULL. */
const char *
meow_task_item_get_wait_detail (MeowTaskItem *self)
{
  g_return_val_if_fail (MEOW_IS_TASK_ITEM (self), NULL);
  return self->details ? self->details->wait_detail : NULL;
}

/* Bytes of the source hashed so far, in the hashing phase. */
guint64
meow_task_item_get_hashed (MeowTaskItem *self)
{
  g_return_val_if_fail (MEOW_IS_TASK_ITEM (self), 0);
  return self->details ? self->details->hashed : 0;
}

gboolean
meow_task_item_get_restorable (MeowTaskItem *self)
{
  g_return_val_if_fail (MEOW_IS_TASK_ITEM (self), FALSE);
  return !self->unrestorable;
}

/**
 * meow_task_item_set_unrestorable:
 * @reason: why the saved task cannot be rebuilt, for people
 *
 * Marks an item whose saved task the store could not rebuild (its task is a
 * placeholder with the same id): it shows as Failed with @reason and cannot be retried.
 */
void
meow_task_item_set_unrestorable (MeowTaskItem *self, const char *reason)
{
  g_return_if_fail (MEOW_IS_TASK_ITEM (self));

  g_object_freeze_notify (G_OBJECT (self));
  meow_task_item_set_status (self, MEOW_STATUS_FAILED);
  meow_task_item_set_error_message (self, reason);
  if (!self->unrestorable)
    {
      self->unrestorable = TRUE;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RESTORABLE]);
    }
  g_object_thaw_notify (G_OBJECT (self));
}

/* Queued or moving. */
gboolean
meow_task_item_is_active (MeowTaskItem *self)
{
  g_return_val_if_fail (MEOW_IS_TASK_ITEM (self), FALSE);
  return self->status == MEOW_STATUS_PENDING || self->status == MEOW_STATUS_TRANSMISSION;
}

gboolean
meow_task_item_is_finished (MeowTaskItem *self)
{
  g_return_val_if_fail (MEOW_IS_TASK_ITEM (self), FALSE);
  return self->status == MEOW_STATUS_COMPLETE || self->status == MEOW_STATUS_FAILED ||
         self->status == MEOW_STATUS_CANCELED;
}

/**
 * meow_task_item_dup_file:
 *
 * What Open and Show in Folder act on: a download's file once it has one (the file it
 * was saved as, else where it is written), an upload's source file. Main thread.
 *
 * Returns: (transfer full) (nullable): the file, or %NULL when there is none yet
 */
GFile *
meow_task_item_dup_file (MeowTaskItem *self)
{
  MeowDirection direction;
  const char   *path;

  g_return_val_if_fail (MEOW_IS_TASK_ITEM (self), NULL);

  direction = meow_task_item_get_direction (self);
  path = meow_task_item_get_local_path (self);
  if (direction == MEOW_DIRECTION_DOWNLOAD && payload_of (self) != NULL)
    path = payload_of (self);
  if (path == NULL && direction == MEOW_DIRECTION_UPLOAD && self->has_task)
    path = meow_task_get_source_file (self->u.task);
  return path ? g_file_new_for_path (path) : NULL;
}

static gboolean
set_string (char **field, const char *value)
{
  if (g_strcmp0 (*field, value) == 0)
    return FALSE;
  g_free (*field);
  *field = g_strdup (value);
  return TRUE;
}

void
meow_task_item_set_status (MeowTaskItem *self, MeowStatus status)
{
  g_return_if_fail (MEOW_IS_TASK_ITEM (self));

  if (self->status == status)
    return;
  materialize (self);
  self->status = status;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATUS]);

  /* Speed and time left only mean something while bytes move. */
  if (status != MEOW_STATUS_TRANSMISSION && self->details != NULL)
    {
      if (self->details->speed != 0)
        {
          self->details->speed = 0;
          g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SPEED]);
        }
      if (self->details->eta != -1)
        {
          self->details->eta = -1;
          g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ETA]);
        }
    }
  if (status != MEOW_STATUS_FAILED)
    meow_task_item_set_error_message (self, NULL);
}

void
meow_task_item_set_live (MeowTaskItem *self, gboolean live)
{
  g_return_if_fail (MEOW_IS_TASK_ITEM (self));

  live = !!live;
  if (self->live == live)
    return;
  self->live = live;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LIVE]);
}

void
meow_task_item_set_progress (MeowTaskItem *self, guint64 transferred, gint64 total)
{
  g_return_if_fail (MEOW_IS_TASK_ITEM (self));

  g_object_freeze_notify (G_OBJECT (self));
  if (self->transferred != transferred)
    {
      self->transferred = transferred;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TRANSFERRED]);
    }
  if (self->total != total)
    {
      self->total = total;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TOTAL]);
    }
  g_object_thaw_notify (G_OBJECT (self));
}

void
meow_task_item_set_error_message (MeowTaskItem *self, const char *message)
{
  g_return_if_fail (MEOW_IS_TASK_ITEM (self));

  if (g_strcmp0 (meow_task_item_get_error_message (self), message) == 0)
    return;
  materialize (self);
  if (set_string (&own_edit (self)->error_message, message))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ERROR_MESSAGE]);
}

void
meow_task_item_set_local_path (MeowTaskItem *self, const char *path)
{
  g_return_if_fail (MEOW_IS_TASK_ITEM (self));

  if (g_strcmp0 (meow_task_item_get_local_path (self), path) == 0)
    return;
  materialize (self);
  /* The payload that was the old path keeps it. */
  if (self->payload_is_path)
    {
      own_edit (self)->payload = g_strdup (OWN (self)->local_path);
      self->payload_is_path = FALSE;
    }
  set_string (&own_edit (self)->local_path, path);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LOCAL_PATH]);

  /* The server may name the file (Content-Disposition): show the name it got. A saved
   * item without its task has a name of its own (meow_task_item_can_be_saved()), which
   * guess_name() would return. */
  if (path != NULL && meow_task_item_get_direction (self) == MEOW_DIRECTION_DOWNLOAD &&
      self->has_task)
    {
      g_autofree char *name = guess_name (self->u.task, path);

      if (set_string (&own_edit (self)->name, name))
        g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_NAME]);
    }
}

void
meow_task_item_set_payload (MeowTaskItem *self, const char *payload)
{
  g_return_if_fail (MEOW_IS_TASK_ITEM (self));

  if (g_strcmp0 (payload_of (self), payload) == 0)
    return;
  materialize (self);
  if (payload != NULL && g_strcmp0 (payload, OWN (self)->local_path) == 0)
    {
      g_clear_pointer (&own_edit (self)->payload, g_free);
      self->payload_is_path = TRUE;
    }
  else
    {
      set_string (&own_edit (self)->payload, payload);
      self->payload_is_path = FALSE;
    }
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PAYLOAD]);
}

static void
event_clear (gpointer data)
{
  g_free (((MeowTaskEvent *) data)->detail);
}

/* A history entry when @record says something new: another status, wait reason or
 * restart reason, a failure's message, another link. */
static void
keep_event (MeowTaskItem *self, const MeowTransferRecord *record, MeowStatus status)
{
  const GError *error = meow_transfer_record_get_error (record);
  const char   *record_url = meow_transfer_record_get_url (record);
  MeowTaskEvent event = {
    .time = meow_transfer_record_get_timestamp (record),
    .status = status,
    .wait_reason = meow_transfer_record_get_wait_reason (record),
    .restart_reason = meow_transfer_record_get_restart_reason (record),
  };
  const char    *detail = error != NULL ? error->message
                          : event.wait_reason != MEOW_WAIT_NONE
                              ? meow_transfer_record_get_wait_detail (record)
                              : NULL;
  gboolean       relinked = FALSE;
  MeowTaskEvent *last = NULL;
  Details       *d = self->details;

  if (d->events == NULL)
    {
      d->events = g_array_new (FALSE, TRUE, sizeof (MeowTaskEvent));
      g_array_set_clear_func (d->events, event_clear);
    }
  if (d->events->len > 0)
    last = &g_array_index (d->events, MeowTaskEvent, d->events->len - 1);
  relinked =
      record_url != NULL && d->events_url != NULL && !g_str_equal (record_url, d->events_url);
  if (record_url != NULL)
    set_string (&d->events_url, record_url);
  if (last != NULL && last->status == event.status && last->wait_reason == event.wait_reason &&
      last->restart_reason == event.restart_reason && g_strcmp0 (last->detail, detail) == 0 &&
      !relinked)
    return;
  event.detail = g_strdup (relinked ? record_url : detail);
  event.relinked = relinked;
  if (d->events->len == MAX_EVENTS)
    g_array_remove_index (d->events, 0);
  g_array_append_val (d->events, event);
}

/**
 * meow_task_item_get_final_url:
 *
 * The URL the task's last answer came from, after the redirects libcurl followed, with
 * passwords and tokens masked (meow_transfer_record_get_final_url() of its latest record
 * that had one); %NULL before one in this session: the store does not keep it. Main
 * thread.
 *
 * Returns: (transfer none) (nullable): the URL
 */
const char *
meow_task_item_get_final_url (MeowTaskItem *self)
{
  g_return_val_if_fail (MEOW_IS_TASK_ITEM (self), NULL);

  return self->details ? self->details->final_url : NULL;
}

/**
 * meow_task_item_get_events:
 * @n_events: (out): the number of entries
 *
 * What the task's records said over time, oldest first: each change of status, wait
 * reason or restart reason, a failure's message, a new link (the last 64); %NULL before
 * its first record in this session. Main thread.
 *
 * Returns: (transfer none) (array length=n_events) (nullable): the entries
 */
const MeowTaskEvent *
meow_task_item_get_events (MeowTaskItem *self, guint *n_events)
{
  g_return_val_if_fail (MEOW_IS_TASK_ITEM (self), NULL);

  *n_events = self->details && self->details->events ? self->details->events->len : 0;
  return *n_events > 0 ? (const MeowTaskEvent *) (gpointer) self->details->events->data : NULL;
}

/**
 * meow_task_item_get_requests:
 * @n_requests: (out): the number of requests
 *
 * The requests the engine made for the task, as they ended, oldest first (what its
 * records carried, meow_transfer_record_get_requests(): the last 64); %NULL before
 * one ended in this session. Main thread.
 *
 * Returns: (transfer none) (array length=n_requests) (nullable): the requests
 */
MeowRequestInfo *const *
meow_task_item_get_requests (MeowTaskItem *self, guint *n_requests)
{
  g_return_val_if_fail (MEOW_IS_TASK_ITEM (self), NULL);

  *n_requests = self->details && self->details->requests ? self->details->requests->len : 0;
  return *n_requests > 0 ? (MeowRequestInfo *const *) self->details->requests->pdata : NULL;
}

/* The speed history, segment map and events of the details page. */
static void
keep_for_details (MeowTaskItem             *self,
                  const MeowTransferRecord *record,
                  MeowStatus                status,
                  double                    speed)
{
  gint64                  now = meow_transfer_record_get_timestamp (record);
  guint                   n_segments = 0;
  guint                   n_requests = 0;
  MeowRequestInfo *const *requests = meow_transfer_record_get_requests (record, &n_requests);
  Details                *d;

  if (self->details == NULL)
    self->details = details_new ();
  d = self->details;
  keep_event (self, record, status);
  if (meow_transfer_record_get_final_url (record) != NULL &&
      set_string (&d->final_url, meow_transfer_record_get_final_url (record)))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FINAL_URL]);
  for (guint i = 0; i < n_requests; i++)
    {
      if (d->requests == NULL)
        d->requests = g_ptr_array_new_with_free_func ((GDestroyNotify) meow_request_info_unref);
      if (d->requests->len == MAX_EVENTS)
        g_ptr_array_remove_index (d->requests, 0);
      g_ptr_array_add (d->requests, meow_request_info_ref (requests[i]));
    }

  if (meow_transfer_record_get_segments (record, &n_segments) != NULL)
    {
      g_clear_pointer (&d->map_record, meow_transfer_record_unref);
      d->map_record = meow_transfer_record_ref ((MeowTransferRecord *) record);
    }
  if (status != MEOW_STATUS_TRANSMISSION && d->speed_history == NULL)
    return;
  if (d->speed_history == NULL)
    d->speed_history = g_array_new (FALSE, FALSE, sizeof (MeowSpeedSample));
  if (d->speed_history->len > 0)
    {
      MeowSpeedSample *last =
          &g_array_index (d->speed_history, MeowSpeedSample, d->speed_history->len - 1);

      if (now < last->time + SAMPLE_US && now >= last->time)
        {
          last->speed = MAX (last->speed, speed); /* the sample's peak */
          return;
        }
    }
  g_array_append_val (d->speed_history, ((MeowSpeedSample){ .time = now, .speed = speed }));
  while (d->speed_history->len > 1 &&
         g_array_index (d->speed_history, MeowSpeedSample, 0).time < now - HISTORY_US)
    g_array_remove_index (d->speed_history, 0);
}

/**
 * meow_task_item_get_speed_history:
 * @n_samples: (out): the number of samples
 *
 * The task's speed over the last minutes, oldest first (what its records said,
 * a sample each half second at most); %NULL before its first transfer in this
 * session. Main thread.
 *
 * Returns: (transfer none) (array length=n_samples) (nullable): the samples
 */
const MeowSpeedSample *
meow_task_item_get_speed_history (MeowTaskItem *self, guint *n_samples)
{
  g_return_val_if_fail (MEOW_IS_TASK_ITEM (self), NULL);

  *n_samples =
      self->details && self->details->speed_history ? self->details->speed_history->len : 0;
  return *n_samples > 0 ? (const MeowSpeedSample *) (gpointer) self->details->speed_history->data
                        : NULL;
}

/**
 * meow_task_item_get_segments:
 * @n_segments: (out): the number of ranges
 *
 * The segment map of the latest record that had one
 * (meow_transfer_record_get_segments()), or %NULL. Main thread.
 *
 * Returns: (transfer none) (array length=n_segments) (nullable): the ranges
 */
const MeowSegment *
meow_task_item_get_segments (MeowTaskItem *self, guint *n_segments)
{
  g_return_val_if_fail (MEOW_IS_TASK_ITEM (self), NULL);

  *n_segments = 0;
  return self->details && self->details->map_record
             ? meow_transfer_record_get_segments (self->details->map_record, n_segments)
             : NULL;
}

/**
 * meow_task_item_apply_record:
 *
 * Updates every property from @record, notifying only what changed. Main thread.
 */
void
meow_task_item_apply_record (MeowTaskItem *self, const MeowTransferRecord *record)
{
  Details   *d;
  MeowStatus status;
  MeowPhase  phase;
  guint64    hashed;
  double     speed;
  gint64     eta;

  g_return_if_fail (MEOW_IS_TASK_ITEM (self));
  g_return_if_fail (record != NULL);

  status = meow_transfer_record_get_status (record);
  phase = status == MEOW_STATUS_TRANSMISSION || status == MEOW_STATUS_PENDING
              ? meow_transfer_record_get_phase (record)
              : MEOW_PHASE_TRANSFER;
  hashed = phase == MEOW_PHASE_HASHING ? meow_transfer_record_get_hashed (record) : 0;
  speed = status == MEOW_STATUS_TRANSMISSION ? meow_transfer_record_get_speed (record) : 0;
  eta = status == MEOW_STATUS_TRANSMISSION ? meow_transfer_record_get_eta (record) : -1;

  g_object_freeze_notify (G_OBJECT (self));

  keep_for_details (self, record, status, speed);
  d = self->details;
  meow_task_item_set_progress (self, meow_transfer_record_get_transferred (record),
                               meow_transfer_record_get_total (record));
  if (meow_transfer_record_get_local_path (record) != NULL)
    meow_task_item_set_local_path (self, meow_transfer_record_get_local_path (record));
  if (meow_transfer_record_get_payload (record) != NULL)
    meow_task_item_set_payload (self, meow_transfer_record_get_payload (record));

  if (d->hashed != hashed)
    {
      d->hashed = hashed;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_HASHED]);
    }
  if (d->phase != phase)
    {
      d->phase = phase;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PHASE]);
    }

  {
    MeowWaitReason wait_reason = meow_transfer_record_get_wait_reason (record);
    gint64         next_attempt = meow_transfer_record_get_next_attempt (record);

    set_string (&d->auth_realm, meow_transfer_record_get_auth_realm (record));
    set_string (&d->auth_proxy, meow_transfer_record_get_auth_proxy (record));
    if (d->wait_reason != wait_reason)
      {
        d->wait_reason = wait_reason;
        g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_WAIT_REASON]);
      }
    if (d->next_attempt != next_attempt)
      {
        d->next_attempt = next_attempt;
        g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_NEXT_ATTEMPT]);
      }
    if (set_string (&d->wait_detail, meow_transfer_record_get_wait_detail (record)))
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_WAIT_DETAIL]);
  }

  meow_task_item_set_status (self, status);

  if (d->speed != speed)
    {
      d->speed = speed;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SPEED]);
    }
  if (d->eta != eta)
    {
      d->eta = eta;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ETA]);
    }

  if (status == MEOW_STATUS_FAILED)
    {
      const GError *error = meow_transfer_record_get_error (record);

      meow_task_item_set_error_message (self, error ? error->message : NULL);
    }

  g_object_thaw_notify (G_OBJECT (self));
}
