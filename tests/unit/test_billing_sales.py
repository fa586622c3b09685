"""The sales bot's rules (signup, trial, purchase, payment check) with hand-written fakes."""

from __future__ import annotations

import dataclasses
import ipaddress
from datetime import UTC, datetime, timedelta

import msgspec
import pytest

from services.billing.adapters.yookassa_api import YooPayment, YooRefund
from services.billing.config import parse_plans
from services.billing.ports import (
    BotIdentity,
    PaymentRecord,
    RefundTotals,
    SavedMethod,
    SignupRecord,
    TenantRecord,
)
from services.billing.use_cases import (
    AutoRenew,
    Checkout,
    CheckPayment,
    ForgedNotification,
    NotificationSource,
    Order,
    PaymentRecorder,
    Purchase,
    RecordNotification,
    RecordRefund,
    SignupFlow,
    StartTrial,
)
from services.billing.use_cases.signup import check_timezone, parse_owner_id
from shared.errors import RuleViolation, TransientError
from shared.messages import PaymentSucceeded, TenantExpiring, TrialStarted
from shared.subjects import PAYMENT_SUCCEEDED, TRIAL_STARTED

pytestmark = [pytest.mark.unit, pytest.mark.asyncio]

TOKEN = "7000000001:" + "A" * 35
PLANS = parse_plans("m1:30:29900:1 месяц,m3:90:79900:3 месяца")
NOW = datetime(2025, 3, 1, 12, tzinfo=UTC)


class FixedClock:
    def now(self) -> datetime:
        return NOW


class FakeSignups:
    def __init__(self) -> None:
        self.rows: dict[str, SignupRecord] = {}
        self.trials: dict[int, str] = {}
        self.outbox: FakeEvents | None = None

    async def get(self, signup_id: str) -> SignupRecord | None:
        return self.rows.get(signup_id)

    async def save(self, signup: SignupRecord) -> None:
        self.rows[signup.signup_id] = signup

    async def bot_taken(self, bot_id: int, *, except_signup: str) -> bool:
        return any(
            s.bot_id == bot_id and s.signup_id != except_signup and s.status in {"paid", "trial"}
            for s in self.rows.values()
        )

    async def trial_of(self, buyer_chat_id: int) -> str | None:
        return self.trials.get(buyer_chat_id)

    async def start_trial(self, signup_id: str, buyer_chat_id: int, *, outbox=None) -> bool:
        owner = self.trials.setdefault(buyer_chat_id, signup_id)
        if owner != signup_id:
            return False
        if self.rows[signup_id].status != "trial" and outbox and self.outbox:
            await self.outbox.publish(outbox.subject, outbox.event, msg_id=outbox.msg_id)
        self.rows[signup_id] = dataclasses.replace(self.rows[signup_id], status="trial")
        return True


class FakeTokens:
    def __init__(self, bots: dict[str, BotIdentity], *, down: bool = False) -> None:
        self.bots = bots
        self.down = down

    async def identify(self, token: str) -> BotIdentity | None:
        if self.down:
            raise TransientError("down")
        return self.bots.get(token)


class FakeSealer:
    def seal(self, value: str) -> str:
        return "sealed:" + value[::-1]


class FakeEvents:
    def __init__(self) -> None:
        self.published: list[tuple[str, msgspec.Struct, str]] = []

    async def publish(self, subject: str, event: msgspec.Struct, *, msg_id: str) -> None:
        self.published.append((subject, event, msg_id))


class FakeTenants:
    def __init__(self, *records: TenantRecord) -> None:
        self.rows = {r.tenant_id: r for r in records}
        self.methods: dict[str, SavedMethod] = {}

    async def get(self, tenant_id: str) -> TenantRecord | None:
        return self.rows.get(tenant_id)

    async def live_for(self, chat_id: int) -> list[TenantRecord]:
        return [r for r in self.rows.values() if chat_id in (r.buyer_chat_id, r.owner_chat_id)]

    async def provisioned(self, record: TenantRecord) -> None:
        self.rows[record.tenant_id] = record

    async def update(
        self, tenant_id: str, *, status: str | None = None, paid_until: datetime | None = None
    ) -> None:
        record = self.rows[tenant_id]
        self.rows[tenant_id] = dataclasses.replace(
            record, status=status or record.status, paid_until=paid_until or record.paid_until
        )

    async def saved_method(self, tenant_id: str) -> SavedMethod | None:
        return self.methods.get(tenant_id)


