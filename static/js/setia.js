// Shell behaviour: show Django messages as toasts (also after HTMX swaps), close the
// search dropdown when clicking elsewhere.
(function () {
  // Each toast is shown once: once hidden it is removed, so a later swap does not show it again.
  function showToasts(root) {
    (root || document).querySelectorAll(".toast:not([data-shown])").forEach(function (el) {
      el.setAttribute("data-shown", "");
      el.addEventListener("hidden.bs.toast", function () { el.remove(); });
      bootstrap.Toast.getOrCreateInstance(el).show();
    });
  }
  document.addEventListener("DOMContentLoaded", function () { showToasts(); });
  document.body.addEventListener("htmx:afterSwap", function () { showToasts(); });
  // A form's delayed recalculation (sent by an element with `data-drop-after-submit="#form"`) is
  // dropped when the form was submitted after the last change: the submission carried the same
  // values, and its answer (the till's "payment short" under Pay) must stay on screen.
  var changedAt = new WeakMap();
  var submittedAt = new WeakMap();
  document.addEventListener("change", function (event) {
    if (event.target.form) { changedAt.set(event.target.form, performance.now()); }
  }, true);
  document.addEventListener("submit", function (event) {
    submittedAt.set(event.target, performance.now());
  }, true);
  document.body.addEventListener("htmx:confirm", function (event) {
    var selector = event.target.getAttribute && event.target.getAttribute("data-drop-after-submit");
    var form = selector && document.querySelector(selector);
    if (form && submittedAt.has(form) && submittedAt.get(form) >= (changedAt.get(form) || 0)) {
      event.preventDefault();
    }
  });
  // Nor does a recalculation's answer replace the form while someone is typing in it: what was
  // typed or chosen after the request left (the points after a voucher, an amount after choosing
  // QRIS) would be lost with the fields it swaps in. The answer is dropped; leaving the field
  // (its change) asks again, with everything typed.
  var typedAt = new WeakMap();
  var sentAt = new WeakMap();
  document.addEventListener("input", function (event) {
    if (event.target.form) { typedAt.set(event.target.form, performance.now()); }
  }, true);
  document.body.addEventListener("htmx:beforeRequest", function (event) {
    var element = event.detail.elt;
    if (element.hasAttribute && element.hasAttribute("data-drop-after-submit")) {
      sentAt.set(element, performance.now());
    }
  });
  document.body.addEventListener("htmx:beforeSwap", function (event) {
    // The element that sent the request (`detail.elt` here is the target being swapped).
    var element = (event.detail.requestConfig && event.detail.requestConfig.elt) || event.detail.elt;
    var selector = element.getAttribute && element.getAttribute("data-drop-after-submit");
    var form = selector && document.querySelector(selector);
    if (!form || !sentAt.has(element)) { return; }
    var touched = Math.max(typedAt.get(form) || 0, changedAt.get(form) || 0);
    if (touched > sentAt.get(element)) { event.detail.shouldSwap = false; }
  });
  // A server response can ask for a toast: HX-Trigger: {"toast": {"message": "...", "level": "success"}}
  document.body.addEventListener("toast", function (event) {
    var detail = event.detail || {};
    var box = document.createElement("div");
    box.className = "toast align-items-center border-0 text-bg-" + (detail.level || "success");
    box.setAttribute("role", "status");
    var body = document.createElement("div");
    body.className = "d-flex";
    var text = document.createElement("div");
    text.className = "toast-body";
    text.textContent = detail.message || "";
    body.appendChild(text);
    box.appendChild(body);
    document.getElementById("toasts").appendChild(box);
    showToasts(box.parentNode);
  });
  // Fields that only some kinds of a record use (`data-show-for-kind="a b"` on the input): shown
  // when the form's `kind` select (or the select `data-kind-select` names) holds one of them,
  // hidden (and left as they are) otherwise. With `data-show-when-filled`, a field that holds a
  // value stays shown, so nothing typed earlier is sent unseen.
  function kindSelectName(input) {
    return input.getAttribute("data-kind-select") || "kind";
  }
  function showFieldsOfKind(form) {
    form.querySelectorAll("[data-show-for-kind]").forEach(function (input) {
      var kind = form.querySelector("select[name=" + kindSelectName(input) + "]");
      if (!kind) { return; }
      var wrapper = input.closest(".mb-3") || input;
      var kinds = input.getAttribute("data-show-for-kind").split(" ");
      var filled = input.hasAttribute("data-show-when-filled") && input.value !== "";
      wrapper.hidden = kinds.indexOf(kind.value) === -1 && !filled;
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form").forEach(function (form) {
      var inputs = form.querySelectorAll("[data-show-for-kind]");
      if (!inputs.length) { return; }
      var selects = Array.prototype.map.call(inputs, kindSelectName);
      showFieldsOfKind(form);
      form.addEventListener("change", function (event) {
        if (selects.indexOf(event.target.name) !== -1) { showFieldsOfKind(form); }
      });
    });
  });
  // An action that cannot be undone asks first: `data-confirm="…"` on its form or on the button
  // that submits it. (No inline handlers: the Content Security Policy forbids them.)
  document.addEventListener("submit", function (event) {
    var button = event.submitter;
    var message = (button && button.getAttribute("data-confirm")) || event.target.getAttribute("data-confirm");
    if (message && !window.confirm(message)) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  }, true);
  document.addEventListener("click", function (event) {
    var dropdown = document.getElementById("search-dropdown");
    if (dropdown && !event.target.closest(".app-search")) { dropdown.innerHTML = ""; }
  });
})();
