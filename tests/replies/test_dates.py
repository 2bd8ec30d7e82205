"""Date extraction rules from FORMAT.md, one test per rule."""

from datetime import UTC, date, datetime

import pytest

from core.replies.dates import extract_dates, local_day


def _dates(text, received, *, tz="Europe/London", country="GB", language="en", intent=None):
    return extract_dates(
        text, received_at=received, timezone=tz, country=country, language=language, intent_hint=intent
    )


NOV20 = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)  # a Friday


@pytest.mark.parametrize(
    ("country", "expected"),
    [("US", date(2026, 2, 11)), ("GB", date(2026, 11, 2)), ("DE", date(2026, 11, 2))],
)
def test_numeric_day_month_order_follows_country(country: str, expected: date) -> None:
    got = _dates("Shipped on 02/11/2026.", NOV20, country=country)
    assert got.ship_date == expected


def test_year_less_numeric_date_read_day_first_outside_us() -> None:
    assert _dates("the earliest we can deliver is 03/12", NOV20).eta == date(2026, 12, 3)


def test_iso_date_is_always_year_month_day() -> None:
    assert _dates("Nieuwe leverdatum: 2026-12-15", NOV20, country="NL", language="nl").eta == date(2026, 12, 15)


def test_calendar_week_gives_its_friday() -> None:
    assert _dates("Voraussichtliche Anlieferung: KW 49/2026", NOV20, country="DE", language="de").eta == date(
        2026, 12, 4
    )
    assert _dates("livraison prévue en semaine 50", NOV20, country="FR", language="fr").eta == date(2026, 12, 11)
    assert _dates("will dispatch the lot wk 49", NOV20).ship_date == date(2026, 12, 4)


def test_week_53_rolls_into_january() -> None:
    got = _dates("Livraison semaine 53.", datetime(2026, 11, 26, 18, tzinfo=UTC), country="FR", language="fr")
    assert got.eta == date(2027, 1, 1)


def test_business_days_skip_weekends_and_range_gives_latest_day() -> None:
    # Monday 23 Nov + 5 business days = Monday 30 Nov.
    got = _dates(
        "Shipped by DHL today. Estimated arrive your side in 3-5 working days.",
        datetime(2026, 11, 23, 9, tzinfo=UTC),
        intent="shipped",
    )
    assert got == type(got)(eta=date(2026, 11, 30), ship_date=date(2026, 11, 23))


def test_transit_time_counts_from_a_future_ship_day() -> None:
    got = _dates(
        "La mercancía saldrá de nuestra fábrica el martes 1 de diciembre. El plazo de transporte es de 3-4 días"
        " laborables.",
        datetime(2026, 11, 24, 9, tzinfo=UTC),
        country="ES",
        language="es",
        intent="confirmed",
    )
    assert (got.ship_date, got.eta) == (date(2026, 12, 1), date(2026, 12, 7))


def test_day_range_gives_latest_day() -> None:
    got = _dates("nous livrerons entre le 2 et le 4 décembre.", NOV20, country="FR", language="fr")
    assert got.eta == date(2026, 12, 4)
    assert _dates("New delivery date between December 13 and 15.", NOV20, country="US").eta == date(2026, 12, 15)


def test_end_of_month_gives_last_day() -> None:
    assert _dates("should ship by end of the month", NOV20, intent="delayed").ship_date == date(2026, 11, 30)
    got = _dates("Zustellung bis Ende des Monats.", NOV20, country="DE", language="de")
    assert got.eta == date(2026, 11, 30)


def test_year_rollover_for_year_less_date() -> None:
    got = _dates("Lieferung am 03.01.", datetime(2026, 12, 28, 9, tzinfo=UTC), country="DE", language="de")
    assert got.eta == date(2027, 1, 3)


def test_relative_dates_use_vendor_time_zone_near_midnight() -> None:
    # 02:40 UTC on the 25th is still the 24th in Chicago.
    received = datetime(2026, 11, 25, 2, 40, tzinfo=UTC)
    assert local_day(received, "America/Chicago") == date(2026, 11, 24)
    got = _dates("Your order shipped today via USPS.", received, tz="America/Chicago", country="US", intent="shipped")
    assert got.ship_date == date(2026, 11, 24)
    # 23:50 UTC on the 22nd is already the 23rd in Shanghai.
    got = _dates("shipped by DHL today", datetime(2026, 11, 22, 23, 50, tzinfo=UTC), tz="Asia/Shanghai", country="CN")
    assert got.ship_date == date(2026, 11, 23)


