/*
** test_params.c: resolving params before a run (vm/params.h): precedence of
** --param, --params-file, RBC_PARAM_<name> and defaults; conversion to the
** declared types; the diagnostics for missing, unknown and ill-typed
** params; secrets flagged on read and never quoted in a message.
**
** Chunks are built by hand with the descriptors the compiler emits, so
** these tests need neither the parser nor the compiler.
*/
#define _POSIX_C_SOURCE 200809L

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "vm/params.h"

#define SENTINEL "s3cr3t-SENTINEL"

/* {==== fixtures ==== */

/* One declaration: `param NAME : TYPE [= default]` or `secret ...`. */
struct decl {
  const char *name;
  enum chunk_ptype type;
  bool secret;
  bool has_default;
};

/* A chunk declaring decls[0..n), each in its own global slot. */
static struct chunk *chunk_of(const struct decl *decls, size_t n)
{
  struct chunk *c = chunk_new("t.rb", NULL);
  uint32_t w[5];

  assert_non_null(c);
  for (size_t i = 0; i < n; i++) {
    int name = chunk_add_str(c, decls[i].name, (uint32_t)strlen(decls[i].name));
    int slot = chunk_add_global(c, (uint16_t)name, decls[i].secret ? GK_SECRET : GK_PARAM, 0);

    w[PARAM_NAME] = (uint32_t)name;
    w[PARAM_GLOBAL] = (uint32_t)slot;
    w[PARAM_TYPE] = decls[i].type;
    w[PARAM_SECRET] = decls[i].secret;
    w[PARAM_DEFAULT] = decls[i].has_default ? 1 : CHUNK_NONE32;
    c->globals[slot].ref = (uint16_t)chunk_add_desc(c, CK_PARAM, w, 5);
  }
  return c;
}

/* A fake environment: NULL-terminated name, value pairs. */
static const char *fake_getenv(const char *name, void *ctx)
{
  const char *const *kv = ctx;

  for (; kv && kv[0]; kv += 2)
    if (strcmp(kv[0], name) == 0)
      return kv[1];
  return NULL;
}

/* A temporary file holding text; the caller unlinks it. */
static char *temp_file(const char *text)
{
  static char path[64];
  int fd;

  snprintf(path, sizeof path, "/tmp/test_params_XXXXXX");
  fd = mkstemp(path);
  assert_true(fd >= 0);
  assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
  close(fd);
  return path;
}

/* Resolve with the given sources; the environment is always the fake one. */
static enum vm_params_status resolve(const struct chunk *c, const struct vm_param_arg *args,
                                     size_t nargs, const char *file, const char *const *env,
                                     struct vm_params *out, struct diag_list *diags)
{
  struct vm_params_input in;

  memset(&in, 0, sizeof in);
  in.args = args;
  in.nargs = nargs;
  in.file = file;
  in.getenv = fake_getenv;
  in.env_ctx = (void *)env;
  return vm_params_resolve(c, &in, out, diags);
}

/* The display text of v in RAW | QUOTED form, in buf. */
static const char *text_of(struct rbc_value v, char *buf, size_t size)
{
  struct val_buf b;

  val_buf_init(&b);
  val_buf_append_value(&b, v, VAL_FMT_RAW | VAL_FMT_QUOTED);
  val_buf_puts(&b, "");
  snprintf(buf, size, "%s", b.data ? b.data : "");
  val_buf_free(&b);
  return buf;
}

/* }==== */

/* {==== precedence ==== */

static const struct decl port_decl[] = { { "port", PT_INT, false, true } };

static void test_precedence(void **state)
{
  struct chunk *c = chunk_of(port_decl, 1);
  const char *env[] = { "RBC_PARAM_port", "1", NULL };
  struct vm_param_arg arg = { "port", "3" };
  char *file = temp_file("{\"port\": 2}");
  struct vm_params p;
  struct diag_list d;
  static const struct { bool arg, file, env; int64_t want; enum vm_param_source src; } cases[] = {
    { true, true, true, 3, VM_PARAM_ARG },
    { false, true, true, 2, VM_PARAM_FILE },
    { false, false, true, 1, VM_PARAM_ENV },
    { false, false, false, 0, VM_PARAM_DEFAULT },
  };

  (void)state;
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    diag_init(&d);
    assert_int_equal(resolve(c, cases[i].arg ? &arg : NULL, cases[i].arg,
                             cases[i].file ? file : NULL, cases[i].env ? env : NULL, &p, &d),
                     VM_PARAMS_OK);
    assert_int_equal(d.len, 0);
    assert_int_equal(p.len, 1);
    assert_int_equal(p.items[0].source, cases[i].src);
    if (cases[i].src == VM_PARAM_DEFAULT) {
      assert_int_equal(p.items[0].value.type, VAL_NULL);
      assert_int_equal(p.items[0].default_fn, 1);
    } else {
      assert_int_equal(p.items[0].value.type, VAL_INT);
      assert_int_equal(p.items[0].value.as.i, cases[i].want);
    }
    vm_params_free(&p);
    diag_free(&d);
  }
  unlink(file);
  chunk_free(c);
}

