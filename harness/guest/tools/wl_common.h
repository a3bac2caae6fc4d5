/*
 * wl_common.h - shared helpers of the guest workloads (/bin/wl-<name>):
 * the output contract (JSON progress lines and one final result line on
 * stdout; exit 0 pass, 1 functional failure, 2 setup/usage error), option
 * parsing (--key value), a wall-clock deadline, a deterministic payload
 * generator with CRC-32, and the network set-up shared by wl-netdev and
 * wl-khttpd (NIC under test found by driver name in the root namespace, the
 * virtio-net peer moved into its own network namespace), and the
 * registration of a recovery script for the guest agent's user-mode
 * recovery agent (WL_RECOVER_DIR, docs/WORKLOADS.md): after a driver
 * restart by the NIM the agent runs it to put back what the workload
 * configured; the workload itself never re-configures a restarted NIC.
 * The phase trigger of transient code faults is in wl_inject.h.
 *
 * Everything is static inline: each workload is one static program built
 * from one .c file.  Nothing here talks to the host or leaves the guest.
 */
#ifndef WL_COMMON_H
#define WL_COMMON_H

#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/route.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define WL_PASS 0
#define WL_FAIL 1
#define WL_INFRA 2

#define WL_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static const char *wl_name = "wl";

/* ---- output contract ------------------------------------------------ */

/* Escape s into a JSON string body (no quotes) in out[n]. */
static inline void wl_json_escape(const char *s, char *out, size_t n)
{
	size_t o = 0;

	for (; *s && o + 7 < n; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\') {
			out[o++] = '\\';
			out[o++] = (char)c;
		} else if (c < 0x20) {
			o += (size_t)snprintf(out + o, n - o, "\\u%04x", c);
		} else {
			out[o++] = (char)c;
		}
	}
	out[o] = 0;
}

