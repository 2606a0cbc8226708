/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Small helpers shared by the workbench's programs (demo/, bench/, stress/).
 * Not part of the sendfile2() API: programs using the call only need
 * <sendfile2.h>.
 */
#ifndef ZC_UTIL_H
#define ZC_UTIL_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

/* Report a failed setup call and exit with status 2 ("could not run"). */
static inline __attribute__((noreturn)) void die(const char *what)
{
	perror(what);
	exit(2);
}

static inline uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static inline double now_s(void)
{
	return now_ns() / 1e9;
}

/* A small reproducible generator: the same seed gives the same run. */
static inline unsigned int zc_rand(unsigned int *state)
{
	*state = *state * 1103515245 + 12345;
	return *state >> 8;
}

#endif
