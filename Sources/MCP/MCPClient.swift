import HTTPClient
import JSON
import Logging
import Net

/// One MCP server over Streamable HTTP (MCP "Transports" and "Lifecycle"): `initialize`, then
/// `notifications/initialized`, then `tools/list` and `tools/call` — each a JSON-RPC POST whose
/// answer is one JSON body or an event stream.
///
/// The session (`Mcp-Session-Id`, the negotiated revision) is opened on first use and shared by
/// every request; a 404 to a request carrying it opens a new one and retries that request once.
/// Everything runs on the HTTP client's loop thread and nothing waits: a request that needs a
/// session queues behind the `initialize` in flight.
public final class MCPClient {
    /// The revisions this client speaks over the `initialize` handshake, newest first. The first
    /// is proposed; the server may answer with any of them. (`2026-07-28`, the stateless
    /// revision with a per-request `_meta` envelope and no `initialize`, is not spoken here.)
    public static let supportedVersions = ["2025-11-25", "2025-06-18", "2025-03-26"]

    /// A descriptor of one tool, as `tools/list` gave it.
    public struct ToolDescriptor: Equatable, Sendable {
        /// The tool's MCP name (what `tools/call` takes).
        public var name: String
        /// What it does, for the model.
        public var description: String
        /// The JSON Schema of its arguments.
        public var inputSchema: JSON
    }

    /// An open session: its id (when the server issued one) and the negotiated revision.
    struct Session: Equatable {
        var id: String?
        var version: String
    }

    private enum SessionState {
        case closed
        case opening(waiters: [(Result<Session, MCPError>) -> Void])
        case open(Session)
    }

    private enum Discovery {
        case idle
        case fetching(again: Bool)
        case waiting(LoopTimer)
    }

    /// The server's configuration.
    public let configuration: MCPServerConfiguration
    /// The tools offered, as last listed (only `allowed_tools` when the file names some).
    public private(set) var tools: [ToolDescriptor] = []
    /// Whether a `tools/list` has succeeded since start.
    public private(set) var hasListed = false
    /// Runs after each successful `tools/list` (the toolbox re-derives the names).
    public var onToolsChanged: (() -> Void)?
    /// Backoff between discovery attempts: doubled from `initialBackoffMs` up to `maxBackoffMs`.
    public var initialBackoffMs: Int64 = 1_000
    /// The longest wait between two discovery attempts.
    public var maxBackoffMs: Int64 = 60_000

    private let http: HTTPClient
    private let log: Logger
    private var session = SessionState.closed
    private var discovery = Discovery.idle
    private var failures = 0
    private var nextId = 1

    /// A client for `configuration`, sending through `http` (whose loop it then lives on).
    public init(configuration: MCPServerConfiguration, http: HTTPClient, log: Logger) {
        self.configuration = configuration
        self.http = http
        self.log = log.with("mcp_server", configuration.name)
    }

    // MARK: Tools

    /// Lists the server's tools (following `nextCursor`). `completion`, if given, runs once
    /// after this attempt. On failure the list is kept, a warning is logged (the first of a
    /// streak), and another attempt is scheduled with backoff until one succeeds.
    public func discover(completion: ((Result<[ToolDescriptor], MCPError>) -> Void)? = nil) {
        switch discovery {
        case .fetching:
            discovery = .fetching(again: true)
            completion?(.success(tools))
            return
        case .waiting(let timer):
            timer.cancel()
        case .idle:
            break
        }
        discovery = .fetching(again: false)
        listPage(cursor: nil, collected: [], pages: 0) { [weak self] result in
            guard let self else { return }
            let again: Bool
            if case .fetching(let flag) = discovery { again = flag } else { again = false }
            discovery = .idle
            switch result {
            case .success(let listed):
                let allowed = configuration.allowedTools
                tools = allowed.map { names in listed.filter { names.contains($0.name) } } ?? listed
                if failures > 0 || !hasListed {
                    log.info("MCP server answered; its tools are offered to new calls",
                             [("tools", tools.map(\.name).joined(separator: ",")), ("listed", String(listed.count))])
                }
                if let allowed {
                    let missing = allowed.filter { name in !listed.contains { $0.name == name } }
                    if !missing.isEmpty {
                        log.warning("allowed_tools names tools the MCP server does not list", [("missing", missing.joined(separator: ",")),
                                                                                              ("file", configuration.path)])
                    }
                }
                failures = 0
                hasListed = true
                onToolsChanged?()
                if again { discover() }
            case .failure(let error):
                failures += 1
                let delay = min(maxBackoffMs, initialBackoffMs << Int64(min(failures - 1, 16)))
                var fields = [("cause", error.kind.rawValue), ("error", error.message), ("retry_in_ms", String(delay))]
                if let status = error.status { fields.insert(("status", String(status)), at: 1) }
                if failures == 1 {
                    log.warning(hasListed ? "MCP server did not answer tools/list; keeping its last list"
                                          : "MCP server not available; its tools are not offered until it answers", fields)
                } else {
                    log.debug("MCP server still not available", fields)
                }
                discovery = .waiting(http.loop.schedule(afterMs: delay) { [weak self] in
                    guard let self, case .waiting = discovery else { return }
                    discovery = .idle
                    discover()
                })
            }
            completion?(result.map { _ in self.tools })
        }
    }

