"""Long sessions against a small context window (MockModelServer(max_prompt_tokens=...)):
background and blocking compaction on the session's queue, the events in the log,
resume, tool pairs, abort and failure, compact(), truncate(), compaction off."""

from __future__ import annotations

import threading
from typing import Any, Callable, Iterator, List

import pytest

from copilot_sdk import (
    AbortedError,
    BadRequestError,
    ContextWindowExceededError,
    CopilotClient,
    ProviderConfig,
    SessionEvent,
    define_tool,
)
from copilot_sdk._engine.compaction import SYSTEM_PROMPT
from copilot_sdk.testing import MockFault, MockModelServer, MockReply, MockToolCall, RecordedRequest
from copilot_sdk.testing._limits import (
    anthropic_prompt_tokens,
    openai_prompt_tokens,
    responses_prompt_tokens,
)

pytestmark = pytest.mark.timeout(60)

LIMIT = 2000
PROMPT = "please explain something long about the project, step by step " * 2


def is_compaction(body: Any) -> bool:
    """A compaction's model call (its system message is the compaction prompt)."""
    if not isinstance(body, dict):
        return False
    if SYSTEM_PROMPT in (body.get("system"), body.get("instructions")):  # Anthropic, Responses
        return True
    messages = body.get("messages") or [{}]
    return isinstance(messages[0], dict) and messages[0].get("content") == SYSTEM_PROMPT


def summaries(server: MockModelServer, n: int = 200, text: str = "the user asked about the project") -> None:
    server.enqueue(*[MockReply(content=f"Summary: {text}.") for _ in range(n)], match=is_compaction)


@pytest.fixture
def server() -> Iterator[MockModelServer]:
    """conftest's clients (``make_client``) talk to this small-window server."""
    with MockModelServer(max_prompt_tokens=LIMIT) as srv:
        yield srv


@pytest.fixture
def small(server: MockModelServer) -> MockModelServer:
    return server


@pytest.fixture
def clients(make_client: Callable[..., CopilotClient]) -> Callable[..., CopilotClient]:
    return make_client


def chats(server: MockModelServer) -> List[RecordedRequest]:
    return [r for r in server.chat_requests if not is_compaction(r.body)]


def of_type(log: List[SessionEvent], name: str) -> List[SessionEvent]:
    return [e for e in log if e.type == name]


def test_hundreds_of_turns_stay_under_the_window(small: MockModelServer, clients: Any) -> None:
    summaries(small)
    session = clients().create_session(model="gpt-5", system_message="You are terse.")
    for i in range(250):
        reply = session.send(f"question {i}: {PROMPT}")
        assert f"question {i}:" in reply.data.content  # the echo of this very turn
    sizes = [openai_prompt_tokens(r.body) for r in small.chat_requests]
    assert max(sizes) <= LIMIT
    assert len(chats(small)) == 250  # no turn failed, none was re-sent
    log = session.get_messages()
    done = of_type(log, "session.compaction_complete")
    assert len(done) >= 10 and len(of_type(log, "session.compaction_start")) == len(done)
    for event in done:
        data = event.data
        assert data.success and data.summary == "Summary: the user asked about the project."
        assert data.first_event_id and data.last_event_id and data.turns_replaced >= 1
        assert data.post_compaction_tokens < data.pre_compaction_tokens <= LIMIT
        assert data.token_limit == LIMIT and data.trigger == "threshold"
    # the window came from the models list, fetched once
    assert sum(r.path.endswith("/models") for r in small.requests) == 1
    # the last request: the system message, the summary, then the turns kept verbatim
    last = chats(small)[-1].body["messages"]
    assert last[0]["role"] == "system" and "Summary: the user asked" in last[1]["content"]
    assert last[-1]["content"].startswith("question 249:")


def test_a_short_session_makes_no_models_request(small: MockModelServer, clients: Any) -> None:
    session = clients().create_session(model="gpt-5")
    for _ in range(3):
        session.send("hello")
    assert not any(r.path.endswith("/models") for r in small.requests)


def test_configured_window_needs_no_models_list(small: MockModelServer, clients: Any) -> None:
    summaries(small)
    session = clients().create_session(model="gpt-5", max_prompt_tokens=1200)
    for i in range(60):
        session.send(f"q{i} {PROMPT}")
    assert not any(r.path.endswith("/models") for r in small.requests)
    assert max(openai_prompt_tokens(r.body) for r in chats(small)) <= 1200
    assert of_type(session.get_messages(), "session.compaction_complete")


