/*
 * test_manifest.c - manifest parsing: defaults, every field, the guest
 * rendering, and errors that name the field (one line, nothing allocated).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "fixture.h"
#include "manifest.h"
#include "util.h"

/* Parse text expecting failure; return the captured stderr line. */
static char *parse_error(const char *text)
{
	struct trial_manifest m;
	char path[] = "/tmp/test-manifest-XXXXXX", *out;
	int fd = mkstemp(path), saved = dup(2), r;

	assert_true(fd >= 0);
	dup2(fd, 2);
	r = manifest_parse(text, "m.json", &m);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	close(fd);
	assert_int_equal(r, -1);
	out = read_file(path, NULL);
	unlink(path);
	assert_non_null(out);
	assert_non_null(strchr(out, '\n'));
	assert_null(strchr(out, '\n') + 1 == out + strlen(out) ? NULL : out);	/* one line */
	return out;
}

static void expect_error(const char *text, const char *needle)
{
	char *e = parse_error(text);

	if (!strstr(e, needle))
		print_error("error '%s' lacks '%s'\n", e, needle);
	assert_non_null(strstr(e, needle));
	assert_non_null(strstr(e, "manifest 'm.json'"));
	free(e);
}

/*
 * m's guest rendering contains each string given, or with a leading '!'
 * does not contain the rest of it; NULL ends the list.
 */
static void __attribute__((sentinel)) expect_guest_json(const struct trial_manifest *m, ...)
{
	char *g = manifest_guest_json(m, NULL);
	const char *want;
	va_list ap;

	assert_non_null(g);
	va_start(ap, m);
	while ((want = va_arg(ap, const char *))) {
		bool absent = want[0] == '!', found = strstr(g, want + absent);

		if (found == absent)
			print_error("guest JSON %s '%s': %s\n", absent ? "has" : "lacks",
				    want + absent, g);
		assert_true(found != absent);
	}
	va_end(ap);
	free(g);
}

static void test_defaults(void **state)
{
	struct trial_manifest m;

	(void)state;
	assert_int_equal(manifest_parse("{\"workload\": \"none\"}", "m.json", &m), 0);
	assert_string_equal(m.workload, "none");
	assert_int_equal(m.n_modules, 0);
	assert_int_equal(m.mem_mb, 512);
	assert_true(m.coldplug);
	assert_int_equal(m.boot_ms, 60000);
	assert_int_equal(m.heartbeat_ms, 10000);
	assert_int_equal(m.total_ms, 300000);
	manifest_release(&m);
}

static void test_full(void **state)
{
	static const char text[] =
		"{\"modules\": [\"/x/e1000.ko\", \"mii\", {\"path\": \"y/fat.ko\", \"params\": \"a=1\"},"
		"  {\"name\": \"vfat\"}],"
		" \"devices\": [\"e1000\", \"virtio-net\"], \"disks\": [\"/d/fat.img\"],"
		" \"workload\": {\"name\": \"netdev\", \"params\": {\"seconds\": 5, \"peer\": \"virtio\", \"v\": true}},"
		" \"append\": \"oops=panic\", \"mem_mb\": 256, \"coldplug\": false,"
		" \"deadlines\": {\"boot_s\": 20, \"heartbeat_s\": 2.5, \"total_s\": 90}}";
	struct trial_manifest m;
	char *gp;

	(void)state;
	assert_int_equal(manifest_parse(text, "m.json", &m), 0);
	assert_int_equal(m.n_modules, 4);
	assert_string_equal(m.modules[0].path, "/x/e1000.ko");
	assert_string_equal(m.modules[1].name, "mii");
	assert_string_equal(m.modules[2].path, "y/fat.ko");
	assert_string_equal(m.modules[2].params, "a=1");
	assert_string_equal(m.modules[3].name, "vfat");
	assert_int_equal(m.n_devices, 2);
	assert_string_equal(m.disks[0], "/d/fat.img");
	assert_string_equal(m.workload, "netdev");
	assert_int_equal(m.n_params, 3);
	assert_string_equal(m.params[0].key, "seconds");
	assert_string_equal(m.params[0].value, "5");
	assert_string_equal(m.params[2].value, "true");
	assert_string_equal(m.append, "oops=panic");
	assert_int_equal(m.mem_mb, 256);
	assert_false(m.coldplug);
	assert_int_equal(m.heartbeat_ms, 2500);
	assert_int_equal(m.total_ms, 90000);
	gp = manifest_guest_module_path(&m, 2);
	assert_string_equal(gp, "/trial/modules/02-fat.ko");
	expect_guest_json(&m, "{\"file\":\"/trial/modules/00-e1000.ko\"}", "{\"name\":\"mii\"}",
			  "\"params\":\"a=1\"", "\"coldplug\":false",
			  "\"workload\":{\"name\":\"netdev\",\"params\":{\"seconds\":\"5\"",
			  "!/x/", NULL);	/* no host paths reach the guest */
	free(gp);
	manifest_release(&m);
}

