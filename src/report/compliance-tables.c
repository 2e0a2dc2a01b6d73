/* SPDX-License-Identifier: Apache-2.0 */
/*
 * compliance-tables.c — the controls of each framework (compliance.h): titles in our own
 * words, the rules that count against a control beyond the ones citing it, the run kinds
 * that assess it, and what to run (or do) when nothing has. docs/compliance.md is the
 * same table in prose; change both together.
 *
 * Run kinds are what the recording commands store (src/cli/record.c): one run per scanner
 * or check set, so a scan with only some scanners never resolves the findings of others.
 *   scan.vuln, scan.secret, scan.config, scan.signature   bulkhead scan --scanners …
 *   k8s-check.pss, k8s-check.hardening                    bulkhead k8s check --only …
 *   k8s-check.pss-restricted   a k8s-check.pss run at --level restricted
 *   k8s-rbac                   bulkhead k8s rbac
 *   k8s-reach                  bulkhead k8s reach (NetworkPolicy findings BH-K8S-NET-*)
 *   k8s-exposure               bulkhead k8s exposure (assesses no control: exposure is
 *                              by design for some workloads; risk weighs it)
 *   lint                       bulkhead lint (Dockerfile)
 *   admission                  decisions of bulkhead admission serve
 *   runtime                    alerts of bulkhead sensor
 */
#include "report/compliance.h"

#define L(...) ((const char *const[]){__VA_ARGS__, NULL})

#define HOW_VULN   "bulkhead scan IMAGE --scanners vuln --store S"
#define HOW_SECRET "bulkhead scan IMAGE --scanners secret --store S"
#define HOW_CONFIG                                                                                 \
	"bulkhead scan IMAGE --scanners config --store S, or bulkhead lint Dockerfile --store S"
#define HOW_SIGN  "bulkhead scan IMAGE --require-signature --key PUB --store S"
#define HOW_HARD  "bulkhead k8s check MANIFESTS --only hardening --store S"
#define HOW_PSS	  "bulkhead k8s check MANIFESTS --store S"
#define HOW_PSS_R "bulkhead k8s check MANIFESTS --level restricted --store S"
#define HOW_RBAC  "bulkhead k8s rbac MANIFESTS --store S"
#define HOW_REACH "bulkhead k8s reach MANIFESTS --store S"
#define HOW_ADM	  "bulkhead admission serve … --store S (its decisions are recorded)"
#define HOW_RT	  "bulkhead sensor run --store S (its alerts are recorded)"

#define G41 "Image countermeasures"
#define G42 "Registry countermeasures"
#define G43 "Orchestrator countermeasures"
#define G44 "Container countermeasures"
#define G45 "Host OS countermeasures"

