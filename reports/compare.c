/*
 * compare.c - `nooks compare` and `nooks gate` logic over loaded campaigns.
 *
 * compare: per extension, mode and outcome class, counts and rates with 95%
 * Wilson intervals side by side and the two-proportion test; differences
 * with p < 0.05 are marked.  Within one campaign with domains trials it also
 * compares native vs domains and nooks vs domains (paired survival), and it
 * prints how the NIM detected faults per isolated mode.  gate: each rule compares a rate of baseline
 * and candidate through Newcombe's interval for the difference and fails
 * only when the whole interval lies below -max_drop, so one flaky trial
 * cannot fail the gate.  Prints, never exits.
 */
#define _GNU_SOURCE
#include "report.h"

#include <json-c/json.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "stats.h"
#include "util.h"

/* The columns of compare's rows, printed as printf("%-12s %-26s %-30s ...")
 * would; the last column's text starts with its second space. */
static const struct tab_col cmp_cols[] = {
	COL_LW("extension", 12), COL_LW("class", 26), COL_LW("A  n/N  rate [95% CI]", 30),
	COL_LW("B  n/N  rate [95% CI]", 30), COL_L(" two-proportion test"),
};

static void cmp_table(struct table *t, int head)
{
	tab_init(t, NULL, cmp_cols, (int)(sizeof(cmp_cols) / sizeof(cmp_cols[0])));
	if (!head)
		tab_no_head(t);
}

/* Print the rows of t so far; t goes on without a header row. */
static void cmp_flush(struct table *t, FILE *f)
{
	tab_fixed_render(t, f);
	tab_release(t);
	cmp_table(t, 0);
}

static void rate_cell(struct table *t, int k, int n)
{
	double lo, hi;

	wilson(k, n, Z95, &lo, &hi);
	tab_cell(t, "%4d/%-4d %5.1f%% [%5.1f-%5.1f]", k, n, 100 * rate(k, n), 100 * lo, 100 * hi);
}

static int compare_row(struct table *t, const char *ext, const char *what, int k1, int n1,
		       int k2, int n2)
{
	double p = two_prop_p(k1, n1, k2, n2);
	int sig = p < 0.05 && n1 && n2;

	tab_row(t);
	tab_text(t, ext);
	tab_text(t, what);
	rate_cell(t, k1, n1);
	rate_cell(t, k2, n2);
	tab_cell(t, " p=%.3f%s", p, sig ? " *" : "");
	return sig;
}

static const struct rep_ext *find(const struct rep_campaign *c, const char *name)
{
	int i;

	for (i = 0; i < c->n_ext; i++)
		if (!strcmp(c->ext[i].name, name))
			return &c->ext[i];
	return NULL;
}

/* Per class and no crash/hang: cell ca of A against cell cb of B. */
static int compare_cells(struct table *t, const char *ext, const char *prefix,
			 const struct rep_cell *ca, const struct rep_cell *cb)
{
	char what[64];
	int k, sig = 0;

	for (k = 0; k < REP_CLASSES; k++) {
		if (!ca->n[k] && !cb->n[k])
			continue;
		snprintf(what, sizeof(what), "%s%s", prefix, outcome_name(k));
		sig += compare_row(t, ext, what, ca->n[k], ca->total, cb->n[k], cb->total);
	}
	snprintf(what, sizeof(what), "%sno crash/hang", prefix);
	return sig + compare_row(t, ext, what, rep_no_crash(ca), ca->total, rep_no_crash(cb),
				 cb->total);
}

/* How the NIM detected faults, per isolated mode with trials. */
static void print_detection(FILE *f, const char *tag, const struct rep_campaign *c)
{
	char buf[512];
	int i, m;

	for (i = 0; i < c->n_ext; i++)
		for (m = 1; m < REP_MODES; m++)
			if (c->ext[i].mode[m].total) {
				rep_detect_text(&c->ext[i].detect[m], buf, sizeof(buf));
				fprintf(f, "%s%-12s %-7s NIM detection: %s\n", tag, c->ext[i].name,
					rep_mode_names[m], buf);
			}
}

/* Within one campaign: native vs nooks, and with domains trials also native vs
 * domains and nooks vs domains (paired survival of native crashing faults). */
