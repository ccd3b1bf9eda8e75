/* The hot loops of prediction, in C: what `zongjie.wordcut`, `zongjie.text.normalize`,
 * `zongjie.vocabulary.word_tfidf` and `zongjie.lexicon.Lexicon.count_words` call.
 *
 * - Word segmentation straight to vocabulary ids. A paragraph's characters are cut the way
 *   rjieba (jieba-rs, which `features.tokenizer=rjieba` names) cuts them: runs of CJK, ASCII
 *   letters, digits and +#&._%- are segmented along the most probable route through the
 *   dictionary's words, the single characters that route leaves are joined by an HMM, and every
 *   other character is a token of its own. Each token comes out as its id in a model's
 *   vocabulary (`Vocabulary`): no string is made and no dict is consulted. `Ngrams` goes on to
 *   count each text's n-gram columns.
 * - `normalize` in one pass (fold table, lower, numbers, self-reference words).
 * - A lexicon's word groups counted as `re.findall` counts them (`Matcher`).
 *
 * Each is held equal to the Python it replaced by the tests (test_wordcut, test_text,
 * test_lexicon). Everything built here is read-only afterwards and every call keeps its work in
 * its own buffers, so any number of threads may share them; `ids` and `counts` release the GIL
 * while they segment.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#if defined(__linux__)
#include <sys/mman.h>
#endif

#define NO_WORD (-1)
#define HMM_LOW 0x4E00
#define HMM_HIGH 0x9FD5
#define HMM_CHARS (HMM_HIGH - HMM_LOW + 1)
#define MIN_FLOAT (-3.14e100)
#define EMPTY UINT64_MAX
#define ROOT_CHARS 0x30000
#define CODE_BITS 21
#define CODE_MASK ((1u << CODE_BITS) - 1)
#define ROOT ((1u << 22) - 1) /* the root's node number in a key; other nodes are slots */
#define MAX_SLOTS ((int64_t)1 << 21)

enum { BEGIN = 0, END = 1, MIDDLE = 2, SINGLE = 3, STATES = 4 };
/* The states that may precede each state, the smaller index first: a tie goes to the second. */
static const int PREVIOUS[STATES][2] = {{END, SINGLE}, {BEGIN, MIDDLE}, {BEGIN, MIDDLE}, {END, SINGLE}};

/* A set of 64-bit keys as a bit array, one bit per key at a hash of it (a Bloom filter with
 * one hash function): "absent" is certain; "present" is wrong for about one absent key in nine
 * with jieba's trie and one in seven with the default model's bigrams, at two bits per slot of
 * the table it guards. Most lookups in those tables are for keys that are not there (a prefix
 * no word continues, a bigram the model did not keep); the filter, 1/32 of the table's bytes,
 * answers them from cache, where a probe of the table costs a cache miss. Segmentation ran
 * ~40% faster with it, n-gram counting (segmentation included) ~16%. */
typedef struct {
    uint64_t *bits;
    int shift;
} KeyFilter;

#define FILTER_EXTRA_BITS 1 /* the filter has 2^(1 + the table's bits) bits */

/* A filter of 2^bits bits (at least 64), empty: 0, or -1 when out of memory. */
static int filter_init(KeyFilter *f, int bits) {
    if (bits < 6) bits = 6;
    f->shift = 64 - bits;
    f->bits = calloc((size_t)1 << (bits - 6), sizeof(uint64_t));
    return f->bits ? 0 : -1;
}

static inline uint64_t filter_bit(const KeyFilter *f, uint64_t key) {
    /* another multiplier than the tables' `mix`, so that the bit and the slot are unrelated */
    return (key * 0xC2B2AE3D27D4EB4FULL) >> f->shift;
}

static inline void filter_add(KeyFilter *f, uint64_t key) {
    uint64_t bit = filter_bit(f, key);
    f->bits[bit >> 6] |= (uint64_t)1 << (bit & 63);
}

static inline int filter_may_hold(const KeyFilter *f, uint64_t key) {
    uint64_t bit = filter_bit(f, key);
    return (int)((f->bits[bit >> 6] >> (bit & 63)) & 1);
}

typedef struct {
    /* The dictionary as a trie in one hash table (open addressing): a node is the slot of its
     * entry, which packs the key (the parent's slot, 22 bits; the character, 21 bits) and a
     * code (21 bits): 0 when the node ends no word, else 1 + the index of the word's frequency
     * among the distinct frequencies. Nodes are found in one probe on average, a cache miss
     * each (the table is 16 MiB), and `keys` rules out most children that are not there
     * without one; the root's children, wanted at every character, are also in a direct
     * table, `root[c]` = slot << 21 | code. */
    int64_t *root;
    uint64_t *table;
    uint64_t mask;
    int shift;
    KeyFilter keys; /* which keys the table holds */
    int64_t n_nodes;
    int64_t n_slots;
    double *log_freq; /* ln of each distinct frequency, by code - 1 */
    double log_total;
    double start[STATES];
    double trans[STATES][STATES];
    double *emit; /* HMM_CHARS × STATES */
} Dictionary;

typedef struct {
    PyObject *dictionary; /* the capsule this vocabulary's word ids refer to (a reference) */
    /* a dictionary word's node (slot) → its token id, open addressing: node << 32 | id, a few
     * hundred KiB (an array over every node was 8 MiB, most of a cold start's first call) */
    uint64_t *word_ids;
    uint64_t word_mask;
    int word_shift;
    /* token (its characters) → id, open addressing over a hash of the characters */
    uint32_t *chars;
    int64_t *slot_start;
    int32_t *slot_length;
    int64_t *slot_id;
    uint64_t mask;
} Vocabulary;

/* A table read at random (the trie): on Linux in huge pages where the kernel grants them, so
 * that a lookup costs one cache miss and not a TLB miss as well (about a third faster). Freed
 * with free(). */
static void *table_alloc(size_t size) {
#if defined(__linux__) && defined(MADV_HUGEPAGE)
    enum { HUGE = 2 << 20 };
    void *memory = NULL;
    if (size >= HUGE && posix_memalign(&memory, HUGE, size) == 0) {
        madvise(memory, size, MADV_HUGEPAGE);
        return memory;
    }
#endif
    return malloc(size);
}

static inline uint64_t mix(uint64_t key, int shift) {
    return (key * 0x9E3779B97F4A7C15ULL) >> shift;
}

/* `node`'s child for character `c`: slot << 21 | code, -1 if there is none. */
static inline int64_t child(const Dictionary *d, uint32_t node, uint32_t c) {
    if (node == ROOT && c < ROOT_CHARS) return d->root[c];
    uint64_t key = ((uint64_t)node << 21) | c;
    if (!filter_may_hold(&d->keys, key)) return -1;
    uint64_t slot = mix(key, d->shift);
    for (;;) {
        uint64_t seen = d->table[slot];
        if ((seen >> CODE_BITS) == key) return (int64_t)((slot << CODE_BITS) | (seen & CODE_MASK));
        if (seen == EMPTY) return -1;
        slot = (slot + 1) & d->mask;
    }
}

static inline int is_cjk(uint32_t c) {
    return (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF) ||
           (c >= 0xF900 && c <= 0xFAFF) || (c >= 0x20000 && c <= 0x2A6DF) ||
           (c >= 0x2A700 && c <= 0x2EBEF) || (c >= 0x2F800 && c <= 0x2FA1F);
}

