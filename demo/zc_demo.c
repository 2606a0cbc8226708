// SPDX-License-Identifier: GPL-2.0
/*
 * What sendfile2(SENDFILE_ZC) is for, in three short scenes over TCP on
 * loopback.  The receiver does not read until the sender has rewritten the
 * file, as a slow client would.
 *
 * 1. sendfile(2), then the file is rewritten: the receiver gets new bytes.
 * 2. sendfile2(SENDFILE_ZC), rewrite after the notification: intact.
 * 3. sendmsg(MSG_ZEROCOPY) headers and sendfile2() bodies on one socket
 *    share one notification ID sequence.
 *
 * Exit status 0 when every scene behaved as described.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/errqueue.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sendfile2.h"
#include "zc_util.h"

#define LEN	(128 << 10)

static void tcp_pair(int *tx, int *rx)
{
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t alen = sizeof(a);
	int l = socket(AF_INET, SOCK_STREAM, 0), big = 4 << 20;

	if (l < 0 || bind(l, (void *)&a, alen) || listen(l, 1) ||
	    getsockname(l, (void *)&a, &alen))
		die("listen");
	*tx = socket(AF_INET, SOCK_STREAM, 0);
	if (*tx < 0 || connect(*tx, (void *)&a, alen))
		die("connect");
	*rx = accept(l, NULL, NULL);
	if (*rx < 0)
		die("accept");
	/* Room for the whole transfer while the receiver does not read. */
	setsockopt(*rx, SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof(big));
	close(l);
}

static int file_of(char c)
{
	int fd = memfd_create("demo", 0);
	char *buf = malloc(LEN);

	memset(buf, c, LEN);
	if (fd < 0 || pwrite(fd, buf, LEN, 0) != LEN)
		die("file");
	free(buf);
	return fd;
}

static void rewrite(int fd, char c)
{
	char *buf = malloc(LEN);

	memset(buf, c, LEN);
	if (pwrite(fd, buf, LEN, 0) != LEN)
		die("pwrite");
	free(buf);
}

/* Read @len bytes and count how many are @c. */
static size_t receive(int rx, size_t len, char c, size_t *got)
{
	char *buf = malloc(len);
	size_t n = 0, i, same = 0;

	while (n < len) {
		ssize_t r = recv(rx, buf + n, len - n, 0);

		if (r <= 0)
			break;
		n += r;
	}
	for (i = 0; i < n; i++)
		same += buf[i] == c;
	free(buf);
	*got = n;
	return same;
}

/* Wait for one notification; print and return its range. */
static int reap(int fd, unsigned int *lo, unsigned int *hi, int *copied)
{
	char control[128];
	struct msghdr msg = { .msg_control = control,
			      .msg_controllen = sizeof(control) };
	struct sock_extended_err *serr;
	struct cmsghdr *cm;

	if (poll(&(struct pollfd){ .fd = fd }, 1, 20000) != 1)
		return -1;
	if (recvmsg(fd, &msg, MSG_ERRQUEUE) < 0)
		return -1;
	cm = CMSG_FIRSTHDR(&msg);
	if (!cm)
		return -1;
	serr = (void *)CMSG_DATA(cm);
	if (serr->ee_origin != SO_EE_ORIGIN_ZEROCOPY || serr->ee_errno)
		return -1;
	*lo = serr->ee_info;
	*hi = serr->ee_data;
	*copied = !!(serr->ee_code & SO_EE_CODE_ZEROCOPY_COPIED);
	return 0;
}

static int scene1(void)
{
	int tx, rx, fd = file_of('A');
	size_t got, a;
	off_t off = 0;

	printf("\n[1] sendfile(2), then the file is rewritten\n");
	tcp_pair(&tx, &rx);
	printf("    sendfile() of %d KiB of 'A' returned %zd\n", LEN >> 10,
	       sendfile(tx, fd, &off, LEN));
	rewrite(fd, 'B');
	printf("    file rewritten with 'B' right after the call\n");
	a = receive(rx, LEN, 'A', &got);
	printf("    receiver read %zu bytes: %zu 'A', %zu other\n", got, a, got - a);
	printf("    => %s\n", a == LEN ? "intact this time (the race was lost)" :
	       "the receiver got bytes the sender never meant to send");
	close(tx);
	close(rx);
	close(fd);
	return 0;	/* the race is the point, whichever way it goes */
}

static int scene2(void)
{
	int tx, rx, fd = file_of('A'), copied;
	unsigned int lo, hi;
	size_t got, a;
	off_t off = 0;
	ssize_t ret;

	printf("\n[2] sendfile2(SENDFILE_ZC), rewrite after the notification\n");
	tcp_pair(&tx, &rx);
	ret = sendfile2(tx, fd, &off, LEN, SENDFILE_ZC);
	printf("    sendfile2() of %d KiB of 'A' returned %zd\n", LEN >> 10, ret);
	if (ret != LEN || reap(tx, &lo, &hi, &copied))
		return printf("    => FAILED: no notification\n"), 1;
	printf("    notification: IDs [%u, %u]%s\n", lo, hi,
	       copied ? ", copied (local delivery copies)" : "");
	rewrite(fd, 'B');
	printf("    file rewritten with 'B'\n");
	a = receive(rx, LEN, 'A', &got);
	printf("    receiver read %zu bytes: %zu 'A', %zu other\n", got, a, got - a);
	printf("    => %s\n", a == LEN && lo == 0 && hi == 0 ? "intact" : "FAILED");
	close(tx);
	close(rx);
	close(fd);
	return !(a == LEN && lo == 0 && hi == 0);
}

static int scene3(void)
{
	int tx, rx, fd = file_of('A'), one = 1, copied, i, bad = 0;
	unsigned int lo, hi, next = 0;
	char hdr[64] = "HTTP/1.1 200 OK\r\n";

	printf("\n[3] MSG_ZEROCOPY headers and sendfile2() bodies on one socket\n");
	tcp_pair(&tx, &rx);
	if (setsockopt(tx, SOL_SOCKET, SO_ZEROCOPY, &one, sizeof(one)))
		die("SO_ZEROCOPY");
	for (i = 0; i < 3; i++) {
		off_t off = 0;

		if (send(tx, hdr, sizeof(hdr), MSG_ZEROCOPY) != sizeof(hdr) ||
		    sendfile2(tx, fd, &off, 4096, SENDFILE_ZC) != 4096)
			die("send");
		printf("    header: sendmsg(MSG_ZEROCOPY) = ID %d, body: sendfile2() = ID %d\n",
		       2 * i, 2 * i + 1);
	}
	{
		size_t got;

		receive(rx, 3 * (sizeof(hdr) + 4096), 0, &got);
	}
	while (next < 6) {
		if (reap(tx, &lo, &hi, &copied))
			return printf("    => FAILED: missing notification\n"), 1;
		printf("    notification: IDs [%u, %u]\n", lo, hi);
		bad |= lo != next;
		next = hi + 1;
	}
	printf("    => %s\n", !bad && next == 6 ? "one gap-free sequence" : "FAILED");
	close(tx);
	close(rx);
	close(fd);
	return bad || next != 6;
}

int main(void)
{
	int fail = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("sendfile2() demo: TCP over loopback; the receiver reads late.\n");
	fail |= scene1();
	fail |= scene2();
	fail |= scene3();
	printf("\n%s\n", fail ? "demo FAILED" : "demo OK");
	return fail;
}
