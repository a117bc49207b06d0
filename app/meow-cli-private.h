/* meow-cli-private.h: what the files of meow-cli share
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 *   meow-cli.c          the command table and main()
 *   meow-cli-output.c   messages, the progress and summary lines, saved paths
 *   meow-cli-options.c  option values and the options every command has
 *   meow-cli-run.c      a run: one or many tasks driven through one main loop
 *   meow-cli-get.c      `get`: one URL, or many (-i LIST, several URLs)
 *   meow-cli-put.c      `put`: one file, meow or tus
 *   meow-cli-uploads.c  the saved tus upload URLs (cli-uploads.json)
 *
 * Everything runs on the main thread, in the run's main loop.
 */
#pragma once

#include <glib.h>
#include <glib/gi18n.h>

#include "meow.h"

G_BEGIN_DECLS

#define PROGRAM_NAME "meow-cli"

enum
{
  EXIT_OK = 0,
  EXIT_FAILED = 1,
  EXIT_USAGE = 2,
  EXIT_INTERRUPTED = 130,
};

/* Messages (meow-cli-output.c) */

/* One sentence on stderr, prefixed with the program name. */
void cli_error_message (const char *format, ...) G_GNUC_PRINTF (1, 2);
/* A problem that does not stop the command, on stderr. */
void cli_warning_message (const char *format, ...) G_GNUC_PRINTF (1, 2);
/* @message as one line ending in a full stop, without a server's error
 * page; "The NOUN failed." when nothing is left. */
char *cli_one_sentence (const char *message, const char *noun);
/* For usage errors: the sentence, then where to find help. Returns EXIT_USAGE. */
int cli_usage_error (const char *command, const char *format, ...) G_GNUC_PRINTF (2, 3);
/* @url without its user name and password, for printing. */
char *cli_url_for_display (const char *url);
/* "1.5 MiB": 1024-based units. */
char *cli_format_size (guint64 bytes);

/* Progress line (meow-cli-output.c) */

typedef struct
{
  gboolean enabled;      /* stderr is a terminal and not --quiet */
  gint64   last_draw_us; /* monotonic time of the last redraw */
  glong    last_width;   /* characters drawn last time, to blank leftovers */
} ProgressLine;

/* Redraws the line for @record, at most 5 times a second unless @force. */
void
cli_progress_line_update (ProgressLine *self, const MeowTransferRecord *record, gboolean force);
/* Blanks the line so that a message can be printed in its place. */
void cli_progress_line_clear (ProgressLine *self);

/* Runs (meow-cli-run.c) */

/* A run drives one task (get URL, put) or many (get -i LIST, get URL URL…)
 * through the same loop: each task is a RunItem with its own outcome. With
 * many, the progress line is one summary ("12 of 1000 done") instead of the
 * single task's bytes, and saved paths are printed in input order as soon as
 * every earlier task has finished. */

typedef struct
{
  char    *limit_rate;
  char   **headers;
  char    *retries;  /* NULL: network failures without limit; "N" or "inf" */
  char    *ca_file;  /* CA certificates to trust instead of the system's, or NULL */
  char    *proxy;    /* --proxy: every request through it, or NULL for the system's */
  gboolean no_proxy; /* --no-proxy */
  char    *referer;  /* shortcuts for headers, or NULL */
  char    *user_agent;
  char    *cookie;
  char    *cookie_jar;      /* --cookie-jar FILE, as given */
  char    *cookie_jar_text; /* its contents (cli_read_cookie_jar()); zeroed on clear */
  gsize    cookie_jar_length;
  gboolean quiet;
  /* get's and put's logins (cli_add_login_options()) */
  char    *user;     /* --user USER[:PASSWORD], as given */
  char    *password; /* from --user or asked for (cli_resolve_login()); zeroed on clear */
  gboolean netrc;    /* --netrc */
  char    *netrc_file;
  char    *proxy_user;     /* --proxy-user USER[:PASSWORD], as given */
  char    *proxy_password; /* from --proxy-user or asked for; zeroed on clear */
} CommonOptions;

typedef struct _Run Run;

typedef struct
{
  Run      *run;
  guint     index;   /* position in the input */
  char     *task_id; /* NULL: never enqueued */
  char     *where;   /* "LIST:LINE" for messages about a line of a list, or NULL */
  MeowTask *task;    /* until it is enqueued */

  /* Outcome */
  gboolean finished;  /* completed, failed or canceled */
  gboolean completed; /* the completion callback ran */
  char    *payload;   /* the completion payload: a saved path, an upload URL or id */
  guint64  transferred;
  double   speed;
  GError  *error; /* from the Failed record */
} RunItem;

/* Sees every record before the common handling (for instance, to save a tus
 * upload URL as soon as the server created it). */
typedef void (*RunRecordHook) (Run *run, const MeowTransferRecord *record);

struct _Run
{
  MeowClient  *client;
  GMainLoop   *loop;
  GPtrArray   *items;          /* RunItem, in input order */
  const char  *noun;           /* "download" or "upload", for messages */
  const char  *ca_file;        /* borrowed from the command's options, or NULL */
  const char  *proxy;          /* borrowed: "direct://" for --no-proxy, or NULL for the system's */
  const char  *proxy_user;     /* borrowed: --proxy-user's, for any proxy, or NULL */
  const char  *proxy_password; /* borrowed */
  gboolean     quiet;
  gboolean     many; /* a summary line, errors as they come, paths in input order */
  guint        max_transfers;
  ProgressLine progress;

