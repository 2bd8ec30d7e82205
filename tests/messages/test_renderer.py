"""The message renderer: every template in every language, locale formats, escaping, complete catalogs."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir

from core.messages import MessageRenderer
from core.messages.renderer import MESSAGES_DIR

LANGUAGES = ["en", "de", "fr", "es"]
PO = {
    "number": "PO-4512",
    "order_date": "2026-11-02",
    "promised_date": "2026-12-03",
    "sent_at": "2026-11-02T10:00:00+00:00",
    "currency": "EUR",
    "total": "1234.5",
    "terms": "30 days net",
    "lines": [
        {
            "line_no": 1,
            "description": "Hex bolt",
            "vendor_sku": "AF-1",
            "quantity": "1500.000",
            "unit": "pcs",
            "unit_price": "0.12",
        }
    ],
}
CONTEXTS = {
    "po_sent": {"po": PO},
    "confirm_request": {"po": PO},
    "reminder": {"po": PO, "about": "shipping"},
    "shipping_update_request": {"po": PO},
    "ack": {
        "intent": "shipped",
        "po_numbers": ["PO-4512"],
        "carrier": "DHL",
        "tracking_numbers": ["1234567890"],
        "eta": "2026-12-03",
    },
    "question": {"reason": "which_po", "candidates": ["PO-1", "PO-2"]},
    "clarify": {"po_numbers": [], "candidates": ["PO-1", "PO-2"]},
    "agent_message": {"body": "Hi <b>there</b>", "po_number": "PO-4512"},
    "buyer_digest": {
        "user_name": "Anna",
        "count": 2,
        "alerts": [
            {"kind": "eta_changed", "text": "new ETA 3 Dec", "po_number": "PO-4512", "at": "2026-11-20T10:00:00+00:00"},
            {"kind": "late", "text": "PO-4513 is late", "po_number": None, "at": "2026-11-20T10:05:00+00:00"},
        ],
    },
}


@pytest.fixture(scope="module")
def renderer() -> MessageRenderer:
    return MessageRenderer(defaults={"buyer_company": "Buyer GmbH"})


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("kind", sorted(CONTEXTS))
def test_every_email_kind_renders_text_html_and_subject(renderer, kind, language) -> None:
    out = renderer.render(kind, "email", language, CONTEXTS[kind])
    assert out.subject
    assert "\n" not in out.subject
    assert out.text.strip()
    assert out.html is not None
    assert out.html.startswith("<html>")


def test_ack_reads_like_the_issue_example(renderer) -> None:
    out = renderer.render("ack", "email", "en", CONTEXTS["ack"])
    assert "PO-4512 shipped by DHL 1234567890, arriving Dec 3" in out.text
    assert out.subject == "Recorded: PO-4512"


def test_dates_numbers_and_money_follow_the_vendor_locale(renderer) -> None:
    de = renderer.render("po_sent", "email", "de", CONTEXTS["po_sent"]).text
    assert "3. Dezember 2026" in de
    assert "1.500 pcs" in de
    assert "0,12\xa0€" in de
    assert "1.234,50\xa0€" in de
    fr = renderer.render("po_sent", "email", "fr-FR", CONTEXTS["po_sent"]).text
    assert "3 décembre 2026" in fr
    es = renderer.render("ack", "email", "es", CONTEXTS["ack"]).text
    assert "llegada el 3 dic" in es


def test_unknown_language_falls_back_to_english(renderer) -> None:
    out = renderer.render("confirm_request", "email", "xx-nonsense", CONTEXTS["confirm_request"])
    assert out.subject == "Please confirm purchase order PO-4512"


def test_html_part_escapes_vendor_and_agent_text(renderer) -> None:
    out = renderer.render("agent_message", "email", "en", CONTEXTS["agent_message"])
    assert "&lt;b&gt;there&lt;/b&gt;" in (out.html or "")
    assert "Hi <b>there</b>" in out.text  # plain text is not escaped
    ack = renderer.render("ack", "email", "en", {**CONTEXTS["ack"], "carrier": "<script>"})
    assert "<script>" not in (ack.html or "")


def test_every_translatable_string_is_translated_in_every_catalog(renderer) -> None:
    # the email templates and the shared macros (chat templates have their own owner and test)
    msgids = {
        msg
        for filename, _l, msg, _c, _ctx in extract_from_dir(
            str(MESSAGES_DIR),
            method_map=[("**.j2", "jinja2.ext:babel_extract")],
            options_map={"**.j2": {"extensions": "jinja2.ext.i18n", "trimmed": "true"}},
        )
        if filename.startswith(("email/", "_common"))
    }
    assert msgids
    for language in ("de", "fr", "es"):
        catalog = renderer.catalogs[language]
        missing = sorted(m for m in msgids if isinstance(m, str) and m not in catalog)
        assert missing == [], f"{language}: {missing}"


def test_missing_template_is_a_clear_error(tmp_path: Path) -> None:
    from core.messages import TemplateMissingError

    with pytest.raises(TemplateMissingError):
        MessageRenderer(tmp_path).render("ack", "email", "en", {})
