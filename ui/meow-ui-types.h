/* meow-ui-types.h: forward declarations of ui/'s types
 *
 * A header that needs to name another ui/ type in a prototype includes this, not that
 * type's header, so headers do not pull each other in (see ui/README.md: dependencies
 * point one way). MeowApplication is deliberately missing: nothing but app/main.c
 * needs to name it.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef struct _MeowAddDialog         MeowAddDialog;
typedef struct _MeowLinkDialog        MeowLinkDialog;
typedef struct _MeowPreferencesWindow MeowPreferencesWindow;
typedef struct _MeowTaskItem          MeowTaskItem;
typedef struct _MeowTaskManager       MeowTaskManager;
typedef struct _MeowTaskRow           MeowTaskRow;
typedef struct _MeowWindow            MeowWindow;

G_END_DECLS
