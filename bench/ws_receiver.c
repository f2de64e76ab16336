/* A WebSocket receiver for the W3 fan-out benchmark (bench/ws_workloads.py, client "c").
 *
 * One process holds many connections with epoll: the HTTP upgrade by hand, then the server's
 * unmasked frames parsed as they arrive; pings are answered with pongs, a close frame closes the
 * connection. Each read is timestamped with CLOCK_MONOTONIC (system-wide, comparable with the
 * sender's time.clock_gettime_ns(CLOCK_MONOTONIC)); every text frame containing "new_message"
 * is recorded as (connection, message id, receipt ns), the message id taken the same way as the
 * Python receivers do (`"message"\s*:\s*\{\s*"id"\s*:\s*(\d+)`, -1 when absent).
 *
 * Bounded like the Python receivers: the connections listed in the spec file only, a connect
 * rate, a cap on handshakes in flight, a connect time cap, an open timeout, loopback addresses
 * only (refused otherwise), and a cap on recorded frames.
 *
 * Usage: ws_receiver SPEC_FILE. The spec file:
 *   line 1: host port path rate connect_cap_s max_pending open_timeout_s record max_records
 *   then one line per connection: token [source address or "-"]
 * Commands on stdin, one per line, answered on stdout:
 *   (at start, unasked)    ready <connected> <failed> <not_attempted> <connect_s> <cpu_s>
 *                          then "failure <count> <text>" lines, then "end"
 *   mark                -> marked            (clears the records and counters)
 *   collect N TIMEOUT   -> waits until every open connection has N new_message frames since
 *                          the mark (or TIMEOUT s), then "c <connection>" for every connection
 *                          that was ever open, "f <connection> <id> <ns>" lines and
 *                          "collected <cpu_s since mark> <other frames> <closed> <records dropped>"
 *                          (frames not recorded because max_records was reached)
 *   status              -> status <open> <closed> <cpu_s>
 *   close               -> sends close frames, closes everything: closed <cpu_s>, then exits
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

enum { ST_IDLE, ST_CONNECTING, ST_UPGRADING, ST_FIRST, ST_OPEN, ST_FAILED, ST_CLOSED };

typedef struct {
    int fd;
    int state;
    char *token;
    char *source;
    unsigned char *buf;
    size_t len, cap;
    uint64_t started_ns;
    long count; /* new_message frames since the mark */
    int ever; /* reached ST_OPEN once */
} conn_t;

typedef struct { int conn; long long id; uint64_t ns; } record_t;

static conn_t *conns;
static int nconns;
static char host[64], path[256];
static int port;
static double rate, connect_cap_s, open_timeout_s;
static int max_pending, record_frames;
static long max_records;
static record_t *records;
static long nrecords, records_cap, records_dropped;
static long other_frames, closed_count, connected_count, failed_count, not_attempted;
static int epfd;
static char failures[16][128];
static long failure_counts[16];
static int nfailures;

static uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static double cpu_seconds(void) {
    struct rusage r;
    getrusage(RUSAGE_SELF, &r);
    return r.ru_utime.tv_sec + r.ru_utime.tv_usec / 1e6 + r.ru_stime.tv_sec + r.ru_stime.tv_usec / 1e6;
}

static void add_failure(const char *text) {
    for (int i = 0; i < nfailures; i++)
        if (strcmp(failures[i], text) == 0) { failure_counts[i]++; return; }
    if (nfailures < 16) {
        snprintf(failures[nfailures], sizeof failures[0], "%s", text);
        failure_counts[nfailures++] = 1;
    }
}

static void drop(conn_t *c, int state, const char *why) {
    if (c->fd >= 0) {
        epoll_ctl(epfd, EPOLL_CTL_DEL, c->fd, NULL);
        close(c->fd);
        c->fd = -1;
    }
    if (c->state == ST_OPEN) closed_count++;
    else if (c->state != ST_FAILED && c->state != ST_CLOSED) { failed_count++; if (why) add_failure(why); }
    c->state = state;
    free(c->buf);
    c->buf = NULL;
    c->len = c->cap = 0;
}

