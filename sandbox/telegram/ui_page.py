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
header{background:#517da2;color:#fff;padding:10px 16px;display:flex;gap:12px;align-items:center;flex-wrap:wrap}
header b{font-size:17px} header span{opacity:.8;font-size:13px} header .sp{flex:1}
header button,header select{background:transparent;color:#fff;border:1px solid #fff8;border-radius:6px;padding:4px 10px;cursor:pointer;font:inherit}
header select option{color:#223}
#log{flex:1;overflow-y:auto;padding:16px;display:flex;flex-direction:column;gap:6px}
.msg{max-width:70%;padding:7px 11px;border-radius:12px;white-space:pre-wrap;word-wrap:break-word;
 box-shadow:0 1px 1px #0002;background:#fff;align-self:flex-start}
.msg.me{background:#effdde;align-self:flex-end}
.msg code,.msg pre{font-family:ui-monospace,Menlo,Consolas,monospace;background:#f1f3f5;border-radius:4px;padding:0 3px}
.msg pre{padding:6px;margin:4px 0;overflow-x:auto}
.msg blockquote{margin:4px 0;padding-left:8px;border-left:3px solid #517da2}
.spoiler{background:#cfd6dd;color:transparent;border-radius:3px;cursor:pointer}
.spoiler.shown{background:none;color:inherit}
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
#toast{position:fixed;left:50%;top:70px;transform:translateX(-50%);background:#000c;color:#fff;
 padding:9px 16px;border-radius:10px;max-width:80%;white-space:pre-wrap;display:none;z-index:5}
#veil{position:fixed;inset:0;background:#0006;display:none;align-items:center;justify-content:center;z-index:6}
#alert{background:#fff;border-radius:12px;padding:18px 20px 10px;max-width:min(420px,90%);box-shadow:0 8px 30px #0005}
#alert p{margin:0 0 12px;white-space:pre-wrap}
#alert div{text-align:right}
#alert button{border:0;background:none;color:#2a6496;font:600 15px system-ui,sans-serif;cursor:pointer;padding:6px 10px}
</style></head>
<body>
<header><b>@__TITLE__</b><span id="who"></span><div class="sp"></div>
<select id="lang" title="language_code"><option value="ru">🇷🇺 Русский</option><option value="en">🇬🇧 English</option></select>
<button id="contact" type="button"></button><button id="block" type="button"></button>
<button id="unblock" type="button"></button></header>
<div id="log"></div><div id="status"></div><div id="reply"></div>
<form id="f"><input id="text" autocomplete="off" autofocus>
<button id="send"></button></form>
<div id="toast" role="status"></div>
<div id="veil"><div id="alert" role="alertdialog"><p id="alert-text"></p><div><button id="alert-ok" type="button">OK</button></div></div></div>
<script id="cfg" type="application/json">__CONFIG__</script>
<script>
"use strict";
const cfg = JSON.parse(document.getElementById("cfg").textContent);
const base = `/sandbox/bots/${encodeURIComponent(cfg.username)}`;
const userBase = `${base}/users/${cfg.user_id}`;
const $ = id => document.getElementById(id);
const log = $("log"), reply = $("reply"), status = $("status"), lang = $("lang");
const WORDS = {
  ru: {you: "вы", contact: "📱 Контакт", block: "⛔ Блок", unblock: "✅ Разблок", send: "Отправить",
       placeholder: "Сообщение… (/start)", phone: "Номер телефона", file: "файл", edited: "изменено",
       hook: "webhook ответил", offline: "нет связи с песочницей", error: "ошибка"},
  en: {you: "you", contact: "📱 Contact", block: "⛔ Block", unblock: "✅ Unblock", send: "Send",
       placeholder: "Message… (/start)", phone: "Phone number", file: "file", edited: "edited",
       hook: "webhook answered", offline: "the sandbox does not answer", error: "error"},
};
const LANG_KEY = `sandbox-lang-${cfg.user_id}`;
lang.value = localStorage.getItem(LANG_KEY) || "ru";
let version = -1, seenNotice = null, toastTimer = null, lastChat = null;
const w = key => WORDS[lang.value][key];

function chrome() {
  document.documentElement.lang = lang.value;
  $("who").textContent = `${w("you")}: user ${cfg.user_id}`;
  $("contact").textContent = w("contact"); $("block").textContent = w("block");
  $("unblock").textContent = w("unblock"); $("send").textContent = w("send");
  $("text").placeholder = w("placeholder");
}
async function act(path, body) {
  const r = await fetch(`${userBase}/${path}`, {method: "POST", headers: {"Content-Type": "application/json"},
    body: JSON.stringify(Object.assign({language_code: lang.value}, body || {}))});
  const data = await r.json().catch(() => ({}));
  status.textContent = r.ok ? (data.webhook_status >= 300 ? `${w("hook")} ${data.webhook_status}` : "")
    : (data.error || data.detail || `${w("error")} ${r.status}`);
}
function el(tag, cls, text) {
  const e = document.createElement(tag); if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text; return e;
}
const TAGS = {bold: "b", italic: "i", underline: "u", strikethrough: "s", code: "code", pre: "pre",
  spoiler: "span", blockquote: "blockquote", expandable_blockquote: "blockquote", text_link: "a", url: "a"};
function wrap(node, entity) {
  const tag = TAGS[entity.type]; if (!tag) return node;
  const box = document.createElement(tag);
  const href = entity.type === "text_link" ? entity.url : entity.type === "url" ? node.textContent : null;
  if (href !== null) {
    if (!/^(https?|tg):/i.test(href || "")) return node;
    box.href = href; box.target = "_blank"; box.rel = "noopener";
  }
  if (entity.type === "spoiler") { box.className = "spoiler"; box.onclick = () => box.classList.add("shown"); }
  box.append(node); return box;
}
// Entities count UTF-16 code units, as JavaScript strings do: offsets slice the text directly.
function rich(text, entities) {
  const frag = document.createDocumentFragment();
  const cuts = new Set([0, text.length]);
  for (const e of entities || []) { cuts.add(e.offset); cuts.add(Math.min(text.length, e.offset + e.length)); }
  const points = [...cuts].filter(n => n <= text.length).sort((a, b) => a - b);
  for (let i = 0; i + 1 < points.length; i++) {
    const from = points[i], to = points[i + 1];
    let node = document.createTextNode(text.slice(from, to));
    for (const e of (entities || []).slice().reverse())
      if (e.offset <= from && e.offset + e.length >= to) node = wrap(node, e);
    frag.append(node);
  }
  return frag;
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
  const phone = prompt(w("phone"), "+79990000000");
  if (phone) act("contact", {phone_number: phone});
}
function toast(text) {
  const t = $("toast"); t.textContent = text; t.style.display = "block";
  clearTimeout(toastTimer); toastTimer = setTimeout(() => { t.style.display = "none"; }, 3000);
}
function alertBox(text) { $("alert-text").textContent = text; $("veil").style.display = "flex"; $("alert-ok").focus(); }
function notices(list) {
  const newest = list.length ? list[list.length - 1].version : 0;
  if (seenNotice === null) { seenNotice = newest; return; }  // older ones were seen before this page opened
  for (const n of list) if (n.version > seenNotice) (n.show_alert ? alertBox : toast)(n.text);
  seenNotice = Math.max(seenNotice, newest);
}
function render(chat) {
  lastChat = chat;
  const atBottom = log.scrollHeight - log.scrollTop - log.clientHeight < 40;
  log.replaceChildren();
  for (const m of chat.messages) {
    const box = el("div", m.from_bot ? "msg" : "msg me");
    if (m.text) { const t = el("div", "text"); t.append(rich(m.text, m.entities)); box.append(t); }
    if (m.contact) box.append(el("div", "", `📱 ${m.contact.first_name}: ${m.contact.phone_number}`));
    if (m.document) {
      const a = el("a", "", `📄 ${m.document.file_name || w("file")} (${m.document.file_size || 0} B)`);
      a.href = `/sandbox/files/${encodeURIComponent(m.document.file_id)}`; box.append(a);
    }
    if (m.photo && m.photo.length) {
      const img = el("img", "photo"); img.alt = w("file"); img.style.maxWidth = "100%";
      img.src = `/sandbox/files/${encodeURIComponent(m.photo[m.photo.length - 1].file_id)}`; box.append(img);
    }
    if (m.caption) box.append(el("div", "", m.caption));
    if (m.buttons.length) box.append(keyboard(m.buttons,
      b => act("callback", {message_id: m.message_id, data: b.callback_data || ""})));
    const when = new Date(m.date * 1000).toLocaleTimeString(lang.value, {hour: "2-digit", minute: "2-digit"});
    box.append(el("div", "meta", `#${m.message_id} ${when}${m.edited ? " · " + w("edited") : ""}`));
    log.append(box);
  }
  reply.replaceChildren();
  if (chat.keyboard) reply.append(keyboard(chat.keyboard,
    b => b.request_contact ? shareContact() : act("message", {text: b.text})));
  notices(chat.notices || []);
  if (atBottom || version < 0) log.scrollTop = log.scrollHeight;
}
async function poll() {
  for (;;) {
    try {
      const r = await fetch(`${base}/chats/${cfg.user_id}/messages?changed_since=${version}&timeout=25`);
      if (!r.ok) throw new Error(`HTTP ${r.status}`);
      const chat = await r.json();
      if (chat.version !== version) { render(chat); version = chat.version; document.body.dataset.version = version; }
    } catch (e) { status.textContent = `${w("offline")}: ${e.message}`;
      await new Promise(ok => setTimeout(ok, 2000)); }
  }
}
$("f").onsubmit = ev => {
  ev.preventDefault(); const input = $("text");
  const text = input.value.trim(); if (text) act("message", {text}); input.value = "";
};
$("contact").onclick = shareContact;
$("block").onclick = () => act("block");
$("unblock").onclick = () => act("unblock");
$("alert-ok").onclick = () => { $("veil").style.display = "none"; };
lang.onchange = () => { localStorage.setItem(LANG_KEY, lang.value); chrome(); if (lastChat) render(lastChat); };
chrome();
poll();
</script></body></html>
"""

BOTFATHER_PAGE = """<!doctype html>
<html lang="ru"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>BotFather — Telegram sandbox</title>
<style>body{font:15px/1.5 system-ui,sans-serif;max-width:620px;margin:40px auto;padding:0 16px;color:#223}
label{display:block;margin:10px 0 4px} input{width:100%;padding:8px 10px;border:1px solid #ccd;border-radius:8px;font:inherit}
button{margin-top:14px;border:0;border-radius:8px;padding:9px 16px;background:#517da2;color:#fff;font:inherit;cursor:pointer}
#done{display:none;margin-top:22px;padding:14px;border-radius:10px;background:#effdde}
code{font:14px ui-monospace,Menlo,Consolas,monospace;word-break:break-all;background:#fff;padding:2px 4px;border-radius:4px}
#error{color:#a33} a{color:#2a6496}</style></head>
<body><h1>🤖 BotFather</h1>
<p>Песочница вместо @BotFather: создайте бота, скопируйте токен и вставьте его в бот продаж.
<br><span lang="en">Sandbox stand-in for @BotFather: create a bot, copy its token, paste it into the sales bot.</span></p>
<form id="new">
<label for="name">Имя бота / Bot name</label><input id="name" required placeholder="Салон «Анна»">
<label for="username">Username (…bot)</label><input id="username" required pattern="[A-Za-z][A-Za-z0-9_]{3,30}[Bb][Oo][Tt]" placeholder="anna_salon_bot">
<button id="create">Создать / Create</button> <span id="error"></span></form>
<div id="done">Готово! Бот <a id="chat" href="#"></a> создан. Токен / token:<br>
<code id="token"></code> <button id="copy" type="button">Копировать / Copy</button>
<p>Теперь откройте <a href="/">бот продаж</a> и вставьте токен, когда он попросит.</p></div>
<script>
"use strict";
const $ = id => document.getElementById(id);
$("new").onsubmit = async ev => {
  ev.preventDefault(); $("error").textContent = "";
  const r = await fetch("/sandbox/bots", {method: "POST", headers: {"Content-Type": "application/json"},
    body: JSON.stringify({username: $("username").value.trim(), first_name: $("name").value.trim()})});
  const data = await r.json().catch(() => ({}));
  if (!r.ok) { $("error").textContent = data.error || data.detail || `HTTP ${r.status}`; return; }
  $("token").textContent = data.token;
  $("chat").textContent = "@" + data.username; $("chat").href = "/chat/" + encodeURIComponent(data.username);
  $("done").style.display = "block";
};
$("copy").onclick = () => navigator.clipboard && navigator.clipboard.writeText($("token").textContent);
</script></body></html>
"""

INDEX_PAGE = """<!doctype html>
<html lang="ru"><head><meta charset="utf-8"><title>Telegram sandbox</title>
<style>body{font:15px/1.5 system-ui,sans-serif;max-width:720px;margin:40px auto;padding:0 16px;color:#223}
li{margin:6px 0} a{color:#2a6496} input{width:8em}</style></head>
<body><h1>Telegram sandbox</h1>
<p><a id="botfather" href="/botfather">🤖 BotFather</a>: создать бота и получить токен / create a bot and get its token</p>
<form onsubmit="for (const a of document.querySelectorAll('a.chat'))
 a.href = a.dataset.base + '?user_id=' + encodeURIComponent(this.uid.value); return false;">
Ваш user_id: <input name="uid" value="100001"> <button>OK</button></form>
<ul>__BOTS__</ul></body></html>
"""
