/*
 * report_data.c - load one campaign's results from the store's views into
 * a struct rep_campaign (see report.h).  Read-only; every query is a
 * SELECT on a view or a base table by id, with bound parameters.  The file
 * may be damaged or hostile: a row without the name it is keyed by is
 * skipped, never dereferenced.
 */
#define _GNU_SOURCE
#include "report.h"

#include <stdlib.h>
#include <string.h>

#include "stats.h"
#include "util.h"

const char *const rep_mode_names[REP_MODES] = { "native", "nooks", "domains" };

int rep_mode_shown(const struct rep_campaign *c, int m)
{
	return m < REP_DOMAINS || c->mode_trials[m] > 0;
}

int rep_mode_isolated(int m) { return m > 0; }

int rep_paired_next(const struct rep_campaign *c, int *pos, struct rep_paired *p)
{
	int n = (REP_MODES - 1) * c->n_ext;

	for (; *pos < n; (*pos)++) {
		const struct rep_ext *e = &c->ext[*pos / (REP_MODES - 1)];
		int m = 1 + *pos % (REP_MODES - 1);

		if (!e->mode[m].total)
			continue;
		p->e = e;
		p->mode = m;
		p->crashing = e->pcrashing[m];
		p->survived = e->psurvived[m];
		wilson(p->survived, p->crashing, Z95, &p->lo, &p->hi);
		(*pos)++;
		return 1;
	}
	return 0;
}

void rep_detect_text(const struct rep_detect *d, char *buf, size_t len)
{
	size_t o = 0;
	int i;

	buf[0] = '\0';
	for (i = 0; i < d->count && o < len; i++)
		o += (size_t)snprintf(buf + o, len - o, "%s%s %d", i ? ", " : "", d->mech[i], d->n[i]);
	if (!d->count)
		snprintf(buf, len, "-");
}

int rep_mode_index(const char *m)
{
	int i;

	for (i = 0; m && i < REP_MODES; i++)
		if (!strcmp(m, rep_mode_names[i]))
			return i;
	return -1;
}

int rep_class_index(const char *c)
{
	int i;

	for (i = 0; c && i < REP_CLASSES; i++)
		if (!strcmp(c, outcome_name(i)))
			return i;
	return -1;
}

int rep_no_crash(const struct rep_cell *c)
{
	return c->total - c->n[2] - c->n[3];
}

int rep_has_fs(const struct rep_campaign *c)
{
	int i;

	for (i = 0; i < c->n_ext; i++)
		if (c->ext[i].fs_checked[0] || c->ext[i].fs_checked[1] ||
		    c->ext[i].fs_checked[REP_DOMAINS])
			return 1;
	return 0;
}

static char *col_str(sqlite3_stmt *s, int i)
{
	const unsigned char *t = sqlite3_column_text(s, i);

	return t ? xstrdup((const char *)t) : NULL;
}

static sqlite3_stmt *q(struct store *st, const char *sql, int64_t cid)
{
	sqlite3_stmt *s = store_prepare(st, sql);

	if (s)
		sqlite3_bind_int64(s, 1, cid);
	return s;
}

static struct rep_ext *find_ext(struct rep_campaign *c, const char *name)
{
	int i;

	for (i = 0; name && i < c->n_ext; i++)
		if (!strcmp(c->ext[i].name, name))
			return &c->ext[i];
	return NULL;
}

static void add_cell(struct rep_cell *cell, const char *outcome, int n)
{
	int k = rep_class_index(outcome);

	if (k < 0)
		return;
	cell->n[k] += n;
	cell->total += n;
}

/* Fill from one result row; arg is the caller's. */
typedef void (*row_fn)(struct rep_campaign *c, sqlite3_stmt *s, void *arg);

/* Run sql (?1: the campaign) and fill(c, row, arg) for each row. */
static int each_row(struct store *st, struct rep_campaign *c, const char *sql, row_fn fill,
		    void *arg)
{
	sqlite3_stmt *s = q(st, sql, c->id);

	if (!s)
		return -1;
	while (sqlite3_step(s) == SQLITE_ROW)
		fill(c, s, arg);
	sqlite3_finalize(s);
	return 0;
}

/* Append one zeroed element of size bytes to the array *(void **)arr of *n. */
static void *append(void *arr, int *n, size_t size)
{
	void **a = arr;

	*a = xrealloc(*a, (size_t)(*n + 1) * size);
	memset((char *)*a + (size_t)*n * size, 0, size);
	return (char *)*a + (size_t)(*n)++ * size;
}