static int write_all(int fd, const void *data, size_t n) {
    const char *p = data;
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR) continue;
            if (errno == EAGAIN) { usleep(100); continue; } /* tiny control frames only */
            return -1;
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* `"message"\s*:\s*\{\s*"id"\s*:\s*(\d+)`, first match; -1 when absent. */
static long long message_id(const unsigned char *p, size_t n) {
    static const char key[] = "\"message\"";
    const size_t kl = sizeof key - 1;
    for (size_t i = 0; i + kl <= n; i++) {
        if (p[i] != '"' || memcmp(p + i, key, kl) != 0) continue;
        size_t j = i + kl;
#define WS() while (j < n && (p[j] == ' ' || p[j] == '\t' || p[j] == '\n' || p[j] == '\r' || p[j] == '\f' || p[j] == '\v')) j++
        WS(); if (j >= n || p[j] != ':') continue; j++;
        WS(); if (j >= n || p[j] != '{') continue; j++;
        WS(); if (j + 4 > n || memcmp(p + j, "\"id\"", 4) != 0) continue; j += 4;
        WS(); if (j >= n || p[j] != ':') continue; j++;
        WS();
#undef WS
        if (j >= n || p[j] < '0' || p[j] > '9') continue;
        long long v = 0;
        while (j < n && p[j] >= '0' && p[j] <= '9') v = v * 10 + (p[j++] - '0');
        return v;
    }
    return -1;
}

static int contains(const unsigned char *p, size_t n, const char *needle) {
    return memmem(p, n, needle, strlen(needle)) != NULL;
}

static void on_frame(int i, int opcode, unsigned char *payload, size_t n, uint64_t t) {
    conn_t *c = &conns[i];
    if (opcode == 0x9) { /* ping -> pong, masked with a zero key (payload unchanged) */
        unsigned char head[6] = {0x8A, (unsigned char)(0x80 | (n & 0x7F)), 0, 0, 0, 0};
        if (n > 125 || write_all(c->fd, head, 6) < 0 || write_all(c->fd, payload, n) < 0) drop(c, ST_CLOSED, NULL);
        return;
    }
    if (opcode == 0x8) { drop(c, ST_CLOSED, NULL); return; }
    if (opcode == 0xA) return;
    if (c->state == ST_FIRST) {
        if (!contains(payload, n, "\"type\":\"connected\"")) { drop(c, ST_FAILED, "RuntimeError: first frame is not connected"); return; }
        c->state = ST_OPEN;
        c->ever = 1;
        connected_count++;
        return;
    }
    if (contains(payload, n, "new_message")) {
        c->count++;
        if (record_frames && nrecords == records_cap && records_cap < max_records) {
            long cap = records_cap * 2 < max_records ? records_cap * 2 : max_records;
            record_t *grown = realloc(records, (size_t)cap * sizeof *records);
            if (grown) { records = grown; records_cap = cap; }
        }
        if (record_frames && nrecords == records_cap) {
            records_dropped++;
        } else if (record_frames) {
            records[nrecords].conn = i;
            records[nrecords].id = message_id(payload, n);
            records[nrecords].ns = t;
            nrecords++;
        }
    } else {
        other_frames++;
    }
}

