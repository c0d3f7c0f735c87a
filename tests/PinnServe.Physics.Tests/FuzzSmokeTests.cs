using PinnServe.Fuzzing;

namespace PinnServe.Physics.Tests;

/// <summary>
/// The input fuzzer (fuzz/PinnServe.Fuzz) run briefly and deterministically: a fixed seed and a fixed number of
/// inputs per target, so CI replays the same inputs every time; only an input that takes a minute counts as slow
/// (a hang, not a timing on a busy machine). Longer runs: fuzz/README.md.
/// </summary>
public class FuzzSmokeTests
{
    public static TheoryData<string> Names => new(Targets.Names);

    [Theory]
    [MemberData(nameof(Names))]
    public void A_short_fixed_run_finds_nothing(string target)
    {
        string scratch = Directory.CreateTempSubdirectory("pinn-fuzz-test-").FullName;
        try
        {
            var fuzz = Targets.Create(target, Targets.FindRepository(AppContext.BaseDirectory), scratch);
            var result = Problems.Within(TimeSpan.FromMinutes(5), () => FuzzLoop.Run(fuzz, seed: 7, maxInputs: 300, duration: null, slowInput: TimeSpan.FromSeconds(60)));
            Assert.True(result.Findings.Count == 0, string.Join("\n", result.Findings));
            Assert.Equal(300, result.Inputs);
            Assert.True(result.Refused > 0, "the mutations reach the readers' refusals");
        }
        finally { Directory.Delete(scratch, recursive: true); }
    }
}
