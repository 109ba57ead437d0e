// SPDX-License-Identifier: Apache-2.0
// The Printing module; see ../../README.md ("Modules").
