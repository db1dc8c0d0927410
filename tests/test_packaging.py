"""The package as pyproject.toml declares it and the pins the requirements files hold: every
folder of the tree is packaged, every library the code imports is declared, and the lock files
were regenerated after the declarations last changed."""

from __future__ import annotations

import ast
import importlib.metadata
import re
import sys
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("warehouse", "analytics", "dashboard", "demo")
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
PIN = re.compile(r"^([A-Za-z0-9._-]+)==([^\s;]+)", re.MULTILINE)


def _pins(name: str) -> dict[str, str]:
    text = (ROOT / name).read_text(encoding="utf-8")
    return {canonicalize_name(package): version for package, version in PIN.findall(text)}


def _declared(requirements: list[str]) -> dict[str, Requirement]:
    parsed = [Requirement(text) for text in requirements]
    return {canonicalize_name(requirement.name): requirement for requirement in parsed}


def _third_party_imports() -> set[str]:
    """Top-level modules the shipped code imports, outside the standard library and itself."""
    sources = [ROOT / "actionboard_cli.py",
               *(path for package in PACKAGES for path in (ROOT / package).rglob("*.py")
                 if "migrations" not in path.parts)]
    found: set[str] = set()
    for path in sources:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                found |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                found.add(node.module.split(".")[0])
    own = {*PACKAGES, "actionboard_cli"}
    return {name for name in found
            if name not in sys.stdlib_module_names and name not in own and name != "__future__"}


def test_every_folder_of_the_packages_is_packaged_with_the_assets() -> None:
    folders = {
        ".".join(path.relative_to(ROOT).parts)
        for package in PACKAGES
        for path in [ROOT / package, *(ROOT / package).rglob("*")]
        if path.is_dir() and "__pycache__" not in path.parts
    }
    listed = set(PROJECT["tool"]["setuptools"]["packages"])
    assert listed == folders | {"dashboard.assets"}
    assert PROJECT["tool"]["setuptools"]["package-dir"] == {"dashboard.assets": "assets"}
    assert PROJECT["project"]["scripts"] == {"actionboard": "actionboard_cli:main"}


def test_every_library_the_code_imports_is_a_declared_dependency() -> None:
    declared = set(_declared(PROJECT["project"]["dependencies"]))
    distributions = importlib.metadata.packages_distributions()
    missing = {module: distributions.get(module) for module in _third_party_imports()
               if not {canonicalize_name(d) for d in distributions.get(module, [module])}
               & declared}
    assert missing == {}


def test_the_pins_satisfy_the_declared_ranges_and_the_two_files_agree() -> None:
    runtime, development = _pins("requirements.txt"), _pins("requirements-dev.txt")
    for requirements, pins in ((PROJECT["project"]["dependencies"], runtime),
                               (PROJECT["project"]["optional-dependencies"]["dev"],
                                development)):
        for name, requirement in _declared(requirements).items():
            assert name in pins, f"{name} is declared but not pinned: regenerate the pins"
            assert requirement.specifier.contains(pins[name], prereleases=True), (
                f"{name}=={pins[name]} is outside {requirement.specifier}")
    assert {name: development[name] for name in runtime} == runtime


def test_the_installed_packages_are_the_pinned_ones() -> None:
    """What the tests run on is what a fresh install gets (``pip install -r``)."""
    pins = {name: version for name, version in _pins("requirements-dev.txt").items()
            if name != "pip"}  # the venv's own installer may differ
    # The first distribution of each name on sys.path: the one imported (pkg_resources appends
    # setuptools' vendored copies to sys.path once imported).
    installed = {name: importlib.metadata.version(name) for name in pins}
    assert installed == pins
