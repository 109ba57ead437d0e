// SPDX-License-Identifier: Apache-2.0
import AgentCLI
import ArgumentParser
import Foundation
import Grading
import IntakeStore

struct CertificateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "certificate",
        abstract: "Issues, shows, lists, verifies, voids and redeems certificates.",
        subcommands: [Issue.self, Show.self, List.self, Verify.self, VoidCertificate.self, RedeemCertificate.self, Key.self, IssueLoop.self]
    )
}

/// Options every certificate subcommand that changes something shares.
struct StationOptions: ParsableArguments {
    @Option(help: "Who does this, for the audit log; defaults to $USER.")
    var consultant: String?

    @Option(help: "This station's two-character code in certificate numbers, as assigned by the chain; defaults to one derived from the station key.")
    var stationCode: String?

    var resolvedConsultant: String {
        consultant ?? ProcessInfo.processInfo.environment["USER"] ?? "unknown"
    }

    func open(_ global: GlobalOptions, store: String? = nil) throws -> Station {
        try global.openStation(stationCode: stationCode, store: store)
    }
}

/// The keys a QR payload is verified with offline: the chain's list (`--keys`), and this station's own key, which
/// is trusted without a list (reading it never creates one).
func offlineKeyRing(_ keys: String?, dataDirectory: URL) throws -> KeyRing {
    var ring = try keys.map { try KeyRing(contentsOf: URL(fileURLWithPath: $0)) } ?? KeyRing()
    if let own = try? StationKey.loadExisting(in: dataDirectory) { try ring.add(publicKey: own.publicKey) }
    return ring
}

/// The refusal of a payload signed by a key the list does not hold.
func unknownKey(_ what: String, _ keyID: KeyID) -> Failure {
    Failure("\(what) is signed by station key \(keyID), which is not in the key list: get the chain's current list and pass it with --keys.")
}

/// Today on the bench's clock, in its time zone.
func benchToday() -> CivilDate { CivilDate(Date(), in: TimeZone.current) }

func parseNumber(_ text: String) throws -> CertificateNumber {
    guard let number = CertificateNumber(text) else {
        throw Failure("\"\(text)\" is not a certificate number (like ALA-2611-7KA2B3-X): check it, the last character is a check character.")
    }
    return number
}

func parseDate(_ text: String, _ what: String) throws -> CivilDate {
    guard let day = CivilDate(text) else { throw Failure("The \(what) \"\(text)\" is not a date: write it as YYYY-MM-DD.") }
    return day
}

func printSummary(_ certificate: Certificate) {
    let content = certificate.content
    Output.line("\(content.number)  \(certificate.status.rawValue)")
    Output.line("  amount:    \(content.amount.formatted)")
    Output.line("  holder:    \(content.holderName) (\(content.holderIINMasked))")
    Output.line("  device:    \(content.modelName) (\(content.modelIdentifier)), \(content.deviceKey)")
    Output.line("  grade:     \(content.grade), rule set \(content.ruleSet)")
    Output.line("  store:     \(content.storeID)")
    Output.line("  valid:     \(content.issuedOn) to \(content.expiresOn)")
    Output.line("  printed:   \(certificate.printCount) time(s); key \(content.keyID)")
    if let reason = certificate.voidReason { Output.line("  voided:    \(reason)") }
    if let split = certificate.redemption {
        Output.line("  redeemed:  prepayment \(split.certificateToPrepayment.formatted), first payment \(split.certificateToFirstPayment.formatted), balance \(split.certificateToBalance.formatted)")
    }
}

extension CertificateCommand {
    // MARK: - issue

    struct Issue: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Issues and signs a certificate for a graded device.")

        @OptionGroup var global: GlobalOptions
        @OptionGroup var station: StationOptions