static void on_readable(int i) {
    conn_t *c = &conns[i];
    for (;;) {
        if (c->cap - c->len < 65536) {
            size_t cap = c->cap ? c->cap * 2 : 131072;
            while (cap - c->len < 65536) cap *= 2;
            unsigned char *b = realloc(c->buf, cap);
            if (!b) { drop(c, ST_CLOSED, "out of memory"); return; }
            c->buf = b;
            c->cap = cap;
        }
        ssize_t r = read(c->fd, c->buf + c->len, c->cap - c->len);
        uint64_t t = now_ns();
        if (r < 0) {
            if (errno == EINTR) continue;
            if (errno == EAGAIN) return;
            drop(c, c->state >= ST_OPEN ? ST_CLOSED : ST_FAILED, "ConnectionError: read failed");
            return;
        }
        if (r == 0) { drop(c, c->state >= ST_OPEN ? ST_CLOSED : ST_FAILED, "ConnectionError: connection lost"); return; }
        c->len += (size_t)r;
        size_t off = 0;
        if (c->state == ST_UPGRADING) {
            unsigned char *end = memmem(c->buf, c->len, "\r\n\r\n", 4);
            if (!end) continue;
            unsigned char *eol = memmem(c->buf, c->len, "\r\n", 2);
            size_t sl = (size_t)(eol - c->buf);
            if (!memmem(c->buf, sl, " 101", 4)) {
                char why[128];
                snprintf(why, sizeof why, "RuntimeError: upgrade refused: %.*s", (int)(sl < 80 ? sl : 80), c->buf);
                drop(c, ST_FAILED, why);
                return;
            }
            off = (size_t)(end - c->buf) + 4;
            c->state = ST_FIRST;
        }
        while (c->len - off >= 2) {
            unsigned char *p = c->buf + off;
            size_t avail = c->len - off;
            int opcode = p[0] & 0x0F;
            uint64_t n = p[1] & 0x7F;
            size_t h = 2;
            if (n == 126) {
                if (avail < 4) break;
                n = ((uint64_t)p[2] << 8) | p[3];
                h = 4;
            } else if (n == 127) {
                if (avail < 10) break;
                n = 0;
                for (int k = 0; k < 8; k++) n = (n << 8) | p[2 + k];
                h = 10;
            }
            if (n > (1u << 24)) { drop(c, ST_CLOSED, NULL); return; }
            if (avail < h + n) break;
            off += h + (size_t)n;
            on_frame(i, opcode, p + h, (size_t)n, t);
            if (c->fd < 0) return;
        }
        if (off > 0) {
            memmove(c->buf, c->buf + off, c->len - off);
            c->len -= off;
        }
    }
}

static int is_loopback(const char *address) {
    struct in_addr a;
    return inet_pton(AF_INET, address, &a) == 1 && (ntohl(a.s_addr) >> 24) == 127;
}

static void start_connect(int i) {
    conn_t *c = &conns[i];
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) { c->state = ST_CONNECTING; c->fd = -1; drop(c, ST_FAILED, "OSError: socket"); return; }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    c->fd = fd;
    c->state = ST_CONNECTING;
    c->started_ns = now_ns();
    if (c->source) {
        struct sockaddr_in src = {.sin_family = AF_INET};
        inet_pton(AF_INET, c->source, &src.sin_addr);
        if (bind(fd, (struct sockaddr *)&src, sizeof src) < 0) { drop(c, ST_FAILED, "OSError: bind"); return; }
    }
    struct sockaddr_in dst = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    inet_pton(AF_INET, host, &dst.sin_addr);
    if (connect(fd, (struct sockaddr *)&dst, sizeof dst) < 0 && errno != EINPROGRESS) {
        drop(c, ST_FAILED, "ConnectionRefusedError: connect");
        return;
    }
    struct epoll_event ev = {.events = EPOLLOUT | EPOLLIN, .data.u32 = (uint32_t)i};
    epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev);
}

static void on_writable(int i) {
    conn_t *c = &conns[i];
    int err = 0;
    socklen_t el = sizeof err;
    getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &el);
    if (err) { drop(c, ST_FAILED, "ConnectionRefusedError: connect"); return; }
    char key[25];
    static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for (int k = 0; k < 22; k++) key[k] = b64[rand() % 64];
    key[22] = '=', key[23] = '=', key[24] = 0;
    char request[4096];
    int n = snprintf(request, sizeof request,
                     "GET %s HTTP/1.1\r\nHost: %s:%d\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                     "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\nAuthorization: Bearer %s\r\n\r\n",
                     path, host, port, key, c->token);
    if (n <= 0 || n >= (int)sizeof request || write_all(c->fd, request, (size_t)n) < 0) {
        drop(c, ST_FAILED, "OSError: write");
        return;
    }
    c->state = ST_UPGRADING;
    struct epoll_event ev = {.events = EPOLLIN, .data.u32 = (uint32_t)i};
    epoll_ctl(epfd, EPOLL_CTL_MOD, c->fd, &ev);
}

