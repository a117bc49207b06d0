/* meow-browser-service.c: the app's D-Bus interface for the browser hand-off
 *
 * `io.github.meow_transfer.Meow.Browser` on the application's object path, exported on its
 * bus connection from `dbus_register`: what meow-browser-host calls for the extension
 * (docs/browser.md). Download checks its a{sv} with the host's own rules (any program on
 * the session bus may call it), adds the task through the task manager and emits
 * ::download-added, on which the application shows the window, as `meow URL` does;
 * ListTransfers feeds the extension's popup. The cookies, referrer and user agent become
 * the task's request headers; they are never logged.
 *
 * The service is given the task manager, never the application (ui/README.md): it is
 * exported in `dbus_register`, before `startup` has made the manager, and answers "Meow is
 * still starting." until meow_browser_service_set_manager() gives it one.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "meow-browser-protocol.h"
#include "meow-browser-service.h"
#include "meow-folder-rules.h"
#include "meow-task-manager.h"
#include "meow-task-row.h"

/* The popup shows a handful; a reply stays far below the browsers' 1 MB limit. */
#define MAX_LISTED 100

struct _MeowBrowserService
{
  GObject parent_instance;

  MeowTaskManager *manager; /* nullable: until the application's `startup` */
  GDBusConnection *connection;
  guint            registration_id;
};

G_DEFINE_FINAL_TYPE (MeowBrowserService, meow_browser_service, G_TYPE_OBJECT)

