/* test-hostile.c: what a hostile server or a careless caller can throw at the core
 *
 * File names chosen by the server (Content-Disposition), symlinks planted
 * where the download writes, existing files, passwords in URLs, and URLs or
 * headers the task builder must refuse. Each test asserts what a user would
 * see: where the bytes landed, what stayed untouched, what the records and
 * logs say.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "meow-http-private.h"
#include "meow-test-fixture.h"
#include "meow.h"

#define PASSWORD "s3cr3t-pa55"

/* ------------------------------------------------------------------ */
/* Helpers                                                             */

/* @name is safe as one path component in any folder (the promise of
 * _meow_sanitize_file_name). */
static void
assert_safe_name (const char *name)
{
  gsize len;

  g_assert_nonnull (name);
  len = strlen (name);
  g_assert_cmpuint (len, >, 0);
  g_assert_cmpuint (len, <=, MEOW_MAX_NAME_BYTES);
  g_assert_true (g_utf8_validate (name, (gssize) len, NULL));
  g_assert_cmpstr (name, !=, ".");
  g_assert_cmpstr (name, !=, "..");
  g_assert_cmpint (name[0], !=, '.');
  g_assert_cmpint (name[0], !=, ' ');
  g_assert_cmpint (name[len - 1], !=, '.');
  g_assert_cmpint (name[len - 1], !=, ' ');
  for (const char *p = name; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      g_assert_cmpuint (c, !=, '/');
      g_assert_cmpuint (c, !=, '\\');
      g_assert_cmpuint (c, >=, 0x20);
      g_assert_cmpuint (c, !=, 0x7F);
      g_assert_false (c >= 0x80 && c <= 0x9F);
      g_assert_false (c == 0x200E || c == 0x200F || (c >= 0x202A && c <= 0x202E) ||
                      (c >= 0x2066 && c <= 0x2069));
    }
}

/* The names in @dir, sorted. */
static GPtrArray *
list_names (const char *dir)
{
  GPtrArray  *names = g_ptr_array_new_with_free_func (g_free);
  GDir       *d = g_dir_open (dir, 0, NULL);
  const char *name;

  g_assert_nonnull (d);
  while ((name = g_dir_read_name (d)) != NULL)
    g_ptr_array_add (names, g_strdup (name));
  g_dir_close (d);
  g_ptr_array_sort (names, (GCompareFunc) g_strcmp0);
  return names;
}

static void
assert_dir_count (const char *dir, guint expected)
{
  g_autoptr (GPtrArray) names = list_names (dir);

  for (guint i = 0; i < names->len; i++)
    g_test_message ("%s: %s", dir, (const char *) g_ptr_array_index (names, i));
  g_assert_cmpuint (names->len, ==, expected);
}

/* fx->dir/@name, created as an empty folder. */
static char *
make_subdir (MeowTestFixture *fx, const char *name)
{
  char *dir = meow_test_fixture_path (fx, name);

  g_assert_cmpint (g_mkdir (dir, 0700), ==, 0);
  return dir;
}

/* ------------------------------------------------------------------ */
/* Content-Disposition names                                           */

typedef struct
{
  const char *id;       /* test path component */
  const char *value;    /* Content-Disposition; "@OUT@" is replaced by an absolute folder */
  const char *expected; /* the sanitised name, NULL = nothing usable (the URL's name is used);
                           "*" = any safe name */
} NameCase;

