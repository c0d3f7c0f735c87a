using System.Diagnostics;
using PinnServe.Contracts;

namespace PinnServe.Onnx.Tests;

/// <summary>
/// Exported files pass the reference ONNX checker with full shape inference (Debian python3-onnx, listed in
/// .ci/apt-packages.txt). Set PINNSERVE_PYTHON to choose the interpreter; otherwise the first of /usr/bin/python3
/// and python3 that can import onnx is used.
/// </summary>
public sealed class OnnxCheckerTests : IDisposable
{
    private readonly string directory = Directory.CreateTempSubdirectory("pinnserve-onnx-").FullName;

    public void Dispose() => Directory.Delete(directory, recursive: true);

    [Theory]
    [InlineData(NetworkFile.MlpArchitecture, "tanh")]
    [InlineData(NetworkFile.ModifiedMlpArchitecture, "sin")]
    public void Exported_model_passes_onnx_checker_full_check(string architecture, string activation)
    {
        var network = TestNetworks.Create(architecture, activation, ["x", "y"], ["psi", "p"]);
        var fields = new[] { "psi", "p", "psi_x", "psi_xy", "psi_yy" }
            .Select(n => FieldDefinition.Resolve(n, network.Inputs, network.Outputs, [])).ToList();
        fields.Add(FieldDefinition.Of("u", 1, "psi", "y"));
        string path = Path.Combine(directory, "model.onnx");
        OnnxExporter.Export(network, fields, path, new Dictionary<string, string> { ["problem"] = "cavity" });

        string script = string.Join("\n",
            "import sys, onnx",
            "m = onnx.load(sys.argv[1])",
            "onnx.checker.check_model(m, full_check=True)",
            "print('ok', m.ir_version, m.opset_import[0].version, [o.name for o in m.graph.output])");
        var (exit, stdout, stderr) = Run(Python(), ["-c", script, path]);
        Assert.True(exit == 0, $"onnx.checker rejected the model:\n{stderr}");
        Assert.StartsWith("ok 8 17", stdout);
    }

    private static string Python()
    {
        var candidates = new[] { Environment.GetEnvironmentVariable("PINNSERVE_PYTHON"), "/usr/bin/python3", "python3" }
            .Where(c => !string.IsNullOrEmpty(c)).Cast<string>();
        foreach (var candidate in candidates)
        {
            try
            {
                if (Run(candidate, ["-c", "import onnx"]).Exit == 0) return candidate;
            }
            catch (System.ComponentModel.Win32Exception) { }
        }
        throw new InvalidOperationException(
            "No python3 with the onnx package found (tried PINNSERVE_PYTHON, /usr/bin/python3, python3): run `sudo apt-get install -y python3-onnx` (./test.sh installs it from .ci/apt-packages.txt).");
    }

    private static (int Exit, string Stdout, string Stderr) Run(string file, string[] arguments)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        return (process.ExitCode, stdout.Result, stderr.Result);
    }
}
