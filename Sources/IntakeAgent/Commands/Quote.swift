// SPDX-License-Identifier: Apache-2.0
import AgentCLI
public import ArgumentParser
import Foundation
import Grading
import Intake

struct Quote: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "quote",
        abstract: "Prices a trade-in from the model and its condition."
    )

    @OptionGroup var global: GlobalOptions
    @OptionGroup var rules: CatalogOptions

    @Option(help: "The model: its name, Apple identifier or Android model code (\"iPhone 11\", iPhone12,1, SM-A536E).")
    var model: String

    @Option(help: "The storage size in GB (1 TB = 1024).")
    var storage: Int?

    @Option(help: "The cosmetic grade: A like new, B light wear, C moderate wear, D heavy damage or cracked glass.")
    var cosmetic: CosmeticGrade?

    @Option(help: "The functional grade: ok, minor (minor issues) or major (key functions work, with defects).")
    var functional: FunctionalGrade = .ok

    @Option(help: "The battery health in percent.")
    var battery: Int?

    @Flag(help: "The factory box is present.")
    var box = false

    @Flag(help: "The charger and its cable are present.")
    var charger = false

    @Option(help: "The store's id (ALA-DOSTYK-PLAZA); two stores take no Apple products.")
    var store: String?

    @Flag(help: "Prints the offer (or the refusal) as one JSON object.")
    var json = false

    func validate() throws {
        if let battery, !(0...100).contains(battery) {
            throw ValidationError("--battery is a percentage from 0 to 100, not \(battery).")
        }
        if let storage, storage <= 0 { throw ValidationError("--storage is a size in GB above zero, not \(storage).") }
    }

    func run() async throws {
        try await reportingFailures {
            let configuration = try global.loadConfiguration()
            let catalog = try rules.loadCatalog(configuration)
            let ruleSet = rules.ruleSet(configuration)
            var place: Store? = nil
            if let store = store ?? configuration.storeID {
                let stores = try StoreList.loadDefault()
                guard let found = stores.store(id: store) else {
                    throw Failure("No store \"\(store)\" is in the store list: check the id (such as ALA-DOSTYK-PLAZA).")
                }
                place = found
            }
            var answers = ChecklistAnswers(batteryHealthPercent: battery, cosmetic: cosmetic, functional: functional)
            answers[.boxPresent] = box ? .pass : .fail
            answers[.chargerPresent] = charger ? .pass : .fail
            let request = AppraisalRequest(
                model: model, facts: DeviceFacts(storageGB: storage), answers: answers, store: place)
            let appraisal = Appraiser(catalog: catalog, ruleSet: ruleSet).appraise(request)

            if json { try Output.json(appraisal) }
            guard appraisal.isOffer, let quote = appraisal.quote, let grade = appraisal.grade else {
                throw Failure(appraisal.refusals.map(\.reason).joined(separator: " "))
            }
            if !json { printOffer(quote, grade: grade) }
        }
    }

    private func printOffer(_ quote: PriceQuote, grade: GradeResult) {
        let size = quote.storageGB.map { ", " + StorageSize.label($0) } ?? ""
        Output.line("\(quote.modelName)\(size): functional \(grade.functional.rawValue), cosmetic \(grade.cosmetic.rawValue)")
        var rows: [[String]] = []
        for (position, line) in quote.lines.enumerated() {
            let change = position == 0 ? line.amount.formatted : signed(line.amount)
            rows.append(["  " + line.label, change, line.subtotal.formatted])
        }
        for line in TextTable.render(rows, rightAligned: [1, 2]) { Output.line(line) }
        Output.line("Offer: \(quote.amount.formatted)")
        var notes = ["Rule set \(quote.ruleSetID)"]
        if quote.sampleFigures { notes.append("market prices are sample figures") }
        Output.line(notes.joined(separator: "; ") + ".")
        Output.line(
            "The offer holds if the checks at the counter agree: the device works, Find My and every account and lock are off, the IMEI is clean and the customer owns it.")
    }

    private func signed(_ amount: Tenge) -> String {
        amount < .zero ? "−" + Tenge(-amount.amount).formatted : "+" + amount.formatted
    }
}

extension CosmeticGrade: ExpressibleByArgument {
    init?(argument: String) { self.init(rawValue: argument.uppercased()) }
}

extension FunctionalGrade: ExpressibleByArgument {
    init?(argument: String) { self.init(rawValue: argument.lowercased()) }
}
