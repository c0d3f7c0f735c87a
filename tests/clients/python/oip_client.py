#!/usr/bin/env python3
"""An Open Inference Protocol (KServe v2) client that knows nothing of PinnServe.

It speaks only inference.GRPCInferenceService, from the spec's grpc_service.proto compiled at run time with
grpc_tools.protoc (Debian python3-grpc-tools), over the official gRPC Python runtime (python3-grpcio). Given a
model name and a reference CSV whose header names the model's inputs and some of its outputs, it discovers the
tensors with ModelMetadata, evaluates every reference point with ModelInfer (typed FP32, raw FP32, typed FP64),
and reports the relative L2 error of each output against the CSV. Prints "PASS name" / "FAIL name: why" per
check and one JSON line last: {"passed", "failed", "rel_l2": {output: error}}.

  oip_client.py --address 127.0.0.1:50051 --proto protos/inference/grpc_service.proto --model cavity-m4 --reference cavity-m4.reference.csv
"""
import argparse
import csv
import json
import math
import os
import shutil
import struct
import sys
import tempfile

import grpc
from grpc_tools import protoc

OUTPUT = []


def report(name, fn):
    try:
        fn()
        OUTPUT.append("PASS " + name)
    except Exception as e:  # a failed check is reported, the others still run
        OUTPUT.append("FAIL %s: %s" % (name, e))
    print(OUTPUT[-1], flush=True)


def compile_proto(proto, out_dir):
    include = os.path.dirname(os.path.dirname(os.path.abspath(proto)))  # the protos import each other from this root
    folder = os.path.dirname(os.path.abspath(proto))
    siblings = [os.path.relpath(os.path.join(folder, f), include) for f in sorted(os.listdir(folder)) if f.endswith(".proto")]
    rc = protoc.main(["protoc", "-I" + include, "--python_out=" + out_dir, "--grpc_python_out=" + out_dir] + siblings)
    if rc != 0:
        raise RuntimeError("grpc_tools.protoc failed with exit code %d" % rc)
    package = os.path.basename(os.path.dirname(os.path.abspath(proto)))
    open(os.path.join(out_dir, package, "__init__.py"), "a").close()
    sys.path.insert(0, out_dir)
    module = os.path.splitext(os.path.basename(proto))[0]
    return (__import__("%s.%s_pb2" % (package, module), fromlist=["x"]),
            __import__("%s.%s_pb2_grpc" % (package, module), fromlist=["x"]))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--address", required=True)
    parser.add_argument("--proto", required=True)
    parser.add_argument("--model", required=True)
    parser.add_argument("--reference", required=True)
    args = parser.parse_args()
    work = tempfile.mkdtemp(prefix="oip-client-")
    rel_l2 = {}
    try:
        pb, pb_grpc = compile_proto(args.proto, work)
        run(args, pb, pb_grpc, rel_l2)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    failed = sum(1 for line in OUTPUT if line.startswith("FAIL"))
    print(json.dumps({"passed": len(OUTPUT) - failed, "failed": failed, "rel_l2": rel_l2}))
    return 1 if failed else 0


