"""Configuration and metadata objects: frozen attrs classes, validated on creation.

Secrets (``api_key``, ``bearer_token``, ``github_token``, header values) are kept out
of ``repr()``. Use :func:`attrs.evolve` to derive a changed copy.
"""

from __future__ import annotations

import datetime as _dt
from typing import Any, Callable, Literal, Mapping, Optional, Sequence, Tuple, Union, get_args

import attrs

from ._engine import options
from ._engine.attachment_type import Attachment, attachments_tuple, sniff_image
from ._engine.infinite import InfiniteSessions, infinite_sessions
from ._transport.checks import (
    FrozenDict,
    _check_base_url,
    _check_optional_str,
    _check_secret,
    _check_session_id,
    _frozen_headers,
    _headers_repr,
    _strip_slash,
    validate_session_id,
)
from .errors import ConfigurationError
from .tools import PermissionRequestHandler, SessionHooks, Tool
from .tools.mcp.config import McpServerConfig, parse_mcp_servers

__all__ = [
    "Attachment",
    "attachments_tuple",
    "sniff_image",
    "FrozenDict",
    "InfiniteSessions",
    "MessageOptions",
    "ModelInfo",
    "PROVIDER_TYPES",
    "ProviderConfig",
    "SessionConfig",
    "SessionMetadata",
    "validate_session_id",
]

ProviderType = Literal["copilot", "openai", "azure", "anthropic"]
ReasoningEffort = Literal["minimal", "low", "medium", "high", "xhigh", "max"]
SystemMessageMode = Literal["append", "replace"]
PROVIDER_TYPES: Tuple[str, ...] = get_args(ProviderType)
REASONING_EFFORTS: Tuple[str, ...] = get_args(ReasoningEffort)
WIRE_APIS = ("completions", "responses")


@attrs.frozen(kw_only=True)
class ProviderConfig:
    """Where and how to reach a model endpoint.

    Attributes:
        type: "copilot" (the GitHub Copilot API), "openai" (any OpenAI-compatible
            server), "azure" (Azure OpenAI) or "anthropic" (the Messages API).
        base_url: the API root from the provider's docs: with the version for
            OpenAI-style endpoints (``https://api.openai.com/v1``), without it for
            Anthropic (``https://api.anthropic.com``). For Copilot, overrides the
            discovered endpoint.
        api_key: the key (OpenAI ``Authorization: Bearer``, Azure ``api-key``,
            Anthropic ``x-api-key``). Never shown in repr.
        bearer_token: a bearer token used instead of ``api_key`` (e.g. Azure AD).
        headers: extra headers sent with every model call (values hidden in repr).
        wire_model: the model name sent on the wire, when it differs from the
            session's model (e.g. an Azure deployment name).
        azure_api_version: the ``api-version`` query parameter for Azure.
        github_api_url: the GitHub API used for Copilot endpoint discovery.
        token_exchange: exchange the GitHub token for a short-lived Copilot token.
        wire_api: the OpenAI wire format: "completions" (``POST /chat/completions``)
            or "responses" (``POST /responses``). None: chat completions for
            "openai" and "azure"; for "copilot", each model by the endpoints its
            models list advertises (chat completions where offered, else Responses,
            else the Anthropic messages format); "responses" there prefers
            Responses for models that offer both.
        bearer_token_provider: a callable returning a fresh bearer token (e.g. from
            Azure Managed Identity), called before each request that needs one, with
            ``{"provider_name": "default", "session_id": ...}`` when it takes an
            argument. It wins over ``api_key`` and ``bearer_token``. Never persisted.

    Wherever a ProviderConfig is taken, the official SDK's dict form is taken too
    (see :meth:`from_dict`).
    """

    type: ProviderType = attrs.field(default="copilot")
    base_url: Optional[str] = attrs.field(
        default=None, converter=_strip_slash, validator=_check_base_url
    )
    api_key: Optional[str] = attrs.field(default=None, repr=False, validator=_check_secret)
    bearer_token: Optional[str] = attrs.field(default=None, repr=False, validator=_check_secret)
    headers: FrozenDict = attrs.field(
        factory=FrozenDict, converter=_frozen_headers, repr=_headers_repr
    )
    wire_model: Optional[str] = attrs.field(default=None, validator=_check_optional_str)
    azure_api_version: str = attrs.field(default="2024-10-21")
    github_api_url: str = attrs.field(
        default="https://api.github.com", converter=_strip_slash, validator=_check_base_url
    )
    token_exchange: bool = attrs.field(default=False)
    wire_api: Optional[str] = attrs.field(default=None)
    bearer_token_provider: Optional[Callable[..., str]] = attrs.field(
        default=None, repr=False, validator=attrs.validators.optional(attrs.validators.is_callable())
    )

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ProviderConfig:
        """The official SDK's dict form: ``{"type": "openai", "base_url": ...,
        "api_key": ..., "bearer_token": ..., "headers": {...}, "wire_api": ...,
        "wire_model": ..., "azure": {"api_version": ...}, "bearer_token_provider": fn}``
        (``type`` defaults to "openai", as there). Our own field names are taken too.

        Raises:
            TypeError: unknown keys (named), or keys that are set per session here.
        """
        return options.provider_from_dict(cls, data)

    @type.validator
    def _check_type(self, attribute: attrs.Attribute[Any], value: object) -> None:
        if value not in PROVIDER_TYPES:
            raise ValueError(f"type must be one of {', '.join(PROVIDER_TYPES)}; got {value!r}")

    @wire_api.validator
    def _check_wire_api(self, attribute: attrs.Attribute[Any], value: object) -> None:
        if value is not None and value not in WIRE_APIS:
            raise ValueError(f"wire_api must be one of {', '.join(WIRE_APIS)} or None; got {value!r}")

    def to_public_dict(self) -> dict[str, Any]:
        """The fields that may be persisted: everything but secrets and headers."""
        return {
            "type": self.type,
            "base_url": self.base_url,
            "wire_model": self.wire_model,
            "azure_api_version": self.azure_api_version,
            "github_api_url": self.github_api_url,
            "token_exchange": self.token_exchange,
            "wire_api": self.wire_api,
        }


