import Foundation

/// When a script file last changed, as far as stat tells.
struct FileStamp: Equatable {
    let modifiedNanoseconds: Int64
    let size: Int64
}

/// The folder of hook scripts: which `.lua` files it holds, their stamps and their text.
///
/// Files are named by their path relative to the folder ("notifications.lua", "lib/text.lua").
/// Sub-folders are modules for `require` ("lib/text.lua" is `require "lib.text"`); `examples/`
/// and hidden folders are skipped.
struct ScriptFolder {
    let directory: String

    /// How errors name files: "lua/notifications.lua", from the folder's own name.
    func displayName(of relativePath: String) -> String {
        let folderName = (directory as NSString).standardizingPath.split(separator: "/").last.map(String.init) ?? "lua"
        return folderName + "/" + relativePath
    }

    /// "@lua/notifications.lua": Lua then reports errors as "lua/notifications.lua:12: ...".
    func chunkName(of relativePath: String) -> String { "@" + displayName(of: relativePath) }

    static func moduleName(of relativePath: String) -> String {
        String(relativePath.dropLast(".lua".count)).replacingOccurrences(of: "/", with: ".")
    }

    func path(of relativePath: String) -> String { directory + "/" + relativePath }

    /// Every script with its stamp. A missing folder has none.
    func scan() -> [String: FileStamp] {
        var found: [String: FileStamp] = [:]
        scan(relativeFolder: "", depth: 0, into: &found)
        return found
    }

    private func scan(relativeFolder: String, depth: Int, into found: inout [String: FileStamp]) {
        let folder = relativeFolder.isEmpty ? directory : directory + "/" + relativeFolder
        guard depth < 4, let names = try? FileManager.default.contentsOfDirectory(atPath: folder) else { return }
        for name in names where !name.hasPrefix(".") {
            let relative = relativeFolder.isEmpty ? name : relativeFolder + "/" + name
            var info = stat()
            guard stat(folder + "/" + name, &info) == 0 else { continue }
            if (info.st_mode & S_IFMT) == S_IFDIR {
                if name != "examples" { scan(relativeFolder: relative, depth: depth + 1, into: &found) }
            } else if name.hasSuffix(".lua"), (info.st_mode & S_IFMT) == S_IFREG {
                found[relative] = FileStamp(modifiedNanoseconds: Self.modificationNanoseconds(info), size: Int64(info.st_size))
            }
        }
    }

    private static func modificationNanoseconds(_ info: stat) -> Int64 {
        #if canImport(Darwin)
        return Int64(info.st_mtimespec.tv_sec) * 1_000_000_000 + Int64(info.st_mtimespec.tv_nsec)
        #else
        return Int64(info.st_mtim.tv_sec) * 1_000_000_000 + Int64(info.st_mtim.tv_nsec)
        #endif
    }

    func read(_ relativePath: String) -> String? {
        guard let data = FileManager.default.contents(atPath: path(of: relativePath)) else { return nil }
        return String(decoding: data, as: UTF8.self)
    }
}
