/* meow-window.c: the main window
 *
 * The manager's items go through a GtkFilterListModel (All / Active / Completed /
 * Failed, and the search text) and a GtkSingleSelection into a GtkListView whose rows
 * are MeowTaskRow widgets bound to items by a GtkSignalListItemFactory. A
 * GtkSortListModel between the filter and the selection sorts the view (Sort in the
 * main menu; no sorter for the queue's own order, so the items pass straight through).
 * One GtkDropTarget takes files (uploads) and text (links); each row can be dragged
 * onto another while both are queued (meow-queue-drag.c).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "meow-add-dialog.h"
#include "meow-links.h"
#include "meow-queue-drag.h"
#include "meow-task-manager.h"
#include "meow-task-row.h"
#include "meow-window.h"

typedef enum
{
  FILTER_ALL,
  FILTER_ACTIVE,
  FILTER_COMPLETED,
  FILTER_FAILED,
} FilterMode;

static const char *const filter_names[] = { "all", "active", "completed", "failed" };

typedef enum
{
  SORT_ADDED,
  SORT_NAME,
  SORT_SIZE,
  SORT_STATUS,
} SortMode;

static const char *const sort_names[] = { "added", "name", "size", "status" };

struct _MeowWindow
{
  AdwApplicationWindow parent_instance;

  AdwToastOverlay *toast_overlay;
  GtkStack        *stack;
  GtkListView     *list_view;
  GtkSearchBar    *search_bar;
  GtkSearchEntry  *search_entry;
  GtkWidget       *search_button;
  GtkWidget       *alt_speed_button; /* win.alt-speed-enabled, the turtle */
  GtkMenuButton   *filter_menu_button;

  GSettings          *settings;
  MeowTaskManager    *manager;
  GtkCustomFilter    *filter;
  GtkFilterListModel *filtered;
  GtkSortListModel   *sorted;
  GtkSingleSelection *selection;
  FilterMode          mode;
  SortMode            sort;
  char               *search;         /* casefolded, or NULL */
  AdwToast           *last_toast;     /* weak */
  GtkWidget          *target_dialog;  /* weak: "Upload to which target?" */
  GtkWidget          *restart_dialog; /* weak: "Start Over?" after a link that differs */
  GtkNativeDialog    *upload_chooser; /* the Upload Files chooser while it is open */
};

G_DEFINE_FINAL_TYPE (MeowWindow, meow_window, ADW_TYPE_APPLICATION_WINDOW)

enum
{
  PROP_0,
  PROP_FILTER,
  PROP_SORT,
  PROP_MANAGER,
  PROP_SETTINGS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* ------------------------------------------------------------------ */
/* Filtering                                                           */

static gboolean
contains_casefolded (const char *haystack, const char *needle)
{
  g_autofree char *folded = NULL;

  if (haystack == NULL)
    return FALSE;
  folded = g_utf8_casefold (haystack, -1);
  return strstr (folded, needle) != NULL;
}

static gboolean
filter_func (gpointer object, gpointer user_data)
{
  MeowWindow   *self = user_data;
  MeowTaskItem *item = object;
  MeowStatus    status = meow_task_item_get_status (item);

  switch (self->mode)
    {
    case FILTER_ACTIVE:
      if (status != MEOW_STATUS_PENDING && status != MEOW_STATUS_TRANSMISSION &&
          status != MEOW_STATUS_PAUSED)
        return FALSE;
      break;
    case FILTER_COMPLETED:
      if (status != MEOW_STATUS_COMPLETE)
        return FALSE;
      break;
    case FILTER_FAILED:
      if (status != MEOW_STATUS_FAILED)
        return FALSE;
      break;
    case FILTER_ALL:
    default:
      break;
    }

  if (self->search != NULL)
    return contains_casefolded (meow_task_item_get_name (item), self->search) ||
           contains_casefolded (meow_task_item_get_url (item), self->search);
  return TRUE;
}

/* After a change of the mode or the search: "all" without a search takes the filter off
 * the list, so that the items pass straight through. A GtkCustomFilter is asked about
 * every item each time the model changes (100,000 calls for a list that long) even when
 * it keeps them all. */
static void
refilter (MeowWindow *self)
{
  gboolean needed = self->mode != FILTER_ALL || self->search != NULL;

  if (!needed)
    gtk_filter_list_model_set_filter (self->filtered, NULL);
  else if (gtk_filter_list_model_get_filter (self->filtered) == NULL)
    gtk_filter_list_model_set_filter (self->filtered, GTK_FILTER (self->filter));
  else
    gtk_filter_changed (GTK_FILTER (self->filter), GTK_FILTER_CHANGE_DIFFERENT);
}

/* Clear Finished is there when something is finished. */
static void
update_clear_finished (MeowWindow *self)
{
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.clear-finished",
                                 self->manager != NULL &&
                                     meow_task_manager_has_finished (self->manager));
}

static void
update_page (MeowWindow *self)
{
  const char *page;

  if (self->manager == NULL ||
      g_list_model_get_n_items (meow_task_manager_get_model (self->manager)) == 0)
    page = "empty";
  else if (g_list_model_get_n_items (G_LIST_MODEL (self->filtered)) == 0)
    page = "no-results";
  else
    page = "list";
  gtk_stack_set_visible_child_name (self->stack, page);
  update_clear_finished (self);
}

static void
status_changed_cb (MeowWindow *self, MeowTaskItem *item)
{
  update_clear_finished (self);
  /* Only a status filter depends on the status; "all" with a search does not. */
  if (self->mode != FILTER_ALL)
    gtk_filter_changed (GTK_FILTER (self->filter), GTK_FILTER_CHANGE_DIFFERENT);
  /* The sort model sorts again only what the model says changed: a new status (and
   * the name and size a transfer learns as it starts or ends) moves the row. */
  if (self->sort != SORT_ADDED && self->sorted != NULL)
    {
      GtkSorter *sorter = gtk_sort_list_model_get_sorter (self->sorted);

      if (sorter != NULL)
        gtk_sorter_changed (sorter, GTK_SORTER_CHANGE_DIFFERENT);
    }
}

