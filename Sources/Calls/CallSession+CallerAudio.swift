import Base64
import Realtime

/// The caller's audio toward the provider.
extension CallSession {
    /// One frame of the caller's base64 μ-law, as Twilio's message holds it (checked base64).
    func forwardCallerAudio(_ payload: UnsafeRawBufferPointer) {
        framesFromCaller += 1
        if let recorder, let audio = Base64.decode(payload) { recorder.caller(audio) }
        meter.callerAudio(bytes: Self.decodedLength(ofBase64: payload))
        switch state {
        case .active:
            guard withinBufferLimits() else { return }
            if callerAudio.passesThrough && live == nil {
                // The usual case: Twilio's base64 goes into the append as it came, byte for byte.
                provider?.send(RealtimeClientEvent.appendAudio(base64: payload))
                return
            }
            guard var chunk = callerAudio.forward(payload) else { return }
            if live != nil {
                provider?.send(callerAudioEvent(chunk))
            } else {
                chunk.withUTF8 { provider?.send(RealtimeClientEvent.appendAudio(base64: UnsafeRawBufferPointer($0))) }
            }
        case .connecting, .awaitingStart:
            // Kept, up to a bound, while the provider session opens.
            callerAudio.hold(String(decoding: payload, as: UTF8.self))
        case .ended:
            break
        }
    }
}
