import Foundation

/// A script the engine calls hooks in ("guidance", "notifications") and what is known about it.
struct EntryScript {
    /// Its module name; the file is `<name>.lua` at the top of the scripts folder.
    let name: String
    var relativePath: String { name + ".lua" }

    /// Registry reference to the table of hook functions of the version in use, if any.
    var moduleReference: Int32?
    var loadedAt: Date?
    /// The last load failure ("file:line: message"); the previous version stays in use.
    var loadError: String?
    var lastRuntimeError: String?
    var lastRuntimeErrorAt: Date?
    var fileMissing = false
    /// Source texts (by relative path) of the version in use, to rebuild the Lua state from.
    var sourcesInUse: [String: String]?

    init(name: String) { self.name = name }
}
