// SPDX-License-Identifier: GPL-2.0
/*
 * zc_httpd - a small HTTP/1.1 cache server that rewrites cached objects in
 * place, safely, with sendfile2(SENDFILE_ZC).
 *
 * Objects live in slots of one cache file (a memfd unless -c names a file).
 * GET and HEAD serve an object (keep-alive, pipelining, single byte ranges);
 * PUT stores a new version, as a cache filler or an upstream would.  Each
 * response header goes out with sendmsg(MSG_ZEROCOPY), each body with
 * sendfile2(SENDFILE_ZC), and the event loop reaps the error queue.
 *
 * The rewrite protocol (-m zc):
 *   - a PUT writes the new version into a free slot, then points the
 *     object's index at it: requests from then on get the new version;
 *   - the old slot is retired; it becomes free, and a later PUT may
 *     overwrite it, only when no response is sending from it and every
 *     notification ID of every call that sent from it was reported;
 *   - a PUT that finds no free slot waits (its connection stops reading)
 *     until a notification frees one.
 * IDs are per socket, consecutive from 0, and shared by sendmsg(MSG_ZEROCOPY)
 * and sendfile2(SENDFILE_ZC): every call that returned > 0 took the next one.
 * Each connection keeps a FIFO of its outstanding IDs, each entry naming
 * what the call sent from (a slot, a header buffer); a reported range
 * [ee_info, ee_data] drops those references.
 *
 * -m plain uses send() and sendfile(2) and frees a slot as soon as no
 * response is sending from it: the best a server can do without
 * notifications, and what clients of a slow connection can see torn.
 *
 * GET /_stats returns the counters.  SIGINT or SIGTERM prints them and exits.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <linux/errqueue.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "sendfile2.h"

#ifndef SO_EE_ORIGIN_ZEROCOPY
#define SO_EE_ORIGIN_ZEROCOPY	5
#endif
#ifndef SO_EE_CODE_ZEROCOPY_COPIED
#define SO_EE_CODE_ZEROCOPY_COPIED	1
#endif

#define REQ_MAX		8192		/* request line and headers */
#define NAME_LEN	128		/* object names */
#define IDS_MAX		65536		/* outstanding IDs per connection */
#define IDLE_S		30		/* keep-alive connection without a request */
#define STALL_S		60		/* no progress sending or lingering */
#define BOUNCE		(64 << 10)

enum mode { MODE_ZC, MODE_PLAIN };

/* A response header (and error body), referenced until its IDs are reported. */
struct hdrbuf {
	unsigned int refs;
	size_t len;
	char data[];
};

/* One notification ID of a connection: what the call sent from. */
struct pend {
	int slot;		/* cache slot, or -1 */
	struct hdrbuf *hdr;	/* header buffer, or NULL */
	bool done;
};

struct slot {
	unsigned int refs;	/* responses sending from it + unreported IDs */
	int obj;		/* object whose current version is here, or -1 */
	bool filling;		/* a PUT is writing it */
};

struct object {
	char name[NAME_LEN];
	int slot;
	off_t len;
	unsigned int version;
	struct object *hnext;
};

enum cstate { C_REQ, C_SEND, C_PUT_WAIT, C_PUT_BODY, C_CLOSING };

struct conn {
	int fd;
	enum cstate st;
	struct conn *prev, *next;	/* all connections */
	struct conn *wnext;		/* PUTs waiting for a free slot */
	bool zc_hdr;			/* SO_ZEROCOPY is on: headers by MSG_ZEROCOPY */
	bool waiting, eof, close_after, http10, disconnected;
	uint64_t last_ns;		/* last progress */
	char in[REQ_MAX];
	size_t in_len;
	off_t discard;			/* request body to skip */
	/* response being sent */
	struct hdrbuf *hdr;
	size_t hdr_off;
	int slot;			/* body's slot, or -1 */
	off_t off, end;			/* body range in the cache file */
	/* PUT being received */
	char put_name[NAME_LEN];
	off_t put_len, put_got;
	int put_slot;
	bool put_continue;
	uint64_t wait_ns;
	/* notification IDs: ring[head] has ID base_id */
	uint32_t base_id;
	struct pend *ring;
	unsigned int cap, head, count;
};

static struct {
	enum mode mode;
	int epfd, lfd, cache_fd;
	off_t slot_size;
	int nslots;
	struct slot *slots;
	struct object *objs;
	int nobjs;
	struct object *hash[1024];
	struct conn *conns;
	struct conn *wait_head, *wait_tail;
	bool quiet;
} srv;

static struct {
	uint64_t conns, requests, status[600], body_bytes;
	uint64_t zc_ids, zc_reports, zc_ids_reported, zc_ids_copied;
	uint64_t zc_copy_fallbacks, bad_reports, throttled;
	uint64_t puts, rewrites, puts_waited, put_wait_ns, put_wait_max_ns;
	uint64_t slots_freed_on_report, slots_freed_on_done;
	uint64_t resets, lingered, stalled;
} st;