/* Print one progress line; fields is a JSON member list ("\"a\":1,..."). */
__attribute__((format(printf, 1, 2)))
static inline void wl_progress(const char *fmt, ...)
{
	char body[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(body, sizeof(body), fmt, ap);
	va_end(ap);
	printf("{\"event\":\"progress\",\"workload\":\"%s\",%s}\n", wl_name, body);
	fflush(stdout);
}

/* Metrics collected for the result line (a JSON member list). */
static char wl_metrics[2048];

__attribute__((format(printf, 1, 2)))
static inline void wl_metric(const char *fmt, ...)
{
	size_t o = strlen(wl_metrics);
	va_list ap;

	if (o && o + 1 < sizeof(wl_metrics))
		wl_metrics[o++] = ',';
	va_start(ap, fmt);
	vsnprintf(wl_metrics + o, sizeof(wl_metrics) - o, fmt, ap);
	va_end(ap);
}

/* Pids to SIGKILL before the process ends (peer-namespace children). */
static pid_t wl_children[4];

static inline void wl_kill_children(void)
{
	size_t i;

	for (i = 0; i < WL_ARRAY_SIZE(wl_children); i++)
		if (wl_children[i] > 0) {
			kill(wl_children[i], SIGKILL);
			waitpid(wl_children[i], NULL, 0);
			wl_children[i] = 0;
		}
}

/* Print the one result line and exit with code (WL_PASS/WL_FAIL/WL_INFRA). */
__attribute__((noreturn, format(printf, 2, 3)))
static inline void wl_finish(int code, const char *fmt, ...)
{
	char reason[512], esc[1100];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	wl_json_escape(reason, esc, sizeof(esc));
	wl_kill_children();
	printf("{\"event\":\"result\",\"workload\":\"%s\",\"pass\":%s,\"infra\":%s,"
	       "\"reason\":\"%s\",\"metrics\":{%s}}\n", wl_name,
	       code == WL_PASS ? "true" : "false", code == WL_INFRA ? "true" : "false",
	       esc, wl_metrics);
	fflush(stdout);
	exit(code);
}

/* ---- deadline --------------------------------------------------------- */

static char wl_phase[64] = "start";
static char wl_deadline_line[1024];

static inline void wl_inject_phase_end(const char *ending);	/* wl_inject.h */

static inline void wl_set_phase(const char *phase)
{
	wl_inject_phase_end(wl_phase);
	snprintf(wl_phase, sizeof(wl_phase), "%s", phase);
	/* Pre-format the line the SIGALRM handler writes (async-signal-safe). */
	snprintf(wl_deadline_line, sizeof(wl_deadline_line),
		 "{\"event\":\"result\",\"workload\":\"%s\",\"pass\":false,\"infra\":false,"
		 "\"reason\":\"deadline exceeded in phase %s\",\"metrics\":{}}\n",
		 wl_name, wl_phase);
	wl_progress("\"phase\":\"%s\"", phase);
}

static inline void wl_on_alarm(int sig)
{
	size_t i;
	ssize_t r;

	(void)sig;
	for (i = 0; i < WL_ARRAY_SIZE(wl_children); i++)
		if (wl_children[i] > 0)
			kill(wl_children[i], SIGKILL);
	r = write(1, wl_deadline_line, strlen(wl_deadline_line));
	(void)r;
	_exit(WL_FAIL);
}

/* Fail the workload (exit 1) if it is still running after seconds. */
static inline void wl_deadline(unsigned seconds)
{
	signal(SIGALRM, wl_on_alarm);
	alarm(seconds);
}

/* ---- options ---------------------------------------------------------- */

struct wl_opt {
	const char *name;	/* without the leading "--" */
	int is_str;
	void *ptr;		/* unsigned long * or const char ** */
	const char *help;
};

/* Parse --key value pairs; unknown keys or bad values end with WL_INFRA. */
static inline void wl_parse(int argc, char **argv, const struct wl_opt *opts, size_t n)
{
	int i;
	size_t k;

	for (i = 1; i < argc; i += 2) {
		const char *key = argv[i];

		if (!strcmp(key, "--help") || !strcmp(key, "-h")) {
			printf("usage: %s [--key value ...]\n", argv[0]);
			for (k = 0; k < n; k++)
				printf("  --%-12s %s\n", opts[k].name, opts[k].help);
			exit(0);
		}
		if (strncmp(key, "--", 2))
			wl_finish(WL_INFRA, "unexpected argument '%s'", key);
		for (k = 0; k < n && strcmp(key + 2, opts[k].name); k++)
			;
		if (k == n)
			wl_finish(WL_INFRA, "unknown parameter '%s'", key);
		if (i + 1 >= argc)
			wl_finish(WL_INFRA, "parameter '%s' needs a value", key);
		if (opts[k].is_str) {
			*(const char **)opts[k].ptr = argv[i + 1];
		} else {
			char *end;
			unsigned long v;

			errno = 0;
			v = strtoul(argv[i + 1], &end, 0);
			if (errno || end == argv[i + 1] || *end || argv[i + 1][0] == '-')
				wl_finish(WL_INFRA, "invalid value '%s' for parameter '%s'",
					  argv[i + 1], key);
			*(unsigned long *)opts[k].ptr = v;
		}
	}
}

/* Whether mode (--mode) is "bench" rather than "test"; another ends with WL_INFRA. */
static inline int wl_bench(const char *mode)
{
	if (strcmp(mode, "test") && strcmp(mode, "bench"))
		wl_finish(WL_INFRA, "unknown mode '%s' (test or bench)", mode);
	return !strcmp(mode, "bench");
}

/* A --deadline of 0 ends with WL_INFRA. */
static inline void wl_check_deadline(unsigned long deadline)
{
	if (!deadline)
		wl_finish(WL_INFRA, "invalid value '0' for parameter '--deadline'");
}

/* ---- time, payload, checksum ----------------------------------------- */

static inline uint64_t wl_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Deterministic payload: byte i of stream seed is wl_pattern(seed, i). */
static inline void wl_fill(uint64_t seed, uint64_t off, unsigned char *buf, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		uint64_t x = (off + i) / 8 * 0x9E3779B97F4A7C15ull ^ seed;

		x ^= x >> 31;
		x *= 0xBF58476D1CE4E5B9ull;
		x ^= x >> 29;
		buf[i] = (unsigned char)(x >> (8 * ((off + i) % 8)));
	}
}

/* CRC-32 (IEEE, as zlib's crc32()): crc = wl_crc32(crc, buf, n), start at 0. */
static inline uint32_t wl_crc32(uint32_t crc, const void *buf, size_t n)
{
	static uint32_t table[256];
	const unsigned char *p = buf;
	size_t i;

	if (!table[1])
		for (i = 0; i < 256; i++) {
			uint32_t c = (uint32_t)i;
			int k;

			for (k = 0; k < 8; k++)
				c = c & 1 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
			table[i] = c;
		}
	crc = ~crc;
	for (i = 0; i < n; i++)
		crc = table[(crc ^ p[i]) & 0xff] ^ (crc >> 8);
	return ~crc;
}

