import Dispatch
import Foundation
import Synchronization

/// Where a message's time between send and screen goes, for the benchmark (issue 17): each
/// process appends `<stage> <message id> <CLOCK_MONOTONIC ns>` lines while a benchmark records.
/// CLOCK_MONOTONIC is one clock for every process on the machine, so the stages of one message
/// line up across the pool, the daemon and the bench's clients.
///
/// Off unless `MESSAGING_STAGE_TIMELINE` names a directory; even then it records only while the
/// file `on` exists there (looked for every 50 ms), so a benchmark records the workload it
/// explains and not the others. Off, a mark costs one load of a nil global. Lines go to
/// `<directory>/<process>-<pid>.tsv`, written by a thread of its own every 50 ms.
public final class StageTimeline: Sendable {
    /// The stages in the order a message passes them. Marks without a message (id 0) are
    /// shared by every message whose previous stage lies before them: a NOTIFY covers the
    /// commits before it, a wake-up the NOTIFYs before it.
    public enum Stage: String, Sendable {
        /// The pool's thread accepted the send request from nginx.
        case accepted
        /// Its transaction committed (the durable write).
        case committed
        /// A NOTIFY returned (id 0).
        case notified
        /// The daemon's listener read a NOTIFY from its socket (id 0).
        case woke
        /// The daemon read the event from the log.
        case read
        /// It read the hook's inputs (unread counts, mute, block).
        case inputs
        /// The listener handed the event to the event loops (each decides for its own sessions).
        case queued
        /// An event loop's hook decided for its first recipients and their frames were rendered.
        case decided
        /// One session's event loop wrote its frame to the socket (once per session).
        case written
    }

    public static let shared: StageTimeline? = ProcessInfo.processInfo.environment["MESSAGING_STAGE_TIMELINE"]
        .flatMap { $0.isEmpty ? nil : StageTimeline(directory: $0) }

    private let directory: String
    private let recording = Atomic<Bool>(false)
    private let pending = Mutex<String>("")

    private init(directory: String) {
        self.directory = directory
        let name = (CommandLine.arguments.first.map { ($0 as NSString).lastPathComponent } ?? "process")
        let path = "\(directory)/\(name)-\(getpid()).tsv"
        let thread = Thread { [self] in writeLoop(path: path) }
        thread.name = "stage-timeline"
        thread.start()
    }

    /// Whether marks are being kept now (callers that must compute a message id first ask this).
    public static var isRecording: Bool { shared?.recording.load(ordering: .relaxed) ?? false }

    /// Records that `message` reached `stage` at `at` (monotonic nanoseconds; now by default).
    /// Message 0 (an event that is not a message) is not recorded.
    public static func mark(_ stage: Stage, message: Int64, at: UInt64 = DispatchTime.now().uptimeNanoseconds) {
        guard message != 0, let timeline = shared, timeline.recording.load(ordering: .relaxed) else { return }
        timeline.append("\(stage.rawValue) \(message) \(at)\n")
    }

    /// Records a stage every waiting message passes at once (`notified`, `woke`).
    public static func markShared(_ stage: Stage) {
        guard let timeline = shared, timeline.recording.load(ordering: .relaxed) else { return }
        timeline.append("\(stage.rawValue) 0 \(DispatchTime.now().uptimeNanoseconds)\n")
    }

    private func append(_ line: String) {
        pending.withLock { $0 += line }
    }

    private func writeLoop(path: String) {
        let switchFile = "\(directory)/on"
        var file: FileHandle?
        while true {
            Thread.sleep(forTimeInterval: 0.05)
            recording.store(FileManager.default.fileExists(atPath: switchFile), ordering: .relaxed)
            let lines = pending.withLock { text -> String in
                defer { text = "" }
                return text
            }
            guard !lines.isEmpty else { continue }
            if file == nil {
                FileManager.default.createFile(atPath: path, contents: nil)
                file = FileHandle(forWritingAtPath: path)
                _ = file?.seekToEndOfFile()
            }
            file?.write(Data(lines.utf8))
        }
    }
}
