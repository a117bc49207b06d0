/* meow-log.c: the engine's debug lines, redacted, to GLib's log and to the
 * embedding app's listener
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <string.h>

#include "meow-client-private.h"
#include "meow-http-private.h"
#include "meow-log-private.h"
#include "meow-task-private.h"

#define MASK "***"

/* Replaces every occurrence of @secret in @str. */
static void
mask_literal (GString *str, const char *secret)
{
  if (secret == NULL || *secret == '\0' || strcmp (secret, MASK) == 0)
    return;
  g_string_replace (str, secret, MASK, 0);
}

static gboolean
header_is_secret (const char *name, gsize len)
{
  static const char *const exact[] = { "authorization", "proxy-authorization", "cookie",
                                       "set-cookie" };
  static const char *const parts[] = { "token", "secret", "key", "signature", "password", "auth" };
  g_autofree char         *lower = g_ascii_strdown (name, (gssize) len);

  for (guint i = 0; i < G_N_ELEMENTS (exact); i++)
    if (strcmp (lower, exact[i]) == 0)
      return TRUE;
  for (guint i = 0; i < G_N_ELEMENTS (parts); i++)
    if (strstr (lower, parts[i]) != NULL)
      return TRUE;
  return FALSE;
}

/* The task's secrets, by value. */
static void
mask_task (GString *str, const MeowTask *task)
{
  g_autofree char *user = NULL;
  g_autofree char *password = NULL;

  if (task == NULL)
    return;
  mask_literal (str, task->password);
  /* No "@", no userinfo: nothing to split (most URLs, for every line). */
  if (task->url != NULL && strchr (task->url, '@') != NULL &&
      g_uri_split_with_user (task->url, G_URI_FLAGS_HAS_PASSWORD, NULL, &user, &password, NULL,
                             NULL, NULL, NULL, NULL, NULL, NULL))
    {
      g_autofree char *raw = NULL;

      mask_literal (str, password);
      /* As the URL spells it, percent-encoded. */
      if (password != NULL &&
          g_uri_split_with_user (task->url, G_URI_FLAGS_HAS_PASSWORD | G_URI_FLAGS_ENCODED, NULL,
                                 NULL, &raw, NULL, NULL, NULL, NULL, NULL, NULL, NULL))
        mask_literal (str, raw);
    }
  for (guint i = 0; task->headers != NULL && task->headers[i] != NULL; i++)
    {
      const char *line = task->headers[i];
      const char *colon = strchr (line, ':');
      const char *value;

      if (colon == NULL || !header_is_secret (line, (gsize) (colon - line)))
        continue;
      value = colon + 1;
      while (*value == ' ' || *value == '\t')
        value++;
      mask_literal (str, value);
    }
}

static gboolean
is_url_end (char c)
{
  return c == '\0' || c == '/' || c == '?' || c == '#' || g_ascii_isspace (c) || c == '"' ||
         c == '\'' || c == '<' || c == '>' || c == ')';
}

/* "scheme://user:password@host" -> "scheme://user:***@host". */
static void
mask_url_passwords (GString *str)
{
  gsize from = 0;

  for (;;)
    {
      const char *scheme_end = strstr (str->str + from, "://");
      const char *start;
      const char *p;
      const char *at = NULL;
      const char *colon = NULL;

      if (scheme_end == NULL)
        return;
      start = scheme_end + 3;
      for (p = start; !is_url_end (*p); p++)
        if (*p == '@')
          at = p;
      for (p = start; at != NULL && p < at; p++)
        if (*p == ':')
          {
            colon = p;
            break;
          }
      if (colon != NULL && !(at - colon - 1 == 3 && strncmp (colon + 1, MASK, 3) == 0))
        {
          gsize pos = (gsize) (colon + 1 - str->str);

          g_string_erase (str, (gssize) pos, at - colon - 1);
          g_string_insert (str, (gssize) pos, MASK);
          from = pos + strlen (MASK) + 1;
        }
      else
        from = (gsize) (start - str->str);
    }
}

