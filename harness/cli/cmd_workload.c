/*
 * cmd_workload.c - `nooks workload`: list the workloads, prepare a trial
 * directory (fresh FAT image), check a FAT image after a trial
 * (fsck.vfat -n), and `run`: prepare + `nooks vm run` with the devices,
 * disk and modules the workload needs + check, in one command.
 */
#define _GNU_SOURCE
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "image.h"
#include "util.h"
#include "workload.h"

extern char **environ;

static const char list_usage[] =
"usage: nooks workload list\n\nList the workloads with their devices and parameters.\n";

static const char prepare_usage[] =
"usage: nooks workload prepare NAME --dir DIR\n"
"\nPrepare DIR for one trial of workload NAME (vfat: a fresh DIR/fat.img).\n";

static const char check_usage[] =
"usage: nooks workload check IMG\n"
"\nRun fsck.vfat -n on a FAT image after a trial; print the verdict as JSON.\n"
"Exit status: 0 clean, 1 corrupt, 2 usage, 3 fsck could not run.\n";

static const char run_usage[] =
"usage: nooks workload run NAME [--nic NIC] [--timeout S] [--out DIR]\n"
"                          [--image DIR] [-- --key value ...]\n"
"\nRun workload NAME once in a fresh guest: NIC under test (e1000, pcnet,\n"
"rtl8139) and the virtio-net peer for netdev/khttpd, a fresh FAT image for\n"
"vfat (checked with fsck.vfat -n afterwards), khttpd.ko for khttpd.  The\n"
"workload's JSON lines go to stdout.  Parameters after -- go to the guest\n"
"program (see `nooks workload list`).\n"
"\nExit status: the workload's (0 pass, 1 functional failure, 2 set-up\n"
"error), 1 if the FAT image was left corrupt, or `nooks vm run`'s\n"
"(124 timeout, 125 module load failed, 126 guest crashed).\n";

static int wl_list(int argc, char **argv)
{
	const struct workload *t;
	size_t n, i;

	if (wants_help(argc, argv))
		return usage(list_usage, 0);
	if (argc > 1)
		return usage(list_usage, 1);
	t = workload_table(&n);
	for (i = 0; i < n; i++) {
		const char *const *p;

		printf("%-8s %s\n         needs:%s%s%s\n         params:", t[i].name, t[i].summary,
		       t[i].flags & WORKLOAD_NEEDS_NIC ? " NIC under test + virtio-net peer" : "",
		       t[i].flags & WORKLOAD_NEEDS_FAT ? " FAT image (virtio-blk)" : "",
		       t[i].flags & WORKLOAD_NEEDS_KHTTPD ? ", khttpd.ko" : "");
		for (p = t[i].params; *p; p++)
			printf(" --%s", *p);
		printf("\n         bench: %s\n", t[i].bench_metrics);
	}
	return 0;
}

static int wl_prepare(int argc, char **argv)
{
	const struct workload *w;
	char *disk;

	if (wants_help(argc, argv))
		return usage(prepare_usage, 0);
	if (argc != 4 || strcmp(argv[2], "--dir"))
		return usage(prepare_usage, 1);
	w = workload_find(argv[1]);
	if (!w)
		return EXIT_USAGE;
	if (workload_prepare(w, argv[3], &disk))
		return 1;
	if (disk)
		printf("%s\n", disk);
	free(disk);
	return 0;
}

static void print_verdict(const char *img, const struct fsck_verdict *v)
{
	char esc[600];
	size_t o = 0;
	const char *s;

	for (s = v->summary; *s && o + 3 < sizeof(esc); s++) {
		if (*s == '"' || *s == '\\')
			esc[o++] = '\\';
		esc[o++] = (unsigned char)*s < 0x20 ? ' ' : *s;
	}
	esc[o] = 0;
	printf("{\"event\":\"fsck\",\"image\":\"%s\",\"corrupt\":%s,\"fsck_exit\":%d,"
	       "\"summary\":\"%s\"}\n", img, v->corrupt ? "true" : "false", v->exit_code, esc);
	fflush(stdout);
}

static int wl_check(int argc, char **argv)
{
	struct fsck_verdict v;

	if (wants_help(argc, argv))
		return usage(check_usage, 0);
	if (argc != 2)
		return usage(check_usage, 1);
	if (workload_fsck(argv[1], &v))
		return 3;
	print_verdict(argv[1], &v);
	return v.corrupt ? 1 : 0;
}

struct run_opts {
	const char *nic, *timeout, *out, *image;
	char *cmd;
};

