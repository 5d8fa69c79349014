"""Opening a session: its config from ``create_session``/``resume_session`` options,
what a resumed session restores from its log, and what the client reports about
itself (``ping``, ``get_status``, ``get_auth_status``).

Pure functions over the client's settings: the client keeps the registry and the
locks; nothing here does I/O except the token discovery of ``auth_status``.
"""

from __future__ import annotations

from typing import Any, Mapping, Optional, Sequence, Tuple, Union, cast

import attrs

from ..events import SessionEvent, SessionModelChangeData, SessionResumeData, SessionStartData, new_event
from ..tools.mcp.status import McpServerStatus
from ..types import Attachment, MessageOptions, ProviderConfig, SessionConfig, attachments_tuple
from .options import CLI_ONLY_SESSION_OPTIONS, check_options

__all__ = [
    "AuthStatus",
    "ClientStatus",
    "PingResponse",
    "auth_status",
    "check_overrides",
    "latest_model",
    "new_config",
    "check_effort",
    "resumed_config",
    "status",
]

_FIELDS = frozenset(f.name for f in attrs.fields(SessionConfig))


def new_config(config: Optional[SessionConfig], fields: Mapping[str, Any]) -> SessionConfig:
    """The config of a new session, from a SessionConfig or keyword options (the
    official SDK's names), with a fresh uuid4 id if none was given.

    Raises:
        TypeError: both forms, CLI-only or unknown options (named), a bad type.
    """
    if config is not None and fields:
        raise TypeError("pass either a SessionConfig or keyword options, not both")
    if config is None:
        check_options(fields, _FIELDS, CLI_ONLY_SESSION_OPTIONS, "create_session()")
        config = SessionConfig(**fields)
    elif not isinstance(config, SessionConfig):
        raise TypeError(f"config must be a SessionConfig, not {type(config).__name__}")
    if config.session_id is None:
        import uuid  # here, not at import: most of the package never needs it

        config = attrs.evolve(config, session_id=str(uuid.uuid4()))
    return config


def check_overrides(overrides: Mapping[str, Any]) -> None:
    """TypeError for ``resume_session`` options that cannot be given there."""
    if "session_id" in overrides:
        raise TypeError("resume_session() takes the session id as its first argument only")
    check_options(overrides, _FIELDS - {"session_id"}, CLI_ONLY_SESSION_OPTIONS, "resume_session()")


def latest_model(events: Sequence[SessionEvent[Any]]) -> Optional[SessionModelChangeData]:
    """The last ``session.model_change`` in ``events``, if any."""
    for event in reversed(events):
        if isinstance(event.data, SessionModelChangeData):
            return event.data
    return None


def resumed_config(
    stored: Mapping[str, Any],
    log: Sequence[SessionEvent[Any]],
    session_id: str,
    overrides: Mapping[str, Any],
    default_provider: Optional[ProviderConfig],
) -> SessionConfig:
    """The config of a resumed session: what was persisted (the model as the log's
    last ``session.model_change`` left it), the client's own provider (with its
    credentials) when it is the one stored, then ``overrides``."""
    config = SessionConfig.from_public_dict(stored, session_id)
    change = latest_model(log)
    if change is not None:
        config = attrs.evolve(
            config, model=change.new_model, reasoning_effort=cast(Any, change.reasoning_effort)
        )
    if "provider" not in overrides and config.provider is not None and default_provider is not None:
        if (default_provider.type, default_provider.base_url) == (
            config.provider.type,
            config.provider.base_url,
        ):
            config = attrs.evolve(config, provider=default_provider)  # the client's, with its key
    return attrs.evolve(config, **overrides)


@attrs.frozen
class PingResponse:
    """What ``client.ping()`` answers: the message sent (or "pong") and when (Unix ms)."""

    message: str
    timestamp: int
    protocol_version: Optional[int] = None


@attrs.frozen
class AuthStatus:
    """Whether a GitHub token is found, where from, and its masked form (never the
    token itself). ``is_authenticated`` is True for BYOK providers with a key too.

    Attributes:
        is_authenticated: a credential for the default provider is there.
        auth_type: "token" (a GitHub token), "api-key" (BYOK) or None.
        source: where the GitHub token came from ("argument", an environment
            variable name, "saved login", "gh CLI"), or None.
        token: the masked token, e.g. ``gho_*** (40 characters)``, or None.
        status_message: one line for people.
    """

    is_authenticated: bool
    auth_type: Optional[str]
    source: Optional[str]
    token: Optional[str]
    status_message: str


