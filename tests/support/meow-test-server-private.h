/* meow-test-server-private.h: what the upload server sides
 * (meow-test-upload.c) need from the HTTP server (meow-test-server.c)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <libsoup/soup.h>

#include "meow-test-server.h"

G_BEGIN_DECLS

typedef struct _MeowTestUpload MeowTestUpload;

/* The server's thread context, where delayed answers are scheduled. */
GMainContext   *_meow_test_server_get_context (MeowTestServer *server);
MeowTestUpload *_meow_test_server_get_upload (MeowTestServer *server);
/* Sets the status of the logged request @index (thread-safe). */
void _meow_test_server_log_set_status (MeowTestServer *server, guint index, guint status);

/* The upload state of one server: endpoints, stored uploads, faults and
 * counters, behind its own mutex (never taken with the server's held). */
MeowTestUpload *_meow_test_upload_new (void);
void            _meow_test_upload_free (MeowTestUpload *upload);
/* Server thread: answers @msg when @path belongs to an upload endpoint and
 * returns TRUE; FALSE leaves it to the file server. */
gboolean _meow_test_upload_handle (MeowTestServer    *server,
                                   SoupServerMessage *msg,
                                   const char        *path,
                                   guint              log_index);

/* Server thread: shuts the connection @msg came on down both ways, as a
 * server that dies in the middle of a request would. */
void _meow_test_server_drop_connection (MeowTestServer *server, SoupServerMessage *msg);
/* Server thread, once: lets the upload side see requests before their
 * body has arrived (a tus PATCH is stored as it streams in). */
void _meow_test_upload_attach (MeowTestServer *server, SoupServer *soup);

G_END_DECLS
