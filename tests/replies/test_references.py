"""PO references in vendor text: every spelling of a real PO is found, every number that only looks like one is not."""

from __future__ import annotations

import time

import pytest

from core.replies.references import PONumberIndex, POReference, find_po_references

NUMBERS = ["PO-4512", "PO-4561", "NW-2026-01187", "4500012345", "PO/2026/0042", "BE-26-0091", "PO-12007"]
VENDOR_REFS = [("PO-4512", "SO-88213"), ("PO-4561", "AB-77812"), ("PO-12007", "CMD-2231")]


@pytest.fixture(scope="module")
def index() -> PONumberIndex:
    return PONumberIndex.from_numbers(NUMBERS, VENDOR_REFS)


def refs(text: str, index: PONumberIndex) -> list[tuple[str, str, str]]:
    return [(r.po_number, r.strength, r.kind) for r in find_po_references(text, index)]


def pos(text: str, index: PONumberIndex) -> set[str]:
    return {r.po_number for r in find_po_references(text, index)}


# --- spellings of a PO number ---


@pytest.mark.parametrize(
    "text",
    [
        "PO-4512 is confirmed",
        "po4512 confirmed",
        "PO4512 confirmed",
        "P.O. #4512 ships Friday",
        "re your po 4512",
        "order no. 4512 went out",
        "Bestellung 4512 bestätigt",
        "Ihre Bestell-Nr. 4512",
        "su pedido n.º 4512",
        "commande n° 4512 expédiée",
        "ordine 4512 spedito",
        "bestelling 4512 verzonden",
        "encomenda 4512 enviada",
        "zamówienie 4512 wysłane",
        "beställning 4512 skickad",
        "objednávka 4512 odeslána",
        "sipariş 4512 gönderildi",
        "注文番号 4512 発送しました",
        "订单4512已发货",
        "발주 4512 발송",
        "PO-004512 shipped",
        "Customer PO#: 0004512",
        "orden de compra OC-0004512",
    ],
)
def test_prefixed_spellings_are_exact(text: str, index: PONumberIndex) -> None:
    assert refs(text, index) == [("PO-4512", "exact", "po")]


def test_matched_text_includes_the_qualifier(index: PONumberIndex) -> None:
    [ref] = find_po_references("see P.O. #4512 please", index)
    assert ref == POReference("PO-4512", "P.O. #4512", (4, 14), "exact", "po")


def test_bare_number_is_weak_evidence(index: PONumberIndex) -> None:
    assert refs("4512 went out today with DHL", index) == [("PO-4512", "bare", "po")]
    assert refs("the 004512 went out", index) == [("PO-4512", "bare", "po")]


def test_multi_group_numbers(index: PONumberIndex) -> None:
    assert pos("NW-2026-01187 confirmed", index) == {"NW-2026-01187"}
    assert pos("NW202601187 confirmed", index) == {"NW-2026-01187"}
    assert pos("your order 2026-1187", index) == {"NW-2026-01187"}
    assert pos("order 2026/01187", index) == {"NW-2026-01187"}
    assert pos("order 202601187", index) == {"NW-2026-01187"}
    assert pos("your order 1187 is ready", index) == {"NW-2026-01187"}  # running number after a PO word
    assert pos("PO 2026/0042 shipped", index) == {"PO/2026/0042"}
    assert pos("BE-26-0091 confirmed", index) == {"BE-26-0091"}
    assert pos("SAP order 4500012345", index) == {"4500012345"}


def test_last_group_alone_needs_a_po_word(index: PONumberIndex) -> None:
    assert pos("we counted 1187 cartons", index) == set()


def test_vendor_references_map_to_their_po(index: PONumberIndex) -> None:
    assert refs("our order SO-88213 shipped", index) == [("PO-4512", "exact", "vendor_ref")]
    assert refs("AB-Nr. 77812 ist versandt", index) == [("PO-4561", "exact", "vendor_ref")]
    assert refs("notre réf. CMD-2231", index) == [("PO-12007", "exact", "vendor_ref")]
    assert refs("Sales order: SO-88213", index) == [("PO-4512", "exact", "vendor_ref")]


def test_vendor_order_number_is_not_read_as_a_po(index: PONumberIndex) -> None:
    # "our order 4512" is the vendor's own number that happens to equal a PO's digits
    assert pos("our order 4512 has shipped", index) == set()
    assert pos("Auftragsbestätigung 4512", index) == set()


def test_several_pos_in_one_text(index: PONumberIndex) -> None:
    assert pos("orders 4512 and 4561 shipped", index) == {"PO-4512", "PO-4561"}
    assert pos("ordini 4512 e 4561", index) == {"PO-4512", "PO-4561"}
    assert pos("PO-4512, PO-4561 and NW-2026-01187", index) == {"PO-4512", "PO-4561", "NW-2026-01187"}
    assert pos("rest of 4512 and the bolts for 4561 went out", index) == {"PO-4512", "PO-4561"}


def test_unknown_numbers_resolve_to_nothing(index: PONumberIndex) -> None:
    assert pos("PO-9999 and order 123456", index) == set()


def test_ambiguous_keys_resolve_to_nothing() -> None:
    index = PONumberIndex.from_numbers(["PO-4512", "NW-4512"])
    assert pos("order 4512", index) == set()
    assert pos("NW-4512", index) == {"NW-4512"}


# --- numbers that only look like PO numbers ---


