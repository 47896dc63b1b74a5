import Foundation
import Net
import WebSocket

/// Walks an Autobahn fuzzingserver with the production `WSConnection` client: asks for the case
/// count, runs each case in turn (echoing every message until the server closes), then asks the
/// server to write its reports. Stops the loop when done.
final class ConformanceAutobahnClient: WSConnectionDelegate {
    private enum Step: Equatable { case caseCount, runCase(Int), updateReports, done }

    private let baseURL: String
    private let agent: String
    private let loop: EventLoop
    private var step = Step.caseCount
    private var caseCount = 0
    private var current: WSConnection?
    private var errors: [String] = []

    /// True when the walk itself broke (not when a case failed: the server's report says that).
    var failed: Bool { caseCount == 0 || !errors.isEmpty }

    /// One line for the end of the run.
    var summary: String {
        "ran \(caseCount) cases" + (errors.isEmpty ? "" : "; \(errors.count) driver errors: " + errors.prefix(5).joined(separator: "; "))
    }

    init(baseURL: String, agent: String, loop: EventLoop) {
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.agent = agent
        self.loop = loop
    }

    func start() { open("/getCaseCount") }

    private func open(_ target: String) {
        let url: WSURL
        do {
            url = try WSURL(baseURL + target)
        } catch {
            errors.append("\(error)")
            step = .done
            loop.stop()
            return
        }
        let socket = WSConnection.connect(to: url, headers: [], tls: nil, loop: loop,
                                          options: ConformanceLimits.webSocket, delegate: self)
        socket.connection.maxBufferedOutput = ConformanceLimits.maxBufferedOutput
        current = socket
    }

    private func advance() {
        switch step {
        case .caseCount:
            step = caseCount > 0 ? .runCase(1) : .done
        case .runCase(let n):
            step = n < caseCount ? .runCase(n + 1) : .updateReports
        case .updateReports, .done:
            step = .done
        }
        switch step {
        case .caseCount:
            break
        case .runCase(let n):
            open("/runCase?case=\(n)&agent=\(agent)")
        case .updateReports:
            open("/updateReports?agent=\(agent)")
        case .done:
            loop.stop()
        }
    }

    func webSocketDidOpen(_ socket: WSConnection) {}

    func webSocket(_ socket: WSConnection, didReceiveText text: UnsafeRawBufferPointer) {
        if step == .caseCount {
            caseCount = Int(String(decoding: text, as: UTF8.self).trimmingCharacters(in: .whitespaces)) ?? 0
            if caseCount == 0 { errors.append("getCaseCount answered '\(String(decoding: text, as: UTF8.self))'") }
            return
        }
        socket.sendText(utf8: text)
    }

    func webSocket(_ socket: WSConnection, didReceiveBinary data: UnsafeRawBufferPointer) {
        socket.sendBinary(Array(data))
    }

    func webSocket(_ socket: WSConnection, didCloseWith reason: WSCloseReason) {
        guard socket === current else { return }
        current = nil
        // A case that ends in a refused or broken handshake is a driver problem, not a case result.
        switch reason {
        case .handshakeRefused, .handshakeInvalid:
            errors.append("\(step): \(reason)")
        case .transport(let error) where step == .caseCount || step == .updateReports:
            errors.append("\(step): \(error)")
        default:
            break
        }
        // Let the close settle before the next case, as each case must run on its own.
        loop.afterCurrentEvents { [self] in advance() }
    }
}
