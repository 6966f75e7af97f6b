"""The gem ledger: atomic debits, refunds once, and balance == sum of the ledger, under concurrency."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from fittingroom.billing import ledger
from fittingroom.config import Settings
from fittingroom.db.models import AiConfig
from fittingroom.db.session import make_engine, make_session_factory, migrate, transaction
from fittingroom.outfit.prompt import DEFAULT_SYSTEM_PROMPT


@pytest.fixture
def factory(settings: Settings) -> sessionmaker[Session]:
    settings.ensure_data_dir()
    engine = make_engine(settings.resolved_database_url)
    migrate(engine)
    return make_session_factory(engine)


def consistent(factory: sessionmaker[Session], user: str) -> int:
    with factory() as session:
        value = ledger.balance(session, user)
        assert value == ledger.ledger_sum(session, user) and value >= 0
        return value


def test_grant_debit_refund(factory: sessionmaker[Session]) -> None:
    with transaction(factory) as session:
        ledger.ensure_user(session, "alice", initial_grant=3)
        assert ledger.grant(session, "alice", 2, note="promo") == 5
        assert ledger.debit(session, "alice", 2, tryon_id="t1") == 3
    with transaction(factory) as session, pytest.raises(ledger.InsufficientGems) as short:
        ledger.debit(session, "alice", 4, tryon_id="t2")
    assert (short.value.required, short.value.balance) == (4, 3)
    assert consistent(factory, "alice") == 3
    with transaction(factory) as session:
        assert ledger.refund(session, "alice", "t1") == 2
        assert ledger.refund(session, "alice", "t1") == 0, "refunded once"
        assert ledger.refund(session, "alice", "never-debited") == 0
    assert consistent(factory, "alice") == 5


def test_new_user_grant_and_bad_amounts(factory: sessionmaker[Session]) -> None:
    with transaction(factory) as session:
        assert ledger.ensure_user(session, "bob").gems_balance == 0
        assert ledger.ensure_user(session, "bob", initial_grant=50).gems_balance == 0, "only on first sight"
        with pytest.raises(ValueError):
            ledger.grant(session, "bob", 0)
        with pytest.raises(ValueError):
            ledger.debit(session, "bob", -1, tryon_id="x")
        assert ledger.debit(session, "bob", 0, tryon_id="cached") == 0
    assert consistent(factory, "bob") == 0


def race(threads: int, work: Callable[[int], None]) -> None:
    start = threading.Barrier(threads)

    def run(i: int) -> None:
        start.wait()
        work(i)

    pool = [threading.Thread(target=run, args=(i,)) for i in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join(timeout=60)


def test_hundred_concurrent_debits_against_ten_gems(factory: sessionmaker[Session]) -> None:
    with transaction(factory) as session:
        ledger.ensure_user(session, "carol", initial_grant=10)
    outcomes: list[str] = []
    lock = threading.Lock()

    def debit_one(i: int) -> None:
        try:
            with transaction(factory) as session:
                ledger.debit(session, "carol", 1, tryon_id=f"t{i}")
            outcome = "ok"
        except ledger.InsufficientGems:
            outcome = "short"
        with lock:
            outcomes.append(outcome)

    race(100, debit_one)
    assert outcomes.count("ok") == 10 and outcomes.count("short") == 90
    assert consistent(factory, "carol") == 0


def test_concurrent_refunds_of_one_tryon_refund_once(factory: sessionmaker[Session]) -> None:
    with transaction(factory) as session:
        ledger.ensure_user(session, "dan", initial_grant=5)
        ledger.debit(session, "dan", 2, tryon_id="t1")
    refunded: list[int] = []
    lock = threading.Lock()

    def refund_one(_: int) -> None:
        with transaction(factory) as session:
            amount = ledger.refund(session, "dan", "t1")
        with lock:
            refunded.append(amount)

    race(20, refund_one)
    assert sorted(refunded) == [0] * 19 + [2]
    assert consistent(factory, "dan") == 5


def test_migration_seeds_the_system_prompt(factory: sessionmaker[Session]) -> None:
    with factory() as session:
        assert (
            session.scalar(select(AiConfig.value).where(AiConfig.key == "system_prompt"))
            == DEFAULT_SYSTEM_PROMPT
        )
