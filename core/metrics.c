/*
 * Metrics: static counters updated with relaxed atomics, label tables that are read without
 * locks, and a renderer for the Prometheus text format.
 *
 * A label table maps a name to a small index. It is open addressing over twice as many slots as
 * it may ever hold names, so a probe always ends at an empty slot. Names are only ever added
 * (under the table's mutex) and never removed, which is what lets readers probe without a lock:
 * a slot goes from 0 to its final value exactly once, with release order after the name it
 * points at was written.
 */
#include "metrics.h"

#include "strbuf.h"

#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#ifndef MCPD_VERSION
#define MCPD_VERSION "unknown"
#endif

#define SLOTS    512 /* power of two, >= 2 * MCPD_METRICS_MAX_LABELS */
#define OTHER    MCPD_METRICS_MAX_LABELS
#define N_SERIES (MCPD_METRICS_MAX_LABELS + 1) /* every name plus "other" */

_Static_assert(SLOTS >= 2 * MCPD_METRICS_MAX_LABELS && (SLOTS & (SLOTS - 1)) == 0,
               "label tables need spare slots so probes end");

struct label_table {
    pthread_mutex_t lock;
    unsigned n;                 /* names held; written under lock, read with acquire */
    unsigned short slot[SLOTS]; /* index + 1 into names; 0 = empty */
    char names[MCPD_METRICS_MAX_LABELS][MCPD_METRICS_LABEL_MAX + 1];
};

static const char *const transport_names[] = {"stdio", "http", "other"};
#define N_TRANSPORTS 3

static const char *const status_names[] = {
    "ok",
    "parse_error",
    "invalid_request",
    "method_not_found",
    "invalid_params",
    "internal_error",
    "resource_not_found",
    "server_error",
    "other_error",
};
#define N_STATUS 9

static const char *const outcome_names[] = {"ok", "tool_error", "cancelled", "timeout"};
#define N_OUTCOMES 4

static const double bounds[] = {MCPD_METRICS_BUCKETS};
_Static_assert(sizeof bounds / sizeof bounds[0] == MCPD_METRICS_N_BUCKETS,
               "MCPD_METRICS_N_BUCKETS must count MCPD_METRICS_BUCKETS");

struct tool_series {
    uint64_t bucket[MCPD_METRICS_N_BUCKETS + 1]; /* not cumulative; the last one is +Inf only */
    uint64_t sum_ns; /* integer nanoseconds: atomic adds are exact, unlike a double */
    uint64_t outcome[N_OUTCOMES];
};

#define HTTP_OTHER 600 /* index for status codes outside 100..599 */

static struct label_table methods = {.lock = PTHREAD_MUTEX_INITIALIZER};
static struct label_table tools = {.lock = PTHREAD_MUTEX_INITIALIZER};
static struct label_table errors = {.lock = PTHREAD_MUTEX_INITIALIZER};
static struct label_table plugins = {.lock = PTHREAD_MUTEX_INITIALIZER};

static uint64_t requests[N_TRANSPORTS][N_SERIES][N_STATUS];
static struct tool_series tool_calls[N_SERIES];
static uint64_t error_counts[N_SERIES];
static uint64_t http_responses[HTTP_OTHER + 1];
static long sessions_active;
static long streams_active;
static unsigned long generation;
static uint64_t reloads[2]; /* [0] failed, [1] ok */
static int last_reload_ok = 1;
static int64_t last_load_ms; /* Unix ms when the current generation became current; 0 = none */

/* Plugin health and the worker pool (issue 10). */
static const char *const plugin_event_names[] = {"timeouts", "crashes", "restarts"};
#define N_PLUGIN_EVENTS 3
static uint64_t plugin_events[N_SERIES][N_PLUGIN_EVENTS];
static int64_t plugin_queued[N_SERIES];
static long pool_gauges[5]; /* threads, busy, stuck, queued, degraded */

/* ---- label tables ------------------------------------------------------------------------ */

static uint32_t hash(const char *s, size_t len)
{
    /* FNV-1a: names are short and few, anything reasonable spreads them. */
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < len; i++) {
        h = (h ^ (unsigned char)s[i]) * 16777619u;
    }
    return h;
}

/* Prometheus label values must be UTF-8. Jansson already guarantees it for names that come from
 * JSON, but a bad byte here would make the whole exposition unparsable, so check once per name
 * (on first sight only). Overlong forms and surrogates are refused too. */
