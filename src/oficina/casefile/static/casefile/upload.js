// Upload forms of the personal file: send with XMLHttpRequest to show a progress bar.
// Without JavaScript (or without FormData/XHR) the form posts normally and the server answers the same.
// The server answers JSON {redirect} when the document was saved, or the page again (HTML) with the
// errors next to the fields; then <main> is swapped for the new one. If the connection drops, the form
// stays as it was (file included) and a message asks to press the button again.

const FORM = "form[data-upload-progress]";

function parts(form) {
  return {
    box: form.querySelector("[data-upload-progress-box]"),
    bar: form.querySelector("progress"),
    status: form.querySelector("[data-upload-status]"),
    button: form.querySelector("button[type=submit]"),
  };
}

function say(form, text, isError = false) {
  const { status } = parts(form);
  status.textContent = text;
  status.classList.toggle("is-error", isError);
}

function finish(form, text) {
  const { box, button } = parts(form);
  box.hidden = true;
  button.disabled = false;
  say(form, text, true);
}

function swapMain(html) {
  const doc = new DOMParser().parseFromString(html, "text/html");
  const fresh = doc.querySelector("main");
  const current = document.querySelector("main");
  if (!fresh || !current) return false;
  current.replaceWith(document.importNode(fresh, true));
  if (doc.title) document.title = doc.title;
  const summary = document.querySelector("[data-error-summary]");
  if (summary) summary.focus();
  return true;
}

function send(form) {
  const { box, bar, button } = parts(form);
  const xhr = new XMLHttpRequest();
  let announced = -1;
  xhr.open("POST", form.action);
  xhr.setRequestHeader("Accept", "application/json, text/html;q=0.9");
  xhr.upload.addEventListener("progress", (event) => {
    if (!event.lengthComputable) return;
    const percent = Math.floor((event.loaded / event.total) * 100);
    bar.value = percent;
    bar.textContent = `${percent} %`;
    const step = Math.floor(percent / 10) * 10; // announce every 10 %, not every event
    if (step !== announced) {
      announced = step;
      say(form, `${form.dataset.msgSending}: ${step} %`);
    }
  });
  xhr.upload.addEventListener("load", () => say(form, form.dataset.msgChecking));
  xhr.addEventListener("load", () => {
    const type = xhr.getResponseHeader("Content-Type") || "";
    const target = new URL(form.action, window.location.href);
    if (xhr.responseURL && new URL(xhr.responseURL).pathname !== target.pathname) {
      window.location.assign(xhr.responseURL); // e.g. the session ended: the sign-in page
      return;
    }
    if (xhr.status === 413) {
      // Refused at the door (core/body_limit.py) before Django saw it: keep the form as it is.
      finish(form, form.dataset.msgTooLarge);
      return;
    }
    if (xhr.status < 300 && type.startsWith("application/json")) {
      window.location.assign(JSON.parse(xhr.responseText).redirect);
      return;
    }
    if (xhr.status < 500 && type.startsWith("text/html") && swapMain(xhr.responseText)) return;
    finish(form, form.dataset.msgServer);
  });
  for (const failure of ["error", "abort", "timeout"]) {
    xhr.addEventListener(failure, () => finish(form, form.dataset.msgNetwork));
  }
  box.hidden = false;
  bar.value = 0;
  button.disabled = true;
  say(form, `${form.dataset.msgSending}: 0 %`);
  xhr.send(new FormData(form));
}

if (window.FormData && window.XMLHttpRequest && window.DOMParser) {
  // Delegated: the form may be replaced after a refused upload.
  document.addEventListener("submit", (event) => {
    const form = event.target instanceof HTMLFormElement ? event.target.closest(FORM) : null;
    if (!form) return;
    event.preventDefault();
    send(form);
  });
}
