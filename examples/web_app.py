"""A multi-user chat web app (Flask): one session per user, shared by every worker.

Each worker process runs one CopilotClient on the store the URL names. Any worker
can answer any user's next message: the store keeps the sessions, and its turn
leases make sure two workers never run turns of one session at once.

    pip install 'copilot_sdk[web,redis]'     # or [web,postgres]
    python examples/web_app.py --store redis://127.0.0.1:6379/0 --port 8001 &
    python examples/web_app.py --store redis://127.0.0.1:6379/0 --port 8002 &
    curl -s -H 'X-User: alice' -d '{"message": "Hi, I am Alice"}' localhost:8001/chat
    curl -s -H 'X-User: alice' -d '{"message": "Who am I?"}' localhost:8002/chat

    python examples/web_app.py --offline     # MockModelServer, two in-process workers

The user comes from an ``X-User`` header to keep the example short; a real app takes
it from its own login. Routes: ``POST /chat`` ``{"message": ...}`` -> the answer,
``GET /history``, ``DELETE /chat`` (forget me), ``GET /healthz``.
"""

from __future__ import annotations

import argparse
import atexit
import re
import sys
import textwrap
from typing import Any, Dict, Optional, Tuple

from copilot_sdk import (
    CopilotClient,
    CopilotError,
    ProviderConfig,
    Session,
    SessionExistsError,
    SessionNotFoundError,
    StoreError,
)

MODEL = "gpt-5"
SYSTEM = "You are the assistant of a small web shop. Answer in two sentences at most."
_USER = re.compile(r"[A-Za-z0-9_.@-]{1,64}")

try:
    from flask import Flask, Response, jsonify, request
except ImportError:  # pragma: no cover - told to the user below
    Flask = None  # type: ignore[assignment,misc]


def session_for(client: CopilotClient, user: str) -> Session:
    """The user's session: resumed from the store, or created on the first message
    (two workers creating it at once: the loser resumes the winner's)."""
    session_id = f"user-{user}"
    try:
        return client.resume_session(session_id)
    except SessionNotFoundError:
        pass
    try:
        return client.create_session(session_id=session_id, model=MODEL, system_message=SYSTEM)
    except SessionExistsError:
        return client.resume_session(session_id)


def ask(client: CopilotClient, user: str, message: str) -> str:
    """Send the user's message on their session and return the answer."""
    for attempt in range(2):
        session = session_for(client, user)
        try:
            return session.send_and_wait(message, timeout=120).data.content
        except SessionNotFoundError:  # another worker deleted it: start afresh, once
            session.destroy()
            if attempt:
                raise
    raise AssertionError("unreachable")


def create_app(client: CopilotClient, name: str = "web_app") -> Any:
    """The Flask app of one worker, on a started client."""
    app = Flask(name)

    def user_or_error() -> Tuple[Optional[str], Optional[Tuple[Response, int]]]:
        user = request.headers.get("X-User", "")
        if not _USER.fullmatch(user):
            return None, (jsonify(error="send an X-User header (letters, digits, _.@-)"), 400)
        return user, None

    @app.post("/chat")
    def chat() -> Any:
        user, error = user_or_error()
        if error is not None:
            return error
        body = request.get_json(force=True, silent=True) or {}
        message = body.get("message")
        if not isinstance(message, str) or not message.strip():
            return jsonify(error='send {"message": "..."}'), 400
        try:
            answer = ask(client, str(user), message)
        except StoreError as exc:  # the database is down, or another worker took the turn over
            return jsonify(error=f"try again: {exc}"), 503
        except CopilotError as exc:
            return jsonify(error=str(exc)), 502
        return jsonify(user=user, answer=answer)

    @app.get("/history")
    def history() -> Any:
        user, error = user_or_error()
        if error is not None:
            return error
        try:
            _, events = client.store.load(f"user-{user}")  # what every worker committed
        except SessionNotFoundError:
            return jsonify(user=user, messages=[])
        messages = [
            {"role": "user" if e.type == "user.message" else "assistant", "content": e.data.content}
            for e in events
            if e.type in ("user.message", "assistant.message")
        ]
        return jsonify(user=user, messages=messages)

    @app.delete("/chat")
    def forget() -> Any:
        user, error = user_or_error()
        if error is not None:
            return error
        try:
            client.delete_session(f"user-{user}")
        except SessionNotFoundError:
            return jsonify(user=user, deleted=False), 404
        return jsonify(user=user, deleted=True)

    @app.get("/healthz")
    def healthz() -> Any:
        return jsonify(ok=True)

    return app


def show(who: str, text: str) -> None:
    lines = textwrap.wrap(" ".join(text.split()), 84) or [""]
    print(f"  {who:>16}: {lines[0]}")
    for line in lines[1:]:
        print(" " * 20 + line)


def offline(store: Optional[str]) -> None:
    """Two workers (two clients, two apps) on one store, driven by Flask test clients."""
    from copilot_sdk.store import MemoryStore
    from copilot_sdk.testing import MockModelServer

    with MockModelServer() as server:
        provider = ProviderConfig(type="openai", base_url=server.openai_base_url, api_key="offline")
        shared: Any = store or MemoryStore()  # a URL: each worker opens its own connection
        clients = [CopilotClient(provider=provider, store=shared).start() for _ in range(2)]
        try:
            workers = [create_app(c, f"worker-{i}").test_client() for i, c in enumerate(clients)]
            script = [
                (0, "alice", "Hi, I am Alice. Do you sell umbrellas?"),
                (1, "bob", "Hello, Bob here. What are your opening hours?"),
                (1, "alice", "And raincoats?"),  # the other worker: Alice's history is there
                (0, "bob", "Do you deliver on Sundays?"),
                (0, "alice", "Thanks!"),
            ]
            for n, user, message in script:
                show(f"{user} -> worker {n}", message)
                got = workers[n].post("/chat", json={"message": message}, headers={"X-User": user})
                assert got.status_code == 200, got.get_json()
                show("answer", got.get_json()["answer"])
            history: Dict[str, Any] = workers[1].get("/history", headers={"X-User": "alice"}).get_json()
            assert [m["content"] for m in history["messages"] if m["role"] == "user"] == [
                m for _, u, m in script if u == "alice"
            ]
            print(f"alice's history, as worker 1 reads it: {len(history['messages'])} messages")
            assert workers[0].delete("/chat", headers={"X-User": "alice"}).get_json()["deleted"]
            show("alice -> worker 1", "Hello again")  # worker 1 still had her old session open
            again = workers[1].post("/chat", json={"message": "Hello again"}, headers={"X-User": "alice"})
            assert again.status_code == 200 and "messages=2" in again.get_json()["answer"]
            show("answer", again.get_json()["answer"])
            bad = workers[0].post("/chat", json={"message": "hi"})
            print(f"without X-User: {bad.status_code} {bad.get_json()['error']}")
        finally:
            for client in clients:
                client.stop()


def main(argv: Optional[list[str]] = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--offline", action="store_true", help="MockModelServer, two in-process workers")
    parser.add_argument("--store", help="postgresql://..., redis://..., a path or :memory:")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    args = parser.parse_args(argv)
    if Flask is None:
        sys.exit("this example needs Flask: pip install 'copilot_sdk[web]'")
    if args.offline:
        offline(args.store)
        return
    client = CopilotClient(store=args.store).start()  # the provider from the environment
    atexit.register(client.stop)
    create_app(client).run(host=args.host, port=args.port, threaded=True)


if __name__ == "__main__":
    main()
