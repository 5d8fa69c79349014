"""Attachments: read when a message is sent, stored with it, rendered for the model.

:func:`resolve_attachments` runs on the caller's thread when a message is sent: it
reads each file, lists each directory, checks sizes and kinds, and returns plain
dicts (the official shape plus what was read: ``text``, ``data`` and ``mimeType``
of an image, ``listing``). Those dicts are stored in the ``user.message`` event, so
the request a resumed session sends is rebuilt from the log, not from the disk.
:func:`attachment_parts` turns them into canonical message parts: images as
:class:`ImagePart`, everything else as text with its path.
"""

from __future__ import annotations

import base64
import binascii
import mimetypes
from pathlib import Path
from typing import Any, Dict, Iterable, List, Mapping, Optional, Tuple

from ..providers.base import ImagePart, Part, TextPart
from ..types import ModelInfo
from .attachment_type import Attachment, sniff_image

__all__ = [
    "MAX_DIRECTORY_ENTRIES",
    "MAX_IMAGE_BYTES",
    "MAX_TEXT_BYTES",
    "attachment_parts",
    "check_vision",
    "has_images",
    "resolve_attachments",
]

MAX_IMAGE_BYTES = 20 * 1024 * 1024  # the OpenAI and Copilot limit per image
MAX_TEXT_BYTES = 1024 * 1024  # a text file or selection inlined into a prompt
MAX_DIRECTORY_ENTRIES = 500
IMAGE_TYPES = ("image/png", "image/jpeg", "image/gif", "image/webp")


def _name(attachment: Attachment) -> str:
    return attachment.display_name or attachment.path or attachment.file_path or f"a {attachment.type}"


def _refuse(attachment: Attachment, problem: str) -> ValueError:
    return ValueError(f"attachment {_name(attachment)!r}: {problem}")


def _check_size(attachment: Attachment, size: int, limit: int, what: str) -> None:
    if size > limit:
        raise _refuse(attachment, f"{what} is {size} bytes, over the limit of {limit} bytes")


def _text(attachment: Attachment, raw: bytes) -> str:
    _check_size(attachment, len(raw), MAX_TEXT_BYTES, "the text")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise _refuse(attachment, "is neither UTF-8 text nor a PNG, JPEG, GIF or WebP image") from None


def _image(attachment: Attachment, raw: bytes, mime_type: str) -> Dict[str, Any]:
    _check_size(attachment, len(raw), MAX_IMAGE_BYTES, "the image")
    return {"mimeType": mime_type, "data": base64.b64encode(raw).decode("ascii")}


def _read(attachment: Attachment, path: str) -> bytes:
    file = Path(path).expanduser()
    try:
        size = file.stat().st_size
        if not file.is_file():
            raise _refuse(attachment, "is not a file")
        _check_size(attachment, size, MAX_IMAGE_BYTES, "the file")
        return file.read_bytes()
    except OSError as exc:
        raise _refuse(attachment, f"cannot be read: {exc.strerror or exc}") from None


def _resolve_file(attachment: Attachment, base: Dict[str, Any]) -> Dict[str, Any]:
    assert attachment.path is not None
    raw = _read(attachment, attachment.path)
    kind = attachment.mime_type or sniff_image(raw) or mimetypes.guess_type(attachment.path)[0]
    if kind in IMAGE_TYPES:
        return {**base, **_image(attachment, raw, kind)}
    return {**base, "text": _text(attachment, raw)}


def _resolve_directory(attachment: Attachment, base: Dict[str, Any]) -> Dict[str, Any]:
    assert attachment.path is not None
    folder = Path(attachment.path).expanduser()
    if not folder.is_dir():
        raise _refuse(attachment, "is not a directory")
    try:
        entries = sorted(p.name + ("/" if p.is_dir() else "") for p in folder.iterdir())
    except OSError as exc:
        raise _refuse(attachment, f"cannot be listed: {exc.strerror or exc}") from None
    listing = entries[:MAX_DIRECTORY_ENTRIES]
    out = {**base, "listing": listing}
    if len(entries) > len(listing):
        out["omitted"] = len(entries) - len(listing)
    return out


