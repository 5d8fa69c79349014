"""JSON from a server, parsed so that no reply can crash or poison a turn.

Every parse of server data goes through :func:`loads`: text that is not JSON, JSON
nested too deeply for the parser (``[`` x 100,000 raises ``RecursionError``
otherwise) and the non-standard ``NaN``/``Infinity`` constants (which the store
and the next request could not carry) all become APIResponseValidationError.
Lone surrogates (``"\\ud800"``, legal JSON but not encodable text) become U+FFFD,
so the reply can be committed and sent back.

Thread-safe: pure functions.
"""

from __future__ import annotations

import json
import re
from typing import Any, Optional

from ..errors import APIResponseValidationError

__all__ = ["NOT_JSON", "loads", "scrub_surrogates"]

_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
_SURROGATE = re.compile("[\ud800-\udfff]")
NOT_JSON: Any = object()  # ``default=NOT_JSON``: raise for text that is not JSON


class _NonFinite(ValueError):
    pass


def _reject_constant(name: str) -> Any:
    raise _NonFinite(name)


def loads(text: str | bytes, *, what: str, url: Optional[str] = None, default: Any = NOT_JSON) -> Any:
    """Parse ``text`` (``what`` names it in errors: "the reply from <url>").

    Args:
        default: returned when ``text`` is not JSON at all (e.g. tool arguments the
            tool layer reports back to the model); by default that raises too.

    Raises:
        APIResponseValidationError: not JSON, nested too deeply, or NaN/Infinity.
    """
    try:
        value = json.loads(text, parse_constant=_reject_constant)
    except _NonFinite as exc:
        raise APIResponseValidationError(
            f"{what} carries {exc.args[0]}, which JSON does not allow", url=url
        ) from None
    except RecursionError:
        raise APIResponseValidationError(f"{what} is JSON nested too deeply", url=url) from None
    except ValueError as exc:
        if default is not NOT_JSON:
            return default
        raise APIResponseValidationError(f"{what} is not JSON: {text[:200]!r}", url=url) from exc
    if _SURROGATE_ESCAPE.search(text if isinstance(text, str) else text.decode("utf-8", "replace")):
        try:
            value = scrub_surrogates(value)
        except RecursionError:
            raise APIResponseValidationError(f"{what} is JSON nested too deeply", url=url) from None
    return value


def scrub_surrogates(value: Any) -> Any:
    """``value`` with every lone surrogate in its strings (keys too) replaced by U+FFFD."""
    if isinstance(value, str):
        return _SURROGATE.sub("\ufffd", value)
    if isinstance(value, list):
        return [scrub_surrogates(item) for item in value]
    if isinstance(value, dict):
        return {scrub_surrogates(k): scrub_surrogates(v) for k, v in value.items()}
    return value
