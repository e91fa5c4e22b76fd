"""First render of the page in headless Chromium: from navigation start until the scatter has
drawn its points (Plotly has computed the trace, so the WebGL canvas holds them).

Needs selenium and a chromedriver (default /usr/bin/chromedriver).
"""

from __future__ import annotations

from urllib.parse import urlencode

from layouts.ids import ids

# Resolves with performance.now() (ms since navigation start) once the scatter has a trace
# with points and Plotly has computed it (calcdata), i.e. it has been plotted; null after
# `timeout_ms`.
_WAIT_FOR_SCATTER = """
const done = arguments[arguments.length - 1];
const timeout = arguments[0];
(function poll() {
  const gd = document.querySelector('#%s .js-plotly-plot');
  const drawn = gd && gd.calcdata && gd.calcdata.length && gd._fullLayout &&
    gd.data.some(t => t.x && t.x.length > 0);
  if (drawn) { done(performance.now()); return; }
  if (performance.now() > timeout) { done(null); return; }
  setTimeout(poll, 10);
})();
""" % ids.SCATTER


def first_render(base_url: str, business: str, image_source: str, repeats: int = 3,
                 driver_path: str = "/usr/bin/chromedriver",
                 timeout_s: float = 60.0) -> tuple[float, float]:
    """Seconds from navigation start to a drawn scatter: (first load in a new browser, median of
    `repeats` reloads after it, with the browser's cache warm). inf when it never draws."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage",
                "--window-size=1400,1000"):
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service(driver_path), options=options)
    driver.set_script_timeout(timeout_s + 5)
    url = base_url + "?" + urlencode({"business": business, "image_source": image_source})
    times = []
    try:
        for _ in range(1 + repeats):
            driver.get("about:blank")
            driver.get(url)
            ms = driver.execute_async_script(_WAIT_FOR_SCATTER, timeout_s * 1000)
            times.append(float("inf") if ms is None else ms / 1000)
    finally:
        driver.quit()
    warm = sorted(times[1:])
    return times[0], warm[len(warm) // 2]