class FakeApi:
    def __init__(self) -> None:
        self.payments: dict[str, YooPayment] = {}
        self.keys: dict[str, str] = {}

    async def create_payment(self, **kwargs: object) -> YooPayment:
        key = str(kwargs["idempotence_key"])
        if key in self.keys:
            return self.payments[self.keys[key]]
        payment_id = f"pay-{len(self.payments) + 1}"
        metadata = kwargs["metadata"]
        assert isinstance(metadata, dict)
        amount = kwargs["amount_kopecks"]
        assert isinstance(amount, int)
        payment = YooPayment(
            id=payment_id,
            status="pending",
            paid=False,
            amount_kopecks=amount,
            currency="RUB",
            metadata=dict(metadata),
            confirmation_url=f"https://pay.example/{payment_id}",
            payment_method_id=None,
            payment_method_saved=False,
            created_at=NOW,
        )
        self.payments[payment_id] = payment
        self.keys[key] = payment_id
        return payment

    async def get_payment(self, payment_id: str) -> YooPayment | None:
        return self.payments.get(payment_id)

    async def get_refund(self, refund_id: str) -> YooRefund | None:
        # Refunds are tested against the emulator and Postgres (tests/integration).
        del refund_id
        return None

    def settle(self, payment_id: str, status: str) -> None:
        self.payments[payment_id] = msgspec.structs.replace(
            self.payments[payment_id], status=status, paid=status == "succeeded"
        )


class FakeLedger:
    def __init__(self, signups: FakeSignups) -> None:
        self.payments: dict[str, PaymentRecord] = {}
        self.events: set[tuple[str, str]] = set()
        self.signups = signups
        self.outbox: FakeEvents | None = None

    async def get_payment(self, payment_id: str) -> PaymentRecord | None:
        return self.payments.get(payment_id)

    async def open_payment(
        self, *, signup_id: str | None, tenant_id: str | None, plan_code: str
    ) -> PaymentRecord | None:
        for p in self.payments.values():
            if (p.signup_id, p.tenant_id, p.plan_code, p.status) == (
                signup_id,
                tenant_id,
                plan_code,
                "pending",
            ):
                return p
        return None

    async def count_attempts(
        self, *, signup_id: str | None, tenant_id: str | None, plan_code: str
    ) -> int:
        return sum(
            1
            for p in self.payments.values()
            if (p.signup_id, p.tenant_id, p.plan_code) == (signup_id, tenant_id, plan_code)
            and p.status != "pending"
        )

    async def insert_payment(self, record: PaymentRecord) -> PaymentRecord:
        return self.payments.setdefault(record.payment_id, record)

    async def record_event(
        self, *, payment_id: str, event: str, new_status: str, outbox=None, **_: object
    ) -> bool:
        if (payment_id, event) in self.events:
            return False
        self.events.add((payment_id, event))
        if outbox is not None and self.outbox is not None:
            await self.outbox.publish(outbox.subject, outbox.event, msg_id=outbox.msg_id)
        self.payments[payment_id] = dataclasses.replace(
            self.payments[payment_id], status=new_status
        )
        return True

    async def record_refund(self, **refund: object) -> RefundTotals:
        raise AssertionError(f"refunds are recorded in Postgres (tests/integration): {refund}")

    async def get_signup(self, signup_id: str) -> SignupRecord | None:
        return await self.signups.get(signup_id)