/* The last --param of a name wins; a bad lower source it overrides is no error. */
static void test_last_arg_wins_and_shadows(void **state)
{
  struct chunk *c = chunk_of(port_decl, 1);
  const char *env[] = { "RBC_PARAM_port", "not-a-number", NULL };
  struct vm_param_arg args[] = { { "port", "also bad" }, { "port", "8080" } };
  struct vm_params p;
  struct diag_list d;

  (void)state;
  diag_init(&d);
  assert_int_equal(resolve(c, args, 2, NULL, env, &p, &d), VM_PARAMS_OK);
  assert_int_equal(p.items[0].value.as.i, 8080);
  assert_int_equal(p.items[0].global, 0);
  assert_non_null(vm_params_find(&p, "port"));
  assert_null(vm_params_find(&p, "prot"));
  vm_params_free(&p);
  diag_free(&d);
  chunk_free(c);
}

/* }==== */

/* {==== types ==== */

static const struct decl typed[] = {
  { "s", PT_STRING, false, false }, { "i", PT_INT, false, false },
  { "f", PT_FLOAT, false, false }, { "b", PT_BOOL, false, false },
  { "d", PT_DURATION, false, false }, { "l", PT_LIST, false, false },
  { "m", PT_MAP, false, false }, { "any", PT_ANY, false, false },
};

static void test_text_conversions(void **state)
{
  struct chunk *c = chunk_of(typed, 8);
  struct vm_param_arg args[] = {
    { "s", "x y" }, { "i", "0x1f" }, { "f", "5%" }, { "b", "yes" }, { "d", "1h30m" },
    { "l", "a, b" }, { "m", "{\"k\": 1}" }, { "any", "42" },
  };
  static const char *const want[] = {
    "\"x y\"", "31", "0.05", "true", "1h30m", "[\"a\", \"b\"]", "{\"k\": 1}", "\"42\""
  };
  struct vm_params p;
  struct diag_list d;
  char buf[128];

  (void)state;
  diag_init(&d);
  assert_int_equal(resolve(c, args, 8, NULL, NULL, &p, &d), VM_PARAMS_OK);
  for (size_t i = 0; i < 8; i++) {
    assert_string_equal(text_of(p.items[i].value, buf, sizeof buf), want[i]);
    assert_false(p.items[i].value.secret);
  }
  assert_string_equal(vm_param_type_name(p.items[5].type), "list");
  assert_string_equal(vm_param_type_name(PT_ANY), "any");
  vm_params_free(&p);
  diag_free(&d);
  chunk_free(c);
}

static void test_file_conversions(void **state)
{
  struct chunk *c = chunk_of(typed, 8);
  char *file = temp_file("{\"s\": \"t\", \"i\": 7, \"f\": 2, \"b\": false, \"d\": \"30s\","
                         " \"l\": [1, \"x\"], \"m\": {\"a\": [true]}, \"any\": 12}");
  static const char *const want[] = {
    "\"t\"", "7", "2.0", "false", "30s", "[1, \"x\"]", "{\"a\": [true]}", "12"
  };
  struct vm_params p;
  struct diag_list d;
  char buf[128];

  (void)state;
  diag_init(&d);
  assert_int_equal(resolve(c, NULL, 0, file, NULL, &p, &d), VM_PARAMS_OK);
  for (size_t i = 0; i < 8; i++) {
    assert_int_equal(p.items[i].source, VM_PARAM_FILE);
    assert_string_equal(text_of(p.items[i].value, buf, sizeof buf), want[i]);
  }
  vm_params_free(&p);
  diag_free(&d);
  unlink(file);
  chunk_free(c);
}

/* }==== */

/* {==== errors ==== */

/* The message of the first diagnostic with `code`, or NULL. */
static const struct diag *find_diag(const struct diag_list *d, enum diag_code code)
{
  for (size_t i = 0; i < d->len; i++)
    if (d->items[i].code == code)
      return &d->items[i];
  return NULL;
}

static const struct decl two[] = {
  { "port", PT_INT, false, false }, { "cluster", PT_STRING, false, true },
};

