// SPDX-License-Identifier: Apache-2.0
import Foundation
import Logging
import NIOSSL
import PostgresNIO

/// What a station does when the chain registry cannot be reached while issuing (config `offline_issuance`).
public enum OfflineIssuance: String, Sendable, Hashable, Codable, CaseIterable {
    /// Issue nothing, and say so (the default).
    case refuse
    /// Issue locally, print "pending" on the slip, and push it to the chain when it answers again.
    case queue
}

/// How a station reaches the chain registry: `INTAKE_AGENT_REGISTRY_URL` or config `registry_url`, a
/// `postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?sslmode=disable|prefer|require][&host=/socket/dir]` URL.
public struct ChainSettings: Sendable, Hashable {
    public var url: String
    public var offlineIssuance: OfflineIssuance
    /// How long one chain operation may take before the chain counts as unreachable.
    public var timeout: Duration
    /// Connections this station keeps at most.
    public var maximumConnections: Int

    public init(url: String, offlineIssuance: OfflineIssuance = .refuse, timeout: Duration = .seconds(5), maximumConnections: Int = 4) {
        self.url = url
        self.offlineIssuance = offlineIssuance
        self.timeout = timeout
        self.maximumConnections = maximumConnections
    }

    /// The URL without its password, for logs and `registry status`.
    public var displayURL: String {
        guard var components = URLComponents(string: url) else { return "(unreadable URL)" }
        if components.password != nil { components.password = "***" }
        return components.string ?? "(unreadable URL)"
    }

    enum SSLMode: String { case disable, prefer, require }

    /// The postgres-nio configuration for this URL; a URL it cannot use is refused with what to write instead.
    func clientConfiguration() throws -> PostgresClient.Configuration {
        let example = "postgres://intake_agent@db.example:5432/intake"
        guard let components = URLComponents(string: url),
            let scheme = components.scheme, ["postgres", "postgresql"].contains(scheme.lowercased())
        else {
            throw StoreError.invalid("The chain registry URL \(displayURL) is not a postgres:// URL: write it like \(example).")
        }
        let query = Dictionary(
            (components.queryItems ?? []).map { ($0.name, $0.value ?? "") }, uniquingKeysWith: { _, last in last })
        guard let user = components.user.flatMap({ $0.removingPercentEncoding ?? $0 }), !user.isEmpty else {
            throw StoreError.invalid("The chain registry URL \(displayURL) names no user: write it like \(example).")
        }
        let database = String(components.path.drop(while: { $0 == "/" }))
        guard !database.isEmpty else {
            throw StoreError.invalid("The chain registry URL \(displayURL) names no database: write it like \(example).")
        }
        let password = components.password.map { $0.removingPercentEncoding ?? $0 }
        var configuration: PostgresClient.Configuration
        if let socketDirectory = query["host"], socketDirectory.hasPrefix("/") {
            let port = components.port ?? 5432
            configuration = .init(
                unixSocketPath: "\(socketDirectory)/.s.PGSQL.\(port)", username: user, password: password,
                database: database)
        } else {
            guard let host = components.host, !host.isEmpty else {
                throw StoreError.invalid("The chain registry URL \(displayURL) names no host: write it like \(example).")
            }
            let loopback = ["localhost", "127.0.0.1", "::1"].contains(host)
            let modeText = query["sslmode"] ?? (loopback ? "disable" : "prefer")
            guard let mode = SSLMode(rawValue: modeText) else {
                throw StoreError.invalid(
                    "The chain registry URL \(displayURL) has sslmode=\(modeText): use disable, prefer or require.")
            }
            let tls: PostgresClient.Configuration.TLS
            switch mode {
            case .disable: tls = .disable
            case .prefer: tls = .prefer(.makeClientConfiguration())
            case .require: tls = .require(.makeClientConfiguration())
            }
            configuration = .init(
                host: host, port: components.port ?? 5432, username: user, password: password, database: database,
                tls: tls)
        }
        configuration.options.connectTimeout = timeout
        configuration.options.maximumConnections = maximumConnections
        configuration.options.minimumConnections = 0
        configuration.options.keepAliveBehavior = .init(frequency: .seconds(30))
        return configuration
    }
}
