"""Per-line quantities: by line number, SKU, description; thousand separators by language."""

from core.replies.quantities import LineRef, extract_quantities, parse_number

BOLTS = LineRef(1, "M8-HEX-50", "AF-8850", "Hex bolt M8x50 zinc plated", 500, "pcs")
NUTS = LineRef(2, "M8-NUT", "AF-N08", "Hex nut M8 class 8 zinc plated", 1000, "pcs")
WASHERS = LineRef(3, "M8-WSH", "AF-W08", "Flat washer M8 DIN 125", 2000, "pcs")
PO = [BOLTS, NUTS, WASHERS]


def test_line_number_named_explicitly() -> None:
    assert extract_quantities("line 2: 40 pcs", PO, language="en") == {2: 40}
    assert extract_quantities("Position 1: 200 Stück", PO, language="de") == {1: 200}
    text = "We confirm PO-11032 as follows: line 1: 500 pcs, line 2: 1000 pcs, line 3: 2000 pcs."
    assert extract_quantities(text, PO, language="en") == {1: 500, 2: 1000, 3: 2000}


def test_partial_of_total() -> None:
    assert extract_quantities("300 of the 500 bolts shipped", PO, language="en") == {1: 300}
    text = "Für PO-11206 haben wir heute 40 von 200 l der Position 1 versendet."
    assert extract_quantities(text, [LineRef(1, None, None, "Hydraulic oil HLP 46", 200, "l")], language="de") == {
        1: 40
    }


def test_by_vendor_sku() -> None:
    assert extract_quantities("AF-8850 x 300", PO, language="en") == {1: 300}


def test_by_description_words() -> None:
    assert extract_quantities("the M8 nuts (1000pcs) went out today", PO, language="en") == {2: 1000}


def test_single_line_po_with_a_differing_quantity() -> None:
    line = [LineRef(1, "X-1", None, "Proximity sensor M12", 250, "pcs")]
    assert extract_quantities("we can only confirm 200 pcs", line, language="en") == {1: 200}
    assert extract_quantities("all 250 pcs shipped today", line, language="en") == {}


def test_full_confirmation_at_ordered_quantities_gives_nothing() -> None:
    text = "Hex bolt M8x50: 500 pcs, Hex nut M8: 1000 pcs, Flat washer M8: 2000 pcs"
    assert extract_quantities(text, PO, language="en") == {}


def test_thousand_separators_by_language() -> None:
    assert parse_number("1.000", "de") == 1000
    assert parse_number("1.000", "en") == 1.0
    assert parse_number("2,000", "en") == 2000
    assert parse_number("2,5", "de") == 2.5
    assert parse_number("1 000", "fr") == 1000
    line = [LineRef(1, None, None, "Chapa DC01 2 mm", 4000, "kg")]
    assert extract_quantities("Chapa DC01: 1.000 Stück", line, language="de") == {1: 1000}


def test_table_with_shipped_column() -> None:
    text = (
        "Line  Item      Description                     Ordered  Despatched  Outstanding\n"
        "1     AF-8850   Hex bolt M8x50 zinc plated          500         300          200\n"
        "2     AF-N08    Hex nut M8 class 8 zinc plated     1000        1000            0\n"
    )
    assert extract_quantities(text, PO, language="en") == {1: 300, 2: 1000}


def test_dates_phone_and_po_numbers_are_not_quantities() -> None:
    text = "PO 4512 ships on 3 December. Tel. +44 121 496 0457"
    assert extract_quantities(text, PO, language="en") == {}


def test_change_request_gives_nothing() -> None:
    assert extract_quantities("can we change to 4000 pcs?", PO, language="en", intent_hint="change_request") == {}
