"""People and machines that use the web side: `liaison users add` and `liaison tokens create|list|revoke`."""

from __future__ import annotations

import typer

from api import auth
from api.cli import app, fail, run_with_runtime
from api.runtime import Runtime
from core.clock import SystemClock
from models import ApiToken

users_app = typer.Typer(help="Dashboard users (buyers, agents, leads, admins).", no_args_is_help=True)
tokens_app = typer.Typer(help="API tokens for ERPs calling /api/v1.", no_args_is_help=True)
app.add_typer(users_app, name="users")
app.add_typer(tokens_app, name="tokens")


@users_app.command("add")
def users_add(
    email: str = typer.Option(..., help="Login email (also how imports name the buyer)."),
    name: str = typer.Option("", help="Shown on pages and in messages to vendors."),
    role: str = typer.Option("buyer", help="buyer | agent | lead | admin"),
    password: str = typer.Option(
        ...,
        prompt=True,
        hide_input=True,
        confirmation_prompt=True,
        help=f"Dashboard password (at least {auth.MIN_PASSWORD_CHARS} characters); asked for when not given.",
    ),
) -> None:
    """Create a user, or update the role, name and password of the user with that email."""
    if role not in auth.ROLES:
        fail(f"unknown role {role!r} (one of {', '.join(auth.ROLES)})")
    # hashed before opening the database: scrypt is slow on purpose
    password_hash = auth.hash_password(password) if len(password) >= auth.MIN_PASSWORD_CHARS else None
    if password_hash is None:
        fail(f"the password needs at least {auth.MIN_PASSWORD_CHARS} characters")

    async def work(rt: Runtime) -> tuple[int, bool]:
        now = SystemClock().now()
        async with rt.sessions() as session:
            user, created = await auth.upsert_user(session, email=email, name=name, role=role, now=now)
            assert password_hash is not None
            await auth.set_password(session, user, password_hash, now=now)
            await session.commit()
            return user.id, created

    user_id, created = run_with_runtime(work)
    typer.echo(f"{'created' if created else 'updated'} user {user_id}: {email.strip().lower()} ({role})")


@tokens_app.command("create")
def tokens_create(name: str = typer.Option(..., help="Who uses it, e.g. ERP.")) -> None:
    """Create an API token and print it once: only its hash is kept."""

    async def work(rt: Runtime) -> tuple[int, str]:
        async with rt.sessions() as session:
            row, secret = await auth.create_token(session, name=name, now=SystemClock().now())
            await session.commit()
            return row.id, secret

    token_id, secret = run_with_runtime(work)
    typer.echo(f"token {token_id} ({name}) created. Copy it now, it is not shown again:", err=True)
    typer.echo(secret)


def _token_line(token: ApiToken) -> str:
    used = f"last used {token.last_used_at:%Y-%m-%d %H:%M}" if token.last_used_at else "never used"
    revoked = "\tREVOKED" if token.revoked_at else ""
    return f"{token.id}\t{token.name}\t{token.prefix}…\tcreated {token.created_at:%Y-%m-%d}\t{used}{revoked}"


@tokens_app.command("list")
def tokens_list() -> None:
    """Tokens by id, name and prefix, with when they were last used."""

    async def work(rt: Runtime) -> list[str]:
        async with rt.sessions() as session:
            rows = await auth.list_tokens(session)
        return [_token_line(t) for t in rows]

    for line in run_with_runtime(work) or ["no tokens"]:
        typer.echo(line)


@tokens_app.command("revoke")
def tokens_revoke(token_id: int = typer.Argument(..., help="The id from `liaison tokens list`.")) -> None:
    """Stop a token working at once."""

    async def work(rt: Runtime) -> bool:
        async with rt.sessions() as session:
            done = await auth.revoke_token(session, token_id, now=SystemClock().now())
            await session.commit()
            return done

    if not run_with_runtime(work):
        fail(f"no live token {token_id}")
    typer.echo(f"token {token_id} revoked")
