// SPDX-License-Identifier: Apache-2.0
import Foundation
public import Hummingbird
public import HTTPTypes
public import Intake
public import IntakeStore
public import Grading
public import Logging
import HummingbirdCore
import HummingbirdTLS
import NIOCore
import NIOSSL
import ServiceLifecycle

/// A request's context: who is logged in, when the token or cookie said so.
public struct ConsoleContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    public var login: ConsoleAuth.Login?
    /// Whether the login came from the cookie (changes then need the CSRF token).
    public var byCookie = false
    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
    }
    public var maxUploadSize: Int { 64 * 1024 }
}

/// An API refusal: `{"error": "one sentence", "field": "holder.iin"}` with its status.
public struct ConsoleError: HTTPResponseError {
    public var status: HTTPResponse.Status
    public var sentence: String
    public var field: String?
    public var headers: HTTPFields = [:]

    public init(_ status: HTTPResponse.Status, _ sentence: String, field: String? = nil) {
        self.status = status
        self.sentence = sentence
        self.field = field
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var body: [String: String] = ["error": sentence]
        if let field { body["field"] = field }
        var response = try ConsoleJSON.response(body, status: status)
        response.headers.append(contentsOf: headers)
        return response
    }
}

/// JSON the way design.md says: snake_case keys (the types name them), ISO 8601 times, sorted keys.
enum ConsoleJSON {
    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    static func response(_ value: some Encodable, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) throws -> Response {
        let data = try encoder.encode(value)
        var fields = headers
        fields[.contentType] = "application/json; charset=utf-8"
        fields[.cacheControl] = "no-store"
        return Response(status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}

/// A console that cannot start as configured, in one sentence.
public struct ConsoleSetupError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}

/// The console: the consultant's page at `/` and the API at `/api/v1`, served by the daemon.
public struct ConsoleServer: Sendable {
    public struct Settings: Sendable {
        public var host: String
        public var port: Int
        public var auth: ConsoleAuth.Settings
        /// Seconds between heartbeats on the event stream, so proxies keep it open.
        public var heartbeat: Duration = .seconds(15)
        /// The erasure step: the record's tool and version, and the configuration's erase settings.
        public var eraseTool = "intake-agent"
        public var eraseReturnTimeout: Duration = .seconds(600)
        public var erasePreserveDataPlan = true
        /// The console's certificate chain and private key (PEM files), for HTTPS; `nil` serves plain HTTP.
        public var tls: (certificate: String, key: String)?
        /// This bench's station code: today's intakes are the certificates it issued (`nil`: every certificate in
        /// the registry, as on a station with its own SQLite registry).
        public var station: StationCode?
        /// Today in the store's time zone.
        public var today: @Sendable () -> CivilDate = { CivilDate.today() }
        public init(host: String = "127.0.0.1", port: Int = 8480, auth: ConsoleAuth.Settings = .init()) {
            self.host = host
            self.port = port
            self.auth = auth
        }
    }

    public let settings: Settings
    public let manager: SessionManager
    public let registry: any CertificateRegistry
    public let consultants: any ConsultantDirectory
    public let printer: StationPrinter?
    public let stores: StoreList
    public let auth: ConsoleAuth
    public let logger: Logger

    public init(
        settings: Settings, manager: SessionManager, registry: any CertificateRegistry, consultants: any ConsultantDirectory,
        printer: StationPrinter?, stores: StoreList, logger: Logger
    ) {
        self.settings = settings
        self.manager = manager
        self.registry = registry
        self.consultants = consultants
        self.printer = printer
        self.stores = stores
        self.auth = ConsoleAuth(directory: consultants, settings: settings.auth)
        self.logger = logger
    }

    /// The HTTP server as a service of the daemon's group; `onRunning` gets the port it listens on. With
    /// ``Settings/tls`` it serves HTTPS only; a certificate or key it cannot use is one sentence saying which file.
    public func application(onRunning: @escaping @Sendable (Int) async -> Void = { _ in }) throws -> some ApplicationProtocol {
        let server: HTTPServerBuilder
        if let tls = settings.tls {
            server = try .tls(.http1(), tlsConfiguration: try Self.tlsConfiguration(certificate: tls.certificate, key: tls.key))
        } else {
            server = .http1()
        }
        return Application(
            router: router(),
            server: server,
            configuration: .init(address: .hostname(settings.host, port: settings.port), serverName: "intake-agent"),
            onServerRunning: { channel in await onRunning(channel.localAddress?.port ?? settings.port) },
            logger: logger)
    }

