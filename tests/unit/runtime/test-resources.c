/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test-resources.c — the cgroup side of the resource signals (src/runtime/resources.c):
 * mountinfo of a hybrid and a pure v2 host, /proc/PID/cgroup of podman containers (v1
 * cgroupfs and v2), the counter files, reading the fixture trees under
 * tests/unit/runtime/cgroup-fixtures/, rates over successive samples and /proc/PID/net/tcp.
 */
#include <arpa/inet.h>
#include <stdio.h>

#include "runtime/resources.h"
#include "tap.h"

#define FIX "tests/unit/runtime/cgroup-fixtures"

/* this machine's layout: v1 controllers each on its own hierarchy, cgroup2 at unified */
static const char hybrid_mountinfo[] =
    "31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
    "32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu\n"
    "33 31 0:30 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct\n"
    "35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n"
    "39 31 0:36 / /sys/fs/cgroup/pids rw,relatime shared:9 - cgroup cgroup rw,pids\n"
    "40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd\n"
    "41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n";

TEST(mounts_hybrid)
{
	struct rsrc_mounts m;
	ASSERT_OK(rsrc_mounts_parse(span_from(hybrid_mountinfo), &m));
	ASSERT_STREQ(m.v2, "/sys/fs/cgroup/unified");
	ASSERT_STREQ(m.v1[RSRC_CPU], "/sys/fs/cgroup/cpuacct");
	ASSERT_STREQ(m.v1[RSRC_MEM], "/sys/fs/cgroup/memory");
	ASSERT_STREQ(m.v1[RSRC_PIDS], "/sys/fs/cgroup/pids");
	rsrc_mounts_done(&m);
	rsrc_mounts_done(&m); /* twice is harmless */
}

TEST(mounts_v2_joined_v1_and_refusals)
{
	struct rsrc_mounts m;
	/* cpu,cpuacct joined (the usual systemd layout); a sub-tree and an escaped path skipped */
	static const char mi[] =
	    "50 31 0:40 /sub /mnt/a rw - cgroup cgroup rw,memory\n"
	    "51 31 0:41 / /mnt/with\\040space rw - cgroup cgroup rw,pids\n"
	    "52 31 0:42 / /sys/fs/cgroup/cpu,cpuacct rw - cgroup cgroup rw,cpu,cpuacct\n"
	    "not a mountinfo line\n"
	    "29 1 0:26 / /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 rw,nsdelegate\n";
	ASSERT_OK(rsrc_mounts_parse(span_from(mi), &m));
	ASSERT_STREQ(m.v2, "/sys/fs/cgroup");
	ASSERT_STREQ(m.v1[RSRC_CPU], "/sys/fs/cgroup/cpu,cpuacct");
	ASSERT_NULL(m.v1[RSRC_MEM]);
	ASSERT_NULL(m.v1[RSRC_PIDS]);
	rsrc_mounts_done(&m);

	ASSERT_ERR(rsrc_mounts_parse(span_from("22 1 8:1 / / rw - ext4 /dev/sda1 rw\n"), &m),
		   -ENOENT);
	ASSERT_ERR(rsrc_mounts_parse(span_from(""), &m), -ENOENT);
}

TEST(cgroup_of_podman_v1)
{
	struct rsrc_mounts m;
	ASSERT_OK(rsrc_mounts_parse(span_from(hybrid_mountinfo), &m));
	static const char pc[] = "9:name=systemd:/libpod_parent/libpod-abc\n"
				 "8:pids:/libpod_parent/libpod-abc\n"
				 "4:memory:/libpod_parent/libpod-abc\n"
				 "2:cpuacct:/libpod_parent/libpod-abc\n"
				 "1:cpu:/libpod_parent/libpod-abc\n"
				 "0::/libpod_parent/libpod-abc\n";
	struct rsrc_cgroup cg;
	ASSERT_OK(rsrc_cgroup_parse(&m, span_from(pc), &cg));
	ASSERT_STREQ(cg.dir[RSRC_CPU], "/sys/fs/cgroup/cpuacct/libpod_parent/libpod-abc");
	ASSERT_STREQ(cg.dir[RSRC_MEM], "/sys/fs/cgroup/memory/libpod_parent/libpod-abc");
	ASSERT_STREQ(cg.dir[RSRC_PIDS], "/sys/fs/cgroup/pids/libpod_parent/libpod-abc");
	ASSERT_FALSE(cg.v2[RSRC_CPU] || cg.v2[RSRC_MEM] || cg.v2[RSRC_PIDS]);
	rsrc_cgroup_done(&cg);

	/* a controller the process has in the root v1 cgroup falls back to nothing, not v2
	 * (v1 owns the controller); the others still resolve */
	static const char pc2[] = "8:pids:/\n4:memory:/libpod_parent/libpod-abc\n"
				  "2:cpuacct:/\n0::/libpod_parent/libpod-abc\n";
	ASSERT_OK(rsrc_cgroup_parse(&m, span_from(pc2), &cg));
	ASSERT_NULL(cg.dir[RSRC_PIDS]);
	ASSERT_NULL(cg.dir[RSRC_CPU]);
	ASSERT_STREQ(cg.dir[RSRC_MEM], "/sys/fs/cgroup/memory/libpod_parent/libpod-abc");
	rsrc_cgroup_done(&cg);

	/* the host's processes: every controller at the root */
	ASSERT_ERR(
	    rsrc_cgroup_parse(&m, span_from("8:pids:/\n4:memory:/\n2:cpuacct:/\n0::/\n"), &cg),
	    -ENOENT);
	/* ".." is refused */
	ASSERT_ERR(rsrc_cgroup_parse(&m, span_from("8:pids:/a/../../etc\n"), &cg), -ENOENT);
	rsrc_mounts_done(&m);
}

