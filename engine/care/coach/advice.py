"""The coach: reads a note for who did what and returns the findings a senior practitioner would
raise, each with the words, the term that explains them and a question for the writer."""
from __future__ import annotations

import re
from dataclasses import dataclass

from engine.care.coach.agency import (
    DID,
    NOTHING,
    TASK,
    ClauseReading,
    SentenceReading,
    read_sentence,
)
from engine.care.coach.grammar import NOBODY, OTHER, PERSON, STAFF
from engine.care.coach.lexicon import Lexicon
from engine.care.coach.questions import Activity, Person, ask, doing, person_of, topic_after
from engine.care.coach.sentences import quoted_spans, sentences, tokens
from engine.care.coach.subjects import names_in
from engine.care.coach.terms import Term, words_of


@dataclass(frozen=True)
class Finding:
    term: Term
    words: str
    start: int
    question: str


@dataclass(frozen=True)
class _Hit:
    term: Term
    match: re.Match[str]
    clause: ClauseReading


@dataclass(frozen=True)
class Coach:
    lexicon: Lexicon
    terms: tuple[Term, ...]
    activities: tuple[Activity, ...]

    def read(self, text: str) -> list[SentenceReading]:
        """Each sentence of the note with who acted in each clause and what it records."""
        return [read_sentence(sentence, text, self.lexicon) for sentence in sentences(text)]

    def findings(self, text: str, person: str | None = None) -> list[Finding]:
        """What the note should be challenged on, in the order the words stand."""
        written, text = text, text.replace("’", "'")   # the same length: offsets hold
        readings = self.read(text)
        clauses = [clause for reading in readings for clause in reading.clauses]
        hits = self._hits(text, readings)
        who = person_of(text, person, _names(text, clauses, self.lexicon))
        found = [self._finding(text, written, hit, who) for hit in hits]
        task = self._task_only(written, clauses, hits, who)
        if task is not None:
            found.append(task)
        return sorted(found, key=lambda finding: finding.start)

    def _hits(self, text: str, readings: list[SentenceReading]) -> list[_Hit]:
        quoted = quoted_spans(text)
        hits = []
        for term in self.terms:
            if term.category == "task_only":
                continue
            hit = next((hit for match in term.matches(text)
                        if (hit := self._hit(term, match, readings, quoted)) is not None), None)
            if hit is not None:
                hits.append(hit)
        return hits

    def _hit(self, term: Term, match: re.Match[str], readings: list[SentenceReading],
             quoted: list[tuple[int, int]]) -> _Hit | None:
        if any(start <= match.start() < end for start, end in quoted):
            return None   # the person's own words
        sentence = _sentence_at(readings, match.start())
        if sentence is None:
            return None
        clause = _clause_at(sentence, match.start())
        if term.about_person and not _said_of_person(clause, match):
            return None
        said = match.string[sentence.sentence.start:sentence.sentence.end]
        if term.unless_clinical and self.lexicon.clinical.search(said):
            return None
        return _Hit(term, match, clause)

    def _finding(self, text: str, written: str, hit: _Hit, who: Person) -> Finding:
        words = words_of(written[hit.match.start():hit.match.end()])
        topic = topic_after(text, hit.match.start(), hit.match.end(), hit.clause.clause.end,
                            self.lexicon)
        question = ask(hit.term.question, who, words=words, topic=topic,
                       doing=doing(topic, self.lexicon),
                       phrase=f"{words} {topic}".strip() if topic else words)
        start = hit.match.start() + (len(hit.match.group(0)) - len(hit.match.group(0).lstrip()))
        return Finding(hit.term, words, start, question)

    def _task_only(self, text: str, clauses: list[ClauseReading], hits: list[_Hit],
                   who: Person) -> Finding | None:
        open_clauses = [clause for clause in clauses if not _covered(clause, hits)]
        if any(clause.kind == DID for clause in open_clauses):
            return None
        # A clinical procedure recorded precisely ("Administered morning medication via PEG as
        # prescribed") is a clinical record, not a task list: it is never task-only for itself.
        tasks = [clause for clause in open_clauses if clause.kind in {TASK, NOTHING}
                 and not self.lexicon.clinical_records.search(
                     text[clause.clause.start:clause.clause.end])]
        if not tasks:
            return None
        leading = [clause for clause in tasks if clause.kind == TASK] or tasks
        # The most telling explanation of all the tasks written: terms stand in pack order.
        said = " / ".join(text[clause.clause.start:clause.clause.end] for clause in leading)
        term = next(term for term in self._task_terms() if term.names_task(said))
        words = text[tasks[0].clause.start:tasks[-1].clause.end].strip().rstrip(".!,;:")
        question = ask(term.question, who, words=words,
                       activity=self._activity(text, leading) or "")
        return Finding(term, words, tasks[0].clause.start, question)

    def _task_terms(self) -> list[Term]:
        terms = [term for term in self.terms if term.category == "task_only"]
        # The vocabulary promises a catch-all last term; without one, the first stands in.
        return terms + terms[:1]

    def _activity(self, text: str, tasks: list[ClauseReading]) -> str | None:
        for clause in tasks:
            said = text[clause.clause.start:clause.clause.end]
            for activity in self.activities:
                phrase = activity.phrase_for(said)
                if phrase:
                    return phrase
        return None


def _sentence_at(readings: list[SentenceReading], offset: int) -> SentenceReading | None:
    return next((reading for reading in readings
                 if reading.sentence.start <= offset < reading.sentence.end + 1), None)


def _clause_at(sentence: SentenceReading, offset: int) -> ClauseReading:
    inside = [clause for clause in sentence.clauses if clause.clause.start <= offset]
    return max(inside, key=lambda clause: clause.clause.start) if inside \
        else sentence.clauses[0]


def _said_of_person(clause: ClauseReading, match: re.Match[str]) -> bool:
    """Whether the flagged words describe the person, not staff, someone else or a thing."""
    if clause.actor in {PERSON, NOBODY}:
        return True
    if match.start() < clause.subject_end and clause.named in {PERSON, NOBODY}:
        return True   # "Poor hygiene noted": the words are the subject, said of no one else
    verb = clause.verb
    if clause.passive and verb is not None and match.start() <= verb.start < match.end():
        return True   # "Meds refused": the person is the one who refused
    between = match.string[clause.clause.start:match.start()]
    # "Staff found him wandering", "Daughter said he's been refusing": the person stands
    # between the subject and the words.
    return clause.actor in {STAFF, OTHER} \
        and bool(re.search(r"\b(?:he|she|him|her)\b", between, re.IGNORECASE))


def _covered(clause: ClauseReading, hits: list[_Hit]) -> bool:
    """A clause whose own verb or description is flagged counts neither as a task nor as what
    the person did ("Refused breakfast"); a flag in its subject alone ("Client seen") does not,
    nor does depersonalising wording, which names a task done to the person ("was toileted")."""
    start, end = clause.subject_end, clause.clause.end
    return any(hit.match.start() < end and hit.match.end() > start
               and hit.term.category != "depersonalising" for hit in hits)


def _names(text: str, clauses: list[ClauseReading], lexicon: Lexicon) -> list[str]:
    """The person's names in the note: subjects first, then titles and other mentions."""
    subjects = [clause.name for clause in clauses if clause.actor == PERSON and clause.name]
    return subjects + names_in(tokens(text), lexicon)
