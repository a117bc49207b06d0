/* meow-details-window.c: one task's details
 *
 * A window of its own per task (libadwaita 1.2: an AdwWindow with a header bar and
 * preference groups in a clamp, which fits 360 px): the speed of the last minutes
 * (MeowSpeedGraph), the segment map (MeowSegmentMap), the link and the saved file with
 * Copy Link, Open and Show in Folder (the app.* actions of the rows), the URL it was
 * downloaded from after redirects (redacted, with Copy), and the task's own
 * speed limit and connection count, which change the running transfer at once
 * (meow_task_manager_set_limits()), a checksum to check (the complete file is hashed
 * off the main thread, with GChecksum as the engine does; one entered while the
 * download runs is checked when it completes), and the history of what its records said (status,
 * wait and restart reasons, failures, new links: meow_task_item_get_events()), and the
 * requests the engine made, as they ended ("GET 206 bytes=0-", the URL, ETag and
 * Last-Modified, a redirect's "→ Location", how it ended: meow_task_item_get_requests()).
 * Everything follows the item's notifications: the
 * item keeps the speed history and the latest segment map of its records.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "meow-details-window.h"
#include "meow-folder-rules.h"
#include "meow-segment-map.h"
#include "meow-speed-graph.h"
#include "meow-task-row.h"

struct _MeowDetailsWindow
{
  AdwWindow parent_instance;

  MeowTaskManager *manager;
  MeowTaskItem    *item;
  gulong           notify_id;
  gboolean         updating; /* the spin buttons are set from the task, not the user */

  AdwWindowTitle *title;
  GtkLabel       *status_label;
  GtkWidget      *graph;
  GtkLabel       *speed_label;
  GtkWidget      *map_group;
  GtkWidget      *map;
  GtkLabel       *map_label;
  AdwActionRow   *link_row;
  AdwActionRow   *final_row; /* "Downloaded From", when redirects led elsewhere */
  AdwActionRow   *file_row;
  GtkWidget      *open_button;
  GtkWidget      *folder_button;
  GtkWidget      *connections_row;
  GtkSpinButton  *limit_spin;
  GtkSpinButton  *connections_spin;
  GtkLabel       *limits_error;
  AdwEntryRow    *checksum_row;
  GtkLabel       *checksum_label;
  char           *checksum; /* the one entered, lower case, until checked */
  GChecksumType   checksum_type;
  GCancellable   *cancellable; /* the hashing of the file */
  GtkListBox     *history;
  guint           history_len;  /* events shown */
  gint64          history_last; /* the newest one's time */
  GtkListBox     *requests;
  guint           requests_len;  /* requests shown */
  gint64          requests_last; /* the newest one's end */
};

G_DEFINE_FINAL_TYPE (MeowDetailsWindow, meow_details_window, ADW_TYPE_WINDOW)

static void
update_graph (MeowDetailsWindow *self)
{
  guint                  n = 0;
  const MeowSpeedSample *samples = meow_task_item_get_speed_history (self->item, &n);
  g_autofree char       *speed = NULL;
  g_autofree char       *peak = NULL;

  meow_speed_graph_set_samples (MEOW_SPEED_GRAPH (self->graph), samples, n);
  speed = g_format_size ((guint64) meow_task_item_get_speed (self->item));
  peak = g_format_size ((guint64) meow_speed_graph_get_peak (MEOW_SPEED_GRAPH (self->graph)));
  if (n == 0)
    gtk_label_set_text (self->speed_label, _ ("No transfer in this session yet"));
  else
    {
      /* Translators: the speed now and the highest of the graph, e.g. "1.2 MB/s now,
       * at most 2.0 MB/s". */
      g_autofree char *text = g_strdup_printf (_ ("%s/s now, at most %s/s"), speed, peak);

      gtk_label_set_text (self->speed_label, text);
    }
}

static void
update_map (MeowDetailsWindow *self)
{
  guint              n = 0;
  const MeowSegment *segments = meow_task_item_get_segments (self->item, &n);
  gboolean           complete = meow_task_item_get_status (self->item) == MEOW_STATUS_COMPLETE;
  MeowSegmentMap    *map = MEOW_SEGMENT_MAP (self->map);
  g_autofree char   *text = NULL;
  guint              active;

  gtk_widget_set_visible (self->map_group,
                          meow_task_item_get_direction (self->item) == MEOW_DIRECTION_DOWNLOAD);
  meow_segment_map_set_segments (map, segments, n, complete);
  active = meow_segment_map_get_n_active (map);
  if (complete)
    text = g_strdup (_ ("The whole file is here"));
  else if (n == 0)
    text = g_strdup (_ ("No byte ranges yet"));
  else
    /* Translators: a download's byte ranges and the connections working on them. */
    text = g_strdup_printf (
        g_dngettext (NULL, "%u range, %u connection active", "%u ranges, %u connections active", n),
        n, active);
  gtk_label_set_text (self->map_label, text);
}

