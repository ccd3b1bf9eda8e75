"""Write src/zongjie/wordcut.npz and wordcut_trie.npy, the dictionary and HMM `zongjie.wordcut`
segments with.

    python scripts/make_wordcut_data.py

They are jieba 0.42.1's (MIT licence, https://github.com/fxsjy/jieba): `dict.txt`, 349,046 words
with their frequencies, and the HMM of `jieba.finalseg` for words the dictionary lacks. rjieba
(jieba-rs) embeds the same two, and `tests/test_wordcut.py` holds that the segmentation matches
rjieba's. Needs the `jieba` extra; the files are committed, so nothing reads jieba at run time.

The words are stored as the trie the segmenter looks them up in (`_wordcut.build_dictionary`
builds it here, `_wordcut.dictionary_table` hands it over): loading it takes a few
milliseconds, where building it from the words took ~0.05 s of every process's first call.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
OUTPUT = ROOT / "src" / "zongjie" / "wordcut.npz"
TRIE = OUTPUT.with_name("wordcut_trie.npy")
STATES = "BEMS"  # the order of the C side's states: begin, end, middle, single
HMM_LOW, HMM_HIGH = 0x4E00, 0x9FD5  # the characters the HMM cuts (jieba's finalseg.re_han)
MIN_FLOAT = -3.14e100  # jieba's log probability of what the HMM never saw


def words() -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    """jieba's dictionary: its words in UTF-8, one per line (uint8), each word's code (1 + the
    index of its frequency among the distinct frequencies), those frequencies, their total."""
    import jieba

    words, frequencies = [], []
    dictionary = Path(jieba.__file__).with_name("dict.txt")
    for line in dictionary.read_text(encoding="utf-8").splitlines():
        word, frequency = line.split()[:2]
        words.append(word)
        frequencies.append(int(frequency))
    values, codes = np.unique(np.array(frequencies, dtype=np.int64), return_inverse=True)
    utf8 = np.frombuffer("\n".join(words).encode(), dtype=np.uint8)
    return utf8, (codes + 1).astype(np.int32), values, sum(frequencies)


def hmm() -> dict[str, np.ndarray]:
    """jieba's HMM as log probabilities: start (4), trans (4, 4), emit (characters, 4)."""
    from jieba.finalseg import prob_emit, prob_start, prob_trans

    trans = np.full((4, 4), MIN_FLOAT)
    for source, row in prob_trans.P.items():
        for target, p in row.items():
            trans[STATES.index(source), STATES.index(target)] = p
    emit = np.full((HMM_HIGH - HMM_LOW + 1, 4), MIN_FLOAT)
    for state, row in prob_emit.P.items():
        for char, p in row.items():
            if HMM_LOW <= ord(char) <= HMM_HIGH:
                emit[ord(char) - HMM_LOW, STATES.index(state)] = p
    return {"start": np.array([prob_start.P[s] for s in STATES]), "trans": trans, "emit": emit}


def make() -> tuple[dict[str, np.ndarray], np.ndarray]:
    """What wordcut.npz holds (the distinct frequencies, their total, the HMM and the trie's
    size, 2^trie_bits slots), and the trie of jieba's words for wordcut_trie.npy: (2, nodes)
    uint64, row 0 the used slots in increasing order, row 1 what each holds."""
    from zongjie import _wordcut

    utf8, codes, frequencies, total = words()
    model = hmm()
    built = _wordcut.build_dictionary(utf8, codes, frequencies, total, *model.values())
    bits, slots, entries = _wordcut.dictionary_table(built)
    tables = {
        "frequencies": frequencies,
        "total": np.array(total, dtype=np.int64),
        **model,
        "trie_bits": np.array(bits, dtype=np.int64),
    }
    return tables, np.stack([np.frombuffer(slots, np.uint64), np.frombuffer(entries, np.uint64)])


def main() -> None:
    # Neither compressed: they load in a few milliseconds (a wheel compresses them anyway), and
    # the trie is mapped, not read.
    tables, trie = make()
    np.savez(OUTPUT, **tables)
    np.save(TRIE, trie)
    for path in (OUTPUT, TRIE):
        print(f"wrote {path.relative_to(ROOT)} ({path.stat().st_size:,} bytes)")


if __name__ == "__main__":
    main()
