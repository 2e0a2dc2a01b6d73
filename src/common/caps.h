/* SPDX-License-Identifier: Apache-2.0 */
/* caps.h — Linux capability names by number (include/uapi/linux/capability.h). */
#pragma once

#define BH_CAP_COUNT 41 /* CAP_CHOWN (0) … CAP_CHECKPOINT_RESTORE (40) */

/* "CAP_CHOWN", "CAP_DAC_OVERRIDE", …, indexed by capability number. */
extern const char *const bh_cap_names[BH_CAP_COUNT];
