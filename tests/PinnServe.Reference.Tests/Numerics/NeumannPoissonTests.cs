using PinnServe.Reference.Numerics;

namespace PinnServe.Reference.Tests.Numerics;

public class NeumannPoissonTests
{
    // p = cos(1.3x) e^{0.7y} + x²y: smooth, with non-zero normal derivatives on three walls.
    private static double Exact(double x, double y) => Math.Cos(1.3 * x) * Math.Exp(0.7 * y) + x * x * y;

    private static double MaxError(int n)
    {
        int row = n + 1;
        var source = new double[row * row];
        var exact = new double[row * row];
        for (int i = 0; i <= n; i++)
            for (int j = 0; j <= n; j++)
            {
                double x = (double)i / n, y = (double)j / n;
                exact[i * row + j] = Exact(x, y);
                source[i * row + j] = (0.49 - 1.69) * Math.Cos(1.3 * x) * Math.Exp(0.7 * y) + 2 * y;
            }
        var left = new double[row]; var right = new double[row]; var bottom = new double[row]; var top = new double[row];
        for (int k = 0; k <= n; k++)
        {
            double s = (double)k / n;
            right[k] = -1.3 * Math.Sin(1.3) * Math.Exp(0.7 * s) + 2 * s;
            bottom[k] = 0.7 * Math.Cos(1.3 * s) + s * s;
            top[k] = 0.7 * Math.Cos(1.3 * s) * Math.Exp(0.7) + s * s;
        }
        var (solution, incompatibility) = NeumannPoisson.Solve(n, source, left, right, bottom, top);
        Assert.True(Math.Abs(incompatibility) < 1e-3, $"incompatibility {incompatibility}");
        double mean = exact.Average();
        return solution.Select((p, c) => Math.Abs(p - (exact[c] - mean))).Max();
    }

    [Fact]
    public void Manufactured_solution_converges_at_second_order()
    {
        double coarse = MaxError(32), fine = MaxError(64);
        Assert.True(fine < 1e-4, $"error {fine}");
        Assert.InRange(Math.Log2(coarse / fine), 1.9, 2.1);
    }
}
