// SPDX-License-Identifier: Apache-2.0
//
// The console's files and its OpenAPI document: what is compiled in is what is in console/, and the server serves
// exactly what the document describes.

import Console
import Foundation
import Intake
import Logging
import IntakeStore
import Testing

@Suite("the console's document and assets")
struct ConsoleDocumentTests {
    static let package: URL = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<4 { url.deleteLastPathComponent() }
        return url
    }()

    @Test("the compiled-in page, script, style and document are console/'s files byte for byte", arguments: [
        ("index.html", ConsoleAssets.indexHTML), ("app.js", ConsoleAssets.appJS), ("app.css", ConsoleAssets.appCSS),
        ("openapi.json", ConsoleAssets.openAPI),
    ])
    func assetsMatch(file: String, embedded: String) throws {
        var text = try String(contentsOf: Self.package.appendingPathComponent("console/\(file)"), encoding: .utf8)
        if text.hasSuffix("\n") { text.removeLast() }
        #expect(text == embedded, "console/\(file) differs from the copy compiled into the program: run scripts/embed-console")
    }

    @Test("every route the server answers under /api/v1 is in the OpenAPI document, and every documented one is served")
    func routesMatchTheDocument() throws {
        let document = try #require(try JSONSerialization.jsonObject(with: Data(ConsoleAssets.openAPI.utf8)) as? [String: Any])
        #expect(document["openapi"] as? String == "3.1.0")
        let paths = try #require(document["paths"] as? [String: [String: Any]])
        let documented = Set(paths.flatMap { path, operations in operations.keys.map { "\($0.uppercased()) \(path)" } })
        let (context, _) = try IntakeSessionTests.context()
        let manager = SessionManager(context: context, logger: Logger(label: "test"))
        let registry = context.issuer.registry
        let directory = try SQLiteRegistry(dataDirectory: FileManager.default.temporaryDirectory.appendingPathComponent("doc-\(UUID().uuidString)"))
        let server = ConsoleServer(
            settings: .init(), manager: manager, registry: registry, consultants: directory, printer: nil,
            stores: context.stores, logger: Logger(label: "test"))
        let served = Set(server.routes)
        let api = served.filter { $0.contains(" /api/v1/") }
        #expect(api == documented, "served but not documented: \(api.subtracting(documented).sorted()); documented but not served: \(documented.subtracting(api).sorted())")
        #expect(served.subtracting(api) == ["GET /", "GET /app.js", "GET /app.css"], "\(served.subtracting(api).sorted())")
    }
}
