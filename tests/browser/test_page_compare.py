"""The Compare page in a real browser: best-of-four rounds picked by clicks and a pair by keys,
stored under the rater's name; a picture that fails to load gets its round replaced."""

from __future__ import annotations

from selenium.webdriver.common.keys import Keys

from layouts.compare import ids
from tests.browser.dashboard import wait_until
from tests.browser.judging import PictureServer, open_page, press, say_my_name, start, stored

IMAGES = {f"img{k}.png": {"red": 0.1 * (k + 1)} for k in range(9)}
BROKEN = "img4.png"


def shown(dash_duo) -> list[str]:
    return dash_duo.driver.execute_script(
        "return Array.from(document.querySelectorAll('#' + arguments[0] + ' .compare-pick'))"
        ".map(function (b) { return b.querySelector('.text-break').innerText; });", ids.SET)


def working(dash_duo) -> list[str] | None:
    """The round on screen once every picture in it has loaded (none broken)."""
    names = shown(dash_duo)
    loaded = dash_duo.driver.execute_script(
        "return Array.from(document.querySelectorAll('#' + arguments[0] + ' img.judge-img'))"
        ".every(function (i) { return i.complete && i.naturalWidth > 0; });", ids.SET)
    return names if names and loaded and BROKEN not in names else None


def test_best_of_four_by_clicks_and_a_pair_by_keys_with_a_broken_picture_replaced(
        dash_duo, database_url):
    with PictureServer(set(IMAGES) - {BROKEN}) as pictures:
        start(dash_duo, database_url, IMAGES, pictures.template)
        open_page(dash_duo, "compare")
        say_my_name(dash_duo, "Ana")
        dash_duo.find_element(f"#{ids.SIZE} input[value='4']").click()
        rounds = []
        for _ in range(3):  # the broken picture turns up among the least-compared
            def next_round():
                names = working(dash_duo) if len(shown(dash_duo)) == 4 else None
                return names if names and (not rounds or set(names) != set(rounds[-1])) \
                    else None

            names = wait_until(next_round, timeout=20,
                               message="a new best-of-four round with working pictures")
            assert len(set(names)) == 4
            dash_duo.find_element(f"#{ids.SET} .compare-pick").click()  # the first one wins
            rounds.append(names)
            # The note says "Stored: ..." until the next round shows; when that round holds the
            # broken picture it is replaced at once and the note says so instead: wait on the
            # vote itself.
            judgements, source_id = stored(database_url)
            wait_until(lambda: len(judgements.votes(source_id).winner) == len(rounds),
                       timeout=20, message="the vote stored")
        votes = judgements.votes(source_id)
        assert [(w, set(o)) for w, o in zip(votes.winner, votes.others)] == [
            (r[0], set(r[1:])) for r in rounds]
        assert set(votes.rater) == {"Ana"}
        # img4's picture is missing: it was shown at most as a round that got replaced.
        assert all(BROKEN not in r for r in rounds)

        dash_duo.find_element(f"#{ids.SIZE} input[value='2']").click()
        pair = wait_until(lambda: working(dash_duo) if len(shown(dash_duo)) == 2 else None,
                          timeout=20, message="a pair")
        press(dash_duo, Keys.TAB)  # out of the size choice, whose arrows are its own
        press(dash_duo, Keys.ARROW_LEFT)  # picks the left image
        dash_duo.wait_for_contains_text(f"#{ids.NOTE}", f"Stored: {pair[0]} over {pair[1]}",
                                        timeout=20)
    assert judgements.votes(source_id).winner[-1] == pair[0]
