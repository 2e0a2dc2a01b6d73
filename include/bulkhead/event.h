/* SPDX-License-Identifier: Apache-2.0 */
/*
 * event.h — one runtime event, decoded: what the sensor (src/sensor/) produces from the
 * kernel's ring-buffer records, what `bulkhead sensor record` writes as JSON lines and
 * `replay` reads back (src/sensor/event-json.c), and what the rule engine (src/rules/)
 * evaluates Falco conditions on. The kernel ABI is bpf/events.h; this is the user-space
 * model, closer to Falco's view (syscall names as Falco's evt.type, exit events).
 *
 * Ownership: every string is owned by the event (bh_event_done frees them); NULL means
 * "not known" — Falco prints <NA> for such fields and comparisons with them are false.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BH_EV_MAX_ANCESTORS 8 /* parent chain kept per process (proc.aname[1..8]) */
#define BH_EV_MAX_ARGS 16     /* type-specific arguments (evt.arg.NAME), bulkhead's bh_* included */
#define BH_EV_MAX_ARGV 64     /* argv entries kept (proc.args) */

/* A process as Falco's proc.*, user.*, group.*, thread.* fields see it. */
struct bh_ev_proc {
	int64_t pid;      /* thread-group id (proc.pid) */
	int64_t tid;      /* thread id (thread.tid) */
	int64_t ppid;     /* proc.ppid */
	int64_t vpid;     /* pid inside its pid namespace (proc.vpid) */
	uint32_t uid, gid;   /* real */
	uint32_t euid, egid; /* effective */
	uint32_t loginuid;   /* UINT32_MAX when unset (Falco shows -1) */
	char *name;          /* comm, or basename of the executable (proc.name) */
	char *exe;           /* argv[0] as given (proc.exe) */
	char *exepath;       /* resolved executable path (proc.exepath) */
	char **argv;         /* argv[1..] (proc.args is these joined by ' '), argc entries */
	size_t argc;
	char *cwd;           /* proc.cwd, with a trailing '/' as Falco prints it */
	uint32_t tty;        /* controlling tty device number, 0 = none (proc.tty) */
	char *user_name;     /* user.name, resolved where possible (host or container passwd) */
	char *group_name;    /* group.name */
	uint64_t cap_permitted, cap_effective, cap_inheritable; /* thread.cap_* bitmasks */
	bool exe_upper_layer; /* executable from the container's overlay upper layer */
	bool exe_from_memfd;  /* executable is a memfd (fileless) */
	bool exe_deleted;     /* executable was unlinked */
	uint64_t start_ns;    /* process start, ns since boot */
	/* ancestors, [0] = parent, [1] = grandparent, ...; n_ancestors entries */
	struct bh_ev_ancestor {
		int64_t pid;
		char *name;
		char *exepath;
		char *cmdline; /* name + ' ' + args, as proc.pcmdline / proc.acmdline */
	} ancestors[BH_EV_MAX_ANCESTORS];
	size_t n_ancestors;
};

/* The file descriptor an event is about (fd.* fields). */
struct bh_ev_fd {
	int64_t num;   /* fd.num, -1 when the event has none */
	char type;     /* fd.typechar: 'f' file, 'd' directory, '4' IPv4, '6' IPv6, 'u' unix,
			* 'p' pipe, 'e' eventfd, 's' signalfd, 'l' eventpoll, 'i' inotify,
			* 't' timerfd, 'n' netlink, 'b' bpf, 'm' memfd, 'o' other, 0 none */
	char *name;    /* fd.name: path; "cip:cport->sip:sport" for connected sockets; unix path */
	uint8_t l4proto; /* IPPROTO_TCP / IPPROTO_UDP / IPPROTO_RAW / 0 (fd.l4proto) */
	/* sockets: client and server side as Falco defines them (text addresses) */
	char *cip, *sip;
	uint16_t cport, sport;
	bool is_server; /* the local side is the server (accept/listen/bind) */
	uint32_t open_flags; /* O_* flags of an open, 0 otherwise */
};

/* The container a process runs in (container.*, k8s.*). id "host" for host processes. */
struct bh_ev_container {
	char *id;       /* 12 hex digits as Falco prints it, or "host" */
	char *full_id;  /* the full runtime id, or NULL */
	char *name;
	char *image;    /* repository:tag as the runtime reports it */
	char *image_repository, *image_tag, *image_digest;
	char *runtime;  /* "docker", "containerd", "cri-o", "podman", "runc" */
	bool privileged;
	char *k8s_ns, *k8s_pod; /* from CRI labels io.kubernetes.pod.namespace / .name */
	char **labels;  /* "key=value" strings, n_labels entries */
	size_t n_labels;
};

/* A type-specific argument: evt.arg.NAME (e.g. flags, mode, target, request, uid). */
struct bh_ev_arg {
	char *name;
	char *value; /* as Falco renders it (flags as "O_RDONLY|O_CLOEXEC", numbers decimal) */
};

struct bh_event {
	uint64_t ts;       /* ns since the Unix epoch (evt.time) */
	uint64_t num;      /* sequence number in the stream (evt.num) */
	char type[24];     /* Falco's evt.type: "execve", "openat", "connect", "procexit", ... */
	char dir;          /* '>' enter or '<' exit (evt.dir); the sensor emits exit events */
	int64_t res;       /* return value, -errno on failure (evt.res / evt.rawres) */
	int cpu;           /* evt.cpu */
	struct bh_ev_proc proc;
	struct bh_ev_fd fd;
	struct bh_ev_container container;
	struct bh_ev_arg args[BH_EV_MAX_ARGS];
	size_t n_args;
};

/* Zero an event (fd.num = -1, loginuid unset). */
void bh_event_init(struct bh_event *ev);
/* Free everything the event owns and re-initialise it. */
void bh_event_done(struct bh_event *ev);
/* evt.arg.NAME value, or NULL. */
const char *bh_event_arg(const struct bh_event *ev, const char *name);
/* Append evt.arg.NAME = value (value taken: freed on failure). 0, -E2BIG (BH_EV_MAX_ARGS
 * arguments already), -ENOMEM (also for value NULL). */
int bh_event_add_arg_take(struct bh_event *ev, const char *name, char *value);
/* Set evt.arg.NAME to a copy of value, replacing an existing one. 0, -E2BIG, -ENOMEM. */
int bh_event_set_arg(struct bh_event *ev, const char *name, const char *value);