static int pending_count(void) {
    int n = 0;
    for (int i = 0; i < nconns; i++)
        if (conns[i].state == ST_CONNECTING || conns[i].state == ST_UPGRADING || conns[i].state == ST_FIRST) n++;
    return n;
}

static void expire_handshakes(uint64_t now) {
    for (int i = 0; i < nconns; i++) {
        conn_t *c = &conns[i];
        if ((c->state == ST_CONNECTING || c->state == ST_UPGRADING || c->state == ST_FIRST) &&
            now > c->started_ns && now - c->started_ns > (uint64_t)(open_timeout_s * 1e9))
            drop(c, ST_FAILED, "TimeoutError: open timeout");
    }
}

/* One pass of the event loop, waiting at most timeout_ms. */
static void poll_once(int timeout_ms) {
    struct epoll_event events[256];
    int n = epoll_wait(epfd, events, 256, timeout_ms);
    for (int k = 0; k < n; k++) {
        uint32_t i = events[k].data.u32;
        if (i == UINT32_MAX) continue; /* stdin: handled by the caller */
        conn_t *c = &conns[i];
        if (c->fd < 0) continue;
        if (c->state == ST_CONNECTING) {
            if (events[k].events & (EPOLLOUT | EPOLLERR | EPOLLHUP)) on_writable((int)i);
            continue;
        }
        if (events[k].events & (EPOLLIN | EPOLLERR | EPOLLHUP)) on_readable((int)i);
    }
}

static int stdin_ready(void) {
    struct timeval tv = {0, 0};
    fd_set set;
    FD_ZERO(&set);
    FD_SET(0, &set);
    return select(1, &set, NULL, NULL, &tv) > 0;
}

static char line[512];
static size_t line_len;

/* A complete command line from stdin, or NULL (non-blocking). */
static char *read_command(void) {
    for (;;) {
        char *nl = memchr(line, '\n', line_len);
        if (nl) {
            static char out[512];
            size_t n = (size_t)(nl - line);
            memcpy(out, line, n);
            out[n] = 0;
            memmove(line, nl + 1, line_len - n - 1);
            line_len -= n + 1;
            return out;
        }
        if (!stdin_ready()) return NULL;
        ssize_t r = read(0, line + line_len, sizeof line - line_len - 1);
        if (r <= 0) exit(0); /* the parent went away */
        line_len += (size_t)r;
    }
}

static long open_count(void) {
    long n = 0;
    for (int i = 0; i < nconns; i++) if (conns[i].state == ST_OPEN) n++;
    return n;
}

