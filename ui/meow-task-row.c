/* meow-task-row.c: one task in the window's list
 *
 * A row is recycled by the list view: meow_task_row_set_item() connects to the item's
 * notify signals and updates only the widgets a changed property touches, so a progress
 * tick sets a fraction and a label, and nothing is rebuilt.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>
#include <string.h>

#include "meow-ellipsis-bin.h"
#include "meow-task-row.h"

enum
{
  BUTTON_PAUSE,
  BUTTON_SIGN_IN,
  BUTTON_RESUME,
  BUTTON_RETRY,
  BUTTON_CHANGE_LINK,
  BUTTON_OPEN,
  BUTTON_FOLDER,
  BUTTON_COPY,
  BUTTON_CANCEL,
  BUTTON_REMOVE,
  N_BUTTONS
};

/* In the order they stand in the row. An icon button's tooltip is also its accessible
 * label; a text button has a mnemonic label, and its icon where the label does not fit
 * (a narrow window). */
static const struct
{
  const char *action;
  const char *icon_name;
  const char *label;
  const char *tooltip;
} button_specs[N_BUTTONS] = {
  [BUTTON_PAUSE] = { "row.pause-task", "media-playback-pause-symbolic", NULL, N_ ("Pause") },
  [BUTTON_SIGN_IN] = { "row.sign-in", "dialog-password-symbolic", N_ ("_Sign In…"),
                       N_ ("Give the login the server asks for") },
  [BUTTON_RESUME] = { "row.resume-task", "media-playback-start-symbolic", NULL, N_ ("Resume") },
  [BUTTON_RETRY] = { "row.retry-task", "view-refresh-symbolic", NULL, N_ ("Retry") },
  [BUTTON_CHANGE_LINK] = { "row.change-link", "insert-link-symbolic", NULL, N_ ("Change Link…") },
  [BUTTON_OPEN] = { "row.open-file", "adw-external-link-symbolic", N_ ("_Open"),
                    N_ ("Open the file") },
  [BUTTON_FOLDER] = { "row.show-in-folder", "folder-open-symbolic", NULL, N_ ("Show in Folder") },
  [BUTTON_COPY] = { "row.copy-link", "edit-copy-symbolic", N_ ("_Copy Link"),
                    N_ ("Copy the uploaded file’s link") },
  [BUTTON_CANCEL] = { "row.cancel-task", "process-stop-symbolic", NULL, N_ ("Cancel") },
  [BUTTON_REMOVE] = { "row.remove-task", "edit-clear-symbolic", NULL, N_ ("Remove from List") },
};

/* The queue menu of a queued task's row: row.* actions like the buttons'. */
static const struct
{
  const char *action;
  const char *label;
} queue_menu_specs[] = {
  { "row.start-now", N_ ("_Start Now") },
  { "row.move-to-top", N_ ("Move to _Top") },
  { "row.move-to-bottom", N_ ("Move to _Bottom") },
};

struct _MeowTaskRow
{
  GtkWidget parent_instance;

  GtkWidget *box;
  GtkImage  *icon;
  GtkLabel  *direction_label;
  GtkLabel  *name_label;
  GtkLabel  *status_label;
  GtkBox    *details;
  GtkWidget *name_line;
  GtkWidget *progress_bar; /* NULL until first shown */
  GtkBox    *buttons_box;
  GtkWidget *buttons[N_BUTTONS]; /* NULL until first shown */
  GtkWidget *queue_button;       /* the queue menu's; NULL until first shown */

  MeowTaskItem *item;
  GSignalGroup *item_signals;
  guint         countdown_id; /* while "Retrying in N s" counts down */
};

G_DEFINE_FINAL_TYPE (MeowTaskRow, meow_task_row, GTK_TYPE_WIDGET)

static char *
format_time_left (gint64 seconds)
{
  if (seconds < 60)
    return g_strdup_printf (ngettext ("%d second left", "%d seconds left", (int) seconds),
                            (int) seconds);
  if (seconds < 3600)
    {
      int minutes = (int) ((seconds + 30) / 60);
      return g_strdup_printf (ngettext ("%d minute left", "%d minutes left", minutes), minutes);
    }
  if (seconds < 2 * 86400)
    {
      int hours = (int) ((seconds + 1800) / 3600);
      return g_strdup_printf (ngettext ("%d hour left", "%d hours left", hours), hours);
    }
  {
    int days = (int) ((seconds + 43200) / 86400);
    return g_strdup_printf (ngettext ("%d day left", "%d days left", days), days);
  }
}