enum
{
  DOWNLOAD_ADDED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
return_error (GDBusMethodInvocation *invocation, const GError *error)
{
  /* The host hands the message to the extension as it is: a sentence, no D-Bus name. */
  g_dbus_method_invocation_return_error_literal (invocation, G_DBUS_ERROR, G_DBUS_ERROR_FAILED,
                                                 error->message);
}

static char *
add_download (MeowBrowserService *self, GVariant *download, GError **error)
{
  g_autoptr (MeowBrowserRequest) request = NULL;
  g_autoptr (MeowTaskBuilder) builder = NULL;
  g_autoptr (MeowTask) task = NULL;
  g_autofree char *folder = NULL;
  g_auto (GStrv) headers = NULL;

  request = meow_browser_request_from_variant (download, error);
  if (request == NULL)
    return NULL;
  {
    /* The browser knows the server's name: the folder rules go by it. */
    g_autofree char *url_name = meow_folder_rules_name_from_url (request->url);

    folder = meow_task_manager_dup_folder_for_name (
        self->manager, request->filename ? request->filename : url_name, error);
  }
  if (folder == NULL)
    return NULL;

  builder = meow_task_builder_new_download (request->url);
  if (request->filename != NULL)
    {
      /* A taken name becomes "name (1).ext": the engine never overwrites. */
      g_autofree char *path = g_build_filename (folder, request->filename, NULL);
      meow_task_builder_set_output_file (builder, path);
    }
  else
    meow_task_builder_set_output_dir (builder, folder);
  headers = meow_browser_request_dup_http_headers (request);
  for (guint i = 0; headers[i] != NULL; i += 2)
    meow_task_builder_add_header (builder, headers[i], headers[i + 1]);

  task = meow_task_builder_build (builder, error);
  if (task == NULL || meow_task_manager_add (self->manager, task, FALSE, error) == NULL)
    return NULL;
  return g_strdup (meow_task_get_id (task));
}

static const char *
status_name (MeowStatus status)
{
  switch (status)
    {
    case MEOW_STATUS_PENDING:
      return "pending";
    case MEOW_STATUS_TRANSMISSION:
      return "running";
    case MEOW_STATUS_PAUSED:
      return "paused";
    default:
      return NULL;
    }
}

static GVariant *
list_transfers (MeowBrowserService *self)
{
  GListModel     *model = meow_task_manager_get_model (self->manager);
  GVariantBuilder builder;
  guint           listed = 0;

  g_variant_builder_init (&builder, G_VARIANT_TYPE ("aa{sv}"));
  for (guint i = 0; i < g_list_model_get_n_items (model) && listed < MAX_LISTED; i++)
    {
      g_autoptr (MeowTaskItem) item = g_list_model_get_item (model, i);
      const char      *status = status_name (meow_task_item_get_status (item));
      guint64          transferred = meow_task_item_get_transferred (item);
      gint64           total = meow_task_item_get_total (item);
      GVariantDict     transfer;
      g_autofree char *status_line = NULL;
      GEnumClass      *reasons;
      GEnumValue      *reason;

      if (status == NULL)
        continue;
      reasons = g_type_class_ref (MEOW_TYPE_WAIT_REASON);
      /* A static enum type's class lives as long as the process: the nick stays valid. */
      reason = g_enum_get_value (reasons, (int) meow_task_item_get_wait_reason (item));
      g_type_class_unref (reasons);
      status_line = meow_format_status_line (item);
      g_variant_dict_init (&transfer, NULL);
      g_variant_dict_insert (&transfer, "id", "s", meow_task_item_get_id (item));
      g_variant_dict_insert (&transfer, "name", "s", meow_task_item_get_name (item));
      g_variant_dict_insert (&transfer, "status", "s", status);
      g_variant_dict_insert (&transfer, "progress", "d",
                             total > 0 ? MIN (1.0, (double) transferred / (double) total) : 0.0);
      g_variant_dict_insert (&transfer, "speed", "d", meow_task_item_get_speed (item));
      g_variant_dict_insert (&transfer, "transferred", "t", transferred);
      g_variant_dict_insert (&transfer, "total", "x", total);
      g_variant_dict_insert (&transfer, "wait_reason", "s",
                             reason != NULL ? reason->value_nick : "none");
      g_variant_dict_insert (&transfer, "status_line", "s", status_line);
      g_variant_builder_add_value (&builder, g_variant_dict_end (&transfer));
      listed++;
    }
  return g_variant_new ("(aa{sv})", &builder);
}

static void
method_call_cb (GDBusConnection       *connection,
                const char            *sender,
                const char            *object_path,
                const char            *interface_name,
                const char            *method_name,
                GVariant              *parameters,
                GDBusMethodInvocation *invocation,
                gpointer               user_data)
{
  MeowBrowserService *self = user_data;
  g_autoptr (GError) error = NULL;

  if (self->manager == NULL)
    {
      g_dbus_method_invocation_return_error_literal (invocation, G_DBUS_ERROR, G_DBUS_ERROR_FAILED,
                                                     _ ("Meow is still starting."));
      return;
    }

  if (g_str_equal (method_name, "Download"))
    {
      g_autoptr (GVariant) download = g_variant_get_child_value (parameters, 0);
      g_autofree char *id = add_download (self, download, &error);

      if (id == NULL)
        {
          return_error (invocation, error);
          return;
        }
      g_dbus_method_invocation_return_value (invocation, g_variant_new ("(s)", id));
      g_signal_emit (self, signals[DOWNLOAD_ADDED], 0, id);
    }
  else
    g_dbus_method_invocation_return_value (invocation, list_transfers (self));
}

static const GDBusInterfaceVTable vtable = { method_call_cb, NULL, NULL, { 0 } };

static void
meow_browser_service_dispose (GObject *object)
{
  MeowBrowserService *self = MEOW_BROWSER_SERVICE (object);

  meow_browser_service_unregister (self);
  g_clear_object (&self->manager);

  G_OBJECT_CLASS (meow_browser_service_parent_class)->dispose (object);
}

static void
meow_browser_service_class_init (MeowBrowserServiceClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = meow_browser_service_dispose;

  /**
   * MeowBrowserService::download-added:
   * @id: the new task's id
   *
   * A Download call added a task (after the reply was sent): the application shows the
   * window, as for `meow URL`. Main thread.
   */
  signals[DOWNLOAD_ADDED] =
      g_signal_new ("download-added", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                    NULL, G_TYPE_NONE, 1, G_TYPE_STRING | G_SIGNAL_TYPE_STATIC_SCOPE);
}

static void
meow_browser_service_init (MeowBrowserService *self)
{
}

/**
 * meow_browser_service_new:
 *
 * Returns: (transfer full): a service without a task manager, not exported yet. Main
 *   thread.
 */
MeowBrowserService *
meow_browser_service_new (void)
{
  return g_object_new (MEOW_TYPE_BROWSER_SERVICE, NULL);
}

/**
 * meow_browser_service_set_manager:
 * @manager: (nullable) (transfer none): the task manager that gets the downloads and
 *   lists the transfers (kept alive by the service); %NULL to answer "Meow is still
 *   starting." again
 *
 * Main thread.
 */
void
meow_browser_service_set_manager (MeowBrowserService *self, MeowTaskManager *manager)
{
  g_return_if_fail (MEOW_IS_BROWSER_SERVICE (self));
  g_return_if_fail (manager == NULL || MEOW_IS_TASK_MANAGER (manager));

  g_set_object (&self->manager, manager);
}

/**
 * meow_browser_service_register:
 * @connection: the application's bus connection
 * @object_path: the application's object path
 * @error: the error of g_dbus_connection_register_object()
 *
 * Exports the interface. Calls are answered in the main context once the service has a
 * task manager ("Meow is still starting." before). Main thread.
 *
 * Returns: whether it was exported
 */
gboolean
meow_browser_service_register (MeowBrowserService *self,
                               GDBusConnection    *connection,
                               const char         *object_path,
                               GError            **error)
{
  g_return_val_if_fail (MEOW_IS_BROWSER_SERVICE (self), FALSE);
  g_return_val_if_fail (self->registration_id == 0, FALSE);

  self->registration_id = g_dbus_connection_register_object (
      connection, object_path, meow_browser_interface_info (), &vtable, self, NULL, error);
  if (self->registration_id == 0)
    return FALSE;
  self->connection = g_object_ref (connection);
  return TRUE;
}

/**
 * meow_browser_service_unregister:
 *
 * Stops exporting the interface, if it is exported. Main thread.
 */
void
meow_browser_service_unregister (MeowBrowserService *self)
{
  g_return_if_fail (MEOW_IS_BROWSER_SERVICE (self));

  if (self->registration_id != 0)
    g_dbus_connection_unregister_object (self->connection, self->registration_id);
  self->registration_id = 0;
  g_clear_object (&self->connection);
}
