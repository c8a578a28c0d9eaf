"""Fixtures for the browser tests: a demo server of our own and a headless Chromium.

The server is the built `auditlogs` (AUDITLOGS_BINARY, else .build/debug/auditlogs) on a fresh
SQLite file with the demo data. With CI=true a missing browser or driver fails the run instead
of skipping it.
"""
import os
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
IN_CI = os.environ.get("CI") == "true"
SCREENSHOTS = Path(os.environ.get("AUDITLOGS_SCREENSHOTS", ROOT / "test-artifacts" / "screenshots"))
ADMIN = ("ada.lovelace@acme.test", "demo-password")
MEMBER = ("katherine.johnson@acme.test", "demo-password")


def missing(reason):
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: browser tests may not be skipped)")
    pytest.skip(reason)


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def serve(binary, database, directory, *arguments):
    """Starts `auditlogs serve` on `database` and a free port, logging to DIRECTORY/server.log;
    its process and address once it answers /health."""
    port = free_port()
    log = open(directory / "server.log", "w")
    process = subprocess.Popen(
        [binary, "serve", "--database", database, "--port", str(port), *arguments], stdout=log, stderr=log)
    base = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            with urllib.request.urlopen(base + "/health") as answer:
                if answer.status == 200:
                    return process, base
        except OSError:
            time.sleep(0.1)
    process.kill()
    pytest.fail("the server did not start; see " + str(directory / "server.log"))


@dataclass(frozen=True)
class Service:
    """The server the browser tests use: its address, its database and the binary serving it."""
    base: str
    database: Path
    binary: Path

    def command(self, *arguments):
        """Runs `auditlogs ARGUMENTS --database <this database>`; returns its standard output."""
        done = subprocess.run([self.binary, *arguments, "--database", self.database], check=True, capture_output=True, text=True)
        return done.stdout


@pytest.fixture(scope="session")
def service():
    binary = Path(os.environ.get("AUDITLOGS_BINARY", ROOT / ".build" / "debug" / "auditlogs"))
    if not binary.exists():
        missing(f"{binary} is not built; run swift build first")
    directory = Path(tempfile.mkdtemp(prefix="auditlogs-e2e-"))
    database = directory / "e2e.sqlite"
    subprocess.run([binary, "demo", "--database", database], check=True, capture_output=True)
    # Signed like a real deployment: exports come with signed manifests.
    key = directory / "signing-key.pem"
    subprocess.run([binary, "signing-key", "create", "--output", key], check=True, capture_output=True)
    process, base = serve(binary, database, directory, "--signing-key", key)
    yield Service(base=base, database=database, binary=binary)
    process.terminate()
    process.wait(10)
    shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture(scope="session")
def server(service):
    return service.base


@pytest.fixture(scope="session")
def downloads():
    directory = Path(tempfile.mkdtemp(prefix="auditlogs-downloads-"))
    yield directory
    shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture(scope="session")
def browser(downloads):
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.options import Options
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        missing("selenium is not installed (pip install selenium)")
    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    driver_path = shutil.which("chromedriver") or "/usr/bin/chromedriver"
    if not (Path(chromium).exists() and Path(driver_path).exists()):
        missing("chromium and chromium-driver are not installed")
    options = Options()
    options.binary_location = chromium
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,800"):
        options.add_argument(argument)
    options.add_experimental_option("prefs", {
        "download.default_directory": str(downloads),
        "download.prompt_for_download": False,
        # An export is two files, the CSV and its manifest; a browser asks once before a site
        # downloads several, as a person allows here.
        "profile.default_content_setting_values.automatic_downloads": 1,
    })
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(driver_path), options=options)
    driver.execute_cdp_cmd("Page.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)})
    driver.implicitly_wait(0)
    yield driver
    driver.quit()


@pytest.fixture
def page(browser, server):
    """The browser, signed out, at a 1280×800 window; fails the test on any console error."""
    browser.set_window_size(1280, 800)
    # A page that runs no script, so nothing of the last test is still asking the server.
    browser.get(server + "/assets/icon.svg")
    browser.delete_all_cookies()
    browser.get_log("browser")
    yield browser
    errors = [entry for entry in browser.get_log("browser") if entry["level"] == "SEVERE"
              and "favicon" not in entry["message"]
              and "status of 403" not in entry["message"] and "status of 404" not in entry["message"]]
    assert errors == [], errors


@pytest.fixture(scope="session")
def screenshots():
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS
