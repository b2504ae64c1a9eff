"""Browser-test helpers: sign in to the staff console through the real login form."""
from __future__ import annotations


def console_login(page, base: str, username: str, password: str) -> None:
    """Sign in as `username` through the console's login form."""
    page.goto(f"{base}/console/login")
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("button[type=submit]")
