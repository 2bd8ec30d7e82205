// telegram-test-api 4.2.1 + a shim that makes it speak what python-telegram-bot 22 parses,
// plus test-only routes (reset, error injection, send log, files).
// Run: node server-ptb.js          (TG_PORT=9000 by default, binds 127.0.0.1)
//
// Fixes to the package (see the notes on test servers, section 3):
//   (1) getMe lacks is_bot                   (2) bot message dates are in milliseconds
//   (3) callback_query lacks chat_instance   (4) getUpdates ignores `timeout` (no long polling)
//   (5) editMessage* answer `result: null`   (6) a failing webhook POST kills the process
// Added for tests (not Bot API; the simulated user and the fixtures call them):
//   POST /reset {token?}                      forget messages/updates/webhooks/logs (of one token)
//   POST /inject429 {token, count, retry_after}   next `count` send* calls answer HTTP 429
//   POST /injectError {token, count, error_code, description, retry_after?}   any other error
//   POST /sendLog {token}                     every send* call: {method, chat_id, t (unix ms), status}
//   POST /callbackAnswers {token}             every answerCallbackQuery the bot made
//   POST /userFile {name, mime_type, content_base64}   store a file a user can send (-> file_id)
// Bot API methods added: sendDocument, sendPhoto (multipart upload or file_id), getFile and the
// file download route, answerCallbackQuery (returns true), setMyCommands/getMyCommands/deleteMyCommands.
const TelegramServer = require('telegram-test-api');
const express = require('express');

const BOT_USER = { id: 666, is_bot: true, first_name: 'Test First name', username: 'TestNameBot' };

// (3) callback_query updates lack chat_instance (required by PTB's CallbackQuery)
const formatUpdate = TelegramServer.formatUpdate;
TelegramServer.formatUpdate = (update) => {
  const out = formatUpdate(update);
  if (out.callback_query) {
    const cq = update.callbackQuery;
    out.callback_query.chat_instance = String(
      cq.chat_instance || (cq.message && cq.message.chat && cq.message.chat.id) || 1);
  }
  return out;
};
// (2) messages the bot sends come back with date in milliseconds; Bot API uses seconds
const addBotMessage = TelegramServer.prototype.addBotMessage;
TelegramServer.prototype.addBotMessage = function (raw, token) {
  const msg = addBotMessage.call(this, raw, token);
  msg.date = Math.floor(msg.date / 1000);
  msg.from = BOT_USER; // = getMe
  return msg;
};

const port = Number(process.env.TG_PORT || 9000);
const server = new TelegramServer({ port, host: '127.0.0.1', storeTimeout: 600 });
const app = server.webServer;
const early = express.Router();

// Per-token test state. Tokens are unique per test, so tests never see each other's state.
let injected = new Map(); // token -> [{remaining, status, body}]
let sendLog = new Map(); // token -> [{method, chat_id, t, status}]
let callbackAnswers = new Map(); // token -> [answerCallbackQuery bodies]
let commands = new Map(); // token -> BotCommand[]
const files = new Map(); // file_id -> {name, type, data, path}
let fileSeq = 1;

const listFor = (map, token) => {
  if (!map.has(token)) map.set(token, []);
  return map.get(token);
};
const chatId = (v) => (v !== undefined && /^-?\d+$/.test(String(v)) ? Number(v) : v);
const apiError = (res, status, description, parameters) =>
  res.status(status).json({ ok: false, error_code: status, description, ...(parameters ? { parameters } : {}) });

// PTB uploads files as multipart/form-data, which the package does not parse. Node's own
// fetch Response parses multipart, so no extra dependency is needed.
early.use(express.raw({ type: 'multipart/form-data', limit: '60mb' }));
early.use(async (req, res, next) => {
  if (!Buffer.isBuffer(req.body)) return next();
  try {
    const form = await new Response(req.body, { headers: { 'content-type': req.headers['content-type'] } }).formData();
    const body = {};
    req.files = {};
    for (const [key, value] of form.entries()) {
      if (typeof value === 'string') body[key] = value;
      else req.files[key] = { name: value.name, type: value.type, data: Buffer.from(await value.arrayBuffer()) };
    }
    req.body = body;
    return next();
  } catch (e) {
    return apiError(res, 400, `Bad Request: unreadable multipart body (${e.message})`);
  }
});

