# sendfile2() / SPLICE_F_ZC workbench.  `make help` lists the targets.
SHELL := /bin/bash
S := scripts

.PHONY: mutants check-debug bench httpd-bench help deps base tree export status kernel selftests check run vm series man cross clean

help:
	@echo "make run        demo: build if needed, boot, show what the series does"
	@echo "make check      full test: apply, checkpatch, build, boot, selftests"
	@echo "make check-debug  the same on a KASAN/kmemleak/lockdep kernel; any leak or splat fails"
	@echo "make tree       build/linux = base + patches/ (one commit per patch)"
	@echo "make export     write build/linux's commits back to patches/"
	@echo "make status     fail if build/linux has work that patches/ lacks"
	@echo "make kernel     build the VM kernel (incremental)"
	@echo "make selftests  build and install the selftests of tests.list"
	@echo "make vm CMD='…' run a command in the VM"
	@echo "make mutants   deliberately broken kernels (mutants/) must fail the tests"
	@echo "               (MUTANT=mutants/NAME.patch for one; ZC_FLAVOR=debug, ZC_PARTS=fuzz)"
	@echo "make bench      benchmark: sendfile2+ZC vs sendfile, MSG_ZEROCOPY, io_uring (~5 min)"
	@echo "make httpd-bench  examples/zc_httpd (ZC, plain) and nginx under wrk, with in-place rewrites (~7 min)"
	@echo "make series     ready-to-mail kernel and man-pages series in out/ (needs your git identity)"
	@echo "make man        the man-pages patches apply and lint clean; the documentation renders"
	@echo "make cross      build the compat paths for powerpc64, parisc64, arm64 (make check does too)"
	@echo "make deps       install host packages (Debian 12, root)"

deps:
	@$(S)/deps.sh
base:
	@$(S)/fetch-base.sh >/dev/null
tree:
	@$(S)/tree.sh $(if $(FORCE),--force)
export:
	@$(S)/export.sh
status:
	@$(S)/status.sh
kernel:
	@$(S)/build.sh
selftests:
	@$(S)/kselftest.sh $(TESTS)
check-debug:
	@ZC_FLAVOR=debug $(S)/check.sh
check:
	@$(S)/check.sh
mutants:
	@$(S)/mutant.sh $(MUTANT)
bench:
	@$(S)/bench.sh
httpd-bench:
	@$(S)/httpd-bench.sh
series:
	@$(S)/series.sh
man:
	@$(S)/doccheck.sh
cross:
	@$(S)/cross.sh
run:
	@$(S)/run.sh
vm:
	@$(S)/vm-run.sh "$(CMD)"
clean:
	rm -rf build/kout results