def _resolve_blob(attachment: Attachment, base: Dict[str, Any]) -> Dict[str, Any]:
    if not attachment.data or not attachment.mime_type:
        raise _refuse(attachment, "a blob needs data (base64) and mimeType")
    try:
        raw = base64.b64decode(attachment.data, validate=True)
    except (binascii.Error, ValueError):
        raise _refuse(attachment, "data is not valid base64") from None
    if attachment.mime_type in IMAGE_TYPES:
        _check_size(attachment, len(raw), MAX_IMAGE_BYTES, "the image")
        return base
    if attachment.mime_type.startswith("text/"):
        return {**base, "text": _text(attachment, raw)}
    raise _refuse(
        attachment,
        f"MIME type {attachment.mime_type!r}: only images (PNG, JPEG, GIF, WebP) and text are sent",
    )


def resolve_attachments(attachments: Iterable[Attachment]) -> Tuple[Dict[str, Any], ...]:
    """Read and check every attachment; return the dicts to store and send.

    Raises:
        ValueError: an attachment that cannot be sent (missing, unreadable, too
            large, binary but not an image, ...), named in the message.
    """
    resolved: List[Dict[str, Any]] = []
    for attachment in attachments:
        base = attachment.to_dict()
        if attachment.type == "file":
            if not attachment.path:
                raise _refuse(attachment, "a file attachment needs a path")
            resolved.append(_resolve_file(attachment, base))
        elif attachment.type == "directory":
            if not attachment.path:
                raise _refuse(attachment, "a directory attachment needs a path")
            resolved.append(_resolve_directory(attachment, base))
        elif attachment.type == "selection":
            if not attachment.file_path or attachment.text is None:
                raise _refuse(attachment, "a selection needs filePath and text")
            _check_size(attachment, len(attachment.text.encode("utf-8")), MAX_TEXT_BYTES, "the selection")
            resolved.append(base)
        else:
            resolved.append(_resolve_blob(attachment, base))
    return tuple(resolved)


def has_images(resolved: Iterable[Mapping[str, Any]]) -> bool:
    """Whether any resolved attachment is an image."""
    return any(_is_image(item) for item in resolved)


def _is_image(item: Mapping[str, Any]) -> bool:
    return item.get("mimeType") in IMAGE_TYPES and isinstance(item.get("data"), str)


def check_vision(
    model: Optional[str], info: Optional[ModelInfo], resolved: Tuple[Dict[str, Any], ...]
) -> None:
    """Refuse images for a model whose models list says it has no vision.

    Raises:
        ValueError: naming the model and the first image attachment.
    """
    if info is None or info.supports_vision is not False:
        return
    for item in resolved:
        if _is_image(item):
            name = item.get("displayName") or item.get("path") or "an image blob"
            raise ValueError(
                f"attachment {name!r} is an image, and model {model!r} does not take images "
                "(its models list says it has no vision); pick a model with supports_vision"
            )


def _fence(text: str) -> str:
    fence = "```"
    while fence in text:
        fence += "`"
    return f"{fence}\n{text.rstrip(chr(10))}\n{fence}"


def _part(item: Mapping[str, Any]) -> Part:
    if _is_image(item):
        return ImagePart(mime_type=str(item["mimeType"]), data=str(item["data"]))
    kind = item.get("type")
    label = item.get("displayName")
    if kind == "directory":
        lines = [str(e) for e in item.get("listing", ())]
        if item.get("omitted"):
            lines.append(f"... and {item['omitted']} more")
        return TextPart(text=f"Directory {label or item.get('path')} contains:\n" + "\n".join(lines))
    if kind == "selection":
        where = item.get("filePath")
        return TextPart(text=f"Selection from {label or where}:\n{_fence(str(item.get('text', '')))}")
    where = item.get("path") or "data"
    title = f"{label} ({where})" if label and item.get("path") else (label or where)
    return TextPart(text=f"File {title}:\n{_fence(str(item.get('text', '')))}")


def attachment_parts(resolved: Iterable[Any]) -> Tuple[Part, ...]:
    """Resolved attachments (from the log) -> the message parts sent after the prompt."""
    return tuple(_part(item) for item in resolved if isinstance(item, Mapping))