/* "Downloaded From": the URL after the redirects, as the row shows it and Copy copies
 * it: redacted (the engine's record is already; redacting again costs nothing and keeps
 * a password or token off the clipboard whatever the record holds). */
static char *
dup_final_url (MeowDetailsWindow *self)
{
  return meow_redact_url (meow_task_item_get_final_url (self->item));
}

static void
update_file (MeowDetailsWindow *self)
{
  const char      *path = meow_task_item_get_local_path (self->item);
  gboolean         done = meow_task_item_get_status (self->item) == MEOW_STATUS_COMPLETE;
  g_autofree char *shown = path != NULL ? meow_folder_rules_display (path) : NULL;

  g_autofree char *final_url = dup_final_url (self);
  /* As the engine shows URLs (the final one, the requests'): no password on screen.
   * Copy Link still copies the link itself. */
  g_autofree char *link = meow_redact_url (meow_task_item_get_url (self->item));

  adw_window_title_set_title (self->title, meow_task_item_get_name (self->item));
  adw_action_row_set_subtitle (self->link_row, link != NULL ? link : "");
  adw_action_row_set_subtitle (self->final_row, final_url != NULL ? final_url : "");
  gtk_widget_set_visible (GTK_WIDGET (self->final_row),
                          final_url != NULL && g_strcmp0 (final_url, link) != 0);
  adw_action_row_set_subtitle (self->file_row, shown != NULL ? shown : _ ("Not chosen yet"));
  gtk_widget_set_sensitive (self->open_button, done && path != NULL);
  gtk_widget_set_sensitive (self->folder_button, path != NULL);
}

static void
update_limits (MeowDetailsWindow *self)
{
  MeowTask *task = meow_task_item_get_task (self->item);

  gtk_widget_set_visible (self->connections_row,
                          meow_task_item_get_direction (self->item) == MEOW_DIRECTION_DOWNLOAD);
  if (task == NULL)
    return;
  self->updating = TRUE;
  gtk_spin_button_set_value (self->limit_spin, (double) (meow_task_get_speed_limit (task) / 1024));
  gtk_spin_button_set_value (self->connections_spin, meow_task_get_segments (task));
  self->updating = FALSE;
}

static const char *
wait_text (MeowWaitReason reason)
{
  switch (reason)
    {
    case MEOW_WAIT_NETWORK:
      return _ ("Waiting for network");
    case MEOW_WAIT_PORTAL:
      return _ ("Waiting for network sign-in");
    case MEOW_WAIT_METERED:
      return _ ("Paused on metered connection");
    case MEOW_WAIT_SUSPEND:
      return _ ("Paused for system sleep");
    case MEOW_WAIT_HOST_NOT_FOUND:
      return _ ("Server name not found");
    case MEOW_WAIT_SERVER_UNREACHABLE:
      return _ ("Server unreachable, trying again");
    case MEOW_WAIT_RETRY_AFTER:
      return _ ("The server asked to come back later");
    case MEOW_WAIT_SIGN_IN:
      return _ ("Waiting for a login");
    case MEOW_WAIT_NONE:
    default:
      return _ ("Waiting");
    }
}

static const char *
restart_text (MeowRestartReason reason)
{
  switch (reason)
    {
    case MEOW_RESTART_REMOTE_CHANGED:
      return _ ("Started over: the file on the server changed");
    case MEOW_RESTART_RANGE_IGNORED:
      return _ ("Started over: the server cannot resume");
    case MEOW_RESTART_RANGE_NOT_SATISFIABLE:
      return _ ("Started over: the partial file did not match the server’s");
    case MEOW_RESTART_CONTENT_CHANGED:
      return _ ("Started over: the file’s content changed");
    case MEOW_RESTART_NONE:
    default:
      return NULL;
    }
}

