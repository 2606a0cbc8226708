// SPDX-License-Identifier: GPL-2.0
/*
 * zc_bench: file -> socket transfer, eight ways, side by side.
 *
 *   zc_bench recv PORT
 *	drain TCP connections and UDP datagrams on PORT until killed
 *
 *   zc_bench send ADDR PORT tcp|udp SIZE SECONDS MODE...
 *	for each MODE, send a page-cache file in SIZE-byte calls for SECONDS
 *	and print one CSV line:
 *	mode,proto,size,bytes,seconds,cpu_s,syscalls,errq_reads,ids,copied,lag_p50_us,lag_p99_us,enobufs
 *	(syscalls counts every system call of the sender, error queue reads and
 *	polls included; errq_reads the reads that returned a notification)
 *
 * Modes: sendfile sendfile2_zc splice_zc read_send read_msgzc uring_sendzc
 * uring_splice uring_splice_zc.  Notified modes keep at most a window of
 * calls outstanding: WINDOW_BYTES (as much as a TCP send buffer holds) but
 * at least WINDOW_MIN and at most WINDOW_MAX calls.  Like an event loop that
 * reads the error queue (or the CQ ring) when it has to, they reap
 * notifications only when the window is full, until at most half of it is
 * outstanding; the buffer modes reuse a buffer
 * only after its notification, which is what makes them safe.  The lag of a
 * notification is measured from the return of its call to the moment the
 * program read it, so it includes that batching.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <liburing.h>
#include <linux/errqueue.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "sendfile2.h"
#include "zc_util.h"

/* uapi values newer than Debian 12's liburing headers */
#ifndef IORING_SEND_ZC_REPORT_USAGE
#define IORING_SEND_ZC_REPORT_USAGE	(1U << 3)
#endif
#ifndef IORING_NOTIF_USAGE_ZC_COPIED
#define IORING_NOTIF_USAGE_ZC_COPIED	(1U << 31)
#endif

#define WINDOW_BYTES	(4 << 20)	/* outstanding notified bytes, at most */
#define WINDOW_MIN	64		/* ... but this many calls in any case */
#define WINDOW_MAX	1024
static unsigned int window, low_water;	/* of the current run, in calls */
#define FILE_BYTES	(32 << 20)	/* the file that is sent, in a loop */
#define MAX_LAGS	(1 << 20)

/* ---- receiver ----------------------------------------------------------- */

static __attribute__((noreturn)) void do_recv(int port)
{
	struct sockaddr_in6 a = { .sin6_family = AF_INET6, .sin6_port = htons(port) };
	int l = socket(AF_INET6, SOCK_STREAM, 0), u = socket(AF_INET6, SOCK_DGRAM, 0);
	int one = 1, big = 8 << 20, n = 2;
	struct pollfd pfd[64];
	static char buf[1 << 20];

	setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	setsockopt(u, SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof(big));
	if (bind(l, (void *)&a, sizeof(a)) || listen(l, 16) ||
	    bind(u, (void *)&a, sizeof(a)))
		die("receiver");
	pfd[0] = (struct pollfd){ .fd = l, .events = POLLIN };
	pfd[1] = (struct pollfd){ .fd = u, .events = POLLIN };
	for (;;) {
		int i;

		if (poll(pfd, n, -1) < 0)
			continue;
		if ((pfd[0].revents & POLLIN) && n < 64) {
			int c = accept(l, NULL, NULL);

			if (c >= 0)
				pfd[n++] = (struct pollfd){ .fd = c, .events = POLLIN };
		}
		for (i = 1; i < n; i++) {
			ssize_t r;

			if (!pfd[i].revents)
				continue;
			r = recv(pfd[i].fd, buf, sizeof(buf), MSG_DONTWAIT | MSG_TRUNC);
			if (r == 0 && i > 1) {
				close(pfd[i].fd);
				pfd[i--] = pfd[--n];
			}
		}
	}
}

/* ---- notification bookkeeping ------------------------------------------ */

struct zc {
	uint32_t issued;		/* IDs handed out so far */
	uint32_t done;			/* IDs below this are all released */
	unsigned char *seen;		/* per ID: released */
	uint64_t *t_issue;		/* per ID: when the call returned */
	uint32_t cap;
	uint64_t errq_reads, errq_calls, copied, ids;
	uint32_t *lags_us;
	size_t nlags;
};

