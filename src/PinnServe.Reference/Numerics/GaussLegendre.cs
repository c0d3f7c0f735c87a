namespace PinnServe.Reference.Numerics;

/// <summary>Gauss–Legendre nodes and weights on [−1, 1], by Newton's method on the Legendre polynomial P_n.</summary>
public static class GaussLegendre
{
    public static (double[] Nodes, double[] Weights) Rule(int count)
    {
        if (count < 1) throw new ArgumentOutOfRangeException(nameof(count), count, "Need at least one node.");
        var nodes = new double[count];
        var weights = new double[count];
        for (int i = 0; i < (count + 1) / 2; i++)
        {
            // Chebyshev-like initial guess for the i-th largest root, then Newton to machine precision.
            double x = Math.Cos(Math.PI * (i + 0.75) / (count + 0.5));
            for (int iteration = 0; iteration < 100; iteration++)
            {
                (double p, double dp) = Legendre(count, x);
                double step = p / dp;
                x -= step;
                if (Math.Abs(step) < 1e-16) break;
            }
            double derivative = Legendre(count, x).Derivative;
            double w = 2.0 / ((1 - x * x) * derivative * derivative);
            nodes[i] = -x; nodes[count - 1 - i] = x;
            weights[i] = w; weights[count - 1 - i] = w;
        }
        return (nodes, weights);
    }

    /// <summary>P_n(x) and P_n'(x) by the three-term recurrence.</summary>
    private static (double Value, double Derivative) Legendre(int n, double x)
    {
        double previous = 1, current = x;
        for (int k = 2; k <= n; k++)
        {
            double next = ((2 * k - 1) * x * current - (k - 1) * previous) / k;
            previous = current;
            current = next;
        }
        if (n == 0) return (1, 0);
        double derivative = n * (x * current - previous) / (x * x - 1);
        return (current, derivative);
    }
}