    /// The server's TLS configuration from PEM files.
    static func tlsConfiguration(certificate: String, key: String) throws -> TLSConfiguration {
        let chain: [NIOSSLCertificate]
        do {
            chain = try NIOSSLCertificate.fromPEMFile(certificate)
        } catch {
            throw ConsoleSetupError("The console's TLS certificate \(certificate) cannot be read as PEM: check the path (tls_certificate, --tls-certificate) and that the agent's user may read it.")
        }
        guard !chain.isEmpty else {
            throw ConsoleSetupError("The console's TLS certificate \(certificate) holds no certificate: give the PEM file of the certificate (and its chain).")
        }
        let privateKey: NIOSSLPrivateKey
        do {
            privateKey = try NIOSSLPrivateKey(file: key, format: .pem)
        } catch {
            throw ConsoleSetupError("The console's TLS key \(key) cannot be read as a PEM private key: check the path (tls_key, --tls-key) and that the agent's user may read it.")
        }
        return TLSConfiguration.makeServerConfiguration(
            certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(privateKey))
    }

    /// Every route the server answers, as `METHOD /path/{parameter}` (the OpenAPI document's spelling).
    public var routes: [String] {
        router().routes.map { route in
            let path = "\(route.path)".split(separator: "/").map { $0.hasPrefix(":") ? "{\($0.dropFirst())}" : String($0) }
            return "\(route.method) /" + path.joined(separator: "/")
        }
    }

    func router() -> Router<ConsoleContext> {
        let router = Router(context: ConsoleContext.self)
        router.add(middleware: SecurityHeaders())
        ConsolePage.add(to: router)
        let api = router.group("api/v1")
        api.get("openapi.json") { _, _ in ConsolePage.asset(ConsoleAssets.openAPI, type: "application/json; charset=utf-8") }
        api.post("login") { request, context in try await self.login(request, context: context) }
        let authed = api.group().add(middleware: Authentication(auth: auth))
        authed.post("logout") { request, context in
            if let token = context.login?.token { auth.logout(token: token) }
            return try ConsoleJSON.response(["status": "logged_out"])
        }
        authed.post("consultant/language") { request, context in try await self.language(request, context: context) }
        authed.get("checks") { _, _ in try ConsoleJSON.response(CheckList(checks: Checklist.definitions)) }
        authed.get("sessions") { _, _ in try ConsoleJSON.response(SessionList(sessions: await manager.sessionViews())) }
        authed.get("sessions/:id") { _, context in
            let id = try context.parameters.require("id")
            guard let view = await manager.sessionView(id) else {
                throw ConsoleError(.notFound, "No session \(id) is on this bench: the list at /api/v1/sessions shows them.")
            }
            return try ConsoleJSON.response(view)
        }
        authed.post("sessions/:id/answers") { request, context in try await self.answers(request, context: context) }
        authed.post("sessions/:id/erase") { request, context in try await self.erase(request, context: context) }
        authed.post("sessions/:id/read-again") { _, context in try await self.readAgain(context: context) }
        authed.get("events") { request, _ in self.events(request) }
        authed.get("certificates") { request, _ in try await self.certificates(request) }
        authed.get("certificates/export") { request, _ in try await self.export(request) }
        authed.post("certificates/:number/reprint") { request, context in try await self.reprint(request, context: context) }
        authed.get("intakes") { request, _ in try await self.intakes(request) }
        authed.post("redemption/split") { request, context in try await self.split(request, context: context) }
        return router
    }

    // MARK: - Routes

    struct LoginBody: Decodable {
        var consultant: String
        var pin: String
    }

    struct LoginAnswer: Encodable {
        var token: String
        var csrfToken: String
        var expiresAt: Date
        var consultant: Consultant
        enum CodingKeys: String, CodingKey { case token, csrfToken = "csrf_token", expiresAt = "expires_at", consultant }
    }

