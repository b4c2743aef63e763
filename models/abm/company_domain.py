"""The registrable domain ("acme.co.uk") of an e-mail address or a website.

Not a model: the one place that knows how leads and companies are compared.
The Public Suffix List comes with the ``publicsuffixlist`` package, so no
network is needed; a subdomain (eu.acme.com) yields its parent (acme.com) and
a public suffix alone (co.uk) yields nothing.
"""

import functools
from urllib.parse import urlsplit

from odoo.tools import email_normalize


@functools.cache
def _public_suffix_list():
    from publicsuffixlist import PublicSuffixList  # noqa: PLC0415 (external dep)

    return PublicSuffixList()


def registrable_domain(hostname):
    hostname = (hostname or "").strip().strip(".").lower()
    if not hostname or "." not in hostname:
        return False
    return _public_suffix_list().privatesuffix(hostname) or False


def email_company_domain(email):
    return normalized_email_company_domain(email_normalize(email or "", strict=False))


def normalized_email_company_domain(normalized):
    """The domain of an address already normalized as ``email_normalize``
    (strict=False) does it: a record's ``email_normalized``."""
    if not normalized or "@" not in normalized:
        return False
    return registrable_domain(normalized.rsplit("@", 1)[1])


def website_company_domain(website):
    website = (website or "").strip()
    if not website:
        return False
    if "://" not in website:
        website = f"//{website}"
    try:
        hostname = urlsplit(website).hostname
    except ValueError:
        return False
    return registrable_domain(hostname)
