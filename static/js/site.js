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

// Close the user menu when clicking elsewhere.
document.addEventListener("click", (event) => {
  document.querySelectorAll("details.user-menu[open]").forEach((menu) => {
    if (!menu.contains(event.target)) {
      menu.removeAttribute("open");
    }
  });
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
