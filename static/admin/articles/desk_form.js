// The article form's small helpers. The page works without them: the server renders the counts
// as the form opens and the server keeps the slug rules (fixed once published).
//
// * The word count and reading time under the body, and the headline's length under it, follow
//   what is typed (CKEditor's editing area or, without it, the textarea).
// * The slug follows the headline on a saved draft too. Django's prepopulated_fields fills it
//   only while it is empty (the add form); here it keeps following as long as the slug is still
//   the headline's, so a slug someone chose by hand is never overwritten. The admin offers the
//   prepopulated field only until the story is first published (ArticleAdmin).
(function () {
  "use strict";

  function words(text) {
    var trimmed = text.trim();
    return trimmed ? trimmed.split(/\s+/).length : 0;
  }

  function bodyMeter() {
    var meter = document.querySelector("[data-meter=body]");
    var row = document.querySelector(".field-body");
    if (!meter || !row) return;
    var perMinute = parseInt(meter.dataset.wordsPerMinute, 10) || 230;
    function update() {
      var editable = row.querySelector(".ck-editor__editable");
      var text;
      if (editable) {
        text = editable.innerText;
      } else {
        // The textarea holds HTML: read its text as the browser would show it.
        var holder = document.createElement("div");
        holder.innerHTML = (row.querySelector("textarea") || {value: ""}).value;
        text = holder.textContent;
      }
      var count = words(text);
      meter.querySelector("[data-meter-words]").textContent = count;
      meter.querySelector("[data-meter-minutes]").textContent = count ? Math.max(1, Math.ceil(count / perMinute)) : 0;
    }
    // CKEditor's editing area is added after this runs; input events bubble up to the row.
    row.addEventListener("input", update);
    row.addEventListener("keyup", update);
  }

  function headlineMeter(headline) {
    var meter = document.querySelector("[data-meter=headline]");
    if (!meter || !headline) return;
    var limit = parseInt(meter.dataset.limit, 10);
    var over = meter.querySelector("[data-meter-over]");
    headline.addEventListener("input", function () {
      meter.querySelector("[data-meter-length]").textContent = headline.value.length;
      over.hidden = headline.value.length <= limit;
    });
  }

  function slugFollowsHeadline(headline) {
    var slug = document.getElementById("id_slug");
    var constants = document.getElementById("django-admin-prepopulated-fields-constants");
    if (!slug || !headline || !constants || typeof window.URLify !== "function" || !slug.value) return;
    var field = JSON.parse(constants.dataset.prepopulatedFields || "[]").filter(function (f) {
      return f.id === "#id_slug";
    })[0];
    if (!field) return;  // published: the slug is fixed, and the admin shows it read only
    function fromHeadline() {
      return window.URLify(headline.value, field.maxLength, field.allowUnicode);
    }
    var following = slug.value === fromHeadline();
    slug.addEventListener("change", function () { following = slug.value === fromHeadline(); });
    headline.addEventListener("input", function () {
      if (following) slug.value = fromHeadline();
    });
  }

  function start() {
    var headline = document.getElementById("id_headline");
    bodyMeter();
    headlineMeter(headline);
    slugFollowsHeadline(headline);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
