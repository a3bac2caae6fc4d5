/*
 * test_spec.c - campaign spec parsing: defaults, canonical hash, and every
 * validation error naming its field; the third mode, domains (issue 8).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "campaign_spec.h"
#include "planner.h"

#define GOOD \
	"{ \"name\": \"t\", \"seed\": 7, \"trials\": 3,\n" \
	"  \"fault_types\": { \"text\": 2, \"nop\": 1 },\n" \
	"  \"extensions\": [ { \"name\": \"e1000\", \"module\": \"e1000\", \"device\": \"e1000\",\n" \
	"                    \"workload\": \"net\", \"workload_args\": { \"seconds\": 3 } } ] }"

/* Parse text with stderr captured; returns parse status, *msg the message. */
static int parse_capture(const char *text, struct campaign_spec *sp, char *msg, size_t n)
{
	FILE *tmp = tmpfile();
	int saved = dup(2), r;

	fflush(stderr);
	dup2(fileno(tmp), 2);
	r = spec_parse(text, "x.json", sp);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	rewind(tmp);
	msg[fread(msg, 1, n - 1, tmp)] = '\0';
	fclose(tmp);
	return r;
}

static void test_good_defaults(void **state)
{
	struct campaign_spec sp;

	(void)state;
	assert_int_equal(spec_parse(GOOD, "x.json", &sp), 0);
	assert_string_equal(sp.name, "t");
	assert_int_equal(sp.seed, 7);
	assert_int_equal(sp.trials, 3);
	assert_int_equal(sp.faults_per_trial, 5);
	assert_true(sp.modes[MODE_NATIVE] && sp.modes[MODE_NOOKS]);
	assert_int_equal(sp.n_types, 2);
	assert_int_equal(sp.types[0].weight, 2);
	assert_int_equal(sp.mix, MIX_SINGLE);
	assert_int_equal(sp.boot_timeout_s, 30);
	assert_int_equal(sp.total_timeout_s, 120);
	assert_int_equal(sp.retries, 2);
	assert_string_equal(sp.ext[0].workload_args[0], "seconds");
	assert_string_equal(sp.ext[0].workload_args[1], "3");
	assert_int_equal(strlen(sp.hash), 16);
	spec_release(&sp);
}

static void test_hash_ignores_layout_and_jobs(void **state)
{
	struct campaign_spec a, b, c;
	const char *reflowed =
		"{\"jobs\": 2, \"extensions\": [{\"workload_args\": {\"seconds\": 3}, \"workload\": \"net\","
		"\"device\": \"e1000\", \"module\": \"e1000\", \"name\": \"e1000\"}],"
		"\"fault_types\": {\"text\": 2, \"nop\": 1}, \"trials\": 3, \"seed\": 7, \"name\": \"t\"}";
	char other[1024];

	(void)state;
	assert_int_equal(spec_parse(GOOD, "a", &a), 0);
	assert_int_equal(spec_parse(reflowed, "b", &b), 0);
	assert_string_equal(a.hash, b.hash);
	snprintf(other, sizeof(other), "%s", GOOD);
	memcpy(strstr(other, "\"seed\": 7"), "\"seed\": 8", 9);
	assert_int_equal(spec_parse(other, "c", &c), 0);
	assert_string_not_equal(a.hash, c.hash);
	spec_release(&a);
	spec_release(&b);
	spec_release(&c);
}

struct bad_case {
	const char *from, *to;	/* replace in GOOD */
	const char *field;	/* expected in the message */
};

