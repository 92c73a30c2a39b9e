/* The full image and container lifecycle through the C ABI: import, list, inspect, tag, history,
 * create, start, wait, logs through the callback, attach, exec, stop, export, commit, save, load,
 * volumes, remove, rmi. Run by ffi/tests/c.rs against libdocker.so and libdocker.a, and once
 * under valgrind. */
#include "check.h"

#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* valgrind 3.19 (Debian 12's) does not know the syscalls openat2(2) and fsopen(2)/fsmount(2) and
 * answers ENOSYS; the engine resolves every path inside an image or a container root with openat2,
 * and mounts a container's root filesystem with the new mount API, in process. Under valgrind the
 * driver sets LIBDOCKER_TEST_VALGRIND=1 and imports busybox with `dock` beforehand, and the steps
 * that unpack or mount a root filesystem in this process (import, load, export, commit, cp,
 * archive, changes) are skipped. Running containers stays: that happens in the monitor, a
 * separate program that valgrind does not trace. */
static int under_valgrind; /* = test_under_valgrind() */

/* The busybox image's id, as a malloc'd string. */
static char *import_busybox(docker_engine *eng) {
    if (under_valgrind) {
        char *json = NULL;
        OK(docker_image_inspect(eng, "busybox:latest", &json, &err));
        char *id = json_string(json, "Id");
        docker_string_free(json);
        REQUIRE(id != NULL);
        return id;
    }
    const char *tar = env_or_die("LIBDOCKER_TEST_BUSYBOX");
    char *id = NULL;
    OK(docker_image_import(eng, tar, "busybox:latest", &id, &err));
    REQUIRE(id != NULL);
    CHECK(strncmp(id, "sha256:", 7) == 0 && strlen(id) == 7 + 64);

    /* With every option, and progress as JSON messages on DOCKER_STREAM_JSON. */
    collected progress = {0};
    char *id2 = NULL;
    OK(docker_image_import_with_options(eng, tar,
                                        "{\"Reference\": \"busybox:withcmd\", \"Changes\": [\"CMD [\\\"sh\\\"]\"],"
                                        " \"Message\": \"from C\"}",
                                        collect, &progress, &id2, &err));
    CHECK(progress.json_messages > 0);
    CHECK(progress.bad_json == 0);
    CHECK(progress.out_len == 0 && progress.err_len == 0);
    CHECK(id2 != NULL && strcmp(id, id2) != 0); /* another config, another id */
    char *json = NULL;
    OK(docker_image_inspect(eng, "busybox:withcmd", &json, &err));
    CHECK(contains(json, "\"Cmd\":[\"sh\"]"));
    docker_string_free(json);
    json = NULL;
    OK(docker_image_history(eng, "busybox:withcmd", &json, &err));
    CHECK(contains(json, "from C"));
    docker_string_free(json);
    OK(docker_image_remove(eng, "busybox:withcmd", NULL, NULL, &err));
    docker_string_free(id2);
    char *copy = strdup(id); /* the callers free() it, whichever way it was found */
    docker_string_free(id);
    return copy;
}

static void images(docker_engine *eng, const char *id) {
    char *json = NULL;
    OK(docker_image_list(eng, NULL, &json, &err));
    CHECK(contains(json, id));
    CHECK(contains(json, "\"busybox:latest\""));
    docker_string_free(json);

    json = NULL;
    OK(docker_image_list(eng, "{\"Filters\": {\"reference\": [\"nothing*\"]}}", &json, &err));
    CHECK(json != NULL && strcmp(json, "[]") == 0);
    docker_string_free(json);

    json = NULL;
    OK(docker_image_inspect(eng, "busybox", &json, &err));
    char *got = json_string(json, "Id");
    CHECK(got != NULL && strcmp(got, id) == 0);
    free(got);
    CHECK(contains(json, "\"RootFS\""));
    docker_string_free(json);

    /* By id prefix too. */
    char prefix[20];
    snprintf(prefix, sizeof prefix, "%.12s", id + 7);
    json = NULL;
    OK(docker_image_inspect(eng, prefix, &json, &err));
    docker_string_free(json);

    OK(docker_image_tag(eng, "busybox", "mytag:1", &err));
    json = NULL;
    OK(docker_image_inspect(eng, "mytag:1", &json, &err));
    CHECK(contains(json, "\"mytag:1\""));
    docker_string_free(json);
    json = NULL;
    OK(docker_image_remove(eng, "mytag:1", NULL, &json, &err));
    CHECK(contains(json, "\"Untagged\""));
    CHECK(!contains(json, "\"Deleted\"")); /* busybox:latest still names it */
    docker_string_free(json);

    json = NULL;
    OK(docker_image_history(eng, "busybox", &json, &err));
    CHECK(json != NULL && json[0] == '[');
    docker_string_free(json);
}

