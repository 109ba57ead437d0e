// SPDX-License-Identifier: Apache-2.0
import AgentCLI
import ArgumentParser
import Grading

struct Redeem: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "redeem",
        abstract: "Splits a certificate over a Contract Phone purchase."
    )

    @OptionGroup var global: GlobalOptions

    @Option(help: ArgumentHelp("The certificate's amount in tenge.", valueName: "KZT"))
    var certificate: Int

    @Option(help: ArgumentHelp("The new phone's price under the Contract Phone promotion, in tenge.", valueName: "KZT"))
    var price: Int

    @Option(help: ArgumentHelp("The contract's minimum prepayment in tenge.", valueName: "KZT"))
    var minPrepayment: Int

    @Option(help: ArgumentHelp("The contract's maximum prepayment in tenge.", valueName: "KZT"))
    var maxPrepayment: Int

    @Option(help: "The contract's term in months.")
    var months: Int

    @Flag(help: "Prints the split as one JSON object.")
    var json = false

    func run() async throws {
        try await reportingFailures {
            let result = Redemption.split(
                certificate: Tenge(certificate), price: Tenge(price), minimumPrepayment: Tenge(minPrepayment),
                maximumPrepayment: Tenge(maxPrepayment), months: months)
            let split: Redemption.Split
            switch result {
            case .success(let value): split = value
            case .failure(let error): throw Failure(error.description)
            }
            if json {
                try Output.json(split)
                return
            }
            let rows: [[String]] = [
                ["Certificate", split.certificate.formatted],
                ["Phone price", split.contract.price.formatted],
                ["Term", "\(split.contract.months) month\(split.contract.months == 1 ? "" : "s")"],
                ["Prepayment", split.prepayment.formatted],
                ["  from the certificate", split.certificateToPrepayment.formatted],
                ["  from the customer", split.customerPrepayment.formatted],
                ["Financed", split.financed.formatted],
                ["Monthly payment", split.monthlyPayment.formatted],
                ["First monthly payment"],
                ["  from the certificate", split.certificateToFirstPayment.formatted],
                ["  from the customer", split.customerFirstPayment.formatted],
                ["To the phone number's balance", split.certificateToBalance.formatted],
            ]
            for line in TextTable.render(rows, rightAligned: [1]) { Output.line(line) }
            if split.belowMinimumPrepayment {
                Output.line(
                    "The certificate is below the minimum prepayment of \(split.contract.minimumPrepayment.formatted): the customer pays the minimum prepayment, and the certificate goes to the first monthly payment.")
            }
            Output.line("The certificate is spent whole, once; nothing is paid out in cash.")
        }
    }
}
