/* meow-cli-options.c: option values and the options every command has
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "meow-cli-private.h"

/* ------------------------------------------------------------------ */
/* Option values                                                       */

/* Parses a byte count or a rate: plain bytes ("65536"), or a number with a
 * binary suffix K, M or G (1024-based; "500K", "1.5M", "1G"),
 * case-insensitive, with an optional trailing "B" or "iB" ("2MiB"). Stores
 * bytes (per second, for a rate). */
gboolean
cli_parse_size (const char *text, guint64 *bytes)
{
  const char      *p = text;
  gsize            int_digits;
  gsize            frac_digits = 0;
  double           value;
  double           multiplier = 1;
  g_autofree char *number = NULL;

  int_digits = strspn (p, "0123456789");
  p += int_digits;
  if (*p == '.')
    {
      p++;
      frac_digits = strspn (p, "0123456789");
      p += frac_digits;
    }
  if (int_digits == 0 && frac_digits == 0)
    return FALSE;

  number = g_strndup (text, p - text);
  value = g_ascii_strtod (number, NULL);

  switch (g_ascii_toupper (*p))
    {
    case 'K':
      multiplier = 1024.0;
      p++;
      break;
    case 'M':
      multiplier = 1024.0 * 1024.0;
      p++;
      break;
    case 'G':
      multiplier = 1024.0 * 1024.0 * 1024.0;
      p++;
      break;
    default:
      break;
    }
  if (multiplier > 1 && g_ascii_strcasecmp (p, "iB") == 0)
    p += 2;
  else if (g_ascii_strcasecmp (p, "B") == 0)
    p += 1;
  if (*p != '\0')
    return FALSE;

  value *= multiplier;
  /* A petabyte per second is far beyond any link; above that is a typo. */
  if (value >= 1024.0 * 1024.0 * 1024.0 * 1024.0 * 1024.0)
    return FALSE;

  *bytes = (guint64) value;
  return TRUE;
}

/* Checks a SHA-256 given in hex and returns it in lower case, or NULL. */
char *
cli_normalize_sha256 (const char *text)
{
  g_autofree char *hex = g_strstrip (g_ascii_strdown (text, -1));

  if (strlen (hex) != 64 || strspn (hex, "0123456789abcdef") != 64)
    return NULL;
  return g_steal_pointer (&hex);
}

/* ------------------------------------------------------------------ */
/* Options every command has                                           */

void
cli_add_common_options (GOptionContext *context, CommonOptions *options)
{
  const GOptionEntry entries[] = {
    { "limit-rate", 0, 0, G_OPTION_ARG_STRING, &options->limit_rate,
      N_ ("Limit the speed to RATE bytes per second; K, M and G suffixes are 1024-based "
          "(500K, 1.5M, 1G)"),
      N_ ("RATE") },
    { "header", 'H', 0, G_OPTION_ARG_STRING_ARRAY, &options->headers,
      N_ ("Send this request header; may be repeated"), N_ ("'NAME: VALUE'") },
    { "referer", 'e', 0, G_OPTION_ARG_STRING, &options->referer,
      N_ ("Send this Referer (the page the link was on); a download records it as the file's "
          "user.xdg.referrer.url"),
      N_ ("URL") },
    { "user-agent", 'A', 0, G_OPTION_ARG_STRING, &options->user_agent,
      N_ ("Send this User-Agent instead of Meow's"), N_ ("TEXT") },
    { "cookie", 'b', 0, G_OPTION_ARG_STRING, &options->cookie,
      N_ ("Send these cookies (“name=value; name2=value2”) to the URL's host, not to other "
          "hosts it redirects to; cookies the server sets along redirects are kept for the rest "
          "of the download"),
      N_ ("COOKIES") },
    { "cookie-jar", 0, 0, G_OPTION_ARG_FILENAME, &options->cookie_jar,
      N_ ("Send the cookies of FILE (a cookies.txt in the Netscape format, as curl -c, wget "
          "--save-cookies and browser add-ons write it) that go with each URL: its domain or a "
          "subdomain, its path, “secure” ones only over https, expired ones never. FILE is only "
          "read, unlike curl's --cookie-jar: cookies the server sets are used for the rest of the "
          "download but not written back"),
      N_ ("FILE") },
    { "retries", 0, 0, G_OPTION_ARG_STRING, &options->retries,
      N_ ("Give up after N failed attempts in a row; “inf” or no option: wait out network "
          "failures (refused, reset, DNS) for as long as they last, and retry the server's "
          "408, 429 and 5xx answers 3 times"),
      N_ ("N|inf") },
    { "ca-file", 0, 0, G_OPTION_ARG_FILENAME, &options->ca_file,
      N_ ("Trust the CA certificates in FILE (PEM) instead of the system's"), N_ ("FILE") },
    { "proxy", 0, 0, G_OPTION_ARG_STRING, &options->proxy,
      N_ ("Send every request through this proxy (http://, https://, socks4://, socks4a:// or "
          "socks5://HOST:PORT); without it the system's proxy settings apply, or the http_proxy, "
          "https_proxy and all_proxy variables when they are set"),
      N_ ("URL") },
    { "no-proxy", 0, 0, G_OPTION_ARG_NONE, &options->no_proxy,
      N_ ("Use no proxy, whatever --proxy, the system's settings or the environment say"), NULL },
    { "quiet", 'q', 0, G_OPTION_ARG_NONE, &options->quiet,
      N_ ("Print no progress and no summary, only errors (the result still goes to stdout)"),
      NULL },
    { NULL },
  };

  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
}

