"""First render of the page in headless Chromium: from asking for the page's URL until the
scatter has drawn its points (Plotly has computed the trace, so the WebGL canvas holds them).

Needs selenium and a chromedriver (default /usr/bin/chromedriver).
"""

from __future__ import annotations

import time
from urllib.parse import urlencode

from selenium.common.exceptions import WebDriverException

from layouts.dashboard.ids import ids

# Epoch milliseconds at which the scatter was found drawn (a trace with points that Plotly has
# computed, i.e. plotted), or null while it is not.
_SCATTER_DRAWN_AT = """
const gd = document.querySelector('#%s .js-plotly-plot');
const drawn = gd && gd.calcdata && gd.calcdata.length && gd._fullLayout &&
  gd.data.some(t => t.x && t.x.length > 0);
return drawn ? performance.timeOrigin + performance.now() : null;
""" % ids.SCATTER


def first_render(base_url: str, business: str, image_source: str, repeats: int = 3,
                 driver_path: str = "/usr/bin/chromedriver",
                 timeout_s: float = 60.0) -> tuple[float, float]:
    """Seconds from asking for the page to a drawn scatter: (first load in a new browser, median
    of `repeats` loads after it, with the browser's cache warm). inf when it never draws."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage",
                "--window-size=1400,1000"):
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service(driver_path), options=options)
    url = base_url + "?" + urlencode({"business": business, "image_source": image_source})
    times = []
    try:
        for _ in range(1 + repeats):
            driver.get("about:blank")
            times.append(_load_until_drawn(driver, url, timeout_s))
    finally:
        driver.quit()
    warm = sorted(times[1:])
    return times[0], warm[len(warm) // 2]


def _load_until_drawn(driver, url: str, timeout_s: float) -> float:
    """Seconds from asking for `url` until the scatter is drawn (polled every 10 ms; the page
    may rewrite its URL meanwhile, so the clock is the wall clock, not the document's)."""
    start = time.time()
    driver.get(url)
    while time.time() - start < timeout_s:
        try:
            drawn_at = driver.execute_script(_SCATTER_DRAWN_AT)
        except WebDriverException:  # between documents
            drawn_at = None
        if drawn_at is not None:
            return drawn_at / 1000 - start
        time.sleep(0.01)
    return float("inf")
