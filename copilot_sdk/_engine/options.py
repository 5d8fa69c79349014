"""The official SDK's forms of the session options, and the options refused here.

``create_session``/``resume_session`` take the official SDK's keyword options
(:class:`SessionOptions`, typed for IDEs and ``mypy --strict``); ``provider`` and
``system_message`` take its dict forms. Options that only make sense with the
Copilot CLI process (plugins, skills, remote sessions, canvases...) raise
TypeError naming them and saying why, rather than being ignored.
"""

from __future__ import annotations

import os
from typing import (
    TYPE_CHECKING,
    Any,
    Callable,
    Iterable,
    Mapping,
    Optional,
    Sequence,
    Tuple,
    TypedDict,
    TypeVar,
    Union,
)

import attrs

from .._transport.checks import FrozenDict
from ..tools import SessionHooks, Tool
from ..tools.builtins import BUILTIN_NAMES
from ..tools.define import validate_tools
from ..tools.selection import check_tool_names

if TYPE_CHECKING:
    from ..types import ProviderConfig, ReasoningEffort

__all__ = [
    "CLI_ONLY_CLIENT_OPTIONS",
    "CLI_ONLY_SESSION_OPTIONS",
    "NoOptions",
    "ResumeOptions",
    "SessionOptions",
    "check_options",
    "provider_from_dict",
    "system_message",
]

_P = TypeVar("_P", bound=attrs.AttrsInstance)
SYSTEM_MESSAGE_MODES = ("append", "replace")

#: Official ``create_session``/``resume_session`` options that configure the Copilot
#: CLI process (its agents, skills, plugins, UI, remote and cloud sessions):
#: there is no CLI process here.
CLI_ONLY_SESSION_OPTIONS = frozenset(
    {
        "additional_directories",
        "agent",
        "canvas_provider",
        "canvases",
        "capi",
        "client_name",
        "cloud",
        "coauthor_enabled",
        "commands",
        "config_directory",
        "context_tier",
        "continue_pending_work",
        "create_session_fs_handler",
        "custom_agents",
        "custom_agents_local_only",
        "default_agent",
        "disabled_mcp_servers",
        "disabled_skills",
        "embedding_cache_storage",
        "enable_citations",
        "enable_config_discovery",
        "enable_experimental_mode",
        "enable_file_change_tracking",
        "enable_file_hooks",
        "enable_host_git_operations",
        "enable_mcp_apps",
        "enable_on_demand_instruction_discovery",
        "enable_session_store",
        "enable_session_telemetry",
        "enable_skills",
        "excluded_builtin_agents",
        "extension_info",
        "extension_sdk_path",
        "include_sub_agent_streaming_events",
        "instruction_directories",
        "large_output",
        "manage_schedule_enabled",
        "mcp_oauth_token_storage",
        "memory",
        "model_capabilities",
        "models",
        "on_auto_mode_switch_request",
        "on_elicitation_request",
        "on_exit_plan_mode_request",
        "on_mcp_auth_request",
        "organization_custom_instructions",
        "plugin_directories",
        "providers",
        "reasoning_summary",
        "remote_session",
        "request_canvas_renderer",
        "request_extensions",
        "session_limits",
        "skill_directories",
        "skip_custom_instructions",
        "skip_embedding_retrieval",
        "tool_search",
    }
)

#: Official ``CopilotClient`` options that configure the CLI process or its connection.
CLI_ONLY_CLIENT_OPTIONS = frozenset(
    {
        "builtin_plugin_directories",
        "connection",
        "enable_remote_sessions",
        "env",
        "log_level",
        "mode",
        "on_github_telemetry",
        "on_list_models",
        "request_handler",
        "session_fs",
        "session_idle_timeout_seconds",
        "telemetry",
        "working_directory",
    }
)

_WHY = (
    "there is no Copilot CLI process here (this library talks to the model endpoint "
    "itself); see docs/porting.md"
)


