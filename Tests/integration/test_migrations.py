"""`messaging-admin migrate` on a database of its own: a fresh one gets every numbered migration
and every function file once, a changed function file is re-applied alone, and the migrator
refuses a numbered migration edited after it was applied and a file without a unique number."""
import os
import shutil
import subprocess
import uuid

import pytest

from conftest import ADMIN, CONFIG, ROOT
from test_push_support import PG_BIN, psql

MIGRATIONS = os.path.join(ROOT, "migrations")


def numbered():
    return sorted(name[:-4] for name in os.listdir(MIGRATIONS) if name.endswith(".sql"))


def functions():
    return sorted(name for name in os.listdir(os.path.join(MIGRATIONS, "functions")) if name.endswith(".sql"))


def create_database(folder):
    """A config file naming a new, empty database in the test cluster."""
    name = "migrate_" + uuid.uuid4().hex[:12]
    psql(f"CREATE DATABASE {name}")
    config = folder / "messaging.conf"
    lines = []
    for line in open(CONFIG):
        if line.startswith("database_url"):
            line = line.rstrip("\n").replace("dbname=messaging", "dbname=" + name) + "\n"
            assert "dbname=" + name in line
        lines.append(line)
    config.write_text("".join(lines))
    return name, str(config)


@pytest.fixture
def fresh_database(tmp_path):
    name, config = create_database(tmp_path)
    yield config
    psql(f"DROP DATABASE {name} WITH (FORCE)")


@pytest.fixture(scope="module")
def database(tmp_path_factory):
    """A database migrated from the repository's folder, shared by the refusal tests."""
    name, config = create_database(tmp_path_factory.mktemp("migrate"))
    out = migrate(config)
    assert out.returncode == 0, out.stderr
    yield config
    psql(f"DROP DATABASE {name} WITH (FORCE)")


def query(config, sql):
    """Runs `sql` in the database `config` names."""
    url = next(line.split("=", 1)[1].strip() for line in open(config) if line.startswith("database_url"))
    out = subprocess.run([os.path.join(PG_BIN, "psql"), url, "-v", "ON_ERROR_STOP=1", "-qAtX", "-c", sql],
                         check=True, capture_output=True, text=True, timeout=30)
    return out.stdout.strip()


def migrate(config, folder=MIGRATIONS):
    return subprocess.run([ADMIN, "migrate", "--config", config, "--migrations", str(folder)], capture_output=True, text=True, timeout=120)


def copy_of_migrations(tmp_path):
    folder = tmp_path / "migrations"
    shutil.copytree(MIGRATIONS, folder)
    return folder


def test_a_fresh_database_gets_every_migration_and_function_once(fresh_database):
    first = migrate(fresh_database)
    assert first.returncode == 0, first.stderr
    assert first.stdout.strip().split("\n") == [f"applied {name}" for name in numbered()] + [f"applied functions/{name}" for name in functions()]
    assert query(fresh_database, "SELECT count(*) FROM schema_migrations") == str(len(numbered()))
    again = migrate(fresh_database)
    assert again.returncode == 0 and again.stdout.strip() == "migrations: up to date", again.stderr


def test_a_changed_function_file_is_reapplied_alone(database, tmp_path):
    folder = copy_of_migrations(tmp_path)
    changed = folder / "functions" / functions()[0]
    changed.write_text(changed.read_text() + "\n-- edited in place\n")
    out = migrate(database, folder)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == f"applied functions/{functions()[0]}"
    assert migrate(database, folder).stdout.strip() == "migrations: up to date"
    # The repository's text is the live one again.
    assert migrate(database).stdout.strip() == f"applied functions/{functions()[0]}"


def test_an_applied_migration_that_changed_is_refused(database, tmp_path):
    folder = copy_of_migrations(tmp_path)
    edited = folder / (numbered()[1] + ".sql")
    edited.write_text(edited.read_text() + "\n-- edited after it was applied\n")
    (folder / "9999_later.sql").write_text("CREATE TABLE migrate_test_never (id int);\n")
    out = migrate(database, folder)
    assert out.returncode != 0
    assert f"{numbered()[1]} was changed after it was applied; add a new migration instead" in out.stderr
    # Nothing after the refusal ran.
    assert "applied" not in out.stdout
    assert query(database, "SELECT to_regclass('migrate_test_never') IS NULL") == "t"


@pytest.mark.parametrize("name", ["schema_tweak.sql", "0001_later.sql"])
def test_a_file_without_a_unique_number_is_refused(database, tmp_path, name):
    folder = copy_of_migrations(tmp_path)
    (folder / name).write_text("SELECT 1;\n")
    out = migrate(database, folder)
    assert out.returncode != 0
    assert f"migration file {name} must start with a unique number" in out.stderr
