// SPDX-License-Identifier: Apache-2.0
import Foundation
import Testing

/// udev/51-intake-agent.rules, checked without udevd (no `udevadm verify` in Debian 12's systemd 252, and
/// `udevadm test` needs a real device): every line parses with keys udev knows, every GOTO has its LABEL,
/// and a small evaluator of udev's matching semantics runs the rules on the emulated devices' attributes.
struct UdevRulesTests {
    static let rulesPath = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../../udev/51-intake-agent.rules").standardized.path

    // MARK: - Parsing

    /// One `KEY{attr}OP"value"` of a rule line.
    struct Term: Equatable {
        var key: String
        var attribute: String?
        var op: String
        var value: String
    }

    enum Line {
        case label(String)
        case rule([Term], line: Int)
    }

    static let matchKeys: Set = ["ACTION", "SUBSYSTEM", "KERNEL", "ENV", "ATTR", "ATTRS", "DRIVER", "DRIVERS", "TAG"]
    static let assignKeys: Set = ["MODE", "GROUP", "OWNER", "GOTO", "IMPORT", "ENV", "TAG", "RUN", "SYMLINK"]

    static func parse(_ text: String) throws -> [Line] {
        var lines: [Line] = []
        for (number, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            var terms: [Term] = []
            var rest = Substring(line)
            while !rest.isEmpty {
                let key = rest.prefix { $0.isUppercase || $0 == "_" }
                rest = rest.dropFirst(key.count)
                var attribute: String?
                if rest.first == "{" {
                    let inner = rest.dropFirst().prefix { $0 != "}" }
                    attribute = String(inner)
                    rest = rest.dropFirst(inner.count + 2)
                }
                let op = rest.prefix { "=!+:-".contains($0) }
                rest = rest.dropFirst(op.count)
                guard !key.isEmpty, ["==", "!=", "=", "+=", ":="].contains(String(op)), rest.first == "\"" else {
                    throw TestbedError("line \(number + 1): cannot parse \(line)")
                }
                let value = rest.dropFirst().prefix { $0 != "\"" }
                rest = rest.dropFirst(value.count + 2)
                terms.append(Term(key: String(key), attribute: attribute, op: String(op), value: String(value)))
                rest = rest.drop { $0 == "," || $0 == " " }
            }
            if terms.count == 1, terms[0].key == "LABEL" {
                lines.append(.label(terms[0].value))
                continue
            }
            for term in terms {
                let known = term.op == "==" || term.op == "!=" ? matchKeys : assignKeys
                guard known.contains(term.key) else {
                    throw TestbedError("line \(number + 1): \(term.key) cannot be used with \(term.op)")
                }
            }
            lines.append(.rule(terms, line: number + 1))
        }
        return lines
    }

    // MARK: - Evaluating

    /// What udev knows about a device when it runs the rules.
    struct Event {
        var action = "add"
        var subsystem = "usb"
        var kernel = "1-2"
        var env: [String: String] = ["DEVTYPE": "usb_device"]
        var attributes: [String: String] = [:]
        /// Attributes of parents (ATTRS walks up the device chain).
        var parentAttributes: [String: String] = [:]
    }

    /// Runs the rules like udev: terms match with shell globs and `|` alternatives, GOTO jumps forward to its
    /// LABEL. Returns the MODE and GROUP assigned.
    static func evaluate(_ lines: [Line], _ event: Event) -> (mode: String?, group: String?) {
        var mode: String?
        var group: String?
        var env = event.env
        var index = 0
        func matches(_ pattern: String, _ value: String?) -> Bool {
            guard let value else { return false }
            return pattern.split(separator: "|").contains { fnmatch(String($0), value, 0) == 0 }
        }
        while index < lines.count {
            defer { index += 1 }
            guard case .rule(let terms, _) = lines[index] else { continue }
            let allMatch = terms.filter { $0.op == "==" || $0.op == "!=" }.allSatisfy { term in
                let actual: String? =
                    switch term.key {
                    case "ACTION": event.action
                    case "SUBSYSTEM": event.subsystem
                    case "KERNEL": event.kernel
                    case "ENV": env[term.attribute ?? ""]
                    case "ATTR": event.attributes[term.attribute ?? ""]
                    case "ATTRS": event.attributes[term.attribute ?? ""] ?? event.parentAttributes[term.attribute ?? ""]
                    default: nil
                    }
                return matches(term.value, actual) == (term.op == "==")
            }
            guard allMatch else { continue }
            for term in terms where term.op != "==" && term.op != "!=" {
                switch term.key {
                case "MODE": mode = term.value
                case "GROUP": group = term.value
                case "ENV": env[term.attribute ?? ""] = term.value
                case "GOTO":
                    guard let target = lines.firstIndex(where: { if case .label(term.value) = $0 { true } else { false } })
                    else { return (mode, group) }
                    index = target
                default: break
                }
            }
        }
        return (mode, group)
    }

