"""A Redis URL as logs and error messages may show it: without its password."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit

HIDDEN = "***"


def redacted_url(url: str) -> str:
    """``url`` with its password (in the user part or a ``password=`` query) hidden."""
    try:
        parts = urlsplit(url)
        password = parts.password
    except ValueError:  # a malformed URL: show only its scheme
        return url.split(":", 1)[0] + "://" + HIDDEN
    netloc = parts.netloc
    if password is not None:
        netloc = f"{parts.username or ''}:{HIDDEN}@{netloc.rpartition('@')[2]}"
    query = [(name, HIDDEN if name.lower() == "password" else value)
             for name, value in parse_qsl(parts.query, keep_blank_values=True)]
    shown = f"{parts.scheme}://{netloc}{parts.path}"  # unix:// keeps its empty host
    return shown + (f"?{urlencode(query, safe='*')}" if query else "")


def scrubbed(text: str, url: str) -> str:
    """``text`` (an error message, say) without the password that ``url`` carries."""
    try:
        parts = urlsplit(url)
        secrets = [parts.password] + [value for name, value in parse_qsl(parts.query)
                                      if name.lower() == "password"]
    except ValueError:
        return text
    for secret in secrets:
        if secret:
            text = text.replace(secret, HIDDEN)
    return text
