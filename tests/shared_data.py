"""Where the test data lives: the dev set is copied into the repo; the large robustness corpus of real
emails stays in the workspace's ../shared/eval (set LIAISON_SHARED_EVAL to point elsewhere)."""

from __future__ import annotations

import os
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DATA = REPO / "tests" / "data"
REPLIES_DEV = DATA / "replies-dev"


def _shared_eval() -> Path:
    for candidate in (os.environ.get("LIAISON_SHARED_EVAL"), REPO.parent / "shared" / "eval"):
        if candidate and Path(candidate).is_dir():
            return Path(candidate)
    return REPO.parent / "shared" / "eval"


SHARED_EVAL = _shared_eval()
REAL_EMAILS = SHARED_EVAL / "real-emails"
