namespace PinnServe.Autodiff;

/// <summary>
/// Reverse-mode tape for one scalar loss term: nodes are recorded once (the graph is static), then
/// <see cref="Forward"/> and <see cref="Backward"/> replay them every step without allocating. Each tape
/// owns its own ∂L/∂θ buffer, so per-term gradients — what the weighting schemes need — come for free.
/// </summary>
public sealed class Tape<T> where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    private readonly List<Node<T>> _nodes = new();

    public Tape(ParameterStore<T> parameters, string name = "loss")
    {
        Parameters = parameters;
        Name = name;
    }

    public string Name { get; }
    public ParameterStore<T> Parameters { get; }
    public IReadOnlyList<Node<T>> Nodes => _nodes;
    /// <summary>The scalar loss node (length 1).</summary>
    public Node<T>? Output
    {
        get => _output;
        set { _output = value; _clearSchedule = null; }
    }

    private Node<T>? _output;
    /// <summary>∂Output/∂θ after <see cref="Backward"/>; sized when first needed.</summary>
    public T[] ParameterGradient { get; private set; } = [];

    public TNode Record<TNode>(TNode node) where TNode : Node<T>
    {
        _nodes.Add(node);
        _clearSchedule = null;
        return node;
    }

    /// <summary>Runs every node forward and returns the loss value.</summary>
    public T Forward()
    {
        if (Profile is { } profile)
            foreach (var node in _nodes) { long t0 = TapeProfile.Timestamp(); node.Forward(); profile.Add(node, forward: true, t0); }
        else
            foreach (var node in _nodes) node.Forward();
        return Output is null ? T.Zero : Output.Value[0];
    }

    /// <summary>When set, every node's forward and backward time is added to it (`pinn bench train --profile`).</summary>
    public static TapeProfile? Profile { get; set; }

    /// <summary>Back-propagates from the loss into <see cref="ParameterGradient"/> (overwritten, not accumulated).</summary>
    public void Backward() => Backward(SizedParameterGradient());

    /// <summary><see cref="ParameterGradient"/>, sized to the store (allocated the first time).</summary>
    public T[] SizedParameterGradient()
    {
        if (ParameterGradient.Length != Parameters.Count) ParameterGradient = new T[Parameters.Count];
        return ParameterGradient;
    }

    /// <summary>
    /// Back-propagates from the loss into <paramref name="parameterGradient"/> (overwritten) instead of this tape's own
    /// buffer: a twin tape of the same graph that ran another tape's points leaves ∂L/∂θ with that tape.
    /// </summary>
    public void Backward(T[] parameterGradient)
    {
        var output = Output ?? throw new InvalidOperationException($"Tape '{Name}' has no output.");
        if (parameterGradient.Length != Parameters.Count)
            throw new ArgumentException($"Tape '{Name}': a gradient of {parameterGradient.Length} entries for {Parameters.Count} parameters.");
        Array.Clear(parameterGradient);
        if (_clearSchedule is null || _scheduledOverwrite != OverwriteFirstWriters)
        {
            _scheduledOverwrite = OverwriteFirstWriters;
            _clearSchedule = ClearSchedule();
        }
        foreach (var node in _clearSchedule[_nodes.Count]) Array.Clear(node.Grad);
        if (!output.RequiresGrad) return;
        output.Grad[0] = T.One;
        var profile = Profile;
        for (int i = _nodes.Count - 1; i >= 0; i--)
        {
            foreach (var node in _clearSchedule[i]) Array.Clear(node.Grad);
            if (!_nodes[i].RequiresGrad) continue;
            long t0 = profile is null ? 0 : TapeProfile.Timestamp();
            _nodes[i].Backward(parameterGradient);
            profile?.Add(_nodes[i], forward: false, t0);
        }
    }

    /// <summary>
    /// Whether a node that is the first writer of its input's gradient writes it instead of the tape clearing it first
    /// (<see cref="Node{T}.CanOverwriteInputGrad"/>). On by default; off only to compare the two (same bits, tests and
    /// benchmarks/kernels).
    /// </summary>
    public static bool OverwriteFirstWriters { get; set; } = true;
    private bool _scheduledOverwrite;

    // _clearSchedule[i]: gradient buffers to clear just before node i runs backward (its first writer in reverse
    // order); [Count]: those cleared up front (no consumer, or some node on the tape does not declare its inputs).
    private Node<T>[][]? _clearSchedule;

    private Node<T>[][] ClearSchedule()
    {
        var lists = Enumerable.Range(0, _nodes.Count + 1).Select(_ => new List<Node<T>>()).ToArray();
        var index = new Dictionary<Node<T>, int>(ReferenceEqualityComparer.Instance);
        for (int i = 0; i < _nodes.Count; i++) index[_nodes[i]] = i;
        bool declared = _nodes.All(n => n.Inputs is not null && n.Inputs.All(index.ContainsKey));
        var firstWriter = new int[_nodes.Count];
        Array.Fill(firstWriter, _nodes.Count);
        if (declared)
            for (int i = _nodes.Count - 1; i >= 0; i--)
                foreach (var input in _nodes[i].Inputs!)
                    if (firstWriter[index[input]] == _nodes.Count) firstWriter[index[input]] = i;
        // The output's gradient is seeded with 1 after the up-front clears, so it must not be cleared later.
        if (_output is not null && index.TryGetValue(_output, out int output)) firstWriter[output] = _nodes.Count;
        for (int j = 0; j < _nodes.Count; j++)
            if (_nodes[j].RequiresGrad) lists[firstWriter[j]].Add(_nodes[j]);
        // A first writer that can overwrite its single input's gradient is told to, and that buffer is not cleared.
        for (int i = 0; i < _nodes.Count; i++)
        {
            var node = _nodes[i];
            bool overwrite = OverwriteFirstWriters && declared && node.RequiresGrad && node.CanOverwriteInputGrad && node.Inputs is [var input]
                             && input.RequiresGrad && firstWriter[index[input]] == i;
            node.OverwritesInputGrad = overwrite;
            if (overwrite) lists[i].Remove(node.Inputs![0]);
        }
        return lists.Select(l => l.ToArray()).ToArray();
    }

    public long ForwardFlops => _nodes.Sum(n => n.ForwardFlops);
    public long BackwardFlops => _nodes.Sum(n => n.BackwardFlops);
}
