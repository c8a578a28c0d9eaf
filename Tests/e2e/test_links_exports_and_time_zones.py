"""An event's link, the JSON Lines export and the time zone toggle, in headless Chromium."""
import json
import urllib.parse
from datetime import datetime, timedelta, timezone

from selenium.webdriver.common.by import By

from conftest import ADMIN, MEMBER
from pages import (all_events, api, downloaded, read_csv, rows, sign_in, tick, wait, wait_for_download,
                   wait_for_new_table, wait_for_table, table_generation)

ORG = "/api/v1/organizations/acme"
LIST = "/organizations/acme/audit-logs"


def test_copy_link_gives_the_events_own_page_which_shows_it_expanded(page, server, screenshots):
    sign_in(page, server, *ADMIN)
    wait_for_table(page)
    first = rows(page)[3]
    row = page.find_element(By.CSS_SELECTOR, f"tr.event-row[data-event-id='{first['id']}']")
    row.find_element(By.CSS_SELECTOR, "button.disclose").click()
    copy = page.find_element(By.CSS_SELECTOR, "tr.event-detail button.copy-link")
    link = copy.get_attribute("data-link")
    assert link == server + LIST + "/events/" + urllib.parse.quote(first["id"], safe="")
    copy.click()
    # Copied, or (where the browser refuses the clipboard) shown selected to copy by hand.
    status = page.find_element(By.CSS_SELECTOR, "tr.event-detail .copy-status")
    wait(page, lambda d: status.text, message="Copy link said nothing")
    if status.text != "Link copied.":
        box = page.find_element(By.CSS_SELECTOR, "tr.event-detail .detail-actions input")
        assert box.get_attribute("value") == link
        assert page.switch_to.active_element == box

    # The link opens the page with that event alone, expanded, and the way back to the rest.
    page.get(link)
    wait_for_table(page)
    assert [shown["id"] for shown in rows(page)] == [first["id"]]
    opened = page.find_element(By.CSS_SELECTOR, "tr.event-row")
    assert opened.get_attribute("aria-expanded") == "true"
    detail = page.find_element(By.CSS_SELECTOR, "tr.event-detail")
    assert first["id"] in detail.text
    banner = page.find_element(By.ID, "linked-event")
    assert banner.is_displayed() and "one event" in banner.text
    event = api(server, page, f"{ORG}/events/" + urllib.parse.quote(first["id"], safe=""))
    assert event["id"] == first["id"] and event["details"] in opened.text
    page.save_screenshot(str(screenshots / "9-event-link.png"))

    table_generation(page)
    page.find_element(By.ID, "show-all-events").click()
    wait_for_new_table(page)
    assert page.current_url == server + LIST
    assert len(rows(page)) == 50 and not banner.is_displayed()
    # Back returns to the event.
    table_generation(page)
    page.back()
    wait_for_new_table(page)
    assert page.current_url == link
    assert [shown["id"] for shown in rows(page)] == [first["id"]]


def test_a_link_to_no_such_event_says_so_and_only_admins_open_one(page, server):
    sign_in(page, server, *ADMIN)
    page.get(server + LIST + "/events/evt_" + urllib.parse.quote("nope/é́", safe=""))
    wait(page, lambda d: d.find_element(By.ID, "error-state").is_displayed(), message="no error for an unknown event")
    assert "no event with that id" in page.find_element(By.ID, "error-message").text
    assert page.find_element(By.ID, "linked-event").is_displayed()

    page.delete_all_cookies()
    sign_in(page, server, *MEMBER)
    page.get(server + LIST + "/events/anything")
    assert "Only organization admins can view audit logs" in page.find_element(By.TAG_NAME, "h1").text


