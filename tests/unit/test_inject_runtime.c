/*
 * test_inject_runtime.c - unit tests of the SWIFI runtime faults on the host:
 * the shared decision (injector/rtfault.h: arm strings, rt_decide, the bcopy
 * overrun), the rebinding decisions (which imports of the real stock
 * e1000.ko are candidates per type, seeded choice of symbol and N, the
 * code/runtime split) and `nooks inject` end to end (rebinding with swifi's
 * CRCs, describe record, --params, bad inputs leave nothing behind), call
 * profiles (parsing, profile-guided candidates, determinism of N with a
 * profile, --profile / --count-only end to end; swifi's console lines are
 * triage's, tested in test_triage_swifi.c).
 * Run from the top directory (needs build/image with its symvers/swifi.symvers).
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
#include <json-c/json.h>

#include "cli.h"
#include "faults.h"
#include "fixture.h"
#include "modbind.h"
#include "profile.h"
#include "runtime.h"
#include "triage.h"
#include "util.h"

#define E1000 "build/image/modules/kernel/drivers/net/ethernet/intel/e1000/e1000.ko"
#define SYMVERS "build/image/symvers/swifi.symvers"

int cmd_inject(int argc, char **argv);

static char tmpdir[] = "/tmp/test-inject-rt-XXXXXX";
static struct kobj e1000;
static const char **e1000_names;
static size_t e1000_n;

static int setup_all(void **state)
{
	(void)state;
	if (!mkdtemp(tmpdir) || kobj_load(E1000, &e1000))
		return -1;
	e1000_n = rt_called_imports(&e1000, &e1000_names);
	return 0;
}

static int teardown_all(void **state)
{
	(void)state;
	free(e1000_names);
	kobj_free(&e1000);
	remove_tree(tmpdir);
	return 0;
}

static void test_arm_parse(void **state)
{
	struct rt_arm a[RT_MAX_ARMS];

	(void)state;
	assert_int_equal(rt_arm_parse("alloc:__kmalloc:3:0x1f", a), 22);
	assert_int_equal(a[0].type, RT_ALLOC);
	assert_string_equal(a[0].sym, "__kmalloc");
	assert_int_equal(a[0].nth, 3);
	assert_int_equal(a[0].seed, 0x1f);
	assert_int_equal(rt_arms_parse("leak:kfree:1:7,bcopy:memcpy:12:99\n", a, RT_MAX_ARMS), 2);
	assert_int_equal(a[1].type, RT_BCOPY);
	assert_int_equal(a[1].nth, 12);
	assert_int_equal(a[1].seed, 99);
	assert_int_equal(rt_arms_parse("none\n", a, RT_MAX_ARMS), 0);
	assert_int_equal(rt_arms_parse("", a, RT_MAX_ARMS), 0);
	/* bad: type, empty symbol, N = 0, N too large, junk, missing seed, too many */
	assert_int_equal(rt_arms_parse("oops:kfree:1:1", a, RT_MAX_ARMS), -1);
	assert_int_equal(rt_arms_parse("leak::1:1", a, RT_MAX_ARMS), -1);
	assert_int_equal(rt_arms_parse("leak:kfree:0:1", a, RT_MAX_ARMS), -1);
	assert_int_equal(rt_arms_parse("leak:kfree:1000001:1", a, RT_MAX_ARMS), -1);
	assert_int_equal(rt_arms_parse("leak:kfree:1:1x", a, RT_MAX_ARMS), -1);
	assert_int_equal(rt_arms_parse("leak:kfree:1", a, RT_MAX_ARMS), -1);
	assert_int_equal(rt_arms_parse("leak:kfree:1:1,", a, RT_MAX_ARMS), -1);
	assert_int_equal(rt_arms_parse("nonesuch", a, RT_MAX_ARMS), -1);
	assert_int_equal(rt_arms_parse("leak:kfree:1:1,leak:kfree:2:1", a, 1), -1);
	assert_int_equal(rt_arms_parse("leak:kfree:1:0xffffffffffffffff1", a, 1), -1);
	assert_int_equal(rt_arms_parse("leak:a2345678901234567890123456789012345678901234567890123456:1:1",
				       a, 1), -1);	/* 56 chars: no room for the NUL */
}