static volatile sig_atomic_t stop;

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static void logmsg(const char *fmt, ...)
{
	va_list ap;

	if (srv.quiet)
		return;
	va_start(ap, fmt);
	fputs("zc_httpd: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

static void __attribute__((noreturn)) fatal(const char *what)
{
	fprintf(stderr, "zc_httpd: %s: %s\n", what, strerror(errno));
	exit(2);
}

/* ---- the cache: slots and objects ---------------------------------- */

static unsigned int name_hash(const char *s)
{
	unsigned int h = 2166136261u;

	while (*s)
		h = (h ^ (unsigned char)*s++) * 16777619u;
	return h % (sizeof(srv.hash) / sizeof(srv.hash[0]));
}

static struct object *obj_find(const char *name)
{
	struct object *o;

	for (o = srv.hash[name_hash(name)]; o; o = o->hnext)
		if (!strcmp(o->name, name))
			return o;
	return NULL;
}

static bool slot_free(int s)
{
	return !srv.slots[s].refs && srv.slots[s].obj < 0 && !srv.slots[s].filling;
}

static int slot_find_free(void)
{
	int s;

	for (s = 0; s < srv.nslots; s++)
		if (slot_free(s))
			return s;
	return -1;
}

static void slot_get(int s)
{
	srv.slots[s].refs++;
}

/* Drop a reference; @report: the last one was a notification ID. */
static void slot_put(int s, bool report)
{
	if (--srv.slots[s].refs || srv.slots[s].obj >= 0 || srv.slots[s].filling)
		return;
	if (report)
		st.slots_freed_on_report++;
	else
		st.slots_freed_on_done++;
}

/* Point @name at the version just written to slot @s; retire the old one. */
static void obj_commit(const char *name, int s, off_t len)
{
	struct object *o = obj_find(name);
	int old;

	if (!o) {
		unsigned int h = name_hash(name);

		o = &srv.objs[srv.nobjs++];
		snprintf(o->name, sizeof(o->name), "%s", name);
		o->slot = -1;
		o->hnext = srv.hash[h];
		srv.hash[h] = o;
	}
	old = o->slot;
	o->slot = s;
	o->len = len;
	o->version++;
	srv.slots[s].obj = o - srv.objs;
	srv.slots[s].filling = false;
	if (old >= 0) {
		st.rewrites++;
		srv.slots[old].obj = -1;
		if (!srv.slots[old].refs)
			st.slots_freed_on_done++;
	}
}

/* ---- responses --------------------------------------------------------- */

static const char *reason(int status)
{
	switch (status) {
	case 100: return "Continue";
	case 200: return "OK";
	case 201: return "Created";
	case 204: return "No Content";
	case 206: return "Partial Content";
	case 400: return "Bad Request";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 408: return "Request Timeout";
	case 411: return "Length Required";
	case 413: return "Content Too Large";
	case 416: return "Range Not Satisfiable";
	case 431: return "Request Header Fields Too Large";
	case 501: return "Not Implemented";
	case 505: return "HTTP Version Not Supported";
	case 507: return "Insufficient Storage";
	}
	return "Error";
}

static struct hdrbuf *hdr_new(size_t cap)
{
	struct hdrbuf *h = malloc(sizeof(*h) + cap);

	if (!h)
		fatal("malloc");
	h->refs = 1;
	h->len = 0;
	return h;
}

static void hdr_put(struct hdrbuf *h)
{
	if (h && !--h->refs)
		free(h);
}

static void hdr_add(struct hdrbuf *h, size_t cap, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(h->data + h->len, cap - h->len, fmt, ap);
	va_end(ap);
	if (n > 0)
		h->len += (size_t)n < cap - h->len ? (size_t)n : cap - h->len - 1;
}

/* Status line and the headers every response has. */
static struct hdrbuf *hdr_start(struct conn *c, int status, size_t cap)
{
	static char date[64];
	static time_t date_t;
	struct hdrbuf *h = hdr_new(cap);
	time_t t = time(NULL);

	if (t != date_t) {
		struct tm tm;

		gmtime_r(&t, &tm);
		strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S GMT", &tm);
		date_t = t;
	}
	hdr_add(h, cap, "HTTP/1.1 %d %s\r\nServer: zc_httpd\r\nDate: %s\r\n%s",
		status, reason(status), date,
		c->close_after ? "Connection: close\r\n" :
		c->http10 ? "Connection: keep-alive\r\n" : "");
	st.status[status]++;
	return h;
}

static void send_hdr(struct conn *c, struct hdrbuf *h)
{
	c->hdr = h;
	c->hdr_off = 0;
	c->st = C_SEND;
}

/* An error or a short text response; @close: close the connection after. */
static void respond_text(struct conn *c, int status, bool close, bool head,
			 const char *extra, const char *body)
{
	size_t cap = 1024 + strlen(body);
	struct hdrbuf *h;

	if (close)
		c->close_after = true;
	h = hdr_start(c, status, cap);
	hdr_add(h, cap, "%sContent-Type: text/plain\r\nContent-Length: %zu\r\n\r\n%s",
		extra ? extra : "", strlen(body), head ? "" : body);
	send_hdr(c, h);
}

static void respond_error(struct conn *c, int status, bool close, bool head)
{
	char body[64];

	snprintf(body, sizeof(body), "%d %s\n", status, reason(status));
	respond_text(c, status, close, head,
		     status == 405 ? "Allow: GET, HEAD, PUT\r\n" : NULL, body);
}

static void respond_stats(struct conn *c, bool head)
{
	char body[2048];
	int s, free_slots = 0, retired = 0;
	uint64_t errors = 0;

	for (s = 0; s < srv.nslots; s++) {
		free_slots += slot_free(s);
		retired += srv.slots[s].obj < 0 && srv.slots[s].refs;
	}
	for (s = 400; s < 600; s++)
		errors += st.status[s];
	snprintf(body, sizeof(body),
		 "mode %s\nconnections %" PRIu64 "\nrequests %" PRIu64
		 "\nbody_bytes %" PRIu64 "\nzc_ids %" PRIu64
		 "\nzc_reports %" PRIu64 "\nzc_ids_reported %" PRIu64
		 "\nzc_ids_copied %" PRIu64 "\nzc_copy_fallbacks %" PRIu64
		 "\nbad_reports %" PRIu64 "\nthrottled %" PRIu64
		 "\nputs %" PRIu64 "\nrewrites %" PRIu64 "\nputs_waited %" PRIu64
		 "\nput_wait_ms_total %" PRIu64 "\nput_wait_ms_max %" PRIu64
		 "\nslots_freed_on_report %" PRIu64
		 "\nslots_freed_on_done %" PRIu64 "\nresets %" PRIu64
		 "\nlingered %" PRIu64 "\nstalled %" PRIu64
		 "\nslots %d\nslots_free %d\nslots_retired %d\nobjects %d\n"
		 "status_200 %" PRIu64 "\nstatus_206 %" PRIu64
		 "\nstatus_404 %" PRIu64 "\nstatus_4xx_5xx %" PRIu64 "\n",
		 srv.mode == MODE_ZC ? "zc" : "plain", st.conns, st.requests,
		 st.body_bytes, st.zc_ids, st.zc_reports, st.zc_ids_reported,
		 st.zc_ids_copied, st.zc_copy_fallbacks, st.bad_reports,
		 st.throttled, st.puts, st.rewrites, st.puts_waited,
		 st.put_wait_ns / 1000000, st.put_wait_max_ns / 1000000,
		 st.slots_freed_on_report, st.slots_freed_on_done, st.resets,
		 st.lingered, st.stalled, srv.nslots, free_slots, retired,
		 srv.nobjs, st.status[200], st.status[206], st.status[404], errors);
	respond_text(c, 200, false, head, "Cache-Control: no-store\r\n", body);
}

/*
 * Range: bytes=A-B, A- or -N, one range only.  Returns 0 and sets
 * [*a, *b] for a satisfiable range, 1 to serve the whole object (no or an
 * unusable Range header, which a server may ignore), -1 for 416.
 */
static int parse_range(const char *v, off_t len, off_t *a, off_t *b)
{
	char *e;
	long long x, y;

	if (!v || strncasecmp(v, "bytes=", 6) || strchr(v, ','))
		return 1;
	v += 6;
	if (*v == '-') {
		if (!isdigit((unsigned char)v[1]))
			return 1;
		errno = 0;
		y = strtoll(v + 1, &e, 10);
		if (*e || errno)
			return 1;
		if (!y || !len)
			return -1;
		*a = y >= len ? 0 : len - y;
		*b = len - 1;
		return 0;
	}
	if (!isdigit((unsigned char)*v))
		return 1;
	errno = 0;
	x = strtoll(v, &e, 10);
	if (*e != '-' || errno)
		return 1;
	v = e + 1;
	if (!*v) {
		y = len - 1;
	} else {
		if (!isdigit((unsigned char)*v))
			return 1;
		y = strtoll(v, &e, 10);
		if (*e || errno || y < x)
			return 1;
	}
	if (x >= len)
		return -1;
	*a = x;
	*b = y >= len ? len - 1 : y;
	return 0;
}

static void respond_object(struct conn *c, struct object *o, const char *range,
			   bool head)
{
	size_t cap = 1024;
	struct hdrbuf *h;
	off_t a = 0, b = o->len - 1, base = (off_t)o->slot * srv.slot_size;
	int r = parse_range(range, o->len, &a, &b);

	if (r < 0) {
		char extra[64];

		snprintf(extra, sizeof(extra), "Content-Range: bytes */%lld\r\n",
			 (long long)o->len);
		respond_text(c, 416, false, head, extra, "416 Range Not Satisfiable\n");
		return;
	}
	h = hdr_start(c, r ? 200 : 206, cap);
	hdr_add(h, cap, "Content-Type: application/octet-stream\r\n"
		"Accept-Ranges: bytes\r\nETag: \"%d-%u\"\r\n", o->slot, o->version);
	if (!r)
		hdr_add(h, cap, "Content-Range: bytes %lld-%lld/%lld\r\n",
			(long long)a, (long long)b, (long long)o->len);
	hdr_add(h, cap, "Content-Length: %lld\r\n\r\n",
		(long long)(o->len ? b - a + 1 : 0));
	send_hdr(c, h);
	if (head || !o->len)
		return;
	c->slot = o->slot;
	slot_get(c->slot);	/* this response sends from it */
	c->off = base + a;
	c->end = base + b + 1;
}

/* ---- notification IDs ------------------------------------------------- */

/* Room for one more ID; false: the connection must wait for reports. */
static bool ids_reserve(struct conn *c)
{
	struct pend *n;
	unsigned int i, cap;

	if (c->count < c->cap)
		return true;
	if (c->cap >= IDS_MAX)
		return false;
	cap = c->cap ? c->cap * 2 : 16;
	n = malloc(cap * sizeof(*n));
	if (!n)
		return false;
	for (i = 0; i < c->count; i++)
		n[i] = c->ring[(c->head + i) % c->cap];
	free(c->ring);
	c->ring = n;
	c->cap = cap;
	c->head = 0;
	return true;
}

/* A call that returned > 0 took the next ID: remember what it sent from. */
static void ids_push(struct conn *c, int slot, struct hdrbuf *h)
{
	struct pend *p = &c->ring[(c->head + c->count) % c->cap];

	p->slot = slot;
	p->hdr = h;
	p->done = false;
	c->count++;
	st.zc_ids++;
	if (slot >= 0)
		slot_get(slot);
	if (h)
		h->refs++;
}

static void ids_complete(struct conn *c, uint32_t id)
{
	uint32_t i = id - c->base_id;
	struct pend *p;

	if (i >= c->count) {
		st.bad_reports++;
		return;
	}
	p = &c->ring[(c->head + i) % c->cap];
	if (p->done) {
		st.bad_reports++;
		return;
	}
	p->done = true;
	st.zc_ids_reported++;
	if (p->slot >= 0)
		slot_put(p->slot, true);
	hdr_put(p->hdr);
	while (c->count && c->ring[c->head].done) {
		c->head = (c->head + 1) % c->cap;
		c->count--;
		c->base_id++;
	}
}

/* Read every notification queued on the socket's error queue. */
static void reap(struct conn *c)
{
	char control[CMSG_SPACE(sizeof(struct sock_extended_err) + 64)];

	for (;;) {
		struct msghdr msg = { .msg_control = control,
				      .msg_controllen = sizeof(control) };
		struct sock_extended_err *serr;
		struct cmsghdr *cm;
		uint32_t id;

		if (recvmsg(c->fd, &msg, MSG_ERRQUEUE | MSG_DONTWAIT) < 0) {
			if (errno == EINTR)
				continue;
			break;	/* EAGAIN: empty */
		}
		for (cm = CMSG_FIRSTHDR(&msg); cm; cm = CMSG_NXTHDR(&msg, cm)) {
			if (!((cm->cmsg_level == SOL_IP && cm->cmsg_type == IP_RECVERR) ||
			      (cm->cmsg_level == SOL_IPV6 && cm->cmsg_type == IPV6_RECVERR)))
				continue;
			serr = (void *)CMSG_DATA(cm);
			if (serr->ee_origin != SO_EE_ORIGIN_ZEROCOPY || serr->ee_errno)
				continue;
			st.zc_reports++;
			for (id = serr->ee_info;; id++) {
				ids_complete(c, id);
				if (serr->ee_code & SO_EE_CODE_ZEROCOPY_COPIED)
					st.zc_ids_copied++;
				if (id == serr->ee_data)
					break;
			}
		}
	}
}

/* ---- connections ------------------------------------------------------ */

static void wait_remove(struct conn *c)
{
	struct conn **pp;

	if (!c->waiting)
		return;
	for (pp = &srv.wait_head; *pp; pp = &(*pp)->wnext) {
		if (*pp == c) {
			*pp = c->wnext;
			break;
		}
	}
	srv.wait_tail = NULL;
	for (c = srv.wait_head; c; c = c->wnext)
		srv.wait_tail = c;
}

/* Drop what the current response and PUT hold (not the IDs). */
static void conn_release(struct conn *c)
{
	if (c->slot >= 0)
		slot_put(c->slot, false);
	c->slot = -1;
	hdr_put(c->hdr);
	c->hdr = NULL;
	if (c->put_slot >= 0)
		srv.slots[c->put_slot].filling = false;
	c->put_slot = -1;
	wait_remove(c);
	c->waiting = false;
}

static void conn_free(struct conn *c)
{
	unsigned int i;

	for (i = 0; i < c->count; i++) {
		struct pend *p = &c->ring[(c->head + i) % c->cap];

		if (p->done)
			continue;
		if (p->slot >= 0)
			slot_put(p->slot, false);
		hdr_put(p->hdr);
	}
	if (c->prev)
		c->prev->next = c->next;
	else
		srv.conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	close(c->fd);
	free(c->ring);
	free(c);
}

/*
 * Done with a connection.  Its fd stays open while IDs are outstanding:
 * closing it would lose their notifications, and the pages may still be
 * referenced by its skbs after close().
 */
static void conn_close(struct conn *c, bool graceful)
{
	char buf[4096];

	conn_release(c);
	if (graceful) {
		shutdown(c->fd, SHUT_WR);
		/* Unread input would make close() send a reset. */
		while (read(c->fd, buf, sizeof(buf)) > 0)
			;
	}
	reap(c);
	if (!c->count) {
		conn_free(c);
		return;
	}
	if (c->st != C_CLOSING)
		st.lingered++;
	c->st = C_CLOSING;
	c->last_ns = now_ns();
}

/* An idle or stuck peer: reset the connection but keep the fd to reap. */
static void conn_disconnect(struct conn *c)
{
	struct sockaddr sa = { .sa_family = AF_UNSPEC };

	st.stalled++;
	c->disconnected = true;
	/* connect(AF_UNSPEC) resets TCP and purges the write queue. */
	connect(c->fd, &sa, sizeof(sa));
	conn_close(c, false);
}

/* Why a send failed: retry later, or give up on the connection. */
static int send_failed(struct conn *c)
{
	if (errno == EAGAIN || errno == EINTR)
		return 1;
	if (errno == EPIPE || errno == ECONNRESET || errno == ETIMEDOUT)
		st.resets++;
	else
		logmsg("send: %s", strerror(errno));
	(void)c;
	return -1;
}

/*
 * Send what is left of the response.  Returns 0 when it is all queued,
 * 1 to wait for EPOLLOUT or reports, -1 when the connection failed.
 */
static int send_response(struct conn *c)
{
	bool zc = srv.mode == MODE_ZC;
	ssize_t n;

	while (c->hdr_off < c->hdr->len) {
		int flags = MSG_NOSIGNAL | (c->off < c->end ? MSG_MORE : 0);
		char *p = c->hdr->data + c->hdr_off;
		size_t len = c->hdr->len - c->hdr_off;
		bool z = zc && c->zc_hdr;	/* without SO_ZEROCOPY: no ID */

		if (z && !ids_reserve(c)) {
			st.throttled++;
			return 1;
		}
		n = send(c->fd, p, len, flags | (z ? MSG_ZEROCOPY : 0));
		if (n < 0 && z && errno == ENOBUFS) {
			/* Option memory full of unread reports: copy. */
			st.zc_copy_fallbacks++;
			z = false;
			n = send(c->fd, p, len, flags);
		}
		if (n < 0)
			return send_failed(c);
		if (z)
			ids_push(c, -1, c->hdr);	/* the buffer stays until reported */
		c->hdr_off += n;
		c->last_ns = now_ns();
	}
	while (c->off < c->end) {
		off_t before = c->off;

		if (zc) {
			if (!ids_reserve(c)) {
				st.throttled++;
				return 1;
			}
			n = sendfile2(c->fd, srv.cache_fd, &c->off, c->end - c->off,
				      SENDFILE_ZC);
			if (n > 0)
				ids_push(c, c->slot, NULL);
			if (n < 0 && (errno == ENOBUFS || errno == ENOMEM)) {
				/* Copy one chunk: safe, the slot is pinned. */
				char buf[16384];
				size_t len = c->end - c->off < (off_t)sizeof(buf) ?
					     (size_t)(c->end - c->off) : sizeof(buf);

				st.zc_copy_fallbacks++;
				n = pread(srv.cache_fd, buf, len, c->off);
				if (n > 0)
					n = send(c->fd, buf, n, MSG_NOSIGNAL);
				if (n > 0)
					c->off += n;
			}
		} else {
			n = sendfile(c->fd, srv.cache_fd, &c->off, c->end - c->off);
		}
		if (n < 0)
			return send_failed(c);
		if (!n) {
			logmsg("cache file shorter than expected");
			return -1;
		}
		st.body_bytes += c->off - before;
		c->last_ns = now_ns();
	}
	return 0;
}

/* Find the end of the request head; 0 if incomplete. */
static size_t head_len(struct conn *c)
{
	size_t i;

	for (i = 3; i < c->in_len; i++)
		if (!memcmp(c->in + i - 3, "\r\n\r\n", 4))
			return i + 1;
	return 0;
}

static void consume(struct conn *c, size_t n)
{
	memmove(c->in, c->in + n, c->in_len - n);
	c->in_len -= n;
}

static bool tchar(int ch)
{
	return isalnum(ch) || strchr("!#$%&'*+-.^_`|~", ch);
}

static bool valid_name(const char *s)
{
	if (!*s || strlen(s) >= NAME_LEN)
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr("._-", *s))
			return false;
	return true;
}

static bool put_start(struct conn *c);

/* Parse and act on the request head at c->in (@len bytes, CRLFCRLF included). */
static void handle_request(struct conn *c, size_t len)
{
	char *line, *save, *method, *target, *version, *q;
	const char *range = NULL;
	int hosts = 0, minor;
	long long clen = -1;
	bool te = false, expect = false, close = false, keep = false, head;
	struct object *o;

	st.requests++;
	c->in[len - 2] = '\0';	/* cut before the final CRLF */
	line = strtok_r(c->in, "\r\n", &save);
	/* Request line: METHOD SP TARGET SP HTTP/1.x */
	method = line;
	target = line ? strchr(line, ' ') : NULL;
	if (target)
		*target++ = '\0';
	version = target ? strchr(target, ' ') : NULL;
	if (version)
		*version++ = '\0';
	head = method && !strcmp(method, "HEAD");
	if (!version || !*method || *target != '/' || strchr(version, ' ')) {
		respond_error(c, 400, true, false);
		goto out;
	}
	for (q = method; *q; q++)
		if (!tchar((unsigned char)*q))
			break;
	if (*q) {
		respond_error(c, 400, true, head);
		goto out;
	}
	if (strncmp(version, "HTTP/", 5)) {
		respond_error(c, 400, true, head);
		goto out;
	}
	if (!strcmp(version, "HTTP/1.1")) {
		minor = 1;
	} else if (!strcmp(version, "HTTP/1.0")) {
		minor = 0;
	} else {
		respond_error(c, 505, true, head);
		goto out;
	}
	while ((line = strtok_r(NULL, "\r\n", &save))) {
		char *v = strchr(line, ':');

		if (!v || v == line) {
			respond_error(c, 400, true, head);
			goto out;
		}
		*v++ = '\0';
		for (q = line; *q; q++)
			if (!tchar((unsigned char)*q))
				break;
		if (*q) {	/* "Name : value" and other junk */
			respond_error(c, 400, true, head);
			goto out;
		}
		while (*v == ' ' || *v == '\t')
			v++;
		for (q = v + strlen(v); q > v && (q[-1] == ' ' || q[-1] == '\t');)
			*--q = '\0';
		if (!strcasecmp(line, "Host")) {
			hosts++;
		} else if (!strcasecmp(line, "Connection")) {
			close |= !!strcasestr(v, "close");
			keep |= !!strcasestr(v, "keep-alive");
		} else if (!strcasecmp(line, "Content-Length")) {
			char *e;
			long long l;

			errno = 0;
			l = strtoll(v, &e, 10);
			if (!isdigit((unsigned char)*v) || *e || errno ||
			    (clen >= 0 && l != clen)) {
				respond_error(c, 400, true, head);
				goto out;
			}
			clen = l;
		} else if (!strcasecmp(line, "Transfer-Encoding")) {
			te = true;
		} else if (!strcasecmp(line, "Range")) {
			range = v;
		} else if (!strcasecmp(line, "Expect")) {
			expect = !strcasecmp(v, "100-continue");
		}
	}
	c->http10 = !minor;
	c->close_after = close || (!minor && !keep);
	if (hosts > 1 || (minor && !hosts)) {
		respond_error(c, 400, true, head);	/* RFC 9112 3.2 */
		goto out;
	}
	if (te) {
		respond_error(c, 501, true, head);	/* no chunked bodies */
		goto out;
	}
	q = strchr(target, '?');
	if (q)
		*q = '\0';
	target++;
	if (!strcmp(method, "GET") || head) {
		c->discard = clen > 0 ? clen : 0;
		o = obj_find(target);
		if (!strcmp(target, "_stats"))
			respond_stats(c, head);
		else if (!o)
			respond_error(c, 404, false, head);
		else
			respond_object(c, o, range, head);
	} else if (!strcmp(method, "PUT")) {
		st.puts++;
		if (clen < 0) {
			respond_error(c, 411, true, false);
		} else if (!valid_name(target) || *target == '_') {
			respond_error(c, 403, true, false);
		} else if (clen > srv.slot_size) {
			respond_error(c, 413, true, false);
		} else if (!obj_find(target) && srv.nobjs >= srv.nslots) {
			respond_error(c, 507, true, false);
		} else {
			snprintf(c->put_name, sizeof(c->put_name), "%s", target);
			c->put_len = clen;
			c->put_got = 0;
			c->put_continue = expect;
			c->wait_ns = 0;
			c->st = C_PUT_WAIT;
		}
	} else {
		respond_error(c, 405, clen > 0, head);
	}
out:
	consume(c, len);
}

/* Claim a free slot for the PUT; false: wait for one. */
static bool put_start(struct conn *c)
{
	int s = slot_find_free();

	if (s < 0) {
		if (!c->wait_ns) {
			st.puts_waited++;
			c->wait_ns = now_ns();
		}
		if (!c->waiting) {
			c->waiting = true;
			c->wnext = NULL;
			if (srv.wait_tail)
				srv.wait_tail->wnext = c;
			else
				srv.wait_head = c;
			srv.wait_tail = c;
		}
		return false;
	}
	if (c->wait_ns) {
		uint64_t w = now_ns() - c->wait_ns;

		st.put_wait_ns += w;
		if (w > st.put_wait_max_ns)
			st.put_wait_max_ns = w;
	}
	srv.slots[s].filling = true;
	c->put_slot = s;
	c->st = C_PUT_BODY;
	if (c->put_continue) {
		static const char cont[] = "HTTP/1.1 100 Continue\r\n\r\n";

		/* The send buffer is empty between responses. */
		if (send(c->fd, cont, sizeof(cont) - 1, MSG_NOSIGNAL) < 0)
			logmsg("100-continue: %s", strerror(errno));
	}
	return true;
}

/* Write @n body bytes of the PUT to its slot. */
static int put_write(struct conn *c, const char *p, size_t n)
{
	off_t at = (off_t)c->put_slot * srv.slot_size + c->put_got;

	while (n) {
		ssize_t w = pwrite(srv.cache_fd, p, n, at);

		if (w < 0) {
			logmsg("pwrite: %s", strerror(errno));
			return -1;
		}
		p += w;
		n -= w;
		at += w;
		c->put_got += w;
	}
	return 0;
}

static void put_done(struct conn *c)
{
	bool created = !obj_find(c->put_name);
	struct object *o;
	size_t cap = 512;
	struct hdrbuf *h;

	obj_commit(c->put_name, c->put_slot, c->put_len);
	c->put_slot = -1;
	o = obj_find(c->put_name);
	h = hdr_start(c, created ? 201 : 204, cap);
	hdr_add(h, cap, "ETag: \"%d-%u\"\r\n%s\r\n", o->slot, o->version,
		created ? "Content-Length: 0\r\n" : "");
	send_hdr(c, h);
}

/* Run the connection's state machine as far as it goes. */
static void conn_run(struct conn *c)
{
	static char bounce[BOUNCE];
	ssize_t n;
	size_t len;

	for (;;) {
		switch (c->st) {
		case C_REQ:
			if (c->discard && c->in_len) {
				len = c->in_len;
				if (c->discard < (off_t)len)
					len = c->discard;
				consume(c, len);
				c->discard -= len;
				continue;
			}
			if (!c->discard) {
				len = head_len(c);
				if (len) {
					c->last_ns = now_ns();
					handle_request(c, len);
					continue;
				}
				if (c->in_len == sizeof(c->in)) {
					c->in_len = 0;
					respond_error(c, 431, true, false);
					continue;
				}
			}
			if (c->eof) {
				conn_close(c, false);
				return;
			}
			n = read(c->fd, c->in + c->in_len, sizeof(c->in) - c->in_len);
			if (n > 0) {
				c->in_len += n;
				continue;
			}
			if (!n) {
				c->eof = true;
				continue;
			}
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN) {
				st.resets += errno == ECONNRESET;
				conn_close(c, false);
			}
			return;
		case C_SEND:
			n = send_response(c);
			if (n > 0)
				return;
			if (n < 0) {
				conn_close(c, false);
				return;
			}
			conn_release(c);
			if (c->close_after) {
				conn_close(c, true);
				return;
			}
			c->st = C_REQ;
			continue;
		case C_PUT_WAIT:
			if (!put_start(c))
				return;
			continue;
		case C_PUT_BODY:
			if (c->put_got == c->put_len) {
				put_done(c);
				continue;
			}
			if (c->in_len) {
				len = c->put_len - c->put_got < (off_t)c->in_len ?
				      (size_t)(c->put_len - c->put_got) : c->in_len;
				if (put_write(c, c->in, len)) {
					conn_close(c, false);
					return;
				}
				consume(c, len);
				continue;
			}
			len = c->put_len - c->put_got < BOUNCE ?
			      (size_t)(c->put_len - c->put_got) : BOUNCE;
			n = c->eof ? 0 : read(c->fd, bounce, len);
			if (n > 0) {
				c->last_ns = now_ns();
				if (put_write(c, bounce, n)) {
					conn_close(c, false);
					return;
				}
				continue;
			}
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0 && errno == EAGAIN)
				return;
			conn_close(c, false);	/* EOF or error mid-body */
			return;
		case C_CLOSING:
			return;
		}
	}
}

