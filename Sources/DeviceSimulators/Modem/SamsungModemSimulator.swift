// SPDX-License-Identifier: Apache-2.0
import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A Samsung phone's CDC ACM modem on a pseudo-terminal: the agent opens `ttyPath` as it would `/dev/ttyACM0`. It
/// answers as shipping firmware does (`ro.product_ship=true`): the information commands answered, any other a bare
/// `OK`; or never answers; or answers garbage. Every command line it received is kept.
public final class SamsungModemSimulator: Sendable {
    public enum Behavior: Sendable, Hashable {
        case shipping
        case silent
        case garbage
    }

    public struct Phone: Sendable, Hashable {
        public var model: String
        public var firmware: String
        public var csc: String
        public var serial: String
        public var imei: String
        public var simLock: String
        public var reactivationLocked: Bool
        /// What `AT+SVCIFPGM=1,4` answers after `+SVCIFPGM:1,4,` (some firmware, community research); `nil`: a bare
        /// `OK`, as shipping firmware answers what is off its whitelist.
        public var networkLockAnswer: String?

        public init(
            model: String, firmware: String, csc: String, serial: String, imei: String, simLock: String, reactivationLocked: Bool,
            networkLockAnswer: String? = nil
        ) {
            self.model = model
            self.firmware = firmware
            self.csc = csc
            self.serial = serial
            self.imei = imei
            self.simLock = simLock
            self.reactivationLocked = reactivationLocked
            self.networkLockAnswer = networkLockAnswer
        }

        /// A Galaxy A54 (SM-A546B) on shipping firmware, Reactivation Lock off.
        public static let galaxyA54 = Phone(
            model: "SM-A546B", firmware: "A546BXXS8CXK1/A546BOXM8CXK1/A546BXXS8CXK1/A546BXXS8CXK1", csc: "SKZ",
            serial: "R5CW20ABCDE", imei: "354712100123456", simLock: "NONE", reactivationLocked: false)
    }

    public let ttyPath: String
    private let master: Int32
    private let slave: Int32
    private let behavior: Behavior
    private let phone: Phone
    private let received = Mutex<[String]>([])
    private let stopped = Atomic<Bool>(false)

    /// Every command line received, in order.
    public var commandsReceived: [String] { received.withLock { $0 } }

    public init(_ phone: Phone = .galaxyA54, behavior: Behavior = .shipping) throws {
        // posix_openpt(3) by hand (Glibc's module leaves it out): the multiplexer, unlock, then the number.
        let master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC)
        var unlock: CInt = 0
        var number: CUnsignedInt = 0
        guard master >= 0, ioctl(master, Self.tiocsptlck, &unlock) == 0, ioctl(master, Self.tiocgptn, &number) == 0 else {
            throw SimulatorError(description: "Could not open a pseudo-terminal: \(String(cString: strerror(errno))).")
        }
        let path = "/dev/pts/\(number)"
        // Hold the slave open, raw (no echo), so the line stays up between the agent's opens.
        let slave = open(path, O_RDWR | O_NOCTTY)
        guard slave >= 0 else { throw SimulatorError(description: "Could not open \(path): \(String(cString: strerror(errno))).") }
        var settings = termios()
        tcgetattr(slave, &settings)
        cfmakeraw(&settings)
        tcsetattr(slave, TCSANOW, &settings)
        self.master = master
        self.slave = slave
        self.ttyPath = path
        self.behavior = behavior
        self.phone = phone
        let thread = Thread { [self] in serve() }
        thread.start()
    }

    /// Stops answering. The serving thread closes the descriptors itself once it has left its loop (within one
    /// 50 ms poll): closed here, their numbers could go to the next simulator's pseudo-terminal while this thread
    /// still polls them, and it would answer that one's reader as this modem.
    public func stop() {
        _ = stopped.exchange(true, ordering: .acquiringAndReleasing)
    }

    deinit { stop() }

    /// `_IOW('T', 0x31, int)` and `_IOR('T', 0x30, unsigned int)` in the generic ioctl encoding (x86-64, arm64):
    /// Swift does not import these function-like macros.
    private static let tiocsptlck: UInt = 0x4004_5431
    private static let tiocgptn: UInt = 0x8004_5430

    public struct SimulatorError: Error, CustomStringConvertible {
        public let description: String
    }

    private func serve() {
        var pending: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 1024)
        while !stopped.load(ordering: .acquiring) {
            var pfd = pollfd(fd: master, events: Int16(POLLIN), revents: 0)
            guard poll(&pfd, 1, 50) > 0, pfd.revents & Int16(POLLIN) != 0 else { continue }
            let n = buffer.withUnsafeMutableBytes { read(master, $0.baseAddress, $0.count) }
            guard n > 0 else { continue }
            pending += buffer[0..<n]
            while let end = pending.firstIndex(where: { $0 == 0x0d || $0 == 0x0a }) {
                let line = String(decoding: pending[..<end], as: UTF8.self).trimmingCharacters(in: .whitespaces)
                pending.removeSubrange(...end)
                guard !line.isEmpty else { continue }
                received.withLock { $0.append(line) }
                if let answer = answer(line) { send(answer) }
            }
        }
        close(slave)
        close(master)
    }

    private func answer(_ command: String) -> String? {
        switch behavior {
        case .silent: return nil
        case .garbage: return "\u{1}\u{7f}+DEVCON\u{0}INFO: MN(;;))((\r\n+IMEINUM:12\r\n\u{fe}"
        case .shipping: break
        }
        let p = phone
        switch command.uppercased() {
        case "AT":
            return "\r\nOK\r\n"
        case SamsungATCommands.devconinfo:
            return "\r\n+DEVCONINFO: MN(\(p.model));BASE(SLSI);VER(\(p.firmware));HIDVER(\(p.firmware));MNC();MCC();PRD(\(p.csc));;"
                + "OMCCODE();SN(\(p.serial));IMEI(\(p.imei));UN(R5CW20ABCDE00000);PN();CON(AT,MTP);LOCK(\(p.simLock));LIMIT(FALSE);"
                + "SDP(RUNTIME);HVID(Data:196609,Cache:262145,System:327681);USER(OFF)\r\n\r\nOK\r\n"
        case SamsungATCommands.imeinum:
            return "\r\n+IMEINUM:\(p.imei)\r\n\r\nOK\r\n"
        case SamsungATCommands.reactivation:
            return "\r\n+REACTIVE:1,\(p.reactivationLocked ? "LOCK" : "UNLOCK")\r\n\r\nOK\r\n"
        case SamsungATCommands.networkLock where p.networkLockAnswer != nil:
            return "\r\n+SVCIFPGM:1,4,\(p.networkLockAnswer ?? "")\r\n\r\nOK\r\n"
        default:
            // Shipping firmware: anything off its whitelist gets a bare OK.
            return "\r\nOK\r\n"
        }
    }

    private func send(_ text: String) {
        let bytes = Array(text.utf8)
        _ = bytes.withUnsafeBytes { write(master, $0.baseAddress, $0.count) }
    }
}

/// The command spellings the simulated firmware knows (the same words as the agent's, written out here so the
/// simulator does not take them from the code it checks).
enum SamsungATCommands {
    static let devconinfo = "AT+DEVCONINFO"
    static let imeinum = "AT+IMEINUM"
    static let reactivation = "AT+REACTIVE=1,0,0"
    static let networkLock = "AT+SVCIFPGM=1,4"
}
