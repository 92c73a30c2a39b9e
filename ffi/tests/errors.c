/* Errors and bad input through the C ABI: every code with its name; not found, conflict and
 * invalid JSON with their codes and messages; NULL pointers, invalid UTF-8, malformed JSON and
 * unknown ids give the right code and a message, never a crash; out-parameters are left alone on
 * failure; `err` may be NULL. */
#include "check.h"

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

static const char BAD_UTF8[] = "\xff\xfe";

static void codes(void) {
    struct {
        docker_code code;
        int number;
        const char *name;
    } table[] = {
        {DOCKER_OK, 0, "OK"},
        {DOCKER_ENOTFOUND, 1, "NotFound"},
        {DOCKER_ECONFLICT, 2, "Conflict"},
        {DOCKER_EINVALIDARGUMENT, 3, "InvalidArgument"},
        {DOCKER_ENOTMODIFIED, 4, "NotModified"},
        {DOCKER_EPERMISSIONDENIED, 5, "PermissionDenied"},
        {DOCKER_EUNSUPPORTED, 6, "Unsupported"},
        {DOCKER_EIO, 7, "Io"},
        {DOCKER_EINTERNAL, 8, "Internal"},
        {DOCKER_ECORRUPT, 9, "Corrupt"},
        {DOCKER_ENULL, 1001, "Null"},
        {DOCKER_EUTF8, 1002, "Utf8"},
        {DOCKER_EPANIC, 1003, "Panic"},
        {DOCKER_ECANCELED, 1004, "Canceled"},
    };
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
        CHECK(table[i].code == table[i].number);
        CHECK(strcmp(docker_code_name(table[i].code), table[i].name) == 0);
    }
    CHECK(strcmp(docker_code_name(10), "Unknown") == 0);
    CHECK(strcmp(docker_code_name(-1), "Unknown") == 0);
    CHECK(strcmp(docker_code_name(999999), "Unknown") == 0);

    /* The error functions accept NULL. */
    CHECK(docker_error_code(NULL) == DOCKER_ENULL);
    CHECK(docker_error_message(NULL) != NULL && docker_error_message(NULL)[0] == '\0');
    docker_error_free(NULL);
    docker_string_free(NULL);
    docker_engine_close(NULL);
}

static void open_errors(void) {
    char marker;
    docker_engine *eng = (docker_engine *)&marker;
    FAILS(DOCKER_EINVALIDARGUMENT, "absolute", docker_engine_open("{\"Root\": \"relative/path\"}", &eng, &err));
    FAILS(DOCKER_EINVALIDARGUMENT, "invalid JSON", docker_engine_open("{\"Root\": ", &eng, &err));
    FAILS(DOCKER_EINVALIDARGUMENT, "unknown field", docker_engine_open("{\"Bogus\": 1}", &eng, &err));
    FAILS(DOCKER_EINVALIDARGUMENT, "invalid type: sequence", docker_engine_open("[1, 2]", &eng, &err));
    FAILS(DOCKER_EUTF8, "options_json is not valid UTF-8", docker_engine_open(BAD_UTF8, &eng, &err));
    FAILS(DOCKER_ENULL, "out is NULL", docker_engine_open(NULL, NULL, &err));
    CHECK(eng == (docker_engine *)&marker); /* never written on failure */

    /* err may be NULL: the code alone. */
    CHECK(docker_engine_open("{", &eng, NULL) == DOCKER_EINVALIDARGUMENT);
    CHECK(eng == (docker_engine *)&marker);
}

