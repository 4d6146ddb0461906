import Foundation
import Glibc
import SMPSystem

/// The one `SerialConnection` implementation: a dedicated I/O thread that sleeps in `poll` on the port and on a
/// wake-up pipe, yields what it reads, finishes writes the kernel could not take at once, and notices a hang-up
/// (POLLHUP/POLLERR, or a read failing with EIO) the moment the kernel reports it, using no CPU while it waits.
final class PolledSerialConnection: SerialConnection, @unchecked Sendable {
    let path: String
    let backendName: String
    let bytes: AsyncThrowingStream<[UInt8], any Error>

    private let continuation: AsyncThrowingStream<[UInt8], any Error>.Continuation
    private let device: any SerialDevice
    /// A pipe whose read end the I/O thread polls, so that `write` and `close` can wake it.
    private let wakeReadEnd: Int32
    private let wakeWriteEnd: Int32
    private let injection: FaultInjection?

    /// Guards everything below, and serialises every write to the device.
    private let lock = NSLock()
    private var pendingWrites: [PendingWrite] = []
    private var closeRequested = false
    private var finished = false
    private var termination: SerialError?
    private var closeWaiters: [CheckedContinuation<Void, Never>] = []
    private var finishedAt: ContinuousClock.Instant?
    /// Set once the device is closed: `close()` returns at once from then on.
    private var deviceClosed = false

    /// Bytes the kernel has not yet taken, and the caller waiting for them.
    private struct PendingWrite {
        var bytes: [UInt8]
        var offset: Int
        let caller: CheckedContinuation<Result<Void, SerialError>, Never>
    }

    /// Size of one read; at 921600 baud this is about 0.7 s of data, so one read normally takes all there is.
    private static let readChunkSize = 65_536

    /// Takes ownership of an open device and starts its I/O thread.
    init(device: any SerialDevice) throws(SerialError) {
        self.device = device
        self.path = device.path
        self.backendName = device.backendName
        (bytes, continuation) = AsyncThrowingStream.makeStream(of: [UInt8].self, bufferingPolicy: .unbounded)
        var ends: [Int32] = [-1, -1]
        do {
            try SystemCall.run("pipe", port: device.path) { pipe(&ends) }
        } catch {
            device.close()
            throw error
        }
        wakeReadEnd = ends[0]
        wakeWriteEnd = ends[1]
        do {
            for end in ends {
                let flags = try SystemCall.run("fcntl(F_GETFL)", port: device.path) { fcntl(end, F_GETFL) }
                try SystemCall.run("fcntl(F_SETFL)", port: device.path) { fcntl(end, F_SETFL, flags | O_NONBLOCK) }
                try SystemCall.run("fcntl(F_SETFD)", port: device.path) { fcntl(end, F_SETFD, FD_CLOEXEC) }
            }
        } catch {
            for end in ends { SystemCall.close(end) }
            device.close()
            throw error
        }
        injection = FaultInjection.current
        let thread = Thread { [self] in
            FaultInjection.$current.withValue(injection) { self.runIOLoop() }
        }
        thread.name = "smpctl serial \(device.path)"
        thread.start()
    }

    deinit {
        SystemCall.close(wakeReadEnd)
        SystemCall.close(wakeWriteEnd)
    }

    func write(_ bytes: [UInt8]) async throws(SerialError) {
        let result = await withCheckedContinuation { (caller: CheckedContinuation<Result<Void, SerialError>, Never>) in
            let outcome: Result<Void, SerialError>? = lock.withLock {
                if let stopped = stoppedError(operation: "write") { return .failure(stopped) }
                var offset = 0
                // Fast path: nothing queued, so try the write here; the descriptor is non-blocking, so this never
                // blocks the calling thread. Whatever the kernel does not take goes to the I/O thread.
                if pendingWrites.isEmpty {
                    while offset < bytes.count {
                        let written: Result<Int?, SerialError> = writeToDevice(bytes, from: offset)
                        switch written {
                        case .failure(let error): return .failure(classify(error, revents: 0))
                        case .success(nil): break
                        case .success(let count?):
                            offset += count
                            continue
                        }
                        break
                    }
                    if offset == bytes.count { return .success(()) }
                }
                pendingWrites.append(PendingWrite(bytes: bytes, offset: offset, caller: caller))
                return nil
            }
            if let outcome {
                caller.resume(returning: outcome)
            } else {
                wake()
            }
        }
        try result.get()
    }

    func close() async {
        await withCheckedContinuation { (waiter: CheckedContinuation<Void, Never>) in
            let alreadyFinished: Bool = lock.withLock {
                if deviceClosed { return true }
                closeRequested = true
                closeWaiters.append(waiter)
                return false
            }
            if alreadyFinished { waiter.resume() } else { wake() }
        }
    }

    // MARK: - I/O thread