/* Zeroes and frees @secret (a password, or "USER:PASSWORD"). */
static void
secret_free (char *secret)
{
  if (secret == NULL)
    return;
  explicit_bzero (secret, strlen (secret));
  g_free (secret);
}

void
cli_common_options_clear (CommonOptions *options)
{
  g_clear_pointer (&options->limit_rate, g_free);
  g_clear_pointer (&options->ca_file, g_free);
  g_clear_pointer (&options->proxy, g_free);
  g_clear_pointer (&options->referer, g_free);
  g_clear_pointer (&options->user_agent, g_free);
  g_clear_pointer (&options->cookie, g_free);
  g_clear_pointer (&options->cookie_jar, g_free);
  if (options->cookie_jar_text != NULL)
    explicit_bzero (options->cookie_jar_text, options->cookie_jar_length);
  g_clear_pointer (&options->cookie_jar_text, g_free);
  g_clear_pointer (&options->headers, g_strfreev);
  g_clear_pointer (&options->retries, g_free);
  g_clear_pointer (&options->user, secret_free); /* may hold USER:PASSWORD */
  g_clear_pointer (&options->password, secret_free);
  g_clear_pointer (&options->netrc_file, g_free);
  g_clear_pointer (&options->proxy_user, secret_free);
  g_clear_pointer (&options->proxy_password, secret_free);
}

void
cli_add_login_options (GOptionContext *context, CommonOptions *options)
{
  const GOptionEntry entries[] = {
    { "user", 'u', 0, G_OPTION_ARG_STRING, &options->user,
      N_ ("Log in as USER when the server asks (Basic, Digest or Negotiate); without "
          ":PASSWORD the password is asked for on the terminal"),
      N_ ("USER[:PASSWORD]") },
    { "netrc", 'n', 0, G_OPTION_ARG_NONE, &options->netrc,
      N_ ("Take the login for the server from ~/.netrc when it asks for one"), NULL },
    { "netrc-file", 0, 0, G_OPTION_ARG_FILENAME, &options->netrc_file,
      N_ ("Take the login from FILE (netrc format) instead of ~/.netrc"), N_ ("FILE") },
    { "proxy-user", 0, 0, G_OPTION_ARG_STRING, &options->proxy_user,
      N_ ("Log in to the proxy as USER when it asks (a 407); without :PASSWORD the password "
          "is asked for on the terminal"),
      N_ ("USER[:PASSWORD]") },
    { NULL },
  };

  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
}

/* Asks for @user's password on the terminal @fd and reads a line without
 * echo; the echo goes off before the question, so that nothing typed after
 * it is shown. (transfer full) */
static char *
read_password (int fd, const char *user)
{
  struct termios saved;
  struct termios quiet;
  GString       *line = g_string_new (NULL);
  char           c;

  if (tcgetattr (fd, &saved) != 0)
    return NULL;
  quiet = saved;
  quiet.c_lflag &= ~(tcflag_t) ECHO;
  quiet.c_lflag |= ECHONL;
  tcsetattr (fd, TCSAFLUSH, &quiet);
  /* Translators: the prompt for the password of the user name %s. */
  fprintf (stderr, _ ("Password for %s: "), user);
  fflush (stderr);
  while (read (fd, &c, 1) == 1 && c != '\n')
    g_string_append_c (line, c);
  tcsetattr (fd, TCSAFLUSH, &saved);
  {
    char *password = g_strdup (line->str);

    explicit_bzero (line->str, line->len);
    g_string_free (line, TRUE);
    return password;
  }
}

