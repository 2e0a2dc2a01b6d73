/* SPDX-License-Identifier: Apache-2.0 */
/* config.c — scaffold: replaced in this session. */
#include "image/image-int.h"
