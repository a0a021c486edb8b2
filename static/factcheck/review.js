// The review page's own behaviour, the part htmx cannot do: turning a text
// selection into code-point offsets, opening claims and suggestions from
// highlights, the source picker, and keyboard shortcuts.
//
// Offsets: the browser counts UTF-16 code units, the server counts Unicode
// code points (Python str indices). Every segment of the rendered text
// carries its code-point start in data-s and holds exactly one text node, so
// a DOM boundary maps to an offset by counting code points in a prefix.
(() => {
  "use strict";

  const textEl = () => document.getElementById("article-text");
  const segments = () => Array.from(textEl()?.querySelectorAll("[data-s]") ?? []);
  const codePoints = (s) => Array.from(s);
  const segStart = (seg) => Number(seg.dataset.s);
  const segEnd = (seg) => segStart(seg) + codePoints(seg.textContent).length;

  let lastSelection = null;

  // Map a selection boundary to a code-point offset. `side` says which way
  // to snap when the boundary falls between segments.
  function boundaryOffset(node, offset, side) {
    const container = textEl();
    if (!container || !container.contains(node)) return null;
    if (node.nodeType === Node.TEXT_NODE) {
      const seg = node.parentElement.closest("[data-s]");
      if (seg && container.contains(seg)) {
        return segStart(seg) + codePoints(node.data.slice(0, offset)).length;
      }
    }
    const point = document.createRange();
    point.setStart(node, offset);
    const all = segments();
    if (side === "start") {
      const after = all.find((seg) => point.comparePoint(seg, 0) >= 0);
      return after ? segStart(after) : null;
    }
    const before = all.filter((seg) => point.comparePoint(seg, seg.childNodes.length) <= 0);
    return before.length ? segEnd(before[before.length - 1]) : null;
  }

  // The article text between two offsets, rebuilt from the segments; the
  // gaps between paragraphs are line breaks.
  function textBetween(start, end) {
    let out = "";
    let pos = start;
    for (const seg of segments()) {
      const s0 = segStart(seg);
      const chars = codePoints(seg.textContent);
      const s1 = s0 + chars.length;
      if (s1 <= start || s0 >= end) continue;
      if (s0 > pos) out += "\n".repeat(s0 - pos);
      const a = Math.max(start, s0) - s0;
      const b = Math.min(end, s1) - s0;
      out += chars.slice(a, b).join("");
      pos = s0 + b;
    }
    return out;
  }

  // The current selection inside the article, trimmed of surrounding blanks.
  function readSelection() {
    const selection = window.getSelection();
    if (!selection || selection.isCollapsed || selection.rangeCount === 0) return null;
    const range = selection.getRangeAt(0);
    let start = boundaryOffset(range.startContainer, range.startOffset, "start");
    let end = boundaryOffset(range.endContainer, range.endOffset, "end");
    if (start === null || end === null || end <= start) return null;
    let text = textBetween(start, end);
    const chars = codePoints(text);
    let lead = 0;
    while (lead < chars.length && /\s/u.test(chars[lead])) lead++;
    let trail = chars.length;
    while (trail > lead && /\s/u.test(chars[trail - 1])) trail--;
    if (trail <= lead) return null;
    text = chars.slice(lead, trail).join("");
    end = start + trail;
    start += lead;
    return { start, end, text, rect: range.getBoundingClientRect() };
  }

  function showAddButton(found) {
    const form = document.getElementById("claim-create-form");
    if (!form) return;
    if (!found) {
      form.hidden = true;
      return;
    }
    form.elements.start.value = found.start;
    form.elements.end.value = found.end;
    form.elements.text.value = found.text;
    form.hidden = false;
    form.style.top = `${window.scrollY + found.rect.bottom + 6}px`;
    form.style.left = `${window.scrollX + found.rect.left}px`;
  }

  function onSelectionDone() {
    const found = readSelection();
    if (found) lastSelection = found;
    showAddButton(found);
  }

  function addClaimFromSelection() {
    const found = readSelection() ?? lastSelection;
    const form = document.getElementById("claim-create-form");
    if (!found || !form) return;
    showAddButton(found);
    form.requestSubmit();
  }

  function openClaim(id) {
    const link = document.querySelector(`.claim-link[data-claim="${id}"]`);
    if (link) link.click();
  }

  function currentClaim() {
    return document.getElementById("claim-panel")?.dataset.claim ?? null;
  }

  // Suggestions: dashed highlights, opened like claims but with n / p.
  function openSuggestion(id) {
    const link = document.querySelector(`.suggestion-link[data-suggestion="${id}"]`);
    if (link) link.click();
  }

  function currentSuggestion() {
    return document.getElementById("suggestion-panel")?.dataset.suggestion ?? null;
  }

  function stepSuggestion(delta) {
    const links = Array.from(document.querySelectorAll(".suggestion-link"));
    if (!links.length) return;
    const index = links.findIndex((link) => link.dataset.suggestion === currentSuggestion());
    const next = index === -1 ? (delta > 0 ? 0 : links.length - 1) : index + delta;
    if (next >= 0 && next < links.length) links[next].click();
  }

  // The open suggestion's card, when it can still be decided.
  function pendingCard() {
    const card = document.getElementById("suggestion-panel");
    return card && card.dataset.state === "pending" ? card : null;
  }

  function acceptSuggestion() {
    pendingCard()?.querySelector("#sg-accept-form")?.requestSubmit();
  }

  function rejectSuggestion() {
    pendingCard()?.querySelector("#sg-reject-form")?.requestSubmit();
  }

  function editSuggestion() {
    const details = pendingCard()?.querySelector("#sg-edit");
    if (!details) return;
    details.open = true;
    details.querySelector("input[name=source_name]")?.focus();
  }

  // The claim the last j / k asked for, until its panel is in place: keys
  // pressed faster than panels arrive still step one claim each, and only the
  // last one's panel is fetched to the end.
  let steppingTo = null;
  let steppingLink = null;

  function stepClaim(delta) {
    const links = Array.from(document.querySelectorAll(".claim-link"));
    if (!links.length) return;
    const from = steppingTo ?? currentClaim();
    const index = links.findIndex((link) => link.dataset.claim === from);
    const next = index === -1 ? (delta > 0 ? 0 : links.length - 1) : index + delta;
    if (next < 0 || next >= links.length) return;
    if (steppingLink) htmx.trigger(steppingLink, "htmx:abort");
    steppingTo = links[next].dataset.claim;
    steppingLink = links[next];
    steppingLink.click();
  }

  function stepDone() {
    steppingTo = null;
    steppingLink = null;
  }

  function markActive() {
    document
      .querySelectorAll(".active, .sg-part-active")
      .forEach((el) => el.classList.remove("active", "sg-part-active"));
    const id = currentClaim();
    const sid = currentSuggestion();
    let first = null;
    if (id) {
      document
        .querySelectorAll(`#article-text [data-claim="${id}"], .claim-link[data-claim="${id}"]`)
        .forEach((el) => el.classList.add("active"));
      first = document.querySelector(`#article-text [data-claim="${id}"]`);
    } else if (sid) {
      document
        .querySelectorAll(
          `#article-text [data-suggestions~="${sid}"], .suggestion-link[data-suggestion="${sid}"]`,
        )
        .forEach((el) => el.classList.add("active"));
      // Its source mention and cue, which may lie outside the claim span.
      document
        .querySelectorAll(`#article-text [data-mentions~="${sid}"]`)
        .forEach((el) => el.classList.add("sg-part-active"));
      first = document.querySelector(`#article-text [data-suggestions~="${sid}"]`);
    }
    first?.scrollIntoView({ block: "nearest" });
  }

  // A key that would replace a verdict, or an undo that would delete a new
  // claim, first asks in the panel: the same key again or Enter goes ahead,
  // any other key cancels.
  let pending = null;

  // Submit through htmx even when a key comes right after a swap, before
  // htmx has wired the new form (a plain post would leave the page).
  function submit(form) {
    window.htmx?.process(form);
    form.requestSubmit();
  }

  function askFirst(key, message, run) {
    const prompt = document.getElementById("key-confirm");
    if (!prompt) return;
    pending = { key, run };
    prompt.textContent = message;
    prompt.hidden = false;
  }

  // A word in the same place that asks nothing: the next key hides it.
  function tell(message) {
    const prompt = document.getElementById("key-confirm");
    if (!prompt) return;
    pending = null;
    prompt.textContent = message;
    prompt.hidden = false;
  }

  function clearPending() {
    pending = null;
    const prompt = document.getElementById("key-confirm");
    if (prompt) {
      prompt.hidden = true;
      prompt.textContent = "";
    }
  }

  const NOT_VERDICTS = new Set(["unverified", "in_progress"]);
  const optionLabel = (option) => option.textContent.replace(/^\s*\d+\s*·\s*/, "").trim();

  function setStatus(number) {
    const form = document.getElementById("status-form");
    const select = form?.elements.status;
    if (!select || number > select.options.length) return;
    const run = () => {
      select.selectedIndex = number - 1;
      submit(form);
    };
    const current = document.getElementById("claim-panel")?.dataset.status;
    const next = select.options[number - 1];
    if (next.value === current) {
      // Nothing to change: say so rather than send a request that changes nothing.
      return tell(`The claim is already “${optionLabel(next)}”: nothing changed.`);
    }
    if (!current || NOT_VERDICTS.has(current)) return run();
    const now = Array.from(select.options).find((option) => option.value === current);
    askFirst(
      String(number),
      `This claim already has the verdict “${now ? optionLabel(now) : current}”. ` +
        `Press ${number} again or Enter to set “${optionLabel(next)}”; any other key cancels.`,
      run,
    );
  }

  function undo() {
    const form = document.getElementById("undo-form");
    if (!form) return;
    if (document.getElementById("claim-panel")?.hasAttribute("data-undo-deletes")) {
      askFirst(
        "u",
        "Undo would delete this claim you just added. Press u again or Enter to delete it; " +
          "any other key cancels.",
        () => submit(form),
      );
      return;
    }
    submit(form);
  }

  function openSourcePicker() {
    const details = document.getElementById("add-attribution");
    if (!details) return;
    details.open = true;
    document.getElementById("source-search")?.focus();
  }

  function toggleShortcuts(show) {
    const overlay = document.getElementById("shortcuts");
    if (!overlay) return;
    overlay.hidden = !show;
    if (show) overlay.querySelector("[data-shortcuts-close]").focus();
  }

  // Below 1,024 px the panel is a drawer over the text (app.css): it opens
  // with a claim or suggestion, and closing it returns focus to the highlight.
  const narrow = window.matchMedia("(max-width: 1023px)");

  function openDrawer() {
    const panel = document.getElementById("panel");
    if (!panel || !narrow.matches) return false;
    if (!document.getElementById("claim-panel") && !document.getElementById("suggestion-panel")) {
      return false;
    }
    const opened = !panel.classList.contains("drawer-open");
    panel.classList.add("drawer-open");
    return opened;
  }

  function closeDrawer() {
    const panel = document.getElementById("panel");
    if (!panel?.classList.contains("drawer-open")) return;
    panel.classList.remove("drawer-open");
    const id = currentClaim();
    const sid = currentSuggestion();
    const highlight =
      (id && document.querySelector(`#article-text [data-claim="${id}"]`)) ||
      (sid && document.querySelector(`#article-text [data-suggestions~="${sid}"]`));
    if (highlight) {
      highlight.tabIndex = -1;
      highlight.focus();
    }
  }

  function useSelectionAsMention(button) {
    const form = button.closest("form");
    if (!lastSelection || !form) return;
    form.elements.mention_text.value = lastSelection.text;
    form.elements.mention_start.value = lastSelection.start;
    form.elements.mention_end.value = lastSelection.end;
  }

  function pick(option) {
    const picker = option.closest(".picker");
    const hidden = picker.querySelector("input[type=hidden]");
    hidden.value = option.dataset.pick;
    picker.querySelector(".picked").textContent = `Picked: ${option.dataset.name}`;
    picker.querySelector(".options").replaceChildren();
    picker.querySelector("input[type=search]").value = option.dataset.name;
    picker.querySelector("input[type=search]").focus();
  }

  const typing = (el) => el.closest("input, textarea, select, [contenteditable]");

  document.addEventListener("mouseup", (event) => {
    if (event.target.closest("#claim-create-form")) return;
    if (textEl()?.contains(event.target)) {
      setTimeout(onSelectionDone, 0);
    } else if (!event.target.closest("#panel")) {
      showAddButton(null);
    }
  });

  document.addEventListener("keyup", (event) => {
    if (event.shiftKey && textEl()?.contains(window.getSelection()?.anchorNode ?? null)) {
      onSelectionDone();
    }
  });

  document.addEventListener("click", (event) => {
    const option = event.target.closest(".option[data-pick]");
    if (option) return pick(option);
    if (event.target.closest("[data-use-selection]")) {
      return useSelectionAsMention(event.target.closest("[data-use-selection]"));
    }
    if (event.target.closest("[data-shortcuts-open]")) return toggleShortcuts(true);
    if (event.target.closest("[data-shortcuts-close]")) return toggleShortcuts(false);
    if (event.target.closest("[data-drawer-close]")) return closeDrawer();
    if (!window.getSelection().isCollapsed) return;
    const suggested = event.target.closest(
      '#article-text [data-opens="suggestion"], #article-text .sg-mark',
    );
    if (suggested) return openSuggestion(suggested.dataset.suggestion);
    const highlight = event.target.closest("#article-text [data-claim]");
    if (highlight) openClaim(highlight.dataset.claim);
  });

  document.addEventListener("input", (event) => {
    // A typed mention no longer points at the text it was taken from.
    if (event.target.name === "mention_text") {
      const form = event.target.form;
      form.elements.mention_start.value = "";
      form.elements.mention_end.value = "";
    }
    if (event.target.type === "search") {
      const hidden = event.target.closest(".picker")?.querySelector("input[type=hidden]");
      if (hidden) hidden.value = "";
    }
  });

  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && pending) {
      clearPending();
      return;
    }
    if (event.key === "Escape") {
      const overlay = document.getElementById("shortcuts");
      const overlayOpen = overlay && !overlay.hidden;
      toggleShortcuts(false);
      if (typing(event.target)) event.target.blur();
      else if (!overlayOpen) closeDrawer();
      return;
    }
    if (event.key === "ArrowDown" && event.target.type === "search") {
      const first = event.target.closest(".picker")?.querySelector(".option");
      if (first) {
        event.preventDefault();
        first.focus();
      }
      return;
    }
    if (typing(event.target) || event.ctrlKey || event.metaKey || event.altKey) return;
    if (!textEl()) return;
    const key = event.key;
    if (!pending && !["Shift", "Control", "Alt", "Meta"].includes(key)) clearPending();
    if (pending && !["Shift", "Control", "Alt", "Meta"].includes(key)) {
      const { key: wanted, run } = pending;
      clearPending();
      event.preventDefault();
      if (key === wanted || key === "Enter") run();
      return;
    }
    // Enter on a focused link, button or summary keeps its own meaning.
    if (key === "Enter" && event.target.closest("a, button, summary")) return;
    const actions = {
      j: () => stepClaim(1),
      k: () => stepClaim(-1),
      n: () => stepSuggestion(1),
      p: () => stepSuggestion(-1),
      Enter: acceptSuggestion,
      y: acceptSuggestion,
      e: editSuggestion,
      x: rejectSuggestion,
      a: addClaimFromSelection,
      s: openSourcePicker,
      u: undo,
      "?": () => toggleShortcuts(true),
    };
    if (actions[key]) {
      event.preventDefault();
      actions[key]();
    } else if (/^[1-7]$/.test(key)) {
      event.preventDefault();
      setStatus(Number(key));
    }
  });

  // A panel action sends back only the stretch of text it changed, as <template>s
  // in #text-patches (views/review.py, _text_changes): each replaces the pieces of
  // one paragraph from the piece at data-from up to the one at data-to (or the end).
  function applyTextPatches() {
    const box = document.getElementById("text-patches");
    if (!box?.children.length) return;
    for (const patch of Array.from(box.querySelectorAll("template"))) {
      const para = document.getElementById(`para-${patch.dataset.paragraph}`);
      const first = para?.querySelector(`:scope > [data-s="${patch.dataset.from}"]`);
      const end = patch.dataset.to
        ? para?.querySelector(`:scope > [data-s="${patch.dataset.to}"]`)
        : null;
      if (!first || (patch.dataset.to && !end)) {
        // The page is out of step with the text: show it whole again.
        window.location.reload();
        return;
      }
      for (let node = first; node && node !== end; ) {
        const next = node.nextSibling;
        node.remove();
        node = next;
      }
      para.insertBefore(patch.content.cloneNode(true), end);
    }
    box.replaceChildren();
  }

  document.addEventListener("htmx:oobAfterSwap", (event) => {
    if (event.detail.target?.id === "text-patches") {
      applyTextPatches();
      markActive();
    }
  });

  document.addEventListener("htmx:afterSwap", (event) => {
    if (event.detail.target.id === "panel") {
      if (currentClaim() === steppingTo) stepDone();
      applyTextPatches();
      pending = null;
      showAddButton(null);
      markActive();
      const panel =
        document.getElementById("claim-panel") ?? document.getElementById("suggestion-panel");
      const active = document.activeElement;
      const drawerOpened = openDrawer();
      if (
        panel &&
        (drawerOpened || !active || active === document.body || !document.contains(active))
      ) {
        panel.focus({ preventScroll: true });
      }
    }
  });

  // A step whose panel never came (an error, the network) steps from the open claim again.
  document.addEventListener("htmx:responseError", stepDone);
  document.addEventListener("htmx:sendError", stepDone);

  document.addEventListener("DOMContentLoaded", () => {
    markActive();
    openDrawer();
  });
})();
