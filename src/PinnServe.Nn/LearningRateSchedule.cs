namespace PinnServe.Nn;

/// <summary>Learning rate as a function of the step number.</summary>
public interface ILearningRateSchedule
{
    double At(int step);
    string Describe();
}

public sealed record ConstantLearningRate(double Rate) : ILearningRateSchedule
{
    public double At(int step) => Rate;
    public string Describe() => $"constant {Rate}";
}

/// <summary>η(step) = η₀ · rate^(step / steps), smooth (not staircase), as in Wang et al. 2021 (0.9 every 1,000 steps).</summary>
public sealed record ExponentialDecay(double Initial, double Rate, int Steps) : ILearningRateSchedule
{
    public double At(int step) => Initial * Math.Pow(Rate, step / (double)Steps);
    public string Describe() => $"exponential {Initial} × {Rate}^(step/{Steps})";
}

/// <summary>
/// A linear warm-up in front of another schedule: η(step) = inner(step) · (step + 1) / steps for the first
/// <paramref name="Steps"/> updates (step counts from 0), then inner(step). Keeps Adam's first updates, taken while its
/// second-moment estimate is still noisy, small (Goyal et al. 2017; jaxpi's `warmup_steps`).
/// </summary>
public sealed record LinearWarmup(ILearningRateSchedule Inner, int Steps) : ILearningRateSchedule
{
    public double At(int step) => step < Steps ? Inner.At(step) * ((step + 1) / (double)Steps) : Inner.At(step);
    public string Describe() => $"linear warm-up over {Steps} steps, then {Inner.Describe()}";
}
