"""Settings: defaults, TOML, environment overrides, one clear line per problem."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from hub.config import ConfigError, load_settings


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "kanal.toml"
    path.write_text(text)
    return path


def test_no_config_runs_on_defaults() -> None:
    settings = load_settings(None, env={})
    assert settings.server.port == 8080
    assert settings.database.url == "sqlite+aiosqlite:///data/kanal.db"
    assert settings.database.synchronous == "FULL"
    assert settings.messages.max_length == 4000
    assert settings.redis.url == ""


def test_the_documented_shape_loads(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
[server]
host = "0.0.0.0"
port = 9000
[organization]
name = "Pemerintah Kota Ambon"
[[opds]]
slug = "diskominfo"
name = "Dinas Komunikasi dan Informatika"
[[inboxes]]
key = "web-diskominfo"
kind = "widget"
opd = "diskominfo"
[[inboxes]]
key = "kota-bot"
kind = "telegram"
opd = "diskominfo"
token = "123:ABC"
""",
    )
    settings = load_settings(path, env={})
    assert settings.server.port == 9000
    assert settings.organization.name == "Pemerintah Kota Ambon"
    assert [i.key for i in settings.inboxes] == ["web-diskominfo", "kota-bot"]
    assert settings.inboxes[1].options == {"token": "123:ABC"}


def test_environment_overrides_every_section(tmp_path: Path) -> None:
    path = write(tmp_path, "[server]\nport = 9000\n")
    settings = load_settings(
        path,
        env={
            "KANAL_SERVER__PORT": "9100",
            "KANAL_DATABASE__SYNCHRONOUS": "NORMAL",
            "KANAL_MESSAGES__MAX_LENGTH": "500",
            "KANAL_SERVER__SECRET_KEY": "12345",
            "UNRELATED": "x",
        },
    )
    assert settings.server.port == 9100
    assert settings.database.synchronous == "NORMAL"
    assert settings.messages.max_length == 500
    assert settings.server.secret_key == "12345"


def test_every_problem_gets_one_line_with_key_value_and_expectation(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
[server]
port = 70000
[database]
url = "mysql://nope"
synchronous = "SOMETIMES"
[[opds]]
slug = "Bad Slug"
name = "x"
[[inboxes]]
key = "w"
kind = "fax"
opd = "x"
""",
    )
    with pytest.raises(ConfigError) as raised:
        load_settings(path, env={})
    problems = raised.value.problems
    assert len(problems) == 5
    text = "\n".join(problems)
    assert "server.port = 70000" in text
    assert "database.url = 'mysql://nope'" in text
    assert "database.synchronous = 'SOMETIMES'" in text
    assert "opds.0.slug = 'Bad Slug'" in text
    assert "inboxes.0.kind = 'fax'" in text


def test_unknown_keys_and_dangling_references_are_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as raised:
        load_settings(write(tmp_path, "[server]\nprot = 1\n"), env={})
    assert raised.value.problems == ["server.prot = 1: Extra inputs are not permitted"]
    dangling = """
[[opds]]
slug = "pupr"
name = "PUPR"
[[inboxes]]
key = "w"
kind = "widget"
opd = "dishub"
"""
    with pytest.raises(ConfigError) as raised:
        load_settings(write(tmp_path, dangling), env={})
    assert "inboxes[0].opd = 'dishub'" in raised.value.problems[0]


def test_duplicate_inbox_keys_are_refused(tmp_path: Path) -> None:
    text = '[[inboxes]]\nkey = "a"\nkind = "widget"\nopd = "x"\n' * 2
    with pytest.raises(ConfigError) as raised:
        load_settings(write(tmp_path, text), env={})
    assert "duplicate inbox key(s): a" in raised.value.problems[0]


def test_broken_toml_and_missing_file_are_one_line_each(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as raised:
        load_settings(write(tmp_path, "[server\n"), env={})
    assert raised.value.problems[0].startswith(
        f"config file {tmp_path / 'kanal.toml'}: invalid TOML"
    )
    with pytest.raises(ConfigError) as raised:
        load_settings(tmp_path / "missing.toml", env={})
    assert raised.value.problems == [f"config file {tmp_path / 'missing.toml'}: not found"]


def test_cli_prints_the_problems_and_exits_2(tmp_path: Path) -> None:
    path = write(tmp_path, "[server]\nport = 0\n")
    done = subprocess.run(
        [sys.executable, "-m", "hub.cli", "migrate", "--config", str(path)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert done.returncode == 2
    assert done.stderr.strip() == (
        "config: server.port = 0: Input should be greater than or equal to 1"
    )


def test_config_example_loads_and_documents_every_key() -> None:
    from pydantic import BaseModel

    from hub.config import Settings

    example = Path(__file__).resolve().parents[2] / "config.example.toml"
    text = example.read_text()
    load_settings(example, env={})
    for section, field in Settings.model_fields.items():
        assert f"[{section}]" in text or f"[[{section}]]" in text, section
        annotation = field.annotation
        model = (
            annotation
            if isinstance(annotation, type) and issubclass(annotation, BaseModel)
            else None
        )
        for key in model.model_fields if model else ():
            assert f"\n{key} =" in text or f"# {key} =" in text, f"{section}.{key}"