static void
search_changed_cb (MeowWindow *self, GtkSearchEntry *entry)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (entry));

  g_clear_pointer (&self->search, g_free);
  if (text[0] != '\0')
    self->search = g_utf8_casefold (text, -1);
  if (self->filtered != NULL)
    refilter (self);
}

/* The narrow window's filter menu button says which filter is on. */
static void
update_filter_label (MeowWindow *self)
{
  const char *labels[] = {
    C_ ("filter", "All"),
    C_ ("filter", "Active"),
    C_ ("filter", "Completed"),
    C_ ("filter", "Failed"),
  };

  G_STATIC_ASSERT (G_N_ELEMENTS (labels) == G_N_ELEMENTS (filter_names));
  gtk_menu_button_set_label (self->filter_menu_button, labels[self->mode]);
}

void
meow_window_set_filter (MeowWindow *self, const char *filter)
{
  FilterMode mode = FILTER_ALL;

  g_return_if_fail (MEOW_IS_WINDOW (self));

  for (guint i = 0; i < G_N_ELEMENTS (filter_names); i++)
    if (g_strcmp0 (filter, filter_names[i]) == 0)
      mode = i;
  if (mode == self->mode)
    return;
  self->mode = mode;
  update_filter_label (self);
  if (self->filtered != NULL)
    refilter (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FILTER]);
}

/* ------------------------------------------------------------------ */
/* Sorting                                                             */

/* Running first, then what waits, what needs a look, and what is done. */
static int
status_rank (MeowStatus status)
{
  switch (status)
    {
    case MEOW_STATUS_TRANSMISSION:
      return 0;
    case MEOW_STATUS_PENDING:
      return 1;
    case MEOW_STATUS_PAUSED:
      return 2;
    case MEOW_STATUS_FAILED:
      return 3;
    case MEOW_STATUS_CANCELED:
      return 4;
    case MEOW_STATUS_COMPLETE:
    default:
      return 5;
    }
}

static int
compare_status (gconstpointer a, gconstpointer b, gpointer user_data)
{
  int x = status_rank (meow_task_item_get_status ((MeowTaskItem *) a));
  int y = status_rank (meow_task_item_get_status ((MeowTaskItem *) b));

  return x < y ? GTK_ORDERING_SMALLER : x > y ? GTK_ORDERING_LARGER : GTK_ORDERING_EQUAL;
}

/* Largest first; an unknown size (-1) last. */
static int
compare_size (gconstpointer a, gconstpointer b, gpointer user_data)
{
  gint64 x = meow_task_item_get_total ((MeowTaskItem *) a);
  gint64 y = meow_task_item_get_total ((MeowTaskItem *) b);

  return x > y ? GTK_ORDERING_SMALLER : x < y ? GTK_ORDERING_LARGER : GTK_ORDERING_EQUAL;
}

/* The sorter for @mode, or NULL for the queue's order (the items pass straight
 * through). GtkSortListModel's sort is stable: equal items keep the queue's order. */
static GtkSorter *
new_sorter (SortMode mode)
{
  GtkStringSorter *by_name;

  switch (mode)
    {
    case SORT_NAME:
      /* Collation keys made once per item, not per comparison. */
      by_name =
          gtk_string_sorter_new (gtk_property_expression_new (MEOW_TYPE_TASK_ITEM, NULL, "name"));
      gtk_string_sorter_set_ignore_case (by_name, TRUE);
      return GTK_SORTER (by_name);
    case SORT_SIZE:
      return GTK_SORTER (gtk_custom_sorter_new (compare_size, NULL, NULL));
    case SORT_STATUS:
      return GTK_SORTER (gtk_custom_sorter_new (compare_status, NULL, NULL));
    case SORT_ADDED:
    default:
      return NULL;
    }
}

static void
meow_window_set_sort (MeowWindow *self, const char *sort)
{
  SortMode mode = SORT_ADDED;

  for (guint i = 0; i < G_N_ELEMENTS (sort_names); i++)
    if (g_strcmp0 (sort, sort_names[i]) == 0)
      mode = i;
  if (mode == self->sort)
    return;
  self->sort = mode;
  if (self->sorted != NULL)
    {
      g_autoptr (GtkSorter) sorter = new_sorter (mode);

      gtk_sort_list_model_set_sorter (self->sorted, sorter);
    }
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SORT]);
}

/* Rows are dragged to reorder the queue only while the view shows the queue's order. */
static gboolean
drag_allowed (gpointer user_data)
{
  MeowWindow *self = user_data;

  return self->sort == SORT_ADDED;
}

static void toast_text (MeowWindow *self, const char *text);

static void
drag_failed (gpointer user_data, const GError *error)
{
  toast_text (user_data, error->message);
}

/* ------------------------------------------------------------------ */
/* List                                                                */

static void
setup_row_cb (GtkSignalListItemFactory *factory, GtkListItem *list_item, gpointer user_data)
{
  MeowWindow *self = user_data;
  GtkWidget  *row = meow_task_row_new ();

  meow_queue_drag_attach (row, self->manager, drag_allowed, drag_failed, self);
  gtk_list_item_set_child (list_item, row);
}

static void
bind_row_cb (GtkSignalListItemFactory *factory, GtkListItem *list_item, gpointer user_data)
{
  meow_task_row_set_item (MEOW_TASK_ROW (gtk_list_item_get_child (list_item)),
                          gtk_list_item_get_item (list_item));
}