/* Every function refuses a NULL engine with DOCKER_ENULL and "engine is NULL". */
static void null_engine(void) {
    char *s = NULL;
    int64_t n = 0;
    const char *names[] = {"x"};
#define NOENG(expr) FAILS(DOCKER_ENULL, "engine is NULL", expr)
    NOENG(docker_system_version(NULL, &s, &err));
    NOENG(docker_system_info(NULL, &s, &err));
    NOENG(docker_image_import(NULL, "/x", NULL, &s, &err));
    NOENG(docker_image_import_with_options(NULL, "/x", NULL, NULL, NULL, &s, &err));
    NOENG(docker_image_list(NULL, NULL, &s, &err));
    NOENG(docker_image_inspect(NULL, "x", &s, &err));
    NOENG(docker_image_history(NULL, "x", &s, &err));
    NOENG(docker_image_tag(NULL, "x", "y", &err));
    NOENG(docker_image_remove(NULL, "x", NULL, &s, &err));
    NOENG(docker_image_save(NULL, names, 1, "/x", &err));
    NOENG(docker_image_load(NULL, "/x", NULL, NULL, &s, &err));
    NOENG(docker_container_create(NULL, "{}", NULL, &s, &err));
    NOENG(docker_container_start(NULL, "x", &err));
    NOENG(docker_container_start_attached(NULL, "x", NULL, -1, NULL, NULL, &n, &err));
    NOENG(docker_container_attach(NULL, "x", NULL, -1, NULL, NULL, &n, &err));
    NOENG(docker_container_stop(NULL, "x", 1, &err));
    NOENG(docker_container_kill(NULL, "x", NULL, &err));
    NOENG(docker_container_restart(NULL, "x", 1, &err));
    NOENG(docker_container_wait(NULL, "x", &n, &err));
    NOENG(docker_container_remove(NULL, "x", true, &err));
    NOENG(docker_container_inspect(NULL, "x", &s, &err));
    NOENG(docker_container_list(NULL, true, &s, &err));
    NOENG(docker_container_list_with_options(NULL, NULL, &s, &err));
    NOENG(docker_container_logs(NULL, "x", NULL, NULL, NULL, &err));
    NOENG(docker_container_resize(NULL, "x", 24, 80, &err));
    NOENG(docker_container_top(NULL, "x", NULL, &s, &err));
    NOENG(docker_container_changes(NULL, "x", &s, &err));
    NOENG(docker_container_export(NULL, "x", "/x", &err));
    NOENG(docker_container_commit(NULL, "x", NULL, &s, &err));
    NOENG(docker_container_archive_get(NULL, "x", "/", "/x", &s, &err));
    NOENG(docker_container_archive_put(NULL, "x", "/", "/x", false, &err));
    NOENG(docker_container_copy_from(NULL, "x", "/", "/x", &err));
    NOENG(docker_container_copy_to(NULL, "x", "/x", "/", &err));
    NOENG(docker_container_pause(NULL, "x", &err));
    NOENG(docker_container_unpause(NULL, "x", &err));
    NOENG(docker_container_rename(NULL, "x", "y", &err));
    NOENG(docker_container_stats(NULL, "x", true, &s, &err));
    NOENG(docker_container_prune(NULL, &s, &err));
    NOENG(docker_container_exec(NULL, "x", "{}", NULL, NULL, &n, &err));
    NOENG(docker_exec_create(NULL, "x", "{}", &s, &err));
    NOENG(docker_exec_start(NULL, "x", NULL, -1, NULL, NULL, &n, &err));
    NOENG(docker_exec_inspect(NULL, "x", &s, &err));
    NOENG(docker_volume_create(NULL, NULL, &s, &err));
    NOENG(docker_volume_list(NULL, &s, &err));
    NOENG(docker_volume_inspect(NULL, "x", &s, &err));
    NOENG(docker_volume_remove(NULL, "x", false, &err));
    NOENG(docker_volume_prune(NULL, false, &s, &err));
#undef NOENG
    CHECK(s == NULL && n == 0);
}

