"""The recording-language vocabulary is data: reading the pack, the flags it gives a record,
and the labelled corpus the coach is tuned on."""
import tomllib
from pathlib import Path

import pytest

from engine.care.language import CATEGORIES, read_vocabulary

ROOT = Path(__file__).resolve().parents[2]
PACK = ROOT / "rules" / "recording_language.toml"
TUNING = ROOT / "tests" / "corpus" / "recording_notes.toml"
SETTINGS = {"homecare", "supported_living", "mental_health", "learning_disability",
            "end_of_life"}
FLAG_KEYS = {"term", "category", "field", "words", "why", "suggest", "question"}


@pytest.fixture(scope="module")
def vocabulary():
    problems = []
    vocabulary = read_vocabulary(PACK, problems)
    assert problems == []
    return vocabulary


def shipped_lexicon() -> str:
    """The shipped pack's [lexicon] tables, as text to build small packs from."""
    text = PACK.read_text(encoding="utf-8")
    return text[text.index("\n[lexicon]"):text.index("\n[[terms]]")]


def head(version="1.0.0"):
    return (f'[pack]\nname = "words"\nkind = "vocabulary"\nversion = "{version}"\n'
            + shipped_lexicon())


def term(id="deficit.refused", category="deficit", patterns="['\\brefused\\b']", extra=""):
    return (f'\n[[terms]]\nid = "{id}"\ncategory = "{category}"\npatterns = {patterns}\n'
            f'why = "Why."\nsuggest = "Instead."\nquestion = "What did {{name}} choose?"\n'
            f'{extra}')


def problems_reading(tmp_path, text):
    path = tmp_path / "rules" / "vocabulary.toml"
    path.parent.mkdir(exist_ok=True)
    path.write_text(text, encoding="utf-8")
    problems = []
    return read_vocabulary(path, problems), problems


def test_the_shipped_vocabulary_is_version_2_with_every_category(vocabulary):
    assert vocabulary.label.startswith("recording_language@2.")
    assert len(vocabulary.terms) >= 30
    assert {term.category for term in vocabulary.terms} == CATEGORIES


def test_term_ids_say_their_category(vocabulary):
    assert all(term.id.startswith(f"{term.category}.") for term in vocabulary.terms)


def test_the_last_task_only_term_explains_any_task(vocabulary):
    tasks = [term for term in vocabulary.terms if term.category == "task_only"]
    assert tasks[-1].names_task("Did a thing")


def test_a_flag_has_its_term_category_field_words_why_suggestion_and_question(vocabulary):
    [flag] = vocabulary.flags({"note": "Refused lunch."}, person="Ann")
    assert set(flag) == FLAG_KEYS
    assert (flag["term"], flag["category"], flag["field"], flag["words"]) == (
        "deficit.refused", "deficit", "note", "Refused")
    assert flag["question"].endswith("?") and "Ann" in flag["question"]


def test_every_field_is_read_in_order_and_empty_fields_are_skipped(vocabulary):
    flags = vocabulary.flags({
        "observed_strength": None,
        "support_provided": "Meds given.",
        "independence_opportunity": "",
        "next_step": "   ",
        "note": "Service user was allowed to choose the film.",
    })
    assert [(flag["field"], flag["term"]) for flag in flags] == [
        ("support_provided", "task_only.meds-given"),
        ("note", "depersonalising.service-user"),
        ("note", "controlling.allowed-to"),
    ]


def test_flags_within_a_field_follow_the_text(vocabulary):
    flags = vocabulary.flags({"note": "Was aggressive, then refused tea and was put to bed."})
    assert [(flag["category"], flag["words"]) for flag in flags] == [
        ("deficit", "aggressive"), ("deficit", "refused"), ("task_only", "was put to bed"),
        ("depersonalising", "put to bed")]


def test_a_term_is_flagged_once_per_field_at_its_first_words(vocabulary):
    flags = vocabulary.flags({"note": "Refused breakfast. Refusing lunch. Refusal of tea.",
                              "next_step": "Expect her to refuse again."})
    assert [(flag["field"], flag["words"]) for flag in flags
            if flag["term"] == "deficit.refused"] == [("note", "Refused"), ("next_step", "refuse")]


def test_a_note_without_fields_has_no_flags(vocabulary):
    assert vocabulary.flags({}) == []


def test_the_label_names_the_version_of_the_file_read(tmp_path):
    vocabulary, problems = problems_reading(tmp_path, head("9.9.9") + term())
    assert problems == [] and vocabulary.label == "words@9.9.9"


def test_a_small_pack_flags_with_its_own_terms(tmp_path):
    vocabulary, _ = problems_reading(tmp_path, head() + term())
    [flag] = vocabulary.flags({"note": "She REFUSED."})
    assert (flag["term"], flag["words"], flag["question"]) == (
        "deficit.refused", "REFUSED", "What did the person choose?")


def test_a_broken_pack_file_cannot_be_read(tmp_path):
    vocabulary, problems = problems_reading(tmp_path, "[pack\nname = ")
    assert vocabulary is None
    assert len(problems) == 1 and problems[0].startswith("rules/vocabulary.toml: cannot be read: ")


def test_a_missing_pack_file_cannot_be_read(tmp_path):
    problems = []
    assert read_vocabulary(tmp_path / "rules" / "absent.toml", problems) is None
    assert problems[0].startswith("rules/absent.toml: cannot be read: ")


