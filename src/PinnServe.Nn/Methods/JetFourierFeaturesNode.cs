using PinnServe.Autodiff;
using PinnServe.Autodiff.Nodes;

namespace PinnServe.Nn;

/// <summary>
/// Random Fourier features of the normalized inputs as a jet: columns cos(z_j) then sin(z_j), z = x̂B, j &lt; N.
/// x̂ is affine in the physical coordinates (∂x̂_a/∂x_a = 1/scale_a), so every derivative is closed-form:
/// ∂^α cos(z_j) = Π_{a∈α}(B_aj/scale_a) · cos(z_j + |α|π/2), and likewise for sin — mixed partials included.
/// B is fixed (<see cref="FourierFeatures"/>), so the features depend on the coordinates only and nothing flows back.
/// </summary>
public sealed class JetFourierFeaturesNode<T> : JetNode<T> where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    private readonly JetInputNode<T> _input;
    private readonly double[] _matrix;       // d × N, row-major: x̂B
    private readonly int _count;
    private readonly double[] _cos, _sin, _factor;   // per point and column; per component and column

    public JetFourierFeaturesNode(JetInputNode<T> input, double[] matrix, int count)
        : base(input.Set, input.Points, 2 * count, requiresGrad: false)
    {
        if (matrix.Length != input.Width * count)
            throw new ArgumentException($"The Fourier matrix has {matrix.Length} entries; {input.Width} inputs × {count} features need {input.Width * count}.");
        (_input, _matrix, _count) = (input, matrix, count);
        _cos = new double[input.Points * count];
        _sin = new double[input.Points * count];
        _factor = new double[Set.Count * count];
    }

    public override IReadOnlyList<Node<T>>? Inputs => [_input];
    public JetInputNode<T> Input => _input;

    public override void Forward()
    {
        int d = _input.Width, n = _count, width = Width;
        // 1/scale_a sits in column a of the first-order component e_a (JetInputNode); B may change (a loaded file).
        for (int k = 0; k < Set.Count; k++)
            for (int j = 0; j < n; j++)
            {
                double f = 1;
                foreach (int a in Set.Components[k]) f *= _matrix[a * n + j] * double.CreateTruncating(_input.Component(Set.IndexOf([a]))[a]);
                _factor[k * n + j] = f;
            }
        var x = _input.Component(0);
        for (int p = 0; p < Points; p++)
            for (int j = 0; j < n; j++)
            {
                double z = 0;
                for (int a = 0; a < d; a++) z += double.CreateTruncating(x[p * d + a]) * _matrix[a * n + j];
                _cos[p * n + j] = Math.Cos(z);
                _sin[p * n + j] = Math.Sin(z);
            }
        // cos(z + mπ/2) cycles through cos, −sin, −cos, sin (and sin(z + mπ/2) through sin, cos, −sin, −cos): one
        // cos and sin per point and column serve every component.
        for (int k = 0; k < Set.Count; k++)
        {
            int m = Set.Components[k].Length % 4;
            var (cosOf, cosSign) = m switch { 0 => (_cos, 1.0), 1 => (_sin, -1.0), 2 => (_cos, -1.0), _ => (_sin, 1.0) };
            var (sinOf, sinSign) = m switch { 0 => (_sin, 1.0), 1 => (_cos, 1.0), 2 => (_sin, -1.0), _ => (_cos, -1.0) };
            var block = Component(k);
            for (int p = 0; p < Points; p++)
                for (int j = 0; j < n; j++)
                {
                    double f = _factor[k * n + j];
                    block[p * width + j] = T.CreateTruncating(f * cosSign * cosOf[p * n + j]);
                    block[p * width + n + j] = T.CreateTruncating(f * sinSign * sinOf[p * n + j]);
                }
        }
    }

    public override long ForwardFlops => 2L * Points * _count * _input.Width + 40L * Points * _count + 2L * Length;
}