/* "12.3 MB of 100 MB", or "12.3 MB" when the total is unknown. */
static char *
format_amount (MeowTaskItem *item)
{
  g_autofree char *done = g_format_size (meow_task_item_get_transferred (item));
  gint64           total = meow_task_item_get_total (item);

  if (total >= 0)
    {
      g_autofree char *total_text = g_format_size ((guint64) total);
      /* Translators: bytes done "of" the total, e.g. "12.3 MB of 100 MB" */
      return g_strdup_printf (_ ("%s of %s"), done, total_text);
    }
  return g_steal_pointer (&done);
}

/* A task waiting between attempts: what for, and when it tries next. */
static char *
format_wait (MeowTaskItem *item)
{
  gint64      next = meow_task_item_get_next_attempt (item);
  const char *detail = meow_task_item_get_wait_detail (item);
  gint64      left;

  switch (meow_task_item_get_wait_reason (item))
    {
    case MEOW_WAIT_NETWORK:
      return g_strdup (_ ("Waiting for network"));
    case MEOW_WAIT_PORTAL:
      /* Translators: a captive portal (a hotel's or a train's login page) is in the way */
      return g_strdup (_ ("Waiting for network sign-in"));
    case MEOW_WAIT_METERED:
      return g_strdup (_ ("Paused on metered connection"));
    case MEOW_WAIT_SUSPEND:
      /* Translators: the computer is going to sleep (suspend); the row goes on after it wakes */
      return g_strdup (_ ("Paused for system sleep"));
    case MEOW_WAIT_SCHEDULE:
      /* Translators: outside the time window set in Preferences (Schedule); it starts when
       * the window opens */
      return g_strdup (_ ("Waiting for the scheduled time"));
    case MEOW_WAIT_HOST_NOT_FOUND:
      left = next > 0 ? (next - g_get_monotonic_time () + G_USEC_PER_SEC - 1) / G_USEC_PER_SEC : 0;
      if (left > 0)
        /* Translators: the server's host name does not exist (a typo?); %d is seconds until
         * the next of a few tries */
        return g_strdup_printf (ngettext ("Server name not found — retrying in %d second",
                                          "Server name not found — retrying in %d seconds",
                                          (int) left),
                                (int) left);
      return g_strdup (_ ("Server name not found — retrying now"));
    case MEOW_WAIT_SERVER_UNREACHABLE:
    case MEOW_WAIT_RETRY_AFTER:
    case MEOW_WAIT_NONE:
    default:
      break;
    }

  left = next > 0 ? (next - g_get_monotonic_time () + G_USEC_PER_SEC - 1) / G_USEC_PER_SEC : 0;
  if (left > 0 && detail != NULL)
    /* Translators: %d is seconds until the next try, %s why the last one failed (libcurl's
     * words, e.g. “Couldn't connect to server”, or “HTTP 503”) */
    return g_strdup_printf (
        ngettext ("Retrying in %d second — %s", "Retrying in %d seconds — %s", (int) left),
        (int) left, detail);
  if (left > 0)
    return g_strdup_printf (
        ngettext ("Retrying in %d second", "Retrying in %d seconds", (int) left), (int) left);
  return g_strdup (_ ("Retrying now"));
}

/**
 * meow_format_status_line:
 *
 * Returns: (transfer full): the row's status line for @item, e.g.
 *   "12.3 MB of 100 MB · 2.1 MB/s · 40 seconds left"
 */