static inline int is_alnum(uint32_t c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* The characters jieba segments with its dictionary; any other is a token of its own. */
static inline int is_han_default(uint32_t c) {
    if (c < 128)
        return is_alnum(c) || c == '+' || c == '#' || c == '&' || c == '.' || c == '_' ||
               c == '%' || c == '-';
    return is_cjk(c);
}

static inline int is_hmm_han(uint32_t c) { return c >= HMM_LOW && c <= HMM_HIGH; }

static inline int is_connector(uint32_t c) { return c == '.' || c == '_' || c == '-'; }

/* ------------------------------------------------------------------------------------------ */
/* Segmentation. Tokens go to an `Emit` as [start, end) spans of the text with the dictionary
 * word they are (NO_WORD when the segmentation did not look them up). */

typedef struct {
    void (*emit)(void *sink, int64_t start, int64_t end, int32_t word);
    void *sink;
} Emit;

typedef struct {
    double *prob;
    int64_t *end;
    int32_t *word;
    unsigned char *prev; /* HMM predecessors, STATES per character */
    unsigned char *path;
    int64_t capacity;
} Scratch;

static int scratch_reserve(Scratch *s, int64_t n) {
    if (n + 1 <= s->capacity) return 0;
    int64_t capacity = (n + 1) * 2;
    double *prob = realloc(s->prob, capacity * sizeof(double));
    if (prob) s->prob = prob;
    int64_t *end = realloc(s->end, capacity * sizeof(int64_t));
    if (end) s->end = end;
    int32_t *word = realloc(s->word, capacity * sizeof(int32_t));
    if (word) s->word = word;
    unsigned char *prev = realloc(s->prev, capacity * STATES);
    if (prev) s->prev = prev;
    unsigned char *path = realloc(s->path, capacity);
    if (path) s->path = path;
    if (!prob || !end || !word || !prev || !path) return -1;
    s->capacity = capacity;
    return 0;
}

static void scratch_free(Scratch *s) {
    free(s->prob);
    free(s->end);
    free(s->word);
    free(s->prev);
    free(s->path);
}

static inline const double *emission(const Dictionary *d, uint32_t c) {
    static const double none[STATES] = {MIN_FLOAT, MIN_FLOAT, MIN_FLOAT, MIN_FLOAT};
    return is_hmm_han(c) ? d->emit + (size_t)(c - HMM_LOW) * STATES : none;
}

/* Viterbi over text[a, b), b - a >= 2, then the words of the best state sequence. */
static void hmm_words(const Dictionary *d, const uint32_t *text, int64_t a, int64_t b,
                      Scratch *s, const Emit *out) {
    int64_t n = b - a;
    double v[STATES], next[STATES];
    const double *em = emission(d, text[a]);
    for (int y = 0; y < STATES; y++) v[y] = d->start[y] + em[y];
    for (int64_t t = 1; t < n; t++) {
        em = emission(d, text[a + t]);
        for (int y = 0; y < STATES; y++) {
            int y0 = PREVIOUS[y][0], y1 = PREVIOUS[y][1];
            double p0 = v[y0] + d->trans[y0][y] + em[y];
            double p1 = v[y1] + d->trans[y1][y] + em[y];
            if (p0 > p1) {
                next[y] = p0;
                s->prev[t * STATES + y] = (unsigned char)y0;
            } else {
                next[y] = p1;
                s->prev[t * STATES + y] = (unsigned char)y1;
            }
        }
        memcpy(v, next, sizeof v);
    }
    int state = v[END] > v[SINGLE] ? END : SINGLE;
    s->path[n - 1] = (unsigned char)state;
    for (int64_t t = n - 1; t > 0; t--) {
        state = s->prev[t * STATES + state];
        s->path[t - 1] = (unsigned char)state;
    }
    int64_t begin = a, next_start = a;
    for (int64_t i = 0; i < n; i++) {
        switch (s->path[i]) {
        case BEGIN:
            begin = a + i;
            break;
        case END:
            out->emit(out->sink, begin, a + i + 1, NO_WORD);
            next_start = a + i + 1;
            break;
        case SINGLE:
            out->emit(out->sink, a + i, a + i + 1, NO_WORD);
            next_start = a + i + 1;
            break;
        default:
            break;
        }
    }
    if (next_start < b) out->emit(out->sink, next_start, b, NO_WORD);
}

/* An alphanumeric run, more runs joined by one connector each (.-_), a trailing %. */
static int64_t alnum_token_end(const uint32_t *text, int64_t start, int64_t b) {
    int64_t end = start;
    for (;;) {
        while (end < b && is_alnum(text[end])) end++;
        if (end + 1 < b && is_connector(text[end]) && is_alnum(text[end + 1]))
            end++;
        else
            break;
    }
    if (end < b && text[end] == '%') end++;
    return end;
}

/* text[x, y): characters the route left single and that are no word together. */
static void hmm_cut(const Dictionary *d, const uint32_t *text, int64_t x, int64_t y, Scratch *s,
                    const Emit *out) {
    int64_t i = x;
    while (i < y) {
        int han = is_hmm_han(text[i]);
        int64_t j = i + 1;
        while (j < y && is_hmm_han(text[j]) == han) j++;
        if (han) {
            if (j - i > 1)
                hmm_words(d, text, i, j, s, out);
            else
                out->emit(out->sink, i, j, NO_WORD);
        } else {
            int64_t position = i;
            while (position < j) {
                int64_t cursor = position;
                while (cursor < j && !is_alnum(text[cursor])) cursor++;
                if (cursor > position) out->emit(out->sink, position, cursor, NO_WORD);
                if (cursor == j) break;
                int64_t end = alnum_token_end(text, cursor, j);
                out->emit(out->sink, cursor, end, NO_WORD);
                position = end;
            }
        }
        i = j;
    }
}

static int is_word(const Dictionary *d, const uint32_t *text, int64_t x, int64_t y) {
    int64_t found = -1;
    uint32_t node = ROOT;
    for (int64_t k = x; k < y; k++) {
        found = child(d, node, text[k]);
        if (found < 0) return 0;
        node = (uint32_t)(found >> CODE_BITS);
    }
    return found >= 0 && (found & CODE_MASK) != 0;
}

static void unjoined(const Dictionary *d, const uint32_t *text, int64_t x, int64_t y, Scratch *s,
                     const Emit *out) {
    if (y - x == 1) {
        out->emit(out->sink, x, y, s->word[x]);
    } else if (!is_word(d, text, x, y)) {
        hmm_cut(d, text, x, y, s, out);
    } else {
        for (int64_t k = x; k < y; k++) out->emit(out->sink, k, k + 1, s->word[k]);
    }
}

/* A run of dictionary characters, text[a, b): the most probable route, then its words. */
static void cut_block(const Dictionary *d, const uint32_t *text, int64_t a, int64_t b, Scratch *s,
                      const Emit *out) {
    int64_t n = b - a;
    /* route arrays are indexed from the block's start */
    double *prob = s->prob;
    int64_t *end = s->end;
    int32_t *word = s->word;
    const uint32_t *block = text + a;
    prob[n] = 0.0;
    end[n] = n;
    word[n] = NO_WORD;
    double log_one = 0.0 - d->log_total;
    for (int64_t i = n - 1; i >= 0; i--) {
        int found = 0;
        double best_prob = 0.0;
        int64_t best_end = 0;
        int32_t best_word = NO_WORD;
        uint32_t node = ROOT;
        for (int64_t j = i; j < n; j++) {
            int64_t next = child(d, node, block[j]);
            if (next < 0) break;
            node = (uint32_t)(next >> CODE_BITS);
            uint32_t code = (uint32_t)(next & CODE_MASK);
            if (!code) continue;
            int32_t w = (int32_t)node;
            double p = d->log_freq[code - 1] - d->log_total + prob[j + 1];
            if (!found || p > best_prob || (p == best_prob && j + 1 > best_end)) {
                found = 1;
                best_prob = p;
                best_end = j + 1;
                best_word = w;
            }
        }
        if (!found) {
            best_prob = log_one + prob[i + 1];
            best_end = i + 1;
        }
        prob[i] = best_prob;
        end[i] = best_end;
        word[i] = best_word;
    }
    /* Spans below are relative to the block; shift them on the way out. */
    int64_t x = 0, left = -1;
    while (x < n) {
        int64_t y = end[x];
        if (y - x == 1) {
            if (left < 0) left = x;
        } else {
            if (left >= 0) {
                unjoined(d, block, left, x, s, out);
                left = -1;
            }
            out->emit(out->sink, x, y, word[x]);
        }
        x = y;
    }
    if (left >= 0) unjoined(d, block, left, n, s, out);
}

typedef struct {
    const Emit *inner;
    int64_t offset;
} Shift;

static void emit_shifted(void *sink, int64_t start, int64_t end, int32_t word) {
    Shift *shift = sink;
    shift->inner->emit(shift->inner->sink, start + shift->offset, end + shift->offset, word);
}

/* Cut text[0, n). Returns -1 when out of memory. */
static int cut_text(const Dictionary *d, const uint32_t *text, int64_t n, Scratch *s,
                    const Emit *out) {
    int64_t i = 0;
    while (i < n) {
        int han = is_han_default(text[i]);
        int64_t j = i + 1;
        while (j < n && is_han_default(text[j]) == han) j++;
        if (han) {
            if (scratch_reserve(s, j - i) < 0) return -1;
            Shift shift = {out, i};
            Emit shifted = {emit_shifted, &shift};
            cut_block(d, text, i, j, s, &shifted);
        } else {
            for (int64_t k = i; k < j; k++) {
                if (text[k] == '\r' && k + 1 < j && text[k + 1] == '\n') {
                    out->emit(out->sink, k, k + 2, NO_WORD);
                    k++;
                } else {
                    out->emit(out->sink, k, k + 1, NO_WORD);
                }
            }
        }
        i = j;
    }
    return 0;
}

/* ------------------------------------------------------------------------------------------ */
/* Python objects: a dictionary and a vocabulary are capsules, `zongjie.wordcut` wraps them. */

static const char *DICTIONARY = "zongjie._wordcut.Dictionary";
static const char *VOCABULARY = "zongjie._wordcut.Vocabulary";

static void dictionary_release(Dictionary *d) {
    free(d->root);
    free(d->table);
    free(d->keys.bits);
    free(d->log_freq);
    free(d->emit);
    free(d);
}

static void dictionary_free(PyObject *capsule) {
    Dictionary *d = PyCapsule_GetPointer(capsule, DICTIONARY);
    if (d) dictionary_release(d);
}

static uint32_t *codepoints(PyObject *text, Py_ssize_t *length) {
    Py_ssize_t n = PyUnicode_GET_LENGTH(text);
    uint32_t *out = malloc((n + 1) * sizeof(uint32_t));
    if (!out) return NULL;
    int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    for (Py_ssize_t i = 0; i < n; i++) out[i] = PyUnicode_READ(kind, data, i);
    *length = n;
    return out;
}

/* The code points of UTF-8 `bytes` (malloc'd, `*n` of them), or NULL: out of memory, or with
 * *bad the offset of the first byte that is not UTF-8. Needs no GIL. */
static uint32_t *utf8_decode(const unsigned char *bytes, Py_ssize_t size, Py_ssize_t *n,
                             Py_ssize_t *bad) {
    uint32_t *out = malloc((size + 1) * sizeof(uint32_t));
    if (!out) return NULL;
    Py_ssize_t i = 0, k = 0;
    while (i < size) {
        unsigned char b = bytes[i];
        int extra = b < 0x80             ? 0
                    : (b & 0xE0) == 0xC0 ? 1
                    : (b & 0xF0) == 0xE0 ? 2
                    : (b & 0xF8) == 0xF0 ? 3
                                         : -1;
        if (extra < 0 || i + extra >= size) goto invalid;
        uint32_t c = extra ? b & (0x3F >> extra) : b;
        for (int j = 1; j <= extra; j++) {
            if ((bytes[i + j] & 0xC0) != 0x80) goto invalid;
            c = (c << 6) | (bytes[i + j] & 0x3F);
        }
        if (c == 0 || c > 0x10FFFF) goto invalid;
        out[k++] = c;
        i += extra + 1;
    }
    *n = k;
    return out;
invalid:
    free(out);
    *bad = i;
    return NULL;
}

/* The child of `parent` for `c`, made if new, its code set when `code` is not 0: its slot, or
 * -1 when the table is full. */
static int64_t add_node(Dictionary *d, uint32_t parent, uint32_t c, uint32_t code) {
    uint64_t key = ((uint64_t)parent << 21) | c;
    uint64_t slot = mix(key, d->shift);
    while (d->table[slot] != EMPTY && (d->table[slot] >> CODE_BITS) != key)
        slot = (slot + 1) & d->mask;
    if (d->table[slot] == EMPTY) {
        if (4 * (d->n_nodes + 1) > 3 * d->n_slots) return -1;
        d->n_nodes++;
        d->table[slot] = key << CODE_BITS;
        filter_add(&d->keys, key);
    }
    if (code) d->table[slot] = (key << CODE_BITS) | code;
    if (parent == ROOT && c < ROOT_CHARS)
        d->root[c] = (int64_t)((slot << CODE_BITS) | (d->table[slot] & CODE_MASK));
    return (int64_t)slot;
}

static PyObject *dictionary_error(Dictionary *d, PyObject *type, const char *message) {
    dictionary_release(d);
    if (type) PyErr_SetString(type, message);
    return NULL;
}

/* What the fill functions return when memory ran out, or at bytes that are not UTF-8. */
static const char NO_MEMORY[] = "out of memory";
static const char NOT_UTF8[] = "the dictionary's words are not UTF-8";

/* Makes `d`'s trie tables, 2^bits slots, empty, and the logs of the `n_freqs` distinct
 * frequencies: NULL, or what is wrong. */
static const char *empty_tables(Dictionary *d, int bits, const int64_t *freqs, int64_t n_freqs) {
    d->n_slots = (int64_t)1 << bits;
    d->mask = (uint64_t)d->n_slots - 1;
    d->shift = 64 - bits;
    d->root = table_alloc(ROOT_CHARS * sizeof(int64_t));
    d->table = table_alloc((size_t)d->n_slots * sizeof(uint64_t));
    d->log_freq = malloc((n_freqs + 1) * sizeof(double));
    if (!d->root || !d->table || !d->log_freq ||
        filter_init(&d->keys, bits + FILTER_EXTRA_BITS) < 0)
        return NO_MEMORY;
    memset(d->root, 0xFF, ROOT_CHARS * sizeof(int64_t));
    memset(d->table, 0xFF, (size_t)d->n_slots * sizeof(uint64_t));
    for (int64_t k = 0; k < n_freqs; k++) {
        if (freqs[k] <= 0) return "a frequency that is not positive";
        d->log_freq[k] = log((double)freqs[k]);
    }
    return NULL;
}

/* Fills `d` (its HMM set) with the trie of `words` (UTF-8, one per line) and their `codes`,
 * the indices into `freqs` plus 1. Touches no Python object, so it runs without the GIL. NULL,
 * or what is wrong (NOT_UTF8 with *bad the offset of the byte). */
static const char *fill_dictionary(Dictionary *d, const unsigned char *words, Py_ssize_t size,
                                   const int32_t *codes, int64_t n_words, const int64_t *freqs,
                                   int64_t n_freqs, Py_ssize_t *bad) {
    Py_ssize_t n_chars = 0;
    *bad = -1;
    uint32_t *chars = utf8_decode(words, size, &n_chars, bad);
    if (!chars) return *bad < 0 ? NO_MEMORY : NOT_UTF8;
    int bits = 4;
    while (((int64_t)1 << bits) < 2 * (int64_t)n_chars && ((int64_t)1 << bits) < MAX_SLOTS) bits++;
    const char *error = empty_tables(d, bits, freqs, n_freqs);
    if (error) goto done;
    int64_t word = 0;
    uint32_t node = ROOT;
    for (Py_ssize_t i = 0; i < n_chars; i++) {
        uint32_t c = chars[i];
        if (c == '\n') continue; /* an empty line */
        uint32_t next = i + 1 < n_chars ? chars[i + 1] : '\n';
        uint32_t code = 0;
        if (next == '\n') {
            if (word >= n_words || codes[word] < 1 || codes[word] > n_freqs) {
                error = "fewer codes than words, or a bad code";
                goto done;
            }
            code = (uint32_t)codes[word++];
        }
        int64_t slot = add_node(d, node, c, code);
        if (slot < 0) {
            error = "a dictionary of over 1.5 million nodes";
            goto done;
        }
        node = next == '\n' ? ROOT : (uint32_t)slot;
    }
    if (word != n_words) error = "more codes than words";
done:
    free(chars);
    return error;
}

/* Fills `d` (its HMM set) with a trie `dictionary_table` gave: 2^bits slots, `n` of them used,
 * `slots` in increasing order, `entries` their contents. The entries are written in the order
 * of their slots, so that memory is filled front to back, about ten times faster than building
 * the trie from its words, where every new node lands at a random place. Checked as far as a
 * lookup could go wrong: NULL, or what is wrong. */
static const char *fill_from_table(Dictionary *d, int bits, const uint64_t *slots,
                                   const uint64_t *entries, int64_t n, const int64_t *freqs,
                                   int64_t n_freqs) {
    if (bits < 4 || ((int64_t)1 << bits) > MAX_SLOTS) return "a trie table of a bad size";
    const char *error = empty_tables(d, bits, freqs, n_freqs);
    if (error) return error;
    if (4 * n > 3 * d->n_slots) return "a trie table over three quarters full";
    for (int64_t k = 0; k < n; k++) {
        uint64_t slot = slots[k], entry = entries[k], code = entry & CODE_MASK;
        if (slot >= (uint64_t)d->n_slots || (k && slot <= slots[k - 1]))
            return "trie slots out of order or out of range";
        if (entry == EMPTY || code > (uint64_t)n_freqs) return "a trie entry with a bad code";
        d->table[slot] = entry;
        uint64_t key = entry >> CODE_BITS;
        filter_add(&d->keys, key);
        uint32_t c = (uint32_t)(key & ((1u << 21) - 1));
        if ((key >> 21) == ROOT && c < ROOT_CHARS)
            d->root[c] = (int64_t)((slot << CODE_BITS) | code);
    }
    d->n_nodes = n;
    return NULL;
}

/* A new dictionary with the frequencies and the HMM of the arguments checked and copied (its
 * trie not yet made), or NULL with the error set. */
static Dictionary *new_dictionary(const Py_buffer *freqs, long long total, const Py_buffer *start,
                                  const Py_buffer *trans, const Py_buffer *emit) {
    Dictionary *d = calloc(1, sizeof(Dictionary));
    if (!d || !(d->emit = malloc((size_t)HMM_CHARS * STATES * sizeof(double)))) {
        if (d) dictionary_error(d, NULL, NULL);
        PyErr_NoMemory();
        return NULL;
    }
    if (start->len != STATES * 8 || trans->len != STATES * STATES * 8 ||
        emit->len != (Py_ssize_t)HMM_CHARS * STATES * 8 || total <= 0 ||
        freqs->len / (Py_ssize_t)sizeof(int64_t) >= CODE_MASK) {
        dictionary_error(d, PyExc_ValueError, "HMM tables of the wrong size, or bad totals");
        return NULL;
    }
    d->log_total = log((double)total);
    memcpy(d->start, start->buf, sizeof d->start);
    memcpy(d->trans, trans->buf, sizeof d->trans);
    memcpy(d->emit, emit->buf, (size_t)HMM_CHARS * STATES * sizeof(double));
    return d;
}

/* `d` as a capsule, or, when `error` says what went wrong filling it, NULL with that error set
 * (`bad`: the offset of the byte that is not UTF-8). */
static PyObject *dictionary_capsule(Dictionary *d, const char *error, Py_ssize_t bad) {
    if (error) {
        dictionary_error(d, NULL, NULL);
        if (error == NO_MEMORY)
            PyErr_NoMemory();
        else if (error == NOT_UTF8)
            PyErr_Format(PyExc_ValueError, "%s (byte %zd)", error, bad);
        else
            PyErr_SetString(PyExc_ValueError, error);
        return NULL;
    }
    PyObject *result = PyCapsule_New(d, DICTIONARY, dictionary_free);
    if (!result) dictionary_error(d, NULL, NULL);
    return result;
}

/* build_dictionary(words, codes, frequencies, total, start, trans, emit) -> capsule.
 * Every argument but total is bytes-like. words: the dictionary's words in UTF-8, one per line;
 * codes: int32 per word, 1 + the index of its frequency in `frequencies` (int64: the distinct
 * frequencies); total: the sum of every entry's frequency; start (4), trans (4 × 4) and emit
 * (HMM_CHARS × 4): float64, the HMM's log probabilities, states in the order begin, end,
 * middle, single, emit's rows the characters U+4E00..U+9FD5. A word listed twice keeps its last
 * frequency. The trie (~0.05 s) is built without the GIL. scripts/make_wordcut_data.py builds
 * jieba's dictionary here once and stores `dictionary_table` of it, which `load_dictionary`
 * reads. */
static PyObject *build_dictionary(PyObject *self, PyObject *args) {
    Py_buffer words, codes, freqs, start, trans, emit;
    long long total;
    if (!PyArg_ParseTuple(args, "y*y*y*Ly*y*y*", &words, &codes, &freqs, &total, &start, &trans,
                          &emit))
        return NULL;
    PyObject *result = NULL;
    Dictionary *d = new_dictionary(&freqs, total, &start, &trans, &emit);
    if (d) {
        const char *error;
        Py_ssize_t bad;
        Py_BEGIN_ALLOW_THREADS;
        error = fill_dictionary(d, words.buf, words.len, codes.buf,
                                codes.len / (Py_ssize_t)sizeof(int32_t), freqs.buf,
                                freqs.len / (Py_ssize_t)sizeof(int64_t), &bad);
        Py_END_ALLOW_THREADS;
        result = dictionary_capsule(d, error, bad);
    }
    PyBuffer_Release(&words);
    PyBuffer_Release(&codes);
    PyBuffer_Release(&freqs);
    PyBuffer_Release(&start);
    PyBuffer_Release(&trans);
    PyBuffer_Release(&emit);
    return result;
}

/* load_dictionary(bits, slots, entries, frequencies, total, start, trans, emit) -> capsule: the
 * dictionary whose trie `dictionary_table` gave as (bits, slots, entries), both uint64; the
 * rest as for build_dictionary. A few milliseconds. */
static PyObject *load_dictionary(PyObject *self, PyObject *args) {
    Py_buffer slots, entries, freqs, start, trans, emit;
    int bits;
    long long total;
    if (!PyArg_ParseTuple(args, "iy*y*y*Ly*y*y*", &bits, &slots, &entries, &freqs, &total, &start,
                          &trans, &emit))
        return NULL;
    PyObject *result = NULL;
    int64_t n = slots.len / (Py_ssize_t)sizeof(uint64_t);
    if (entries.len != slots.len) {
        PyErr_SetString(PyExc_ValueError, "as many trie entries as slots");
    } else {
        Dictionary *d = new_dictionary(&freqs, total, &start, &trans, &emit);
        if (d) {
            int64_t n_freqs = freqs.len / (Py_ssize_t)sizeof(int64_t);
            const char *error =
                fill_from_table(d, bits, slots.buf, entries.buf, n, freqs.buf, n_freqs);
            result = dictionary_capsule(d, error, 0);
        }
    }
    PyBuffer_Release(&slots);
    PyBuffer_Release(&entries);
    PyBuffer_Release(&freqs);
    PyBuffer_Release(&start);
    PyBuffer_Release(&trans);
    PyBuffer_Release(&emit);
    return result;
}

/* dictionary_table(dictionary) -> (bits, slots, entries): its trie as load_dictionary takes it,
 * the used slots in increasing order and their entries (uint64 bytes both). */
static PyObject *dictionary_table(PyObject *self, PyObject *capsule) {
    Dictionary *d = PyCapsule_GetPointer(capsule, DICTIONARY);
    if (!d) return NULL;
    PyObject *slots = PyBytes_FromStringAndSize(NULL, d->n_nodes * (Py_ssize_t)sizeof(uint64_t));
    PyObject *entries = PyBytes_FromStringAndSize(NULL, d->n_nodes * (Py_ssize_t)sizeof(uint64_t));
    if (!slots || !entries) {
        Py_XDECREF(slots);
        Py_XDECREF(entries);
        return NULL;
    }
    uint64_t *slot_out = (uint64_t *)PyBytes_AS_STRING(slots);
    uint64_t *entry_out = (uint64_t *)PyBytes_AS_STRING(entries);
    for (int64_t slot = 0, k = 0; slot < d->n_slots; slot++) {
        if (d->table[slot] == EMPTY) continue;
        slot_out[k] = (uint64_t)slot;
        entry_out[k++] = d->table[slot];
    }
    int bits = 64 - d->shift;
    return Py_BuildValue("iNN", bits, slots, entries);
}

typedef struct {
    PyObject *text;
    PyObject *list;
    int failed;
} StringSink;

static void emit_string(void *sink, int64_t start, int64_t end, int32_t word) {
    (void)word;
    StringSink *s = sink;
    if (s->failed) return;
    PyObject *token = PyUnicode_Substring(s->text, start, end);
    if (!token || PyList_Append(s->list, token) < 0) s->failed = 1;
    Py_XDECREF(token);
}

/* cut(dictionary, text) -> list[str]: the words of `text`. */
static PyObject *cut(PyObject *self, PyObject *args) {
    PyObject *capsule, *text;
    if (!PyArg_ParseTuple(args, "OU", &capsule, &text)) return NULL;
    Dictionary *d = PyCapsule_GetPointer(capsule, DICTIONARY);
    if (!d) return NULL;
    Py_ssize_t n;
    uint32_t *chars = codepoints(text, &n);
    if (!chars) return PyErr_NoMemory();
    StringSink sink = {text, PyList_New(0), 0};
    Scratch scratch = {0};
    if (sink.list) {
        Emit out = {emit_string, &sink};
        if (cut_text(d, chars, n, &scratch, &out) < 0) {
            sink.failed = 1;
            PyErr_NoMemory();
        }
    }
    free(chars);
    scratch_free(&scratch);
    if (sink.failed) Py_CLEAR(sink.list);
    return sink.list;
}

static inline uint64_t hash_chars(const uint32_t *c, int64_t n) {
    uint64_t h = 0xCBF29CE484222325ULL;
    for (int64_t i = 0; i < n; i++) h = (h ^ c[i]) * 0x100000001B3ULL;
    return h ^ (uint64_t)n;
}

static int64_t vocabulary_find(const Vocabulary *v, const uint32_t *c, int64_t n) {
    uint64_t slot = hash_chars(c, n) & v->mask;
    for (;;) {
        if (v->slot_length[slot] < 0) return -1;
        if (v->slot_length[slot] == n &&
            memcmp(v->chars + v->slot_start[slot], c, n * sizeof(uint32_t)) == 0)
            return v->slot_id[slot];
        slot = (slot + 1) & v->mask;
    }
}

static void vocabulary_release(Vocabulary *v) {
    Py_XDECREF(v->dictionary);
    free(v->word_ids);
    free(v->chars);
    free(v->slot_start);
    free(v->slot_length);
    free(v->slot_id);
    free(v);
}

static void vocabulary_free(PyObject *capsule) {
    Vocabulary *v = PyCapsule_GetPointer(capsule, VOCABULARY);
    if (v) vocabulary_release(v);
}

/* The token id of the dictionary word whose node is `node`, -1 if it is not in the vocabulary. */
static inline int64_t word_id(const Vocabulary *v, uint32_t node) {
    uint64_t slot = mix(node, v->word_shift);
    for (;;) {
        uint64_t seen = v->word_ids[slot];
        if (seen == EMPTY) return -1;
        if ((uint32_t)(seen >> 32) == node) return (int32_t)(uint32_t)seen;
        slot = (slot + 1) & v->word_mask;
    }
}

/* Makes `id` the token id of the word whose node is `node` (a later id replaces an earlier). */
static void set_word_id(Vocabulary *v, uint32_t node, int32_t id) {
    uint64_t slot = mix(node, v->word_shift);
    while (v->word_ids[slot] != EMPTY && (uint32_t)(v->word_ids[slot] >> 32) != node)
        slot = (slot + 1) & v->word_mask;
    v->word_ids[slot] = ((uint64_t)node << 32) | (uint32_t)id;
}

/* build_vocabulary(dictionary, tokens: list[str], ids: list[int]) -> capsule: each token's id
 * (a later entry of the same token wins). */
static PyObject *build_vocabulary(PyObject *self, PyObject *args) {
    PyObject *capsule, *tokens, *ids;
    if (!PyArg_ParseTuple(args, "OO!O!", &capsule, &PyList_Type, &tokens, &PyList_Type, &ids))
        return NULL;
    Dictionary *d = PyCapsule_GetPointer(capsule, DICTIONARY);
    if (!d) return NULL;
    Py_ssize_t n = PyList_GET_SIZE(tokens);
    if (PyList_GET_SIZE(ids) != n) {
        PyErr_SetString(PyExc_ValueError, "as many ids as tokens");
        return NULL;
    }
    Vocabulary *v = calloc(1, sizeof(Vocabulary));
    if (!v) return PyErr_NoMemory();
    Py_ssize_t total = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *token = PyList_GET_ITEM(tokens, i);
        if (!PyUnicode_Check(token)) {
            PyErr_Format(PyExc_TypeError, "token %zd is %s, not str", i, Py_TYPE(token)->tp_name);
            goto fail;
        }
        total += PyUnicode_GET_LENGTH(token);
    }
    int bits = 4;
    while (((int64_t)1 << bits) < 2 * (n + 1)) bits++;
    size_t slots = (size_t)1 << bits;
    v->mask = slots - 1;
    v->chars = malloc((total + 1) * sizeof(uint32_t));
    v->slot_start = malloc(slots * sizeof(int64_t));
    v->slot_length = malloc(slots * sizeof(int32_t));
    v->slot_id = malloc(slots * sizeof(int64_t));
    v->word_ids = malloc(slots * sizeof(uint64_t));
    v->word_mask = slots - 1;
    v->word_shift = 64 - bits;
    if (!v->chars || !v->slot_start || !v->slot_length || !v->slot_id || !v->word_ids) {
        PyErr_NoMemory();
        goto fail;
    }
    memset(v->slot_length, 0xFF, slots * sizeof(int32_t));
    memset(v->word_ids, 0xFF, slots * sizeof(uint64_t));
    Py_ssize_t used = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *token = PyList_GET_ITEM(tokens, i);
        long long id = PyLong_AsLongLong(PyList_GET_ITEM(ids, i));
        if (id == -1 && PyErr_Occurred()) goto fail;
        if (id < INT32_MIN || id > INT32_MAX) {
            PyErr_Format(PyExc_ValueError, "token id %lld out of range", id);
            goto fail;
        }
        Py_ssize_t length = PyUnicode_GET_LENGTH(token);
        uint32_t *c = v->chars + used;
        int kind = PyUnicode_KIND(token);
        const void *data = PyUnicode_DATA(token);
        for (Py_ssize_t k = 0; k < length; k++) c[k] = PyUnicode_READ(kind, data, k);
        uint64_t slot = hash_chars(c, length) & v->mask;
        for (;;) {
            if (v->slot_length[slot] < 0) {
                v->slot_start[slot] = used;
                v->slot_length[slot] = (int32_t)length;
                v->slot_id[slot] = id;
                used += length;
                break;
            }
            if (v->slot_length[slot] == length &&
                memcmp(v->chars + v->slot_start[slot], c, length * sizeof(uint32_t)) == 0) {
                v->slot_id[slot] = id;
                break;
            }
            slot = (slot + 1) & v->mask;
        }
        uint32_t node = ROOT;
        int64_t step = -1;
        for (Py_ssize_t k = 0; k < length; k++) {
            step = child(d, node, c[k]);
            if (step < 0) break;
            node = (uint32_t)(step >> CODE_BITS);
        }
        if (step >= 0 && (step & CODE_MASK)) set_word_id(v, node, (int32_t)id);
    }
    Py_INCREF(capsule);
    v->dictionary = capsule;
    PyObject *result = PyCapsule_New(v, VOCABULARY, vocabulary_free);
    if (!result) goto fail; /* releasing drops the reference taken above */
    return result;