    struct SessionList: Encodable { var sessions: [SessionView] }
    struct CheckList: Encodable { var checks: [CheckDefinition] }
    struct CertificateList: Encodable {
        var certificates: [CertificateSummary]
        /// The lookup's certificate's erasure records, when the registry keeps them.
        var erasures: [ErasureSummary]?
    }

    /// A lookup's answer: the certificate found, with its erasure records (is the device erased yet?).
    private func lookup(_ found: Certificate?) async throws -> Response {
        guard let found else { return try ConsoleJSON.response(CertificateList(certificates: [])) }
        let erasures = try await (registry as? any ErasureRecords)?.erasures(of: found.number).map(\.summary)
        return try ConsoleJSON.response(CertificateList(certificates: [found.summary], erasures: erasures))
    }

    private func login(_ request: Request, context: ConsoleContext) async throws -> Response {
        let body: LoginBody
        do { body = try await request.decode(as: LoginBody.self, context: context) } catch {
            throw ConsoleError(.unprocessableContent, "Send {\"consultant\": ID, \"pin\": PIN} as JSON.", field: "consultant")
        }
        do {
            let login = try await auth.login(consultant: body.consultant, pin: body.pin)
            logger.notice("consultant logged in", metadata: ["consultant": "\(login.consultant.id)"])
            var headers = HTTPFields()
            headers[.setCookie] = Cookie(
                name: Authentication.cookieName, value: login.token, expires: login.expiresAt, path: "/", httpOnly: true,
                sameSite: .strict
            ).description
            return try ConsoleJSON.response(
                LoginAnswer(token: login.token, csrfToken: login.csrfToken, expiresAt: login.expiresAt, consultant: login.consultant),
                headers: headers)
        } catch ConsoleAuth.Refusal.wrongPIN {
            logger.notice("login refused: wrong consultant id or PIN", metadata: ["consultant": "\(TextSafe.shown(body.consultant))"])
            throw ConsoleError(.unauthorized, "The consultant id or the PIN is wrong: try again (five wrong PINs lock the consultant for five minutes).", field: "pin")
        } catch ConsoleAuth.Refusal.locked(let until) {
            logger.warning("consultant locked after wrong PINs", metadata: ["consultant": "\(TextSafe.shown(body.consultant))"])
            throw ConsoleError(.init(code: 423, reasonPhrase: "Locked"), "This consultant is locked after five wrong PINs until \(until.formatted(.iso8601)): wait, or ask the store's technician.", field: "pin")
        }
    }

    private func answers(_ request: Request, context: ConsoleContext) async throws -> Response {
        let id = try context.parameters.require("id")
        var answers: IntakeAnswers
        do {
            answers = try await request.decode(as: IntakeAnswers.self, context: context)
        } catch let error as DecodingError {
            let (field, sentence) = Self.describe(error)
            throw ConsoleError(.unprocessableContent, sentence, field: field)
        } catch {
            throw ConsoleError(.unprocessableContent, "The answers are not valid JSON in the answers format (design.md).")
        }
        // Whoever is logged in is the consultant who acted, whatever the body says.
        if let login = context.login { answers.consultant = login.consultant.id }
        switch await manager.submit(answers, to: id) {
        case .noSession:
            throw ConsoleError(.notFound, "No session \(id) is on this bench: the list at /api/v1/sessions shows them.")
        case .refused(let problems):
            let first = problems[0]
            throw ConsoleError(.unprocessableContent, problems.map(\.sentence).joined(separator: " "), field: first.field)
        case .finished(let state):
            throw ConsoleError(.conflict, "This session is over (\(state.rawValue)): unplug the phone and plug it in again for a new one.")
        case .delivered(let session):
            guard let view = await manager.sessionView(session) else {
                throw ConsoleError(.notFound, "The session \(id) has left the bench.")
            }
            return try ConsoleJSON.response(view)
        }
    }

    struct EraseBody: Decodable {
        var customerPresent: Bool
        enum CodingKeys: String, CodingKey { case customerPresent = "customer_present" }
    }

