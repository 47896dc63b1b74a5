import Calls
import Config
import Logging
import Net
import Server

/// The browser console (`GET /console`): whether it is on, who may open it, what it shows.
extension Wiring {
    /// Development mode: the local provider, or Twilio signatures off. The server binds every
    /// interface (0.0.0.0), so loopback is not part of the test: such a bridge already lets
    /// anyone who reaches the port place calls.
    static func isDevelopmentMode(_ settings: Settings) -> Bool {
        settings.provider == .local || !settings.twilioSignatures.validates
    }

    /// The console, or nil when it is off (`CONSOLE=false`, or neither development mode nor
    /// `CONSOLE_PASSWORD`). Transcript text is shown when transcripts are kept or in development
    /// mode; browser calls (Talk) only when the gate checks no signature.
    static func console(settings: Settings, conversation: ConversationSettings, loop: EventLoop, log: Logger) -> Console? {
        let development = isDevelopmentMode(settings)
        let access = ConsoleAccess.decide(password: settings.consolePassword, developmentMode: development,
                                          disabled: !settings.consoleEnabled)
        guard access.isOn else { return nil }
        let watch = CallWatch(includesText: conversation.transcriptsDir != nil || development, clock: loop.clock)
        return Console(access: access, watch: watch, talk: !settings.twilioSignatures.validates, logger: log, clock: loop.clock)
    }

    /// The "console on" line, with the URL to open on this machine.
    static func announce(_ console: Console, port: Int, secure: Bool, log: Logger) {
        let access: String
        switch console.access {
        case .open: access = "open (development mode)"
        case .password: access = "HTTP Basic (CONSOLE_PASSWORD)"
        case .off: return
        }
        log.info("console on", [("url", "\(secure ? "https" : "http")://127.0.0.1:\(port)/console"), ("access", access),
                                ("talk", console.talk ? "on" : "off (signatures are checked)"),
                                ("transcript_text", console.watch.includesText ? "shown" : "hidden (set TRANSCRIPTS_DIR)")])
    }
}
