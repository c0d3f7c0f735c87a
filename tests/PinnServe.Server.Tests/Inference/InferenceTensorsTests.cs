using System.Runtime.InteropServices;
using Google.Protobuf;
using PinnServe.Api.Inference;
using PinnServe.Server.Inference;
using PinnServe.Server.Tests.Batching;
using InputTensor = PinnServe.Api.Inference.ModelInferRequest.Types.InferInputTensor;
using RequestedOutput = PinnServe.Api.Inference.ModelInferRequest.Types.InferRequestedOutputTensor;

namespace PinnServe.Server.Tests.Inference;

/// <summary>The Open Inference Protocol tensor layout of a PINN: per-coordinate inputs, per-field outputs.</summary>
public sealed class InferenceTensorsTests
{
    private static readonly RecordingModel Model = new(); // inputs x, y; fields a = x + 2y, b = xy

    private static InputTensor Fp32(string name, params float[] values)
    {
        var tensor = new InputTensor { Name = name, Datatype = "FP32", Shape = { values.Length }, Contents = new InferTensorContents() };
        tensor.Contents.Fp32Contents.AddRange(values);
        return tensor;
    }

    private static ModelInferRequest Request(params InputTensor[] inputs) => new() { ModelName = "m", Id = "req-7", Inputs = { inputs } };

    [Fact]
    public void Typed_fp32_inputs_are_matched_by_name_and_outputs_come_back_per_field()
    {
        // Inputs in the opposite order of the model's (x, y): names decide, not positions.
        var request = Request(Fp32("y", 0.5f, 0.25f, 1f), Fp32("x", 0.1f, 0.2f, 0.3f));
        request.Outputs.Add(new RequestedOutput { Name = "b" });
        request.Outputs.Add(new RequestedOutput { Name = "a" });
        var decoded = InferenceTensors.Decode(request, Model, 100);
        Assert.Equal(new[] { 0.1f, 0.5f, 0.2f, 0.25f, 0.3f, 1f }, decoded.Points);
        Assert.Equal(["b", "a"], decoded.Fields);

        var values = new float[6];
        Model.Evaluate(decoded.Points, 3, decoded.Fields, values);
        var response = InferenceTensors.Encode(request, decoded, values, "2", outOfDomain: 0);
        Assert.Equal(("m", "2", "req-7"), (response.ModelName, response.ModelVersion, response.Id));
        Assert.Equal(["b", "a"], response.Outputs.Select(o => o.Name));
        Assert.All(response.Outputs, o => { Assert.Equal("FP32", o.Datatype); Assert.Equal([3L], o.Shape); });
        Assert.Equal(new[] { 0.1f * 0.5f, 0.2f * 0.25f, 0.3f * 1f }, response.Outputs[0].Contents.Fp32Contents);
        Assert.Equal(new[] { 0.1f + 2 * 0.5f, 0.2f + 2 * 0.25f, 0.3f + 2 * 1f }, response.Outputs[1].Contents.Fp32Contents);
        Assert.Empty(response.RawOutputContents);
        Assert.Empty(response.Parameters);
    }

    [Fact]
    public void Raw_fp64_inputs_give_raw_fp64_outputs_of_the_same_shape()
    {
        double[] x = [0.125, 0.75], y = [0.5, 0.1];
        var request = new ModelInferRequest
        {
            ModelName = "m",
            Inputs =
            {
                new InputTensor { Name = "x", Datatype = "FP64", Shape = { 2, 1 } },
                new InputTensor { Name = "y", Datatype = "FP64", Shape = { 2, 1 } },
            },
            RawInputContents = { Raw(x), Raw(y) },
        };
        var decoded = InferenceTensors.Decode(request, Model, 100);
        Assert.Equal(new[] { 0.125f, 0.5f, 0.75f, (float)0.1 }, decoded.Points); // rounded to the model's float32
        var values = new float[4];
        Model.Evaluate(decoded.Points, 2, decoded.Fields, values);
        var response = InferenceTensors.Encode(request, decoded, values, "1", outOfDomain: 1);

        Assert.Equal(["a", "b"], response.Outputs.Select(o => o.Name));
        Assert.All(response.Outputs, o => { Assert.Equal("FP64", o.Datatype); Assert.Equal([2L, 1L], o.Shape); Assert.Null(o.Contents); });
        var a = MemoryMarshal.Cast<byte, double>(response.RawOutputContents[0].Span).ToArray();
        var b = MemoryMarshal.Cast<byte, double>(response.RawOutputContents[1].Span).ToArray();
        Assert.Equal(new double[] { values[0], values[2] }, a);
        Assert.Equal(new double[] { values[1], values[3] }, b);
        Assert.Equal(1, response.Parameters[InferenceTensors.OutOfDomainCount].Int64Param);
    }

