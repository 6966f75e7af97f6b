"""Fake vendor servers that speak Replicate's and FASHN's HTTP APIs, run on loopback.

Each is an ASGI app built around a `Script` that a test sets to make it slow, fail,
rate-limit or return garbage, and that records what it was sent.
"""
