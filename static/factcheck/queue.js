// Select every claim on the page at once, the one thing on the queue htmx cannot do.
document.addEventListener("change", (event) => {
  const all = event.target.closest("[data-select-all]");
  if (!all) return;
  for (const box of document.querySelectorAll("#results input[name=claims]")) {
    box.checked = all.checked;
  }
});
