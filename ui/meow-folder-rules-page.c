/* meow-folder-rules-page.c: Preferences' Folders page
 *
 * The `folder-rules` setting as a list (file types → folder) with Edit and Remove on
 * each rule, and a form below that adds a rule or saves the one being edited. A rule is
 * saved only when it names at least one file type and a folder downloads can be saved
 * in (meow_folder_rules_check_folder()); else a toast says what is wrong and nothing
 * changes. The task manager applies the rules (meow_task_manager_dup_folder_for_name()).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "meow-folder-rules-page.h"
#include "meow-folder-rules.h"

struct _MeowFolderRulesPage
{
  AdwPreferencesPage parent_instance;

  GtkListBox          *rules_list;
  AdwPreferencesGroup *form_group;
  AdwEntryRow         *extensions_entry;
  AdwEntryRow         *folder_entry;
  GtkButton           *cancel_button;
  GtkButton           *save_button;

  GSettings            *settings;
  GtkFileChooserNative *chooser;
  gint                  editing; /* the rule in the form, -1 for a new one */
};

G_DEFINE_FINAL_TYPE (MeowFolderRulesPage, meow_folder_rules_page, ADW_TYPE_PREFERENCES_PAGE)

static void
toast (MeowFolderRulesPage *self, const char *text)
{
  GtkRoot         *root = gtk_widget_get_root (GTK_WIDGET (self));
  g_autofree char *escaped = g_markup_escape_text (text, -1);

  if (ADW_IS_PREFERENCES_WINDOW (root))
    adw_preferences_window_add_toast (ADW_PREFERENCES_WINDOW (root), adw_toast_new (escaped));
}

/* The form for a new rule (@index -1) or for rule @index. */
static void
set_editing (MeowFolderRulesPage *self, gint index, const char *extensions, const char *folder)
{
  self->editing = index;
  gtk_editable_set_text (GTK_EDITABLE (self->extensions_entry), extensions);
  gtk_editable_set_text (GTK_EDITABLE (self->folder_entry), folder);
  adw_preferences_group_set_title (self->form_group, index < 0 ? _ ("New Rule") : _ ("Edit Rule"));
  gtk_button_set_label (self->save_button, index < 0 ? _ ("_Add Rule") : _ ("_Save Rule"));
  gtk_widget_set_visible (GTK_WIDGET (self->cancel_button), index >= 0);
}

static GVariant *
rules_without (GVariant *rules, gint skip)
{
  GVariantBuilder builder;

  g_variant_builder_init (&builder, G_VARIANT_TYPE ("a(ss)"));
  for (gsize i = 0; i < g_variant_n_children (rules); i++)
    if ((gint) i != skip)
      g_variant_builder_add_value (&builder, g_variant_get_child_value (rules, i));
  return g_variant_builder_end (&builder);
}

static void
remove_rule_cb (GtkButton *button, MeowFolderRulesPage *self)
{
  gint index = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (button), "meow-index"));
  g_autoptr (GVariant) rules = g_settings_get_value (self->settings, "folder-rules");

  g_settings_set_value (self->settings, "folder-rules", rules_without (rules, index));
  if (self->editing == index)
    set_editing (self, -1, "", "");
  else if (self->editing > index)
    self->editing--;
}

static void
edit_rule_cb (GtkButton *button, MeowFolderRulesPage *self)
{
  meow_folder_rules_page_edit (
      self, GPOINTER_TO_INT (g_object_get_data (G_OBJECT (button), "meow-index")));
}

static GtkWidget *
row_button (
    MeowFolderRulesPage *self, const char *icon, const char *label, gint index, GCallback callback)
{
  GtkWidget *button = gtk_button_new_from_icon_name (icon);

  gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (button, "flat");
  gtk_widget_set_tooltip_text (button, label);
  gtk_accessible_update_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL, label,
                                  -1);
  g_object_set_data (G_OBJECT (button), "meow-index", GINT_TO_POINTER (index));
  g_signal_connect_object (button, "clicked", callback, self, 0);
  return button;
}

