"""The layout's rules, checked on the source: dependencies point one way (dialects -> core ->
store/providers -> media), modules stay small, and names do not repeat their folder."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "src" / "reelgate"
MAX_LINES = 500

# What each layer may not import (its own package and the shared vocabulary aside).
FORBIDDEN = {
    "api": ("reelgate.store", "reelgate.providers", "reelgate.runner", "reelgate.cli"),
    "core": ("reelgate.api", "reelgate.cli", "reelgate.runner", "fastapi", "starlette"),
    "store": ("reelgate.api", "reelgate.cli", "reelgate.providers", "reelgate.runner"),
    "providers": ("reelgate.api", "reelgate.cli", "reelgate.store", "reelgate.runner"),
    "runner": ("reelgate.api", "reelgate.cli"),
    "media": ("reelgate.api", "reelgate.cli", "reelgate.core", "reelgate.store"),
}
# Everything a layer may import from reelgate when the list above is not enough to say it.
ONLY = {"media": ("reelgate.media",)}


def _modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def _imports(path: Path) -> list[str]:
    """Every module an import statement names, at any depth (imports inside functions too)."""
    names: list[str] = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
    return names


def _layer(path: Path) -> str:
    return path.relative_to(PACKAGE).parts[0].removesuffix(".py")


def _names(imported: str, prefix: str) -> bool:
    return imported == prefix or imported.startswith(prefix + ".")


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_dependencies_point_one_way(layer: str):
    wrong = []
    for path in _modules():
        if _layer(path) != layer:
            continue
        for imported in _imports(path):
            forbidden = any(_names(imported, prefix) for prefix in FORBIDDEN[layer])
            outside = (
                layer in ONLY
                and imported.startswith("reelgate")
                and not any(_names(imported, allowed) for allowed in ONLY[layer])
            )
            if forbidden or outside:
                wrong.append(f"{path.relative_to(PACKAGE)} imports {imported}")
    assert not wrong, "\n".join(wrong)


def test_the_checks_see_imports_inside_functions(tmp_path: Path):
    module = tmp_path / "m.py"
    module.write_text("def f():\n    from reelgate.store.db import JobStore\n")
    assert _imports(module) == ["reelgate.store.db"]


def test_no_module_is_over_the_size_limit():
    big = [
        f"{path.relative_to(PACKAGE)}: {lines} lines"
        for path in _modules()
        if (lines := len(path.read_text().splitlines())) > MAX_LINES
    ]
    assert not big, "\n".join(big)


def test_no_module_name_repeats_its_folder():
    repeated = []
    for path in _modules():
        folder, stem = path.parent.name, path.stem
        if stem == folder or stem.startswith(folder + "_") or stem.endswith("_" + folder):
            repeated.append(str(path.relative_to(PACKAGE)))
    assert not repeated, "\n".join(repeated)


def test_every_dialect_mounts_itself():
    """Adding a dialect is one package with a `mount(app, prefixes)`, and one line in app.py."""
    app_source = (PACKAGE / "app.py").read_text()
    for dialect in ("openai", "azure", "app", "gateway"):
        package = (PACKAGE / "api" / dialect / "__init__.py").read_text()
        assert "def mount(app: ShortcutFastAPI, prefixes: DialectPrefixes)" in package
    for call in (
        "openai.mount(app, prefixes)",
        "azure.mount(app, prefixes)",
        "gateway.mount(app, prefixes)",
    ):
        assert call in app_source
    assert "app_api.mount(app, prefixes)" in app_source
