"""The recording coach against labelled notes: precision and recall per category and overall,
latency per note, each beside its target.

The tuning set (tests/corpus/recording_notes.toml) prints its confusions so the coach can be
improved; the held-out set (recording_notes_heldout.toml) and any outside set named by
STRENGTHWISE_LANGUAGE_CORPUS print only figures and counts, so nobody tunes against them.
"""
from __future__ import annotations

import os
import statistics
import time
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from engine.care.language import CATEGORIES, Vocabulary, read_vocabulary

ROOT = Path(__file__).resolve().parents[1]
PACK = ROOT / "rules" / "recording_language.toml"
TUNING = ROOT / "tests" / "corpus" / "recording_notes.toml"
HELD_OUT = ROOT / "tests" / "corpus" / "recording_notes_heldout.toml"
OUTSIDE = "STRENGTHWISE_LANGUAGE_CORPUS"
ORDER = ("task_only", "deficit", "judgemental", "depersonalising", "controlling")
PRECISION, RECALL, P95_MS = 0.9, 0.9, 20.0
REPEATS = 5


@dataclass(frozen=True)
class Note:
    id: str
    text: str
    expected: frozenset[str]


@dataclass
class Tally:
    true_positive: int = 0
    false_positive: int = 0
    false_negative: int = 0

    @property
    def precision(self) -> float:
        flagged = self.true_positive + self.false_positive
        return self.true_positive / flagged if flagged else 1.0

    @property
    def recall(self) -> float:
        labelled = self.true_positive + self.false_negative
        return self.true_positive / labelled if labelled else 1.0

    def count(self, expected: bool, got: bool) -> None:
        """Count one note: labelled `expected`, flagged `got`."""
        self.true_positive += expected and got
        self.false_positive += got and not expected
        self.false_negative += expected and not got


@dataclass
class Judgement:
    overall: Tally = field(default_factory=Tally)
    categories: dict[str, Tally] = field(default_factory=lambda: {c: Tally() for c in ORDER})
    confusions: list[tuple[str, Note, frozenset[str]]] = field(default_factory=list)
    notes: int = 0


def main() -> None:
    """Judge the tuning and held-out sets (and an outside set if named), then time the coach."""
    problems: list[str] = []
    vocabulary = read_vocabulary(PACK, problems)
    if vocabulary is None:
        raise SystemExit(f"the vocabulary does not load: {problems}")
    print(f"coach {vocabulary.label}: {len(vocabulary.terms)} terms")
    sets = [("tuning", TUNING, True), ("held-out", HELD_OUT, False)]
    if os.environ.get(OUTSIDE):
        sets.append((f"outside ({os.environ[OUTSIDE]})", Path(os.environ[OUTSIDE]), False))
    everything: list[Note] = []
    for name, path, show_confusions in sets:
        notes = read_notes(path)
        everything.extend(notes)
        report(name, judge(vocabulary, notes), show_confusions)
    report_latency(vocabulary, everything)
    one, five, fifteen = os.getloadavg()
    print(f"load average {one:.2f} {five:.2f} {fifteen:.2f} ({os.cpu_count()} cores)")


def read_notes(path: Path) -> list[Note]:
    """The labelled notes of a corpus file; unknown categories stop the benchmark."""
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    notes = [Note(raw["id"], raw["text"], frozenset(raw["categories"])) for raw in data["notes"]]
    unknown = {category for note in notes for category in note.expected} - CATEGORIES
    if unknown:
        raise SystemExit(f"{path.name}: unknown categories {sorted(unknown)}")
    return notes


def categories_of(vocabulary: Vocabulary, text: str) -> frozenset[str]:
    """The categories the coach flags in one note (one field)."""
    return frozenset(flag["category"] for flag in vocabulary.flags({"note": text}))


def judge(vocabulary: Vocabulary, notes: list[Note]) -> Judgement:
    """Per note: flagged at all against labelled at all, and each category on its own."""
    judgement = Judgement(notes=len(notes))
    for note in notes:
        got = categories_of(vocabulary, note.text)
        judgement.overall.count(bool(note.expected), bool(got))
        for category, tally in judgement.categories.items():
            tally.count(category in note.expected, category in got)
        if got != note.expected:
            kind = "missed" if note.expected - got else "extra"
            if note.expected - got and got - note.expected:
                kind = "both"
            judgement.confusions.append((kind, note, got))
    return judgement


def report(name: str, judgement: Judgement, show_confusions: bool) -> None:
    """Figures beside targets; the confusions only where tuning against them is allowed."""
    overall = judgement.overall
    print(f"\n-- {name} set: {overall.true_positive + overall.false_negative} labelled of "
          f"{judgement.notes} notes")
    print(_line("overall (per note)", overall))
    for category in ORDER:
        print(_line(category, judgement.categories[category]))
    fp = sum(t.false_positive for t in judgement.categories.values())
    fn = sum(t.false_negative for t in judgement.categories.values())
    print(f"  confusions: {len(judgement.confusions)} notes "
          f"({fp} category false positives, {fn} category false negatives)")
    if show_confusions:
        for kind, note, got in judgement.confusions:
            print(f"    [{kind}] {note.id} expected {sorted(note.expected)} got {sorted(got)}: "
                  f"{note.text}")


def _line(label: str, tally: Tally) -> str:
    return (f"  {label:20} precision {tally.precision:.3f} {_verdict(tally.precision, PRECISION)}"
            f"  recall {tally.recall:.3f} {_verdict(tally.recall, RECALL)}"
            f"  (tp {tally.true_positive}, fp {tally.false_positive}, "
            f"fn {tally.false_negative})")


def _verdict(value: float, target: float, at_most: bool = False) -> str:
    met = value <= target if at_most else value >= target
    return f"{'PASS' if met else 'MISS'} ({'≤' if at_most else '≥'} {target:g})"


def report_latency(vocabulary: Vocabulary, notes: list[Note]) -> None:
    """Time the coach per note over every note read, after one warm-up pass."""
    for note in notes:
        categories_of(vocabulary, note.text)
    samples = []
    for note in notes:
        runs = []
        for _ in range(REPEATS):
            started = time.perf_counter()
            vocabulary.flags({"note": note.text})
            runs.append((time.perf_counter() - started) * 1000)
        samples.append(statistics.median(runs))
    cuts = statistics.quantiles(samples, n=100, method="inclusive")
    print(f"\n-- latency per note over {len(samples)} notes (median of {REPEATS} runs each)")
    print(f"  p50 {cuts[49]:.2f} ms  p95 {cuts[94]:.2f} ms {_verdict(cuts[94], P95_MS, True)}"
          f"  max {max(samples):.2f} ms")
