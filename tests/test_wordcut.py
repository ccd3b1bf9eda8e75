"""The native segmenter (`zongjie.wordcut`) cuts exactly what rjieba cuts, and its ids are the
vocabulary's ids of those words: the shipped model was fitted on rjieba's words, and prediction
now reads them from here."""

from __future__ import annotations

import pickle
import sys
import threading
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zongjie import text, vocabulary, wordcut
from zongjie.dataset import read_seeds
from zongjie.text import normalize

from conftest import CORPORA, GOLD, PLAN, PROBLEM, SUMMARY

rjieba = pytest.importorskip("rjieba")
ROOT = Path(__file__).resolve().parents[1]

EDGE_CASES = [
    "",
    " ",
    "我们中出了一个叛徒",  # the HMM joins 中出
    "小明硕士毕业于中国科学院计算所",
    "他来到了网易杭研大厦",
    "网易abc-0好",  # letters and digits joined by a connector are one word
    "网易v0.0.0%好",
    "a+b#c&d_e.f-g%",
    "abc-",  # a trailing connector is not part of the word
    "你好\r\n世界\t！！",  # \r\n is one token, every other character outside a run its own
    "𠀀𠀁中国㐀",  # CJK extensions segment with the dictionary's characters
    "这是B超",  # a word the dictionary lists twice
    "々〇〻ー",
    "👪 PS: 我觉得开源有一个好处，就是能够敦促自己不断改进 👪，避免敞帚自珍",
    "鍅鍆鍇鍈鍉鍊鍋鍌鍍鍏鍐鍑鍒",  # a long run of characters the dictionary lacks
    "0" * 50 + "年" + "a" * 50,
    SUMMARY,
    PROBLEM,
    PLAN,
]


@pytest.mark.parametrize("sample", EDGE_CASES)
def test_cuts_what_rjieba_cuts(sample: str) -> None:
    assert wordcut.cut(sample) == rjieba.cut(sample)
    assert wordcut.cut(normalize(sample)) == rjieba.cut(normalize(sample))


def test_cuts_every_seed_paragraph_as_rjieba_does() -> None:
    paragraphs = [p for document in read_seeds(GOLD) for p in document.paragraphs]
    assert len(paragraphs) > 200
    for paragraph in paragraphs:
        assert wordcut.cut(paragraph) == rjieba.cut(paragraph)
        assert wordcut.cut(normalize(paragraph)) == rjieba.cut(normalize(paragraph))


# Characters that exercise every branch: dictionary characters, characters the HMM knows
# and ones it does not, CJK extensions, ASCII letters, digits and connectors, punctuation
# and white space.
ALPHABET = (
    "中国人民的工作总结问题计划我们要加强改进不足完成任务鍅鍆鍇"
    "abcXYZ019.-_%+#&，。、；： \t\r\n𠀀㐀々〇👪"
)


@settings(max_examples=400, deadline=None)
@given(st.text(st.sampled_from(ALPHABET), max_size=40))
def test_cuts_any_mixture_as_rjieba_does(sample: str) -> None:
    assert wordcut.cut(sample) == rjieba.cut(sample)


def test_a_long_text_is_cut_whole() -> None:
    sample = (SUMMARY + PROBLEM + PLAN) * 300  # ~45,000 characters in one call
    assert wordcut.cut(sample) == rjieba.cut(sample)


def test_the_tokenizer_named_rjieba_is_the_native_one() -> None:
    assert text.TOKENIZERS["rjieba"](SUMMARY) == rjieba.cut(SUMMARY)


def test_ids_are_the_vocabulary_ids_of_the_words() -> None:
    paragraphs = [normalize(p) for p in (SUMMARY, PROBLEM, PLAN, "", "完成。完成！")]
    words = sorted({w for p in paragraphs for w in rjieba.cut(p)})
    tokens, stop = words[::2], ["的", "，", "完成"]  # 完成 is both: the stop word wins
    index = {t: i for i, t in enumerate(tokens)} | dict.fromkeys(stop, -2)
    ids, lengths = wordcut.Vocabulary(tokens, stop).ids(paragraphs)
    expected = [index.get(w, -1) for p in paragraphs for w in rjieba.cut(p)]
    assert ids.tolist() == expected
    assert lengths.tolist() == [len(rjieba.cut(p)) for p in paragraphs]
    assert ids.dtype == lengths.dtype == np.int64
    assert -2 in ids and -1 in ids


def test_counts_need_the_ngrams() -> None:
    with pytest.raises(ValueError, match=r"^this vocabulary was made without its n-grams$"):
        wordcut.Vocabulary(["完成"]).counts(["完成"])