/* What @event (after @before, or NULL) says, in a few words. */
static const char *
event_title (const MeowTaskEvent *event, const MeowTaskEvent *before)
{
  if (event->relinked)
    return _ ("New link");
  if (event->restart_reason != MEOW_RESTART_NONE &&
      (before == NULL || before->restart_reason != event->restart_reason))
    return restart_text (event->restart_reason);
  if (event->wait_reason != MEOW_WAIT_NONE)
    return wait_text (event->wait_reason);
  switch (event->status)
    {
    case MEOW_STATUS_PENDING:
      return _ ("Queued");
    case MEOW_STATUS_TRANSMISSION:
      return _ ("Transferring");
    case MEOW_STATUS_PAUSED:
      return _ ("Paused");
    case MEOW_STATUS_COMPLETE:
      return _ ("Completed");
    case MEOW_STATUS_FAILED:
      return _ ("Failed");
    case MEOW_STATUS_CANCELED:
    default:
      return _ ("Canceled");
    }
}

/* The history, newest first, rebuilt when an entry came. */
static void
update_history (MeowDetailsWindow *self)
{
  guint                n = 0;
  const MeowTaskEvent *events = meow_task_item_get_events (self->item, &n);
  GtkWidget           *child;

  if (n == self->history_len && (n == 0 || events[n - 1].time == self->history_last))
    return;
  self->history_len = n;
  self->history_last = n > 0 ? events[n - 1].time : 0;
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->history))) != NULL)
    gtk_list_box_remove (self->history, child);
  for (guint i = n; i-- > 0;)
    {
      g_autoptr (GDateTime) when =
          g_date_time_new_from_unix_local (events[i].time / G_USEC_PER_SEC);
      g_autofree char *time = g_date_time_format (when, "%X");
      GtkWidget       *row = adw_action_row_new ();
      GtkWidget       *label = gtk_label_new (time);

      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row),
                                     event_title (&events[i], i > 0 ? &events[i - 1] : NULL));
      if (events[i].detail != NULL)
        adw_action_row_set_subtitle (ADW_ACTION_ROW (row), events[i].detail);
      gtk_widget_add_css_class (label, "dim-label");
      gtk_widget_add_css_class (label, "numeric");
      adw_action_row_add_prefix (ADW_ACTION_ROW (row), label);
      gtk_list_box_append (self->history, row);
    }
  if (n == 0)
    {
      GtkWidget *row = adw_action_row_new ();

      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), _ ("Nothing happened yet"));
      gtk_list_box_append (self->history, row);
    }
}

/* How @info ended, for its row; NULL when it simply did its part. */
static const char *
request_end_text (const MeowRequestInfo *info)
{
  switch (meow_request_info_get_end (info))
    {
    case MEOW_REQUEST_END_RETRY:
      return _ ("tried again");
    case MEOW_REQUEST_END_RESTART:
      return _ ("started again from zero");
    case MEOW_REQUEST_END_FAILURE:
      return _ ("the task failed");
    case MEOW_REQUEST_END_STOPPED:
      return _ ("stopped");
    case MEOW_REQUEST_END_DONE:
    default:
      return NULL;
    }
}

/* "GET 206 bytes=0-": the method, the answer's status, the Range. */
static char *
request_title (const MeowRequestInfo *info)
{
  GString    *title = g_string_new (meow_request_info_get_method (info));
  guint       status = meow_request_info_get_http_status (info);
  const char *range = meow_request_info_get_range (info);

  if (status != 0)
    g_string_append_printf (title, " %u", status);
  else
    g_string_append_printf (title, " %s", _ ("no answer"));
  if (range != NULL)
    g_string_append_printf (title, " %s", range);
  return g_string_free (title, FALSE);
}

/* The URL, the validators, a redirect's "→ Location" and how it ended, a line each. */
static char *
request_subtitle (const MeowRequestInfo *info)
{
  GString    *text = g_string_new (meow_request_info_get_url (info));
  const char *etag = meow_request_info_get_etag (info);
  const char *modified = meow_request_info_get_last_modified (info);
  const char *location = meow_request_info_get_location (info);
  const char *end = request_end_text (info);

  if (etag != NULL)
    g_string_append_printf (text, "\nETag %s", etag);
  if (modified != NULL)
    g_string_append_printf (text, "\nLast-Modified %s", modified);
  if (location != NULL)
    g_string_append_printf (text, "\n→ %s", location);
  if (end != NULL)
    g_string_append_printf (text, "\n%s", end);
  return g_string_free (text, FALSE);
}

