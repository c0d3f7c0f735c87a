using PinnServe.Nn;

namespace PinnServe.Training;

/// <summary>The Adam phase's learning-rate schedule from its recipe.</summary>
public static class LearningRates
{
    public static ILearningRateSchedule For(AdamRecipe adam)
    {
        ILearningRateSchedule schedule = adam.Schedule switch
        {
            LearningRateSchedule.Cosine => new CosineDecay(adam.LearningRate, adam.Iterations),
            _ when adam.DecayRate < 1 => new ExponentialDecay(adam.LearningRate, adam.DecayRate, adam.DecaySteps),
            _ => new ConstantLearningRate(adam.LearningRate),
        };
        return adam.WarmupSteps > 0 ? new LinearWarmup(schedule, adam.WarmupSteps) : schedule;
    }
}

/// <summary>
/// η(step) = η₀ · ½(1 + cos(π · step / steps)): from η₀ down to 0 at the last Adam step along a half cosine
/// (Loshchilov &amp; Hutter 2017, without restarts), constant 0 beyond it.
/// </summary>
public sealed record CosineDecay(double Initial, int Steps) : ILearningRateSchedule
{
    public double At(int step) => step >= Steps ? 0 : Initial * 0.5 * (1 + Math.Cos(Math.PI * step / Steps));
    public string Describe() => $"cosine {Initial} → 0 over {Steps} steps";
}
