"""Writes the golden .eml files in golden/ (run once; the files are committed)."""

from __future__ import annotations

import base64
import struct
from pathlib import Path

GOLDEN = Path(__file__).parent / "golden"


def _tnef_object(level: int, name: int, kind: int, data: bytes) -> bytes:
    checksum = sum(data) & 0xFFFF
    return struct.pack("<BHHI", level, name, kind, len(data)) + data + struct.pack("<H", checksum)


def tnef_blob() -> bytes:
    body = b"Hello Anna,\r\nPO-4512 is confirmed for delivery on 28.11.2026.\r\nRegards, Gary\r\n"
    return (
        struct.pack("<IH", 0x223E9F78, 0x0001)
        + _tnef_object(1, 0x800C, 0x0002, body)
        + _tnef_object(2, 0x9002, 0x0006, b"\x00" * 14)
        + _tnef_object(2, 0x8010, 0x0001, b"order-confirmation.csv\x00")
        + _tnef_object(2, 0x800F, 0x0006, b"po,qty\nPO-4512,500\n")
    )


def main() -> None:
    GOLDEN.mkdir(exist_ok=True)
    iso2022 = "ご注文PO-4512の納期は2026年11月28日です。".encode("iso2022_jp")
    (GOLDEN / "iso2022jp.eml").write_bytes(
        b"From: =?ISO-2022-JP?B?" + base64.b64encode("山田太郎".encode("iso2022_jp")) + b"?= <yamada@acme.example.jp>\n"
        b"To: anna@northwind.example\n"
        b"Subject: =?ISO-2022-JP?B?" + base64.b64encode("注文書 PO-4512 の件".encode("iso2022_jp")) + b"?=\n"
        b"Date: Fri, 20 Nov 2026 10:00:00 +0900\n"
        b"Message-ID: <jp1@acme.example.jp>\n"
        b"MIME-Version: 1.0\n"
        b'Content-Type: text/plain; charset="ISO-2022-JP"\n'
        b"Content-Transfer-Encoding: 7bit\n\n" + iso2022 + b"\n"
    )
    (GOLDEN / "shift_jis.eml").write_bytes(
        b"From: sales@acme.example.jp\nTo: anna@northwind.example\n"
        b"Subject: =?Shift_JIS?B?" + base64.b64encode("納期回答".encode("cp932")) + b"?=\n"
        b"Message-ID: <sjis1@acme.example.jp>\nMIME-Version: 1.0\n"
        b"Content-Type: text/plain; charset=Shift_JIS\nContent-Transfer-Encoding: 8bit\n\n"
        + "出荷予定日は１２月１日です。①番の部品も含みます。".encode("cp932")
        + b"\n"
    )
    (GOLDEN / "big5_mislabelled.eml").write_bytes(
        b"From: Wang <wang@factory.example.tw>\nTo: anna@northwind.example\nSubject: Re: PO-4615\n"
        b"Message-ID: <big5@factory.example.tw>\nMIME-Version: 1.0\n"
        b"Content-Type: text/plain; charset=Big5\nContent-Transfer-Encoding: 8bit\n\n"
        + "您好！ 你今天好吗？ 订单PO-4615已发货。".encode()
        + b"\n"
    )
    (GOLDEN / "windows1252.eml").write_bytes(
        b"From: =?windows-1252?Q?Fran=E7ois_M=FCller?= <fm@fournisseur.example>\n"
        b"To: anna@northwind.example\n"
        b"Subject: =?windows-1252?Q?Commande_4549_=96_livraison_pr=E9vue?=\n"
        b"Message-ID: <cp1252@fournisseur.example>\nMIME-Version: 1.0\n"
        b"Content-Type: text/plain; charset=windows-1252\nContent-Transfer-Encoding: quoted-printable\n\n"
        b"Livraison pr=E9vue le 30/11/2026 =96 co=FBt 1=A0250 =80.\n"
    )
    (GOLDEN / "outlook_html_only.eml").write_bytes(
        b"From: Gary Whitfield <sales@acme-fasteners.example>\nTo: anna@northwind.example\n"
        b"Subject: RE: Purchase order PO-4512\nMessage-ID: <html1@acme-fasteners.example>\n"
        b"In-Reply-To: <po-4512.1@northwind.example>\n"
        b"References: <po-4512.0@northwind.example> <po-4512.1@northwind.example>\n"
        b"Date: Fri, 20 Nov 2026 11:00:00 +0000\nMIME-Version: 1.0\n"
        b'Content-Type: text/html; charset="utf-8"\nContent-Transfer-Encoding: 8bit\n\n'
        b"<html><head><style>p.MsoNormal{margin:0}</style></head><body>"
        b'<div class="WordSection1"><p class="MsoNormal">Hi Anna,</p>'
        b'<p class="MsoNormal">PO 4512 confirmed, delivery 03/12.</p>'
        b'<p class="MsoNormal">Regards, Gary</p></div>'
        b'<hr style="display:inline-block;width:98%"><div id="divRplyFwdMsg" dir="ltr">'
        b"<b>From:</b> Anna Bauer &lt;anna@northwind.example&gt;<br><b>Sent:</b> 18 November 2026 09:00<br>"
        b"<b>To:</b> sales@acme-fasteners.example<br><b>Subject:</b> Purchase order PO-4512</div>"
        b"<div><p>Please confirm PO-4512 for delivery on 2026-11-28.</p></div></body></html>\n"
    )
    tnef = base64.encodebytes(tnef_blob())
    (GOLDEN / "tnef.eml").write_bytes(
        b"From: Gary <sales@acme-fasteners.example>\nTo: anna@northwind.example\nSubject: RE: PO-4512\n"
        b"Message-ID: <tnef1@acme-fasteners.example>\nMIME-Version: 1.0\n"
        b'Content-Type: multipart/mixed; boundary="b1"\n\n--b1\n'
        b"Content-Type: text/plain; charset=us-ascii\n\n\n--b1\n"
        b'Content-Type: application/ms-tnef; name="winmail.dat"\n'
        b'Content-Disposition: attachment; filename="winmail.dat"\n'
        b"Content-Transfer-Encoding: base64\n\n" + tnef + b"--b1--\n"
    )
    (GOLDEN / "dsn_bounce.eml").write_bytes(
        b"From: Mail Delivery System <MAILER-DAEMON@mx1.northwind.example>\n"
        b"To: anna@northwind.example\nSubject: Undelivered Mail Returned to Sender\n"
        b"Message-ID: <dsn1@mx1.northwind.example>\nAuto-Submitted: auto-replied\nMIME-Version: 1.0\n"
        b'Content-Type: multipart/report; report-type=delivery-status; boundary="r1"\n\n'
        b"--r1\nContent-Type: text/plain\n\nYour message could not be delivered.\n\n"
        b"--r1\nContent-Type: message/delivery-status\n\n"
        b"Reporting-MTA: dns; mx1.northwind.example\n\n"
        b"Final-Recipient: rfc822; exports@puneprecision.example\nAction: failed\nStatus: 5.1.1\n"
        b"Diagnostic-Code: smtp; 550 5.1.1 user unknown\n\n"
        b"--r1\nContent-Type: message/rfc822\n\n"
        b"From: anna@northwind.example\nTo: exports@puneprecision.example\n"
        b"Subject: Reminder: please confirm PO-4545\nMessage-ID: <po-4545.2@northwind.example>\n\n"
        b"Please confirm PO-4545.\n\n--r1--\n"
    )


if __name__ == "__main__":
    main()
