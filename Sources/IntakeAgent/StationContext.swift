// SPDX-License-Identifier: Apache-2.0
import AgentCLI
import Foundation
import Grading
import Intake
import IntakeStore
import Printing

/// Opens what a session needs on this station: configuration, catalog, store list, registry, keys, blocklist.
/// `intake`, `run` and `demo` share it so that the three behave alike.
struct StationContext {
    let configuration: AgentConfiguration
    let station: Station
    let context: IntakeContext
    /// The configured printer (`printer`, `paper_columns`), `nil` when the bench has none.
    let printer: StationPrinter?

    static func open(
        global: GlobalOptions, station options: StationOptions, store: String?, dataDirectory: URL? = nil
    ) throws -> StationContext {
        let dataDir = dataDirectory ?? global.resolvedDataDir
        let configuration = try global.loadConfiguration(dataDirectory: dataDir)
        let catalog = try StationRules.catalog(path: configuration.catalogPath)
        let ruleSet = StationRules.ruleSet(settings: configuration.ruleSettings)
        let stores = try StoreList.loadDefault()
        guard let storeID = store ?? configuration.storeID else {
            throw Failure("No store is set for this bench: pass --store ID or set store_id in the configuration (data/stores.csv lists the ids).")
        }
        guard stores.store(id: storeID) != nil else {
            throw Failure("The store \(storeID) is not in the store list: check the id (data/stores.csv lists them).")
        }
        let station = try dataDirectory.map { try Station(dataDirectory: $0) } ?? options.open(global, store: storeID)
        let consultant = options.consultant ?? configuration.consultant ?? options.resolvedConsultant
        let context = IntakeContext(
            appraiser: Appraiser(catalog: catalog, ruleSet: ruleSet), stores: stores, issuer: station.issuer,
            blocklist: Blocklist(dataDirectory: dataDir), storeID: storeID, consultant: consultant)
        return StationContext(
            configuration: configuration, station: station, context: context, printer: try printer(configuration))
    }

    /// The station's printer from the configuration, or from `--printer` where a command overrides it.
    static func printer(_ configuration: AgentConfiguration, override: String? = nil, columns: Int? = nil) throws -> StationPrinter? {
        guard let destination = override ?? configuration.printer else { return nil }
        let columns = columns ?? configuration.paperColumns
        guard let width = PaperWidth(columns: columns) else {
            throw Failure("The paper width \(columns) is neither 48 (80 mm paper) nor 32 (58 mm paper): set paper_columns (or --paper-columns) to one of them.")
        }
        return StationPrinter(destination: destination, width: width)
    }
}

extension GlobalOptions {
    /// The station of the data directory in force, on the chain registry when one is configured
    /// (`INTAKE_AGENT_REGISTRY_URL`, config `registry_url`): every `certificate`, `intake`, `run` and `registry`
    /// command opens it here. `stationCode` (`--station-code`) overrides config `station_code`; `store` the
    /// configuration's `store_id`.
    func openStation(stationCode: String? = nil, store: String? = nil) throws -> Station {
        let configuration = try loadConfiguration()
        var code: StationCode?
        if let text = stationCode ?? configuration.stationCode {
            guard let parsed = StationCode(text) else {
                throw Failure("The station code \"\(text)\" is not two characters of \(String(CertificateNumber.alphabet)).")
            }
            code = parsed
        }
        return try Station(
            dataDirectory: resolvedDataDir, stationCode: code,
            chain: configuration.chainSettings(environment: ProcessInfo.processInfo.environment),
            storeID: store ?? configuration.storeID, holderLimit: configuration.maxLiveCertificatesPerHolder)
    }
}
