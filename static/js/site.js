// Small progressive enhancements; every page works without this file.
"use strict";

document.documentElement.classList.add("js");

// Selects marked data-autosubmit submit their form on change (the button stays for no-JS).
document.addEventListener("change", (event) => {
  const target = event.target;
  if (target instanceof HTMLSelectElement && target.hasAttribute("data-autosubmit")) {
    target.form.requestSubmit();
  }
});

// On a closed select every arrow key is a "change" (Chromium and Firefox outside macOS),
// so a live filter would jump on the first key and an auto-submitting form would leave the
// page while the reader is still choosing. A change made from the keyboard is held back:
// a live filter applies it after a pause, on Enter or when the field is left; a form that
// leaves the page (data-autosubmit) only on Enter or when the field is left. A choice made
// with the mouse, or from the opened list, applies at once.
const SELECT_PAUSE_MS = 1200;
// A "change" that follows a key press on the same select within this time came from it.
const KEY_CHANGE_WINDOW_MS = 250;
const heldSelects = new Map(); // select → its pause timer (null: waits for Enter or leaving)
const releasedChanges = new WeakSet();
let lastSelectKey = { select: null, at: 0 };

function actsOnChange(select) {
  return select.hasAttribute("data-autosubmit") || select.closest("[hx-trigger]") !== null;
}

function releaseSelect(select) {
  if (!heldSelects.has(select)) {
    return;
  }
  clearTimeout(heldSelects.get(select));
  heldSelects.delete(select);
  const change = new Event("change", { bubbles: true });
  releasedChanges.add(change);
  select.dispatchEvent(change);
}

document.addEventListener(
  "keydown",
  (event) => {
    const select = event.target;
    if (!(select instanceof HTMLSelectElement)) {
      return;
    }
    if (event.key === "Enter" && heldSelects.has(select)) {
      event.preventDefault();
      releaseSelect(select);
      return;
    }
    lastSelectKey = { select, at: Date.now() };
  },
  true,
);

document.addEventListener(
  "change",
  (event) => {
    const select = event.target;
    if (!(select instanceof HTMLSelectElement) || releasedChanges.has(event) || !actsOnChange(select)) {
      return;
    }
    const fromKey = lastSelectKey.select === select && Date.now() - lastSelectKey.at < KEY_CHANGE_WINDOW_MS;
    if (!fromKey) {
      return;
    }
    event.stopImmediatePropagation();
    clearTimeout(heldSelects.get(select));
    const timer = select.hasAttribute("data-autosubmit")
      ? null
      : setTimeout(() => releaseSelect(select), SELECT_PAUSE_MS);
    heldSelects.set(select, timer);
  },
  true,
);

document.addEventListener("focusout", (event) => {
  if (event.target instanceof HTMLSelectElement) {
    releaseSelect(event.target);
  }
});

// The main navigation folds behind a button on narrow screens (the stylesheet hides it
// while the button says it is collapsed).
const navToggle = document.querySelector(".nav-toggle");

function setNavOpen(open) {
  navToggle?.setAttribute("aria-expanded", open ? "true" : "false");
}

navToggle?.addEventListener("click", () => {
  setNavOpen(navToggle.getAttribute("aria-expanded") !== "true");
});

// Clicking elsewhere closes the user menu and the navigation.
document.addEventListener("click", (event) => {
  document.querySelectorAll("details.user-menu[open]").forEach((menu) => {
    if (!menu.contains(event.target)) {
      menu.removeAttribute("open");
    }
  });
  const nav = navToggle && document.getElementById(navToggle.getAttribute("aria-controls"));
  if (nav && !nav.contains(event.target) && !navToggle.contains(event.target)) {
    setNavOpen(false);
  }
});

// Escape closes an open menu; when focus was in it, focus goes back to the control that
// opened it, so a keyboard user is not left inside a list that has gone.
document.addEventListener("keydown", (event) => {
  if (event.key !== "Escape") {
    return;
  }
  const focused = document.activeElement;
  document.querySelectorAll("details.user-menu[open]").forEach((menu) => {
    menu.removeAttribute("open");
    if (menu.contains(focused)) {
      menu.querySelector("summary").focus();
    }
  });
  if (navToggle?.getAttribute("aria-expanded") === "true") {
    const nav = document.getElementById(navToggle.getAttribute("aria-controls"));
    setNavOpen(false);
    if (focused === navToggle || nav?.contains(focused)) {
      navToggle.focus();
    }
  }
});

// The bell in the header asks for its count (htmx listens for "bell-refresh") every
// minute while the page is in view, and at once when the reader comes back to the tab or
// the window; a hidden tab does not poll.
const BELL_REFRESH_MS = 60_000;
// Coming back fires both "visibilitychange" and "focus": one request is enough.
const BELL_MIN_GAP_MS = 5_000;
let bellAskedAt = 0;

function refreshBell() {
  const now = Date.now();
  if (document.getElementById("notification-bell") && now - bellAskedAt > BELL_MIN_GAP_MS) {
    bellAskedAt = now;
    document.body.dispatchEvent(new Event("bell-refresh"));
  }
}

setInterval(() => {
  if (document.visibilityState === "visible") {
    refreshBell();
  }
}, BELL_REFRESH_MS);

document.addEventListener("visibilitychange", () => {
  if (document.visibilityState === "visible") {
    refreshBell();
  }
});

window.addEventListener("focus", refreshBell);

// A block of checkboxes that htmx replaces while the reader may be ticking them
// (data-keep-checked): a box ticked or cleared while the request was on its way keeps the
// reader's state in the new content, which the server rendered from the older one.
let keptChecks = null;

document.addEventListener("htmx:beforeSwap", (event) => {
  const target = event.detail.target;
  keptChecks = target?.hasAttribute("data-keep-checked")
    ? new Map(
        Array.from(target.querySelectorAll("input[type=checkbox]"), (box) => [
          `${box.name}=${box.value}`,
          box.checked,
        ]),
      )
    : null;
});

document.addEventListener("htmx:afterSwap", (event) => {
  const target = event.detail.target;
  if (!keptChecks || !target?.hasAttribute("data-keep-checked")) {
    return;
  }
  target.querySelectorAll("input[type=checkbox]").forEach((box) => {
    const checked = keptChecks.get(`${box.name}=${box.value}`);
    if (checked !== undefined) {
      box.checked = checked;
    }
  });
  keptChecks = null;
});