static void conn_event(struct conn *c, uint32_t ev)
{
	if (ev & EPOLLERR) {
		int err = 0;
		socklen_t len = sizeof(err);

		reap(c);
		/* Clear a pending socket error (a reset) and act on it. */
		getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len);
		if (err && c->st != C_CLOSING) {
			if (err == ECONNRESET || err == EPIPE || err == ETIMEDOUT)
				st.resets++;
			conn_close(c, false);
			return;
		}
	}
	if (c->st == C_CLOSING) {
		if (!c->count)
			conn_free(c);
		return;
	}
	conn_run(c);
}

static void accept_all(void)
{
	for (;;) {
		int fd = accept4(srv.lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		struct epoll_event ev = { .events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET };
		struct conn *c;
		int one = 1;

		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno != EAGAIN)
				logmsg("accept: %s", strerror(errno));
			return;
		}
		c = calloc(1, sizeof(*c));
		if (!c) {
			close(fd);
			return;
		}
		c->fd = fd;
		c->slot = -1;
		c->put_slot = -1;
		c->last_ns = now_ns();
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		/* sendfile2() needs no SO_ZEROCOPY; sendmsg(MSG_ZEROCOPY) does. */
		c->zc_hdr = srv.mode == MODE_ZC &&
			    !setsockopt(fd, SOL_SOCKET, SO_ZEROCOPY, &one, sizeof(one));
		if (srv.mode == MODE_ZC && !c->zc_hdr)
			logmsg("SO_ZEROCOPY: %s (headers are copied)", strerror(errno));
		ev.data.ptr = c;
		if (epoll_ctl(srv.epfd, EPOLL_CTL_ADD, fd, &ev)) {
			close(fd);
			free(c);
			continue;
		}
		c->next = srv.conns;
		if (srv.conns)
			srv.conns->prev = c;
		srv.conns = c;
		st.conns++;
		conn_run(c);
	}
}

