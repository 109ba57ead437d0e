// SPDX-License-Identifier: Apache-2.0
import Hummingbird
import HTTPTypes
import NIOCore

/// The page, its script and style, from the binary itself (console/, embedded by scripts/embed-console).
enum ConsolePage {
    static func add(to router: Router<ConsoleContext>) {
        router.get("/") { _, _ in asset(ConsoleAssets.indexHTML, type: "text/html; charset=utf-8") }
        router.get("app.js") { _, _ in asset(ConsoleAssets.appJS, type: "text/javascript; charset=utf-8") }
        router.get("app.css") { _, _ in asset(ConsoleAssets.appCSS, type: "text/css; charset=utf-8") }
    }

    static func asset(_ text: String, type: String) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = type
        headers[.cacheControl] = "no-cache"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: text + "\n")))
    }
}
