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

#endif