static void test_arm_string_roundtrip(void **state)
{
	struct rt_arm in[2] = { { RT_FREE, 4, 0xabc, "kmalloc_trace" },
				{ RT_BCOPY, 1, 5, "skb_put" } }, out[RT_MAX_ARMS];
	char *s = rt_arm_string(in, 2);

	(void)state;
	assert_string_equal(s, "free:kmalloc_trace:4:0xabc,bcopy:skb_put:1:0x5");
	assert_int_equal(rt_arms_parse(s, out, RT_MAX_ARMS), 2);
	assert_memory_equal(&in[0], &out[0], sizeof(in[0]));
	assert_memory_equal(&in[1], &out[1], sizeof(in[1]));
	free(s);
}

static void test_decide(void **state)
{
	struct rt_arm a = { RT_ALLOC, 3, 0, "__kmalloc" };
	uint32_t c;

	(void)state;
	for (c = 1; c <= 10; c++)
		assert_int_equal(rt_decide(&a, "__kmalloc", c), c == 3 ? RT_FAIL_ALLOC : RT_PASS);
	assert_int_equal(rt_decide(&a, "kmalloc_trace", 3), RT_PASS);
	a.type = RT_FREE;
	assert_int_equal(rt_decide(&a, "__kmalloc", 3), RT_FREE_EARLY);
	a.type = RT_LEAK;
	assert_int_equal(rt_decide(&a, "__kmalloc", 3), RT_SKIP_FREE);
	a.type = RT_BCOPY;
	assert_int_equal(rt_decide(&a, "__kmalloc", 3), RT_OVERRUN);
	a.type = RT_NTYPES;
	assert_int_equal(rt_decide(&a, "__kmalloc", 3), RT_PASS);
	assert_int_equal(rt_type_class(RT_ALLOC), RTC_ALLOC);
	assert_int_equal(rt_type_class(RT_FREE), RTC_ALLOC);	/* premature free: at an allocator */
	assert_int_equal(rt_type_class(RT_LEAK), RTC_FREE);
	assert_int_equal(rt_type_class(RT_BCOPY), RTC_COPY);
}

/* Rio's distribution over 10000 seeds: 50% +1, 44% +2..1024, 6% +2048..4096. */
static void test_bcopy_delta(void **state)
{
	unsigned one = 0, mid = 0, big = 0;
	uint64_t s;

	(void)state;
	for (s = 0; s < 10000; s++) {
		uint64_t d = rt_bcopy_delta(s);

		assert_int_equal(d, rt_bcopy_delta(s));
		if (d == 1)
			one++;
		else if (d >= 2 && d <= 1024)
			mid++;
		else if (d >= 2048 && d <= 4096)
			big++;
		else
			fail_msg("delta %llu outside the distribution", (unsigned long long)d);
	}
	assert_in_range(one, 4700, 5300);
	assert_in_range(mid, 4100, 4700);
	assert_in_range(big, 450, 750);
}

static void test_parse_fault_list(void **state)
{
	unsigned c, r;

	(void)state;
	assert_int_equal(rt_parse_fault_list("nop,alloc,bcopy", &c, &r), 0);
	assert_int_equal(c, 1u << FT_NOP);
	assert_int_equal(r, 1u << RT_ALLOC | 1u << RT_BCOPY);
	assert_int_equal(rt_parse_fault_list("leak", &c, &r), 0);
	assert_int_equal(c, 0);
	assert_int_equal(r, 1u << RT_LEAK);
	assert_int_equal(rt_parse_fault_list("alloc,malloc", &c, &r), -1);
	assert_int_equal(rt_parse_fault_list(",", &c, &r), -1);
}

static int has(const char **names, size_t n, const char *s)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!strcmp(names[i], s))
			return 1;
	return 0;
}

