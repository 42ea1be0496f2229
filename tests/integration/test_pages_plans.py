"""The plan pages, through the browser's eyes: the list, a new person, the plan page with its
checklists and buttons, firing steps, acknowledging, the draft editor and the diagram."""
import re
from html.parser import HTMLParser
from pathlib import Path

from engine.core.definitions import StateDef, TransitionDef, WorkflowDef
from tests.helpers import Browser, active_plan, plan_content
from web.diagram import state_diagram


class FormReader(HTMLParser):
    """What a browser would send from the page's form number `which` (submit buttons aside)."""

    def __init__(self, html: str, which: int = -1):
        super().__init__()
        self.forms: list[dict] = []
        self._textarea = self._select = None
        self.feed(html)
        self.values = self.forms[which]

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.forms.append({})
        elif tag == "input" and attrs.get("type") not in ("submit", "button"):
            if attrs.get("type") in ("checkbox", "radio") and "checked" not in attrs:
                return
            self._add(attrs.get("name"), attrs.get("value", ""), attrs.get("type") == "checkbox")
        elif tag == "textarea":
            self._textarea, self._text = attrs.get("name"), ""
        elif tag == "select":
            self._select = attrs.get("name")
            self._add(self._select, "")
        elif tag == "option" and self._select and "selected" in attrs:
            self.forms[-1][self._select] = attrs.get("value", "")

    def handle_data(self, data):
        if self._textarea:
            self._text += data

    def handle_endtag(self, tag):
        if tag == "textarea" and self._textarea:
            self._add(self._textarea, self._text)
            self._textarea = None
        elif tag == "select":
            self._select = None

    def _add(self, name, value, many=False):
        if name and self.forms:
            if many:
                self.forms[-1].setdefault(name, []).append(value)
            else:
                self.forms[-1][name] = value


class StepForms(HTMLParser):
    """The plan page's transition forms: {name: {"disabled": bool, "asks": {field: required}}}."""

    def __init__(self, html: str):
        super().__init__()
        self.steps: dict[str, dict] = {}
        self._current = None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            action = attrs.get("action", "")
            self._current = None
            if "/transitions/" in action:
                self._current = self.steps[action.rsplit("/", 1)[1]] = {"asks": {}}
        elif self._current is not None and tag == "textarea":
            self._current["asks"][attrs["name"]] = "required" in attrs
        elif self._current is not None and tag == "button":
            self._current["disabled"] = "disabled" in attrs


def editor_form(browser, plan_id):
    page = browser.get(f"/plans/{plan_id}/edit")
    assert page.status == 200, page
    return FormReader(page.html).values


def new_plan(api, who="sam", name="Margaret Ellis", service="riverside", **content):
    person = api.as_(who).new_person(name, service)
    return api.as_(who).new_plan(person, **content)


# --- signing in, the list and a new person ---------------------------------------------------

def test_the_plan_pages_need_signing_in(app, users, api):
    plan = new_plan(api)
    anonymous = Browser(app)
    for path in ("/plans", f"/plans/{plan['id']}", f"/plans/{plan['id']}/edit", "/people/new"):
        page = anonymous.get(path)
        assert page.status == 302 and page.location.startswith("/login"), path


def test_the_plan_list_shows_only_plans_in_the_users_services(app, users, api):
    new_plan(api, name="Margaret Ellis")
    new_plan(api, who="oli", name="Northgate Person", service="northgate")
    page = Browser(app, "sam").get("/plans")
    assert page.status == 200 and "<title>Plans — strengthwise</title>" in page
    assert "Margaret Ellis" in page and "Northgate Person" not in page
    assert "New person and plan" in page
    both = Browser(app, "ada").get("/plans")
    assert "Margaret Ellis" in both and "Northgate Person" in both
    assert "New person and plan" not in both  # auditors read; they do not add people


