/*
 * wl_net.h - the network set-up shared by wl-netdev and wl-khttpd (NIC
 * under test found by driver name in the root namespace, the virtio-net
 * peer moved into its own network namespace), driver restarts seen by the
 * workload (new ifindex), the registration of a recovery script for the
 * guest agent's user-mode recovery agent (WL_RECOVER_DIR,
 * docs/WORKLOADS.md: after a driver restart by the NIM the agent runs it
 * to put back what the workload configured; the workload itself never
 * re-configures a restarted NIC), and application-level failure detection
 * (wl_nim_request_restart()).  Included by wl_common.h, whose helpers it
 * uses; static inline like them.
 */
#ifndef WL_NET_H
#define WL_NET_H

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
 * as after a detected fault (kind=requested).  0 when the NIM took it or
 * is recovering the extension already (EBUSY: a fault it detected made the
 * phase fail before the restart was visible; the caller waits for it as
 * for its own), -1 otherwise (no NIM, the extension is not isolated).
 */
static inline int wl_nim_request_restart(const char *domain)
{
	if (!wl_write_str("/sys/kernel/nooks/fail", domain)) {
		wl_progress("\"restart_requested\":\"%s\"", domain);
		return 0;
	}
	if (errno != EBUSY)
		return -1;
	wl_progress("\"restart_under_way\":\"%s\"", domain);
	return 0;
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
