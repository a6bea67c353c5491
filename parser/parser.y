/*
** parser.y: the grammar of rbc (docs/language.md is its reference).
**
** A pure, located bison parser over the token stream of lexer/lexer.l.
** Every node is allocated from the compilation's arena, so no semantic
** value owns memory and no %destructor is needed.  Syntax errors become
** diagnostics (RB1xxx) in the parse context; `error` productions sit only
** at item, statement and block boundaries, and the lexer re-synchronises
** the token stream to the end of the broken statement (parse_yylex in
** lexer.l), so several errors per file are reported without cascades.
**
** Locations are byte spans (struct span); line and column are computed only
** when a message needs them.
*/

%code top {
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
}

%code requires {
#include <stdalign.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lexer/diag.h"
#include "lexer/source.h"
#include "lexer/suggest.h"
#include "parser/arena.h"
#include "parser/ast.h"
#include "parser/parse.h"

/* {==== shared between the lexer and the parser ==== */

/* A node list under construction: O(1) append through tail. */
struct node_list {
  struct ast_node *head;        /* first node, NULL when empty */
  struct ast_node *tail;        /* last node, NULL when empty */
};

/* What a clause of a step, retry, wait, monitor or assert http looks like. */
enum clause_kind {
  CL_WORD,                      /* IDENT expr          (every 5s, timeout 2m) */
  CL_WHEN,                      /* when expr */
  CL_RETRY,                     /* retry expr          (a step modifier) */
  CL_ONFAIL,                    /* on IDENT IDENT      (on failure continue) */
  CL_ONTROUBLE,                 /* on IDENT troubleshoot "name" */
  CL_OPTION,                    /* IDENT ':' expr      (assert http options) */
  CL_WITHIN,                    /* within expr         (assert http check) */
  CL_CMP,                       /* IDENT cmp expr      (monitor threshold) */
  CL_RANGE                      /* IDENT expr .. expr  (monitor threshold) */
};

/* One clause; lives in the arena like the nodes it points to. */
struct clause {
  enum clause_kind kind;
  struct ast_ident word;        /* the clause word (every, failure, value, ...) */
  struct ast_ident word2;       /* ON: continue/abort, or the troubleshoot name */
  struct ast_node *value;       /* the expression, or the range's low end */
  struct ast_node *value2;      /* the range's high end */
  int op;                       /* CL_CMP: an enum ast_binop comparison */
  struct span span;             /* the whole clause */
  struct clause *next;          /* next clause in source order */
};

struct clause_list {
  struct clause *head;          /* first clause, NULL when empty */
  struct clause *tail;          /* last clause */
};

/* Kinds of open brackets the lexer tracks (see lexer.l). */
enum lex_frame_kind {
  FR_PAREN,                     /* ( */
  FR_BRACKET,                   /* [ */
  FR_BLOCK,                     /* { of a block: runbook, phase, step, if, ... */
  FR_MAP,                       /* { of a map literal */
  FR_INTERP,                    /* ${ inside a string */
  FR_STRING                     /* an open string literal */
};

/* One open bracket or string. */
struct lex_frame {
  enum lex_frame_kind kind;
  int sc;                       /* FR_STRING: the start condition of its body */
  bool bad_utf8;                /* FR_STRING: RB1008 already reported */
  uint32_t open;                /* offset of the opening token */
  uint32_t indent;              /* FR_STRING, multi-line: indentation removed */
  const char *what;             /* construct it opens, for messages */
};

/* Depth of brackets, blocks and strings the lexer accepts. */
#define LEX_MAX_FRAMES PARSE_MAX_DEPTH

/* Bytes reserved for flex's own allocations (see lexer.l "allocation"). */
#define LEX_POOL_BYTES 4096

/*
** The state of one parse, shared by the lexer (as yyextra) and the parser
** (as its %param).  Owned by parse_source; everything it points to in the
** arena survives it, the rest is released by parse_ctx_fini.
*/
struct parse_ctx {
  struct arena *arena;          /* nodes, names, decoded strings */
  const struct source *src;     /* the text being parsed */
  struct diag_list *diags;      /* where errors go */
  void *scanner;                /* the flex scanner (yyscan_t) */

  char *buf;                    /* copy of the source + 2 NULs, for flex */
  uint32_t pos;                 /* offset of the next byte to scan */

  struct lex_frame frames[LEX_MAX_FRAMES]; /* open brackets, innermost last */
  int nframes;                  /* entries in frames */

  char *text;                   /* string text being accumulated (malloc) */
  size_t text_len, text_cap;    /* bytes used and allocated in text */
  uint32_t text_start;          /* offset where the accumulated text starts */

  int last_tok;                 /* last token returned, 0 at the start */
  uint32_t last_end;            /* end offset of that token */
  int prev_tok;                 /* the token before it */
  struct span prev_span;        /* and its span */
  struct span last_span;        /* span of last_tok */
  int frames_before_tok;        /* nframes before the last token was read */
  int stmt_frames;              /* nframes at the start of the current statement */
  const char *construct;        /* last block keyword seen in this statement */

  struct ast_comment *comments; /* comments found so far (malloc) */
  size_t ncomments, ccap;       /* used and allocated entries */

  int errors;                   /* syntax errors reported */
  bool aborted;                 /* stop: too many errors or nesting too deep */
  bool oom;                     /* an allocation failed */
  bool eof_reported;            /* an error at the end of file is already out */
  bool skipping;                /* re-synchronising after a syntax error */
  bool depth_cut;               /* the current expression was cut (RB1009) */
  int skip_frames;              /* ... to this bracket depth */

  struct node_list imports;     /* IMPORT nodes of the file (and runbook) */
  struct node_list items;       /* RUNBOOK and FN nodes of the file */
  bool seen_runbook;            /* a runbook was parsed */

  size_t pool_used;             /* bytes of pool handed to flex */
  alignas(max_align_t) unsigned char pool[LEX_POOL_BYTES]; /* flex's memory */
};

/* }==== */
}

%code provides {
/* {==== lexer interface (lexer/lexer.l) ==== */

/*
** Prepare ctx to scan src: copies the text for flex and creates the
** scanner.  Returns 0, or -1 when out of memory (ctx is then finalised).
*/
int lex_open(struct parse_ctx *ctx, struct arena *a, const struct source *src,
             struct diag_list *diags);

/* Release the scanner and the lexer's buffers (not the arena's data). */
void lex_close(struct parse_ctx *ctx);

/*
** The next token for the parser: its kind (0 at the end), its value in
** *lval and its span in *lloc.  Never fails; problems become diagnostics.
*/
int parse_yylex(PARSE_YYSTYPE *lval, struct span *lloc, struct parse_ctx *ctx);

/*
** Spelling of a token kind for messages ("'}'", "identifier", "string"),
** written into buf when it has to be built.  Returns buf or a constant.
*/
const char *parse_token_name(int tok, char *buf, size_t size);

/*
** Report a syntax error in ctx's file.  Counts it against PARSE_MAX_ERRORS
** and stops the parse (RB1010) when the limit is reached.  Returns the diag
** for labels and hints, or NULL (limit reached, out of memory).
*/
struct diag *parse_error(struct parse_ctx *ctx, enum diag_code code,
                         struct span span, const char *fmt, ...)
  __attribute__((format(printf, 4, 5)));

/* }==== */
}

%code {
static void parse_yyerror(struct span *loc, struct parse_ctx *ctx, const char *msg);
static struct ast_node *mk(struct parse_ctx *ctx, enum ast_kind kind, struct span sp);
static void add(struct node_list *l, struct ast_node *n);
static struct node_list one(struct ast_node *n);
static struct clause *mk_clause(struct parse_ctx *ctx, enum clause_kind kind,
                                struct span sp);
static void add_clause(struct clause_list *l, struct clause *c);
static bool name_of(struct parse_ctx *ctx, struct ast_node *str, const char *what,
                    struct ast_ident *out);
static struct ast_node *binary(struct parse_ctx *ctx, enum ast_binop op,
                               struct ast_node *l, struct ast_node *r, struct span sp);
static struct ast_node *unary(struct parse_ctx *ctx, enum ast_unop op,
                              struct ast_node *e, struct span sp);
static struct ast_node *bare_call(struct parse_ctx *ctx, const char *name,
                                  struct span kw, struct node_list args, struct span sp);
static bool check_args(struct parse_ctx *ctx, struct ast_node *args);
static struct ast_node *build_step(struct parse_ctx *ctx, struct ast_ident name,
                                   struct clause *mods, struct ast_node *body,
                                   struct span sp);
static struct ast_node *build_retry(struct parse_ctx *ctx, struct ast_node *attempts,
                                    struct clause *cls, struct span sp);
static struct ast_node *build_wait(struct parse_ctx *ctx, struct ast_ident until,
                                   struct ast_node *cond, struct clause *cls,
                                   struct span sp);
static struct ast_node *build_assert_http(struct parse_ctx *ctx, struct ast_ident http,
                                          struct ast_node *status, struct ast_ident method,
                                          struct ast_node *url, struct clause *cls,
                                          struct span sp);
static struct ast_node *build_monitor(struct parse_ctx *ctx, struct ast_ident name,
                                      struct clause *cls, struct span sp);
static struct ast_node *build_trigger(struct parse_ctx *ctx, struct ast_ident mode,
                                      struct ast_ident name, struct ast_node *cond,
                                      struct ast_node *dur, struct span sp);
static bool expect_word(struct parse_ctx *ctx, struct ast_ident got, const char *want,
                        const char *where);
static struct ast_ident no_ident(void);

/*
** After an error production: drop the offending lookahead (the lexer then
** delivers the end of the broken statement, see parse_yylex in lexer.l)
** and report the next error at once.  Not at the end of the file, where it
** would loop.
*/
#define ERROK_IN(brace_ok)                                              \
  do {                                                                  \
    if (yychar != TOK_YYEOF) {                                          \
      if (yychar != TOK_NEWLINE && !((brace_ok) && yychar == '}'))      \
        yyclearin;                                                      \
      yyerrok;                                                          \
    }                                                                   \
  } while (0)

/* Inside braces a '}' lookahead ends the broken item; at the top it cannot. */
#define ERROK() ERROK_IN(true)

/* Abort the parse when an allocation failed (the result is then unusable). */
#define NEED(p) do { if ((p) == NULL) { ctx->oom = true; YYABORT; } } while (0)

/* Byte spans carry through the grammar: a rule spans its first to last symbol. */
#define YYLLOC_DEFAULT(cur, rhs, n)                                     \
  do {                                                                  \
    if (n) {                                                            \
      (cur).start = YYRHSLOC(rhs, 1).start;                             \
      (cur).end = YYRHSLOC(rhs, n).end;                                 \
    } else {                                                            \
      (cur).start = (cur).end = YYRHSLOC(rhs, 0).end;                   \
    }                                                                   \
  } while (0)

/* bison's own stack: deep enough for PARSE_MAX_DEPTH, bounded for hostile input. */
#define YYINITDEPTH 256
#define YYMAXDEPTH (PARSE_MAX_DEPTH * 24)
}