/* The requests, newest first, rebuilt when one ended. */
static void
update_requests (MeowDetailsWindow *self)
{
  guint                   n = 0;
  MeowRequestInfo *const *requests = meow_task_item_get_requests (self->item, &n);
  gint64                  last = n > 0 ? meow_request_info_get_timestamp (requests[n - 1]) : 0;
  GtkWidget              *child;

  if (n == self->requests_len && last == self->requests_last)
    return;
  self->requests_len = n;
  self->requests_last = last;
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->requests))) != NULL)
    gtk_list_box_remove (self->requests, child);
  for (guint i = n; i-- > 0;)
    {
      g_autoptr (GDateTime) when = g_date_time_new_from_unix_local (
          meow_request_info_get_timestamp (requests[i]) / G_USEC_PER_SEC);
      g_autofree char *time = g_date_time_format (when, "%X");
      g_autofree char *title = request_title (requests[i]);
      g_autofree char *subtitle = request_subtitle (requests[i]);
      GtkWidget       *row = adw_action_row_new ();
      GtkWidget       *label = gtk_label_new (time);

      adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
      adw_action_row_set_subtitle_lines (ADW_ACTION_ROW (row), 0);
      gtk_widget_add_css_class (label, "dim-label");
      gtk_widget_add_css_class (label, "numeric");
      adw_action_row_add_prefix (ADW_ACTION_ROW (row), label);
      gtk_list_box_append (self->requests, row);
    }
  if (n == 0)
    {
      GtkWidget *row = adw_action_row_new ();

      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), _ ("No request ended yet"));
      gtk_list_box_append (self->requests, row);
    }
}

/* The result line under the checksum entry: @css "success", "error" or NULL. */
static void
set_checksum_result (MeowDetailsWindow *self, const char *text, const char *css)
{
  GtkWidget *label = GTK_WIDGET (self->checksum_label);

  gtk_label_set_text (self->checksum_label, text);
  gtk_widget_remove_css_class (label, "success");
  gtk_widget_remove_css_class (label, "error");
  if (css != NULL)
    gtk_widget_add_css_class (label, css);
  gtk_widget_set_visible (label, text != NULL && text[0] != '\0');
}

static const char *
checksum_name (GChecksumType type)
{
  return type == G_CHECKSUM_MD5 ? "MD5" : type == G_CHECKSUM_SHA1 ? "SHA-1" : "SHA-256";
}

/* In a worker thread: the file's checksum of the task data's type. */
static void
hash_file_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  GFile *file = g_object_get_data (G_OBJECT (task), "file");
  g_autoptr (GChecksum) checksum = g_checksum_new (GPOINTER_TO_INT (task_data));
  g_autoptr (GFileInputStream) in = NULL;
  g_autofree guchar *buffer = g_malloc (256 * 1024);
  GError            *error = NULL;
  gssize             n;

  in = g_file_read (file, cancellable, &error);
  if (in == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  while ((n = g_input_stream_read (G_INPUT_STREAM (in), buffer, 256 * 1024, cancellable, &error)) >
         0)
    g_checksum_update (checksum, buffer, n);
  if (n < 0)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, g_strdup (g_checksum_get_string (checksum)), g_free);
}

static void
hash_file_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  MeowDetailsWindow *self = MEOW_DETAILS_WINDOW (source);
  g_autoptr (GError) error = NULL;
  g_autofree char *got = g_task_propagate_pointer (G_TASK (result), &error);
  g_autofree char *text = NULL;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (got == NULL)
    {
      /* Translators: the file could not be read to check its checksum; %s says why */
      text = g_strdup_printf (_ ("Could not check the file: %s"), error->message);
      set_checksum_result (self, text, "error");
    }
  else if (g_str_equal (got, self->checksum))
    {
      /* Translators: %s is MD5, SHA-1 or SHA-256 */
      text = g_strdup_printf (_ ("The file matches this %s checksum."),
                              checksum_name (self->checksum_type));
      set_checksum_result (self, text, "success");
    }
  else
    {
      /* Translators: %s is MD5, SHA-1 or SHA-256, then the file's own checksum */
      text = g_strdup_printf (_ ("The file does NOT match: its %s checksum is %s."),
                              checksum_name (self->checksum_type), got);
      set_checksum_result (self, text, "error");
    }
  g_clear_pointer (&self->checksum, g_free);
}

/* A complete download's file is hashed off the main thread; for one still running the
 * checksum waits for the complete file (item_notify_cb()). */
static void
check_checksum (MeowDetailsWindow *self)
{
  g_autoptr (GFile) file = NULL;
  g_autoptr (GTask) task = NULL;

  if (self->checksum == NULL)
    return;
  if (meow_task_item_get_status (self->item) != MEOW_STATUS_COMPLETE ||
      (file = meow_task_item_dup_file (self->item)) == NULL)
    {
      set_checksum_result (self, _ ("It will be checked when the file is complete."), NULL);
      return;
    }
  set_checksum_result (self, _ ("Checking the file…"), NULL);
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  task = g_task_new (self, self->cancellable, hash_file_done, NULL);
  g_task_set_source_tag (task, check_checksum);
  g_object_set_data_full (G_OBJECT (task), "file", g_steal_pointer (&file), g_object_unref);
  g_task_set_task_data (task, GINT_TO_POINTER (self->checksum_type), NULL);
  g_task_run_in_thread (task, hash_file_thread);
}