    /// The erasure step: the consultant confirms the customer is present and agrees; the device is erased over
    /// its link and the session's `erasure` follows it to the signed record.
    private func erase(_ request: Request, context: ConsoleContext) async throws -> Response {
        let id = try context.parameters.require("id")
        guard let login = context.login else { throw ConsoleError(.unauthorized, "Log in first.") }
        let body: EraseBody
        do { body = try await request.decode(as: EraseBody.self, context: context) } catch {
            throw ConsoleError(.unprocessableContent, "Send {\"customer_present\": true} once the customer is present and agrees.", field: "customer_present")
        }
        guard body.customerPresent else {
            throw ConsoleError(.unprocessableContent, "The customer must be present and agree before the device is erased.", field: "customer_present")
        }
        let erase = ErasureSettings(
            consultant: login.consultant.id, tool: settings.eraseTool,
            confirmation: "The consultant confirmed in the console that the customer was present and agreed.",
            preserveDataPlan: settings.erasePreserveDataPlan, returnTimeout: settings.eraseReturnTimeout)
        return try await accepted(await manager.erase(id, settings: erase), id: id)
    }

    /// 202 with the session a step started in; 404 or 409 with the sentence when none started.
    private func accepted(_ start: SessionManager.StepStart, id: String) async throws -> Response {
        switch start {
        case .noSession:
            throw ConsoleError(.notFound, "No session \(id) is on this bench: the list at /api/v1/sessions shows them.")
        case .refused(let sentence):
            throw ConsoleError(.conflict, sentence)
        case .started(let session):
            guard let view = await manager.sessionView(session) else {
                throw ConsoleError(.notFound, "The device of session \(id) has left the bench.")
            }
            return try ConsoleJSON.response(view, status: .accepted)
        }
    }

    /// Server-Sent Events: every session now, then each change as the whole session, with heartbeats.
    private func events(_ request: Request) -> Response {
        let stream = manager.views.subscribe()
        let heartbeat = settings.heartbeat
        let manager = manager
        var headers = HTTPFields()
        headers[.contentType] = "text/event-stream"
        headers[.cacheControl] = "no-store"
        return Response(status: .ok, headers: headers, body: .init { writer in
            for view in await manager.sessionViews() { try await writer.write(Self.event(view)) }
            // A stream never ends by itself: it ends when the daemon begins its graceful stop, or the server would
            // wait for it (an open tablet) until the stop is escalated. The browser reconnects to the next daemon.
            let (beats, beat) = AsyncStream.makeStream(of: ByteBuffer.self)
            try await withGracefulShutdownHandler {
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask {
                        while !Task.isCancelled {
                            try await Task.sleep(for: heartbeat)
                            beat.yield(ByteBuffer(string: ": heartbeat\n\n"))
                        }
                    }
                    group.addTask {
                        for await view in stream { beat.yield(try Self.event(view)) }
                        beat.finish()
                    }
                    for await chunk in beats { try await writer.write(chunk) }
                    group.cancelAll()
                }
            } onGracefulShutdown: {
                beat.finish()
            }
            try await writer.finish(nil)
        })
    }

    static func event(_ view: SessionView) throws -> ByteBuffer {
        let data = try ConsoleJSON.encoder.encode(view)
        var buffer = ByteBuffer(string: "event: session\nid: \(view.id)\ndata: ")
        buffer.writeBytes(data)
        buffer.writeString("\n\n")
        return buffer
    }

    private func certificates(_ request: Request) async throws -> Response {
        let query = request.uri.queryParameters
        if let number = query["number"].map(String.init) {
            guard let parsed = CertificateNumber(number) else {
                throw ConsoleError(.unprocessableContent, "\(TextSafe.shown(number)) is not a certificate number: type it as on the slip.", field: "number")
            }
            return try await lookup(try await registry.certificate(parsed))
        }
        if let imei = query["imei"].map(String.init) {
            guard let key = CertificateRules.deviceKey(imeis: [imei], serial: nil) else {
                throw ConsoleError(.unprocessableContent, "An IMEI is 15 digits whose last one checks the rest: check it on the phone (*#06#).", field: "imei")
            }
            return try await lookup(try await registry.liveCertificate(forAnyOf: [key]))
        }
        throw ConsoleError(.unprocessableContent, "Look a certificate up by ?number= or ?imei=.", field: "number")
    }

