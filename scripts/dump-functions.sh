#!/usr/bin/env bash
# Writes every function of the project's schema, as a database has it, into migrations/functions/
# (one file each, in pg_get_functiondef's canonical form). Used once to start the folder from the
# numbered migrations' result; afterwards functions are edited in their files, and the migrator
# re-applies a file whose checksum changed.
#   scripts/dump-functions.sh "host=/path/to/sock port=55433 user=messaging dbname=messaging"
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
DSN=${1:?usage: $0 DSN}
OUT=$ROOT/migrations/functions
mkdir -p "$OUT"
names=$(psql -X -d "$DSN" -tAc "
    SELECT p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
    WHERE n.nspname = 'public' AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e')
    GROUP BY p.proname ORDER BY 1")
for name in $names; do
    {
        echo "-- The live definition of $name: edit it here; the migrator re-applies this file when it changes."
        psql -X -d "$DSN" -tA -v name="$name" <<'SQL'
SELECT string_agg(pg_get_functiondef(p.oid) || ';', E'\n' ORDER BY p.oid)
FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
WHERE n.nspname = 'public' AND p.proname = :'name'
SQL
    } >"$OUT/$name.sql"
done
echo "wrote $(echo "$names" | wc -w) files into $OUT"
