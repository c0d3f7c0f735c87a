using System.Diagnostics;
using System.Security.Cryptography;

namespace PinnServe.Fuzzing;

/// <summary>An input that made a reader throw an unexpected exception, break a round trip, or run too long.</summary>
public sealed record Finding(string Target, byte[] Input, string Kind, string Detail)
{
    public string Id => $"{Target}-{Convert.ToHexString(SHA256.HashData(Input))[..12].ToLowerInvariant()}";
    public override string ToString() => $"{Id}: {Kind}: {Detail}";
}

/// <summary>
/// A mutation fuzzing loop: starting from a target's seeds, mutate a corpus member, run it, and keep inputs that
/// are refused in a new way (a new message shape) as corpus members; anything unexpected is a finding. Bounded
/// by a number of inputs or a deadline; the same seed and count give the same inputs.
/// </summary>
public static class FuzzLoop
{
    /// <summary>By default, an input that takes longer than this is reported (a hang in the making).</summary>
    public static readonly TimeSpan DefaultSlowInput = TimeSpan.FromSeconds(5);

    public sealed record Result(string Target, int Inputs, int Refused, int Accepted, int Corpus, List<Finding> Findings, TimeSpan Elapsed);

    /// <param name="beforeRun">Called with each input before it runs (the command-line fuzzer saves it, so a crash of the process leaves it behind).</param>
    /// <param name="slowInput">Inputs that run longer are findings (default <see cref="DefaultSlowInput"/>).</param>
    public static Result Run(FuzzTarget target, int seed, int? maxInputs, TimeSpan? duration, Action<byte[]>? beforeRun = null, TimeSpan? slowInput = null)
    {
        var slow = slowInput ?? DefaultSlowInput;
        var mutator = new Mutator(seed, target.Tokens);
        var corpus = new List<byte[]>(target.Seeds);
        var shapes = new HashSet<string>(StringComparer.Ordinal);
        var findings = new Dictionary<string, Finding>(StringComparer.Ordinal);
        var clock = Stopwatch.StartNew();
        int inputs = 0, refused = 0, accepted = 0;
        while ((maxInputs is null || inputs < maxInputs) && (duration is null || clock.Elapsed < duration))
        {
            // Seeds first as they are, then mutations of corpus members.
            byte[] input = inputs < target.Seeds.Count ? target.Seeds[inputs] : mutator.Mutate(corpus[mutator.Next(corpus.Count)], corpus);
            inputs++;
            beforeRun?.Invoke(input);
            var started = clock.Elapsed;
            string? shape = null;
            try
            {
                target.Run(input);
                accepted++;
                shape = "accepted";
            }
            catch (Exception e) when (target.Expected(e))
            {
                refused++;
                shape = Shape(e.Message);
            }
            catch (Exception e)
            {
                var finding = new Finding(target.Name, input, e.GetType().Name, $"{e.Message} @ {TopFrame(e)}");
                findings.TryAdd($"{e.GetType().Name}@{TopFrame(e)}", finding);
            }
            var took = clock.Elapsed - started;
            if (took > slow)
                findings.TryAdd($"slow@{inputs}", new Finding(target.Name, input, "slow", $"{took.TotalSeconds:F1} s for {input.Length} bytes"));
            // Keep inputs that reach a new kind of outcome: they explore further than their parents.
            if (shape is not null && shapes.Add(shape) && input.Length < 1 << 20) corpus.Add(input);
        }
        return new Result(target.Name, inputs, refused, accepted, corpus.Count, findings.Values.ToList(), clock.Elapsed);
    }

    /// <summary>A message with its numbers, quoted parts and places removed: the "kind" of a refusal.</summary>
    private static string Shape(string message) =>
        System.Text.RegularExpressions.Regex.Replace(message, @"'[^']*'|""[^""]*""|\d+", "#");

    private static string TopFrame(Exception e) =>
        new StackTrace(e, false).GetFrames().FirstOrDefault(f => f.GetMethod()?.DeclaringType?.Namespace?.StartsWith("PinnServe", StringComparison.Ordinal) == true)
            ?.GetMethod() is { } m ? $"{m.DeclaringType?.Name}.{m.Name}" : "?";
}
