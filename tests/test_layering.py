"""The package's imports follow the design: data flows one way between its parts.

``datasets -> models -> layers -> ops``; `saving` uses models and layers and is
reached from models only through `upsample.models.saving_hook`.  Read from the
source: module-level imports (those under ``if TYPE_CHECKING:`` only annotate),
and imports inside functions, which are allowed only for a stated reason.
"""

from __future__ import annotations

import ast
import functools
import subprocess
import sys
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parent.parent / "src" / "upsample"

# What each part must not import at module level (directly or not).
NEVER_IMPORTS = {
    "ops": {"layers", "models", "saving", "datasets"},
    "layers": {"models", "saving", "datasets"},
    "models": {"saving", "datasets"},
}

# Imports inside functions, and why they are there.
LOCAL_IMPORTS_ALLOWED = {
    ("models/saving_hook.py", "upsample.saving"): "the hook from models up to saving",
    ("cli/compare_autoencoders.py", "upsample.cli.compare_report"): "matplotlib is slow to import",
    ("cli/demo.py", "upsample.reports.plots"): "matplotlib is slow to import",
    ("cli/training.py", "upsample.reports.plots"): "matplotlib is slow to import",
    ("cli/gan_training.py", "upsample.reports.plots"): "matplotlib is slow to import",
    ("cli/gan_training.py", "upsample.reports.gan_plots"): "matplotlib is slow to import",
    ("cli/compare_generators.py", "upsample.reports.plots"): "matplotlib is slow to import",
    ("cli/compare_generators.py", "upsample.reports.gan_plots"): "matplotlib is slow to import",
    ("cli/explain.py", "upsample.reports.plots"): "matplotlib is slow to import",
    ("config.py", "upsample.dtype_policies"): "keras.config.dtype_policy, whose module "
    "reads floatx from config",
    ("interop/engine.py", "upsample.interop.keras_training"): "imports Keras, an optional extra",
}


def _part(module: str) -> str:
    """The part of the package `module` belongs to: a subpackage or a top-level module."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else parts[0]


def _imported(node: ast.Import | ast.ImportFrom) -> list[str]:
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    # ``from upsample import losses`` imports the subpackage: the name counts, not "upsample".
    return [f"{node.module}.{alias.name}" for alias in node.names]


def _module_level(body: list[ast.stmt]) -> list[str]:
    found = []
    for node in body:
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            continue
        if isinstance(node, ast.Import | ast.ImportFrom):
            found.extend(_imported(node))
        elif isinstance(node, ast.If | ast.Try):
            found.extend(_module_level(node.body + node.orelse))
    return [name for name in found if name.startswith("upsample.")]


@functools.cache
def _trees() -> dict[str, ast.Module]:
    return {
        path.relative_to(SRC).as_posix(): ast.parse(path.read_text())
        for path in sorted(SRC.rglob("*.py"))
    }


@functools.cache
def _part_graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for name, tree in _trees().items():
        part = _part("upsample." + name.removesuffix(".py").replace("/", "."))
        targets = {_part(module) for module in _module_level(tree.body)} - {part}
        graph.setdefault(part, set()).update(targets)
    return graph


def _reachable(graph: dict[str, set[str]], start: str) -> set[str]:
    seen: set[str] = set()
    stack = list(graph.get(start, ()))
    while stack:
        part = stack.pop()
        if part not in seen:
            seen.add(part)
            stack.extend(graph.get(part, ()))
    return seen


def test_no_cycle_between_parts() -> None:
    graph = _part_graph()
    cyclic = sorted(part for part in graph if part in _reachable(graph, part))
    assert not cyclic, {part: sorted(graph[part]) for part in cyclic}


@pytest.mark.parametrize("part", sorted(NEVER_IMPORTS))
def test_data_flows_one_way(part: str) -> None:
    reached = _reachable(_part_graph(), part)
    assert not reached & NEVER_IMPORTS[part], sorted(reached & NEVER_IMPORTS[part])


def test_only_the_command_line_uses_interop() -> None:
    """`upsample.interop` drives Keras (an optional extra): only ``--engine keras`` uses it."""
    graph = _part_graph()
    users = sorted(part for part in graph if part != "interop" and "interop" in graph[part])
    assert users == ["cli"]


def test_the_command_line_imports_keras_only_when_its_engine_runs() -> None:
    code = "import sys, upsample.cli.main; print(sorted({'keras', 'jax'} & set(sys.modules)))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_imports_inside_functions_have_a_reason() -> None:
    found = set()
    for name, tree in _trees().items():
        for function in ast.walk(tree):
            if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            for node in ast.walk(function):
                if isinstance(node, ast.Import | ast.ImportFrom):
                    found.update((name, module) for module in _imported(node))
    found = {(name, module) for name, module in found if module.startswith("upsample")}
    assert found <= set(LOCAL_IMPORTS_ALLOWED), sorted(found - set(LOCAL_IMPORTS_ALLOWED))
