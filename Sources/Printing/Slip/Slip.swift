// SPDX-License-Identifier: Apache-2.0
public import Grading
public import IntakeStore

/// Paper the slip is laid out for, in characters of the printer's font A.
public enum PaperWidth: Int, Sendable, Hashable, CaseIterable {
    /// 80 mm paper: 48 columns, 576 dots.
    case mm80 = 48
    /// 58 mm paper: 32 columns, 384 dots.
    case mm58 = 32

    public var columns: Int { rawValue }
    public var dots: Int { self == .mm80 ? 576 : 384 }

    public init?(columns: Int) { self.init(rawValue: columns) }
}

/// One line, or block, of a slip before it is rendered as text or ESC/POS.
public enum SlipElement: Sendable, Hashable {
    case text(String, centered: Bool = false, bold: Bool = false, large: Bool = false)
    case rule
    case blank
    case qr(String)
}

/// The certificate slip the customer signs and keeps, in Kazakh and Russian (`trade-in-rules.md`, "Language"):
/// store, device, grade, amount in `KZT`, validity, holder with the IIN masked, the customer's signature line and
/// the QR code that verifies it offline.
public struct Slip: Sendable, Hashable {
    public let elements: [SlipElement]
    public let width: PaperWidth

    /// `pending`: issued while the chain registry was unreachable and not yet in it (`offline_issuance: "queue"`);
    /// the slip says so under the number.
    public init(certificate: Certificate, store: Store?, width: PaperWidth, pending: Bool = false) throws {
        let content = certificate.content
        let columns = width.columns
        var out: [SlipElement] = []
        out.append(.text("ТРЕЙД-ИН СЕРТИФИКАТЫ", centered: true, bold: true))
        out.append(.text("СЕРТИФИКАТ ТРЕЙД-ИН", centered: true, bold: true))
        out.append(.text("№ \(content.number)", centered: true, bold: true))
        if pending {
            out.append(.text("* ЖЕЛІ ТІЗІЛІМІНЕ ЕНГІЗІЛМЕГЕН *", centered: true, bold: true))
            out.append(.text("* ОЖИДАЕТ ВНЕСЕНИЯ В РЕЕСТР СЕТИ *", centered: true, bold: true))
        }
        out.append(.rule)
        var storeText = content.storeID
        if let store { storeText += ", \(store.city), \(store.address)" }
        out += Slip.field("Дүкен / Магазин:", storeText, columns)
        out += Slip.field("Құрылғы / Устройство:", "\(content.modelName) (\(content.modelIdentifier))", columns)
        if content.deviceKey.rawValue.hasPrefix("imei:") {
            out += Slip.field("IMEI:", String(content.deviceKey.rawValue.dropFirst(5)), columns)
        }
        if !content.deviceSerial.isEmpty {
            out += Slip.field("S/N:", content.deviceSerial, columns)
        }
        out += Slip.field("Санаты / Категория:", content.grade, columns)
        out += Slip.field("Ережелер / Правила:", content.ruleSet, columns)
        out.append(.rule)
        out.append(.text("СОМАСЫ / СУММА", centered: true))
        out.append(.text(content.amount.slipText, centered: true, bold: true, large: true))
        out.append(.rule)
        out += Slip.field("Берілді / Выдан:", Slip.date(content.issuedOn), columns)
        out += Slip.field("Жарамды / Действует до:", Slip.date(content.expiresOn), columns)
        out += Slip.field("Иесі / Владелец:", content.holderName, columns)
        out += Slip.field("ЖСН / ИИН:", content.holderIINMasked, columns)
        out.append(.rule)
        for paragraph in Slip.terms {
            out += Slip.wrap(paragraph, columns).map { .text($0) }
        }
        out.append(.blank)
        out += Slip.wrap("Клиенттің қолы / Подпись клиента:", columns).map { .text($0) }
        out.append(.blank)
        out.append(.text(String(repeating: "_", count: columns)))
        out.append(.blank)
        out.append(.qr(try certificate.payload().text))
        out.append(.text("Кілт / Ключ \(content.keyID.hex)", centered: true))
        elements = out
        self.width = width
    }

    /// The program's terms as the customer keeps them (`trade-in-rules.md`, "The certificate").
    static let terms = [
        "Сертификат бір рет, толық сомасымен, тек «Contract Phone» акциясы бойынша жаңа құрылғыға жұмсалады; басқа адамға берілмейді, ақшаға айырбасталмайды.",
        "Сертификат используется один раз, на всю сумму, только на новое устройство по акции «Contract Phone»; не передаётся и не обменивается на деньги.",
    ]

    /// `DD.MM.YYYY`, as dates are written in Kazakhstan.
    static func date(_ day: CivilDate) -> String {
        func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
        return "\(two(day.day)).\(two(day.month)).\(day.year)"
    }

    /// A label and its value on one line (value to the right) when they fit, else the label and then the value
    /// wrapped and indented by two.
    static func field(_ label: String, _ value: String, _ columns: Int) -> [SlipElement] {
        if label.count + 1 + value.count <= columns {
            return [.text(label + String(repeating: " ", count: columns - label.count - value.count) + value)]
        }
        return [.text(label)] + wrap(value, columns - 2).map { .text("  " + $0) }
    }

    /// Words to lines of at most `columns` characters; a word longer than a line is cut.
    static func wrap(_ text: String, _ columns: Int) -> [String] {
        var lines: [String] = []
        var current = ""
        for word in text.split(separator: " ") {
            var word = Substring(word)
            while word.count > columns {
                if !current.isEmpty {
                    lines.append(current)
                    current = ""
                }
                lines.append(String(word.prefix(columns)))
                word = word.dropFirst(columns)
            }
            if current.isEmpty {
                current = String(word)
            } else if current.count + 1 + word.count <= columns {
                current += " " + word
            } else {
                lines.append(current)
                current = String(word)
            }
        }
        if !current.isEmpty { lines.append(current) }
        return lines
    }
}
