"""The transaction rule (services/tx.py): no service commits, except `..._and_notify` actions and the delivery
engine, through `tx.commit()`; modules not converted yet are listed with their count, which may only go down."""
from __future__ import annotations

import ast
from pathlib import Path

SERVICES = Path(__file__).resolve().parent.parent / "services"
# The exactly-once delivery protocol is a sequence of commits (claim → send → mark); see services/delivery.py.
DELIVERY_ENGINE = {"delivery.py", "delivery_loop.py", "delivery_commit.py", "delivery_pool.py"}
# Not converted yet (issue 13): module → commits it still makes. Convert a module, then lower or drop its entry.
NOT_YET_CONVERTED = {
    "publications.py": 13,
    "case_actions.py": 11,
    "faq_store.py": 6,
    "sampling.py": 3,
    "disposal_notices.py": 3,
    "followers.py": 2,
    "faq_queue.py": 2,
    "complaints.py": 2,
    "ballots.py": 2,
    "staff.py": 1,
    "case_reminders.py": 1,
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
    """Outside tx.py, a service commits only in an `..._and_notify` function or the delivery engine."""
    stray = {}
    for path in sorted(SERVICES.glob("*.py")):
        if path.name == "tx.py" or path.name in DELIVERY_ENGINE:
            continue
        calls = [(fn, line) for fn, line in _commits(path) if not fn.endswith("_and_notify")]
        if len(calls) > NOT_YET_CONVERTED.get(path.name, 0):
            stray[path.name] = calls
    assert not stray, f"services commit; flush instead and let the edge commit (services/tx.py): {stray}"


def _stray(name: str) -> int:
    """How many of the module's commits the rule does not allow."""
    path = SERVICES / name
    return len([fn for fn, _ in _commits(path) if not fn.endswith("_and_notify")]) if path.exists() else 0


def test_the_not_yet_converted_list_only_shrinks():
    """Each listed module still makes exactly its listed commits: a converted module must leave the list."""
    stale = {name: (count, _stray(name)) for name, count in NOT_YET_CONVERTED.items() if _stray(name) != count}
    assert not stale, f"update NOT_YET_CONVERTED (listed, found): {stale}"


def test_the_checker_sees_a_commit(tmp_path):
    """The checker finds a commit inside a function and names the function (so the rule cannot pass vacuously)."""
    module = tmp_path / "m.py"
    module.write_text("def accept():\n    db.session.commit()\n\ndef accept_and_notify():\n    tx.commit()\n")
    assert _commits(module) == [("accept", 2), ("accept_and_notify", 5)]
