// SPDX-License-Identifier: GPL-2.0
/*
 * zc_stress: many sockets, many calls, mixed sendfile2(SENDFILE_ZC),
 * splice(SPLICE_F_ZC) and sendmsg(MSG_ZEROCOPY), over loopback.
 *
 * 64 sockets: TCP and UDP, IPv4 and IPv6.  Random sizes and offsets,
 * receivers that stall and resume, random shutdowns and early closes, and a
 * second file that is truncated and rewritten while its data is in flight.
 *
 * Checks, for every socket that stayed open:
 *  - every ID issued (one per call that returned > 0) is notified exactly
 *    once, and no other;
 *  - the receiver's bytes are exact for data sent from the file that is
 *    never modified (TCP: the whole stream; UDP: every datagram received);
 *  - once all notifications are read, the socket's option memory
 *    (SO_MEMINFO, SK_MEMINFO_OPTMEM) is back to zero.
 *
 * Usage: zc_stress [CALLS [SECONDS]]   (default 12000 calls, 180 s cap)
 * Exit status 0 when every check held.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/errqueue.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "sendfile2.h"
#include "zc_util.h"

#define NSOCK		64
#define FILE_BYTES	(8 << 20)
#define MAX_IDS		65536
#define PEND_CAP	(8 << 20)	/* TCP bytes ahead of the sender's record */

enum op { OP_SENDFILE2, OP_SPLICE, OP_MSGZC };

struct seg { uint64_t off; uint32_t len; };

struct conn {
	int id, family, type;
	int tx, rx, pipe[2];
	bool closed, shut, mutating;	/* mutating: sends the changing file */
	/* notifications */
	uint32_t issued;
	unsigned char seen[MAX_IDS];
	unsigned int dup, bad;
	/* TCP: what is in flight, in order, for the receiver to check */
	pthread_mutex_t lock;
	struct seg *q;
	size_t qhead, qtail, qcap;
	uint64_t seg_done;		/* bytes of q[qhead] already checked */
	unsigned char *pend;		/* received before their segment was recorded */
	size_t npend;
	atomic_bool stalled;
	uint64_t rx_bytes, rx_bad, rx_dgrams, rx_merged;
	atomic_bool rx_done;
};

static struct conn conns[NSOCK];
static int file_ok, file_mut;
static atomic_bool stop_rx;
static unsigned int rnd_state = 12345;
static bool no_zc;		/* ZC_STRESS_NOZC=1: the same calls without the flags */

static unsigned int rnd(void)
{
	return zc_rand(&rnd_state);
}

/*
 * The files' content: 8-byte words holding their own offset + 1, with the
 * top bit set in the file that is truncated and rewritten (whose holes
 * read as zero words).  So a word tells which file it came from, and zero
 * never comes from the unmodified one.
 */
#define MUT_TAG (1ULL << 63)

static uint64_t word_at(uint64_t off)
{
	return off + 1;
}

static void fill_file(int fd, uint64_t tag)
{
	uint64_t *buf = malloc(1 << 20);
	uint64_t off;
	int i;

	for (off = 0; off < FILE_BYTES; off += 1 << 20) {
		for (i = 0; i < (1 << 20) / 8; i++)
			buf[i] = word_at(off + i * 8) | tag;
		if (pwrite(fd, buf, 1 << 20, off) != 1 << 20)
			die("pwrite");
	}
	free(buf);
}

