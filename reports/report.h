/*
 * report.h - campaign results as read from the store's views, and the
 * writers: self-contained HTML with inline SVG (index + one page per
 * trial), report.md and junit.xml; plus compare and gate over two loaded
 * campaigns.
 *
 * Everything here reads the database through the views of db/schema.sql
 * and never writes to it.  Every string that came from the guest (crash
 * titles, console and agent logs, workload reasons, metrics) is escaped
 * before it reaches HTML or XML.
 */
#ifndef NOOKS_REPORT_H
#define NOOKS_REPORT_H

#include <stdint.h>
#include <stdio.h>

#include "store.h"

#define REP_CLASSES 7	/* counted outcome classes (infra_error excluded) */
#define REP_MODES 2	/* native, nooks */

extern const char *const rep_class_names[REP_CLASSES];
extern const char *const rep_mode_names[REP_MODES];

struct rep_cell {
	int n[REP_CLASSES];
	int total;
};

struct rep_ext {
	char *name;
	struct rep_cell mode[REP_MODES];
	int crashing, survived;		/* paired: native crash/hang, nooks survived */
	double *lat;			/* recovery latencies (ms), sorted */
	int n_lat;
};

struct rep_type {
	char *ext, *types;
	struct rep_cell mode[REP_MODES];
};

struct rep_sig {
	char *kind, *title;
	int n, native_n, nooks_n;
	int64_t example;
	char *first, *last;
};

struct rep_campaign {
	int64_t id;
	char *name, *created, *finished, *kernel, *spec;
	int planned, stored, infra_attempts;
	struct rep_ext *ext;
	int n_ext;
	struct rep_type *types;
	int n_types;
	struct rep_sig *sigs;
	int n_sigs;
};

/* Load campaign cid from the views; -1 with an error printed. */
int report_load(struct store *st, int64_t cid, struct rep_campaign *c /* out */);
void report_release(struct rep_campaign *c);
/* Index of mode name or class name, -1 if unknown. */
int rep_mode_index(const char *m);
int rep_class_index(const char *c);
/* Counted trials that neither crashed nor hung, in a cell. */
int rep_no_crash(const struct rep_cell *c);

/* Write DIR/index.html, DIR/trials/<id>.html, DIR/report.md, DIR/junit.xml. */
int report_write_all(struct store *st, const struct rep_campaign *c, const char *dir);
int report_write_html(struct store *st, const struct rep_campaign *c, const char *dir);
int report_write_md(const struct rep_campaign *c, FILE *f);
int report_write_junit(struct store *st, const struct rep_campaign *c, FILE *f);
/* The summary table (also printed by campaign run and make demo). */
void report_print_summary(const struct rep_campaign *c, FILE *f);

/* Escape s for HTML/XML text and attributes; control characters become '?'. */
void html_escape(FILE *f, const char *s);

/* ---- compare and gate ------------------------------------------------------ */

/* Print A vs B (or native vs nooks of A when b is NULL); returns the number
 * of significant differences (p < 0.05). */
int report_compare(const struct rep_campaign *a, const struct rep_campaign *b, FILE *f);

struct gate_rule {
	char metric[32];	/* "survival" or "no_crash" */
	char mode[16];		/* for no_crash: "native", "nooks" or "" (both) */
	double max_drop;	/* allowed drop of the rate, 0..1 */
	double confidence;	/* of the difference interval, e.g. 0.95 */
	int min_trials;		/* skip the rule below this many trials per side */
};

/* Load rules from a JSON file, or the defaults when path is NULL. */
int gate_rules_load(const char *path, struct gate_rule **r /* out */, int *n /* out */);
/* Evaluate; prints one line per failed rule to f; returns the failure count. */
int gate_eval(const struct rep_campaign *base, const struct rep_campaign *cand,
	      const struct gate_rule *r, int n, FILE *f);

#endif