static void
rebuild_rules (MeowFolderRulesPage *self)
{
  g_autoptr (GVariant) rules = g_settings_get_value (self->settings, "folder-rules");
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->rules_list))) != NULL)
    gtk_list_box_remove (self->rules_list, child);

  if (g_variant_n_children (rules) == 0)
    {
      GtkWidget *row = adw_action_row_new ();

      adw_preferences_row_set_title (
          ADW_PREFERENCES_ROW (row),
          _ ("No rules yet: every download goes to the download folder"));
      gtk_widget_add_css_class (row, "dim-label");
      gtk_list_box_append (self->rules_list, row);
      return;
    }

  for (gsize i = 0; i < g_variant_n_children (rules); i++)
    {
      const char *extensions, *folder;
      GtkWidget  *row = adw_action_row_new ();
      g_auto (GStrv) parts = NULL;
      g_autofree char *title = NULL;
      g_autofree char *expanded = NULL;
      g_autofree char *display = NULL;

      g_variant_get_child (rules, i, "(&s&s)", &extensions, &folder);
      /* "iso img" → ".iso .img" */
      parts = g_strsplit_set (extensions, " ,;", -1);
      for (guint j = 0; parts[j] != NULL; j++)
        if (parts[j][0] != '\0' && parts[j][0] != '.')
          {
            char *dotted = g_strconcat (".", parts[j], NULL);

            g_free (parts[j]);
            parts[j] = dotted;
          }
      title = g_strjoinv (" ", parts);
      expanded = meow_folder_rules_expand (folder);
      display = expanded ? g_filename_display_name (expanded) : g_strdup (folder);
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), g_strstrip (title));
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), display);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row),
                                 row_button (self, "document-edit-symbolic", _ ("Edit Rule"),
                                             (gint) i, G_CALLBACK (edit_rule_cb)));
      adw_action_row_add_suffix (ADW_ACTION_ROW (row),
                                 row_button (self, "user-trash-symbolic", _ ("Remove Rule"),
                                             (gint) i, G_CALLBACK (remove_rule_cb)));
      gtk_list_box_append (self->rules_list, row);
    }
}

static void
save_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  MeowFolderRulesPage *self = MEOW_FOLDER_RULES_PAGE (widget);
  g_autofree char     *extensions = meow_folder_rules_normalize_extensions (
          gtk_editable_get_text (GTK_EDITABLE (self->extensions_entry)));
  g_autofree char *folder =
      g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->folder_entry))));
  g_autoptr (GVariant) rules = g_settings_get_value (self->settings, "folder-rules");
  g_autoptr (GError) error = NULL;
  GVariantBuilder builder;

  if (extensions == NULL)
    {
      toast (self, _ ("Write at least one file type, such as “iso”."));
      return;
    }
  if (!meow_folder_rules_check_folder (folder, &error))
    {
      toast (self, error->message);
      return;
    }

  g_variant_builder_init (&builder, G_VARIANT_TYPE ("a(ss)"));
  for (gsize i = 0; i < g_variant_n_children (rules); i++)
    {
      if ((gint) i == self->editing)
        g_variant_builder_add (&builder, "(ss)", extensions, folder);
      else
        g_variant_builder_add_value (&builder, g_variant_get_child_value (rules, i));
    }
  if (self->editing < 0 || self->editing >= (gint) g_variant_n_children (rules))
    g_variant_builder_add (&builder, "(ss)", extensions, folder);
  g_settings_set_value (self->settings, "folder-rules", g_variant_builder_end (&builder));
  set_editing (self, -1, "", "");
}

static void
cancel_edit_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  set_editing (MEOW_FOLDER_RULES_PAGE (widget), -1, "", "");
}

static void
chooser_response_cb (GtkNativeDialog *chooser, int response, MeowFolderRulesPage *self)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr (GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));
      g_autofree char *path = file ? g_file_get_path (file) : NULL;

      if (path != NULL)
        gtk_editable_set_text (GTK_EDITABLE (self->folder_entry), path);
    }
  g_clear_object (&self->chooser);
}

