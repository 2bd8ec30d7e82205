"""Read an ERP file (CSV, or JSON in the `purchase_orders.json` shape) into checked records.

Pure: no database. Every record is checked and every problem kept with its place in the file, so the
importer can refuse a bad file whole and say everything that is wrong with it at once. JSON is streamed
(ijson, C backend): a 100 MB file is never held as one Python tree.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any, BinaryIO, Literal

import ijson  # type: ignore[import-untyped]
from pydantic import ValidationError

from core.purchase_orders.schemas import (
    CSV_COLUMNS,
    CSV_PO_COLUMNS,
    CSV_REQUIRED,
    CsvRowIn,
    ImportBatch,
    ImportProblem,
    LineRecord,
    PORecord,
    PurchaseOrderIn,
    Sharer,
    VendorIn,
    csv_where,
    json_where,
    line_record,
    shown,
    vendor_record,
)

Progress = Callable[[str, int, int], None]  # (phase, done, total)
FileFormat = Literal["csv", "json"]

# columns `liaison export --format csv` writes beyond the import columns: accepted and ignored, so an
# export can be edited and imported back
EXPORT_ONLY_COLUMNS = frozenset(
    {
        "vendor_name",
        "original_promised_date",
        "eta",
        "exc_late",
        "exc_vendor_delay",
        "exc_quantity_discrepancy",
        "exc_price_discrepancy",
        "exc_vendor_unresponsive",
        "exc_contact_bounced",
        "quantity_confirmed",
        "quantity_shipped",
        "quantity_received",
        "carriers",
        "tracking_numbers",
    }
)
_PROGRESS_EVERY = 1 << 20


class _CountingReader(io.RawIOBase):
    """Counts the bytes read so a progress bar can follow a streamed parse."""

    def __init__(self, raw: BinaryIO, total: int, progress: Progress | None) -> None:
        self._raw = raw
        self._total = total
        self._progress = progress
        self.done = 0
        self._reported = 0

    def readable(self) -> bool:
        return True

    def close(self) -> None:
        self._raw.close()
        super().close()

    def readinto(self, buffer: Any) -> int:
        data = self._raw.read(len(buffer))
        n = len(data)
        buffer[:n] = data
        self.done += n
        if self._progress and (self.done - self._reported >= _PROGRESS_EVERY or n == 0):
            self._reported = self.done
            self._progress("reading", self.done, self._total)
        return n


def _open_counting(path: Path, progress: Progress | None) -> io.BufferedReader:
    return io.BufferedReader(_CountingReader(path.open("rb"), path.stat().st_size, progress), 1 << 16)


def detect_format(path: Path) -> FileFormat:
    suffix = path.suffix.lower()
    if suffix in (".csv", ".txt", ".tsv"):
        return "csv"
    if suffix == ".json":
        return "json"
    with path.open("rb") as f:
        head = f.read(4096).lstrip(b"\xef\xbb\xbf \t\r\n")
    return "json" if head[:1] in (b"{", b"[") else "csv"


def read_file(path: Path, *, fmt: FileFormat | None = None, progress: Progress | None = None) -> ImportBatch:
    fmt = fmt or detect_format(path)
    return read_csv(path, progress=progress) if fmt == "csv" else read_json(path, progress=progress)


def _validation_problems(
    batch: ImportBatch, exc: ValidationError, base: tuple[str | int, ...], *, csv_row: int | None = None
) -> None:
    for err in exc.errors(include_url=False):
        loc = tuple(err["loc"])
        # an empty cell (None) for a required value reads better as "empty" than as a type error
        message = "must not be empty" if err.get("input", "") is None and err["type"] != "missing" else str(err["msg"])
        if csv_row is not None:
            column = str(loc[0]) if loc else None
            batch.add(ImportProblem("csv", csv_where(csv_row), column, message))
        elif loc and isinstance(loc[-1], str):
            batch.add(ImportProblem("json", json_where(*base, *loc[:-1]), loc[-1], message))
        else:
            batch.add(ImportProblem("json", json_where(*base, *loc), None, message))


def _duplicate_lines(lines: Iterable[LineRecord]) -> Iterator[tuple[int, LineRecord]]:
    seen: set[int] = set()
    for index, line in enumerate(lines):
        if line.line_no in seen:
            yield index, line
        seen.add(line.line_no)


# ----------------------------------------------------------------------------------------------
# JSON


def _scan_top_level(batch: ImportBatch, stream: io.BufferedReader) -> dict[str, str]:
    """First pass: the top-level keys (and what each holds), and the vendors, built as they stream by."""
    kinds: dict[str, str] = {}
    vendors: list[Any] = []
    builder: Any = None
    events = ijson.parse(stream)
    first = next(events, None)
    if first is None or first[1] != "start_map":
        batch.add(ImportProblem("json", "$", None, "the file must hold a JSON object"))
        return kinds
    for prefix, event, value in events:
        if builder is not None:
            builder.event(event, value)
            if prefix == "vendors.item" and event in ("end_map", "end_array"):
                vendors.append(builder.value)
                builder = None
        elif prefix == "vendors.item":
            if event in ("start_map", "start_array"):
                builder = ijson.ObjectBuilder()
                builder.event(event, value)
            else:
                vendors.append(value)
        elif not prefix and event == "map_key":
            kinds[value] = ""
        elif prefix in kinds and not kinds[prefix]:
            kinds[prefix] = event
    for index, raw in enumerate(vendors):
        try:
            batch.vendors.append(vendor_record(VendorIn.model_validate(raw), index))
        except ValidationError as exc:
            _validation_problems(batch, exc, ("vendors", index))
            if isinstance(raw, dict) and isinstance(raw.get("id"), str):
                batch.refused_vendor_codes.add(raw["id"].strip())
    return kinds


def read_json(path: Path, *, progress: Progress | None = None) -> ImportBatch:
    batch = ImportBatch(style="json", name=path.name)
    try:
        with _open_counting(path, None) as stream:
            kinds = _scan_top_level(batch, stream)
    except ijson.JSONError as exc:
        batch.add(ImportProblem("json", "file", None, f"not valid JSON: {str(exc)[:200]}"))
        return batch
    if any(p.where in ("$", "file") for p in batch.problems):
        return batch  # not an object: nothing more to say about its parts
    for key in ("vendors", "purchase_orders"):
        if key in kinds and kinds[key] != "start_array":
            batch.add(ImportProblem("json", key, None, "must be a list"))
    if "vendors" not in kinds and "purchase_orders" not in kinds:
        batch.add(ImportProblem("json", "$", None, "no `vendors` or `purchase_orders` list in the file"))
    if any(p.column is None and p.where in ("$", "vendors", "purchase_orders") for p in batch.problems):
        return batch
    if "purchase_orders" not in kinds:
        return batch

    seen_vendors: dict[str, int] = {}
    for vendor in batch.vendors:
        if vendor.code in seen_vendors:
            where = json_where("vendors", vendor.source)
            batch.add(
                ImportProblem("json", where, "id", f"duplicate vendor id (also vendors[{seen_vendors[vendor.code]}])")
            )
        seen_vendors.setdefault(vendor.code, vendor.source)

    seen_numbers: dict[str, int] = {}
    share = Sharer()
    with _open_counting(path, progress) as stream:
        for index, raw in enumerate(ijson.items(stream, "purchase_orders.item")):
            try:
                po = PurchaseOrderIn.model_validate(raw)
            except ValidationError as exc:
                _validation_problems(batch, exc, ("purchase_orders", index))
                continue
            record = PORecord(
                number=po.number,
                vendor_code=share(po.vendor_id),
                buyer_email=share(po.buyer_email),
                order_date=share(po.order_date),
                promised_date=share(po.promised_date),
                status=po.status,
                currency=share(po.currency),
                vendor_reference=po.vendor_reference or None,
                lines=[line_record(line, share) for line in po.lines],
                sent_messages=[message.record() for message in po.sent_messages],
                source=index,
            )
            for line_index, line in _duplicate_lines(record.lines):
                where = json_where("purchase_orders", index, "lines", line_index)
                batch.add(ImportProblem("json", where, "line", f"duplicate line {line.line_no}"))
            if po.number in seen_numbers:
                where = json_where("purchase_orders", index)
                first = seen_numbers[po.number]
                batch.add(
                    ImportProblem("json", where, "number", f"duplicate PO number (also purchase_orders[{first}])")
                )
                continue
            seen_numbers[po.number] = index
            batch.purchase_orders.append(record)
    return batch


# ----------------------------------------------------------------------------------------------
# CSV


class _Semicolon(csv.excel):
    delimiter = ";"


class _Tab(csv.excel):
    delimiter = "\t"


def _sniff_dialect(header_line: str) -> type[csv.Dialect]:
    """Standard CSV quoting; only the delimiter varies (spreadsheets in many locales save with `;`)."""
    counts = {",": header_line.count(","), ";": header_line.count(";"), "\t": header_line.count("\t")}
    best = max(counts, key=lambda d: counts[d])
    return {";": _Semicolon, "\t": _Tab}.get(best, csv.excel) if counts[best] else csv.excel


def _header_problems(batch: ImportBatch, header: list[str]) -> bool:
    ok = True
    seen: set[str] = set()
    for name in header:
        if name in seen:
            batch.add(ImportProblem("csv", csv_where(1), name or "(empty)", "duplicate column"))
            ok = False
        seen.add(name)
        if name not in CSV_COLUMNS and name not in EXPORT_ONLY_COLUMNS:
            batch.add(ImportProblem("csv", csv_where(1), name or "(empty)", "unknown column"))
            ok = False
    for name in CSV_REQUIRED:
        if name not in seen:
            batch.add(ImportProblem("csv", csv_where(1), name, "missing column"))
            ok = False
    return ok


def read_csv(path: Path, *, progress: Progress | None = None) -> ImportBatch:
    """One row per PO line; the PO's own fields are repeated on each of its rows and must agree."""
    batch = ImportBatch(style="csv", name=path.name)
    by_number: dict[str, tuple[PORecord, dict[str, Any], dict[int, int]]] = {}
    share = Sharer()
    try:
        with _open_counting(path, progress) as raw, io.TextIOWrapper(raw, encoding="utf-8-sig", newline="") as text:
            header_line = text.readline()
            dialect = _sniff_dialect(header_line)
            header = [cell.strip().lower() for cell in next(csv.reader([header_line], dialect), [])]
            if not _header_problems(batch, header):
                return batch
            reader = csv.reader(text, dialect)
            start = 2
            for cells in reader:
                row, start = start, reader.line_num + 2  # reader counts from the line after the header
                if not any(cell.strip() for cell in cells):
                    continue
                if len(cells) != len(header):
                    message = f"expected {len(header)} fields, found {len(cells)}"
                    batch.add(ImportProblem("csv", csv_where(row), None, message))
                    continue
                values = {
                    name: (cell.strip() or None)
                    for name, cell in zip(header, cells, strict=True)
                    if name in CSV_COLUMNS
                }
                try:
                    parsed = CsvRowIn.model_validate(values)
                except ValidationError as exc:
                    _validation_problems(batch, exc, (), csv_row=row)
                    continue
                _add_csv_row(batch, by_number, parsed, row, share)
    except UnicodeDecodeError as exc:
        batch.add(ImportProblem("csv", "file", None, f"not UTF-8 text ({exc.reason} at byte {exc.start})"))
    except csv.Error as exc:
        batch.add(ImportProblem("csv", "file", None, f"not readable as CSV: {shown(str(exc))}"))
    batch.purchase_orders = [record for record, _, _ in by_number.values()]
    if not batch.purchase_orders and not batch.problems:
        batch.add(ImportProblem("csv", "file", None, "no purchase order rows"))
    return batch


