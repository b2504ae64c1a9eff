"""The code is lint-clean: ruff (rules in ruff.toml) and vulture (dead code) both pass over the whole project.

It also keeps the transaction rule of services/tx.py (services flush, the edges commit): no `.commit(` under
services/ except in an `..._and_notify` or `..._or_queue` function or the delivery engine; unconverted modules are
listed with their count, which may only go down.

Vulture cannot see names used from Jinja templates, from `"module:function"` strings, by a framework (Flask,
gunicorn, SQLAlchemy, marshmallow) or only by the test suite; those are listed, each with its reason, in
`tests/support/vulture_allowlist.py`. Anything else vulture reports is dead: remove it rather than allowlist it.
models/ is not scanned: a mapped column is schema (removed only by a migration), and columns are mostly read by
templates and exports, where vulture cannot see.
"""
from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# Decorators that register a function with a framework: the function is called by the framework, not by us.
ENTRY_DECORATORS = ",".join([
    "@*.route", "@*.get", "@*.post", "@*.put", "@*.patch", "@*.delete", "@*.command", "@*.group",
    "@*.errorhandler", "@*.app_errorhandler", "@*.before_request", "@*.before_app_request", "@*.after_request",
    "@*.teardown_request", "@*.teardown_appcontext", "@*.context_processor", "@*.app_context_processor",
    "@*.template_filter", "@*.app_template_filter", "@*.response", "@*.arguments", "@*.listens_for",
    "@*.on_unsubscribe", "@pytest.fixture", "@*.hookimpl",
])


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", *args], cwd=ROOT, capture_output=True, text=True, timeout=300)


def test_ruff_finds_nothing():
    """`ruff check` with the project's ruff.toml reports no finding."""
    result = _run("ruff", "check", "--no-cache", "--output-format", "concise", ".")
    assert result.returncode == 0, result.stdout + result.stderr


def test_vulture_finds_no_dead_code():
    """Vulture finds no unused function, class, attribute or variable outside the reviewed allowlist."""
    result = _run("vulture", ".", "tests/support/vulture_allowlist.py", "--min-confidence", "60",
                  "--exclude", ".venv,bench/out,migrations,models", "--ignore-decorators", ENTRY_DECORATORS)
    assert result.returncode == 0, result.stdout + result.stderr


def test_no_test_imports_another_test_module():
    """Test code imports shared helpers from tests.support, never from a test module or a conftest."""
    bad = re.compile(r"^\s*from tests\.(?:[\w.]*\.)?(?:test_\w+|conftest) import|^\s*import tests\.[\w.]*test_", re.M)
    offenders = [str(path.relative_to(ROOT)) for path in sorted((ROOT / "tests").rglob("*.py"))
                 if bad.search(path.read_text(encoding="utf-8"))]
    assert not offenders, f"move the helper to tests/support/: {offenders}"


# --- the transaction rule (services/tx.py) ---------------------------------------------------------------------
SERVICES = ROOT / "services"
# The exactly-once delivery protocol is a sequence of commits (claim → send → mark); see services/delivery.py.
DELIVERY_ENGINE = {"delivery.py", "delivery_loop.py", "delivery_commit.py", "delivery_pool.py"}
# A function whose name says it commits (services/tx.py): it tells someone after the commit, or queues on failure.
NAMED_COMMITS = ("_and_notify", "_or_queue")
# Not converted yet (issue 13): module → commits it still makes. Convert a module, then lower or drop its entry.
NOT_YET_CONVERTED = {
}


def _commits(path: Path) -> list[tuple[str, int]]:
    """(enclosing function name, line) of every `.commit(` call in the module."""
    found: list[tuple[str, int]] = []

    def visit(node: ast.AST, function: str) -> None:
        for child in ast.iter_child_nodes(node):
            name = child.name if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)) else function
            if isinstance(child, ast.Call) and isinstance(child.func, ast.Attribute) and child.func.attr == "commit":
                found.append((function, child.lineno))
            visit(child, name)

    visit(ast.parse(path.read_text(encoding="utf-8")), "<module>")
    return found


def test_services_do_not_commit():
    """Outside tx.py, a service commits only in an `..._and_notify` or `..._or_queue` function or the delivery
    engine."""
    stray = {}
    for path in sorted(SERVICES.glob("*.py")):
        if path.name == "tx.py" or path.name in DELIVERY_ENGINE:
            continue
        calls = [(fn, line) for fn, line in _commits(path) if not fn.endswith(NAMED_COMMITS)]
        if len(calls) > NOT_YET_CONVERTED.get(path.name, 0):
            stray[path.name] = calls
    assert not stray, f"services commit; flush instead and let the edge commit (services/tx.py): {stray}"


def _stray(name: str) -> int:
    """How many of the module's commits the rule does not allow."""
    path = SERVICES / name
    return len([fn for fn, _ in _commits(path) if not fn.endswith(NAMED_COMMITS)]) if path.exists() else 0


def test_the_not_yet_converted_list_only_shrinks():
    """Each listed module still makes exactly its listed commits: a converted module must leave the list."""
    stale = {name: (count, _stray(name)) for name, count in NOT_YET_CONVERTED.items() if _stray(name) != count}
    assert not stale, f"update NOT_YET_CONVERTED (listed, found): {stale}"


def test_the_checker_sees_a_commit(tmp_path):
    """The checker finds a commit inside a function and names the function (so the rule cannot pass vacuously)."""
    module = tmp_path / "m.py"
    module.write_text("def accept():\n    db.session.commit()\n\ndef accept_and_notify():\n    tx.commit()\n")
    assert _commits(module) == [("accept", 2), ("accept_and_notify", 5)]


def test_warnings_fail_the_test_that_raises_them():
    """pytest.ini turns warnings into errors, so a deprecation in our code or a dependency cannot go unnoticed."""
    import warnings
    with pytest.raises(DeprecationWarning):
        warnings.warn("deprecated", DeprecationWarning, stacklevel=1)
