// SPDX-License-Identifier: Apache-2.0
// The DeviceSimulators module; see ../../README.md ("Modules").