static void test_missing_required(void **state)
{
  struct chunk *c = chunk_of(two, 2);
  struct vm_params p;
  struct diag_list d;
  const struct diag *x;

  (void)state;
  diag_init(&d);
  assert_int_equal(resolve(c, NULL, 0, NULL, NULL, &p, &d), VM_PARAMS_INVALID);
  assert_int_equal(d.len, 1);                  /* cluster has a default */
  x = find_diag(&d, DIAG_RB2008);
  assert_non_null(x);
  assert_string_equal(x->message, "required param `port` (int) has no value");
  assert_int_equal(x->nhelps, 1);
  assert_non_null(strstr(x->helps[0], "--param port=VALUE"));
  assert_non_null(strstr(x->helps[0], "RBC_PARAM_port"));
  assert_null(x->src);
  vm_params_free(&p);
  diag_free(&d);
  chunk_free(c);
}

static void test_unknown_names(void **state)
{
  struct chunk *c = chunk_of(two, 2);
  struct vm_param_arg args[] = { { "prot", "1" }, { "port", "2" } };
  char *file = temp_file("{\"clustr\": \"x\", \"zzzzzz\": 1}");
  struct vm_params p;
  struct diag_list d;

  (void)state;
  diag_init(&d);
  assert_int_equal(resolve(c, args, 2, file, NULL, &p, &d), VM_PARAMS_INVALID);
  assert_int_equal(d.len, 3);
  assert_int_equal(d.items[0].code, DIAG_RB2021);
  assert_string_equal(d.items[0].message,
                      "--param names `prot`, but the runbook declares no such param");
  assert_string_equal(d.items[0].helps[0], "did you mean `port`?");
  assert_non_null(strstr(d.items[1].message, "`clustr`"));
  assert_string_equal(d.items[1].helps[0], "did you mean `cluster`?");
  assert_int_equal(d.items[2].nhelps, 0);      /* nothing close to zzzzzz */
  assert_int_equal(p.items[0].value.as.i, 2);  /* the known one still resolved */
  vm_params_free(&p);
  diag_free(&d);
  unlink(file);
  chunk_free(c);
}

/* Wrong types from every source; the value never appears in a message. */
static void test_wrong_types(void **state)
{
  static const struct decl decls[] = {
    { "a", PT_INT, false, false }, { "b", PT_DURATION, true, false },
    { "c", PT_BOOL, false, false },
  };
  struct chunk *c = chunk_of(decls, 3);
  struct vm_param_arg arg = { "a", SENTINEL };
  const char *env[] = { "RBC_PARAM_b", SENTINEL, NULL };
  char *file = temp_file("{\"c\": \"" SENTINEL "\"}");
  struct vm_params p;
  struct diag_list d;

  (void)state;
  diag_init(&d);
  assert_int_equal(resolve(c, &arg, 1, file, env, &p, &d), VM_PARAMS_INVALID);
  assert_int_equal(d.len, 3);
  for (size_t i = 0; i < d.len; i++) {
    assert_int_equal(d.items[i].code, DIAG_RB2004);
    assert_null(strstr(d.items[i].message, SENTINEL));
    for (int k = 0; k < d.items[i].nnotes; k++)
      assert_null(strstr(d.items[i].notes[k], SENTINEL));
  }
  assert_string_equal(d.items[0].message,
                      "param `a` expects an int, but the value of --param a is not one");
  assert_non_null(strstr(d.items[1].message, "param `c` expects a bool, but the value of `c`"));
  assert_string_equal(d.items[2].message, "param `b` expects a duration, but the value of "
                                          "RBC_PARAM_b is not one");
  vm_params_free(&p);
  diag_free(&d);
  unlink(file);
  chunk_free(c);
}

static void test_bad_params_files(void **state)
{
  struct chunk *c = chunk_of(two, 2);
  static const char *const texts[] = { "[1, 2]", "{not json", "\"x\"" };
  struct vm_param_arg arg = { "port", "1" };
  struct vm_params p;
  struct diag_list d;

  (void)state;
  for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
    char *file = temp_file(texts[i]);

    diag_init(&d);
    assert_int_equal(resolve(c, &arg, 1, file, NULL, &p, &d), VM_PARAMS_INVALID);
    assert_int_equal(d.len, 1);
    assert_int_equal(d.items[0].code, DIAG_RB2022);
    assert_null(strstr(d.items[0].message, "not json"));
    vm_params_free(&p);
    diag_free(&d);
    unlink(file);
  }
  diag_init(&d);
  assert_int_equal(resolve(c, &arg, 1, "/nonexistent/params.json", NULL, &p, &d),
                   VM_PARAMS_NOINPUT);
  assert_int_equal(d.items[0].code, DIAG_RB9003);
  vm_params_free(&p);
  diag_free(&d);
  chunk_free(c);
}

