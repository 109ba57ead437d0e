// SPDX-License-Identifier: Apache-2.0
public import Foundation
public import Grading

extension CivilDate {
    /// Today at the store. The rules never read the clock; the agent does, here, in the store's time zone
    /// (`TZ`, else the system's; a bench in Kazakhstan runs on Asia/Almaty or Asia/Aqtobe time).
    public static func today(now: Date = Date(), timeZone: TimeZone = .current) -> CivilDate {
        CivilDate(now, in: timeZone)
    }
}
