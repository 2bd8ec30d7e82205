"""Reply extraction on the labelled sets of the shared corpus: >= 90 % right on each set."""

from __future__ import annotations

import pytest
from reply_sets import CORPUS, share

pytestmark = pytest.mark.skipif(not CORPUS.exists(), reason="shared corpus not available")


@pytest.mark.parametrize("name", ["phrases", "crisp", "synthetic", "trimmer"])
def test_reply_set_share(name: str) -> None:
    ratio, failed = share(name)
    print(f"reply set {name}: {ratio:.3f} right; failed: {failed}")
    assert ratio >= 0.90, failed