static void test_errors(void **state)
{
	(void)state;
	expect_error("{\"workload\": ", "invalid JSON");
	expect_error("[1]", "expected a JSON object");
	expect_error("{}", "field 'workload': missing");
	expect_error("{\"workload\": \"none\", \"modlues\": []}", "field 'modlues': unknown field");
	expect_error("{\"workload\": \"none\", \"modules\": \"x.ko\"}", "field 'modules': expected an array");
	expect_error("{\"workload\": \"none\", \"modules\": [3]}", "field 'modules[0]'");
	expect_error("{\"workload\": \"none\", \"modules\": [{\"path\": \"a.ko\", \"name\": \"b\"}]}",
		     "field 'modules[0]': needs exactly one of 'path' and 'name'");
	expect_error("{\"workload\": \"none\", \"modules\": [{\"file\": \"a.ko\"}]}",
		     "field 'modules[0].file': unknown field");
	expect_error("{\"workload\": \"none\", \"devices\": [\"sungem\"]}", "unknown device 'sungem'");
	expect_error("{\"workload\": \"none\", \"deadlines\": {\"boot_s\": 0}}",
		     "field 'deadlines.boot_s': out of range");
	expect_error("{\"workload\": \"none\", \"deadlines\": {\"boot_s\": \"10\"}}",
		     "field 'deadlines.boot_s': expected a number of seconds");
	expect_error("{\"workload\": \"none\", \"deadlines\": {\"boot_s\": 50, \"total_s\": 10}}",
		     "field 'deadlines.total_s': shorter than deadlines.boot_s");
	expect_error("{\"workload\": \"none\", \"deadlines\": {\"idle_s\": 5}}", "field 'deadlines.idle_s'");
	expect_error("{\"workload\": \"cmd\"}", "field 'workload.params.cmd': missing");
	expect_error("{\"workload\": {\"name\": \"Net/../x\"}}", "field 'workload.name': only [a-z0-9_-]");
	expect_error("{\"workload\": {\"name\": \"x\", \"params\": {\"a\": [1]}}}",
		     "field 'workload.params.a': expected a string, number or boolean");
	expect_error("{\"workload\": {\"params\": {}}}", "field 'workload.name': missing");
	expect_error("{\"workload\": \"none\", \"mem_mb\": 1}", "field 'mem_mb'");
	expect_error("{\"workload\": \"none\", \"coldplug\": 1}", "field 'coldplug': expected true or false");
	expect_error("{\"workload\": \"\"}", "field 'workload': must not be empty");
}

static void test_inject_and_recovery_agent(void **state)
{
	struct trial_manifest m;

	(void)state;
	assert_int_equal(manifest_parse("{\"workload\": \"netdev\", \"recovery_agent\": false,"
					" \"inject\": {\"cmd\": \"echo x > /y\", \"after_s\": 0.5,"
					" \"phase\": \"send\"}}", "m.json", &m), 0);
	assert_string_equal(m.inject_cmd, "echo x > /y");
	assert_string_equal(m.inject_phase, "send");
	assert_int_equal(m.inject_after_ms, 500);
	assert_true(m.no_recovery_agent);
	expect_guest_json(&m, "\"inject\":{\"cmd\":\"echo x > /y\",\"after_s\":0.5,\"phase\":\"send\"}",
			  "\"recovery_agent\":false", NULL);
	manifest_release(&m);
	assert_int_equal(manifest_parse("{\"workload\": \"none\"}", "m.json", &m), 0);
	assert_false(m.no_recovery_agent);
	assert_null(m.inject_cmd);
	expect_guest_json(&m, "!inject", "!recovery_agent", NULL);
	manifest_release(&m);
	expect_error("{\"workload\": \"none\", \"inject\": {\"after_s\": 1}}", "field 'inject.cmd': missing");
	expect_error("{\"workload\": \"none\", \"inject\": {\"cmd\": \"x\", \"after_s\": -1}}",
		     "field 'inject.after_s'");
	expect_error("{\"workload\": \"none\", \"inject\": {\"cmd\": \"x\", \"when\": 1}}",
		     "field 'inject.when': unknown field");
	expect_error("{\"workload\": \"none\", \"recovery_agent\": 0}",
		     "field 'recovery_agent': expected true or false");
}

