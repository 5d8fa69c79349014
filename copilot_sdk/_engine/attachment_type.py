"""The :class:`Attachment` value type (re-exported by :mod:`copilot_sdk.types` and the
package) and the official dict shapes it is built from.

Reading files, checking sizes and rendering for the model happen in
:mod:`copilot_sdk._engine.attachments` when a message is sent.
"""

from __future__ import annotations

import base64
import os
from typing import Any, Mapping, Optional, Sequence, Tuple

import attrs

from .._transport.checks import FrozenDict, _check_optional_str

__all__ = ["ATTACHMENT_TYPES", "Attachment", "attachments_tuple", "sniff_image"]


def _frozen_or_none(value: Optional[Mapping[str, Any]]) -> Optional[FrozenDict]:
    return None if value is None else FrozenDict(value)


ATTACHMENT_TYPES = ("file", "directory", "selection", "blob")


def _check_attachment_type(inst: object, attr: attrs.Attribute[Any], value: object) -> None:
    if value not in ATTACHMENT_TYPES:
        raise ValueError(f"attachment type must be one of {', '.join(ATTACHMENT_TYPES)}; got {value!r}")


@attrs.frozen(kw_only=True)
class Attachment:
    """Something sent along with a message: a file, a directory, a selection of a
    file, or raw data (an image). Build one with :meth:`file`, :meth:`image`,
    :meth:`blob`, :meth:`directory` or :meth:`selection`; wherever an attachment is
    taken, the official SDK's dict shapes are taken too (``{"type": "file", "path":
    ...}``, ``{"type": "blob", "data": <base64>, "mimeType": "image/png"}``, ...).

    Images go to the model as images; text files and selections are inlined as text
    with their path; a directory as a listing of its entries. What is sent is read
    when the message is sent and stored with the ``user.message`` event, so a
    resumed session sends the same request.

    Thread-safe: frozen.

    Attributes:
        type: "file", "directory", "selection" or "blob".
        path: the file or directory (file, directory).
        file_path: the file a selection is from.
        text: the selected text (selection).
        data: base64 data (blob).
        mime_type: the data's MIME type (blob; optional for a file).
        display_name: the name shown to the model instead of the path.
        selection_range: where a selection is in its file (the official
            ``{"start": {"line", "character"}, "end": {...}}``), optional.
    """

    type: str = attrs.field(validator=_check_attachment_type)
    path: Optional[str] = attrs.field(default=None, validator=_check_optional_str)
    file_path: Optional[str] = attrs.field(default=None, validator=_check_optional_str)
    text: Optional[str] = attrs.field(default=None, validator=_check_optional_str, repr=False)
    data: Optional[str] = attrs.field(default=None, validator=_check_optional_str, repr=False)
    mime_type: Optional[str] = attrs.field(default=None, validator=_check_optional_str)
    display_name: Optional[str] = attrs.field(default=None, validator=_check_optional_str)
    selection_range: Optional[FrozenDict] = attrs.field(default=None, converter=_frozen_or_none)

    @classmethod
    def from_value(cls, value: object) -> Attachment:
        """An Attachment from itself or from an official dict.

        Raises:
            TypeError: neither, or a dict with keys an attachment does not have.
            ValueError: an unknown ``type``.
        """
        if isinstance(value, Attachment):
            return value
        if not isinstance(value, Mapping):
            raise TypeError(f"attachments: each must be an Attachment or a dict, not {type(value).__name__}")
        unknown = sorted(set(value) - set(_ATTACHMENT_KEYS) - {"type"})
        if unknown:
            raise TypeError(
                f"attachments: unknown key(s) {', '.join(map(str, unknown))} in a {value.get('type')!r} "
                f"attachment; known: type, {', '.join(_ATTACHMENT_KEYS)}"
            )
        fields = {field: value[key] for key, field in _ATTACHMENT_KEYS.items() if key in value}
        return cls(type=value.get("type"), **fields)  # type: ignore[arg-type]

    @classmethod
    def file(cls, path: str | os.PathLike[str], *, display_name: Optional[str] = None) -> Attachment:
        """A file: inlined as text, or sent as an image if it is one (PNG, JPEG, GIF, WebP)."""
        return cls(type="file", path=os.fspath(path), display_name=display_name)

    @classmethod
    def directory(cls, path: str | os.PathLike[str], *, display_name: Optional[str] = None) -> Attachment:
        """A directory, sent as a listing of its entries."""
        return cls(type="directory", path=os.fspath(path), display_name=display_name)

    @classmethod
    def selection(
        cls, file_path: str | os.PathLike[str], text: str, *, display_name: Optional[str] = None
    ) -> Attachment:
        """Text selected from a file, inlined with the file's path."""
        return cls(type="selection", file_path=os.fspath(file_path), text=text, display_name=display_name)

    @classmethod
    def blob(cls, data: bytes | str, mime_type: str, *, display_name: Optional[str] = None) -> Attachment:
        """Raw data of a MIME type (an image, or text): bytes, or a base64 str."""
        if isinstance(data, (bytes, bytearray, memoryview)):
            data = base64.b64encode(bytes(data)).decode("ascii")
        elif not isinstance(data, str):
            raise TypeError(f"Attachment.blob: data must be bytes or a base64 str, not {type(data).__name__}")
        return cls(type="blob", data=data, mime_type=mime_type, display_name=display_name)

    @classmethod
    def image(
        cls,
        source: str | os.PathLike[str] | bytes,
        *,
        mime_type: Optional[str] = None,
        display_name: Optional[str] = None,
    ) -> Attachment:
        """An image from a path or from bytes (its type told by ``mime_type`` or,
        for bytes, by their first bytes: PNG, JPEG, GIF, WebP)."""
        if isinstance(source, (bytes, bytearray, memoryview)):
            raw = bytes(source)
            kind = mime_type or sniff_image(raw)
            if kind is None:
                raise ValueError(
                    "Attachment.image: the bytes are not a PNG, JPEG, GIF or WebP image; pass mime_type="
                )
            return cls.blob(raw, kind, display_name=display_name)
        return cls(type="file", path=os.fspath(source), mime_type=mime_type, display_name=display_name)

    def to_dict(self) -> dict[str, Any]:
        """The official SDK's dict shape (camelCase keys, None fields left out)."""
        out: dict[str, Any] = {"type": self.type}
        for key, field in _ATTACHMENT_KEYS.items():
            value = getattr(self, field)
            if value is not None:
                out[key] = dict(value) if isinstance(value, FrozenDict) else value
        return out


#: official dict key -> Attachment field
_ATTACHMENT_KEYS = {
    "path": "path",
    "filePath": "file_path",
    "text": "text",
    "data": "data",
    "mimeType": "mime_type",
    "displayName": "display_name",
    "selection": "selection_range",
}


def attachments_tuple(value: object) -> Tuple[Attachment, ...]:
    """``attachments=`` as a tuple of Attachments (None: none)."""
    if value is None:
        return ()
    if isinstance(value, (str, bytes, Mapping, Attachment)) or not isinstance(value, Sequence):
        raise TypeError("attachments must be a list of Attachment objects or dicts")
    return tuple(Attachment.from_value(v) for v in value)


def sniff_image(data: bytes) -> Optional[str]:
    """The MIME type of image bytes (PNG, JPEG, GIF, WebP), or None."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None
