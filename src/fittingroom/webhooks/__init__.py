"""Webhooks: a job's final state POSTed to `options.webhook_url`, signed per Standard Webhooks.

outbox.py       the delivery rows, owed in the transaction that ends a job
destination.py  which URLs may be called (no loopback or private networks by default: SSRF)
sender.py       the background thread that signs, sends and retries with backoff
"""
