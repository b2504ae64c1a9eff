"""scheduler package (filled in by its issue)."""


def init_app(app) -> None:
    pass