    public static TheoryData<string, Action<ModelInferRequest>, string> BadRequests() => new()
    {
        { "no inputs", r => r.Inputs.Clear(), "no input tensors; model 'm' takes 'x', 'y'" },
        { "unknown input", r => r.Inputs[1].Name = "z", "Unknown input tensor 'z'" },
        { "missing input", r => r.Inputs.RemoveAt(1), "Missing input tensor(s) 'y'" },
        { "duplicate", r => r.Inputs[1].Name = "x", "Input tensor 'x' is given twice" },
        { "int datatype", r => { r.Inputs[0].Datatype = "INT32"; }, "datatype 'INT32'; this model takes FP32 or FP64" },
        { "mixed datatypes", r => r.Inputs[1].Datatype = "FP64", "Input 'y' is FP64 but 'x' is FP32" },
        { "matrix shape", r => { r.Inputs[0].Shape.Clear(); r.Inputs[0].Shape.Add([1, 2]); }, "shape [1, 2]; expected [N] or [N, 1]" },
        { "empty", r => { foreach (var t in r.Inputs) { t.Shape[0] = 0; t.Contents.Fp32Contents.Clear(); } }, "with N >= 1 points" },
        { "shape mismatch", r => r.Inputs[1].Shape[0] = 3, "Input 'y' has shape [3] but 'x' has [2]" },
        { "short contents", r => r.Inputs[1].Contents.Fp32Contents.RemoveAt(0), "Input 'y' has 1 values in contents.fp32_contents; its shape [2] needs 2" },
        { "wrong typed field", r => { r.Inputs[0].Contents.Fp32Contents.Clear(); r.Inputs[0].Contents.Fp64Contents.Add([1, 2]); }, "Input 'x' has 0 values in contents.fp32_contents" },
        { "raw count", r => r.RawInputContents.Add(ByteString.CopyFrom(new byte[8])), "raw_input_contents has 1 entries for 2 inputs" },
        { "raw and typed", r => { r.RawInputContents.Add(ByteString.CopyFrom(new byte[8])); r.RawInputContents.Add(ByteString.CopyFrom(new byte[8])); }, "Input 'x' has typed contents although raw_input_contents is used" },
        { "raw length", r => { foreach (var t in r.Inputs) t.Contents = null; r.RawInputContents.Add(ByteString.CopyFrom(new byte[8])); r.RawInputContents.Add(ByteString.CopyFrom(new byte[7])); }, "raw_input_contents of 'y' has 7 bytes; 2 FP32 values need 8" },
        { "unknown output", r => r.Outputs.Add(new RequestedOutput { Name = "c" }), "Unknown output 'c': model 'm' has 'a', 'b'" },
        { "twice output", r => r.Outputs.Add([new RequestedOutput { Name = "a" }, new RequestedOutput { Name = "a" }]), "Output 'a' is requested twice" },
        { "long name", r => r.Inputs[1].Name = new string('q', 5000), "Unknown input tensor '" + new string('q', 64) + "… (5000 characters)'" },
    };

    [Theory]
    [MemberData(nameof(BadRequests))]
    public void Malformed_requests_are_refused_naming_the_problem(string what, Action<ModelInferRequest> spoil, string expected)
    {
        var request = Request(Fp32("x", 0.1f, 0.2f), Fp32("y", 0.3f, 0.4f));
        spoil(request);
        var error = Assert.Throws<InferenceRequestException>(() => InferenceTensors.Decode(request, Model, 100));
        Assert.False(error.TooLarge, what);
        Assert.Contains(expected, error.Message);
        Assert.True(error.Message.Length < 300, what);
    }

    [Fact]
    public void Too_many_points_is_a_size_error()
    {
        var request = Request(Fp32("x", 0.1f, 0.2f, 0.3f), Fp32("y", 0.3f, 0.4f, 0.5f));
        var error = Assert.Throws<InferenceRequestException>(() => InferenceTensors.Decode(request, Model, 2));
        Assert.True(error.TooLarge);
        Assert.Contains("3 points, more than the 2 allowed per ModelInfer call", error.Message);
    }

    [Theory]
    [InlineData(true, null, true)]
    [InlineData(false, null, false)]
    [InlineData(null, "TRUE", true)]
    [InlineData(null, "no", false)]
    public void Out_of_domain_evaluation_is_a_request_parameter(bool? flag, string? text, bool allowed)
    {
        var request = Request();
        if (flag is { } b) request.Parameters[InferenceTensors.AllowOutOfDomain] = new InferParameter { BoolParam = b };
        if (text is not null) request.Parameters[InferenceTensors.AllowOutOfDomain] = new InferParameter { StringParam = text };
        Assert.Equal(allowed, InferenceTensors.AllowsOutOfDomain(request));
    }

    private static ByteString Raw(double[] values) => ByteString.CopyFrom(MemoryMarshal.AsBytes(values.AsSpan()));
}
