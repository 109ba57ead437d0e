// SPDX-License-Identifier: Apache-2.0
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A peer that closes its end must never end this process. libimobiledevice and libusbmuxd write to their
/// sockets with plain `write`/`send` (a TLS alert, a lockdown Goodbye), so a phone that drops its connection
/// would raise SIGPIPE, whose default action kills the process with no word. Ignored process-wide, the write
/// fails with EPIPE instead and the reader reports the device as gone. Our own sockets also pass
/// `MSG_NOSIGNAL` (ADBTCPTransport, the simulators), so they are safe in a host that did not call this.
public enum BrokenPipes {
    /// Call first thing in `main`, before any library opens a socket. Signal dispositions are inherited by
    /// threads, so every thread a library starts later inherits it too.
    public static func ignore() {
        _ = signal(SIGPIPE, SIG_IGN)
    }
}