static int utf8_valid(const unsigned char *s, size_t len)
{
    size_t i = 0;
    while (i < len) {
        unsigned c = s[i];
        size_t n;
        unsigned min;
        if (c < 0x80) {
            i++;
            continue;
        } else if ((c & 0xE0) == 0xC0) {
            n = 1;
            min = 0x80;
            c &= 0x1F;
        } else if ((c & 0xF0) == 0xE0) {
            n = 2;
            min = 0x800;
            c &= 0x0F;
        } else if ((c & 0xF8) == 0xF0) {
            n = 3;
            min = 0x10000;
            c &= 0x07;
        } else {
            return 0;
        }
        for (size_t k = 1; k <= n; k++) {
            if (i + k >= len || (s[i + k] & 0xC0) != 0x80) {
                return 0;
            }
            c = (c << 6) | (s[i + k] & 0x3F);
        }
        if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF)) {
            return 0;
        }
        i += n + 1;
    }
    return 1;
}

static int probe(struct label_table *t, const char *name, uint32_t h, unsigned *idx)
{
    for (unsigned i = h & (SLOTS - 1);; i = (i + 1) & (SLOTS - 1)) {
        unsigned s = __atomic_load_n(&t->slot[i], __ATOMIC_ACQUIRE);
        if (s == 0) {
            *idx = i; /* where it would go */
            return 0;
        }
        if (strcmp(t->names[s - 1], name) == 0) {
            *idx = s - 1;
            return 1;
        }
    }
}

/* The series index of `name` in `t`, adding it on first sight; OTHER when it cannot be kept. */
static unsigned label_index(struct label_table *t, const char *name)
{
    size_t len = strnlen(name, MCPD_METRICS_LABEL_MAX + 1);
    if (len > MCPD_METRICS_LABEL_MAX || strcmp(name, "other") == 0) {
        return OTHER;
    }
    uint32_t h = hash(name, len);
    unsigned idx;
    if (probe(t, name, h, &idx)) {
        return idx;
    }
    /* Past the cap every unseen name is "other": answer without the mutex, so a client that
     * invents method names cannot make every request contend on it. */
    if (__atomic_load_n(&t->n, __ATOMIC_ACQUIRE) >= MCPD_METRICS_MAX_LABELS ||
        !utf8_valid((const unsigned char *)name, len)) {
        return OTHER;
    }
    pthread_mutex_lock(&t->lock);
    if (!probe(t, name, h, &idx)) { /* another thread may have added it meanwhile */
        if (t->n >= MCPD_METRICS_MAX_LABELS) {
            idx = OTHER;
        } else {
            unsigned slot = idx;
            idx = t->n;
            memcpy(t->names[idx], name, len + 1);
            __atomic_store_n(&t->slot[slot], (unsigned short)(idx + 1), __ATOMIC_RELEASE);
            __atomic_store_n(&t->n, idx + 1, __ATOMIC_RELEASE);
        }
    }
    pthread_mutex_unlock(&t->lock);
    return idx;
}

static void label_reset(struct label_table *t)
{
    pthread_mutex_lock(&t->lock);
    t->n = 0;
    memset(t->slot, 0, sizeof t->slot);
    memset(t->names, 0, sizeof t->names);
    pthread_mutex_unlock(&t->lock);
}

static void add(uint64_t *p, uint64_t v)
{
    __atomic_add_fetch(p, v, __ATOMIC_RELAXED);
}

static uint64_t get(const uint64_t *p)
{
    return __atomic_load_n(p, __ATOMIC_RELAXED);
}

/* ---- recording --------------------------------------------------------------------------- */

static unsigned status_index(int code)
{
    switch (code) {
    case 0:
        return 0;
    case -32700:
        return 1;
    case -32600:
        return 2;
    case -32601:
        return 3;
    case -32602:
        return 4;
    case -32603:
        return 5;
    case -32002:
        return 6;
    default:
        return code >= -32099 && code <= -32000 ? 7 : 8;
    }
}

void mcpd_metrics_request(const char *transport, const char *method, int rpc_code)
{
    unsigned tr = 2;
    if (transport && strcmp(transport, "stdio") == 0) {
        tr = 0;
    } else if (transport &&
               (strcmp(transport, "http") == 0 || strcmp(transport, "http-stream") == 0)) {
        tr = 1;
    }
    unsigned m = label_index(&methods, method ? method : "none");
    add(&requests[tr][m][status_index(rpc_code)], 1);
}

