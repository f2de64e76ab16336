@_exported import JSON
@_exported import Postgres

public typealias PostgresSettings = PostgresConnection.Settings