static const struct compliance_control_def nist[] = {
    {"4.1.1", G41, "Image vulnerabilities: known-vulnerable components in images", NULL,
     L("scan.vuln"), HOW_VULN, NULL},
    {"4.1.2", G41,
     "Image configuration defects: images built against secure-configuration practice", NULL,
     L("scan.config", "lint"), HOW_CONFIG, NULL},
    {"4.1.3", G41, "Embedded malware in images", NULL, NULL, NULL,
     "bulkhead has no malware scanner (the findings that cite this control are build patterns "
     "that can bring malware in: remote downloads, piping into a shell); scan the layers with "
     "an anti-malware tool"},
    {"4.1.4", G41, "Clear-text secrets embedded in images", NULL, L("scan.secret"), HOW_SECRET,
     NULL},
    {"4.1.5", G41, "Untrusted images: only signed images from trusted sources run", NULL,
     L("scan.signature"), HOW_SIGN, NULL},
    {"4.2.1", G42, "Insecure (unencrypted, unauthenticated) connections to registries", NULL, NULL,
     NULL,
     "bulkhead does not inspect registry client configuration; check that runtimes and "
     "build tools allow no insecure registries"},
    {"4.2.2", G42, "Stale images: deployments use immutable, current image references", NULL,
     L("k8s-check.hardening"), HOW_HARD, NULL},
    {"4.2.3", G42, "Insufficient authentication and authorisation on registries", NULL, NULL, NULL,
     "bulkhead does not audit registry access control; review the registry's authentication, "
     "per-repository write rights and audit logging"},
    {"4.3.1", G43, "Unbounded administrative access to the orchestrator (least privilege)",
     L("BH-K8S-RBAC-*"), L("k8s-rbac"), HOW_RBAC, NULL},
    {"4.3.2", G43, "Unauthorised access: credentials and service-account tokens", NULL,
     L("k8s-check.hardening"), HOW_HARD, NULL},
    {"4.3.3", G43, "Poorly separated inter-container network traffic", NULL, L("k8s-reach"),
     HOW_REACH, NULL},
    {"4.3.4", G43, "Workloads of different sensitivity mixed on the same nodes or namespaces", NULL,
     L("k8s-check.hardening"), HOW_HARD, NULL},
    {"4.3.5", G43, "Orchestrator node trust (node identity, authenticated cluster traffic)", NULL,
     NULL, NULL,
     "bulkhead does not assess node enrolment or cluster-internal TLS; check the cluster's "
     "node authorisation and certificate rotation"},
    {"4.4.1", G44, "Vulnerabilities in the container runtime software", NULL, NULL, NULL,
     "bulkhead does not yet scan the host's runtime (containerd, runc, CRI-O) for known "
     "vulnerabilities; keep them patched through the host's package manager"},
    {"4.4.2", G44, "Unbounded network access from containers (egress control)", NULL,
     L("k8s-reach"), HOW_REACH, NULL},
    {"4.4.3", G44,
     "Insecure container runtime configuration (privileges, capabilities, "
     "root, host access)",
     L("BH-K8S-PSS-*"), L("k8s-check.pss", "k8s-check.hardening", "admission"), HOW_PSS, NULL},
    {"4.4.4", G44, "Application vulnerabilities exploited at run time (runtime detection)",
     L("kind:runtime"), L("runtime"), HOW_RT, NULL},
    {"4.4.5", G44, "Rogue containers: nothing runs without passing policy first", NULL,
     L("admission"), HOW_ADM, NULL},
    {"4.5.1", G45, "Large host attack surface (minimal, container-specific host OS)", NULL, NULL,
     NULL,
     "bulkhead has no host OS check yet; use a minimal container-optimised OS and a host "
     "benchmark"},
    {"4.5.2", G45,
     "Shared kernel: containers must not reach the host kernel's privileged "
     "interfaces",
     NULL, L("k8s-check.hardening"), HOW_HARD, NULL},
    {"4.5.3", G45, "Vulnerabilities in host OS components", NULL, NULL, NULL,
     "bulkhead does not scan the host OS yet (bulkhead scan dir:/ covers an image-like root "
     "file system, not a running host)"},
    {"4.5.4", G45, "Improper user access rights on the host (audited logins and privilege use)",
     NULL, NULL, NULL,
     "bulkhead does not audit host logins; review the host's authentication logs and sudo "
     "policy"},
    {"4.5.5", G45, "Host file system tampering: no writable or sensitive host mounts",
     L("BH-K8S-PSS-004"), L("k8s-check.pss", "k8s-check.hardening"), HOW_PSS, NULL},
};

#define C51 "RBAC and service accounts"
#define C52 "Pod Security Standards"
#define C53 "Network policies and CNI"
#define C54 "Secrets management"
#define C55 "Extensible admission control"
#define C57 "General policies"

#define NO_RBAC_CHECK                                                                              \
	"bulkhead's RBAC analysis has no check for this yet; list the bindings with bulkhead k8s " \
	"who-can"

