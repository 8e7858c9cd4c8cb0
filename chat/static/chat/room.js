// The room page: wires the parts together. Each part (one file each) does one job:
//   room_socket       the WebSocket: resume with ?since= (or ?after=), backoff, close codes
//   room_stream       the room's changes in seq order, each once; holes filled from /api/events/
//   history_pager     history over HTTP: newest page, older pages, gaps, back to a reply's original
//   message_list      confirmed messages in id order, once each, with days and grouping, and their changes
//   message_actions, message_controls  editing, deleting, reacting and replying (menu, picker, dialogs)
//   outbox            what the user wrote until the server acknowledges it
//   outbox_grouping   unsent messages join their author's run, as sent ones do
//   composer, draft   the message box, and what is being written kept across reloads and sign-ins
//   scroll_follow     the view: follow the end, keep still while reading, "new messages" button
//   presence, typing_indicator, unread_title, connection_status: the rest of what is on screen
// Configuration and translated words come from data- attributes in room.html.

import { ClockFormat, readerLocale } from "./clock_format.js";
import { Composer } from "./composer.js";
import { ConnectionStatus } from "./connection_status.js";
import { Draft } from "./draft.js";
import { HistoryPager, SessionEnded } from "./history_pager.js";
import { MessageActions } from "./message_actions.js";
import { MessageControls } from "./message_controls.js";
import { MessageList } from "./message_list.js";
import { Outbox } from "./outbox.js";
import { OutboxGrouping } from "./outbox_grouping.js";
import { PresenceList } from "./presence.js";
import { ReplyBar } from "./reply_quote.js";
import { RoomSocket } from "./room_socket.js";
import { RoomStream } from "./room_stream.js";
import { ScrollFollower } from "./scroll_follow.js";
import { Texts } from "./texts.js";
import { TypingIndicator } from "./typing_indicator.js";
import { UnreadTitle } from "./unread_title.js";
import { paintAvatar } from "./avatar.js";

const DAY_CHECK_EVERY_MS = 60 * 1000; // "Today" becomes "Yesterday" after midnight

const byId = (id) => document.getElementById(id);
const room = byId("room");
const config = room.dataset;
const me = config.user;
const texts = new Texts(byId("texts"));
const clock = new ClockFormat(readerLocale());

const follower = new ScrollFollower(byId("timeline"), byId("jump"), texts);
const list = new MessageList(byId("messages"), { me, clock, texts });
const pager = new HistoryPager({
  url: config.messagesUrl, gapPageSize: Number(config.pageLimit), list, follower, edge: byId("history-edge"), texts,
  onError: failedToLoad,
});
const presence = new PresenceList({
  list: byId("people-list"), count: byId("people-count"), number: byId("people-number"), toggle: byId("people-toggle"), panel: byId("people"),
  staleLabel: byId("people-stale"), me, texts,
});
const typing = new TypingIndicator(byId("typing"), texts);
const unread = new UnreadTitle();
const announcer = byId("announcer");