  RunRecordHook record_hook;
  gpointer      hook_data;

  gint64   started_us;
  gboolean restart_reported;

  /* Totals over the items */
  guint   n_finished;
  guint   n_completed;
  guint   n_failed;
  guint   next_print; /* many: the first item whose path is not printed yet */
  guint64 transferred;
  double  speed;

  gboolean running; /* run_tasks() started: finishing the last item ends the loop */
  gboolean done;
  gboolean interrupted;

  guint sigint_id;
  guint sigterm_id;
};

/* Sets up the loop; the client is made by cli_run_tasks(), when the number of
 * tasks is known. */
void cli_run_init (Run *run, const char *noun, const CommonOptions *options, guint max_transfers);
/* Adds an item to the run, in input order; @where ("LIST:LINE") prefixes
 * its messages. @task may be NULL for an input that could not be made into
 * a task: the item then has already failed with @error. Returns the item
 * (owned by the run). */
RunItem *cli_run_add (Run *run, const char *where, MeowTask *task, const GError *error);
/* Enqueues every item's task and spins the loop until all of them completed
 * or failed, or a signal interrupted the run; the client is closed on
 * return. With one task, FALSE after printing when it could not be enqueued;
 * with many, such a task is reported and counted as failed. */
gboolean cli_run_tasks (Run *run);
/* The exit status of a one-task run that did not complete, after saying why. */
int cli_run_failure_status (Run *run, const char *interrupted_message);
/* Seconds since cli_run_init(). */
double cli_run_seconds (const Run *run);
void   cli_run_clear (Run *run);

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Run, cli_run_clear)

/* What a run prints about itself (meow-cli-output.c) */

/* Many tasks: redraws the summary line, at most 5 times a second unless @force. */
void cli_summary_update (Run *run, gboolean force);
/* Many tasks: prints the saved paths of the finished items at the head of the input. */
void cli_run_print_ready (Run *run);
/* Many tasks: a failure of one of them, said at once on its own line. */
void cli_run_report_failure (Run *run, RunItem *item, const GError *error);
/* Says what a waiting task waits for and when it tries next (stderr). */
void cli_report_wait (Run *run, const MeowTransferRecord *record);
/* One task: says once that the partial bytes were thrown away, and why. */
void cli_report_restart (Run *run, const MeowTransferRecord *record);

/* Options (meow-cli-options.c) */

/* Parses a byte count or a rate ("65536", "500K", "1.5M", "2MiB"). */
gboolean cli_parse_size (const char *text, guint64 *bytes);
/* Checks a SHA-256 given in hex and returns it in lower case, or NULL. */
char *cli_normalize_sha256 (const char *text);

/* Adds --limit-rate, --header, --referer, --user-agent, --cookie, --cookie-jar, --retries,
 * --ca-file, --proxy, --no-proxy and --quiet, filling @options. */
void cli_add_common_options (GOptionContext *context, CommonOptions *options);
void cli_common_options_clear (CommonOptions *options);
/* Adds --user, --netrc, --netrc-file and --proxy-user (get and put). */
void cli_add_login_options (GOptionContext *context, CommonOptions *options);
/* Splits --user and --proxy-user USER:PASSWORD, or asks for the password
 * on the terminal (without echo) when it has none; FALSE after printing a usage error
 * when there is no terminal to ask on. Once, before the tasks are made. */
gboolean cli_resolve_login (CommonOptions *options, const char *command);
/* Overwrites the password of a --user or --proxy-user USER:PASSWORD among the process's own @argv
 * (the strings /proc/PID/cmdline shows) once the options hold their copy. */
void cli_hide_login_arguments (int argc, char **argv);
/* Reads the --cookie-jar file into @options, once, before the tasks are made;
 * FALSE after printing a usage error when it cannot be read. Warns about lines
 * that are not cookies. */
gboolean cli_read_cookie_jar (CommonOptions *options, const char *command);
/* Fills @builder (for @url) with the rate limit, headers, the cookies of the
 * --cookie-jar file that go with @url, and retries; usage errors return
 * FALSE after printing. */
gboolean cli_configure_common (MeowTaskBuilder     *builder,
                               const char          *url,
                               const char          *command,
                               const CommonOptions *options,
                               guint64             *rate_out);

/* Saved tus upload URLs (meow-cli-uploads.c) */

/* What identifies one upload of one version of a file. */
typedef struct
{
  const char *protocol; /* "tus" */
  const char *url;      /* the endpoint given on the command line */
  const char *path;     /* absolute */
  gint64      size;
  gint64      mtime_usec;
} UploadKey;

/* The saved upload URL for @key, or NULL. */
char *cli_upload_store_lookup (const UploadKey *key);
/* Saves @upload_url for @key, or removes the file's entry when it is NULL. */
gboolean cli_upload_store_save (const UploadKey *key, const char *upload_url, GError **error);

/* Commands: argv[0] is "meow-cli COMMAND", the command's own options follow. */

int cli_command_get (int argc, char **argv);
int cli_command_put (int argc, char **argv);

G_END_DECLS