fail:
    vocabulary_release(v);
    return NULL;
}

typedef struct {
    const Vocabulary *vocabulary;
    const uint32_t *text;
    int64_t *ids;
    int64_t count;
    int64_t capacity;
    int failed;
} IdSink;

static void emit_id(void *sink, int64_t start, int64_t end, int32_t word) {
    IdSink *s = sink;
    if (s->failed) return;
    if (s->count == s->capacity) {
        int64_t capacity = s->capacity * 2 + 64;
        int64_t *ids = realloc(s->ids, capacity * sizeof(int64_t));
        if (!ids) {
            s->failed = 1;
            return;
        }
        s->ids = ids;
        s->capacity = capacity;
    }
    const Vocabulary *v = s->vocabulary;
    s->ids[s->count++] = word != NO_WORD ? word_id(v, (uint32_t)word)
                                         : vocabulary_find(v, s->text + start, end - start);
}

/* The characters of every text of the list `texts`, one after another (malloc'd), text i at
 * [bounds[i], bounds[i + 1]) (`*bounds` malloc'd too, n + 1 entries): copied while the GIL is
 * held, so that they can be segmented without it. NULL with the error set when an item is not
 * a str or memory runs out. */
static uint32_t *texts_codepoints(PyObject *texts, int64_t **bounds) {
    Py_ssize_t n = PyList_GET_SIZE(texts), total = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *text = PyList_GET_ITEM(texts, i);
        if (!PyUnicode_Check(text)) {
            PyErr_Format(PyExc_TypeError, "text %zd is %s, not str", i, Py_TYPE(text)->tp_name);
            return NULL;
        }
        total += PyUnicode_GET_LENGTH(text);
    }
    uint32_t *chars = malloc((total + 1) * sizeof(uint32_t));
    *bounds = malloc((n + 1) * sizeof(int64_t));
    if (!chars || !*bounds) {
        free(chars);
        free(*bounds);
        *bounds = NULL;
        PyErr_NoMemory();
        return NULL;
    }
    Py_ssize_t used = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *text = PyList_GET_ITEM(texts, i);
        Py_ssize_t length = PyUnicode_GET_LENGTH(text);
        int kind = PyUnicode_KIND(text);
        const void *data = PyUnicode_DATA(text);
        (*bounds)[i] = used;
        for (Py_ssize_t k = 0; k < length; k++) chars[used + k] = PyUnicode_READ(kind, data, k);
        used += length;
    }
    (*bounds)[n] = used;
    return chars;
}