/* Candidates on the real e1000: called imports of the right class only. */
static void test_sites_e1000(void **state)
{
	struct rt_filter f = { NULL, 0, 4, NULL };
	struct rt_site *s;
	size_t n, i, nalloc = 0;

	(void)state;
	assert_true(has(e1000_names, e1000_n, "kfree"));
	assert_true(has(e1000_names, e1000_n, "__kmalloc"));
	assert_false(has(e1000_names, e1000_n, "jiffies"));		/* data */
	assert_false(has(e1000_names, e1000_n, "kmalloc_caches"));	/* data */
	assert_false(has(e1000_names, e1000_n, "delayed_work_timer_fn")); /* address taken */
	assert_int_equal(rt_sites(e1000_names, e1000_n, 1u << RT_ALLOC, &f, &s, &n), 0);
	for (i = 0; i < n; i++) {
		assert_int_equal(rt_sym_class(s[i].sym), RTC_ALLOC);
		assert_true(has(e1000_names, e1000_n, s[i].sym));
		assert_in_range(s[i].nth, 1, 4);
		if (i)	/* sorted: table order of the symbol, then N */
			assert_true(strcmp(s[i].sym, s[i - 1].sym) ? s[i].nth == 1
				    : s[i].nth == s[i - 1].nth + 1);
		nalloc += s[i].nth == 1;
	}
	assert_int_equal(nalloc, 9);	/* see docs/FAULTS.md */
	assert_int_equal(n, 9 * 4);
	free(s);
	assert_int_equal(rt_sites(e1000_names, e1000_n, 1u << RT_LEAK | 1u << RT_BCOPY, &f, &s, &n), 0);
	for (i = 0; i < n; i++)
		assert_int_equal(rt_sym_class(s[i].sym), s[i].type == RT_LEAK ? RTC_FREE : RTC_COPY);
	assert_int_equal(n, (9 + 3) * 4);
	free(s);
	/* --symbol and --nth */
	f.symbol = "kfree";
	f.nth = 7;
	assert_int_equal(rt_sites(e1000_names, e1000_n, 1u << RT_LEAK, &f, &s, &n), 0);
	assert_int_equal(n, 1);
	assert_string_equal(s[0].sym, "kfree");
	assert_int_equal(s[0].nth, 7);
	free(s);
	assert_int_equal(rt_sites(e1000_names, e1000_n, 1u << RT_ALLOC, &f, &s, &n), 0);
	assert_int_equal(n, 0);	/* kfree is not an allocator */
	free(s);
	f.symbol = "kstrdup";	/* wrapped, but e1000 does not call it */
	assert_int_equal(rt_sites(e1000_names, e1000_n, 1u << RT_ALLOC, &f, &s, &n), -1);
	f.symbol = "pci_enable_device";	/* called, but no wrapper */
	assert_int_equal(rt_sites(e1000_names, e1000_n, 1u << RT_ALLOC, &f, &s, &n), -1);
}

static void test_choose_deterministic(void **state)
{
	struct rt_site *s;
	struct rt_arm a[5], b[5];
	size_t n;
	uint64_t seed;
	int i, j, differ = 0;

	(void)state;
	assert_int_equal(rt_sites(e1000_names, e1000_n, 0xf, NULL, &s, &n), 0);
	for (seed = 1; seed <= 20; seed++) {
		assert_int_equal(rt_choose(s, n, seed, 5, a), 0);
		assert_int_equal(rt_choose(s, n, seed, 5, b), 0);
		assert_memory_equal(a, b, sizeof(a));	/* same seed, same (type, sym, N, seed) */
		for (i = 0; i < 5; i++) {
			assert_in_range(a[i].nth, 1, RT_NTH_MAX);
			for (j = 0; j < i; j++)	/* distinct sites */
				assert_false(a[i].type == a[j].type && a[i].nth == a[j].nth &&
					     !strcmp(a[i].sym, a[j].sym));
		}
		assert_int_equal(rt_choose(s, n, seed + 1000, 5, b), 0);
		differ += memcmp(a, b, sizeof(a)) != 0;
	}
	assert_int_equal(differ, 20);
	assert_int_equal(rt_choose(s, n, 1, RT_MAX_ARMS + 1, a), -1);
	assert_int_equal(rt_choose(s, 3, 1, 4, a), -1);
	assert_int_equal(rt_choose(s, 0, 1, 1, a), -1);
	free(s);
}

static void test_split(void **state)
{
	unsigned k1 = 0;
	uint64_t seed;

	(void)state;
	assert_int_equal(rt_split(3, 0, 5, 1), 0);
	assert_int_equal(rt_split(0, 2, 5, 1), 5);
	assert_int_equal(rt_split(1, 1, 5, 1), 3);	/* round(5 * 1/2) */
	assert_int_equal(rt_split(4, 1, 5, 1), 1);
	assert_int_equal(rt_split(10, 1, 5, 1), 1);	/* at least one runtime fault */
	assert_int_equal(rt_split(1, 10, 5, 1), 4);	/* at least one code fault */
	for (seed = 0; seed < 1000; seed++) {	/* K = 1: the seed decides, by type share */
		assert_int_equal(rt_split(1, 1, 1, seed), rt_split(1, 1, 1, seed));
		k1 += rt_split(1, 1, 1, seed);
	}
	assert_in_range(k1, 420, 580);
}