static void
unbind_row_cb (GtkSignalListItemFactory *factory, GtkListItem *list_item, gpointer user_data)
{
  meow_task_row_set_item (MEOW_TASK_ROW (gtk_list_item_get_child (list_item)), NULL);
}

/* ------------------------------------------------------------------ */
/* Toasts                                                              */

void
meow_window_add_toast (MeowWindow *self, AdwToast *toast)
{
  g_return_if_fail (MEOW_IS_WINDOW (self));
  g_return_if_fail (ADW_IS_TOAST (toast));

  g_set_weak_pointer (&self->last_toast, toast);
  adw_toast_overlay_add_toast (self->toast_overlay, toast);
}

/**
 * meow_window_get_last_toast:
 *
 * Returns: (transfer none) (nullable): the last toast shown, while it exists
 */
AdwToast *
meow_window_get_last_toast (MeowWindow *self)
{
  g_return_val_if_fail (MEOW_IS_WINDOW (self), NULL);
  return self->last_toast;
}

static void
toast_text (MeowWindow *self, const char *text)
{
  g_autofree char *escaped = g_markup_escape_text (text, -1);
  AdwToast        *toast = adw_toast_new (escaped);

  adw_toast_set_timeout (toast, 5);
  meow_window_add_toast (self, toast);
}

static void
undo_remove_cb (AdwToast *toast, MeowWindow *self)
{
  MeowTaskItem *item = g_object_get_data (G_OBJECT (toast), "meow-item");
  guint         position = GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (toast), "meow-position"));
  g_autoptr (GError) error = NULL;

  if (self->manager != NULL && !meow_task_manager_restore (self->manager, item, position, &error))
    toast_text (self, error->message);
}

/**
 * meow_window_show_removed:
 *
 * Shows "“name” removed" with Undo, which puts @item back at @position.
 */
void
meow_window_show_removed (MeowWindow *self, MeowTaskItem *item, guint position)
{
  g_autofree char *escaped = NULL;
  g_autofree char *title = NULL;
  AdwToast        *toast;

  g_return_if_fail (MEOW_IS_WINDOW (self));
  g_return_if_fail (MEOW_IS_TASK_ITEM (item));

  escaped = g_markup_escape_text (meow_task_item_get_name (item), -1);
  /* Translators: a toast after a transfer was removed from the list */
  title = g_strdup_printf (_ ("“%s” removed"), escaped);
  toast = adw_toast_new (title);
  adw_toast_set_button_label (toast, _ ("_Undo"));
  adw_toast_set_priority (toast, ADW_TOAST_PRIORITY_HIGH);
  g_object_set_data_full (G_OBJECT (toast), "meow-item", g_object_ref (item), g_object_unref);
  g_object_set_data (G_OBJECT (toast), "meow-position", GUINT_TO_POINTER (position));
  g_signal_connect_object (toast, "button-clicked", G_CALLBACK (undo_remove_cb), self, 0);
  meow_window_add_toast (self, toast);
}

static void
undo_clear_cb (AdwToast *toast, MeowWindow *self)
{
  GPtrArray *cleared = g_object_get_data (G_OBJECT (toast), "meow-cleared");
  g_autoptr (GError) error = NULL;

  if (self->manager != NULL && !meow_task_manager_restore_cleared (self->manager, cleared, &error))
    toast_text (self, error->message);
}

static void
clear_finished_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  MeowWindow *self = MEOW_WINDOW (widget);
  g_autoptr (GPtrArray) cleared = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *title = NULL;
  AdwToast        *toast;

  cleared = meow_task_manager_clear_finished (self->manager, &error);
  if (error != NULL)
    toast_text (self, error->message);
  if (cleared->len == 0)
    return;

  /* Translators: a toast after "Clear Finished"; %u is how many were cleared */
  title = g_strdup_printf (
      ngettext ("Cleared %u finished transfer", "Cleared %u finished transfers", cleared->len),
      cleared->len);
  toast = adw_toast_new (title);
  adw_toast_set_button_label (toast, _ ("_Undo"));
  adw_toast_set_priority (toast, ADW_TOAST_PRIORITY_HIGH);
  g_object_set_data_full (G_OBJECT (toast), "meow-cleared", g_steal_pointer (&cleared),
                          (GDestroyNotify) g_ptr_array_unref);
  g_signal_connect_object (toast, "button-clicked", G_CALLBACK (undo_clear_cb), self, 0);
  meow_window_add_toast (self, toast);
}

/* ------------------------------------------------------------------ */
/* Adding links: paste and drop                                        */

/* "“a”, “b” and 3 more": at most three, quoted. */
static char *
quote_list (char **lines)
{
  guint    n = g_strv_length (lines);
  GString *text = g_string_new (NULL);

  for (guint i = 0; i < n && i < 3; i++)
    {
      g_autofree char *shown =
          g_utf8_substring (lines[i], 0, MIN (g_utf8_strlen (lines[i], -1), 40));

      if (i > 0)
        g_string_append (text, i == n - 1 ? _ (" and ") : ", ");
      g_string_append_printf (text, "“%s%s”", shown, g_utf8_strlen (lines[i], -1) > 40 ? "…" : "");
    }
  if (n > 3)
    g_string_append_printf (text, ngettext (" and %u more", " and %u more", n - 3), n - 3);
  return g_string_free (text, FALSE);
}

/**
 * meow_window_add_text:
 *
 * Adds every http(s) link in @text (one per line) as a download into the default
 * folder, and says which lines were ignored.
 */
