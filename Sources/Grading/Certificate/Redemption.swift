// SPDX-License-Identifier: Apache-2.0

/// Spending a certificate on a Contract Phone purchase, exactly as the operator's FAQ reads (`trade-in-rules.md`):
///
/// - certificate ≥ the minimum prepayment: it pays the largest prepayment it can (at most the maximum), which lowers
///   the amount financed and the monthly payment; the rest pays the first monthly payment, in full or in part; the
///   rest after that goes to the balance of the phone number;
/// - certificate < the minimum prepayment: the customer pays exactly the minimum prepayment, the certificate pays
///   the first monthly payment, the rest to the balance.
///
/// Monthly payment = financed amount / months, rounded up to whole tenge. Nothing is ever paid out in cash.
public enum Redemption {
    /// The contract a certificate is spent on.
    public struct Contract: Sendable, Hashable, Codable {
        public var price: Tenge
        public var minimumPrepayment: Tenge
        public var maximumPrepayment: Tenge
        public var months: Int

        public init(price: Tenge, minimumPrepayment: Tenge, maximumPrepayment: Tenge, months: Int) {
            self.price = price
            self.minimumPrepayment = minimumPrepayment
            self.maximumPrepayment = maximumPrepayment
            self.months = months
        }

        enum CodingKeys: String, CodingKey {
            case price, minimumPrepayment = "min_prepayment", maximumPrepayment = "max_prepayment", months
        }
    }

    /// How the certificate and the customer split the purchase.
    public struct Split: Sendable, Hashable, Codable {
        public var certificate: Tenge
        public var contract: Contract
        /// The prepayment made, from the certificate and/or the customer.
        public var prepayment: Tenge
        /// The part of the prepayment the certificate pays.
        public var certificateToPrepayment: Tenge
        /// The part of the prepayment the customer pays (the minimum, when the certificate is below it).
        public var customerPrepayment: Tenge
        /// Price minus prepayment.
        public var financed: Tenge
        /// Financed / months, rounded up.
        public var monthlyPayment: Tenge
        /// What the certificate pays of the first monthly payment.
        public var certificateToFirstPayment: Tenge
        /// What the customer still pays of the first monthly payment.
        public var customerFirstPayment: Tenge
        /// What goes to the balance of the phone number.
        public var certificateToBalance: Tenge
        /// Whether the certificate was below the minimum prepayment.
        public var belowMinimumPrepayment: Bool

        enum CodingKeys: String, CodingKey {
            case certificate, contract, prepayment, certificateToPrepayment = "certificate_to_prepayment"
            case customerPrepayment = "customer_prepayment", financed, monthlyPayment = "monthly_payment"
            case certificateToFirstPayment = "certificate_to_first_payment"
            case customerFirstPayment = "customer_first_payment", certificateToBalance = "certificate_to_balance"
            case belowMinimumPrepayment = "below_minimum_prepayment"
        }
    }

    /// Why a split cannot be computed; each a sentence.
    public enum SplitError: Error, Sendable, Hashable, CustomStringConvertible {
        case nonPositiveCertificate
        case nonPositivePrice
        case negativePrepayment
        case minimumAboveMaximum
        case minimumAbovePrice
        case months(Int)
        /// An amount above ``Redemption/largestAmount``: a typo, and past it the arithmetic could overflow.
        case tooLarge(String)

        public var description: String {
            switch self {
            case .nonPositiveCertificate: return "The certificate amount must be above zero tenge."
            case .nonPositivePrice: return "The phone's price must be above zero tenge."
            case .negativePrepayment: return "Prepayments cannot be negative: check the contract's minimum and maximum prepayment."
            case .minimumAboveMaximum: return "The minimum prepayment is above the maximum: check the contract's terms."
            case .minimumAbovePrice: return "The minimum prepayment is above the phone's price: check the contract's terms."
            case .months(let months): return "A contract runs from 1 to \(Redemption.longestTermMonths) months, not \(months): check the term."
            case .tooLarge(let what): return "The \(what) is above \(Tenge(Redemption.largestAmount).slipText), which no Contract Phone costs: check the number."
            }
        }
    }

    /// The largest amount a split takes (ten billion tenge): far above any phone, far below where `Int` overflows.
    public static let largestAmount = 10_000_000_000
    /// The longest contract term taken, in months.
    public static let longestTermMonths = 600

    /// Splits `certificate` over `contract`.
    public static func split(certificate: Tenge, contract: Contract) -> Result<Split, SplitError> {
        guard certificate > .zero else { return .failure(.nonPositiveCertificate) }
        guard contract.price > .zero else { return .failure(.nonPositivePrice) }
        guard contract.minimumPrepayment >= .zero, contract.maximumPrepayment >= .zero else { return .failure(.negativePrepayment) }
        guard contract.minimumPrepayment <= contract.maximumPrepayment else { return .failure(.minimumAboveMaximum) }
        guard contract.minimumPrepayment <= contract.price else { return .failure(.minimumAbovePrice) }
        guard (1...longestTermMonths).contains(contract.months) else { return .failure(.months(contract.months)) }
        for (what, value) in [
            ("certificate amount", certificate), ("phone's price", contract.price),
            ("minimum prepayment", contract.minimumPrepayment), ("maximum prepayment", contract.maximumPrepayment),
        ] where value.amount > largestAmount {
            return .failure(.tooLarge(what))
        }

        // A prepayment above the price would finance a negative amount: the maximum is capped at the price.
        let maximum = min(contract.maximumPrepayment, contract.price)
        let below = certificate < contract.minimumPrepayment
        let prepayment: Tenge
        let certificateToPrepayment: Tenge
        if below {
            prepayment = contract.minimumPrepayment
            certificateToPrepayment = .zero
        } else {
            prepayment = min(certificate, maximum)
            certificateToPrepayment = prepayment
        }
        let financed = contract.price - prepayment
        let monthly = Tenge((financed.amount + contract.months - 1) / contract.months)
        let left = certificate - certificateToPrepayment
        let toFirst = min(left, monthly)
        return .success(Split(
            certificate: certificate, contract: contract, prepayment: prepayment,
            certificateToPrepayment: certificateToPrepayment, customerPrepayment: prepayment - certificateToPrepayment,
            financed: financed, monthlyPayment: monthly, certificateToFirstPayment: toFirst,
            customerFirstPayment: monthly - toFirst, certificateToBalance: left - toFirst, belowMinimumPrepayment: below))
    }

    /// The same with the contract's terms spelled out.
    public static func split(
        certificate: Tenge, price: Tenge, minimumPrepayment: Tenge, maximumPrepayment: Tenge, months: Int
    ) -> Result<Split, SplitError> {
        split(
            certificate: certificate,
            contract: Contract(price: price, minimumPrepayment: minimumPrepayment, maximumPrepayment: maximumPrepayment, months: months))
    }
}