TEST(cgroup_of_v2_container)
{
	struct rsrc_mounts m;
	ASSERT_OK(rsrc_mounts_parse(
	    span_from("29 1 0:26 / /sys/fs/cgroup/ rw - cgroup2 cgroup2 rw,nsdelegate\n"), &m));
	struct rsrc_cgroup cg;
	/* a path may contain ':' */
	ASSERT_OK(rsrc_cgroup_parse(&m, span_from("0::/machine.slice/libpod-abc.scope:x\n"), &cg));
	for (size_t c = 0; c < _RSRC_CTRL_MAX; c++) {
		ASSERT_STREQ(cg.dir[c], "/sys/fs/cgroup/machine.slice/libpod-abc.scope:x");
		ASSERT_TRUE(cg.v2[c]);
	}
	rsrc_cgroup_done(&cg);
	ASSERT_ERR(rsrc_cgroup_parse(&m, span_from("0::/\n"), &cg), -ENOENT);
	rsrc_mounts_done(&m);
}

TEST(counter_files)
{
	uint64_t v;
	bool is_max;
	ASSERT_OK(rsrc_parse_cpu_stat(span_from("usage_usec 1234\nuser_usec 1000\n"), &v));
	ASSERT_EQ(v, 1234000u);
	ASSERT_OK(rsrc_parse_cpu_stat(span_from("user_usec 1\nusage_usec 7"), &v));
	ASSERT_EQ(v, 7000u);
	ASSERT_ERR(rsrc_parse_cpu_stat(span_from("user_usec 1\n"), &v), -EBADMSG);
	ASSERT_ERR(rsrc_parse_cpu_stat(span_from("usage_usec -5\n"), &v), -EBADMSG);
	ASSERT_ERR(rsrc_parse_cpu_stat(span_from("usage_usec 18446744073709551615\n"), &v),
		   -EBADMSG);
	ASSERT_OK(rsrc_parse_u64_or_max(span_from("max\n"), &v, &is_max));
	ASSERT_TRUE(is_max);
	ASSERT_OK(rsrc_parse_u64_or_max(span_from("4096\n"), &v, &is_max));
	ASSERT_FALSE(is_max);
	ASSERT_EQ(v, 4096u);
	ASSERT_ERR(rsrc_parse_u64_or_max(span_from("12k\n"), &v, &is_max), -EBADMSG);
	ASSERT_ERR(rsrc_parse_u64_or_max(span_from(""), &v, &is_max), -EBADMSG);
	ASSERT_OK(rsrc_parse_pids_events(span_from("max 42\n"), &v));
	ASSERT_EQ(v, 42u);
	ASSERT_ERR(rsrc_parse_pids_events(span_from("maximum 4\n"), &v), -EBADMSG);
}

/* A cgroup with every controller in one directory (v2) or one per controller (v1). */
static void fixture_cgroup(struct rsrc_cgroup *cg, const char *v2dir, const char *v1root,
			   const char *v1path)
{
	memset(cg, 0, sizeof(*cg));
	static const char *const names[] = {"cpuacct", "memory", "pids"};
	for (size_t c = 0; c < _RSRC_CTRL_MAX; c++) {
		char rel[256];
		if (v2dir)
			ASSERT_OK(xsnprintf(rel, sizeof(rel), "%s/%s", FIX, v2dir));
		else
			ASSERT_OK(xsnprintf(rel, sizeof(rel), "%s/%s/%s%s", FIX, v1root, names[c],
					    v1path));
		cg->dir[c] = strdup(tap_src_path(rel));
		ASSERT_NOT_NULL(cg->dir[c]);
		cg->v2[c] = v2dir != NULL;
	}
}