const stream = new RoomStream({ apply: applyChange, fetchEvents: (query) => pager.fetchJson(config.eventsUrl, query), onError: failedToLoad });
const socket = new RoomSocket({
  path: config.socketPath,
  resumeFrom,
  onFrame: receive,
  onState: (state, retryAt, reason) => {
    status.show(state, retryAt, reason);
    presence.setStale(state !== "connected");
  },
  onSessionEnded: goToLogin,
  onClosed: () => {
    outbox.connectionLost();
    actions.connectionLost();
  },
  checkSession: () => pager.fetchPage({ limit: 1 }).catch((error) => {
    if (error instanceof SessionEnded) throw error; // any other failure: the server is just away
  }),
});
const status = new ConnectionStatus(byId("connection"), {
  banner: { element: byId("connection-banner"), state: byId("banner-state"), waiting: byId("banner-waiting"), reconnect: byId("reconnect-now") },
  outbox: byId("outbox"), texts, reconnectNow: () => socket.reconnectNow(),
});
const composer = new Composer(byId("composer"), {
  maxLength: Number(config.maxLength),
  blankCharacters: config.blankCharacters,
  draft: new Draft(me),
  texts,
  onSend: (text) => {
    outbox.write(text, replyBar.replyingTo);
    replyBar.cancel();
    follower.toEnd();
  },
  onTyping: () => socket.send({ type: "typing" }),
  onEditLast: () => controls.editLast(),
  onEscape: () => replyBar.cancel(),
});
const replyBar = new ReplyBar(byId("reply-bar"), { texts, onChange: () => composer.focus() });
const actions = new MessageActions({ send: (frame) => socket.send(frame) });
const controls = new MessageControls({
  list, pager, actions, replyBar, composer, texts, clock, me, isStaff: config.staff === "true",
  urls: { emoji: config.emojiUrl, messages: config.messagesUrl },
  elements: {
    messages: byId("messages"), menu: byId("message-menu"), picker: byId("emoji-picker"), reactionPeople: byId("reaction-people"),
    deleteDialog: byId("delete-dialog"), historyDialog: byId("history-dialog"), notice: byId("action-notice"),
  },
});
// Before the outbox, which shows what a reload left unsent as it starts.
new OutboxGrouping(byId("outbox"), list, me);
const outbox = new Outbox(byId("outbox"), {
  me, texts, clock, send: (frame) => socket.send(frame), edit: (text) => composer.takeBack(text),
});

function receive(frame) {
  switch (frame.type) {
    case "hello":
      composer.setMaxLength(frame.max_length);
      if (!stream.numbered) stream.reached(frame.last_seq); // resumed by id (or not at all): numbered from here
      if (!pager.loaded) loadHistory(); // the first load failed: try again now the server answers
      outbox.flush();
      break;
    case "chat":
    case "edit":
    case "delete":
    case "reaction":
      if (frame.type !== "chat") actions.answered(frame);
      stream.receive(frame);
      break;
    case "unchanged":
      actions.answered(frame);
      if (list.has(frame.msg.id)) list.add(frame.msg, { current: true }); // what it is now, if shown
      break;
    case "gap":
      if ("since" in frame) stream.gap(frame.first);
      else pager.fillGap(frame.after, frame.first).catch(failedToLoad);
      break;
    case "presence":
      presence.show(frame.users);
      break;
    case "typing":
      if (frame.user !== me) typing.someoneTyping(frame.user);
      break;
    case "error":
      if (actions.refused(frame)) break;
      if (!frame.client_id || !outbox.refuse(frame.client_id, frame.code, frame.retry_after)) console.warn("refused:", frame);
      break;
  }
}

// Where the socket resumes: after the last change applied, or (a server that numbers none) the last id.
function resumeFrom() {
  if (pager.loaded && stream.numbered) return { since: stream.lastSeq };
  const after = pager.resumeFrom();
  return after === null ? null : { after };
}

// One change of the room, in seq order (room_stream.js).
function applyChange(event) {
  if (event.type === "chat") showNew(event);
  else if (list.apply(event)) controls.changed(event.id);
}

function showNew(msg) {
  const mine = msg.user === me;
  if (mine && msg.client_id) outbox.acknowledge(msg.client_id);
  typing.stopped(msg.user);
  let added = false;
  follower.addingNew(() => ((added = list.add(msg)) ? 1 : 0), { mine });
  if (added && !mine && !msg.deleted) {
    unread.messageArrived();
    announcer.textContent = texts.get("announce", { name: msg.user, message: msg.message });
  }
}

function goToLogin() {
  window.location.assign(config.loginUrl);
}

function failedToLoad(error) {
  if (error instanceof SessionEnded) goToLogin();
  else console.warn(error);
}

async function loadHistory() {
  try {
    await pager.loadNewest();
    stream.reached(pager.lastSeq);
  } catch (error) {
    failedToLoad(error);
  }
}

document.querySelectorAll("[data-avatar-for]").forEach((avatar) => paintAvatar(avatar, avatar.dataset.avatarFor));
let today = new Date().toDateString();
setInterval(() => {
  if (new Date().toDateString() === today) return;
  today = new Date().toDateString();
  list.relabelDays();
}, DAY_CHECK_EVERY_MS);
await loadHistory();
socket.start();
byId("message-input").focus();
