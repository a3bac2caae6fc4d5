/*
 * snapshot.c - the parked-snapshot cache (see snapshot.h for the layout and
 * invariants) and the host side of the payload protocol (payload.h).
 * Owns the key, the creation run (boot a parked guest, save it through
 * QMP "migrate" to an fd) and the cache's locking and pruning.  Knows
 * nothing about trials, manifests or outcomes.
 */
#define _GNU_SOURCE
#include "snapshot.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "payload.h"
#include "image.h"
#include "initrd.h"
#include "qemu.h"
#include "util.h"

#define PARK_DEADLINE_MS 180000		/* boot to "parked", even on a loaded host */
#define SAVE_DEADLINE_MS 120000
#define FAILED_TTL_S 600
#define STALE_TMP_S 900			/* > PARK + SAVE deadlines: nobody builds there */
#define DUMMY_DISK_BYTES (1u << 20)

static int why_set(char *why, size_t n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int why_set(char *why, size_t n, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, n, fmt, ap);
	va_end(ap);
	return -1;
}

char *snapshot_default_cache(const struct image *img)
{
	const char *env = getenv("NOOKS_CACHE");

	if (env && *env)
		return xasprintf("%s/snapshots", env);
	return xasprintf("%s/../snapshots", img->dir);
}

/* "sha:size:mtime" of an image file (sha from image.json, may be empty). */
static char *file_id(const char *path, const char *sha)
{
	struct stat st;

	if (stat(path, &st))
		return NULL;
	return xasprintf("%s:%lld:%lld.%09ld", sha ? sha : "", (long long)st.st_size,
			 (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
}

static char *qemu_id(void)
{
	const char *path = getenv("PATH");
	char *copy = xstrdup(path ? path : "/usr/bin:/bin"), *save = NULL, *dir, *id = NULL;

	for (dir = strtok_r(copy, ":", &save); dir && !id; dir = strtok_r(NULL, ":", &save)) {
		char *p = xasprintf("%s/qemu-system-x86_64", dir);

		if (!access(p, X_OK))
			id = file_id(p, p);
		free(p);
	}
	free(copy);
	return id;
}

/* Identity of the image: both artefacts (changes when either is rebuilt). */
static char *image_id(const struct image *img)
{
	char *vm = file_id(img->vmlinux, img->vmlinux_sha256);
	char *ird = file_id(img->initramfs, img->initramfs_sha256), *id = NULL;

	if (vm && ird)
		id = xasprintf("vmlinux=%s|initramfs=%s", vm, ird);
	free(vm);
	free(ird);
	return id;
}

static uint64_t fnv1a(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ull;
	return h;
}

/* The full key text; NULL if an input cannot be identified. */
static char *key_text(const struct snapshot_config *c, const char *img_id)
{
	char *q = qemu_id(), *devs = xstrdup(""), *t;
	int i;

	if (!q || !img_id) {
		free(q);
		free(devs);
		return NULL;
	}
	for (i = 0; i < c->n_devices; i++) {
		t = xasprintf("%s%s%s", devs, i ? "," : "", c->devices[i]);
		free(devs);
		devs = t;
	}
	/* no "preload" part without preloads: the keys of earlier entries stay */
	t = xasprintf("nooks-snapshot-v2|%s|qemu=%s|append=%s|mem=%u|cpus=%u|devices=%s|disks=%d|payload=%u"
		      "%s%s", img_id, q, c->append, c->mem_mb ? c->mem_mb : 512, c->cpus ? c->cpus : 1,
		      devs, c->n_disks, PAYLOAD_MEM_MB, c->preload ? "|preload=" : "",
		      c->preload ? c->preload : "");
	free(q);
	free(devs);
	return t;
}

void snapshot_vm_spec(const struct snapshot_config *cfg, const struct snapshot *s,
		      struct vm_spec *spec)
{
	int i;

	spec->vmlinux = cfg->image->vmlinux;
	spec->initrd = s->initrd;
	spec->append = cfg->append;
	spec->mem_mb = cfg->mem_mb;
	spec->cpus = cfg->cpus;
	spec->n_devices = 0;
	for (i = 0; i < cfg->n_devices && i < VM_MAX_DEVICES; i++)
		spec->devices[spec->n_devices++] = cfg->devices[i];
	spec->payload_mem_mb = PAYLOAD_MEM_MB;
}

int snapshot_payload_create(const char *path)
{
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	if (fd < 0)
		return error_errno("cannot create payload memory '%s'", path);
	if (ftruncate(fd, (off_t)PAYLOAD_MEM_MB << 20)) {
		error_errno("cannot size payload memory '%s'", path);
		close(fd);
		return -1;
	}
	return fd;
}

static int pwrite_all(int fd, const void *buf, size_t len, off_t off)
{
	const char *p = buf;

	while (len) {
		ssize_t w = pwrite(fd, p, len, off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		len -= (size_t)w;
		off += w;
	}
	return 0;
}

int snapshot_payload_write(int fd, const void *cpio, size_t len)
{
	struct payload_header h = { .len = len };
	struct timespec ts;

	if (len > PAYLOAD_MAX_LEN)
		return error("trial payload of %zu bytes exceeds the payload memory (%llu)",
			     len, (unsigned long long)PAYLOAD_MAX_LEN);
	clock_gettime(CLOCK_REALTIME, &ts);
	h.realtime_ns = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
	if (getrandom(h.seed, sizeof(h.seed), 0) != (ssize_t)sizeof(h.seed))
		return error_errno("getrandom");
	if (pwrite_all(fd, cpio, len, PAYLOAD_DATA_OFF) ||
	    pwrite_all(fd, (const char *)&h + 8, sizeof(h) - 8, 8) ||
	    pwrite_all(fd, PAYLOAD_MAGIC, 8, 0))	/* the magic last: complete */
		return error_errno("cannot write the trial payload");
	return 0;
}

/* ---- QMP (only what creation needs) ---- */

struct qmp {
	int fd;
	char buf[65536];
	size_t used;
};

static int qmp_connect(struct qmp *q, const char *path, pid_t qemu, uint64_t deadline)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };

	q->used = 0;
	snprintf(a.sun_path, sizeof(a.sun_path), "%s", path);
	while (now_ms() < deadline && waitpid(qemu, NULL, WNOHANG) == 0) {
		q->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (q->fd < 0)
			return -1;
		if (!connect(q->fd, (struct sockaddr *)&a, sizeof(a)))
			return 0;
		close(q->fd);
		q->fd = -1;
		usleep(20000);
	}
	return -1;
}

/* Next JSON object from QEMU (events included); NULL on EOF/timeout. */
static json_object *qmp_read(struct qmp *q, uint64_t deadline)
{
	for (;;) {
		char *nl = memchr(q->buf, '\n', q->used);

		if (nl) {
			*nl = '\0';
			json_object *o = json_tokener_parse(q->buf);
			size_t n = (size_t)(nl - q->buf) + 1;

			memmove(q->buf, q->buf + n, q->used - n);
			q->used -= n;
			if (o)
				return o;
			continue;
		}
		if (q->used == sizeof(q->buf) || now_ms() >= deadline)
			return NULL;
		struct timeval tv = { 1, 0 };

		setsockopt(q->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		ssize_t r = read(q->fd, q->buf + q->used, sizeof(q->buf) - q->used);

		if (r == 0 || (r < 0 && errno != EINTR && errno != EAGAIN))
			return NULL;
		if (r > 0)
			q->used += (size_t)r;
	}
}

/* Send cmd (optionally with an fd, SCM_RIGHTS); returns the "return" object or NULL. */
static json_object *qmp_cmd(struct qmp *q, const char *cmd, int pass_fd, uint64_t deadline,
			    char *why, size_t why_len)
{
	char ctl[CMSG_SPACE(sizeof(int))] = { 0 };
	struct iovec iov = { (void *)cmd, strlen(cmd) };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	json_object *o, *v;

	if (pass_fd >= 0) {
		struct cmsghdr *c;

		msg.msg_control = ctl;
		msg.msg_controllen = sizeof(ctl);
		c = CMSG_FIRSTHDR(&msg);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &pass_fd, sizeof(int));
	}
	if (sendmsg(q->fd, &msg, MSG_NOSIGNAL) != (ssize_t)iov.iov_len) {
		why_set(why, why_len, "QMP: cannot send to QEMU");
		return NULL;
	}
	while ((o = qmp_read(q, deadline))) {
		if (json_object_object_get_ex(o, "return", &v)) {
			v = json_object_get(v);
			json_object_put(o);
			return v;
		}
		if (json_object_object_get_ex(o, "error", &v)) {
			json_object *d;

			why_set(why, why_len, "QMP: %s", json_object_object_get_ex(v, "desc", &d) ?
				json_object_get_string(d) : "error");
			json_object_put(o);
			return NULL;
		}
		json_object_put(o);	/* greeting or event */
	}
	why_set(why, why_len, "QMP: no reply from QEMU");
	return NULL;
}

/* ---- creation ---- */

static bool agent_parked(const char *agent_log)
{
	/* QEMU creates the file shortly after it starts: not there yet is not an error. */
	char *text = file_exists(agent_log) ? read_file(agent_log, NULL) : NULL;
	bool parked = text && strstr(text, "\"event\":\"parked\"");

	free(text);
	return parked;
}

/* Save the running parked guest into state_path through QMP. */
static int save_state(const char *qmp_path, pid_t qemu, const char *state_path,
		      char *why, size_t why_len)
{
	uint64_t deadline = now_ms() + SAVE_DEADLINE_MS;
	struct qmp q = { .fd = -1 };
	json_object *r = NULL, *st;
	int fd = open(state_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644), ret = -1;

	if (fd < 0)
		return why_set(why, why_len, "cannot create '%s': %s", state_path, strerror(errno));
	if (qmp_connect(&q, qmp_path, qemu, deadline)) {
		why_set(why, why_len, "cannot connect to QMP '%s'", qmp_path);
		goto out;
	}
	if (!(r = qmp_cmd(&q, "{\"execute\":\"qmp_capabilities\"}", -1, deadline, why, why_len)))
		goto out;
	json_object_put(r);
	if (!(r = qmp_cmd(&q, "{\"execute\":\"migrate-set-parameters\",\"arguments\":"
			  "{\"max-bandwidth\":10000000000}}", -1, deadline, why, why_len)))
		goto out;
	json_object_put(r);
	if (!(r = qmp_cmd(&q, "{\"execute\":\"getfd\",\"arguments\":{\"fdname\":\"state\"}}",
			  fd, deadline, why, why_len)))
		goto out;
	json_object_put(r);
	/*
	 * Stop the guest first: the state is then one consistent picture of
	 * RAM and vCPU.  A live (pre-copy) save of a running TCG guest sometimes
	 * restored a vCPU whose stack pages were older than its registers (an
	 * idle task resuming into exit_to_user_mode, "Attempted to kill the idle
	 * task"), in 1 of 40 to 4 of 10 restores.  The creating QEMU does not
	 * store the run state (create_in), so a restore starts running.
	 */
	if (!(r = qmp_cmd(&q, "{\"execute\":\"stop\"}", -1, deadline, why, why_len)))
		goto out;
	json_object_put(r);
	if (!(r = qmp_cmd(&q, "{\"execute\":\"migrate\",\"arguments\":{\"uri\":\"fd:state\"}}",
			  -1, deadline, why, why_len)))
		goto out;
	for (;;) {
		const char *s;

		json_object_put(r);
		if (!(r = qmp_cmd(&q, "{\"execute\":\"query-migrate\"}", -1, deadline, why, why_len)))
			goto out;
		s = json_object_object_get_ex(r, "status", &st) ? json_object_get_string(st) : "";
		if (!strcmp(s, "completed"))
			break;
		if (!strcmp(s, "failed") || !strcmp(s, "cancelled")) {
			json_object *d;

			why_set(why, why_len, "migration %s: %s", s,
				json_object_object_get_ex(r, "error-desc", &d) ?
				json_object_get_string(d) : "");
			goto out;
		}
		if (now_ms() >= deadline) {
			why_set(why, why_len, "saving the guest state timed out");
			goto out;
		}
		usleep(20000);
	}
	ret = 0;
out:
	json_object_put(r);
	if (q.fd >= 0)
		close(q.fd);
	if (fsync(fd) && !ret)
		ret = why_set(why, why_len, "cannot write '%s': %s", state_path, strerror(errno));
	close(fd);
	return ret;
}

/* Boot the parked guest in tmp and save it there; 0 or -1 with why. */
static int create_in(const struct snapshot_config *cfg, struct snapshot *s, const char *tmp,
		     char *why, size_t why_len)
{
	struct vm_spec spec = { 0 };
	struct initrd *rd = initrd_new();
	struct vm vm = { 0 };
	char *disks[VM_MAX_DEVICES] = { 0 }, *agent_log = xasprintf("%s/boot-agent.log", tmp);
	char *con_log = xasprintf("%s/boot-console.log", tmp), *qlog = xasprintf("%s/qemu.log", tmp);
	char *payload = xasprintf("%s/payload.mem", tmp), *state = xasprintf("%s/state", tmp);
	char qdir[] = "/tmp/nooks-qmp-XXXXXX", *qmp = NULL;
	int i, ret = -1, pfd = -1;
	uint64_t deadline;

	initrd_add_dir(rd, "trial");
	/* /trial/park: the modules to load before parking (empty: none) */
	initrd_add_data(rd, "trial/park", cfg->preload ? cfg->preload : "",
			cfg->preload ? strlen(cfg->preload) : 0, 0644);
	if (initrd_write(rd, cfg->image->initramfs, s->initrd)) {
		why_set(why, why_len, "cannot write the snapshot initrd");
		goto out;
	}
	snapshot_vm_spec(cfg, s, &spec);
	for (i = 0; i < cfg->n_disks && i < VM_MAX_DEVICES; i++) {
		int fd;

		disks[i] = xasprintf("%s/disk%d.img", tmp, i);
		fd = open(disks[i], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (fd < 0 || ftruncate(fd, DUMMY_DISK_BYTES)) {
			if (fd >= 0)
				close(fd);
			why_set(why, why_len, "cannot create '%s'", disks[i]);
			goto out;
		}
		close(fd);
		spec.disks[spec.n_disks++] = disks[i];
	}
	pfd = snapshot_payload_create(payload);
	if (pfd < 0 || !mkdtemp(qdir)) {
		why_set(why, why_len, "cannot create the payload memory or QMP directory");
		goto out;
	}
	qmp = xasprintf("%s/qmp", qdir);
	spec.payload_mem = payload;
	spec.qmp_socket = qmp;
	spec.console_path = con_log;
	spec.agent_path = agent_log;
	spec.qemu_log_path = qlog;
	spec.extra[spec.n_extra++] = "-global";	/* save_state stops the guest; */
	spec.extra[spec.n_extra++] = "migration.store-global-state=off";	/* restores run */
	if (vm_start(&spec, &vm)) {
		why_set(why, why_len, "cannot start QEMU");
		goto out;
	}
	deadline = now_ms() + PARK_DEADLINE_MS;
	while (!agent_parked(agent_log)) {
		if (waitpid(vm.pid, NULL, WNOHANG) != 0) {
			vm.pid = 0;
			why_set(why, why_len, "the snapshot guest ended before parking (see %s)", con_log);
			goto out;
		}
		if (now_ms() >= deadline) {
			why_set(why, why_len, "the snapshot guest did not park within %d s",
				PARK_DEADLINE_MS / 1000);
			goto out;
		}
		usleep(50000);
	}
	if (save_state(qmp, vm.pid, state, why, why_len))
		goto out;
	ret = 0;
out:
	vm_kill(&vm);
	if (pfd >= 0)
		close(pfd);
	unlink(payload);
	for (i = 0; i < VM_MAX_DEVICES; i++) {
		if (disks[i])
			unlink(disks[i]);
		free(disks[i]);
	}
	if (qmp) {
		unlink(qmp);
		rmdir(qdir);
	}
	initrd_free(rd);
	free(qmp);
	free(agent_log);
	free(con_log);
	free(qlog);
	free(payload);
	free(state);
	return ret;
}

static void write_meta(const char *dir, const char *key, const char *text, const char *img_dir,
		       const char *img_id, uint64_t ms)
{
	json_object *o = json_object_new_object();
	char *path = xasprintf("%s/meta.json", dir), *real = realpath(img_dir, NULL);
	const char *s;

	json_object_object_add(o, "key", json_object_new_string(key));
	json_object_object_add(o, "key_text", json_object_new_string(text));
	json_object_object_add(o, "image", json_object_new_string(real ? real : img_dir));
	json_object_object_add(o, "image_id", json_object_new_string(img_id));
	json_object_object_add(o, "create_ms", json_object_new_int64((int64_t)ms));
	json_object_object_add(o, "created", json_object_new_int64((int64_t)time(NULL)));
	s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE);
	write_file_atomic(path, s, strlen(s));
	json_object_put(o);
	free(real);
	free(path);
}

/* Remove a whole entry: rename first, so no reader sees it half-deleted. */
static void remove_entry(const char *dir)
{
	char *dead = xasprintf("%s.dead-%d-%llu", dir, (int)getpid(), (unsigned long long)now_ms());

	if (!rename(dir, dead))
		remove_tree(dead);
	free(dead);
}

/* Remove entries made from another version of this image (invariant 3) and
 * the leftovers of killed runners. */
static void prune(const char *cache, const char *img_dir, const char *img_id)
{
	DIR *d = opendir(cache);
	struct dirent *e;
	char *real = realpath(img_dir, NULL);

	while (d && real && (e = readdir(d))) {
		char *meta, *dir;
		json_object *o, *v, *w;

		if (e->d_name[0] == '.')
			continue;
		dir = xasprintf("%s/%s", cache, e->d_name);
		if (strstr(e->d_name, ".tmp-") || strstr(e->d_name, ".dead-")) {
			struct stat st;	/* left by a runner that was killed */

			if (!stat(dir, &st) && time(NULL) - st.st_mtime > STALE_TMP_S)
				remove_tree(dir);
			free(dir);
			continue;
		}
		if (strchr(e->d_name, '.')) {
			free(dir);
			continue;
		}
		meta = xasprintf("%s/meta.json", dir);
		o = json_object_from_file(meta);
		if (o && json_object_object_get_ex(o, "image", &v) &&
		    json_object_object_get_ex(o, "image_id", &w) &&
		    !strcmp(json_object_get_string(v), real) &&
		    strcmp(json_object_get_string(w), img_id))
			remove_entry(dir);
		json_object_put(o);
		free(meta);
		free(dir);
	}
	if (d)
		closedir(d);
	free(real);
}

static bool recent_failure(const char *failed, char *why, size_t why_len)
{
	struct stat st;
	char *text;

	if (stat(failed, &st) || time(NULL) - st.st_mtime > FAILED_TTL_S)
		return false;
	text = read_file(failed, NULL);
	why_set(why, why_len, "snapshot creation failed recently: %s", text ? text : "?");
	free(text);
	return true;
}

static bool entry_ready(const struct snapshot *s)
{
	return file_exists(s->state) && file_exists(s->initrd);
}

int snapshot_get(const struct snapshot_config *cfg, struct snapshot *s, char *why, size_t why_len)
{
	char *cache = cfg->cache_dir ? xstrdup(cfg->cache_dir) : snapshot_default_cache(cfg->image);
	char *img_id = image_id(cfg->image), *text = key_text(cfg, img_id);
	char *lock = NULL, *failed = NULL, *tmp = NULL;
	struct snapshot t = { { 0 }, NULL, NULL, NULL, false, 0 };
	int lfd = -1, ret = -1;
	uint64_t t0 = now_ms();

	memset(s, 0, sizeof(*s));
	if (!text) {
		why_set(why, why_len, "cannot identify the image or qemu-system-x86_64");
		goto out;
	}
	snprintf(s->key, sizeof(s->key), "%016llx", (unsigned long long)fnv1a(text));
	s->dir = xasprintf("%s/%s", cache, s->key);
	s->state = xasprintf("%s/state", s->dir);
	s->initrd = xasprintf("%s/initrd.cpio", s->dir);
	if (entry_ready(s)) {
		ret = 0;
		goto out;
	}
	failed = xasprintf("%s/%s.failed", cache, s->key);
	if (recent_failure(failed, why, why_len))
		goto out;
	if (mkdir(cache, 0755) && errno != EEXIST && mkdir_p(cache, 0755)) {
		why_set(why, why_len, "cannot create the snapshot cache '%s'", cache);
		goto out;
	}
	lock = xasprintf("%s/%s.lock", cache, s->key);
	lfd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (lfd < 0 || flock(lfd, LOCK_EX)) {
		why_set(why, why_len, "cannot lock '%s': %s", lock, strerror(errno));
		goto out;
	}
	if (entry_ready(s)) {	/* another runner made it while we waited */
		ret = 0;
		goto out;
	}
	if (recent_failure(failed, why, why_len))
		goto out;
	tmp = xasprintf("%s/%s.tmp-XXXXXX", cache, s->key);
	if (!mkdtemp(tmp) || chmod(tmp, 0755)) {
		why_set(why, why_len, "cannot create a directory in '%s'", cache);
		goto out;
	}
	t.initrd = xasprintf("%s/initrd.cpio", tmp);
	if (create_in(cfg, &t, tmp, why, why_len)) {
		write_file_atomic(failed, why, strlen(why));
		remove_tree(tmp);
		goto out;
	}
	s->create_ms = now_ms() - t0;
	write_meta(tmp, s->key, text, cfg->image->dir, img_id, s->create_ms);
	if (rename(tmp, s->dir)) {
		why_set(why, why_len, "cannot rename '%s': %s", tmp, strerror(errno));
		remove_tree(tmp);
		goto out;
	}
	unlink(failed);
	s->created = true;
	prune(cache, cfg->image->dir, img_id);
	ret = 0;
out:
	if (lfd >= 0)
		close(lfd);	/* drops the lock */
	if (ret)
		snapshot_release(s);
	free(t.initrd);
	free(tmp);
	free(lock);
	free(failed);
	free(text);
	free(img_id);
	free(cache);
	return ret;
}

void snapshot_invalidate(const struct snapshot *s)
{
	if (s->dir)
		remove_entry(s->dir);
}

void snapshot_release(struct snapshot *s)
{
	free(s->dir);
	free(s->state);
	free(s->initrd);
	memset(s, 0, sizeof(*s));
}