%define api.pure full
%define api.prefix {parse_yy}
%define api.token.prefix {TOK_}
%define api.location.type {struct span}
%define parse.error custom
%define parse.lac full
%define lr.type ielr
%locations
%param {struct parse_ctx *ctx}
%expect 0

%union {
  struct ast_node *node;        /* a node (literal tokens carry theirs) */
  struct ast_ident id;          /* an identifier with its span */
  struct node_list list;        /* a list being built */
  struct clause *cl;            /* one clause */
  struct clause_list cls;       /* clauses being collected */
  int op;                       /* a comparison operator */
}

%token NEWLINE          "end of line"
%token <node> INT       "integer"
%token <node> FLOAT     "number"
%token <node> DURATION  "duration"
%token <node> PERCENT   "percentage"
%token <node> STATUS_CLASS "status class"
%token <node> STR_BEGIN "string"
%token <node> STR_TEXT  "string text"
%token STR_END          "end of string"
%token INTERP_BEGIN     "${"
%token INTERP_END       "} of ${"
%token <id> IDENT       "identifier"
%token <id> HTTP_METHOD "HTTP method"
%token INVALID          "invalid character"

%token RUNBOOK "runbook" IMPORT "import" PARAM "param" SECRET "secret" FN "fn"
%token LET "let" IF "if" ELSE "else" FOR "for" IN "in" RETURN "return"
%token RETRY "retry" WAIT "wait" ASSERT "assert" SH "sh" CONFIRM "confirm"
%token LOG "log" FAIL "fail" PARALLEL "parallel" PHASE "phase" STEP "step"
%token CONTACT "contact" RESOURCE "resource" TRIGGER "trigger"
%token CHECKLIST "checklist" ITEM "item" TROUBLESHOOT "troubleshoot"
%token MONITOR "monitor" WHEN "when" WITHIN "within" ON "on"
%token AND "and" OR "or" NOT "not" TRUE "true" FALSE "false" NULL "null"
%token COALESCE "??" EQ "==" NE "!=" LE "<=" GE ">=" DOTDOT ".."

%right COALESCE
%left OR
%left AND
%precedence NOT
%nonassoc EQ NE '<' LE '>' GE IN
%left '+' '-'
%left '*' '/' '%'
%precedence UMINUS

%type <node> file_item rb_item meta contact cfield resource param fn_def trigger
%type <node> phase phase_item step checklist cl_item troubleshoot monitor import_decl
%type <node> block stmt if_stmt for_stmt parallel_stmt assert_stmt bare_stmt
%type <node> expr postfix primary string arg pair opt_within opt_when opt_for
%type <node> opt_default opt_limit http_status name_path
%type <list> rb_items rb_item_list cfields cfield_list phase_items step_list
%type <list> cl_items cl_list stmts stmt_list opt_idents ident_list call_args args
%type <list> list_items expr_list map_items map_list str_parts
%type <id> name_str opt_type opt_method
%type <cls> step_mods clauses mon_clauses http_clauses
%type <cl> step_mod mon_clause http_clause
%type <op> cmp_op

%%

/* {==== the file ==== */

/* file -> { import | runbook | fn } separated by newlines */
file
  : %empty
  | file_list
  | file_list NEWLINE
  ;

file_list
  : file_item
  | file_list NEWLINE file_item
  ;

file_item
  : import_decl         { add(&ctx->imports, $1); $$ = $1; }
  | runbook             { $$ = NULL; }
  | fn_def              { add(&ctx->items, $1); $$ = $1; }
  | error               { ERROK_IN(false); $$ = NULL; }
  ;

/* import -> IMPORT string */
import_decl
  : IMPORT string
      { $$ = mk(ctx, AST_IMPORT, @$); NEED($$); $$->u.import.path = $2; }
  ;

/* runbook -> RUNBOOK name '{' items '}' */
runbook
  : RUNBOOK name_str '{' rb_items '}'
      {
        struct ast_node *n = mk(ctx, AST_RUNBOOK, @$);
        NEED(n);
        n->u.runbook.name = $2;
        n->u.runbook.items = $4.head;
        if (ctx->seen_runbook)
          parse_error(ctx, DIAG_RB1012, @1, "a file holds at most one runbook");
        ctx->seen_runbook = true;
        add(&ctx->items, n);
      }
  ;

/* A name written as a plain string: phase "x", step "y", ... */
name_str
  : string      { if (!name_of(ctx, $1, "a name", &$$)) $$ = no_ident(); }
  ;

rb_items
  : %empty                      { $$ = one(NULL); }
  | rb_item_list
  | rb_item_list NEWLINE
  ;

rb_item_list
  : rb_item                     { $$ = one($1); }
  | rb_item_list NEWLINE rb_item { $$ = $1; add(&$$, $3); }
  ;

rb_item
  : meta | contact | resource | param | fn_def | trigger | phase
  | checklist | troubleshoot | monitor
  | import_decl         { add(&ctx->imports, $1); $$ = NULL; }
  | step
      {
        parse_error(ctx, DIAG_RB1012, $1 ? $1->span : @1,
                    "a step belongs inside a phase");
        $$ = NULL;
      }
  | error               { ERROK(); $$ = NULL; }
  ;

/* }==== */

/* {==== runbook items ==== */

/* meta -> IDENT expr   (title "x", criticality high, rto 15m) */
meta
  : IDENT expr
      {
        $$ = mk(ctx, AST_META, @$); NEED($$);
        $$->u.meta.key = $1;
        $$->u.meta.value = $2;
      }
  ;

/* contact -> CONTACT name '{' { IDENT expr } '}' */
contact
  : CONTACT name_str '{' cfields '}'
      {
        $$ = mk(ctx, AST_CONTACT, @$); NEED($$);
        $$->u.contact.role = $2;
        $$->u.contact.fields = $4.head;
      }
  ;

cfields
  : %empty                      { $$ = one(NULL); }
  | cfield_list
  | cfield_list NEWLINE
  ;

cfield_list
  : cfield                      { $$ = one($1); }
  | cfield_list cfield          { $$ = $1; add(&$$, $2); }
  | cfield_list NEWLINE cfield  { $$ = $1; add(&$$, $3); }
  ;

cfield
  : IDENT expr
      {
        $$ = mk(ctx, AST_META, @$); NEED($$);
        $$->u.meta.key = $1;
        $$->u.meta.value = $2;
      }
  | error               { ERROK(); $$ = NULL; }
  ;

/* resource -> RESOURCE IDENT expr */
resource
  : RESOURCE IDENT expr
      {
        $$ = mk(ctx, AST_RESOURCE, @$); NEED($$);
        $$->u.resource.name = $2;
        $$->u.resource.value = $3;
      }
  ;

/* param -> (PARAM | SECRET) IDENT [':' IDENT] ['=' expr] */
param
  : PARAM IDENT opt_type opt_default
      {
        $$ = mk(ctx, AST_PARAM, @$); NEED($$);
        $$->u.param.name = $2;
        $$->u.param.type = $3;
        $$->u.param.value = $4;
      }
  | SECRET IDENT opt_type opt_default
      {
        $$ = mk(ctx, AST_PARAM, @$); NEED($$);
        $$->u.param.name = $2;
        $$->u.param.type = $3;
        $$->u.param.value = $4;
        $$->u.param.secret = true;
      }
  ;

opt_type
  : %empty              { $$ = no_ident(); }
  | ':' IDENT           { $$ = $2; }
  ;

opt_default
  : %empty              { $$ = NULL; }
  | '=' expr            { $$ = $2; }
  ;

/* fn -> FN IDENT '(' [IDENT {',' IDENT}] ')' block */
fn_def
  : FN IDENT '(' opt_idents ')' block
      {
        $$ = mk(ctx, AST_FN, @$); NEED($$);
        $$->u.fn.name = $2;
        $$->u.fn.params = $4.head;
        $$->u.fn.body = $6;
      }
  ;

opt_idents
  : %empty                      { $$ = one(NULL); }
  | ident_list
  | ident_list ','
  ;

ident_list
  : IDENT
      {
        struct ast_node *n = mk(ctx, AST_NAME, @1);
        NEED(n);
        n->u.name = $1;
        $$ = one(n);
      }
  | ident_list ',' IDENT
      {
        struct ast_node *n = mk(ctx, AST_NAME, @3);
        NEED(n);
        n->u.name = $3;
        $$ = $1;
        add(&$$, n);
      }
  ;

/* trigger -> TRIGGER (auto|manual) name [WHEN expr] [FOR expr] */
trigger
  : TRIGGER IDENT name_str opt_when opt_for
      { $$ = build_trigger(ctx, $2, $3, $4, $5, @$); }
  ;

opt_when
  : %empty              { $$ = NULL; }
  | WHEN expr           { $$ = $2; }
  ;

opt_for
  : %empty              { $$ = NULL; }
  | FOR expr            { $$ = $2; }
  ;

/* phase -> PHASE name [WITHIN expr] '{' { step } '}' */
phase
  : PHASE name_str opt_within '{' phase_items '}'
      {
        $$ = mk(ctx, AST_PHASE, @$); NEED($$);
        $$->u.phase.name = $2;
        $$->u.phase.within = $3;
        $$->u.phase.steps = $5.head;
      }
  ;