void
meow_window_add_text (MeowWindow *self, const char *text)
{
  g_auto (GStrv) junk = NULL;
  g_auto (GStrv) urls = NULL;
  g_autoptr (GError) error = NULL;

  g_return_if_fail (MEOW_IS_WINDOW (self));

  urls = meow_split_urls (text ? text : "", &junk);
  if (urls[0] == NULL && junk[0] == NULL)
    {
      toast_text (self, _ ("There are no links to add."));
      return;
    }
  if (urls[0] != NULL && !meow_task_manager_add_urls (self->manager, (const char *const *) urls,
                                                      NULL, NULL, FALSE, &error))
    {
      toast_text (self, error->message);
      return;
    }
  if (junk[0] != NULL)
    {
      g_autofree char *names = quote_list (junk);
      g_autofree char *message = NULL;

      if (urls[0] == NULL)
        /* Translators: %s is a list of quoted lines */
        message = g_strdup_printf (_ ("Not a web link: %s"), names);
      else
        message = g_strdup_printf (ngettext ("Ignored %s: not a web link",
                                             "Ignored %s: not web links", g_strv_length (junk)),
                                   names);
      toast_text (self, message);
    }
}

/* ------------------------------------------------------------------ */
/* Uploads                                                             */

static void
free_files (gpointer files)
{
  g_slist_free_full (files, g_object_unref);
}

static gpointer
ref_file (gconstpointer file, gpointer user_data)
{
  return g_object_ref ((gpointer) file);
}

/* Returns: how many uploads were added (a toast says why others were not). */
static guint
upload_to (MeowWindow *self, GSList *files, guint target)
{
  g_autoptr (GError) error = NULL;
  guint n = meow_task_manager_upload_files_to (self->manager, files, target, &error);

  if (error != NULL)
    toast_text (self, error->message);
  return n;
}

/* The index of upload target @target if it is still the one named @name that the person
 * chose, else G_MAXUINT (for which the manager says the target is gone): Preferences may
 * have changed the list while the question or the chooser was open, and files must not
 * go to another server than the one picked. */
static guint
chosen_target (MeowWindow *self, guint target, const char *name)
{
  g_auto (GStrv) names = meow_task_manager_dup_upload_target_names (self->manager);

  if (name == NULL || target >= g_strv_length (names) || !g_str_equal (names[target], name))
    return G_MAXUINT;
  return target;
}

/* ------------------------------------------------------------------ */
/* A new link that gives another file                                  */

static void
restart_response_cb (AdwMessageDialog *dialog, const char *response, MeowWindow *self)
{
  const char   *id = g_object_get_data (G_OBJECT (dialog), "meow-id");
  MeowTaskItem *item = meow_task_manager_lookup (self->manager, id);
  g_autoptr (GError) error = NULL;

  if (!g_str_equal (response, "restart") || item == NULL)
    return;
  if (!meow_task_manager_change_url (self->manager, id, meow_task_item_get_url (item),
                                     MEOW_CHANGE_URL_RESTART, &error))
    meow_window_add_toast (self, adw_toast_new (error->message));
}

/* MeowTaskManager::link-differs: the bytes were kept; starting over is the user's
 * choice. */
static void
link_differs_cb (MeowWindow *self, MeowTaskItem *item)
{
  GtkWidget *dialog;

  if (self->restart_dialog != NULL)
    gtk_window_destroy (GTK_WINDOW (self->restart_dialog));
  dialog = adw_message_dialog_new (GTK_WINDOW (self), _ ("Start Over?"), NULL);
  adw_message_dialog_format_body (
      ADW_MESSAGE_DIALOG (dialog),
      _ ("The new link of “%s” gives another file than the part already downloaded. Start "
         "over from the new link? What was downloaded so far will be discarded."),
      meow_task_item_get_name (item));
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog), "keep", _ ("_Keep Download"),
                                    "restart", _ ("_Start Over"), NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "restart",
                                              ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "keep");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "keep");
  g_object_set_data_full (G_OBJECT (dialog), "meow-id", g_strdup (meow_task_item_get_id (item)),
                          g_free);
  g_signal_connect_object (dialog, "response", G_CALLBACK (restart_response_cb), self, 0);
  g_set_weak_pointer (&self->restart_dialog, dialog);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
target_response_cb (AdwMessageDialog *dialog, const char *response, MeowWindow *self)
{
  GtkDropDown *targets = GTK_DROP_DOWN (adw_message_dialog_get_extra_child (dialog));
  GSList      *files = g_object_get_data (G_OBJECT (dialog), "meow-files");
  guint        selected = gtk_drop_down_get_selected (targets);
  const char  *name;

  if (!g_str_equal (response, "upload"))
    return;
  name = gtk_string_list_get_string (GTK_STRING_LIST (gtk_drop_down_get_model (targets)), selected);
  upload_to (self, files, chosen_target (self, selected, name));
}

/* Uploads @files (GFile, not taken) to the only upload target, or asks to which one
 * when there are several. FALSE: nothing was added, and none will be. */
static gboolean
upload_files (MeowWindow *self, GSList *files)
{
  g_auto (GStrv) names = meow_task_manager_dup_upload_target_names (self->manager);
  guint            n_files = g_slist_length (files);
  g_autofree char *heading = NULL;
  GtkWidget       *dialog;
  GtkWidget       *targets;

  if (g_strv_length (names) < 2)
    return upload_to (self, files, 0) > 0;

  heading = g_strdup_printf (ngettext ("Upload %u File", "Upload %u Files", n_files), n_files);
  dialog = adw_message_dialog_new (GTK_WINDOW (self), heading, _ ("Choose the upload target."));
  targets = gtk_drop_down_new_from_strings ((const char *const *) names);
  gtk_accessible_update_property (GTK_ACCESSIBLE (targets), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _ ("Upload Target"), -1);
  adw_message_dialog_set_extra_child (ADW_MESSAGE_DIALOG (dialog), targets);
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog), "cancel", _ ("_Cancel"), "upload",
                                    _ ("_Upload"), NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "upload",
                                              ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "upload");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  g_object_set_data_full (G_OBJECT (dialog), "meow-files",
                          g_slist_copy_deep (files, ref_file, NULL), free_files);
  g_signal_connect_object (dialog, "response", G_CALLBACK (target_response_cb), self, 0);
  g_set_weak_pointer (&self->target_dialog, dialog);
  gtk_window_present (GTK_WINDOW (dialog));
  return TRUE;
}

