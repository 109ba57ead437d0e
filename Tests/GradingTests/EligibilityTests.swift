// SPDX-License-Identifier: Apache-2.0
import Grading
import Testing

struct EligibilityTests {
    let catalog: Catalog
    let stores: StoreList

    init() throws {
        catalog = try Fixtures.defaultCatalog.get()
        stores = try Fixtures.defaultStores.get()
    }

    struct Case: Sendable, CustomTestStringConvertible {
        let model: String
        let store: String?
        let accepted: Bool
        var refusal: String? = nil
        var settings: [String] = []
        var testDescription: String { "\(model) at \(store ?? "any store")\(settings.isEmpty ? "" : " +" + settings.joined())" }
    }

    @Test(arguments: [
        Case(model: "iPhone 5s", store: nil, accepted: false, refusal: "iPhone 6 and later"),
        Case(model: "iPhone6,2", store: nil, accepted: false, refusal: "iPhone 6 and later"),
        Case(model: "iPhone 5", store: nil, accepted: false, refusal: "iPhone 6 and later"),
        Case(model: "iPhone7,2", store: nil, accepted: true),  // iPhone 6
        Case(model: "iPhone7,1", store: nil, accepted: true),  // iPhone 6 Plus
        Case(model: "iPhone8,4", store: nil, accepted: false, refusal: "only the 2nd generation"),  // SE 1st
        Case(model: "iPhone12,8", store: nil, accepted: true),  // SE 2nd
        Case(model: "iPhone14,6", store: nil, accepted: false, refusal: "accept_iphone_se_3rd_generation"),  // SE 3rd
        Case(model: "iPhone14,6", store: nil, accepted: true, settings: [RuleSet.acceptSE3rdGeneration]),
        Case(model: "iPhone18,4", store: nil, accepted: true),  // iPhone Air
        Case(model: "iPad3,4", store: nil, accepted: false, refusal: "iPad 5th generation and later"),  // iPad 4th
        Case(model: "iPad6,11", store: nil, accepted: true),  // iPad 5th
        Case(model: "iPad2,5", store: nil, accepted: false, refusal: "mini 2 and later"),  // iPad mini 1st
        Case(model: "iPad4,4", store: nil, accepted: true),  // iPad mini 2
        Case(model: "iPad4,1", store: nil, accepted: true),  // first iPad Air
        Case(model: "iPad6,7", store: nil, accepted: true),  // first iPad Pro
        Case(model: "MacBookAir5,2", store: nil, accepted: false, refusal: "2013"),  // MacBook Air 2012
        Case(model: "MacBook Pro (Retina, 15-inch, Mid 2012)", store: nil, accepted: false, refusal: "2013"),
        Case(model: "MacBook Pro (Retina, 15-inch, Early 2013)", store: nil, accepted: true),
        Case(model: "MacBookAir6,2", store: nil, accepted: true),  // 2013
        Case(model: "AirPods Pro", store: nil, accepted: true),
        Case(model: "Apple Watch Series 3", store: nil, accepted: true),
        Case(model: "SM-G973F", store: nil, accepted: true),
        // The two stores that take no Apple products.
        Case(model: "iPhone 11", store: "ALA-DOSTYK-PLAZA", accepted: false, refusal: "takes no Apple products"),
        Case(model: "AirPods Pro", store: "SHY-PLAZA", accepted: false, refusal: "takes no Apple products"),
        Case(model: "iPhone 11", store: "ALA-SAMAL2-100", accepted: true),
        Case(model: "SM-A536E", store: "ALA-DOSTYK-PLAZA", accepted: true),
        Case(model: "Redmi Note 12", store: "SHY-PLAZA", accepted: true),
    ])
    func followsTheOperatorsRules(_ c: Case) throws {
        let model = try #require(catalog.lookup(c.model).model)
        let store = try c.store.map { try #require(stores.store(id: $0)) }
        let ruleSet = c.settings.reduce(RuleSet.current) { $0.enabling($1) }
        let verdict = Eligibility.check(model, store: store, ruleSet: ruleSet)
        #expect(verdict.isEligible == c.accepted)
        if let refusal = c.refusal {
            #expect(verdict.refusals.contains { $0.reason.contains(refusal) }, "\(verdict.refusals)")
        }
        for refusal in verdict.refusals { #expect(refusal.reason.hasSuffix(".")) }
    }

    @Test func aMacIdentifierSpanningTwoYearsAsksForTheYear() throws {
        guard case .ambiguous(_, let candidates) = catalog.lookup("MacBookPro10,1") else {
            Issue.record("MacBookPro10,1 should name two model years")
            return
        }
        #expect(Set(candidates.map(\.year)) == [2012, 2013])
        let appraisal = Appraiser(catalog: catalog).appraise(AppraisalRequest(model: "MacBookPro10,1"))
        #expect(appraisal.refusals.map(\.code) == ["ambiguous_model"])
    }

    @Test func twoRefusalsAtOnceAreBothGiven() throws {
        let model = try #require(catalog.lookup("iPhone 5s").model)
        let verdict = Eligibility.check(model, store: stores.store(id: "ALA-DOSTYK-PLAZA"), ruleSet: .current)
        #expect(verdict.refusals.map(\.code) == ["model_refused", "store_takes_no_apple"])
    }

    /// An operator's catalog that lists an old model without a refusal still cannot price it.
    @Test(arguments: [(DeviceFamily.iPhone, 2013, false), (.iPhone, 2014, true), (.macBook, 2012, false), (.macBook, 2013, true), (.iPad, 2012, true)])
    func theRuleSetsOldestYearIsASafetyNet(_ c: (DeviceFamily, Int, Bool)) {
        let model = CatalogModel(
            id: "old", family: c.0, brand: "Apple", name: "Old \(c.0.label)", year: c.1, identifiers: ["Old1,1"],
            prices: [StoragePrice(storageGB: 16, marketPrice: Tenge(10_000))])
        let verdict = Eligibility.check(model, store: nil, ruleSet: .current)
        #expect(verdict.isEligible == c.2)
        #expect(verdict.refusals.map(\.code) == (c.2 ? [] : ["model_too_old"]))
    }

    @Test func aBrandOutsideTheProgramIsRefused() throws {
        let pixel = CatalogModel(
            id: "pixel-8", family: .androidPhone, brand: "Google", name: "Pixel 8", year: 2023, identifiers: ["GKWS6"],
            prices: [StoragePrice(storageGB: 128, marketPrice: Tenge(200_000))])
        let verdict = Eligibility.check(pixel, store: nil, ruleSet: .current)
        #expect(verdict.refusals.map(\.code) == ["brand_not_accepted"])
    }

    @Test(arguments: [("Redmi", "Xiaomi"), ("POCO", "Xiaomi"), ("samsung", "Samsung"), ("OPPO", "Oppo"), ("HONOR", "Honor"), ("realme", "Realme")])
    func brandSpellingsMapToTheProgramsBrands(_ pair: (String, String)) {
        #expect(RuleSet.current.acceptedBrand(pair.0) == pair.1)
    }

    @Test func nokiaIsNotAProgramBrand() {
        #expect(RuleSet.current.acceptedBrand("Nokia") == nil)
    }
}

struct StoreListTests {
    @Test func theDefaultListHasTheTwoStoresThatTakeNoApple() throws {
        let stores = try StoreList.loadDefault()
        #expect(stores.stores.count >= 30)
        #expect(Set(stores.stores.filter { !$0.acceptsApple }.map(\.id)) == ["ALA-DOSTYK-PLAZA", "SHY-PLAZA"])
        #expect(stores.store(id: "ala-dostyk-plaza")?.address == "Samal-2, 111, Dostyk Plaza")
        #expect(stores.store(id: "NOWHERE") == nil)
    }

    struct BadCase: Sendable {
        let csv: String
        let fragment: String
    }

    @Test(arguments: [
        BadCase(csv: "name,city\nA,B\n", fragment: "line 1: must start with the header"),
        BadCase(csv: "id,city,address,accepts_apple\nA,Almaty,x\n", fragment: "line 2: has 3 fields"),
        BadCase(csv: "id,city,address,accepts_apple\nA,Almaty,x,maybe\n", fragment: "line 2: store A: accepts_apple must be true or false"),
        BadCase(csv: "id,city,address,accepts_apple\nA,Almaty,x,true\na,Almaty,y,true\n", fragment: "line 3: store a is listed twice"),
        BadCase(csv: "id,city,address,accepts_apple\nA,Almaty,\"open,true\n", fragment: "line 2: has a quoted field that never closes"),
        BadCase(csv: "id,city,address,accepts_apple\n", fragment: "lists no stores"),
        BadCase(csv: "id,city,address,accepts_apple\n ,Almaty,x,true\n", fragment: "line 2: has an empty store id"),
    ])
    func aBadListNamesTheFileAndLine(_ c: BadCase) {
        #expect {
            try StoreList(csv: c.csv, source: "stores.csv")
        } throws: { error in
            let text = (error as? StoreListError)?.description ?? ""
            return text.hasPrefix("stores.csv") && text.contains(c.fragment)
        }
    }

    @Test func quotedFieldsWithCommasAndQuotes() throws {
        let list = try StoreList(
            csv: "id,city,address,accepts_apple\r\nX-1,Almaty,\"Samal-2, 111, \"\"Dostyk\"\" Plaza\",false\r\nX-2,Astana,plain,TRUE", source: "s")
        #expect(list.stores.map(\.address) == ["Samal-2, 111, \"Dostyk\" Plaza", "plain"])
        #expect(list.stores.map(\.acceptsApple) == [false, true])
    }
}
