/*
** value.c: runtime values: memory, strings, lists, maps, function
** references, equality, ordering, operators, member access and indexing.
**
** The ownership rule and the taint, truthiness and number rules are stated
** once, at the top of value.h.  Text (formatting, parsing, params) lives in
** value_text.c, JSON in value_json.c.
*/
#include "vm/value.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vm/value_int.h"

/* {==== heap objects ==== */

/* Common header of every heap payload. */
struct val_hdr {
  size_t refs;                  /* references held; freed at 0 */
  struct val_hdr *next_free;    /* link in val_release's pending list */
  uint8_t type;                 /* enum val_type of the payload */
};

struct val_str {
  struct val_hdr h;
  size_t len;                   /* bytes, excluding the trailing NUL */
  char data[];                  /* len bytes + NUL */
};

struct val_list {
  struct val_hdr h;
  size_t len;                   /* items in use */
  size_t cap;                   /* items allocated */
  struct rbc_value *items;      /* owned references */
};

/* One map entry; key == NULL marks a deleted entry (kept to keep order). */
struct map_entry {
  struct val_str *key;          /* owned reference, or NULL when deleted */
  uint64_t hash;                /* hash of key */
  struct rbc_value value;       /* owned reference */
};

/*
** An insertion-ordered hash map: entries[] in insertion order, and an
** open-addressing index (linear probing) of entry numbers + 1.
*/
struct val_map {
  struct val_hdr h;
  size_t count;                 /* live entries */
  size_t used;                  /* entries[] slots used, deleted ones included */
  size_t cap;                   /* entries[] allocated */
  struct map_entry *entries;    /* insertion order */
  uint32_t *slots;              /* index: 0 empty, SLOT_TOMB deleted, else entry + 1 */
  size_t nslots;                /* power of two, or 0 before the first insert */
  size_t ntombs;                /* SLOT_TOMB slots in the index */
};

struct val_fn {
  struct val_hdr h;
  uint32_t fn_index;            /* compiled function number */
  void *env;                    /* closure environment, opaque; may be NULL */
  void (*env_release)(void *env); /* called on env when freed; may be NULL */
};

/* value.h promises a 16-byte value passed by value. */
_Static_assert(sizeof(struct rbc_value) <= 16, "struct rbc_value grew past 16 bytes");

#define SLOT_TOMB UINT32_MAX
#define MAP_MAX_ENTRIES ((size_t)UINT32_MAX - 2)

/* }==== */

/* {==== allocation funnel and errors ==== */

static long fail_countdown;     /* > 0: allocations left before failing */
static int failing;             /* failures injected by val_mem_fail_after */

/* Should this allocation fail (test hook)? */
static int inject_failure(void)
{
  if (failing)
    return 1;
  if (fail_countdown > 0 && --fail_countdown == 0) {
    failing = 1;
    return 1;
  }
  return 0;
}

/*
** The funnel (value_int.h).  A zero size asks for one byte, so NULL always
** means failure, never "nothing to allocate".
*/
void *val_mem_alloc(size_t size)
{
  if (inject_failure())
    return NULL;
  return malloc(size ? size : 1);
}

/* realloc through the funnel; on NULL the old block is still valid. */
void *val_mem_realloc(void *p, size_t size)
{
  if (inject_failure())
    return NULL;
  return realloc(p, size ? size : 1);
}

/* free through the funnel (NULL is a no-op). */
void val_mem_free(void *p)
{
  free(p);
}

/* Test hook: see value_int.h.  Resets a failure already in progress. */
void val_mem_fail_after(long n)
{
  fail_countdown = n;
  failing = 0;
}

/* Record a printf-formatted message in err (may be NULL); returns st. */
enum val_status val_fail(struct val_err *err, enum val_status st, const char *fmt, ...)
{
  va_list ap;

  if (err) {
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
  }
  return st;
}

/* The one message for allocation failures. */
static enum val_status oom(struct val_err *err)
{
  return val_fail(err, VAL_ERR_OOM, "out of memory");
}

/* }==== */

/* {==== reference counting ==== */

/* Header of v's heap payload, NULL for scalars. */
static struct val_hdr *hdr_of(struct rbc_value v)
{
  switch (v.type) {
  case VAL_STRING: return &v.as.s->h;
  case VAL_LIST:   return &v.as.l->h;
  case VAL_MAP:    return &v.as.m->h;
  case VAL_FN:     return &v.as.fn->h;
  default:         return NULL;
  }
}

/* A fresh header: one reference, owned by whoever asked for the object. */
static void hdr_init(struct val_hdr *h, enum val_type type)
{
  h->refs = 1;
  h->next_free = NULL;
  h->type = (uint8_t)type;
}

/* One more owner for v's payload; scalars have none to count. */
struct rbc_value val_retain(struct rbc_value v)
{
  struct val_hdr *h = hdr_of(v);

  if (h)
    h->refs++;
  return v;
}

/* For tests and for make_unique: how many owners share v's payload. */
size_t val_refcount(struct rbc_value v)
{
  struct val_hdr *h = hdr_of(v);

  return h ? h->refs : 1;
}

/* Drop one reference to h; when it was the last, queue h on *pending. */
static void drop(struct val_hdr *h, struct val_hdr **pending)
{
  if (h && --h->refs == 0) {
    h->next_free = *pending;
    *pending = h;
  }
}

/* Free one object whose count reached 0, queueing its children. */
static void free_obj(struct val_hdr *h, struct val_hdr **pending)
{
  size_t i;

  if (h->type == VAL_LIST) {
    struct val_list *l = (struct val_list *)h;
    for (i = 0; i < l->len; i++)
      drop(hdr_of(l->items[i]), pending);
    val_mem_free(l->items);
  } else if (h->type == VAL_MAP) {
    struct val_map *m = (struct val_map *)h;
    for (i = 0; i < m->used; i++) {
      if (m->entries[i].key) {
        drop(&m->entries[i].key->h, pending);
        drop(hdr_of(m->entries[i].value), pending);
      }
    }
    val_mem_free(m->entries);
    val_mem_free(m->slots);
  } else if (h->type == VAL_FN) {
    struct val_fn *fn = (struct val_fn *)h;
    if (fn->env_release)
      fn->env_release(fn->env);
  }
  val_mem_free(h);
}

/*
** Release without recursion: objects whose count reaches zero go on a
** pending list threaded through their headers, so a list nested a million
** deep is freed in constant C stack.
*/
void val_release(struct rbc_value v)
{
  struct val_hdr *pending = NULL;

  drop(hdr_of(v), &pending);
  while (pending) {
    struct val_hdr *h = pending;
    pending = h->next_free;
    free_obj(h, &pending);
  }
}

/* }==== */

/* {==== strings ==== */

/* A new string object of len bytes (contents uninitialised, NUL set). */
static struct val_str *str_alloc(size_t len)
{
  struct val_str *s;

  if (len > SIZE_MAX - sizeof *s - 1)
    return NULL;
  s = val_mem_alloc(sizeof *s + len + 1);
  if (!s)
    return NULL;
  hdr_init(&s->h, VAL_STRING);
  s->len = len;
  s->data[len] = '\0';
  return s;
}

