// strengthwise: small progressive enhancements; every page works without them.
document.addEventListener("DOMContentLoaded", () => {
  // Move focus to an error summary so keyboard and screen-reader users hear it first.
  const summary = document.querySelector("[data-autofocus]");
  if (summary) summary.focus();

  // Live balance of allocated against commissioned hours in the plan editor.
  const balance = document.querySelector("[data-hours-balance]");
  if (balance) {
    const commissioned = document.querySelector("[data-commissioned]");
    const update = () => {
      const allocated = [...document.querySelectorAll("[data-action-hours]")]
        .reduce((sum, input) => sum + (parseFloat(input.value) || 0), 0);
      const target = parseFloat(commissioned.value) || 0;
      const gap = Math.round((target - allocated) * 100) / 100;
      balance.textContent = `${allocated} of ${target} commissioned hours allocated` +
        (gap === 0 ? " — balanced" : gap > 0 ? ` — ${gap} unallocated` : ` — ${-gap} over`);
      balance.classList.toggle("balance-ok", gap === 0);
      balance.classList.toggle("balance-off", gap !== 0);
    };
    document.addEventListener("input", (event) => {
      if (event.target.matches("[data-action-hours], [data-commissioned]")) update();
    });
    update();
  }
});