class ResumeOptions(TypedDict, total=False):
    """The keyword options of ``resume_session`` (and, with ``session_id``, of
    ``create_session``): the fields of :class:`~copilot_sdk.SessionConfig`."""

    model: Optional[str]
    system_message: Union[None, str, Mapping[str, Any]]
    tools: Optional[Sequence[Tool]]
    available_tools: Optional[Sequence[str]]
    excluded_tools: Optional[Sequence[str]]
    working_directory: Union[None, str, os.PathLike[str]]
    mcp_servers: Optional[Mapping[str, Mapping[str, Any]]]
    provider: Union[None, ProviderConfig, Mapping[str, Any]]
    github_token: Optional[str]
    streaming: bool
    on_permission_request: Optional[Callable[..., Any]]
    hooks: Union[None, SessionHooks, Mapping[str, Callable[..., Any]]]
    max_tool_rounds: int
    infinite_sessions: Union[None, bool, Mapping[str, Any]]
    max_prompt_tokens: Optional[int]
    temperature: Optional[float]
    max_output_tokens: Optional[int]
    reasoning_effort: Optional[ReasoningEffort]
    on_user_input_request: Optional[Callable[..., Any]]
    on_event: Optional[Callable[..., Any]]


class SessionOptions(ResumeOptions, total=False):
    """The keyword options of ``create_session``."""

    session_id: Optional[str]


class NoOptions(TypedDict, total=False):
    """No keyword options: what a ``**kwargs`` typed with it receives is refused at
    run time with a message, and flagged by type checkers."""


def check_options(given: Iterable[str], known: Iterable[str], cli_only: frozenset[str], what: str) -> None:
    """TypeError naming the options in ``given`` that are CLI-only or unknown."""
    given, known_set = set(given), set(known)
    refused = sorted(given & cli_only)
    if refused:
        raise TypeError(f"{what}: {', '.join(refused)} configure(s) the Copilot CLI: {_WHY}")
    unknown = sorted(given - known_set)
    if unknown:
        raise TypeError(f"{what}: unknown option(s) {', '.join(unknown)}")


_PROVIDER_PER_SESSION = ("max_prompt_tokens", "max_output_tokens")


def provider_from_dict(cls: type[_P], data: Mapping[str, Any]) -> _P:
    """See :meth:`ProviderConfig.from_dict`."""
    if not isinstance(data, Mapping):
        raise TypeError(f"provider must be a ProviderConfig or a dict, not {type(data).__name__}")
    fields = {f.name for f in attrs.fields(cls)}
    kwargs = {"type": "openai", **data}
    moved = sorted(k for k in kwargs if k in _PROVIDER_PER_SESSION)
    if moved:
        raise TypeError(
            f"provider: {', '.join(moved)} is set per session here: "
            f"create_session({moved[0]}=...), not in the provider dict"
        )
    azure = kwargs.pop("azure", None)
    if azure is not None:
        if not isinstance(azure, Mapping) or set(azure) - {"api_version"}:
            raise TypeError('provider: "azure" must be {"api_version": str}')
        if "api_version" in azure:
            kwargs["azure_api_version"] = azure["api_version"]
    model_id = kwargs.pop("model_id", None)
    if model_id is not None and kwargs.get("wire_model") is None:
        kwargs["wire_model"] = model_id  # the official wire model falls back to model_id
    if kwargs.get("transport", "http") != "http":
        raise ValueError(f"provider: transport {kwargs['transport']!r} is not supported; use 'http'")
    kwargs.pop("transport", None)
    if "wire_api" not in fields and kwargs.get("wire_api", "completions") == "completions":
        kwargs.pop("wire_api", None)
    unknown = sorted(set(kwargs) - fields)
    if unknown:
        raise TypeError(
            f"provider: unknown key(s) {', '.join(unknown)}; known: "
            + ", ".join(sorted((fields - {"azure_api_version"}) | {"azure", "model_id", "transport"}))
        )
    return cls(**kwargs)


