// SPDX-License-Identifier: Apache-2.0
import COpenSSL
import Foundation

/// Checks an `AUTH` signature the way adbd does (`adbd_auth.cpp`, `android_pubkey_decode`): decode the host's
/// public key from Android's format, then verify an RSA PKCS#1 v1.5 signature of the 20-byte token taken as a
/// SHA-1 digest.
enum ADBKeyVerifier {
    /// `true` when `signature` signs `token` with the key in `publicKeyText` (`base64 [user@host]`).
    static func verify(signature: [UInt8], token: [UInt8], publicKeyText: String) -> Bool {
        guard let pkey = decode(publicKeyText) else { return false }
        defer { EVP_PKEY_free(pkey) }
        guard let ctx = EVP_PKEY_CTX_new(pkey, nil) else { return false }
        defer { EVP_PKEY_CTX_free(ctx) }
        guard EVP_PKEY_verify_init(ctx) == 1, EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) == 1,
            EVP_PKEY_CTX_set_signature_md(ctx, EVP_sha1()) == 1
        else { return false }
        return EVP_PKEY_verify(ctx, signature, signature.count, token, token.count) == 1
    }

    /// The base64 part of a public-key line, which identifies the key.
    static func keyID(_ publicKeyText: String) -> String {
        String(publicKeyText.split(separator: " ", maxSplits: 1).first ?? "").trimmingCharacters(in: .controlCharacters)
    }

    /// Android `RSAPublicKey`: u32 word count (64), u32 n0inv, modulus[64] LE, rr[64] LE, u32 exponent.
    static func decode(_ publicKeyText: String) -> OpaquePointer? {
        guard let data = Data(base64Encoded: keyID(publicKeyText)), data.count == 4 + 4 + 256 + 256 + 4 else { return nil }
        let bytes = [UInt8](data)
        func u32(_ i: Int) -> UInt32 {
            UInt32(bytes[i]) | UInt32(bytes[i + 1]) << 8 | UInt32(bytes[i + 2]) << 16 | UInt32(bytes[i + 3]) << 24
        }
        guard u32(0) == 64 else { return nil }
        let modulus = Array(bytes[8..<264])
        let exponent = u32(520)
        guard let n = BN_lebin2bn(modulus, Int32(modulus.count), nil), let e = BN_new() else { return nil }
        defer {
            BN_free(n)
            BN_free(e)
        }
        BN_set_word(e, UInt(exponent))
        // OSSL_PARAM_BLD and the OSSL_PARAM array keep the key-name pointers, so the names must outlive both.
        return OSSL_PKEY_PARAM_RSA_N.withCString { nName in
            OSSL_PKEY_PARAM_RSA_E.withCString { eName -> OpaquePointer? in
                guard let builder = OSSL_PARAM_BLD_new() else { return nil }
                defer { OSSL_PARAM_BLD_free(builder) }
                guard OSSL_PARAM_BLD_push_BN(builder, nName, n) == 1, OSSL_PARAM_BLD_push_BN(builder, eName, e) == 1,
                    let params = OSSL_PARAM_BLD_to_param(builder)
                else { return nil }
                defer { OSSL_PARAM_free(params) }
                guard let ctx = EVP_PKEY_CTX_new_from_name(nil, "RSA", nil) else { return nil }
                defer { EVP_PKEY_CTX_free(ctx) }
                var pkey: OpaquePointer?
                guard EVP_PKEY_fromdata_init(ctx) == 1,
                    EVP_PKEY_fromdata(ctx, &pkey, copenssl_selection_public_key(), params) == 1
                else { return nil }
                return pkey
            }
        }
    }
}
