"""What the browser tests do on the page, in the words of a user: sign in, open a filter, tick
an option, read the rows. One place for selectors, so the tests read as the steps they check."""
import csv
import io
import json
import time
import urllib.parse
import urllib.request
from datetime import datetime, timezone

from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as visible
from selenium.webdriver.support.ui import WebDriverWait

TIMEOUT = 15


def wait(driver, condition, timeout=TIMEOUT, message=""):
    return WebDriverWait(driver, timeout, ignored_exceptions=(StaleElementReferenceException,)).until(condition, message)


def search_options(driver, name, search):
    """Types `search` into the `name` filter and waits for its options to match it."""
    box = open_filter(driver, name)
    box.clear()
    box.send_keys(search)
    wait(driver, lambda d: d.find_element(By.CSS_SELECTOR, f"#{name}-filter .menu-options").get_attribute("aria-busy") == "false",
         message=f"the {name} options did not settle")
    return box


def sign_in(driver, server, email, password):
    driver.get(server + "/")
    driver.find_element(By.ID, "email").send_keys(email)
    driver.find_element(By.ID, "password").send_keys(password)
    driver.find_element(By.ID, "sign-in").click()
    wait(driver, lambda d: "/organizations/" in d.current_url, message="sign-in did not lead to an organization")


def wait_for_table(driver):
    """Waits until the table has loaded: rows, or the empty or error state."""
    def settled(d):
        loading = d.find_element(By.ID, "loading").is_displayed()
        busy = d.find_element(By.ID, "events").get_attribute("aria-busy") == "true"
        shown = d.find_elements(By.CSS_SELECTOR, "tr.event-row") or d.find_element(By.ID, "empty-state").is_displayed() \
            or d.find_element(By.ID, "error-state").is_displayed()
        return not loading and not busy and shown
    wait(driver, settled, message="the table did not finish loading")
    assert not driver.find_element(By.ID, "error-state").is_displayed(), driver.find_element(By.ID, "error-message").text


def rows(driver):
    """The rows on screen, as their data attributes and cell texts."""
    return driver.execute_script("""
        return [...document.querySelectorAll('tr.event-row')].map(row => ({
            id: row.dataset.eventId, action: row.dataset.action, actor: row.dataset.actorId,
            workspace: row.dataset.workspaceId, occurred_at: row.dataset.occurredAt,
            cells: [...row.cells].map(cell => cell.innerText.trim())}));
    """)


def open_filter(driver, name):
    button = driver.find_element(By.CSS_SELECTOR, f"#{name}-filter .select-button")
    if button.get_attribute("aria-expanded") != "true":
        button.click()
    return driver.find_element(By.CSS_SELECTOR, f"#{name}-filter input[type=search]")


def tick(driver, name, search, value):
    """Opens the `name` filter, types `search`, and ticks the option whose value is `value`."""
    generation = table_generation(driver)
    box = search_options(driver, name, search)
    selector = f"#{name}-filter input[type=checkbox][value='{value}']"
    option = wait(driver, visible.element_to_be_clickable((By.CSS_SELECTOR, selector)),
                  message=f"no option {value} after searching {search!r}")
    option.click()
    box.send_keys(Keys.ESCAPE)
    wait_for_new_table(driver, generation)


def tick_by_label(driver, name, search, label):
    """Like `tick`, for an option known by its label; returns its value."""
    box = search_options(driver, name, search)
    xpath = f"//*[@id='{name}-filter']//label[contains(@class,'option')][.//span[.={json.dumps(label)}]]//input"
    option = wait(driver, visible.element_to_be_clickable((By.XPATH, xpath)), message=f"no option labelled {label}")
    value = option.get_attribute("value")
    box.send_keys(Keys.ESCAPE)
    tick(driver, name, search, value)
    return value


def export_notice_of_ninety_days(driver, server, message):
    """Opens the last 90 days, more events than an export holds, and waits for the notice that
    says so before any export; returns it."""
    driver.get(server + "/organizations/acme/audit-logs?range=90d")
    wait_for_table(driver)
    notice = driver.find_element(By.ID, "export-notice")
    wait(driver, lambda d: notice.is_displayed(), message=message)
    return notice


def table_generation(driver):
    """A marker on the current rows, gone once the table reloads."""
    driver.execute_script("document.querySelectorAll('tr.event-row').forEach(r => r.dataset.stale = '1')")
    return True


def wait_for_new_table(driver, _generation=True):
    wait(driver, lambda d: not d.find_elements(By.CSS_SELECTOR, "tr.event-row[data-stale]"),
         message="the table did not reload")
    wait_for_table(driver)


def choose_range(driver, label):
    table_generation(driver)
    driver.find_element(By.ID, "date-range-button").click()
    driver.find_element(By.XPATH, f"//div[@id='date-range-menu']//button[text()={json.dumps(label)}]").click()
    wait_for_new_table(driver)


def filter_count(driver, name):
    counts = driver.find_elements(By.CSS_SELECTOR, f"#{name}-filter .select-button .count")
    return int(counts[0].text) if counts else 0


def ingest(service, events):
    """Sends `events` to Acme with a new ingest key, as the platform does; they must be stored."""
    key = service.command("key", "create", "--org", "acme").strip().splitlines()[-1]
    request = urllib.request.Request(
        service.base + "/api/v1/events", data=json.dumps({"events": events}).encode(), method="POST",
        headers={"Authorization": "Bearer " + key, "Content-Type": "application/json"})
    with urllib.request.urlopen(request) as answer:
        assert answer.status == 201


def session_cookie(driver):
    return driver.get_cookie("auditlogs_session")["value"]


def api(server, driver, path, params=()):
    """The JSON API's answer with the browser's session, as a script would get it."""
    url = server + path + ("?" + urllib.parse.urlencode(list(params)) if params else "")
    request = urllib.request.Request(url, headers={"Authorization": "Bearer " + session_cookie(driver)})
    with urllib.request.urlopen(request) as answer:
        return json.load(answer)


def all_events(server, driver, organization, params):
    """Every event the list API returns for `params`, page after page."""
    events, cursor = [], None
    while True:
        page = api(server, driver, f"/api/v1/organizations/{organization}/audit-logs",
                   list(params) + [("limit", "500")] + ([("cursor", cursor)] if cursor else []))
        events += page["data"]
        cursor = page["next_cursor"]
        if not cursor:
            return events


def downloaded(directory, suffix=".csv"):
    """The files of this kind in the download folder now, to tell the next download from earlier ones."""
    return set(directory.glob("*" + suffix))


def wait_for_download(directory, before, timeout=TIMEOUT, suffix=".csv"):
    """The file that appeared in `directory` and is not one of `before`, once it is complete.

    By name, not by time: the folder is the session's, and a download of the test before may be
    less than a second old (one was taken for this one, with 243 rows instead of 2,500).
    """
    deadline = time.time() + timeout
    while time.time() < deadline:
        done = [path for path in directory.glob("*" + suffix) if path not in before]
        if done and not list(directory.glob("*.crdownload")):
            return done[0]
        time.sleep(0.1)
    raise AssertionError(f"no {suffix} file was downloaded")


def read_csv(path):
    with open(path, newline="", encoding="utf-8") as file:
        return list(csv.reader(io.StringIO(file.read())))


def parse_time(text):
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def now():
    return datetime.now(timezone.utc)
