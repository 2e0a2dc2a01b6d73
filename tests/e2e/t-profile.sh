#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
#
# t-profile.sh — `bulkhead profile export` on baselines put into a store by `bulkhead baseline
# import` (tests/e2e/profile/*.json): the seccomp profile's structure (default EPERM, the
# architectures, exactly the learnt syscalls plus the runtime's, sorted, deterministic,
# --exact, --arch); the NetworkPolicy read back by `bulkhead k8s reach` next to the
# workload's Deployment, allowing exactly the observed flows (ingress on the listening ports,
# egress to the peers' ports, DNS only to the cluster DNS pods, nothing between workloads
# otherwise); --unused against a small merged-/usr image with dpkg and npm packages (table
# and JSON); bad input: unknown workload or version (exit 2, one line), a baseline without
# syscalls for --seccomp, two kinds at once, a missing --image, options of another kind.
. "$(dirname "$0")/../lib/e2e.sh"

command -v jq >/dev/null 2>&1 || skip "jq not installed"
export BULKHEAD_HOME="$T/home"
mkdir -p "$BULKHEAD_HOME"
D="$BH_SOURCE_ROOT/tests/e2e/profile"
S="$T/store.db"
W='k8s:shop/web@sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08'
B='container:batch@alpine:3.19'

expect_exit 0 "$BULKHEAD" baseline import "$D/web.json" --store "$S"
expect_exit 0 "$BULKHEAD" baseline import "$D/batch.json" --store "$S"

# --- seccomp ---------------------------------------------------------------------------
expect_exit 0 "$BULKHEAD" profile export "$W" --seccomp --store "$S" -o "$T/seccomp.json"
expect_err_line "1 learnt syscall without a name \(syscall_N\) left out"
checks=$((checks + 1))
jq -e '.defaultAction == "SCMP_ACT_ERRNO" and .defaultErrnoRet == 1 and
	.architectures == ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"] and
	(.syscalls | length) == 1 and .syscalls[0].action == "SCMP_ACT_ALLOW" and
	(keys == ["architectures", "defaultAction", "defaultErrnoRet", "syscalls"]) and
	(.syscalls[0] | keys == ["action", "names"])' "$T/seccomp.json" >/dev/null ||
	fail "seccomp structure: $(head -c 300 "$T/seccomp.json")"
checks=$((checks + 1))
jq -e '.syscalls[0].names as $n | ($n == ($n | sort | unique)) and
	(["accept4", "bind", "connect", "listen", "sendto", "socket"] - $n == []) and
	(["execve", "exit_group", "capset", "setuid", "futex"] - $n == []) and
	($n | index("syscall_451") == null) and ($n | index("unshare") == null) and
	($n | index("ptrace") == null)' "$T/seccomp.json" >/dev/null ||
	fail "seccomp names: $(jq -c .syscalls[0].names "$T/seccomp.json")"
# deterministic: the same bytes again, and from the file form of the baseline
expect_exit 0 "$BULKHEAD" profile export "$W" --seccomp --store "$S"
checks=$((checks + 1))
cmp -s "$T/out" "$T/seccomp.json" || fail "seccomp output differs between runs"
expect_exit 0 "$BULKHEAD" profile export "$D/web.json" --seccomp
checks=$((checks + 1))
cmp -s "$T/out" "$T/seccomp.json" || fail "seccomp from the file differs from the store's"
# --exact: the learnt ones only; --arch
expect_exit 0 "$BULKHEAD" profile export "$W#1" --seccomp --exact --arch aarch64,arm --store "$S"
checks=$((checks + 1))
jq -e '.architectures == ["SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM"] and .syscalls[0].names ==
	["accept4", "arch_prctl", "bind", "brk", "close", "connect", "execve", "exit_group",
	 "listen", "mmap", "openat", "read", "sendto", "socket", "write"]' "$T/out" >/dev/null ||
	fail "--exact --arch: $(jq -c . "$T/out")"
expect_exit 2 "$BULKHEAD" profile export "$W" --seccomp --arch vax --store "$S"
expect_err_line "unknown architecture 'vax'"
# no syscall facts
expect_exit 2 "$BULKHEAD" profile export "$B" --seccomp --store "$S" -o "$T/none.json"
expect_err_line "^bulkhead: no syscalls learnt for container:batch@alpine:3.19; run the sensor with --mode learn"
checks=$((checks + 1))
[ ! -e "$T/none.json" ] || fail "an output file was left after the error"

# --- NetworkPolicy + k8s reach ------------------------------------------------------------
expect_exit 0 "$BULKHEAD" profile export "$W" --netpol --store "$S" -o "$T/netpol.yaml"
expect_no_out
checks=$((checks + 1))
grep -q '^kind: NetworkPolicy$' "$T/netpol.yaml" && grep -q '^  namespace: "shop"$' "$T/netpol.yaml" ||
	fail "netpol header: $(head -12 "$T/netpol.yaml")"
