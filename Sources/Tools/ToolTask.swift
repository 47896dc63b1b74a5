/// A handle on a running tool, so a call that ends can stop it (a web search in flight is
/// cancelled and its socket released).
public final class ToolTask {
    private var onCancel: (() -> Void)?

    /// A task that `cancel()` stops by running `onCancel` (once).
    public init(onCancel: (() -> Void)? = nil) {
        self.onCancel = onCancel
    }

    /// A task with nothing to stop: for tools that answer at once.
    public static var finished: ToolTask { ToolTask() }

    /// Stops the tool; its completion must not run afterwards. Safe to call more than once.
    public func cancel() {
        let stop = onCancel
        onCancel = nil
        stop?()
    }
}

@available(*, unavailable)
extension ToolTask: Sendable {}