def test_the_plan_list_filters_by_state_and_says_when_nothing_matches(app, users, api):
    active_plan(api)
    new_plan(api, name="Dev Patel")
    page = Browser(app, "sam").get("/plans?state=active")
    assert "Margaret Ellis" in page and "Dev Patel" not in page
    assert '<option value="active" selected>' in page
    assert "1 plan active" in page and "12 January 2027" in page  # the review due date
    closed = Browser(app, "sam").get("/plans?state=closed")
    assert "No plan in your services is closed." in closed


def test_a_person_and_their_draft_plan_are_added_through_the_form(app, users, api):
    browser = Browser(app, "sam")
    page = browser.post("/people/new", {"name": "Dev Patel", "service": "riverside"})
    assert page.status == 302 and page.location.endswith("/edit"), page
    plan_id = int(page.location.split("/")[2])
    assert "Dev Patel added. Now write their plan." in browser.get(page.location)
    plan = api.as_("sam").get(f"/plans/{plan_id}").json
    assert (plan["person_name"], plan["service"], plan["state"]) == ("Dev Patel", "riverside",
                                                                    "draft")


def test_adding_a_person_without_a_name_or_outside_ones_services_shows_the_errors(app, users):
    browser = Browser(app, "sam")
    page = browser.post("/people/new", {"name": "  ", "service": "northgate"})
    assert page.status == 422
    assert "<title>Error: New person and plan — strengthwise</title>" in page
    assert '<a href="#name">Name: enter the person&#39;s name</a>' in page
    page = browser.post("/people/new", {"name": "Dev Patel", "service": "northgate"})
    assert page.status == 422 and '<a href="#service">' in page
    assert "among your services" in page
    assert "northgate" not in FormReader(browser.get("/people/new").html).values["service"]
    assert Browser(app, "ada").get("/people/new").status == 403


# --- the plan page ---------------------------------------------------------------------------

def test_the_plan_page_shows_the_approve_checklist_and_a_disabled_button_with_its_reason(
        app, users, api):
    plan = new_plan(api, **plan_content(outcomes=[], actions=[]))
    page = Browser(app, "mia").get(f"/plans/{plan['id']}")
    assert page.status == 200
    assert "<title>Margaret Ellis: support plan — strengthwise</title>" in page
    assert 'id="transitions"' in page and "Approve" in page
    assert '<li class="failed">' in page and '<li class="passed">' in page
    assert "Cannot proceed without at least one outcome." in page
    assert "plan.has-outcomes" not in page  # rule ids are for the auditor's detail
    assert "plan.has-outcomes" in Browser(app, "ada").get(f"/plans/{plan['id']}")
    assert StepForms(page.html).steps["approve"]["disabled"] is True
    assert 'disabled aria-describedby="approve-why"' in page
    assert 'id="approve-why">Not possible yet: 2 rules are not met' in page
    assert "No version has been approved yet" in page  # nothing in force, the draft below
    assert "Strong preference for routine" in page


def test_the_author_sees_what_the_approving_manager_will_check_but_no_button(app, users, api):
    plan = new_plan(api, **plan_content(outcomes=[], actions=[]))
    page = Browser(app, "sam").get(f"/plans/{plan['id']}")
    assert list(StepForms(page.html).steps) == ["request_approval"]
    assert "Steps others take" in page and "— by manager" in page
    assert "the plan has no outcomes" in page
    assert "other-close-title" not in page  # a manager's step that waits only for a reason


def test_a_step_that_needs_only_a_reason_or_comment_is_not_disabled(app, users, api):
    plan = new_plan(api, **plan_content())
    page = Browser(app, "mia").get(f"/plans/{plan['id']}")
    steps = StepForms(page.html).steps
    assert list(steps) == ["request_approval", "return_for_changes", "approve", "close"]
    assert not any(step["disabled"] for step in steps.values())
    assert steps["close"]["asks"] == {"reason": True, "comment": False}
    assert steps["return_for_changes"]["asks"] == {"comment": True}
    assert steps["approve"]["asks"] == {"comment": False}
    assert "no reason was given — write the reason below" in page


