"""One test per trap type of the replies-dev set, each on its own small message, end to end.

Every test imports a tiny ERP world through the real importer, builds the raw bytes a mail client or
the Telegram channel would hand over, and runs them through `process_inbound`, the one pipeline the
live channels use. The messages are new: other vendors, numbers, wording and languages than the dev
set, so each test checks the general behaviour behind a trap, not one message.

A test the pipeline fails today is kept as it should be and marked xfail(strict=True) with what
goes wrong: the lead fixes the pipeline, never the test.
"""

from __future__ import annotations

import copy
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.replies.schemas import Carrier, Intent
from models import Escalation
from tests.replies.trap_support import (
    BUYER,
    JSON,
    World,
    at,
    build_world,
    candidates,
    line,
    mail,
    matched,
    po,
    quantities,
    quoted,
    sent_chat,
    sent_email,
    tracking,
    understanding,
    vendor,
)

MakeWorld = Callable[..., Awaitable[World]]


@pytest.fixture
def make_world(session: AsyncSession, tmp_path: Path) -> MakeWorld:
    async def make(vendors: Sequence[JSON], pos: Sequence[JSON]) -> World:
        return await build_world(session, tmp_path, vendors, pos)

    return make


def with_(order: JSON, **changes: Any) -> JSON:
    """A copy of a PO record with some fields changed (`sent=[...]` sets its sent messages)."""
    out = copy.deepcopy(order)
    if "sent" in changes:
        out["sent_messages"] = list(changes.pop("sent"))
    out.update(changes)
    return out


# ----------------------------------------------------------------------------------------------
# the cast: fictional vendors in several countries, two open POs each where it matters

BRIXTON = vendor(
    "BRX", "Brixton Fixings Ltd", emails=["sales@brixton-fixings.example"], telegram=[7770101, 7770102]
)
NORD = vendor(
    "NRD",
    "Wälzlager Nord GmbH",
    emails=["vertrieb@waelzlager-nord.example"],
    telegram=[7770201],
    language="de",
    timezone="Europe/Berlin",
    country="DE",
)
LEVANTE = vendor(
    "LEV",
    "Forjados Levante S.L.",
    emails=["comercial@forjadoslevante.example"],
    telegram=[7770301],
    language="es",
    timezone="Europe/Madrid",
    country="ES",
)
BRIANZA = vendor(
    "BRI",
    "Valvole Brianza S.r.l.",
    emails=["ordini@valvolebrianza.example"],
    telegram=[7770401],
    language="it",
    timezone="Europe/Rome",
    country="IT",
)
LUCKY = vendor(
    "LCK",
    "Dongguan Lucky Circuits Co., Ltd.",
    emails=["sales@luckycircuits.example"],
    telegram=[7770501, 7770502],
    timezone="Asia/Shanghai",
    country="CN",
)
NASHIK = vendor(
    "NSK",
    "Nashik Forge Pvt. Ltd.",
    emails=["export@nashikforge.example"],
    telegram=[7770601],
    timezone="Asia/Kolkata",
    country="IN",
)
CARTONES = vendor(
    "CDN",
    "Cartones del Norte S.A. de C.V.",
    emails=["ventas@cartonesnorte.example"],
    telegram=[7770701],
    language="es",
    timezone="America/Monterrey",
    country="MX",
)
MIDWEST = vendor(
    "MMS",
    "Midwest Motion Supply LLC",
    emails=["orders@midwestmotion.example"],
    telegram=[7770801],
    timezone="America/Chicago",
    country="US",
)
REACTIFS = vendor(
    "LRS",
    "Labo Réactifs SARL",
    emails=["adv@laboreactifs.example"],
    language="fr",
    timezone="Europe/Paris",
    country="FR",
)
HOLLAND = vendor(
    "VPH",
    "Verpakking Holland B.V.",
    emails=["verkoop@verpakkingholland.example"],
    telegram=[7770901],
    language="nl",
    timezone="Europe/Amsterdam",
    country="NL",
)
MINHO = vendor(
    "FDM",
    "Fundição do Minho, Lda.",
    emails=["comercial@fundicaominho.example"],
    telegram=[7771001],
    language="pt",
    timezone="Europe/Lisbon",
    country="PT",
)