opt_within
  : %empty              { $$ = NULL; }
  | WITHIN expr         { $$ = $2; }
  ;

phase_items
  : %empty                      { $$ = one(NULL); }
  | step_list
  | step_list NEWLINE
  ;

step_list
  : phase_item                  { $$ = one($1); }
  | step_list NEWLINE phase_item { $$ = $1; add(&$$, $3); }
  ;

phase_item
  : step
  | error               { ERROK(); $$ = NULL; }
  ;

/* step -> STEP name { modifier } block */
step
  : STEP name_str step_mods block
      { $$ = build_step(ctx, $2, $3.head, $4, @$); }
  ;

step_mods
  : %empty                      { $$.head = $$.tail = NULL; }
  | step_mods step_mod          { $$ = $1; add_clause(&$$, $2); }
  ;

/* modifier -> WHEN expr | RETRY expr | IDENT expr | ON IDENT (IDENT | TROUBLESHOOT name) */
step_mod
  : WHEN expr
      { $$ = mk_clause(ctx, CL_WHEN, @$); NEED($$); $$->value = $2; }
  | RETRY expr
      { $$ = mk_clause(ctx, CL_RETRY, @$); NEED($$); $$->value = $2; }
  | IDENT expr
      { $$ = mk_clause(ctx, CL_WORD, @$); NEED($$); $$->word = $1; $$->value = $2; }
  | ON IDENT IDENT
      { $$ = mk_clause(ctx, CL_ONFAIL, @$); NEED($$); $$->word = $2; $$->word2 = $3; }
  | ON IDENT TROUBLESHOOT name_str
      { $$ = mk_clause(ctx, CL_ONTROUBLE, @$); NEED($$); $$->word = $2; $$->word2 = $4; }
  ;

/* checklist -> CHECKLIST name '{' { ITEM name [verify expr] } '}' */
checklist
  : CHECKLIST name_str '{' cl_items '}'
      {
        $$ = mk(ctx, AST_CHECKLIST, @$); NEED($$);
        $$->u.checklist.name = $2;
        $$->u.checklist.items = $4.head;
      }
  ;

cl_items
  : %empty                      { $$ = one(NULL); }
  | cl_list
  | cl_list NEWLINE
  ;

cl_list
  : cl_item                     { $$ = one($1); }
  | cl_list NEWLINE cl_item     { $$ = $1; add(&$$, $3); }
  ;

cl_item
  : ITEM name_str
      { $$ = mk(ctx, AST_ITEM, @$); NEED($$); $$->u.item.text = $2; }
  | ITEM name_str IDENT expr
      {
        $$ = mk(ctx, AST_ITEM, @$); NEED($$);
        $$->u.item.text = $2;
        if (expect_word(ctx, $3, "verify", "after a checklist item"))
          $$->u.item.verify = $4;
      }
  | error               { ERROK(); $$ = NULL; }
  ;

/* troubleshoot -> TROUBLESHOOT name block */
troubleshoot
  : TROUBLESHOOT name_str block
      {
        $$ = mk(ctx, AST_TROUBLESHOOT, @$); NEED($$);
        $$->u.troubleshoot.name = $2;
        $$->u.troubleshoot.body = $3;
      }
  ;

/* monitor -> MONITOR name value expr normal THRESH alert THRESH */
monitor
  : MONITOR name_str mon_clauses
      { $$ = build_monitor(ctx, $2, $3.head, @$); }
  ;

mon_clauses
  : mon_clause                  { $$.head = $$.tail = NULL; add_clause(&$$, $1); }
  | mon_clauses mon_clause      { $$ = $1; add_clause(&$$, $2); }
  ;

mon_clause
  : IDENT expr
      { $$ = mk_clause(ctx, CL_WORD, @$); NEED($$); $$->word = $1; $$->value = $2; }
  | IDENT cmp_op expr
      {
        $$ = mk_clause(ctx, CL_CMP, @$); NEED($$);
        $$->word = $1; $$->op = $2; $$->value = $3;
      }
  | IDENT expr DOTDOT expr
      {
        $$ = mk_clause(ctx, CL_RANGE, @$); NEED($$);
        $$->word = $1; $$->value = $2; $$->value2 = $4;
      }
  ;

cmp_op
  : EQ { $$ = BIN_EQ; } | NE { $$ = BIN_NE; } | '<' { $$ = BIN_LT; }
  | LE { $$ = BIN_LE; } | '>' { $$ = BIN_GT; } | GE { $$ = BIN_GE; }
  ;

/* }==== */

/* {==== statements ==== */

/*
** Statements are separated by NEWLINE (the lexer has already dropped the
** newlines that do not end a statement, and collapses runs of them).  The
** `error` alternative of stmt is the recovery point inside blocks: the
** lexer skips to the end of the broken statement, ERROK drops the bad
** lookahead, and parsing resumes with the next statement.
*/

/* block -> '{' [stmt {NEWLINE stmt}] '}' */
block
  : '{' stmts '}'
      { $$ = mk(ctx, AST_BLOCK, @$); NEED($$); $$->u.block.stmts = $2.head; }
  ;

stmts
  : %empty                      { $$ = one(NULL); }
  | stmt_list
  | stmt_list NEWLINE
  ;

stmt_list
  : stmt                        { $$ = one($1); }
  | stmt_list NEWLINE stmt      { $$ = $1; add(&$$, $3); }
  ;

stmt
  : expr
      { $$ = mk(ctx, AST_EXPR_STMT, @$); NEED($$); $$->u.expr_stmt.expr = $1; }
  | expr '=' expr
      {
        enum ast_kind k = $1->kind;
        $$ = NULL;
        if (k == AST_NAME || k == AST_MEMBER || k == AST_INDEX) {
          $$ = mk(ctx, AST_ASSIGN, @$); NEED($$);
          $$->u.assign.target = $1;
          $$->u.assign.value = $3;
        } else {
          parse_error(ctx, DIAG_RB1001, @1,
                      "cannot assign to this expression (a name, member or index is needed)");
        }
      }
  | LET IDENT '=' expr
      {
        $$ = mk(ctx, AST_LET, @$); NEED($$);
        $$->u.let.name = $2;
        $$->u.let.value = $4;
      }
  | if_stmt
  | for_stmt
  | RETRY expr clauses block
      {
        struct ast_node *spec = build_retry(ctx, $2, $3.head, @$);
        $$ = NULL;
        if (spec != NULL) {
          spec->span.end = $3.tail ? $3.tail->span.end : $2->span.end;
          $$ = mk(ctx, AST_RETRY, @$); NEED($$);
          $$->u.retry.spec = spec;
          $$->u.retry.body = $4;
        }
      }
  | WAIT IDENT expr clauses
      { $$ = build_wait(ctx, $2, $3, $4.head, @$); }
  | assert_stmt
  | bare_stmt
  | RETURN
      { $$ = mk(ctx, AST_RETURN, @$); NEED($$); }
  | RETURN expr
      { $$ = mk(ctx, AST_RETURN, @$); NEED($$); $$->u.return_.value = $2; }
  | parallel_stmt
  | error               { ERROK(); $$ = NULL; }
  ;

/* if -> IF expr block [ELSE (block | if)] */
if_stmt
  : IF expr block
      {
        $$ = mk(ctx, AST_IF, @$); NEED($$);
        $$->u.if_.cond = $2;
        $$->u.if_.then = $3;
      }
  | IF expr block ELSE block
      {
        $$ = mk(ctx, AST_IF, @$); NEED($$);
        $$->u.if_.cond = $2;
        $$->u.if_.then = $3;
        $$->u.if_.els = $5;
      }
  | IF expr block ELSE if_stmt
      {
        $$ = mk(ctx, AST_IF, @$); NEED($$);
        $$->u.if_.cond = $2;
        $$->u.if_.then = $3;
        $$->u.if_.els = $5;
      }
  ;

/* for -> FOR IDENT [',' IDENT] IN expr block */
for_stmt
  : FOR IDENT IN expr block
      {
        $$ = mk(ctx, AST_FOR, @$); NEED($$);
        $$->u.for_.var = $2;
        $$->u.for_.var2 = no_ident();
        $$->u.for_.iter = $4;
        $$->u.for_.body = $5;
      }
  | FOR IDENT ',' IDENT IN expr block
      {
        $$ = mk(ctx, AST_FOR, @$); NEED($$);
        $$->u.for_.var = $2;
        $$->u.for_.var2 = $4;
        $$->u.for_.iter = $6;
        $$->u.for_.body = $7;
      }
  ;

clauses
  : %empty                      { $$.head = $$.tail = NULL; }
  | clauses IDENT expr
      {
        struct clause *c = mk_clause(ctx, CL_WORD, @2);
        NEED(c);
        c->span.end = @3.end;
        c->word = $2;
        c->value = $3;
        $$ = $1;
        add_clause(&$$, c);
      }
  ;

/*
** assert -> ASSERT expr [',' expr]
**         | ASSERT http STATUS [METHOD] expr { option | check }
*/
assert_stmt
  : ASSERT expr
      { $$ = mk(ctx, AST_ASSERT, @$); NEED($$); $$->u.assert_.cond = $2; }
  | ASSERT expr ',' expr
      {
        $$ = mk(ctx, AST_ASSERT, @$); NEED($$);
        $$->u.assert_.cond = $2;
        $$->u.assert_.message = $4;
      }
  | ASSERT IDENT http_status opt_method expr http_clauses
      { $$ = build_assert_http(ctx, $2, $3, $4, $5, $6.head, @$); }
  ;

http_status
  : INT
  | STATUS_CLASS
  | name_path
  ;

/* A name or a member chain without calls: status and limit operands. */
name_path
  : IDENT
      { $$ = mk(ctx, AST_NAME, @$); NEED($$); $$->u.name = $1; }
  | name_path '.' IDENT
      {
        $$ = mk(ctx, AST_MEMBER, @$); NEED($$);
        $$->u.member.object = $1;
        $$->u.member.id = $3;
      }
  ;

opt_method
  : %empty              { $$ = no_ident(); }
  | HTTP_METHOD
  ;