def run(args, pb, pb_grpc, rel_l2):
    channel = grpc.insecure_channel(args.address, options=[("grpc.max_receive_message_length", 64 << 20)])
    stub = pb_grpc.GRPCInferenceServiceStub(channel)
    rows = list(csv.DictReader(open(args.reference)))
    meta = {}

    def server():
        assert stub.ServerLive(pb.ServerLiveRequest()).live, "not live"
        assert stub.ServerReady(pb.ServerReadyRequest()).ready, "not ready"
        assert stub.ServerMetadata(pb.ServerMetadataRequest()).name, "no server name"
    report("server_live_ready_metadata", server)

    def metadata():
        m = stub.ModelMetadata(pb.ModelMetadataRequest(name=args.model))
        assert m.name == args.model, m.name
        assert m.versions, "no versions"
        meta["inputs"] = [t.name for t in m.inputs]
        meta["outputs"] = [t.name for t in m.outputs]
        for t in list(m.inputs) + list(m.outputs):
            assert t.datatype == "FP32" and list(t.shape) == [-1], (t.name, t.datatype, list(t.shape))
        missing = [n for n in meta["inputs"] if n not in rows[0]]
        assert not missing, "reference has no column for inputs %s" % missing
        assert stub.ModelReady(pb.ModelReadyRequest(name=args.model)).ready, "model not ready"
    report("model_metadata_and_ready", metadata)
    if "inputs" not in meta:
        return
    inputs, outputs = meta["inputs"], meta["outputs"]
    compared = [o for o in outputs if o in rows[0]]
    n = len(rows)
    columns = {name: [float(r[name]) for r in rows] for name in inputs + compared}

    def infer(datatype, raw):
        request = pb.ModelInferRequest(model_name=args.model, id="ref")
        for name in inputs:
            tensor = request.inputs.add(name=name, datatype=datatype, shape=[n])
            if raw:
                request.raw_input_contents.append(struct.pack("<%d%s" % (n, "f" if datatype == "FP32" else "d"), *columns[name]))
            elif datatype == "FP32":
                tensor.contents.fp32_contents.extend(columns[name])
            else:
                tensor.contents.fp64_contents.extend(columns[name])
        response = stub.ModelInfer(request)
        assert response.id == "ref" and response.model_name == args.model
        result = {}
        for i, out in enumerate(response.outputs):
            assert list(out.shape) == [n] and out.datatype == datatype, (out.name, list(out.shape), out.datatype)
            if response.raw_output_contents:
                code = "f" if datatype == "FP32" else "d"
                result[out.name] = list(struct.unpack("<%d%s" % (n, code), response.raw_output_contents[i]))
            else:
                result[out.name] = list(out.contents.fp32_contents if datatype == "FP32" else out.contents.fp64_contents)
        assert sorted(result) == sorted(outputs), sorted(result)
        return result

    answers = {}

    def typed():
        answers["typed"] = infer("FP32", raw=False)
        for name in compared:
            predicted, exact = answers["typed"][name], columns[name]
            num = math.sqrt(sum((p - e) ** 2 for p, e in zip(predicted, exact)))
            den = math.sqrt(sum(e * e for e in exact))
            rel_l2[name] = num / den if den > 0 else num
            assert math.isfinite(rel_l2[name]), name
    report("model_infer_typed_fp32_against_reference", typed)

    def raw():
        values = infer("FP32", raw=True)
        assert values == answers["typed"], "raw FP32 answers differ from typed ones"
    report("model_infer_raw_fp32_same_as_typed", raw)

    def fp64():
        values = infer("FP64", raw=False)
        # The server rounds FP64 coordinates to FP32; those are the FP32 request's coordinates, so the answers match.
        for name in outputs:
            assert values[name] == answers["typed"][name], name
    report("model_infer_fp64_same_as_fp32", fp64)

    def subset():
        request = pb.ModelInferRequest(model_name=args.model)
        for name in inputs:
            request.inputs.add(name=name, datatype="FP32", shape=[1]).contents.fp32_contents.append(columns[name][0])
        request.outputs.add(name=outputs[-1])
        response = stub.ModelInfer(request)
        assert [o.name for o in response.outputs] == [outputs[-1]]
        assert list(response.outputs[0].contents.fp32_contents) == [answers["typed"][outputs[-1]][0]]
    report("model_infer_requested_output_only", subset)

    def errors():
        for request, code in [
            (pb.ModelInferRequest(model_name="no-such-model"), grpc.StatusCode.NOT_FOUND),
            (pb.ModelInferRequest(model_name=args.model, inputs=[pb.ModelInferRequest.InferInputTensor(name="nope", datatype="FP32", shape=[1])]),
             grpc.StatusCode.INVALID_ARGUMENT),
        ]:
            try:
                stub.ModelInfer(request)
                raise AssertionError("%s succeeded" % request.model_name)
            except grpc.RpcError as e:
                assert e.code() == code, (e.code(), e.details())
    report("model_infer_errors", errors)


if __name__ == "__main__":
    sys.exit(main())
