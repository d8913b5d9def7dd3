/*
 * core.random_hex(n) and core.commit(tmp, path). A download streams into a temporary file beside its
 * target, created exclusively with mode 0600 (transfer.c); the Lua layer names it with random_hex (so no
 * other user can plant a file or a symlink there in advance) and, once it is whole, commits it: the mode a
 * new file would get, then the rename.
 */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif

#include "files.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_RANDOM_BYTES 256

/* Fills buf with n unpredictable bytes (getrandom, else /dev/urandom). Returns 0 when neither works. */
static int random_bytes(unsigned char *buf, size_t n)
{
    size_t got = 0;
    while (got < n) {
        ssize_t r = getrandom(buf + got, n - got, 0);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        got += (size_t)r;
    }
    if (got < n) {
        int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
        if (fd < 0)
            return 0;
        while (got < n) {
            ssize_t r = read(fd, buf + got, n - got);
            if (r <= 0 && !(r < 0 && errno == EINTR)) {
                close(fd);
                return 0;
            }
            if (r > 0)
                got += (size_t)r;
        }
        close(fd);
    }
    return 1;
}

/* core.random_hex(n) -> 2n lower-case hex digits of n random bytes (1 <= n <= 256). */
static int l_random_hex(lua_State *L)
{
    static const char digits[] = "0123456789abcdef";
    unsigned char bytes[MAX_RANDOM_BYTES];
    char hex[2 * MAX_RANDOM_BYTES];
    lua_Integer n = luaL_checkinteger(L, 1);
    int i;
    luaL_argcheck(L, n >= 1 && n <= MAX_RANDOM_BYTES, 1, "must be from 1 to 256");
    if (!random_bytes(bytes, (size_t)n))
        return luaL_error(L, "batch.core.random_hex: no source of random bytes");
    for (i = 0; i < (int)n; i++) {
        hex[2 * i] = digits[bytes[i] >> 4];
        hex[2 * i + 1] = digits[bytes[i] & 15];
    }
    lua_pushlstring(L, hex, (size_t)(2 * n));
    return 1;
}

/* The process's umask, read without changing it (/proc/self/status, Linux 4.7+); else umask() twice. */
static mode_t current_umask(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[128];
    mode_t old;
    if (f != NULL) {
        while (fgets(line, sizeof line, f) != NULL) {
            unsigned int mask;
            if (sscanf(line, "Umask: %o", &mask) == 1) {
                fclose(f);
                return (mode_t)mask;
            }
        }
        fclose(f);
    }
    old = umask(077); /* a brief change; the value set is the safe one */
    umask(old);
    return old;
}

/* Closes fd (when >= 0), pushes nil and "cannot commit <tmp>: <why>" (why: the errno text when NULL);
 * returns 2. */
static int commit_failed(lua_State *L, int fd, const char *tmp, const char *why)
{
    int e = errno;
    if (fd >= 0)
        close(fd);
    lua_pushnil(L);
    lua_pushfstring(L, "cannot commit %s: %s", tmp, why != NULL ? why : strerror(e));
    return 2;
}

/* core.commit(tmp, path) -> true | nil, message: gives the regular file tmp the mode a new file gets under
 * the current umask (through a descriptor opened without following a symlink), then renames it to path
 * (replacing what is there, atomically). */
static int l_commit(lua_State *L)
{
    const char *tmp = luaL_checkstring(L, 1), *path = luaL_checkstring(L, 2);
    struct stat st;
    int fd = open(tmp, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return commit_failed(L, -1, tmp, NULL);
    if (fstat(fd, &st) != 0)
        return commit_failed(L, fd, tmp, NULL);
    if (!S_ISREG(st.st_mode))
        return commit_failed(L, fd, tmp, "not a regular file");
    if (fchmod(fd, (mode_t)0666 & ~current_umask()) != 0)
        return commit_failed(L, fd, tmp, NULL);
    close(fd);
    if (rename(tmp, path) != 0) {
        int e = errno;
        lua_pushnil(L);
        lua_pushfstring(L, "cannot rename %s to %s: %s", tmp, path, strerror(e));
        return 2;
    }
    lua_pushboolean(L, 1);
    return 1;
}

static const luaL_Reg functions[] = {
    {"random_hex", l_random_hex},
    {"commit", l_commit},
    {NULL, NULL},
};

/* Sets core.random_hex and core.commit in the module table on the top of the stack. */
void files_open(lua_State *L)
{
    compat_luaL_setfuncs(L, functions, 0);
}
