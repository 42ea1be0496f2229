"""Rule details name a plan's items by their words on pages (the API keeps the ids)."""
from web.words import in_words

LABELS = {("outcomes", "o2"): "'Plans her weekly meals'",
          ("risks", "r1"): "'Scald from the kettle'"}


def test_an_items_id_reads_as_its_words():
    assert in_words("outcome o2 has no measure", LABELS) == \
        "outcome 'Plans her weekly meals' has no measure"


def test_a_restriction_is_named_from_the_risks():
    assert in_words("restriction r1 has no justification; risk r1 is not marked as reviewed",
                    LABELS) == ("restriction 'Scald from the kettle' has no justification; "
                                "risk 'Scald from the kettle' is not marked as reviewed")


def test_an_id_the_plan_does_not_have_and_other_words_stay_as_written():
    assert in_words("outcome o9 has no measure; the plan has no outcomes", LABELS) == \
        "outcome o9 has no measure; the plan has no outcomes"
    assert in_words(None, LABELS) is None
