"""Which webhook URLs may be called.

A webhook makes this server send a request wherever a client says. Without a guard a client
could aim it at the cloud metadata service, the database or an admin port on the private
network (server-side request forgery). So: http(s) only, and every address the host resolves
to must be public, unless `webhook_allow_private` is set. Checked when the job is submitted
and again before every delivery (a name may resolve elsewhere by then).
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from fittingroom.errors import InvalidOption


def check_webhook_url(url: str, allow_private: bool) -> None:
    """Raise InvalidOption naming the problem when `url` may not be called."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidOption("Invalid webhook_url: expected an absolute http(s) URL")
    if parts.username or parts.password:
        raise InvalidOption("Invalid webhook_url: credentials in the URL are not allowed")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise InvalidOption("Invalid webhook_url: bad port") from None
    if allow_private:
        return
    try:
        infos = socket.getaddrinfo(parts.hostname, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise InvalidOption(f"Invalid webhook_url: cannot resolve host {parts.hostname}") from None
    for info in infos:
        address = ipaddress.ip_address(str(info[4][0]).split("%", 1)[0])
        mapped = getattr(address, "ipv4_mapped", None)
        if not (mapped or address).is_global:
            raise InvalidOption(
                f"Invalid webhook_url: {parts.hostname} resolves to a non-public address ({address}); "
                "set FITTINGROOM_WEBHOOK_ALLOW_PRIVATE=true to allow it"
            )
