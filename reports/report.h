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

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "outcome.h"
#include "store.h"
#include "table.h"

#define REP_CLASSES OUTCOME__COUNTED	/* counted outcome classes (common/outcome.h) */
#define REP_MODES 3	/* native, nooks, domains */
#define REP_DOMAINS 2	/* index of the domains mode (stage 2), shown only when present */
#define REP_DETECT 16	/* detection mechanisms kept per extension and mode */

extern const char *const rep_mode_names[REP_MODES];

struct rep_cell {
	int n[REP_CLASSES];
	int total;
};

/* Counted trials of one mode by the NIM's detection mechanism (v_detection). */
struct rep_detect {
	char *mech[REP_DETECT];		/* write_protect, page_fault, wrapper_check, ... */
	int n[REP_DETECT];
	int count;
};

/* A fault caught by write protection that stage 1 missed (v_wp_caught). */
struct rep_wp {
	char *ext, *types, *target, *mutated;
	char *native_outcome, *nooks_outcome, *domains_outcome;	/* native may be NULL */
	int idx;
	int64_t seed, nooks_trial, domains_trial;
};

struct rep_ext {
	char *name;
	struct rep_cell mode[REP_MODES];
	int crashing, survived;		/* paired: native crash/hang, nooks survived */
	int failing, eliminated;	/* paired: native workload failed (crash or not),
					 * nooks passed: no_effect, recovered, or the workload
					 * passed and the guest neither crashed nor hung */
	/* paired per isolated mode (v_survival_modes): native crash/hang faults whose
	 * trial in mode m counted, and how many of those survived */
	int pcrashing[REP_MODES], psurvived[REP_MODES];
	struct rep_detect detect[REP_MODES];
	int wp_paired, wp_caught;	/* descriptors counted in nooks and domains; caught by
					 * write protection there but not detected in nooks */
	double *lat;			/* recovery latencies (ms), sorted */
	int n_lat;
	/* trials whose disk was checked with fsck.vfat -n after the VM exited */
	int fs_checked[REP_MODES], fs_corrupt[REP_MODES], fs_dirty[REP_MODES];
	int64_t *sites;			/* candidate sites per c->site_types[k]; -1: not counted */
};

/* A kernel the campaign's trials ran on (v_kernels; the campaign's image
 * when it has no trial yet). */
struct rep_kernel {
	char *version;			/* kernel_version of the image */
	char *source, *locked;		/* kernel_source ("lock", "fallback", "override")
					 * and what kernel.lock asked for; NULL: unknown */
	int trials;
};

/* Runtime-fault activation of counted trials (v_activation). */
struct rep_act {
	int known;		/* trials with runtime faults armed (activation observed) */
	int armed, fired;	/* runtime faults armed / fired in those trials */
	int trials_fired;	/* trials in which at least one fired */
};

struct rep_type {
	char *ext, *types;
	struct rep_cell mode[REP_MODES];
	struct rep_act act[REP_MODES];
};

struct rep_sig {
	char *kind, *title;
	int n, native_n, nooks_n, domains_n;
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
	struct rep_wp *wp;		/* caught by write protection, stage 1 missed */
	int n_wp;
	int mode_trials[REP_MODES];	/* counted trials per mode, all extensions */
	struct rep_kernel *kernels;	/* the kernels that ran (usually one) */
	int n_kernels;
	char **site_types;		/* fault types with counted candidate sites (v_sites);
					 * none for campaigns planned before migration 6 */
	int n_site_types;
};

/* Load campaign cid from the views; -1 with an error printed. */
int report_load(struct store *st, int64_t cid, struct rep_campaign *c /* out */);
/* Open db read-only, resolve campaign ("ID", "NAME" or NULL: the latest),
 * load it and close db; -1 with one error line. */
int report_load_db(const char *db, const char *campaign, struct rep_campaign *c /* out */);
void report_release(struct rep_campaign *c);
/* Index of mode name or class name, -1 if unknown. */
int rep_mode_index(const char *m);
int rep_class_index(const char *c);
/* Counted trials that neither crashed nor hung, in a cell. */
int rep_no_crash(const struct rep_cell *c);
/* Activation of a cell as text: "3/4 fired (75%)", or "unknown (code faults)". */
void rep_act_text(const struct rep_act *a, int trials, char *buf, size_t len);
/* Whether reports show mode m: native and nooks always, domains when it has trials. */
int rep_mode_shown(const struct rep_campaign *c, int m);
/* One row of the paired survival table: an extension in an isolated mode. */
struct rep_paired {
	const struct rep_ext *e;
	int mode;
	int crashing, survived;	/* native crashing faults, those that survived */
	double lo, hi;		/* 95% Wilson interval of survived / crashing */
};
/* Step *pos (start at 0) to the next extension and isolated mode with
 * trials and fill *p; 0 when there is none left. */
