import CSSL
import Foundation

/// Masking keys for client frames (RFC 6455 §5.3: unpredictable, from a strong source), drawn
/// from a pool that one `RAND_bytes` call refills with 64 keys — instead of one `getrandom`
/// syscall per frame, which the benchmark's profile showed on every audio frame to the provider.
enum WSMaskingKeyPool {
    private static let lock = NSLock()
    // Guarded by `lock`: the pool is shared by every loop thread (and by tests running in parallel).
    nonisolated(unsafe) private static var keys = [UInt32](repeating: 0, count: 64)
    nonisolated(unsafe) private static var next = 64

    /// The next unused key.
    static func take() -> UInt32 {
        lock.lock()
        defer { lock.unlock() }
        if next == keys.count {
            let ok = keys.withUnsafeMutableBytes { RAND_bytes($0.baseAddress, Int32($0.count)) } == 1
            if !ok {
                // OpenSSL's generator unavailable (should not happen): the system generator instead.
                var system = SystemRandomNumberGenerator()
                for i in keys.indices { keys[i] = system.next() }
            }
            next = 0
        }
        defer { next += 1 }
        return keys[next]
    }
}
