"""`liaison import`, `export` and `po show` against a temporary SQLite file, through the real commands."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

import api.cli_ledger  # noqa: F401  (registers the commands on `app`)
from api.cli import app
from core.settings import get_settings
from models.migrate import upgrade
from tests.purchase_orders.import_helpers import FIXTURES, REPLIES_DEV

runner = CliRunner()


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    url = f"sqlite+aiosqlite:///{tmp_path}/cli.db"
    upgrade(url)
    monkeypatch.setenv("LIAISON_DATABASE_URL", url)
    get_settings.cache_clear()
    yield url
    get_settings.cache_clear()


def run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.output


@pytest.mark.usefixtures("database")
def test_import_export_show(tmp_path: Path) -> None:
    code, out = run("import", str(REPLIES_DEV), "--quiet")
    assert code == 0, out
    assert "46 new" in out

    out_file = tmp_path / "pos.json"
    code, _ = run("export", "--format", "json", "--out", str(out_file))
    assert code == 0
    assert out_file.read_text(encoding="utf-8") == (FIXTURES / "replies-dev.export.json").read_text(encoding="utf-8")
    code, csv_text = run("export", "--format", "csv")
    assert code == 0
    assert csv_text.splitlines()[0].startswith("po_number,vendor_code,vendor_name,status")

    code, shown = run("po", "show", "PO-4512")
    assert code == 0
    for expected in ("PO-4512", "Acme Fasteners Ltd (V01)", "Lines", "Hex bolt M8x50", "Timeline", "imported"):
        assert expected in shown
    assert "\x1b[" not in shown  # plain text when not a terminal


@pytest.mark.usefixtures("database")
def test_bad_file_exits_non_zero_and_lists_problems() -> None:
    code, out = run("import", str(FIXTURES / "bad.json"), "--quiet")
    assert code == 1
    assert "import refused, nothing written (8 problems)" in out
    assert "purchase_orders[0].lines[0].quantity: must not be negative" in out
    code, out = run("export", "--format", "json")
    assert json.loads(out) == {"purchase_orders": []}


@pytest.mark.usefixtures("database")
def test_dry_run_writes_nothing_and_unknown_po_is_an_error() -> None:
    code, out = run("import", str(FIXTURES / "small.json"), "--dry-run", "--quiet")
    assert code == 0
    assert "dry run: nothing written" in out
    code, out = run("po", "show", "PO-4512")
    assert code == 1
    assert "no purchase order numbered 'PO-4512'" in out
