/*
** http.h: the HTTP client of a run (architecture.md "Built-ins": HTTP).
**
** The built-ins http.get/post/put/patch/delete/request and http.bench are
** ordinary natives (natives_int.h declares std_http_*); this header is what
** the VM uses for `assert http` (the ASSERT_HTTP opcode) and what
** http_bench.c shares with http.c.
**
** Transfers are libcurl easy handles performed on the run's event loop
** (host->loop, stdlib/loop.h), so connections and DNS answers are reused
** across steps and a transfer inside a `parallel` branch lets the other
** branches run.  Without a loop (a host that has none) a transfer runs on
** its own with curl_easy_perform.
**
** Defaults (docs/builtins.md "HTTP"): TLS verified, connect timeout
** HTTP_CONNECT_TIMEOUT_MS, total timeout HTTP_TIMEOUT_MS (`timeout:`
** changes it), response bodies up to HTTP_MAX_BODY bytes (more is RB5017),
** redirects not followed unless `follow: true` (then at most
** HTTP_MAX_REDIRECTS).
**
** Secrets: a secret URL is shown as *** in every message and event; secret
** header values and a secret body are registered with host->add_secret, so
** a server that echoes them cannot make rbc print them.
*/
#ifndef RBC_HTTP_H
#define RBC_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <curl/curl.h>

#include "lexer/diag.h"
#include "stdlib/natives.h"
#include "vm/value.h"

#define HTTP_CONNECT_TIMEOUT_MS 10000       /* connect phase, each attempt */
#define HTTP_TIMEOUT_MS 30000               /* whole transfer, unless timeout: */
#define HTTP_MAX_BODY ((size_t)16 << 20)    /* largest response body kept */
#define HTTP_MAX_REDIRECTS 10               /* with follow: true */
#define HTTP_MAX_HEADERS 200                /* response header lines kept */

/* {==== assert http ==== */

/* One `assert http` statement as the VM hands it over (everything borrowed). */
struct http_assert {
  const char *method;           /* "GET", "POST", ... */
  const char *text;             /* the statement's source text */
  bool status_class;            /* status is a class digit: 2 for 2xx */
  struct rbc_value status;      /* int, class digit, or any value compared with == */
  struct rbc_value url;         /* string */
  struct rbc_value options;     /* map: headers, body, json, timeout, follow, insecure, cacert */
  struct rbc_value checks;      /* list of check operands, in descriptor order */
  const uint32_t *words;        /* (what, op) pairs: enum chunk_hcheck, enum chunk_cmp */
  uint32_t nchecks;             /* pairs in words */
};

/* Why an `assert http` failed (the VM's pending error is made from it). */
struct http_failure {
  enum diag_code code;          /* RB5001, a network code RB5012-RB5019, RB5006, RB5009 ... */
  char msg[512];                /* one sentence, secrets masked */
  bool has_actual, has_expected; /* which of the two values are set */
  struct rbc_value actual;      /* owned when has_actual */
  struct rbc_value expected;    /* owned when has_expected */
};

/*
** Perform the request of a and check the reply.  0 when every check held;
** -1 with *f filled (its values owned by the caller) otherwise.  Emits one
** action event through host->action.  Never prints.
*/
int http_assert_run(const struct std_host *host, const struct http_assert *a,
                    struct http_failure *f);

/* }==== */

/* {==== shared by http.c and http_bench.c ==== */

/* A request's options, read from named arguments or an options map. */
struct http_opts {
  struct curl_slist *headers;   /* request headers (owned) */
  char *body;                   /* request body (owned), NULL: none */
  size_t body_len;              /* bytes in body */
  bool secret;                  /* a secret went into the headers or the body (registered) */
  bool follow;                  /* follow redirects */
  bool insecure;                /* no TLS verification */
  char *cacert;                 /* CA bundle path (owned), NULL: the system's */
  int64_t timeout_ms;           /* total timeout */
};

/* Where an option comes from: the call's named arguments or a map. */
struct http_optsrc {
  struct std_call *call;        /* named arguments (when map is NULL), errors */
  const struct rbc_value *map;  /* assert http's options map, or NULL */
  const char *fname;            /* "http.get" ... for messages */
};

/*
** Read the options (headers, body, json, timeout, follow, insecure, cacert)
** into *o, registering secret values with the host.  0, or -1 with the
** problem recorded in src->call.  The caller frees *o with http_opts_free
** either way.
*/
int http_opts_read(const struct http_optsrc *src, struct http_opts *o);

/* Release what http_opts_read allocated. */
void http_opts_free(struct http_opts *o);

/*
** Make libcurl ready for this host (the loop's, or a process-wide init when
** the host has no loop).  0, or -1.
*/
int http_curl_ready(const struct std_host *host);

/*
** Set the options every transfer shares on e: method, URL (NUL-terminated
** url), o's headers, body, timeouts, TLS, redirects, allowed protocols.
** The request body and headers stay owned by o, which must outlive e's
** transfers.  0, or -1 when libcurl refused an option.
*/
int http_setup(CURL *e, const char *method, const char *url, const struct http_opts *o);

/*
** The text naming url in messages and events: its bytes (at most 300), or
** "***" when it is secret, into buf (always NUL-terminated).
*/
void http_url_shown(struct rbc_value url, char *buf, size_t size);

/*
** Check that the NUL-terminated u is an absolute http or https URL that
** libcurl can parse (shown names it in the message).  0, or -1 with RB5019
** recorded in call.
*/
int http_check_url(struct std_call *call, const char *method, const char *u,
                   const char *shown);

/* The diagnostic code for a failed transfer (too_large: the body passed its bound). */
enum diag_code http_code_of(CURLcode rc, bool too_large);

/* A short phrase for a failed transfer: "connection refused", "timed out", ... */
const char *http_phrase_of(CURLcode rc, bool too_large);

/* }==== */

#endif
