import Glibc

extension Connection {
    /// Opens a client connection: DNS (off the loop), TCP connect trying each address in turn,
    /// then the TLS handshake with SNI and hostname verification when `tls` is given.
    /// Set the delegate before returning to the loop (no event is delivered earlier).
    /// The delegate hears `connectionDidOpen` or `didCloseWith(error)` naming the step that failed.
    public static func connect(host: String, port: Int, tls: TLSContext?, loop: EventLoop,
                               timeoutMs: Int64, delegate: ConnectionDelegate? = nil) -> Connection {
        connect(host: host, port: port, tls: tls, loop: loop, timeoutMs: timeoutMs, delegate: delegate, tunnel: nil)
    }

    /// The above, dialling `tunnel`'s proxy instead of `host` when given (Connection+Proxy.swift).
    static func connect(host: String, port: Int, tls: TLSContext?, loop: EventLoop, timeoutMs: Int64,
                        delegate: ConnectionDelegate?, tunnel: ProxyTunnel?) -> Connection {
        let via = tunnel.map { " via proxy \($0.proxy.host):\($0.proxy.port)" } ?? ""
        let connection = Connection(loop: loop, state: .resolving, tls: tls, peer: "\(host):\(port)\(via)")
        connection.proxyTunnel = tunnel
        connection.delegate = delegate
        connection.serverName = host
        connection.portForErrors = port
        // The timer and the lookup hold the connection until it opens or fails; once its socket is
        // registered, the loop's handler holds it until teardown.
        connection.connectTimer = loop.schedule(afterMs: timeoutMs) { [connection] in
            guard connection.state != .open, connection.state != .closed else { return }
            let step = connection.state == .handshaking ? "TLS handshake with" : "connecting to"
            connection.teardown(NetError("timed out \(step) \(connection.peer) after \(timeoutMs) ms"))
        }
        Resolver.resolve(host: tunnel?.proxy.host ?? host, port: tunnel?.proxy.port ?? port, on: loop) { [connection] result in
            guard connection.state == .resolving else { return }
            switch result {
            case .success(let addresses):
                connection.candidates = addresses
                connection.tryNextAddress()
            case .failure(let error):
                connection.teardown(error)
            }
        }
        return connection
    }

    func tryNextAddress() {
        guard !candidates.isEmpty else {
            teardown(lastConnectError ?? NetError("could not connect to \(peer)"))
            return
        }
        let address = candidates.removeFirst()
        do {
            let socketFD = try Sockets.makeTCP(family: address.family)
            let rc = address.withSockaddr { Glibc.connect(socketFD, $0, $1) }
            if rc != 0 && errno != EINPROGRESS {
                let error = NetError.syscall("connect to \(peer) (\(address))")
                Glibc.close(socketFD)
                lastConnectError = error
                tryNextAddress()
                return
            }
            fd = socketFD
            Sockets.setNoDelay(fd)
            state = .connecting
            // The loop's handler holds the connection until teardown deregisters it.
            try loop.register(fd: fd, interest: [.readable, .writable]) { events in self.handle(events) }
            loop.setLabel("connected to " + peer, for: fd)
            registered = true
            interest = [.readable, .writable]
        } catch let error as NetError {
            teardown(error)
        } catch {}
    }

    /// The socket became writable (or failed) while connecting.
    func connectReady() {
        let err = Sockets.pendingError(fd)
        if err != 0 {
            lastConnectError = NetError.syscall("connect to \(peer)", errno: err)
            loop.deregister(fd: fd)
            registered = false
            Glibc.close(fd)
            fd = -1
            state = .resolving
            tryNextAddress()
            return
        }
        if proxyTunnel != nil { beginTunnel(); return }
        if tlsContext != nil {
            do { try beginTLS(asServer: false) } catch let e as NetError { teardown(e) } catch {}
        } else {
            becomeOpen()
        }
    }

    func becomeOpen() {
        state = .open
        connectTimer?.cancel()
        connectTimer = nil
        updateInterest()
        delegate?.connectionDidOpen(self)
        if bufferedOutputBytes > 0 { scheduleFlush() }
    }
}
