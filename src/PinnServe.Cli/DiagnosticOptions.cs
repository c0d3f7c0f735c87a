using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using PinnServe.Training.Reproduction;
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

    /// <summary>The diagnostics these options set, by setting path (bare --hessian is <see cref="RecipeOverrides.HessianAtDefaultInterval"/>).</summary>
    public IEnumerable<SettingValue> Settings(ParseResult parse)
    {
        const string group = "logging.diagnostics.";
        if (parse.GetValue(Histograms) is { } steps)
            yield return new(group + "histogram_steps", new JsonArray(ParseSteps(steps).Select(s => (JsonNode?)JsonValue.Create(s)).ToArray()), Histograms.Name);
        if (parse.GetValue(HistogramEvery) is { } every) yield return new(group + "histogram_every", JsonValue.Create(every), HistogramEvery.Name);
        if (parse.GetValue(HessianEvery) is { } hessianEvery) yield return new(group + "hessian_every", JsonValue.Create(hessianEvery), HessianEvery.Name);
        if (parse.GetValue(HessianIterations) is { } iterations) yield return new(group + "hessian_iterations", JsonValue.Create(iterations), HessianIterations.Name);
    }

    private static int[] ParseSteps(string list) =>
        list.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Select(s =>
            int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out int step) && step >= 0
                ? step
                : throw new UsageException($"--histograms '{list}': '{s}' is not a step number (expected e.g. 0,1000,40000).")).ToArray();
}
