/* Accessible names for the number boxes Dash 4 draws beside its sliders (allow_direct_input):
 * Dash gives them no label and takes no prop for one, so they are named here as they appear.
 * Keyed by the slider's id; nothing else on the page is touched. */
(function () {
  "use strict";
  var NAMES = {
    "confidence": ["Confidence threshold"],
    "sparsity": ["Lowest prevalence, % of images", "Highest prevalence, % of images"]
  };
  function label() {
    Object.keys(NAMES).forEach(function (id) {
      var root = document.getElementById(id);
      if (!root) { return; }
      var inputs = root.parentElement.querySelectorAll("input");
      for (var i = 0; i < inputs.length && i < NAMES[id].length; i++) {
        if (inputs[i].getAttribute("aria-label") !== NAMES[id][i]) {
          inputs[i].setAttribute("aria-label", NAMES[id][i]);
        }
      }
    });
  }
  new MutationObserver(label).observe(document.documentElement, {childList: true, subtree: true});
})();