    /// A day of the station's certificates: the consultant's "today's intakes".
    struct IntakeDay: Encodable {
        var date: CivilDate
        var station: String?
        var count: Int
        var totalKZT: Int
        var certificates: [CertificateSummary]
        enum CodingKeys: String, CodingKey { case date, station, count, totalKZT = "total_kzt", certificates }
    }

    /// `?date=` (default today): the certificates this station issued that day, newest first, with their total.
    private func intakes(_ request: Request) async throws -> Response {
        let day: CivilDate
        if let text = request.uri.queryParameters["date"].map(String.init) {
            day = try Self.day(text, field: "date")
        } else {
            day = settings.today()
        }
        let station = settings.station
        let issued = try await registry.list(CertificateFilter(issuedFrom: day, issuedThrough: day))
            .filter { station == nil || $0.number.station == station }
        var total = 0
        for certificate in issued {
            let (sum, overflow) = total.addingReportingOverflow(certificate.content.amount.amount)
            guard !overflow else {
                throw ConsoleError(.internalServerError, "The day's amounts do not add up within tenge's range: check the registry.")
            }
            total = sum
        }
        return try ConsoleJSON.response(IntakeDay(
            date: day, station: station?.rawValue, count: issued.count, totalKZT: total, certificates: issued.map(\.summary)))
    }

    /// The longest range one export takes: a year and a day, so a typo in a year does not read the whole chain.
    static let longestExportDays = 367