static const struct bad_case bad[] = {
	{ "\"name\": \"t\"", "\"name\": 3", "field 'name': expected a string" },
	{ "\"name\": \"t\"", "\"name\": \"a b\"", "field 'name'" },
	{ "\"seed\": 7,", "", "field 'seed': missing" },
	{ "\"seed\": 7", "\"seed\": -1", "field 'seed': -1 out of range" },
	{ "\"trials\": 3", "\"trials\": 0", "field 'trials': 0 out of range" },
	{ "\"trials\": 3", "\"trials\": \"3\"", "field 'trials': expected an integer" },
	{ "\"text\": 2", "\"txet\": 2", "field 'fault_types.txet': unknown fault type 'txet'" },
	{ "\"text\": 2", "\"text\": 0", "field 'fault_types.text': weight 0 out of range" },
	{ "{ \"text\": 2, \"nop\": 1 }", "[]", "field 'fault_types': no fault type given" },
	{ "\"device\": \"e1000\"", "\"device\": \"e2000\"", "field 'extensions[0].device': unknown device 'e2000'" },
	{ "\"workload\": \"net\",", "", "field 'extensions[0].workload': missing" },
	{ "\"module\": \"e1000\",", "\"module\": \"e1000\", \"color\": 1,", "field 'extensions[0].color': unknown field" },
	{ "\"seconds\": 3", "\"seconds\": [3]", "field 'extensions[0].workload_args.seconds'" },
	{ "\"trials\": 3,", "\"trials\": 3, \"modes\": [\"native\", \"native\"],", "field 'modes[1]': mode 'native' listed twice" },
	{ "\"trials\": 3,", "\"trials\": 3, \"modes\": [\"xen\"],", "field 'modes[0]': unknown mode 'xen' (known: native, nooks, domains)" },
	{ "\"trials\": 3,", "\"trials\": 3, \"modes\": [null],", "field 'modes[0]': expected a mode name" },
	{ "\"trials\": 3,", "\"trials\": 3, \"modes\": [\"domains\", \"domains\"],", "field 'modes[1]': mode 'domains' listed twice" },
	{ "\"workload\": \"net\",", "\"workload\": \"net\", \"modes\": [\"domains\"],",
	  "field 'extensions[0].modes': none of the campaign's modes: extension 'e1000' would never run" },
	{ "\"workload\": \"net\",", "\"workload\": \"net\", \"modes\": [\"nooks\", \"nooks\"],", "field 'extensions[0].modes[1]': mode 'nooks' listed twice" },
	{ "\"workload\": \"net\",", "\"workload\": \"net\", \"modes\": \"native\",", "field 'extensions[0].modes': expected a non-empty array" },
	{ "\"workload\": \"net\", \"workload_args\": { \"seconds\": 3 } } ] }",
	  "\"workload\": \"net\", \"modes\": [\"nooks\"] } ], \"modes\": [\"native\"] }",
	  "field 'extensions[0].modes': none of the campaign's modes: extension 'e1000' would never run" },
	{ "\"trials\": 3,", "\"trials\": 3, \"fault_mix\": \"some\",", "field 'fault_mix': unknown mix 'some'" },
	{ "\"trials\": 3,", "\"trials\": 3, \"timeouts\": { \"boot_s\": 60, \"total_s\": 30 },", "field 'timeouts.total_s': 30 is shorter" },
	{ "\"trials\": 3,", "\"trials\": 3, \"timeouts\": { \"boot\": 60 },", "field 'timeouts.boot': unknown field" },
	{ "\"trials\": 3,", "\"trials\": 3, \"kernel_cmdline\": [\"a b\"],", "field 'kernel_cmdline[0]'" },
	{ "\"trials\": 3,", "\"trials\": 3, \"kernel_cmdline\": \"x=\\\"y\\\"\",", "field 'kernel_cmdline': quotes" },
	{ "\"trials\": 3,", "\"trials\": 3, \"jobs\": -2,", "field 'jobs'" },
	{ "\"device\": \"e1000\"", "\"device\": [\"e1000\", 3]", "field 'extensions[0].device[1]': expected a device name" },
	{ "\"trials\": 3,", "\"trials\": 3, \"triasl\": 3,", "field 'triasl': unknown field" },
	{ "} ] }", "}, { \"name\": \"e1000\", \"module\": \"x\", \"workload\": \"net\" }] }", "field 'extensions[1].name': 'e1000' used twice" },
	{ "\"trials\": 3,", "\"trials\": 3,,", "invalid JSON near byte" },
	{ "\"device\": \"e1000\",", "\"disk\": \"floppy\",", "field 'extensions[0].disk': unknown disk 'floppy'" },
	{ "\"device\": \"e1000\",\n                    \"workload\": \"net\", \"workload_args\": { \"seconds\": 3 }",
	  "\"workload\": \"netdev\", \"workload_args\": { \"nic\": \"ne2000\" }",
	  "field 'extensions[0].workload_args.nic': unknown NIC 'ne2000'" },
	/* issue 14: persistence and trigger */
	{ "\"trials\": 3,", "\"trials\": 3, \"persistence\": \"sometimes\",",
	  "field 'persistence': unknown persistence 'sometimes' (known: transient, persistent)" },
	{ "\"workload\": \"net\",", "\"workload\": \"net\", \"persistence\": 1,",
	  "field 'extensions[0].persistence': expected \"transient\" or \"persistent\"" },
	{ "\"trials\": 3,", "\"trials\": 3, \"persistence\": \"persistent\", \"trigger\": {\"phase\": \"ping\"},",
	  "field 'trigger': a trigger applies to transient faults only" },
	{ "\"workload\": \"net\",", "\"workload\": \"net\", \"persistence\": \"persistent\", \"trigger\": {\"call\": \"f\"},",
	  "field 'extensions[0].trigger': a trigger applies to transient faults only" },
	{ "\"trials\": 3,", "\"trials\": 3, \"trigger\": {\"phase\": \"a\", \"call\": \"f\"},",
	  "field 'trigger': give exactly one of \"phase\" and \"call\"" },
	{ "\"trials\": 3,", "\"trials\": 3, \"trigger\": {},", "field 'trigger': give exactly one" },
	{ "\"trials\": 3,", "\"trials\": 3, \"trigger\": {\"phase\": \"a\", \"n\": 2},",
	  "field 'trigger.n': only with \"call\"" },
	{ "\"trials\": 3,", "\"trials\": 3, \"trigger\": {\"call\": \"f\", \"n\": 0},",
	  "field 'trigger.n': 0 out of range" },
	{ "\"trials\": 3,", "\"trials\": 3, \"trigger\": {\"when\": 3},", "field 'trigger.when': unknown field" },
	{ "\"trials\": 3,", "\"trials\": 3, \"trigger\": \"ping\",", "field 'trigger': expected {" },
	{ "\"trials\": 3,", "\"trials\": 3, \"trigger\": {\"call\": \"a b\"},",
	  "field 'trigger.call': invalid function name 'a b'" },
	{ "\"device\": \"e1000\",\n                    \"workload\": \"net\", \"workload_args\": { \"seconds\": 3 }",
	  "\"workload\": \"netdev\", \"trigger\": {\"phase\": \"dance\"}",
	  "field 'extensions[0].trigger.phase': workload 'netdev' has no phase 'dance'" },
	{ "\"fault_types\": { \"text\": 2, \"nop\": 1 },", "\"fault_types\": { \"text\": 2, \"alloc\": 1 }, \"fault_mix\": \"mixed\",",
	  "field 'persistence': a transient trial cannot mix code and runtime fault types" },
};

