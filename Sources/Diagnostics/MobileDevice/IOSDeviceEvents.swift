// SPDX-License-Identifier: Apache-2.0
//
// iOS device arrival and departure from usbmuxd's event subscription. `usbmuxd_events_subscribe` takes any
// number of subscribers (libimobiledevice 1.3.0's `idevice_event_subscribe` has one global one), so the agent's
// watcher, a session and a test can each hold their own.

import CIMobileDevice
import Foundation

/// What usbmuxd reported.
public enum IOSDeviceEvent: Sendable, Hashable {
    case attached(IOSDeviceHandle)
    case detached(IOSDeviceHandle)
    /// A host saved a pair record for the device.
    case paired(IOSDeviceHandle)
}

/// usbmuxd's device events as an `AsyncSequence`. Devices already attached arrive first as `.attached`. When
/// usbmuxd is not running the sequence simply waits (libusbmuxd retries every second); when it goes away,
/// every device it listed is reported `.detached`.
public struct IOSDeviceEvents: AsyncSequence, Sendable {
    public typealias Element = IOSDeviceEvent

    public init() {}

    public func makeAsyncIterator() -> AsyncStream<IOSDeviceEvent>.Iterator {
        Self.stream().makeAsyncIterator()
    }

    /// The box libusbmuxd's callback reaches through its `user_data` pointer.
    private final class Subscriber: Sendable {
        let continuation: AsyncStream<IOSDeviceEvent>.Continuation
        init(_ continuation: AsyncStream<IOSDeviceEvent>.Continuation) { self.continuation = continuation }
    }

    /// A `Sendable` carrier for the subscription context, which is only handed back to libusbmuxd.
    private struct Context: @unchecked Sendable {
        let value: usbmuxd_subscription_context_t?
    }

    /// The corresponding C functions are `usbmuxd_events_subscribe` and `usbmuxd_events_unsubscribe`.
    static func stream() -> AsyncStream<IOSDeviceEvent> {
        IOSMux.configureFromEnvironment()
        let (stream, continuation) = AsyncStream.makeStream(of: IOSDeviceEvent.self, bufferingPolicy: .unbounded)
        let subscriber = Unmanaged.passRetained(Subscriber(continuation))
        var context: usbmuxd_subscription_context_t?
        // Minimal work in the callback (it runs on libusbmuxd's listener thread, under its listener lock):
        // copy the device record into a Swift value and yield it.
        let rc = usbmuxd_events_subscribe(&context, { event, userData in
            guard let event, let userData else { return }
            let subscriber = Unmanaged<Subscriber>.fromOpaque(userData).takeUnretainedValue()
            let handle = IOSDeviceHandle(event.pointee.device)
            switch event.pointee.event {
            case Int32(UE_DEVICE_ADD.rawValue): subscriber.continuation.yield(.attached(handle))
            case Int32(UE_DEVICE_REMOVE.rawValue): subscriber.continuation.yield(.detached(handle))
            case Int32(UE_DEVICE_PAIRED.rawValue): subscriber.continuation.yield(.paired(handle))
            default: break
            }
        }, subscriber.toOpaque())
        guard rc == 0 else {
            subscriber.release()
            continuation.finish()
            return stream
        }
        let box = Context(value: context)
        continuation.onTermination = { _ in
            // Unsubscribing joins libusbmuxd's listener thread when it is the last subscriber: do it on a thread
            // of its own, never on the cooperative pool, then release the box the callback used.
            let thread = Thread {
                usbmuxd_events_unsubscribe(box.value)
                subscriber.release()
            }
            thread.start()
        }
        return stream
    }
}
