"""A complaint by clicking, in Chromium: a key worker records it from the person's plan page; a
manager finds it in the inbox, acknowledges it, records the response and closes it naming what
changed; the person's page shows it closed. At 768 and 1280 pixels wide."""
import re

import pytest

from .conftest import screenshot

pytestmark = pytest.mark.slow

SAID = "Nobody told Kieran the Thursday visit was moved; he waited at the bus stop."
ACK = "Phoned Siobhan the same day, apologised, and said we would reply in writing."
RESPONSE = "Wrote to Kieran and Siobhan: the rota change was not passed on. We are sorry."
CHANGED = "Rota changes are now phoned to Kieran the day before by the coordinator."


@pytest.mark.parametrize("width", [768, 1280])
def test_a_complaint_recorded_and_taken_to_closed_by_clicking(sign_in, width):
    sam = sign_in("sam", width=width)
    sam.set_default_timeout(10_000)
    sam.get_by_role("link", name="Plans", exact=True).click()
    sam.get_by_role("link", name="New person and plan").first.click()
    sam.get_by_label("Name").fill("Kieran Walsh")
    sam.get_by_role("button", name="Add and write the plan").click()
    sam.wait_for_url(re.compile(r"/plans/\d+/edit"))
    sam.goto(sam.url.split("/edit")[0])
    sam.get_by_role("link", name="Record feedback").click()
    sam.wait_for_url(re.compile(r"/people/\d+/feedback"))

    # A first try with nothing chosen lists each problem at the top.
    sam.get_by_role("button", name="Record the feedback").click()
    assert "There is a problem" in sam.locator(".error-summary").inner_text()
    sam.get_by_label("Complaint", exact=True).check()
    sam.get_by_label("Who gave it?").select_option("family")
    sam.get_by_label("Their name or relationship (optional)").fill("Siobhan, his sister")
    sam.get_by_label("What they said").fill(SAID)
    screenshot(sam, f"feedback-form-{width}")
    sam.get_by_role("button", name="Record the feedback").click()
    sam.wait_for_url(re.compile(r"/feedback/\d+(#.*)?$"))
    complaint_path = re.search(r"/feedback/\d+", sam.url).group(0)
    assert "Complaint recorded" in sam.content()
    assert "A manager of" in sam.locator("#next-step + *").inner_text()

    mia = sign_in("mia", width=width)
    mia.set_default_timeout(10_000)
    mia.get_by_role("link", name=re.compile("Acknowledge the complaint from Siobhan")).click()
    mia.wait_for_url(f"**{complaint_path}#next-step")
    screenshot(mia, f"complaint-received-{width}")

    mia.get_by_role("button", name="Acknowledge").click()
    assert "Not done yet — no acknowledgement is recorded" in mia.content()
    mia.get_by_label("How you acknowledged it").fill(ACK)
    mia.get_by_role("button", name="Acknowledge").click()
    assert "Acknowledged. Respond by" in mia.content()

    mia.get_by_label("Upheld", exact=True).check()
    mia.get_by_label("The response you gave").fill(RESPONSE)
    mia.get_by_role("button", name="Record the response").click()
    assert "Response recorded." in mia.content()

    mia.get_by_label("What changed because of it").fill(CHANGED)
    mia.get_by_role("button", name="Close").click()
    assert "Complaint closed, with what changed because of it." in mia.content()
    assert "This complaint is closed." in mia.content()
    screenshot(mia, f"complaint-closed-{width}")

    mia.get_by_role("link", name="Inbox").click()
    assert "Siobhan" not in mia.content()
    mia.get_by_role("link", name="Feedback", exact=True).click()
    item = mia.locator(".feedback-complaint").first.inner_text()
    assert "Kieran Walsh" in item and "Closed" in item
