/* Small helpers shared by the C tests of libdocker (the .c files of ffi/tests). Each test is one program that
 * exits 0 when every check passed. The driver (ffi/tests/c.rs) gives it, in the environment:
 *   LIBDOCKER_TEST_ROOT     a fresh state root for this program
 *   LIBDOCKER_TEST_BUSYBOX  the busybox root filesystem tar (tests/fixtures/busybox-rootfs.sh)
 *   LIBDOCKER_TEST_DOCK     the `dock` CLI, for the cross-front-end checks */
#ifndef LIBDOCKER_TEST_CHECK_H
#define LIBDOCKER_TEST_CHECK_H

#include <docker.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int check_failures;
static int check_count;

static inline void check_(int ok, const char *what, const char *file, int line) {
    check_count++;
    if (!ok) {
        check_failures++;
        fprintf(stderr, "%s:%d: CHECK failed: %s\n", file, line, what);
    }
}
#define CHECK(cond) check_((cond) != 0, #cond, __FILE__, __LINE__)

/* Stop the program at once: later steps depend on this one. */
#define REQUIRE(cond)                                                                    \
    do {                                                                                 \
        if (!(cond)) {                                                                   \
            fprintf(stderr, "%s:%d: REQUIRE failed: %s\n", __FILE__, __LINE__, #cond); \
            exit(1);                                                                     \
        }                                                                                \
    } while (0)

static inline void ok_(docker_code c, docker_error *e, const char *what, const char *file, int line) {
    check_count++;
    if (c != DOCKER_OK) {
        fprintf(stderr, "%s:%d: %s failed: %d %s: %s\n", file, line, what, c, docker_code_name(c),
                docker_error_message(e));
        exit(1);
    }
    if (e != NULL) {
        fprintf(stderr, "%s:%d: %s succeeded but wrote *err\n", file, line, what);
        exit(1);
    }
}

/* OK(docker_f(..., &err)): the call must succeed; `err` is declared by the macro. */
#define OK(expr)                                      \
    do {                                              \
        docker_error *err = NULL;                     \
        docker_code c_ = (expr);                      \
        ok_(c_, err, #expr, __FILE__, __LINE__);      \
    } while (0)

static inline void fails_(docker_code c, docker_error *e, docker_code want, const char *msg, const char *what,
                   const char *file, int line) {
    check_count++;
    const char *m = docker_error_message(e);
    if (c != want || e == NULL || docker_error_code(e) != want || m == NULL || m[0] == '\0' ||
        (msg != NULL && strstr(m, msg) == NULL)) {
        check_failures++;
        fprintf(stderr, "%s:%d: %s: want %d %s with a message containing \"%s\", got %d %s (err %s): \"%s\"\n",
                file, line, what, want, docker_code_name(want), msg ? msg : "", c, docker_code_name(c),
                e ? "set" : "NULL", m ? m : "(null)");
    }
}

/* FAILS(code, "message part", docker_f(..., &err)): the call must fail with `code`, and the error
 * object must carry the same code and a message containing the text (NULL: any message). */
#define FAILS(want, msg, expr)                                        \
    do {                                                              \
        docker_error *err = NULL;                                     \
        docker_code c_ = (expr);                                      \
        fails_(c_, err, (want), (msg), #expr, __FILE__, __LINE__);    \
        docker_error_free(err);                                       \
    } while (0)

static inline const char *env_or_die(const char *name) {
    const char *v = getenv(name);
    if (v == NULL || v[0] == '\0') {
        fprintf(stderr, "%s is not set (run the C tests through ffi/tests/c.rs)\n", name);
        exit(2);
    }
    return v;
}

/* Open the test's own state root with the open options document. */
static inline docker_engine *open_test_engine(void) {
    char opts[4096];
    snprintf(opts, sizeof opts, "{\"Root\": \"%s\"}", env_or_die("LIBDOCKER_TEST_ROOT"));
    docker_engine *eng = NULL;
    OK(docker_engine_open(opts, &eng, &err));
    REQUIRE(eng != NULL);
    return eng;
}

/* Under valgrind (LIBDOCKER_TEST_VALGRIND=1) the driver imports busybox with `dock` beforehand:
 * valgrind 3.19 does not know openat2(2), which the engine's import uses (see lifecycle.c). */
static inline int test_under_valgrind(void) {
    return getenv("LIBDOCKER_TEST_VALGRIND") != NULL;
}

/* Import the busybox fixture as busybox:latest (unless the driver already did). */
static inline void ensure_busybox(docker_engine *eng) {
    if (test_under_valgrind()) return;
    char *id = NULL;
    OK(docker_image_import(eng, env_or_die("LIBDOCKER_TEST_BUSYBOX"), "busybox:latest", &id, &err));
    docker_string_free(id);
}

/* The string value of the first "key":"value" in a compact JSON document, as a new malloc'd string
 * (no unescaping: ids, names and states have nothing to escape). NULL when absent. */
static inline char *json_string(const char *json, const char *key) {
    char pat[256];
    snprintf(pat, sizeof pat, "\"%s\":\"", key);
    const char *p = strstr(json, pat);
    if (p == NULL) return NULL;
    p += strlen(pat);
    const char *q = strchr(p, '"');
    if (q == NULL) return NULL;
    char *s = malloc((size_t)(q - p) + 1);
    memcpy(s, p, (size_t)(q - p));
    s[q - p] = '\0';
    return s;
}

static inline int contains(const char *haystack, const char *needle) {
    return haystack != NULL && strstr(haystack, needle) != NULL;
}

/* A growing byte buffer per stream, filled by `collect` (a docker_stream_cb). */
typedef struct {
    char out[65536];
    size_t out_len;
    char err[65536];
    size_t err_len;
    int json_messages;
    int bad_json;
    int calls;
    int stop_after; /* return non-zero at this call (0: never) */
} collected;

static inline int collect(void *user_data, int stream, const uint8_t *data, size_t len) {
    collected *c = user_data;
    c->calls++;
    if (stream == DOCKER_STREAM_STDOUT && c->out_len + len < sizeof c->out) {
        memcpy(c->out + c->out_len, data, len);
        c->out_len += len;
        c->out[c->out_len] = '\0';
    } else if (stream == DOCKER_STREAM_STDERR && c->err_len + len < sizeof c->err) {
        memcpy(c->err + c->err_len, data, len);
        c->err_len += len;
        c->err[c->err_len] = '\0';
    } else if (stream == DOCKER_STREAM_JSON) {
        c->json_messages++;
        if (len < 2 || data[0] != '{' || data[len - 1] != '}') c->bad_json++;
    }
    return c->stop_after != 0 && c->calls >= c->stop_after;
}

static inline int check_done(const char *name) {
    if (check_failures) {
        fprintf(stderr, "%s: %d of %d checks failed\n", name, check_failures, check_count);
        return 1;
    }
    printf("%s: %d checks passed\n", name, check_count);
    return 0;
}

#endif
