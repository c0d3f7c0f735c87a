using PinnServe.Engine.Compilation;

namespace PinnServe.Engine.Backends;

/// <summary>
/// Where a training step's arithmetic runs. The trainer samples points, then asks the backend's executor to
/// run forward and backward of every loss term; the weighting schemes and the optimizer read each term's
/// <see cref="CompiledTerm{T}.Loss"/> and <see cref="CompiledTerm{T}.Gradient"/>; or, for the Adam phase, the backend owns
/// the whole step (<see cref="CreateStepExecutor{T}"/>) and returns only scalars. A backend sees the compiled
/// terms' tapes (a static graph of a few node kinds: jet input, dense layer, activation jet, gate, component,
/// elementwise expression, mean square), so a device backend can translate them once into its own kernels
/// without any change to Physics, Training or the weighting schemes.
/// </summary>
public interface IComputeBackend
{
    /// <summary>The name users select it by (<c>--device cpu</c>).</summary>
    string Name { get; }

    /// <summary>Whether this machine can run it; when not, <paramref name="reason"/> says what is missing.</summary>
    bool IsAvailable(out string reason);

    ITermExecutor<T> CreateExecutor<T>(IReadOnlyList<CompiledTerm<T>> terms, int threads) where T : unmanaged, IBinaryFloatingPointIeee754<T>;

    /// <summary>
    /// The whole Adam step (<see cref="IStepExecutor{T}"/>). By default the terms run on <see cref="CreateExecutor{T}"/>
    /// and the combination and the update on the host; a device backend overrides it to keep θ and Adam's moments resident.
    /// </summary>
    IStepExecutor<T> CreateStepExecutor<T>(StepTerms<T> step, int threads) where T : unmanaged, IBinaryFloatingPointIeee754<T>
        => new HostStepExecutor<T>(CreateExecutor(step.All, threads), step);
}

/// <summary>Runs forward and backward of a fixed set of compiled terms, once per <see cref="Run"/>.</summary>
public interface ITermExecutor<T> : IDisposable where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    /// <summary>Threads (or streams) actually used.</summary>
    int Threads { get; }

    /// <summary>Every term's shards forward and backward, then each term's <c>Reduce</c>: losses and gradients are set.</summary>
    void Run();
}

/// <summary>Backends by name. The CPU backend is always there; others register themselves at start-up.</summary>
public static class ComputeBackends
{
    private static readonly Dictionary<string, IComputeBackend> Registered = new(StringComparer.OrdinalIgnoreCase)
    {
        [CpuBackend.Instance.Name] = CpuBackend.Instance,
    };

    public static IReadOnlyCollection<string> Names { get { lock (Registered) return Registered.Keys.ToArray(); } }

    public static void Register(IComputeBackend backend)
    {
        ArgumentNullException.ThrowIfNull(backend);
        lock (Registered) Registered[backend.Name] = backend;
    }

    /// <summary>The backend named <paramref name="name"/>, available on this machine, or an error that says why not.</summary>
    public static IComputeBackend Get(string name)
    {
        IComputeBackend? backend;
        lock (Registered) Registered.TryGetValue(name, out backend);
        if (backend is null)
            throw new ArgumentException($"Unknown device '{Truncate(name)}' (this build has: {string.Join(", ", Names)}).");
        if (!backend.IsAvailable(out string reason))
            throw new ArgumentException($"Device '{backend.Name}' is not available here: {reason}");
        return backend;
    }

    private static string Truncate(string s) => s.Length <= 40 ? s : s[..40] + "…";
}
