"""Tracking numbers and carriers: check digits, context words, and what is never a tracking number."""

import pytest

from core.replies.carriers import (
    awb_valid,
    container_valid,
    dhl_express_valid,
    fedex12_valid,
    gs1_valid,
    mod10_valid,
    s10_valid,
    ups_valid,
)
from core.replies.schemas import Carrier
from core.replies.tracking import extract_tracking


def _numbers(text: str, **kw: object) -> list[str]:
    return [t.number for t in extract_tracking(text, **kw)[0]]  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("check", "valid", "invalid"),
    [
        (ups_valid, "1Z999AA10123456784", "1Z999AA10123456785"),
        (fedex12_valid, "986578788855", "996578788855"),
        (gs1_valid, "568283610012734", "568283610012732"),
        (dhl_express_valid, "3318810025", "3318810010"),
        (s10_valid, "EE123456785US", "EA123456789US"),
        (awb_valid, "17612345675", "17612345676"),
        (container_valid, "MSKU7382913", "MSKU7382914"),
    ],
)
def test_check_digits(check, valid: str, invalid: str) -> None:
    assert check(valid)
    assert not check(invalid)


def test_usps_impb_mod10() -> None:
    assert mod10_valid("9405511899563018427715", even_weight=1, odd_weight=3)
    assert not mod10_valid("9405511899563018427716", even_weight=1, odd_weight=3)


def test_ups_spaced_lower_case_is_normalised() -> None:
    numbers, carrier = extract_tracking("shipped UPS 1z 999 aa1 01 2345 6784, 3 boxes")
    assert [t.number for t in numbers] == ["1Z999AA10123456784"]
    assert numbers[0].check_digit_valid is True
    assert carrier == Carrier.UPS


def test_fedex_dhl_usps_by_check_digit_with_shipping_words() -> None:
    assert extract_tracking("shipped, tracking 9865 7878 8855")[1] == Carrier.FEDEX
    assert extract_tracking("AWB no.: 33 1881 0025")[1] == Carrier.DHL
    assert extract_tracking("tracking 9405 5118 9956 3018 4277 15")[1] == Carrier.USPS


def test_dhl_parcel_00340_and_jjd() -> None:
    numbers, carrier = extract_tracking("Sendungsnummer: 0034 0434 1610 9402 2115 (DHL Paket)")
    assert [t.number for t in numbers] == ["00340434161094022115"]
    assert carrier == Carrier.DHL
    assert extract_tracking("Piece JJD0099999999")[1] == Carrier.DHL


def test_number_next_to_carrier_or_keyword_taken_without_check_digit() -> None:
    assert _numbers("went out today with DPD 15504412870653") == ["15504412870653"]
    assert _numbers("Sendungsnummer 854647279, TNT") == ["854647279"]
    assert extract_tracking("N° de suivi : 704 182 395 par TNT Express")[1] == Carrier.TNT
    assert _numbers("GLS parcel no.: 50412738465") == ["50412738465"]
    assert _numbers("tracking: 131-4471 2205") == ["13144712205"]


def test_royal_mail_s10_and_usps_s10() -> None:
    numbers, carrier = extract_tracking("Royal Mail Tracked 48, tracking TT 0941 8827 3GB")
    assert [t.number for t in numbers] == ["TT094188273GB"]
    assert carrier == Carrier.ROYAL_MAIL
    assert extract_tracking("sent as EE123456785US")[1] == Carrier.USPS


def test_containers_by_prefix() -> None:
    assert extract_tracking("Container No.: MSKU 738291 3")[1] == Carrier.MAERSK
    assert extract_tracking("container MSCU 482917 2 by sea")[1] == Carrier.MSC
    assert extract_tracking("suivi CMAU0642474")[1] == Carrier.CMA_CGM
    assert extract_tracking("box HLXU1637797")[1] == Carrier.HAPAG_LLOYD


def test_air_waybill_needs_mod7_and_context() -> None:
    numbers, carrier = extract_tracking("air waybill 176-12345675")
    assert [t.number for t in numbers] == ["17612345675"]
    assert carrier == Carrier.OTHER


def test_named_other_carrier() -> None:
    assert extract_tracking("Ihre Bestellung ging heute mit Chronopost raus: 7102878871")[1] == Carrier.OTHER
    assert extract_tracking("enviado por SEUR, número de seguimiento 2496327454")[1] == Carrier.OTHER
    assert extract_tracking("shipped via Kuehne+Nagel")[1] == Carrier.OTHER
    assert extract_tracking("顺丰 运单号 SF1234567890123")[1] == Carrier.OTHER


def test_carrier_named_without_number_and_none_when_no_carrier() -> None:
    assert extract_tracking("DPD says delivered but there's no name on the POD") == ([], Carrier.DPD)
    assert extract_tracking("Thanks, noted.") == ([], None)
    assert extract_tracking("Our haulier has informed us that your order has been delivered.")[1] is None
    assert extract_tracking("el camión de nuestro transportista ha cargado esta mañana")[1] == Carrier.OTHER


@pytest.mark.parametrize(
    "text",
    [
        "Tel. +49 711 78 4600-23 | Fax +49 40 73 45 58-99",
        "Phone 0711 7846 0023, shipped with DHL",
        "USt-IdNr. DE 281 455 602 | IBAN DE27 2005 0550 1022 4602 87",
        "VAT Reg. No. GB 284 5512 61, tracking to follow",
        "EAN 4006381333931, shipped today by UPS",
        "Invoice 2026114471 attached, DHL tracking to follow",
        "Lot 20261104 / Charge 554433221",
        "Sort code 20-45-12, Account no. 43115612",
        "Case number: 00045612",
    ],
)
def test_never_phone_vat_iban_ean_invoice_lot(text: str) -> None:
    assert _numbers(text) == []


def test_po_numbers_and_vendor_references_excluded() -> None:
    text = "PO 0012022 shipped, tracking 4711823000"
    assert _numbers(text, exclude=["4711823000"]) == []
    assert _numbers("tracking: PO-4512", exclude=["PO-4512"]) == []


def test_dates_prices_quantities_are_not_tracking() -> None:
    assert _numbers("shipped by DHL on 2026-12-15, 1,200 pcs at USD 2,352.00") == []


def test_hostile_input() -> None:
    numbers, _ = extract_tracking("tracking 1Z999AA10123456784 " * 5000)
    assert len(numbers) == 1