/* Read (wr == 0) or write (wr != 0) exactly n bytes; 0 ok, -1 error or EOF. */
static inline int wl_io_full(int fd, char *p, size_t n, int wr)
{
	while (n) {
		ssize_t r = wr ? write(fd, p, n) : read(fd, p, n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

/* Read exactly n bytes; 0 ok, -1 error or EOF. */
static inline int wl_read_full(int fd, void *buf, size_t n)
{
	return wl_io_full(fd, buf, n, 0);
}

/* Write exactly n bytes; 0 ok, -1 error. */
static inline int wl_write_full(int fd, const void *buf, size_t n)
{
	return wl_io_full(fd, (char *)buf, n, 1);
}

/* Read a small sysfs/proc file into buf (trailing newline removed). */
static inline int wl_read_str(const char *path, char *buf, size_t n)
{
	int fd = open(path, O_RDONLY);
	ssize_t r;

	if (fd < 0)
		return -1;
	r = read(fd, buf, n - 1);
	close(fd);
	if (r < 0)
		return -1;
	buf[r] = 0;
	while (r > 0 && (buf[r - 1] == '\n' || buf[r - 1] == ' '))
		buf[--r] = 0;
	return 0;
}

static inline unsigned long long wl_read_ull(const char *path)
{
	char buf[64];

	if (wl_read_str(path, buf, sizeof(buf)))
		return 0;
	return strtoull(buf, NULL, 0);
}

#include "wl_inject.h"

/* ---- network set-up ---------------------------------------------------- */

#define WL_ADDR_DUT "10.77.0.1"	/* NIC under test, root namespace */
#define WL_ADDR_PEER "10.77.0.2"	/* virtio-net peer, peer namespace */

/* Canonical driver name for a user's NIC name (device or driver). */
static inline const char *wl_nic_driver(const char *nic)
{
	if (!strcmp(nic, "pcnet"))
		return "pcnet32";
	if (!strcmp(nic, "rtl8139"))
		return "8139cp";
	return nic;
}

/* Find the interface bound to driver; name /out/ in ifname[IFNAMSIZ]. */
static inline int wl_find_iface(const char *driver, char *ifname)
{
	DIR *d = opendir("/sys/class/net");
	struct dirent *e;
	int found = -1;

	if (!d)
		return -1;
	while ((e = readdir(d))) {
		char link[512], target[512];
		ssize_t r;
		const char *base;

		if (e->d_name[0] == '.')
			continue;
		snprintf(link, sizeof(link), "/sys/class/net/%s/device/driver", e->d_name);
		r = readlink(link, target, sizeof(target) - 1);
		if (r <= 0)
			continue;
		target[r] = 0;
		base = strrchr(target, '/');
		base = base ? base + 1 : target;
		if (!strcmp(base, driver) && strlen(e->d_name) < IFNAMSIZ) {
			snprintf(ifname, IFNAMSIZ, "%s", e->d_name);
			found = 0;
			break;
		}
	}
	closedir(d);
	return found;
}

/* Give ifname address/24 and bring it (and lo) up in the current netns. */
static inline int wl_ifup(const char *ifname, const char *addr)
{
	struct ifreq ifr;
	struct sockaddr_in *sin = (struct sockaddr_in *)&ifr.ifr_addr;
	int fd = socket(AF_INET, SOCK_DGRAM, 0), r = -1;

	if (fd < 0)
		return -1;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, IFNAMSIZ, "lo");
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) == 0) {
		ifr.ifr_flags |= IFF_UP;
		ioctl(fd, SIOCSIFFLAGS, &ifr);
	}
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, IFNAMSIZ, "%s", ifname);
	sin->sin_family = AF_INET;
	inet_pton(AF_INET, addr, &sin->sin_addr);
	if (ioctl(fd, SIOCSIFADDR, &ifr))
		goto out;
	inet_pton(AF_INET, "255.255.255.0", &sin->sin_addr);
	if (ioctl(fd, SIOCSIFNETMASK, &ifr))
		goto out;
	if (ioctl(fd, SIOCGIFFLAGS, &ifr))
		goto out;
	ifr.ifr_flags |= IFF_UP;
	r = ioctl(fd, SIOCSIFFLAGS, &ifr);
out:
	close(fd);
	return r;
}

