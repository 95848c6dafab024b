"""requirements.lock pins every direct pin of requirements.txt, with hashes,
and scripts/check_lock.py (run by the set-up) says so clearly when not."""

import subprocess
import sys
from pathlib import Path

import pytest

PROJECT_DIR = Path(__file__).resolve().parents[2]
CHECK = PROJECT_DIR / "scripts" / "check_lock.py"


def check(requirements: Path, lock: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(CHECK), "--requirements", requirements, "--lock", lock],
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_the_lock_covers_every_direct_pin():
    result = check(PROJECT_DIR / "requirements.txt", PROJECT_DIR / "requirements.lock")
    assert result.returncode == 0, result.stderr


def test_the_lock_pins_the_floating_transitive_dependencies():
    lock = (PROJECT_DIR / "requirements.lock").read_text()
    for name in ("willow", "urllib3", "botocore", "asgiref", "python-ipware"):
        assert f"\n{name}==" in lock.lower(), name
    # Installable on its own: the set-up runs pip with --require-hashes.
    assert "--hash=sha256:" in lock
    assert "--index-url" not in lock and "--find-links" not in lock


@pytest.mark.parametrize(
    "added, expected",
    [
        ("newpackage==1.0\n", "newpackage==1.0 is not in the lock"),
        ("Django==9.9\n", "django==9.9 is locked at"),
        ("unpinned>=1\n", "not an exact pin"),
    ],
)
def test_a_stale_lock_fails_with_what_to_do(tmp_path, added, expected):
    requirements = tmp_path / "requirements.txt"
    requirements.write_text((PROJECT_DIR / "requirements.txt").read_text() + added)
    result = check(requirements, PROJECT_DIR / "requirements.lock")
    assert result.returncode == 1
    assert expected in result.stderr
    assert "make lock" in result.stderr


def test_a_lock_entry_without_hashes_fails(tmp_path):
    lock = tmp_path / "requirements.lock"
    lock.write_text((PROJECT_DIR / "requirements.lock").read_text() + "extra==1.0\n")
    requirements = PROJECT_DIR / "requirements.txt"
    result = check(requirements, lock)
    assert result.returncode == 1
    assert "extra==1.0 has no hash" in result.stderr
