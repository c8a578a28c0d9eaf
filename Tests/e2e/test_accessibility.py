"""Accessibility, checked by axe-core in the browser on every state of the page an admin meets:
no serious or critical violation on the sign-in page, the Audit Logs page, each open filter
menu, the date menu, an expanded row, an event's link, times in UTC, the empty state, the
not-an-admin page and a narrow window.

axe-core comes with the `axe-selenium-python` package; a state's violations are listed with
the elements they concern when the test fails."""
import pytest
from selenium.webdriver.common.by import By

from conftest import ADMIN, MEMBER, missing
from pages import open_filter, sign_in, wait, wait_for_table

try:
    from axe_selenium_python import Axe
except ImportError:  # pragma: no cover - reported by the fixture, which fails in CI
    Axe = None


@pytest.fixture
def axe(page):
    if Axe is None:
        missing("axe-selenium-python is not installed (pip install axe-selenium-python)")
    # A run grows with the page: after the three filter menus have listed their options it takes
    # about 30 s on two busy cores, selenium's default limit for a script, which the last states
    # then missed.
    page.set_script_timeout(120)

    def check(state):
        checker = Axe(page)
        checker.inject()
        results = checker.run()
        serious = [violation for violation in results["violations"] if violation["impact"] in ("serious", "critical")]
        assert serious == [], f"{state}: " + "\n".join(
            f"{violation['id']} ({violation['impact']}): {violation['help']} — "
            + "; ".join(" ".join(node["target"]) for node in violation["nodes"][:5])
            for violation in serious)
    yield check
    page.set_script_timeout(30)


def test_the_sign_in_page(page, server, axe):
    page.get(server + "/")
    axe("sign-in page")
    page.find_element(By.ID, "email").send_keys("nobody@acme.test")
    page.find_element(By.ID, "password").send_keys("wrong password")
    page.find_element(By.ID, "sign-in").click()
    wait(page, lambda d: d.find_element(By.ID, "sign-in-error").is_displayed())
    page.get_log("browser")  # the refused sign-in's 401, which the console reports
    axe("sign-in page with its error")


def test_the_audit_logs_page_and_its_menus(page, server, axe):
    sign_in(page, server, *ADMIN)
    wait_for_table(page)
    axe("Audit Logs page")
    for name in ("action", "actor", "workspace"):
        open_filter(page, name)
        wait(page, lambda d: d.find_element(By.CSS_SELECTOR, f"#{name}-filter .menu-options").get_attribute("aria-busy") == "false")
        axe(f"the {name} menu, open")
        page.find_element(By.CSS_SELECTOR, f"#{name}-filter .select-button").click()
    page.find_element(By.ID, "date-range-button").click()
    axe("the date menu, open")
    page.find_element(By.ID, "date-range-button").click()
    page.find_element(By.CSS_SELECTOR, "tr.event-row button.disclose").click()
    axe("an expanded row")
    page.find_element(By.CSS_SELECTOR, "tr.event-detail button.copy-link").click()
    axe("an expanded row after Copy link")
    link = page.find_element(By.CSS_SELECTOR, "tr.event-detail button.copy-link").get_attribute("data-link")
    page.find_element(By.ID, "zone-utc").click()
    try:
        axe("times in UTC")
    finally:
        page.find_element(By.ID, "zone-local").click()
    page.get(link)
    wait_for_table(page)
    axe("an event's link")


def test_the_empty_state_and_a_narrow_window(page, server, axe):
    sign_in(page, server, *ADMIN)
    page.get(server + "/organizations/acme/audit-logs?range=custom&from=2020-01-01T00:00:00Z&to=2020-01-02T00:00:00Z")
    wait_for_table(page)
    assert page.find_element(By.ID, "empty-state").is_displayed()
    axe("the empty state")
    page.set_window_size(420, 860)
    page.get(server + "/organizations/acme/audit-logs")
    wait_for_table(page)
    axe("a narrow window")


def test_the_page_of_a_member_who_is_not_an_admin(page, server, axe):
    sign_in(page, server, *MEMBER)
    assert page.find_element(By.TAG_NAME, "h1").text == "Only organization admins can view audit logs"
    axe("the not-an-admin page")
