/* A feature's "history" link in the dashboard's feature table (figures/dashboard/table.py,
   cellRenderer "HistoryLink"): the history page of that feature, for the business, image
   source, threshold and pinned metrics delivery of the page's own address. */
(function () {
    var components = window.dashAgGridComponentFunctions =
        window.dashAgGridComponentFunctions || {};
    components.HistoryLink = function (props) {
        var here = new URLSearchParams(window.location.search);
        var query = new URLSearchParams();
        ["business", "image_source"].forEach(function (key) {
            if (here.get(key)) { query.set(key, here.get(key)); }
        });
        query.set("feature", props.value);
        ["threshold", "metrics"].forEach(function (key) {
            if (here.get(key)) { query.set(key, here.get(key)); }
        });
        var path = window.location.pathname;
        if (path.charAt(path.length - 1) !== "/") { path += "/"; }
        return React.createElement("a", {
            href: path + "history?" + query.toString(),
            className: "feature-history-link",
            "aria-label": "History of " + props.value + " across builds"
        }, "history");
    };
})();
