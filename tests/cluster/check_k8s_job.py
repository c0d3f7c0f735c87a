#!/usr/bin/python3
"""Checks a Kubernetes manifest that `pinn sweep --executor kubernetes` wrote against the Kubernetes API types:
every object is deserialized strictly into the models of Debian's python3-kubernetes (an unknown or misspelt
field, a wrong type or a missing required field is an error, where the client's own deserializer would drop it),
then the Indexed Job's own rules are checked. Prints "ok ..." / "FAIL ..." lines and exits 1 on any failure.

  /usr/bin/python3 tests/cluster/check_k8s_job.py MANIFEST.yaml [--completions N] [--gpu] [--claim NAME]

Debian 12's python3-kubernetes is 22.6.0: the models of Kubernetes 1.22. Fields of batch/v1 Job that Kubernetes
added later and that the Job uses (backoffLimitPerIndex, 1.28/GA 1.33; podFailurePolicy, 1.25/GA 1.31) are typed
below from the Kubernetes API reference (v1.33) and checked just as strictly; everything else comes from the models.
"""
import argparse
import re
import sys

import yaml

try:
    from kubernetes.client import models
except ImportError:
    sys.exit("python3-kubernetes is missing: apt-get install python3-kubernetes (listed in .ci/apt-packages.txt); "
             "run this script with Debian's /usr/bin/python3")

# Later fields of existing models: {model: {jsonName: type}} (types in the models' own notation).
EXTENSION_FIELDS = {
    "V1JobSpec": {
        "backoffLimitPerIndex": "int",
        "maxFailedIndexes": "int",
        "podFailurePolicy": "V1PodFailurePolicy",
        "podReplacementPolicy": "str",
    },
}
# Later models: {model: {jsonName: (type, required)}}.
EXTENSION_MODELS = {
    "V1PodFailurePolicy": {"rules": ("list[V1PodFailurePolicyRule]", True)},
    "V1PodFailurePolicyRule": {
        "action": ("str", True),
        "onExitCodes": ("V1PodFailurePolicyOnExitCodesRequirement", False),
        "onPodConditions": ("list[V1PodFailurePolicyOnPodConditionsPattern]", False),
    },
    "V1PodFailurePolicyOnExitCodesRequirement": {
        "containerName": ("str", False),
        "operator": ("str", True),
        "values": ("list[int]", True),
    },
    "V1PodFailurePolicyOnPodConditionsPattern": {"type": ("str", True), "status": ("str", False)},
}
ENUMS = {
    ("V1PodFailurePolicyRule", "action"): {"FailJob", "FailIndex", "Ignore", "Count"},
    ("V1PodFailurePolicyOnExitCodesRequirement", "operator"): {"In", "NotIn"},
    ("V1PodFailurePolicyOnPodConditionsPattern", "status"): {"True", "False", "Unknown"},
    ("V1JobSpec", "completionMode"): {"NonIndexed", "Indexed"},
    ("V1JobSpec", "podReplacementPolicy"): {"TerminatingOrFailed", "Failed"},
    ("V1PodSpec", "restartPolicy"): {"Always", "OnFailure", "Never"},
}
KINDS = {("batch/v1", "Job"): "V1Job", ("v1", "PersistentVolumeClaim"): "V1PersistentVolumeClaim",
         ("v1", "Service"): "V1Service", ("v1", "Namespace"): "V1Namespace"}

results = []


def check(name, condition, detail=""):
    results.append(bool(condition))
    print(("ok   " if condition else "FAIL ") + name + ("" if condition else f": {detail}"))


class Invalid(Exception):
    pass


