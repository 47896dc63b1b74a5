import Config
import Net
import Realtime
import Twilio

extension CallSession: RealtimeClientDelegate {
    public func realtimeDidOpen(_ client: RealtimeClient) {
        guard state == .connecting else { return }
        state = .active
        let connectMs = MonotonicClock.nowMs() - providerOpenedAtMs
        meter.providerOpened(afterMs: connectMs)
        log.info("provider session open", [("provider", context.endpoint.provider), ("connect_ms", String(connectMs))])
        client.send(RealtimeClientEvent.sessionUpdate(context.sessionOptions, dialect: context.endpoint.dialect))
        if !context.greeting.isEmpty {
            client.send(RealtimeClientEvent.responseCreate(instructions: greetingInstructions))
        }
        if droppedBeforeConnect > 0 {
            log.warning("caller audio dropped while the provider session opened", [("frames", String(droppedBeforeConnect))])
        }
        for payload in pendingAudio { client.send(RealtimeClientEvent.appendAudio(base64: payload)) }
        pendingAudio = []
        pendingAudioBytes = 0
    }

    private var greetingInstructions: String {
        "Greet the caller now by saying exactly: \"\(context.greeting)\""
    }

    public func realtime(_ client: RealtimeClient, didReceive event: UnsafeRawBufferPointer) {
        let decoded: RealtimeServerEvent
        do {
            decoded = try RealtimeServerEvent.decode(event)
        } catch {
            log.warning("ignored malformed provider event", [("error", String(describing: error))])
            return
        }
        switch decoded {
        case .audioDelta(let delta, _, _):
            guard !streamSid.isEmpty, withinBufferLimits() else { return }
            framesToCaller += 1
            meter.assistantAudio(base64: delta)
            if !firstAudioLogged {
                firstAudioLogged = true
                log.info("first assistant audio", [("since_start_ms", String(MonotonicClock.nowMs() - providerOpenedAtMs))])
            }
            twilio.sendText(TwilioOutbound.media(streamSid: streamSid, payload: delta))
        case .error(let type, let code, let message, let param, _):
            var fields = [("type", type ?? ""), ("code", code ?? ""), ("message", message)]
            if let param { fields.append(("param", param)) }
            if code == "unknown_parameter" {
                // Azure's GA dialect differs from OpenAI's; this is a bridge configuration bug, never noise.
                log.error("provider rejected a parameter the bridge sent; please report this", fields)
            } else {
                log.warning("provider error", fields)
            }
        case .sessionCreated:
            log.debug("provider session created")
        case .sessionUpdated:
            log.debug("provider session configured")
        case .speechStarted:
            meter.callerStartedSpeaking()
            log.debug("caller started speaking")
        case .speechStopped:
            meter.callerStoppedSpeaking()
            log.debug("caller stopped speaking")
        case .inputTranscriptCompleted(_, let transcript):
            log.debug("caller said", [("text", transcript)])
        case .assistantTranscriptDone(_, let transcript):
            log.debug("assistant said", [("text", transcript)])
        case .responseDone(_, let status, _):
            log.debug("response done", [("status", status ?? "")])
        default:
            break
        }
    }

    public func realtime(_ client: RealtimeClient, didCloseWith reason: RealtimeCloseReason) {
        guard state != .ended else { return }
        switch reason {
        case .refused(let status, let body):
            log.error("provider refused the WebSocket handshake", [("status", String(status)), ("body", body),
                                                                   ("hint", Self.hint(forStatus: status, provider: context.endpoint.provider))])
            end(.providerRefused, closeTwilio: true, code: 1011, reason: "provider refused")
        case .failed(let why):
            log.error("provider connection failed", [("error", why)])
            end(state == .connecting ? .providerRefused : .providerDropped, closeTwilio: true, code: 1011, reason: "provider unavailable")
        case .closed(let code, let why):
            log.warning("provider closed the session", [("code", code.map(String.init) ?? "none"), ("reason", why)])
            end(.providerDropped, closeTwilio: true, code: 1011, reason: "provider closed")
        case .closedByUs:
            break
        }
    }

    /// What a person should check for a refused handshake.
    static func hint(forStatus status: Int, provider: String) -> String {
        let azure = provider == "azure"
        switch status {
        case 401: return azure ? "check AZURE_OPENAI_API_KEY, and that AZURE_API_VERSION is unset for the GA URL" : "check OPENAI_API_KEY"
        case 403: return azure ? "the key has no access to this resource; check AZURE_OPENAI_ENDPOINT and network rules" : "the key has no access to realtime models"
        case 404: return azure ? "check AZURE_OPENAI_DEPLOYMENT is the name of a realtime deployment on AZURE_OPENAI_ENDPOINT" : "check OPENAI_REALTIME_MODEL and OPENAI_BASE_URL"
        case 429: return "quota or rate limit reached; retry later or raise the quota"
        case 400: return azure ? "the deployment may not be a realtime model, or AZURE_API_VERSION is wrong" : "check OPENAI_REALTIME_MODEL is a realtime model"
        default: return status >= 500 ? "the provider had a server error; retry" : "see the body"
        }
    }
}
