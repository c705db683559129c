/*
 * The focal point widget (articles/admin/widgets.py): a click on the photo preview sets the
 * focal_x and focal_y inputs to where it landed (fractions of the width and height, 0 to 1);
 * typing in the inputs moves the marker; arrow keys on the focused preview nudge it. On the add
 * form the preview shows the file chosen. Without this script the two number inputs still work.
 */
"use strict";
(function () {
  const STEP = 0.01;

  function clamp(value) {
    return Math.min(Math.max(value, 0), 1);
  }

  function round(value) {
    return Math.round(clamp(value) * 1000) / 1000;
  }

  function setUp(widget) {
    const form = widget.closest("form");
    const xInput = widget.querySelector("input");
    const yInput = form ? form.elements.namedItem(widget.dataset.yName) : null;
    const preview = widget.querySelector(".focal-point__preview");
    const image = widget.querySelector(".focal-point__image");
    const marker = widget.querySelector(".focal-point__marker");
    if (!xInput || !yInput || !preview || !image || !marker) {
      return;
    }

    function read(input) {
      const value = parseFloat(input.value);
      return Number.isFinite(value) ? clamp(value) : 0.5;
    }

    function showMarker() {
      marker.style.left = read(xInput) * 100 + "%";
      marker.style.top = read(yInput) * 100 + "%";
      preview.setAttribute(
        "aria-label",
        "Focal point: " + Math.round(read(xInput) * 100) + "% across, " + Math.round(read(yInput) * 100) + "% down"
      );
    }

    function setPoint(x, y) {
      xInput.value = round(x);
      yInput.value = round(y);
      xInput.dispatchEvent(new Event("change", { bubbles: true }));
      yInput.dispatchEvent(new Event("change", { bubbles: true }));
      showMarker();
    }

    preview.addEventListener("click", function (event) {
      const box = image.getBoundingClientRect();
      if (!box.width || !box.height) {
        return;
      }
      setPoint((event.clientX - box.left) / box.width, (event.clientY - box.top) / box.height);
    });

    preview.addEventListener("keydown", function (event) {
      const moves = { ArrowLeft: [-STEP, 0], ArrowRight: [STEP, 0], ArrowUp: [0, -STEP], ArrowDown: [0, STEP] };
      const move = moves[event.key];
      if (!move) {
        return;
      }
      event.preventDefault();
      setPoint(read(xInput) + move[0], read(yInput) + move[1]);
    });

    xInput.addEventListener("input", showMarker);
    yInput.addEventListener("input", showMarker);

    // On the add form: preview the file being uploaded.
    const fileInput = form.querySelector('input[type="file"]');
    if (fileInput) {
      fileInput.addEventListener("change", function () {
        const file = fileInput.files && fileInput.files[0];
        if (!file || !file.type.startsWith("image/")) {
          return;
        }
        if (image.dataset.objectUrl) {
          URL.revokeObjectURL(image.dataset.objectUrl);
        }
        image.dataset.objectUrl = URL.createObjectURL(file);
        image.src = image.dataset.objectUrl;
        preview.hidden = false;
      });
    }

    widget.classList.add("focal-point--ready");
    showMarker();
  }

  function setUpAll() {
    document.querySelectorAll("[data-focal-point]").forEach(setUp);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setUpAll);
  } else {
    setUpAll();
  }
})();
