/* Tiny test harness: CHECK macros that count failures, RUN to name tests. */
#ifndef TDV_TEST_H
#define TDV_TEST_H

#include <stdio.h>
#include <string.h>

static int tdv_test_failures;

#define CHECK(c)                                                               \
	do {                                                                   \
		if (!(c)) {                                                    \
			fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, \
			    __LINE__, #c);                                     \
			tdv_test_failures++;                                   \
		}                                                              \
	} while (0)

#define CHECK_INT(a, b)                                                        \
	do {                                                                   \
		long long va_ = (long long)(a), vb_ = (long long)(b);          \
		if (va_ != vb_) {                                              \
			fprintf(stderr, "%s:%d: %s == %lld, expected %lld\n",  \
			    __FILE__, __LINE__, #a, va_, vb_);                 \
			tdv_test_failures++;                                   \
		}                                                              \
	} while (0)

#define CHECK_STR(a, b)                                                        \
	do {                                                                   \
		const char *sa_ = (a), *sb_ = (b);                             \
		if (sa_ == NULL || sb_ == NULL || strcmp(sa_, sb_) != 0) {     \
			fprintf(stderr, "%s:%d: %s == \"%s\", expected \"%s\"\n", \
			    __FILE__, __LINE__, #a, sa_ ? sa_ : "(null)",      \
			    sb_ ? sb_ : "(null)");                             \
			tdv_test_failures++;                                   \
		}                                                              \
	} while (0)

#define RUN(fn)                                                                \
	do {                                                                   \
		int before_ = tdv_test_failures;                               \
		fn();                                                          \
		printf("%s %s\n", before_ == tdv_test_failures ? "ok  " : "FAIL", \
		    #fn);                                                      \
	} while (0)

#define TEST_EXIT() return tdv_test_failures ? 1 : 0

#endif