static void
checksum_apply_cb (MeowDetailsWindow *self)
{
  g_autofree char *hex =
      g_ascii_strdown (gtk_editable_get_text (GTK_EDITABLE (self->checksum_row)), -1);
  gsize len;

  g_strstrip (hex);
  len = strlen (hex);
  g_clear_pointer (&self->checksum, g_free);
  if (strspn (hex, "0123456789abcdef") != len || (len != 32 && len != 40 && len != 64))
    {
      set_checksum_result (self,
                           _ ("Enter an MD5, SHA-1 or SHA-256 checksum: 32, 40 or 64 hexadecimal "
                              "digits."),
                           "error");
      return;
    }
  self->checksum_type = len == 32   ? G_CHECKSUM_MD5
                        : len == 40 ? G_CHECKSUM_SHA1
                                    : G_CHECKSUM_SHA256;
  self->checksum = g_steal_pointer (&hex);
  check_checksum (self);
}

static void
item_notify_cb (MeowDetailsWindow *self, GParamSpec *pspec)
{
  g_autofree char *status = meow_format_status_line (self->item);

  gtk_label_set_text (self->status_label, status);
  update_graph (self);
  update_map (self);
  update_history (self);
  update_requests (self);
  if (pspec != NULL && g_str_equal (pspec->name, "status"))
    check_checksum (self);
  if (pspec == NULL || g_str_equal (pspec->name, "local-path") ||
      g_str_equal (pspec->name, "status") || g_str_equal (pspec->name, "url") ||
      g_str_equal (pspec->name, "name") || g_str_equal (pspec->name, "final-url"))
    update_file (self);
}

static void
limits_changed_cb (MeowDetailsWindow *self)
{
  g_autoptr (GError) error = NULL;
  guint64 limit;
  guint   segments;

  if (self->updating)
    return;
  limit = (guint64) gtk_spin_button_get_value_as_int (self->limit_spin) * 1024;
  segments = meow_task_item_get_direction (self->item) == MEOW_DIRECTION_DOWNLOAD
                 ? (guint) gtk_spin_button_get_value_as_int (self->connections_spin)
                 : 0;
  if (meow_task_manager_set_limits (self->manager, meow_task_item_get_id (self->item), limit,
                                    segments, &error))
    gtk_widget_set_visible (GTK_WIDGET (self->limits_error), FALSE);
  else
    {
      gtk_label_set_text (self->limits_error, error->message);
      gtk_widget_set_visible (GTK_WIDGET (self->limits_error), TRUE);
      update_limits (self);
    }
}

/* The row's app.* action for the item. */
static void
activate_app_action (MeowDetailsWindow *self, const char *name)
{
  gtk_widget_activate_action (GTK_WIDGET (self), name, "s", meow_task_item_get_id (self->item));
}

static void
open_clicked_cb (MeowDetailsWindow *self)
{
  activate_app_action (self, "app.open-file");
}

static void
folder_clicked_cb (MeowDetailsWindow *self)
{
  activate_app_action (self, "app.show-in-folder");
}

/* A download's link; an upload's is the file's link the server gave (app.copy-link). */
static void
copy_clicked_cb (MeowDetailsWindow *self)
{
  const char *link = meow_task_item_get_direction (self->item) == MEOW_DIRECTION_UPLOAD
                         ? meow_task_item_get_payload (self->item)
                         : meow_task_item_get_url (self->item);

  if (link == NULL)
    link = meow_task_item_get_url (self->item);
  gdk_clipboard_set_text (gtk_widget_get_clipboard (GTK_WIDGET (self)), link);
}

static void
copy_final_clicked_cb (MeowDetailsWindow *self)
{
  g_autofree char *final_url = dup_final_url (self);

  if (final_url != NULL)
    gdk_clipboard_set_text (gtk_widget_get_clipboard (GTK_WIDGET (self)), final_url);
}

static GtkWidget *
icon_button (const char *icon_name, const char *tooltip, GCallback callback, gpointer self)
{
  GtkWidget *button = gtk_button_new_from_icon_name (icon_name);

  gtk_widget_set_tooltip_text (button, tooltip);
  gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (button, "flat");
  gtk_accessible_update_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL, tooltip,
                                  -1);
  g_signal_connect_swapped (button, "clicked", callback, self);
  return button;
}