/* Required pointers: the message names the argument. */
static void null_arguments(docker_engine *eng) {
    char *s = NULL;
    int64_t n = 0;
#define NUL(arg, expr) FAILS(DOCKER_ENULL, arg " is NULL", expr)
    NUL("out_json", docker_system_version(eng, NULL, &err));
    NUL("out_json", docker_system_info(eng, NULL, &err));
    NUL("path", docker_image_import(eng, NULL, "x", &s, &err));
    NUL("out_id", docker_image_import(eng, "/x", "x", NULL, &err));
    NUL("path", docker_image_import_with_options(eng, NULL, NULL, NULL, NULL, &s, &err));
    NUL("out_json", docker_image_list(eng, NULL, NULL, &err));
    NUL("name", docker_image_inspect(eng, NULL, &s, &err));
    NUL("out_json", docker_image_inspect(eng, "busybox", NULL, &err));
    NUL("name", docker_image_history(eng, NULL, &s, &err));
    NUL("source", docker_image_tag(eng, NULL, "y", &err));
    NUL("target", docker_image_tag(eng, "busybox", NULL, &err));
    NUL("name", docker_image_remove(eng, NULL, NULL, &s, &err));
    NUL("names", docker_image_save(eng, NULL, 1, "/x", &err));
    const char *names[] = {"busybox", NULL};
    NUL("names[1]", docker_image_save(eng, names, 2, "/x", &err));
    NUL("path", docker_image_save(eng, names, 1, NULL, &err));
    NUL("path", docker_image_load(eng, NULL, NULL, NULL, &s, &err));
    NUL("config_json", docker_container_create(eng, NULL, "n", &s, &err));
    NUL("out_id", docker_container_create(eng, "{\"Image\": \"busybox\"}", "never-created", NULL, &err));
    NUL("id", docker_container_start(eng, NULL, &err));
    NUL("id", docker_container_start_attached(eng, NULL, NULL, -1, NULL, NULL, &n, &err));
    NUL("id", docker_container_attach(eng, NULL, NULL, -1, NULL, NULL, &n, &err));
    NUL("id", docker_container_stop(eng, NULL, 1, &err));
    NUL("id", docker_container_kill(eng, NULL, NULL, &err));
    NUL("id", docker_container_restart(eng, NULL, 1, &err));
    NUL("id", docker_container_wait(eng, NULL, &n, &err));
    NUL("out_status", docker_container_wait(eng, "x", NULL, &err));
    NUL("id", docker_container_remove(eng, NULL, true, &err));
    NUL("id", docker_container_inspect(eng, NULL, &s, &err));
    NUL("out_json", docker_container_inspect(eng, "x", NULL, &err));
    NUL("out_json", docker_container_list(eng, true, NULL, &err));
    NUL("out_json", docker_container_list_with_options(eng, NULL, NULL, &err));
    NUL("id", docker_container_logs(eng, NULL, NULL, NULL, NULL, &err));
    NUL("id", docker_container_resize(eng, NULL, 24, 80, &err));
    NUL("id", docker_container_top(eng, NULL, NULL, &s, &err));
    NUL("id", docker_container_changes(eng, NULL, &s, &err));
    NUL("path", docker_container_export(eng, "x", NULL, &err));
    NUL("out_id", docker_container_commit(eng, "x", NULL, NULL, &err));
    NUL("container_path", docker_container_archive_get(eng, "x", NULL, "/x", &s, &err));
    NUL("tar_path", docker_container_archive_get(eng, "x", "/", NULL, &s, &err));
    NUL("tar_path", docker_container_archive_put(eng, "x", "/", NULL, false, &err));
    NUL("src", docker_container_copy_from(eng, "x", NULL, "/x", &err));
    NUL("dest", docker_container_copy_to(eng, "x", "/x", NULL, &err));
    NUL("id", docker_container_pause(eng, NULL, &err));
    NUL("id", docker_container_unpause(eng, NULL, &err));
    NUL("new_name", docker_container_rename(eng, "x", NULL, &err));
    NUL("out_json", docker_container_stats(eng, "x", true, NULL, &err));
    NUL("config_json", docker_container_exec(eng, "x", NULL, NULL, NULL, &n, &err));
    NUL("out_exec_id", docker_exec_create(eng, "x", "{}", NULL, &err));
    NUL("exec_id", docker_exec_start(eng, NULL, NULL, -1, NULL, NULL, &n, &err));
    NUL("exec_id", docker_exec_inspect(eng, NULL, &s, &err));
    NUL("out_json", docker_volume_create(eng, NULL, NULL, &err));
    NUL("out_json", docker_volume_list(eng, NULL, &err));
    NUL("name", docker_volume_inspect(eng, NULL, &s, &err));
    NUL("name", docker_volume_remove(eng, NULL, false, &err));
#undef NUL
    CHECK(s == NULL && n == 0);

    /* Nothing was created by the calls that failed on their out-parameter. */
    FAILS(DOCKER_ENOTFOUND, "No such container: never-created", docker_container_inspect(eng, "never-created", &s, &err));
}

