"""Intent of vendor messages: each intent in several languages, negations, two-intent precedence, subject evidence."""

from __future__ import annotations

import time

import pytest

from core.inbound import MessageKind
from core.replies.intent import classify_intent
from core.replies.schemas import Intent


def intent(text: str, **kwargs: object) -> Intent:
    return classify_intent(text, **kwargs).intent  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "text",
    [
        "PO 4512 is confirmed, delivery on 3 December.",
        "Wir bestätigen Ihre Bestellung 4521, Anlieferung am 01.12.2026.",
        "Nous vous confirmons la commande 4549, livraison le 30/11.",
        "Le confirmamos el pedido 4530 completo.",
        "Confermiamo il Vs. ordine PO-4536, consegna prevista venerdì.",
        "Hierbij bevestigen wij uw order PO4618, leverdatum 8 december.",
        "A PO 4569 está confirmada, entrega dia 11/12.",
        "Potwierdzamy zamówienie 4512, termin dostawy 5 grudnia.",
        "Vi bekräftar order 4512, leveransdatum 5 december.",
        "注文番号4512を確認しました。納期は12月5日です。",
        "订单4512已确认,交期12月5日。",
        "발주 4512 확인했습니다. 납기는 12월 5일입니다.",
        "Chúng tôi xác nhận đơn hàng 4512, ngày giao hàng 5/12.",
        "Siparişinizi onaylıyoruz, teslim tarihi 5 Aralık.",
        "Potvrzujeme objednávku 4512, termín dodání 5.12.",
    ],
)
def test_confirmed_in_many_languages(text: str) -> None:
    assert intent(text) is Intent.CONFIRMED


@pytest.mark.parametrize(
    "text",
    [
        "PO 4512 shipped today with DHL 1234567890.",
        "Die Ware ging heute mit DHL raus.",
        "Votre commande n° 4549 a été expédiée ce jour par TNT.",
        "Su pedido 12007 fue embarcado el día de hoy.",
        "Oggi abbiamo spedito con GLS l'ordine PO-4536.",
        "De stretchfolie voor order 4553 is vandaag met DPD verzonden.",
        "Enviámos hoje 30 caixas da PO 4569 por TNT.",
        "Zamówienie 4512 zostało dziś wysłane. Numer przesyłki 123.",
        "注文4512は本日発送しました。",
        "订单4512已发货,运单号123456。",
        "발주 4512 오늘 발송했습니다.",
        "Đơn hàng 4512 đã gửi hôm nay.",
        "Siparişiniz bugün kargoya verildi.",
        "Objednávka 4512 byla dnes odeslána.",
    ],
)
def test_shipped_in_many_languages(text: str) -> None:
    assert intent(text) is Intent.SHIPPED


@pytest.mark.parametrize(
    "text",
    [
        "DHL shows your PO4540 parcel is delivered, signed by WILSON.",
        "Laut Spediteur ist die Bestellung bei Ihnen angekommen.",
        "Votre commande a été livrée ce matin.",
        "El transportista confirma la entrega del pedido 10299.",
        "L'ordine è stato consegnato stamattina.",
        "Onze chauffeur heeft de pallets afgeleverd.",
    ],
)
def test_delivered_in_many_languages(text: str) -> None:
    assert intent(text) is Intent.DELIVERED


@pytest.mark.parametrize(
    "text",
    [
        "Sorry, the M8 bolts are backordered, new delivery date 12/17.",
        "Leider verzögert sich Ihre Bestellung 4606, neuer Liefertermin KW 51.",
        "Rupture de stock sur l'acétone, livraison désormais en semaine 50.",
        "Lamentablemente su pedido se retrasa. Nueva entrega el 15 de diciembre.",
        "La consegna è in ritardo di due settimane.",
        "Helaas is de tape niet op voorraad, op zijn vroegst donderdag.",
        "A encomenda 4612 vai sofrer um atraso.",
        "出荷が遅延しております。",
        "订单延迟发货,缺货。",
    ],
)
def test_delayed_in_many_languages(text: str) -> None:
    assert intent(text) is Intent.DELAYED