static void test_bad_inputs(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char text[2048], msg[512];
		const char *at = strstr(GOOD, bad[i].from);
		struct campaign_spec sp;

		if (!at)
			fail_msg("case %zu: pattern not in GOOD", i);
		snprintf(text, sizeof(text), "%.*s%s%s", (int)(at - GOOD), GOOD, bad[i].to,
			 at + strlen(bad[i].from));
		assert_int_equal(parse_capture(text, &sp, msg, sizeof(msg)), -1);
		if (!strstr(msg, bad[i].field))
			fail_msg("case %zu: expected '%s' in '%s'", i, bad[i].field, msg);
		assert_non_null(strstr(msg, "nooks: error: campaign 'x.json'"));
		assert_ptr_equal(strchr(msg, '\n'), msg + strlen(msg) - 1);	/* one line */
		assert_null(sp.name);	/* nothing half-filled */
	}
}

/* Devices and disk default to the workload table's needs; spec fields win. */
static void test_workload_defaults(void **state)
{
	const char *text =
		"{ \"name\": \"d\", \"seed\": 1, \"trials\": 1, \"fault_types\": [\"nop\"],\n"
		"  \"extensions\": [\n"
		"    { \"name\": \"fat\", \"module\": \"fat\", \"workload\": \"vfat\" },\n"
		"    { \"name\": \"kh\", \"module\": \"khttpd\", \"workload\": \"khttpd\" },\n"
		"    { \"name\": \"pc\", \"module\": \"pcnet32\", \"workload\": \"netdev\",\n"
		"      \"workload_args\": { \"nic\": \"pcnet\" } },\n"
		"    { \"name\": \"own\", \"module\": \"vfat\", \"workload\": \"vfat\",\n"
		"      \"disk\": \"/x/fat-damaged.img\", \"device\": \"e1000\" },\n"
		"    { \"name\": \"nodisk\", \"module\": \"vfat\", \"workload\": \"vfat\",\n"
		"      \"disk\": \"none\" },\n"
		"    { \"name\": \"cmd\", \"module\": \"e1000\", \"workload\": \"cmd\" } ] }";
	struct campaign_spec sp, sp2;

	(void)state;
	assert_int_equal(spec_parse(text, "d.json", &sp), 0);
	assert_string_equal(sp.ext[0].disk, "vfat");
	assert_int_equal(sp.ext[0].n_devices, 0);
	assert_null(sp.ext[1].disk);
	assert_int_equal(sp.ext[1].n_devices, 2);
	assert_string_equal(sp.ext[1].devices[0], "e1000");
	assert_string_equal(sp.ext[1].devices[1], "virtio-net");
	assert_string_equal(sp.ext[1].device, "e1000");
	assert_string_equal(sp.ext[2].devices[0], "pcnet");
	assert_string_equal(sp.ext[2].devices[1], "virtio-net");
	assert_string_equal(sp.ext[3].disk, "/x/fat-damaged.img");
	assert_int_equal(sp.ext[3].n_devices, 1);
	assert_string_equal(sp.ext[4].disk, "none");
	assert_null(sp.ext[5].disk);
	assert_int_equal(sp.ext[5].n_devices, 0);
	/* the filled-in defaults are part of the canonical text (and the identity) */
	assert_non_null(strstr(sp.canonical, "\"disk\": \"vfat\""));
	assert_non_null(strstr(sp.canonical, "\"pcnet\""));
	/* spelling the defaults out gives the same campaign */
	assert_int_equal(spec_parse(
		"{ \"name\": \"d\", \"seed\": 1, \"trials\": 1, \"fault_types\": [\"nop\"],\n"
		"  \"extensions\": [ { \"name\": \"fat\", \"module\": \"fat\", \"workload\": \"vfat\","
		"  \"disk\": \"vfat\" } ] }", "e.json", &sp2), 0);
	spec_release(&sp);
	assert_int_equal(spec_parse(
		"{ \"name\": \"d\", \"seed\": 1, \"trials\": 1, \"fault_types\": [\"nop\"],\n"
		"  \"extensions\": [ { \"name\": \"fat\", \"module\": \"fat\", \"workload\": \"vfat\" } ] }",
		"f.json", &sp), 0);
	assert_string_equal(sp.hash, sp2.hash);
	spec_release(&sp);
	spec_release(&sp2);
}

