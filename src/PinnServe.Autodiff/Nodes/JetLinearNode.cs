using System.Numerics.Tensors;
using PinnServe.Tensors;

namespace PinnServe.Autodiff.Nodes;

/// <summary>
/// Dense layer on a jet: every derivative component is mapped by W (one stacked product), the bias is added
/// to the value component only.
/// </summary>
public sealed class JetLinearNode<T> : JetNode<T> where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    private readonly JetNode<T> _input;
    private readonly ParameterStore<T> _store;
    private readonly ParameterInfo _weight, _bias;

    public JetLinearNode(JetNode<T> input, ParameterStore<T> store, ParameterInfo weight, ParameterInfo bias)
        : base(input.Set, input.Points, weight.Cols, requiresGrad: true)
    {
        if (weight.Rows != input.Width) throw new ArgumentException($"Layer {weight.Name} expects width {weight.Rows}, input has {input.Width}.");
        if (bias.Length != weight.Cols) throw new ArgumentException($"Bias {bias.Name} length {bias.Length} != {weight.Cols}.");
        _input = input;
        _store = store;
        _weight = weight;
        _bias = bias;
    }

    public override IReadOnlyList<Node<T>>? Inputs => [_input];
    public JetNode<T> Input => _input;
    public ParameterInfo Weight => _weight;
    public ParameterInfo Bias => _bias;

    public override void Forward()
    {
        // One product over every stacked component: the value rows (the first Points) get the bias inside it, the
        // derivative components are linear in the input only.
        Gemm.MultiplyAddBias<T>(_input.Value, _store.Slice(_weight), _store.Slice(_bias), Value, Rows, _input.Width, Width, biasRows: Points);
    }

    public override void Backward(Span<T> parameterGradient)
    {
        int inWidth = _input.Width, outWidth = Width;
        // dW += Xᵀ·dY over all stacked components; db += column sums of the value component.
        Gemm.MultiplyTransposedA<T>(_input.Value, Grad, parameterGradient.Slice(_weight.Offset, _weight.Length), Rows, inWidth, outWidth, accumulate: true);
        Gemm.AddColumnSums<T>(GradComponent(0), Points, outWidth, parameterGradient.Slice(_bias.Offset, _bias.Length));
        if (!_input.RequiresGrad) return;
        // dX += dY·Wᵀ, or dX = dY·Wᵀ when this layer is the first writer of dX (the tape then skips clearing it).
        Gemm.MultiplyTransposedB<T>(Grad, _store.Slice(_weight), _input.Grad, Rows, outWidth, inWidth, accumulate: !OverwritesInputGrad);
    }

    public override bool CanOverwriteInputGrad => true;

    public override long ForwardFlops => Gemm.Flops(Rows, _input.Width, Width) + BlockLength;
    public override long BackwardFlops => Gemm.Flops(Rows, _input.Width, Width) * (_input.RequiresGrad ? 2 : 1) + BlockLength;
}
