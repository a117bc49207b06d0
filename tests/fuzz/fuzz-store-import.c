/* fuzz-store-import.c: the JSON import's parser (_meow_store_parse_json) on any bytes
 *
 * No files, no database: the parser alone, many times faster than fuzz-store. Promises
 * checked: it never crashes or leaks; it fails with an error or succeeds without one;
 * what it returns has unique non-empty ids, valid UTF-8 strings, headers without line
 * breaks (the database keeps them one a line), an upload with a source, and no warnings
 * on a refused file.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <string.h>

#include "fuzz-common.h"
#include "meow-store-private.h"

static gboolean
valid (const char *s)
{
  return s == NULL || g_utf8_validate (s, -1, NULL);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr (GPtrArray) out =
      g_ptr_array_new_with_free_func ((GDestroyNotify) meow_stored_task_free);
  g_autoptr (GPtrArray) warnings = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GHashTable) ids = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr (GError) error = NULL;
  gboolean ok;

  ok =
      _meow_store_parse_json ((const char *) data, size, "/fuzz/tasks.json", out, warnings, &error);
  FUZZ_CHECK (ok == (error == NULL), "result and error disagree");
  if (!ok)
    {
      FUZZ_CHECK (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA),
                  "refused with another error: %s", error->message);
      FUZZ_CHECK (out->len == 0 && warnings->len == 0, "a refused file gave tasks or warnings");
      return 0;
    }
  for (guint i = 0; i < out->len; i++)
    {
      const MeowStoredTask      *st = out->pdata[i];
      const MeowStoredTaskExtra *x = _meow_stored_task_get_extra (st);

      FUZZ_CHECK (st->id != NULL && *st->id != '\0', "task %u without an id", i);
      FUZZ_CHECK (!g_hash_table_contains (ids, st->id), "task %u: duplicate id", i);
      g_hash_table_add (ids, st->id);
      FUZZ_CHECK (st->url != NULL, "task %u without a URL", i);
      FUZZ_CHECK (valid (st->id) && valid (st->url) && valid (st->name) &&
                      valid (x->error_message) && valid (st->payload),
                  "task %u: a string is not UTF-8", i);
      for (guint h = 0; x->headers != NULL && x->headers[h] != NULL; h++)
        FUZZ_CHECK (*x->headers[h] != '\0' && strpbrk (x->headers[h], "\r\n") == NULL,
                    "task %u: header %u is empty or has a line break", i, h);
      FUZZ_CHECK (st->direction == MEOW_DIRECTION_DOWNLOAD || x->source_file != NULL ||
                      x->source_in_memory,
                  "task %u: an upload without a source", i);
    }
  for (guint i = 0; i < warnings->len; i++)
    FUZZ_CHECK (strstr (warnings->pdata[i], "/fuzz/tasks.json") != NULL,
                "a warning does not name the file");
  return 0;
}
