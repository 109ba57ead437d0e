// SPDX-License-Identifier: Apache-2.0

/// Grades a device from its facts and the consultant's answers under a rule set: blockers first, then the
/// functional and cosmetic axes and the price factor.
public enum Grader {
    public static func grade(
        family: DeviceFamily, facts: DeviceFacts, answers: ChecklistAnswers, blocklistedIMEIs: Set<String> = [],
        ruleSet: RuleSet
    ) -> GradeResult {
        var blockers: [Refusal] = []
        var pending: [CheckID] = []
        var outcomes: [CheckOutcome] = []
        var steps: [String] = []
        var functional = FunctionalGrade.ok
        var cosmetic = CosmeticGrade.a
        var functionalReasons: [String] = []
        var cosmeticReasons: [String] = []
        // A device may report a new battery above 100% of its design capacity: that reading is clamped. A typed
        // answer outside 0-100 is a typo: it counts as no answer, so the check stays pending.
        let typed = answers.batteryHealthPercent.flatMap { ChecklistAnswers.batteryRange.contains($0) ? $0 : nil }
        let battery = (facts.batteryHealthPercent.map { min(100, max(0, $0)) } ?? typed)

        for check in Checklist.checks(for: family) {
            let outcome = resolve(
                check, family: family, facts: facts, answers: answers, battery: battery, blocklist: blocklistedIMEIs,
                ruleSet: ruleSet)
            outcomes.append(outcome)
            switch (outcome.status, check.effect) {
            case (.fail, .blocker):
                blockers.append(Refusal(code: check.id.rawValue, reason: blockerReason(check.id, detail: outcome.detail)))
            case (.fail, .functional(let grade)):
                functional = max(functional, grade)
                functionalReasons.append("\(check.label.en) failed (\(grade.rawValue))")
            case (.fail, .cosmetic(let grade)):
                cosmetic = max(cosmetic, grade)
                cosmeticReasons.append("\(check.label.en) failed (\(grade.rawValue))")
            case (.pending, .functional):
                if answers.functional == nil { pending.append(check.id) }
            case (.pending, .cosmetic):
                if answers.cosmetic == nil { pending.append(check.id) }
            case (.pending, .bonus):
                break  // an unanswered box or charger question means no bonus, never a pending offer
            case (.pending, _):
                pending.append(check.id)
            default:
                break
            }
        }

        if let overall = answers.functional {
            if overall > functional { functionalReasons.insert("the consultant's overall functional grade is \(overall.rawValue)", at: 0) }
            functional = max(functional, overall)
        }
        if let overall = answers.cosmetic {
            if overall > cosmetic { cosmeticReasons.insert("the consultant's overall cosmetic grade is \(overall.rawValue)", at: 0) }
            cosmetic = max(cosmetic, overall)
        }

        if blockers.isEmpty {
            steps.append("No blocker: the device works and no lock, account or blocklist entry stops the offer.")
        } else {
            steps.append("No offer: \(blockers.count) blocker\(blockers.count == 1 ? "" : "s") (\(blockers.map(\.code).joined(separator: ", "))).")
        }
        steps.append(
            "Functional \(functional.rawValue) (CTIA \(functional.ctia), \(functional.meaning)): "
                + (functionalReasons.isEmpty ? "no functional check failed." : functionalReasons.joined(separator: "; ") + "."))
        steps.append(
            "Cosmetic \(cosmetic.rawValue) (\(cosmetic.meaning)): "
                + (cosmeticReasons.isEmpty ? "no cosmetic check failed." : cosmeticReasons.joined(separator: "; ") + "."))
        let factor = ruleSet.factor(functional: functional, cosmetic: cosmetic)
        steps.append("Factor \(factor)% for functional \(functional.rawValue) and cosmetic \(cosmetic.rawValue) under rule set \(ruleSet.id).")
        if let battery {
            if let tier = ruleSet.batteryTier(for: battery) {
                steps.append("Battery health \(battery)% is under \(tier.belowPercent)%: \(tier.deductPercent)% is deducted.")
            } else {
                steps.append("Battery health \(battery)% needs no deduction.")
            }
        }
        if !pending.isEmpty {
            steps.append("Provisional until answered: \(pending.map(\.rawValue).joined(separator: ", ")).")
        }

        return GradeResult(
            ruleSetID: ruleSet.id, family: family, blockers: blockers, pending: pending, functional: functional,
            cosmetic: cosmetic, factorPercent: factor, batteryHealthPercent: battery,
            hasBox: answers[.boxPresent] == .pass && Checklist.definition(.boxPresent).applies(to: family),
            hasCharger: answers[.chargerPresent] == .pass && Checklist.definition(.chargerPresent).applies(to: family),
            steps: steps, checks: outcomes)
    }

    // MARK: - One check