static int inject(const char *args)
{
	char *copy = xasprintf("inject %s", args), *argv[32], *save = NULL, *t;
	int argc = 0, r;

	for (t = strtok_r(copy, " ", &save); t && argc < 31; t = strtok_r(NULL, " ", &save))
		argv[argc++] = t;
	argv[argc] = NULL;
	r = cmd_inject(argc, argv);
	free(copy);
	return r;
}

static const struct modbind_import *import_of(struct modbind *mb, const char *name)
{
	const struct modbind_import *im;
	size_t n, i;

	im = modbind_imports(mb, &n);
	for (i = 0; i < n; i++)
		if (!strcmp(im[i].name, name))
			return &im[i];
	return NULL;
}

static void test_cmd_alloc_binds_swifi(void **state)
{
	char *args = xasprintf("--fault alloc --symbol alloc_etherdev_mqs --nth 1 --seed 1 %s -o %s/a.ko "
			       "--describe %s/a.json --params %s/a.txt --symvers " SYMVERS, E1000,
			       tmpdir, tmpdir, tmpdir);
	char *out = xasprintf("%s/a.ko", tmpdir), *chk = xasprintf("%s/chk.ko", tmpdir);
	char *p = xasprintf("%s/a.txt", tmpdir), *js = xasprintf("%s/a.json", tmpdir), *txt;
	struct symvers *sv = symvers_load(SYMVERS);
	struct json_object *doc, *v, *m;
	struct modbind *mb;
	uint64_t crc;

	(void)state;
	assert_int_equal(inject(args), 0);
	mb = modbind_open(out, chk);
	assert_non_null(mb);
	assert_null(import_of(mb, "alloc_etherdev_mqs"));
	assert_non_null(import_of(mb, "swifi_w_alloc_etherdev_mqs"));
	assert_true(import_of(mb, "swifi_w_alloc_etherdev_mqs")->has_version);
	assert_non_null(import_of(mb, "__kmalloc"));	/* nothing else rebound */
	modbind_close(mb);
	assert_int_equal(symvers_crc(sv, "swifi_w_alloc_etherdev_mqs", &crc), 0);
	symvers_free(sv);
	txt = read_file(p, NULL);
	assert_string_equal(txt, "arm=alloc:alloc_etherdev_mqs:1:0xda1658eec67\n");
	free(txt);
	txt = read_file(js, NULL);
	doc = json_tokener_parse(txt);
	assert_true(json_object_object_get_ex(doc, "swifi_params", &v));
	assert_string_equal(json_object_get_string(v), "arm=alloc:alloc_etherdev_mqs:1:0xda1658eec67");
	assert_true(json_object_object_get_ex(doc, "mutations", &v));
	assert_int_equal(json_object_array_length(v), 1);
	m = json_object_array_get_idx(v, 0);
	assert_true(json_object_object_get_ex(m, "type", &v));
	assert_string_equal(json_object_get_string(v), "alloc");
	assert_true(json_object_object_get_ex(m, "after", &v));
	assert_string_equal(json_object_get_string(v), "call swifi_w_alloc_etherdev_mqs");
	json_object_put(doc);
	free(txt);
	free(args);
	free(out);
	free(chk);
	free(p);
	free(js);
}

