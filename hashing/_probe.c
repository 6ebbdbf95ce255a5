/* The hot loop of HammingIndex._probe_tables: cut each query into its chunk values, read the
 * buckets its probe plan names, verify every candidate row by XOR and popcount, keep the live
 * rows within the radius.
 *
 * hashing/index.py holds the same computation in numpy (the fallback, and the reference the
 * tests compare this with). A query at 10M PDQ codes reads ~2,100 random table entries, ~1,900
 * random bucket starts and ~5,600 random code rows, each a likely cache miss (and a TLB miss
 * over 4 kB pages, as in /dev/shm): the time is how many of them are in flight at once. So every
 * read is asked for well before it is needed (benchmarks/README.md section 6 has the distances
 * measured), both ends of anything that may straddle two cache lines are asked for, and the
 * code is compiled once per instruction set and picked at load time, so that the popcount and
 * the loops are inlined instead of called through a dispatcher per candidate.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <stdlib.h>

/* How far ahead each stage asks for memory, in table entries (offsets), buckets (perm) and
 * candidate rows (codes): far enough that a miss's latency is covered, near enough that the
 * lines are still in cache when read. Measured at 10M PDQ: 16 (the first version) left a third
 * of the time on the table; 32-96 were within noise of each other. */
#define OFFSETS_AHEAD 48
#define PERM_AHEAD 48
#define CODES_AHEAD 96
/* A bucket of at most this many entries is copied with fixed-size moves, not a loop whose trip
 * count the branch predictor cannot know. */
#define SMALL_BUCKET 4

typedef struct {
    const char *offsets, *perm;
    Py_ssize_t offset_size, perm_size, n_offsets, n_perm;
    const uint64_t *codes;
    Py_ssize_t words, n_codes;
    const uint8_t *dead;
    const int64_t *chunk_of_probe, *masks;
    Py_ssize_t per_query;
    const int64_t *shifts, *widths;
    Py_ssize_t chunks;
    const uint64_t *queries;
    Py_ssize_t n_queries;
    uint32_t radius;
    Py_ssize_t limit;
    int64_t *hit_query, *hit_row, *hit_dist;
    Py_ssize_t room;
} Plan;

enum { DONE = 0, OUT_OF_RANGE = 1, NO_MEMORY = 2, TOO_MANY = 3 };

static inline int64_t load(const char *base, Py_ssize_t itemsize, Py_ssize_t at)
{
    if (itemsize == 4)
        return (int64_t)((const uint32_t *)base)[at];
    return ((const int64_t *)base)[at];
}

/* Bits [shift, shift + width) of a code read as one big-endian number (word 0 most
 * significant), as _chunk_values cuts them. */
static inline int64_t chunk_value(const uint64_t *code, Py_ssize_t words, int64_t shift,
                                  int64_t width)
{
    Py_ssize_t word = (words * 64 - 1 - shift) / 64;
    int low = (int)(shift % 64);
    uint64_t value = code[word] >> low;
    if (low + width > 64)
        value |= code[word - 1] << (64 - low);
    return (int64_t)(value & ((UINT64_C(1) << width) - 1));
}

static inline uint32_t distance(const uint64_t *a, const uint64_t *b, Py_ssize_t words)
{
    if (words == 4)
        return (uint32_t)(__builtin_popcountll(a[0] ^ b[0]) + __builtin_popcountll(a[1] ^ b[1]) +
                          __builtin_popcountll(a[2] ^ b[2]) + __builtin_popcountll(a[3] ^ b[3]));
    uint32_t total = 0;
    for (Py_ssize_t w = 0; w < words; w++)
        total += (uint32_t)__builtin_popcountll(a[w] ^ b[w]);
    return total;
}

/* A row is checked before it is read, not before it is fetched: a prefetch never faults, and
 * unsigned arithmetic keeps a bad row's address defined. (GCC 12 dropped the prefetches of a
 * version that returned early on a bad row.) */
static inline void fetch_row(const uint64_t *codes, Py_ssize_t words, int64_t row)
{
    uintptr_t size = (uintptr_t)words * 8;
    uintptr_t at = (uintptr_t)codes + (uintptr_t)row * size;
    __builtin_prefetch((const void *)at);
    __builtin_prefetch((const void *)(at + size - 1));
}