static GtkSpinButton *
spin_row (AdwPreferencesGroup *group,
          const char          *title,
          const char          *subtitle,
          double               max,
          GtkWidget          **row_out,
          gpointer             self)
{
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *spin = gtk_spin_button_new_with_range (0, max, 1);

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_preferences_row_set_use_underline (ADW_PREFERENCES_ROW (row), TRUE);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
  gtk_widget_set_valign (spin, GTK_ALIGN_CENTER);
  gtk_spin_button_set_numeric (GTK_SPIN_BUTTON (spin), TRUE);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), spin);
  adw_action_row_set_activatable_widget (ADW_ACTION_ROW (row), spin);
  gtk_accessible_update_relation (GTK_ACCESSIBLE (spin), GTK_ACCESSIBLE_RELATION_LABELLED_BY, row,
                                  NULL, -1);
  g_signal_connect_swapped (spin, "value-changed", G_CALLBACK (limits_changed_cb), self);
  adw_preferences_group_add (group, row);
  if (row_out)
    *row_out = row;
  return GTK_SPIN_BUTTON (spin);
}

/* A URL has no spaces to wrap at: the subtitle of @row wraps anywhere, else a long
 * link would make the page wider than 360 px. (AdwActionRow has no getter for its
 * subtitle label on libadwaita 1.2: it is the label with the "subtitle" class.) */
static void
wrap_subtitle_anywhere (GtkWidget *widget)
{
  if (GTK_IS_LABEL (widget) && gtk_widget_has_css_class (widget, "subtitle"))
    {
      gtk_label_set_wrap_mode (GTK_LABEL (widget), PANGO_WRAP_WORD_CHAR);
      return;
    }
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    wrap_subtitle_anywhere (child);
}

