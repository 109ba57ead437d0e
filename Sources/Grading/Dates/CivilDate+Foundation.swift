// SPDX-License-Identifier: Apache-2.0
public import Foundation

extension CivilDate {
    /// The calendar day `date` falls on in `timeZone` (the bench's clock is read by the caller, never by Grading).
    public init(_ date: Date, in timeZone: TimeZone) {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let parts = calendar.dateComponents([.year, .month, .day], from: date)
        self = CivilDate(year: parts.year ?? 1970, month: parts.month ?? 1, day: parts.day ?? 1)
            ?? CivilDate(daysSinceEpoch: 0)
    }
}
