"""The wheel carries what the code reads at run time, and the code finds it where the wheel put it."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_the_wheel_ships_the_canonical_xsd_and_the_code_finds_it_there(tmp_path: Path) -> None:
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path / "dist"), str(ROOT)],
                   check=True, capture_output=True, timeout=600)
    (wheel,) = (tmp_path / "dist").glob("*.whl")
    assert "schemas/xml/canonical.xsd" in zipfile.ZipFile(wheel).namelist()
    target = tmp_path / "site"
    with zipfile.ZipFile(wheel) as archive:  # what `pip install` puts in site-packages
        archive.extractall(target)
    # Run from elsewhere with the unpacked wheel first on the path: the checkout must not be what is found.
    code = ("from mappers.xml.canonical import XSD_PATH, _schema; import sys; "
            "print(XSD_PATH); _schema(); print(sys.modules['schemas'].__file__)")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, timeout=120,
                         env={"PYTHONPATH": str(target), "PATH": "/usr/bin:/bin"})
    assert run.returncode == 0, run.stderr
    xsd, package = run.stdout.splitlines()
    assert xsd == str(target / "schemas" / "xml" / "canonical.xsd")
    assert package.startswith(str(target))