/*
 * The domains mode: off unless listed (a spec without "modes" keeps native +
 * nooks and the canonical text, hence the hash, it had before the mode
 * existed); listed, it is part of the identity; extensions may be limited
 * to it; the planner gives each descriptor three adjacent trials.
 */
static void test_domains_mode(void **state)
{
	struct campaign_spec a, b, c, d;
	char text[1024], msg[512];
	struct plan p;

	(void)state;
	assert_int_equal(spec_parse(GOOD, "a", &a), 0);
	assert_false(a.modes[MODE_DOMAINS]);
	assert_non_null(strstr(a.canonical, "\"modes\": [\n    \"native\",\n    \"nooks\"\n  ]"));
	assert_null(strstr(a.canonical, "domains"));
	/* explicit native + nooks: same identity as the default */
	snprintf(text, sizeof(text), "{ \"modes\": [\"nooks\", \"native\"], %s", GOOD + 1);
	assert_int_equal(spec_parse(text, "b", &b), 0);
	assert_string_equal(a.hash, b.hash);
	snprintf(text, sizeof(text), "{ \"modes\": [\"native\", \"nooks\", \"domains\"], %s",
		 GOOD + 1);
	assert_int_equal(spec_parse(text, "c", &c), 0);
	assert_true(c.modes[MODE_NATIVE] && c.modes[MODE_NOOKS] && c.modes[MODE_DOMAINS]);
	assert_string_not_equal(a.hash, c.hash);
	assert_non_null(strstr(c.canonical, "\"domains\""));
	assert_true(spec_ext_runs(&c, 0, MODE_DOMAINS));
	plan_build(&c, NULL, &p);
	assert_int_equal(p.n_trials, 9);
	assert_string_equal(p.trials[0].key, "e1000/0000/native");
	assert_string_equal(p.trials[1].key, "e1000/0000/nooks");
	assert_string_equal(p.trials[2].key, "e1000/0000/domains");
	assert_int_equal(p.trials[2].mode, MODE_DOMAINS);
	assert_int_equal(p.trials[0].fault, p.trials[2].fault);	/* paired: one descriptor */
	plan_release(&p);
	/* --modes: the override recomputes the identity */
	assert_int_equal(spec_override_modes(&a, "native,nooks,domains"), 0);
	assert_string_equal(a.hash, c.hash);
	assert_int_equal(parse_capture(GOOD, &d, msg, sizeof(msg)), 0);
	assert_int_not_equal(spec_override_modes(&d, "native,pd"), 0);
	spec_release(&d);
	/* a campaign of native + domains only */
	spec_release(&b);
	snprintf(text, sizeof(text), "{ \"modes\": [\"native\", \"domains\"], %s", GOOD + 1);
	assert_int_equal(spec_parse(text, "b", &b), 0);
	assert_false(spec_ext_runs(&b, 0, MODE_NOOKS));
	assert_true(spec_ext_runs(&b, 0, MODE_DOMAINS));
	/* what a domains trial is: a nooks trial with nooks.ko domains=1 */
	assert_true(spec_mode_isolated(MODE_DOMAINS) && spec_mode_isolated(MODE_NOOKS));
	assert_false(spec_mode_isolated(MODE_NATIVE));
	assert_string_equal(spec_mode_nim_params(MODE_DOMAINS), "domains=1");
	assert_null(spec_mode_nim_params(MODE_NOOKS));
	assert_string_equal(spec_mode_name(MODE_DOMAINS), "domains");
	spec_release(&a);
	spec_release(&b);
	spec_release(&c);
}

