// The pipeline board: drag a card to another column (or another place in its column). The drop
// is sent to the move endpoint; on success the column totals are refreshed from the answer, on
// failure the card goes back where it was and the reason is shown.
(function () {
  "use strict";
  var board = document.getElementById("pipeline-board");
  if (!board || typeof Sortable === "undefined" || board.dataset.canEdit !== "1") { return; }

  function toast(message, level) {
    document.body.dispatchEvent(new CustomEvent("toast", { detail: { message: message, level: level || "danger" } }));
  }

  function setText(root, selector, value) {
    var el = root.querySelector(selector);
    if (el) { el.textContent = value; }
  }

  function applyTotals(data) {
    Object.keys(data.columns || {}).forEach(function (stageId) {
      var column = board.querySelector('[data-testid="stage-column"][data-stage-id="' + stageId + '"]');
      if (!column) { return; }
      var figures = data.columns[stageId];
      setText(column, '[data-total="count"]', figures.count);
      setText(column, '[data-total="total"]', figures.total_display);
      setText(column, '[data-total="weighted"]', figures.weighted_display);
    });
    if (data.board) {
      setText(document, '[data-board="count"]', data.board.count);
      setText(document, '[data-board="total"]', data.board.total_display);
      setText(document, '[data-board="weighted"]', data.board.weighted_display);
    }
  }

  function putBack(event) {
    var item = event.item;
    var cards = Array.prototype.filter.call(event.from.children, function (el) {
      return el !== item && el.matches('[data-testid="opportunity-card"]');
    });
    var before = cards[event.oldDraggableIndex] || event.from.querySelector(".pipeline-more");
    event.from.insertBefore(item, before || null);
  }

  function onEnd(event) {
    var item = event.item;
    var target = event.to.closest('[data-testid="stage-column"]');
    if (event.from === event.to && event.oldDraggableIndex === event.newDraggableIndex) { return; }
    var body = new FormData();
    body.append("stage", target.dataset.stageId);
    body.append("position", String(event.newDraggableIndex));
    body.append("owner", board.dataset.owner || "");
    body.append("branch", board.dataset.branch || "");
    item.classList.add("moving");
    fetch(board.dataset.opportunityUrl + item.dataset.id + "/move/", {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "X-CSRFToken": board.dataset.csrf, "Accept": "application/json" }
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        if (!response.ok) { throw new Error(data.message || board.dataset.error); }
        return data;
      });
    }).then(function (data) {
      applyTotals(data);
    }).catch(function (error) {
      putBack(event);
      var column = event.to.closest('[data-testid="stage-column"]');
      if (column) {
        column.classList.add("drop-failed");
        setTimeout(function () { column.classList.remove("drop-failed"); }, 1500);
      }
      toast(error && error.message ? error.message : board.dataset.error, "danger");
    }).finally(function () {
      item.classList.remove("moving");
    });
  }

  board.querySelectorAll('[data-testid="stage-cards"]').forEach(function (list) {
    Sortable.create(list, {
      group: "pipeline",
      draggable: '[data-testid="opportunity-card"]',
      filter: ".pipeline-more",
      animation: 120,
      forceFallback: true, // pointer events, not native drag and drop: the same on every browser and under test
      ghostClass: "sortable-ghost",
      chosenClass: "sortable-chosen",
      delayOnTouchOnly: true,
      delay: 150,
      onEnd: onEnd
    });
  });
})();