static void bad_utf8(docker_engine *eng) {
    char *s = NULL;
    int64_t n = 0;
#define UTF8(arg, expr) FAILS(DOCKER_EUTF8, arg " is not valid UTF-8", expr)
    UTF8("path", docker_image_import(eng, BAD_UTF8, NULL, &s, &err));
    UTF8("reference", docker_image_import(eng, "/x", BAD_UTF8, &s, &err));
    UTF8("options_json", docker_image_list(eng, BAD_UTF8, &s, &err));
    UTF8("options_json", docker_image_list(eng, "{\"All\": \"\xc3\x28\"}", &s, &err));
    UTF8("name", docker_image_inspect(eng, BAD_UTF8, &s, &err));
    UTF8("target", docker_image_tag(eng, "busybox", BAD_UTF8, &err));
    UTF8("config_json", docker_container_create(eng, "{\"Image\": \"\xff\"}", NULL, &s, &err));
    UTF8("name", docker_container_create(eng, "{\"Image\": \"busybox\"}", BAD_UTF8, &s, &err));
    UTF8("id", docker_container_start(eng, BAD_UTF8, &err));
    UTF8("id", docker_container_wait(eng, BAD_UTF8, &n, &err));
    UTF8("signal", docker_container_kill(eng, "x", BAD_UTF8, &err));
    UTF8("options_json", docker_container_logs(eng, "x", BAD_UTF8, NULL, NULL, &err));
    UTF8("ps_args", docker_container_top(eng, "x", BAD_UTF8, &s, &err));
    UTF8("new_name", docker_container_rename(eng, "x", BAD_UTF8, &err));
    UTF8("exec_id", docker_exec_inspect(eng, BAD_UTF8, &s, &err));
    UTF8("name", docker_volume_inspect(eng, BAD_UTF8, &s, &err));
    const char *names[] = {BAD_UTF8};
    UTF8("names[0]", docker_image_save(eng, names, 1, "/x", &err));
#undef UTF8
    CHECK(s == NULL && n == 0);
}

