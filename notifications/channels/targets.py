"""Where robots and webhooks may post. Staff type the URL; the worker posts to it from inside the
county's network, so an unchecked URL reaches the database, the metadata service (169.254.169.254)
or any internal system (SSRF):

- a chat platform's robot posts only over https to the platform's own host (checked when it is
  configured);
- every robot and webhook posts only to public addresses, checked on the connection itself: the
  name is resolved as the connection opens, every address it resolves to must be public, and the
  connection goes to an address just checked, so a name that resolves to a public address when
  checked and to a private one when used (DNS rebinding) gets nowhere. TLS and the Host header
  keep the name;
- private, loopback and link-local addresses only for the hosts listed in CHANNEL_PRIVATE_HOSTS
  (by name, or by the address itself).

Redirects are never followed (HttpRobot): a public receiver could otherwise forward the post inward."""

import asyncio
import ipaddress
import socket
import ssl
from functools import cache
from urllib.parse import urlsplit

import httpcore
import httpx

from contracts.notifications.history import ChannelName

PLATFORM_HOSTS = {
    ChannelName.wecom: ("qyapi.weixin.qq.com",),
    ChannelName.dingtalk: ("oapi.dingtalk.com",),
    ChannelName.feishu: ("open.feishu.cn", "open.larksuite.com"),
}
REFUSED = ("目标地址不是公网地址，且不在 CHANNEL_PRIVATE_HOSTS 中 "
           "(refused: a private, loopback or link-local address, and the host is not in CHANNEL_PRIVATE_HOSTS)")
# IPv6 ranges that carry an IPv4 address in their last 32 bits and reach it (through a translator
# or a host that still takes them): judged as that IPv4 address. Python counts them as global.
_EMBEDDING_IPV4 = [ipaddress.ip_network(net) for net in (
    "64:ff9b::/96",  # NAT64's well-known prefix: on a network with NAT64, 64:ff9b::a00:1 reaches 10.0.0.1
    "::ffff:0:0:0/96",  # SIIT's IPv4-translated addresses (RFC 6145)
    "::/96",  # IPv4-compatible addresses (deprecated, RFC 4291), :: and ::1 included
)]
# Never public though Python says global: local-use NAT64 (RFC 8215: any IPv4, in a layout of the
# site's choosing) and the deprecated site-local space (RFC 3879).
_NEVER_PUBLIC = [ipaddress.ip_network(net) for net in ("64:ff9b:1::/48", "fec0::/10")]

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class RefusedTarget(Exception):
    def __init__(self) -> None:
        super().__init__(REFUSED)


def is_public(address: IPAddress) -> bool:
    """Routable on the internet: not private, loopback, link-local (the metadata service too),
    shared (CGNAT 100.64/10), multicast, reserved or unspecified. An IPv4 address carried in IPv6
    (mapped, NAT64) is judged as the IPv4 address it reaches."""
    if isinstance(address, ipaddress.IPv6Address):
        if any(address in net for net in _NEVER_PUBLIC):
            return False
        if address.ipv4_mapped is not None:
            address = address.ipv4_mapped
        elif address.sixtofour is not None:  # 2002:a00:1:: routes to the 6to4 relay at 10.0.0.1
            address = address.sixtofour
        elif any(address in net for net in _EMBEDDING_IPV4):
            address = ipaddress.IPv4Address(int(address) & 0xFFFF_FFFF)
    return address.is_global and not address.is_multicast


def _allowed(host: str, address: IPAddress, private_hosts: frozenset[str]) -> bool:
    return is_public(address) or host in private_hosts or str(address) in private_hosts


def configuration_error(kind: ChannelName, url: str, private_hosts: frozenset[str]) -> str | None:
    """Why this URL may not be configured for a robot of this kind (None: it may). A host name is
    resolved only when posting: it may resolve elsewhere by then."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if kind in PLATFORM_HOSTS and (parts.scheme != "https" or host not in PLATFORM_HOSTS[kind]):
        hosts = " / ".join(f"https://{h}/" for h in PLATFORM_HOSTS[kind])
        return f"此类机器人的地址须以 {hosts} 开头 (a {kind.value} robot's URL must start with {hosts})"
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return None
    return None if _allowed(host, address, private_hosts) else REFUSED


async def checked_addresses(host: str, port: int, private_hosts: frozenset[str], timeout: float | None) -> list[str]:
    """The addresses `host` resolves to, once every one of them is allowed."""
    host = host.lower()
    try:
        found = await asyncio.wait_for(
            asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM), timeout)
    except (OSError, asyncio.TimeoutError) as exc:
        raise httpcore.ConnectError(f"DNS: {host} not resolved ({type(exc).__name__})") from exc
    addresses = [ipaddress.ip_address(sockaddr[0].partition("%")[0]) for *_, sockaddr in found]
    if not all(_allowed(host, address, private_hosts) for address in addresses):
        raise RefusedTarget()
    return [str(address) for address in addresses]


class _CheckedBackend(httpcore.AsyncNetworkBackend):
    """httpcore's network backend, connecting only to checked addresses."""

    def __init__(self, private_hosts: frozenset[str]) -> None:
        self._private_hosts = private_hosts
        self._backend = httpcore.AnyIOBackend()

    async def connect_tcp(self, host: str, port: int, timeout: float | None = None, local_address: str | None = None,
                          socket_options=None) -> httpcore.AsyncNetworkStream:
        failure: Exception | None = None
        for address in await checked_addresses(host, port, self._private_hosts, timeout):  # in turn, as sockets do
            try:
                return await self._backend.connect_tcp(address, port, timeout=timeout, local_address=local_address,
                                                       socket_options=socket_options)
            except httpcore.ConnectError as exc:
                failure = exc
        raise failure

    async def connect_unix_socket(self, path: str, timeout: float | None = None, socket_options=None):
        raise RefusedTarget()

    async def sleep(self, seconds: float) -> None:
        await self._backend.sleep(seconds)


@cache
def _ssl_context() -> ssl.SSLContext:
    """One per process: loading the CA bundle costs milliseconds, and every delivery activity opens
    four robot channels (the soak saw it among the worker's busiest lines)."""
    return httpx.create_ssl_context(trust_env=False)


class CheckedTransport(httpx.AsyncHTTPTransport):
    """httpx's transport over _CheckedBackend. httpx has no hook for resolving names; its
    transport sends through `_pool`, an httpcore pool, which takes a network backend. Proxy
    settings from the environment are ignored: a proxy would resolve the name past the check."""

    def __init__(self, private_hosts: frozenset[str]) -> None:
        super().__init__(verify=_ssl_context(), trust_env=False)
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=_ssl_context(), network_backend=_CheckedBackend(private_hosts),
            max_connections=100, max_keepalive_connections=20, keepalive_expiry=5.0,  # httpx's defaults
        )
