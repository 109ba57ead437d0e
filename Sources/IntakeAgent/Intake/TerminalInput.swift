// SPDX-License-Identifier: Apache-2.0
import Foundation
import Synchronization

/// Lines typed at the terminal, read on a thread of their own (never on the cooperative pool), and a way to stop
/// a question that is waiting: when the phone is unplugged the prompt ends at once instead of waiting for Enter.
final class TerminalInput: Sendable {
    enum Line: Sendable, Equatable {
        case text(String)
        /// ``interrupt()`` was called: the session no longer waits for this answer.
        case interrupted
        /// Standard input ended (Ctrl-D, or a script that ran out of lines).
        case ended
    }

    private struct State {
        var buffer: [UInt8] = []
        var interrupted = false
        var ended = false
    }

    private let fd: Int32
    private let wake: (read: Int32, write: Int32)
    private let state = Mutex(State())

    init(fd: Int32 = STDIN_FILENO) {
        self.fd = fd
        var pair: [Int32] = [-1, -1]
        if pipe(&pair) != 0 { pair = [-1, -1] }
        wake = (pair[0], pair[1])
    }

    deinit {
        if wake.read >= 0 { close(wake.read) }
        if wake.write >= 0 { close(wake.write) }
    }

    var isInterrupted: Bool { state.withLock { $0.interrupted } }

    /// Ends the question waiting now and every later one.
    func interrupt() {
        let first = state.withLock { state -> Bool in
            defer { state.interrupted = true }
            return !state.interrupted
        }
        if first, wake.write >= 0 {
            var byte: UInt8 = 1
            _ = write(wake.write, &byte, 1)
        }
    }

    /// Shows `prompt` (on standard error) and returns the next line without its line break. `hidden` turns the
    /// terminal's echo off, before the prompt shows, while the answer is typed (the IIN and the document number
    /// are then shown masked instead).
    func nextLine(prompt: String, hidden: Bool = false) async -> Line {
        await withCheckedContinuation { continuation in
            let thread = Thread { [self] in
                let restore = hidden ? echoOff() : nil
                FileHandle.standardError.write(Data(prompt.utf8))
                let line = blockingNextLine()
                if let restore {
                    var saved = restore
                    tcsetattr(fd, TCSANOW, &saved)
                    FileHandle.standardError.write(Data("\n".utf8))
                }
                continuation.resume(returning: line)
            }
            thread.name = "terminal-input"
            thread.start()
        }
    }

    private func echoOff() -> termios? {
        guard isatty(fd) == 1 else { return nil }
        var saved = termios()
        guard tcgetattr(fd, &saved) == 0 else { return nil }
        var quiet = saved
        quiet.c_lflag &= ~tcflag_t(ECHO)
        tcsetattr(fd, TCSANOW, &quiet)
        return saved
    }

    private func blockingNextLine() -> Line {
        while true {
            let ready = state.withLock { state -> Line? in
                if state.interrupted { return .interrupted }
                if let newline = state.buffer.firstIndex(of: 0x0a) {
                    var bytes = Array(state.buffer[..<newline])
                    state.buffer.removeSubrange(...newline)
                    if bytes.last == 0x0d { bytes.removeLast() }
                    return .text(String(decoding: bytes, as: UTF8.self))
                }
                if state.ended {
                    guard !state.buffer.isEmpty else { return .ended }
                    defer { state.buffer.removeAll() }
                    return .text(String(decoding: state.buffer, as: UTF8.self))
                }
                return nil
            }
            if let ready { return ready }
            var fds = [pollfd(fd: fd, events: Int16(POLLIN), revents: 0), pollfd(fd: wake.read, events: Int16(POLLIN), revents: 0)]
            let polled = poll(&fds, fds[1].fd >= 0 ? 2 : 1, -1)
            if polled < 0 {
                if errno == EINTR { continue }
                state.withLock { $0.ended = true }
                continue
            }
            if fds.count > 1, fds[1].revents != 0 {
                state.withLock { $0.interrupted = true }
                continue
            }
            guard fds[0].revents != 0 else { continue }
            var chunk = [UInt8](repeating: 0, count: 4096)
            let count = read(fd, &chunk, chunk.count)
            if count < 0, errno == EINTR || errno == EAGAIN { continue }
            state.withLock { state in
                if count <= 0 { state.ended = true } else { state.buffer += chunk[..<count] }
            }
        }
    }
}
