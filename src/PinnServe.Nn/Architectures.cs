using PinnServe.Autodiff;
using PinnServe.Autodiff.Taylor;
using PinnServe.Contracts;

namespace PinnServe.Nn;

/// <summary>Builds a network of one architecture for any floating-point type: the extension point of architectures.</summary>
public interface INetworkFactory
{
    Network<T> Create<T>(ParameterStore<T> store, int inputs, int outputs, NetworkShape shape, IActivation activation)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>;

    /// <summary>The same with random weight factorization; an architecture that cannot factorize its layers refuses.</summary>
    Network<T> Create<T>(ParameterStore<T> store, int inputs, int outputs, NetworkShape shape, IActivation activation, WeightFactorization? factorization)
        where T : unmanaged, IBinaryFloatingPointIeee754<T> =>
        factorization is null ? Create(store, inputs, outputs, shape, activation)
        : throw new ArgumentException($"This architecture ({GetType().Name}) does not support random weight factorization (network.rwf).");
}

/// <summary>
/// Network architectures by name ("mlp", "modified-mlp"); a library user adds one with <see cref="Register"/> and
/// selects it with <c>--arch NAME</c> / <c>TrainingRecipe.Network.Architecture</c>. (ONNX export knows the built-in two.)
/// </summary>
public static class Architectures
{
    private static readonly Dictionary<string, INetworkFactory> Factories = new()
    {
        [NetworkFile.MlpArchitecture] = new MlpFactory(),
        [NetworkFile.ModifiedMlpArchitecture] = new ModifiedMlpFactory(),
    };

    public static IReadOnlyCollection<string> Names { get { lock (Factories) return Factories.Keys.ToArray(); } }

    public static void Register(string name, INetworkFactory factory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        lock (Factories) Factories[name] = factory;
    }

    public static Network<T> Create<T>(string name, ParameterStore<T> store, int inputs, int outputs, NetworkShape shape, IActivation activation,
        WeightFactorization? factorization = null)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        INetworkFactory? factory;
        lock (Factories) Factories.TryGetValue(name, out factory);
        return factory is null
            ? throw new ArgumentException($"Unknown architecture '{name}' (expected {string.Join(", ", Names.Order())}).")
            : factory.Create(store, inputs, outputs, shape, activation, factorization);
    }

    private sealed class MlpFactory : INetworkFactory
    {
        public Network<T> Create<T>(ParameterStore<T> store, int inputs, int outputs, NetworkShape shape, IActivation activation)
            where T : unmanaged, IBinaryFloatingPointIeee754<T> => new Mlp<T>(store, inputs, outputs, shape, activation);

        public Network<T> Create<T>(ParameterStore<T> store, int inputs, int outputs, NetworkShape shape, IActivation activation, WeightFactorization? factorization)
            where T : unmanaged, IBinaryFloatingPointIeee754<T> => new Mlp<T>(store, inputs, outputs, shape, activation, factorization);
    }

    private sealed class ModifiedMlpFactory : INetworkFactory
    {
        public Network<T> Create<T>(ParameterStore<T> store, int inputs, int outputs, NetworkShape shape, IActivation activation)
            where T : unmanaged, IBinaryFloatingPointIeee754<T> => new ModifiedMlp<T>(store, inputs, outputs, shape, activation);

        public Network<T> Create<T>(ParameterStore<T> store, int inputs, int outputs, NetworkShape shape, IActivation activation, WeightFactorization? factorization)
            where T : unmanaged, IBinaryFloatingPointIeee754<T> => new ModifiedMlp<T>(store, inputs, outputs, shape, activation, factorization);
    }
}