static const struct compliance_control_def cis[] = {
    {"5.1.1", C51, "cluster-admin is bound only where needed", NULL, L("k8s-rbac"), HOW_RBAC, NULL},
    {"5.1.2", C51, "Access to Secrets is minimal", NULL, L("k8s-rbac"), HOW_RBAC, NULL},
    {"5.1.3", C51, "No wildcards in Roles and ClusterRoles", NULL, L("k8s-rbac"), HOW_RBAC, NULL},
    {"5.1.4", C51, "Permission to create pods is minimal", NULL, L("k8s-rbac"), HOW_RBAC, NULL},
    {"5.1.5", C51, "Default service accounts are not used by workloads", NULL,
     L("k8s-check.hardening"), HOW_HARD, NULL},
    {"5.1.6", C51, "Service account tokens are mounted only where needed", NULL,
     L("k8s-check.hardening", "k8s-rbac"), HOW_HARD, NULL},
    {"5.1.7", C51, "The system:masters group is not used", NULL, NULL, NULL,
     "bulkhead does not inspect client certificates; check that no credential carries the "
     "system:masters group"},
    {"5.1.8", C51, "bind, impersonate and escalate are granted sparingly", NULL, L("k8s-rbac"),
     HOW_RBAC, NULL},
    {"5.1.9", C51, "Permission to create PersistentVolumes is minimal", NULL, NULL, NULL,
     NO_RBAC_CHECK " create persistentvolumes"},
    {"5.1.10", C51, "Access to the nodes/proxy subresource is minimal", L("BH-K8S-RBAC-007"),
     L("k8s-rbac"), HOW_RBAC, NULL},
    {"5.1.11", C51, "Approval of CertificateSigningRequests is minimal", NULL, NULL, NULL,
     NO_RBAC_CHECK " update certificatesigningrequests/approval"},
    {"5.1.12", C51, "Access to webhook configurations is minimal", NULL, NULL, NULL,
     NO_RBAC_CHECK " update validatingwebhookconfigurations"},
    {"5.1.13", C51, "Creation of service account tokens is minimal", L("BH-K8S-RBAC-006"),
     L("k8s-rbac"), HOW_RBAC, NULL},
    {"5.2.1", C52, "At least one policy control mechanism is active", NULL, L("admission"), HOW_ADM,
     NULL},
    {"5.2.2", C52, "Privileged containers are not admitted", NULL,
     L("k8s-check.pss", "k8s-check.hardening"), HOW_PSS, NULL},
    {"5.2.3", C52, "Containers sharing the host PID namespace are not admitted",
     L("BH-K8S-PSS-001~hostPID"), L("k8s-check.pss"), HOW_PSS, NULL},
    {"5.2.4", C52, "Containers sharing the host IPC namespace are not admitted",
     L("BH-K8S-PSS-001~hostIPC"), L("k8s-check.pss"), HOW_PSS, NULL},
    {"5.2.5", C52, "Containers sharing the host network namespace are not admitted",
     L("BH-K8S-PSS-001~hostNetwork"), L("k8s-check.pss"), HOW_PSS, NULL},
    {"5.2.6", C52, "Containers allowing privilege escalation are not admitted", NULL,
     L("k8s-check.pss-restricted", "k8s-check.hardening"), HOW_PSS_R, NULL},
    {"5.2.7", C52, "Root containers are not admitted", NULL,
     L("k8s-check.pss-restricted", "k8s-check.hardening"), HOW_PSS_R, NULL},
    {"5.2.8", C52, "Containers with the NET_RAW capability are not admitted", NULL,
     L("k8s-check.hardening"), HOW_HARD, NULL},
    {"5.2.9", C52, "Containers with added capabilities are not admitted", NULL,
     L("k8s-check.pss", "k8s-check.hardening"), HOW_PSS, NULL},
    {"5.2.10", C52, "Containers keeping capabilities (not dropping ALL) are not admitted", NULL,
     L("k8s-check.pss-restricted", "k8s-check.hardening"), HOW_PSS_R, NULL},
    {"5.2.11", C52, "Windows HostProcess containers are not admitted", NULL, L("k8s-check.pss"),
     HOW_PSS, NULL},
    {"5.2.12", C52, "HostPath volumes are not admitted", NULL,
     L("k8s-check.pss", "k8s-check.hardening"), HOW_PSS, NULL},
    {"5.2.13", C52, "Containers using host ports are not admitted", NULL, L("k8s-check.pss"),
     HOW_PSS, NULL},
    {"5.3.1", C53, "The CNI plugin enforces NetworkPolicies", NULL, NULL, NULL,
     "a property of the running cluster's network plugin, not of manifests; check the CNI's "
     "documentation"},
    {"5.3.2", C53, "Every namespace has NetworkPolicies", NULL, L("k8s-reach"), HOW_REACH, NULL},
    {"5.4.1", C54, "Secrets are mounted as files, not passed in environment variables", NULL,
     L("k8s-check.hardening"), HOW_HARD, NULL},
    {"5.4.2", C54, "An external secret store is considered", NULL, NULL, NULL,
     "an organisational choice bulkhead cannot see in manifests"},
    {"5.5.1", C55, "Image provenance is enforced (immutable, trusted image references)", NULL,
     L("k8s-check.hardening"), HOW_HARD, NULL},
    {"5.7.1", C57, "Namespaces draw administrative boundaries between resources", NULL,
     L("k8s-check.hardening"), HOW_HARD, NULL},
    {"5.7.2", C57, "Pods use the RuntimeDefault (or a stricter) seccomp profile", NULL,
     L("k8s-check.pss-restricted", "k8s-check.hardening"), HOW_PSS_R, NULL},
    {"5.7.3", C57, "Pods and containers carry a security context", NULL, L("k8s-check.hardening"),
     HOW_HARD, NULL},
    {"5.7.4", C57, "The default namespace is not used", NULL, L("k8s-check.hardening"), HOW_HARD,
     NULL},
};

const struct compliance_control_def *compliance_controls(enum compliance_framework fw,
							 size_t *ret_n)
{
	switch (fw) {
	case COMPLIANCE_NIST_800_190:
		*ret_n = ARRAY_SIZE(nist);
		return nist;
	case COMPLIANCE_CIS_K8S:
		*ret_n = ARRAY_SIZE(cis);
		return cis;
	default:
		*ret_n = 0;
		return NULL;
	}
}