/* nop,leak with K = 2: one code fault and one runtime fault in one module. */
static void test_cmd_mixed(void **state)
{
	char *args = xasprintf("--fault nop,leak --count 2 --seed 5 %s -o %s/m.ko --describe %s/m.json "
			       "--symvers " SYMVERS, E1000, tmpdir, tmpdir);
	char *again = xasprintf("--fault nop,leak --count 2 --seed 5 %s -o %s/m2.ko --symvers " SYMVERS,
				E1000, tmpdir);
	char *a = xasprintf("%s/m.ko", tmpdir), *b = xasprintf("%s/m2.ko", tmpdir);
	char *js = xasprintf("%s/m.json", tmpdir), *tmp = xasprintf("%s.code.tmp", a), *txt, *ka, *kb;
	struct json_object *doc, *v, *t0, *t1;
	size_t la, lb;

	(void)state;
	assert_int_equal(inject(args), 0);
	assert_int_equal(inject(again), 0);
	ka = read_file(a, &la);
	kb = read_file(b, &lb);
	assert_int_equal(la, lb);
	assert_memory_equal(ka, kb, la);	/* byte-identical */
	assert_false(file_exists(tmp));		/* the code-fault stage is not left behind */
	free(tmp);
	free(ka);
	free(kb);
	txt = read_file(js, NULL);
	doc = json_tokener_parse(txt);
	assert_true(json_object_object_get_ex(doc, "mutations", &v));
	assert_int_equal(json_object_array_length(v), 2);
	json_object_object_get_ex(json_object_array_get_idx(v, 0), "type", &t0);
	json_object_object_get_ex(json_object_array_get_idx(v, 1), "type", &t1);
	assert_string_equal(json_object_get_string(t0), "nop");
	assert_string_equal(json_object_get_string(t1), "leak");
	assert_true(json_object_object_get_ex(doc, "swifi_params", &v));
	assert_non_null(strstr(json_object_get_string(v), "arm=leak:"));
	json_object_put(doc);
	free(txt);
	free(args);
	free(again);
	free(a);
	free(b);
	free(js);
}

/* Bad input: one error, non-zero exit, nothing at -o, --describe or --params. */
static void bad(const char *extra)
{
	char *args = xasprintf("%s %s -o %s/bad.ko --describe %s/bad.json --params %s/bad.txt", extra,
			       E1000, tmpdir, tmpdir, tmpdir);
	char *o = xasprintf("%s/bad.ko", tmpdir), *d = xasprintf("%s/bad.json", tmpdir);
	char *p = xasprintf("%s/bad.txt", tmpdir), *tmp = xasprintf("%s/bad.ko.code.tmp", tmpdir);

	assert_int_not_equal(inject(args), 0);
	assert_false(file_exists(o));
	assert_false(file_exists(d));
	assert_false(file_exists(p));
	assert_false(file_exists(tmp));
	free(args);
	free(o);
	free(d);
	free(p);
	free(tmp);
}

static void test_cmd_bad_input(void **state)
{
	(void)state;
	bad("--fault alloc --symbol kstrdup --seed 1 --symvers " SYMVERS);	/* not imported */
	bad("--fault alloc --symbol pci_enable_device --seed 1 --symvers " SYMVERS); /* no wrapper */
	bad("--fault leak --function e1000_probe --seed 1 --symvers " SYMVERS);	/* code-only filter */
	bad("--fault nop --symbol kfree --seed 1 --symvers " SYMVERS);	/* runtime-only filter */
	bad("--fault alloc --nth 0 --seed 1 --symvers " SYMVERS);
	bad("--fault alloc --count 9 --seed 1 --symvers " SYMVERS);	/* > RT_MAX_ARMS */
	bad("--fault leak --symbol kfree --nth 1 --count 2 --seed 1 --symvers " SYMVERS); /* 1 site */
	bad("--fault alloc --seed 1 --symvers /nonexistent/Module.symvers");
	bad("--fault nop,alloc --count 2 --seed 1 --symvers /nonexistent/Module.symvers");
	bad("--fault alloc --seed 1 --symvers build/image/modules/modules.dep"); /* no swifi_w_ */
}

/* ---- call profiles ----------------------------------------------------------- */

/* The recorded profiling run (swifi, no arm, at power-off after the netdev
 * workload) and its calls as triage reads them (test_triage_swifi.c). */
static struct json_object *recorded_calls(void)
{
	size_t len;
	char *text = fixture_read("tests/fixtures/swifi", "calls_e1000_netdev.log", &len);
	struct json_object *calls;

	assert_non_null(text);
	assert_int_equal(swifi_calls_scan(text, len, RT_NTH_LIMIT, &calls), 0);
	free(text);
	return calls;
}

static void parse_profile(const char *text, struct rt_profile *p)
{
	assert_int_equal(rt_profile_parse(text, "test", p), 0);
}

