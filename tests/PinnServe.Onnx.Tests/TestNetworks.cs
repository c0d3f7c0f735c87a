using PinnServe.Contracts;

namespace PinnServe.Onnx.Tests;

/// <summary>Seeded random networks with Glorot-normal weights, non-zero biases and a non-trivial normalization.</summary>
internal static class TestNetworks
{
    public static NetworkFile Create(string architecture, string activation, string[] inputs, string[] outputs,
        int depth = 3, int width = 16, int seed = 7, PeriodicInput[]? periodic = null)
    {
        var random = new Random(seed);
        int d = inputs.Length + (periodic?.Length ?? 0);   // the first layers' inputs: one per coordinate, two per periodic one
        // Shifts and scales far from (0, 1) so a missing 1/scale factor cannot go unnoticed.
        double[] shift = Enumerable.Range(0, inputs.Length).Select(i => 0.5 - 1.3 * i).ToArray();
        double[] scale = Enumerable.Range(0, inputs.Length).Select(i => new[] { 0.7, 2.5, 0.4 }[i % 3]).ToArray();
        var layers = new List<LayerFile>();
        if (architecture == NetworkFile.ModifiedMlpArchitecture)
        {
            layers.Add(Dense("encoder_u", d, width, random));
            layers.Add(Dense("encoder_v", d, width, random));
        }
        layers.Add(Dense("hidden_0", d, width, random));
        for (int k = 1; k < depth; k++) layers.Add(Dense($"hidden_{k}", width, width, random));
        layers.Add(Dense("output", width, outputs.Length, random));
        return new NetworkFile
        {
            Architecture = architecture,
            Activation = activation,
            Inputs = inputs,
            Outputs = outputs,
            InputShift = shift,
            InputScale = scale,
            InputBounds = Enumerable.Range(0, inputs.Length).Select(i => new[] { shift[i] - scale[i], shift[i] + scale[i] }).ToArray(),
            Layers = layers.ToArray(),
            PeriodicInputs = periodic,
            Metadata = new() { ["problem"] = "test", ["iterations"] = "0", ["parameters"] = "{\"k\":1}" },
        };
    }

    private static LayerFile Dense(string name, int fanIn, int fanOut, Random random)
    {
        double std = Math.Sqrt(2.0 / (fanIn + fanOut));
        return new LayerFile
        {
            Name = name,
            In = fanIn,
            Out = fanOut,
            Weights = Enumerable.Range(0, fanIn * fanOut).Select(_ => std * Gaussian(random)).ToArray(),
            Bias = Enumerable.Range(0, fanOut).Select(_ => 0.1 * Gaussian(random)).ToArray(),
        };
    }

    private static double Gaussian(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());

    /// <summary>Random points in the network's bounds, rounded to float as ONNX Runtime sees them.</summary>
    public static float[] RandomPoints(NetworkFile network, int count, int seed)
    {
        var random = new Random(seed);
        int d = network.Inputs.Length;
        var points = new float[count * d];
        for (int i = 0; i < count; i++)
            for (int j = 0; j < d; j++)
            {
                var bounds = network.InputBounds[j];
                points[i * d + j] = (float)(bounds[0] + (bounds[1] - bounds[0]) * random.NextDouble());
            }
        return points;
    }
}
