// SPDX-License-Identifier: Apache-2.0
public import Foundation
import COpenSSL

/// The bench's ADB identity: an RSA-2048 key pair kept in the data directory as `adbkey` (PKCS#8 PEM, mode
/// 0600) and `adbkey.pub` (Android's public-key format), created on first use, as the `adb` server does.
///
/// A phone sends a 20-byte token; the answer is an RSA PKCS#1 v1.5 signature of the token used directly as a
/// SHA-1 digest (AOSP `adb_auth_host.cpp`), made with OpenSSL 3's EVP API.
public final class ADBKey: @unchecked Sendable {
    // @unchecked: the EVP_PKEY is never mutated after init, and OpenSSL 3 keys may be used from several
    // threads for signing at once.
    private let pkey: OpaquePointer
    /// The public key in Android's format, base64 then ` user@host`, as `adbkey.pub` holds it and `AUTH` type
    /// 3 sends it.
    public let publicKeyText: String

    deinit { EVP_PKEY_free(pkey) }

    private init(pkey: OpaquePointer, comment: String) throws {
        self.pkey = pkey
        self.publicKeyText = try Self.androidPublicKey(pkey).base64EncodedString() + " " + comment
    }

    /// Loads `adbkey` from `directory`, or creates the pair there (the directory too) when it is absent.
    public static func loadOrCreate(in directory: URL, comment: String = ADBKey.defaultComment()) throws -> ADBKey {
        let privateURL = directory.appendingPathComponent("adbkey")
        let publicURL = directory.appendingPathComponent("adbkey.pub")
        let fm = FileManager.default
        if fm.fileExists(atPath: privateURL.path) {
            // Refused when group or others may read it, as ssh and the station key refuse theirs: whoever reads it
            // can answer every phone that once trusted this bench.
            var info = stat()
            guard stat(privateURL.path, &info) == 0 else {
                let code = errno
                throw DiagnosticsError.badKey(
                    "Cannot read the ADB key \(privateURL.path): \(String(cString: strerror(code))).",
                    underlying: POSIXErrorCode(rawValue: code).map { POSIXError($0) })
            }
            guard info.st_mode & 0o077 == 0 else {
                throw DiagnosticsError.badKey(
                    "The ADB key \(privateURL.path) is readable by others (mode \(String(info.st_mode & 0o777, radix: 8))): run `chmod 600 \(privateURL.path)`.")
            }
            guard let pem = try? Data(contentsOf: privateURL) else {
                throw DiagnosticsError.badKey("Cannot read the ADB key \(privateURL.path): check that the agent's user owns it.")
            }
            guard let pkey = readPEM(pem) else {
                throw DiagnosticsError.badKey("The ADB key \(privateURL.path) is not a readable PEM private key; move it away and run again to make a new one.")
            }
            let key = try ADBKey(pkey: pkey, comment: comment)
            if !fm.fileExists(atPath: publicURL.path) { try writePublicKey(key, to: publicURL) }
            return key
        }
        if !fm.fileExists(atPath: directory.path) {
            // The data directory holds private keys: nobody but the agent's user may list it.
            try fm.createDirectory(at: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        }
        let key = try generate(comment: comment)
        // Written to a temporary name with mode 0600 first, then renamed: a crash never leaves half a key.
        let tmp = directory.appendingPathComponent("adbkey.tmp-\(getpid())")
        guard fm.createFile(atPath: tmp.path, contents: try key.privateKeyPEM(), attributes: [.posixPermissions: 0o600])
        else { throw DiagnosticsError.badKey("Could not write the ADB key to \(directory.path); check the data directory is writable.") }
        try writePublicKey(key, to: publicURL)
        guard rename(tmp.path, privateURL.path) == 0 else {
            throw DiagnosticsError.badKey("Could not write the ADB key to \(privateURL.path); check the data directory is writable.")
        }
        return key
    }

    /// Writes `adbkey.pub` (atomically); a failure is one sentence naming the file.
    private static func writePublicKey(_ key: ADBKey, to url: URL) throws {
        do {
            try Data((key.publicKeyText + "\n").utf8).write(to: url, options: .atomic)
        } catch {
            throw DiagnosticsError.badKey("Could not write the ADB public key to \(url.path); check the data directory is writable.")
        }
    }

    /// A new key held only in memory (tests, benchmarks, the demo).
    public static func generate(comment: String = ADBKey.defaultComment()) throws -> ADBKey {
        guard let ctx = EVP_PKEY_CTX_new_from_name(nil, "RSA", nil) else { throw Self.openssl("EVP_PKEY_CTX_new_from_name") }
        defer { EVP_PKEY_CTX_free(ctx) }
        var pkey: OpaquePointer?
        guard EVP_PKEY_keygen_init(ctx) == 1, EVP_PKEY_CTX_set_rsa_keygen_bits(ctx, 2048) == 1,
            EVP_PKEY_generate(ctx, &pkey) == 1, let pkey
        else { throw Self.openssl("EVP_PKEY_generate") }
        return try ADBKey(pkey: pkey, comment: comment)
    }

    /// `user@host`, the comment `adb` puts after the key.
    public static func defaultComment() -> String {
        let user = ProcessInfo.processInfo.environment["USER"] ?? "intake"
        // gethostname, not ProcessInfo.hostName: that one resolves the name through DNS, which can take seconds.
        var buffer = [CChar](repeating: 0, count: 256)
        let host = gethostname(&buffer, buffer.count) == 0
            ? String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self) : "localhost"
        return "\(user)@\(host)"
    }