static const NameCase name_cases[] = {
  { "dot-dot-slash", "attachment; filename=\"../../../pwned.txt\"", "pwned.txt" },
  { "dot-dot-sibling", "attachment; filename=\"../outside/pwned.txt\"", "outside_pwned.txt" },
  { "absolute", "attachment; filename=\"@OUT@/pwned.txt\"", "*" },
  { "backslashes", "attachment; filename=\"..\\\\..\\\\outside\\\\pwned.bat\"",
    "outside_pwned.bat" },
  { "nul-in-ext-value", "attachment; filename*=UTF-8''evil%00.txt", "evil_.txt" },
  { "nul-then-path", "attachment; filename*=UTF-8''ok.txt%00/../../pwned", "ok.txt__pwned" },
  { "control-chars", "attachment; filename=\"a\001b\033[31mc\177.txt\"", "a_b_[31mc_.txt" },
  { "c1-control", "attachment; filename*=UTF-8''a%C2%85b%C2%9B.txt", "a_b_.txt" },
  { "rtl-override", "attachment; filename*=UTF-8''invoice%E2%80%AEfdp.exe", "invoicefdp.exe" },
  { "bidi-isolates", "attachment; filename*=UTF-8''%E2%81%A6a%E2%81%A9.txt", "a.txt" },
  { "ext-value-utf8", "attachment; filename*=UTF-8''na%C3%AFve%20r%C3%A9sum%C3%A9.pdf",
    "naïve résumé.pdf" },
  { "ext-value-lowercase", "attachment; filename*=utf-8''%2E%2E%2F%2E%2E%2Fetc%2Fpasswd",
    "etc_passwd" },
  { "ext-value-wins", "attachment; filename=\"plain.txt\"; filename*=UTF-8''%E2%82%AC%20rates.txt",
    "€ rates.txt" },
  { "ext-value-invalid-utf8", "attachment; filename*=UTF-8''%FF%FEx.txt",
    "\xEF\xBF\xBD\xEF\xBF\xBDx.txt" },
  { "ext-value-latin1", "attachment; filename*=ISO-8859-1''%E9t%E9.txt", "été.txt" },
  { "only-dots", "attachment; filename=\"....\"", NULL },
  { "dot-dot", "attachment; filename=\"..\"", NULL },
  { "dots-and-slashes", "attachment; filename=\"../../..//./\"", NULL },
  { "leading-dot", "attachment; filename=\".bashrc\"", "bashrc" },
  { "trailing-dots-spaces", "attachment; filename=\"  report.pdf. . \"", "report.pdf" },
  { "windows-reserved", "attachment; filename=\"a<b>c:d|e?f*g\\\"h.txt\"", "*" },
  { "long-4000", NULL, "*" },      /* built at run time: 4,000 × 'A' + ".txt" */
  { "long-4000-utf8", NULL, "*" }, /* built at run time: 2,000 × "é" percent-encoded */
};

/* The Content-Disposition value of @c, with @out_dir for "@OUT@". */
static char *
name_case_value (const NameCase *c, const char *out_dir)
{
  if (strcmp (c->id, "long-4000") == 0)
    {
      g_autofree char *as = g_strnfill (4000, 'A');
      return g_strdup_printf ("attachment; filename=\"%s.txt\"", as);
    }
  if (strcmp (c->id, "long-4000-utf8") == 0)
    {
      GString *s = g_string_new ("attachment; filename*=UTF-8''");

      for (guint i = 0; i < 2000; i++)
        g_string_append (s, "%C3%A9");
      g_string_append (s, ".txt");
      return g_string_free (s, FALSE);
    }
  {
    g_auto (GStrv) parts = g_strsplit (c->value, "@OUT@", -1);
    return g_strjoinv (out_dir, parts);
  }
}

static void
check_name_case (const NameCase *c, const char *name)
{
  if (strcmp (c->id, "long-4000") == 0)
    {
      g_assert_true (g_str_has_prefix (name, "AAAA"));
      g_assert_true (g_str_has_suffix (name, ".txt"));
    }
  else if (strcmp (c->id, "long-4000-utf8") == 0)
    g_assert_true (g_str_has_prefix (name, "éé"));
  else if (strcmp (c->id, "absolute") == 0)
    g_assert_true (g_str_has_suffix (name, "_pwned.txt"));
  else if (c->expected != NULL && strcmp (c->expected, "*") != 0)
    g_assert_cmpstr (name, ==, c->expected);
}

/* The pure pipeline the download driver uses: header → raw name → safe name. */
static void
test_names_pure (void)
{
  for (gsize i = 0; i < G_N_ELEMENTS (name_cases); i++)
    {
      const NameCase  *c = &name_cases[i];
      g_autofree char *value = name_case_value (c, "/etc");
      g_autofree char *raw = _meow_content_disposition_filename (value);
      g_autofree char *name = NULL;

      g_test_message ("%s: %.200s", c->id, value);
      g_assert_nonnull (raw);
      name = _meow_sanitize_file_name (raw);
      if (c->expected == NULL)
        {
          g_assert_null (name);
          continue;
        }
      assert_safe_name (name);
      check_name_case (c, name);
      {
        /* a safe name stays as it is */
        g_autofree char *again = _meow_sanitize_file_name (name);
        g_assert_cmpstr (again, ==, name);
      }
    }
}

/* End to end: the server names the file; the download lands inside the
 * chosen folder with a safe name and nothing appears anywhere else. */