@pytest.mark.skipif(
    sys.platform != "linux" or Path("/proc/sys/vm/overcommit_memory").read_text().strip() == "1",
    reason="needs Linux refusing an allocation far beyond its memory",
)
def test_ngram_tables_too_large_for_memory_raise_memory_error(tmp_path) -> None:
    # They raised "n-gram keys and columns that do not pair up": an allocation that failed
    # read as bad arguments. 2^40 bigram keys (a sparse file, nothing read) want a 16 TiB table.
    import mmap

    from zongjie import _wordcut

    keys = tmp_path / "keys"
    with keys.open("wb") as file:
        file.truncate(8 << 40)
    vocabulary = _wordcut.build_vocabulary(wordcut._load(), ["完成"], [0])
    with (
        keys.open("rb") as file,
        mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ) as view,
        pytest.raises(MemoryError),
    ):
        _wordcut.build_ngrams(vocabulary, 1, 2, 1, bytes(16), [view], [b""])


def test_ids_of_no_texts_are_empty() -> None:
    ids, lengths = wordcut.Vocabulary(["完成"]).ids([])
    assert len(ids) == len(lengths) == 0


def test_token_ids_survive_pickling_for_process_pools() -> None:
    table = wordcut.Vocabulary(["完成", "任务"], ["的"])
    copy = pickle.loads(pickle.dumps(table))
    assert copy.ids(["完成了的任务"])[0].tolist() == table.ids(["完成了的任务"])[0].tolist()


def test_threads_share_one_vocabulary() -> None:
    paragraphs = [normalize(p) for p in (SUMMARY, PROBLEM, PLAN)] * 200
    table = wordcut.Vocabulary(sorted({w for p in paragraphs for w in rjieba.cut(p)}))
    expected = table.ids(paragraphs)[0].tolist()
    results: list[list[int]] = []

    def work() -> None:
        for _ in range(5):
            results.append(table.ids(paragraphs)[0].tolist())

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 20 and all(result == expected for result in results)


def test_bad_input_is_named() -> None:
    with pytest.raises(TypeError, match=r"^text is NoneType, not str$"):
        wordcut.cut(None)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"^text 1 is int, not str$"):
        wordcut.Vocabulary(["完成"]).ids(["完成", 3])  # type: ignore[list-item]
    with pytest.raises(TypeError, match=r"^token 1 is bytes, not str$"):
        wordcut.Vocabulary(["完成", b"x"])  # type: ignore[list-item]


def test_a_lone_surrogate_is_a_character_of_its_own() -> None:
    # rjieba raises UnicodeEncodeError here; the API refuses such text before it gets here.
    assert wordcut.cut("完成\ud800任务") == ["完成", "\ud800", "任务"]


def test_the_native_tfidf_path_equals_the_tokens_one() -> None:
    """`word_tfidf` on a rjieba table segments natively; the same table read through the
    Python tokens (rjieba's words looked up one by one) gives the same matrix."""
    pytest.importorskip("sklearn")
    from sklearn.feature_extraction.text import TfidfVectorizer

    paragraphs = [p for document in read_seeds(GOLD) for p in document.paragraphs]
    vectorizer = TfidfVectorizer(
        tokenizer=rjieba.cut,
        preprocessor=normalize,
        token_pattern=None,
        lowercase=False,
        ngram_range=(1, 2),
        min_df=2,
        sublinear_tf=True,
        stop_words=["的", ","],
    ).fit(paragraphs)
    table = vocabulary.WordTable.from_vectorizer(vectorizer, "rjieba")
    native = vocabulary.word_tfidf(table, paragraphs)
    tokens_table = vocabulary.WordTable.from_vectorizer(vectorizer, "jieba")
    text.TOKENIZERS["jieba"], saved = rjieba.cut, text.TOKENIZERS["jieba"]
    try:  # the Python path, with rjieba's words
        by_tokens = vocabulary.word_tfidf(tokens_table, paragraphs)
    finally:
        text.TOKENIZERS["jieba"] = saved
    for a, b in zip(native, by_tokens, strict=True):
        assert np.array_equal(a, b)
    expected = vectorizer.transform(paragraphs).tocoo()
    assert len(native[0]) == expected.nnz


def _make_wordcut_data():
    pytest.importorskip("jieba")
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        import make_wordcut_data
    finally:
        sys.path.remove(str(ROOT / "scripts"))
    return make_wordcut_data


