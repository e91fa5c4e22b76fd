/* The scatter arrives compact (figures/dashboard/scatter.py): per point only its image (as the
 * step from the previous point of the same feature) and its confidence (the marker colour), as
 * base64 typed arrays (URL-safe alphabet). The browser derives the rest before plotly.js sees
 * the figure: x from the per-category point counts (points come feature by feature), the hover
 * name and the CTR from the build's image table (GET api/v1/images: names and CTRs), fetched
 * once per build and metrics delivery and kept here; another outcome (people's score or
 * strength) comes with the figure ("y": per judged image). A per-category hover line
 * ("category_text": per-feature thresholds) becomes each point's hovertext.
 * callbacks/dashboard/points.py calls expand() as a clientside callback. Names reach plotly.js
 * only as hover text, shortened as figures/base.py shorten() and escaped as label() does. */
(function () {
  "use strict";

  var TYPES = {u1: Uint8Array, u2: Uint16Array, u4: Uint32Array, i1: Int8Array,
               i2: Int16Array, i4: Int32Array, f4: Float32Array, f8: Float64Array};
  var KEEP_TABLES = 4;
  var tables = {};  // table key -> Promise of {labels, ctr}
  var order = [];   // table keys, oldest first
  var latest = 0;   // the newest expand() call: an older one finishing later is dropped

  function decode(spec) {
    if (!spec || typeof spec !== "object" || typeof spec.bdata !== "string") {
      return spec;
    }
    var raw = atob(spec.bdata.replace(/-/g, "+").replace(/_/g, "/"));  // URL-safe alphabet
    var bytes = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) {
      bytes[i] = raw.charCodeAt(i);
    }
    return new TYPES[spec.dtype](bytes.buffer);
  }

  function escapeLabel(text) {
    return String(text).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  }

  function shorten(text, limit) {
    var chars = Array.from(String(text));  // code points, as Python counts them
    return chars.length <= limit ? String(text) : chars.slice(0, limit - 1).join("") + "\u2026";
  }

  function apiBase() {
    var config = document.getElementById("_dash-config");
    var prefix = config ? JSON.parse(config.textContent).requests_pathname_prefix : "/";
    return prefix + "api/v1/";
  }

  function table(ref) {
    var key = ref.key;
    if (!tables[key]) {
      var query = new URLSearchParams({business: ref.business, image_source: ref.image_source,
                                       build: String(ref.build), key: key,
                                       ctr: "f4"});  // drawn and hovered alike; half the bytes
      if (ref.metrics !== undefined && ref.metrics !== null) {
        query.set("metrics", String(ref.metrics));
      }
      tables[key] = fetch(apiBase() + "images?" + query.toString(), {credentials: "same-origin"})
        .then(function (resp) {
          if (!resp.ok) { throw new Error("HTTP " + resp.status); }
          return resp.json();
        })
        .then(function (body) {
          if (body.key !== key) {
            forget(key);  // the metrics changed meanwhile: use it once, do not keep it
          }
          return {names: body.images, labels: {}, ctr: decode(body.ctr)};
        });
      tables[key].catch(function () { forget(key); });
      order.push(key);
      while (order.length > KEEP_TABLES) { delete tables[order.shift()]; }
    }
    return tables[key];
  }

  function forget(key) {
    delete tables[key];
    order = order.filter(function (k) { return k !== key; });
  }

  function unavailable(figure, reason) {
    var layout = Object.assign({}, figure.layout, {
      xaxis: {visible: false}, yaxis: {visible: false}, shapes: [],
      annotations: [{text: "The image list of this build could not be loaded (" +
                           escapeLabel(reason) + "). Reload the page.",
                     showarrow: false, xref: "paper", yref: "paper", x: 0.5, y: 0.5}]});
    return {data: [], layout: layout};
  }

  function expand(figure) {
    if (!figure || !figure.points) {
      return figure;  // a message figure (nothing to draw): as it is
    }
    var call = ++latest;
    var spec = figure.points;
    return table(spec.images).then(function (images) {
      if (call !== latest) { return window.dash_clientside.no_update; }
      var trace = Object.assign({}, figure.data[0]);
      var steps = decode(spec.image_step);
      var n = steps.length;
      var rows = new Uint32Array(n), x = new Array(n), y = new Float64Array(n);
      var text = new Array(n);
      var notes = spec.category_text ? new Array(n) : null;
      var outcome = images.ctr;
      if (spec.y) {  // not the CTR: the outcome of every image that has one
        outcome = new Float64Array(images.names.length).fill(NaN);
        var judged = decode(spec.y.images), values = decode(spec.y.values);
        for (var j = 0; j < judged.length; j++) { outcome[judged[j]] = values[j]; }
      }
      var limit = spec.hover_name_chars || Infinity;
      var i = 0;
      spec.categories.forEach(function (category, f) {
        var image = spec.image_first[f];
        for (var k = 0; k < spec.counts[f]; k++, i++) {
          image += steps[i];  // 0 for a feature's first point
          rows[i] = image;
          x[i] = category;
          y[i] = outcome[image];
          text[i] = images.labels[image] ||  // shortened and escaped once, when first drawn
            (images.labels[image] = escapeLabel(shorten(images.names[image], limit)));
          if (notes) { notes[i] = spec.category_text[f]; }
        }
      });
      trace.x = x;
      trace.y = y;
      trace.text = text;
      if (notes) { trace.hovertext = notes; }
      trace.customdata = rows;
      trace.marker = Object.assign({}, trace.marker, {color: decode(spec.confidence)});
      return {data: [trace], layout: figure.layout};
    }, function (err) {
      return call === latest ? unavailable(figure, err.message) : window.dash_clientside.no_update;
    });
  }

  window.dash_clientside = window.dash_clientside || {};
  window.dash_clientside.imageDashboardScatter = {expand: expand};
})();
