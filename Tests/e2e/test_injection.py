"""Hostile text on the page, in headless Chromium: what an event's sender or a link's author
writes is shown as text and never runs or becomes markup.

Events are sent with an ingest key whose actor name, workspace name, targets, metadata and
details hold HTML, script, formula and Unicode-mark payloads; the page shows each verbatim as
text, builds no element from it, and no payload runs. A sign-in link whose `next` hides markup
behind combining and prepended marks (which once rendered a live `<meta refresh>`) leaves the
visitor where they are, and sign-in never follows a `next` to another host."""
import time
import urllib.parse
from datetime import datetime, timedelta, timezone

from selenium.webdriver.common.by import By

from conftest import ADMIN
from pages import ingest, sign_in, wait, wait_for_table

MARK_QUOTE = "\u0600\"\u0600>\u0600"
PAYLOADS = {
    "actor": "<img src=x onerror=\"window.__pwned='actor'\">Mallory",
    "workspace": "<script>window.__pwned='workspace'</script>",
    "target": "\"><svg onload=\"window.__pwned='target'\">",
    "metadata": "<iframe src=\"javascript:window.__pwned='metadata'\"></iframe>",
    "details": MARK_QUOTE + "<img src=x onerror=\"window.__pwned='details'\">=HYPERLINK(\"http://evil.test\",\"x\")",
}
ACTOR_ID = "hostile_actor"


def test_hostile_event_text_is_shown_as_text_and_never_runs(page, service):
    occurred = (datetime.now(timezone.utc) - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    ingest(service, [{
        "id": "evt_hostile_1", "action": "MemberInvited", "occurred_at": occurred,
        "actor": {"id": ACTOR_ID, "type": "user", "name": PAYLOADS["actor"], "email": "mallory@evil.test"},
        "workspace": {"id": "ws_hostile", "name": PAYLOADS["workspace"]},
        "targets": [{"type": "user", "id": "user_x", "name": PAYLOADS["target"]}],
        "metadata": {"role": PAYLOADS["metadata"]},
        "details": PAYLOADS["details"],
    }])
    sign_in(page, service.base, *ADMIN)
    page.get(service.base + "/organizations/acme/audit-logs?actor=" + ACTOR_ID)
    wait_for_table(page)
    row = page.find_element(By.CSS_SELECTOR, "tr.event-row")
    assert row.get_attribute("data-event-id") == "evt_hostile_1"
    row.click()
    wait(page, lambda d: d.find_elements(By.CSS_SELECTOR, "tr.event-detail"), message="the row did not open")
    time.sleep(0.5)

    text = page.find_element(By.ID, "events").text
    for name in ("actor", "workspace", "details"):
        assert PAYLOADS[name].replace("\u0600", "") in text.replace("\u0600", ""), name
    for name in ("target", "metadata"):
        assert PAYLOADS[name] in page.find_element(By.CSS_SELECTOR, "tr.event-detail").text, name
    # Nothing became markup, and nothing ran.
    table = page.find_element(By.ID, "events")
    for tag in ("img", "script", "svg", "iframe", "meta"):
        assert table.find_elements(By.TAG_NAME, tag) == [], tag
    assert page.execute_script("return window.__pwned === undefined")
    # The Actor filter lists the hostile name as text too.
    assert page.execute_script("return document.querySelectorAll('#actor-filter img, #actor-filter script').length") == 0


def test_a_sign_in_link_with_markup_behind_unicode_marks_does_nothing(page, service):
    trap = service.base + "/assets/icon.svg?redirected"
    attack = "/" + MARK_QUOTE + "<meta http-equiv=refresh content=0;url=" + trap + ">"
    page.get(service.base + "/?next=" + urllib.parse.quote(attack, safe=""))
    time.sleep(1.5)
    assert urllib.parse.urlparse(page.current_url).path == "/", page.current_url
    assert page.find_elements(By.CSS_SELECTOR, "meta[http-equiv]") == []
    assert page.find_element(By.ID, "sign-in-form").get_attribute("data-next") == ""


def test_sign_in_never_follows_next_to_another_host(page, service):
    for next_path in ("//\ufe0fevil.test/", "/\u0301/evil.test", "https://evil.test/"):
        page.delete_all_cookies()
        page.get(service.base + "/?next=" + urllib.parse.quote(next_path, safe=""))
        page.find_element(By.ID, "email").send_keys(ADMIN[0])
        page.find_element(By.ID, "password").send_keys(ADMIN[1])
        page.find_element(By.ID, "sign-in").click()
        wait(page, lambda d: "/organizations/" in d.current_url, message=f"sign-in with next={next_path!r} went elsewhere")
        assert page.current_url == service.base + "/organizations/acme/audit-logs", next_path
