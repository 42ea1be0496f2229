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


def test_iso_dates_in_a_detail_read_as_people_write_them():
    assert in_words("the review date 2026-12-08 has not arrived", LABELS) == \
        "the review date 8 December 2026 has not arrived"
    assert in_words("no daily record since 2027-01-01 for outcome o2", LABELS) == \
        "no daily record since 1 January 2027 for outcome 'Plans her weekly meals'"
    assert in_words("version 2026-13-45 of nothing", LABELS) == "version 2026-13-45 of nothing"


def test_an_instant_reads_in_the_services_time_zone():
    from zoneinfo import ZoneInfo

    from web.words import moment_in_words
    london = ZoneInfo("Europe/London")
    assert moment_in_words("2026-07-01T09:30:00Z", london) == "1 July 2026, 10:30"
    assert moment_in_words("2026-12-02T02:13:00+00:00", london) == "2 December 2026, 02:13"
