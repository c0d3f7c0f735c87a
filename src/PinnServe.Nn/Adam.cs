using System.Runtime.InteropServices;
using PinnServe.Tensors;

namespace PinnServe.Nn;

/// <summary>
/// Adam (Kingma &amp; Ba 2015) on a flat parameter vector: m ← β₁m + (1−β₁)g, v ← β₂v + (1−β₂)g²,
/// θ ← θ − η·m̂/(√v̂ + ε) with m̂ = m/(1−β₁ᵗ), v̂ = v/(1−β₂ᵗ). Defaults β₁ = 0.9, β₂ = 0.999, ε = 1e-8.
/// The learning rate η comes from a schedule evaluated at the step number.
/// </summary>
public sealed class Adam<T> where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    private readonly T[] _m, _v;

    public Adam(int parameterCount, ILearningRateSchedule schedule, double beta1 = 0.9, double beta2 = 0.999, double epsilon = 1e-8)
    {
        _m = new T[parameterCount];
        _v = new T[parameterCount];
        Schedule = schedule;
        (Beta1, Beta2, Epsilon) = (beta1, beta2, epsilon);
    }

    public ILearningRateSchedule Schedule { get; }
    public double Beta1 { get; }
    public double Beta2 { get; }
    public double Epsilon { get; }
    /// <summary>Number of updates applied so far.</summary>
    public int Step { get; private set; }
    public double CurrentLearningRate => Schedule.At(Step);

    public void Update(Span<T> theta, ReadOnlySpan<T> gradient)
    {
        if (theta.Length != _m.Length || gradient.Length != _m.Length)
            throw new ArgumentException($"Adam was built for {_m.Length} parameters.");
        var scalars = Advance();
        T b1 = T.CreateTruncating(Beta1), b2 = T.CreateTruncating(Beta2);
        T a1 = T.One - b1, a2 = T.One - b2;
        T stepSize = T.CreateTruncating(scalars.StepSize), invSqrtC2 = T.CreateTruncating(scalars.InvSqrtC2), eps = T.CreateTruncating(Epsilon);
        ref T th = ref MemoryMarshal.GetReference(theta);
        ref T g = ref MemoryMarshal.GetReference(gradient);
        ref T m = ref MemoryMarshal.GetArrayDataReference(_m);
        ref T v = ref MemoryMarshal.GetArrayDataReference(_v);
        int n = theta.Length;
        int i = Simd.Bits switch
        {
            512 => Vectorized<Lane512<T>>(ref th, ref g, ref m, ref v, n, b1, b2, stepSize, invSqrtC2, eps),
            256 => Vectorized<Lane256<T>>(ref th, ref g, ref m, ref v, n, b1, b2, stepSize, invSqrtC2, eps),
            _ => Vectorized<Lane128<T>>(ref th, ref g, ref m, ref v, n, b1, b2, stepSize, invSqrtC2, eps),
        };
        for (; i < n; i++)
        {
            T gi = gradient[i];
            _m[i] = b1 * _m[i] + a1 * gi;
            _v[i] = b2 * _v[i] + a2 * gi * gi;
            theta[i] -= stepSize * _m[i] / (T.Sqrt(_v[i]) * invSqrtC2 + eps);
        }
    }

    // The vectorized part of the update; returns how many parameters it covered.
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)] // hot kernel: no tier-0 phase
    private static int Vectorized<V>(ref T th, ref T g, ref T m, ref T v, int n, T b1, T b2, T stepSize, T invSqrtC2, T eps)
        where V : struct, ISimdLane<V, T>
    {
        int vl = V.Count, i = 0;
        T a1 = T.One - b1, a2 = T.One - b2;
        for (; i + vl <= n; i += vl)
        {
            var gi = V.Load(ref g, (nuint)i);
            var mi = V.Broadcast(b1) * V.Load(ref m, (nuint)i) + V.Broadcast(a1) * gi;
            var vi = V.Broadcast(b2) * V.Load(ref v, (nuint)i) + V.Broadcast(a2) * gi * gi;
            mi.Store(ref m, (nuint)i);
            vi.Store(ref v, (nuint)i);
            var update = V.Broadcast(stepSize) * mi / (V.Sqrt(vi) * V.Broadcast(invSqrtC2) + V.Broadcast(eps));
            (V.Load(ref th, (nuint)i) - update).Store(ref th, (nuint)i);
        }
        return i;
    }

    /// <summary>
    /// Counts one update and returns its step-dependent scalars: η/(1−β₁ᵗ) and 1/√(1−β₂ᵗ). <see cref="Update"/> applies them
    /// to the host's m and v; a device backend that keeps m and v resident applies them in its own kernel.
    /// </summary>
    public AdamStepScalars Advance()
    {
        double lr = Schedule.At(Step);
        Step++;
        double c1 = 1 - Math.Pow(Beta1, Step), c2 = 1 - Math.Pow(Beta2, Step);
        return new AdamStepScalars(lr / c1, 1 / Math.Sqrt(c2));
    }

    /// <summary>Optimizer state for checkpoints: step, m, v.</summary>
    public (int Step, T[] M, T[] V) GetState() => (Step, (T[])_m.Clone(), (T[])_v.Clone());

    public void SetState(int step, ReadOnlySpan<T> m, ReadOnlySpan<T> v)
    {
        if (m.Length != _m.Length || v.Length != _v.Length) throw new InvalidDataException("Adam state does not match the parameter count.");
        Step = step;
        m.CopyTo(_m);
        v.CopyTo(_v);
    }
}

/// <summary>One Adam update's step-dependent scalars (<see cref="Adam{T}.Advance"/>): θ ← θ − StepSize·m/(√v·InvSqrtC2 + ε).</summary>
public readonly record struct AdamStepScalars(double StepSize, double InvSqrtC2);