/* The filesystem of a stopped container: changes, export, commit, cp. */
static void filesystem_stopped(docker_engine *eng) {
    char *json = NULL;
    OK(docker_container_changes(eng, "c1", &json, &err));
    CHECK(json != NULL && json[0] == '[');
    docker_string_free(json);

    char path[4096];
    snprintf(path, sizeof path, "%s/c1-export.tar", env_or_die("LIBDOCKER_TEST_ROOT"));
    OK(docker_container_export(eng, "c1", path, &err));
    struct stat st;
    CHECK(stat(path, &st) == 0 && st.st_size > 100 * 1024);
    unlink(path);

    char *image = NULL;
    OK(docker_container_commit(eng, "c1", "{\"Reference\": \"committed:c1\", \"Comment\": \"by C\"}", &image, &err));
    CHECK(image != NULL && strncmp(image, "sha256:", 7) == 0);
    json = NULL;
    OK(docker_image_history(eng, "committed:c1", &json, &err));
    CHECK(contains(json, "by C"));
    docker_string_free(json);

    /* copy out of the stopped container */
    snprintf(path, sizeof path, "%s/passwd-copy", env_or_die("LIBDOCKER_TEST_ROOT"));
    OK(docker_container_copy_from(eng, "c1", "/etc/passwd", path, &err));
    CHECK(stat(path, &st) == 0 && st.st_size > 0);
    unlink(path);

    OK(docker_image_remove(eng, image, NULL, NULL, &err));
    docker_string_free(image);
}

static void run_to_exit(docker_engine *eng) {
    char *id = NULL;
    OK(docker_container_create(eng,
                               "{\"Image\": \"busybox\", \"Cmd\": [\"sh\", \"-c\", \"echo out; echo err >&2; exit 3\"],"
                               " \"Labels\": {\"from\": \"c\"}}",
                               "c1", &id, &err));
    REQUIRE(id != NULL && strlen(id) == 64);

    char *json = NULL;
    OK(docker_container_inspect(eng, "c1", &json, &err));
    CHECK(contains(json, "\"Status\":\"created\""));
    CHECK(contains(json, "\"Name\":\"/c1\""));
    docker_string_free(json);

    OK(docker_container_start(eng, id, &err));
    int64_t status = -1;
    OK(docker_container_wait(eng, "c1", &status, &err));
    CHECK(status == 3);

    /* Logs through the callback, each stream apart (NULL options: stdout and stderr). */
    collected logs = {0};
    OK(docker_container_logs(eng, "c1", NULL, collect, &logs, &err));
    CHECK(strcmp(logs.out, "out\n") == 0);
    CHECK(strcmp(logs.err, "err\n") == 0);
    CHECK(logs.json_messages == 0);

    collected only_err = {0};
    OK(docker_container_logs(eng, "c1", "{\"Stderr\": true}", collect, &only_err, &err));
    CHECK(only_err.out_len == 0 && strcmp(only_err.err, "err\n") == 0);

    collected stamped = {0};
    OK(docker_container_logs(eng, "c1", "{\"Stdout\": true, \"Timestamps\": true}", collect, &stamped, &err));
    CHECK(contains(stamped.out, "Z out\n"));

    /* A callback that returns non-zero stops the stream. */
    collected stop = {.stop_after = 1};
    FAILS(DOCKER_ECANCELED, "callback", docker_container_logs(eng, "c1", NULL, collect, &stop, &err));
    CHECK(stop.calls == 1);

    /* A NULL callback discards the output. */
    OK(docker_container_logs(eng, "c1", NULL, NULL, NULL, &err));

    json = NULL;
    OK(docker_container_inspect(eng, id, &json, &err));
    CHECK(contains(json, "\"Status\":\"exited\""));
    CHECK(contains(json, "\"ExitCode\":3"));
    docker_string_free(json);

    json = NULL;
    OK(docker_container_list(eng, false, &json, &err));
    CHECK(!contains(json, id));
    docker_string_free(json);
    json = NULL;
    OK(docker_container_list(eng, true, &json, &err));
    CHECK(contains(json, id));
    CHECK(contains(json, "\"/c1\""));
    docker_string_free(json);
    json = NULL;
    OK(docker_container_list_with_options(eng, "{\"All\": true, \"Filters\": {\"label\": [\"from=c\"]}}", &json, &err));
    CHECK(contains(json, id));
    docker_string_free(json);
    json = NULL;
    OK(docker_container_list_with_options(eng, "{\"All\": true, \"Filters\": {\"label\": [\"from=x\"]}}", &json, &err));
    CHECK(strcmp(json, "[]") == 0);
    docker_string_free(json);

    if (!under_valgrind) filesystem_stopped(eng);

    OK(docker_container_rename(eng, "c1", "c1-renamed", &err));
    OK(docker_container_remove(eng, "c1-renamed", false, &err));
    FAILS(DOCKER_ENOTFOUND, "No such container", docker_container_inspect(eng, id, &json, &err));
    docker_string_free(id);
}