    static func resolve(
        _ check: CheckDefinition, family: DeviceFamily, facts: DeviceFacts, answers: ChecklistAnswers, battery: Int?,
        blocklist: Set<String>, ruleSet: RuleSet
    ) -> CheckOutcome {
        let answer = answers[check.id]
        func fromDevice(_ status: CheckOutcome.Status, _ detail: String?) -> CheckOutcome {
            // A consultant's "fail" always wins over a device's "pass": the conservative reading.
            if status == .pass, answer == .fail { return CheckOutcome(id: check.id, status: .fail, answeredBy: "consultant", detail: detail) }
            return CheckOutcome(id: check.id, status: status, answeredBy: "device", detail: detail)
        }
        func fromConsultant(pendingDetail: String? = nil) -> CheckOutcome {
            guard let answer else { return CheckOutcome(id: check.id, status: .pending, answeredBy: nil, detail: pendingDetail) }
            return CheckOutcome(id: check.id, status: answer == .pass ? .pass : .fail, answeredBy: "consultant", detail: pendingDetail)
        }

        switch check.id {
        case .powersOn:
            return facts.readOverUSB ? fromDevice(.pass, "The device answered over USB.") : fromConsultant()
        case .activationLock:
            if facts.activationLocked == true { return fromDevice(.fail, "The device reports Activation Lock on.") }
            if facts.findMyEnabled == true { return fromDevice(.fail, "The device reports Find My on.") }
            // A "Find My off" reading can be wrong (domain.md §0.3): the consultant confirms on the phone.
            return fromConsultant(pendingDetail: facts.findMyEnabled == false ? "The device reported Find My off: confirm on the phone." : nil)
        case .accountsRemoved:
            if let accounts = facts.accounts, !accounts.isEmpty {
                return fromDevice(.fail, "Accounts on the device: \(accounts.map(accountName).joined(separator: ", ")).")
            }
            if facts.frpArmed == true { return fromDevice(.fail, "Factory Reset Protection is armed (a Google account was on the phone).") }
            if facts.reactivationLocked == true {
                return fromDevice(.fail, "Samsung Reactivation Lock is on (a Samsung account still holds the phone).")
            }
            if facts.accounts != nil, family == .androidPhone { return fromDevice(.pass, "No account on the device.") }
            return fromConsultant()
        case .screenLockRemoved:
            return deviceFlag(facts.passcodeSet, on: "A screen lock is set.", off: "No screen lock is set.", fromDevice, fromConsultant)
        case .mdm:
            return deviceFlag(facts.mdmEnrolled, on: "The device is enrolled in device management.", off: "No device management.", fromDevice, fromConsultant)
        case .carrierLock:
            return deviceFlag(facts.carrierLocked, on: "The device is locked to a carrier.", off: "No carrier lock.", fromDevice, fromConsultant)
        case .imeiValid:
            guard !facts.imeis.isEmpty else {
                return CheckOutcome(id: check.id, status: .pending, answeredBy: nil, detail: "No IMEI was read: type it from *#06# or the SIM tray.")
            }
            if let bad = facts.imeis.first(where: { !IMEI.isValid($0) }) {
                return fromDevice(.fail, "The IMEI \(bad) is not 15 digits with a valid check digit.")
            }
            return fromDevice(.pass, nil)
        case .imeiNotBlocklisted:
            guard !facts.imeis.isEmpty else {
                return CheckOutcome(id: check.id, status: .pending, answeredBy: nil, detail: "No IMEI was read to check against the blocklist.")
            }
            if let listed = facts.imeis.first(where: { blocklist.contains($0) }) {
                return CheckOutcome(id: check.id, status: .fail, answeredBy: "store_records", detail: "The IMEI \(listed) is on the store's blocklist.")
            }
            return CheckOutcome(id: check.id, status: .pass, answeredBy: "store_records", detail: nil)
        case .batteryHealth:
            guard let battery else {
                return CheckOutcome(id: check.id, status: .pending, answeredBy: nil, detail: "No battery health was read: read it in the device's settings.")
            }
            let by = facts.batteryHealthPercent != nil ? "device" : "consultant"
            let deducted = ruleSet.batteryTier(for: battery) != nil
            return CheckOutcome(id: check.id, status: deducted ? .fail : .pass, answeredBy: by, detail: "Battery health \(battery)%.")
        default:
            return fromConsultant()
        }
    }

    private static func deviceFlag(
        _ flag: Bool?, on: String, off: String, _ fromDevice: (CheckOutcome.Status, String?) -> CheckOutcome,
        _ fromConsultant: (String?) -> CheckOutcome
    ) -> CheckOutcome {
        switch flag {
        case true?: return fromDevice(.fail, on)
        case false?: return fromDevice(.pass, off)
        case nil: return fromConsultant(nil)
        }
    }

    /// A person's name for an Android account type.
    static func accountName(_ type: String) -> String {
        switch type {
        case "com.google": return "Google"
        case "com.osp.app.signin": return "Samsung"
        case "com.xiaomi": return "Xiaomi"
        case "com.huawei.hwid": return "Huawei"
        case "com.hihonor.id": return "Honor"
        case "com.oppo.usercenter", "com.heytap.usercenter", "com.coloros.account": return "Oppo/Realme (HeyTap)"
        case "com.bbk.account": return "Vivo"
        default: return type
        }
    }

    /// The sentence for a failed blocker check.
    static func blockerReason(_ id: CheckID, detail: String?) -> String {
        let read = detail.map { $0 + " " } ?? ""
        switch id {
        case .powersOn:
            return "The device does not power on, and the program takes working devices only."
        case .activationLock:
            return read + "Find My (Activation Lock) must be off: the customer turns it off and signs out of iCloud on the device."
        case .accountsRemoved:
            return read + "Every account (iCloud, Google, Samsung and others) must be removed from the device by the customer first."
        case .screenLockRemoved:
            return read + "The customer must remove the passcode, pattern or password first."
        case .mdm:
            return read + "A managed device is refused until the organisation that manages it releases it."
        case .carrierLock:
            return read + "A carrier-locked device is refused until the carrier unlocks it."
        case .imeiValid:
            return read + "Retype it from *#06#; a device with an invalid IMEI is refused."
        case .imeiNotBlocklisted:
            return read + "The device cannot be taken."
        case .ownershipConfirmed:
            return "The customer has not confirmed the device is theirs and not disputed, seized or pledged, so it cannot be taken."
        case .factoryReset:
            return "The device must be reset to factory settings before the sale."
        default:
            return read + "\(id.definition.label.en): failed."
        }
    }
}
