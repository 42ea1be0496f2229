"""The plan editor keeps what people type: two people save the same draft, the second sees
their own text beside the one now saved, field by field, and merges; leaving with unsaved
changes asks first."""
import re

import pytest

from .conftest import accessibility_problems, screenshot

pytestmark = pytest.mark.slow


def new_draft(page, live_server) -> str:
    page.get_by_role("link", name="Plans", exact=True).click()
    page.get_by_role("link", name="New person and plan").first.click()
    page.get_by_label("The person's name").fill("Margaret Ellis")
    page.get_by_role("button", name="Add and write the plan").click()
    page.wait_for_url(re.compile(r"/plans/\d+/edit"))
    page.get_by_role("button", name="Add a strength").click()
    page.locator("#strengths-0-description").fill("Strong preference for routine")
    page.get_by_role("button", name="Add an outcome").click()
    page.locator("#outcomes-0-statement").fill("Prepares her own breakfast")
    page.locator("#outcomes-0-measure").fill("prompts per visit")
    page.get_by_role("button", name="Save draft").first.click()
    page.wait_for_url(re.compile(r"/plans/\d+$"))
    return page.url.replace(live_server, "") + "/edit"


def test_a_conflicting_save_shows_each_field_beside_the_saved_one_to_merge(sign_in, live_server,
                                                                          axe_path):
    sam = sign_in("sam")
    sam.set_default_timeout(10_000)
    editor = new_draft(sam, live_server)
    sam.goto(editor)

    # Sue saves the same draft first.
    sue = sign_in("sue")
    sue.set_default_timeout(10_000)
    sue.goto(editor)
    sue.locator("#outcomes-0-statement").fill("Makes porridge on the hob herself")
    sue.get_by_role("button", name="Add a risk").click()
    sue.locator("#risks-0-description").fill("Burns from the hob")
    sue.get_by_role("button", name="Save draft").first.click()
    sue.wait_for_url(re.compile(r"/plans/\d+$"))

    # Sam, still on the editor he opened before, saves his own changes.
    sam.locator("#outcomes-0-statement").fill("Prepares her own breakfast, five days a week")
    sam.locator("#outcomes-0-target").fill("at most two prompts")
    sam.get_by_role("button", name="Save draft").first.click()
    assert "Someone else saved this draft" in sam.locator(".merge-summary").inner_text()
    # Nothing Sam typed is lost, and Sue's text sits beside his.
    assert sam.locator("#outcomes-0-statement").input_value() == \
        "Prepares her own breakfast, five days a week"
    assert sam.locator("#outcomes-0-target").input_value() == "at most two prompts"
    beside = sam.locator("#outcomes-0-statement-saved")
    assert "Makes porridge on the hob herself" in beside.inner_text()
    # Sue's new risk is in Sam's form, so that saving the merge keeps it.
    assert sam.locator("#risks-0-description").input_value() == "Burns from the hob"
    assert "Added by someone else" in sam.locator("#risks-0 legend").inner_text()
    for width in (768, 1280):
        sam.set_viewport_size({"width": width, "height": 900})
        screenshot(sam, f"30-editor-conflict-{width}")
    assert accessibility_problems(sam, axe_path) == []

    # Leaving now would lose the merge: the browser asks first.
    asked = []
    sam.once("dialog", lambda dialog: (asked.append(dialog.type), dialog.dismiss()))
    sam.get_by_role("link", name="Leave without saving").click()
    sam.wait_for_timeout(300)
    assert asked == ["beforeunload"] and sam.url.endswith("/edit")

    # He takes Sue's statement, keeps his target, and saves.
    beside.get_by_role("button", name=re.compile("^Use their text")).click()
    assert sam.locator("#outcomes-0-statement").input_value() == \
        "Makes porridge on the hob herself"
    sam.get_by_role("button", name="Save draft").first.click()
    sam.wait_for_url(re.compile(r"/plans/\d+$"))
    draft = sam.locator("#draft").inner_text()
    assert "Makes porridge on the hob herself" in draft and "at most two prompts" in draft
    assert "Burns from the hob" in draft


def test_the_editor_asks_before_leaving_with_unsaved_changes_and_not_after_saving(sign_in,
                                                                                 live_server,
                                                                                 axe_path):
    sam = sign_in("sam")
    sam.set_default_timeout(10_000)
    editor = new_draft(sam, live_server)
    sam.goto(editor)
    assert accessibility_problems(sam, axe_path) == []
    asked = []
    sam.on("dialog", lambda dialog: (asked.append(dialog.type), dialog.dismiss()))
    sam.get_by_role("link", name="Leave without saving").click()
    sam.wait_for_timeout(300)
    assert asked == [] and not sam.url.endswith("/edit")  # nothing typed: no question
    sam.goto(editor)
    sam.locator("#outcomes-0-target").fill("at most two prompts")
    sam.get_by_role("link", name="Leave without saving").click()
    sam.wait_for_timeout(300)
    assert asked == ["beforeunload"] and sam.url.endswith("/edit")
    sam.get_by_role("button", name="Save draft").first.click()
    sam.wait_for_url(re.compile(r"/plans/\d+$"))
    assert asked == ["beforeunload"]