static void test_profile_parse(void **state)
{
	struct rt_profile p;

	(void)state;
	parse_profile("{\"key\": \"k1\", \"module\": \"e1000\", \"calls\": {\"kmalloc_trace\": 5, "
		      "\"alloc_etherdev_mqs\": 1, \"kfree\": 0}}", &p);
	assert_string_equal(p.key, "k1");
	assert_int_equal(p.n, 3);
	assert_int_equal(rt_profile_calls(&p, "kmalloc_trace"), 5);
	assert_int_equal(rt_profile_calls(&p, "alloc_etherdev_mqs"), 1);
	assert_int_equal(rt_profile_calls(&p, "kfree"), 0);
	assert_int_equal(rt_profile_calls(&p, "vzalloc"), 0);	/* absent */
	rt_profile_release(&p);
	parse_profile("{\"calls\": {}}", &p);			/* no key, no calls: valid */
	assert_string_equal(p.key, "");
	assert_int_equal(p.n, 0);
	rt_profile_release(&p);
	assert_int_equal(rt_profile_parse("not json", "t", &p), -1);
	assert_int_equal(rt_profile_parse("[1]", "t", &p), -1);
	assert_int_equal(rt_profile_parse("{\"key\": \"x\"}", "t", &p), -1);	/* no calls */
	assert_int_equal(rt_profile_parse("{\"calls\": [1]}", "t", &p), -1);
	assert_int_equal(rt_profile_parse("{\"calls\": {\"kfree\": -1}}", "t", &p), -1);
	assert_int_equal(rt_profile_parse("{\"calls\": {\"kfree\": \"3\"}}", "t", &p), -1);
	assert_int_equal(rt_profile_parse("{\"calls\": {\"kfree\": 1.5}}", "t", &p), -1);
	assert_int_equal(rt_profile_parse("{\"calls\": {\"kfree\": 1000001}}", "t", &p), -1);
	assert_int_equal(rt_profile_parse("{\"key\": 3, \"calls\": {}}", "t", &p), -1);
	assert_int_equal(rt_profile_parse("{\"calls\": {\"a_name_much_longer_than_the_fifty_five_"
					  "characters_of_a_version\": 1}}", "t", &p), -1);
	assert_int_equal(rt_profile_load("/nonexistent/profile.json", &p), -1);
}

/* The profile made from the recorded calls (profile.c) round-trips through the parser. */
static void test_profile_from_calls(void **state)
{
	const char *args[] = { "nic", "e1000", "pings", "2" };
	struct json_object *calls;
	struct rt_profile p;
	char *key, *key2, *text;

	(void)state;
	calls = recorded_calls();
	assert_int_equal(json_object_object_length(calls), 11);
	key = profile_key(0x1234, "netdev", args, 4, "6.1.0-56-amd64");
	key2 = profile_key(0x1234, "netdev", args, 2, "6.1.0-56-amd64");	/* other args */
	assert_int_equal(strlen(key), 16);
	assert_string_not_equal(key, key2);
	free(key2);
	key2 = profile_key(0x1235, "netdev", args, 4, "6.1.0-56-amd64");	/* other module */
	assert_string_not_equal(key, key2);
	free(key2);
	key2 = profile_key(0x1234, "netdev", args, 4, "6.1.0-56-amd64");
	assert_string_equal(key, key2);
	free(key2);
	text = profile_text(key, "e1000", 0x1234, "netdev", args, 4, "6.1.0-56-amd64", calls);
	parse_profile(text, &p);
	assert_string_equal(p.key, key);
	assert_int_equal(rt_profile_calls(&p, "__netdev_alloc_frag_align"), 439);
	assert_int_equal(rt_profile_calls(&p, "alloc_etherdev_mqs"), 1);
	assert_int_equal(rt_profile_calls(&p, "page_frag_free"), 0);
	rt_profile_release(&p);
	json_object_put(calls);
	free(text);
	free(key);
}

/* Candidates with a profile: called symbols only, N in the first half of the
 * profiled calls (capped by nth_max). */
