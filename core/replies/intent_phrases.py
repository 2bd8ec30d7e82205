"""Multilingual cue phrases for intent classification, with weights.

Each table line is `lang weight: phrase, phrase, ...`; an indented line continues the one above. Phrases
are lower case; a space matches any run of white space; a trailing `*` makes the phrase a stem (German
compounds, inflections). The language tag is documentation and appears in the signals; every phrase is
active whatever the vendor's language, because vendors answer in the buyer's language as often as in
their own.

Cues that are not intents: `ack` (a bare yes/ok, weak confirmation), `future_ship` (dispatch announced for
later: a confirmation), `approval` (the vendor asks the buyer to approve something), `partial` (part of the
order follows later), `neutral` (boilerplate that must not count, e.g. "if you have any questions"),
`request` (the buyer's own requests quoted back in a subject, e.g. "please confirm"), `not_yet` (an explicit
"not shipped / not ready" form).
"""

from __future__ import annotations

CUE_TABLES: dict[str, str] = {
    "confirmed": """
en 2.0: confirmed, we confirm, we hereby confirm, hereby confirm, confirming, is confirmed, order confirmation,
    order acknowledgement, order acknowledgment, we accept your order, accepted your order, confirm the order,
    confirm your order, confirm receipt of your order, confirm the delivery, confirm delivery
en 1.0: ok with, agreed, already scheduled, on track, as planned, well received your order, received your po,
    got the po, thanks for your po,
    thank you for your po, thank you for your order, thanks for your order, delivery date, will be ready,
    ready for dispatch, ready to ship, ready for shipment, scheduled for, planned for, expected delivery,
    estimated delivery, delivery on, deliver on, we can deliver, can deliver on, will deliver, loads tomorrow,
    all in stock, in stock, production finish, as agreed
de 2.0: bestätigen, bestätigt, bestätige, auftragsbestätigung, hiermit bestätigen, gerne bestätigen, wir bestätigen,
    bestätigung ihrer bestellung
de 1.0: liefertermin, anlieferung, voraussichtliche anlieferung, versandbereit, geht in ordnung,
    vielen dank für ihre bestellung, vielen dank für ihren auftrag, lieferung wie bestellt, wie bestellt,
    lieferdatum, wird geliefert, versandfertig, lieferbereit
fr 2.0: confirmons, je vous confirme, nous vous confirmons, confirmé, confirmée, confirmation de commande,
    accusé de réception de commande, accusons bonne réception de votre commande,
    accusons réception de votre commande
fr 1.0: date de livraison, livraison prévue, sera livrée, sera livré, seront livrés, prêt à expédier,
    prête à expédier, prête à être expédiée, sera prête, seront prêts
es 2.0: confirmamos, le confirmamos, confirmado, confirmada, confirmación de pedido, queda confirmado,
    aceptamos su pedido
es 1.0: fecha de entrega, entrega prevista, se cargará, sale el, sale mañana, llega a su planta, listo para enviar,
    lista para enviar, listo para embarque, programado, lista para envío, listo para envío, listas para envío,
    estará lista, estará listo, estarán listos
it 2.0: confermiamo, confermato, confermata, conferma d'ordine, conferma ordine, vi confermiamo
it 1.0: consegna prevista, data di consegna, pronto per la spedizione, pronta per la spedizione, spediremo,
    sarà pronta, sarà pronto
nl 2.0: bevestigen, bevestigd, orderbevestiging, hierbij bevestigen, bevestigen wij
nl 1.0: leverdatum, levering gepland, staat gepland, gepland voor, klaar voor verzending, is klaar
pt 2.0: confirmamos, confirmada, confirmado, confirmação de encomenda, está confirmada, está confirmado
pt 1.0: data de entrega, entrega prevista, entrega dia, pronto para envio, estará pronta, estará pronto
pl 2.0: potwierdzamy, potwierdzone, potwierdzenie zamówienia, zamówienie przyjęte, przyjęliśmy zamówienie
pl 1.0: termin dostawy, planowana dostawa
sv 2.0: bekräftar, bekräftad, bekräftat, orderbekräftelse
sv 1.0: leveransdatum, leverans planerad
ja 2.0: 確認しました, 承りました, 注文請書, 受注しました, 受注確認, 注文確認
ja 1.0: 納期, 出荷予定, 納品予定
zh 2.0: 已确认, 确认订单, 订单确认, 确认收到订单, 確認訂單
zh 1.0: 交货期, 交期, 预计发货, 预计交货
ko 2.0: 확인했습니다, 주문 확인, 발주 확인, 확정되었습니다
ko 1.0: 납기, 출고 예정, 납품 예정
vi 2.0: xác nhận đơn hàng, đã xác nhận, chúng tôi xác nhận
vi 1.0: ngày giao hàng, dự kiến giao
tr 2.0: onaylıyoruz, onaylandı, sipariş onayı, siparişinizi onaylıyoruz
tr 1.0: teslim tarihi, teslimat tarihi
cs 2.0: potvrzujeme, potvrzeno, potvrzení objednávky, objednávku potvrzujeme
cs 1.0: termín dodání, datum dodání
""",
    "ack": """
en 0.8: ok, okay, yes, yep, yeah, sure, fine, is fine, that's fine, thats fine, sounds good, no problem, all good,
    will do, 👍, ✅, 👌
de 0.8: ja, passt, geht klar, in ordnung, alles klar
fr 0.8: oui, d'accord, pas de problème, c'est bon
es 0.8: sí, vale, de acuerdo, sin problema, perfecto
it 0.8: sì, va bene, d'accordo, perfetto
nl 0.8: ja, prima, akkoord, geen probleem
pt 0.8: sim, tudo certo, sem problema
pl 0.8: tak, w porządku
sv 0.8: ja, okej, inga problem
ja 0.8: 了解, 承知
zh 0.8: 好的, 没问题
ko 0.8: 네, 알겠습니다
tr 0.8: tamam, evet
cs 0.8: ano, v pořádku
""",
    "future_ship": """
en 1.2: will ship, will be shipped, will dispatch, will be dispatched, will send, will be sent, we'll ship,
    we'll send, we'll dispatch, will get it out, going out, goes out, ships on, ship on, shipping on, dispatch on,
    dispatch by, will go out, will leave, loads on, will load, will be loaded, will be ready, will deliver,
    ship together, ship both, can ship, plan to ship, going out this week, leave our warehouse on, will follow
de 1.2: wird versandt, wird versendet, werden versandt, werden versendet, versenden wir, liefern wir, wird geliefert,
    werden geliefert, wird verladen, geht raus, gehen raus, wird ausgeliefert
fr 1.2: sera expédié, sera expédiée, seront expédiés, expédierons, livrerons, sera livrée, sera livré, seront livrés
es 1.2: se enviará, se enviarán, enviaremos, será enviado, será entregado, saldrá, saldrán, se cargará, entregaremos,
    se despachará
it 1.2: verrà spedito, verrà spedita, verranno spediti, spediremo, sarà consegnato, consegneremo, partirà
nl 1.2: wordt verzonden, worden verzonden, zullen verzenden, wordt geleverd, worden geleverd, gaat de deur uit
pt 1.2: será enviado, será enviada, serão enviados, enviaremos, seguem, segue na, será entregue
pl 1.2: zostanie wysłane, zostaną wysłane, wyślemy, dostarczymy
sv 1.2: kommer att skickas, skickas den, levereras den, vi skickar
ja 1.2: 発送予定, 出荷予定, 発送いたします
zh 1.2: 将发货, 安排发货, 预计发货
ko 1.2: 발송 예정, 출고 예정
vi 1.2: sẽ giao, sẽ gửi
tr 1.2: gönderilecek, sevk edilecek
cs 1.2: bude odesláno, odešleme, bude expedováno
""",
    "shipped": """
en 2.0: went today, went yesterday, went out today, gone today, left today, left yesterday, out today, shipped,
    has shipped, have shipped, dispatched, despatched, went out, gone out, sent out, left our warehouse,
    left our factory, left the factory, left our dock, handed over to, handed to, picked up by, collected by,
    on its way, on the way, in transit, has sailed, sailed, despatch note, dispatch note, shipping notification,
    shipment confirmation, shipping confirmation, shipping advice, dispatch advice, advance shipping notice,
    shipped complete, shipped today, were shipped, was shipped, been shipped, has loaded, have loaded, departed,
    was loaded, were loaded, been loaded, loaded this morning, loaded today, truck left, truck has left
es 2.0: carga realizada, confirmación de carga, ha cargado, han cargado, cargado esta mañana,
    cargó esta mañana, fue cargado, fueron cargados, ha salido,
    salió hoy, salió esta mañana
de 2.0: verladen, wurde verladen, wurden verladen
it 2.0: caricato, caricata, è stato caricato, è partito, è partita
pt 2.0: carregado, foi carregado, foram carregados, saiu hoje
en 0.8: tracking, tracking number, tracking no, awb, waybill, consignment, pre-alert, bill of lading, b/l
de 2.0: versandt, verschickt, versendet, ist raus, sind raus, ging raus, gingen raus, heute raus, übergeben,
    abgeholt, unterwegs, auf dem weg, versandmitteilung, versandavis, versandbestätigung, lieferavis, wurde versandt,
    wurden versandt, ausgeliefert
de 0.8: sendungsnummer, paketnummer, teillieferung
fr 2.0: expédié, expédiée, expédiés, expédiées, envoyé, envoyée, remis au transporteur, en cours de livraison,
    avis d'expédition, a été expédiée, a été expédié, est partie, est parti
fr 0.8: n° de suivi, numéro de suivi, colis
es 2.0: enviado, enviada, enviados, enviamos hoy, salió, salieron, ha salido, despachado, despachada, embarcado,
    embarcada, fue embarcado, ha cargado, han cargado, en camino, en tránsito, aviso de envío,
    confirmación de embarque, confirmación de envío, se envió
es 0.8: número de guía, guía, seguimiento
it 2.0: spedito, spedita, spediti, spedite, abbiamo spedito, partito, partita, consegnato al corriere,
    avviso di spedizione, in viaggio
it 0.8: n. spedizione, tracking
nl 2.0: verzonden, verstuurd, vertrokken, onderweg, verzendbevestiging, meegegeven aan, opgehaald
nl 0.8: track en trace, zendingnummer
pt 2.0: enviado, enviada, enviámos, enviamos hoje, expedido, expedida, expedimos, seguiu, a caminho, despachado,
    embarcado
pt 0.8: guia, rastreio, código de rastreio
pl 2.0: wysłane, wysłana, wysłany, wysłaliśmy, wysłano, nadano, nadaliśmy, w drodze, wysyłka zrealizowana
pl 0.8: numer przesyłki, list przewozowy
sv 2.0: skickad, skickat, skickats, avsänd, avsänt, har skickats, är på väg
sv 0.8: spårningsnummer, fraktsedel
ja 2.0: 発送しました, 発送済み, 出荷しました, 出荷済み, 発送いたしました
ja 0.8: 追跡番号, 送り状番号
zh 2.0: 已发货, 已发出, 已寄出, 已出货, 发货了, 已经发货, 已发运
zh 0.8: 运单号, 快递单号, 追踪号
ko 2.0: 발송했습니다, 발송되었습니다, 출고되었습니다, 출고했습니다, 배송 중, 발송 완료
ko 0.8: 운송장 번호, 송장번호
vi 2.0: đã gửi, đã giao cho, đang vận chuyển, đã xuất kho, đã gửi hàng
vi 0.8: mã vận đơn
tr 2.0: kargoya verildi, gönderildi, sevk edildi, yola çıktı, kargolandı
tr 0.8: takip numarası
cs 2.0: odesláno, odeslána, odeslány, odeslán, odeslali, expedováno, expedována, na cestě, bylo odesláno,
    jsme odeslali
cs 0.8: sledovací číslo
""",
    "customs_hold": """
en 2.0: held at customs, held in customs, held in uk customs, held by customs, customs hold, on customs hold,
    eori number, your eori, import duties, duties and taxes
de 2.0: beim zoll, zollabfertigung, zollanmeldung, eori-nummer, eori nummer
fr 2.0: bloqué en douane, bloquée en douane, retenu en douane, retenue en douane, dédouanement, numéro eori
es 2.0: retenido en aduana, retenida en aduana, despacho de aduanas, número eori
it 2.0: bloccato in dogana, bloccata in dogana, sdoganamento, numero eori
""",
    "partial": """
en 0.8: partial shipment, partial delivery, as a partial, balance will follow, rest will follow, rest next week,
    remaining, to follow, will follow, outstanding, balance of, the rest of, rest of
de 0.8: teillieferung, restmenge, rest folgt, liefern wir nach, noch offenen positionen
fr 0.8: livraison partielle, le reste suivra, suivra
es 0.8: envío parcial, entrega parcial, el resto
it 0.8: parziale, seguiranno
nl 0.8: deellevering, volgt apart, rest volgt
pt 0.8: entrega parcial, as restantes, restantes seguem
""",
    "delivered": """
en 2.0: delivered, has been delivered, was delivered, been delivered, shows delivered, has arrived, have arrived,
    arrived, signed by, proof of delivery, received by you, was received, has been received, confirms delivery,
    delivery confirmed
de 2.0: zugestellt, angekommen, wurde geliefert, wurden geliefert, ist eingetroffen, eingetroffen, empfangen,
    abgeliefert, bestätigt die zustellung, zustellung bestätigt
fr 2.0: livré, livrée, livrés, a été livré, a été livrée, est arrivé, est arrivée, réceptionné, réceptionnée,
    confirme la livraison, livraison confirmée
es 2.0: entregado, entregada, fue entregado, ha sido entregado, llegó, ya llegó, les llegó, ya entregó, recibido,
    confirma la entrega, entrega confirmada
it 2.0: consegnato, consegnata, è stato consegnato, è stata consegnata, arrivato, arrivata
nl 2.0: afgeleverd, heeft afgeleverd, is geleverd, zijn geleverd, aangekomen, ontvangen
pt 2.0: entregue, foi entregue, chegou, recebido
pl 2.0: dostarczone, dostarczono, dotarło, doręczono, odebrane
sv 2.0: levererad, levererat, levererats, har kommit fram, mottagen
ja 2.0: 配達済み, 配達完了, 納品しました, 到着しました, お届けしました
zh 2.0: 已送达, 已签收, 已到货, 已交付
ko 2.0: 배송 완료, 배달 완료, 도착했습니다, 납품 완료
vi 2.0: đã giao hàng, đã nhận hàng, đã đến
tr 2.0: teslim edildi, ulaştı
cs 2.0: doručeno, dodáno, bylo doručeno
""",
    "delayed": """
en 2.0: is now planned, now planned for, now due, moved to week, moved back, pushed to,
fr 2.0: désormais prévue, désormais prévu, désormais prévus, est maintenant prévue, maintenant prévue, repoussée,
    repoussé, décalée à, décalé à
de 2.0: jetzt geplant, nun geplant, ist jetzt für, verlegt auf, verschiebt sich
es 2.0: ahora prevista, ahora previsto, se traslada, se retrasa, pospuesto, pospuesta
it 2.0: ora prevista, ora previsto, slitta, posticipata, posticipato
pt 2.0: agora prevista, agora previsto, adiada, adiado
nl 2.0: nu gepland, verschoven, uitgesteld
en 2.0: delay, delayed, delays, late, running late, behind schedule, backorder, backordered, backordred, back order,
    back-ordered, on backorder, out of stock, not in stock, not available, no stock, postponed, pushed, pushed back,
    rescheduled, new ship date, new delivery date, new date, earliest, at the earliest, slipped, held up,
    excuse the delay, sorry for the delay, apologies for the delay, bad news, failed the, not able to meet,
    unable to meet, cannot meet, can not meet, later than, weeks late, days late, only by, by end of the month,
    until mid, will now ship, now ship, now expected, now scheduled, cannot ship, can't ship, unable to ship,
    not ship
de 2.0: verzögerung, verzögert, verzögern, lieferverzug, lieferverzögerung, rückstand, nicht lieferbar,
    nicht vorrätig, nicht auf lager, frühestens, verschoben, verschiebt, neuer liefertermin, neuer termin,
    später als, leider müssen wir, derzeit nicht, momentan nicht, herstellerseitig, verspätet, verspätung
fr 2.0: retard, en retard, rupture de stock, rupture, reporté, reportée, décalé, décalée, nouvelle date, au plus tôt,
    contretemps, excusez le retard, pas disponible, indisponible, reliquat, en reliquat, retardée, retardé
es 2.0: retraso, retrasado, retrasada, demora, atraso, agotado, sin stock, sin existencias, no disponible, pospuesto,
    nueva fecha, lo antes posible, a más tardar, no contamos con, no nos surte, se retrasa, se retrasará, retrasa,
    nueva entrega, falta de material, pendiente de material, reprogramado
it 2.0: ritardo, in ritardo, esaurito, posticipato, posticipata, nuova data, non disponibile, slittamento,
    fuori produzione, ritarda, ritarderà, arretrato
nl 2.0: vertraging, vertraagd, niet op voorraad, uitgesteld, nieuwe leverdatum, op zijn vroegst, gewijzigd, helaas,
    later geleverd, loopt vertraging op
pt 2.0: atraso, atrasado, atrasada, sem stock, sem estoque, adiado, adiada, nova data, avaria, atrasa, vai atrasar,
    nova entrega
pl 2.0: opóźnienie, opóźniony, opóźnione, brak na stanie, przesunięty, przesunięta, nowy termin
sv 2.0: försenad, försenat, försening, slut i lager, ny leveransdag, nytt datum
ja 2.0: 遅延, 遅れ, 延期, 在庫切れ, 欠品, 納期変更
zh 2.0: 延迟, 推迟, 缺货, 延期, 晚到
ko 2.0: 지연, 연기, 품절, 재고 부족, 납기 변경
vi 2.0: chậm trễ, bị trễ, trễ hạn, hết hàng, hoãn
tr 2.0: gecikme, gecikecek, gecikti, ertelendi, stokta yok
cs 2.0: zpoždění, zpožděn, zpožděna, vyprodáno, odloženo, nový termín
""",
    "cancelled": """
en 3.0: cancel, cancelled, canceled, cancellation, we have to cancel, must cancel, cannot supply, can't supply,
    unable to supply, cannot fulfil, cannot fulfill, will not be able to supply, not able to supply,
    no longer supply, we are unable to deliver, cannot deliver this order, cannot be fulfilled, can not be fulfilled,
    stopped producing, no longer produce, no longer manufacture, cannot accept the order, cannot accept your order
de 3.0: storniert, stornieren, stornierung, storno, annulliert, nicht ausführen, können nicht liefern,
    nicht mehr gefertigt, nicht ausgeführt werden, nicht mehr hergestellt
fr 3.0: annulé, annulée, annulation, annuler, ne pouvons pas livrer, pas en mesure de livrer, ne pouvons pas honorer,
    ne peut pas être honorée
es 3.0: cancelado, cancelada, cancelamos, cancelar, anulado, anulada, anulación, no podemos suministrar,
    no podemos surtir, no se puede atender, no podemos atender
it 3.0: annullato, annullata, annulliamo, annullamento, non possiamo fornire
nl 3.0: geannuleerd, annuleren, annulering, kunnen niet leveren
pt 3.0: cancelado, cancelada, cancelamento, cancelar, anulado, não podemos fornecer
pl 3.0: anulowane, anulowano, anulujemy, anulowanie, nie możemy dostarczyć
sv 3.0: avbeställd, annullerad, annullera, makulerad, kan inte leverera
ja 3.0: キャンセル, 取り消し, 取消
zh 3.0: 取消订单, 订单取消, 无法供货, 取消
ko 3.0: 취소, 공급 불가
vi 3.0: hủy đơn, đã hủy, hủy
tr 3.0: iptal, iptal edildi
cs 3.0: zrušeno, zrušena, zrušení, storno
""",
    "change_request": """
en 1.0: eol, end of life, discontinued, no longer available, out of production
en 2.0: has increased, increased to, price has gone up, price went up, price increase, please approve,
    price adjustment, new price, price change, increased price, surcharge, instead of, substitute, substitution,
    replacement, replacement model, alternative, change to, can we change, can we send, only deliver, only supply,
    can only deliver, can only supply, minimum order, moq, different colour, different color, same price,
    reduce the quantity, increase the quantity
en 1.0: option 1, option 2
de 2.0: preiserhöhung, preisanpassung, neuer preis, preis erhöht, erhöht, aufpreis, statt, anstelle, anstatt, ersatz,
    ersatzartikel, alternativ*, nur liefern, mindestmenge, nachfolger, bitte um freigabe, steigt auf, erhöht sich,
    gestiegen
de 1.0: abgekündigt, nicht mehr lieferbar
fr 2.0: augmentation de prix, hausse de prix, nouveau prix, au lieu de, remplacement, alternative, substitution,
    quantité minimum, passe à, augmente à, a augmenté
es 2.0: subida de precio, subida de precios, aumento de precio, nuevo precio, en lugar de, en vez de, sustitución,
    sustituir, alternativa, opciones, proponemos, precio de, cambio de especificación, sube a, ha subido, aumenta a,
    apruébelo, apruebe
it 2.0: aumento di prezzo, aumento prezzi, nuovo prezzo, invece di, sostituzione, alternativa, versione, anziché,
    sale a, aumentato a, è aumentato
nl 2.0: prijsverhoging, nieuwe prijs, in plaats van, vervanging, alternatief, is gestegen, stijgt naar
pt 2.0: aumento de preço, novo preço, em vez de, substituição, alternativa, sobe para, aumentou para
pl 2.0: podwyżka ceny, nowa cena, zamiast, zamiennik, alternatywa
sv 2.0: prishöjning, nytt pris, istället för, ersättning, alternativ
ja 2.0: 値上げ, 価格改定, 代わりに, 代替品, 変更をお願い
zh 2.0: 涨价, 价格调整, 替代, 代替, 新价格, 替换
ko 2.0: 가격 인상, 대신, 대체품, 단가 변경
vi 2.0: tăng giá, thay vì, thay thế, giá mới
tr 2.0: fiyat artışı, yerine, yeni fiyat, muadil
cs 2.0: zvýšení ceny, místo, náhrada, nová cena
""",
    "approval": """
en 1.2: please approve, your approval, for your approval, confirm if acceptable, if acceptable,
    if this is acceptable, is this acceptable, is that ok, is that okay, ok to, please advise, pls advise,
    kindly advise, let us know which, which option, do you agree, please confirm the change,
    please confirm the substitution, please confirm, pls confirm, kindly confirm, pls kindly confirm, let me know
de 1.2: bitte um freigabe, um freigabe, ihr einverständnis, ihre zustimmung, bitte bestätigen sie, einverstanden,
    bitte um kurze info
fr 1.2: votre accord, merci de confirmer, merci de nous confirmer, votre validation
es 1.2: nos dé su conformidad, su conformidad, su aprobación, por favor confirme, nos indican, favor de confirmar
it 1.2: va bene?, vostro benestare, vs. benestare, se ok, mi confermi, confermate, fateci sapere
nl 1.2: uw akkoord, graag uw akkoord, graag bevestiging, laat ons weten
pt 1.2: a vossa aprovação, sua aprovação, podem confirmar
pl 1.2: prosimy o akceptację, prosimy o potwierdzenie, zgoda
sv 1.2: ert godkännande, vänligen bekräfta
ja 1.2: ご承認, ご確認ください, ご了承
zh 1.2: 请确认, 是否接受, 请批准
ko 1.2: 승인 부탁, 확인 부탁
vi 1.2: vui lòng xác nhận, xin xác nhận
tr 1.2: onayınızı, lütfen onaylayın
cs 1.2: prosíme o schválení, prosíme o potvrzení
""",
    "question": """
en 1.5: being held, action required, customs clearance
en 1.2: could you, can you, would you, will you, do you, did you, did the, have you, are you, is it, please send,
    pls send, kindly send, please share, send us, we need your, need your, which address, what is, when can,
    let me know, any news, quick question, quick q, want them, do you want, do you need, or wait, can u, could u,
    need the
de 1.2: können sie, könnten sie, brauchen sie, benötigen sie, haben sie, bitte senden, bitte schicken, schicken sie,
    welche adresse, ist es, sollen wir, möchten sie
fr 1.2: pouvez-vous, pourriez-vous, pouvez vous, pourriez vous, merci de nous envoyer, avez-vous, souhaitez-vous,
    faut-il
es 1.2: podrían, podría, pueden, puede enviarnos, nos pueden, ¿, necesitamos, nos indican, les llegó, alguna novedad
it 1.2: potete, potreste, può inviarci, avete, li ritirate, ci serve, attendo vs. indicazioni, attendo indicazioni
nl 1.2: kunt u, kunnen jullie, kun je, heeft u, wilt u, graag ontvangen wij
pt 1.2: podem enviar, podem, poderiam, precisamos, uma dúvida, dúvida
pl 1.2: czy mogą, czy możecie, prosimy o przesłanie, czy
sv 1.2: kan ni, kan du, skulle ni, behöver ni
ja 1.2: いただけますか, でしょうか, ますか, 教えてください, 送ってください
zh 1.2: 请问, 能否, 可以吗, 是否, 请发送
ko 1.2: 가능할까요, 주실 수, 보내주시겠습니까, 알려주세요
vi 1.2: có thể, xin vui lòng gửi, cho biết
tr 1.2: gönderebilir misiniz, mısınız, misiniz, lütfen gönderin
cs 1.2: můžete, mohli byste, prosím zašlete
""",
    "invoice": """
en 2.0: invoice attached, please find attached invoice, please find attached our invoice,
    please find attached the invoice, attached invoice, your invoice is attached, invoice is attached,
    find attached invoice, payment reminder, overdue, balance payment, advance payment, release the advance,
    release the payment, remittance, bank details, change of bank details, new bank account, sort code, amount due,
    invoice total, please remit, arrange the payment, arrange payment, pls arrange, deposit, proforma invoice,
    pi for, wrong bank details, please pay, payment terms
en 1.0: invoice, invoices, payment, paid, pay online, due date
de 2.0: rechnung anbei, anbei die rechnung, anbei erhalten sie die rechnung, anbei unsere rechnung,
    zahlungserinnerung, mahnung, bankverbindung, bitte überweisen, offener betrag, noch offen, rechnungsbetrag,
    vorauszahlung, anzahlung
de 1.0: rechnung, zahlung, fällig, zahlungsziel
fr 2.0: facture ci-joint, ci-joint notre facture, ci-joint la facture, relance, rappel de paiement,
    coordonnées bancaires, virement, montant dû, acompte, facture proforma
fr 1.0: facture, paiement, échéance
es 2.0: adjuntamos la factura, adjunto factura, factura adjunta, recordatorio de pago, datos bancarios,
    transferencia, pago pendiente, anticipo, factura proforma
es 1.0: factura, pago, vencimiento
it 2.0: in allegato la fattura, fattura allegata, sollecito, sollecito di pagamento, bonifico, coordinate bancarie,
    saldo, acconto, importo
it 1.0: fattura, pagamento, scadenza
nl 2.0: factuur bijgevoegd, bijgaand de factuur, betalingsherinnering, herinnering, bankgegevens, openstaand,
    aanbetaling
nl 1.0: factuur, betaling, vervaldatum
pt 2.0: segue em anexo a fatura, fatura em anexo, lembrete de pagamento, dados bancários, transferência, adiantamento
pt 1.0: fatura, pagamento, vencimento
pl 2.0: faktura w załączeniu, w załączeniu faktura, przypomnienie o płatności, dane bankowe, przelew, zaliczka
pl 1.0: faktura, płatność, termin płatności
sv 2.0: faktura bifogad, bifogad faktura, betalningspåminnelse, bankuppgifter, förskottsbetalning
sv 1.0: faktura, betalning, förfallodatum
ja 2.0: 請求書を添付, 請求書, お支払い, 入金, ご入金, 振込
zh 2.0: 发票, 付款, 货款, 定金, 预付款, 尾款, 汇款
ko 2.0: 인보이스, 청구서, 결제, 입금, 선금, 잔금
vi 2.0: hóa đơn, thanh toán, đặt cọc, chuyển khoản
tr 2.0: fatura ektedir, faturayı ekte, ödeme hatırlatma, banka bilgileri, avans
tr 1.0: fatura, ödeme
cs 2.0: faktura v příloze, v příloze faktura, upomínka, bankovní spojení, záloha
cs 1.0: faktura, platba, splatnost
""",
    "auto_reply": """
en 3.0: out of office, out of the office, away from the office, away from my desk, on annual leave, on vacation,
    on holiday until, on leave until, limited access to email, limited access to my email, automatic reply,
    auto-reply, autoreply, auto reply, automated message, automated response, automatic response,
    this is an automatic, this is an automated, we have received your message, we have received your email,
    we have received your e-mail, received your email and will, received your message and will, will respond within,
    will reply within, will get back to you within, will get back to you as soon as, a case has been opened,
    ticket has been created, please do not reply to this message, your request has been received
de 3.0: abwesenheitsnotiz, nicht im büro, bin abwesend, außer haus, im urlaub, urlaubsbedingt, automatische antwort,
    wir haben ihre nachricht erhalten, ihre nachricht wird nicht weitergeleitet, eingeschränkten zugriff
fr 3.0: réponse automatique, absent du bureau, absente du bureau, en congés, en congé, accès limité à ma messagerie,
    nous avons bien reçu votre message, absent jusqu'au, absente jusqu'au
es 3.0: respuesta automática, fuera de la oficina, estoy ausente, de vacaciones, hemos recibido su mensaje,
    hemos recibido su correo
it 3.0: risposta automatica, fuori ufficio, sono assente, in ferie, abbiamo ricevuto il suo messaggio,
    abbiamo ricevuto la sua email
nl 3.0: automatisch antwoord, afwezig, niet op kantoor, met vakantie, beperkt toegang, wij hebben uw bericht ontvangen
pt 3.0: resposta automática, fora do escritório, estou ausente, de férias, recebemos a sua mensagem
pl 3.0: automatyczna odpowiedź, poza biurem, jestem nieobecn*, na urlopie, otrzymaliśmy twoją wiadomość
sv 3.0: automatiskt svar, frånvarande, inte på kontoret, på semester, vi har mottagit ditt meddelande
ja 3.0: 自動返信, 不在にしております, 不在, 外出中, 休暇中
zh 3.0: 自动回复, 不在办公室, 休假中, 休假, 我们已收到您的邮件
ko 3.0: 자동 응답, 부재중, 휴가 중, 자동회신
vi 3.0: trả lời tự động, vắng mặt, nghỉ phép
tr 3.0: otomatik yanıt, otomatik cevap, ofis dışında, izindeyim
cs 3.0: automatická odpověď, mimo kancelář, nepřítomn*, na dovolené
""",
    "bounce": """
en 4.0: delivery has failed, undeliverable, could not be delivered, mail delivery failed, returned to sender,
    delivery status notification, recipient address rejected, mailbox unavailable, message not delivered,
    delivery failure
de 4.0: unzustellbar, nicht zustellbar, konnte nicht zugestellt werden
fr 4.0: non remis, n'a pas pu être remis, échec de remise
es 4.0: no se pudo entregar, no entregado, error de entrega
""",
    "unrelated": """
en 2.0: unsubscribe, newsletter, % off, special offer, special offers, promo code, use code, webinar, register now,
    exhibitor, trade fair, booth, free samples, free sample, best price, catalogue, catalog, happy thanksgiving,
    happy holidays, happy new year, merry christmas, season's greetings, new year holiday, chinese new year,
    we have moved, our new address, mailbox is almost full, verify your account, click here, gift card, get a quote,
    we buy, boost your, ranking, invitation, shop the deals, deals, edition, showroom, open house,
    you are receiving this email, professional manufacturer, glad to know, inquiry list, sale ends, on sale
de 2.0: abmelden, newsletter, sonderangebot, messe, frohe weihnachten, gutes neues jahr, einladung, wir sind umgezogen
fr 2.0: se désinscrire, désabonner, newsletter, offre spéciale, salon, joyeuses fêtes, bonne année, invitation
es 2.0: darse de baja, boletín, oferta especial, feria, feliz navidad, feliz año nuevo,
    feliz día de acción de gracias, acción de gracias, felices fiestas, invitación, que lo disfruten
it 2.0: disiscriviti, offerta speciale, fiera, buone feste, buon natale, felice anno nuovo, invito
nl 2.0: afmelden, nieuwsbrief, aanbieding, beurs, prettige feestdagen, gelukkig nieuwjaar, uitnodiging
pt 2.0: cancelar subscrição, promoção, feira, boas festas, feliz natal, convite
pl 2.0: wypisz się, promocja, targi, wesołych świąt, szczęśliwego nowego roku, zaproszenie
sv 2.0: avregistrera, nyhetsbrev, erbjudande, mässa, god jul, gott nytt år, inbjudan
ja 2.0: 配信停止, メルマガ, キャンペーン, 展示会, あけましておめでとう
zh 2.0: 退订, 促销, 展会, 新年快乐, 圣诞快乐, 春节放假
ko 2.0: 수신거부, 뉴스레터, 프로모션, 전시회, 새해 복
vi 2.0: hủy đăng ký, khuyến mãi, triển lãm, chúc mừng năm mới
tr 2.0: abonelikten çık, kampanya, fuar, mutlu yıllar, bayramınız
cs 2.0: odhlásit, akce, veletrh, veselé vánoce, šťastný nový rok
""",
    "neutral": """
en 0: if you have any questions, any questions, any question, any queries, feel free to contact, do not hesitate,
    questions? contact, if anything's short, please contact, contact the recipient, confirm by return,
    estimated delivery, expected delivery, est. delivery, delivery is expected, track your parcel,
    please reply to this email quoting
de 0: bei fragen, für rückfragen, stehen wir ihnen gerne zur verfügung
fr 0: restant à votre disposition, n'hésitez pas, pour toute question
es 0: quedo a su disposición, quedo a sus órdenes, cualquier duda, cualquier consulta, quedo a la espera
it 0: restiamo a disposizione, per qualsiasi domanda
nl 0: voor vragen, met vragen
pt 0: ao dispor, qualquer dúvida
""",
    "request": """
en 0: please confirm po, please confirm the po, please confirm purchase order, reminder, purchase order,
    delivery date for, open order confirmation, delivery date?
""",
    "not_yet": """
en 1.0: not yet shipped, not shipped yet, has not shipped, hasn't shipped, not been shipped, not yet dispatched,
    not ready yet, not yet ready
de 1.0: noch nicht versandt, noch nicht verschickt, noch nicht raus, noch nicht fertig
fr 1.0: pas encore expédié, pas encore expédiée, pas encore prêt
es 1.0: todavía no enviado, todavía no se ha enviado, aún no enviado, aún no ha salido, todavía no ha salido
it 1.0: non ancora spedito, non è ancora stato spedito
nl 1.0: nog niet verzonden, nog niet klaar
pt 1.0: ainda não enviado, ainda não foi enviado
pl 1.0: jeszcze nie wysłane, nie zostało jeszcze wysłane
sv 1.0: inte skickat ännu, ännu inte skickat
ja 1.0: まだ発送されていません, 未発送
zh 1.0: 尚未发货, 还没发货, 未发货, 没有发货
ko 1.0: 아직 발송되지, 미발송
vi 1.0: chưa gửi, chưa giao
tr 1.0: henüz gönderilmedi, gönderilmedi
cs 1.0: ještě nebylo odesláno, dosud neodesláno
""",
}

