/* SPDX-License-Identifier: Apache-2.0 */
/*
 * syscalls.h — the syscalls the sensor follows, by this architecture's numbers (from
 * <sys/syscall.h>, so the BPF side carries no syscall table): Falco's name for each, the
 * event kind that enables it, what the BPF side must copy (bpf/events.h bh_sc_flags) and
 * how the decoder names and renders its arguments (evt.arg.NAME). On x86-64 also the same
 * syscalls by their i386 numbers (32-bit processes, enum bh_sc_abi), under the same names,
 * and the socket calls an i386 process makes through socketcall(2).
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
	uint8_t abi;   /* enum bh_sc_abi */
	uint8_t nargs; /* BH_SC_ABI_IA32_SOCKETCALL: u32 arguments socketcall passes */
};

/* i386 socketcall(2) (arch/x86/entry/syscalls/syscall_32.tbl), followed when one of its
 * calls is */
#define SENSOR_IA32_NR_SOCKETCALL 102

/* The map key of sc in the BPF `syscalls` array (bpf/events.h). */
static inline uint32_t sensor_syscall_key(const struct sensor_syscall *sc)
{
	return (uint32_t)sc->abi * BH_SC_NR_MAX + sc->nr;
}

/* The table entry for nr in abi (enum bh_sc_abi), or NULL when the sensor does not follow
 * it (or this architecture has no such ABI). */
const struct sensor_syscall *sensor_syscall_lookup(unsigned abi, uint32_t nr);
/* The same for the native ABI. */
const struct sensor_syscall *sensor_syscall_by_nr(uint32_t nr);
/* Entry i of the table (for filling the BPF map); NULL past the end. */
const struct sensor_syscall *sensor_syscall_at(size_t i);

/* Event kind names for --events: "exec", "open", ...; NULL out of range. */
const char *sensor_kind_to_string(unsigned kind);
/* The kind named s, or -EINVAL. */
int sensor_kind_from_string(const char *s);