cat >"$T/apps.yaml" <<'EOF'
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
spec:
  selector:
    matchLabels:
      app.kubernetes.io/name: web
  template:
    metadata:
      labels:
        app.kubernetes.io/name: web
    spec:
      containers:
      - name: web
        image: registry.example/web:1.0
        ports:
        - containerPort: 8080
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: cart
  namespace: shop
spec:
  selector:
    matchLabels:
      app.kubernetes.io/name: cart
  template:
    metadata:
      labels:
        app.kubernetes.io/name: cart
    spec:
      containers:
      - name: cart
        image: registry.example/cart:1.0
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: coredns
  namespace: kube-system
spec:
  selector:
    matchLabels:
      k8s-app: kube-dns
  template:
    metadata:
      labels:
        k8s-app: kube-dns
    spec:
      containers:
      - name: coredns
        image: registry.k8s.io/coredns/coredns:v1.11.1
EOF
expect_exit 0 "$BULKHEAD" k8s reach "$T/apps.yaml" "$T/netpol.yaml" --format json
cp "$T/out" "$T/reach.json"
# the policy is valid (no note about a skipped policy) and web's flows are exactly these:
# ingress from anyone on its listening ports, egress to the peers' ports outside the cluster
# and to the cluster DNS, nothing else (no web -> cart, no web -> web)
checks=$((checks + 1))
jq -e '[.connections[] | select(.from == "Deployment/shop/web" or .to == "Deployment/shop/web")
	| {from, to, ports}] | sort_by(.from, .to) == [
	{"from": "(external)", "to": "Deployment/shop/web", "ports": ["TCP/8080", "UDP/8125"]},
	{"from": "Deployment/kube-system/coredns", "to": "Deployment/shop/web", "ports": ["TCP/8080", "UDP/8125"]},
	{"from": "Deployment/shop/cart", "to": "Deployment/shop/web", "ports": ["TCP/8080", "UDP/8125"]},
	{"from": "Deployment/shop/web", "to": "(external)", "ports": ["TCP/443", "TCP/5432", "TCP/8443"]},
	{"from": "Deployment/shop/web", "to": "Deployment/kube-system/coredns", "ports": ["TCP/53", "UDP/53"]}
	]' "$T/reach.json" >/dev/null ||
	fail "reach: $(jq -c '[.connections[] | select(.from == "Deployment/shop/web" or .to == "Deployment/shop/web")]' "$T/reach.json")"
checks=$((checks + 1))
jq -e '[.notes[]?] | map(select(test("NetworkPolicy"))) | length == 0' "$T/reach.json" >/dev/null ||
	fail "reach notes: $(jq -c .notes "$T/reach.json")"
# --dns peers: the resolver address stays an ipBlock, the cluster DNS is not reached
expect_exit 0 "$BULKHEAD" profile export "$W" --netpol --dns peers --store "$S" -o "$T/np2.yaml"
expect_exit 0 "$BULKHEAD" k8s reach "$T/apps.yaml" "$T/np2.yaml" --format json
checks=$((checks + 1))
jq -e '[.connections[] | select(.from == "Deployment/shop/web") | {to, ports}] | sort_by(.to) == [
	{"to": "(external)", "ports": ["TCP/443", "TCP/5432", "TCP/8443", "UDP/53"]}]' "$T/out" \
	>/dev/null || fail "--dns peers: $(jq -c .connections "$T/out")"
# selectors and namespace for a container workload; a policy with nothing observed denies all
expect_exit 0 "$BULKHEAD" profile export "$B" --netpol --namespace jobs --selector app=batch \
	--selector tier=jobs --store "$S"
expect_out '^  name: "bulkhead-batch"$'
expect_out '^  namespace: "jobs"$'
expect_out '^      "app": "batch"$'
expect_out '^      "tier": "jobs"$'
expect_out '^  ingress: \[\]$'
expect_exit 2 "$BULKHEAD" profile export "$B" --netpol --selector 'app batch' --store "$S"
expect_err_line "a selector is not KEY=VALUE"

# --- unused packages ----------------------------------------------------------------------
R="$T/rootfs"
mkdir -p "$R/usr/bin" "$R/usr/lib/x86_64-linux-gnu" "$R/var/lib/dpkg/info" "$R/etc/ssl/certs" \
	"$R/srv/app/node_modules/left-pad" "$R/srv/app/node_modules/is-odd"
ln -s usr/bin "$R/bin"
ln -s usr/lib "$R/lib"
printf 'ID=debian\nVERSION_ID="12"\n' >"$R/etc/os-release"
for f in usr/bin/busybox usr/bin/curl usr/bin/openssl usr/bin/python3.11 \
	usr/lib/x86_64-linux-gnu/libcurl.so.4.8.0 usr/lib/x86_64-linux-gnu/libz.so.1.2.13 \
	etc/ssl/certs/ca-certificates.crt srv/app/node_modules/left-pad/index.js; do
	echo x >"$R/$f"
