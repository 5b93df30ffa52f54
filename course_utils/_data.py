"""Files shipped in the repository's ``data/`` folder, verified by SHA-256.

``data/SHA256SUMS`` lists every data file in the ``sha256sum`` format (``<hex>  <name>``);
each file also has a data card: ``data/<stem>.md`` for a file at the top level,
``data/<folder>.md`` for the files of a folder (``data/nab.md`` for ``data/nab/…``). ``data_path(name)`` returns a file's
path only after its checksum matched, so a truncated download or a hand-edited file
can never silently change a result.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

__all__ = ["data_dir", "data_path", "read_checksums", "verify_data_files", "DataFileError"]

_RESTORE = ("Restore it with `git checkout -- data/{name}` from the course repository "
            "(or download the repository again); the data card data/{stem}.md says where "
            "the data comes from.")


class DataFileError(RuntimeError):
    """A course data file is missing or does not match its checksum."""


def data_dir() -> Path:
    """The folder with the course's data files.

    ``$COURSE_DATA_DIR`` when set, otherwise ``data/`` next to the ``course_utils``
    package (the repository layout, used by the editable install).
    """
    env = os.environ.get("COURSE_DATA_DIR")
    if env:
        return Path(env)
    return Path(__file__).resolve().parent.parent / "data"


def read_checksums(directory: Path | None = None) -> dict[str, str]:
    """Map file name -> expected SHA-256 from ``SHA256SUMS``."""
    directory = data_dir() if directory is None else Path(directory)
    sums = directory / "SHA256SUMS"
    if not sums.exists():
        return {}
    out = {}
    for line in sums.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            digest, name = line.split(maxsplit=1)
            out[name.lstrip("*").strip()] = digest.lower()
    return out


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def data_path(name: str, directory: Path | None = None) -> Path:
    """Return the path of data file ``name`` after verifying its SHA-256."""
    directory = data_dir() if directory is None else Path(directory)
    expected = read_checksums(directory).get(name)
    parts = Path(name).parts
    stem = parts[0] if len(parts) > 1 else parts[0].split(".")[0]   # the data card's name
    path = directory / name
    if expected is None:
        raise DataFileError(f"{name!r} is not listed in {directory / 'SHA256SUMS'}; "
                            "every course data file needs a checksum and a data card.")
    if not path.exists():
        raise DataFileError(f"Course data file {path} is missing. "
                            + _RESTORE.format(name=name, stem=stem))
    actual = _sha256(path)
    if actual != expected:
        raise DataFileError(f"Course data file {path} is corrupted: its SHA-256 is "
                            f"{actual[:12]}…, expected {expected[:12]}…. "
                            + _RESTORE.format(name=name, stem=stem))
    return path


def verify_data_files(directory: Path | None = None) -> list[str]:
    """Check every listed data file; return one message per problem (empty = all good)."""
    problems = []
    for name in read_checksums(directory):
        try:
            data_path(name, directory)
        except DataFileError as err:
            problems.append(str(err))
    return problems
