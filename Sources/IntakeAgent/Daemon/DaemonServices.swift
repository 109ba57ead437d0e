// SPDX-License-Identifier: Apache-2.0
import Diagnostics
import Foundation
import Intake
import IntakeStore
import Logging
import ServiceLifecycle
import UnixSignals

// The daemon's services, in the order `run` starts them; swift-service-lifecycle stops them in reverse, each
// after the one started after it has returned. Sources of sessions (USB, usbmuxd, the spool) stop before the
// session manager, so no session starts while the bench is stopping, and the manager stops last of these.
// The console's HTTP server and the chain registry's sync (later issues) go after the USB watcher: they stop
// first, before the sessions they show and push.

/// The session manager: sessions are its child tasks. Graceful shutdown stops the sessions waiting for answers
/// and waits for the rest; the group's escalation (cancellation) cancels them.
struct SessionManagerService: Service {
    let manager: SessionManager
    let logger: Logger

    func run() async throws {
        await withGracefulShutdownHandler {
            await manager.run()
        } onGracefulShutdown: { [manager, logger] in
            Task {
                let open = await manager.openSessions()
                logger.notice("stopping sessions", metadata: ["open_sessions": "\(open)"])
                await manager.beginShutdown()
            }
        }
    }
}

/// The USB bus: Android phones (and the devices that only get advice) arrive and leave here.
struct USBWatcherService: Service {
    let usb: LibUSBContext
    let watcher: USBWatcher
    let readers: BenchReaders
    let manager: SessionManager
    let logger: Logger

    func run() async throws {
        for await event in watcher.cancelOnGracefulShutdown() {
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
        await usb.shutdown()
    }
}

/// iPhones and iPads, from usbmuxd's own events.
struct IOSEventService: Service {
    let readers: BenchReaders
    let manager: SessionManager

    func run() async throws {
        await cancelWhenGracefulShutdown {
            await readers.followIOS(manager: manager)
        }
    }
}

/// Android phones in `adb tcpip` mode (and the product's simulated adbd): each endpoint is tried every
/// `interval`; one that starts accepting connections is a phone plugged in, one that stops is a phone unplugged.
struct ADBTCPWatcherService: Service {
    let endpoints: [(host: String, port: UInt16)]
    let adbKey: ADBKey
    let manager: SessionManager
    let interval: Duration
    let logger: Logger

    func run() async throws {
        var present = Set<String>()
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            // One thread a round tries every endpoint in turn: an idle bench pays one wake-up a second, not ten.
            let endpoints = endpoints
            let answering = await BlockingWork.run("adb tcp probe") {
                endpoints.map { (try? TCPSocket.connect(host: $0.host, port: $0.port, timeout: .milliseconds(500))) != nil }
            }
            for ((host, port), up) in zip(endpoints, answering) {
                let key = "tcp:\(host):\(port)"
                if up, !present.contains(key) {
                    present.insert(key)
                    logger.info("an Android phone answers on \(host):\(port)", metadata: ["device": "\(key)"])
                    await manager.deviceArrived(key: key, reader: AndroidADBReader(link: .tcp(host: host, port: port), key: adbKey))
                } else if !up, present.contains(key) {
                    present.remove(key)
                    await manager.deviceLeft(key: key)
                    // The next phone on this endpoint may be another phone: it gets a session of its own.
                    await manager.forgetEnded(key: key)
                }
            }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
        }
    }
}

/// The answers spool: files dropped by scripts, delivered to the sessions waiting for them.
struct AnswersSpoolService: Service {
    let spool: AnswersSpool
    let manager: SessionManager
    let interval: Duration

    func run() async throws {
        try spool.prepare()
        // The spool looks when a file arrives (inotify), when any session changes (a file may wait for its device),
        // and on a slow timer besides; without inotify, every `interval`. A file half-delivered when the stop
        // comes is finished first: only the wait between looks is cut short.
        let watch = DirectoryWatch(path: spool.directory.path)
        let fallback = watch == nil ? interval : .seconds(30)
        let (wakes, wake) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        await withTaskGroup(of: Void.self) { group in
            if let watch {
                group.addTask { for await _ in watch.changes { wake.yield() } }
            }
            group.addTask {
                for await _ in manager.views.subscribe() { wake.yield() }
            }
            group.addTask {
                while !Task.isCancelled {
                    try? await Task.sleep(for: fallback)
                    wake.yield()
                }
            }
            await spool.deliver(to: manager)
            for await _ in wakes.cancelOnGracefulShutdown() {
                if Task.isCancelled { break }
                await spool.deliver(to: manager)
            }
            watch?.stop()
            group.cancelAll()
        }
    }
}

/// SIGTERM and SIGINT: the first starts the graceful shutdown, a second ends the process at once.
enum StopSignals {
    static func watch(group: ServiceGroup, logger: Logger) async {
        let signals = await UnixSignalsSequence(trapping: .sigterm, .sigint)
        var seen = 0
        for await signal in signals {
            seen += 1
            if seen == 1 {
                logger.notice("\(signal) received: stopping gracefully (send it again to stop at once)")
                await group.triggerGracefulShutdown()
            } else {
                logger.critical("\(signal) received again: stopping at once; sessions still open are abandoned, nothing stored is lost")
                exit(1)
            }
        }
    }
}

/// The chain registry's sync (issue 11): applies missing migrations when the chain first answers, then pushes the
/// station's outbox (certificates issued while the chain was unreachable, and entries of processes that died
/// mid-issuance) every `interval`, and once more as the daemon stops. Conflicts stay for `registry conflicts`.
struct ChainSyncService: Service {
    let station: Station
    let interval: Duration
    let logger: Logger

    func run() async throws {
        guard let chain = station.chain else { return }
        var migrated = false
        var lastProblem: String?
        func pass() async {
            if !migrated {
                do {
                    let applied = try await chain.migrate()
                    for name in applied { logger.notice("chain registry migrated", metadata: ["migration": "\(name)"]) }
                    migrated = true
                } catch {
                    // A role without CREATE rights cannot migrate: the owner runs `registry migrate`; syncing still works.
                    if "\(error)".contains("42501") { migrated = true }
                }
            }
            do {
                guard let report = try await station.sync() else { return }
                if !report.pushed.isEmpty || !report.conflicts.isEmpty || !report.abandoned.isEmpty {
                    logger.notice(
                        "chain registry sync",
                        metadata: [
                            "pushed": "\(report.pushed.count)", "conflicts": "\(report.conflicts.count)",
                            "abandoned": "\(report.abandoned.count)", "pending": "\(report.remaining)",
                        ])
                }
                for number in report.conflicts {
                    logger.warning("certificate conflicts with the chain: see `intake-agent registry conflicts`", metadata: ["certificate": "\(number)"])
                }
                if report.problem != lastProblem {
                    if let problem = report.problem {
                        logger.warning("chain registry sync stopped; retrying", metadata: ["reason": "\(problem)", "pending": "\(report.remaining)"])
                    } else if lastProblem != nil {
                        logger.notice("chain registry answers again")
                    }
                    lastProblem = report.problem
                }
            } catch {
                logger.error("chain registry sync failed", metadata: ["reason": "\(error)"])
            }
        }
        await pass()
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
            if Task.isCancelled || Task.isShuttingDownGracefully { break }
            await pass()
        }
        await station.close()
    }
}