def test_a_manager_approves_through_the_page_and_the_plan_moves_on(app, users, api):
    plan = new_plan(api, **plan_content())
    browser = Browser(app, "mia")
    page = browser.post(f"/plans/{plan['id']}/transitions/approve",
                        {"version": plan["version"], "comment": ""},
                        csrf_from=f"/plans/{plan['id']}")
    assert page.status == 302 and page.location == f"/plans/{plan['id']}"
    shown = browser.get(page.location)
    assert "Approve: done — the plan is now approved." in shown
    assert "The plan staff follow: version 1" in shown and "Prepares her own breakfast" in shown
    assert api.as_("mia").get(f"/plans/{plan['id']}").json["state"] == "approved"
    steps = api.as_("mia").get(f"/plans/{plan['id']}/audit?action=transition").json["events"]
    [event] = [e for e in steps
               if e["transition"] == "approve"]
    assert (event["actor"], event["outcome"], event["comment"]) == ("mia", "advanced", None)


def test_a_refused_step_says_what_is_missing_and_is_audited(app, users, api):
    plan = new_plan(api, **plan_content(outcomes=[], actions=[]))
    browser = Browser(app, "mia")
    page = browser.post(f"/plans/{plan['id']}/transitions/approve", {"version": plan["version"]},
                        csrf_from=f"/plans/{plan['id']}")
    assert page.status == 302 and page.location.endswith("#transitions")
    shown = browser.get(f"/plans/{plan['id']}")
    assert "Approve: not done — the plan has no outcomes" in shown
    events = api.as_("mia").get(f"/plans/{plan['id']}/audit?outcome=blocked").json["events"]
    assert [e["transition"] for e in events] == ["approve"]


def test_a_reason_typed_into_the_form_closes_the_plan(app, users, api):
    plan = new_plan(api, **plan_content())
    browser = Browser(app, "mia")
    page = browser.post(f"/plans/{plan['id']}/transitions/close",
                        {"version": plan["version"], "reason": "  Moved to her daughter's  "},
                        csrf_from=f"/plans/{plan['id']}")
    assert "Close the plan: done — the plan is now closed." in browser.get(page.location)
    [event] = api.as_("mia").get(f"/plans/{plan['id']}/audit?transition=close").json["events"]
    assert (event["outcome"], event["reason"]) == ("advanced", "Moved to her daughter's")
    assert api.as_("mia").get(f"/plans/{plan['id']}").json["state"] == "closed"


def test_a_stale_page_is_told_someone_else_changed_the_plan(app, users, api):
    plan = new_plan(api, **plan_content())
    api.as_("sue").edit(plan["id"], **plan_content(commissioned_hours_per_week=12))
    browser = Browser(app, "mia")
    page = browser.post(f"/plans/{plan['id']}/transitions/approve", {"version": plan["version"]},
                        csrf_from=f"/plans/{plan['id']}")
    assert page.status == 302
    assert "Someone else changed this plan; here is the latest version." in browser.get(
        page.location)
    assert api.as_("mia").get(f"/plans/{plan['id']}").json["state"] == "draft"


def test_staff_cannot_fire_a_managers_step(app, users, api):
    plan = new_plan(api, **plan_content())
    page = Browser(app, "sam").post(f"/plans/{plan['id']}/transitions/approve",
                                    {"version": plan["version"]},
                                    csrf_from=f"/plans/{plan['id']}")
    assert page.status == 403 and "You cannot do that" in page
    assert "Traceback" not in page


def test_the_key_worker_acknowledges_the_approved_version(app, users, api):
    plan = new_plan(api, **plan_content())
    assert api.as_("max").fire(plan["id"], "approve").status == 200
    browser = Browser(app, "sam")
    page = browser.get(f"/plans/{plan['id']}")
    assert "I have read version 1" in page
    done = browser.post(f"/plans/{plan['id']}/acknowledge", csrf_from=f"/plans/{plan['id']}")
    assert done.status == 302
    page = browser.get(f"/plans/{plan['id']}")
    assert "Thank you: you have read version 1." in page
    assert "You confirmed you have read version 1" in page and "I have read version 1" not in page
    activate = StepForms(Browser(app, "max").get(f"/plans/{plan['id']}").html).steps["activate"]
    assert activate["disabled"] is False  # the key worker has read it: the team is briefed


