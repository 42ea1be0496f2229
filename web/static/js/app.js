// strengthwise: small progressive enhancements; every page works without them.
document.addEventListener("DOMContentLoaded", () => {
  // Move focus to an error summary so keyboard and screen-reader users hear it first.
  const summary = document.querySelector("[data-autofocus]");
  if (summary) summary.focus();

  // Live balance of allocated against commissioned hours in the plan editor.
  const balance = document.querySelector("[data-hours-balance]");
  if (balance) {
    const commissioned = document.querySelector("[data-commissioned]");
    // The same words as hours_balance() in web/pages/plans.py: blank and negative hours are
    // said as such, never "balanced".
    const hours = (input) => {
      const text = input.value.trim();
      if (text === "") return { blank: true, value: 0 };
      const value = parseFloat(text);
      return Number.isFinite(value) ? { blank: false, value } : { blank: true, value: 0 };
    };
    const update = () => {
      const rows = [...document.querySelectorAll("[data-action-hours]")].map(hours);
      const allocated = Math.round(rows.reduce((sum, row) => sum + row.value, 0) * 100) / 100;
      const target = hours(commissioned);
      const negative = target.value < 0 || rows.some((row) => row.value < 0);
      const gap = Math.round((target.value - allocated) * 100) / 100;
      let words;
      if (target.blank) words = `${allocated} hours allocated; the commissioned hours are not filled in yet`;
      else if (negative) words = "Hours cannot be negative: check the commissioned hours and each action's hours";
      else if (target.value === 0 && allocated === 0) words = "No hours commissioned or allocated yet";
      else words = `${allocated} of ${target.value} commissioned hours allocated` +
        (gap === 0 ? " — balanced" : gap > 0 ? ` — ${gap} still to allocate` : ` — ${-gap} more than commissioned`);
      const ok = !target.blank && !negative && target.value > 0 && gap === 0;
      balance.textContent = words;
      balance.classList.toggle("balance-ok", ok);
      balance.classList.toggle("balance-off", !ok);
    };
    document.addEventListener("input", (event) => {
      if (event.target.matches("[data-action-hours], [data-commissioned]")) update();
    });
    update();
  }

  // Leaving the editor with unsaved changes asks first (saving or adding a row does not).
  const editor = document.querySelector("form[data-warn-unsaved]");
  if (editor) {
    // A form sent back by the server (a conflict, an error, a row added) holds unsaved work.
    let dirty = editor.hasAttribute("data-unsaved");
    // After a conflict: "Use their text" puts the saved text into the field (the user's own
    // text is still theirs to retype or undo with the browser's undo).
    document.querySelectorAll("[data-use-saved]").forEach((button) => {
      const field = document.getElementById(button.dataset.useSaved);
      const saved = button.parentElement.querySelector("[data-saved-value]");
      if (!field || !saved || !field.matches("input, textarea, select")) return;
      button.hidden = false;
      button.addEventListener("click", () => {
        field.value = saved.dataset.savedValue;
        field.dispatchEvent(new Event("input", { bubbles: true }));
        field.focus();
      });
    });
    editor.addEventListener("input", () => { dirty = true; });
    editor.addEventListener("change", () => { dirty = true; });
    editor.addEventListener("submit", () => { dirty = false; });
    window.addEventListener("beforeunload", (event) => {
      if (!dirty) return;
      event.preventDefault();
      event.returnValue = "";
    });
  }
});