char *
meow_format_status_line (MeowTaskItem *item)
{
  g_autofree char *amount = format_amount (item);

  /* An upload reads its whole file first (queued or running): say how far. */
  if (meow_task_item_is_active (item) && meow_task_item_get_phase (item) == MEOW_PHASE_HASHING)
    {
      gint64 total = meow_task_item_get_total (item);
      int    percent = 0;

      if (total > 0)
        percent = (int) MIN (meow_task_item_get_hashed (item) * 100 / (guint64) total, 100);
      /* Translators: an upload reads its file before sending it; %d is a percentage,
       * “%%” the percent sign */
      return g_strdup_printf (_ ("Checking file… %d %%"), percent);
    }

  switch (meow_task_item_get_status (item))
    {
    case MEOW_STATUS_PENDING:
      if (meow_task_item_get_wait_reason (item) != MEOW_WAIT_NONE)
        {
          g_autofree char *wait = format_wait (item);

          if (meow_task_item_get_transferred (item) > 0)
            return g_strdup_printf ("%s · %s", wait, amount);
          return g_steal_pointer (&wait);
        }
      if (meow_task_item_get_transferred (item) > 0)
        /* Translators: a queued transfer that already has some bytes */
        return g_strdup_printf (_ ("Queued · %s"), amount);
      return g_strdup (_ ("Queued"));

    case MEOW_STATUS_TRANSMISSION:
      {
        GString *line = g_string_new (amount);
        double   speed = meow_task_item_get_speed (item);
        gint64   eta = meow_task_item_get_eta (item);

        if (speed >= 1)
          {
            g_autofree char *size = g_format_size ((guint64) speed);
            /* Translators: a speed, e.g. "2.1 MB/s" */
            g_autofree char *rate = g_strdup_printf (_ ("%s/s"), size);
            g_string_append_printf (line, " · %s", rate);
          }
        if (eta >= 0 && speed >= 1 && meow_task_item_get_total (item) >= 0)
          {
            g_autofree char *left = format_time_left (eta);
            g_string_append_printf (line, " · %s", left);
          }
        return g_string_free (line, FALSE);
      }

    case MEOW_STATUS_PAUSED:
      if (meow_task_item_get_wait_reason (item) == MEOW_WAIT_PROXY_SIGN_IN)
        {
          /* Translators: the proxy asks for a user name and password (HTTP 407) */
          if (meow_task_item_get_transferred (item) > 0)
            return g_strdup_printf (_ ("Proxy sign-in required · %s"), amount);
          return g_strdup (_ ("Proxy sign-in required"));
        }
      if (meow_task_item_get_wait_reason (item) == MEOW_WAIT_SIGN_IN)
        {
          /* Translators: the server asks for a user name and password (HTTP 401) */
          if (meow_task_item_get_transferred (item) > 0)
            return g_strdup_printf (_ ("Sign in required · %s"), amount);
          return g_strdup (_ ("Sign in required"));
        }
      if (meow_task_item_get_transferred (item) > 0)
        return g_strdup_printf (_ ("Paused · %s"), amount);
      return g_strdup (_ ("Paused"));

    case MEOW_STATUS_COMPLETE:
      {
        g_autofree char *size = g_format_size (meow_task_item_get_transferred (item));

        if (meow_task_item_get_direction (item) == MEOW_DIRECTION_UPLOAD)
          return g_strdup_printf (_ ("Uploaded · %s"), size);
        return g_strdup_printf (_ ("Completed · %s"), size);
      }

    case MEOW_STATUS_FAILED:
      if (meow_task_item_get_error_message (item) != NULL)
        return g_strdup_printf (_ ("Failed: %s"), meow_task_item_get_error_message (item));
      return g_strdup (_ ("Failed"));

    case MEOW_STATUS_CANCELED:
      return g_strdup (_ ("Canceled"));

    default:
      return g_strdup ("");
    }
}

/* The symbolic icon for a content type, made once per type and shared by every row:
 * the content type's symbolic names (g_content_type_get_symbolic_icon() also lists the
 * coloured ones, which Adwaita has for a few types only), then the generic one every
 * theme has, so that every row looks alike. Main thread. */
static GIcon *
icon_for_type (const char *type)
{
  static GHashTable *icons; /* content type → GIcon, kept for the life of the process */
  GIcon             *icon;

  if (icons == NULL)
    icons = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
  icon = g_hash_table_lookup (icons, type);
  if (icon == NULL)
    {
      g_autoptr (GIcon) type_icon = g_content_type_get_symbolic_icon (type);
      g_autoptr (GStrvBuilder) symbolic = g_strv_builder_new ();
      g_auto (GStrv) names = NULL;

      if (G_IS_THEMED_ICON (type_icon))
        {
          const char *const *type_names = g_themed_icon_get_names (G_THEMED_ICON (type_icon));

          for (guint i = 0; type_names[i] != NULL; i++)
            if (g_str_has_suffix (type_names[i], "-symbolic"))
              g_strv_builder_add (symbolic, type_names[i]);
        }
      g_strv_builder_add (symbolic, "text-x-generic-symbolic");
      names = g_strv_builder_end (symbolic);
      icon = g_themed_icon_new_from_names (names, -1);
      g_hash_table_insert (icons, g_strdup (type), icon);
    }
  return icon;
}

