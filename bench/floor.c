/*
 * The floor of the sequential benchmark: a raw libcurl loop that GETs one campaign N times over one
 * reused easy handle (keep-alive, TLS verified against the emulator's CA), the body kept in a growable
 * buffer as any real client must. No Lua, no JSON.
 *
 *   floor URL REST_KEY CA_FILE N  ->  prints "<N> <seconds> <cpu seconds>" and exits 0 when every answer
 *                                     was 200
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

#include "floor.h"

int main(int argc, char **argv)
{
    CURL *e;
    struct curl_slist *h = NULL;
    struct body b = {NULL, 0, 0};
    char auth[256];
    long i, n, status = 0;
    double t0, t1;
    clock_t c0;
    if (argc != 5) {
        fprintf(stderr, "usage: floor URL REST_KEY CA_FILE N\n");
        return 2;
    }
    n = atol(argv[4]);
    curl_global_init(CURL_GLOBAL_DEFAULT);
    e = curl_easy_init();
    snprintf(auth, sizeof auth, "X-Authorization: %s", argv[2]);
    h = curl_slist_append(h, auth);
    h = curl_slist_append(h, "Accept: application/json");
    curl_easy_setopt(e, CURLOPT_URL, argv[1]);
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(e, CURLOPT_CAINFO, argv[3]);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_write);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, &b);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_USERAGENT, "floor/1 libcurl");
    t0 = now();
    c0 = clock();
    for (i = 0; i < n; i++) {
        b.len = 0;
        if (curl_easy_perform(e) != CURLE_OK)
            return 1;
        curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
        if (status != 200)
            return 1;
    }
    t1 = now();
    printf("%ld %.6f %.6f\n", n, t1 - t0, (double)(clock() - c0) / CLOCKS_PER_SEC);
    curl_slist_free_all(h);
    curl_easy_cleanup(e);
    free(b.data);
    curl_global_cleanup();
    return 0;
}
