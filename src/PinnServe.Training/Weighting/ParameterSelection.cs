using PinnServe.Autodiff;

namespace PinnServe.Training.Weighting;

/// <summary>
/// Which parameters gradient statistics run over, grouped by layer. The seed-000 code uses the weight
/// matrices only (no biases, no modified-MLP encoders); the seed-002 code concatenates weights and biases.
/// </summary>
public sealed class ParameterSelection
{
    private ParameterSelection(string name, IReadOnlyList<ParameterInfo[]> layers)
    {
        Name = name;
        Layers = layers;
        All = layers.SelectMany(l => l).ToArray();
        Count = All.Sum(p => p.Length);
    }

    public string Name { get; }
    /// <summary>Selected blocks grouped by layer index.</summary>
    public IReadOnlyList<ParameterInfo[]> Layers { get; }
    /// <summary>All selected blocks, concatenated.</summary>
    public ParameterInfo[] All { get; }
    public int Count { get; }

    public static ParameterSelection Parse<T>(string name, ParameterStore<T> store) where T : unmanaged, IBinaryFloatingPointIeee754<T> =>
        name switch
        {
            "weights" => Create("weights", store, p => p.Kind == ParameterKind.Weight),
            "all" => Create("all", store, p => p.Kind != ParameterKind.Coefficient),
            _ => throw new ArgumentException($"Unknown gradient parameter selection '{name}' (expected weights or all)."),
        };

    private static ParameterSelection Create<T>(string name, ParameterStore<T> store, Func<ParameterInfo, bool> include)
        where T : unmanaged, IBinaryFloatingPointIeee754<T> =>
        new(name, store.Infos.Where(include).GroupBy(p => p.Layer).OrderBy(g => g.Key).Select(g => g.ToArray()).ToList());
}
