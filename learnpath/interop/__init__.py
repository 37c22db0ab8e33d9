"""Question banks and credentials in and out: Moodle GIFT and Aiken, Anki decks, Open Badges."""