static void
test_names_end_to_end (MeowTestFixture *fx, gconstpointer data)
{
  const NameCase *c = data;
  g_autoptr (GBytes) payload = meow_test_make_payload (4000, 61);
  g_autofree char *inside = make_subdir (fx, "inside");
  g_autofree char *outside = make_subdir (fx, "outside");
  g_autofree char *parent = g_path_get_dirname (fx->dir);
  g_autofree char *escaped = g_build_filename (parent, "pwned.txt", NULL);
  g_autofree char *value = name_case_value (c, outside);
  g_autofree char *url = meow_test_server_dup_url (fx->server, "/dl/file.bin");
  g_autofree char *dir = NULL;
  g_autofree char *name = NULL;
  g_autoptr (MeowTaskBuilder) b = NULL;
  const char    *path;
  MeowTestWatch *w;

  meow_test_assert_no_file (escaped);
  meow_test_server_set_file (fx->server, "/dl/file.bin", payload);
  meow_test_server_set_header (fx->server, "/dl/file.bin", "Content-Disposition", value);
  b = meow_task_builder_new_download (url);
  meow_task_builder_set_output_dir (b, inside);
  w = meow_test_start_download (fx, b);
  MEOW_TEST_WAIT_UNTIL (meow_test_watch_done (w));

  g_assert_cmpint (meow_test_watch_last_status (w), ==, MEOW_STATUS_COMPLETE);
  path = meow_transfer_record_get_local_path (meow_test_watch_last (w));
  g_test_message ("%.200s → %s", value, path);
  g_assert_nonnull (path);
  dir = g_path_get_dirname (path);
  name = g_path_get_basename (path);
  g_assert_cmpstr (dir, ==, inside);
  assert_safe_name (name);
  if (c->expected == NULL)
    g_assert_cmpstr (name, ==, "file.bin"); /* nothing usable: the URL's name */
  else
    check_name_case (c, name);
  meow_test_assert_file_equals (path, payload);

  /* exactly one file, in the folder; nothing outside it */
  assert_dir_count (inside, 1);
  assert_dir_count (outside, 0);
  assert_dir_count (fx->dir, 2);
  meow_test_assert_no_file (escaped);
}

/* ------------------------------------------------------------------ */
/* Symlinks and existing files                                         */

/* A symlink planted at TARGET.part, pointing outside the folder: the
 * download never writes through it. */
static void
test_part_symlink (MeowTestFixture *fx, gconstpointer data)
{
  gboolean dangling = GPOINTER_TO_INT (data);
  g_autoptr (GBytes) payload = meow_test_make_payload (5000, 62);
  g_autofree char *inside = make_subdir (fx, "inside");
  g_autofree char *outside = make_subdir (fx, "outside");
  g_autofree char *victim = g_build_filename (outside, "victim", NULL);
  g_autofree char *target = g_build_filename (inside, "target.bin", NULL);
  g_autofree char *part = g_strconcat (target, ".part", NULL);
  g_autoptr (MeowTaskBuilder) b = NULL;
  const MeowTransferRecord *last;
  MeowTestWatch            *w;
  GStatBuf                  st;

  if (!dangling)
    meow_test_write_file (victim, "precious", -1);
  g_assert_cmpint (symlink (victim, part), ==, 0);

  meow_test_server_set_file (fx->server, "/target.bin", payload);
  b = meow_test_builder_to_file (fx, "/target.bin", target);
  w = meow_test_start_download (fx, b);
  MEOW_TEST_WAIT_UNTIL (meow_test_watch_done (w));

  /* the target outside is untouched (or, dangling, never created) */
  if (dangling)
    meow_test_assert_no_file (victim);
  else
    meow_test_assert_file_bytes (victim, "precious", strlen ("precious"));
  assert_dir_count (outside, dangling ? 0 : 1);

  last = meow_test_watch_last (w);
  if (meow_transfer_record_get_status (last) == MEOW_STATUS_FAILED)
    {
      /* refused, with a message that says why */
      meow_test_assert_failed (w, MEOW_ERROR_IO, part, "symbolic link");
      meow_test_assert_no_file (target);
      /* the link is left alone: it is not ours */
      g_assert_cmpint (g_lstat (part, &st), ==, 0);
      g_assert_true (S_ISLNK (st.st_mode));
    }
  else
    {
      /* or the link was replaced and the bytes are in the folder */
      meow_test_assert_completed (w, target, payload);
    }
}

/* An existing file is never overwritten without overwrite: the download
 * becomes "name (1).ext". */