done
ln -s libcurl.so.4.8.0 "$R/usr/lib/x86_64-linux-gnu/libcurl.so.4"
# package version files...: /bin and /lib in the lists, as dpkg keeps them in merged-/usr
while read -r p v files; do
	printf 'Package: %s\nStatus: install ok installed\nArchitecture: amd64\nVersion: %s\n\n' \
		"$p" "$v" >>"$R/var/lib/dpkg/status"
	printf '/.\n' >"$R/var/lib/dpkg/info/$p.list"
	for f in $files; do echo "$f" >>"$R/var/lib/dpkg/info/$p.list"; done
done <<'EOF'
busybox 1:1.35.0-4 /bin/busybox
curl 7.88.1-10+deb12u5 /usr/bin/curl /usr/share/doc/curl
libcurl4 7.88.1-10+deb12u5 /usr/lib/x86_64-linux-gnu/libcurl.so.4.8.0 /usr/lib/x86_64-linux-gnu/libcurl.so.4
zlib1g 1:1.2.13.dfsg-1 /lib/x86_64-linux-gnu/libz.so.1.2.13
openssl 3.0.11-1~deb12u2 /usr/bin/openssl
ca-certificates 20230311 /etc/ssl/certs/ca-certificates.crt
python3.11-minimal 3.11.2-6 /usr/bin/python3.11
EOF
echo '{"name": "left-pad", "version": "1.3.0"}' >"$R/srv/app/node_modules/left-pad/package.json"
echo '{"name": "is-odd", "version": "3.0.1"}' >"$R/srv/app/node_modules/is-odd/package.json"

expect_exit 0 "$BULKHEAD" profile export "$W" --unused --image "dir:$R" --store "$S"
expect_out '^PACKAGE +VERSION +TYPE +FILES$'
expect_out '^openssl +3\.0\.11-1~deb12u2 +deb +1$'
expect_out '^python3\.11-minimal +3\.11\.2-6 +deb +1$'
expect_out '^is-odd +3\.0\.1 +npm +0$'
expect_out '^3 of 9 packages unused \(6 used, 0 without a file list\)$'
checks=$((checks + 1))
! grep -Eq '^(curl|libcurl4|zlib1g|busybox|ca-certificates|left-pad) ' "$T/out" ||
	fail "a used package is listed: $(cat "$T/out")"
expect_exit 0 "$BULKHEAD" profile export "$W" --unused --image "dir:$R" --store "$S" --format json \
	-o "$T/unused.json"
checks=$((checks + 1))
jq -e '.schema == "bulkhead.profile-unused/v1" and .summary ==
	{"packages": 9, "used": 6, "unused": 3, "unknown": 0} and .incomplete == false and
	([.unused[].name] == ["openssl", "python3.11-minimal", "is-odd"]) and
	(.used | map({(.name): (.evidence.type + " " + .evidence.path)}) | add) == {
	  "busybox": "exec /bin/busybox",
	  "ca-certificates": "file_read /etc/ssl/certs/ca-certificates.crt",
	  "curl": "exec /usr/bin/curl",
	  "libcurl4": "file_read /usr/lib/x86_64-linux-gnu/libcurl.so.4.8.0",
	  "zlib1g": "file_read /usr/lib/x86_64-linux-gnu/libz.so.1.2.13",
	  "left-pad": "file_read /srv/app/node_modules/left-pad/index.js"}' "$T/unused.json" \
	>/dev/null || fail "unused JSON: $(jq -c . "$T/unused.json")"
expect_exit 2 "$BULKHEAD" profile export "$W" --unused --image "dir:$T/nonexistent" --store "$S"
expect_err_line "nonexistent"

# --- bad input ------------------------------------------------------------------------------
expect_exit 2 "$BULKHEAD" profile export 'k8s:shop/nope' --seccomp --store "$S"
expect_err_line "no baseline for workload 'k8s:shop/nope'"
expect_exit 2 "$BULKHEAD" profile export "$W#9" --netpol --store "$S"
expect_err_line "no version 9 of workload"
expect_exit 2 "$BULKHEAD" profile export "$W" --seccomp --netpol --store "$S"
expect_err_line "--seccomp, --netpol and --unused exclude each other"
expect_exit 2 "$BULKHEAD" profile export "$W" --netpol --unused --image "dir:$R" --store "$S"
expect_err_line "exclude each other"
expect_exit 2 "$BULKHEAD" profile export "$W" --store "$S"
expect_err_line "say what to export"
expect_exit 2 "$BULKHEAD" profile export "$W" --unused --store "$S"
expect_err_line "--unused needs --image"
expect_exit 2 "$BULKHEAD" profile export "$W" --seccomp --selector a=b --store "$S"
expect_err_line "--selector does not go with --seccomp"
expect_exit 2 "$BULKHEAD" profile export --seccomp --store "$S"
expect_err_line "takes one WORKLOAD"
expect_exit 2 "$BULKHEAD" profile import "$W" --seccomp --store "$S"
expect_err_line "unknown profile command 'import'"
expect_exit 0 "$BULKHEAD" profile --help
expect_out '^usage: bulkhead profile export'

finish
