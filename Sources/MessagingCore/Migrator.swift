import Foundation
import Postgres

/// Applies `NNNN_name.sql` files from a folder in order, each in its own transaction, and records
/// them in `schema_migrations`; then re-applies each file of `functions/` (one SQL function
/// each, `CREATE OR REPLACE`) whose checksum changed since it was last applied, recorded in
/// `schema_functions`. Numbered files change tables and are never edited once applied; a
/// function's live definition is its file in `functions/`, edited in place (so a change is one
/// diff, not a copy of the whole body in a new migration). Safe to run again (applied ones are
/// skipped) and from two processes at once (an advisory lock serializes them).
public struct Migrator {
    public struct Migration {
        public let version: Int
        public let name: String
        public let sql: String
        var checksum: String { String(fnv1a64(Array(sql.utf8)), radix: 16) }
    }

    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    let db: PostgresConnection
    let directory: String

    public init(_ db: PostgresConnection, directory: String) {
        self.db = db
        self.directory = directory
    }

    /// The repeatable files: `functions/<name>.sql`, by file name.
    public func functionFiles() throws -> [(file: String, sql: String)] {
        let folder = directory + "/functions"
        guard FileManager.default.fileExists(atPath: folder) else { return [] }
        return try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.hasSuffix(".sql") }.sorted().map { file in
            (file, try String(contentsOfFile: folder + "/" + file, encoding: .utf8))
        }
    }

    public func migrations() throws -> [Migration] {
        let files = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".sql") }.sorted()
        var seen = Set<Int>()
        return try files.map { file in
            guard let version = Int(file.prefix(while: { $0.isNumber })), !seen.contains(version) else {
                throw Failure(description: "migration file \(file) must start with a unique number")
            }
            seen.insert(version)
            let sql = try String(contentsOfFile: directory + "/" + file, encoding: .utf8)
            return Migration(version: version, name: String(file.dropLast(4)), sql: sql)
        }
    }

    /// Applies what is pending; returns the names applied now.
    @discardableResult
    public func migrate() throws -> [String] {
        let all = try migrations()
        try db.execute(script: "SELECT pg_advisory_lock(7283751)")
        defer { _ = try? db.execute(script: "SELECT pg_advisory_unlock(7283751)") }
        try db.execute(script: """
            CREATE TABLE IF NOT EXISTS schema_migrations (
                version    integer PRIMARY KEY,
                name       text NOT NULL,
                checksum   text NOT NULL,
                applied_at timestamptz NOT NULL DEFAULT now()
            )
            """)
        let applied = try db.query("SELECT version, checksum FROM schema_migrations")
        var appliedChecksums: [Int: String] = [:]
        for row in 0..<applied.rowCount { appliedChecksums[try applied.required(row, 0)] = try applied.required(row, 1) }
        var appliedNow: [String] = []
        for migration in all {
            if let recorded = appliedChecksums[migration.version] {
                if recorded != migration.checksum {
                    throw Failure(description: "\(migration.name) was changed after it was applied; add a new migration instead")
                }
                continue
            }
            try db.transaction {
                try db.execute(script: migration.sql)
                try db.query("INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)",
                             [migration.version, migration.name, migration.checksum])
            }
            appliedNow.append(migration.name)
        }
        return appliedNow + (try applyFunctions())
    }

    /// Re-applies the function files whose text changed. Bodies are checked when called, not
    /// when created (`check_function_bodies` off), so the files' order does not matter.
    private func applyFunctions() throws -> [String] {
        let files = try functionFiles()
        guard !files.isEmpty else { return [] }
        try db.execute(script: """
            CREATE TABLE IF NOT EXISTS schema_functions (
                file       text PRIMARY KEY,
                checksum   text NOT NULL,
                applied_at timestamptz NOT NULL DEFAULT now()
            )
            """)
        let recorded = try db.query("SELECT file, checksum FROM schema_functions")
        var checksums: [String: String] = [:]
        for row in 0..<recorded.rowCount { checksums[try recorded.required(row, 0)] = try recorded.required(row, 1) }
        var appliedNow: [String] = []
        for (file, sql) in files {
            let checksum = String(fnv1a64(Array(sql.utf8)), radix: 16)
            if checksums[file] == checksum { continue }
            try db.transaction {
                try db.execute(script: "SET LOCAL check_function_bodies = off")
                try db.execute(script: sql)
                try db.query("""
                    INSERT INTO schema_functions (file, checksum) VALUES ($1, $2)
                    ON CONFLICT (file) DO UPDATE SET checksum = excluded.checksum, applied_at = now()
                    """, [file, checksum])
            }
            appliedNow.append("functions/" + file)
        }
        return appliedNow
    }
}

func fnv1a64(_ bytes: [UInt8]) -> UInt64 {
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
    for byte in bytes {
        hash ^= UInt64(byte)
        hash = hash &* 0x100_0000_01b3
    }
    return hash
}
