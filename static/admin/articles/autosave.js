// Autosave: keeps this person's unsaved work on the story as their working copy on the server,
// every few seconds while it changes and once more when the page goes away (a closed tab, a
// navigation), so a crash or a closed tab loses nothing. It is not a revision: Save makes one,
// and clears the copy. Without JavaScript there is no autosave and the form works as before.
(function () {
  "use strict";
  var box = document.getElementById("autosave");
  var form = document.getElementById("article_form");
  if (!box || !form || !window.fetch || !window.FormData) return;
  var seconds = parseInt(box.dataset.seconds, 10) || 10;
  var status = document.getElementById("autosave-status");
  var baseline = null;     // the form as it was before the person first touched it
  var leaving = false;     // the form itself is being sent: the save makes the revision
  var lastKept = null;     // the form as last kept on the server

  // django-ckeditor-5 copies the editor's data into the textarea as it changes; the editor
  // instance is the authority (and the only one while it is still settling).
  function formData() {
    var data = new FormData(form);
    var editors = window.editors || {};
    Object.keys(editors).forEach(function (id) {
      var textarea = document.getElementById(id);
      if (textarea && textarea.name && editors[id].getData) data.set(textarea.name, editors[id].getData());
    });
    return data;
  }

  function signature(data) {
    var parts = [];
    data.forEach(function (value, key) {
      if (key !== "csrfmiddlewaretoken" && typeof value === "string") parts.push(key + "=" + value);
    });
    return parts.join("&");
  }

  function say(text) {
    if (status) status.textContent = text;
  }

  // Worth keeping: changed since the page loaded, or since it was last kept (an edit undone
  // after it was kept is kept too, so the copy never holds what the person took back).
  function changed(sig) {
    if (baseline === null || sig === lastKept) return false;
    return sig !== baseline || lastKept !== null;
  }

  function keep() {
    if (leaving) return;
    var data = formData();
    var sig = signature(data);
    if (!changed(sig)) return;
    var token = data.get("csrfmiddlewaretoken") || "";
    fetch(box.dataset.url, {
      method: "POST",
      body: data,
      headers: {"X-CSRFToken": token},
      credentials: "same-origin"
    })
      .then(function (response) {
        return response.json().catch(function () { return {}; }).then(function (body) {
          if (response.ok) {
            lastKept = sig;
            say("Unsaved changes kept at " + body.saved_at + ". Save to make them a revision.");
          } else {
            say("Your changes could not be kept automatically: " + (body.error || response.status) + " Save them yourself.");
          }
        });
      })
      .catch(function () {
        say("Your changes could not be kept automatically (no connection). Save them when you can.");
      });
  }

  // The form as it is before the person's first focus, click or key (before any edit: clicking
  // a link such as "Restore" then changes nothing). By then CKEditor has usually started, so
  // the body is read as the editor gives it from then on.
  function noteBaseline() {
    if (baseline === null) baseline = signature(formData());
  }
  ["focusin", "mousedown", "keydown"].forEach(function (type) {
    form.addEventListener(type, noteBaseline, true);
  });
  form.addEventListener("submit", function () { leaving = true; });

  var timer = setInterval(keep, seconds * 1000);

  // pagehide fires on closing the tab, navigating away and entering the back/forward cache. A
  // beacon outlives the page; it carries the CSRF token in the form data, as the form does.
  window.addEventListener("pagehide", function () {
    clearInterval(timer);
    if (leaving || !navigator.sendBeacon) return;
    var data = formData();
    if (changed(signature(data))) navigator.sendBeacon(box.dataset.url, data);
  });
  window.addEventListener("pageshow", function (event) {
    if (!event.persisted) return;
    leaving = false;
    timer = setInterval(keep, seconds * 1000);
  });
})();