PO_7301 = po(
    "PO-7301",
    "BRX",
    [
        line(1, "M10-HEX-60", "BF-1060", "Hex bolt M10x60 8.8 zinc plated", 800),
        line(2, "M10-WSH", "BF-W10", "Flat washer M10 DIN 125 zinc plated", 1600),
    ],
    currency="GBP",
)
PO_7342 = po(
    "PO-7342",
    "BRX",
    [
        line(1, "M10-HEX-60", "BF-1060", "Hex bolt M10x60 8.8 zinc plated", 400),
        line(2, "M5-SHCS-16", "BF-5516", "Socket head cap screw M5x16 12.9 black", 1500),
    ],
    currency="GBP",
)
PO_7311 = po(
    "PO-7311",
    "NRD",
    [
        line(1, "BRG-6206", "6206-2RS C3", "Deep groove ball bearing 6206-2RS C3", 150),
        line(2, "BRG-6307", "6307-2Z C3", "Deep groove ball bearing 6307-2Z C3", 80),
    ],
)
PO_7388 = po(
    "PO-7388",
    "NRD",
    [
        line(1, "BRG-22212-E", "22212 E", "Spherical roller bearing 22212 E", 10),
        line(2, "BRG-6206", "6206-2RS C3", "Deep groove ball bearing 6206-2RS C3", 60),
    ],
)
PO_7355 = po(
    "PO-7355",
    "LEV",
    [
        line(1, "SHT-DC04-1.5", "DC04 1,5x1250x2500", "Cold rolled sheet DC04 1.5 mm 1250x2500", 6000, "kg"),
        line(2, "PLT-S355-8", "S355 8x1500x3000", "Hot rolled plate S355J2 8 mm 1500x3000", 2500, "kg"),
    ],
)
PO_7320 = po("PO-7320", "LEV", [line(1, "BAR-C45-40", "C45-40", "Round bar C45 diameter 40 mm", 1200, "kg")])
PO_7366 = po(
    "PO-7366",
    "BRI",
    [
        line(1, "VLV-BALL-34", "VB-34-OT", 'Ball valve 3/4" brass, lever handle', 40),
        line(2, "HOSE-1SN-38", "1SN-06", 'Hydraulic hose 1SN 3/8"', 150, "m"),
    ],
)
PO_7381 = po(
    "PO-7381",
    "BRI",
    [
        line(1, "FIT-BSP-38", "RM-38-38", 'Male adaptor BSP 3/8"', 160),
        line(2, "QC-38", "GR-38", 'Quick coupling 3/8" steel', 40),
    ],
)
PO_7390 = po(
    "PO-7390",
    "LCK",
    [
        line(1, "CAP-220U-16V", "LC-EC-227-16", "Electrolytic capacitor 220uF 16V 8x12", 8000),
        line(2, "CON-JST-PH3", "S3B-PH-K", "JST PH 3-pin header 2.0 mm", 3500),
    ],
    currency="USD",
)
PO_7394 = po(
    "PO-7394", "LCK", [line(1, "LCD-28-TFT", "LC-TFT28-9341", "2.8 inch TFT LCD module ILI9341", 600)], currency="USD"
)
PO_7371 = po(
    "PO-7371",
    "NSK",
    [line(1, "SHAFT-DS-300", "DS-300", "Drive shaft DS-300", 50), line(2, "GEAR-GB-80", "GB-80", "Gear blank GB-80", 80)],
    currency="USD",
)
PO_7379 = po(
    "PO-7379",
    "NSK",
    [line(1, "GEAR-GB-80", "GB-80", "Gear blank GB-80", 80), line(2, "BUSH-BR-40", "BR-40", "Bronze bush BR-40", 400)],
    currency="USD",
)
PO_12061 = po(
    "PO-12061",
    "CDN",
    [line(1, "BOX-500-400-300", "CN-DW-44", "Shipping box 500x400x300 mm double wall 44 ECT", 1500)],
    currency="USD",
)
PO_12078 = po(
    "PO-12078", "CDN", [line(1, "PAD-CORR-600", "CN-PAD-600", "Corrugated pad 600x400 mm", 3000)], currency="USD"
)
PO_12044 = po(
    "PO-12044",
    "MMS",
    [
        line(1, "BELT-B52", "GAT-B52", "V-belt B52 Gates Hi-Power II", 20),
        line(2, "BELT-B60", "GAT-B60", "V-belt B60 Gates Hi-Power II", 12),
        line(3, "OIL-DTE24", "MOB-DTE24", "Mobil DTE 24 hydraulic oil, 5 gal pail", 4),
    ],
    currency="USD",
    promised_date="2026-12-11",
)
PO_12051 = po(
    "PO-12051",
    "MMS",
    [
        line(1, "EM-38-4F", "KEN-EM38-4F", 'Carbide end mill 3/8" 4 flute', 30),
        line(2, "BELT-B52", "GAT-B52", "V-belt B52 Gates Hi-Power II", 10),
    ],
    currency="USD",
    promised_date="2026-12-11",
)
PO_7345 = po(
    "PO-7345",
    "LRS",
    [
        line(1, "CHEM-ETOH-5L", "ET-96-5", "Ethanol 96% 5 L", 12),
        line(2, "CHEM-HNO3-1L", "HNO3-65-1L", "Nitric acid 65% 1 L bottle", 24),
    ],
)
PO_7362 = po(
    "PO-7362",
    "LRS",
    [
        line(1, "CHEM-ACET-2.5", "AC-995-25", "Acetone 99.5% 2.5 L can", 30),
        line(2, "CHEM-IPA-2.5", "IPA-999-25", "Isopropanol 99.9% 2.5 L can", 30),
    ],
)
PO_7377 = po("PO-7377", "VPH", [line(1, "PAL-EUR-NEW", "EP-NEW", "EUR pallet 1200x800 new", 80)])
PO_7385 = po(
    "PO-7385",
    "VPH",
    [
        line(1, "FILM-STR-23", "SF-23-500", "Stretch film 23 my 500 mm", 40, "rolls"),
        line(2, "TAPE-PP-50", "TP-50-66", "Packing tape PP 50 mm x 66 m transparent", 120, "rolls"),
    ],
)
PO_7330 = po("PO-7330", "FDM", [line(1, "CAST-CX200", "CX-200", "Cast iron gearbox housing CX-200, machined", 40)])
PO_7336 = po("PO-7336", "FDM", [line(1, "FLG-DN100", "FL-100", "Weld neck flange DN100 PN16, S235", 120)])

# senders
BRIXTON_SALES = ("Dan Hollis", "sales@brixton-fixings.example")
NORD_SALES = ("Kröger, Heike", "vertrieb@waelzlager-nord.example")
LEVANTE_SALES = ("Lucía Navarro", "comercial@forjadoslevante.example")
BRIANZA_SALES = ("Chiara Colombo", "ordini@valvolebrianza.example")
LUCKY_SALES = ("Grace Wu", "sales@luckycircuits.example")
NASHIK_SALES = ("Vikram Joshi", "export@nashikforge.example")
CARTONES_SALES = ("Rodrigo Garza", "ventas@cartonesnorte.example")
MIDWEST_SALES = ("Kyle Brennan", "orders@midwestmotion.example")
REACTIFS_SALES = ("Service ADV", "adv@laboreactifs.example")
HOLLAND_SALES = ("Jeroen Smit", "verkoop@verpakkingholland.example")
MINHO_SALES = ("Tiago Ferreira", "comercial@fundicaominho.example")

# valid tracking numbers (check digits computed with the carriers' own rules)
UPS_1 = "1Z7X91E40366921859"
UPS_2 = "1Z3W26A04205188377"
DHL_EXPRESS = "7318460251"
DHL_PAKET_1 = "00340434162038115207"
DHL_PAKET_2 = "00340434162038116907"
FEDEX_12 = "778510239647"
USPS_22 = "9405511899551039274616"
ROYAL_MAIL = "TT074188365GB"
MAERSK_BOX = "MSKU5183070"
MSC_BOX = "MSCU7301954"


def spaced(number: str, groups: Sequence[int]) -> str:
    parts, i = [], 0
    for g in groups:
        parts.append(number[i : i + g])
        i += g
    return " ".join(parts + ([number[i:]] if i < len(number) else []))


