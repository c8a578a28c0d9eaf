"""The page inside the platform's own settings page, as the platform's admins see it.

A "platform" serves a settings page on another site (http://localhost:P) that frames the
service (http://127.0.0.1:S) through a fresh hand-off link, asked for with a platform key; the
service runs with `--frame-ancestor http://localhost:P`. Inside the frame the viewer filters,
reads rows and exports, on the hand-off session's partitioned cookie. A third origin that frames
the page gets nothing, and a link opened in two tabs starts one session.
"""
import functools
import http.server
import json
import shutil
import subprocess
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

import pytest
from selenium.webdriver.common.by import By

from conftest import free_port, serve
from pages import downloaded, read_csv, rows, tick, wait, wait_for_download, wait_for_table


class Origin:
    """A static site on its own port: the platform's settings page, or a stranger's."""

    def __init__(self, host):
        self.directory = Path(tempfile.mkdtemp(prefix="auditlogs-origin-"))
        self.port = free_port()
        handler = functools.partial(Quiet, directory=str(self.directory))
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", self.port), handler)
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        self.base = f"http://{host}:{self.port}"

    def page(self, name, frame_url, title):
        (self.directory / name).write_text(
            f"<!doctype html><meta charset=utf-8><title>{title}</title><h1>{title}</h1>"
            f"<iframe id='audit' src='{frame_url}' allow='clipboard-write' style='width:1220px;height:640px;border:1px solid #ccc'>"
            "</iframe>")
        return f"{self.base}/{name}"

    def close(self):
        self.httpd.shutdown()
        shutil.rmtree(self.directory, ignore_errors=True)


class Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *arguments):
        pass


@pytest.fixture(scope="module")
def embedded(service):
    """A service that lets the platform's origin frame it, the platform, a stranger, and a platform key."""
    platform = Origin("localhost")
    stranger = Origin("127.0.0.1")
    directory = Path(tempfile.mkdtemp(prefix="auditlogs-embedded-"))
    database = directory / "embedded.sqlite"
    shutil.copy(service.database, database)
    key = subprocess.run([service.binary, "platform-key", "create", "--name", "Example Platform", "--database", database],
                         check=True, capture_output=True, text=True).stdout.strip().splitlines()[-1]
    process, base = serve(service.binary, database, directory, "--frame-ancestor", platform.base)
    yield {"base": base, "key": key, "platform": platform, "stranger": stranger}
    process.terminate()
    process.wait(10)
    platform.close()
    stranger.close()
    shutil.rmtree(directory, ignore_errors=True)


def hand_off_link(embedded, viewer_id="plat-ada", return_url=None):
    """What the platform's backend does when its admin opens Audit Logs: asks for a link."""
    body = {"viewer": {"id": viewer_id, "name": "Ada (via platform)", "email": "ada@platform.test"}}
    if return_url:
        body["return_url"] = return_url
    request = urllib.request.Request(
        embedded["base"] + "/api/v1/organizations/acme/viewer-sessions", data=json.dumps(body).encode(), method="POST",
        headers={"Authorization": "Bearer " + embedded["key"], "Content-Type": "application/json"})
    with urllib.request.urlopen(request) as answer:
        assert answer.status == 201
        return json.load(answer)["url"]


@pytest.fixture
def fresh(browser, downloads):
    """The browser at a blank page, without cookies of the last test, and its window back to one tab."""
    for handle in browser.window_handles[1:]:
        browser.switch_to.window(handle)
        browser.close()
    browser.switch_to.window(browser.window_handles[0])
    # An export of the same view has the same name, and Chrome writes it over the earlier
    # test's file, which would then not count as new.
    for earlier in downloads.iterdir():
        earlier.unlink()
    browser.get("about:blank")
    browser.delete_all_cookies()
    yield browser
    browser.switch_to.default_content()
    # Partitioned cookies too, which WebDriver's delete_all_cookies leaves: a hand-off session of
    # this service (same host, another port) would otherwise reach the next test's server.
    browser.execute_cdp_cmd("Network.clearBrowserCookies", {})
    for handle in browser.window_handles[1:]:
        browser.switch_to.window(handle)
        browser.close()
    browser.switch_to.window(browser.window_handles[0])