/* Runs the plan (without the GIL); *found counts the hits (written while there is room). The
 * plan's fields are copied to locals: the stores to rows and hits could alias them otherwise,
 * and the compiler would reload each one on every iteration. */
static inline __attribute__((always_inline)) int run_sized(const Plan *plan, Py_ssize_t *found,
                                                           Py_ssize_t offset_size,
                                                           Py_ssize_t perm_size)
{
    const char *const offsets = plan->offsets, *const perm = plan->perm;
    const Py_ssize_t n_offsets = plan->n_offsets, n_perm = plan->n_perm;
    const uint64_t *const codes = plan->codes;
    const Py_ssize_t words = plan->words, n_codes = plan->n_codes;
    const uint8_t *const dead = plan->dead;
    const int64_t *const chunk_of_probe = plan->chunk_of_probe, *const masks = plan->masks;
    const Py_ssize_t per_query = plan->per_query, chunks = plan->chunks, limit = plan->limit;
    const uint32_t radius = plan->radius;
    Py_ssize_t hits = 0;
    int64_t *keys = malloc(chunks * sizeof(int64_t));
    int64_t *buckets = malloc(per_query * sizeof(int64_t));
    int64_t *spans = malloc(2 * per_query * sizeof(int64_t));
    Py_ssize_t capacity = 4096;
    int64_t *rows = malloc(capacity * sizeof(int64_t));
    int status = DONE;
    if (!keys || !buckets || !spans || !rows) {
        status = NO_MEMORY;
        goto done;
    }
    for (Py_ssize_t q = 0; q < plan->n_queries && status == DONE; q++) {
        const uint64_t *target = plan->queries + q * words;
        for (Py_ssize_t c = 0; c < chunks; c++)
            keys[c] = chunk_value(target, words, plan->shifts[c], plan->widths[c]);
        for (Py_ssize_t p = 0; p < per_query; p++) {
            int64_t bucket = keys[chunk_of_probe[p]] ^ masks[p];
            if (bucket < 0 || bucket + 1 >= n_offsets) {
                status = OUT_OF_RANGE;
                break;
            }
            buckets[p] = bucket;
        }
        if (status != DONE)
            break;
        /* Stages 1 and 2 in one pass: bucket p's bounds are read PERM_AHEAD buckets before its
         * rows, and its table entries asked for OFFSETS_AHEAD before that. */
        Py_ssize_t count = 0, total = 0;
        for (Py_ssize_t p = 0; p < OFFSETS_AHEAD && p < per_query; p++)
            __builtin_prefetch(offsets + buckets[p] * offset_size);
        for (Py_ssize_t p = 0; p < per_query + PERM_AHEAD; p++) {
            Py_ssize_t ahead = p + OFFSETS_AHEAD;
            if (ahead < per_query) {
                /* The bucket's end is the next entry, in the next cache line one time in 16. */
                const char *entry = offsets + buckets[ahead] * offset_size;
                __builtin_prefetch(entry);
                __builtin_prefetch(entry + offset_size);
            }
            if (p < per_query) {
                int64_t start = load(offsets, offset_size, buckets[p]);
                int64_t end = load(offsets, offset_size, buckets[p] + 1);
                if (start < 0 || end > n_perm || start > end) {
                    status = OUT_OF_RANGE;
                    break;
                }
                spans[2 * p] = start;
                spans[2 * p + 1] = end;
                total += end - start;
                if (total > limit) {
                    status = TOO_MANY;
                    break;
                }
                if (end > start) {
                    __builtin_prefetch(perm + start * perm_size);
                    __builtin_prefetch(perm + (end - 1) * perm_size);
                }
            }
            Py_ssize_t behind = p - PERM_AHEAD;
            if (behind < 0)
                continue;
            int64_t start = spans[2 * behind], end = spans[2 * behind + 1];
            if (count + (end - start) + SMALL_BUCKET > capacity) {
                Py_ssize_t grown = 2 * (count + (end - start) + SMALL_BUCKET);
                int64_t *more = realloc(rows, grown * sizeof(int64_t));
                if (!more) {
                    status = NO_MEMORY;
                    break;
                }
                rows = more;
                capacity = grown;
            }
            if (end - start <= SMALL_BUCKET && start + SMALL_BUCKET <= n_perm) {
                for (int i = 0; i < SMALL_BUCKET; i++)
                    rows[count + i] = load(perm, perm_size, start + i);
            } else {
                for (int64_t i = start; i < end; i++)
                    rows[count + (i - start)] = load(perm, perm_size, i);
            }
            count += end - start;
        }
        if (status != DONE)
            break;
        /* Stage 3: verify the candidates, asking for rows CODES_AHEAD ahead. */
        for (Py_ssize_t i = 0; i < CODES_AHEAD && i < count; i++)
            fetch_row(codes, words, rows[i]);
        for (Py_ssize_t i = 0; i < count; i++) {
            if (i + CODES_AHEAD < count)
                fetch_row(codes, words, rows[i + CODES_AHEAD]);
            int64_t row = rows[i];
            if ((uint64_t)row >= (uint64_t)n_codes) {
                status = OUT_OF_RANGE;
                break;
            }
            uint32_t d = distance(codes + row * words, target, words);
            if (d <= radius && !(dead && dead[row])) {
                if (hits < plan->room) {
                    plan->hit_query[hits] = q;
                    plan->hit_row[hits] = row;
                    plan->hit_dist[hits] = d;
                }
                hits++;
            }
        }
    }
done:
    *found = hits;
    free(keys);
    free(buckets);
    free(spans);
    free(rows);
    return status;
}

