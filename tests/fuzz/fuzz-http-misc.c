/* fuzz-http-misc.c: the small helpers that see server- or user-chosen text
 *
 * _meow_etag_is_strong(): TRUE only for a quoted tag of visible characters
 * without the W/ prefix. _meow_redact_url(): idempotent; a URL it changes
 * carries "***"; and for "http://user:PASSWORD@host/path" built around the
 * input as PASSWORD (any bytes but the ones that end an authority), the
 * password never survives. _meow_url_without_userinfo(): idempotent, never
 * longer than its input, and for the same built URL the user and password
 * both go.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "fuzz-common.h"
#include "meow-http-private.h"

static void
check_etag (const char *value)
{
  g_autofree char *stripped = g_strstrip (g_strdup (value));
  gsize            len = strlen (stripped);

  if (!_meow_etag_is_strong (value))
    return;
  FUZZ_CHECK (len >= 2 && stripped[0] == '"' && stripped[len - 1] == '"', "strong: %s", value);
  for (gsize i = 1; i + 1 < len; i++)
    FUZZ_CHECK ((guchar) stripped[i] > 0x20 && stripped[i] != '"' && stripped[i] != 0x7F,
                "strong with byte 0x%02x: %s", (guchar) stripped[i], value);
}

static void
check_redact (const char *value)
{
  g_autofree char *once = _meow_redact_url (value);
  g_autofree char *twice = _meow_redact_url (once);

  FUZZ_CHECK (once != NULL, "NULL for “%s”", value);
  FUZZ_CHECK (strcmp (once, twice) == 0, "not idempotent: “%s” → “%s” → “%s”", value, once, twice);
  FUZZ_CHECK (strcmp (once, value) == 0 || strstr (once, "***") != NULL, "“%s” → “%s”", value,
              once);
}

static void
check_password_hidden (const char *value)
{
  g_autofree char *password = g_strdup (value);
  g_autofree char *url = NULL;
  g_autofree char *redacted = NULL;
  g_autofree char *stripped = NULL;

  /* '/', '?' and '#' end the authority, so they cannot be in a password. */
  g_strdelimit (password, "/?#", '_');
  url = g_strconcat ("http://user:", password, "@example.org/file.bin", NULL);
  redacted = _meow_redact_url (url);
  FUZZ_CHECK (strcmp (redacted, "http://user:***@example.org/file.bin") == 0, "“%s” → “%s”", url,
              redacted);
  stripped = _meow_url_without_userinfo (url);
  FUZZ_CHECK (strcmp (stripped, "http://example.org/file.bin") == 0, "“%s” → “%s”", url, stripped);
}

static void
check_without_userinfo (const char *value)
{
  g_autofree char *once = _meow_url_without_userinfo (value);
  g_autofree char *twice = _meow_url_without_userinfo (once);

  FUZZ_CHECK (once != NULL, "NULL for “%s”", value);
  FUZZ_CHECK (strlen (once) <= strlen (value), "longer: “%s” → “%s”", value, once);
  FUZZ_CHECK (strcmp (once, twice) == 0, "not idempotent: “%s” → “%s” → “%s”", value, once, twice);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autofree char *value = fuzz_input_string (data, size);

  check_etag (value);
  check_redact (value);
  check_password_hidden (value);
  check_without_userinfo (value);
  return 0;
}
