// paperboy: keyboard shortcuts, an enhancement only (every page works without them).
// j / k move between paper cards, v upvotes the selected one (signed in), / goes to search,
// ? opens the list of shortcuts (the <dialog> in layout.html; Esc closes it). Keys typed into
// a field, or with Ctrl, Alt or Meta, are left alone.
"use strict";

(() => {
  const typing = (target) =>
    target instanceof HTMLElement &&
    (target.isContentEditable || target.closest("input, textarea, select, [contenteditable]") !== null);

  // Paper cards, and search results (a list of their own).
  const CARD = "article.card, ol.results > li";
  const cards = () => [...document.querySelectorAll(CARD)];

  // The card holding the focus, if any.
  const current = () => document.activeElement?.closest?.(CARD) ?? null;

  function move(step) {
    const all = cards();
    if (all.length === 0) return;
    const at = all.indexOf(current());
    const next = at === -1 ? (step > 0 ? 0 : all.length - 1) : Math.min(all.length - 1, Math.max(0, at + step));
    // The title link takes the focus: focusable without a tabindex, and announced by name.
    const target = all[next].querySelector("h3 a, h2 a") ?? all[next];
    target.focus();
    target.scrollIntoView({ block: "nearest" });
  }

  function vote() {
    if (!document.querySelector('form[action="/signout"]')) return; // signed out: nothing to do
    const form = current()?.querySelector("form.vote");
    if (form instanceof HTMLFormElement) form.requestSubmit();
  }

  function search() {
    const field = document.querySelector("main input[type=search]") ?? document.getElementById("nav-q");
    if (field instanceof HTMLInputElement) {
      field.focus();
      field.select();
    }
  }

  function help() {
    const dialog = document.getElementById("keys-help");
    if (dialog instanceof HTMLDialogElement && !dialog.open) dialog.showModal();
  }

  document.addEventListener("keydown", (event) => {
    if (event.defaultPrevented || event.ctrlKey || event.altKey || event.metaKey) return;
    if (typing(event.target) || document.getElementById("keys-help")?.open) return;
    const action = { j: () => move(1), k: () => move(-1), v: vote, "/": search, "?": help }[event.key];
    if (action) {
      event.preventDefault();
      action();
    }
  });
})();