def test_a_pack_needs_a_name_and_a_version(tmp_path):
    vocabulary, problems = problems_reading(tmp_path, '[pack]\nkind = "vocabulary"\n' + term())
    assert vocabulary is None
    assert problems == ["rules/vocabulary.toml: [pack] needs a name and a version"]


def test_a_rule_pack_is_not_a_vocabulary(tmp_path):
    vocabulary, problems = problems_reading(tmp_path,
                                            '[pack]\nname = "support_plan"\nversion = "1"\n')
    assert vocabulary is None
    assert problems == ["rules/vocabulary.toml: [pack] kind must be 'vocabulary', not None"]


def test_a_pack_without_a_lexicon_cannot_be_used(tmp_path):
    vocabulary, problems = problems_reading(
        tmp_path, '[pack]\nname = "w"\nkind = "vocabulary"\nversion = "1"\n' + term())
    assert vocabulary is None
    assert problems == ["rules/vocabulary.toml: needs a [lexicon] table"]


def test_a_lexicon_missing_a_word_list_is_named(tmp_path):
    text = head().replace("\nstaff = [", "\nworkers = [")
    vocabulary, problems = problems_reading(tmp_path, text + term())
    assert vocabulary is None
    assert problems == ["rules/vocabulary.toml: [lexicon]: unknown keys ['workers']",
                        "rules/vocabulary.toml: [lexicon] misses staff"]


def test_a_term_missing_its_fields_is_reported_and_skipped(tmp_path):
    incomplete = '\n[[terms]]\nid = "deficit.aggressive"\ncategory = "deficit"\n'
    vocabulary, problems = problems_reading(tmp_path, head() + term() + incomplete)
    assert problems == ["rules/vocabulary.toml: term #2: missing patterns, why, suggest, question"]
    assert [term.id for term in vocabulary.terms] == ["deficit.refused"]


def test_unknown_keys_are_reported(tmp_path):
    vocabulary, problems = problems_reading(
        tmp_path, head().replace('version = "1.0.0"\n', 'version = "1.0.0"\nauthor = "me"\n')
        + term(extra='severity = "blocking"\n') + '\n[[rules]]\nid = "x"\n')
    assert problems == [
        "rules/vocabulary.toml: [pack]: unknown keys ['author']",
        "rules/vocabulary.toml: unknown keys ['rules']",
        "rules/vocabulary.toml: term #1 (deficit.refused): unknown keys ['severity']",
    ]
    assert len(vocabulary.terms) == 1


def test_a_term_id_defined_twice_is_reported_and_the_first_stands(tmp_path):
    vocabulary, problems = problems_reading(
        tmp_path, head() + term() + term(patterns="['\\brefuses\\b']"))
    assert problems == ["rules/vocabulary.toml: term id 'deficit.refused' is defined twice"]
    assert vocabulary.terms[0].patterns[0].pattern == "\\brefused\\b"


def test_an_unknown_category_is_reported(tmp_path):
    _, problems = problems_reading(tmp_path, head() + term(category="rude"))
    assert problems == [
        "rules/vocabulary.toml: term #1 (deficit.refused): category must be one of "
        "['controlling', 'deficit', 'depersonalising', 'judgemental', 'task_only'], not 'rude'"]


def test_a_pattern_that_does_not_compile_names_the_term_and_the_error(tmp_path):
    vocabulary, problems = problems_reading(
        tmp_path, head() + term() + term(id="deficit.aggressive", patterns="['aggress(ive']"))
    assert len(problems) == 1
    assert problems[0].startswith("rules/vocabulary.toml: term #2 (deficit.aggressive): "
                                  "pattern 'aggress(ive' does not compile: missing ), ")
    assert [term.id for term in vocabulary.terms] == ["deficit.refused"]


def test_a_pattern_that_matches_empty_text_is_reported(tmp_path):
    _, problems = problems_reading(tmp_path, head() + term(patterns="['(refused)?']"))
    assert problems == [
        "rules/vocabulary.toml: term #1 (deficit.refused): pattern '(refused)?' matches empty "
        "text",
        "rules/vocabulary.toml: has no usable terms"]


def test_a_question_may_only_name_what_the_coach_knows(tmp_path):
    text = head() + term().replace("{name}", "{nickname}")
    _, problems = problems_reading(tmp_path, text)
    assert problems == [
        "rules/vocabulary.toml: term #1 (deficit.refused): question names unknown fields "
        "['nickname']",
        "rules/vocabulary.toml: has no usable terms"]


def test_a_switch_must_be_true_or_false(tmp_path):
    _, problems = problems_reading(tmp_path, head() + term(extra='about_person = "yes"\n'))
    assert problems[0] == ("rules/vocabulary.toml: term #1 (deficit.refused): about_person must "
                           "be true or false")


def test_every_tuning_note_loads_with_valid_categories():
    notes = tomllib.loads(TUNING.read_text(encoding="utf-8"))["notes"]
    assert len(notes) >= 320
    assert len({note["id"] for note in notes}) == len(notes)
    for note in notes:
        assert note["setting"] in SETTINGS, note["id"]
        assert note["text"].strip(), note["id"]
        assert set(note["categories"]) <= CATEGORIES, note["id"]
        assert len(set(note["categories"])) == len(note["categories"]), note["id"]
