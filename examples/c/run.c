/* run: run a command in a new container, print its output, remove the container, exit with the
 * container's exit code (what `docker run --rm IMAGE CMD...` does).
 *
 *   ./run [IMAGE [CMD [ARG...]]]      default: busybox echo "hello from libdocker"
 *
 * The state root is $LIBDOCKER_ROOT, else /var/lib/libdocker; put an image there first, e.g.
 *   dock import busybox.tar busybox         (tests/fixtures/busybox-rootfs.sh makes the tar)
 * Build: make -C examples/c (see the Makefile). */
#include <docker.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Append `s` to `buf` as a JSON string. */
static void json_string(char *buf, size_t cap, const char *s) {
    size_t n = strlen(buf);
    if (n + 1 < cap) buf[n++] = '"';
    for (; *s && n + 7 < cap; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') {
            buf[n++] = '\\';
            buf[n++] = (char)c;
        } else if (c < 0x20) {
            n += (size_t)snprintf(buf + n, cap - n, "\\u%04x", c);
        } else {
            buf[n++] = (char)c;
        }
    }
    if (n + 1 < cap) buf[n++] = '"';
    buf[n] = '\0';
}

/* The container's output, as it comes: stdout to stdout, stderr to stderr. */
static int print_output(void *user_data, int stream, const uint8_t *data, size_t len) {
    (void)user_data;
    FILE *to = stream == DOCKER_STREAM_STDERR ? stderr : stdout;
    fwrite(data, 1, len, to);
    fflush(to);
    return 0;
}

static int fail(const char *what, docker_error *err) {
    fprintf(stderr, "run: %s: %s (%s)\n", what, docker_error_message(err), docker_code_name(docker_error_code(err)));
    docker_error_free(err);
    return 125;
}

int main(int argc, char **argv) {
    const char *image = argc > 1 ? argv[1] : "busybox";
    static char config[65536];
    strcpy(config, "{\"Image\": ");
    json_string(config, sizeof config, image);
    strcat(config, ", \"AttachStdout\": true, \"AttachStderr\": true");
    if (argc > 2) {
        strcat(config, ", \"Cmd\": [");
        for (int i = 2; i < argc; i++) {
            if (i > 2) strcat(config, ", ");
            json_string(config, sizeof config, argv[i]);
        }
        strcat(config, "]");
    } else if (argc == 1) {
        strcat(config, ", \"Cmd\": [\"echo\", \"hello from libdocker\"]");
    }
    strcat(config, "}");

    docker_engine *eng = NULL;
    docker_error *err = NULL;
    if (docker_engine_open(NULL, &eng, &err) != DOCKER_OK) return fail("open", err);

    char *id = NULL;
    if (docker_container_create(eng, config, NULL, &id, &err) != DOCKER_OK) {
        docker_engine_close(eng);
        return fail("create", err);
    }
    int64_t status = 0;
    int rc;
    if (docker_container_start_attached(eng, id, NULL, -1, print_output, NULL, &status, &err) != DOCKER_OK) {
        rc = fail("start", err);
        err = NULL;
    } else {
        rc = status < 0 ? 125 : (int)status;
    }
    if (docker_container_remove(eng, id, true, &err) != DOCKER_OK) rc = fail("remove", err);
    docker_string_free(id);
    docker_engine_close(eng);
    return rc;
}