/* x86-64 without popcnt (before 2008) counts bits in software: compile the loop for both and
 * let the loader pick once. Other architectures' compilers use their own popcount. */
#if defined(__x86_64__) || defined(__i386__)
#define FOR_EACH_CPU __attribute__((target_clones("popcnt", "default")))
#else
#define FOR_EACH_CPU
#endif

/* Compiled once per instruction set, and once more for uint32 tables (every bank of under
 * 2**32 / chunks rows) so that their reads are not a size test each. */
FOR_EACH_CPU
static int run(const Plan *plan, Py_ssize_t *found)
{
    if (plan->offset_size == 4 && plan->perm_size == 4)
        return run_sized(plan, found, 4, 4);
    return run_sized(plan, found, plan->offset_size, plan->perm_size);
}

static int check(Py_buffer *view, Py_ssize_t itemsize, const char *name)
{
    if (view->len % itemsize) {
        PyErr_Format(PyExc_ValueError, "%s: length %zd is not a multiple of %zd", name, view->len,
                     itemsize);
        return -1;
    }
    return 0;
}

/* probe(offsets, offset_size, perm, perm_size, codes, words, dead, chunk_of_probe, masks,
 *       shifts, widths, queries, radius, limit, out_query, out_row, out_dist) -> number of hits
 *
 * offsets, perm: the CSR tables, of element size offset_size and perm_size (4: uint32,
 * 8: int64); codes: rows of `words` uint64; dead: one byte per row (empty: no row is dead);
 * shifts, widths: int64 (shift, width) of each chunk; chunk_of_probe, masks: int64, the probe
 * plan shared by all queries (bucket = chunk value ^ mask); queries: `words` uint64 per query.
 * Hits are written to the int64 out_* arrays up to their length; the count returned may exceed
 * it, and then the caller calls again with room for all. -1 when a query's buckets hold more
 * than `limit` rows: a scan of the bank is then cheaper, and the caller does it.
 */
