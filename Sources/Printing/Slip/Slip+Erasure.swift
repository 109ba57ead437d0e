// SPDX-License-Identifier: Apache-2.0
public import Foundation
public import Grading
public import IntakeStore

extension Slip {
    /// The erasure slip, the second slip of an intake, in Kazakh and Russian: the record's number and certificate,
    /// the device, the result, the method and its NIST SP 800-88 category, who verified it (the device, or only
    /// the consultant), when, by whom, and the QR code that verifies the record offline. No holder is named.
    public init(erasure record: ErasureRecord, store: Store?, width: PaperWidth, timeZone: TimeZone = .current) throws {
        let c = record.content
        let columns = width.columns
        var out: [SlipElement] = []
        out.append(.text("ДЕРЕКТЕРДІ ӨШІРУ АКТІСІ", centered: true, bold: true))
        out.append(.text("АКТ СТИРАНИЯ ДАННЫХ", centered: true, bold: true))
        out.append(.text("№ \(c.number)", centered: true, bold: true))
        out.append(.rule)
        out += Slip.field("Сертификат:", c.certificate.rawValue, columns)
        var storeText = c.storeID
        if let store { storeText += ", \(store.city), \(store.address)" }
        out += Slip.field("Дүкен / Магазин:", storeText, columns)
        let device = [c.device.make, c.device.model].filter { !$0.isEmpty }.joined(separator: " ")
        out += Slip.field("Құрылғы / Устройство:", "\(device) (\(c.device.modelIdentifier))", columns)
        if !c.device.serial.isEmpty { out += Slip.field("S/N:", c.device.serial, columns) }
        for imei in c.device.imeis { out += Slip.field("IMEI:", imei, columns) }
        out.append(.rule)
        out.append(.text(Slip.statusText(c.status).kazakh, centered: true, bold: true))
        out.append(.text(Slip.statusText(c.status).russian, centered: true, bold: true))
        out.append(.rule)
        out += Slip.field("Әдіс / Метод:", Slip.methodText(c.method), columns)
        out += Slip.field("NIST SP 800-88:", c.sanitization.capitalized, columns)
        out += Slip.field("Тексерді / Проверено:", Slip.verifierText(record), columns)
        out += Slip.field("Басталды / Начало:", Slip.time(c.startedAt, timeZone), columns)
        out += Slip.field("Аяқталды / Окончание:", Slip.time(c.finishedAt, timeZone), columns)
        out += Slip.field("Кеңесші / Консультант:", c.consultant, columns)
        out += Slip.field("Станция:", "\(c.station), \(c.tool)", columns)
        if !c.reason.isEmpty {
            out.append(.text("Себебі / Причина:"))
            out += Slip.wrap(c.reason, columns - 2).map { .text("  " + $0) }
        }
        out.append(.rule)
        out.append(.qr(try record.payload().text))
        out.append(.text("Кілт / Ключ \(c.keyID.hex)", centered: true))
        elements = out
        self.width = width
    }

    static func statusText(_ status: ErasureStatus) -> (kazakh: String, russian: String) {
        switch status {
        case .erased: ("ДЕРЕКТЕР ӨШІРІЛДІ", "ДАННЫЕ СТЁРТЫ")
        case .erasedUnverified: ("ӨШІРІЛДІ, ТЕКСЕРІЛМЕДІ", "СТЁРТО, НЕ ПРОВЕРЕНО")
        case .notErased: ("ӨШІРІЛМЕДІ", "НЕ СТЁРТО")
        }
    }

    static func methodText(_ method: ErasureMethod) -> String {
        switch method {
        case .iosMCInstall: "iOS: құрылғының өзі / самим устройством (MCInstall EraseDevice)"
        case .androidTradeInEvaluate: "Android Trade-In Mode: құрылғының өзі / самим устройством"
        case .guidedReset: "Баптаулар арқылы / через Настройки (кеңесші / консультант)"
        }
    }

    /// The device itself, or only the consultant: what the verification rests on.
    static func verifierText(_ record: ErasureRecord) -> String {
        let c = record.content
        switch c.status {
        case .erased: return "құрылғы / устройство"
        case .erasedUnverified where c.method == .guidedReset: return "тек кеңесші / только консультант"
        case .erasedUnverified: return "құрылғы жауап берді, оралуы тексерілмеді / устройство подтвердило, возврат не проверен"
        case .notErased: return "—"
        }
    }

    /// `DD.MM.YYYY HH:MM` on the bench's clock.
    static func time(_ date: Date, _ zone: TimeZone) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute], from: date)
        func two(_ n: Int?) -> String { String(format: "%02d", n ?? 0) }
        return "\(two(parts.day)).\(two(parts.month)).\(parts.year ?? 0) \(two(parts.hour)):\(two(parts.minute))"
    }
}
