/* fuzz-www-authenticate.c: _meow_parse_www_authenticate() on any value
 *
 * Promises checked: FALSE leaves both outputs NULL; TRUE gives a scheme
 * that is a non-empty token (RFC 9110 tchar) found in the input, spelt as
 * the known schemes are when it is one of them; a realm, when there is
 * one, is valid UTF-8 without control characters (it goes into messages
 * and keyring attributes); and parsing is deterministic.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <string.h>

#include "fuzz-common.h"
#include "meow-http-private.h"

static gboolean
is_tchar (guchar c)
{
  return c != '\0' && (g_ascii_isalnum (c) || strchr ("!#$%&'*+-.^_`|~", c) != NULL);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autofree char *value = fuzz_input_string (data, size);
  g_autofree char *scheme = NULL;
  g_autofree char *realm = NULL;
  g_autofree char *scheme2 = NULL;
  g_autofree char *realm2 = NULL;
  gboolean         found = _meow_parse_www_authenticate (value, &scheme, &realm);

  FUZZ_CHECK (found == _meow_parse_www_authenticate (value, &scheme2, &realm2),
              "not deterministic for “%s”", value);
  FUZZ_CHECK (g_strcmp0 (scheme, scheme2) == 0 && g_strcmp0 (realm, realm2) == 0,
              "not deterministic for “%s”", value);
  if (!found)
    {
      FUZZ_CHECK (scheme == NULL && realm == NULL, "FALSE with output for “%s”", value);
      return 0;
    }

  FUZZ_CHECK (scheme != NULL && scheme[0] != '\0', "no scheme for “%s”", value);
  for (const char *p = scheme; *p != '\0'; p++)
    FUZZ_CHECK (is_tchar ((guchar) *p), "scheme “%s” is not a token", scheme);
  FUZZ_CHECK (strcmp (scheme, "Basic") == 0 || strcmp (scheme, "Digest") == 0 ||
                  strcmp (scheme, "Negotiate") == 0 || strstr (value, scheme) != NULL,
              "scheme “%s” not in “%s”", scheme, value);
  FUZZ_CHECK (g_ascii_strcasecmp (scheme, "basic") != 0 || strcmp (scheme, "Basic") == 0,
              "scheme spelt “%s”", scheme);
  if (realm != NULL)
    {
      FUZZ_CHECK (g_utf8_validate (realm, -1, NULL), "realm not UTF-8 for “%s”", value);
      for (const char *p = realm; *p != '\0'; p = g_utf8_next_char (p))
        {
          gunichar c = g_utf8_get_char (p);

          FUZZ_CHECK (!g_unichar_iscntrl (c), "control U+%04X in realm for “%s”", c, value);
        }
    }
  return 0;
}