@pytest.mark.parametrize(
    "text",
    [
        "Tel. 4512",
        "Phone: +44 121 496 4512",
        "Fax +49 40 73 45 4512",
        "Mobile 0171 4512",
        "WhatsApp/WeChat: +86 139 5742 4512",
        "(216) 555-4512",
    ],
)
def test_phone_numbers(text: str, index: PONumberIndex) -> None:
    assert pos(text, index) == set()


def test_vat_ids(index: PONumberIndex) -> None:
    assert pos("VAT Reg. No. GB 284 4512 61", index) == set()
    assert pos("USt-IdNr. 4512", index) == set()
    assert pos("TVA FR 23 4512", index) == set()


def test_iban_and_bic(index: PONumberIndex) -> None:
    assert pos("IBAN DE27 2005 0550 1022 4512 87", index) == set()
    assert pos("IBAN: LV58 BATR 0000 4512 1234 7", index) == set()
    assert pos("BIC BARCGB22 account 4512", index) == set()


def test_invoice_numbers(index: PONumberIndex) -> None:
    for text in ["Invoice 4512", "Rechnung Nr. 4512", "Facture n° 4512", "Factura 4512", "Fattura n. 4512", "INV-4512"]:
        assert pos(text, index) == set(), text


def test_ean_gtin(index: PONumberIndex) -> None:
    assert pos("EAN 4006381333931", index) == set()
    assert pos("0000000004512", PONumberIndex.from_numbers(["0000000004512"])) == {"0000000004512"}


def test_ean_check_digit_rejects_a_bare_lookalike() -> None:
    index = PONumberIndex.from_numbers(["PO-4006381333931"])
    assert pos("item 4006381333931", index) == set()
    assert pos("4006381333931 left today", index) == set()


def test_lot_batch_serial_numbers(index: PONumberIndex) -> None:
    for text in ["Lot 4512", "batch no. 4512", "Charge 4512", "S/N 4512", "serial number: 4512", "LOT4512"]:
        assert pos(text, index) == set(), text


def test_street_numbers_and_postal_codes(index: PONumberIndex) -> None:
    assert pos("4512 Lakeside Ave, Cleveland", index) == set()
    assert pos("Blvd. Aeropuerto 12007, Irapuato", index) == set()
    assert pos("Heilbronner Str. 4512", index) == set()
    assert pos("12007 Stuttgart", index) == set()
    assert pos("Cleveland, OH 12007", index) == set()


def test_quantities(index: PONumberIndex) -> None:
    for text in ["4512 pcs", "4512 Stück", "x 4512", "qty 4512", "4512pcs", "order 4512 pcs of M8 bolts"]:
        assert pos(text, index) == set(), text


def test_prices(index: PONumberIndex) -> None:
    for text in ["€ 4512", "USD 4512", "4512 EUR", "$4512", "4512,00 €", "45.12"]:
        assert pos(text, index) == set(), text


def test_dates(index: PONumberIndex) -> None:
    index = PONumberIndex.from_numbers(["PO-2026", "PO-1211", "PO-20261211"])
    for text in ["shipped 2026", "on 12/11", "20261211", "on 4 December 2026"]:
        assert pos(text, index) == set(), text


def test_tracking_numbers(index: PONumberIndex) -> None:
    for text in ["tracking 4512", "AWB 4512", "DHL 4512 3456 7890", "Sendungsnummer: 4512", "n° de suivi 4512"]:
        assert pos(text, index) == set(), text


def test_sku_and_part_numbers(index: PONumberIndex) -> None:
    for text in ["SKU 4512", "Art.-Nr. 4512", "part no. 4512", "item 4512", "6205-2RS", "4512-2RS"]:
        assert pos(text, index) == set(), text


def test_po_inside_a_longer_token(index: PONumberIndex) -> None:
    for text in [
        "CIN: U29299PN2008PTC4512",
        "X4512Y",
        "ref4512abc",
        "orders4512@vendor.example",
        "https://x.example/4512",
    ]:
        assert pos(text, index) == set(), text


def test_article_number_with_a_po_like_prefix(index: PONumberIndex) -> None:
    assert pos("Artikel OC-4512 wurde versendet", index) == set()
    assert refs("OC-4512 confirmed", index) == [("PO-4512", "bare", "po")]


def test_po_box_is_an_address(index: PONumberIndex) -> None:
    assert pos("P.O. Box 4512", index) == set()


def test_index_add_is_incremental() -> None:
    index = PONumberIndex.from_numbers(["PO-1000"])
    assert pos("PO-5555", index) == set()
    index.add("PO-5555")
    assert pos("PO-5555", index) == {"PO-5555"}
    assert len(index) == 2


def test_hostile_input_is_capped(index: PONumberIndex) -> None:
    assert find_po_references("", index) == []
    assert pos("a" * 200_000 + " PO-4512", index) == set()  # beyond the cap
    started = time.perf_counter()
    find_po_references(("4512-" * 20_000) + "x", index)
    find_po_references("PPC/" * 20_000, index)
    assert time.perf_counter() - started < 2.0


def test_lookup_is_fast_on_a_large_index() -> None:
    index = PONumberIndex.from_numbers(f"PO-{n}" for n in range(10_000, 110_000))
    text = "Hi Anna, PO-45120 went out today with DHL 1234567890. Tel. +44 121 496 0457, Unit 12, 4527 Lakeside Ave."
    find_po_references(text, index)
    started = time.perf_counter()
    for _ in range(200):
        found = find_po_references(text, index)
    per_call = (time.perf_counter() - started) / 200
    assert {r.po_number for r in found} == {"PO-45120"}
    assert per_call < 0.002