@pytest.mark.parametrize(
    "text",
    [
        "We are sorry we have to cancel your PO-4615.",
        "Wir können Ihre Bestellung 4606 daher nicht ausführen und müssen sie stornieren.",
        "Cette ligne est donc annulée.",
        "Tenemos que anular la orden de compra 12995.",
        "Purtroppo l'ordine è annullato.",
        "注文をキャンセルさせていただきます。",
    ],
)
def test_cancelled_in_many_languages(text: str) -> None:
    assert intent(text) is Intent.CANCELLED


@pytest.mark.parametrize(
    "text",
    [
        "For PO-13094, the unit price of line 1 has increased to 97.00 USD. Please approve.",
        "Für PO 10171 hat sich der Preis der Position 2 auf 19.30 EUR erhöht. Bitte um Freigabe.",
        "Le nouveau prix serait de 0,98 €/kg au lieu de 0,91 €/kg, merci de nous donner votre accord.",
        "El nuevo precio sería de 0,98 €/kg en lugar de 0,91 €/kg. Le ruego nos dé su conformidad.",
        "Posso darvi la versione inox a 36 € cad invece di 28. Va bene?",
    ],
)
def test_change_request_in_many_languages(text: str) -> None:
    assert intent(text) is Intent.CHANGE_REQUEST


@pytest.mark.parametrize(
    "text",
    [
        "Could you send us the drawing rev. C as PDF?",
        "Können Sie uns die Lieferadresse schicken?",
        "Pourriez-vous nous envoyer le plan ?",
        "¿Podrían enviarnos la dirección de entrega?",
        "Podem enviar-nos o desenho rev. C em PDF?",
        "Which address do you want them sent to?",
    ],
)
def test_question_in_many_languages(text: str) -> None:
    assert intent(text) is Intent.QUESTION


@pytest.mark.parametrize(
    "text",
    [
        "Invoice attached for the gloves and glasses. Cheers",
        "Anbei erhalten Sie die Rechnung INV-2026-97114 für die Position 3.",
        "Adjuntamos la factura INV-2026-50881 para el pedido.",
        "Sollecito di pagamento - fattura n. 2026/2214 ancora aperta.",
        "Pls kindly arrange the balance payment USD 2,352.00 according to PI.",
    ],
)
def test_invoice_in_many_languages(text: str) -> None:
    assert intent(text) is Intent.INVOICE


@pytest.mark.parametrize(
    "text",
    [
        "Thank you for your email. I am out of the office until 1 Jan with limited access to email.",
        "Vielen Dank für Ihre Nachricht. Ich bin bis einschließlich 17.12. nicht im Büro.",
        "Je suis absente du bureau jusqu'au lundi 30 novembre inclus.",
        "This is an automatic reply: we have received your message and will respond within 2 business days.",
        "Ik ben tot en met vrijdag afwezig.",
    ],
)
def test_auto_reply_wording(text: str) -> None:
    assert intent(text) is Intent.AUTO_REPLY


def test_message_kind_decides_bounce_and_auto_reply() -> None:
    assert intent("PO 4512 shipped today", kind=MessageKind.BOUNCE) is Intent.BOUNCE
    assert intent("Thanks, talk soon", kind=MessageKind.AUTO_REPLY) is Intent.AUTO_REPLY


def test_automatic_order_confirmation_keeps_its_content() -> None:
    text = "Auftragsbestätigung 4711823 zu Ihrer Bestellung 4566. Voraussichtliche Anlieferung: KW 49/2026."
    assert intent(text, kind=MessageKind.AUTO_REPLY) is Intent.CONFIRMED


@pytest.mark.parametrize(
    "text",
    [
        "Cyber Week is here! 30% off all toner & ink. Unsubscribe",
        "Only 12 booth spaces are left for the trade fair, register now.",
        "Feliz Día de Acción de Gracias Lucía!!",
        "Exclusive invitation: Industry 4.0 Summit, register now.",
        "Have a great weekend, greetings to the team!",
    ],
)
def test_unrelated(text: str) -> None:
    assert intent(text) is Intent.UNRELATED


# --- negations ---


@pytest.mark.parametrize(
    "text",
    [
        "PO 4512 has not shipped yet, sorry.",
        "The goods are not yet shipped.",
        "Die Ware ist noch nicht versandt.",
        "La commande n'est pas encore expédiée.",
        "El pedido todavía no enviado, falta material.",
    ],
)
def test_negated_shipment_is_not_shipped(text: str) -> None:
    assert intent(text) is not Intent.SHIPPED