/* Text i of `texts_codepoints`'s copy, segmented: its tokens' ids appended to `sink`. -1 when
 * memory runs out. */
static int text_ids(const Dictionary *d, const uint32_t *chars, const int64_t *bounds,
                    Py_ssize_t i, Scratch *scratch, IdSink *sink) {
    sink->text = chars + bounds[i];
    Emit out = {emit_id, sink};
    if (cut_text(d, chars + bounds[i], bounds[i + 1] - bounds[i], scratch, &out) < 0) return -1;
    return sink->failed ? -1 : 0;
}

/* ids(vocabulary, texts: list[str]) -> (ids: bytes, lengths: bytes): every text's tokens as
 * vocabulary ids (int64, -1 for a token not in it), one text after another, and how many
 * tokens each text has (int64). */
static PyObject *ids(PyObject *self, PyObject *args) {
    PyObject *capsule, *texts;
    if (!PyArg_ParseTuple(args, "OO!", &capsule, &PyList_Type, &texts)) return NULL;
    const Vocabulary *v = PyCapsule_GetPointer(capsule, VOCABULARY);
    if (!v) return NULL;
    const Dictionary *d = PyCapsule_GetPointer(v->dictionary, DICTIONARY);
    if (!d) return NULL;
    Py_ssize_t n = PyList_GET_SIZE(texts);
    int64_t *bounds = NULL;
    uint32_t *chars = texts_codepoints(texts, &bounds);
    if (!chars) return NULL;
    int64_t *lengths = malloc((n + 1) * sizeof(int64_t));
    IdSink sink = {v, chars, NULL, 0, 0, 0};
    Scratch scratch = {0};
    PyObject *result = NULL;
    sink.capacity = bounds[n] + 64; /* at most a token a character */
    sink.ids = malloc(sink.capacity * sizeof(int64_t));
    if (!lengths || !sink.ids) {
        PyErr_NoMemory();
        goto done;
    }
    int failed = 0;
    Py_BEGIN_ALLOW_THREADS
    for (Py_ssize_t i = 0; i < n && !failed; i++) {
        int64_t before = sink.count;
        failed = text_ids(d, chars, bounds, i, &scratch, &sink) < 0;
        lengths[i] = sink.count - before;
    }
    Py_END_ALLOW_THREADS
    if (failed) {
        PyErr_NoMemory();
        goto done;
    }
    result = Py_BuildValue("(y#y#)", (const char *)sink.ids, (Py_ssize_t)(sink.count * 8),
                           (const char *)lengths, (Py_ssize_t)(n * 8));
done:
    free(chars);
    free(bounds);
    free(lengths);
    free(sink.ids);
    scratch_free(&scratch);
    return result;
}

