/* SPDX-License-Identifier: Apache-2.0 */
/*
 * common.h — the base library in one include. Every .c file includes this (directly or
 * through its module header), which also pulls in banned.h last.
 */
#pragma once

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/diag.h"
#include "common/limits.h"
#include "common/log.h"
#include "common/macro.h"
#include "common/span.h"
#include "common/strv.h"

#include "common/banned.h"