static int compare_within(const struct rep_campaign *a, FILE *f)
{
	static const int pairs[][2] = { { 0, 1 }, { 0, REP_DOMAINS }, { 1, REP_DOMAINS } };
	int i, p, sig = 0, np = rep_mode_shown(a, REP_DOMAINS) ? 3 : 1;

	for (p = 0; p < np; p++) {
		int x = pairs[p][0], y = pairs[p][1];
		struct table t;

		fprintf(f, "campaign %s (#%lld): %s (A) vs %s (B)\n", a->name, (long long)a->id,
			rep_mode_names[x], rep_mode_names[y]);
		cmp_table(&t, !p);	/* one header, above the first pair */
		for (i = 0; i < a->n_ext; i++) {
			const struct rep_ext *e = &a->ext[i];

			sig += compare_cells(&t, e->name, "", &e->mode[x], &e->mode[y]);
			if (x && y)
				sig += compare_row(&t, e->name, "survived crashing faults",
						   e->psurvived[x], e->pcrashing[x], e->psurvived[y],
						   e->pcrashing[y]);
		}
		tab_fixed_render(&t, f);
		tab_release(&t);
	}
	print_detection(f, "", a);
	return sig;
}

int report_compare(const struct rep_campaign *a, const struct rep_campaign *b, FILE *f)
{
	int i, m, sig = 0;
	char what[64];
	struct table t;

	if (!b) {
		sig = compare_within(a, f);
		fprintf(f, "%d significant difference%s (p < 0.05, marked *)\n", sig,
			sig == 1 ? "" : "s");
		return sig;
	}
	fprintf(f, "A = %s (#%lld), B = %s (#%lld)\n", a->name, (long long)a->id, b->name,
		(long long)b->id);
	cmp_table(&t, 1);
	for (i = 0; i < a->n_ext; i++) {
		const struct rep_ext *ea = &a->ext[i], *eb = find(b, ea->name);

		if (!eb) {
			cmp_flush(&t, f);
			fprintf(f, "%-12s only in A\n", ea->name);
			continue;
		}
		for (m = 0; m < REP_MODES; m++) {
			if (m == REP_DOMAINS && !ea->mode[m].total && !eb->mode[m].total)
				continue;
			snprintf(what, sizeof(what), "%s ", rep_mode_names[m]);
			sig += compare_cells(&t, ea->name, what, &ea->mode[m], &eb->mode[m]);
		}
		sig += compare_row(&t, ea->name, "survived crashing faults", ea->survived,
				   ea->crashing, eb->survived, eb->crashing);
		if (ea->mode[REP_DOMAINS].total || eb->mode[REP_DOMAINS].total)
			sig += compare_row(&t, ea->name, "domains survived crashing", ea->psurvived[2],
					   ea->pcrashing[2], eb->psurvived[2], eb->pcrashing[2]);
	}
	tab_fixed_render(&t, f);
	tab_release(&t);
	for (i = 0; i < b->n_ext; i++)
		if (!find(a, b->ext[i].name))
			fprintf(f, "%-12s only in B\n", b->ext[i].name);
	print_detection(f, "A: ", a);
	print_detection(f, "B: ", b);
	fprintf(f, "%d significant difference%s (p < 0.05, marked *)\n", sig, sig == 1 ? "" : "s");
	return sig;
}

/* ---- gate ------------------------------------------------------------------------ */

static double z_for(double confidence)
{
	double lo = 0, hi = 10;
	int i;

	for (i = 0; i < 100; i++) {
		double mid = (lo + hi) / 2;

		if (erfc(mid / sqrt(2.0)) > 1.0 - confidence)
			lo = mid;
		else
			hi = mid;
	}
	return (lo + hi) / 2;
}

static void default_rules(struct gate_rule **r, int *n)
{
	*r = xcalloc(2, sizeof(**r));
	strcpy((*r)[0].metric, "survival");
	(*r)[0].confidence = 0.95;
	(*r)[0].min_trials = 1;
	strcpy((*r)[1].metric, "no_crash");
	strcpy((*r)[1].mode, "nooks");
	(*r)[1].confidence = 0.95;
	(*r)[1].min_trials = 1;
	*n = 2;
}