http_clauses
  : %empty                      { $$.head = $$.tail = NULL; }
  | http_clauses http_clause    { $$ = $1; add_clause(&$$, $2); }
  ;

http_clause
  : IDENT ':' expr
      { $$ = mk_clause(ctx, CL_OPTION, @$); NEED($$); $$->word = $1; $$->value = $3; }
  | IDENT expr
      { $$ = mk_clause(ctx, CL_WORD, @$); NEED($$); $$->word = $1; $$->value = $2; }
  | WITHIN expr
      { $$ = mk_clause(ctx, CL_WITHIN, @$); NEED($$); $$->value = $2; }
  ;

/* sh/log/fail/confirm arg {',' arg}: a call statement without parentheses */
bare_stmt
  : SH args             { $$ = bare_call(ctx, "sh", @1, $2, @$); NEED($$); }
  | LOG args            { $$ = bare_call(ctx, "log", @1, $2, @$); NEED($$); }
  | FAIL args           { $$ = bare_call(ctx, "fail", @1, $2, @$); NEED($$); }
  | CONFIRM args        { $$ = bare_call(ctx, "confirm", @1, $2, @$); NEED($$); }
  ;

/* parallel -> PARALLEL [limit] (block | FOR IDENT IN expr block) */
parallel_stmt
  : PARALLEL opt_limit block
      {
        $$ = mk(ctx, AST_PARALLEL, @$); NEED($$);
        $$->u.parallel.limit = $2;
        $$->u.parallel.var = no_ident();
        $$->u.parallel.body = $3;
      }
  | PARALLEL opt_limit FOR IDENT IN expr block
      {
        $$ = mk(ctx, AST_PARALLEL, @$); NEED($$);
        $$->u.parallel.limit = $2;
        $$->u.parallel.var = $4;
        $$->u.parallel.iter = $6;
        $$->u.parallel.body = $7;
      }
  ;

opt_limit
  : %empty              { $$ = NULL; }
  | INT
  | name_path
  | '(' expr ')'        { $$ = $2; }
  ;

/* }==== */

/* {==== expressions ==== */

/*
** One expr nonterminal with bison precedences (loosest first: ?? or and
** not comparisons + - * / % unary-minus), then postfix chains.  The
** comparisons are %nonassoc, so `a < b < c` is a syntax error.  An
** expression never contains two juxtaposed operands, which is what lets
** clauses (`every 5s`, `timeout 1m`) follow an expression without commas.
*/

expr
  : expr COALESCE expr  { $$ = binary(ctx, BIN_COALESCE, $1, $3, @$); NEED($$); }
  | expr OR expr        { $$ = binary(ctx, BIN_OR, $1, $3, @$); NEED($$); }
  | expr AND expr       { $$ = binary(ctx, BIN_AND, $1, $3, @$); NEED($$); }
  | NOT expr            { $$ = unary(ctx, UN_NOT, $2, @$); NEED($$); }
  | expr EQ expr        { $$ = binary(ctx, BIN_EQ, $1, $3, @$); NEED($$); }
  | expr NE expr        { $$ = binary(ctx, BIN_NE, $1, $3, @$); NEED($$); }
  | expr '<' expr       { $$ = binary(ctx, BIN_LT, $1, $3, @$); NEED($$); }
  | expr LE expr        { $$ = binary(ctx, BIN_LE, $1, $3, @$); NEED($$); }
  | expr '>' expr       { $$ = binary(ctx, BIN_GT, $1, $3, @$); NEED($$); }
  | expr GE expr        { $$ = binary(ctx, BIN_GE, $1, $3, @$); NEED($$); }
  | expr IN expr        { $$ = binary(ctx, BIN_IN, $1, $3, @$); NEED($$); }
  | expr '+' expr       { $$ = binary(ctx, BIN_ADD, $1, $3, @$); NEED($$); }
  | expr '-' expr       { $$ = binary(ctx, BIN_SUB, $1, $3, @$); NEED($$); }
  | expr '*' expr       { $$ = binary(ctx, BIN_MUL, $1, $3, @$); NEED($$); }
  | expr '/' expr       { $$ = binary(ctx, BIN_DIV, $1, $3, @$); NEED($$); }
  | expr '%' expr       { $$ = binary(ctx, BIN_MOD, $1, $3, @$); NEED($$); }
  | '-' expr %prec UMINUS { $$ = unary(ctx, UN_NEG, $2, @$); NEED($$); }
  | postfix
  ;

postfix
  : primary
  | postfix '.' IDENT
      {
        $$ = mk(ctx, AST_MEMBER, @$); NEED($$);
        $$->u.member.object = $1;
        $$->u.member.id = $3;
      }
  | postfix '[' expr ']'
      {
        $$ = mk(ctx, AST_INDEX, @$); NEED($$);
        $$->u.index.object = $1;
        $$->u.index.index = $3;
      }
  | postfix '(' call_args ')'
      {
        $$ = mk(ctx, AST_CALL, @$); NEED($$);
        $$->u.call.callee = $1;
        $$->u.call.args = $3.head;
        check_args(ctx, $3.head);
      }
  ;

call_args
  : %empty              { $$ = one(NULL); }
  | args
  | args ','
  ;

args
  : arg                 { $$ = one($1); }
  | args ',' arg        { $$ = $1; add(&$$, $3); }
  ;

/* arg -> expr | IDENT ':' expr */
arg
  : expr
      { $$ = mk(ctx, AST_ARG, @$); NEED($$); $$->u.arg.value = $1; }
  | IDENT ':' expr
      {
        $$ = mk(ctx, AST_ARG, @$); NEED($$);
        $$->u.arg.name = $1;
        $$->u.arg.value = $3;
      }
  ;

primary
  : INT | FLOAT | DURATION | PERCENT
  | string
  | TRUE        { $$ = mk(ctx, AST_BOOL, @$); NEED($$); $$->u.b = true; }
  | FALSE       { $$ = mk(ctx, AST_BOOL, @$); NEED($$); $$->u.b = false; }
  | NULL        { $$ = mk(ctx, AST_NULL, @$); NEED($$); }
  | IDENT       { $$ = mk(ctx, AST_NAME, @$); NEED($$); $$->u.name = $1; }
  | '(' expr ')'
      {
        $$ = $2;
        $$->span = @$;
      }
  | '[' list_items ']'
      { $$ = mk(ctx, AST_LIST, @$); NEED($$); $$->u.list.items = $2.head; }
  | '{' map_items '}'
      { $$ = mk(ctx, AST_MAP, @$); NEED($$); $$->u.map.entries = $2.head; }
  ;

list_items
  : %empty              { $$ = one(NULL); }
  | expr_list
  | expr_list ','
  ;

expr_list
  : expr                { $$ = one($1); }
  | expr_list ',' expr  { $$ = $1; add(&$$, $3); }
  ;

/* map -> '{' [pair {(',' | NEWLINE) pair} [',' | NEWLINE]] '}' */
map_items
  : %empty              { $$ = one(NULL); }
  | map_list
  | map_list ','
  | map_list NEWLINE
  ;

map_list
  : pair                        { $$ = one($1); }
  | map_list ',' pair           { $$ = $1; add(&$$, $3); }
  | map_list NEWLINE pair       { $$ = $1; add(&$$, $3); }
  ;

pair
  : IDENT ':' expr
      {
        $$ = mk(ctx, AST_PAIR, @$); NEED($$);
        $$->u.pair.key = $1;
        $$->u.pair.value = $3;
      }
  | string ':' expr
      {
        $$ = mk(ctx, AST_PAIR, @$); NEED($$);
        if (!name_of(ctx, $1, "a map key", &$$->u.pair.key))
          $$->u.pair.key = no_ident();
        $$->u.pair.value = $3;
      }
  ;

/* string -> STR_BEGIN { STR_TEXT | '${' expr '}' } STR_END */
string
  : STR_BEGIN str_parts STR_END
      {
        $$ = $1;
        $$->span = @$;
        $$->u.string.parts = $2.head;
      }
  ;

str_parts
  : %empty                              { $$ = one(NULL); }
  | str_parts STR_TEXT                  { $$ = $1; add(&$$, $2); }
  | str_parts INTERP_BEGIN expr INTERP_END { $$ = $1; add(&$$, $3); }
  | str_parts INTERP_BEGIN INTERP_END
      {
        struct span sp = { @2.start, @3.end };
        parse_error(ctx, DIAG_RB1011, sp, "empty interpolation '${}'");
        $$ = $1;
      }
  ;

/* }==== */

%%

/* {==== helpers for the actions ==== */

/* A node, or NULL (out of memory: the action's NEED aborts). */
static struct ast_node *
mk(struct parse_ctx *ctx, enum ast_kind kind, struct span sp)
{
  return ast_new(ctx->arena, kind, sp);
}

/* Append n (when not NULL) to l. */
static void
add(struct node_list *l, struct ast_node *n)
{
  if (n == NULL)
    return;
  n->next = NULL;
  if (l->tail != NULL)
    l->tail->next = n;
  else
    l->head = n;
  l->tail = n;
}

/* A list holding n (empty when n is NULL). */
static struct node_list
one(struct ast_node *n)
{
  struct node_list l = { NULL, NULL };

  add(&l, n);
  return l;
}

/* A zeroed clause of `kind` over sp, or NULL when out of memory. */
static struct clause *
mk_clause(struct parse_ctx *ctx, enum clause_kind kind, struct span sp)
{
  struct clause *c = arena_alloc(ctx->arena, sizeof *c);

  if (c != NULL) {
    c->kind = kind;
    c->span = sp;
  }
  return c;
}

/* Append c (when not NULL) to l, keeping source order. */
static void
add_clause(struct clause_list *l, struct clause *c)
{
  if (c == NULL)
    return;
  c->next = NULL;
  if (l->tail != NULL)
    l->tail->next = c;
  else
    l->head = c;
  l->tail = c;
}

/* An absent identifier (name NULL, empty span). */
static struct ast_ident
no_ident(void)
{
  struct ast_ident id = { NULL, { 0, 0 } };

  return id;
}