async def untouched(world: World, number: str, result: Any, status: str = "sent") -> None:
    """The message changed nothing on this PO: same status, no eta, nothing in its log from it."""
    order = await world.po(number)
    assert order.status == status
    assert order.eta is None
    assert await world.events_from(result, number) == []


async def escalations(world: World, result: Any) -> list[Escalation]:
    stmt = select(Escalation).where(Escalation.id.in_(result.escalation_ids))
    return list((await world.session.execute(stmt)).scalars())


# ==============================================================================================
# numbers that only look like PO numbers


async def test_phone_number_that_looks_like_a_po_is_not_a_match(make_world: MakeWorld) -> None:
    world = await make_world([REACTIFS], [PO_7345, PO_7362])
    body = (
        "Bonjour,\n\nNous vous confirmons la livraison de votre commande n° 7345 le 02/12/2026, "
        "pour la totalité.\n\nCordialement,\n\nAgathe Morel\nAdministration des Ventes\n"
        "Labo Réactifs SARL\nTél. : +33 4 78 12 73 62 | Fax : +33 4 78 12 73 63\n"
    )
    received = at("2026-11-20 10:15")
    result = await world.email(mail(sender=REACTIFS_SALES, subject="Votre commande", body=body, received=received), received)
    assert matched(result) == ["PO-7345"]
    assert understanding(result).eta == date(2026, 12, 2)
    await untouched(world, "PO-7362", result)


@pytest.mark.parametrize(
    "registration",
    [
        "Amtsgericht Kiel HRB 157388",
        "Registergericht Ulm HRA 727388",
        "Registered in England & Wales, Company No. 07388541",
        "CIN: U28910MH2011PTC217388",
        "KvK 27388104 | RCS Lyon 473 880 112",
    ],
)
async def test_company_registration_numbers_containing_a_po_are_not_matches(
    make_world: MakeWorld, registration: str
) -> None:
    world = await make_world([BRIXTON, NORD], [PO_7301, PO_7311, PO_7388])
    body = (
        "Hi Anna,\n\nThanks for order 7301, confirmed in full for delivery on 4 December.\n\n"
        f"Regards,\nDan\n\nBrixton Fixings Ltd\n{registration}\n"
    )
    received = at("2026-11-20 11:00")
    result = await world.email(mail(sender=BRIXTON_SALES, subject="Your order", body=body, received=received), received)
    assert matched(result) == ["PO-7301"]
    await untouched(world, "PO-7388", result)


@pytest.mark.parametrize(
    "tax_id",
    [
        "P.IVA IT07388120157",
        "CIF B-47388210",
        "NIF 507 388 219",
        "USt-IdNr. DE 317 388 456",
        "GSTIN: 27AAECN7388K1Z5",
        "TVA FR 41 473880112",
    ],
)
async def test_vat_and_tax_ids_containing_a_po_are_not_matches(make_world: MakeWorld, tax_id: str) -> None:
    world = await make_world([BRIANZA, NORD], [PO_7366, PO_7381, PO_7388])
    body = (
        "Buongiorno Anna,\n\nconfermiamo il Vs. ordine 7366, consegna prevista entro giovedì 10 dicembre.\n\n"
        f"Cordiali saluti\nChiara Colombo\nValvole Brianza S.r.l. – {tax_id}\n"
    )
    received = at("2026-11-20 11:30")
    result = await world.email(mail(sender=BRIANZA_SALES, subject="Conferma ordine", body=body, received=received), received)
    assert matched(result) == ["PO-7366"]
    assert understanding(result).eta == date(2026, 12, 10)
    await untouched(world, "PO-7388", result)
    await untouched(world, "PO-7381", result)


async def test_bank_details_containing_a_po_are_not_matches(make_world: MakeWorld) -> None:
    world = await make_world([BRIXTON, NORD], [PO_7301, PO_7342, PO_7311])
    body = (
        "Dear Customer,\n\nPlease find attached invoice INV-5528 for your order PO-7342.\n\n"
        "Please remit to: Lloyds Bank plc, Sort code 30-73-11, Account no. 47301733\n"
        "IBAN GB94 LOYD 3073 1147 3017 33 | BIC LOYDGB21\n\nAccounts Department\nBrixton Fixings Ltd\n"
    )
    received = at("2026-11-20 12:00")
    raw = mail(sender=("Brixton Accounts", "accounts@brixton-fixings.example"), subject="Invoice INV-5528",
               body=body, received=received)
    result = await world.email(raw, received)
    assert matched(result) == ["PO-7342"]
    assert understanding(result).intent is Intent.INVOICE
    await untouched(world, "PO-7301", result)
    await untouched(world, "PO-7311", result)


@pytest.mark.parametrize(
    "address",
    [
        "7311 Commerce Dr, Joliet, IL 60431",
        "Showroom: 7311 Industrial Pkwy, Strongsville, OH 44136",
        "Pol. Ind. Fuente del Jarro, Pabellón 73-11 · 46988 Paterna",
    ],
)
async def test_street_number_that_looks_like_a_po_is_not_a_match(make_world: MakeWorld, address: str) -> None:
    world = await make_world([MIDWEST, NORD], [PO_12044, PO_12051, PO_7311])
    body = f"Tom -\n\nP.O. 12044 is confirmed, all of it ships 12/08.\n\nKyle\n--\nMidwest Motion Supply LLC\n{address}\n"
    received = at("2026-11-20 15:00")
    result = await world.email(mail(sender=MIDWEST_SALES, subject="your order", body=body, received=received), received)
    assert matched(result) == ["PO-12044"]
    assert understanding(result).ship_date == date(2026, 12, 8)
    await untouched(world, "PO-7311", result)


async def test_street_number_equal_to_another_open_po_of_the_same_vendor_is_not_a_match(make_world: MakeWorld) -> None:
    world = await make_world([CARTONES], [PO_12061, PO_12078])
    body = (
        "Buenas tardes,\n\nCon relación a su orden de compra 12061: no tenemos papel 44 ECT. Les proponemos "
        "fabricar las cajas en 40 ECT al mismo precio, o mantener 44 ECT a 1.95 USD por pieza (antes 1.72 USD).\n"
        "¿Cuál opción prefieren?\n\nSaludos cordiales,\nRodrigo Garza\nCartones del Norte, S.A. de C.V.\n"
        "Av. de las Industrias 12078, Parque Industrial Apodaca, N.L.\n"
    )
    received = at("2026-11-20 18:00")
    result = await world.email(mail(sender=CARTONES_SALES, subject="Cambio de especificación", body=body,
                                    received=received), received)
    assert matched(result) == ["PO-12061"]
    assert understanding(result).intent is Intent.CHANGE_REQUEST
    await untouched(world, "PO-12078", result)