/* Move ifname into the network namespace of pid (rtnetlink). */
static inline int wl_move_to_netns(const char *ifname, pid_t pid)
{
	struct {
		struct nlmsghdr nh;
		struct ifinfomsg ifi;
		char attrs[64];
	} req;
	struct rtattr *rta;
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	char ack[512];
	struct ifreq ifr;
	int fd, idx, r = -1;
	uint32_t p = (uint32_t)pid;

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, IFNAMSIZ, "%s", ifname);
	r = ioctl(fd, SIOCGIFINDEX, &ifr);
	close(fd);
	if (r)
		return -1;
	r = -1;
	idx = ifr.ifr_ifindex;
	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (fd < 0)
		return -1;
	memset(&req, 0, sizeof(req));
	req.nh.nlmsg_type = RTM_NEWLINK;
	req.nh.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	req.nh.nlmsg_seq = 1;
	req.ifi.ifi_family = AF_UNSPEC;
	req.ifi.ifi_index = idx;
	rta = (struct rtattr *)req.attrs;
	rta->rta_type = IFLA_NET_NS_PID;
	rta->rta_len = RTA_LENGTH(sizeof(p));
	memcpy(RTA_DATA(rta), &p, sizeof(p));
	req.nh.nlmsg_len = NLMSG_LENGTH(sizeof(req.ifi)) + RTA_ALIGN(rta->rta_len);
	if (sendto(fd, &req, req.nh.nlmsg_len, 0, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		goto out;
	if (recv(fd, ack, sizeof(ack), 0) >= (ssize_t)NLMSG_LENGTH(sizeof(struct nlmsgerr))) {
		struct nlmsghdr *h = (struct nlmsghdr *)ack;
		struct nlmsgerr *e = NLMSG_DATA(h);

		if (h->nlmsg_type == NLMSG_ERROR) {
			r = e->error;
			if (r)
				errno = -r;
			r = r ? -1 : 0;
		}
	}
out:
	close(fd);
	return r;
}

static inline int wl_ifindex(const char *ifname);

/*
 * The two ends of the emulated wire: dut (NIC under test, root namespace,
 * WL_ADDR_DUT) and peer (virtio-net, its own namespace, WL_ADDR_PEER).
 */
struct wl_net {
	char dut_if[IFNAMSIZ];
	char peer_if[IFNAMSIZ];
	const char *driver;
	int dut_ifindex;	/* at set-up; a new one means the driver was restarted */
	unsigned long restarts;	/* driver restarts seen (new ifindex) */
	unsigned long reconfigured;	/* ... after which the NIC came back up with its address */
	unsigned long retries;	/* phases run a second time after a restart */
};

/*
 * Whether the guest has an Ethernet-class PCI function that virtio-pci does
 * not drive: the QEMU device of the NIC under test is present.
 */
static inline int wl_dut_pci_present(void)
{
	DIR *d = opendir("/sys/bus/pci/devices");
	struct dirent *e;
	int found = 0;

	while (d && !found && (e = readdir(d))) {
		char path[512], buf[32] = "", target[512];
		FILE *f;
		ssize_t r;

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/class", e->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		if (!fgets(buf, sizeof(buf), f))
			buf[0] = '\0';
		fclose(f);
		if (strncmp(buf, "0x0200", 6))
			continue;
		snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/driver", e->d_name);
		r = readlink(path, target, sizeof(target) - 1);
		target[r > 0 ? r : 0] = '\0';
		found = !strstr(target, "virtio");
	}
	if (d)
		closedir(d);
	return found;
}

/*
 * Find both NICs and bring the dut end up.  A missing QEMU device or peer
 * ends the workload with WL_INFRA (the harness' fault); a NIC under test
 * whose driver did not bind or cannot be configured is the driver's
 * failure: WL_FAIL (a faulty module must not turn into an infra error).
 */
static inline void wl_net_find(struct wl_net *n, const char *nic)
{
	n->driver = wl_nic_driver(nic);
	if (!strcmp(n->driver, "virtio_net"))
		wl_finish(WL_INFRA, "NIC under test cannot be the virtio-net peer");
	if (wl_find_iface(n->driver, n->dut_if)) {
		if (!wl_dut_pci_present())
			wl_finish(WL_INFRA, "no NIC under test in the guest (add --device %s)", nic);
		wl_finish(WL_FAIL, "no network interface bound to driver '%s' (probe failed?)",
			  n->driver);
	}
	if (wl_find_iface("virtio_net", n->peer_if))
		wl_finish(WL_INFRA, "no virtio-net peer interface (add --device virtio-net)");
	n->dut_ifindex = wl_ifindex(n->dut_if);
	n->restarts = n->reconfigured = n->retries = 0;
}

/*
 * Fork the peer: a child in a new network namespace owning the virtio-net
 * interface, running fn(arg) there once its end is up; fn's return value
 * is the child's exit status.  The parent's end is up when this returns.
 * Returns the child's pid; the child also sends one byte on ready_fd[1]
 * when fn decides it is ready (wl_peer_ready()).
 */
static int wl_ready_fd = -1;

static inline void wl_peer_ready(void)
{
	char c = 'r';

	if (wl_ready_fd >= 0 && write(wl_ready_fd, &c, 1) != 1)
		_exit(WL_INFRA);
}

static inline pid_t wl_net_start_peer(struct wl_net *n, int (*fn)(void *), void *arg,
				      int *ready_rd /* out */)
{
	int to_parent[2], to_child[2];
	char c;
	pid_t pid;

	if (pipe(to_parent) || pipe(to_child))
		wl_finish(WL_INFRA, "pipe: %s", strerror(errno));
	pid = fork();
	if (pid < 0)
		wl_finish(WL_INFRA, "fork: %s", strerror(errno));
	if (pid == 0) {
		close(to_parent[0]);
		close(to_child[1]);
		signal(SIGALRM, SIG_DFL);
		alarm(0);
		if (unshare(CLONE_NEWNET))
			_exit(WL_INFRA);
		c = 'n';
		if (write(to_parent[1], &c, 1) != 1 || read(to_child[0], &c, 1) != 1)
			_exit(WL_INFRA);
		if (wl_ifup(n->peer_if, WL_ADDR_PEER)) {
			fprintf(stderr, "%s: peer: cannot configure '%s': %s\n", wl_name,
				n->peer_if, strerror(errno));
			_exit(WL_INFRA);
		}
		wl_ready_fd = to_parent[1];
		_exit(fn(arg));
	}
	wl_children[0] = pid;
	close(to_parent[1]);
	close(to_child[0]);
	if (read(to_parent[0], &c, 1) != 1)
		wl_finish(WL_INFRA, "peer namespace could not be created");
	if (wl_move_to_netns(n->peer_if, pid))
		wl_finish(WL_INFRA, "cannot move '%s' into the peer namespace: %s",
			  n->peer_if, strerror(errno));
	if (wl_ifup(n->dut_if, WL_ADDR_DUT))	/* the driver under test refused */
		wl_finish(WL_FAIL, "cannot configure '%s': %s", n->dut_if, strerror(errno));
	if (write(to_child[1], "g", 1) != 1)
		wl_finish(WL_INFRA, "peer vanished");
	close(to_child[1]);
	*ready_rd = to_parent[0];
	return pid;
}

/* Interface index of ifname, 0 if there is none. */
static inline int wl_ifindex(const char *ifname)
{
	struct ifreq ifr;
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), r;

	if (fd < 0)
		return 0;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, IFNAMSIZ, "%s", ifname);
	r = ioctl(fd, SIOCGIFINDEX, &ifr);
	close(fd);
	return r ? 0 : ifr.ifr_ifindex;
}