static void
build (MeowDetailsWindow *self)
{
  GtkWidget *toolbar = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  GtkWidget *header = adw_header_bar_new ();
  GtkWidget *scrolled = gtk_scrolled_window_new ();
  GtkWidget *clamp = adw_clamp_new ();
  GtkWidget *page = gtk_box_new (GTK_ORIENTATION_VERTICAL, 24);
  GtkWidget *transfer = adw_preferences_group_new ();
  GtkWidget *file = adw_preferences_group_new ();
  GtkWidget *limits = adw_preferences_group_new ();
  GtkWidget *label;

  self->title = ADW_WINDOW_TITLE (adw_window_title_new ("", NULL));
  adw_header_bar_set_title_widget (ADW_HEADER_BAR (header), GTK_WIDGET (self->title));
  gtk_box_append (GTK_BOX (toolbar), header);
  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (scrolled), GTK_POLICY_NEVER,
                                  GTK_POLICY_AUTOMATIC);
  gtk_widget_set_vexpand (scrolled, TRUE);
  gtk_box_append (GTK_BOX (toolbar), scrolled);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scrolled), clamp);
  adw_clamp_set_child (ADW_CLAMP (clamp), page);
  gtk_widget_set_margin_top (page, 18);
  gtk_widget_set_margin_bottom (page, 18);
  gtk_widget_set_margin_start (page, 12);
  gtk_widget_set_margin_end (page, 12);

  /* Transfer: the status line and the speed graph. */
  adw_preferences_group_set_title (ADW_PREFERENCES_GROUP (transfer), _ ("Transfer"));
  label = gtk_label_new (NULL);
  self->status_label = GTK_LABEL (label);
  gtk_label_set_xalign (self->status_label, 0);
  gtk_label_set_wrap (self->status_label, TRUE);
  gtk_widget_add_css_class (label, "dim-label");
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (transfer), label);
  self->graph = meow_speed_graph_new ();
  gtk_widget_set_margin_top (self->graph, 6);
  gtk_widget_add_css_class (self->graph, "accent");
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->graph), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _ ("Speed of the last minutes"), -1);
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (transfer), self->graph);
  label = gtk_label_new (NULL);
  self->speed_label = GTK_LABEL (label);
  gtk_label_set_xalign (self->speed_label, 0);
  gtk_label_set_wrap (self->speed_label, TRUE);
  gtk_widget_add_css_class (label, "caption");
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (transfer), label);
  gtk_box_append (GTK_BOX (page), transfer);

  /* Segments. */
  self->map_group = adw_preferences_group_new ();
  adw_preferences_group_set_title (ADW_PREFERENCES_GROUP (self->map_group), _ ("Segments"));
  self->map = meow_segment_map_new ();
  gtk_widget_add_css_class (self->map, "card");
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->map), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _ ("Byte ranges done"), -1);
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (self->map_group), self->map);
  label = gtk_label_new (NULL);
  self->map_label = GTK_LABEL (label);
  gtk_label_set_xalign (self->map_label, 0);
  gtk_label_set_wrap (self->map_label, TRUE);
  gtk_widget_set_margin_top (label, 6);
  gtk_widget_add_css_class (label, "caption");
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (self->map_group), label);
  gtk_box_append (GTK_BOX (page), self->map_group);

  /* The link and the file. */
  adw_preferences_group_set_title (ADW_PREFERENCES_GROUP (file), _ ("File"));
  self->link_row = ADW_ACTION_ROW (adw_action_row_new ());
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->link_row), _ ("Link"));
  adw_action_row_add_suffix (self->link_row, icon_button ("edit-copy-symbolic", _ ("Copy Link"),
                                                          G_CALLBACK (copy_clicked_cb), self));
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (file), GTK_WIDGET (self->link_row));
  self->final_row = ADW_ACTION_ROW (adw_action_row_new ());
  /* Translators: the URL a download came from after the server's redirects. */
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->final_row), _ ("Downloaded From"));
  adw_action_row_add_suffix (self->final_row,
                             icon_button ("edit-copy-symbolic", _ ("Copy Final Link"),
                                          G_CALLBACK (copy_final_clicked_cb), self));
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (file), GTK_WIDGET (self->final_row));
  wrap_subtitle_anywhere (GTK_WIDGET (self->link_row));
  wrap_subtitle_anywhere (GTK_WIDGET (self->final_row));
  self->file_row = ADW_ACTION_ROW (adw_action_row_new ());
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->file_row), _ ("Saved To"));
  self->open_button =
      icon_button ("adw-external-link-symbolic", _ ("Open"), G_CALLBACK (open_clicked_cb), self);
  self->folder_button = icon_button ("folder-open-symbolic", _ ("Show in Folder"),
                                     G_CALLBACK (folder_clicked_cb), self);
  adw_action_row_add_suffix (self->file_row, self->open_button);
  adw_action_row_add_suffix (self->file_row, self->folder_button);
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (file), GTK_WIDGET (self->file_row));
  self->checksum_row = ADW_ENTRY_ROW (adw_entry_row_new ());
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->checksum_row), _ ("Checksum"));
  adw_entry_row_set_show_apply_button (self->checksum_row, TRUE);
  g_signal_connect_swapped (self->checksum_row, "apply", G_CALLBACK (checksum_apply_cb), self);
  g_signal_connect_swapped (self->checksum_row, "entry-activated", G_CALLBACK (checksum_apply_cb),
                            self);
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (file), GTK_WIDGET (self->checksum_row));
  label = gtk_label_new (NULL);
  self->checksum_label = GTK_LABEL (label);
  gtk_label_set_wrap (self->checksum_label, TRUE);
  gtk_label_set_wrap_mode (self->checksum_label, PANGO_WRAP_WORD_CHAR);
  gtk_label_set_xalign (self->checksum_label, 0);
  gtk_label_set_selectable (self->checksum_label, TRUE);
  gtk_widget_set_margin_top (label, 6);
  gtk_widget_set_visible (label, FALSE);
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (file), label);
  gtk_box_append (GTK_BOX (page), file);

  /* This task's own limits. */
  adw_preferences_group_set_title (ADW_PREFERENCES_GROUP (limits), _ ("This Transfer"));
  adw_preferences_group_set_description (ADW_PREFERENCES_GROUP (limits),
                                         _ ("Changes apply at once, also while it runs."));
  self->limit_spin = spin_row (ADW_PREFERENCES_GROUP (limits), _ ("_Speed Limit"),
                               _ ("KiB/s, 0 for none"), 1024 * 1024, NULL, self);
  self->connections_spin =
      spin_row (ADW_PREFERENCES_GROUP (limits), _ ("_Connections"),
                _ ("At once, 0 for the preference"), 16, &self->connections_row, self);
  label = gtk_label_new (NULL);
  self->limits_error = GTK_LABEL (label);
  gtk_label_set_wrap (self->limits_error, TRUE);
  gtk_label_set_xalign (self->limits_error, 0);
  gtk_widget_add_css_class (label, "error");
  gtk_widget_set_visible (label, FALSE);
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (limits), label);
  gtk_box_append (GTK_BOX (page), limits);

  /* What the records said over time. */
  {
    GtkWidget *history = adw_preferences_group_new ();

    adw_preferences_group_set_title (ADW_PREFERENCES_GROUP (history), _ ("History"));
    self->history = GTK_LIST_BOX (gtk_list_box_new ());
    gtk_list_box_set_selection_mode (self->history, GTK_SELECTION_NONE);
    gtk_widget_add_css_class (GTK_WIDGET (self->history), "boxed-list");
    adw_preferences_group_add (ADW_PREFERENCES_GROUP (history), GTK_WIDGET (self->history));
    gtk_box_append (GTK_BOX (page), history);
  }

  /* What the engine asked the server and what it answered. */
  {
    GtkWidget *requests = adw_preferences_group_new ();

    adw_preferences_group_set_title (ADW_PREFERENCES_GROUP (requests), _ ("Requests"));
    self->requests = GTK_LIST_BOX (gtk_list_box_new ());
    gtk_list_box_set_selection_mode (self->requests, GTK_SELECTION_NONE);
    gtk_widget_add_css_class (GTK_WIDGET (self->requests), "boxed-list");
    adw_preferences_group_add (ADW_PREFERENCES_GROUP (requests), GTK_WIDGET (self->requests));
    gtk_box_append (GTK_BOX (page), requests);
  }

  adw_window_set_content (ADW_WINDOW (self), toolbar);
}

