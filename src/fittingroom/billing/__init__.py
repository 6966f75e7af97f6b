"""Gems: balances, the append-only ledger, atomic debits and refunds."""
