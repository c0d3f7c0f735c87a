using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using Xunit.Abstractions;
using PinnServe.Training.Tests.FileProblems;

namespace PinnServe.Training.Tests.Fingerprints;

/// <summary>
/// Losses, λ and θ after a short run, bit for bit, against the values recorded before the recipe/engine refactor
/// (fingerprints.json). Set PINNSERVE_WRITE_FINGERPRINTS=1 to record them again — only when a change of the numbers
/// is intended and explained. The kernels' vector width changes the rounding (sums are split across lanes), so a
/// fingerprint is recorded per width: v256 (AVX2) and v128 (SSE/NEON width, `DOTNET_EnableAVX2=0`) are recorded; on
/// a width with no recording (v512 on an AVX-512 machine) the test checks instead that 1 and 2 threads give the same
/// bits, and says so in its output.
/// </summary>
public sealed class FingerprintTests(ITestOutputHelper output)
{
    /// <summary>The kernels' width and, where it differs, the hardware width TensorPrimitives uses.</summary>
    internal static string Width
    {
        get
        {
            int hardware = System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated ? 512
                : System.Runtime.Intrinsics.Vector256.IsHardwareAccelerated ? 256 : 128;
            return hardware == PinnServe.Tensors.Simd.Bits ? $"v{hardware}" : $"v{PinnServe.Tensors.Simd.Bits}-hw{hardware}";
        }
    }

    private static readonly string DataFile = Path.Combine(Repository.Root, "tests", "PinnServe.Training.Tests", "Fingerprints", "fingerprints.json");

    public static TheoryData<string, string, int> Runs()
    {
        var data = new TheoryData<string, string, int>();
        foreach (var c in FingerprintCases.All)
            foreach (var precision in new[] { "float64", "float32" })
                foreach (int threads in new[] { 1, 2 })
                    data.Add(c.Name, precision, threads);
        return data;
    }

    [Theory]
    [MemberData(nameof(Runs))]
    public void Short_run_matches_its_recorded_fingerprint(string name, string precision, int threads)
    {
        var config = FingerprintCases.All.Single(c => c.Name == name).Config().WithDevice(it => it with { Precision = RecipeBinder.ParseName<Precision>(precision) });
        var actual = Fingerprint.Of(config, threads);
        string key = $"{name}/{precision}/{Width}";
        if (Environment.GetEnvironmentVariable("PINNSERVE_WRITE_FINGERPRINTS") == "1")
        {
            Record(key, actual);
            return;
        }
        var recorded = Load();
        if (!recorded.Keys.Any(k => k.EndsWith("/" + Width, StringComparison.Ordinal)))
        {
            output.WriteLine($"No fingerprints are recorded for vector width {Width}: checking that 1 and 2 threads agree bit for bit instead.");
            Assert.Equal(Fingerprint.Of(config, 3 - threads), actual);
            return;
        }
        Assert.True(recorded.ContainsKey(key), $"No recorded fingerprint for {key} in {DataFile}.");
        Assert.Equal(recorded[key], actual);
    }

    [Fact]
    public void Every_recorded_fingerprint_has_a_case()
    {
        var cases = FingerprintCases.All.SelectMany(c => new[] { $"{c.Name}/float64", $"{c.Name}/float32" }).ToHashSet();
        var recorded = Load().Keys.ToList();
        Assert.Empty(recorded.Where(k => !cases.Contains(k[..k.LastIndexOf('/')])));
        foreach (var width in new[] { "v256", "v128" }) // both recorded, for every case
            Assert.Equal(cases.Order(), recorded.Where(k => k.EndsWith("/" + width, StringComparison.Ordinal)).Select(k => k[..k.LastIndexOf('/')]).Order());
    }

    private static Dictionary<string, Fingerprint> Load() =>
        File.Exists(DataFile) ? JsonSerializer.Deserialize<Dictionary<string, Fingerprint>>(File.ReadAllText(DataFile))! : new();

    private static readonly object WriteLock = new();

    private static void Record(string key, Fingerprint value)
    {
        lock (WriteLock)
        {
            var all = Load();
            if (all.TryGetValue(key, out var existing))
                Assert.Equal(existing, value); // another thread count recorded it first: the counts must agree
            all[key] = value;
            File.WriteAllText(DataFile, JsonSerializer.Serialize(new SortedDictionary<string, Fingerprint>(all), new JsonSerializerOptions { WriteIndented = true }) + "\n");
        }
    }
}

/// <summary>What a short run leaves: the step, every loss and λ as exact bit patterns, and θ as a SHA-256 plus a few values.</summary>
public sealed record Fingerprint(int Step, string Losses, string Weights, string LearningRate, string Theta, string ThetaSample)
{
    public static Fingerprint Of(TrainingRecipe config, int threads)
    {
        using var trainer = TrainerFactory.Create(config, threads);
        while (trainer.Step < config.TotalIterations) trainer.TrainStep();
        var network = trainer.ToNetworkFile();
        var theta = network.Layers.SelectMany(l => l.Weights.Concat(l.Bias)).Concat(trainer.LearnedCoefficients.OrderBy(p => p.Key).Select(p => p.Value)).ToArray();
        var bytes = new byte[theta.Length * sizeof(double)];
        Buffer.BlockCopy(theta, 0, bytes, 0, bytes.Length);
        return new Fingerprint(
            trainer.Step,
            Bits(trainer.Losses),
            Bits(trainer.Weights),
            Bits([trainer.LearningRate]),
            Convert.ToHexString(SHA256.HashData(bytes)),
            string.Join(" ", new[] { 0, theta.Length / 2, theta.Length - 1 }.Select(i => theta[i].ToString("R", CultureInfo.InvariantCulture))));
    }

    private static string Bits(IEnumerable<double> values) =>
        string.Join(" ", values.Select(v => BitConverter.DoubleToInt64Bits(v).ToString("X16", CultureInfo.InvariantCulture)));
}
