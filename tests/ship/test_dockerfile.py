"""The image installs what pyproject.toml says the project is: every package is copied in.

`pip install .` in the build stage finds packages by pyproject's `include` patterns among the
folders copied so far; a package left out installs without error and fails at the first import.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_every_package_the_project_ships_is_copied_into_the_build_stage() -> None:
    """`foundation` once was not: the image built, and `airplane-bot serve` could not start."""
    project = tomllib.loads((REPO / "pyproject.toml").read_text())
    packages = {p.rstrip("*") for p in project["tool"]["setuptools"]["packages"]["find"]["include"]}
    build = (REPO / "Dockerfile").read_text().split("\nFROM ", 2)[1]  # the build stage
    copied = set(re.findall(r"^COPY (\w+) \./\1$", build, flags=re.MULTILINE))
    assert packages <= copied, f"not copied into the image: {sorted(packages - copied)}"