static void attached(docker_engine *eng) {
    char *id = NULL;
    OK(docker_container_create(eng,
                               "{\"Image\": \"busybox\", \"Cmd\": [\"sh\", \"-c\", \"echo hello attached; echo oops >&2\"],"
                               " \"AttachStdout\": true, \"AttachStderr\": true}",
                               NULL, &id, &err));
    collected out = {0};
    int64_t code = -2;
    OK(docker_container_start_attached(eng, id, NULL, -1, collect, &out, &code, &err));
    CHECK(code == 0);
    CHECK(strcmp(out.out, "hello attached\n") == 0);
    CHECK(strcmp(out.err, "oops\n") == 0);
    OK(docker_container_remove(eng, id, false, &err));
    docker_string_free(id);

    /* stdin from a file descriptor */
    int fds[2];
    REQUIRE(pipe(fds) == 0);
    REQUIRE(write(fds[1], "through stdin\n", 14) == 14);
    close(fds[1]);
    id = NULL;
    OK(docker_container_create(eng,
                               "{\"Image\": \"busybox\", \"Cmd\": [\"cat\"], \"OpenStdin\": true, \"StdinOnce\": true,"
                               " \"AttachStdin\": true, \"AttachStdout\": true, \"AttachStderr\": true}",
                               NULL, &id, &err));
    collected cat = {0};
    code = -2;
    OK(docker_container_start_attached(eng, id, "{\"Stream\": true, \"Stdin\": true, \"Stdout\": true, \"Stderr\": true}",
                                       fds[0], collect, &cat, &code, &err));
    close(fds[0]);
    CHECK(code == 0);
    CHECK(strcmp(cat.out, "through stdin\n") == 0);
    OK(docker_container_remove(eng, id, false, &err));
    docker_string_free(id);
}

/* The archive endpoints on a running container. */
static void filesystem_running(docker_engine *eng) {
    char *json = NULL;
    int64_t code = -2;
    char tar[4096];
    snprintf(tar, sizeof tar, "%s/group.tar", env_or_die("LIBDOCKER_TEST_ROOT"));
    OK(docker_container_archive_get(eng, "sleeper", "/etc/group", tar, &json, &err));
    CHECK(contains(json, "\"name\":\"group\""));
    docker_string_free(json);
    OK(docker_container_archive_put(eng, "sleeper", "/tmp", tar, false, &err));
    collected cat = {0};
    OK(docker_container_exec(eng, "sleeper", "{\"Cmd\": [\"cat\", \"/tmp/group\"], \"AttachStdout\": true}", collect,
                             &cat, &code, &err));
    CHECK(code == 0 && contains(cat.out, "root:x:0:"));
    unlink(tar);
}

