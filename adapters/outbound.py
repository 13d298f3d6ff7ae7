"""Requests this server makes to URLs others gave it (webhook endpoints, social pictures)
never reach a private network (SSRF).

:class:`AddressGuard` resolves the host once and refuses the request if ANY address it
resolves to is private, loopback, link-local, multicast, reserved, unspecified or otherwise
not globally routable -- an IPv4 address inside IPv6 (``::ffff:127.0.0.1``, 6to4, Teredo,
NAT64) is judged as that IPv4 address. The request then goes to the address that was
checked, with the name in the ``Host`` header and as the TLS server name (SNI, and the
name the certificate must carry): a DNS answer that changes between the check and the
connection (DNS rebinding) cannot redirect it. Redirects are the caller's to follow, each
through the guard again.

``allow_loopback`` (a development setting, for tests' receivers on 127.0.0.1) admits
loopback addresses only; private ranges stay refused.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Awaitable, Callable
from typing import Any

import httpx

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], Awaitable[list[str]]]
"""host, port -> the addresses it resolves to (the system resolver by default)."""
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")


class OutboundRefused(Exception):
    """The URL's host is (or resolves to) an address this server must not call."""


async def system_resolve(host: str, port: int) -> list[str]:
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip.teredo is not None:
        return ip.teredo[1]
    if ip in _NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def address_problem(ip: IPAddress, allow_loopback: bool = False) -> str | None:
    """Why ``ip`` may not be called, or None when it may."""
    if isinstance(ip, ipaddress.IPv6Address):
        inner = _embedded_ipv4(ip)
        if inner is not None:
            problem = address_problem(inner, allow_loopback)
            return None if problem is None else f"{ip} carries {inner}: {problem}"
        if ip.scope_id:
            return f"{ip} is a scoped (link-local) address"
    if ip.is_loopback:
        return None if allow_loopback else f"{ip} is a loopback address"
    for flag, what in (
        (ip.is_unspecified, "an unspecified"),
        (ip.is_link_local, "a link-local"),
        (ip.is_multicast, "a multicast"),
        (ip.is_private, "a private"),
        (ip.is_reserved, "a reserved"),
        (not ip.is_global, "a non-global"),
    ):
        if flag:
            return f"{ip} is {what} address"
    return None


class AddressGuard:
    def __init__(self, *, allow_loopback: bool = False, resolve: Resolver = system_resolve):
        self.allow_loopback = allow_loopback
        self.resolve = resolve

    async def checked_address(self, host: str, port: int) -> str:
        """The address to connect to for ``host``; OutboundRefused if it or any other
        address the name resolves to may not be called, or the name does not resolve."""
        host = host.strip("[]")
        try:
            literal: IPAddress | None = ipaddress.ip_address(host)
        except ValueError:
            literal = None
        if literal is not None:
            addresses = [literal]
        else:
            try:
                found = await self.resolve(host, port)
            except OSError as exc:
                raise OutboundRefused(f"{host} does not resolve ({exc})") from None
            addresses = [ipaddress.ip_address(a.split("%")[0]) for a in found]
            if not addresses:
                raise OutboundRefused(f"{host} does not resolve")
        for ip in addresses:
            problem = address_problem(ip, self.allow_loopback)
            if problem is not None:
                raise OutboundRefused(f"{host}: {problem}")
        return str(addresses[0])

    async def request(
        self, client: httpx.AsyncClient, method: str, url: httpx.URL, **kwargs: Any
    ) -> httpx.Request:
        """A request for ``url`` addressed to its checked address (not sent yet)."""
        if url.scheme not in ("http", "https") or not url.host:
            raise OutboundRefused(f"{url.scheme}:// URLs are not fetched")
        port = url.port or (443 if url.scheme == "https" else 80)
        address = await self.checked_address(url.host, port)
        headers = httpx.Headers(kwargs.pop("headers", None))
        headers["host"] = url.netloc.decode("ascii")
        extensions = dict(kwargs.pop("extensions", None) or {})
        if url.scheme == "https":
            extensions["sni_hostname"] = url.host
        return client.build_request(
            method,
            url.copy_with(host=address),
            headers=headers,
            extensions=extensions,
            **kwargs,
        )
