// The custom field form: the minimum and maximum boxes (`data-limited-types="date decimal integer"`)
// are shown only for those field types. A box that holds a value stays shown, so a limit typed
// before the type was changed is seen (and refused by the server) rather than sent unseen.
(function () {
  function showLimits(form) {
    var type = form.querySelector("select[name=field_type]");
    if (!type) { return; }
    form.querySelectorAll("[data-limited-types]").forEach(function (input) {
      var wrapper = input.closest(".mb-3") || input;
      var types = input.getAttribute("data-limited-types").split(" ");
      wrapper.hidden = types.indexOf(type.value) === -1 && input.value === "";
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form").forEach(function (form) {
      if (!form.querySelector("[data-limited-types]")) { return; }
      showLimits(form);
      form.addEventListener("change", function (event) {
        if (event.target.name === "field_type") { showLimits(form); }
      });
    });
  });
})();
