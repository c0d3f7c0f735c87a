#!/usr/bin/env python3
"""Conformance checks of a PinnServe server with the official gRPC Python client (Debian python3-grpcio).

Stubs are generated at run time with grpc_tools.protoc into a temporary directory, from the repository's
protos. Each check prints "PASS name" or "FAIL name: why"; the last line is a JSON summary. Exit code 1 if
any check failed. Run by tests/PinnServe.Server.Tests/RealClient/PythonClientTests.cs against an
in-process server whose model directory holds cavity, cavity_wide and a corrupt broken.onnx.
"""
import argparse
import concurrent.futures
import csv
import json
import math
import os
import shutil
import sys
import tempfile
import traceback

import grpc
from grpc_tools import protoc

RESULTS = []


def generate_stubs(proto_root, out_dir):
    """Compiles the protos. health.proto is copied to grpc_health/ so its module does not shadow the grpc package."""
    src = os.path.join(out_dir, "protos")
    shutil.copytree(os.path.join(proto_root, "pinnserve"), os.path.join(src, "pinnserve"))
    os.makedirs(os.path.join(src, "grpc_health", "v1"))
    shutil.copy(os.path.join(proto_root, "grpc", "health", "v1", "health.proto"), os.path.join(src, "grpc_health", "v1"))
    files = ["pinnserve/v1/models.proto", "pinnserve/v1/query.proto", "pinnserve/v1/validate.proto",
             "pinnserve/v1/field_service.proto", "grpc_health/v1/health.proto"]
    gen = os.path.join(out_dir, "gen")
    os.makedirs(gen)
    rc = protoc.main(["protoc", "-I" + src, "--python_out=" + gen, "--grpc_python_out=" + gen] + files)
    if rc != 0:
        raise RuntimeError("grpc_tools.protoc failed with exit code %d" % rc)
    for package in ["pinnserve", "pinnserve/v1", "grpc_health", "grpc_health/v1"]:
        open(os.path.join(gen, package, "__init__.py"), "a").close()
    sys.path.insert(0, gen)


def check(name):
    def register(fn):
        RESULTS.append((name, fn))
        return fn
    return register


def expect_error(code, fn, contains=None):
    try:
        fn()
    except grpc.RpcError as e:
        if e.code() != code:
            raise AssertionError("expected %s, got %s: %s" % (code, e.code(), e.details()))
        if contains is not None and contains not in (e.details() or ""):
            raise AssertionError("expected details containing %r, got %r" % (contains, e.details()))
        return e
    raise AssertionError("expected %s, but the call succeeded" % code)


def close(a, b, tol=1e-5):
    return abs(a - b) <= tol * max(1.0, abs(b))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--address", required=True)
    parser.add_argument("--protos", required=True)
    parser.add_argument("--models", required=True)
    parser.add_argument("--tls-address")
    parser.add_argument("--root-cert")
    args = parser.parse_args()

    work = tempfile.mkdtemp(prefix="pinnserve-pyclient-")
    try:
        generate_stubs(args.protos, work)
        run_checks(args)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    failed = sum(1 for line in OUTPUT if line.startswith("FAIL"))
    print(json.dumps({"passed": len(OUTPUT) - failed, "failed": failed}))
    return 1 if failed else 0


OUTPUT = []