def system_message(value: Union[None, str, Mapping[str, Any]]) -> Union[None, str, FrozenDict]:
    """A str, or ``{"content": ..., "mode": "append" | "replace"}`` as a FrozenDict
    with both keys (mode defaults to "append", as in the official SDK)."""
    if value is None or isinstance(value, str):
        return value
    if not isinstance(value, Mapping):
        raise TypeError(f"system_message must be a str or a dict, not {type(value).__name__}")
    unknown = sorted(set(value) - {"content", "mode"})
    if unknown:
        hint = " ('sections' edits the Copilot CLI's own prompt)" if "sections" in unknown else ""
        raise TypeError(f"system_message: unknown key(s) {', '.join(unknown)}; known: content, mode{hint}")
    content, mode = value.get("content"), value.get("mode", "append")
    if content is not None and not isinstance(content, str):
        raise TypeError(f"system_message content must be a str, not {type(content).__name__}")
    if mode not in SYSTEM_MESSAGE_MODES:
        why = " (it edits sections of the Copilot CLI's own prompt)" if mode == "customize" else ""
        raise ValueError(f"system_message mode must be 'append' or 'replace', got {mode!r}{why}")
    return FrozenDict({"content": content, "mode": mode})


# -- converters and validators of SessionConfig fields ------------------------
def tools_tuple(value: Optional[Sequence[Tool]]) -> Tuple[Tool, ...]:
    if value is None:
        return ()
    if isinstance(value, (str, bytes)) or not isinstance(value, Sequence):
        raise TypeError("tools must be a list of Tool objects (see define_tool)")
    tools = validate_tools(value)  # TypeError for non-Tools, ValueError for duplicate names
    for tool in tools:
        if tool.name in BUILTIN_NAMES + ("ask_user",) and not tool.overrides_built_in_tool:
            raise ValueError(
                f"tools: {tool.name!r} is the name of a built-in tool; pass overrides_built_in_tool=True "
                "to define_tool to replace it"
            )
    return tools


def hooks(value: object) -> Optional[SessionHooks]:
    """A SessionHooks, also from a mapping of hook names (the official SDK's dict form)."""
    if value is None or isinstance(value, SessionHooks):
        return value
    if isinstance(value, Mapping):
        known = {f.name for f in attrs.fields(SessionHooks)}
        unknown = sorted(set(value) - known)
        if unknown:
            raise TypeError(
                f"hooks: unknown hook name(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}"
            )
        return SessionHooks(**value)
    raise TypeError(f"hooks must be a SessionHooks or a mapping, not {type(value).__name__}")


def available(value: Optional[Sequence[str]]) -> Optional[Tuple[str, ...]]:
    return check_tool_names("available_tools", value, BUILTIN_NAMES + ("ask_user",))


def excluded(value: Optional[Sequence[str]]) -> Tuple[str, ...]:
    return check_tool_names("excluded_tools", value, BUILTIN_NAMES + ("ask_user",)) or ()


def working_directory(value: object) -> Optional[str]:
    if value is None:
        return None
    if not isinstance(value, (str, os.PathLike)):
        raise TypeError(f"working_directory must be a str or path, not {type(value).__name__}")
    path = os.fspath(value)
    if not isinstance(path, str) or not os.path.isdir(path):
        raise ValueError(f"working_directory {path!r} is not an existing directory")
    return os.path.abspath(path)


def check_positive_int_or_none(inst: object, attr: attrs.Attribute[Any], value: object) -> None:
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{attr.name} must be an int, not {type(value).__name__}")
    if value < 1:
        raise ValueError(f"{attr.name} must be >= 1, got {value}")


def stored_provider(cls: type[_P], value: Any) -> Optional[_P]:
    """A provider config rebuilt from the store (TypeError naming unknown fields)."""
    if not value:
        return None
    if not isinstance(value, Mapping):
        raise TypeError(f"provider is a {type(value).__name__}, not an object")
    known = {field.name for field in attrs.fields(cls)}
    unknown = sorted(str(key) for key in value if key not in known)
    if unknown:
        raise TypeError(f"provider has unknown field(s) {', '.join(unknown)}")
    return cls(**value)
