"""The ST02s seen in a group (718 23), kept as runs when they come in sequence."""

from __future__ import annotations

import random

from mappers.x12.control_seen import SeenControlNumbers


def test_seen_control_numbers_answer_as_a_set_of_their_texts_does() -> None:
    for trial in range(200):
        rng = random.Random(trial)
        seen, texts = SeenControlNumbers(), set()
        for _ in range(rng.randint(1, 300)):
            number = rng.choice([f"{rng.randint(0, 60):04d}", str(rng.randint(0, 60)), f"{rng.randint(0, 60):03d}",
                                 "A1", " 12", "\uff112"])
            assert (number in seen) == (number in texts), (trial, number)
            if number not in texts:
                seen.add(number)
                texts.add(number)


def test_control_numbers_in_sequence_are_kept_as_one_run() -> None:
    seen = SeenControlNumbers()
    for n in range(1, 20_000):
        seen.add(f"{n:04d}")
    assert ({w: len(s) for w, s in seen.starts.items()}, seen.others) == ({4: 1, 5: 1}, set())
    assert "0001" in seen and "1" not in seen and "20000" not in seen
