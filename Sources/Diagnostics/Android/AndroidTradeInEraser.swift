// SPDX-License-Identifier: Apache-2.0
//
// Erasing an Android 16+ phone in ADB Trade-In Mode, and checking it came back in factory state.
//
// AOSP (`TradeInModeService.enterEvaluationMode`, `docs/dev/adb_tradeinmode.md` in packages/modules/adb):
// `tradeinmode evaluate` is refused unless the phone is in the trade-in foyer (`persist.adb.tradeinmode` 1) and
// FRP is off; otherwise it writes the wipe marker `/metadata/tradeinmode/wipe`, sets the property to 2 and
// restarts adbd, which comes back unrestricted and without authorisation. First-stage init sees the marker on
// the next boot and reboots into recovery for an unprompted wipe. So the erase is: `evaluate`, confirm the
// property reads 2 (the wipe is armed), `reboot:`, and wait for the phone to come back in the foyer again
// (adbd restricted to `tradeinmode`, which only a phone at its setup wizard runs), with the same identity.

import Foundation

/// How a Trade-In Mode erase ended.
public struct AndroidTradeInErasure: Sendable, Hashable {
    public enum Result: Sendable, Hashable {
        /// Nothing was sent: not in trade-in mode, FRP on, the identity check refused, the phone unreachable.
        case notSent(String)
        /// `tradeinmode evaluate` was refused (the phone's words, or its exit code).
        case refused(String)
        /// The wipe was armed and the phone rebooted, but it was not back (in factory state) before the deadline.
        case armedNoReturn(String)
        /// The phone came back, but not in factory state (still in evaluation mode, or not at the setup wizard).
        case returnedNotErased(String)
        /// The wipe was armed, the phone rebooted and came back in trade-in mode with the same identity.
        case erased
    }

    public var result: Result
    /// `tradeinmode getstatus` before the erase.
    public var before: AndroidParsers.TradeInStatus?
    /// `tradeinmode getstatus` after the return.
    public var after: AndroidParsers.TradeInStatus?
    /// `persist.adb.tradeinmode` read in evaluation mode (`2`: the factory reset is guaranteed on the next boot).
    public var evaluationState: String?
    /// The phone was seen gone (no adbd answering) after the reboot request.
    public var left = false

    public init(result: Result, before: AndroidParsers.TradeInStatus? = nil) {
        self.result = result
        self.before = before
    }
}

public enum AndroidTradeInEraser {
    public struct Options: Sendable {
        public var commandTimeout: Duration
        /// How long the phone may take to wipe and come back.
        public var returnTimeout: Duration
        /// How long adbd may take to restart after `evaluate`.
        public var restartTimeout: Duration
        public var pollInterval: Duration
        public var handshake: ADBConnection.HandshakeTimeouts

        public init(
            commandTimeout: Duration = .seconds(10), returnTimeout: Duration = .seconds(900), restartTimeout: Duration = .seconds(30),
            pollInterval: Duration = .milliseconds(250), handshake: ADBConnection.HandshakeTimeouts = .init(answer: .seconds(5), allow: .seconds(5))
        ) {
            self.commandTimeout = commandTimeout
            self.returnTimeout = returnTimeout
            self.restartTimeout = restartTimeout
            self.pollInterval = pollInterval
            self.handshake = handshake
        }
    }

    /// Opens a new transport to the phone (TCP, or the USB device found again by its serial).
    public typealias Connect = @Sendable () async throws -> any ADBTransport

