"""Daily records are checked for deficit and task-only language; the vocabulary is data."""
from pathlib import Path

import pytest

from engine.care.language import read_vocabulary

ROOT = Path(__file__).resolve().parents[2]
PACK = ROOT / "rules" / "recording_language.toml"

FLAGGED = [
    ("Refused breakfast.", {"deficit.refused"}),
    ("Refusing her tablets again.", {"deficit.refused"}),
    ("May refuse the shower if rushed.", {"deficit.refused"}),
    ("Ann is non-compliant with her medication.", {"deficit.non-compliant"}),
    ("Noncompliant with the care plan.", {"deficit.non-compliant"}),
    ("She was uncooperative during the morning call.", {"deficit.uncooperative"}),
    ("Resistive to care this morning.", {"deficit.uncooperative"}),
    ("Displayed challenging behaviour in the lounge.",
     {"deficit.challenging-behaviour", "deficit.behaviours"}),
    ("His behaviours escalated after the visit.", {"deficit.behaviours"}),
    ("Became aggressive when asked to shower.", {"deficit.aggressive"}),
    ("Found wandering the corridors at 3am.", {"deficit.wandering"}),
    ("Absconded from the day centre.", {"deficit.absconded"}),
    ("He was kicking off at staff after tea.", {"judgemental.kicking-off"}),
    ("She was being difficult this morning.", {"judgemental.difficult"}),
    ("Ann was difficult to support at lunch.", {"judgemental.difficult"}),
    ("Attention-seeking all afternoon.", {"judgemental.attention-seeking"}),
    ("He is very manipulative with staff.", {"judgemental.manipulative"}),
    ("Very demanding today.", {"judgemental.demanding"}),
    ("Stubborn about getting up.", {"judgemental.label"}),
    ("Good as gold today.", {"judgemental.well-behaved"}),
    ("Service user had a good day out.", {"depersonalising.service-user"}),
    ("SU ate well.", {"depersonalising.service-user"}),
    ("Was taken out to the shops by staff.", {"depersonalising.taken-out"}),
    ("Staff took her out for a coffee.", {"depersonalising.taken-out"}),
    ("Was fed lunch in her room.", {"depersonalising.fed"}),
    ("Staff fed her lunch.", {"depersonalising.fed"}),
    ("Ann was toileted and put to bed at 9pm.",
     {"depersonalising.toileted", "depersonalising.put-to-bed"}),
    ("Ann was allowed to choose her own clothes.", {"controlling.allowed-to"}),
    ("Not allowed out after 9pm.", {"controlling.allowed-to"}),
    ("We let him stay up to watch the match.", {"controlling.let-them"}),
    ("Supported with breakfast.", {"task_only.supported-with"}),
    ("Assisted with personal care", {"task_only.supported-with"}),
    ("Helped with shopping.", {"task_only.supported-with"}),
    ("Ann was supported with breakfast and lunch.", {"task_only.supported-with"}),
    ("Staff supported Ann with breakfast. No concerns.", {"task_only.supported-with"}),
    ("Gave meds at 8am.", {"task_only.meds-given"}),
    ("Meds given.", {"task_only.meds-given"}),
    ("Medication given as prescribed.", {"task_only.meds-given"}),
    ("Personal care given.", {"task_only.personal-care-given"}),
    ("Personal care done, meds given.",
     {"task_only.personal-care-given", "task_only.meds-given"}),
    ("All care given.", {"task_only.all-care-given"}),
    ("Task completed.", {"task_only.task-completed"}),
    ("Call completed", {"task_only.task-completed"}),
    ("No issues.", {"task_only.nothing-to-report"}),
    ("No concerns today", {"task_only.nothing-to-report"}),
    ("All fine.", {"task_only.nothing-to-report"}),
    ("Settled. No issues to report.", {"task_only.nothing-to-report"}),
]