    /// `?from=&to=`: the registry's certificates issued in the range as the accounting CSV (IINs masked).
    private func export(_ request: Request) async throws -> Response {
        let query = request.uri.queryParameters
        guard let fromText = query["from"].map(String.init) else {
            throw ConsoleError(.unprocessableContent, "Give the first issue day as ?from=YYYY-MM-DD.", field: "from")
        }
        guard let toText = query["to"].map(String.init) else {
            throw ConsoleError(.unprocessableContent, "Give the last issue day as ?to=YYYY-MM-DD.", field: "to")
        }
        let first = try Self.day(fromText, field: "from")
        let last = try Self.day(toText, field: "to")
        guard first <= last else {
            throw ConsoleError(.unprocessableContent, "The first day \(first) is after the last day \(last): swap them.", field: "from")
        }
        guard last.daysSinceEpoch - first.daysSinceEpoch < Self.longestExportDays else {
            throw ConsoleError(.unprocessableContent, "One export covers at most a year: split the range from \(first) to \(last).", field: "to")
        }
        let certificates = try await registry.list(CertificateFilter(issuedFrom: first, issuedThrough: last))
        var headers = HTTPFields()
        headers[.contentType] = "text/csv; charset=utf-8"
        headers[.cacheControl] = "no-store"
        headers[.contentDisposition] = "attachment; filename=\"certificates-\(first)-\(last).csv\""
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: CertificateCSV.document(certificates))))
    }

    static func day(_ text: String, field: String) throws -> CivilDate {
        guard let day = CivilDate(text) else {
            throw ConsoleError(.unprocessableContent, "\(TextSafe.shown(text)) is not a day: write it as YYYY-MM-DD.", field: field)
        }
        return day
    }

    struct SplitBody: Decodable {
        var certificate: String?
        var amountKZT: Int?
        var contract: Redemption.Contract
        enum CodingKeys: String, CodingKey { case certificate, amountKZT = "amount_kzt", contract }
    }

    /// The redemption calculator: how a certificate (by number, or an amount such as the offer) would pay for the
    /// Contract Phone the customer chose. Nothing is spent.
    private func split(_ request: Request, context: ConsoleContext) async throws -> Response {
        let body: SplitBody
        do {
            // Decoded here rather than by the router, whose wrapper would hide the field a DecodingError names.
            let bytes = try await request.body.collect(upTo: context.maxUploadSize)
            body = try JSONDecoder().decode(SplitBody.self, from: Data(bytes.readableBytesView))
        } catch let error as DecodingError {
            let (field, sentence) = Self.describe(error, body: "calculator's request", reference: "POST /api/v1/redemption/split in the OpenAPI document")
            throw ConsoleError(.unprocessableContent, sentence, field: field)
        } catch {
            throw ConsoleError(.unprocessableContent, "Send {\"certificate\": NUMBER, \"contract\": {\"price\", \"min_prepayment\", \"max_prepayment\", \"months\"}} as JSON.")
        }
        let amount: Tenge
        switch (body.certificate, body.amountKZT) {
        case (let number?, nil):
            guard let parsed = CertificateNumber(number) else {
                throw ConsoleError(.unprocessableContent, "\(TextSafe.shown(number)) is not a certificate number: type it as on the slip.", field: "certificate")
            }
            guard let found = try await registry.certificate(parsed) else {
                throw ConsoleError(.notFound, "No certificate \(parsed) is in this registry.", field: "certificate")
            }
            amount = found.content.amount
        case (nil, let kzt?):
            amount = Tenge(kzt)
        default:
            throw ConsoleError(.unprocessableContent, "Give either the certificate's number or an amount_kzt, not both or neither.", field: "certificate")
        }
        switch Redemption.split(certificate: amount, contract: body.contract) {
        case .success(let split):
            return try ConsoleJSON.response(split)
        case .failure(let problem):
            throw ConsoleError(.unprocessableContent, problem.description, field: Self.field(of: problem))
        }
    }

    static func field(of problem: Redemption.SplitError) -> String {
        switch problem {
        case .nonPositiveCertificate: return "amount_kzt"
        case .nonPositivePrice: return "contract.price"
        case .negativePrepayment, .minimumAboveMaximum, .minimumAbovePrice: return "contract.min_prepayment"
        case .months: return "contract.months"
        case .tooLarge(let what):
            switch what {
            case "phone's price": return "contract.price"
            case "minimum prepayment": return "contract.min_prepayment"
            case "maximum prepayment": return "contract.max_prepayment"
            default: return "amount_kzt"
            }
        }
    }

    /// A refused phone read again from its card, without unplugging it.
    private func readAgain(context: ConsoleContext) async throws -> Response {
        let id = try context.parameters.require("id")
        return try await accepted(await manager.readAgain(id), id: id)
    }

    struct LanguageBody: Decodable { var language: String }

    /// The logged-in consultant's console language, kept for their next login.
    private func language(_ request: Request, context: ConsoleContext) async throws -> Response {
        guard let login = context.login else { throw ConsoleError(.unauthorized, "Log in first.") }
        let body: LanguageBody
        do { body = try await request.decode(as: LanguageBody.self, context: context) } catch {
            throw ConsoleError(.unprocessableContent, "Send {\"language\": \"ru\"}, \"kk\" or \"en\".", field: "language")
        }
        guard SQLiteRegistry.languages.contains(body.language) else {
            throw ConsoleError(.unprocessableContent, "The console speaks ru, kk or en.", field: "language")
        }
        try await consultants.setLanguage(login.consultant.id, body.language)
        guard var consultant = try await consultants.credentials(login.consultant.id)?.consultant else {
            throw ConsoleError(.notFound, "This consultant is no longer on the bench.")
        }
        consultant.lockedUntil = nil
        return try ConsoleJSON.response(consultant)
    }

    struct ReprintBody: Decodable { var reason: String }

    private func reprint(_ request: Request, context: ConsoleContext) async throws -> Response {
        let number = try context.parameters.require("number")
        guard let parsed = CertificateNumber(number) else {
            throw ConsoleError(.unprocessableContent, "\(TextSafe.shown(number)) is not a certificate number.", field: "number")
        }
        let body: ReprintBody
        do { body = try await request.decode(as: ReprintBody.self, context: context) } catch {
            throw ConsoleError(.unprocessableContent, "Say why the slip is printed again: {\"reason\": \"...\"}.", field: "reason")
        }
        guard let printer else {
            throw ConsoleError(.conflict, "No printer is configured on this bench: set printer in the configuration.")
        }
        guard try await registry.certificate(parsed) != nil else {
            throw ConsoleError(.notFound, "No certificate \(number) is in this registry.")
        }
        switch await printer.print(parsed, registry: registry, stores: stores, reason: body.reason, consultant: context.login?.consultant.id ?? "console") {
        case .printed:
            return try ConsoleJSON.response(CertificateList(certificates: (try await registry.certificate(parsed)).map { [$0.summary] } ?? []))
        case .failed(let sentence):
            throw ConsoleError(.conflict, sentence)
        }
    }

    /// The field and a sentence for a body that does not decode.
    /// The field and a sentence for a body that does not decode; `body` names what was sent ("answers", "calculator
    /// request"), `reference` where its format is described.
    static func describe(
        _ error: DecodingError, body: String = "answers", reference: String = "the answers format in design.md"
    ) -> (String?, String) {
        func path(_ context: DecodingError.Context, _ extra: (any CodingKey)? = nil) -> String {
            (context.codingPath + (extra.map { [$0] } ?? [])).map(\.stringValue).filter { !$0.isEmpty }.joined(separator: ".")
        }
        switch error {
        case .keyNotFound(let key, let context):
            let field = path(context, key)
            return (field, "\(field) is missing from the \(body): see \(reference).")
        case .typeMismatch(_, let context), .valueNotFound(_, let context):
            let field = path(context)
            return (field, "\(field) has a wrong value in the \(body): see \(reference).")
        case .dataCorrupted(let context):
            let field = path(context)
            return (field.isEmpty ? nil : field, field.isEmpty ? "The \(body) cannot be read as JSON." : "\(field) is wrong in the \(body).")
        @unknown default:
            return (nil, "The \(body) cannot be read.")
        }
    }
}

