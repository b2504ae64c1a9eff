"""config.py: the declared settings table — every contract name declared and documented, each bad value one line
naming its variable (as ConfigError, and as the CLI's exit), the fail-fast checks and the derived defaults."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import config

ROOT = Path(__file__).resolve().parent.parent
# The runtime contract (shared DESIGN.md §3, "Environment"): tests, benchmarks, docs and operators rely on these.
CONTRACT = ("APP_ENV", "WECHAT_TOKEN", "WECHAT_APP_ID", "WECHAT_APP_SECRET", "WECHAT_AES_KEY", "WECHAT_API_BASE",
            "DATABASE_URL", "REDIS_URL", "SECRET_KEY")
NOT_FOR_OPERATORS = {"TESTING"}        # set by the test suite, never in a deployment
TYPED = [s for s in config.SETTINGS if s.type in (int, float, bool)]
EXPECTED = {int: "must be an integer", float: "must be a number", bool: "must be a flag (1/0, true/false, yes/no, on/off)"}
PRODUCTION = {"APP_ENV": "production", "WECHAT_TOKEN": "t", "WECHAT_APP_ID": "wx1", "WECHAT_APP_SECRET": "s",
              "DATABASE_URL": "postgresql+psycopg://bot@db/bot", "REDIS_URL": "redis://r:6379/0", "SECRET_KEY": "k"}


@pytest.fixture(autouse=True)
def clean_env(monkeypatch):
    """No declared variable inherited from the machine running the tests (only overrides count)."""
    for setting in config.SETTINGS:
        monkeypatch.delenv(setting.name, raising=False)


def test_every_contract_name_is_declared():
    """Each variable DESIGN.md's runtime contract names is in the declared table (extend, never rename)."""
    declared = {s.name for s in config.SETTINGS}
    assert set(CONTRACT) <= declared, set(CONTRACT) - declared
    design = ROOT.parent / "shared" / "DESIGN.md"
    if design.exists():                 # the shared docs beside the checkout, where they are
        section = design.read_text(encoding="utf-8").split("## 3.")[1].split("Processes:")[0]
        assert set(re.findall(r"`([A-Z][A-Z0-9_]+)`", section)) <= declared


def test_the_docs_list_every_declared_setting():
    """Every declared variable says what it means, and README's configuration tables and deploy/env.example name
    each one an operator may set."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    example = (ROOT / "deploy" / "env.example").read_text(encoding="utf-8")
    assert [s.name for s in config.SETTINGS if not s.doc.strip()] == []
    names = [s.name for s in config.SETTINGS if s.name not in NOT_FOR_OPERATORS]
    assert [n for n in names if f"`{n}`" not in readme] == []
    assert [n for n in names if not re.search(rf"^#?{n}=", example, re.M)] == []


@pytest.mark.parametrize("setting", TYPED, ids=lambda s: s.name)
def test_a_bad_value_is_one_error_naming_its_variable(setting):
    """`abc` for a number or a flag is a ConfigError whose message names the variable, its type and the value."""
    with pytest.raises(config.ConfigError) as err:
        config.load({setting.name: "abc"})
    assert str(err.value) == f"{setting.name} {EXPECTED[setting.type]}, not 'abc'"


def test_values_parse_by_type():
    """Numbers and flags parse from their text; empty means the default; flags accept the usual words."""
    settings = config.load({"OUTBOUND_WORKERS": " 7 ", "PUBLICATION_RATE": "12.5", "PUBLICATION_SELF_APPROVAL": "yes",
                            "WECHAT_ALLOW_PLAINTEXT": "off", "PROXY_COUNT": "", "WECHAT_LATE_AFTER": 0,
                            "PUBLIC_BASE_URL": "https://wx.example.gov.cn/"})
    assert settings["OUTBOUND_WORKERS"] == 7 and settings["PUBLICATION_RATE"] == 12.5
    assert settings["PUBLICATION_SELF_APPROVAL"] is True and settings["WECHAT_ALLOW_PLAINTEXT"] is False
    assert settings["PROXY_COUNT"] == 0 and settings["WECHAT_LATE_AFTER"] == 0.0
    assert settings["PUBLIC_BASE_URL"] == "https://wx.example.gov.cn"
    with pytest.raises(config.ConfigError, match=r"^PROXY_COUNT must be an integer, not 1.5$"):
        config.load({"PROXY_COUNT": 1.5})


@pytest.mark.parametrize("overrides, message", [
    ({"APP_ENV": "staging"}, "APP_ENV must be development or production, not 'staging'"),
    ({"APP_ENV": "production"}, "production needs WECHAT_TOKEN, WECHAT_APP_ID, WECHAT_APP_SECRET, DATABASE_URL, "
                                "REDIS_URL, SECRET_KEY"),
    ({**PRODUCTION, "DATABASE_URL": "sqlite:///x.db"}, "production needs DATABASE_URL on a database server, not SQLite"),
    ({"WECHAT_AES_KEY": "short"}, "WECHAT_AES_KEY must be exactly 43 characters"),
    ({"LOG_LEVEL": "chatty"}, "LOG_LEVEL must be DEBUG, INFO, WARNING or ERROR"),
])
def test_fail_fast_messages_are_unchanged(overrides, message):
    """The start-up refusals keep their exact one-line messages."""
    with pytest.raises(config.ConfigError) as err:
        config.load(overrides)
    assert str(err.value) == message


def test_derived_settings_follow_the_environment():
    """WECHAT_API_BASE and SESSION_COOKIE_SECURE default by APP_ENV; engine options follow the database URL;
    undeclared overrides pass through; LOG_LEVEL is upper-cased."""
    development = config.load({"LOG_LEVEL": "debug", "WTF_CSRF_ENABLED": False})
    production = config.load(PRODUCTION)
    assert development["WECHAT_API_BASE"] == f"http://127.0.0.1:{config.SIM_PORT}"
    assert production["WECHAT_API_BASE"] == config.OFFICIAL_API_BASE
    assert development["SESSION_COOKIE_SECURE"] is False and production["SESSION_COOKIE_SECURE"] is True
    assert config.load({**PRODUCTION, "SESSION_COOKIE_SECURE": "0"})["SESSION_COOKIE_SECURE"] is False
    assert development["WTF_CSRF_ENABLED"] is False and development["LOG_LEVEL"] == "DEBUG"
    assert development["WECHAT_TOKEN_IS_DEFAULT"] and not production["WECHAT_TOKEN_IS_DEFAULT"]
    assert development["SQLALCHEMY_ENGINE_OPTIONS"]["connect_args"] == {"timeout": 3.0}
    postgres = production["SQLALCHEMY_ENGINE_OPTIONS"]["connect_args"]
    assert postgres["options"] == "-c statement_timeout=3000 -c lock_timeout=1000"


def test_the_cli_prints_one_line_and_exits_non_zero():
    """`flask --app app ...` with a bad number prints one error line naming the variable, no traceback, exit 1."""
    env = {**os.environ, "OUTBOUND_WORKERS": "abc"}
    result = subprocess.run([sys.executable, "-m", "flask", "--app", "app", "routes"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == ["Error: OUTBOUND_WORKERS must be an integer, not 'abc'"]
