/*
 * core.resolve(host) -> { "addr", ... } | nil, message: the addresses of a host name through the system's
 * resolver (getaddrinfo: /etc/hosts, then DNS), IPv4 first, IPv6 in brackets ("[::1]"), each once.
 * Used by the "ngx" transport from nginx's thread pool (it blocks), so that cosockets connect to an
 * address without nginx's `resolver` directive, which never reads /etc/hosts.
 */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif

#include "resolve.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <string.h>
#include <sys/socket.h>

#define MAX_ADDRESSES 16

/* Writes the printable form of one address into buf ("[v6]" for IPv6); 0 when it has no such form. */
static int format_address(const struct addrinfo *ai, char *buf, size_t size)
{
    if (ai->ai_family == AF_INET) {
        const struct sockaddr_in *sin = (const void *)ai->ai_addr;
        return inet_ntop(AF_INET, &sin->sin_addr, buf, (socklen_t)size) != NULL;
    }
    if (ai->ai_family == AF_INET6) {
        const struct sockaddr_in6 *sin6 = (const void *)ai->ai_addr;
        buf[0] = '[';
        if (inet_ntop(AF_INET6, &sin6->sin6_addr, buf + 1, (socklen_t)(size - 2)) == NULL)
            return 0;
        strcat(buf, "]");
        return 1;
    }
    return 0;
}

/* Pushes the addresses of one family not pushed yet onto the array at the top; returns the new count. */
static int push_family(lua_State *L, const struct addrinfo *list, int family, int n)
{
    const struct addrinfo *ai;
    char buf[INET6_ADDRSTRLEN + 2];
    for (ai = list; ai != NULL && n < MAX_ADDRESSES; ai = ai->ai_next) {
        int seen = 0, i;
        if (ai->ai_family != family || !format_address(ai, buf, sizeof buf))
            continue;
        for (i = 1; i <= n && !seen; i++) { /* getaddrinfo repeats an address per socket type */
            lua_rawgeti(L, -1, i);
            seen = strcmp(lua_tostring(L, -1), buf) == 0;
            lua_pop(L, 1);
        }
        if (!seen) {
            lua_pushstring(L, buf);
            lua_rawseti(L, -2, ++n);
        }
    }
    return n;
}

/* core.resolve(host) -> addresses | nil, message; raises on what is not a host name. */
static int l_resolve(lua_State *L)
{
    size_t len;
    const char *host = luaL_checklstring(L, 1, &len);
    struct addrinfo hints, *list = NULL;
    int rc, n;
    if (len == 0 || len > 253 || strlen(host) != len)
        return luaL_argerror(L, 1, "not a host name");
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    rc = getaddrinfo(host, NULL, &hints, &list);
    if (rc != 0) {
        lua_pushnil(L);
        lua_pushfstring(L, "could not resolve host %s: %s", host, gai_strerror(rc));
        return 2;
    }
    lua_newtable(L);
    n = push_family(L, list, AF_INET, 0);
    n = push_family(L, list, AF_INET6, n);
    freeaddrinfo(list);
    if (n == 0) {
        lua_pushnil(L);
        lua_pushfstring(L, "could not resolve host %s: no IPv4 or IPv6 address", host);
        return 2;
    }
    return 1;
}

/* Sets core.resolve in the module table on the top of the stack. */
void resolve_open(lua_State *L)
{
    lua_pushcfunction(L, l_resolve);
    lua_setfield(L, -2, "resolve");
}
