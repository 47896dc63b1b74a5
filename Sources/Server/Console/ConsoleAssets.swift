import Base64

/// The console's files (console/ in the repository), embedded in the binary: SwiftPM resources
/// are not, in a static one. `scripts/embed-console` writes each file as a base64 literal under
/// `Generated/` (so the repository holds one readable copy, console/), and `ConsoleAssetsTests`
/// fails while the two differ.
enum ConsoleAssets {
    /// One file: its name under `/console/`, its media type, its bytes.
    struct Asset: Sendable {
        let name: String
        let contentType: String
        let bytes: [UInt8]

        /// Decodes `base64` (line breaks ignored) once, when the file is first served.
        init(name: String, contentType: String, base64: String) {
            self.name = name
            self.contentType = contentType
            bytes = Base64.decode(base64.filter { $0 != "\n" }) ?? []
        }

        /// The text, for tests.
        var body: String { String(decoding: bytes, as: UTF8.self) }
    }
}