int rep_paired_next(const struct rep_campaign *c, int *pos, struct rep_paired *p /* out */);
/* Whether mode m runs under the NIM (nooks, domains). */
int rep_mode_isolated(int m);
/* Detection mechanisms of a mode as text: "write_protect 3, page_fault 2", or "-". */
void rep_detect_text(const struct rep_detect *d, char *buf, size_t len);
/* True if any trial of the campaign had its filesystem checked (VFAT). */
int rep_has_fs(const struct rep_campaign *c);
/* The kernel(s) that ran: "6.1.0-NN-amd64", "... (fallback from ABI=VERSION)",
 * with more than one "A (N trials), B (M trials)"; "?" when unknown. */
void rep_kernel_text(const struct rep_campaign *c, char *buf, size_t len);
/* The fault types extension e has no candidate site for ("irq, loop"), into
 * buf; their number (0: none missing, or not counted). */
int rep_missing_types(const struct rep_campaign *c, const struct rep_ext *e, char *buf,
		      size_t len);
/* For each extension whose module lacks a fault type: pre, its name, mid, the
 * types ("irq, loop"), post; the names and types through esc. */
void rep_print_missing(FILE *f, const struct rep_campaign *c, const char *pre, const char *mid,
		       const char *post, void (*esc)(FILE *, const char *));
/* The table of candidate sites per extension (rows) and fault type (its
 * columns are made for it: render and release it with rep_table_sites_render()). */
void rep_table_sites(struct table *t, const struct rep_campaign *c);
void rep_table_sites_render(struct table *t, int html, FILE *f);
/* index.html section: candidate sites per extension and fault type, and the
 * types an extension lacks (nothing for campaigns without counts). */
void report_html_sites(FILE *f, const struct rep_campaign *c);

/* Write DIR/index.html, DIR/trials/<id>.html, DIR/report.md, DIR/junit.xml. */
int report_write_all(struct store *st, const struct rep_campaign *c, const char *dir);
int report_write_html(struct store *st, const struct rep_campaign *c, const char *dir);
/* index.html sections of stage 2: NIM detection per mode, paired survival per
 * isolated mode, faults caught by write protection that stage 1 missed. */
void report_html_domains(FILE *f, const struct rep_campaign *c);
/* The same sections in report.md. */
void report_md_domains(FILE *f, const struct rep_campaign *c);
/* Tables that index.html and report.md share (report_tables.c); render
 * with rep_table_render(), which also releases the table. */
void rep_table_outcomes(struct table *t, const struct rep_campaign *c);
void rep_table_survival(struct table *t, const struct rep_campaign *c);
void rep_table_nonfatal(struct table *t, const struct rep_campaign *c);
void rep_table_fs(struct table *t, const struct rep_campaign *c);
void rep_table_sigs(struct table *t, const struct rep_campaign *c);
/* A row per (extension, fault types, mode) with trials, its first cells
 * extension, fault types, mode, trials; fill adds the rest. */
void rep_type_rows(struct table *t, const struct rep_campaign *c,
		   void (*fill)(struct table *t, const struct rep_type *ty, int m));
/* report.md's tables per fault type: outcomes, and runtime-fault activation. */
void rep_table_types_md(struct table *t, const struct rep_campaign *c);
void rep_table_activation_md(struct table *t, const struct rep_campaign *c);
void rep_table_render(struct table *t, int html, FILE *f);
int report_write_md(const struct rep_campaign *c, FILE *f);
int report_write_junit(struct store *st, const struct rep_campaign *c, FILE *f);
/* Campaign cid as KCIDB v5.3 JSON (report_kcidb.c): checkouts, builds, a test per trial. */
int report_write_kcidb(struct store *st, int64_t cid, FILE *f);
/* The summary table (also printed by campaign run and make demo). */
void report_print_summary(const struct rep_campaign *c, FILE *f);

/* Escape s for HTML/XML text and attributes; control characters become '?'. */

/* ---- compare and gate ------------------------------------------------------ */

/*
 * Compare and gate only compare trials that ran on one kernel.  0 when the
 * trials of a (and b, may be NULL) ran on one kernel version (unknown ones
 * aside): prints "kernel: ..." to f.  Otherwise a one-line error naming the
 * kernels and -1, unless allow: then prints "kernels differ ..." naming
 * both to f and returns 0.
 */
int report_kernel_check(const struct rep_campaign *a, const struct rep_campaign *b, int allow,
			FILE *f);

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
