"""A function's current definition is found in one place: migrations/functions/<name>.sql. The
test database (migrated by the stack like any deployment) holds exactly the functions of that
folder, each with the body its file has, so a numbered migration that redefines a function
without its file (or a file that is not applied) fails here."""
import json
import os
import re

from conftest import ROOT
from test_push_support import psql

FOLDER = os.path.join(ROOT, "migrations/functions")


def file_bodies():
    bodies = {}
    for name in sorted(os.listdir(FOLDER)):
        if name.endswith(".sql"):
            text = open(os.path.join(FOLDER, name), encoding="utf-8").read()
            found = re.findall(r"\bAS\s+(\$\w*\$)(.*?)\1", text, re.S)
            assert found, f"{name}: no dollar-quoted body"
            bodies[name[:-4]] = sorted(body for _, body in found)
    return bodies


def database_bodies():
    rows = json.loads(psql("""
        SELECT coalesce(json_object_agg(proname, bodies), '{}') FROM (
            SELECT p.proname, json_agg(p.prosrc ORDER BY p.prosrc) AS bodies
            FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
            WHERE n.nspname = 'public'
              AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e')
            GROUP BY p.proname) f"""))
    return {name: sorted(bodies) for name, bodies in rows.items()}


def test_the_database_has_exactly_the_functions_of_the_folder():
    files, database = file_bodies(), database_bodies()
    assert sorted(set(database) - set(files)) == [], "functions without a file in migrations/functions"
    assert sorted(set(files) - set(database)) == [], "files in migrations/functions the database does not have"
    different = [name for name in files if files[name] != database[name]]
    assert different == [], f"the database's body differs from the file: {different}"


def test_every_function_file_was_recorded_as_applied():
    recorded = set(psql("SELECT file FROM schema_functions").split())
    assert recorded == {name for name in os.listdir(FOLDER) if name.endswith(".sql")}
