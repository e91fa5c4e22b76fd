"""Every component id of the page, in one place (docs/dashboard.md lists the public ones).

Import the class and use its members (`ids.SCATTER`); never write an id as a string literal
elsewhere. Add new ids here, grouped by the part of the page they belong to.
"""


class ids:  # noqa: N801 - used as a namespace: ids.SCATTER
    # Public (docs/dashboard.md): relied on by tests, portals and people.
    BUSINESS = "business"
    IMAGE_SOURCE = "image-source"
    BUILD = "build"
    CONFIDENCE = "confidence"
    SPARSITY = "sparsity"
    SCATTER = "scatter"
    BAR_WITH = "bar-with"
    BAR_IMPACT = "bar-impact"
    BAR_WITHOUT = "bar-without"
    STATUS = "status"

    # Page state shared between parts of the page (owned by the dashboard core).
    # FILTERS holds the view the user asked for, as a dict:
    # {"business", "image_source", "build" (int | None = current), "version" (image source
    #  version, changes on every new build or metrics delivery), "threshold", "min_pct",
    #  "max_pct", "top_k" (int, None = all), "sort" ("impact" | "abs_impact" | "prevalence" |
    #  "name"), "pinned": [feature], "excluded": [feature]}
    # figures.dashboard.view.select_features(stats, filters) is the page's feature selection;
    # data/domain/filters.py defines the keys, defaults and URL spelling.
    FILTERS = "filters-store"

    # Page core (layouts/dashboard/page.py, controls.py, charts.py; callbacks/dashboard/*).
    URL = "url"
    HEADER = "page-header"
    SELECTORS_PANEL = "selectors-panel"
    TOP_K = "top-k"
    TOP_K_NOTE = "top-k-note"
    SHOW_ALL = "show-all-features"
    SORT = "sort-order"
    RANK = "rank-by"
    MIN_GROUP = "min-group"
    ADJUST = "adjust"
    WEIGHT = "weight"
    ADJUST_HELP = "adjust-help"
    PINNED = "pinned-features"
    EXCLUDED = "excluded-features"
    THRESHOLD_NOTE = "confidence-note"
    OUTCOME = "outcome"  # what y_i is: ctr | score | strength (data/domain/filters.py OUTCOMES)
    SPARSITY_NOTE = "sparsity-note"
    SAMPLE_NOTE = "scatter-sample-note"
    GUIDE = "empty-guide"
    # The scatter as the render callback sends it (figures/dashboard/scatter.py: per point
    # only what the browser cannot derive); assets/scatter.js turns it into ids.SCATTER's figure.
    SCATTER_DATA = "scatter-points"
    BUILD_NOTICE = "build-notice"
    LIVE_NOTICE = "live-notice"
    LIVE_POLL = "live-poll"
    # The dataset the selectors resolved ({"business", "image_source", "build" (int | None),
    # "version", "current_build_id"}), and what the live poll last saw changing on the server.
    SELECTION = "selection"
    LIVE_VERSION = "live-version"
    URL_RESTORED = "url-restored"

    # Feature table (layouts/dashboard/table.py, callbacks/dashboard/table.py).
    TABLE = "feature-table"
    TABLE_NOTE = "feature-table-note"
    TABLE_CSV_BUTTON = "feature-table-csv-button"
    TABLE_CSV = "feature-table-csv"

    # Image detail (layouts/dashboard/detail.py, callbacks/dashboard/detail.py).
    DETAIL = "image-detail"
    DETAIL_BODY = "image-detail-body"

    # Label fixes and thresholds (docs/statistics.md, label fixes and thresholds): the two switches beside the threshold (in the URL
    # as apply_fixes=1 and thresholds=saved), and the detail panel's fix form. FIXES_VERSION
    # holds the image source's fixes version after a fix from this page ({"version": int}); the
    # filters follow it, so the figures recompute when fixes are applied.
    APPLY_FIXES = "apply-fixes"
    THRESHOLD_MODE = "per-feature-thresholds"
    FIXES_VERSION = "fixes-version"
    DETAIL_IMAGE = "image-detail-image"  # {"image": name, "build": id} of the panel's image
    DETAIL_FIXES = "image-detail-fixes"  # the image's features: model value and latest fix
    DETAIL_HISTORY = "image-detail-history"  # every fix of the image, on demand
    FIX_FEATURE = "fix-feature"
    FIX_NOTE = "fix-note"
    FIX_PRESENT = "fix-present"
    FIX_ABSENT = "fix-absent"
    FIX_RESULT = "fix-result"

    # Upload (layouts/dashboard/upload.py, callbacks/dashboard/upload.py, assets/upload.js).
    UPLOAD_OPEN = "upload-open"
    UPLOAD = "upload"
    UPLOAD_BUSINESS = "upload-business"
    UPLOAD_BUSINESS_LIST = "upload-business-list"
    UPLOAD_SOURCE = "upload-image-source"
    UPLOAD_SOURCE_LIST = "upload-image-source-list"
    UPLOAD_TOKEN = "upload-token"
    UPLOAD_FEATURES = "upload-features"  # drop zones; upload.js holds the chosen files
    UPLOAD_FEATURES_LABEL = "upload-features-label"
    UPLOAD_METRICS = "upload-metrics"
    UPLOAD_METRICS_LABEL = "upload-metrics-label"
    UPLOAD_SEND = "upload-send"
    UPLOAD_PROGRESS = "upload-progress"
    UPLOAD_RESULT = "upload-result"
    UPLOAD_RESPONSE = "upload-response"  # what the API answered, written by assets/upload.js
    # Written after a successful upload ({"business", "image_source", "at"}); the selectors
    # refresh their options on Input(ids.UPLOAD_DONE, "data").
    UPLOAD_DONE = "upload-done"