static int load_header(struct store *st, struct rep_campaign *c)
{
	sqlite3_stmt *s = q(st,
		"SELECT c.name, c.created_at, c.finished_at, i.kernel_version, c.planned, "
		"c.spec_json, (SELECT COUNT(*) FROM trials t WHERE t.campaign_id = c.id), "
		"(SELECT COUNT(*) FROM infra_attempts a WHERE a.campaign_id = c.id) "
		"FROM campaigns c LEFT JOIN images i ON i.id = c.image_id WHERE c.id = ?1", c->id);

	if (!s)
		return -1;
	if (sqlite3_step(s) != SQLITE_ROW) {
		sqlite3_finalize(s);
		return error("unknown campaign '%lld' in database '%s'", (long long)c->id,
			     store_path(st));
	}
	c->name = col_str(s, 0);
	c->created = col_str(s, 1);
	c->finished = col_str(s, 2);
	c->kernel = col_str(s, 3);
	c->planned = sqlite3_column_int(s, 4);
	c->spec = col_str(s, 5);
	c->stored = sqlite3_column_int(s, 6);
	c->infra_attempts = sqlite3_column_int(s, 7);
	sqlite3_finalize(s);
	return 0;
}

/* One row of a per-extension view: its extension e and mode m (-1: not by mode). */
typedef void (*ext_row_fn)(struct rep_campaign *c, struct rep_ext *e, int m, sqlite3_stmt *s);

struct ext_rows {
	int by_mode;
	ext_row_fn fill;
};

static void ext_row(struct rep_campaign *c, sqlite3_stmt *s, void *arg)
{
	const struct ext_rows *x = arg;
	struct rep_ext *e = find_ext(c, (const char *)sqlite3_column_text(s, 0));
	int m = x->by_mode ? rep_mode_index((const char *)sqlite3_column_text(s, 1)) : -1;

	if (e && (!x->by_mode || m >= 0))
		x->fill(c, e, m, s);
}

/*
 * Run sql (?1: the campaign) and fill each row whose column 0 names an
 * extension and, when by_mode, column 1 a mode; other rows are skipped
 * (only a damaged database has them).
 */
static int each_ext_row(struct store *st, struct rep_campaign *c, const char *sql, int by_mode,
			ext_row_fn fill)
{
	struct ext_rows x = { by_mode, fill };

	return each_row(st, c, sql, ext_row, &x);
}

static void fill_outcomes(struct rep_campaign *c, struct rep_ext *e, int m, sqlite3_stmt *s)
{
	add_cell(&e->mode[m], (const char *)sqlite3_column_text(s, 2), sqlite3_column_int(s, 3));
	c->mode_trials[m] += sqlite3_column_int(s, 3);
}

static void fill_survival(struct rep_campaign *c, struct rep_ext *e, int m, sqlite3_stmt *s)
{
	(void)c, (void)m;
	e->crashing = sqlite3_column_int(s, 1);
	e->survived = sqlite3_column_int(s, 2);
}

static void fill_nonfatal(struct rep_campaign *c, struct rep_ext *e, int m, sqlite3_stmt *s)
{
	(void)c, (void)m;
	e->failing = sqlite3_column_int(s, 1);
	e->eliminated = sqlite3_column_int(s, 2);
}

static void fill_latency(struct rep_campaign *c, struct rep_ext *e, int m, sqlite3_stmt *s)
{
	(void)c, (void)m;
	e->lat = xrealloc(e->lat, (size_t)(e->n_lat + 1) * sizeof(double));
	e->lat[e->n_lat++] = sqlite3_column_double(s, 1);
}

static void add_ext(struct rep_campaign *c, sqlite3_stmt *s, void *arg)
{
	struct rep_ext *e;

	(void)arg;
	if (sqlite3_column_type(s, 0) == SQLITE_NULL)
		return;	/* only a damaged database has one */
	e = append(&c->ext, &c->n_ext, sizeof(*c->ext));
	e->name = col_str(s, 0);
}