static void
meow_details_window_dispose (GObject *object)
{
  MeowDetailsWindow *self = MEOW_DETAILS_WINDOW (object);

  if (self->item != NULL)
    g_clear_signal_handler (&self->notify_id, self->item);
  g_clear_object (&self->item);
  g_clear_object (&self->manager);
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->checksum, g_free);
  G_OBJECT_CLASS (meow_details_window_parent_class)->dispose (object);
}

static void
meow_details_window_class_init (MeowDetailsWindowClass *klass)
{
  GObjectClass   *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = meow_details_window_dispose;
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
meow_details_window_init (MeowDetailsWindow *self)
{
  build (self);
  gtk_window_set_default_size (GTK_WINDOW (self), 480, 640);
  gtk_window_set_title (GTK_WINDOW (self), _ ("Transfer Details"));
}

/**
 * meow_details_window_new:
 * @parent: (nullable): the window it belongs to
 * @id: a task's id
 *
 * The details of the task @id, or %NULL when @manager does not know it. Main thread.
 *
 * Returns: (transfer none) (nullable): the window, not shown yet
 */
GtkWindow *
meow_details_window_new (GtkWindow *parent, MeowTaskManager *manager, const char *id)
{
  MeowTaskItem      *item = meow_task_manager_lookup (manager, id);
  MeowDetailsWindow *self;

  if (item == NULL)
    return NULL;
  self = g_object_new (MEOW_TYPE_DETAILS_WINDOW, "transient-for", parent, NULL);
  self->manager = g_object_ref (manager);
  self->item = g_object_ref (item);
  self->notify_id = g_signal_connect_object (item, "notify", G_CALLBACK (item_notify_cb), self,
                                             G_CONNECT_SWAPPED);
  item_notify_cb (self, NULL);
  update_limits (self);
  return GTK_WINDOW (self);
}

MeowTaskItem *
meow_details_window_get_item (MeowDetailsWindow *self)
{
  return self->item;
}

GtkWidget *
meow_details_window_get_graph (MeowDetailsWindow *self)
{
  return self->graph;
}

GtkWidget *
meow_details_window_get_segment_map (MeowDetailsWindow *self)
{
  return self->map;
}

GtkSpinButton *
meow_details_window_get_limit_spin (MeowDetailsWindow *self)
{
  return self->limit_spin;
}

GtkSpinButton *
meow_details_window_get_connections_spin (MeowDetailsWindow *self)
{
  return self->connections_spin;
}

GtkWidget *
meow_details_window_get_history (MeowDetailsWindow *self)
{
  return GTK_WIDGET (self->history);
}

GtkWidget *
meow_details_window_get_requests (MeowDetailsWindow *self)
{
  return GTK_WIDGET (self->requests);
}

AdwEntryRow *
meow_details_window_get_checksum_row (MeowDetailsWindow *self)
{
  return self->checksum_row;
}

GtkLabel *
meow_details_window_get_checksum_label (MeowDetailsWindow *self)
{
  return self->checksum_label;
}

AdwActionRow *
meow_details_window_get_link_row (MeowDetailsWindow *self)
{
  return self->link_row;
}

AdwActionRow *
meow_details_window_get_final_row (MeowDetailsWindow *self)
{
  return self->final_row;
}