static void running(docker_engine *eng) {
    char *id = NULL;
    OK(docker_container_create(eng, "{\"Image\": \"busybox\", \"Cmd\": [\"sleep\", \"60\"]}", "sleeper", &id, &err));
    OK(docker_container_start(eng, "sleeper", &err));

    char *json = NULL;
    OK(docker_container_list(eng, false, &json, &err));
    CHECK(contains(json, id));
    CHECK(contains(json, "\"State\":\"running\""));
    docker_string_free(json);

    /* exec in one call */
    collected out = {0};
    int64_t code = -2;
    OK(docker_container_exec(eng, "sleeper",
                             "{\"Cmd\": [\"sh\", \"-c\", \"echo from exec; exit 4\"], \"AttachStdout\": true,"
                             " \"AttachStderr\": true}",
                             collect, &out, &code, &err));
    CHECK(code == 4);
    CHECK(strcmp(out.out, "from exec\n") == 0);

    /* exec in three */
    char *exec_id = NULL;
    OK(docker_exec_create(eng, id, "{\"Cmd\": [\"echo\", \"two\"], \"AttachStdout\": true}", &exec_id, &err));
    collected out2 = {0};
    code = -2;
    OK(docker_exec_start(eng, exec_id, NULL, -1, collect, &out2, &code, &err));
    CHECK(code == 0 && strcmp(out2.out, "two\n") == 0);
    json = NULL;
    OK(docker_exec_inspect(eng, exec_id, &json, &err));
    CHECK(contains(json, "\"ExitCode\":0"));
    CHECK(contains(json, "\"Running\":false"));
    docker_string_free(json);
    docker_string_free(exec_id);

    json = NULL;
    OK(docker_container_top(eng, "sleeper", NULL, &json, &err));
    CHECK(contains(json, "\"Titles\""));
    CHECK(contains(json, "sleep"));
    docker_string_free(json);

    json = NULL;
    OK(docker_container_stats(eng, "sleeper", false, &json, &err));
    CHECK(contains(json, "\"pids_stats\""));
    docker_string_free(json);

    OK(docker_container_pause(eng, "sleeper", &err));
    json = NULL;
    OK(docker_container_inspect(eng, "sleeper", &json, &err));
    CHECK(contains(json, "\"Paused\":true"));
    docker_string_free(json);
    OK(docker_container_unpause(eng, "sleeper", &err));

    if (!under_valgrind) filesystem_running(eng);

    OK(docker_container_kill(eng, "sleeper", "KILL", &err));
    int64_t status = -1;
    OK(docker_container_wait(eng, "sleeper", &status, &err));
    CHECK(status == 137);
    FAILS(DOCKER_ECONFLICT, NULL, docker_container_kill(eng, "sleeper", NULL, &err));

    OK(docker_container_restart(eng, "sleeper", 1, &err));
    OK(docker_container_stop(eng, "sleeper", 1, &err));
    FAILS(DOCKER_ENOTMODIFIED, NULL, docker_container_stop(eng, "sleeper", 1, &err));
    json = NULL;
    OK(docker_container_prune(eng, &json, &err));
    CHECK(contains(json, id));
    docker_string_free(json);
    docker_string_free(id);
}

static void save_load(docker_engine *eng, const char *id) {
    char path[4096];
    snprintf(path, sizeof path, "%s/saved.tar", env_or_die("LIBDOCKER_TEST_ROOT"));
    const char *names[] = {"busybox:latest"};
    OK(docker_image_save(eng, names, 1, path, &err));
    struct stat st;
    CHECK(stat(path, &st) == 0 && st.st_size > 100 * 1024);

    char *json = NULL;
    OK(docker_image_remove(eng, "busybox:latest", NULL, &json, &err));
    CHECK(contains(json, "\"Deleted\""));
    docker_string_free(json);
    FAILS(DOCKER_ENOTFOUND, "No such image", docker_image_inspect(eng, id, &json, &err));

    /* A load stopped by its callback at the first message: DOCKER_ECANCELED, and nothing of it
     * in the store. */
    collected stop = {.stop_after = 1};
    FAILS(DOCKER_ECANCELED, "callback", docker_image_load(eng, path, collect, &stop, &json, &err));
    CHECK(stop.calls == 1);
    FAILS(DOCKER_ENOTFOUND, "No such image", docker_image_inspect(eng, "busybox:latest", &json, &err));

    collected progress = {0};
    json = NULL;
    OK(docker_image_load(eng, path, collect, &progress, &json, &err));
    CHECK(contains(json, "\"Tags\":[\"busybox:latest\"]"));
    CHECK(progress.json_messages > 0 && progress.bad_json == 0);
    docker_string_free(json);
    json = NULL;
    OK(docker_image_inspect(eng, "busybox:latest", &json, &err));
    char *got = json_string(json, "Id");
    CHECK(got != NULL && strcmp(got, id) == 0);
    free(got);
    docker_string_free(json);
    unlink(path);
}

/* Stops the build once its RUN has printed "started". */
static int stop_when_started(void *user_data, int stream, const uint8_t *data, size_t len) {
    int *seen = user_data;
    (void)stream;
    for (size_t i = 0; i + 7 <= len; i++) {
        if (memcmp(data + i, "started", 7) == 0) {
            *seen = 1;
            return 1;
        }
    }
    return 0;
}

/* A build stopped by its callback in the middle of a RUN: DOCKER_ECANCELED at once, no
 * intermediate container or tag left; a failing step's exit code and step in the details. */
