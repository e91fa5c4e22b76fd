"""An axe-core check (axe-selenium-python) of the Rate and Compare pages: no critical or serious
violation in the pages' own markup, with pictures, a missing picture and the name bar on screen."""

from __future__ import annotations

from axe_selenium_python import Axe

from layouts.compare import ids as compare_ids
from layouts.rate import ids as rate_ids
from tests.browser.judging import PictureServer, open_page, start

IMAGES = {f"p{k}.png": {"red": 0.2 * (k + 1)} for k in range(5)}


def serious_violations(dash_duo) -> list[str]:
    axe = Axe(dash_duo.driver)
    axe.inject()
    result = axe.run()
    return [f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']]}"
            for v in result["violations"] if v["impact"] in ("critical", "serious")]


def test_rate_and_compare_have_no_critical_or_serious_accessibility_violations(
        dash_duo, database_url):
    with PictureServer(set(IMAGES) - {"p1.png"}) as pictures:
        start(dash_duo, database_url, IMAGES, pictures.template)
        open_page(dash_duo, "rate")
        dash_duo.wait_for_text_to_equal(f"#{rate_ids.NAME}", "p0.png", timeout=20)
        assert serious_violations(dash_duo) == []

        open_page(dash_duo, "compare")
        dash_duo.wait_for_element(f"#{compare_ids.SET} .compare-pick", timeout=20)
        assert serious_violations(dash_duo) == []
