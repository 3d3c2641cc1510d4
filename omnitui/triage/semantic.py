"""Offline semantic matching, the optional extra `pip install 'omnitui[semantic]'`.

wordllama (MIT) ships its 256-dimension weights and its tokenizer inside its wheel: nothing
is downloaded, ever. Its loader looks for the shipped tokenizer under `tokenizers/` of a
cache folder only, so the model is loaded with a private temporary folder that links the
shipped file there, and downloads disabled. It loads in about 0.2 s, once per process, and
embeds a short text in well under a millisecond.

The model is English-centric: a German query matches nothing useful. Callers use it for
English text only; other languages keep full-text search and the keyword rules (the
benches in bench/ measure both, per language). Vectors are unit length, so a dot product is
their cosine similarity; the store keeps them as float32 blobs (`to_blob`, `from_blob`).
"""

from __future__ import annotations

import tempfile
import threading
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from omnitui.config import SemanticSettings

if TYPE_CHECKING:
    import numpy as np


MODEL = "wordllama-l2_supercat-256"  # kept with every stored vector: another model's differ
ENGLISH = ("en",)
INSTALL = "pip install 'omnitui[semantic]'"


class Embedder:
    """The loaded model: texts in, unit vectors out."""

    def __init__(self, model: Any) -> None:
        self._model = model

    def embed(self, texts: list[str]) -> np.ndarray:
        """One float32 unit vector (a row) per text."""
        return self._model.embed(texts, norm=True).astype("float32")

    def one(self, text: str) -> np.ndarray:
        return self.embed([text])[0]


_loading = threading.Lock()


def embedder() -> Embedder | None:
    """The model, loaded once per process; None when the extra is not installed (or its
    files are not where its wheel puts them: the log says why). Threads that ask while it
    loads wait for that load (a console's model thread and its first similar-cases lookup
    each loaded it, a second of CPU twice, as thirty consoles started on two cores)."""
    with _loading:
        return _load()


@cache
def _load() -> Embedder | None:
    try:
        import wordllama
        from wordllama import WordLlama
    except ImportError:
        return None
    shipped = Path(wordllama.__file__).parent / "tokenizers"
    try:
        with tempfile.TemporaryDirectory(prefix="omnitui-wordllama-") as folder:
            (Path(folder) / "tokenizers").symlink_to(shipped, target_is_directory=True)
            return Embedder(WordLlama.load(cache_dir=Path(folder), disable_download=True))
    except (OSError, ValueError) as exc:
        import logging  # here: every command that reads a case imports this module

        logging.getLogger("omnitui.semantic").warning(
            "semantic matching is off: the wordllama model did not load (%s)", exc)
        return None


def available() -> bool:
    """Whether the extra is installed and its model loads (it loads it)."""
    return embedder() is not None


def model_for(settings: SemanticSettings, *, wait: bool = True) -> Embedder | None:
    """The model, if the config wants it and it is installed. `wait=False` (a console's UI
    thread): only if it is loaded already (`warm` loads it in the background)."""
    if not settings.enabled or (not wait and not _load.cache_info().currsize):
        return None
    return embedder()


def warm(settings: SemanticSettings) -> None:
    """Load the model now (a console does it in a worker thread as it starts)."""
    if settings.enabled:
        embedder()


def to_blob(vector: np.ndarray) -> bytes:
    return vector.astype("float32").tobytes()


def from_blobs(blobs: list[bytes]) -> np.ndarray:
    """The stored vectors as one matrix (a row each)."""
    import numpy as np

    return np.frombuffer(b"".join(blobs), dtype="float32").reshape(len(blobs), -1)


def ranked(query: np.ndarray, matrix: np.ndarray, limit: int) -> list[tuple[int, float]]:
    """(row, cosine similarity) of the `limit` rows nearest the query, nearest first."""
    import numpy as np

    if not len(matrix):
        return []
    scores = matrix @ query
    top = np.argsort(-scores)[:limit]
    return [(int(i), float(scores[i])) for i in top]
