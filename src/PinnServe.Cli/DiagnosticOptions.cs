using System.CommandLine;
using System.Globalization;
using PinnServe.Training;
using PinnServe.Training.Diagnostics;

namespace PinnServe.Cli;

/// <summary>The `pinn train` options that switch on gradient histograms and Hessian eigenvalues (SPEC §2.4).</summary>
internal sealed class DiagnosticOptions
{
    public readonly Option<string?> Histograms = new("--histograms") { Description = "Record per-layer gradient histograms of every loss term at these steps, e.g. 0,1000,40000." };
    public readonly Option<int?> HistogramEvery = new("--histogram-every") { Description = "Record gradient histograms every N steps." };
    public readonly Option<bool> Hessian = new("--hessian") { Description = "Record the largest Hessian eigenvalue of L, L_r and each L_i about ten times per run (see --hessian-every)." };
    public readonly Option<int?> HessianEvery = new("--hessian-every") { Description = "Record the largest Hessian eigenvalues every N steps (and at the start and end)." };
    public readonly Option<int?> HessianIterations = new("--hessian-iterations") { Description = "Most Lanczos steps per eigenvalue (default 20)." };

    public IEnumerable<Symbol> All() => [Histograms, HistogramEvery, Hessian, HessianEvery, HessianIterations];

    /// <summary>The config with the diagnostics these options ask for (unchanged when none is given).</summary>
    public TrainingRecipe ApplyTo(TrainingRecipe config, ParseResult parse)
    {
        if (!All().OfType<Option>().Any(o => parse.GetResult(o) is { Implicit: false })) return config;
        var d = config.Logging.Diagnostics ?? new DiagnosticsConfig();
        if (parse.GetValue(Histograms) is { } steps) d = d with { HistogramSteps = ParseSteps(steps) };
        if (parse.GetValue(HistogramEvery) is { } every) d = d with { HistogramEvery = every };
        if (parse.GetValue(Hessian)) d = d with { HessianEvery = DiagnosticsConfig.DefaultHessianInterval(config.Adam.Iterations) };
        if (parse.GetValue(HessianEvery) is { } hessianEvery) d = d with { HessianEvery = hessianEvery };
        if (parse.GetValue(HessianIterations) is { } iterations) d = d with { HessianIterations = iterations };
        d.Validate();   // here too: a config that records nothing is dropped below, with its bad values
        return d.Any ? config.WithLogging(it => it with { Diagnostics = d }) : config;
    }

    private static int[] ParseSteps(string list) =>
        list.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Select(s =>
            int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out int step) && step >= 0
                ? step
                : throw new UsageException($"--histograms '{list}': '{s}' is not a step number (expected e.g. 0,1000,40000).")).ToArray();
}
