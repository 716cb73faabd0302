// Screen pop: ask the server about once a second for calls reported for this agent since the
// last one seen, and show the newest caller's card. Polling (not a held connection) works with
// any number of server processes and databases; a missed poll is simply made up by the next.
(function () {
  var panel = document.getElementById("screen-pop");
  if (!panel) { return; }
  var url = panel.dataset.pollUrl;
  var body = document.getElementById("screen-pop-body");
  var last = null;
  var busy = false;

  function poll() {
    if (busy) { return; }
    busy = true;
    var query = last === null ? "" : "?after=" + encodeURIComponent(last);
    fetch(url + query, { headers: { "Accept": "application/json" }, credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (!data) { return; }
        last = data.last;
        if (data.pops && data.pops.length) {
          body.innerHTML = data.pops[data.pops.length - 1].html;
          if (window.htmx) { htmx.process(body); }
          bootstrap.Offcanvas.getOrCreateInstance(panel).show();
          document.body.dispatchEvent(new CustomEvent("setia:call"));  // lists of calls refresh
        }
      })
      .catch(function () { /* offline for a moment: the next poll catches up */ })
      .finally(function () { busy = false; });
  }
  poll();
  window.setInterval(poll, 800);
})();