/* ------------------------------------------------------------------------------------------ */
/* A vocabulary's n-grams (zongjie.vocabulary.WordTable): each text's tokens → the columns of its
 * known n-grams and how often each occurs, what TfidfVectorizer counts before weighting. */

static const char *NGRAMS = "zongjie._wordcut.Ngrams";
#define MAX_N 8

typedef struct {
    int64_t *keys; /* open addressing; -1 empty */
    int64_t *columns;
    uint64_t mask;
    int shift;
    KeyFilter present; /* which keys the table holds */
} KeyTable;

typedef struct {
    PyObject *vocabulary; /* the capsule whose ids these n-grams are made of (a reference) */
    int low, high;
    int64_t base;
    int64_t *unigram; /* token id → column, -1: not a feature */
    int64_t n_unigram;
    KeyTable grams[MAX_N + 1]; /* [n] for n >= 2: an n-gram's key → its column */
} Ngrams;

static void ngrams_release(Ngrams *g) {
    Py_XDECREF(g->vocabulary);
    free(g->unigram);
    for (int n = 0; n <= MAX_N; n++) {
        free(g->grams[n].keys);
        free(g->grams[n].columns);
        free(g->grams[n].present.bits);
    }
    free(g);
}

static void ngrams_free(PyObject *capsule) {
    Ngrams *g = PyCapsule_GetPointer(capsule, NGRAMS);
    if (g) ngrams_release(g);
}

static inline int64_t key_column(const KeyTable *t, int64_t key) {
    if (!filter_may_hold(&t->present, (uint64_t)key)) return -1;
    uint64_t slot = mix((uint64_t)key, t->shift);
    for (;;) {
        int64_t seen = t->keys[slot];
        if (seen == key) return t->columns[slot];
        if (seen == -1) return -1;
        slot = (slot + 1) & t->mask;
    }
}

/* build_ngrams(vocabulary, low, high, base, unigram: bytes, keys: list[bytes],
 * columns: list[bytes]) -> capsule. unigram: int64, a token id's column (-1: none); keys[n-2]
 * and columns[n-2], int64: the keys of the n-grams (n >= 2, non-negative: their ids as digits
 * in `base`) and their columns. */
