using PinnServe.Physics.Files;

namespace PinnServe.Physics.Tests;

/// <summary>Small problem files for the tests, and the one way they are expected to fail.</summary>
internal static class Problems
{
    public const string Heat = """
        name = "heat"
        outputs = ["u"]
        [inputs]
        t = [0, 1]
        x = [0, 1]
        [parameters]
        kappa = 0.1
        [[terms]]
        name = "residual"
        expr = "u_t - kappa*u_xx"
        [[terms]]
        name = "ic"
        kind = "initial"
        on = "t = 0"
        expr = "u - sin(pi*x)"
        """;

    /// <summary>The heat problem with extra TOML after its [parameters] table (and before its terms).</summary>
    public static string HeatWith(string parameters = "", string after = "", string residual = "u_t - kappa*u_xx") => $"""
        name = "heat"
        outputs = ["u"]
        [inputs]
        t = [0, 1]
        x = [0, 1]
        [parameters]
        kappa = 0.1
        {parameters}
        [[terms]]
        name = "residual"
        expr = "{residual}"
        [[terms]]
        name = "ic"
        kind = "initial"
        on = "t = 0"
        expr = "u - sin(pi*x)"
        {after}
        """;

    public static FileProblem Parse(string text, string name = "p.toml", string? directory = null) =>
        ProblemFiles.Parse(text, name, directory: directory);

    /// <summary>Parsing must fail with a <see cref="ProblemFileException"/> (no other exception, no crash).</summary>
    public static ProblemFileException Refused(string text, string name = "p.toml", string? directory = null) =>
        Assert.Throws<ProblemFileException>(() => Parse(text, name, directory));

    /// <summary>Runs <paramref name="work"/> on a thread of its own, failing if it has not finished after a generous time (a hang, not a timing).</summary>
    public static T Within<T>(TimeSpan limit, Func<T> work)
    {
        T result = default!;
        Exception? error = null;
        var thread = new Thread(() => { try { result = work(); } catch (Exception e) { error = e; } }, 16 << 20) { IsBackground = true };
        thread.Start();
        if (!thread.Join(limit)) Assert.Fail($"did not finish within {limit.TotalSeconds} s (a hang)");
        if (error is not null) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(error).Throw();
        return result;
    }

    /// <summary>A problem file of the repository's examples/problems.</summary>
    public static string Example(string name) =>
        Path.Combine(Fuzzing.Targets.FindRepository(AppContext.BaseDirectory) ?? throw new DirectoryNotFoundException("PinnServe.sln not found above the test binaries."),
            "examples", "problems", name);
}