    /// Signs a device's `AUTH` token: PKCS#1 v1.5 with the token taken as a SHA-1 digest.
    public func sign(token: [UInt8]) throws -> [UInt8] {
        guard let ctx = EVP_PKEY_CTX_new(pkey, nil) else { throw Self.openssl("EVP_PKEY_CTX_new") }
        defer { EVP_PKEY_CTX_free(ctx) }
        guard EVP_PKEY_sign_init(ctx) == 1, EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) == 1,
            EVP_PKEY_CTX_set_signature_md(ctx, EVP_sha1()) == 1
        else { throw Self.openssl("EVP_PKEY_sign_init") }
        var length = 0
        guard EVP_PKEY_sign(ctx, nil, &length, token, token.count) == 1 else { throw Self.openssl("EVP_PKEY_sign") }
        var signature = [UInt8](repeating: 0, count: length)
        guard EVP_PKEY_sign(ctx, &signature, &length, token, token.count) == 1 else {
            throw DiagnosticsError.badKey("The phone's ADB token (\(token.count) bytes) could not be signed; unplug the phone and try again.")
        }
        return Array(signature.prefix(length))
    }

    // MARK: - Encoding

    private func privateKeyPEM() throws -> Data {
        guard let bio = BIO_new(BIO_s_mem()) else { throw Self.openssl("BIO_new") }
        defer { BIO_free(bio) }
        guard PEM_write_bio_PrivateKey(bio, pkey, nil, nil, 0, nil, nil) == 1 else {
            throw Self.openssl("PEM_write_bio_PrivateKey")
        }
        var pointer: UnsafeMutablePointer<CChar>?
        let length = BIO_ctrl(bio, BIO_CTRL_INFO, 0, &pointer)
        guard length > 0, let pointer else { throw Self.openssl("BIO_get_mem_data") }
        return Data(bytes: pointer, count: length)
    }

    private static func readPEM(_ pem: Data) -> OpaquePointer? {
        pem.withUnsafeBytes { raw -> OpaquePointer? in
            guard let bio = BIO_new_mem_buf(raw.baseAddress, Int32(raw.count)) else { return nil }
            defer { BIO_free(bio) }
            return PEM_read_bio_PrivateKey(bio, nil, nil, nil)
        }
    }

    /// Android's `RSAPublicKey` struct (`libcrypto_utils/android_pubkey.cpp`), little-endian 32-bit words:
    /// modulus size in words (64), n0inv = -1/n mod 2³², n, R² mod n with R = 2²⁰⁴⁸, exponent.
    private static func androidPublicKey(_ pkey: OpaquePointer) throws -> Data {
        var n: OpaquePointer?
        var e: OpaquePointer?
        guard EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_RSA_N, &n) == 1, let n,
            EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_RSA_E, &e) == 1, let e
        else { throw Self.openssl("EVP_PKEY_get_bn_param") }
        defer {
            BN_free(n)
            BN_free(e)
        }
        let words = 64
        guard BN_num_bits(n) == 2048 else { throw DiagnosticsError.badKey("The ADB key is not a 2048-bit RSA key; move it away and run again to make a new one.") }
        var modulus = [UInt8](repeating: 0, count: words * 4)
        _ = BN_bn2lebinpad(n, &modulus, Int32(modulus.count))
        // R² mod n.
        guard let ctx = BN_CTX_new(), let r2 = BN_new(), let rr = BN_new() else { throw Self.openssl("BN_new") }
        defer {
            BN_CTX_free(ctx)
            BN_free(r2)
            BN_free(rr)
        }
        BN_zero_ex(r2)
        guard BN_set_bit(r2, Int32(words * 32 * 2)) == 1, BN_div(nil, rr, r2, n, ctx) == 1 else {
            throw Self.openssl("BN_div")
        }
        var rrBytes = [UInt8](repeating: 0, count: words * 4)
        _ = BN_bn2lebinpad(rr, &rrBytes, Int32(rrBytes.count))
        // n0inv by Newton's iteration modulo 2³² (n is odd).
        let n0 = UInt32(modulus[0]) | UInt32(modulus[1]) << 8 | UInt32(modulus[2]) << 16 | UInt32(modulus[3]) << 24
        var inverse: UInt32 = n0
        for _ in 0..<5 { inverse = inverse &* (2 &- n0 &* inverse) }
        let n0inv = 0 &- inverse
        let exponent = UInt32(BN_get_word(e))

        var out = Data()
        func le(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { out.append(contentsOf: $0) } }
        le(UInt32(words))
        le(n0inv)
        out.append(contentsOf: modulus)
        out.append(contentsOf: rrBytes)
        le(exponent)
        return out
    }

    /// An OpenSSL call failed: the code `.badKey`, OpenSSL's own error text in the sentence.
    private static func openssl(_ function: String) -> DiagnosticsError {
        let code = ERR_get_error()
        var buffer = [CChar](repeating: 0, count: 256)
        ERR_error_string_n(code, &buffer, buffer.count)
        let detail = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return .badKey("OpenSSL failed in \(function) (\(detail)); check that libssl3 is installed correctly.")
    }
}