static void timeouts(void)
{
	uint64_t now = now_ns();
	struct conn *c, *next;

	for (c = srv.conns; c; c = next) {
		uint64_t idle = (now - c->last_ns) / 1000000000ULL;

		next = c->next;
		if (c->st == C_REQ && !c->in_len && idle >= IDLE_S) {
			conn_close(c, true);
		} else if (c->st == C_REQ && idle >= IDLE_S) {
			respond_error(c, 408, true, false);
			conn_run(c);
		} else if (c->st == C_CLOSING && idle >= STALL_S && !c->disconnected) {
			conn_disconnect(c);
		} else if ((c->st == C_SEND || c->st == C_PUT_BODY) && idle >= STALL_S) {
			conn_disconnect(c);
		}
	}
}

/* ---- setup -------------------------------------------------------------- */

static void preload(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char *buf = malloc(BOUNCE);

	if (!d || !buf)
		fatal(dir);
	while ((e = readdir(d))) {
		struct stat sb;
		off_t got = 0;
		int fd, s;

		if (!valid_name(e->d_name) || e->d_name[0] == '.' || e->d_name[0] == '_')
			continue;
		fd = openat(dirfd(d), e->d_name, O_RDONLY);
		s = slot_find_free();
		if (fd < 0 || fstat(fd, &sb) || !S_ISREG(sb.st_mode) ||
		    sb.st_size > srv.slot_size || s < 0) {
			if (fd >= 0)
				close(fd);
			logmsg("%s/%s: not loaded (not a regular file, too big, or no slot)",
			       dir, e->d_name);
			continue;
		}
		while (got < sb.st_size) {
			ssize_t n = read(fd, buf, BOUNCE);

			if (n <= 0)
				fatal("read");
			if (pwrite(srv.cache_fd, buf, n, (off_t)s * srv.slot_size + got) != n)
				fatal("pwrite");
			got += n;
		}
		close(fd);
		srv.slots[s].filling = true;
		obj_commit(e->d_name, s, got);
	}
	closedir(d);
	free(buf);
}

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: zc_httpd [-m zc|plain] [-l ADDR] [-p PORT] [-c CACHE_FILE]\n"
		"                [-n SLOTS] [-S SLOT_SIZE] [-r DIR] [-q]\n"
		"  -m zc     headers with sendmsg(MSG_ZEROCOPY), bodies with\n"
		"            sendfile2(SENDFILE_ZC); a slot is reused only after\n"
		"            every notification of the responses that sent it (default)\n"
		"  -m plain  send() and sendfile(2); a slot is reused once no\n"
		"            response is sending from it\n"
		"  -n, -S    the cache: SLOTS slots (64) of SLOT_SIZE bytes (1 MiB)\n"
		"  -r DIR    load DIR's regular files as objects /NAME at start\n"
		"  -q        no log messages\n"
		"GET /NAME, HEAD /NAME (with Range), PUT /NAME (a new version),\n"
		"GET /_stats (counters).\n");
	exit(2);
}

