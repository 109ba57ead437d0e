// SPDX-License-Identifier: Apache-2.0
import AgentCLI
import ArgumentParser
import Diagnostics
import Dispatch
import Foundation
import Intake
import IntakeStore
import Logging

/// `intake-agent run`: the bench daemon. Watches USB (and usbmuxd for iPhones), starts one session per device,
/// takes the consultant's answers from the spool directory (`<data dir>/answers/<session or device>.json`, the
/// same format as `intake --answers`), keeps the registry, and logs every session event to stderr for journald.
/// SIGTERM or SIGINT stops it gracefully: no new sessions, sessions waiting for answers stop, an issuance in
/// flight finishes its transaction.
struct Run: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Runs the bench daemon: hotplug, sessions and registry."
    )

    @OptionGroup var global: GlobalOptions
    @OptionGroup var station: StationOptions

    @Option(help: "The store id (data/stores.csv); defaults to store_id in the configuration.")
    var store: String?

    @Option(help: "Seconds between looks at the answers spool directory.")
    var spoolInterval: Double = 1

    func run() async throws {
        try await reportingFailures { try await serve() }
    }

    private func serve() async throws {
        var logger = global.logLevel == .warning ? global.makeLoggerAt(.info) : global.makeLogger()
        logger[metadataKey: "component"] = "daemon"
        let opened = try StationContext.open(global: global, station: station, store: store)
        let dataDir = global.resolvedDataDir
        logger.notice(
            "intake-agent \(AgentVersion.string) starting",
            metadata: [
                "libusb": "\(LibUSBContext.libusbVersion)", "store": "\(opened.context.storeID)",
                "data_dir": "\(dataDir.path)", "config": "\(opened.configuration.source ?? "defaults")",
            ])

        let manager = SessionManager(
            context: opened.context,
            defaults: IntakeAnswers(store: opened.context.storeID, consultant: opened.context.consultant),
            logger: logger)
        let stop = ShutdownSignal()

        let usb: LibUSBContext
        do throws(LibUSBError) {
            usb = try LibUSBContext(logger: logger)
        } catch {
            throw Failure("libusb could not start (\(error.name)): check that /dev/bus/usb exists and run `intake-agent doctor`.")
        }
        let watcher: USBWatcher
        do throws(LibUSBError) {
            watcher = try usb.watch()
        } catch {
            throw Failure("USB hotplug is not available (\(error.name)): the service needs AF_NETLINK (see systemd/intake-agent.service).")
        }

        let readers = BenchReaders(logger: logger, usb: usb, adbKey: try DeviceSelection.adbKey(in: dataDir))
        let usbTask = Task {
            for await event in watcher {
                let device = event.device
                let key = device.serial.map { "usb:\($0)" } ?? "port:\(device.portPath)"
                switch event {
                case .arrived:
                    if let reader = readers.reader(for: device) {
                        await manager.deviceArrived(key: key, reader: reader)
                    } else if let advice = readers.advice(for: device) {
                        logger.notice("\(advice)", metadata: ["usb.port": "\(device.portPath)", "usb.kind": "\(device.kind.rawValue)"])
                    }
                case .left:
                    await manager.deviceLeft(key: key)
                }
            }
        }
        let iosTask = Task { await readers.followIOS(manager: manager) }
        let spool = AnswersSpool(directory: dataDir.appendingPathComponent("answers"), logger: logger)
        let spoolTask = Task {
            while !Task.isCancelled {
                await spool.deliver(to: manager)
                try? await Task.sleep(for: .seconds(spoolInterval))
            }
        }

        await stop.wait()
        logger.notice("intake-agent stopping: finishing sessions in flight")
        usbTask.cancel()
        iosTask.cancel()
        spoolTask.cancel()
        usb.shutdown()
        await manager.shutdown()
        logger.notice("intake-agent stopped")
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

/// Waits for SIGTERM or SIGINT, which the daemon handles itself (the default action would kill it mid-write).
final class ShutdownSignal {
    private let stream: AsyncStream<Int32>
    private let sources: [any DispatchSourceSignal]

    init() {
        let (stream, continuation) = AsyncStream.makeStream(of: Int32.self)
        self.stream = stream
        var sources: [any DispatchSourceSignal] = []
        for signo in [SIGTERM, SIGINT] {
            signal(signo, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signo, queue: .global())
            source.setEventHandler { continuation.yield(signo) }
            source.resume()
            sources.append(source)
        }
        self.sources = sources
    }

    func wait() async {
        for await _ in stream { return }
    }
}

/// Answers files dropped in the spool directory by a script, a handheld scanner app or the console: each named
/// after a session id or a device key, in the `intake --answers` format. Delivered files move to `done/`;
/// unreadable ones to `rejected/` with the reason logged, so nothing is silently lost.
struct AnswersSpool: Sendable {
    let directory: URL
    let logger: Logger

    func deliver(to manager: SessionManager) async {
        let fm = FileManager.default
        guard let names = try? fm.contentsOfDirectory(atPath: directory.path) else { return }
        for name in names.sorted() where name.hasSuffix(".json") {
            let path = directory.appendingPathComponent(name)
            let target = String(name.dropLast(5))
            let answers: IntakeAnswers
            do throws(IntakeAnswers.Invalid) {
                answers = try IntakeAnswers.load(path: path.path)
            } catch {
                logger.error("\(error.description)")
                move(path, to: "rejected")
                continue
            }
            if target.hasPrefix("manual-") || target == "manual" {
                let id = await manager.startManual(answers: answers)
                logger.info("manual session started from \(name)", metadata: ["session": "\(id)"])
                move(path, to: "done")
            } else if await manager.submit(answers, to: target) {
                move(path, to: "done")
            }
            // No session by that name yet: the file waits for the device to arrive.
        }
    }

    private func move(_ file: URL, to folder: String) {
        let fm = FileManager.default
        let dir = directory.appendingPathComponent(folder)
        try? fm.createDirectory(at: dir, withIntermediateDirectories: true)
        let stamp = Int(Date().timeIntervalSince1970)
        try? fm.moveItem(at: file, to: dir.appendingPathComponent("\(stamp)-\(file.lastPathComponent)"))
    }
}
