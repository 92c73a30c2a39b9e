/* Several threads share one engine handle: each runs its own containers (create, start, wait,
 * logs, inspect, remove) while the others list and inspect images and containers and tag and
 * untag images, all at the same time. */
#include "check.h"

#include <pthread.h>

#define THREADS 8
#define ROUNDS 3

typedef struct {
    docker_engine *eng;
    int index;
    int failures;
    char message[512];
} worker;

static void fail(worker *w, const char *what, docker_code c, docker_error *e) {
    if (w->failures++ == 0)
        snprintf(w->message, sizeof w->message, "%s: %d %s: %s", what, c, docker_code_name(c), docker_error_message(e));
    docker_error_free(e);
}

/* A thread's checks: no exit() from a thread, failures are counted and reported by main. */
#define TRY(what, expr)                          \
    do {                                         \
        docker_error *err = NULL;                \
        docker_code c_ = (expr);                 \
        if (c_ != DOCKER_OK) fail(w, what, c_, err); \
    } while (0)

static void *work(void *arg) {
    worker *w = arg;
    char config[512], name[64], tag[64], want[64];
    for (int round = 0; round < ROUNDS; round++) {
        snprintf(config, sizeof config,
                 "{\"Image\": \"busybox\", \"Cmd\": [\"sh\", \"-c\", \"echo thread %d round %d; exit %d\"]}", w->index,
                 round, w->index);
        snprintf(name, sizeof name, "t%d-r%d", w->index, round);
        snprintf(tag, sizeof tag, "busybox:t%d-r%d", w->index, round);
        snprintf(want, sizeof want, "thread %d round %d\n", w->index, round);

        char *id = NULL, *json = NULL;
        TRY("create", docker_container_create(w->eng, config, name, &id, &err));
        if (id == NULL) return NULL;
        TRY("start", docker_container_start(w->eng, id, &err));
        TRY("tag", docker_image_tag(w->eng, "busybox", tag, &err));
        TRY("image list", docker_image_list(w->eng, NULL, &json, &err));
        docker_string_free(json);
        json = NULL;
        TRY("container list", docker_container_list(w->eng, true, &json, &err));
        if (json && !contains(json, id)) fail(w, "container list lacks own container", 0, NULL);
        docker_string_free(json);
        json = NULL;
        TRY("image inspect", docker_image_inspect(w->eng, tag, &json, &err));
        docker_string_free(json);
        int64_t status = -1;
        TRY("wait", docker_container_wait(w->eng, name, &status, &err));
        if (status != w->index) fail(w, "wrong exit status", (int)status, NULL);
        collected out = {0};
        TRY("logs", docker_container_logs(w->eng, id, NULL, collect, &out, &err));
        if (strcmp(out.out, want) != 0) fail(w, "wrong logs", 0, NULL);
        json = NULL;
        TRY("inspect", docker_container_inspect(w->eng, id, &json, &err));
        if (json && !contains(json, "\"Status\":\"exited\"")) fail(w, "not exited", 0, NULL);
        docker_string_free(json);
        TRY("remove", docker_container_remove(w->eng, id, false, &err));
        TRY("untag", docker_image_remove(w->eng, tag, NULL, NULL, &err));
        docker_string_free(id);
    }
    return NULL;
}

int main(void) {
    docker_engine *eng = open_test_engine();
    ensure_busybox(eng);

    pthread_t threads[THREADS];
    worker workers[THREADS];
    for (int i = 0; i < THREADS; i++) {
        workers[i] = (worker){.eng = eng, .index = i};
        REQUIRE(pthread_create(&threads[i], NULL, work, &workers[i]) == 0);
    }
    for (int i = 0; i < THREADS; i++) {
        REQUIRE(pthread_join(threads[i], NULL) == 0);
        if (workers[i].failures) fprintf(stderr, "thread %d: %d failures, first: %s\n", i, workers[i].failures, workers[i].message);
        CHECK(workers[i].failures == 0);
    }

    char *json = NULL;
    OK(docker_container_list(eng, true, &json, &err));
    CHECK(strcmp(json, "[]") == 0);
    docker_string_free(json);
    json = NULL;
    OK(docker_image_list(eng, NULL, &json, &err));
    CHECK(!contains(json, ":t0-r0")); /* every tag was removed again */
    CHECK(contains(json, "busybox:latest"));
    docker_string_free(json);
    OK(docker_image_remove(eng, "busybox", NULL, NULL, &err));
    docker_engine_close(eng);
    return check_done("threads");
}