async def test_case_number_that_looks_like_a_padded_po_is_not_a_match(make_world: MakeWorld) -> None:
    world = await make_world([MIDWEST, NORD], [PO_12044, PO_12051, PO_7311])
    body = (
        "Hi Tom,\n\nYour request was logged as case number 00073112.\n"
        "Re your P.O. 12051: the end mills are confirmed and ship 12/09.\n\nKyle\n"
    )
    received = at("2026-11-20 16:00")
    result = await world.email(mail(sender=MIDWEST_SALES, subject="[Case 00073112] Re: order", body=body,
                                    received=received), received)
    assert matched(result) == ["PO-12051"]
    await untouched(world, "PO-7311", result)


async def test_truck_plates_that_look_like_po_numbers_are_not_matches(make_world: MakeWorld) -> None:
    world = await make_world([LEVANTE], [PO_7355, PO_7320])
    body = (
        "Buenos días Anna,\n\nel camión con su pedido 7355 ha cargado esta mañana.\n\n"
        "Matrícula: 7320-KJB / Semirremolque R-7355-BCD\nTransportista: Transportes Turia S.L.\n\n"
        "Un saludo,\nLucía\n"
    )
    received = at("2026-11-27 09:30")
    result = await world.email(mail(sender=LEVANTE_SALES, subject="Carga pedido", body=body, received=received), received)
    assert matched(result) == ["PO-7355"]
    await untouched(world, "PO-7320", result)


async def test_invoice_number_resembling_another_vendors_reference_is_not_a_match(make_world: MakeWorld) -> None:
    nord_po = with_(PO_7311, vendor_reference="AB-2026-20417")
    world = await make_world([REACTIFS, NORD], [PO_7345, PO_7362, nord_po])
    body = (
        "Dear Customer,\n\nPlease find attached our invoice FA-26-20417 dated 27/11/2026 relating to your "
        "order no. 7345.\n\nAmount due: EUR 412.00, 45 days end of month.\n\nAccounting department\n"
    )
    received = at("2026-11-27 09:40")
    raw = mail(sender=("Comptabilité", "compta@laboreactifs.example"), subject="Invoice FA-26-20417",
               body=body, received=received)
    result = await world.email(raw, received)
    assert matched(result) == ["PO-7345"]
    assert understanding(result).intent is Intent.INVOICE
    await untouched(world, "PO-7311", result)


async def test_po_number_inside_a_forwarded_third_party_notice_is_not_a_match(make_world: MakeWorld) -> None:
    world = await make_world([MIDWEST, NORD], [PO_12044, PO_12051, PO_7311])
    body = (
        "Tom,\n\nHeads up on your PO 12044 - the B60 belts are backordered at Gates, see their notice below. "
        "Gates will drop-ship them and quotes delivery on 12/16.\n\nKyle\n\n"
        "---------- Forwarded message ---------\n"
        "From: Gates Order Management <orders@gates-distribution.example>\n"
        "Date: Fri, Nov 20, 2026 at 7:52 AM\nSubject: Backorder notice - your PO 7311\n\n"
        "Dear Valued Customer,\n\nThe following items on your purchase order 7311 are on backorder:\n"
        "Line 2  9345-0060 (B60)  Hi-Power II V-Belt B60  12  est. delivery 12/16/2026\n"
    )
    received = at("2026-11-20 14:00")
    raw = mail(sender=MIDWEST_SALES, subject="B60 belts on your PO 12044 (Fwd: Backorder notice - your PO 7311)",
               body=body, received=received)
    result = await world.email(raw, received)
    assert matched(result) == ["PO-12044"]
    assert understanding(result).intent is Intent.DELAYED
    assert understanding(result).eta == date(2026, 12, 16)
    await untouched(world, "PO-7311", result)


async def test_foreign_po_number_left_in_the_subject_of_a_thread_is_not_a_match(make_world: MakeWorld) -> None:
    world = await make_world([MIDWEST, NORD], [PO_12044, PO_12051, PO_7311])
    body = (
        f"Tom,\n\nDone - 12 B60s and 4 pails of DTE 24 shipped today UPS Ground, tracking {spaced(UPS_1, [2, 3, 3, 2, 4])}.\n\n"
        "Kyle\n"
    )
    received = at("2026-11-25 19:00")
    raw = mail(sender=MIDWEST_SALES, subject="Re: belts on your PO 12044 (Fwd: Backorder notice - your PO 7311)",
               body=body, received=received)
    result = await world.email(raw, received)
    assert matched(result) == ["PO-12044"]
    assert understanding(result).intent is Intent.SHIPPED
    await untouched(world, "PO-7311", result)


async def test_po_number_in_the_quoted_history_is_not_a_match(make_world: MakeWorld) -> None:
    first = with_(PO_7301, sent=[sent_email("<po-7301.2@buyer.example>", "2026-11-18 09:00", "Reminder: PO-7301")])
    world = await make_world([BRIXTON], [first, PO_7342])
    reminder = (
        "Dear Dan,\n\nWe have not yet received your confirmation for PO-7301 dated 10.11.2026.\n"
        "We are also still waiting for your confirmation of PO-7342 (requested delivery 11.12.2026).\n\n"
        "Kind regards\nAnna Bauer"
    )
    body = (
        "Hi Anna,\n\nConfirmed, the earliest we can deliver is 02/12.\n\nRegards,\nDan\n\n"
        "On Wed, 18 Nov 2026 at 09:00, Anna Bauer <anna.bauer@buyer.example> wrote:\n" + quoted(reminder)
    )
    received = at("2026-11-20 10:20")
    raw = mail(sender=BRIXTON_SALES, subject="RE: Reminder: PO-7301", body=body, received=received,
               in_reply_to="<po-7301.2@buyer.example>", references=["<po-7301.2@buyer.example>"])
    result = await world.email(raw, received)
    assert matched(result) == ["PO-7301"]
    assert understanding(result).eta == date(2026, 12, 2)
    await untouched(world, "PO-7342", result)