static void
test_existing_target (MeowTestFixture *fx, gconstpointer data)
{
  g_autoptr (GBytes) payload = meow_test_make_payload (3000, 63);
  g_autofree char *inside = make_subdir (fx, "inside");
  g_autofree char *existing = g_build_filename (inside, "report.pdf", NULL);
  g_autofree char *expected = g_build_filename (inside, "report (1).pdf", NULL);
  g_autofree char *url = meow_test_server_dup_url (fx->server, "/get");
  g_autoptr (MeowTaskBuilder) b = NULL;
  MeowTestWatch *w;

  meow_test_write_file (existing, "precious", -1);
  meow_test_server_set_file (fx->server, "/get", payload);
  meow_test_server_set_header (fx->server, "/get", "Content-Disposition",
                               "attachment; filename=\"report.pdf\"");
  b = meow_task_builder_new_download (url);
  meow_task_builder_set_output_dir (b, inside);
  w = meow_test_start_download (fx, b);
  MEOW_TEST_WAIT_UNTIL (meow_test_watch_done (w));

  meow_test_assert_completed (w, expected, payload);
  meow_test_assert_file_bytes (existing, "precious", strlen ("precious"));
  assert_dir_count (inside, 2);
}

/* ------------------------------------------------------------------ */
/* Passwords in URLs                                                   */

static GMutex   log_lock;
static GString *log_text;

static GLogWriterOutput
capture_writer (GLogLevelFlags level, const GLogField *fields, gsize n_fields, gpointer user_data)
{
  g_mutex_lock (&log_lock);
  for (gsize i = 0; i < n_fields; i++)
    if (strcmp (fields[i].key, "MESSAGE") == 0 && log_text != NULL)
      {
        if (fields[i].length < 0)
          g_string_append (log_text, fields[i].value);
        else
          g_string_append_len (log_text, fields[i].value, fields[i].length);
        g_string_append_c (log_text, '\n');
      }
  g_mutex_unlock (&log_lock);

  /* Warnings and criticals still fail the test as usual. */
  if (level & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING))
    return g_log_writer_default (level, fields, n_fields, user_data);
  return G_LOG_WRITER_HANDLED;
}

static char *
dup_log (void)
{
  char *copy;

  g_mutex_lock (&log_lock);
  copy = g_strdup (log_text->str);
  g_mutex_unlock (&log_lock);
  return copy;
}

/* http://user:PASSWORD@127.0.0.1:PORT@path */
static char *
url_with_password (MeowTestFixture *fx, const char *path)
{
  g_autofree char *url = meow_test_server_dup_url (fx->server, path);

  g_assert_true (g_str_has_prefix (url, "http://"));
  return g_strconcat ("http://user:" PASSWORD "@", url + strlen ("http://"), NULL);
}

static void
assert_records_hide_password (MeowTestWatch *w)
{
  g_assert_cmpuint (w->records->len, >, 0);
  for (guint i = 0; i < w->records->len; i++)
    {
      const MeowTransferRecord *r = g_ptr_array_index (w->records, i);
      const GError             *error = meow_transfer_record_get_error (r);

      if (error != NULL)
        {
          g_test_message ("record error: %s", error->message);
          g_assert_null (strstr (error->message, PASSWORD));
        }
      if (meow_transfer_record_get_name (r) != NULL)
        g_assert_null (strstr (meow_transfer_record_get_name (r), PASSWORD));
      if (meow_transfer_record_get_payload (r) != NULL)
        g_assert_null (strstr (meow_transfer_record_get_payload (r), PASSWORD));
      if (meow_transfer_record_get_local_path (r) != NULL)
        g_assert_null (strstr (meow_transfer_record_get_local_path (r), PASSWORD));
      if (meow_transfer_record_get_upload_url (r) != NULL)
        g_assert_null (strstr (meow_transfer_record_get_upload_url (r), PASSWORD));
    }
  if (w->payload != NULL)
    g_assert_null (strstr (w->payload, PASSWORD));
}

/* Failures (status, retry, transport) and success with a password in the
 * URL: neither the records nor the log (debug included) show it. */
