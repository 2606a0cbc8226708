/* Stand-in for LTP's generated config.h: see tst_test.h.  The standalone
 * build uses the patched kernel's uapi headers, which have <linux/sendfile.h>;
 * glibc has no sendfile2() wrapper. */
#define HAVE_LINUX_SENDFILE_H 1
