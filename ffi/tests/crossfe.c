/* One state root, two front ends: a container created through the C ABI is seen by `dock ps`,
 * and one created by `dock` is seen by docker_container_list. */
#include "check.h"

#include <sys/wait.h>
#include <unistd.h>

/* Run `dock ARGS` on the test's root; return its stdout (malloc'd) and exit status. */
static char *dock(const char *args, int *status) {
    char cmd[8192];
    snprintf(cmd, sizeof cmd, "LIBDOCKER_ROOT='%s' '%s' %s", env_or_die("LIBDOCKER_TEST_ROOT"),
             env_or_die("LIBDOCKER_TEST_DOCK"), args);
    FILE *p = popen(cmd, "r");
    REQUIRE(p != NULL);
    size_t cap = 65536, len = 0;
    char *out = malloc(cap);
    size_t n;
    while ((n = fread(out + len, 1, cap - 1 - len, p)) > 0) len += n;
    out[len] = '\0';
    int st = pclose(p);
    *status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    return out;
}

int main(void) {
    docker_engine *eng = open_test_engine();
    ensure_busybox(eng);
    int status;

    /* C → dock */
    char *id = NULL;
    OK(docker_container_create(eng, "{\"Image\": \"busybox\", \"Cmd\": [\"echo\", \"made in C\"]}", "from-c", &id, &err));
    char *ps = dock("ps -a --no-trunc", &status);
    CHECK(status == 0);
    CHECK(contains(ps, id));
    CHECK(contains(ps, "from-c"));
    CHECK(contains(ps, "Created"));
    free(ps);

    OK(docker_container_start(eng, "from-c", &err));
    int64_t code = -1;
    OK(docker_container_wait(eng, id, &code, &err));
    CHECK(code == 0);
    char *logs = dock("logs from-c", &status);
    CHECK(status == 0 && strcmp(logs, "made in C\n") == 0);
    free(logs);
    ps = dock("ps -a --no-trunc --filter status=exited", &status);
    CHECK(contains(ps, id) && contains(ps, "Exited (0)"));
    free(ps);

    /* dock → C */
    char *made = dock("create --name from-dock busybox sh -c 'echo made by dock; exit 7'", &status);
    CHECK(status == 0);
    made[strcspn(made, "\n")] = '\0';
    CHECK(strlen(made) == 64);
    char *json = NULL;
    OK(docker_container_list(eng, true, &json, &err));
    CHECK(contains(json, made));
    CHECK(contains(json, "\"/from-dock\""));
    CHECK(contains(json, id));
    docker_string_free(json);

    OK(docker_container_start(eng, "from-dock", &err));
    OK(docker_container_wait(eng, made, &code, &err));
    CHECK(code == 7);
    collected out = {0};
    OK(docker_container_logs(eng, "from-dock", NULL, collect, &out, &err));
    CHECK(strcmp(out.out, "made by dock\n") == 0);

    /* removed by one, gone for the other */
    char *rm = dock("rm from-c", &status);
    CHECK(status == 0);
    free(rm);
    FAILS(DOCKER_ENOTFOUND, "No such container: from-c", docker_container_inspect(eng, "from-c", &json, &err));
    OK(docker_container_remove(eng, made, false, &err));
    ps = dock("ps -a -q", &status);
    CHECK(status == 0 && strcmp(ps, "") == 0);
    free(ps);

    /* images too */
    char *images = dock("images --no-trunc", &status);
    CHECK(status == 0 && contains(images, "busybox"));
    free(images);
    OK(docker_image_remove(eng, "busybox", NULL, NULL, &err));
    images = dock("images -q", &status);
    CHECK(status == 0 && strcmp(images, "") == 0);
    free(images);

    free(made);
    docker_string_free(id);
    docker_engine_close(eng);
    return check_done("crossfe");
}
