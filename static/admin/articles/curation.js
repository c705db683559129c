/*
 * The Editor's Pick screen (templates/admin/articles/editorspick/curation.html). A file, not an
 * inline script, so that the admin's Content Security Policy allows it (ops/csp.py).
 */

// Choosing another list shows it at once (the Show button does the same without JavaScript).
(function () {
  var choice = document.getElementById("list-choice");
  if (choice) {
    choice.addEventListener("change", function () { choice.form.submit(); });
  }
})();

// Drag and drop: drop a row where it belongs, and the whole order is saved. The Up and Down
// buttons do the same one step at a time without JavaScript.
(function () {
  var form = document.getElementById("reorder-form");
  var body = document.querySelector("#picks tbody");
  if (!form || !body || !window.fetch) return;
  var dragged = null;
  function order() {
    return Array.prototype.map.call(body.querySelectorAll("tr[data-pick]"), function (row) { return row.dataset.pick; });
  }
  var before = order().join();
  // Only the handle starts a drag, so the time fields in a row stay usable.
  body.addEventListener("mousedown", function (event) {
    var row = event.target.closest("tr[data-pick]");
    if (row) row.draggable = Boolean(event.target.closest(".handle"));
  });
  body.addEventListener("dragstart", function (event) {
    dragged = event.target.closest("tr[data-pick]");
    if (!dragged) return;
    dragged.classList.add("dragging");
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", dragged.dataset.pick);
  });
  body.addEventListener("dragover", function (event) {
    var row = event.target.closest("tr[data-pick]");
    if (!dragged || !row || row === dragged) return;
    event.preventDefault();
    var box = row.getBoundingClientRect();
    body.insertBefore(dragged, event.clientY > box.top + box.height / 2 ? row.nextSibling : row);
  });
  body.addEventListener("drop", function (event) { event.preventDefault(); });
  body.addEventListener("dragend", function () {
    if (!dragged) return;
    dragged.classList.remove("dragging");
    dragged = null;
    var now = order();
    if (now.join() === before) return;
    var data = new FormData(form);
    now.forEach(function (id) { data.append("pick", id); });
    // The server keeps a message for the reloaded page, whether the order was saved or refused.
    fetch(form.action, {method: "POST", body: data, credentials: "same-origin"})
      .finally(function () { window.location.reload(); });
  });
})();
