/*
 * workload.c - workload table, per-trial preparation and the FAT verdict
 * (see workload.h).  Runs host tools (make-fat-image.sh, fsck.vfat) with
 * posix_spawn and no shell; touches only the trial directory and the cached
 * base image build/fat/base.img.
 */
#define _GNU_SOURCE
#include "workload.h"

#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util.h"

extern char **environ;

static const char *const netdev_params[] = {
	"nic", "mode", "bytes", "pings", "seed", "link", "deadline", "restart", NULL
};
static const char *const vfat_params[] = {
	"dev", "mnt", "mode", "rounds", "deadline", NULL
};
static const char *const khttpd_params[] = {
	"nic", "mode", "requests", "conns", "large", "unload", "link", "deadline", "restart", NULL
};

static const struct workload table[] = {
	{ "netdev", "wl-netdev", "ping + checksummed TCP streams both ways across the NIC under test",
	  WORKLOAD_NEEDS_NIC, netdev_params, "send_MBps send_pps recv_MBps recv_pps", NULL, NULL,
	  "setup link ping send recv", "link" },
	{ "vfat", "wl-vfat", "unpack a source tree on vfat, compile-like file mix, fsck afterwards",
	  WORKLOAD_NEEDS_FAT, vfat_params, "ops_per_s", "vfat", "vfat",
	  "mount unpack compile verify unmount", "mount" },
	{ "khttpd", "wl-khttpd", "keep-alive HTTP client in the peer netns against kmod/khttpd",
	  WORKLOAD_NEEDS_NIC | WORKLOAD_NEEDS_KHTTPD, khttpd_params, "req_per_s MBps", "khttpd",
	  NULL, "setup pages fetch unload", "pages" },
};

static const struct { const char *name, *device; } nics[] = {
	{ "e1000", "e1000" }, { "pcnet", "pcnet" }, { "pcnet32", "pcnet" },
	{ "rtl8139", "rtl8139" }, { "8139cp", "rtl8139" },
};

const struct workload *workload_table(size_t *n)
{
	*n = ARRAY_SIZE(table);
	return table;
}

bool workload_has_phase(const struct workload *w, const char *phase)
{
	size_t n = strlen(phase);
	const char *p;

	if (!strcmp(phase, "start"))
		return true;
	for (p = w->phases; p && (p = strstr(p, phase)); p += n)
		if ((p == w->phases || p[-1] == ' ') && (p[n] == ' ' || !p[n]))
			return true;
	return false;
}

const struct workload *workload_find(const char *name)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(table); i++)
		if (!strcmp(table[i].name, name))
			return &table[i];
	error("unknown workload '%s' (known: netdev, vfat, khttpd)", name);
	return NULL;
}

int workload_param_check(const struct workload *w, const char *key)
{
	const char *const *p;

	for (p = w->params; *p; p++)
		if (!strcmp(*p, key))
			return 0;
	return error("unknown parameter '--%s' for workload '%s'", key, w->name);
}

const char *workload_nic_device(const char *nic)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(nics); i++)
		if (!strcmp(nics[i].name, nic ? nic : "e1000"))
			return nics[i].device;
	return NULL;
}

int workload_devices(const struct workload *w, const char *nic,
		     const char *devices[WORKLOAD_MAX_DEVICES], int *n)
{
	const char *dev;

	*n = 0;
	if (!(w->flags & WORKLOAD_NEEDS_NIC))
		return 0;
	dev = workload_nic_device(nic);
	if (!dev)
		return error("unknown NIC '%s' (known: e1000, pcnet, rtl8139)", nic);
	devices[(*n)++] = dev;
	devices[(*n)++] = "virtio-net";
	return 0;
}

/* Run argv; its exit status, or -1 with an error.  out: stdout+stderr file. */
static int run_tool(char *const argv[], const char *out)
{
	posix_spawn_file_actions_t fa;
	pid_t pid;
	int st, r;

	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	posix_spawn_file_actions_adddup2(&fa, 1, 2);
	r = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (r) {
		errno = r;
		return error_errno("cannot run '%s'", argv[0]);
	}
	if (waitpid(pid, &st, 0) < 0)
		return error_errno("waitpid '%s'", argv[0]);
	if (!WIFEXITED(st))
		return error("'%s' killed by signal %d", argv[0], WTERMSIG(st));
	return WEXITSTATUS(st);
}