/* Wrap a string object (the reference passes to the value). */
static struct rbc_value str_value(struct val_str *s)
{
  struct rbc_value v = { VAL_STRING, false, { .s = s } };
  return v;
}

/* A new string value owning a copy of the bytes (value.h). */
enum val_status val_string_new(const char *bytes, size_t len, struct rbc_value *out,
                               struct val_err *err)
{
  struct val_str *s = str_alloc(len);

  *out = val_null();
  if (!s)
    return oom(err);
  if (len)
    memcpy(s->data, bytes, len);
  *out = str_value(s);
  return VAL_OK;
}

/* val_string_new of strlen(s) bytes. */
enum val_status val_string_cstr(const char *s, struct rbc_value *out, struct val_err *err)
{
  return val_string_new(s, strlen(s), out, err);
}

/* Borrowed bytes of a string value (NUL-terminated), NULL otherwise. */
const char *val_str_data(struct rbc_value v)
{
  return v.type == VAL_STRING ? v.as.s->data : NULL;
}

/* Byte count of a string value, 0 otherwise. */
size_t val_str_len(struct rbc_value v)
{
  return v.type == VAL_STRING ? v.as.s->len : 0;
}

/* FNV-1a, 64 bits. */
static uint64_t hash_bytes(const char *p, size_t n)
{
  uint64_t h = UINT64_C(14695981039346656037);
  size_t i;

  for (i = 0; i < n; i++) {
    h ^= (unsigned char)p[i];
    h *= UINT64_C(1099511628211);
  }
  return h;
}

/* Concatenate two strings into *out. */
static enum val_status str_concat(struct val_str *a, struct val_str *b, struct rbc_value *out,
                                  struct val_err *err)
{
  struct val_str *s;

  if (a->len > SIZE_MAX / 2 || b->len > SIZE_MAX / 2)
    return oom(err);
  s = str_alloc(a->len + b->len);
  if (!s)
    return oom(err);
  memcpy(s->data, a->data, a->len);
  memcpy(s->data + a->len, b->data, b->len);
  *out = str_value(s);
  return VAL_OK;
}

/* }==== */

/* {==== lists ==== */

/* Wrap a list object (the reference passes to the value). */
static struct rbc_value list_value(struct val_list *l)
{
  struct rbc_value v = { VAL_LIST, false, { .l = l } };
  return v;
}

/*
** A new empty list with room for cap items; the items array is allocated
** up front so a literal of known size needs no regrowth.
*/
enum val_status val_list_new(size_t cap, struct rbc_value *out, struct val_err *err)
{
  struct val_list *l;

  *out = val_null();
  if (cap > SIZE_MAX / sizeof(struct rbc_value))
    return oom(err);
  l = val_mem_alloc(sizeof *l);
  if (!l)
    return oom(err);
  l->items = NULL;
  if (cap) {
    l->items = val_mem_alloc(cap * sizeof *l->items);
    if (!l->items) {
      val_mem_free(l);
      return oom(err);
    }
  }
  hdr_init(&l->h, VAL_LIST);
  l->len = 0;
  l->cap = cap;
  *out = list_value(l);
  return VAL_OK;
}

/* Items in a list value, 0 for anything else. */
size_t val_list_len(struct rbc_value v)
{
  return v.type == VAL_LIST ? v.as.l->len : 0;
}

/* Borrowed pointer to item i, NULL when out of range or not a list. */
const struct rbc_value *val_list_at(struct rbc_value v, size_t i)
{
  if (v.type != VAL_LIST || i >= v.as.l->len)
    return NULL;
  return &v.as.l->items[i];
}

/* Make room for one more item. */
static enum val_status list_grow(struct val_list *l, struct val_err *err)
{
  size_t ncap;
  struct rbc_value *items;

  if (l->len < l->cap)
    return VAL_OK;
  ncap = l->cap < 4 ? 4 : l->cap * 2;
  if (ncap > SIZE_MAX / sizeof *items || ncap < l->cap)
    return oom(err);
  items = val_mem_realloc(l->items, ncap * sizeof *items);
  if (!items)
    return oom(err);
  l->items = items;
  l->cap = ncap;
  return VAL_OK;
}

/* A new list holding new references to a's items, then b's (b may be NULL). */
static enum val_status list_concat(const struct val_list *a, const struct val_list *b,
                                   struct rbc_value *out, struct val_err *err)
{
  size_t blen = b ? b->len : 0, i;
  enum val_status st;

  if (a->len > SIZE_MAX / 2 || blen > SIZE_MAX / 2)
    return oom(err);
  st = val_list_new(a->len + blen, out, err);
  if (st != VAL_OK)
    return st;
  for (i = 0; i < a->len; i++)
    out->as.l->items[i] = val_retain(a->items[i]);
  for (i = 0; i < blen; i++)
    out->as.l->items[a->len + i] = val_retain(b->items[i]);
  out->as.l->len = a->len + blen;
  return VAL_OK;
}

/* }==== */

/* {==== maps ==== */

/*
** Layout.  entries[] holds the entries in insertion order; a deleted entry
** stays as a hole (key NULL) so iteration order never changes.  slots[] is
** an open-addressing index over entries[] with linear probing: 0 is an
** empty slot, SLOT_TOMB a slot whose entry was deleted (probes continue past
** it; inserts may reuse it), anything else an entry number + 1.
**
** Growth.  map_reserve keeps the index at most 3/4 full counting tombstones,
** and rebuilds it at twice the live count when it would pass that, which
** also clears the tombstones.  When entries[] is full and at least a quarter
** of it is holes, the holes are squeezed out in place instead of growing, so
** a map used as a queue (insert, delete, insert...) stays bounded.  Every
** operation is O(1) on average; rebuilds are amortised.
*/


/* Wrap a map object (the reference passes to the value). */
static struct rbc_value map_value(struct val_map *m)
{
  struct rbc_value v = { VAL_MAP, false, { .m = m } };
  return v;
}

/* A new empty map; entries and index are allocated on the first insert. */
enum val_status val_map_new(struct rbc_value *out, struct val_err *err)
{
  struct val_map *m = val_mem_alloc(sizeof *m);

  *out = val_null();
  if (!m)
    return oom(err);
  memset(m, 0, sizeof *m);
  hdr_init(&m->h, VAL_MAP);
  *out = map_value(m);
  return VAL_OK;
}

/* Live entries of a map value, 0 for anything else. */
size_t val_map_len(struct rbc_value v)
{
  return v.type == VAL_MAP ? v.as.m->count : 0;
}

/*
** Probe the index for key.  Returns the slot holding it (*found = true) or
** the slot where it should go (the first tombstone passed, else the empty
** slot that ended the probe).  Requires nslots > 0.
*/
static size_t map_probe(const struct val_map *m, const char *key, size_t klen, uint64_t h,
                        bool *found)
{
  size_t mask = m->nslots - 1, i = (size_t)h & mask, tomb = SIZE_MAX;

  *found = false;
  for (;;) {
    uint32_t s = m->slots[i];
    if (s == 0)
      return tomb != SIZE_MAX ? tomb : i;
    if (s == SLOT_TOMB) {
      if (tomb == SIZE_MAX)
        tomb = i;
    } else {
      const struct map_entry *e = &m->entries[s - 1];
      if (e->hash == h && e->key->len == klen && memcmp(e->key->data, key, klen) == 0) {
        *found = true;
        return i;
      }
    }
    i = (i + 1) & mask;
  }
}

