// SPDX-License-Identifier: Apache-2.0
import Foundation

/// The accounting CSV of certificates (`registry export`, the console's export): RFC 4180 quoting, amounts in
/// whole tenge, the holder's IIN masked, never the full one.
public enum CertificateCSV {
    public static let header = "number,store_id,issued_on,expires_on,amount_kzt,status,model,grade,holder_iin_masked,consultant,print_count"

    public static func row(_ certificate: Certificate) -> String {
        let c = certificate.content
        return [
            c.number.rawValue, c.storeID, c.issuedOn.description, c.expiresOn.description, String(c.amount.amount),
            certificate.status.rawValue, c.modelName, c.grade, c.holderIINMasked, certificate.consultant,
            String(certificate.printCount),
        ].map(field).joined(separator: ",")
    }

    /// The whole file: the header and one line per certificate in number order, each line ended by CRLF.
    public static func document(_ certificates: [Certificate]) -> String {
        ([header] + certificates.sorted { $0.number < $1.number }.map(row)).map { $0 + "\r\n" }.joined()
    }

    static func field(_ text: String) -> String {
        // A leading =, +, - or @ would be a formula in a spreadsheet: quote it with a leading apostrophe.
        var value = text
        if let first = value.first, "=+-@".contains(first) { value = "'" + value }
        guard value.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) || value != text else { return value }
        return "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
