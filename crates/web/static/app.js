// paperboy: progressive enhancement only. Every form works without this script; with it,
// upvotes update in place instead of reloading the page.
"use strict";

document.addEventListener("submit", async (event) => {
  const form = event.target;
  if (!(form instanceof HTMLFormElement) || !form.matches("form.vote[data-paper]")) return;
  event.preventDefault();
  const csrf = form.querySelector("input[name=csrf]")?.value ?? "";
  const wanted = form.querySelector("input[name=vote]")?.value ?? "up";
  const paper = form.dataset.paper;
  const button = form.querySelector("button");
  if (button) button.disabled = true;
  try {
    const response = await fetch(`/api/papers/${paper}/upvote`, {
      method: wanted === "remove" ? "DELETE" : "POST",
      headers: { "X-CSRF-Token": csrf, Accept: "application/json" },
      credentials: "same-origin",
    });
    if (response.status === 401) {
      window.location.href = `/signin?next=${encodeURIComponent(window.location.pathname)}`;
      return;
    }
    if (!response.ok) {
      form.submit(); // let the server explain (rate limit, error page)
      return;
    }
    const result = await response.json();
    form.classList.toggle("voted", result.voted);
    const count = form.querySelector(".count");
    if (count) count.textContent = String(result.upvotes);
    const field = form.querySelector("input[name=vote]");
    if (field) field.value = result.voted ? "remove" : "up";
    // The name stays "Upvote <count>" (the visible count is part of it); pressed says whose.
    if (button) button.setAttribute("aria-pressed", String(result.voted));
  } catch (_) {
    form.submit();
  } finally {
    if (button) button.disabled = false;
  }
});

// Cached pages are the same for every visitor, so cards cannot say which papers the viewer
// upvoted: ask once per page, then mark those (and make their buttons take the vote back).
async function markOwnVotes() {
  if (!document.querySelector('form[action="/signout"]')) return; // signed out
  const forms = [...document.querySelectorAll("form.vote[data-paper]")].filter(
    (form) => !form.querySelector("input[name=vote]"),
  );
  if (forms.length === 0) return;
  const ids = [...new Set(forms.map((form) => form.dataset.paper))].slice(0, 200);
  try {
    const response = await fetch(`/api/votes?ids=${encodeURIComponent(ids.join(","))}`, {
      headers: { Accept: "application/json" },
      credentials: "same-origin",
    });
    if (!response.ok) return;
    const voted = new Set((await response.json()).voted);
    for (const form of forms) {
      const mine = voted.has(form.dataset.paper);
      const field = document.createElement("input");
      field.type = "hidden";
      field.name = "vote";
      field.value = mine ? "remove" : "up";
      form.appendChild(field);
      form.classList.toggle("voted", mine);
      form.querySelector("button")?.setAttribute("aria-pressed", String(mine));
    }
  } catch (_) {
    // Without the marks, the forms still work: the server toggles the vote.
  }
}
if (document.readyState === "loading") {
  document.addEventListener("DOMContentLoaded", markOwnVotes);
} else {
  markOwnVotes();
}

// The theme switch works as a form (the server keeps the choice in a cookie and sends the page
// back); with this script the choice applies in place instead.
document.addEventListener("submit", async (event) => {
  const form = event.target;
  if (!(form instanceof HTMLFormElement) || !form.matches("form.theme")) return;
  const chosen = event.submitter;
  if (!(chosen instanceof HTMLButtonElement)) return;
  event.preventDefault();
  const post = () => {
    // Without the script's help: the plain form, carrying the chosen button's value.
    const field = document.createElement("input");
    field.type = "hidden";
    field.name = chosen.name;
    field.value = chosen.value;
    form.appendChild(field);
    form.submit();
  };
  try {
    const response = await fetch(form.action, {
      method: "POST",
      body: new URLSearchParams(new FormData(form, chosen)),
      credentials: "same-origin",
      redirect: "manual",
    });
    if (response.type !== "opaqueredirect" && !response.ok) return post();
  } catch (_) {
    return post();
  }
  if (chosen.value === "auto") {
    delete document.documentElement.dataset.theme;
  } else {
    document.documentElement.dataset.theme = chosen.value;
  }
  for (const button of form.querySelectorAll("button[name=theme]")) {
    button.setAttribute("aria-pressed", String(button === chosen));
  }
});
