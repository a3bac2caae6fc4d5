/*
 * cmd_vm.c - `nooks vm run`: boot the guest image under TCG, load modules,
 * run one shell command in the guest and relay its output and exit status.
 *
 * The guest's /init (harness/guest/init) reads the appended /trial payload:
 * modules to insmod in order, an optional coldplug flag and run.sh.  The
 * command's output and "@@NOOKS-EXIT <status>" arrive on the agent channel
 * (ttyS1); the kernel console (ttyS0) goes to console.log in the run dir.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "image.h"
#include "initrd.h"
#include "modcheck.h"
#include "qemu.h"
#include "util.h"

#define EXIT_TIMEOUT 124
#define EXIT_LOADFAIL 125
#define EXIT_NOREPORT 126
#define EXIT_MARKER "@@NOOKS-EXIT "

static const char vm_run_usage[] =
"usage: nooks vm run [--cmd CMD] [--module FILE.ko ...] [--device NAME ...]\n"
"                    [--disk IMG ...] [--timeout S] [--append ARGS] [--mem MB] [--smp N]\n"
"                    [--no-coldplug] [--out DIR] [--keep] [--image DIR]\n"
"\n"
"Boot the guest (QEMU, TCG) and run CMD in it; print its output and exit\n"
"with its status.  The kernel console is saved to DIR/console.log.\n"
"\n"
"  --cmd CMD        shell command to run in the guest (default: none)\n"
"  --module FILE    load this .ko (repeatable, in order; stock dependencies\n"
"                   are modprobed first)\n"
"  --device NAME    add a device: e1000, pcnet, rtl8139, virtio-net, es1370\n"
"                   (repeatable; NICs share one QEMU hub, nothing leaves QEMU)\n"
"  --disk IMG       attach a raw disk image as virtio-blk (vda, vdb, ...;\n"
"                   written in place)\n"
"  --timeout S      kill the guest after S seconds (default 120)\n"
"  --append ARGS    extra kernel command line (e.g. 'oops=panic')\n"
"  --mem MB         guest memory (default 512)\n"
"  --smp N          virtual CPUs (default 1)\n"
"  --no-coldplug    do not modprobe drivers for the guest's PCI devices\n"
"  --out DIR        run directory (default: a new $TMPDIR/nooks-vm-XXXXXX)\n"
"  --keep           keep the per-run initrd in the run directory\n"
"  --image DIR      guest image (default: build/image next to bin/)\n"
"\n"
"Exit status: CMD's status; 1 host-side error; 2 usage; 124 timeout;\n"
"125 a module failed to load in the guest; 126 the guest ended without\n"
"reporting (kernel crash or panic: see the console log).\n";

struct vm_run_opts {
	const char *cmd;
	const char *modules[VM_MAX_DEVICES * 2];
	int n_modules;
	const char *devices[VM_MAX_DEVICES];
	int n_devices;
	const char *disks[VM_MAX_DEVICES];
	int n_disks;
	unsigned timeout_s;
	const char *append;
	unsigned mem_mb, cpus;
	int coldplug;
	const char *out;
	int keep;
	const char *image;
};

static int add_device(const char *arg, void *value)
{
	struct vm_run_opts *o = value;

	if (vm_device_known(arg))
		return error("unknown device '%s' (known: %s)", arg, vm_device_names());
	if (o->n_devices == VM_MAX_DEVICES)
		return error("too many --device options");
	o->devices[o->n_devices++] = arg;
	return 0;
}

static int add_disk(const char *arg, void *value)
{
	struct vm_run_opts *o = value;

	if (o->n_disks == VM_MAX_DEVICES)
		return error("too many --disk options");
	if (!file_exists(arg))
		return error("disk image '%s' not found", arg);
	o->disks[o->n_disks++] = arg;
	return 0;
}

/* -1: go on with o filled; otherwise the exit status (messages printed). */
static int parse_vm_run(int argc, char **argv, struct vm_run_opts *o)
{
	const struct opt_spec opts[] = {
		OPT_STRING("cmd", &o->cmd),
		OPT_LIST("module", o->modules, &o->n_modules, (int)ARRAY_SIZE(o->modules)),
		OPT_CALL("device", add_device, o),
		OPT_CALL("disk", add_disk, o),
		OPT_UINT("timeout", &o->timeout_s, 1, 86400),
		OPT_STRING("append", &o->append),
		OPT_UINT("mem", &o->mem_mb, 1, 16384),
		OPT_UINT("smp", &o->cpus, 1, 8),
		OPT_SET("no-coldplug", &o->coldplug, 0),
		OPT_STRING("out", &o->out),
		OPT_FLAG("keep", &o->keep),
		OPT_STRING("image", &o->image),
		OPT_END()
	};
	int first;

	memset(o, 0, sizeof(*o));
	o->timeout_s = 120;
	o->coldplug = 1;
	return cli_options("nooks vm run", vm_run_usage, opts, OPTIONS_STOP_AT_ARG, 0,
			   argc, argv, &first);
}

static const char *base_name(const char *p)
{
	const char *s = strrchr(p, '/');

	return s ? s + 1 : p;
}

static struct initrd *trial_payload(const struct vm_run_opts *o)
{
	struct initrd *rd = initrd_new();
	int i;

