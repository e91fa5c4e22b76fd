"""Every component id of the page, in one place (SPEC §6 fixes the public ones).

Import the class and use its members (`ids.SCATTER`); never write an id as a string literal
elsewhere. Add new ids here, grouped by the part of the page they belong to.
"""


class ids:  # noqa: N801 - used as a namespace: ids.SCATTER
    # SPEC §6: public, relied on by tests, portals and people.
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
    #  "max_pct", "top_k", "sort", "pinned": [feature], "excluded": [feature]}
    FILTERS = "filters-store"