TEST(sample_v2_fixture)
{
	struct rsrc_cgroup cg;
	fixture_cgroup(&cg, "v2/ctr", NULL, NULL);
	struct rsrc_sample s;
	ASSERT_OK(rsrc_sample_read(&cg, &s));
	ASSERT_TRUE(s.has_cpu && s.has_mem && s.has_mem_limit && s.has_pids && s.has_pids_max &&
		    s.has_pids_events);
	ASSERT_EQ(s.cpu_ns, 2500000000u);
	ASSERT_EQ(s.mem_bytes, 104857600u);
	ASSERT_EQ(s.mem_limit, 134217728u);
	ASSERT_EQ(s.pids, 57u);
	ASSERT_EQ(s.pids_max, 64u);
	ASSERT_EQ(s.pids_limit_hits, 3u);
	rsrc_cgroup_done(&cg);

	fixture_cgroup(&cg, "v2-unlimited/ctr", NULL, NULL);
	ASSERT_OK(rsrc_sample_read(&cg, &s));
	ASSERT_TRUE(s.has_cpu && s.has_mem && s.has_pids);
	ASSERT_FALSE(s.has_mem_limit || s.has_pids_max || s.has_pids_events);
	ASSERT_EQ(s.cpu_ns, 1000000u);
	rsrc_cgroup_done(&cg);
}

TEST(sample_v1_fixture)
{
	struct rsrc_cgroup cg;
	fixture_cgroup(&cg, NULL, "v1", "/libpod_parent/libpod-abc");
	struct rsrc_sample s;
	ASSERT_OK(rsrc_sample_read(&cg, &s));
	ASSERT_TRUE(s.has_cpu && s.has_mem && s.has_pids && s.has_pids_max && s.has_pids_events);
	/* v1's "unlimited" is LONG_MAX rounded down to a page */
	ASSERT_FALSE(s.has_mem_limit);
	ASSERT_EQ(s.cpu_ns, 7300000000u);
	ASSERT_EQ(s.mem_bytes, 52428800u);
	ASSERT_EQ(s.pids, 12u);
	ASSERT_EQ(s.pids_max, 2048u);
	ASSERT_EQ(s.pids_limit_hits, 0u);
	rsrc_cgroup_done(&cg);
}

TEST(sample_gone)
{
	struct rsrc_cgroup cg;
	fixture_cgroup(&cg, "no-such-dir", NULL, NULL);
	struct rsrc_sample s;
	ASSERT_ERR(rsrc_sample_read(&cg, &s), -ENOENT);
	rsrc_cgroup_done(&cg);
	/* one controller left: still a sample */
	fixture_cgroup(&cg, "v2/ctr", NULL, NULL);
	free(cg.dir[RSRC_CPU]);
	cg.dir[RSRC_CPU] = strdup("/nonexistent/bulkhead-test");
	ASSERT_OK(rsrc_sample_read(&cg, &s));
	ASSERT_FALSE(s.has_cpu);
	ASSERT_TRUE(s.has_mem);
	rsrc_cgroup_done(&cg);
}

#define SEC UINT64_C(1000000000)

static struct rsrc_sample cpu_sample(uint64_t cpu_ns)
{
	return (struct rsrc_sample){.has_cpu = true,
				    .cpu_ns = cpu_ns,
				    .has_pids = true,
				    .pids = 10,
				    .has_pids_max = true,
				    .pids_max = 100,
				    .has_pids_events = true,
				    .has_mem = true,
				    .mem_bytes = 950,
				    .has_mem_limit = true,
				    .mem_limit = 1000};
}

