"""Settings from the environment, and a start refused with one line for a wrong or missing one."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from booking import create_app
from booking.operations.settings import ConfigurationError

ROOT = Path(__file__).resolve().parents[2]
LONG_SECRET = "s" * 64


@pytest.fixture
def environment(monkeypatch, tmp_path):
    """A clean TREFFPUNKT_* environment with its own instance folder; returns a setter."""
    for key in list(os.environ):
        if key.startswith("TREFFPUNKT_") or key in ("SECRET_KEY", "DATABASE_URL", "RATELIMIT_STORAGE_URI",
                                                    "TRUSTED_PROXIES"):
            monkeypatch.delenv(key)
    instance = tmp_path / "instance"
    instance.mkdir()
    monkeypatch.setenv("TREFFPUNKT_INSTANCE", str(instance))
    monkeypatch.setenv("TREFFPUNKT_DATABASE_URL", f"sqlite:///{tmp_path / 'house.sqlite'}")

    def set_(**values):
        for key, value in values.items():
            if value is None:
                monkeypatch.delenv(f"TREFFPUNKT_{key}", raising=False)
            else:
                monkeypatch.setenv(f"TREFFPUNKT_{key}", value)
        return instance

    return set_


def production(environment, **values):
    defaults = {"SECRET_KEY": LONG_SECRET, "PUBLIC_URL": "https://treffpunkt.example.org"}
    return environment(**{**defaults, **values})


def test_every_setting_comes_from_the_environment_with_its_type(environment):
    production(environment, MIN_NOTICE_HOURS="24", HORIZON_DAYS="90", MAIL_SERVER="smtp.example.org",
               MAIL_PORT="465", MAIL_USE_SSL="true", MAIL_USE_TLS="false", LOG_FORMAT="json",
               TRUSTED_PROXIES="1", TRUSTED_HOSTS="intern.example.org, treffpunkt.local",
               RATELIMIT_STORAGE_URI="redis://127.0.0.1:6379/5", WORKERS="3")
    config = create_app().config
    assert config["MIN_NOTICE_HOURS"] == 24 and config["HORIZON_DAYS"] == 90
    assert config["MAIL_SERVER"] == "smtp.example.org" and config["MAIL_PORT"] == 465
    assert config["MAIL_USE_SSL"] is True and config["MAIL_USE_TLS"] is False
    assert config["LOG_FORMAT"] == "json" and config["TRUSTED_PROXIES"] == 1
    assert config["SECRET_KEY"] == LONG_SECRET
    # Outside development only the public address and the listed hosts are served.
    assert config["TRUSTED_HOSTS"] == ["treffpunkt.example.org", "intern.example.org", "treffpunkt.local"]
    assert config["SESSION_COOKIE_SECURE"] is True


def test_instance_config_py_still_works_and_the_environment_wins(environment):
    instance = environment(DEVELOPMENT="1", HORIZON_DAYS="30")
    (instance / "config.py").write_text("HORIZON_DAYS = 60\nMIN_NOTICE_HOURS = 12\n")
    config = create_app().config
    assert config["MIN_NOTICE_HOURS"] == 12
    assert config["HORIZON_DAYS"] == 30
    assert config["SESSION_COOKIE_SECURE"] is False


def test_development_generates_its_own_secret_key(environment):
    instance = environment(DEVELOPMENT="true")
    assert create_app().config["SECRET_KEY"] == (instance / "secret_key").read_text().strip()


@pytest.mark.parametrize(
    ("values", "setting"),
    [
        ({"SECRET_KEY": None}, "TREFFPUNKT_SECRET_KEY is not set"),
        ({"SECRET_KEY": "short"}, "TREFFPUNKT_SECRET_KEY is too short"),
        ({"PUBLIC_URL": None}, "TREFFPUNKT_PUBLIC_URL is not set"),
        ({"WORKERS": "4"}, "TREFFPUNKT_RATELIMIT_STORAGE_URI is needed with 4 worker processes"),
    ],
)
def test_a_real_house_does_not_start_without_what_it_needs(environment, values, setting):
    production(environment, **values)
    with pytest.raises(ConfigurationError) as refused:
        create_app()
    assert str(refused.value).startswith(f"Treffpunkt cannot start: {setting}")
    assert "\n" not in str(refused.value)


def test_one_worker_needs_no_shared_store_and_several_start_with_redis(environment):
    production(environment, WORKERS="1")
    assert create_app().config["WORKERS"] == 1
    production(environment, WORKERS="4", RATELIMIT_STORAGE_URI="redis://127.0.0.1:6379/5")
    assert create_app().config["WORKERS"] == 4


@pytest.mark.parametrize(
    ("key", "value", "problem"),
    [
        ("MAIL_PORT", "smtp", "TREFFPUNKT_MAIL_PORT must be a whole number"),
        ("MAIL_PORT", "0", "TREFFPUNKT_MAIL_PORT must be at least 1"),
        ("MAIL_USE_TLS", "perhaps", "TREFFPUNKT_MAIL_USE_TLS must be true or false"),
        ("MAIL_USE_SSL", "true", "TREFFPUNKT_MAIL_USE_SSL and MAIL_USE_TLS exclude each other"),
        ("HORIZON_DAYS", "a year", "TREFFPUNKT_HORIZON_DAYS must be a whole number"),
        ("TRUSTED_PROXIES", "-1", "TREFFPUNKT_TRUSTED_PROXIES must be at least 0"),
        ("PUBLIC_URL", "treffpunkt.example.org", "TREFFPUNKT_PUBLIC_URL must be an address"),
        ("PUBLIC_URL", "https://treffpunkt.example.org/app", "TREFFPUNKT_PUBLIC_URL must be the site's root"),
        ("DATABASE_URL", "my database", "TREFFPUNKT_DATABASE_URL is not a database address"),
        ("RATELIMIT_STORAGE_URI", "mongodb://x", "TREFFPUNKT_RATELIMIT_STORAGE_URI must be memory://"),
        ("LOG_FORMAT", "xml", "TREFFPUNKT_LOG_FORMAT must be one of text, json"),
        ("LOGIN_LIMIT_ACCOUNT", "lots", "TREFFPUNKT_LOGIN_LIMIT_ACCOUNT must be a rate"),
        ("TRUSTED_HOSTS", "a.example/b", "TREFFPUNKT_TRUSTED_HOSTS must be host names"),
    ],
)
def test_a_malformed_setting_stops_the_start_naming_it(environment, key, value, problem):
    production(environment, **{key: value})
    with pytest.raises(ConfigurationError) as refused:
        create_app()
    assert problem in str(refused.value)


def clean_environment(tmp_path: Path, **values: str) -> dict:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("TREFFPUNKT_") and k not in ("SECRET_KEY", "DATABASE_URL", "FLASK_APP")}
    env.update(TREFFPUNKT_INSTANCE=str(tmp_path / "instance"),
               TREFFPUNKT_DATABASE_URL=f"sqlite:///{tmp_path / 'house.sqlite'}", **values)
    return env


def test_the_command_line_prints_one_line_and_no_traceback(tmp_path):
    env = clean_environment(tmp_path, TREFFPUNKT_PUBLIC_URL="https://treffpunkt.example.org")
    done = subprocess.run([sys.executable, "-m", "flask", "--app", "booking", "db", "current"], cwd=tmp_path,
                          env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode != 0
    assert done.stderr.strip().splitlines() == [
        "Treffpunkt cannot start: TREFFPUNKT_SECRET_KEY is not set: every instance of the house needs the same "
        "long random value (python3 -c 'import secrets; print(secrets.token_hex(32))')"
    ], done.stderr


@pytest.mark.server
def test_gunicorn_with_the_shipped_config_stops_at_once_with_the_one_line(tmp_path):
    env = clean_environment(tmp_path, TREFFPUNKT_SECRET_KEY=LONG_SECRET, TREFFPUNKT_BIND="127.0.0.1:0",
                            TREFFPUNKT_PUBLIC_URL="https://treffpunkt.example.org", TREFFPUNKT_WORKERS="2")
    done = subprocess.run([sys.executable, "-m", "gunicorn", "--config", str(ROOT / "gunicorn.conf.py")],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 4, done.stderr  # gunicorn's "App failed to load": no restart loop
    assert ("Treffpunkt cannot start: TREFFPUNKT_RATELIMIT_STORAGE_URI is needed with 2 worker processes"
            in done.stderr)
    assert "Traceback" not in done.stderr
