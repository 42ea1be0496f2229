"""Every page of the demo, reached by following links the way a person would, as a support
worker, a manager, the auditor and the admin: each passes axe-core with no serious or critical
violation at 768 and 1280 px, and no staff-facing page shows an internal id (`o1`, `r1`, a rule
id such as `plan.independent-approver`, an ISO date). Rule ids stay in the auditor's detail."""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
import urllib.request
from collections import Counter
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest

from .conftest import ROOT, accessibility_problems, serving

pytestmark = pytest.mark.slow

# Not followed: downloads, the API and its docs, signing out, and forms' targets.
NOT_PAGES = re.compile(r"(\.csv|\.json|\.svg|\.png)$|^/(api|static|logout|developers)(/|$)")
PAGES_PER_KIND = 3  # /plans/1, /plans/2, /plans/3 are one kind of page: look at a few of each
ITEM_ID = re.compile(r"(?<![\w./-])[sora]\d{1,4}(?![\w-])")
ISO_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")


def _rule_ids() -> set[str]:
    ids = set()
    for pack in (ROOT / "rules").glob("*.toml"):
        ids.update(rule["id"] for rule in tomllib.loads(pack.read_text()).get("rules", []))
    return ids


RULE_ID = re.compile(r"\b(" + "|".join(sorted(map(re.escape, _rule_ids()), key=len,
                                             reverse=True)) + r")\b")


@pytest.fixture(scope="module")
def demo(tmp_path_factory, chromium_path):
    """`strengthwise init --demo` in a directory of its own, served; one completed review and
    one written review waiting for a manager on Margaret's plan, so those pages exist too.
    → (base URL, {username: password})."""
    workdir = tmp_path_factory.mktemp("demo-pages")
    shutil.copyfile(ROOT / "config.toml", workdir / "config.toml")
    url = f"sqlite:///{workdir / 'demo.db'}"
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("STRENGTHWISE_")},
           "STRENGTHWISE_CONFIG": str(workdir / "config.toml"), "STRENGTHWISE_DATABASE_URL": url}
    done = subprocess.run([str(Path(sys.executable).parent / "strengthwise"), "init", "--demo"],
                          cwd=workdir, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    users = {cells[0]: (cells[3], cells[4]) for cells in map(str.split, done.stdout.splitlines())
             if len(cells) == 5 and cells[4].startswith("sw_")}
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("STRENGTHWISE_CONFIG", str(workdir / "config.toml"))
        with serving(url) as base:
            _review_margarets_plan(base, {name: token for name, (_, token) in users.items()})
            yield base, {name: password for name, (password, _) in users.items()}


def _api(base: str, token: str, method: str, path: str, body: dict | None = None) -> dict:
    request = urllib.request.Request(
        f"{base}/api/v1{path}", method=method, data=json.dumps(body).encode() if body else None,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


def _review_margarets_plan(base: str, tokens: dict[str, str]) -> None:
    sam, hannah = tokens["sam"], tokens["hannah"]
    plan = next(p for p in _api(base, sam, "GET", "/plans")["plans"]
                if p["person_name"] == "Margaret Ellis")
    path = f"/plans/{plan['id']}"
    content = _api(base, sam, "GET", path)
    review = {
        "improved": "Makes her own breakfast most days",
        "less_support": "One prompt at most at breakfast",
        "new_strengths": "Plans her shopping list herself",
        "reduce_safely": "Morning visits could drop to four a week",
        "matters_most": "Going to the lunch club on her own",
        "involvement": {"took_part": True, "how": "in_person",
                        "views": "I want to go to the lunch club on my own.",
                        "advocate_present": False, "family_present": True},
        "outcome_ratings": [{"outcome_id": o["id"], "rating": "progressing",
                             "evidence": "fewer prompts each week"} for o in content["outcomes"]],
        "risks_reviewed": [r["id"] for r in content["risks"]],
        "decision": "continue", "next_review_date": content["next_review_date"],
    }
    for reason, complete in (("Margaret asked to cook more often", True),
                             ("Her daughter asked for a review", False)):
        version = _api(base, sam, "GET", path)["version"]
        _api(base, sam, "POST", f"{path}/transitions/start_review",
             {"version": version, "reason": reason})
        _api(base, sam, "POST", f"{path}/reviews", review)
        if complete:
            version = _api(base, hannah, "GET", path)["version"]
            _api(base, hannah, "POST", f"{path}/transitions/complete_review",
                 {"version": version, "comment": "Agreed with Margaret"})


def _kind(path: str) -> str:
    parts = urlsplit(path)
    return re.sub(r"\d+", "N", parts.path) + ("?" + "&".join(sorted(
        re.sub(r"=.*", "", pair) for pair in parts.query.split("&"))) if parts.query else "")


def crawl(browser, base: str, username: str, password: str):
    """Sign in and follow every link: yield (path, page) for each page, a few of each kind."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, base_url=base)
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto("/login")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/inbox")
    queue, seen, kinds = ["/inbox"], {"/inbox"}, Counter()
    try:
        while queue:
            path = queue.pop(0)
            kinds[_kind(path)] += 1
            if kinds[_kind(path)] > PAGES_PER_KIND:
                continue
            response = page.goto(path)
            assert response is not None and response.status == 200, (username, path)
            for href in page.eval_on_selector_all("a[href]", "els => els.map(e => e.href)"):
                parts = urlsplit(urljoin(base + path, href))
                link = parts.path + (f"?{parts.query}" if parts.query else "")
                if parts.netloc == urlsplit(base).netloc and not NOT_PAGES.search(parts.path) \
                        and link not in seen:
                    seen.add(link)
                    queue.append(link)
            yield path, page
    finally:
        context.close()


def internal_ids(text: str) -> list[str]:
    return sorted({match.group(0) for pattern in (ITEM_ID, RULE_ID, ISO_DATE)
                   for match in pattern.finditer(text)})


@pytest.mark.parametrize("username", ["sam", "hannah", "omar", "ruth", "admin"])
def test_every_page_is_accessible_and_staff_pages_show_words_not_ids(
        demo, playwright_browser, axe_path, username):
    base, passwords = demo
    problems, pages = [], []
    for path, page in crawl(playwright_browser, base, username, passwords[username]):
        pages.append(path)
        problems += [f"{path} {line}" for line in accessibility_problems(page, axe_path)]
        if username != "ruth":  # the auditor's detail keeps the rule ids
            shown = internal_ids(page.inner_text("main"))
            if shown:
                problems.append(f"{path} shows {', '.join(shown)}")
    assert len(pages) >= 8, pages  # the crawl reached the pages, not just the inbox
    if username == "hannah":  # and the ones only a plan's later life has
        for kind in (r"/plans/\d+/edit", r"/plans/\d+/review", r"/plans/\d+/reviews/\d+"):
            assert any(re.fullmatch(kind, path) for path in pages), (kind, pages)
    assert not problems, "\n".join(problems)

