/*
 * test_spec.c - campaign spec parsing: defaults, canonical hash, and every
 * validation error naming its field.
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
	{ "\"trials\": 3,", "\"trials\": 3, \"modes\": [\"xen\"],", "field 'modes[0]': unknown mode 'xen'" },
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

static void test_shipped_specs_parse(void **state)
{
	const char *files[] = { "campaigns/smoke.json", "campaigns/e1000.json",
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
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