/* Index of key's entry in entries[], or SIZE_MAX when absent. */
static size_t map_find(const struct val_map *m, const char *key, size_t klen)
{
  bool found;
  size_t slot;

  if (m->nslots == 0 || m->count == 0)
    return SIZE_MAX;
  slot = map_probe(m, key, klen, hash_bytes(key, klen), &found);
  return found ? m->slots[slot] - 1 : SIZE_MAX;
}

/* Borrowed pointer to the value under key, NULL when absent (value.h). */
const struct rbc_value *val_map_get(struct rbc_value v, const char *key, size_t klen)
{
  size_t e;

  if (v.type != VAL_MAP)
    return NULL;
  e = map_find(v.as.m, key, klen);
  return e == SIZE_MAX ? NULL : &v.as.m->entries[e].value;
}

/* Fill an index of nslots (zeroed by the caller) from the live entries. */
static void map_reindex(struct val_map *m, uint32_t *slots, size_t nslots)
{
  size_t i, mask = nslots - 1;

  for (i = 0; i < m->used; i++) {
    size_t j;
    if (!m->entries[i].key)
      continue;
    j = (size_t)m->entries[i].hash & mask;
    while (slots[j] != 0)
      j = (j + 1) & mask;
    slots[j] = (uint32_t)(i + 1);
  }
  m->slots = slots;
  m->nslots = nslots;
  m->ntombs = 0;
}

/* Squeeze deleted entries out of entries[] (order kept) and rebuild the index. */
static void map_compact(struct val_map *m)
{
  size_t i, n = 0;

  for (i = 0; i < m->used; i++)
    if (m->entries[i].key)
      m->entries[n++] = m->entries[i];
  m->used = n;
  memset(m->slots, 0, m->nslots * sizeof *m->slots);
  map_reindex(m, m->slots, m->nslots);
}

/* Make room for one more entry in entries[] and in the index. */
static enum val_status map_reserve(struct val_map *m, struct val_err *err)
{
  if (m->count >= MAP_MAX_ENTRIES)
    return oom(err);
  if (m->used == m->cap) {
    if (m->used - m->count >= m->used / 4 && m->used > m->count) {
      map_compact(m);
    } else {
      size_t ncap = m->cap < 8 ? 8 : m->cap * 2;
      struct map_entry *e;
      if (ncap > SIZE_MAX / sizeof *e)
        return oom(err);
      e = val_mem_realloc(m->entries, ncap * sizeof *e);
      if (!e)
        return oom(err);
      m->entries = e;
      m->cap = ncap;
    }
  }
  if ((m->count + m->ntombs + 1) * 4 > m->nslots * 3) {
    size_t n = 8;
    uint32_t *slots;
    while (n < (m->count + 1) * 2)
      n *= 2;
    if (n > SIZE_MAX / sizeof *slots)
      return oom(err);
    slots = val_mem_alloc(n * sizeof *slots);
    if (!slots)
      return oom(err);
    memset(slots, 0, n * sizeof *slots);
    val_mem_free(m->slots);
    map_reindex(m, slots, n);
  }
  return VAL_OK;
}

/*
** Store value (a reference the map takes over) under key in m, which the
** caller made unique.  On failure nothing changed and value is not taken.
*/
static enum val_status map_put(struct val_map *m, const char *key, size_t klen,
                               struct rbc_value value, struct val_err *err)
{
  uint64_t h = hash_bytes(key, klen);
  struct map_entry *e;
  struct val_str *k;
  enum val_status st;
  bool found = false;
  size_t slot = 0;

  if (m->nslots)
    slot = map_probe(m, key, klen, h, &found);
  if (found) {
    e = &m->entries[m->slots[slot] - 1];
    val_release(e->value);
    e->value = value;
    return VAL_OK;
  }
  k = str_alloc(klen);
  if (!k)
    return oom(err);
  memcpy(k->data, key, klen);
  st = map_reserve(m, err);
  if (st != VAL_OK) {
    val_mem_free(k);
    return st;
  }
  slot = map_probe(m, key, klen, h, &found);
  if (m->slots[slot] == SLOT_TOMB)
    m->ntombs--;
  e = &m->entries[m->used];
  e->key = k;
  e->hash = h;
  e->value = value;
  m->slots[slot] = (uint32_t)(m->used + 1);
  m->used++;
  m->count++;
  return VAL_OK;
}

/* A new map with new references to m's live entries, in order. */
static enum val_status map_copy(const struct val_map *m, struct rbc_value *out,
                                struct val_err *err)
{
  enum val_status st = val_map_new(out, err);
  size_t i;

  for (i = 0; st == VAL_OK && i < m->used; i++) {
    const struct map_entry *e = &m->entries[i];
    if (!e->key)
      continue;
    st = map_put(out->as.m, e->key->data, e->key->len, val_retain(e->value), err);
    if (st != VAL_OK)
      val_release(e->value);
  }
  if (st != VAL_OK) {
    val_release(*out);
    *out = val_null();
  }
  return st;
}

/* Insertion-order iteration, skipping deleted entries (value.h). */
bool val_map_next(struct rbc_value v, size_t *pos, const char **key, size_t *klen,
                  const struct rbc_value **value)
{
  const struct val_map *m;

  if (v.type != VAL_MAP)
    return false;
  m = v.as.m;
  while (*pos < m->used && !m->entries[*pos].key)
    (*pos)++;
  if (*pos >= m->used)
    return false;
  if (key)
    *key = m->entries[*pos].key->data;
  if (klen)
    *klen = m->entries[*pos].key->len;
  if (value)
    *value = &m->entries[*pos].value;
  (*pos)++;
  return true;
}

/* }==== */

/* {==== copy-on-write ==== */

/*
** Value semantics for containers.  A container may be shared by many owners
** (variables, other containers, the VM stack); the mutators below first make
** the caller's slot the only owner, copying the container (shallowly: the
** items are shared, with one more reference each) when it is not.  A
** mutation is therefore never visible through another reference, and the
** graph of references stays acyclic.
*/


/*
** Make the container in *slot unique (refcount 1), copying it when shared.
** The copy keeps the slot's taint flag; the old reference is released.
*/
static enum val_status make_unique(struct rbc_value *slot, struct val_err *err)
{
  struct rbc_value copy;
  enum val_status st;

  if (hdr_of(*slot)->refs == 1)
    return VAL_OK;
  if (slot->type == VAL_LIST)
    st = list_concat(slot->as.l, NULL, &copy, err);
  else
    st = map_copy(slot->as.m, &copy, err);
  if (st != VAL_OK)
    return st;
  copy.secret = slot->secret;
  val_release(*slot);
  *slot = copy;
  return VAL_OK;
}

