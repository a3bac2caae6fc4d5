/*
 * manifest.c - parse, check and render trial manifests (see manifest.h and
 * docs/OUTCOMES.md "Manifest" for the format).  Owns the field names and defaults; every
 * error names the manifest and the field.  Never starts anything.
 */
#define _GNU_SOURCE
#include "manifest.h"

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "modcheck.h"
#include "qemu.h"
#include "util.h"

#define MAX_DEADLINE_S 86400.0

struct ctx {
	const char *origin;
	struct trial_manifest *m;
};

static int field_error(const struct ctx *c, const char *field, const char *what)
{
	return error("manifest '%s': field '%s': %s", c->origin, field, what);
}

static int get_string(const struct ctx *c, json_object *v, const char *field, char **out)
{
	if (!json_object_is_type(v, json_type_string))
		return field_error(c, field, "expected a string");
	if (!json_object_get_string_len(v))
		return field_error(c, field, "must not be empty");
	*out = xstrdup(json_object_get_string(v));
	return 0;
}

/* One field of an object: its key, value and full name ("inject.cmd"). */
typedef int (*field_fn)(const struct ctx *c, void *arg, const char *key, json_object *val,
			const char *sub);

/* Call fn for every field of object v named name; what is the error when v
 * is not an object.  0, or -1 at the first field fn refuses. */
static int each_field(const struct ctx *c, json_object *v, const char *name, const char *what,
		      field_fn fn, void *arg)
{
	if (!json_object_is_type(v, json_type_object))
		return field_error(c, name, what);
	json_object_object_foreach(v, key, val) {
		char sub[96];

		snprintf(sub, sizeof(sub), "%s.%s", name, key);
		if (fn(c, arg, key, val, sub))
			return -1;
	}
	return 0;
}

static int module_field(const struct ctx *c, void *arg, const char *key, json_object *val,
			const char *sub)
{
	struct manifest_module *mod = arg;

	if (!strcmp(key, "path"))
		return get_string(c, val, sub, &mod->path);
	if (!strcmp(key, "name"))
		return get_string(c, val, sub, &mod->name);
	if (!strcmp(key, "params"))
		return get_string(c, val, sub, &mod->params);
	if (!strcmp(key, "preload")) {
		if (!json_object_is_type(val, json_type_boolean))
			return field_error(c, sub, "preload: expected true or false");
		mod->preload = json_object_get_boolean(val);
		return 0;
	}
	return field_error(c, sub, "unknown field (known: path, name, params, preload)");
}

static int parse_module(const struct ctx *c, json_object *v, int i)
{
	struct manifest_module *mod = &c->m->modules[i];
	char field[64];

	snprintf(field, sizeof(field), "modules[%d]", i);
	if (json_object_is_type(v, json_type_string)) {
		const char *s = json_object_get_string(v);
		size_t n = strlen(s);

		if (!n)
			return field_error(c, field, "must not be empty");
		if (strchr(s, '/') || (n > 3 && !strcmp(s + n - 3, ".ko")))
			mod->path = xstrdup(s);
		else
			mod->name = xstrdup(s);
		return 0;
	}
	if (each_field(c, v, field, "expected a path, a module name or an object", module_field,
		       mod))
		return -1;
	if (!!mod->path == !!mod->name)
		return field_error(c, field, "needs exactly one of 'path' and 'name'");
	if (mod->preload && mod->path)
		return field_error(c, field, "preload: only image modules ('name') can be preloaded");
	if (mod->preload && i > 0 && !c->m->modules[i - 1].preload)
		return field_error(c, field, "preload: preloaded modules must come first");
	return 0;
}

static int parse_string_list(const struct ctx *c, json_object *v, const char *field,
			     char **out, int max, int *n)
{
	int i, len;

	if (!json_object_is_type(v, json_type_array))
		return field_error(c, field, "expected an array");
	len = (int)json_object_array_length(v);
	if (len > max)
		return field_error(c, field, "too many entries");
	for (i = 0; i < len; i++) {
		char sub[64];

		snprintf(sub, sizeof(sub), "%s[%d]", field, i);
		if (get_string(c, json_object_array_get_idx(v, i), sub, &out[i]))
			return -1;
		*n = i + 1;
	}
	return 0;
}

static int parse_modules(const struct ctx *c, json_object *v)
{
	int i, len;

	if (!json_object_is_type(v, json_type_array))
		return field_error(c, "modules", "expected an array");
	len = (int)json_object_array_length(v);
	if (len > MANIFEST_MAX_MODULES)
		return field_error(c, "modules", "too many entries");
	for (i = 0; i < len; i++) {
		c->m->n_modules = i + 1;
		if (parse_module(c, json_object_array_get_idx(v, i), i))
			return -1;
	}
	return 0;
}

