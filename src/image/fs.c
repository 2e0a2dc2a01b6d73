/* SPDX-License-Identifier: Apache-2.0 */
/* fs.c — scaffold: replaced in this session. */
#include "image/image-int.h"
