using System.Numerics;

namespace PinnServe.Reference.Numerics;

/// <summary>
/// Type-I sine and cosine transforms through a complex FFT of length 2n (n = number of grid intervals, a power of two).
/// They diagonalize the second-difference operator with Dirichlet (sine) or ghost-point Neumann (cosine) ends,
/// which makes them fast Poisson solvers on a uniform grid. Two real vectors are transformed per FFT.
/// <list type="bullet">
/// <item>DST-I on f_1..f_{n−1}: S_k = Σ_j f_j sin(πjk/n); S∘S = (n/2)·I.</item>
/// <item>DCT-I on f_0..f_n: C_k = f_0 + (−1)^k f_n + 2 Σ_{j=1}^{n−1} f_j cos(πjk/n); C∘C = 2n·I.</item>
/// </list>
/// Not thread-safe: instances own their scratch buffer.
/// </summary>
public sealed class TrigTransform
{
    private readonly bool _isSine;
    private readonly int _intervals;
    private readonly Fft _fft;
    private readonly Complex[] _buffer;
    private readonly double[] _spareRow;

    private TrigTransform(int intervals, bool isSine)
    {
        if (intervals < 2 || (intervals & (intervals - 1)) != 0)
            throw new ArgumentOutOfRangeException(nameof(intervals), intervals, "The number of grid intervals must be a power of two ≥ 2.");
        _intervals = intervals;
        _isSine = isSine;
        _fft = new Fft(2 * intervals);
        _buffer = new Complex[2 * intervals];
        Length = isSine ? intervals - 1 : intervals + 1;
        _spareRow = new double[Length];
    }

    public static TrigTransform SineI(int intervals) => new(intervals, isSine: true);
    public static TrigTransform CosineI(int intervals) => new(intervals, isSine: false);

    /// <summary>Number of values in one transformed vector (n−1 for sine, n+1 for cosine).</summary>
    public int Length { get; }

    /// <summary>Scale c such that c·T(T(f)) = f.</summary>
    public double InverseScale => _isSine ? 2.0 / _intervals : 1.0 / (2 * _intervals);

    /// <summary>Transforms <paramref name="a"/> and <paramref name="b"/> in place with one FFT of a + i·b.</summary>
    public void Apply(Span<double> a, Span<double> b)
    {
        int n = _intervals;
        Span<Complex> y = _buffer;
        if (_isSine)
        {
            // Odd extension: y_j = z_j, y_{2n−j} = −z_j, zeros at 0 and n. Then Y_k = −2i S(a)_k + 2 S(b)_k.
            y[0] = Complex.Zero; y[n] = Complex.Zero;
            for (int j = 1; j < n; j++)
            {
                var z = new Complex(a[j - 1], b[j - 1]);
                y[j] = z; y[2 * n - j] = -z;
            }
            _fft.Forward(y);
            for (int k = 1; k < n; k++)
            {
                a[k - 1] = -0.5 * y[k].Imaginary;
                b[k - 1] = 0.5 * y[k].Real;
            }
        }
        else
        {
            // Even extension: y_j = z_j (0 ≤ j ≤ n), y_{2n−j} = z_j. Then Y_k = C(a)_k + i C(b)_k.
            for (int j = 0; j <= n; j++) y[j] = new Complex(a[j], b[j]);
            for (int j = 1; j < n; j++) y[2 * n - j] = y[j];
            _fft.Forward(y);
            for (int k = 0; k <= n; k++)
            {
                a[k] = y[k].Real;
                b[k] = y[k].Imaginary;
            }
        }
    }

    /// <summary>Transforms every row of a square Length×Length row-major array, then every column.</summary>
    public void Apply2D(double[] square)
    {
        int m = Length;
        if (square.Length != m * m) throw new ArgumentException($"Expected {m}×{m} values.", nameof(square));
        TransformRows(square, m);
        Transpose(square, m);
        TransformRows(square, m);
        Transpose(square, m);
    }

    private void TransformRows(double[] square, int m)
    {
        int row = 0;
        for (; row + 1 < m; row += 2)
            Apply(square.AsSpan(row * m, m), square.AsSpan((row + 1) * m, m));
        if (row < m)
        {
            // Odd row count: pair the last row with a zero row.
            Array.Clear(_spareRow);
            Apply(square.AsSpan(row * m, m), _spareRow);
        }
    }

    private static void Transpose(double[] square, int m)
    {
        for (int i = 0; i < m; i++)
            for (int j = i + 1; j < m; j++)
                (square[i * m + j], square[j * m + i]) = (square[j * m + i], square[i * m + j]);
    }
}
