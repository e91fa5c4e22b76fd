/* A signed embed link (?embed=<token>, docs/people.md): every request the page makes to its own
 * server's Dash routes (layout, callbacks) carries the token in the X-Embed-Token header, so the
 * server shows this tab that one dataset and refuses any other. The token is read once, at load:
 * the page rewrites its query string as filters change. Plain embed=1 is no token. */
(function () {
  "use strict";
  var token = new URLSearchParams(window.location.search).get("embed");
  if (!token || token === "0" || token === "1" || !window.fetch) {
    return;
  }
  var original = window.fetch;
  window.fetch = function (resource, init) {
    var url = new URL(typeof resource === "string" ? resource : resource.url, window.location.href);
    if (url.origin === window.location.origin && url.pathname.indexOf("/_dash-") !== -1) {
      init = Object.assign({}, init);
      var headers = new Headers(init.headers || (typeof resource === "string" ? {} : resource.headers));
      headers.set("X-Embed-Token", token);
      init.headers = headers;
    }
    return original.call(this, resource, init);
  };
})();
