// SPDX-License-Identifier: Apache-2.0
#pragma once
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/pem.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/core_names.h>
#include <openssl/param_build.h>

// EVP_PKEY_PUBLIC_KEY is a macro built from an expression of other macros, which Swift does not import;
// the simulated adbd needs it to build a public key from the modulus and exponent a host sent
// (EVP_PKEY_fromdata).
static inline int copenssl_selection_public_key(void) {
    return EVP_PKEY_PUBLIC_KEY;
}
