// SPDX-License-Identifier: Apache-2.0
#pragma once
#include <libusb.h>

// Swift cannot call the variadic libusb_set_option, so this fixes its one use we need.
static inline int cusb_set_log_level(libusb_context *ctx, int level) {
    return libusb_set_option(ctx, LIBUSB_OPTION_LOG_LEVEL, level);
}
