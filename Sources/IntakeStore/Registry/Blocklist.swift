// SPDX-License-Identifier: Apache-2.0
public import Foundation
import Glibc
import Synchronization

/// The store's IMEI blocklist: `blocklist.txt` in the data directory, one IMEI a line, `#` starting a comment,
/// blank lines ignored. Read again whenever its modification time or size changes, so an edit takes effect at the
/// next lookup with no restart. No file means an empty list.
public final class Blocklist: Sendable {
    public static let fileName = "blocklist.txt"

    public let url: URL
    private let state = Mutex<State>(State())

    private struct State {
        var stamp: Stamp?
        var imeis: Set<String> = []
    }

    private struct Stamp: Equatable {
        var seconds: Int
        var nanoseconds: Int
        var size: Int
    }

    public init(url: URL) {
        self.url = url
    }

    public convenience init(dataDirectory: URL) {
        self.init(url: dataDirectory.appendingPathComponent(Blocklist.fileName))
    }

    /// Whether `imei` is listed (digits compared; spaces and dashes in the file are ignored).
    public func contains(imei: String) throws -> Bool {
        try current().contains(Blocklist.normalized(imei))
    }

    /// The listed IMEIs as now on disk.
    public func current() throws -> Set<String> {
        var info = stat()
        guard stat(url.path, &info) == 0 else {
            guard errno == ENOENT else {
                throw StoreError.io("Cannot read the blocklist \(url.path): \(String(cString: strerror(errno))).")
            }
            state.withLock { $0 = State() }
            return []
        }
        let stamp = Stamp(seconds: info.st_mtim.tv_sec, nanoseconds: info.st_mtim.tv_nsec, size: Int(info.st_size))
        if let cached = state.withLock({ $0.stamp == stamp ? $0.imeis : nil }) { return cached }
        let text: String
        do {
            text = try String(contentsOf: url, encoding: .utf8)
        } catch {
            throw StoreError.io("Cannot read the blocklist \(url.path) as UTF-8 text: fix or replace the file.")
        }
        let imeis = try Blocklist.parse(text, source: url.path)
        state.withLock { $0 = State(stamp: stamp, imeis: imeis) }
        return imeis
    }

    /// Parses the file's text; a line that is not 14–16 digits is an error naming the line.
    static func parse(_ text: String, source: String) throws -> Set<String> {
        var imeis: Set<String> = []
        for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = rawLine.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
            let digits = normalized(String(line))
            if digits.isEmpty { continue }
            guard (14...16).contains(digits.count), digits.allSatisfy(\.isASCII), digits.allSatisfy(\.isNumber) else {
                throw StoreError.invalid(
                    "Line \(index + 1) of the blocklist \(source) is not an IMEI: write one IMEI a line, comments after #.")
            }
            imeis.insert(digits)
        }
        return imeis
    }

    static func normalized(_ imei: String) -> String {
        imei.filter { !$0.isWhitespace && $0 != "-" }
    }
}
