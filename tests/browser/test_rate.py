"""The Rate page in a real browser: a whole scoring session driven by keys (digits, skip, back,
a nudge of a predicted score), stored under the rater's name, with a picture that fails to load
(404) skipped with a note."""

from __future__ import annotations

from layouts.rate import ids
from tests.browser.judging import PictureServer, open_page, press, say_my_name, start, stored

IMAGES = {f"{c}.png": {"red": 0.1 * (k + 1), "dog": 0.5} for k, c in enumerate("abcdef")}
BROKEN = "c.png"


def shows(dash_duo, name: str) -> None:
    dash_duo.wait_for_text_to_equal(f"#{ids.NAME}", name, timeout=20)


def test_a_keyboard_only_session_scores_skips_goes_back_and_survives_a_404(
        dash_duo, database_url):
    with PictureServer(set(IMAGES) - {BROKEN}) as pictures:
        start(dash_duo, database_url, IMAGES, pictures.template)
        open_page(dash_duo, "rate")
        say_my_name(dash_duo, "Kim Lee")
        dash_duo.wait_for_text_to_equal(f"#{ids.PROGRESS}", "0 of 6 rated by you", timeout=20)

        # Fewest ratings first, ties in name order: a, b, then c (whose picture is missing).
        shows(dash_duo, "a.png")
        press(dash_duo, "7")
        shows(dash_duo, "b.png")
        press(dash_duo, "0")  # 0 means 10
        dash_duo.wait_for_contains_text(f"#{ids.NOTE}", "picture of c.png could not be loaded",
                                        timeout=20)
        shows(dash_duo, "d.png")
        press(dash_duo, "s")
        shows(dash_duo, "e.png")
        press(dash_duo, "b")  # back to the skipped d.png, to rate it after all
        shows(dash_duo, "d.png")
        press(dash_duo, "3")
        shows(dash_duo, "e.png")
        press(dash_duo, "5")
        shows(dash_duo, "f.png")
        # A predicted score to nudge: "red" scaled to 1–10 over the build (f.png has the most
        # red: 10); "[" nudges it down by two.
        dash_duo.select_dcc_dropdown(f"#{ids.MODE}", "feature “red”, scaled to 1–10")
        dash_duo.wait_for_text_to_equal(f"#{ids.PREDICTED}", "Predicted 10.0", timeout=20)
        press(dash_duo, "[")
        dash_duo.wait_for_contains_text(f"#{ids.NAME}", "Nothing left to rate", timeout=20)
        dash_duo.wait_for_text_to_equal(f"#{ids.PROGRESS}", "5 of 6 rated by you")

    judgements, source_id = stored(database_url)
    assert judgements.scores_by(source_id, "Kim Lee") == {
        "a.png": 7, "b.png": 10, "d.png": 3, "e.png": 5, "f.png": 8}
    assert dash_duo.get_logs() is None or not [
        e for e in dash_duo.get_logs() if "404" not in e["message"] and e["level"] == "SEVERE"]
