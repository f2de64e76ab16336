import Foundation
import JSON

/// The status document of a HookEngine (see HookEngine.status()).
enum HookStatus {
    static func render(_ runtime: ScriptRuntime) -> JSON {
        let scripts: [JSON] = ScriptRuntime.entryNames.compactMap { name in
            guard let entry = runtime.entries[name] else { return nil }
            let state: String
            if entry.moduleReference == nil {
                state = entry.fileMissing ? "missing" : "failed"
            } else {
                state = entry.loadError == nil ? "loaded" : "stale"
            }
            return .object([
                ("file", .string(runtime.folder.displayName(of: entry.relativePath))),
                ("state", .string(state)),
                ("usingBuiltinDefaults", .bool(entry.moduleReference == nil)),
                ("loadedAt", JSON(entry.loadedAt.map(timestamp))),
                ("loadError", JSON(entry.loadError)),
                ("lastRuntimeError", JSON(entry.lastRuntimeError)),
                ("lastRuntimeErrorAt", JSON(entry.lastRuntimeErrorAt.map(timestamp))),
            ])
        }
        let compileErrors: [JSON] = runtime.compileErrors.keys.sorted().map { path in
            .object([("file", .string(runtime.folder.displayName(of: path))), ("error", .string(runtime.compileErrors[path] ?? ""))])
        }
        let healthy = runtime.compileErrors.isEmpty && ScriptRuntime.entryNames.allSatisfy { runtime.entries[$0]?.loadError == nil }
        // The folder by its name only: the server's paths are nobody's business on a status page.
        let folderName = String(runtime.folder.displayName(of: "").dropLast())
        return .object([
            ("folder", .string(folderName)),
            ("healthy", .bool(healthy)),
            ("scripts", .array(scripts)),
            ("compileErrors", .array(compileErrors)),
            ("suspended", .array(runtime.suspendedFunctions.map { .string($0) })),
        ])
    }

    private static func timestamp(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: date)
    }
}