void mcpd_metrics_tool_call(const char *tool, double seconds, int outcome)
{
    if (!(seconds > 0)) { /* negative, zero or NaN */
        seconds = 0;
    } else if (seconds > 1e9) {
        seconds = 1e9; /* keeps the nanosecond sum from overflowing on a clock jump */
    }
    unsigned b = 0;
    while (b < MCPD_METRICS_N_BUCKETS && seconds > bounds[b]) {
        b++;
    }
    struct tool_series *t = &tool_calls[label_index(&tools, tool ? tool : "none")];
    add(&t->bucket[b], 1);
    add(&t->sum_ns, (uint64_t)llround(seconds * 1e9));
    add(&t->outcome[outcome >= 0 && outcome < N_OUTCOMES ? outcome : MCPD_OUTCOME_TOOL_ERROR], 1);
}

void mcpd_metrics_http_response(int status)
{
    add(&http_responses[status >= 100 && status <= 599 ? status : HTTP_OTHER], 1);
}

void mcpd_metrics_sessions_add(int delta)
{
    __atomic_add_fetch(&sessions_active, delta, __ATOMIC_RELAXED);
}

void mcpd_metrics_streams_add(int delta)
{
    __atomic_add_fetch(&streams_active, delta, __ATOMIC_RELAXED);
}

long mcpd_metrics_sessions(void)
{
    return __atomic_load_n(&sessions_active, __ATOMIC_RELAXED);
}

long mcpd_metrics_streams(void)
{
    return __atomic_load_n(&streams_active, __ATOMIC_RELAXED);
}

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void mcpd_metrics_generation_set(unsigned long id)
{
    /* The first generation is installed at start-up: pin the uptime's monotonic origin now,
     * before the wall clock has had a chance to be stepped (NTP at boot). */
    (void)mcpd_metrics_start_time();
    __atomic_store_n(&generation, id, __ATOMIC_RELAXED);
    __atomic_store_n(&last_load_ms, now_ms(), __ATOMIC_RELAXED);
}

void mcpd_metrics_reload(int ok)
{
    add(&reloads[ok ? 1 : 0], 1);
    __atomic_store_n(&last_reload_ok, ok ? 1 : 0, __ATOMIC_RELAXED);
}

void mcpd_metrics_error(const char *kind)
{
    add(&error_counts[label_index(&errors, kind ? kind : "none")], 1);
}

/* ---- process times ----------------------------------------------------------------------- */

static pthread_once_t times_once = PTHREAD_ONCE_INIT;
static double start_real; /* Unix seconds */
static double start_mono; /* CLOCK_MONOTONIC seconds at start_real */

void mcpd_metrics_plugin_event(const char *plugin, int event)
{
    if (event >= 0 && event < N_PLUGIN_EVENTS) {
        add(&plugin_events[label_index(&plugins, plugin ? plugin : "other")][event], 1);
    }
}

void mcpd_metrics_plugin_queued(const char *plugin, int delta)
{
    unsigned i = label_index(&plugins, plugin ? plugin : "other");
    __atomic_add_fetch(&plugin_queued[i], delta, __ATOMIC_RELAXED);
}

void mcpd_metrics_pool(int threads, long busy, int stuck, long queued, int degraded)
{
    const long v[5] = {threads, busy, stuck, queued, degraded};
    for (int i = 0; i < 5; i++) {
        __atomic_store_n(&pool_gauges[i], v[i], __ATOMIC_RELAXED);
    }
}

static double clock_s(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The kernel's record of when this process started: /proc/self/stat field 22 (clock ticks
 * after boot) plus btime from /proc/stat. Returns 0 when either is unreadable. */
static double proc_start_time(void)
{
    double result = 0;
    char buf[1024];
    unsigned long long ticks = 0, btime = 0;
    FILE *f = fopen("/proc/self/stat", "re");
    if (!f) {
        goto out;
    }
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    /* The command name (field 2) may hold spaces and parentheses: start after the last ')'. */
    char *p = strrchr(buf, ')');
    if (!p) {
        goto out;
    }
    /* Each step moves to the space in front of the next field: after 20 of them, starting at
     * the ')' that ends field 2, p is just before field 22. */
    for (int field = 2; field < 22 && p; field++) {
        p = strchr(p + 1, ' ');
    }
    if (!p || sscanf(p + 1, "%llu", &ticks) != 1) {
        goto out;
    }
    f = fopen("/proc/stat", "re");
    if (!f) {
        goto out;
    }
    char line[256];
    while (fgets(line, sizeof line, f)) {
        if (sscanf(line, "btime %llu", &btime) == 1) {
            break;
        }
    }
    fclose(f);
    long hz = sysconf(_SC_CLK_TCK);
    if (btime && hz > 0) {
        result = (double)btime + (double)ticks / (double)hz;
    }
out:
    return result;
}

