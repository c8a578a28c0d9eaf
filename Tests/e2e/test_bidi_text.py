"""Bidi controls and invisible characters in what an event's sender writes, in headless Chromium.

With a right-to-left override (U+202E), "Mallory \u202eecalevoL adA" is drawn "Mallory Ada
Lovelace": an audit log naming the wrong person. The page shows each text from outside in a
<bdi> of its own, every invisible character in it as a visible marker (⟨U+202E⟩), so that it
reads as sent and cannot reorder what is around it: in the rows, the opened event, the event's
own page and the Actor and Workspace filters. The checks read what Chromium draws — the
characters of an element in the order they stand on screen, left to right — beside
`element.text`; the API still answers the text exactly as it was sent."""
from datetime import datetime, timedelta, timezone

from selenium.webdriver.common.by import By

from conftest import ADMIN
from pages import api, ingest, search_options, sign_in, wait, wait_for_table

ACTOR_ID = "user_mallory_bidi"
WORKSPACE_ID = "ws_bidi"
EVENT_ID = "evt_bidi_1"
ACTOR = "Mallory \u202eecalevoL adA"
WORKSPACE = "Marketing \u2066\u2067(EU) 2024"
TARGET = "Report 2024\u200f, 2025"
METADATA = "\u202bEditor\u202c"
USER_AGENT = "Mozilla/5.0 \u2068\u200b\ufeff"
# How each is drawn: every invisible character a marker, in the order sent.
SHOWN = {
    "actor": "Mallory ⟨U+202E⟩ecalevoL adA",
    "workspace": "Marketing ⟨U+2066⟩⟨U+2067⟩(EU) 2024",
    "target": "Report 2024⟨U+200F⟩, 2025 (user_bidi)",
    "metadata": "⟨U+202B⟩Editor⟨U+202C⟩",
    "user agent": "Mozilla/5.0 ⟨U+2068⟩⟨U+200B⟩⟨U+FEFF⟩",
}

# The characters of arguments[0] in the order Chromium draws them, left to right, on one line
# (a narrow cell would otherwise wrap: bidi reorders within each line, and one is enough).
DRAWN = """
const wrapping = arguments[0].style.whiteSpace;
arguments[0].style.whiteSpace = "nowrap";
const glyphs = [];
const walker = document.createTreeWalker(arguments[0], NodeFilter.SHOW_TEXT);
for (let node = walker.nextNode(); node; node = walker.nextNode()) {
  for (let i = 0; i < node.data.length;) {
    const length = node.data.codePointAt(i) > 0xFFFF ? 2 : 1;
    const range = document.createRange();
    range.setStart(node, i);
    range.setEnd(node, i + length);
    const box = range.getBoundingClientRect();
    if (box.width > 0) glyphs.push([box.left, node.data.slice(i, i + length)]);
    i += length;
  }
}
arguments[0].style.whiteSpace = wrapping;
return glyphs.sort((a, b) => a[0] - b[0]).map((glyph) => glyph[1]).join("");
"""


def drawn(driver, element):
    return driver.execute_script(DRAWN, element)


def ingest_spoofing_event(service):
    occurred = (datetime.now(timezone.utc) - timedelta(minutes=30)).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    ingest(service, [{
        "id": EVENT_ID, "action": "MemberInvited", "occurred_at": occurred,
        "actor": {"id": ACTOR_ID, "type": "user", "name": ACTOR, "email": "mallory@evil.test"},
        "workspace": {"id": WORKSPACE_ID, "name": WORKSPACE},
        "targets": [{"type": "user", "id": "user_bidi", "name": TARGET}],
        "context": {"user_agent": USER_AGENT},
        "metadata": {"role": METADATA},
        "details": "Invited " + ACTOR,
    }])


def cell(row, label):
    return row.find_element(By.CSS_SELECTOR, f"td[data-label='{label}']")


def detail_value(driver, term):
    """The value beside `term` in the opened event."""
    return driver.find_element(By.XPATH, f"//tr[@class='event-detail']//dt[.={term!r}]/following-sibling::dd[1]")


