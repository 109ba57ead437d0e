// SPDX-License-Identifier: Apache-2.0
import AgentCLI
import ArgumentParser
import Foundation
#if canImport(Glibc)
    import Glibc
#endif
import Grading

/// How fast the rules are: the catalog's load time (embedded JSON parsed and validated, median of several runs) and
/// how many quotes one core computes with the catalog loaded (lookup, eligibility, grade, price), measured against
/// issue 2's targets (a quote well under 1 ms, the catalog loaded in under 50 ms).
struct BenchGrading: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "grading",
        abstract: "Quotes per second on one core and the catalog's load time."
    )

    @OptionGroup var global: GlobalOptions

    @Option(help: "How many times the catalog is loaded; the median is reported.")
    var loads = 21

    @Option(help: "How many seconds quotes are computed for.")
    var seconds = 3.0

    @Flag(help: "Also prints the time of each kind of quote in the mix.")
    var detail = false

    @Flag(help: "Prints the figures as one JSON object.")
    var json = false

    func validate() throws {
        guard loads >= 1 else { throw ValidationError("--loads must be at least 1.") }
        guard seconds > 0 else { throw ValidationError("--seconds must be above zero.") }
    }

    struct Figures: Encodable {
        let catalogModels: Int
        let catalogBytes: Int
        let loadRuns: Int
        let loadMedianMs: Double
        let loadMinMs: Double
        let loadMaxMs: Double
        let quotes: Int
        /// CPU seconds of the quoting thread.
        let quoteSeconds: Double
        /// Wall-clock seconds the quoting took (more than `quoteSeconds` when the machine is busy).
        let wallSeconds: Double
        /// The 1-minute load average while measuring (Linux), for context.
        let loadAverage: Double?
        let perQuery: [QueryFigure]
        let quotesPerSecond: Int
        let microsecondsPerQuote: Double
        let targetLoadMs: Double
        let targetQuoteMs: Double
        let debugBuild: Bool

        enum CodingKeys: String, CodingKey {
            case catalogModels = "catalog_models", catalogBytes = "catalog_bytes", loadRuns = "load_runs"
            case loadMedianMs = "load_median_ms", loadMinMs = "load_min_ms", loadMaxMs = "load_max_ms", quotes
            case quoteSeconds = "quote_cpu_seconds", wallSeconds = "quote_wall_seconds", loadAverage = "load_average"
            case perQuery = "per_query", quotesPerSecond = "quotes_per_second"
            case microsecondsPerQuote = "microseconds_per_quote", targetLoadMs = "target_load_ms"
            case targetQuoteMs = "target_quote_ms", debugBuild = "debug_build"
        }
    }

    struct QueryFigure: Encodable {
        let query: String
        let offer: Bool
        let microseconds: Double
    }

    func run() async throws {
        try await reportingFailures {
            let figures = try measure()
            if json {
                try Output.json(figures)
                return
            }
            Output.line("Catalog: \(figures.catalogModels) models, \(figures.catalogBytes) bytes of embedded JSON.")
            Output.line(String(
                format: "Catalog load (parse + validate + index), CPU time, median of %d: %.2f ms (min %.2f, max %.2f); target < %.0f ms.",
                figures.loadRuns, figures.loadMedianMs, figures.loadMinMs, figures.loadMaxMs, figures.targetLoadMs))
            Output.line(String(
                format: "Quotes on one core (lookup + eligibility + grade + price): %d in %.2f CPU s (%.1f s wall) = %d quotes/s, %.1f µs a quote; target < %.0f ms a quote.",
                figures.quotes, figures.quoteSeconds, figures.wallSeconds, figures.quotesPerSecond, figures.microsecondsPerQuote, figures.targetQuoteMs))
            if detail {
                for query in figures.perQuery {
                    Output.line(String(format: "  %8.1f µs  %@ (%@)", query.microseconds, query.query, query.offer ? "offer" : "refusal"))
                }
            }
            if let load = figures.loadAverage {
                Output.line(String(format: "Load average %.2f on %d CPUs while measuring.", load, ProcessInfo.processInfo.activeProcessorCount))
            }
            if figures.debugBuild {
                Output.line("This is a debug build: build with `swift build -c release` for the figures that count.")
            }
        }
    }

    private func measure() throws -> Figures {
        var loadTimes: [Double] = []
        var catalog = try Catalog.loadDefault()
        for _ in 0..<loads {
            let start = CPUClock.threadNanoseconds()
            catalog = try Catalog.loadDefault()
            loadTimes.append(Double(CPUClock.threadNanoseconds() - start) / 1_000_000)
        }
        loadTimes.sort()

        // A mix a counter sees: names typed loosely, Apple identifiers, Android model codes, one refusal, one typo.
        let queries: [(String, Int?)] = [
            ("iPhone 11", 128), ("iPhone12,1", 64), ("iphone 13 pro max", 256), ("SM-A536E", 128), ("sm-g973f/ds", 128),
            ("Redmi Note 12", 128), ("iPad6,11", 32), ("AirPods Pro", nil), ("iPhone 5s", nil), ("Galaxy S2", nil),
            ("MacBookAir10,1", 256), ("Honor X8", 128),
        ]
        let store = try StoreList.loadDefault().store(id: "ALA-SAMAL2-100")
        let requests = queries.enumerated().map { position, query in
            var answers = ChecklistAnswers(
                batteryHealthPercent: 70 + position * 3, cosmetic: CosmeticGrade.allCases[position % 4],
                functional: FunctionalGrade.allCases[position % 3])
            answers[.boxPresent] = position % 2 == 0 ? .pass : .fail
            answers[.chargerPresent] = .pass
            return AppraisalRequest(model: query.0, facts: DeviceFacts(storageGB: query.1), answers: answers, store: store)
        }
        let appraiser = Appraiser(catalog: catalog)
        var quotes = 0
        var offers = 0
        // The deadline is wall-clock time; the figure is this thread's CPU time, so that other work on a shared
        // machine (builds, other tests) does not count against the rules.
        let wallStart = DispatchTime.now().uptimeNanoseconds
        let deadline = wallStart + UInt64(seconds * 1_000_000_000)
        let cpuStart = CPUClock.threadNanoseconds()
        while DispatchTime.now().uptimeNanoseconds < deadline {
            for request in requests where appraiser.appraise(request).isOffer { offers += 1 }
            quotes += requests.count
        }
        let elapsed = Double(CPUClock.threadNanoseconds() - cpuStart) / 1_000_000_000
        let wall = Double(DispatchTime.now().uptimeNanoseconds - wallStart) / 1_000_000_000
        var perQuery: [QueryFigure] = []
        if detail {
            for (position, request) in requests.enumerated() {
                let rounds = 2000
                let begin = CPUClock.threadNanoseconds()
                var isOffer = false
                for _ in 0..<rounds { isOffer = appraiser.appraise(request).isOffer }
                let micros = Double(CPUClock.threadNanoseconds() - begin) / 1000 / Double(rounds)
                perQuery.append(QueryFigure(query: queries[position].0, offer: isOffer, microseconds: micros))
            }
        }
        guard offers > 0 else { throw Failure("The benchmark's quotes gave no offer, so it measured nothing: check the catalog.") }
        return Figures(
            catalogModels: catalog.models.count, catalogBytes: Catalog.defaultCatalogByteCount, loadRuns: loadTimes.count,
            loadMedianMs: loadTimes[loadTimes.count / 2], loadMinMs: loadTimes.first ?? 0, loadMaxMs: loadTimes.last ?? 0,
            quotes: quotes, quoteSeconds: elapsed, wallSeconds: wall, loadAverage: CPUClock.loadAverage(), perQuery: perQuery, quotesPerSecond: Int(Double(quotes) / elapsed),
            microsecondsPerQuote: elapsed * 1_000_000 / Double(quotes), targetLoadMs: 50, targetQuoteMs: 1, debugBuild: BuildKind.isDebug)
    }
}

/// This thread's CPU time, and the machine's load, for benchmarks on a shared machine.
enum CPUClock {
    static func threadNanoseconds() -> UInt64 {
        var spec = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &spec)
        return UInt64(spec.tv_sec) * 1_000_000_000 + UInt64(spec.tv_nsec)
    }

    /// The 1-minute load average from `/proc/loadavg`, or `nil` where there is none.
    static func loadAverage() -> Double? {
        guard let text = try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8) else { return nil }
        return text.split(separator: " ").first.flatMap { Double($0) }
    }
}
