// SPDX-License-Identifier: Apache-2.0
import AgentCLI
import ArgumentParser
import Diagnostics
import Dispatch
import Foundation
import Intake
import IntakeStore
import Console
import Logging
import ServiceLifecycle

/// `intake-agent run`: the bench daemon, a swift-service-lifecycle service group. It watches USB (and usbmuxd
/// for iPhones), runs one session per device as a child task of the session manager, takes the consultant's
/// answers from the spool directory (`<data dir>/answers/<session or device>.json`, the same format as
/// `intake --answers`), keeps the registry, and logs every session event to stderr for journald.
///
/// SIGTERM or SIGINT stops it gracefully (exit 0): the sources stop first, sessions waiting for answers stop, an
/// issuance in flight finishes its transaction; after `--shutdown-seconds` the sessions still open are
/// cancelled. A second signal ends it at once (exit 1). SIGPIPE is ignored: a phone that drops its connection
/// ends that device's read, never the daemon.
struct Run: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Runs the bench daemon: hotplug, sessions and registry."
    )

    @OptionGroup var global: GlobalOptions
    @OptionGroup var station: StationOptions

    @Option(help: "The store id (data/stores.csv); defaults to store_id in the configuration.")
    var store: String?

    @Option(help: "Seconds between looks at the answers spool directory where inotify cannot watch it (it is watched otherwise).")
    var spoolInterval: Double = 1

    @Option(
        name: .customLong("adb-tcp"),
        help: ArgumentHelp("An Android phone in `adb tcpip` mode (or a simulated adbd) to watch, as HOST:PORT; repeatable.", valueName: "host:port"))
    var adbTcp: [String] = []

    @Option(help: "Where the console listens, as HOST:PORT (port 0 picks a free one); defaults to listen in the configuration, else 127.0.0.1:8480.")
    var listen: String?

    @Flag(help: "Serve the console over plain HTTP beyond loopback (the store's network); without it such an address is refused.")
    var insecureHttp = false

    @Option(help: "Seconds a graceful stop may take before open sessions are cancelled (below the unit's TimeoutStopSec of 30 s).")
    var shutdownSeconds: Int = 20

    @Option(help: "The console's TLS certificate (PEM, with its chain) for HTTPS; defaults to tls_certificate in the configuration.")
    var tlsCertificate: String?

    @Option(help: "The console's TLS private key (PEM); defaults to tls_key in the configuration.")
    var tlsKey: String?

    @Option(help: "Seconds between pushes of the station's outbox to the chain registry (when one is configured).")
    var syncSeconds: Int = 10

    func validate() throws {
        guard (1...25).contains(shutdownSeconds) else {
            throw ValidationError("--shutdown-seconds must be 1 to 25, so that a stop ends before systemd's TimeoutStopSec (30 s).")
        }
        guard spoolInterval >= 0.05, spoolInterval <= 60 else {
            throw ValidationError("--spool-interval must be 0.05 to 60 seconds.")
        }
        for endpoint in adbTcp where ADBTCPTransport.parseEndpoint(endpoint) == nil {
            throw ValidationError("--adb-tcp takes HOST:PORT, such as 192.168.1.20:5555, not \(endpoint).")
        }
    }

    func run() async throws {
        try await reportingFailures { try await serve() }
    }

    /// The daemon until it stops; `onConsoleListening` gets the console's address (`http://HOST:PORT/`) once it
    /// listens (`demo --console` prints it).
    func serve(onConsoleListening: @escaping @Sendable (String) -> Void = { _ in }) async throws {
        var logger = global.logLevel == .warning ? global.makeLoggerAt(.info) : global.makeLogger()
        logger[metadataKey: "component"] = "daemon"
        let opened = try StationContext.open(global: global, station: station, store: store)
        let dataDir = global.resolvedDataDir
        logger.notice(
            "intake-agent \(AgentVersion.string) starting",
            metadata: [
                "libusb": "\(LibUSBContext.libusbVersion)", "store": "\(opened.context.storeID)",
                "data_dir": "\(dataDir.path)", "config": "\(opened.configuration.source ?? "defaults")",
                "printer": "\(opened.printer?.destination ?? "none")",
            ])

        let usb = try LibUSBContext(logger: logger)
        let watcher = try usb.watch()
        let manager = SessionManager(
            context: opened.context,
            defaults: IntakeAnswers(store: opened.context.storeID, consultant: opened.context.consultant),
            printer: opened.printer, logger: logger)
        let adbKey = try DeviceSelection.adbKey(in: dataDir)
        let readers = BenchReaders(logger: logger, usb: usb, adbKey: adbKey)
        let spool = AnswersSpool(directory: dataDir.appendingPathComponent("answers"), logger: logger)

        let console = try consoleService(
            opened: opened, manager: manager, dataDir: dataDir, logger: logger, onListening: onConsoleListening)

        // Started in this order, stopped in reverse (see DaemonServices.swift). A service that ends on its own
        // (an event source that lost its library) shuts the whole group down gracefully: systemd restarts it.
        let services: [any Service] = [
            SessionManagerService(manager: manager, logger: logger),
            AnswersSpoolService(spool: spool, manager: manager, interval: .milliseconds(Int(spoolInterval * 1000))),
            IOSEventService(readers: readers, manager: manager),
            USBWatcherService(usb: usb, watcher: watcher, readers: readers, manager: manager, logger: logger),
        ] + (adbTcp.isEmpty ? [] : [
            ADBTCPWatcherService(
                endpoints: adbTcp.compactMap(ADBTCPTransport.parseEndpoint), adbKey: adbKey, manager: manager,
                interval: .seconds(2), logger: logger),
        ]) + (opened.station.chain == nil ? [] : [
            ChainSyncService(station: opened.station, interval: .seconds(syncSeconds), logger: logger),
        ]) + [console]
        var configuration = ServiceGroupConfiguration(
            services: services.map {
                .init(service: $0, successTerminationBehavior: .gracefullyShutdownGroup, failureTerminationBehavior: .gracefullyShutdownGroup)
            },
            logger: logger)
        // The signals are ours (StopSignals): the first is graceful, a second ends the process at once.
        configuration.gracefulShutdownSignals = []
        configuration.maximumGracefulShutdownDuration = .seconds(shutdownSeconds)
        let group = ServiceGroup(configuration: configuration)
        let signals = Task { await StopSignals.watch(group: group, logger: logger) }
        defer { signals.cancel() }
        let started = ContinuousClock.now
        do {
            try await group.run()
        } catch let failure as Failure {
            throw failure
        } catch {
            throw Failure("The bench daemon stopped because a service failed (\(error)): see the log above; systemd restarts it.")
        }
        let open = await manager.openSessions()
        logger.notice("intake-agent stopped", metadata: ["open_sessions": "\(open)", "uptime_s": "\((ContinuousClock.now - started).components.seconds)"])
    }
}

