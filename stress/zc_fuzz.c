// SPDX-License-Identifier: GPL-2.0
/*
 * zc_fuzz: bad input for sendfile2() and splice(SPLICE_F_ZC).
 *
 * Random flags, descriptors (closed numbers, pipes, files, directories,
 * eventfd, /dev/null, sockets of many families, connected or not), offsets
 * (NULL, negative, beyond EOF, unaligned, bad pointers) and counts (0,
 * small, huge).  Every call must succeed or fail with an errno from the
 * documented list.  At the end, once every socket was drained, the option
 * memory of every inet socket (SO_MEMINFO, SK_MEMINFO_OPTMEM: where the
 * completions are charged) must be back where it was before the first call,
 * so a completion that is never released is caught.  The kernel log is
 * checked by the caller.
 *
 * With -F, each call under test runs with /proc/self/make-it-fail set, so
 * that failslab and fail_page_alloc (configured by the caller, with
 * task-filter) fail allocations inside the calls and nowhere else; the run
 * fails if no call saw ENOMEM or ENOBUFS, i.e. if the injection missed.
 *
 * Usage: zc_fuzz [-F] [CALLS [SEED]]   (default 100000 calls)
 * Exit status 0 when no call returned an unexpected errno and no option
 * memory was left charged.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "sendfile2.h"
#include "zc_util.h"

/*
 * sendfile(2), splice(2) and send(2) errors, and the ones the series adds
 * (EINVAL, EOPNOTSUPP, ENOBUFS).  EINTR: the watchdog timer interrupts
 * calls that would block.
 */
static const int allowed[] = {
	EBADF, EINVAL, EOPNOTSUPP, ENOBUFS, EAGAIN, ESPIPE, EFAULT, EPIPE,
	ENOTCONN, EOVERFLOW, EISDIR, EDESTADDRREQ, ECONNREFUSED, EMSGSIZE,
	EINTR, ECONNRESET, ENOMEM, EIO, ENOTSOCK, EPERM, EACCES,
	ENETUNREACH, EHOSTUNREACH, EAFNOSUPPORT,
	ENXIO,		/* an unbound AF_PACKET socket's sendmsg(), as for sendfile() */
};

#define NFDS 40
static int fds[NFDS], nfds;
static unsigned int base_optmem[NFDS];	/* before the first call */
static unsigned int seed = 1;
static char *bad_page;

static unsigned int rnd(void)
{
	return zc_rand(&seed);
}

static void add(int fd)
{
	if (fd >= 0 && nfds < NFDS)
		fds[nfds++] = fd;
}

/* The call in progress, for the watchdog to name if it gets stuck. */
static char current[160];
static volatile unsigned long cur_n, seen_n, ticks, stuck;

static void on_alarm(int sig)
{
	if (cur_n != seen_n) {
		seen_n = cur_n;
		ticks = 0;
	} else if (++ticks == 250) {	/* 5 s on one call: a failure */
		stuck++;
		write(2, "zc_fuzz: stuck in ", 18);
		write(2, current, strlen(current));
	}
}

static void inet_pair(int family, int type, int nonblock)
{
	struct sockaddr_storage ss = {};
	socklen_t len = family == AF_INET ? sizeof(struct sockaddr_in) :
					    sizeof(struct sockaddr_in6);
	int l, c;

	ss.ss_family = family;
	if (family == AF_INET)
		((struct sockaddr_in *)&ss)->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	else
		((struct sockaddr_in6 *)&ss)->sin6_addr = in6addr_loopback;
	l = socket(family, type, 0);
	if (l < 0 || bind(l, (void *)&ss, len) || getsockname(l, (void *)&ss, &len))
		return;
	if (type == SOCK_STREAM)
		listen(l, 4);
	c = socket(family, type | (nonblock ? SOCK_NONBLOCK : 0), 0);
	connect(c, (void *)&ss, len);
	add(c);
	if (type == SOCK_STREAM) {
		add(accept(l, NULL, NULL));
		add(l);		/* a listening socket */
	} else {
		add(l);
	}
}