class World:
    def __init__(self, *, receipts: bool = False, autopayments: bool = False) -> None:
        self.signups = FakeSignups()
        self.tokens = FakeTokens({TOKEN: BotIdentity(7000000001, "salon_anna_bot")})
        self.events = FakeEvents()
        self.api = FakeApi()
        self.ledger = FakeLedger(self.signups)
        self.ledger.outbox = self.signups.outbox = self.events  # written "in the transaction"
        self.tenants = FakeTenants(
            TenantRecord(
                tenant_id="salon_anna",
                signup_id=None,
                buyer_chat_id=100,
                owner_chat_id=200,
                business_name="Анна",
                bot_username="salon_anna_bot",
                paid_until=NOW + timedelta(days=3),
                status="active",
            )
        )
        ids = iter(f"s{n}" for n in range(1, 100))
        self.flow = SignupFlow(
            signups=self.signups, tokens=self.tokens, sealer=FakeSealer(), new_id=lambda: next(ids)
        )
        self.recorder = PaymentRecorder(
            api=self.api, ledger=self.ledger, events=self.events, clock=FixedClock()
        )
        checkout = Checkout(
            api=self.api,
            ledger=self.ledger,
            clock=FixedClock(),
            return_url="https://t.me",
            receipts=receipts,
            vat_code=1,
        )
        self.purchase = Purchase(
            plans=PLANS,
            checkout=checkout,
            flow=self.flow,
            tenants=self.tenants,
            ledger=self.ledger,
            receipts=receipts,
            autopayments=autopayments,
        )
        self.trial = StartTrial(
            flow=self.flow,
            signups=self.signups,
            clock=FixedClock(),
            trial_days=7,
        )
        self.check = CheckPayment(api=self.api, ledger=self.ledger, recorder=self.recorder)

    async def complete_signup(self, buyer: int = 100, token: str = TOKEN) -> str:
        signup_id = await self.flow.begin(buyer)
        await self.flow.set_name(signup_id, buyer, "  Салон   Анна ")
        await self.flow.set_zone(signup_id, buyer, "ekb")
        await self.flow.set_token(signup_id, buyer, token)
        await self.flow.set_owner(signup_id, buyer, buyer)
        return signup_id


def reason(error: pytest.ExceptionInfo[RuleViolation]) -> str:
    return error.value.reason


async def test_a_complete_signup_keeps_the_token_only_sealed() -> None:
    world = World()
    signup_id = await world.complete_signup()
    signup = world.signups.rows[signup_id]
    assert signup.business_name == "Салон Анна"
    assert (signup.city, signup.timezone) == ("Екатеринбург", "Asia/Yekaterinburg")
    assert (signup.bot_id, signup.bot_username) == (7000000001, "salon_anna_bot")
    assert signup.bot_token_sealed == FakeSealer().seal(TOKEN)
    assert TOKEN not in repr(signup)
    assert signup.status == "draft"


@pytest.mark.parametrize("name", ["", "   ", "x" * 65])
async def test_business_name_must_be_1_to_64_characters(name: str) -> None:
    world = World()
    signup_id = await world.flow.begin(100)
    with pytest.raises(RuleViolation) as error:
        await world.flow.set_name(signup_id, 100, name)
    assert reason(error) == "name_length"


async def test_custom_time_zones_are_validated_with_zoneinfo() -> None:
    assert check_timezone("europe/minsk") == "Europe/Minsk"
    assert check_timezone(" Asia/Almaty ") == "Asia/Almaty"
    for bad in ("Moscow", "Europe/Atlantis", "../etc/passwd", ""):
        with pytest.raises(RuleViolation):
            check_timezone(bad)


async def test_owner_ids_are_positive_numbers() -> None:
    assert parse_owner_id(" 123456789 ") == 123456789
    for bad in ("abc", "-5", "12", "1" * 20):
        with pytest.raises(RuleViolation):
            parse_owner_id(bad)


@pytest.mark.parametrize(
    ("token", "expected"),
    [
        ("hello", "token_format"),
        ("123:abc", "token_format"),
        ("7000000002:" + "B" * 35, "token_invalid"),
    ],
)
async def test_bad_tokens_are_refused_with_a_reason(token: str, expected: str) -> None:
    world = World()
    signup_id = await world.flow.begin(100)
    with pytest.raises(RuleViolation) as error:
        await world.flow.set_token(signup_id, 100, token)
    assert reason(error) == expected
    assert world.signups.rows[signup_id].bot_token_sealed is None


async def test_telegram_being_down_is_a_polite_refusal_not_a_crash() -> None:
    world = World()
    world.tokens.down = True
    signup_id = await world.flow.begin(100)
    with pytest.raises(RuleViolation) as error:
        await world.flow.set_token(signup_id, 100, TOKEN)
    assert reason(error) == "telegram_unavailable"


async def test_a_bot_of_a_paid_signup_cannot_be_connected_again() -> None:
    world = World()
    first = await world.complete_signup(buyer=100)
    world.signups.rows[first] = dataclasses.replace(world.signups.rows[first], status="paid")
    second = await world.flow.begin(300)
    with pytest.raises(RuleViolation) as error:
        await world.flow.set_token(second, 300, TOKEN)
    assert reason(error) == "bot_taken"
    assert error.value.details == {"username": "salon_anna_bot"}