static void times_init(void)
{
    double real = clock_s(CLOCK_REALTIME), mono = clock_s(CLOCK_MONOTONIC);
    double start = proc_start_time();
    if (start <= 0 || start > real) {
        start = real;
    }
    start_real = start;
    /* Uptime runs on the monotonic clock, so setting the wall clock does not change it. */
    start_mono = mono - (real - start);
}

double mcpd_metrics_start_time(void)
{
    pthread_once(&times_once, times_init);
    return start_real;
}

double mcpd_metrics_uptime(void)
{
    pthread_once(&times_once, times_init);
    double up = clock_s(CLOCK_MONOTONIC) - start_mono;
    return up > 0 ? up : 0;
}

/* ---- rendering --------------------------------------------------------------------------- */

/* A label value, quoted, with the three escapes the text format defines. */
static void put_label(struct mcpd_strbuf *b, const char *v)
{
    mcpd_strbuf_append(b, "\"", 1);
    for (const char *run = v;; v++) {
        const char *esc = *v == '\\' ? "\\\\" : *v == '"' ? "\\\"" : *v == '\n' ? "\\n" : NULL;
        if (esc || !*v) {
            mcpd_strbuf_append(b, run, (size_t)(v - run));
            if (!*v) {
                break;
            }
            mcpd_strbuf_puts(b, esc);
            run = v + 1;
        }
    }
    mcpd_strbuf_append(b, "\"", 1);
}

static void header(struct mcpd_strbuf *b, const char *name, const char *type, const char *help)
{
    mcpd_strbuf_printf(b, "# HELP mcpd_%s %s\n# TYPE mcpd_%s %s\n", name, help, name, type);
}

static unsigned label_count(struct label_table *t)
{
    return __atomic_load_n(&t->n, __ATOMIC_ACQUIRE);
}

static const char *label_name(struct label_table *t, unsigned i)
{
    return i == OTHER ? "other" : t->names[i];
}

/* Series are rendered in the order their names were first seen, then "other": the loops run
 * i = first_series(n) while i <= OTHER, stepping with next_series(). */
static unsigned first_series(unsigned n)
{
    return n ? 0 : OTHER;
}

static unsigned next_series(unsigned i, unsigned n)
{
    return i == OTHER ? OTHER + 1 : i + 1 < n ? i + 1 : OTHER;
}

static void render_requests(struct mcpd_strbuf *b)
{
    header(b, "requests_total", "counter",
           "JSON-RPC requests answered, by transport, method and status.");
    for (unsigned n = label_count(&methods), i = first_series(n); i <= OTHER;
         i = next_series(i, n)) {
        for (unsigned tr = 0; tr < N_TRANSPORTS; tr++) {
            for (unsigned st = 0; st < N_STATUS; st++) {
                uint64_t v = get(&requests[tr][i][st]);
                if (v) {
                    mcpd_strbuf_printf(
                        b, "mcpd_requests_total{transport=\"%s\",method=", transport_names[tr]);
                    put_label(b, label_name(&methods, i));
                    mcpd_strbuf_printf(b, ",status=\"%s\"} %llu\n", status_names[st],
                                       (unsigned long long)v);
                }
            }
        }
    }
}

