using PinnServe.Physics.Catalog;

namespace PinnServe.Physics;

/// <summary>The problems `pinn` knows by name.</summary>
public static class ProblemCatalog
{
    private static readonly Dictionary<string, Func<IReadOnlyDictionary<string, double>?, Problem>> Factories = new()
    {
        ["allen-cahn"] = p => new AllenCahn(p),
        ["burgers"] = p => new Burgers(p),
        ["burgers-2d"] = p => new Burgers2D(p),
        ["cavity"] = p => new Cavity(p),
        ["helmholtz"] = p => new Helmholtz(p),
        ["klein-gordon"] = p => new KleinGordon(p),
        ["poisson-1d"] = p => new Poisson1D(p),
        ["poisson-2d"] = p => new Poisson2D(p),
    };

    public static IReadOnlyCollection<string> Names => Factories.Keys;

    /// <summary>Registers a problem (extensions, tests).</summary>
    public static void Register(string name, Func<IReadOnlyDictionary<string, double>?, Problem> factory) => Factories[name] = factory;

    public static Problem Create(string name, IReadOnlyDictionary<string, double>? parameters = null) =>
        Factories.TryGetValue(name, out var factory)
            ? factory(parameters)
            : throw new ArgumentException($"Unknown problem '{name}' (known: {string.Join(", ", Factories.Keys.Order())}).");

    public static IEnumerable<Problem> All() => Factories.Values.Select(f => f(null));
}