/*
** The item is retained BEFORE the container is made unique: if the caller
** passes the container itself, the count is then > 1 and the container is
** copied, so a container never ends up holding itself.
*/
enum val_status val_list_push(struct rbc_value *slot, struct rbc_value item,
                              struct val_err *err)
{
  enum val_status st;

  if (slot->type != VAL_LIST)
    return val_fail(err, VAL_ERR_TYPE, "cannot append to a %s", val_kind(*slot));
  item = val_retain(item);
  st = make_unique(slot, err);
  if (st == VAL_OK)
    st = list_grow(slot->as.l, err);
  if (st != VAL_OK) {
    val_release(item);
    return st;
  }
  slot->as.l->items[slot->as.l->len++] = item;
  return VAL_OK;
}

/*
** Store value under key, copy-on-write.  The value is retained before the
** map is made unique, for the same reason as in val_list_push.
*/
enum val_status val_map_set(struct rbc_value *slot, const char *key, size_t klen,
                            struct rbc_value value, struct val_err *err)
{
  enum val_status st;

  if (slot->type != VAL_MAP)
    return val_fail(err, VAL_ERR_TYPE, "cannot set a key on a %s", val_kind(*slot));
  value = val_retain(value);
  st = make_unique(slot, err);
  if (st == VAL_OK)
    st = map_put(slot->as.m, key, klen, value, err);
  if (st != VAL_OK)
    val_release(value);
  return st;
}

/*
** Remove key: its index slot becomes a tombstone and its entry a hole, so
** the other entries keep their order; map_reserve squeezes holes out later.
** A missing key changes nothing, not even a shared map.
*/
enum val_status val_map_delete(struct rbc_value *slot, const char *key, size_t klen,
                               bool *found, struct val_err *err)
{
  struct val_map *m;
  struct map_entry *e;
  enum val_status st;
  size_t idx, s;
  bool hit;

  if (found)
    *found = false;
  if (slot->type != VAL_MAP)
    return val_fail(err, VAL_ERR_TYPE, "cannot delete a key from a %s", val_kind(*slot));
  if (map_find(slot->as.m, key, klen) == SIZE_MAX)
    return VAL_OK;
  st = make_unique(slot, err);
  if (st != VAL_OK)
    return st;
  m = slot->as.m;
  s = map_probe(m, key, klen, hash_bytes(key, klen), &hit);
  idx = m->slots[s] - 1;
  e = &m->entries[idx];
  m->slots[s] = SLOT_TOMB;
  m->ntombs++;
  m->count--;
  val_release(str_value(e->key));
  val_release(e->value);
  e->key = NULL;
  e->value = val_null();
  if (found)
    *found = true;
  return VAL_OK;
}

/* }==== */

/* {==== function references ==== */

/* A function value owning env (released with it, or now on failure). */
enum val_status val_fn_new(uint32_t fn_index, void *env, void (*env_release)(void *env),
                           struct rbc_value *out, struct val_err *err)
{
  struct val_fn *fn = val_mem_alloc(sizeof *fn);

  *out = val_null();
  if (!fn) {
    if (env_release)
      env_release(env);
    return oom(err);
  }
  hdr_init(&fn->h, VAL_FN);
  fn->fn_index = fn_index;
  fn->env = env;
  fn->env_release = env_release;
  out->type = VAL_FN;
  out->as.fn = fn;
  return VAL_OK;
}

/* Compiled-function number of a VAL_FN. */
uint32_t val_fn_index(struct rbc_value v)
{
  return v.type == VAL_FN ? v.as.fn->fn_index : UINT32_MAX;
}

/* Borrowed closure environment of a VAL_FN. */
void *val_fn_env(struct rbc_value v)
{
  return v.type == VAL_FN ? v.as.fn->env : NULL;
}

/* Built-in table index of a VAL_BUILTIN. */
uint32_t val_builtin_index(struct rbc_value v)
{
  return v.type == VAL_BUILTIN ? v.as.builtin : UINT32_MAX;
}

/* }==== */

/* {==== type names, truthiness, equality, ordering ==== */

/*
** Numbers compare by value across int and float without converting the int
** to a double first (2^53 + 1 == 2^53 as doubles, but not here).
** Durations and times are distinct types: 1000 == 1s is false, and 1 < 1s
** is a type error, so the checker's "duration vs number" rule holds at run
** time as well.
*/


/* Type names for messages; both kinds of function are "function" to users. */
const char *val_type_name(enum val_type type)
{
  static const char *const names[] = {
    "null", "bool", "int", "float", "string", "duration", "time", "list", "map",
    "function", "function"
  };

  return (size_t)type < sizeof names / sizeof names[0] ? names[type] : "?";
}

/* val_type_name of a value's type. */
const char *val_kind(struct rbc_value v)
{
  return val_type_name((enum val_type)v.type);
}

/* Only null and false are false (value.h, "Truthiness"). */
bool val_truthy(struct rbc_value v)
{
  if (v.type == VAL_NULL)
    return false;
  if (v.type == VAL_BOOL)
    return v.as.b;
  return true;
}

/* Is v an int or a float (the types that mix in arithmetic)? */
static bool is_number(struct rbc_value v)
{
  return v.type == VAL_INT || v.type == VAL_FLOAT;
}

/* A number as a double (ints above 2^53 round: callers wanting exactness
** compare with cmp_numbers instead). */
static double num_of(struct rbc_value v)
{
  return v.type == VAL_INT ? (double)v.as.i : v.as.f;
}

/* -1, 0 or 1, without the overflow of a - b. */
static int cmp_i64(int64_t a, int64_t b)
{
  return (a > b) - (a < b);
}

/*
** Exact comparison of an int64 with a finite double (no rounding of a):
** compare a with floor(b), then b's fraction breaks a tie.  Within the int64
** range (double)floor(b) is exact: above 2^53 every double is an integer.
*/
static int cmp_int_float(int64_t a, double b)
{
  int64_t ib;

  if (b >= 9223372036854775808.0)
    return -1;
  if (b < -9223372036854775808.0)
    return 1;
  ib = (int64_t)b;              /* truncated toward zero */
  if ((double)ib > b)
    ib--;                       /* now floor(b) */
  if (a != ib)
    return cmp_i64(a, ib);
  return b > (double)ib ? -1 : 0;
}

/* Numeric comparison of two numbers of any mix of int and float. */
static int cmp_numbers(struct rbc_value a, struct rbc_value b)
{
  if (a.type == VAL_INT && b.type == VAL_INT)
    return cmp_i64(a.as.i, b.as.i);
  if (a.type == VAL_INT)
    return cmp_int_float(a.as.i, b.as.f);
  if (b.type == VAL_INT)
    return -cmp_int_float(b.as.i, a.as.f);
  return (a.as.f > b.as.f) - (a.as.f < b.as.f);
}

/* Bytewise order (unsigned bytes), a proper prefix first. */
static int cmp_strings(const struct val_str *a, const struct val_str *b)
{
  size_t n = a->len < b->len ? a->len : b->len;
  int c = n ? memcmp(a->data, b->data, n) : 0;

  if (c)
    return c < 0 ? -1 : 1;
  return (a->len > b->len) - (a->len < b->len);
}