static void render_tools(struct mcpd_strbuf *b)
{
    header(b, "tool_calls_total", "counter", "Tool calls that ended, by tool and outcome.");
    for (unsigned n = label_count(&tools), i = first_series(n); i <= OTHER; i = next_series(i, n)) {
        for (unsigned o = 0; o < N_OUTCOMES; o++) {
            uint64_t v = get(&tool_calls[i].outcome[o]);
            if (v) {
                mcpd_strbuf_puts(b, "mcpd_tool_calls_total{tool=");
                put_label(b, label_name(&tools, i));
                mcpd_strbuf_printf(b, ",outcome=\"%s\"} %llu\n", outcome_names[o],
                                   (unsigned long long)v);
            }
        }
    }
    header(b, "tool_call_duration_seconds", "histogram",
           "Tool call duration, from dispatch to the answer, by tool.");
    for (unsigned n = label_count(&tools), i = first_series(n); i <= OTHER; i = next_series(i, n)) {
        const struct tool_series *t = &tool_calls[i];
        /* Read each bucket once and derive +Inf and _count from the same reads, so they agree
         * even while other threads record. */
        uint64_t cum[MCPD_METRICS_N_BUCKETS + 1], total = 0;
        for (unsigned k = 0; k <= MCPD_METRICS_N_BUCKETS; k++) {
            total += get(&t->bucket[k]);
            cum[k] = total;
        }
        if (total == 0) {
            continue;
        }
        const char *name = label_name(&tools, i);
        for (unsigned k = 0; k <= MCPD_METRICS_N_BUCKETS; k++) {
            mcpd_strbuf_puts(b, "mcpd_tool_call_duration_seconds_bucket{tool=");
            put_label(b, name);
            if (k < MCPD_METRICS_N_BUCKETS) {
                mcpd_strbuf_printf(b, ",le=\"%g\"} %llu\n", bounds[k], (unsigned long long)cum[k]);
            } else {
                mcpd_strbuf_printf(b, ",le=\"+Inf\"} %llu\n", (unsigned long long)cum[k]);
            }
        }
        uint64_t ns = get(&t->sum_ns);
        mcpd_strbuf_puts(b, "mcpd_tool_call_duration_seconds_sum{tool=");
        put_label(b, name);
        mcpd_strbuf_printf(b, "} %llu.%09llu\n", (unsigned long long)(ns / 1000000000u),
                           (unsigned long long)(ns % 1000000000u));
        mcpd_strbuf_puts(b, "mcpd_tool_call_duration_seconds_count{tool=");
        put_label(b, name);
        mcpd_strbuf_printf(b, "} %llu\n", (unsigned long long)total);
    }
}

static void render_errors(struct mcpd_strbuf *b)
{
    header(b, "errors_total", "counter",
           "Failures no response code shows (failed writes, allocation, plugins), by kind.");
    for (unsigned n = label_count(&errors), i = first_series(n); i <= OTHER;
         i = next_series(i, n)) {
        uint64_t v = get(&error_counts[i]);
        if (v) {
            mcpd_strbuf_puts(b, "mcpd_errors_total{kind=");
            put_label(b, label_name(&errors, i));
            mcpd_strbuf_printf(b, "} %llu\n", (unsigned long long)v);
        }
    }
}

static void render_pool(struct mcpd_strbuf *b)
{
    static const char *const names[5][2] = {
        {"workers", "Worker threads alive, stuck ones included."},
        {"workers_busy", "Worker threads running a call."},
        {"calls_overrunning", "Calls still running past call_timeout_ms (their workers are "
                              "stuck and were replaced)."},
        {"calls_queued", "Calls waiting for a worker or for their plugin."},
        {"degraded", "1 while fewer workers than [limits] workers are free of stuck calls "
                     "because [limits] max_workers is reached."},
    };
    for (int i = 0; i < 5; i++) {
        header(b, names[i][0], "gauge", names[i][1]);
        mcpd_strbuf_printf(b, "mcpd_%s %ld\n", names[i][0],
                           __atomic_load_n(&pool_gauges[i], __ATOMIC_RELAXED));
    }
    header(b, "plugin_calls_queued", "gauge",
           "Calls waiting for their plugin to be free (not thread-safe, or max_concurrency), by "
           "plugin.");
    unsigned n = label_count(&plugins);
    for (unsigned i = first_series(n); i <= OTHER; i = next_series(i, n)) {
        int64_t v = __atomic_load_n(&plugin_queued[i], __ATOMIC_RELAXED);
        if (v || i < n) {
            mcpd_strbuf_puts(b, "mcpd_plugin_calls_queued{plugin=");
            put_label(b, label_name(&plugins, i));
            mcpd_strbuf_printf(b, "} %lld\n", (long long)v);
        }
    }
    static const char *const help[N_PLUGIN_EVENTS] = {
        "Calls answered with a timeout at call_timeout_ms, by plugin.",
        "Calls whose isolated plugin process died, by plugin.",
        "Isolated plugin processes started again, by plugin."};
    for (unsigned e = 0; e < N_PLUGIN_EVENTS; e++) {
        char name[48];
        snprintf(name, sizeof name, "plugin_%s_total", plugin_event_names[e]);
        header(b, name, "counter", help[e]);
        for (unsigned i = first_series(n); i <= OTHER; i = next_series(i, n)) {
            uint64_t v = get(&plugin_events[i][e]);
            if (v || i < n) {
                mcpd_strbuf_printf(b, "mcpd_%s{plugin=", name);
                put_label(b, label_name(&plugins, i));
                mcpd_strbuf_printf(b, "} %llu\n", (unsigned long long)v);
            }
        }
    }
}