/// Text from a request shown back in a sentence or a log: cut short, digits of an IIN-like run masked.
enum TextSafe {
    static func shown(_ text: String) -> String {
        var kept = String(text.prefix(40).unicodeScalars.filter { !$0.properties.generalCategory.isControl }.map(Character.init))
        if kept.count == 12, kept.allSatisfy(\.isNumber) { kept = String(kept.prefix(8)) + "****" }
        return kept
    }
}

extension Unicode.GeneralCategory {
    var isControl: Bool { self == .control || self == .format }
}

/// Bearer token, or the session cookie with the CSRF token for changes.
struct Authentication: RouterMiddleware {
    typealias Context = ConsoleContext
    static let cookieName = "intake_session"
    let auth: ConsoleAuth

    func handle(_ request: Request, context: ConsoleContext, next: (Request, ConsoleContext) async throws -> Response) async throws -> Response {
        var context = context
        if let header = request.headers[.authorization], header.hasPrefix("Bearer ") {
            guard let login = auth.login(token: String(header.dropFirst(7))) else {
                throw ConsoleError(.unauthorized, "The login has expired or is unknown: log in again.")
            }
            context.login = login
        } else if let cookie = request.cookies[Self.cookieName], let login = auth.login(token: cookie.value) {
            if request.method != .get && request.method != .head {
                guard request.headers[HTTPField.Name("X-CSRF-Token")!] == login.csrfToken else {
                    throw ConsoleError(.forbidden, "A change made with the session cookie needs the X-CSRF-Token the login gave: reload the page.")
                }
            }
            context.login = login
            context.byCookie = true
        } else {
            throw ConsoleError(.unauthorized, "Log in first: POST /api/v1/login with the consultant's id and PIN.")
        }
        if let login = context.login, try await !auth.stillEnabled(login) {
            throw ConsoleError(.unauthorized, "This consultant has been disabled on this bench: log in as another consultant.")
        }
        return try await next(request, context)
    }
}

/// No framing by other sites, no sniffing, no referrer: the page carries a customer's details.
struct SecurityHeaders: RouterMiddleware {
    typealias Context = ConsoleContext
    func handle(_ request: Request, context: ConsoleContext, next: (Request, ConsoleContext) async throws -> Response) async throws -> Response {
        var response: Response
        do {
            response = try await next(request, context)
        } catch let error as ConsoleError {
            // Refusals carry the same headers as answers.
            response = try error.response(from: request, context: context)
            response.status = error.status
        }
        response.headers[.xContentTypeOptions] = "nosniff"
        response.headers[HTTPField.Name("X-Frame-Options")!] = "DENY"
        response.headers[HTTPField.Name("Referrer-Policy")!] = "no-referrer"
        response.headers[.contentSecurityPolicy] = "default-src 'self'; frame-ancestors 'none'"
        return response
    }
}
