/* Rate and Compare pages (layouts/rate.py, layouts/compare.py): the keyboard, and pictures that
 * fail to load. Kept small on purpose: every decision stays in the pages' Dash callbacks.
 *
 * 1. Keys. A key press clicks the visible, enabled button inside .judge-keys whose data-keys
 *    lists that key (data-keys="7", data-keys="= +"), so a key does exactly what a click does.
 *    Typing in a field (the name bar, a dropdown) is left alone, and so are Enter and Space on
 *    a focused button (the browser clicks it already) and arrows on a focused radio button
 *    (they move between its choices).
 * 2. Broken pictures. When an <img class="judge-img"> fails (404, blocked, not an image), its
 *    .judge-picture box is marked so CSS shows the placeholder, and the Dash store named in the
 *    image's data-store gets {image, at}: the page then skips (Rate) or replaces (Compare) it.
 *    One capture-phase listener sees every image error (error events do not bubble). */
(function () {
  "use strict";

  function typing(el, key) {
    if (!el || !el.tagName) {
      return false;
    }
    var tag = el.tagName.toUpperCase();
    if (tag === "INPUT" && (el.type === "radio" || el.type === "checkbox")) {
      return key.indexOf("Arrow") === 0;
    }
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || el.isContentEditable;
  }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || event.repeat ||
        typing(event.target, event.key)) {
      return;
    }
    if ((event.key === "Enter" || event.key === " ") && event.target.tagName === "BUTTON") {
      return;
    }
    var buttons = document.querySelectorAll(".judge-keys [data-keys]");
    for (var i = 0; i < buttons.length; i++) {
      var button = buttons[i];
      if (button.disabled || button.offsetParent === null) {
        continue;
      }
      if (button.getAttribute("data-keys").split(" ").indexOf(event.key) !== -1) {
        event.preventDefault();
        button.click();
        return;
      }
    }
  });

  document.addEventListener("error", function (event) {
    var img = event.target;
    if (!img || img.tagName !== "IMG" || !img.classList.contains("judge-img")) {
      return;
    }
    var box = img.closest(".judge-picture");
    if (box) {
      box.classList.add("judge-failed");
    }
    var store = img.getAttribute("data-store");
    var dc = window.dash_clientside;
    if (store && dc && dc.set_props) {
      dc.set_props(store, {data: {image: img.getAttribute("data-image"), at: Date.now()}});
    }
  }, true);
})();
