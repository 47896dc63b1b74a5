import Foundation
import Glibc
import HTTP
import Net

extension EventLoop {
    /// Runs the loop on this thread until `condition` holds or `atMostMs` pass.
    public func run(atMostMs: Int64 = 5_000, until condition: @escaping () -> Bool) {
        run(until: condition, timeoutMs: atMostMs)
    }
}

/// A scripted HTTP server on loopback: answers each request with the next scripted response
/// (the last one repeats) and records what it received.
public final class ScriptedHTTPServer {
    public let server: HTTPServer
    public private(set) var requests: [HTTPRequest] = []
    public var responses: [HTTPResponse]

    public init(loop: EventLoop, tls: TLSContext? = nil, responses: [HTTPResponse]) throws {
        self.responses = responses
        var box: ScriptedHTTPServer?
        server = try HTTPServer(host: "127.0.0.1", port: 0, loop: loop, tls: tls) { request, _ in
            .response(box!.answer(request))
        }
        box = self
    }

    public var port: Int { server.port }

    private func answer(_ request: HTTPRequest) -> HTTPResponse {
        requests.append(request)
        return responses.count > 1 ? responses.removeFirst() : responses[0]
    }

}

extension HTTPResponse {
    /// A JSON response.
    public static func json(_ status: Int, _ body: String) -> HTTPResponse {
        .text(status, body, contentType: "application/json")
    }
}

/// A TCP server that accepts and never answers, noticing when the client goes away.
public final class SilentServer: ConnectionDelegate {
    public let listener: TCPListener
    public private(set) var accepted = 0
    public private(set) var closedByClient = 0
    private var connections: [Connection] = []

    public init(loop: EventLoop) throws {
        var box: SilentServer?
        listener = try TCPListener(host: "127.0.0.1", port: 0, loop: loop) { fd, peer in
            let connection = Connection(accepted: fd, peer: peer, loop: loop, tls: nil)
            connection.delegate = box
            box?.accepted += 1
            box?.connections.append(connection)
            connection.start()
        }
        box = self
    }

    public var port: Int { listener.port }

    public func connectionDidOpen(_ connection: Connection) {}
    public func connection(_ connection: Connection, didRead bytes: UnsafeRawBufferPointer) {}
    public func connection(_ connection: Connection, didCloseWith error: NetError?) { closedByClient += 1 }

    public func close() {
        for connection in connections { connection.close() }
        listener.close()
    }
}

/// A throw-away CA and a certificate for `localhost`/127.0.0.1, made with the `openssl` CLI.
public struct TestPKI {
    public let directory: String
    public var caFile: String { directory + "/ca.pem" }
    public var certFile: String { directory + "/localhost.pem" }
    public var keyFile: String { directory + "/localhost.key" }

    public static func make() throws -> TestPKI {
        let dir = NSTemporaryDirectory() + "vb-tools-tests-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
        try openssl(["req", "-x509"] + ec + ["-days", "2", "-subj", "/CN=voice-bridge tools test CA",
                    "-keyout", "ca.key", "-out", "ca.pem"], in: dir)
        try openssl(["req"] + ec + ["-subj", "/CN=localhost", "-keyout", "localhost.key", "-out", "localhost.csr"], in: dir)
        try "subjectAltName=DNS:localhost,IP:127.0.0.1\n".write(toFile: dir + "/localhost.ext", atomically: true, encoding: .utf8)
        try openssl(["x509", "-req", "-in", "localhost.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
                     "-days", "2", "-extfile", "localhost.ext", "-out", "localhost.pem"], in: dir)
        return TestPKI(directory: dir)
    }

    private static func openssl(_ args: [String], in dir: String) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        process.arguments = args
        process.currentDirectoryURL = URL(fileURLWithPath: dir)
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw NSError(domain: "openssl", code: Int(process.terminationStatus),
                          userInfo: [NSLocalizedDescriptionKey: "openssl \(args.joined(separator: " ")) failed"])
        }
    }
}