# ==============================================================================================
# PO numbers in the spellings vendors use


async def test_lower_case_po_spelling_in_chat_matches(make_world: MakeWorld) -> None:
    world = await make_world([BRIXTON], [PO_7301, PO_7342])
    result = await world.chat(7770101, "morning anna 👍 yes po 7342 is fine, goes out tomorrow", at("2026-11-20 09:15"))
    assert matched(result) == ["PO-7342"]
    assert understanding(result).ship_date == date(2026, 11, 21)


@pytest.mark.parametrize("spelling", ["PO7342", "PO#7342", "PO #7342", "P.O. #7342", "P.O. 7342", "PO-No. 7342"])
async def test_undashed_hash_and_dotted_po_spellings_match(make_world: MakeWorld, spelling: str) -> None:
    world = await make_world([BRIXTON], [PO_7301, PO_7342])
    body = f"Hi Anna,\n\nYour order {spelling} is confirmed, delivery on 04/12.\n\nDan\n"
    received = at("2026-11-20 10:00")
    result = await world.email(mail(sender=BRIXTON_SALES, subject="Order confirmation", body=body, received=received),
                               received)
    assert matched(result) == ["PO-7342"]
    assert understanding(result).eta == date(2026, 12, 4)


@pytest.mark.parametrize(
    ("spelling", "number"),
    [
        ("OC-0012061", "PO-12061"),
        ("PO-0012061", "PO-12061"),
        ("Customer PO#: 0012061", "PO-12061"),
        ("PO-007355", "PO-7355"),
        ("Su pedido 007355", "PO-7355"),
    ],
)
async def test_zero_padded_po_number_matches(make_world: MakeWorld, spelling: str, number: str) -> None:
    world = await make_world([CARTONES, LEVANTE], [PO_12061, PO_12078, PO_7355, PO_7320])
    sender = CARTONES_SALES if number == "PO-12061" else LEVANTE_SALES
    body = f"Buenos días,\n\n{spelling}: confirmado, entrega el 04/12/2026.\n\nSaludos\n"
    received = at("2026-11-20 15:00")
    result = await world.email(mail(sender=sender, subject="Confirmación", body=body, received=received), received)
    assert matched(result) == [number]


@pytest.mark.parametrize(
    ("sender", "text", "number"),
    [
        (BRIXTON_SALES, "Please find attached our invoice 88120 relating to your order no. 7342.", "PO-7342"),
        (NORD_SALES, "vielen Dank für Ihre Bestellung 7311, die wir hiermit bestätigen.", "PO-7311"),
        (LEVANTE_SALES, "Le confirmamos su pedido n.º 7355 completo.", "PO-7355"),
        (REACTIFS_SALES, "Nous accusons bonne réception de votre commande n° 7345.", "PO-7345"),
        (MINHO_SALES, "Confirmamos a vossa encomenda 7330.", "PO-7330"),
        (BRIANZA_SALES, "Confermiamo il Vs. ordine nr. 7366.", "PO-7366"),
    ],
)
async def test_order_word_and_bare_number_matches(
    make_world: MakeWorld, sender: tuple[str, str], text: str, number: str
) -> None:
    world = await make_world(
        [BRIXTON, NORD, LEVANTE, REACTIFS, MINHO, BRIANZA],
        [PO_7301, PO_7342, PO_7311, PO_7388, PO_7355, PO_7320, PO_7345, PO_7362, PO_7330, PO_7336, PO_7366, PO_7381],
    )
    received = at("2026-11-20 12:00")
    result = await world.email(mail(sender=sender, subject="Order", body=text + "\n", received=received), received)
    assert matched(result) == [number]


# ==============================================================================================
# the vendor's own references


@pytest.mark.parametrize(
    ("reference", "subject", "text"),
    [
        ("AB-2026-20981", "Versandavis zu Auftrag AB-2026-20981",
         "zu unserem Auftrag AB-2026-20981 haben wir heute 40 Stück Rillenkugellager 6307-2Z an DHL übergeben."),
        ("SO-55210", "Despatch Note DN-71204 - Sales Order SO-55210",
         "Sales order: SO-55210\nDespatch date: today\nAll lines despatched."),
        ("PI/NF/2026/0931", "Advance payment request - PI No. PI/NF/2026/0931",
         "Kindly release the advance payment of USD 1,240.00 against our Proforma Invoice No. PI/NF/2026/0931."),
        ("CDE-2611-0733", "Commande CDE-2611-0733 : annulation",
         "Nous ne pouvons pas livrer l'acide nitrique de la commande CDE-2611-0733, cette ligne est annulée."),
    ],
)
async def test_only_the_vendor_reference_identifies_the_po(
    make_world: MakeWorld, reference: str, subject: str, text: str
) -> None:
    world = await make_world(
        [NORD, BRIXTON, NASHIK, REACTIFS],
        [
            with_(PO_7311, vendor_reference="AB-2026-20981"),
            PO_7388,
            with_(PO_7342, vendor_reference="SO-55210"),
            PO_7301,
            with_(PO_7379, vendor_reference="PI/NF/2026/0931"),
            PO_7371,
            with_(PO_7345, vendor_reference="CDE-2611-0733"),
            PO_7362,
        ],
    )
    by_reference = {"AB-2026-20981": ("PO-7311", NORD_SALES), "SO-55210": ("PO-7342", BRIXTON_SALES),
                    "PI/NF/2026/0931": ("PO-7379", NASHIK_SALES), "CDE-2611-0733": ("PO-7345", REACTIFS_SALES)}
    number, sender = by_reference[reference]
    received = at("2026-11-23 14:00")
    result = await world.email(mail(sender=sender, subject=subject, body=text + "\n", received=received), received)
    assert matched(result) == [number]


# ==============================================================================================
# threads: In-Reply-To, References, Telegram replies