def _turns(session: Any, n: int, start: int = 0) -> None:
    for i in range(start, start + n):
        session.send(f"q{i} {PROMPT}")


def test_a_resumed_session_sends_what_a_control_sends(small: MockModelServer, clients: Any) -> None:
    summaries(small, 400)
    client = clients()
    resumed = client.create_session(model="gpt-5", session_id="resumed", system_message="Be brief.")
    _turns(resumed, 40)
    resumed.destroy()
    control = client.create_session(model="gpt-5", session_id="control", system_message="Be brief.")
    _turns(control, 41)
    expected = chats(small)[-1].body
    again = client.resume_session("resumed")
    assert of_type(again.get_messages(), "session.compaction_complete")
    _turns(again, 1, start=40)
    assert chats(small)[-1].body == expected


def test_tool_calls_and_results_are_never_split(small: MockModelServer, clients: Any) -> None:
    summaries(small, 400)

    @define_tool
    def lookup(q: str) -> str:
        """Look something up."""
        return f"result for {q}: " + "data " * 30

    session = clients().create_session(model="gpt-5", tools=[lookup])
    for i in range(80):
        if i % 3 == 0:
            small.enqueue(
                MockReply(tool_calls=[MockToolCall(name="lookup", arguments={"q": f"n{i}"})]),
                MockReply(content=f"answer {i}"),
            )
        session.send(f"q{i} {PROMPT}")
    assert of_type(session.get_messages(), "session.compaction_complete")
    for request in chats(small):
        messages = request.body["messages"]
        for index, message in enumerate(messages):
            if message.get("tool_calls"):
                ids = [call["id"] for call in message["tool_calls"]]
                follow = [m.get("tool_call_id") for m in messages[index + 1 : index + 1 + len(ids)]]
                assert follow == ids
            if message["role"] == "tool":
                earlier = [c["id"] for m in messages[:index] for c in m.get("tool_calls") or []]
                assert message["tool_call_id"] in earlier
    assert max(openai_prompt_tokens(r.body) for r in small.chat_requests) <= LIMIT


def test_compactions_never_race_turns(small: MockModelServer, clients: Any) -> None:
    summaries(small)
    session = clients().create_session(model="gpt-5")
    futures = [session.send_async(f"q{i} {PROMPT}") for i in range(80)]
    replies = [f.result(timeout=30) for f in futures]
    assert [r.data.content.split("last_user='q")[1].split(" ")[0] for r in replies] == [
        str(i) for i in range(80)
    ]
    assert small.max_in_flight == 1
    assert of_type(session.get_messages(), "session.compaction_complete")


def test_blocking_threshold_compacts_before_the_turn(small: MockModelServer, clients: Any) -> None:
    summaries(small)
    session = clients().create_session(model="gpt-5")
    _turns(session, 6)  # below the background threshold
    assert not of_type(session.get_messages(), "session.compaction_complete")
    session.send("long " * 950)  # this prompt takes the request past 0.95
    log = session.get_messages()
    done = of_type(log, "session.compaction_complete")[0]
    assert done.data.trigger == "buffer_exhaustion" and done.data.success
    assert log.index(done) < log.index(of_type(log, "user.message")[-1])
    assert max(openai_prompt_tokens(r.body) for r in small.chat_requests) <= LIMIT


def test_compact_on_demand(small: MockModelServer, clients: Any) -> None:
    summaries(small)
    session = clients().create_session(model="gpt-5")
    _turns(session, 6)  # the last four fit in a quarter of the window
    event = session.compact()
    assert event.type == "session.compaction_complete" and event.data.success
    assert event.data.trigger == "manual" and event.data.turns_replaced == 2
    assert session.get_messages()[-1] == event
    session.send("next")
    messages = chats(small)[-1].body["messages"]
    assert "Summary: the user asked" in messages[0]["content"]
    users = [m["content"].split(" ")[0] for m in messages[1:] if m["role"] == "user"]
    assert users == ["q2", "q3", "q4", "q5", "next"]


def test_failed_compaction_changes_nothing(small: MockModelServer, clients: Any) -> None:
    small.enqueue(MockFault(status=400, message="no summaries today"), match=is_compaction)
    session = clients().create_session(model="gpt-5")
    seen: List[SessionEvent] = []
    session.on(seen.append)
    _turns(session, 6)
    before = session.get_messages()
    event = session.compact()
    assert not event.data.success and "no summaries today" in (event.data.error or "")
    assert session.get_messages() == before
    assert [e.type for e in seen[-2:]] == ["session.compaction_start", "session.compaction_complete"]
    session.send("next")
    users = [m for m in chats(small)[-1].body["messages"] if m["role"] == "user"]
    assert len(users) == 7  # nothing was replaced


