#!/usr/bin/env python3
"""Cross-checks the deployment files in deploy/ without a cluster: they parse, and the ports, names, probe
services and flags that must agree with each other and with the server do. Prints one line per check
("ok ..." or "FAIL ...") and a JSON summary last; exits 1 on any failure.

  python3 tests/deploy/check_manifests.py --repo . [--serve-flags --models,--address,...] [--metrics a,b]
"""
import argparse
import json
import sys

import yaml

results = []


def check(name, condition, detail=""):
    results.append((name, bool(condition)))
    print(("ok   " if condition else "FAIL ") + name + ("" if condition else f": {detail}"))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repo", required=True)
    parser.add_argument("--serve-flags", default="", help="comma-separated flags `pinn serve` accepts")
    parser.add_argument("--health-service", default="pinnserve.v1.FieldService")
    parser.add_argument("--metrics", default="", help="comma-separated metric names the server exports")
    args = parser.parse_args()

    with open(f"{args.repo}/deploy/kubernetes/pinnserve.yaml") as f:
        docs = [d for d in yaml.safe_load_all(f) if d]
    with open(f"{args.repo}/deploy/envoy/envoy.yaml") as f:
        envoy = yaml.safe_load(f)
    kinds = {d["kind"]: d for d in docs if d["kind"] != "Service"}
    services = {d["metadata"]["name"]: d for d in docs if d["kind"] == "Service"}
    for kind in ["Namespace", "PersistentVolumeClaim", "Deployment", "HorizontalPodAutoscaler"]:
        check(f"manifest has a {kind}", kind in kinds, "missing")
    namespace = kinds["Namespace"]["metadata"]["name"]
    check("every object is in the namespace", all(d["metadata"].get("namespace", namespace) == namespace for d in docs))

    deployment = kinds["Deployment"]
    pod = deployment["spec"]["template"]
    container = pod["spec"]["containers"][0]
    argv = container["args"]
    options = {argv[i]: argv[i + 1] for i in range(1, len(argv) - 1) if argv[i].startswith("--")}
    check("container runs `pinn serve`", argv[0] == "serve", argv[0])
    # Kubernetes appends args to the image's ENTRYPOINT unless command replaces it, and the image's ENTRYPOINT
    # (docker/Dockerfile.server) already ends in `serve ...`: without command the flags would be given twice.
    check("command replaces the image's entrypoint with the bare pinn executable",
          container.get("command") == ["dotnet", "/app/pinn.dll"], container.get("command"))
    with open(f"{args.repo}/docker/Dockerfile.server") as f:
        dockerfile = f.read()
    check("the image has pinn at /app/pinn.dll", "/app/pinn.dll" in dockerfile)
    if args.serve_flags:
        known = set(args.serve_flags.split(","))
        unknown = [a for a in argv if a.startswith("--") and a not in known]
        check("every flag is one `pinn serve` has", not unknown, f"unknown {unknown}")
    ports = {p["name"]: p["containerPort"] for p in container["ports"]}
    grpc_port = int(options["--address"].rsplit(":", 1)[1])
    metrics_port = int(options["--metrics-address"].rsplit(":", 1)[1])
    check("--address listens on all interfaces", options["--address"].startswith("0.0.0.0:"), options["--address"])
    check("grpc containerPort matches --address", ports.get("grpc") == grpc_port, f"{ports} vs {grpc_port}")
    check("metrics containerPort matches --metrics-address", ports.get("metrics") == metrics_port, f"{ports} vs {metrics_port}")
    check("scrape annotation port matches", pod["metadata"]["annotations"]["prometheus.io/port"] == str(metrics_port))
    for probe in ["livenessProbe", "readinessProbe", "startupProbe"]:
        spec = container[probe].get("grpc", {})
        check(f"{probe} is a gRPC health probe on the gRPC port", spec.get("port") == grpc_port, spec)
    check("readiness asks the FieldService health status", container["readinessProbe"]["grpc"].get("service") == args.health_service)
    check("liveness asks the overall status", container["livenessProbe"]["grpc"].get("service", "") == "")
    mounts = {m["name"]: m for m in container["volumeMounts"]}
    volumes = {v["name"]: v for v in pod["spec"]["volumes"]}
    models = next((m for m in mounts.values() if m["mountPath"] == options["--models"]), None)
    check("--models is a mounted volume", models is not None, options["--models"])
    if models:
        check("the model volume is mounted read-only", models.get("readOnly") is True)
        claim = volumes[models["name"]]["persistentVolumeClaim"]["claimName"]
        check("the model volume is the shared claim", claim == kinds["PersistentVolumeClaim"]["metadata"]["name"], claim)
        check("the claim can be read by many pods", "ReadOnlyMany" in kinds["PersistentVolumeClaim"]["spec"]["accessModes"])
    labels = pod["metadata"]["labels"]
    check("the deployment selects its pods", deployment["spec"]["selector"]["matchLabels"].items() <= labels.items())
    for name, service in services.items():
        check(f"service {name} selects the pods", service["spec"]["selector"].items() <= labels.items())
        for port in service["spec"]["ports"]:
            check(f"service {name} targets a named container port", port["targetPort"] in ports, port["targetPort"])
    headless = [s for s in services.values() if s["spec"].get("clusterIP") == "None"]
    check("a headless service lists every pod for per-call balancing", len(headless) == 1)

    hpa = kinds["HorizontalPodAutoscaler"]
    target = hpa["spec"]["scaleTargetRef"]
    check("the HPA scales the deployment", (target["kind"], target["name"]) == ("Deployment", deployment["metadata"]["name"]))
    check("the HPA has at least two replicas", hpa["spec"]["minReplicas"] >= 2)
    pod_metrics = [m["pods"]["metric"]["name"] for m in hpa["spec"]["metrics"] if m["type"] == "Pods"]
    check("the HPA scales on a served-load metric", pod_metrics == ["pinnserve_points_per_second"], pod_metrics)
    with open(f"{args.repo}/deploy/kubernetes/prometheus-adapter-values.yaml") as f:
        adapter = yaml.safe_load(f)["rules"]["custom"]
    names = {r["name"]["as"]: r["seriesQuery"].split("{")[0] for r in adapter}
    check("the adapter defines the HPA's metric", all(m in names for m in pod_metrics), sorted(names))
    if args.metrics:
        exported = set(args.metrics.split(","))
        sources = [names.get(m) for m in pod_metrics]
        check("the adapter's source series are exported by the server", all(s in exported for s in sources), f"{sources} not in {sorted(exported)}")

    cluster = envoy["static_resources"]["clusters"][0]
    route = envoy["static_resources"]["listeners"][0]["filter_chains"][0]["filters"][0]["typed_config"]["route_config"]
    address = cluster["load_assignment"]["endpoints"][0]["lb_endpoints"][0]["endpoint"]["address"]["socket_address"]
    service = headless[0]["metadata"]["name"] if headless else "?"
    check("envoy resolves the headless service", address["address"] == f"{service}.{namespace}.svc.cluster.local", address["address"])
    check("envoy connects to the gRPC port", address["port_value"] == grpc_port, address["port_value"])
    check("envoy re-resolves DNS (scaling)", cluster["type"] == "STRICT_DNS")
    options_http = cluster["typed_extension_protocol_options"]["envoy.extensions.upstreams.http.v3.HttpProtocolOptions"]
    check("envoy speaks HTTP/2 upstream", "http2_protocol_options" in options_http["explicit_http_config"])
    check("envoy health-checks the same service as readiness",
          cluster["health_checks"][0]["grpc_health_check"]["service_name"] == args.health_service)
    routes = route["virtual_hosts"][0]["routes"]
    check("every route goes to the cluster", all(r["route"]["cluster"] == cluster["name"] for r in routes))
    check("streams are not cut by a route time-out", all(r["route"].get("timeout") == "0s" for r in routes))

    failed = sum(1 for _, ok in results if not ok)
    print(json.dumps({"passed": len(results) - failed, "failed": failed}))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
