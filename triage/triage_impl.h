/*
 * triage_impl.h - what the parts of the console triage share (private to
 * triage.c, triage_lines.c and triage_families.c; callers use triage.h).
 *
 * triage_lines.c: the console's line syntax (prefixes, stack frames);
 * triage_families.c: the report families (header table) and the frames
 * never blamed; triage.c: finding reports, their extent and the verdict.
 */
#ifndef NOOKS_TRIAGE_IMPL_H
#define NOOKS_TRIAGE_IMPL_H

#include <regex.h>
#include <stdbool.h>
#include <stddef.h>

/* One console line with its prefixes (syslog level, timestamp, caller id) removed. */
struct tline {
	const char *text;
	char caller[12];	/* printk caller id ("T123", "C1"), "" when not printed */
};

struct tlog {
	char *buf;
	struct tline *v;
	int n;
};

/* Split text into lines (LF, CRLF, NUL; two records glued on one line are cut apart). */
void tlog_split(const char *text, size_t len, struct tlog *l);
void tlog_free(struct tlog *l);
/* Lines a and b come from different printk callers (both ids known and unequal). */
bool tlog_foreign(const struct tlog *l, int a, int b);

/*
 * A stack frame or RIP/IP line: "func+0x1/0x2 [mod]", "[<ffffffff8100>] ? func+0x1/0x2",
 * "RIP: 0010:func+0x1/0x2", "EIP is at func+0x1/0x2", "func file.c:12 [inline]".
 * fn gets the name without .cold/.isra/.part suffixes; *unreliable is set for "? " frames.
 * 0 on success.
 */
int parse_frame(const char *s, char *fn, size_t fn_size, char *mod, size_t mod_size,
		bool *unreliable);
/* A line that belongs to a stack dump (frame, <TASK>, </IRQ>, Modules linked in). */
bool is_frame_line(const char *s);
/* A kernel RIP/EIP/IP register line naming a function. */
bool is_ip_line(const char *s);
bool line_starts(const char *s, const char *prefix);

enum family_flags {
	F_CRASH = 1 << 0,	/* a crash, not a warning */
	F_LOCKUP = 1 << 1,	/* a watchdog's report: soft/hard lockup, RCU stall, hung task */
	F_MSG = 1 << 2,		/* the title carries capture group .msg, normalized */
	F_CONFIRM = 1 << 3,	/* generic header: only with a stack dump right after it */
	F_FRAMED = 1 << 4,	/* ends at the next "=====" line (KASAN, KFENCE, UBSAN...) */
	F_ANYCTX = 1 << 5,	/* its stacks come from other CPUs' contexts (RCU stall) */
	F_BACKTRACE = 1 << 6,	/* guilty frame from its own "stack backtrace:"/"Call Trace:",
				   not from stacks before it (lockdep's chain, "Preemption
				   disabled at:") */
	F_PART = 1 << 7,	/* die()/BUG() line that continues a report just begun */
	F_PANIC = 1 << 8,	/* "Kernel panic - not syncing": ends a report's chain */
};

struct family {
	const char *kind;
	const char *re;		/* matches the report's first line, prefixes removed */
	const char *title;	/* title prefix; capture group .msg and " in <guilty>" follow */
	unsigned flags;
	unsigned char msg;	/* capture group for the title (with F_MSG) */
	unsigned char fn;	/* capture group naming the guilty function, 0: none */
};

#define FAMILY_GROUPS 6
extern const struct family families[];
/* Index of the family whose header line s is, or -1; m /out/ FAMILY_GROUPS groups. */
int family_match(const char *s, regmatch_t *m);
/* The frame fn is kernel machinery never blamed (exception, sanitizer, lock, alloc...). */
bool frame_skipped(const char *fn);
/* A line after which a report's first stack is over ("Allocated by task", "Freed by"). */
bool stack_stop(const char *s);
/* Space-separated kinds in table order, each once (static). */
const char *family_kinds(void);

#endif