async def test_in_reply_to_alone_identifies_the_po(make_world: MakeWorld) -> None:
    first = with_(PO_7366, sent=[sent_email("<po-7366.1@buyer.example>", "2026-11-19 10:30", "Purchase order PO-7366")])
    world = await make_world([BRIANZA], [first, PO_7381])
    body = "Buonasera Anna,\n\nconfermiamo l'ordine, consegna il 14/12.\n\nSaluti\nChiara\n"
    received = at("2026-11-20 16:05")
    raw = mail(sender=BRIANZA_SALES, subject="Conferma", body=body, received=received,
               in_reply_to="<po-7366.1@buyer.example>")
    result = await world.email(raw, received)
    assert matched(result) == ["PO-7366"]
    assert understanding(result).eta == date(2026, 12, 14)
    assert (await world.po("PO-7366")).status == "confirmed"
    await untouched(world, "PO-7381", result)


@pytest.mark.parametrize(
    "in_reply_to",
    ["<LC_20261120183907_7F3A@luckycircuits.example>", "<20261124160212.7390.anna@buyer.example>"],
    ids=["vendors-own-earlier-mail", "buyer-reply-not-imported"],
)
async def test_references_find_the_po_when_in_reply_to_is_unknown(make_world: MakeWorld, in_reply_to: str) -> None:
    first = with_(PO_7390, sent=[sent_email("<po-7390.1@buyer.example>", "2026-11-16 06:30", "Purchase order PO-7390")])
    world = await make_world([LUCKY], [first, PO_7394])
    body = (
        "Dear Anna,\n\nAs we did not get your feedback about the replacement connector, we are sorry we have "
        "to cancel your order.\n\nSorry for the inconvenience.\nGrace\n"
    )
    received = at("2026-11-27 09:00")
    raw = mail(sender=LUCKY_SALES, subject="RE: RE: your order", body=body, received=received,
               in_reply_to=in_reply_to, references=["<po-7390.1@buyer.example>", in_reply_to])
    result = await world.email(raw, received)
    assert matched(result) == ["PO-7390"]
    assert understanding(result).intent is Intent.CANCELLED


async def test_new_text_naming_another_po_overrides_an_old_thread(make_world: MakeWorld) -> None:
    old = with_(
        po("PO-7299", "NRD", [line(1, "BRG-6204", "6204-2RS C3", "Deep groove ball bearing 6204-2RS", 100)],
           status="received", order_date="2026-10-08"),
        sent=[sent_email("<po-7299.1@buyer.example>", "2026-10-08 08:30", "Purchase order PO-7299")],
    )
    world = await make_world([NORD], [old, PO_7311, PO_7388])
    quote = (
        "Please find attached our purchase order PO-7299 dated 08.10.2026.\n"
        "  1  BRG-6204  Deep groove ball bearing 6204-2RS  100 pcs\nRequested delivery date: 30.10.2026\n"
    )
    body = (
        "Hallo Frau Bauer,\n\nkurze Info zu Ihrer neuen Bestellung 7388 (Pendelrollenlager 22212 E): "
        "SKF hat einen festen Termin bestätigt. Anlieferung bei Ihnen am 22.01.2027.\n\nViele Grüße\nHeike Kröger\n\n"
        "Am 08.10.2026 um 10:30 schrieb Anna Bauer:\n" + quoted(quote)
    )
    received = at("2026-11-27 11:00")
    raw = mail(sender=NORD_SALES, subject="AW: Purchase order PO-7299", body=body, received=received,
               in_reply_to="<po-7299.1@buyer.example>", references=["<po-7299.1@buyer.example>"])
    result = await world.email(raw, received)
    assert matched(result) == ["PO-7388"]
    assert understanding(result).eta == date(2027, 1, 22)
    await untouched(world, "PO-7299", result, status="received")


async def test_bare_ok_reply_to_a_confirmation_request_confirms(make_world: MakeWorld) -> None:
    asked = with_(PO_7377, sent=[sent_chat(7770901, 501, "2026-11-20 08:35", "Hallo Jeroen, kun je PO-7377 bevestigen?")])
    world = await make_world([HOLLAND], [asked, PO_7385])
    result = await world.chat(7770901, "ok 👍", at("2026-11-20 17:45"), reply_to=501)
    assert matched(result) == ["PO-7377"]
    assert understanding(result).intent is Intent.CONFIRMED
    assert (await world.po("PO-7377")).status == "confirmed"
    await untouched(world, "PO-7385", result)


@pytest.mark.xfail(
    strict=True,
    reason="eta is None: a reply that agrees ('on track') to a bot question stating a date does not take the "
    "date from the question the vendor replied to (dev m035)",
)
async def test_date_only_in_the_bots_question_counts_when_the_vendor_agrees(make_world: MakeWorld) -> None:
    asked = with_(
        PO_7342, sent=[sent_chat(7770101, 611, "2026-11-23 08:00", "Hi Dan, is PO-7342 still on track for delivery on 9 Dec?")]
    )
    world = await make_world([BRIXTON], [PO_7301, asked])
    result = await world.chat(7770101, "yep still on track 👍 some of it goes out this week", at("2026-11-23 08:20"),
                              reply_to=611)
    assert matched(result) == ["PO-7342"]
    assert understanding(result).intent is Intent.CONFIRMED
    assert understanding(result).eta == date(2026, 12, 9)


# ==============================================================================================
# who may speak for a PO


@pytest.mark.parametrize(
    "address", ["l.ibanez@forjadoslevante.example", "logistica@forjadoslevante.example", "accounts@forjadoslevante.example"]
)
async def test_unlisted_address_at_the_vendors_domain_is_trusted(make_world: MakeWorld, address: str) -> None:
    world = await make_world([LEVANTE], [PO_7355, PO_7320])
    body = (
        "Buenos días Anna:\n\nMe presento: soy Laura Ibáñez, nueva responsable de logística de Forjados Levante.\n"
        "Su pedido 7355 se cargará el viernes 27/11, con entrega prevista en Leeds el martes 01/12.\n\n"
        "Un saludo,\nLaura Ibáñez\nMóvil +34 612 73 20 41\n"
    )
    received = at("2026-11-23 11:30")
    result = await world.email(mail(sender=("Laura Ibáñez", address), subject="Presentación", body=body,
                                    received=received), received)
    assert understanding(result).trusted
    assert matched(result) == ["PO-7355"]
    assert understanding(result).ship_date == date(2026, 11, 27)
    assert understanding(result).eta == date(2026, 12, 1)
    assert result.applied_po_numbers == ["PO-7355"]
    await untouched(world, "PO-7320", result)


