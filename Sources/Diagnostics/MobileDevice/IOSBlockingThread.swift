// SPDX-License-Identifier: Apache-2.0
//
// Blocking libimobiledevice calls run here, on a thread of their own, never on Swift's cooperative pool.
//
// Why a thread per read and not a pool: libimobiledevice 1.3.0 cannot cancel a call (lockdownd waits 30 s for a
// reply, its TLS handshake has no timeout at all), so a call that overruns its deadline is abandoned, not
// interrupted. Its thread finishes on its own when the library gives up, frees what it holds and discards its
// result; a fixed pool would be starved by such threads, and other devices' reads with it.

import Dispatch
import Foundation
import Synchronization

/// How a blocking read ended.
enum IOSThreadOutcome<Value: Sendable>: Sendable {
    case finished(Value)
    /// The named step overran its deadline; the thread was abandoned.
    case timedOut(step: String)
    /// The awaiting task was cancelled; the thread was abandoned.
    case cancelled
}

/// Handed to the body running on the thread: it names each step so a deadline applies to each, and tells the body
/// when nobody waits for it any more.
final class IOSStepClock<Value: Sendable>: Sendable {
    private struct State {
        var step = 0
        var stepName = "starting"
        var continuation: CheckedContinuation<IOSThreadOutcome<Value>, Never>?
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

    fileprivate func install(_ continuation: CheckedContinuation<IOSThreadOutcome<Value>, Never>) {
        let alreadyDone = state.withLock { state -> Bool in
            if state.done { return true }
            state.continuation = continuation
            return false
        }
        if alreadyDone { continuation.resume(returning: .cancelled) }
    }

    fileprivate func resume(_ outcome: IOSThreadOutcome<Value>) {
        let continuation = state.withLock { state -> CheckedContinuation<IOSThreadOutcome<Value>, Never>? in
            guard !state.done else { return nil }
            state.done = true
            defer { state.continuation = nil }
            return state.continuation
        }
        continuation?.resume(returning: outcome)
    }
}

enum IOSBlockingThread {
    /// Runs `body` on a new thread; it must call `clock.finish(_:)` once with its result (and may clean up after).
    /// Returns when it finishes, when a step overruns `stepTimeout`, or when the task is cancelled.
    static func run<Value: Sendable>(
        name: String, stepTimeout: Duration, _ body: @escaping @Sendable (IOSStepClock<Value>) -> Void
    ) async -> IOSThreadOutcome<Value> {
        let clock = IOSStepClock<Value>(stepTimeout: stepTimeout)
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
