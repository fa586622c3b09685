"""The load generator of the product bench: booking conversations posted to the gateway's
webhook as Telegram posts them, answered through the sink's stream of the bots' replies.

Cheap by construction: one aiohttp connection pool for every POST, update bodies assembled
from pre-encoded JSON pieces, and one streamed connection to the sink from which each reply
is handed to the conversation waiting on its chat. A step's latency runs from the gateway's
200 (the update is stored) to the bot's reply request arriving at the sink (both read on the
machine's one monotonic clock).
"""

from __future__ import annotations

import asyncio
import itertools
import random
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

import aiohttp
import msgspec

from bench.harness import Latencies
from bench.sink import Event
from bench.sinkstack import Tenant

STEP_TIMEOUT = 20.0
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 - a header name
Predicate = Callable[[Event], bool]
_encode = msgspec.json.encode
_event_decoder = msgspec.json.Decoder(Event)


class Button(msgspec.Struct):
    text: str
    callback_data: str | None = None


class Markup(msgspec.Struct):
    inline_keyboard: list[list[Button]] = []


_markup_decoder = msgspec.json.Decoder(Markup)


def buttons(event: Event, prefix: str) -> list[Button]:
    if prefix not in event.reply_markup:
        return []
    markup = _markup_decoder.decode(event.reply_markup)
    return [
        b
        for row in markup.inline_keyboard
        for b in row
        if b.callback_data and b.callback_data.startswith(prefix)
    ]


def has_button(prefix: str) -> Predicate:
    return lambda e: bool(buttons(e, prefix))


def says(fragment: str) -> Predicate:
    return lambda e: fragment in e.text


TAKEN = "только что заняли"  # slot.taken: another customer got the time first


def or_taken(expected: Predicate) -> Predicate:
    """The step's expected reply, or the bot's "this time was just taken" (a race between two
    customers for one time, which the double-booking constraint decides: a correct answer)."""
    return lambda e: TAKEN in e.text or expected(e)


def pick(event: Event, prefix: str) -> str:
    """A random button of this kind; calendar days shown as `·8·` have no free time."""
    choices = [b.callback_data for b in buttons(event, prefix) if not b.text.startswith("·")]
    return str(random.choice(choices))


class StepTimeout(TimeoutError):
    """No matching reply to a step in time; says which step and what came instead."""


@dataclass
class Run:
    latencies: Latencies = field(default_factory=Latencies)
    updates: int = 0
    bookings: int = 0
    failures: int = 0
    why: Counter[str] = field(default_factory=Counter)  # failures by kind
    early: int = 0  # replies that reached the sink before the gateway's 200 reached us
    taken: int = 0  # conversations that lost their time to another customer (and stop there)
    seconds: float = 0.0

    @property
    def updates_per_second(self) -> float:
        return self.updates / self.seconds if self.seconds else 0.0


class Pacer:
    """A shared schedule: at most `rate` updates per second across all conversations."""

    def __init__(self, rate: float | None) -> None:
        self._interval = 1.0 / rate if rate else 0.0
        self._next = time.monotonic()

    async def wait(self) -> None:
        if not self._interval:
            return
        now = time.monotonic()
        self._next = max(self._next + self._interval, now)
        delay = self._next - now
        if delay > 0:
            await asyncio.sleep(delay)


class Replies:
    """The sink's stream of replies, routed to the conversation waiting on each chat."""

    def __init__(self) -> None:
        self._waiting: dict[tuple[int, int], tuple[Predicate, asyncio.Future[Event]]] = {}
        self._other: dict[tuple[int, int], Event] = {}  # the last reply that did not match
        self.seen = 0

    def expect(self, bot_id: int, chat_id: int, until: Predicate) -> asyncio.Future[Event]:
        future: asyncio.Future[Event] = asyncio.get_running_loop().create_future()
        self._waiting[(bot_id, chat_id)] = (until, future)
        return future

    def forget(self, bot_id: int, chat_id: int) -> Event | None:
        """Stop waiting on this chat; the last reply that came but did not match, if any."""
        self._waiting.pop((bot_id, chat_id), None)
        return self._other.pop((bot_id, chat_id), None)

    async def read(self, session: aiohttp.ClientSession, sink_url: str) -> None:
        async with session.get(
            f"{sink_url}/sink/stream", timeout=aiohttp.ClientTimeout(total=None)
        ) as response:
            async for line in response.content:
                event = _event_decoder.decode(line)
                self.seen += 1
                waiting = self._waiting.get((event.bot_id, event.chat_id))
                if waiting is None or waiting[1].done():
                    continue
                if waiting[0](event):
                    waiting[1].set_result(event)
                else:
                    self._other[(event.bot_id, event.chat_id)] = event


