"""`liaison invite vendor|buyer|agent ...`: a one-time Telegram deep link that links an account."""

from __future__ import annotations

from datetime import timedelta

import typer

from api.cli import app, fail, run_with_runtime
from api.runtime import Runtime
from core.chat import repository as chat_repository
from core.chat.invites import DEFAULT_TTL, InviteRole, create_invite
from core.clock import SystemClock
from core.purchase_orders.repository import vendor_by_code
from models import User

invite_app = typer.Typer(help="Invite someone to the Telegram bot (prints a one-time link).", no_args_is_help=True)
app.add_typer(invite_app, name="invite")


async def _bot_username(rt: Runtime) -> str | None:
    if rt.settings.telegram_bot_username:
        return rt.settings.telegram_bot_username.lstrip("@")
    if rt.settings.telegram_token is None:
        return None
    from telegram import Bot

    api = (rt.settings.telegram_api_url or "https://api.telegram.org").rstrip("/")
    async with Bot(rt.settings.telegram_token.get_secret_value(), base_url=f"{api}/bot") as bot:
        return bot.username


def _print_link(username: str | None, code: str, days: int) -> None:
    if username:
        typer.echo(f"https://t.me/{username}?start={code}")
    else:
        typer.echo(f"send the bot: /start {code}")
    typer.echo(f"(single use, valid {days} days)", err=True)


@invite_app.command("vendor")
def invite_vendor(
    vendor_code: str = typer.Argument(..., help="The vendor's code."),
    name: str = typer.Option(None, "--name", help="The contact person's name."),
    days: int = typer.Option(DEFAULT_TTL.days, help="Days the link stays valid."),
) -> None:
    """Link a vendor contact's Telegram account to the vendor."""

    async def work(rt: Runtime) -> tuple[str, str | None]:
        async with rt.sessions() as session, session.begin():
            vendor = await vendor_by_code(session, vendor_code)
            if vendor is None:
                fail(f"no vendor {vendor_code}")
                raise AssertionError
            _, code = await create_invite(
                session,
                role=InviteRole.VENDOR,
                vendor_id=vendor.id,
                contact_name=name,
                now=SystemClock().now(),
                ttl=timedelta(days=days),
            )
        return code, await _bot_username(rt)

    code, username = run_with_runtime(work)
    _print_link(username, code, days)


def _invite_user(role: InviteRole, email: str, name: str | None, days: int) -> None:
    async def work(rt: Runtime) -> tuple[str, str | None]:
        now = SystemClock().now()
        async with rt.sessions() as session, session.begin():
            user = await chat_repository.user_by_email(session, email)
            if user is None:
                user = User(email=email.strip().lower(), name=name or email, role=role.value, created_at=now)
                session.add(user)
                await session.flush()
            _, code = await create_invite(session, role=role, user_id=user.id, now=now, ttl=timedelta(days=days))
        return code, await _bot_username(rt)

    code, username = run_with_runtime(work)
    _print_link(username, code, days)


@invite_app.command("buyer")
def invite_buyer(
    email: str = typer.Argument(..., help="The buyer's email (created as a buyer if unknown)."),
    name: str = typer.Option(None, "--name"),
    days: int = typer.Option(DEFAULT_TTL.days, help="Days the link stays valid."),
) -> None:
    """Link a buyer's Telegram account (PO questions and alerts)."""
    _invite_user(InviteRole.BUYER, email, name, days)


@invite_app.command("agent")
def invite_agent(
    email: str = typer.Argument(..., help="The agent's email (created as an agent if unknown)."),
    name: str = typer.Option(None, "--name"),
    days: int = typer.Option(DEFAULT_TTL.days, help="Days the link stays valid."),
) -> None:
    """Link an agent's Telegram account (escalations with actions)."""
    _invite_user(InviteRole.AGENT, email, name, days)
