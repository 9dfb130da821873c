from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str | None:
    """The person's address, not that of our own reverse proxy, for login throttling.

    Each proxy appends the address it saw to X-Forwarded-For, so with N trusted
    proxies in front (DJANGO_TRUSTED_PROXIES=N) the client's is the N-th from the
    right; anything further left was written by the client and can be forged.
    """
    count = settings.TRUSTED_PROXIES
    if count:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        addresses = [address.strip() for address in forwarded if address.strip()]
        if len(addresses) >= count:
            return addresses[-count]
    return request.META.get("REMOTE_ADDR")
