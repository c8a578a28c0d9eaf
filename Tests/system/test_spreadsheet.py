"""Promise: a CSV export never makes a spreadsheet run a formula, whatever the senders of events
wrote into names, metadata and details.

How it is proven: events are ingested whose actor name, workspace name, target name, metadata
(shown through the Details template) and details hold formula payloads, including ones hidden
behind a separator (`x;=1+1`, `x<TAB>=1+1`, `a<LF>=1+1`) or leading spaces. The export is read
twice:
- as text, by the rule the service promises: no cell may have `=`, `+`, `-` or `@` (after
  optional spaces) at its start or after a `,`, `;`, TAB, CR or LF inside it, unless a `'`
  neutralises it;
- by LibreOffice Calc, headless, importing it as a user would with comma, semicolon and tab as
  the separator, and saving it as .xlsx: the sheet must hold no formula (`<f>` element), while
  the payloads' text is still there to read (so the test cannot pass on an empty sheet).
"""
import csv
import io
import re
import subprocess
import zipfile
from pathlib import Path

import pytest

from service import Server, event, require_tool

PAYLOADS = ["=1+1", "+1", "-1", "@SUM(1)", "x;=1+1", "x\t=1+1", "x,=1+1", "a\n=1+1", "  =1+1",
            '=HYPERLINK("http://x","y")', "x;  @A1"]
# A formula trigger at the start of a cell or of any part a spreadsheet may split it into.
TRIGGER = re.compile(r"(?:^|[,;\t\r\n]) *[=+\-@]")
SEPARATORS = {"comma": 44, "semicolon": 59, "tab": 9}
# Text every export must still show, whatever neutralises the payloads.
VISIBLE = ["1+1", "SUM(1)", "HYPERLINK", "A1"]


def is_name(text: str) -> bool:
    """Names refuse control characters; details and metadata take them."""
    return not any(ord(character) < 0x20 for character in text)


@pytest.fixture(scope="module")
def export(binary, tmp_path_factory) -> bytes:
    directory = tmp_path_factory.mktemp("spreadsheet")
    server = Server(binary, directory)
    try:
        credentials = server.set_up_acme()
        server.start()
        events = []
        for index, payload in enumerate(PAYLOADS):
            name = payload if is_name(payload) else f"plain {index}"
            events.append(event(
                f"formula-names-{index:02d}", action="MemberInvited",
                actor={"id": f"actor_{index}", "type": "user", "name": name},
                workspace={"id": f"ws_{index}", "name": name},
                targets=[{"type": "user", "id": f"target_{index}", "name": name}],
                metadata={"role": payload}))
            events.append(event(f"formula-details-{index:02d}", action="UserLogin", actor=f"actor_{index}",
                                details=payload))
        answer = server.ingest(credentials["key"], events)
        assert answer.status == 201, answer
        exported = server.request("GET", "/api/v1/organizations/acme/audit-logs/export.csv", token=credentials["token"])
        assert exported.status == 200, exported
        assert exported.header("x-export-rows") == str(len(events)), exported.headers
        return exported.body
    finally:
        server.kill()


def test_no_exported_cell_can_start_a_formula_after_any_separator(export, figures):
    rows = list(csv.reader(io.StringIO(export.decode("utf-8"), newline="")))
    assert rows[0][:5] == ["Timestamp", "Action", "Actor", "Workspace", "Details"]
    dangerous = [(number, column, cell) for number, row in enumerate(rows[1:], 2)
                 for column, cell in zip(rows[0], row) if TRIGGER.search(cell)]
    text = "\n".join(cell for row in rows for cell in row)
    unseen = [piece for piece in VISIBLE if piece not in text]
    figures(f"{len(rows) - 1} rows, {len(dangerous)} cells a spreadsheet could run")
    assert unseen == [], f"the export lost the payloads' text: {unseen}"
    assert dangerous == [], "cells with a formula trigger at their start or after , ; TAB CR LF:\n" + "\n".join(
        f"  row {number} {column}: {cell!r}" for number, column, cell in dangerous)


def sheet_of(export: bytes, separator: int, directory: Path) -> tuple[str, str]:
    """The first worksheet's XML and all its text, after LibreOffice imported the CSV."""
    soffice = require_tool("soffice", "apt-get install -y --no-install-recommends libreoffice-calc-nogui")
    directory.mkdir(parents=True, exist_ok=True)
    source = directory / "export.csv"
    source.write_bytes(export)
    converted = subprocess.run(
        [soffice, f"-env:UserInstallation=file://{directory / 'profile'}", "--headless", "--norestore",
         "--convert-to", "xlsx", f"--infilter=CSV:{separator},34,76,1", "--outdir", str(directory / "out"),
         str(source)],
        capture_output=True, text=True, timeout=180)
    workbook = directory / "out" / "export.xlsx"
    assert workbook.exists(), f"LibreOffice did not convert the export: {converted.stdout} {converted.stderr}"
    with zipfile.ZipFile(workbook) as archive:
        sheet = archive.read("xl/worksheets/sheet1.xml").decode()
        strings = archive.read("xl/sharedStrings.xml").decode() if "xl/sharedStrings.xml" in archive.namelist() else ""
    text = " ".join(re.findall(r"<t[^>]*>([^<]*)</t>", strings + sheet)) + " ".join(re.findall(r"<v>([^<]*)</v>", sheet))
    return sheet, text


@pytest.mark.parametrize("separator", list(SEPARATORS))
def test_libreoffice_opens_the_export_without_a_formula(export, separator, tmp_path, figures):
    sheet, text = sheet_of(export, SEPARATORS[separator], tmp_path)
    formulas = re.findall(r"<c [^>]*>\s*<f[ >][^<]*</f>", sheet)
    unseen = [piece for piece in VISIBLE if piece not in text.replace("&quot;", '"')]
    figures(f"{separator}: {len(formulas)} formula cells")
    assert unseen == [], f"the sheet does not show the payloads' text {unseen}; is it empty?"
    assert formulas == [], f"LibreOffice ({separator}-separated) made formulas of: {formulas[:8]}"