extension Run {
    /// The console's HTTP server: loopback by default; the store's network over HTTPS when a certificate and key
    /// are configured (`tls_certificate`, `tls_key`, or `--tls-certificate`, `--tls-key`), or over plain HTTP only
    /// with --insecure-http, said in the log.
    private func consoleService(
        opened: StationContext, manager: SessionManager, dataDir: URL, logger: Logger,
        onListening: @escaping @Sendable (String) -> Void
    ) throws -> any Service {
        let address = listen ?? opened.configuration.listen ?? "127.0.0.1:8480"
        guard let colon = address.lastIndex(of: ":"), let chosenPort = Int(address[address.index(after: colon)...]),
            (0...65535).contains(chosenPort), colon > address.startIndex
        else {
            throw Failure("--listen takes HOST:PORT, such as 127.0.0.1:8480, not \(address).")
        }
        let bracketed = String(address[..<colon])
        let host = bracketed.hasPrefix("[") && bracketed.hasSuffix("]") ? String(bracketed.dropFirst().dropLast()) : bracketed
        let loopback = host == "127.0.0.1" || host == "::1" || host == "localhost"
        let certificate = tlsCertificate ?? opened.configuration.tlsCertificate
        let key = tlsKey ?? opened.configuration.tlsKey
        var tls: (certificate: String, key: String)?
        switch (certificate, key) {
        case (let certificate?, let key?): tls = (certificate, key)
        case (nil, nil): tls = nil
        default:
            throw Failure("The console's TLS needs both a certificate and its key: set tls_certificate and tls_key (or --tls-certificate and --tls-key), or neither.")
        }
        if !loopback && tls == nil {
            guard insecureHttp else {
                throw Failure("The console would listen on \(host), beyond this machine, without TLS: PINs and customers' details would cross the store's network in clear. Pass --insecure-http to accept that, or keep the default 127.0.0.1.")
            }
            logger.warning("the console listens on \(host) over plain HTTP (--insecure-http): PINs and customers' details cross the network unencrypted")
        }
        var settings = ConsoleServer.Settings(host: host, port: chosenPort)
        settings.eraseTool = "intake-agent \(AgentVersion.string)"
        settings.eraseReturnTimeout = .seconds(opened.configuration.eraseReturnTimeoutSeconds)
        settings.erasePreserveDataPlan = opened.configuration.erasePreserveDataPlan
        settings.tls = tls
        settings.station = opened.station.issuer.station
        settings.today = opened.context.today
        let server = ConsoleServer(
            settings: settings, manager: manager, registry: opened.station.certificates,
            consultants: opened.station.registry, printer: opened.printer, stores: opened.context.stores, logger: logger)
        let scheme = tls == nil ? "http" : "https"
        do {
            let application = try server.application(onRunning: { port in
                let url = "\(scheme)://\(host.contains(":") ? "[\(host)]" : host):\(port)/"
                logger.notice("console listening on \(url)", metadata: ["port": "\(port)"])
                onListening(url)
            })
            return ConsoleListening(application: application, address: address)
        } catch let error as ConsoleSetupError {
            throw Failure(error.description)
        }
    }
}

/// The console's server, whose failure to listen is said as what to do, not as the socket call that failed.
struct ConsoleListening<Application: Service>: Service {
    let application: Application
    let address: String

    func run() async throws {
        do {
            try await application.run()
        } catch {
            let detail = "\(error)"
            if detail.contains("Address already in use") {
                throw Failure("The console cannot listen on \(address): another program (another intake-agent?) has that port; stop it, or set listen (--listen) to another port.")
            }
            if detail.contains("Permission denied") || detail.contains("Cannot assign requested address") {
                throw Failure("The console cannot listen on \(address): this machine has no such address or the port needs privileges; set listen (--listen) to this machine's address and a port above 1023.")
            }
            throw error
        }
    }
}

extension GlobalOptions {
    /// The daemon logs at info unless told otherwise: journald keeps the session trail.
    func makeLoggerAt(_ level: Logger.Level) -> Logger {
        LogBootstrap.once(level: level)
        var logger = Logger(label: "intake-agent")
        logger.logLevel = level
        return logger
    }
}

