// A <select data-autosubmit> submits its form when changed (e.g. the branch of the cashier).
document.addEventListener("change", (event) => {
  const select = event.target.closest("select[data-autosubmit]");
  if (select && select.form) select.form.submit();
});