static int load_exts(struct store *st, struct rep_campaign *c)
{
	return each_row(st, c, "SELECT name FROM extensions WHERE campaign_id = ?1 ORDER BY id",
			add_ext, NULL) ||
	       each_ext_row(st, c, "SELECT extension, mode, outcome, n FROM v_outcomes "
			    "WHERE campaign_id = ?1", 1, fill_outcomes) ||
	       each_ext_row(st, c, "SELECT extension, crashing, survived FROM v_survival "
			    "WHERE campaign_id = ?1", 0, fill_survival) ||
	       each_ext_row(st, c, "SELECT n.extension, COUNT(*), "
			    "SUM(k.outcome IN ('no_effect', 'recovered') OR (k.workload_pass = 1 "
			    "AND k.outcome NOT IN ('crash', 'hang'))) FROM v_trials n "
			    "JOIN v_trials k ON k.fault_id = n.fault_id AND k.mode = 'nooks' "
			    "WHERE n.campaign_id = ?1 AND n.mode = 'native' AND "
			    "n.outcome IN ('functional', 'crash', 'hang') AND "
			    "k.outcome <> 'infra_error' GROUP BY n.extension", 0, fill_nonfatal) ||
	       each_ext_row(st, c, "SELECT extension, recovery_ms FROM v_trials WHERE "
			    "campaign_id = ?1 AND mode = 'nooks' AND recovery_ms IS NOT NULL "
			    "ORDER BY recovery_ms", 0, fill_latency) ? -1 : 0;
}

static void fill_paired(struct rep_campaign *c, struct rep_ext *e, int m, sqlite3_stmt *s)
{
	(void)c;
	e->pcrashing[m] = sqlite3_column_int(s, 2);
	e->psurvived[m] = sqlite3_column_int(s, 3);
}

static void fill_detection(struct rep_campaign *c, struct rep_ext *e, int m, sqlite3_stmt *s)
{
	struct rep_detect *d = &e->detect[m];

	(void)c;
	if (d->count == REP_DETECT)
		return;
	d->mech[d->count] = col_str(s, 2);
	d->n[d->count++] = sqlite3_column_int(s, 3);
}

static void fill_wp_summary(struct rep_campaign *c, struct rep_ext *e, int m, sqlite3_stmt *s)
{
	(void)c, (void)m;
	e->wp_paired = sqlite3_column_int(s, 1);
	e->wp_caught = sqlite3_column_int(s, 2);
}

static void add_wp(struct rep_campaign *c, sqlite3_stmt *s, void *arg)
{
	struct rep_wp *w = append(&c->wp, &c->n_wp, sizeof(*c->wp));

	(void)arg;
	w->ext = col_str(s, 0);
	w->idx = sqlite3_column_int(s, 1);
	w->types = col_str(s, 2);
	w->seed = sqlite3_column_int64(s, 3);
	w->target = col_str(s, 4);
	w->mutated = col_str(s, 5);
	w->native_outcome = col_str(s, 6);
	w->nooks_outcome = col_str(s, 7);
	w->domains_outcome = col_str(s, 8);
	w->nooks_trial = sqlite3_column_int64(s, 9);
	w->domains_trial = sqlite3_column_int64(s, 10);
}

/* Paired survival per isolated mode, detection mechanisms, and the faults caught
 * by write protection that stage 1 missed (migration 5 views). */
static int load_modes(struct store *st, struct rep_campaign *c)
{
	if (each_ext_row(st, c, "SELECT extension, mode, crashing, survived FROM v_survival_modes "
			 "WHERE campaign_id = ?1", 1, fill_paired) ||
	    each_ext_row(st, c, "SELECT extension, mode, nim_detection, n FROM v_detection "
			 "WHERE campaign_id = ?1 AND nim_detection IS NOT NULL "
			 "ORDER BY extension, mode, n DESC, nim_detection", 1, fill_detection) ||
	    each_ext_row(st, c, "SELECT extension, paired, caught FROM v_wp_summary "
			 "WHERE campaign_id = ?1", 0, fill_wp_summary))
		return -1;
	return each_row(st, c, "SELECT extension, fault_idx, fault_types, fault_seed, target, "
			"mutated, native_outcome, nooks_outcome, domains_outcome, nooks_trial_id, "
			"domains_trial_id FROM v_wp_caught WHERE campaign_id = ?1 "
			"ORDER BY extension, fault_idx", add_wp, NULL);
}

static void fill_fs(struct rep_campaign *c, struct rep_ext *e, int m, sqlite3_stmt *s)
{
	(void)c;
	e->fs_checked[m] = sqlite3_column_int(s, 2);
	e->fs_corrupt[m] = sqlite3_column_int(s, 3);
	e->fs_dirty[m] = sqlite3_column_int(s, 4);
}

static int load_fs(struct store *st, struct rep_campaign *c)
{
	return each_ext_row(st, c, "SELECT extension, mode, checked, corrupt, dirty FROM "
			    "v_fs_corrupt WHERE campaign_id = ?1", 1, fill_fs);
}

