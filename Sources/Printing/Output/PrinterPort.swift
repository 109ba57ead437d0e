// SPDX-License-Identifier: Apache-2.0
import Foundation
import Glibc

/// Sends a finished slip to a receipt printer's device node (`/dev/usb/lp0`, from the kernel's usblp driver) or to a
/// file.
///
/// A device node is opened without creating anything and written with a deadline: usblp blocks a writer while the
/// printer is out of paper or its cover is open, so a write that makes no progress for ``timeoutSeconds`` is
/// reported as a printer problem instead of hanging the bench. A path outside `/dev` is a file, created or
/// replaced and synced.
public struct PrinterPort: Sendable {
    public let path: String
    public let timeoutSeconds: Int

    public init(path: String, timeoutSeconds: Int = 10) {
        self.path = path
        self.timeoutSeconds = timeoutSeconds
    }

    /// The receipt printers the kernel's usblp driver has bound (`/dev/usb/lp0`, ...), in order: a printer of USB
    /// class 07 that the watcher saw arrive appears here once the driver has it.
    public static func attachedPrinters(in directory: String = "/dev/usb") -> [String] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return [] }
        return names.filter { $0.hasPrefix("lp") && $0.dropFirst(2).allSatisfy(\.isNumber) && $0.count > 2 }
            .sorted { (Int($0.dropFirst(2)) ?? 0) < (Int($1.dropFirst(2)) ?? 0) }
            .map { directory + "/" + $0 }
    }

    /// Whether the path names a device (anything under `/dev/`, or an existing character device).
    public var isDevice: Bool {
        if path.hasPrefix("/dev/") { return true }
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFCHR
    }

    /// Writes all of `bytes`, or throws a sentence saying what is wrong with the printer and what to do.
    public func send(_ bytes: [UInt8]) throws(PrintError) {
        let device = isDevice
        let flags = device ? (O_WRONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC) : (O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC)
        let fd = open(path, flags, 0o644)
        guard fd >= 0 else { throw openFailure(errno, device: device) }
        defer { close(fd) }
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { buffer in
                write(fd, buffer.baseAddress! + offset, buffer.count - offset)
            }
            if written > 0 {
                offset += written
                continue
            }
            let code = written < 0 ? errno : EIO
            if code == EINTR { continue }
            if code == EAGAIN || code == EWOULDBLOCK {
                var poller = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
                let ready = poll(&poller, 1, Int32(timeoutSeconds * 1000))
                if ready > 0, poller.revents & Int16(POLLERR | POLLHUP) == 0 { continue }
                if ready < 0, errno == EINTR { continue }
                throw PrintError(
                    "The printer at \(path) took no data for \(timeoutSeconds) seconds (out of paper, cover open or offline?): fix it and print the certificate again.")
            }
            throw writeFailure(code, device: device)
        }
        if !device, fsync(fd) != 0 { throw writeFailure(errno, device: false) }
    }

    private func openFailure(_ code: Int32, device: Bool) -> PrintError {
        switch (code, device) {
        case (ENOENT, true), (ENODEV, true), (ENXIO, true):
            PrintError("No printer at \(path): check that it is plugged in and switched on, then print the certificate again.")
        case (EACCES, _), (EPERM, _):
            PrintError("No permission to write to \(path): run as a member of the printer's group (lp) or fix the udev rule.")
        case (EBUSY, true):
            PrintError("The printer at \(path) is busy with another program: wait for it, then print again.")
        case (ENOENT, false):
            PrintError("Cannot create \(path): the directory does not exist.")
        default:
            PrintError("Cannot open \(path): \(String(cString: strerror(code))).")
        }
    }

    private func writeFailure(_ code: Int32, device: Bool) -> PrintError {
        if device {
            return PrintError(
                "The printer at \(path) stopped taking data (\(String(cString: strerror(code)))): check paper and cable, then print the certificate again.")
        }
        return PrintError("Cannot write \(path): \(String(cString: strerror(code))).")
    }
}

/// A printing failure: one sentence saying what is wrong and what to do. The certificate stays issued.
public struct PrintError: Error, Sendable, Hashable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