def auth_status(
    provider: Optional[ProviderConfig],
    explicit_token: Optional[str],
    home: Any,
    use_logged_in_user: bool = True,
) -> AuthStatus:
    """The client's :class:`AuthStatus` (token discovery may run ``gh``)."""
    if provider is not None and provider.type != "copilot":
        has_key = bool(provider.api_key or provider.bearer_token or provider.bearer_token_provider)
        return AuthStatus(
            has_key,
            "api-key" if has_key else None,
            None,
            None,
            f"{provider.type} provider: "
            + ("a key is configured" if has_key else "no key (none needed locally?)"),
        )
    from .._github.auth import find_github_token, mask

    found = find_github_token(explicit_token, home=home) if use_logged_in_user or explicit_token else None
    if found is None:
        return AuthStatus(
            False, None, None, None, "no GitHub token found (run `python -m copilot_sdk login`)"
        )
    return AuthStatus(True, "token", found.source, mask(found.token), f"GitHub token from {found.source}")


@attrs.frozen
class ClientStatus:
    """What ``client.get_status()`` reports.

    Attributes:
        version: this library's version.
        provider: the default provider's type ("copilot", "openai", ...).
        base_url: its base URL, if set (the Copilot endpoint is discovered).
        host: this machine's name.
        store: the session store's class name.
        base_directory: the SDK home.
        mcp_servers: the MCP servers started so far, each with its status and, for one
            that failed to start, crashed or stopped answering, the error.
    """

    version: str
    provider: str
    base_url: Optional[str]
    host: str
    store: Optional[str]
    base_directory: str
    mcp_servers: Tuple[McpServerStatus, ...] = ()


def status(
    version: str, provider: Optional[ProviderConfig], store: Any, base_directory: Any,
    mcp_servers: Tuple[McpServerStatus, ...] = (),
) -> ClientStatus:
    """The client's :class:`ClientStatus`."""
    import platform

    config = provider or ProviderConfig(type="copilot")
    return ClientStatus(
        version=version,
        provider=config.type,
        base_url=config.base_url,
        host=platform.node(),
        store=type(store).__name__ if store is not None else None,
        base_directory=str(base_directory),
        mcp_servers=mcp_servers,
    )


def check_effort(config: SessionConfig, provider: Any) -> None:
    """ValueError if ``config.reasoning_effort`` is not one the model advertises in
    the provider's models list (``model_info``: a list already at hand; unknown passes)."""
    effort, model = config.reasoning_effort, config.model
    if effort is None or model is None:
        return
    efforts = getattr(provider.model_info(model), "reasoning_efforts", None)
    if efforts is None:
        return
    if effort not in efforts:
        offered = ", ".join(efforts) if efforts else "none (it does not reason)"
        raise ValueError(f"reasoning_effort {effort!r} is not one model {model!r} supports: {offered}")


def changed_settings(
    old: SessionConfig, provider: Any, changes: Mapping[str, Any], provider_for: Optional[Any]
) -> Tuple[SessionConfig, Any, Optional[SessionEvent[SessionModelChangeData]]]:
    """The config and provider after ``changes`` (a new provider when the provider or
    the GitHub token changes), and the ``session.model_change`` it makes, if any.

    Raises:
        TypeError/ValueError: a bad field, or an effort the model does not advertise.
    """
    new = attrs.evolve(old, **changes)
    if ("provider" in changes or "github_token" in changes) and provider_for is not None:
        provider = provider_for(new)
    check_effort(new, provider)
    change = None
    if (new.model, new.reasoning_effort) != (old.model, old.reasoning_effort) and new.model is not None:
        change = new_event("session.model_change", SessionModelChangeData(
            new_model=new.model, previous_model=old.model, reasoning_effort=new.reasoning_effort,
            previous_reasoning_effort=old.reasoning_effort,
        ))
    return new, provider, change


def opening_event(source: str, config: SessionConfig, event_count: int, when: Any) -> SessionEvent[Any]:
    """``session.start`` (``source`` "new") or ``session.resume``."""
    assert config.session_id is not None
    if source == "new":
        return new_event("session.start", SessionStartData(
            session_id=config.session_id, start_time=when, selected_model=config.model,
            reasoning_effort=config.reasoning_effort,
        ))
    return new_event("session.resume", SessionResumeData(
        session_id=config.session_id, resume_time=when, event_count=event_count,
        selected_model=config.model, reasoning_effort=config.reasoning_effort,
    ))


Prompt = Union[str, MessageOptions]
AttachmentArg = Union[Attachment, Mapping[str, Any]]


def message_options(prompt: Prompt, attachments: Optional[Sequence[AttachmentArg]]) -> MessageOptions:
    """The message to send; ``attachments=`` adds to those of a MessageOptions."""
    if isinstance(prompt, MessageOptions):
        if attachments:
            return attrs.evolve(prompt, attachments=(*prompt.attachments, *attachments_tuple(attachments)))
        return prompt
    if isinstance(prompt, str):
        return MessageOptions(prompt=prompt, attachments=attachments)  # validates: non-empty
    raise TypeError(f"prompt must be a str or MessageOptions, not {type(prompt).__name__}")