static void not_found(docker_engine *eng) {
    char marker;
    char *s = &marker;
    int64_t n = 42;
#define NF(msg, expr) FAILS(DOCKER_ENOTFOUND, msg, expr)
    NF("No such image: nope", docker_image_inspect(eng, "nope", &s, &err));
    NF("No such image: nope", docker_image_history(eng, "nope", &s, &err));
    NF("No such image: nope", docker_image_tag(eng, "nope", "other:1", &err));
    NF("No such image: nope", docker_image_remove(eng, "nope", NULL, &s, &err));
    NF("No such image: nope", docker_container_create(eng, "{\"Image\": \"nope\"}", NULL, &s, &err));
    NF("/no/such/file.tar", docker_image_import(eng, "/no/such/file.tar", NULL, &s, &err));
    NF("/no/such/file.tar", docker_image_load(eng, "/no/such/file.tar", NULL, NULL, &s, &err));
    NF("No such container: nope", docker_container_inspect(eng, "nope", &s, &err));
    NF("No such container: nope", docker_container_start(eng, "nope", &err));
    NF("No such container: nope", docker_container_start_attached(eng, "nope", NULL, -1, NULL, NULL, &n, &err));
    NF("No such container: nope", docker_container_attach(eng, "nope", NULL, -1, NULL, NULL, &n, &err));
    NF("No such container: nope", docker_container_stop(eng, "nope", 1, &err));
    NF("No such container: nope", docker_container_kill(eng, "nope", NULL, &err));
    NF("No such container: nope", docker_container_restart(eng, "nope", 1, &err));
    NF("No such container: nope", docker_container_wait(eng, "nope", &n, &err));
    NF("No such container: nope", docker_container_remove(eng, "nope", true, &err));
    NF("No such container: nope", docker_container_logs(eng, "nope", NULL, NULL, NULL, &err));
    NF("No such container: nope", docker_container_top(eng, "nope", NULL, &s, &err));
    NF("No such container: nope", docker_container_changes(eng, "nope", &s, &err));
    NF("No such container: nope", docker_container_commit(eng, "nope", NULL, &s, &err));
    NF("No such container: nope", docker_container_pause(eng, "nope", &err));
    NF("No such container: nope", docker_container_rename(eng, "nope", "other", &err));
    NF("No such container: nope", docker_container_stats(eng, "nope", true, &s, &err));
    NF("No such container: nope", docker_container_exec(eng, "nope", "{\"Cmd\": [\"true\"]}", NULL, NULL, &n, &err));
    NF("No such container: nope", docker_exec_create(eng, "nope", "{\"Cmd\": [\"true\"]}", &s, &err));
    NF("nope", docker_exec_inspect(eng, "nope", &s, &err));
    NF("nope", docker_exec_start(eng, "nope", NULL, -1, NULL, NULL, &n, &err));
    NF("nope", docker_volume_inspect(eng, "nope", &s, &err));
    NF("nope", docker_volume_remove(eng, "nope", false, &err));
#undef NF
    CHECK(s == &marker && n == 42); /* out-parameters untouched */

    /* err may be NULL */
    CHECK(docker_container_inspect(eng, "nope", &s, NULL) == DOCKER_ENOTFOUND);
    CHECK(s == &marker);

    /* A failed export or archive leaves an existing file as it was, and no partial file. */
    char dir[4096], path[4200];
    snprintf(dir, sizeof dir, "%s/out", env_or_die("LIBDOCKER_TEST_ROOT"));
    snprintf(path, sizeof path, "%s/keep.tar", dir);
    REQUIRE(mkdir(dir, 0700) == 0);
    FILE *f = fopen(path, "w");
    REQUIRE(f != NULL && fputs("precious", f) >= 0 && fclose(f) == 0);
    FAILS(DOCKER_ENOTFOUND, "No such container: nope", docker_container_export(eng, "nope", path, &err));
    FAILS(DOCKER_ENOTFOUND, "No such container: nope", docker_container_archive_get(eng, "nope", "/etc", path, &s, &err));
    char buf[64] = {0};
    f = fopen(path, "r");
    REQUIRE(f != NULL);
    CHECK(fread(buf, 1, sizeof buf - 1, f) == 8 && strcmp(buf, "precious") == 0);
    fclose(f);
    int entries = 0;
    DIR *d = opendir(dir);
    REQUIRE(d != NULL);
    for (struct dirent *e; (e = readdir(d)) != NULL;) entries += e->d_name[0] != '.' || strstr(e->d_name, "partial") != NULL;
    closedir(d);
    CHECK(entries == 1);
    FAILS(DOCKER_ENOTFOUND, "/no/such/dir", docker_container_export(eng, "busybox-user", "/no/such/dir/x.tar", &err));
    unlink(path);
    rmdir(dir);
}

static void invalid_json(docker_engine *eng) {
    char marker;
    char *s = &marker;
    int64_t n = 42;
#define BAD(msg, expr) FAILS(DOCKER_EINVALIDARGUMENT, msg, expr)
    BAD("invalid JSON", docker_container_create(eng, "{", "bad-json", &s, &err));
    BAD("Image: invalid type: integer", docker_container_create(eng, "{\"Image\": 5}", NULL, &s, &err));
    BAD("expected an object", docker_container_create(eng, "[\"busybox\"]", NULL, &s, &err));
    BAD("invalid JSON", docker_container_create(eng, "{\"Image\": \"busybox\"} trailing", NULL, &s, &err));
    BAD("All: invalid type", docker_image_list(eng, "{\"All\": \"yes\"}", &s, &err));
    BAD("invalid JSON", docker_image_list(eng, "not json", &s, &err));
    BAD("Force: invalid type", docker_image_remove(eng, "busybox", "{\"Force\": 1}", &s, &err));
    BAD("Changes: invalid type", docker_image_import_with_options(eng, "/x", "{\"Changes\": \"CMD x\"}", NULL, NULL, &s, &err));
    BAD("Filters: invalid type", docker_container_list_with_options(eng, "{\"Filters\": []}", &s, &err));
    BAD("Tail: invalid type", docker_container_logs(eng, "x", "{\"Tail\": 3}", NULL, NULL, &err));
    BAD("Cmd: invalid type", docker_container_exec(eng, "x", "{\"Cmd\": \"ls\"}", NULL, NULL, &n, &err));
    BAD("Pause: invalid type", docker_container_commit(eng, "x", "{\"Pause\": \"no\"}", &s, &err));
    BAD("invalid JSON", docker_volume_create(eng, "{{", &s, &err));
    BAD("Detach: invalid type", docker_exec_start(eng, "x", "{\"Detach\": 1}", -1, NULL, NULL, &n, &err));
    /* valid JSON, bad values */
    BAD("you must choose at least one stream", docker_container_logs(eng, "busybox-user", "{}", NULL, NULL, &err));
    BAD("Invalid container name", docker_container_create(eng, "{\"Image\": \"busybox\"}", "/bad name!", &s, &err));
    BAD(NULL, docker_image_tag(eng, "busybox", "UPPER/Case:1", &err));
    BAD("stdin_fd 987", docker_container_attach(eng, "busybox-user", "{\"Stdin\": true}", 987, NULL, NULL, &n, &err));
#undef BAD
    CHECK(s == &marker && n == 42);
}

