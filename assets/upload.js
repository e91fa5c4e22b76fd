/* Upload (layouts/upload.py): files chosen in the drop zones are PUT straight to the API with
 * XMLHttpRequest, so large files never pass through Dash and upload.onprogress drives the bar.
 * The API's answers go back to Dash as the result of a clientside callback
 * (window.dash_clientside.imageDashboardUpload.send); callbacks/upload.py renders them as text.
 * Nothing here builds markup from data: names reach the page only through set_props as strings.
 */
(function () {
  "use strict";

  var chosen = {};  // drop-zone id -> File

  function setProps(id, props) {
    window.dash_clientside.set_props(id, props);
  }

  function zoneOf(node) {
    return node && node.closest ? node.closest(".upload-drop") : null;
  }

  function inUploadModal(node) {
    return !!(node && node.closest && node.closest(".upload-modal"));
  }

  function sizeText(bytes) {
    if (bytes < 1024) { return bytes + " B"; }
    if (bytes < 1024 * 1024) { return (bytes / 1024).toFixed(1) + " KB"; }
    return (bytes / 1024 / 1024).toFixed(1) + " MB";
  }

  function choose(zone, file) {
    if (!file) { return; }
    chosen[zone.id] = file;
    setProps(zone.dataset.label, {children: file.name + " (" + sizeText(file.size) + ")"});
  }

  function pick(zone) {
    var input = document.createElement("input");
    input.type = "file";
    input.accept = zone.dataset.accept || "";
    input.addEventListener("change", function () { choose(zone, input.files[0]); });
    input.click();
  }

  // Dropping a file anywhere else in the dialog must not make the browser open it instead.
  document.addEventListener("dragover", function (event) {
    var zone = zoneOf(event.target);
    if (zone || inUploadModal(event.target)) { event.preventDefault(); }
    if (zone) {
      event.dataTransfer.dropEffect = "copy";
      zone.classList.add("upload-drop-over");
    }
  });
  document.addEventListener("dragleave", function (event) {
    var zone = zoneOf(event.target);
    if (zone && !zone.contains(event.relatedTarget)) { zone.classList.remove("upload-drop-over"); }
  });
  document.addEventListener("drop", function (event) {
    var zone = zoneOf(event.target);
    if (zone || inUploadModal(event.target)) { event.preventDefault(); }
    if (zone) {
      zone.classList.remove("upload-drop-over");
      choose(zone, event.dataTransfer.files[0]);
    }
  });
  document.addEventListener("click", function (event) {
    var zone = zoneOf(event.target);
    if (zone) { pick(zone); }
  });
  document.addEventListener("keydown", function (event) {
    var zone = zoneOf(event.target);
    if (zone && (event.key === "Enter" || event.key === " ")) {
      event.preventDefault();
      pick(zone);
    }
  });

  function apiBase() {
    var config = document.getElementById("_dash-config");
    var prefix = config ? JSON.parse(config.textContent).requests_pathname_prefix : "/";
    return prefix + "api/v1/";
  }

  // Content-Type from the file name (".gz" is sent as Content-Encoding: gzip); a metrics file
  // with another extension is sniffed: JSON starts with "{", anything else is taken as CSV.
  function encoding(file, kind) {
    var name = file.name.toLowerCase();
    var gzip = /\.gz$/.test(name);
    if (gzip) { name = name.slice(0, -3); }
    var type = null;
    if (/\.json$/.test(name) || kind === "features") { type = "application/json"; }
    else if (/\.csv$/.test(name)) { type = "text/csv"; }
    if (type || gzip) {
      return Promise.resolve({type: type || "application/json", gzip: gzip});
    }
    return file.slice(0, 256).text().then(function (head) {
      return {type: /^\s*[{[]/.test(head) ? "application/json" : "text/csv", gzip: false};
    });
  }

  function put(job, token, business, source, onProgress) {
    return encoding(job.file, job.kind).then(function (enc) {
      return new Promise(function (resolve) {
        var xhr = new XMLHttpRequest();
        var url = apiBase() + job.kind + "?business=" + encodeURIComponent(business) +
          "&image_source=" + encodeURIComponent(source);
        var step = {kind: job.kind, file: job.file.name, size: job.file.size};
        function fail(code, message) {
          step.status = 0;
          step.body = {error: code, message: message, details: []};
          resolve(step);
        }
        xhr.open("PUT", url);
        try {
          xhr.setRequestHeader("Content-Type", enc.type);
          if (enc.gzip) { xhr.setRequestHeader("Content-Encoding", "gzip"); }
          if (token) { xhr.setRequestHeader("Authorization", "Bearer " + token.trim()); }
        } catch (err) {
          fail("bad_token", "The token can only hold plain ASCII characters.");
          return;
        }
        xhr.upload.onprogress = function (e) {
          if (e.lengthComputable) { onProgress(e.loaded, false); }
        };
        xhr.upload.onload = function () { onProgress(job.file.size, true); };
        xhr.onload = function () {
          step.status = xhr.status;
          try {
            step.body = JSON.parse(xhr.responseText);
          } catch (err) {
            step.body = {error: "not_json", details: [],
                         message: "The server answered " + xhr.status + " " + xhr.statusText +
                                  " without a JSON body (a proxy in between?)."};
          }
          resolve(step);
        };
        xhr.onerror = function () {
          fail("network_error", "The server could not be reached, or it closed the connection " +
                                "(a file over the server's size limit can do that). Nothing " +
                                "was confirmed as stored.");
        };
        xhr.send(job.file);
      });
    });
  }

  function send(nClicks, business, source, token, featuresZone, metricsZone, progressId, sendId) {
    business = (business || "").trim();
    source = (source || "").trim();
    var jobs = [];
    if (chosen[featuresZone]) { jobs.push({kind: "features", file: chosen[featuresZone]}); }
    if (chosen[metricsZone]) { jobs.push({kind: "metrics", file: chosen[metricsZone]}); }
    var answer = {business: business, image_source: source, steps: [], at: Date.now()};
    if (!business || !source) {
      answer.problem = "Say which dataset this is: give a business and an image source " +
                       "(pick an existing one or type a new name).";
      return answer;
    }
    if (!jobs.length) {
      answer.problem = "Choose a features JSON, a metrics file, or both.";
      return answer;
    }
    var total = jobs.reduce(function (n, j) { return n + j.file.size; }, 0) || 1;
    var done = 0;
    setProps(sendId, {disabled: true});
    setProps(progressId, {value: 0, label: "", color: "primary", animated: true});

    function run(i) {
      if (i >= jobs.length) { return Promise.resolve(); }
      var job = jobs[i];
      return put(job, token, business, source, function (loaded, sent) {
        var pct = Math.round(100 * (done + loaded) / total);
        setProps(progressId, {
          value: pct,
          label: sent ? job.file.name + ": checking…" : job.file.name + ": " + pct + "%"
        });
      }).then(function (step) {
        answer.steps.push(step);
        done += job.file.size;
        var ok = step.status >= 200 && step.status < 300;
        // A failed features delivery stops here: metrics for a build that was refused would
        // only confuse what is stored.
        if (!ok && i + 1 < jobs.length) {
          answer.problem = "Not sent: " + jobs.slice(i + 1).map(function (j) {
            return j.file.name;
          }).join(", ") + " (fix the file above and send again).";
        }
        return ok ? run(i + 1) : Promise.resolve();
      });
    }

    return run(0).then(function () {
      var ok = answer.steps.every(function (s) { return s.status >= 200 && s.status < 300; });
      setProps(progressId, {value: 100, animated: false, color: ok ? "success" : "danger",
                            label: ok ? "Done" : "Failed"});
      setProps(sendId, {disabled: false});
      return answer;
    }, function (err) {
      setProps(progressId, {value: 100, animated: false, color: "danger", label: "Failed"});
      setProps(sendId, {disabled: false});
      answer.problem = "The upload stopped in the browser: " + err;
      return answer;
    });
  }

  window.dash_clientside = window.dash_clientside || {};
  window.dash_clientside.imageDashboardUpload = {send: send};
})();