/*
 * Zeroed memory, populated now: the bookkeeping must not take page faults
 * inside the timed loop, where they would be charged to the notified modes.
 */
static void *zc_alloc(size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);

	if (p == MAP_FAILED)
		die("mmap");
	return p;
}

static void zc_init(struct zc *z)
{
	memset(z, 0, sizeof(*z));
	z->cap = 1 << 22;
	z->seen = zc_alloc(z->cap);
	z->t_issue = zc_alloc(z->cap * sizeof(uint64_t));
	z->lags_us = zc_alloc(MAX_LAGS * sizeof(uint32_t));
}

static void zc_free(struct zc *z)
{
	munmap(z->seen, z->cap);
	munmap(z->t_issue, z->cap * sizeof(uint64_t));
	munmap(z->lags_us, MAX_LAGS * sizeof(uint32_t));
}

static void zc_issue(struct zc *z)
{
	if (z->issued == z->cap)
		die("too many calls");
	z->t_issue[z->issued++] = now_ns();
}

static void zc_release(struct zc *z, uint32_t lo, uint32_t hi, bool copied)
{
	uint64_t t = now_ns();
	uint32_t id;

	for (id = lo; id <= hi && id < z->issued; id++) {
		if (z->seen[id])
			continue;
		z->seen[id] = 1;
		z->ids++;
		z->copied += copied;
		if (z->nlags < MAX_LAGS)
			z->lags_us[z->nlags++] = (t - z->t_issue[id]) / 1000;
	}
	while (z->done < z->issued && z->seen[z->done])
		z->done++;
}

/* Read the error queue; block up to @ms for the first message. */
static void zc_reap(int fd, struct zc *z, int ms)
{
	struct pollfd pfd = { .fd = fd };

	if (ms) {
		z->errq_calls++;
		if (poll(&pfd, 1, ms) <= 0)
			return;
	}
	for (;;) {
		char control[128];
		struct msghdr msg = { .msg_control = control,
				      .msg_controllen = sizeof(control) };
		struct sock_extended_err *serr;
		struct cmsghdr *cm;

		z->errq_calls++;
		if (recvmsg(fd, &msg, MSG_ERRQUEUE | MSG_DONTWAIT) < 0)
			return;
		z->errq_reads++;
		cm = CMSG_FIRSTHDR(&msg);
		if (!cm)
			continue;
		serr = (void *)CMSG_DATA(cm);
		if (serr->ee_origin != SO_EE_ORIGIN_ZEROCOPY || serr->ee_errno)
			continue;
		zc_release(z, serr->ee_info, serr->ee_data,
			   serr->ee_code & SO_EE_CODE_ZEROCOPY_COPIED);
	}
}

/* Wait until at most @max calls are outstanding. */
static void zc_window(int fd, struct zc *z, uint32_t max)
{
	while (z->issued - z->done > max)
		zc_reap(fd, z, 1000);
}

/* Room for one more call: reap only when the window is full. */
static void zc_room(int fd, struct zc *z)
{
	if (z->issued - z->done < window)
		return;
	zc_reap(fd, z, 0);
	zc_window(fd, z, low_water);
}

/* ---- sender ------------------------------------------------------------- */

enum mode { SENDFILE, SENDFILE2_ZC, SPLICE_ZC, READ_SEND, READ_MSGZC,
	    URING_SENDZC, URING_SPLICE, URING_SPLICE_ZC, NMODES };
static const char *const mode_name[NMODES] = {
	"sendfile", "sendfile2_zc", "splice_zc", "read_send", "read_msgzc",
	"uring_sendzc", "uring_splice", "uring_splice_zc",
};

static bool is_uring(enum mode m)
{
	return m == URING_SENDZC || m == URING_SPLICE || m == URING_SPLICE_ZC;
}

struct run {
	int sock, file, pipe[2];
	size_t size;
	off_t off;
	uint64_t bytes, syscalls, enobufs;
	struct zc z;
	char *buf[WINDOW_MAX];
	struct io_uring ring;
};

