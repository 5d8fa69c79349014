"""Redaction of secrets: credential header values and token-shaped strings, in log
records (a filter installed on every logger of the package at import) and in
server error excerpts quoted by exceptions; and, in what a request's reply says,
the exact secret values that request carried (:func:`secret_values`, :func:`scrub`):
an Azure key or a custom header has no shape to recognise.

Thread-safe: pure functions; the filter holds no state.
"""

from __future__ import annotations

import logging
import re
from typing import Iterable, Mapping, Tuple

__all__ = ["RedactingFilter", "redact", "scrub", "secret_values"]

_HEADER_RE = re.compile(
    r"(?i)((?:authorization|proxy-authorization|api-key|x-api-key)['\"]?\s*[:=]\s*['\"]?)"
    r"(?:(bearer|token|basic)\s+)?[^\s'\",}]+"
)
_TOKEN_RE = re.compile(
    r"(github_pat_[A-Za-z0-9_]+|gh[opusr]_[A-Za-z0-9]+|sk-[A-Za-z0-9_\-]{8,}|tid=[^\s'\",}]+)"
)


def redact(text: str) -> str:
    """``text`` with credential header values and token-shaped strings replaced."""

    def header(m: re.Match[str]) -> str:
        scheme = f"{m.group(2)} " if m.group(2) else ""
        return f"{m.group(1)}{scheme}[REDACTED]"

    return _TOKEN_RE.sub("[REDACTED]", _HEADER_RE.sub(header, text))


# Headers whose values are not secrets (the rest, custom headers included, are).
_PUBLIC_HEADERS = frozenset(
    name.lower()
    for name in (
        "Accept", "Accept-Encoding", "Content-Type", "User-Agent", "anthropic-version",
        "anthropic-beta", "X-GitHub-Api-Version", "Copilot-Integration-Id", "X-Initiator",
        "Editor-Version", "Editor-Plugin-Version", "Openai-Intent", "X-Interaction-Id",
        "X-Interaction-Type", "X-Request-Id", "Copilot-Vision-Request",
    )
)
_MIN_SECRET = 6  # shorter values ("true", "1") would garble text and hide nothing


def secret_values(headers: Mapping[str, str]) -> Tuple[str, ...]:
    """The values of ``headers`` that may be secrets (and the credential after an
    ``Authorization`` scheme), longest first."""
    found = set()
    for name, value in headers.items():
        if name.lower() in _PUBLIC_HEADERS or not isinstance(value, str):
            continue
        found.add(value.strip())
        scheme, _, credential = value.strip().partition(" ")
        if credential and scheme.lower() in ("bearer", "token", "basic"):
            found.add(credential.strip())
    return tuple(sorted((v for v in found if len(v) >= _MIN_SECRET), key=len, reverse=True))


def scrub(text: str, secrets: Iterable[str]) -> str:
    """``text`` with every occurrence of each of ``secrets`` replaced."""
    for secret in secrets:
        if secret in text:
            text = text.replace(secret, "[REDACTED]")
    return text


class RedactingFilter(logging.Filter):
    """A logging filter that redacts Authorization/api-key/x-api-key values and
    token-shaped strings from records (message and arguments, once formatted).

    Installed on copilot_sdk's loggers when this module is imported; add it to your
    own handlers to cover other libraries' records too.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string is the logging module's to report
            return True
        clean = redact(message)
        if clean != message:
            record.msg, record.args = clean, None
        return True


_LOGGER_NAMES = (  # every logger of the package (a test keeps this list complete)
    "copilot_sdk",
    "copilot_sdk.auth",
    "copilot_sdk.cancel",
    "copilot_sdk.cli",
    "copilot_sdk.client",
    "copilot_sdk.compaction",
    "copilot_sdk.http",
    "copilot_sdk.login",
    "copilot_sdk.mcp",
    "copilot_sdk.providers",
    "copilot_sdk.retry",
    "copilot_sdk.serial",
    "copilot_sdk.session",
    "copilot_sdk.store",
    "copilot_sdk.testing",
    "copilot_sdk.tools",
    "copilot_sdk.turn",
)


def _install_filter() -> None:
    for name in _LOGGER_NAMES:
        target = logging.getLogger(name)
        if not any(isinstance(f, RedactingFilter) for f in target.filters):
            target.addFilter(RedactingFilter())


_install_filter()