static PyObject *build_ngrams(PyObject *self, PyObject *args) {
    PyObject *capsule, *keys, *columns;
    int low, high;
    long long base;
    Py_buffer unigram;
    if (!PyArg_ParseTuple(args, "OiiLy*O!O!", &capsule, &low, &high, &base, &unigram,
                          &PyList_Type, &keys, &PyList_Type, &columns))
        return NULL;
    PyObject *result = NULL;
    Ngrams *g = NULL;
    if (!PyCapsule_GetPointer(capsule, VOCABULARY)) goto done;
    if (low < 1 || high < low || high > MAX_N || base < 1 ||
        PyList_GET_SIZE(keys) != high - 1 || PyList_GET_SIZE(columns) != high - 1) {
        PyErr_SetString(PyExc_ValueError, "n-gram tables that do not fit the n-gram range");
        goto done;
    }
    g = calloc(1, sizeof(Ngrams));
    if (!g) {
        PyErr_NoMemory();
        goto done;
    }
    g->low = low;
    g->high = high;
    g->base = base;
    g->n_unigram = unigram.len / 8;
    g->unigram = malloc(unigram.len + 8);
    if (!g->unigram) {
        PyErr_NoMemory();
        goto done;
    }
    memcpy(g->unigram, unigram.buf, unigram.len);
    for (int n = 2; n <= high; n++) {
        Py_buffer k, c;
        if (PyObject_GetBuffer(PyList_GET_ITEM(keys, n - 2), &k, PyBUF_SIMPLE) < 0) goto done;
        if (PyObject_GetBuffer(PyList_GET_ITEM(columns, n - 2), &c, PyBUF_SIMPLE) < 0) {
            PyBuffer_Release(&k);
            goto done;
        }
        int64_t count = k.len / 8;
        int bits = 4;
        while (((int64_t)1 << bits) < 2 * (count + 1)) bits++;
        KeyTable *t = &g->grams[n];
        t->mask = ((uint64_t)1 << bits) - 1;
        t->shift = 64 - bits;
        t->keys = malloc(((size_t)1 << bits) * sizeof(int64_t));
        t->columns = malloc(((size_t)1 << bits) * sizeof(int64_t));
        if (!t->keys || !t->columns || filter_init(&t->present, bits + FILTER_EXTRA_BITS) < 0) {
            PyBuffer_Release(&k);
            PyBuffer_Release(&c);
            PyErr_NoMemory();
            goto done;
        }
        int ok = c.len == k.len;
        if (ok) {
            memset(t->keys, 0xFF, ((size_t)1 << bits) * sizeof(int64_t));
            const int64_t *kv = k.buf, *cv = c.buf;
            for (int64_t i = 0; i < count && ok; i++) {
                if (kv[i] < 0) {
                    ok = 0;
                    break;
                }
                uint64_t slot = mix((uint64_t)kv[i], t->shift);
                while (t->keys[slot] != -1 && t->keys[slot] != kv[i]) slot = (slot + 1) & t->mask;
                t->keys[slot] = kv[i];
                t->columns[slot] = cv[i];
                filter_add(&t->present, (uint64_t)kv[i]);
            }
        }
        PyBuffer_Release(&k);
        PyBuffer_Release(&c);
        if (!ok) {
            PyErr_SetString(PyExc_ValueError, "n-gram keys and columns that do not pair up");
            goto done;
        }
    }
    Py_INCREF(capsule);
    g->vocabulary = capsule;
    result = PyCapsule_New(g, NGRAMS, ngrams_free);
    if (result) g = NULL;
done:
    if (g) ngrams_release(g);
    PyBuffer_Release(&unigram);
    return result;
}

/* Sort `keys` (n of them, each below 2^bits) by LSD radix, 11 bits a pass, through `spare`
 * (as long as keys); the sorted keys end in `keys`. */
static void radix_sort(uint64_t *keys, uint64_t *spare, int64_t n, int bits) {
    enum { DIGIT = 11, BUCKETS = 1 << DIGIT };
    int64_t count[BUCKETS];
    uint64_t *from = keys, *to = spare;
    for (int shift = 0; shift < bits; shift += DIGIT) {
        memset(count, 0, BUCKETS * sizeof(int64_t));
        for (int64_t i = 0; i < n; i++) count[(from[i] >> shift) & (BUCKETS - 1)]++;
        int64_t sum = 0;
        for (int b = 0; b < BUCKETS; b++) {
            int64_t c = count[b];
            count[b] = sum;
            sum += c;
        }
        for (int64_t i = 0; i < n; i++) to[count[(from[i] >> shift) & (BUCKETS - 1)]++] = from[i];
        uint64_t *swap = from;
        from = to;
        to = swap;
    }
    if (from != keys) memcpy(keys, from, n * sizeof(uint64_t));
}

typedef struct {
    int64_t *data;
    int64_t count, capacity;
} Buffer;

static int buffer_push(Buffer *b, int64_t value) {
    if (b->count == b->capacity) {
        int64_t capacity = b->capacity * 2 + 256;
        int64_t *data = realloc(b->data, capacity * sizeof(int64_t));
        if (!data) return -1;
        b->data = data;
        b->capacity = capacity;
    }
    b->data[b->count++] = value;
    return 0;
}

/* counts(ngrams, texts: list[str]) -> (rows, columns, counts): int64 bytes, one entry per
 * distinct known n-gram of each text, sorted by row, then column (np.unique's order). Stop
 * tokens go before n-grams form, and an n-gram with a token outside the vocabulary is none, as
 * in TfidfVectorizer. */
static PyObject *counts(PyObject *self, PyObject *args) {
    PyObject *capsule, *texts;
    if (!PyArg_ParseTuple(args, "OO!", &capsule, &PyList_Type, &texts)) return NULL;
    const Ngrams *g = PyCapsule_GetPointer(capsule, NGRAMS);
    if (!g) return NULL;
    const Vocabulary *v = PyCapsule_GetPointer(g->vocabulary, VOCABULARY);
    if (!v) return NULL;
    const Dictionary *d = PyCapsule_GetPointer(v->dictionary, DICTIONARY);
    if (!d) return NULL;
    Py_ssize_t n = PyList_GET_SIZE(texts);
    int64_t *bounds = NULL;
    uint32_t *chars = texts_codepoints(texts, &bounds);
    if (!chars) return NULL;
    IdSink sink = {v, chars, NULL, 0, 0, 0};
    Buffer rows = {0}, cols = {0}, tally = {0}, found = {0}, spare = {0};
    Scratch scratch = {0};
    PyObject *result = NULL;
    int failed = 0;
    Py_BEGIN_ALLOW_THREADS
    for (Py_ssize_t i = 0; i < n && !failed; i++) {
        sink.count = 0;
        if (text_ids(d, chars, bounds, i, &scratch, &sink) < 0) {
            failed = 1;
            break;
        }
        int64_t m = 0; /* stop tokens out, in place */
        for (int64_t k = 0; k < sink.count; k++)
            if (sink.ids[k] != -2) sink.ids[m++] = sink.ids[k];
        for (int size = g->low; size <= g->high && !failed; size++) {
            for (int64_t k = 0; k + size <= m; k++) {
                int64_t column = -1;
                if (size == 1) {
                    int64_t id = sink.ids[k];
                    column = id >= 0 && id < g->n_unigram ? g->unigram[id] : -1;
                } else {
                    int64_t key = 0;
                    int known = 1;
                    for (int j = 0; j < size; j++) {
                        int64_t id = sink.ids[k + j];
                        if (id < 0) {
                            known = 0;
                            break;
                        }
                        key = (int64_t)((uint64_t)key * (uint64_t)g->base + (uint64_t)id);
                    }
                    if (known && key >= 0) column = key_column(&g->grams[size], key);
                }
                /* (text, column) as one key: the whole batch is sorted once, below */
                if (column >= 0 && buffer_push(&found, ((int64_t)i << 32) | column) < 0)
                    failed = 1;
            }
        }
    }
    if (!failed && found.count) {
        int64_t widest = 0;
        for (int64_t k = 0; k < found.count; k++)
            if (found.data[k] > widest) widest = found.data[k];
        int bits = 0;
        while (bits < 64 && (widest >> bits)) bits++;
        spare.data = malloc(found.count * sizeof(int64_t));
        if (!spare.data) failed = 1;
        else radix_sort((uint64_t *)found.data, (uint64_t *)spare.data, found.count, bits);
    }
    for (int64_t k = 0; k < found.count && !failed;) {
        int64_t j = k;
        while (j < found.count && found.data[j] == found.data[k]) j++;
        if (buffer_push(&rows, found.data[k] >> 32) < 0 ||
            buffer_push(&cols, found.data[k] & 0xFFFFFFFF) < 0 || buffer_push(&tally, j - k) < 0)
            failed = 1;
        k = j;
    }
    Py_END_ALLOW_THREADS
    if (failed) {
        PyErr_NoMemory();
        goto done;
    }
    /* y# makes None of a NULL buffer: no entries are an empty one */
    result = Py_BuildValue("(y#y#y#)", rows.data ? (const char *)rows.data : "",
                           (Py_ssize_t)(rows.count * 8),
                           cols.data ? (const char *)cols.data : "", (Py_ssize_t)(cols.count * 8),
                           tally.data ? (const char *)tally.data : "",
                           (Py_ssize_t)(tally.count * 8));
done:
    free(chars);
    free(bounds);
    free(sink.ids);
    free(rows.data);
    free(cols.data);
    free(tally.data);
    free(found.data);
    free(spare.data);
    scratch_free(&scratch);
    return result;
}

/* ------------------------------------------------------------------------------------------ */
/* `zongjie.text.normalize` in one pass, for the texts it is sure of (the caller falls back to
 * the Python definition otherwise). The fold table and the self-reference words come from
 * zongjie.text, which defines what normalizing means; tests/test_text.py holds the two equal. */

static const char *NORMALIZER = "zongjie._wordcut.Normalizer";

