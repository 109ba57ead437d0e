// SPDX-License-Identifier: Apache-2.0
//
// The one place blocking work runs: C library calls (lockdown, usbmuxd, libusb descriptor reads and shutdown),
// socket connects and printer writes each get a thread of their own, never Swift's cooperative pool, whose few
// threads would otherwise stall every other device's session.
//
// Why a thread per call and not a pool: libimobiledevice 1.3.0 cannot cancel a call (lockdownd waits 30 s for a
// reply, its TLS handshake has no timeout at all), so a call that overruns its deadline is abandoned, not
// interrupted. Its thread finishes on its own when the library gives up, frees what it holds and discards its
// result; a fixed pool would be starved by such threads, and other devices' reads with it.

import Dispatch
import Foundation
import Synchronization

/// How a blocking read ended.
public enum BlockingOutcome<Value: Sendable>: Sendable {
    case finished(Value)
    /// The named step overran its deadline; the thread was abandoned.
    case timedOut(step: String)
    /// The awaiting task was cancelled; the thread was abandoned.
    case cancelled
}

/// Handed to the body running on the thread: it names each step so a deadline applies to each, and tells the body
/// when nobody waits for it any more.
final class StepClock<Value: Sendable>: Sendable {
    private struct State {
        var step = 0
        var stepName = "starting"
        var continuation: CheckedContinuation<BlockingOutcome<Value>, Never>?
        var done = false
    }
    private let state = Mutex(State())
    private let stepTimeout: Duration

    init(stepTimeout: Duration) {
        self.stepTimeout = stepTimeout
    }

    /// Starts a step with a fresh deadline (`timeout`, or the clock's step timeout).
    func begin(_ name: String, timeout: Duration? = nil) {
        let step = state.withLock { state -> Int in
            state.step += 1
            state.stepName = name
            return state.step
        }
        let stepTimeout = timeout ?? self.stepTimeout
        let nanoseconds = stepTimeout.components.seconds * 1_000_000_000 + stepTimeout.components.attoseconds / 1_000_000_000
        DispatchQueue.global().asyncAfter(deadline: .now() + .nanoseconds(Int(nanoseconds))) { [self] in
            let name = state.withLock { $0.step == step ? $0.stepName : nil }
            if let name { resume(.timedOut(step: name)) }
        }
    }

    /// Whether the awaiting side has given up (deadline or cancellation): the body should stop and clean up.
    var abandoned: Bool { state.withLock { $0.done } }

    func finish(_ value: Value) { resume(.finished(value)) }

    fileprivate func install(_ continuation: CheckedContinuation<BlockingOutcome<Value>, Never>) {
        let alreadyDone = state.withLock { state -> Bool in
            if state.done { return true }
            state.continuation = continuation
            return false
        }
        if alreadyDone { continuation.resume(returning: .cancelled) }
    }

    fileprivate func resume(_ outcome: BlockingOutcome<Value>) {
        let continuation = state.withLock { state -> CheckedContinuation<BlockingOutcome<Value>, Never>? in
            guard !state.done else { return nil }
            state.done = true
            defer { state.continuation = nil }
            return state.continuation
        }
        continuation?.resume(returning: outcome)
    }
}

public enum BlockingWork {
    /// Runs `work` on a thread of its own and returns its result; the awaiting task is suspended, not blocked.
    public static func run<T: Sendable>(_ name: String, _ work: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            let thread = Thread { continuation.resume(returning: work()) }
            thread.name = name
            thread.start()
        }
    }

    /// `run` for work that throws.
    public static func run<T: Sendable, E: Error>(_ name: String, _ work: @escaping @Sendable () throws(E) -> T) async throws(E) -> T {
        let result: Result<T, E> = await run(name) { () -> Result<T, E> in
            do throws(E) { return .success(try work()) } catch { return .failure(error) }
        }
        return try result.get()
    }

    /// Starts `work` on a thread of its own and does not wait for it (a hotplug callback's hand-off).
    public static func detach(_ name: String, _ work: @escaping @Sendable () -> Void) {
        let thread = Thread(block: work)
        thread.name = name
        thread.start()
    }

    /// Runs `body` on a new thread; it must call `clock.finish(_:)` once with its result (and may clean up after).
    /// Returns when it finishes, when a step overruns `stepTimeout`, or when the task is cancelled.
    static func run<Value: Sendable>(
        name: String, stepTimeout: Duration, _ body: @escaping @Sendable (StepClock<Value>) -> Void
    ) async -> BlockingOutcome<Value> {
        let clock = StepClock<Value>(stepTimeout: stepTimeout)
        return await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                clock.install(continuation)
                let thread = Thread {
                    clock.begin("starting")
                    body(clock)
                }
                thread.name = name
                thread.start()
            }
        } onCancel: {
            clock.resume(.cancelled)
        }
    }
}
