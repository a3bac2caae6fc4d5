# Top-level build of the nooks lab.  Targets:
#   all    install missing packages, build bin/nooks, kmod/*, the guest image
#   check  all + unit tests (cmocka, ASan/UBSan) + the fuzz targets over their
#          seeds and regression inputs + VM tests on real QEMU
#   demo   the main job: a small campaign end to end, ending with a report
#   bench  benchmarks that print figures
#   fuzz   libFuzzer targets of the parsers of untrusted input, FUZZ_TIME s each
#   clean  remove everything built (the kernel .deb cache stays in ~/.cache)
# The guest kernel comes from vm-images/kernel.lock (NOOKS_KERNEL overrides).
# Components are rooms (folders) linked into one CLI; each room's *.c are
# picked up by wildcard.  A room compiles with -I for exactly the rooms it
# may use (USES_<room> below), so an include across a missing arrow does
# not compile.  docs/ARCHITECTURE.md draws these arrows (`make rooms`
# prints them; tests/vm/test_rooms.sh checks both agree).

CC      ?= gcc
CFLAGS  := -std=gnu11 -Wall -Wextra -Werror -O2 -g -D_FILE_OFFSET_BITS=64 $(EXTRA_CFLAGS)
SANFLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
LDLIBS  := -ljson-c -larchive -lelf -lbpf -lZydis -lsqlite3 -lz -lm

# Rooms and their arrows: USES_<room> lists the rooms <room> may include.
ROOMS := common triage injector db reports harness/vm harness/trial harness/campaign harness/cli
USES_common :=
USES_triage := common
USES_injector := common
USES_db := common
USES_reports := common db
USES_harness/vm := common harness/guest/agent
USES_harness/trial := common triage harness/vm harness/guest/agent
USES_harness/campaign := common triage injector db harness/vm harness/trial
USES_harness/cli := common triage injector db reports harness/vm harness/trial harness/campaign
ROOM_INC = $(addprefix -I,$(USES_$(1)))
$(foreach r,$(ROOMS),$(eval build/obj/$(r)/%.o build/san/$(r)/%.o: INC := $(call ROOM_INC,$(r))))
build/obj/db/%.o build/san/db/%.o: INC += -Ibuild/gen
ALL_INC := $(addprefix -I,$(ROOMS) harness/guest/agent) -Ibuild/gen

