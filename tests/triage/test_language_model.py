"""The language model unpacked into the user's cache: the same answers, sooner, and never a
failure because of the cache."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from py3langid.langid import MODEL_FILE, LanguageIdentifier

from omnitui.config.languages import MODEL_CODES
from omnitui.triage import language_model
from omnitui.triage.language_model import ARRAYS, load_identifier

LABELLED = Path(__file__).parents[2] / "bench" / "data" / "languages.tsv"


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    return tmp_path / "cache" / "omnitui"


def texts() -> list[str]:
    lines = LABELLED.read_text(encoding="utf-8").splitlines()
    return [line.split("\t", 1)[1] for line in lines if line and not line.startswith("#")]


def answers(identifier: LanguageIdentifier) -> list[tuple[str, float]]:
    return [identifier.classify(text) for text in texts()]


def test_the_cached_model_answers_exactly_as_the_wheels_own(cache: Path) -> None:
    """... asked about the languages omnitui tells (`config.languages`)."""
    own = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    own.set_languages(sorted(MODEL_CODES))
    wheel = answers(own)
    first = load_identifier()  # unpacks the wheel's file and writes the cache
    written = [p.name for p in cache.iterdir()]
    assert len(written) == 1 and written[0].startswith("py3langid-"), written
    assert sorted(p.name for p in (cache / written[0]).iterdir()) == sorted(
        f"{name}.npy" for name in ARRAYS)
    assert answers(first) == wheel
    assert answers(load_identifier()) == wheel  # read from the cache


def test_a_second_process_reads_the_cache_instead_of_unpacking(
        cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    load_identifier()

    def unpack(source: Path) -> dict:
        raise AssertionError("unpacked again although the cache holds the model")

    monkeypatch.setattr(language_model, "_unpack", unpack)
    assert load_identifier().classify("Mi pedido no ha llegado todavía")[0] == "es"


def test_a_broken_cache_is_replaced_not_believed(cache: Path) -> None:
    load_identifier()
    folder = next(cache.iterdir())
    (folder / "ptc.npy").write_bytes((folder / "ptc.npy").read_bytes()[:1000])
    assert load_identifier().classify("Ma commande est arrivée cassée")[0] == "fr"
    assert (folder / "ptc.npy").stat().st_size > 1_000_000  # written whole again


def test_a_cache_that_cannot_be_written_costs_time_only(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))
    assert load_identifier().classify("Hallo, meine Bestellung ist nicht angekommen")[0] == "de"
    assert blocker.is_file()


def test_what_a_killed_writer_left_is_cleared_once_it_is_old(cache: Path) -> None:
    cache.mkdir(parents=True)
    old, fresh = cache / ".unpacking-old", cache / ".unpacking-fresh"
    for folder in (old, fresh):
        folder.mkdir()
        (folder / "ptc.npy").write_bytes(b"half")
    os.utime(old, (time.time() - 7200, time.time() - 7200))
    load_identifier()
    assert not old.exists()
    assert fresh.exists()  # perhaps another process still writing it


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="counts threads in /proc")
def test_reading_languages_starts_no_threads(cache: Path) -> None:
    """numpy's OpenBLAS would start a spinning thread per core in every process that reads
    languages (an import, its parser processes, the daemon)."""
    env = {k: v for k, v in os.environ.items() if k != "OPENBLAS_NUM_THREADS"}
    env["XDG_CACHE_HOME"] = str(cache.parent)
    code = ("import os; from omnitui.triage.language_model import load_identifier;"
            " load_identifier(); print(len(os.listdir('/proc/self/task')))")
    threads = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                             text=True, check=True).stdout
    assert threads.strip() == "1"
