// The live session page: the chat over the session's WebSocket, and the call (call.js) signalled through it.
//
// Nothing said may be lost: every message is stored by the server before anyone sees it, numbered 1, 2,
// 3... (seq). The page remembers the last number it has shown without gaps; after a dropped connection it
// reconnects (growing, jittered delays) and asks for everything after that number. A message typed while
// the connection is down stays on screen as pending and is sent when it comes back, with the same
// client id, so a message that did arrive before the drop is not stored twice.
// Without JavaScript the form posts to the server and the page comes back with the message.
//
// For tests and support, the state is on <body>: data-ws-state (connecting|open|closed),
// data-chat-last-seq, data-peer (present|absent), and call.js's data-call-state.
import { Call, mark, timings } from "./call.js";

const root = document.getElementById("live-session");
if (root && !root.hasAttribute("data-ended")) start(root);

function newClientId() {
  if (window.crypto && typeof window.crypto.randomUUID === "function") return window.crypto.randomUUID();
  const bytes = new Uint8Array(16);
  window.crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

function start(root) {
  mark("script");
  const texts = JSON.parse(document.getElementById("session-texts").textContent);
  const iceServers = JSON.parse(document.getElementById("ice-servers").textContent);
  const role = root.dataset.role;
  const body = document.body;
  const status = document.getElementById("session-status");
  const list = root.querySelector("[data-chat-list]");
  const log = document.getElementById("chat-log");
  const form = document.getElementById("chat-form");
  const textarea = form.querySelector("textarea");
  const maxLength = Number(textarea.getAttribute("maxlength") || 2000);
  const instance = newClientId().replace(/[^A-Za-z0-9]/g, "").slice(0, 32);

  const seen = new Set(Array.from(list.querySelectorAll("[data-seq]"), (el) => Number(el.dataset.seq)));
  let lastSeq = Number(root.dataset.lastSeq || 0); // every message up to here is shown
  const pending = new Map(); // client_id → {body, element}
  let socket = null;
  let attempts = 0;
  let everOpened = false;
  let holdUntil = 0; // test hook: keep the connection down until then
  let finished = false;
  const peerConnections = new Set(); // the other participant's open sockets
  // Technician: the call is made, the citizen has not answered yet. When the deadline for answering has
  // passed, the page asks the server again (which applies it and sends the technician to the console).
  const pendingBox = document.querySelector("[data-pending]");
  let pendingTimer = null;
  if (pendingBox) {
    const deadline = Date.parse(pendingBox.dataset.answerDeadline);
    if (deadline) pendingTimer = window.setTimeout(() => window.location.reload(), Math.max(0, deadline - Date.now()) + 2000);
  }

  function answered() {
    if (!pendingBox) return;
    pendingBox.hidden = true;
    window.clearTimeout(pendingTimer);
  }

  function say(text, isError = false) {
    status.textContent = text;
    status.classList.toggle("is-error", isError);
  }

  function send(message) {
    if (socket && socket.readyState === WebSocket.OPEN) {
      socket.send(JSON.stringify(message));
      return true;
    }
    return false;
  }

  // --- The chat list --------------------------------------------------------------------------------

  function who(message) {
    if (message.sender === role) return texts.you;
    if (message.sender === "system") return texts.system;
    if (message.sender === "technician") return `${message.sender_name} (${texts.staff})`;
    return message.sender_name;
  }

  function element(message, pendingMessage = false) {
    const item = document.createElement("li");
    item.className = `chat-message chat-${message.sender}${message.sender === role ? " chat-mine" : ""}`;
    const meta = document.createElement("p");
    meta.className = "chat-meta";
    const name = document.createElement("span");
    name.className = "chat-who";
    name.textContent = who(message);
    meta.append(name, " ");
    if (pendingMessage) {
      const note = document.createElement("span");
      note.textContent = texts.pending;
      meta.append(note);
      item.classList.add("is-pending");
      item.dataset.clientId = message.client_id;
    } else {
      const time = document.createElement("time");
      time.dateTime = message.at;
      time.textContent = new Date(message.at).toLocaleTimeString("es-ES", {
        hour: "2-digit", minute: "2-digit", timeZone: "Europe/Madrid",
      });
      meta.append(time);
      item.dataset.seq = String(message.seq);
    }
    const text = document.createElement("p");
    text.className = "chat-body";
    message.body.split("\n").forEach((line, index) => {
      if (index) text.append(document.createElement("br"));
      text.append(line);
    });
    item.append(meta, text);
    return item;
  }

  function scrollDown() {
    log.scrollTop = log.scrollHeight;
  }

  function dropEmptyNote() {
    const empty = list.querySelector("[data-chat-empty]");
    if (empty) empty.remove();
  }

  function show(message) {
    if (message.client_id && pending.has(message.client_id)) {
      pending.get(message.client_id).element.remove();
      pending.delete(message.client_id);
    }
    if (seen.has(message.seq)) return;
    seen.add(message.seq);
    dropEmptyNote();
    const item = element(message);
    const later = Array.from(list.querySelectorAll("[data-seq], .is-pending"))
      .find((el) => el.classList.contains("is-pending") || Number(el.dataset.seq) > message.seq);
    list.insertBefore(item, later || null);
    while (seen.has(lastSeq + 1)) lastSeq += 1;
    body.dataset.chatLastSeq = String(lastSeq);
    scrollDown();
  }

  function queue(text) {
    const clientId = newClientId();
    dropEmptyNote();
    const item = element({ sender: role, sender_name: "", body: text, client_id: clientId }, true);
    list.append(item);
    pending.set(clientId, { body: text, element: item });
    scrollDown();
    send({ type: "chat.send", client_id: clientId, body: text });
  }

  function flushPending() {
    for (const [clientId, { body: text }] of pending) send({ type: "chat.send", client_id: clientId, body: text });
  }

  form.addEventListener("submit", (event) => {
    const text = textarea.value.trim();
    // Empty, too long, or a connection that never worked: the server's form answers (and keeps the text).
    if (!text || text.length > maxLength || (!everOpened && attempts >= 3)) return;
    event.preventDefault();
    queue(text);
    textarea.value = "";
    textarea.focus();
  });
  textarea.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      form.requestSubmit();
    }
  });

  // --- The call ---------------------------------------------------------------------------------------

  const callSection = document.querySelector("[data-call]");
  const call = callSection ? new Call({
    section: callSection, role, mode: root.dataset.mode, iceServers, texts,
    send: (data) => send({ type: "signal", data }),
  }) : null;

  // --- The connection ---------------------------------------------------------------------------------

  function handle(message) {
    switch (message.type) {
      case "chat.message":
        show(message);
        break;
      case "chat.synced":
        flushPending();
        break;
      case "signal":
        if (call) call.onSignal(message.data);
        break;
      case "session.peer": {
        // Counted by connection: a reconnect may be announced before the old socket's goodbye.
        const before = peerConnections.size;
        if (message.present) peerConnections.add(message.connection);
        else peerConnections.delete(message.connection);
        body.dataset.peer = peerConnections.size ? "present" : "absent";
        if (message.present) {
          answered(); // the citizen's page gets in only after they answered
          if (!before) say(texts.peer_joined);
          if (call) call.onPeer(true, message.instance || "");
        } else if (!peerConnections.size) {
          say(texts.peer_left);
          if (call) call.onPeer(false, message.instance || "");
        }
        break;
      }
      case "session.ended":
        finished = true;
        if (call) call.end();
        say(texts.ended);
        window.location.assign(message.survey_url || message.url || root.dataset.consoleUrl);
        break;
      case "session.document":
        document.dispatchEvent(new CustomEvent("attention:document", { detail: message }));
        break;
      case "error":
        if (message.client_id && pending.has(message.client_id)) {
          const entry = pending.get(message.client_id);
          if (message.code === "rate_limited") {
            window.setTimeout(() => send({ type: "chat.send", client_id: message.client_id, body: entry.body }), 1500);
            break;
          }
          pending.delete(message.client_id);
          entry.element.classList.remove("is-pending");
          entry.element.querySelector(".chat-meta span:last-child").textContent = texts.send_failed + message.message;
        } else {
          say(message.message, true);
        }
        break;
      default:
        break;
    }
  }

  function connect() {
    const scheme = window.location.protocol === "https:" ? "wss" : "ws";
    socket = new WebSocket(`${scheme}://${window.location.host}${root.dataset.wsPath}?i=${instance}`);
    body.dataset.wsState = "connecting";
    socket.addEventListener("open", () => {
      mark("socket");
      attempts = 0;
      everOpened = true;
      body.dataset.wsState = "open";
      if (status.classList.contains("is-error") || !status.textContent.trim()) say(texts.waiting_peer);
      send({ type: "chat.sync", after: lastSeq });
    });
    socket.addEventListener("message", (event) => {
      let message;
      try {
        message = JSON.parse(event.data);
      } catch {
        return;
      }
      handle(message);
    });
    socket.addEventListener("close", (event) => {
      body.dataset.wsState = "closed";
      body.dataset.peer = "unknown";
      peerConnections.clear(); // told again after the reconnect
      if (finished) return;
      if (event.code === 4403 || event.code === 4410) {
        // Not (or no longer) a participant, or the session is over: the server's page says why.
        window.location.reload();
        return;
      }
      say(texts.reconnecting, true);
      const backoff = Math.min(15000, 500 * 2 ** attempts) * (0.5 + Math.random() / 2);
      attempts += 1;
      window.setTimeout(connect, Math.max(backoff, holdUntil - Date.now()));
    });
  }

  window.addEventListener("online", () => {
    if (socket && socket.readyState === WebSocket.CLOSED && Date.now() >= holdUntil) connect();
  });

  // Test and support hook: cut the connection for `ms` milliseconds, as a network drop would.
  window.oficinaSession = {
    dropConnection(ms = 0) {
      holdUntil = Date.now() + ms;
      if (socket) socket.close(3000, "dropped");
    },
    get lastSeq() { return lastSeq; },
    get pending() { return pending.size; },
    call,
    timings,
  };

  say(texts.connecting);
  connect();
  if (call) call.start();
}
