"""LEDGER_TOKENS and the token file: a token the gateway would not read is never written."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from domain.actors import Role
from gateway.auth import TokenStore, grant_token
from gateway.cli import app


def env(tmp_path: Path, **extra: str) -> dict[str, str]:
    return {"LEDGER_DATA_DIR": str(tmp_path), "LEDGER_DATABASE_URL": "", **extra}


@pytest.mark.parametrize(
    "args",
    [
        ["tokens", "add", "--role", "auditor", "--principal", "a1"],
        ["serve", "--demo", "--port", "1"],
    ],
)
def test_writing_a_token_while_tokens_are_inline_is_refused_in_one_line(
    tmp_path: Path, args: list[str]
) -> None:
    result = CliRunner().invoke(app, args, env=env(tmp_path, LEDGER_TOKENS="[]"))
    assert result.exit_code == 2, result.output
    (line,) = result.output.strip().splitlines()
    assert line.startswith("ledger: ") and "LEDGER_TOKENS" in line
    assert not (tmp_path / "tokens.json").exists()
    assert not (tmp_path / "pg").exists()  # refused before PostgreSQL was started


def test_a_token_added_to_the_file_authenticates(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app, ["tokens", "add", "--role", "auditor", "--principal", "a1"], env=env(tmp_path)
    )
    assert result.exit_code == 0, result.output
    token = result.output.strip()
    stored = json.loads((tmp_path / "tokens.json").read_text())
    assert [g["principal"] for g in stored] == ["a1"]
    assert token not in (tmp_path / "tokens.json").read_text()  # only its hash
    actor = TokenStore.load(None, tmp_path / "tokens.json").authenticate(token)
    assert actor is not None and actor.role is Role.AUDITOR


def test_inline_tokens_are_the_only_ones_read(tmp_path: Path) -> None:
    inline_token, inline = grant_token(principal="inline", role=Role.AUDITOR)
    file_token, in_file = grant_token(principal="file", role=Role.AUDITOR)
    (tmp_path / "tokens.json").write_text(json.dumps([in_file.model_dump(mode="json")]))
    store = TokenStore.watching(
        json.dumps([inline.model_dump(mode="json")]), tmp_path / "tokens.json"
    )
    assert store.authenticate(inline_token) is not None
    assert store.authenticate(file_token) is None
