"""What installing does. scripts/bootstrap.sh installs what each entry point needs: `./run.sh`
no database server, `./test.sh` (`--tests`) PostgreSQL's for the store's tests; it runs in a copy
of the repository's shape with `apt-get` and `id` stubbed, so nothing is installed. The package's
license is an SPDX expression."""

from __future__ import annotations

import hashlib
import os
import subprocess
import tomllib
from pathlib import Path

from tests.support.airfield import REPO


def _bootstrap(tmp_path: Path, *args: str) -> list[str]:
    """Run a copy of bootstrap.sh as root with an up-to-date .venv; the apt-get calls made."""
    repo = tmp_path / "repo"
    (repo / "scripts").mkdir(parents=True)
    (repo / "scripts" / "bootstrap.sh").write_bytes((REPO / "scripts/bootstrap.sh").read_bytes())
    (repo / "scripts" / "bootstrap.sh").chmod(0o755)
    pyproject = (REPO / "pyproject.toml").read_bytes()
    (repo / "pyproject.toml").write_bytes(pyproject)
    (repo / ".venv" / "bin").mkdir(parents=True)
    (repo / ".venv" / "bin" / "python").symlink_to("/bin/true")
    stamp = hashlib.sha256(pyproject).hexdigest()[:16]
    (repo / ".venv" / f".installed-{stamp}").touch()
    stubs = tmp_path / "stubs"
    stubs.mkdir()
    calls = tmp_path / "apt-calls"
    (stubs / "apt-get").write_text(f'#!/bin/sh\necho "$*" >> {calls}\n')
    (stubs / "id").write_text("#!/bin/sh\necho 0\n")
    for stub in stubs.iterdir():
        stub.chmod(0o755)
    env = {
        "PATH": f"{stubs}:/usr/bin:/bin",
        "PG_LIB": str(tmp_path / "no-postgresql"),  # no PostgreSQL version installed
        "AIRPLANE_BOT_SKIP_CHROMIUM": "1",
        "HOME": os.environ.get("HOME", "/root"),
    }
    subprocess.run(
        ["bash", str(repo / "scripts" / "bootstrap.sh"), *args],
        env=env,
        check=True,
        capture_output=True,
    )
    return calls.read_text().splitlines() if calls.exists() else []


def test_run_sh_installs_no_database_server(tmp_path: Path) -> None:
    """./run.sh's bootstrap (no option) leaves PostgreSQL alone, though it is missing."""
    assert "scripts/bootstrap.sh\n" in (REPO / "run.sh").read_text()
    assert not [call for call in _bootstrap(tmp_path) if "postgresql" in call]


def test_test_sh_installs_postgresql_for_the_store_tests(tmp_path: Path) -> None:
    """./test.sh (and so .ci/run) asks for it, and gets it installed when missing."""
    assert "scripts/bootstrap.sh --tests\n" in (REPO / "test.sh").read_text()
    assert "exec ./test.sh" in (REPO / ".ci/run").read_text()
    installs = [call for call in _bootstrap(tmp_path, "--tests") if "postgresql" in call]
    assert installs
    assert installs[0].startswith("install")


def test_the_license_is_an_spdx_expression() -> None:
    """`project.license` as a table is deprecated by setuptools (a warning on every install):
    it is an SPDX string, with a setuptools that reads one."""
    project = tomllib.loads((REPO / "pyproject.toml").read_text())
    assert project["project"]["license"] == "MIT"
    assert project["build-system"]["requires"] == ["setuptools>=77"]