static PyObject *probe(PyObject *self, PyObject *args)
{
    Py_buffer offsets, perm, codes, dead, chunk_of_probe, masks, shifts, widths, queries;
    Py_buffer out_query, out_row, out_dist;
    Py_ssize_t offset_size, perm_size, words, limit;
    int radius;
    if (!PyArg_ParseTuple(args, "y*ny*ny*ny*y*y*y*y*y*inw*w*w*", &offsets, &offset_size, &perm,
                          &perm_size, &codes, &words, &dead, &chunk_of_probe, &masks, &shifts,
                          &widths, &queries, &radius, &limit, &out_query, &out_row, &out_dist))
        return NULL;
    PyObject *result = NULL;
    Plan plan;
    if ((offset_size != 4 && offset_size != 8) || (perm_size != 4 && perm_size != 8) ||
        words <= 0 || radius < 0) {
        PyErr_SetString(PyExc_ValueError, "bad position size, word count or radius");
        goto done;
    }
    if (check(&offsets, offset_size, "offsets") || check(&perm, perm_size, "perm") ||
        check(&codes, 8 * words, "codes") || check(&chunk_of_probe, 8, "chunk_of_probe") ||
        check(&masks, 8, "masks") || check(&shifts, 8, "shifts") || check(&widths, 8, "widths") ||
        check(&queries, 8 * words, "queries") || check(&out_query, 8, "out_query") ||
        check(&out_row, 8, "out_row") || check(&out_dist, 8, "out_dist"))
        goto done;
    plan.offsets = offsets.buf;
    plan.perm = perm.buf;
    plan.offset_size = offset_size;
    plan.perm_size = perm_size;
    plan.n_offsets = offsets.len / offset_size;
    plan.n_perm = perm.len / perm_size;
    plan.codes = codes.buf;
    plan.words = words;
    plan.n_codes = codes.len / (8 * words);
    plan.dead = dead.len ? dead.buf : NULL;
    plan.chunk_of_probe = chunk_of_probe.buf;
    plan.masks = masks.buf;
    plan.per_query = chunk_of_probe.len / 8;
    plan.shifts = shifts.buf;
    plan.widths = widths.buf;
    plan.chunks = shifts.len / 8;
    plan.queries = queries.buf;
    plan.n_queries = queries.len / (8 * words);
    plan.radius = (uint32_t)radius;
    plan.limit = limit;
    plan.hit_query = out_query.buf;
    plan.hit_row = out_row.buf;
    plan.hit_dist = out_dist.buf;
    plan.room = out_row.len / 8;
    if (out_query.len / 8 < plan.room || out_dist.len / 8 < plan.room) {
        PyErr_SetString(PyExc_ValueError, "out_query, out_row and out_dist differ in length");
        goto done;
    }
    if (plan.dead && dead.len < plan.n_codes) {
        PyErr_SetString(PyExc_ValueError, "dead is shorter than codes");
        goto done;
    }
    if (plan.per_query <= 0 || masks.len != chunk_of_probe.len || plan.chunks <= 0 ||
        widths.len != shifts.len) {
        PyErr_SetString(PyExc_ValueError, "the probe plan or the chunk layout is malformed");
        goto done;
    }
    for (Py_ssize_t c = 0; c < plan.chunks; c++) {
        if (plan.widths[c] <= 0 || plan.widths[c] >= 64 || plan.shifts[c] < 0 ||
            plan.shifts[c] + plan.widths[c] > 64 * words) {
            PyErr_SetString(PyExc_ValueError, "a chunk lies outside the code");
            goto done;
        }
    }
    for (Py_ssize_t p = 0; p < plan.per_query; p++) {
        if (plan.chunk_of_probe[p] < 0 || plan.chunk_of_probe[p] >= plan.chunks) {
            PyErr_SetString(PyExc_ValueError, "a probe names a chunk that does not exist");
            goto done;
        }
    }
    Py_ssize_t found = 0;
    int status;
    Py_BEGIN_ALLOW_THREADS
    status = run(&plan, &found);
    Py_END_ALLOW_THREADS
    if (status == TOO_MANY)
        result = PyLong_FromLong(-1);
    else if (status == NO_MEMORY)
        PyErr_NoMemory();
    else if (status == OUT_OF_RANGE)
        PyErr_SetString(PyExc_IndexError, "a probe or table entry is out of range");
    else
        result = PyLong_FromSsize_t(found);
done:
    PyBuffer_Release(&offsets);
    PyBuffer_Release(&perm);
    PyBuffer_Release(&codes);
    PyBuffer_Release(&dead);
    PyBuffer_Release(&chunk_of_probe);
    PyBuffer_Release(&masks);
    PyBuffer_Release(&shifts);
    PyBuffer_Release(&widths);
    PyBuffer_Release(&queries);
    PyBuffer_Release(&out_query);
    PyBuffer_Release(&out_row);
    PyBuffer_Release(&out_dist);
    return result;
}

static PyMethodDef methods[] = {
    {"probe", probe, METH_VARARGS, "Verified hits of a probe plan (see hashing/_probe.c)."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "hashing._probe", "HammingIndex's compiled probe loop.", -1, methods,
};

/* The calling convention's version: hashing/index.py ignores a build whose VERSION differs (an
 * editable install not rebuilt since probe() changed) and uses its numpy loop instead. */
#define VERSION 2

PyMODINIT_FUNC PyInit__probe(void)
{
    PyObject *created = PyModule_Create(&module);
    if (created && PyModule_AddIntConstant(created, "VERSION", VERSION) < 0) {
        Py_DECREF(created);
        return NULL;
    }
    return created;
}