static void test_load_rebases_relative_paths(void **state)
{
	char dir[] = "/tmp/test-manifest-dir-XXXXXX", *path;
	struct trial_manifest m;

	(void)state;
	assert_non_null(mkdtemp(dir));
	path = xasprintf("%s/m.json", dir);
	assert_int_equal(write_file_atomic(path, "{\"workload\":\"none\",\"modules\":[\"a/b.ko\"]}", 40), 0);
	assert_int_equal(manifest_load(path, &m), 0);
	char *want = xasprintf("%s/a/b.ko", dir);

	assert_string_equal(m.modules[0].path, want);
	free(want);
	manifest_release(&m);
	unlink(path);
	rmdir(dir);
	free(path);
}

/* manifest_json() is the inverse of manifest_parse(): every field back, the text a fixed point. */
static void test_host_json_round_trip(void **state)
{
	static const char text[] =
		"{\"modules\": [\"/k/nooks.ko\", {\"name\": \"swifi\", \"params\": \"arm=none\"},\n"
		"  {\"path\": \"/t/fault-isolated.ko\", \"params\": \"a=1 b=2\"}, {\"name\": \"khttpd\"}],\n"
		" \"devices\": [\"e1000\", \"virtio-net\"], \"disks\": [\"/t/fat.img\"],\n"
		" \"workload\": {\"name\": \"netdev\", \"params\": {\"nic\": \"e1000\", \"deadline\": 60},\n"
		"   \"env\": {\"WL_INJECT\": \"e1000 .text+0x10:9090\", \"WL_INJECT_AFTER\": \"link\"}},\n"
		" \"append\": \"oops=panic panic=-1\", \"deadlines\": {\"boot_s\": 30, \"heartbeat_s\": 2.5,\n"
		" \"total_s\": 90}, \"coldplug\": false, \"mem_mb\": 768, \"reset\": \"boot\",\n"
		" \"inject\": {\"cmd\": \"true\", \"after_s\": 1.5, \"phase\": \"send\"},\n"
		" \"recovery_agent\": false}";
	struct trial_manifest a, b, d;
	char *ja, *jb, *jd;
	int i;

	(void)state;
	assert_int_equal(manifest_parse(text, "t", &a), 0);
	ja = manifest_json(&a);
	assert_int_equal(manifest_parse(ja, "json", &b), 0);
	jb = manifest_json(&b);
	assert_string_equal(ja, jb);
	assert_int_equal(b.n_modules, 4);
	for (i = 0; i < 4; i++) {	/* path or name, and params, as parsed the first time */
		const struct manifest_module *x = &a.modules[i], *y = &b.modules[i];

		assert_string_equal(x->path ? x->path : x->name, y->path ? y->path : y->name);
		assert_true(!x->path == !y->path && !x->params == !y->params);
		assert_true(!x->params || !strcmp(x->params, y->params));
	}
	assert_int_equal(b.n_devices + b.n_disks + b.n_params + b.n_env, 2 + 1 + 2 + 2);
	assert_string_equal(b.env[0].value, "e1000 .text+0x10:9090");
	assert_string_equal(b.append, "oops=panic panic=-1");
	assert_int_equal(b.boot_ms, 30000);
	assert_int_equal(b.heartbeat_ms, 2500);
	assert_int_equal(b.total_ms, 90000);
	assert_false(b.coldplug);
	assert_int_equal(b.mem_mb, 768);
	assert_true(b.fresh_boot);
	assert_string_equal(b.inject_cmd, "true");
	assert_string_equal(b.inject_phase, "send");
	assert_int_equal(b.inject_after_ms, 1500);
	assert_true(b.no_recovery_agent);
	/* and the defaults of a manifest built in code (manifest_init) */
	manifest_init(&d);
	d.workload = xstrdup("none");
	jd = manifest_json(&d);
	manifest_release(&d);
	assert_int_equal(manifest_parse(jd, "init", &d), 0);
	assert_int_equal(d.boot_ms, 60000);
	assert_int_equal(d.total_ms, 300000);
	assert_true(d.coldplug);
	assert_false(d.fresh_boot);
	manifest_release(&d);
	manifest_release(&a);
	manifest_release(&b);
	free(ja);
	free(jb);
	free(jd);
}