typedef struct {
    int32_t *fold;   /* character < 0x10000 → -1 kept, -2 dropped, else an index into `folded` */
    uint32_t *folded; /* replacements, each ended by 0 */
    Py_ssize_t longest; /* the longest replacement's length (at least 1) */
    uint32_t *suffix; /* the words after 我 that name the speaker, each ended by 0, then a 0 */
    PyObject *is_normalized; /* unicodedata.is_normalized */
    PyObject *form;          /* "NFKC" */
} Normalizer;

static void normalizer_release(Normalizer *z) {
    free(z->fold);
    free(z->folded);
    free(z->suffix);
    Py_XDECREF(z->is_normalized);
    Py_XDECREF(z->form);
    free(z);
}

static void normalizer_free(PyObject *capsule) {
    Normalizer *z = PyCapsule_GetPointer(capsule, NORMALIZER);
    if (z) normalizer_release(z);
}

/* build_normalizer(fold: dict[int, str | None], suffixes: list[str], is_normalized) */
static PyObject *build_normalizer(PyObject *self, PyObject *args) {
    PyObject *fold, *suffixes, *is_normalized;
    if (!PyArg_ParseTuple(args, "O!O!O", &PyDict_Type, &fold, &PyList_Type, &suffixes,
                          &is_normalized))
        return NULL;
    Normalizer *z = calloc(1, sizeof(Normalizer));
    if (!z) return PyErr_NoMemory();
    Py_ssize_t pool = 0, position = 0, total = 1;
    PyObject *key, *value;
    z->longest = 1;
    while (PyDict_Next(fold, &position, &key, &value)) {
        Py_ssize_t length = PyUnicode_Check(value) ? PyUnicode_GET_LENGTH(value) : 0;
        pool += length + 1;
        if (length > z->longest) z->longest = length;
    }
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(suffixes); i++)
        total += PyUnicode_GET_LENGTH(PyList_GET_ITEM(suffixes, i)) + 1;
    z->fold = malloc(0x10000 * sizeof(int32_t));
    z->folded = malloc((pool + 1) * sizeof(uint32_t));
    z->suffix = malloc(total * sizeof(uint32_t));
    if (!z->fold || !z->folded || !z->suffix) {
        PyErr_NoMemory();
        goto fail;
    }
    for (int c = 0; c < 0x10000; c++) z->fold[c] = -1;
    Py_ssize_t used = 0;
    position = 0;
    while (PyDict_Next(fold, &position, &key, &value)) {
        long c = PyLong_AsLong(key);
        if (c < 0 || c >= 0x10000 || (value != Py_None && !PyUnicode_Check(value))) {
            if (!PyErr_Occurred()) PyErr_SetString(PyExc_ValueError, "a fold beyond U+FFFF");
            goto fail;
        }
        if (value == Py_None) {
            z->fold[c] = -2;
            continue;
        }
        z->fold[c] = (int32_t)used;
        for (Py_ssize_t k = 0; k < PyUnicode_GET_LENGTH(value); k++)
            z->folded[used++] = PyUnicode_READ_CHAR(value, k);
        z->folded[used++] = 0;
    }
    used = 0;
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(suffixes); i++) {
        PyObject *word = PyList_GET_ITEM(suffixes, i);
        if (!PyUnicode_Check(word) || PyUnicode_GET_LENGTH(word) == 0) {
            PyErr_SetString(PyExc_TypeError, "suffixes must be non-empty str");
            goto fail;
        }
        for (Py_ssize_t k = 0; k < PyUnicode_GET_LENGTH(word); k++)
            z->suffix[used++] = PyUnicode_READ_CHAR(word, k);
        z->suffix[used++] = 0;
    }
    z->suffix[used] = 0;
    z->form = PyUnicode_FromString("NFKC");
    if (!z->form) goto fail;
    Py_INCREF(is_normalized);
    z->is_normalized = is_normalized;
    PyObject *result = PyCapsule_New(z, NORMALIZER, normalizer_free);
    if (result) return result;
fail: /* releasing drops the references taken above */
    normalizer_release(z);
    return NULL;
}

/* The length of the suffix word at text[i, n) (the first listed that matches), 0 if none. */
static Py_ssize_t suffix_at(const Normalizer *z, const uint32_t *text, Py_ssize_t i,
                            Py_ssize_t n) {
    const uint32_t *word = z->suffix;
    while (*word) {
        Py_ssize_t k = 0;
        while (word[k] && i + k < n && text[i + k] == word[k]) k++;
        if (!word[k]) return k;
        while (*word) word++;
        word++;
    }
    return 0;
}

/* normalize(normalizer, text) -> str, or None where the Python definition must decide: text
 * that folding leaves outside NFKC, or that has a character other than ASCII that lower()
 * would change. */
static PyObject *normalize(PyObject *self, PyObject *args) {
    PyObject *capsule, *text;
    if (!PyArg_ParseTuple(args, "OU", &capsule, &text)) return NULL;
    const Normalizer *z = PyCapsule_GetPointer(capsule, NORMALIZER);
    if (!z) return NULL;
    Py_ssize_t n = PyUnicode_GET_LENGTH(text);
    int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    /* folding writes at most `longest` characters for one */
    uint32_t *a = malloc((z->longest * n + 1) * sizeof(uint32_t));
    uint32_t *b = malloc((z->longest * n + 1) * sizeof(uint32_t));
    PyObject *result = NULL;
    if (!a || !b) {
        PyErr_NoMemory();
        goto done;
    }
    /* 1. fold (str.translate of zongjie.text's table) */
    Py_ssize_t m = 0;
    uint32_t widest = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        uint32_t c = PyUnicode_READ(kind, data, i);
        int32_t f = c < 0x10000 ? z->fold[c] : -1;
        if (f == -1) {
            a[m++] = c;
        } else if (f >= 0) {
            for (const uint32_t *r = z->folded + f; *r; r++) a[m++] = *r;
        }
    }
    for (Py_ssize_t i = 0; i < m; i++) {
        if (a[i] > widest) widest = a[i];
        if (a[i] >= 128 && Py_UNICODE_TOLOWER(a[i]) != a[i]) {
            result = Py_NewRef(Py_None);
            goto done;
        }
    }
    /* 2. already NFKC? (nearly always; if not, the Python definition normalizes and folds) */
    if (widest >= 128) {
        PyObject *folded = PyUnicode_FromKindAndData(PyUnicode_4BYTE_KIND, a, m);
        if (!folded) goto done;
        PyObject *stable = PyObject_CallFunctionObjArgs(z->is_normalized, z->form, folded, NULL);
        Py_DECREF(folded);
        if (!stable) goto done;
        int is_stable = PyObject_IsTrue(stable);
        Py_DECREF(stable);
        if (is_stable < 0) goto done;
        if (!is_stable) {
            result = Py_NewRef(Py_None);
            goto done;
        }
    }
    /* 3. lower (ASCII: nothing else changes, checked above), 4. every number → 0 (\d+(?:[.,]\d+)*,
     * \d being any decimal digit) */
    Py_ssize_t k = 0;
    for (Py_ssize_t i = 0; i < m;) {
        uint32_t c = a[i];
        if (Py_UNICODE_ISDECIMAL(c)) {
            while (i < m && Py_UNICODE_ISDECIMAL(a[i])) i++;
            while (i + 1 < m && (a[i] == '.' || a[i] == ',') && Py_UNICODE_ISDECIMAL(a[i + 1])) {
                i++;
                while (i < m && Py_UNICODE_ISDECIMAL(a[i])) i++;
            }
            b[k++] = '0';
            continue;
        }
        b[k++] = (c >= 'A' && c <= 'Z') ? c + 32 : c;
        i++;
    }
    /* 5. a unit speaking of itself (我镇, 我局 … not 自我校正) → 我们 */
    Py_ssize_t out = 0;
    for (Py_ssize_t i = 0; i < k;) {
        if (b[i] == 0x6211 && (i == 0 || b[i - 1] != 0x81EA)) { /* 我, not after 自 */
            Py_ssize_t length = suffix_at(z, b, i + 1, k);
            if (length) {
                a[out++] = 0x6211;
                a[out++] = 0x4EEC; /* 们 */
                i += 1 + length;
                continue;
            }
        }
        a[out++] = b[i++];
    }
    result = PyUnicode_FromKindAndData(PyUnicode_4BYTE_KIND, a, out);
done:
    free(a);
    free(b);
    return result;
}

/* ------------------------------------------------------------------------------------------ */
/* A lexicon's word groups (zongjie.lexicon): how often each group's words occur in a text, as
 * `len(re.findall(alternation of the group's words, text))` counts them: left to right, at
 * each position the first listed word that matches there, then on after it. */

static const char *MATCHER = "zongjie._wordcut.Matcher";

typedef struct {
    int n_groups;
    uint64_t *table; /* (parent << 21 | character) << 21 | child, open addressing */
    uint64_t mask;
    int shift;
    int32_t *priority; /* node × group: the word's place in its group's list, INT32_MAX: none */
    unsigned char first[0x10000 / 8]; /* characters below U+10000 that start some word */
} Matcher;

static void matcher_release(Matcher *m) {
    free(m->table);
    free(m->priority);
    free(m);
}

static void matcher_free(PyObject *capsule) {
    Matcher *m = PyCapsule_GetPointer(capsule, MATCHER);
    if (m) matcher_release(m);
}

static inline int32_t matcher_child(const Matcher *m, uint32_t node, uint32_t c) {
    uint64_t key = ((uint64_t)node << 21) | c;
    uint64_t slot = mix(key, m->shift);
    for (;;) {
        uint64_t seen = m->table[slot];
        if ((seen >> 21) == key) return (int32_t)(seen & 0x1FFFFF);
        if (seen == EMPTY) return -1;
        slot = (slot + 1) & m->mask;
    }
}