static void test_sites_profile(void **state)
{
	struct rt_profile p;
	struct rt_filter f = { 0 };
	struct rt_site *s;
	size_t n, i;

	(void)state;
	parse_profile("{\"key\": \"t\", \"calls\": {\"alloc_etherdev_mqs\": 1, \"kmalloc_trace\": 5, "
		      "\"kfree\": 0, \"memcpy\": 28, \"kstrdup\": 7}}", &p);
	f.profile = &p;
	assert_int_equal(rt_sites(e1000_names, e1000_n, 1u << RT_ALLOC, &f, &s, &n), 0);
	assert_int_equal(n, 1 + 3);	/* kstrdup is profiled but not imported by e1000 */
	assert_int_equal(rt_profile_reach(1), 1);
	assert_int_equal(rt_profile_reach(2), 1);
	assert_int_equal(rt_profile_reach(75), 38);
	assert_int_equal(rt_profile_reach(0), 0);
	for (i = 0; i < n; i++)
		assert_in_range(s[i].nth, 1, (rt_profile_calls(&p, s[i].sym) + 1) / 2);
	free(s);
	assert_int_equal(rt_sites(e1000_names, e1000_n, 1u << RT_BCOPY, &f, &s, &n), 0);
	assert_int_equal(n, 14);	/* beyond RT_NTH_MAX: the first half of 28 calls */
	assert_int_equal(s[13].nth, 14);
	free(s);
	/* kfree profiled with 0 calls, other free functions absent: no site, an error */
	assert_int_equal(rt_sites(e1000_names, e1000_n, 1u << RT_LEAK, &f, &s, &n), -1);
	f.nth_max = 2;	/* caps the profiled reach */
	assert_int_equal(rt_sites(e1000_names, e1000_n, 1u << RT_ALLOC, &f, &s, &n), 0);
	assert_int_equal(n, 1 + 2);
	free(s);
	f.nth_max = 0;
	f.nth = 5;	/* only symbols called at least 5 times */
	assert_int_equal(rt_sites(e1000_names, e1000_n, 1u << RT_ALLOC, &f, &s, &n), 0);
	assert_int_equal(n, 1);
	assert_string_equal(s[0].sym, "kmalloc_trace");
	assert_int_equal(s[0].nth, 5);
	free(s);
	f.nth = 6;
	assert_int_equal(rt_sites(e1000_names, e1000_n, 1u << RT_ALLOC, &f, &s, &n), -1);
	f.nth = 0;
	f.symbol = "alloc_etherdev_mqs";
	assert_int_equal(rt_sites(e1000_names, e1000_n, 1u << RT_ALLOC, &f, &s, &n), 0);
	assert_int_equal(n, 1);
	free(s);
	rt_profile_release(&p);
}

/* Same profile + seed: same arms; every N drawn is in the first half of the
 * calls the profiled run made. */
static void test_choose_profile_deterministic(void **state)
{
	struct rt_profile p;
	struct rt_filter f = { 0 };
	struct json_object *calls;
	struct rt_site *s, *u;
	size_t n, nu;
	struct rt_arm a[2], b[2];
	uint64_t seed;
	int i, beyond = 0;
	char *text;

	(void)state;
	calls = recorded_calls();
	text = profile_text("k", "e1000", 1, "netdev", NULL, 0, "", calls);
	json_object_put(calls);
	parse_profile(text, &p);
	free(text);
	f.profile = &p;
	assert_int_equal(rt_sites(e1000_names, e1000_n, 0xf, &f, &s, &n), 0);
	assert_int_equal(rt_sites(e1000_names, e1000_n, 0xf, NULL, &u, &nu), 0);
	for (seed = 1; seed <= 200; seed++) {
		assert_int_equal(rt_choose(s, n, seed, 2, a), 0);
		assert_int_equal(rt_choose(s, n, seed, 2, b), 0);
		assert_memory_equal(a, b, sizeof(a));
		for (i = 0; i < 2; i++) {
			assert_true(rt_profile_calls(&p, a[i].sym) >= 1);
			assert_in_range(a[i].nth, 1, rt_profile_reach(rt_profile_calls(&p, a[i].sym)));
		}
		/* without the profile, the same seed often picks a call that never happens */
		assert_int_equal(rt_choose(u, nu, seed, 1, b), 0);
		beyond += b[0].nth > rt_profile_calls(&p, b[0].sym);
	}
	assert_true(beyond > 50);
	free(s);
	free(u);
	rt_profile_release(&p);
}

