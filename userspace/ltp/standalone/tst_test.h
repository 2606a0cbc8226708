// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A stand-in for LTP's tst_test.h: the subset of the test API that the
 * tests in the patches of userspace/ltp use, so that `make check` can build
 * and run them from the patch alone (LTP is not packaged by Debian, and CI has nothing but
 * Debian's archive and this repository).  Written for this repository, not
 * taken from LTP; the semantics follow LTP's documentation:
 *
 * - tst_res()/tst_brk() with TPASS, TFAIL, TBROK, TWARN, TINFO, TCONF and
 *   TERRNO/TTERRNO; tst_brk() runs .cleanup and ends the test;
 * - TEST(), TST_RET, TST_ERR, TST_PASS, TST_EXP_VAL(), TST_EXP_FAIL2(),
 *   TST_EXP_EQ_LI();
 * - SAFE_OPEN/READ/WRITE/CLOSE/LSEEK/PIPE, the socket ones in tst_safe_net.h;
 * - struct tst_test's .test/.test_all/.tcnt/.setup/.cleanup/.needs_tmpdir;
 * - the exit status of LTP's library: 0 if all passed, else the OR of
 *   1 (TFAIL), 2 (TBROK), 4 (TWARN), and 32 (TCONF) when nothing else was
 *   reported; a "Summary:" block like LTP's.
 *
 * The real library also forks, times the test out, and does much more; the
 * tests must build against it unchanged (see ../README.md).
 */
#ifndef TST_TEST_H__
#define TST_TEST_H__

#ifndef _GNU_SOURCE
# define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/types.h>

#define TPASS	0
#define TFAIL	1
#define TBROK	2
#define TWARN	4
#define TINFO	16
#define TCONF	32
#define TERRNO	0x100
#define TTERRNO	0x200
#define TTYPE_MASK 0x3f

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

struct tst_test {
	void (*test)(unsigned int n);
	void (*test_all)(void);
	unsigned int tcnt;
	void (*setup)(void);
	void (*cleanup)(void);
	int needs_tmpdir;
	const struct tst_tag { const char *name, *value; } *tags;
};

static struct tst_test test;

static long TST_RET;
static int TST_ERR;
static int TST_PASS;
static int tst_counts_[6];	/* pass, fail, broken, skipped, warnings, info */
static int tst_in_cleanup_;
static char tst_tmpdir_[4096];

#define TEST(SCALL) do { errno = 0; TST_RET = (long)(SCALL); TST_ERR = errno; } while (0)

static inline const char *tst_name_(int ttype)
{
	switch (ttype & TTYPE_MASK) {
	case TPASS: return "TPASS";
	case TFAIL: return "TFAIL";
	case TBROK: return "TBROK";
	case TWARN: return "TWARN";
	case TINFO: return "TINFO";
	case TCONF: return "TCONF";
	}
	return "T???";
}

static inline void tst_vres_(const char *file, int line, int ttype, const char *fmt, va_list va)
{
	const char *base = strrchr(file, '/') ? strrchr(file, '/') + 1 : file;
	int err = errno;

	printf("%s:%d: %s: ", base, line, tst_name_(ttype));
	vprintf(fmt, va);
	if (ttype & TERRNO)
		printf(": %s (%d)", strerror(err), err);
	if (ttype & TTERRNO)
		printf(": %s (%d)", strerror(TST_ERR), TST_ERR);
	putchar('\n');
	fflush(stdout);
	switch (ttype & TTYPE_MASK) {
	case TPASS: tst_counts_[0]++; break;
	case TFAIL: tst_counts_[1]++; break;
	case TBROK: tst_counts_[2]++; break;
	case TCONF: tst_counts_[3]++; break;
	case TWARN: tst_counts_[4]++; break;
	}
}

static inline void __attribute__((format(printf, 4, 5)))
tst_res_(const char *file, int line, int ttype, const char *fmt, ...)
{
	va_list va;

	va_start(va, fmt);
	tst_vres_(file, line, ttype, fmt, va);
	va_end(va);
}

static inline int tst_rm_(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st; (void)flag; (void)ftw;
	return remove(path);
}

static inline __attribute__((noreturn)) void tst_exit_(void)
{
	int rc = 0;

	if (!tst_in_cleanup_ && test.cleanup) {
		tst_in_cleanup_ = 1;
		test.cleanup();
	}
	if (tst_tmpdir_[0]) {
		if (chdir("/") == 0)
			nftw(tst_tmpdir_, tst_rm_, 16, FTW_DEPTH | FTW_PHYS);
	}
	printf("\nSummary:\npassed   %d\nfailed   %d\nbroken   %d\nskipped  %d\nwarnings %d\n",
	       tst_counts_[0], tst_counts_[1], tst_counts_[2], tst_counts_[3],
	       tst_counts_[4]);
	if (tst_counts_[1])
		rc |= TFAIL;
	if (tst_counts_[2])
		rc |= TBROK;
	if (tst_counts_[4])
		rc |= TWARN;
	if (!rc && tst_counts_[3] && !tst_counts_[0])
		rc = TCONF;
	exit(rc);
}

static inline __attribute__((noreturn, format(printf, 4, 5)))
void tst_brk_(const char *file, int line, int ttype, const char *fmt, ...)
{
	va_list va;

	va_start(va, fmt);
	tst_vres_(file, line, ttype, fmt, va);
	va_end(va);
	tst_exit_();
}

#define tst_res(ttype, ...) tst_res_(__FILE__, __LINE__, (ttype), __VA_ARGS__)
#define tst_brk(ttype, ...) tst_brk_(__FILE__, __LINE__, (ttype), __VA_ARGS__)

/* "SCALL suffix" or the caller's message, as LTP's TST_MSG_() does. */
static inline void tst_msg_(const char *file, int line, int ttype, const char *sscall,
		     const char *suffix, const char *fmt, ...)
{
	char msg[1024];
	va_list va;

	if (fmt) {
		va_start(va, fmt);
		vsnprintf(msg, sizeof(msg), fmt, va);
		va_end(va);
	} else {
		snprintf(msg, sizeof(msg), "%s", sscall);
	}
	tst_res_(file, line, ttype, "%s%s", msg, suffix);
}
#define TST_MSG_(ttype, suffix, SSCALL, ...) \
	tst_msg_(__FILE__, __LINE__, (ttype), SSCALL, suffix, ##__VA_ARGS__, NULL)

#define TST_EXP_VAL(SCALL, VAL, ...) do {					\
	TEST(SCALL);								\
	TST_PASS = 0;								\
	if (TST_RET != (long)(VAL)) {						\
		char s_[64];							\
		snprintf(s_, sizeof(s_), " retval %ld != %ld", TST_RET,	\
			 (long)(VAL));						\
		TST_MSG_(TFAIL | TTERRNO, s_, #SCALL, ##__VA_ARGS__);		\
		break;								\
	}									\
	TST_PASS = 1;								\
	TST_MSG_(TPASS, " passed", #SCALL, ##__VA_ARGS__);			\
} while (0)

#define TST_EXP_FAIL2(SCALL, EXP_ERR, ...) do {				\
	TEST(SCALL);								\
	TST_PASS = 0;								\
	if (TST_RET != -1) {							\
		char s_[64];							\
		snprintf(s_, sizeof(s_), " succeeded: %ld", TST_RET);	\
		TST_MSG_(TFAIL, s_, #SCALL, ##__VA_ARGS__);			\
		break;								\
	}									\
	if (TST_ERR != (EXP_ERR)) {						\
		char s_[128];							\
		snprintf(s_, sizeof(s_), " expected %s",			\
			 strerror(EXP_ERR));					\
		TST_MSG_(TFAIL | TTERRNO, s_, #SCALL, ##__VA_ARGS__);		\
		break;								\
	}									\
	TST_PASS = 1;								\
	TST_MSG_(TPASS | TTERRNO, " ", #SCALL, ##__VA_ARGS__);		\
} while (0)

#define TST_EXP_EQ_LI(VAL_A, VAL_B) do {					\
	long long a_ = (long long)(VAL_A), b_ = (long long)(VAL_B);		\
	TST_PASS = a_ == b_;							\
	if (TST_PASS)								\
		tst_res(TPASS, #VAL_A " == " #VAL_B " (%lli)", a_);		\
	else									\
		tst_res(TFAIL, #VAL_A " (%lli) != " #VAL_B " (%lli)", a_, b_);	\
} while (0)

/* SAFE_*(): tst_brk(TBROK) on failure. */
#define SAFE_WRITE_ALL 1
#define SAFE_CHECK_(CALL, COND, ...) ({					\
	__typeof__(CALL) r_ = (CALL);						\
	if (!(COND))								\
		tst_brk(TBROK | TERRNO, __VA_ARGS__);				\
	r_; })
#define SAFE_OPEN(path, flags, ...) \
	SAFE_CHECK_(open((path), (flags), ##__VA_ARGS__), r_ >= 0, "open(%s)", (path))
#define SAFE_CLOSE(fd) do {							\
	SAFE_CHECK_(close(fd), r_ == 0, "close(%d)", (fd));			\
	(fd) = -1;								\
} while (0)
#define SAFE_LSEEK(fd, off, whence) \
	SAFE_CHECK_(lseek((fd), (off), (whence)), r_ != -1, "lseek(%d)", (fd))
#define SAFE_PIPE(fds) SAFE_CHECK_(pipe(fds), r_ == 0, "pipe()")
#define SAFE_WRITE(strict, fd, buf, n) \
	SAFE_CHECK_(write((fd), (buf), (n)), r_ >= 0 && (!(strict) || (size_t)r_ == (size_t)(n)), \
		    "write(%d, %zu)", (fd), (size_t)(n))
#define SAFE_READ(strict, fd, buf, n) \
	SAFE_CHECK_(read((fd), (buf), (n)), r_ >= 0 && (!(strict) || (size_t)r_ == (size_t)(n)), \
		    "read(%d, %zu)", (fd), (size_t)(n))

static inline void *tst_get_bad_addr(void (*cleanup_fn)(void))
{
	void *p = mmap(NULL, 1, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	(void)cleanup_fn;
	if (p == MAP_FAILED)
		tst_brk(TBROK | TERRNO, "mmap()");
	return p;
}

static inline void tst_alarm_(int sig)
{
	(void)sig;
	tst_res(TBROK, "test timed out (60 s)");
	tst_exit_();
}

int main(void)
{
	unsigned int i;

	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGALRM, tst_alarm_);
	alarm(60);
	if (test.needs_tmpdir) {
		const char *t = getenv("TMPDIR");

		snprintf(tst_tmpdir_, sizeof(tst_tmpdir_), "%s/LTP_XXXXXX",
			 t && *t ? t : "/tmp");
		if (!mkdtemp(tst_tmpdir_) || chdir(tst_tmpdir_)) {
			tst_tmpdir_[0] = 0;
			tst_brk(TBROK | TERRNO, "temporary directory");
		}
	}
	if (test.setup)
		test.setup();
	if (test.test_all)
		test.test_all();
	else
		for (i = 0; i < (test.tcnt ? test.tcnt : 1); i++)
			test.test(i);
	tst_exit_();
}

#endif /* TST_TEST_H__ */