def _provider(value: Union[None, ProviderConfig, Mapping[str, Any]]) -> Optional[ProviderConfig]:
    """A ProviderConfig, also from the official dict form."""
    if value is None or isinstance(value, ProviderConfig):
        return value
    if isinstance(value, Mapping):
        return ProviderConfig.from_dict(value)
    raise TypeError(f"provider must be a ProviderConfig or a dict, not {type(value).__name__}")


@attrs.frozen(kw_only=True)
class SessionConfig:
    """Everything that defines a session. Pass to ``CopilotClient.create_session``.

    Attributes:
        model: the model id, e.g. "gpt-5" or "claude-sonnet-4.5".
        session_id: None for a new uuid4, else 1-128 of ``A-Z a-z 0-9 - _ . : @``.
        system_message: a system prompt sent first on every call of this session: a
            str, or the official ``{"content": str, "mode": "append" | "replace"}``
            (append adds to the SDK's own preamble, which exists only when built-in
            tools are on; see :attr:`system_text`).
        tools: the tools the model may call (see :func:`copilot_sdk.define_tool`).
        available_tools: a strict allowlist of the tools offered: custom tools by
            name (or ``custom:NAME``), built-ins by name, ``builtin:NAME`` or
            ``builtin:*``, MCP tools as ``<server>-<tool>`` (or ``mcp:...``). None:
            the custom and MCP tools, no built-ins.
        excluded_tools: names (as above) never offered.
        working_directory: where the built-in tools work (default: the current
            directory); paths outside it need the permission handler's approval.
        mcp_servers: MCP servers whose tools the session offers, by name:
            ``{"name": {"type": "stdio", "command": ..., "args": [...]}}`` or
            ``{"name": {"type": "http", "url": ...}}`` (needs ``copilot_sdk[mcp]``).
        provider: a per-session endpoint, overriding the client's (a ProviderConfig
            or the official dict form, see :meth:`ProviderConfig.from_dict`).
        github_token: per-session GitHub credentials (multi-user apps). Never stored.
        streaming: stream from the provider and emit ``assistant.message_delta``.
        on_permission_request: decides whether a tool call may run.
        hooks: callbacks around prompts, tool calls and errors (a SessionHooks or
            the official dict of hook names).
        on_user_input_request: ``handler(request, invocation) -> {"answer": str,
            "wasFreeform": bool}``; setting it offers the model the ``ask_user`` tool.
        on_event: a handler subscribed before the session's first event
            (``session.start``/``session.resume``), as ``session.on(handler)``.
        max_tool_rounds: model calls answered with tool requests before giving up.
        infinite_sessions: automatic compaction near the context window (on by
            default; ``False`` or ``{"enabled": False}`` turns it off; see
            :class:`InfiniteSessions` for the thresholds).
        max_prompt_tokens: the model's context window in tokens, when the models
            list does not say (or to use less of it).
        temperature, max_output_tokens, reasoning_effort: model parameters;
            ``reasoning_effort`` is "minimal", "low", "medium", "high", "xhigh" or
            "max", checked at send time against the efforts the model advertises.
    """

    model: Optional[str] = attrs.field(default=None, validator=_check_optional_str)
    session_id: Optional[str] = attrs.field(default=None, validator=_check_session_id)
    system_message: Union[None, str, FrozenDict] = attrs.field(
        default=None, converter=options.system_message
    )
    tools: Tuple[Tool, ...] = attrs.field(factory=tuple, converter=options.tools_tuple)
    available_tools: Optional[Tuple[str, ...]] = attrs.field(default=None, converter=options.available)
    excluded_tools: Tuple[str, ...] = attrs.field(factory=tuple, converter=options.excluded)
    working_directory: Optional[str] = attrs.field(default=None, converter=options.working_directory)
    mcp_servers: Tuple[McpServerConfig, ...] = attrs.field(factory=tuple, converter=parse_mcp_servers)
    provider: Optional[ProviderConfig] = attrs.field(default=None, converter=_provider)
    github_token: Optional[str] = attrs.field(default=None, repr=False, validator=_check_secret)
    streaming: bool = attrs.field(default=False)
    on_permission_request: Optional[PermissionRequestHandler] = attrs.field(default=None)
    hooks: Optional[SessionHooks] = attrs.field(default=None, converter=options.hooks)
    max_tool_rounds: int = attrs.field(default=25, validator=options.check_positive_int_or_none)
    infinite_sessions: InfiniteSessions = attrs.field(default=None, converter=infinite_sessions)
    max_prompt_tokens: Optional[int] = attrs.field(
        default=None, validator=options.check_positive_int_or_none
    )
    temperature: Optional[float] = attrs.field(default=None)
    max_output_tokens: Optional[int] = attrs.field(
        default=None, validator=options.check_positive_int_or_none
    )
    reasoning_effort: Optional[ReasoningEffort] = attrs.field(default=None)
    on_user_input_request: Optional[Callable[..., Any]] = attrs.field(
        default=None, validator=attrs.validators.optional(attrs.validators.is_callable())
    )
    on_event: Optional[Callable[..., Any]] = attrs.field(
        default=None, validator=attrs.validators.optional(attrs.validators.is_callable())
    )

    @property
    def system_text(self) -> Optional[str]:
        """The system message's text, whichever form it was given in."""
        value = self.system_message
        return value if value is None or isinstance(value, str) else value["content"]

    @property
    def system_mode(self) -> SystemMessageMode:
        """"append" (the default) or "replace"."""
        value = self.system_message
        return "append" if value is None or isinstance(value, str) else value["mode"]

    @provider.validator
    def _check_provider(self, attribute: attrs.Attribute[Any], value: object) -> None:
        if value is not None and not isinstance(value, ProviderConfig):
            raise TypeError(f"provider must be a ProviderConfig, not {type(value).__name__}")

    @temperature.validator
    def _check_temperature(self, attribute: attrs.Attribute[Any], value: object) -> None:
        if value is None:
            return
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise TypeError(f"temperature must be a number, not {type(value).__name__}")
        if not 0 <= value <= 2:
            raise ValueError(f"temperature must be between 0 and 2, got {value}")

    @reasoning_effort.validator
    def _check_effort(self, attribute: attrs.Attribute[Any], value: object) -> None:
        if value is not None and value not in REASONING_EFFORTS:
            raise ValueError(
                f"reasoning_effort must be one of {', '.join(REASONING_EFFORTS)}; got {value!r}"
            )

    @streaming.validator
    def _check_streaming(self, attribute: attrs.Attribute[Any], value: object) -> None:
        if not isinstance(value, bool):
            raise TypeError(f"streaming must be a bool, not {type(value).__name__}")

    @on_permission_request.validator
    def _check_permission(self, attribute: attrs.Attribute[Any], value: object) -> None:
        if value is not None and not callable(value):
            raise TypeError("on_permission_request must be callable")

    def to_public_dict(self) -> dict[str, Any]:
        """The fields persisted with the session: no secrets, no code."""
        return {
            "model": self.model,
            "system_message": self.system_message if not isinstance(self.system_message, FrozenDict)
            else dict(self.system_message),
            "provider": self.provider.to_public_dict() if self.provider else None,
            "streaming": self.streaming,
            "max_tool_rounds": self.max_tool_rounds,
            "infinite_sessions": self.infinite_sessions.to_dict(),
            "max_prompt_tokens": self.max_prompt_tokens,
            "temperature": self.temperature,
            "max_output_tokens": self.max_output_tokens,
            "reasoning_effort": self.reasoning_effort,
        }

    @classmethod
    def from_public_dict(cls, data: Mapping[str, Any], session_id: str) -> SessionConfig:
        """Rebuild a config from :meth:`to_public_dict` output (for resume).

        Raises:
            ConfigurationError: the stored config is damaged (an unknown provider
                field, a value of the wrong type), naming the session and the field.
        """
        try:
            return cls(
                session_id=session_id,
                model=data.get("model"),
                system_message=data.get("system_message"),
                provider=options.stored_provider(ProviderConfig, data.get("provider")),
                streaming=bool(data.get("streaming", False)),
                max_tool_rounds=int(data.get("max_tool_rounds") or 25),
                infinite_sessions=data.get("infinite_sessions"),
                max_prompt_tokens=data.get("max_prompt_tokens"),
                temperature=data.get("temperature"),
                max_output_tokens=data.get("max_output_tokens"),
                reasoning_effort=data.get("reasoning_effort"),
            )
        except (TypeError, ValueError) as exc:
            raise ConfigurationError(
                f"the stored config of session {session_id!r} is damaged: {exc}"
            ) from None