class Conversation:
    """One customer booking at one tenant's bot, step by step."""

    _update_ids = itertools.count(1)

    def __init__(self, load: Load, tenant: Tenant, chat_id: int) -> None:
        self._load = load
        self._tenant = tenant
        self._chat = chat_id
        user = _encode({"id": chat_id, "is_bot": False, "first_name": "Гость"})
        chat = _encode({"id": chat_id, "type": "private", "first_name": "Гость"})
        self._who = b'"from":' + user + b',"chat":' + chat
        self._from = b'"from":' + user
        self._headers = {SECRET_HEADER: tenant.secret, "Content-Type": "application/json"}

    def _message(self, extra: bytes) -> bytes:
        update_id = next(self._update_ids)
        return b'{"update_id":%d,"message":{"message_id":%d,"date":%d,%s,%s}}' % (
            update_id,
            update_id,
            int(time.time()),
            self._who,
            extra,
        )

    def text(self, text: str) -> bytes:
        extra = b'"text":' + _encode(text)
        if text.startswith("/"):
            extra += b',"entities":[{"type":"bot_command","offset":0,"length":%d}]' % len(text)
        return self._message(extra)

    def contact(self, phone: str) -> bytes:
        contact = {"phone_number": phone, "first_name": "Гость", "user_id": self._chat}
        return self._message(b'"contact":' + _encode(contact))

    def press(self, message: Event, prefix: str) -> bytes:
        update_id = next(self._update_ids)
        shown = b'{"message_id":%d,"date":%d,"chat":{"id":%d,"type":"private"},"text":%s}' % (
            message.message_id,
            int(time.time()),
            self._chat,
            _encode(message.text or "."),
        )
        return (
            b'{"update_id":%d,"callback_query":{"id":"%d",%s,"message":%s,'
            b'"chat_instance":"%d","data":%s}}'
            % (update_id, update_id, self._from, shown, self._chat, _encode(pick(message, prefix)))
        )

    async def step(self, body: bytes, until: Predicate, name: str = "/start") -> Event:
        load, tenant = self._load, self._tenant
        await load.pacer.wait()
        reply = load.replies.expect(tenant.bot_id, self._chat, until)
        async with load.session.post(tenant.url, data=body, headers=self._headers) as response:
            if response.status != 200:
                raise RuntimeError(f"the gateway answered {response.status}")
        accepted = time.monotonic()
        load.run.updates += 1
        try:
            event = await asyncio.wait_for(reply, STEP_TIMEOUT)
        except TimeoutError:
            other = load.replies.forget(tenant.bot_id, self._chat)
            seen = f"only {other.text[:60]!r}" if other is not None else "no reply"
            raise StepTimeout(f"{name}: {seen} in {STEP_TIMEOUT:.0f} s") from None
        load.replies.forget(tenant.bot_id, self._chat)
        if event.arrived < accepted:
            load.run.early += 1
        load.run.latencies.add(max(0.0, event.arrived - accepted))
        return event

    async def book(self) -> None:
        menu = await self.step(self.text("/start"), has_button("menu:book"))
        services = await self.step(self.press(menu, "menu:book"), has_button("bs:"), "menu:book")
        masters = await self.step(self.press(services, "bs:"), has_button("bm:"), "bs:")
        month = await self.step(self.press(masters, "bm:"), has_button("bd:"), "bm:")
        # from here on other customers may take the day's last time or this time first: the
        # bot says so (the calendar again, or "just taken"), and this customer stops there (a
        # correct answer, not a failure of the product)
        times = await self.step(
            self.press(month, "bd:"), lambda e: bool(buttons(e, "bt:") or buttons(e, "bd:")), "bd:"
        )
        if not buttons(times, "bt:"):
            self._load.run.taken += 1
            return
        asked = await self.step(self.press(times, "bt:"), or_taken(says("зовут")), "bt:")
        if TAKEN in asked.text:
            self._load.run.taken += 1
            return
        await self.step(self.text("Гость"), says("телефон"), "name")
        summary = await self.step(
            self.contact(f"+7900{self._chat % 10_000_000:07d}"),
            or_taken(has_button("bk:")),
            "contact",
        )
        if TAKEN in summary.text:
            self._load.run.taken += 1
            return
        done = await self.step(self.press(summary, "bk:"), lambda e: not buttons(e, "bk:"), "bk:")
        if TAKEN in done.text:
            self._load.run.taken += 1
        if "вы записаны" in done.text:
            self._load.run.bookings += 1


@dataclass
class Load:
    session: aiohttp.ClientSession
    replies: Replies
    tenants: list[Tenant]
    run: Run = field(default_factory=Run)
    pacer: Pacer = field(default_factory=lambda: Pacer(None))
    chats: itertools.count[int] = field(
        default_factory=lambda: itertools.count(random.randint(1, 10**6) * 1000 + 10**9)
    )

    async def conversations(self, customers: int, seconds: float, rate: float | None) -> Run:
        """`customers` conversations at a time for `seconds` (paced at `rate` updates/s)."""
        self.run, self.pacer = Run(), Pacer(rate)
        deadline = time.monotonic() + seconds

        async def customer() -> None:
            while time.monotonic() < deadline:
                talk = Conversation(self, random.choice(self.tenants), next(self.chats))
                try:
                    await talk.book()
                except (TimeoutError, IndexError, RuntimeError, aiohttp.ClientError) as error:
                    self.run.failures += 1
                    self.run.why[str(error) or type(error).__name__] += 1

        started = time.monotonic()
        await asyncio.gather(*(customer() for _ in range(customers)))
        self.run.seconds = time.monotonic() - started
        return self.run

    async def touch(self, tenants: list[Tenant], concurrency: int = 32) -> Run:
        """One /start to each tenant's bot, until each has answered."""
        self.run, self.pacer = Run(), Pacer(None)
        queue = list(tenants)

        async def worker() -> None:
            while queue:
                talk = Conversation(self, queue.pop(), next(self.chats))
                try:
                    await talk.step(talk.text("/start"), has_button("menu:book"))
                except (TimeoutError, RuntimeError, aiohttp.ClientError) as error:
                    self.run.failures += 1
                    self.run.why[str(error) or type(error).__name__] += 1

        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return self.run


def client_session(connections: int = 256) -> aiohttp.ClientSession:
    """The load generator's one connection pool."""
    return aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(limit=connections, force_close=False),
        timeout=aiohttp.ClientTimeout(total=STEP_TIMEOUT),
    )