static void
test_password_never_shown (MeowTestFixture *fx, gconstpointer data)
{
  g_autoptr (GBytes) payload = meow_test_make_payload (2000, 64);
  g_autofree char *missing_url = url_with_password (fx, "/missing.bin");
  g_autofree char *ok_url = url_with_password (fx, "/ok.bin");
  g_autofree char *dead_url = g_strdup ("http://user:" PASSWORD "@127.0.0.1:1/dead.bin");
  g_autofree char *target = meow_test_fixture_path (fx, "ok.bin");
  g_autofree char *logged = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (MeowTask) task = NULL;
  g_autoptr (MeowTaskBuilder) b1 = NULL;
  g_autoptr (MeowTaskBuilder) b2 = NULL;
  g_autoptr (MeowTaskBuilder) b3 = NULL;
  g_autofree char *redacted = NULL;
  MeowTestFaults   faults = { 0 };
  MeowTestWatch   *missing;
  MeowTestWatch   *ok;
  MeowTestWatch   *dead;

  g_mutex_lock (&log_lock);
  log_text = g_string_new (NULL);
  g_mutex_unlock (&log_lock);

  /* the task itself shows the URL redacted */
  b1 = meow_task_builder_new_download (missing_url);
  meow_task_builder_set_output_dir (b1, fx->dir);
  meow_task_builder_set_retries (b1, 0);
  task = meow_task_builder_build (b1, &error);
  g_assert_no_error (error);
  redacted = meow_task_dup_redacted_url (task);
  g_assert_null (strstr (redacted, PASSWORD));
  g_assert_nonnull (strstr (redacted, "user:***@"));

  /* 404 */
  missing = meow_test_start_download (fx, b1);
  MEOW_TEST_WAIT_UNTIL (meow_test_watch_done (missing));

  /* 503 once (retried: the retry is logged), then the file */
  meow_test_server_set_file (fx->server, "/ok.bin", payload);
  faults.error_count = 1;
  faults.error_status = 503;
  faults.errors_get_only = TRUE;
  meow_test_server_set_faults (fx->server, &faults);
  b2 = meow_task_builder_new_download (ok_url);
  meow_task_builder_set_output_file (b2, target);
  ok = meow_test_start_download (fx, b2);
  MEOW_TEST_WAIT_UNTIL (meow_test_watch_done (ok));

  /* nobody listens on port 1: a transport error */
  b3 = meow_task_builder_new_download (dead_url);
  meow_task_builder_set_output_dir (b3, fx->dir);
  meow_task_builder_set_retries (b3, 1);
  dead = meow_test_start_download (fx, b3);
  MEOW_TEST_WAIT_UNTIL (meow_test_watch_done (dead));

  meow_test_assert_failed (missing, MEOW_ERROR_RESPONSE_STATUS, "404", "user:***@");
  meow_test_assert_completed (ok, target, payload);
  g_assert_cmpint (meow_test_watch_last_status (dead), ==, MEOW_STATUS_FAILED);
  assert_records_hide_password (missing);
  assert_records_hide_password (ok);
  assert_records_hide_password (dead);

  logged = dup_log ();
  g_test_message ("log:\n%s", logged);
  g_assert_nonnull (strstr (logged, "Retrying")); /* the capture saw the retries */
  g_assert_null (strstr (logged, PASSWORD));

  g_mutex_lock (&log_lock);
  g_string_free (g_steal_pointer (&log_text), TRUE);
  g_mutex_unlock (&log_lock);
}

/* ------------------------------------------------------------------ */
/* The task builder refuses bad input                                  */

typedef struct
{
  const char *url;
  const char *needle;  /* in the message */
  const char *needle2; /* also in the message, or NULL */
} BadUrl;

static const BadUrl bad_urls[] = {
  { "", "empty", NULL },
  { "not a url", "not a valid URL", NULL },
  { "http://", "no host", NULL },
  { "http:///path/only", "no host", NULL },
  { "http://exa mple.org/", "white space", NULL },
  { "http://example.org/a\nb", "white space", NULL },
  { "http://[::1/", "not a valid URL", NULL },
  { "http://example.org:99999999/", "not a valid URL", NULL },
  { "file:///etc/passwd", "unsupported scheme", "“file”" },
  { "ftp://example.org/file.bin", "unsupported scheme", "“ftp”" },
  { "javascript:alert(1)", "unsupported scheme", "“javascript”" },
  { "gopher://example.org/", "unsupported scheme", "“gopher”" },
  { "ftp://user:" PASSWORD "@example.org/x", "unsupported scheme", "user:***@" },
};