# Cues whose words are split by the sentence (German separable verbs, "can ... not deliver"): (cue, lang, weight,
# needle, regex on lower-cased text). The regex runs only when the needle is in the text, which keeps them cheap.
# Kept few and bounded to one clause.
GAP_PATTERNS: tuple[tuple[str, str, float, str, str], ...] = (
    ("shipped", "de", 2.0, "raus", r"\bging(?:en)?\b[^.\n]{0,80}?\braus\b"),
    (
        "shipped",
        "de",
        2.0,
        "raus",
        r"\b(?:ist|sind)\b[^.\n]{0,40}?\b(?:heute|gestern|bereits|schon)\b[^.\n]{0,40}?\braus\b",
    ),
    ("future_ship", "de", 1.2, "raus", r"\b(?:geht|gehen)\b[^.\n]{0,60}?\braus\b"),
    ("cancelled", "de", 3.0, "nicht", r"\bkönnen\s+wir\b[^.\n]{0,80}?\bnicht\s+(?:liefern|ausführen|annehmen)\b"),
    (
        "cancelled",
        "en",
        3.0,
        "order",
        r"\b(?:can ?not|can't|are unable to|won't be able to)\s+(?:supply|fulfil|fulfill|accept)\b"
        r"[^.\n]{0,40}?\b(?:order|po)\b",
    ),
    ("delayed", "de", 2.0, "ver", r"\bverzögert\b[^.\n]{0,60}?\bsich\b|\bverschiebt\s+sich\b"),
    ("shipped", "en", 2.0, "shipped", r"\bwe\s+(?:have\s+)?shipped\b|\bshipped\s+\d+\s+(?:of|out\s+of)\s+\d+"),
    ("partial", "en", 1.0, " of ", r"\b\d+\s+(?:of|out\s+of)\s+\d+\b"),
    ("cancelled", "es", 3.0, "emos", r"\b(?:tenemos\s+que|debemos)\s+(?:anular|cancelar)\b"),
    (
        "cancelled",
        "fr",
        3.0,
        "pas",
        r"\bne\s+pouvons\b[^.\n]{0,30}?\bpas\s+(?:livrer|fournir|honorer)\b|\bn'est\s+plus\s+fabriqu",
    ),
    (
        "cancelled",
        "it",
        3.0,
        "non ",
        r"\bnon\s+(?:possiamo|siamo\s+in\s+grado\s+di)\s+(?:fornire|evadere|consegnare)\b",
    ),
    (
        "cancelled",
        "es",
        3.0,
        "no ",
        r"\bno\s+(?:podemos|podremos)\s+(?:suministrar|surtir|atender|entregar)\b|\bya\s+no\s+se\s+fabrica",
    ),
)
