"""The pages in a real browser: signing in, keyboard use, a tablet-width screen."""
import pytest

from .conftest import password_of, screenshot

pytestmark = pytest.mark.slow


def test_signing_in_with_the_keyboard_alone_reaches_the_inbox(playwright_browser, live_server):
    page = playwright_browser.new_page(base_url=live_server)
    page.goto("/login")
    screenshot(page, "01-sign-in")
    page.keyboard.press("Tab")  # the skip link comes first
    assert page.evaluate("document.activeElement.textContent") == "Skip to main content"
    page.get_by_label("Username").focus()
    page.keyboard.type("sam")
    page.keyboard.press("Tab")
    page.keyboard.type(password_of("sam"))
    page.keyboard.press("Enter")
    page.wait_for_url("**/inbox")
    assert page.title() == "Inbox — strengthwise"
    page.close()


def test_a_wrong_password_shows_an_error_summary_that_links_to_the_field(playwright_browser,
                                                                          live_server):
    page = playwright_browser.new_page(base_url=live_server)
    page.goto("/login")
    page.get_by_label("Username").fill("sam")
    page.get_by_label("Password").fill("wrong")
    page.get_by_role("button", name="Sign in").click()
    summary = page.get_by_role("alert")
    assert "The username or password is not right." in summary.inner_text()
    page.wait_for_function("document.activeElement.classList.contains('error-summary')")
    summary.get_by_role("link").click()
    assert page.evaluate("document.activeElement.id") == "username"
    page.close()


def test_the_inbox_reads_well_on_a_tablet(sign_in):
    page = sign_in("mia", width=768, height=1024)
    assert page.evaluate("document.documentElement.scrollWidth") <= 768
    screenshot(page, "02-inbox-tablet")
