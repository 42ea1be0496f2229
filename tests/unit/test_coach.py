"""The recording coach reads who did what: sentences in, flags out (SPEC §10.7)."""
from pathlib import Path

import pytest

from engine.care.language import read_vocabulary

PACK = Path(__file__).resolve().parents[2] / "rules" / "recording_language.toml"


@pytest.fixture(scope="module")
def vocabulary():
    problems = []
    vocabulary = read_vocabulary(PACK, problems)
    assert problems == []
    return vocabulary


def categories(vocabulary, note, person=None):
    return {flag["category"] for flag in vocabulary.flags({"note": note}, person)}


def flag_of(vocabulary, note, category, person=None):
    [flag] = [flag for flag in vocabulary.flags({"note": note}, person)
              if flag["category"] == category]
    return flag


@pytest.mark.parametrize("note", [
    "Cooked tea and washed up.",
    "Changed the bed and applied cream.",
    "Driven to the day centre.",
    "Made lunch and gave meds. No issues.",
    "Meds given.",
    "PC done, all fine.",
    "Repositioned 2 hourly, mouth care given.",
    "Supported with breakfast.",
    "Shaved him and changed his shirt.",
    "Tea call - made cheese on toast, washed up, locked back door on way out",
    "Flat cleaned, fridge checked, bins out.",
])
def test_a_note_of_only_what_staff_did_is_task_only(vocabulary, note):
    assert categories(vocabulary, note) == {"task_only"}


@pytest.mark.parametrize("note", [
    "Was hoisted into the chair and given a drink.",
    "Taken out by staff to the shops.",
    "Client seen 17:00, settled for the night.",
])
def test_a_note_where_the_person_is_only_acted_on_is_task_only(vocabulary, note):
    assert "task_only" in categories(vocabulary, note)


@pytest.mark.parametrize("note", [
    "Made tea while Ivy laid the table and chose the mugs.",
    "Prompted Ann to butter her toast; she did the rest herself.",
    "Hoisted to the chair; Mr Patel asked to face the window and held the bar himself.",
    "Repositioned at 14:00; she squeezed my hand and shook her head at music, so we left the "
    "radio off.",
    "Supported with breakfast, Ann picked the muesli and poured her own milk.",
    "He shaved himself and chose his shirt.",
    "Made his own porridge with me stood by.",
    "Good visit. Ted made the tea himself, I just carried the tray through. No concerns.",
])
def test_the_same_care_with_what_the_person_did_or_chose_is_fine(vocabulary, note):
    assert vocabulary.flags({"note": note}) == []


def test_supported_with_breakfast_is_caught_inside_a_longer_note(vocabulary):
    flag = flag_of(vocabulary, "Tea call. Supported with breakfast, kitchen tidied.",
                   "task_only")
    assert flag["term"] == "task_only.supported-with"


def test_no_concerns_alone_is_task_only_and_after_a_real_account_is_fine(vocabulary):
    assert categories(vocabulary, "No concerns today.") == {"task_only"}
    assert categories(vocabulary, "Ryan made his packed lunch and caught the 8:10 bus. "
                                  "No concerns.") == set()


@pytest.mark.parametrize(("note", "category"), [
    ("Bit of a handful this morning.", "judgemental"),
    ("Stubborn about getting in the bath, took ages.", "judgemental"),
    ("Being really clingy with the new staff member, following her round the house.",
     "judgemental"),
    ("Ivy chose the red jumper and was a bit of a handful at the hairdresser.", "judgemental"),
    ("Jade would not engage with her keyworker session, stayed in her room.", "deficit"),
    ("Unable to make decisions about food.", "deficit"),
    ("Lacks insight into her spending.", "deficit"),
    ("Kicked off when I mentioned the nurse, shouting at me to get out.", "deficit"),
    ("High-maintenance case, rings the office all day.", "depersonalising"),
    ("The diabetic on Elm Rd had her BM done.", "depersonalising"),
    ("Bed 4 repositioned and mouth care given.", "depersonalising"),
])
def test_labels_and_deficit_framings_are_flagged_wherever_they_stand(vocabulary, note,
                                                                     category):
    assert category in categories(vocabulary, note)


def test_a_deficit_with_only_staff_tasks_beside_it_is_also_task_only(vocabulary):
    assert categories(vocabulary, "Refused breakfast. Meds given.") == {"deficit", "task_only"}
    assert categories(vocabulary, "Kyle refused to do his washing again so staff did it.") \
        == {"deficit", "task_only"}


def test_a_deficit_with_the_persons_reason_is_not_task_only(vocabulary):
    assert categories(vocabulary, "Refused shower again. Says the water's too cold.") \
        == {"deficit"}


@pytest.mark.parametrize("note", [
    "Administered morning medication via PEG as prescribed; Joan watched and nodded when I "
    "asked if she was ready.",
    "Needs to be fed due to dysphagia; Tom chose the yoghurt and held the spoon for the first "
    "few mouthfuls.",
    "Behaviours of concern at 10:40 when the taxi was late; followed the PBS plan and he chose "
    "to sit in the garden.",
    "Hoisted to the recliner at her request with the full body sling.",
    "Catheter bag emptied. Enid changed over to her night bag herself.",
    "Seizure 14:20, approx 2 mins. Oliver slept after and chose orange squash when he woke.",
])
def test_clinical_terms_are_not_flagged_for_themselves(vocabulary, note):
    assert vocabulary.flags({"note": note}) == []


def test_a_clinical_note_of_only_tasks_is_task_only_and_nothing_else(vocabulary):
    assert categories(vocabulary, "Catheter bag changed to night bag, 350ml emptied. "
                                  "Repositioned in bed.") == {"task_only"}


