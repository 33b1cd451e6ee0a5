// The waiting room, live: position and estimated wait over ws/atencion/sala/, polling /atencion/sala/estado/
// when WebSockets fail. Without JavaScript the page still works (the "Actualizar" link).
const root = document.querySelector("[data-waiting-room]");

if (root) {
  const live = root.querySelector("[data-live-region]");
  const answerForm = root.querySelector("[data-answer-form]");
  const PING_MS = 20000;
  const POLL_MS = 5000;
  let socket = null;
  let pingTimer = null;
  let pollTimer = null;
  let failures = 0;
  let finished = false;

  // Called: the session page's styles and scripts are fetched now, while the citizen reads the call, so
  // that after "Atender la llamada" that page starts its call without waiting for them.
  const prefetchSession = () => {
    for (const href of (root.dataset.sessionAssets || "").split(" ").filter(Boolean)) {
      if (document.head.querySelector(`link[rel="prefetch"][href="${href}"]`)) continue;
      const link = document.createElement("link");
      link.rel = "prefetch";
      link.href = href;
      document.head.append(link);
    }
  };

  const format = (template, values) =>
    template.replace(/%\((\w+)\)s/g, (_, name) => String(values[name] ?? ""));

  const say = (lines) => {
    live.replaceChildren(...lines.map((text) => {
      const p = document.createElement("p");
      p.textContent = text;
      return p;
    }));
  };

  const show = (message) => {
    if (message.type === "waiting.position" && message.status === "waiting") {
      answerForm.hidden = true;
      const position = message.position;
      const first = position <= 1;
      say([
        first ? root.dataset.msgFirst : format(root.dataset.msgPosition, { ahead: position - 1, position }),
        format(root.dataset.msgWait, { minutes: message.estimated_wait_minutes }),
      ]);
    } else if (message.type === "waiting.called" || message.status === "called") {
      say([root.dataset.msgCalled]);
      answerForm.hidden = false;
      prefetchSession();
      const button = answerForm.querySelector("button");
      if (button) button.focus();
    } else if (message.type === "waiting.position" && message.session_url) {
      window.location.assign(message.session_url);
    } else if (message.type === "waiting.removed") {
      finished = true;
      answerForm.hidden = true;
      say([message.message]);
      stop();
    }
  };

  const stop = () => {
    clearInterval(pingTimer);
    clearInterval(pollTimer);
    pollTimer = null;
    if (socket) socket.close();
  };

  const poll = async () => {
    try {
      const response = await fetch(root.dataset.stateUrl, { headers: { Accept: "application/json" },
                                                          credentials: "same-origin" });
      if (response.ok) show(await response.json());
    } catch (error) {
      // offline for a moment: the next poll tries again
    }
  };

  const startPolling = () => {
    if (pollTimer || finished) return;
    poll();
    pollTimer = setInterval(poll, POLL_MS);
  };

  const connect = () => {
    if (finished) return;
    const scheme = window.location.protocol === "https:" ? "wss:" : "ws:";
    socket = new WebSocket(`${scheme}//${window.location.host}${root.dataset.wsPath}`);
    socket.addEventListener("open", () => {
      failures = 0;
      clearInterval(pollTimer);
      pollTimer = null;
      clearInterval(pingTimer);
      pingTimer = setInterval(() => socket.send(JSON.stringify({ type: "waiting.ping" })), PING_MS);
    });
    socket.addEventListener("message", (event) => {
      try {
        show(JSON.parse(event.data));
      } catch (error) {
        // ignore a malformed message
      }
    });
    socket.addEventListener("close", () => {
      clearInterval(pingTimer);
      if (finished) return;
      failures += 1;
      if (failures >= 2) startPolling();
      setTimeout(connect, Math.min(30000, 1000 * 2 ** Math.min(failures, 5)));
    });
  };

  if ("WebSocket" in window) connect();
  else startPolling();
}
