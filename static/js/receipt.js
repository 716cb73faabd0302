// The receipt page's "Print" button (inline handlers are not allowed by the page's CSP).
document.addEventListener("click", (event) => {
  if (event.target.closest("[data-print]")) window.print();
});