static int rule_from_json(const char *path, size_t i, struct json_object *o, struct gate_rule *r)
{
	json_object_object_foreach(o, key, v) {
		if (!strcmp(key, "metric") && json_object_is_type(v, json_type_string) &&
		    (!strcmp(json_object_get_string(v), "survival") ||
		     !strcmp(json_object_get_string(v), "no_crash")))
			snprintf(r->metric, sizeof(r->metric), "%s", json_object_get_string(v));
		else if (!strcmp(key, "mode") && json_object_is_type(v, json_type_string) &&
			 rep_mode_index(json_object_get_string(v)) >= 0)
			snprintf(r->mode, sizeof(r->mode), "%s", json_object_get_string(v));
		else if (!strcmp(key, "max_drop") && (json_object_is_type(v, json_type_double) ||
						      json_object_is_type(v, json_type_int)) &&
			 json_object_get_double(v) >= 0 && json_object_get_double(v) <= 1)
			r->max_drop = json_object_get_double(v);
		else if (!strcmp(key, "confidence") && json_object_is_type(v, json_type_double) &&
			 json_object_get_double(v) >= 0.5 && json_object_get_double(v) < 1)
			r->confidence = json_object_get_double(v);
		else if (!strcmp(key, "min_trials") && json_object_is_type(v, json_type_int) &&
			 json_object_get_int(v) >= 0)
			r->min_trials = json_object_get_int(v);
		else
			return error("rules '%s': field 'rules[%zu].%s': unknown field or invalid value "
				     "(metric: survival|no_crash, mode: native|nooks|domains, max_drop: 0..1, "
				     "confidence: 0.5..<1, min_trials: >= 0)", path, i, key);
	}
	if (!r->metric[0])
		return error("rules '%s': field 'rules[%zu].metric': missing", path, i);
	return 0;
}

int gate_rules_load(const char *path, struct gate_rule **r, int *n)
{
	struct json_object *root, *list;
	size_t i, len;

	*r = NULL;
	*n = 0;
	if (!path) {
		default_rules(r, n);
		return 0;
	}
	if (!file_exists(path))
		return error("rules file '%s' not found", path);
	root = json_object_from_file(path);
	if (!root)
		return error("rules '%s': invalid JSON", path);
	if (!json_object_object_get_ex(root, "rules", &list) ||
	    !json_object_is_type(list, json_type_array) || !json_object_array_length(list)) {
		json_object_put(root);
		return error("rules '%s': field 'rules': expected a non-empty array", path);
	}
	len = json_object_array_length(list);
	*r = xcalloc(len, sizeof(**r));
	for (i = 0; i < len; i++) {
		struct json_object *o = json_object_array_get_idx(list, i);

		(*r)[i].confidence = 0.95;
		(*r)[i].min_trials = 1;
		if (!json_object_is_type(o, json_type_object) ||
		    rule_from_json(path, i, o, &(*r)[i])) {
			if (!json_object_is_type(o, json_type_object))
				error("rules '%s': field 'rules[%zu]': expected an object", path, i);
			json_object_put(root);
			free(*r);
			*r = NULL;
			return -1;
		}
	}
	*n = (int)len;
	json_object_put(root);
	return 0;
}

/* One comparison; prints a line and returns 1 when the rule fails. */
static int check(FILE *f, const struct gate_rule *r, const char *what, int kb, int nb,
		 int kc, int nc)
{
	double lo, hi;

	if (nb < r->min_trials || nc < r->min_trials)
		return 0;
	diff_interval(kb, nb, kc, nc, z_for(r->confidence), &lo, &hi);
	if (hi >= -r->max_drop)
		return 0;
	fprintf(f, "gate: FAIL %s: %.1f%% (%d/%d) -> %.1f%% (%d/%d), drop %.1f%% with %.0f%% "
		"interval [%.1f%%, %.1f%%] below -%.1f%%\n", what, 100 * rate(kb, nb), kb, nb,
		100 * rate(kc, nc), kc, nc, 100 * (rate(kb, nb) - rate(kc, nc)),
		100 * r->confidence, 100 * lo, 100 * hi, 100 * r->max_drop);
	return 1;
}

int gate_eval(const struct rep_campaign *base, const struct rep_campaign *cand,
	      const struct gate_rule *r, int n, FILE *f)
{
	int i, j, m, fails = 0;
	char what[160];

	for (i = 0; i < n; i++)
		for (j = 0; j < base->n_ext; j++) {
			const struct rep_ext *b = &base->ext[j], *c = find(cand, b->name);

			if (!c) {
				fprintf(f, "gate: FAIL extension %s: missing from the candidate\n",
					b->name);
				fails++;
				continue;
			}
			if (!strcmp(r[i].metric, "survival")) {
				snprintf(what, sizeof(what), "%s survival of crashing faults", b->name);
				fails += check(f, &r[i], what, b->survived, b->crashing, c->survived,
					       c->crashing);
				continue;
			}
			for (m = 0; m < REP_MODES; m++) {
				if (r[i].mode[0] && strcmp(r[i].mode, rep_mode_names[m]))
					continue;
				snprintf(what, sizeof(what), "%s %s no-crash rate", b->name,
					 rep_mode_names[m]);
				fails += check(f, &r[i], what, rep_no_crash(&b->mode[m]),
					       b->mode[m].total, rep_no_crash(&c->mode[m]),
					       c->mode[m].total);
			}
		}
	return fails;
}
