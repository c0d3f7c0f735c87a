#!/usr/bin/env python3
"""The Triton extensions of inference.GRPCInferenceService, checked by a client that knows nothing of PinnServe.

Stubs are compiled at run time (grpc_tools.protoc, Debian python3-grpc-tools) from the repository's
protos/inference/*.proto, which are written from Triton's public grpc_service.proto and model_config.proto; calls go
through the official gRPC Python runtime (python3-grpcio). It expects a server over a repository with model
MODEL in versions 1..3 under a config.pbtxt (latest 2 versions, max_batch_size 512), a model that fails to load, and
model control on. Prints "PASS name" / "FAIL name: why" per check and one JSON line last: {"passed", "failed"}.

  triton_client.py --address 127.0.0.1:50051 --protos protos --model cavity --broken broken
"""
import argparse
import json
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


def compile_protos(protos, out_dir):
    folder = os.path.join(protos, "inference")
    files = [os.path.join("inference", f) for f in sorted(os.listdir(folder)) if f.endswith(".proto")]
    rc = protoc.main(["protoc", "-I" + protos, "--python_out=" + out_dir, "--grpc_python_out=" + out_dir] + files)
    if rc != 0:
        raise RuntimeError("grpc_tools.protoc failed with exit code %d" % rc)
    open(os.path.join(out_dir, "inference", "__init__.py"), "a").close()
    sys.path.insert(0, out_dir)
    import inference.grpc_service_pb2 as pb
    import inference.grpc_service_pb2_grpc as pb_grpc
    import inference.model_config_pb2 as config_pb
    return pb, pb_grpc, config_pb


def expect_error(code, contains, fn):
    try:
        fn()
    except grpc.RpcError as e:
        assert e.code() == code, "got %s (%s), expected %s" % (e.code(), e.details(), code)
        assert contains in (e.details() or ""), "details %r lack %r" % (e.details(), contains)
        return
    raise AssertionError("no error, expected %s" % code)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--address", required=True)
    parser.add_argument("--protos", required=True)
    parser.add_argument("--model", required=True)
    parser.add_argument("--broken", required=True)
    args = parser.parse_args()
    work = tempfile.mkdtemp(prefix="triton-client-")
    try:
        pb, pb_grpc, config_pb = compile_protos(args.protos, work)
        run(args, pb, pb_grpc, config_pb)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    failed = sum(1 for line in OUTPUT if line.startswith("FAIL"))
    print(json.dumps({"passed": len(OUTPUT) - failed, "failed": failed}))
    return 1 if failed else 0


