// SPDX-License-Identifier: Apache-2.0
public import Foundation
import Grading
public import IntakeStore

/// The station's configuration: one JSON file whose every field has a default, so the agent works with no file
/// at all. Looked up in order: `--config PATH`, `$INTAKE_AGENT_CONFIG`, `/etc/intake-agent/config.json`,
/// `<data dir>/config.json`.
///
/// ```json
/// {"store_id": "ALA-MEGA2", "consultant": "A. Nurlanova", "printer": "/dev/usb/lp0", "paper_columns": 48,
///  "catalog_path": "/etc/intake-agent/catalog.json", "settings": ["accept_iphone_se_3rd_generation"]}
/// ```
///
/// `settings` are the rule-set settings by the names `--setting` takes on the command line (one spelling in
/// both places); the older `"accept_se_3rd_generation": true` is still read as that setting.
public struct AgentConfiguration: Sendable, Hashable, Codable {
    /// The store this bench stands in (an id from the store list); `nil` until set.
    public var storeID: String?
    /// Who works the bench, recorded in the audit log; `--consultant` overrides it.
    public var consultant: String?
    /// A printer device (`/dev/usb/lp0`), `usb` for the first USB receipt printer found, or `nil` for none.
    public var printer: String?
    /// 48 for 80 mm paper, 32 for 58 mm.
    public var paperColumns: Int
    /// The operator's edited price catalog; `nil` means the catalog built into the program.
    public var catalogPath: String?
    /// The operator's page is ambiguous on the iPhone SE 3rd generation; refused unless this is true.
    public var acceptSE3rdGeneration: Bool
    /// Rule-set settings switched on, by their `--setting` names (`RuleSet.knownSettings`).
    public var settings: [String] = []
    /// Where the console listens (`HOST:PORT`); `--listen` overrides it. `127.0.0.1:8480` when unset.
    public var listen: String?
    /// The chain registry (`postgres://...`); `INTAKE_AGENT_REGISTRY_URL` overrides it. `nil`: the embedded registry.
    public var registryURL: String?
    /// `refuse` (default) or `queue`: what issuance does while the chain registry is unreachable.
    public var offlineIssuance: OfflineIssuance = .refuse
    /// Seconds one chain operation may take before the chain counts as unreachable (default 5).
    public var registryTimeoutSeconds: Int = 5
    /// This station's two-character code in certificate numbers, as the chain assigned it; `--station-code`
    /// overrides it. `nil`: derived from the station key.
    public var stationCode: String?
    /// Live certificates (issued or printed, not expired) one holder may have at once: the FAQ's "one device per
    /// customer" (`trade-in-rules.md`), across the chain where the chain registry is used. Default 1.
    public var maxLiveCertificatesPerHolder: Int = 1
    /// The console's HTTPS certificate (PEM, with its chain) and private key; `--tls-certificate`/`--tls-key`
    /// override them. With both set the console may listen beyond loopback without `--insecure-http`.
    public var tlsCertificate: String?
    public var tlsKey: String?
    /// `erase`: how long an erased device may take to come back before the record says it could not be checked.
    public var eraseReturnTimeoutSeconds: Int = 600
    /// `erase` of an iPhone: keep the eSIM's cellular plan through the erase (MCInstall `PreserveDataPlan`).
    public var erasePreserveDataPlan: Bool = true
    /// Where the file was read from, `nil` when defaults are in force.
    public var source: String?

    /// The chain registry's settings in force (`INTAKE_AGENT_REGISTRY_URL` before `registry_url`), `nil` for none.
    public func chainSettings(environment: [String: String]) -> ChainSettings? {
        let url = environment["INTAKE_AGENT_REGISTRY_URL"].flatMap { $0.isEmpty ? nil : $0 } ?? registryURL
        return url.map {
            ChainSettings(url: $0, offlineIssuance: offlineIssuance, timeout: .seconds(registryTimeoutSeconds))
        }
    }

    /// Every rule-set setting in force: `settings` and the older boolean spelling of the SE 3rd generation one.
    public var ruleSettings: [String] {
        var all = settings
        if acceptSE3rdGeneration, !all.contains(RuleSet.acceptSE3rdGeneration) { all.append(RuleSet.acceptSE3rdGeneration) }
        return all
    }

    public init(
        storeID: String? = nil, consultant: String? = nil, printer: String? = nil, paperColumns: Int = 48,
        catalogPath: String? = nil, acceptSE3rdGeneration: Bool = false, source: String? = nil
    ) {
        self.storeID = storeID
        self.consultant = consultant
        self.printer = printer
        self.paperColumns = paperColumns
        self.catalogPath = catalogPath
        self.acceptSE3rdGeneration = acceptSE3rdGeneration
        self.source = source
    }

