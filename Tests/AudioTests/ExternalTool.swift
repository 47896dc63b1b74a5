import Foundation

/// Runs a reference tool (`python3`, `sox`) found on PATH, for tests against real peers.
enum ExternalTool {
    /// What a finished run produced.
    struct Output {
        var status: Int32
        var stdout: [UInt8]
        var stderr: String
    }

    /// Whether `name` is an executable somewhere on PATH.
    static func isOnPath(_ name: String) -> Bool {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        return path.split(separator: ":").contains {
            FileManager.default.isExecutableFile(atPath: "\($0)/\(name)")
        }
    }

    /// Runs `name arguments...` through `/usr/bin/env` and collects its output.
    static func run(_ name: String, _ arguments: [String]) throws -> Output {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [name] + arguments
        let stdout = Pipe()
        let stderr = Pipe()
        process.standardOutput = stdout
        process.standardError = stderr
        try process.run()
        // Read stderr on another thread so neither pipe can fill up and stall the child.
        let errorData = ErrorCollector(stderr.fileHandleForReading)
        let out = stdout.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Output(status: process.terminationStatus, stdout: [UInt8](out), stderr: errorData.text())
    }

    /// Runs a tool and returns its stdout, failing with its stderr when it exits non-zero.
    static func check(_ name: String, _ arguments: [String]) throws -> [UInt8] {
        let output = try run(name, arguments)
        guard output.status == 0 else {
            throw ToolFailure(message: "\(name) \(arguments.joined(separator: " ")) exited \(output.status): \(output.stderr)")
        }
        return output.stdout
    }

    /// A tool ran but failed; the message carries its command line and stderr.
    struct ToolFailure: Error, CustomStringConvertible {
        var message: String
        var description: String { message }
    }

    /// Drains a pipe on a background thread.
    private final class ErrorCollector: @unchecked Sendable {
        // Safe: `data` is written once by the reading thread before `done` is signalled, and
        // read only after waiting on `done`.
        private var data = Data()
        private let done = DispatchSemaphore(value: 0)

        init(_ handle: FileHandle) {
            Thread.detachNewThread { [self] in
                data = handle.readDataToEndOfFile()
                done.signal()
            }
        }

        func text() -> String {
            done.wait()
            return String(decoding: data, as: UTF8.self)
        }
    }
}
