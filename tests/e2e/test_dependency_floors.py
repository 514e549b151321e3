"""The lowest-versions run tests the floors pyproject.toml declares, no other versions.

scripts/test runs tests/wire and tests/hub in .venv-lowest, built with
tests/lowest-versions.txt as pip constraints; a floor raised in one file and not in the
other would leave the run testing versions the package no longer allows (or never did).
"""

from __future__ import annotations

import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]


def declared_floors() -> dict[str, str]:
    """``{name: floor}`` for each dependency of the package (not of an extra)."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    floors = {}
    for line in project["dependencies"]:
        requirement = Requirement(line)
        (floor,) = [spec.version for spec in requirement.specifier if spec.operator == ">="]
        floors[canonicalize_name(requirement.name)] = floor
    return floors


def pinned_versions() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "tests" / "lowest-versions.txt").read_text().splitlines():
        line = line.partition("#")[0].strip()
        if line:
            requirement = Requirement(line)
            (pin,) = [spec.version for spec in requirement.specifier if spec.operator == "=="]
            pins[canonicalize_name(requirement.name)] = pin
    return pins


def test_the_lowest_versions_are_exactly_the_declared_floors():
    assert pinned_versions() == declared_floors()
