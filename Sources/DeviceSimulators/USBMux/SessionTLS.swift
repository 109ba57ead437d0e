// SPDX-License-Identifier: Apache-2.0
//
// TLS on a simulated lockdownd session, as a real device turns it on after StartSession answers
// `EnableSessionSSL` true: libimobiledevice 1.3.0 then runs OpenSSL over the very socket (`idevice.c`,
// `idevice_connection_enable_ssl`, a socket BIO that writes with plain `write`), so a phone that drops its
// connection mid-session meets the client in the middle of a TLS write: SIGPIPE, unless the host ignores it.
// libimobiledevice does not verify the device's certificate, so the simulator serves a self-signed one made
// once per process.

import COpenSSL
import Foundation
import Synchronization

/// The simulator's TLS server context: one key and self-signed certificate for every simulated device.
final class SessionTLSContext: @unchecked Sendable {
    // SSL_CTX is reference-counted and safe to share between threads once configured (OpenSSL's threads doc).
    let context: OpaquePointer

    static let shared: SessionTLSContext? = SessionTLSContext()

    private init?() {
        guard let method = TLS_server_method(), let context = SSL_CTX_new(method) else { return nil }
        guard let key = copenssl_rsa_generate(2048), let certificate = Self.selfSigned(key) else {
            SSL_CTX_free(context)
            return nil
        }
        defer {
            X509_free(certificate)
            EVP_PKEY_free(key)
        }
        _ = copenssl_ctx_set_min_proto_version(context, TLS1_VERSION)
        _ = SSL_CTX_set_cipher_list(context, "ALL:@SECLEVEL=0")
        guard SSL_CTX_use_certificate(context, certificate) == 1, SSL_CTX_use_PrivateKey(context, key) == 1 else {
            SSL_CTX_free(context)
            return nil
        }
        self.context = context
    }

    private static func selfSigned(_ key: OpaquePointer) -> OpaquePointer? {
        guard let certificate = X509_new() else { return nil }
        X509_set_version(certificate, 2)
        ASN1_INTEGER_set(X509_get_serialNumber(certificate), 1)
        X509_gmtime_adj(X509_getm_notBefore(certificate), 0)
        X509_gmtime_adj(X509_getm_notAfter(certificate), 60 * 60 * 24 * 365)
        X509_set_pubkey(certificate, key)
        let name = X509_get_subject_name(certificate)
        _ = "Simulated lockdownd".withCString { value in
            X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, value, -1, -1, 0)
        }
        X509_set_issuer_name(certificate, name)
        guard X509_sign(certificate, key, EVP_sha256()) > 0 else {
            X509_free(certificate)
            return nil
        }
        return certificate
    }
}

/// One TLS session over a connection's socket; used by the connection's own thread only.
final class SessionTLS: @unchecked Sendable {
    private let ssl: OpaquePointer

    /// Accepts the client's handshake on `fd`; `nil` when it fails (the client gave up or spoke no TLS).
    init?(fd: Int32, context: SessionTLSContext) {
        guard let ssl = SSL_new(context.context) else { return nil }
        SSL_set_fd(ssl, fd)
        guard Self.withoutBrokenPipeSignal({ SSL_accept(ssl) }) == 1 else {
            SSL_free(ssl)
            return nil
        }
        self.ssl = ssl
    }

    deinit { SSL_free(ssl) }

    func read(exactly count: Int) -> [UInt8]? {
        var buffer = [UInt8](repeating: 0, count: count)
        var got = 0
        while got < count {
            // A read can write too (an alert when the client went away).
            let n = Self.withoutBrokenPipeSignal {
                buffer.withUnsafeMutableBytes { raw in SSL_read(ssl, raw.baseAddress! + got, Int32(count - got)) }
            }
            guard n > 0 else { return nil }
            got += Int(n)
        }
        return buffer
    }

    func write(_ bytes: [UInt8]) -> Bool {
        Self.withoutBrokenPipeSignal {
            var sent = 0
            while sent < bytes.count {
                let n = bytes.withUnsafeBytes { raw in SSL_write(ssl, raw.baseAddress! + sent, Int32(bytes.count - sent)) }
                guard n > 0 else { return false }
                sent += Int(n)
            }
            return true
        }
    }

    /// OpenSSL's socket BIO writes with plain `write`, so a client that went away (a phone erasing, unplugged)
    /// would raise SIGPIPE in the process hosting the simulator, which a test process does not ignore. The signal
    /// is blocked on this thread for the call and a pending one taken, so the write fails with EPIPE instead.
    static func withoutBrokenPipeSignal<T>(_ body: () -> T) -> T {
        var pipeSignal = sigset_t()
        sigemptyset(&pipeSignal)
        sigaddset(&pipeSignal, SIGPIPE)
        var previous = sigset_t()
        pthread_sigmask(SIG_BLOCK, &pipeSignal, &previous)
        defer {
            var now = timespec(tv_sec: 0, tv_nsec: 0)
            while sigtimedwait(&pipeSignal, nil, &now) > 0 {}
            pthread_sigmask(SIG_SETMASK, &previous, nil)
        }
        return body()
    }

    /// Ends TLS after StopSession: answers the client's close_notify when it sent one, so the plain-text
    /// requests that follow (Goodbye) are read as they come.
    func close(fd: Int32) {
        var first: UInt8 = 0
        // A TLS alert record starts with content type 21; a plain lockdown frame with its length's high byte.
        if recv(fd, &first, 1, Int32(MSG_PEEK)) == 1, first == 21 {
            var scratch = [UInt8](repeating: 0, count: 64)
            _ = Self.withoutBrokenPipeSignal { SSL_read(ssl, &scratch, Int32(scratch.count)) }
        }
        SSL_set_quiet_shutdown(ssl, 1)
        Self.withoutBrokenPipeSignal { _ = SSL_shutdown(ssl) }
    }
}
