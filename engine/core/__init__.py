"""The generic workflow engine: it knows no care words and imports nothing from engine.care."""