static int parse_run(int argc, char **argv, const struct workload **w, struct run_opts *o)
{
	const struct opt_spec opts[] = {
		OPT_STRING("nic", &o->nic),
		OPT_STRING("timeout", &o->timeout),
		OPT_STRING("out", &o->out),
		OPT_STRING("image", &o->image),
		OPT_END()
	};
	size_t len;
	int i, r;

	memset(o, 0, sizeof(*o));
	o->timeout = "300";
	if (argc < 2 || argv[1][0] == '-') {
		error("missing workload name");
		return -2;
	}
	*w = workload_find(argv[1]);
	if (!*w)
		return -1;
	/* argv[1] is the workload: options follow it, then "--" and its parameters */
	r = options_parse("nooks workload run", opts, OPTIONS_STOP_AT_ARG, argc - 1, argv + 1, &i);
	if (r == OPTIONS_BAD_VALUE)
		return -1;
	if (r != OPTIONS_OK)	/* --help is answered before parse_run */
		return -2;
	i++;
	if (i < argc && strcmp(argv[i - 1], "--")) {
		error("unexpected argument '%s' for 'nooks workload run'", argv[i]);
		return -2;
	}
	o->cmd = xasprintf("%s", (*w)->program);
	if (o->nic && ((*w)->flags & WORKLOAD_NEEDS_NIC)) {
		char *t = xasprintf("%s --nic '%s'", o->cmd, o->nic);

		free(o->cmd);
		o->cmd = t;
	}
	for (; i < argc; i += 2) {
		if (strncmp(argv[i], "--", 2) || i + 1 >= argc) {
			error("workload parameters come as '--key value' pairs, got '%s'", argv[i]);
			return -1;
		}
		if (workload_param_check(*w, argv[i] + 2))
			return -1;
		if (strchr(argv[i + 1], '\'')) {
			error("invalid value '%s' for '%s'", argv[i + 1], argv[i]);
			return -1;
		}
		len = strlen(o->cmd);
		o->cmd = xrealloc(o->cmd, len + strlen(argv[i]) + strlen(argv[i + 1]) + 5);
		sprintf(o->cmd + len, " %s '%s'", argv[i], argv[i + 1]);
	}
	return 0;
}

/* Spawn `nooks vm run ...`; its exit status or -1. */
static int spawn_vm_run(char **argv)
{
	char *self = xasprintf("/proc/self/exe");
	pid_t pid;
	int st, r = posix_spawn(&pid, self, NULL, NULL, argv, environ);

	free(self);
	if (r)
		return error("cannot start 'nooks vm run'");
	if (waitpid(pid, &st, 0) < 0 || !WIFEXITED(st))
		return error("'nooks vm run' did not exit normally");
	return WEXITSTATUS(st);
}

static int wl_run(int argc, char **argv)
{
	const struct workload *w;
	struct run_opts o;
	const char *devs[WORKLOAD_MAX_DEVICES], *vargv[32];
	char *dir = NULL, *vmdir = NULL, *disk = NULL, *ko = NULL;
	int n_devs, i, va = 0, r, ret = 1;

	if (wants_help(argc, argv))
		return usage(run_usage, 0);
	r = parse_run(argc, argv, &w, &o);
	if (r == -2)
		return usage(run_usage, 1);
	if (r)
		return EXIT_USAGE;
	if (workload_devices(w, o.nic, devs, &n_devs))
		return EXIT_USAGE;
	if (o.out) {
		dir = xstrdup(o.out);
	} else {
		const char *tmp = getenv("TMPDIR");

		dir = xasprintf("%s/nooks-wl-XXXXXX", tmp && *tmp ? tmp : "/tmp");
		if (!mkdtemp(dir)) {
			error_errno("cannot create run directory '%s'", dir);
			goto out;
		}
	}
	if (workload_prepare(w, dir, &disk) || mkdir_p(dir, 0755))
		goto out;
	vmdir = xasprintf("%s/vm", dir);
	vargv[va++] = "nooks";
	vargv[va++] = "vm";
	vargv[va++] = "run";
	vargv[va++] = "--out";
	vargv[va++] = vmdir;
	vargv[va++] = "--timeout";
	vargv[va++] = o.timeout;
	if (o.image) {
		vargv[va++] = "--image";
		vargv[va++] = o.image;
	}
	for (i = 0; i < n_devs; i++) {
		vargv[va++] = "--device";
		vargv[va++] = devs[i];
	}
	if (disk) {
		vargv[va++] = "--disk";
		vargv[va++] = disk;
	}
	if (w->flags & WORKLOAD_NEEDS_KHTTPD) {
		ko = image_find_kmod_file(o.image, "khttpd", "ko");
		if (!ko)
			goto out;
		vargv[va++] = "--module";
		vargv[va++] = ko;
	}
	vargv[va++] = "--cmd";
	vargv[va++] = o.cmd;
	vargv[va] = NULL;
	fflush(stdout);
	r = spawn_vm_run((char **)vargv);
	if (r < 0)
		goto out;
	ret = r;
	if (disk) {
		struct fsck_verdict v;

		if (workload_fsck(disk, &v)) {
			ret = ret ? ret : 1;
			goto out;
		}
		print_verdict(disk, &v);
		if (v.corrupt && ret == 0)
			ret = 1;
	}
out:
	free(dir);
	free(vmdir);
	free(disk);
	free(ko);
	free(o.cmd);
	return ret;
}

static const struct subcommand workload_verbs[] = {
	{ "list", wl_list, "list the workloads, their devices and parameters" },
	{ "prepare", wl_prepare, "prepare a trial directory (fresh FAT image)" },
	{ "check", wl_check, "fsck.vfat -n verdict on a FAT image after a trial" },
	{ "run", wl_run, "run one workload in a fresh guest and check the result" },
};

int cmd_workload(int argc, char **argv)
{
	return run_subcommand("workload", workload_verbs, ARRAY_SIZE(workload_verbs), argc,
			      argv);
}
