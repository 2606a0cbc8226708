// SPDX-License-Identifier: GPL-2.0-or-later
/* Stand-in for LTP's lapi/socket.h (the part the tests use): see ../tst_test.h. */
#ifndef LAPI_SOCKET_H__
#define LAPI_SOCKET_H__

#include <sys/socket.h>

#ifndef MSG_ZEROCOPY
# define MSG_ZEROCOPY	0x4000000
#endif
#ifndef SO_ZEROCOPY
# define SO_ZEROCOPY	60
#endif
#ifndef SOL_IP
# define SOL_IP		0
#endif

#endif /* LAPI_SOCKET_H__ */
