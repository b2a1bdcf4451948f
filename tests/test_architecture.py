"""The layer contract in pyproject.toml covers every module (import-linter checks only what a layer names).

`make lint` runs import-linter on the contracts; this test keeps them exhaustive: a new module under
monitor/, sources/, reports/ or demo/ must be placed in a layer, or the test names it.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _config() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["importlinter"]


def _layer_names() -> list[list[str]]:
    (layers,) = [c["layers"] for c in _config()["contracts"] if c["type"] == "layers"]
    return [[n.strip() for n in layer.replace("|", ":").split(":")] for layer in layers]


def _modules(package: str) -> list[str]:
    out = []
    for path in sorted((ROOT / package).rglob("*.py")):
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out.append(".".join(parts))
    return out


def _covered(module: str, names: list[str]) -> bool:
    return any(module == n or module.startswith(n + ".") for n in names)


def test_every_module_is_in_a_layer() -> None:
    names = [n for layer in _layer_names() for n in layer]
    roots = _config()["root_packages"]
    missing = [m for pkg in roots for m in _modules(pkg) if m not in roots and not _covered(m, names)]
    assert missing == [], f"place these modules in a layer of [tool.importlinter] in pyproject.toml: {missing}"


def test_no_module_is_in_two_layers() -> None:
    layers = _layer_names()
    roots = _config()["root_packages"]
    twice = [m for pkg in roots for m in _modules(pkg)
             if sum(_covered(m, layer) for layer in layers) > 1]
    assert twice == []


def test_the_check_notices_a_module_outside_every_layer() -> None:
    names = [n for layer in _layer_names() for n in layer]
    assert not _covered("monitor.brand_new_module", names)
    assert _covered("sources.feed", names) and _covered("monitor.detect.engine", names)