static void
update_icon (MeowTaskRow *self)
{
  g_autofree char *type = NULL;
  gboolean         uncertain = FALSE;

  type = g_content_type_guess (meow_task_item_get_name (self->item), NULL, 0, &uncertain);
  gtk_image_set_from_gicon (self->icon, icon_for_type (type));
}

/* gtk_widget_set_tooltip_text() on a visible widget asks the X server where the pointer
 * is (gtk_tooltip_trigger_tooltip_query(): a round trip), to update a tooltip on show;
 * the list view builds and binds a screenful of rows before its window is even mapped,
 * and bench/ui measured those round trips as most of the time to the first frame. A
 * widget that is not on screen cannot have a tooltip showing: it gets the text while
 * hidden, which asks nothing. Unchanged text is not set again. */
static void
set_tooltip (GtkWidget *widget, const char *text)
{
  if (g_strcmp0 (gtk_widget_get_tooltip_text (widget), text) == 0)
    return;
  if (gtk_widget_get_mapped (widget) || !gtk_widget_get_visible (widget))
    {
      gtk_widget_set_tooltip_text (widget, text);
      return;
    }
  gtk_widget_set_visible (widget, FALSE);
  gtk_widget_set_tooltip_text (widget, text);
  gtk_widget_set_visible (widget, TRUE);
}

static void
update_name (MeowTaskRow *self)
{
  gboolean upload = meow_task_item_get_direction (self->item) == MEOW_DIRECTION_UPLOAD;

  /* An arrow, not an icon: Adwaita's go-up/go-down are chevrons that read as expanders. */
  gtk_label_set_label (self->direction_label, upload ? "↑" : "↓");
  set_tooltip (GTK_WIDGET (self->direction_label), upload ? _ ("Upload") : _ ("Download"));
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->direction_label),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  upload ? _ ("Upload") : _ ("Download"), -1);
  gtk_label_set_label (self->name_label, meow_task_item_get_name (self->item));
  set_tooltip (GTK_WIDGET (self->name_label), meow_task_item_get_url (self->item));
  update_icon (self);
}

static void update_progress (MeowTaskRow *self);

static gboolean
countdown_cb (gpointer user_data)
{
  MeowTaskRow *self = user_data;

  update_progress (self);
  return G_SOURCE_CONTINUE;
}

/* A row that counts down to its task's next try redraws its line every second, and
 * only then: the other rows have no timer. */
static void
update_countdown (MeowTaskRow *self)
{
  gboolean counting = self->item != NULL &&
                      meow_task_item_get_status (self->item) == MEOW_STATUS_PENDING &&
                      meow_task_item_get_next_attempt (self->item) > 0;

  if (!counting)
    g_clear_handle_id (&self->countdown_id, g_source_remove);
  else if (self->countdown_id == 0)
    self->countdown_id = g_timeout_add_seconds (1, countdown_cb, self);
}

static void
update_progress (MeowTaskRow *self)
{
  g_autofree char *line = meow_format_status_line (self->item);
  gint64           total = meow_task_item_get_total (self->item);
  double           fraction = 0;

  if (meow_task_item_get_status (self->item) == MEOW_STATUS_COMPLETE)
    fraction = 1;
  else if (meow_task_item_get_phase (self->item) == MEOW_PHASE_HASHING)
    fraction = total > 0
                   ? CLAMP ((double) meow_task_item_get_hashed (self->item) / (double) total, 0, 1)
                   : 0;
  else if (total > 0)
    fraction = CLAMP ((double) meow_task_item_get_transferred (self->item) / (double) total, 0, 1);

  if (self->progress_bar != NULL)
    gtk_progress_bar_set_fraction (GTK_PROGRESS_BAR (self->progress_bar), fraction);
  gtk_label_set_label (self->status_label, line);
  update_countdown (self);
}

/* The label when it fits, else the icon: AdwSqueezer shows the first child that fits,
 * and the name label's width-chars (meow-task-row.ui) keeps a narrow row from giving
 * the label all of its width. */
