"""axe-core in the real browser: the accessibility violations a page has, for the browser tests
of every page (axe-selenium-python ships axe-core)."""

from __future__ import annotations

from axe_selenium_python import Axe

SEVERE = ("critical", "serious")


def severe_violations(driver, exclude: tuple[str, ...] = ()) -> list[dict]:
    """The critical and serious axe violations of the page now shown, each as
    {"id", "impact", "help", "targets"}; nodes matching a CSS selector in `exclude` (markup that is
    not ours, e.g. a third-party widget's internals) are left out."""
    axe = Axe(driver)
    axe.inject()
    options = {"resultTypes": ["violations"]}
    context = {"exclude": [[s] for s in exclude]} if exclude else None
    script = ("var callback = arguments[arguments.length - 1];"
              "axe.run(arguments[0] || document, arguments[1]).then(function (r) { callback(r); });")
    results = driver.execute_async_script(script, context, options)
    out = []
    for v in results["violations"]:
        if v["impact"] in SEVERE:
            out.append({"id": v["id"], "impact": v["impact"], "help": v["help"],
                        "targets": [n["target"] for n in v["nodes"]][:5]})
    return out
