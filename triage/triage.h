/*
 * triage.h - decide from a kernel console log whether the kernel crashed,
 * how, and where (after syzkaller's pkg/report).
 *
 * A pure library: console text in, verdict out.  It reads nothing, starts
 * nothing and never calls the trial runner; the runner and `nooks triage`
 * call it.  The first crash report in the log decides the verdict; a
 * WARNING decides it only when no crash report follows (crashed = false).
 * Reads the report formats of x86 kernels 2.6 to 6.x, with or without
 * timestamps, printk caller ids and syslog levels (docs/OUTCOMES.md).
 * Also the NIM's own lines (triage_nim.c): which event a line is, and how
 * the NIM detected a trial's first fault; and kmod/swifi's lines
 * (triage_swifi.c): runtime-fault activation and call counts.
 */
#ifndef NOOKS_TRIAGE_H
#define NOOKS_TRIAGE_H

#include <stdbool.h>
#include <stddef.h>

struct json_object;

#define TRIAGE_CHAIN_MAX 8

/* One report header in the log, e.g. the oops and then the panic it caused. */
struct triage_link {
	char kind[32];		/* the header's kind; "panic" for a "Kernel panic" line */
	char report[160];	/* the header line, prefixes stripped */
	int line;		/* 1-based */
};

struct triage_verdict {
	bool crashed;		/* a crash report (not a WARNING) was found */
	bool lockup;		/* a watchdog's report: lockups, RCU stall, hung task */
	bool panicked;		/* "Kernel panic - not syncing" was printed */
	bool in_interrupt;	/* ... "Fatal exception in interrupt" */
	char kind[32];		/* see triage_kinds(); "none" when nothing was found */
	char title[256];	/* normalized dedup key, e.g. "general protection fault in e1000_clean" */
	char guilty_function[128];
	char guilty_module[64];	/* "" when the guilty frame is in the core kernel */
	char panic_reason[160];	/* normalized "Kernel panic - not syncing: ..." text */
	char report[256];	/* the report's first line, timestamp stripped */
	int first_line;		/* 1-based line range of the report in the log; 0 if none */
	int last_line;
	char caller[12];	/* the report's printk caller id ("T123", "C0"), or "" */
	int chain_len;		/* the log's reports in order (the first TRIAGE_CHAIN_MAX) */
	struct triage_link chain[TRIAGE_CHAIN_MAX];
};

/* Triage a console log of len bytes (need not be NUL-terminated); fills v /out/. */
void triage_console(const char *text, size_t len, struct triage_verdict *v);
/* Space-separated list of every kind triage can report (static string). */
const char *triage_kinds(void);
/* The verdict as a new JSON object (fields named as in the struct). */
struct json_object *triage_to_json(const struct triage_verdict *v);

/* ---- the NIM's lines (triage_nim.c) ---- */

enum nim_event_kind { NIM_OTHER, NIM_DETECTED, NIM_RECOVERED, NIM_RECOVERY_FAILED };

/*
 * How the NIM detected the first fault of a trial (docs/OUTCOMES.md).  The
 * NIM prints, for a write into memory its protection domain does not grant
 * (stage 2), "nooks: detail domain=D write_protect=ADDR target=SYM+0x.. ip=.."
 * just before the fault line "nooks: fault domain=D kind=K ..."; for every
 * other detection only the fault line (kind: page_fault, gpf, trap, bug,
 * stack_protector, panic, fortify, wrapper_check, leaked_lock, double_fault,
 * lock_underflow, irq_off, irq_on, rcu_leak, deadlock).
 */
struct nim_detection {
	char mechanism[32];	/* "write_protect", a fault line's kind, "unknown"; "" none */
	char target[128];	/* write_protect: the target= symbol written to, else "" */
};

/* Feed one NIM line in order: kmsg text or a console line ("[ t] nooks: ...");
 * the first detail write_protect or fault line decides, later lines are ignored. */
void nim_detection_feed(struct nim_detection *d, const char *line);
/* Feed every line of a console log (text of len bytes, need not be NUL-terminated). */
void nim_detection_scan(struct nim_detection *d, const char *text, size_t len);

/* Kind of a NIM event message ("nooks: recovered ext=e1000 ..."). */
enum nim_event_kind nim_event_classify(const char *msg);
/* Integer value of key=... in a NIM event line, or -1 (absent, not a number, not an event). */
long long nim_event_value(const char *msg, const char *key);

/* ---- kmod/swifi's lines (triage_swifi.c) ---- */

/*
 * Fault activation: count "swifi: event=armed ..." / "code_armed ..." and
 * "swifi: event=fired ..." / "code_fired ..." lines of a console log (len
 * bytes, need not be NUL-terminated) into *armed and *fired: runtime
 * faults armed and injected, transient code-fault sites written into the
 * live text and executed.  Both -1 when nothing was armed (unknown for a
 * persistent code fault or a profiling run; the executor knows a transient
 * fault whose trigger never came: 0 armed).
 */
void swifi_activation_scan(const char *console, size_t len, int *armed /* out */,
			   int *fired /* out */);
/*
 * A profiling run's call counts: every "swifi: event=calls sym=S count=N"
 * line of a console log into *calls ({S: N}, a new object).  0 when the end
 * mark "swifi: event=calls_done" was seen, 1 if not (the guest died before
 * power-off), -1 with an error on a malformed calls line or N > max_count
 * (*calls NULL).
 */
int swifi_calls_scan(const char *console, size_t len, long long max_count,
		     struct json_object **calls /* out */);

#endif
