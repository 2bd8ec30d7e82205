"""The matcher's evidence rules, on plain data: strong evidence wins, weak evidence needs an order topic,
another vendor's PO never matches, and ambiguity goes to review instead of a guess."""

from __future__ import annotations

from core.replies.matching import LineInfo, MatchInputs, POInfo, decide
from core.replies.references import PONumberIndex, find_po_references
from core.replies.schemas import Intent

BOLTS = POInfo(
    1, "PO-4512", 10, "sent", None, (LineInfo(1, "M8-HEX-50", "AF-8850", "Hex bolt M8x50 zinc plated", 500),)
)
NUTS = POInfo(2, "PO-4561", 10, "confirmed", "SO-88213", (LineInfo(1, "M8-NUT", "AF-N08", "Hex nut M8 class 8", 1000),))
OTHER_VENDOR = POInfo(3, "PO-4602", 20, "sent", None, (LineInfo(1, "22210E", None, "Spherical roller bearing", 4),))
INDEX = PONumberIndex.from_numbers(["PO-4512", "PO-4561", "PO-4602"], [("PO-4561", "SO-88213")])
BY_NUMBER = {p.number: p for p in (BOLTS, NUTS, OTHER_VENDOR)}


def inputs(text: str, **kw: object) -> MatchInputs:
    refs = [(r, BY_NUMBER[r.po_number]) for r in find_po_references(text, INDEX)]
    base = MatchInputs(sender_vendor_id=10, text=text, text_refs=refs, vendor_open_pos=[BOLTS, NUTS])
    for k, v in kw.items():
        setattr(base, k, v)
    return base


def numbers(text: str, intent: Intent = Intent.SHIPPED, **kw: object) -> list[str]:
    return [m.po_number for m in decide(inputs(text, **kw), intent).matches]


def test_po_number_in_text() -> None:
    assert numbers("PO-4512 shipped today") == ["PO-4512"]


def test_two_pos_in_one_message() -> None:
    assert sorted(numbers("rest of 4512 and the nuts for PO 4561 went out today")) == ["PO-4512", "PO-4561"]


def test_negated_number_is_taken_back() -> None:
    assert numbers("sorry, that email should say 4561 not 4512") == ["PO-4561"]


def test_another_vendors_po_never_matches() -> None:
    decision = decide(inputs("PO-4602 has shipped"), Intent.SHIPPED)
    assert decision.matches == []
    assert decision.foreign_po_numbers == ["PO-4602"]


def test_thread_when_text_names_no_po() -> None:
    assert numbers("all shipped today", thread=[(NUTS, "thread")]) == ["PO-4561"]


def test_text_overrides_thread() -> None:
    assert numbers("PO-4512 shipped", thread=[(NUTS, "thread")]) == ["PO-4512"]


def test_vendor_reference() -> None:
    assert numbers("your order under our ref SO-88213 is confirmed", Intent.CONFIRMED) == ["PO-4561"]


def test_item_code_on_one_po() -> None:
    assert numbers("AF-8850 went out this morning") == ["PO-4512"]


def test_item_on_several_pos_goes_to_review() -> None:
    twin = POInfo(4, "PO-4599", 10, "sent", None, (LineInfo(1, "M8-HEX-50", "AF-8850", "Hex bolt M8x50", 200),))
    decision = decide(inputs("AF-8850 shipped", vendor_open_pos=[BOLTS, twin]), Intent.SHIPPED)
    assert decision.matches == []
    assert decision.needs_review
    assert {c.po_number for c in decision.candidates} == {"PO-4512", "PO-4599"}


def test_only_open_po_needs_an_order_topic() -> None:
    assert numbers("shipped today", vendor_open_pos=[BOLTS]) == ["PO-4512"]
    assert numbers("Happy holidays to the whole team!", Intent.UNRELATED, vendor_open_pos=[BOLTS]) == []


def test_several_open_pos_and_no_evidence_is_review() -> None:
    decision = decide(inputs("shipped today"), Intent.SHIPPED)
    assert decision.matches == []
    assert decision.needs_review


def test_untrusted_sender_matches_nothing() -> None:
    decision = decide(inputs("PO-4512 shipped", sender_vendor_id=None), Intent.SHIPPED)
    assert decision.matches == []


def test_conversation_is_weak_evidence() -> None:
    # a message that carries on the conversation (its items, "the rest") is about its PO ...
    assert numbers("the rest shipped today", conversation=[NUTS], conversation_wide=[NUTS]) == ["PO-4561"]
    assert numbers("the hex nuts went out today", conversation=[NUTS], conversation_wide=[NUTS]) == ["PO-4561"]
    # ... a bare "shipped today" could be any order the chat ever spoke of
    assert numbers("shipped today", conversation=[NUTS], conversation_wide=[NUTS]) == []
    assert numbers("Happy new year!", Intent.UNRELATED, conversation=[NUTS], conversation_wide=[NUTS]) == []


def test_the_size_of_a_dimension_code_names_the_item() -> None:
    # "M8 bolts" for the line "Hex bolt M8x50": the size and the item word, no PO number
    assert numbers("the M8 bolts are back from the platers, shipping tomorrow") == ["PO-4512"]
    assert numbers("M8 nuts leave today") == ["PO-4561"]


def test_a_bare_small_number_is_no_item_evidence() -> None:
    assert numbers("8 pieces left today") == []


def test_both_orders_are_the_vendors_two_open_pos() -> None:
    assert sorted(numbers("will ship both orders tomorrow")) == ["PO-4512", "PO-4561"]


def test_both_orders_among_more_are_the_two_with_the_item() -> None:
    studs = POInfo(4, "PO-4590", 10, "sent", None, (LineInfo(1, "M8-HEX-50", None, "Hex bolt M8x50 black", 300),))
    washers = POInfo(5, "PO-4591", 10, "sent", None, (LineInfo(1, "W12", None, "Flat washer M12", 900),))
    found = numbers("M8 bolts back, will ship both orders tomorrow", vendor_open_pos=[BOLTS, studs, washers, NUTS])
    assert sorted(found) == ["PO-4512", "PO-4590"]
    # three orders carry the item: "both" cannot say which two, a human decides
    third = POInfo(6, "PO-4592", 10, "sent", None, (LineInfo(1, "M8-HEX-50", None, "Hex bolt M8x50", 50),))
    assert numbers("M8 bolts back, will ship both orders", vendor_open_pos=[BOLTS, studs, third]) == []
