"""Tools: typed Python functions the model can call, run by the client.

Two tools made with ``@define_tool``: one with plain typed parameters, one taking an
attrs class (the model sends JSON; the function receives an ``Order`` instance).
Every tool call and its result is printed as it happens, then the final answer.

    python examples/tools.py --offline   # against the built-in MockModelServer
    python examples/tools.py             # against your configured provider

Offline, the mock model is scripted: it asks for both tools in one round (they run
concurrently), then answers.
"""

from __future__ import annotations

import argparse
import contextlib
import enum
import tempfile
from typing import Annotated, Iterator, List, Literal, Optional

import attrs

from copilot_sdk import CopilotClient, PermissionHandler, ProviderConfig, SessionEvent, define_tool

PRICES = {"espresso": 2.5, "latte": 3.9, "croissant": 2.2}


class Size(enum.Enum):
    SMALL = "small"
    LARGE = "large"


@attrs.frozen
class OrderLine:
    item: Annotated[str, "a menu item, e.g. 'latte'"]
    quantity: int = 1
    size: Size = Size.SMALL


@attrs.frozen
class Order:
    """A café order.

    Attributes:
        lines: what to order.
        name: the name to call out when it is ready.
    """

    lines: List[OrderLine]
    name: str


@define_tool
def get_price(item: str, currency: Literal["EUR", "USD"] = "EUR") -> dict[str, object]:
    """Look up the price of one menu item.

    Args:
        item: the menu item, e.g. "espresso".
        currency: the currency of the price.
    """
    price = PRICES.get(item.lower())
    if price is None:
        return {"item": item, "available": False}
    rate = 1.1 if currency == "USD" else 1.0
    return {"item": item, "price": round(price * rate, 2), "currency": currency}


@define_tool(description="Place an order and return its total in EUR.")
def place_order(order: Order) -> dict[str, object]:
    total = sum(PRICES.get(line.item, 0.0) * line.quantity * (1.3 if line.size is Size.LARGE else 1.0)
                for line in order.lines)
    return {"order_for": order.name, "lines": len(order.lines), "total_eur": round(total, 2)}


def script(server: object) -> None:
    """What the offline model does: two tool calls in one round, then an answer."""
    from copilot_sdk.testing import MockModelServer, MockReply, MockToolCall

    assert isinstance(server, MockModelServer)
    lines = [{"item": "latte", "size": "large"}, {"item": "croissant", "quantity": 2}]
    order = {"name": "Ada", "lines": lines}
    server.enqueue(
        MockReply(tool_calls=[
            MockToolCall(name="get_price", arguments={"item": "latte"}),
            MockToolCall(name="place_order", arguments={"order": order}),
        ]),
        MockReply(content="A large latte is 3.90 EUR before the size surcharge. Your order for Ada "
                          "(a large latte and two croissants) comes to 9.47 EUR."),
    )


@contextlib.contextmanager
def make_client(offline: bool) -> Iterator[CopilotClient]:
    if not offline:
        with CopilotClient() as client:
            yield client
        return
    from copilot_sdk.testing import MockModelServer

    with MockModelServer() as server, tempfile.TemporaryDirectory() as home:
        script(server)
        provider = ProviderConfig(type="openai", base_url=server.openai_base_url, api_key="offline")
        with CopilotClient(provider=provider, base_directory=home) as client:
            yield client


def show(event: SessionEvent) -> None:
    if event.type == "tool.execution_start":
        print(f"  -> {event.data.tool_name}({event.data.arguments})")
    elif event.type == "tool.execution_complete":
        status = "ok" if event.data.success else "failed"
        print(f"  <- {event.data.tool_call_id} {status}: {event.data.result}")


def main(argv: Optional[list[str]] = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--offline", action="store_true", help="use the built-in MockModelServer")
    args = parser.parse_args(argv)
    with make_client(args.offline) as client:
        session = client.create_session(
            model="gpt-5",
            tools=[get_price, place_order],
            on_permission_request=PermissionHandler.approve_all,
        )
        session.on(show)
        prompt = "How much is a latte? And order a large latte and two croissants for Ada."
        print(f"you:   {prompt}")
        reply = session.send(prompt)
        print(f"model: {reply.data.content}")
        session.destroy()


if __name__ == "__main__":
    main()