    /// `ID_USB_INTERFACES` as udev's usb_id builds it: `:` then each distinct class triple of the active
    /// configuration followed by `:`.
    static func usbInterfaces(_ device: EmulatedDevice) -> String {
        let bytes = device.descriptors
        var triples: [String] = []
        var offset = Int(bytes[0])
        var configuration: UInt8 = 0
        while offset + 1 < bytes.count, bytes[offset] >= 2 {
            let length = Int(bytes[offset])
            if bytes[offset + 1] == 0x02 { configuration = bytes[offset + 5] }
            if bytes[offset + 1] == 0x04, length >= 9, configuration == device.activeConfiguration {
                let triple = USBDescriptors.hex(Array(bytes[(offset + 5)...(offset + 7)]))
                if !triples.contains(triple) { triples.append(triple) }
            }
            offset += length
        }
        return ":" + triples.map { $0 + ":" }.joined()
    }

    static func usbEvent(_ device: EmulatedDevice, action: String = "add") -> Event {
        let command = device.addCommand(id: "x", portPath: "1-2", devnum: 5)
        var event = Event(action: action)
        event.attributes = command["attributes"] as? [String: String] ?? [:]
        event.env["ID_USB_INTERFACES"] = usbInterfaces(device)
        return event
    }

    // MARK: - Tests

    @Test func rulesFileHasHeaderParsesAndEveryGotoHasItsLabel() throws {
        let text = try String(contentsOfFile: Self.rulesPath, encoding: .utf8)
        #expect(text.hasPrefix("# SPDX-License-Identifier: Apache-2.0\n"))
        let lines = try Self.parse(text)
        var labels: [String] = []
        var gotos: Set<String> = []
        var assignments: [[Term]] = []
        for line in lines {
            switch line {
            case .label(let name): labels.append(name)
            case .rule(let terms, _):
                gotos.formUnion(terms.filter { $0.key == "GOTO" }.map(\.value))
                if terms.contains(where: { $0.key == "MODE" || $0.key == "GROUP" }) { assignments.append(terms) }
            }
        }
        #expect(Set(labels).count == labels.count, "duplicate labels")
        #expect(gotos.isSubset(of: Set(labels)), "GOTO without LABEL: \(gotos.subtracting(labels))")
        #expect(assignments == [[Term(key: "MODE", op: "=", value: "0660"), Term(key: "GROUP", op: "=", value: "intake")]])
        // The first rule skips everything but add/bind.
        guard case .rule(let first, _) = lines.first else { Issue.record("no rules"); return }
        #expect(first.map(\.value) == ["add", "bind", "intake_end"])
    }

    @Test(arguments: [
        ("Samsung MTP+modem+ADB", EmulatedDevice.samsung, true),
        ("Samsung without debugging", .samsungNoDebug, true),
        ("Samsung modem only", .samsungModem, true),
        ("Xiaomi MTP", .xiaomiMTP, true),
        ("Pixel ADB", .pixel(serial: "P1"), true),
        ("receipt printer", .receiptPrinter, true),
        ("iPhone: left to usbmuxd", .iPhone, false),
        ("hub", .hub, false),
        ("keyboard", .keyboard, false),
    ] as [(String, EmulatedDevice, Bool)])
    func rulesGrantTheIntakeGroupExactlyThePhonesAndPrinters(_ name: String, _ device: EmulatedDevice, _ granted: Bool) throws {
        let lines = try Self.parse(String(contentsOfFile: Self.rulesPath, encoding: .utf8))
        let result = Self.evaluate(lines, Self.usbEvent(device))
        #expect((result.group == "intake") == granted, "\(name)")
        #expect((result.mode == "0660") == granted, "\(name)")
        // Nothing is granted on removal.
        #expect(Self.evaluate(lines, Self.usbEvent(device, action: "remove")).group == nil)
    }

    @Test func rulesGrantModemTtysOfPhoneMakersAndPrinterNodes() throws {
        let lines = try Self.parse(String(contentsOfFile: Self.rulesPath, encoding: .utf8))
        let samsungModem = Event(subsystem: "tty", kernel: "ttyACM0", env: [:], parentAttributes: ["idVendor": "04e8"])
        #expect(Self.evaluate(lines, samsungModem).group == "intake")
        let otherModem = Event(subsystem: "tty", kernel: "ttyACM1", env: [:], parentAttributes: ["idVendor": "1546"])
        #expect(Self.evaluate(lines, otherModem).group == nil)
        let serialConsole = Event(subsystem: "tty", kernel: "ttyS0", env: [:], parentAttributes: ["idVendor": "04e8"])
        #expect(Self.evaluate(lines, serialConsole).group == nil)
        let printer = Event(subsystem: "usbmisc", kernel: "lp0", env: [:])
        #expect(Self.evaluate(lines, printer).group == "intake")
    }

    @Test func usbInterfacesStringMatchesUdevFormat() {
        #expect(Self.usbInterfaces(.samsung) == ":060101:020201:0a0000:ff4201:")
        #expect(Self.usbInterfaces(.iPhone) == ":060101:fffe02:fffd01:")
    }
}
