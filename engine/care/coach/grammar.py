"""English closed-class words the coach parses with: auxiliaries, pronouns, determiners,
prepositions. The domain's words (staff, care tasks, states) are data in the vocabulary pack."""
from __future__ import annotations

STAFF, PERSON, OTHER, THING, NOBODY = "staff", "person", "other", "thing", "nobody"

BE = {"was", "were", "is", "are", "am", "be", "been", "being", "'s", "'re", "'m", "got", "get",
      "gets", "getting"}
GET = {"got", "get", "gets", "getting"}
HAVE_DO = {"has", "have", "had", "'ve", "did", "does", "do"}
WANT = {"want", "wanted", "wants"}
MODALS = {"will", "would", "could", "can", "should", "must", "may", "might", "'ll", "shall",
          "'d", "going"} | WANT
COPULAS = {"seem", "seemed", "seems", "look", "looked", "looks", "appeared", "appears",
           "sounded", "sounds", "felt", "feels", "became", "becoming", "presented", "presenting",
           "presents", "remained", "stayed"}
ADVERBS = {"just", "also", "then", "really", "very", "already", "still", "only", "always",
           "even", "both", "all", "quite", "now", "again", "finally", "eventually", "a", "bit",
           "little", "so", "too", "more", "much", "nearly", "almost", "happily", "well"}
DETERMINERS = {"the", "a", "an", "his", "her", "their", "my", "our", "this", "that", "these",
               "those", "all", "both", "some", "every", "each", "another", "your", "its", "no"}
NEGATORS = {"not", "never", "no"}
SUBJECT_PRONOUNS = {"i", "we", "he", "she", "they"}
PRONOUNS = {"i": STAFF, "we": STAFF, "he": PERSON, "she": PERSON, "they": OTHER, "you": OTHER,
            "it": THING, "this": THING, "that": THING, "there": THING, "everything": THING,
            "nothing": THING, "something": THING, "which": THING, "what": THING,
            "everyone": OTHER, "everybody": OTHER, "nobody": OTHER}
OBJECT_PERSON = {"him", "them"}
OBJECT_STAFF = {"me", "us", "staff", "my", "our"}
TITLES = {"mr", "mrs", "ms", "miss", "mx"}
PROFESSIONAL_TITLES = {"dr", "doctor", "nurse", "sister", "father", "reverend", "rev"}
PREPOSITIONS = {"to", "at", "in", "on", "for", "with", "by", "from", "into", "onto", "after",
                "before", "as", "per", "via", "off", "out", "up", "away", "back", "down", "over",
                "round", "around", "through", "throughout", "under", "of", "about", "until",
                "till", "during", "between", "behind", "beside", "x"}
PARTICLES = {"up", "out", "off", "back", "down"}
# What may follow a participle when it records a task done ("Flat cleaned, …", "Cream applied to
# legs"), rather than a person doing it to something ("Kyle cleaned the flat").
PASSIVE_TAIL = PREPOSITIONS | {"and", "or", "then", "again", "today", "tonight", "overnight",
                               "hrly", "hourly", "daily", "twice", "each", "every", "once",
                               "but", "so", "am", "pm", "thoroughly"}
# Verbs so general that, with no subject, their -ing form is the person's ("doing it for
# attention", "making a fuss"), not a care task.
GENERIC_GERUNDS = {"doing", "going", "getting", "keeping", "putting", "playing", "making",
                   "taking", "having", "giving"}
DURATIONS = {"ages", "forever", "longer", "long", "twice", "time"}
DURATION_UNITS = {"min", "mins", "minute", "minutes", "hour", "hours", "hr", "hrs", "attempt",
                  "attempts", "go", "goes", "tries", "try"}
