"""Write src/zongjie/wordcut.npz, the dictionary and HMM `zongjie.wordcut` segments with.

    python scripts/make_wordcut_data.py

They are jieba 0.42.1's (MIT licence, https://github.com/fxsjy/jieba): `dict.txt`, 349,046 words
with their frequencies, and the HMM of `jieba.finalseg` for words the dictionary lacks. rjieba
(jieba-rs) embeds the same two, and `tests/test_wordcut.py` holds that the segmentation matches
rjieba's. Needs the `jieba` extra; the file is committed, so nothing reads jieba at run time.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
OUTPUT = ROOT / "src" / "zongjie" / "wordcut.npz"
STATES = "BEMS"  # the order of the C side's states: begin, end, middle, single
HMM_LOW, HMM_HIGH = 0x4E00, 0x9FD5  # the characters the HMM cuts (jieba's finalseg.re_han)
MIN_FLOAT = -3.14e100  # jieba's log probability of what the HMM never saw


def tables() -> dict[str, np.ndarray]:
    import jieba
    from jieba.finalseg import prob_emit, prob_start, prob_trans

    words, frequencies = [], []
    dictionary = Path(jieba.__file__).with_name("dict.txt")
    for line in dictionary.read_text(encoding="utf-8").splitlines():
        word, frequency = line.split()[:2]
        words.append(word)
        frequencies.append(int(frequency))
    values, codes = np.unique(np.array(frequencies, dtype=np.int64), return_inverse=True)
    trans = np.full((4, 4), MIN_FLOAT)
    for source, row in prob_trans.P.items():
        for target, p in row.items():
            trans[STATES.index(source), STATES.index(target)] = p
    emit = np.full((HMM_HIGH - HMM_LOW + 1, 4), MIN_FLOAT)
    for state, row in prob_emit.P.items():
        for char, p in row.items():
            if HMM_LOW <= ord(char) <= HMM_HIGH:
                emit[ord(char) - HMM_LOW, STATES.index(state)] = p
    return {
        "words": np.frombuffer("\n".join(words).encode(), dtype=np.uint8),
        "codes": (codes + 1).astype(np.int32),
        "frequencies": values,
        "total": np.array(sum(frequencies), dtype=np.int64),
        "start": np.array([prob_start.P[s] for s in STATES]),
        "trans": trans,
        "emit": emit,
    }


def main() -> None:
    # Not compressed: it loads in a few milliseconds instead of ~40, a sixth of a cold start
    # (a wheel compresses it anyway).
    np.savez(OUTPUT, **tables())
    print(f"wrote {OUTPUT.relative_to(ROOT)} ({OUTPUT.stat().st_size:,} bytes)")


if __name__ == "__main__":
    main()
