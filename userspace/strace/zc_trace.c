// SPDX-License-Identifier: GPL-2.0
/*
 * zc_trace - a fixed sequence of sendfile2() and splice() calls for checking
 * strace's decoder: make check runs
 *
 *   strace -a1 -o LOG -e trace=sendfile2,splice zc_trace
 *
 * in the VM and compares LOG with zc_trace.expected (strace 6.1's format).
 * The descriptors are dup2()ed to fixed numbers so the trace is the same on
 * every run.  The program itself checks every return value and that the
 * three calls that queued data with SENDFILE_ZC / SPLICE_F_ZC got IDs 0, 1
 * and 2 on the error queue; it exits 1 on any difference.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/errqueue.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "sendfile2.h"

enum { FILE_FD = 100, TX = 101, RX = 102, PIPE_R = 103, PIPE_W = 104, UNIX_FD = 105 };
#define LEN 4096

static int failed;

static void expect(const char *what, long ret, long want, int want_errno)
{
	if (ret == want && (want != -1 || errno == want_errno))
		return;
	fprintf(stderr, "zc_trace: %s returned %ld (%s), expected %ld%s%s\n",
		what, ret, ret < 0 ? strerror(errno) : "-", want,
		want == -1 ? " " : "", want == -1 ? strerror(want_errno) : "");
	failed = 1;
}

static void fixed_fd(int fd, int to)
{
	if (fd < 0 || dup2(fd, to) != to || close(fd)) {
		perror("zc_trace: setup");
		exit(2);
	}
}

/* Wait for the notifications of IDs 0..last; 1 on success. */
static int ids_reported(int fd, unsigned int last)
{
	unsigned int next = 0;

	while (next <= last) {
		char control[128];
		struct msghdr msg = { .msg_control = control,
				      .msg_controllen = sizeof(control) };
		struct cmsghdr *cm;
		struct sock_extended_err *ee;

		if (recvmsg(fd, &msg, MSG_ERRQUEUE) < 0) {
			if (errno != EAGAIN)
				return 0;
			if (poll(&(struct pollfd){ .fd = fd }, 1, 10000) != 1)
				return 0;
			continue;
		}
		cm = CMSG_FIRSTHDR(&msg);
		if (!cm || cm->cmsg_level != SOL_IP || cm->cmsg_type != IP_RECVERR)
			return 0;
		ee = (struct sock_extended_err *)CMSG_DATA(cm);
		if (ee->ee_errno || ee->ee_origin != SO_EE_ORIGIN_ZEROCOPY ||
		    ee->ee_info != next || ee->ee_data < ee->ee_info) {
			fprintf(stderr, "zc_trace: notification [%u, %u], expected it to start at %u\n",
				ee->ee_info, ee->ee_data, next);
			return 0;
		}
		next = ee->ee_data + 1;
	}
	return next == last + 1;
}

int main(void)
{
	struct sockaddr_in addr = { .sin_family = AF_INET,
				    .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t alen = sizeof(addr);
	char buf[2 * LEN];
	int lfd, p[2], sv[2], one = 1;
	off_t off;

	memset(buf, 'z', sizeof(buf));
	fixed_fd(open("/tmp", O_TMPFILE | O_RDWR, 0600), FILE_FD);
	if (write(FILE_FD, buf, sizeof(buf)) != sizeof(buf) ||
	    lseek(FILE_FD, 0, SEEK_SET))
		return 2;
	lfd = socket(AF_INET, SOCK_STREAM, 0);
	if (lfd < 0 || bind(lfd, (void *)&addr, alen) || listen(lfd, 1) ||
	    getsockname(lfd, (void *)&addr, &alen))
		return 2;
	fixed_fd(socket(AF_INET, SOCK_STREAM, 0), TX);
	if (connect(TX, (void *)&addr, alen))
		return 2;
	fixed_fd(accept(lfd, NULL, NULL), RX);
	close(lfd);
	setsockopt(RX, SOL_SOCKET, SO_RCVBUF, &(int){ 1 << 20 }, sizeof(int));
	setsockopt(TX, IPPROTO_TCP, 1 /* TCP_NODELAY */, &one, sizeof(one));
	if (pipe(p) || socketpair(AF_UNIX, SOCK_STREAM, 0, sv))
		return 2;
	fixed_fd(p[0], PIPE_R);
	fixed_fd(p[1], PIPE_W);
	fixed_fd(sv[0], UNIX_FD);

	/* flags 0: sendfile64() */
	off = 0;
	expect("sendfile2(0)", sendfile2(TX, FILE_FD, &off, LEN, 0), LEN, 0);
	/* SENDFILE_ZC: ID 0 */
	expect("sendfile2(ZC)", sendfile2(TX, FILE_FD, &off, LEN, SENDFILE_ZC), LEN, 0);
	/* SENDFILE_ZC from the file position: ID 1 */
	expect("sendfile2(NULL, ZC)", sendfile2(TX, FILE_FD, NULL, LEN, SENDFILE_ZC),
	       LEN, 0);
	/* unknown flags */
	off = 0;
	expect("sendfile2(0x2)", sendfile2(TX, FILE_FD, &off, LEN, 0x2), -1, EINVAL);
	expect("sendfile2(ZC|0x80)", sendfile2(TX, FILE_FD, &off, LEN, SENDFILE_ZC | 0x80),
	       -1, EINVAL);
	/* outputs that cannot report */
	expect("sendfile2(pipe, ZC)", sendfile2(PIPE_W, FILE_FD, &off, LEN, SENDFILE_ZC),
	       -1, EINVAL);
	expect("sendfile2(AF_UNIX, ZC)", sendfile2(UNIX_FD, FILE_FD, &off, LEN, SENDFILE_ZC),
	       -1, EOPNOTSUPP);
	/* splice: file -> pipe, pipe -> socket with SPLICE_F_ZC: ID 2 */
	expect("splice(file)", splice(FILE_FD, &off, PIPE_W, NULL, LEN, 0), LEN, 0);
	expect("splice(ZC|0x20)", splice(PIPE_R, NULL, TX, NULL, LEN, SPLICE_F_ZC | 0x20),
	       -1, EINVAL);
	expect("splice(ZC)", splice(PIPE_R, NULL, TX, NULL, LEN, SPLICE_F_MOVE | SPLICE_F_ZC),
	       LEN, 0);

	for (size_t got = 0; got < 4 * LEN;) {
		ssize_t n = read(RX, buf, sizeof(buf));

		if (n <= 0)
			return 2;
		got += n;
	}
	if (!ids_reported(TX, 2)) {
		fprintf(stderr, "zc_trace: IDs 0..2 were not all reported\n");
		failed = 1;
	}
	return failed;
}