static void pair(struct conn *c)
{
	struct sockaddr_storage ss = {};
	socklen_t len;
	int l, one = 1, big = 4 << 20;

	if (c->family == AF_INET) {
		struct sockaddr_in *a = (void *)&ss;

		a->sin_family = AF_INET;
		a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		len = sizeof(*a);
	} else {
		struct sockaddr_in6 *a = (void *)&ss;

		a->sin6_family = AF_INET6;
		a->sin6_addr = in6addr_loopback;
		len = sizeof(*a);
	}
	l = socket(c->family, c->type, 0);
	if (l < 0 || bind(l, (void *)&ss, len) || getsockname(l, (void *)&ss, &len))
		die("bind");
	if (c->type == SOCK_STREAM && listen(l, 1))
		die("listen");
	c->tx = socket(c->family, c->type | SOCK_NONBLOCK, 0);
	if (c->tx < 0)
		die("socket");
	if (connect(c->tx, (void *)&ss, len) && errno != EINPROGRESS)
		die("connect");
	if (c->type == SOCK_STREAM) {
		c->rx = accept(l, NULL, NULL);
		close(l);
		if (c->rx < 0)
			die("accept");
	} else {
		c->rx = l;
	}
	setsockopt(c->rx, SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof(big));
	setsockopt(c->tx, SOL_SOCKET, SO_ZEROCOPY, &one, sizeof(one));
	if (pipe2(c->pipe, O_NONBLOCK) || fcntl(c->pipe[1], F_SETPIPE_SZ, 1 << 18) < 0)
		die("pipe");
	pthread_mutex_init(&c->lock, NULL);
	c->qcap = 1 << 16;
	c->q = calloc(c->qcap, sizeof(*c->q));
	if (c->type == SOCK_STREAM)
		c->pend = malloc(PEND_CAP);
}

static void reap(struct conn *c)
{
	for (;;) {
		char control[128];
		struct msghdr msg = { .msg_control = control,
				      .msg_controllen = sizeof(control) };
		struct sock_extended_err *serr;
		struct cmsghdr *cm;
		uint32_t id;

		if (recvmsg(c->tx, &msg, MSG_ERRQUEUE | MSG_DONTWAIT) < 0)
			return;
		cm = CMSG_FIRSTHDR(&msg);
		if (!cm) {
			c->bad++;
			continue;
		}
		serr = (void *)CMSG_DATA(cm);
		if (serr->ee_origin != SO_EE_ORIGIN_ZEROCOPY) {
			continue;	/* e.g. ICMP errors */
		}
		/* A range is [ee_info, ee_data] with no error; anything else,
		 * or an ID never issued, is bad (and ends the walk: the IDs
		 * stay far below UINT32_MAX, so the loop always stops).
		 */
		if (serr->ee_errno || serr->ee_data < serr->ee_info ||
		    serr->ee_data >= MAX_IDS) {
			c->bad++;
			continue;
		}
		for (id = serr->ee_info; id <= serr->ee_data; id++) {
			if (id >= c->issued)
				c->bad++;
			else if (c->seen[id]++)
				c->dup++;
		}
	}
}

/* ---- receivers ---------------------------------------------------------- */

/*
 * Check TCP stream bytes against the queue of segments sent.  Returns how
 * many bytes could be matched to recorded segments; called with c->lock.
 */
static size_t consume(struct conn *c, const unsigned char *buf, size_t n)
{
	size_t i = 0;

	while (i < n) {
		struct seg *s;
		uint64_t pos, w;
		size_t k;

		if (c->qhead == c->qtail)
			break;		/* its segment is not recorded yet */
		s = &c->q[c->qhead % c->qcap];
		pos = s->off + c->seg_done;
		k = s->len - c->seg_done;
		if (k > n - i)
			k = n - i;
		if (s->off != UINT64_MAX) {	/* UINT64_MAX: unchecked data */
			size_t j;

			for (j = 0; j < k; j++) {
				uint64_t p = pos + j;

				w = word_at(p & ~7ULL);
				if (buf[i + j] != ((unsigned char *)&w)[p & 7]) {
					c->rx_bad++;
					break;
				}
			}
		}
		i += k;
		c->seg_done += k;
		if (c->seg_done == s->len) {
			c->qhead++;
			c->seg_done = 0;
		}
	}
	return i;
}


