// The console, live: the queue over ws/atencion/puesto/ (polling /atencion/puesto/estado/ when WebSockets
// fail); when the called citizen answers, the console goes to the session (link "Ir a la atención").
const root = document.querySelector("[data-console]");

if (root) {
  const queue = root.querySelector("[data-queue]");
  const online = root.querySelector("[data-online]");
  const started = root.querySelector("[data-session-started]");
  const POLL_MS = 5000;
  let pollTimer = null;
  let failures = 0;

  const format = (template, values) =>
    template.replace(/%\((\w+)\)s/g, (_, name) => String(values[name] ?? ""));

  const cell = (tag, text, scope) => {
    const element = document.createElement(tag);
    element.textContent = text;
    if (scope) element.scope = scope;
    return element;
  };

  const render = (snapshot) => {
    online.textContent = format(root.dataset.msgOnline, { online: snapshot.online });
    if (!snapshot.tickets.length) {
      queue.replaceChildren(cell("p", root.dataset.msgEmpty));
      return;
    }
    let table = queue.querySelector("table");
    if (!table) {
      table = document.createElement("table");
      table.className = "queue";
      const caption = cell("caption", root.dataset.msgCaption);
      caption.className = "visually-hidden";
      const head = document.createElement("thead");
      const headRow = document.createElement("tr");
      headRow.append(...root.dataset.msgHeaders.split("|").map((text) => cell("th", text, "col")));
      head.append(headRow);
      table.append(caption, head, document.createElement("tbody"));
      queue.replaceChildren(table);
    }
    const body = table.querySelector("tbody");
    body.replaceChildren(...snapshot.tickets.map((ticket) => {
      const row = document.createElement("tr");
      row.append(cell("td", ticket.number), cell("td", ticket.service),
                 cell("td", `${Math.round(ticket.waiting_seconds / 60)} min`), cell("td", ticket.status_label));
      return row;
    }));
  };

  const goTo = (url) => {
    const link = document.createElement("a");
    link.href = url;
    link.textContent = root.dataset.msgGo;
    started.replaceChildren(link);
    started.hidden = false;
    window.location.assign(url);
  };

  const handle = (message) => {
    if (message.type === "queue.snapshot") {
      render(message);
      if (message.current && message.current.url) goTo(message.current.url);
    } else if (message.type === "console.session_started") {
      goTo(message.url);
    }
  };

  const poll = async () => {
    try {
      const response = await fetch(root.dataset.stateUrl, { credentials: "same-origin" });
      if (response.ok) handle(await response.json());
    } catch (error) {
      // try again at the next tick
    }
  };

  const connect = () => {
    const scheme = window.location.protocol === "https:" ? "wss:" : "ws:";
    const socket = new WebSocket(`${scheme}//${window.location.host}${root.dataset.wsPath}`);
    socket.addEventListener("open", () => {
      failures = 0;
      clearInterval(pollTimer);
      pollTimer = null;
    });
    socket.addEventListener("message", (event) => {
      try {
        handle(JSON.parse(event.data));
      } catch (error) {
        // ignore
      }
    });
    socket.addEventListener("close", () => {
      failures += 1;
      if (failures >= 2 && !pollTimer) pollTimer = setInterval(poll, POLL_MS);
      setTimeout(connect, Math.min(30000, 1000 * 2 ** Math.min(failures, 5)));
    });
  };

  if ("WebSocket" in window) connect();
  else pollTimer = setInterval(poll, POLL_MS);
}
