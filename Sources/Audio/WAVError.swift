/// Why a WAV file could not be read, parsed, used or written.
public enum WAVError: Error, Equatable, CustomStringConvertible {
    /// The bytes do not start with a `RIFF` … `WAVE` header.
    case notRIFF
    /// A header or chunk runs past the end of the bytes.
    case truncated
    /// A chunk the format requires (`fmt `, `data`) is absent; the payload names it.
    case missingChunk(String)
    /// The file is valid but not in a format the caller can use; the payload says what it is and
    /// how to convert it.
    case unsupportedFormat(description: String)
    /// Reading or writing the file failed; the payload names the path and the system error.
    case io(String)

    /// A message for a person, saying what is wrong and what to do.
    public var description: String {
        switch self {
        case .notRIFF:
            return "not a WAV file: it does not start with a RIFF/WAVE header — "
                + "export or convert it as WAV (sox in.wav -r 8000 -c 1 -e mu-law out.wav)"
        case .truncated:
            return "WAV file is truncated: a header or chunk runs past the end of the file — "
                + "re-export the file; a partial copy or download looks like this"
        case .missingChunk(let id):
            return "WAV file has no '\(id)' chunk, which every WAV file needs — "
                + "re-export or convert the file with sox"
        case .unsupportedFormat(let description):
            return description
        case .io(let message):
            return message
        }
    }
}