/*
** The text of a plain string used as a name (phase, step, map key, ...)
** into *out.  A string with ${...} is an error: false.
*/
static bool
name_of(struct parse_ctx *ctx, struct ast_node *str, const char *what,
        struct ast_ident *out)
{
  uint32_t len;
  const char *s = ast_string_literal(str, ctx->arena, &len);

  if (s == NULL) {
    if (!ctx->oom)
      parse_error(ctx, DIAG_RB1001, str->span,
                  "%s must be a plain string, without ${...}", what);
    return false;
  }
  out->name = s;
  out->span = str->span;
  return true;
}

/* BINARY(op, l, r) over sp, or NULL when out of memory. */
static struct ast_node *
binary(struct parse_ctx *ctx, enum ast_binop op, struct ast_node *l,
       struct ast_node *r, struct span sp)
{
  struct ast_node *n = mk(ctx, AST_BINARY, sp);

  if (n != NULL) {
    n->u.binary.op = op;
    n->u.binary.left = l;
    n->u.binary.right = r;
  }
  return n;
}

/* UNARY(op, e) over sp, or NULL when out of memory. */
static struct ast_node *
unary(struct parse_ctx *ctx, enum ast_unop op, struct ast_node *e, struct span sp)
{
  struct ast_node *n = mk(ctx, AST_UNARY, sp);

  if (n != NULL) {
    n->u.unary.op = op;
    n->u.unary.operand = e;
  }
  return n;
}

/* Positional arguments come before named ones. */
static bool
check_args(struct parse_ctx *ctx, struct ast_node *args)
{
  struct ast_node *a;
  bool named = false;

  for (a = args; a != NULL; a = a->next) {
    if (a->u.arg.name.name != NULL) {
      named = true;
    } else if (named) {
      parse_error(ctx, DIAG_RB1001, a->span,
                  "positional argument after a named argument");
      return false;
    }
  }
  return true;
}

/* sh "x" -> EXPR_STMT(CALL(NAME sh, args, bare)) */
static struct ast_node *
bare_call(struct parse_ctx *ctx, const char *name, struct span kw,
          struct node_list args, struct span sp)
{
  struct ast_node *callee = mk(ctx, AST_NAME, kw);
  struct ast_node *call = mk(ctx, AST_CALL, sp);
  struct ast_node *stmt = mk(ctx, AST_EXPR_STMT, sp);

  if (callee == NULL || call == NULL || stmt == NULL)
    return NULL;
  callee->u.name.name = name;
  callee->u.name.span = kw;
  call->u.call.callee = callee;
  call->u.call.args = args.head;
  call->u.call.bare = true;
  stmt->u.expr_stmt.expr = call;
  check_args(ctx, args.head);
  return stmt;
}

/* Is the identifier `got` the word `want`?  Reports RB1001 when not. */
static bool
expect_word(struct parse_ctx *ctx, struct ast_ident got, const char *want,
            const char *where)
{
  if (got.name != NULL && strcmp(got.name, want) == 0)
    return true;
  parse_error(ctx, DIAG_RB1001, got.span, "unexpected '%s' %s, expected '%s'",
              got.name ? got.name : "?", where, want);
  return false;
}

/* Report an unknown clause word, with a "did you mean" among `known`. */
static void
bad_word(struct parse_ctx *ctx, struct ast_ident w, const char *where,
         const char *const *known, size_t nknown, const char *list)
{
  struct diag *d;
  const char *best[1];

  d = parse_error(ctx, DIAG_RB1001, w.span, "unknown clause '%s' in %s, expected %s",
                  w.name, where, list);
  if (diag_suggest(w.name, known, nknown, best, 1) == 1)
    diag_help(d, "did you mean '%s'?", best[0]);
}

/* Set *slot to v unless already set (then report the repeated clause). */
static void
set_once(struct parse_ctx *ctx, struct ast_node **slot, struct ast_node *v,
         struct span sp, const char *what)
{
  if (*slot != NULL) {
    parse_error(ctx, DIAG_RB1001, sp, "'%s' is given twice", what);
    return;
  }
  *slot = v;
}

/* The every/backoff/max clauses of a retry spec; false for other words. */
static bool
retry_word(struct parse_ctx *ctx, struct ast_node *spec, struct clause *c)
{
  const char *w = c->word.name;

  if (c->kind != CL_WORD)
    return false;
  if (strcmp(w, "every") == 0)
    set_once(ctx, &spec->u.retry_spec.every, c->value, c->span, "every");
  else if (strcmp(w, "backoff") == 0)
    set_once(ctx, &spec->u.retry_spec.backoff, c->value, c->span, "backoff");
  else if (strcmp(w, "max") == 0)
    set_once(ctx, &spec->u.retry_spec.max, c->value, c->span, "max");
  else
    return false;
  return true;
}

/*
** retry N every D [backoff F] [max D]: the spec from its clauses.  NULL
** (after a report) when a clause is unknown or `every` is missing.
*/
static struct ast_node *
build_retry(struct parse_ctx *ctx, struct ast_node *attempts, struct clause *cls,
            struct span sp)
{
  static const char *const known[] = { "every", "backoff", "max" };
  struct ast_node *spec = mk(ctx, AST_RETRY_SPEC, sp);
  struct clause *c;
  bool ok = true;

  if (spec == NULL) {
    ctx->oom = true;
    return NULL;
  }
  spec->u.retry_spec.attempts = attempts;
  for (c = cls; c != NULL; c = c->next) {
    if (!retry_word(ctx, spec, c)) {
      bad_word(ctx, c->word, "'retry'", known, 3, "'every', 'backoff' or 'max'");
      ok = false;
    }
  }
  if (ok && spec->u.retry_spec.every == NULL) {
    parse_error(ctx, DIAG_RB1001, sp, "'retry' needs an interval: retry N every D");
    ok = false;
  }
  return ok ? spec : NULL;
}

/* One step modifier into step (and the retry spec being built in *retry). */
static bool
step_mod_apply(struct parse_ctx *ctx, struct ast_node *step, struct ast_node **retry,
               struct clause *c)
{
  static const char *const known[] = { "timeout", "every", "backoff", "max" };
  struct ast_node **slot;

  switch (c->kind) {
  case CL_WHEN:
    set_once(ctx, &step->u.step.when, c->value, c->span, "when");
    return true;
  case CL_RETRY:
    slot = &step->u.step.retry;
    if (*slot != NULL) {
      parse_error(ctx, DIAG_RB1001, c->span, "'retry' is given twice");
      return false;
    }
    *retry = mk(ctx, AST_RETRY_SPEC, c->span);
    if (*retry == NULL) {
      ctx->oom = true;
      return false;
    }
    (*retry)->u.retry_spec.attempts = c->value;
    *slot = *retry;
    return true;
  case CL_WORD:
    if (strcmp(c->word.name, "timeout") == 0) {
      set_once(ctx, &step->u.step.timeout, c->value, c->span, "timeout");
      return true;
    }
    if (*retry != NULL && retry_word(ctx, *retry, c)) {
      (*retry)->span.end = c->span.end;
      return true;
    }
    bad_word(ctx, c->word, "a step header", known, 4,
             "'when', 'retry', 'timeout' or 'on failure'");
    return false;
  default:
    break;
  }
  return false;
}

/* on failure continue | abort | troubleshoot "name" */
static bool
step_onfail(struct parse_ctx *ctx, struct ast_node *step, struct clause *c)
{
  if (!expect_word(ctx, c->word, "failure", "after 'on'"))
    return false;
  if (step->u.step.on_failure != ONFAIL_DEFAULT) {
    parse_error(ctx, DIAG_RB1001, c->span, "'on failure' is given twice");
    return false;
  }
  if (c->kind == CL_ONTROUBLE) {
    step->u.step.on_failure = ONFAIL_TROUBLESHOOT;
    step->u.step.troubleshoot = c->word2;
  } else if (strcmp(c->word2.name, "continue") == 0) {
    step->u.step.on_failure = ONFAIL_CONTINUE;
  } else if (strcmp(c->word2.name, "abort") == 0) {
    step->u.step.on_failure = ONFAIL_ABORT;
  } else {
    parse_error(ctx, DIAG_RB1001, c->word2.span,
                "unexpected '%s' after 'on failure', expected 'continue', 'abort' "
                "or 'troubleshoot \"name\"'", c->word2.name);
    return false;
  }
  return true;
}

/*
** step -> STEP name { modifier } block: modifiers in any order.  NULL when
** a modifier is wrong (reported) or out of memory.
*/
static struct ast_node *
build_step(struct parse_ctx *ctx, struct ast_ident name, struct clause *mods,
           struct ast_node *body, struct span sp)
{
  struct ast_node *step = mk(ctx, AST_STEP, sp);
  struct ast_node *retry = NULL;
  struct clause *c;
  bool ok = true;

  if (step == NULL) {
    ctx->oom = true;
    return NULL;
  }
  step->u.step.name = name;
  step->u.step.body = body;
  for (c = mods; c != NULL; c = c->next) {
    if (c->kind == CL_ONFAIL || c->kind == CL_ONTROUBLE)
      ok = step_onfail(ctx, step, c) && ok;
    else
      ok = step_mod_apply(ctx, step, &retry, c) && ok;
    if (c->kind != CL_WORD && c->kind != CL_RETRY)
      retry = NULL;             /* every/backoff/max follow their retry */
  }
  if (ok && step->u.step.retry != NULL && step->u.step.retry->u.retry_spec.every == NULL) {
    parse_error(ctx, DIAG_RB1001, step->u.step.retry->span,
                "'retry' needs an interval: retry N every D");
    ok = false;
  }
  return ok && !ctx->oom ? step : NULL;
}

/* wait until EXPR every D timeout D */
static struct ast_node *
build_wait(struct parse_ctx *ctx, struct ast_ident until, struct ast_node *cond,
           struct clause *cls, struct span sp)
{
  static const char *const known[] = { "every", "timeout" };
  struct ast_node *w;
  struct clause *c;
  bool ok = expect_word(ctx, until, "until", "after 'wait'");

