"""The gem ledger. Invariant: a user's `gems_balance` equals the sum of their ledger rows.

Every change is one conditional UPDATE of the balance plus one ledger row, in the caller's
transaction: two requests racing for the last gem cannot both win, the balance never goes
negative (also enforced by a CHECK constraint), and a try-on is refunded at most once.
"""

from __future__ import annotations

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from fittingroom.db.models import GemLedgerEntry, User
from fittingroom.errors import FittingroomError


class InsufficientGems(FittingroomError):
    def __init__(self, required: int, balance: int) -> None:
        super().__init__(f"Not enough gems: {required} required, {balance} available")
        self.required = required
        self.balance = balance


def ensure_user(session: Session, user_id: str, initial_grant: int = 0) -> User:
    """The user, created on first sight with `initial_grant` gems (a ledger row records it)."""
    user = session.get(User, user_id)
    if user is not None:
        return user
    try:
        with session.begin_nested():
            user = User(id=user_id, gems_balance=0)
            session.add(user)
            session.flush()
            if initial_grant > 0:
                _change(session, user_id, initial_grant, "grant", note="welcome grant")
    except IntegrityError:  # created by a concurrent request: use theirs
        user = session.get(User, user_id)
        if user is None:
            raise
    return user


def balance(session: Session, user_id: str) -> int:
    value = session.scalar(select(User.gems_balance).where(User.id == user_id))
    return int(value or 0)


def ledger_sum(session: Session, user_id: str) -> int:
    return int(
        session.scalar(
            select(func.coalesce(func.sum(GemLedgerEntry.delta), 0)).where(GemLedgerEntry.user_id == user_id)
        )
        or 0
    )


def _change(
    session: Session,
    user_id: str,
    delta: int,
    kind: str,
    tryon_id: str | None = None,
    note: str | None = None,
) -> bool:
    """Apply `delta` if the balance stays >= 0; add the ledger row. False when it would not."""
    result = session.execute(
        update(User)
        .where(User.id == user_id, User.gems_balance + delta >= 0)
        .values(gems_balance=User.gems_balance + delta)
        .execution_options(synchronize_session=False)
    )
    if not result.rowcount:  # type: ignore[attr-defined]
        return False
    session.add(GemLedgerEntry(user_id=user_id, delta=delta, kind=kind, tryon_id=tryon_id, note=note))
    session.flush()
    return True


def grant(session: Session, user_id: str, amount: int, note: str | None = None) -> int:
    """Add `amount` (> 0) gems; returns the new balance."""
    if amount <= 0:
        raise ValueError("a grant is a positive number of gems")
    ensure_user(session, user_id)
    _change(session, user_id, amount, "grant", note=note)
    return balance(session, user_id)


def debit(session: Session, user_id: str, amount: int, tryon_id: str) -> int:
    """Take `amount` (>= 0) gems for a try-on, atomically; returns the new balance.

    Raises InsufficientGems (nothing changes) when the balance is short."""
    if amount < 0:
        raise ValueError("a debit is a non-negative number of gems")
    if amount == 0:
        return balance(session, user_id)
    if not _change(session, user_id, -amount, "debit", tryon_id=tryon_id):
        raise InsufficientGems(amount, balance(session, user_id))
    return balance(session, user_id)


def refund(session: Session, user_id: str, tryon_id: str) -> int:
    """Give back what was debited for `tryon_id`, once; returns the gems refunded (0 if none
    were debited or they were already refunded).

    The user's row is locked first (a no-op UPDATE: SQLite's write lock, PostgreSQL's row
    lock), so two refunds of one try-on are serialised and the second finds nothing owed."""
    session.execute(
        update(User)
        .where(User.id == user_id)
        .values(gems_balance=User.gems_balance)
        .execution_options(synchronize_session=False)
    )
    rows = session.execute(
        select(GemLedgerEntry.kind, func.sum(GemLedgerEntry.delta))
        .where(GemLedgerEntry.user_id == user_id, GemLedgerEntry.tryon_id == tryon_id)
        .group_by(GemLedgerEntry.kind)
    ).all()
    totals = {kind: int(total) for kind, total in rows}
    owed = -totals.get("debit", 0) - totals.get("refund", 0)
    if owed <= 0:
        return 0
    _change(session, user_id, owed, "refund", tryon_id=tryon_id)
    return owed
