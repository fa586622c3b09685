"""The confirmation page a buyer is redirected to: pay or cancel, then back to the shop."""

from __future__ import annotations

from decimal import Decimal
from html import escape

from litestar import Controller, Response, get, post
from litestar.params import FromPath
from litestar.response import Redirect

from sandbox.yookassa.deps import Sandbox
from sandbox.yookassa.errors import YooKassaError
from sandbox.yookassa.objects import Payment
from sandbox.yookassa.service import YooKassaSandbox

STATUS_TEXT = {
    "pending": "Ожидает оплаты",
    "waiting_for_capture": "Оплачено, ожидает подтверждения магазином",
    "succeeded": "Оплачено",
    "canceled": "Отменено",
}

PAGE = """<!doctype html>
<html lang="ru"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Оплата — тестовая ЮKassa</title>
<style>
body{{font-family:system-ui,-apple-system,sans-serif;background:#f2f3f5;margin:0;color:#1a1a1a}}
main{{max-width:420px;margin:48px auto;background:#fff;border-radius:16px;padding:28px;
box-shadow:0 4px 24px rgba(0,0,0,.08)}}
.badge{{display:inline-block;background:#fff3cd;color:#7a5b00;border-radius:8px;
padding:2px 8px;font-size:13px}}
.amount{{font-size:34px;font-weight:700;margin:16px 0 4px}}
.muted{{color:#6b7280;font-size:14px}}
form{{display:inline}}
button{{border:0;border-radius:10px;padding:12px 20px;font-size:16px;cursor:pointer;
margin:20px 8px 0 0}}
.pay{{background:#0070f0;color:#fff}} .cancel{{background:#e5e7eb;color:#111}}
</style></head><body><main>
<span class="badge">Тестовый платёж — деньги не списываются</span>
<div class="amount">{amount} ₽</div>
<div>{description}</div>
<p class="muted">Магазин {shop} · платёж {payment_id}</p>
<p class="muted">Статус: {status}</p>
{actions}
</main></body></html>
"""

ACTIONS = """<form method="post" action="/checkout/{payment_id}/pay">
<button class="pay" type="submit">Оплатить</button></form>
<form method="post" action="/checkout/{payment_id}/cancel">
<button class="cancel" type="submit">Отменить</button></form>"""


def render(payment: Payment) -> str:
    whole, _, cents = f"{Decimal(payment.amount.value):.2f}".partition(".")
    pid = escape(payment.id)
    return PAGE.format(
        amount=f"{int(whole):,}".replace(",", "\u00a0") + f",{cents}",
        description=escape(payment.description or "Без описания"),
        shop=escape(payment.recipient.account_id),
        payment_id=pid,
        status=escape(STATUS_TEXT.get(payment.status, payment.status)),
        actions=ACTIONS.format(payment_id=pid) if payment.status == "pending" else "",
    )


class CheckoutController(Controller):
    path = "/checkout"

    @get("/{payment_id:str}", media_type="text/html")
    async def page(self, sandbox: Sandbox, payment_id: FromPath[str]) -> Response[str]:
        try:
            record = sandbox.checkout_target(payment_id)
        except YooKassaError:
            return Response("<h1>Платёж не найден</h1>", status_code=404, media_type="text/html")
        return Response(render(record.payment), media_type="text/html")

    @post("/{payment_id:str}/pay", status_code=303)
    async def pay(self, sandbox: Sandbox, payment_id: FromPath[str]) -> Redirect:
        return await self._finish(sandbox, payment_id, pay=True)

    @post("/{payment_id:str}/cancel", status_code=303)
    async def cancel(self, sandbox: Sandbox, payment_id: FromPath[str]) -> Redirect:
        return await self._finish(sandbox, payment_id, pay=False)

    @staticmethod
    async def _finish(sandbox: YooKassaSandbox, payment_id: str, *, pay: bool) -> Redirect:
        record = sandbox.checkout_target(payment_id)
        if record.payment.status != "pending":
            return Redirect(f"/checkout/{payment_id}", status_code=303)
        if pay:
            await sandbox.pay(payment_id)
        else:
            await sandbox.decline(payment_id)
        return Redirect(record.return_url or f"/checkout/{payment_id}", status_code=303)
