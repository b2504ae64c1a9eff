"""The code is lint-clean: ruff (rules in ruff.toml) and vulture (dead code) both pass over the whole project.

Vulture cannot see names used from Jinja templates, from `"module:function"` strings, by a framework (Flask,
gunicorn, SQLAlchemy, marshmallow) or only by the test suite; those are listed, each with its reason, in
`tests/support/vulture_allowlist.py`. Anything else vulture reports is dead: remove it rather than allowlist it.
models/ is not scanned: a mapped column is schema (removed only by a migration), and columns are mostly read by
templates and exports, where vulture cannot see.
"""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

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