static GtkWidget *
text_button_new (guint which)
{
  GtkWidget *button = gtk_button_new ();
  GtkWidget *squeezer = adw_squeezer_new ();
  GtkWidget *label = gtk_label_new_with_mnemonic (_ (button_specs[which].label));

  /* As wide as what it shows, not as its widest child. */
  adw_squeezer_set_homogeneous (ADW_SQUEEZER (squeezer), FALSE);
  adw_squeezer_add (ADW_SQUEEZER (squeezer), label);
  adw_squeezer_add (ADW_SQUEEZER (squeezer),
                    gtk_image_new_from_icon_name (button_specs[which].icon_name));
  gtk_label_set_mnemonic_widget (GTK_LABEL (label), button);
  gtk_button_set_child (GTK_BUTTON (button), squeezer);
  /* The same name whichever child shows (the text without its mnemonic). */
  gtk_accessible_update_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  gtk_label_get_text (GTK_LABEL (label)), -1);
  return button;
}

/* Shows or hides one of the row's buttons, making it the first time it is shown. */
static void
show_button (MeowTaskRow *self, guint which, gboolean visible)
{
  GtkWidget *button = self->buttons[which];
  GtkWidget *before = NULL;

  if (button != NULL)
    {
      gtk_widget_set_visible (button, visible);
      return;
    }
  if (!visible)
    return;

  if (button_specs[which].label == NULL)
    {
      button = gtk_button_new_from_icon_name (button_specs[which].icon_name);
      gtk_widget_add_css_class (button, "flat");
      gtk_widget_add_css_class (button, "circular");
      /* Icon-only: screen readers read the same words as the tooltip. */
      gtk_accessible_update_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                      _ (button_specs[which].tooltip), -1);
    }
  else
    button = text_button_new (which);
  set_tooltip (button, _ (button_specs[which].tooltip));
  gtk_actionable_set_action_name (GTK_ACTIONABLE (button), button_specs[which].action);

  for (guint i = which; before == NULL && i-- > 0;)
    before = self->buttons[i];
  gtk_box_insert_child_after (self->buttons_box, button, before);
  self->buttons[which] = button;
}

/* The queue menu, one model for every download's row and one for every upload's;
 * a download's Change Link… is in it rather than a button of its own, so that a queued
 * row has no more buttons than a running one (a 360 px window has room for three and
 * the name). Main thread. */
static GMenuModel *
queue_menu_get (gboolean download)
{
  static GMenu *menus[2];

  if (menus[download] == NULL)
    {
      g_autoptr (GMenu) queue = g_menu_new ();

      for (guint i = 0; i < G_N_ELEMENTS (queue_menu_specs); i++)
        g_menu_append (queue, _ (queue_menu_specs[i].label), queue_menu_specs[i].action);
      menus[download] = g_menu_new ();
      g_menu_append_section (menus[download], NULL, G_MENU_MODEL (queue));
      if (download)
        {
          g_autoptr (GMenu) link = g_menu_new ();

          g_menu_append (link, _ (button_specs[BUTTON_CHANGE_LINK].tooltip),
                         button_specs[BUTTON_CHANGE_LINK].action);
          g_menu_append_section (menus[download], NULL, G_MENU_MODEL (link));
        }
    }
  return G_MENU_MODEL (menus[download]);
}

/* Like show_button(), for the queue menu's button, last in the row; @download: the
 * menu with Change Link…. */
static void
show_queue_button (MeowTaskRow *self, gboolean visible, gboolean download)
{
  if (self->queue_button != NULL)
    {
      GtkMenuButton *button = GTK_MENU_BUTTON (self->queue_button);

      if (visible && gtk_menu_button_get_menu_model (button) != queue_menu_get (download))
        gtk_menu_button_set_menu_model (button, queue_menu_get (download));
      gtk_widget_set_visible (self->queue_button, visible);
      return;
    }
  if (!visible)
    return;

  self->queue_button = gtk_menu_button_new ();
  gtk_menu_button_set_icon_name (GTK_MENU_BUTTON (self->queue_button), "view-more-symbolic");
  gtk_menu_button_set_menu_model (GTK_MENU_BUTTON (self->queue_button), queue_menu_get (download));
  gtk_widget_add_css_class (self->queue_button, "flat");
  gtk_widget_add_css_class (self->queue_button, "circular");
  set_tooltip (self->queue_button, _ ("Queue Options"));
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->queue_button),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _ ("Queue Options"), -1);
  gtk_box_append (self->buttons_box, self->queue_button);
}

