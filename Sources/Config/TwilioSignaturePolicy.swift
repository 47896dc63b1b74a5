/// Whether `serve` checks `X-Twilio-Signature` on the webhook and the Media Streams upgrade.
public enum TwilioSignaturePolicy: Equatable, Sendable {
    /// Every request to `/incoming-call` and `/media-stream` must carry a valid signature made
    /// with `TWILIO_AUTH_TOKEN`.
    case validate
    /// `TWILIO_VALIDATE_SIGNATURES=false`: anyone who finds the URL can place calls through the
    /// bridge, at your provider's expense. For development; `serve` warns at start.
    case disabledExplicitly
    /// The built-in local provider with no `TWILIO_AUTH_TOKEN`: a development set-up that costs
    /// nothing if reached by a stranger, so it runs unchecked by default, and says so at start.
    case disabledForLocalProvider

    /// Whether signatures are checked.
    public var validates: Bool { self == .validate }
}