def snake(name):
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def strict(data, type_name, path):
    """Deserializes data as type_name, refusing what the API type does not have; returns the model object."""
    if type_name == "str":
        if not isinstance(data, str):
            raise Invalid(f"{path}: expected a string, got {type(data).__name__} {data!r}")
        return data
    if type_name == "int":
        if isinstance(data, bool) or not isinstance(data, int):
            raise Invalid(f"{path}: expected an integer, got {data!r}")
        return data
    if type_name == "float":
        if isinstance(data, bool) or not isinstance(data, (int, float)):
            raise Invalid(f"{path}: expected a number, got {data!r}")
        return data
    if type_name == "bool":
        if not isinstance(data, bool):
            raise Invalid(f"{path}: expected true or false, got {data!r}")
        return data
    if type_name in ("object", "datetime", "date"):
        return data  # IntOrString, Quantity, free-form
    if type_name.startswith("list["):
        if not isinstance(data, list):
            raise Invalid(f"{path}: expected a list, got {data!r}")
        inner = type_name[5:-1]
        return [strict(item, inner, f"{path}[{i}]") for i, item in enumerate(data)]
    if type_name.startswith("dict("):
        if not isinstance(data, dict):
            raise Invalid(f"{path}: expected a map, got {data!r}")
        inner = type_name[type_name.index(",") + 1:-1].strip()
        return {key: strict(value, inner, f"{path}.{key}") for key, value in data.items()}
    if not isinstance(data, dict):
        raise Invalid(f"{path}: expected an object ({type_name}), got {data!r}")
    if type_name in EXTENSION_MODELS:
        fields = EXTENSION_MODELS[type_name]
        for key in data:
            if key not in fields:
                raise Invalid(f"{path}: unknown field '{key}' (not in {type_name})")
        for key, (field_type, required) in fields.items():
            if required and data.get(key) is None:
                raise Invalid(f"{path}: required field '{key}' of {type_name} is missing")
        out = {}
        for key, value in data.items():
            out[key] = strict(value, fields[key][0], f"{path}.{key}")
            allowed = ENUMS.get((type_name, key))
            if allowed is not None and value not in allowed:
                raise Invalid(f"{path}.{key}: '{value}' is not one of {sorted(allowed)}")
        return out
    cls = getattr(models, type_name, None)
    if cls is None:
        raise Invalid(f"{path}: the client has no model {type_name}")
    json_to_attr = {json_name: attr for attr, json_name in cls.attribute_map.items()}
    extension = EXTENSION_FIELDS.get(type_name, {})
    kwargs, later = {}, {}
    for key, value in data.items():
        if key in json_to_attr:
            attr = json_to_attr[key]
            kwargs[attr] = strict(value, cls.openapi_types[attr], f"{path}.{key}")
        elif key in extension:
            later[key] = strict(value, extension[key], f"{path}.{key}")
        else:
            raise Invalid(f"{path}: unknown field '{key}' (not in {type_name} of the Kubernetes API)")
        allowed = ENUMS.get((type_name, key))
        if allowed is not None and value not in allowed:
            raise Invalid(f"{path}.{key}: '{value}' is not one of {sorted(allowed)}")
    try:
        obj = cls(**kwargs)  # the model's setters refuse a missing required field
    except ValueError as e:
        raise Invalid(f"{path}: {e}")
    for key, value in later.items():
        setattr(obj, "_ext_" + snake(key), value)
    return obj


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("manifest")
    parser.add_argument("--completions", type=int)
    parser.add_argument("--gpu", action="store_true")
    parser.add_argument("--claim")
    args = parser.parse_args()
    with open(args.manifest) as f:
        docs = [d for d in yaml.safe_load_all(f) if d is not None]
    check("the manifest holds objects", docs, "empty")
    jobs = []
    for i, doc in enumerate(docs):
        model = KINDS.get((doc.get("apiVersion"), doc.get("kind")))
        if model is None:
            check(f"object {i} has a known apiVersion/kind", False, f"{doc.get('apiVersion')}/{doc.get('kind')}")
            continue
        try:
            obj = strict(doc, model, f"{doc.get('kind')}")
            check(f"{doc['kind']} {doc.get('metadata', {}).get('name')} deserializes strictly as {model}", True)
            if model == "V1Job":
                jobs.append((doc, obj))
        except Invalid as e:
            check(f"object {i} deserializes strictly as {model}", False, str(e))
    for doc, job in jobs:
        spec, raw = job.spec, doc["spec"]
        name = job.metadata.name
        check("the Job's name is a DNS-1123 label", re.fullmatch(r"[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?", name or ""), name)
        check("completionMode is Indexed", spec.completion_mode == "Indexed", spec.completion_mode)
        check("completions is set (Indexed Jobs need it)", isinstance(spec.completions, int) and spec.completions >= 1, spec.completions)
        if args.completions is not None:
            check(f"completions is {args.completions}", spec.completions == args.completions, spec.completions)
        check("1 <= parallelism <= completions", spec.parallelism is not None and 1 <= spec.parallelism <= spec.completions, spec.parallelism)
        check("backoffLimitPerIndex is set (one failing trial does not fail the study)",
              isinstance(raw.get("backoffLimitPerIndex"), int) and raw["backoffLimitPerIndex"] >= 0, raw.get("backoffLimitPerIndex"))
        pod = spec.template.spec
        check("restartPolicy is Never (required by podFailurePolicy and backoffLimitPerIndex)", pod.restart_policy == "Never", pod.restart_policy)
        containers = {c.name: c for c in pod.containers}
        for rule in raw.get("podFailurePolicy", {}).get("rules", []):
            codes = rule.get("onExitCodes")
            check("a pod failure rule names exactly one of onExitCodes/onPodConditions",
                  (codes is None) != (rule.get("onPodConditions") is None), rule)
            if rule["action"] == "FailIndex":
                check("FailIndex comes with backoffLimitPerIndex", "backoffLimitPerIndex" in raw)
            if codes:
                check("onExitCodes names a container of the pod", codes.get("containerName") in containers, codes.get("containerName"))
                check("onExitCodes In does not list 0", not (codes["operator"] == "In" and 0 in codes["values"]), codes["values"])
        container = next(iter(containers.values()))
        text = " ".join((container.command or []) + (container.args or []))
        check("the container picks its trial by JOB_COMPLETION_INDEX", "JOB_COMPLETION_INDEX" in text, text)
        check("the container runs `pinn run-trial`", "run-trial" in text, text)
        requests = (container.resources.requests or {}) if container.resources else {}
        limits = (container.resources.limits or {}) if container.resources else {}
        check("CPU and memory are requested", "cpu" in requests and "memory" in requests, requests)
        try:
            from kubernetes.utils import parse_quantity
            for key, value in {**requests, **limits}.items():
                parse_quantity(value)
            check("every resource quantity parses", True)
        except ImportError:
            check("every resource quantity parses", all(re.fullmatch(r"[0-9.]+[A-Za-z]*", str(v)) for v in {**requests, **limits}.values()))
        except ValueError as e:
            check("every resource quantity parses", False, str(e))
        if args.gpu:
            check("a GPU is a limit of nvidia.com/gpu: 1", str(limits.get("nvidia.com/gpu")) == "1", limits)
        else:
            check("no GPU is asked for", "nvidia.com/gpu" not in limits and "nvidia.com/gpu" not in requests, limits)
        volumes = {v.name: v for v in pod.volumes or []}
        mounts = container.volume_mounts or []
        claims = [volumes[m.name].persistent_volume_claim for m in mounts if m.name in volumes and volumes[m.name].persistent_volume_claim]
        check("the run root is a mounted PersistentVolumeClaim", len(claims) == 1, [m.name for m in mounts])
        if args.claim and claims:
            check(f"the claim is {args.claim}", claims[0].claim_name == args.claim, claims[0].claim_name)
        mount_path = next((m.mount_path for m in mounts if m.name in volumes and volumes[m.name].persistent_volume_claim), "")
        check("the trial list is read from the mounted claim", mount_path and mount_path in text, f"{mount_path} vs {text}")
    failed = results.count(False)
    print(f"{len(results) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