void
cli_hide_login_arguments (int argc, char **argv)
{
  for (int i = 1; i < argc; i++)
    {
      char *value = NULL;
      char *colon;

      if (g_str_equal (argv[i], "--"))
        break; /* URLs from here on */
      if (g_str_has_prefix (argv[i], "--user="))
        value = argv[i] + strlen ("--user=");
      else if (g_str_has_prefix (argv[i], "--proxy-user="))
        value = argv[i] + strlen ("--proxy-user=");
      else if ((g_str_equal (argv[i], "--user") || g_str_equal (argv[i], "-u") ||
                g_str_equal (argv[i], "--proxy-user")) &&
               i + 1 < argc)
        value = argv[++i];
      else if (g_str_has_prefix (argv[i], "-u") && argv[i][2] != '\0' && argv[i][1] != '-')
        value = argv[i] + 2;
      if (value == NULL || (colon = strchr (value, ':')) == NULL)
        continue;
      /* What `ps` shows ends at the user name (as curl does). */
      explicit_bzero (colon, strlen (colon));
    }
}

/* Splits *@user ("USER[:PASSWORD]", given as @option) into it and
 * *@password, or asks for the password on the terminal. */
static gboolean
resolve_user (char **user, char **password, const char *option, const char *command)
{
  char *colon = strchr (*user, ':');

  if (colon != NULL)
    {
      *password = g_strdup (colon + 1);
      explicit_bzero (colon, strlen (colon));
    }
  if ((*user)[0] == '\0')
    {
      /* Translators: %s is the option, --user or --proxy-user. */
      cli_usage_error (command, _ ("%s needs a user name before the colon."), option);
      return FALSE;
    }
  if (*password != NULL)
    return TRUE;

  if (!isatty (STDIN_FILENO))
    {
      if (g_str_equal (option, "--proxy-user"))
        cli_usage_error (command,
                         /* Translators: both %s are the user name. */
                         _ ("--proxy-user %s has no password, and standard input is not a "
                            "terminal to ask for it on; write --proxy-user %s:PASSWORD."),
                         *user, *user);
      else
        cli_usage_error (command,
                         /* Translators: both %s are the user name. */
                         _ ("--user %s has no password, and standard input is not a terminal to "
                            "ask for it on; write --user %s:PASSWORD or use --netrc."),
                         *user, *user);
      return FALSE;
    }
  *password = read_password (STDIN_FILENO, *user);
  if (*password == NULL)
    {
      cli_usage_error (command, _ ("The password for %s could not be read from the terminal."),
                       *user);
      return FALSE;
    }
  return TRUE;
}

/* A cookies.txt of a browser with years of history is a few MiB; more is not one. */
#define MAX_COOKIE_JAR_BYTES (64 * 1024 * 1024)

gboolean
cli_read_cookie_jar (CommonOptions *options, const char *command)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GMappedFile) mapped = NULL;
  guint skipped = 0;

  if (options->cookie_jar == NULL)
    return TRUE;
  mapped = g_mapped_file_new (options->cookie_jar, FALSE, &error);
  if (mapped == NULL)
    {
      cli_usage_error (command, _ ("The cookie file cannot be read: %s"), error->message);
      return FALSE;
    }
  if (g_mapped_file_get_length (mapped) > MAX_COOKIE_JAR_BYTES)
    {
      g_autofree char *display = g_filename_display_name (options->cookie_jar);

      cli_usage_error (command, _ ("“%s” is too large for a cookies.txt file (more than 64 MiB)."),
                       display);
      return FALSE;
    }
  options->cookie_jar_length = g_mapped_file_get_length (mapped);
  options->cookie_jar_text =
      g_memdup2 (g_mapped_file_get_contents (mapped) ? g_mapped_file_get_contents (mapped) : "",
                 options->cookie_jar_length + 1);
  options->cookie_jar_text[options->cookie_jar_length] = '\0';
  /* Every line once, for the warning; a bad line is skipped, never fatal. */
  g_free (meow_cookies_txt_lookup (options->cookie_jar_text, (gssize) options->cookie_jar_length,
                                   "http://localhost/", &skipped));
  if (skipped > 0)
    {
      g_autofree char *display = g_filename_display_name (options->cookie_jar);

      cli_warning_message (ngettext ("%u line of “%s” is not a cookie in the Netscape format and "
                                     "was skipped.",
                                     "%u lines of “%s” are not cookies in the Netscape format and "
                                     "were skipped.",
                                     skipped),
                           skipped, display);
    }
  return TRUE;
}

