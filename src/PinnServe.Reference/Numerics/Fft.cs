using System.Numerics;

namespace PinnServe.Reference.Numerics;

/// <summary>
/// Radix-2 complex FFT of one fixed power-of-two length: X_k = Σ_j x_j e^{−2πi jk/n}.
/// Twiddles and the bit-reversal permutation are computed once; transforms are in place and allocate nothing.
/// </summary>
public sealed class Fft
{
    private readonly int[] _bitReversed;
    private readonly Complex[] _twiddles; // e^{−2πi k/n}, k < n/2

    public Fft(int length)
    {
        if (length < 1 || (length & (length - 1)) != 0)
            throw new ArgumentOutOfRangeException(nameof(length), length, "FFT length must be a power of two.");
        Length = length;
        _twiddles = new Complex[Math.Max(1, length / 2)];
        for (int k = 0; k < _twiddles.Length; k++)
            _twiddles[k] = Complex.FromPolarCoordinates(1.0, -2.0 * Math.PI * k / length);
        _bitReversed = new int[length];
        int bits = BitOperations.Log2((uint)length);
        for (int i = 0; i < length; i++)
            _bitReversed[i] = bits == 0 ? 0 : (int)(ReverseBits((uint)i) >> (32 - bits));
    }

    public int Length { get; }

    /// <summary>Unnormalized forward transform.</summary>
    public void Forward(Span<Complex> data) => Transform(data, conjugateTwiddles: false);

    /// <summary>Inverse transform including the 1/n factor, so Inverse(Forward(x)) = x.</summary>
    public void Inverse(Span<Complex> data)
    {
        Transform(data, conjugateTwiddles: true);
        double scale = 1.0 / Length;
        for (int i = 0; i < data.Length; i++) data[i] *= scale;
    }

    private void Transform(Span<Complex> data, bool conjugateTwiddles)
    {
        int n = Length;
        if (data.Length != n) throw new ArgumentException($"Expected {n} values, got {data.Length}.", nameof(data));
        for (int i = 0; i < n; i++)
        {
            int j = _bitReversed[i];
            if (i < j) (data[i], data[j]) = (data[j], data[i]);
        }
        for (int size = 2; size <= n; size <<= 1)
        {
            int half = size >> 1, stride = n / size;
            for (int start = 0; start < n; start += size)
            {
                for (int k = 0; k < half; k++)
                {
                    Complex w = _twiddles[k * stride];
                    if (conjugateTwiddles) w = Complex.Conjugate(w);
                    Complex odd = w * data[start + k + half];
                    Complex even = data[start + k];
                    data[start + k] = even + odd;
                    data[start + k + half] = even - odd;
                }
            }
        }
    }

    private static uint ReverseBits(uint v)
    {
        v = ((v >> 1) & 0x55555555u) | ((v & 0x55555555u) << 1);
        v = ((v >> 2) & 0x33333333u) | ((v & 0x33333333u) << 2);
        v = ((v >> 4) & 0x0F0F0F0Fu) | ((v & 0x0F0F0F0Fu) << 4);
        v = ((v >> 8) & 0x00FF00FFu) | ((v & 0x00FF00FFu) << 8);
        return (v >> 16) | (v << 16);
    }
}
