// SPDX-License-Identifier: GPL-2.0-or-later
/* Stand-in for LTP's tst_safe_net.h: see tst_test.h. */
#ifndef TST_SAFE_NET_H__
#define TST_SAFE_NET_H__

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>
#include "tst_test.h"

#define SAFE_SOCKET(domain, type, protocol) \
	SAFE_CHECK_(socket((domain), (type), (protocol)), r_ >= 0, "socket()")
#define SAFE_SOCKETPAIR(domain, type, protocol, sv) \
	SAFE_CHECK_(socketpair((domain), (type), (protocol), (sv)), r_ == 0, "socketpair()")
#define SAFE_BIND(fd, addr, len) \
	SAFE_CHECK_(bind((fd), (addr), (len)), r_ == 0, "bind(%d)", (fd))
#define SAFE_LISTEN(fd, backlog) \
	SAFE_CHECK_(listen((fd), (backlog)), r_ == 0, "listen(%d)", (fd))
#define SAFE_CONNECT(fd, addr, len) \
	SAFE_CHECK_(connect((fd), (addr), (len)), r_ == 0, "connect(%d)", (fd))
#define SAFE_ACCEPT(fd, addr, len) \
	SAFE_CHECK_(accept((fd), (addr), (len)), r_ >= 0, "accept(%d)", (fd))
#define SAFE_GETSOCKNAME(fd, addr, len) \
	SAFE_CHECK_(getsockname((fd), (addr), (len)), r_ == 0, "getsockname(%d)", (fd))
#define SAFE_SETSOCKOPT_INT(fd, level, name, val) do {				\
	int v_ = (val);								\
	SAFE_CHECK_(setsockopt((fd), (level), (name), &v_, sizeof(v_)),	\
		    r_ == 0, "setsockopt(%d, %d, %d)", (fd), (level), (name));	\
} while (0)
#define SAFE_RECV(len, fd, buf, size, flags) \
	SAFE_CHECK_(recv((fd), (buf), (size), (flags)), r_ >= 0 && (!(len) || (size_t)r_ == (size_t)(len)), \
		    "recv(%d, %zu)", (fd), (size_t)(size))

#endif /* TST_SAFE_NET_H__ */