static enum val_status eq_rec(struct rbc_value a, struct rbc_value b, bool *eq, bool *tnt,
                              int depth, struct val_err *err);

/* Lists equal item by item. */
static enum val_status eq_lists(const struct val_list *a, const struct val_list *b, bool *eq,
                                bool *tnt, int depth, struct val_err *err)
{
  size_t i;
  enum val_status st = VAL_OK;

  *eq = a->len == b->len;
  for (i = 0; *eq && st == VAL_OK && i < a->len; i++)
    st = eq_rec(a->items[i], b->items[i], eq, tnt, depth + 1, err);
  return st;
}

/* Maps equal: same key set, equal values (order ignored). */
static enum val_status eq_maps(const struct val_map *a, const struct val_map *b, bool *eq,
                               bool *tnt, int depth, struct val_err *err)
{
  size_t i, j;
  enum val_status st = VAL_OK;

  *eq = a->count == b->count;
  for (i = 0; *eq && st == VAL_OK && i < a->used; i++) {
    const struct map_entry *e = &a->entries[i];
    if (!e->key)
      continue;
    j = map_find(b, e->key->data, e->key->len);
    if (j == SIZE_MAX)
      *eq = false;
    else
      st = eq_rec(e->value, b->entries[j].value, eq, tnt, depth + 1, err);
  }
  return st;
}

/*
** Deep equality at nesting `depth`.  *tnt collects the flag of every value
** looked at; numbers compare across int/float, other types only with
** themselves.  Stops at the first difference.
*/
static enum val_status eq_rec(struct rbc_value a, struct rbc_value b, bool *eq, bool *tnt,
                              int depth, struct val_err *err)
{
  *tnt = *tnt || a.secret || b.secret;
  *eq = false;
  if (depth > VAL_MAX_DEPTH)
    return val_fail(err, VAL_ERR_DEPTH, "values nest deeper than %d levels", VAL_MAX_DEPTH);
  if (is_number(a) && is_number(b)) {
    *eq = cmp_numbers(a, b) == 0;
    return VAL_OK;
  }
  if (a.type != b.type)
    return VAL_OK;
  switch (a.type) {
  case VAL_NULL:     *eq = true; break;
  case VAL_BOOL:     *eq = a.as.b == b.as.b; break;
  case VAL_DURATION:
  case VAL_TIME:     *eq = a.as.i == b.as.i; break;
  case VAL_BUILTIN:  *eq = a.as.builtin == b.as.builtin; break;
  case VAL_STRING:   *eq = a.as.s == b.as.s || cmp_strings(a.as.s, b.as.s) == 0; break;
  case VAL_FN:
    *eq = a.as.fn == b.as.fn
          || (a.as.fn->fn_index == b.as.fn->fn_index && a.as.fn->env == b.as.fn->env);
    break;
  case VAL_LIST:     return eq_lists(a.as.l, b.as.l, eq, tnt, depth, err);
  case VAL_MAP:      return eq_maps(a.as.m, b.as.m, eq, tnt, depth, err);
  default:           break;
  }
  return VAL_OK;
}

/* Public face of eq_rec: depth 0, taint OR-ed into *tainted. */
enum val_status val_equal(struct rbc_value a, struct rbc_value b, bool *equal,
                          bool *tainted, struct val_err *err)
{
  bool t = false;
  enum val_status st = eq_rec(a, b, equal, &t, 0, err);

  if (st != VAL_OK)
    *equal = false;
  if (tainted)
    *tainted = *tainted || t;
  return st;
}

/* Ordering for one operator (op names the operator in messages). */
static enum val_status compare_op(const char *op, struct rbc_value a, struct rbc_value b,
                                  int *cmp, struct val_err *err)
{
  *cmp = 0;
  if (is_number(a) && is_number(b))
    *cmp = cmp_numbers(a, b);
  else if (a.type == VAL_STRING && b.type == VAL_STRING)
    *cmp = cmp_strings(a.as.s, b.as.s);
  else if (a.type == b.type && (a.type == VAL_DURATION || a.type == VAL_TIME))
    *cmp = cmp_i64(a.as.i, b.as.i);
  else
    return val_fail(err, VAL_ERR_TYPE, "cannot compare %s and %s with '%s'",
                val_kind(a), val_kind(b), op);
  return VAL_OK;
}

/* Ordering (value.h); messages name '<' as the operator. */
enum val_status val_compare(struct rbc_value a, struct rbc_value b, int *cmp,
                            struct val_err *err)
{
  return compare_op("<", a, b, cmp, err);
}

/* }==== */

/* {==== arithmetic ==== */

/*
** Operand types each operator accepts (anything else is VAL_ERR_TYPE):
**
**          int,int  num,num  dur,dur  time,dur  dur,time  time,time  dur,num
**    +     int      float    dur      time      time      -          -
**    -     int      float    dur      time      -         dur        -
**    *     int      float    -        -         -         -          dur (also num,dur)
**    /     float    float    float    -         -         -          dur
**    %     int      -        dur      -         -         -          -
**
** plus string + string and list + list (concatenation).  "num" is an int or
** a float, mixed.  Int results are checked for overflow; float results must
** be finite; duration results are rounded to the nearest millisecond.
*/


/* Source spelling of an operator, in enum val_binop order. */
const char *val_binop_name(enum val_binop op)
{
  static const char *const names[] = {
    "+", "-", "*", "/", "%", "==", "!=", "<", "<=", ">", ">=", "in"
  };

  return (size_t)op < sizeof names / sizeof names[0] ? names[op] : "?";
}

/* "cannot apply '+' to string and int": types only, never contents. */
static enum val_status type_error(enum val_binop op, struct rbc_value a, struct rbc_value b,
                                  struct val_err *err)
{
  return val_fail(err, VAL_ERR_TYPE, "cannot apply '%s' to %s and %s",
              val_binop_name(op), val_kind(a), val_kind(b));
}

/* Overflow of int arithmetic: an error, never wrap-around. */
static enum val_status int_overflow(enum val_binop op, struct val_err *err)
{
  return val_fail(err, VAL_ERR_OVERFLOW, "integer overflow in '%s'", val_binop_name(op));
}

/* A float result, or VAL_ERR_OVERFLOW when it is not finite. */
static enum val_status float_result(enum val_binop op, double f, struct rbc_value *out,
                                    struct val_err *err)
{
  if (!isfinite(f))
    return val_fail(err, VAL_ERR_OVERFLOW, "float result of '%s' is out of range",
                val_binop_name(op));
  *out = val_float(f);
  return VAL_OK;
}

/*
** Round a double to int64 ms (nearest, halves away from zero), or
** VAL_ERR_OVERFLOW.  Done by hand so the value modules need no libm: the
** fraction x - trunc(x) is exact, and doubles near 2^63 are integers.
*/
static enum val_status to_ms(enum val_binop op, double x, int64_t *ms, struct val_err *err)
{
  int64_t t;
  double frac;