@pytest.mark.parametrize(
    ("text", "language", "country"),
    [
        ("should be there friday", "en", "US"),
        ("Anlieferung am Freitag", "de", "DE"),
        ("livraison vendredi", "fr", "FR"),
        ("entrega el viernes", "es", "ES"),
        ("consegna venerdì", "it", "IT"),
        ("levering vrijdag", "nl", "NL"),
        ("entrega na sexta-feira", "pt", "PT"),
        ("dostawa w piątek", "pl", "PL"),
        ("leverans på fredag", "sv", "SE"),
        ("金曜日に到着", "ja", "JP"),
        ("星期五到货", "zh", "CN"),
        ("금요일 도착", "ko", "KR"),
    ],
)
def test_weekday_names_in_many_languages_are_the_next_such_day(text: str, language: str, country: str) -> None:
    got = _dates(text, datetime(2026, 11, 24, 9, tzinfo=UTC), country=country, language=language, intent="confirmed")
    assert got.eta == date(2026, 11, 27)


def test_next_weekday_and_relative_words() -> None:
    friday = datetime(2026, 11, 27, 13, tzinfo=UTC)
    assert _dates("before the M8s go out next Tuesday", friday, intent="question").ship_date == date(2026, 12, 1)
    assert _dates("Levering morgen.", friday, country="NL", language="nl").eta == date(2026, 11, 28)
    assert _dates("明天发货", friday, country="CN", language="zh").ship_date == date(2026, 11, 28)


@pytest.mark.parametrize(
    "text",
    ["Expected delivery soon.", "delivery early December", "frühestens Mitte Januar", "we deliver next week", "asap"],
)
def test_vague_phrases_give_null(text: str) -> None:
    assert _dates(text, NOV20, intent="confirmed").eta is None


def test_quoted_payment_invoice_and_absence_dates_are_ignored() -> None:
    assert _dates("Due date: 23.12.2026", NOV20, country="DE", language="de").eta is None
    assert _dates("our invoice no. 2026-114471 dated 23.11.2026", NOV20, country="DE").eta is None
    assert _dates("Ich bin bis einschließlich Freitag, 27.11.2026 nicht im Büro", NOV20, country="DE").eta is None
    got = _dates(
        "confermiamo il Vs. ordine PO-4536 del 05/11/2026. Consegna prevista entro venerdì 4 dicembre.",
        NOV20,
        country="IT",
        language="it",
        intent="confirmed",
    )
    assert got.eta == date(2026, 12, 4)
    got = _dates("Oude leverdatum: 2026-12-08\nNieuwe leverdatum: 2026-12-15", NOV20, country="NL", language="nl")
    assert got.eta == date(2026, 12, 15)
    assert _dates("Invoice attached, payment due 12/15.", NOV20, country="US", intent="invoice").eta is None


def test_eta_and_ship_date_told_apart_by_context() -> None:
    got = _dates(
        "Dispatch: by air on 10.12.2026\nExpected delivery at your Leeds plant: 14.12.2026",
        NOV20,
        country="IN",
    )
    assert (got.ship_date, got.eta) == (date(2026, 12, 10), date(2026, 12, 14))
    got = _dates("el 12007 sale el lunes 30 y llega a su planta el 2/12", NOV20, country="MX", language="es")
    assert (got.ship_date, got.eta) == (date(2026, 11, 30), date(2026, 12, 2))
    got = _dates("Die Ware wurde gestern an DHL übergeben. Zustellung am Dienstag.", NOV20, country="DE", language="de")
    assert (got.ship_date, got.eta) == (date(2026, 11, 19), date(2026, 11, 24))


def test_intent_hint_decides_a_bare_date() -> None:
    assert _dates("PO 4512: 12/17", NOV20, country="US", intent="delayed").eta == date(2026, 12, 17)
    assert _dates("PO 4512 out the door", NOV20, intent="shipped").ship_date == date(2026, 11, 20)
    assert _dates("we can deliver on 3 December if you agree", NOV20, intent="change_request").eta is None


def test_conditional_promise_is_not_a_date() -> None:
    got = _dates("se mi confermi entro oggi le spediamo venerdì", NOV20, country="IT", language="it")
    assert got.ship_date is None


def test_phone_numbers_prices_and_quantities_are_not_dates() -> None:
    text = 'Tel. +49 711 78 4600-23, 1/2" fittings at 12.10 EUR, 3.1 certificate, 200 pcs'
    assert _dates(text, NOV20, country="DE", language="de", intent="confirmed") == type(_dates("", NOV20))()


def test_hostile_input_is_capped_and_does_not_crash() -> None:
    got = _dates("12/12 " * 50_000 + "\x00" * 1000, NOV20, intent="confirmed")
    assert got.eta == date(2026, 12, 12)
