using System.CommandLine;
using PinnServe.Onnx;

namespace PinnServe.Cli;

/// <summary>`--device cpu|cuda` of the commands that run ONNX Runtime (serve, eval-onnx, bench-onnx, bench-serve).</summary>
internal static class DeviceOption
{
    public static Option<string> Create() => new("--device")
    {
        Description = "ONNX Runtime execution provider: cpu, or cuda (needs a -p:PinnServeCuda=true build and CUDA 13 + cuDNN 9).",
        DefaultValueFactory = _ => "cpu",
    };

    /// <summary>The parsed device, checked to be usable here: exit 2 naming the bad value or the missing library.</summary>
    public static OnnxDevice Resolve(ParseResult parse, Option<string> option)
    {
        OnnxDevice device;
        try { device = OnnxDevices.Parse(parse.GetValue(option) ?? "cpu"); }
        catch (ArgumentException e) { throw new UsageException($"--device: {e.Message}"); }
        try { OnnxDevices.EnsureAvailable(device); }
        catch (InvalidOperationException e) { throw new UsageException(e.Message); }
        return device;
    }
}