	initrd_add_dir(rd, "trial");
	initrd_add_dir(rd, "trial/modules");
	for (i = 0; i < o->n_modules; i++) {
		char *gp = xasprintf("trial/modules/%02d-%s", i, base_name(o->modules[i]));
		int r = initrd_add_file(rd, gp, o->modules[i], 0644);

		free(gp);
		if (r) {
			initrd_free(rd);
			return NULL;
		}
	}
	if (o->coldplug)
		initrd_add_data(rd, "trial/coldplug", "", 0, 0644);
	if (o->cmd) {
		char *script = xasprintf("%s\n", o->cmd);

		initrd_add_data(rd, "trial/run.sh", script, strlen(script), 0755);
		free(script);
	}
	return rd;
}

/*
 * Print the agent channel's output without the exit marker; return the
 * reported status, or -1 if the guest never reported one.
 */
static int relay_output(const char *agent_path)
{
	size_t len;
	char *buf = read_file(agent_path, &len), *m, *last = NULL;
	int status = -1;

	if (!buf)
		return -1;
	for (m = buf; (m = strstr(m, EXIT_MARKER)); m++)
		if (m == buf || m[-1] == '\n')
			last = m;
	if (last) {
		status = atoi(last + strlen(EXIT_MARKER));
		len = (size_t)(last - buf);
	}
	fwrite(buf, 1, len, stdout);
	fflush(stdout);
	free(buf);
	return status;
}

static int make_run_dir(const char *out, char **dir /* out */)
{
	if (out) {
		if (mkdir_p(out, 0755))
			return -1;
		*dir = xstrdup(out);
		return 0;
	}
	const char *tmp = getenv("TMPDIR");
	char *templ = xasprintf("%s/nooks-vm-XXXXXX", tmp && *tmp ? tmp : "/tmp");

	if (!mkdtemp(templ)) {
		error_errno("cannot create run directory '%s'", templ);
		free(templ);
		return -1;
	}
	*dir = templ;
	return 0;
}

static int vm_run(int argc, char **argv)
{
	struct vm_run_opts o;
	struct image img;
	struct initrd *rd = NULL;
	struct vm_spec spec = { 0 };
	struct vm vm;
	struct vm_result res;
	char *dir = NULL, *initrd = NULL, *console = NULL, *agent = NULL;
	char *qlog = NULL, *append = NULL;
	int i, r, ret = 1;

	r = parse_vm_run(argc, argv, &o);
	if (r >= 0)
		return r;
	for (i = 0; i < o.n_modules; i++)
		if (module_file_check(o.modules[i]))
			return 1;
	if (image_load(o.image, &img))
		return 1;
	rd = trial_payload(&o);
	if (!rd || make_run_dir(o.out, &dir))
		goto out;
	initrd = xasprintf("%s/initrd.cpio", dir);
	console = xasprintf("%s/console.log", dir);
	agent = xasprintf("%s/agent.log", dir);
	qlog = xasprintf("%s/qemu.log", dir);
	if (initrd_write(rd, img.initramfs, initrd))
		goto out;
	append = xasprintf("console=ttyS0 panic=-1 rdinit=/init%s%s",
			   o.append ? " " : "", o.append ? o.append : "");
	spec.vmlinux = img.vmlinux;
	spec.initrd = initrd;
	spec.append = append;
	spec.mem_mb = o.mem_mb;
	spec.cpus = o.cpus;
	spec.console_path = console;
	spec.agent_path = agent;
	spec.qemu_log_path = qlog;
	for (i = 0; i < o.n_devices; i++)
		spec.devices[spec.n_devices++] = o.devices[i];
	for (i = 0; i < o.n_disks; i++)
		spec.disks[spec.n_disks++] = o.disks[i];
	if (vm_start(&spec, &vm))
		goto out;
	if (vm_wait(&vm, (uint64_t)o.timeout_s * 1000, &res))
		goto out;
	if (!o.keep)
		unlink(initrd);
	fprintf(stderr, "nooks: console log: %s\n", console);
	if (res.timed_out) {
		relay_output(agent);
		error("guest timed out after %u s (console log: %s)", o.timeout_s, console);
		ret = EXIT_TIMEOUT;
		goto out;
	}
	if (!res.exited || res.exit_status != 0) {
		char *ql = read_file(qlog, NULL);

		error("qemu failed (%s%d): %s", res.exited ? "exit " : "signal ",
		      res.exited ? res.exit_status : res.term_signal,
		      ql && *ql ? strtok(ql, "\n") : "no message");
		free(ql);
		goto out;
	}
	r = relay_output(agent);
	if (r < 0) {
		error("guest ended without reporting a status (crash or panic? console log: %s)",
		      console);
		ret = EXIT_NOREPORT;
	} else {
		if (r == EXIT_LOADFAIL)
			error("a module failed to load in the guest (console log: %s)",
			      console);
		ret = r;
	}
out:
	initrd_free(rd);
	image_release(&img);
	free(dir);
	free(initrd);
	free(console);
	free(agent);
	free(qlog);
	free(append);
	return ret;
}

static const struct subcommand vm_verbs[] = {
	{ "run", vm_run, "boot the guest, load modules, run a command" },
};

int cmd_vm(int argc, char **argv)
{
	return run_subcommand("vm", vm_verbs, ARRAY_SIZE(vm_verbs), argc, argv);
}
