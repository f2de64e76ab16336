@_exported import JSON
// Postgres is deliberately not re-exported: the executables hold a `DatabaseConnection` and reach
// the database only through the stores, so SQL lives in this module alone.
import Postgres

public typealias PostgresSettings = PostgresConnection.Settings
