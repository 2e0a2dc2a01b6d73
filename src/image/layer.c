/* SPDX-License-Identifier: Apache-2.0 */
/* layer.c — scaffold: replaced in this session. */
#include "image/image-int.h"