  w = mk(ctx, AST_WAIT, sp);
  if (w == NULL) {
    ctx->oom = true;
    return NULL;
  }
  w->u.wait.cond = cond;
  for (c = cls; c != NULL; c = c->next) {
    if (strcmp(c->word.name, "every") == 0) {
      set_once(ctx, &w->u.wait.every, c->value, c->span, "every");
    } else if (strcmp(c->word.name, "timeout") == 0) {
      set_once(ctx, &w->u.wait.timeout, c->value, c->span, "timeout");
    } else {
      bad_word(ctx, c->word, "'wait'", known, 2, "'every' or 'timeout'");
      ok = false;
    }
  }
  if (ok && (w->u.wait.every == NULL || w->u.wait.timeout == NULL)) {
    parse_error(ctx, DIAG_RB1001, sp, "'wait' needs both bounds: "
                "wait until EXPR every D timeout D");
    ok = false;
  }
  return ok ? w : NULL;
}

/* A comparison operator of a check: `json "a" == 1` is parsed as a BINARY. */
static bool
is_comparison(const struct ast_node *e)
{
  return e->kind == AST_BINARY && e->u.binary.op >= BIN_EQ && e->u.binary.op <= BIN_GE;
}

/* One check of assert http (contains, json, header, within). */
static struct ast_node *
http_check(struct parse_ctx *ctx, struct clause *c)
{
  static const char *const known[] = { "contains", "json", "header" };
  struct ast_node *k = mk(ctx, AST_HTTP_CHECK, c->span);

  if (k == NULL) {
    ctx->oom = true;
    return NULL;
  }
  k->u.http_check.op = BIN_EQ;
  k->u.http_check.value = c->value;
  if (c->kind == CL_WITHIN) {
    k->u.http_check.what = HTTP_CHECK_WITHIN;
  } else if (strcmp(c->word.name, "contains") == 0) {
    k->u.http_check.what = HTTP_CHECK_CONTAINS;
  } else if (strcmp(c->word.name, "json") == 0 || strcmp(c->word.name, "header") == 0) {
    k->u.http_check.what = c->word.name[0] == 'j' ? HTTP_CHECK_JSON : HTTP_CHECK_HEADER;
    if (!is_comparison(c->value)) {
      parse_error(ctx, DIAG_RB1001, c->value->span,
                  "'%s' needs a comparison: %s \"%s\" == VALUE", c->word.name,
                  c->word.name, c->word.name[0] == 'j' ? "path" : "Name");
      return NULL;
    }
    k->u.http_check.key = c->value->u.binary.left;
    k->u.http_check.op = (int)c->value->u.binary.op;
    k->u.http_check.value = c->value->u.binary.right;
  } else {
    bad_word(ctx, c->word, "'assert http'", known, 3,
             "an option 'name: value', 'contains', 'json', 'header' or 'within'");
    return NULL;
  }
  return k;
}

/* assert http STATUS [METHOD] URL { name: expr | check } */
static struct ast_node *
build_assert_http(struct parse_ctx *ctx, struct ast_ident http, struct ast_node *status,
                  struct ast_ident method, struct ast_node *url, struct clause *cls,
                  struct span sp)
{
  struct node_list opts = { NULL, NULL }, checks = { NULL, NULL };
  struct ast_node *n;
  struct clause *c;
  bool ok = expect_word(ctx, http, "http", "after 'assert'");

  for (c = cls; c != NULL; c = c->next) {
    if (c->kind == CL_OPTION) {
      n = mk(ctx, AST_ARG, c->span);
      if (n == NULL) {
        ctx->oom = true;
        return NULL;
      }
      n->u.arg.name = c->word;
      n->u.arg.value = c->value;
      add(&opts, n);
    } else {
      n = http_check(ctx, c);
      ok = ok && n != NULL;
      add(&checks, n);
    }
  }
  n = ok ? mk(ctx, AST_ASSERT_HTTP, sp) : NULL;
  if (n == NULL)
    return NULL;
  n->u.assert_http.status = status;
  n->u.assert_http.method = method;
  n->u.assert_http.url = url;
  n->u.assert_http.options = opts.head;
  n->u.assert_http.checks = checks.head;
  return n;
}

/* A monitor threshold from its clause: `< 1%` or `40% .. 60%`. */
static struct ast_node *
threshold(struct parse_ctx *ctx, struct clause *c)
{
  struct ast_node *t;

  if (c->kind == CL_WORD) {
    parse_error(ctx, DIAG_RB1001, c->value->span, "'%s' needs a comparison "
                "('< 1%%') or a range ('40%% .. 60%%')", c->word.name);
    return NULL;
  }
  t = mk(ctx, AST_THRESHOLD, c->span);
  if (t == NULL) {
    ctx->oom = true;
    return NULL;
  }
  t->span.start = c->word.span.end;
  while (t->span.start < c->span.end && (ctx->src->text[t->span.start] == ' '
                                         || ctx->src->text[t->span.start] == '\t'))
    t->span.start++;
  t->u.threshold.op = c->kind == CL_CMP ? c->op : -1;
  t->u.threshold.lo = c->value;
  t->u.threshold.hi = c->value2;
  return t;
}

/* monitor "name" value EXPR normal THRESH alert THRESH (clauses any order) */
static struct ast_node *
build_monitor(struct parse_ctx *ctx, struct ast_ident name, struct clause *cls,
              struct span sp)
{
  static const char *const known[] = { "value", "normal", "alert" };
  struct ast_node *m = mk(ctx, AST_MONITOR, sp);
  struct clause *c;
  bool ok = true;

  if (m == NULL) {
    ctx->oom = true;
    return NULL;
  }
  m->u.monitor.name = name;
  for (c = cls; c != NULL; c = c->next) {
    const char *w = c->word.name;
    if (strcmp(w, "value") == 0 && c->kind == CL_WORD)
      set_once(ctx, &m->u.monitor.value, c->value, c->span, "value");
    else if (strcmp(w, "normal") == 0 || strcmp(w, "alert") == 0) {
      struct ast_node *t = threshold(ctx, c);
      ok = ok && t != NULL;
      set_once(ctx, w[0] == 'n' ? &m->u.monitor.normal : &m->u.monitor.alert, t,
               c->span, w);
    } else {
      bad_word(ctx, c->word, "'monitor'", known, 3, "'value', 'normal' or 'alert'");
      ok = false;
    }
  }
  if (ok && (!m->u.monitor.value || !m->u.monitor.normal || !m->u.monitor.alert)) {
    parse_error(ctx, DIAG_RB1001, sp, "a monitor needs 'value EXPR', 'normal THRESHOLD' "
                "and 'alert THRESHOLD'");
    ok = false;
  }
  return ok ? m : NULL;
}

/* trigger auto "name" when EXPR [for D] | trigger manual "name" */
static struct ast_node *
build_trigger(struct parse_ctx *ctx, struct ast_ident mode, struct ast_ident name,
              struct ast_node *cond, struct ast_node *dur, struct span sp)
{
  struct ast_node *t;
  bool automatic = strcmp(mode.name, "auto") == 0;

  if (!automatic && strcmp(mode.name, "manual") != 0) {
    parse_error(ctx, DIAG_RB1001, mode.span,
                "unexpected '%s' after 'trigger', expected 'auto' or 'manual'", mode.name);
    return NULL;
  }
  if (automatic && cond == NULL) {
    parse_error(ctx, DIAG_RB1001, sp, "an automatic trigger needs 'when CONDITION'");
    return NULL;
  }
  if (!automatic && (cond != NULL || dur != NULL)) {
    parse_error(ctx, DIAG_RB1001, (cond ? cond : dur)->span,
                "a manual trigger takes no 'when' or 'for'");
    return NULL;
  }
  t = mk(ctx, AST_TRIGGER, sp);
  if (t == NULL) {
    ctx->oom = true;
    return NULL;
  }
  t->u.trigger.automatic = automatic;
  t->u.trigger.name = name;
  t->u.trigger.cond = cond;
  t->u.trigger.duration = dur;
  return t;
}

/* }==== */

/* {==== syntax error messages ==== */

/*
** Every syntax error goes through here, from the lexer and the parser.  The
** PARSE_MAX_ERRORS-th error is followed by RB1010 and an abort: the lexer
** then reports the end of the file and no further message is produced.
*/
struct diag *
parse_error(struct parse_ctx *ctx, enum diag_code code, struct span span,
            const char *fmt, ...)
{
  struct diag *d;
  va_list ap;

  if (ctx->aborted)
    return NULL;
  if (ctx->errors >= PARSE_MAX_ERRORS) {
    diag_add(ctx->diags, DIAG_RB1010, ctx->src, span,
             "too many errors (%d); stopping here", PARSE_MAX_ERRORS);
    ctx->aborted = true;
    return NULL;
  }
  ctx->errors++;
  va_start(ap, fmt);
  d = diag_vadd(ctx->diags, code, ctx->src, span, fmt, ap);
  va_end(ap);
  return d;
}

/* Only bison's "memory exhausted" arrives here: the parser stack is full. */
static void
parse_yyerror(struct span *loc, struct parse_ctx *ctx, const char *msg)
{
  (void)msg;
  if (!ctx->aborted)
    parse_error(ctx, DIAG_RB1009, *loc, "nesting too deep (rbc allows %d levels)",
                PARSE_MAX_DEPTH);
  ctx->aborted = true;
}

/* The character of a single-character token kind ('(' ...), else 0. */
static char
sym_char(yysymbol_kind_t k)
{
  const char *name = yysymbol_name(k);

  return name[0] == '\'' && name[1] != '\0' && name[2] == '\'' ? name[1] : 0;
}

/* Token kinds that can start an expression (collapsed to "expression"). */
static bool
starts_expr(yysymbol_kind_t k)
{
  char c = sym_char(k);

  switch (k) {
  case YYSYMBOL_INT: case YYSYMBOL_FLOAT: case YYSYMBOL_DURATION:
  case YYSYMBOL_PERCENT: case YYSYMBOL_STR_BEGIN: case YYSYMBOL_IDENT:
  case YYSYMBOL_TRUE: case YYSYMBOL_FALSE: case YYSYMBOL_NULL: case YYSYMBOL_NOT:
    return true;
  default:
    return c != 0 && strchr("([{-", c) != NULL;
  }
}