def test_the_platform_frames_the_page_and_its_admin_filters_reads_and_exports_inside_it(fresh, embedded, downloads, screenshots):
    driver = fresh
    platform = embedded["platform"]
    link = hand_off_link(embedded, return_url=platform.base + "/settings.html")
    driver.get(platform.page("settings.html", link, "Example Platform · Organization settings"))
    driver.switch_to.frame(driver.find_element(By.ID, "audit"))
    wait_for_table(driver)
    assert rows(driver), "the framed page shows no rows"
    back = driver.find_element(By.CSS_SELECTOR, "a.back-link")
    assert back.text == "Back to Example Platform"
    assert back.get_attribute("href") == platform.base + "/settings.html"
    driver.switch_to.default_content()
    driver.save_screenshot(str(screenshots / "embedded-in-the-platform.png"))

    driver.switch_to.frame(driver.find_element(By.ID, "audit"))
    tick(driver, "action", "Login", "UserLogin")
    shown = rows(driver)
    assert shown and {row["action"] for row in shown} == {"UserLogin"}
    before = downloaded(downloads)
    driver.find_element(By.ID, "export-csv").click()
    table = read_csv(wait_for_download(downloads, before))
    assert table[0][:2] == ["Timestamp", "Action"]
    assert {line[1] for line in table[1:]} == {"UserLogin"}
    before = downloaded(downloads, ".jsonl")
    driver.find_element(By.ID, "export-jsonl").click()
    lines = wait_for_download(downloads, before, suffix=".jsonl").read_text().splitlines()
    assert lines and {json.loads(line)["action"] for line in lines} == {"UserLogin"}

    # Copy link: copied, or (where the frame may not write the clipboard) shown to copy by hand.
    first = shown[0]
    driver.find_element(By.CSS_SELECTOR, f"tr.event-row[data-event-id='{first['id']}'] button.disclose").click()
    copy = driver.find_element(By.CSS_SELECTOR, "tr.event-detail button.copy-link")
    assert copy.get_attribute("data-link") == f"{embedded['base']}/organizations/acme/audit-logs/events/{first['id']}"
    copy.click()
    status = driver.find_element(By.CSS_SELECTOR, "tr.event-detail .copy-status")
    wait(driver, lambda d: status.text, message="Copy link said nothing")

    # The viewer's opening and export are in the log, in the viewer's name.
    driver.switch_to.default_content()
    driver.switch_to.frame(driver.find_element(By.ID, "audit"))
    status = driver.execute_script("""
        const answer = await fetch('/api/v1/organizations/acme/audit-logs?action=AuditLogViewerSessionStarted&action=AuditLogExported');
        return [answer.status, (await answer.json()).data.map(event => [event.action, event.actor.id])];
    """)
    assert status[0] == 200
    assert ["AuditLogExported", "plat-ada"] in status[1] and ["AuditLogViewerSessionStarted", "plat-ada"] in status[1]


def test_another_origin_that_frames_the_page_gets_nothing(fresh, embedded):
    driver = fresh
    stranger = embedded["stranger"]
    driver.get(stranger.page("evil.html", hand_off_link(embedded, viewer_id="plat-victim"), "Not the platform"))
    time.sleep(1)
    driver.switch_to.frame(driver.find_element(By.ID, "audit"))
    assert driver.find_elements(By.ID, "events") == [], "a frame of another origin showed the page"
    assert "Audit Logs" not in driver.find_element(By.TAG_NAME, "body").text


def test_a_link_opened_in_two_tabs_starts_one_session(fresh, embedded):
    driver = fresh
    link = hand_off_link(embedded, viewer_id="plat-twice")
    driver.get(link)
    wait(driver, lambda d: "/organizations/acme/audit-logs" in d.current_url, message="the first tab did not land on the page")
    assert "alx_" not in driver.current_url
    wait_for_table(driver)
    driver.switch_to.new_window("tab")
    driver.get(link)
    heading = driver.find_element(By.TAG_NAME, "h1").text
    assert heading == "This link was already used"
    assert driver.find_elements(By.ID, "events") == []
