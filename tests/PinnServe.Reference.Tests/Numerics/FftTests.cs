using System.Numerics;
using PinnServe.Reference.Numerics;

namespace PinnServe.Reference.Tests.Numerics;

public class FftTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(8)]
    [InlineData(64)]
    [InlineData(256)]
    public void Forward_matches_the_direct_DFT_and_inverse_round_trips(int n)
    {
        var random = new Random(n);
        var input = Enumerable.Range(0, n).Select(_ => new Complex(random.NextDouble() - 0.5, random.NextDouble() - 0.5)).ToArray();
        var data = input.ToArray();
        var fft = new Fft(n);
        fft.Forward(data);
        for (int k = 0; k < n; k++)
        {
            Complex direct = Complex.Zero;
            for (int j = 0; j < n; j++) direct += input[j] * Complex.FromPolarCoordinates(1, -2 * Math.PI * j * k / n);
            Assert.True((data[k] - direct).Magnitude < 1e-12 * n, $"k={k}");
        }
        fft.Inverse(data);
        for (int j = 0; j < n; j++) Assert.True((data[j] - input[j]).Magnitude < 1e-14 * n);
    }

    [Fact]
    public void Rejects_lengths_that_are_not_powers_of_two() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new Fft(12));

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Trig_transforms_match_their_definitions_and_invert(bool sine)
    {
        const int n = 16;
        var transform = sine ? TrigTransform.SineI(n) : TrigTransform.CosineI(n);
        var random = new Random(7);
        var a = Enumerable.Range(0, transform.Length).Select(_ => random.NextDouble()).ToArray();
        var b = Enumerable.Range(0, transform.Length).Select(_ => random.NextDouble()).ToArray();
        var ta = a.ToArray(); var tb = b.ToArray();
        transform.Apply(ta, tb);
        for (int k = 0; k < transform.Length; k++)
        {
            double expectA = 0, expectB = 0;
            for (int j = 0; j < transform.Length; j++)
            {
                double basis = sine
                    ? Math.Sin(Math.PI * (j + 1) * (k + 1) / n)
                    : (j == 0 || j == n ? 1 : 2) * Math.Cos(Math.PI * j * k / n);
                expectA += a[j] * basis; expectB += b[j] * basis;
            }
            Assert.Equal(expectA, ta[k], 1e-12);
            Assert.Equal(expectB, tb[k], 1e-12);
        }
        transform.Apply(ta, tb);
        for (int j = 0; j < transform.Length; j++) Assert.Equal(a[j], ta[j] * transform.InverseScale, 1e-13);
    }

    [Fact]
    public void Gauss_Legendre_integrates_polynomials_of_degree_2n_minus_1_exactly()
    {
        var (nodes, weights) = GaussLegendre.Rule(8);
        for (int degree = 0; degree <= 15; degree++)
        {
            double sum = 0;
            for (int k = 0; k < nodes.Length; k++) sum += weights[k] * Math.Pow(nodes[k], degree);
            double exact = degree % 2 == 1 ? 0 : 2.0 / (degree + 1);
            Assert.Equal(exact, sum, 1e-14);
        }
    }
}