def _check_prompt(inst: object, attr: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, str):
        raise TypeError(f"prompt must be a str, not {type(value).__name__}")
    if not value.strip():
        raise ValueError("prompt must not be empty")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ValueError(
            f"prompt contains a lone surrogate ({value[exc.start]!a} at index {exc.start}), "
            "which cannot be sent or stored; decode the text with errors='replace'"
        ) from None


@attrs.frozen(kw_only=True)
class MessageOptions:
    """One user message.

    Attributes:
        prompt: the text sent to the model.
        attachments: files, directories, selections or images sent with it
            (:class:`Attachment` objects or the official dicts).
    """

    prompt: str = attrs.field(validator=_check_prompt)
    attachments: Tuple[Attachment, ...] = attrs.field(factory=tuple, converter=attachments_tuple)


@attrs.frozen(kw_only=True)
class SessionMetadata:
    """What ``list_sessions`` tells about a stored session."""

    session_id: str
    start_time: _dt.datetime
    modified_time: _dt.datetime
    summary: Optional[str] = None
    model: Optional[str] = None


def _frozen_or_none(value: Optional[Mapping[str, Any]]) -> Optional[FrozenDict]:
    return None if value is None else FrozenDict(value)


def _tuple_or_none(value: Optional[Sequence[str]]) -> Optional[Tuple[str, ...]]:
    return None if value is None else tuple(value)