  if (!(x >= -9223372036854775808.0 && x < 9223372036854775808.0))
    return val_fail(err, VAL_ERR_OVERFLOW, "duration result of '%s' is out of range",
                val_binop_name(op));
  t = (int64_t)x;
  frac = x - (double)t;
  if (frac >= 0.5)
    t++;
  else if (frac <= -0.5)
    t--;
  *ms = t;
  return VAL_OK;
}

/* Checked int64 add/sub/mul: false on overflow. */
static bool add_i64(int64_t a, int64_t b, int64_t *r)
{
  return !__builtin_add_overflow(a, b, r);
}

static bool sub_i64(int64_t a, int64_t b, int64_t *r)
{
  return !__builtin_sub_overflow(a, b, r);
}

static bool mul_i64(int64_t a, int64_t b, int64_t *r)
{
  return !__builtin_mul_overflow(a, b, r);
}

/* a / b rounded toward minus infinity; b != 0, and not INT64_MIN / -1. */
int64_t val_floor_div(int64_t a, int64_t b)
{
  int64_t q = a / b;

  if ((a % b != 0) && ((a < 0) != (b < 0)))
    q--;
  return q;
}

/* a mod b with b's sign (Python's %); b != 0. */
int64_t val_floor_mod(int64_t a, int64_t b)
{
  int64_t r;

  if (b == -1)
    return 0;                   /* INT64_MIN % -1 would trap */
  r = a % b;
  if (r != 0 && ((r < 0) != (b < 0)))
    r += b;
  return r;
}

/* a / b rounded to the nearest integer (halves away from zero); b != 0. */
static bool div_round_i64(int64_t a, int64_t b, int64_t *r)
{
  uint64_t ua, ub, q, rem;
  bool neg = (a < 0) != (b < 0);

  ua = a < 0 ? (uint64_t)0 - (uint64_t)a : (uint64_t)a;
  ub = b < 0 ? (uint64_t)0 - (uint64_t)b : (uint64_t)b;
  q = ua / ub;
  rem = ua % ub;
  if (rem >= ub - rem)
    q++;
  if (neg ? q > (uint64_t)INT64_MAX + 1 : q > (uint64_t)INT64_MAX)
    return false;
  if (neg)
    *r = q == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)q;
  else
    *r = (int64_t)q;
  return true;
}

/*
** Checked result for an int64 operation on durations or times.  r is read
** through a pointer, after `ok` (the call computing it) has been evaluated.
*/
static enum val_status i64_result(enum val_binop op, bool ok, enum val_type type,
                                  const int64_t *r, struct rbc_value *out,
                                  struct val_err *err)
{
  if (!ok)
    return val_fail(err, VAL_ERR_OVERFLOW, "%s overflow in '%s'", val_type_name(type),
                val_binop_name(op));
  out->type = (uint8_t)type;
  out->as.i = *r;
  return VAL_OK;
}

/*
** a + b: int + int (checked), numbers (float), duration + duration,
** time + duration in either order, string + string, list + list.
*/
static enum val_status op_add(struct rbc_value a, struct rbc_value b, struct rbc_value *out,
                              struct val_err *err)
{
  int64_t r = 0;

  if (a.type == VAL_INT && b.type == VAL_INT) {
    if (!add_i64(a.as.i, b.as.i, &r))
      return int_overflow(VAL_OP_ADD, err);
    *out = val_int(r);
    return VAL_OK;
  }
  if (is_number(a) && is_number(b))
    return float_result(VAL_OP_ADD, num_of(a) + num_of(b), out, err);
  if (a.type == VAL_DURATION && b.type == VAL_DURATION)
    return i64_result(VAL_OP_ADD, add_i64(a.as.i, b.as.i, &r), VAL_DURATION, &r, out, err);
  if ((a.type == VAL_TIME && b.type == VAL_DURATION)
      || (a.type == VAL_DURATION && b.type == VAL_TIME))
    return i64_result(VAL_OP_ADD, add_i64(a.as.i, b.as.i, &r), VAL_TIME, &r, out, err);
  if (a.type == VAL_STRING && b.type == VAL_STRING)
    return str_concat(a.as.s, b.as.s, out, err);
  if (a.type == VAL_LIST && b.type == VAL_LIST)
    return list_concat(a.as.l, b.as.l, out, err);
  return type_error(VAL_OP_ADD, a, b, err);
}

/*
** a - b: int - int (checked), numbers, duration - duration,
** time - duration (a time), time - time (a duration).
*/
static enum val_status op_sub(struct rbc_value a, struct rbc_value b, struct rbc_value *out,
                              struct val_err *err)
{
  int64_t r = 0;

  if (a.type == VAL_INT && b.type == VAL_INT) {
    if (!sub_i64(a.as.i, b.as.i, &r))
      return int_overflow(VAL_OP_SUB, err);
    *out = val_int(r);
    return VAL_OK;
  }
  if (is_number(a) && is_number(b))
    return float_result(VAL_OP_SUB, num_of(a) - num_of(b), out, err);
  if (a.type == VAL_DURATION && b.type == VAL_DURATION)
    return i64_result(VAL_OP_SUB, sub_i64(a.as.i, b.as.i, &r), VAL_DURATION, &r, out, err);
  if (a.type == VAL_TIME && b.type == VAL_DURATION)
    return i64_result(VAL_OP_SUB, sub_i64(a.as.i, b.as.i, &r), VAL_TIME, &r, out, err);
  if (a.type == VAL_TIME && b.type == VAL_TIME)
    return i64_result(VAL_OP_SUB, sub_i64(a.as.i, b.as.i, &r), VAL_DURATION, &r, out, err);
  return type_error(VAL_OP_SUB, a, b, err);
}

/* duration * number (either order). */
static enum val_status scale_duration(int64_t ms, struct rbc_value n, struct rbc_value *out,
                                      struct val_err *err)
{
  int64_t r = 0;
  enum val_status st;

  if (n.type == VAL_INT)
    return i64_result(VAL_OP_MUL, mul_i64(ms, n.as.i, &r), VAL_DURATION, &r, out, err);
  st = to_ms(VAL_OP_MUL, (double)ms * n.as.f, &r, err);
  if (st == VAL_OK)
    *out = val_duration(r);
  return st;
}

/* a * b: int * int (checked), numbers, duration * number either way. */
static enum val_status op_mul(struct rbc_value a, struct rbc_value b, struct rbc_value *out,
                              struct val_err *err)
{
  int64_t r = 0;

  if (a.type == VAL_INT && b.type == VAL_INT) {
    if (!mul_i64(a.as.i, b.as.i, &r))
      return int_overflow(VAL_OP_MUL, err);
    *out = val_int(r);
    return VAL_OK;
  }
  if (is_number(a) && is_number(b))
    return float_result(VAL_OP_MUL, num_of(a) * num_of(b), out, err);
  if (a.type == VAL_DURATION && is_number(b))
    return scale_duration(a.as.i, b, out, err);
  if (is_number(a) && b.type == VAL_DURATION)
    return scale_duration(b.as.i, a, out, err);
  return type_error(VAL_OP_MUL, a, b, err);
}

