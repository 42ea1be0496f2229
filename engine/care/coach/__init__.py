"""The recording coach (SPEC §10.7): reads who did what in a note and what to challenge.

Pure Python and the standard library: a note is cut into sentences and clauses (sentences.py),
each clause read for who acted and what it records (agency.py) with the words of the vocabulary
pack (lexicon.py, terms.py), and each finding given a question for the writer (questions.py).
"""
from engine.care.coach.advice import Coach, Finding
from engine.care.coach.agency import ClauseReading, SentenceReading
from engine.care.coach.lexicon import Lexicon, read_lexicon
from engine.care.coach.questions import Activity, read_activities
from engine.care.coach.terms import CATEGORIES, Term, read_terms

__all__ = ["Activity", "CATEGORIES", "ClauseReading", "Coach", "Finding", "Lexicon",
           "SentenceReading", "Term", "read_activities", "read_lexicon", "read_terms"]
