// SPDX-License-Identifier: Apache-2.0
import Diagnostics
import Glibc

/// Tells when a file is written into, or moved into, a directory (inotify), so the answers spool looks when
/// something arrived instead of every second: an idle bench stays asleep. The watching thread blocks in `poll`
/// with no timeout; `stop()` wakes it through a pipe.
final class DirectoryWatch: Sendable {
    let changes: AsyncStream<Void>
    private let continuation: AsyncStream<Void>.Continuation
    private let inotify: Int32
    private let wakeRead: Int32
    private let wakeWrite: Int32

    /// `nil` when inotify cannot watch the directory (the spool then looks on a timer).
    init?(path: String) {
        let fd = inotify_init1(Int32(IN_CLOEXEC | IN_NONBLOCK))
        guard fd >= 0 else { return nil }
        guard inotify_add_watch(fd, path, UInt32(IN_CLOSE_WRITE | IN_MOVED_TO)) >= 0 else {
            close(fd)
            return nil
        }
        var ends: [Int32] = [0, 0]
        guard pipe(&ends) == 0 else {
            close(fd)
            return nil
        }
        for end in ends { _ = fcntl(end, F_SETFD, FD_CLOEXEC) }
        inotify = fd
        wakeRead = ends[0]
        wakeWrite = ends[1]
        (changes, continuation) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        BlockingWork.detach("spool watch") { [self] in watch() }
    }

    private func watch() {
        var buffer = [UInt8](repeating: 0, count: 4096)
        var fds = [pollfd(fd: inotify, events: Int16(POLLIN), revents: 0), pollfd(fd: wakeRead, events: Int16(POLLIN), revents: 0)]
        while true {
            let ready = poll(&fds, 2, -1)
            if ready < 0 && errno == EINTR { continue }
            guard ready > 0, fds[1].revents == 0 else { break }
            if fds[0].revents & Int16(POLLIN) != 0 {
                // Drain every queued event: one wake-up is enough for any number of files.
                while buffer.withUnsafeMutableBytes({ read(inotify, $0.baseAddress, $0.count) }) > 0 {}
                continuation.yield()
            }
        }
        close(inotify)
        close(wakeRead)
        close(wakeWrite)
        continuation.finish()
    }

    /// Ends the watch; `changes` finishes.
    func stop() {
        var one: UInt8 = 1
        _ = write(wakeWrite, &one, 1)
    }
}
