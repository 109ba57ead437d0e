// SPDX-License-Identifier: Apache-2.0
//
// The one place where what a device said (Diagnostics' `DeviceReport`) becomes what the rules read (Grading's
// `DeviceFacts`). Nothing here guesses: a fact the device did not give stays `nil`, and the checklist then asks
// the consultant.
public import Diagnostics
public import Grading

extension DeviceFacts {
    /// The facts a platform reader's report gives the rules.
    public init(report: DeviceReport) {
        let answered = report.pairing.allowsRead
        self.init(
            identifier: report.model.identifier,
            brand: report.model.brand,
            name: report.model.name,
            serial: report.serial,
            imeis: (report.imei ?? []).filter { !$0.isEmpty },
            storageGB: report.storageGB,
            batteryHealthPercent: report.battery?.healthPercent,
            readOverUSB: answered,
            // ActivationState says whether the phone is activated, not whether Activation Lock is on: that is
            // what Find My (reported, then confirmed on the phone) stands for.
            activationLocked: nil,
            findMyEnabled: report.locks.findMy,
            passcodeSet: report.locks.passcodeSet,
            accounts: report.locks.accounts,
            frpArmed: report.locks.frpArmed,
            mdmEnrolled: report.locks.mdm,
            carrierLocked: report.locks.networkLock.map(\.isLocked) ?? Self.carrierLock(simStatus: report.details?["sim_status"]),
            reactivationLocked: report.locks.reactivationLock
        )
    }

    /// `SIMStatus` names a carrier lock only when the inserted SIM is refused by it; other values say nothing
    /// about the lock (domain.md §0.4).
    static func carrierLock(simStatus: String?) -> Bool? {
        simStatus == "kCTSIMSupportSIMStatusOperatorLocked" ? true : nil
    }
}

extension DeviceReport {
    /// The report with `model.name` (and the brand, when the device gave none) filled in from the catalog.
    public func namedFrom(_ catalog: Catalog) -> DeviceReport {
        guard let identifier = model.identifier, let match = catalog.lookup(identifier).model else { return self }
        var copy = self
        copy.model.name = match.name
        if copy.model.brand == nil { copy.model.brand = match.brand }
        return copy
    }
}