FINE = [
    "Ann declined breakfast and chose a coffee instead; she said she would eat at eleven.",
    "Chose not to go to the day centre; spent the morning gardening, which she enjoys.",
    "Prepared breakfast with two prompts.",
    "Supported her to choose her clothes for the interview.",
    "She supported her friend at the club to find a seat.",
    "Took the bus herself to the library and back.",
    "She was difficult to hear over the radio, so we turned it down and she told me about "
    "her week.",
    "It was difficult to find parking, so Ann suggested the side street.",
    "Refuse collection day: Ann took the bins out herself.",
    "Ann put the refuse out and sorted the recycling without prompts.",
    "Supported Ann to butter her toast; she did the rest herself.",
    "Helped with breakfast: Ann chose the cereal and poured the milk herself.",
    "No concerns about her mobility: she walked to the shop and back without her stick.",
    "The match kicked off at 3pm and he explained the offside rule to me.",
    "She kicked off her shoes and put her feet up after the walk.",
    "She loves wandering round the market with her sister.",
    "He was fed up with the rain, so he chose a film to watch instead.",
    "She fed her cat and washed the bowl without prompts.",
    "She put her grandson to bed while I waited in the kitchen.",
    "Let him know the bus times; he planned the route himself.",
    "She let her daughter choose the film.",
    "Popped the tablets from the blister pack herself and took them with water.",
    "She administered her own insulin and wrote the dose in her diary.",
    "She completed her personal care independently, with one prompt to rinse.",
    "Ann got all her tasks done before lunch.",
    "She found the walk physically demanding but kept going to the top of the hill.",
    "Reviewed her behaviour support plan with Ann; she chose the calming strategies.",
    "She was challenging herself to walk further each day.",
    "Manipulated the small buttons on her cardigan with growing confidence.",
    "£20 was taken out of her account at her request for the trip.",
    "The bins were taken out by Ann after tea.",
    "She took her shopping list to the shop and ticked items off herself.",
    "Support with toileting as in her plan; she asked when she needed it.",
]


@pytest.fixture(scope="module")
def vocabulary():
    problems = []
    vocabulary = read_vocabulary(PACK, problems)
    assert problems == []
    return vocabulary


def terms_in(vocabulary, note):
    return {flag["term"] for flag in vocabulary.flags({"note": note})}