/* "Authorization: Basic …" -> "Authorization: ***" to the end of the line. */
static void
mask_header_lines (GString *str)
{
  static const char *const names[] = { "proxy-authorization:", "authorization:", "set-cookie:",
                                       "cookie:" };

  for (guint n = 0; n < G_N_ELEMENTS (names); n++)
    {
      gsize len = strlen (names[n]);

      for (gsize i = 0; i + len <= str->len; i++)
        {
          gsize v;
          gsize end;

          /* The first letter first: a call per position was most of the
           * cost of redacting a URL. */
          if (g_ascii_tolower (str->str[i]) != names[n][0] ||
              g_ascii_strncasecmp (str->str + i, names[n], len) != 0)
            continue;
          v = i + len;
          while (v < str->len && (str->str[v] == ' ' || str->str[v] == '\t'))
            v++;
          end = v;
          while (end < str->len && str->str[end] != '\n' && str->str[end] != '\r')
            end++;
          if (end - v == strlen (MASK) && strncmp (str->str + v, MASK, end - v) == 0)
            continue;
          g_string_erase (str, (gssize) v, (gssize) (end - v));
          g_string_insert (str, (gssize) v, MASK);
          i = v;
        }
    }
}

/* "?token=abc&x=1" -> "?token=***&x=1". */
static void
mask_query_tokens (GString *str)
{
  static const char *const names[] = { "token",
                                       "access_token",
                                       "sig",
                                       "signature",
                                       "x-amz-signature",
                                       "x-amz-credential",
                                       "x-amz-security-token",
                                       "password" };

  for (gsize i = 0; i < str->len; i++)
    {
      char c = str->str[i];

      if (c != '?' && c != '&' && c != ';')
        continue;
      for (guint n = 0; n < G_N_ELEMENTS (names); n++)
        {
          gsize len = strlen (names[n]);
          gsize v = i + 1 + len;
          gsize end;

          if (v >= str->len || str->str[v] != '=' ||
              g_ascii_strncasecmp (str->str + i + 1, names[n], len) != 0)
            continue;
          v++;
          end = v;
          while (end < str->len && str->str[end] != '&' && str->str[end] != '#' &&
                 str->str[end] != ';' && !g_ascii_isspace (str->str[end]) && str->str[end] != '"' &&
                 str->str[end] != '\'')
            end++;
          if (!(end - v == strlen (MASK) && strncmp (str->str + v, MASK, end - v) == 0))
            {
              g_string_erase (str, (gssize) v, (gssize) (end - v));
              g_string_insert (str, (gssize) v, MASK);
            }
          break;
        }
    }
}

char *
_meow_log_redact (const char *message, const MeowTask *task)
{
  GString *str = g_string_new (message ? message : "");

  mask_task (str, task);
  mask_url_passwords (str);
  mask_header_lines (str);
  mask_query_tokens (str);
  return g_string_free (str, FALSE);
}

/**
 * meow_redact_url:
 * @url: (nullable): a URL, as a task's link or a request's
 *
 * @url as the engine shows it in its log and records (meow_request_info_get_url(),
 * meow_transfer_record_get_final_url()): a password in it ("user:secret@host") and
 * the values of token-like query parameters ("?token=…") replaced by "***". A URL
 * redacted already is returned unchanged, so the two can be compared. Any thread.
 *
 * Returns: (transfer full) (nullable): the redacted URL, %NULL for a %NULL @url
 */
char *
meow_redact_url (const char *url)
{
  if (url == NULL)
    return NULL;
  return _meow_log_redact (url, NULL);
}

void
_meow_log_line (MeowClient     *client,
                const char     *task_id,
                const MeowTask *task,
                GLogLevelFlags  level,
                const char     *message)
{
  g_autofree char *redacted = _meow_log_redact (message, task);

  /* Always to GLib's log, as g_debug() did: an app's own log writer may
   * want debug lines that G_MESSAGES_DEBUG does not ask for. */
  if (task_id != NULL)
    g_log (G_LOG_DOMAIN, level, "[%s] %s", task_id, redacted);
  else
    g_log (G_LOG_DOMAIN, level, "%s", redacted);
  if (client != NULL)
    _meow_client_post_log (client, level, task_id, redacted);
}
