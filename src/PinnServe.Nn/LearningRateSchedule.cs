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

/// <summary>η(step) = η₀ · rate^(step / steps), smooth (not staircase), as in seed 000 (0.9 every 1,000 steps).</summary>
public sealed record ExponentialDecay(double Initial, double Rate, int Steps) : ILearningRateSchedule
{
    public double At(int step) => Initial * Math.Pow(Rate, step / (double)Steps);
    public string Describe() => $"exponential {Initial} × {Rate}^(step/{Steps})";
}