def test_another_services_plan_is_a_not_found_page(app, users, api):
    plan = new_plan(api, **plan_content())
    browser = Browser(app, "nina")
    for path in (f"/plans/{plan['id']}", f"/plans/{plan['id']}/edit", "/plans/9999"):
        page = browser.get(path)
        assert page.status == 404 and "Page not found" in page, path
    page = browser.post(f"/plans/{plan['id']}/transitions/approve", {"version": 1},
                        csrf_from="/plans")
    assert page.status == 404
    assert api.as_("mia").get(f"/plans/{plan['id']}").json["state"] == "draft"
    [event] = api.as_("mia").get(f"/plans/{plan['id']}/audit?outcome=denied").json["events"]
    assert event["actor"] == "nina"


def test_a_post_without_the_csrf_token_is_rejected_and_changes_nothing(app, users, api):
    plan = new_plan(api, **plan_content())
    browser = Browser(app, "mia")
    raw = browser.client.post(f"/plans/{plan['id']}/transitions/approve",
                              data={"version": plan["version"]})
    assert raw.status_code == 400 and "The form has expired" in raw.get_data(as_text=True)
    assert api.as_("mia").get(f"/plans/{plan['id']}").json["state"] == "draft"
    assert api.as_("mia").get(f"/plans/{plan['id']}/audit?action=transition").json["events"] == []


def test_the_diagram_marks_the_current_state(app, users, api):
    plan = active_plan(api)
    page = Browser(app, "sam").get(f"/plans/{plan['id']}")
    assert '<svg xmlns="http://www.w3.org/2000/svg" class="diagram" role="img"' in page
    assert "Draft → Approved (Approve)" in page and "current state: Active." in page
    assert "● current state" in page
    assert page.html.count("● current state") == 1


def test_the_diagram_lays_out_any_workflow_by_distance_from_its_start():
    def step(name, sources, dest):
        return TransitionDef(name, name.title(), tuple(sources), dest, frozenset({"staff"}), ())

    states = {name: StateDef(name, name.title(), final=name == "done")
              for name in ("new", "doing", "checked", "done")}
    workflow = WorkflowDef("chores", "Chores", "plan", "new", "chores", states, {
        t.name: t for t in (step("start", ["new"], "doing"), step("check", ["doing"], "checked"),
                            step("redo", ["checked"], "doing"), step("note", ["doing"], "doing"),
                            step("finish", ["new", "doing", "checked"], "done"))}, Path("x"))
    svg = str(state_diagram(workflow, "doing"))
    assert svg == str(state_diagram(workflow, "doing"))  # deterministic
    assert 'role="img"' in svg and "<title>Workflow Chores: New → Doing (Start);" in svg
    assert "Doing stays Doing (Note); current state: Doing." in svg
    boxes = re.findall(r'<rect x="(\d+)" y="(\d+)"[^>]*/><text[^>]*><tspan[^>]*>(\w+)<', svg)
    columns = {name: int(x) for x, _, name in boxes}
    rows = {name: int(y) for _, y, name in boxes}
    assert columns["New"] < columns["Doing"] < columns["Checked"]  # one column per step
    assert rows["Done"] > rows["New"] == rows["Doing"]  # an end reached from everywhere: below
    [current] = re.findall(r'<rect [^>]*stroke-width="4"/><text[^>]*><tspan[^>]*>(\w+)<', svg)
    assert current == "Doing" and svg.count("● current state") == 1
    assert "↻ Note" in svg  # a self-loop is written in its state's box


