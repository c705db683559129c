/*
 * Crop boxes (articles/admin/cropping.py): over each ratio's copy of the photo, a Cropper.js 2
 * selection of that ratio (static/admin/vendor/cropperjs/) that fills in the four numbers, left,
 * top, width and height in pixels of the photo, as it is moved or resized; typing the numbers
 * moves it. With the numbers empty it shows the crop cut around the focal point, as the site
 * does. Without this script the numbers are typed, and the server checks them all the same.
 */
"use strict";
(function () {
  const TEMPLATE =
    "<cropper-canvas background>" +
    '<cropper-image initial-center-size="contain"></cropper-image>' +
    '<cropper-shade hidden></cropper-shade>' +
    '<cropper-selection movable resizable outlined keyboard>' +
    '<cropper-grid role="grid" bordered covered></cropper-grid>' +
    '<cropper-handle action="move" theme-color="rgba(255, 255, 255, 0.35)"></cropper-handle>' +
    '<cropper-handle action="ne-resize"></cropper-handle>' +
    '<cropper-handle action="nw-resize"></cropper-handle>' +
    '<cropper-handle action="se-resize"></cropper-handle>' +
    '<cropper-handle action="sw-resize"></cropper-handle>' +
    "</cropper-selection>" +
    "</cropper-canvas>";

  function number(input) {
    const value = parseInt(input.value, 10);
    return Number.isFinite(value) ? value : null;
  }

  // The largest box of the ratio centred on the focal point, as articles/renditions.py cuts it.
  function focalBox(imageWidth, imageHeight, ratioWidth, ratioHeight, focalX, focalY) {
    let width = imageWidth;
    let height = Math.max(1, Math.round((imageWidth * ratioHeight) / ratioWidth));
    if (imageWidth * ratioHeight > imageHeight * ratioWidth) {
      width = Math.max(1, Math.round((imageHeight * ratioWidth) / ratioHeight));
      height = imageHeight;
    }
    const left = Math.min(Math.max(Math.round(focalX * imageWidth - width / 2), 0), imageWidth - width);
    const top = Math.min(Math.max(Math.round(focalY * imageHeight - height / 2), 0), imageHeight - height);
    return [left, top, width, height];
  }

  function setUp(widget) {
    const inputs = Array.from(widget.querySelectorAll(".crop-box__numbers input"));
    const editor = widget.querySelector(".crop-box__editor");
    const image = widget.querySelector(".crop-box__image");
    const reset = widget.querySelector(".crop-box__reset");
    const ratioWidth = Number(widget.dataset.ratioWidth);
    const ratioHeight = Number(widget.dataset.ratioHeight);
    const imageWidth = Number(widget.dataset.imageWidth);
    const imageHeight = Number(widget.dataset.imageHeight);
    if (inputs.length !== 4 || !image || !image.getAttribute("src") || !imageWidth || !imageHeight || !window.Cropper) {
      return;
    }
    editor.hidden = false;
    const cropper = new window.Cropper.default(image, { template: TEMPLATE, container: editor });
    const canvas = cropper.getCropperCanvas();
    const cropperImage = cropper.getCropperImage();
    const selection = cropper.getCropperSelection();
    selection.aspectRatio = ratioWidth / ratioHeight;
    // Changes are the person's only once the box is placed (the library sizes it on its own first).
    let placed = false;
    let writing = false;

    // Where the photo is drawn inside the canvas, and how many screen pixels a photo pixel is.
    function placement() {
      const canvasBox = canvas.getBoundingClientRect();
      const imageBox = cropperImage.getBoundingClientRect();
      return { left: imageBox.left - canvasBox.left, top: imageBox.top - canvasBox.top, scale: imageBox.width / imageWidth };
    }

    function chosenBox() {
      const values = inputs.map(number);
      return values.every((value) => value !== null) ? values : null;
    }

    function showBox() {
      const box =
        chosenBox() ||
        focalBox(imageWidth, imageHeight, ratioWidth, ratioHeight, Number(widget.dataset.focalX), Number(widget.dataset.focalY));
      const where = placement();
      writing = true;
      selection.$change(where.left + box[0] * where.scale, where.top + box[1] * where.scale, box[2] * where.scale, box[3] * where.scale, NaN);
      writing = false;
      widget.classList.toggle("crop-box--focal", chosenBox() === null);
    }

    // A box in photo pixels, of the ratio and inside the photo, from the selection on screen.
    function toPhoto(detail) {
      const where = placement();
      let width = Math.min(Math.round(detail.width / where.scale), imageWidth);
      let height = Math.round((width * ratioHeight) / ratioWidth);
      if (height > imageHeight) {
        height = imageHeight;
        width = Math.round((height * ratioWidth) / ratioHeight);
      }
      const left = Math.min(Math.max(Math.round((detail.x - where.left) / where.scale), 0), imageWidth - width);
      const top = Math.min(Math.max(Math.round((detail.y - where.top) / where.scale), 0), imageHeight - height);
      return [left, top, width, height];
    }

    selection.addEventListener("change", function (event) {
      const detail = event.detail;
      if (!placed || writing || !(detail.width > 0 && detail.height > 0)) {
        return;
      }
      const where = placement();
      const outside =
        detail.x < where.left - 1 ||
        detail.y < where.top - 1 ||
        detail.x + detail.width > where.left + imageWidth * where.scale + 1 ||
        detail.y + detail.height > where.top + imageHeight * where.scale + 1;
      if (outside) {
        // The box stays inside the photo: moved past an edge, it stops against it.
        event.preventDefault();
        const shownWidth = imageWidth * where.scale;
        const shownHeight = imageHeight * where.scale;
        if (detail.width <= shownWidth + 1 && detail.height <= shownHeight + 1) {
          const x = Math.min(Math.max(detail.x, where.left), where.left + shownWidth - detail.width);
          const y = Math.min(Math.max(detail.y, where.top), where.top + shownHeight - detail.height);
          selection.$change(x, y, detail.width, detail.height, NaN);
        }
        return;
      }
      toPhoto(detail).forEach(function (value, index) {
        inputs[index].value = value;
      });
      widget.classList.remove("crop-box--focal");
      inputs[0].dispatchEvent(new Event("change", { bubbles: true }));
    });

    inputs.forEach(function (input) {
      input.addEventListener("input", showBox);
    });

    reset.addEventListener("click", function () {
      inputs.forEach(function (input) {
        input.value = "";
      });
      inputs[0].dispatchEvent(new Event("change", { bubbles: true }));
      showBox();
    });

    // The focal point set above (focal_point.js) moves an unchosen box with it.
    const form = widget.closest("form");
    ["focal_x", "focal_y"].forEach(function (name) {
      const input = form && form.elements.namedItem(name);
      if (input) {
        input.addEventListener("change", function () {
          widget.dataset.focalX = form.elements.namedItem("focal_x").value;
          widget.dataset.focalY = form.elements.namedItem("focal_y").value;
          if (chosenBox() === null) {
            showBox();
          }
        });
      }
    });

    cropperImage.$ready().then(function () {
      // The image is centred once loaded; place the box after that.
      window.requestAnimationFrame(function () {
        showBox();
        placed = true;
      });
      widget.classList.add("crop-box--ready");
    });
    // The library centres the photo in the canvas (on load, on resize): keep the box on it.
    function replace() {
      window.requestAnimationFrame(function () {
        if (placed) {
          showBox();
        }
      });
    }
    cropperImage.addEventListener("transform", replace);
    window.addEventListener("resize", replace);
  }

  function setUpAll() {
    document.querySelectorAll("[data-crop-box]").forEach(setUp);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setUpAll);
  } else {
    setUpAll();
  }
})();
