using System.Reflection;
using ILGPU;
using ILGPU.Runtime;
using ILGPU.Runtime.CPU;
using ILGPU.Runtime.Cuda;
using Xunit.Sdk;

namespace PinnServe.Backends.Gpu.Tests;

/// <summary>
/// The parity suite is written once and runs per device: each test carries one <c>[OnDevice(name, cases)]</c> per
/// device, whose rows are the device name followed by each row of the <paramref name="cases"/> member (or the
/// device alone). "ilgpu-cpu" (ILGPU's CPU accelerator, the same kernels) always runs; a device this machine does
/// not have is reported as skipped with the reason ("not run: no CUDA device …"), never silently left out, so the
/// test summary counts it.
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = true)]
public sealed class OnDeviceAttribute : DataAttribute
{
    private readonly string _device;
    private readonly string? _cases;

    public OnDeviceAttribute(string device, string? cases = null)
    {
        (_device, _cases) = (device, cases);
        Skip = Devices.Unavailable(device);
    }

    public override IEnumerable<object[]> GetData(MethodInfo testMethod)
    {
        if (_cases is null) return [[_device]];
        var member = testMethod.DeclaringType!.GetProperty(_cases, BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static)
                     ?? throw new ArgumentException($"{testMethod.DeclaringType.Name} has no static property '{_cases}'.");
        var rows = (IEnumerable<object[]>)member.GetValue(null)!;
        return rows.Select(row => (object[])[_device, .. row]).ToList();
    }
}

/// <summary>The devices the parity suite knows, whether this machine has each, and their ILGPU accelerators.</summary>
public static class Devices
{
    public const string IlgpuCpu = "ilgpu-cpu";
    public const string Cuda = "cuda";

    private static readonly Lazy<string?> CudaMissing = new(() =>
        IlgpuBackend.Cuda.IsAvailable(out string reason) ? null : $"not run: {reason.TrimEnd('.')}");

    static Devices() => IlgpuBackend.RegisterAll();

    /// <summary>Null when <paramref name="device"/> runs here, else the reason it is not run.</summary>
    public static string? Unavailable(string device) => device switch
    {
        IlgpuCpu => null,
        Cuda => CudaMissing.Value,
        _ => $"not run: unknown device '{device}'",
    };

    /// <summary>An ILGPU context and accelerator of <paramref name="device"/>, released together.</summary>
    public static (Context Context, Accelerator Accelerator) Open(string device)
    {
        var context = device == Cuda ? Context.Create(b => b.Cuda()) : Context.Create(b => b.CPU());
        return (context, device == Cuda ? context.CreateCudaAccelerator(0) : context.CreateCPUAccelerator(0));
    }
}
