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
from datetime import date, datetime
from email.message import EmailMessage, Message
from email.mime.message import MIMEMessage
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import format_datetime
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

BRIXTON = vendor("BRX", "Brixton Fixings Ltd", emails=["sales@brixton-fixings.example"], telegram=[7770101, 7770102])
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
    [
        line(1, "SHAFT-DS-300", "DS-300", "Drive shaft DS-300", 50),
        line(2, "GEAR-GB-80", "GB-80", "Gear blank GB-80", 80),
    ],
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
    result = await world.email(
        mail(sender=REACTIFS_SALES, subject="Votre commande", body=body, received=received), received
    )
    assert matched(result) == ["PO-7345"]
    assert understanding(result).eta == date(2026, 12, 2)
    await untouched(world, "PO-7362", result)


@pytest.mark.parametrize(
    "registration",
    [
        "Amtsgericht Kiel HRB 157388",
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
        "GSTIN: 27AAECN7388K1Z5",
    ],
)
async def test_vat_and_tax_ids_containing_a_po_are_not_matches(make_world: MakeWorld, tax_id: str) -> None:
    world = await make_world([BRIANZA, NORD], [PO_7366, PO_7381, PO_7388])
    body = (
        "Buongiorno Anna,\n\nconfermiamo il Vs. ordine 7366, consegna prevista entro giovedì 10 dicembre.\n\n"
        f"Cordiali saluti\nChiara Colombo\nValvole Brianza S.r.l. – {tax_id}\n"
    )
    received = at("2026-11-20 11:30")
    result = await world.email(
        mail(sender=BRIANZA_SALES, subject="Conferma ordine", body=body, received=received), received
    )
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
    raw = mail(
        sender=("Brixton Accounts", "accounts@brixton-fixings.example"),
        subject="Invoice INV-5528",
        body=body,
        received=received,
    )
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
    body = (
        f"Tom -\n\nP.O. 12044 is confirmed, all of it ships 12/08.\n\nKyle\n--\nMidwest Motion Supply LLC\n{address}\n"
    )
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
    result = await world.email(
        mail(sender=CARTONES_SALES, subject="Cambio de especificación", body=body, received=received), received
    )
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
    result = await world.email(
        mail(sender=MIDWEST_SALES, subject="[Case 00073112] Re: order", body=body, received=received), received
    )
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
    result = await world.email(
        mail(sender=LEVANTE_SALES, subject="Carga pedido", body=body, received=received), received
    )
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
    raw = mail(
        sender=("Comptabilité", "compta@laboreactifs.example"),
        subject="Invoice FA-26-20417",
        body=body,
        received=received,
    )
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
    raw = mail(
        sender=MIDWEST_SALES,
        subject="B60 belts on your PO 12044 (Fwd: Backorder notice - your PO 7311)",
        body=body,
        received=received,
    )
    result = await world.email(raw, received)
    assert matched(result) == ["PO-12044"]
    assert understanding(result).intent is Intent.DELAYED
    assert understanding(result).eta == date(2026, 12, 16)
    await untouched(world, "PO-7311", result)


async def test_foreign_po_number_left_in_the_subject_of_a_thread_is_not_a_match(make_world: MakeWorld) -> None:
    world = await make_world([MIDWEST, NORD], [PO_12044, PO_12051, PO_7311])
    body = (
        "Tom,\n\nDone - 12 B60s and 4 pails of DTE 24 shipped today UPS Ground, tracking "
        f"{spaced(UPS_1, [2, 3, 3, 2, 4])}.\n\n"
        "Kyle\n"
    )
    received = at("2026-11-25 19:00")
    raw = mail(
        sender=MIDWEST_SALES,
        subject="Re: belts on your PO 12044 (Fwd: Backorder notice - your PO 7311)",
        body=body,
        received=received,
    )
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
    raw = mail(
        sender=BRIXTON_SALES,
        subject="RE: Reminder: PO-7301",
        body=body,
        received=received,
        in_reply_to="<po-7301.2@buyer.example>",
        references=["<po-7301.2@buyer.example>"],
    )
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


@pytest.mark.parametrize("spelling", ["PO7342", "PO#7342", "P.O. #7342", "P.O. 7342", "PO-No. 7342"])
async def test_undashed_hash_and_dotted_po_spellings_match(make_world: MakeWorld, spelling: str) -> None:
    world = await make_world([BRIXTON], [PO_7301, PO_7342])
    body = f"Hi Anna,\n\nYour order {spelling} is confirmed, delivery on 04/12.\n\nDan\n"
    received = at("2026-11-20 10:00")
    result = await world.email(
        mail(sender=BRIXTON_SALES, subject="Order confirmation", body=body, received=received), received
    )
    assert matched(result) == ["PO-7342"]
    assert understanding(result).eta == date(2026, 12, 4)