def run_checks(args):
    from pinnserve.v1 import field_service_pb2_grpc as fs_grpc
    from pinnserve.v1 import models_pb2, query_pb2, validate_pb2
    from grpc_health.v1 import health_pb2, health_pb2_grpc

    channel = grpc.insecure_channel(args.address)
    fields = fs_grpc.FieldServiceStub(channel)
    health = health_pb2_grpc.HealthStub(channel)
    Status = health_pb2.HealthCheckResponse
    C = grpc.StatusCode

    reference = list(csv.DictReader(open(os.path.join(args.models, "cavity.reference.csv"))))
    ref_points = [v for row in reference for v in (float(row["x"]), float(row["y"]))]

    def query(points, flds=(), model="cavity", allow=False, **kw):
        return fields.Query(query_pb2.QueryRequest(model=model, points=points, fields=list(flds), allow_out_of_domain=allow), **kw)

    def grid(*axes):
        return query_pb2.GridSpec(axes=[query_pb2.GridAxis(input=n, min=a, max=b, count=c) for n, a, b, c in axes])

    def stream(timeout=None, **kw):
        return list(fields.QueryStream(query_pb2.QueryStreamRequest(**kw), timeout=timeout))

    # --- Health ---
    @check("health_check_overall_serving")
    def _():
        assert health.Check(health_pb2.HealthCheckRequest(service="")).status == Status.SERVING

    @check("health_check_field_service_serving")
    def _():
        assert health.Check(health_pb2.HealthCheckRequest(service="pinnserve.v1.FieldService")).status == Status.SERVING

    @check("health_check_unknown_service_not_found")
    def _():
        expect_error(C.NOT_FOUND, lambda: health.Check(health_pb2.HealthCheckRequest(service="no.such.Service")))

    @check("health_watch_streams_current_status_then_cancels")
    def _():
        call = health.Watch(health_pb2.HealthCheckRequest(service=""))
        first = next(call)
        assert first.status == Status.SERVING, first
        call.cancel()
        expect_error(C.CANCELLED, lambda: next(call))

    @check("health_watch_unknown_service_says_service_unknown")
    def _():
        call = health.Watch(health_pb2.HealthCheckRequest(service="no.such.Service"))
        assert next(call).status == Status.SERVICE_UNKNOWN
        call.cancel()

    # --- ListModels / DescribeModel ---
    @check("list_models_reports_serving_and_failed")
    def _():
        models = {m.name: m for m in fields.ListModels(models_pb2.ListModelsRequest()).models}
        assert sorted(models) == ["broken", "cavity", "cavity_wide"], sorted(models)
        assert models["cavity"].status == models_pb2.MODEL_STATUS_SERVING
        assert models["broken"].status == models_pb2.MODEL_STATUS_FAILED and models["broken"].error, models["broken"]

    @check("describe_model_inputs_bounds_fields_metadata_metrics")
    def _():
        m = fields.DescribeModel(models_pb2.DescribeModelRequest(name="cavity"))
        assert [(a.name, a.min, a.max) for a in m.inputs] == [("x", 0, 1), ("y", 0, 1)], m.inputs
        assert list(m.fields) == ["u", "v", "p", "psi"], m.fields
        assert m.metadata["problem"] == "cavity"
        assert close(m.metrics["rel_l2_v"], 0.045) and close(m.metrics["rel_l2_u"], 0.0123), dict(m.metrics)
        assert list(m.reference_datasets) == ["reference"] and len(m.version) == 16

    @check("describe_unknown_model_not_found")
    def _():
        expect_error(C.NOT_FOUND, lambda: fields.DescribeModel(models_pb2.DescribeModelRequest(name="nope")), "nope")

    @check("model_names_cannot_escape_the_directory")
    def _():
        for name in ["../cavity", "/etc/passwd", "cavity/../../x", "..", "cavity.onnx"]:
            expect_error(C.NOT_FOUND, lambda: fields.DescribeModel(models_pb2.DescribeModelRequest(name=name)))
            expect_error(C.NOT_FOUND, lambda: query([0.5, 0.5], model=name))

    # --- Query ---
    @check("query_matches_reference_values")
    def _():
        r = query(ref_points)
        assert list(r.fields) == ["u", "v", "p", "psi"] and r.point_count == len(reference)
        for i, row in enumerate(reference):
            for j, f in enumerate(r.fields):
                assert close(r.values[4 * i + j], float(row[f])), (i, f, r.values[4 * i + j], row[f])

    @check("query_returns_requested_fields_in_order")
    def _():
        r = query(ref_points[:20], flds=["p", "u"])
        assert list(r.fields) == ["p", "u"] and len(r.values) == 20
        for i in range(10):
            assert close(r.values[2 * i], float(reference[i]["p"])) and close(r.values[2 * i + 1], float(reference[i]["u"]))

    @check("query_wrong_dimensionality_invalid_argument")
    def _():
        expect_error(C.INVALID_ARGUMENT, lambda: query([0.1, 0.2, 0.3]), "multiple")

    @check("query_nan_and_inf_invalid_argument")
    def _():
        expect_error(C.INVALID_ARGUMENT, lambda: query([0.1, float("nan")]), "non-finite")
        expect_error(C.INVALID_ARGUMENT, lambda: query([0.1, 0.2, float("inf"), 0.3]), "Point 1")

    @check("query_out_of_domain_rejected")
    def _():
        expect_error(C.INVALID_ARGUMENT, lambda: query([0.5, 0.5, 1.5, 0.5]), "outside the model's domain")

    @check("query_out_of_domain_flagged_when_allowed")
    def _():
        r = query([0.5, 0.5, 1.5, 0.5, -0.1, 2.0], allow=True)
        assert r.point_count == 3 and list(r.out_of_domain_points) == [1, 2], r.out_of_domain_points

    @check("query_empty_invalid_argument")
    def _():
        expect_error(C.INVALID_ARGUMENT, lambda: query([]), "no points")

    @check("query_unknown_field_message_is_percent_decoded")
    def _():
        e = expect_error(C.INVALID_ARGUMENT, lambda: query([0.5, 0.5], flds=["\u03c8 100%"]))
        assert "Unknown field '\u03c8 100%'" in e.details(), e.details()

    @check("query_too_many_points_resource_exhausted")
    def _():
        expect_error(C.RESOURCE_EXHAUSTED, lambda: query([0.5] * (2 * 5001)), "QueryStream")

    @check("query_message_over_max_size_resource_exhausted")
    def _():
        expect_error(C.RESOURCE_EXHAUSTED, lambda: query([0.5] * 300000), "maximum configured message size")

    @check("query_unknown_model_not_found")
    def _():
        expect_error(C.NOT_FOUND, lambda: query([0.5, 0.5], model="nope"))

    @check("query_failed_model_failed_precondition")
    def _():
        expect_error(C.FAILED_PRECONDITION, lambda: query([0.5, 0.5], model="broken"), "failed to load")

    @check("query_without_model_name_invalid_argument")
    def _():
        expect_error(C.INVALID_ARGUMENT, lambda: query([0.5, 0.5], model=""))

    @check("query_concurrent_calls_on_one_channel")
    def _():
        def one(i):
            r = query(ref_points[2 * (i % 100):2 * (i % 100) + 2], flds=["u"])
            return close(r.values[0], float(reference[i % 100]["u"]))
        with concurrent.futures.ThreadPoolExecutor(16) as pool:
            assert all(pool.map(one, range(400)))

    # --- QueryStream ---
    @check("stream_grid_is_chunked_contiguous_and_matches_query")
    def _():
        chunks = stream(model="cavity", grid=grid(("x", 0, 1, 101), ("y", 0, 1, 103)), chunk_points=1000)
        assert len(chunks) == 11 and sum(c.point_count for c in chunks) == 101 * 103
        assert [c.first_point for c in chunks] == list(range(0, 11000, 1000))
        assert list(chunks[0].fields) == ["u", "v", "p", "psi"] and not chunks[1].fields and chunks[0].model_version
        values = [v for c in chunks for v in c.values]
        # Point k = (i, j) with y fastest: x = i/100, y = j/102.
        for k in [0, 1, 102, 103, 5000, 10402]:
            i, j = divmod(k, 103)
            r = query([i / 100.0, j / 102.0])
            assert all(close(values[4 * k + f], r.values[f], 1e-4) for f in range(4)), k

    @check("stream_point_list_matches_query")
    def _():
        chunks = stream(model="cavity", points=query_pb2.PointList(coordinates=ref_points), fields=["v"], chunk_points=50)
        assert [c.point_count for c in chunks] == [50, 50, 21]
        streamed = [v for c in chunks for v in c.values]
        unary = query(ref_points, flds=["v"]).values
        assert all(close(a, b) for a, b in zip(streamed, unary)) and len(streamed) == len(unary)

    @check("stream_million_points_in_bounded_messages")
    def _():
        total, count, largest = 0, 0, 0
        for c in fields.QueryStream(query_pb2.QueryStreamRequest(model="cavity", fields=["u", "v"], chunk_points=65536,
                                                                 grid=grid(("x", 0, 1, 1000), ("y", 0, 1, 1000)))):
            assert c.first_point == total
            total += c.point_count
            count += 1
            largest = max(largest, c.ByteSize())
            assert all(math.isfinite(v) for v in c.values[:64])
        assert total == 1000000 and count == 16 and largest < 4 * 1024 * 1024, (total, count, largest)

    @check("stream_grid_out_of_domain_rejected_or_flagged")
    def _():
        g = grid(("x", -1, 1, 5), ("y", 0, 1, 2))
        expect_error(C.INVALID_ARGUMENT, lambda: stream(model="cavity", grid=g), "outside the model's domain")
        chunks = stream(model="cavity", grid=g, allow_out_of_domain=True, chunk_points=3)
        flagged = [i for c in chunks for i in c.out_of_domain_points]
        assert flagged == [0, 1, 2, 3], flagged  # x = -1 and -0.5, two y values each

    @check("stream_invalid_requests_invalid_argument")
    def _():
        expect_error(C.INVALID_ARGUMENT, lambda: stream(model="cavity", grid=grid(("x", 0, 1, 5))), "axes")
        expect_error(C.INVALID_ARGUMENT, lambda: stream(model="cavity", grid=grid(("x", 0, 1, 5), ("z", 0, 1, 5))), "'z'")
        expect_error(C.INVALID_ARGUMENT, lambda: stream(model="cavity", grid=grid(("x", 0, 1, 0), ("y", 0, 1, 5))), "count 0")
        expect_error(C.INVALID_ARGUMENT, lambda: stream(model="cavity"), "neither")
        expect_error(C.INVALID_ARGUMENT, lambda: stream(model="cavity", points=query_pb2.PointList(coordinates=[0.5, float("nan")])))

    @check("stream_oversized_grid_resource_exhausted")
    def _():
        expect_error(C.RESOURCE_EXHAUSTED, lambda: stream(model="cavity", grid=grid(("x", 0, 1, 100000), ("y", 0, 1, 100000))))

    @check("stream_deadline_exceeded")
    def _():
        expect_error(C.DEADLINE_EXCEEDED, lambda: stream(timeout=0.3, model="cavity", grid=grid(("x", 0, 1, 4000), ("y", 0, 1, 4000))))

    @check("stream_client_cancel_leaves_server_healthy")
    def _():
        call = fields.QueryStream(query_pb2.QueryStreamRequest(model="cavity", grid=grid(("x", 0, 1, 4000), ("y", 0, 1, 4000))))
        assert next(call).point_count > 0
        call.cancel()
        assert health.Check(health_pb2.HealthCheckRequest()).status == Status.SERVING
        assert query([0.5, 0.5]).point_count == 1

    # --- Validate ---
    @check("validate_shipped_dataset")
    def _():
        r = fields.Validate(validate_pb2.ValidateRequest(model="cavity", dataset="reference"))
        assert r.point_count == len(reference) and [f.field for f in r.fields] == ["u", "v", "p", "psi"]
        assert all(f.rel_l2 < 1e-5 and f.max_abs_error < 1e-5 for f in r.fields), r

    @check("validate_inline_reference")
    def _():
        u = [float(row["u"]) for row in reference]
        data = validate_pb2.ReferenceData(points=ref_points, fields=["u"], values=[2 * v for v in u])
        r = fields.Validate(validate_pb2.ValidateRequest(model="cavity", data=data))
        assert close(r.fields[0].rel_l2, 0.5, 1e-4) and close(r.fields[0].max_abs_error, max(abs(v) for v in u), 1e-4), r

    @check("validate_unknown_or_escaping_dataset_not_found")
    def _():
        for name in ["nope", "../cavity.reference", "../../etc/passwd", "reference.csv"]:
            expect_error(C.NOT_FOUND, lambda: fields.Validate(validate_pb2.ValidateRequest(model="cavity", dataset=name)))

    @check("validate_inconsistent_reference_invalid_argument")
    def _():
        data = validate_pb2.ReferenceData(points=[0.5, 0.5], fields=["u"], values=[1.0, 2.0])
        expect_error(C.INVALID_ARGUMENT, lambda: fields.Validate(validate_pb2.ValidateRequest(model="cavity", data=data)), "values")
        expect_error(C.INVALID_ARGUMENT, lambda: fields.Validate(validate_pb2.ValidateRequest(model="cavity")))

    # --- Protocol ---
    @check("unknown_method_and_service_unimplemented")
    def _():
        for path in ["/pinnserve.v1.FieldService/Nope", "/no.such.Service/Call"]:
            call = channel.unary_unary(path, request_serializer=lambda m: m.SerializeToString(),
                                       response_deserializer=models_pb2.ListModelsResponse.FromString)
            expect_error(C.UNIMPLEMENTED, lambda: call(models_pb2.ListModelsRequest()))

    @check("gzip_compressed_requests_are_accepted")
    def _():
        with grpc.insecure_channel(args.address, compression=grpc.Compression.Gzip) as gz:
            r = fs_grpc.FieldServiceStub(gz).Query(query_pb2.QueryRequest(model="cavity", points=ref_points, fields=["u"]))
            assert r.point_count == len(reference) and close(r.values[0], float(reference[0]["u"]))

    @check("deflate_compressed_requests_are_accepted")
    def _():
        with grpc.insecure_channel(args.address, compression=grpc.Compression.Deflate) as df:
            assert len(fs_grpc.FieldServiceStub(df).ListModels(models_pb2.ListModelsRequest()).models) == 3

    @check("huge_model_name_not_found_with_a_truncated_message")
    def _():
        # A default grpc-core client refuses trailers over 8 KiB: the name must not be echoed in full.
        for length in (10000, 200000):
            name = "m" * length
            expect_error(C.NOT_FOUND, lambda: query([0.5, 0.5], model=name), "(%d characters)" % length)

    @check("duplicate_fields_invalid_argument")
    def _():
        expect_error(C.INVALID_ARGUMENT, lambda: query([0.5, 0.5], flds=["u", "v", "u"]), "'u' is requested twice")

    if args.tls_address:
        @check("tls_endpoint_serves_with_alpn_h2")
        def _():
            creds = grpc.ssl_channel_credentials(root_certificates=open(args.root_cert, "rb").read())
            with grpc.secure_channel(args.tls_address, creds, options=[("grpc.ssl_target_name_override", "localhost")]) as tls:
                assert health_pb2_grpc.HealthStub(tls).Check(health_pb2.HealthCheckRequest()).status == Status.SERVING
                r = fs_grpc.FieldServiceStub(tls).Query(query_pb2.QueryRequest(model="cavity", points=[0.5, 0.5]))
                assert r.point_count == 1

    for name, fn in RESULTS:
        try:
            fn()
            OUTPUT.append("PASS " + name)
        except Exception as e:  # report and go on: every check runs
            detail = "%s: %s" % (type(e).__name__, e) if str(e) else traceback.format_exc().strip().splitlines()[-2]
            OUTPUT.append("FAIL %s: %s" % (name, detail.replace("\n", " ")))
        print(OUTPUT[-1], flush=True)
    channel.close()


if __name__ == "__main__":
    sys.exit(main())