/* Match what can be matched; keep the rest until the sender records it. */
static void check_stream(struct conn *c, const unsigned char *buf, size_t n)
{
	size_t k;

	pthread_mutex_lock(&c->lock);
	if (c->npend + n > PEND_CAP) {
		c->rx_bad++;	/* far more bytes than were sent */
		n = PEND_CAP - c->npend;
	}
	if (n)
		memcpy(c->pend + c->npend, buf, n);
	c->npend += n;
	k = consume(c, c->pend, c->npend);
	memmove(c->pend, c->pend + k, c->npend - k);
	c->npend -= k;
	pthread_mutex_unlock(&c->lock);
}

/*
 * UDP, unmodified file: every word of a datagram is a word of that file or of
 * a MSG_ZEROCOPY header (all ones).  Runs of consecutive file words may
 * break where a partial non-blocking send left a corked datagram that the
 * next call extended; that is sendfile()/splice() behaviour with or without
 * the series, counted but not an error.
 */
static void check_dgram(struct conn *c, const unsigned char *buf, size_t n)
{
	uint64_t w, prev = 0;
	size_t j;

	for (j = 0; j + 8 <= n; j += 8) {
		memcpy(&w, buf + j, 8);
		if (w == UINT64_MAX) {
			prev = 0;
			continue;
		}
		if (!w || (w & MUT_TAG) || (w - 1) % 8 || w - 1 >= FILE_BYTES) {
			if (c->rx_bad++ < 2)
				fprintf(stderr, "socket %d: datagram of %zu bytes: word at +%zu is %#llx\n",
					c->id, n, j, (unsigned long long)w);
			return;
		}
		if (prev && w != prev + 8)
			c->rx_merged++;
		prev = w;
	}
}

static void *rx_main(void *arg)
{
	unsigned char *buf = malloc(1 << 20);	/* one per thread */
	int base = (int)(intptr_t)arg, i;

	if (!buf)
		die("malloc");

	while (!stop_rx) {
		struct pollfd pfd[NSOCK / 2];
		int n = 0;

		for (i = base; i < NSOCK; i += 2) {
			pfd[n].fd = conns[i].stalled || conns[i].rx_done ? -1 : conns[i].rx;
			pfd[n++].events = POLLIN;
		}
		if (poll(pfd, n, 20) <= 0)
			continue;
		for (i = 0; i < n; i++) {
			struct conn *c = &conns[base + 2 * i];
			ssize_t r;

			if (!(pfd[i].revents & (POLLIN | POLLHUP)))
				continue;
			r = recv(c->rx, buf, 1 << 20, MSG_DONTWAIT);
			if (r == 0 && c->type == SOCK_STREAM) {
				c->rx_done = true;
				continue;
			}
			if (r <= 0)
				continue;
			c->rx_bytes += r;
			if (c->type == SOCK_STREAM) {
				check_stream(c, buf, r);
			} else {
				c->rx_dgrams++;
				if (!c->mutating)
					check_dgram(c, buf, r);
			}
		}
	}
	free(buf);
	return NULL;
}

/* ---- sender ------------------------------------------------------------- */

static void record(struct conn *c, uint64_t off, size_t len, bool checked)
{
	if (c->type != SOCK_STREAM)
		return;
	pthread_mutex_lock(&c->lock);
	if (c->qtail - c->qhead == c->qcap)
		die("segment queue full");
	c->q[c->qtail++ % c->qcap] = (struct seg){ checked ? off : UINT64_MAX, len };
	pthread_mutex_unlock(&c->lock);
}

