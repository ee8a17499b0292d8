/*
 * transpile/toolchain.c - posix_spawn wrappers and a small parallel job
 * runner (poll over the jobs' stderr pipes); see toolchain.h.
 */
#include "toolchain.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
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

static void print_command(const kt_argv *a)
{
    for (int i = 0; i < a->n; i++)
        fprintf(stderr, "%s%s", i ? " " : "+ ", a->v[i]);
    fputc('\n', stderr);
}

/* Start argv with its file descriptor `fd` (1 or 2) on a pipe, the other
 * one of the two to /dev/null when `quiet`. 0 with *pid and *rfd (the
 * pipe's read end), or an errno value. */
static int spawn_piped(char *const *argv, int fd, bool quiet, pid_t *pid, int *rfd)
{
    int pipefd[2];
    if (pipe2(pipefd, O_CLOEXEC) != 0)
        return errno;
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, pipefd[1], fd);
    if (quiet)
        posix_spawn_file_actions_addopen(&fa, fd == 1 ? 2 : 1, "/dev/null", O_WRONLY, 0);
    int rc = posix_spawnp(pid, argv[0], &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    close(pipefd[1]);
    if (rc != 0) {
        close(pipefd[0]);
        return rc;
    }
    *rfd = pipefd[0];
    return 0;
}

/* Read fd to its end into *to (when not NULL), then reap pid: its exit
 * status (128 + N when killed by signal N), or -1. */
static int drain_and_wait(int fd, pid_t pid, kt_sb *to)
{
    char buf[4096];
    for (;;) {
        ssize_t n = read(fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        if (to)
            kt_sb_addn(to, buf, (size_t)n);
    }
    close(fd);
    int status;
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR)
            return -1;
    }
    if (WIFEXITED(status))
        return WEXITSTATUS(status);
    return 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}

int kt_run(const kt_argv *a, bool verbose, kt_sb *err)
{
    if (a->failed || a->n == 0)
        return -1;
    if (verbose)
        print_command(a);
    pid_t pid;
    int fd;
    int rc = spawn_piped(a->v, 2, false, &pid, &fd);
    if (rc != 0) {
        if (err)
            kt_sb_addf(err, "cannot run %s: %s\n", a->v[0], strerror(rc));
        return -1;
    }
    return drain_and_wait(fd, pid, err);
}

int kt_run_stdout(const kt_argv *a, kt_sb *out)
{
    if (a->failed || a->n == 0)
        return -1;
    pid_t pid;
    int fd;
    if (spawn_piped(a->v, 1, true, &pid, &fd) != 0)
        return -1;
    return drain_and_wait(fd, pid, out);
}

/* ---- several at once ------------------------------------------------------ */

uint64_t kt_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void kt_job_init(kt_job *j, const char *label)
{
    memset(j, 0, sizeof *j);
    kt_argv_init(&j->argv);
    kt_sb_init(&j->err);
    snprintf(j->label, sizeof j->label, "%s", label);
    j->status = -2;
    j->fd = -1;
}

void kt_job_fini(kt_job *j)
{
    kt_argv_fini(&j->argv);
    kt_sb_fini(&j->err);
}

static void progress_line(kt_progress *p, int k, int n, const char *label)
{
    if (!p || !p->enabled)
        return;
    uint64_t elapsed = kt_now_ns() - p->start_ns;
    if (!p->shown && elapsed < p->quiet_ns)
        return;
    /* the build's time so far: a sign of life during a long unit; drawn
     * again only when the line changes */
    char line[sizeof p->last];
    snprintf(line, sizeof line, "[%d/%d] %s (%llu s)", k, n, label,
             (unsigned long long)(elapsed / 1000000000u));
    if (p->shown && strcmp(line, p->last) == 0)
        return;
    fprintf(stderr, "\r\033[K%s", line);
    fflush(stderr);
    memcpy(p->last, line, sizeof line);
    p->shown = true;
}

void kt_progress_done(kt_progress *p)
{
    if (p && p->shown) {
        fputs("\r\033[K", stderr);
        fflush(stderr);
        p->shown = false;
        p->last[0] = '\0';
    }
}

int kt_run_jobs(kt_job *jobs, int n, int parallel, bool verbose, kt_progress *p)
{
    if (parallel < 1)
        parallel = 1;
    struct pollfd *fds = calloc((size_t)parallel, sizeof *fds);
    int *who = calloc((size_t)parallel, sizeof *who);
    if (fds == NULL || who == NULL) {
        free(fds);
        free(who);
        return n;
    }
    int next = 0, running = 0, failed = 0, shown = 0;
    bool stop = false;
    while (running > 0 || (!stop && next < n)) {
        while (!stop && running < parallel && next < n) {
            kt_job *j = &jobs[next++];
            if (verbose) {
                kt_progress_done(p);
                print_command(&j->argv);
            }
            pid_t pid;
            int rc = j->argv.failed || j->argv.n == 0
                         ? ENOMEM : spawn_piped(j->argv.v, 2, false, &pid, &j->fd);
            if (rc != 0) {
                kt_sb_addf(&j->err, "cannot run %s: %s\n", j->argv.n ? j->argv.v[0] : "?",
                           strerror(rc));
                j->status = -1;
                failed++;
                stop = true;
                break;
            }
            j->pid = (int)pid;
            running++;
            shown = next;
            progress_line(p, shown, n, j->label);
        }
        if (running == 0)
            break;
        int k = 0;
        for (int i = 0; i < next; i++) {
            if (jobs[i].fd >= 0) {
                fds[k].fd = jobs[i].fd;
                fds[k].events = POLLIN;
                fds[k].revents = 0;
                who[k++] = i;
            }
        }
        int r = poll(fds, (nfds_t)k, 200);
        if (r < 0 && errno != EINTR)
            break;
        for (int i = 0; i < k && r > 0; i++) {
            if (fds[i].revents == 0)
                continue;
            kt_job *j = &jobs[who[i]];
            char buf[4096];
            ssize_t got = read(j->fd, buf, sizeof buf);
            if (got > 0) {
                kt_sb_addn(&j->err, buf, (size_t)got);
                continue;
            }
            if (got < 0 && errno == EINTR)
                continue;
            j->status = drain_and_wait(j->fd, (pid_t)j->pid, &j->err);
            j->fd = -1;
            running--;
            if (j->status != 0) {
                failed++;
                stop = true;
            }
        }
        if (shown > 0)
            progress_line(p, shown, n, jobs[shown - 1].label);
    }
    free(fds);
    free(who);
    return failed + (n - next);
}