/* 1 if ifname is up and has IPv4 address addr. */
static inline int wl_if_configured(const char *ifname, const char *addr)
{
	struct ifreq ifr;
	struct sockaddr_in *sin = (struct sockaddr_in *)&ifr.ifr_addr;
	char got[INET_ADDRSTRLEN] = "";
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), ok = 0;

	if (fd < 0)
		return 0;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, IFNAMSIZ, "%.*s", IFNAMSIZ - 1, ifname);
	if (!ioctl(fd, SIOCGIFFLAGS, &ifr) && (ifr.ifr_flags & IFF_UP) &&
	    !ioctl(fd, SIOCGIFADDR, &ifr) && inet_ntop(AF_INET, &sin->sin_addr, got, sizeof(got)))
		ok = !strcmp(got, addr);
	close(fd);
	return ok;
}

/*
 * Has the NIC under test been restarted (re-registered: new ifindex) since
 * the last look?  Follows it to its new name; counts it in n->restarts.
 */
static inline int wl_net_restarted(struct wl_net *n)
{
	char ifname[IFNAMSIZ];
	int idx;

	if (wl_find_iface(n->driver, ifname))
		return 0;	/* gone (being restarted): seen once it is back */
	idx = wl_ifindex(ifname);
	if (!idx || idx == n->dut_ifindex)
		return 0;
	snprintf(n->dut_if, IFNAMSIZ, "%s", ifname);
	n->dut_ifindex = idx;
	n->restarts++;
	wl_progress("\"nic_restart\":\"%s\",\"ifindex\":%d", ifname, idx);
	return 1;
}

