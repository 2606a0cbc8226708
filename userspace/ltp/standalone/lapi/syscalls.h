// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Stand-in for LTP's generated lapi/syscalls.h: see ../tst_test.h.  The
 * numbers come from the kernel headers (the patched kernel's uapi headers in
 * `make check`); tst_syscall() ends the test with TCONF on ENOSYS, as LTP's.
 */
#ifndef LAPI_SYSCALLS_H__
#define LAPI_SYSCALLS_H__

#include <errno.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "tst_test.h"

#define __LTP__NR_INVALID_SYSCALL -1
#ifndef __NR_sendfile2
# define __NR_sendfile2 __LTP__NR_INVALID_SYSCALL
#endif

#define tst_syscall(NR, ...) ({						\
	intptr_t tst_ret_;							\
	if ((NR) == __LTP__NR_INVALID_SYSCALL) {				\
		errno = ENOSYS;							\
		tst_ret_ = -1;							\
	} else {								\
		tst_ret_ = syscall((NR), ##__VA_ARGS__);			\
	}									\
	if (tst_ret_ == -1 && errno == ENOSYS)					\
		tst_brk(TCONF, "syscall(%d) " #NR " not supported", (int)(NR));	\
	tst_ret_;								\
})

#endif /* LAPI_SYSCALLS_H__ */
