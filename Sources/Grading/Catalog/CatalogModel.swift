// SPDX-License-Identifier: Apache-2.0

/// The kinds of device the program takes; each decides how the device is read and which checks apply.
public enum DeviceFamily: String, Sendable, Hashable, Codable, CaseIterable {
    case iPhone = "iphone"
    case iPad = "ipad"
    case watch = "watch"
    case airPods = "airpods"
    case macBook = "macbook"
    case androidPhone = "android_phone"

    /// Whether the family is Apple's (refused at the stores that take no Apple products).
    public var isApple: Bool { self != .androidPhone }

    /// Whether the agent can read the device over USB (iPhone and iPad through usbmuxd, Android through ADB);
    /// AirPods, Watch and MacBook go through the checklist with the consultant's answers (`trade-in-rules.md`).
    public var hasUSBDataLink: Bool {
        switch self {
        case .iPhone, .iPad, .androidPhone: return true
        case .watch, .airPods, .macBook: return false
        }
    }

    /// Whether a device of this family has a cellular radio and so usually an IMEI.
    public var usuallyHasIMEI: Bool { self == .iPhone || self == .androidPhone }

    public var label: String {
        switch self {
        case .iPhone: return "iPhone"
        case .iPad: return "iPad"
        case .watch: return "Apple Watch"
        case .airPods: return "AirPods"
        case .macBook: return "MacBook"
        case .androidPhone: return "Android phone"
        }
    }
}

/// A storage size and the model's average market price in that size.
public struct StoragePrice: Sendable, Hashable, Codable {
    /// Storage in GB (1 TB = 1024); `nil` for devices sold in one size (AirPods, most watches).
    public var storageGB: Int?
    /// The average market price of a working device in this size.
    public var marketPrice: Tenge

    public init(storageGB: Int?, marketPrice: Tenge) {
        self.storageGB = storageGB
        self.marketPrice = marketPrice
    }

    enum CodingKeys: String, CodingKey { case storageGB = "storage_gb", marketPrice = "market_price" }

    /// The market prices a catalog may hold: a phone's, in whole tenge. The bound keeps every offer's arithmetic
    /// (grade factor, deductions, bonuses in percent) far inside `Int`, so pricing never traps.
    public static let marketPriceRange = 1...100_000_000

    /// The storage sizes a catalog may hold, in GB (64 TB).
    public static let storageRange = 1...65_536

    static func marketPriceProblem(_ price: Int) -> String {
        "is \(price); a market price is a whole number of tenge above zero and at most \(Tenge(marketPriceRange.upperBound).slipText)."
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(storageGB, forKey: .storageGB)
        try c.encode(marketPrice, forKey: .marketPrice)
    }
}

/// Why the catalog lists a model the program refuses.
public struct CatalogRefusal: Sendable, Hashable, Codable {
    /// A sentence a consultant can read aloud ("iPhone 5s: the program takes iPhone 6 and later.").
    public var reason: String
    /// A named setting that, when on, accepts the model after all (`accept_iphone_se_3rd_generation`).
    public var unlessSetting: String?

    public init(reason: String, unlessSetting: String? = nil) {
        self.reason = reason
        self.unlessSetting = unlessSetting
    }

    enum CodingKeys: String, CodingKey { case reason, unlessSetting = "unless_setting" }
}

/// One model in the price catalog.
public struct CatalogModel: Sendable, Hashable, Codable, Identifiable {
    /// A stable slug (`iphone-11`, `galaxy-s10`), unique in the catalog.
    public var id: String
    public var family: DeviceFamily
    /// `Apple`, `Samsung`, `Xiaomi` (Redmi and POCO too), `Oppo`, `Realme`, `Vivo`, `Huawei`, `Honor`.
    public var brand: String
    /// The marketing name (`iPhone 11`, `Galaxy S10`, `Redmi Note 12`).
    public var name: String
    /// The year the model came out.
    public var year: Int
    /// Apple product types (`iPhone12,1`) or Android model codes (`SM-G973F`, `SM-A536E`): a model may have several.
    public var identifiers: [String]
    /// Other names people type (`iPhone SE 2`, `Galaxy S10 Dual`).
    public var aliases: [String]
    /// Storage sizes with their sample market prices; empty for a refused model.
    public var prices: [StoragePrice]
    /// Set when the program refuses the model, with the reason.
    public var refusal: CatalogRefusal?

    public init(
        id: String, family: DeviceFamily, brand: String, name: String, year: Int, identifiers: [String],
        aliases: [String] = [], prices: [StoragePrice], refusal: CatalogRefusal? = nil
    ) {
        self.id = id
        self.family = family
        self.brand = brand
        self.name = name
        self.year = year
        self.identifiers = identifiers
        self.aliases = aliases
        self.prices = prices
        self.refusal = refusal
    }

    /// The name with the brand in front where the marketing name lacks it (`Samsung Galaxy S10`, but `iPhone 11`,
    /// `Redmi Note 12` stays `Xiaomi Redmi Note 12`).
    public var displayName: String {
        if brand == "Apple" || name.lowercased().hasPrefix(brand.lowercased()) { return name }
        return brand + " " + name
    }

    /// The variant for `storageGB`; with `nil`, the only variant when there is one.
    public func price(storageGB: Int?) -> StoragePrice? {
        if let storageGB { return prices.first { $0.storageGB == storageGB } }
        return prices.count == 1 ? prices[0] : nil
    }

    /// The storage sizes on offer, smallest first.
    public var storageSizes: [Int] { prices.compactMap(\.storageGB).sorted() }

    enum CodingKeys: String, CodingKey {
        case id, family, brand, name, year, identifiers, aliases, prices, refusal
    }
}

/// Storage sizes as people write them.
public enum StorageSize {
    /// `128 GB`, `1 TB` (sizes are in GB, 1 TB = 1024 GB).
    public static func label(_ gb: Int) -> String {
        gb >= 1024 && gb % 1024 == 0 ? "\(gb / 1024) TB" : "\(gb) GB"
    }
}
