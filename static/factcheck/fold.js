// On a phone the filter forms start folded: the list they filter is what a person came
// for. Their chips stay in view, and the summary opens them again.
document.addEventListener("DOMContentLoaded", () => {
  if (!window.matchMedia("(max-width: 40rem)").matches) return;
  for (const details of document.querySelectorAll("details[data-fold-on-phone]")) {
    details.open = false;
  }
});