static ssize_t one_call(struct conn *c, enum op op)
{
	size_t max = c->type == SOCK_STREAM ? 256 << 10 : 32 << 10;
	size_t len = (rnd() % max + 8) & ~7UL;
	off_t off = (rnd() % (FILE_BYTES - max)) & ~7UL;
	int file = c->mutating ? file_mut : file_ok;
	static unsigned char hdr[4096];
	ssize_t r, in;

	switch (op) {
	case OP_SENDFILE2:
		r = sendfile2(c->tx, file, &off, len, no_zc ? 0 : SENDFILE_ZC);
		if (r > 0)
			record(c, off - r, r, !c->mutating);
		return r;
	case OP_SPLICE:
		in = splice(file, &off, c->pipe[1], NULL, len, SPLICE_F_NONBLOCK);
		if (in <= 0)
			return in;
		r = splice(c->pipe[0], NULL, c->tx, NULL, in,
			   (no_zc ? 0 : SPLICE_F_ZC) | SPLICE_F_NONBLOCK);
		if (r > 0)
			record(c, off - in, r, !c->mutating);
		if (r < in) {	/* drop what did not go: keep the pipe empty */
			static char sink[1 << 18];
			ssize_t left = in - (r > 0 ? r : 0);

			while (left > 0) {
				ssize_t n = read(c->pipe[0], sink, left);

				if (n <= 0)
					break;
				left -= n;
			}
		}
		return r;
	default:
		memset(hdr, 0xff, sizeof(hdr));
		len = 8 + (rnd() % (sizeof(hdr) - 8) & ~7UL);
		r = send(c->tx, hdr, len, no_zc ? 0 : MSG_ZEROCOPY);
		if (r > 0)
			record(c, 0, r, false);
		return r;
	}
}

static uint32_t optmem(int fd)
{
	uint32_t mem[SK_MEMINFO_VARS];
	socklen_t len = sizeof(mem);

	if (getsockopt(fd, SOL_SOCKET, SO_MEMINFO, mem, &len))
		die("SO_MEMINFO");
	return mem[SK_MEMINFO_OPTMEM];
}

