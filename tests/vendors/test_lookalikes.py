"""Lookalike sender domains are named with the vendor domain they imitate; unrelated ones are not."""

import pytest

from core.vendors.trust import LookalikeIndex

VENDOR_DOMAINS = ["acme-fasteners.com", "mail.nordwerk.de", "tokai-seiki.co.jp", "brasil-pecas.com.br"]


@pytest.mark.parametrize(
    ("sender_domain", "imitated"),
    [
        ("acme-fastener.com", "acme-fasteners.com"),  # one letter off
        ("acme-fasteners.co", "acme-fasteners.com"),  # the vendor's name under another suffix
        ("acme-fasteners.com.invoices.example", "acme-fasteners.com"),  # the vendor domain as a prefix
        ("billing.acme-fasteners.com", "acme-fasteners.com"),  # a subdomain nobody registered with us
        ("nordwerk.de", "mail.nordwerk.de"),  # the parent of a vendor's mail domain
        ("tokai-seikl.co.jp", "tokai-seiki.co.jp"),
        ("acme-fasteners.com", None),  # the vendor's own domain is not an imitation
        ("example.org", None),
        ("gmail.com", None),
        ("brasil-frutas.com.br", None),
    ],
)
def test_lookalike_names_the_imitated_vendor_domain(sender_domain: str, imitated: str | None) -> None:
    assert LookalikeIndex(VENDOR_DOMAINS).imitated(sender_domain) == imitated


def test_lookalike_check_over_thousands_of_domains_stays_exact() -> None:
    domains = [f"vendor{i:05d}-supply.example" for i in range(5000)]
    index = LookalikeIndex(domains)
    assert index.imitated("vendor01234-suply.example") == "vendor01234-supply.example"
    assert index.imitated("completely-different.test") is None