def test_cannot_confirm_is_not_confirmed() -> None:
    assert intent("We cannot confirm the date for PO 4512 yet.") is not Intent.CONFIRMED


def test_future_shipment_is_a_confirmation() -> None:
    assert intent("PO 4512 will be shipped on Friday.") is Intent.CONFIRMED
    assert intent("La commande sera livrée le mercredi 9 décembre.") is Intent.CONFIRMED


def test_part_number_no_is_not_a_negation() -> None:
    assert intent("Proximity sensor M6 PNP NO shipped yesterday via UPS.") is Intent.SHIPPED


# --- messages that say two things ---


def test_confirmed_but_late_is_delayed() -> None:
    assert intent("PO 4512 confirmed, but delivery will be 2 weeks late.") is Intent.DELAYED


def test_partial_shipment_is_shipped() -> None:
    assert intent("We shipped 300 of 500 today, rest next week.") is Intent.SHIPPED


def test_reduced_quantity_needing_approval_is_a_change_request() -> None:
    assert intent("We can only deliver 250 instead of 500, please approve.") is Intent.CHANGE_REQUEST


def test_price_increase_is_a_change_request() -> None:
    assert intent("Due to a price increase of our supplier the new price is 4.35 USD/pc.") is Intent.CHANGE_REQUEST


def test_shipping_note_mentioning_an_invoice_is_shipped() -> None:
    result = classify_intent("The goods left our warehouse today with DHL. Commercial invoice attached.")
    assert result.intent is Intent.SHIPPED


def test_delivery_report_with_a_request_is_delivered() -> None:
    text = "Our haulier informed us that your order 4489 has been delivered. Could you send us the signed CMR?"
    result = classify_intent(text)
    assert result.intent is Intent.DELIVERED
    assert Intent.QUESTION in result.alternatives


def test_substitution_offer_is_not_a_cancellation() -> None:
    text = "The module is EOL, we can not accept new orders for it. We suggest the replacement model, pls confirm."
    assert intent(text) is Intent.CHANGE_REQUEST


# --- subject as evidence ---


def test_reply_subject_does_not_make_a_reply_confirmed() -> None:
    result = classify_intent("Could you send the drawing first?", subject="Re: Please confirm PO-4512")
    assert result.intent is Intent.QUESTION


def test_reply_subject_alone_is_not_a_statement() -> None:
    result = classify_intent("", subject="RE: Reminder: please confirm PO-4512")
    assert result.intent is Intent.UNRELATED
    assert result.confidence < 0.5


def test_vendor_subject_alone_is_weaker_evidence() -> None:
    result = classify_intent("", subject="PO#4540 shipped / BW-PI-261104")
    assert result.intent is Intent.SHIPPED
    assert "subject only" in result.signals
    body = classify_intent("PO#4540 shipped today by DHL express.")
    assert result.confidence < body.confidence


# --- confidence ---


def test_confidence_is_high_for_clear_messages_and_low_for_weak_or_conflicting_ones() -> None:
    clear = classify_intent("Your order PO-4512 has been shipped today, tracking 1Z999.", has_tracking=True)
    weak = classify_intent("ok")
    none = classify_intent("Thanks Anna, speak soon")
    assert clear.confidence >= 0.8
    assert weak.confidence < 0.6
    assert none.confidence < 0.4
    for result in (clear, weak, none):
        assert 0.0 <= result.confidence <= 1.0
        assert result.signals


def test_bare_acknowledgement_is_a_weak_confirmation() -> None:
    result = classify_intent("ok 👍")
    assert result.intent is Intent.CONFIRMED
    assert result.confidence < 0.7


def test_hostile_input_is_cheap() -> None:
    started = time.perf_counter()
    classify_intent("shipped not " * 50_000, subject="x" * 10_000)
    classify_intent("?" * 100_000)
    assert time.perf_counter() - started < 2.0


def test_typical_message_is_fast() -> None:
    text = "Hi Anna,\n\nPO 4512 is confirmed - the nuts are in stock, earliest delivery 03/12.\n\nRegards,\nGary\n" * 3
    classify_intent(text)
    started = time.perf_counter()
    for _ in range(100):
        classify_intent(text, subject="RE: Reminder: please confirm PO-4512")
    assert (time.perf_counter() - started) / 100 < 0.005
