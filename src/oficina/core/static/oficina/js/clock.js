// Keeps the official time in the header current. Without JavaScript the server-rendered time stays.
const element = document.getElementById("official-time");
if (element) {
  const serverTime = Date.parse(element.getAttribute("datetime"));
  const offset = Number.isNaN(serverTime) ? 0 : serverTime - Date.now();
  const format = new Intl.DateTimeFormat("es-ES", {
    timeZone: "Europe/Madrid", day: "2-digit", month: "2-digit", year: "numeric",
    hour: "2-digit", minute: "2-digit",
  });
  const render = () => {
    const now = new Date(Date.now() + offset);
    element.textContent = format.format(now).replace(",", "");
    element.setAttribute("datetime", now.toISOString());
  };
  setInterval(render, 15000);
}