def test_nothing_to_compact(small: MockModelServer, clients: Any) -> None:
    session = clients().create_session(model="gpt-5")
    _turns(session, 2)
    event = session.compact()
    assert not event.data.success and "nothing to compact" in (event.data.error or "")
    assert not any(is_compaction(r.body) for r in small.chat_requests)


def test_abort_during_compaction(small: MockModelServer, clients: Any) -> None:
    small.enqueue(MockReply(content="Summary: slow.", latency=20), match=is_compaction)
    session = clients().create_session(model="gpt-5")
    seen: List[SessionEvent] = []
    session.on(seen.append)
    _turns(session, 6)
    before = session.get_messages()
    outcome: List[BaseException] = []

    def compact() -> None:
        try:
            session.compact()
        except BaseException as exc:
            outcome.append(exc)

    worker = threading.Thread(target=compact)
    worker.start()
    assert small.wait_for_requests(7, timeout=10)  # the compaction's call is in flight
    session.abort()
    worker.join(timeout=10)
    assert not worker.is_alive()
    assert len(outcome) == 1 and isinstance(outcome[0], AbortedError)
    assert session.get_messages() == before
    complete = [e for e in seen if e.type == "session.compaction_complete"]
    assert len(complete) == 1 and not complete[0].data.success
    assert (complete[0].data.error or "").startswith("aborted")
    session.send("after")
    assert len([m for m in chats(small)[-1].body["messages"] if m["role"] == "user"]) == 7


def test_window_exceeded_with_compaction_off(small: MockModelServer, clients: Any) -> None:
    session = clients().create_session(model="gpt-5", session_id="no-compaction", infinite_sessions=False)
    with pytest.raises(ContextWindowExceededError) as caught:
        for i in range(40):
            session.send(f"q{i} {PROMPT}")
    error = caught.value
    assert error.session_id == "no-compaction" and error.max_prompt_tokens == LIMIT
    assert error.estimated_tokens > LIMIT
    text = str(error)
    assert "no-compaction" in text and str(LIMIT) in text and str(error.estimated_tokens) in text
    sent = len(small.chat_requests)
    log = session.get_messages()
    assert not of_type(log, "session.compaction_complete")
    assert log[-1].type == "assistant.turn_end"  # the refused turn committed nothing
    with pytest.raises(ContextWindowExceededError):
        session.send("one more")
    assert len(small.chat_requests) == sent  # refused before it was sent
    assert max(openai_prompt_tokens(r.body) for r in small.chat_requests) <= LIMIT


def test_truncate(small: MockModelServer, clients: Any) -> None:
    client = clients()
    session = client.create_session(model="gpt-5", session_id="trunc")
    _turns(session, 4)
    with pytest.raises(ValueError, match="between 1 and 4"):
        session.truncate(5)
    with pytest.raises(ValueError):
        session.truncate(0)
    with pytest.raises(TypeError):
        session.truncate("2")  # type: ignore[arg-type]
    events = len(session.get_messages())
    event = session.truncate(2)
    assert event.type == "session.truncation" and event.data.turns_removed == 2
    assert event.data.tokens_removed_during_truncation > 0
    log = session.get_messages()
    assert len(log) == events + 1 and log[-1] == event  # append-only
    session.send("next")
    users = [m["content"].split(" ")[0] for m in chats(small)[-1].body["messages"] if m["role"] == "user"]
    assert users == ["q2", "q3", "next"]
    session.destroy()
    client.resume_session("trunc").send("again")
    users = [m["content"].split(" ")[0] for m in chats(small)[-1].body["messages"] if m["role"] == "user"]
    assert users == ["q2", "q3", "next", "again"]


def test_anthropic_long_session() -> None:
    with MockModelServer(max_prompt_tokens=LIMIT) as server:
        summaries(server)
        provider = ProviderConfig(type="anthropic", base_url=server.anthropic_base_url, api_key="k")
        with CopilotClient(provider=provider, store=":memory:") as client:
            session = client.create_session(model="claude-sonnet-4.5", system_message="Be brief.")
            _turns(session, 120)
            assert of_type(session.get_messages(), "session.compaction_complete")
        assert max(anthropic_prompt_tokens(r.body) for r in server.chat_requests) <= LIMIT


