/* Whole-file reads for the input files. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tiendo/parse.h"

/* Grows buf to hold at least need bytes; a pipe or /proc file has no size to start from. */
static td_err s_grow(char **buf, size_t *cap, size_t need)
{
    if (need <= *cap)
        return TD_OK;
    size_t cap2 = *cap ? *cap : 64 * 1024;
    while (cap2 < need)
        cap2 *= 2;
    char *more = realloc(*buf, cap2);
    if (more == NULL)
        return TD_ENOMEM;
    *buf = more;
    *cap = cap2;
    return TD_OK;
}

static td_err s_read_all(int fd, const char *path, char **buf, size_t *len, td_errmsg *why)
{
    struct stat st;
    size_t cap = 0, n = 0;
    /* One read for a regular file: its size plus the byte that shows the end. */
    size_t hint = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) ? (size_t)st.st_size + 2 : 0;
    for (;;) {
        if (n > TD_READ_FILE_MAX || hint > (size_t)TD_READ_FILE_MAX + 2)
            return td_fail(why, TD_EINVAL, "%s: larger than %u bytes", path, TD_READ_FILE_MAX);
        if (s_grow(buf, &cap, n + 2 > hint ? n + 2 : hint) != TD_OK)
            return td_fail(why, TD_ENOMEM, "%s: out of memory", path);
        ssize_t got = read(fd, *buf + n, cap - n - 1);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0)
            return td_fail(why, TD_EIO, "%s: %s", path, strerror(errno));
        if (got == 0)
            break;
        n += (size_t)got;
    }
    (*buf)[n] = '\0';
    *len = n;
    return TD_OK;
}

td_err td_read_file(const char *path, char **out, size_t *len, td_errmsg *why)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return td_fail(why, TD_EIO, "%s: %s", path, strerror(errno));
    char *buf = NULL;
    size_t n = 0;
    td_err err = s_read_all(fd, path, &buf, &n, why);
    close(fd);
    if (err != TD_OK) {
        free(buf);
        return err;
    }
    *out = buf;
    *len = n;
    return TD_OK;
}
