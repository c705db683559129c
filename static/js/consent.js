/*
 * The cookie notice, with JavaScript (see the consent app, consent/__init__.py, for the whole design).
 *
 * - The notice's form is sent with fetch and the notice hidden without a page reload. If fetch
 *   fails, the form is submitted the ordinary way, which works without JavaScript too.
 * - Non-essential scripts are asked for at /consent/scripts.js, which answers them only when the
 *   reader has consented. That request waits for /consent/state.css, which records this page
 *   view (implied consent is given on the second page), so that it sees the up-to-date cookie.
 */
(function () {
  "use strict";

  var notice = document.getElementById("cookie-notice");
  if (!notice) {
    return;
  }
  var form = notice.querySelector("form");
  var stateSheet = document.getElementById("cookie-consent-state");
  var scriptsUrl = notice.getAttribute("data-scripts-url");

  function loadConsentedScripts() {
    // scripts.js sets this flag when it delivers anything: never run the scripts twice.
    if (!scriptsUrl || window.newsroomConsentScriptsLoaded) {
      return;
    }
    var script = document.createElement("script");
    script.src = scriptsUrl;
    script.async = true;
    document.head.appendChild(script);
  }

  if (scriptsUrl) {
    if (!stateSheet || stateSheet.sheet) {
      loadConsentedScripts();
    } else {
      stateSheet.addEventListener("load", loadConsentedScripts, { once: true });
    }
  }

  if (!form || !window.fetch || !window.FormData) {
    return;
  }

  function submitWithoutScript(submitter) {
    if (submitter && submitter.name) {
      var field = document.createElement("input");
      field.type = "hidden";
      field.name = submitter.name;
      field.value = submitter.value;
      form.appendChild(field);
    }
    // HTMLFormElement.submit() fires no submit event, so this does not come back here.
    HTMLFormElement.prototype.submit.call(form);
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var submitter = event.submitter;
    var data = new FormData(form);
    if (submitter && submitter.name) {
      data.append(submitter.name, submitter.value);
    }
    fetch(form.action, {
      method: "POST",
      body: data,
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("Consent not recorded: HTTP " + response.status);
        }
        return response.json();
      })
      .then(function (result) {
        notice.hidden = true;
        notice.setAttribute("data-choice", result.choice);
        if (result.is_given) {
          loadConsentedScripts();
        }
      })
      .catch(function () {
        submitWithoutScript(submitter);
      });
  });
})();
