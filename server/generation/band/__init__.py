"""The band that plays a piece's chords under its melody (`arrangement.Band`), in the style of
its genre (`styles.py`)."""
