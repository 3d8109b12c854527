"""Canonical URLs: one spelling per article link, so the same page is recognised across feeds."""

from __future__ import annotations

from urllib.parse import unquote_plus, urlsplit, urlunsplit

_DEFAULT_PORTS = {"http": 80, "https": 443}

# Parameters that only say how a reader arrived; they never change which page is served.
TRACKING_PARAMS = frozenset(
    {
        "fbclid",
        "gclid",
        "gclsrc",
        "dclid",
        "gbraid",
        "wbraid",
        "msclkid",
        "twclid",
        "ttclid",
        "li_fat_id",
        "mc_cid",
        "mc_eid",
        "_ga",
        "_gl",
        "igshid",
        "yclid",
        "ref",
        "ref_src",
        "ref_url",
        "cmpid",
        "ncid",
        "ocid",
        "icid",
        "s_cid",
        "s_kwcid",
        "_hsenc",
        "_hsmi",
        "mkt_tok",
        "oly_anon_id",
        "oly_enc_id",
        "vero_id",
        "vero_conv",
        "rb_clickid",
        "at_medium",
        "at_campaign",
        "at_custom1",
        "at_custom2",
        "at_custom3",
        "at_custom4",
        "smid",
        "sr_share",
        "spm",
        "__twitter_impression",
    }
)
TRACKING_PREFIXES = ("utm_",)


def is_tracking_param(name: str) -> bool:
    """Whether a query parameter name is a known tracking parameter."""
    key = name.strip().lower()
    return key in TRACKING_PARAMS or key.startswith(TRACKING_PREFIXES)


def canonical_url(url: str) -> str:
    """The canonical spelling of ``url``; input that is not an absolute URL comes back stripped."""
    raw = url.strip()
    try:
        parts = urlsplit(raw)
        host = parts.hostname
        port = parts.port
    except ValueError:
        return raw
    if not parts.scheme or not host or any(ch.isspace() for ch in parts.netloc):
        return raw
    scheme = parts.scheme.lower()
    netloc = f"[{host}]" if ":" in host else host
    if port is not None and port != _DEFAULT_PORTS.get(scheme):
        netloc = f"{netloc}:{port}"
    if "@" in parts.netloc:
        netloc = f"{parts.netloc.rsplit('@', 1)[0]}@{netloc}"
    path = "" if parts.path == "/" else parts.path
    return urlunsplit((scheme, netloc, path, _strip_tracking(parts.query), ""))


def _strip_tracking(query: str) -> str:
    # Filter the raw pairs rather than re-encoding them, so kept parameters stay byte-identical.
    kept = [
        pair
        for pair in query.split("&")
        if pair and not is_tracking_param(unquote_plus(pair.split("=", 1)[0]))
    ]
    return "&".join(kept)
