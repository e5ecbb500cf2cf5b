// Small enhancements; every page works without this file.
document.addEventListener("DOMContentLoaded", () => {
  // Ask before irreversible actions.
  document.querySelectorAll("form[data-confirm]").forEach((form) => {
    form.addEventListener("submit", (event) => {
      if (!window.confirm(form.dataset.confirm)) event.preventDefault();
    });
  });
  // Move focus to the error summary so screen readers announce it.
  const summary = document.querySelector("[data-autofocus]");
  if (summary) summary.focus();
  // Select a shown-once link when focused, ready to copy.
  document.querySelectorAll("[data-select-on-focus]").forEach((input) => {
    input.addEventListener("focus", () => input.select());
  });
  // Close other open action menus when one opens.
  document.querySelectorAll("details.menu").forEach((menu) => {
    menu.addEventListener("toggle", () => {
      if (!menu.open) return;
      document.querySelectorAll("details.menu[open]").forEach((other) => { if (other !== menu) other.open = false; });
    });
  });
});
// Confirm bulk deletes.
document.addEventListener("click", (event) => {
  const button = event.target.closest("button[data-confirm-bulk]");
  if (button && !window.confirm(button.dataset.confirmBulk)) event.preventDefault();
});
