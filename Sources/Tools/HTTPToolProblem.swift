/// What is wrong with one part of an HTTP tool file (a URL template, a header), before the
/// definition's parser adds the file and the field: `JSONFileError` is what leaves the module.
struct HTTPToolProblem: Error, Equatable {
    /// What is wrong and how to fix it.
    let message: String

    init(_ message: String) {
        self.message = message
    }
}
