namespace PinnServe.Autodiff.Nodes;

/// <summary>
/// One derivative component of one output column of a jet, as a contiguous per-point vector: e.g. ψ_yyy or
/// u_tt, the building block of residual expressions.
/// </summary>
public sealed class ComponentNode<T> : Node<T> where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    private readonly JetNode<T> _jet;
    private readonly int _component, _column;

    public ComponentNode(JetNode<T> jet, int component, int column)
        : base(jet.Points, jet.RequiresGrad)
    {
        if (component < 0 || component >= jet.Set.Count) throw new ArgumentOutOfRangeException(nameof(component));
        if (column < 0 || column >= jet.Width) throw new ArgumentOutOfRangeException(nameof(column));
        (_jet, _component, _column) = (jet, component, column);
    }

    public override IReadOnlyList<Node<T>>? Inputs => [_jet];
    public JetNode<T> Jet => _jet;
    public int ComponentIndex => _component;
    public int Column => _column;

    public override void Forward()
    {
        var block = _jet.Component(_component);
        int w = _jet.Width;
        for (int p = 0; p < Value.Length; p++) Value[p] = block[p * w + _column];
    }

    public override void Backward(Span<T> parameterGradient)
    {
        var block = _jet.GradComponent(_component);
        int w = _jet.Width;
        for (int p = 0; p < Grad.Length; p++) block[p * w + _column] += Grad[p];
    }

    public override long ForwardFlops => 0;
    public override long BackwardFlops => Length;
}