/* Binary and postfix operators (collapsed to "operator"). */
static bool
is_operator(yysymbol_kind_t k)
{
  char c = sym_char(k);

  switch (k) {
  case YYSYMBOL_COALESCE: case YYSYMBOL_OR: case YYSYMBOL_AND: case YYSYMBOL_EQ:
  case YYSYMBOL_NE: case YYSYMBOL_LE: case YYSYMBOL_GE: case YYSYMBOL_IN:
    return true;
  default:
    return c != 0 && strchr("<>+-*/%.([", c) != NULL;
  }
}

/* Names of token kinds for messages: keywords and punctuation quoted. */
static const char *
symbol_desc(yysymbol_kind_t k, char *buf, size_t size)
{
  const char *name = yysymbol_name(k);

  switch (k) {
  case YYSYMBOL_YYEOF: case YYSYMBOL_NEWLINE: case YYSYMBOL_INT: case YYSYMBOL_FLOAT:
  case YYSYMBOL_DURATION: case YYSYMBOL_PERCENT: case YYSYMBOL_STATUS_CLASS:
  case YYSYMBOL_STR_BEGIN: case YYSYMBOL_STR_TEXT: case YYSYMBOL_STR_END:
  case YYSYMBOL_IDENT: case YYSYMBOL_HTTP_METHOD: case YYSYMBOL_INVALID:
  case YYSYMBOL_YYerror: case YYSYMBOL_YYUNDEF:
    return name;
  case YYSYMBOL_INTERP_END:
    return "'}'";
  default:
    break;
  }
  if (name[0] == '\'')
    return name;                /* '(' and friends are quoted already */
  snprintf(buf, size, "'%s'", name);
  return buf;
}

/* Public for tests and tools: the message spelling of token kind tok. */
const char *
parse_token_name(int tok, char *buf, size_t size)
{
  return symbol_desc(YYTRANSLATE(tok), buf, size);
}

/* Describe the offending token: its own text where that helps. */
static void
describe_token(struct parse_ctx *ctx, yysymbol_kind_t k, struct span sp,
               char *buf, size_t size)
{
  char tmp[64];
  uint32_t len = sp.end - sp.start;

  switch (k) {
  case YYSYMBOL_YYEOF: case YYSYMBOL_STR_BEGIN: case YYSYMBOL_STR_TEXT:
  case YYSYMBOL_STR_END: case YYSYMBOL_INVALID:
    snprintf(buf, size, "%s", symbol_desc(k, tmp, sizeof tmp));
    return;
  case YYSYMBOL_NEWLINE:
    if (len == 1 && ctx->src->text[sp.start] == ';')
      snprintf(buf, size, "';'");
    else
      snprintf(buf, size, "end of line");
    return;
  default:
    break;
  }
  if (len > 40)
    len = 40;
  snprintf(buf, size, "'%.*s'", (int)len, ctx->src->text + sp.start);
}

/* The innermost open bracket as "(to close 'phase' at line 12)", if any. */
static void
to_close(struct parse_ctx *ctx, char closer, char *buf, size_t size)
{
  const struct lex_frame *f;
  uint32_t line, col;
  char want;

  buf[0] = '\0';
  if (ctx->nframes == 0)
    return;
  f = &ctx->frames[ctx->nframes - 1];
  want = f->kind == FR_PAREN ? ')' : f->kind == FR_BRACKET ? ']'
       : f->kind == FR_BLOCK || f->kind == FR_MAP ? '}' : 0;
  if (closer == 0 || want != closer)
    return;
  src_position(ctx->src, f->open, &line, &col);
  snprintf(buf, size, " (to close '%s' at line %u)", f->what, (unsigned)line);
}

/* The expected tokens, collapsed and joined: "'}', 'step' or end of line". */
static void
expected_list(yysymbol_kind_t *exp, int n, char *out, size_t size, char *closer)
{
  const char *names[YYNTOKENS];
  char bufs[YYNTOKENS][48];
  bool expr = false, op = false;
  int i, m = 0;
  size_t used = 0;

  for (i = 0; i < n; i++) {
    expr = expr || exp[i] == YYSYMBOL_IDENT;
    op = op || sym_char(exp[i]) == '+';
  }
  *closer = 0;
  for (i = 0; i < n; i++) {
    yysymbol_kind_t k = exp[i];
    char c = sym_char(k);
    if (c == '}' || c == ')' || c == ']')
      *closer = c;
    if ((op && is_operator(k)) || (expr && starts_expr(k)))
      continue;
    names[m] = symbol_desc(k, bufs[m], sizeof bufs[m]);
    m++;
  }
  if (expr)
    names[m++] = "expression";
  if (op)
    names[m++] = "operator";
  out[0] = '\0';
  if (m > 2)
    used += (size_t)snprintf(out, size, "one of: ");
  for (i = 0; i < m && used < size; i++) {
    const char *sep = i == 0 ? "" : m > 2 ? ", " : " or ";
    used += (size_t)snprintf(out + used, size - used, "%s%s", sep, names[i]);
  }
}

/* Is the identifier at sp the first token on its line? */
static bool
starts_line(const struct parse_ctx *ctx, struct span sp)
{
  uint32_t p = sp.start;

  while (p > 0 && (ctx->src->text[p - 1] == ' ' || ctx->src->text[p - 1] == '\t'))
    p--;
  return p == 0 || ctx->src->text[p - 1] == '\n' || ctx->src->text[p - 1] == '{';
}

/*
** "did you mean 'retry'?" for a misspelt keyword: the offending identifier
** against the keywords expected there, or an identifier starting the line
** (`retyr 3 ...` fails at the 3) against the statement keywords.
*/
static void
suggest_keyword(struct parse_ctx *ctx, struct diag *d, yysymbol_kind_t tok, struct span sp,
                const yysymbol_kind_t *exp, int n)
{
  static const char *const stmt_words[] = {
    "assert", "checklist", "confirm", "contact", "else", "fail", "for", "if", "import",
    "item", "let", "log", "monitor", "parallel", "param", "phase", "resource", "retry",
    "return", "runbook", "secret", "step", "trigger", "troubleshoot", "wait"
  };
  const char *cands[YYNTOKENS], *best[1];
  char word[64];
  size_t nc = 0;
  int i;

  if (d == NULL)
    return;
  if (tok != YYSYMBOL_IDENT && ctx->prev_tok == TOK_IDENT && starts_line(ctx, ctx->prev_span))
    sp = ctx->prev_span;
  else if (tok != YYSYMBOL_IDENT)
    return;
  snprintf(word, sizeof word, "%.*s", (int)(sp.end - sp.start), ctx->src->text + sp.start);
  if (tok == YYSYMBOL_IDENT) {
    for (i = 0; i < n; i++) {
      const char *name = yysymbol_name(exp[i]);
      if (exp[i] >= YYSYMBOL_RUNBOOK && exp[i] <= YYSYMBOL_NULL)
        cands[nc++] = name;
    }
  } else {
    for (nc = 0; nc < sizeof stmt_words / sizeof stmt_words[0]; nc++)
      cands[nc] = stmt_words[nc];
  }
  if (diag_suggest(word, cands, nc, best, 1) == 1)
    diag_help(d, "did you mean '%s'?", best[0]);
}

/*
** bison's syntax error hook: one RB1001 (or RB1007 at the end of the file)
** naming the offending token and what was expected; nothing for a token the
** lexer already reported.  Starts the lexer's re-synchronisation.
*/
static int
yyreport_syntax_error(const yypcontext_t *yyctx, struct parse_ctx *ctx)
{
  yysymbol_kind_t exp[YYNTOKENS];
  yysymbol_kind_t tok = yypcontext_token(yyctx);
  struct span sp = *yypcontext_location(yyctx);
  char got[64], want[512], close[96], closer;
  int n = yypcontext_expected_tokens(yyctx, exp, YYNTOKENS);
  struct diag *d;

  if (tok != YYSYMBOL_YYEOF && tok != YYSYMBOL_NEWLINE && sym_char(tok) != '}') {
    ctx->skipping = true;
    ctx->skip_frames = ctx->frames_before_tok < ctx->stmt_frames
                     ? ctx->frames_before_tok : ctx->stmt_frames;
  }
  if (ctx->aborted || tok == YYSYMBOL_INVALID || (tok == YYSYMBOL_YYEOF && ctx->eof_reported))
    return 0;
  expected_list(exp, n < 0 ? 0 : n, want, sizeof want, &closer);
  to_close(ctx, closer, close, sizeof close);
  if (tok == YYSYMBOL_YYEOF && ctx->nframes > 0) {
    const struct lex_frame *f = &ctx->frames[ctx->nframes - 1];
    char c = f->kind == FR_PAREN ? ')' : f->kind == FR_BRACKET ? ']' : '}';
    ctx->eof_reported = true;
    to_close(ctx, c, close, sizeof close);
    d = parse_error(ctx, DIAG_RB1007, sp, "'%c' expected%s", c, close);
    diag_label(d, (struct span){ f->open, f->open + 1 }, false, "opened here");
    return 0;
  }
  describe_token(ctx, tok, sp, got, sizeof got);
  if (n == 1 && closer)
    d = parse_error(ctx, DIAG_RB1001, sp, "'%c' expected%s near %s", closer, close, got);
  else if (n > 0)
    d = parse_error(ctx, DIAG_RB1001, sp, "unexpected %s, expected %s%s", got, want, close);
  else
    d = parse_error(ctx, DIAG_RB1001, sp, "unexpected %s", got);
  suggest_keyword(ctx, d, tok, sp, exp, n < 0 ? 0 : n);
  return 0;
}

/* }==== */

/* {==== parse_source ==== */

/*
** Walk the tree and cut expressions nested deeper than PARSE_MAX_DEPTH
** (long operator chains build deep trees without deep brackets).  The cut
** subtree is replaced by a null literal after RB1009.  Recursion follows
** statements (bounded by the lexer's bracket limit) and at most
** PARSE_MAX_DEPTH expression levels.
*/
static void limit_depth(struct parse_ctx *ctx, struct ast_node **slot, int expr_depth);