    /// Runs the erase. `approve` sees the status before anything is sent: a sentence refuses, `nil` goes on.
    public static func erase(
        connect: Connect, key: ADBKey, options: Options = Options(),
        approve: @Sendable (AndroidParsers.TradeInStatus) -> String?,
        progress: @Sendable (_ waited: Duration) -> Void = { _ in }
    ) async -> AndroidTradeInErasure {
        // MARK: Before: the foyer, its status, FRP
        let first: ADBConnection
        do {
            first = try await ADBConnection.connect(over: try await connect(), key: key, timeouts: options.handshake)
        } catch {
            return AndroidTradeInErasure(result: .notSent("The phone could not be reached over ADB (\(error)): nothing was sent."))
        }
        let state = await foyerState(first, options: options)
        guard case .foyer(let status) = state else {
            first.close()
            switch state {
            case .evaluation:
                return AndroidTradeInErasure(result: .notSent(
                    "The phone is already in trade-in evaluation mode, so this bench cannot check it before erasing: restart it (it wipes itself on the way up) and erase it again."))
            default:
                return AndroidTradeInErasure(result: .notSent(
                    "The phone is not in ADB Trade-In Mode (Android 16+ at its setup wizard): no shell command can factory-reset it; reset it from Settings and record a guided erase."))
            }
        }
        var erasure = AndroidTradeInErasure(result: .erased, before: status)
        if status.frpActive == true {
            first.close()
            erasure.result = .notSent("Factory reset protection is on: the previous owner's Google account still holds the phone, and the phone refuses evaluation mode; nothing was sent.")
            return erasure
        }
        if let refusal = approve(status) {
            first.close()
            erasure.result = .notSent(refusal)
            return erasure
        }

        // MARK: evaluate: arms the wipe and restarts adbd
        do {
            let answer = try await first.shell("tradeinmode evaluate", timeout: options.commandTimeout)
            if let code = answer.exitCode, code != 0 {
                first.close()
                let said = (answer.errorText + answer.text).trimmingCharacters(in: .whitespacesAndNewlines)
                erasure.result = .refused("The phone refused trade-in evaluation mode (exit \(code)\(said.isEmpty ? "" : ": " + said)): nothing was erased.")
                return erasure
            }
        } catch DiagnosticsError.Code.deviceGone {
            // adbd restarts as evaluation mode begins: the link may drop before the exit code arrives.
        } catch {
            first.close()
            erasure.result = .refused("The phone did not answer `tradeinmode evaluate` (\(error)): nothing was erased.")
            return erasure
        }
        first.close()

        // MARK: Evaluation mode: the wipe is armed; reboot
        // adbd restarts a moment after `evaluate` exits: a connection made before the restart dies with it, so
        // the property is read again until it says 2 or the restart deadline passes.
        let clock = ContinuousClock()
        let restartDeadline = clock.now + options.restartTimeout
        var evaluation: ADBConnection?
        var seen = "unreadable"
        while evaluation == nil, clock.now < restartDeadline {
            if let candidate = await reconnect(connect: connect, key: key, options: options, within: options.pollInterval) {
                do {
                    let property = try await candidate.shell("getprop persist.adb.tradeinmode", timeout: options.commandTimeout)
                    seen = property.text.trimmingCharacters(in: .whitespacesAndNewlines)
                    if seen == "2" { evaluation = candidate } else { candidate.close() }
                } catch DiagnosticsError.Code.refused {
                    seen = "still the trade-in foyer's"
                    candidate.close()
                } catch {
                    candidate.close()
                }
            }
            if evaluation == nil { try? await Task.sleep(for: options.pollInterval) }
        }
        guard let evaluation else {
            erasure.result = .refused("The phone answered `tradeinmode evaluate` but did not come back in evaluation mode within \(Int(options.restartTimeout.components.seconds)) s (persist.adb.tradeinmode \(seen)), so no wipe is known to be armed: read it again before handing it over.")
            return erasure
        }
        erasure.evaluationState = "2"
        _ = try? await evaluation.read(service: "reboot:", timeout: options.commandTimeout)
        evaluation.close()

        // MARK: The return: the foyer again, same identity
        let start = clock.now
        var lastProgress = start
        while clock.now - start < options.returnTimeout {
            if let back = await reconnect(connect: connect, key: key, options: options, within: options.pollInterval) {
                let state = await foyerState(back, options: options)
                back.close()
                switch state {
                case .foyer(let after):
                    erasure.after = after
                    if !sameDevice(status, after) {
                        erasure.result = .returnedNotErased("A phone came back in trade-in mode, but with another serial or IMEI than the one evaluated.")
                    }
                    return erasure
                case .evaluation:
                    if erasure.left {
                        erasure.result = .returnedNotErased("The phone came back still in evaluation mode: it did not wipe itself on the way up.")
                        return erasure
                    }
                case .other:
                    if erasure.left {
                        erasure.result = .returnedNotErased("The phone came back with full ADB and not in trade-in mode, so it is not at its setup wizard: it shows no sign of a wipe.")
                        return erasure
                    }
                }
            } else {
                erasure.left = true
            }
            if clock.now - lastProgress >= .seconds(10) {
                lastProgress = clock.now
                progress(clock.now - start)
            }
            do { try await Task.sleep(for: options.pollInterval) } catch { break }
        }
        erasure.result = Task.isCancelled
            ? .armedNoReturn("The erase was interrupted (the agent was stopped) while the phone was wiping itself, so its return was not checked.")
            : .armedNoReturn("The phone rebooted to wipe itself but was not back in trade-in mode within \(Int(options.returnTimeout.components.seconds)) s.")
        return erasure
    }

    enum FoyerState {
        /// Trade-in mode: every service but `tradeinmode` refused, and this status.
        case foyer(AndroidParsers.TradeInStatus)
        /// Evaluation mode (full shell, `persist.adb.tradeinmode` 2).
        case evaluation
        case other
    }

    /// Which mode adbd is in: the foyer refuses `getprop` and answers `tradeinmode getstatus`.
    static func foyerState(_ connection: ADBConnection, options: Options) async -> FoyerState {
        do {
            let property = try await connection.shell("getprop persist.adb.tradeinmode", timeout: options.commandTimeout)
            return property.text.trimmingCharacters(in: .whitespacesAndNewlines) == "2" ? .evaluation : .other
        } catch DiagnosticsError.Code.refused {
            guard let answer = try? await connection.shell("tradeinmode getstatus", timeout: options.commandTimeout),
                let status = AndroidParsers.tradeInStatus(answer.text)
            else { return .other }
            return .foyer(status)
        } catch {
            return .other
        }
    }

    /// One connection attempt after another until `within` has passed; `nil` when none succeeded.
    static func reconnect(connect: Connect, key: ADBKey, options: Options, within: Duration) async -> ADBConnection? {
        let clock = ContinuousClock()
        let deadline = clock.now + within
        repeat {
            if let transport = try? await connect(),
                let connection = try? await ADBConnection.connect(over: transport, key: key, timeouts: options.handshake)
            {
                return connection
            }
            if clock.now >= deadline { break }
            do { try await Task.sleep(for: options.pollInterval) } catch { return nil }
        } while clock.now < deadline
        return nil
    }

    /// The same phone: its serial, or one of its IMEIs, where both reports give them.
    static func sameDevice(_ a: AndroidParsers.TradeInStatus, _ b: AndroidParsers.TradeInStatus) -> Bool {
        if let s = a.serial, let t = b.serial { return s == t }
        if !a.imeis.isEmpty, !b.imeis.isEmpty { return !Set(a.imeis).isDisjoint(with: b.imeis) }
        return true
    }
}