@pytest.mark.parametrize("note", [
    "Declined lunch and made a sandwich later.",
    "Chose not to go to day centre, pointed to the 'home' symbol.",
    "Jean said no to the shower chair, wanted to stand and hold the rail.",
    "Didn't want to cook tonight so Priya chose beans on toast.",
])
def test_declining_is_the_persons_choice(vocabulary, note):
    assert vocabulary.flags({"note": note}) == []


@pytest.mark.parametrize("note", [
    "Refuse collection tomorrow - Harold wheeled the bin down to the gate himself.",
    "Fed the cat for Ivy as her knee's bad today. She told me which tin.",
    "£20 was taken out at the cashpoint - Bill put his card in himself.",
    "Let her daughter know the chemist is coming; Pat wrote it on the calendar.",
    "Doreen was fed up with the rain, so we did the crossword and she got 7 down.",
    "Sophie's been challenging herself to walk to work without staff.",
    "A difficult day for the family; Becky chose her purple dress.",
    "Allowed herself a lie in, rang the office herself to move the call.",
    "Telly playing up again - Norman looked up the fix on his phone.",
    "Liam let me in at 10, already showered.",
])
def test_words_that_look_like_flags_but_are_not_about_the_person_are_not_flagged(
        vocabulary, note):
    assert vocabulary.flags({"note": note}) == []


@pytest.mark.parametrize("note", [
    "'I'm being stubborn today,' she laughed, and peeled the potatoes.",
    "'Always been a stubborn old goat,' Ron said. 'I'm staying here with the dog.'",
])
def test_the_persons_own_quoted_words_are_not_flagged(vocabulary, note):
    assert vocabulary.flags({"note": note}) == []


@pytest.mark.parametrize("note", [
    "Let her have a small sherry after tea.",
    "Told him he must use the frame.",
    "Made him finish his veg before pudding.",
    "We don't let her have squash after 7.",
    "Was given permission to go to the shop.",
    "Dean not allowed his Xbox till his room's tidied.",
])
def test_staff_granting_or_withholding_permission_is_controlling(vocabulary, note):
    assert categories(vocabulary, note) == {"controlling"}


def test_depersonalising_care_words_are_also_task_only_when_nothing_else_is_recorded(
        vocabulary):
    assert categories(vocabulary, "SU was fed breakfast and given her meds.") \
        == {"depersonalising", "task_only"}
    assert categories(vocabulary, "SU picked the new Marvel film and bought her popcorn.") \
        == {"depersonalising"}


def test_the_reading_says_who_acted_and_what_the_person_did_and_chose(vocabulary):
    note = "Cooked tea while Marcus laid the table and chose the music."
    [sentence] = vocabulary.coach.read(note)
    assert [(clause.actor, clause.kind) for clause in sentence.clauses] == [
        ("staff", "task"), ("person", "did"), ("person", "did")]
    assert sentence.clauses[1].name == "Marcus"
    assert sentence.person_did(note) == ["Marcus laid the table", "chose the music"]
    assert sentence.person_chose(note) == ["chose the music"]


def test_a_passive_names_nobody_and_the_person_as_acted_on(vocabulary):
    [sentence] = vocabulary.coach.read("Was hoisted into the chair.")
    [clause] = sentence.clauses
    assert clause.passive and clause.kind == "task"


def test_the_question_names_the_person_and_what_the_task_was_about(vocabulary):
    flag = flag_of(vocabulary, "Supported with breakfast.", "task_only", person="Ivy")
    assert flag["question"] == "What did Ivy do themselves at breakfast, and what did they choose?"
    trip = flag_of(vocabulary, "Driven to the day centre.", "task_only", person="Ivy")
    assert "Ivy" in trip["question"] and "the day centre" in trip["question"]


def test_without_a_given_name_the_question_uses_the_name_in_the_note_or_the_person(vocabulary):
    named = flag_of(vocabulary, "Mrs Clarke refused her shower.", "deficit")
    assert named["question"] == ("What did Mrs Clarke say about her shower, and what did she "
                                 "choose instead?")
    unnamed = flag_of(vocabulary, "Refused breakfast.", "deficit")
    assert unnamed["question"].startswith("What did the person say about breakfast")


def test_a_flag_names_its_words_why_and_what_to_write(vocabulary):
    flag = flag_of(vocabulary, "Offered toast but she REFUSED it.", "deficit")
    assert flag["words"] == "REFUSED"
    assert "choice" in flag["why"] and "declined" in flag["suggest"]


def test_each_field_is_judged_on_its_own(vocabulary):
    flags = vocabulary.flags({"observed_strength": "Ann chose the ingredients.",
                              "support_provided": "Cooked tea."})
    assert [(flag["field"], flag["category"]) for flag in flags] == [
        ("support_provided", "task_only")]


def test_a_counted_prompt_records_what_the_person_did(vocabulary):
    assert vocabulary.flags({"support_provided": "One verbal prompt to check the hob was off",
                             "next_step": "Move the picture card next to the kettle"}) == []


@pytest.mark.parametrize("note", [
    "Administered morning medication via PEG as prescribed.",
    "Syringe driver checked, running as prescribed. Site clean.",
    "Insulin given as prescribed, BM 7.2.",
])
def test_a_clinical_procedure_recorded_precisely_is_not_task_only(vocabulary, note):
    assert vocabulary.flags({"note": note}) == []


@pytest.mark.parametrize("note,words", [
    ("Catheter bag changed, repositioned in bed.", "repositioned in bed"),
    ("Was hoisted into the chair.", "Was hoisted into the chair"),
])
def test_handling_the_person_beside_a_clinical_term_is_still_task_only(vocabulary, note,
                                                                      words):
    assert [(flag["category"], flag["words"]) for flag in vocabulary.flags({"note": note})] \
        == [("task_only", words)]
