/* fuzz-common.h: helpers shared by the libFuzzer targets
 *
 * A target is one LLVMFuzzerTestOneInput() that feeds the input to a pure
 * core function and checks the promises its header makes. A broken promise
 * aborts (g_assert, or FUZZ_CHECK with the offending value), which libFuzzer
 * reports as a crash and saves the input. Sanitizers (ASan, fatal UBSan)
 * catch the rest.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "meow-error.h"

/* The password in the URLs the upload targets use. Its control character
 * cannot survive any quoting of server bytes, so finding it in a message
 * means the URL itself leaked. */
#define FUZZ_PASSWORD "s3cr\001t"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

/* Aborts with @fmt when @cond does not hold. */
#define FUZZ_CHECK(cond, ...)                                                                      \
  G_STMT_START                                                                                     \
  {                                                                                                \
    if (G_UNLIKELY (!(cond)))                                                                      \
      {                                                                                            \
        fprintf (stderr, "%s:%d: broken promise: %s\n  ", __FILE__, __LINE__, #cond);              \
        fprintf (stderr, __VA_ARGS__);                                                             \
        fputc ('\n', stderr);                                                                      \
        abort ();                                                                                  \
      }                                                                                            \
  }                                                                                                \
  G_STMT_END

/* The input as a C string (a header value never holds a NUL: it ends there). */
static inline char *
fuzz_input_string (const uint8_t *data, size_t size)
{
  return g_strndup ((const char *) data, size);
}

/* Reads a little-endian gint64 from the front of the input, if there is one. */
static inline gint64
fuzz_take_int64 (const uint8_t **data, size_t *size)
{
  guint64 v = 0;

  if (*size < 8)
    return 0;
  for (int i = 7; i >= 0; i--)
    v = (v << 8) | (*data)[i];
  *data += 8;
  *size -= 8;
  return (gint64) v;
}

/* An error a person will read: in @domain with @code (-1: any code), a
 * non-empty, valid UTF-8 sentence on one line, without control characters
 * (a server's bytes must not reach a terminal or a log as escapes), of a
 * bounded length. */
static inline void
fuzz_check_error (const GError *error, GQuark domain, gint code, gsize max_len)
{
  FUZZ_CHECK (error != NULL, "no error set");
  FUZZ_CHECK (error->domain == domain, "domain %s", g_quark_to_string (error->domain));
  FUZZ_CHECK (code < 0 || error->code == code, "code %d", error->code);
  FUZZ_CHECK (error->message != NULL && error->message[0] != '\0', "empty message");
  FUZZ_CHECK (g_utf8_validate (error->message, -1, NULL), "message not UTF-8: %s", error->message);
  for (const char *p = error->message; *p != '\0'; p++)
    FUZZ_CHECK ((guchar) *p >= 0x20 && *p != 0x7F, "control byte 0x%02x in message: %s",
                (guchar) *p, error->message);
  FUZZ_CHECK (strlen (error->message) <= max_len, "message of %zu bytes", strlen (error->message));
}

/* A file name that is safe as one path component in any folder: non-empty,
 * valid UTF-8, at most @max_bytes, no '/', '\\', NUL, C0/DEL/C1 control or
 * bidi control character, not "." or "..", no leading dot or space, no
 * trailing dot or space. */
static inline void
fuzz_check_safe_name (const char *name, gsize max_bytes)
{
  gsize len;

  FUZZ_CHECK (name != NULL, "NULL name");
  len = strlen (name);
  FUZZ_CHECK (len > 0, "empty name");
  FUZZ_CHECK (len <= max_bytes, "name of %zu bytes: %s", len, name);
  FUZZ_CHECK (g_utf8_validate (name, (gssize) len, NULL), "name not UTF-8: %s", name);
  FUZZ_CHECK (strcmp (name, ".") != 0 && strcmp (name, "..") != 0, "name is %s", name);
  FUZZ_CHECK (name[0] != '.' && name[0] != ' ', "leading dot or space: %s", name);
  FUZZ_CHECK (name[len - 1] != '.' && name[len - 1] != ' ', "trailing dot or space: %s", name);
  for (const char *p = name; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      FUZZ_CHECK (c != '/' && c != '\\', "separator in %s", name);
      FUZZ_CHECK (c >= 0x20 && c != 0x7F && !(c >= 0x80 && c <= 0x9F), "control U+%04X in %s", c,
                  name);
      FUZZ_CHECK (c != 0x061C && c != 0x200E && c != 0x200F && !(c >= 0x202A && c <= 0x202E) &&
                      !(c >= 0x2066 && c <= 0x2069),
                  "bidi control U+%04X in %s", c, name);
    }
}
