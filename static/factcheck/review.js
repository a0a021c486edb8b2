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

  function currentClaim() {
    return document.getElementById("claim-panel")?.dataset.claim ?? null;
  }

  // Claims open without htmx: the list's 1,000 links stay plain <a href> (they work
  // without JavaScript), one handler opens them all, and the panels of the claims
  // around the open one are fetched ahead, so that j / k show them from memory
  // instead of waiting for the server (issue 12).
  const claimLinks = () => Array.from(document.querySelectorAll(".claim-link"));
  const afterFrame = (run) => requestAnimationFrame(() => setTimeout(run, 0));
  const claimLink = (id) => document.querySelector(`.claim-link[data-claim="${id}"]`);

  // How many claims on each side of the open one have their panels fetched ahead: two,
  // so that keys pressed as fast as panels show still find the next one fetched.
  const AHEAD = 2;
  // Fetched panels by claim id: { generation, at, html (a promise), parsed }. Every change
  // made from this page (any htmx request but a GET) starts a new generation, and a panel
  // of an older generation, or older than PANEL_TTL_MS, is never shown. A change made
  // elsewhere meanwhile shows a moment after the panel does (`revalidate`).
  const PANEL_TTL_MS = 20000;
  const panels = new Map();
  let generation = 0;

  function forgetPanels() {
    generation += 1;
    panels.clear();
  }

  function fetchPanel(url, signal) {
    return fetch(url, {
      headers: { "HX-Request": "true" },
      credentials: "same-origin",
      cache: "no-store",
      signal,
    })
      // Redirected: most likely to the login page, which is no panel.
      .then((response) => (response.ok && !response.redirected ? response.text() : null))
      .catch(() => null);
  }

  const fresh = (entry) =>
    entry?.generation === generation && performance.now() - entry.at < PANEL_TTL_MS;

  function parse(html) {
    const template = document.createElement("template");
    template.innerHTML = html;
    return template.content;
  }

  function remember(id, html) {
    const entry = { generation, at: performance.now(), html, parsed: null };
    panels.set(id, entry);
    html.then((text) => {
      // A panel that could not be fetched is fetched again when asked for.
      if (text === null && panels.get(id) === entry) panels.delete(id);
      // Parsed ahead, once the frame in hand is drawn.
      afterFrame(() => {
        if (text !== null && panels.get(id) === entry) entry.parsed ??= parse(text);
      });
    });
  }

  function prefetch(id) {
    const link = claimLink(id);
    if (link && !fresh(panels.get(id))) remember(id, fetchPanel(link.href));
  }

  // After a panel is in place: keep the claim's own answer, if it was a plain GET, and
  // fetch its neighbours', nearest first; with no claim open, j opens the first claim
  // and k the last.
  function prefetchAround(id, html) {
    const links = claimLinks();
    const index = links.findIndex((link) => link.dataset.claim === id);
    const near = [];
    if (index === -1) near.push(links[0], links[links.length - 1]);
    for (let step = 1; index !== -1 && step <= AHEAD; step++) {
      near.push(links[index + step], links[index - step]);
    }
    const keep = new Set(near.filter(Boolean).map((link) => link.dataset.claim));
    for (const key of panels.keys()) if (key !== id && !keep.has(key)) panels.delete(key);
    if (id && html !== null) remember(id, Promise.resolve(html));
    // After the panel shown is drawn: the requests must not hold up its frame.
    afterFrame(() => keep.forEach(prefetch));
  }

  // The claim last asked for (a click, j or k) until its panel is in place: keys
  // pressed faster than panels arrive still step one claim each, and only the last
  // one's panel is shown.
  let steppingTo = null;
  let stepping = null;

  async function openClaim(id) {
    const link = claimLink(id);
    if (!link) return;
    stepping?.abort();
    const asked = new AbortController();
    stepping = asked;
    steppingTo = id;
    const started = generation;
    const entry = panels.get(id);
    let html = fresh(entry) ? await entry.html : null;
    // Something changed while the panel was on its way: it may not show the change.
    if (!fresh(entry)) html = null;
    const fromMemory = html !== null;
    let parsed = null;
    if (html !== null && entry.parsed) {
      parsed = entry.parsed;
      entry.parsed = null; // A fragment can be put in place once.
    }
    html ??= await fetchPanel(link.href, asked.signal);
    if (stepping !== asked) return; // Another claim was asked for meanwhile.
    stepping = null;
    steppingTo = null;
    if (html === null) {
      // Let htmx fetch it again and show the error as it shows any other.
      htmx.ajax("GET", link.href, { source: link, target: "#panel" });
      return;
    }
    showPanel(parsed ?? parse(html), link.href);
    prefetchAround(id, generation === started ? html : null);
    if (fromMemory) revalidate(id, html, link.href);
  }

  // A panel shown from memory is asked for again at once: should someone else have
  // changed the claim since it was fetched, the answer takes its place a moment later,
  // unless the reviewer has already started on the panel (a save from it then meets
  // the claim's version check and shows the conflict). The forms' CSRF tokens differ
  // from one answer to the next and are left out of the comparison.
  let panelTouched = false;
  const CONTROLS = "input, select, textarea, button, summary, details, [contenteditable]";
  const withoutTokens = (html) => html.replace(/name="csrfmiddlewaretoken" value="[^"]*"/g, "");

  function revalidate(id, shown, url) {
    const started = generation;
    fetchPanel(url).then((html) => {
      if (html === null || generation !== started || currentClaim() !== id) return;
      if (panelTouched || withoutTokens(html) === withoutTokens(shown)) return;
      const panel = document.getElementById("panel");
      panel.replaceChildren(parse(html));
      htmx.process(panel);
      panelShown();
      panel.dispatchEvent(new CustomEvent("review:panel-shown", { bubbles: true }));
      remember(id, Promise.resolve(html));
    });
  }

  for (const type of ["input", "focusin", "toggle"]) {
    document.addEventListener(
      type,
      (event) => {
        // The panel itself takes focus when shown; only its controls count.
        const target = event.target;
        if (target instanceof Element && target.closest("#panel") && target.matches(CONTROLS)) {
          panelTouched = true;
        }
      },
      true,
    );
  }

  // Put a fetched claim panel in place: the panel's children replaced in one step and
  // only the new panel processed by htmx (its forms); then, after the frame that shows
  // it, its address pushed as htmx's hx-push-url does, so that Back restores the page
  // through htmx (the page keeps no snapshot of itself: hx-history="false").
  function showPanel(fragment, url) {
    const panel = document.getElementById("panel");
    panel.replaceChildren(fragment);
    panelTouched = false;
    htmx.process(panel);
    panelShown();
    // What htmx:afterSwap is to a panel htmx swapped (benchmark review waits for either).
    panel.dispatchEvent(new CustomEvent("review:panel-shown", { bubbles: true }));
    afterFrame(() => {
      if (location.href === url) return;
      if (!history.state?.htmx) history.replaceState({ htmx: true }, "", location.href);
      history.pushState({ htmx: true }, "", url);
    });
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

  function stepClaim(delta) {
    const links = claimLinks();
    if (!links.length) return;
    const from = steppingTo ?? currentClaim();
    const index = links.findIndex((link) => link.dataset.claim === from);
    const next = index === -1 ? (delta > 0 ? 0 : links.length - 1) : index + delta;
    if (next < 0 || next >= links.length) return;
    openClaim(links[next].dataset.claim);
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
    const panel = document.getElementById("claim-panel");
    if (!form && panel?.hasAttribute("data-locked")) {
      return tell(
        "This claim is signed off and locked: nothing can be undone until an editor reopens it.",
      );
    }
    if (!form && panel) {
      return tell("Nothing of yours to undo on this claim: u takes back your own last change.");
    }
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
  // with a claim or suggestion, or a question the person must answer (accept
  // all adding sources, a claim nearly another's), and closing it returns focus
  // to the highlight.
  const narrow = window.matchMedia("(max-width: 1023px)");

  function openDrawer() {
    const panel = document.getElementById("panel");
    if (!panel || !narrow.matches) return false;
    if (
      !document.getElementById("claim-panel") &&
      !document.getElementById("suggestion-panel") &&
      !panel.querySelector(".sg-ask")
    ) {
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

  // A picker's list says which words it answers (_source_options.html): on focus it
  // lists every source, and the filtered list arrives a moment after the typing. A key
  // pressed before it arrives waits for it, so the pick is made from what was typed.
  function freshOptions(search) {
    const list = search.closest(".picker")?.querySelector(".options");
    const answered = list?.querySelector("[data-query]");
    if (!answered || answered.dataset.query !== search.value.trim()) return null;
    return list;
  }

  function whenFresh(search, want) {
    const list = freshOptions(search);
    if (!list) {
      search.dataset.want = want;
      return;
    }
    delete search.dataset.want;
    const first = list.querySelector(".option");
    if (!first) return;
    if (want === "pick") pick(first);
    else first.focus();
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
    const listed = event.target.closest(".claim-link");
    if (listed) {
      // A new tab or window, as the link would open it.
      if (event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey || event.altKey) {
        return;
      }
      event.preventDefault();
      return openClaim(listed.dataset.claim);
    }
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
      const picked = event.target.closest(".picker")?.querySelector(".picked");
      if (picked) picked.textContent = "";
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
    const search = event.target.closest?.(".picker input[type=search]");
    if (search && (event.key === "ArrowDown" || event.key === "Enter")) {
      // Enter in the search box picks the first match; it never submits the form.
      event.preventDefault();
      whenFresh(search, event.key === "Enter" ? "pick" : "focus");
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

  // A new panel is in place, from htmx or from showPanel.
  function panelShown() {
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

  // Any request but a GET may change what a fetched panel shows: forget them all when it
  // leaves and again when it is answered (a panel fetched meanwhile may predate the change).
  const changes = (event) => event.detail.requestConfig?.verb !== "get";
  document.addEventListener("htmx:beforeRequest", (event) => {
    if (changes(event)) forgetPanels();
  });
  document.addEventListener("htmx:afterRequest", (event) => {
    if (changes(event)) forgetPanels();
  });

  document.addEventListener("htmx:afterSwap", (event) => {
    const search = event.detail.target.closest?.(".picker")?.querySelector("input[type=search]");
    if (search?.dataset.want && freshOptions(search)) whenFresh(search, search.dataset.want);
    if (event.detail.target.id === "panel") {
      panelShown();
      prefetchAround(currentClaim(), null);
    }
  });

  // Back from another tab or window, where the reviewer may have changed these claims.
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible" && textEl()) {
      forgetPanels();
      prefetchAround(currentClaim(), null);
    }
  });

  // Back or Forward fetched the page again (no snapshot is kept).
  document.addEventListener("htmx:historyRestore", () => {
    forgetPanels();
    stepping?.abort();
    stepping = null;
    steppingTo = null;
    markActive();
    prefetchAround(currentClaim(), null);
  });

  document.addEventListener("DOMContentLoaded", () => {
    markActive();
    openDrawer();
    if (textEl()) prefetchAround(currentClaim(), null);
  });
})();
