using PinnServe.Physics;

namespace PinnServe.Training.Tests.Settings;

/// <summary>adam.schedule = cosine (--schedule cosine): η₀ · ½(1 + cos(π t / T)) down to 0 at the last Adam step, after any warm-up.</summary>
public class CosineScheduleTests
{
    [Fact]
    public void The_cosine_schedule_has_its_known_values()
    {
        var s = LearningRates.For(new AdamRecipe { LearningRate = 1e-2, Iterations = 100, Schedule = LearningRateSchedule.Cosine });
        Assert.Equal(1e-2, s.At(0));
        Assert.Equal(0.5e-2, s.At(50), 15);
        Assert.Equal(1e-2 * 0.5 * (1 + Math.Cos(Math.PI * 0.25)), s.At(25), 15);
        Assert.Equal(0, s.At(100));
        Assert.Equal(0, s.At(150));
        var warm = LearningRates.For(new AdamRecipe { LearningRate = 1e-2, Iterations = 100, Schedule = LearningRateSchedule.Cosine, WarmupSteps = 10 });
        Assert.Equal(s.At(4) * 0.5, warm.At(4), 15);
        Assert.Equal(s.At(60), warm.At(60));
    }

    [Fact]
    public void The_default_stays_the_exponential_decay()
    {
        var s = LearningRates.For(new AdamRecipe { LearningRate = 1e-3, DecayRate = 0.9, DecaySteps = 1000 });
        Assert.Equal(1e-3 * Math.Pow(0.9, 2.5), s.At(2500));
    }

    [Fact]
    public void A_trainer_follows_the_cosine_schedule_bound_from_its_setting_path()
    {
        var problem = ProblemCatalog.Create("poisson-1d");
        var recipe = RecipeBinder.Apply(Recipes.For(problem, "M1"),
            [new("adam.schedule", "cosine"), new("adam.iterations", 8), new("network.layers", "1x4"), new("adam.learning_rate", 0.01)]);
        Assert.Contains("\"schedule\": \"cosine\"", recipe.ToJson());
        using var trainer = TrainerFactory.Create(problem, recipe);
        var rates = new List<double>();
        for (int i = 0; i < 8; i++) { trainer.TrainStep(); rates.Add(trainer.LearningRate); }
        var expected = Enumerable.Range(0, 8).Select(step => new CosineDecay(0.01, 8).At(step)).ToList();
        Assert.Contains(rates[0], expected);
        Assert.True(rates.Zip(rates.Skip(1)).All(p => p.First > p.Second), "the rate falls step by step");
        var e = Assert.Throws<InvalidSettingException>(() => RecipeBinder.Set(recipe, "adam.schedule", "linear", "--schedule"));
        Assert.Equal("--schedule: adam.schedule must be exponential or cosine, got 'linear'.", e.Message);
    }
}
