import CCurl
import Net

/// The one owner of a libcurl multi handle (`CURLM*`), driven by an `EventLoop`.
///
/// libcurl says which sockets it wants watched (`CURLMOPT_SOCKETFUNCTION`) and when it next
/// needs a tick (`CURLMOPT_TIMERFUNCTION`); this type maps both onto the loop's epoll and
/// timers and calls `curl_multi_socket_action` on readiness. No libcurl call here blocks, so
/// transfers share the loop with live audio. Confined to its loop's thread.
final class CurlMulti {
    /// A running transfer: the easy handle and what to do when it ends.
    private final class Transfer {
        let easy: CurlEasy
        let done: (CURLcode) -> Void
        init(easy: CurlEasy, done: @escaping (CURLcode) -> Void) {
            self.easy = easy
            self.done = done
        }
    }

    /// The loop whose thread runs every transfer.
    let loop: EventLoop
    private let handle: UnsafeMutableRawPointer
    private var transfers: [UnsafeMutableRawPointer: Transfer] = [:]
    private var watched: [Int32: EventLoop.Events] = [:]
    private var timer: LoopTimer?

    /// Creates a multi handle on `loop`.
    init(loop: EventLoop) {
        CurlGlobal.ensure()
        guard let handle = curl_multi_init() else {
            fatalError("curl_multi_init failed (out of memory)")
        }
        self.loop = loop
        self.handle = handle
        let me = Unmanaged.passUnretained(self).toOpaque()
        _ = vb_curl_multi_setopt_socket_function(handle, curlSocketCallback)
        _ = vb_curl_multi_setopt_ptr(handle, CURLMOPT_SOCKETDATA, me)
        _ = vb_curl_multi_setopt_timer_function(handle, curlTimerCallback)
        _ = vb_curl_multi_setopt_ptr(handle, CURLMOPT_TIMERDATA, me)
    }

    deinit {
        timer?.cancel()
        for fd in watched.keys { loop.deregister(fd: fd) }
        // No callbacks into an object that is going away.
        _ = vb_curl_multi_setopt_socket_function(handle, nil)
        _ = vb_curl_multi_setopt_timer_function(handle, nil)
        for easy in transfers.keys { curl_multi_remove_handle(handle, easy) }
        transfers = [:]  // frees the easy handles, after the multi let go of them
        curl_multi_cleanup(handle)
    }

    /// Transfers in progress.
    var activeTransfers: Int { transfers.count }

    /// Descriptors libcurl currently has the loop watch.
    var watchedDescriptors: Int { watched.count }

    /// Starts `easy`; `done` runs on the loop thread with libcurl's result, unless `remove`
    /// is called first. `done` never runs inside a libcurl callback, so it may start or
    /// cancel other transfers.
    func add(_ easy: CurlEasy, done: @escaping (CURLcode) -> Void) throws(HTTPClientError) {
        let code = curl_multi_add_handle(handle, easy.handle)
        guard code == CURLM_OK else {
            throw HTTPClientError(.transport, "curl_multi_add_handle: \(String(cString: curl_multi_strerror(code)))")
        }
        transfers[easy.handle] = Transfer(easy: easy, done: done)
    }

    /// Stops `easy` if it is still running; its `done` will not run. libcurl closes or caches
    /// its connection and tells the loop to stop watching the socket.
    func remove(_ easy: CurlEasy) {
        guard transfers.removeValue(forKey: easy.handle) != nil else { return }
        curl_multi_remove_handle(handle, easy.handle)
    }

    // MARK: Driving libcurl

    fileprivate func watch(fd: Int32, what: Int32) -> Int32 {
        if what == CURL_POLL_REMOVE {
            if watched.removeValue(forKey: fd) != nil { loop.deregister(fd: fd) }
            return 0
        }
        var interest: EventLoop.Events = []
        if what & CURL_POLL_IN != 0 { interest.insert(.readable) }
        if what & CURL_POLL_OUT != 0 { interest.insert(.writable) }
        if watched[fd] != nil {
            loop.modify(fd: fd, interest: interest)
        } else {
            do {
                try loop.register(fd: fd, interest: interest) { [weak self] events in
                    self?.socketReady(fd: fd, events: events)
                }
            } catch {
                return -1  // libcurl fails the transfer that owns this socket
            }
        }
        watched[fd] = interest
        return 0
    }

    fileprivate func setTimer(ms: Int) {
        timer?.cancel()
        timer = nil
        guard ms >= 0 else { return }
        // Never call back into libcurl from its own callback: run the tick from the loop.
        timer = loop.schedule(afterMs: Int64(ms)) { [weak self] in
            guard let self else { return }
            self.timer = nil
            self.act(on: CURL_SOCKET_TIMEOUT, flags: 0)
        }
    }

    private func socketReady(fd: Int32, events: EventLoop.Events) {
        var flags: Int32 = 0
        if events.contains(.readable) { flags |= CURL_CSELECT_IN }
        if events.contains(.writable) { flags |= CURL_CSELECT_OUT }
        if events.rawValue & EventLoop.Events.failed.rawValue != 0 { flags |= CURL_CSELECT_ERR }
        act(on: fd, flags: flags)
    }

    private func act(on fd: Int32, flags: Int32) {
        var running: Int32 = 0
        _ = curl_multi_socket_action(handle, fd, flags, &running)
        finishCompleted()
    }

    /// Collects every finished transfer first, then runs their completions: a completion may
    /// add or remove transfers, which must not happen while libcurl's message queue is read.
    private func finishCompleted() {
        var finished: [(Transfer, CURLcode)] = []
        var left: Int32 = 0
        while let message = curl_multi_info_read(handle, &left) {
            guard message.pointee.msg == CURLMSG_DONE, let easy = message.pointee.easy_handle else { continue }
            let result = message.pointee.data.result
            guard let transfer = transfers.removeValue(forKey: easy) else { continue }
            curl_multi_remove_handle(handle, easy)
            finished.append((transfer, result))
        }
        for (transfer, result) in finished { transfer.done(result) }
    }
}

@available(*, unavailable)
extension CurlMulti: Sendable {}

/// `CURLMOPT_SOCKETFUNCTION`: `userp` is the `CurlMulti`, which outlives its multi handle.
private func curlSocketCallback(_ easy: UnsafeMutableRawPointer?, _ fd: curl_socket_t, _ what: Int32,
                                _ userp: UnsafeMutableRawPointer?, _ socketp: UnsafeMutableRawPointer?) -> Int32 {
    guard let userp else { return -1 }
    return Unmanaged<CurlMulti>.fromOpaque(userp).takeUnretainedValue().watch(fd: fd, what: what)
}

/// `CURLMOPT_TIMERFUNCTION`: -1 cancels the timer, 0 asks for a tick as soon as possible.
private func curlTimerCallback(_ multi: UnsafeMutableRawPointer?, _ timeoutMs: Int, _ userp: UnsafeMutableRawPointer?) -> Int32 {
    guard let userp else { return -1 }
    Unmanaged<CurlMulti>.fromOpaque(userp).takeUnretainedValue().setTimer(ms: timeoutMs)
    return 0
}