    private func runIOLoop() {
        var buffer = [UInt8](repeating: 0, count: Self.readChunkSize)
        var ending: SerialError?
        loop: while true {
            let (closing, wantsWrite) = lock.withLock { (closeRequested, !pendingWrites.isEmpty) }
            if closing { break }
            var descriptors = [
                pollfd(
                    fd: device.fileDescriptor, events: Int16(POLLIN) | (wantsWrite ? Int16(POLLOUT) : 0), revents: 0),
                pollfd(fd: wakeReadEnd, events: Int16(POLLIN), revents: 0),
            ]
            do {
                try SystemCall.run("poll", port: path) { poll(&descriptors, 2, -1) }
            } catch {
                ending = error
                break
            }
            if descriptors[1].revents != 0 { drainWakePipe() }
            let revents = descriptors[0].revents
            if let invalid = SerialError.lineEnding(revents: revents, port: path, afterReading: false) {
                ending = invalid
                break
            }
            if revents & Int16(POLLIN) != 0 {
                switch device.readAvailable(into: &buffer, revents: revents, deliver: { continuation.yield(Array($0)) })
                {
                case .some(let error):
                    ending = error
                    break loop
                case .none:
                    break
                }
            }
            if let hangUp = SerialError.lineEnding(revents: revents, port: path, afterReading: true) {
                ending = hangUp
                break
            }
            if revents & Int16(POLLOUT) != 0, let error = flushPendingWrites() {
                ending = error
                break
            }
        }
        finish(ending)
    }

    /// Writes queued bytes until the kernel takes no more; resumes each caller whose bytes are all written.
    private func flushPendingWrites() -> SerialError? {
        while true {
            let step: (done: CheckedContinuation<Result<Void, SerialError>, Never>?, error: SerialError?, more: Bool) =
                lock.withLock {
                    guard let first = pendingWrites.first else { return (nil, nil, false) }
                    switch writeToDevice(first.bytes, from: first.offset) {
                    case .failure(let error):
                        return (nil, classify(error, revents: 0), false)
                    case .success(nil):
                        return (nil, nil, false)
                    case .success(let count?):
                        pendingWrites[0].offset += count
                        guard pendingWrites[0].offset == first.bytes.count else { return (nil, nil, true) }
                        return (pendingWrites.removeFirst().caller, nil, true)
                    }
                }
            step.done?.resume(returning: .success(()))
            if let error = step.error { return error }
            if !step.more { return nil }
        }
    }

    /// One non-blocking write of `bytes[offset...]`; the caller holds the lock.
    private func writeToDevice(_ bytes: [UInt8], from offset: Int) -> Result<Int?, SerialError> {
        bytes.withUnsafeBytes { raw in
            Result { () throws(SerialError) -> Int? in
                try device.write(UnsafeRawBufferPointer(rebasing: raw[offset...]))
            }
        }
    }

    /// Stops for good: ends `bytes` and fails queued writes at once (a lost device is reported before anything
    /// else), then closes the device, then releases `close()` callers, so that after `close()` returns the port can
    /// be opened again.
    private func finish(_ ending: SerialError?) {
        let (writes, reason): ([PendingWrite], SerialError) = lock.withLock {
            finished = true
            finishedAt = ContinuousClock.now
            let reason =
                ending
                ?? SerialError(kind: .closed, operation: "write", port: path, message: "the connection was closed")
            termination = reason
            defer { pendingWrites = [] }
            return (pendingWrites, reason)
        }
        if let ending { continuation.finish(throwing: ending) } else { continuation.finish() }
        for write in writes { write.caller.resume(returning: .failure(reason)) }
        device.close()
        let waiters: [CheckedContinuation<Void, Never>] = lock.withLock {
            deviceClosed = true
            defer { closeWaiters = [] }
            return closeWaiters
        }
        for waiter in waiters { waiter.resume() }
    }

    /// When the I/O thread ended the connection (the moment a hang-up was detected), for tests and diagnostics:
    /// unlike the time a consumer sees the end of `bytes`, it does not depend on when a task gets a thread.
    var endedAt: ContinuousClock.Instant? {
        lock.withLock { finishedAt }
    }

    // MARK: - Helpers

    /// The error for a write after the connection stopped or began closing; the caller holds the lock.
    private func stoppedError(operation: String) -> SerialError? {
        if let termination { return termination }
        if closeRequested {
            return SerialError(kind: .closed, operation: operation, port: path, message: "the connection is closing")
        }
        return nil
    }

    private func classify(_ error: SerialError, revents: Int16) -> SerialError {
        error.classifyingHangUp(revents: revents)
    }

    private func wake() {
        var token: UInt8 = 1
        // A full pipe (would block) already holds a wake-up, so it needs no handling.
        _ = try? SystemCall.runUnlessWouldBlock("write(wake pipe)", port: path) { Glibc.write(wakeWriteEnd, &token, 1) }
    }

    private func drainWakePipe() {
        var sink = [UInt8](repeating: 0, count: 64)
        while let count = try? SystemCall.runUnlessWouldBlock(
            "read(wake pipe)", port: path, { Glibc.read(wakeReadEnd, &sink, sink.count) }),
            count > 0
        {}
    }
}