def test_responses_wire_long_session(small: MockModelServer, clients: Any) -> None:
    summaries(small)
    provider = ProviderConfig(
        type="openai", base_url=small.openai_base_url, api_key="k", wire_api="responses"
    )
    session = clients(provider=provider).create_session(model="gpt-5", system_message="Be brief.")
    _turns(session, 80)
    assert of_type(session.get_messages(), "session.compaction_complete")
    assert all(r.path.endswith("/responses") for r in small.chat_requests)
    assert max(responses_prompt_tokens(r.body) for r in small.chat_requests) <= LIMIT


def test_copilot_long_session_takes_the_window_from_the_copilot_models_list(
    small: MockModelServer, clients: Any
) -> None:
    summaries(small)
    client = clients(provider=ProviderConfig(type="copilot", github_api_url=small.url),
                     github_token="gho_abcdefghijklmnop")
    listed = {m.id: m.max_prompt_tokens for m in client.list_models()}
    assert listed["gpt-5"] == LIMIT
    session = client.create_session(model="gpt-5")
    _turns(session, 80)
    done = of_type(session.get_messages(), "session.compaction_complete")
    assert done and all(e.data.token_limit == LIMIT for e in done)
    assert max(openai_prompt_tokens(r.body) for r in small.chat_requests) <= LIMIT


def test_unknown_window_is_never_enforced(small: MockModelServer, clients: Any) -> None:
    # a model the models list does not name: the default window is assumed for
    # compacting, but no request is refused against it; the server's 400 is what fails
    session = clients().create_session(model="local-model", infinite_sessions=False)
    with pytest.raises(BadRequestError) as caught:
        for i in range(40):
            session.send(f"q{i} {PROMPT}")
    assert "context length" in str(caught.value)
    assert sum(r.path.endswith("/models") for r in small.requests) == 1  # looked up once


def test_reported_usage_corrects_the_estimate(small: MockModelServer, clients: Any) -> None:
    summaries(small)
    session = clients().create_session(model="gpt-5", max_prompt_tokens=LIMIT)
    _turns(session, 5)  # by our estimate, well under the background threshold
    assert not of_type(session.get_messages(), "session.compaction_complete")
    compacted = threading.Event()
    session.on("session.compaction_complete", lambda event: compacted.set())
    small.enqueue(MockReply(content="ok", prompt_tokens=1700))  # the provider counts far more
    _turns(session, 1, start=5)
    assert compacted.wait(10)  # queued after the turn, it runs once send() returned
    (done,) = of_type(session.get_messages(), "session.compaction_complete")
    assert done.data.trigger == "threshold" and done.data.pre_compaction_tokens > 0.8 * LIMIT


def test_a_compaction_due_when_the_session_closed_runs_before_the_next_turn(
    small: MockModelServer, clients: Any
) -> None:
    summaries(small)
    client = clients()
    big = "word " * 520  # takes the history past the background threshold, not the blocking one

    def run_up(session: Any, close: bool) -> None:
        _turns(session, 3)
        small.enqueue(MockReply(content="x" * 2600, latency=0.3))
        pending = session.send_async(big)
        if close:
            session.destroy()  # closes the queue while that turn is still running
        pending.result(timeout=10)

    control = client.create_session(model="gpt-5", session_id="control")
    run_up(control, close=False)
    control.send("next")
    expected = chats(small)[-1].body
    closed = client.create_session(model="gpt-5", session_id="closed")
    run_up(closed, close=True)
    assert not of_type(closed.get_messages(), "session.compaction_complete")
    resumed = client.resume_session("closed")
    resumed.send("next")
    assert chats(small)[-1].body == expected
    assert "Summary: the user asked" in expected["messages"][0]["content"]


def test_compaction_uses_the_provider_the_session_runs_with_now(
    small: MockModelServer, clients: Any
) -> None:
    client = clients()
    session = client.create_session(model="gpt-5", session_id="moves")
    _turns(session, 6)
    with MockModelServer(max_prompt_tokens=LIMIT) as other:
        summaries(other)
        provider = ProviderConfig(type="openai", base_url=other.openai_base_url, api_key="k")
        assert client.resume_session("moves", provider=provider) is session
        event = session.compact()
        assert event.data.success
        assert [is_compaction(r.body) for r in other.chat_requests] == [True]
    assert not any(is_compaction(r.body) for r in small.chat_requests)
