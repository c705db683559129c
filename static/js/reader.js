/*
 * The reader site's small enhancements; every page works without them.
 *
 * - The header's Menu and Search (<details>): Escape closes the open one and puts focus back on
 *   its button, and opening one closes the other.
 * - A story's share bar: "Copy link" where the Clipboard API is, "Share…" where the Web Share
 *   API is (both stay hidden otherwise).
 */
(function () {
  "use strict";

  var panels = document.querySelectorAll(".site-header details");

  function closePanel(panel) {
    panel.open = false;
    panel.querySelector("summary").focus();
  }

  Array.prototype.forEach.call(panels, function (panel) {
    panel.addEventListener("toggle", function () {
      if (!panel.open) {
        return;
      }
      Array.prototype.forEach.call(panels, function (other) {
        if (other !== panel) {
          other.open = false;
        }
      });
      var field = panel.querySelector("input[type=search]");
      if (field) {
        field.focus();
      }
    });
  });

  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") {
      return;
    }
    Array.prototype.forEach.call(panels, function (panel) {
      if (panel.open) {
        closePanel(panel);
      }
    });
  });

  var status = document.querySelector(".share__status");

  function say(message) {
    if (status) {
      status.textContent = message;
    }
  }

  var copy = document.querySelector("[data-share-copy]");
  if (copy && navigator.clipboard && window.isSecureContext) {
    copy.parentNode.hidden = false;
    copy.addEventListener("click", function () {
      navigator.clipboard.writeText(copy.getAttribute("data-share-copy")).then(
        function () { say("Link copied."); },
        function () { say("The link could not be copied."); }
      );
    });
  }

  var share = document.querySelector("[data-share-native]");
  if (share && navigator.share) {
    share.parentNode.hidden = false;
    share.addEventListener("click", function () {
      navigator.share({
        title: share.getAttribute("data-share-title"),
        url: share.getAttribute("data-share-native"),
      }).catch(function () {
        // The reader closed the share sheet: nothing to say.
      });
    });
  }
})();
