"""The language model, unpacked once per user rather than at every start.

py3langid ships its model inside its wheel xz-compressed: 4.5 MB that unpack to 68 MB of
arrays (87 MB as kept: see `_unpack`). Unpacking takes about 0.3 s of CPU, paid before an
import's parser processes can start, by the daemon and by every console that reads a
message. So the first process to need the model also writes its arrays, unpacked, into
the user's cache directory (`~/.cache/omnitui/py3langid-*`, plain `.npy` files, no
pickle); later ones read those in about 0.03 s. The cache can only save time, never change
an answer: anything wrong with it (unwritable, half written, from another copy of the
model) means the wheel's file is read as before.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

from omnitui.config.languages import MODEL_CODES

if TYPE_CHECKING:
    from py3langid.langid import LanguageIdentifier

ARRAYS = ("ptc", "pc", "classes", "nextmove", "nextmove_row", "out_feat")
CACHE_PREFIX = "py3langid-"
FORMAT = "f32-iso"  # the scores as float32, the languages omnitui tells: see _unpack
STAGING_PREFIX = ".unpacking-"
ABANDONED_AFTER_S = 3600  # a staging folder this old was left by a writer that was killed


def load_identifier() -> LanguageIdentifier:
    """py3langid's identifier with probabilities normalised, from the cache if it holds
    this model, else from the wheel (and then into the cache for the next process).

    numpy, imported here in most processes, starts an OpenBLAS thread per core unless told
    otherwise. The model's one product a text is a hundred rows by 128: those threads only
    spun, 0.1 s of CPU at an import's start, taken from the parser processes it forks."""
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    from py3langid.langid import MODEL_DIR, MODEL_FILE

    source = MODEL_DIR / MODEL_FILE
    folder = _cache_folder(source)
    try:
        arrays = _read(folder)
    except (OSError, ValueError, EOFError):
        shutil.rmtree(folder, ignore_errors=True)  # if it was there, it was broken
        arrays = _unpack(source)
        _write(folder, arrays)
    return _identifier(arrays)


def _cache_folder(source: Path) -> Path:
    """One folder per copy of the model (its size and time say when the wheel changed) and
    per layout of the arrays (FORMAT)."""
    import platformdirs

    stat = source.stat()
    return (Path(platformdirs.user_cache_dir("omnitui"))
            / f"{CACHE_PREFIX}{FORMAT}-{stat.st_size}-{stat.st_mtime_ns}")


def _read(folder: Path) -> dict:
    """Mapped, not read: the identifier copies what it walks byte by byte into its own
    arrays, and the largest array (the scores, 51 MB) stays in the page cache, one copy for
    every process that reads languages (an import's parser processes, the consoles)."""
    import numpy as np

    return {name: np.asarray(np.load(folder / f"{name}.npy", mmap_mode="r",
                                     allow_pickle=False))  # a plain view: memmap's own
            for name in ARRAYS}                            # indexing costs 3 µs a text


def _unpack(source: Path) -> dict:
    """The wheel's arrays, unpacked through a temporary file as py3langid itself does (the
    packed and the unpacked file are never both in memory). The scores, float16 in the
    wheel, become float32: numpy converts the rows a text picks to float32 for every product
    anyway (exactly: float32 holds every float16), and done once here the same answers cost
    a quarter less. Only the languages omnitui tells are kept (`config.languages`), in C
    order: the model reads a row per n-gram (Fortran order, as numpy picks columns, takes
    twice as long a text)."""
    import lzma

    import numpy as np

    with tempfile.TemporaryFile(suffix=".npz") as unpacked:
        with lzma.open(source) as packed:
            shutil.copyfileobj(packed, unpacked, length=1 << 20)
        unpacked.seek(0)
        with np.load(unpacked, allow_pickle=False) as data:
            arrays = {name: data[name] for name in ARRAYS}
    told = [i for i, code in enumerate(arrays["classes"].tolist()) if code in MODEL_CODES]
    arrays["ptc"] = np.ascontiguousarray(arrays["ptc"][:, told], dtype=np.float32)
    arrays["pc"], arrays["classes"] = arrays["pc"][told], arrays["classes"][told]
    return arrays


def _write(folder: Path, arrays: dict) -> None:
    """Written whole into a temporary folder, then renamed: a reader sees all or nothing,
    and two processes writing at once both succeed. Older copies of the model are removed,
    and so are the temporary folders of writers killed midway (an hour old or more)."""
    import numpy as np

    try:
        folder.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=folder.parent))
        try:
            for name, array in arrays.items():
                np.save(staging / f"{name}.npy", array, allow_pickle=False)
            os.rename(staging, folder)
        except OSError:
            shutil.rmtree(staging, ignore_errors=True)
            return
        abandoned = time.time() - ABANDONED_AFTER_S
        for old in folder.parent.iterdir():
            if (old.name.startswith(CACHE_PREFIX) and old != folder) or (
                    old.name.startswith(STAGING_PREFIX) and old.stat().st_mtime < abandoned):
                shutil.rmtree(old, ignore_errors=True)
    except OSError:
        return  # no cache (a read-only home, a full disk): the next process unpacks again


def _identifier(arrays: dict) -> LanguageIdentifier:
    from py3langid.langid import LanguageIdentifier
    from py3langid.modelio import _to_array  # the wheel's own conversion (pinned < 0.5)

    return LanguageIdentifier(
        arrays["ptc"], arrays["pc"], arrays["classes"].tolist(), _to_array(arrays["nextmove"]),
        arrays["out_feat"].tolist(), norm_probs=True, tk_row=_to_array(arrays["nextmove_row"]))