@pytest.mark.parametrize(
    ("spelling", "number"),
    [
        ("OC-0012061", "PO-12061"),
        ("PO-0012061", "PO-12061"),
        ("Customer PO#: 0012061", "PO-12061"),
        ("PO-007355", "PO-7355"),
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
        (
            "AB-2026-20981",
            "Versandavis zu Auftrag AB-2026-20981",
            "zu unserem Auftrag AB-2026-20981 haben wir heute 40 Stück Rillenkugellager 6307-2Z an DHL übergeben.",
        ),
        (
            "SO-55210",
            "Despatch Note DN-71204 - Sales Order SO-55210",
            "Sales order: SO-55210\nDespatch date: today\nAll lines despatched.",
        ),
        (
            "PI/NF/2026/0931",
            "Advance payment request - PI No. PI/NF/2026/0931",
            "Kindly release the advance payment of USD 1,240.00 against our Proforma Invoice No. PI/NF/2026/0931.",
        ),
        (
            "CDE-2611-0733",
            "Commande CDE-2611-0733 : annulation",
            "Nous ne pouvons pas livrer l'acide nitrique de la commande CDE-2611-0733, cette ligne est annulée.",
        ),
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
    by_reference = {
        "AB-2026-20981": ("PO-7311", NORD_SALES),
        "SO-55210": ("PO-7342", BRIXTON_SALES),
        "PI/NF/2026/0931": ("PO-7379", NASHIK_SALES),
        "CDE-2611-0733": ("PO-7345", REACTIFS_SALES),
    }
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
    raw = mail(
        sender=BRIANZA_SALES, subject="Conferma", body=body, received=received, in_reply_to="<po-7366.1@buyer.example>"
    )
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
    raw = mail(
        sender=LUCKY_SALES,
        subject="RE: RE: your order",
        body=body,
        received=received,
        in_reply_to=in_reply_to,
        references=["<po-7390.1@buyer.example>", in_reply_to],
    )
    result = await world.email(raw, received)
    assert matched(result) == ["PO-7390"]
    assert understanding(result).intent is Intent.CANCELLED


async def test_new_text_naming_another_po_overrides_an_old_thread(make_world: MakeWorld) -> None:
    old = with_(
        po(
            "PO-7299",
            "NRD",
            [line(1, "BRG-6204", "6204-2RS C3", "Deep groove ball bearing 6204-2RS", 100)],
            status="received",
            order_date="2026-10-08",
        ),
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
    raw = mail(
        sender=NORD_SALES,
        subject="AW: Purchase order PO-7299",
        body=body,
        received=received,
        in_reply_to="<po-7299.1@buyer.example>",
        references=["<po-7299.1@buyer.example>"],
    )
    result = await world.email(raw, received)
    assert matched(result) == ["PO-7388"]
    assert understanding(result).eta == date(2027, 1, 22)
    await untouched(world, "PO-7299", result, status="received")


async def test_bare_ok_reply_to_a_confirmation_request_confirms(make_world: MakeWorld) -> None:
    asked = with_(
        PO_7377, sent=[sent_chat(7770901, 501, "2026-11-20 08:35", "Hallo Jeroen, kun je PO-7377 bevestigen?")]
    )
    world = await make_world([HOLLAND], [asked, PO_7385])
    result = await world.chat(7770901, "ok 👍", at("2026-11-20 17:45"), reply_to=501)
    assert matched(result) == ["PO-7377"]
    assert understanding(result).intent is Intent.CONFIRMED
    assert (await world.po("PO-7377")).status == "confirmed"
    await untouched(world, "PO-7385", result)


async def test_date_only_in_the_bots_question_counts_when_the_vendor_agrees(make_world: MakeWorld) -> None:
    asked = with_(
        PO_7342,
        sent=[sent_chat(7770101, 611, "2026-11-23 08:00", "Hi Dan, is PO-7342 still on track for delivery on 9 Dec?")],
    )
    world = await make_world([BRIXTON], [PO_7301, asked])
    result = await world.chat(
        7770101, "yep still on track 👍 some of it goes out this week", at("2026-11-23 08:20"), reply_to=611
    )
    assert matched(result) == ["PO-7342"]
    assert understanding(result).intent is Intent.CONFIRMED
    assert understanding(result).eta == date(2026, 12, 9)


@pytest.mark.parametrize(
    ("reply", "eta"),
    [
        ("Confirmed, thanks.", date(2026, 12, 9)),  # agrees to the date we asked about
        ("Confirmed, but delivery will be on 16 December.", date(2026, 12, 16)),  # its own date wins
    ],
    ids=["agrees", "own-date"],
)
async def test_confirming_our_email_takes_the_delivery_date_it_asked_about(
    make_world: MakeWorld, reply: str, eta: date
) -> None:
    question = (
        "We sent you purchase order PO-7342 on 20 November 2026. Please confirm it and the delivery date of "
        "9 December 2026 by replying to this email."
    )
    asked = with_(PO_7342, sent=[sent_email("<po-7342.2@buyer.example>", "2026-11-23 08:00", "PO-7342", question)])
    world = await make_world([BRIXTON], [PO_7301, asked])
    received = at("2026-11-23 10:00")
    raw = mail(
        sender=BRIXTON_SALES,
        subject="Re: Purchase order PO-7342",
        body=f"{reply}\n\nDan\n",
        received=received,
        in_reply_to="<po-7342.2@buyer.example>",
        references=["<po-7342.2@buyer.example>"],
    )
    result = await world.email(raw, received)
    assert matched(result) == ["PO-7342"]
    assert understanding(result).intent is Intent.CONFIRMED
    assert understanding(result).eta == eta


# ==============================================================================================
# who may speak for a PO


@pytest.mark.parametrize("address", ["l.ibanez@forjadoslevante.example", "accounts@forjadoslevante.example"])
async def test_unlisted_address_at_the_vendors_domain_is_trusted(make_world: MakeWorld, address: str) -> None:
    world = await make_world([LEVANTE], [PO_7355, PO_7320])
    body = (
        "Buenos días Anna:\n\nMe presento: soy Laura Ibáñez, nueva responsable de logística de Forjados Levante.\n"
        "Su pedido 7355 se cargará el viernes 27/11, con entrega prevista en Leeds el martes 01/12.\n\n"
        "Un saludo,\nLaura Ibáñez\nMóvil +34 612 73 20 41\n"
    )
    received = at("2026-11-23 11:30")
    result = await world.email(
        mail(sender=("Laura Ibáñez", address), subject="Presentación", body=body, received=received), received
    )
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
    raw = mail(
        sender=("Wälzlager Nord - Accounts", "accounts@waelzlager-nord-gmbh.example"),
        subject="URGENT: new bank details - invoice PO-7311",
        body=body,
        received=received,
        headers=[("Reply-To", "nord.accounts@safe-mailbox.example")],
    )
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
    raw = mail(
        sender=("Vikram Joshi", "vikram.joshi.nsk@gmail.com"), subject="PO-7371 dispatch", body=body, received=received
    )
    result = await world.email(raw, received)
    assert not understanding(result).trusted
    assert matched(result) == []
    assert tracking(result) == [DHL_EXPRESS]
    await untouched(world, "PO-7371", result)


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        (
            "Hello Anna, this is Mei from Lucky Circuits, this is my new number. PO7390 capacitors shipped today by "
            f"DHL, AWB {DHL_EXPRESS}. pls check 🙏",
            Intent.SHIPPED,
        ),
        (
            "hi anna its grace's colleague, her phone is broken. the invoice for PO7390 has old bank details, "
            "please pay to account 6222 0210 0112 3456 instead. thanks",
            Intent.INVOICE,
        ),
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
        'Buongiorno,\n\nVi informiamo che i giunti rapidi 3/8" del Vs. ordine PO-7381 sono stati spediti '
        "il 26/11 con GLS, n. spedizione 51412398871.\n\nCordiali saluti\nChiara Colombo\n"
    )
    received = at("2026-11-26 16:00")
    raw = mail(
        sender=("Mark Ellis", "mark.ellis@buyer.example"),
        subject="FW: R: Purchase order PO-7381",
        body=body,
        received=received,
        to="purchasing@buyer.example",
    )
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
    raw = mail(
        sender=("Harbourline Ocean Import", "ocean.import@harbourline-logistics.example"),
        subject=f"PRE-ALERT // YANTIAN - FELIXSTOWE // {MAERSK_BOX}",
        body=body,
        received=received,
    )
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
    return mail(
        sender=("DHL Express UK Import Clearance", "ukclearance@dhl-express.example"),
        subject=f"Action required: customs clearance for waybill {DHL_EXPRESS}",
        body=body,
        received=received,
    )


async def test_carrier_customs_notice_is_not_the_vendor(make_world: MakeWorld) -> None:
    world = await make_world([LUCKY], [PO_7390, PO_7394])
    received = at("2026-11-25 08:00")
    result = await world.email(customs_hold_notice(received), received)
    assert matched(result) == []
    assert tracking(result) == [DHL_EXPRESS]
    await untouched(world, "PO-7390", result)


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
    raw = mail(
        sender=("Leo Zhang", "leo.zhang@wuxi-starbearing.example"),
        subject="Re: bearing inquiry",
        body=body,
        received=received,
        to="purchasing@buyer.example",
    )
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
    raw = mail(
        sender=("Midwest Motion Deals", "deals@midwestmotion.example"),
        subject="🦃 Winter shutdown specials: 15% off belts",
        html=html,
        received=received,
        subject_charset="utf-8-b",
        headers=[("List-Unsubscribe", "<https://midwestmotion.example/unsubscribe>"), ("Precedence", "bulk")],
    )
    result = await world.email(raw, received)
    assert understanding(result).trusted
    assert understanding(result).intent is Intent.UNRELATED
    assert matched(result) == []
    assert understanding(result).eta is None
    assert understanding(result).ship_date is None
    await untouched(world, "PO-12044", result)
    await untouched(world, "PO-12051", result)


# ==============================================================================================
# PO found from the items, the vendor's open POs, or several POs at once


@pytest.mark.parametrize(
    ("user", "text", "number", "intent"),
    [
        (
            7770101,
            "anna the M5 cap screws are packed & ready, want them sent now or wait for teh bolts?",
            "PO-7342",
            Intent.QUESTION,
        ),
        (
            7770201,
            "Morning Mrs Bauer, do you need a 3.1 certificate for the 22212 E? then I order it extra with SKF",
            "PO-7388",
            Intent.QUESTION,
        ),
        (
            7770801,
            "hi Tom! heads up the DTE 24 pails are backordered at our DC 😩 should ship by end of the month",
            "PO-12044",
            Intent.DELAYED,
        ),
    ],
    ids=["cap-screws", "bearing-type", "oil-pails"],
)
async def test_item_named_only_on_one_po_identifies_it(
    make_world: MakeWorld, user: int, text: str, number: str, intent: Intent
) -> None:
    world = await make_world(
        [BRIXTON, NORD, MIDWEST, BRIANZA],
        [PO_7301, PO_7342, PO_7311, PO_7388, PO_12044, PO_12051, PO_7366, PO_7381],
    )
    result = await world.chat(user, text, at("2026-11-24 10:40"))
    assert matched(result) == [number]
    assert understanding(result).intent is intent


@pytest.mark.xfail(
    strict=True,
    reason="matches []: item words are compared literally, so Portuguese 'caixas' and Italian 'valvole' do not "
    "meet the English line descriptions 'housing' and 'valve' (the dev set passes these only through the chat "
    "conversation with the vendor)",
)
@pytest.mark.parametrize(
    ("user", "text", "number"),
    [
        (7771001, "Bom dia! as restantes 20 caixas seguem amanhã 👍", "PO-7330"),
        (7770401, "ciao Anna, le valvole sono pronte, le spediamo domani con il nostro corriere", "PO-7366"),
    ],
    ids=["caixas-pt", "valvole-it"],
)
async def test_item_word_in_the_vendors_language_identifies_the_po(
    make_world: MakeWorld, user: int, text: str, number: str
) -> None:
    world = await make_world([MINHO, BRIANZA], [PO_7330, PO_7336, PO_7366, PO_7381])
    result = await world.chat(user, text, at("2026-11-30 10:00"))
    assert matched(result) == [number]
    assert understanding(result).ship_date == date(2026, 12, 1)


@pytest.mark.parametrize(
    ("sender", "text", "expected"),
    [
        (
            NORD_SALES,
            f"the 6206-2RS bearings left our warehouse today with DHL, tracking no. {spaced(DHL_PAKET_1, [4] * 5)}.",
            ["PO-7311", "PO-7388"],
        ),
        (
            BRIXTON_SALES,
            "Bad news on the M10x60 hex bolts I'm afraid - the batch failed the salt spray test at the "
            "platers. Realistically they'll now be with you in 2 weeks.",
            ["PO-7301", "PO-7342"],
        ),
        (
            MIDWEST_SALES,
            "Quick one on the B52 V-belts: I'm down to my last few Gates B52s, after that it's Dayco "
            "(same spec, $13.40 vs $14.20). OK to substitute Dayco?",
            ["PO-12044", "PO-12051"],
        ),
    ],
    ids=["bearings-shipped", "bolts-delayed", "belts-question"],
)
async def test_item_on_two_open_pos_goes_to_review(
    make_world: MakeWorld, sender: tuple[str, str], text: str, expected: list[str]
) -> None:
    world = await make_world([NORD, BRIXTON, MIDWEST], [PO_7311, PO_7388, PO_7301, PO_7342, PO_12044, PO_12051])
    received = at("2026-11-24 11:30")
    result = await world.email(mail(sender=sender, subject="update", body=text + "\n", received=received), received)
    assert matched(result) == []
    assert understanding(result).needs_review
    assert candidates(result) == expected
    for number in expected:
        await untouched(world, number, result)


async def test_in_two_weeks_is_fourteen_days_from_receipt(make_world: MakeWorld) -> None:
    world = await make_world([BRIXTON], [PO_7301, PO_7342])
    body = "Hi Anna,\n\nPO 7301: the bolts failed the salt spray test, realistically with you in 2 weeks.\n\nDan\n"
    received = at("2026-11-24 11:30")
    result = await world.email(mail(sender=BRIXTON_SALES, subject="PO 7301", body=body, received=received), received)
    assert matched(result) == ["PO-7301"]
    assert understanding(result).intent is Intent.DELAYED
    assert understanding(result).eta == date(2026, 12, 8)
    assert (await world.po("PO-7301")).eta == date(2026, 12, 8)


async def test_single_open_po_of_the_vendor_is_matched_without_a_reference(make_world: MakeWorld) -> None:
    done = po("PO-7240", "VPH", [line(1, "PAL-EUR-NEW", "EP-NEW", "EUR pallet 1200x800 new", 60)], status="received")
    world = await make_world([HOLLAND], [done, PO_7377])
    shipped = await world.chat(7770901, "shipped today", at("2026-11-23 16:05"))
    assert matched(shipped) == ["PO-7377"]
    assert understanding(shipped).ship_date == date(2026, 11, 23)
    assert (await world.po("PO-7377")).status == "shipped"


async def test_invoice_naming_the_item_of_the_only_open_po_matches(make_world: MakeWorld) -> None:
    done = po("PO-7240", "VPH", [line(1, "PAL-EUR-NEW", "EP-NEW", "EUR pallet 1200x800 new", 60)], status="received")
    world = await make_world([HOLLAND], [done, PO_7377])
    received = at("2026-11-27 15:30")
    body = "Hi Anna,\n\nInvoice attached for the pallets. Cheers\n\nJeroen\n\nSent from my iPhone\n"
    raw = mail(
        sender=HOLLAND_SALES,
        subject="Invoice",
        body=body,
        received=received,
        attachments=[("Invoice_2211.pdf", "application", "pdf", b"%PDF-1.4\n%%EOF\n")],
    )
    invoice = await world.email(raw, received)
    assert matched(invoice) == ["PO-7377"]
    assert understanding(invoice).intent is Intent.INVOICE


async def test_no_reference_and_two_open_pos_matches_nothing(make_world: MakeWorld) -> None:
    world = await make_world([NASHIK], [PO_7371, PO_7379])
    result = await world.chat(
        7770601, "Sir gentle reminder for the advance payment 🙏 production is waiting", at("2026-11-30 12:30")
    )
    assert matched(result) == []
    assert understanding(result).intent is Intent.INVOICE
    await untouched(world, "PO-7371", result)
    await untouched(world, "PO-7379", result)


async def test_both_orders_means_the_open_pos_with_that_item(make_world: MakeWorld) -> None:
    world = await make_world([BRIXTON], [PO_7301, PO_7342])
    text = "morning anna 🙌 M10 bolts finally back from the platers!! will ship both orders tomorrow"
    result = await world.chat(7770102, text, at("2026-11-30 07:45"))
    assert matched(result) == ["PO-7301", "PO-7342"]
    assert understanding(result).ship_date == date(2026, 12, 1)


async def test_two_pos_in_one_email_with_a_partial_on_one(make_world: MakeWorld) -> None:
    world = await make_world([BRIANZA], [PO_7366, PO_7381])
    body = (
        "Buongiorno Anna,\n\nVi informiamo che oggi abbiamo spedito con GLS:\n\n"
        "- ordine PO-7366: completo, 2 colli, n. spedizione 51412367012\n"
        '- ordine PO-7381: parziale, 100 pz raccordi maschio BSP 3/8", 1 collo, n. spedizione 51412367013\n\n'
        "I giunti rapidi del PO-7381 seguiranno appena disponibili.\n\nCordiali saluti\nChiara\n"
    )
    received = at("2026-11-25 10:30")
    result = await world.email(
        mail(
            sender=BRIANZA_SALES,
            subject="Spedizione ordini 7366 e 7381",
            body=body,
            received=received,
            cte="quoted-printable",
        ),
        received,
    )
    assert matched(result) == ["PO-7366", "PO-7381"]
    assert understanding(result).intent is Intent.SHIPPED
    assert sorted(tracking(result)) == ["51412367012", "51412367013"]
    assert understanding(result).carrier is Carrier.GLS
    assert quantities(result).get("PO-7381") == {1: 100.0}
    assert sorted(result.applied_po_numbers) == ["PO-7366", "PO-7381"]


async def test_two_pos_in_one_mixed_language_chat_message(make_world: MakeWorld) -> None:
    world = await make_world([NORD], [PO_7311, PO_7388])
    text = f"Moin Mrs Bauer! rest of 7311 und die 22212 E für 7388 went out today, DHL {DHL_PAKET_1} + {DHL_PAKET_2} 👍"
    result = await world.chat(7770201, text, at("2026-11-30 08:30"))
    assert matched(result) == ["PO-7311", "PO-7388"]
    assert understanding(result).intent is Intent.SHIPPED
    assert sorted(tracking(result)) == [DHL_PAKET_1, DHL_PAKET_2]
    assert understanding(result).carrier is Carrier.DHL
    assert understanding(result).ship_date == date(2026, 11, 30)


# ==============================================================================================
# automatic replies and bounces


async def test_out_of_office_without_auto_submitted_header_is_an_auto_reply(make_world: MakeWorld) -> None:
    first = with_(PO_7311, sent=[sent_email("<po-7311.1@buyer.example>", "2026-11-20 08:40", "Purchase order PO-7311")])
    world = await make_world([NORD], [first, PO_7388])
    body = (
        "Sehr geehrte Damen und Herren,\n\nvielen Dank für Ihre Nachricht.\n\n"
        "Ich bin bis einschließlich Montag, 30.11.2026 nicht im Büro. Ihre Nachricht wird nicht weitergeleitet.\n"
        "In dringenden Fällen: Tel. +49 431 73 88-0\n\nMit freundlichen Grüßen\nHeike Kröger\n"
    )
    received = at("2026-11-20 09:01")
    raw = mail(
        sender=NORD_SALES,
        subject="Abwesenheitsnotiz: Purchase order PO-7311",
        body=body,
        received=received,
        in_reply_to="<po-7311.1@buyer.example>",
        references=["<po-7311.1@buyer.example>"],
        cte="quoted-printable",
    )
    result = await world.email(raw, received)
    assert understanding(result).intent is Intent.AUTO_REPLY
    assert matched(result) == ["PO-7311"]
    assert understanding(result).eta is None
    await untouched(world, "PO-7311", result)
    await untouched(world, "PO-7388", result)
    contact = await world.contact("email", "vertrieb@waelzlager-nord.example")
    assert contact.out_of_office_until is not None
    assert contact.out_of_office_until.date() in (date(2026, 11, 30), date(2026, 12, 1))


@pytest.mark.parametrize(
    ("subject", "body"),
    [
        (
            "Réponse automatique : Purchase order PO-7345",
            "Bonjour,\n\nJe suis absente du bureau jusqu'au lundi 7 décembre inclus, avec un accès limité à ma "
            "messagerie.\nPour vos commandes : adv@laboreactifs.example / +33 4 78 12 73 62.\n\n"
            "Cordialement,\nAgathe Morel\n",
        ),
        (
            "Automatic reply: Purchase order PO-7345",
            "Thank you for your email. I am out of the office until 7 December with limited access to email.\n"
            "For orders please call +33 4 78 12 73 62.\n",
        ),
    ],
    ids=["fr", "en"],
)
async def test_auto_reply_return_date_is_not_an_eta(make_world: MakeWorld, subject: str, body: str) -> None:
    first = with_(PO_7345, sent=[sent_email("<po-7345.1@buyer.example>", "2026-11-20 08:30", "Purchase order PO-7345")])
    world = await make_world([REACTIFS], [first, PO_7362])
    received = at("2026-11-20 09:03")
    raw = mail(
        sender=REACTIFS_SALES,
        subject=subject,
        body=body,
        received=received,
        charset="iso-8859-1",
        cte="quoted-printable",
        subject_charset="iso-8859-1",
        in_reply_to="<po-7345.1@buyer.example>",
        headers=[("Auto-Submitted", "auto-replied"), ("X-Auto-Response-Suppress", "All")],
    )
    result = await world.email(raw, received)
    assert understanding(result).intent is Intent.AUTO_REPLY
    assert matched(result) == ["PO-7345"]
    assert understanding(result).eta is None
    assert understanding(result).ship_date is None
    await untouched(world, "PO-7345", result)
    await untouched(world, "PO-7362", result)


async def test_automatic_acknowledgement_is_not_a_confirmation(make_world: MakeWorld) -> None:
    first = with_(
        PO_12051, sent=[sent_email("<po-12051.1@buyer.example>", "2026-11-20 08:55", "Purchase order PO-12051")]
    )
    world = await make_world([MIDWEST], [PO_12044, first])
    body = (
        "Thank you for contacting Midwest Motion Supply.\n\nThis is an automated message to confirm that we have "
        "received your email. A case has been opened:\n\n    Case number: 00120446\n    Subject: Purchase order "
        "PO-12051\n\nA member of our inside sales team will respond within 1 business day.\n\n"
        "Please note: our offices will be closed on Thursday 11/26 and Friday 11/27 for the Thanksgiving holiday. "
        "Orders received during this time will be processed on Monday 11/30.\n\nMidwest Motion Supply LLC\n"
    )
    received = at("2026-11-20 09:04")
    raw = mail(
        sender=("Midwest Motion Supply", "support@midwestmotion.example"),
        subject="[Case 00120446] RE: Purchase order PO-12051",
        body=body,
        received=received,
        in_reply_to="<po-12051.1@buyer.example>",
        headers=[("Auto-Submitted", "auto-generated"), ("X-Autoreply", "yes"), ("Precedence", "auto_reply")],
    )
    result = await world.email(raw, received)
    assert understanding(result).intent is Intent.AUTO_REPLY
    assert matched(result) == ["PO-12051"]
    assert understanding(result).eta is None
    assert understanding(result).ship_date is None
    await untouched(world, "PO-12051", result)
    await untouched(world, "PO-12044", result)


async def test_order_confirmation_with_an_auto_submitted_header_is_still_a_confirmation(make_world: MakeWorld) -> None:
    world = await make_world([NORD], [PO_7311, PO_7388])
    body = (
        "Sehr geehrte Damen und Herren,\n\nanbei erhalten Sie unsere Auftragsbestätigung.\n\n"
        "Auftragsbestätigung:  AB-5520931\nIhre Bestellung:      7311 vom 10.11.2026\n\n"
        "Pos  Artikel       Bezeichnung                       Menge\n"
        "10   6206-2RS C3   Rillenkugellager 6206-2RS C3      150 St\n"
        "20   6307-2Z C3    Rillenkugellager 6307-2Z C3        80 St\n\n"
        "Voraussichtliche Anlieferung: KW 50/2026\n\n"
        "Diese E-Mail wurde automatisch erstellt. Bitte antworten Sie nicht auf diese E-Mail.\n"
    )
    received = at("2026-11-23 07:30")
    raw = mail(
        sender=("Wälzlager Nord Auftragsbearbeitung", "auftrag@waelzlager-nord.example"),
        subject="Auftragsbestätigung AB-5520931 zu Ihrer Bestellung 7311",
        body=body,
        received=received,
        headers=[("Auto-Submitted", "auto-generated"), ("X-Mailer", "SAP NetWeaver 7.50")],
    )
    result = await world.email(raw, received)
    assert understanding(result).intent is Intent.CONFIRMED
    assert matched(result) == ["PO-7311"]
    assert understanding(result).eta == date(2026, 12, 11)
    order = await world.po("PO-7311")
    assert order.status == "confirmed"


def _exchange_ndr(received: datetime, returned_id: str, returned_subject: str, recipient: str) -> bytes:
    original = EmailMessage()
    original["From"] = f"Anna Bauer <{BUYER}>"
    original["To"] = recipient
    original["Subject"] = returned_subject
    original["Date"] = "Thu, 19 Nov 2026 09:15:00 +0000"
    original["Message-ID"] = returned_id
    original.set_content("Dear Sir or Madam,\n\nCould you please confirm the order and the delivery date?\n")
    text = (
        "Delivery has failed to these recipients or groups:\n\n"
        f"{recipient}\nThe recipient's mailbox is full and can't accept messages now.\n\n"
        "Diagnostic information for administrators:\n\nGenerating server: DB8PR02MB5571.eurprd02.prod.outlook.example\n"
        f"{recipient}\nRemote Server returned '550 4.4.7 QUEUE.Expired; message expired'\n"
    )
    report = MIMEMultipart("report", report_type="delivery-status")
    alternative = MIMEMultipart("alternative")
    alternative.attach(MIMEText(text, "plain", "utf-8"))
    alternative.attach(
        MIMEText(
            f"<html><body><p>Your message to {recipient} couldn't be delivered.</p></body></html>", "html", "utf-8"
        )
    )
    report.attach(alternative)
    status = Message()
    status["Content-Type"] = "message/delivery-status"
    per_message, per_recipient = Message(), Message()
    per_message["Reporting-MTA"] = "dns;DB8PR02MB5571.eurprd02.prod.outlook.example"
    per_recipient["Final-Recipient"] = f"rfc822;{recipient}"
    per_recipient["Action"] = "failed"
    per_recipient["Status"] = "4.4.7"
    status.set_payload([per_message, per_recipient])
    report.attach(status)
    report.attach(MIMEMessage(original))
    report["From"] = "Microsoft Outlook <MicrosoftExchange329e71ec88ae4615bbc36ab6ce41109e@buyer.example>"
    report["To"] = BUYER
    report["Subject"] = f"Undeliverable: {returned_subject}"
    report["Date"] = format_datetime(received)
    report["Message-ID"] = "<5b2c91d0-7a1e-4c3f-9d2e-8f6a1b0c4e77@DB8PR02MB5571.eurprd02.prod.outlook.example>"
    report["In-Reply-To"] = returned_id
    report["Auto-Submitted"] = "auto-replied"
    report["X-MS-Exchange-Message-Is-Ndr"] = ""
    return report.as_bytes()


def _postfix_dsn(received: datetime, returned_id: str, returned_subject: str, recipient: str) -> bytes:
    text = (
        "This is the mail system at host mx1.buyer.example.\n\n"
        "I'm sorry to have to inform you that your message could not\nbe delivered to one or more recipients.\n\n"
        f"                   The mail system\n\n<{recipient}>: host mail.typo-domain.example[192.0.2.44] said: "
        "550 5.1.1 User unknown\n"
    )
    report = MIMEMultipart("report", report_type="delivery-status")
    notification = MIMEText(text, "plain", "us-ascii")
    notification["Content-Description"] = "Notification"
    report.attach(notification)
    status = Message()
    status["Content-Description"] = "Delivery report"
    status["Content-Type"] = "message/delivery-status"
    per_message, per_recipient = Message(), Message()
    per_message["Reporting-MTA"] = "dns; mx1.buyer.example"
    per_message["X-Postfix-Queue-ID"] = "7C2D41A0B3"
    per_recipient["Final-Recipient"] = f"rfc822; {recipient}"
    per_recipient["Action"] = "failed"
    per_recipient["Status"] = "5.1.1"
    per_recipient["Diagnostic-Code"] = "smtp; 550 5.1.1 User unknown"
    status.set_payload([per_message, per_recipient])
    report.attach(status)
    headers = (
        f"Return-Path: <{BUYER}>\nFrom: Anna Bauer <{BUYER}>\nTo: ordini@valvolebrianza.example\n"
        f"Cc: {recipient}\nSubject: {returned_subject}\nDate: Thu, 19 Nov 2026 10:30:00 +0000\n"
        f"Message-ID: {returned_id}\nMIME-Version: 1.0\n"
    )
    returned = MIMEText(headers, "rfc822-headers", "us-ascii")
    returned["Content-Description"] = "Undelivered Message Headers"
    report.attach(returned)
    report["Return-Path"] = "<>"
    report["From"] = "Mail Delivery System <MAILER-DAEMON@mx1.buyer.example>"
    report["To"] = BUYER
    report["Subject"] = "Undelivered Mail Returned to Sender"
    report["Date"] = format_datetime(received)
    report["Message-ID"] = "<20261124103102.7C2D41A0B3@mx1.buyer.example>"
    report["Auto-Submitted"] = "auto-replied"
    return report.as_bytes()


async def test_ndr_from_our_own_mail_system_is_about_the_returned_po(make_world: MakeWorld) -> None:
    reminder = "<po-7371.2@buyer.example>"
    first = with_(
        PO_7371,
        sent=[
            sent_email("<po-7371.1@buyer.example>", "2026-11-06 06:00", "Purchase order PO-7371"),
            sent_email(reminder, "2026-11-19 09:15", "Reminder: please confirm PO-7371"),
        ],
    )
    world = await make_world([NASHIK], [first, PO_7379])
    received = at("2026-11-20 09:20")
    raw = _exchange_ndr(received, reminder, "Reminder: please confirm PO-7371", "export@nashikforge.example")
    result = await world.email(raw, received)
    assert understanding(result).intent is Intent.BOUNCE
    assert matched(result) == ["PO-7371"]
    order = await world.po("PO-7371")
    assert order.exc_contact_bounced
    assert order.status == "sent"
    assert (await world.contact("email", "export@nashikforge.example")).bounced_at is not None
    assert result.escalation_ids
    await untouched(world, "PO-7379", result)


async def test_postfix_dsn_with_returned_headers_is_about_the_returned_po(make_world: MakeWorld) -> None:
    sent = "<po-7381.1@buyer.example>"
    first = with_(PO_7381, sent=[sent_email(sent, "2026-11-19 10:30", "Purchase order PO-7381")])
    world = await make_world([BRIANZA], [PO_7366, first])
    received = at("2026-11-24 10:31")
    raw = _postfix_dsn(received, sent, "Purchase order PO-7381", "m.rossi@valvole-brianza.example")
    result = await world.email(raw, received)
    assert understanding(result).intent is Intent.BOUNCE
    assert matched(result) == ["PO-7381"]
    assert (await world.po("PO-7381")).exc_contact_bounced
    assert result.escalation_ids
    await untouched(world, "PO-7366", result)


# ==============================================================================================
# what the vendor said


async def test_invoice_will_follow_does_not_make_a_delivery_an_invoice(make_world: MakeWorld) -> None:
    world = await make_world([HOLLAND], [PO_7377, PO_7385])
    body = (
        "Hi Anna,\n\nOur driver has delivered the 80 EUR pallets for order 7377 at your Leeds site, the CMR was "
        "signed by Mr. Patel. The invoice will follow by email.\n\nKind regards,\nJeroen Smit\n"
    )
    received = at("2026-11-27 12:00")
    result = await world.email(
        mail(sender=HOLLAND_SALES, subject="Delivery order 7377", body=body, cte="7bit", received=received), received
    )
    assert matched(result) == ["PO-7377"]
    assert understanding(result).intent is Intent.DELIVERED


@pytest.mark.parametrize(
    ("user", "text"),
    [
        (
            7770401,
            'Buongiorno Anna, le valvole 3/4" in ottone sono fuori produzione 😕 posso darvi la versione inox '
            "AISI 316 a 41 € cad invece di 30. PO 7366, va bene? se ok confermo subito",
        ),
        (
            7770502,
            "Anna, for PO7390 the JST PH connectors come in reel of 5000pcs, MOQ 1 reel. you order 3500pcs, "
            "can we change to 5000pcs? same unit price 0.031",
        ),
    ],
    ids=["substitution-and-price", "moq"],
)
async def test_substitution_price_or_moq_change_is_a_change_request(
    make_world: MakeWorld, user: int, text: str
) -> None:
    world = await make_world([BRIANZA, LUCKY], [PO_7366, PO_7381, PO_7390, PO_7394])
    result = await world.chat(user, text, at("2026-11-20 10:30"))
    assert understanding(result).intent is Intent.CHANGE_REQUEST
    assert len(matched(result)) == 1
    order = await world.po(matched(result)[0])
    assert order.status == "sent"
    assert order.eta is None
    assert result.escalation_ids


async def test_cancelling_one_line_is_a_cancellation_that_keeps_the_po_open(make_world: MakeWorld) -> None:
    world = await make_world([REACTIFS], [with_(PO_7345, vendor_reference="CDE-2611-0733"), PO_7362])
    body = (
        "Madame,\n\nNous sommes au regret de vous informer que nous ne pouvons pas livrer l'acide nitrique 65 % en "
        "flacon de 1 L de la commande CDE-2611-0733 : notre fabricant a arrêté ce conditionnement.\n\n"
        "Cette ligne est donc annulée. Le reste de la commande (éthanol) est maintenu.\n\nAvec nos excuses,\n"
    )
    received = at("2026-11-25 09:30")
    raw = mail(
        sender=REACTIFS_SALES,
        subject="Commande CDE-2611-0733 : annulation d'une ligne",
        body=body,
        received=received,
        cte="8bit",
    )
    result = await world.email(raw, received)
    assert matched(result) == ["PO-7345"]
    assert understanding(result).intent is Intent.CANCELLED
    assert (await world.po("PO-7345")).status == "sent"
    assert [e.reason for e in await escalations(world, result)] == ["cancellation"]


async def test_future_dispatch_is_not_yet_shipped(make_world: MakeWorld) -> None:
    world = await make_world([LEVANTE], [PO_7355, PO_7320])
    text = "Hi Anna 👋 the truck for 7355 loads tomorrow first thing, I'll send you the CMR when it leaves"
    result = await world.chat(7770301, text, at("2026-11-26 15:10"))
    assert matched(result) == ["PO-7355"]
    assert understanding(result).intent is Intent.CONFIRMED
    assert understanding(result).ship_date == date(2026, 11, 27)
    assert (await world.po("PO-7355")).status == "confirmed"


async def test_question_that_also_states_a_ship_date(make_world: MakeWorld) -> None:
    world = await make_world([BRIXTON], [PO_7301, PO_7342])
    body = (
        "Hi Anna,\n\nJust checking before the bolts go out next Tuesday with the rest of 7342 - the PO says deliver "
        "to Leeds but your email mentions the new Wakefield stores. Which address do you want?\n\nRegards,\nDan\n"
    )
    received = at("2026-11-27 13:30")  # a Friday
    result = await world.email(
        mail(sender=BRIXTON_SALES, subject="PO-7342 delivery address", body=body, received=received), received
    )
    assert matched(result) == ["PO-7342"]
    assert understanding(result).intent is Intent.QUESTION
    assert understanding(result).ship_date == date(2026, 12, 1)


async def test_question_that_implies_an_eta(make_world: MakeWorld) -> None:
    world = await make_world([CARTONES], [PO_12061, PO_12078])
    body = (
        "Hi Tom,\n\nFor the delivery of PO 12061 on Thursday, can you please confirm your receiving hours at the "
        "San Antonio plant and whether we need a dock appointment?\n\nThanks,\nRodrigo\n"
    )
    received = at("2026-11-30 15:00")  # a Monday
    result = await world.email(
        mail(sender=CARTONES_SALES, subject="PO 12061 - receiving hours", body=body, received=received), received
    )
    assert matched(result) == ["PO-12061"]
    assert understanding(result).intent is Intent.QUESTION
    assert understanding(result).eta == date(2026, 12, 3)


@pytest.mark.parametrize(
    ("sender", "number", "text", "eta"),
    [
        (
            BRIXTON_SALES,
            "PO-7301",
            "PO 7301 is confirmed - the washers are in stock but the bolts are still at the "
            "platers, so the earliest we can deliver is 09/12. Hope that's OK.",
            date(2026, 12, 9),
        ),
        (
            NASHIK_SALES,
            "PO-7371",
            "With reference to your PO No. 7371 dated 06.11.2026, we are pleased to confirm "
            "the order. Dispatch by air on 11.12.2026. Expected delivery at your plant: 15.12.2026. We regret we are "
            "not able to meet the requested date of 04.12.2026.",
            date(2026, 12, 15),
        ),
    ],
    ids=["uk", "india-requested-date-in-text"],
)
async def test_confirmation_with_a_later_date_than_requested(
    make_world: MakeWorld, sender: tuple[str, str], number: str, text: str, eta: date
) -> None:
    world = await make_world([BRIXTON, NASHIK], [PO_7301, PO_7342, PO_7371, PO_7379])
    received = at("2026-11-24 10:00")
    result = await world.email(
        mail(sender=sender, subject="Order confirmation", body=text + "\n", received=received), received
    )
    assert matched(result) == [number]
    # the dev labels accept either reading of "confirmed, but later than you asked"
    assert understanding(result).intent in (Intent.CONFIRMED, Intent.DELAYED)
    assert understanding(result).eta == eta
    order = await world.po(number)
    assert order.eta == eta
    assert order.exc_vendor_delay
    assert "date_later_than_promised" in [e.reason for e in await escalations(world, result)]


@pytest.mark.parametrize("status", ["received", "closed"])
async def test_invoice_for_a_received_or_closed_po_is_matched_and_changes_nothing(
    make_world: MakeWorld, status: str
) -> None:
    world = await make_world([BRIANZA], [with_(PO_7366, status=status), PO_7381])
    html = (
        "<html><body><p>Spett.le Buyer Manufacturing Ltd,</p><p>risulta ancora aperta la seguente fattura:</p>"
        "<table border='1'><tr><th>Fattura n.</th><th>Data</th><th>Vs. ordine</th><th>Importo</th>"
        "<th>Scadenza</th></tr>"
        "<tr><td>2026/3107</td><td>02/11/2026</td><td>PO-7366</td><td>&euro; 612,00</td><td>22/11/2026</td></tr>"
        "</table><p>Vi preghiamo di provvedere al saldo tramite bonifico.</p><p>Ufficio Amministrazione</p>"
        "</body></html>"
    )
    received = at("2026-11-25 11:00")
    raw = mail(
        sender=("Amministrazione Valvole Brianza", "amministrazione@valvolebrianza.example"),
        subject="Sollecito di pagamento - fattura n. 2026/3107 - Vs. ordine PO-7366",
        html=html,
        received=received,
        cte="quoted-printable",
        attachments=[("Fattura_2026-3107.pdf", "application", "pdf", b"%PDF-1.4\n%%EOF\n")],
    )
    result = await world.email(raw, received)
    assert matched(result) == ["PO-7366"]
    assert understanding(result).intent is Intent.INVOICE
    assert understanding(result).eta is None
    assert (await world.po("PO-7366")).status == status


async def test_remainder_shipped_on_a_partially_received_po(make_world: MakeWorld) -> None:
    world = await make_world([NORD], [with_(PO_7311, status="partially_received"), PO_7388])
    body = (
        "Dear Mrs Bauer,\n\nthe remaining quantity for your order 7311 was shipped today with GLS:\n\n"
        "60 pcs deep groove ball bearing 6307-2Z C3\n\nGLS parcel no.: 50412738472\n"
        "Delivery to the UK takes 3-4 working days.\n\nKind regards\nHeike Kröger\n"
    )
    received = at("2026-11-26 14:00")  # a Thursday
    result = await world.email(
        mail(sender=NORD_SALES, subject="Your order 7311 - remaining quantity", body=body, received=received), received
    )
    assert matched(result) == ["PO-7311"]
    assert understanding(result).intent is Intent.SHIPPED
    assert understanding(result).ship_date == date(2026, 11, 26)
    assert understanding(result).eta == date(2026, 12, 2)
    assert quantities(result) == {"PO-7311": {2: 60.0}}
    assert tracking(result) == ["50412738472"]
    assert understanding(result).carrier is Carrier.GLS


async def test_delivered_message_has_a_past_ship_date_and_no_eta(make_world: MakeWorld) -> None:
    world = await make_world([NASHIK], [with_(PO_7371, status="shipped"), PO_7379])
    body = (
        "Dear Sir,\n\nThis is with reference to your PO No. 7371 for 50 nos. Drive shaft DS-300, which was shipped "
        f"on 19.10.2026 from Nhava Sheva in container {spaced(MSC_BOX, [4, 6])} by MSC.\n\n"
        "As per MSC tracking, the container has been delivered at your Leeds warehouse. Kindly confirm the receipt "
        "of material in good condition.\n\nThanks & Regards,\nVikram Joshi\n"
    )
    received = at("2026-11-26 10:20")
    result = await world.email(
        mail(sender=NASHIK_SALES, subject="PO 7371 - delivery status", body=body, received=received), received
    )
    assert matched(result) == ["PO-7371"]
    assert understanding(result).intent in (Intent.DELIVERED, Intent.QUESTION)
    assert understanding(result).eta is None
    assert understanding(result).ship_date == date(2026, 10, 19)
    assert tracking(result) == [MSC_BOX]
    assert understanding(result).carrier is Carrier.MSC


@pytest.mark.xfail(
    strict=True,
    reason="quantities are {}: a confirmation stating 5000 pcs of a line ordered at 3500 ('noted 5000pcs "
    "connectors as agreed') does not report the changed line quantity (dev m102)",
)
async def test_confirmed_quantity_that_differs_from_the_po(make_world: MakeWorld) -> None:
    world = await make_world([LUCKY], [PO_7390, PO_7394])
    text = "Anna, PO7390 noted 5000pcs connectors as agreed 👍 ship together with the caps Dec 18 by sea"
    result = await world.chat(7770502, text, at("2026-11-30 05:30"))
    assert matched(result) == ["PO-7390"]
    assert understanding(result).intent is Intent.CONFIRMED
    assert quantities(result) == {"PO-7390": {2: 5000.0}}


async def test_production_date_is_not_a_ship_date(make_world: MakeWorld) -> None:
    world = await make_world([LUCKY], [PO_7390, PO_7394])
    text = "Hi Anna 😊 PO7394 confirmed! production finish Dec 14, we ship Dec 17 by air"
    result = await world.chat(7770501, text, at("2026-11-30 05:30"))
    assert matched(result) == ["PO-7394"]
    assert understanding(result).intent is Intent.CONFIRMED
    assert understanding(result).ship_date == date(2026, 12, 17)


@pytest.mark.parametrize(
    ("user", "text"),
    [
        (
            7770501,
            "Hi Anna, kindly note our factory will have Chinese New Year holiday from Feb 6 to Feb 21, 2027 🧧 "
            "pls place orders for Q1 early, thanks!",
        ),
        (7770701, "Feliz Día de Acción de Gracias Tom!! 🦃🙌 que lo disfruten con la familia"),
    ],
    ids=["holiday-dates", "greetings"],
)
async def test_holiday_notice_from_a_vendor_is_unrelated(make_world: MakeWorld, user: int, text: str) -> None:
    world = await make_world([LUCKY, CARTONES], [PO_7390, PO_7394, PO_12061, PO_12078])
    result = await world.chat(user, text, at("2026-11-21 12:40"))
    assert understanding(result).intent is Intent.UNRELATED
    assert matched(result) == []
    assert understanding(result).eta is None
    assert understanding(result).ship_date is None
    assert (await world.stored(result)).state == "ignored"


# ==============================================================================================
# dates


Who = int | tuple[str, str]


async def say(world: World, who: Who, text: str, received: datetime, subject: str = "Update") -> Any:
    """A chat message from a Telegram id, or a plain email from an address."""
    if isinstance(who, int):
        return await world.chat(who, text, received)
    return await world.email(mail(sender=who, subject=subject, body=text + "\n", received=received), received)


ALL_VENDORS = [BRIXTON, NORD, LEVANTE, BRIANZA, LUCKY, NASHIK, CARTONES, MIDWEST, REACTIFS, HOLLAND, MINHO]
ALL_POS = [
    PO_7301,
    PO_7342,
    PO_7311,
    PO_7388,
    PO_7355,
    PO_7320,
    PO_7366,
    PO_7381,
    PO_7390,
    PO_7394,
    PO_7371,
    PO_7379,
    PO_12061,
    PO_12078,
    PO_12044,
    PO_12051,
    PO_7345,
    PO_7362,
    PO_7377,
    PO_7385,
    PO_7330,
    PO_7336,
]


async def test_dates_in_the_quoted_history_are_not_read(make_world: MakeWorld) -> None:
    world = await make_world([NORD], [PO_7311, PO_7388])
    body = (
        "Sehr geehrte Frau Bauer,\n\nwir bestätigen Ihre Bestellung 7311. Anlieferung bei Ihnen: 02.12.2026.\n\n"
        "Mit freundlichen Grüßen\nHeike Kröger\n\n________________________________\n"
        "Von: Anna Bauer <anna.bauer@buyer.example>\nGesendet: Donnerstag, 12. November 2026 10:12\n"
        "An: vertrieb@waelzlager-nord.example\nBetreff: Purchase order PO-7311\n\n"
        "Dear Sir or Madam,\n\nPlease find attached our purchase order PO-7311 dated 12.11.2026.\n"
        "Requested delivery date: 09.12.2026\nPlease confirm the delivery date 09.12.2026 by return.\n"
    )
    received = at("2026-11-20 09:30")
    raw = mail(
        sender=NORD_SALES,
        subject="AW: Purchase order PO-7311",
        body=body,
        received=received,
        charset="iso-8859-1",
        cte="quoted-printable",
        crlf=True,
    )
    result = await world.email(raw, received)
    assert matched(result) == ["PO-7311"]
    assert understanding(result).intent is Intent.CONFIRMED
    assert understanding(result).eta == date(2026, 12, 2)
    assert (await world.po("PO-7311")).eta == date(2026, 12, 2)


@pytest.mark.parametrize(
    ("who", "text", "eta"),
    [
        (
            BRIANZA_SALES,
            "Buongiorno Anna,\n\nconfermiamo il Vs. ordine PO-7366 del 06/11/2026:\n- 40 pz valvola a "
            'sfera 3/4"\n\nConsegna prevista entro giovedì 10 dicembre, franco Vs. magazzino.',
            date(2026, 12, 10),
        ),
        (
            NORD_SALES,
            "Ihre Bestellung 7388 vom 10.11.2026 bestätigen wir gerne. Anlieferung: 03.12.2026.",
            date(2026, 12, 3),
        ),
        (
            LEVANTE_SALES,
            "Le escribo en relación con su pedido n.º 7355 del 04/11/2026: el precio de la chapa S355 "
            "sube a 1,12 €/kg. Le ruego nos dé su conformidad por escrito.",
            None,
        ),
    ],
    ids=["it", "de", "es-change-request"],
)
async def test_order_date_in_the_new_text_is_not_an_eta(
    make_world: MakeWorld, who: Who, text: str, eta: date | None
) -> None:
    world = await make_world(ALL_VENDORS, ALL_POS)
    result = await say(world, who, text, at("2026-11-20 12:20"), subject="Ordine / Bestellung / Pedido")
    assert len(matched(result)) == 1
    assert understanding(result).eta == eta


@pytest.mark.parametrize(
    ("who", "text", "ship"),
    [
        (
            7770201,
            "Moin Frau Bauer, die 22212 E für 7388 sind bei SKF momentan nicht lieferbar 😕 frühestens Mitte "
            "Januar. Melde mich sobald ich einen festen Termin hab",
            None,
        ),
        (
            NORD_SALES,
            "zu Ihrer Bestellung 7388 müssen wir leider mitteilen, dass die Lager derzeit nicht lieferbar "
            "sind. SKF nennt als voraussichtlichen Liefertermin ca. Mitte Januar 2027.",
            None,
        ),
        (
            MIDWEST_SALES,
            'Quick question on PO 12051 before I release it - Kennametal is out of the 3/8" end mills '
            "until mid-December. We have the Osborn equivalent in stock at $41.20. Substitute, or hold for Kennametal?",
            None,
        ),
        (
            NORD_SALES,
            "zu Ihrer Bestellung 7311 haben wir heute 80 Stück Rillenkugellager 6307-2Z an DHL übergeben. "
            "Die noch offenen Positionen liefern wir schnellstmöglich nach.",
            date(2026, 11, 24),
        ),
        (7770101, "yep 7342 on track 👍 part of it going out this week", None),
    ],
    ids=["mitte-januar", "ca-mitte-januar", "mid-december-stock", "schnellstmoeglich", "this-week"],
)
async def test_vague_date_gives_no_eta(make_world: MakeWorld, who: Who, text: str, ship: date | None) -> None:
    world = await make_world(ALL_VENDORS, ALL_POS)
    result = await say(world, who, text, at("2026-11-24 09:45"))
    assert len(matched(result)) == 1
    assert understanding(result).eta is None
    assert understanding(result).ship_date == ship


@pytest.mark.parametrize(
    ("who", "text", "ship", "eta"),
    [
        (7771001, "Bom dia Anna! A PO 7330 está confirmada, entrega dia 10/12 👍", None, date(2026, 12, 10)),
        (7770101, "po 7342 confirmed, earliest delivery 02/12 sorry", None, date(2026, 12, 2)),
        (
            7770701,
            "Buen día! sí, el 12061 sale el lunes 30 y llega a su planta el 3/12 🚚",
            date(2026, 11, 30),
            date(2026, 12, 3),
        ),
        (7770401, "ordine 7366 confermato, consegna il 14/12", None, date(2026, 12, 14)),
    ],
    ids=["pt", "gb", "mx", "it"],
)
async def test_numeric_date_is_day_first_outside_the_us(
    make_world: MakeWorld, who: Who, text: str, ship: date | None, eta: date
) -> None:
    world = await make_world(ALL_VENDORS, ALL_POS)
    result = await say(world, who, text, at("2026-11-21 15:15"))
    assert understanding(result).ship_date == ship
    assert understanding(result).eta == eta


@pytest.mark.parametrize(
    ("text", "ship", "eta"),
    [
        ("Tom - PO 12044 confirmed, Gates quotes delivery 12/03 to your dock.", None, date(2026, 12, 3)),
        (
            "Tom - bad news on P.O. #12051, Kennametal pushed the ship date on the end mills to 12/10.",
            date(2026, 12, 10),
            None,
        ),
    ],
    ids=["eta", "ship-date"],
)
async def test_us_vendor_numeric_date_is_month_first(
    make_world: MakeWorld, text: str, ship: date | None, eta: date | None
) -> None:
    world = await make_world([MIDWEST], [PO_12044, PO_12051])
    result = await say(world, MIDWEST_SALES, text, at("2026-11-24 18:30"))
    assert understanding(result).ship_date == ship
    assert understanding(result).eta == eta


@pytest.mark.parametrize(
    ("who", "text", "field", "day"),
    [
        (7770101, "morning anna 👍 yes po 7342 is fine, will dispatch the lot wk 50", "ship_date", date(2026, 12, 11)),
        (
            REACTIFS_SALES,
            "Concernant votre commande n° 7362 : suite à une rupture de stock chez notre fournisseur, "
            "la livraison de l'acétone est désormais prévue en semaine 51.",
            "eta",
            date(2026, 12, 18),
        ),
        (7771001, "Bom dia! a PO 7330 segue na semana 50 👍", "ship_date", date(2026, 12, 11)),
        (
            NORD_SALES,
            "leider verzögert sich Ihre Bestellung 7388. Neuer Liefertermin (Anlieferung bei Ihnen): KW 51.",
            "eta",
            date(2026, 12, 18),
        ),
        (LEVANTE_SALES, "Su pedido 7320 saldrá de fábrica en la semana 49.", "ship_date", date(2026, 12, 4)),
    ],
    ids=["wk-en", "semaine-fr", "semana-pt", "kw-de", "semana-es"],
)
async def test_calendar_week_means_its_friday(
    make_world: MakeWorld, who: Who, text: str, field: str, day: date
) -> None:
    world = await make_world(ALL_VENDORS, ALL_POS)
    result = await say(world, who, text, at("2026-11-24 11:00"))
    assert getattr(understanding(result), field) == day


@pytest.mark.parametrize(
    ("who", "text", "received", "ship", "eta"),
    [
        (
            LUCKY_SALES,
            f"Your order PO#7390 has been shipped by DHL express today.\nAWB no.: {spaced(DHL_EXPRESS, [2, 4, 4])}"
            "\nEstimated arrive your side in 2-4 working days.",
            "2026-11-23 02:00",
            date(2026, 11, 23),
            date(2026, 11, 27),
        ),
        (
            LEVANTE_SALES,
            "La mercancía del pedido 7355 saldrá de nuestra fábrica el martes 1 de diciembre. El plazo de "
            "transporte hasta Leeds es de 3-4 días laborables.",
            "2026-11-24 09:00",
            date(2026, 12, 1),
            date(2026, 12, 7),
        ),
    ],
    ids=["shipped-today", "ship-date-plus-transit"],
)
async def test_working_days_range_gives_its_latest_day(
    make_world: MakeWorld, who: Who, text: str, received: str, ship: date, eta: date
) -> None:
    world = await make_world(ALL_VENDORS, ALL_POS)
    result = await say(world, who, text, at(received))
    assert understanding(result).ship_date == ship
    assert understanding(result).eta == eta


async def test_next_working_day_after_a_friday_is_monday(make_world: MakeWorld) -> None:
    world = await make_world([BRIXTON], [with_(PO_7342, vendor_reference="SO-55210"), PO_7301])
    body = (
        "DESPATCH NOTE DN-71388\n\nCustomer:        Buyer Manufacturing Ltd\nSales order:     SO-55210\n"
        "Despatch date:   27/11/2026\nCarrier:         DPD UK - Next Day\nConsignment:     1550 2231 4478 16\n\n"
        "Delivery is expected on the next working day.\n"
    )
    received = at("2026-11-27 09:10")
    raw = mail(
        sender=("Brixton Despatch", "despatch@brixton-fixings.example"),
        subject="Despatch Note DN-71388 - Sales Order SO-55210",
        body=body,
        received=received,
    )
    result = await world.email(raw, received)
    assert matched(result) == ["PO-7342"]
    assert understanding(result).ship_date == date(2026, 11, 27)
    assert understanding(result).eta == date(2026, 11, 30)
    assert tracking(result) == ["15502231447816"]
    assert understanding(result).carrier is Carrier.DPD


@pytest.mark.parametrize(
    ("who", "text", "received", "field", "day"),
    [
        (
            7770101,
            "morning anna, yes thats fine for 7342, all in stock. will get it out to you monday",
            "2026-11-21 08:30",
            "ship_date",
            date(2026, 11, 23),
        ),
        (
            7770801,
            f"Hi Tom, PO 12044 shipped complete 👍 UPS {spaced(UPS_1, [2, 3, 3, 2, 4])}, should be there friday",
            "2026-11-24 15:00",
            "eta",
            date(2026, 11, 27),
        ),
    ],
    ids=["monday-said-on-saturday", "friday-said-on-tuesday"],
)
async def test_weekday_name_is_the_coming_such_day(
    make_world: MakeWorld, who: Who, text: str, received: str, field: str, day: date
) -> None:
    world = await make_world(ALL_VENDORS, ALL_POS)
    result = await say(world, who, text, at(received))
    assert getattr(understanding(result), field) == day


@pytest.mark.parametrize(
    ("who", "text", "received"),
    [
        (
            LUCKY_SALES,
            f"Dear Anna,\n\nYour order PO#7394 has been shipped by DHL express today, AWB {DHL_EXPRESS}.",
            "2026-11-29 23:30",
        ),
        (
            MIDWEST_SALES,
            f"Hi Tom,\n\nPO 12051 shipped today via FedEx, tracking {spaced(FEDEX_12, [4, 4, 4])}.",
            "2026-12-01 03:00",
        ),
        (
            CARTONES_SALES,
            "Estimado Tom:\n\nSu pedido 12061 fue embarcado el día de hoy vía Paquetexpress.",
            "2026-12-01 04:10",
        ),
    ],
    ids=["sunday-utc-monday-in-shanghai", "evening-in-chicago", "evening-in-monterrey"],
)
async def test_today_is_the_vendors_local_date(make_world: MakeWorld, who: Who, text: str, received: str) -> None:
    world = await make_world(ALL_VENDORS, ALL_POS)
    result = await say(world, who, text, at(received))
    assert understanding(result).intent is Intent.SHIPPED
    assert understanding(result).ship_date == date(2026, 11, 30)


@pytest.mark.parametrize(
    ("who", "text"),
    [
        (
            LUCKY_SALES,
            f"Dear Anna,\n\nPls be informed the container with your goods for PO-7390 has sailed today from "
            f"Yantian port.\n\nContainer No.: {spaced(MAERSK_BOX, [4, 6])}\nShipping line: Maersk\n"
            "Estimated delivery to your Leeds warehouse: Jan 6 (DDP, after customs clearance)",
        ),
        (7770701, "Tom, ok with option 2 (double wall) the boxes for 12061 deliver on Jan 6, already scheduled ✅"),
    ],
    ids=["shipped", "agreed-later-date"],
)
async def test_date_without_a_year_rolls_into_next_year(make_world: MakeWorld, who: Who, text: str) -> None:
    world = await make_world(ALL_VENDORS, ALL_POS)
    result = await say(world, who, text, at("2026-11-27 03:00"))
    assert understanding(result).eta == date(2027, 1, 6)


async def test_end_of_the_month_is_its_last_day(make_world: MakeWorld) -> None:
    world = await make_world([MIDWEST], [PO_12044, PO_12051])
    text = "hi Tom! heads up the end mills for 12051 are backordred at our DC 😩 should ship by end of the month"
    result = await world.chat(7770801, text, at("2026-11-23 18:20"))
    assert matched(result) == ["PO-12051"]
    assert understanding(result).intent is Intent.DELAYED
    assert understanding(result).ship_date == date(2026, 11, 30)


async def test_ordinal_ship_date_above_a_sent_from_my_iphone_footer(make_world: MakeWorld) -> None:
    first = with_(
        PO_12044, sent=[sent_email("<po-12044.1@buyer.example>", "2026-11-20 08:55", "Purchase order PO-12044")]
    )
    world = await make_world([MIDWEST], [first, PO_12051])
    quote = (
        "Hello,\n\nPlease find attached our purchase order PO-12044 dated 11/10/2026.\n"
        "Requested delivery date: 12/11/2026"
    )
    body = (
        "Tom - got the PO for the belts, confirmed. Gates has them in stock, we'll ship December 9th.\n\nKyle\n\n"
        "Sent from my iPhone\n\n"
        + quoted("On Nov 20, 2026, at 2:55 AM, Tom Reed <tom.reed@buyer.example> wrote:\n\n" + quote)
    )
    received = at("2026-11-23 15:00")
    raw = mail(
        sender=MIDWEST_SALES,
        subject="Re: Purchase order PO-12044",
        body=body,
        received=received,
        in_reply_to="<po-12044.1@buyer.example>",
        headers=[("X-Mailer", "iPhone Mail (22B91)")],
    )
    result = await world.email(raw, received)
    assert matched(result) == ["PO-12044"]
    assert understanding(result).intent is Intent.CONFIRMED
    assert understanding(result).ship_date == date(2026, 12, 9)
    assert understanding(result).eta is None


@pytest.mark.parametrize(
    ("who", "text", "field", "day"),
    [
        (
            ("Verpakking Holland B.V.", "verkoop@verpakkingholland.example"),
            "De leverdatum van onderstaande order is gewijzigd.\n\nUw ordernummer:     PO-007385\n"
            "Oude leverdatum:    2026-12-09\nNieuwe leverdatum:  2026-12-16\n"
            "Reden:              vertraging bij leverancier",
            "eta",
            date(2026, 12, 16),
        ),
        (
            MINHO_SALES,
            "Bom dia Anna,\n\nconseguimos recuperar parte do atraso. As flanges FL-100 da encomenda 7336 "
            "seguem afinal no dia 15/12 e não a 18/12.",
            "ship_date",
            date(2026, 12, 15),
        ),
    ],
    ids=["iso-old-and-new", "pt-new-not-old"],
)
async def test_the_new_date_counts_over_the_old_one(
    make_world: MakeWorld, who: Who, text: str, field: str, day: date
) -> None:
    world = await make_world(ALL_VENDORS, ALL_POS)
    result = await say(world, who, text, at("2026-11-30 10:30"))
    assert len(matched(result)) == 1
    assert getattr(understanding(result), field) == day


@pytest.mark.parametrize(
    ("who", "text"),
    [
        (
            ("Midwest Motion Billing", "billing@midwestmotion.example"),
            "Hello Tom,\n\nThank you for your business! Your invoice is attached.\n\nInvoice #:      INV-90144\n"
            "Customer PO:    12044\nInvoice date:   11/30/2026\nAmount due:     $642.50\n"
            "Due date:       12/30/2026 (Net 30)",
        ),
        (
            ("Wälzlager Nord - Buchhaltung", "buchhaltung@waelzlager-nord.example"),
            "please find attached our invoice no. 2026-120931 dated 30.11.2026 for your order 7311.\n\n"
            "Amount: EUR 1,480.00\nDue date: 30.12.2026",
        ),
    ],
    ids=["us", "de"],
)
async def test_invoice_due_date_is_not_an_eta(make_world: MakeWorld, who: Who, text: str) -> None:
    world = await make_world(ALL_VENDORS, ALL_POS)
    result = await say(world, who, text, at("2026-11-30 17:00"), subject="Invoice")
    assert len(matched(result)) == 1
    assert understanding(result).intent is Intent.INVOICE
    assert understanding(result).eta is None
    assert understanding(result).ship_date is None


@pytest.mark.parametrize(
    ("who", "text"),
    [
        (
            7770601,
            "Sir, for PO 7379 can we send by sea instead of air? air freight has become too costly. material "
            "will reach you approx Jan 12 then. pls advise 🙏",
        ),
        (7770401, "ciao Anna, ok per la versione inox del PO 7366? se mi confermi entro oggi le spediamo venerdì"),
    ],
    ids=["approx-if-by-sea", "ship-friday-if-confirmed"],
)
async def test_conditional_date_is_not_a_date(make_world: MakeWorld, who: Who, text: str) -> None:
    world = await make_world(ALL_VENDORS, ALL_POS)
    result = await say(world, who, text, at("2026-11-26 05:30"))
    assert len(matched(result)) == 1
    assert understanding(result).intent in (Intent.CHANGE_REQUEST, Intent.QUESTION)
    assert understanding(result).eta is None
    assert understanding(result).ship_date is None


async def test_lead_time_offered_for_a_new_order_is_not_an_eta(make_world: MakeWorld) -> None:
    world = await make_world([LUCKY], [PO_7390, PO_7394])
    text = (
        "Dear Anna,\n\nAs the panel factory stopped the old model, we are sorry we have to cancel your PO-7394.\n"
        "If you want the new model LC-TFT28-7789 pls send new PO, we can offer 1000pcs at USD 5.10, lead time 35 days."
    )
    result = await say(world, LUCKY_SALES, text, at("2026-11-27 09:00"), subject="RE: Purchase order PO-7394")
    assert matched(result) == ["PO-7394"]
    assert understanding(result).intent is Intent.CANCELLED
    assert understanding(result).eta is None
    assert understanding(result).ship_date is None


@pytest.mark.parametrize(
    ("who", "text", "day"),
    [
        (
            MINHO_SALES,
            "Bom dia Anna,\n\nLamentamos informar que a encomenda 7336 vai sofrer um atraso: tivemos uma "
            "avaria no forno.\n\nNova data de expedição: 21 de dezembro.",
            date(2026, 12, 21),
        ),
        (
            MIDWEST_SALES,
            "Tom - bad news on P.O. #12051, Kennametal pushed the ship date on the end mills to 12/16. "
            "Sorry, out of my hands.",
            date(2026, 12, 16),
        ),
    ],
    ids=["pt", "us"],
)
async def test_new_ship_date_is_not_an_eta(make_world: MakeWorld, who: Who, text: str, day: date) -> None:
    world = await make_world(ALL_VENDORS, ALL_POS)
    result = await say(world, who, text, at("2026-11-25 10:15"))
    assert understanding(result).intent is Intent.DELAYED
    assert understanding(result).ship_date == day
    assert understanding(result).eta is None


async def test_eta_of_the_shipped_goods_not_of_the_backorder(make_world: MakeWorld) -> None:
    world = await make_world([REACTIFS], [PO_7345, PO_7362])
    body = (
        "Bonjour Madame Bauer,\n\nVotre commande n° 7362 a été expédiée ce jour par TNT Express : 30 bidons "
        "d'isopropanol 99,9 % 2,5 L.\nN° de suivi : 704 182 402\nLivraison prévue le lundi 30 novembre.\n\n"
        "Comme indiqué, l'acétone suivra en semaine 50.\n\nCordialement,\n"
    )
    received = at("2026-11-26 13:00")
    result = await world.email(
        mail(
            sender=REACTIFS_SALES,
            subject="Expédition commande 7362",
            body=body,
            received=received,
            subject_charset="utf-8-q",
        ),
        received,
    )
    assert matched(result) == ["PO-7362"]
    assert understanding(result).intent is Intent.SHIPPED
    assert understanding(result).ship_date == date(2026, 11, 26)
    assert understanding(result).eta == date(2026, 11, 30)
    assert tracking(result) == ["704182402"]
    assert understanding(result).carrier is Carrier.TNT


async def test_rescheduled_delivery_without_a_stated_reason_is_a_delay(make_world: MakeWorld) -> None:
    world = await make_world([REACTIFS], [PO_7345, PO_7362])
    text = (
        "Concernant votre commande n° 7362 : la livraison de l'acétone est désormais prévue en semaine 51. "
        "L'isopropanol reste livrable comme prévu."
    )
    result = await say(world, REACTIFS_SALES, text, at("2026-11-24 11:00"))
    assert matched(result) == ["PO-7362"]
    assert understanding(result).intent is Intent.DELAYED
    assert understanding(result).eta == date(2026, 12, 18)


# ==============================================================================================
# quantities


@pytest.mark.parametrize(
    "line_text",
    [
        "- 2.500 kg de chapa DC04",
        pytest.param(
            "- Chapa DC04 1,5 x 1250 x 2500 mm: 2.500 kg",
        ),
    ],
    ids=["plain", "after-dimensions"],
)
async def test_thousands_separator_in_a_quantity(make_world: MakeWorld, line_text: str) -> None:
    world = await make_world([LEVANTE], [PO_7355, PO_7320])
    text = (
        f"Buenos días Anna,\n\nhoy hemos enviado una entrega parcial del pedido 7355:\n\n{line_text}\n\n"
        "El resto (3.500 kg y la chapa S355) sale la semana que viene."
    )
    result = await say(world, LEVANTE_SALES, text, at("2026-11-24 09:00"), subject="Envío parcial")
    assert matched(result) == ["PO-7355"]
    assert understanding(result).intent is Intent.SHIPPED
    assert quantities(result) == {"PO-7355": {1: 2500.0}}


@pytest.mark.parametrize(
    "table",
    [
        "Pos. 1   Rillenkugellager 6206-2RS C3   150 Stück\nPos. 2   Rillenkugellager 6307-2Z C3     80 Stück",
        "Pos  Artikel       Bezeichnung                    Menge\n"
        "10   6206-2RS C3   Rillenkugellager 6206-2RS C3   150 St\n"
        "20   6307-2Z C3    Rillenkugellager 6307-2Z C3     80 St",
    ],
    ids=["positions-1-2", "sap-positions-10-20"],
)
async def test_vendor_positions_map_to_po_lines(make_world: MakeWorld, table: str) -> None:
    world = await make_world([NORD], [PO_7311, PO_7388])
    text = (
        f"vielen Dank für Ihre Bestellung 7311, die wir hiermit gerne bestätigen:\n\n{table}\n\n"
        "Anlieferung: 03.12.2026."
    )
    result = await say(world, NORD_SALES, text, at("2026-11-20 09:30"), subject="Auftragsbestätigung")
    assert matched(result) == ["PO-7311"]
    assert understanding(result).intent is Intent.CONFIRMED
    assert quantities(result) == {"PO-7311": {1: 150.0, 2: 80.0}}
    assert understanding(result).eta == date(2026, 12, 3)


async def test_partial_shipment_by_line_with_a_vague_date_for_the_balance(make_world: MakeWorld) -> None:
    world = await make_world([NASHIK], [PO_7371, PO_7379])
    text = (
        "Good morning sir 🙏 Against PO 7379, 40 nos gear blanks GB-80 dispached today by FedEx, AWB "
        f"{spaced(FEDEX_12, [4, 4, 4])}. balance 40 nos + bushes next week"
    )
    result = await world.chat(7770601, text, at("2026-11-27 04:30"))
    assert matched(result) == ["PO-7379"]
    assert understanding(result).intent is Intent.SHIPPED
    assert quantities(result) == {"PO-7379": {1: 40.0}}
    assert understanding(result).ship_date == date(2026, 11, 27)
    assert understanding(result).eta is None
    assert tracking(result) == [FEDEX_12]
    order = await world.po("PO-7379")
    assert order.status == "shipped"
    assert [float(x.quantity_shipped) for x in sorted(order.lines, key=lambda x: x.line_no)] == [40.0, 0.0]


@pytest.mark.parametrize(
    ("who", "number", "text", "expected"),
    [
        (
            ("Midwest Motion - Shipping", "shipping@midwestmotion.example"),
            "PO-12044",
            "SHIPMENT CONFIRMATION\n\nCustomer PO#:   0012044\nShip Date:      11/30/2026\nCarrier:        UPS Ground\n"
            f"Tracking #:     {UPS_2}\n\n"
            "Line  Item        Description                     Ordered  Shipped  Backordered\n"
            "1     GAT-B52     V-Belt B52 Gates Hi-Power II        20       20            0\n"
            "3     MOB-DTE24   Mobil DTE 24, 5 gal                  4        4            0",
            {1: 20.0, 3: 4.0},
        ),
        (
            ("Brixton Despatch", "despatch@brixton-fixings.example"),
            "PO-7301",
            "DESPATCH NOTE DN-71402\n\nYour order:      PO-7301\nDespatch date:   30/11/2026\n\n"
            "Line  Item      Description                          Ordered  Despatched  Outstanding\n"
            "1     BF-1060   Hex bolt M10x60 8.8 zinc plated         800         500          300\n"
            "2     BF-W10    Flat washer M10 DIN 125                1600        1600            0",
            {1: 500.0, 2: 1600.0},
        ),
    ],
    ids=["shipped-column", "despatched-column"],
)
async def test_shipment_table_gives_quantities_per_line(
    make_world: MakeWorld, who: Who, number: str, text: str, expected: dict[int, float]
) -> None:
    world = await make_world(ALL_VENDORS, ALL_POS)
    result = await say(world, who, text, at("2026-11-30 20:00"), subject="Shipment confirmation")
    assert matched(result) == [number]
    assert understanding(result).intent is Intent.SHIPPED
    assert quantities(result) == {number: expected}


# ==============================================================================================
# tracking numbers and carriers


@pytest.mark.parametrize(
    ("written", "number", "carrier"),
    [
        (f"UPS {spaced(UPS_1, [2, 3, 3, 2, 4])}", UPS_1, Carrier.UPS),
        (f"FedEx tracking {spaced(FEDEX_12, [4, 4, 4])}", FEDEX_12, Carrier.FEDEX),
        (f"DHL Express AWB {spaced(DHL_EXPRESS, [2, 4, 4])}", DHL_EXPRESS, Carrier.DHL),
        (f"DHL Paket, Sendungsnummer {spaced(DHL_PAKET_1, [4] * 5)}", DHL_PAKET_1, Carrier.DHL),
        (f"USPS Priority Mail, tracking {spaced(USPS_22, [4, 4, 4, 4, 4])}", USPS_22, Carrier.USPS),
        ("TNT Express, n° de suivi 704 182 402", "704182402", Carrier.TNT),
        (f"Royal Mail Tracked 48, tracking {spaced(ROYAL_MAIL, [2, 4, 4, 3])}", ROYAL_MAIL, Carrier.ROYAL_MAIL),
        (f"container {spaced(MAERSK_BOX, [4, 6])} on MAERSK EDINBURGH", MAERSK_BOX, Carrier.MAERSK),
        ("DPD, consignment 1550 2231 4478 16", "15502231447816", Carrier.DPD),
    ],
    ids=["ups-1z", "fedex-12", "dhl-awb", "dhl-paket-20", "usps-22", "tnt-9", "royal-mail-s10", "container", "dpd-14"],
)
async def test_tracking_number_written_with_spaces(
    make_world: MakeWorld, written: str, number: str, carrier: Carrier
) -> None:
    world = await make_world([BRIXTON], [PO_7301, PO_7342])
    result = await say(
        world, BRIXTON_SALES, f"Hi Anna,\n\nPO 7342 went out today, {written}.\n\nDan", at("2026-11-24 15:00")
    )
    assert matched(result) == ["PO-7342"]
    assert tracking(result) == [number]
    assert understanding(result).carrier is carrier


async def test_two_tracking_numbers_for_one_partial_shipment(make_world: MakeWorld) -> None:
    world = await make_world([HOLLAND], [PO_7377, PO_7385])
    text = (
        "Hoi Anna,\n\nDe stretchfolie voor order 7385 (40 rollen) is vandaag met DPD verzonden, 2 colli:\n"
        "05214719820392\n05214719820408\n\nLevering morgen. De tape volgt apart.\n\nGroet,\nJeroen"
    )
    result = await say(world, HOLLAND_SALES, text, at("2026-11-23 13:20"), subject="Re: Purchase order PO-7385")
    assert matched(result) == ["PO-7385"]
    assert understanding(result).intent is Intent.SHIPPED
    assert sorted(tracking(result)) == ["05214719820392", "05214719820408"]
    assert understanding(result).carrier is Carrier.DPD
    assert understanding(result).ship_date == date(2026, 11, 23)
    assert understanding(result).eta == date(2026, 11, 24)
    assert quantities(result) == {"PO-7385": {1: 40.0}}


@pytest.mark.parametrize(
    ("who", "text", "intent", "carrier"),
    [
        (
            MIDWEST_SALES,
            "Tom,\n\nFedEx shows SO-771212 was delivered to your receiving dock, signed by R. DIAZ. Let me "
            "know if anything's short or damaged.\n\nKyle",
            Intent.DELIVERED,
            Carrier.FEDEX,
        ),
        pytest.param(
            LEVANTE_SALES,
            "Buenos días Anna,\n\nel camión de Transportes Turia con su pedido 7320 ha cargado esta "
            "mañana en nuestras instalaciones. Entrega prevista el martes 1 de diciembre.",
            Intent.SHIPPED,
            Carrier.OTHER,
        ),
        pytest.param(
            LEVANTE_SALES,
            "Buenos días Anna,\n\nel camión con su pedido 7320 ha salido hoy de nuestras instalaciones "
            "con nuestro transportista habitual. Entrega prevista el martes 1 de diciembre.",
            Intent.SHIPPED,
            Carrier.OTHER,
        ),
    ],
    ids=["fedex-delivered", "named-trucking-company", "our-usual-haulier"],
)
async def test_carrier_named_without_a_tracking_number(
    make_world: MakeWorld, who: Who, text: str, intent: Intent, carrier: Carrier
) -> None:
    world = await make_world(
        [MIDWEST, LEVANTE],
        [with_(PO_12044, vendor_reference="SO-771212", status="shipped"), PO_12051, PO_7355, PO_7320],
    )
    result = await say(world, who, text, at("2026-11-27 10:30"))
    assert len(matched(result)) == 1
    assert understanding(result).intent is intent
    assert tracking(result) == []
    assert understanding(result).carrier is carrier


async def test_unlisted_carrier_with_a_number_is_other(make_world: MakeWorld) -> None:
    world = await make_world([CARTONES], [PO_12061, PO_12078])
    html = (
        "<html><head><meta http-equiv='Content-Type' content='text/html; charset=windows-1252'></head><body>"
        "<p>Estimado Tom:</p><p>Le informamos que su pedido <b>12061</b> fue embarcado el día de hoy vía "
        "<b>Paquetexpress</b> (servicio terrestre).</p><p>Número de guía: <b>8031 5520 7719 0426 1183 52</b><br>"
        "Entrega estimada: 2 a 3 días hábiles.</p><p>Saludos cordiales,<br>Rodrigo Garza<br>"
        "Av. de las Industrias 12061, Apodaca, N.L.</p></body></html>"
    )
    received = at("2026-11-30 22:10")
    raw = mail(
        sender=CARTONES_SALES,
        subject="Confirmación de embarque - pedido 12061",
        html=html,
        received=received,
        charset="windows-1252",
        cte="base64",
        subject_charset="utf-8-b",
    )
    result = await world.email(raw, received)
    assert matched(result) == ["PO-12061"]
    assert understanding(result).intent is Intent.SHIPPED
    assert tracking(result) == ["8031552077190426118352"]
    assert understanding(result).carrier is Carrier.OTHER
    assert understanding(result).ship_date == date(2026, 11, 30)
    assert understanding(result).eta == date(2026, 12, 3)


# ==============================================================================================
# charsets, HTML, mail clients


@pytest.mark.parametrize(
    ("sender", "subject", "charset", "body", "number"),
    [
        (
            NORD_SALES,
            "Lieferverzögerung Bestellung 7311",
            "iso-8859-1",
            "leider verzögert sich die Lieferung um eine Woche, neuer Liefertermin: 11.12.2026.",
            "PO-7311",
        ),
        (
            LEVANTE_SALES,
            "Pedido 7355 – revisión de precio",
            "windows-1252",
            "el precio de la chapa S355 sube a 1,12 €/kg. ¿Nos da su conformidad por escrito?",
            "PO-7355",
        ),
        (
            MINHO_SALES,
            "Encomenda 7336 – atraso na expedição",
            "utf-8-b",
            "Lamentamos o atraso. Nova data de expedição: 21 de dezembro.",
            "PO-7336",
        ),
        (
            REACTIFS_SALES,
            "Commande 7345 : expédiée aujourd'hui",
            "utf-8-q",
            "Bonjour, la marchandise est partie ce jour par TNT Express.",
            "PO-7345",
        ),
        (BRIXTON_SALES, "📦 PO 7342 on its way", "utf-8-b", "Hi Anna, it went out today with DPD.", "PO-7342"),
    ],
    ids=["iso-8859-1", "windows-1252", "utf-8-b", "utf-8-q", "emoji"],
)
async def test_encoded_word_subject_is_decoded_and_names_the_po(
    make_world: MakeWorld, sender: tuple[str, str], subject: str, charset: str, body: str, number: str
) -> None:
    world = await make_world(ALL_VENDORS, ALL_POS)
    received = at("2026-11-25 10:15")
    raw = mail(sender=sender, subject=subject, body=body + "\n", received=received, subject_charset=charset)
    assert b"=?" in raw  # the subject really is an encoded word on the wire
    result = await world.email(raw, received)
    assert (await world.stored(result)).subject == subject
    assert matched(result) == [number]


@pytest.mark.parametrize(
    ("sender", "charset", "cte", "body", "intent", "word"),
    [
        (
            NORD_SALES,
            "iso-8859-1",
            "quoted-printable",
            "Sehr geehrte Frau Bauer,\n\nwir bestätigen Ihre Bestellung 7388. Anlieferung bei Ihnen: 03.12.2026 "
            "(frei Haus).\n\nMit freundlichen Grüßen\nHeike Kröger",
            Intent.CONFIRMED,
            "Grüßen",
        ),
        (
            LEVANTE_SALES,
            "windows-1252",
            "quoted-printable",
            "Estimada Anna:\n\nLe escribo en relación con su pedido 7320: el precio del redondo C45 sube a "
            "1,12 €/kg en "
            "lugar de 1,04 €/kg. Le ruego nos dé su conformidad.\n\nUn saludo,\nLucía Navarro",
            Intent.CHANGE_REQUEST,
            "€/kg",
        ),
        (
            ("Comptabilité", "compta@laboreactifs.example"),
            "utf-8",
            "base64",
            "Madame,\n\nVeuillez trouver ci-joint notre facture FA-26-20588 relative à votre commande n° 7345.\n"
            "Échéance : 45 jours fin de mois.\n\nService comptabilité",
            Intent.INVOICE,
            "Échéance",
        ),
    ],
    ids=["iso-8859-1-qp", "windows-1252-euro", "utf-8-base64"],
)
async def test_body_in_a_legacy_charset_or_transfer_encoding_is_read(
    make_world: MakeWorld, sender: tuple[str, str], charset: str, cte: str, body: str, intent: Intent, word: str
) -> None:
    world = await make_world(ALL_VENDORS, ALL_POS)
    received = at("2026-11-20 10:05")
    raw = mail(
        sender=sender,
        subject="Ihre Bestellung / Su pedido / Votre commande",
        body=body + "\n",
        received=received,
        charset=charset,
        cte=cte,
    )
    assert word.encode("utf-8") not in raw  # on the wire only in its own encoding
    result = await world.email(raw, received)
    assert word in ((await world.stored(result)).body_text or "")
    assert len(matched(result)) == 1
    assert understanding(result).intent is intent


async def test_gb2312_base64_body_with_a_foxmail_quote(make_world: MakeWorld) -> None:
    first = with_(PO_7394, sent=[sent_email("<po-7394.1@buyer.example>", "2026-11-19 07:15", "Purchase order PO-7394")])
    world = await make_world([LUCKY], [PO_7390, first])
    body = (
        "Dear Anna,\n\n您好！Thanks for your PO-7394.\n\nSorry to inform that the 2.8 inch LCD module LC-TFT28-9341 is "
        "EOL from the panel factory.\nWe suggest the replacement LC-TFT28-7789, same outline, price USD 5.10/pc (old "
        "USD 4.85/pc), MOQ 1000pcs (your PO is 600pcs).\n\nPls kindly confirm if acceptable, then we send PI.\n\n"
        "Best regards\nGrace Wu\n\n------------------ Original ------------------\n"
        'From:  "Anna Bauer"<anna.bauer@buyer.example>;\nDate:  Thu, Nov 19, 2026 03:15 PM\n'
        'To:  "sales"<sales@luckycircuits.example>;\nSubject:  Purchase order PO-7394\n\n'
        "Please find attached our purchase order PO-7394 dated 19.11.2026, and a reminder for PO-7390.\n"
        "Requested delivery date: 04.12.2026\n"
    )
    received = at("2026-11-20 10:40")
    raw = mail(
        sender=LUCKY_SALES,
        subject="RE: Purchase order PO-7394",
        body=body,
        received=received,
        charset="gb2312",
        cte="base64",
        in_reply_to="<po-7394.1@buyer.example>",
        headers=[("X-Mailer", "Foxmail 7.2.25.375[cn]")],
    )
    result = await world.email(raw, received)
    stored = await world.stored(result)
    assert "您好" in (stored.body_text or "")
    assert "Requested delivery date" not in (stored.body_text or "")
    assert matched(result) == ["PO-7394"]
    assert understanding(result).intent is Intent.CHANGE_REQUEST
    await untouched(world, "PO-7390", result)


async def test_html_only_order_confirmation_table(make_world: MakeWorld) -> None:
    world = await make_world([HOLLAND], [PO_7377, PO_7385])
    html = (
        "<html><head><meta http-equiv='Content-Type' content='text/html; charset=utf-8'></head><body>"
        "<p>Geachte heer/mevrouw,</p><p>Hierbij bevestigen wij de volgende order:</p>"
        "<table border='1'><tr><td><b>Ons ordernummer</b></td><td>2026-09120</td></tr>"
        "<tr><td><b>Uw ordernummer</b></td><td>PO7385</td></tr>"
        "<tr><td><b>Orderdatum</b></td><td>19-11-2026</td></tr>"
        "<tr><td><b>Leverdatum</b></td><td>woensdag 9 december 2026</td></tr></table>"
        "<table border='1'><tr><th>Artikel</th><th>Omschrijving</th><th>Aantal</th></tr>"
        "<tr><td>SF-23-500</td><td>Stretchfolie 23 my 500 mm</td><td>40 rollen</td></tr>"
        "<tr><td>TP-50-66</td><td>Verpakkingstape PP 50 mm x 66 m</td><td>120 rollen</td></tr></table>"
        "<p>Met vriendelijke groet,<br>Verpakking Holland B.V.</p></body></html>"
    )
    received = at("2026-11-24 12:00")
    raw = mail(
        sender=("Verpakking Holland B.V.", "verkoop@verpakkingholland.example"),
        subject="Orderbevestiging 2026-09120 - uw order PO7385",
        html=html,
        received=received,
        cte="quoted-printable",
    )
    result = await world.email(raw, received)
    assert matched(result) == ["PO-7385"]
    assert understanding(result).intent is Intent.CONFIRMED
    assert understanding(result).eta == date(2026, 12, 9)


_QUOTED_PO_MAIL = (
    "Dear Dan,\n\nPlease find attached our purchase order PO-7301 dated 10.11.2026.\n"
    "We are also still waiting for your confirmation of PO-7342.\nRequested delivery date: 09.12.2026\n\n"
    "Kind regards\nAnna Bauer"
)
_QUOTE_HEADERS = {
    "apple-mail-nl": "Op 19 nov 2026, om 10:00 heeft Anna Bauer <anna.bauer@buyer.example> het volgende geschreven:\n\n"
    + quoted(_QUOTED_PO_MAIL),
    "gmail-es": "El jue, 19 nov 2026 a las 10:00, Anna Bauer (<anna.bauer@buyer.example>) escribió:\n"
    + quoted(_QUOTED_PO_MAIL),
    "gmail-it": "Il giorno gio 19 nov 2026 alle ore 10:00 Anna Bauer <anna.bauer@buyer.example> ha scritto:\n"
    + quoted(_QUOTED_PO_MAIL),
    "thunderbird-de": "Am 19.11.2026 um 10:00 schrieb Anna Bauer:\n" + quoted(_QUOTED_PO_MAIL),
    "outlook-fr": "De : Anna Bauer <anna.bauer@buyer.example>\nEnvoyé : jeudi 19 novembre 2026 10:00\n"
    "À : sales@brixton-fixings.example\nObjet : Purchase order PO-7301\n\n" + _QUOTED_PO_MAIL,
    "outlook-en": "________________________________\nFrom: Anna Bauer <anna.bauer@buyer.example>\n"
    "Sent: 19 November 2026 10:00\nTo: sales@brixton-fixings.example\nSubject: Purchase order PO-7301\n\n"
    + _QUOTED_PO_MAIL,
    "foxmail": '------------------ Original ------------------\nFrom:  "Anna Bauer"<anna.bauer@buyer.example>;\n'
    'Date:  Thu, Nov 19, 2026 06:00 PM\nTo:  "sales"<sales@brixton-fixings.example>;\n'
    "Subject:  Purchase order PO-7301\n\n" + _QUOTED_PO_MAIL,
}


@pytest.mark.parametrize("client", sorted(_QUOTE_HEADERS))
async def test_quote_header_of_each_mail_client_cuts_the_history(make_world: MakeWorld, client: str) -> None:
    first = with_(PO_7301, sent=[sent_email("<po-7301.1@buyer.example>", "2026-11-19 10:00", "Purchase order PO-7301")])
    world = await make_world([BRIXTON], [first, PO_7342])
    body = "Hi Anna,\n\nConfirmed, delivery on 02.12.2026.\n\nDan\n\n" + _QUOTE_HEADERS[client] + "\n"
    received = at("2026-11-20 10:30")
    raw = mail(
        sender=BRIXTON_SALES,
        subject="RE: Purchase order PO-7301",
        body=body,
        received=received,
        in_reply_to="<po-7301.1@buyer.example>",
        references=["<po-7301.1@buyer.example>"],
    )
    result = await world.email(raw, received)
    stored = await world.stored(result)
    assert "PO-7342" not in (stored.body_text or "")
    assert "PO-7342" in (stored.quoted_text or "")
    assert matched(result) == ["PO-7301"]
    assert understanding(result).eta == date(2026, 12, 2)
    await untouched(world, "PO-7342", result)


async def test_pdf_and_csv_attachments_do_not_disturb_reading(make_world: MakeWorld) -> None:
    world = await make_world([LUCKY], [PO_7390, PO_7394])
    body = (
        f"Dear Anna,\n\nGood day!\n\nYour order PO#7390 (our PI LC-PI-261104) has been shipped by DHL express today.\n"
        f"AWB no.: {spaced(DHL_EXPRESS, [2, 4, 4])}\n\nAttached CI and PL for your customs clearance.\n\n"
        "Best regards,\nGrace Wu\nTel: +86-769-2345 6618 | Mob/WeChat: +86 138 2345 7394\n"
    )
    packing_list = (
        b"PO,Line,Part No,Description,Qty,Unit,Carton No\r\n"
        b"PO#7390,1,LC-EC-227-16,Electrolytic capacitor 220uF 16V,8000,pcs,1-2\r\n"
        b"PO#7390,2,S3B-PH-K,JST PH 3-pin header,3500,pcs,3\r\n"
    )
    received = at("2026-11-23 02:00")
    raw = mail(
        sender=LUCKY_SALES,
        subject="PO#7390 shipped / LC-PI-261104",
        body=body,
        received=received,
        attachments=[
            ("CI_PL_PO7390.pdf", "application", "pdf", b"%PDF-1.4\n1 0 obj<<>>endobj\n%%EOF\n"),
            ("Packing_list_PO7390.csv", "text", "csv", packing_list),
        ],
    )
    result = await world.email(raw, received)
    assert matched(result) == ["PO-7390"]
    assert understanding(result).intent is Intent.SHIPPED
    assert tracking(result) == [DHL_EXPRESS]
    assert understanding(result).carrier is Carrier.DHL
    await untouched(world, "PO-7394", result)


def _forwarded_loading_note(received: datetime) -> bytes:
    body = (
        "Buenos días Anna,\n\nTe reenvío la confirmación del transportista: el camión con tu pedido 7355 ha cargado "
        "esta mañana en nuestras instalaciones. Entrega prevista el martes 1 de diciembre en Leeds.\n\n"
        "Un saludo,\nLucía\n\n---------- Forwarded message ---------\n"
        "De: Tráfico Transportes Turia <trafico@transturia.example>\nDate: vie, 27 nov 2026 a las 10:52\n"
        "Subject: Confirmación de carga - PV-26-05120\nTo: <logistica@forjadoslevante.example>\n\n\n"
        "Buenos días,\n\nLes confirmamos la carga realizada hoy:\n\nReferencia: PV-26-05120\n"
        "Matrícula: 7320-KJB / Semirremolque R-7355-BCD\nFecha de carga: 27/11/2026\nEntrega prevista: 01/12/2026\n"
    )
    return mail(
        sender=LEVANTE_SALES,
        subject="Fwd: Confirmación de carga - PV-26-05120",
        body=body,
        received=received,
        cte="quoted-printable",
    )


async def test_vendor_forwarding_its_hauliers_loading_note(make_world: MakeWorld) -> None:
    world = await make_world([LEVANTE], [PO_7355, PO_7320])
    received = at("2026-11-27 10:30")
    result = await world.email(_forwarded_loading_note(received), received)
    assert matched(result) == ["PO-7355"]
    assert understanding(result).ship_date == date(2026, 11, 27)
    assert understanding(result).eta == date(2026, 12, 1)
    assert understanding(result).carrier is Carrier.OTHER
    await untouched(world, "PO-7320", result)


async def test_loaded_this_morning_in_a_forwarded_note_is_shipped(make_world: MakeWorld) -> None:
    world = await make_world([LEVANTE], [PO_7355, PO_7320])
    received = at("2026-11-27 10:30")
    result = await world.email(_forwarded_loading_note(received), received)
    assert understanding(result).intent is Intent.SHIPPED


async def test_stacked_reply_prefixes_in_the_subject(make_world: MakeWorld) -> None:
    world = await make_world([NORD], [PO_7311, PO_7388])
    body = (
        "Sehr geehrte Frau Bauer,\n\nleider verzögern sich die restlichen Positionen, da unser Vorlieferant nicht "
        "rechtzeitig liefern kann.\n\nNeuer Liefertermin (Anlieferung bei Ihnen): KW 51.\n\nMit freundlichen Grüßen\n"
    )
    received = at("2026-11-25 08:30")
    raw = mail(sender=NORD_SALES, subject="RE: AW: RE: Purchase order PO-7311", body=body, received=received)
    result = await world.email(raw, received)
    assert matched(result) == ["PO-7311"]
    assert understanding(result).intent is Intent.DELAYED
    assert understanding(result).eta == date(2026, 12, 18)
    order = await world.po("PO-7311")
    assert order.exc_vendor_delay
    assert order.eta == date(2026, 12, 18)
