// SPDX-License-Identifier: Apache-2.0
import Synchronization

/// A one-consumer queue between the reader thread and an async reader, whose `next` gives up at a deadline.
///
/// The reader thread `put`s and `finish`es without blocking; the consumer awaits `next(until:)`, which throws
/// the given timeout error when the deadline passes first, and `CancellationError` when its task is
/// cancelled. One slow stream therefore never holds up another.
final class ADBMailbox<Element: Sendable>: Sendable {
    private struct Waiter {
        var ticket: UInt64
        var continuation: CheckedContinuation<Element?, any Error>
        var timer: Task<Void, Never>?
    }

    private struct State {
        var queue: [Element] = []
        var finished = false
        var failure: (any Error)?
        var waiter: Waiter?
        var nextTicket: UInt64 = 0
    }

    private enum Immediate { case element(Element), end, failure(any Error), wait }

    private let state = Mutex(State())

    init() {}

    func put(_ element: Element) {
        let waiter = state.withLock { s -> Waiter? in
            guard !s.finished else { return nil }
            if let w = s.waiter {
                s.waiter = nil
                return w
            }
            s.queue.append(element)
            return nil
        }
        waiter?.timer?.cancel()
        waiter?.continuation.resume(returning: element)
    }

    /// Ends the queue: after the queued elements, `next` returns `nil` (or throws `error`).
    func finish(throwing error: (any Error)? = nil) {
        let waiter = state.withLock { s -> Waiter? in
            guard !s.finished else { return nil }
            s.finished = true
            s.failure = error
            defer { s.waiter = nil }
            return s.waiter
        }
        guard let waiter else { return }
        waiter.timer?.cancel()
        if let error { waiter.continuation.resume(throwing: error) } else { waiter.continuation.resume(returning: nil) }
    }

    var isFinished: Bool { state.withLock { $0.finished } }

    /// The next element, `nil` once finished; throws `timeout` at `deadline`.
    func next(until deadline: ContinuousClock.Instant, timeout: @autoclosure @Sendable () -> any Error) async throws -> Element? {
        let ticket = state.withLock { s -> UInt64 in
            s.nextTicket += 1
            return s.nextTicket
        }
        let timeoutError = timeout()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Element?, any Error>) in
                let now = state.withLock { s -> Immediate in
                    if !s.queue.isEmpty { return .element(s.queue.removeFirst()) }
                    if s.finished { return s.failure.map { .failure($0) } ?? .end }
                    s.waiter = Waiter(ticket: ticket, continuation: continuation, timer: nil)
                    return .wait
                }
                switch now {
                case .element(let e): continuation.resume(returning: e)
                case .end: continuation.resume(returning: nil)
                case .failure(let error): continuation.resume(throwing: error)
                case .wait:
                    let timer = Task { [weak self] in
                        try? await Task.sleep(until: deadline, clock: .continuous)
                        guard !Task.isCancelled else { return }
                        self?.expire(ticket, with: timeoutError)
                    }
                    let stillWaiting = state.withLock { s -> Bool in
                        guard s.waiter?.ticket == ticket else { return false }
                        s.waiter?.timer = timer
                        return true
                    }
                    if !stillWaiting { timer.cancel() }
                }
            }
        } onCancel: {
            expire(ticket, with: CancellationError())
        }
    }

    private func expire(_ ticket: UInt64, with error: any Error) {
        let waiter = state.withLock { s -> Waiter? in
            guard let w = s.waiter, w.ticket == ticket else { return nil }
            s.waiter = nil
            return w
        }
        waiter?.timer?.cancel()
        waiter?.continuation.resume(throwing: error)
    }
}