/*
 * After a restart: wait up to timeout_s for the NIC under test to be up
 * with WL_ADDR_DUT again (put back by a recovery script, never by us);
 * 0 when it is (counted in n->reconfigured), -1 otherwise.
 */
static inline int wl_net_wait_reconfigured(struct wl_net *n, unsigned timeout_s)
{
	uint64_t end = wl_now_ns() + (uint64_t)timeout_s * 1000000000ull;

	for (;;) {
		wl_net_restarted(n);
		if (wl_if_configured(n->dut_if, WL_ADDR_DUT)) {
			n->reconfigured++;
			return 0;
		}
		if (wl_now_ns() >= end)
			return -1;
		usleep(100000);
	}
}

#define WL_RECOVER_DIR "/run/nooks/recover.d"

/*
 * Application-level failure detection (--restart 1): declare the isolated
 * extension `domain` failed (/sys/kernel/nooks/fail); the NIM restarts it
 * as after a detected fault (kind=requested).  0 when the NIM took it, -1
 * otherwise (no NIM, the extension is not isolated or not running).
 */
static inline int wl_nim_request_restart(const char *domain)
{
	int fd = open("/sys/kernel/nooks/fail", O_WRONLY), r = -1;

	if (fd >= 0) {
		r = wl_write_full(fd, domain, strlen(domain));
		close(fd);
	}
	if (!r)
		wl_progress("\"restart_requested\":\"%s\"", domain);
	return r;
}

/*
 * Register with the guest agent's recovery agent how to restore the NIC
 * under test after a driver restart: an executable WL_RECOVER_DIR/<name>
 * that finds the interface by driver (its name may change) and gives it
 * addr/24 and the up state again.  Written atomically; 0 or -1.
 */
static inline int wl_net_register_recovery(const struct wl_net *n, const char *name,
					   const char *addr)
{
	char path[256], tmp[272];
	FILE *f;

	mkdir("/run", 0755);
	mkdir("/run/nooks", 0755);
	mkdir(WL_RECOVER_DIR, 0755);
	snprintf(path, sizeof(path), WL_RECOVER_DIR "/%s", name);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "w");
	if (!f)
		return -1;
	fprintf(f, "#!/bin/sh\n"
		"# written by wl-%s: restore the NIC under test (driver %s) after a driver restart\n"
		"for d in /sys/class/net/*; do\n"
		"\tdrv=$(readlink \"$d/device/driver\") || continue\n"
		"\t[ \"${drv##*/}\" = \"%s\" ] || continue\n"
		"\tifconfig \"${d##*/}\" %s netmask 255.255.255.0 up || exit 1\n"
		"\techo \"${d##*/} %s/24 up\"\n"
		"\texit 0\n"
		"done\n"
		"echo \"no interface bound to %s\"\n"
		"exit 1\n", wl_name, n->driver, n->driver, addr, addr, n->driver);
	int bad = fchmod(fileno(f), 0755);

	bad |= fclose(f);
	if (bad || rename(tmp, path)) {
		unlink(tmp);
		return -1;
	}
	return 0;
}

/* Wait for the peer's ready byte; 0 ok, -1 the peer exited first. */
static inline int wl_wait_ready(int ready_rd)
{
	char c;

	return read(ready_rd, &c, 1) == 1 ? 0 : -1;
}

/* Connect to addr:port with a timeout in seconds for every I/O call. */
static inline int wl_tcp_connect(const char *addr, unsigned port, unsigned io_timeout_s)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(port) };
	struct timeval tv = { .tv_sec = io_timeout_s };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	inet_pton(AF_INET, addr, &sin.sin_addr);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&sin, sizeof(sin))) {
		int e = errno;

		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

/* Listening TCP socket on port (all addresses of the current netns). */
static inline int wl_tcp_listen(unsigned port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(port) };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1;

	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) || listen(fd, 8)) {
		close(fd);
		return -1;
	}
	return fd;
}

#endif