int main(int argc, char **argv)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(8080) };
	struct epoll_event ev = { .events = EPOLLIN }, evs[64];
	const char *cache = NULL, *dir = NULL;
	struct sigaction sig = { .sa_handler = on_signal };
	uint64_t last_scan = 0;
	int opt, one = 1, i;

	srv.nslots = 64;
	srv.slot_size = 1 << 20;
	while ((opt = getopt(argc, argv, "m:l:p:c:n:S:r:q")) != -1) {
		switch (opt) {
		case 'm':
			if (!strcmp(optarg, "zc"))
				srv.mode = MODE_ZC;
			else if (!strcmp(optarg, "plain"))
				srv.mode = MODE_PLAIN;
			else
				usage();
			break;
		case 'l':
			if (inet_pton(AF_INET, optarg, &sa.sin_addr) != 1)
				usage();
			break;
		case 'p':
			sa.sin_port = htons(atoi(optarg));
			break;
		case 'c':
			cache = optarg;
			break;
		case 'n':
			srv.nslots = atoi(optarg);
			break;
		case 'S':
			srv.slot_size = (strtoll(optarg, NULL, 0) + 4095) & ~4095LL;
			break;
		case 'r':
			dir = optarg;
			break;
		case 'q':
			srv.quiet = true;
			break;
		default:
			usage();
		}
	}
	if (optind != argc || srv.nslots < 1 || srv.nslots > 1 << 20 ||
	    srv.slot_size < 4096)
		usage();

	if (srv.mode == MODE_ZC &&
	    sendfile2(-1, -1, NULL, 0, SENDFILE_ZC) < 0 && errno == ENOSYS) {
		fprintf(stderr, "zc_httpd: this kernel has no sendfile2() (ENOSYS): "
			"boot a kernel with the series, or use -m plain\n");
		return 2;
	}
	srv.cache_fd = cache ? open(cache, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600) :
			       memfd_create("zc_httpd-cache", MFD_CLOEXEC);
	if (srv.cache_fd < 0)
		fatal(cache ? cache : "memfd_create");
	if (ftruncate(srv.cache_fd, (off_t)srv.nslots * srv.slot_size))
		fatal("ftruncate");
	srv.slots = calloc(srv.nslots, sizeof(*srv.slots));
	srv.objs = calloc(srv.nslots, sizeof(*srv.objs));
	if (!srv.slots || !srv.objs)
		fatal("calloc");
	for (i = 0; i < srv.nslots; i++)
		srv.slots[i].obj = -1;
	if (dir)
		preload(dir);

	srv.lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (srv.lfd < 0 ||
	    setsockopt(srv.lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(srv.lfd, (void *)&sa, sizeof(sa)) || listen(srv.lfd, 1024))
		fatal("listen");
	srv.epfd = epoll_create1(EPOLL_CLOEXEC);
	ev.data.ptr = NULL;
	if (srv.epfd < 0 || epoll_ctl(srv.epfd, EPOLL_CTL_ADD, srv.lfd, &ev))
		fatal("epoll");
	signal(SIGPIPE, SIG_IGN);
	sigaction(SIGINT, &sig, NULL);
	sigaction(SIGTERM, &sig, NULL);
	fprintf(stderr, "zc_httpd: mode %s, %s:%d, %d objects in %d slots of %lld bytes\n",
		srv.mode == MODE_ZC ?
		"zc (sendmsg MSG_ZEROCOPY headers, sendfile2 SENDFILE_ZC bodies)" :
		"plain (send headers, sendfile bodies)",
		inet_ntoa(sa.sin_addr), ntohs(sa.sin_port), srv.nobjs, srv.nslots,
		(long long)srv.slot_size);

	while (!stop) {
		int n = epoll_wait(srv.epfd, evs, 64, 1000);

		if (n < 0 && errno != EINTR)
			fatal("epoll_wait");
		for (i = 0; i < n; i++) {
			if (!evs[i].data.ptr)
				accept_all();
			else
				conn_event(evs[i].data.ptr, evs[i].events);
		}
		/* Slots freed by this round's reports: resume waiting PUTs. */
		while (srv.wait_head && slot_find_free() >= 0) {
			struct conn *c = srv.wait_head;

			srv.wait_head = c->wnext;
			if (!srv.wait_head)
				srv.wait_tail = NULL;
			c->waiting = false;
			conn_run(c);
		}
		if (now_ns() - last_scan >= 1000000000ULL) {
			last_scan = now_ns();
			timeouts();
		}
	}

	fprintf(stderr, "zc_httpd: mode %s: %" PRIu64 " requests, %" PRIu64
		" rewrites (%" PRIu64 " waited for a slot, %" PRIu64
		" slots freed by a notification), %" PRIu64 " IDs, %" PRIu64
		" reported (%" PRIu64 " copied), %" PRIu64 " bad reports\n",
		srv.mode == MODE_ZC ? "zc" : "plain", st.requests, st.rewrites,
		st.puts_waited, st.slots_freed_on_report, st.zc_ids,
		st.zc_ids_reported, st.zc_ids_copied, st.bad_reports);
	while (srv.conns) {
		conn_release(srv.conns);
		conn_free(srv.conns);
	}
	close(srv.lfd);
	close(srv.epfd);
	close(srv.cache_fd);
	free(srv.slots);
	free(srv.objs);
	return 0;
}