/* Division or modulo by zero, for every type that divides. */
static enum val_status div_zero(enum val_binop op, struct val_err *err)
{
  return val_fail(err, VAL_ERR_DIV_ZERO, "%s by zero",
              op == VAL_OP_DIV ? "division" : "modulo");
}

/* duration / number: a duration rounded to the nearest ms. */
static enum val_status divide_duration(int64_t ms, struct rbc_value n, struct rbc_value *out,
                                       struct val_err *err)
{
  int64_t r = 0;
  enum val_status st;

  if (num_of(n) == 0.0)
    return div_zero(VAL_OP_DIV, err);
  if (n.type == VAL_INT)
    return i64_result(VAL_OP_DIV, div_round_i64(ms, n.as.i, &r), VAL_DURATION, &r, out, err);
  st = to_ms(VAL_OP_DIV, (double)ms / n.as.f, &r, err);
  if (st == VAL_OK)
    *out = val_duration(r);
  return st;
}

/*
** a / b: numbers always give a float (5 / 100 is 0.05), duration / number a
** duration, duration / duration a float ratio.
*/
static enum val_status op_div(struct rbc_value a, struct rbc_value b, struct rbc_value *out,
                              struct val_err *err)
{
  if (is_number(a) && is_number(b)) {
    if (num_of(b) == 0.0)
      return div_zero(VAL_OP_DIV, err);
    return float_result(VAL_OP_DIV, num_of(a) / num_of(b), out, err);
  }
  if (a.type == VAL_DURATION && is_number(b))
    return divide_duration(a.as.i, b, out, err);
  if (a.type == VAL_DURATION && b.type == VAL_DURATION) {
    if (b.as.i == 0)
      return div_zero(VAL_OP_DIV, err);
    return float_result(VAL_OP_DIV, (double)a.as.i / (double)b.as.i, out, err);
  }
  return type_error(VAL_OP_DIV, a, b, err);
}

/* a % b, floored: int % int and duration % duration only. */
static enum val_status op_mod(struct rbc_value a, struct rbc_value b, struct rbc_value *out,
                              struct val_err *err)
{
  if ((a.type == VAL_INT && b.type == VAL_INT)
      || (a.type == VAL_DURATION && b.type == VAL_DURATION)) {
    if (b.as.i == 0)
      return div_zero(VAL_OP_MOD, err);
    out->type = a.type;
    out->as.i = val_floor_mod(a.as.i, b.as.i);
    return VAL_OK;
  }
  return type_error(VAL_OP_MOD, a, b, err);
}

/* Does hay contain needle as a byte substring? */
static bool has_substring(const struct val_str *hay, const struct val_str *needle)
{
  size_t i;

  if (needle->len == 0)
    return true;
  for (i = 0; i + needle->len <= hay->len; i++)
    if (hay->data[i] == needle->data[0]
        && memcmp(hay->data + i, needle->data, needle->len) == 0)
      return true;
  return false;
}

/* a in b; *tnt collects the taint of every list item compared. */
static enum val_status op_in(struct rbc_value a, struct rbc_value b, struct rbc_value *out,
                             bool *tnt, struct val_err *err)
{
  bool hit = false;
  size_t i;
  enum val_status st = VAL_OK;

  if (b.type == VAL_LIST) {
    for (i = 0; !hit && st == VAL_OK && i < b.as.l->len; i++)
      st = eq_rec(a, b.as.l->items[i], &hit, tnt, 1, err);
  } else if (b.type == VAL_MAP && a.type == VAL_STRING) {
    hit = map_find(b.as.m, a.as.s->data, a.as.s->len) != SIZE_MAX;
  } else if (b.type == VAL_STRING && a.type == VAL_STRING) {
    hit = has_substring(b.as.s, a.as.s);
  } else {
    return type_error(VAL_OP_IN, a, b, err);
  }
  if (st == VAL_OK)
    *out = val_bool(hit);
  return st;
}

/* ==, != and the four orderings. */
static enum val_status op_compare(enum val_binop op, struct rbc_value a, struct rbc_value b,
                                  struct rbc_value *out, bool *tnt, struct val_err *err)
{
  enum val_status st;
  bool eq = false;
  int c = 0;

  if (op == VAL_OP_EQ || op == VAL_OP_NE) {
    st = eq_rec(a, b, &eq, tnt, 0, err);
    if (st == VAL_OK)
      *out = val_bool(op == VAL_OP_EQ ? eq : !eq);
    return st;
  }
  st = compare_op(val_binop_name(op), a, b, &c, err);
  if (st != VAL_OK)
    return st;
  switch (op) {
  case VAL_OP_LT: *out = val_bool(c < 0); break;
  case VAL_OP_LE: *out = val_bool(c <= 0); break;
  case VAL_OP_GT: *out = val_bool(c > 0); break;
  default:        *out = val_bool(c >= 0); break;
  }
  return VAL_OK;
}

/*
** Dispatch one binary operator, then apply the taint rule: the result is
** secret when an operand (or, for == != in, an examined element) is.
*/
enum val_status val_binop(enum val_binop op, struct rbc_value a, struct rbc_value b,
                          struct rbc_value *out, struct val_err *err)
{
  enum val_status st;
  bool tnt = a.secret || b.secret;

  *out = val_null();
  switch (op) {
  case VAL_OP_ADD: st = op_add(a, b, out, err); break;
  case VAL_OP_SUB: st = op_sub(a, b, out, err); break;
  case VAL_OP_MUL: st = op_mul(a, b, out, err); break;
  case VAL_OP_DIV: st = op_div(a, b, out, err); break;
  case VAL_OP_MOD: st = op_mod(a, b, out, err); break;
  case VAL_OP_IN:  st = op_in(a, b, out, &tnt, err); break;
  case VAL_OP_EQ: case VAL_OP_NE: case VAL_OP_LT:
  case VAL_OP_LE: case VAL_OP_GT: case VAL_OP_GE:
    st = op_compare(op, a, b, out, &tnt, err);
    break;
  default:
    st = val_fail(err, VAL_ERR_TYPE, "unknown operator %d", (int)op);
    break;
  }
  if (st != VAL_OK) {
    *out = val_null();
    return st;
  }
  out->secret = tnt;
  return VAL_OK;
}

/* -a (int, float, duration; checked) and `not a`; the result keeps a's flag. */
enum val_status val_unop(enum val_unop op, struct rbc_value a, struct rbc_value *out,
                         struct val_err *err)
{
  *out = val_null();
  if (op == VAL_OP_NOT) {
    *out = val_bool(!val_truthy(a));
  } else if (a.type == VAL_INT || a.type == VAL_DURATION) {
    if (a.as.i == INT64_MIN)
      return val_fail(err, VAL_ERR_OVERFLOW, "%s overflow in unary '-'", val_kind(a));
    out->type = a.type;
    out->as.i = -a.as.i;
  } else if (a.type == VAL_FLOAT) {
    *out = val_float(-a.as.f);
  } else {
    return val_fail(err, VAL_ERR_TYPE, "cannot apply unary '-' to %s", val_kind(a));
  }
  out->secret = a.secret;
  return VAL_OK;
}

/* }==== */

/* {==== member access and indexing ==== */

