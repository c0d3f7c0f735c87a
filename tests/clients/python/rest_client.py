#!/usr/bin/env python3
"""An Open Inference Protocol (KServe v2) REST client that knows nothing of PinnServe.

Python's standard library only (http.client, json, struct). Given a model and a reference CSV whose header names the
model's inputs and some of its outputs, it checks health, server and model metadata, readiness, inference with JSON
tensors (flat FP32, nested [N, 1], FP64) and with Triton's binary-tensor extension (binary inputs and outputs), the
Triton configuration, statistics and repository index endpoints, and the error answers. It reports the relative L2
error of each output against the CSV. Prints "PASS name" / "FAIL name: why" per check and one JSON line last:
{"passed", "failed", "rel_l2": {output: error}}.

  rest_client.py --address 127.0.0.1:8000 --model cavity-m4 --reference cavity-m4.reference.csv
"""
import argparse
import csv
import http.client
import json
import math
import struct
import sys

OUTPUT = []


def report(name, fn):
    try:
        fn()
        OUTPUT.append("PASS " + name)
    except Exception as e:  # a failed check is reported, the others still run
        OUTPUT.append("FAIL %s: %s" % (name, e))
    print(OUTPUT[-1], flush=True)


class Rest:
    def __init__(self, address):
        host, port = address.rsplit(":", 1)
        self.connection = http.client.HTTPConnection(host, int(port), timeout=120)

    def call(self, method, path, body=None, headers=None):
        """Returns (status, headers, body bytes); one keep-alive connection, as clients use."""
        if isinstance(body, (dict, list)):
            body = json.dumps(body).encode()
            headers = dict(headers or {}, **{"Content-Type": "application/json"})
        self.connection.request(method, path, body=body, headers=headers or {})
        response = self.connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()

    def json(self, method, path, body=None, expect=200):
        status, _, data = self.call(method, path, body)
        assert status == expect, "%s %s: HTTP %d %s" % (method, path, status, data[:300])
        return json.loads(data) if data else None

    def error(self, method, path, body, expect, contains):
        status, headers, data = self.call(method, path, body)
        assert status == expect, "%s %s: HTTP %d (expected %d) %s" % (method, path, status, expect, data[:300])
        message = json.loads(data)["error"]
        assert contains in message, "error %r does not contain %r" % (message, contains)