char *workload_fat_base(void)
{
	char *bin = exe_dir(), *img = NULL, *script = NULL, *log = NULL;
	int r;

	if (!bin) {
		error_errno("cannot find the nooks binary's directory");
		return NULL;
	}
	img = xasprintf("%s/../build/fat/base.img", bin);
	script = xasprintf("%s/../vm-images/make-fat-image.sh", bin);
	/* kernel-independent; rebuilt only when the script changes */
	if (file_exists(img) && file_mtime(img) >= file_mtime(script))
		goto out;
	log = xasprintf("%s/../build/fat/make.log", bin);
	{
		char *dir = xasprintf("%s/../build/fat", bin);

		r = mkdir_p(dir, 0755);
		free(dir);
	}
	if (!r) {
		char *argv[] = { script, img, NULL };

		r = run_tool(argv, log);
		if (r > 0)
			error("make-fat-image.sh failed (exit %d, see '%s')", r, log);
	}
	if (r) {
		free(img);
		img = NULL;
	}
out:
	free(bin);
	free(script);
	free(log);
	return img;
}

static int copy_file(const char *from, const char *to)
{
	size_t len;
	char *data = read_file(from, &len);
	int r;

	if (!data)
		return -1;
	r = write_file_atomic(to, data, len);
	free(data);
	return r;
}

int workload_prepare(const struct workload *w, const char *dir, char **disk)
{
	*disk = NULL;
	if (!(w->flags & WORKLOAD_NEEDS_FAT))
		return 0;
	return workload_disk_prepare("vfat", dir, disk);
}

bool workload_disk_known(const char *disk)
{
	size_t n = strlen(disk);

	return !strcmp(disk, "vfat") || !strcmp(disk, "none") || strchr(disk, '/') ||
	       (n > 4 && !strcmp(disk + n - 4, ".img"));
}

int workload_disk_prepare(const char *disk, const char *dir, char **out)
{
	char *base;

	*out = NULL;
	if (!strcmp(disk, "none"))
		return 0;
	if (!workload_disk_known(disk))
		return error("unknown disk '%s' (known: vfat, none, or the path of a FAT image)",
			     disk);
	if (mkdir_p(dir, 0755))
		return -1;
	if (!strcmp(disk, "vfat")) {
		base = workload_fat_base();
		if (!base)
			return -1;
	} else {
		if (!file_exists(disk))
			return error("disk image '%s' not found", disk);
		base = xstrdup(disk);
	}
	*out = xasprintf("%s/fat.img", dir);
	if (copy_file(base, *out)) {
		free(*out);
		*out = NULL;
		free(base);
		return -1;
	}
	free(base);
	return 0;
}

/* fsck.fat lines that report no problem of the filesystem itself. */
static bool fsck_benign(const char *line)
{
	static const char *const prefixes[] = {
		"fsck.fat ", "Dirty bit is set", " Automatically removing dirty bit",
		"Leaving filesystem unchanged", "Leaving file system unchanged", NULL
	};
	const char *const *p;

	if (!*line || (strstr(line, " files, ") && strstr(line, " clusters")))
		return true;
	for (p = prefixes; *p; p++)
		if (!strncmp(line, *p, strlen(*p)))
			return true;
	return false;
}

/*
 * fsck.fat -n exits 1 for any finding, the dirty bit included; a guest that
 * crashed with the filesystem mounted always leaves that bit.  corrupt means
 * a finding beyond it (or a non-zero exit without any line we understand).
 */
int workload_fsck(const char *img, struct fsck_verdict *v)
{
	char *out = xasprintf("%s.fsck.txt", img), *text, *line, *save, *last = NULL;
	char *argv[] = { "fsck.vfat", "-n", (char *)img, NULL };
	int r;

	memset(v, 0, sizeof(*v));
	if (!file_exists(img)) {
		free(out);
		return error("FAT image '%s' not found", img);
	}
	r = run_tool(argv, out);
	if (r < 0) {
		free(out);
		return -1;
	}
	v->exit_code = r;
	text = read_file(out, NULL);
	free(out);
	if (!text)
		return -1;
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (!strncmp(line, "Dirty bit is set", 16))
			v->dirty = true;
		if (r && !fsck_benign(line) && !v->corrupt) {
			v->corrupt = true;
			snprintf(v->summary, sizeof(v->summary), "%s", line);
		}
		if (strncmp(line, "fsck.fat ", 9))
			last = line;
		if (last == line && !strncmp(line, img, strlen(img)) &&
		    !strncmp(line + strlen(img), ": ", 2))
			last = line + strlen(img) + 2;	/* "IMG: N files, ..." */
	}
	if (r && !v->corrupt && !v->dirty) {
		v->corrupt = true;	/* a finding we could not read: assume the worst */
	}
	if (!v->summary[0] && last)
		snprintf(v->summary, sizeof(v->summary), "%s%s", v->dirty && !v->corrupt
			 ? "dirty bit set (not unmounted); " : "", last);
	free(text);
	return 0;
}
