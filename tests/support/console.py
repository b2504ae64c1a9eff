"""Staff console test helpers: the shared test password, a created account as plain values, the page's CSRF token."""
from __future__ import annotations

import re

STAFF_PASSWORD = "correct-horse-315"


class StaffLogin:
    """A created staff account as plain values (no detached ORM object): id, username, password, role, department_id."""

    def __init__(self, person, password: str) -> None:
        self.id, self.username, self.role = person.id, person.username, str(person.role)
        self.department_id, self.password = person.department_id, password

    def __repr__(self) -> str:
        return f"<StaffLogin {self.username} {self.role}>"


def read_csrf(html: str) -> str:
    match = re.search(r'name="csrf-token" content="([^"]+)"', html) or \
        re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html)
    assert match, "no CSRF token on the page"
    return match.group(1)
