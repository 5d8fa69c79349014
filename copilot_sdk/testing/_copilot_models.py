"""The Copilot API's models list, as the mock serves it (``GET <api>/models``).

Shaped like the real list: per model ``supported_endpoints``, ``vendor``,
``preview``, ``model_picker_enabled``, ``policy.state`` and ``capabilities``
(``type``, ``limits``, ``supports`` with ``vision``, ``tool_calls``,
``reasoning_effort``). The mix covers every routing case: a model on chat
completions only, one on both chat completions and Responses, a codex model on
Responses only, a Claude model on chat completions and messages (whose tool calls
come in a second choice), a Claude model on messages only; and what a picker must
not show: an embedding model, a model hidden from the picker, one disabled by
policy. Model calls to an endpoint a listed model is not served on get the real
API's ``400 unsupported_api_for_model``.
"""

from __future__ import annotations

from typing import Any

__all__ = ["COPILOT_MODELS", "endpoint_problem", "find"]

_CHAT, _RESPONSES, _MESSAGES = "/chat/completions", "/responses", "/v1/messages"
_EFFORTS = ["low", "medium", "high"]


def _model(
    model_id: str,
    name: str,
    vendor: str,
    endpoints: list[str],
    *,
    vision: bool = True,
    efforts: list[str] | None = None,
    kind: str = "chat",
    picker: bool = True,
    policy: str = "enabled",
    preview: bool = False,
    prompt_tokens: int = 128000,
) -> dict[str, Any]:
    supports: dict[str, Any] = {"streaming": True, "tool_calls": kind == "chat", "vision": vision}
    if efforts:
        supports["reasoning_effort"] = efforts
    return {
        "id": model_id,
        "name": name,
        "object": "model",
        "vendor": vendor,
        "version": model_id,
        "preview": preview,
        "model_picker_enabled": picker,
        "policy": {"state": policy, "terms": "Enable access to this model."},
        "supported_endpoints": endpoints,
        "capabilities": {
            "family": model_id,
            "type": kind,
            "object": "model_capabilities",
            "tokenizer": "o200k_base",
            "limits": {"max_prompt_tokens": prompt_tokens, "max_output_tokens": 16384},
            "supports": supports,
        },
    }


COPILOT_MODELS: tuple[dict[str, Any], ...] = (
    _model("gpt-4.1", "GPT-4.1", "Azure OpenAI", [_CHAT]),
    _model("gpt-5", "GPT-5", "Azure OpenAI", [_CHAT, _RESPONSES], efforts=_EFFORTS),
    _model("gpt-5-mini", "GPT-5 mini", "Azure OpenAI", [_CHAT, _RESPONSES], efforts=_EFFORTS),
    _model("gpt-5.1-codex", "GPT-5.1-Codex", "OpenAI", [_RESPONSES], efforts=_EFFORTS, preview=True),
    _model("claude-sonnet-4.5", "Claude Sonnet 4.5", "Anthropic", [_CHAT, _MESSAGES], prompt_tokens=144000),
    _model("claude-opus-4.5", "Claude Opus 4.5", "Anthropic", [_MESSAGES], prompt_tokens=160000),
    _model("o3-mini", "o3-mini", "Azure OpenAI", [_CHAT], vision=False, efforts=_EFFORTS),
    _model("text-embedding-3-small", "Embedding V3 small", "Azure OpenAI", ["/embeddings"],
           kind="embeddings"),
    _model("gpt-4o-mini", "GPT-4o mini", "Azure OpenAI", [_CHAT], picker=False),
    _model("gemini-2.5-pro", "Gemini 2.5 Pro", "Google", [_CHAT], policy="disabled"),
)
"""Every entry of the mock's Copilot models list, in the order it is served."""


def served(max_prompt_tokens: int | None) -> list[dict[str, Any]]:
    """The list as served: with the server's context window, when it enforces one,
    as every model's ``max_prompt_tokens``."""
    if max_prompt_tokens is None:
        return list(COPILOT_MODELS)
    return [
        {**m, "capabilities": {**m["capabilities"], "limits": {
            **m["capabilities"]["limits"], "max_prompt_tokens": max_prompt_tokens}}}
        for m in COPILOT_MODELS
    ]


def find(model: Any) -> dict[str, Any] | None:
    """The list's entry for ``model``, or None."""
    return next((m for m in COPILOT_MODELS if m["id"] == model), None)


def endpoint_problem(model: Any, endpoint: str) -> tuple[int, str, str] | None:
    """(status, code, message) if the Copilot API would refuse ``model`` on
    ``endpoint``, else None. Models the list does not name are let through."""
    entry = find(model)
    if entry is None:
        return None
    if entry["policy"]["state"] == "disabled":
        return 403, "model_not_enabled", f"model {model} is disabled by your organization's policy"
    if endpoint not in entry["supported_endpoints"]:
        return 400, "unsupported_api_for_model", f"model {model} is not supported via {endpoint}"
    return None
