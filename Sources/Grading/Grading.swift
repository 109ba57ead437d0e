// SPDX-License-Identifier: Apache-2.0
// The Grading module; see ../../README.md ("Modules").