def write_pack(tmp_path, text):
    path = tmp_path / "rules" / "vocabulary.toml"
    path.parent.mkdir(exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


HEAD = '[pack]\nname = "words"\nkind = "vocabulary"\nversion = "1.0.0"\n'


def term(id="deficit.refused", category="deficit", patterns="['\\brefused\\b']", extra=""):
    return (f'\n[[terms]]\nid = "{id}"\ncategory = "{category}"\npatterns = {patterns}\n'
            f'why = "Why."\nsuggest = "Instead."\n{extra}')


def problems_reading(tmp_path, text):
    problems = []
    vocabulary = read_vocabulary(write_pack(tmp_path, text), problems)
    return vocabulary, problems


def test_the_shipped_vocabulary_reads_without_problems(vocabulary):
    assert vocabulary.label == "recording_language@1.0.0"
    assert len(vocabulary.terms) >= 20
    assert {term.category for term in vocabulary.terms} == {
        "deficit", "judgemental", "depersonalising", "controlling", "task_only"}


def test_the_table_has_enough_notes_of_both_kinds():
    assert len(FLAGGED) >= 20 and len(FINE) >= 20


@pytest.mark.parametrize(("note", "expected"), FLAGGED)
def test_deficit_and_task_only_notes_are_flagged(vocabulary, note, expected):
    assert terms_in(vocabulary, note) == expected


@pytest.mark.parametrize("note", FINE)
def test_strengths_based_notes_are_not_flagged(vocabulary, note):
    assert vocabulary.flags({"note": note}) == []


def test_refused_is_flagged_and_declined_is_not(vocabulary):
    assert terms_in(vocabulary, "Refused lunch.") == {"deficit.refused"}
    assert terms_in(vocabulary, "Declined lunch and made a sandwich later.") == set()


def test_supported_with_breakfast_alone_is_flagged_but_a_full_record_is_not(vocabulary):
    assert terms_in(vocabulary, "Supported with breakfast") == {"task_only.supported-with"}
    assert terms_in(vocabulary, "Supported with breakfast: Ann selected the ingredients and "
                                "followed the routine without prompting.") == set()


def test_a_flag_names_the_words_the_field_why_and_a_suggestion(vocabulary):
    [flag] = vocabulary.flags({"support_provided": "Offered toast but she REFUSED it."})
    assert flag["term"] == "deficit.refused"
    assert flag["category"] == "deficit"
    assert flag["field"] == "support_provided"
    assert flag["words"] == "REFUSED"
    assert flag["why"].endswith(".") and "choice" in flag["why"]
    assert "declined" in flag["suggest"]


def test_the_words_of_a_whole_note_flag_are_the_note_without_its_full_stop(vocabulary):
    [flag] = vocabulary.flags({"note": "  Supported with breakfast.  "})
    assert flag["words"] == "Supported with breakfast"


def test_every_field_is_checked_in_order_and_empty_fields_are_skipped(vocabulary):
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
    assert [flag["words"] for flag in flags] == ["aggressive", "refused", "put to bed"]


def test_a_term_is_flagged_once_per_field_at_its_first_words(vocabulary):
    flags = vocabulary.flags({"note": "Refused breakfast. Refusing lunch. Refusal of tea.",
                              "next_step": "Expect her to refuse again."})
    assert [(flag["field"], flag["words"]) for flag in flags] == [
        ("note", "Refused"), ("next_step", "refuse")]


def test_a_note_without_fields_has_no_flags(vocabulary):
    assert vocabulary.flags({}) == []


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


def test_a_term_missing_its_fields_is_reported_and_skipped(tmp_path):
    vocabulary, problems = problems_reading(
        tmp_path, HEAD + term() + '\n[[terms]]\nid = "deficit.aggressive"\ncategory = "deficit"\n')
    assert problems == ["rules/vocabulary.toml: term #2: missing patterns, why, suggest"]
    assert [term.id for term in vocabulary.terms] == ["deficit.refused"]


def test_unknown_keys_are_reported(tmp_path):
    vocabulary, problems = problems_reading(
        tmp_path, HEAD + 'author = "me"\n' + term(extra='severity = "blocking"\n')
        + '\n[[rules]]\nid = "x"\n')
    assert problems == [
        "rules/vocabulary.toml: [pack]: unknown keys ['author']",
        "rules/vocabulary.toml: unknown keys ['rules']",
        "rules/vocabulary.toml: term #1 (deficit.refused): unknown keys ['severity']",
    ]
    assert len(vocabulary.terms) == 1


def test_a_term_id_defined_twice_is_reported_and_the_first_stands(tmp_path):
    vocabulary, problems = problems_reading(
        tmp_path, HEAD + term() + term(patterns="['\\brefuses\\b']"))
    assert problems == ["rules/vocabulary.toml: term id 'deficit.refused' is defined twice"]
    assert vocabulary.terms[0].patterns[0].pattern == "\\brefused\\b"


def test_an_unknown_category_is_reported(tmp_path):
    _, problems = problems_reading(tmp_path, HEAD + term(category="rude"))
    assert problems == [
        "rules/vocabulary.toml: term #1 (deficit.refused): category must be one of "
        "['controlling', 'deficit', 'depersonalising', 'judgemental', 'task_only'], not 'rude'"]


def test_a_pattern_that_does_not_compile_names_the_term_and_the_error(tmp_path):
    vocabulary, problems = problems_reading(
        tmp_path, HEAD + term() + term(id="deficit.aggressive", patterns="['aggress(ive']"))
    assert len(problems) == 1
    assert problems[0].startswith("rules/vocabulary.toml: term #2 (deficit.aggressive): "
                                  "pattern 'aggress(ive' does not compile: missing ), ")
    assert [term.id for term in vocabulary.terms] == ["deficit.refused"]


def test_a_pattern_that_matches_empty_text_is_reported(tmp_path):
    _, problems = problems_reading(tmp_path, HEAD + term(patterns="['(refused)?']"))
    assert problems == [
        "rules/vocabulary.toml: term #1 (deficit.refused): pattern '(refused)?' matches empty "
        "text",
        "rules/vocabulary.toml: has no usable terms"]


def test_patterns_must_be_a_list_of_regexes(tmp_path):
    _, problems = problems_reading(tmp_path, HEAD + term(patterns="'refused'"))
    assert problems == [
        "rules/vocabulary.toml: term #1 (deficit.refused): patterns must be a list of regexes",
        "rules/vocabulary.toml: has no usable terms"]


def test_patterns_match_ignoring_case(tmp_path):
    vocabulary, problems = problems_reading(tmp_path, HEAD + term())
    assert problems == []
    assert [flag["words"] for flag in vocabulary.flags({"note": "REFUSED"})] == ["REFUSED"]