static void
choose_folder_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  MeowFolderRulesPage *self = MEOW_FOLDER_RULES_PAGE (widget);
  GtkRoot             *root = gtk_widget_get_root (widget);

  if (self->chooser != NULL)
    return;
  self->chooser = gtk_file_chooser_native_new (
      _ ("Folder for the Rule"), GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
      GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER, _ ("_Select"), _ ("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (self->chooser), TRUE);
  g_signal_connect_object (self->chooser, "response", G_CALLBACK (chooser_response_cb), self, 0);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (self->chooser));
}

/**
 * meow_folder_rules_page_edit:
 * @index: a rule of `folder-rules`
 *
 * Puts rule @index into the form, whose button then saves it (what its Edit button
 * does). Main thread.
 */
void
meow_folder_rules_page_edit (MeowFolderRulesPage *self, gint index)
{
  g_autoptr (GVariant) rules = NULL;
  const char *extensions, *folder;

  g_return_if_fail (MEOW_IS_FOLDER_RULES_PAGE (self));

  rules = g_settings_get_value (self->settings, "folder-rules");
  if (index < 0 || index >= (gint) g_variant_n_children (rules))
    return;
  g_variant_get_child (rules, index, "(&s&s)", &extensions, &folder);
  set_editing (self, index, extensions, folder);
  gtk_widget_grab_focus (GTK_WIDGET (self->extensions_entry));
}

static void
meow_folder_rules_page_dispose (GObject *object)
{
  MeowFolderRulesPage *self = MEOW_FOLDER_RULES_PAGE (object);

  if (self->chooser != NULL)
    gtk_native_dialog_destroy (GTK_NATIVE_DIALOG (self->chooser));
  g_clear_object (&self->chooser);
  g_clear_object (&self->settings);
  gtk_widget_dispose_template (GTK_WIDGET (self), MEOW_TYPE_FOLDER_RULES_PAGE);

  G_OBJECT_CLASS (meow_folder_rules_page_parent_class)->dispose (object);
}

static void
meow_folder_rules_page_class_init (MeowFolderRulesPageClass *klass)
{
  GObjectClass   *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = meow_folder_rules_page_dispose;

  gtk_widget_class_set_template_from_resource (
      widget_class, "/io/github/meow_transfer/Meow/meow-folder-rules-page.ui");
  gtk_widget_class_bind_template_child (widget_class, MeowFolderRulesPage, rules_list);
  gtk_widget_class_bind_template_child (widget_class, MeowFolderRulesPage, form_group);
  gtk_widget_class_bind_template_child (widget_class, MeowFolderRulesPage, extensions_entry);
  gtk_widget_class_bind_template_child (widget_class, MeowFolderRulesPage, folder_entry);
  gtk_widget_class_bind_template_child (widget_class, MeowFolderRulesPage, cancel_button);
  gtk_widget_class_bind_template_child (widget_class, MeowFolderRulesPage, save_button);

  gtk_widget_class_install_action (widget_class, "rules.save", NULL, save_action);
  gtk_widget_class_install_action (widget_class, "rules.cancel-edit", NULL, cancel_edit_action);
  gtk_widget_class_install_action (widget_class, "rules.choose-folder", NULL, choose_folder_action);
}

static void
meow_folder_rules_page_init (MeowFolderRulesPage *self)
{
  self->editing = -1;
  gtk_widget_init_template (GTK_WIDGET (self));
}

/**
 * meow_folder_rules_page_new:
 * @settings: (transfer none): the application's settings, whose `folder-rules` the page
 *   edits
 *
 * Main thread.
 *
 * Returns: (transfer floating): the page, for an #AdwPreferencesWindow
 */
GtkWidget *
meow_folder_rules_page_new (GSettings *settings)
{
  MeowFolderRulesPage *self;

  g_return_val_if_fail (G_IS_SETTINGS (settings), NULL);

  self = g_object_new (MEOW_TYPE_FOLDER_RULES_PAGE, NULL);
  self->settings = g_object_ref (settings);
  g_signal_connect_object (settings, "changed::folder-rules", G_CALLBACK (rebuild_rules), self,
                           G_CONNECT_SWAPPED);
  rebuild_rules (self);
  return GTK_WIDGET (self);
}
