"""
The client's IP address, as django-axes counts failed logins by it (``AXES_CLIENT_IP_CALLABLE``).

Without NEWSROOM_CLIENT_IP_HEADER it is the connection's own address, REMOTE_ADDR: a header is
whatever the client chose to send. Behind a reverse proxy every connection comes from the proxy, so
the proxy's header is read instead, and only then. X-Forwarded-For is a list each proxy appends
to, and everything left of what our own proxies appended may be forged: the address taken is the
one NEWSROOM_TRUSTED_PROXY_COUNT places from the right. A missing or malformed header falls back
to REMOTE_ADDR (a request that reached the application without passing the proxy).
"""

import ipaddress

from django.conf import settings


def meta_key(header):
    """``X-Forwarded-For`` -> ``HTTP_X_FORWARDED_FOR``; a META key is left as it is."""
    name = header.strip().upper().replace("-", "_")
    return name if name.startswith("HTTP_") or name == "REMOTE_ADDR" else f"HTTP_{name}"


def _valid(address):
    try:
        return str(ipaddress.ip_address(address.strip()))
    except ValueError:
        return None


def client_ip(request):
    remote_addr = request.META.get("REMOTE_ADDR")
    header = settings.NEWSROOM_CLIENT_IP_HEADER
    if not header:
        return remote_addr
    hops = [hop for hop in request.META.get(meta_key(header), "").split(",") if hop.strip()]
    count = max(settings.NEWSROOM_TRUSTED_PROXY_COUNT, 1)
    if len(hops) < count:
        return remote_addr
    return _valid(hops[-count]) or remote_addr