def _add_csv_row(
    batch: ImportBatch,
    by_number: dict[str, tuple[PORecord, dict[str, Any], dict[int, int]]],
    parsed: CsvRowIn,
    row: int,
    share: Sharer,
) -> None:
    line = LineRecord(
        line_no=parsed.line,
        sku=parsed.sku or None,
        vendor_sku=parsed.vendor_sku or None,
        description=share(parsed.description or ""),
        unit=share(parsed.unit or "pcs"),
        unit_price=share(parsed.unit_price),
        quantity=share(parsed.quantity),
    )
    po_fields = {name: getattr(parsed, name) for name in CSV_PO_COLUMNS}
    existing = by_number.get(parsed.po_number)
    if existing is None:
        record = PORecord(
            number=parsed.po_number,
            vendor_code=parsed.vendor_code,
            buyer_email=parsed.buyer_email,
            order_date=parsed.order_date,
            promised_date=parsed.promised_date,
            status=parsed.status,
            currency=parsed.currency,
            vendor_reference=parsed.vendor_reference or None,
            lines=[line],
            source=row,
        )
        by_number[parsed.po_number] = (record, po_fields, {line.line_no: row})
        return
    record, first_fields, line_rows = existing
    for name, value in po_fields.items():
        if value != first_fields[name]:
            message = f"{shown(value)} differs from {shown(first_fields[name])} on line {record.source} for the same PO"
            batch.add(ImportProblem("csv", csv_where(row), name, message))
    if line.line_no in line_rows:
        message = f"duplicate line {line.line_no} of {record.number} (first on line {line_rows[line.line_no]})"
        batch.add(ImportProblem("csv", csv_where(row), "line", message))
        return
    line_rows[line.line_no] = row
    record.lines.append(line)