static int parse_devices(const struct ctx *c, json_object *v)
{
	int i;

	if (parse_string_list(c, v, "devices", c->m->devices, MANIFEST_MAX_DEVICES,
			      &c->m->n_devices))
		return -1;
	for (i = 0; i < c->m->n_devices; i++)
		if (vm_device_known(c->m->devices[i])) {
			char what[160];

			snprintf(what, sizeof(what), "unknown device '%s' (known: %s)",
				 c->m->devices[i], vm_device_names());
			return field_error(c, "devices", what);
		}
	return 0;
}

static int param_value(json_object *v, char **out)
{
	switch (json_object_get_type(v)) {
	case json_type_string:
	case json_type_int:
	case json_type_double:
	case json_type_boolean:
		*out = xstrdup(json_object_get_string(v));
		return 0;
	default:
		return -1;
	}
}

static int check_workload(const struct ctx *c);

static int param_field(const struct ctx *c, void *arg, const char *key, json_object *val,
		       const char *sub)
{
	struct trial_manifest *m = arg;
	struct manifest_param *p;

	if (m->n_params == MANIFEST_MAX_PARAMS)
		return field_error(c, sub, "too many parameters");
	p = &m->params[m->n_params];
	if (param_value(val, &p->value))
		return field_error(c, sub, "expected a string, number or boolean");
	p->key = xstrdup(key);
	m->n_params++;
	return 0;
}

