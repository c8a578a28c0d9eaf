import Foundation

/// A progress bar on standard error while the dataset loads: redrawn in place on a terminal,
/// a line at a time (one a chunk) when the output goes to a file or a CI log.
struct ProgressLine {
    let total: Int
    let unit: String
    private var done = 0
    private let isTerminal = isatty(STDERR_FILENO) != 0

    init(total: Int, unit: String) {
        self.total = total
        self.unit = unit
    }

    mutating func advance(by count: Int, elapsed: Duration) {
        done += count
        let fraction = total > 0 ? Double(done) / Double(total) : 1
        let width = 30
        let filled = min(width, Int(fraction * Double(width)))
        let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
        let rate = elapsed > .zero ? Int(Double(done) / elapsed.seconds) : 0
        let line = "[\(bar)] \(Int(fraction * 100))%  \(done) of \(total) \(unit), \(rate) \(unit)/s"
        FileHandle.standardError.write(Data((isTerminal ? "\r" + line : line + "\n").utf8))
    }

    /// Ends the redrawn line on a terminal.
    func finish() {
        if isTerminal { FileHandle.standardError.write(Data("\n".utf8)) }
    }
}
