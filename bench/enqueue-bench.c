/* enqueue-bench.c: the cost of a long queue in the engine
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 *   enqueue-bench [N] [OUTPUT-DIR]
 *
 * Makes a client that runs one download at a time and points every task at a
 * loopback port that accepts connections and never answers (a listening socket
 * nobody accepts from), so the first task hangs and the other N - 1 (default
 * 10,000) stay queued. Prints the time to build and to enqueue the N tasks, the
 * process RSS (VmRSS from /proc/self/status) before, right after, and after the
 * main context delivered the records, and the RSS per queued task.
 *
 * Then, with a second client at the default command queue capacity, counts how
 * many of N back-to-back enqueues the engine refuses.
 *
 * Targets (issue 7): enqueue of 10,000 tasks in under a second; under 2 KiB per task.
 */
#include "config.h"

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>

#include "meow.h"

static gint64
vm_rss_kib (void)
{
  g_autofree char *status = NULL;
  const char      *line;

  if (!g_file_get_contents ("/proc/self/status", &status, NULL, NULL))
    return -1;
  line = strstr (status, "VmRSS:");
  return line ? g_ascii_strtoll (line + strlen ("VmRSS:"), NULL, 10) : -1;
}

static void
spin_ms (guint ms)
{
  gint64 end = g_get_monotonic_time () + ms * 1000;

  while (g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, FALSE) || (g_usleep (1000), TRUE);
}

static GPtrArray *
build_tasks (const char *base, const char *dir, guint n)
{
  GPtrArray *tasks = g_ptr_array_new_full (n, (GDestroyNotify) meow_task_unref);

  for (guint i = 0; i < n; i++)
    {
      g_autofree char *url = g_strdup_printf ("%s/file-%05u.bin", base, i);
      g_autoptr (MeowTaskBuilder) builder = meow_task_builder_new_download (url);
      g_autoptr (GError) error = NULL;
      MeowTask *task;

      meow_task_builder_set_output_dir (builder, dir);
      task = meow_task_builder_build (builder, &error);
      if (task == NULL)
        g_error ("%s", error->message);
      g_ptr_array_add (tasks, task);
    }
  return tasks;
}

int
main (int argc, char **argv)
{
  guint            n = argc > 1 ? (guint) g_ascii_strtoull (argv[1], NULL, 10) : 10000;
  g_autofree char *dir = argc > 2 ? g_strdup (argv[2]) : g_dir_make_tmp ("meow-enq-XXXXXX", NULL);
  g_autoptr (GSocket) blackhole = NULL;
  g_autoptr (GSocketAddress) any = NULL;
  g_autoptr (GSocketAddress) bound = NULL;
  g_autoptr (MeowConfig) config = meow_config_new ();
  g_autoptr (MeowClient) client = NULL;
  g_autoptr (MeowClient) client2 = NULL;
  g_autoptr (GPtrArray) tasks = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *base = NULL;
  gint64           rss_start, rss_client, rss_built, rss_enqueued, rss_delivered;
  gint64           t0, t_built, t_enqueued;
  guint            refused = 0;

  if (n == 0)
    {
      fprintf (stderr, "usage: enqueue-bench [N] [OUTPUT-DIR]\n");
      return 2;
    }

  rss_start = vm_rss_kib ();

  /* The blackhole: connections complete in the kernel's backlog and then wait. */
  blackhole =
      g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, &error);
  g_assert_no_error (error);
  {
    g_autoptr (GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);

    any = g_inet_socket_address_new (loopback, 0);
  }
  if (!g_socket_bind (blackhole, any, TRUE, &error) || !g_socket_listen (blackhole, &error))
    g_error ("%s", error->message);
  bound = g_socket_get_local_address (blackhole, &error);
  base = g_strdup_printf ("http://127.0.0.1:%u",
                          g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound)));

  meow_config_set_max_downloads (config, 1);
  /* Room for the whole queue: at the default (128) the engine refuses an
   * enqueue while that many wait for its worker (measured below). */
  meow_config_set_command_queue_capacity (config, n);
  client = meow_client_new (config, &error);
  g_assert_no_error (error);
  spin_ms (100);
  rss_client = vm_rss_kib ();

  t0 = g_get_monotonic_time ();
  tasks = build_tasks (base, dir, n);
  t_built = g_get_monotonic_time ();
  rss_built = vm_rss_kib ();

  for (guint i = 0; i < n; i++)
    {
      g_autofree char *id =
          meow_client_enqueue (client, tasks->pdata[i], NULL, NULL, NULL, NULL, &error);

      if (id == NULL)
        g_error ("enqueue %u: %s", i, error->message);
    }
  t_enqueued = g_get_monotonic_time ();
  /* The caller's references go: what stays is what the engine keeps. */
  g_clear_pointer (&tasks, g_ptr_array_unref);
  rss_enqueued = vm_rss_kib ();
  spin_ms (1000);
  rss_delivered = vm_rss_kib ();

  {
    g_autoptr (MeowSnapshot) snapshot = meow_client_snapshot (client, NULL);

    printf ("enqueue-bench: %u download tasks, 1 at a time, to a loopback port that never "
            "answers\n",
            n);
    printf ("  queued %u, active %u (snapshot after 1 s)\n", snapshot ? snapshot->queued : 0,
            snapshot ? snapshot->active : 0);
  }
  printf ("  %-42s %10.3f s\n", "build the tasks", (t_built - t0) / 1e6);
  printf ("  %-42s %10.3f s   (target < 1 s)\n", "enqueue them", (t_enqueued - t_built) / 1e6);
  printf ("  %-42s %10.1f µs\n", "per enqueue", (double) (t_enqueued - t_built) / n);
  printf ("  %-42s %10" G_GINT64_FORMAT " KiB\n", "RSS at start", rss_start);
  printf ("  %-42s %10" G_GINT64_FORMAT " KiB\n", "RSS with the client", rss_client);
  printf ("  %-42s %10" G_GINT64_FORMAT " KiB\n", "RSS with the tasks built", rss_built);
  printf ("  %-42s %10" G_GINT64_FORMAT " KiB\n", "RSS enqueued (caller's refs dropped)",
          rss_enqueued);
  printf ("  %-42s %10" G_GINT64_FORMAT " KiB\n", "RSS after the records were delivered",
          rss_delivered);
  printf ("  %-42s %10.0f B\n", "per task: built (MeowTask)",
          (rss_built - rss_client) * 1024.0 / n);
  printf ("  %-42s %10.0f B   (target < 2048 B)\n", "per queued task (engine, after delivery)",
          (rss_delivered - rss_client) * 1024.0 / n);
  fflush (stdout);

  meow_client_close (client, NULL);

  /* The default capacity, as an application that enqueues in a loop meets it. */
  {
    g_autoptr (MeowConfig) defaults = meow_config_new ();
    g_autoptr (GPtrArray) more = build_tasks (base, dir, n);

    meow_config_set_max_downloads (defaults, 1);
    client2 = meow_client_new (defaults, &error);
    g_assert_no_error (error);
    for (guint i = 0; i < n; i++)
      {
        g_autoptr (GError) local_error = NULL;
        g_autofree char *id =
            meow_client_enqueue (client2, more->pdata[i], NULL, NULL, NULL, NULL, &local_error);

        if (id == NULL)
          refused++;
      }
    printf ("  %-42s %10u of %u\n", "refused at the default queue capacity", refused, n);
    meow_client_close (client2, NULL);
  }

  g_rmdir (dir);
  return 0;
}