/* build_matcher(groups: list[list[str]]) -> capsule: each group's words in the order its
 * alternation lists them. */
static PyObject *build_matcher(PyObject *self, PyObject *args) {
    PyObject *groups;
    if (!PyArg_ParseTuple(args, "O!", &PyList_Type, &groups)) return NULL;
    Py_ssize_t n_groups = PyList_GET_SIZE(groups), n_chars = 0;
    for (Py_ssize_t g = 0; g < n_groups; g++) {
        PyObject *words = PyList_GET_ITEM(groups, g);
        if (!PyList_Check(words)) {
            PyErr_SetString(PyExc_TypeError, "each group must be a list of words");
            return NULL;
        }
        for (Py_ssize_t w = 0; w < PyList_GET_SIZE(words); w++) {
            PyObject *word = PyList_GET_ITEM(words, w);
            if (!PyUnicode_Check(word) || PyUnicode_GET_LENGTH(word) == 0) {
                PyErr_Format(PyExc_ValueError, "word %zd of group %zd is not a non-empty str", w, g);
                return NULL;
            }
            n_chars += PyUnicode_GET_LENGTH(word);
        }
    }
    if (n_chars >= (1 << 21) - 1) { /* a node must fit the entry's 21 bits */
        PyErr_SetString(PyExc_ValueError, "word groups of over 2 million characters");
        return NULL;
    }
    Matcher *m = calloc(1, sizeof(Matcher));
    if (!m) return PyErr_NoMemory();
    m->n_groups = (int)n_groups;
    int bits = 4;
    while (((int64_t)1 << bits) < 2 * (n_chars + 1)) bits++;
    m->mask = ((uint64_t)1 << bits) - 1;
    m->shift = 64 - bits;
    m->table = malloc(((size_t)1 << bits) * sizeof(uint64_t));
    m->priority = malloc((size_t)(n_chars + 1) * (n_groups ? n_groups : 1) * sizeof(int32_t));
    if (!m->table || !m->priority) {
        matcher_release(m);
        return PyErr_NoMemory();
    }
    memset(m->table, 0xFF, ((size_t)1 << bits) * sizeof(uint64_t));
    for (Py_ssize_t k = 0; k < (n_chars + 1) * n_groups; k++) m->priority[k] = INT32_MAX;
    uint32_t nodes = 1; /* 0 is the root */
    for (Py_ssize_t g = 0; g < n_groups; g++) {
        PyObject *words = PyList_GET_ITEM(groups, g);
        for (Py_ssize_t w = 0; w < PyList_GET_SIZE(words); w++) {
            PyObject *word = PyList_GET_ITEM(words, w);
            uint32_t node = 0;
            for (Py_ssize_t k = 0; k < PyUnicode_GET_LENGTH(word); k++) {
                uint32_t c = PyUnicode_READ_CHAR(word, k);
                if (k == 0 && c < 0x10000) m->first[c >> 3] |= (unsigned char)(1 << (c & 7));
                uint64_t key = ((uint64_t)node << 21) | c;
                uint64_t slot = mix(key, m->shift);
                while (m->table[slot] != EMPTY && (m->table[slot] >> 21) != key)
                    slot = (slot + 1) & m->mask;
                if (m->table[slot] == EMPTY) m->table[slot] = (key << 21) | nodes++;
                node = (uint32_t)(m->table[slot] & 0x1FFFFF);
            }
            int32_t *p = &m->priority[(size_t)node * n_groups + g];
            if (*p > (int32_t)w) *p = (int32_t)w; /* a word listed twice: its first place */
        }
    }
    PyObject *result = PyCapsule_New(m, MATCHER, matcher_free);
    if (!result) matcher_release(m);
    return result;
}

/* count_words(matcher, texts: list[str]) -> bytes: int64, texts × groups. */
static PyObject *count_words(PyObject *self, PyObject *args) {
    PyObject *capsule, *texts;
    if (!PyArg_ParseTuple(args, "OO!", &capsule, &PyList_Type, &texts)) return NULL;
    const Matcher *m = PyCapsule_GetPointer(capsule, MATCHER);
    if (!m) return NULL;
    Py_ssize_t n = PyList_GET_SIZE(texts);
    int G = m->n_groups;
    int64_t *out = calloc((size_t)(n * G + 1), sizeof(int64_t));
    int32_t *best = malloc((G + 1) * sizeof(int32_t));
    Py_ssize_t *length = malloc((G + 1) * sizeof(Py_ssize_t));
    Py_ssize_t *resume = malloc((G + 1) * sizeof(Py_ssize_t));
    PyObject *result = NULL;
    if (!out || !best || !length || !resume) {
        PyErr_NoMemory();
        goto done;
    }
    for (Py_ssize_t t = 0; t < n; t++) {
        PyObject *text = PyList_GET_ITEM(texts, t);
        if (!PyUnicode_Check(text)) {
            PyErr_Format(PyExc_TypeError, "text %zd is %s, not str", t, Py_TYPE(text)->tp_name);
            goto done;
        }
        Py_ssize_t size = PyUnicode_GET_LENGTH(text);
        int kind = PyUnicode_KIND(text);
        const void *data = PyUnicode_DATA(text);
        int64_t *counts = out + t * G;
        for (int g = 0; g < G; g++) resume[g] = 0;
        for (Py_ssize_t i = 0; i < size; i++) {
            uint32_t c = PyUnicode_READ(kind, data, i);
            if (c < 0x10000 && !(m->first[c >> 3] & (1 << (c & 7)))) continue;
            for (int g = 0; g < G; g++) {
                best[g] = INT32_MAX;
                length[g] = 0;
            }
            uint32_t node = 0;
            for (Py_ssize_t j = i; j < size; j++) {
                int32_t next = matcher_child(m, node, PyUnicode_READ(kind, data, j));
                if (next < 0) break;
                node = (uint32_t)next;
                const int32_t *p = &m->priority[(size_t)node * G];
                for (int g = 0; g < G; g++) {
                    if (p[g] < best[g]) {
                        best[g] = p[g];
                        length[g] = j - i + 1;
                    }
                }
            }
            for (int g = 0; g < G; g++) {
                if (length[g] && resume[g] <= i) {
                    counts[g]++;
                    resume[g] = i + length[g];
                }
            }
        }
    }
    result = PyBytes_FromStringAndSize((const char *)out, (Py_ssize_t)(n * G * 8));
done:
    free(out);
    free(best);
    free(length);
    free(resume);
    return result;
}

/* first_surrogate(text) -> int: where the first lone surrogate (U+D800..U+DFFF) of `text` is,
 * -1 if none. A str of one-byte characters has none, and the others are scanned in their own
 * width: the check every paragraph passes costs a fraction of a microsecond. */
static PyObject *first_surrogate(PyObject *self, PyObject *text) {
    if (!PyUnicode_Check(text)) {
        PyErr_Format(PyExc_TypeError, "text is %s, not str", Py_TYPE(text)->tp_name);
        return NULL;
    }
    Py_ssize_t n = PyUnicode_GET_LENGTH(text);
    int kind = PyUnicode_KIND(text);
    if (kind == PyUnicode_2BYTE_KIND) {
        const Py_UCS2 *data = PyUnicode_2BYTE_DATA(text);
        for (Py_ssize_t i = 0; i < n; i++)
            if (data[i] >= 0xD800 && data[i] <= 0xDFFF) return PyLong_FromSsize_t(i);
    } else if (kind == PyUnicode_4BYTE_KIND) {
        const Py_UCS4 *data = PyUnicode_4BYTE_DATA(text);
        for (Py_ssize_t i = 0; i < n; i++)
            if (data[i] >= 0xD800 && data[i] <= 0xDFFF) return PyLong_FromSsize_t(i);
    }
    return PyLong_FromLong(-1);
}

static PyMethodDef METHODS[] = {
    {"build_dictionary", build_dictionary, METH_VARARGS, "A dictionary and HMM as a capsule."},
    {"load_dictionary", load_dictionary, METH_VARARGS, "build_dictionary from a stored trie."},
    {"dictionary_table", dictionary_table, METH_O, "A dictionary's trie, for load_dictionary."},
    {"build_vocabulary", build_vocabulary, METH_VARARGS, "Token ids over a dictionary."},
    {"cut", cut, METH_VARARGS, "cut(dictionary, text) -> the words of text."},
    {"ids", ids, METH_VARARGS, "ids(vocabulary, texts) -> (ids, lengths) as int64 bytes."},
    {"build_ngrams", build_ngrams, METH_VARARGS, "A vocabulary's n-gram columns as a capsule."},
    {"counts", counts, METH_VARARGS, "counts(ngrams, texts) -> (rows, columns, counts)."},
    {"build_matcher", build_matcher, METH_VARARGS, "Lexicon word groups as a capsule."},
    {"count_words", count_words, METH_VARARGS, "count_words(matcher, texts) -> int64 counts."},
    {"first_surrogate", first_surrogate, METH_O, "first_surrogate(text) -> index or -1."},
    {"build_normalizer", build_normalizer, METH_VARARGS, "zongjie.text's tables as a capsule."},
    {"normalize", normalize, METH_VARARGS, "normalize(normalizer, text) -> str, or None."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef MODULE = {
    PyModuleDef_HEAD_INIT, "_wordcut", "The hot loops of prediction in C (see zongjie.wordcut).", -1,
    METHODS,
};

PyMODINIT_FUNC PyInit__wordcut(void) { return PyModule_Create(&MODULE); }