/* Where the param is declared, when the caller says. */
static bool decl_at(const char *name, void *ctx, struct span *out)
{
  (void)ctx;
  if (strcmp(name, "port") != 0)
    return false;
  out->start = 6;
  out->end = 10;
  return true;
}

static void test_declaration_span(void **state)
{
  struct chunk *c = chunk_of(port_decl, 1);
  struct source *src = src_new("t.rb", "param port : int = 1\n", 21);
  struct vm_param_arg arg = { "port", "x" };
  struct vm_params_input in;
  struct vm_params p;
  struct diag_list d;

  (void)state;
  memset(&in, 0, sizeof in);
  in.args = &arg;
  in.nargs = 1;
  in.getenv = fake_getenv;
  in.src = src;
  in.decl_span = decl_at;
  diag_init(&d);
  assert_int_equal(vm_params_resolve(c, &in, &p, &d), VM_PARAMS_INVALID);
  assert_ptr_equal(d.items[0].src, src);
  assert_int_equal(d.items[0].span.start, 6);
  assert_int_equal(d.items[0].nlabels, 1);
  assert_string_equal(d.items[0].labels[0].text, "declared here");
  vm_params_free(&p);
  diag_free(&d);
  src_free(src);
  chunk_free(c);
}

/* }==== */

/* {==== secrets ==== */

static void test_secrets_flagged_on_read(void **state)
{
  static const struct decl decls[] = {
    { "tok", PT_STRING, true, false }, { "url", PT_ANY, true, false },
    { "ids", PT_LIST, true, false }, { "pub", PT_STRING, false, false },
  };
  struct chunk *c = chunk_of(decls, 4);
  struct vm_param_arg arg = { "tok", SENTINEL };
  const char *env[] = { "RBC_PARAM_url", SENTINEL, "RBC_PARAM_pub", "open", NULL };
  char *file = temp_file("{\"ids\": [\"" SENTINEL "\"]}");
  struct vm_params p;
  struct diag_list d;
  struct val_buf b;

  (void)state;
  diag_init(&d);
  assert_int_equal(resolve(c, &arg, 1, file, env, &p, &d), VM_PARAMS_OK);
  assert_true(p.items[0].secret && p.items[0].value.secret);
  assert_true(p.items[1].value.secret);
  assert_int_equal(p.items[1].value.type, VAL_STRING);
  assert_true(p.items[2].value.secret);
  assert_false(p.items[3].value.secret);
  val_buf_init(&b);
  for (size_t i = 0; i < 3; i++)
    val_buf_append_value(&b, p.items[i].value, VAL_FMT_MASKED);
  val_buf_puts(&b, "");
  assert_string_equal(b.data, "******" "***");
  val_buf_free(&b);
  vm_params_free(&p);
  diag_free(&d);
  unlink(file);
  chunk_free(c);
}

/* A chunk without params resolves to nothing; an unknown --param says so. */
static void test_no_params(void **state)
{
  struct chunk *c = chunk_of(NULL, 0);
  struct vm_param_arg arg = { "x", "1" };
  struct vm_params p;
  struct diag_list d;

  (void)state;
  diag_init(&d);
  assert_int_equal(resolve(c, NULL, 0, NULL, NULL, &p, &d), VM_PARAMS_OK);
  assert_int_equal(p.len, 0);
  vm_params_free(&p);
  assert_int_equal(resolve(c, &arg, 1, NULL, NULL, &p, &d), VM_PARAMS_INVALID);
  assert_string_equal(d.items[0].helps[0], "this runbook declares no params");
  vm_params_free(&p);
  diag_free(&d);
  chunk_free(c);
}

/* }==== */

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_precedence),
    cmocka_unit_test(test_last_arg_wins_and_shadows),
    cmocka_unit_test(test_text_conversions),
    cmocka_unit_test(test_file_conversions),
    cmocka_unit_test(test_missing_required),
    cmocka_unit_test(test_unknown_names),
    cmocka_unit_test(test_wrong_types),
    cmocka_unit_test(test_bad_params_files),
    cmocka_unit_test(test_declaration_span),
    cmocka_unit_test(test_secrets_flagged_on_read),
    cmocka_unit_test(test_no_params),
  };

  return cmocka_run_group_tests(tests, NULL, NULL);
}