static void conflicts(docker_engine *eng) {
    char *id = NULL;
    char marker;
    char *s = &marker;
    int64_t n = 42;
    /* busybox-user exists (created in main) */
    FAILS(DOCKER_ECONFLICT, "is already in use",
          docker_container_create(eng, "{\"Image\": \"busybox\", \"Cmd\": [\"true\"]}", "busybox-user", &s, &err));
    FAILS(DOCKER_ECONFLICT, "busybox", docker_image_remove(eng, "busybox", NULL, &s, &err));
    FAILS(DOCKER_ECONFLICT, NULL, docker_container_exec(eng, "busybox-user", "{\"Cmd\": [\"true\"]}", NULL, NULL, &n, &err));
    FAILS(DOCKER_ECONFLICT, NULL, docker_container_attach(eng, "busybox-user", NULL, -1, NULL, NULL, &n, &err));
    FAILS(DOCKER_ECONFLICT, NULL, docker_container_kill(eng, "busybox-user", NULL, &err));
    FAILS(DOCKER_ECONFLICT, NULL, docker_container_top(eng, "busybox-user", NULL, &s, &err));
    CHECK(s == &marker && n == 42);

    /* A running container: no removal without force, no second start. */
    OK(docker_container_create(eng, "{\"Image\": \"busybox\", \"Cmd\": [\"sleep\", \"60\"]}", "busy", &id, &err));
    OK(docker_container_start(eng, id, &err));
    FAILS(DOCKER_ECONFLICT, NULL, docker_container_remove(eng, "busy", false, &err));
    FAILS(DOCKER_ENOTMODIFIED, NULL, docker_container_start(eng, "busy", &err));
    FAILS(DOCKER_ECONFLICT, "is already in use", docker_container_rename(eng, "busy", "busybox-user", &err));
    OK(docker_container_remove(eng, "busy", true, &err));
    FAILS(DOCKER_ENOTFOUND, "No such container", docker_container_inspect(eng, id, &s, &err));
    docker_string_free(id);
}

int main(void) {
    codes();
    open_errors();
    null_engine();

    docker_engine *eng = open_test_engine();
    ensure_busybox(eng);
    char *id = NULL;
    OK(docker_container_create(eng, "{\"Image\": \"busybox\", \"Cmd\": [\"true\"]}", "busybox-user", &id, &err));

    null_arguments(eng);
    bad_utf8(eng);
    not_found(eng);
    invalid_json(eng);
    conflicts(eng);

    /* The handle still works after all of that. */
    char *json = NULL;
    OK(docker_container_inspect(eng, id, &json, &err));
    CHECK(contains(json, "\"Name\":\"/busybox-user\""));
    docker_string_free(json);
    OK(docker_container_remove(eng, id, false, &err));
    docker_string_free(id);
    OK(docker_image_remove(eng, "busybox", NULL, NULL, &err));
    docker_engine_close(eng);
    return check_done("errors");
}