        @Option(help: "The store's id, as in the store list (ALA-SAMAL2-100).")
        var store: String
        @Option(help: "The model: catalog name, identifier or model code (iPhone 11, iPhone12,1, SM-G973F).")
        var model: String
        @Option(help: "The identifier the device reported (iPhone12,1, SM-G973F); defaults to the catalog's first.")
        var modelIdentifier: String?
        @Option(help: "An IMEI of the device; repeat for each SIM slot.")
        var imei: [String] = []
        @Option(help: "The device's serial number (required when it has no IMEI).")
        var serial: String?
        @Option(help: "The accepted offer in whole tenge.")
        var amount: Int
        @Option(help: "The grade the device got.")
        var grade: String
        @Option(help: "The grading rule set's id; defaults to the current one.")
        var ruleSet: String = RuleSet.current.id
        @Option(help: "The holder's full name as on the identity document.")
        var holderName: String
        @Option(help: "The holder's 12-digit IIN.")
        var iin: String
        @Option(help: "The holder's birth date from the identity document (YYYY-MM-DD).")
        var birthDate: String
        @Option(help: "The issue date (YYYY-MM-DD); defaults to today, and may be up to 7 days back with --reason.")
        var issuedOn: String?
        @Option(help: "Why the certificate is dated before today, for the audit log.")
        var reason: String?
        @Flag(help: "Print the certificate as JSON.")
        var json = false

