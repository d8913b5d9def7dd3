/*
 * The floor of section (b): a raw libcurl multi loop that GETs the campaigns of the first N tokens of a
 * file at concurrency C, over C easy handles on one multi handle (keep-alive, TLS verified against the
 * emulator's CA), each body kept in a growable buffer of its handle and dropped once its status is read.
 * libcurl's defaults besides the CA, the headers and the body buffer. Once untimed (opening the
 * connections), then timed.
 * No Lua, no JSON: what any client of libcurl pays for the same requests, in time, CPU and memory.
 *
 *   floor_many PREFIX REST_KEY CA_FILE TOKENS_FILE N C
 *     ->  prints "<N> <seconds> <cpu seconds> <peak RSS kB of the timed run> <RSS kB before any request>
 *         <peak RSS kB of the first run>" and exits 0 when every answer was 200 (PREFIX: the URL up to
 *         the token, ".../campaigns/")
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

#include "floor.h"

/* VmHWM (peak) or VmRSS of this process in kB, from /proc/self/status; 0 when unreadable. */
static long memory_kb(const char *field)
{
    char line[256];
    long kb = 0;
    size_t n = strlen(field);
    FILE *f = fopen("/proc/self/status", "r");
    if (f == NULL)
        return 0;
    while (fgets(line, sizeof line, f) != NULL)
        if (strncmp(line, field, n) == 0)
            kb = atol(line + n + 1);
    fclose(f);
    return kb;
}

/* Resets VmHWM to the current resident memory (Linux: 5 to /proc/self/clear_refs), as the Lua side does. */
static void reset_peak(void)
{
    FILE *f = fopen("/proc/self/clear_refs", "w");
    if (f != NULL) {
        fputs("5", f);
        fclose(f);
    }
}

struct pool {
    CURLM *multi;
    CURL **easy;
    struct body *bodies;
    char **urls;
    long n, next, done, failed;
    int c;
};

/* Starts request `next` on easy handle k. */
static void start(struct pool *p, int k)
{
    p->bodies[k].len = 0;
    curl_easy_setopt(p->easy[k], CURLOPT_URL, p->urls[p->next++]);
    curl_multi_add_handle(p->multi, p->easy[k]);
}

/* Runs the N requests at concurrency C to their end. */
static void run(struct pool *p)
{
    int k, still = 1;
    p->next = p->done = 0;
    for (k = 0; k < p->c && p->next < p->n; k++)
        start(p, k);
    while (p->done < p->n) {
        CURLMsg *m;
        int left;
        curl_multi_perform(p->multi, &still);
        while ((m = curl_multi_info_read(p->multi, &left)) != NULL) {
            long status = 0;
            char *priv = NULL;
            if (m->msg != CURLMSG_DONE)
                continue;
            curl_easy_getinfo(m->easy_handle, CURLINFO_RESPONSE_CODE, &status);
            curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, &priv);
            if (m->data.result != CURLE_OK || status != 200)
                p->failed++;
            p->done++;
            curl_multi_remove_handle(p->multi, m->easy_handle);
            if (p->next < p->n)
                start(p, (int)((CURL **)(void *)priv - p->easy));
        }
        if (p->done < p->n)
            curl_multi_poll(p->multi, NULL, 0, 1000, NULL);
    }
}

int main(int argc, char **argv)
{
    struct curl_slist *h = NULL;
    struct pool p;
    char auth[256], line[256];
    FILE *f;
    long i, rss0, hwm_first;
    int k;
    double t0, t1;
    clock_t c0;
    if (argc != 7) {
        fprintf(stderr, "usage: floor_many PREFIX REST_KEY CA_FILE TOKENS_FILE N C\n");
        return 2;
    }
    memset(&p, 0, sizeof p);
    p.n = atol(argv[5]);
    p.c = atoi(argv[6]);
    if (p.n <= 0 || p.c <= 0)
        return 2;
    p.urls = calloc((size_t)p.n, sizeof *p.urls);
    f = fopen(argv[4], "r");
    for (i = 0; f != NULL && i < p.n && fgets(line, sizeof line, f) != NULL; i++) {
        line[strcspn(line, "\r\n")] = '\0';
        p.urls[i] = malloc(strlen(argv[1]) + strlen(line) + 1);
        strcpy(p.urls[i], argv[1]);
        strcat(p.urls[i], line);
    }
    if (f == NULL || i < p.n) {
        fprintf(stderr, "floor_many: fewer than %ld tokens in %s\n", p.n, argv[4]);
        return 2;
    }
    fclose(f);
    curl_global_init(CURL_GLOBAL_DEFAULT);
    snprintf(auth, sizeof auth, "X-Authorization: %s", argv[2]);
    h = curl_slist_append(h, auth);
    h = curl_slist_append(h, "Accept: application/json");
    p.multi = curl_multi_init();
    curl_multi_setopt(p.multi, CURLMOPT_MAXCONNECTS, (long)p.c + 4);
    p.easy = calloc((size_t)p.c, sizeof *p.easy);
    p.bodies = calloc((size_t)p.c, sizeof *p.bodies);
    for (k = 0; k < p.c; k++) {
        CURL *e = curl_easy_init();
        p.easy[k] = e;
        curl_easy_setopt(e, CURLOPT_PRIVATE, (char *)&p.easy[k]);
        curl_easy_setopt(e, CURLOPT_HTTPHEADER, h);
        curl_easy_setopt(e, CURLOPT_CAINFO, argv[3]);
        curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_write);
        curl_easy_setopt(e, CURLOPT_WRITEDATA, &p.bodies[k]);
        curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(e, CURLOPT_USERAGENT, "floor/1 libcurl");
    }
    rss0 = memory_kb("VmRSS:");
    run(&p); /* the connections */
    hwm_first = memory_kb("VmHWM:");
    reset_peak();
    t0 = now();
    c0 = clock();
    run(&p);
    t1 = now();
    printf("%ld %.6f %.6f %ld %ld %ld\n", p.n, t1 - t0, (double)(clock() - c0) / CLOCKS_PER_SEC, memory_kb("VmHWM:"),
           rss0, hwm_first);
    for (k = 0; k < p.c; k++) {
        curl_easy_cleanup(p.easy[k]);
        free(p.bodies[k].data);
    }
    curl_multi_cleanup(p.multi);
    curl_slist_free_all(h);
    for (i = 0; i < p.n; i++)
        free(p.urls[i]);
    free(p.urls);
    free(p.easy);
    free(p.bodies);
    curl_global_cleanup();
    return p.failed == 0 ? 0 : 1;
}