    private func listPage(cursor: String?, collected: [ToolDescriptor], pages: Int,
                          completion: @escaping (Result<[ToolDescriptor], MCPError>) -> Void) {
        let params: JSON? = cursor.map { ["cursor": .string($0)] }
        request("tools/list", params: params, handle: MCPRequestHandle()) { [weak self] result in
            guard let self else { return }
            switch result {
            case .failure(let error):
                completion(.failure(error))
            case .success(let reply):
                guard let items = reply.result["tools"]?.arrayValue else {
                    completion(.failure(MCPError(.badResponse, "tools/list has no 'tools' array")))
                    return
                }
                let page = items.compactMap(Self.descriptor)
                // MCP "Pagination": an opaque cursor; a server that keeps answering one is cut off.
                if let next = reply.result["nextCursor"]?.stringValue, !next.isEmpty, pages < 100 {
                    listPage(cursor: next, collected: collected + page, pages: pages + 1, completion: completion)
                } else {
                    completion(.success(collected + page))
                }
            }
        }
    }

    static func descriptor(_ item: JSON) -> ToolDescriptor? {
        guard let name = item["name"]?.stringValue, !name.isEmpty else { return nil }
        let description = item["description"]?.stringValue ?? item["title"]?.stringValue ?? name
        var schema = item["inputSchema"] ?? ["type": "object", "properties": [:]]
        if schema.objectValue == nil { schema = ["type": "object", "properties": [:]] }
        return ToolDescriptor(name: name, description: description, inputSchema: schema)
    }

    /// Calls the tool `name` with `arguments`; `completion` runs once on the loop thread unless
    /// the returned handle is cancelled first.
    @discardableResult
    public func callTool(_ name: String, arguments: JSONObject,
                         completion: @escaping (Result<MCPReply, MCPError>) -> Void) -> MCPRequestHandle {
        let handle = MCPRequestHandle()
        request("tools/call", params: ["name": .string(name), "arguments": .object(arguments)], handle: handle, completion: completion)
        return handle
    }

    // MARK: Requests

    private func request(_ method: String, params: JSON?, handle: MCPRequestHandle, retried: Bool = false,
                         completion: @escaping (Result<MCPReply, MCPError>) -> Void) {
        withSession { [weak self] opened in
            guard let self, !handle.isCancelled else { return }
            let session: Session
            switch opened {
            case .failure(let error): return completion(.failure(error))
            case .success(let value): session = value
            }
            let id = nextId
            nextId += 1
            handle.current = post(JSONRPC.request(id: id, method: method, params: params), session: session) { [weak self] result in
                guard let self, !handle.isCancelled else { return }
                let reply = result.flatMap { MCPReply.read($0, id: id, sentSession: session.id != nil) }
                if case .failure(let error) = reply, error.kind == .sessionExpired, !retried {
                    log.info("MCP session expired; initializing a new one", [("method", method)])
                    forget(session)
                    request(method, params: params, handle: handle, retried: true, completion: completion)
                    return
                }
                if case .success(let ok) = reply { observe(ok.notifications) }
                completion(reply)
            }
        }
    }

    /// Runs `body` with the open session, opening one first when there is none.
    private func withSession(_ body: @escaping (Result<Session, MCPError>) -> Void) {
        switch session {
        case .open(let open):
            body(.success(open))
        case .opening(let waiters):
            session = .opening(waiters: waiters + [body])
        case .closed:
            session = .opening(waiters: [body])
            openSession()
        }
    }

    private func forget(_ expired: Session) {
        if case .open(let current) = session, current == expired { session = .closed }
    }