char *mcpd_metrics_render(size_t *len)
{
    struct mcpd_strbuf b = MCPD_STRBUF_INIT;
    /* The page of a busy server is a few KiB: one allocation in the common case. Appends below
     * run unchecked; the sticky error surfaces in mcpd_strbuf_take(). */
    mcpd_strbuf_reserve(&b, 16384);
    header(&b, "build_info", "gauge", "Always 1; the labels say which build is running.");
    mcpd_strbuf_puts(&b, "mcpd_build_info{version=");
    put_label(&b, MCPD_VERSION);
    mcpd_strbuf_puts(&b, "} 1\n");
    header(&b, "process_start_time_seconds", "gauge",
           "When the process started, in seconds since the Unix epoch.");
    mcpd_strbuf_printf(&b, "mcpd_process_start_time_seconds %.3f\n", mcpd_metrics_start_time());
    header(&b, "uptime_seconds", "gauge", "Seconds since the process started.");
    mcpd_strbuf_printf(&b, "mcpd_uptime_seconds %.3f\n", mcpd_metrics_uptime());

    render_requests(&b);
    render_tools(&b);

    header(&b, "http_responses_total", "counter", "HTTP responses sent, by status code.");
    for (unsigned s = 100; s <= HTTP_OTHER; s++) {
        uint64_t v = get(&http_responses[s]);
        if (v && s < HTTP_OTHER) {
            mcpd_strbuf_printf(&b, "mcpd_http_responses_total{code=\"%u\"} %llu\n", s,
                               (unsigned long long)v);
        } else if (v) {
            mcpd_strbuf_printf(&b, "mcpd_http_responses_total{code=\"other\"} %llu\n",
                               (unsigned long long)v);
        }
    }
    header(&b, "sessions_active", "gauge", "Live MCP sessions (legacy protocol era).");
    mcpd_strbuf_printf(&b, "mcpd_sessions_active %ld\n", mcpd_metrics_sessions());
    header(&b, "streams_active", "gauge", "Open SSE streams.");
    mcpd_strbuf_printf(&b, "mcpd_streams_active %ld\n", mcpd_metrics_streams());

    render_errors(&b);
    render_pool(&b);

    header(&b, "config_generation", "gauge", "Id of the configuration generation now serving.");
    mcpd_strbuf_printf(&b, "mcpd_config_generation %lu\n",
                       __atomic_load_n(&generation, __ATOMIC_RELAXED));
    header(&b, "config_reloads_total", "counter", "SIGHUP reloads, by result.");
    mcpd_strbuf_printf(&b, "mcpd_config_reloads_total{result=\"ok\"} %llu\n",
                       (unsigned long long)get(&reloads[1]));
    mcpd_strbuf_printf(&b, "mcpd_config_reloads_total{result=\"failed\"} %llu\n",
                       (unsigned long long)get(&reloads[0]));
    header(&b, "config_last_reload_successful", "gauge",
           "1 unless the last reload was rejected (the previous generation still serves).");
    mcpd_strbuf_printf(&b, "mcpd_config_last_reload_successful %d\n",
                       __atomic_load_n(&last_reload_ok, __ATOMIC_RELAXED));
    header(&b, "config_last_load_timestamp_seconds", "gauge",
           "When the current generation became current, in seconds since the Unix epoch.");
    int64_t ms = __atomic_load_n(&last_load_ms, __ATOMIC_RELAXED);
    mcpd_strbuf_printf(&b, "mcpd_config_last_load_timestamp_seconds %lld.%03lld\n",
                       (long long)(ms / 1000), (long long)(ms % 1000));

    return mcpd_strbuf_take(&b, len);
}

void mcpd_metrics_reset(void)
{
    label_reset(&methods);
    label_reset(&tools);
    label_reset(&errors);
    label_reset(&plugins);
    memset(plugin_events, 0, sizeof plugin_events);
    memset(plugin_queued, 0, sizeof plugin_queued);
    memset(pool_gauges, 0, sizeof pool_gauges);
    memset(requests, 0, sizeof requests);
    memset(tool_calls, 0, sizeof tool_calls);
    memset(error_counts, 0, sizeof error_counts);
    memset(http_responses, 0, sizeof http_responses);
    sessions_active = 0;
    streams_active = 0;
    generation = 0;
    memset(reloads, 0, sizeof reloads);
    last_reload_ok = 1;
    last_load_ms = 0;
}
