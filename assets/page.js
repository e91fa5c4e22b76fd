/* embed=1 or a signed embed link (embed=<token>) in the URL (a portal's iframe): mark the page
 * before Dash renders, so page.css hides the header and the selectors panel without a flash.
 * Nothing else reads the flag (the server renders a signed embed without them anyway). */
(function () {
  "use strict";
  var params = new URLSearchParams(window.location.search);
  var embed = params.get("embed");
  if (embed && embed !== "0") {
    document.documentElement.classList.add("embedded");
  }
})();
