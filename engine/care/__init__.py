"""The care domain: people, support plans, reviews, records, staff practice, governance, language."""