async def test_another_buyer_cannot_touch_a_signup() -> None:
    world = World()
    signup_id = await world.complete_signup(buyer=100)
    with pytest.raises(RuleViolation) as error:
        await world.flow.set_name(signup_id, 999, "Чужой")
    assert reason(error) == "signup_unknown"
    with pytest.raises(RuleViolation):
        await world.purchase.new_order(signup_id, 999, "m1")


async def test_the_trial_is_published_once_and_only_once_per_buyer() -> None:
    world = World()
    signup_id = await world.complete_signup(buyer=100)
    assert await world.trial.available(100)
    await world.trial(signup_id, 100)
    subject, event, msg_id = world.events.published[-1]
    assert (subject, msg_id) == (TRIAL_STARTED, f"trial:{signup_id}")
    assert isinstance(event, TrialStarted)
    assert event.period_days == 7
    assert event.signup.bot_token_sealed == FakeSealer().seal(TOKEN)
    assert world.signups.rows[signup_id].status == "trial"
    assert not await world.trial.available(100)

    other_token = "7000000003:" + "C" * 35
    world.tokens.bots[other_token] = BotIdentity(7000000003, "second_bot")
    second = await world.complete_signup(buyer=100, token=other_token)
    with pytest.raises(RuleViolation) as error:
        await world.trial(second, 100)
    assert reason(error) == "trial_used"
    assert world.signups.rows[second].status == "draft"


async def test_choosing_the_same_plan_twice_creates_one_payment() -> None:
    world = World()
    signup_id = await world.complete_signup()
    order = await world.purchase.new_order(signup_id, 100, "m3")
    first = await world.purchase.pay(order, 100)
    second = await world.purchase.pay(order, 100)
    assert first.payment_id == second.payment_id
    assert len(world.api.payments) == 1
    payment = world.api.payments[first.payment_id]
    assert payment.amount_kopecks == 79900
    assert payment.metadata == {"purpose": "new", "plan": "m3", "signup_id": signup_id}
    assert world.api.keys == {f"signup:{signup_id}:m3:0": first.payment_id}


async def test_unknown_plans_are_refused() -> None:
    world = World()
    signup_id = await world.complete_signup()
    with pytest.raises(RuleViolation) as error:
        await world.purchase.new_order(signup_id, 100, "m99")
    assert reason(error) == "plan_unknown"


async def test_receipts_ask_an_email_and_autopayments_ask_about_the_card() -> None:
    world = World(receipts=True, autopayments=True)
    order = Order(purpose="new", plan_code="m1", signup_id="s1")
    assert world.purchase.next_question(order) == "email"
    with pytest.raises(RuleViolation):
        world.purchase.with_email(order, "not-an-email")
    order = world.purchase.with_email(order, "anna@example.ru")
    assert world.purchase.next_question(order) == "save_card"
    order = msgspec.structs.replace(order, save_card=True)
    assert world.purchase.next_question(order) is None
    assert World().purchase.next_question(Order(purpose="new", plan_code="m1")) is None


async def test_only_the_buyer_or_owner_may_renew_a_tenant() -> None:
    world = World()
    for chat in (100, 200):
        order = await world.purchase.renewal_order("salon_anna", chat, "m1")
        assert order.tenant_id == "salon_anna"
    with pytest.raises(RuleViolation) as error:
        await world.purchase.renewal_order("salon_anna", 300, "m1")
    assert reason(error) == "not_your_tenant"
    with pytest.raises(RuleViolation):
        await world.purchase.pay(
            Order(purpose="renewal", plan_code="m1", tenant_id="salon_anna"), 300
        )


async def test_checking_a_payment_records_and_publishes_it_like_the_webhook() -> None:
    world = World()
    signup_id = await world.complete_signup()
    view = await world.purchase.pay(await world.purchase.new_order(signup_id, 100, "m1"), 100)

    assert (await world.check(view.payment_id, 100)).state == "pending"
    assert world.events.published == []

    world.api.settle(view.payment_id, "succeeded")
    result = await world.check(view.payment_id, 100)
    assert (result.state, result.purpose) == ("succeeded", "new")
    subject, event, msg_id = world.events.published[-1]
    assert (subject, msg_id) == (PAYMENT_SUCCEEDED, f"yookassa:{view.payment_id}:succeeded")
    assert isinstance(event, PaymentSucceeded)
    assert event.signup is not None
    assert event.signup.signup_id == signup_id

    with pytest.raises(RuleViolation) as error:
        await world.check(view.payment_id, 555)
    assert reason(error) == "payment_unknown"


