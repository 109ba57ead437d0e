// SPDX-License-Identifier: Apache-2.0
// The Intake module; see ../../README.md ("Modules").