/* The (extension, fault types) entry named by a row's columns 0 and 1, made if
 * make and new; NULL when a name is missing or (not make) it is unknown. */
static struct rep_type *find_type(struct rep_campaign *c, sqlite3_stmt *s, int make)
{
	const char *e = (const char *)sqlite3_column_text(s, 0);
	const char *t = (const char *)sqlite3_column_text(s, 1);
	struct rep_type *ty;
	int i;

	if (!e || !t)
		return NULL;
	for (i = 0; i < c->n_types; i++)
		if (!strcmp(c->types[i].ext, e) && !strcmp(c->types[i].types, t))
			return &c->types[i];
	if (!make)
		return NULL;
	ty = append(&c->types, &c->n_types, sizeof(*c->types));
	ty->ext = xstrdup(e);
	ty->types = xstrdup(t);
	return ty;
}

static void add_type_outcome(struct rep_campaign *c, sqlite3_stmt *s, void *arg)
{
	struct rep_type *ty = find_type(c, s, 1);
	int m = rep_mode_index((const char *)sqlite3_column_text(s, 2));

	(void)arg;
	if (ty && m >= 0)
		add_cell(&ty->mode[m], (const char *)sqlite3_column_text(s, 3),
			 sqlite3_column_int(s, 4));
}

static void fill_activation(struct rep_campaign *c, sqlite3_stmt *s, void *arg)
{
	struct rep_type *ty = find_type(c, s, 0);
	int m = rep_mode_index((const char *)sqlite3_column_text(s, 2));

	(void)arg;
	if (!ty || m < 0)
		return;
	ty->act[m].known = sqlite3_column_int(s, 3);
	ty->act[m].armed = sqlite3_column_int(s, 4);
	ty->act[m].fired = sqlite3_column_int(s, 5);
	ty->act[m].trials_fired = sqlite3_column_int(s, 6);
}

/* Outcomes, then runtime-fault activation, per (extension, fault types, mode). */
static int load_types(struct store *st, struct rep_campaign *c)
{
	return each_row(st, c, "SELECT extension, fault_types, mode, outcome, n FROM "
			"v_outcomes_by_type WHERE campaign_id = ?1 ORDER BY extension, fault_types",
			add_type_outcome, NULL) ||
	       each_row(st, c, "SELECT extension, fault_types, mode, known, armed, fired, "
			"trials_fired FROM v_activation WHERE campaign_id = ?1",
			fill_activation, NULL) ? -1 : 0;
}

void rep_act_text(const struct rep_act *a, int trials, char *buf, size_t len)
{
	if (!a->known)
		snprintf(buf, len, "unknown (persistent code faults: activation not observed)");
	else if (a->known < trials)
		snprintf(buf, len, "%d/%d fired (%.0f%%) in %d of %d trials; rest unknown",
			 a->fired, a->armed, a->armed ? 100.0 * a->fired / a->armed : 0.0,
			 a->known, trials);
	else
		snprintf(buf, len, "%d/%d fired (%.0f%%)", a->fired, a->armed,
			 a->armed ? 100.0 * a->fired / a->armed : 0.0);
}

static void add_sig(struct rep_campaign *c, sqlite3_stmt *s, void *arg)
{
	struct rep_sig *g = append(&c->sigs, &c->n_sigs, sizeof(*c->sigs));

	(void)arg;
	g->kind = col_str(s, 0);
	g->title = col_str(s, 1);
	g->n = sqlite3_column_int(s, 2);
	g->native_n = sqlite3_column_int(s, 3);
	g->nooks_n = sqlite3_column_int(s, 4);
	g->example = sqlite3_column_int64(s, 5);
	g->first = col_str(s, 6);
	g->last = col_str(s, 7);
	g->domains_n = sqlite3_column_int(s, 8);
}

static void add_kernel(struct rep_campaign *c, sqlite3_stmt *s, void *arg)
{
	struct rep_kernel *k = append(&c->kernels, &c->n_kernels, sizeof(*c->kernels));

	(void)arg;
	k->version = col_str(s, 0);
	k->source = col_str(s, 1);
	k->locked = col_str(s, 2);
	k->trials = sqlite3_column_int(s, 3);
}

