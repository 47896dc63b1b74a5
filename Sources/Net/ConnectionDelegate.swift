/// Receives a `Connection`'s events, always on the connection's loop thread.
public protocol ConnectionDelegate: AnyObject {
    /// TCP is connected and, for TLS, the handshake (with certificate checks) completed.
    func connectionDidOpen(_ connection: Connection)
    /// Bytes arrived. The buffer is only valid during the call: copy what you keep.
    func connection(_ connection: Connection, didRead bytes: UnsafeRawBufferPointer)
    /// The connection is closed and its descriptor released; called exactly once.
    /// `error` is nil for an orderly close by either side.
    func connection(_ connection: Connection, didCloseWith error: NetError?)
}
