// SPDX-License-Identifier: Apache-2.0
import AgentCLI
import Foundation
import Grading
import Intake
import IntakeStore

/// Opens what a session needs on this station: configuration, catalog, store list, registry, keys, blocklist.
/// `intake`, `run` and `demo` share it so that the three behave alike.
struct StationContext {
    let configuration: AgentConfiguration
    let station: Station
    let context: IntakeContext

    static func open(
        global: GlobalOptions, station options: StationOptions, store: String?, dataDirectory: URL? = nil
    ) throws -> StationContext {
        let dataDir = dataDirectory ?? global.resolvedDataDir
        let configuration: AgentConfiguration
        do throws(AgentConfiguration.Invalid) {
            configuration = try AgentConfiguration.load(
                explicitPath: global.config, dataDirectory: dataDir, environment: ProcessInfo.processInfo.environment)
        } catch {
            throw Failure(error.description)
        }
        let catalog: Catalog
        if let path = configuration.catalogPath {
            catalog = try Catalog(contentsOf: URL(fileURLWithPath: path))
        } else {
            catalog = try Catalog.loadDefault()
        }
        let ruleSet = configuration.acceptSE3rdGeneration
            ? RuleSet.current.enabling(RuleSet.acceptSE3rdGeneration) : RuleSet.current
        let stores = try StoreList.loadDefault()
        guard let storeID = store ?? configuration.storeID else {
            throw Failure("No store is set for this bench: pass --store ID or set store_id in the configuration (data/stores.csv lists the ids).")
        }
        guard stores.store(id: storeID) != nil else {
            throw Failure("The store \(storeID) is not in the store list: check the id (data/stores.csv lists them).")
        }
        let station = try dataDirectory.map { try Station(dataDirectory: $0) } ?? options.open(global)
        let consultant = options.consultant ?? configuration.consultant ?? options.resolvedConsultant
        let context = IntakeContext(
            appraiser: Appraiser(catalog: catalog, ruleSet: ruleSet), stores: stores, issuer: station.issuer,
            blocklist: Blocklist(dataDirectory: dataDir), storeID: storeID, consultant: consultant)
        return StationContext(configuration: configuration, station: station, context: context)
    }
}