// Log every message-sending call and answer the injected errors first.
const SEND_METHODS = new Set(['sendMessage', 'sendDocument', 'sendPhoto']);
early.all('/bot:token/:method', (req, res, next) => {
  if (!SEND_METHODS.has(req.params.method)) return next();
  const token = req.params.token;
  const rules = listFor(injected, token);
  const rule = rules.find((r) => r.remaining > 0);
  const entry = { method: req.params.method, chat_id: chatId(req.body.chat_id), t: Date.now(), status: 200 };
  listFor(sendLog, token).push(entry);
  if (!rule) return next();
  rule.remaining -= 1;
  entry.status = rule.status;
  return res.status(rule.status).json(rule.body);
});

// (1) getMe lacks is_bot
early.all('/bot:token/getMe', (req, res) => res.json({ ok: true, result: {
  ...BOT_USER, can_join_groups: true, can_read_all_group_messages: false, supports_inline_queries: false } }));

// (4) getUpdates ignores `timeout`: hold the request until an update arrives or time is up
early.all('/bot:token/getUpdates', (req, res) => {
  const token = req.params.token;
  const timeout = Number((req.body && req.body.timeout) || req.query.timeout || 0);
  const reply = () => res.json({ ok: true, result: server.getUpdates(token) });
  const pending = () => server.storage.userMessages.some((u) => u.botToken === token && !u.isRead);
  if (pending() || timeout <= 0) return reply();
  const events = ['AddedUserMessage', 'AddedUserCommand', 'AddedUserCallbackQuery'];
  let done = false;
  const finish = (send) => {
    if (done) return;
    done = true;
    clearTimeout(timer);
    events.forEach((e) => server.off(e, onEvent));
    if (send) reply();
  };
  const onEvent = () => { if (pending()) finish(true); };
  const timer = setTimeout(() => finish(true), timeout * 1000);
  events.forEach((e) => server.on(e, onEvent));
  res.on('close', () => finish(false)); // client gave up: leave updates unread for the next call
});

// (5) editMessageText / editMessageReplyMarkup answer `result: null`; PTB 22 needs the edited Message
for (const method of ['editMessageText', 'editMessageReplyMarkup']) {
  early.all(`/bot:token/${method}`, (req, res) => {
    server[method](req.body);
    const b = TelegramServer.normalizeMessage({ ...req.body });
    const u = server.storage.botMessages.find((m) => String(m.messageId) === String(b.message_id)
      && String(m.message.chat_id) === String(b.chat_id));
    if (!u) return apiError(res, 400, 'Bad Request: message to edit not found');
    const m = u.message;
    return res.json({ ok: true, result: { message_id: u.messageId, date: Math.floor(u.time / 1000), from: BOT_USER,
      chat: { id: Number(m.chat_id), type: 'private', first_name: 'Bot' }, text: m.text,
      reply_markup: m.reply_markup && 'inline_keyboard' in m.reply_markup ? m.reply_markup : undefined } });
  });
}

early.all('/bot:token/answerCallbackQuery', (req, res) => {
  listFor(callbackAnswers, req.params.token).push({ ...req.body });
  res.json({ ok: true, result: true });
});
early.all('/bot:token/setMyCommands', (req, res) => {
  const c = req.body.commands;
  commands.set(req.params.token, typeof c === 'string' ? JSON.parse(c) : (c || []));
  res.json({ ok: true, result: true });
});
early.all('/bot:token/getMyCommands', (req, res) => res.json({ ok: true, result: commands.get(req.params.token) || [] }));
early.all('/bot:token/deleteMyCommands', (req, res) => {
  commands.delete(req.params.token);
  res.json({ ok: true, result: true });
});