static void build_cancel_and_details(docker_engine *eng) {
    char dir[4096], file[4200];
    snprintf(dir, sizeof dir, "%s/ctx", env_or_die("LIBDOCKER_TEST_ROOT"));
    REQUIRE(mkdir(dir, 0755) == 0);
    snprintf(file, sizeof file, "%s/Dockerfile", dir);
    FILE *f = fopen(file, "w");
    REQUIRE(f != NULL);
    fputs("FROM busybox\nRUN echo started; sleep 600\n", f);
    fclose(f);
    int seen = 0;
    char *id = NULL;
    time_t t0 = time(NULL);
    FAILS(DOCKER_ECANCELED, "callback",
          docker_image_build(eng, dir, "{\"Tags\": [\"never:1\"]}", stop_when_started, &seen, &id, &err));
    CHECK(seen == 1);
    CHECK(time(NULL) - t0 < 30);
    char *json = NULL;
    OK(docker_container_list(eng, true, &json, &err));
    CHECK(strcmp(json, "[]") == 0);
    docker_string_free(json);
    FAILS(DOCKER_ENOTFOUND, "No such image", docker_image_inspect(eng, "never:1", &json, &err));

    f = fopen(file, "w");
    REQUIRE(f != NULL);
    fputs("FROM busybox\nRUN exit 5\n", f);
    fclose(f);
    docker_error *e = NULL;
    CHECK(docker_image_build(eng, dir, NULL, NULL, NULL, &id, &e) == DOCKER_EINVALIDARGUMENT);
    CHECK(contains(docker_error_details(e), "\"ExitCode\":5"));
    CHECK(contains(docker_error_details(e), "\"Instruction\":\"RUN exit 5\""));
    docker_error_free(e);
    CHECK(strcmp(docker_error_details(NULL), "{}") == 0);
    unlink(file);
    rmdir(dir);
}

static void volumes(docker_engine *eng) {
    char *json = NULL;
    OK(docker_volume_create(eng, "{\"Name\": \"v1\", \"Labels\": {\"k\": \"v\"}}", &json, &err));
    CHECK(contains(json, "\"Name\":\"v1\""));
    docker_string_free(json);
    json = NULL;
    OK(docker_volume_list(eng, &json, &err));
    CHECK(contains(json, "\"v1\""));
    docker_string_free(json);
    json = NULL;
    OK(docker_volume_inspect(eng, "v1", &json, &err));
    CHECK(contains(json, "\"Mountpoint\""));
    docker_string_free(json);

    /* a container that writes into the volume */
    char *id = NULL;
    OK(docker_container_create(eng,
                               "{\"Image\": \"busybox\", \"Cmd\": [\"sh\", \"-c\", \"echo kept > /data/f\"],"
                               " \"HostConfig\": {\"Binds\": [\"v1:/data\"]}}",
                               NULL, &id, &err));
    OK(docker_container_start(eng, id, &err));
    int64_t status = -1;
    OK(docker_container_wait(eng, id, &status, &err));
    CHECK(status == 0);
    FAILS(DOCKER_ECONFLICT, NULL, docker_volume_remove(eng, "v1", false, &err));
    OK(docker_container_remove(eng, id, false, &err));
    docker_string_free(id);
    OK(docker_volume_remove(eng, "v1", false, &err));
    json = NULL;
    OK(docker_volume_prune(eng, true, &json, &err));
    docker_string_free(json);
}

int main(void) {
    under_valgrind = test_under_valgrind();
    CHECK(strcmp(docker_version(), DOCKER_VERSION_STRING) == 0);
    char v[64];
    snprintf(v, sizeof v, "%d.%d.%d", DOCKER_VERSION_MAJOR, DOCKER_VERSION_MINOR, DOCKER_VERSION_PATCH);
    CHECK(strcmp(v, DOCKER_VERSION_STRING) == 0);

    docker_engine *eng = open_test_engine();
    char *json = NULL;
    OK(docker_system_version(eng, &json, &err));
    CHECK(contains(json, "\"ApiVersion\""));
    docker_string_free(json);

    char *id = import_busybox(eng);
    images(eng, id);
    run_to_exit(eng);
    attached(eng);
    running(eng);
    if (!under_valgrind) save_load(eng, id);
    if (!under_valgrind) build_cancel_and_details(eng);
    volumes(eng);

    json = NULL;
    OK(docker_system_info(eng, &json, &err));
    CHECK(contains(json, "\"Images\":1"));
    CHECK(contains(json, "\"Containers\":0"));
    docker_string_free(json);

    /* rmi: the last image goes, nothing is left. */
    json = NULL;
    OK(docker_image_remove(eng, "busybox", "{\"Force\": false}", &json, &err));
    CHECK(contains(json, "\"Deleted\""));
    docker_string_free(json);
    json = NULL;
    OK(docker_image_list(eng, "{\"All\": true}", &json, &err));
    CHECK(strcmp(json, "[]") == 0);
    docker_string_free(json);
    free(id);

    docker_engine_close(eng);
    return check_done("lifecycle");
}
