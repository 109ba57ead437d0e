// SPDX-License-Identifier: Apache-2.0
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Reads a Samsung phone's identity and locks over its CDC ACM modem tty (`/dev/ttyACM*`, 115200 8N1), one
/// information command at a time, each with its own timeout: a command the firmware does not answer stays out of
/// the report, a modem that never answers gives a report of nothing but its advice. The blocking tty I/O runs on a
/// thread of its own, never on the cooperative pool.
public enum SamsungModemReader {
    public static func read(tty path: String, commandTimeout: Duration = .milliseconds(800), usbSerial: String? = nil)
        async throws -> DeviceReport
    {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<DeviceReport, any Error>) in
            let thread = Thread {
                do {
                    let replies = try exchange(path: path, commands: SamsungAT.readCommands, timeout: commandTimeout)
                    continuation.resume(returning: SamsungAT.report(replies: replies, usbSerial: usbSerial))
                } catch {
                    continuation.resume(throwing: error)
                }
            }
            thread.start()
        }
    }

    /// Sends each command and collects its reply (`nil` after `timeout` without a final result line).
    static func exchange(path: String, commands: [String], timeout: Duration) throws -> [String: SamsungAT.Reply?] {
        let fd = open(path, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else { throw DiagnosticsError.modemUnopened(path, errno: errno) }
        defer { close(fd) }
        var settings = termios()
        if tcgetattr(fd, &settings) == 0 {
            cfmakeraw(&settings)
            cfsetispeed(&settings, speed_t(B115200))
            cfsetospeed(&settings, speed_t(B115200))
            _ = tcsetattr(fd, TCSANOW, &settings)
        }
        _ = tcflush(fd, TCIOFLUSH)
        var replies: [String: SamsungAT.Reply?] = [:]
        let timeoutMS = Double(timeout.components.seconds) * 1000 + Double(timeout.components.attoseconds) / 1e15
        for command in commands {
            let line = Array((command + "\r").utf8)
            guard line.withUnsafeBytes({ write(fd, $0.baseAddress, $0.count) }) == line.count else {
                throw DiagnosticsError.stoppedAnswering(step: "its modem \(path)", underlying: DiagnosticsError.posix(errno))
            }
            var received: [UInt8] = []
            var reply: SamsungAT.Reply?
            let deadline = Date().addingTimeInterval(timeoutMS / 1000)
            while reply == nil {
                let left = deadline.timeIntervalSinceNow
                if left <= 0 { break }
                var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
                let ready = poll(&pfd, 1, Int32(max(1, left * 1000)))
                if ready < 0 && errno == EINTR { continue }
                guard ready > 0 else { continue }
                if pfd.revents & Int16(POLLHUP | POLLERR) != 0 && pfd.revents & Int16(POLLIN) == 0 {
                    throw DiagnosticsError.deviceGone(step: "its modem \(path)")
                }
                var buffer = [UInt8](repeating: 0, count: 4096)
                let n = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
                if n > 0 {
                    received += buffer[0..<n]
                    // A reply is a few hundred bytes; a modem streaming more is answering garbage.
                    if received.count > 64 * 1024 { break }
                    reply = SamsungAT.reply(String(decoding: received, as: UTF8.self), to: command)
                } else if n == 0 {
                    throw DiagnosticsError.deviceGone(step: "its modem \(path)")
                }
            }
            replies[command] = .some(reply)
        }
        return replies
    }
}
