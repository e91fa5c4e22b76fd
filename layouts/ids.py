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
