// SPDX-License-Identifier: Apache-2.0
// Test support only: umockdev's testbed C API, used by DiagnosticsTests to emulate USB devices.
#pragma once
#include <umockdev.h>