static void
upload_chooser_response_cb (GtkNativeDialog *chooser, int response, MeowWindow *self)
{
  g_autoptr (GListModel) chosen = NULL;
  const char *target;
  GSList     *files = NULL;

  if (response == GTK_RESPONSE_ACCEPT)
    {
      const char *const *names = g_object_get_data (G_OBJECT (chooser), "meow-target-names");
      guint              index;

      chosen = gtk_file_chooser_get_files (GTK_FILE_CHOOSER (chooser));
      for (guint i = g_list_model_get_n_items (chosen); i-- > 0;)
        files = g_slist_prepend (files, g_list_model_get_item (chosen, i));
      target = gtk_file_chooser_get_choice (GTK_FILE_CHOOSER (chooser), "target");
      index = target ? (guint) g_ascii_strtoull (target, NULL, 10) : 0;
      if (files != NULL)
        upload_to (self, files,
                   chosen_target (self, index,
                                  index < g_strv_length ((GStrv) names) ? names[index] : NULL));
      free_files (files);
    }
  g_clear_object (&self->upload_chooser);
}

/* Upload Files… (Ctrl+U): the file chooser (the portal's inside a sandbox), with the
 * upload target as one of its choices when there are several. */
static void
upload_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  MeowWindow *self = MEOW_WINDOW (widget);
  g_auto (GStrv) names = meow_task_manager_dup_upload_target_names (self->manager);
  guint           n = g_strv_length (names);
  GtkFileChooser *chooser;

  if (n == 0)
    {
      upload_to (self, NULL, 0); /* says what to do */
      return;
    }
  if (self->upload_chooser != NULL)
    {
      gtk_native_dialog_show (self->upload_chooser);
      return;
    }

  self->upload_chooser = GTK_NATIVE_DIALOG (gtk_file_chooser_native_new (
      _ ("Upload Files"), GTK_WINDOW (self), GTK_FILE_CHOOSER_ACTION_OPEN, _ ("_Upload"), NULL));
  chooser = GTK_FILE_CHOOSER (self->upload_chooser);
  gtk_file_chooser_set_select_multiple (chooser, TRUE);
  /* The targets as offered, for chosen_target(). */
  g_object_set_data_full (G_OBJECT (chooser), "meow-target-names", g_strdupv (names),
                          (GDestroyNotify) g_strfreev);
  if (n > 1)
    {
      g_autoptr (GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);

      for (guint i = 0; i < n; i++)
        g_ptr_array_add (ids, g_strdup_printf ("%u", i));
      g_ptr_array_add (ids, NULL);
      gtk_file_chooser_add_choice (chooser, "target", _ ("Upload To"), (const char **) ids->pdata,
                                   (const char **) names);
      gtk_file_chooser_set_choice (chooser, "target", "0");
    }
  gtk_native_dialog_set_modal (self->upload_chooser, TRUE);
  g_signal_connect_object (self->upload_chooser, "response",
                           G_CALLBACK (upload_chooser_response_cb), self, 0);
  gtk_native_dialog_show (self->upload_chooser);
}

/* ------------------------------------------------------------------ */
/* Paste and drop                                                      */

static void
paste_text_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (MeowWindow) self = user_data;
  g_autoptr (GError) error = NULL;
  g_autofree char *text = gdk_clipboard_read_text_finish (GDK_CLIPBOARD (source), result, &error);

  if (text == NULL)
    {
      toast_text (self, _ ("The clipboard has no text or files to paste."));
      return;
    }
  meow_window_add_text (self, text);
}

static void
paste_files_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (MeowWindow) self = user_data;
  g_autoptr (GError) error = NULL;
  const GValue *value = gdk_clipboard_read_value_finish (GDK_CLIPBOARD (source), result, &error);

  if (value == NULL)
    {
      toast_text (self, error->message);
      return;
    }
  meow_window_handle_drop (self, value);
}

/* Ctrl+V: files on the clipboard (copied in Files) are uploaded; text is read for
 * links. */
static void
paste_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  GdkClipboard *clipboard = gtk_widget_get_clipboard (widget);

  if (gdk_content_formats_contain_gtype (gdk_clipboard_get_formats (clipboard), GDK_TYPE_FILE_LIST))
    gdk_clipboard_read_value_async (clipboard, GDK_TYPE_FILE_LIST, G_PRIORITY_DEFAULT, NULL,
                                    paste_files_cb, g_object_ref (widget));
  else
    gdk_clipboard_read_text_async (clipboard, NULL, paste_text_cb, g_object_ref (widget));
}

/**
 * meow_window_handle_drop:
 * @value: a #GdkFileList (uploads) or a string (links)
 *
 * What a drop (or a paste) does: files are uploaded, to the only upload target or to
 * the one the person then picks; links are added. Main thread.
 *
 * Returns: whether @value was used.
 */
gboolean
meow_window_handle_drop (MeowWindow *self, const GValue *value)
{
  g_return_val_if_fail (MEOW_IS_WINDOW (self), FALSE);

  if (G_VALUE_HOLDS (value, GDK_TYPE_FILE_LIST))
    {
      GSList  *files = gdk_file_list_get_files (g_value_get_boxed (value));
      gboolean used = files != NULL && upload_files (self, files);

      g_slist_free (files);
      return used;
    }
  if (G_VALUE_HOLDS_STRING (value))
    {
      meow_window_add_text (self, g_value_get_string (value));
      return TRUE;
    }
  return FALSE;
}

static gboolean
drop_cb (GtkDropTarget *target, const GValue *value, double x, double y, MeowWindow *self)
{
  gtk_widget_remove_css_class (GTK_WIDGET (self->toast_overlay), "drop-highlight");
  return meow_window_handle_drop (self, value);
}