gboolean
cli_resolve_login (CommonOptions *options, const char *command)
{
  if (options->netrc_file != NULL)
    options->netrc = TRUE;
  if (options->user != NULL &&
      !resolve_user (&options->user, &options->password, "--user", command))
    return FALSE;
  if (options->proxy_user != NULL &&
      !resolve_user (&options->proxy_user, &options->proxy_password, "--proxy-user", command))
    return FALSE;
  return TRUE;
}

/* Fills @builder with the rate limit, headers and retries; usage errors
 * return FALSE after printing. */
gboolean
cli_configure_common (MeowTaskBuilder     *builder,
                      const char          *url,
                      const char          *command,
                      const CommonOptions *options,
                      guint64             *rate_out)
{
  guint64 rate = 0;

  if (options->limit_rate != NULL)
    {
      if (!cli_parse_size (options->limit_rate, &rate))
        {
          cli_usage_error (
              command,
              _ ("“%s” is not a rate; write bytes per second, optionally with K, M or G "
                 "(1024-based), such as 500K or 1.5M."),
              options->limit_rate);
          return FALSE;
        }
      meow_task_builder_set_speed_limit (builder, rate);
    }

  for (guint i = 0; options->headers && options->headers[i]; i++)
    {
      const char      *header = options->headers[i];
      const char      *colon = strchr (header, ':');
      g_autofree char *name = NULL;
      g_autofree char *value = NULL;

      if (colon == NULL)
        {
          cli_usage_error (command, _ ("The header “%s” has no colon; write it as “Name: value”."),
                           header);
          return FALSE;
        }
      name = g_strstrip (g_strndup (header, colon - header));
      value = g_strstrip (g_strdup (colon + 1));
      if (name[0] == '\0')
        {
          cli_usage_error (command, _ ("The header “%s” has no name before the colon."), header);
          return FALSE;
        }
      meow_task_builder_add_header (builder, name, value);
    }
  if (options->referer != NULL)
    meow_task_builder_add_header (builder, "Referer", options->referer);
  if (options->user_agent != NULL)
    meow_task_builder_add_header (builder, "User-Agent", options->user_agent);
  if (options->cookie != NULL)
    meow_task_builder_add_header (builder, "Cookie", options->cookie);
  if (options->cookie_jar_text != NULL)
    {
      g_autofree char *cookies = meow_cookies_txt_lookup (
          options->cookie_jar_text, (gssize) options->cookie_jar_length, url, NULL);

      /* The engine joins it with --cookie's into one Cookie header. */
      if (cookies != NULL)
        meow_task_builder_add_header (builder, "Cookie", cookies);
      if (cookies != NULL)
        explicit_bzero (cookies, strlen (cookies));
    }
  if (options->user != NULL)
    meow_task_builder_set_credentials (builder, options->user, options->password);
  else if (options->netrc)
    meow_task_builder_set_netrc (builder, TRUE, options->netrc_file);

  /* The network's failures are waited out unless a number is given: an
   * outage of any length must not fail the command (bench/outage). With a
   * number, every failure counts against it, as with curl and wget. */
  if (options->retries == NULL || g_ascii_strcasecmp (options->retries, "inf") == 0)
    meow_task_builder_set_retry_policy (builder, MEOW_RETRY_POLICY_UNLIMITED_TRANSPORT);
  else
    {
      guint64 n = 0;

      if (!g_ascii_string_to_unsigned (options->retries, 10, 0, 1000, &n, NULL))
        {
          cli_usage_error (command,
                           _ ("--retries must be a number from 0 to 1000, or “inf”, not “%s”."),
                           options->retries);
          return FALSE;
        }
      meow_task_builder_set_retry_policy (builder, MEOW_RETRY_POLICY_COUNTED);
      meow_task_builder_set_retries (builder, (guint) n);
    }

  *rate_out = rate;
  return TRUE;
}