def test_the_diagram_says_a_step_only_the_system_takes_happens_when_due():
    states = {name: StateDef(name, name.title(), final=name == "closed")
              for name in ("received", "closed")}
    steps = (TransitionDef("close", "Close", ("received",), "closed", frozenset({"manager"}), ()),
             TransitionDef("chase", "Acknowledgement overdue", ("received",), "received",
                           frozenset({"system"}), ()))
    workflow = WorkflowDef("asks", "Asks", "plan", "received", "asks", states,
                           {t.name: t for t in steps}, Path("x"))
    svg = str(state_diagram(workflow, "received"))
    # Wrapped to fit its box: "↻ when due:", "acknowledgement", "overdue".
    assert ">↻ when due:<" in svg and ">acknowledgement<" in svg and ">overdue<" in svg
    assert "Received stays Received (when due: acknowledgement overdue)" in svg
    assert "Received → Closed (Close)" in svg


# --- the editor ------------------------------------------------------------------------------

def test_the_editor_round_trips_the_draft_unchanged(app, users, api):
    plan = new_plan(api, **plan_content())
    browser = Browser(app, "sam")
    form = editor_form(browser, plan["id"])
    assert form["actions-0-hours_per_week"] == "7" and form["outcomes-0-strength_ids"] == ["s1"]
    assert form["version"] == str(plan["version"])
    page = browser.post(f"/plans/{plan['id']}/edit", form)
    assert page.status == 302 and "Draft saved." in browser.get(page.location)
    saved = api.as_("sam").get(f"/plans/{plan['id']}").json
    content = plan_content()
    assert {key: saved[key] for key in content} == content


def test_the_draft_is_edited_through_the_form_rows_errors_and_all(app, users, api):
    plan = new_plan(api, **plan_content())
    browser = Browser(app, "sam")
    form = editor_form(browser, plan["id"])
    added = browser.post(f"/plans/{plan['id']}/edit", {**form, "add": "outcome"})
    assert added.status == 200 and 'id="outcomes-2"' in added and "Outcome 3" in added
    form = FormReader(added.html).values
    assert form["outcomes-2-id"] == "o3"
    form.update({"outcomes-2-statement": "Goes to the lunch club",
                 "outcomes-2-target": "goes to the lunch club on her own once a week",
                 "outcomes-2-measure": "attendance, in the daily record",
                 "outcomes-2-strength_ids": ["s2"]})
    added = FormReader(browser.post(f"/plans/{plan['id']}/edit", {**form, "add": "action"}).html)
    form = added.values
    assert form["actions-2-id"] == "a3"
    form.update({"actions-2-outcome_id": "o3", "actions-2-description": "Walk there together",
                 "actions-2-approach": "accompanying", "actions-2-when": "Thursday noon",
                 "actions-2-hours_per_week": "200"})

    refused = browser.post(f"/plans/{plan['id']}/edit", form)
    assert refused.status == 422
    assert '<div class="error-summary"' in refused
    assert ('<a href="#actions-2-hours_per_week">Action 3, hours per week: must be between 0 '
            'and 168 hours a week</a>') in refused
    assert 'id="actions-2-hours_per_week-error"' in refused
    assert len(api.as_("sam").get(f"/plans/{plan['id']}").json["outcomes"]) == 2  # not saved

    form = FormReader(refused.html).values
    form["actions-2-hours_per_week"] = "1.5"
    saved = browser.post(f"/plans/{plan['id']}/edit", form)
    assert saved.status == 302
    plan = api.as_("sam").get(f"/plans/{plan['id']}").json
    assert plan["outcomes"][2] == {"id": "o3", "statement": "Goes to the lunch club",
                                   "target": "goes to the lunch club on her own once a week",
                                   "measure": "attendance, in the daily record",
                                   "strength_ids": ["s2"]}
    assert plan["actions"][2]["hours_per_week"] == 1.5
    page = browser.get(f"/plans/{plan['id']}")
    assert "Draft saved." in page and "1.5 more than commissioned" in page


