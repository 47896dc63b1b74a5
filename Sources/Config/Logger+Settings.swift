import Logging

extension Logger {
    /// Configures logging from validated settings: their level, format and secrets.
    public static func configure(_ settings: Settings) {
        configure(level: settings.logLevel, format: settings.logFormat, secrets: settings.secrets)
    }
}
