"""A dataset's messages.jsonl may name only .eml files inside the dataset folder."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from api.dataset import read_messages

EML = b"From: sales@acme.example\r\nSubject: PO-4512\r\nDate: Fri, 20 Nov 2026 10:00:00 +0000\r\n\r\nConfirmed.\r\n"


def dataset(tmp_path: Path, eml: str) -> Path:
    root = tmp_path / "set"
    (root / "eml").mkdir(parents=True)
    (root / "eml" / "m1.eml").write_bytes(EML)
    record = {"id": "m1", "channel": "email", "received_at": "2026-11-20T10:00:00+00:00", "eml": eml}
    (root / "messages.jsonl").write_text(json.dumps(record) + "\n", encoding="utf-8")
    return root


def test_an_eml_inside_the_folder_is_read(tmp_path: Path) -> None:
    [message] = list(read_messages(dataset(tmp_path, "eml/m1.eml")))
    assert (message.id, message.inbound.new_text.strip()) == ("m1", "Confirmed.")


@pytest.mark.parametrize("eml", ["../outside.eml", "eml/../../outside.eml", "/etc/hostname", "eml/.."])
def test_a_path_leaving_the_folder_is_refused(tmp_path: Path, eml: str) -> None:
    (tmp_path / "outside.eml").write_bytes(EML)
    with pytest.raises(ValueError, match="line 1: message m1: eml path leaves the dataset folder"):
        list(read_messages(dataset(tmp_path, eml)))


def test_a_symbolic_link_out_of_the_folder_is_refused(tmp_path: Path) -> None:
    (tmp_path / "outside.eml").write_bytes(EML)
    root = dataset(tmp_path, "eml/link.eml")
    (root / "eml" / "link.eml").symlink_to(tmp_path / "outside.eml")
    with pytest.raises(ValueError, match="eml path is a symbolic link"):
        list(read_messages(root))


def test_a_linked_folder_out_of_the_dataset_is_refused(tmp_path: Path) -> None:
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "m1.eml").write_bytes(EML)
    root = dataset(tmp_path, "linked/m1.eml")
    (root / "linked").symlink_to(tmp_path / "elsewhere")
    with pytest.raises(ValueError, match="eml path leaves the dataset folder"):
        list(read_messages(root))
