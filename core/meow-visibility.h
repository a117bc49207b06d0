/* meow-visibility.h: which libmeow symbols the shared library exports
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

/* libmeow is compiled with hidden symbol visibility: a function is part of the ABI of
 * libmeow-1.so only when its declaration in a public header starts with
 * MEOW_AVAILABLE_IN_ALL (and core/libmeow.symbols lists it). Private headers
 * (`*-private.h`) never use it. */

#if defined(_WIN32) || defined(__CYGWIN__)
#define _MEOW_EXTERN __declspec(dllexport) extern
#elif defined(__GNUC__)
#define _MEOW_EXTERN __attribute__ ((visibility ("default"))) extern
#else
#define _MEOW_EXTERN extern
#endif

/**
 * MEOW_AVAILABLE_IN_ALL:
 *
 * Marks a function as part of libmeow's public ABI, available in every version: the
 * shared library exports it. Put it before the declaration in the public header.
 */
#define MEOW_AVAILABLE_IN_ALL _MEOW_EXTERN
