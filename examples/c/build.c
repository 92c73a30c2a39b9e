/* build: build an image from a directory holding a Dockerfile, print the build output as it
 * comes, and print the new image's id (what `docker build -t TAG DIR` does).
 *
 *   ./build DIR [TAG]
 *
 * The state root is $LIBDOCKER_ROOT, else /var/lib/libdocker; the Dockerfile's base image must
 * be there (e.g. `dock import busybox.tar busybox`). Build: make -C examples/c (see the Makefile). */
#define _GNU_SOURCE /* memmem */
#include <docker.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Build output arrives as Docker's JSON messages; print their "stream" text. A real program
 * would use a JSON parser: this one only unescapes what the builder writes (\n, \", \\, \t). */
static int print_message(void *user_data, int stream, const uint8_t *data, size_t len) {
    (void)user_data;
    if (stream != DOCKER_STREAM_JSON) return 0;
    const char *key = "\"stream\":\"";
    const char *p = memmem(data, len, key, strlen(key));
    if (!p) return 0;
    const char *end = (const char *)data + len;
    for (p += strlen(key); p < end && *p != '"'; p++) {
        if (*p == '\\' && p + 1 < end) {
            p++;
            putchar(*p == 'n' ? '\n' : *p == 't' ? '\t' : *p);
        } else {
            putchar(*p);
        }
    }
    fflush(stdout);
    return 0;
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: %s DIR [TAG]\n", argv[0]);
        return 2;
    }
    docker_engine *eng = NULL;
    docker_error *err = NULL;
    if (docker_engine_open(NULL, &eng, &err) != DOCKER_OK) {
        fprintf(stderr, "build: open: %s\n", docker_error_message(err));
        docker_error_free(err);
        return 1;
    }
    char options[512] = "{}";
    if (argc > 2 && strlen(argv[2]) < 400 && !strpbrk(argv[2], "\"\\")) {
        snprintf(options, sizeof options, "{\"Tags\": [\"%s\"]}", argv[2]);
    }
    char *id = NULL;
    docker_code code = docker_image_build(eng, argv[1], options, print_message, NULL, &id, &err);
    int status = 0;
    if (code == DOCKER_OK) {
        printf("image: %s\n", id);
        docker_string_free(id);
    } else {
        fprintf(stderr, "build: %s (%s)\n", docker_error_message(err), docker_code_name(code));
        docker_error_free(err);
        status = 1;
    }
    docker_engine_close(eng);
    return status;
}
