"""`liaison escalations list|show|take|reassign|reply|move|set-date|resolve`: thin shells over core.escalations."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date

import typer
from sqlalchemy.ext.asyncio import AsyncSession

from api.cli import app, run_with_runtime
from api.runtime import Runtime
from core.clock import SystemClock
from core.errors import NotFoundError, ValidationProblem
from core.escalations import repository, service
from core.followups.service import FollowupContext
from models import Escalation

esc_app = typer.Typer(help="Work escalations: the cases Liaison hands to people.", no_args_is_help=True)
app.add_typer(esc_app, name="escalations")

CLOCK = SystemClock()
USER_OPTION = typer.Option(..., "--user", "-u", help="Who does it: user id or email.")


async def _user_id(rt: Runtime, ref: str) -> int:
    async with rt.sessions() as session:
        user = await repository.user_by_ref(session, ref)
    if user is None:
        raise NotFoundError(f"no user {ref}")
    return user.id


def _line(e: Escalation) -> str:
    due = e.sla_due_at.strftime("%Y-%m-%d %H:%M") if e.sla_due_at else "-"
    who = f"user {e.assignee_id}" if e.assignee_id else "unassigned"
    return f"#{e.id:<5} {e.state:<17} {e.severity:<8} L{e.level} SLA {due}  {who:<12} {e.reason}: {e.summary[:80]}"


@esc_app.command("list")
def list_cmd(
    state: list[str] = typer.Option(None, "--state", help="open, in_progress, waiting_on_vendor, resolved."),
    assignee: str = typer.Option(None, "--assignee", help="Only those assigned to this user (id or email)."),
    limit: int = typer.Option(50, help="At most this many."),
) -> None:
    """Unresolved escalations, the earliest SLA first."""

    async def work(rt: Runtime) -> list[str]:
        assignee_id = await _user_id(rt, assignee) if assignee else None
        async with rt.sessions() as session:
            rows = await service.list_escalations(session, states=state or None, assignee_id=assignee_id, limit=limit)
            return [_line(e) for e in rows]

    lines = run_with_runtime(work)
    typer.echo("\n".join(lines) if lines else "no escalations")


@esc_app.command("show")
def show(escalation_id: int = typer.Argument(..., help="Escalation number.")) -> None:
    """One escalation with its notes."""

    async def work(rt: Runtime) -> list[str]:
        async with rt.sessions() as session:
            e = await service.get_escalation(session, escalation_id)
            po = await repository.get_po(session, e.po_id) if e.po_id else None
            out = [_line(e), f"PO: {po.number if po else '-'}   message: {e.message_id or '-'}"]
            if e.resolution_note:
                out.append(f"resolution: {e.resolution_note}")
            out += [f"  {n.at:%Y-%m-%d %H:%M} {n.author}: {n.text}" for n in e.notes]
            return out

    typer.echo("\n".join(run_with_runtime(work)))


def _do(describe: str, op: Callable[[Runtime, AsyncSession], Awaitable[str]]) -> None:
    """Run one change in one transaction and say what happened."""

    async def work(rt: Runtime) -> str:
        async with rt.sessions() as session, session.begin():
            return await op(rt, session)

    typer.echo(f"{describe}: {run_with_runtime(work)}")


@esc_app.command("take")
def take(escalation_id: int = typer.Argument(...), user: str = USER_OPTION) -> None:
    """Take an escalation: you work on it now."""

    async def op(rt: Runtime, session: AsyncSession) -> str:
        uid = await _user_id(rt, user)
        e = await service.take(session, escalation_id, user_id=uid, now=CLOCK.now())
        return f"#{e.id} is yours (user {uid})"

    _do("taken", op)


@esc_app.command("reassign")
def reassign(
    escalation_id: int = typer.Argument(...), to: str = typer.Option(..., "--to"), user: str = USER_OPTION
) -> None:
    """Give an escalation to someone else."""

    async def op(rt: Runtime, session: AsyncSession) -> str:
        uid, to_id = await _user_id(rt, user), await _user_id(rt, to)
        await service.reassign(session, escalation_id, to_user_id=to_id, by_user_id=uid, now=CLOCK.now())
        return f"#{escalation_id} now with user {to_id}"

    _do("reassigned", op)


@esc_app.command("reply")
def reply(
    escalation_id: int = typer.Argument(...),
    text: str = typer.Option(..., "--text", "-t", help="What to write to the vendor."),
    channel: str = typer.Option(None, help="email or telegram (default: the thread's, else the vendor's preferred)."),
    user: str = USER_OPTION,
) -> None:
    """Write to the vendor through Liaison (sent by the outbox)."""

    async def op(rt: Runtime, session: AsyncSession) -> str:
        uid = await _user_id(rt, user)
        ctx = FollowupContext.from_settings(rt.settings)
        item = await service.reply_to_vendor(
            session,
            escalation_id,
            text=text,
            by_user_id=uid,
            now=CLOCK.now(),
            channel=channel,
            buyer_company=ctx.buyer_company,
            message_id_domain=ctx.message_id_domain,
        )
        return f"queued to {item.recipient} by {item.channel} (outbox {item.id})"

    _do("reply", op)


@esc_app.command("move")
def move(
    escalation_id: int = typer.Argument(...),
    to: str = typer.Option(..., "--to", help="The PO number the message is really about."),
    user: str = USER_OPTION,
) -> None:
    """Correct a wrong match: the escalated message belongs to another PO."""

    async def op(rt: Runtime, session: AsyncSession) -> str:
        uid = await _user_id(rt, user)
        po = await service.move_message(session, escalation_id, to_po_number=to, by_user_id=uid, now=CLOCK.now())
        return f"message of #{escalation_id} now linked to {po.number}"

    _do("moved", op)


@esc_app.command("set-date")
def set_date(
    escalation_id: int = typer.Argument(...),
    eta: str = typer.Option(..., "--eta", help="The right date, YYYY-MM-DD."),
    user: str = USER_OPTION,
) -> None:
    """Correct the date read from the vendor's message (sets the PO's ETA)."""
    try:
        day = date.fromisoformat(eta)
    except ValueError as exc:
        raise ValidationProblem(f"not a date: {eta}") from exc

    async def op(rt: Runtime, session: AsyncSession) -> str:
        uid = await _user_id(rt, user)
        po = await service.correct_date(session, escalation_id, eta=day, by_user_id=uid, now=CLOCK.now())
        return f"{po.number} ETA {day.isoformat()}"

    _do("corrected", op)


@esc_app.command("resolve")
def resolve(
    escalation_id: int = typer.Argument(...),
    note: str = typer.Option(..., "--note", "-n", help="What was done."),
    user: str = USER_OPTION,
) -> None:
    """Close an escalation with a note."""

    async def op(rt: Runtime, session: AsyncSession) -> str:
        uid = await _user_id(rt, user)
        await service.resolve(session, escalation_id, note=note, by_user_id=uid, now=CLOCK.now())
        return f"#{escalation_id}"

    _do("resolved", op)
