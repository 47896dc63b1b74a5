import Foundation

/// `openssl s_server` or `s_client` as a peer that speaks only old TLS versions; stopped on deinit.
final class OpenSSLPeer: @unchecked Sendable {  // `text` is guarded by `lock`; the process is driven from the test thread
    let process = Process()
    private let output = Pipe()
    private(set) var text = ""
    private let lock = NSLock()

    init(_ arguments: [String]) throws {
        process.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        process.arguments = arguments
        process.standardOutput = output
        process.standardError = output
        process.standardInput = Pipe()
        output.fileHandleForReading.readabilityHandler = { [weak self] handle in
            let data = handle.availableData
            guard let self, !data.isEmpty else { return }
            self.lock.lock()
            self.text += String(decoding: data, as: UTF8.self)
            self.lock.unlock()
        }
        try process.run()
    }

    /// What it printed so far.
    var printed: String {
        lock.lock()
        defer { lock.unlock() }
        return text
    }

    /// Waits (blocking, off any loop) until `needle` was printed or `seconds` pass.
    func waitFor(_ needle: String, seconds: Double) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if printed.contains(needle) { return true }
            Thread.sleep(forTimeInterval: 0.02)
        }
        return printed.contains(needle)
    }

    deinit {
        output.fileHandleForReading.readabilityHandler = nil
        if process.isRunning { process.terminate() }
    }
}
