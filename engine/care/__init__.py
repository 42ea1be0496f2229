"""The care domain: people, support plans, reviews, records, staff practice, governance and
recording language, built on the generic engine (engine.core)."""
