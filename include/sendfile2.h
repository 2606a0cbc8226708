/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * sendfile2.h - sendfile2(2) and SPLICE_F_ZC for programs whose C library
 * does not know them yet.  Build against the kernel's installed uapi headers
 * (make headers_install; the workbench uses build/kout/usr/include).
 *
 *   ssize_t sendfile2(int out_fd, int in_fd, off_t *offset, size_t count,
 *                     unsigned int flags);
 *
 * flags 0 is sendfile(2).  SENDFILE_ZC asks a TCP or UDP socket to report on
 * its error queue, like MSG_ZEROCOPY, when it released the file's pages; see
 * sendfile(2) (man-pages/pages/man/man2/sendfile.2 until the man-pages
 * project has it) and Documentation/networking/msg_zerocopy.rst.
 */
#ifndef SENDFILE2_H
#define SENDFILE2_H

#include <sys/types.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <asm/unistd.h>
#include <linux/sendfile.h>	/* SENDFILE_ZC */
#include <linux/splice.h>	/* SPLICE_F_ZC */

#ifndef __NR_sendfile2
#error "these kernel headers have no sendfile2(): use the patched kernel's"
#endif

#if !defined(__GLIBC__) || !defined(SENDFILE2_LIBC)
static inline ssize_t sendfile2(int out_fd, int in_fd, off_t *offset,
				size_t count, unsigned int flags)
{
	/* The kernel takes a loff_t *: off_t must be 64-bit. */
	_Static_assert(sizeof(off_t) == 8, "build with -D_FILE_OFFSET_BITS=64");
	return syscall(__NR_sendfile2, out_fd, in_fd, offset, count, flags);
}
#endif

#endif /* SENDFILE2_H */