/* e1000-domains.json reruns e1000.json's descriptors: same types, count and
 * injector seed for every index, so its results pair with the stage-1 run. */
static void test_e1000_domains_pairs_with_e1000(void **state)
{
	struct campaign_spec a, b;
	struct plan pa, pb;
	int i;

	(void)state;
	assert_int_equal(spec_load("campaigns/e1000.json", &a), 0);
	assert_int_equal(spec_load("campaigns/e1000-domains.json", &b), 0);
	assert_true(b.modes[MODE_NATIVE] && b.modes[MODE_NOOKS] && b.modes[MODE_DOMAINS]);
	plan_build(&a, NULL, &pa);
	plan_build(&b, NULL, &pb);
	assert_int_equal(pa.n_faults, 100);
	assert_int_equal(pa.n_faults, pb.n_faults);
	assert_int_equal(pb.n_trials, 300);
	for (i = 0; i < pa.n_faults; i++) {
		assert_string_equal(pa.faults[i].types, pb.faults[i].types);
		assert_int_equal(pa.faults[i].seed, pb.faults[i].seed);
		assert_int_equal(pa.faults[i].count, pb.faults[i].count);
	}
	plan_release(&pa);
	plan_release(&pb);
	spec_release(&a);
	spec_release(&b);
}

/* Issue 14: transient by default, triggers resolved per extension, all in the hash. */
static void test_persistence_and_trigger(void **state)
{
	const char *text =
		"{ \"name\": \"p\", \"seed\": 1, \"trials\": 1, \"fault_types\": [\"nop\"],\n"
		"  %s\n"
		"  \"extensions\": [ { \"name\": \"a\", \"module\": \"e1000\", \"workload\": \"netdev\" },\n"
		"    { \"name\": \"b\", \"module\": \"khttpd\", \"workload\": \"khttpd\" %s },\n"
		"    { \"name\": \"c\", \"module\": \"x\", \"workload\": \"mine\" } ] }";
	struct campaign_spec sp, pers, call;
	char buf[1024];

	(void)state;
	snprintf(buf, sizeof(buf), text, "", "");
	assert_int_equal(spec_parse(buf, "p.json", &sp), 0);
	assert_int_equal(sp.persistence, PERSIST_TRANSIENT);
	assert_int_equal(sp.ext[0].persistence, PERSIST_TRANSIENT);
	assert_string_equal(sp.ext[0].trigger.phase, "link");	/* netdev's warm-up */
	assert_string_equal(sp.ext[1].trigger.phase, "pages");	/* khttpd's */
	assert_string_equal(sp.ext[2].trigger.phase, "start");	/* unknown workload */
	assert_null(sp.ext[0].trigger.call);
	assert_non_null(strstr(sp.canonical, "\"persistence\": \"transient\""));
	assert_non_null(strstr(sp.canonical, "\"phase\": \"pages\""));

	/* persistent campaign, one extension transient at a call */
	snprintf(buf, sizeof(buf), text, "\"persistence\": \"persistent\",",
		 ", \"persistence\": \"transient\", \"trigger\": { \"call\": \"khttpd_worker\" }");
	assert_int_equal(spec_parse(buf, "p.json", &call), 0);
	assert_int_equal(call.ext[0].persistence, PERSIST_PERSISTENT);
	assert_null(call.ext[0].trigger.phase);
	assert_null(call.ext[0].trigger.call);
	assert_int_equal(call.ext[1].persistence, PERSIST_TRANSIENT);
	assert_string_equal(call.ext[1].trigger.call, "khttpd_worker");
	assert_int_equal(call.ext[1].trigger.n, 1);
	assert_null(call.ext[1].trigger.phase);
	assert_string_not_equal(call.hash, sp.hash);

	/* a campaign trigger applies to every extension without its own */
	snprintf(buf, sizeof(buf), text, "\"trigger\": { \"call\": \"g\", \"n\": 5 },", "");
	assert_int_equal(spec_parse(buf, "p.json", &pers), 0);
	assert_string_equal(pers.ext[2].trigger.call, "g");
	assert_int_equal(pers.ext[2].trigger.n, 5);
	assert_string_not_equal(pers.hash, sp.hash);
	spec_release(&sp);
	spec_release(&call);
	spec_release(&pers);
}

static void test_shipped_specs_parse(void **state)
{
	const char *files[] = { "campaigns/smoke.json", "campaigns/e1000.json",
				"campaigns/e1000-domains.json",
				"campaigns/nightly.json", "campaigns/vfat.json",
				"campaigns/khttpd.json" };
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		struct campaign_spec sp;

		assert_int_equal(spec_load(files[i], &sp), 0);
		spec_release(&sp);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good_defaults),
		cmocka_unit_test(test_workload_defaults),
		cmocka_unit_test(test_hash_ignores_layout_and_jobs),
		cmocka_unit_test(test_bad_inputs),
		cmocka_unit_test(test_shipped_specs_parse),
		cmocka_unit_test(test_persistence_and_trigger),
		cmocka_unit_test(test_domains_mode),
		cmocka_unit_test(test_e1000_domains_pairs_with_e1000),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
