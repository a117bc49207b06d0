/* meow.h: libmeow, the Meow transfer engine
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "meow-version.h"
#include "meow-visibility.h"

#include "meow-client.h"
#include "meow-config.h"
#include "meow-cookies.h"
#include "meow-enum-types.h"
#include "meow-error.h"
#include "meow-task.h"
#include "meow-transfer-record.h"
#include "meow-types.h"
#include "meow-upload-protocol.h"
