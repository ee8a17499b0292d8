/*
 * runtime/snapshot.c - --load / --save; see snapshot.h.
 */
#include "snapshot.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "canon.h"
#include "evline.h"
#include "input.h"
#include "loop.h"
#include "os.h"

int kvrt_snapshot_render(kvrt_store *s, kvrt_buf *out, bool keep_empty)
{
    kvrt_buf prefix;
    kvrt_buf_init(&prefix);
    int rc = 0;
    for (kvrt_bucket *b = kvrt_store_first(s); b != NULL && rc == 0; b = kvrt_bucket_next(b)) {
        size_t blen;
        const uint8_t *bname = kvrt_bucket_name(b, &blen);
        if (keep_empty && kvrt_bucket_count(b) == 0) {
            rc = kvrt_canon_delete_text(out, bname, blen, (const uint8_t *)"", 0);
            continue;
        }
        prefix.len = 0;
        rc = kvrt_canon_set_prefix(&prefix, bname, blen);
        for (kvrt_entry *e = kvrt_bucket_first(b); e != NULL && rc == 0; e = kvrt_entry_next(e)) {
            size_t klen;
            const uint8_t *key = kvrt_entry_key(e, &klen);
            size_t vlen;
            const uint8_t *val = kvrt_entry_value(e, &vlen);
            rc = kvrt_canon_set_text_after(out, &prefix, key, klen, val, vlen);
        }
    }
    kvrt_buf_fini(&prefix);
    return rc;
}

int kvrt_snapshot_save(kvrt_store *s, const char *path, const char *prog)
{
    kvrt_buf data;
    kvrt_buf_init(&data);
    if (kvrt_snapshot_render(s, &data, false) != 0) {
        fprintf(stderr, "%s: %s: out of memory rendering the snapshot\n", prog, path);
        kvrt_buf_fini(&data);
        return -1;
    }
    int rc = kvrt_os_write_atomic(path, &data);
    if (rc != 0)
        fprintf(stderr, "%s: %s: cannot save: %s\n", prog, path, strerror(errno));
    kvrt_buf_fini(&data);
    return rc;
}

int kvrt_snapshot_load(kvrt_ctx *ctx, const char *path, const char *prog)
{
    return kvrt_snapshot_load_with(ctx, path, prog, NULL, NULL);
}

int kvrt_snapshot_load_with(kvrt_ctx *ctx, const char *path, const char *prog,
                            int (*comment)(void *arg, const uint8_t *line, size_t len),
                            void *arg)
{
    kvrt_input in;
    if (kvrt_input_open(&in, path) != 0) {
        fprintf(stderr, "%s: %s: cannot open: %s\n", prog, path, strerror(errno));
        return 4;
    }
    kvrt_evparser p;
    kvrt_evparser_init(&p);
    int status = 0;
    for (;;) {
        const uint8_t *line;
        size_t len;
        int r = kvrt_input_next(&in, &line, &len);
        if (r == 0)
            break;
        if (r < 0) {
            if (errno == EINTR && kvrt_os_stop_signal() == 0)
                continue;
            fprintf(stderr, "%s: %s: read error: %s\n", prog, path, strerror(errno));
            status = 4;
            break;
        }
        if (comment != NULL && len > 0 && line[0] == '#') {
            if (comment(arg, line, len) != 0) {
                status = 3;
                break;
            }
            continue;
        }
        kvrt_event ev;
        kvrt_everr err;
        kvrt_lineres lr = kvrt_evline_parse(&p, line, len, &ev, &err);
        if (lr == KVRT_LINE_SKIP)
            continue;
        if (lr == KVRT_LINE_ERROR) {
            fprintf(stderr, "%s: %s:%llu:%zu: %s\n", prog, path,
                    (unsigned long long)in.line, err.col, err.msg);
            status = 3;
            break;
        }
        if (kvrt_loop_apply(ctx, &ev) != 0) {
            fprintf(stderr, "%s: %s: out of memory\n", prog, path);
            status = 4;
            break;
        }
    }
    kvrt_evparser_fini(&p);
    kvrt_input_close(&in);
    return status;
}