async def test_lookalike_domain_asking_to_change_bank_details_is_not_trusted(make_world: MakeWorld) -> None:
    world = await make_world([NORD], [PO_7311, PO_7388])
    body = (
        "Dear Customer,\n\nDue to an audit our account with Sparkasse is suspended. All payments, including the "
        "invoice for your order PO-7311, should be made to our new account:\n\n"
        "IBAN: LT12 1000 0111 0100 1000\nSWIFT: ABCDLT2X\n\nPlease confirm once you have updated your records.\n\n"
        "Accounts Department\nWälzlager Nord GmbH\n"
    )
    received = at("2026-11-26 09:00")
    raw = mail(sender=("Wälzlager Nord - Accounts", "accounts@waelzlager-nord-gmbh.example"),
               subject="URGENT: new bank details - invoice PO-7311", body=body, received=received,
               headers=[("Reply-To", "nord.accounts@safe-mailbox.example")])
    result = await world.email(raw, received)
    assert not understanding(result).trusted
    assert matched(result) == []
    assert understanding(result).intent is Intent.INVOICE
    assert (await world.stored(result)).state == "review"
    await untouched(world, "PO-7311", result)


async def test_free_mail_address_of_a_real_vendor_contact_is_not_trusted(make_world: MakeWorld) -> None:
    world = await make_world([NASHIK], [PO_7371, PO_7379])
    body = (
        "Hi Anna,\n\nOur mail server is down so I am writing from my personal account.\n"
        f"PO-7371 went out this morning with DHL Express, AWB {spaced(DHL_EXPRESS, [2, 4, 4])}.\n\n"
        "Vikram Joshi\nNashik Forge\n"
    )
    received = at("2026-11-30 09:00")
    raw = mail(sender=("Vikram Joshi", "vikram.joshi.nsk@gmail.com"), subject="PO-7371 dispatch", body=body,
               received=received)
    result = await world.email(raw, received)
    assert not understanding(result).trusted
    assert matched(result) == []
    assert tracking(result) == [DHL_EXPRESS]
    await untouched(world, "PO-7371", result)


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("Hello Anna, this is Mei from Lucky Circuits, this is my new number. PO7390 capacitors shipped today by "
         f"DHL, AWB {DHL_EXPRESS}. pls check 🙏", Intent.SHIPPED),
        ("hi anna its grace's colleague, her phone is broken. the invoice for PO7390 has old bank details, "
         "please pay to account 6222 0210 0112 3456 instead. thanks", Intent.INVOICE),
    ],
    ids=["claims-to-be-the-vendor", "payment-diversion"],
)
async def test_unknown_telegram_id_is_not_trusted(make_world: MakeWorld, text: str, intent: Intent) -> None:
    world = await make_world([LUCKY], [PO_7390, PO_7394])
    result = await world.chat(7779001, text, at("2026-11-23 06:30"))
    assert not understanding(result).trusted
    assert matched(result) == []
    assert understanding(result).intent is intent
    await untouched(world, "PO-7390", result)


async def test_second_telegram_id_of_the_same_vendor_is_trusted(make_world: MakeWorld) -> None:
    world = await make_world([BRIXTON], [PO_7301, PO_7342])
    text = (
        "Hi Anna, Sam from Brixton dispatch here 👋 the M5 cap screws for po7342 (1500pcs) went out today "
        "with DPD 15502231447816, bolts to follow"
    )
    result = await world.chat(7770102, text, at("2026-11-26 10:00"))
    assert understanding(result).trusted
    assert matched(result) == ["PO-7342"]
    assert understanding(result).intent is Intent.SHIPPED
    assert understanding(result).carrier is Carrier.DPD
    assert quantities(result) == {"PO-7342": {2: 1500.0}}
    assert result.applied_po_numbers == ["PO-7342"]


async def test_forward_by_a_buyer_colleague_changes_no_po(make_world: MakeWorld) -> None:
    world = await make_world([BRIANZA], [PO_7366, PO_7381])
    body = (
        "Anna - this came to my inbox by mistake, can you update the PO?\n\nMark\n\n"
        "________________________________\n"
        "From: Chiara Colombo <ordini@valvolebrianza.example>\nSent: 26 November 2026 14:40\n"
        "To: Mark Ellis <mark.ellis@buyer.example>\nSubject: R: Purchase order PO-7381\n\n"
        "Buongiorno,\n\nVi informiamo che i giunti rapidi 3/8\" del Vs. ordine PO-7381 sono stati spediti "
        "il 26/11 con GLS, n. spedizione 51412398871.\n\nCordiali saluti\nChiara Colombo\n"
    )
    received = at("2026-11-26 16:00")
    raw = mail(sender=("Mark Ellis", "mark.ellis@buyer.example"), subject="FW: R: Purchase order PO-7381", body=body,
               received=received, to="purchasing@buyer.example")
    result = await world.email(raw, received)
    assert matched(result) == []
    assert tracking(result) == ["51412398871"]
    assert understanding(result).carrier is Carrier.GLS
    await untouched(world, "PO-7381", result)


async def test_freight_forwarder_is_not_the_vendor(make_world: MakeWorld) -> None:
    world = await make_world([LUCKY], [PO_7390, PO_7394])
    body = (
        "Dear Anna,\n\nPlease find below the pre-alert for your inbound shipment:\n\n"
        "Shipper:        DONGGUAN LUCKY CIRCUITS CO., LTD\nConsignee:      BUYER MANUFACTURING LTD\n"
        f"Your ref:       PO 7390\nContainer:      {MAERSK_BOX} (40'HC)\nVessel/Voy:     MAERSK EDINBURGH / 249W\n"
        "ETD Yantian:    27/11/2026\nETA Felixstowe: 29/12/2026\n"
        "Est. delivery to Leeds (after customs clearance): 06/01/2027\n\n"
        "Kind regards,\nOcean Import Team\nHarbourline Logistics Ltd, Felixstowe\n"
    )
    received = at("2026-11-27 18:00")
    raw = mail(sender=("Harbourline Ocean Import", "ocean.import@harbourline-logistics.example"),
               subject=f"PRE-ALERT // YANTIAN - FELIXSTOWE // {MAERSK_BOX}", body=body, received=received)
    result = await world.email(raw, received)
    assert matched(result) == []
    assert understanding(result).eta == date(2027, 1, 6)
    assert understanding(result).ship_date == date(2026, 11, 27)
    assert tracking(result) == [MAERSK_BOX]
    assert understanding(result).carrier is Carrier.MAERSK
    await untouched(world, "PO-7390", result)


