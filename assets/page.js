/* embed=1 in the URL (a portal's iframe): mark the page before Dash renders, so page.css hides
 * the header and the selectors panel without a flash. Nothing else reads the flag. */
(function () {
  "use strict";
  var params = new URLSearchParams(window.location.search);
  if (params.get("embed") === "1") {
    document.documentElement.classList.add("embedded");
  }
})();
