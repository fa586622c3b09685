"""The free trial: once per buyer, for a complete signup; the provisioner starts the bot."""

from __future__ import annotations

from services.billing.ports import OutboxEvent, Signups
from services.billing.use_cases.signup import SignupFlow
from shared.clock import Clock
from shared.errors import RuleViolation
from shared.messages import Signup, TrialStarted
from shared.subjects import TRIAL_STARTED


class StartTrial:
    def __init__(
        self, *, flow: SignupFlow, signups: Signups, clock: Clock, trial_days: int
    ) -> None:
        self._flow = flow
        self._signups = signups
        self._clock = clock
        self.days = trial_days

    async def available(self, buyer_chat_id: int) -> bool:
        return self.days > 0 and await self._signups.trial_of(buyer_chat_id) is None

    async def __call__(self, signup_id: str, buyer_chat_id: int) -> None:
        if self.days <= 0:
            raise RuleViolation("trial_used")
        earlier = await self._signups.trial_of(buyer_chat_id)
        if earlier is not None and earlier != signup_id:
            raise RuleViolation("trial_used")
        signup = await self._signups.get(signup_id)
        if signup is None or signup.buyer_chat_id != buyer_chat_id:
            raise RuleViolation("signup_unknown")
        if earlier is None or signup.status != "trial":
            signup = await self._flow.ready(signup_id, buyer_chat_id)
            if signup.bot_id is None or not signup.bot_token_sealed:
                raise RuleViolation("signup_incomplete")
            # `trial.started` is written with the trial itself (the outbox): a repeated step
            # finds the trial started and writes nothing more.
            started = OutboxEvent(
                TRIAL_STARTED,
                TrialStarted(
                    signup=Signup(
                        signup_id=signup.signup_id,
                        business_name=signup.business_name,
                        timezone=signup.timezone,
                        buyer_chat_id=signup.buyer_chat_id,
                        owner_chat_id=signup.owner_chat_id,
                        bot_id=signup.bot_id,
                        bot_username=signup.bot_username or "",
                        bot_token_sealed=signup.bot_token_sealed,
                        city=signup.city,
                    ),
                    period_days=self.days,
                    started_at=self._clock.now(),
                ),
                msg_id=f"trial:{signup_id}",
            )
            if not await self._signups.start_trial(signup_id, buyer_chat_id, outbox=started):
                raise RuleViolation("trial_used")