int main(int argc, char **argv)
{
	unsigned long target = argc > 1 ? strtoul(argv[1], NULL, 0) : 12000;
	double cap = argc > 2 ? atof(argv[2]) : 180, t0 = now_s(), t;
	unsigned long calls = 0, ok = 0, eagain = 0, enobufs = 0, other = 0;
	unsigned long ids = 0, notified = 0, closed = 0, shut = 0, mutations = 0;
	unsigned long failures = 0;
	pthread_t rx[2];
	int i;

	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGPIPE, SIG_IGN);	/* EPIPE after shutdown(), not a signal */
	no_zc = getenv("ZC_STRESS_NOZC") && atoi(getenv("ZC_STRESS_NOZC"));
	file_ok = memfd_create("ok", 0);
	file_mut = memfd_create("mutating", 0);
	if (file_ok < 0 || file_mut < 0)
		die("memfd");
	fill_file(file_ok, 0);
	fill_file(file_mut, MUT_TAG);
	for (i = 0; i < NSOCK; i++) {
		struct conn *c = &conns[i];

		c->id = i;
		c->type = i % 4 < 2 ? SOCK_STREAM : SOCK_DGRAM;
		c->family = i % 2 ? AF_INET6 : AF_INET;
		c->mutating = i % 8 == 7;
		pair(c);
	}
	for (i = 0; i < 2; i++)
		pthread_create(&rx[i], NULL, rx_main, (void *)(intptr_t)i);

	while (calls < target && (t = now_s()) - t0 < cap) {
		struct conn *c = &conns[rnd() % NSOCK];
		unsigned int dice = rnd() % 1000;
		ssize_t r;

		if (c->closed)
			continue;
		if (dice < 2 && closed < 6) {
			/* close early, notifications possibly pending */
			close(c->tx);
			c->closed = true;
			closed++;
			continue;
		}
		if (dice < 4 && !c->shut && shut < 6) {
			shutdown(c->tx, SHUT_WR);
			c->shut = true;
			shut++;
			continue;
		}
		if (dice < 20) {
			c->stalled = !c->stalled;	/* stall or resume */
			continue;
		}
		if (dice < 40) {
			/* truncate and rewrite the file that is in flight */
			if (ftruncate(file_mut, rnd() % FILE_BYTES) ||
			    ftruncate(file_mut, FILE_BYTES))
				die("ftruncate");
			mutations++;
			continue;
		}
		r = one_call(c, rnd() % 3);
		calls++;
		if (r > 0) {
			ok++;
			if (c->issued == MAX_IDS)
				die("too many IDs on one socket");
			c->issued += !no_zc;
		} else if (r < 0 && errno == EAGAIN) {
			eagain++;
		} else if (r < 0 && errno == ENOBUFS) {
			enobufs++;
		} else if (r < 0 && (errno == EPIPE || errno == ECONNREFUSED) && c->shut) {
			/* after shutdown(SHUT_WR) */
		} else if (r != 0) {
			other++;
			printf("socket %d: unexpected errno %d (%s)\n", c->id, errno, strerror(errno));
		}
		if (calls % 64 == 0)
			reap(c);
		if (calls % 2000 == 0)
			printf("  %lu calls, %.0f s\n", calls, now_s() - t0);
	}

	/* resume everything, drain, then collect every notification */
	for (i = 0; i < NSOCK; i++)
		conns[i].stalled = false;
	for (i = 0; i < NSOCK; i++) {
		struct conn *c = &conns[i];
		double end = now_s() + 30;
		uint32_t id, got;

		if (c->closed)
			continue;
		do {
			reap(c);
			for (got = 0, id = 0; id < c->issued; id++)
				got += !!c->seen[id];
			if (got == c->issued)
				break;
			usleep(10000);
		} while (now_s() < end);
		ids += c->issued;
		notified += got;
		if (got != c->issued || c->dup || c->bad) {
			printf("socket %d (%s%s): %u IDs issued, %u notified, %u duplicates, %u unknown\n",
			       i, c->type == SOCK_STREAM ? "tcp" : "udp",
			       c->family == AF_INET ? "4" : "6", c->issued, got, c->dup, c->bad);
			failures++;
		}
		if (optmem(c->tx)) {
			printf("socket %d: optmem %u after all notifications were read\n",
			       i, optmem(c->tx));
			failures++;
		}
	}
	/* TCP: every byte sent arrived, exactly */
	for (i = 0; i < NSOCK; i++) {
		struct conn *c = &conns[i];
		double end = now_s() + 30;

		if (c->type != SOCK_STREAM || c->closed)
			continue;
		while (c->qhead != c->qtail && now_s() < end) {
			check_stream(c, NULL, 0);
			usleep(10000);
		}
		if (c->qhead != c->qtail || c->npend || c->rx_bad) {
			printf("socket %d: stream %s, %lu bad\n", i,
			       c->qhead != c->qtail ? "incomplete" : "complete",
			       (unsigned long)c->rx_bad);
			failures++;
		}
	}
	for (i = 0; i < NSOCK; i++) {
		if (conns[i].type == SOCK_DGRAM && conns[i].rx_bad) {
			printf("socket %d: %lu corrupt datagrams\n", i,
			       (unsigned long)conns[i].rx_bad);
			failures++;
		}
	}
	stop_rx = true;
	for (i = 0; i < 2; i++)
		pthread_join(rx[i], NULL);

	{
		unsigned long merged = 0;

		for (i = 0; i < NSOCK; i++)
			merged += conns[i].rx_merged;
		printf("zc_stress: %lu UDP datagrams extended by a later call after a partial send\n",
		       merged);
	}
	printf("zc_stress: %lu calls in %.1f s (%lu queued data, %lu EAGAIN, %lu ENOBUFS, %lu other errors); "
	       "%lu IDs on open sockets, %lu notified; %lu sockets closed early, %lu shut down; "
	       "%lu truncations of the in-flight file\n",
	       calls, now_s() - t0, ok, eagain, enobufs, other, ids, notified, closed, shut,
	       mutations);
	if (calls < target) {
		printf("zc_stress: time cap reached before %lu calls\n", target);
		failures++;
	}
	/* A run where most calls queued nothing did not stress anything. */
	if (ok < calls / 2) {
		printf("zc_stress: only %lu of %lu calls queued data\n", ok, calls);
		failures++;
	}
	printf("zc_stress: %s\n", failures || other ? "FAILED" : "OK");
	return failures || other;
}
