/* meow-task-hook.c: a task's per-request hook (headers, signing)
 *
 * The hook and its data are shared by a builder, its copies and the tasks
 * built from them (all immutable once built), so they are reference counted:
 * the data's destroy runs when the last of them is gone, on that thread.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "meow-task-private.h"

struct _MeowRequestHookRef
{
  gatomicrefcount ref_count;
  MeowRequestHook hook;
  gpointer        user_data;
  GDestroyNotify  destroy;
};

MeowRequestHookRef *
_meow_request_hook_new (MeowRequestHook hook, gpointer user_data, GDestroyNotify destroy)
{
  MeowRequestHookRef *ref = g_new0 (MeowRequestHookRef, 1);

  g_atomic_ref_count_init (&ref->ref_count);
  ref->hook = hook;
  ref->user_data = user_data;
  ref->destroy = destroy;
  return ref;
}

MeowRequestHookRef *
_meow_request_hook_ref (MeowRequestHookRef *hook)
{
  g_atomic_ref_count_inc (&hook->ref_count);
  return hook;
}

void
_meow_request_hook_unref (MeowRequestHookRef *hook)
{
  if (!g_atomic_ref_count_dec (&hook->ref_count))
    return;
  if (hook->destroy != NULL)
    hook->destroy (hook->user_data);
  g_free (hook);
}

void
_meow_task_run_request_hook (const MeowTask *task, MeowRequest *request)
{
  if (task->request_hook != NULL)
    task->request_hook->hook (request, task->request_hook->user_data);
}