def test_export_json_holds_the_views_events_one_per_line(page, server, downloads):
    sign_in(page, server, *ADMIN)
    wait_for_table(page)
    tick(page, "action", "MemberInvited", "MemberInvited")
    before = downloaded(downloads, ".jsonl")
    page.find_element(By.ID, "export-jsonl").click()
    path = wait_for_download(downloads, before, suffix=".jsonl")
    lines = path.read_text(encoding="utf-8").splitlines()
    events = [json.loads(line) for line in lines]
    start = (datetime.now(timezone.utc) - timedelta(days=8)).isoformat()
    expected = [event for event in all_events(server, page, "acme", [("action", "MemberInvited"), ("from", start)])
                if event["id"] in {shown["id"] for shown in events}]
    assert events and all(event["action"] == "MemberInvited" for event in events)
    assert events == expected
    manifest = path.with_name(path.name[:-len(".jsonl")] + ".manifest.json")
    wait(page, lambda d: manifest.exists(), message="no manifest beside the JSON Lines export")
    assert json.loads(manifest.read_text())["format"] == "jsonl"


def test_times_show_in_the_viewers_zone_or_utc_remembered_and_the_csv_stays_utc(page, server, downloads, screenshots):
    # A viewer in India, 5 h 30 min ahead of UTC, so the two readings differ in their minutes.
    page.execute_cdp_cmd("Emulation.setTimezoneOverride", {"timezoneId": "Asia/Kolkata"})
    try:
        sign_in(page, server, *ADMIN)
        wait_for_table(page)
        header = page.find_element(By.ID, "time-zone")
        india_names = ("(Asia/Kolkata)", "(Asia/Calcutta)")  # ICU still says Calcutta
        assert header.text in india_names
        first = rows(page)[0]
        occurred = datetime.fromisoformat(first["occurred_at"].replace("Z", "+00:00"))
        india = occurred + timedelta(hours=5, minutes=30)
        assert india.strftime("%M") in first["cells"][0] and india.strftime("%I").lstrip("0") in first["cells"][0]

        page.find_element(By.ID, "zone-utc").click()
        assert header.text == "(UTC)"
        assert page.find_element(By.ID, "zone-utc").get_attribute("aria-pressed") == "true"
        cell = rows(page)[0]["cells"][0]
        assert occurred.strftime("%M:%S") in cell and occurred.strftime("%I").lstrip("0") in cell, cell
        page.save_screenshot(str(screenshots / "10-times-in-utc.png"))

        # Remembered by the browser: a reload shows UTC still.
        page.refresh()
        wait_for_table(page)
        assert page.find_element(By.ID, "time-zone").text == "(UTC)"

        # The custom range's inputs follow: a range typed in UTC is that range in UTC.
        page.find_element(By.ID, "date-range-button").click()
        assert "(UTC)" in page.find_element(By.CSS_SELECTOR, "label[for=custom-from]").text
        start = (datetime.now(timezone.utc) - timedelta(days=2)).replace(second=0, microsecond=0)
        end = start + timedelta(hours=20)
        for field, value in (("custom-from", start), ("custom-to", end)):
            page.execute_script("arguments[0].value = arguments[1]", page.find_element(By.ID, field), value.strftime("%Y-%m-%dT%H:%M"))
        table_generation(page)
        page.find_element(By.ID, "apply-custom-range").click()
        wait_for_new_table(page)
        query = urllib.parse.parse_qs(urllib.parse.urlparse(page.current_url).query)
        assert query["from"] == [start.strftime("%Y-%m-%dT%H:%M:00.000Z")], query
        assert query["to"] == [end.strftime("%Y-%m-%dT%H:%M:00.000Z")], query

        # Back in the viewer's zone, the CSV is still in UTC.
        page.find_element(By.ID, "zone-local").click()
        assert page.find_element(By.ID, "time-zone").text in india_names
        before = downloaded(downloads)
        page.find_element(By.ID, "export-csv").click()
        table = read_csv(wait_for_download(downloads, before))
        shown = rows(page)
        assert [line[8] for line in table[1:len(shown) + 1]] == [row["id"] for row in shown]
        assert all(line[0].endswith("Z") and line[0] == row["occurred_at"] for line, row in zip(table[1:], shown))
    finally:
        page.execute_script("localStorage.removeItem('auditlogs.timeZone')")
        page.execute_cdp_cmd("Emulation.setTimezoneOverride", {"timezoneId": ""})
