/*
 * transpile/toolchain.c - posix_spawn wrapper; see toolchain.h.
 */
#include "toolchain.h"

#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

void kt_argv_init(kt_argv *a)
{
    a->v = NULL;
    a->n = a->cap = 0;
    a->failed = false;
}

void kt_argv_fini(kt_argv *a)
{
    for (int i = 0; i < a->n; i++)
        free(a->v[i]);
    free(a->v);
    kt_argv_init(a);
}

void kt_argv_add(kt_argv *a, const char *s)
{
    if (a->failed)
        return;
    if (a->n + 2 > a->cap) {
        int cap = a->cap ? a->cap * 2 : 16;
        char **p = realloc(a->v, (size_t)cap * sizeof *p);
        if (p == NULL) {
            a->failed = true;
            return;
        }
        a->v = p;
        a->cap = cap;
    }
    a->v[a->n] = strdup(s);
    if (a->v[a->n] == NULL) {
        a->failed = true;
        return;
    }
    a->n++;
    a->v[a->n] = NULL;
}

void kt_argv_add_words(kt_argv *a, const char *s)
{
    while (*s) {
        while (*s == ' ' || *s == '\t')
            s++;
        size_t n = strcspn(s, " \t");
        if (n == 0)
            break;
        char *w = strndup(s, n);
        if (w == NULL) {
            a->failed = true;
            return;
        }
        kt_argv_add(a, w);
        free(w);
        s += n;
    }
}

int kt_run(const kt_argv *a, bool verbose, kt_sb *err)
{
    if (a->failed || a->n == 0)
        return -1;
    if (verbose) {
        for (int i = 0; i < a->n; i++)
            fprintf(stderr, "%s%s", i ? " " : "+ ", a->v[i]);
        fputc('\n', stderr);
    }
    int pipefd[2];
    if (pipe2(pipefd, O_CLOEXEC) != 0)
        return -1;
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, pipefd[1], 2);
    pid_t pid;
    int rc = posix_spawnp(&pid, a->v[0], &fa, NULL, a->v, environ);
    posix_spawn_file_actions_destroy(&fa);
    close(pipefd[1]);
    if (rc != 0) {
        close(pipefd[0]);
        if (err)
            kt_sb_addf(err, "cannot run %s: %s\n", a->v[0], strerror(rc));
        return -1;
    }
    char buf[4096];
    for (;;) {
        ssize_t n = read(pipefd[0], buf, sizeof buf);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        if (err)
            kt_sb_addn(err, buf, (size_t)n);
    }
    close(pipefd[0]);
    int status;
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR)
            return -1;
    }
    if (WIFEXITED(status))
        return WEXITSTATUS(status);
    return 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}
