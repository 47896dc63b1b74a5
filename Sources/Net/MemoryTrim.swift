import CLinux

/// Gives freed heap pages back to the OS (glibc `malloc_trim`). After a busy hour the allocator
/// keeps the pages of ended calls; an idle bridge should return to its idle footprint.
public enum MemoryTrim {
    /// Releases free memory at the top and in the middle of the heap. Costs a few ms: call it
    /// when idle, never per frame.
    public static func releaseFreePages() {
        _ = malloc_trim(0)
    }
}