/* One "workload.env" variable: a WL_* name (the workloads' own settings only). */
static int env_field(const struct ctx *c, void *arg, const char *key, json_object *val,
		     const char *sub)
{
	struct trial_manifest *m = arg;
	const char *s;

	if (m->n_env == MANIFEST_MAX_ENV)
		return field_error(c, sub, "too many variables");
	if (strncmp(key, "WL_", 3))
		return field_error(c, sub, "only WL_* variables (the workloads' settings)");
	for (s = key; *s; s++)
		if (!(*s == '_' || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9')))
			return field_error(c, sub, "a variable name is [A-Z0-9_]");
	if (!json_object_is_type(val, json_type_string))
		return field_error(c, sub, "expected a string");
	m->env[m->n_env].key = xstrdup(key);
	m->env[m->n_env].value = xstrdup(json_object_get_string(val));
	m->n_env++;
	return 0;
}

static int workload_field(const struct ctx *c, void *arg, const char *key, json_object *val,
			  const char *sub)
{
	struct trial_manifest *m = arg;

	if (!strcmp(key, "name"))
		return get_string(c, val, sub, &m->workload);
	if (!strcmp(key, "params"))
		return each_field(c, val, sub, "expected an object", param_field, m);
	if (!strcmp(key, "env"))
		return each_field(c, val, sub, "expected an object", env_field, m);
	return field_error(c, sub, "unknown field (known: name, params, env)");
}

static int parse_workload(const struct ctx *c, json_object *v)
{
	struct trial_manifest *m = c->m;

	if (json_object_is_type(v, json_type_string)) {
		if (get_string(c, v, "workload", &m->workload))
			return -1;
		return check_workload(c);
	}
	if (each_field(c, v, "workload", "expected a name or an object", workload_field, m))
		return -1;
	if (!m->workload)
		return field_error(c, "workload.name", "missing");
	return check_workload(c);
}

static int check_workload(const struct ctx *c)
{
	const struct trial_manifest *m = c->m;
	const char *s;

	for (s = m->workload; *s; s++)
		if (!(*s == '-' || *s == '_' || (*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9')))
			return field_error(c, "workload.name", "only [a-z0-9_-] allowed");
	if (!strcmp(m->workload, "cmd")) {
		int i, has_cmd = 0;

		for (i = 0; i < m->n_params; i++)
			has_cmd |= !strcmp(m->params[i].key, "cmd");
		if (!has_cmd)
			return field_error(c, "workload.params.cmd", "missing (workload 'cmd' runs it)");
	}
	return 0;
}

static int parse_seconds(const struct ctx *c, json_object *v, const char *field, unsigned *ms)
{
	double d;

	if (!json_object_is_type(v, json_type_int) && !json_object_is_type(v, json_type_double))
		return field_error(c, field, "expected a number of seconds");
	d = json_object_get_double(v);
	if (!(d > 0 && d <= MAX_DEADLINE_S))
		return field_error(c, field, "out of range (0 < s <= 86400)");
	*ms = (unsigned)(d * 1000.0 + 0.5);
	return 0;
}

static int deadline_field(const struct ctx *c, void *arg, const char *key, json_object *val,
			  const char *sub)
{
	struct trial_manifest *m = arg;

	if (!strcmp(key, "boot_s"))
		return parse_seconds(c, val, sub, &m->boot_ms);
	if (!strcmp(key, "heartbeat_s"))
		return parse_seconds(c, val, sub, &m->heartbeat_ms);
	if (!strcmp(key, "total_s"))
		return parse_seconds(c, val, sub, &m->total_ms);
	return field_error(c, sub, "unknown field (known: boot_s, heartbeat_s, total_s)");
}

static int parse_deadlines(const struct ctx *c, json_object *v)
{
	return each_field(c, v, "deadlines", "expected an object", deadline_field, c->m);
}

static int inject_field(const struct ctx *c, void *arg, const char *key, json_object *val,
			const char *sub)
{
	struct trial_manifest *m = arg;
	double d;

	if (!strcmp(key, "cmd"))
		return get_string(c, val, sub, &m->inject_cmd);
	if (!strcmp(key, "phase"))
		return get_string(c, val, sub, &m->inject_phase);
	if (strcmp(key, "after_s"))
		return field_error(c, sub, "unknown field (known: cmd, after_s, phase)");
	d = json_object_get_double(val);
	if ((!json_object_is_type(val, json_type_int) &&
	     !json_object_is_type(val, json_type_double)) || !(d >= 0 && d <= MAX_DEADLINE_S))
		return field_error(c, sub, "expected a number of seconds 0..86400");
	m->inject_after_ms = (unsigned)(d * 1000.0 + 0.5);
	return 0;
}

static int parse_inject(const struct ctx *c, json_object *v)
{
	if (each_field(c, v, "inject", "expected an object", inject_field, c->m))
		return -1;
	if (!c->m->inject_cmd)
		return field_error(c, "inject.cmd", "missing");
	return 0;
}

static int parse_top(const struct ctx *c, const char *key, json_object *val)
{
	struct trial_manifest *m = c->m;

	if (!strcmp(key, "modules"))
		return parse_modules(c, val);
	if (!strcmp(key, "devices"))
		return parse_devices(c, val);
	if (!strcmp(key, "disks"))
		return parse_string_list(c, val, "disks", m->disks, MANIFEST_MAX_DEVICES, &m->n_disks);
	if (!strcmp(key, "workload"))
		return parse_workload(c, val);
	if (!strcmp(key, "append"))
		return get_string(c, val, "append", &m->append);
	if (!strcmp(key, "deadlines"))
		return parse_deadlines(c, val);
	if (!strcmp(key, "coldplug")) {
		if (!json_object_is_type(val, json_type_boolean))
			return field_error(c, "coldplug", "expected true or false");
		m->coldplug = json_object_get_boolean(val);
		return 0;
	}
	if (!strcmp(key, "inject"))
		return parse_inject(c, val);
	if (!strcmp(key, "recovery_agent")) {
		if (!json_object_is_type(val, json_type_boolean))
			return field_error(c, "recovery_agent", "expected true or false");
		m->no_recovery_agent = !json_object_get_boolean(val);
		return 0;
	}
	if (!strcmp(key, "reset")) {
		const char *r = json_object_get_string(val);

		if (!json_object_is_type(val, json_type_string) ||
		    (strcmp(r, "auto") && strcmp(r, "boot")))
			return field_error(c, "reset", "expected \"auto\" or \"boot\"");
		m->fresh_boot = !strcmp(r, "boot");
		return 0;
	}
	if (!strcmp(key, "mem_mb")) {
		int64_t mb = json_object_get_int64(val);

		if (!json_object_is_type(val, json_type_int) || mb < 64 || mb > 16384)
			return field_error(c, "mem_mb", "expected an integer 64..16384");
		m->mem_mb = (unsigned)mb;
		return 0;
	}
	char what[200];

	snprintf(what, sizeof(what), "unknown field (known: modules, devices, disks, workload, "
		 "append, deadlines, coldplug, mem_mb, reset, inject, recovery_agent)");
	return field_error(c, key, what);
}

void manifest_init(struct trial_manifest *m)
{
	memset(m, 0, sizeof(*m));
	m->mem_mb = 512;
	m->coldplug = true;
	m->boot_ms = 60000;
	m->heartbeat_ms = 10000;
	m->total_ms = 300000;
}

int manifest_parse(const char *text, const char *origin, struct trial_manifest *m)
{
	struct ctx c = { origin, m };
	enum json_tokener_error jerr;
	json_object *root;
	int ret = 0;

	manifest_init(m);
	root = json_tokener_parse_verbose(text, &jerr);
	if (!root)
		return error("manifest '%s': invalid JSON: %s", origin,
			     json_tokener_error_desc(jerr));
	if (!json_object_is_type(root, json_type_object)) {
		json_object_put(root);
		return error("manifest '%s': expected a JSON object", origin);
	}
	json_object_object_foreach(root, key, val)
		if ((ret = parse_top(&c, key, val)))
			break;
	json_object_put(root);
	if (!ret && !m->workload)
		ret = field_error(&c, "workload", "missing");
	if (!ret && m->total_ms < m->boot_ms)
		ret = field_error(&c, "deadlines.total_s", "shorter than deadlines.boot_s");
	if (ret)
		manifest_release(m);
	return ret;
}

/* Relative module and disk paths are relative to the manifest's directory. */
static void rebase(char **p, const char *dir)
{
	char *n;

	if (!*p || (*p)[0] == '/')
		return;
	n = xasprintf("%s/%s", dir, *p);
	free(*p);
	*p = n;
}

int manifest_load(const char *path, struct trial_manifest *m)
{
	char *text = read_file(path, NULL), *dir, *slash;
	int i, r;

	if (!text)
		return -1;
	r = manifest_parse(text, path, m);
	free(text);
	if (r)
		return r;
	dir = xstrdup(path);
	slash = strrchr(dir, '/');
	if (slash) {
		*slash = '\0';
		for (i = 0; i < m->n_modules; i++)
			rebase(&m->modules[i].path, *dir ? dir : "/");
		for (i = 0; i < m->n_disks; i++)
			rebase(&m->disks[i], *dir ? dir : "/");
	}
	free(dir);
	return 0;
}

int manifest_check_files(const struct trial_manifest *m)
{
	int i;

	for (i = 0; i < m->n_modules; i++)
		if (m->modules[i].path && module_file_check(m->modules[i].path))
			return -1;
	for (i = 0; i < m->n_disks; i++)
		if (!file_exists(m->disks[i]))
			return error("disk image '%s' not found", m->disks[i]);
	return 0;
}

void manifest_release(struct trial_manifest *m)
{
	int i;

	for (i = 0; i < m->n_modules; i++) {
		free(m->modules[i].path);
		free(m->modules[i].name);
		free(m->modules[i].params);
	}
	for (i = 0; i < m->n_devices; i++)
		free(m->devices[i]);
	for (i = 0; i < m->n_disks; i++)
		free(m->disks[i]);
	for (i = 0; i < m->n_params; i++) {
		free(m->params[i].key);
		free(m->params[i].value);
	}
	for (i = 0; i < m->n_env; i++) {
		free(m->env[i].key);
		free(m->env[i].value);
	}
	free(m->workload);
	free(m->append);
	free(m->inject_cmd);
	free(m->inject_phase);
	memset(m, 0, sizeof(*m));
}

char *manifest_guest_module_path(const struct trial_manifest *m, int i)
{
	const char *p = m->modules[i].path, *s = strrchr(p, '/');

	return xasprintf("/trial/modules/%02d-%s", i, s ? s + 1 : p);
}

/* "workload": name, params, env. */
static json_object *workload_json(const struct trial_manifest *m)
{
	json_object *wl = json_object_new_object(), *params = json_object_new_object();
	int i;

	json_object_object_add(wl, "name", json_object_new_string(m->workload));
	for (i = 0; i < m->n_params; i++)
		json_object_object_add(params, m->params[i].key,
				       json_object_new_string(m->params[i].value));
	json_object_object_add(wl, "params", params);
	if (m->n_env) {
		json_object *env = json_object_new_object();

		for (i = 0; i < m->n_env; i++)
			json_object_object_add(env, m->env[i].key,
					       json_object_new_string(m->env[i].value));
		json_object_object_add(wl, "env", env);
	}
	return wl;
}

/* "inject" and "recovery_agent", when set, into o. */
static void extras_json(const struct trial_manifest *m, json_object *o)
{
	if (m->inject_cmd) {
		json_object *in = json_object_new_object();

		json_object_object_add(in, "cmd", json_object_new_string(m->inject_cmd));
		json_object_object_add(in, "after_s",
				       json_object_new_double(m->inject_after_ms / 1000.0));
		if (m->inject_phase)
			json_object_object_add(in, "phase", json_object_new_string(m->inject_phase));
		json_object_object_add(o, "inject", in);
	}
	if (m->no_recovery_agent)
		json_object_object_add(o, "recovery_agent", json_object_new_boolean(0));
}

/* A module entry: {"file": GUEST_PATH} (guest form, file given) or {"path"|"name"}, "params". */
static char *render(json_object *o, int flags);

static json_object *module_json(const struct manifest_module *mm, const char *file)
{
	json_object *e = json_object_new_object();

	if (file)
		json_object_object_add(e, "file", json_object_new_string(file));
	else if (mm->path)
		json_object_object_add(e, "path", json_object_new_string(mm->path));
	else
		json_object_object_add(e, "name", json_object_new_string(mm->name));
	if (mm->params)
		json_object_object_add(e, "params", json_object_new_string(mm->params));
	if (mm->preload)
		json_object_object_add(e, "preload", json_object_new_boolean(1));
	return e;
}

unsigned long manifest_workload_deadline_ms(const struct trial_manifest *m)
{
	int i;

	for (i = 0; i < m->n_params; i++)
		if (!strcmp(m->params[i].key, "deadline")) {
			char *end;
			double s = strtod(m->params[i].value, &end);

			return *end || !(s > 0 && s < 86400) ? 0 : (unsigned long)(s * 1000);
		}
	return 0;
}

char *manifest_preload_json(const struct trial_manifest *m)
{
	json_object *a = json_object_new_array();
	int i;

	for (i = 0; i < m->n_modules && m->modules[i].preload; i++) {
		json_object *e = json_object_new_object();

		json_object_object_add(e, "name", json_object_new_string(m->modules[i].name));
		json_object_object_add(e, "params", json_object_new_string(m->modules[i].params ?
									  m->modules[i].params : ""));
		json_object_array_add(a, e);
	}
	if (!i) {
		json_object_put(a);
		return NULL;
	}
	return render(a, JSON_C_TO_STRING_PLAIN);
}

static json_object *string_array(char *const *v, int n)
{
	json_object *a = json_object_new_array();
	int i;

	for (i = 0; i < n; i++)
		json_object_array_add(a, json_object_new_string(v[i]));
	return a;
}

static char *render(json_object *o, int flags)
{
	char *out = xstrdup(json_object_to_json_string_ext(o, flags | JSON_C_TO_STRING_NOSLASHESCAPE));

	json_object_put(o);
	return out;
}

char *manifest_json(const struct trial_manifest *m)
{
	json_object *o = json_object_new_object(), *mods = json_object_new_array();
	json_object *dl = json_object_new_object();
	int i;

	for (i = 0; i < m->n_modules; i++)
		json_object_array_add(mods, module_json(&m->modules[i], NULL));
	json_object_object_add(o, "modules", mods);
	json_object_object_add(o, "devices", string_array(m->devices, m->n_devices));
	if (m->n_disks)
		json_object_object_add(o, "disks", string_array(m->disks, m->n_disks));
	json_object_object_add(o, "workload", workload_json(m));
	if (m->append)
		json_object_object_add(o, "append", json_object_new_string(m->append));
	json_object_object_add(dl, "boot_s", json_object_new_double(m->boot_ms / 1000.0));
	json_object_object_add(dl, "heartbeat_s", json_object_new_double(m->heartbeat_ms / 1000.0));
	json_object_object_add(dl, "total_s", json_object_new_double(m->total_ms / 1000.0));
	json_object_object_add(o, "deadlines", dl);
	json_object_object_add(o, "coldplug", json_object_new_boolean(m->coldplug));
	json_object_object_add(o, "mem_mb", json_object_new_int((int)m->mem_mb));
	if (m->fresh_boot)
		json_object_object_add(o, "reset", json_object_new_string("boot"));
	extras_json(m, o);
	return render(o, JSON_C_TO_STRING_PRETTY);
}

char *manifest_guest_json(const struct trial_manifest *m, const char *key)
{
	json_object *o = json_object_new_object(), *mods = json_object_new_array();
	int i;

	for (i = 0; i < m->n_modules; i++) {
		char *gp = m->modules[i].path ? manifest_guest_module_path(m, i) : NULL;

		json_object_array_add(mods, module_json(&m->modules[i], gp));
		free(gp);
	}
	if (key && *key)
		json_object_object_add(o, "key", json_object_new_string(key));
	json_object_object_add(o, "modules", mods);
	json_object_object_add(o, "coldplug", json_object_new_boolean(m->coldplug));
	json_object_object_add(o, "workload", workload_json(m));
	extras_json(m, o);
	return render(o, JSON_C_TO_STRING_PLAIN);
}