static GdkDragAction
drop_enter_cb (GtkDropTarget *target, double x, double y, MeowWindow *self)
{
  gtk_widget_add_css_class (GTK_WIDGET (self->toast_overlay), "drop-highlight");
  return GDK_ACTION_COPY;
}

static void
drop_leave_cb (GtkDropTarget *target, MeowWindow *self)
{
  gtk_widget_remove_css_class (GTK_WIDGET (self->toast_overlay), "drop-highlight");
}

/* ------------------------------------------------------------------ */
/* Actions                                                             */

static void
add_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  MeowWindow *self = MEOW_WINDOW (widget);
  GtkWindow  *dialog = meow_add_dialog_new (GTK_WINDOW (self), self->manager, NULL);

  gtk_window_present (dialog);
}

static void
search_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  MeowWindow *self = MEOW_WINDOW (widget);

  gtk_search_bar_set_search_mode (self->search_bar, TRUE);
  gtk_widget_grab_focus (GTK_WIDGET (self->search_entry));
}

/**
 * meow_window_show_task:
 * @id: a task id
 *
 * Clears the filter and the search, selects the task's row and scrolls to
 * it. Main thread.
 *
 * Returns: %FALSE when no task has @id
 */
gboolean
meow_window_show_task (MeowWindow *self, const char *id)
{
  GListModel *model = G_LIST_MODEL (self->selection);
  guint       n;

  g_return_val_if_fail (MEOW_IS_WINDOW (self), FALSE);

  meow_window_set_filter (self, "all");
  gtk_editable_set_text (GTK_EDITABLE (self->search_entry), "");
  gtk_search_bar_set_search_mode (self->search_bar, FALSE);
  /* The filter applies at once when the search text is empty. */
  g_clear_pointer (&self->search, g_free);
  refilter (self);

  n = g_list_model_get_n_items (model);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr (MeowTaskItem) item = g_list_model_get_item (model, i);

      if (g_strcmp0 (meow_task_item_get_id (item), id) == 0)
        {
          gtk_single_selection_set_selected (self->selection, i);
          /* GTK 4.8 has no gtk_list_view_scroll_to(); the list's own
           * action scrolls to a position and focuses it. */
          gtk_widget_activate_action (GTK_WIDGET (self->list_view), "list.scroll-to-item", "u", i);
          return TRUE;
        }
    }
  return FALSE;
}

static void
remove_selected_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  MeowWindow   *self = MEOW_WINDOW (widget);
  MeowTaskItem *item = gtk_single_selection_get_selected_item (self->selection);

  if (item == NULL)
    return;
  gtk_widget_activate_action (widget, "app.remove-task", "s", meow_task_item_get_id (item));
}

/* ------------------------------------------------------------------ */
/* Window state                                                        */

static gboolean
meow_window_close_request (GtkWindow *window)
{
  MeowWindow *self = MEOW_WINDOW (window);
  g_autoptr (GSettingsSchema) schema = NULL;
  g_autoptr (GSettingsBackend) backend = NULL;
  g_autofree char *path = NULL;
  g_autoptr (GSettings) state = NULL;
  int width;
  int height;

  /* The three keys in one write, through a settings object of our own: one put in
   * delay-apply mode stays in it, and the application's settings must keep writing
   * straight through (Preferences, the limits) after this window closed. */
  g_object_get (self->settings, "settings-schema", &schema, "backend", &backend, "path", &path,
                NULL);
  state = g_settings_new_full (schema, backend, path);
  gtk_window_get_default_size (window, &width, &height);
  g_settings_delay (state);
  g_settings_set_boolean (state, "window-maximized", gtk_window_is_maximized (window));
  if (!gtk_window_is_maximized (window))
    {
      g_settings_set_int (state, "window-width", width);
      g_settings_set_int (state, "window-height", height);
    }
  g_settings_apply (state);

  return GTK_WINDOW_CLASS (meow_window_parent_class)->close_request (window);
}