LIB_SRCS := $(sort $(foreach r,$(ROOMS),$(wildcard $(r)/*.c)))
LIB_SRCS := $(filter-out harness/cli/nooks.c,$(LIB_SRCS))
LIB_OBJS := $(LIB_SRCS:%.c=build/obj/%.o)
SAN_OBJS := $(LIB_SRCS:%.c=build/san/%.o)
UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=build/tests/%)
AGENT_SRCS := $(wildcard harness/guest/agent/*.c)
GUEST_TOOLS := $(patsubst harness/guest/tools/%.c,build/guest/bin/%,$(wildcard harness/guest/tools/*.c))
KMOD_DIRS := $(patsubst %/Kbuild,%,$(wildcard kmod/*/Kbuild))

.PHONY: all deps build tools kmods guest image check unit vmtest demo bench clean rooms
.PHONY: fuzz fuzz-build fuzz-regress
.DEFAULT_GOAL := all

all: deps
	@$(MAKE) --no-print-directory build

deps:
	@scripts/install-deps.sh

build: tools guest
	@$(MAKE) --no-print-directory image

tools: bin/nooks

bin/nooks: build/obj/harness/cli/nooks.o build/libnooks.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

build/libnooks.a: $(LIB_OBJS)
	@mkdir -p $(@D)
	rm -f $@ && ar rcs $@ $^

build/libnooks-san.a: $(SAN_OBJS)
	@mkdir -p $(@D)
	rm -f $@ && ar rcs $@ $^

build/obj/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(INC) -MMD -MP -c -o $@ $<

build/san/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(INC) $(SANFLAGS) -MMD -MP -c -o $@ $<

# Unit tests may look into every room.
build/tests/%: tests/unit/%.c build/libnooks-san.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(ALL_INC) $(SANFLAGS) -Itests/unit -MMD -MP -o $@ $< build/libnooks-san.a $(LDLIBS) -lcmocka

# The arrows, one line per room: "room: rooms it may include".
rooms:
	@$(foreach r,$(ROOMS),echo "$(r): $(USES_$(r))";)

# The store's schema, embedded as a C string literal (db/store.c includes it).
build/gen/schema_sql.h: db/schema.sql
	@mkdir -p $(@D)
	sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/^/"/' -e 's/$$/\\n"/' $< >$@.tmp && mv $@.tmp $@
build/obj/db/store.o build/san/db/store.o: build/gen/schema_sql.h

# Guest programs: static, for the busybox initramfs.
guest: $(if $(AGENT_SRCS),build/guest/nooks-agent) $(GUEST_TOOLS)

build/guest/nooks-agent: $(AGENT_SRCS) $(wildcard harness/guest/agent/*.h)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -static -o $@ $(AGENT_SRCS) -ljson-c

build/guest/bin/%: harness/guest/tools/%.c $(wildcard harness/guest/tools/*.h)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -static -o $@ $<

# Everything that depends on the guest kernel (vm-images/kernel.lock, or
# NOOKS_KERNEL=6.1.0-NN-amd64): kmod/* built against its headers and the
# guest image, in build/k/<KVER>/; build/image, build/kmod and
# build/kernel.env then point at it.  Kbuild and build-image.sh are
# incremental, so the script runs every time.  bin/nooks writes the
# kernel's export table (nooks btf exports) the NIM's wrappers come from.
kmods image: guest bin/nooks
	@vm-images/build-kernel.sh --select build

check: all
	@$(MAKE) --no-print-directory $(UNIT_BINS) $(FUZZ_BINS)
	@tests/run-tests.sh $(UNIT_BINS) tests/fuzz/run-regress.sh $(sort $(wildcard tests/vm/test_*.sh))

unit: deps
	@$(MAKE) --no-print-directory $(UNIT_BINS)
	@tests/run-tests.sh $(UNIT_BINS)

demo: all
	@scripts/demo.sh

bench: all
	@scripts/bench.sh

clean:
	rm -rf build bin
	@for d in $(KMOD_DIRS); do \
		rm -rf $$d/*.o $$d/*.ko $$d/*.mod $$d/*.mod.c $$d/*.mod.o $$d/.*.cmd \
		       $$d/modules.order $$d/Module.symvers $$d/.tmp_versions; \
	done

# ---- fuzzing (docs/FUZZ.md) ------------------------------------------------
# One libFuzzer target per parser of untrusted input, tests/fuzz/fuzz_*.c,
# built with Debian's clang 14 against the library compiled into its own tree
# (build/fuzz/obj, build/libnooks-fuzz.a) with ASan, UBSan and coverage; the
# gcc builds in build/obj and build/san are not touched.  `make fuzz` runs
# each target for FUZZ_TIME seconds (scripts/fuzz.sh); `make check` runs
# every target over its seeds and regression inputs (tests/fuzz/run-regress.sh).
FUZZ_CC := clang-14
FUZZ_CFLAGS := -std=gnu11 -Wall -Wextra -Werror -O1 -g -D_FILE_OFFSET_BITS=64 \
	-fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all
FUZZ_OBJS := $(LIB_SRCS:%.c=build/fuzz/obj/%.o)
FUZZ_BINS := $(patsubst tests/fuzz/%.c,build/fuzz/bin/%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_TIME ?= 300
$(foreach r,$(ROOMS),$(eval build/fuzz/obj/$(r)/%.o: INC := $(call ROOM_INC,$(r))))
build/fuzz/obj/db/%.o: INC += -Ibuild/gen
build/fuzz/obj/db/store.o: build/gen/schema_sql.h

build/fuzz/obj/%.o: %.c
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link $(INC) -MMD -MP -c -o $@ $<

build/libnooks-fuzz.a: $(FUZZ_OBJS)
	@mkdir -p $(@D)
	rm -f $@ && ar rcs $@ $^

build/fuzz/bin/%: tests/fuzz/%.c tests/fuzz/fuzz.h build/libnooks-fuzz.a
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer $(ALL_INC) -Itests/fuzz -MMD -MP -o $@ $< \
		build/libnooks-fuzz.a $(LDLIBS)

fuzz-build: deps
	@$(MAKE) --no-print-directory $(FUZZ_BINS)

fuzz: fuzz-build
	@scripts/fuzz.sh --time $(FUZZ_TIME)

fuzz-regress: fuzz-build
	@tests/run-tests.sh tests/fuzz/run-regress.sh

-include $(FUZZ_OBJS:.o=.d) $(FUZZ_BINS:%=%.d)

-include $(LIB_OBJS:.o=.d) $(SAN_OBJS:.o=.d) build/obj/harness/cli/nooks.d $(UNIT_BINS:%=%.d)
