// SPDX-License-Identifier: Apache-2.0
#pragma once
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/pem.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/core_names.h>
#include <openssl/param_build.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

// EVP_PKEY_PUBLIC_KEY is a macro built from an expression of other macros, which Swift does not import;
// the simulated adbd needs it to build a public key from the modulus and exponent a host sent
// (EVP_PKEY_fromdata).
static inline int copenssl_selection_public_key(void) {
    return EVP_PKEY_PUBLIC_KEY;
}

// SSL_CTX_set_min_proto_version is a macro over SSL_CTX_ctrl, which Swift does not import: the simulated
// lockdownd accepts the TLS versions libimobiledevice 1.3.0 offers.
static inline int copenssl_ctx_set_min_proto_version(SSL_CTX *ctx, int version) {
    return (int)SSL_CTX_set_min_proto_version(ctx, version);
}

// EVP_RSA_gen is a variadic macro, which Swift cannot call: a 2048-bit RSA key for the simulated lockdownd's
// session certificate.
static inline EVP_PKEY *copenssl_rsa_generate(unsigned int bits) {
    return EVP_RSA_gen(bits);
}