/* Crash signatures; the kernels the trials ran on (the campaign's image before any trial). */
static int load_sigs(struct store *st, struct rep_campaign *c)
{
	return each_row(st, c, "SELECT kind, title, n, native_n, nooks_n, example_trial_id, "
			"first_seen, last_seen, domains_n FROM v_signatures WHERE campaign_id = ?1 "
			"ORDER BY n DESC, title", add_sig, NULL) ||
	       each_row(st, c, "SELECT kernel_version, kernel_source, kernel_locked, trials, "
			"image_id FROM v_kernels WHERE campaign_id = ?1 UNION ALL SELECT "
			"i.kernel_version, i.kernel_source, i.kernel_locked, 0, i.id FROM campaigns c "
			"JOIN images i ON i.id = c.image_id WHERE c.id = ?1 AND NOT EXISTS "
			"(SELECT 1 FROM trials t WHERE t.campaign_id = ?1) ORDER BY 5",
			add_kernel, NULL) ? -1 : 0;
}

static void add_sites(struct rep_campaign *c, sqlite3_stmt *s, void *arg)
{
	struct rep_ext *e = find_ext(c, (const char *)sqlite3_column_text(s, 0));
	const char *t = (const char *)sqlite3_column_text(s, 1);
	int i, k;

	(void)arg;
	if (!t)
		return;
	for (k = 0; k < c->n_site_types && strcmp(c->site_types[k], t); k++)
		;
	if (k == c->n_site_types) {
		c->site_types = xrealloc(c->site_types, (size_t)(k + 1) * sizeof(char *));
		c->site_types[c->n_site_types++] = xstrdup(t);
		for (i = 0; i < c->n_ext; i++) {
			c->ext[i].sites = xrealloc(c->ext[i].sites, (size_t)(k + 1) * sizeof(int64_t));
			c->ext[i].sites[k] = -1;
		}
	}
	if (e)
		e->sites[k] = sqlite3_column_int64(s, 2);
}

/* Candidate sites per extension and fault type (campaigns planned since migration 6). */
static int load_sites(struct store *st, struct rep_campaign *c)
{
	return each_row(st, c, "SELECT extension, fault_type, sites FROM v_sites "
			"WHERE campaign_id = ?1 ORDER BY ord", add_sites, NULL);
}

int report_load(struct store *st, int64_t cid, struct rep_campaign *c)
{
	memset(c, 0, sizeof(*c));
	c->id = cid;
	if (load_header(st, c) || load_exts(st, c) || load_modes(st, c) || load_fs(st, c) ||
	    load_types(st, c) || load_sigs(st, c) || load_sites(st, c)) {
		report_release(c);
		return -1;
	}
	return 0;
}

int report_load_db(const char *db, const char *campaign, struct rep_campaign *c)
{
	struct store *st;
	int64_t id;
	int r;

	memset(c, 0, sizeof(*c));
	if (store_open(db, STORE_RO, &st))
		return -1;
	r = store_campaign_resolve(st, campaign, &id) || report_load(st, id, c) ? -1 : 0;
	store_close(st);
	return r;
}

void report_release(struct rep_campaign *c)
{
	int i;

	free(c->name);
	free(c->created);
	free(c->finished);
	free(c->kernel);
	free(c->spec);
	for (i = 0; i < c->n_ext; i++) {
		int m, k;

		free(c->ext[i].name);
		free(c->ext[i].lat);
		free(c->ext[i].sites);
		for (m = 0; m < REP_MODES; m++)
			for (k = 0; k < c->ext[i].detect[m].count; k++)
				free(c->ext[i].detect[m].mech[k]);
	}
	free(c->ext);
	for (i = 0; i < c->n_types; i++) {
		free(c->types[i].ext);
		free(c->types[i].types);
	}
	free(c->types);
	for (i = 0; i < c->n_sigs; i++) {
		free(c->sigs[i].kind);
		free(c->sigs[i].title);
		free(c->sigs[i].first);
		free(c->sigs[i].last);
	}
	free(c->sigs);
	for (i = 0; i < c->n_wp; i++) {
		free(c->wp[i].ext);
		free(c->wp[i].types);
		free(c->wp[i].target);
		free(c->wp[i].mutated);
		free(c->wp[i].native_outcome);
		free(c->wp[i].nooks_outcome);
		free(c->wp[i].domains_outcome);
	}
	free(c->wp);
	for (i = 0; i < c->n_kernels; i++) {
		free(c->kernels[i].version);
		free(c->kernels[i].source);
		free(c->kernels[i].locked);
	}
	free(c->kernels);
	for (i = 0; i < c->n_site_types; i++)
		free(c->site_types[i]);
	free(c->site_types);
	memset(c, 0, sizeof(*c));
}
