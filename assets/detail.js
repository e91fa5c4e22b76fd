/* Image detail: when the picture fails to load (404, blocked, not an image), mark its box so
 * CSS shows the placeholder instead. One listener in the capture phase sees every <img> error
 * (error events do not bubble); no inline onerror attribute, no markup from data. */
(function () {
  "use strict";
  document.addEventListener("error", function (event) {
    var img = event.target;
    if (!img || img.tagName !== "IMG" || !img.classList.contains("image-detail-img")) {
      return;
    }
    var box = img.closest(".image-detail-picture");
    if (box) {
      box.classList.add("image-detail-failed");
    }
  }, true);
})();