def test_removing_a_row_keeps_the_rest_and_dangling_references_are_errors(app, users, api):
    plan = new_plan(api, **plan_content())
    browser = Browser(app, "sam")
    form = editor_form(browser, plan["id"])
    page = browser.post(f"/plans/{plan['id']}/edit", {**form, "remove": "outcomes-1"})
    assert page.status == 200 and 'id="outcomes-1"' not in page
    form = FormReader(page.html).values
    assert form["actions-1-outcome_id"] == ""  # its outcome has gone: choose again
    refused = browser.post(f"/plans/{plan['id']}/edit", form)
    assert refused.status == 422
    assert ('<a href="#actions-1-outcome_id">Action 2, for outcome: choose the outcome this '
            'action is for</a>') in refused
    balance = '10 of 10 commissioned hours allocated — balanced'
    assert balance in refused and "data-hours-balance" in refused


def test_a_stale_editor_keeps_what_was_typed_beside_the_latest_and_saves_nothing(app, users,
                                                                              api):
    plan = new_plan(api, **plan_content())
    browser = Browser(app, "sam")
    form = editor_form(browser, plan["id"])
    api.as_("sue").edit(plan["id"], **plan_content(commissioned_hours_per_week=12))
    form["commissioned_hours_per_week"] = "11"
    page = browser.post(f"/plans/{plan['id']}/edit", form)
    assert page.status == 409
    assert "Someone else saved this draft while you were editing" in page
    assert FormReader(page.html).values["commissioned_hours_per_week"] == "11"  # theirs kept
    # Beside the field, the value saved meanwhile; the whole saved draft is there too.
    assert 'id="commissioned_hours_per_week-saved"' in page and 'data-saved-value="12"' in page
    assert "The whole draft as it is saved now" in page and "12 a week" in page
    assert api.as_("sam").get(f"/plans/{plan['id']}").json["commissioned_hours_per_week"] == 12
    # Saving again with the version the page now carries keeps the user's merge.
    merged = FormReader(page.html).values
    saved = browser.post(f"/plans/{plan['id']}/edit", merged, csrf_from=f"/plans/{plan['id']}/edit")
    assert saved.status == 302
    assert api.as_("sam").get(f"/plans/{plan['id']}").json["commissioned_hours_per_week"] == 11


def test_the_hours_balance_says_blank_and_negative_hours_in_words():
    from web.pages.plans import hours_balance
    blank = {"commissioned_hours_per_week": "", "actions": []}
    assert hours_balance(blank) == (
        "0 hours allocated; the commissioned hours are not filled in yet", False)
    assert hours_balance({"commissioned_hours_per_week": "0", "actions": []}) == (
        "No hours commissioned or allocated yet", False)
    negative = {"commissioned_hours_per_week": "-3", "actions": []}
    assert hours_balance(negative)[0].startswith("Hours cannot be negative")
    assert hours_balance({"commissioned_hours_per_week": "10",
                          "actions": [{"hours_per_week": "7"}]}) == (
        "7 of 10 commissioned hours allocated — 3 still to allocate", False)


def test_an_approved_plan_cannot_be_edited_and_the_page_says_how_to_revise(app, users, api):
    plan = active_plan(api)
    page = Browser(app, "sam").get(f"/plans/{plan['id']}/edit")
    assert page.status == 200 and "This plan is not a draft" in page
    assert "Revise the plan" in page
    assert Browser(app, "ada").get(f"/plans/{plan['id']}/edit").status == 403


def test_staff_read_a_failing_rule_with_the_outcomes_words_not_its_id(app, users, api):
    outcomes = plan_content()["outcomes"]
    outcomes[1]["measure"] = None
    plan = new_plan(api, **plan_content(outcomes=outcomes))
    page = Browser(app, "sam").get(f"/plans/{plan['id']}")
    assert "outcome &#39;Plans her weekly meals&#39; has no measure" in page
    assert "outcome o2 has no measure" not in page
    api_detail = {c["rule"]: c["detail"] for t in api.as_("mia").get(
        f"/plans/{plan['id']}/transitions").json["transitions"] for c in t["checks"]}
    assert api_detail["plan.outcomes-observable"] == "outcome o2 has no measure"