def customs_hold_notice(received: datetime) -> bytes:
    body = (
        f"Dear Customer,\n\nYour DHL Express shipment with waybill number {DHL_EXPRESS} from DONGGUAN LUCKY "
        "CIRCUITS CO LTD is held in UK customs clearance.\n\nTo clear it we need your EORI number. Could you "
        "please reply quoting the waybill number?\n\nDHL Express UK Import Clearance Team\n"
    )
    return mail(sender=("DHL Express UK Import Clearance", "ukclearance@dhl-express.example"),
                subject=f"Action required: customs clearance for waybill {DHL_EXPRESS}", body=body, received=received)


async def test_carrier_customs_notice_is_not_the_vendor(make_world: MakeWorld) -> None:
    world = await make_world([LUCKY], [PO_7390, PO_7394])
    received = at("2026-11-25 08:00")
    result = await world.email(customs_hold_notice(received), received)
    assert matched(result) == []
    assert tracking(result) == [DHL_EXPRESS]
    await untouched(world, "PO-7390", result)


@pytest.mark.xfail(
    strict=True,
    reason="intent is 'shipped', expected 'question': a carrier notice that a parcel is held in customs and "
    "asks for the EORI number is read as a shipment because of the waybill number (dev m062)",
)
async def test_customs_hold_asking_for_a_number_is_a_question(make_world: MakeWorld) -> None:
    world = await make_world([LUCKY], [PO_7390, PO_7394])
    received = at("2026-11-25 08:00")
    result = await world.email(customs_hold_notice(received), received)
    assert understanding(result).intent is Intent.QUESTION


async def test_po_number_of_another_vendor_is_not_a_match(make_world: MakeWorld) -> None:
    world = await make_world([BRIXTON, NORD], [PO_7301, PO_7342, PO_7311])
    body = (
        f"Hi Anna,\n\nThe M5 cap screws for order 7311 went out today by Royal Mail Tracked 48, tracking "
        f"{spaced(ROYAL_MAIL, [2, 4, 4, 3])}.\n\nRegards,\nDan\n"
    )
    received = at("2026-11-25 13:05")
    result = await world.email(mail(sender=BRIXTON_SALES, subject="Order 7311", body=body, received=received), received)
    assert matched(result) == []
    assert tracking(result) == [ROYAL_MAIL]
    assert understanding(result).carrier is Carrier.ROYAL_MAIL
    assert (await world.stored(result)).state == "review"
    await untouched(world, "PO-7311", result)
    await untouched(world, "PO-7342", result)


async def test_correction_naming_both_numbers_counts_the_corrected_po(make_world: MakeWorld) -> None:
    world = await make_world([BRIXTON, NORD], [PO_7301, PO_7342, PO_7311])
    text = "sorry anna, that email should say 7342 not 7311 🙈 the cap screws went today"
    result = await world.chat(7770101, text, at("2026-11-25 13:40"))
    assert matched(result) == ["PO-7342"]
    assert understanding(result).intent is Intent.SHIPPED
    assert understanding(result).ship_date == date(2026, 11, 25)
    await untouched(world, "PO-7311", result)


async def test_cold_sales_mail_with_a_fake_re_is_unrelated(make_world: MakeWorld) -> None:
    world = await make_world([NORD], [PO_7311, PO_7388])
    body = (
        "Dear Purchasing Manager,\n\nGood day! Glad to know you are on the market of bearings.\n\n"
        "This is Leo from Wuxi Star Bearing Co., Ltd., manufacturer of deep groove ball bearings (6206-2RS, "
        "6307-2Z ...) and spherical roller bearings (22212 E) for 18 years.\n\nOur price is 25% lower than "
        "European brands. MOQ 200pcs, delivery in 20 days.\n\nCould you send us your inquiry list?\n\n"
        "Leo Zhang\nWhatsApp/WeChat: +86 139 5173 7311\n"
    )
    received = at("2026-11-20 20:10")
    raw = mail(sender=("Leo Zhang", "leo.zhang@wuxi-starbearing.example"), subject="Re: bearing inquiry",
               body=body, received=received, to="purchasing@buyer.example")
    result = await world.email(raw, received)
    assert matched(result) == []
    assert understanding(result).intent is Intent.UNRELATED
    assert understanding(result).eta is None
    await untouched(world, "PO-7311", result)


async def test_newsletter_from_a_trusted_vendor_domain_is_unrelated(make_world: MakeWorld) -> None:
    world = await make_world([MIDWEST], [PO_12044, PO_12051])
    html = (
        "<html><body><h1>Winter shutdown specials</h1><p>Hi Tom,</p>"
        "<p>Save 15% on Gates Hi-Power II V-belts (B52, B60) and Mobil DTE 24 hydraulic oil with code "
        "<b>SHUT15</b>. Order by <b>12/04</b> for delivery before the holidays.</p>"
        "<p>Visit our new showroom at <b>12051 Industrial Pkwy, Strongsville, OH</b>. "
        "Closed Thursday 11/26 and Friday 11/27; orders placed then ship Monday 11/30.</p>"
        "<p style='font-size:10px'><a href='https://midwestmotion.example/unsubscribe'>Unsubscribe</a></p>"
        "</body></html>"
    )
    received = at("2026-11-22 18:00")
    raw = mail(sender=("Midwest Motion Deals", "deals@midwestmotion.example"),
               subject="🦃 Winter shutdown specials: 15% off belts", html=html, received=received,
               subject_charset="utf-8-b",
               headers=[("List-Unsubscribe", "<https://midwestmotion.example/unsubscribe>"), ("Precedence", "bulk")])
    result = await world.email(raw, received)
    assert understanding(result).trusted
    assert understanding(result).intent is Intent.UNRELATED
    assert matched(result) == []
    assert understanding(result).eta is None
    assert understanding(result).ship_date is None
    await untouched(world, "PO-12044", result)
    await untouched(world, "PO-12051", result)