def assert_shown_as_sent(driver, row):
    """The row and its opened event draw each text from outside as SHOWN, isolated."""
    actor = row.find_element(By.CSS_SELECTOR, ".actor-name")
    assert drawn(driver, actor) == SHOWN["actor"]
    assert actor.text == SHOWN["actor"]
    assert "Ada Lovelace" not in row.text
    assert actor.find_element(By.CSS_SELECTOR, "bdi .invisible-character").get_attribute("title").startswith(
        "U+202E RIGHT-TO-LEFT OVERRIDE")
    workspace = cell(row, "Workspace")
    assert drawn(driver, workspace) == workspace.text == SHOWN["workspace"]
    assert drawn(driver, cell(row, "Details")) == "Invited " + SHOWN["actor"]
    wait(driver, lambda d: d.find_elements(By.CSS_SELECTOR, "tr.event-detail"), message="the row did not open")
    for term, shown in (("user", "target"), ("role", "metadata"), ("User agent", "user agent")):
        value = detail_value(driver, term)
        assert drawn(driver, value) == value.text == SHOWN[shown], term
    # Each text from outside is isolated: no raw bidi control is left in any text of the table.
    assert driver.execute_script("""
        const walker = document.createTreeWalker(document.getElementById('events'), NodeFilter.SHOW_TEXT);
        for (let node = walker.nextNode(); node; node = walker.nextNode()) {
          if (/[\\u061c\\u200b-\\u200f\\u202a-\\u202e\\u2066-\\u2069\\ufeff]/.test(node.data)) return false;
        }
        return true;
    """)


def test_a_right_to_left_override_cannot_rename_the_actor_in_the_list(page, service, screenshots):
    ingest_spoofing_event(service)
    sign_in(page, service.base, *ADMIN)
    page.get(service.base + "/organizations/acme/audit-logs?actor=" + ACTOR_ID)
    wait_for_table(page)
    row = page.find_element(By.CSS_SELECTOR, f"tr.event-row[data-event-id='{EVENT_ID}']")
    row.find_element(By.CSS_SELECTOR, "button.disclose").click()
    assert_shown_as_sent(page, row)
    page.save_screenshot(str(screenshots / "bidi-1-row.png"))
    # Only what is shown changed: the API answers the event as it was sent.
    event = api(service.base, page, f"/api/v1/organizations/acme/events/{EVENT_ID}")
    assert (event["actor"]["name"], event["workspace"]["name"], event["targets"][0]["name"]) == (ACTOR, WORKSPACE, TARGET)
    assert (event["metadata"]["role"], event["context"]["user_agent"]) == (METADATA, USER_AGENT)


def test_the_events_own_page_shows_it_as_sent(page, service):
    ingest_spoofing_event(service)
    sign_in(page, service.base, *ADMIN)
    page.get(service.base + f"/organizations/acme/audit-logs/events/{EVENT_ID}")
    wait_for_table(page)
    row = page.find_element(By.CSS_SELECTOR, "tr.event-row")
    assert row.get_attribute("aria-expanded") == "true"
    assert_shown_as_sent(page, row)


def test_the_actor_and_workspace_filters_show_the_names_as_sent(page, service, screenshots):
    ingest_spoofing_event(service)
    sign_in(page, service.base, *ADMIN)
    wait_for_table(page)
    search_options(page, "actor", "Mallory")
    option = page.find_element(By.XPATH, f"//*[@id='actor-filter']//label[.//input[@value='{ACTOR_ID}']]")
    label = option.find_element(By.CSS_SELECTOR, ".option-text > span:first-child")
    assert drawn(page, label) == label.text == SHOWN["actor"]
    assert "Ada Lovelace" not in option.text
    assert option.find_element(By.CSS_SELECTOR, ".option-sub").text == "mallory@evil.test"
    page.save_screenshot(str(screenshots / "bidi-2-actor-filter.png"))
    search_options(page, "workspace", "Marketing")
    option = page.find_element(By.XPATH, f"//*[@id='workspace-filter']//label[.//input[@value='{WORKSPACE_ID}']]")
    label = option.find_element(By.CSS_SELECTOR, ".option-text > span:first-child")
    assert drawn(page, label) == label.text == SHOWN["workspace"]
