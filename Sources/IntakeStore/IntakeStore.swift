// SPDX-License-Identifier: Apache-2.0
// The IntakeStore module; see ../../README.md ("Modules").
