// SPDX-License-Identifier: Apache-2.0
#pragma once
#include <plist/plist.h>
#include <usbmuxd.h>
#include <libimobiledevice/libimobiledevice.h>
#include <libimobiledevice/lockdown.h>
#include <libimobiledevice/diagnostics_relay.h>
#include <libimobiledevice/property_list_service.h>
#include <libimobiledevice/service.h>
