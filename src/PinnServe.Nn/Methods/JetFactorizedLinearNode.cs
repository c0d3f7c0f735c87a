using PinnServe.Autodiff;
using PinnServe.Autodiff.Nodes;
using PinnServe.Tensors;

namespace PinnServe.Nn;

/// <summary>
/// A dense layer whose weight is factorized (<see cref="WeightFactorization"/>): W = V · diag(g), g_j = exp(s_j),
/// trained in (s, V). Forward forms W once per pass and maps every jet component by it (the bias only shifts the
/// value component, as in <see cref="JetLinearNode{T}"/>). Backward: with G = ∂L/∂W = Xᵀ·dY over all stacked
/// components, ∂L/∂V_ij = G_ij g_j and ∂L/∂s_j = g_j Σ_i G_ij V_ij; dX = dY·Wᵀ.
/// </summary>
public sealed class JetFactorizedLinearNode<T> : JetNode<T> where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    private readonly JetNode<T> _input;
    private readonly ParameterStore<T> _store;
    private readonly T[] _effective, _effectiveGrad, _effectiveTransposed, _scale;

    public JetFactorizedLinearNode(JetNode<T> input, ParameterStore<T> store, ParameterInfo weight, ParameterInfo bias, ParameterInfo logScale)
        : base(input.Set, input.Points, weight.Cols, requiresGrad: true)
    {
        if (weight.Rows != input.Width) throw new ArgumentException($"Layer {weight.Name} expects width {weight.Rows}, input has {input.Width}.");
        if (bias.Length != weight.Cols || logScale.Length != weight.Cols)
            throw new ArgumentException($"Layer {weight.Name}: bias ({bias.Length}) and log-scale ({logScale.Length}) must have {weight.Cols} entries.");
        (_input, _store, Weight, Bias, LogScale) = (input, store, weight, bias, logScale);
        _effective = new T[weight.Length];
        _effectiveGrad = new T[weight.Length];
        _effectiveTransposed = new T[weight.Length];
        _scale = new T[weight.Cols];
    }

    public override IReadOnlyList<Node<T>>? Inputs => [_input];
    public JetNode<T> Input => _input;
    /// <summary>V, the direction part of the weight.</summary>
    public ParameterInfo Weight { get; }
    public ParameterInfo Bias { get; }
    /// <summary>s, one log-scale per output column.</summary>
    public ParameterInfo LogScale { get; }

    public override void Forward()
    {
        int inWidth = _input.Width, outWidth = Width;
        var v = _store.Slice(Weight);
        var s = _store.Slice(LogScale);
        for (int j = 0; j < outWidth; j++) _scale[j] = T.Exp(s[j]);
        for (int i = 0; i < inWidth; i++)
            for (int j = 0; j < outWidth; j++) _effective[i * outWidth + j] = v[i * outWidth + j] * _scale[j];
        Gemm.Multiply<T>(_input.Value, _effective, Value, Rows, inWidth, outWidth, accumulate: false);
        var bias = _store.Slice(Bias);
        var value = Component(0);
        for (int p = 0; p < Points; p++)
            for (int j = 0; j < outWidth; j++) value[p * outWidth + j] += bias[j];
    }

    public override void Backward(Span<T> parameterGradient)
    {
        int inWidth = _input.Width, outWidth = Width;
        Gemm.MultiplyTransposedA<T>(_input.Value, Grad, _effectiveGrad, Rows, inWidth, outWidth, accumulate: false);
        var v = _store.Slice(Weight);
        var dv = parameterGradient.Slice(Weight.Offset, Weight.Length);
        var ds = parameterGradient.Slice(LogScale.Offset, LogScale.Length);
        for (int i = 0; i < inWidth; i++)
            for (int j = 0; j < outWidth; j++)
            {
                T g = _effectiveGrad[i * outWidth + j];
                dv[i * outWidth + j] += g * _scale[j];
                ds[j] += g * _effective[i * outWidth + j]; // g_j V_ij = W_ij
            }
        Gemm.AddColumnSums<T>(GradComponent(0), Points, outWidth, parameterGradient.Slice(Bias.Offset, Bias.Length));
        if (!_input.RequiresGrad) return;
        Gemm.Transpose<T>(_effective, inWidth, outWidth, _effectiveTransposed);
        Gemm.Multiply<T>(Grad, _effectiveTransposed, _input.Grad, Rows, outWidth, inWidth, accumulate: true);
    }

    public override long ForwardFlops => Gemm.Flops(Rows, _input.Width, Width) + BlockLength + Weight.Length;
    public override long BackwardFlops => Gemm.Flops(Rows, _input.Width, Width) * (_input.RequiresGrad ? 2 : 1) + BlockLength + 3L * Weight.Length;
}
