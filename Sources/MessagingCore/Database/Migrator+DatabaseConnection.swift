extension Migrator {
    /// The migrator on an executable's connection (`messaging-admin migrate`).
    public init(_ database: DatabaseConnection, directory: String) {
        self.init(database.postgres, directory: directory)
    }
}