/* Does name[0..len) spell the NUL-terminated word? */
static bool is_word(const char *name, size_t len, const char *word)
{
  return strlen(word) == len && memcmp(name, word, len) == 0;
}

/* Members of a time value. */
static enum val_status time_member(int64_t t, const char *name, size_t len,
                                   struct rbc_value *out, struct val_err *err)
{
  struct val_civil c;
  char buf[VAL_FMT_BUF];

  val_civil(t, &c);
  if (is_word(name, len, "unix"))           *out = val_int(val_floor_div(t, 1000));
  else if (is_word(name, len, "unix_ms"))   *out = val_int(t);
  else if (is_word(name, len, "year"))      *out = val_int(c.year);
  else if (is_word(name, len, "month"))     *out = val_int(c.month);
  else if (is_word(name, len, "day"))       *out = val_int(c.day);
  else if (is_word(name, len, "hour"))      *out = val_int(c.hour);
  else if (is_word(name, len, "minute"))    *out = val_int(c.minute);
  else if (is_word(name, len, "second"))    *out = val_int(c.second);
  else if (is_word(name, len, "weekday"))   *out = val_int(c.weekday);
  else if (is_word(name, len, "iso"))
    return val_string_cstr(val_format_time(t, false, buf), out, err);
  else
    return val_fail(err, VAL_ERR_TYPE, "a time has no member '%.*s'", (int)(len > 64 ? 64 : len),
                name);
  return VAL_OK;
}

/* Members of a duration value. */
static enum val_status duration_member(int64_t ms, const char *name, size_t len,
                                       struct rbc_value *out, struct val_err *err)
{
  if (is_word(name, len, "ms"))             *out = val_int(ms);
  else if (is_word(name, len, "seconds"))   *out = val_float((double)ms / 1000.0);
  else if (is_word(name, len, "minutes"))   *out = val_float((double)ms / 60000.0);
  else if (is_word(name, len, "hours"))     *out = val_float((double)ms / 3600000.0);
  else
    return val_fail(err, VAL_ERR_TYPE, "a duration has no member '%.*s'",
                (int)(len > 64 ? 64 : len), name);
  return VAL_OK;
}

/*
** obj.name for maps (missing: null), null (null: optional chaining), times
** and durations; the result is secret when obj is (value.h).
*/
enum val_status val_member(struct rbc_value obj, const char *name, size_t len,
                           struct rbc_value *out, struct val_err *err)
{
  enum val_status st = VAL_OK;

  *out = val_null();
  if (obj.type == VAL_MAP) {
    const struct rbc_value *v = val_map_get(obj, name, len);
    if (v)
      *out = val_retain(*v);
  } else if (obj.type == VAL_TIME) {
    st = time_member(obj.as.i, name, len, out, err);
  } else if (obj.type == VAL_DURATION) {
    st = duration_member(obj.as.i, name, len, out, err);
  } else if (obj.type != VAL_NULL) {
    return val_fail(err, VAL_ERR_TYPE, "cannot read member '%.*s' of a %s",
                (int)(len > 64 ? 64 : len), name, val_kind(obj));
  }
  if (st == VAL_OK)
    out->secret = out->secret || obj.secret;
  return st;
}

/* Resolve a possibly negative list index; false when out of range. */
static bool list_pos(int64_t i, size_t len, size_t *pos)
{
  if (i < 0) {
    if ((uint64_t)0 - (uint64_t)i > len)
      return false;
    *pos = len - (size_t)((uint64_t)0 - (uint64_t)i);
    return true;
  }
  if ((uint64_t)i >= len)
    return false;
  *pos = (size_t)i;
  return true;
}

/* Out-of-range message; a secret index is not printed. */
static enum val_status index_error(struct rbc_value idx, size_t len, struct val_err *err)
{
  if (idx.secret)
    return val_fail(err, VAL_ERR_INDEX, "index out of range (length %zu)", len);
  return val_fail(err, VAL_ERR_INDEX, "index %lld out of range (length %zu)",
              (long long)idx.as.i, len);
}

/*
** obj[index] for lists (negative from the end), strings (one byte) and
** maps (missing: null); secret when obj, index or the item is.
*/
enum val_status val_index(struct rbc_value obj, struct rbc_value index,
                          struct rbc_value *out, struct val_err *err)
{
  size_t pos;
  enum val_status st = VAL_OK;

  *out = val_null();
  if ((obj.type == VAL_LIST || obj.type == VAL_STRING) && index.type == VAL_INT) {
    size_t n = obj.type == VAL_LIST ? obj.as.l->len : obj.as.s->len;
    if (!list_pos(index.as.i, n, &pos))
      return index_error(index, n, err);
    if (obj.type == VAL_LIST)
      *out = val_retain(obj.as.l->items[pos]);
    else
      st = val_string_new(obj.as.s->data + pos, 1, out, err);
  } else if (obj.type == VAL_MAP && index.type == VAL_STRING) {
    const struct rbc_value *v = val_map_get(obj, index.as.s->data, index.as.s->len);
    if (v)
      *out = val_retain(*v);
  } else {
    return val_fail(err, VAL_ERR_TYPE, "cannot index a %s with a %s", val_kind(obj),
                val_kind(index));
  }
  if (st == VAL_OK)
    out->secret = out->secret || obj.secret || index.secret;
  return st;
}

/*
** *slot[index] = value, copy-on-write; a map key must be a plain string
** (a secret key would lose its flag: keys carry none).
*/
enum val_status val_set_index(struct rbc_value *slot, struct rbc_value index,
                              struct rbc_value value, struct val_err *err)
{
  size_t pos;
  enum val_status st;

  if (slot->type == VAL_MAP && index.type == VAL_STRING) {
    if (index.secret)
      return val_fail(err, VAL_ERR_TYPE, "a secret cannot be used as a map key");
    return val_map_set(slot, index.as.s->data, index.as.s->len, value, err);
  }
  if (slot->type != VAL_LIST || index.type != VAL_INT)
    return val_fail(err, VAL_ERR_TYPE, "cannot assign to an index of a %s with a %s",
                val_kind(*slot), val_kind(index));
  if (!list_pos(index.as.i, slot->as.l->len, &pos))
    return index_error(index, slot->as.l->len, err);
  value = val_retain(value);
  st = make_unique(slot, err);
  if (st != VAL_OK) {
    val_release(value);
    return st;
  }
  val_release(slot->as.l->items[pos]);
  slot->as.l->items[pos] = value;
  return VAL_OK;
}

/* len(): bytes of a string, items of a list, entries of a map. */
enum val_status val_len(struct rbc_value v, struct rbc_value *out, struct val_err *err)
{
  *out = val_null();
  switch (v.type) {
  case VAL_STRING: *out = val_int((int64_t)v.as.s->len); break;
  case VAL_LIST:   *out = val_int((int64_t)v.as.l->len); break;
  case VAL_MAP:    *out = val_int((int64_t)v.as.m->count); break;
  default:
    return val_fail(err, VAL_ERR_TYPE, "a %s has no length", val_kind(v));
  }
  out->secret = v.secret;
  return VAL_OK;
}

/* }==== */
