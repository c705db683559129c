/*
 * A live story's stream, kept up to date in the reader's browser (progressive enhancement: the
 * page is complete without this, and a reload shows new posts).
 *
 * Every data-live-poll seconds, and only while the tab is visible, it asks data-live-updates
 * (JSON: the newest posts, kept by the page cache and the edge like any page) for what changed:
 * a post it does not have is new, one whose version moved is replaced. New posts go in at the
 * top and are announced by the polite live region; a reader who has scrolled down is not moved:
 * a "N new posts" button shows them. The count is in the tab's title until the reader sees them.
 * When the coverage ends, polling stops and the page says so.
 */
(function () {
  "use strict";

  var root = document.querySelector("[data-live-updates]");
  if (!root || root.getAttribute("data-live-running") !== "true" || !window.fetch) {
    return;
  }
  var url = root.getAttribute("data-live-updates");
  var interval = Math.max(parseFloat(root.getAttribute("data-live-poll")) || 15, 0.1) * 1000;
  var stream = root.querySelector("[data-live-stream]");
  var status = root.querySelector("[data-live-status]");
  var notice = root.querySelector("[data-live-new]");
  var noticeButton = notice.querySelector("button");
  var ended = root.querySelector("[data-live-ended]");
  var baseTitle = document.title;
  var held = [];
  var unseen = 0;
  var timer = null;
  var inFlight = false;
  var running = true;

  function plural(count) {
    return count === 1 ? "1 new post" : count + " new posts";
  }

  function fromHtml(html) {
    var template = document.createElement("template");
    template.innerHTML = html;
    return template.content.firstElementChild;
  }

  function postNode(id) {
    return stream.querySelector('[data-post="' + id + '"]');
  }

  function scrolledDown() {
    return stream.getBoundingClientRect().top < 0;
  }

  function showTitle() {
    document.title = unseen ? "(" + unseen + ") " + baseTitle : baseTitle;
  }

  function insert(nodes) {
    var empty = stream.querySelector(".live__empty");
    if (empty) {
      empty.remove();
    }
    for (var i = nodes.length - 1; i >= 0; i -= 1) {
      stream.insertBefore(nodes[i], stream.firstChild);
    }
  }

  function showHeld() {
    insert(held);
    held = [];
    notice.hidden = true;
  }

  function seen() {
    unseen = 0;
    showTitle();
  }

  function apply(data) {
    var updated = document.querySelector("[data-live-updated]");
    if (updated && data.updated) {
      updated.setAttribute("datetime", data.updated);
      updated.textContent = data.updated_text;
    }
    var fresh = [];
    data.posts.forEach(function (post) {
      var existing = postNode(post.id);
      var isHeld = held.some(function (node) { return node.getAttribute("data-post") === String(post.id); });
      if (existing) {
        if (existing.getAttribute("data-version") !== String(post.version)) {
          existing.replaceWith(fromHtml(post.html));
        }
      } else if (!isHeld) {
        fresh.push(fromHtml(post.html));
      }
    });
    if (fresh.length) {
      unseen += fresh.length;
      if (scrolledDown()) {
        held = fresh.concat(held);
        noticeButton.textContent = plural(held.length);
        notice.hidden = false;
      } else {
        insert(fresh);
      }
      status.textContent = plural(fresh.length);
      showTitle();
    }
    if (!data.running) {
      stop();
      ended.hidden = false;
      var label = document.querySelector("[data-live-label]");
      if (label) {
        label.textContent = "Live coverage ended";
      }
      status.textContent = "This live coverage has ended.";
    }
  }

  function poll() {
    timer = null;
    inFlight = true;
    // "no-cache": revalidate with the server (a 304 when nothing changed) instead of reusing
    // the browser's copy for its max-age.
    fetch(url, { cache: "no-cache", credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (response.status === 404 || response.status === 410) {
          stop(); // the story is no longer published
          return null;
        }
        return response.ok ? response.json() : null;
      })
      .then(function (data) {
        if (data) {
          apply(data);
        }
      })
      .catch(function () { /* offline or the server away: try again next time */ })
      .then(function () {
        inFlight = false;
        schedule();
      });
  }

  function schedule() {
    if (running && !document.hidden && timer === null) {
      timer = window.setTimeout(poll, interval);
    }
  }

  function stop() {
    running = false;
    if (timer !== null) {
      window.clearTimeout(timer);
      timer = null;
    }
  }

  document.addEventListener("visibilitychange", function () {
    if (document.hidden) {
      if (timer !== null) {
        window.clearTimeout(timer);
        timer = null;
      }
    } else if (running && timer === null && !inFlight) {
      poll();
    }
  });

  noticeButton.addEventListener("click", function () {
    showHeld();
    seen();
    stream.scrollIntoView();
  });

  window.addEventListener("scroll", function () {
    if (!scrolledDown()) {
      if (held.length) {
        showHeld();
      }
      if (unseen) {
        seen();
      }
    }
  }, { passive: true });

  schedule();
}());