/* Like show_button(): most rows of a long list are history, which has no progress. */
static void
show_progress_bar (MeowTaskRow *self, gboolean visible)
{
  if (self->progress_bar != NULL)
    gtk_widget_set_visible (self->progress_bar, visible);
  else if (visible)
    {
      self->progress_bar = gtk_progress_bar_new ();
      gtk_box_insert_child_after (self->details, self->progress_bar, self->name_line);
    }
}

static void
update_status (MeowTaskRow *self)
{
  MeowStatus  status = meow_task_item_get_status (self->item);
  gboolean    live = status == MEOW_STATUS_PENDING || status == MEOW_STATUS_TRANSMISSION;
  const char *error = meow_task_item_get_error_message (self->item);
  gboolean    download = meow_task_item_get_direction (self->item) == MEOW_DIRECTION_DOWNLOAD;

  gboolean queued = status == MEOW_STATUS_PENDING && meow_task_item_get_live (self->item);
  gboolean sign_in = meow_task_item_needs_sign_in (self->item);

  show_button (self, BUTTON_PAUSE, live);
  /* Only a queued task has a place in the queue to change. */
  show_queue_button (self, queued, download);
  /* Paused for a login: Sign In… resumes it; Resume alone would only ask again. */
  show_button (self, BUTTON_SIGN_IN, sign_in);
  show_button (self, BUTTON_RESUME, status == MEOW_STATUS_PAUSED && !sign_in);
  show_button (self, BUTTON_CANCEL, live || status == MEOW_STATUS_PAUSED);
  show_button (self, BUTTON_RETRY,
               (status == MEOW_STATUS_FAILED || status == MEOW_STATUS_CANCELED) &&
                   meow_task_item_get_restorable (self->item));
  /* An expired link can be replaced while the download is unfinished, running or not
   * (a queued one's is in the queue menu). */
  show_button (
      self, BUTTON_CHANGE_LINK,
      download && status != MEOW_STATUS_COMPLETE && !queued &&
          (live || status == MEOW_STATUS_PAUSED || meow_task_item_get_restorable (self->item)));
  /* A finished download is a file to open; a finished upload is a link to share. */
  show_button (self, BUTTON_OPEN, status == MEOW_STATUS_COMPLETE && download);
  show_button (self, BUTTON_FOLDER, status == MEOW_STATUS_COMPLETE && download);
  show_button (self, BUTTON_COPY,
               status == MEOW_STATUS_COMPLETE && !download &&
                   meow_task_item_get_payload (self->item) != NULL);
  show_button (self, BUTTON_REMOVE,
               status == MEOW_STATUS_COMPLETE || status == MEOW_STATUS_FAILED ||
                   status == MEOW_STATUS_CANCELED);
  show_progress_bar (self, status != MEOW_STATUS_COMPLETE && status != MEOW_STATUS_CANCELED);

  /* The status line wraps as far as it needs (at 360 px a German "… Sekunden
   * verbleibend" takes four lines); an error message, which can name a long URL, is cut
   * after three lines and its tooltip has all of it. */
  if (status == MEOW_STATUS_FAILED)
    {
      gtk_widget_add_css_class (GTK_WIDGET (self->status_label), "error");
      gtk_widget_remove_css_class (GTK_WIDGET (self->status_label), "dim-label");
      gtk_label_set_lines (self->status_label, 3);
      gtk_label_set_ellipsize (self->status_label, PANGO_ELLIPSIZE_END);
      set_tooltip (GTK_WIDGET (self->status_label), error);
    }
  else
    {
      gtk_widget_remove_css_class (GTK_WIDGET (self->status_label), "error");
      gtk_widget_add_css_class (GTK_WIDGET (self->status_label), "dim-label");
      gtk_label_set_ellipsize (self->status_label, PANGO_ELLIPSIZE_NONE);
      gtk_label_set_lines (self->status_label, -1);
      set_tooltip (GTK_WIDGET (self->status_label), NULL);
    }

  if (self->progress_bar != NULL && status == MEOW_STATUS_PAUSED)
    gtk_widget_add_css_class (self->progress_bar, "paused");
  else if (self->progress_bar != NULL)
    gtk_widget_remove_css_class (self->progress_bar, "paused");

  update_progress (self);
}