static void
test_builder_refuses_urls (void)
{
  for (gsize i = 0; i < G_N_ELEMENTS (bad_urls); i++)
    {
      g_autoptr (MeowTaskBuilder) b = meow_task_builder_new_download (bad_urls[i].url);
      g_autoptr (GError) error = NULL;
      g_autoptr (MeowTask) task = NULL;

      meow_task_builder_set_output_dir (b, g_get_tmp_dir ());
      task = meow_task_builder_build (b, &error);
      g_test_message ("“%s”: %s", bad_urls[i].url, error ? error->message : "(accepted)");
      g_assert_null (task);
      g_assert_error (error, MEOW_ERROR, MEOW_ERROR_PARAMETER_INVALID);
      g_assert_nonnull (strstr (error->message, bad_urls[i].needle));
      if (bad_urls[i].needle2 != NULL)
        g_assert_nonnull (strstr (error->message, bad_urls[i].needle2));
      g_assert_null (strstr (error->message, PASSWORD));
    }
}

static void
test_builder_refuses_headers (void)
{
  g_autofree char *big = g_strnfill (8 * 1024 + 1, 'x');
  g_autofree char *fits = g_strnfill (8 * 1024 - strlen ("X-Big: "), 'x');
  static const struct
  {
    const char *name;
    const char *value;
    const char *needle;
  } bad[] = {
    { "X-Evil", "a\r\nHost: evil.example", "line break" },
    { "X-Evil", "a\nb", "line break" },
    { "Bad Name", "v", "invalid characters" },
    { "", "v", "no name" },
  };

  /* over 8 KiB: refused, naming the header and the limit */
  {
    g_autoptr (MeowTaskBuilder) b = meow_task_builder_new_download ("http://example.org/f");
    g_autoptr (GError) error = NULL;
    g_autoptr (MeowTask) task = NULL;

    meow_task_builder_set_output_dir (b, g_get_tmp_dir ());
    meow_task_builder_add_header (b, "X-Big", big);
    task = meow_task_builder_build (b, &error);
    g_assert_null (task);
    g_assert_error (error, MEOW_ERROR, MEOW_ERROR_PARAMETER_INVALID);
    g_test_message ("%s", error->message);
    g_assert_nonnull (strstr (error->message, "X-Big"));
    g_assert_nonnull (strstr (error->message, "8192 bytes"));
    /* the message names the header; it does not repeat 8 KiB of it */
    g_assert_cmpuint (strlen (error->message), <, 200);
  }

  /* exactly 8 KiB: accepted */
  {
    g_autoptr (MeowTaskBuilder) b = meow_task_builder_new_download ("http://example.org/f");
    g_autoptr (GError) error = NULL;
    g_autoptr (MeowTask) task = NULL;

    meow_task_builder_set_output_dir (b, g_get_tmp_dir ());
    meow_task_builder_add_header (b, "X-Big", fits);
    task = meow_task_builder_build (b, &error);
    g_assert_no_error (error);
    g_assert_nonnull (task);
  }

  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr (MeowTaskBuilder) b = meow_task_builder_new_download ("http://example.org/f");
      g_autoptr (GError) error = NULL;
      g_autoptr (MeowTask) task = NULL;

      meow_task_builder_set_output_dir (b, g_get_tmp_dir ());
      meow_task_builder_add_header (b, bad[i].name, bad[i].value);
      task = meow_task_builder_build (b, &error);
      g_test_message ("“%s”: %s", bad[i].name, error ? error->message : "(accepted)");
      g_assert_null (task);
      g_assert_error (error, MEOW_ERROR, MEOW_ERROR_PARAMETER_INVALID);
      g_assert_nonnull (strstr (error->message, bad[i].needle));
    }
}

/* ------------------------------------------------------------------ */

#define ADD(path, data, fn)                                                                        \
  g_test_add (path, MeowTestFixture, data, meow_test_fixture_setup, fn, meow_test_fixture_teardown)

int
main (int argc, char **argv)
{
  g_log_set_writer_func (capture_writer, NULL, NULL);

  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/core/hostile/names/pure", test_names_pure);
  for (gsize i = 0; i < G_N_ELEMENTS (name_cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/core/hostile/names/download/%s", name_cases[i].id);

      ADD (path, &name_cases[i], test_names_end_to_end);
    }
  ADD ("/core/hostile/part-symlink/to-existing-file", GINT_TO_POINTER (FALSE), test_part_symlink);
  ADD ("/core/hostile/part-symlink/dangling", GINT_TO_POINTER (TRUE), test_part_symlink);
  ADD ("/core/hostile/existing-target-kept", NULL, test_existing_target);
  ADD ("/core/hostile/url-password-never-shown", NULL, test_password_never_shown);
  g_test_add_func ("/core/hostile/builder/refuses-urls", test_builder_refuses_urls);
  g_test_add_func ("/core/hostile/builder/refuses-headers", test_builder_refuses_headers);

  return g_test_run ();
}