@attrs.frozen(kw_only=True)
class ModelInfo:
    """A model the provider offers. Fields the provider does not report are None.

    Attributes:
        id: the model id to pass as ``SessionConfig(model=...)``.
        name: the display name.
        max_prompt_tokens: the context window for the prompt, in tokens.
        max_output_tokens: the most tokens one reply may have.
        capabilities: the provider's capability block, as it sent it.
        vendor: who makes the model ("OpenAI", "Anthropic", ...).
        supported_endpoints: the API paths that serve it (Copilot:
            "/chat/completions", "/responses", "/v1/messages").
        supports_vision: whether it takes images.
        supports_tool_calls: whether it can call tools.
        reasoning_efforts: the ``reasoning_effort`` values it accepts.
        policy_state: "enabled", "disabled" or "unconfigured" (Copilot policies).
        preview: whether it is a preview model.
    """

    id: str
    name: str
    max_prompt_tokens: Optional[int] = None
    max_output_tokens: Optional[int] = None
    capabilities: Optional[FrozenDict] = attrs.field(default=None, converter=_frozen_or_none)
    vendor: Optional[str] = None
    supported_endpoints: Optional[Tuple[str, ...]] = attrs.field(default=None, converter=_tuple_or_none)
    supports_vision: Optional[bool] = None
    supports_tool_calls: Optional[bool] = None
    reasoning_efforts: Optional[Tuple[str, ...]] = attrs.field(default=None, converter=_tuple_or_none)
    policy_state: Optional[str] = None
    preview: Optional[bool] = None

