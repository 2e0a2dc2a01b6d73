/* SPDX-License-Identifier: Apache-2.0 */
/* docker-archive.c — scaffold: replaced in this session. */
#include "image/image-int.h"