        func run() async throws {
            try await reportingFailures {
                let stores = try StoreList.loadDefault()
                guard let store = stores.store(id: store) else {
                    throw Failure("No store \"\(store)\" is in the store list: use an id such as \(stores.stores.first?.id ?? "ALA-SAMAL2-100").")
                }
                // The same catalog and rule settings as quote, intake and the daemon (the configuration file).
                let configuration = try global.loadConfiguration()
                let catalog = try StationRules.catalog(path: configuration.catalogPath)
                let match = catalog.lookup(model)
                guard let catalogModel = match.model else {
                    throw Failure(match.notFoundMessage ?? "The model \"\(model)\" is not in the catalog.")
                }
                guard let named = RuleSet.named(ruleSet) else {
                    throw Failure("The rule set \"\(TextInput.shown(ruleSet))\" is not one this intake-agent knows: leave --rule-set out to use \(RuleSet.current.id).")
                }
                let rules = configuration.ruleSettings.reduce(named) { $0.enabling($1) }
                // A malformed IMEI is refused, never dropped: the device would otherwise be certified without it.
                if let malformed = CertificateRules.malformedIMEIs(imei).first { throw Failure(malformed.reason) }
                let today = benchToday()
                let day = try issuedOn.map { try parseDate($0, "issue date") } ?? today
                let checked: ManualIssue.Accepted
                switch ManualIssue.check(
                    model: catalogModel, store: store, grade: grade, amount: Tenge(amount), ruleSet: rules, issuedOn: day,
                    today: today, reason: reason)
                {
                case .success(let accepted): checked = accepted
                case .failure(let refusal): throw Failure(refusal.description)
                }
                let request = IssueRequest(
                    amount: Tenge(amount), issuedOn: day, holderName: holderName, iin: iin,
                    birthDate: try parseDate(birthDate, "birth date"), store: store, model: catalogModel,
                    modelIdentifier: modelIdentifier, imeis: imei, serial: serial, grade: checked.grade.description,
                    ruleSet: rules.id, reason: day == today ? nil : reason)
                let opened = try station.open(global, store: store.id)
                let certificate = try await opened.issuer.issue(request, consultant: station.consultant ?? configuration.consultant ?? station.resolvedConsultant)
                if json { try Output.json(certificate.summary) } else { printSummary(certificate) }
            }
        }
    }

    // MARK: - show

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Shows a certificate, its audit trail and whether its signature holds.")

        @OptionGroup var global: GlobalOptions
        @Argument(help: "The certificate number.")
        var number: String
        @Flag(help: "Print the certificate as JSON.")
        var json = false

        func run() async throws {
            try await reportingFailures {
                let number = try parseNumber(number)
                let station = try global.openStation()
                guard let certificate = try await station.certificates.certificate(number) else {
                    throw StoreError.notFound(number)
                }
                let audit = try await station.certificates.audit(for: number, limit: nil)
                let pending = try await station.chain?.outboxState(number) == .pending
                if json {
                    try Output.json(ShowOutput(certificate: certificate.summary, audit: audit,
                                               payload: try certificate.payload().text))
                    return
                }
                printSummary(certificate)
                if pending { Output.line("  chain:     PENDING: issued while the chain registry was unreachable; pushed when it answers") }
                for entry in audit {
                    let extra = [entry.reason, entry.detail].compactMap { $0 }.joined(separator: "; ")
                    Output.line("  \(entry.time.formatted(.iso8601))  \(entry.event) by \(entry.consultant)\(extra.isEmpty ? "" : ": " + extra)")
                }
            }
        }

        struct ShowOutput: Encodable {
            var certificate: CertificateSummary
            var audit: [AuditEntry]
            var payload: String
        }
    }

    // MARK: - list

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Lists certificates, newest first, with IINs masked.")

        @OptionGroup var global: GlobalOptions
        @Option(help: "Only certificates in this status (issued, printed, redeemed, voided).")
        var status: String?
        @Option(help: "At most this many.")
        var limit: Int = 50
        @Flag(help: "Print the list as JSON.")
        var json = false

        func run() async throws {
            try await reportingFailures {
                var filter = CertificateFilter(limit: limit)
                if let status {
                    guard let parsed = CertificateStatus(rawValue: status) else {
                        throw Failure("The status \"\(status)\" is none of issued, printed, redeemed, voided.")
                    }
                    filter.status = parsed
                }
                let certificates = try await global.openStation().certificates.list(filter)
                if json {
                    try Output.json(certificates.map(\.summary))
                    return
                }
                for certificate in certificates {
                    let c = certificate.content
                    Output.line("\(c.number)  \(certificate.status.rawValue.padding(toLength: 8, withPad: " ", startingAt: 0))  \(c.issuedOn)  \(c.amount.formatted)  \(c.holderIINMasked)  \(c.modelName)")
                }
            }
        }
    }

    // MARK: - verify

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Verifies a certificate's signature from its QR payload (offline) or its number (in this registry).")

        @OptionGroup var global: GlobalOptions
        @Argument(help: "The QR payload as scanned, or a certificate number.")
        var certificate: String
        @Option(help: "The chain's station public keys, one Base64 key a line; this station's own key is always trusted.")
        var keys: String?
        @Option(help: "The day to check validity on (YYYY-MM-DD); defaults to today.")
        var on: String?
        @Flag(help: "Print the result as JSON.")
        var json = false

        func run() async throws {
            try await reportingFailures {
                let day = try on.map { try parseDate($0, "day") } ?? benchToday()
                let keyList = keys.map { URL(fileURLWithPath: $0) }
                let result: VerifyOutput
                if let number = CertificateNumber(certificate) {
                    let station = try global.openStation()
                    guard let stored = try await station.certificates.certificate(number) else { throw StoreError.notFound(number) }
                    var ring = try station.keyRing(adding: keyList)
                    // Against the chain: the issuing station's key comes from the chain's station table.
                    if let chain = station.chain {
                        for key in try await chain.stationKeys() { try ring.add(publicKey: key.publicKey) }
                    }
                    let valid = stored.verify(with: ring)
                    result = VerifyOutput(number: number, signatureValid: valid, keyID: stored.content.keyID,
                                          status: stored.status, expiresOn: stored.content.expiresOn,
                                          certificate: stored.summary)
                } else if let payload = CertificatePayload(text: certificate) {
                    let ring = try offlineKeyRing(keys, dataDirectory: global.resolvedDataDir)
                    result = VerifyOutput(number: payload.content.number, signatureValid: payload.verify(with: ring),
                                          keyID: payload.content.keyID, status: nil, expiresOn: payload.content.expiresOn,
                                          certificate: nil)
                    if !result.signatureValid, ring.keys[payload.content.keyID] == nil {
                        throw unknownKey("Certificate \(payload.content.number)", payload.content.keyID)
                    }
                } else {
                    throw Failure("That is neither a certificate number nor a certificate QR payload: scan the QR code again or type the number.")
                }
                if json { try Output.json(result) }
                guard result.signatureValid else {
                    throw Failure("Certificate \(result.number) FAILS verification: its contents do not match its signature, so it was altered or forged; do not accept it.")
                }
                if let status = result.status, status == .voided || status == .redeemed {
                    throw Failure("Certificate \(result.number) is genuine but \(status.rawValue): it cannot be spent.")
                }
                if day > result.expiresOn {
                    throw Failure("Certificate \(result.number) is genuine but expired after \(result.expiresOn): it is worthless now.")
                }
                if !json {
                    Output.line("Certificate \(result.number) is genuine (station key \(result.keyID)) and valid through \(result.expiresOn).")
                    if result.status == nil {
                        Output.line("Its status (issued, redeemed, voided) was not checked: this was an offline check of the payload; verify its number against the registry for that.")
                    }
                }
            }
        }

        struct VerifyOutput: Encodable {
            var number: CertificateNumber
            var signatureValid: Bool
            var keyID: KeyID
            var status: CertificateStatus?
            var expiresOn: CivilDate
            var certificate: CertificateSummary?

            enum CodingKeys: String, CodingKey {
                case number, signatureValid = "signature_valid", keyID = "key_id", status, expiresOn = "expires_on", certificate
            }
        }
    }

    // MARK: - void

    struct VoidCertificate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "void", abstract: "Voids a certificate that has not been spent, freeing its device.")

        @OptionGroup var global: GlobalOptions
        @OptionGroup var station: StationOptions
        @Argument(help: "The certificate number.")
        var number: String
        @Option(help: "Why it is voided, for the audit log.")
        var reason: String
        @Flag(help: "Print the certificate as JSON.")
        var json = false

        func run() async throws {
            try await reportingFailures {
                let number = try parseNumber(number)
                let registry = try station.open(global).certificates
                let certificate = try await registry.void(number, reason: reason, consultant: station.resolvedConsultant, at: Date())
                if json { try Output.json(certificate.summary) } else { Output.line("Certificate \(number) is void.") }
            }
        }
    }

    // MARK: - redeem

    struct RedeemCertificate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "redeem", abstract: "Spends a certificate, once, on a Contract Phone purchase and records the split.")

        @OptionGroup var global: GlobalOptions
        @OptionGroup var station: StationOptions
        @Argument(help: "The certificate number.")
        var number: String
        @Option(help: "The new device's price in whole tenge.")
        var price: Int
        @Option(help: "The contract's minimum prepayment in whole tenge.")
        var minPrepayment: Int
        @Option(help: "The contract's maximum prepayment in whole tenge.")
        var maxPrepayment: Int
        @Option(help: "The contract's term in months.")
        var months: Int
        @Flag(help: "Print the certificate and its split as JSON.")
        var json = false

        func run() async throws {
            try await reportingFailures {
                let number = try parseNumber(number)
                let registry = try station.open(global).certificates
                guard let certificate = try await registry.certificate(number) else { throw StoreError.notFound(number) }
                let contract = Redemption.Contract(
                    price: Tenge(price), minimumPrepayment: Tenge(minPrepayment), maximumPrepayment: Tenge(maxPrepayment),
                    months: months)
                let split: Redemption.Split
                switch Redemption.split(certificate: certificate.content.amount, contract: contract) {
                case .success(let value): split = value
                case .failure(let error): throw Failure(error.description)
                }
                let redeemed = try await registry.redeem(
                    number, split: split, on: benchToday(), consultant: station.resolvedConsultant, at: Date())
                if json { try Output.json(redeemed.summary) } else { printSummary(redeemed) }
            }
        }
    }

    // MARK: - key

    struct Key: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Prints this station's public key line for the chain's key list (created on first use).")

        @OptionGroup var global: GlobalOptions

        func run() async throws {
            try await reportingFailures {
                // Through the station, so a registry whose key went missing is reported instead of given a new key.
                let station = try global.openStation()
                Output.line(station.key.keyListLine)
            }
        }
    }

    // MARK: - issue-loop (hidden)

    /// Issues synthetic certificates until killed, printing each committed number: the crash-safety test kills it
    /// with SIGKILL at random moments.
    struct IssueLoop: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "issue-loop", abstract: "Issues synthetic certificates until killed (crash-safety testing).",
            shouldDisplay: false)

        @OptionGroup var global: GlobalOptions
        @OptionGroup var stationOptions: StationOptions
        @Option(help: "Stop after this many.")
        var count: Int = Int.max
        @Option(help: "Distinct devices to draw from, so duplicates are attempted and refused.")
        var devices: Int = 40
        @Option(help: "Six digits every synthetic IMEI shares, so several runs draw the same devices.")
        var devicePrefix: String?

        func run() async throws {
            try await reportingFailures {
                let station = try stationOptions.open(global)
                let synthetic = try SyntheticIssuance(run: devicePrefix)
                for index in 0..<count {
                    let request = synthetic.request(device: Int.random(in: 0..<devices), index: index)
                    do {
                        let certificate = try await station.issuer.issue(request, consultant: "crash-test")
                        Output.line("issued \(certificate.number) \(certificate.content.deviceKey)")
                    } catch StoreError.refused {
                        // A device drawn twice: the refusal is the point.
                        Output.line("refused")
                    }
                }
            }
        }
    }
}