static void setup(void)
{
	int p[2], sv[2], i;
	char buf[4096];
	int f;

	f = memfd_create("fuzz", 0);
	memset(buf, 'z', sizeof(buf));
	for (i = 0; i < 64; i++)
		write(f, buf, sizeof(buf));
	add(f);
	add(open("/dev/null", O_RDWR));
	add(open("/", O_RDONLY | O_DIRECTORY));
	add(open("/proc/self/status", O_RDONLY));
	add(eventfd(0, EFD_NONBLOCK));
	if (!pipe2(p, O_NONBLOCK)) {
		add(p[0]);
		add(p[1]);
	}
	if (!pipe(p)) {		/* a blocking pipe; the watchdog ends waits */
		add(p[0]);
		add(p[1]);
	}
	if (!socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv)) {
		add(sv[0]);
		add(sv[1]);
	}
	if (!socketpair(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0, sv))
		add(sv[0]);
	inet_pair(AF_INET, SOCK_STREAM, 1);
	inet_pair(AF_INET6, SOCK_STREAM, 1);
	inet_pair(AF_INET, SOCK_DGRAM, 1);
	inet_pair(AF_INET6, SOCK_DGRAM, 0);
	add(socket(AF_INET, SOCK_STREAM, 0));		/* not connected */
	add(socket(AF_INET6, SOCK_DGRAM, 0));		/* no destination */
	add(socket(AF_INET, SOCK_RAW, IPPROTO_UDP));
	add(socket(AF_INET, SOCK_DGRAM, IPPROTO_UDPLITE));
	add(socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE));
	add(socket(AF_PACKET, SOCK_DGRAM, 0));
	add(socket(AF_INET, SOCK_DGRAM, IPPROTO_ICMP));
	bad_page = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
}

static int pick_fd(void)
{
	switch (rnd() % 10) {
	case 0:
		return -1;
	case 1:
		return 1000 + rnd() % 100;	/* not open */
	default:
		return fds[rnd() % nfds];
	}
}

static unsigned int pick_flags(int splice_call)
{
	unsigned int zc = splice_call ? SPLICE_F_ZC : SENDFILE_ZC;

	switch (rnd() % 6) {
	case 0:
		return 0;
	case 1:
	case 2:
		return zc;
	case 3:
		return zc | (splice_call ? SPLICE_F_NONBLOCK | SPLICE_F_MORE : 0);
	case 4:
		return 1u << (rnd() % 32);
	default:
		return rnd() | (rnd() << 16);
	}
}

static size_t pick_count(void)
{
	switch (rnd() % 6) {
	case 0:
		return 0;
	case 1:
		return SIZE_MAX - rnd() % 10;
	case 2:
		return 1ULL << (rnd() % 40);
	default:
		return rnd() % 70000;
	}
}

static off_t *pick_off(off_t *o)
{
	switch (rnd() % 7) {
	case 0:
		return NULL;
	case 1:
		return (off_t *)bad_page;
	case 2:
		*o = -(off_t)(rnd() % 100) - 1;
		return o;
	case 3:
		*o = (off_t)1 << (rnd() % 63);
		return o;
	default:
		*o = rnd() % 300000;
		return o;
	}
}

static int is_inet(int fd)
{
	socklen_t len = sizeof(int);
	int dom;

	return !getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &dom, &len) &&
	       (dom == AF_INET || dom == AF_INET6);
}

static unsigned int optmem(int fd)
{
	unsigned int mem[SK_MEMINFO_VARS];
	socklen_t len = sizeof(mem);

	if (getsockopt(fd, SOL_SOCKET, SO_MEMINFO, mem, &len))
		return 0;
	return mem[SK_MEMINFO_OPTMEM];
}

/* Read an inet socket's error queue, as an application would. */
static void drain_errqueue(int fd)
{
	char c[256];
	int k;

	for (k = 0; k < 1000; k++) {
		struct msghdr m = { .msg_control = c, .msg_controllen = sizeof(c) };

		if (recvmsg(fd, &m, MSG_ERRQUEUE | MSG_DONTWAIT) < 0)
			break;
	}
}

/* Read what is queued on an inet socket and its error queue. */
static void drain(int fd)
{
	static char buf[65536];
	int k;

	for (k = 0; k < 1000; k++)
		if (recv(fd, buf, sizeof(buf), MSG_DONTWAIT) <= 0)
			break;
	drain_errqueue(fd);
}

/*
 * Drain every inet socket until each one's option memory is back to its
 * value before the first call: every completion was released and its
 * notification read.  TCP data still queued (a receiver that never read)
 * goes out once the peer reads, so this may take a few rounds.
 */
static int check_optmem(void)
{
	int i, round, left = 0;

	for (round = 0; round < 1000; round++) {	/* up to ~10 s */
		left = 0;
		for (i = 0; i < nfds; i++) {
			if (!is_inet(fds[i]))
				continue;
			drain(fds[i]);
			left += optmem(fds[i]) != base_optmem[i];
		}
		if (!left)
			return 0;
		usleep(10000);
	}
	for (i = 0; i < nfds; i++)
		if (is_inet(fds[i]) && optmem(fds[i]) != base_optmem[i])
			printf("fd %d: %u bytes of option memory charged, %u before the first call\n",
			       fds[i], optmem(fds[i]), base_optmem[i]);
	return left;
}