def test_the_committed_tables_are_jiebas() -> None:
    """wordcut.npz and wordcut_trie.npy are what scripts/make_wordcut_data.py makes from jieba
    0.42.1: the trie is the one `build_dictionary` builds from jieba's words."""
    make_wordcut_data = _make_wordcut_data()
    committed = np.load(make_wordcut_data.OUTPUT, allow_pickle=False)
    made, trie = make_wordcut_data.make()
    assert sorted(committed.files) == sorted(made)
    for name, array in made.items():
        assert np.array_equal(committed[name], array), name
    assert np.array_equal(np.load(make_wordcut_data.TRIE, allow_pickle=False), trie)


def test_a_loaded_trie_holds_what_its_file_holds() -> None:
    from zongjie import _wordcut

    bits, slots, entries = _wordcut.dictionary_table(wordcut._load())
    tables = wordcut._tables()
    assert (bits, slots, entries) == (tables[0], tables[1].tobytes(), tables[2].tobytes())
    again = _wordcut.load_dictionary(*tables)
    assert _wordcut.dictionary_table(again) == (bits, slots, entries)


def test_the_dictionary_is_built_without_the_gil() -> None:
    from zongjie import _wordcut

    make_wordcut_data = _make_wordcut_data()
    arguments = (*make_wordcut_data.words(), *make_wordcut_data.hmm().values())
    building = threading.Event()

    def build() -> None:
        building.set()
        _wordcut.build_dictionary(*arguments)

    # No forced switches: this thread runs during the build only if the build lets go of the GIL.
    previous = sys.getswitchinterval()
    sys.setswitchinterval(5.0)
    try:
        builder = threading.Thread(target=build)
        builder.start()
        building.wait()
        steps = 0
        while builder.is_alive():
            steps += 1
        builder.join()
    finally:
        sys.setswitchinterval(previous)
    assert steps > 10_000


@pytest.mark.slow
@pytest.mark.skipif(not CORPORA.is_dir(), reason=f"{CORPORA} is missing")
def test_cuts_every_corpus_paragraph_as_rjieba_does() -> None:
    from zongjie.dataset import read_gold_folder, read_national_reports

    documents = [
        *read_gold_folder(CORPORA / "work-reports-2007-2024", "personal"),
        *read_gold_folder(CORPORA / "gwr-local-2015-2024", "local_gov"),
        *read_national_reports(CORPORA, min_year=1900, max_year=2100),
    ]
    paragraphs = [p for document in documents for p in document.paragraphs]
    assert len(paragraphs) > 5000
    different = [
        p
        for p in paragraphs
        for sample in (p, normalize(p))
        if wordcut.cut(sample) != rjieba.cut(sample)
    ]
    assert different == []


def test_a_damaged_dictionary_is_refused() -> None:
    from zongjie import _wordcut

    hmm = (bytes(8 * 4), bytes(8 * 16), bytes(8 * 4 * (0x9FD5 - 0x4E00 + 1)))
    codes, frequencies = np.array([1], dtype=np.int32).tobytes(), np.array([5]).tobytes()
    with pytest.raises(ValueError, match=r"not UTF-8 \(byte 0\)"):
        _wordcut.build_dictionary(b"\xff\n", codes, frequencies, 5, *hmm)
    with pytest.raises(ValueError, match="fewer codes than words"):
        _wordcut.build_dictionary("完成\n任务".encode(), codes, frequencies, 5, *hmm)
    assert _wordcut.cut(
        _wordcut.build_dictionary("完成".encode(), codes, frequencies, 5, *hmm), "完成任务"
    ) == ["完成", "任", "务"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda t: t.__setitem__(0, 30), "a trie table of a bad size"),
        (lambda t: t.__setitem__(2, t[2][:-1]), "as many trie entries as slots"),
        (lambda t: t.__setitem__(1, t[1][::-1].copy()), "trie slots out of order or out of range"),
        (lambda t: t.__setitem__(1, t[1] + (1 << 40)), "trie slots out of order or out of range"),
        (lambda t: t.__setitem__(2, t[2] | 0x1FFFFF), "a trie entry with a bad code"),
        (lambda t: t.__setitem__(0, 19), "a trie table over three quarters full"),
    ],
)
def test_a_damaged_trie_is_refused(change, message: str) -> None:
    # Each would send a lookup out of its tables or into an endless probe.
    from zongjie import _wordcut

    tables = [a.copy() if isinstance(a, np.ndarray) else a for a in wordcut._tables()]
    change(tables)
    with pytest.raises(ValueError, match=f"^{message}$"):
        _wordcut.load_dictionary(*tables)