static int connect_to(const char *addr, int port, int type)
{
	struct sockaddr_storage ss = {};
	socklen_t len;
	int fd, one = 1;

	if (strchr(addr, ':')) {
		struct sockaddr_in6 *a = (void *)&ss;

		a->sin6_family = AF_INET6;
		a->sin6_port = htons(port);
		inet_pton(AF_INET6, addr, &a->sin6_addr);
		len = sizeof(*a);
	} else {
		struct sockaddr_in *a = (void *)&ss;

		a->sin_family = AF_INET;
		a->sin_port = htons(port);
		inet_pton(AF_INET, addr, &a->sin_addr);
		len = sizeof(*a);
	}
	fd = socket(ss.ss_family, type, 0);
	if (fd < 0 || connect(fd, (void *)&ss, len))
		die("connect");
	setsockopt(fd, SOL_SOCKET, SO_ZEROCOPY, &one, sizeof(one));
	return fd;
}

/* The next file offset: the file is sent over and over. */
static off_t next_off(struct run *r)
{
	off_t o = r->off;

	r->off += r->size;
	if (r->off + (off_t)r->size > FILE_BYTES)
		r->off = 0;
	return o;
}

static ssize_t xread(int fd, char *buf, size_t len, off_t off)
{
	ssize_t n = pread(fd, buf, len, off);

	if (n != (ssize_t)len)
		die("pread");
	return n;
}

/* One call of the mode; returns bytes sent. */
static ssize_t step(struct run *r, enum mode m)
{
	off_t off = next_off(r);
	char *b = r->buf[r->z.issued % window];
	ssize_t n;

	switch (m) {
	case SENDFILE:
		r->syscalls++;
		return sendfile(r->sock, r->file, &off, r->size);
	case SENDFILE2_ZC:
		zc_room(r->sock, &r->z);
		r->syscalls++;
		n = sendfile2(r->sock, r->file, &off, r->size, SENDFILE_ZC);
		if (n > 0)
			zc_issue(&r->z);
		return n;
	case SPLICE_ZC:
		zc_room(r->sock, &r->z);
		r->syscalls += 2;
		n = splice(r->file, &off, r->pipe[1], NULL, r->size, 0);
		if (n != (ssize_t)r->size)
			die("splice in");
		n = splice(r->pipe[0], NULL, r->sock, NULL, r->size, SPLICE_F_ZC);
		if (n != (ssize_t)r->size)
			die("splice out");
		zc_issue(&r->z);
		return n;
	case READ_SEND:
		r->syscalls += 2;
		xread(r->file, r->buf[0], r->size, off);
		return send(r->sock, r->buf[0], r->size, 0);
	case READ_MSGZC:
		/* this buffer's previous send must be released first */
		zc_room(r->sock, &r->z);
		b = r->buf[r->z.issued % window];
		r->syscalls += 2;
		xread(r->file, b, r->size, off);
		n = send(r->sock, b, r->size, MSG_ZEROCOPY);
		if (n > 0)
			zc_issue(&r->z);
		return n;
	default:
		return -1;
	}
}

/* Take one CQE; a notification releases the ID in its user_data. */
static struct io_uring_cqe *uring_cqe(struct run *r)
{
	struct io_uring_cqe *cqe;

	if (io_uring_wait_cqe(&r->ring, &cqe))
		die("cqe");
	if (cqe->flags & IORING_CQE_F_NOTIF)
		zc_release(&r->z, cqe->user_data, cqe->user_data,
			   cqe->res & IORING_NOTIF_USAGE_ZC_COPIED);
	return cqe;
}

/* Room for one more request: reap notification CQEs only when full. */
static void uring_room(struct run *r)
{
	if (r->z.issued - r->z.done < window)
		return;
	while (r->z.issued - r->z.done > low_water) {
		struct io_uring_cqe *cqe;

		if (io_uring_peek_cqe(&r->ring, &cqe)) {
			r->syscalls++;	/* io_uring_enter() to wait */
			cqe = uring_cqe(r);
		} else if (cqe->flags & IORING_CQE_F_NOTIF) {
			zc_release(&r->z, cqe->user_data, cqe->user_data,
				   cqe->res & IORING_NOTIF_USAGE_ZC_COPIED);
		}
		io_uring_cqe_seen(&r->ring, cqe);
	}
}

/*
 * io_uring: file -> pipe -> socket, the second splice with SPLICE_F_ZC
 * (a notification CQE per request); or read into a registered buffer,
 * then SEND_ZC from it.
 */