// Files: kept in memory; file_id doubles as file_unique_id.
const storeFile = (f) => {
  const id = `file-${fileSeq++}`;
  const name = f.name || id;
  files.set(id, { name, type: f.type || 'application/octet-stream', data: f.data, path: `documents/${id}/${name}` });
  return id;
};
const documentOf = (id) => {
  const f = files.get(id);
  return { file_id: id, file_unique_id: id, file_name: f.name, mime_type: f.type, file_size: f.data.length };
};
for (const [method, field] of [['sendDocument', 'document'], ['sendPhoto', 'photo']]) {
  early.all(`/bot:token/${method}`, (req, res) => {
    const upload = req.files && req.files[field];
    const ref = req.body[field];
    let id;
    if (upload) id = storeFile(upload);
    else if (typeof ref === 'string' && files.has(ref)) id = ref;
    else if (typeof ref === 'string' && ref) id = storeFile({ name: ref.split('/').pop(), data: Buffer.alloc(0) });
    else return apiError(res, 400, `Bad Request: there is no ${field} in the request`);
    const raw = { ...req.body };
    const d = documentOf(id);
    raw[field] = field === 'photo'
      ? [{ file_id: id, file_unique_id: id, width: 1, height: 1, file_size: d.file_size }]
      : d;
    return res.json({ ok: true, result: server.addBotMessage(raw, req.params.token) });
  });
}
early.all('/bot:token/getFile', (req, res) => {
  const id = req.body.file_id || req.query.file_id;
  if (!files.has(id)) return apiError(res, 400, 'Bad Request: invalid file_id');
  const f = files.get(id);
  return res.json({ ok: true, result: { file_id: id, file_unique_id: id, file_size: f.data.length, file_path: f.path } });
});
early.get('/file/bot:token/*', (req, res) => {
  const path = req.params[0];
  const f = [...files.values()].find((x) => x.path === path);
  if (!f) return res.status(404).end();
  return res.type(f.type).send(f.data);
});
early.post('/userFile', (req, res) => {
  const data = Buffer.from(req.body.content_base64 || '', 'base64');
  const id = storeFile({ name: req.body.name, type: req.body.mime_type, data });
  res.json({ ok: true, result: documentOf(id) });
});

// Error injection and logs
const inject = (req, res, status, description, parameters) => {
  const { token } = req.body;
  if (!token) return apiError(res, 400, 'token is required');
  const body = { ok: false, error_code: status, description, ...(parameters ? { parameters } : {}) };
  listFor(injected, token).push({ remaining: Number(req.body.count ?? 1), status, body });
  return res.json({ ok: true, result: true });
};
early.post('/inject429', (req, res) => {
  const n = Number(req.body.retry_after ?? 1);
  inject(req, res, 429, `Too Many Requests: retry after ${n}`, { retry_after: n });
});
early.post('/injectError', (req, res) => {
  const status = Number(req.body.error_code ?? 400);
  const params = req.body.retry_after !== undefined ? { retry_after: Number(req.body.retry_after) } : undefined;
  inject(req, res, status, String(req.body.description || `Error ${status}`), params);
});
early.post('/sendLog', (req, res) => res.json({ ok: true, result: sendLog.get(req.body.token) || [] }));
early.post('/callbackAnswers', (req, res) => res.json({ ok: true, result: callbackAnswers.get(req.body.token) || [] }));

// test isolation: POST /reset forgets messages, updates, webhooks and logs (of one token, or all)
early.post('/reset', (req, res) => {
  const token = req.body && req.body.token;
  if (token) {
    server.storage.userMessages = server.storage.userMessages.filter((u) => u.botToken !== token);
    server.storage.botMessages = server.storage.botMessages.filter((u) => u.botToken !== token);
    delete server.webhooks[token];
    for (const m of [injected, sendLog, callbackAnswers, commands]) m.delete(token);
  } else {
    server.storage = { userMessages: [], botMessages: [] };
    server.webhooks = {};
    injected = new Map(); sendLog = new Map(); callbackAnswers = new Map(); commands = new Map();
    files.clear();
  }
  res.json({ ok: true, result: true });
});

// put these routes after the body parsers but before the package's own routes
const stack = app._router.stack;
app.use(early);
const layer = stack.pop();
stack.splice(stack.findIndex((l) => l.route), 0, layer);

// (6) a failing webhook POST is an unhandled rejection -> would kill the process on Node >= 15
process.on('unhandledRejection', (e) => console.error('unhandled rejection:', e && e.message));

server.start().then(() => console.log(`telegram-test-api (PTB shim) on ${server.config.apiURL}`));
for (const sig of ['SIGTERM', 'SIGINT']) process.on(sig, async () => { await server.stop(); process.exit(0); });
