// The share preview link is selected whole when its field gets the focus, ready to copy. (A file,
// not an onfocus attribute, which the admin's Content Security Policy refuses: ops/csp.py.)
(function () {
  "use strict";
  var field = document.getElementById("share-preview-url");
  if (field) {
    field.addEventListener("focus", function () { field.select(); });
  }
})();