    enum CodingKeys: String, CodingKey {
        case storeID = "store_id", consultant, printer, paperColumns = "paper_columns", catalogPath = "catalog_path"
        case acceptSE3rdGeneration = "accept_se_3rd_generation", settings, listen
        case registryURL = "registry_url", offlineIssuance = "offline_issuance"
        case registryTimeoutSeconds = "registry_timeout_seconds", stationCode = "station_code"
        case maxLiveCertificatesPerHolder = "max_live_certificates_per_holder"
        case tlsCertificate = "tls_certificate", tlsKey = "tls_key"
        case eraseReturnTimeoutSeconds = "erase_return_timeout_seconds", erasePreserveDataPlan = "erase_preserve_data_plan"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        storeID = try c.decodeIfPresent(String.self, forKey: .storeID)
        consultant = try c.decodeIfPresent(String.self, forKey: .consultant)
        printer = try c.decodeIfPresent(String.self, forKey: .printer)
        paperColumns = try c.decodeIfPresent(Int.self, forKey: .paperColumns) ?? 48
        catalogPath = try c.decodeIfPresent(String.self, forKey: .catalogPath)
        acceptSE3rdGeneration = try c.decodeIfPresent(Bool.self, forKey: .acceptSE3rdGeneration) ?? false
        settings = try c.decodeIfPresent([String].self, forKey: .settings) ?? []
        listen = try c.decodeIfPresent(String.self, forKey: .listen)
        registryURL = try c.decodeIfPresent(String.self, forKey: .registryURL)
        offlineIssuance = try c.decodeIfPresent(OfflineIssuance.self, forKey: .offlineIssuance) ?? .refuse
        registryTimeoutSeconds = try c.decodeIfPresent(Int.self, forKey: .registryTimeoutSeconds) ?? 5
        stationCode = try c.decodeIfPresent(String.self, forKey: .stationCode)
        maxLiveCertificatesPerHolder = try c.decodeIfPresent(Int.self, forKey: .maxLiveCertificatesPerHolder) ?? 1
        tlsCertificate = try c.decodeIfPresent(String.self, forKey: .tlsCertificate)
        tlsKey = try c.decodeIfPresent(String.self, forKey: .tlsKey)
        eraseReturnTimeoutSeconds = try c.decodeIfPresent(Int.self, forKey: .eraseReturnTimeoutSeconds) ?? 600
        erasePreserveDataPlan = try c.decodeIfPresent(Bool.self, forKey: .erasePreserveDataPlan) ?? true
        source = nil
    }

    public struct Invalid: Error, CustomStringConvertible {
        public let description: String
    }

    /// Reads the configuration in force. A file that exists but cannot be read or parsed is an error naming the
    /// file and what is wrong; no file anywhere gives the defaults.
    public static func load(explicitPath: String?, dataDirectory: URL, environment: [String: String]) throws(Invalid)
        -> AgentConfiguration
    {
        var candidates: [(path: String, mustExist: Bool)] = []
        if let explicitPath { candidates.append((explicitPath, true)) }
        if let env = environment["INTAKE_AGENT_CONFIG"], !env.isEmpty { candidates.append((env, true)) }
        candidates.append(("/etc/intake-agent/config.json", false))
        candidates.append((dataDirectory.appendingPathComponent("config.json").path, false))
        for candidate in candidates {
            guard FileManager.default.fileExists(atPath: candidate.path) else {
                if candidate.mustExist {
                    throw Invalid(description: "The configuration file \(candidate.path) does not exist; create it or drop the --config option.")
                }
                continue
            }
            return try parse(path: candidate.path)
        }
        return AgentConfiguration()
    }

    static func parse(path: String) throws(Invalid) -> AgentConfiguration {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw Invalid(description: "The configuration file \(path) cannot be read (\(error.localizedDescription)); check its permissions.")
        }
        do {
            var config = try JSONDecoder().decode(AgentConfiguration.self, from: data)
            config.source = path
            if let unknown = config.settings.first(where: { !RuleSet.knownSettings.contains($0) }) {
                throw Invalid(description: "The configuration file \(path) names an unknown setting \(unknown); the settings are \(RuleSet.knownSettings.joined(separator: ", ")).")
            }
            guard (1...99).contains(config.maxLiveCertificatesPerHolder) else {
                throw Invalid(description: "The configuration file \(path) sets max_live_certificates_per_holder to \(config.maxLiveCertificatesPerHolder); use 1 (one device per customer) to 99.")
            }
            guard (1...120).contains(config.registryTimeoutSeconds) else {
                throw Invalid(description: "The configuration file \(path) sets registry_timeout_seconds to \(config.registryTimeoutSeconds); use 1 to 120.")
            }
            if let code = config.stationCode, StationCode(code) == nil {
                throw Invalid(description: "The configuration file \(path) sets station_code to \"\(code)\"; use two characters of \(String(CertificateNumber.alphabet)).")
            }
            guard config.eraseReturnTimeoutSeconds >= 0 else {
                throw Invalid(description: "The configuration file \(path) sets erase_return_timeout_seconds to \(config.eraseReturnTimeoutSeconds); use a number of seconds, 0 or more.")
            }
            guard config.paperColumns == 48 || config.paperColumns == 32 else {
                throw Invalid(description: "The configuration file \(path) sets paper_columns to \(config.paperColumns); use 48 (80 mm paper) or 32 (58 mm).")
            }
            return config
        } catch let invalid as Invalid {
            throw invalid
        } catch let DecodingError.typeMismatch(_, context), let DecodingError.valueNotFound(_, context),
            let DecodingError.dataCorrupted(context) where !context.codingPath.isEmpty
        {
            let field = context.codingPath.map(\.stringValue).joined(separator: ".")
            throw Invalid(description: "The configuration file \(path) has a wrong value for \(field); see README's Configuration section.")
        } catch {
            throw Invalid(description: "The configuration file \(path) is not valid JSON; fix it or move it away to use the defaults.")
        }
    }
}
