"""The one retry layer: tenacity, private, with our own wait and retry predicate.

Retried: connection errors and timeouts, and statuses 408, 409, 429, 5xx (529
included). ``Retry-After`` (seconds or an HTTP date) and ``retry-after-ms`` are
honoured up to ``max_retry_after``; a server asking to wait longer than that is not
retried at all. Otherwise exponential backoff with jitter. A fresh ``Retrying`` is
built per call; sleeping between attempts wakes up at once on abort.
"""

from __future__ import annotations

import logging
import random
import time
from typing import TYPE_CHECKING, Callable, Optional, TypeVar

import attrs

from ..errors import AbortedError, APIConnectionError, APIStatusError
from .cancel import CancelToken
from .checks import number

if TYPE_CHECKING:
    import tenacity

logger = logging.getLogger("copilot_sdk.retry")

T = TypeVar("T")

RETRYABLE_STATUS = frozenset({408, 409, 429})


@attrs.frozen(kw_only=True)
class RetryPolicy:
    """Retry settings. Delays are seconds; small values make tests fast."""

    max_retries: int = attrs.field(default=2)
    initial_delay: float = attrs.field(default=0.5, validator=number("retry_initial_delay", allow_zero=True))
    max_delay: float = attrs.field(default=8.0, validator=number("retry_max_delay", allow_zero=True))
    max_retry_after: float = attrs.field(default=60.0, validator=number("max_retry_after", allow_zero=True))

    @max_retries.validator
    def _check(self, attribute: attrs.Attribute[int], value: int) -> None:
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ValueError(f"max_retries must be an int >= 0, got {value!r}")


def is_retryable(exc: BaseException, policy: RetryPolicy) -> bool:
    """Whether ``exc`` may be retried under ``policy`` (ignoring the attempt count)."""
    if isinstance(exc, AbortedError):
        return False
    if isinstance(exc, APIStatusError):
        if exc.retry_after is not None and exc.retry_after > policy.max_retry_after:
            return False  # a quota, not a hiccup: tell the caller now
        return exc.status_code in RETRYABLE_STATUS or exc.status_code >= 500
    return isinstance(exc, APIConnectionError)


def _wait(policy: RetryPolicy) -> Callable[[tenacity.RetryCallState], float]:
    def wait(state: tenacity.RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        retry_after = getattr(exc, "retry_after", None)
        if retry_after is not None:
            return float(min(float(retry_after), policy.max_retry_after))
        backoff = min(policy.initial_delay * float(2 ** (state.attempt_number - 1)), policy.max_delay)
        return backoff * (1.0 - 0.25 * random.random())

    return wait


def call_with_retry(
    fn: Callable[[], T],
    policy: RetryPolicy,
    *,
    cancel: Optional[CancelToken] = None,
    on_retry: Optional[Callable[[int, float, BaseException], None]] = None,
    may_retry: Callable[[], bool] = lambda: True,
) -> T:
    """Call ``fn`` and retry it on retryable errors.

    Args:
        fn: the attempt; raises copilot_sdk errors.
        policy: how often and how long to wait.
        cancel: aborts the wait between attempts (raising AbortedError).
        on_retry: called as ``on_retry(attempt, delay, error)`` before each wait.
        may_retry: checked after a failure; False forbids a retry (e.g. once a
            stream's first delta has reached the caller).
    """

    def should_retry(exc: BaseException) -> bool:
        if cancel is not None and cancel.cancelled:
            return False
        return is_retryable(exc, policy) and may_retry()

    def sleep(seconds: float) -> None:
        if cancel is None:
            time.sleep(seconds)
        elif cancel.wait(seconds):
            raise AbortedError("the turn was aborted while waiting to retry")

    def before_sleep(state: tenacity.RetryCallState) -> None:
        exc = state.outcome.exception() if state.outcome else None
        delay = state.next_action.sleep if state.next_action else 0.0
        assert exc is not None
        logger.info(
            "retrying after %s (attempt %d, waiting %.2fs)", exc, state.attempt_number, delay
        )
        if on_retry is not None:
            on_retry(state.attempt_number, delay, exc)

    # The first attempt runs without tenacity's bookkeeping (most calls succeed);
    # after a retryable failure, tenacity replays that failure as attempt 1 and
    # takes over, so waits, attempt numbers and stops are exactly its own.
    try:
        return fn()
    except BaseException as exc:
        if policy.max_retries == 0 or not should_retry(exc):
            raise
        first_failure: Optional[BaseException] = exc

    def attempt() -> T:
        nonlocal first_failure
        if first_failure is not None:
            failure, first_failure = first_failure, None
            raise failure
        return fn()

    import tenacity  # loaded on the first retry only: most calls succeed at once

    retrying = tenacity.Retrying(
        stop=tenacity.stop_after_attempt(policy.max_retries + 1),
        wait=_wait(policy),
        retry=tenacity.retry_if_exception(should_retry),
        sleep=sleep,
        before_sleep=before_sleep,
        reraise=True,
    )
    return retrying(attempt)