int main(int argc, char **argv) {
    if (argc != 2) { fprintf(stderr, "usage: %s SPEC_FILE\n", argv[0]); return 2; }
    FILE *spec = fopen(argv[1], "r");
    if (!spec) { perror(argv[1]); return 2; }
    int rec;
    if (fscanf(spec, "%63s %d %255s %lf %lf %d %lf %d %ld", host, &port, path, &rate, &connect_cap_s, &max_pending,
               &open_timeout_s, &rec, &max_records) != 9) { fprintf(stderr, "bad spec header\n"); return 2; }
    record_frames = rec;
    if (!is_loopback(host)) { fprintf(stderr, "loopback addresses only\n"); return 2; }
    if (max_records < 0 || max_records > 50000000) max_records = 50000000;
    int cap = 1024;
    conns = calloc((size_t)cap, sizeof *conns);
    char token[2048], source[64];
    while (fscanf(spec, "%2047s %63s", token, source) == 2) {
        if (nconns == cap) { cap *= 2; conns = realloc(conns, (size_t)cap * sizeof *conns); }
        if (nconns >= 100000) break;
        conn_t *c = &conns[nconns++];
        memset(c, 0, sizeof *c);
        c->fd = -1;
        c->token = strdup(token);
        if (strcmp(source, "-") != 0) {
            if (!is_loopback(source)) { fprintf(stderr, "loopback source addresses only\n"); return 2; }
            c->source = strdup(source);
        }
    }
    fclose(spec);
    unlink(argv[1]); /* it holds tokens: gone once read */
    if (record_frames) {
        records_cap = max_records < 65536 ? (max_records > 0 ? max_records : 1) : 65536;
        records = malloc((size_t)records_cap * sizeof *records);
    }
    struct rlimit nofile;
    if (getrlimit(RLIMIT_NOFILE, &nofile) == 0 && nofile.rlim_cur < nofile.rlim_max) {
        nofile.rlim_cur = nofile.rlim_max;
        setrlimit(RLIMIT_NOFILE, &nofile);
    }
    srand((unsigned)now_ns());
    epfd = epoll_create1(EPOLL_CLOEXEC);

    /* Connect phase: at `rate` per second, at most `max_pending` handshakes in flight, until the cap. */
    uint64_t t0 = now_ns();
    uint64_t deadline = t0 + (uint64_t)(connect_cap_s * 1e9);
    int next = 0;
    for (;;) {
        uint64_t now = now_ns();
        while (next < nconns && now <= deadline && (double)(now - t0) / 1e9 >= next / rate && pending_count() < max_pending)
            start_connect(next++);
        expire_handshakes(now);
        int pending = pending_count();
        if (pending == 0 && (next == nconns || now > deadline)) break;
        if (now > deadline + (uint64_t)(open_timeout_s * 1e9)) break;
        poll_once(pending ? 5 : 1);
    }
    expire_handshakes(UINT64_MAX / 2);
    not_attempted = nconns - next;
    printf("ready %ld %ld %ld %.3f %.3f\n", connected_count, failed_count + not_attempted, not_attempted,
           (double)(now_ns() - t0) / 1e9, cpu_seconds());
    for (int k = 0; k < nfailures; k++) printf("failure %ld %s\n", failure_counts[k], failures[k]);
    printf("end\n");
    fflush(stdout);

    struct epoll_event sev = {.events = EPOLLIN, .data.u32 = UINT32_MAX};
    epoll_ctl(epfd, EPOLL_CTL_ADD, 0, &sev);
    double mark_cpu = cpu_seconds();
    for (;;) {
        poll_once(50);
        char *command;
        while ((command = read_command()) != NULL) {
            if (strcmp(command, "mark") == 0) {
                nrecords = 0;
                records_dropped = 0;
                other_frames = 0;
                for (int i = 0; i < nconns; i++) conns[i].count = 0;
                mark_cpu = cpu_seconds();
                printf("marked\n");
            } else if (strncmp(command, "collect ", 8) == 0) {
                long expected = 0;
                double timeout = 0;
                sscanf(command + 8, "%ld %lf", &expected, &timeout);
                uint64_t end = now_ns() + (uint64_t)(timeout * 1e9);
                while (now_ns() < end) {
                    int done = 1;
                    for (int i = 0; i < nconns && done; i++)
                        if (conns[i].state == ST_OPEN && conns[i].count < expected) done = 0;
                    if (done) break;
                    poll_once(5);
                }
                double cpu = cpu_seconds() - mark_cpu;
                for (int i = 0; i < nconns; i++)
                    if (conns[i].ever) printf("c %d\n", i);
                for (long r = 0; r < nrecords; r++)
                    printf("f %d %lld %llu\n", records[r].conn, records[r].id, (unsigned long long)records[r].ns);
                printf("collected %.6f %ld %ld %ld\n", cpu, other_frames, closed_count, records_dropped);
            } else if (strcmp(command, "status") == 0) {
                printf("status %ld %ld %.3f\n", open_count(), closed_count, cpu_seconds());
            } else if (strcmp(command, "close") == 0) {
                static const unsigned char frame[] = {0x88, 0x82, 0, 0, 0, 0, 0x03, 0xe8};
                for (int i = 0; i < nconns; i++) {
                    if (conns[i].fd < 0) continue;
                    (void)!write(conns[i].fd, frame, sizeof frame);
                    close(conns[i].fd);
                    conns[i].fd = -1;
                }
                printf("closed %.3f\n", cpu_seconds());
                fflush(stdout);
                return 0;
            }
            fflush(stdout);
        }
    }
}