async def test_a_canceled_payment_can_be_tried_again_with_a_new_key() -> None:
    world = World()
    signup_id = await world.complete_signup()
    first = await world.purchase.pay(await world.purchase.new_order(signup_id, 100, "m1"), 100)
    world.api.settle(first.payment_id, "canceled")
    assert (await world.check(first.payment_id, 100)).state == "canceled"
    order = await world.purchase.retry(first.payment_id, 100)
    second = await world.purchase.pay(order, 100)
    assert second.payment_id != first.payment_id
    assert f"signup:{signup_id}:m1:1" in world.api.keys


async def test_the_webhook_adds_only_the_source_check_to_the_shared_recorder() -> None:
    world = World()
    signup_id = await world.complete_signup()
    view = await world.purchase.pay(await world.purchase.new_order(signup_id, 100, "m1"), 100)
    world.api.settle(view.payment_id, "succeeded")
    webhook = RecordNotification(
        source=NotificationSource(
            allowed=(ipaddress.ip_network("185.71.76.0/27"),), trusted_proxies=()
        ),
        recorder=world.recorder,
        refunds=RecordRefund(
            api=world.api, ledger=world.ledger, events=world.events, clock=FixedClock()
        ),
    )
    body = msgspec.json.encode(
        {"type": "notification", "event": "payment.succeeded", "object": {"id": view.payment_id}}
    )
    with pytest.raises(ForgedNotification):
        await webhook(peer="10.0.0.1", forwarded_for=(), body=body)
    assert await webhook(peer="185.71.76.1", forwarded_for=(), body=body) == "recorded"
    assert (await world.check(view.payment_id, 100)).state == "succeeded"
    assert await webhook(peer="185.71.76.1", forwarded_for=(), body=body) == "duplicate"


async def test_a_saved_card_is_charged_once_per_period_the_day_before_it_ends() -> None:
    world = World()
    checkout = Checkout(
        api=world.api,
        ledger=world.ledger,
        clock=FixedClock(),
        return_url="https://t.me",
        receipts=False,
        vat_code=1,
    )

    def autorenew(*, enabled: bool) -> AutoRenew:
        return AutoRenew(
            enabled=enabled,
            plans=PLANS,
            tenants=world.tenants,
            checkout=checkout,
            recorder=world.recorder,
        )

    paid_until = NOW + timedelta(days=1)

    def expiring(days_left: int) -> TenantExpiring:
        return TenantExpiring(
            tenant_id="salon_anna",
            bot_username="salon_anna_bot",
            owner_chat_id=200,
            paid_until=paid_until,
            days_left=days_left,
        )

    assert await autorenew(enabled=True)(expiring(1)) is None  # no card saved
    world.tenants.methods["salon_anna"] = SavedMethod("salon_anna", "pm-1", "m3")
    assert await autorenew(enabled=False)(expiring(1)) is None
    assert await autorenew(enabled=True)(expiring(3)) is None
    first = await autorenew(enabled=True)(expiring(1))
    second = await autorenew(enabled=True)(expiring(1))
    assert first is not None
    assert first == second
    assert world.api.keys == {f"auto:salon_anna:{int(paid_until.timestamp())}": first}
    assert world.api.payments[first].metadata == {
        "purpose": "renewal",
        "plan": "m3",
        "tenant_id": "salon_anna",
    }


async def test_the_client_address_reads_every_forwarded_line_from_the_right() -> None:
    source = NotificationSource(
        allowed=(ipaddress.ip_network("185.71.76.0/27"),),
        trusted_proxies=(ipaddress.ip_network("10.0.0.0/8"),),
    )
    assert source.client_address("10.0.0.1", ["185.71.76.5"]) == "185.71.76.5"
    # The client's own line comes first; the proxy appended the real client in a second line.
    assert source.client_address("10.0.0.1", ["185.71.76.5", "203.0.113.7"]) == "203.0.113.7"
    assert source.client_address("10.0.0.1", ["185.71.76.5, 203.0.113.7", "10.0.0.2"]) == (
        "203.0.113.7"
    )
    assert source.client_address("10.0.0.1", ["203.0.113.7", "185.71.76.5, 10.0.0.9"]) == (
        "185.71.76.5"
    )
    # A peer that is not a trusted proxy is the client, whatever it claims.
    assert source.client_address("203.0.113.7", ["185.71.76.5"]) == "203.0.113.7"
    assert source.client_address("10.0.0.1", ["not-an-address"]) == "not-an-address"
    assert not source.allowed("not-an-address")