    /// MCP "Lifecycle": `initialize` with the newest revision, the server's answer checked,
    /// then `notifications/initialized` (202 Accepted).
    private func openSession() {
        let id = nextId
        nextId += 1
        let params: JSON = [
            "protocolVersion": .string(Self.supportedVersions[0]),
            "capabilities": [:],
            "clientInfo": ["name": "voice-bridge", "version": "1.0"],
        ]
        post(JSONRPC.request(id: id, method: "initialize", params: params), session: nil) { [weak self] result in
            guard let self else { return }
            let opened = result.flatMap { response -> Result<Session, MCPError> in
                MCPReply.read(response, id: id, sentSession: false).flatMap { reply in
                    Self.session(from: reply.result, sessionId: response.header("mcp-session-id"))
                }
            }
            switch opened {
            case .failure(let error):
                finishOpening(.failure(error))
            case .success(let session):
                post(JSONRPC.notification(method: "notifications/initialized"), session: session) { [weak self] result in
                    guard let self else { return }
                    switch result {
                    case .success(let response) where (200...299).contains(response.status):
                        log.debug("MCP session open", [("protocol_version", session.version), ("session", session.id == nil ? "none" : "issued")])
                        finishOpening(.success(session))
                    case .success(let response):
                        finishOpening(.failure(MCPError(.httpStatus, status: response.status,
                                                        "notifications/initialized was refused: \(MCPReply.preview(response.body))")))
                    case .failure(let error):
                        finishOpening(.failure(error))
                    }
                }
            }
        }
    }

    /// The session an `initialize` result opens, or why not.
    static func session(from result: JSON, sessionId: String?) -> Result<Session, MCPError> {
        guard let version = result["protocolVersion"]?.stringValue else {
            return .failure(MCPError(.badResponse, "the initialize result has no protocolVersion"))
        }
        guard supportedVersions.contains(version) else {
            return .failure(MCPError(.unsupportedVersion, "the server speaks MCP revision \(version); this bridge speaks "
                + supportedVersions.joined(separator: ", ") + " — use a server or SDK version that offers one of them"))
        }
        // Streamable HTTP: the id is visible ASCII (0x21–0x7E); anything else is not echoed back.
        let valid = sessionId.flatMap { id in id.utf8.allSatisfy { $0 >= 0x21 && $0 <= 0x7E } && !id.isEmpty ? id : nil }
        return .success(Session(id: valid, version: version))
    }

    private func finishOpening(_ result: Result<Session, MCPError>) {
        guard case .opening(let waiters) = session else { return }
        if case .success(let open) = result { session = .open(open) } else { session = .closed }
        for waiter in waiters { waiter(result) }
    }

    /// One POST of `body`; the answer whatever its status, or why none came.
    @discardableResult
    private func post(_ body: String, session: Session?,
                      completion: @escaping (Result<HTTPClientResponse, MCPError>) -> Void) -> HTTPClientTask {
        var headers = [("Content-Type", "application/json"), ("Accept", "application/json, text/event-stream")]
        if let id = session?.id { headers.append(("Mcp-Session-Id", id)) }
        // MCP 2025-06-18 "Transports": the negotiated revision on every request after initialize.
        if let version = session?.version, version != "2025-03-26" { headers.append(("MCP-Protocol-Version", version)) }
        headers += configuration.headers
        let timeoutMs = configuration.timeoutMs
        let request = HTTPClientRequest(method: "POST", url: configuration.url, headers: headers,
                                        body: Array(body.utf8), timeoutMs: timeoutMs)
        return http.send(request) { result in
            completion(result.mapError { error in
                error.kind == .timedOut
                    ? MCPError(.timedOut, "no answer within timeout_ms=\(timeoutMs)")
                    : MCPError(.unreachable, "\(error.kind.rawValue): \(error.message)")
            })
        }
    }

    /// Notifications that came with an answer: a changed tool list is fetched again, in the
    /// background, once the current events are handled.
    private func observe(_ notifications: [String]) {
        guard notifications.contains("notifications/tools/list_changed") else { return }
        log.info("MCP server says its tool list changed; listing it again")
        http.loop.afterCurrentEvents { [weak self] in self?.discover() }
    }
}

@available(*, unavailable)
extension MCPClient: Sendable {}

/// A handle on one request to an MCP server, to cancel it (a call that ends stops its tool).
public final class MCPRequestHandle {
    fileprivate var current: HTTPClientTask?
    /// Whether `cancel()` was called.
    public private(set) var isCancelled = false

    fileprivate init() {}

    /// Stops the request: its completion will not run. Safe to call more than once.
    public func cancel() {
        isCancelled = true
        current?.cancel()
        current = nil
    }
}

@available(*, unavailable)
extension MCPRequestHandle: Sendable {}
