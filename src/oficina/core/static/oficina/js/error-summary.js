// When a form comes back with errors, move focus to the summary at the top so that screen readers
// announce it and keyboard users start from the list of problems (each links to its field).
const summary = document.querySelector("[data-error-summary]");
if (summary) {
  if (!summary.hasAttribute("tabindex")) summary.setAttribute("tabindex", "-1");
  summary.focus();
}
