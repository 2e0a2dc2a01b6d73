/* SPDX-License-Identifier: Apache-2.0 */
/*
 * syscalls.h — the syscalls the sensor follows, by this architecture's numbers (from
 * <sys/syscall.h>, so the BPF side carries no syscall table): Falco's name for each, the
 * event kind that enables it, what the BPF side must copy (bpf/events.h bh_sc_flags) and
 * how the decoder names and renders its arguments (evt.arg.NAME).
 */
#pragma once

#include <stdint.h>

#include "../../bpf/events.h"

enum sensor_argfmt {
	SENSOR_ARG_NONE = 0,
	SENSOR_ARG_DEC,	     /* signed decimal */
	SENSOR_ARG_UDEC,     /* unsigned decimal (ids) */
	SENSOR_ARG_HEX,	     /* 0x... */
	SENSOR_ARG_OCT,	     /* mode: 0644 */
	SENSOR_ARG_FD,	     /* an fd: decimal, AT_FDCWD as -100 */
	SENSOR_ARG_STR,	     /* the next copied user string */
	SENSOR_ARG_OFLAGS,   /* open flags: O_RDONLY|O_CLOEXEC */
	SENSOR_ARG_SOCKADDR, /* the copied sockaddr, rendered as an address */
	SENSOR_ARG_MODE,     /* chmod mode as Falco's flags: S_ISUID|S_IRWXU-style names */
	SENSOR_ARG_PTRACE,   /* ptrace request: PTRACE_ATTACH, ... (decimal when unknown) */
	SENSOR_ARG_SOCKDOMAIN, /* socket domain: AF_INET, AF_PACKET, ... (decimal when unknown) */
	_SENSOR_ARG_MAX,
};

struct sensor_syscall {
	uint32_t nr;
	const char *name; /* Falco's evt.type */
	uint16_t kind;	  /* enum bh_kind */
	uint16_t flags;	  /* enum bh_sc_flags */
	uint8_t fd_arg;
	/* the arguments, in order: name and format (name NULL ends the list) */
	struct {
		const char *name;
		uint8_t fmt; /* enum sensor_argfmt */
	} args[6];
};

/* The table entry for nr, or NULL when the sensor does not follow it. */
const struct sensor_syscall *sensor_syscall_by_nr(uint32_t nr);
/* Entry i of the table (for filling the BPF map); NULL past the end. */
const struct sensor_syscall *sensor_syscall_at(size_t i);

/* Event kind names for --events: "exec", "open", ...; NULL out of range. */
const char *sensor_kind_to_string(unsigned kind);
/* The kind named s, or -EINVAL. */
int sensor_kind_from_string(const char *s);