static void test_cmd_profile(void **state)
{
	char *prof = xasprintf("%s/p.json", tmpdir), *bad_prof = xasprintf("%s/bad.json", tmpdir);
	char *js = xasprintf("%s/p-d.json", tmpdir), *out = xasprintf("%s/p.ko", tmpdir);
	char *cnt = xasprintf("%s/count.ko", tmpdir), *chk = xasprintf("%s/chk.ko", tmpdir);
	char *args, *txt, *txt2;
	struct json_object *doc, *v, *pr;
	struct modbind *mb;
	static const char *const p_text =
		"{\"key\": \"abc\", \"calls\": {\"alloc_etherdev_mqs\": 1, \"kmalloc_trace\": 3}}";

	(void)state;
	assert_int_equal(write_file_atomic(prof, p_text, strlen(p_text)), 0);
	assert_int_equal(write_file_atomic(bad_prof, "{\"calls\": 1}", 12), 0);
	args = xasprintf("--fault alloc --seed 9 --profile %s %s -o %s --describe %s --symvers "
			 SYMVERS, prof, E1000, out, js);
	assert_int_equal(inject(args), 0);
	txt = read_file(js, NULL);
	assert_int_equal(inject(args), 0);	/* same inputs, same record */
	txt2 = read_file(js, NULL);
	assert_string_equal(txt, txt2);
	doc = json_tokener_parse(txt);
	assert_true(json_object_object_get_ex(doc, "profile", &pr));
	assert_true(json_object_object_get_ex(pr, "key", &v));
	assert_string_equal(json_object_get_string(v), "abc");
	assert_true(json_object_object_get_ex(doc, "mutations", &v));
	v = json_object_array_get_idx(v, 0);
	assert_true(json_object_object_get_ex(v, "runtime", &v));
	assert_true(json_object_object_get_ex(v, "nth", &v));
	assert_in_range(json_object_get_int(v), 1, 3);
	json_object_put(doc);
	free(txt);
	free(txt2);
	free(args);
	unlink(out);
	/* a bad profile, or one with no call of the right class: error, nothing written */
	args = xasprintf("--fault alloc --seed 9 --profile %s %s -o %s --symvers " SYMVERS,
			 bad_prof, E1000, out);
	assert_int_not_equal(inject(args), 0);
	assert_false(file_exists(out));
	free(args);
	args = xasprintf("--fault leak --seed 9 --profile %s %s -o %s --symvers " SYMVERS, prof,
			 E1000, out);
	assert_int_not_equal(inject(args), 0);
	assert_false(file_exists(out));
	free(args);
	args = xasprintf("--fault nop --seed 9 --profile %s %s -o %s", prof, E1000, out);
	assert_int_not_equal(inject(args), 0);	/* --profile selects runtime faults */
	free(args);
	/* --count-only: every wrapped import rebound, nothing else */
	args = xasprintf("--count-only %s -o %s --symvers " SYMVERS, E1000, cnt);
	assert_int_equal(inject(args), 0);
	free(args);
	mb = modbind_open(cnt, chk);
	assert_non_null(mb);
	assert_null(import_of(mb, "kfree"));
	assert_non_null(import_of(mb, "swifi_w_kfree"));
	assert_non_null(import_of(mb, "swifi_w_memcpy"));
	assert_non_null(import_of(mb, "swifi_w_alloc_etherdev_mqs"));
	assert_non_null(import_of(mb, "pci_enable_device"));	/* not wrapped: untouched */
	modbind_close(mb);
	args = xasprintf("--count-only --fault alloc %s -o %s", E1000, cnt);
	assert_int_not_equal(inject(args), 0);
	free(args);
	free(prof);
	free(bad_prof);
	free(js);
	free(out);
	free(cnt);
	free(chk);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_arm_parse),
		cmocka_unit_test(test_arm_string_roundtrip),
		cmocka_unit_test(test_decide),
		cmocka_unit_test(test_bcopy_delta),
		cmocka_unit_test(test_parse_fault_list),
		cmocka_unit_test(test_sites_e1000),
		cmocka_unit_test(test_choose_deterministic),
		cmocka_unit_test(test_split),
		cmocka_unit_test(test_cmd_alloc_binds_swifi),
		cmocka_unit_test(test_cmd_mixed),
		cmocka_unit_test(test_cmd_bad_input),
		cmocka_unit_test(test_profile_parse),
		cmocka_unit_test(test_profile_from_calls),
		cmocka_unit_test(test_sites_profile),
		cmocka_unit_test(test_choose_profile_deterministic),
		cmocka_unit_test(test_cmd_profile),
	};

	return cmocka_run_group_tests(tests, setup_all, teardown_all);
}