/* Preloaded modules: image modules at the start, kept through both renderings. */
static void test_preload(void **state)
{
	static const char text[] =
		"{\"modules\": [{\"name\": \"nooks\", \"params\": \"domains=1\", \"preload\": true},"
		" {\"name\": \"swifi\", \"preload\": false}, \"/t/x.ko\"], \"workload\": \"none\"}";
	struct trial_manifest a, b;
	char *ja, *g, *p;

	(void)state;
	assert_int_equal(manifest_parse(text, "t", &a), 0);
	assert_true(a.modules[0].preload);
	assert_false(a.modules[1].preload || a.modules[2].preload);
	p = manifest_preload_json(&a);
	assert_string_equal(p, "[{\"name\":\"nooks\",\"params\":\"domains=1\"}]");
	free(p);
	ja = manifest_json(&a);
	assert_int_equal(manifest_parse(ja, "json", &b), 0);
	assert_true(b.modules[0].preload);
	assert_false(b.modules[1].preload);
	g = manifest_guest_json(&a, NULL);	/* the agent sees it too */
	assert_non_null(strstr(g, "\"name\":\"nooks\",\"params\":\"domains=1\",\"preload\":true"));
	free(g);
	free(ja);
	manifest_release(&a);
	manifest_release(&b);
	/* none: no preload text, so the snapshot key stays what it was */
	assert_int_equal(manifest_parse("{\"modules\": [\"nooks\"], \"workload\": \"none\"}", "t", &a), 0);
	assert_null(manifest_preload_json(&a));
	manifest_release(&a);
	/* the workload's own deadline, for the runner's overdue check */
	assert_int_equal(manifest_parse("{\"workload\": {\"name\": \"netdev\", \"params\": "
					"{\"deadline\": 20, \"nic\": \"e1000\"}}}", "t", &a), 0);
	assert_int_equal(manifest_workload_deadline_ms(&a), 20000);
	manifest_release(&a);
	assert_int_equal(manifest_parse("{\"workload\": {\"name\": \"netdev\", \"params\": "
					"{\"deadline\": \"soon\"}}}", "t", &a), 0);
	assert_int_equal(manifest_workload_deadline_ms(&a), 0);
	manifest_release(&a);
	assert_int_equal(manifest_parse("{\"workload\": \"none\"}", "t", &a), 0);
	assert_int_equal(manifest_workload_deadline_ms(&a), 0);
	manifest_release(&a);
	expect_error("{\"workload\": \"none\", \"modules\": [{\"path\": \"a.ko\", \"preload\": true}]}",
		     "field 'modules[0]': preload: only image modules ('name') can be preloaded");
	expect_error("{\"workload\": \"none\", \"modules\": [\"swifi\", {\"name\": \"nooks\", \"preload\": true}]}",
		     "field 'modules[1]': preload: preloaded modules must come first");
	expect_error("{\"workload\": \"none\", \"modules\": [{\"name\": \"nooks\", \"preload\": 1}]}",
		     "preload: expected true or false");
}

FIXTURE_MAIN(NULL, NULL,
	     cmocka_unit_test(test_preload),
	     cmocka_unit_test(test_defaults),
	     cmocka_unit_test(test_full),
	     cmocka_unit_test(test_errors),
	     cmocka_unit_test(test_inject_and_recovery_agent),
	     cmocka_unit_test(test_load_rebases_relative_paths),
	     cmocka_unit_test(test_host_json_round_trip))
