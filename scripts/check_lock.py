"""Check that requirements.lock covers requirements.txt.

requirements.txt lists the direct dependencies, pinned; requirements.lock,
made from it by `make lock` (pip-compile --generate-hashes), pins every
transitive one with its hashes, and is what the set-up installs. A pin added
to or changed in requirements.txt (by hand, or by merging a branch) without
`make lock` would otherwise be silently left out of the installation.

Run by scripts/setup.sh before installing; exits 1 with what to do. Standard
library only: it runs before anything is installed.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
# name, optional [extras], ==version; what follows (markers, hashes) is ignored.
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?==([^\s;\\]+)")


def normalise(name: str) -> str:
    """The name as PyPI compares them (PEP 503)."""
    return re.sub(r"[-_.]+", "-", name).lower()


def direct_pins(text: str) -> dict[str, str]:
    """name → version of every requirement line; a line that is not a pin
    (no ``==``) is reported as such, since the lock could not honour it."""
    pins = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        match = PIN.match(line)
        if match is None:
            raise ValueError(f"requirements.txt:{number}: not an exact pin: {raw!r}")
        pins[normalise(match.group(1))] = match.group(2)
    return pins


def locked_pins(text: str) -> dict[str, tuple[str, int]]:
    """name → (version, number of hashes) of every package in the lock."""
    locked: dict[str, tuple[str, int]] = {}
    current = None
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        match = PIN.match(line)
        if match and not raw[0].isspace():
            current = normalise(match.group(1))
            locked[current] = (match.group(2), 0)
        if current and "--hash=" in line:
            version, hashes = locked[current]
            locked[current] = (version, hashes + line.count("--hash="))
    return locked


def problems(requirements: str, lock: str) -> list[str]:
    found = []
    locked = locked_pins(lock)
    for name, version in sorted(direct_pins(requirements).items()):
        if name not in locked:
            found.append(f"{name}=={version} is not in the lock")
        elif locked[name][0] != version:
            found.append(f"{name}=={version} is locked at {locked[name][0]}")
    found += [
        f"{name}=={version} has no hash"
        for name, (version, hashes) in sorted(locked.items())
        if hashes == 0
    ]
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--requirements", type=Path, default=PROJECT_DIR / "requirements.txt"
    )
    parser.add_argument("--lock", type=Path, default=PROJECT_DIR / "requirements.lock")
    args = parser.parse_args(argv)
    if not args.lock.is_file():
        found = [f"{args.lock.name} is missing"]
    else:
        try:
            found = problems(args.requirements.read_text(), args.lock.read_text())
        except ValueError as error:
            found = [str(error)]
    if not found:
        return 0
    print(
        f"{args.lock.name} 与 {args.requirements.name} 不一致 / the lock is out of "
        "date:\n"
        + "\n".join(f"  - {problem}" for problem in found)
        + "\n请运行 / run:  make lock   (then commit requirements.lock)",
        file=sys.stderr,
    )
    return 1


if __name__ == "__main__":
    sys.exit(main())