static void
meow_window_constructed (GObject *object)
{
  MeowWindow *self = MEOW_WINDOW (object);

  G_OBJECT_CLASS (meow_window_parent_class)->constructed (object);

  g_assert (MEOW_IS_TASK_MANAGER (self->manager));
  g_assert (G_IS_SETTINGS (self->settings));

  gtk_window_set_default_size (GTK_WINDOW (self),
                               g_settings_get_int (self->settings, "window-width"),
                               g_settings_get_int (self->settings, "window-height"));
  if (g_settings_get_boolean (self->settings, "window-maximized"))
    gtk_window_maximize (GTK_WINDOW (self));
  {
    /* The header's toggle for the alternative speed limits (MeowScheduler applies them). */
    g_autoptr (GAction) alt_speed = g_settings_create_action (self->settings, "alt-speed-enabled");

    g_action_map_add_action (G_ACTION_MAP (self), alt_speed);
  }

  /* The filter is set by refilter() when the mode or a search needs it. */
  self->filtered =
      gtk_filter_list_model_new (g_object_ref (meow_task_manager_get_model (self->manager)), NULL);
  refilter (self);
  self->sorted = gtk_sort_list_model_new (g_object_ref (G_LIST_MODEL (self->filtered)),
                                          new_sorter (self->sort));
  g_settings_bind (self->settings, "list-sort", self, "sort", G_SETTINGS_BIND_DEFAULT);
  self->selection = gtk_single_selection_new (g_object_ref (G_LIST_MODEL (self->sorted)));
  gtk_single_selection_set_autoselect (self->selection, FALSE);
  gtk_single_selection_set_can_unselect (self->selection, TRUE);
  gtk_list_view_set_model (self->list_view, GTK_SELECTION_MODEL (self->selection));

  g_signal_connect_object (self->manager, "status-changed", G_CALLBACK (status_changed_cb), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->manager, "link-differs", G_CALLBACK (link_differs_cb), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (meow_task_manager_get_model (self->manager), "items-changed",
                           G_CALLBACK (update_page), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->filtered, "items-changed", G_CALLBACK (update_page), self,
                           G_CONNECT_SWAPPED);
  update_page (self);
}

static void
meow_window_dispose (GObject *object)
{
  MeowWindow *self = MEOW_WINDOW (object);

  if (self->manager != NULL)
    g_signal_handlers_disconnect_by_data (self->manager, self);
  /* The setting's action follows the settings, which outlive the window. */
  g_action_map_remove_action (G_ACTION_MAP (self), "alt-speed-enabled");
  g_clear_weak_pointer (&self->last_toast);
  g_clear_weak_pointer (&self->target_dialog);
  g_clear_weak_pointer (&self->restart_dialog);
  if (self->upload_chooser != NULL)
    gtk_native_dialog_destroy (self->upload_chooser);
  g_clear_object (&self->upload_chooser);
  gtk_widget_dispose_template (GTK_WIDGET (self), MEOW_TYPE_WINDOW);
  g_clear_object (&self->selection);
  g_clear_object (&self->sorted);
  g_clear_object (&self->filtered);
  g_clear_object (&self->filter);
  g_clear_object (&self->manager);
  g_clear_object (&self->settings);
  g_clear_pointer (&self->search, g_free);

  G_OBJECT_CLASS (meow_window_parent_class)->dispose (object);
}

static void
meow_window_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  MeowWindow *self = MEOW_WINDOW (object);

  switch (prop_id)
    {
    case PROP_FILTER:
      g_value_set_string (value, filter_names[self->mode]);
      break;
    case PROP_SORT:
      g_value_set_string (value, sort_names[self->sort]);
      break;
    case PROP_MANAGER:
      g_value_set_object (value, self->manager);
      break;
    case PROP_SETTINGS:
      g_value_set_object (value, self->settings);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
meow_window_set_property (GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  MeowWindow *self = MEOW_WINDOW (object);

  switch (prop_id)
    {
    case PROP_FILTER:
      meow_window_set_filter (self, g_value_get_string (value));
      break;
    case PROP_SORT:
      meow_window_set_sort (self, g_value_get_string (value));
      break;
    case PROP_MANAGER:
      self->manager = g_value_dup_object (value);
      break;
    case PROP_SETTINGS:
      self->settings = g_value_dup_object (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
meow_window_class_init (MeowWindowClass *klass)
{
  GObjectClass   *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  object_class->constructed = meow_window_constructed;
  object_class->dispose = meow_window_dispose;
  object_class->get_property = meow_window_get_property;
  object_class->set_property = meow_window_set_property;
  window_class->close_request = meow_window_close_request;

  /**
   * MeowWindow:filter:
   *
   * Which tasks the list shows: "all", "active", "completed" or "failed".
   */
  properties[PROP_FILTER] =
      g_param_spec_string ("filter", NULL, NULL, "all",
                           G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * MeowWindow:sort:
   *
   * How the list is sorted: "added" (the queue's order), "name", "size" or "status";
   * kept in the list-sort setting.
   */
  properties[PROP_SORT] =
      g_param_spec_string ("sort", NULL, NULL, "added",
                           G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * MeowWindow:manager:
   *
   * The task manager whose list the window shows and adds to.
   */
  properties[PROP_MANAGER] =
      g_param_spec_object ("manager", NULL, NULL, MEOW_TYPE_TASK_MANAGER,
                           G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  /**
   * MeowWindow:settings:
   *
   * The application's settings, where the window keeps its size.
   */
  properties[PROP_SETTINGS] =
      g_param_spec_object ("settings", NULL, NULL, G_TYPE_SETTINGS,
                           G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/meow_transfer/Meow/meow-window.ui");
  gtk_widget_class_bind_template_child (widget_class, MeowWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, MeowWindow, stack);
  gtk_widget_class_bind_template_child (widget_class, MeowWindow, list_view);
  gtk_widget_class_bind_template_child (widget_class, MeowWindow, search_bar);
  gtk_widget_class_bind_template_child (widget_class, MeowWindow, search_entry);
  gtk_widget_class_bind_template_child (widget_class, MeowWindow, search_button);
  gtk_widget_class_bind_template_child (widget_class, MeowWindow, alt_speed_button);
  gtk_widget_class_bind_template_child (widget_class, MeowWindow, filter_menu_button);
  /* Not kept, only named for tests (gtk_widget_get_template_child()). */
  gtk_widget_class_bind_template_child_full (widget_class, "add_button", FALSE, 0);
  gtk_widget_class_bind_template_child_full (widget_class, "menu_button", FALSE, 0);
  gtk_widget_class_bind_template_child_full (widget_class, "filter_squeezer", FALSE, 0);
  gtk_widget_class_bind_template_child_full (widget_class, "filter_box", FALSE, 0);

  gtk_widget_class_install_action (widget_class, "win.add", NULL, add_action);
  gtk_widget_class_install_action (widget_class, "win.paste", NULL, paste_action);
  gtk_widget_class_install_action (widget_class, "win.upload", NULL, upload_action);
  gtk_widget_class_install_action (widget_class, "win.search", NULL, search_action);
  gtk_widget_class_install_action (widget_class, "win.remove-selected", NULL,
                                   remove_selected_action);
  gtk_widget_class_install_action (widget_class, "win.clear-finished", NULL, clear_finished_action);
  gtk_widget_class_install_property_action (widget_class, "win.filter", "filter");
  gtk_widget_class_install_property_action (widget_class, "win.sort", "sort");

  /* Widget shortcuts, not application accels: they run after the focused widget, so
   * Ctrl+V and Delete still edit the search entry when it has the focus. */
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_v, GDK_CONTROL_MASK, "win.paste",
                                       NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_f, GDK_CONTROL_MASK, "win.search",
                                       NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_u, GDK_CONTROL_MASK, "win.upload",
                                       NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Delete, 0, "win.remove-selected",
                                       NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_KP_Delete, 0, "win.remove-selected",
                                       NULL);
  gtk_widget_class_add_binding_action (
      widget_class, GDK_KEY_Delete, GDK_CONTROL_MASK | GDK_SHIFT_MASK, "win.clear-finished", NULL);
}

/* Enter or a double click on a row: the task's details. */
static void
list_activate_cb (GtkListView *list_view, guint position, MeowWindow *self)
{
  g_autoptr (MeowTaskItem) item =
      g_list_model_get_item (G_LIST_MODEL (gtk_list_view_get_model (list_view)), position);

  if (item != NULL)
    gtk_widget_activate_action (GTK_WIDGET (self), "app.show-details", "s",
                                meow_task_item_get_id (item));
}

static void
meow_window_init (MeowWindow *self)
{
  GtkListItemFactory *factory;
  GtkDropTarget      *drop_target;
  GType               drop_types[] = { GDK_TYPE_FILE_LIST, G_TYPE_STRING };

  gtk_widget_init_template (GTK_WIDGET (self));
  update_filter_label (self);

  factory = gtk_signal_list_item_factory_new ();
  g_signal_connect (factory, "setup", G_CALLBACK (setup_row_cb), self);
  g_signal_connect (factory, "bind", G_CALLBACK (bind_row_cb), NULL);
  g_signal_connect (factory, "unbind", G_CALLBACK (unbind_row_cb), NULL);
  gtk_list_view_set_factory (self->list_view, factory);
  g_object_unref (factory);
  g_signal_connect_object (self->list_view, "activate", G_CALLBACK (list_activate_cb), self, 0);

  self->filter = gtk_custom_filter_new (filter_func, self, NULL);
  g_signal_connect_object (self->search_entry, "search-changed", G_CALLBACK (search_changed_cb),
                           self, G_CONNECT_SWAPPED);
  gtk_search_bar_connect_entry (self->search_bar, GTK_EDITABLE (self->search_entry));
  gtk_search_bar_set_key_capture_widget (self->search_bar, GTK_WIDGET (self));

  drop_target = gtk_drop_target_new (G_TYPE_INVALID, GDK_ACTION_COPY);
  gtk_drop_target_set_gtypes (drop_target, drop_types, G_N_ELEMENTS (drop_types));
  g_signal_connect_object (drop_target, "drop", G_CALLBACK (drop_cb), self, 0);
  g_signal_connect_object (drop_target, "enter", G_CALLBACK (drop_enter_cb), self, 0);
  g_signal_connect_object (drop_target, "leave", G_CALLBACK (drop_leave_cb), self, 0);
  gtk_widget_add_controller (GTK_WIDGET (self->toast_overlay), GTK_EVENT_CONTROLLER (drop_target));
}

/**
 * meow_window_new:
 * @application: (transfer none): the application the window belongs to (its `app.*`
 *   actions are what the rows' buttons activate)
 * @manager: (transfer none): the tasks to show, and where added ones go
 * @settings: (transfer none): the application's settings, for the window's size
 *
 * Main thread.
 *
 * Returns: (transfer none): a new window, owned by @application once shown
 */
MeowWindow *
meow_window_new (GtkApplication *application, MeowTaskManager *manager, GSettings *settings)
{
  g_return_val_if_fail (GTK_IS_APPLICATION (application), NULL);
  g_return_val_if_fail (MEOW_IS_TASK_MANAGER (manager), NULL);
  g_return_val_if_fail (G_IS_SETTINGS (settings), NULL);

  return g_object_new (MEOW_TYPE_WINDOW, "application", application, "manager", manager, "settings",
                       settings, NULL);
}

/**
 * meow_window_get_visible_model:
 *
 * Returns: (transfer none): the items the list shows now (after filter, search and sort)
 */
GListModel *
meow_window_get_visible_model (MeowWindow *self)
{
  g_return_val_if_fail (MEOW_IS_WINDOW (self), NULL);
  return G_LIST_MODEL (self->sorted);
}

GtkWidget *
meow_window_get_list_view (MeowWindow *self)
{
  g_return_val_if_fail (MEOW_IS_WINDOW (self), NULL);
  return GTK_WIDGET (self->list_view);
}

/* "empty", "no-results" or "list". */
const char *
meow_window_get_visible_page (MeowWindow *self)
{
  g_return_val_if_fail (MEOW_IS_WINDOW (self), NULL);
  return gtk_stack_get_visible_child_name (self->stack);
}

/* For tests: the open "which upload target?" dialog (an #AdwMessageDialog whose extra
 * child is a #GtkDropDown of the targets), or %NULL. (transfer none) */
GtkWidget *
meow_window_get_target_dialog (MeowWindow *self)
{
  g_return_val_if_fail (MEOW_IS_WINDOW (self), NULL);
  return self->target_dialog;
}

/* For tests: the open "Start Over?" dialog after a new link that gives another file (an
 * #AdwMessageDialog with the responses "keep" and "restart"), or %NULL. (transfer none) */
GtkWidget *
meow_window_get_restart_dialog (MeowWindow *self)
{
  g_return_val_if_fail (MEOW_IS_WINDOW (self), NULL);
  return self->restart_dialog;
}

/* For tests: the Upload Files chooser while it is open (a #GtkFileChooserNative), or
 * %NULL. (transfer none) */
GtkNativeDialog *
meow_window_get_upload_chooser (MeowWindow *self)
{
  g_return_val_if_fail (MEOW_IS_WINDOW (self), NULL);
  return self->upload_chooser;
}