TEST(rates)
{
	struct rsrc_rate rt = {0};
	struct rsrc_stats st;
	struct rsrc_sample s = cpu_sample(10 * SEC);
	/* the first sample primes */
	rsrc_rate_update(&rt, &s, 100 * SEC, 7, &st);
	ASSERT_EQ(st.cpu_pct, -1);
	ASSERT_EQ(st.forks_per_s, -1);
	ASSERT_EQ(st.interval_ms, -1);
	ASSERT_EQ(st.pids_pct, 10);
	ASSERT_EQ(st.mem_pct, 95);
	ASSERT_EQ(rsrc_rate_busy(&rt, &st, true), 0);
	/* 4.5 s of CPU in 5 s: 90 %; 1000 forks in 5 s */
	s = cpu_sample(14500 * SEC / 1000);
	s.pids_limit_hits = 2;
	rsrc_rate_update(&rt, &s, 105 * SEC, 1000, &st);
	ASSERT_EQ(st.cpu_pct, 90);
	ASSERT_EQ(st.interval_ms, 5000);
	ASSERT_EQ(st.forks_per_s, 200);
	ASSERT_EQ(st.pids_limit_hits, 2);
	ASSERT_EQ(rsrc_rate_busy(&rt, &st, true), 5);
	/* two CPUs busy: 200 % */
	s = cpu_sample(24500 * SEC / 1000);
	s.pids_limit_hits = 2;
	rsrc_rate_update(&rt, &s, 110 * SEC, -1, &st);
	ASSERT_EQ(st.cpu_pct, 200);
	ASSERT_EQ(st.forks_per_s, -1);
	ASSERT_EQ(st.pids_limit_hits, 0);
	ASSERT_EQ(rsrc_rate_busy(&rt, &st, true), 10);
	/* an idle interval resets the busy time */
	s = cpu_sample(24600 * SEC / 1000);
	s.pids_limit_hits = 2;
	rsrc_rate_update(&rt, &s, 115 * SEC, 0, &st);
	ASSERT_EQ(st.cpu_pct, 2);
	ASSERT_EQ(st.forks_per_s, 0);
	ASSERT_EQ(rsrc_rate_busy(&rt, &st, false), 0);
	s = cpu_sample(29600 * SEC / 1000);
	s.pids_limit_hits = 2;
	rsrc_rate_update(&rt, &s, 120 * SEC, 0, &st);
	ASSERT_EQ(rsrc_rate_busy(&rt, &st, true), 5);
	/* the counter went backwards (a new cgroup at the same path): primes again */
	s = cpu_sample(1 * SEC);
	rsrc_rate_update(&rt, &s, 125 * SEC, 0, &st);
	ASSERT_EQ(st.cpu_pct, -1);
	ASSERT_EQ(rsrc_rate_busy(&rt, &st, true), 0);
	/* time that did not move: primes again rather than divide by zero */
	rsrc_rate_update(&rt, &s, 125 * SEC, 0, &st);
	ASSERT_EQ(st.cpu_pct, -1);
	/* no limits: no percentages */
	struct rsrc_sample u = {.has_cpu = true,
				.cpu_ns = 2 * SEC,
				.has_mem = true,
				.mem_bytes = 5,
				.has_pids = true,
				.pids = 3};
	rsrc_rate_update(&rt, &u, 130 * SEC, 0, &st);
	ASSERT_EQ(st.mem_pct, -1);
	ASSERT_EQ(st.pids_pct, -1);
	ASSERT_EQ(st.mem_limit, -1);
	ASSERT_EQ(st.pids_max, -1);
	ASSERT_EQ(st.cpu_pct, 20);
}

/* One /proc/net/tcp line (v4) for local a:lp, remote b:rp, state st (host-order hex words). */
static void tcp4_line(struct buf *b, unsigned n, const char *la, unsigned lp, const char *ra,
		      unsigned rp, unsigned st)
{
	struct in_addr l, r;
	ASSERT_TRUE(inet_pton(AF_INET, la, &l) == 1 && inet_pton(AF_INET, ra, &r) == 1);
	ASSERT_OK(buf_printf(b,
			     "%4u: %08X:%04X %08X:%04X %02X 00000000:00000000 00:00000000 "
			     "00000000     0        0 1234 1 0000000000000000 100 0 0 10 0\n",
			     n, l.s_addr, lp, r.s_addr, rp, st));
}

