"""The human chat page: one self-contained HTML document, no build step, no external assets."""
# ruff: noqa: E501  (embedded CSS and JavaScript read better unwrapped)

from __future__ import annotations

CHAT_PAGE = """<!doctype html>
<html lang="ru"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>@__TITLE__ — Telegram sandbox</title>
<style>
*{box-sizing:border-box}
body{margin:0;font:15px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;background:#dfe7ee;
 display:flex;flex-direction:column;height:100vh}
header{background:#517da2;color:#fff;padding:10px 16px;display:flex;gap:12px;align-items:center}
header b{font-size:17px} header span{opacity:.8;font-size:13px} header .sp{flex:1}
header button{background:transparent;color:#fff;border:1px solid #fff8;border-radius:6px;padding:4px 10px;cursor:pointer}
#log{flex:1;overflow-y:auto;padding:16px;display:flex;flex-direction:column;gap:6px}
.msg{max-width:70%;padding:7px 11px;border-radius:12px;white-space:pre-wrap;word-wrap:break-word;
 box-shadow:0 1px 1px #0002;background:#fff;align-self:flex-start}
.msg.me{background:#effdde;align-self:flex-end}
.meta{font-size:11px;color:#8a9aa8;text-align:right;margin-top:2px}
.kb{display:flex;flex-direction:column;gap:4px;margin-top:6px}
.row{display:flex;gap:4px}
.row button,.row a{flex:1;border:0;border-radius:8px;padding:7px;background:#e8f0f7;color:#2a6496;
 cursor:pointer;font:inherit;text-align:center;text-decoration:none}
.row button:hover{background:#d3e3f1}
#reply{padding:6px;background:#f4f6f8;display:flex;flex-direction:column;gap:4px}
#reply:empty{display:none}
form{display:flex;gap:8px;padding:10px;background:#fff;border-top:1px solid #ccd}
input{flex:1;border:1px solid #ccd;border-radius:18px;padding:9px 14px;font:inherit}
form button{border:0;border-radius:18px;padding:9px 16px;background:#517da2;color:#fff;font:inherit;cursor:pointer}
#status{font-size:12px;color:#a33;padding:0 16px}
</style></head>
<body>
<header><b>@__TITLE__</b><span id="who"></span><div class="sp"></div>
<button id="contact" type="button">📱 Контакт</button><button id="block" type="button">⛔ Блок</button>
<button id="unblock" type="button">✅ Разблок</button></header>
<div id="log"></div><div id="status"></div><div id="reply"></div>
<form id="f"><input id="text" autocomplete="off" placeholder="Сообщение… (/start)" autofocus>
<button>Отправить</button></form>
<script id="cfg" type="application/json">__CONFIG__</script>
<script>
"use strict";
const cfg = JSON.parse(document.getElementById("cfg").textContent);
const base = `/sandbox/bots/${encodeURIComponent(cfg.username)}`;
const userBase = `${base}/users/${cfg.user_id}`;
const log = document.getElementById("log"), reply = document.getElementById("reply");
const status = document.getElementById("status");
document.getElementById("who").textContent = `вы: user ${cfg.user_id}`;
let version = -1;

async function act(path, body) {
  const r = await fetch(`${userBase}/${path}`, {method: "POST",
    headers: {"Content-Type": "application/json"}, body: JSON.stringify(body || {})});
  const data = await r.json().catch(() => ({}));
  status.textContent = r.ok ? (data.webhook_status >= 300 ? `webhook ответил ${data.webhook_status}` : "")
    : (data.error || data.detail || `ошибка ${r.status}`);
}
function el(tag, cls, text) {
  const e = document.createElement(tag); if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text; return e;
}
function keyboard(rows, onPress) {
  const kb = el("div", "kb");
  for (const row of rows) {
    const r = el("div", "row");
    for (const b of row) {
      if (b.url) { const a = el("a", "", "🔗 " + b.text); a.href = b.url; a.target = "_blank"; r.append(a); }
      else { const btn = el("button", "", b.text); btn.type = "button"; btn.onclick = () => onPress(b); r.append(btn); }
    }
    kb.append(r);
  }
  return kb;
}
function shareContact() {
  const phone = prompt("Номер телефона", "+79990000000");
  if (phone) act("contact", {phone_number: phone});
}
function render(chat) {
  const atBottom = log.scrollHeight - log.scrollTop - log.clientHeight < 40;
  log.replaceChildren();
  for (const m of chat.messages) {
    const box = el("div", m.from_bot ? "msg" : "msg me");
    if (m.text) box.append(el("div", "", m.text));
    if (m.contact) box.append(el("div", "", `📱 ${m.contact.first_name}: ${m.contact.phone_number}`));
    if (m.document) {
      const a = el("a", "", `📄 ${m.document.file_name || "файл"} (${m.document.file_size || 0} Б)`);
      a.href = `/sandbox/files/${encodeURIComponent(m.document.file_id)}`; box.append(a);
    }
    if (m.caption) box.append(el("div", "", m.caption));
    if (m.buttons.length) box.append(keyboard(m.buttons,
      b => act("callback", {message_id: m.message_id, data: b.callback_data || ""})));
    const when = new Date(m.date * 1000).toLocaleTimeString("ru-RU", {hour: "2-digit", minute: "2-digit"});
    box.append(el("div", "meta", `#${m.message_id} ${when}${m.edited ? " · изменено" : ""}`));
    log.append(box);
  }
  reply.replaceChildren();
  if (chat.keyboard) reply.append(keyboard(chat.keyboard,
    b => b.request_contact ? shareContact() : act("message", {text: b.text})));
  if (atBottom || version < 0) log.scrollTop = log.scrollHeight;
}
async function poll() {
  for (;;) {
    try {
      const r = await fetch(`${base}/chats/${cfg.user_id}/messages?changed_since=${version}&timeout=25`);
      if (!r.ok) throw new Error(`HTTP ${r.status}`);
      const chat = await r.json();
      if (chat.version !== version) { render(chat); version = chat.version; }
    } catch (e) { status.textContent = `нет связи с песочницей: ${e.message}`;
      await new Promise(ok => setTimeout(ok, 2000)); }
  }
}
document.getElementById("f").onsubmit = ev => {
  ev.preventDefault(); const input = document.getElementById("text");
  const text = input.value.trim(); if (text) act("message", {text}); input.value = "";
};
document.getElementById("contact").onclick = shareContact;
document.getElementById("block").onclick = () => act("block");
document.getElementById("unblock").onclick = () => act("unblock");
poll();
</script></body></html>
"""

INDEX_PAGE = """<!doctype html>
<html lang="ru"><head><meta charset="utf-8"><title>Telegram sandbox</title>
<style>body{font:15px/1.5 system-ui,sans-serif;max-width:720px;margin:40px auto;padding:0 16px;color:#223}
li{margin:6px 0} a{color:#2a6496} input{width:8em}</style></head>
<body><h1>Telegram sandbox</h1>
<form onsubmit="for (const a of document.querySelectorAll('a.chat'))
 a.href = a.dataset.base + '?user_id=' + encodeURIComponent(this.uid.value); return false;">
Ваш user_id: <input name="uid" value="100001"> <button>OK</button></form>
<ul>__BOTS__</ul></body></html>
"""
