"""After a version conflict the editor shows, field by field, the text saved meanwhile, and puts
the rows the other person added into the user's form (web/pages/draft_merge.py)."""
from web.pages.draft_merge import add_their_rows, row_ids, saved_meanwhile
from web.pages.plans import form_from_content

BASE = {"commissioned_hours_per_week": 10, "key_worker": "sam",
        "involvement": {"person_views": "I want to cook", "consent": "given"},
        "strengths": [{"id": "s1", "description": "Routine", "used_as": "Same order"}],
        "outcomes": [{"id": "o1", "statement": "Makes breakfast", "target": "two prompts",
                      "measure": "prompts", "strength_ids": ["s1"]}],
        "actions": [], "risks": []}


def form(**changes):
    content = {**BASE, **changes}
    return form_from_content(content)


def test_only_the_fields_that_differ_are_shown_with_the_saved_text():
    mine = form(outcomes=[{**BASE["outcomes"][0], "statement": "Makes porridge"}])
    theirs = form(commissioned_hours_per_week=12,
                  outcomes=[{**BASE["outcomes"][0], "target": "one prompt"}])
    assert saved_meanwhile(mine, theirs) == {
        "commissioned_hours_per_week": "12",
        "outcomes-0-statement": "Makes breakfast",
        "outcomes-0-target": "one prompt"}
    assert saved_meanwhile(mine, mine) == {}


def test_rows_are_matched_by_id_not_by_position():
    second = {"id": "o2", "statement": "Goes to the lunch club", "target": "weekly",
              "measure": "visits", "strength_ids": []}
    mine = form(outcomes=[second, BASE["outcomes"][0]])
    theirs = form(outcomes=[BASE["outcomes"][0], {**second, "target": "twice a week"}])
    assert saved_meanwhile(mine, theirs) == {"outcomes-0-target": "twice a week"}


def test_rows_they_added_join_the_form_and_rows_the_user_removed_stay_removed():
    started = form()
    mine = form(strengths=[])  # the user removed s1
    risk = {"id": "r1", "description": "Burns", "why_proportionate": "", "monitoring": "",
            "escalation": "", "restrictive": False, "justification": None, "review_date": None}
    theirs = form(risks=[risk])
    assert add_their_rows(mine, theirs, row_ids(started)) == ["risks-0"]
    assert [row["id"] for row in mine["risks"]] == ["r1"]
    assert mine["strengths"] == []
