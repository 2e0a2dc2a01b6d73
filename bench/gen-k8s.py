#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""bench/gen-k8s.py — a generated cluster dump for bench/k8s-objects.sh.

    python3 bench/gen-k8s.py OUTDIR [--objects N] [--seed S]

Writes OUTDIR/cluster.yaml (one multi-document YAML stream, block style, as `kubectl get -o
yaml` per object would print it) and OUTDIR/cluster.json (the same objects as one `List`), and
OUTDIR/counts.json (objects per kind). Deterministic: the same seed and count give
byte-identical files on every machine (no dict-order, hash or clock dependence).

The mix follows what a mid-size production cluster holds, per namespace: Deployments,
StatefulSets, DaemonSets, Jobs, CronJobs and bare Pods with varied security contexts (from
hardened restricted-compliant ones to privileged, hostPath, hostNetwork, added capabilities),
Services (ClusterIP, NodePort, LoadBalancer, some with externalIPs), Ingresses,
NetworkPolicies (default deny in most namespaces, tier-to-tier allows with named ports, DNS
egress, ipBlock with except), ServiceAccounts, Roles, RoleBindings, ConfigMaps and Secrets;
cluster-wide ClusterRoles (some aggregated) and ClusterRoleBindings; Namespaces carrying Pod
Security Admission labels (enforce/warn/audit, some with versions).
"""
import argparse
import json
import os
import random
import re

PLAIN = re.compile(r"^[A-Za-z_/][A-Za-z0-9_./-]*$")
RESERVED = {"true", "false", "null", "yes", "no", "on", "off", "y", "n", "~"}


def scalar(v):
    if v is True:
        return "true"
    if v is False:
        return "false"
    if v is None:
        return "null"
    if isinstance(v, int):
        return str(v)
    s = str(v)
    if PLAIN.match(s) and s.lower() not in RESERVED:
        return s
    return json.dumps(s)


def emit(v, ind, out):
    """Block-style YAML for dicts/lists of scalars (keys in insertion order)."""
    pad = "  " * ind
    if isinstance(v, dict):
        for k, x in v.items():
            key = scalar(k)
            if isinstance(x, dict) and x:
                out.append("%s%s:\n" % (pad, key))
                emit(x, ind + 1, out)
            elif isinstance(x, list) and x:
                out.append("%s%s:\n" % (pad, key))
                emit(x, ind, out)  # kubectl style: list items at the key's indent
            elif isinstance(x, (dict, list)):
                out.append("%s%s: %s\n" % (pad, key, "{}" if isinstance(x, dict) else "[]"))
            else:
                out.append("%s%s: %s\n" % (pad, key, scalar(x)))
    elif isinstance(v, list):
        for x in v:
            if isinstance(x, dict) and x:
                sub = []
                emit(x, ind + 1, sub)
                first = sub[0][len("  " * (ind + 1)):]
                out.append("%s- %s" % (pad, first))
                out.extend(sub[1:])
            elif isinstance(x, list) and x:
                out.append("%s-\n" % pad)
                emit(x, ind + 1, out)
            else:
                out.append("%s- %s\n" % (pad, scalar(x) if not isinstance(x, (dict, list))
                                         else ("{}" if isinstance(x, dict) else "[]")))


class Gen:
    def __init__(self, seed, total):
        self.r = random.Random(seed)
        self.total = total
        self.objs = []

    def meta(self, name, ns=None, labels=None, annotations=None):
        m = {"name": name}
        if ns is not None:
            m["namespace"] = ns
        m["uid"] = "%08x-%04x-4%03x-a%03x-%012x" % (
            self.r.getrandbits(32), self.r.getrandbits(16), self.r.getrandbits(12),
            self.r.getrandbits(12), self.r.getrandbits(48))
        m["resourceVersion"] = str(self.r.randrange(1, 10**8))
        m["creationTimestamp"] = "2026-%02d-%02dT%02d:%02d:%02dZ" % (
            self.r.randrange(1, 12), self.r.randrange(1, 29), self.r.randrange(24),
            self.r.randrange(60), self.r.randrange(60))
        if labels:
            m["labels"] = labels
        if annotations:
            m["annotations"] = annotations
        return m

    def add(self, o):
        self.objs.append(o)

    # ---- pod specs with varied security contexts ----
    def container(self, name, app, profile, port):
        r = self.r
        reg = r.choice(["registry.example.com/team", "ghcr.io/acme", "docker.io/library", "quay.io/ops"])
        tag = r.choice(["1.4.2", "2.0.1", "v3.12.0", "latest", "stable", "1.27.3-alpine"])
        img = "%s/%s:%s" % (reg, app, tag)
        if r.random() < 0.3:
            img += "@sha256:%064x" % r.getrandbits(256)
        c = {"name": name, "image": img}
        if r.random() < 0.6:
            c["imagePullPolicy"] = r.choice(["IfNotPresent", "Always"])
        c["ports"] = [{"name": "http", "containerPort": port, "protocol": "TCP"}]
        if r.random() < 0.3:
            c["ports"].append({"name": "metrics", "containerPort": 9090 + r.randrange(10)})
        c["env"] = [{"name": "APP_NAME", "value": app},
                    {"name": "LOG_LEVEL", "value": r.choice(["info", "debug", "warn"])}]
        if r.random() < 0.4:
            c["env"].append({"name": "DB_PASSWORD", "valueFrom": {"secretKeyRef": {
                "name": "%s-secret" % app, "key": "password"}}})
        if r.random() < 0.05:
            c["env"].append({"name": "API_TOKEN", "value": "tok-%016x" % r.getrandbits(64)})
        if r.random() < 0.75:
            c["resources"] = {"requests": {"cpu": "%dm" % r.choice([50, 100, 250, 500]),
                                           "memory": "%dMi" % r.choice([64, 128, 256, 512])}}
            if r.random() < 0.7:
                c["resources"]["limits"] = {"cpu": "%dm" % r.choice([500, 1000, 2000]),
                                            "memory": "%dMi" % r.choice([256, 512, 1024])}
        if r.random() < 0.65:
            c["livenessProbe"] = {"httpGet": {"path": "/healthz", "port": "http"},
                                  "initialDelaySeconds": 10, "periodSeconds": 10}
        if r.random() < 0.65:
            c["readinessProbe"] = {"httpGet": {"path": "/ready", "port": "http"}, "periodSeconds": 5}
        sc = {}
        if profile == "restricted":
            sc = {"allowPrivilegeEscalation": False, "readOnlyRootFilesystem": True,
                  "runAsNonRoot": True, "capabilities": {"drop": ["ALL"]},
                  "seccompProfile": {"type": "RuntimeDefault"}}
        elif profile == "baseline":
            sc = {"allowPrivilegeEscalation": r.random() < 0.5}
            if r.random() < 0.5:
                sc["capabilities"] = {"drop": ["ALL"], "add": ["NET_BIND_SERVICE"]}
        elif profile == "privileged":
            sc = {"privileged": True}
            if r.random() < 0.5:
                sc["capabilities"] = {"add": r.sample(["SYS_ADMIN", "NET_ADMIN", "SYS_PTRACE", "NET_RAW"], 2)}
        elif profile == "root":
            sc = {"runAsUser": 0, "runAsGroup": 0}
        if sc:
            c["securityContext"] = sc
        c["volumeMounts"] = [{"name": "config", "mountPath": "/etc/%s" % app, "readOnly": True}]
        return c

    def pod_spec(self, app, profile, port):
        r = self.r
        spec = {}
        if r.random() < 0.7:
            spec["serviceAccountName"] = "%s-sa" % app
        if r.random() < 0.3:
            spec["automountServiceAccountToken"] = False
        if profile == "restricted":
            spec["securityContext"] = {"runAsNonRoot": True, "runAsUser": 10000 + r.randrange(1000),
                                       "fsGroup": 2000, "seccompProfile": {"type": "RuntimeDefault"}}
        elif profile == "privileged":
            if r.random() < 0.4:
                spec["hostNetwork"] = True
            if r.random() < 0.3:
                spec["hostPID"] = True
        spec["containers"] = [self.container(app, app, profile, port)]
        if r.random() < 0.2:
            spec["containers"].append(self.container("sidecar", "envoy", profile, 15000))
            spec["containers"][-1]["ports"][0]["name"] = "proxy"
        if r.random() < 0.15:
            spec["initContainers"] = [self.container("init", "busybox", profile, 1)]
            del spec["initContainers"][0]["ports"]
        spec["volumes"] = [{"name": "config", "configMap": {"name": "%s-config" % app}}]
        if profile == "privileged" and r.random() < 0.6:
            path = r.choice(["/var/run/docker.sock", "/var/log", "/proc", "/", "/etc/kubernetes"])
            spec["volumes"].append({"name": "host", "hostPath": {"path": path}})
            spec["containers"][0]["volumeMounts"].append({"name": "host", "mountPath": "/host"})
        if r.random() < 0.1:
            spec["containers"][0]["ports"][0]["hostPort"] = 8000 + r.randrange(1000)
        spec["nodeSelector"] = {"kubernetes.io/os": "linux"}
        if r.random() < 0.3:
            spec["tolerations"] = [{"key": "dedicated", "operator": "Equal", "value": "apps",
                                    "effect": "NoSchedule"}]
        return spec

    def profile(self, ns_level):
        r = self.r
        if ns_level == "restricted":
            return r.choice(["restricted"] * 8 + ["baseline", "none"])
        if ns_level == "privileged":
            return r.choice(["privileged", "privileged", "root", "baseline", "none"])
        return r.choice(["restricted", "restricted", "baseline", "baseline", "none", "root", "privileged"])

    # ---- objects ----
    def namespace(self, i):
        r = self.r
        name = "ns-%03d-%s" % (i, r.choice(["shop", "payments", "search", "auth", "data", "ml", "web", "batch"]))
        level = r.choice(["restricted", "restricted", "baseline", "baseline", "baseline", "privileged", None])
        labels = {"kubernetes.io/metadata.name": name, "team": "team-%d" % r.randrange(20)}
        if level:
            labels["pod-security.kubernetes.io/enforce"] = level
            if r.random() < 0.5:
                labels["pod-security.kubernetes.io/enforce-version"] = r.choice(["latest", "v1.28", "v1.30"])
            labels["pod-security.kubernetes.io/warn"] = "restricted"
            labels["pod-security.kubernetes.io/audit"] = "restricted"
        self.add({"apiVersion": "v1", "kind": "Namespace", "metadata": self.meta(name, None, labels),
                  "spec": {"finalizers": ["kubernetes"]}, "status": {"phase": "Active"}})
        return name, level

    def workload(self, ns, level, kind, idx, apps):
        r = self.r
        app = "%s-%d" % (r.choice(["api", "web", "worker", "cache", "db", "queue", "auth", "search"]), idx)
        tier = r.choice(["frontend", "backend", "data"])
        labels = {"app": app, "tier": tier, "app.kubernetes.io/name": app}
        port = r.choice([8080, 8443, 5000, 3000, 6379, 5432, 9000])
        spec = self.pod_spec(app, self.profile(level), port)
        tmeta = {"labels": labels}
        if r.random() < 0.03:
            tmeta["annotations"] = {"bulkhead.dev/ignore": "BH-K8S-HARD-001,BH-K8S-HARD-002"}
        tmpl = {"metadata": tmeta, "spec": spec}
        sel = {"matchLabels": {"app": app}}
        if kind == "Deployment":
            o = {"apiVersion": "apps/v1", "kind": kind, "metadata": self.meta(app, ns, labels),
                 "spec": {"replicas": r.randrange(1, 6), "selector": sel,
                          "strategy": {"type": "RollingUpdate"}, "template": tmpl}}
        elif kind == "StatefulSet":
            o = {"apiVersion": "apps/v1", "kind": kind, "metadata": self.meta(app, ns, labels),
                 "spec": {"replicas": 3, "serviceName": app, "selector": sel, "template": tmpl,
                          "volumeClaimTemplates": [{"metadata": {"name": "data"}, "spec": {
                              "accessModes": ["ReadWriteOnce"],
                              "resources": {"requests": {"storage": "10Gi"}}}}]}}
        elif kind == "DaemonSet":
            o = {"apiVersion": "apps/v1", "kind": kind, "metadata": self.meta(app, ns, labels),
                 "spec": {"selector": sel, "template": tmpl}}
        elif kind == "Job":
            spec["restartPolicy"] = "Never"
            o = {"apiVersion": "batch/v1", "kind": kind, "metadata": self.meta(app, ns, labels),
                 "spec": {"backoffLimit": 3, "template": tmpl}}
        elif kind == "CronJob":
            spec["restartPolicy"] = "OnFailure"
            o = {"apiVersion": "batch/v1", "kind": kind, "metadata": self.meta(app, ns, labels),
                 "spec": {"schedule": "%d %d * * *" % (r.randrange(60), r.randrange(24)),
                          "jobTemplate": {"spec": {"template": tmpl}}}}
        else:
            o = {"apiVersion": "v1", "kind": "Pod", "metadata": self.meta(app, ns, labels), "spec": spec}
        self.add(o)
        apps.append((app, tier, port))

    def service(self, ns, app, port, idx):
        r = self.r
        t = r.choice(["ClusterIP"] * 7 + ["NodePort", "LoadBalancer", "LoadBalancer"])
        spec = {"type": t, "selector": {"app": app},
                "ports": [{"name": "http", "port": 80 if port != 8443 else 443, "targetPort": "http",
                           "protocol": "TCP"}]}
        if t == "NodePort":
            spec["ports"][0]["nodePort"] = 30000 + r.randrange(2768)
        if t != "ClusterIP" and r.random() < 0.1:
            spec["externalIPs"] = ["203.0.113.%d" % r.randrange(1, 255)]
        if r.random() < 0.03:
            spec["selector"] = {"app": "gone-%d" % idx}
        self.add({"apiVersion": "v1", "kind": "Service",
                  "metadata": self.meta("%s-svc" % app if idx >= 0 else app, ns, {"app": app}),
                  "spec": spec})
        return spec["ports"][0]["port"]

    def ingress(self, ns, svc, idx):
        r = self.r
        self.add({"apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
                  "metadata": self.meta("ing-%d" % idx, ns, None,
                                        {"cert-manager.io/cluster-issuer": "letsencrypt"}),
                  "spec": {"ingressClassName": "nginx",
                           "tls": [{"hosts": ["%s.%s.example.com" % (svc, ns)], "secretName": "%s-tls" % svc}],
                           "rules": [{"host": "%s.%s.example.com" % (svc, ns), "http": {"paths": [
                               {"path": "/", "pathType": "Prefix", "backend": {"service": {
                                   "name": svc if r.random() < 0.95 else "missing",
                                   "port": {"number": 80}}}}]}}]}})

    def netpols(self, ns, apps, budget):
        r = self.r
        out = []
        out.append({"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
                    "metadata": self.meta("default-deny", ns),
                    "spec": {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}})
        out.append({"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
                    "metadata": self.meta("allow-dns", ns),
                    "spec": {"podSelector": {}, "policyTypes": ["Egress"], "egress": [{
                        "to": [{"namespaceSelector": {"matchLabels": {
                            "kubernetes.io/metadata.name": "kube-system"}},
                            "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}}}],
                        "ports": [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}]}]}})
        for i, (app, tier, port) in enumerate(apps):
            if len(out) >= budget:
                break
            src = {"frontend": None, "backend": "frontend", "data": "backend"}[tier]
            ing = []
            if src is None:
                ing.append({"from": [{"ipBlock": {"cidr": "0.0.0.0/0", "except": ["10.0.0.0/8", "169.254.169.254/32"]}}],
                            "ports": [{"protocol": "TCP", "port": "http"}]})
            else:
                ing.append({"from": [{"podSelector": {"matchExpressions": [
                    {"key": "tier", "operator": "In", "values": [src]}]}}],
                    "ports": [{"protocol": "TCP", "port": port}]})
            if r.random() < 0.3:
                ing.append({"from": [{"namespaceSelector": {"matchLabels": {"team": "team-%d" % r.randrange(20)}}}],
                            "ports": [{"protocol": "TCP", "port": 9090, "endPort": 9099}]})
            egress = [{"to": [{"podSelector": {"matchLabels": {"tier": "data"}}}]}]
            if r.random() < 0.2:
                egress.append({"to": [{"ipBlock": {"cidr": "10.%d.0.0/16" % r.randrange(256)}}],
                               "ports": [{"protocol": "TCP", "port": 443}]})
            out.append({"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
                        "metadata": self.meta("allow-%s" % app, ns),
                        "spec": {"podSelector": {"matchLabels": {"app": app}},
                                 "policyTypes": ["Ingress", "Egress"], "ingress": ing, "egress": egress}})
        for o in out[:budget]:
            self.add(o)
        return min(len(out), budget)

    def rules(self, n):
        r = self.r
        res = [("", "pods"), ("", "secrets"), ("", "configmaps"), ("", "services"), ("apps", "deployments"),
               ("batch", "jobs"), ("", "pods/exec"), ("", "pods/log"), ("networking.k8s.io", "ingresses"),
               ("", "serviceaccounts/token"), ("*", "*")]
        verbs = ["get", "list", "watch", "create", "update", "patch", "delete"]
        out = []
        for _ in range(n):
            g, rs = r.choice(res[:-1] if r.random() < 0.97 else res[-1:])
            out.append({"apiGroups": [g], "resources": [rs], "verbs": sorted(r.sample(verbs, r.randrange(1, 4)))})
        return out

    def run(self):
        r = self.r
        total = self.total
        n_ns = max(2, total // 100)
        cluster_roles = max(1, total // 200)
        # cluster-scoped first: ClusterRoles (10 % aggregated) and ClusterRoleBindings
        for i in range(cluster_roles):
            if i % 10 == 0:
                self.add({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
                          "metadata": self.meta("agg-%d" % i, None, {"rbac.example.com/aggregate": "true"}),
                          "aggregationRule": {"clusterRoleSelectors": [{"matchLabels": {"agg": str(i)}}]},
                          "rules": []})
            else:
                self.add({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
                          "metadata": self.meta("cr-%d" % i, None, {"agg": str(i - i % 10)}),
                          "rules": self.rules(r.randrange(1, 5))})
        for i in range(cluster_roles):
            subj = r.choice([{"kind": "Group", "name": "team-%d" % r.randrange(20), "apiGroup": "rbac.authorization.k8s.io"},
                             {"kind": "User", "name": "user%d@example.com" % r.randrange(500), "apiGroup": "rbac.authorization.k8s.io"},
                             {"kind": "ServiceAccount", "name": "ops-sa", "namespace": "ns-%03d-x" % r.randrange(n_ns)}])
            self.add({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
                      "metadata": self.meta("crb-%d" % i),
                      "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole",
                                  "name": "cr-%d" % r.choice([j for j in range(cluster_roles) if j % 10] or [0])},
                      "subjects": [subj]})
        per_ns = (total - len(self.objs)) // n_ns
        idx = 0
        for n in range(n_ns):
            if len(self.objs) >= total:
                break
            want = per_ns if n < n_ns - 1 else total - len(self.objs)
            start = len(self.objs)
            ns, level = self.namespace(n)
            apps = []
            # about 35 % workloads, 15 % Services, 3 % Ingresses, ~6 % NetworkPolicies,
            # 8 % ServiceAccounts, 3 % Roles, 5 % RoleBindings, the rest ConfigMaps and Secrets
            n_wl = max(1, want * 35 // 100)
            for _ in range(n_wl):
                kind = r.choice(["Deployment"] * 10 + ["StatefulSet"] * 2 + ["DaemonSet", "Job", "CronJob"] + ["Pod"] * 4)
                self.workload(ns, level, kind, idx, apps)
                idx += 1
            svcs = []
            for (app, tier, port) in apps[: want * 15 // 100]:
                self.service(ns, app, port, idx)
                svcs.append("%s-svc" % app)
            for i, s in enumerate(svcs[: want * 3 // 100]):
                self.ingress(ns, s, i)
            if r.random() < 0.85:
                self.netpols(ns, apps, max(2, want * 6 // 100))
            for i in range(want * 8 // 100):
                app = apps[i % len(apps)][0]
                sa = {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": self.meta("%s-sa" % app, ns)}
                if r.random() < 0.3:
                    sa["automountServiceAccountToken"] = False
                self.add(sa)
            for i in range(want * 3 // 100):
                self.add({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role",
                          "metadata": self.meta("role-%d" % i, ns), "rules": self.rules(r.randrange(1, 4))})
            n_roles = want * 3 // 100
            for i in range(want * 5 // 100):
                if n_roles and r.random() < 0.6:
                    ref = {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "role-%d" % r.randrange(n_roles)}
                else:
                    ref = {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole",
                           "name": r.choice(["view", "edit", "admin", "cr-%d" % r.randrange(1, cluster_roles)])}
                app = apps[r.randrange(len(apps))][0]
                subj = r.choice([{"kind": "ServiceAccount", "name": "%s-sa" % app, "namespace": ns},
                                 {"kind": "ServiceAccount", "name": "%s-sa" % app},
                                 {"kind": "User", "name": "dev%d@example.com" % r.randrange(500), "apiGroup": "rbac.authorization.k8s.io"},
                                 {"kind": "Group", "name": "system:serviceaccounts:%s" % ns, "apiGroup": "rbac.authorization.k8s.io"}])
                self.add({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
                          "metadata": self.meta("rb-%d" % i, ns), "roleRef": ref, "subjects": [subj]})
            i = 0
            while len(self.objs) - start < want:
                app = apps[i % len(apps)][0]
                if i % 3 == 2:
                    self.add({"apiVersion": "v1", "kind": "Secret", "type": "Opaque",
                              "metadata": self.meta("%s-secret-%d" % (app, i), ns),
                              "data": {"password": "c2VjcmV0LXZhbHVlLSVk", "username": "YWRtaW4="}})
                else:
                    self.add({"apiVersion": "v1", "kind": "ConfigMap",
                              "metadata": self.meta("%s-config-%d" % (app, i), ns),
                              "data": {"app.properties": "server.port=%d\nlog.level=info\nfeature.x=%s\n" % (
                                  8080 + i, r.choice(["on", "off"])), "LOG_FORMAT": "json"}})
                i += 1
        return self.objs[:total]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("outdir")
    ap.add_argument("--objects", type=int, default=20000)
    ap.add_argument("--seed", type=int, default=7)
    a = ap.parse_args()
    if a.objects < 200:
        ap.error("--objects must be at least 200")
    objs = Gen(a.seed, a.objects).run()
    os.makedirs(a.outdir, exist_ok=True)
    with open(os.path.join(a.outdir, "cluster.yaml"), "w", encoding="utf-8") as f:
        for o in objs:
            lines = []
            emit(o, 0, lines)
            f.write("---\n")
            f.write("".join(lines))
    with open(os.path.join(a.outdir, "cluster.json"), "w", encoding="utf-8") as f:
        json.dump({"apiVersion": "v1", "kind": "List", "metadata": {"resourceVersion": ""}, "items": objs},
                  f, indent=1)
        f.write("\n")
    counts = {}
    for o in objs:
        counts[o["kind"]] = counts.get(o["kind"], 0) + 1
    with open(os.path.join(a.outdir, "counts.json"), "w", encoding="utf-8") as f:
        json.dump({"objects": len(objs), "kinds": dict(sorted(counts.items()))}, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