TEST(proc_net_tcp)
{
	_cleanup_buf_ struct buf b;
	buf_init(&b, 0);
	ASSERT_OK(buf_puts(&b, "  sl  local_address rem_address   st tx_queue rx_queue tr "
			       "tm->when retrnsmt   uid  timeout inode\n"));
	tcp4_line(&b, 0, "0.0.0.0", 8080, "0.0.0.0", 0, 0x0A);		   /* listen */
	tcp4_line(&b, 1, "10.88.0.5", 41000, "203.0.113.7", 3333, 0x01);   /* outbound */
	tcp4_line(&b, 2, "10.88.0.5", 8080, "10.88.0.1", 52000, 0x01);	   /* accepted */
	tcp4_line(&b, 3, "10.88.0.5", 41002, "198.51.100.9", 14444, 0x02); /* SYN_SENT */
	tcp4_line(&b, 4, "10.88.0.5", 41003, "198.51.100.10", 443, 0x06);  /* TIME_WAIT */
	struct rsrc_peer p[4];
	size_t n = 0;
	ASSERT_OK(rsrc_parse_proc_net_tcp(buf_span(&b), false, p, ARRAY_SIZE(p), &n));
	ASSERT_EQ(n, 2u);
	char ip[64];
	rsrc_peer_addr(&p[0], ip, sizeof(ip));
	ASSERT_STREQ(ip, "203.0.113.7");
	ASSERT_EQ(p[0].port, 3333);
	ASSERT_EQ(p[0].lport, 41000);
	ASSERT_EQ(p[0].family, 4);
	rsrc_peer_addr(&p[1], ip, sizeof(ip));
	ASSERT_STREQ(ip, "198.51.100.9");
	ASSERT_EQ(p[1].port, 14444);
	/* max bounds what is stored, not what is counted */
	ASSERT_OK(rsrc_parse_proc_net_tcp(buf_span(&b), false, p, 1, &n));
	ASSERT_EQ(n, 2u);
	/* this machine's own file parses (whatever it holds) */
	_cleanup_buf_ struct buf real;
	buf_init(&real, 0);
	FILE *f = fopen("/proc/self/net/tcp", "re");
	if (f) {
		char line[512];
		while (fgets(line, sizeof(line), f))
			ASSERT_OK(buf_puts(&real, line));
		fclose(f);
		ASSERT_OK(rsrc_parse_proc_net_tcp(buf_span(&real), false, p, ARRAY_SIZE(p), &n));
	}
	/* malformed */
	ASSERT_ERR(rsrc_parse_proc_net_tcp(span_from("   0: 0100007F:0050\n"), false, p, 4, &n),
		   -EBADMSG);
	ASSERT_ERR(rsrc_parse_proc_net_tcp(span_from("   0: 0100007F:0050 0100007G:0050 01\n"),
					   false, p, 4, &n),
		   -EBADMSG);
	ASSERT_ERR(rsrc_parse_proc_net_tcp(span_from("   0: 0100007F:10050 0100007F:0050 01\n"),
					   false, p, 4, &n),
		   -EBADMSG);
}

TEST(proc_net_tcp6)
{
	/* an IPv6 peer and an IPv4-mapped one, as 4 host-order words each */
	struct in6_addr a, m;
	ASSERT_TRUE(inet_pton(AF_INET6, "2001:db8::7", &a) == 1);
	ASSERT_TRUE(inet_pton(AF_INET6, "::ffff:203.0.113.7", &m) == 1);
	_cleanup_buf_ struct buf b;
	buf_init(&b, 0);
	ASSERT_OK(buf_puts(&b, "  sl  local_address                         remote_address"
			       "                        st tx_queue\n"));
	const struct in6_addr *peers[] = {&a, &m};
	for (size_t i = 0; i < 2; i++) {
		uint32_t w[4];
		memcpy(w, peers[i], 16);
		ASSERT_OK(buf_printf(&b,
				     "   %zu: 00000000000000000000000001000000:A028 "
				     "%08X%08X%08X%08X:0D05 01 00000000:00000000\n",
				     i, w[0], w[1], w[2], w[3]));
	}
	struct rsrc_peer p[4];
	size_t n = 0;
	ASSERT_OK(rsrc_parse_proc_net_tcp(buf_span(&b), true, p, ARRAY_SIZE(p), &n));
	ASSERT_EQ(n, 2u);
	char ip[64];
	rsrc_peer_addr(&p[0], ip, sizeof(ip));
	ASSERT_STREQ(ip, "2001:db8::7");
	ASSERT_EQ(p[0].family, 6);
	ASSERT_EQ(p[0].port, 3333);
	rsrc_peer_addr(&p[1], ip, sizeof(ip));
	ASSERT_STREQ(ip, "203.0.113.7");
	ASSERT_EQ(p[1].family, 4);
	/* a v4 address where a v6 one belongs */
	ASSERT_ERR(rsrc_parse_proc_net_tcp(span_from("   0: 0100007F:0050 0100007F:0050 01\n"),
					   true, p, 4, &n),
		   -EBADMSG);
}

TEST(builtin_rules_embedded)
{
	ASSERT_TRUE(runtime_resources_rules_len > 100);
	ASSERT_EQ(strlen(runtime_resources_rules), runtime_resources_rules_len);
	ASSERT_NOT_NULL(strstr(runtime_resources_rules, "- macro: bh_cpu_busy"));
	ASSERT_NOT_NULL(strstr(runtime_resources_rules, "- macro: bh_mining_pool_peer"));
}
