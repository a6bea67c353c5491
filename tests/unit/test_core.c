/*
** test_core.c: the arena, the source map and the diagnostics list.
*/
#define _POSIX_C_SOURCE 200809L

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lexer/diag.h"
#include "lexer/source.h"
#include "parser/arena.h"

/* {==== arena ==== */

static void
test_arena_alloc(void **state)
{
  struct arena *a = arena_new();
  char *big, *s;
  int i;

  (void)state;
  assert_non_null(a);
  for (i = 0; i < 10000; i++) {
    int *p = arena_alloc(a, sizeof *p);
    assert_non_null(p);
    assert_int_equal(*p, 0);                /* zero-filled */
    assert_int_equal((uintptr_t)p % sizeof(long double) % sizeof(void *), 0);
    *p = i;
  }
  big = arena_alloc(a, 1024 * 1024);        /* dedicated block */
  assert_non_null(big);
  memset(big, 'x', 1024 * 1024);
  s = arena_strndup(a, "hello world", 5);
  assert_string_equal(s, "hello");
  assert_string_equal(arena_strdup(a, ""), "");
  assert_true(arena_used(a) >= 1024 * 1024 + 10000 * sizeof(int));
  arena_free(a);
  arena_free(NULL);
}

/* {==== source ==== */

struct pos_case {
  const char *text;
  uint32_t off, line, col;
};

static const struct pos_case pos_cases[] = {
  { "abc", 0, 1, 1 },
  { "abc", 2, 1, 3 },
  { "abc", 3, 1, 4 },
  { "a\nbc", 2, 2, 1 },
  { "a\nbc", 3, 2, 2 },
  { "a\n\n\nx", 4, 4, 1 },
  { "\xc3\xa9x", 2, 1, 2 },                 /* é is one column */
  { "\t\tx", 2, 1, 3 },                     /* a tab counts as one */
  { "\xe2\x9c\x93 ok\nz", 4, 1, 3 },
  { "ab", 99, 1, 3 },                       /* past the end clamps */
};

static void
test_source_positions(void **state)
{
  size_t i;

  (void)state;
  for (i = 0; i < sizeof pos_cases / sizeof pos_cases[0]; i++) {
    const struct pos_case *c = &pos_cases[i];
    struct source *src = src_new("t.rb", c->text, strlen(c->text));
    uint32_t line, col;

    assert_non_null(src);
    src_position(src, c->off, &line, &col);
    assert_int_equal(line, c->line);
    assert_int_equal(col, c->col);
    src_free(src);
  }
}

static void
test_source_lines(void **state)
{
  struct source *src = src_new("t.rb", "one\r\ntwo\n\nfour", 14);
  size_t len;
  const char *l;

  (void)state;
  assert_int_equal(src->nlines, 4);
  l = src_line(src, 1, &len);
  assert_int_equal(len, 3);                 /* CR stripped */
  assert_memory_equal(l, "one", 3);
  l = src_line(src, 3, &len);
  assert_int_equal(len, 0);
  l = src_line(src, 4, &len);
  assert_int_equal(len, 4);
  assert_memory_equal(l, "four", 4);
  l = src_line(src, 9, &len);
  assert_int_equal(len, 0);
  src_free(src);
}

