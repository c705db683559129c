// "Also editing": keeps the notice current while the change form is open, and ends this
// person's presence the moment they leave the page. Without JavaScript the notice is still
// right when the page loads, and the server's expiry removes a presence nobody renews.
(function () {
  "use strict";
  var box = document.getElementById("presence");
  if (!box || !window.fetch) return;
  var token = document.querySelector("[name=csrfmiddlewaretoken]");
  var names = document.getElementById("presence-names");
  var seconds = parseInt(box.dataset.heartbeatSeconds, 10) || 30;

  function beat() {
    fetch(box.dataset.url, {
      method: "POST",
      headers: {"X-CSRFToken": token ? token.value : ""},
      credentials: "same-origin"
    })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (!data) return;
        names.textContent = data.others.join(", ");
        box.hidden = data.others.length === 0;
      })
      .catch(function () {});
  }

  var timer = setInterval(beat, seconds * 1000);

  // pagehide fires on closing the tab, navigating away and entering the back/forward cache,
  // where unload does not. A beacon cannot set headers, so the CSRF token goes in the form data
  // (Django reads csrfmiddlewaretoken from a POST body).
  window.addEventListener("pagehide", function () {
    clearInterval(timer);
    if (!navigator.sendBeacon) return;
    var data = new FormData();
    data.append("csrfmiddlewaretoken", token ? token.value : "");
    navigator.sendBeacon(box.dataset.leaveUrl, data);
  });
  // Back from the back/forward cache, or a tab shown again: present again, and up to date.
  window.addEventListener("pageshow", function (event) {
    if (!event.persisted) return;
    beat();
    timer = setInterval(beat, seconds * 1000);
  });
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible") beat();
  });
})();
