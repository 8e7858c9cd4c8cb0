// The room page: history over HTTP, live messages over the socket, resume with ?after= on reconnect.
// User text is only ever set with textContent.

const RECONNECT_FIRST_MS = 500;
const RECONNECT_MAX_MS = 15000;
const TYPING_EVERY_MS = 2000;
const TYPING_SHOWN_MS = 4000;

const room = document.getElementById("room");
const list = document.getElementById("messages");
const input = document.getElementById("message-input");
const composer = document.getElementById("composer");
const connection = document.getElementById("connection");
const presence = document.getElementById("presence");
const typing = document.getElementById("typing");
const me = room.dataset.user;
const messagesUrl = room.dataset.messagesUrl;
const pageLimit = Number(room.dataset.pageLimit);

const shown = new Map(); // message id -> <li>
const pending = new Map(); // client_id -> {text, li}
let lastId = 0; // newest id shown; ?after= resumes from it
let oldestId = null;
let hasOlder = true;
let socket = null;
let reconnectDelay = RECONNECT_FIRST_MS;
let lastTypingSent = 0;
let typingTimer = null;

function showMessage(msg) {
  if (shown.has(msg.id)) return;
  const li = (msg.client_id && pending.get(msg.client_id)?.li) || document.createElement("li");
  if (msg.client_id) pending.delete(msg.client_id);
  li.className = msg.user === me ? "message mine" : "message";
  li.dataset.id = msg.id;
  li.replaceChildren(part("span", "author", msg.user), part("time", "time", new Date(msg.ts).toLocaleTimeString()),
    part("p", "body", msg.message));
  shown.set(msg.id, li);
  const next = [...shown.keys()].filter((id) => id > msg.id).sort((a, b) => a - b)[0];
  list.insertBefore(li, next ? shown.get(next) : firstPending());
  lastId = Math.max(lastId, msg.id);
  oldestId = oldestId === null ? msg.id : Math.min(oldestId, msg.id);
}

function firstPending() {
  return list.querySelector("li.pending");
}

function part(tag, className, text) {
  const node = document.createElement(tag);
  node.className = className;
  node.textContent = text;
  return node;
}

async function fetchPage(query) {
  const response = await fetch(`${messagesUrl}?${query}`, { headers: { Accept: "application/json" } });
  if (response.status === 401 || response.status === 403) window.location.reload();
  if (!response.ok) throw new Error(`history: ${response.status}`);
  return response.json();
}

async function loadOlder() {
  if (!hasOlder) return;
  const before = list.scrollHeight - list.scrollTop;
  const page = await fetchPage(oldestId ? `before=${oldestId}&limit=50` : "limit=50");
  page.messages.forEach(showMessage);
  hasOlder = page.has_more;
  list.scrollTop = list.scrollHeight - before;
}

async function fillGap(after, first) {
  // The server replayed only the newest part: page the hole over HTTP.
  let cursor = after;
  while (cursor < first - 1) {
    const page = await fetchPage(`after=${cursor}&limit=${pageLimit}`);
    page.messages.filter((m) => m.id < first).forEach(showMessage);
    if (!page.messages.length) break;
    cursor = page.messages[page.messages.length - 1].id;
  }
}

function connect() {
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  const query = lastId ? `?after=${lastId}` : "";
  socket = new WebSocket(`${scheme}://${location.host}/ws/chat/${query}`);
  setConnection("connecting");
  socket.onmessage = (event) => receive(JSON.parse(event.data));
  socket.onclose = (event) => {
    setConnection("reconnecting");
    if (event.code === 4001) return window.location.reload(); // signed out: the server sends us to login
    const delay = reconnectDelay * (0.5 + Math.random());
    reconnectDelay = Math.min(reconnectDelay * 2, RECONNECT_MAX_MS);
    setTimeout(connect, event.code === 4002 ? 0 : delay);
  };
}

function receive(frame) {
  switch (frame.type) {
    case "hello":
      reconnectDelay = RECONNECT_FIRST_MS;
      setConnection("connected");
      for (const [clientId, { text }] of pending) send({ type: "chat", message: text, client_id: clientId });
      break;
    case "chat":
      showMessage(frame);
      scrollToEnd();
      break;
    case "gap":
      fillGap(frame.after, frame.first);
      break;
    case "presence":
      presence.textContent = frame.users.join(", ");
      break;
    case "typing":
      typing.textContent = `${frame.user} …`;
      clearTimeout(typingTimer);
      typingTimer = setTimeout(() => (typing.textContent = ""), TYPING_SHOWN_MS);
      break;
    case "error": {
      const item = pending.get(frame.client_id);
      if (item) {
        item.li.classList.add("failed");
        item.li.title = frame.detail;
      }
      break;
    }
  }
}

function send(frame) {
  if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(frame));
}

function setConnection(state) {
  connection.dataset.state = state;
  connection.textContent = { connecting: "…", connected: "●", reconnecting: "○" }[state];
}

function scrollToEnd() {
  list.scrollTop = list.scrollHeight;
}

function submit() {
  const text = input.value;
  if (!text.trim()) return;
  const clientId = crypto.randomUUID();
  const li = document.createElement("li");
  li.className = "message mine pending";
  li.append(part("span", "author", me), part("p", "body", text));
  list.append(li);
  pending.set(clientId, { text, li });
  send({ type: "chat", message: text, client_id: clientId });
  input.value = "";
  scrollToEnd();
}

input.addEventListener("keydown", (event) => {
  if (event.key !== "Enter" || event.shiftKey || event.isComposing || event.keyCode === 229) return;
  event.preventDefault();
  submit();
});
input.addEventListener("input", () => {
  if (Date.now() - lastTypingSent < TYPING_EVERY_MS) return;
  lastTypingSent = Date.now();
  send({ type: "typing" });
});
composer.addEventListener("submit", (event) => {
  event.preventDefault();
  submit();
});
list.addEventListener("scroll", () => {
  if (list.scrollTop === 0) loadOlder();
});

loadOlder().then(scrollToEnd).finally(connect);