static ssize_t step_uring(struct run *r, enum mode m)
{
	struct io_uring_cqe *cqe;
	struct io_uring_sqe *sqe;
	off_t off = next_off(r);
	ssize_t sent = -1;
	int slot, pending;

	if (m == URING_SPLICE_ZC) {
		uring_room(r);
		sqe = io_uring_get_sqe(&r->ring);
		io_uring_prep_splice(sqe, r->file, off, r->pipe[1], -1, r->size, 0);
		sqe->flags |= IOSQE_IO_LINK;
		sqe->user_data = UINT64_MAX;
		sqe = io_uring_get_sqe(&r->ring);
		io_uring_prep_splice(sqe, r->pipe[0], -1, r->sock, -1, r->size,
				     SPLICE_F_ZC);
		sqe->user_data = r->z.issued;
		r->syscalls++;
		io_uring_submit_and_wait(&r->ring, 2);
		for (pending = 2; pending;) {
			cqe = uring_cqe(r);
			if (!(cqe->flags & IORING_CQE_F_NOTIF)) {
				if (cqe->user_data != UINT64_MAX) {
					sent = cqe->res;
					if (cqe->flags & IORING_CQE_F_MORE)
						zc_issue(&r->z);
				}
				pending--;
			}
			io_uring_cqe_seen(&r->ring, cqe);
		}
		return sent;
	}

	if (m == URING_SPLICE) {
		sqe = io_uring_get_sqe(&r->ring);
		io_uring_prep_splice(sqe, r->file, off, r->pipe[1], -1, r->size, 0);
		sqe->flags |= IOSQE_IO_LINK;
		sqe = io_uring_get_sqe(&r->ring);
		io_uring_prep_splice(sqe, r->pipe[0], -1, r->sock, -1, r->size, 0);
		r->syscalls++;
		io_uring_submit_and_wait(&r->ring, 2);
		for (pending = 2; pending; pending--) {
			if (io_uring_wait_cqe(&r->ring, &cqe))
				die("cqe");
			sent = cqe->res;
			io_uring_cqe_seen(&r->ring, cqe);
		}
		return sent;
	}

	/* URING_SENDZC: slot reuse waits for its notification CQE */
	uring_room(r);
	slot = r->z.issued % window;
	sqe = io_uring_get_sqe(&r->ring);
	io_uring_prep_read_fixed(sqe, r->file, r->buf[slot], r->size, off, slot);
	sqe->flags |= IOSQE_IO_LINK;
	sqe->user_data = UINT64_MAX;
	sqe = io_uring_get_sqe(&r->ring);
	io_uring_prep_send_zc_fixed(sqe, r->sock, r->buf[slot], r->size, 0,
				    IORING_SEND_ZC_REPORT_USAGE, slot);
	sqe->user_data = r->z.issued;
	zc_issue(&r->z);
	r->syscalls++;
	io_uring_submit_and_wait(&r->ring, 2);
	/* the read and the send results; notifications come later */
	for (pending = 2; pending;) {
		cqe = uring_cqe(r);
		if (!(cqe->flags & IORING_CQE_F_NOTIF)) {
			if (cqe->user_data != UINT64_MAX)
				sent = cqe->res;
			pending--;
		}
		io_uring_cqe_seen(&r->ring, cqe);
	}
	return sent;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static double cpu_s(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_utime.tv_sec + ru.ru_stime.tv_sec +
	       (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

static void run_mode(const char *addr, int port, int type, size_t size,
		     double secs, enum mode m, int file)
{
	struct run r = { .file = file, .size = size };
	struct iovec iov[WINDOW_MAX];
	double c0, c1;
	uint64_t t0, t1, tend;
	unsigned int i;
	int big = 1 << 20;

	window = WINDOW_BYTES / size;
	window = window < WINDOW_MIN ? WINDOW_MIN :
		 window > WINDOW_MAX ? WINDOW_MAX : window;
	low_water = window / 2;
	zc_init(&r.z);
	r.sock = connect_to(addr, port, type);
	if (pipe(r.pipe) || fcntl(r.pipe[1], F_SETPIPE_SZ, big) < 0)
		die("pipe");
	for (i = 0; i < window; i++) {
		r.buf[i] = aligned_alloc(4096, size);
		if (!r.buf[i])
			die("alloc");
		memset(r.buf[i], 0, size);
		iov[i] = (struct iovec){ r.buf[i], size };
	}
	if (is_uring(m)) {
		if (io_uring_queue_init(64, &r.ring, 0))
			die("io_uring");
		if (io_uring_register_buffers(&r.ring, iov, window))
			die("register buffers");
	}

	c0 = cpu_s();
	t0 = now_ns();
	tend = t0 + secs * 1e9;
	while (now_ns() < tend) {
		ssize_t n = is_uring(m) ? step_uring(&r, m) : step(&r, m);

		if (n < 0 && errno != EAGAIN && errno != ENOBUFS)
			die(mode_name[m]);
		if (n > 0)
			r.bytes += n;
		/* Option memory is full of completions and notifications:
		 * read notifications, as the man page says, before trying
		 * again (io_uring's notifications are not charged there).
		 */
		if (n < 0 && errno == ENOBUFS && !is_uring(m)) {
			r.enobufs++;
			zc_reap(r.sock, &r.z, 0);
			zc_window(r.sock, &r.z, (r.z.issued - r.z.done) / 2);
		}
	}
	/* all notifications in, so the data is safe to change */
	if (m == URING_SENDZC || m == URING_SPLICE_ZC) {
		while (r.z.done < r.z.issued)
			io_uring_cqe_seen(&r.ring, uring_cqe(&r));
	} else {
		zc_window(r.sock, &r.z, 0);
	}
	t1 = now_ns();
	c1 = cpu_s();

	qsort(r.z.lags_us, r.z.nlags, sizeof(uint32_t), cmp_u32);
	printf("%s,%s,%zu,%llu,%.4f,%.4f,%llu,%llu,%llu,%llu,%u,%u,%llu\n",
	       mode_name[m], type == SOCK_STREAM ? "tcp" : "udp", size,
	       (unsigned long long)r.bytes, (t1 - t0) / 1e9, c1 - c0,
	       (unsigned long long)(r.syscalls + r.z.errq_calls),
	       (unsigned long long)r.z.errq_reads,
	       (unsigned long long)r.z.ids, (unsigned long long)r.z.copied,
	       r.z.nlags ? r.z.lags_us[r.z.nlags / 2] : 0,
	       r.z.nlags ? r.z.lags_us[r.z.nlags * 99 / 100] : 0,
	       (unsigned long long)r.enobufs);
	fflush(stdout);

	if (is_uring(m))
		io_uring_queue_exit(&r.ring);
	for (i = 0; i < window; i++)
		free(r.buf[i]);
	close(r.pipe[0]);
	close(r.pipe[1]);
	close(r.sock);
	zc_free(&r.z);
}

int main(int argc, char **argv)
{
	int file, i, m;
	char *chunk;

	signal(SIGPIPE, SIG_IGN);
	if (argc == 3 && !strcmp(argv[1], "recv"))
		do_recv(atoi(argv[2]));
	if (argc < 8 || strcmp(argv[1], "send")) {
		fprintf(stderr, "usage: %s recv PORT | send ADDR PORT tcp|udp SIZE SECONDS MODE...\n",
			argv[0]);
		return 2;
	}

	/* a file in the page cache */
	file = memfd_create("zc_bench", 0);
	chunk = malloc(1 << 20);
	if (file < 0 || !chunk)
		die("file");
	memset(chunk, 'x', 1 << 20);
	for (i = 0; i < FILE_BYTES >> 20; i++)
		if (write(file, chunk, 1 << 20) != 1 << 20)
			die("write");
	free(chunk);

	if (!strtoul(argv[5], NULL, 0)) {
		fprintf(stderr, "the size per call must be at least 1 byte\n");
		return 2;
	}
	for (i = 7; i < argc; i++) {
		for (m = 0; m < NMODES; m++)
			if (!strcmp(argv[i], mode_name[m]))
				break;
		if (m == NMODES) {
			fprintf(stderr, "unknown mode %s\n", argv[i]);
			return 2;
		}
		run_mode(argv[2], atoi(argv[3]),
			 strcmp(argv[4], "udp") ? SOCK_STREAM : SOCK_DGRAM,
			 strtoul(argv[5], NULL, 0), atof(argv[6]), m, file);
	}
	return 0;
}