static void
item_notify_cb (MeowTaskRow *self, GParamSpec *pspec, MeowTaskItem *item)
{
  const char *name = g_param_spec_get_name (pspec);

  if (g_str_equal (name, "status") || g_str_equal (name, "error-message") ||
      g_str_equal (name, "local-path") || g_str_equal (name, "payload") ||
      g_str_equal (name, "restorable") || g_str_equal (name, "live"))
    update_status (self);
  else if (g_str_equal (name, "name"))
    update_name (self);
  else
    update_progress (self);
}

static void
meow_task_row_dispose (GObject *object)
{
  MeowTaskRow *self = MEOW_TASK_ROW (object);

  meow_task_row_set_item (self, NULL);
  g_clear_object (&self->item_signals);
  gtk_widget_dispose_template (GTK_WIDGET (self), MEOW_TYPE_TASK_ROW);

  G_OBJECT_CLASS (meow_task_row_parent_class)->dispose (object);
}

/* The buttons' row.* actions are the app.* actions of the same name, for the item the
 * row shows. Class actions cost nothing when a recycled row gets another item (a
 * button's own action name and target did: a lookup through the action muxers for each
 * of eight buttons on every bind, most of the time it took to show a long list). */
static void
row_action_cb (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  MeowTaskRow     *self = MEOW_TASK_ROW (widget);
  g_autofree char *app_action = NULL;

  if (self->item == NULL)
    return;
  g_assert (g_str_has_prefix (action_name, "row."));
  app_action = g_strconcat ("app.", action_name + strlen ("row."), NULL);
  gtk_widget_activate_action (widget, app_action, "s", meow_task_item_get_id (self->item));
}

static void
meow_task_row_class_init (MeowTaskRowClass *klass)
{

  GObjectClass   *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = meow_task_row_dispose;

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "taskrow");
  g_type_ensure (MEOW_TYPE_ELLIPSIS_BIN);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/meow_transfer/Meow/meow-task-row.ui");
  gtk_widget_class_bind_template_child (widget_class, MeowTaskRow, box);
  gtk_widget_class_bind_template_child (widget_class, MeowTaskRow, icon);
  gtk_widget_class_bind_template_child (widget_class, MeowTaskRow, direction_label);
  gtk_widget_class_bind_template_child (widget_class, MeowTaskRow, name_label);
  gtk_widget_class_bind_template_child (widget_class, MeowTaskRow, status_label);
  gtk_widget_class_bind_template_child (widget_class, MeowTaskRow, details);
  gtk_widget_class_bind_template_child (widget_class, MeowTaskRow, name_line);
  gtk_widget_class_bind_template_child_full (widget_class, "buttons", FALSE,
                                             G_STRUCT_OFFSET (MeowTaskRow, buttons_box));

  for (guint i = 0; i < N_BUTTONS; i++)
    gtk_widget_class_install_action (widget_class, button_specs[i].action, NULL, row_action_cb);
  for (guint i = 0; i < G_N_ELEMENTS (queue_menu_specs); i++)
    gtk_widget_class_install_action (widget_class, queue_menu_specs[i].action, NULL, row_action_cb);
}

static void
meow_task_row_init (MeowTaskRow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->item_signals = g_signal_group_new (MEOW_TYPE_TASK_ITEM);
  g_signal_group_connect_object (self->item_signals, "notify", G_CALLBACK (item_notify_cb), self,
                                 G_CONNECT_SWAPPED);
}

GtkWidget *
meow_task_row_new (void)
{
  return g_object_new (MEOW_TYPE_TASK_ROW, NULL);
}

/**
 * meow_task_row_get_item:
 *
 * Returns: (transfer none) (nullable): the item shown
 */
MeowTaskItem *
meow_task_row_get_item (MeowTaskRow *self)
{
  g_return_val_if_fail (MEOW_IS_TASK_ROW (self), NULL);
  return self->item;
}

/**
 * meow_task_row_set_item:
 * @item: (nullable): the item to show, or %NULL when the row is unbound
 */
void
meow_task_row_set_item (MeowTaskRow *self, MeowTaskItem *item)
{
  g_return_if_fail (MEOW_IS_TASK_ROW (self));
  g_return_if_fail (item == NULL || MEOW_IS_TASK_ITEM (item));

  if (self->item == item)
    return;

  g_set_object (&self->item, item);
  g_signal_group_set_target (self->item_signals, item);
  if (item == NULL)
    {
      update_countdown (self);
      return;
    }

  update_name (self);
  update_status (self);
}
