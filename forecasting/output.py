"""Writing outputs atomically: a failed run leaves no half-written file behind.

Everything a command writes goes first into a hidden staging folder beside ``DIR``; only
when all of it is written are the files moved into ``DIR``, each with an atomic rename.
"""
from __future__ import annotations

import os
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import pandas as pd


@contextmanager
def staged(out_dir: Path | str) -> Iterator[Path]:
    """Yield a staging folder; on success move its contents into ``out_dir``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "run"
    >>> with staged(out) as tmp:
    ...     _ = (tmp / "a.csv").write_text("x\\n1\\n")
    >>> sorted(p.name for p in out.iterdir())
    ['a.csv']
    """
    out_dir = Path(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", dir=out_dir.parent))
    try:
        yield tmp
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    out_dir.mkdir(parents=True, exist_ok=True)
    for src in sorted(tmp.rglob("*")):
        dest = out_dir / src.relative_to(tmp)
        if src.is_dir():
            dest.mkdir(parents=True, exist_ok=True)
        else:
            dest.parent.mkdir(parents=True, exist_ok=True)
            os.replace(src, dest)
    shutil.rmtree(tmp, ignore_errors=True)


def write_csv(frame: pd.DataFrame, path: Path, *, float_format: str = "%.6g") -> Path:
    """CSV as the contracts expect: UTF-8, ``\\n`` line ends, no index, blanks for missing."""
    frame.to_csv(path, index=False, lineterminator="\n", float_format=float_format, na_rep="")
    return path