def run(args, pb, pb_grpc, config_pb):
    channel = grpc.insecure_channel(args.address)
    stub = pb_grpc.GRPCInferenceServiceStub(channel)
    model, broken = args.model, args.broken
    points = 100

    def infer_request(n, version=""):
        request = pb.ModelInferRequest(model_name=model, model_version=version)
        for name in ("x", "y"):
            tensor = request.inputs.add(name=name, datatype="FP32", shape=[n, 1])
            request.raw_input_contents.append(struct.pack("<%df" % n, *[(i % 10) / 10.0 for i in range(n)]))
        return request

    def extensions():
        server = stub.ServerMetadata(pb.ServerMetadataRequest())
        for extension in ("model_configuration", "statistics", "model_repository", "binary_tensor_data"):
            assert extension in server.extensions, "%s not in %s" % (extension, list(server.extensions))

    def model_config():
        config = stub.ModelConfig(pb.ModelConfigRequest(name=model)).config
        assert config.name == model and config.platform == "onnxruntime_onnx" and config.backend == "onnxruntime", config
        assert config.max_batch_size == 512, config.max_batch_size
        assert config.version_policy.WhichOneof("policy_choice") == "latest" and config.version_policy.latest.num_versions == 2, config.version_policy
        assert [i.name for i in config.input] == ["x", "y"], config.input
        assert all(i.data_type == config_pb.TYPE_FP32 and list(i.dims) == [1] for i in config.input), config.input
        assert [o.name for o in config.output] == ["u", "v", "p", "psi"], config.output
        assert config.default_model_filename == "model.onnx", config.default_model_filename
        expect_error(grpc.StatusCode.NOT_FOUND, "no-such-model", lambda: stub.ModelConfig(pb.ModelConfigRequest(name="no-such-model")))

    def versions_by_config():
        metadata = stub.ModelMetadata(pb.ModelMetadataRequest(name=model))
        assert list(metadata.versions) == ["3", "2"], list(metadata.versions)

    def infer_within_max_batch_size():
        response = stub.ModelInfer(infer_request(points))
        assert response.model_version == "3" and len(response.raw_output_contents) == 4, response.model_version
        assert all(len(raw) == 4 * points for raw in response.raw_output_contents)
        assert list(response.outputs[0].shape) == [points, 1], response.outputs[0].shape
        expect_error(grpc.StatusCode.RESOURCE_EXHAUSTED, "512", lambda: stub.ModelInfer(infer_request(513)))

    def statistics():
        stats = {s.version: s for s in stub.ModelStatistics(pb.ModelStatisticsRequest(name=model)).model_stats}
        assert sorted(stats) == ["2", "3"], sorted(stats)
        latest = stats["3"]
        assert latest.name == model and latest.inference_count == points, latest.inference_count
        assert latest.execution_count == 1, latest.execution_count
        s = latest.inference_stats
        assert s.success.count == 1 and s.success.ns > 0, s.success
        assert s.fail.count == 1, s.fail
        assert s.compute_infer.count == 1 and s.compute_infer.ns > 0 and s.queue.count == 1, s
        assert [b.batch_size for b in latest.batch_stats] == [points], latest.batch_stats
        assert stats["2"].inference_count == 0 and stats["2"].inference_stats.success.count == 0
        only = stub.ModelStatistics(pb.ModelStatisticsRequest(name=model, version="2")).model_stats
        assert [s.version for s in only] == ["2"], only
        every = stub.ModelStatistics(pb.ModelStatisticsRequest()).model_stats
        assert model in [s.name for s in every], every
        expect_error(grpc.StatusCode.NOT_FOUND, "no-such-model", lambda: stub.ModelStatistics(pb.ModelStatisticsRequest(name="no-such-model")))

    def repository_index():
        index = stub.RepositoryIndex(pb.RepositoryIndexRequest()).models
        states = {(m.name, m.version): (m.state, m.reason) for m in index}
        assert states[(model, "3")][0] == "READY" and states[(model, "2")][0] == "READY", states
        assert states[(broken, "1")][0] == "UNAVAILABLE" and states[(broken, "1")][1], states
        ready = stub.RepositoryIndex(pb.RepositoryIndexRequest(ready=True)).models
        assert all(m.state == "READY" for m in ready) and broken not in [m.name for m in ready], ready
        expect_error(grpc.StatusCode.INVALID_ARGUMENT, "other-repo", lambda: stub.RepositoryIndex(pb.RepositoryIndexRequest(repository_name="other-repo")))

    def unload_and_load():
        stub.RepositoryModelUnload(pb.RepositoryModelUnloadRequest(model_name=model))
        assert not stub.ModelReady(pb.ModelReadyRequest(name=model)).ready, "ready after unload"
        index = {m.name: m.state for m in stub.RepositoryIndex(pb.RepositoryIndexRequest()).models}
        assert index[model] == "UNLOADED", index
        expect_error(grpc.StatusCode.FAILED_PRECONDITION, "not ready", lambda: stub.ModelInfer(infer_request(1)))
        stub.RepositoryModelLoad(pb.RepositoryModelLoadRequest(model_name=model))
        assert stub.ModelReady(pb.ModelReadyRequest(name=model)).ready, "not ready after load"
        request = pb.RepositoryModelLoadRequest(model_name=model)
        request.parameters["config"].string_param = "{}"
        expect_error(grpc.StatusCode.INVALID_ARGUMENT, "config", lambda: stub.RepositoryModelLoad(request))
        expect_error(grpc.StatusCode.NOT_FOUND, "no-such-model", lambda: stub.RepositoryModelLoad(pb.RepositoryModelLoadRequest(model_name="no-such-model")))

    def malformed_bodies():
        raw = lambda path: channel.unary_unary(path, request_serializer=lambda b: b, response_deserializer=lambda b: b)
        for path in ("/inference.GRPCInferenceService/ModelInfer", "/grpc.health.v1.Health/Check", "/inference.GRPCInferenceService/ModelConfig"):
            expect_error(grpc.StatusCode.INVALID_ARGUMENT, "not a valid", lambda: raw(path)(b"\xff\xff\xff\xff\x07"))

    def unserved_method_named():
        raw = channel.unary_unary("/inference.GRPCInferenceService/ModelStreamInfer", request_serializer=lambda b: b, response_deserializer=lambda b: b)
        expect_error(grpc.StatusCode.UNIMPLEMENTED, "/inference.GRPCInferenceService/ModelStreamInfer", lambda: raw(b""))

    report("ServerMetadata extensions", extensions)
    report("ModelConfig", model_config)
    report("versions from config.pbtxt", versions_by_config)
    report("ModelInfer within max_batch_size", infer_within_max_batch_size)
    report("ModelStatistics", statistics)
    report("RepositoryIndex", repository_index)
    report("RepositoryModelUnload and Load", unload_and_load)
    report("malformed bodies", malformed_bodies)
    report("an unserved method is named", unserved_method_named)


if __name__ == "__main__":
    sys.exit(main())
