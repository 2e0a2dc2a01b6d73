/* SPDX-License-Identifier: Apache-2.0 */
/* image.c — scaffold: replaced in this session. */
#include "image/image-int.h"