def rel_l2(predicted, exact):
    num = sum((p - e) ** 2 for p, e in zip(predicted, exact))
    den = sum(e * e for e in exact)
    return math.sqrt(num / den) if den > 0 else math.sqrt(num)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--address", required=True)
    parser.add_argument("--model", required=True)
    parser.add_argument("--reference", required=True)
    args = parser.parse_args()
    rest = Rest(args.address)
    rows = list(csv.DictReader(open(args.reference)))
    model = args.model
    base = "/v2/models/" + model
    meta = {}
    results = {}
    errors = {}

    def health():
        assert rest.call("GET", "/v2/health/live")[0] == 200, "not live"
        assert rest.call("GET", "/v2/health/ready")[0] == 200, "not ready"
        assert rest.call("GET", base + "/ready")[0] == 200, "model not ready"
        status = rest.call("GET", "/v2/models/no-such-model/ready")[0]
        assert 400 <= status < 500, "unknown model ready: HTTP %d" % status

    def server_metadata():
        server = rest.json("GET", "/v2")
        assert server["name"], "no server name"
        for extension in ("binary_tensor_data", "model_configuration", "statistics", "model_repository"):
            assert extension in server["extensions"], "extension %s missing from %s" % (extension, server["extensions"])

    def model_metadata():
        m = rest.json("GET", base)
        assert m["name"] == model and m["versions"], m
        meta["inputs"] = [t["name"] for t in m["inputs"]]
        meta["outputs"] = [t["name"] for t in m["outputs"]]
        assert all(t["datatype"] == "FP32" for t in m["inputs"] + m["outputs"]), m
        assert all("FP64" in t["parameters"]["accepted_datatypes"] for t in m["inputs"]), m
        assert rest.json("GET", "%s/versions/%s" % (base, m["versions"][0]))["name"] == model

    def columns():
        return {name: [float(r[name]) for r in rows] for name in meta["inputs"]}

    def infer_json_fp32():
        cols = columns()
        n = len(rows)
        body = {"id": "json-fp32", "inputs": [{"name": k, "datatype": "FP32", "shape": [n], "data": v} for k, v in cols.items()]}
        r = rest.json("POST", base + "/infer", body)
        assert r["id"] == "json-fp32" and r["model_name"] == model, r.get("id")
        assert [o["name"] for o in r["outputs"]] == meta["outputs"], r["outputs"]
        for o in r["outputs"]:
            assert o["shape"] == [n] and o["datatype"] == "FP32" and len(o["data"]) == n, (o["name"], o["shape"])
            results[o["name"]] = o["data"]
        for name in meta["outputs"]:
            if name in rows[0]:
                errors[name] = rel_l2(results[name], [float(r[name]) for r in rows])

    def infer_json_nested_fp64():
        cols = columns()
        n = len(rows)
        first = meta["outputs"][0]
        body = {"inputs": [{"name": k, "datatype": "FP64", "shape": [n, 1], "data": [[x] for x in v]} for k, v in cols.items()],
                "outputs": [{"name": first}]}
        r = rest.json("POST", base + "/infer", body)
        out = r["outputs"]
        assert len(out) == 1 and out[0]["name"] == first and out[0]["shape"] == [n, 1] and out[0]["datatype"] == "FP64", out[0]["shape"]
        worst = max(abs(a - b) for a, b in zip(out[0]["data"], results[first]))
        assert worst <= 1e-6 * max(1.0, max(abs(v) for v in results[first])), "FP64 differs from FP32 by %g" % worst

    def infer_binary():
        cols = columns()
        n = len(rows)
        inputs, blob = [], b""
        for k, v in cols.items():
            data = struct.pack("<%df" % n, *v)
            inputs.append({"name": k, "datatype": "FP32", "shape": [n], "parameters": {"binary_data_size": len(data)}})
            blob += data
        header = json.dumps({"inputs": inputs, "outputs": [{"name": o, "parameters": {"binary_data": True}} for o in meta["outputs"]]}).encode()
        status, headers, data = rest.call("POST", base + "/infer", header + blob,
                                          {"Inference-Header-Content-Length": str(len(header)), "Content-Type": "application/octet-stream"})
        assert status == 200, "HTTP %d %s" % (status, data[:300])
        length = int(headers["Inference-Header-Content-Length"])
        r = json.loads(data[:length])
        offset = length
        for o in r["outputs"]:
            size = o["parameters"]["binary_data_size"]
            assert "data" not in o and size == 4 * n, o
            values = struct.unpack("<%df" % n, data[offset:offset + size])
            offset += size
            # JSON carries the float32 value in decimal: parsing it back gives the same float32.
            assert all(struct.pack("<f", a) == struct.pack("<f", b) for a, b in zip(values, results[o["name"]])), o["name"] + " differs"
        assert offset == len(data), "trailing bytes"

    def infer_binary_output_parameter():
        n = 3
        body = {"parameters": {"binary_data_output": True},
                "inputs": [{"name": k, "datatype": "FP32", "shape": [n], "data": [0.5] * n} for k in meta["inputs"]]}
        status, headers, data = rest.call("POST", base + "/infer", body)
        assert status == 200 and "Inference-Header-Content-Length" in headers, "HTTP %d %s" % (status, headers)
        length = int(headers["Inference-Header-Content-Length"])
        r = json.loads(data[:length])
        assert len(data) == length + 4 * n * len(r["outputs"]), "binary section size"

    def config_and_statistics():
        config = rest.json("GET", base + "/config")
        assert config["name"] == model and config["max_batch_size"] > 0, config
        assert [i["name"] for i in config["input"]] == meta["inputs"], config["input"]
        assert all(i["data_type"] == "TYPE_FP32" and i["dims"] == ["1"] for i in config["input"]), config["input"]
        stats = rest.json("GET", base + "/stats")["model_stats"]
        assert stats and stats[0]["name"] == model, stats
        assert int(stats[0]["inference_count"]) >= 2 * len(rows), stats[0]["inference_count"]
        assert int(stats[0]["inference_stats"]["success"]["count"]) >= 3, stats[0]["inference_stats"]
        every = rest.json("GET", "/v2/models/stats")["model_stats"]
        assert model in [s["name"] for s in every], "all-model statistics lack the model"

    def repository_index():
        index = rest.json("POST", "/v2/repository/index", {})
        entry = [m for m in index if m["name"] == model]
        assert entry and entry[0]["state"] == "READY", entry
        ready = rest.json("POST", "/v2/repository/index", {"ready": True})
        assert all(m["state"] == "READY" for m in ready), ready

    def errors_are_json_with_http_statuses():
        one = lambda name, dt="FP32": {"name": name, "datatype": dt, "shape": [1], "data": [0.5]}
        good = [one(k) for k in meta["inputs"]]
        rest.error("POST", "/v2/models/no-such-model/infer", {"inputs": good}, 404, "no-such-model")
        rest.error("POST", base + "/versions/999/infer", {"inputs": good}, 404, "999")
        rest.error("POST", base + "/infer", b"{not json", 400, "not valid JSON")
        rest.error("POST", base + "/infer", {"inputs": good + [one("zz")]}, 400, "zz")
        rest.error("POST", base + "/infer", {"inputs": [one(k, "INT32") for k in meta["inputs"]]}, 400, "INT32")
        short = [dict(one(k), shape=[2]) for k in meta["inputs"]]
        rest.error("POST", base + "/infer", {"inputs": short}, 400, "needs 2")
        rest.error("POST", base + "/infer", {"inputs": good, "outputs": [{"name": "nope"}]}, 400, "nope")
        rest.error("POST", base + "/infer", {"inputs": [dict(one(k), data=["a"]) for k in meta["inputs"]]}, 400, "string")
        rest.error("GET", "/v2/no/such/path", None, 404, "No such endpoint")
        rest.error("POST", "/v2/repository/models/%s/unload" % model, {}, 403, "--model-control")
        # Still serving after all of that.
        assert rest.call("GET", base + "/ready")[0] == 200

    report("health", health)
    report("server metadata and extensions", server_metadata)
    report("model metadata", model_metadata)
    if "inputs" in meta:
        report("infer JSON FP32", infer_json_fp32)
        if results:
            report("infer JSON nested [N, 1] FP64 with one output", infer_json_nested_fp64)
            report("infer binary tensors", infer_binary)
        report("infer binary_data_output", infer_binary_output_parameter)
        report("config and statistics", config_and_statistics)
        report("repository index", repository_index)
        report("errors", errors_are_json_with_http_statuses)
    failed = sum(1 for line in OUTPUT if line.startswith("FAIL"))
    print(json.dumps({"passed": len(OUTPUT) - failed, "failed": failed, "rel_l2": errors}))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