int main(int argc, char **argv)
{
	unsigned long calls, n, okc = 0, errs[256] = {}, bad = 0;
	int inject = 0, mif = -1, leaked;
	struct sigaction sa = { .sa_handler = on_alarm };
	struct itimerval it = { .it_interval = { 0, 20000 }, .it_value = { 0, 20000 } };
	struct timespec t0, t1;
	unsigned int i;

	if (argc > 1 && !strcmp(argv[1], "-F")) {
		inject = 1;
		argc--;
		argv++;
	}
	calls = argc > 1 ? strtoul(argv[1], NULL, 0) : 100000;
	if (argc > 2)
		seed = strtoul(argv[2], NULL, 0);
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (inject) {
		mif = open("/proc/self/make-it-fail", O_WRONLY);
		if (mif < 0) {
			perror("/proc/self/make-it-fail (CONFIG_FAULT_INJECTION)");
			return 2;
		}
	}
	signal(SIGPIPE, SIG_IGN);
	sigaction(SIGALRM, &sa, NULL);		/* no SA_RESTART */
	setup();
	for (i = 0; i < (unsigned int)nfds; i++)
		if (is_inet(fds[i]))
			base_optmem[i] = optmem(fds[i]);
	setitimer(ITIMER_REAL, &it, NULL);
	clock_gettime(CLOCK_MONOTONIC, &t0);

	for (n = 0; n < calls; n++) {
		int splice_call = rnd() % 3 == 0;
		int in = pick_fd(), out = pick_fd();
		size_t count = pick_count();
		off_t o1, o2, *p1 = pick_off(&o1), *p2 = NULL;
		unsigned int fl;
		ssize_t r;

		if (splice_call)
			p2 = rnd() % 2 ? NULL : pick_off(&o2);
		fl = pick_flags(splice_call);
		snprintf(current, sizeof(current),
			 "call %lu: %s(in %d, out %d, count %zu, flags %#x)\n",
			 n, splice_call ? "splice" : "sendfile2", in, out, count, fl);
		cur_n = n + 1;
		if (inject)
			write(mif, "1", 1);
		if (splice_call)
			r = splice(in, p1, out, p2, count, fl);
		else
			r = sendfile2(out, in, p1, count, fl);
		if (inject) {
			int e = errno;

			write(mif, "0", 1);	/* no allocation: cannot fail */
			errno = e;
		}
		if (r >= 0) {
			okc++;
		} else {
			int e = errno;

			for (i = 0; i < sizeof(allowed) / sizeof(allowed[0]); i++)
				if (allowed[i] == e)
					break;
			if (i == sizeof(allowed) / sizeof(allowed[0])) {
				if (bad++ < 20)
					printf("unexpected errno %d (%s): %s(in %d, out %d, count %zu)\n",
					       e, strerror(e), splice_call ? "splice" : "sendfile2",
					       in, out, count);
			}
			errs[e & 255]++;
		}
		if (n % 10000 == 0 && n)
			printf("  %lu calls\n", n);
		/* drain error queues now and then; only inet sockets: AF_UNIX
		 * would return 0-byte reads forever
		 */
		if (n % 1000 == 0)
			for (i = 0; i < (unsigned int)nfds; i++)
				if (is_inet(fds[i]))
					drain_errqueue(fds[i]);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("zc_fuzz: %lu calls in %.1f s over %d descriptors: %lu succeeded",
	       calls, (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9, nfds, okc);
	for (i = 1; i < 256; i++)
		if (errs[i])
			printf(", %lu %s", errs[i], strerrorname_np(i) ?: "?");
	printf("\n");
	it.it_value.tv_usec = 0;
	it.it_interval.tv_usec = 0;
	setitimer(ITIMER_REAL, &it, NULL);
	leaked = check_optmem();
	if (stuck) {
		printf("zc_fuzz: %lu calls ran 5 s or more despite the 20 ms timer\n", stuck);
		bad++;
	}
	if (inject && !errs[ENOMEM] && !errs[ENOBUFS]) {
		printf("zc_fuzz: no call failed with ENOMEM or ENOBUFS: the fault injection missed\n");
		bad++;
	}
	printf("zc_fuzz: %s (%lu unexpected errnos, %d sockets with option memory left charged)\n",
	       bad || leaked ? "FAILED" : "OK", bad, leaked);
	return bad || leaked;
}
