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
