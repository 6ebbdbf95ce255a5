/* The hot loop of HammingIndex._probe_tables: read the buckets a query plan names, verify
 * every candidate row by XOR and popcount, keep the live rows within the radius.
 *
 * hashing/index.py holds the same computation in numpy (the fallback, and the reference the
 * tests compare this with). Done here in one pass it needs no temporaries of candidate size,
 * and two stages (gather candidate rows, then verify them) let the memory system fetch many
 * random rows at once: a query at 10M codes touches a few thousand buckets and ~10k rows, each
 * a likely cache miss.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <stdlib.h>

/* How far ahead the loops ask for memory they will read: far enough to cover a miss's latency,
 * near enough that the lines are still in cache when read. */
#ifndef AHEAD
#define AHEAD 16
#endif

/* popcnt where the CPU has it (decided once at load time), a portable count elsewhere. */
__attribute__((target_clones("popcnt", "default")))
static uint32_t distance(const uint64_t *a, const uint64_t *b, Py_ssize_t words)
{
    uint32_t total = 0;
    for (Py_ssize_t w = 0; w < words; w++)
        total += (uint32_t)__builtin_popcountll(a[w] ^ b[w]);
    return total;
}

static inline int64_t load(const char *base, Py_ssize_t itemsize, Py_ssize_t at)
{
    if (itemsize == 4)
        return (int64_t)((const uint32_t *)base)[at];
    return ((const int64_t *)base)[at];
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

/* probe(offsets, perm, position_size, codes, words, dead, probes, probes_per_query, queries,
 *       radius, out_query, out_row, out_dist) -> number of hits
 *
 * offsets, perm: the CSR tables, both of element size position_size (4: uint32, 8: int64);
 * codes: rows of `words` uint64; dead: one byte per row (empty: no row is dead); probes: int64
 * entries of offsets (bucket b spans offsets[b] .. offsets[b + 1]), probes_per_query of them per
 * query, queries in order; queries: `words` uint64 per query. Hits are written to the int64
 * out_* arrays up to their length; the count returned may exceed it, and then the caller calls
 * again with room for all. -1 when a query's buckets hold more than `limit` rows: a scan of
 * the bank is then cheaper, and the caller does it.
 */
static PyObject *probe(PyObject *self, PyObject *args)
{
    Py_buffer offsets, perm, codes, dead, probes, queries, out_query, out_row, out_dist;
    Py_ssize_t position_size, words, per_query, limit;
    int radius;
    if (!PyArg_ParseTuple(args, "y*y*ny*ny*y*ny*inw*w*w*", &offsets, &perm, &position_size,
                          &codes, &words, &dead, &probes, &per_query, &queries, &radius, &limit,
                          &out_query, &out_row, &out_dist))
        return NULL;
    PyObject *result = NULL;
    uint32_t *rows = NULL;
    if ((position_size != 4 && position_size != 8) || words <= 0 || per_query <= 0) {
        PyErr_SetString(PyExc_ValueError, "bad position size, word count or probe count");
        goto done;
    }
    if (check(&offsets, position_size, "offsets") || check(&perm, position_size, "perm") ||
        check(&codes, 8 * words, "codes") || check(&probes, 8, "probes") ||
        check(&queries, 8 * words, "queries") || check(&out_query, 8, "out_query") ||
        check(&out_row, 8, "out_row") || check(&out_dist, 8, "out_dist"))
        goto done;
    const char *offs = offsets.buf, *prm = perm.buf;
    const uint64_t *code = codes.buf, *query = queries.buf;
    const uint8_t *is_dead = dead.len ? dead.buf : NULL;
    const int64_t *probe_at = probes.buf;
    int64_t *hit_query = out_query.buf, *hit_row = out_row.buf, *hit_dist = out_dist.buf;
    Py_ssize_t n_offsets = offsets.len / position_size, n_perm = perm.len / position_size;
    Py_ssize_t n_codes = codes.len / (8 * words), n_probes = probes.len / 8;
    Py_ssize_t n_queries = queries.len / (8 * words), room = out_row.len / 8;
    if (out_query.len / 8 < room || out_dist.len / 8 < room) {
        PyErr_SetString(PyExc_ValueError, "out_query, out_row and out_dist differ in length");
        goto done;
    }
    if (is_dead && dead.len < n_codes) {
        PyErr_SetString(PyExc_ValueError, "dead is shorter than codes");
        goto done;
    }
    if (n_probes != per_query * n_queries) {
        PyErr_SetString(PyExc_ValueError, "probes do not match queries");
        goto done;
    }
    Py_ssize_t found = 0, capacity = 0, count = 0;
    int failed = 0;
    int64_t *spans = malloc(2 * per_query * sizeof(int64_t));
    if (!spans) {
        PyErr_NoMemory();
        goto done;
    }
    Py_BEGIN_ALLOW_THREADS
    for (Py_ssize_t q = 0; q < n_queries && !failed; q++) {
        const int64_t *plan = probe_at + q * per_query;
        const uint64_t *target = query + q * words;
        /* Stage 1: every bucket's bounds. The probes are independent reads of random table
         * entries, so many can be in flight at once. */
        count = 0;
        for (Py_ssize_t p = 0; p < per_query; p++) {
            if (p + AHEAD < per_query && plan[p + AHEAD] >= 0 && plan[p + AHEAD] < n_offsets)
                __builtin_prefetch(offs + plan[p + AHEAD] * position_size);
            int64_t bucket = plan[p];
            if (bucket < 0 || bucket + 1 >= n_offsets) {
                failed = 1;
                break;
            }
            int64_t start = load(offs, position_size, bucket);
            int64_t end = load(offs, position_size, bucket + 1);
            if (start < 0 || end > n_perm || start > end) {
                failed = 1;
                break;
            }
            spans[2 * p] = start;
            spans[2 * p + 1] = end;
            count += end - start;
        }
        if (failed)
            break;
        if (count > limit) {
            failed = 3;
            break;
        }
        if (count > capacity) {
            uint32_t *more = realloc(rows, (2 * count + 1024) * sizeof(uint32_t));
            if (!more) {
                failed = 2;
                break;
            }
            rows = more;
            capacity = 2 * count + 1024;
        }
        /* Stage 2: the rows in those buckets, fetching buckets ahead. */
        count = 0;
        for (Py_ssize_t p = 0; p < per_query && !failed; p++) {
            if (p + AHEAD < per_query)
                __builtin_prefetch(prm + spans[2 * (p + AHEAD)] * position_size);
            for (int64_t i = spans[2 * p]; i < spans[2 * p + 1]; i++) {
                int64_t row = load(prm, position_size, i);
                if (row < 0 || row >= n_codes || row > UINT32_MAX) {
                    failed = 1;
                    break;
                }
                rows[count++] = (uint32_t)row;
            }
        }
        if (failed)
            break;
        /* Stage 3: verify them, fetching rows ahead of the comparison. */
        for (Py_ssize_t i = 0; i < count; i++) {
            if (i + AHEAD < count)
                __builtin_prefetch(code + (Py_ssize_t)rows[i + AHEAD] * words);
            uint32_t row = rows[i];
            uint32_t d = distance(code + (Py_ssize_t)row * words, target, words);
            if (d <= (uint32_t)radius && !(is_dead && is_dead[row])) {
                if (found < room) {
                    hit_query[found] = q;
                    hit_row[found] = row;
                    hit_dist[found] = d;
                }
                found++;
            }
        }
    }
    Py_END_ALLOW_THREADS
    if (failed == 3)
        result = PyLong_FromLong(-1);
    else if (failed == 2)
        PyErr_NoMemory();
    else if (failed)
        PyErr_SetString(PyExc_IndexError, "a probe or table entry is out of range");
    else
        result = PyLong_FromSsize_t(found);
    free(spans);
done:
    free(rows);
    PyBuffer_Release(&offsets);
    PyBuffer_Release(&perm);
    PyBuffer_Release(&codes);
    PyBuffer_Release(&dead);
    PyBuffer_Release(&probes);
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

PyMODINIT_FUNC PyInit__probe(void) { return PyModule_Create(&module); }