/* limit_depth over every node of a list, through the slots that hold them. */
static void
limit_list(struct parse_ctx *ctx, struct ast_node **head, int expr_depth)
{
  struct ast_node **p;

  for (p = head; *p != NULL; p = &(*p)->next)
    limit_depth(ctx, p, expr_depth);
}

/* Expression kinds are the tail of ast.def, from NULL to ARG. */
static bool
is_expr_kind(enum ast_kind k)
{
  return k >= AST_NULL && k <= AST_ARG;
}

/* Children of runbook items. */
static void
limit_items(struct parse_ctx *ctx, struct ast_node *n, int d)
{
  switch (n->kind) {
  case AST_FILE: limit_list(ctx, &n->u.file.items, d); break;
  case AST_RUNBOOK: limit_list(ctx, &n->u.runbook.items, d); break;
  case AST_META: limit_depth(ctx, &n->u.meta.value, d); break;
  case AST_CONTACT: limit_list(ctx, &n->u.contact.fields, d); break;
  case AST_RESOURCE: limit_depth(ctx, &n->u.resource.value, d); break;
  case AST_PARAM: limit_depth(ctx, &n->u.param.value, d); break;
  case AST_FN: limit_depth(ctx, &n->u.fn.body, d); break;
  case AST_TRIGGER:
    limit_depth(ctx, &n->u.trigger.cond, d);
    limit_depth(ctx, &n->u.trigger.duration, d);
    break;
  case AST_PHASE:
    limit_depth(ctx, &n->u.phase.within, d);
    limit_list(ctx, &n->u.phase.steps, d);
    break;
  case AST_STEP:
    limit_depth(ctx, &n->u.step.when, d);
    limit_depth(ctx, &n->u.step.retry, d);
    limit_depth(ctx, &n->u.step.timeout, d);
    limit_depth(ctx, &n->u.step.body, d);
    break;
  case AST_CHECKLIST: limit_list(ctx, &n->u.checklist.items, d); break;
  case AST_ITEM: limit_depth(ctx, &n->u.item.verify, d); break;
  case AST_TROUBLESHOOT: limit_depth(ctx, &n->u.troubleshoot.body, d); break;
  case AST_MONITOR:
    limit_depth(ctx, &n->u.monitor.value, d);
    limit_depth(ctx, &n->u.monitor.normal, d);
    limit_depth(ctx, &n->u.monitor.alert, d);
    break;
  case AST_THRESHOLD:
    limit_depth(ctx, &n->u.threshold.lo, d);
    limit_depth(ctx, &n->u.threshold.hi, d);
    break;
  default:
    break;
  }
}

/* Children of statements. */
static void
limit_stmts(struct parse_ctx *ctx, struct ast_node *n, int d)
{
  switch (n->kind) {
  case AST_BLOCK: limit_list(ctx, &n->u.block.stmts, d); break;
  case AST_LET: limit_depth(ctx, &n->u.let.value, d); break;
  case AST_ASSIGN:
    limit_depth(ctx, &n->u.assign.target, d);
    limit_depth(ctx, &n->u.assign.value, d);
    break;
  case AST_EXPR_STMT: limit_depth(ctx, &n->u.expr_stmt.expr, d); break;
  case AST_IF:
    limit_depth(ctx, &n->u.if_.cond, d);
    limit_depth(ctx, &n->u.if_.then, d);
    limit_depth(ctx, &n->u.if_.els, d);
    break;
  case AST_FOR:
    limit_depth(ctx, &n->u.for_.iter, d);
    limit_depth(ctx, &n->u.for_.body, d);
    break;
  case AST_RETRY:
    limit_depth(ctx, &n->u.retry.spec, d);
    limit_depth(ctx, &n->u.retry.body, d);
    break;
  case AST_RETRY_SPEC:
    limit_depth(ctx, &n->u.retry_spec.attempts, d);
    limit_depth(ctx, &n->u.retry_spec.every, d);
    limit_depth(ctx, &n->u.retry_spec.backoff, d);
    limit_depth(ctx, &n->u.retry_spec.max, d);
    break;
  case AST_WAIT:
    limit_depth(ctx, &n->u.wait.cond, d);
    limit_depth(ctx, &n->u.wait.every, d);
    limit_depth(ctx, &n->u.wait.timeout, d);
    break;
  case AST_ASSERT:
    limit_depth(ctx, &n->u.assert_.cond, d);
    limit_depth(ctx, &n->u.assert_.message, d);
    break;
  case AST_ASSERT_HTTP:
    limit_depth(ctx, &n->u.assert_http.status, d);
    limit_depth(ctx, &n->u.assert_http.url, d);
    limit_list(ctx, &n->u.assert_http.options, d);
    limit_list(ctx, &n->u.assert_http.checks, d);
    break;
  case AST_HTTP_CHECK:
    limit_depth(ctx, &n->u.http_check.key, d);
    limit_depth(ctx, &n->u.http_check.value, d);
    break;
  case AST_RETURN: limit_depth(ctx, &n->u.return_.value, d); break;
  case AST_PARALLEL:
    limit_depth(ctx, &n->u.parallel.limit, d);
    limit_depth(ctx, &n->u.parallel.iter, d);
    limit_depth(ctx, &n->u.parallel.body, d);
    break;
  default:
    break;
  }
}

/* Children of expressions. */
static void
limit_exprs(struct parse_ctx *ctx, struct ast_node *n, int d)
{
  switch (n->kind) {
  case AST_STRING: limit_list(ctx, &n->u.string.parts, d); break;
  case AST_LIST: limit_list(ctx, &n->u.list.items, d); break;
  case AST_MAP: limit_list(ctx, &n->u.map.entries, d); break;
  case AST_PAIR: limit_depth(ctx, &n->u.pair.value, d); break;
  case AST_UNARY: limit_depth(ctx, &n->u.unary.operand, d); break;
  case AST_BINARY:
    limit_depth(ctx, &n->u.binary.left, d);
    limit_depth(ctx, &n->u.binary.right, d);
    break;
  case AST_MEMBER: limit_depth(ctx, &n->u.member.object, d); break;
  case AST_INDEX:
    limit_depth(ctx, &n->u.index.object, d);
    limit_depth(ctx, &n->u.index.index, d);
    break;
  case AST_CALL:
    limit_depth(ctx, &n->u.call.callee, d);
    limit_list(ctx, &n->u.call.args, d);
    break;
  case AST_ARG: limit_depth(ctx, &n->u.arg.value, d); break;
  default:
    break;
  }
}

/* Every child slot of n, at expression depth d. */
static void
limit_children(struct parse_ctx *ctx, struct ast_node *n, int d)
{
  limit_items(ctx, n, d);
  limit_stmts(ctx, n, d);
  limit_exprs(ctx, n, d);
}

/*
** Check the node in *slot at expression depth expr_depth (0 outside any
** expression).  Past PARSE_MAX_DEPTH the node is replaced by a null literal
** with the same span and next pointer, after one RB1009 per expression.
*/
static void
limit_depth(struct parse_ctx *ctx, struct ast_node **slot, int expr_depth)
{
  struct ast_node *n = *slot, *cut;

  if (n == NULL)
    return;
  if (is_expr_kind(n->kind) && expr_depth == 0)
    ctx->depth_cut = false;       /* a new expression: report its first cut */
  if (is_expr_kind(n->kind) && ++expr_depth > PARSE_MAX_DEPTH) {
    if (!ctx->depth_cut)
      parse_error(ctx, DIAG_RB1009, n->span,
                  "expression nested too deep (rbc allows %d levels)", PARSE_MAX_DEPTH);
    ctx->depth_cut = true;
    cut = ast_new(ctx->arena, AST_NULL, n->span);
    if (cut == NULL) {
      ctx->oom = true;
      return;
    }
    cut->next = n->next;
    *slot = cut;
    return;
  }
  limit_children(ctx, n, expr_depth);
}

/* Copy the comments into the arena for the result. */
static int
take_comments(struct parse_ctx *ctx, struct parse_result *out)
{
  size_t bytes = ctx->ncomments * sizeof *ctx->comments;

  out->comments = NULL;
  out->ncomments = 0;
  if (ctx->ncomments == 0)
    return 0;
  out->comments = arena_alloc(ctx->arena, bytes);
  if (out->comments == NULL)
    return -1;
  memcpy(out->comments, ctx->comments, bytes);
  out->ncomments = ctx->ncomments;
  return 0;
}

/*
** See parse.h.  The items are collected into the context as they are
** reduced, so even a parse stopped by RB1009 or RB1010 returns every item
** completed before the stop.  Expression depth is limited afterwards.
*/
int
parse_source(struct arena *a, const struct source *src, struct diag_list *diags,
             struct parse_result *out)
{
  struct parse_ctx *ctx = malloc(sizeof *ctx);
  struct ast_node *file;
  int rc = 0;

  memset(out, 0, sizeof *out);
  if (ctx == NULL)
    return -1;
  if (src->len >= 4 && memcmp(src->text, "\x1bRBC", 4) == 0) {
    /* a .rbx given where source is read: one error, not one per byte */
    struct diag *d = diag_add(diags, DIAG_RB1005, src, (struct span){ 0, 1 },
                              "this is rbc bytecode, not runbook source");

    free(ctx);
    if (d == NULL)
      return -1;
    diag_help(d, "run, check, plan and doc read the .rb file it was compiled from; "
              "`rbc disasm` lists bytecode");
    out->file = ast_new(a, AST_FILE, (struct span){ 0, 0 });
    return out->file != NULL ? 0 : -1;
  }
  if (lex_open(ctx, a, src, diags) != 0) {
    free(ctx);
    return -1;
  }
  parse_yyparse(ctx);
  file = ctx->oom ? NULL : ast_new(a, AST_FILE, (struct span){ 0, (uint32_t)src->len });
  if (file != NULL) {
    file->u.file.imports = ctx->imports.head;
    file->u.file.items = ctx->items.head;
    limit_list(ctx, &file->u.file.imports, 0);
    limit_list(ctx, &file->u.file.items, 0);
  }
  if (file == NULL || ctx->oom || take_comments(ctx, out) != 0)
    rc = -1;
  else
    out->file = file;
  lex_close(ctx);
  free(ctx);
  return rc;
}

/* }==== */