static void
test_source_nul_and_hash(void **state)
{
  struct source *src = src_new("t.rb", "a\0b", 3);
  char hex[65];

  (void)state;
  assert_int_equal(src->len, 3);
  assert_int_equal(src->text[3], '\0');
  src_free(src);
  src = src_new("t.rb", "abc", 3);
  src_sha256_hex(src, hex);
  assert_string_equal(hex,
    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  src_free(src);
  /* FIPS 180-4's two-block vector: 56 bytes, so the padding needs a second block */
  src = src_new("t.rb", "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 56);
  src_sha256_hex(src, hex);
  assert_string_equal(hex,
    "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  src_free(src);
  src = src_new("t.rb", "", 0);
  src_sha256_hex(src, hex);
  assert_string_equal(hex,
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  src_free(src);
  /* FIPS 180-4's long vector: a million 'a' (many blocks, lengths past 2^16 bits) */
  {
    char *text = malloc(1000000);
    assert_non_null(text);
    memset(text, 'a', 1000000);
    src = src_new("t.rb", text, 1000000);
    free(text);
    src_sha256_hex(src, hex);
    assert_string_equal(hex,
      "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
    src_free(src);
  }
}

static void
test_source_read_file(void **state)
{
  char path[] = "/tmp/rbc-test-core-XXXXXX";
  int fd = mkstemp(path), err = 0;
  struct source *src;
  FILE *f;

  (void)state;
  assert_true(fd >= 0);
  f = fdopen(fd, "w");
  fputs("line 1\nline 2\n", f);
  fclose(f);
  src = src_read_file(path, &err);
  assert_non_null(src);
  assert_int_equal(src->len, 14);
  assert_int_equal(src->nlines, 3);
  src_free(src);
  remove(path);
  assert_null(src_read_file("/nonexistent/x.rb", &err));
  assert_int_not_equal(err, 0);
}

/* {==== diagnostics ==== */

static void
test_diag_table(void **state)
{
  (void)state;
  assert_string_equal(diag_info(DIAG_RB3001)->code, "RB3001");
  assert_string_equal(diag_info(DIAG_RB3001)->name, "secret-in-shell");
  assert_int_equal(diag_info(DIAG_RB4005)->severity, DIAG_INFO);
  assert_int_equal(diag_lookup("RB2001"), DIAG_RB2001);
  assert_int_equal(diag_lookup("undefined-name"), DIAG_RB2001);
  assert_int_equal(diag_lookup("RB0000"), -1);
  assert_int_equal(diag_severity_parse("warning"), DIAG_WARNING);
  assert_int_equal(diag_severity_parse("fatal"), -1);
}

static void
test_diag_list(void **state)
{
  struct diag_list list;
  struct diag *d;
  struct span sp = { 10, 12 };
  int i;

  (void)state;
  diag_init(&list);
  d = diag_add(&list, DIAG_RB2001, NULL, sp, "`%s` is not defined", "lb_dsn");
  assert_non_null(d);
  diag_label(d, sp, true, "not found in this scope");
  diag_help(d, "did you mean `%s`?", "lb_dns");
  diag_note(d, "declared params: %d", 3);
  diag_set_fix(d, true, sp, "lb_dns");
  assert_string_equal(d->message, "`lb_dsn` is not defined");
  assert_int_equal(d->nlabels, 1);
  assert_string_equal(d->helps[0], "did you mean `lb_dns`?");
  assert_string_equal(d->fix.text, "lb_dns");
  diag_add(&list, DIAG_RB4001, NULL, (struct span){ 0, 1 }, "missing owner");
  assert_true(diag_has_errors(&list));
  assert_int_equal(diag_count_at_least(&list, DIAG_WARNING), 2);
  assert_int_equal(diag_count_at_least(&list, DIAG_ERROR), 1);
  list.items[0].suppressed = true;
  diag_recount(&list);
  assert_false(diag_has_errors(&list));
  diag_sort(&list);
  assert_int_equal(list.items[0].code, DIAG_RB4001);
  /* Helpers accept NULL. */
  diag_help(NULL, "x");
  diag_label(NULL, sp, true, "x");
  diag_free(&list);

  diag_init(&list);
  list.limit = 3;
  for (i = 0; i < 10; i++)
    diag_add(&list, DIAG_RB1001, NULL, sp, "syntax %d", i);
  assert_int_equal(list.len, 3);
  assert_non_null(diag_add(&list, DIAG_RB2001, NULL, sp, "not syntax"));
  diag_free(&list);
}

int
main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_arena_alloc),
    cmocka_unit_test(test_source_positions),
    cmocka_unit_test(test_source_lines),
    cmocka_unit_test(test_source_nul_and_hash),
    cmocka_unit_test(test_source_read_file),
    cmocka_unit_test(test_diag_table),
    cmocka_unit_test(test_diag_list),
  };

  return cmocka_run_group_tests(tests, NULL, NULL);
}
